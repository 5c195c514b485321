//! PATCH paths (RFC 7644 §3.5.2) and attribute paths (`sortBy`, `attributes`): parse ∘ print ∘
//! parse is stable for both grammars.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scim_filter::{AttrPath, PatchPath};

fuzz_target!(|text: &str| {
    if let Ok(path) = PatchPath::parse(text) {
        let printed = path.to_string();
        let reparsed = PatchPath::parse(&printed).unwrap_or_else(|e| {
            panic!("the printed form of PATCH path {text:?} does not parse: {printed:?}: {e}")
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
    if let Ok(path) = AttrPath::parse(text) {
        let printed = path.to_string();
        let reparsed = AttrPath::parse(&printed).unwrap_or_else(|e| {
            panic!("the printed form of attribute path {text:?} does not parse: {printed:?}: {e}")
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
});
