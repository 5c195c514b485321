//! The database schema and its migrations (PostgreSQL).
//!
//! Migrations are SQL strings embedded in the binary, applied in order by [`migrate`] in one
//! transaction, and recorded in `schema_version` (one row per applied migration). Several
//! processes may start at once: each takes a transaction-level advisory lock
//! (`pg_advisory_xact_lock`) first, so one migrates and the others then find the work done.
//! A migration is never edited once released; a change is a new entry at the end.

use sqlx::{Connection as _, PgConnection};

use super::rows::db;
use crate::store::StoreError;

/// The advisory lock key that serializes migrators ("SCIM" in ASCII, then RFC 7643).
const MIGRATION_LOCK: i64 = 0x5343_494D_0000_1DDB;

/// The migrations, in order: entry `i` brings the schema to version `i + 1`.
///
/// - `resources`: one row per resource. `data` is the resource's JSON (`jsonb`) without `id`,
///   `meta`, derived attributes (`User.groups`) and group `members` (held in `members`). The
///   uniqueness columns hold the folded value (lowercase when the attribute is
///   `caseExact: false`, RFC 7643 §2.4) of `userName` and of a Group's `displayName`, and are
///   `NULL` for types where the attribute is not unique. `created` and `last_modified` are
///   text in the canonical UTC form `meta` carries (RFC 7643 §3.1), cast to `timestamptz`
///   where filters and sorting compare them. `seq` is the creation order (stable paging,
///   RFC 7644 §3.4.2.4), an identity column (no race between writers); `version` is the
///   counter behind `meta.version`.
/// - `members`: one row per group membership (RFC 7643 §4.2 `members`); `member_type` is the
///   member's resource type (`User`, `Group`), found when the row is written (a member must
///   name a resource of the tenant; ids are never reused), `pos` the insertion order. A
///   member's `display` is derived on read from the member's row.
///
/// Version 2 drops `members.display` (version 1 kept what the client sent). Version 3 adds
/// `group_id` to `members_member`: a member's groups (`User.groups`, read with every user)
/// come from the index alone, already in order, however many memberships the tenant has.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE resources (
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    data JSONB NOT NULL,
    version BIGINT NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    user_name_lower TEXT NULL,
    external_id TEXT NULL,
    display_name_lower TEXT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (tenant, type, id)
);
CREATE UNIQUE INDEX resources_user_name ON resources (tenant, type, user_name_lower)
    WHERE user_name_lower IS NOT NULL;
CREATE UNIQUE INDEX resources_display_name ON resources (tenant, type, display_name_lower)
    WHERE display_name_lower IS NOT NULL;
CREATE INDEX resources_external_id ON resources (tenant, type, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX resources_seq ON resources (tenant, type, seq);
CREATE INDEX resources_id ON resources (tenant, id);
CREATE TABLE members (
    tenant TEXT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT NULL,
    display TEXT NULL,
    pos BIGSERIAL NOT NULL,
    PRIMARY KEY (tenant, group_id, member_id)
);
CREATE INDEX members_member ON members (tenant, member_id);
CREATE INDEX members_pos ON members (tenant, group_id, pos);
",
    r"
ALTER TABLE members DROP COLUMN display;
",
    r"
DROP INDEX members_member;
CREATE INDEX members_member ON members (tenant, member_id, group_id);
",
];

/// Brings the database to the latest schema version, in one transaction; a database newer
/// than this code is refused.
pub(super) async fn migrate(conn: &mut PgConnection) -> Result<(), StoreError> {
    let mut tx = conn.begin().await.map_err(db)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let latest = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if current > latest {
        return Err(StoreError::Backend(
            format!("the database schema (version {current}) is newer than this code ({latest})")
                .into(),
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        if version <= current {
            continue;
        }
        sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(db)?;
        sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}
