//! The shared corpus (vendored in `tests/data/`): every valid filter parses and survives print → parse; every invalid one is
//! rejected as `invalidFilter`.

use scim_core::{ScimError, ScimType};
use scim_filter::{Filter, Grammar};

const VALID: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/filters.txt"
));
const INVALID: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/filters_invalid.txt"
));

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
}

#[test]
fn every_valid_filter_parses_and_round_trips() {
    let mut count = 0;
    for (n, line) in lines(VALID) {
        let parsed = Filter::parse(line).unwrap_or_else(|e| panic!("line {n}: {line:?}: {e}"));
        let printed = parsed.to_string();
        let reparsed =
            Filter::parse(&printed).unwrap_or_else(|e| panic!("line {n}: {printed:?}: {e}"));
        assert_eq!(
            reparsed, parsed,
            "line {n}: {line:?} printed as {printed:?}"
        );
        // The canonical form is a fixed point.
        assert_eq!(reparsed.to_string(), printed, "line {n}");
        count += 1;
    }
    assert_eq!(count, 44);
}

#[test]
fn every_invalid_filter_is_an_invalid_filter_error() {
    let mut count = 0;
    for (n, line) in lines(INVALID) {
        let err = match Filter::parse(line) {
            Ok(f) => panic!("line {n}: {line:?} parsed as {f}"),
            Err(err) => err,
        };
        assert_eq!(err.grammar(), Grammar::Filter, "line {n}");
        assert!(err.offset() <= line.len(), "line {n}");
        let scim = ScimError::from(err);
        assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter), "line {n}");
        assert_eq!(scim.status().as_u16(), 400, "line {n}");
        count += 1;
    }
    assert_eq!(count, 15);
}

#[test]
fn entra_lines_read_as_one_value_path() {
    let entra = Filter::parse(r#"emails[type eq "work"].value eq "bjensen@example.com""#).unwrap();
    let rfc =
        Filter::parse(r#"emails[type eq "work" and value eq "bjensen@example.com"]"#).unwrap();
    assert_eq!(entra, rfc);
    assert_eq!(
        entra.to_string(),
        r#"emails[type eq "work" and value eq "bjensen@example.com"]"#
    );
}

#[test]
fn corpus_canonical_forms() {
    let cases = [
        (r#"userName Eq "BJensen""#, r#"userName eq "BJensen""#),
        ("(userName eq \"bjensen\")", r#"userName eq "bjensen""#),
        (
            r#"displayName eq "Say \"hi\" \\ bye""#,
            r#"displayName eq "Say \"hi\" \\ bye""#,
        ),
        (
            "urn:acme:scim:schemas:extension:2.0:User:score lt -1.5e3",
            "urn:acme:scim:schemas:extension:2.0:User:score lt -1500.0",
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails.type eq "work""#,
        ),
    ];
    for (input, canonical) in cases {
        assert_eq!(Filter::parse(input).unwrap().to_string(), canonical);
    }
}
