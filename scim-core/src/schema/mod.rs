//! Schemas as data (RFC 7643 §2.2, §7): every attribute characteristic, and the JSON shape that
//! `/Schemas` serves.
//!
//! A [`Schema`] is a URN plus a list of [`Attribute`]s; an attribute carries its type,
//! plurality, mutability, `returned`, uniqueness, case sensitivity, canonical values, reference
//! types and sub-attributes. The built-in schemas of RFC 7643 live in [`builtin`]. Schemas
//! deserialise from the same JSON they serialise to, so a host can load its own extension
//! schema from a file.

pub mod builtin;

use std::fmt;

use serde::{Deserialize, Serialize};

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttrType {
    /// A sequence of Unicode characters (§2.3.1). The default when a schema omits `type`.
    #[default]
    String,
    /// `true` or `false` (§2.3.2).
    Boolean,
    /// A real number with at least one digit to the left and right of the period (§2.3.3).
    Decimal,
    /// A whole number with no fractional digits (§2.3.4).
    Integer,
    /// An `xsd:dateTime` string such as `2008-01-23T04:56:22Z` (§2.3.5).
    DateTime,
    /// Base64-encoded binary data (§2.3.6).
    Binary,
    /// A URI for a resource (§2.3.7).
    Reference,
    /// A singular or multi-valued attribute whose value is a set of sub-attributes (§2.3.8).
    Complex,
}

impl AttrType {
    /// The RFC keyword, e.g. `"dateTime"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

impl fmt::Display for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether and how an attribute may be modified (RFC 7643 §7, `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// The attribute SHALL NOT be modified by clients; input values are ignored.
    ReadOnly,
    /// The attribute MAY be updated and read at any time (the default).
    #[default]
    ReadWrite,
    /// The attribute MAY be defined at creation or when it has no value, and SHALL NOT change after.
    Immutable,
    /// The attribute MAY be updated at any time but its values SHALL NOT be returned (e.g. `password`).
    WriteOnly,
}

impl Mutability {
    /// The RFC keyword, e.g. `"readOnly"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

impl fmt::Display for Mutability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When an attribute is returned in a response (RFC 7643 §7, `returned`; RFC 7644 §3.4.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always returned, whatever `attributes`/`excludedAttributes` say (e.g. `id`).
    Always,
    /// Never returned (e.g. `password`).
    Never,
    /// Returned by default, unless excluded or not named in `attributes` (the default).
    #[default]
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

impl Returned {
    /// The RFC keyword, e.g. `"always"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

/// How the service provider enforces uniqueness of the attribute's value (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness is enforced (the default).
    #[default]
    None,
    /// Unique within the service provider's current set of resources of this type.
    Server,
    /// Globally unique (e.g. an email address or a GUID).
    Global,
}

impl Uniqueness {
    /// The RFC keyword, e.g. `"server"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// An attribute definition with all its characteristics (RFC 7643 §2.2 and §7).
///
/// Build one with the constructor for its type and the chained setters:
///
/// ```
/// use scim_core::schema::{Attribute, Mutability, Uniqueness};
///
/// let user_name = Attribute::string("userName")
///     .required()
///     .uniqueness(Uniqueness::Server)
///     .description("Unique identifier for the User.");
/// assert!(user_name.required && !user_name.case_exact);
/// assert_eq!(user_name.mutability, Mutability::ReadWrite);
/// ```
///
/// Missing characteristics deserialise to the RFC 7643 §2.2 defaults: `string`, single-valued,
/// not required, not case-exact, `readWrite`, returned `default`, uniqueness `none`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attribute {
    /// The attribute's name, in its canonical case.
    pub name: String,
    /// The attribute's data type.
    #[serde(rename = "type", default)]
    pub ty: AttrType,
    /// Whether the attribute holds an array of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// A human-readable description.
    #[serde(default)]
    pub description: String,
    /// Whether the attribute is required (RFC 7643 §7).
    #[serde(default)]
    pub required: bool,
    /// Suggested values, e.g. `work`/`home` for `emails.type`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// Whether string comparison is case-sensitive.
    #[serde(default)]
    pub case_exact: bool,
    /// Whether and how the attribute may be modified.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// How uniqueness is enforced.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// For `reference` attributes: the resource types referenced (`User`, `Group`, `external`, `uri`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For `complex` attributes: their sub-attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// An attribute of the given type with the RFC 7643 §2.2 default characteristics.
    pub fn new(name: impl Into<String>, ty: AttrType) -> Self {
        Attribute {
            name: name.into(),
            ty,
            multi_valued: false,
            description: String::new(),
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// A `string` attribute.
    pub fn string(name: impl Into<String>) -> Self {
        Self::new(name, AttrType::String)
    }

    /// A `boolean` attribute.
    pub fn boolean(name: impl Into<String>) -> Self {
        Self::new(name, AttrType::Boolean)
    }

    /// A `decimal` attribute.
    pub fn decimal(name: impl Into<String>) -> Self {
        Self::new(name, AttrType::Decimal)
    }

    /// An `integer` attribute.
    pub fn integer(name: impl Into<String>) -> Self {
        Self::new(name, AttrType::Integer)
    }

    /// A `dateTime` attribute.
    pub fn date_time(name: impl Into<String>) -> Self {
        Self::new(name, AttrType::DateTime)
    }

    /// A `binary` attribute.
    pub fn binary(name: impl Into<String>) -> Self {
        Self::new(name, AttrType::Binary)
    }

    /// A `reference` attribute to the given resource types (`"User"`, `"external"`, `"uri"`, ...).
    pub fn reference<I, S>(name: impl Into<String>, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut a = Self::new(name, AttrType::Reference);
        a.reference_types = types.into_iter().map(Into::into).collect();
        a
    }

    /// A `complex` attribute with the given sub-attributes.
    pub fn complex(name: impl Into<String>, sub_attributes: Vec<Attribute>) -> Self {
        let mut a = Self::new(name, AttrType::Complex);
        a.sub_attributes = sub_attributes;
        a
    }

    /// Marks the attribute multi-valued.
    #[must_use]
    pub fn multi_valued(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Marks the attribute required.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks string comparison case-sensitive.
    #[must_use]
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Sets the mutability.
    #[must_use]
    pub fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    /// Sets when the attribute is returned.
    #[must_use]
    pub fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    /// Sets the uniqueness.
    #[must_use]
    pub fn uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the canonical values.
    #[must_use]
    pub fn canonical_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// The sub-attribute with this name, compared case-insensitively (RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether this is a complex attribute.
    pub fn is_complex(&self) -> bool {
        self.ty == AttrType::Complex
    }

    /// Whether the attribute holds a secret: `returned: never` or `mutability: writeOnly`
    /// (RFC 7643 §7; `password`, §4.1.1). A secret never leaves the server, and so it may not
    /// be filtered or sorted on either: a filter would reveal it one comparison at a time.
    pub fn is_secret(&self) -> bool {
        self.returned == Returned::Never || self.mutability == Mutability::WriteOnly
    }
}

/// A schema definition (RFC 7643 §7): a URN id, a name, a description and the attributes.
///
/// Serialises to the RFC 7643 §7 / §8.7.1 representation (camelCase keys, no nulls), with
/// `schemas` set to the Schema URN. `meta` depends on where the schema is served; add it with
/// [`Schema::to_resource_json`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Schema {
    /// Always `["urn:ietf:params:scim:schemas:core:2.0:Schema"]` on output.
    #[serde(default = "schema_schemas")]
    pub schemas: Vec<String>,
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The attributes defined by this schema.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

fn schema_schemas() -> Vec<String> {
    vec![crate::urn::SCHEMA.to_owned()]
}

impl Schema {
    /// A schema with the given URN, name and attributes.
    pub fn new(id: impl Into<String>, name: impl Into<String>, attributes: Vec<Attribute>) -> Self {
        Schema {
            schemas: schema_schemas(),
            id: id.into(),
            name: Some(name.into()),
            description: None,
            attributes,
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The top-level attribute with this name, compared case-insensitively (RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The schema as a served resource: this schema's JSON plus
    /// `meta: {"resourceType": "Schema", "location": "<base>/Schemas/<id>"}` (RFC 7643 §8.7.1).
    ///
    /// `base` is the service provider's base URL or path, e.g. `https://example.com/scim/v2`.
    pub fn to_resource_json(&self, base: &str) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "meta".to_owned(),
                serde_json::json!({
                    "resourceType": "Schema",
                    "location": format!("{}/Schemas/{}", base.trim_end_matches('/'), self.id),
                }),
            );
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_serialises_in_rfc_shape_without_empty_lists() {
        let a = Attribute::string("userName")
            .required()
            .uniqueness(Uniqueness::Server)
            .description("Unique identifier");
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            json!({
                "name": "userName", "type": "string", "multiValued": false,
                "description": "Unique identifier", "required": true, "caseExact": false,
                "mutability": "readWrite", "returned": "default", "uniqueness": "server"
            })
        );
    }

    #[test]
    fn missing_characteristics_take_rfc_defaults() {
        let a: Attribute = serde_json::from_value(json!({"name": "level"})).unwrap();
        assert_eq!(a, Attribute::string("level"));
    }

    #[test]
    fn lookups_ignore_case() {
        let s = Schema::new(
            "urn:x",
            "X",
            vec![Attribute::complex(
                "name",
                vec![Attribute::string("givenName")],
            )],
        );
        let name = s.attribute("NAME").unwrap();
        assert_eq!(name.sub_attribute("GIVENname").unwrap().name, "givenName");
        assert!(s.attribute("nope").is_none());
    }

    #[test]
    fn resource_json_adds_meta_location() {
        let s = Schema::new("urn:x", "X", vec![]);
        let v = s.to_resource_json("https://h/scim/v2/");
        assert_eq!(v["meta"]["location"], "https://h/scim/v2/Schemas/urn:x");
        assert_eq!(v["schemas"][0], crate::urn::SCHEMA);
    }
}
