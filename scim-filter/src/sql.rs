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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Bound;
use std::sync::Arc;

use scim_core::{AttrType, Attribute, DateTime, ResourceType, ScimError};

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::eval::EvalError;
use crate::visit::FilterVisitor;

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
    expr: String,
    kind: ColumnKind,
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
    from: String,
    on: Option<String>,
    columns: BTreeMap<String, Column>,
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
    /// attribute's type does not support (the errors of [`Filter::resolve`]).
    #[error(transparent)]
    Filter(#[from] EvalError),
    /// The filter uses an attribute the mapping has no column for.
    #[error("filtering on {path} is not supported: it is not mapped to a database column")]
    Unmapped {
        /// The attribute's canonical path, e.g. `name.honorificPrefix`.
        path: String,
    },
    /// [`SqlMappingBuilder::build`]: an entry names an attribute the resource type does not
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

/// How a resource type's attributes are stored in a database, for translating filters to SQL
///
/// Build one per resource type with [`SqlMapping::builder`]; paths are resolved against the
/// resource type there, in any case and with or without the schema URN. Then
/// [`SqlMapping::translate`] turns filters into [`SqlWhere`] clauses.
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
/// The filter is checked against the resource type as [`Filter::resolve`] checks it: an
/// unknown attribute or a comparison its type does not support is [`SqlError::Filter`]. An
/// attribute the mapping has no column for is [`SqlError::Unmapped`]. Both become
/// `400 invalidFilter`.
#[derive(Debug, Clone)]
pub struct SqlMapping {
    ty: Arc<ResourceType>,
    /// Canonical attribute path (`name.givenName`, `urn:…:department`) → column.
    columns: BTreeMap<String, Column>,
    /// Canonical path of a multi-valued attribute → its values, with canonical sub-attribute
    /// names as column keys.
    multi: BTreeMap<String, MultiValued>,
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

    /// Translates `filter` into a `WHERE` condition in `dialect`.
    ///
    /// The filter may be as parsed or as [`Filter::resolve`] returns it: names are resolved
    /// against the resource type here, case-insensitively, and every comparison is checked as
    /// [`Filter::resolve`] checks it. Chains are walked in a loop, so long `or` lists cost no
    /// stack.
    pub fn translate(&self, filter: &Filter, dialect: Dialect) -> Result<SqlWhere, SqlError> {
        let mut translator = Translator {
            mapping: self,
            dialect,
            params: Vec::new(),
            scope: Scope::Resource,
            key: String::new(),
        };
        let frag = filter.accept(&mut translator)?;
        Ok(SqlWhere {
            sql: frag.sql,
            params: translator.params,
        })
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

/// Operator precedence of a fragment, for parenthesising: `OR` < `AND` < anything else.
const OR: u8 = 0;
const AND: u8 = 1;
const ATOM: u8 = 2;

/// Chains longer than this are grouped into parenthesised runs of this many terms.
const MAX_FLAT: usize = 64;

/// A translated node.
#[derive(Debug)]
struct Frag {
    sql: String,
    /// Precedence of the outermost operator.
    prec: u8,
    /// Whether the condition can be `NULL` where memory says false (a comparison with an
    /// absent value); such conditions are only `TRUE` where memory says true, so they are
    /// correct everywhere except under `NOT`.
    nullable: bool,
}

impl Frag {
    fn atom(sql: String, nullable: bool) -> Self {
        Frag {
            sql,
            prec: ATOM,
            nullable,
        }
    }
}

/// Where the names of the node being translated are resolved.
#[derive(Debug, Clone, Copy)]
enum Scope<'m> {
    /// The resource's attributes.
    Resource,
    /// Inside `attr[…]` of a multi-valued attribute: the sub-attributes of `parent`, read from
    /// the rows of `values`.
    Values {
        urn: Option<&'m str>,
        parent: &'m Attribute,
        values: &'m MultiValued,
    },
    /// Inside `attr[…]` of a single-valued complex attribute: its sub-attributes, read from the
    /// mapping's columns.
    Complex {
        urn: Option<&'m str>,
        parent: &'m Attribute,
    },
}

/// An attribute path resolved in the current scope.
#[derive(Debug, Clone, Copy)]
struct Located<'m> {
    urn: Option<&'m str>,
    attr: &'m Attribute,
    sub: Option<&'m Attribute>,
}

impl<'m> Located<'m> {
    fn def(&self) -> &'m Attribute {
        self.sub.unwrap_or(self.attr)
    }
}

/// The column a comparison reads, and the values table it lives in when the comparison must be
/// wrapped in `EXISTS`.
#[derive(Debug, Clone, Copy)]
struct Target<'m> {
    column: &'m Column,
    values: Option<&'m MultiValued>,
}

/// A comparison value converted to the attribute's type.
#[derive(Debug)]
enum Operand {
    /// Lowercased unless `case_exact`.
    Text {
        s: String,
        case_exact: bool,
    },
    Number(SqlParam),
    Bool(bool),
    Date(DateTime),
}

struct Translator<'m> {
    mapping: &'m SqlMapping,
    dialect: Dialect,
    params: Vec<SqlParam>,
    scope: Scope<'m>,
    /// Scratch buffer for column keys.
    key: String,
}

impl<'m> Translator<'m> {
    fn locate(&self, path: &AttrPath) -> Result<Located<'m>, SqlError> {
        let ty: &'m ResourceType = &self.mapping.ty;
        let unknown = |resource_type: &str| EvalError::UnknownAttribute {
            path: path.to_string(),
            resource_type: resource_type.to_owned(),
        };
        match self.scope {
            Scope::Resource => {
                let r = ty
                    .resolve_parts(path.urn.as_deref(), &path.name, path.sub_attr.as_deref())
                    .ok_or_else(|| unknown(&ty.name))?;
                Ok(Located {
                    urn: r.extension_urn(),
                    attr: r.attribute(),
                    sub: r.sub_attribute(),
                })
            }
            Scope::Values { urn, parent, .. } | Scope::Complex { urn, parent } => {
                if path.urn.is_some() || path.sub_attr.is_some() {
                    return Err(unknown(&parent.name).into());
                }
                let sub = parent
                    .sub_attribute(&path.name)
                    .ok_or_else(|| unknown(&parent.name))?;
                Ok(Located {
                    urn,
                    attr: parent,
                    sub: Some(sub),
                })
            }
        }
    }

    /// Writes the canonical path of `attr` (and `sub`) into the scratch key.
    fn set_key(&mut self, urn: Option<&str>, attr: &str, sub: Option<&str>) {
        self.key.clear();
        if let Some(urn) = urn {
            self.key.push_str(urn);
            self.key.push(':');
        }
        self.key.push_str(attr);
        if let Some(sub) = sub {
            self.key.push('.');
            self.key.push_str(sub);
        }
    }

    fn unmapped(&mut self, urn: Option<&str>, attr: &str, sub: Option<&str>) -> SqlError {
        self.set_key(urn, attr, sub);
        SqlError::Unmapped {
            path: self.key.clone(),
        }
    }

    /// The values table mapped for the multi-valued attribute of `loc`, if any.
    fn values_of(&mut self, loc: &Located<'m>) -> Option<&'m MultiValued> {
        if !loc.attr.multi_valued {
            return None;
        }
        let mapping: &'m SqlMapping = self.mapping;
        self.set_key(loc.urn, &loc.attr.name, None);
        mapping.multi.get(self.key.as_str())
    }

    /// The column holding the value `loc` designates.
    fn target(&mut self, loc: &Located<'m>) -> Result<Target<'m>, SqlError> {
        let mapping: &'m SqlMapping = self.mapping;
        let sub_name = loc.sub.map(|s| s.name.as_str());
        if let Scope::Values { values, .. } = self.scope {
            let name = sub_name.unwrap_or("value");
            return match values.columns.get(name) {
                Some(column) => Ok(Target {
                    column,
                    values: None,
                }),
                None => Err(self.unmapped(loc.urn, &loc.attr.name, Some(name))),
            };
        }
        self.set_key(loc.urn, &loc.attr.name, sub_name);
        if let Some(column) = mapping.columns.get(self.key.as_str()) {
            return Ok(Target {
                column,
                values: None,
            });
        }
        if let Some(values) = self.values_of(loc) {
            let name = sub_name.unwrap_or("value");
            return match values.columns.get(name) {
                Some(column) => Ok(Target {
                    column,
                    values: Some(values),
                }),
                None => Err(self.unmapped(loc.urn, &loc.attr.name, Some(name))),
            };
        }
        Err(self.unmapped(loc.urn, &loc.attr.name, sub_name))
    }

    /// `attr pr` on the path `loc` designates (no `value` redirection).
    fn presence(&mut self, loc: &Located<'m>) -> Result<Frag, SqlError> {
        let sub_name = loc.sub.map(|s| s.name.as_str());
        if !matches!(self.scope, Scope::Values { .. }) {
            // A column for the exact path wins; else a values table; else the sub-columns of a
            // single-valued complex attribute.
            let mapping: &'m SqlMapping = self.mapping;
            self.set_key(loc.urn, &loc.attr.name, sub_name);
            if !mapping.columns.contains_key(self.key.as_str()) {
                if let Some(values) = self.values_of(loc) {
                    if loc.sub.is_none() && loc.attr.is_complex() {
                        return Ok(Frag::atom(exists(values, None), false));
                    }
                    let target = self.target(loc)?;
                    let cond = Frag::atom(self.is_present(target.column, loc.def()), false);
                    return Ok(Frag::atom(exists(values, Some(&cond)), false));
                }
                if loc.sub.is_none() && loc.attr.is_complex() {
                    return self.any_sub_present(loc.urn, loc.attr);
                }
            }
        }
        let target = self.target(loc)?;
        let cond = self.is_present(target.column, loc.def());
        Ok(Frag::atom(cond, false))
    }

    /// `col IS NOT NULL`, and not empty for text.
    fn is_present(&self, column: &Column, def: &Attribute) -> String {
        let text = match def.ty {
            AttrType::String | AttrType::Reference | AttrType::Binary => true,
            AttrType::DateTime => self.dialect == Dialect::Sqlite,
            _ => false,
        };
        let e = &column.expr;
        if text {
            format!("({e} IS NOT NULL AND {e} <> '')")
        } else {
            format!("{e} IS NOT NULL")
        }
    }

    /// A single-valued complex attribute stored as sub-attribute columns is present when one of
    /// them is not `NULL`.
    fn any_sub_present(
        &mut self,
        urn: Option<&'m str>,
        attr: &'m Attribute,
    ) -> Result<Frag, SqlError> {
        let mapping: &'m SqlMapping = self.mapping;
        self.set_key(urn, &attr.name, None);
        self.key.push('.');
        let prefix = self.key.as_str();
        let mut sql = String::new();
        let subs = mapping
            .columns
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix));
        for (i, (_, column)) in subs.enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str(&column.expr);
            sql.push_str(" IS NOT NULL");
        }
        if sql.is_empty() {
            return Err(self.unmapped(urn, &attr.name, None));
        }
        Ok(Frag::atom(format!("({sql})"), false))
    }

    /// Appends a placeholder for `param` (with `cast` after it in PostgreSQL).
    fn bind(&mut self, out: &mut String, param: SqlParam, cast: &str) {
        let default_cast = match param {
            SqlParam::Integer(_) => "::bigint",
            SqlParam::Real(_) => "::double precision",
            SqlParam::Bool(_) => "::boolean",
            SqlParam::Text(_) => "",
        };
        self.params.push(param);
        match self.dialect {
            Dialect::Sqlite => out.push('?'),
            Dialect::Postgres => {
                let _ = write!(out, "${}{default_cast}{cast}", self.params.len());
            }
        }
    }

    /// The comparison of `column` with `operand`.
    fn comparison(&mut self, column: &Column, op: CompareOp, operand: Operand) -> String {
        let e = column.expr.as_str();
        let mut out = String::with_capacity(e.len() + 24);
        match operand {
            Operand::Text { s, case_exact } => {
                let folded = !case_exact && column.kind == ColumnKind::Native;
                let lhs = |out: &mut String| {
                    if folded {
                        out.push_str("lower(");
                        out.push_str(e);
                        out.push(')');
                    } else {
                        out.push_str(e);
                    }
                };
                match op {
                    CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
                        let glob = case_exact && self.dialect == Dialect::Sqlite;
                        lhs(&mut out);
                        out.push_str(if glob { " GLOB " } else { " LIKE " });
                        let pattern = if glob {
                            pattern(op, &s, '*', |c| match c {
                                '*' => Some("[*]"),
                                '?' => Some("[?]"),
                                '[' => Some("[[]"),
                                _ => None,
                            })
                        } else {
                            pattern(op, &s, '%', |c| match c {
                                '%' => Some("\\%"),
                                '_' => Some("\\_"),
                                '\\' => Some("\\\\"),
                                _ => None,
                            })
                        };
                        self.bind(&mut out, SqlParam::Text(pattern), "");
                        if !glob {
                            out.push_str(" ESCAPE '\\'");
                        }
                    }
                    CompareOp::Eq | CompareOp::Ne => {
                        lhs(&mut out);
                        out.push_str(sql_op(op));
                        self.bind(&mut out, SqlParam::Text(s), "");
                    }
                    CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
                        lhs(&mut out);
                        if self.dialect == Dialect::Postgres {
                            out.push_str(" COLLATE \"C\"");
                        }
                        out.push_str(sql_op(op));
                        self.bind(&mut out, SqlParam::Text(s), "");
                    }
                }
            }
            Operand::Number(n) => {
                out.push_str(e);
                out.push_str(sql_op(op));
                self.bind(&mut out, n, "");
            }
            Operand::Bool(b) => {
                out.push_str(e);
                out.push_str(sql_op(op));
                self.bind(&mut out, SqlParam::Bool(b), "");
            }
            Operand::Date(at) => match self.dialect {
                Dialect::Sqlite => {
                    out.push_str("julianday(");
                    out.push_str(e);
                    out.push(')');
                    out.push_str(sql_op(op));
                    out.push_str("julianday(");
                    self.bind(&mut out, SqlParam::Text(at.to_string()), "");
                    out.push(')');
                }
                Dialect::Postgres => {
                    out.push_str(e);
                    out.push_str(sql_op(op));
                    self.bind(
                        &mut out,
                        SqlParam::Text(at.to_string()),
                        "::text::timestamptz",
                    );
                }
            },
        }
        out
    }

    fn false_literal(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "0",
            Dialect::Postgres => "FALSE",
        }
    }

    /// Joins a chain's operands with `sep`, grouping long chains (see [`MAX_FLAT`]).
    fn chain(&self, operands: Vec<Frag>, prec: u8) -> Frag {
        let sep = if prec == OR { " OR " } else { " AND " };
        let nullable = operands.iter().any(|f| f.nullable);
        if operands.len() <= MAX_FLAT {
            let len = operands.iter().map(|f| f.sql.len() + 7).sum();
            let mut sql = String::with_capacity(len);
            for (i, f) in operands.iter().enumerate() {
                if i > 0 {
                    sql.push_str(sep);
                }
                if f.prec < prec {
                    sql.push('(');
                    sql.push_str(&f.sql);
                    sql.push(')');
                } else {
                    sql.push_str(&f.sql);
                }
            }
            return Frag {
                sql,
                prec,
                nullable,
            };
        }
        let mut parts: Vec<String> = operands
            .into_iter()
            .map(|f| {
                if f.prec < prec {
                    format!("({})", f.sql)
                } else {
                    f.sql
                }
            })
            .collect();
        while parts.len() > MAX_FLAT {
            parts = parts
                .chunks(MAX_FLAT)
                .map(|run| format!("({})", run.join(sep)))
                .collect();
        }
        Frag {
            sql: parts.join(sep),
            prec,
            nullable,
        }
    }
}

/// `EXISTS (SELECT 1 FROM <from> WHERE <on> AND <cond>)`.
fn exists(values: &MultiValued, cond: Option<&Frag>) -> String {
    let mut out = String::from("EXISTS (SELECT 1 FROM ");
    out.push_str(&values.from);
    match (&values.on, cond) {
        (Some(on), Some(cond)) => {
            out.push_str(" WHERE ");
            out.push_str(on);
            out.push_str(" AND ");
            if cond.prec == OR {
                out.push('(');
                out.push_str(&cond.sql);
                out.push(')');
            } else {
                out.push_str(&cond.sql);
            }
        }
        (Some(only), None) => {
            out.push_str(" WHERE ");
            out.push_str(only);
        }
        (None, Some(cond)) => {
            out.push_str(" WHERE ");
            out.push_str(&cond.sql);
        }
        (None, None) => {}
    }
    out.push(')');
    out
}

fn sql_op(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => " = ",
        CompareOp::Ne => " <> ",
        CompareOp::Gt => " > ",
        CompareOp::Ge => " >= ",
        CompareOp::Lt => " < ",
        CompareOp::Le => " <= ",
        // Substring operators are written by the caller.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => " = ",
    }
}

/// A `LIKE` or `GLOB` pattern for `co`/`sw`/`ew`: `needle` with its special characters
/// escaped by `escape`, and the `any` wildcard where the operator leaves the text open.
fn pattern(
    op: CompareOp,
    needle: &str,
    any: char,
    escape: impl Fn(char) -> Option<&'static str>,
) -> String {
    let mut out = String::with_capacity(needle.len() + 4);
    if matches!(op, CompareOp::Co | CompareOp::Ew) {
        out.push(any);
    }
    for c in needle.chars() {
        match escape(c) {
            Some(escaped) => out.push_str(escaped),
            None => out.push(c),
        }
    }
    if matches!(op, CompareOp::Co | CompareOp::Sw) {
        out.push(any);
    }
    out
}

/// Converts a comparison value to the attribute's type, with exactly the checks of
/// [`Filter::compile`] (one shared function, `eval::operand`).
fn operand(
    path: &AttrPath,
    def: &Attribute,
    op: CompareOp,
    value: &CompValue,
) -> Result<Operand, EvalError> {
    Ok(match crate::eval::operand(path, def, op, value)? {
        crate::eval::Operand::Text { s, case_exact } => Operand::Text { s, case_exact },
        crate::eval::Operand::Number { int: Some(i), .. } => Operand::Number(SqlParam::Integer(i)),
        crate::eval::Operand::Number { n, int: None } => Operand::Number(SqlParam::Real(n)),
        crate::eval::Operand::Bool(b) => Operand::Bool(b),
        crate::eval::Operand::Date(d) => Operand::Date(d),
    })
}

impl<'m> FilterVisitor for Translator<'m> {
    type Output = Frag;
    type Error = SqlError;

    fn compare(
        &mut self,
        path: &AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<Frag, SqlError> {
        let mut loc = self.locate(path)?;
        if loc.def().is_complex() {
            // RFC 7644 §3.4.2.2: a complex attribute without a sub-attribute compares `value`.
            match (loc.sub, loc.attr.sub_attribute("value")) {
                (None, Some(v)) => loc.sub = Some(v),
                _ => {
                    return Err(EvalError::NotComparable {
                        path: path.to_string(),
                        what: "a complex attribute without a value sub-attribute to compare",
                    }
                    .into());
                }
            }
        }
        if let CompValue::Null = value {
            return match op {
                CompareOp::Eq => {
                    let present = self.presence(&loc)?;
                    self.not(present)
                }
                CompareOp::Ne => self.presence(&loc),
                _ => Err(EvalError::UnsupportedOperator {
                    path: path.to_string(),
                    op,
                    ty: loc.def().ty,
                }
                .into()),
            };
        }
        let operand = operand(path, loc.def(), op, value)?;
        let target = self.target(&loc)?;
        let cond = self.comparison(target.column, op, operand);
        Ok(match target.values {
            Some(values) => Frag::atom(exists(values, Some(&Frag::atom(cond, true))), false),
            None => Frag::atom(cond, true),
        })
    }

    fn present(&mut self, path: &AttrPath) -> Result<Frag, SqlError> {
        let loc = self.locate(path)?;
        self.presence(&loc)
    }

    fn and(&mut self, operands: Vec<Frag>) -> Result<Frag, SqlError> {
        Ok(self.chain(operands, AND))
    }

    fn or(&mut self, operands: Vec<Frag>) -> Result<Frag, SqlError> {
        Ok(self.chain(operands, OR))
    }

    fn not(&mut self, inner: Frag) -> Result<Frag, SqlError> {
        let sql = if inner.nullable {
            format!("NOT COALESCE({}, {})", inner.sql, self.false_literal())
        } else {
            format!("NOT ({})", inner.sql)
        };
        Ok(Frag::atom(sql, false))
    }

    fn value_path(&mut self, path: &AttrPath, inner: &Filter) -> Result<Frag, SqlError> {
        let not_complex = || EvalError::NotComparable {
            path: path.to_string(),
            what: "not a complex attribute and cannot take a value filter",
        };
        if !matches!(self.scope, Scope::Resource) {
            return Err(not_complex().into());
        }
        let loc = self.locate(path)?;
        if loc.sub.is_some() || !loc.attr.is_complex() {
            return Err(not_complex().into());
        }
        let (urn, parent) = (loc.urn, loc.attr);
        if parent.multi_valued {
            let Some(values) = self.values_of(&loc) else {
                return Err(self.unmapped(urn, &parent.name, None));
            };
            self.scope = Scope::Values {
                urn,
                parent,
                values,
            };
            let cond = inner.accept(self);
            self.scope = Scope::Resource;
            Ok(Frag::atom(exists(values, Some(&cond?)), false))
        } else {
            let present = self.any_sub_present(urn, parent)?;
            self.scope = Scope::Complex { urn, parent };
            let cond = inner.accept(self);
            self.scope = Scope::Resource;
            Ok(self.chain(vec![present, cond?], AND))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> SqlMapping {
        SqlMapping::builder(ResourceType::user())
            .column("id", "id")
            .column("userName", "user_name")
            .column("title", "title")
            .column("active", "active")
            .column("name.givenName", "given_name")
            .column("name.familyName", "family_name")
            .column("meta.lastModified", "last_modified")
            .column(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                "emp",
            )
            .multi_valued(
                "emails",
                MultiValued::new("emails")
                    .on("emails.user_id = users.id")
                    .column("value", "emails.value")
                    .column("TYPE", "emails.type")
                    .column("primary", "emails.is_primary"),
            )
            .build()
            .unwrap()
    }

    fn sql(filter: &str, dialect: Dialect) -> SqlWhere {
        mapping()
            .translate(&Filter::parse(filter).unwrap(), dialect)
            .unwrap()
    }

    #[test]
    fn translates_each_form() {
        use Dialect::{Postgres as P, Sqlite as S};
        let cases = [
            (r#"userName eq "A""#, S, "lower(user_name) = ?"),
            (r#"id eq "A""#, P, "id = $1"),
            (r#"id co "a%b""#, S, "id GLOB ?"),
            (r#"id sw "a""#, P, r"id LIKE $1 ESCAPE '\'"),
            (r#"title ew "x""#, S, r"lower(title) LIKE ? ESCAPE '\'"),
            (r#"title gt "x""#, P, r#"lower(title) COLLATE "C" > $1"#),
            ("title pr", S, "(title IS NOT NULL AND title <> '')"),
            (
                "title eq null",
                S,
                "NOT ((title IS NOT NULL AND title <> ''))",
            ),
            ("active ne null", P, "active IS NOT NULL"),
            ("active eq true", S, "active = ?"),
            ("active eq true", P, "active = $1::boolean"),
            (
                r#"meta.lastModified ge "2011-05-13T06:42:34+02:00""#,
                S,
                "julianday(last_modified) >= julianday(?)",
            ),
            (
                r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
                P,
                "last_modified < $1::text::timestamptz",
            ),
            ("meta.lastModified pr", P, "last_modified IS NOT NULL"),
            (
                r#"not (title eq "x")"#,
                S,
                "NOT COALESCE(lower(title) = ?, 0)",
            ),
            (
                r#"not (title eq "x" or emails pr)"#,
                P,
                "NOT COALESCE(lower(title) = $1 OR EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id), FALSE)",
            ),
            (
                r#"title eq "a" and (id eq "b" or id eq "c")"#,
                S,
                "lower(title) = ? AND (id = ? OR id = ?)",
            ),
            (
                r#"emails co "x""#,
                S,
                r"EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id AND lower(emails.value) LIKE ? ESCAPE '\')",
            ),
            (
                r#"emails[type eq "work" or primary eq true]"#,
                P,
                "EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id AND (lower(emails.type) = $1 OR emails.is_primary = $2::boolean))",
            ),
            (
                "emails.type pr",
                S,
                "EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id AND (emails.type IS NOT NULL AND emails.type <> ''))",
            ),
            (
                "name pr",
                S,
                "(family_name IS NOT NULL OR given_name IS NOT NULL)",
            ),
            (
                r#"name[givenName eq "b"]"#,
                S,
                "(family_name IS NOT NULL OR given_name IS NOT NULL) AND lower(given_name) = ?",
            ),
            (r#"employeeNumber eq "7""#, S, "lower(emp) = ?"),
        ];
        for (filter, dialect, want) in cases {
            assert_eq!(sql(filter, dialect).sql, want, "{filter} ({dialect:?})");
        }
    }

    #[test]
    fn values_are_bound_escaped_and_converted() {
        let w = sql(
            r#"title co "50%_off\\" and id ew "a*b?[c]" and userName eq "ÄB""#,
            Dialect::Sqlite,
        );
        assert_eq!(
            w.params,
            [
                SqlParam::Text(r"%50\%\_off\\%".into()),
                SqlParam::Text("*a[*]b[?][[]c]".into()),
                SqlParam::Text("äb".into()),
            ]
        );
        let w = sql(
            r#"meta.lastModified gt "2011-05-13T06:42:34.50+02:00" and active eq "False""#,
            Dialect::Postgres,
        );
        assert_eq!(
            w.params,
            [
                SqlParam::Text("2011-05-13T04:42:34.5Z".into()),
                SqlParam::Bool(false),
            ]
        );
        assert_eq!(
            w.sql,
            "last_modified > $1::text::timestamptz AND active = $2::boolean"
        );
    }

    #[test]
    fn mappings_are_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SqlMapping>();
        assert_send_sync::<SqlWhere>();
        assert_send_sync::<SqlError>();
    }

    #[test]
    fn long_chains_are_grouped() {
        let w = mapping()
            .translate(
                &Filter::parse_with(
                    &vec![r#"id eq "x""#; 130].join(" or "),
                    &crate::ParseOptions::DEFAULT,
                )
                .unwrap(),
                Dialect::Sqlite,
            )
            .unwrap();
        let run = vec!["id = ?"; 64].join(" OR ");
        assert_eq!(w.sql, format!("({run}) OR ({run}) OR (id = ? OR id = ?)"));
        assert_eq!(w.params.len(), 130);
    }

    #[test]
    fn errors() {
        let m = mapping();
        let err = |f: &str| {
            m.translate(&Filter::parse(f).unwrap(), Dialect::Sqlite)
                .unwrap_err()
        };
        assert_eq!(
            err("nickName pr"),
            SqlError::Unmapped {
                path: "nickName".into()
            }
        );
        assert_eq!(
            err(r#"phoneNumbers[type eq "work"]"#),
            SqlError::Unmapped {
                path: "phoneNumbers".into()
            }
        );
        assert_eq!(
            err(r#"emails[display eq "x"]"#),
            SqlError::Unmapped {
                path: "emails.display".into()
            }
        );
        assert_eq!(
            err(r#"name.formatted eq "x""#),
            SqlError::Unmapped {
                path: "name.formatted".into()
            }
        );
        for f in [
            r#"nope eq "x""#,
            r#"emails[nope eq "x"]"#,
            "active gt true",
            "userName eq 1",
            r#"meta.lastModified gt "soon""#,
            r#"name eq "x""#,
            r#"userName[value eq "x"]"#,
            "title lt null",
        ] {
            let e = err(f);
            assert!(matches!(e, SqlError::Filter(_)), "{f}: {e:?}");
            let scim: ScimError = e.into();
            assert_eq!(
                scim.scim_type(),
                Some(scim_core::ScimType::InvalidFilter),
                "{f}"
            );
        }
        let scim: ScimError = err("nickName pr").into();
        assert_eq!(scim.scim_type(), Some(scim_core::ScimType::InvalidFilter));
        assert!(scim.detail().contains("nickName"), "{}", scim.detail());
    }

    #[test]
    fn invalid_mappings_are_reported_by_build() {
        let ty = ResourceType::user();
        let cases = [
            SqlMapping::builder(ty.clone()).column("nope", "x"),
            SqlMapping::builder(ty.clone()).column("id", Column::case_insensitive("x")),
            SqlMapping::builder(ty.clone()).column("active", Column::case_insensitive("x")),
            SqlMapping::builder(ty.clone()).multi_valued("userName", MultiValued::new("t")),
            SqlMapping::builder(ty.clone()).multi_valued("emails.value", MultiValued::new("t")),
            SqlMapping::builder(ty.clone())
                .multi_valued("emails", MultiValued::new("t").column("nope", "x")),
            SqlMapping::builder(ty.clone())
                .multi_valued("schemas", MultiValued::new("t").column("nope", "x")),
        ];
        for (i, builder) in cases.into_iter().enumerate() {
            let err = builder.column("userName", "u").build().unwrap_err();
            assert!(matches!(err, SqlError::Mapping { .. }), "case {i}: {err:?}");
            let scim: ScimError = err.into();
            assert_eq!(scim.status(), 500);
        }
        let ok = SqlMapping::builder(ty)
            .column("USERNAME", Column::case_insensitive("u"))
            .multi_valued("schemas", MultiValued::new("s").column("VALUE", "s.v"))
            .build()
            .unwrap();
        let w = ok
            .translate(
                &Filter::parse(r#"schemas eq "urn:X""#).unwrap(),
                Dialect::Sqlite,
            )
            .unwrap();
        assert_eq!(w.sql, "EXISTS (SELECT 1 FROM s WHERE lower(s.v) = ?)");
        let w = ok
            .translate(
                &Filter::parse(r#"username sw "Ab""#).unwrap(),
                Dialect::Postgres,
            )
            .unwrap();
        assert_eq!(w.sql, r"u LIKE $1 ESCAPE '\'");
        assert_eq!(w.params, [SqlParam::Text("ab%".into())]);
    }
}
