//! The shared store suite (`store_suite/`) against `SqliteStore`, on a fresh database file in
//! a temp directory per test.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "sqlite")]

#[macro_use]
mod store_suite;

use std::sync::Arc;

use scim_http::{ResourceStore, SqliteStore};

fn sqlite_backend() -> impl store_suite::Backend {
    || async {
        let path = std::env::temp_dir().join(format!("scim-suite-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = SqliteStore::connect(&url)
            .await
            .expect("a fresh SQLite database");
        Arc::new(store) as Arc<dyn ResourceStore>
    }
}

store_suite!(sqlite_backend());
