//! Every request in `tests/data/patches.json` (vendored from `shared/corpus/`) gives the result
//! its checks describe, the same way through `apply`, `apply_indexed` and `apply_to_copy`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use scim_patch::PatchOptions;
use serde_json::Value;
use support::*;

#[test]
fn every_corpus_patch_meets_its_checks() {
    let corpus = json_file("patches.json");
    let cases = corpus.as_array().unwrap();
    assert_eq!(cases.len(), 25);
    let (users, groups) = (users(), groups());
    let mut checks = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (ty, target) = match case["target"].as_str() {
            Some("user") => (&users, user()),
            Some("group") => (&groups, group()),
            other => panic!("{name}: unknown target {other:?}"),
        };
        let ops = case["body"]["Operations"].clone();
        let (after, outcome) = patched(ty, &target, ops).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(outcome.changed(), "{name}: nothing changed");
        let after = after.into_value();
        for check in case["checks"].as_array().unwrap() {
            run_check(&after, check).unwrap_or_else(|e| panic!("{name}: {e}"));
            checks += 1;
        }
        // `meta` is the store's business.
        assert_eq!(
            after["meta"],
            target.get("meta").cloned().unwrap_or(Value::Null),
            "{name}"
        );
    }
    assert!(checks >= 50, "{checks}");
}

#[test]
fn corpus_patches_that_rfc_allows_pass_in_strict_mode_too() {
    let corpus = json_file("patches.json");
    let (users, groups) = (users(), groups());
    for case in corpus.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (ty, target) = match case["target"].as_str() {
            Some("user") => (&users, user()),
            _ => (&groups, group()),
        };
        let ops = case["body"]["Operations"].clone();
        let result = patched_with(ty, &target, ops, &PatchOptions::strict());
        // The Entra-only shapes need the leniencies; everything else is plain RFC.
        let needs_leniency = matches!(
            name,
            "entra-disable-string-bool" | "entra-manager-bare-id" | "entra-remove-member-value"
        );
        assert_eq!(result.is_err(), needs_leniency, "{name}: {result:?}");
    }
}
