//! The public vocabulary of the SQL translator: dialects, bound parameters, columns, values
//! tables, the translated clause and its errors.

use std::collections::BTreeMap;

use scim_core::ScimError;

use crate::eval::EvalError;

/// The SQL dialect to write: it decides placeholders, casts and a few functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite 3: `?` placeholders, booleans as `0`/`1`, date-times as text.
    Sqlite,
    /// PostgreSQL: `$1`, `$2`, … placeholders, `boolean` and `timestamptz` columns.
    Postgres,
}

/// A value to bind to a placeholder of an [`SqlWhere`].
///
/// In PostgreSQL, the placeholders of the non-text values carry a cast (`$1::bigint`,
/// `$2::double precision`, `$3::boolean`), so they can be bound as `i64`, `f64` and `bool`
/// whatever the column's exact type. Text is bound as text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SqlParam {
    /// A string: a compared value (lowercased for `caseExact: false` attributes), a `LIKE` or
    /// `GLOB` pattern, or a date-time in canonical UTC form.
    Text(String),
    /// An integer.
    Integer(i64),
    /// A number with a fraction or exponent, or outside the `i64` range.
    Real(f64),
    /// A boolean (SQLite stores it as `1` or `0`).
    Bool(bool),
}

/// A translated filter: a condition for a `WHERE` clause and the values for its placeholders,
/// in order.
///
/// Put it in parentheses when combining it with the host's own conditions
/// (`WHERE tenant = ? AND (…)`). With PostgreSQL, the placeholders are numbered from `$1`, so
/// the host's own parameters go after them (`$n` with `n = params.len() + 1`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlWhere {
    /// The condition, e.g. `lower(user_name) = ?`.
    pub sql: String,
    /// The values to bind, in placeholder order.
    pub params: Vec<SqlParam>,
}

/// How a [`Column`] compares text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ColumnKind {
    /// The column holds the attribute's values as the schema types them (text for strings,
    /// boolean, number, date-time) and compares text case-sensitively; `caseExact: false`
    /// comparisons wrap it in `lower()`.
    #[default]
    Native,
    /// A `caseExact: false` string stored so that it already compares case-insensitively:
    /// lowercased by the host, or with a case-insensitive type or collation (PostgreSQL
    /// `citext`, SQLite `COLLATE NOCASE`, which folds ASCII only). Comparisons use the column
    /// as it is, with the value lowercased, so a plain index serves them.
    CaseInsensitive,
}

/// Where an attribute's value is: a SQL expression, inserted verbatim into the generated SQL,
/// and its [`ColumnKind`].
///
/// The expression is the host's trusted text: a column (`user_name`, `users.user_name`) or
/// any scalar expression (`json_extract(data, '$.title')`, `data->>'title'`,
/// `(data->>'active')::boolean`). It is never built from client input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    pub(super) expr: String,
    pub(super) kind: ColumnKind,
}

impl Column {
    /// A [`ColumnKind::Native`] column.
    pub fn new(expr: impl Into<String>) -> Self {
        Column {
            expr: expr.into(),
            kind: ColumnKind::Native,
        }
    }

    /// A [`ColumnKind::CaseInsensitive`] column, for a `caseExact: false` string attribute.
    pub fn case_insensitive(expr: impl Into<String>) -> Self {
        Column {
            expr: expr.into(),
            kind: ColumnKind::CaseInsensitive,
        }
    }

    /// The SQL expression.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// How the column compares text.
    pub fn kind(&self) -> ColumnKind {
        self.kind
    }
}

impl From<&str> for Column {
    /// [`Column::new`].
    fn from(expr: &str) -> Self {
        Column::new(expr)
    }
}

impl From<String> for Column {
    /// [`Column::new`].
    fn from(expr: String) -> Self {
        Column::new(expr)
    }
}

/// Where the values of a multi-valued attribute are: a row source for a correlated subquery,
/// and a column for each sub-attribute.
///
/// A comparison such as `emails[type eq "work" and value co "@example.com"]` becomes
/// `EXISTS (SELECT 1 FROM <from> WHERE <on> AND …)`. `from` and `on` are the host's trusted
/// SQL, inserted verbatim:
///
/// - a child table: `MultiValued::new("user_emails AS e").on("e.user_id = users.id")`, with
///   columns `e.value`, `e.type`;
/// - a JSON array in SQLite: `MultiValued::new("json_each(users.data, '$.emails') AS e")`,
///   with columns `json_extract(e.value, '$.type')`;
/// - a JSON array in PostgreSQL:
///   `MultiValued::new("jsonb_array_elements(users.data->'emails') AS e")`,
///   with columns `e->>'type'`.
///
/// For a multi-valued attribute without sub-attributes (a list of strings), map the element
/// under the name `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiValued {
    pub(super) from: String,
    pub(super) on: Option<String>,
    pub(super) columns: BTreeMap<String, Column>,
}

impl MultiValued {
    /// Values read `FROM from` (a table, a join, a table-valued function), with no join
    /// condition yet.
    pub fn new(from: impl Into<String>) -> Self {
        MultiValued {
            from: from.into(),
            on: None,
            columns: BTreeMap::new(),
        }
    }

    /// The condition that ties a value row to the resource row of the outer query, e.g.
    /// `e.user_id = users.id`.
    #[must_use]
    pub fn on(mut self, condition: impl Into<String>) -> Self {
        self.on = Some(condition.into());
        self
    }

    /// Maps a sub-attribute (`value`, `type`, `primary`, …; any case) to a column of the rows.
    #[must_use]
    pub fn column(mut self, sub_attr: &str, column: impl Into<Column>) -> Self {
        self.columns.insert(sub_attr.to_owned(), column.into());
        self
    }
}

/// A filter that cannot be translated to SQL, or a mapping that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The filter does not fit the resource type: an unknown attribute or a comparison the
    /// attribute's type does not support (the errors of [`Filter::resolve`](crate::Filter::resolve)).
    #[error(transparent)]
    Filter(#[from] EvalError),
    /// The filter uses an attribute the mapping has no column for.
    #[error("filtering on {path} is not supported: it is not mapped to a database column")]
    Unmapped {
        /// The attribute's canonical path, e.g. `name.honorificPrefix`.
        path: String,
    },
    /// [`SqlMappingBuilder::build`](crate::SqlMappingBuilder::build): an entry names an attribute the resource type does not
    /// define, or maps it in a way that does not fit its definition.
    #[error("invalid SQL mapping for {path}: {reason}")]
    Mapping {
        /// The path as given to the builder.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl From<SqlError> for ScimError {
    /// Filter errors and unmapped attributes are `400 invalidFilter` (a filter this server
    /// cannot evaluate, RFC 7644 §3.4.2.2); a bad mapping is a server fault, `500` with a
    /// generic detail.
    fn from(err: SqlError) -> Self {
        match err {
            SqlError::Filter(e) => e.into(),
            SqlError::Unmapped { .. } => ScimError::invalid_filter(err.to_string()),
            SqlError::Mapping { .. } => ScimError::internal(),
        }
    }
}
