//! Rows and resources: what goes in the `resources` and `members` columns, and how a stored
//! row becomes a resource again with its `meta` and derived attributes.

use std::collections::{BTreeSet, HashSet};

use scim_core::{Resource, ResourceType};
use serde_json::{Map, Value};
use sqlx::{Row as _, SqliteConnection};

use crate::store::StoreError;

/// A backend error.
pub(super) fn db(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

pub(super) use crate::stored::{
    Member, fold, has_groups, has_members, keep_secret, keys, members_from, now, renames, split,
    tag, unique_column, uniques, unknown_member,
};

/// Fails with [`StoreError::Uniqueness`] when another resource of the type in the tenant has
/// one of `r`'s unique values. Runs inside the write transaction, so nothing can get in
/// between the check and the write; the unique indexes are a second line of defence.
pub(super) async fn check_unique(
    conn: &mut SqliteConnection,
    tenant: &str,
    ty: &ResourceType,
    r: &Resource,
    self_id: Option<&str>,
) -> Result<(), StoreError> {
    for u in uniques(ty) {
        let Some(Value::String(v)) = r.get(&u.attr) else {
            continue;
        };
        let expr = match u.column {
            Some(c) => c.to_owned(),
            None if u.attr.contains(['"', '\'', '\\']) => continue,
            None if u.case_exact => format!("json_extract(data, '$.\"{}\"')", u.attr),
            None => format!("lower(json_extract(data, '$.\"{}\"'))", u.attr),
        };
        let sql = format!(
            "SELECT 1 FROM resources WHERE tenant = ? AND type = ? AND {expr} = ? AND id <> ? LIMIT 1"
        );
        let taken = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(&ty.name)
            .bind(fold(v, u.case_exact))
            .bind(self_id.unwrap_or(""))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        if taken.is_some() {
            return Err(StoreError::Uniqueness {
                attribute: u.attr,
                value: v.clone(),
            });
        }
    }
    Ok(())
}

/// Maps a write's error: a UNIQUE violation of a uniqueness index becomes
/// [`StoreError::Uniqueness`] (a race the check did not see: another process).
pub(super) fn write_error(e: sqlx::Error, ty: &ResourceType, r: &Resource) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        let msg = d.message();
        for u in uniques(ty) {
            if let Some(c) = u.column
                && msg.contains(c)
            {
                let value = r
                    .get(&u.attr)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                return StoreError::Uniqueness {
                    attribute: u.attr,
                    value,
                };
            }
        }
    }
    db(e)
}

/// Sets each member's `type` to the resource type of the resource it names in the tenant;
/// 400 `invalidValue` naming the first id that names none (RFC 7643 §4.2: a member is a
/// User or Group of the service provider). What the client said the type was is ignored.
async fn resolve_members(
    conn: &mut SqliteConnection,
    tenant: &str,
    members: &mut [Member],
) -> Result<(), StoreError> {
    for m in members.iter_mut() {
        let found: Option<String> =
            sqlx::query_scalar("SELECT type FROM resources WHERE tenant = ? AND id = ? LIMIT 1")
                .bind(tenant)
                .bind(&m.id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        m.ty = Some(found.ok_or_else(|| unknown_member(&m.id))?);
    }
    Ok(())
}

/// Inserts membership rows (members already present are skipped: RFC 7644 §3.5.2.1); returns
/// the ids added. Every member must name a resource of the tenant.
pub(super) async fn add_members(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    mut members: Vec<Member>,
) -> Result<Vec<String>, StoreError> {
    resolve_members(conn, tenant, &mut members).await?;
    let mut added = Vec::new();
    for m in members {
        let done = sqlx::query(
            "INSERT INTO members (tenant, group_id, member_id, member_type) \
             VALUES (?, ?, ?, ?) ON CONFLICT (tenant, group_id, member_id) DO NOTHING",
        )
        .bind(tenant)
        .bind(group)
        .bind(&m.id)
        .bind(&m.ty)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        if done.rows_affected() > 0 {
            added.push(m.id);
        }
    }
    Ok(added)
}

/// Deletes membership rows; returns the ids removed.
pub(super) async fn remove_members(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut removed = Vec::new();
    for id in ids {
        let done =
            sqlx::query("DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id = ?")
                .bind(tenant)
                .bind(group)
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        if done.rows_affected() > 0 {
            removed.push(id.clone());
        }
    }
    Ok(removed)
}

/// The ids of a group's members, in insertion order.
pub(super) async fn member_ids(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar(
        "SELECT member_id FROM members WHERE tenant = ? AND group_id = ? ORDER BY rowid",
    )
    .bind(tenant)
    .bind(group)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)
}

/// Makes a group's members exactly `members` (PUT without a diff, or a PATCH `replace` of
/// `members`): removed rows deleted, new ones inserted. Returns the ids added and removed.
pub(super) async fn set_members(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    members: Vec<Member>,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let old = member_ids(conn, tenant, group).await?;
    let new_ids: HashSet<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let gone: Vec<String> = old
        .iter()
        .filter(|id| !new_ids.contains(id.as_str()))
        .cloned()
        .collect();
    let old: HashSet<String> = old.into_iter().collect();
    let fresh = members
        .into_iter()
        .filter(|m| !old.contains(&m.id))
        .collect();
    let removed = remove_members(conn, tenant, group, &gone).await?;
    let added = add_members(conn, tenant, group, fresh).await?;
    Ok((added, removed))
}

/// Gives each resource in `ids` (any type) a new version and `lastModified`, because its
/// representation changed without its row being written: a group whose member was renamed
/// or deleted (see `precondition` for what a version covers).
pub(super) async fn bump(
    conn: &mut SqliteConnection,
    tenant: &str,
    ids: impl IntoIterator<Item = &String>,
    now: &str,
) -> Result<(), StoreError> {
    let ids: BTreeSet<&String> = ids.into_iter().collect();
    for id in ids {
        sqlx::query(
            "UPDATE resources SET version = version + 1, last_modified = ? \
             WHERE tenant = ? AND id = ?",
        )
        .bind(now)
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// The groups listing `member`.
pub(super) async fn groups_of(
    conn: &mut SqliteConnection,
    tenant: &str,
    member: &str,
) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar("SELECT group_id FROM members WHERE tenant = ? AND member_id = ?")
        .bind(tenant)
        .bind(member)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)
}

/// A stored row.
#[derive(Debug)]
pub(super) struct Stored {
    pub(super) id: String,
    pub(super) data: Map<String, Value>,
    pub(super) version: i64,
    pub(super) created: String,
    pub(super) last_modified: String,
}

/// The columns [`Stored::from_row`] reads.
pub(super) const COLUMNS: &str = "r.id, r.data, r.version, r.created, r.last_modified";

impl Stored {
    pub(super) fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Self, StoreError> {
        let data: String = row.try_get("data").map_err(db)?;
        let data = match serde_json::from_str(&data) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(StoreError::Backend("stored data is not an object".into())),
            Err(e) => return Err(StoreError::backend(e)),
        };
        Ok(Stored {
            id: row.try_get("id").map_err(db)?,
            data,
            version: row.try_get("version").map_err(db)?,
            created: row.try_get("created").map_err(db)?,
            last_modified: row.try_get("last_modified").map_err(db)?,
        })
    }

    /// The stored resource with `id` and `meta` (RFC 7643 §3.1), without derived attributes.
    pub(super) fn base(&self, ty: &ResourceType) -> Resource {
        let mut r = Resource::from_map(self.data.clone());
        r.set_id(self.id.clone());
        let mut meta = Map::new();
        meta.insert("resourceType".into(), Value::String(ty.name.clone()));
        meta.insert("created".into(), Value::String(self.created.clone()));
        meta.insert(
            "lastModified".into(),
            Value::String(self.last_modified.clone()),
        );
        meta.insert("version".into(), Value::String(tag(self.version)));
        r.insert("meta", Value::Object(meta));
        r
    }
}

/// The row of resource `id` of `ty` in `tenant`.
pub(super) async fn load(
    conn: &mut SqliteConnection,
    tenant: &str,
    ty: &ResourceType,
    id: &str,
) -> Result<Option<Stored>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM resources AS r WHERE r.tenant = ? AND r.type = ? AND r.id = ?"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(&ty.name)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    row.as_ref().map(Stored::from_row).transpose()
}

/// The resource as the store returns it: [`Stored::base`] plus (unless `members` is false:
/// the response will not show them) group `members` (from the
/// `members` table), `User.groups` (`value`, `display`, `type: "direct"`, RFC 7643 §4.1.2)
/// and the enterprise `manager.displayName` (RFC 7643 §4.3), derived from the other rows.
pub(super) async fn render(
    conn: &mut SqliteConnection,
    tenant: &str,
    ty: &ResourceType,
    stored: &Stored,
    members: bool,
) -> Result<Resource, StoreError> {
    let mut r = stored.base(ty);
    if members && has_members(ty) {
        let rows = sqlx::query(
            "SELECT m.member_id, m.member_type, \
             coalesce(json_extract(r.data, '$.displayName'), json_extract(r.data, '$.userName')) \
             AS display FROM members AS m \
             LEFT JOIN resources AS r ON r.tenant = m.tenant AND r.id = m.member_id \
             WHERE m.tenant = ? AND m.group_id = ? ORDER BY m.rowid",
        )
        .bind(tenant)
        .bind(&stored.id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let mut m = Map::new();
            m.insert(
                "value".into(),
                Value::String(row.try_get("member_id").map_err(db)?),
            );
            if let Some(d) = row.try_get::<Option<String>, _>("display").map_err(db)? {
                m.insert("display".into(), Value::String(d));
            }
            if let Some(t) = row
                .try_get::<Option<String>, _>("member_type")
                .map_err(db)?
            {
                m.insert("type".into(), Value::String(t));
            }
            items.push(Value::Object(m));
        }
        if !items.is_empty() {
            r.insert("members", Value::Array(items));
        }
    }
    if has_groups(ty) {
        let rows = sqlx::query(
            "SELECT m.group_id AS id, json_extract(g.data, '$.displayName') AS display \
             FROM members AS m JOIN resources AS g ON g.tenant = m.tenant AND g.id = m.group_id \
             WHERE m.tenant = ? AND m.member_id = ? ORDER BY m.group_id",
        )
        .bind(tenant)
        .bind(&stored.id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut groups = Vec::with_capacity(rows.len());
        for row in rows {
            let mut m = Map::new();
            m.insert(
                "value".into(),
                Value::String(row.try_get("id").map_err(db)?),
            );
            if let Some(d) = row.try_get::<Option<String>, _>("display").map_err(db)? {
                m.insert("display".into(), Value::String(d));
            }
            m.insert("type".into(), Value::String("direct".into()));
            groups.push(Value::Object(m));
        }
        if !groups.is_empty() {
            r.insert("groups", Value::Array(groups));
        }
    }
    derive_manager(conn, tenant, ty, &mut r).await?;
    Ok(r)
}

/// The enterprise `manager` is stored as sent; on read it gets the manager's `displayName`
/// when the manager is a stored resource (Entra ID re-sends a manager a GET shows incomplete).
async fn derive_manager(
    conn: &mut SqliteConnection,
    tenant: &str,
    ty: &ResourceType,
    r: &mut Resource,
) -> Result<(), StoreError> {
    let urn = scim_core::urn::ENTERPRISE_USER;
    if ty.extension(urn).is_none() {
        return Ok(());
    }
    let Some(manager_id) = r
        .extension(urn)
        .and_then(|e| e.get("manager"))
        .and_then(|m| m.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Ok(());
    };
    let name: Option<Option<String>> = sqlx::query_scalar(
        "SELECT json_extract(data, '$.displayName') FROM resources \
         WHERE tenant = ? AND id = ? LIMIT 1",
    )
    .bind(tenant)
    .bind(&manager_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    if let Some(Some(name)) = name
        && let Some(Value::Object(manager)) = r
            .get_mut(urn)
            .and_then(Value::as_object_mut)
            .and_then(|e| e.get_mut("manager"))
    {
        manager.insert("displayName".into(), Value::String(name));
    }
    Ok(())
}
