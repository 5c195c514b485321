#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! `SqliteStore` against real SQLite databases: the SQL store tests both stores share
//! (`sql_store/`, each on a file in the temporary directory, removed afterwards), then the
//! same CRUD on `sqlite::memory:`.
#![cfg(feature = "sqlite")]

#[macro_use]
mod sql_store;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use scim_http::SqliteStore;
use sql_store::*;

/// A database file in the temporary directory, removed (with its WAL files) on drop.
struct TempDb {
    path: PathBuf,
}

impl TempDb {
    fn new() -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "scim-sqlite-test-{}-{}-{}.db",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            uuid::Uuid::new_v4()
        ));
        TempDb { path }
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.path.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Db for TempDb {
    type Store = SqliteStore;

    async fn open() -> Option<Self> {
        Some(TempDb::new())
    }

    async fn connect(&self) -> SqliteStore {
        SqliteStore::connect(&self.url()).await.unwrap()
    }

    async fn close(store: &SqliteStore) {
        store.close().await;
    }
}

sql_store_tests!(TempDb);

#[tokio::test]
async fn crud_in_memory() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    crud(&store).await;
}

/// The store keeps the planner's statistics: after a thousand writes `sqlite_stat1` describes
/// `resources`, and the lookup by userName seeks its unique index.
#[tokio::test]
async fn statistics_are_gathered_as_the_tables_grow() {
    use scim_http::ResourceStore as _;
    use sqlx::{Connection as _, Row as _};
    let db = TempDb::new();
    let store = db.connect().await;
    let users = users();
    for i in 0..1001 {
        store
            .create(&ctx(&users), user(&format!("u{i}")))
            .await
            .unwrap();
    }
    let mut conn = sqlx::SqliteConnection::connect(&db.url()).await.unwrap();
    let described: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'resources'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(
        described > 0,
        "no statistics for resources after 1001 writes"
    );
    let plan: Vec<String> = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT r.* FROM resources AS r WHERE r.tenant = 'default' \
         AND r.type = 'User' AND (r.user_name_lower = 'u7') ORDER BY r.seq LIMIT 10",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get::<String, _>("detail"))
    .collect();
    let plan = plan.join(" | ");
    assert!(plan.contains("resources_user_name"), "{plan}");
    conn.close().await.unwrap();
    store.close().await;
}
