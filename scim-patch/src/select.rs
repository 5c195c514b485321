//! Member-like attributes (group `members`): which attributes are identified by their `value`.
//!
//! Value filters inside PATCH paths (`emails[type eq "work"]`) are compiled by `scim-filter`
//! ([`scim_filter::Filter::compile_for_values_with`]), with two PATCH rules: a name that is not
//! a sub-attribute is `invalidPath`, and the `value` of a member-like attribute is a resource
//! id, compared exactly (RFC 7643 §3.1: `id` is `caseExact`).

use scim_core::Attribute;
use serde_json::Value;

/// Whether the attribute is "member-like": multi-valued, complex, with `value` and `$ref`
/// sub-attributes. Its values are identified by `value` (a resource id, compared exactly).
pub(crate) fn is_member_like(attr: &Attribute) -> bool {
    attr.multi_valued
        && attr.is_complex()
        && attr.sub_attribute("value").is_some()
        && attr.sub_attribute("$ref").is_some()
}

/// The identity key of a value of a member-like attribute: its `value` string.
pub(crate) fn key_of(v: &Value) -> Option<&str> {
    v.as_object()?.get("value")?.as_str()
}

/// A map for the lifetime of one apply, keyed by ids from the request or the resource: foldhash
/// (seeded per map) instead of SipHash. Such maps are bounded by the request's size limits.
pub(crate) type TempMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
