//! Properties:
//! - a request in which some operation fails leaves the resource byte for byte unchanged (and a
//!   caller's index exact), whatever ran before the failure;
//! - a request that succeeds gives the same result through `apply`, `apply_indexed` and
//!   `apply_to_copy`, and `changed` is true exactly when the resource differs (member order
//!   aside, which SCIM does not define).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use proptest::prelude::*;
use scim_core::{Resource, ResourceType};
use scim_patch::{Patch, PatchOptions, ValueIndex};
use serde_json::{Value, json};
use support::*;

/// Operations on the corpus user that succeed on their own (lenient).
fn user_op() -> impl Strategy<Value = Value> {
    let word = "[a-z]{1,6}";
    prop_oneof![
        word.prop_map(|w| json!({"op": "replace", "path": "displayName", "value": w})),
        word.prop_map(|w| json!({"op": "add", "path": "nickName", "value": w})),
        Just(json!({"op": "remove", "path": "title"})),
        Just(json!({"op": "remove", "path": "nickName"})),
        word.prop_map(|w| json!({"op": "Replace", "path": "name.givenName", "value": w})),
        (word, any::<bool>()).prop_map(|(w, p)| json!({"op": "add", "path": "emails", "value": [{"value": format!("{w}@x.example"), "type": "other", "primary": p}]})),
        word.prop_map(|w| json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": format!("{w}@work.example")})),
        Just(json!({"op": "remove", "path": "emails[type eq \"home\"]"})),
        Just(json!({"op": "remove", "path": "emails"})),
        prop::bool::ANY.prop_map(|b| json!({"op": "Replace", "path": "active", "value": if b { "True" } else { "False" }})),
        word.prop_map(|w| json!({"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": w})),
        Just(json!({"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"})),
        word.prop_map(|w| json!({"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": w})),
        Just(json!({"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"})),
        (word, word).prop_map(|(a, b)| json!({"op": "replace", "value": {"name.familyName": a, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter": b}})),
        word.prop_map(|w| json!({"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": w})),
        Just(json!({"op": "add", "path": "addresses", "value": [{"type": "other", "locality": "Springfield", "primary": true}]})),
        Just(json!({"op": "replace", "path": "addresses[type eq \"home\"].primary", "value": true})),
        Just(json!({"op": "remove", "path": "addresses[type eq \"work\"].formatted"})),
        Just(json!({"op": "replace", "path": "x509Certificates", "value": [{"value": "TUlJRA=="}]})),
    ]
}

/// Operations on the user that fail when applied (not when parsed).
fn user_failure() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(
            json!({"op": "replace", "path": "emails[value sw \"no-such-\"].value", "value": "x@y"})
        ),
        Just(
            json!({"op": "replace", "path": "phoneNumbers[type co \"nope\"]", "value": {"value": "1"}})
        ),
        Just(
            json!({"op": "add", "path": "ims[type eq \"icq\" or type eq \"xmpp\"].display", "value": "x"})
        ),
        Just(json!({"op": "replace", "path": "ims[value sw \"nobody\"]", "value": {"value": "x"}})),
    ]
}

fn member(i: u8) -> Value {
    json!({"value": format!("m{i}"), "display": format!("Member {i}")})
}

/// Operations on a small group that succeed on their own (lenient).
fn group_op() -> impl Strategy<Value = Value> {
    let id = 0u8..24;
    prop_oneof![
        prop::collection::vec(id.clone(), 1..6).prop_map(|v| json!({"op": "add", "path": "members", "value": v.into_iter().map(member).collect::<Vec<_>>()})),
        id.clone().prop_map(|i| json!({"op": "remove", "path": format!("members[value eq \"m{i}\"]")})),
        prop::collection::vec(id.clone(), 1..6).prop_map(|v| json!({"op": "Remove", "path": "members", "value": v.into_iter().map(|i| json!({"value": format!("m{i}")})).collect::<Vec<_>>()})),
        prop::collection::vec(id.clone(), 0..6).prop_map(|v| json!({"op": "replace", "path": "members", "value": v.into_iter().map(member).collect::<Vec<_>>()})),
        Just(json!({"op": "remove", "path": "members"})),
        id.clone().prop_map(|i| json!({"op": "remove", "path": format!("members[display ew \"{i}\"]")})),
        id.prop_map(|i| json!({"op": "replace", "path": format!("members[value eq \"m{i}\"]"), "value": {"value": format!("n{i}")}})),
        "[a-z]{1,5}".prop_map(|w| json!({"op": "replace", "value": {"displayName": w}})),
    ]
}

fn group_failure() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(
            json!({"op": "replace", "path": "members[display sw \"Nobody\"].display", "value": "x"})
        ),
        Just(json!({"op": "add", "path": "members[display co \"zz\"]", "value": {"display": "x"}})),
    ]
}

fn small_group() -> Resource {
    let members: Vec<Value> = (0..12).map(member).collect();
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g", "displayName": "G", "members": members
    }))
    .unwrap()
}

fn with_failure(ops: Vec<Value>, failure: Value, at: prop::sample::Index) -> Value {
    let mut ops = ops;
    let pos = at.index(ops.len() + 1);
    ops.insert(pos, failure);
    Value::Array(ops)
}

/// Fails the case if the request does not fail, or changes the resource or the index.
fn assert_atomic(ty: &ResourceType, resource: &Resource, ops: Value) -> Result<(), TestCaseError> {
    let p = Patch::parse(&request(ops), ty, &PatchOptions::default())
        .map_err(|e| TestCaseError::fail(format!("parse: {e}")))?;
    let before = serde_json::to_string(resource).unwrap();

    let mut r = resource.clone();
    prop_assert!(p.apply(&mut r).is_err());
    prop_assert_eq!(&serde_json::to_string(&r).unwrap(), &before);

    let mut r = resource.clone();
    let mut index = ValueIndex::new(&r, "members");
    let fresh = index.clone();
    prop_assert!(p.apply_indexed(&mut r, &mut index).is_err());
    prop_assert_eq!(&serde_json::to_string(&r).unwrap(), &before);
    prop_assert_eq!(index, fresh);

    prop_assert!(p.apply_to_copy(resource).is_err());
    prop_assert_eq!(serde_json::to_string(resource).unwrap(), before);
    Ok(())
}

/// Members sorted by value: SCIM does not order them, and removals reorder them.
fn normalised(r: &Resource) -> Value {
    let mut v = r.clone().into_value();
    if let Some(Value::Array(m)) = v.get_mut("members") {
        m.sort_by(|a, b| a["value"].as_str().cmp(&b["value"].as_str()));
    }
    v
}

fn assert_consistent(
    ty: &ResourceType,
    resource: &Resource,
    ops: Value,
) -> Result<(), TestCaseError> {
    let (after, outcome) =
        patched(ty, resource, ops).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(
        outcome.changed(),
        normalised(&after) != normalised(resource),
        "{:?}",
        outcome
    );
    for m in outcome.modified() {
        let top = m.rsplit_once(':').map_or(m.as_str(), |(_, n)| n);
        prop_assert!(!top.is_empty());
    }
    // The delta is exact: the ids added are those now present that were not before, the
    // ids removed those present before and gone now (whatever mix of single and wholesale
    // operations produced it).
    let ids = |r: &Resource| -> std::collections::BTreeSet<String> {
        r.get("members")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (was, now) = (ids(resource), ids(&after));
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    if let Some(d) = outcome.members() {
        added = d.added_ids().map(str::to_owned).collect();
        removed = d.removed_ids().map(str::to_owned).collect();
    }
    added.sort();
    removed.sort();
    prop_assert_eq!(added, now.difference(&was).cloned().collect::<Vec<_>>());
    prop_assert_eq!(removed, was.difference(&now).cloned().collect::<Vec<_>>());
    // No empty values are left behind (RFC 7643 §2.5), and `schemas` lists the extension.
    let v = after.into_value();
    for (k, x) in v.as_object().unwrap() {
        prop_assert!(
            !(x.is_null()
                || x.as_array().is_some_and(Vec::is_empty)
                || x.as_object().is_some_and(|o| o.is_empty())),
            "{} is empty",
            k
        );
    }
    if v.get(ENTERPRISE).is_some() {
        prop_assert!(
            v["schemas"]
                .as_array()
                .unwrap()
                .contains(&json!(ENTERPRISE))
        );
    }
    // At most one primary per attribute.
    for attr in ["emails", "addresses", "phoneNumbers"] {
        let primaries = v
            .get(attr)
            .and_then(Value::as_array)
            .map_or(0, |a| a.iter().filter(|e| e["primary"] == true).count());
        prop_assert!(primaries <= 1, "{} has {} primaries", attr, primaries);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_failing_user_request_changes_nothing(
        ops in prop::collection::vec(user_op(), 0..8),
        failure in user_failure(),
        at in any::<prop::sample::Index>(),
    ) {
        assert_atomic(&users(), &user(), with_failure(ops, failure, at))?;
    }

    #[test]
    fn a_failing_group_request_changes_nothing(
        ops in prop::collection::vec(group_op(), 0..8),
        failure in group_failure(),
        at in any::<prop::sample::Index>(),
    ) {
        assert_atomic(&groups(), &small_group(), with_failure(ops, failure, at))?;
    }

    #[test]
    fn successful_user_requests_agree_and_report_changes(ops in prop::collection::vec(user_op(), 1..8)) {
        assert_consistent(&users(), &user(), Value::Array(ops))?;
    }

    #[test]
    fn successful_group_requests_agree_and_report_changes(ops in prop::collection::vec(group_op(), 1..8)) {
        assert_consistent(&groups(), &small_group(), Value::Array(ops))?;
    }
}
