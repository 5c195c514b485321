//! SCIM 2.0 filters and PATCH paths: parser, syntax tree and canonical printer.
//!
//! This crate implements the `filter` query parameter grammar of RFC 7644 §3.4.2.2 (Figure 1)
//! and the PATCH `path` grammar of RFC 7644 §3.5.2 (Figure 7). It turns text into a typed
//! syntax tree ([`Filter`], [`PatchPath`], [`AttrPath`]) and prints trees back in a canonical
//! form that parses to the same tree. It depends on `scim-core` only for the error conversion
//! ([`ParseError`] → [`scim_core::ScimError`] with `invalidFilter` or `invalidPath`); resolving
//! names against a schema and evaluating filters against resources build on this tree.
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
//! Input is bounded by [`ParseOptions`] (nesting depth 64 and 64 KiB by default); the parser is
//! iterative, runs in linear time and never panics on input.
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
