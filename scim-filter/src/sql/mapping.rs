//! [`SqlMapping`], the host's description of its storage, and its builder.

use std::collections::BTreeMap;
use std::sync::Arc;

use scim_core::{AttrType, Attribute, ResourceType};

use super::types::{Column, ColumnKind, MultiValued, SqlError};

/// How a resource type's attributes are stored in a database, for translating filters to SQL
///
/// Build one per resource type with [`SqlMapping::builder`]; paths are resolved against the
/// resource type there, in any case and with or without the schema URN. Then
/// [`SqlMapping::translate`] turns filters into [`SqlWhere`](super::types::SqlWhere) clauses.
///
/// # Example
///
/// ```
/// use scim_core::ResourceType;
/// use scim_filter::{Column, Dialect, Filter, MultiValued, SqlMapping, SqlParam};
///
/// let mapping = SqlMapping::builder(ResourceType::user())
///     .column("id", "users.id")
///     .column("userName", Column::case_insensitive("users.user_name_lower"))
///     .column("name.familyName", "users.family_name")
///     .column("active", "users.active")
///     .column("department", "users.department") // the enterprise extension
///     .multi_valued(
///         "emails",
///         MultiValued::new("emails AS e")
///             .on("e.user_id = users.id")
///             .column("value", "e.value")
///             .column("type", "e.type"),
///     )
///     .build()?;
///
/// let filter = Filter::parse(r#"userName eq "BJensen" and not (emails[type eq "work" and value ew "@example.com"])"#)?;
/// let sqlite = mapping.translate(&filter, Dialect::Sqlite)?;
/// assert_eq!(
///     sqlite.sql,
///     r"users.user_name_lower = ? AND NOT (EXISTS (SELECT 1 FROM emails AS e WHERE e.user_id = users.id AND lower(e.type) = ? AND lower(e.value) LIKE ? ESCAPE '\'))",
/// );
/// assert_eq!(
///     sqlite.params,
///     [
///         SqlParam::Text("bjensen".into()),
///         SqlParam::Text("work".into()),
///         SqlParam::Text("%@example.com".into()),
///     ],
/// );
///
/// let pg = mapping.translate(&Filter::parse(r#"active eq true or name.familyName gt "J""#)?, Dialect::Postgres)?;
/// assert_eq!(pg.sql, r#"users.active = $1::boolean OR lower(users.family_name) COLLATE "C" > $2"#);
///
/// // Attributes without a column are an error (400 invalidFilter), not a silent scan.
/// let err = mapping.translate(&Filter::parse("title pr")?, Dialect::Sqlite).unwrap_err();
/// assert_eq!(err.to_string(), "filtering on title is not supported: it is not mapped to a database column");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Semantics
///
/// The clause selects exactly the rows whose resources
/// [`Matcher::matches`](crate::Matcher::matches) accepts, with the differences listed below.
/// The attributes' types and `caseExact` come from the resource type's schema, as in memory:
///
/// - `caseExact: false` strings compare lowercased: `lower(col) = ?`, with the value lowercased
///   in Rust (Unicode rules). Index such columns with an expression index on `lower(col)`, or
///   declare them [`ColumnKind::CaseInsensitive`] when the column already compares that way.
/// - `co`, `sw` and `ew` become `LIKE ? ESCAPE '\'` with `%`, `_` and `\` escaped in the bound
///   pattern. For `caseExact` attributes SQLite uses `GLOB` instead (its `LIKE` ignores ASCII
///   case), with `*`, `?` and `[` escaped.
/// - `gt`/`ge`/`lt`/`le` on strings compare by code point, as in memory: SQLite's default
///   `BINARY` collation does, and PostgreSQL gets `COLLATE "C"`.
/// - `dateTime` values compare as instants: SQLite stores them as text in any format its date
///   functions read (`2011-05-13T04:42:34Z`, with an offset or fractional seconds) and compares
///   `julianday(col)`; PostgreSQL compares a `timestamptz` column with `$n::text::timestamptz`.
///   The bound value is the canonical UTC text of [`scim_core::DateTime`].
/// - `pr` is `col IS NOT NULL` and, for text, `col <> ''`; `eq null` is its negation and
///   `ne null` the same test. A complex attribute stored in several columns is present when one
///   of its mapped sub-attributes is not `NULL`.
/// - A comparison on a multi-valued attribute, and a value path `emails[type eq "work"]`,
///   become `EXISTS (SELECT 1 FROM <values> WHERE <join> AND …)`; a comparison without a
///   sub-attribute compares `value` (`emails co "x"` compares `emails.value`).
/// - Absent attributes are `NULL`. A comparison with an absent attribute is false in memory
///   but `NULL` in SQL; that is the same in a `WHERE` clause except under `not`, so every
///   `not` whose operand can be `NULL` becomes `NOT COALESCE(…, FALSE)` (`0` for SQLite), and
///   `not (title eq "x")` selects the users without a title, as in memory.
/// - `and`/`or` chains longer than 64 terms are grouped into nested parentheses of at most 64
///   terms, since SQLite rejects expressions more than 1,000 operators deep (an 8,000-term `or`
///   would fail there).
///
/// Remaining differences, all outside what a normal schema and storage produce:
///
/// - SQLite's `lower()` and `LIKE` fold ASCII letters only, so a `caseExact: false` value with
///   non-ASCII capitals in the database (`Ünïcødé`) does not match its lowercase form, while it
///   does in memory. PostgreSQL's `lower()` follows the database's locale.
/// - SQLite compares date-times to the millisecond; memory to the nanosecond.
/// - A stored value of the wrong type (text in a boolean column, an unparseable date-time)
///   follows the database's rules; in memory it never matches.
/// - `emails pr` is true in SQL for any row in the values table, even one whose mapped columns
///   are all `NULL` (in memory, an empty object `{}` is not present).
/// - The clause is `TRUE` exactly for the matching rows, but can be `NULL` rather than `FALSE`
///   for the others: to negate it, write `NOT COALESCE((…), FALSE)`.
///
/// # Errors
///
/// The filter is checked against the resource type as [`Filter::resolve`](crate::Filter::resolve) checks it: an
/// unknown attribute, a comparison its type does not support, or a secret attribute
/// (`returned: never` or `mutability: writeOnly`, such as `password`:
/// [`EvalError::SecretAttribute`](crate::EvalError::SecretAttribute), even when the mapping has
/// a column for it) is [`SqlError::Filter`]. An attribute the mapping has no column for is
/// [`SqlError::Unmapped`]. Both become `400 invalidFilter`. The presence test of a complex
/// attribute stored in sub-attribute columns ignores the columns of secret sub-attributes.
#[derive(Debug, Clone)]
pub struct SqlMapping {
    pub(super) ty: Arc<ResourceType>,
    /// Canonical attribute path (`name.givenName`, `urn:…:department`) → column.
    pub(super) columns: BTreeMap<String, Column>,
    /// Canonical path of a multi-valued attribute → its values, with canonical sub-attribute
    /// names as column keys.
    pub(super) multi: BTreeMap<String, MultiValued>,
}

/// Builds an [`SqlMapping`]; the first invalid entry is reported by
/// [`build`](SqlMappingBuilder::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct SqlMappingBuilder {
    mapping: SqlMapping,
    error: Option<SqlError>,
}

impl SqlMapping {
    /// Starts a mapping for resources of type `ty` (a [`ResourceType`] or an
    /// `Arc<ResourceType>` from a [`Registry`](scim_core::Registry)).
    pub fn builder(ty: impl Into<Arc<ResourceType>>) -> SqlMappingBuilder {
        SqlMappingBuilder {
            mapping: SqlMapping {
                ty: ty.into(),
                columns: BTreeMap::new(),
                multi: BTreeMap::new(),
            },
            error: None,
        }
    }

    /// The resource type the mapping is for.
    pub fn resource_type(&self) -> &ResourceType {
        &self.ty
    }
}

impl SqlMappingBuilder {
    /// Maps a single-valued attribute or sub-attribute (`userName`, `name.givenName`,
    /// `meta.lastModified`, `urn:…:enterprise:2.0:User:manager.value`, or a bare extension
    /// attribute such as `department`) to a column.
    ///
    /// A sub-attribute of a multi-valued attribute may be mapped too (say `emails.value` to a
    /// column holding the primary email only); the translation then compares that one value.
    pub fn column(mut self, path: &str, column: impl Into<Column>) -> Self {
        if self.error.is_some() {
            return self;
        }
        let column = column.into();
        let result = match self.mapping.ty.resolve(path) {
            None => Err(mapping_error(path, "not an attribute of the resource type")),
            Some(r) => check_kind(path, r.definition(), &column).map(|()| r.canonical_path()),
        };
        match result {
            Ok(key) => {
                self.mapping.columns.insert(key, column);
            }
            Err(e) => self.error = Some(e),
        }
        self
    }

    /// Maps the values of a multi-valued attribute (`emails`, `groups`, `urn:…:roles`).
    pub fn multi_valued(mut self, attr: &str, values: MultiValued) -> Self {
        if self.error.is_some() {
            return self;
        }
        match self.canonical_values(attr, values) {
            Ok((key, values)) => {
                self.mapping.multi.insert(key, values);
            }
            Err(e) => self.error = Some(e),
        }
        self
    }

    fn canonical_values(
        &self,
        attr: &str,
        values: MultiValued,
    ) -> Result<(String, MultiValued), SqlError> {
        let resolved = self
            .mapping
            .ty
            .resolve(attr)
            .ok_or_else(|| mapping_error(attr, "not an attribute of the resource type"))?;
        let def = resolved.attribute();
        if resolved.sub_attribute().is_some() || !def.multi_valued {
            return Err(mapping_error(attr, "not a multi-valued attribute"));
        }
        let mut columns = BTreeMap::new();
        for (sub, column) in values.columns {
            let sub_def = if def.is_complex() {
                def.sub_attribute(&sub)
                    .ok_or_else(|| mapping_error(attr, "a column names an unknown sub-attribute"))?
            } else if sub.eq_ignore_ascii_case("value") {
                def
            } else {
                return Err(mapping_error(
                    attr,
                    "the values of an attribute without sub-attributes are mapped as `value`",
                ));
            };
            check_kind(attr, sub_def, &column)?;
            let name = if def.is_complex() {
                sub_def.name.clone()
            } else {
                "value".to_owned()
            };
            columns.insert(name, column);
        }
        Ok((resolved.canonical_path(), MultiValued { columns, ..values }))
    }

    /// The mapping, or the first invalid entry.
    pub fn build(self) -> Result<SqlMapping, SqlError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.mapping),
        }
    }
}

fn mapping_error(path: &str, reason: &'static str) -> SqlError {
    SqlError::Mapping {
        path: path.to_owned(),
        reason,
    }
}

fn check_kind(path: &str, def: &Attribute, column: &Column) -> Result<(), SqlError> {
    let text = matches!(def.ty, AttrType::String | AttrType::Reference);
    if column.kind == ColumnKind::CaseInsensitive && (!text || def.case_exact) {
        return Err(mapping_error(
            path,
            "a case-insensitive column needs a string attribute with caseExact false",
        ));
    }
    Ok(())
}
