//! The SQLite statements of the shared store operations: [`Engine`] for a
//! [`SqliteConnection`] inside a write or read transaction, and how a row is read.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use scim_core::{Resource, ResourceType};
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::store::StoreError;
use crate::stored::{Engine, MemberRow, Reader, Stored, fold, keys, uniques};
pub(super) use crate::stored::{has_groups, has_members, unique_column};

/// A backend error.
pub(super) fn db(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

/// The columns [`from_row`] reads.
pub(super) const COLUMNS: &str = "r.id, r.data, r.version, r.created, r.last_modified";

/// [`COLUMNS`] and the row's derived values ([`Derived`]), for reads: the groups listing the
/// resource (members first: `CROSS JOIN`, see `group_rows`) and the enterprise manager's
/// `displayName`. One statement then reads a user whole.
///
/// Two things keep it cheap, as a `GET` or lookup runs it every time: the groups are
/// aggregated in the index's order with no `ORDER BY` inside the aggregate (which would sort
/// through a temporary b-tree on every read; [`Derived::parse`] orders them), and the JSON
/// of the row is parsed for the manager only when its text mentions one (`instr`, a byte
/// search).
pub(super) const READ_COLUMNS: &str = "r.id, r.data, r.version, r.created, r.last_modified, \
     (SELECT json_group_array(json_array(m.group_id, json_extract(g.data, '$.displayName'))) \
      FROM members AS m CROSS JOIN resources AS g ON g.tenant = m.tenant AND g.id = m.group_id \
      WHERE m.tenant = r.tenant AND m.member_id = r.id) AS groups, \
     CASE WHEN instr(r.data, '\"manager\"') > 0 THEN \
     (SELECT json_extract(mr.data, '$.displayName') FROM resources AS mr \
      WHERE mr.tenant = r.tenant AND mr.id = json_extract(r.data, \
        '$.\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\".manager.value')) \
     END AS manager_display";

/// The statement of [`Reader::load`]: a load for a write (`lock`) needs no derived values,
/// as the write re-reads what it renders.
pub(super) fn load_sql(lock: bool) -> &'static str {
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
        [COLUMNS, READ_COLUMNS].map(|columns| {
            format!(
                "SELECT {columns} FROM resources AS r \
                 WHERE r.tenant = ? AND r.type = ? AND r.id = ?"
            )
        })
    });
    &SQL[usize::from(!lock)]
}

/// [`Reader::member_rows`]: (tenant, group).
pub(super) const MEMBER_ROWS: &str = "SELECT m.member_id, m.member_type, \
     coalesce(json_extract(r.data, '$.displayName'), json_extract(r.data, '$.userName')) \
     AS display FROM members AS m \
     LEFT JOIN resources AS r ON r.tenant = m.tenant AND r.id = m.member_id \
     WHERE m.tenant = ? AND m.group_id = ? ORDER BY m.rowid";

/// [`Reader::group_rows`]: (tenant, member). `CROSS JOIN` makes `members` the outer loop
/// (SQLite never reorders it): without `ANALYZE` statistics the planner would otherwise walk
/// every resource of the tenant and probe `members` for each (milliseconds per user at
/// 10,000 users).
pub(super) const GROUP_ROWS: &str = "SELECT m.group_id AS id, \
     json_extract(g.data, '$.displayName') AS display \
     FROM members AS m CROSS JOIN resources AS g ON g.tenant = m.tenant AND g.id = m.group_id \
     WHERE m.tenant = ? AND m.member_id = ? ORDER BY m.group_id";

/// [`Reader::display_name`]: (tenant, id).
pub(super) const DISPLAY_NAME: &str =
    "SELECT json_extract(data, '$.displayName') FROM resources WHERE tenant = ? AND id = ? LIMIT 1";

/// A row of `resources` selected with [`COLUMNS`] or [`READ_COLUMNS`].
pub(super) fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Stored, StoreError> {
    Stored::from_row(row)
}

/// Maps a write's error: a UNIQUE violation of a uniqueness index becomes
/// [`StoreError::Uniqueness`] (a race the check did not see: another process).
fn write_error(e: sqlx::Error, ty: &ResourceType, r: &Resource) -> StoreError {
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

fn data_of(r: &Resource) -> Result<String, StoreError> {
    serde_json::to_string(r.as_map()).map_err(StoreError::backend)
}

#[async_trait]
impl Reader for SqliteConnection {
    async fn load(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        lock: bool,
    ) -> Result<Option<Stored>, StoreError> {
        let row = sqlx::query(load_sql(lock))
            .bind(tenant)
            .bind(&ty.name)
            .bind(id)
            .fetch_optional(&mut *self)
            .await
            .map_err(db)?;
        row.as_ref().map(from_row).transpose()
    }

    async fn member_rows(
        &mut self,
        tenant: &str,
        group: &str,
    ) -> Result<Vec<MemberRow>, StoreError> {
        let rows = sqlx::query(MEMBER_ROWS)
            .bind(tenant)
            .bind(group)
            .fetch_all(&mut *self)
            .await
            .map_err(db)?;
        rows.iter().map(MemberRow::from_row).collect()
    }

    async fn group_rows(
        &mut self,
        tenant: &str,
        member: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let rows = sqlx::query(GROUP_ROWS)
            .bind(tenant)
            .bind(member)
            .fetch_all(&mut *self)
            .await
            .map_err(db)?;
        rows.iter().map(crate::stored::group_from_row).collect()
    }

    async fn display_name(&mut self, tenant: &str, id: &str) -> Result<Option<String>, StoreError> {
        let name: Option<Option<String>> = sqlx::query_scalar(DISPLAY_NAME)
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *self)
            .await
            .map_err(db)?;
        Ok(name.flatten())
    }
}

/// SQLite write transactions are `BEGIN IMMEDIATE` (one writer at a time), so `load` needs no
/// row lock, and a member looked up in the transaction cannot be deleted before it commits.
#[async_trait]
impl Engine for SqliteConnection {
    async fn insert(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        r: &Resource,
        now: &str,
    ) -> Result<(), StoreError> {
        let k = keys(ty, r);
        sqlx::query(
            "INSERT INTO resources (tenant, type, id, data, version, created, last_modified, \
             user_name_lower, external_id, display_name_lower, seq) \
             VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, \
             (SELECT coalesce(max(seq), 0) + 1 FROM resources))",
        )
        .bind(tenant)
        .bind(&ty.name)
        .bind(id)
        .bind(data_of(r)?)
        .bind(now)
        .bind(now)
        .bind(k.user_name)
        .bind(k.external_id)
        .bind(k.display_name)
        .execute(&mut *self)
        .await
        .map_err(|e| write_error(e, ty, r))?;
        Ok(())
    }

    async fn update(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        r: &Resource,
        version: i64,
        now: &str,
    ) -> Result<(), StoreError> {
        let k = keys(ty, r);
        let done = sqlx::query(
            "UPDATE resources SET data = ?, version = version + 1, last_modified = ?, \
             user_name_lower = ?, external_id = ?, display_name_lower = ? \
             WHERE tenant = ? AND type = ? AND id = ? AND version = ?",
        )
        .bind(data_of(r)?)
        .bind(now)
        .bind(k.user_name)
        .bind(k.external_id)
        .bind(k.display_name)
        .bind(tenant)
        .bind(&ty.name)
        .bind(id)
        .bind(version)
        .execute(&mut *self)
        .await
        .map_err(|e| write_error(e, ty, r))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::VersionMismatch);
        }
        Ok(())
    }

    async fn delete(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        version: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM resources WHERE tenant = ? AND type = ? AND id = ? AND version = ?",
        )
        .bind(tenant)
        .bind(&ty.name)
        .bind(id)
        .bind(version)
        .execute(&mut *self)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    /// Runs inside the write transaction, so nothing can get in between the check and the
    /// write; the unique indexes are a second line of defence (another process).
    async fn check_unique(
        &mut self,
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
                "SELECT 1 FROM resources WHERE tenant = ? AND type = ? AND {expr} = ? AND id <> ? \
                 LIMIT 1"
            );
            let taken = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant)
                .bind(&ty.name)
                .bind(fold(v, u.case_exact))
                .bind(self_id.unwrap_or(""))
                .fetch_optional(&mut *self)
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

    async fn types_of(
        &mut self,
        tenant: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut found = HashMap::with_capacity(ids.len());
        for id in ids {
            let ty: Option<String> = sqlx::query_scalar(
                "SELECT type FROM resources WHERE tenant = ? AND id = ? LIMIT 1",
            )
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *self)
            .await
            .map_err(db)?;
            if let Some(ty) = ty {
                found.insert((*id).to_owned(), ty);
            }
        }
        Ok(found)
    }

    async fn insert_member(
        &mut self,
        tenant: &str,
        group: &str,
        member: &str,
        member_type: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO members (tenant, group_id, member_id, member_type) \
             VALUES (?, ?, ?, ?) ON CONFLICT (tenant, group_id, member_id) DO NOTHING",
        )
        .bind(tenant)
        .bind(group)
        .bind(member)
        .bind(member_type)
        .execute(&mut *self)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_member(
        &mut self,
        tenant: &str,
        group: &str,
        member: &str,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id = ?")
                .bind(tenant)
                .bind(group)
                .bind(member)
                .execute(&mut *self)
                .await
                .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn member_ids(&mut self, tenant: &str, group: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT member_id FROM members WHERE tenant = ? AND group_id = ? ORDER BY rowid",
        )
        .bind(tenant)
        .bind(group)
        .fetch_all(&mut *self)
        .await
        .map_err(db)
    }

    async fn groups_of(&mut self, tenant: &str, member: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT group_id FROM members WHERE tenant = ? AND member_id = ?")
            .bind(tenant)
            .bind(member)
            .fetch_all(&mut *self)
            .await
            .map_err(db)
    }

    async fn delete_memberships(&mut self, tenant: &str, id: &str) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM members WHERE tenant = ? AND group_id = ?",
            "DELETE FROM members WHERE tenant = ? AND member_id = ?",
        ] {
            sqlx::query(sql)
                .bind(tenant)
                .bind(id)
                .execute(&mut *self)
                .await
                .map_err(db)?;
        }
        Ok(())
    }

    async fn bump(&mut self, tenant: &str, id: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE resources SET version = version + 1, last_modified = ? \
             WHERE tenant = ? AND id = ?",
        )
        .bind(now)
        .bind(tenant)
        .bind(id)
        .execute(&mut *self)
        .await
        .map_err(db)?;
        Ok(())
    }
}
