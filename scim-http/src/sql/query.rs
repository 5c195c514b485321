//! Filters and sort keys as SQL over the `resources` table (aliased `r`), with
//! `scim_filter::SqlMapping` (RFC 7644 §3.4.2.2, §3.4.2.3).
//!
//! Every attribute of the resource type is mapped, driven by its schema:
//!
//! - `id`, `externalId`, `meta.created`, `meta.lastModified`, `meta.resourceType`,
//!   `meta.version`: columns of `resources`;
//! - `userName` (Users) and `displayName` (Groups): the folded uniqueness columns, compared
//!   as [`Column::case_insensitive`] (an index serves `eq`);
//! - group `members`: the `members` table (`display` from the member's row, as read);
//!   `User.groups`: the `members` table joined with the
//!   groups' rows (`display` is the group's `displayName`, `type` is `direct`);
//! - every other single-valued attribute and sub-attribute (core and extensions):
//!   `json_extract(r.data, '$."name"."sub"')`;
//! - every other multi-valued attribute (`emails`, `phoneNumbers`, …): a correlated
//!   `EXISTS` over `json_each(r.data, '$."emails"')`.
//!
//! Secret attributes (`password`) are not mapped (the translator refuses them anyway).
//! Everything above is SQLite syntax; the PostgreSQL variant differs in the JSON expressions
//! only (`r.data->>'name'`, `jsonb_array_elements`).

use async_trait::async_trait;
use scim_core::message::SortOrder;
use scim_core::{AttrType, Attribute, ResourceType, ScimError};
use scim_filter::{Column, Dialect, MultiValued, SqlMapping, SqlParam};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, SqliteConnection, TypeInfo as _, ValueRef as _};

use super::rows::{self, db, has_groups, has_members, unique_column};
use super::{SqliteStore, bind_all, tenant};
use crate::context::RequestContext;
use crate::keyset;
use crate::store::{KeyValue, ListQuery, Page, Position, SortSpec, StoreError};
use crate::stored::list::{self, Pager};
use crate::stored::{Reader, Stored};

/// [`ResourceStore::list`](crate::ResourceStore::list): the filter as SQL, then
/// `stored::list::run` over a [`Keyset`] pager: `totalResults` with `count(*)`, the page by
/// `LIMIT … OFFSET` or, with a cursor, by `WHERE (sort value, seq)` after its position. All
/// in one read transaction, or one statement without one for a unique lookup.
pub(super) async fn list(
    store: &SqliteStore,
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
                .translate(f, Dialect::Sqlite)
                .map_err(ScimError::from)?,
        ),
        None => None,
    };
    let from = match &clause {
        Some(w) => format!(
            "FROM resources AS r WHERE r.tenant = ? AND r.type = ? AND ({})",
            w.sql
        ),
        None => "FROM resources AS r WHERE r.tenant = ? AND r.type = ?".to_owned(),
    };
    let params = clause.as_ref().map_or(&[][..], |w| &w.params[..]);
    let key = query
        .sort
        .as_ref()
        .map(|s| sort_expr(&ty, s).unwrap_or_else(|| "NULL".to_owned()));
    // A unique lookup is one statement: no transaction (see `list::one_statement`), and a
    // point read where it can be (see `point.rs`).
    let single = list::one_statement(ctx, query);
    if single && let Some(points) = &store.points {
        let sql = format!("SELECT {} {from}", rows::READ_COLUMNS);
        let mut all = Vec::with_capacity(params.len() + 2);
        all.push(SqlParam::Text(tenant.to_owned()));
        all.push(SqlParam::Text(ty.name.clone()));
        all.extend_from_slice(params);
        if let Some(page) = points.lookup(ctx, &sql, &all).await {
            return page;
        }
    }
    let (mut conn, mut tx) = (None, None);
    let c: &mut SqliteConnection = if single {
        &mut *conn.insert(store.read_conn().await?)
    } else {
        &mut *tx.insert(store.read_tx().await?)
    };
    let mut pager = Keyset {
        tx: c,
        ty: &ty,
        tenant,
        from: &from,
        params,
        key: key.as_deref(),
        sort: query.sort.as_ref(),
        single,
    };
    let page = list::run(&mut pager, ctx, query).await?;
    if let Some(tx) = tx {
        tx.commit().await.map_err(db)?;
    }
    Ok(page)
}

/// One list query's fixed parts, in its read transaction.
struct Keyset<'a> {
    tx: &'a mut SqliteConnection,
    ty: &'a ResourceType,
    tenant: &'a str,
    from: &'a str,
    params: &'a [SqlParam],
    /// The sort value's SQL, `None` unsorted.
    key: Option<&'a str>,
    sort: Option<&'a SortSpec>,
    /// A unique lookup (`list::one_statement`): at most one row, so no order and no limit.
    single: bool,
}

impl Keyset<'_> {
    /// The rows of `sql` (the list's `FROM` clause, then `extra` placeholders), with the
    /// tenant, the type, the filter's parameters and then `extra` bound.
    async fn rows(
        &mut self,
        sql: String,
        extra: &[SqlParam],
    ) -> Result<Vec<sqlx::sqlite::SqliteRow>, StoreError> {
        let (tenant, ty, params) = (self.tenant, self.ty, self.params);
        let q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(&ty.name);
        bind_all(bind_all(q, params)?, extra)?
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db)
    }
}

#[async_trait]
impl Pager for Keyset<'_> {
    async fn count(&mut self) -> Result<u64, StoreError> {
        let sql = format!("SELECT count(*) AS n {}", self.from);
        let rows = self.rows(sql, &[]).await?;
        let n: i64 = match rows.first() {
            Some(row) => row.try_get("n").map_err(db)?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn page(&mut self, offset: u64, limit: Option<u64>) -> Result<Vec<Stored>, StoreError> {
        let sql = if self.single {
            format!("SELECT {} {}", rows::READ_COLUMNS, self.from)
        } else {
            let order = order_by(self.ty, self.sort);
            // `LIMIT -1` is no limit. Limit and offset are written as numbers, not bound:
            // SQLite re-plans a statement each time a bound LIMIT or OFFSET is rebound (it may
            // plan differently for small limits), and a lookup would then be parsed on every
            // call.
            let limit = limit.map_or(-1, |c| i64::try_from(c).unwrap_or(i64::MAX));
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            format!(
                "SELECT {} FROM (SELECT r.* {} ORDER BY {order} LIMIT {limit} \
                 OFFSET {offset}) AS r ORDER BY {order}",
                rows::READ_COLUMNS,
                self.from,
            )
        };
        let found = self.rows(sql, &[]).await?;
        found.iter().map(rows::from_row).collect()
    }

    async fn fetch(
        &mut self,
        from: Option<(&Position, bool)>,
        reversed: bool,
        limit: usize,
    ) -> Result<Vec<(Stored, Position)>, StoreError> {
        let (cond, params) = match from {
            Some((p, descending)) => {
                let (c, ps) = keyset::after(self.key, descending, p, |_| "?".to_owned());
                (format!(" AND {c}"), ps)
            }
            None => (String::new(), Vec::new()),
        };
        let key = self.key.unwrap_or("NULL");
        let order = keyset_order(self.ty, self.sort, reversed);
        // A number, not a bound parameter (see `page`).
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {}, r.cursor_key, r.cursor_seq FROM (SELECT r.*, ({key}) AS cursor_key, \
             r.seq AS cursor_seq {}{cond} ORDER BY {order} LIMIT {limit}) AS r ORDER BY {order}",
            rows::READ_COLUMNS,
            self.from,
        );
        let found = self.rows(sql, &params).await?;
        found
            .iter()
            .map(|row| {
                let key = if self.key.is_some() {
                    key_of(row)?
                } else {
                    None
                };
                let seq: i64 = row.try_get("cursor_seq").map_err(db)?;
                let seq = u64::try_from(seq).unwrap_or_default();
                Ok((rows::from_row(row)?, Position { key, seq }))
            })
            .collect()
    }

    async fn exists(&mut self, p: &Position, descending: bool) -> Result<bool, StoreError> {
        let (cond, params) = keyset::after(self.key, descending, p, |_| "?".to_owned());
        let sql = format!("SELECT 1 AS one {} AND {cond} LIMIT 1", self.from);
        Ok(!self.rows(sql, &params).await?.is_empty())
    }

    fn reader(&mut self) -> &mut dyn Reader {
        &mut *self.tx
    }
}

/// The sort value SQLite returned, in its own type.
fn key_of(row: &SqliteRow) -> Result<Option<KeyValue>, StoreError> {
    let raw = row.try_get_raw("cursor_key").map_err(db)?;
    if raw.is_null() {
        return Ok(None);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(Some(match kind.as_str() {
        "INTEGER" => KeyValue::Int(row.try_get("cursor_key").map_err(db)?),
        "REAL" => KeyValue::Num(row.try_get("cursor_key").map_err(db)?),
        _ => KeyValue::Str(row.try_get("cursor_key").map_err(db)?),
    }))
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

/// A JSON path label, quoted (`"name"`), or `None` for a name that cannot be quoted safely
/// (schema names are `ATTRNAME` per RFC 7643 §2.1, so this never happens with a sane schema).
fn label(name: &str) -> Option<String> {
    if name.contains(['"', '\'', '\\']) {
        None
    } else {
        Some(format!("\"{name}\""))
    }
}

/// The JSON path of a top-level attribute in `data`: `$."name"` or `$."urn"."name"`.
fn attr_path(urn: Option<&str>, name: &str) -> Option<String> {
    match urn {
        Some(u) => Some(format!("$.{}.{}", label(u)?, label(name)?)),
        None => Some(format!("$.{}", label(name)?)),
    }
}

fn json(path: &str) -> String {
    format!("json_extract(r.data, '{path}')")
}

/// The filter mapping of `ty` (see the module docs).
pub(super) fn mapping(ty: &std::sync::Arc<ResourceType>) -> Result<SqlMapping, StoreError> {
    let mut b = SqlMapping::builder(ty.clone())
        .column("id", "r.id")
        .column("externalId", "r.external_id")
        .column("meta.created", "r.created")
        .column("meta.lastModified", "r.last_modified")
        .column("meta.resourceType", "r.type")
        .column("meta.version", "('W/\"' || r.version || '\"')");
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
                        .column("display", "coalesce(json_extract(mr.data, '$.displayName'), json_extract(mr.data, '$.userName'))"),
                    );
                    continue;
                }
                // `CROSS JOIN`: members first, whatever the statistics (see `group_rows`).
                if attr.name == "groups" && has_groups(ty) {
                    b = b.multi_valued(
                        &key,
                        MultiValued::new(
                            "members AS mg CROSS JOIN resources AS g \
                             ON g.tenant = mg.tenant AND g.id = mg.group_id",
                        )
                        .on("mg.tenant = r.tenant AND mg.member_id = r.id")
                        .column("value", "mg.group_id")
                        .column("display", "json_extract(g.data, '$.displayName')")
                        .column("type", "'direct'"),
                    );
                    continue;
                }
            }
            let Some(path) = attr_path(urn, &attr.name) else {
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
        (false, false) => b.column(key, json(path)),
        (false, true) => {
            for sub in subs() {
                if let Some(l) = label(&sub.name) {
                    b = b.column(&format!("{key}.{}", sub.name), json(&format!("{path}.{l}")));
                }
            }
            b
        }
        (true, complex) => {
            let mut values = MultiValued::new(format!("json_each(r.data, '{path}') AS je"));
            if complex {
                for sub in subs() {
                    if let Some(l) = label(&sub.name) {
                        values =
                            values.column(&sub.name, format!("json_extract(je.value, '$.{l}')"));
                    }
                }
            } else {
                values = values.column("value", "je.value");
            }
            b.multi_valued(key, values)
        }
    }
}

/// The `ORDER BY` clause for a sort key (RFC 7644 §3.4.2.3), in the order of
/// [`SortKey`](crate::SortKey): unassigned values last in ascending order (first in
/// descending), ties in creation order (reversed in descending order, as a reversed sort).
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
            ("id", None) => return Some("r.id".to_owned()),
            ("externalId", None) => return Some("r.external_id".to_owned()),
            ("meta", Some("created")) => return Some("r.created".to_owned()),
            ("meta", Some("lastModified")) => return Some("r.last_modified".to_owned()),
            ("meta", Some("resourceType")) => return Some("r.type".to_owned()),
            ("meta", Some("version")) => return Some("r.version".to_owned()),
            ("members" | "groups", _) => return None,
            (name, None) => {
                if let Some(col) = unique_column(ty, name) {
                    return Some(format!("r.{col}"));
                }
            }
            _ => {}
        }
    }
    let path = attr_path(ext, &attr.name)?;
    let sub = match (&resolved.sub_attribute(), attr.is_complex()) {
        (Some(s), _) => Some(label(&s.name)?),
        (None, true) => Some(label("value")?),
        (None, false) => None,
    };
    let raw = if attr.multi_valued {
        let value = match &sub {
            Some(l) => format!("json_extract(je.value, '$.{l}')"),
            None => "je.value".to_owned(),
        };
        let primary = if attr.is_complex() {
            "coalesce(json_extract(je.value, '$.primary') = 1, 0) DESC, "
        } else {
            ""
        };
        format!(
            "(SELECT {value} FROM json_each(r.data, '{path}') AS je \
             ORDER BY {primary}CAST(je.key AS INTEGER) LIMIT 1)"
        )
    } else {
        match &sub {
            Some(l) => json(&format!("{path}.{l}")),
            None => json(&path),
        }
    };
    let text = matches!(def.ty, AttrType::String | AttrType::Reference);
    Some(if text && !def.case_exact {
        format!("lower({raw})")
    } else {
        raw
    })
}
