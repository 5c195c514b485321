//! `co`, `sw` and `ew` are linear in the length of the stored value. With a quadratic `co`
//! (every window of the value compared with the needle), a 1 MB value and a 10 KB needle that
//! almost matches everywhere cost about 10^10 byte comparisons: many seconds. These tests are
//! not timed; they finish at once when matching is linear, and would hang the suite otherwise.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::ResourceType;
use scim_filter::{Filter, Matcher};
use serde_json::{Value, json};

const MB: usize = 1 << 20;
const NEEDLE: usize = 10 * 1024;

fn matcher(filter: &str) -> Matcher {
    Filter::parse(filter)
        .unwrap()
        .compile(&ResourceType::user())
        .unwrap()
}

/// A User whose `userName` (caseExact: false) and `externalId` (caseExact: true) are `value`.
fn user(value: &str) -> Value {
    json!({"userName": value, "externalId": value})
}

/// `"aaa…ab"`: `len - 1` times `a`, then `b` (in `upper` case if asked).
fn almost(len: usize, upper: bool) -> String {
    let mut s = if upper { "A" } else { "a" }.repeat(len - 1);
    s.push(if upper { 'B' } else { 'b' });
    s
}

#[test]
fn co_on_a_megabyte_value_with_a_10k_needle_is_linear() {
    let needle = almost(NEEDLE, false);
    let absent = "a".repeat(MB);
    let mut present = "a".repeat(MB);
    present.push_str(&needle[NEEDLE / 2..]); // the needle ends at the very end
    for attr in ["externalId", "userName"] {
        let m = matcher(&format!(r#"{attr} co "{needle}""#));
        assert!(!m.matches_value(&user(&absent)), "{attr}");
        assert!(m.matches_value(&user(&present)), "{attr}");
    }
}

#[test]
fn case_insensitive_co_folds_a_huge_value_once() {
    // userName is caseExact: false; the value is upper case, the needle mixed.
    let mut value = "A".repeat(MB);
    value.push('B');
    let needle = format!("{}b", "a".repeat(NEEDLE - 2) + "A");
    let m = matcher(&format!(r#"userName co "{needle}""#));
    assert!(m.matches_value(&user(&value)));
    let m = matcher(&format!(r#"userName co "{}""#, almost(NEEDLE, true) + "x"));
    assert!(!m.matches_value(&user(&value)));
    // Case-exact: the same needle in lower case does not match the upper-case value.
    let m = matcher(&format!(r#"externalId co "{}""#, almost(NEEDLE, false)));
    assert!(!m.matches_value(&user(&value)));
}

#[test]
fn non_ascii_huge_values_compare_as_unicode_lowercase() {
    // The Unicode path (to_lowercase once per value), then memmem.
    let mut value = "Ü".repeat(MB / 2);
    value.push_str("ÉND");
    let m = matcher(&format!(r#"userName co "{}énd""#, "ü".repeat(NEEDLE / 2)));
    assert!(m.matches_value(&user(&value)));
    let m = matcher(&format!(r#"userName ew "{}ÉnD""#, "Ü".repeat(NEEDLE / 2)));
    assert!(m.matches_value(&user(&value)));
    let m = matcher(&format!(r#"userName sw "{}x""#, "ü".repeat(NEEDLE / 2)));
    assert!(!m.matches_value(&user(&value)));
}

#[test]
fn sw_and_ew_on_huge_values_are_linear() {
    let value = "a".repeat(MB);
    let long = "a".repeat(NEEDLE);
    let near = almost(NEEDLE, false);
    for attr in ["externalId", "userName"] {
        assert!(matcher(&format!(r#"{attr} sw "{long}""#)).matches_value(&user(&value)));
        assert!(matcher(&format!(r#"{attr} ew "{long}""#)).matches_value(&user(&value)));
        assert!(!matcher(&format!(r#"{attr} sw "{near}""#)).matches_value(&user(&value)));
        assert!(!matcher(&format!(r#"{attr} ew "{near}""#)).matches_value(&user(&value)));
    }
    let upper = "A".repeat(MB);
    assert!(matcher(&format!(r#"userName sw "{long}""#)).matches_value(&user(&upper)));
    assert!(!matcher(&format!(r#"externalId ew "{long}""#)).matches_value(&user(&upper)));
}

#[test]
fn many_values_of_a_multi_valued_attribute_are_each_searched() {
    // emails co compares emails.value (caseExact: false) of every email.
    let needle = almost(NEEDLE, false);
    let mut emails: Vec<Value> = (0..64)
        .map(|_| json!({"value": "A".repeat(MB / 64)}))
        .collect();
    let m = matcher(&format!(r#"emails co "{needle}""#));
    assert!(!m.matches_value(&json!({"emails": emails.clone()})));
    emails.push(json!({"value": format!("x{}", needle.to_uppercase())}));
    assert!(m.matches_value(&json!({"emails": emails})));
}
