//! Typed views of the RFC 7643 §4 resources: [`User`] (§4.1) with its enterprise extension
//! [`EnterpriseUser`] (§4.3), and [`Group`] (§4.2).
//!
//! The generic [`Resource`] is what the rest of the workspace works on. These structs are for
//! hosts and clients that would rather read fields than look up JSON keys. They convert both
//! ways without loss:
//!
//! - `TryFrom<Resource>` / `TryFrom<&Resource>` reads a resource whose attribute names are
//!   canonical (as [`crate::validate`] or a store produces them). A value of the wrong JSON type
//!   is a 400 `invalidValue` whose detail names the attribute, e.g. `emails[1].primary`.
//! - `From<User>` / `From<Group>` for [`Resource`] writes the resource back.
//! - Every attribute the structs do not name is kept, at every level: unknown top-level
//!   attributes and other extensions land in `extra`, unknown sub-attributes in the `extra` of
//!   their complex value. JSON types are never coerced, so `Resource -> User -> Resource` gives
//!   back the same resource.
//!
//! Two things do not survive the trip, both equivalent to "unassigned" under RFC 7643 §2.5: a
//! `null` given for a typed attribute, and an empty array for a typed multi-valued attribute.
//! Neither is ever written: typed attributes without a value are left out. `meta` is read as
//! [`Meta`](crate::Meta), which keeps only the five sub-attributes of RFC 7643 §3.1.
//!
//! ```
//! use scim_core::{Resource, User};
//! use serde_json::json;
//!
//! let resource = Resource::from_value(json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:2.0:Badge"],
//!     "userName": "bjensen",
//!     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
//!     "urn:example:2.0:Badge": {"number": 42}
//! }))?;
//!
//! let user = User::try_from(&resource)?;
//! assert_eq!(user.user_name, "bjensen");
//! assert_eq!(user.primary_email().and_then(|e| e.value.as_deref()), Some("bjensen@example.com"));
//! assert_eq!(user.extension("urn:example:2.0:Badge").map(|b| &b["number"]), Some(&json!(42)));
//!
//! assert_eq!(Resource::from(user), resource);
//! # Ok::<(), scim_core::ScimError>(())
//! ```

use std::fmt::Write as _;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Resource, ScimError};

/// Defines a multi-valued attribute value with the default sub-attributes of RFC 7643 §2.4
/// (`value`, `display`, `type`, `primary`) plus an `extra` map for the others.
macro_rules! multi_valued_attribute {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(default, rename_all = "camelCase")]
        pub struct $name {
            /// The attribute's significant value (RFC 7643 §2.4, `value`).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub value: Option<String>,
            /// A human-readable name, primarily used for display (RFC 7643 §2.4, `display`).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub display: Option<String>,
            /// A label indicating the value's function, e.g. `work` or `home`
            /// (RFC 7643 §2.4, `type`).
            #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
            pub ty: Option<String>,
            /// Whether this is the preferred value; at most one value of the attribute may be
            /// `true` (RFC 7643 §2.4, `primary`).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub primary: Option<bool>,
            /// Sub-attributes not named above (RFC 7643 §3.3), kept as they came.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// A value without `display`, `type` or `primary`.
            pub fn new(value: impl Into<String>) -> Self {
                $name {
                    value: Some(value.into()),
                    ..Self::default()
                }
            }

            /// Sets `type`.
            #[must_use]
            pub fn with_type(mut self, ty: impl Into<String>) -> Self {
                self.ty = Some(ty.into());
                self
            }

            /// Sets `display`.
            #[must_use]
            pub fn with_display(mut self, display: impl Into<String>) -> Self {
                self.display = Some(display.into());
                self
            }

            /// Marks this value as the primary one (`"primary": true`).
            #[must_use]
            pub fn primary(mut self) -> Self {
                self.primary = Some(true);
                self
            }

            /// Whether `primary` is `true`.
            pub fn is_primary(&self) -> bool {
                self.primary == Some(true)
            }
        }
    };
}

mod enterprise;
mod group;
mod user;

pub use enterprise::{EnterpriseUser, Manager};
pub use group::{Group, GroupMember};
pub use user::{
    Address, Email, Entitlement, Im, Name, PhoneNumber, Photo, Role, User, UserGroup,
    X509Certificate,
};

/// Reads a typed resource from a resource's JSON object. On failure, the error names the
/// attribute at fault; `kind` (e.g. `User`) and the `required` attribute (e.g. `userName`) make
/// the detail readable.
fn from_resource<T: DeserializeOwned>(
    resource: &Resource,
    kind: &str,
    required: &str,
) -> Result<T, ScimError> {
    let map = resource.as_map();
    T::deserialize(map).map_err(|err| locate_error::<T>(map, kind, required, &err))
}

/// Writes a typed resource as a [`Resource`].
///
/// Serialising the typed structs into a `Value` cannot fail: all their keys are strings and
/// all their fields are strings, booleans, vectors, typed structs or JSON maps, none with a
/// serializer of its own. The empty fallback is there only because `serde_json::to_value` has
/// a `Result` type.
fn to_resource<T: Serialize>(typed: &T) -> Resource {
    match serde_json::to_value(typed) {
        Ok(Value::Object(map)) => Resource::from_map(map),
        _ => Resource::new(),
    }
}

/// Builds the `invalidValue` error for a resource that did not deserialise as `T`: finds the
/// first top-level attribute that fails on its own, then narrows down to the array element
/// and sub-attribute at fault.
fn locate_error<T: DeserializeOwned>(
    map: &Map<String, Value>,
    kind: &str,
    required: &str,
    err: &serde_json::Error,
) -> ScimError {
    if !map.contains_key(required) {
        return ScimError::invalid_value(format!("{required} is required in a {kind}"));
    }
    let probe = |doc: Value| T::deserialize(doc).err();
    for (key, value) in map {
        // A document holding only this attribute (and a placeholder for the required one).
        let wrap = |v: Value| {
            let mut doc = Map::new();
            if key != required {
                doc.insert(required.to_owned(), Value::String(String::new()));
            }
            doc.insert(key.clone(), v);
            Value::Object(doc)
        };
        if let Some(first) = probe(wrap(value.clone())) {
            let mut path = key.clone();
            let cause = narrow(value, &wrap, &probe, &mut path).unwrap_or(first);
            return ScimError::invalid_value(format!("invalid {kind} attribute {path}: {cause}"));
        }
    }
    ScimError::invalid_value(format!("invalid {kind}: {err}"))
}

/// Narrows a failing value down to the element or sub-attribute that fails on its own,
/// appending `[i]` or `.name` to `path` for each step. `wrap` embeds a replacement for
/// `value` in a whole document; `probe` returns the error that document gives, if any.
fn narrow(
    value: &Value,
    wrap: &dyn Fn(Value) -> Value,
    probe: &dyn Fn(Value) -> Option<serde_json::Error>,
    path: &mut String,
) -> Option<serde_json::Error> {
    match value {
        Value::Array(items) => {
            let inner = |v: Value| wrap(Value::Array(vec![v]));
            // If even an empty array fails, the attribute is not multi-valued: stop here.
            if probe(wrap(Value::Array(Vec::new()))).is_some() {
                return None;
            }
            items.iter().enumerate().find_map(|(i, item)| {
                let cause = probe(inner(item.clone()))?;
                let _ = write!(path, "[{i}]");
                Some(narrow(item, &inner, probe, path).unwrap_or(cause))
            })
        }
        Value::Object(fields) => {
            // If even an empty object fails, the attribute is not complex: stop here.
            if probe(wrap(Value::Object(Map::new()))).is_some() {
                return None;
            }
            fields.iter().find_map(|(name, sub)| {
                let inner = |v: Value| {
                    let mut m = Map::new();
                    m.insert(name.clone(), v);
                    wrap(Value::Object(m))
                };
                let cause = probe(inner(sub.clone()))?;
                path.push('.');
                path.push_str(name);
                Some(narrow(sub, &inner, probe, path).unwrap_or(cause))
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;
    use serde_json::json;

    fn user_error(v: Value) -> ScimError {
        let r = Resource::from_value(v).unwrap();
        User::try_from(&r).unwrap_err()
    }

    #[test]
    fn errors_name_the_attribute_element_and_sub_attribute() {
        let cases = [
            (json!({"userName": 7}), "userName"),
            (json!({"userName": "a", "active": "true"}), "active"),
            (json!({"userName": "a", "emails": "a@b.c"}), "emails"),
            (
                json!({"userName": "a", "emails": {"value": "a@b.c"}}),
                "emails",
            ),
            (
                json!({"userName": "a", "emails": [{"value": "x"}, {"primary": "yes"}]}),
                "emails[1].primary",
            ),
            (
                json!({"userName": "a", "name": {"givenName": ["B"]}}),
                "name.givenName",
            ),
            (json!({"userName": "a", "name": ["B"]}), "name"),
            (json!({"userName": "a", "schemas": [1]}), "schemas[0]"),
            (
                json!({"userName": "a", (crate::urn::ENTERPRISE_USER): {"manager": {"value": 1}}}),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager.value",
            ),
            (
                json!({"userName": "a", "meta": {"created": false}}),
                "meta.created",
            ),
        ];
        for (doc, path) in cases {
            let err = user_error(doc.clone());
            assert_eq!(err.scim_type(), Some(ScimType::InvalidValue), "{doc}");
            assert!(
                err.detail().contains(&format!("attribute {path}:")),
                "{doc}: {}",
                err.detail()
            );
        }
    }

    #[test]
    fn a_missing_required_attribute_is_named() {
        let err = user_error(json!({"displayName": "Babs"}));
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        assert_eq!(err.detail(), "userName is required in a User");
        let r = Resource::from_value(json!({"members": []})).unwrap();
        let err = Group::try_from(r).unwrap_err();
        assert_eq!(err.detail(), "displayName is required in a Group");
    }

    #[test]
    fn to_resource_writes_an_object() {
        let r = to_resource(&User::new("bjensen"));
        assert_eq!(r.get("userName"), Some(&json!("bjensen")));
    }
}
