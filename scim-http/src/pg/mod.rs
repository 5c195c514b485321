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
//! - **Point reads**: `GET` by id and the unique lookups identity providers send before each
//!   create (`filter=userName eq "…"`) are one statement on connections of their own, without
//!   the pool's pings on acquire and release (one round trip instead of three, see
//!   `point.rs`). There are at most as many of them as the pool's `max_connections`: size
//!   the server's `max_connections` for twice the pool per process.
//!
//! TLS is not built in: a host that connects over the network enables a TLS feature of
//! `sqlx` (`tls-rustls-ring-webpki`, `tls-native-tls`) in its own manifest and passes
//! `sslmode=require` in the URL.

mod point;
mod query;
mod rows;
mod schema;

use std::str::FromStr;

use scim_filter::SqlParam;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use self::rows::db;
use crate::context::RequestContext;
use crate::store::StoreError;

/// How many connections the pool of [`PostgresStore::connect`] opens at most.
const CONNECTIONS: u32 = 8;

/// A [`ResourceStore`](crate::ResourceStore) on a PostgreSQL database, for every resource type:
/// durable, queried with SQL (filters, sorting and paging never load every row), multi-tenant, and
/// safe to share between several server processes. See the module docs for the schema and the
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
    /// The filter mapping of each resource type, built once.
    mappings: std::sync::Arc<crate::stored::MappingCache>,
    /// `GET` by id and unique lookups, one round trip each (see `point.rs`).
    points: std::sync::Arc<point::PointConns>,
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
    ///
    /// Point reads (see the module docs) open their connections with `options` too, but
    /// the pool's `after_connect` hook does not run on them: set session parameters in
    /// `options` ([`PgConnectOptions::options`]) rather than in a hook.
    pub async fn connect_with(
        options: PgConnectOptions,
        pool: PgPoolOptions,
    ) -> Result<Self, StoreError> {
        let pool = pool.connect_with(options).await.map_err(db)?;
        {
            let mut conn = pool.acquire().await.map_err(db)?;
            schema::migrate(&mut conn).await?;
        }
        let points = point::PointConns::new(
            (*pool.connect_options()).clone(),
            pool.options().get_max_connections(),
        );
        Ok(PostgresStore {
            pool,
            mappings: std::sync::Arc::default(),
            points: std::sync::Arc::new(points),
        })
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

    async fn read_conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, StoreError> {
        self.pool.acquire().await.map_err(db)
    }

    /// A `GET` answered on a point connection (one round trip, see `point.rs`), or `None`
    /// for the pool: a group's members are a second statement, in one snapshot with the first.
    async fn point_get(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Option<Result<Option<crate::Resource>, StoreError>> {
        if crate::store::has_members(ctx.resource_type()) && ctx.wants_members() {
            return None;
        }
        let get = async |c: &mut sqlx::PgConnection| crate::stored::ops::get(c, ctx, id).await;
        self.points.run(get).await
    }
}

fn tenant(ctx: &RequestContext) -> &str {
    ctx.tenant()
}

crate::stored::sql_resource_store!(PostgresStore);

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
