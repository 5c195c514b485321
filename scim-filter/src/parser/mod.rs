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
mod perr;
mod value;

use std::mem;
use std::str::FromStr;

use lexeme::{Operator, attr_name, attr_path, keyword, operator, ws0, ws1};
use perr::{PErr, expected_or_end, from_nom, to_error};
use value::comp_value;

use crate::ast::{AttrPath, Filter, PatchPath, ValuePath};
use crate::error::{Grammar, ParseError, ParseErrorKind};
use crate::options::ParseOptions;

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

impl Filter {
    /// Parses a filter (RFC 7644 §3.4.2.2) with the default [`ParseOptions`]
    /// (64 levels of nesting, 64 KiB). Errors use [`Grammar::Filter`].
    ///
    /// Besides the RFC grammar this accepts: any mix of spaces, tabs and line breaks between
    /// tokens (and around the filter); `not(` without a space; `true`, `false`, `null` in any
    /// case; and the form Microsoft Entra ID sends, `emails[type eq "work"].value eq "x"`, read as
    /// `emails[type eq "work" and value eq "x"]`.
    pub fn parse(input: &str) -> Result<Filter, ParseError> {
        parse_filter(input, &ParseOptions::DEFAULT)
    }

    /// Parses a filter with explicit limits: inputs longer than [`ParseOptions::max_len`] or
    /// nested deeper than [`ParseOptions::max_depth`] are errors.
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Filter, ParseError> {
        parse_filter(input, options)
    }
}

impl FromStr for Filter {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Filter::parse(s)
    }
}

impl AttrPath {
    /// Parses an attribute path alone, as found in `sortBy`, `attributes` and
    /// `excludedAttributes` (RFC 7644 §3.4.2.3, §3.4.2.5), with the default [`ParseOptions`].
    /// Surrounding whitespace is ignored; errors use [`Grammar::Path`].
    pub fn parse(input: &str) -> Result<AttrPath, ParseError> {
        parse_attr_path(input, &ParseOptions::DEFAULT)
    }

    /// Parses an attribute path with explicit limits, e.g. a `sortBy` parameter
    /// (RFC 7644 §3.4.2.3) under the server's own bounds. An attribute path has no nesting, so
    /// only [`ParseOptions::max_len`] applies: a longer input is
    /// [`ParseErrorKind::TooLong`], reported before any parsing.
    ///
    /// ```
    /// use scim_filter::{AttrPath, ParseErrorKind, ParseOptions};
    ///
    /// let short = ParseOptions { max_len: 8, ..ParseOptions::default() };
    /// assert!(AttrPath::parse_with("userName", &short).is_ok());
    /// let err = AttrPath::parse_with("name.familyName", &short).unwrap_err();
    /// assert_eq!(err.kind(), &ParseErrorKind::TooLong { limit: 8 });
    /// ```
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<AttrPath, ParseError> {
        parse_attr_path(input, options)
    }
}

impl FromStr for AttrPath {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AttrPath::parse(s)
    }
}

impl PatchPath {
    /// Parses a PATCH `path` (RFC 7644 §3.5.2) with the default [`ParseOptions`]. Errors use
    /// [`Grammar::Path`] and so become `invalidPath`.
    pub fn parse(input: &str) -> Result<PatchPath, ParseError> {
        parse_patch_path(input, &ParseOptions::DEFAULT)
    }

    /// Parses a PATCH `path` with explicit limits: an input longer than
    /// [`ParseOptions::max_len`] is [`ParseErrorKind::TooLong`], and a value filter nested
    /// deeper than [`ParseOptions::max_depth`] (the `[` counts one level) is
    /// [`ParseErrorKind::TooDeep`].
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<PatchPath, ParseError> {
        parse_patch_path(input, options)
    }
}

impl FromStr for PatchPath {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PatchPath::parse(s)
    }
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
        if let Some(rest) = keyword(s, "not")
            && !names_an_attribute(rest)
        {
            let after = ws0(rest);
            let Some(rest) = after.strip_prefix('(') else {
                return Err(PErr::new(after, expected_or_end(after, "'(' after 'not'")));
            };
            open(&mut outer, &mut top, Group::Not, s)?;
            s = rest;
            continue;
        }
        if [keyword(s, "and"), keyword(s, "or")]
            .into_iter()
            .flatten()
            .any(|rest| !names_an_attribute(rest))
        {
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

/// Whether a keyword (`not`, `and`, `or`) just read is an attribute of that name instead: it
/// is followed by whitespace and a comparison operator (`not eq "x"`, `and pr`). `ATTRNAME`
/// (RFC 7644 §3.4.2.2) does not exclude the keywords, and the printer writes such an
/// attribute bare (`emails[type eq "work" and not eq "x"]`), so the parser must read it back.
fn names_an_attribute(after_keyword: &str) -> bool {
    let after = ws0(after_keyword);
    after.len() < after_keyword.len()
        && ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "pr"]
            .iter()
            .any(|op| keyword(after, op).is_some())
}

#[cfg(test)]
mod tests;
