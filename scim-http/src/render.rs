//! Step 6 of a request: a stored resource as the client sees it (RFC 7644 §3.4.1, §3.9).
//!
//! Stores return data; rendering is the server's: the projection (`attributes`,
//! `excludedAttributes`, `returned`), `meta.location` and `meta.resourceType`, and every
//! `$ref` of a reference attribute (`groups`, `members`, the enterprise `manager`, and any
//! host schema's reference to a served resource type), written from the server's base URL
//! as the response is serialised (resources are shared copy-on-write, so nothing is copied
//! on the common path).

use scim_core::{Projection, Registry, Resource, ResourceType};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use crate::precondition::entity_tag;

/// The reference attributes of every served resource type, found once from the schemas.
#[derive(Debug, Default)]
pub(crate) struct Links {
    /// Each resource type's name and reference attributes (a handful: a scan beats hashing).
    by_type: Vec<TypeLinks>,
}

#[derive(Debug)]
struct TypeLinks {
    name: String,
    refs: Vec<RefAttr>,
}

/// A complex attribute whose `value` names a served resource and whose `$ref` the server
/// writes (RFC 7643 §2.3.7: `referenceTypes`).
#[derive(Debug)]
struct RefAttr {
    /// The extension URN the attribute lives under; `None` for the core schema.
    ext: Option<String>,
    name: String,
    /// The served resource types it may reference: (name, endpoint).
    targets: Vec<(String, String)>,
    /// The endpoint used when an item's `type` does not name one of `targets`.
    default: String,
}

impl Links {
    /// Finds the reference attributes of every resource type of `registry`.
    pub(crate) fn new(registry: &Registry) -> Self {
        let endpoint = |name: &str| {
            registry
                .resource_types()
                .find(|t| t.name.eq_ignore_ascii_case(name))
                .map(|t| (t.name.clone(), t.endpoint.clone()))
        };
        let mut by_type = Vec::new();
        for ty in registry.resource_types() {
            let core = ty.schema.attributes.iter().map(|a| (None, a));
            let ext = ty.extensions.iter().flat_map(|e| {
                e.schema
                    .attributes
                    .iter()
                    .map(move |a| (Some(e.schema.id.clone()), a))
            });
            let attrs = core
                .chain(ext)
                .filter_map(|(ext, a)| {
                    let reference = a.sub_attribute("$ref")?;
                    a.sub_attribute("value")?;
                    let targets: Vec<(String, String)> = reference
                        .reference_types
                        .iter()
                        .filter_map(|t| endpoint(t))
                        .collect();
                    // `User.groups` lists groups (RFC 7643 §4.1.2); its `type` is
                    // "direct"/"indirect", not a resource type.
                    let default = targets
                        .iter()
                        .find(|(n, _)| ext.is_none() && a.name == "groups" && n == "Group")
                        .or_else(|| targets.first())?
                        .1
                        .clone();
                    Some(RefAttr {
                        ext,
                        name: a.name.clone(),
                        targets,
                        default,
                    })
                })
                .collect();
            by_type.push(TypeLinks {
                name: ty.name.clone(),
                refs: attrs,
            });
        }
        Links { by_type }
    }

    fn of(&self, ty: &ResourceType) -> Option<&TypeLinks> {
        self.by_type.iter().find(|t| t.name == ty.name)
    }
}

/// Renders stored resources for one response: the base URL and the reference table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Renderer<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) links: &'a Links,
}

impl<'a> Renderer<'a> {
    /// The URL of the resource `id` of type `ty` (`Location`, `meta.location`).
    pub(crate) fn location(&self, ty: &ResourceType, id: &str) -> String {
        format!("{}{}/{id}", self.base_url, ty.endpoint)
    }

    /// The resource as the client sees it, see the module docs.
    pub(crate) fn render(
        &self,
        ty: &ResourceType,
        resource: Resource,
        projection: &Projection,
    ) -> Rendered<'a> {
        let location = self.location(ty, resource.id().unwrap_or_default());
        let links = self.links.of(ty);
        // Before the projection: the tag is the resource's, whatever the client selects.
        let version = entity_tag(&resource);
        Rendered {
            version,
            resource: projection.apply_owned(ty, resource),
            location,
            resource_type: links.map_or("", |l| l.name.as_str()),
            refs: links.map_or(&[], |l| l.refs.as_slice()),
            base_url: self.base_url,
        }
    }
}

/// A resource ready to serialise, see [`Renderer::render`].
#[derive(Debug)]
pub(crate) struct Rendered<'a> {
    resource: Resource,
    /// The entity tag ([`entity_tag`]): `meta.version` and `ETag`.
    version: Option<String>,
    location: String,
    resource_type: &'a str,
    refs: &'a [RefAttr],
    base_url: &'a str,
}

impl Rendered<'_> {
    /// The resource's `meta.version`, the response's `ETag`.
    pub(crate) fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The resource's URL.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }
}

impl Serialize for Rendered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map = self.resource.as_map();
        let mut out = s.serialize_map(Some(map.len()))?;
        for (k, v) in map {
            match v {
                Value::Object(meta) if k == "meta" => out.serialize_entry(
                    k,
                    &MetaView {
                        meta,
                        location: &self.location,
                        resource_type: self.resource_type,
                        version: self.version.as_deref(),
                    },
                )?,
                Value::Object(ext) if self.refs.iter().any(|r| r.ext.as_ref() == Some(k)) => out
                    .serialize_entry(
                        k,
                        &Attributes {
                            map: ext,
                            ext: Some(k),
                            rendered: self,
                        },
                    )?,
                _ => match self.reference(None, k) {
                    Some(r) => out.serialize_entry(k, &self.linked(r, v))?,
                    None => out.serialize_entry(k, v)?,
                },
            }
        }
        out.end()
    }
}

impl<'a> Rendered<'a> {
    fn reference(&self, ext: Option<&String>, name: &str) -> Option<&'a RefAttr> {
        self.refs
            .iter()
            .find(|r| r.ext.as_ref() == ext && r.name == name)
    }

    fn linked<'v>(&'v self, attr: &'v RefAttr, value: &'v Value) -> Linked<'v> {
        Linked {
            attr,
            value,
            base_url: self.base_url,
        }
    }
}

/// An extension's attributes, with its reference attributes linked.
struct Attributes<'a> {
    map: &'a Map<String, Value>,
    ext: Option<&'a String>,
    rendered: &'a Rendered<'a>,
}

impl Serialize for Attributes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(Some(self.map.len()))?;
        for (k, v) in self.map {
            match self.rendered.reference(self.ext, k) {
                Some(r) => out.serialize_entry(k, &self.rendered.linked(r, v))?,
                None => out.serialize_entry(k, v)?,
            }
        }
        out.end()
    }
}

/// A reference attribute's value (one item or an array of them) with each item's `$ref`
/// written from its `value`.
struct Linked<'a> {
    attr: &'a RefAttr,
    value: &'a Value,
    base_url: &'a str,
}

impl Serialize for Linked<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Array(items) => {
                let mut out = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&Linked {
                        value: item,
                        ..*self
                    })?;
                }
                out.end()
            }
            Value::Object(item) => {
                let Some(id) = item.get("value").and_then(Value::as_str) else {
                    return item.serialize(s);
                };
                let endpoint = item
                    .get("type")
                    .and_then(Value::as_str)
                    .and_then(|t| {
                        self.attr
                            .targets
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case(t))
                    })
                    .map_or(self.attr.default.as_str(), |(_, e)| e.as_str());
                let mut out = s.serialize_map(None)?;
                for (k, v) in item {
                    if k != "$ref" {
                        out.serialize_entry(k, v)?;
                    }
                }
                out.serialize_entry("$ref", &format_args!("{}{endpoint}/{id}", self.base_url))?;
                out.end()
            }
            other => other.serialize(s),
        }
    }
}

/// `meta` with `location` written and `resourceType` defaulted.
struct MetaView<'a> {
    meta: &'a Map<String, Value>,
    location: &'a str,
    resource_type: &'a str,
    version: Option<&'a str>,
}

impl Serialize for MetaView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(None)?;
        for (k, v) in self.meta {
            match (k.as_str(), self.version) {
                ("location", _) => {}
                ("version", Some(tag)) => out.serialize_entry(k, tag)?,
                _ => out.serialize_entry(k, v)?,
            }
        }
        if !self.meta.contains_key("resourceType") && !self.resource_type.is_empty() {
            out.serialize_entry("resourceType", self.resource_type)?;
        }
        out.serialize_entry("location", self.location)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_and_location_come_from_the_base_url_not_the_store() {
        let registry = Registry::standard();
        let links = Links::new(&registry);
        let renderer = Renderer {
            base_url: "https://app.example/scim/v2",
            links: &links,
        };
        let users = registry.resource_type("User").unwrap();
        let user = Resource::from_value(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1", "userName": "a",
            "groups": [{"value": "g1", "type": "direct", "$ref": "https://evil.example/x"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "m1"}, "department": "X"
            },
            "meta": {"version": "W/\"1\"", "location": "https://evil.example/u1"}
        }))
        .unwrap();
        let out =
            serde_json::to_value(renderer.render(users, user, &Projection::default())).unwrap();
        assert_eq!(
            out["groups"][0]["$ref"],
            "https://app.example/scim/v2/Groups/g1"
        );
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["$ref"],
            "https://app.example/scim/v2/Users/m1"
        );
        assert_eq!(
            out["meta"]["location"],
            "https://app.example/scim/v2/Users/u1"
        );
        assert_eq!(out["meta"]["resourceType"], "User");

        let groups = registry.resource_type("Group").unwrap();
        let group = Resource::from_value(json!({
            "id": "g1", "displayName": "G",
            "members": [{"value": "u1"}, {"value": "g2", "type": "Group"}]
        }))
        .unwrap();
        let out =
            serde_json::to_value(renderer.render(groups, group, &Projection::default())).unwrap();
        assert_eq!(
            out["members"][0]["$ref"],
            "https://app.example/scim/v2/Users/u1"
        );
        assert_eq!(
            out["members"][1]["$ref"],
            "https://app.example/scim/v2/Groups/g2"
        );
    }
}
