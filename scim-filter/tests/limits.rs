//! Hostile input fails fast with an error, never a stack overflow or quadratic time.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_filter::{
    AttrPath, CompValue, CompareOp, Filter, Grammar, ParseErrorKind, ParseOptions, PatchPath,
    ValuePath,
};

#[test]
fn ten_thousand_nested_parentheses_are_too_deep() {
    let depth = 10_000;
    let filter = format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
    let err = Filter::parse(&filter).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 64 });
    assert_eq!(
        err.offset(),
        64,
        "reported at the first group over the limit"
    );

    // Raising the limit is enough to accept it: the parser keeps its own stack.
    let options = ParseOptions {
        max_depth: depth,
        ..ParseOptions::default()
    };
    assert_eq!(
        Filter::parse_with(&filter, &options).unwrap().to_string(),
        "a pr"
    );
}

#[test]
fn nested_not_and_value_paths_count_too() {
    let nots = format!("{}a pr{}", "not (".repeat(10_000), ")".repeat(10_000));
    assert_eq!(
        Filter::parse(&nots).unwrap_err().kind(),
        &ParseErrorKind::TooDeep { limit: 64 }
    );
    let at_limit = format!("{}e[a pr]{}", "(".repeat(63), ")".repeat(63));
    assert!(Filter::parse(&at_limit).is_ok());
    let over = format!("({at_limit})");
    assert_eq!(
        Filter::parse(&over).unwrap_err().kind(),
        &ParseErrorKind::TooDeep { limit: 64 }
    );
    let path = format!("members[{}a pr{}]", "(".repeat(100), ")".repeat(100));
    assert_eq!(
        PatchPath::parse(&path).unwrap_err().kind(),
        &ParseErrorKind::TooDeep { limit: 64 }
    );
}

#[test]
fn unbalanced_deep_input_is_rejected() {
    let opens = "(".repeat(100_000);
    let options = ParseOptions {
        max_depth: usize::MAX,
        max_len: usize::MAX,
    };
    assert_eq!(
        Filter::parse_with(&opens, &options).unwrap_err().kind(),
        &ParseErrorKind::UnexpectedEnd
    );
    let closes = format!("a pr{}", ")".repeat(1_000_000));
    assert_eq!(
        Filter::parse_with(&closes, &options).unwrap_err().kind(),
        &ParseErrorKind::TrailingInput
    );
}

#[test]
fn a_megabyte_filter_is_too_long() {
    let term = r#"userName eq "user00000@example.com" or "#;
    let mut filter = term.repeat((1 << 20) / term.len() + 1);
    filter.push_str("title pr");
    assert!(filter.len() > 1 << 20);
    let err = Filter::parse(&filter).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooLong { limit: 64 * 1024 });
    let err = PatchPath::parse(&filter).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooLong { limit: 64 * 1024 });
}

#[test]
fn a_hundred_thousand_terms_parse_within_a_raised_limit() {
    let terms = 100_000;
    let mut filter = String::with_capacity(terms * 12);
    for i in 0..terms {
        if i > 0 {
            filter.push_str(" or ");
        }
        filter.push_str("a eq 1");
    }
    let options = ParseOptions {
        max_len: filter.len(),
        ..ParseOptions::default()
    };
    let parsed = Filter::parse_with(&filter, &options).unwrap();
    // Printing walks the chain iteratively.
    assert_eq!(parsed.to_string(), filter);
    // A left-deep chain: count the spine without recursion.
    let mut spine = 1;
    let mut node = &parsed;
    while let Filter::Or(left, _) = node {
        spine += 1;
        node = left;
    }
    assert_eq!(spine, terms);
    // Clone and PartialEq loop along the chain too.
    let copy = parsed.clone();
    assert!(copy == parsed);
    // Drop is iterative too: no stack per term.
    drop(copy);
    drop(parsed);
}

#[test]
fn attr_path_parse_with_applies_max_len() {
    // `sortBy` (RFC 7644 §3.4.2.3) under the server's own bound.
    let options = ParseOptions {
        max_len: 16,
        ..ParseOptions::default()
    };
    assert_eq!(
        AttrPath::parse_with("name.familyName", &options)
            .unwrap()
            .to_string(),
        "name.familyName"
    );
    let long = "urn:ietf:params:scim:schemas:core:2.0:User:userName";
    let err = AttrPath::parse_with(long, &options).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooLong { limit: 16 });
    assert_eq!(err.grammar(), Grammar::Path);
    assert_eq!(err.offset(), 16);
    // The length is checked before parsing: a huge input fails at once.
    let huge = "a".repeat(10 << 20);
    assert_eq!(
        AttrPath::parse_with(&huge, &ParseOptions::default())
            .unwrap_err()
            .kind(),
        &ParseErrorKind::TooLong {
            limit: ParseOptions::DEFAULT_MAX_LEN
        }
    );
    // parse keeps the defaults, and the default limit applies to it too.
    assert!(AttrPath::parse(long).is_ok());
    assert!(AttrPath::parse(&huge).is_err());
    // Errors keep their usual kinds under parse_with.
    assert_eq!(
        AttrPath::parse_with("a b", &options).unwrap_err().kind(),
        &ParseErrorKind::TrailingInput
    );
}

#[test]
fn patch_path_parse_with_applies_max_len_and_max_depth() {
    let path =
        r#"emails[type eq "work" and (value ew "@example.com" or not (primary eq true))].display"#;
    assert!(PatchPath::parse_with(path, &ParseOptions::default()).is_ok());

    // max_len
    let short = ParseOptions {
        max_len: 20,
        ..ParseOptions::default()
    };
    let err = PatchPath::parse_with(path, &short).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooLong { limit: 20 });
    assert_eq!(err.grammar(), Grammar::Path);
    assert!(PatchPath::parse_with("name.familyName", &short).is_ok());

    // max_depth: the `[` counts one level, `(` and `not (` one each: 3 in all here.
    let depth = |max_depth| ParseOptions {
        max_depth,
        ..ParseOptions::default()
    };
    assert!(PatchPath::parse_with(path, &depth(3)).is_ok());
    let err = PatchPath::parse_with(path, &depth(2)).unwrap_err();
    assert_eq!(err.kind(), &ParseErrorKind::TooDeep { limit: 2 });
    assert_eq!(err.grammar(), Grammar::Path);
    // Depth 0 admits no value filter at all, but a plain attribute path.
    assert_eq!(
        PatchPath::parse_with(r#"emails[type eq "work"]"#, &depth(0))
            .unwrap_err()
            .kind(),
        &ParseErrorKind::TooDeep { limit: 0 }
    );
    assert!(PatchPath::parse_with("emails.value", &depth(0)).is_ok());
    // Deep nesting inside the brackets fails at the limit, without recursion.
    let deep = format!("members[{}a pr{}]", "(".repeat(50_000), ")".repeat(50_000));
    let wide = ParseOptions {
        max_depth: 64,
        max_len: 1 << 20,
    };
    assert_eq!(
        PatchPath::parse_with(&deep, &wide).unwrap_err().kind(),
        &ParseErrorKind::TooDeep { limit: 64 }
    );
}

/// Runs `f` on a thread with a 256 KiB stack.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_constructed_filter_a_million_deep_drops_on_a_small_stack() {
    on_small_stack(|| {
        let leaf = || Filter::Compare {
            path: AttrPath::new("userName"),
            op: CompareOp::Eq,
            value: CompValue::String("x".into()),
        };
        let mut nots = leaf();
        let mut ands = leaf();
        let mut mixed = leaf();
        for i in 0..1_000_000 {
            nots = Filter::Not(Box::new(nots));
            ands = Filter::And(Box::new(leaf()), Box::new(ands));
            mixed = match i % 4 {
                0 => Filter::Or(Box::new(mixed), Box::new(leaf())),
                1 => Filter::Not(Box::new(mixed)),
                2 => Filter::ValuePath(ValuePath {
                    attr: AttrPath::new("emails"),
                    filter: Box::new(mixed),
                }),
                _ => Filter::And(
                    Box::new(Filter::Present(AttrPath::new("a"))),
                    Box::new(mixed),
                ),
            };
        }
        drop(nots);
        drop(ands);
        drop(mixed);
    });
}
