//! [`SqliteStore`]: a durable [`ResourceStore`] on SQLite, through `sqlx`.
//!
//! - **Schema** (see `schema.rs`, migrated on [`SqliteStore::connect`]): one row per resource
//!   in `resources` (its JSON in `data`, plus indexed columns), one row per group membership
//!   in `members`. Adding or removing one member of a large group writes one row.
//! - **Uniqueness** (RFC 7643 §2.4): `userName` among Users and `displayName` among Groups,
//!   folded to lowercase (`caseExact: false`), checked in the write transaction and backed by
//!   `UNIQUE` indexes; other unique attributes of custom types are checked in the transaction.
//! - **Compare and swap** (RFC 7644 §3.14): `replace`, `delete` and `patch` read the version
//!   and write with `… WHERE version = ?` in one transaction.
//! - **Members** must name a resource of the tenant (400 `invalidValue` otherwise), checked
//!   in the write transaction; their `type` is recorded then, their `display` joined from the
//!   member's row on read.
//! - **Derived attributes**: `User.groups` comes from `members`, the enterprise
//!   `manager.displayName` from the manager's row. Versions follow the store contract: a
//!   membership change or a group rename writes no member row (the entity tag covers
//!   `groups`); a renamed or deleted member gives the groups listing it a new version.
//! - **Queries**: filters become SQL with `scim_filter::SqlMapping` (see `query.rs` for the
//!   attributes mapped); sorting, paging and `totalResults` run in SQL.
//! - **Tenants**: every row carries the [`Tenant`](crate::Tenant) the authenticator attached
//!   (the empty string when there is none).
//!
//! # Connections and durability
//!
//! Writes go through one connection (a pool of one): SQLite allows one writer at a time, and
//! a queue in the process is fairer than its busy-wait loop. Each write is one
//! `BEGIN IMMEDIATE` transaction. Reads use a pool of several connections, each in a
//! transaction of its own (one consistent snapshot per call). The database runs in WAL mode,
//! so reads never wait for the writer, with `synchronous = NORMAL`: a committed write survives
//! a crash of the process, but the last transactions before a power loss or OS crash may be
//! lost (the database stays consistent). Hosts that need more pass `synchronous=FULL`
//! through [`SqliteStore::connect_with`]. `foreign_keys` is on and the busy timeout is 30 s
//! (other processes writing the same file wait rather than fail).
//!
//! An in-memory database (`sqlite::memory:`) lives in one connection, shared by reads and
//! writes, and kept open for the life of the store.

mod query;
mod rows;
mod schema;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use scim_core::Resource;
use scim_filter::SqlParam;
use scim_patch::{MemberChange, Patch};
use sqlx::SqliteConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use self::rows::{Stored, db, has_members, tag};
use crate::context::RequestContext;
use crate::precondition::Precondition;
use crate::store::{ListQuery, Page, PatchResult, Replacement, ResourceStore, StoreError};

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many connections serve reads (file databases).
const READERS: u32 = 4;

/// A [`ResourceStore`] on a SQLite database, for every resource type: durable, queried with
/// SQL (filters, sorting and paging never load every row), multi-tenant. See the module docs
/// for the schema and the guarantees.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use scim_http::{BearerTokens, ScimServer, SqliteStore};
///
/// let server = ScimServer::builder()
///     .store(SqliteStore::connect("sqlite://scim.db?mode=rwc").await?)
///     .authenticator(BearerTokens::single("s3cr3t-0123456789abcdef"))
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// One connection: every write transaction.
    writer: SqlitePool,
    /// Read transactions (the writer itself for an in-memory database).
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (with `?mode=rwc`, creates) the database at `url` and brings its schema up to
    /// date: `sqlite://path/to/scim.db?mode=rwc`, or `sqlite::memory:` for a database that
    /// lives as long as the store.
    ///
    /// Sets WAL mode, `synchronous = NORMAL`, `foreign_keys = ON` and a busy timeout (see the
    /// module docs for what survives which crash).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(db)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Self::connect_with(options, in_memory).await
    }

    /// Opens the database with the host's own options (say `synchronous(Full)` to survive an
    /// OS crash with every committed write); `foreign_keys` and the busy timeout are set here.
    /// `in_memory` says whether the database is in memory (one shared connection).
    pub async fn connect_with(
        options: SqliteConnectOptions,
        in_memory: bool,
    ) -> Result<Self, StoreError> {
        let options = options.foreign_keys(true).busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .map_err(db)?;
        {
            let mut conn = writer.acquire().await.map_err(db)?;
            schema::migrate(&mut conn).await?;
        }
        let reader = if in_memory {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READERS)
                .connect_with(options)
                .await
                .map_err(db)?
        };
        Ok(SqliteStore { writer, reader })
    }

    /// Closes the connections (waiting for the ones in use). Dropping the store closes them
    /// too, in the background.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    async fn read_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.reader.begin().await.map_err(db)
    }
}

fn tenant(ctx: &RequestContext) -> &str {
    ctx.tenant()
}

/// Reads the row `id` and checks the precondition: 404 or 412 otherwise.
async fn current(
    conn: &mut SqliteConnection,
    tenant: &str,
    ty: &scim_core::ResourceType,
    id: &str,
    expected: Precondition<'_>,
) -> Result<Stored, StoreError> {
    let stored = rows::load(conn, tenant, ty, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
    if !expected.matches(Some(&tag(stored.version))) {
        return Err(StoreError::VersionMismatch);
    }
    Ok(stored)
}

/// Writes the resource's data and indexed columns with a new version, if the stored version
/// is still `version` (compare and swap).
async fn write_row(
    conn: &mut SqliteConnection,
    tenant: &str,
    ty: &scim_core::ResourceType,
    id: &str,
    r: &Resource,
    version: i64,
    now: &str,
) -> Result<(), StoreError> {
    let data = serde_json::to_string(r.as_map()).map_err(StoreError::backend)?;
    let k = rows::keys(ty, r);
    let done = sqlx::query(
        "UPDATE resources SET data = ?, version = version + 1, last_modified = ?, \
         user_name_lower = ?, external_id = ?, display_name_lower = ? \
         WHERE tenant = ? AND type = ? AND id = ? AND version = ?",
    )
    .bind(data)
    .bind(now)
    .bind(k.user_name)
    .bind(k.external_id)
    .bind(k.display_name)
    .bind(tenant)
    .bind(&ty.name)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await
    .map_err(|e| rows::write_error(e, ty, r))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::VersionMismatch);
    }
    Ok(())
}

/// Reads back the resource `id` after a write, with its derived attributes.
async fn reread(
    conn: &mut SqliteConnection,
    tenant: &str,
    ty: &scim_core::ResourceType,
    id: &str,
    members: bool,
) -> Result<Resource, StoreError> {
    let stored = rows::load(conn, tenant, ty, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
    rows::render(conn, tenant, ty, &stored, members).await
}

#[async_trait]
impl ResourceStore for SqliteStore {
    async fn create(
        &self,
        ctx: &RequestContext,
        mut resource: Resource,
    ) -> Result<Resource, StoreError> {
        let ty = ctx.resource_type().clone();
        let tenant = tenant(ctx);
        let members = rows::split(&ty, &mut resource)?;
        let id = uuid::Uuid::new_v4().to_string();
        let data = serde_json::to_string(resource.as_map()).map_err(StoreError::backend)?;
        let k = rows::keys(&ty, &resource);
        let now = rows::now();
        let mut tx = self.write_tx().await?;
        rows::check_unique(&mut tx, tenant, &ty, &resource, None).await?;
        sqlx::query(
            "INSERT INTO resources (tenant, type, id, data, version, created, last_modified, \
             user_name_lower, external_id, display_name_lower, seq) \
             VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, \
             (SELECT coalesce(max(seq), 0) + 1 FROM resources))",
        )
        .bind(tenant)
        .bind(&ty.name)
        .bind(&id)
        .bind(data)
        .bind(&now)
        .bind(&now)
        .bind(k.user_name)
        .bind(k.external_id)
        .bind(k.display_name)
        .execute(&mut *tx)
        .await
        .map_err(|e| rows::write_error(e, &ty, &resource))?;
        rows::add_members(&mut tx, tenant, &id, members).await?;
        let out = reread(&mut tx, tenant, &ty, &id, true).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Option<Resource>, StoreError> {
        let ty = ctx.resource_type().clone();
        let tenant = tenant(ctx);
        let mut tx = self.read_tx().await?;
        let Some(stored) = rows::load(&mut tx, tenant, &ty, id).await? else {
            return Ok(None);
        };
        let r = rows::render(&mut tx, tenant, &ty, &stored, ctx.wants_members()).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(r))
    }

    async fn list(&self, ctx: &RequestContext, query: &ListQuery) -> Result<Page, StoreError> {
        query::list(self, ctx, query).await
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        replacement: Replacement,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        let ty = ctx.resource_type().clone();
        let tenant = tenant(ctx);
        let Replacement {
            mut resource,
            password,
            members: diff,
        } = replacement;
        let members = rows::split(&ty, &mut resource)?;
        let now = rows::now();
        let mut tx = self.write_tx().await?;
        let old = current(&mut tx, tenant, &ty, id, expected).await?;
        rows::keep_secret(&mut resource, password, &old.data);
        rows::check_unique(&mut tx, tenant, &ty, &resource, Some(id)).await?;
        write_row(&mut tx, tenant, &ty, id, &resource, old.version, &now).await?;
        if has_members(&ty) {
            match diff {
                Some(diff) => {
                    rows::remove_members(&mut tx, tenant, id, &diff.removed).await?;
                    let added = rows::members_from(&diff.added)?;
                    rows::add_members(&mut tx, tenant, id, added).await?;
                }
                None => {
                    rows::set_members(&mut tx, tenant, id, members).await?;
                }
            }
        }
        if rows::renames(&old.data, &resource) {
            let groups = rows::groups_of(&mut tx, tenant, id).await?;
            rows::bump(&mut tx, tenant, &groups, &now).await?;
        }
        let out = reread(&mut tx, tenant, &ty, id, true).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<(), StoreError> {
        let ty = ctx.resource_type().clone();
        let tenant = tenant(ctx);
        let now = rows::now();
        let mut tx = self.write_tx().await?;
        let old = current(&mut tx, tenant, &ty, id, expected).await?;
        let done = sqlx::query(
            "DELETE FROM resources WHERE tenant = ? AND type = ? AND id = ? AND version = ?",
        )
        .bind(tenant)
        .bind(&ty.name)
        .bind(id)
        .bind(old.version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::VersionMismatch);
        }
        // A deleted group leaves its members' `groups` (their rows are not written: the
        // entity tag covers `groups` with a digest).
        sqlx::query("DELETE FROM members WHERE tenant = ? AND group_id = ?")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // A deleted member leaves every group (whose member sets change: new versions).
        let groups = rows::groups_of(&mut tx, tenant, id).await?;
        sqlx::query("DELETE FROM members WHERE tenant = ? AND member_id = ?")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        rows::bump(&mut tx, tenant, &groups, &now).await?;
        tx.commit().await.map_err(db)
    }

    /// Applies the patch in one write transaction. For groups, membership operations the
    /// patch can express without the current members ([`Patch::member_plan`]) become row
    /// inserts and deletes, and the rest of the patch is applied to the group loaded without
    /// its members; any other patch is applied to the whole resource, written back with
    /// compare and swap. A failed patch writes nothing.
    async fn patch(
        &self,
        ctx: &RequestContext,
        id: &str,
        patch: &Patch<'_>,
        expected: Precondition<'_>,
    ) -> Result<PatchResult, StoreError> {
        let ty = ctx.resource_type().clone();
        let tenant = tenant(ctx);
        let now = rows::now();
        let mut tx = self.write_tx().await?;
        let old = current(&mut tx, tenant, &ty, id, expected).await?;
        let plan = if has_members(&ty) {
            patch.member_plan("members")
        } else {
            None
        };
        let (changed, new_data) = match plan {
            Some(plan) => {
                let (changes, rest) = plan.into_parts();
                let (mut new, outcome) = rest.apply_to_copy(&old.base(&ty))?;
                let mut members_changed = false;
                for change in changes {
                    let n = match change {
                        MemberChange::Add(values) => {
                            let members = rows::members_from(&values)?;
                            rows::add_members(&mut tx, tenant, id, members).await?.len()
                        }
                        MemberChange::Remove(ids) => {
                            rows::remove_members(&mut tx, tenant, id, &ids).await?.len()
                        }
                        MemberChange::Clear => {
                            let all = rows::member_ids(&mut tx, tenant, id).await?;
                            rows::remove_members(&mut tx, tenant, id, &all).await?.len()
                        }
                        MemberChange::Set(values) => {
                            let members = rows::members_from(&values)?;
                            let (a, r) = rows::set_members(&mut tx, tenant, id, members).await?;
                            a.len() + r.len()
                        }
                        _ => {
                            return Err(StoreError::Backend(
                                "unsupported membership change".into(),
                            ));
                        }
                    };
                    members_changed |= n > 0;
                }
                let data = if outcome.changed() {
                    rows::split(&ty, &mut new)?;
                    Some(new)
                } else {
                    None
                };
                (outcome.changed() || members_changed, data)
            }
            None => {
                let mut full = old.base(&ty);
                if has_members(&ty) {
                    // The whole group, members included, as the patch sees it.
                    let rendered = rows::render(&mut tx, tenant, &ty, &old, true).await?;
                    if let Some(m) = rendered.get("members") {
                        full.insert("members", m.clone());
                    }
                }
                let (mut new, outcome) = patch.apply_to_copy(&full)?;
                if !outcome.changed() {
                    (false, None)
                } else {
                    let members = rows::split(&ty, &mut new)?;
                    if has_members(&ty) {
                        rows::set_members(&mut tx, tenant, id, members).await?;
                    }
                    (true, Some(new))
                }
            }
        };
        if !changed {
            let resource = rows::render(&mut tx, tenant, &ty, &old, ctx.wants_members()).await?;
            tx.commit().await.map_err(db)?;
            return Ok(PatchResult {
                resource,
                changed: false,
            });
        }
        let renamed = match &new_data {
            Some(new) => {
                rows::check_unique(&mut tx, tenant, &ty, new, Some(id)).await?;
                write_row(&mut tx, tenant, &ty, id, new, old.version, &now).await?;
                rows::renames(&old.data, new)
            }
            None => {
                let unchanged = Resource::from_map(old.data.clone());
                write_row(&mut tx, tenant, &ty, id, &unchanged, old.version, &now).await?;
                false
            }
        };
        if renamed {
            let groups = rows::groups_of(&mut tx, tenant, id).await?;
            rows::bump(&mut tx, tenant, &groups, &now).await?;
        }
        let resource = reread(&mut tx, tenant, &ty, id, ctx.wants_members()).await?;
        tx.commit().await.map_err(db)?;
        Ok(PatchResult {
            resource,
            changed: true,
        })
    }
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds a translated filter's parameters, in order.
fn bind_all<'q>(
    mut q: SqliteQuery<'q>,
    params: &[SqlParam],
) -> Result<SqliteQuery<'q>, StoreError> {
    for p in params {
        q = match p {
            SqlParam::Text(s) => q.bind(s.clone()),
            SqlParam::Integer(i) => q.bind(*i),
            SqlParam::Real(f) => q.bind(*f),
            SqlParam::Bool(b) => q.bind(*b),
            _ => return Err(StoreError::Backend("unsupported SQL parameter".into())),
        };
    }
    Ok(q)
}
