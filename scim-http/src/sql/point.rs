//! Point reads: `GET /Users/{id}` and the unique lookups identity providers send before
//! every create (`filter=userName eq "…"`), run on the calling task through `rusqlite`.
//!
//! sqlx's SQLite driver runs each connection on a thread of its own and sends it every
//! statement over a channel: two thread hand-offs per statement, each a wake-up on another
//! core. A point read is one index seek of a few microseconds, so the hand-offs cost more
//! than the read: with them, a lookup took 94 µs of server CPU against the memory store's
//! 21 µs (`examples/load/run.sh`, 10,000 users). Here the statement runs where the request
//! is, on the same SQLite library (one `libsqlite3-sys` links both drivers).
//!
//! Running SQLite on an async task is safe here because a point read never waits:
//!
//! - in WAL mode a reader takes no lock a writer holds, so it never waits for the writer;
//! - the connections have no busy timeout: where SQLite would wait (another connection
//!   rebuilding the WAL index after a crash, say), it answers `SQLITE_BUSY` at once, and the
//!   store falls back to its pooled path ([`PointReads::get`] answers `None`);
//! - the statements read one row by a unique index (and that row's groups): bounded work,
//!   within tokio's advice of at most 10–100 µs between awaits.
//!
//! Lists, scans and every write stay on the sqlx pools, where a long statement or a wait for
//! the write lock never holds up other requests. Reads here see every transaction committed
//! before they start, as the pooled reads do.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, Row};
use scim_core::{Resource, ResourceType};
use scim_filter::SqlParam;

use super::rows::{self, DISPLAY_NAME, GROUP_ROWS, MEMBER_ROWS};
use crate::context::RequestContext;
use crate::store::{Page, StoreError};
use crate::stored::{Derived, MemberRow, Reader, Stored, list, ops};

/// How many idle connections are kept; more are opened when more tasks read at once (at
/// most one per thread running a point read), and closed when they are done.
const MAX_IDLE: usize = 16;

/// Prepared statements kept per connection: the lookups of every resource type and filter
/// shape an identity provider sends.
const STATEMENT_CACHE: usize = 64;

/// `PRAGMA mmap_size` of the point-read connections: pages of the database file are read
/// through a memory map rather than copied into each connection's page cache.
const MMAP_SIZE: i64 = 1 << 30;

/// Read-only connections to a SQLite database file, for point reads (see the module docs).
#[derive(Debug)]
pub(super) struct PointReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl PointReads {
    /// Point reads of the database at `path`, if it can be opened read-only (it must exist:
    /// the store has created and migrated it).
    pub(super) fn open(path: &Path) -> Result<Self, rusqlite::Error> {
        let first = connect(path)?;
        Ok(PointReads {
            path: path.to_owned(),
            idle: Mutex::new(vec![first]),
        })
    }

    /// `GET` of resource `id` as [`ops::get`] reads it; `None` when it must go through the
    /// pool instead (the database was busy, or a group's members are asked for: a second
    /// statement, which needs a snapshot shared with the first).
    pub(super) async fn get(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> Option<Result<Option<Resource>, StoreError>> {
        if crate::store::has_members(ctx.resource_type()) && ctx.wants_members() {
            return None;
        }
        let mut conn = self.take()?;
        let found = ops::get(&mut conn, ctx, id).await;
        conn.answer(found)
    }

    /// The page of a unique lookup ([`list::one_statement`]): the rows of `sql` with
    /// `params` bound in order; `None` when it must go through the pool.
    pub(super) async fn lookup(
        &self,
        ctx: &RequestContext,
        sql: &str,
        params: &[SqlParam],
    ) -> Option<Result<Page, StoreError>> {
        let mut conn = self.take()?;
        let found = match conn.rows(sql, params) {
            Ok(rows) => list::lookup(&mut conn, ctx, rows).await,
            Err(e) => Err(e),
        };
        conn.answer(found)
    }

    /// An idle connection, or a new one; `None` if none can be opened.
    fn take(&self) -> Option<PointConn<'_>> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => match connect(&self.path) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "SQLite: cannot open a point-read connection");
                    return None;
                }
            },
        };
        Some(PointConn {
            conn: Some(conn),
            pool: self,
            busy: false,
        })
    }
}

/// Opens `path` read-only, with no busy timeout (rusqlite sets 5 s by default).
fn connect(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::ZERO)?;
    conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// A connection taken from [`PointReads`], given back when dropped.
struct PointConn<'a> {
    conn: Option<Connection>,
    pool: &'a PointReads,
    /// Whether a statement found the database busy (then the pool answers instead).
    busy: bool,
}

impl Drop for PointConn<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}

impl PointConn<'_> {
    /// `found`, unless a statement found the database busy.
    fn answer<T>(&self, found: Result<T, StoreError>) -> Option<Result<T, StoreError>> {
        (!self.busy).then_some(found)
    }

    /// Runs `sql` with `params` and maps each row with `map`. Synchronous: the statement
    /// (which borrows the connection) never lives across an `await`.
    fn query<T>(
        &mut self,
        sql: &str,
        params: impl rusqlite::Params,
        mut map: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let Some(conn) = self.conn.as_ref() else {
            return Err(StoreError::Backend("point-read connection gone".into()));
        };
        let run = || -> Result<Vec<T>, Failure> {
            let mut stmt = conn.prepare_cached(sql)?;
            let mut rows = stmt.query(params)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(map(row).map_err(Failure::Store)?);
            }
            Ok(out)
        };
        run().map_err(|f| match f {
            Failure::Sqlite(e) => {
                if is_busy(&e) {
                    self.busy = true;
                }
                StoreError::backend(e)
            }
            Failure::Store(e) => e,
        })
    }

    /// The rows of a list statement (`rows::READ_COLUMNS` over the list's `FROM`).
    fn rows(&mut self, sql: &str, params: &[SqlParam]) -> Result<Vec<Stored>, StoreError> {
        let values = params
            .iter()
            .map(|p| match p {
                SqlParam::Text(s) => Ok(SqlValue::Text(s.clone())),
                SqlParam::Integer(i) => Ok(SqlValue::Integer(*i)),
                SqlParam::Real(f) => Ok(SqlValue::Real(*f)),
                SqlParam::Bool(b) => Ok(SqlValue::Integer(i64::from(*b))),
                _ => Err(StoreError::Backend("unsupported SQL parameter".into())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.query(sql, rusqlite::params_from_iter(values), stored)
    }
}

/// What a statement run by [`PointConn::query`] failed with.
enum Failure {
    Sqlite(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sqlite(e)
    }
}

/// Whether SQLite would have had to wait (`SQLITE_BUSY`, `SQLITE_LOCKED`).
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A row selected with [`rows::READ_COLUMNS`] (or `COLUMNS`: then without derived values).
fn stored(row: &Row<'_>) -> Result<Stored, StoreError> {
    let db = StoreError::backend;
    let derived = match row.as_ref().column_index("groups") {
        Ok(_) => {
            let groups: Option<String> = row.get("groups").map_err(db)?;
            Some(Derived::parse(
                groups.as_deref(),
                row.get("manager_display").map_err(db)?,
            )?)
        }
        Err(_) => None,
    };
    let data: String = row.get("data").map_err(db)?;
    Ok(Stored {
        id: row.get("id").map_err(db)?,
        data: Stored::parse_data(&data)?,
        version: row.get("version").map_err(db)?,
        created: row.get("created").map_err(db)?,
        last_modified: row.get("last_modified").map_err(db)?,
        derived,
    })
}

/// The same statements as the pooled reader (`rows.rs`), without a lock: point reads are
/// never part of a write.
#[async_trait]
impl Reader for PointConn<'_> {
    async fn load(
        &mut self,
        tenant: &str,
        ty: &ResourceType,
        id: &str,
        _lock: bool,
    ) -> Result<Option<Stored>, StoreError> {
        let found = self.query(rows::load_sql(false), (tenant, &ty.name, id), stored)?;
        Ok(found.into_iter().next())
    }

    async fn member_rows(
        &mut self,
        tenant: &str,
        group: &str,
    ) -> Result<Vec<MemberRow>, StoreError> {
        let db = StoreError::backend;
        self.query(MEMBER_ROWS, (tenant, group), |row| {
            Ok(MemberRow {
                id: row.get("member_id").map_err(db)?,
                member_type: row.get("member_type").map_err(db)?,
                display: row.get("display").map_err(db)?,
            })
        })
    }

    async fn group_rows(
        &mut self,
        tenant: &str,
        member: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let db = StoreError::backend;
        self.query(GROUP_ROWS, (tenant, member), |row| {
            Ok((row.get("id").map_err(db)?, row.get("display").map_err(db)?))
        })
    }

    async fn display_name(&mut self, tenant: &str, id: &str) -> Result<Option<String>, StoreError> {
        let found = self.query(DISPLAY_NAME, (tenant, id), |row| {
            row.get::<_, Option<String>>(0).map_err(StoreError::backend)
        })?;
        Ok(found.into_iter().next().flatten())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rusqlite::Connection;
    use scim_core::{Resource, ResourceType};
    use serde_json::json;

    use super::PointReads;
    use crate::context::RequestContext;
    use crate::{ResourceStore as _, SqliteStore, Tenant};

    /// A point read never waits for a lock: where the database is locked it answers `None`
    /// (the store then reads through its pool, which waits), and reads again once the lock
    /// is gone. WAL readers are (almost) never locked out, so the database is switched to a
    /// rollback journal, where a writer's `EXCLUSIVE` transaction locks every reader out.
    #[tokio::test]
    async fn a_locked_database_is_left_to_the_pool() {
        let path = std::env::temp_dir().join(format!("scim-point-{}.db", uuid::Uuid::new_v4()));
        let users = Arc::new(ResourceType::user());
        let ctx = RequestContext::new(users.clone(), Tenant::default(), http::Extensions::new());
        let store = SqliteStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        let user = Resource::from_value(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "point",
        }))
        .unwrap();
        let id = store
            .create(&ctx, user)
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_owned();
        store.close().await;

        let holder = Connection::open(&path).unwrap();
        let _: String = holder
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap();
        let points = PointReads::open(&path).unwrap();
        let read = |found: Option<Result<Option<Resource>, _>>| {
            found.map(|r| r.unwrap().and_then(|u| u.id().map(str::to_owned)))
        };
        assert_eq!(read(points.get(&ctx, &id).await), Some(Some(id.clone())));

        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        assert_eq!(
            read(points.get(&ctx, &id).await),
            None,
            "a locked read must fall back"
        );
        holder.execute_batch("COMMIT").unwrap();
        assert_eq!(read(points.get(&ctx, &id).await), Some(Some(id.clone())));
        assert_eq!(read(points.get(&ctx, "no-such-id").await), Some(None));

        drop((points, holder));
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
