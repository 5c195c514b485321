//! Unit tests of the parser internals.

use super::*;
use crate::ast::{CompValue, CompareOp};

fn filter(s: &str) -> Filter {
    parse_filter(s, &ParseOptions::DEFAULT).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn error(s: &str) -> (usize, ParseErrorKind) {
    match parse_filter(s, &ParseOptions::DEFAULT) {
        Ok(f) => panic!("{s:?} parsed as {f:?}"),
        Err(e) => (e.offset(), e.kind().clone()),
    }
}

fn pr(name: &str) -> Filter {
    Filter::Present(AttrPath::new(name))
}

#[test]
fn precedence_and_left_fold() {
    let and = |l, r| Filter::And(Box::new(l), Box::new(r));
    let or = |l, r| Filter::Or(Box::new(l), Box::new(r));
    assert_eq!(
        filter("a pr or b pr and c pr"),
        or(pr("a"), and(pr("b"), pr("c")))
    );
    assert_eq!(
        filter("a pr and b pr or c pr"),
        or(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        filter("a pr and b pr and c pr"),
        and(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        filter("a pr and (b pr or c pr)"),
        and(pr("a"), or(pr("b"), pr("c")))
    );
    assert_eq!(
        filter("not(a pr) and NOT  ( b pr )"),
        and(
            Filter::Not(Box::new(pr("a"))),
            Filter::Not(Box::new(pr("b")))
        )
    );
}

#[test]
fn whitespace_is_tolerated() {
    assert_eq!(
        filter(" \t userName   EQ\t\"x\"  \n"),
        filter(r#"userName eq "x""#)
    );
    assert_eq!(filter("( a pr )"), pr("a"));
    assert_eq!(filter("(a pr)or(b pr)"), filter("a pr or b pr"));
}

#[test]
fn entra_value_path_sub_attribute() {
    assert_eq!(
        filter(r#"emails[type eq "work"].value eq "a@b.c""#),
        filter(r#"emails[type eq "work" and value eq "a@b.c"]"#)
    );
    assert_eq!(
        filter(r#"emails[type eq "work"].value pr or x pr"#),
        filter(r#"emails[type eq "work" and value pr] or x pr"#)
    );
    assert_eq!(
        filter(r#"(emails[type eq "work"].value pr)and x pr"#),
        filter(r#"emails[type eq "work" and value pr] and x pr"#)
    );
    assert_eq!(
        error(r#"emails[type eq "work"].value eq "a"and x pr"#).1,
        ParseErrorKind::Expected("a space before 'and'/'or'")
    );
    assert_eq!(
        error(r#"emails[type eq "work"].value"#).1,
        ParseErrorKind::UnexpectedEnd
    );
    assert_eq!(
        error(r#"emails[type eq "work"]."#).1,
        ParseErrorKind::UnexpectedEnd
    );
}

#[test]
fn errors_point_at_the_problem() {
    assert_eq!(error("userName eq"), (11, ParseErrorKind::UnexpectedEnd));
    assert_eq!(
        error("userName eq\"a\""),
        (11, ParseErrorKind::Expected("a space and a value"))
    );
    assert_eq!(error("userName eq "), (12, ParseErrorKind::UnexpectedEnd));
    assert_eq!(
        error(r#"userName xx "a""#),
        (9, ParseErrorKind::UnknownOperator("xx".into()))
    );
    assert_eq!(error(r#"(a eq "b""#), (9, ParseErrorKind::UnexpectedEnd));
    assert_eq!(error(r#"a eq "b")"#), (8, ParseErrorKind::TrailingInput));
    assert_eq!(error("e[a pr]]"), (7, ParseErrorKind::TrailingInput));
    assert_eq!(error("e[a pr)"), (6, ParseErrorKind::Expected("']'")));
    assert_eq!(error("(a pr]"), (5, ParseErrorKind::Expected("')'")));
    assert_eq!(error("e[f[a pr]]"), (3, ParseErrorKind::NestedValuePath));
    assert_eq!(
        error("not a pr"),
        (4, ParseErrorKind::Expected("'(' after 'not'"))
    );
    assert_eq!(error("a pr or or b pr").0, 8);
    assert_eq!(error("title pr \"x\""), (9, ParseErrorKind::TrailingInput));
    assert_eq!(
        error(r#"a eq "x"and b pr"#),
        (8, ParseErrorKind::Expected("a space before 'and'/'or'"))
    );
    assert_eq!(
        error("a.b[c pr]"),
        (3, ParseErrorKind::Expected(NO_SUB_BEFORE_BRACKET))
    );
    assert_eq!(error("").1, ParseErrorKind::UnexpectedEnd);
    assert_eq!(error("   ").1, ParseErrorKind::UnexpectedEnd);
    assert_eq!(error("é pr").0, 0);
}

#[test]
fn depth_is_bounded() {
    let options = ParseOptions {
        max_depth: 3,
        ..ParseOptions::DEFAULT
    };
    assert!(parse_filter("((not (a pr)))", &options).is_ok());
    assert!(parse_filter("((e[not (a pr)]))", &options).is_err());
    let err = parse_filter("(((not (a pr))))", &options).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 3 });
    assert_eq!(err.offset(), 3);
    let zero = ParseOptions {
        max_depth: 0,
        ..ParseOptions::DEFAULT
    };
    assert!(parse_filter("a pr", &zero).is_ok());
    assert!(parse_patch_path("a[b pr]", &zero).is_err());
}

#[test]
fn too_long_reports_a_char_boundary() {
    let options = ParseOptions {
        max_len: 5,
        ..ParseOptions::DEFAULT
    };
    let err = parse_filter("ab\u{e9}\u{e9} pr", &options).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooLong { limit: 5 });
    assert_eq!(err.offset(), 4);
}

#[test]
fn patch_paths() {
    let parse = |s| parse_patch_path(s, &ParseOptions::DEFAULT);
    assert_eq!(
        parse(" members "),
        Ok(PatchPath::Attr(AttrPath::new("members")))
    );
    let p = parse(r#"members[value eq "x"].displayName"#).unwrap();
    assert_eq!(
        p,
        PatchPath::Value {
            value_path: ValuePath {
                attr: AttrPath::new("members"),
                filter: Box::new(Filter::Compare {
                    path: AttrPath::new("value"),
                    op: CompareOp::Eq,
                    value: CompValue::String("x".into()),
                }),
            },
            sub_attr: Some("displayName".into()),
        }
    );
    for (bad, offset) in [
        ("members[", 8),
        ("members[value pr", 16),
        ("members[value pr]x", 17),
        ("members[value pr].", 18),
        ("members[a[b pr]]", 9),
        ("a b", 2),
        ("a.b[c pr]", 3),
        ("", 0),
        ("members[value pr) ", 16),
    ] {
        let err = parse(bad).unwrap_err();
        assert_eq!(err.grammar(), Grammar::Path);
        assert_eq!(err.offset(), offset, "{bad:?}: {err}");
    }
}

#[test]
fn attr_paths() {
    let parse = |s| parse_attr_path(s, &ParseOptions::DEFAULT);
    assert_eq!(parse(" userName\t"), Ok(AttrPath::new("userName")));
    assert_eq!(parse("a.b.c").unwrap_err().offset(), 3);
    assert_eq!(
        parse("a b").unwrap_err().kind(),
        &ParseErrorKind::TrailingInput
    );
}

#[test]
fn incomplete_never_panics() {
    let input = "abc";
    let e = from_nom(nom::Err::Incomplete(nom::Needed::Unknown), input);
    assert_eq!(e.kind, ParseErrorKind::UnexpectedEnd);
    assert_eq!(to_error(input, Grammar::Filter, e).offset(), 3);
}

/// Found by the `filter_roundtrip` fuzz target: an attribute named like a keyword (`not`,
/// `and`, `or` are legal `ATTRNAME`s) is read as one when a comparison follows, so the
/// printed form of a filter on such an attribute parses back to the same filter.
#[test]
fn keywords_as_attribute_names() {
    let crash = "emails[type eq \"\u{7f}ork\"].not  eq \"bse\"";
    let parsed = filter(crash);
    let printed = parsed.to_string();
    assert_eq!(filter(&printed), parsed, "{printed}");

    assert_eq!(filter("not pr"), pr("not"));
    assert_eq!(filter("NOT eq \"x\"").to_string(), "NOT eq \"x\"");
    assert_eq!(filter("and pr"), pr("and"));
    assert_eq!(
        filter("title pr and or pr"),
        Filter::And(Box::new(pr("title")), Box::new(pr("or")))
    );
    // The keyword keeps its meaning everywhere else.
    assert!(matches!(filter("not (title pr)"), Filter::Not(_)));
    assert!(matches!(filter("not(title pr)"), Filter::Not(_)));
    let (at, kind) = error("not title pr");
    assert_eq!(at, 4, "{kind:?}");
    assert!(
        error("title pr and and")
            .1
            .to_string()
            .contains("attribute path")
    );
}
