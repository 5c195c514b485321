//! The server's limits on PATCH (RFC 7644 §3.5.2): every path, value filters included, is
//! parsed within `PatchOptions::parse` (`invalidPath` beyond), and a request holds at most
//! `PatchOptions::max_operations` operations (`tooMany` beyond). Each limit is checked before
//! anything is changed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use scim_core::message::PatchRequest;
use scim_core::{ScimError, ScimType};
use scim_filter::ParseOptions;
use scim_patch::{Patch, PatchError, PatchOptions};
use serde_json::{Value, json};
use support::*;

fn limits(max_depth: usize, max_len: usize) -> ParseOptions {
    ParseOptions { max_depth, max_len }
}

fn replace_at(path: &str) -> Value {
    json!([{"op": "replace", "path": path, "value": "x"}])
}

#[test]
fn path_longer_than_max_len_is_invalid_path() {
    let users = users();
    // A plain path (resolved without the grammar) and a value path, each over 16 bytes.
    for path in [
        "urn:ietf:params:scim:schemas:core:2.0:User:nickName",
        "emails[type eq \"work\"].value",
    ] {
        assert!(path.len() > 16);
        let req = request(replace_at(path));
        for base in [PatchOptions::default(), PatchOptions::strict()] {
            assert!(Patch::parse(&req, &users, &base).is_ok(), "{path}");
            let opts = base.parse_limits(limits(64, 16));
            let err = Patch::parse(&req, &users, &opts).unwrap_err();
            assert!(
                matches!(err, PatchError::InvalidPath { op: 0, .. }),
                "{err:?}"
            );
            let detail = ScimError::from(err).detail().to_owned();
            assert!(detail.contains("16"), "{detail}");
        }
        // At the limit exactly, it parses.
        let opts = PatchOptions::default().parse_limits(limits(64, path.len()));
        assert!(Patch::parse(&req, &users, &opts).is_ok(), "{path}");
    }
}

#[test]
fn over_long_path_is_not_echoed_whole() {
    let users = users();
    let path = format!("emails[value eq \"{}\"]", "a".repeat(10_000));
    let opts = PatchOptions::default().parse_limits(limits(64, 1_000));
    let err = Patch::parse(&request(replace_at(&path)), &users, &opts).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidPath);
    let shown = err.path().unwrap();
    assert!(
        shown.ends_with('…') && shown.chars().count() == 65,
        "{shown}"
    );
    assert!(err.to_string().len() < 500, "{err}");
}

#[test]
fn path_nested_deeper_than_max_depth_is_invalid_path() {
    let users = users();
    // Depth 3: the value path's `[` and two groups.
    let path = "emails[((type eq \"work\"))].value";
    let req = request(replace_at(path));
    assert!(Patch::parse(&req, &users, &PatchOptions::default()).is_ok());
    let ok = PatchOptions::default().parse_limits(limits(3, 1024));
    assert!(Patch::parse(&req, &users, &ok).is_ok());
    for base in [PatchOptions::default(), PatchOptions::strict()] {
        let opts = base.parse_limits(limits(2, 1024));
        let err = Patch::parse(&req, &users, &opts).unwrap_err();
        assert!(
            matches!(err, PatchError::InvalidPath { op: 0, .. }),
            "{err:?}"
        );
        assert_eq!(err.path(), Some(path));
        assert!(err.to_string().contains("deeper than 2"), "{err}");
    }
    // A `not (…)` counts too.
    let req = request(replace_at("emails[not (type eq \"home\")].value"));
    assert!(
        Patch::parse(
            &req,
            &users,
            &PatchOptions::default().parse_limits(limits(2, 1024))
        )
        .is_ok()
    );
    let err = Patch::parse(
        &req,
        &users,
        &PatchOptions::default().parse_limits(limits(1, 1024)),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidPath);
}

#[test]
fn limits_apply_to_from_request_too() {
    let users = users();
    let opts = PatchOptions::default()
        .parse_limits(limits(1, 1024))
        .max_operations(1);
    let deep = request(replace_at("emails[(type eq \"work\")].value"));
    let err = Patch::from_request(deep, &users, &opts).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidPath);
    let two = request(json!([
        {"op": "replace", "path": "nickName", "value": "a"},
        {"op": "replace", "path": "title", "value": "b"}
    ]));
    let err = Patch::from_request(two, &users, &opts).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::TooMany);
}

fn ops(n: usize) -> PatchRequest {
    let list: Vec<Value> = (0..n)
        .map(|i| json!({"op": "replace", "path": "nickName", "value": format!("n{i}")}))
        .collect();
    request(Value::Array(list))
}

#[test]
fn more_operations_than_max_operations_is_too_many() {
    let users = users();
    let opts = PatchOptions::strict().max_operations(3);
    assert!(Patch::parse(&ops(3), &users, &opts).is_ok());
    let err = Patch::parse(&ops(4), &users, &opts).unwrap_err();
    assert_eq!(err, PatchError::TooManyOperations { count: 4, limit: 3 });
    assert_eq!(err.op_index(), None);
    let scim = ScimError::from(err);
    assert_eq!(scim.status(), 400);
    assert_eq!(scim.scim_type(), Some(ScimType::TooMany));
    assert!(scim.detail().contains("at most 3"), "{}", scim.detail());
}

#[test]
fn default_max_operations_is_one_thousand() {
    let users = users();
    let opts = PatchOptions::default();
    assert_eq!(opts.max_operations, 1_000);
    let mut user = user();
    let before = user.clone();
    let err = Patch::parse(&ops(1_001), &users, &opts).unwrap_err();
    assert_eq!(
        err,
        PatchError::TooManyOperations {
            count: 1_001,
            limit: 1_000
        }
    );
    assert!(ScimError::from(err).detail().contains("1000"));
    let outcome = Patch::parse(&ops(1_000), &users, &opts)
        .unwrap()
        .apply(&mut user)
        .unwrap();
    assert!(outcome.changed());
    assert_eq!(user.get("nickName"), Some(&json!("n999")));
    assert_ne!(user, before);
}
