//! The shared corpus (vendored in `tests/data/`) evaluated: every line of `filters.txt` against `user.json` gives the
//! `T`/`F` of `filters_expected_eval.txt` (RFC 7644 §3.4.2.2 semantics).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::{Resource, ResourceType};
use scim_filter::Filter;

const FILTERS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/filters.txt"
));
const EXPECTED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/filters_expected_eval.txt"
));
const USER: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/user.json"));

/// `(line number, expected)` from `filters_expected_eval.txt`.
fn expected() -> Vec<(usize, bool)> {
    EXPECTED
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let n: usize = parts.next().unwrap().parse().unwrap();
            let want = match parts.next() {
                Some("T") => true,
                Some("F") => false,
                other => panic!("bad expectation {other:?} in {l:?}"),
            };
            (n, want)
        })
        .collect()
}

#[test]
fn every_corpus_filter_evaluates_as_expected_against_user_json() {
    let user = Resource::from_value(serde_json::from_str(USER).unwrap()).unwrap();
    let users = ResourceType::user();
    let filters: Vec<&str> = FILTERS.lines().collect();
    let expected = expected();
    assert_eq!(expected.len(), 44, "filters_expected_eval.txt has 44 lines");
    assert_eq!(
        filters.iter().filter(|l| !l.trim().is_empty()).count(),
        expected.len(),
        "one expectation per filter"
    );

    let mut failures = Vec::new();
    for (n, want) in expected {
        let line = filters[n - 1];
        let got = Filter::parse(line)
            .map_err(|e| e.to_string())
            .and_then(|f| scim_filter::matches(&f, &user, &users).map_err(|e| e.to_string()));
        match got {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("line {n}: expected {want}, got {got}: {line}")),
            Err(e) => failures.push(format!("line {n}: expected {want}, got error {e}: {line}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn compiled_matcher_agrees_with_matches() {
    let user = Resource::from_value(serde_json::from_str(USER).unwrap()).unwrap();
    let users = ResourceType::user();
    for (i, line) in FILTERS.lines().enumerate() {
        let f = Filter::parse(line).unwrap();
        let m = f.compile(&users).unwrap();
        assert_eq!(
            Ok(m.matches(&user)),
            scim_filter::matches(&f, &user, &users),
            "line {}: {line}",
            i + 1
        );
        assert_eq!(
            m.matches(&user),
            m.matches_map(user.as_map()),
            "line {}",
            i + 1
        );
    }
}
