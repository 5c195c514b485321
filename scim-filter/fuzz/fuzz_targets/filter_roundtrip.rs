//! Filters (RFC 7644 §3.4.2.2): parse ∘ print ∘ parse is stable, and resolving, compiling and
//! evaluating a parsed filter against the RFC 7643 §8.2 User never panics.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scim_core::{Resource, ResourceType};
use scim_filter::Filter;

static USERS: LazyLock<ResourceType> = LazyLock::new(ResourceType::user);
static USER: LazyLock<Resource> = LazyLock::new(|| {
    let json: serde_json::Value = serde_json::from_str(include_str!("../../tests/data/user.json"))
        .expect("tests/data/user.json is JSON");
    Resource::from_value(json).expect("tests/data/user.json is a resource")
});

fuzz_target!(|text: &str| {
    let Ok(filter) = Filter::parse(text) else {
        return;
    };
    let printed = filter.to_string();
    let reparsed = Filter::parse(&printed).unwrap_or_else(|e| {
        panic!("the printed form of {text:?} does not parse: {printed:?}: {e}")
    });
    assert_eq!(
        reparsed, filter,
        "{text:?} printed as {printed:?} parses to another tree"
    );
    assert_eq!(
        reparsed.to_string(),
        printed,
        "printing is not stable for {text:?}"
    );

    // Schema-aware work must not panic either; errors are fine.
    if let Ok(resolved) = filter.resolve(&USERS) {
        let again = resolved.to_string();
        let reparsed = Filter::parse(&again)
            .unwrap_or_else(|e| panic!("resolved {text:?} prints as {again:?}, which fails: {e}"));
        assert_eq!(reparsed, resolved, "resolved {text:?} printed as {again:?}");
    }
    if let Ok(matcher) = filter.compile(&USERS) {
        let _ = matcher.matches(&USER);
    }
});
