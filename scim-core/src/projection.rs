//! Projection of resources on output: the `attributes` and `excludedAttributes` parameters
//! (RFC 7644 §3.4.2.5, §3.9) combined with each attribute's `returned` characteristic
//! (RFC 7643 §7).
//!
//! - `returned: always` attributes (`id`, and `schemas`) are in every response.
//! - `returned: never` attributes (`password`) never leave the server.
//! - `returned: default` attributes are in the response unless `attributes` is given and does
//!   not name them, or `excludedAttributes` names them.
//! - `returned: request` attributes are in the response only when `attributes` names them.
//!
//! Names may be attributes (`userName`), sub-attributes (`name.givenName`, `emails.value`),
//! URN-qualified attributes (`urn:…:enterprise:2.0:User:department`) or whole extensions
//! (`urn:…:enterprise:2.0:User`), all case-insensitive. Names that match nothing in the
//! resource type are ignored, as RFC 7644 asks nothing else of them.

use serde_json::{Map, Value};

use crate::Resource;
use crate::registry::ResourceType;
use crate::schema::{Attribute, Returned};

/// Which attributes a response carries. The default returns every attribute whose
/// `returned` is `always` or `default`.
///
/// ```
/// use scim_core::{Projection, Resource, ResourceType};
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let user = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "1", "userName": "bjensen", "password": "secret",
///     "name": {"givenName": "Barbara", "familyName": "Jensen"}
/// }))?;
/// let p = Projection::parse(&users, Some("userName,NAME.givenName"), None);
/// assert_eq!(p.apply(&users, &user).into_value(), json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "1", "userName": "bjensen", "name": {"givenName": "Barbara"}
/// }));
/// // password is `returned: never`: not even by default.
/// assert!(Projection::default().apply(&users, &user).get("password").is_none());
/// # Ok::<(), scim_core::ScimError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    attributes: Option<Vec<Selector>>,
    excluded: Vec<Selector>,
}

/// One resolved name of an `attributes`/`excludedAttributes` list, with canonical names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Selector {
    /// The extension URN the attribute lives under, `None` for core and common attributes.
    ext: Option<String>,
    /// `None` selects the whole extension.
    attr: Option<String>,
    sub: Option<String>,
}

impl Projection {
    /// Parses comma-separated `attributes` and `excludedAttributes` query values against the
    /// resource type. Empty items and unknown names are ignored.
    pub fn parse(ty: &ResourceType, attributes: Option<&str>, excluded: Option<&str>) -> Self {
        let split = |s: &str| -> Vec<String> {
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Self::from_lists(
            ty,
            attributes.map(split).as_deref(),
            excluded.map(split).as_deref().unwrap_or_default(),
        )
    }

    /// Builds a projection from lists of names, as a `/.search` request carries them
    /// (RFC 7644 §3.4.3). `attributes: None` or an empty list means "not given"; a list of
    /// only unknown names returns only the `returned: always` attributes.
    pub fn from_lists(
        ty: &ResourceType,
        attributes: Option<&[String]>,
        excluded: &[String],
    ) -> Self {
        let resolve = |names: &[String]| -> Vec<Selector> {
            names
                .iter()
                .filter_map(|n| Selector::resolve(ty, n))
                .collect()
        };
        let attributes = attributes.filter(|names| !names.is_empty()).map(resolve);
        Projection {
            attributes,
            excluded: resolve(excluded),
        }
    }

    /// Whether this is the default projection (no `attributes`, no `excludedAttributes`).
    pub fn is_default(&self) -> bool {
        self.attributes.is_none() && self.excluded.is_empty()
    }

    /// Whether a response under this projection can contain the top-level attribute `name`
    /// (canonical, core or common) — a hint that lets a store skip loading e.g. `members`.
    pub fn may_include(&self, ty: &ResourceType, name: &str) -> bool {
        let Some(attr) = ty.top_level(name) else {
            return self.attributes.is_none();
        };
        Decision::of(self, None, attr) != Decision::Drop
    }

    /// Applies the projection to a resource of type `ty`, returning a new resource.
    pub fn apply(&self, ty: &ResourceType, resource: &Resource) -> Resource {
        if self.is_default() {
            let mut out = resource.clone();
            strip_hidden(ty, &mut out);
            return out;
        }
        self.apply_selected(ty, resource)
    }

    /// Like [`Projection::apply`], consuming the resource: the default projection then strips
    /// the hidden attributes in place instead of copying (the common case on every GET).
    pub fn apply_owned(&self, ty: &ResourceType, mut resource: Resource) -> Resource {
        if self.is_default() {
            strip_hidden(ty, &mut resource);
            return resource;
        }
        self.apply_selected(ty, &resource)
    }

    fn apply_selected(&self, ty: &ResourceType, resource: &Resource) -> Resource {
        let mut out = Map::new();
        for (key, value) in resource.as_map() {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
            } else if let Some(ext) = ty.extension(key) {
                let urn = ext.schema.id.as_str();
                // Excluding a whole extension leaves its `returned: always` attributes, on
                // which excludedAttributes has no effect (RFC 7644 §3.4.2.5).
                let excluded_whole = self.excluded.iter().any(|s| s.is_whole_extension(urn));
                let whole = self
                    .attributes
                    .as_ref()
                    .is_some_and(|a| a.iter().any(|s| s.is_whole_extension(urn)));
                let Some(fields) = value.as_object() else {
                    continue;
                };
                let mut projected = Map::new();
                for (name, v) in fields {
                    match ext.schema.attribute(name) {
                        Some(attr) => {
                            let d = if excluded_whole && attr.returned != Returned::Always {
                                Decision::Drop
                            } else if whole {
                                Decision::of_excluded_only(self, Some(urn), attr)
                            } else {
                                Decision::of(self, Some(urn), attr)
                            };
                            if let Some(v) = d.project(attr, v) {
                                projected.insert(name.clone(), v);
                            }
                        }
                        None if !excluded_whole && (self.attributes.is_none() || whole) => {
                            projected.insert(name.clone(), v.clone());
                        }
                        None => {}
                    }
                }
                if !projected.is_empty() {
                    out.insert(key.clone(), Value::Object(projected));
                }
            } else if let Some(attr) = ty.top_level(key) {
                if let Some(v) = Decision::of(self, None, attr).project(attr, value) {
                    out.insert(key.clone(), v);
                }
            } else if self.attributes.is_none() {
                // Unknown keys (kept by the `Keep` validation policy) are returned by default.
                out.insert(key.clone(), value.clone());
            }
        }
        Resource::from_map(out)
    }
}

/// The default projection, in place: removes the `returned: never` and `returned: request`
/// attributes and sub-attributes. Walks the schemas (a few dozen definitions) instead of
/// resolving every key of the resource.
fn strip_hidden(ty: &ResourceType, out: &mut Resource) {
    let hidden = |a: &Attribute| matches!(a.returned, Returned::Never | Returned::Request);
    // Resources are shared copy-on-write: look before touching, so that the common case (no
    // password, nothing hidden) copies nothing.
    let concerned = |container: &Map<String, Value>, attr: &Attribute| {
        container.contains_key(&attr.name)
            && (hidden(attr) || attr.sub_attributes.iter().any(hidden))
    };
    let any = ty
        .schema
        .attributes
        .iter()
        .any(|a| concerned(out.as_map(), a))
        || ty.extensions.iter().any(|ext| {
            out.extension(&ext.schema.id)
                .is_some_and(|fields| ext.schema.attributes.iter().any(|a| concerned(fields, a)))
        });
    if !any {
        return;
    }
    let map = out.as_map_mut();
    let strip = |container: &mut Map<String, Value>, attr: &Attribute| {
        if hidden(attr) {
            container.remove(&attr.name);
            return;
        }
        if !attr.sub_attributes.iter().any(hidden) {
            return;
        }
        let Some(value) = container.get_mut(&attr.name) else {
            return;
        };
        let strip_subs = |obj: &mut Map<String, Value>| {
            for sub in attr.sub_attributes.iter().filter(|s| hidden(s)) {
                obj.remove(&sub.name);
            }
        };
        // What is left empty is unassigned (RFC 7643 §2.5) and not returned, as in `apply`.
        let emptied = match value {
            Value::Object(m) => {
                strip_subs(m);
                m.is_empty()
            }
            Value::Array(items) => {
                items
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .for_each(strip_subs);
                items.retain(|item| item.as_object().is_none_or(|m| !m.is_empty()));
                items.is_empty()
            }
            _ => false,
        };
        if emptied {
            container.remove(&attr.name);
        }
    };
    for attr in &ty.schema.attributes {
        strip(map, attr);
    }
    for ext in &ty.extensions {
        if let Some(Value::Object(fields)) = map.get_mut(&ext.schema.id) {
            for attr in &ext.schema.attributes {
                strip(fields, attr);
            }
            if fields.is_empty() {
                map.remove(&ext.schema.id);
            }
        }
    }
}

impl Selector {
    fn resolve(ty: &ResourceType, name: &str) -> Option<Selector> {
        if let Some(ext) = ty.extension(name) {
            return Some(Selector {
                ext: Some(ext.schema.id.clone()),
                attr: None,
                sub: None,
            });
        }
        let r = ty.resolve(name)?;
        Some(Selector {
            ext: r.extension_urn().map(str::to_owned),
            attr: Some(r.attribute().name.clone()),
            sub: r.sub_attribute().map(|s| s.name.clone()),
        })
    }

    fn is_whole_extension(&self, urn: &str) -> bool {
        self.attr.is_none() && self.ext.as_deref() == Some(urn)
    }

    fn names(&self, ext: Option<&str>, attr: &str) -> bool {
        self.ext.as_deref() == ext && self.attr.as_deref() == Some(attr)
    }
}

/// What to do with one top-level attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision<'p> {
    Drop,
    /// Return it; `only` limits sub-attributes (None = all returnable ones), `minus` removes some.
    Keep {
        only: Option<Vec<&'p str>>,
        minus: Vec<&'p str>,
        requested: bool,
    },
}

impl<'p> Decision<'p> {
    fn of(p: &'p Projection, ext: Option<&str>, attr: &Attribute) -> Self {
        match attr.returned {
            Returned::Never => return Decision::Drop,
            Returned::Always => {
                return Decision::Keep {
                    only: None,
                    minus: Vec::new(),
                    requested: true,
                };
            }
            Returned::Default | Returned::Request => {}
        }
        let (only, requested) = match &p.attributes {
            None if attr.returned == Returned::Request => return Decision::Drop,
            None => (None, false),
            Some(list) => {
                let named: Vec<&Selector> =
                    list.iter().filter(|s| s.names(ext, &attr.name)).collect();
                if named.is_empty() {
                    return Decision::Drop;
                }
                if named.iter().any(|s| s.sub.is_none()) {
                    (None, true)
                } else {
                    (
                        Some(named.iter().filter_map(|s| s.sub.as_deref()).collect()),
                        true,
                    )
                }
            }
        };
        Self::excluding(p, ext, attr, only, requested)
    }

    /// For attributes of an extension selected as a whole by `attributes`.
    fn of_excluded_only(p: &'p Projection, ext: Option<&str>, attr: &Attribute) -> Self {
        match attr.returned {
            Returned::Never | Returned::Request => Decision::Drop,
            Returned::Always | Returned::Default => Self::excluding(p, ext, attr, None, false),
        }
    }

    fn excluding(
        p: &'p Projection,
        ext: Option<&str>,
        attr: &Attribute,
        only: Option<Vec<&'p str>>,
        requested: bool,
    ) -> Self {
        let mut minus = Vec::new();
        for s in p.excluded.iter().filter(|s| s.names(ext, &attr.name)) {
            match &s.sub {
                None => return Decision::Drop,
                Some(sub) => minus.push(sub.as_str()),
            }
        }
        Decision::Keep {
            only,
            minus,
            requested,
        }
    }

    /// The projected value, or `None` when nothing of it is returned.
    fn project(&self, attr: &Attribute, value: &Value) -> Option<Value> {
        let Decision::Keep {
            only,
            minus,
            requested,
        } = self
        else {
            return None;
        };
        if attr.sub_attributes.is_empty() {
            return Some(value.clone());
        }
        let keep = |name: &str| -> bool {
            let Some(sub) = attr.sub_attribute(name) else {
                return only.is_none();
            };
            match sub.returned {
                Returned::Never => false,
                Returned::Always => true,
                Returned::Default | Returned::Request => {
                    if minus.contains(&sub.name.as_str()) {
                        return false;
                    }
                    match only {
                        Some(subs) => subs.contains(&sub.name.as_str()),
                        None => sub.returned == Returned::Default || *requested,
                    }
                }
            }
        };
        let filter_obj = |obj: &Map<String, Value>| -> Option<Value> {
            let m: Map<String, Value> = obj
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (!m.is_empty()).then_some(Value::Object(m))
        };
        match value {
            Value::Object(obj) => filter_obj(obj),
            Value::Array(items) => {
                let out: Vec<Value> = items
                    .iter()
                    .filter_map(|item| match item {
                        Value::Object(obj) => filter_obj(obj),
                        other => Some(other.clone()),
                    })
                    .collect();
                (!out.is_empty()).then_some(Value::Array(out))
            }
            other => Some(other.clone()),
        }
    }
}
