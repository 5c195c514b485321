//! PATCH paths (RFC 7644 §3.5.2) and attribute paths (`sortBy`, `attributes`): parse ∘ print ∘
//! parse is stable for both grammars.
#![no_main]
use std::fmt::{Debug, Display};

use libfuzzer_sys::fuzz_target;
use scim_filter::{AttrPath, PatchPath};

fuzz_target!(|text: &str| {
    roundtrip(text, "PATCH path", PatchPath::parse);
    roundtrip(text, "attribute path", AttrPath::parse);
});

/// If `text` parses, its printed form parses to the same value and prints the same again.
fn roundtrip<T, E>(text: &str, what: &str, parse: impl Fn(&str) -> Result<T, E>)
where
    T: Display + PartialEq + Debug,
    E: Display,
{
    let Ok(path) = parse(text) else {
        return;
    };
    let printed = path.to_string();
    let reparsed = parse(&printed).unwrap_or_else(|e| {
        panic!("the printed form of {what} {text:?} does not parse: {printed:?}: {e}")
    });
    assert_eq!(
        reparsed, path,
        "{text:?} printed as {printed:?} parses to another path"
    );
    assert_eq!(
        reparsed.to_string(),
        printed,
        "printing is not stable for {text:?}"
    );
}
