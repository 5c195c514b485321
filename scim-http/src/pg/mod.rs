//! [`PostgresStore`]: a durable [`ResourceStore`] on PostgreSQL, through `sqlx`, for one or
//! several server processes over one database.
//!
//! - **Schema** (see `schema.rs`, migrated on [`PostgresStore::connect`] under an advisory
//!   lock): one row per resource in `resources` (its JSON in a `jsonb` column `data`, plus
//!   indexed columns), one row per group membership in `members`. Adding or removing one
//!   member of a large group writes one row.
//! - **Uniqueness** (RFC 7643 §2.4): `userName` among Users and `displayName` among Groups,
//!   folded to lowercase (`caseExact: false`), checked in the write transaction and enforced
//!   by partial `UNIQUE` indexes: of two transactions (in any processes) creating one
//!   `userName`, the second waits for the first and fails with SQLSTATE `23505`, which
//!   becomes [`StoreError::Uniqueness`] (409, RFC 7644 §3.3). Other unique attributes of
//!   custom types are checked in the transaction under an advisory lock.
//! - **Compare and swap** (RFC 7644 §3.14): `replace`, `delete` and `patch` lock the row
//!   (`SELECT … FOR UPDATE`), check the version and write with `… WHERE version = $n`, in one
//!   `READ COMMITTED` transaction; writers of one resource take turns, writers of different
//!   resources run in parallel. Deadlocks (`40P01`) and serialization failures (`40001`)
//!   are [`StoreError::Retryable`]: the server runs the call again.
//! - **Members** must name a resource of the tenant (400 `invalidValue` otherwise), checked
//!   in the write transaction; their `type` is recorded then, their `display` joined from the
//!   member's row on read.
//! - **Derived attributes**: `User.groups` comes from `members`, the enterprise
//!   `manager.displayName` from the manager's row. Versions follow the store contract: a
//!   membership change or a group rename writes no member row (the entity tag covers
//!   `groups`); a renamed or deleted member gives the groups listing it a new version.
//! - **Queries**: filters become SQL with `scim_filter::SqlMapping` in
//!   [`Dialect::Postgres`] (see `query.rs` for the attributes mapped); sorting, paging and
//!   `totalResults` run in SQL. Each read is one `REPEATABLE READ, READ ONLY` transaction
//!   (one snapshot: `totalResults` and the page agree).
//! - **Tenants**: every row carries the [`Tenant`](crate::Tenant) the authenticator attached
//!   (the empty string when there is none).
//! - **Time stamps**: `meta.created` and `meta.lastModified` are stored as text in the
//!   canonical UTC form (RFC 7643 §3.1, to the millisecond), and cast to `timestamptz` where
//!   filters and sorting compare them.
//!
//! TLS is not built in: a host that connects over the network enables a TLS feature of
//! `sqlx` (`tls-rustls-ring-webpki`, `tls-native-tls`) in its own manifest and passes
//! `sslmode=require` in the URL.

mod query;
mod rows;
mod schema;

use std::str::FromStr;

use async_trait::async_trait;
use scim_core::Resource;
use scim_filter::SqlParam;
use scim_patch::{MemberChange, Patch};
use sqlx::PgConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use self::rows::{Stored, db, has_members, tag};
use crate::context::RequestContext;
use crate::precondition::Precondition;
use crate::store::{ListQuery, Page, PatchResult, Replacement, ResourceStore, StoreError};

/// How many connections the pool of [`PostgresStore::connect`] opens at most.
const CONNECTIONS: u32 = 8;

/// A [`ResourceStore`] on a PostgreSQL database, for every resource type: durable, queried
/// with SQL (filters, sorting and paging never load every row), multi-tenant, and safe to
/// share between several server processes. See the module docs for the schema and the
/// guarantees.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use scim_http::{BearerTokens, PostgresStore, ScimServer};
///
/// let server = ScimServer::builder()
///     .store(PostgresStore::connect("postgres://scim:secret@localhost/scim").await?)
///     .authenticator(BearerTokens::single("s3cr3t-0123456789abcdef"))
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`,
    /// with the options of libpq URLs) with a pool of up to 8 connections, and brings its
    /// schema up to date (in one transaction; concurrent migrators wait for each other).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(db)?;
        let pool = PgPoolOptions::new().max_connections(CONNECTIONS);
        Self::connect_with(options, pool).await
    }

    /// Connects with the host's own connection and pool options (TLS, pool size, timeouts),
    /// and brings the schema up to date.
    pub async fn connect_with(
        options: PgConnectOptions,
        pool: PgPoolOptions,
    ) -> Result<Self, StoreError> {
        let pool = pool.connect_with(options).await.map_err(db)?;
        {
            let mut conn = pool.acquire().await.map_err(db)?;
            schema::migrate(&mut conn).await?;
        }
        Ok(PostgresStore { pool })
    }

    /// Closes the connections (waiting for the ones in use). Dropping the store closes them
    /// too, in the background.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        self.pool.begin().await.map_err(db)
    }

    async fn read_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(db)
    }
}

fn tenant(ctx: &RequestContext) -> &str {
    ctx.tenant()
}

/// Reads and locks the row `id` and checks the precondition: 404 or 412 otherwise.
async fn current(
    conn: &mut PgConnection,
    tenant: &str,
    ty: &scim_core::ResourceType,
    id: &str,
    expected: Precondition<'_>,
) -> Result<Stored, StoreError> {
    let stored = rows::load(conn, tenant, ty, id, true)
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
    conn: &mut PgConnection,
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
        "UPDATE resources SET data = $1::jsonb, version = version + 1, last_modified = $2, \
         user_name_lower = $3, external_id = $4, display_name_lower = $5 \
         WHERE tenant = $6 AND type = $7 AND id = $8 AND version = $9",
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
    conn: &mut PgConnection,
    tenant: &str,
    ty: &scim_core::ResourceType,
    id: &str,
    members: bool,
) -> Result<Resource, StoreError> {
    let stored = rows::load(conn, tenant, ty, id, false)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
    rows::render(conn, tenant, ty, &stored, members).await
}

#[async_trait]
impl ResourceStore for PostgresStore {
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
             user_name_lower, external_id, display_name_lower) \
             VALUES ($1, $2, $3, $4::jsonb, 1, $5, $6, $7, $8, $9)",
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
        let Some(stored) = rows::load(&mut tx, tenant, &ty, id, false).await? else {
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
            "DELETE FROM resources WHERE tenant = $1 AND type = $2 AND id = $3 AND version = $4",
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
        sqlx::query("DELETE FROM members WHERE tenant = $1 AND group_id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // A deleted member leaves every group (whose member sets change: new versions).
        let groups = rows::groups_of(&mut tx, tenant, id).await?;
        sqlx::query("DELETE FROM members WHERE tenant = $1 AND member_id = $2")
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

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds a translated filter's parameters, in order.
fn bind_all<'q>(mut q: PgQuery<'q>, params: &[SqlParam]) -> Result<PgQuery<'q>, StoreError> {
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
