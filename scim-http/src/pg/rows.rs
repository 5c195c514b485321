//! The PostgreSQL statements of the shared store operations: [`Engine`] for a
//! [`PgConnection`] inside a write or read transaction, and how a row is read.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use scim_core::{Resource, ResourceType};
use serde_json::Value;
use sqlx::{PgConnection, Row as _};

use crate::store::StoreError;
use crate::stored::{Engine, MemberRow, Reader, Stored, fold, keys, uniques};
pub(super) use crate::stored::{has_groups, has_members, unique_column};

/// A backend error: serialization failures (SQLSTATE `40001`) and deadlocks (`40P01`) are
/// [`StoreError::Retryable`] (the server runs the call again), anything else
/// [`StoreError::Backend`].
pub(super) fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && matches!(d.code().as_deref(), Some("40001" | "40P01"))
    {
        return StoreError::Retryable(Box::new(e));
    }
    StoreError::backend(e)
}

/// The columns [`from_row`] reads.
pub(super) const COLUMNS: &str =
    "r.id, r.data::text AS data, r.version, r.created, r.last_modified";

/// [`COLUMNS`] and the row's derived values ([`Derived`]), for reads: the groups listing the
/// resource and the enterprise manager's `displayName`. One statement then reads a user
/// whole (one snapshot: no transaction needed).
pub(super) const READ_COLUMNS: &str = "r.id, r.data::text AS data, r.version, r.created, r.last_modified, \
     array_to_json(ARRAY(SELECT json_build_array(m.group_id, g.data->>'displayName') \
      FROM members AS m JOIN resources AS g ON g.tenant = m.tenant AND g.id = m.group_id \
      WHERE m.tenant = r.tenant AND m.member_id = r.id))::text AS groups, \
     (SELECT mr.data->>'displayName' FROM resources AS mr WHERE mr.tenant = r.tenant \
      AND mr.id = r.data->'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'\
        ->'manager'->>'value') AS manager_display";

/// A row of `resources` selected with [`COLUMNS`] or [`READ_COLUMNS`].
pub(super) fn from_row(row: &sqlx::postgres::PgRow) -> Result<Stored, StoreError> {
    Stored::from_row(row)
}

/// The unique index backing each uniqueness column (see `schema.rs`).
fn index_of(column: &str) -> Option<&'static str> {
    match column {
        "user_name_lower" => Some("resources_user_name"),
        "display_name_lower" => Some("resources_display_name"),
        _ => None,
    }
}

/// Maps a write's error: a unique violation (SQLSTATE `23505`) of a uniqueness index becomes
/// [`StoreError::Uniqueness`] (RFC 7644 §3.3, 409 `uniqueness`): a concurrent transaction
/// committed the same value after this one's check. Others go through [`db`].
fn write_error(e: sqlx::Error, ty: &ResourceType, r: &Resource) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.code().as_deref() == Some("23505")
    {
        let constraint = d.constraint().unwrap_or_default();
        for u in uniques(ty) {
            if let Some(c) = u.column
                && index_of(c) == Some(constraint)
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
impl Reader for PgConnection {
    async fn load(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        lock: bool,
    ) -> Result<Option<Stored>, StoreError> {
        // Built once: the statement is the same every time.
        static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
            [
                format!(
                    "SELECT {COLUMNS} FROM resources AS r \
                     WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3 FOR UPDATE"
                ),
                format!(
                    "SELECT {READ_COLUMNS} FROM resources AS r \
                     WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3"
                ),
            ]
        });
        let row = sqlx::query(sqlx::AssertSqlSafe(&*SQL[usize::from(!lock)]))
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
        let rows = sqlx::query(
            "SELECT m.member_id, m.member_type, \
             coalesce(r.data->>'displayName', r.data->>'userName') AS display \
             FROM members AS m \
             LEFT JOIN resources AS r ON r.tenant = m.tenant AND r.id = m.member_id \
             WHERE m.tenant = $1 AND m.group_id = $2 ORDER BY m.pos",
        )
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
        let rows = sqlx::query(
            "SELECT m.group_id AS id, g.data->>'displayName' AS display \
             FROM members AS m JOIN resources AS g ON g.tenant = m.tenant AND g.id = m.group_id \
             WHERE m.tenant = $1 AND m.member_id = $2 ORDER BY m.group_id",
        )
        .bind(tenant)
        .bind(member)
        .fetch_all(&mut *self)
        .await
        .map_err(db)?;
        rows.iter().map(crate::stored::group_from_row).collect()
    }

    async fn display_name(&mut self, tenant: &str, id: &str) -> Result<Option<String>, StoreError> {
        let name: Option<Option<String>> = sqlx::query_scalar(
            "SELECT data->>'displayName' FROM resources WHERE tenant = $1 AND id = $2 LIMIT 1",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *self)
        .await
        .map_err(db)?;
        Ok(name.flatten())
    }
}

/// Writers of one resource take turns on its row lock (`load` with `lock`: `FOR UPDATE`), in
/// `READ COMMITTED` write transactions; writers of different resources run in parallel.
#[async_trait]
impl Engine for PgConnection {
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
             user_name_lower, external_id, display_name_lower) \
             VALUES ($1, $2, $3, $4::jsonb, 1, $5, $6, $7, $8, $9)",
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
            "UPDATE resources SET data = $1::jsonb, version = version + 1, last_modified = $2, \
             user_name_lower = $3, external_id = $4, display_name_lower = $5 \
             WHERE tenant = $6 AND type = $7 AND id = $8 AND version = $9",
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
            "DELETE FROM resources WHERE tenant = $1 AND type = $2 AND id = $3 AND version = $4",
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

    /// A concurrent transaction that commits the same `userName` or group `displayName` after
    /// the check makes the write fail on the unique index (`write_error`). Unique attributes
    /// without an index (custom types) are guarded by a transaction-level advisory lock on
    /// the tenant and type instead.
    async fn check_unique(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        r: &Resource,
        self_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let uniques = uniques(ty);
        if uniques.iter().any(|u| u.column.is_none()) {
            // No index backs these: writers of the type in the tenant take turns (until commit).
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(1) || $2, 7643))")
                .bind(tenant)
                .bind(&ty.name)
                .execute(&mut *self)
                .await
                .map_err(db)?;
        }
        for u in uniques {
            let Some(Value::String(v)) = r.get(&u.attr) else {
                continue;
            };
            let expr = match u.column {
                Some(c) => c.to_owned(),
                None if u.attr.contains(['"', '\'', '\\']) => continue,
                None if u.case_exact => format!("(data->>'{}')", u.attr),
                None => format!("lower(data->>'{}')", u.attr),
            };
            let sql = format!(
                "SELECT 1 FROM resources WHERE tenant = $1 AND type = $2 AND {expr} = $3 AND id <> $4 \
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

    /// Locks the rows found (`FOR KEY SHARE`, until the transaction ends). The lock orders a
    /// membership insert and a concurrent delete of the member: a delete that locked the
    /// member first has committed before the member is looked up here (the member is then
    /// unknown: 400); otherwise the delete waits for this transaction and then removes the
    /// new membership row with the member's others.
    async fn types_of(
        &mut self,
        tenant: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, String>, StoreError> {
        let found = sqlx::query(
            "SELECT id, type FROM resources WHERE tenant = $1 AND id = ANY($2) \
             ORDER BY type, id FOR KEY SHARE",
        )
        .bind(tenant)
        .bind(ids)
        .fetch_all(&mut *self)
        .await
        .map_err(db)?;
        let mut types = HashMap::with_capacity(found.len());
        for row in &found {
            let id: String = row.try_get("id").map_err(db)?;
            let ty: String = row.try_get("type").map_err(db)?;
            types.entry(id).or_insert(ty);
        }
        Ok(types)
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
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant, group_id, member_id) DO NOTHING",
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
        let done = sqlx::query(
            "DELETE FROM members WHERE tenant = $1 AND group_id = $2 AND member_id = $3",
        )
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
            "SELECT member_id FROM members WHERE tenant = $1 AND group_id = $2 ORDER BY pos",
        )
        .bind(tenant)
        .bind(group)
        .fetch_all(&mut *self)
        .await
        .map_err(db)
    }

    async fn groups_of(&mut self, tenant: &str, member: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT group_id FROM members WHERE tenant = $1 AND member_id = $2")
            .bind(tenant)
            .bind(member)
            .fetch_all(&mut *self)
            .await
            .map_err(db)
    }

    async fn delete_memberships(&mut self, tenant: &str, id: &str) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM members WHERE tenant = $1 AND group_id = $2",
            "DELETE FROM members WHERE tenant = $1 AND member_id = $2",
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
            "UPDATE resources SET version = version + 1, last_modified = $1 \
             WHERE tenant = $2 AND id = $3",
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

#[cfg(test)]
mod tests {
    use sqlx::Connection as _;

    use super::*;

    /// A real deadlock (SQLSTATE `40P01`) and a real serialization failure (`40001`) from the
    /// server at `DATABASE_URL` are [`StoreError::Retryable`]; without `DATABASE_URL` the test
    /// passes with a notice.
    #[tokio::test]
    async fn deadlocks_and_serialization_failures_are_retryable() {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            eprintln!("DATABASE_URL is not set: skipping");
            return;
        };
        let table = format!("deadlock_{}", uuid::Uuid::new_v4().simple());
        let mut setup = PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {table} (id INT PRIMARY KEY, v INT); \
             INSERT INTO {table} VALUES (1, 0), (2, 0);"
        )))
        .execute(&mut setup)
        .await
        .unwrap();

        // Two transactions lock the two rows in opposite orders: one of them is chosen as
        // the deadlock victim.
        let (mut a, mut b) = (
            PgConnection::connect(&url).await.unwrap(),
            PgConnection::connect(&url).await.unwrap(),
        );
        let update = |id: i32| format!("UPDATE {table} SET v = v + 1 WHERE id = {id}");
        let mut ta = a.begin().await.unwrap();
        let mut tb = b.begin().await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(update(1)))
            .execute(&mut *ta)
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(update(2)))
            .execute(&mut *tb)
            .await
            .unwrap();
        let (ra, rb) = tokio::join!(
            sqlx::raw_sql(sqlx::AssertSqlSafe(update(2))).execute(&mut *ta),
            sqlx::raw_sql(sqlx::AssertSqlSafe(update(1))).execute(&mut *tb),
        );
        let victim = match (ra, rb) {
            (Err(e), Ok(_)) | (Ok(_), Err(e)) => e,
            other => panic!("expected exactly one deadlock victim, got {other:?}"),
        };
        assert!(
            matches!(db(victim), StoreError::Retryable(_)),
            "a deadlock is retryable"
        );
        drop((ta, tb));

        // Two serializable transactions that read and write the same row: the second commit
        // fails with a serialization failure.
        let (mut ta, mut tb) = (a.begin().await.unwrap(), b.begin().await.unwrap());
        for tx in [&mut ta, &mut tb] {
            sqlx::raw_sql("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                .execute(&mut **tx)
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "SELECT v FROM {table} WHERE id = 1"
            )))
            .execute(&mut **tx)
            .await
            .unwrap();
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(update(1)))
            .execute(&mut *ta)
            .await
            .unwrap();
        ta.commit().await.unwrap();
        let failed = match sqlx::raw_sql(sqlx::AssertSqlSafe(update(1)))
            .execute(&mut *tb)
            .await
        {
            Err(e) => e,
            Ok(_) => tb.commit().await.expect_err("a serialization failure"),
        };
        assert!(
            matches!(db(failed), StoreError::Retryable(_)),
            "a serialization failure is retryable"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
            .execute(&mut setup)
            .await
            .unwrap();
    }
}
