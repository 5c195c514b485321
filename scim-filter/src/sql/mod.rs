//! Translation of filters into parameterised SQL `WHERE` clauses (SQLite and PostgreSQL), so that
//! a host's store can push a client's filter down to its database instead of scanning.
//!
//! The host describes its storage once with an [`SqlMapping`]: which column (or JSON expression)
//! holds each attribute, and which table (or JSON array) holds the values of each multi-valued
//! attribute. [`SqlMapping::translate`] then turns a [`Filter`] into an [`SqlWhere`]: SQL text
//! with placeholders (`?` for SQLite, `$1`, `$2`, … for PostgreSQL) and the values to bind, in
//! order. Filter values never appear in the SQL text, and the host's expressions are inserted
//! verbatim (they are the host's trusted text, never a client's).
//!
//! The semantics, and the few differences from in-memory evaluation, are documented on
//! [`SqlMapping`].
//!
//! The module's files: `types` (the public vocabulary: [`Dialect`], [`SqlParam`],
//! [`SqlWhere`], [`Column`], [`MultiValued`], [`SqlError`]), `mapping` ([`SqlMapping`] and its
//! builder), `dialect` (the SQL text each dialect needs) and `translate` (the filter walk).

mod dialect;
mod mapping;
mod translate;
mod types;

#[cfg(test)]
mod tests;

pub use mapping::{SqlMapping, SqlMappingBuilder};
pub use types::{Column, ColumnKind, Dialect, MultiValued, SqlError, SqlParam, SqlWhere};
