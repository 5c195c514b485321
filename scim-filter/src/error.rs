//! The one error type of this crate: a syntax error with a byte offset.
//!
//! A [`ParseError`] says which grammar failed ([`Grammar::Filter`] for RFC 7644 §3.4.2.2 filters,
//! [`Grammar::Path`] for §3.5.2 PATCH paths and bare attribute paths), where (a byte offset into the
//! input), and what went wrong ([`ParseErrorKind`]). It converts into
//! [`scim_core::ScimError`] as `400 invalidFilter` or `400 invalidPath` (RFC 7644 §3.12).

use std::fmt;

use scim_core::ScimError;

/// The grammar a [`ParseError`] comes from; it decides the SCIM error keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grammar {
    /// The `filter` query parameter (RFC 7644 §3.4.2.2, Figure 1): maps to `invalidFilter`.
    Filter,
    /// A PATCH operation's `path` (RFC 7644 §3.5.2, Figure 7) or an attribute path such as a
    /// `sortBy` value: maps to `invalidPath`.
    Path,
}

impl fmt::Display for Grammar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Grammar::Filter => "filter",
            Grammar::Path => "path",
        })
    }
}

/// What went wrong, without the position (see [`ParseError::offset`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input ended where more was required (an operand, a value, `)`, `]`, a closing `"`).
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// Something else was found where this was expected.
    #[error("expected {0}")]
    Expected(&'static str),
    /// A word in operator position that is not one of the RFC 7644 §3.4.2.2 operators
    /// (`eq ne co sw ew gt lt ge le pr`). Holds the word as written (at most 32 bytes of it).
    #[error("unknown operator {0:?}, expected one of eq, ne, co, sw, ew, gt, lt, ge, le, pr")]
    UnknownOperator(String),
    /// A malformed JSON string (RFC 8259 §7): a bad escape, a lone surrogate or a raw control
    /// character.
    #[error("invalid JSON string")]
    BadString,
    /// A malformed or out-of-range JSON number (RFC 8259 §6).
    #[error("invalid JSON number")]
    BadNumber,
    /// A value path inside a value path's filter (`a[b[c pr]]`), which RFC 7644 §3.4.2.2 does
    /// not allow: `valFilter` ranges over sub-attributes only.
    #[error("a value path cannot contain another value path")]
    NestedValuePath,
    /// More nested groups (parentheses, `not (`, value-path brackets) than the limit allows.
    #[error("nesting deeper than {limit} levels")]
    TooDeep {
        /// The `max_depth` in force.
        limit: usize,
    },
    /// The input is longer than the limit allows.
    #[error("input longer than {limit} bytes")]
    TooLong {
        /// The `max_len` in force.
        limit: usize,
    },
    /// A complete expression was followed by more input (e.g. an unmatched `)` or `]`).
    #[error("unexpected input after the end of the expression")]
    TrailingInput,
}

/// A filter or path that does not parse: which [`Grammar`], the byte offset into the input, and
/// the [`ParseErrorKind`].
///
/// `Display` reads e.g. `invalid filter at byte 12: expected a JSON value (string, number, true,
/// false or null)`.
///
/// ```
/// use scim_filter::{Filter, Grammar, ParseErrorKind};
///
/// let err = Filter::parse(r#"userName xx "bjensen""#).unwrap_err();
/// assert_eq!(err.grammar(), Grammar::Filter);
/// assert_eq!(err.offset(), 9);
/// assert_eq!(err.kind(), &ParseErrorKind::UnknownOperator("xx".to_owned()));
///
/// let scim: scim_core::ScimError = err.into();
/// assert_eq!(scim.scim_type(), Some(scim_core::ScimType::InvalidFilter));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {grammar} at byte {offset}: {kind}")]
pub struct ParseError {
    grammar: Grammar,
    offset: usize,
    kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn new(grammar: Grammar, offset: usize, kind: ParseErrorKind) -> Self {
        ParseError {
            grammar,
            offset,
            kind,
        }
    }

    /// The grammar that failed.
    pub fn grammar(&self) -> Grammar {
        self.grammar
    }

    /// The byte offset into the input where the problem was found (always on a `char` boundary,
    /// at most the input's length).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }
}

impl From<ParseError> for ScimError {
    /// [`Grammar::Filter`] becomes `400 invalidFilter`, [`Grammar::Path`] `400 invalidPath`
    /// (RFC 7644 §3.12, Table 9); the detail is the error's `Display`.
    fn from(err: ParseError) -> Self {
        let detail = err.to_string();
        match err.grammar {
            Grammar::Filter => ScimError::invalid_filter(detail),
            Grammar::Path => ScimError::invalid_path(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::ScimType;

    #[test]
    fn display_names_grammar_offset_and_expectation() {
        let e = ParseError::new(Grammar::Path, 7, ParseErrorKind::Expected("']'"));
        assert_eq!(e.to_string(), "invalid path at byte 7: expected ']'");
        let e = ParseError::new(Grammar::Filter, 0, ParseErrorKind::TooDeep { limit: 64 });
        assert_eq!(
            e.to_string(),
            "invalid filter at byte 0: nesting deeper than 64 levels"
        );
    }

    #[test]
    fn converts_by_grammar() {
        let f = ScimError::from(ParseError::new(
            Grammar::Filter,
            1,
            ParseErrorKind::BadString,
        ));
        assert_eq!(f.scim_type(), Some(ScimType::InvalidFilter));
        assert!(f.detail().contains("byte 1"), "{}", f.detail());
        let p = ScimError::from(ParseError::new(
            Grammar::Path,
            1,
            ParseErrorKind::TrailingInput,
        ));
        assert_eq!(p.scim_type(), Some(ScimType::InvalidPath));
    }

    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<ParseError>() <= 48);
    }
}
