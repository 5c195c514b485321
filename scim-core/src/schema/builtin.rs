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

use super::{Attribute, Mutability, Returned, Schema, Uniqueness};
use crate::urn;

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

/// The `display` sub-attribute of the User's multi-valued attributes (RFC 7643 §8.7.1).
///
/// The RFC's description says "READ-ONLY." yet its characteristics say `readWrite`; the
/// characteristics of §8.7.1 are kept as they are (§2.4 leaves `display` to the provider).
fn display_sub() -> Attribute {
    Attribute::string("display")
        .description("A human-readable name, primarily used for display purposes.  READ-ONLY.")
}

/// A `type` sub-attribute with the given description and canonical values.
fn type_sub(description: &str, canonical: &[&str]) -> Attribute {
    Attribute::string("type")
        .description(description)
        .canonical_values(canonical.iter().copied())
}

/// A `primary` sub-attribute with the given description.
fn primary_sub(description: &str) -> Attribute {
    Attribute::boolean("primary").description(description)
}

/// The `primary` description used by entitlements, roles and x509Certificates (§8.7.1).
const PRIMARY_PLAIN: &str = "A Boolean value indicating the 'primary' or preferred attribute value \
     for this attribute.  The primary attribute value 'true' MUST appear no more than once.";

/// The canonical values of `schemas.attributes.type` (RFC 7643 §2.3, §7).
const ATTRIBUTE_TYPES: [&str; 8] = [
    "string",
    "complex",
    "boolean",
    "decimal",
    "integer",
    "dateTime",
    "reference",
    "binary",
];

/// The sub-attributes shared by `attributes` and `attributes.subAttributes` of the Schema
/// schema (RFC 7643 §7, §8.7.2), in RFC order.
fn attribute_definition_subs() -> Vec<Attribute> {
    let ro = Mutability::ReadOnly;
    vec![
        Attribute::string("name")
            .required()
            .case_exact()
            .mutability(ro)
            .description("The attribute's name."),
        // Deviation from §8.7.2: "binary" (a data type of §2.3.6, used by
        // x509Certificates.value) is added to the canonical values and the description, so
        // that the built-in schemas validate against the schema of schemas.
        Attribute::string("type")
            .required()
            .mutability(ro)
            .canonical_values(ATTRIBUTE_TYPES)
            .description(
                "The attribute's data type. Valid values include 'string', 'complex', 'boolean', \
                 'decimal', 'integer', 'dateTime', 'reference', 'binary'.",
            ),
        Attribute::boolean("multiValued")
            .required()
            .mutability(ro)
            .description("A Boolean value indicating an attribute's plurality."),
        Attribute::string("description")
            .case_exact()
            .mutability(ro)
            .description("A human-readable description of the attribute."),
        Attribute::boolean("required")
            .mutability(ro)
            .description("A boolean value indicating whether or not the attribute is required."),
        Attribute::string("canonicalValues")
            .multi_valued()
            .case_exact()
            .mutability(ro)
            .description(
                "A collection of canonical values.  When applicable, service providers MUST \
                 specify the canonical types, e.g., 'work', 'home'.",
            ),
        Attribute::boolean("caseExact").mutability(ro).description(
            "A Boolean value indicating whether or not a string attribute is case sensitive.",
        ),
        Attribute::string("mutability")
            .case_exact()
            .mutability(ro)
            .canonical_values(["readOnly", "readWrite", "immutable", "writeOnly"])
            .description("Indicates whether or not an attribute is modifiable."),
        Attribute::string("returned")
            .case_exact()
            .mutability(ro)
            .canonical_values(["always", "never", "default", "request"])
            .description(
                "Indicates when an attribute is returned in a response (e.g., to a query).",
            ),
        Attribute::string("uniqueness")
            .case_exact()
            .mutability(ro)
            .canonical_values(["none", "server", "global"])
            .description("Indicates how unique a value must be."),
        // Deviation from §8.7.2: `subAttributes.referenceTypes` is single-valued there, which
        // contradicts §7 ("Specifies a SCIM resourceType that a reference attribute MAY refer
        // to" is a list, as in `attributes.referenceTypes`); both are multi-valued here.
        Attribute::string("referenceTypes")
            .multi_valued()
            .case_exact()
            .mutability(ro)
            .description(
                "Used only with an attribute of type 'reference'.  Specifies a SCIM resourceType \
                 that a reference attribute MAY refer to, e.g., 'User'.",
            ),
    ]
}

// ------------------------------------------------------------------------------------------
// User (RFC 7643 §4.1, §8.7.1)
// ------------------------------------------------------------------------------------------

fn build_user() -> Schema {
    Schema::new(
        urn::USER,
        "User",
        vec![
            Attribute::string("userName")
                .required()
                .uniqueness(Uniqueness::Server)
                .description(
                    "Unique identifier for the User, typically used by the user to directly \
                     authenticate to the service provider. Each User MUST include a non-empty \
                     userName value.  This identifier MUST be unique across the service \
                     provider's entire set of Users. REQUIRED.",
                ),
            user_real_name(),
            Attribute::string("displayName").description(
                "The name of the User, suitable for display to end-users.  The name SHOULD be \
                 the full name of the User being described, if known.",
            ),
            Attribute::string("nickName").description(
                "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' \
                 instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's \
                 username (e.g., 'bjensen' or 'mpepperidge').",
            ),
            Attribute::reference("profileUrl", ["external"]).description(
                "A fully qualified URL pointing to a page representing the User's online profile.",
            ),
            Attribute::string("title").description("The user's title, such as \"Vice President.\""),
            Attribute::string("userType").description(
                "Used to identify the relationship between the organization and the user.  \
                 Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', \
                 'External', and 'Unknown', but any value may be used.",
            ),
            Attribute::string("preferredLanguage").description(
                "Indicates the User's preferred written or spoken language.  Generally used for \
                 selecting a localized user interface; e.g., 'en_US' specifies the language \
                 English and country US.",
            ),
            Attribute::string("locale").description(
                "Used to indicate the User's default location for purposes of localizing items \
                 such as currency, date time format, or numerical representations.",
            ),
            Attribute::string("timezone").description(
                "The User's time zone in the 'Olson' time zone database format, e.g., \
                 'America/Los_Angeles'.",
            ),
            Attribute::boolean("active")
                .description("A Boolean value indicating the User's administrative status."),
            Attribute::string("password")
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never)
                .description(
                    "The User's cleartext password.  This attribute is intended to be used as a \
                     means to specify an initial password when creating a new User or to reset \
                     an existing User's password.",
                ),
            user_emails(),
            user_phone_numbers(),
            user_ims(),
            user_photos(),
            user_addresses(),
            user_groups(),
            user_entitlements(),
            user_roles(),
            user_x509_certificates(),
        ],
    )
    .description("User Account")
}

/// `name` (RFC 7643 §4.1.1).
fn user_real_name() -> Attribute {
    Attribute::complex(
        "name",
        vec![
            Attribute::string("formatted").description(
                "The full name, including all middle names, titles, and suffixes as appropriate, \
                 formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
            ),
            Attribute::string("familyName").description(
                "The family name of the User, or last name in most Western languages (e.g., \
                 'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
            ),
            Attribute::string("givenName").description(
                "The given name of the User, or first name in most Western languages (e.g., \
                 'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
            ),
            Attribute::string("middleName").description(
                "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J \
                 Jensen, III').",
            ),
            Attribute::string("honorificPrefix").description(
                "The honorific prefix(es) of the User, or title in most Western languages (e.g., \
                 'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
            ),
            Attribute::string("honorificSuffix").description(
                "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., \
                 'III' given the full name 'Ms. Barbara J Jensen, III').",
            ),
        ],
    )
    .description(
        "The components of the user's real name. Providers MAY return just the full name as a \
         single string in the formatted sub-attribute, or they MAY return just the individual \
         component attributes using the other sub-attributes, or they MAY return both.  If both \
         variants are returned, they SHOULD be describing the same name, with the formatted name \
         indicating how the component attributes should be combined.",
    )
}

/// `emails` (RFC 7643 §4.1.2).
fn user_emails() -> Attribute {
    const DESC: &str = "Email addresses for the user.  The value SHOULD be canonicalized by the \
         service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. \
         Canonical type values of 'work', 'home', and 'other'.";
    Attribute::complex(
        "emails",
        vec![
            // §8.7.1 repeats the attribute's description for its `value`.
            Attribute::string("value").description(DESC),
            display_sub(),
            type_sub(
                "A label indicating the attribute's function, e.g., 'work' or 'home'.",
                &["work", "home", "other"],
            ),
            primary_sub(
                "A Boolean value indicating the 'primary' or preferred attribute value for this \
                 attribute, e.g., the preferred mailing address or primary email address.  The \
                 primary attribute value 'true' MUST appear no more than once.",
            ),
        ],
    )
    .multi_valued()
    .description(DESC)
}

/// `phoneNumbers` (RFC 7643 §4.1.2).
fn user_phone_numbers() -> Attribute {
    Attribute::complex(
        "phoneNumbers",
        vec![
            Attribute::string("value").description("Phone number of the User."),
            display_sub(),
            type_sub(
                "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            primary_sub(
                "A Boolean value indicating the 'primary' or preferred attribute value for this \
                 attribute, e.g., the preferred phone number or primary phone number.  The \
                 primary attribute value 'true' MUST appear no more than once.",
            ),
        ],
    )
    .multi_valued()
    .description(
        "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider \
         according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical \
         type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
    )
}

/// `ims` (RFC 7643 §4.1.2).
fn user_ims() -> Attribute {
    Attribute::complex(
        "ims",
        vec![
            Attribute::string("value").description("Instant messaging address for the User."),
            display_sub(),
            type_sub(
                "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            primary_sub(
                "A Boolean value indicating the 'primary' or preferred attribute value for this \
                 attribute, e.g., the preferred messenger or primary messenger.  The primary \
                 attribute value 'true' MUST appear no more than once.",
            ),
        ],
    )
    .multi_valued()
    .description("Instant messaging addresses for the User.")
}

/// `photos` (RFC 7643 §4.1.2).
fn user_photos() -> Attribute {
    Attribute::complex(
        "photos",
        vec![
            Attribute::reference("value", ["external"]).description("URL of a photo of the User."),
            display_sub(),
            type_sub(
                "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
                &["photo", "thumbnail"],
            ),
            primary_sub(
                "A Boolean value indicating the 'primary' or preferred attribute value for this \
                 attribute, e.g., the preferred photo or thumbnail.  The primary attribute value \
                 'true' MUST appear no more than once.",
            ),
        ],
    )
    .multi_valued()
    .description("URLs of photos of the User.")
}

/// `addresses` (RFC 7643 §4.1.2).
fn user_addresses() -> Attribute {
    Attribute::complex(
        "addresses",
        vec![
            Attribute::string("formatted").description(
                "The full mailing address, formatted for display or use with a mailing label.  \
                 This attribute MAY contain newlines.",
            ),
            Attribute::string("streetAddress").description(
                "The full street address component, which may include house number, street name, \
                 P.O. box, and multi-line extended street address information.  This attribute \
                 MAY contain newlines.",
            ),
            Attribute::string("locality").description("The city or locality component."),
            Attribute::string("region").description("The state or region component."),
            Attribute::string("postalCode").description("The zip code or postal code component."),
            Attribute::string("country").description("The country name component."),
            type_sub(
                "A label indicating the attribute's function, e.g., 'work' or 'home'.",
                &["work", "home", "other"],
            ),
            // Deviation from §8.7.1, which lists no `primary` for addresses: §2.4 makes
            // `primary` a default sub-attribute of multi-valued attributes, the §8.2 example
            // sends `"primary": true` on an address, and the emails' `primary` description
            // already speaks of "the preferred mailing address".
            primary_sub(
                "A Boolean value indicating the 'primary' or preferred attribute value for this \
                 attribute, e.g., the preferred mailing address or primary email address.  The \
                 primary attribute value 'true' MUST appear no more than once.",
            ),
        ],
    )
    .multi_valued()
    .description(
        "A physical mailing address for this User. Canonical type values of 'work', 'home', and \
         'other'.  This attribute is a complex type with the following sub-attributes.",
    )
}

/// `groups` (RFC 7643 §4.1.2): read-only, maintained by the service provider.
fn user_groups() -> Attribute {
    let ro = Mutability::ReadOnly;
    Attribute::complex(
        "groups",
        vec![
            Attribute::string("value")
                .mutability(ro)
                .description("The identifier of the User's group."),
            Attribute::reference("$ref", ["User", "Group"])
                .mutability(ro)
                .description(
                    "The URI of the corresponding 'Group' resource to which the user belongs.",
                ),
            display_sub().mutability(ro),
            type_sub(
                "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
                &["direct", "indirect"],
            )
            .mutability(ro),
        ],
    )
    .multi_valued()
    .mutability(ro)
    .description(
        "A list of groups to which the user belongs, either through direct membership, through \
         nested groups, or dynamically calculated.",
    )
}

/// `entitlements` (RFC 7643 §4.1.2).
fn user_entitlements() -> Attribute {
    Attribute::complex(
        "entitlements",
        vec![
            Attribute::string("value").description("The value of an entitlement."),
            display_sub(),
            type_sub("A label indicating the attribute's function.", &[]),
            primary_sub(PRIMARY_PLAIN),
        ],
    )
    .multi_valued()
    .description("A list of entitlements for the User that represent a thing the User has.")
}

/// `roles` (RFC 7643 §4.1.2).
fn user_roles() -> Attribute {
    Attribute::complex(
        "roles",
        vec![
            Attribute::string("value").description("The value of a role."),
            display_sub(),
            type_sub("A label indicating the attribute's function.", &[]),
            primary_sub(PRIMARY_PLAIN),
        ],
    )
    .multi_valued()
    .description(
        "A list of roles for the User that collectively represent who the User is, e.g., \
         'Student', 'Faculty'.",
    )
}

/// `x509Certificates` (RFC 7643 §4.1.2).
fn user_x509_certificates() -> Attribute {
    Attribute::complex(
        "x509Certificates",
        vec![
            Attribute::binary("value").description("The value of an X.509 certificate."),
            display_sub(),
            type_sub("A label indicating the attribute's function.", &[]),
            primary_sub(PRIMARY_PLAIN),
        ],
    )
    .multi_valued()
    .description("A list of certificates issued to the User.")
}

// ------------------------------------------------------------------------------------------
// Group (RFC 7643 §4.2, §8.7.1)
// ------------------------------------------------------------------------------------------

fn build_group() -> Schema {
    let im = Mutability::Immutable;
    Schema::new(
        urn::GROUP,
        "Group",
        vec![
            // Deviation from §8.7.1, which says `"required": false` while its own description
            // and §4.2 say "REQUIRED." (RFC 7643 errata): required here.
            Attribute::string("displayName")
                .required()
                .description("A human-readable name for the Group. REQUIRED."),
            Attribute::complex(
                "members",
                vec![
                    Attribute::string("value")
                        .mutability(im)
                        .description("Identifier of the member of this Group."),
                    Attribute::reference("$ref", ["User", "Group"])
                        .mutability(im)
                        .description(
                            "The URI corresponding to a SCIM resource that is a member of this \
                             Group.",
                        ),
                    Attribute::string("type")
                        .mutability(im)
                        .canonical_values(["User", "Group"])
                        .description(
                            "A label indicating the type of resource, e.g., 'User' or 'Group'.",
                        ),
                    // Deviation from §8.7.1, which lists only value, $ref and type: `display`
                    // is a default sub-attribute of multi-valued attributes (§2.4) and appears
                    // in the §8.4 and RFC 7644 examples. It is `immutable` like its siblings,
                    // since §4.2 says "sub-attributes of members are 'immutable'".
                    Attribute::string("display").mutability(im).description(
                        "A human-readable name for the group member, primarily used for display \
                         purposes.",
                    ),
                ],
            )
            .multi_valued()
            .description("A list of members of the Group."),
        ],
    )
    .description("Group")
}

// ------------------------------------------------------------------------------------------
// Enterprise User (RFC 7643 §4.3, §8.7.1)
// ------------------------------------------------------------------------------------------

fn build_enterprise_user() -> Schema {
    Schema::new(
        urn::ENTERPRISE_USER,
        "EnterpriseUser",
        vec![
            Attribute::string("employeeNumber").description(
                "Numeric or alphanumeric identifier assigned to a person, typically based on \
                 order of hire or association with an organization.",
            ),
            Attribute::string("costCenter").description("Identifies the name of a cost center."),
            Attribute::string("organization")
                .description("Identifies the name of an organization."),
            Attribute::string("division").description("Identifies the name of a division."),
            Attribute::string("department").description("Identifies the name of a department."),
            // §8.7.1 says "REQUIRED." in the descriptions of manager.value and manager.$ref but
            // `"required": false`; §4.3 calls both "RECOMMENDED", so they stay not required.
            Attribute::complex(
                "manager",
                vec![
                    Attribute::string("value").description(
                        "The id of the SCIM resource representing the User's manager.  REQUIRED.",
                    ),
                    Attribute::reference("$ref", ["User"]).description(
                        "The URI of the SCIM resource representing the User's manager.  REQUIRED.",
                    ),
                    Attribute::string("displayName")
                        .mutability(Mutability::ReadOnly)
                        .description(
                            "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
                        ),
                ],
            )
            .description(
                "The User's manager.  A complex type that optionally allows service providers to \
                 represent organizational hierarchy by referencing the 'id' attribute of another \
                 User.",
            ),
        ],
    )
    .description("Enterprise User")
}

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

fn build_service_provider_config() -> Schema {
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

fn build_resource_type() -> Schema {
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

fn build_schema() -> Schema {
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

// ------------------------------------------------------------------------------------------
// Common attributes (RFC 7643 §3, §3.1)
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
