//! Okta (and other IdPs): the group and user PATCH shapes they send, and what the outcome tells
//! a store about them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use scim_core::{Resource, ScimType};
use scim_patch::{MemberChange, Patch, PatchOptions, ValueIndex};
use serde_json::{Value, json};
use support::*;

fn ids(r: &Resource) -> Vec<String> {
    let mut ids: Vec<String> = r
        .get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[test]
fn okta_deactivates_a_user_without_a_path() {
    let (after, outcome) = patched(
        &users(),
        &user(),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .unwrap();
    assert_eq!(after.get("active"), Some(&json!(false)));
    assert_eq!(outcome.modified(), ["active"]);
    assert!(outcome.deltas().is_empty());
}

#[test]
fn okta_renames_a_group_echoing_its_id() {
    let g = group_of(3);
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([{"op": "replace", "value": {"id": "g", "displayName": "Test SCIMv2"}}]),
    )
    .unwrap();
    assert_eq!(after.get("displayName"), Some(&json!("Test SCIMv2")));
    assert_eq!(outcome.modified(), ["displayName"]);
}

#[test]
fn okta_adds_many_members_at_once() {
    let g = group_of(20);
    let value: Vec<Value> = (15..40)
        .map(|i| json!({"value": format!("m{i}"), "display": format!("Member {i}")}))
        .collect();
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([{"op": "add", "path": "members", "value": value}]),
    )
    .unwrap();
    assert_eq!(ids(&after).len(), 40);
    let delta = outcome.members().unwrap();
    assert_eq!(delta.added().len(), 20, "m15..m19 were members already");
    assert!(delta.removed().is_empty() && !delta.rewritten());
    assert_eq!(delta.added_ids().next(), Some("m20"));
}

#[test]
fn okta_replaces_members_with_the_full_list() {
    let g = group_of(5);
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([{"op": "replace", "path": "members", "value": [
            {"value": "m1", "display": "Member 1"}, {"value": "m4", "display": "Member 4"},
            {"value": "new"}, {"value": "new"}
        ]}]),
    )
    .unwrap();
    assert_eq!(ids(&after), ["m1", "m4", "new"]);
    let delta = outcome.members().unwrap();
    let mut removed: Vec<&str> = delta.removed_ids().collect();
    removed.sort_unstable();
    assert_eq!(removed, ["m0", "m2", "m3"]);
    assert_eq!(delta.added_ids().collect::<Vec<_>>(), ["new"]);
    assert!(!delta.rewritten());

    // The same list again changes nothing (and keeps the version).
    let same = json!([{"op": "replace", "path": "members", "value": after.get("members").unwrap().clone()}]);
    let (again, outcome) = patched(&groups(), &after, same).unwrap();
    assert_eq!(again, after);
    assert!(!outcome.changed());
}

#[test]
fn okta_removes_members_by_filter_and_by_value_list() {
    let g = group_of(6);
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([
            {"op": "remove", "path": "members[value eq \"m2\"]"},
            {"op": "remove", "path": "members", "value": [{"value": "m4"}, {"value": "m5"}]},
            {"op": "remove", "path": "members[value eq \"gone\"]"}
        ]),
    )
    .unwrap();
    assert_eq!(ids(&after), ["m0", "m1", "m3"]);
    assert_eq!(outcome.members().unwrap().removed().len(), 3);
    // Values match exactly: ids are caseExact.
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([{"op": "remove", "path": "members[value eq \"M2\"]"}]),
    )
    .unwrap();
    assert_eq!(after, g);
    assert!(!outcome.changed());
}

#[test]
fn a_member_removed_and_added_back_nets_out() {
    let g = group_of(4);
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([
            {"op": "remove", "path": "members[value eq \"m1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "m1", "display": "Member 1"}, {"value": "m9"}]},
            {"op": "remove", "path": "members[value eq \"m9\"]"}
        ]),
    )
    .unwrap();
    assert_eq!(ids(&after), ids(&g));
    assert!(!outcome.changed(), "{outcome:?}");
    // Added back with another display: a rewrite the store must persist.
    let (_, outcome) = patched(
        &groups(),
        &g,
        json!([
            {"op": "remove", "path": "members[value eq \"m1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "m1", "display": "Renamed"}]}
        ]),
    )
    .unwrap();
    assert!(outcome.changed());
    assert!(outcome.members().unwrap().rewritten());
}

#[test]
fn removing_the_last_member_unassigns_members() {
    let g = group_of(1);
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([{"op": "remove", "path": "members[value eq \"m0\"]"}]),
    )
    .unwrap();
    assert!(after.get("members").is_none());
    assert_eq!(outcome.modified(), ["members"]);
}

#[test]
fn bare_member_ids_are_accepted_when_lenient() {
    let (after, _) = patched(
        &groups(),
        &group_of(1),
        json!([{"op": "add", "path": "members", "value": ["m7", "m8"]}]),
    )
    .unwrap();
    assert_eq!(ids(&after), ["m0", "m7", "m8"]);
    let err = patched_with(
        &groups(),
        &group_of(1),
        json!([{"op": "add", "path": "members", "value": ["m7"]}]),
        &PatchOptions::strict(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidValue);
}

#[test]
fn member_plan_lets_a_store_skip_loading_members() {
    let req = request(json!([
        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}, {"value": "u2"}]},
        {"op": "Remove", "path": "members", "value": [{"value": "u3"}]},
        {"op": "remove", "path": "members[value eq \"u4\"]"},
        {"op": "replace", "value": {"displayName": "Renamed", "members": [{"value": "u5"}, {"value": "u5"}]}},
        {"op": "remove", "path": "members"}
    ]));
    let groups = groups();
    let patch = Patch::parse(&req, &groups, &PatchOptions::default()).unwrap();
    let plan = patch.member_plan("members").unwrap();
    assert_eq!(
        plan.changes(),
        [
            MemberChange::Add(vec![json!({"value": "u1"}), json!({"value": "u2"})]),
            MemberChange::Remove(vec!["u3".to_owned()]),
            MemberChange::Remove(vec!["u4".to_owned()]),
            MemberChange::Set(vec![json!({"value": "u5"})]),
            MemberChange::Clear,
        ]
    );
    assert_eq!(plan.rest().targets(), ["displayName"]);
    // The rest applies to the group loaded without members.
    let mut g = group_of(0);
    plan.rest().apply(&mut g).unwrap();
    assert_eq!(g.get("displayName"), Some(&json!("Renamed")));

    // Operations that need the members themselves cannot be split off.
    for ops in [
        json!([{"op": "remove", "path": "members[display sw \"A\"]"}]),
        json!([{"op": "add", "path": "members[value eq \"u1\"]", "value": {"display": "x"}}]),
    ] {
        let p = Patch::parse(&request(ops), &groups, &PatchOptions::default()).unwrap();
        assert!(p.member_plan("members").is_none());
    }
    let strict = Patch::parse(
        &request(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}])),
        &groups,
        &PatchOptions::strict(),
    )
    .unwrap();
    assert!(
        strict.member_plan("members").is_none(),
        "strict removal must fail when absent"
    );
    assert!(patch.member_plan("displayName").is_none());
}

#[test]
fn a_caller_index_follows_every_change_and_survives_failures() {
    let groups = groups();
    let mut g = group_of(50);
    let mut index = ValueIndex::new(&g, "members");
    let steps = [
        json!([{"op": "add", "path": "members", "value": [{"value": "x1"}, {"value": "m3"}]}]),
        json!([{"op": "remove", "path": "members[value eq \"m10\"]"}]),
        json!([{"op": "remove", "path": "members", "value": [{"value": "m0"}, {"value": "x1"}, {"value": "m49"}, {"value": "m48"}, {"value": "m47"}]}]),
        json!([{"op": "replace", "path": "members[value eq \"m20\"]", "value": {"value": "y20"}}]),
        // Fails (noTarget) after changing members: the index must not be left half-updated.
        json!([{"op": "add", "path": "members", "value": [{"value": "z"}]}, {"op": "replace", "path": "members[display sw \"nobody\"].display", "value": "x"}]),
        json!([{"op": "remove", "path": "members[display ew \"5\"]"}]),
        json!([{"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}]),
        json!([{"op": "add", "path": "members", "value": [{"value": "c"}]}]),
    ];
    for (i, ops) in steps.into_iter().enumerate() {
        let p = Patch::parse(&request(ops), &groups, &PatchOptions::default()).unwrap();
        let mut plain = g.clone();
        let expected = p.apply(&mut plain);
        let got = p.apply_indexed(&mut g, &mut index);
        assert_eq!(got, expected, "step {i}");
        assert_eq!(g, plain, "step {i}");
        // The maintained index is the one a rebuild gives, and answers like the array.
        assert_eq!(index, ValueIndex::new(&g, "members"), "step {i}");
        let present = ids(&g);
        for id in ["x1", "m3", "m10", "m0", "y20", "z", "a", "c", "m5", "m15"] {
            assert_eq!(
                index.contains(&g, id),
                present.iter().any(|p| p == id),
                "step {i} {id}"
            );
        }
    }
    assert_eq!(ids(&g), ["a", "b", "c"]);
    assert_eq!(index, ValueIndex::new(&g, "members"));
}

#[test]
fn an_index_of_another_attribute_or_a_stale_one_does_no_harm() {
    let groups = groups();
    let p = Patch::parse(
        &request(
            json!([{"op": "add", "path": "members", "value": [{"value": "m1"}, {"value": "n"}]}]),
        ),
        &groups,
        &PatchOptions::default(),
    )
    .unwrap();
    let mut g = group_of(3);
    let mut other = ValueIndex::new(&g, "displayName");
    p.apply_indexed(&mut g, &mut other).unwrap();
    assert_eq!(ids(&g), ["m0", "m1", "m2", "n"]);
    // An index built before the group changed elsewhere.
    let mut g = group_of(3);
    let mut stale = ValueIndex::new(&g, "members");
    g.insert("members", json!([{"value": "n"}, {"value": "q"}]));
    p.apply_indexed(&mut g, &mut stale).unwrap();
    assert_eq!(ids(&g), ["m1", "n", "q"]);
}
