//! The built-in schemas of RFC 7643: User, Group and the Enterprise User extension (§4, §8.7.1),
//! and the discovery schemas ServiceProviderConfig, ResourceType and Schema (§5–§7, §8.7.2),
//! plus the common attributes every resource carries (§3.1).
//!
//! The attribute lists, their order, descriptions and characteristics follow the schema
//! representations of RFC 7643 §8.7.1 and §8.7.2. Where those representations disagree with
//! the normative text of §3–§7 (the RFC has a handful of such slips), the normative text wins;
//! each deviation from §8.7 is marked with a `Deviation from §8.7` comment at the spot.
//!
//! Every schema is built once, on first use, and then shared as `&'static`.

use std::sync::LazyLock;

mod discovery;
mod resources;
mod shared;

use super::{Attribute, Mutability, Returned, Schema, Uniqueness};

use self::discovery::{build_resource_type, build_schema, build_service_provider_config};
use self::resources::{build_enterprise_user, build_group, build_user};

// ------------------------------------------------------------------------------------------
// Public API
// ------------------------------------------------------------------------------------------

/// Core User schema `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1, §8.7.1).
pub fn user() -> &'static Schema {
    static USER: LazyLock<Schema> = LazyLock::new(build_user);
    &USER
}

/// Core Group schema `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2, §8.7.1).
pub fn group() -> &'static Schema {
    static GROUP: LazyLock<Schema> = LazyLock::new(build_group);
    &GROUP
}

/// Enterprise User extension schema
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (RFC 7643 §4.3, §8.7.1).
pub fn enterprise_user() -> &'static Schema {
    static ENTERPRISE_USER: LazyLock<Schema> = LazyLock::new(build_enterprise_user);
    &ENTERPRISE_USER
}

/// Service provider configuration schema
/// `urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig` (RFC 7643 §5, §8.7.2).
pub fn service_provider_config() -> &'static Schema {
    static SPC: LazyLock<Schema> = LazyLock::new(build_service_provider_config);
    &SPC
}

/// Resource type schema `urn:ietf:params:scim:schemas:core:2.0:ResourceType`
/// (RFC 7643 §6, §8.7.2).
pub fn resource_type() -> &'static Schema {
    static RESOURCE_TYPE: LazyLock<Schema> = LazyLock::new(build_resource_type);
    &RESOURCE_TYPE
}

/// The schema of schemas, `urn:ietf:params:scim:schemas:core:2.0:Schema` (RFC 7643 §7,
/// §8.7.2), including `attributes` and its nested `subAttributes`.
pub fn schema() -> &'static Schema {
    static SCHEMA: LazyLock<Schema> = LazyLock::new(build_schema);
    &SCHEMA
}

/// The common attributes of every resource (RFC 7643 §3 and §3.1): `id`, `externalId`, `meta`
/// and `schemas`. They belong to no schema, so they are kept apart from the resource schemas.
///
/// - `id`: string, `caseExact`, `readOnly`, returned `always`, uniqueness `server`.
/// - `externalId`: string, `caseExact`, `readWrite`.
/// - `meta`: complex, `readOnly`, with `resourceType` (`caseExact`), `created` and
///   `lastModified` (`dateTime`), `location` (reference to `uri`) and `version` (`caseExact`),
///   all `readOnly`.
/// - `schemas`: multi-valued reference to `uri`, required, returned `always`.
pub fn common_attributes() -> &'static [Attribute] {
    static COMMON: LazyLock<Vec<Attribute>> = LazyLock::new(build_common_attributes);
    COMMON.as_slice()
}

// ------------------------------------------------------------------------------------------
// Shared pieces
// ------------------------------------------------------------------------------------------

fn build_common_attributes() -> Vec<Attribute> {
    let ro = Mutability::ReadOnly;
    vec![
        // §3.1: "caseExact" true, "readOnly", returned "always"; unique within the service
        // provider. Not marked required: clients never send it (§3.1 "MUST NOT be specified by
        // the client"), and the service provider always assigns it.
        Attribute::string("id")
            .case_exact()
            .mutability(ro)
            .returned(Returned::Always)
            .uniqueness(Uniqueness::Server)
            .description(
                "A unique identifier for a SCIM resource as defined by the service provider.",
            ),
        Attribute::string("externalId").case_exact().description(
            "A String that is an identifier for the resource as defined by the provisioning \
             client.",
        ),
        Attribute::complex(
            "meta",
            vec![
                Attribute::string("resourceType")
                    .case_exact()
                    .mutability(ro)
                    .description("The name of the resource type of the resource."),
                Attribute::date_time("created")
                    .mutability(ro)
                    .description("The \"DateTime\" that the resource was added to the service provider."),
                Attribute::date_time("lastModified").mutability(ro).description(
                    "The most recent DateTime that the details of this resource were updated at \
                     the service provider.  If this resource has never been modified since its \
                     initial creation, the value MUST be the same as the value of \"created\".",
                ),
                Attribute::reference("location", ["uri"])
                    .mutability(ro)
                    .description(
                        "The URI of the resource being returned.  This value MUST be the same as \
                         the \"Content-Location\" HTTP response header.",
                    ),
                Attribute::string("version")
                    .case_exact()
                    .mutability(ro)
                    .description(
                        "The version of the resource being returned.  This value must be the \
                         same as the entity-tag (ETag) HTTP response header.",
                    ),
            ],
        )
        .mutability(ro)
        .description("A complex attribute containing resource metadata."),
        // §3: "a REQUIRED attribute and is an array of Strings containing URIs".
        Attribute::reference("schemas", ["uri"])
            .multi_valued()
            .required()
            .returned(Returned::Always)
            .description(
                "An array of Strings containing URIs that are used to indicate the namespaces \
                 of the SCIM schemas that define the attributes present in the current JSON \
                 structure.",
            ),
    ]
}
