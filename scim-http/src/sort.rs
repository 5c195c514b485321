//! How resources sort (RFC 7644 §3.4.2.3), for stores that sort in memory and for merging
//! the pages of a root-level `/.search`.

use std::cmp::Ordering;

use scim_core::Resource;
use scim_filter::AttrPath;
use serde_json::Value;

/// The value a resource sorts by: for a multi-valued attribute, the primary value, else the
/// first (RFC 7644 §3.4.2.3); strings folded to lowercase unless the attribute is
/// `caseExact`. Keys order booleans, then numbers, then strings, and unassigned values last
/// (so first in descending order).
///
/// ```
/// use scim_core::Resource;
/// use scim_filter::AttrPath;
/// use scim_http::SortKey;
/// use serde_json::json;
///
/// let a = Resource::from_value(json!({"emails": [{"value": "b@x"}, {"value": "A@x", "primary": true}]}))?;
/// let none = Resource::from_value(json!({}))?;
/// let path = AttrPath::new("emails");
/// assert_eq!(SortKey::of(&a, &path, false), SortKey::Str("a@x".into()));
/// assert!(SortKey::of(&a, &path, false) < SortKey::of(&none, &path, false));
/// # Ok::<(), scim_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string, folded unless `caseExact`.
    Str(String),
    /// No value.
    Missing,
}

impl SortKey {
    /// The key of `resource` for the canonical `path`; `case_exact` is the attribute's.
    pub fn of(resource: &Resource, path: &AttrPath, case_exact: bool) -> SortKey {
        let mut v = match &path.urn {
            Some(u) => resource.get(u).and_then(|e| e.get(&path.name)),
            None => resource.get(&path.name),
        };
        if let Some(Value::Array(items)) = v {
            v = items
                .iter()
                .find(|i| i.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| items.first());
        }
        if let Some(sub) = &path.sub_attr {
            v = v.and_then(|x| x.get(sub));
        } else if let Some(Value::Object(o)) = v {
            v = o.get("value");
        }
        match v {
            Some(Value::Bool(b)) => SortKey::Bool(*b),
            Some(Value::Number(n)) => n.as_f64().map_or(SortKey::Missing, SortKey::Num),
            Some(Value::String(s)) if case_exact => SortKey::Str(s.clone()),
            Some(Value::String(s)) => SortKey::Str(s.to_lowercase()),
            _ => SortKey::Missing,
        }
    }
}

impl Eq for SortKey {}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        use SortKey::*;
        fn rank(k: &SortKey) -> u8 {
            match k {
                Bool(_) => 0,
                Num(_) => 1,
                Str(_) => 2,
                Missing => 3,
            }
        }
        match (self, other) {
            (Bool(a), Bool(b)) => a.cmp(b),
            (Num(a), Num(b)) => a.total_cmp(b),
            (Str(a), Str(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}
