//! Tokens of RFC 7644 §3.4.2.2 Figure 1: whitespace, keywords, attribute names and paths, and
//! operators. Each function takes the remaining input and returns the rest after the token.

use nom::Parser;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::{multispace0, multispace1};

use super::perr::{PErr, PResult, expected_or_end};
use crate::ast::{AttrPath, CompareOp};
use crate::error::ParseErrorKind;

/// `nameChar = "-" / "_" / DIGIT / ALPHA` (RFC 7644 §3.4.2.2).
pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Characters of a schema URN up to and including the attribute name: the URN `NSS` characters
/// of RFC 8141 that cannot be confused with filter syntax (no brackets, parentheses, quotes or
/// whitespace).
fn is_urn_char(c: char) -> bool {
    is_name_char(c)
        || matches!(
            c,
            '.' | ':' | '~' | '%' | '+' | '!' | '$' | '&' | '*' | ',' | ';' | '=' | '@' | '/'
        )
}

/// Skips optional whitespace (spaces, tabs, line breaks). The RFC wants one SP; IdPs differ.
pub(super) fn ws0(s: &str) -> &str {
    match multispace0::<_, PErr<'_>>.parse(s) {
        Ok((rest, _)) => rest,
        Err(_) => s,
    }
}

/// Skips required whitespace; `None` when there is none.
pub(super) fn ws1(s: &str) -> Option<&str> {
    multispace1::<_, PErr<'_>>
        .parse(s)
        .ok()
        .map(|(rest, _)| rest)
}

/// nom's `tag_no_case` for ASCII keywords: matches `kw` (lowercase ASCII) at the start of `s`
/// in any case and returns the rest.
///
/// nom's own `tag_no_case` lowercases both sides char by char with full Unicode case mapping;
/// profiling the corpus put it at a quarter of all parse time. Every SCIM keyword is ASCII, so a
/// byte comparison is exact here.
pub(super) fn ascii_tag_no_case<'a>(s: &'a str, kw: &'static str) -> Option<&'a str> {
    let head = s.as_bytes().get(..kw.len())?;
    if head.eq_ignore_ascii_case(kw.as_bytes()) {
        // `head` matched ASCII bytes, so `kw.len()` is a char boundary.
        s.get(kw.len()..)
    } else {
        None
    }
}

/// Matches the keyword `kw` case-insensitively, as a whole word: the next character must not
/// continue an attribute path (so `notes` and `and.x` are not keywords).
pub(super) fn keyword<'a>(s: &'a str, kw: &'static str) -> Option<&'a str> {
    let rest = ascii_tag_no_case(s, kw)?;
    match rest.chars().next() {
        Some(c) if is_name_char(c) || matches!(c, '.' | ':' | '$') => None,
        _ => Some(rest),
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, also accepting a leading `$` (for `$ref`).
pub(super) fn attr_name(s: &str) -> PResult<'_, &str> {
    let (after_dollar, _) =
        nom::combinator::opt(nom::character::complete::char::<_, PErr<'_>>('$')).parse(s)?;
    if !after_dollar
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        return Err(PErr::fail(
            after_dollar,
            expected_or_end(after_dollar, "an attribute name"),
        ));
    }
    let (rest, _) = take_while(is_name_char).parse(after_dollar)?;
    Ok((rest, consumed(s, rest)))
}

/// `ATTRNAME *1subAttr`, with `subAttr = "." ATTRNAME`.
fn name_and_sub(s: &str) -> PResult<'_, (&str, Option<&str>)> {
    let (rest, name) = attr_name(s)?;
    match rest.strip_prefix('.') {
        Some(after_dot) => {
            let (rest, sub) = attr_name(after_dot)?;
            Ok((rest, (name, Some(sub))))
        }
        None => Ok((rest, (name, None))),
    }
}

/// `attrPath = [URI ":"] ATTRNAME *1subAttr`.
///
/// A path that starts with `urn:` (any case) is read as one token of URN characters; the URN is
/// everything before its last `:` and the rest must be `ATTRNAME [subAttr]`. So
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` has the URN
/// `…:2.0:User` (whose `2.0` contains a dot), the name `manager` and the sub-attribute `value`.
pub(super) fn attr_path(s: &str) -> PResult<'_, AttrPath> {
    if ascii_tag_no_case(s, "urn:").is_none() {
        let (rest, (name, sub)) = name_and_sub(s)?;
        return Ok((rest, make_path(None, name, sub)));
    }
    let (rest, token) = take_while1(is_urn_char).parse(s)?;
    let Some((urn, tail)) = token.rsplit_once(':') else {
        return Err(PErr::fail(s, ParseErrorKind::Expected("a schema URN")));
    };
    // `urn:` itself must be followed by something before the name's `:`.
    if urn.len() < "urn:".len() + 1 {
        return Err(PErr::fail(
            tail,
            ParseErrorKind::Expected("a schema URN followed by ':' and an attribute name"),
        ));
    }
    let (tail_rest, (name, sub)) = name_and_sub(tail).map_err(|err| {
        // The tail ends inside the token, not at the end of the input.
        err.map(|mut e| {
            if e.kind == ParseErrorKind::UnexpectedEnd && !rest.is_empty() {
                e.kind = ParseErrorKind::Expected("an attribute name");
            }
            e
        })
    })?;
    if !tail_rest.is_empty() {
        return Err(PErr::fail(
            tail_rest,
            ParseErrorKind::Expected("the end of the attribute path"),
        ));
    }
    Ok((rest, make_path(Some(urn), name, sub)))
}

fn make_path(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub_attr: sub.map(str::to_owned),
    }
}

/// What follows an attribute path in an `attrExp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operator {
    /// `pr`.
    Present,
    /// A comparison that takes a value.
    Compare(CompareOp),
}

/// The operator word (`eq` … `le`, `pr`), case-insensitive. One scan of the word and a match on
/// its two lowered bytes: no `alt` over nine tags.
pub(super) fn operator(s: &str) -> PResult<'_, Operator> {
    let (rest, word) = take_while::<_, _, PErr<'_>>(is_name_char)
        .parse(s)
        .map_err(|_| PErr::fail(s, ParseErrorKind::Expected("an operator")))?;
    let op = match word.as_bytes() {
        [a, b] => match [a.to_ascii_lowercase(), b.to_ascii_lowercase()] {
            [b'e', b'q'] => Some(Operator::Compare(CompareOp::Eq)),
            [b'n', b'e'] => Some(Operator::Compare(CompareOp::Ne)),
            [b'c', b'o'] => Some(Operator::Compare(CompareOp::Co)),
            [b's', b'w'] => Some(Operator::Compare(CompareOp::Sw)),
            [b'e', b'w'] => Some(Operator::Compare(CompareOp::Ew)),
            [b'g', b't'] => Some(Operator::Compare(CompareOp::Gt)),
            [b'l', b't'] => Some(Operator::Compare(CompareOp::Lt)),
            [b'g', b'e'] => Some(Operator::Compare(CompareOp::Ge)),
            [b'l', b'e'] => Some(Operator::Compare(CompareOp::Le)),
            [b'p', b'r'] => Some(Operator::Present),
            _ => None,
        },
        _ => None,
    };
    match op {
        Some(op) => Ok((rest, op)),
        None if word.is_empty() => Err(PErr::fail(
            s,
            expected_or_end(s, "an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)"),
        )),
        None => {
            // Name characters are ASCII, so any prefix is a char boundary.
            let shown = word.get(..word.len().min(32)).unwrap_or_default();
            Err(PErr::fail(
                s,
                ParseErrorKind::UnknownOperator(shown.to_owned()),
            ))
        }
    }
}

/// The part of `whole` before its suffix `rest`.
fn consumed<'a>(whole: &'a str, rest: &str) -> &'a str {
    whole
        .get(..whole.len().saturating_sub(rest.len()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> (&str, AttrPath) {
        attr_path(s).map_err(|e| format!("{e:?}")).unwrap()
    }

    #[test]
    fn names_and_sub_attributes() {
        let (rest, p) = path("name.familyName co");
        assert_eq!(rest, " co");
        assert_eq!(p.name, "name");
        assert_eq!(p.sub_attr.as_deref(), Some("familyName"));
        assert_eq!(p.urn, None);
        let (rest, p) = path("members.$ref eq");
        assert_eq!((rest, p.sub_attr.as_deref()), (" eq", Some("$ref")));
        let (rest, p) = path("x-y_z9[");
        assert_eq!((rest, p.name.as_str()), ("[", "x-y_z9"));
    }

    #[test]
    fn urn_prefix_ends_at_the_last_colon() {
        let (rest, p) = path(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"x\"",
        );
        assert_eq!(rest, " eq \"x\"");
        assert_eq!(
            p.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(p.name, "manager");
        assert_eq!(p.sub_attr.as_deref(), Some("value"));
        let (rest, p) = path("URN:acme:2.0:User:emails[type eq \"work\"]");
        assert_eq!(rest, "[type eq \"work\"]");
        assert_eq!(p.urn.as_deref(), Some("URN:acme:2.0:User"));
        assert_eq!(p.name, "emails");
    }

    #[test]
    fn bad_paths() {
        for bad in [
            "1abc",
            "",
            "$",
            "a.",
            "a.1",
            "urn:x",
            "urn::a",
            "urn:x:y:a.b.c",
            "urn:x:",
        ] {
            assert!(attr_path(bad).is_err(), "{bad:?}");
        }
        // `a.b.c` stops after `a.b`; the caller rejects the rest.
        assert_eq!(path("a.b.c").0, ".c");
    }

    #[test]
    fn ascii_tags_ignore_case() {
        assert_eq!(ascii_tag_no_case("NoT (", "not"), Some(" ("));
        assert_eq!(ascii_tag_no_case("no", "not"), None);
        assert_eq!(ascii_tag_no_case("nöt", "not"), None);
        assert_eq!(ascii_tag_no_case("é", "or"), None);
        assert_eq!(ascii_tag_no_case("URN:x", "urn:"), Some("x"));
    }

    #[test]
    fn keywords_are_whole_words() {
        assert_eq!(keyword("AND x", "and"), Some(" x"));
        assert_eq!(keyword("and(", "and"), Some("("));
        assert_eq!(keyword("andy", "and"), None);
        assert_eq!(keyword("not.x", "not"), None);
        assert_eq!(keyword("Not", "not"), Some(""));
        assert_eq!(keyword("or", "and"), None);
    }

    #[test]
    fn operators_are_case_insensitive() {
        assert_eq!(
            operator("Eq \"x\"").ok(),
            Some((" \"x\"", Operator::Compare(CompareOp::Eq)))
        );
        assert_eq!(operator("PR)").ok(), Some((")", Operator::Present)));
        for op in CompareOp::ALL {
            let upper = op.as_str().to_ascii_uppercase();
            assert_eq!(
                operator(&upper).ok().map(|(_, o)| o),
                Some(Operator::Compare(op))
            );
        }
        match operator("xx \"a\"") {
            Err(nom::Err::Failure(e)) => {
                assert_eq!(e.kind, ParseErrorKind::UnknownOperator("xx".into()))
            }
            other => panic!("{other:?}"),
        }
        match operator("") {
            Err(nom::Err::Failure(e)) => assert_eq!(e.kind, ParseErrorKind::UnexpectedEnd),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn whitespace() {
        assert_eq!(ws0(" \t\r\n x"), "x");
        assert_eq!(ws0("x"), "x");
        assert_eq!(ws1("  x"), Some("x"));
        assert_eq!(ws1("x"), None);
    }
}
