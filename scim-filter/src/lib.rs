//! SCIM 2.0 filters and PATCH paths: parser, syntax tree, printer, evaluator and SQL translator.
//!
//! This crate implements the `filter` query parameter grammar of RFC 7644 §3.4.2.2 (Figure 1)
//! and the PATCH `path` grammar of RFC 7644 §3.5.2 (Figure 7). It turns text into a typed
//! syntax tree ([`Filter`], [`PatchPath`], [`AttrPath`]) and prints trees back in a canonical
//! form that parses to the same tree. On top of the tree it resolves names against a schema
//! ([`Filter::resolve`]), evaluates filters against resources ([`Filter::compile`],
//! [`Matcher`], and [`Filter::compile_for_values`] for PATCH value filters) and translates them
//! to SQL ([`SqlMapping`]).
//!
//! # What it takes from `scim-core`
//!
//! Parsing and printing need nothing from `scim-core`. Everything that knows a schema uses its
//! types:
//!
//! - [`scim_core::ResourceType`] (with its extensions) and [`scim_core::Attribute`] resolve
//!   attribute paths case-insensitively, with or without schema URN (RFC 7643 §2.1), and give
//!   each attribute's type, `caseExact`, multi-valuedness, sub-attributes and
//!   [`is_secret`](scim_core::Attribute::is_secret), for [`Filter::resolve`],
//!   [`Filter::compile`], [`Filter::compile_for_values`] and [`SqlMapping`];
//! - [`scim_core::Resource`] is what a [`Matcher`] evaluates ([`Matcher::matches`]; plain JSON
//!   objects work too), and [`scim_core::DateTime`] parses and compares `dateTime` values;
//! - [`scim_core::ScimError`] is what every error converts into: [`ParseError`] →
//!   `invalidFilter` or `invalidPath`, [`EvalError`] and [`SqlError`] → `invalidFilter`
//!   (RFC 7644 §3.12), all status 400 (except a bad [`SqlMapping`], a server fault, 500).
//!
//! # Guarantees
//!
//! - **No oracle on secrets.** An attribute that is never returned (`returned: never` or
//!   `mutability: writeOnly`, RFC 7643 §2.2, such as a User's `password`) cannot be filtered on:
//!   [`Filter::compile`], [`Filter::resolve`], [`Filter::compile_for_values`] and
//!   [`SqlMapping::translate`] refuse it ([`EvalError::SecretAttribute`], 400 `invalidFilter`)
//!   wherever it appears, so `password sw "h"` cannot reveal a password a character at a time.
//! - **Linear-time matching.** `co`, `sw` and `ew` are linear in the length of the stored value
//!   (`co` uses `memchr`'s `memmem`, with the needle's searcher built once at compile time;
//!   `caseExact: false` values are case-folded once per comparison).
//! - **Bounded input.** Every parser ([`Filter::parse_with`], [`PatchPath::parse_with`],
//!   [`AttrPath::parse_with`]) honours [`ParseOptions`] (nesting depth 64 and 64 KiB by
//!   default); the parser is iterative, runs in linear time and never panics on input.
//! - **No deep recursion.** `Drop` of a [`Filter`] is iterative, for any tree; the other
//!   operations walk `and`/`or` chains in a loop and recurse only per nesting level, which the
//!   parser bounds (see [`Filter`]'s "Deep trees").
//!
//! ```
//! use scim_filter::{CompValue, CompareOp, Filter, PatchPath};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Operators and keywords are case-insensitive; extra whitespace is tolerated.
//! let filter = Filter::parse(
//!     r#"userType Eq "Employee"  AND (emails co "example.com" or not(active eq TRUE))"#,
//! )?;
//! // Display prints the canonical form.
//! assert_eq!(
//!     filter.to_string(),
//!     r#"userType eq "Employee" and (emails co "example.com" or not (active eq true))"#,
//! );
//! assert_eq!(Filter::parse(&filter.to_string())?, filter);
//!
//! // A PATCH path: a value path with a sub-attribute.
//! let path: PatchPath = r#"members[value eq "2819c223"].displayName"#.parse()?;
//! let PatchPath::Value { value_path, sub_attr } = &path else { unreachable!() };
//! assert_eq!(value_path.attr.name, "members");
//! assert_eq!(sub_attr.as_deref(), Some("displayName"));
//! assert_eq!(
//!     value_path.filter.as_equality().map(|(p, v)| (p.name.as_str(), v)),
//!     Some(("value", &CompValue::String("2819c223".into()))),
//! );
//!
//! // Errors carry a byte offset and map to SCIM errors.
//! let err = Filter::parse("userName eq bjensen").unwrap_err();
//! assert_eq!(err.offset(), 12);
//! let scim: scim_core::ScimError = err.into();
//! assert_eq!(scim.scim_type(), Some(scim_core::ScimType::InvalidFilter));
//! # let _ = CompareOp::Eq;
//! # Ok(())
//! # }
//! ```
//!
//! # What is accepted
//!
//! - The grammar of RFC 7644 Figure 1, with operators and `and`/`or`/`not` in any case
//!   (§3.4.2.2: "case insensitive"). `and` binds tighter than `or`; chains fold left.
//! - JSON values per RFC 8259: strings with every escape (surrogate pairs included), numbers
//!   with fractions and exponents, `true`/`false`/`null` (any case). Bare words and single
//!   quotes are errors.
//! - Attribute paths with a schema URN prefix: the URN is everything before the last `:`
//!   (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`).
//! - Leniencies seen in identity providers: any whitespace between and around tokens, `not(`,
//!   and Microsoft Entra ID's `emails[type eq "work"].value eq "x"`, read as
//!   `emails[type eq "work" and value eq "x"]`.
//!
//! # Pushing filters down to a database
//!
//! Hosts that keep resources in their own database translate a filter instead of scanning:
//! [`FilterVisitor`] and [`Filter::accept`] fold the tree into anything, and [`SqlMapping`] is
//! a ready translator to a parameterised SQL `WHERE` clause for SQLite and PostgreSQL. The host
//! maps attribute paths to columns or JSON expressions and multi-valued attributes to child
//! tables (queried with `EXISTS`); values become bind parameters, never SQL text; `caseExact`
//! comes from the schema; and an attribute without a column is an error ([`SqlError`], 400
//! `invalidFilter`). The result selects the same resources as [`Matcher::matches`], with the
//! few documented exceptions of [`SqlMapping`]'s module (SQLite folds ASCII case only and
//! compares date-times to the millisecond). For the query identity providers send most,
//! `userName eq "x"` (possibly `and` more equalities), [`Filter::index_lookup`] picks the
//! indexed equality to look up.

mod ast;
mod chain;
mod error;
mod eval;
mod options;
mod parser;
mod serde_impl;
mod sql;
mod visit;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath, ValuePath};
pub use error::{Grammar, ParseError, ParseErrorKind};
pub use eval::{EvalError, Matcher, ValueFilterOptions, matches};
pub use options::ParseOptions;
pub use sql::{
    Column, ColumnKind, Dialect, MultiValued, SqlError, SqlMapping, SqlMappingBuilder, SqlParam,
    SqlWhere,
};
pub use visit::FilterVisitor;
