//! The parser's internal error type, and its conversion into the public [`ParseError`].

use crate::error::{Grammar, ParseError, ParseErrorKind};

/// The parser's error: where (a slice of the input starting at the problem) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PErr<'a> {
    pub(super) at: &'a str,
    pub(super) kind: ParseErrorKind,
}

/// nom's result type with our error.
pub(super) type PResult<'a, T> = nom::IResult<&'a str, T, PErr<'a>>;

impl<'a> PErr<'a> {
    pub(super) fn new(at: &'a str, kind: ParseErrorKind) -> Self {
        PErr { at, kind }
    }

    /// A non-recoverable nom error (we never backtrack out of a failed token).
    pub(super) fn fail(at: &'a str, kind: ParseErrorKind) -> nom::Err<Self> {
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
pub(super) fn from_nom<'a>(err: nom::Err<PErr<'a>>, s: &'a str) -> PErr<'a> {
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
pub(super) fn to_error(input: &str, grammar: Grammar, err: PErr<'_>) -> ParseError {
    let offset = (err.at.as_ptr() as usize)
        .saturating_sub(input.as_ptr() as usize)
        .min(input.len());
    ParseError::new(grammar, offset, err.kind)
}

/// `UnexpectedEnd` when `s` is empty, else `Expected(what)`.
pub(super) fn expected_or_end(s: &str, what: &'static str) -> ParseErrorKind {
    if s.is_empty() {
        ParseErrorKind::UnexpectedEnd
    } else {
        ParseErrorKind::Expected(what)
    }
}
