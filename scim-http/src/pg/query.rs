//! Filters and sort keys as PostgreSQL over the `resources` table (aliased `r`), with
//! `scim_filter::SqlMapping` (RFC 7644 §3.4.2.2, §3.4.2.3).
//!
//! Every attribute of the resource type is mapped, driven by its schema:
//!
//! - `id`, `externalId`, `meta.resourceType`, `meta.version`: columns of `resources`;
//!   `meta.created` and `meta.lastModified`: their text columns cast to `timestamptz`;
//! - `userName` (Users) and `displayName` (Groups): the folded uniqueness columns, compared
//!   as [`Column::case_insensitive`] (an index serves `eq`);
//! - group `members`: the `members` table (`display` from the member's row, as read);
//!   `User.groups`: the `members` table joined with the
//!   groups' rows (`display` is the group's `displayName`, `type` is `direct`);
//! - every other single-valued attribute and sub-attribute (core and extensions):
//!   `r.data->'name'->>'sub'`, cast to the schema type (`boolean`, `numeric`,
//!   `timestamptz`) where it is not a string;
//! - every other multi-valued attribute (`emails`, `phoneNumbers`, …): a correlated
//!   `EXISTS` over `jsonb_array_elements(r.data->'emails') AS je`.
//!
//! Secret attributes (`password`) are not mapped (the translator refuses them anyway). A
//! stored value that does not have its schema type (validated input never has one) makes the
//! cast, and so the query, fail.

use async_trait::async_trait;
use scim_core::message::SortOrder;
use scim_core::{AttrType, Attribute, ResourceType, ScimError};
use scim_filter::{Column, Dialect, MultiValued, SqlMapping, SqlParam};
use sqlx::{PgConnection, Row as _};

use super::rows::{self, db, has_groups, has_members, unique_column};
use super::{PostgresStore, bind_all, tenant};
use crate::context::RequestContext;
use crate::keyset;
use crate::store::{KeyValue, ListQuery, Page, Position, SortSpec, StoreError};
use crate::stored::list::{self, Pager};
use crate::stored::{Reader, Stored};

/// [`ResourceStore::list`](crate::ResourceStore::list): the filter as SQL, then
/// `stored::list::run` over a [`Keyset`] pager: `totalResults` with `count(*)`, the page by
/// `LIMIT … OFFSET` or, with a cursor, by `WHERE (sort value, seq)` after its position (sort
/// values travel in cursors as text and are cast back to the sort expression's type). All in
/// one read transaction, or one statement without one for a unique lookup.
pub(super) async fn list(
    store: &PostgresStore,
    ctx: &RequestContext,
    query: &ListQuery,
) -> Result<Page, StoreError> {
    let ty = ctx.resource_type().clone();
    let tenant = tenant(ctx);
    let clause = match &query.filter {
        Some(f) => Some(
            store
                .mappings
                .get(&ty, mapping)?
                .translate(f, Dialect::Postgres)
                .map_err(ScimError::from)?,
        ),
        None => None,
    };
    // The filter's placeholders are `$1`…`$n`; the store's own come after them.
    let params = clause.as_ref().map_or(&[][..], |w| &w.params[..]);
    let n = params.len();
    let (t, y) = (n + 1, n + 2);
    let from = match &clause {
        Some(w) => format!(
            "FROM resources AS r WHERE ({}) AND r.tenant = ${t} AND r.type = ${y}",
            w.sql
        ),
        None => format!("FROM resources AS r WHERE r.tenant = ${t} AND r.type = ${y}"),
    };
    let key = query.sort.as_ref().map(|s| {
        sort_expr(&ty, s).map_or_else(|| ("NULL".to_owned(), "text"), |e| (e, sort_type(&ty, s)))
    });
    let single = list::one_statement(ctx, query);
    // The pager on a connection (a macro: a closure cannot return a borrow of its argument).
    macro_rules! pager {
        ($tx:expr) => {
            Keyset {
                tx: $tx,
                ty: &ty,
                tenant,
                from: &from,
                params,
                key: key.as_ref().map(|(e, t)| (e.as_str(), *t)),
                sort: query.sort.as_ref(),
                single,
            }
        };
    }
    // A unique lookup is one statement: no transaction (see `list::one_statement`), on a
    // point connection where it can be (see `point.rs`).
    if single {
        let run = async |c: &mut PgConnection| list::run(&mut pager!(c), ctx, query).await;
        if let Some(page) = store.points.run(run).await {
            return page;
        }
    }
    let (mut conn, mut tx) = (None, None);
    let c: &mut PgConnection = if single {
        &mut *conn.insert(store.read_conn().await?)
    } else {
        &mut *tx.insert(store.read_tx().await?)
    };
    let page = list::run(&mut pager!(c), ctx, query).await?;
    if let Some(tx) = tx {
        tx.commit().await.map_err(db)?;
    }
    Ok(page)
}

/// One list query's fixed parts, in its read transaction. Placeholders: the filter's
/// `$1`…`$n`, then the tenant and the type, then the pager's own.
struct Keyset<'a> {
    tx: &'a mut PgConnection,
    ty: &'a ResourceType,
    tenant: &'a str,
    from: &'a str,
    params: &'a [SqlParam],
    /// The sort value's SQL and its type, `None` unsorted.
    key: Option<(&'a str, &'static str)>,
    sort: Option<&'a SortSpec>,
    /// A unique lookup (`list::one_statement`): at most one row, so no order and no limit,
    /// and the planner has only the lookup's index to choose, statistics or not.
    single: bool,
}

impl Keyset<'_> {
    /// The condition "after `p`", its placeholders numbered after the filter's, the tenant
    /// and the type; cursor values arrive as text and are cast to the sort value's type.
    fn after(&self, p: &Position, descending: bool) -> (String, Vec<SqlParam>) {
        let mut next = self.params.len() + 2;
        let cast = self.key.map_or("text", |(_, t)| t);
        keyset::after(self.key.map(|(e, _)| e), descending, p, |is_key| {
            next += 1;
            if is_key {
                format!("CAST(${next} AS {cast})")
            } else {
                format!("${next}")
            }
        })
    }
}

#[async_trait]
impl Pager for Keyset<'_> {
    async fn count(&mut self) -> Result<u64, StoreError> {
        let sql = format!("SELECT count(*) AS n {}", self.from);
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), self.params)?
            .bind(self.tenant)
            .bind(&self.ty.name)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(db)?;
        let n: i64 = row.try_get("n").map_err(db)?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn page(&mut self, offset: u64, limit: Option<u64>) -> Result<Vec<Stored>, StoreError> {
        let (lim, off) = (self.params.len() + 3, self.params.len() + 4);
        let sql = if self.single {
            format!("SELECT {} {}", rows::READ_COLUMNS, self.from)
        } else {
            let order = order_by(self.ty, self.sort);
            format!(
                "SELECT {} FROM (SELECT r.* {} ORDER BY {order} LIMIT ${lim} OFFSET ${off}) \
                 AS r ORDER BY {order}",
                rows::READ_COLUMNS,
                self.from,
            )
        };
        let mut q = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), self.params)?
            .bind(self.tenant)
            .bind(&self.ty.name);
        if !self.single {
            // `LIMIT NULL` is no limit.
            q = q
                .bind(limit.map(|c| i64::try_from(c).unwrap_or(i64::MAX)))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX));
        }
        let found = q.fetch_all(&mut *self.tx).await.map_err(db)?;
        found.iter().map(rows::from_row).collect()
    }

    async fn fetch(
        &mut self,
        from: Option<(&Position, bool)>,
        reversed: bool,
        limit: usize,
    ) -> Result<Vec<(Stored, Position)>, StoreError> {
        let (cond, keyset) = match from {
            Some((p, descending)) => {
                let (c, ps) = self.after(p, descending);
                (format!(" AND {c}"), ps)
            }
            None => (String::new(), Vec::new()),
        };
        let lim = self.params.len() + 3 + keyset.len();
        let key = self.key.map_or("NULL", |(e, _)| e);
        let order = keyset_order(self.ty, self.sort, reversed);
        let sql = format!(
            "SELECT {}, r.cursor_key, r.cursor_seq FROM (SELECT r.*, ({key})::text AS cursor_key, \
             r.seq AS cursor_seq {}{cond} ORDER BY {order} LIMIT ${lim}) AS r ORDER BY {order}",
            rows::READ_COLUMNS,
            self.from,
        );
        let q = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), self.params)?
            .bind(self.tenant)
            .bind(&self.ty.name);
        let found = bind_all(q, &keyset)?
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db)?;
        found
            .iter()
            .map(|row| {
                let key: Option<String> = if self.key.is_some() {
                    row.try_get("cursor_key").map_err(db)?
                } else {
                    None
                };
                let seq: i64 = row.try_get("cursor_seq").map_err(db)?;
                let seq = u64::try_from(seq).unwrap_or_default();
                Ok((
                    rows::from_row(row)?,
                    Position {
                        key: key.map(KeyValue::Str),
                        seq,
                    },
                ))
            })
            .collect()
    }

    async fn exists(&mut self, p: &Position, descending: bool) -> Result<bool, StoreError> {
        let (cond, keyset) = self.after(p, descending);
        let sql = format!("SELECT 1 AS one {} AND {cond} LIMIT 1", self.from);
        let q = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), self.params)?
            .bind(self.tenant)
            .bind(&self.ty.name);
        let found = bind_all(q, &keyset)?
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(found.is_some())
    }

    fn reader(&mut self) -> &mut dyn Reader {
        &mut *self.tx
    }
}

/// [`order_by`], or its exact reverse.
fn keyset_order(ty: &ResourceType, sort: Option<&SortSpec>, reversed: bool) -> String {
    match (sort, reversed) {
        (None, false) => "r.seq".to_owned(),
        (None, true) => "r.seq DESC".to_owned(),
        (Some(s), false) => order_by(ty, Some(s)),
        (Some(s), true) => {
            let flipped = SortSpec {
                by: s.by.clone(),
                order: match s.order {
                    SortOrder::Ascending => SortOrder::Descending,
                    SortOrder::Descending => SortOrder::Ascending,
                },
            };
            order_by(ty, Some(&flipped))
        }
    }
}

/// The SQL type of [`sort_expr`]'s value, to cast a cursor's text back to.
fn sort_type(ty: &ResourceType, sort: &SortSpec) -> &'static str {
    let p = &sort.by;
    let Some(resolved) = ty.resolve_parts(p.urn.as_deref(), &p.name, p.sub_attr.as_deref()) else {
        return "text";
    };
    if resolved.extension_urn().is_none() {
        match (resolved.attribute().name.as_str(), p.sub_attr.as_deref()) {
            ("id" | "externalId", None) => return "text",
            ("meta", Some("created" | "lastModified")) => return "timestamptz",
            ("meta", Some("resourceType")) => return "text",
            ("meta", Some("version")) => return "bigint",
            (name, None) if unique_column(ty, name).is_some() => return "text",
            _ => {}
        }
    }
    match resolved.definition().ty {
        AttrType::Boolean => "boolean",
        AttrType::Integer | AttrType::Decimal => "numeric",
        AttrType::DateTime => "timestamptz",
        _ => "text",
    }
}

/// A JSON object key as a SQL string literal (`'name'`), or `None` for a name that cannot be
/// quoted safely (schema names are `ATTRNAME` per RFC 7643 §2.1, so this never happens with a
/// sane schema).
fn label(name: &str) -> Option<String> {
    if name.contains(['"', '\'', '\\']) {
        None
    } else {
        Some(format!("'{name}'"))
    }
}

/// The `jsonb` path of a top-level attribute from `base`: `base->'name'` or
/// `base->'urn'->'name'`.
fn attr_path(base: &str, urn: Option<&str>, name: &str) -> Option<String> {
    match urn {
        Some(u) => Some(format!("{base}->{}->{}", label(u)?, label(name)?)),
        None => Some(format!("{base}->{}", label(name)?)),
    }
}

/// The SQL value of the `jsonb` at `json`, typed as the schema types the attribute.
fn typed(json: &str, ty: AttrType) -> String {
    let text = format!("({json} #>> '{{}}')");
    match ty {
        AttrType::Boolean => format!("{text}::boolean"),
        AttrType::Integer | AttrType::Decimal => format!("{text}::numeric"),
        AttrType::DateTime => format!("{text}::timestamptz"),
        _ => text,
    }
}

/// The filter mapping of `ty` (see the module docs).
pub(super) fn mapping(ty: &std::sync::Arc<ResourceType>) -> Result<SqlMapping, StoreError> {
    let mut b = SqlMapping::builder(ty.clone())
        .column("id", "r.id")
        .column("externalId", "r.external_id")
        .column("meta.created", "r.created::timestamptz")
        .column("meta.lastModified", "r.last_modified::timestamptz")
        .column("meta.resourceType", "r.type")
        .column("meta.version", "('W/\"' || r.version::text || '\"')");
    let core = std::iter::once((None, &*ty.schema));
    let exts = ty
        .extensions
        .iter()
        .map(|e| (Some(e.schema.id.as_str()), &*e.schema));
    for (urn, schema) in core.chain(exts) {
        for attr in &schema.attributes {
            if attr.is_secret() {
                continue;
            }
            let key = match urn {
                Some(u) => format!("{u}:{}", attr.name),
                None => attr.name.clone(),
            };
            if ty.resolve(&key).is_none() {
                continue;
            }
            if urn.is_none() {
                if let Some(col) = unique_column(ty, &attr.name) {
                    let expr = format!("r.{col}");
                    b = if attr.case_exact || attr.ty != AttrType::String {
                        b.column(&key, expr)
                    } else {
                        b.column(&key, Column::case_insensitive(expr))
                    };
                    continue;
                }
                if attr.name == "members" && has_members(ty) {
                    b = b.multi_valued(
                        &key,
                        MultiValued::new(
                            "members AS mm LEFT JOIN resources AS mr \
                             ON mr.tenant = mm.tenant AND mr.id = mm.member_id",
                        )
                        .on("mm.tenant = r.tenant AND mm.group_id = r.id")
                        .column("value", "mm.member_id")
                        .column("type", "mm.member_type")
                        .column(
                            "display",
                            "coalesce(mr.data->>'displayName', mr.data->>'userName')",
                        ),
                    );
                    continue;
                }
                if attr.name == "groups" && has_groups(ty) {
                    b = b.multi_valued(
                        &key,
                        MultiValued::new(
                            "members AS mg JOIN resources AS g \
                             ON g.tenant = mg.tenant AND g.id = mg.group_id",
                        )
                        .on("mg.tenant = r.tenant AND mg.member_id = r.id")
                        .column("value", "mg.group_id")
                        .column("display", "(g.data->>'displayName')")
                        .column("type", "'direct'"),
                    );
                    continue;
                }
            }
            let Some(path) = attr_path("r.data", urn, &attr.name) else {
                continue;
            };
            b = map_attribute(b, &key, &path, attr);
        }
    }
    b.build()
        .map_err(|e| StoreError::Scim(scim_core::ScimError::from(e)))
}

fn map_attribute(
    mut b: scim_filter::SqlMappingBuilder,
    key: &str,
    path: &str,
    attr: &Attribute,
) -> scim_filter::SqlMappingBuilder {
    let subs = || attr.sub_attributes.iter().filter(|s| !s.is_secret());
    match (attr.multi_valued, attr.is_complex()) {
        (false, false) => b.column(key, typed(path, attr.ty)),
        (false, true) => {
            for sub in subs() {
                if let Some(l) = label(&sub.name) {
                    b = b.column(
                        &format!("{key}.{}", sub.name),
                        typed(&format!("{path}->{l}"), sub.ty),
                    );
                }
            }
            b
        }
        (true, complex) => {
            let mut values = MultiValued::new(format!("jsonb_array_elements({path}) AS je"));
            if complex {
                for sub in subs() {
                    if let Some(l) = label(&sub.name) {
                        values = values.column(&sub.name, typed(&format!("je.value->{l}"), sub.ty));
                    }
                }
            } else {
                values = values.column("value", typed("je.value", attr.ty));
            }
            b.multi_valued(key, values)
        }
    }
}

/// The `ORDER BY` clause for a sort key (RFC 7644 §3.4.2.3), in the order of
/// [`SortKey`](crate::SortKey): unassigned values last in ascending order (first in
/// descending), ties in creation order (reversed in descending order, as a reversed sort).
/// Strings compare by code point (`COLLATE "C"`), as in memory.
pub(super) fn order_by(ty: &ResourceType, sort: Option<&SortSpec>) -> String {
    let Some(sort) = sort else {
        return "r.seq".to_owned();
    };
    let expr = sort_expr(ty, sort).unwrap_or_else(|| "NULL".to_owned());
    match sort.order {
        SortOrder::Descending => format!("({expr}) IS NULL DESC, ({expr}) DESC, r.seq DESC"),
        SortOrder::Ascending => format!("({expr}) IS NULL, ({expr}), r.seq"),
    }
}

/// The SQL value a resource sorts by, `None` when it is not sortable here (members, groups).
fn sort_expr(ty: &ResourceType, sort: &SortSpec) -> Option<String> {
    let p = &sort.by;
    let resolved = ty.resolve_parts(p.urn.as_deref(), &p.name, p.sub_attr.as_deref())?;
    let attr = resolved.attribute();
    let def = resolved.definition();
    let ext = resolved.extension_urn();
    if ext.is_none() {
        match (attr.name.as_str(), p.sub_attr.as_deref()) {
            ("id", None) => return Some("r.id COLLATE \"C\"".to_owned()),
            ("externalId", None) => return Some("r.external_id COLLATE \"C\"".to_owned()),
            ("meta", Some("created")) => return Some("r.created::timestamptz".to_owned()),
            ("meta", Some("lastModified")) => {
                return Some("r.last_modified::timestamptz".to_owned());
            }
            ("meta", Some("resourceType")) => return Some("r.type COLLATE \"C\"".to_owned()),
            ("meta", Some("version")) => return Some("r.version".to_owned()),
            ("members" | "groups", _) => return None,
            (name, None) => {
                if let Some(col) = unique_column(ty, name) {
                    return Some(format!("r.{col} COLLATE \"C\""));
                }
            }
            _ => {}
        }
    }
    let sub = match (&resolved.sub_attribute(), attr.is_complex()) {
        (Some(s), _) => Some(label(&s.name)?),
        (None, true) => Some(label("value")?),
        (None, false) => None,
    };
    let raw = if attr.multi_valued {
        let path = attr_path("r.data", ext, &attr.name)?;
        let value = match &sub {
            Some(l) => typed(&format!("je.value->{l}"), def.ty),
            None => typed("je.value", def.ty),
        };
        let primary = if attr.is_complex() {
            "coalesce(je.value->'primary' = 'true'::jsonb, FALSE) DESC, "
        } else {
            ""
        };
        format!(
            "(SELECT {value} FROM jsonb_array_elements({path}) WITH ORDINALITY AS je(value, n) \
             ORDER BY {primary}je.n LIMIT 1)"
        )
    } else {
        let path = attr_path("r.data", ext, &attr.name)?;
        match &sub {
            Some(l) => typed(&format!("{path}->{l}"), def.ty),
            None => typed(&path, def.ty),
        }
    };
    let text = matches!(def.ty, AttrType::String | AttrType::Reference);
    Some(match (text, def.case_exact) {
        (true, false) => format!("lower({raw}) COLLATE \"C\""),
        (true, true) => format!("{raw} COLLATE \"C\""),
        (false, _) => raw,
    })
}
