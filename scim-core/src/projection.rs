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
//!
//! Each list is resolved to canonical names once, when the [`Projection`] is built: names
//! that resolve to the same attribute count once, and applying the projection looks each
//! attribute of a resource up in a hash map instead of scanning the lists.
//! [`Projection::try_from_lists`] bounds the number of names (400 `tooMany`);
//! [`Projection::parse`] and [`Projection::from_lists`] accept any number.

use serde_json::{Map, Value};

use crate::Resource;
use crate::ScimError;
use crate::registry::ResourceType;
use crate::schema::{Attribute, Returned};

/// A default for the `max_names` of [`Projection::try_from_lists`]: how many names each of
/// `attributes` and `excludedAttributes` may hold. RFC 7644 sets no limit; 100 is enough to
/// name the attributes a client wants of a User or Group one by one, and small enough that
/// resolving them costs little.
pub const DEFAULT_MAX_PROJECTION_NAMES: usize = 100;

/// Which attributes a response carries. The default returns every attribute whose
/// `returned` is `always` or `default`.
///
/// The names of each list are resolved to canonical names once, when the projection is
/// built, and deduplicated (`userName,USERNAME` is `userName`). They are kept in hash maps
/// keyed by canonical name, so [`Projection::apply`] decides about each attribute of a
/// resource with one lookup, however long the lists are.
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
    /// `None` when `attributes` is not given.
    attributes: Option<Selection>,
    excluded: Selection,
}

/// The resolved names of one `attributes` or `excludedAttributes` list, deduplicated and
/// keyed by canonical name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Selection {
    /// Core and common attributes, by canonical attribute name.
    core: NameMap<Subs>,
    /// Extension attributes and whole extensions, by canonical extension URN.
    extensions: NameMap<ExtensionSelection>,
}

/// A map keyed by canonical names (attribute names, extension URNs), hashed with FxHash
/// (`rustc-hash`): only names a schema defines are ever hashed (a list's names are inserted
/// once resolved to their definitions, and lookups use the definitions' names), so a client
/// cannot choose colliding keys, and a few multiplications per name are all that deciding
/// about an attribute costs.
type NameMap<V> = rustc_hash::FxHashMap<String, V>;

/// A set of canonical sub-attribute names.
type NameSet = rustc_hash::FxHashSet<String>;

/// What a list names of one extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ExtensionSelection {
    /// The extension URN itself is named: the whole extension.
    whole: bool,
    /// The extension's attributes named, by canonical attribute name.
    attributes: NameMap<Subs>,
}

/// What a list names of one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Subs {
    /// The attribute itself (`emails`).
    All,
    /// Only these sub-attributes, by canonical name (`emails.value`).
    Only(NameSet),
}

impl Projection {
    /// Parses comma-separated `attributes` and `excludedAttributes` query values against the
    /// resource type. Empty items and unknown names are ignored, and so are duplicates.
    ///
    /// This accepts any number of names; build the projection with
    /// [`Projection::try_from_lists`] to bound them.
    pub fn parse(ty: &ResourceType, attributes: Option<&str>, excluded: Option<&str>) -> Self {
        Projection {
            attributes: attributes
                .filter(|s| split_names(s).next().is_some())
                .map(|s| Selection::resolve(ty, split_names(s))),
            excluded: Selection::resolve(ty, excluded.into_iter().flat_map(split_names)),
        }
    }

    /// Builds a projection from lists of names, as a `/.search` request carries them
    /// (RFC 7644 §3.4.3). `attributes: None` or an empty list means "not given"; a list of
    /// only unknown names returns only the `returned: always` attributes. Duplicates are
    /// ignored.
    ///
    /// This accepts any number of names; [`Projection::try_from_lists`] bounds them.
    pub fn from_lists(
        ty: &ResourceType,
        attributes: Option<&[String]>,
        excluded: &[String],
    ) -> Self {
        Projection {
            attributes: attributes
                .filter(|names| !names.is_empty())
                .map(|names| Selection::resolve(ty, names.iter().map(String::as_str))),
            excluded: Selection::resolve(ty, excluded.iter().map(String::as_str)),
        }
    }

    /// Like [`Projection::from_lists`], refusing lists that name more than `max_names`
    /// attributes (RFC 7644 §3.4.2.5, §3.9), so that a request cannot make the server resolve
    /// an unbounded number of names. [`DEFAULT_MAX_PROJECTION_NAMES`] is a sensible limit.
    ///
    /// Names are counted as given, before duplicates are removed; empty (or blank) items are
    /// not counted.
    ///
    /// # Errors
    ///
    /// 400 `tooMany` ([`ScimError::too_many`]) when `attributes` or `excluded` holds more than
    /// `max_names` names; the detail names the parameter and the limit.
    ///
    /// ```
    /// use scim_core::{DEFAULT_MAX_PROJECTION_NAMES, Projection, ResourceType, ScimType};
    ///
    /// let users = ResourceType::user();
    /// let names = vec!["userName".to_owned(); 101];
    /// let e = Projection::try_from_lists(&users, Some(&names), &[], DEFAULT_MAX_PROJECTION_NAMES)
    ///     .unwrap_err();
    /// assert_eq!(e.scim_type(), Some(ScimType::TooMany));
    ///
    /// let p = Projection::try_from_lists(&users, Some(&names[..100]), &[], 100)?;
    /// assert_eq!(p, Projection::parse(&users, Some("userName"), None));
    /// # Ok::<(), scim_core::ScimError>(())
    /// ```
    pub fn try_from_lists(
        ty: &ResourceType,
        attributes: Option<&[String]>,
        excluded: &[String],
        max_names: usize,
    ) -> Result<Self, ScimError> {
        check_count("attributes", attributes.unwrap_or_default(), max_names)?;
        check_count("excludedAttributes", excluded, max_names)?;
        Ok(Self::from_lists(ty, attributes, excluded))
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
                let excluded_whole = self.excluded.is_whole_extension(urn);
                let whole = self
                    .attributes
                    .as_ref()
                    .is_some_and(|a| a.is_whole_extension(urn));
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

/// The non-empty, trimmed items of a comma-separated query value.
fn split_names(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|n| !n.is_empty())
}

/// 400 `tooMany` when `names` holds more than `max` non-blank names.
fn check_count(param: &str, names: &[String], max: usize) -> Result<(), ScimError> {
    let count = names.iter().filter(|n| !n.trim().is_empty()).count();
    if count > max {
        return Err(ScimError::too_many(format!(
            "{param} names {count} attributes; at most {max} are allowed"
        )));
    }
    Ok(())
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

impl Selection {
    /// Resolves each name against `ty`; unknown names are ignored, duplicates merged.
    fn resolve<'a>(ty: &ResourceType, names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut selection = Selection::default();
        for name in names {
            selection.insert(ty, name);
        }
        selection
    }

    fn insert(&mut self, ty: &ResourceType, name: &str) {
        if let Some(ext) = ty.extension(name) {
            self.extensions
                .entry(ext.schema.id.clone())
                .or_default()
                .whole = true;
            return;
        }
        let Some(r) = ty.resolve(name) else {
            return;
        };
        let attributes = match r.extension_urn() {
            None => &mut self.core,
            Some(urn) => {
                &mut self
                    .extensions
                    .entry(urn.to_owned())
                    .or_default()
                    .attributes
            }
        };
        let sub = r.sub_attribute().map(|s| s.name.as_str());
        match attributes.get_mut(r.attribute().name.as_str()) {
            Some(subs) => subs.add(sub),
            None => {
                let subs = match sub {
                    None => Subs::All,
                    Some(s) => Subs::Only(std::iter::once(s.to_owned()).collect()),
                };
                attributes.insert(r.attribute().name.clone(), subs);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.core.is_empty() && self.extensions.is_empty()
    }

    fn is_whole_extension(&self, urn: &str) -> bool {
        self.extensions.get(urn).is_some_and(|e| e.whole)
    }

    /// What the list names of the attribute `attr` of the extension `ext` (`None`: core or
    /// common), both canonical.
    fn get(&self, ext: Option<&str>, attr: &str) -> Option<&Subs> {
        match ext {
            None => self.core.get(attr),
            Some(urn) => self.extensions.get(urn)?.attributes.get(attr),
        }
    }
}

impl Subs {
    /// Merges one more name of the same attribute: the attribute itself (`None`) or one of
    /// its sub-attributes.
    fn add(&mut self, sub: Option<&str>) {
        match (self, sub) {
            (Subs::All, _) => {}
            (this @ Subs::Only(_), None) => *this = Subs::All,
            (Subs::Only(subs), Some(s)) => {
                if !subs.contains(s) {
                    subs.insert(s.to_owned());
                }
            }
        }
    }
}

/// What to do with one top-level attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision<'p> {
    Drop,
    /// Return it; `only` limits sub-attributes (None = all returnable ones), `minus` removes some.
    Keep {
        only: Option<&'p NameSet>,
        minus: Option<&'p NameSet>,
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
                    minus: None,
                    requested: true,
                };
            }
            Returned::Default | Returned::Request => {}
        }
        let (only, requested) = match &p.attributes {
            None if attr.returned == Returned::Request => return Decision::Drop,
            None => (None, false),
            Some(selection) => match selection.get(ext, &attr.name) {
                None => return Decision::Drop,
                Some(Subs::All) => (None, true),
                Some(Subs::Only(subs)) => (Some(subs), true),
            },
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
        only: Option<&'p NameSet>,
        requested: bool,
    ) -> Self {
        let minus = match p.excluded.get(ext, &attr.name) {
            Some(Subs::All) => return Decision::Drop,
            Some(Subs::Only(subs)) => Some(subs),
            None => None,
        };
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
                    if minus.is_some_and(|m| m.contains(sub.name.as_str())) {
                        return false;
                    }
                    match only {
                        Some(subs) => subs.contains(sub.name.as_str()),
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
