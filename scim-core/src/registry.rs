//! Resource types (RFC 7643 §6), the registry of what a service provider serves, and
//! case-insensitive resolution of attribute paths to their definitions (RFC 7643 §2.1).
//!
//! ```
//! use scim_core::{Registry, ResourceType, urn};
//!
//! let registry = Registry::standard();
//! let users = registry.resource_type("user").unwrap();
//! assert_eq!(users.endpoint, "/Users");
//!
//! // Names resolve case-insensitively to their canonical spelling.
//! let attr = users.resolve("NAME.GIVENNAME").unwrap();
//! assert_eq!(attr.canonical_path(), "name.givenName");
//! let dept = users.resolve(&format!("{}:DEPARTMENT", urn::ENTERPRISE_USER)).unwrap();
//! assert_eq!(dept.extension_urn(), Some(urn::ENTERPRISE_USER));
//! assert_eq!(dept.attribute().name, "department");
//! ```

use std::sync::Arc;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::schema::{Attribute, Schema, builtin};
use crate::{ScimError, urn};

/// A schema extension of a resource type (RFC 7643 §6, `schemaExtensions`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaExtension {
    /// The extension schema.
    pub schema: Arc<Schema>,
    /// Whether resources of this type must include the extension.
    pub required: bool,
}

/// A resource type (RFC 7643 §6): a name, an endpoint, a core schema and its extensions.
///
/// Serialises to the RFC 7643 §6 representation (schema URNs, not the schemas themselves);
/// [`ResourceType::to_resource_json`] adds `meta`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResourceType {
    /// The resource type's id, e.g. `User`.
    pub id: String,
    /// The resource type's name, e.g. `User`; used in `meta.resourceType`.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    pub description: Option<String>,
    /// The core schema.
    pub schema: Arc<Schema>,
    /// The schema extensions.
    pub extensions: Vec<SchemaExtension>,
}

impl ResourceType {
    /// A resource type named `name`, served at `endpoint` (a leading `/` is added if missing),
    /// with this core schema and no extensions.
    pub fn new(name: impl Into<String>, endpoint: impl Into<String>, schema: Arc<Schema>) -> Self {
        let name = name.into();
        let mut endpoint = endpoint.into();
        if !endpoint.starts_with('/') {
            endpoint.insert(0, '/');
        }
        ResourceType {
            id: name.clone(),
            name,
            endpoint,
            description: None,
            schema,
            extensions: Vec::new(),
        }
    }

    /// The RFC 7643 §4.1 `User` at `/Users`, with the enterprise extension
    /// (RFC 7643 §4.3, not required).
    pub fn user() -> Self {
        ResourceType::new("User", "/Users", Arc::new(builtin::user().clone()))
            .description("User Account")
            .with_extension(Arc::new(builtin::enterprise_user().clone()), false)
    }

    /// The RFC 7643 §4.2 `Group` at `/Groups`.
    pub fn group() -> Self {
        ResourceType::new("Group", "/Groups", Arc::new(builtin::group().clone()))
            .description("Group")
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a schema extension. An extension with the same URN is replaced.
    #[must_use]
    pub fn with_extension(mut self, schema: Arc<Schema>, required: bool) -> Self {
        self.extensions
            .retain(|e| !e.schema.id.eq_ignore_ascii_case(&schema.id));
        self.extensions.push(SchemaExtension { schema, required });
        self
    }

    /// The core schema followed by the extension schemas.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        std::iter::once(&*self.schema).chain(self.extensions.iter().map(|e| &*e.schema))
    }

    /// The extension with this URN, compared case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&SchemaExtension> {
        self.extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` is this type's core schema URN (case-insensitive).
    pub fn is_core_schema(&self, urn: &str) -> bool {
        self.schema.id.eq_ignore_ascii_case(urn)
    }

    /// Resolves an attribute path written as in a filter, `attributes` list or PATCH path:
    /// `[URN ":"] name ["." subName]`, all case-insensitive (RFC 7643 §2.1, RFC 7644 §3.10).
    ///
    /// - Common attributes (`id`, `externalId`, `meta`, `schemas`; RFC 7643 §3.1) and core
    ///   attributes resolve with or without the core schema URN.
    /// - Extension attributes resolve with their extension URN; without one, a name that no
    ///   core or common attribute has is looked up in the extensions, in order (so a legacy
    ///   `manager` path finds the enterprise `manager`).
    /// - A bare extension URN is not an attribute: see [`ResourceType::extension`].
    ///
    /// Returns `None` for unknown attributes and sub-attributes.
    pub fn resolve(&self, path: &str) -> Option<ResolvedAttr<'_>> {
        let (urn, rest) = self.split_urn(path);
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (rest, None),
        };
        self.resolve_parts(urn, name, sub)
    }

    /// Resolves a path given as its parts: an optional schema URN, an attribute name and an
    /// optional sub-attribute name (as a filter's `attrPath` holds them). See
    /// [`ResourceType::resolve`] for the rules.
    pub fn resolve_parts(
        &self,
        urn: Option<&str>,
        name: &str,
        sub: Option<&str>,
    ) -> Option<ResolvedAttr<'_>> {
        let (schema, extension, attribute) = match urn {
            Some(u) if self.is_core_schema(u) => self.core_attribute(name)?,
            Some(u) => {
                let ext = self.extension(u)?;
                (
                    &*ext.schema,
                    Some(ext.schema.id.as_str()),
                    ext.schema.attribute(name)?,
                )
            }
            None => match self.core_attribute(name) {
                Some(found) => found,
                None => self.extensions.iter().find_map(|e| {
                    let a = e.schema.attribute(name)?;
                    Some((&*e.schema, Some(e.schema.id.as_str()), a))
                })?,
            },
        };
        let sub_attribute = match sub {
            Some(s) => Some(attribute.sub_attribute(s)?),
            None => None,
        };
        Some(ResolvedAttr {
            schema,
            extension,
            attribute,
            sub_attribute,
        })
    }

    /// The definition of a top-level attribute stored under `key` in a canonical resource:
    /// a common or core attribute name. Extension keys are not attributes.
    pub fn top_level(&self, key: &str) -> Option<&Attribute> {
        self.core_attribute(key).map(|(_, _, a)| a)
    }

    /// The RFC 7643 §6 representation plus `meta` with a location under `base`
    /// (e.g. `https://example.com/scim/v2`).
    pub fn to_resource_json(&self, base: &str) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "meta".to_owned(),
                serde_json::json!({
                    "resourceType": "ResourceType",
                    "location": format!("{}/ResourceTypes/{}", base.trim_end_matches('/'), self.id),
                }),
            );
        }
        v
    }

    fn core_attribute(&self, name: &str) -> Option<(&Schema, Option<&str>, &Attribute)> {
        let attr = builtin::common_attributes()
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .or_else(|| self.schema.attribute(name))?;
        Some((&*self.schema, None, attr))
    }

    /// Splits a known schema URN prefix (`<urn>:`) off `path`, case-insensitively.
    fn split_urn<'p>(&self, path: &'p str) -> (Option<&'p str>, &'p str) {
        for schema in self.schemas() {
            let n = schema.id.len();
            if let (Some(head), Some(b':')) = (path.get(..n), path.as_bytes().get(n))
                && head.eq_ignore_ascii_case(&schema.id)
            {
                return (Some(head), path.get(n + 1..).unwrap_or(""));
            }
        }
        (None, path)
    }
}

impl Serialize for ResourceType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[urn::RESOURCE_TYPE])?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("endpoint", &self.endpoint)?;
        if let Some(d) = &self.description {
            m.serialize_entry("description", d)?;
        }
        m.serialize_entry("schema", &self.schema.id)?;
        if !self.extensions.is_empty() {
            #[derive(Serialize)]
            struct Ext<'a> {
                schema: &'a str,
                required: bool,
            }
            let exts: Vec<Ext<'_>> = self
                .extensions
                .iter()
                .map(|e| Ext {
                    schema: &e.schema.id,
                    required: e.required,
                })
                .collect();
            m.serialize_entry("schemaExtensions", &exts)?;
        }
        m.end()
    }
}

/// An attribute path resolved against a resource type: the defining schema, the attribute and
/// optional sub-attribute definitions, all with canonical names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolvedAttr<'a> {
    schema: &'a Schema,
    extension: Option<&'a str>,
    attribute: &'a Attribute,
    sub_attribute: Option<&'a Attribute>,
}

impl<'a> ResolvedAttr<'a> {
    /// The schema that defines the attribute (the core schema for common attributes).
    pub fn schema(&self) -> &'a Schema {
        self.schema
    }

    /// The extension URN under which the attribute is stored, or `None` for core and common
    /// attributes (stored at the top level).
    pub fn extension_urn(&self) -> Option<&'a str> {
        self.extension
    }

    /// The top-level attribute definition.
    pub fn attribute(&self) -> &'a Attribute {
        self.attribute
    }

    /// The sub-attribute definition, when the path names one.
    pub fn sub_attribute(&self) -> Option<&'a Attribute> {
        self.sub_attribute
    }

    /// The definition of what the path designates: the sub-attribute if any, else the attribute.
    pub fn definition(&self) -> &'a Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }

    /// The same path without its sub-attribute.
    pub fn parent(&self) -> ResolvedAttr<'a> {
        ResolvedAttr {
            sub_attribute: None,
            ..*self
        }
    }

    /// The canonical text of the path: `name.sub` for core attributes,
    /// `urn:...:name.sub` for extension attributes.
    pub fn canonical_path(&self) -> String {
        let mut s = String::new();
        if let Some(urn) = self.extension {
            s.push_str(urn);
            s.push(':');
        }
        s.push_str(&self.attribute.name);
        if let Some(sub) = self.sub_attribute {
            s.push('.');
            s.push_str(&sub.name);
        }
        s
    }
}

/// The resource types a service provider serves, and their schemas.
///
/// [`Registry::standard`] serves `User` (with the enterprise extension) and `Group`; hosts add
/// their own types and extensions with [`Registry::register`].
#[derive(Debug, Clone, Default)]
pub struct Registry {
    types: Vec<Arc<ResourceType>>,
}

/// A configuration error found while registering resource types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two resource types share a name.
    #[error("a resource type named {0:?} is already registered")]
    DuplicateName(String),
    /// Two resource types share an endpoint.
    #[error("the endpoint {0:?} is already served by another resource type")]
    DuplicateEndpoint(String),
    /// Two different schemas share a URN.
    #[error("two different schemas use the URN {0:?}")]
    ConflictingSchema(String),
}

impl From<RegistryError> for ScimError {
    fn from(e: RegistryError) -> Self {
        ScimError::new(http::StatusCode::INTERNAL_SERVER_ERROR, None, e.to_string())
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// `User` (with the enterprise extension) and `Group`, as RFC 7643 §4 defines them.
    pub fn standard() -> Self {
        Registry {
            types: vec![
                Arc::new(ResourceType::user()),
                Arc::new(ResourceType::group()),
            ],
        }
    }

    /// Adds a resource type, or replaces the one with the same name (case-insensitive).
    /// Fails when another type already uses the endpoint, or when a schema URN is already
    /// bound to a different definition.
    pub fn register(&mut self, ty: ResourceType) -> Result<(), RegistryError> {
        let others = || {
            self.types
                .iter()
                .filter(|t| !t.name.eq_ignore_ascii_case(&ty.name))
        };
        if others().any(|t| t.endpoint.eq_ignore_ascii_case(&ty.endpoint)) {
            return Err(RegistryError::DuplicateEndpoint(ty.endpoint));
        }
        for schema in ty.schemas() {
            let clash = others()
                .flat_map(|t| t.schemas())
                .any(|s| s.id.eq_ignore_ascii_case(&schema.id) && s != schema);
            if clash {
                return Err(RegistryError::ConflictingSchema(schema.id.clone()));
            }
        }
        match self
            .types
            .iter_mut()
            .find(|t| t.name.eq_ignore_ascii_case(&ty.name))
        {
            Some(slot) => *slot = Arc::new(ty),
            None => self.types.push(Arc::new(ty)),
        }
        Ok(())
    }

    /// Consuming form of [`Registry::register`].
    pub fn with(mut self, ty: ResourceType) -> Result<Self, RegistryError> {
        self.register(ty)?;
        Ok(self)
    }

    /// The registered resource types, in registration order.
    pub fn resource_types(&self) -> impl Iterator<Item = &Arc<ResourceType>> {
        self.types.iter()
    }

    /// The resource type with this name (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&Arc<ResourceType>> {
        self.types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The resource type served at this endpoint, e.g. `/Users` (case-insensitive; the
    /// leading `/` is optional).
    pub fn by_endpoint(&self, endpoint: &str) -> Option<&Arc<ResourceType>> {
        let e = endpoint.strip_prefix('/').unwrap_or(endpoint);
        self.types.iter().find(|t| {
            t.endpoint
                .strip_prefix('/')
                .is_some_and(|te| te.eq_ignore_ascii_case(e))
        })
    }

    /// Every schema used by a registered type, each once, core schemas first in type order
    /// and then extensions: what `/Schemas` serves.
    pub fn schemas(&self) -> Vec<&Schema> {
        let mut out: Vec<&Schema> = Vec::new();
        let cores = self.types.iter().map(|t| &*t.schema);
        let exts = self
            .types
            .iter()
            .flat_map(|t| t.extensions.iter().map(|e| &*e.schema));
        for s in cores.chain(exts) {
            if !out.iter().any(|o| o.id.eq_ignore_ascii_case(&s.id)) {
                out.push(s);
            }
        }
        out
    }

    /// The schema with this URN (case-insensitive).
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.types
            .iter()
            .flat_map(|t| t.schemas())
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }
}

/// A resource type as a client reads it from `/ResourceTypes` (RFC 7643 §6), with schema URNs
/// instead of definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTypeDescriptor {
    /// `["urn:ietf:params:scim:schemas:core:2.0:ResourceType"]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The resource type's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The resource type's name.
    pub name: String,
    /// The endpoint, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The core schema URN.
    pub schema: String,
    /// The extensions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_extensions: Vec<SchemaExtensionDescriptor>,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<crate::Meta>,
}

/// One entry of `schemaExtensions` (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaExtensionDescriptor {
    /// The extension schema URN.
    pub schema: String,
    /// Whether the extension is required.
    pub required: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_common_core_extension_and_sub_attributes() {
        let user = ResourceType::user();
        let cases = [
            ("userName", None, "userName"),
            ("USERNAME", None, "userName"),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                None,
                "userName",
            ),
            (
                "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:username",
                None,
                "userName",
            ),
            ("name.givenName", None, "name.givenName"),
            ("Emails.Value", None, "emails.value"),
            ("id", None, "id"),
            ("META.lastmodified", None, "meta.lastModified"),
            ("externalid", None, "externalId"),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                Some(urn::ENTERPRISE_USER),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                Some(urn::ENTERPRISE_USER),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            ),
            (
                "manager",
                Some(urn::ENTERPRISE_USER),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            ),
        ];
        for (path, ext, canonical) in cases {
            let r = user
                .resolve(path)
                .unwrap_or_else(|| panic!("{path} did not resolve"));
            assert_eq!(r.extension_urn(), ext, "{path}");
            assert_eq!(r.canonical_path(), canonical, "{path}");
        }
    }

    #[test]
    fn unknown_paths_do_not_resolve() {
        let user = ResourceType::user();
        for path in [
            "nope",
            "name.nope",
            "urn:acme:ext:2.0:User:level",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:Group:displayName2",
            "",
        ] {
            assert!(user.resolve(path).is_none(), "{path}");
        }
        assert!(user.extension(urn::ENTERPRISE_USER).is_some());
    }

    #[test]
    fn resource_type_serialises_in_rfc_shape() {
        let v = ResourceType::user().to_resource_json("https://example.com/v2");
        assert_eq!(
            v,
            json!({
                "schemas": [urn::RESOURCE_TYPE],
                "id": "User", "name": "User", "endpoint": "/Users",
                "description": "User Account",
                "schema": urn::USER,
                "schemaExtensions": [{"schema": urn::ENTERPRISE_USER, "required": false}],
                "meta": {"resourceType": "ResourceType", "location": "https://example.com/v2/ResourceTypes/User"}
            })
        );
        let d: ResourceTypeDescriptor = serde_json::from_value(v).unwrap();
        assert_eq!(d.schema_extensions.len(), 1);
    }

    #[test]
    fn registry_lookups_and_conflicts() {
        let mut reg = Registry::standard();
        assert_eq!(reg.by_endpoint("users").unwrap().name, "User");
        assert_eq!(reg.by_endpoint("/GROUPS").unwrap().name, "Group");
        let ids: Vec<_> = reg.schemas().iter().map(|s| s.id.clone()).collect();
        assert_eq!(ids, [urn::USER, urn::GROUP, urn::ENTERPRISE_USER]);

        let dup = ResourceType::new(
            "Device",
            "/Users",
            Arc::new(Schema::new("urn:d", "D", vec![])),
        );
        assert!(matches!(
            reg.register(dup),
            Err(RegistryError::DuplicateEndpoint(_))
        ));

        let fake_user = Arc::new(Schema::new(urn::USER, "User", vec![]));
        let clash = ResourceType::new("Other", "/Others", fake_user);
        assert!(matches!(
            reg.register(clash),
            Err(RegistryError::ConflictingSchema(_))
        ));

        let dev = ResourceType::new(
            "Device",
            "Devices",
            Arc::new(Schema::new("urn:d", "D", vec![])),
        );
        reg.register(dev).unwrap();
        assert_eq!(reg.resource_type("device").unwrap().endpoint, "/Devices");
        assert!(reg.schema("URN:D").is_some());
    }
}
