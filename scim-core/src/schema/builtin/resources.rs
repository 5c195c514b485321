//! The resource schemas: User, Group and the Enterprise User extension (RFC 7643 §4, §8.7.1).

use super::shared::{PRIMARY_PLAIN, display_sub, primary_sub, type_sub};
use crate::schema::{Attribute, Mutability, Returned, Schema, Uniqueness};
use crate::urn;

// ------------------------------------------------------------------------------------------
// User (RFC 7643 §4.1, §8.7.1)
// ------------------------------------------------------------------------------------------

pub(super) fn build_user() -> Schema {
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

pub(super) fn build_group() -> Schema {
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

pub(super) fn build_enterprise_user() -> Schema {
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
