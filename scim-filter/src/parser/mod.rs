//! The parser (crate-private): complete nom 8 parsers for the tokens, driven by an iterative
//! precedence loop.
//!
//! The grammar is RFC 7644 §3.4.2.2 Figure 1:
//!
//! ```text
//! FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//! valuePath = attrPath "[" valFilter "]"
//! valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
//! attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
//! logExp    = FILTER SP ("and" / "or") SP FILTER
//! ```
//!
//! and §3.5.2 Figure 7 `PATH = attrPath / valuePath [subAttr]`.
//!
//! `logExp` is ambiguous as written; RFC 7644 §3.4.2.2 resolves it with precedence (`not` and
//! groups, then `and`, then `or`), and we fold chains to the left as nom's
//! `tests/arithmetic_ast.rs` does. Instead of recursing once per group, [`expression`] keeps an
//! explicit stack of open groups (parentheses, `not (`, value-path brackets), so nesting is
//! bounded by [`ParseOptions::max_depth`] and never by the thread's stack, and every byte is
//! looked at a bounded number of times: no backtracking over long prefixes.

mod lexeme;
mod value;

use std::mem;

use lexeme::{Operator, attr_name, attr_path, expected_or_end, keyword, operator, ws0, ws1};
use value::comp_value;

use crate::ast::{AttrPath, Filter, PatchPath, ValuePath};
use crate::error::{Grammar, ParseError, ParseErrorKind};
use crate::options::ParseOptions;

/// The parser's error: where (a slice of the input starting at the problem) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PErr<'a> {
    pub(crate) at: &'a str,
    pub(crate) kind: ParseErrorKind,
}

/// nom's result type with our error.
pub(crate) type PResult<'a, T> = nom::IResult<&'a str, T, PErr<'a>>;

impl<'a> PErr<'a> {
    fn new(at: &'a str, kind: ParseErrorKind) -> Self {
        PErr { at, kind }
    }

    /// A non-recoverable nom error (we never backtrack out of a failed token).
    pub(crate) fn fail(at: &'a str, kind: ParseErrorKind) -> nom::Err<Self> {
        nom::Err::Failure(PErr { at, kind })
    }
}

impl<'a> nom::error::ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        PErr::new(input, expected_or_end(input, "valid syntax"))
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// Unwraps a nom error. `Incomplete` cannot come from the complete parsers used here, but if it
/// ever did it means the input ended early: report that at the end of `s`.
fn from_nom<'a>(err: nom::Err<PErr<'a>>, s: &'a str) -> PErr<'a> {
    match err {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        nom::Err::Incomplete(_) => PErr::new(
            s.get(s.len()..).unwrap_or_default(),
            ParseErrorKind::UnexpectedEnd,
        ),
    }
}

/// Turns a parser error into the public one; the offset is the pointer difference between the
/// error's slice and the input.
fn to_error(input: &str, grammar: Grammar, err: PErr<'_>) -> ParseError {
    let offset = (err.at.as_ptr() as usize)
        .saturating_sub(input.as_ptr() as usize)
        .min(input.len());
    ParseError::new(grammar, offset, err.kind)
}

fn check_len(input: &str, options: &ParseOptions, grammar: Grammar) -> Result<(), ParseError> {
    if input.len() <= options.max_len {
        return Ok(());
    }
    // Report the first char boundary at or before the limit.
    let mut offset = options.max_len;
    while !input.is_char_boundary(offset) {
        offset -= 1;
    }
    Err(ParseError::new(
        grammar,
        offset,
        ParseErrorKind::TooLong {
            limit: options.max_len,
        },
    ))
}

/// Parses a whole filter (RFC 7644 §3.4.2.2).
pub(crate) fn parse_filter(input: &str, options: &ParseOptions) -> Result<Filter, ParseError> {
    check_len(input, options, Grammar::Filter)?;
    expression(input, options, End::Input)
        .map(|(_, filter)| filter)
        .map_err(|e| to_error(input, Grammar::Filter, e))
}

/// Parses a whole PATCH path (RFC 7644 §3.5.2).
pub(crate) fn parse_patch_path(
    input: &str,
    options: &ParseOptions,
) -> Result<PatchPath, ParseError> {
    check_len(input, options, Grammar::Path)?;
    patch_path(input, options).map_err(|e| to_error(input, Grammar::Path, e))
}

/// Parses a whole attribute path, surrounded by optional whitespace.
pub(crate) fn parse_attr_path(input: &str, options: &ParseOptions) -> Result<AttrPath, ParseError> {
    check_len(input, options, Grammar::Path)?;
    let s = ws0(input);
    let result = attr_path(s)
        .map_err(|e| from_nom(e, s))
        .and_then(|(rest, path)| {
            let rest = ws0(rest);
            match rest.is_empty() {
                true => Ok(path),
                false => Err(PErr::new(rest, ParseErrorKind::TrailingInput)),
            }
        });
    result.map_err(|e| to_error(input, Grammar::Path, e))
}

fn patch_path<'a>(input: &'a str, options: &ParseOptions) -> Result<PatchPath, PErr<'a>> {
    let s = ws0(input);
    let (s, attr) = attr_path(s).map_err(|e| from_nom(e, s))?;
    let Some(inner) = s.strip_prefix('[') else {
        let rest = ws0(s);
        return match rest.is_empty() {
            true => Ok(PatchPath::Attr(attr)),
            false => Err(PErr::new(rest, ParseErrorKind::TrailingInput)),
        };
    };
    if attr.sub_attr.is_some() {
        return Err(PErr::new(
            s,
            ParseErrorKind::Expected(NO_SUB_BEFORE_BRACKET),
        ));
    }
    if options.max_depth < 1 {
        return Err(PErr::new(
            s,
            ParseErrorKind::TooDeep {
                limit: options.max_depth,
            },
        ));
    }
    let (s, filter) = expression(inner, options, End::Bracket)?;
    let (s, sub_attr) = match s.strip_prefix('.') {
        Some(after_dot) => {
            let (rest, name) = attr_name(after_dot).map_err(|e| from_nom(e, after_dot))?;
            (rest, Some(name.to_owned()))
        }
        None => (s, None),
    };
    let rest = ws0(s);
    if !rest.is_empty() {
        return Err(PErr::new(rest, ParseErrorKind::TrailingInput));
    }
    Ok(PatchPath::Value {
        value_path: ValuePath {
            attr,
            filter: Box::new(filter),
        },
        sub_attr,
    })
}

const NO_SUB_BEFORE_BRACKET: &str = "'[' only after an attribute name without a sub-attribute";

/// Where an [`expression`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// At the end of the input (a `filter` parameter).
    Input,
    /// At a `]` (the value filter of a PATCH path, whose `[` the caller consumed).
    Bracket,
}

/// An open group.
#[derive(Debug)]
enum Group {
    /// The expression itself (bottom of the stack).
    Root,
    /// `(`.
    Paren,
    /// `not (`.
    Not,
    /// `attr[` inside a filter.
    Bracket(AttrPath),
}

/// A group and what has been read inside it so far: `or_acc or and_acc and …`.
#[derive(Debug)]
struct Frame {
    group: Group,
    /// The left operand of a pending `or` (everything before the last `or`).
    or_acc: Option<Filter>,
    /// The left operand of a pending `and`.
    and_acc: Option<Filter>,
}

impl Frame {
    fn new(group: Group) -> Self {
        Frame {
            group,
            or_acc: None,
            and_acc: None,
        }
    }
}

fn or_onto(left: Option<Filter>, right: Filter) -> Filter {
    match left {
        Some(left) => Filter::Or(Box::new(left), Box::new(right)),
        None => right,
    }
}

/// Parses `FILTER` (or `valFilter` when `end` is [`End::Bracket`]) and returns the input after
/// it (after the closing `]` for [`End::Bracket`]).
///
/// A loop with two states: *operand expected* (open groups, then read an `attrExp` or a value
/// path's attribute) and *operand read* (fold it into the current group, then read `and`, `or`,
/// a closing `)`/`]` or the end).
fn expression<'a>(
    input: &'a str,
    options: &ParseOptions,
    end: End,
) -> Result<(&'a str, Filter), PErr<'a>> {
    let base_depth = usize::from(end == End::Bracket);
    let mut top = Frame::new(Group::Root);
    let mut outer: Vec<Frame> = Vec::new();
    let mut in_brackets = end == End::Bracket;
    let mut s = input;

    let open = |outer: &mut Vec<Frame>, top: &mut Frame, group: Group, at: &'a str| {
        if base_depth + outer.len() >= options.max_depth {
            return Err(PErr::new(
                at,
                ParseErrorKind::TooDeep {
                    limit: options.max_depth,
                },
            ));
        }
        outer.push(mem::replace(top, Frame::new(group)));
        Ok(())
    };

    'operand: loop {
        // Operand expected.
        s = ws0(s);
        if let Some(rest) = s.strip_prefix('(') {
            open(&mut outer, &mut top, Group::Paren, s)?;
            s = rest;
            continue;
        }
        if let Some(rest) = keyword(s, "not") {
            let after = ws0(rest);
            let Some(rest) = after.strip_prefix('(') else {
                return Err(PErr::new(after, expected_or_end(after, "'(' after 'not'")));
            };
            open(&mut outer, &mut top, Group::Not, s)?;
            s = rest;
            continue;
        }
        if keyword(s, "and").is_some() || keyword(s, "or").is_some() {
            return Err(PErr::new(
                s,
                ParseErrorKind::Expected("an attribute path, '(' or 'not (' instead of 'and'/'or'"),
            ));
        }
        let (rest, path) = attr_path(s).map_err(|e| from_nom(e, s))?;
        s = rest;
        let mut operand = if let Some(rest) = s.strip_prefix('[') {
            if in_brackets {
                return Err(PErr::new(s, ParseErrorKind::NestedValuePath));
            }
            if path.sub_attr.is_some() {
                return Err(PErr::new(
                    s,
                    ParseErrorKind::Expected(NO_SUB_BEFORE_BRACKET),
                ));
            }
            open(&mut outer, &mut top, Group::Bracket(path), s)?;
            in_brackets = true;
            s = rest;
            continue;
        } else {
            let (rest, filter) = attr_exp(s, path)?;
            s = rest;
            filter
        };
        let mut closed = false;

        // Operand read.
        loop {
            let current = match top.and_acc.take() {
                Some(left) => Filter::And(Box::new(left), Box::new(operand)),
                None => operand,
            };
            let before = s;
            s = ws0(s);
            let spaced = closed || s.len() < before.len();
            let Some((next, after_next)) = split_first_char(s) else {
                return match (&top.group, end) {
                    (Group::Root, End::Input) => Ok((s, or_onto(top.or_acc.take(), current))),
                    _ => Err(PErr::new(s, ParseErrorKind::UnexpectedEnd)),
                };
            };
            match next {
                ')' => {
                    let inner = or_onto(top.or_acc.take(), current);
                    operand = match top.group {
                        Group::Paren => inner,
                        Group::Not => Filter::Not(Box::new(inner)),
                        Group::Bracket(_) => {
                            return Err(PErr::new(s, ParseErrorKind::Expected("']'")));
                        }
                        Group::Root => {
                            return Err(PErr::new(
                                s,
                                match end {
                                    End::Input => ParseErrorKind::TrailingInput,
                                    End::Bracket => ParseErrorKind::Expected("']'"),
                                },
                            ));
                        }
                    };
                    top = outer.pop().unwrap_or_else(|| Frame::new(Group::Root));
                    s = after_next;
                    closed = true;
                }
                ']' => {
                    let inner = or_onto(top.or_acc.take(), current);
                    let attr = match mem::replace(&mut top.group, Group::Root) {
                        Group::Bracket(attr) => attr,
                        Group::Root if end == End::Bracket => return Ok((after_next, inner)),
                        Group::Root => return Err(PErr::new(s, ParseErrorKind::TrailingInput)),
                        Group::Paren | Group::Not => {
                            return Err(PErr::new(s, ParseErrorKind::Expected("')'")));
                        }
                    };
                    top = outer.pop().unwrap_or_else(|| Frame::new(Group::Root));
                    in_brackets = false;
                    s = after_next;
                    closed = true;
                    let filter = match s.strip_prefix('.') {
                        // Entra ID's `emails[type eq "work"].value eq "x"`: read as
                        // `emails[type eq "work" and value eq "x"]`.
                        Some(after_dot) => {
                            let (rest, sub) =
                                attr_name(after_dot).map_err(|e| from_nom(e, after_dot))?;
                            let (rest, cmp) = attr_exp(rest, AttrPath::new(sub))?;
                            s = rest;
                            closed = false;
                            Filter::And(Box::new(inner), Box::new(cmp))
                        }
                        None => inner,
                    };
                    operand = Filter::ValuePath(ValuePath {
                        attr,
                        filter: Box::new(filter),
                    });
                }
                _ => {
                    let and = keyword(s, "and");
                    let or = keyword(s, "or");
                    if spaced {
                        if let Some(rest) = and {
                            top.and_acc = Some(current);
                            s = rest;
                            continue 'operand;
                        }
                        if let Some(rest) = or {
                            top.or_acc = Some(or_onto(top.or_acc.take(), current));
                            s = rest;
                            continue 'operand;
                        }
                    }
                    let kind = match (&top.group, end) {
                        _ if and.is_some() || or.is_some() => {
                            ParseErrorKind::Expected("a space before 'and'/'or'")
                        }
                        (Group::Root, End::Input) => ParseErrorKind::TrailingInput,
                        (Group::Root | Group::Bracket(_), _) => {
                            ParseErrorKind::Expected("'and', 'or' or ']'")
                        }
                        (Group::Paren | Group::Not, _) => {
                            ParseErrorKind::Expected("'and', 'or' or ')'")
                        }
                    };
                    return Err(PErr::new(s, kind));
                }
            }
        }
    }
}

/// `attrExp` after its attribute path: `SP "pr"` or `SP compareOp SP compValue`.
fn attr_exp(s: &str, path: AttrPath) -> Result<(&str, Filter), PErr<'_>> {
    let Some(at_op) = ws1(s) else {
        return Err(PErr::new(s, expected_or_end(s, "a space and an operator")));
    };
    let (rest, op) = operator(at_op).map_err(|e| from_nom(e, at_op))?;
    match op {
        Operator::Present => Ok((rest, Filter::Present(path))),
        Operator::Compare(op) => {
            let Some(at_value) = ws1(rest) else {
                return Err(PErr::new(
                    rest,
                    expected_or_end(rest, "a space and a value"),
                ));
            };
            let (rest, value) = comp_value(at_value).map_err(|e| from_nom(e, at_value))?;
            Ok((rest, Filter::Compare { path, op, value }))
        }
    }
}

/// The first char of `s` and the rest.
fn split_first_char(s: &str) -> Option<(char, &str)> {
    let mut chars = s.chars();
    chars.next().map(|c| (c, chars.as_str()))
}

#[cfg(test)]
mod tests {
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
}
