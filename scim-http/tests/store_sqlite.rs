//! The shared store suite (`store_suite/`) against `SqliteStore`, on a fresh database file in
//! the temp directory per test, removed (with its WAL files) when the test's store is dropped.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "sqlite")]

#[macro_use]
mod store_suite;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use scim_http::{
    ListQuery, Page, PatchResult, Precondition, Replacement, RequestContext, Resource,
    ResourceStore, SqliteStore, StoreError,
};

/// A `SqliteStore` whose database file is deleted when the store is dropped.
struct Scratch {
    store: SqliteStore,
    path: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

#[async_trait]
impl ResourceStore for Scratch {
    async fn create(&self, ctx: &RequestContext, r: Resource) -> Result<Resource, StoreError> {
        self.store.create(ctx, r).await
    }
    async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Option<Resource>, StoreError> {
        self.store.get(ctx, id).await
    }
    async fn list(&self, ctx: &RequestContext, q: &ListQuery) -> Result<Page, StoreError> {
        self.store.list(ctx, q).await
    }
    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        r: Replacement,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        self.store.replace(ctx, id, r, expected).await
    }
    async fn delete(
        &self,
        ctx: &RequestContext,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<(), StoreError> {
        self.store.delete(ctx, id, expected).await
    }
    async fn patch(
        &self,
        ctx: &RequestContext,
        id: &str,
        patch: &scim_http::scim_patch::Patch<'_>,
        expected: Precondition<'_>,
    ) -> Result<PatchResult, StoreError> {
        self.store.patch(ctx, id, patch, expected).await
    }
}

fn sqlite_backend() -> impl store_suite::Backend {
    || async {
        let path = std::env::temp_dir().join(format!("scim-suite-{}.db", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = SqliteStore::connect(&url)
            .await
            .expect("a fresh SQLite database");
        Arc::new(Scratch { store, path }) as Arc<dyn ResourceStore>
    }
}

store_suite!(sqlite_backend());
