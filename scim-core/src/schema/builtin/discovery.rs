//! The discovery schemas: ServiceProviderConfig, ResourceType and Schema (RFC 7643 §5–§7,
//! §8.7.2).

use super::shared::attribute_definition_subs;
use crate::schema::{Attribute, Mutability, Schema};
use crate::urn;

// ------------------------------------------------------------------------------------------
// ServiceProviderConfig (RFC 7643 §5, §8.7.2)
// ------------------------------------------------------------------------------------------

/// The `supported` sub-attribute of each ServiceProviderConfig feature (RFC 7643 §5).
fn supported_sub() -> Attribute {
    Attribute::boolean("supported")
        .required()
        .mutability(Mutability::ReadOnly)
        .description("A Boolean value specifying whether or not the operation is supported.")
}

/// A required, read-only, single-valued ServiceProviderConfig feature (RFC 7643 §5).
fn feature(name: &str, description: &str, subs: Vec<Attribute>) -> Attribute {
    Attribute::complex(name, subs)
        .required()
        .mutability(Mutability::ReadOnly)
        .description(description)
}

pub(super) fn build_service_provider_config() -> Schema {
    let ro = Mutability::ReadOnly;
    Schema::new(
        urn::SERVICE_PROVIDER_CONFIG,
        "Service Provider Configuration",
        vec![
            Attribute::reference("documentationUri", ["external"])
                .mutability(ro)
                .description(
                    "An HTTP-addressable URL pointing to the service provider's human-consumable \
                     help documentation.",
                ),
            feature(
                "patch",
                "A complex type that specifies PATCH configuration options.",
                vec![supported_sub()],
            ),
            feature(
                "bulk",
                "A complex type that specifies bulk configuration options.",
                vec![
                    supported_sub(),
                    Attribute::integer("maxOperations")
                        .required()
                        .mutability(ro)
                        .description(
                            "An integer value specifying the maximum number of operations.",
                        ),
                    Attribute::integer("maxPayloadSize")
                        .required()
                        .mutability(ro)
                        .description(
                            "An integer value specifying the maximum payload size in bytes.",
                        ),
                ],
            ),
            feature(
                "filter",
                "A complex type that specifies FILTER options.",
                vec![
                    supported_sub(),
                    Attribute::integer("maxResults")
                        .required()
                        .mutability(ro)
                        .description(
                            "An integer value specifying the maximum number of resources \
                             returned in a response.",
                        ),
                ],
            ),
            feature(
                "changePassword",
                "A complex type that specifies configuration options related to changing a \
                 password.",
                vec![supported_sub()],
            ),
            feature(
                "sort",
                "A complex type that specifies sort result options.",
                vec![supported_sub()],
            ),
            // Deviation from §8.7.2, which omits `etag`: §5 defines it as REQUIRED.
            feature(
                "etag",
                "A complex type that specifies ETag configuration options.",
                vec![supported_sub()],
            ),
            Attribute::complex(
                "authenticationSchemes",
                vec![
                    // Deviation from §8.7.2, which omits `type`: §5 defines it as REQUIRED,
                    // with these values.
                    Attribute::string("type")
                        .required()
                        .mutability(ro)
                        .canonical_values([
                            "oauth",
                            "oauth2",
                            "oauthbearertoken",
                            "httpbasic",
                            "httpdigest",
                        ])
                        .description(
                            "The authentication scheme.  This specification defines the values \
                             'oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', and \
                             'httpdigest'.",
                        ),
                    Attribute::string("name")
                        .required()
                        .mutability(ro)
                        .description("The common authentication scheme name, e.g., HTTP Basic."),
                    Attribute::string("description")
                        .required()
                        .mutability(ro)
                        .description("A description of the authentication scheme."),
                    Attribute::reference("specUri", ["external"])
                        .mutability(ro)
                        .description(
                            "An HTTP-addressable URL pointing to the authentication scheme's \
                             specification.",
                        ),
                    Attribute::reference("documentationUri", ["external"])
                        .mutability(ro)
                        .description(
                            "An HTTP-addressable URL pointing to the authentication scheme's \
                             usage documentation.",
                        ),
                    // Deviation from §8.7.2 and §5, which list no `primary`: the §8.5 example
                    // sends `"primary": true`, and §2.4 makes `primary` a default
                    // sub-attribute of multi-valued attributes.
                    Attribute::boolean("primary").mutability(ro).description(
                        "A Boolean value indicating the 'primary' or preferred authentication \
                         scheme.  The primary attribute value 'true' MUST appear no more than \
                         once.",
                    ),
                ],
            )
            .multi_valued()
            .required()
            .mutability(ro)
            .description(
                "A complex type that specifies supported authentication scheme properties.",
            ),
            // RFC 9865 §4 (OPTIONAL): pagination methods, defaults and limits.
            Attribute::complex(
                "pagination",
                vec![
                    Attribute::boolean("cursor")
                        .required()
                        .mutability(ro)
                        .description(
                            "A Boolean value specifying support of cursor-based pagination.",
                        ),
                    Attribute::boolean("index")
                        .required()
                        .mutability(ro)
                        .description(
                            "A Boolean value specifying support of index-based pagination.",
                        ),
                    Attribute::string("defaultPaginationMethod")
                        .mutability(ro)
                        .canonical_values(["cursor", "index"])
                        .description(
                            "The type of pagination that the service provider defaults to when \
                             the client has not specified which method it wishes to use.",
                        ),
                    Attribute::integer("defaultPageSize")
                        .mutability(ro)
                        .description(
                            "The default number of results returned in a page when a count is \
                             not specified in the query.",
                        ),
                    Attribute::integer("maxPageSize")
                        .mutability(ro)
                        .description(
                            "The maximum number of results returned in a page regardless of \
                             what is specified for the count in a query.",
                        ),
                    Attribute::integer("cursorTimeout")
                        .mutability(ro)
                        .description(
                            "The minimum number of seconds that a cursor is valid between page \
                             requests.",
                        ),
                ],
            )
            .mutability(ro)
            .description("A complex type that indicates pagination configuration options."),
        ],
    )
    .description("Schema for representing the service provider's configuration")
}

// ------------------------------------------------------------------------------------------
// ResourceType (RFC 7643 §6, §8.7.2)
// ------------------------------------------------------------------------------------------

pub(super) fn build_resource_type() -> Schema {
    let ro = Mutability::ReadOnly;
    Schema::new(
        urn::RESOURCE_TYPE,
        "ResourceType",
        vec![
            Attribute::string("id").mutability(ro).description(
                "The resource type's server unique id. May be the same as the 'name' attribute.",
            ),
            Attribute::string("name")
                .required()
                .mutability(ro)
                .description(
                    "The resource type name.  When applicable, service providers MUST specify \
                     the name, e.g., 'User'.",
                ),
            Attribute::string("description").mutability(ro).description(
                "The resource type's human-readable description.  When applicable, service \
                 providers MUST specify the description.",
            ),
            Attribute::reference("endpoint", ["uri"])
                .required()
                .mutability(ro)
                .description(
                    "The resource type's HTTP-addressable endpoint relative to the Base URL, \
                     e.g., '/Users'.",
                ),
            Attribute::reference("schema", ["uri"])
                .required()
                .case_exact()
                .mutability(ro)
                .description("The resource type's primary/base schema URI."),
            // Deviation from §8.7.2, which has `"multiValued": false, "required": true`: §6
            // calls it "A list of URIs" and "OPTIONAL", and the §8.6 example sends an array.
            Attribute::complex(
                "schemaExtensions",
                vec![
                    Attribute::reference("schema", ["uri"])
                        .required()
                        .case_exact()
                        .mutability(ro)
                        .description("The URI of a schema extension."),
                    Attribute::boolean("required")
                        .required()
                        .mutability(ro)
                        .description(
                            "A Boolean value that specifies whether or not the schema extension \
                             is required for the resource type.  If true, a resource of this \
                             type MUST include this schema extension and also include any \
                             attributes declared as required in this schema extension. If \
                             false, a resource of this type MAY omit this schema extension.",
                        ),
                ],
            )
            .multi_valued()
            .mutability(ro)
            .description("A list of URIs of the resource type's schema extensions."),
        ],
    )
    .description("Specifies the schema that describes a SCIM resource type")
}

// ------------------------------------------------------------------------------------------
// Schema (RFC 7643 §7, §8.7.2)
// ------------------------------------------------------------------------------------------

pub(super) fn build_schema() -> Schema {
    let ro = Mutability::ReadOnly;
    let mut attribute_subs = attribute_definition_subs();
    attribute_subs.push(
        Attribute::complex("subAttributes", attribute_definition_subs())
            .multi_valued()
            .mutability(ro)
            .description("Used to define the sub-attributes of a complex attribute."),
    );
    Schema::new(
        urn::SCHEMA,
        "Schema",
        vec![
            Attribute::string("id")
                .required()
                .mutability(ro)
                .description(
                    "The unique URI of the schema. When applicable, service providers MUST \
                     specify the URI.",
                ),
            Attribute::string("name")
                .required()
                .mutability(ro)
                .description(
                    "The schema's human-readable name. When applicable, service providers MUST \
                     specify the name, e.g., 'User'.",
                ),
            // §8.7.2 copies the `name` description here by mistake; this is §7's wording.
            Attribute::string("description").mutability(ro).description(
                "The schema's human-readable description.  When applicable, service providers \
                 MUST specify the description.",
            ),
            Attribute::complex("attributes", attribute_subs)
                .multi_valued()
                .required()
                .mutability(ro)
                .description("A complex attribute that includes the attributes of a schema."),
        ],
    )
    .description("Specifies the schema that describes a SCIM schema")
}
