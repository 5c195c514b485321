//! Sub-attributes and descriptions the built-in schemas share (RFC 7643 §8.7.1, §8.7.2).

use crate::schema::{Attribute, Mutability};

/// The `display` sub-attribute of the User's multi-valued attributes (RFC 7643 §8.7.1).
///
/// The RFC's description says "READ-ONLY." yet its characteristics say `readWrite`; the
/// characteristics of §8.7.1 are kept as they are (§2.4 leaves `display` to the provider).
pub(super) fn display_sub() -> Attribute {
    Attribute::string("display")
        .description("A human-readable name, primarily used for display purposes.  READ-ONLY.")
}

/// A `type` sub-attribute with the given description and canonical values.
pub(super) fn type_sub(description: &str, canonical: &[&str]) -> Attribute {
    Attribute::string("type")
        .description(description)
        .canonical_values(canonical.iter().copied())
}

/// A `primary` sub-attribute with the given description.
pub(super) fn primary_sub(description: &str) -> Attribute {
    Attribute::boolean("primary").description(description)
}

/// The `primary` description used by entitlements, roles and x509Certificates (§8.7.1).
pub(super) const PRIMARY_PLAIN: &str = "A Boolean value indicating the 'primary' or preferred attribute value \
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
pub(super) fn attribute_definition_subs() -> Vec<Attribute> {
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
// Common attributes (RFC 7643 §3, §3.1)
// ------------------------------------------------------------------------------------------
