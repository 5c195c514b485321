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
