//! The shared store suite (`store_suite/`) against `PostgresStore`, on the database at
//! `DATABASE_URL` (every suite test works in tenants of its own, so they share it). Without
//! `DATABASE_URL`, every test prints a notice and passes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "postgres")]

#[macro_use]
mod store_suite;

use std::sync::Arc;

use scim_http::{PostgresStore, ResourceStore};

fn postgres_backend() -> impl store_suite::Backend {
    || async {
        let url = std::env::var("DATABASE_URL").expect("DATABASE_URL (checked by the suite)");
        let store = PostgresStore::connect(&url)
            .await
            .expect("the PostgreSQL database at DATABASE_URL");
        Arc::new(store) as Arc<dyn ResourceStore>
    }
}

store_suite!(postgres_backend(), skip_unless_env = "DATABASE_URL");
