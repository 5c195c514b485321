//! Versions and preconditions (RFC 7644 §3.14): `If-Match` on writes, `If-None-Match` on
//! reads, and the entity-tag comparison both use.

use http::HeaderMap;
use http::header::{IF_MATCH, IF_NONE_MATCH};

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
