//! The generic, schema-aware resource every crate works on (RFC 7643 §3).
//!
//! A [`Resource`] is a JSON object (`serde_json::Map`) whose keys are canonical attribute names:
//! core attributes at the top level, the common attributes `id`, `externalId`, `meta` and
//! `schemas` beside them, and each extension's attributes under its schema URN key (RFC 7643
//! §3.3). Canonical names come from [`crate::validate`] (input) or from the store, so code past
//! that boundary reads values by exact key ([`Resource::get`], [`Resource::extension`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ScimError;
use crate::registry::ResolvedAttr;

/// A SCIM resource as a JSON object with canonical attribute names.
///
/// ```
/// use scim_core::Resource;
/// use serde_json::json;
///
/// let r = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223", "userName": "bjensen",
///     "meta": {"resourceType": "User", "version": "W/\"a330bc54f0671c9\""}
/// }))?;
/// assert_eq!(r.id(), Some("2819c223"));
/// assert_eq!(r.version(), Some("W/\"a330bc54f0671c9\""));
/// assert_eq!(r.get("userName"), Some(&json!("bjensen")));
/// # Ok::<(), scim_core::ScimError>(())
/// ```
///
/// Cloning is cheap: the object is shared copy-on-write (`Arc`), and copied only when a
/// clone is modified. A store can therefore hand out its resources without copying them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource(Arc<Map<String, Value>>);

impl Serialize for Resource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Map::deserialize(d).map(Resource::from_map)
    }
}

impl Resource {
    /// An empty resource.
    pub fn new() -> Self {
        Resource(Arc::new(Map::new()))
    }

    /// Wraps a JSON object as is (no validation, no canonicalisation).
    pub fn from_map(map: Map<String, Value>) -> Self {
        Resource(Arc::new(map))
    }

    /// Wraps a JSON value that must be an object (else 400 `invalidValue`: wrong-shaped JSON). No validation:
    /// use [`crate::validate`] for client input.
    pub fn from_value(value: Value) -> Result<Self, ScimError> {
        match value {
            Value::Object(map) => Ok(Resource::from_map(map)),
            other => Err(ScimError::invalid_value(format!(
                "a resource must be a JSON object, not {}",
                json_kind(&other)
            ))),
        }
    }

    /// The underlying JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The underlying JSON object, mutably (copied first if this resource shares it).
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        Arc::make_mut(&mut self.0)
    }

    /// Consumes the resource into its JSON object.
    pub fn into_map(self) -> Map<String, Value> {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }

    /// Consumes the resource into a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.into_map())
    }

    /// The value stored under this exact (canonical) key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The value stored under this exact (canonical) key, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_map_mut().get_mut(key)
    }

    /// Sets a top-level value; returns the previous one.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        self.as_map_mut().insert(key.into(), value)
    }

    /// Removes a top-level value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.as_map_mut().remove(key)
    }

    /// `id` (RFC 7643 §3.1).
    pub fn id(&self) -> Option<&str> {
        self.0.get("id").and_then(Value::as_str)
    }

    /// Sets `id`.
    pub fn set_id(&mut self, id: impl Into<String>) {
        self.as_map_mut()
            .insert("id".to_owned(), Value::String(id.into()));
    }

    /// `externalId` (RFC 7643 §3.1).
    pub fn external_id(&self) -> Option<&str> {
        self.0.get("externalId").and_then(Value::as_str)
    }

    /// The URNs in `schemas` (RFC 7643 §3).
    pub fn schemas(&self) -> impl Iterator<Item = &str> {
        self.0
            .get("schemas")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// `meta` as a typed value; `None` when absent or not an object.
    pub fn meta(&self) -> Option<Meta> {
        self.0.get("meta").and_then(|m| Meta::deserialize(m).ok())
    }

    /// Replaces `meta`.
    pub fn set_meta(&mut self, meta: &Meta) {
        if let Ok(v) = serde_json::to_value(meta) {
            self.as_map_mut().insert("meta".to_owned(), v);
        }
    }

    /// `meta.version` (RFC 7644 §3.14), without parsing the rest of `meta`.
    pub fn version(&self) -> Option<&str> {
        self.0.get("meta")?.get("version")?.as_str()
    }

    /// `meta.resourceType`, without parsing the rest of `meta`.
    pub fn resource_type(&self) -> Option<&str> {
        self.0.get("meta")?.get("resourceType")?.as_str()
    }

    /// The object stored under an extension URN key, if any.
    pub fn extension(&self, urn: &str) -> Option<&Map<String, Value>> {
        self.0.get(urn).and_then(Value::as_object)
    }

    /// The value of a resolved top-level attribute: `resource[name]` for core and common
    /// attributes, `resource[urn][name]` for extension attributes. Sub-attributes are left to
    /// the caller, since the attribute may be multi-valued.
    pub fn attribute(&self, attr: &ResolvedAttr<'_>) -> Option<&Value> {
        let name = attr.attribute().name.as_str();
        match attr.extension_urn() {
            Some(urn) => self.0.get(urn)?.get(name),
            None => self.0.get(name),
        }
    }

    /// Like [`Resource::attribute`], mutably.
    pub fn attribute_mut(&mut self, attr: &ResolvedAttr<'_>) -> Option<&mut Value> {
        let name = attr.attribute().name.as_str();
        match attr.extension_urn() {
            Some(urn) => self.as_map_mut().get_mut(urn)?.get_mut(name),
            None => self.as_map_mut().get_mut(name),
        }
    }
}

impl From<Resource> for Value {
    fn from(r: Resource) -> Value {
        r.into_value()
    }
}

impl From<Map<String, Value>> for Resource {
    fn from(map: Map<String, Value>) -> Self {
        Resource::from_map(map)
    }
}

impl TryFrom<Value> for Resource {
    type Error = ScimError;
    fn try_from(value: Value) -> Result<Self, ScimError> {
        Resource::from_value(value)
    }
}

/// Resource metadata (RFC 7643 §3.1, `meta`). All sub-attributes are readOnly: the service
/// provider sets them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The resource type's name, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the resource was added, as an `xsd:dateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the resource was last modified, as an `xsd:dateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The URI of the resource, e.g. `https://example.com/v2/Users/2819c223`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The version (an entity tag, RFC 7644 §3.14), e.g. `W/"3694e05e9dff591"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Any other `meta` keys, kept so that nothing is lost in a round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A short name for a JSON value's kind, for error details.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rejects_non_objects_with_invalid_value() {
        for v in [json!(null), json!([1]), json!("x"), json!(3)] {
            let e = Resource::from_value(v).unwrap_err();
            assert_eq!(e.scim_type(), Some(crate::ScimType::InvalidValue));
        }
    }

    #[test]
    fn meta_round_trips_and_version_reads_fast() {
        let mut r = Resource::new();
        let meta = Meta {
            resource_type: Some("User".into()),
            version: Some("W/\"1\"".into()),
            ..Meta::default()
        };
        r.set_meta(&meta);
        assert_eq!(r.meta(), Some(meta));
        assert_eq!(r.version(), Some("W/\"1\""));
        assert_eq!(r.resource_type(), Some("User"));
        assert_eq!(
            r.get("meta"),
            Some(&json!({"resourceType": "User", "version": "W/\"1\""}))
        );
    }

    #[test]
    fn schemas_skips_non_strings() {
        let r = Resource::from_value(json!({"schemas": ["a", 1, "b"]})).unwrap();
        assert_eq!(r.schemas().collect::<Vec<_>>(), ["a", "b"]);
    }
}
