//! Hostile input fails fast with an error, never a stack overflow or quadratic time.

use scim_filter::{Filter, ParseErrorKind, ParseOptions, PatchPath};

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
