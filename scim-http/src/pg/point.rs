//! Point reads: `GET /Users/{id}` and the unique lookups identity providers send before
//! every create (`filter=userName eq "…"`), each one round trip on a connection of their own.
//!
//! sqlx's pool pings a connection when it is taken (`test_before_acquire`) and always when
//! it is given back (to flush what a cancelled call may have left half-done): three round
//! trips to the server for a read that needs one, each a wake-up of the server process and
//! of ours. With them, a lookup cost 98 µs of server CPU (`examples/load/run.sh`, 10,000
//! users) against the memory store's 21 µs, and the database as much again.
//!
//! The connections here skip both pings and stay safe:
//!
//! - a connection goes back to the idle list only when its statement ran to the end
//!   ([`PointConn::done`]); one whose call was cancelled or failed is closed, never reused
//!   half-way through the protocol;
//! - a failure on a connection that had been idle (the server restarted, a proxy closed
//!   it) is not the caller's error: the read goes through the pool instead, which tests and
//!   replaces its connections ([`PointConns::run`] answers `None`).
//!
//! At most as many connections as the pool's are open for point reads (a semaphore); a
//! host sizing `max_connections` on the server counts both.

use std::sync::Mutex;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::store::StoreError;

/// Connections for point reads (see the module docs).
#[derive(Debug)]
pub(super) struct PointConns {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    permits: Semaphore,
}

impl PointConns {
    /// Up to `max` connections opened with `options`, as they are needed.
    pub(super) fn new(options: PgConnectOptions, max: u32) -> Self {
        let max = usize::try_from(max.max(1)).unwrap_or(1);
        PointConns {
            options,
            idle: Mutex::new(Vec::with_capacity(max)),
            permits: Semaphore::new(max),
        }
    }

    /// Runs `read` on a point connection. `None` when the read should go through the pool
    /// instead: no connection could be opened, or `read` failed on a connection that had
    /// been idle (it may have been closed by the server meanwhile).
    pub(super) async fn run<T>(
        &self,
        read: impl AsyncFnOnce(&mut PgConnection) -> Result<T, StoreError>,
    ) -> Option<Result<T, StoreError>> {
        let mut conn = self.take().await?;
        let out = read(conn.conn.as_mut()?).await;
        match out {
            Ok(v) => {
                conn.done = true;
                Some(Ok(v))
            }
            Err(_) if conn.reused => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// An idle connection, or a new one; `None` if none can be opened.
    async fn take(&self) -> Option<PointConn<'_>> {
        let permit = self.permits.acquire().await.ok()?;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let (conn, reused) = match idle {
            Some(conn) => (conn, true),
            None => match PgConnection::connect_with(&self.options).await {
                Ok(conn) => (conn, false),
                Err(e) => {
                    tracing::warn!(error = %e, "PostgreSQL: cannot open a point-read connection");
                    return None;
                }
            },
        };
        Some(PointConn {
            conn: Some(conn),
            pool: self,
            reused,
            done: false,
            _permit: permit,
        })
    }
}

/// A connection taken from [`PointConns`]: back to the idle list when dropped if its read
/// ran to the end, closed otherwise.
struct PointConn<'a> {
    conn: Option<PgConnection>,
    pool: &'a PointConns,
    /// Whether it had been idle (opened by an earlier read).
    reused: bool,
    /// Whether the read ran to the end (the protocol is at a clean boundary).
    done: bool,
    _permit: SemaphorePermit<'a>,
}

impl Drop for PointConn<'_> {
    fn drop(&mut self) {
        if self.done
            && let Some(conn) = self.conn.take()
            && let Ok(mut idle) = self.pool.idle.lock()
        {
            idle.push(conn);
        }
        // Otherwise the connection is dropped: its socket closes, and the server ends the
        // session.
    }
}
