//! Unit tests of the evaluator.

use scim_core::ScimError;

use super::*;
use serde_json::json;

fn user() -> Resource {
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223", "userName": "bjensen", "active": true, "title": "",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "meta": {"lastModified": "2011-05-13T04:42:34Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}
    }))
    .unwrap()
}

fn eval(f: &str) -> Result<bool, EvalError> {
    matches(&Filter::parse(f).unwrap(), &user(), &ResourceType::user())
}

#[test]
fn evaluation_table() {
    let cases = [
        (r#"userName eq "BJENSEN""#, true),
        (r#"userName ne "bjensen""#, false),
        (r#"userName sw "BJ""#, true),
        (r#"userName ew "SEN""#, true),
        (r#"userName co "jen""#, true),
        (r#"userName gt "a""#, true),
        (r#"userName lt "a""#, false),
        (r#"id eq "2819C223""#, false),
        (r#"id eq "2819c223""#, true),
        ("title pr", false),
        ("name pr", true),
        ("nickName pr", false),
        ("title eq null", true), // "" is unassigned, like for `pr`
        ("nickName eq null", true),
        ("nickName ne null", false),
        ("active eq true", true),
        (r#"active eq "True""#, true),
        ("active ne true", false),
        (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
        (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"emails co "example.com""#, true),
        (r#"emails.type eq "home""#, true),
        (
            r#"emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (r#"emails[type eq "home" and primary eq true]"#, false),
        (
            r#"emails[type eq "work"].value eq "BJENSEN@example.com""#,
            true,
        ),
        (
            r#"emails[type eq "home"].value eq "bjensen@example.com""#,
            false,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (r#"employeeNumber eq "701984""#, true),
        (r#"urn:acme:ext:2.0:User:level ge 3"#, false),
        (r#"not (urn:acme:ext:2.0:User:level ge 3)"#, true),
        (r#"nope eq "x""#, false),
        (r#"userName eq "x" or name.givenName sw "bar""#, true),
        (r#"not (userName eq "bjensen")"#, false),
    ];
    for (f, want) in cases {
        assert_eq!(eval(f), Ok(want), "{f}");
    }
}

#[test]
fn incompatible_comparisons_are_invalid_filter() {
    for f in [
        "active gt true",
        "active co true",
        r#"userName eq 12"#,
        "userName eq true",
        r#"meta.lastModified gt "yesterday""#,
        r#"meta.lastModified co "2011""#,
        r#"name eq "x""#,
        r#"userName[value eq "x"]"#,
        "userName gt null",
        r#"x509Certificates.value gt "AAAA""#,
    ] {
        let err = eval(f).unwrap_err();
        let scim: ScimError = err.into();
        assert_eq!(
            scim.scim_type(),
            Some(scim_core::ScimType::InvalidFilter),
            "{f}"
        );
    }
}

#[test]
fn unicode_case_folding() {
    let r = Resource::from_value(json!({"userName": "Ünïcødé@例え.jp"})).unwrap();
    let f = Filter::parse(r#"userName eq "ünÏcødé@例え.JP""#).unwrap();
    assert!(f.compile(&ResourceType::user()).unwrap().matches(&r));
    let f = Filter::parse(r#"userName sw "ÜNÏ""#).unwrap();
    assert!(f.compile(&ResourceType::user()).unwrap().matches(&r));
}

#[test]
fn numbers_compare_as_numbers() {
    use std::sync::Arc;
    let ext = scim_core::Schema::new(
        "urn:acme:2.0:User",
        "Acme",
        vec![Attribute::integer("level"), Attribute::decimal("score")],
    );
    let ty = ResourceType::user().with_extension(Arc::new(ext), false);
    let r = Resource::from_value(json!({"urn:acme:2.0:User": {"level": 10, "score": -1500.5}}))
        .unwrap();
    for (f, want) in [
        ("urn:acme:2.0:User:level ge 3", true),
        ("urn:acme:2.0:User:level gt 10", false),
        ("urn:acme:2.0:User:level eq 10.0", true),
        ("urn:acme:2.0:User:score lt -1.5e3", true),
        ("level eq 10", true),
    ] {
        assert_eq!(
            matches(&Filter::parse(f).unwrap(), &r, &ty),
            Ok(want),
            "{f}"
        );
    }
    assert!(matches(&Filter::parse(r#"level eq "10""#).unwrap(), &r, &ty).is_err());
}

#[test]
fn value_filters_with_patch_options() {
    let groups = ResourceType::group();
    let members = groups.resolve("members").unwrap().attribute();
    let users = ResourceType::user();
    let emails = users.resolve("emails").unwrap().attribute();
    let strict = ValueFilterOptions::default().unknown_is_error(true);

    // Unknown sub-attribute: no match by default, an error when asked.
    let f = Filter::parse(r#"nope eq "x""#).unwrap();
    assert!(
        !f.compile_for_values(emails)
            .unwrap()
            .matches_value(&json!({"nope": "x"}))
    );
    assert!(matches!(
        f.compile_for_values_with(emails, strict),
        Err(EvalError::UnknownAttribute { .. })
    ));

    // The attribute's own name as a prefix.
    let f = Filter::parse(r#"emails.type eq "WORK""#).unwrap();
    assert!(
        f.compile_for_values_with(emails, strict)
            .unwrap()
            .matches_value(&json!({"type": "work"}))
    );

    // Member ids compare exactly with `exact_value`, as the schema says otherwise.
    let f = Filter::parse(r#"value eq "ABC""#).unwrap();
    let exact = f
        .compile_for_values_with(members, strict.exact_value(true))
        .unwrap();
    assert!(exact.matches_value(&json!({"value": "ABC"})));
    assert!(!exact.matches_value(&json!({"value": "abc"})));
    assert!(
        !exact.matches_value(&json!("ABC")),
        "non-objects never match"
    );
    assert!(Matcher::always().matches_value(&json!({})));
}

#[test]
fn long_chains_compile_and_resolve_without_recursion() {
    let text = (0..8000)
        .map(|i| format!("userName eq \"u{i}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let opts = crate::options::ParseOptions {
        max_len: 1 << 20,
        ..crate::options::ParseOptions::DEFAULT
    };
    let f = Filter::parse_with(&text, &opts).unwrap();
    let users = ResourceType::user();
    let r = Resource::from_value(json!({"userName": "U7999"})).unwrap();
    assert!(f.compile(&users).unwrap().matches(&r));
    let resolved = f.resolve(&users).unwrap();
    assert_eq!(resolved, f);
    // Filter's Drop is iterative: the long trees drop without recursion.
    drop((f, resolved));
}

#[test]
fn resolve_canonicalises_and_rejects_unknown() {
    let users = ResourceType::user();
    let f = Filter::parse(r#"USERNAME eq "x" and EMAILS[TYPE eq "work"] and urn:ietf:params:scim:schemas:core:2.0:User:name.GIVENNAME pr and DEPARTMENT eq "y""#)
        .unwrap();
    assert_eq!(
        f.resolve(&users).unwrap().to_string(),
        r#"userName eq "x" and emails[type eq "work"] and name.givenName pr and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "y""#
    );
    let err = Filter::parse(r#"nope eq "x""#)
        .unwrap()
        .resolve(&users)
        .unwrap_err();
    assert!(matches!(err, EvalError::UnknownAttribute { .. }));
}
