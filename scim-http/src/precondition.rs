//! Versions and preconditions (RFC 7644 §3.14): the entity tag of a representation,
//! `If-Match` on writes, `If-None-Match` on reads, and the comparison both use.
//!
//! # What a version covers
//!
//! A store's `meta.version` covers what the resource's own row holds: its stored attributes
//! and, for a group, its member set and its members' names (a renamed member gives the few
//! groups that list it a new version). It does not cover what is derived from *other*
//! resources on read and may change without the resource being written: a User's `groups`
//! (a renamed group writes no member rows) and the enterprise `manager.displayName`. The
//! entity tag the server sends ([`entity_tag`]: `ETag`, `meta.version`) is the store's
//! version plus a digest of those derived values, so `If-None-Match` answers 304 only when
//! the representation would be identical, and an `If-Match` written against a stale
//! representation fails with 412.

use http::HeaderMap;
use http::header::{IF_MATCH, IF_NONE_MATCH};
use scim_core::{Resource, urn};
use serde_json::Value;

/// The entity tag of a resource as a store returned it (RFC 7232 §2.3; RFC 7644 §3.14): its
/// `meta.version` when nothing in it is derived from other resources, otherwise the version
/// and a digest of the derived values (`groups`, the enterprise `manager.displayName`), e.g.
/// `W/"3-9f86d081884c7d65"`. `None` when the store set no version.
///
/// The digest is FNV-1a (64 bits) over the values' JSON: stable across processes and
/// releases, so replicas agree on tags.
pub fn entity_tag(resource: &Resource) -> Option<String> {
    let version = resource.version()?;
    let mut digest = Fnv::new();
    let mut derived = false;
    if let Some(groups) = resource.get("groups") {
        derived = true;
        digest.json(groups);
    }
    if let Some(name) = resource
        .extension(urn::ENTERPRISE_USER)
        .and_then(|e| e.get("manager"))
        .and_then(|m| m.get("displayName"))
    {
        derived = true;
        digest.json(name);
    }
    if !derived {
        return Some(version.to_owned());
    }
    Some(format!("W/\"{}-{:016x}\"", opaque_tag(version), digest.0))
}

/// FNV-1a, 64 bits (a few lines: not worth a dependency).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn json(&mut self, v: &Value) {
        // Serialising a `Value` into a `Vec` cannot fail.
        let bytes = serde_json::to_vec(v).unwrap_or_default();
        self.bytes(&bytes);
        self.bytes(&[0]);
    }
}

/// A version precondition (RFC 7644 §3.14): the client's `If-Match`, or the version a
/// read-check-write cycle read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition<'a> {
    /// No precondition (or `If-Match: *`).
    Any,
    /// The stored `meta.version` must match this entity tag or list of tags (e.g. `W/"3"`).
    /// Compare with [`Precondition::matches`].
    Version(&'a str),
}

impl<'a> Precondition<'a> {
    /// The precondition of a request's `If-Match` header; absent, empty or `*` is
    /// [`Precondition::Any`].
    pub fn if_match(headers: &'a HeaderMap) -> Self {
        match header(headers, IF_MATCH).map(str::trim) {
            None | Some("*") | Some("") => Precondition::Any,
            Some(tags) => Precondition::Version(tags),
        }
    }

    /// Whether a resource whose `meta.version` is `current` satisfies the precondition.
    /// Entity tags compare weakly (RFC 7232 §2.3.2: `W/"3"` matches `"3"`), and a
    /// comma-separated list matches if any member does.
    pub fn matches(&self, current: Option<&str>) -> bool {
        match self {
            Precondition::Any => true,
            Precondition::Version(wanted) => current.is_some_and(|c| any_tag_matches(wanted, c)),
        }
    }
}

/// Whether a read should answer 304 Not Modified: the request's `If-None-Match` lists the
/// current version (or `*`).
pub(crate) fn not_modified(headers: &HeaderMap, current: Option<&str>) -> bool {
    match (header(headers, IF_NONE_MATCH), current) {
        (Some(tags), Some(current)) => any_tag_matches(tags, current),
        _ => false,
    }
}

/// Whether `current` is one of the comma-separated entity tags in `list` (or `list` has `*`).
fn any_tag_matches(list: &str, current: &str) -> bool {
    let cur = opaque_tag(current);
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || opaque_tag(t) == cur)
}

/// The opaque part of an entity tag: `W/"3"` and `"3"` both give `3`.
fn opaque_tag(tag: &str) -> &str {
    let t = tag.trim();
    let t = t
        .strip_prefix("W/")
        .or_else(|| t.strip_prefix("w/"))
        .unwrap_or(t);
    t.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t)
}

fn header(headers: &HeaderMap, name: http::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(v: Value) -> Resource {
        Resource::from_map(v.as_object().cloned().unwrap())
    }

    #[test]
    fn the_entity_tag_covers_derived_values_only_when_there_are_some() {
        let plain = resource(json!({"id": "u1", "meta": {"version": "W/\"3\""}}));
        assert_eq!(entity_tag(&plain).as_deref(), Some("W/\"3\""));
        let in_a = resource(json!({"id": "u1", "meta": {"version": "W/\"3\""},
            "groups": [{"value": "g1", "display": "A"}]}));
        let in_b = resource(json!({"id": "u1", "meta": {"version": "W/\"3\""},
            "groups": [{"value": "g1", "display": "B"}]}));
        let a = entity_tag(&in_a).unwrap();
        assert!(a.starts_with("W/\"3-"), "{a}");
        assert_ne!(Some(a.clone()), entity_tag(&in_b));
        assert_eq!(Some(a.clone()), entity_tag(&in_a));
        assert!(Precondition::Version(&a).matches(Some(&a)));
        let managed = |name: &str| {
            resource(json!({"id": "u2", "meta": {"version": "W/\"1\""},
                urn::ENTERPRISE_USER: {"manager": {"value": "m", "displayName": name}}}))
        };
        assert_ne!(entity_tag(&managed("X")), entity_tag(&managed("Y")));
        assert_eq!(entity_tag(&resource(json!({"id": "u3"}))), None);
    }

    #[test]
    fn weak_and_strong_tags_match_and_lists_match_any() {
        let p = Precondition::Version("W/\"2\", \"3\"");
        assert!(p.matches(Some("W/\"3\"")));
        assert!(p.matches(Some("\"2\"")));
        assert!(!p.matches(Some("W/\"4\"")));
        assert!(!p.matches(None));
        assert!(Precondition::Any.matches(None));
        assert!(Precondition::Version("*").matches(Some("W/\"9\"")));
    }

    #[test]
    fn if_none_match_uses_the_same_comparison() {
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, Some("W/\"1\"")));
        h.insert(IF_NONE_MATCH, "\"1\"".parse().unwrap());
        assert!(not_modified(&h, Some("W/\"1\"")));
        assert!(!not_modified(&h, Some("W/\"2\"")));
        assert!(!not_modified(&h, None));
        h.insert(IF_MATCH, " * ".parse().unwrap());
        assert_eq!(Precondition::if_match(&h), Precondition::Any);
    }
}
