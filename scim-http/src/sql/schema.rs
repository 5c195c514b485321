//! The database schema and its migrations.
//!
//! Migrations are SQL strings embedded in the binary, applied in order by
//! [`migrate`] in one `BEGIN IMMEDIATE` transaction, and recorded in `schema_version` (one row
//! per applied migration). Embedded strings rather than `sqlx::migrate!`: no migration files
//! to ship beside the binary, no extra sqlx features, and the same list serves any host.
//! A migration is never edited once released; a change is a new entry at the end.

use sqlx::SqliteConnection;

use crate::store::StoreError;

/// The migrations, in order: entry `i` brings the schema to version `i + 1`.
///
/// - `resources`: one row per resource. `data` is the resource's JSON without `id`, `meta`,
///   derived attributes (`User.groups`) and group `members` (held in `members`). The
///   uniqueness columns hold the folded value (lowercase when the attribute is
///   `caseExact: false`, RFC 7643 §2.4) of `userName` and of a Group's `displayName`, and are
///   `NULL` for types where the attribute is not unique. `seq` is the creation order (stable
///   paging, RFC 7644 §3.4.2.4); `version` is the counter behind `meta.version`.
/// - `members`: one row per group membership (RFC 7643 §4.2 `members`); `member_type` is the
///   member's resource type (`User`, `Group`), found when the row is written (a member must
///   name a resource of the tenant; ids are never reused). A member's `display` is derived on
///   read from the member's row.
///
/// Version 2 drops `members.display` (version 1 kept what the client sent). Version 3 adds
/// `group_id` to `members_member`: a member's groups (`User.groups`, read with every user)
/// come from the index alone, already in order, however many memberships the tenant has.
/// Version 4 makes the lookup indexes whole rather than partial (`WHERE … IS NOT NULL`):
/// NULLs never collide in a SQLite UNIQUE index, so uniqueness is the same, but proving that
/// `user_name_lower = ?` implies the partial index's condition marks the bound value as one
/// the plan depends on, and SQLite then parses and plans the statement anew for every
/// `userName eq "…"` lookup (about 100 µs each).
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE resources (
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    user_name_lower TEXT NULL,
    external_id TEXT NULL,
    display_name_lower TEXT NULL,
    seq INTEGER NOT NULL,
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
    PRIMARY KEY (tenant, group_id, member_id)
);
CREATE INDEX members_member ON members (tenant, member_id);
",
    r"
ALTER TABLE members DROP COLUMN display;
",
    r"
DROP INDEX members_member;
CREATE INDEX members_member ON members (tenant, member_id, group_id);
",
    r"
DROP INDEX resources_user_name;
CREATE UNIQUE INDEX resources_user_name ON resources (tenant, type, user_name_lower);
DROP INDEX resources_display_name;
CREATE UNIQUE INDEX resources_display_name ON resources (tenant, type, display_name_lower);
DROP INDEX resources_external_id;
CREATE INDEX resources_external_id ON resources (tenant, type, external_id);
",
];

/// Brings the database to the latest schema version, in one transaction; a database newer
/// than this code is refused.
pub(super) async fn migrate(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    use sqlx::Connection as _;
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(StoreError::backend)?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::backend)?;
    let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::backend)?;
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
        sqlx::raw_sql(*sql)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::backend)?;
        sqlx::query("INSERT INTO schema_version (version) VALUES (?)")
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::backend)?;
    }
    tx.commit().await.map_err(StoreError::backend)
}
