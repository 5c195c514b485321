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
//! `GET` by id and the unique lookups identity providers send before each create
//! (`filter=userName eq "…"`) are *point reads*: one index seek, run on the calling task
//! through `rusqlite` over the same SQLite library, on read-only connections that never wait
//! for a lock (where one would, the read goes through the pool). They skip the two thread
//! hand-offs per statement of sqlx's driver, which cost more than the read (see `point.rs`).
//!
//! An in-memory database (`sqlite::memory:`) lives in one connection, shared by reads and
//! writes, and kept open for the life of the store; it has no point reads.

mod point;
mod query;
mod rows;
mod schema;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use scim_filter::SqlParam;
use sqlx::Connection as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use self::rows::db;
use crate::context::RequestContext;
use crate::store::StoreError;

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many connections serve reads (file databases).
const READERS: u32 = 4;

/// Every how many write transactions the writer runs `PRAGMA optimize`, so that the query
/// planner has statistics (`sqlite_stat1`) as the tables grow: without them it may walk an
/// index in `seq` order for a lookup instead of seeking the unique index. SQLite's own advice
/// for long-lived connections (<https://sqlite.org/lang_analyze.html#pragopt>); each run reads
/// at most [`ANALYSIS_LIMIT`] rows per index, and does nothing for tables that barely changed.
const OPTIMIZE_EVERY: u64 = 1000;

/// `PRAGMA analysis_limit` for those runs: a bounded, approximate `ANALYZE`.
const ANALYSIS_LIMIT: u32 = 1000;

/// A [`ResourceStore`](crate::ResourceStore) on a SQLite database, for every resource type:
/// durable, queried with SQL (filters, sorting and paging never load every row), multi-tenant. See
/// the module docs for the schema and the guarantees.
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
    /// Write transactions begun, for `PRAGMA optimize` every [`OPTIMIZE_EVERY`].
    writes: Arc<AtomicU64>,
    /// The filter mapping of each resource type, built once.
    mappings: Arc<crate::stored::MappingCache>,
    /// `GET` by id and unique lookups on the calling task (file databases).
    points: Option<Arc<point::PointReads>>,
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
        // No ping before each use (`test_before_acquire`): the database is in this process, a
        // connection cannot be lost, and a ping is one more trip to sqlx's worker thread.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
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
            // Statistics for tables never analyzed (a database from an older version).
            optimize(&mut conn, "PRAGMA optimize = 0x10002").await;
        }
        let (reader, points) = if in_memory {
            (writer.clone(), None)
        } else {
            let points = match point::PointReads::open(options.get_filename()) {
                Ok(points) => Some(Arc::new(points)),
                Err(e) => {
                    tracing::warn!(error = %e, "SQLite: no point reads, every read uses the pool");
                    None
                }
            };
            let reader = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(READERS)
                .connect_with(options)
                .await
                .map_err(db)?;
            (reader, points)
        };
        Ok(SqliteStore {
            writer,
            reader,
            writes: Arc::new(AtomicU64::new(1)),
            mappings: Arc::default(),
            points,
        })
    }

    /// Closes the connections (waiting for the ones in use). Dropping the store closes them
    /// too, in the background.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        if self
            .writes
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(OPTIMIZE_EVERY)
        {
            let mut conn = self.writer.acquire().await.map_err(db)?;
            optimize(&mut conn, "PRAGMA optimize").await;
        }
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    async fn read_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.reader.begin().await.map_err(db)
    }

    /// A `GET` answered by a point read, or `None` for the pool (see `point.rs`).
    async fn point_get(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Option<Result<Option<crate::Resource>, StoreError>> {
        self.points.as_ref()?.get(ctx, id).await
    }

    async fn read_conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, StoreError> {
        self.reader.acquire().await.map_err(db)
    }
}

/// Runs `pragma` (a form of `PRAGMA optimize`) with [`ANALYSIS_LIMIT`], in one transaction
/// that also empties `sqlite_stat4`; a failure only costs statistics, so it is logged, not
/// returned.
///
/// Why no `sqlite_stat4` samples: with them (the bundled SQLite has `SQLITE_ENABLE_STAT4`)
/// SQLite re-plans a statement whenever a value bound in its `WHERE` changes, so that every
/// `userName eq "…"` lookup would be parsed and planned anew (about 100 µs, more than the
/// query). `sqlite_stat1` (the per-index row estimates) is enough to choose our indexes.
async fn optimize(conn: &mut sqlx::SqliteConnection, pragma: &str) {
    let run = async {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!("PRAGMA analysis_limit = {ANALYSIS_LIMIT}; {pragma}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
        let samples: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4'")
                .fetch_optional(&mut *tx)
                .await?;
        if samples.is_some() {
            sqlx::query("DELETE FROM sqlite_stat4")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    };
    if let Err(e) = run.await {
        tracing::warn!(error = %e, "SQLite: PRAGMA optimize failed");
    }
}

fn tenant(ctx: &RequestContext) -> &str {
    ctx.tenant()
}

crate::stored::sql_resource_store!(SqliteStore);

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
