//! A transient store conflict (a serialization failure, a deadlock) is retried by the server a
//! bounded number of times: a conflict that clears gives the normal answer, one that persists
//! gives 503 with no backend detail.
#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/http.rs"]
mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use harness::*;
use scim_core::Resource;
use scim_http::{
    BearerTokens, InMemoryStore, ListQuery, Page, Precondition, RequestContext, ResourceStore,
    ScimServer, StoreError, TRANSIENT_RETRIES,
};

/// Fails every call with a serialization failure until `failures` calls have failed.
struct Flaky {
    inner: InMemoryStore,
    failures: usize,
    calls: AtomicUsize,
}

impl Flaky {
    fn conflict(&self) -> Result<(), StoreError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.failures {
            return Err(StoreError::Retryable(
                "could not serialize access due to concurrent update (db.internal)".into(),
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceStore for Flaky {
    async fn create(&self, ctx: &RequestContext, r: Resource) -> Result<Resource, StoreError> {
        self.conflict()?;
        self.inner.create(ctx, r).await
    }
    async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Option<Resource>, StoreError> {
        self.conflict()?;
        self.inner.get(ctx, id).await
    }
    async fn list(&self, ctx: &RequestContext, q: &ListQuery) -> Result<Page, StoreError> {
        self.conflict()?;
        self.inner.list(ctx, q).await
    }
    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        r: scim_http::Replacement,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        self.conflict()?;
        self.inner.replace(ctx, id, r, expected).await
    }
    async fn delete(
        &self,
        ctx: &RequestContext,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<(), StoreError> {
        self.conflict()?;
        self.inner.delete(ctx, id, expected).await
    }
}

fn flaky(failures: usize) -> (Harness, Arc<Flaky>) {
    let store = Arc::new(Flaky {
        inner: InMemoryStore::new(),
        failures,
        calls: AtomicUsize::new(0),
    });
    let server = ScimServer::builder()
        .shared_store(store.clone())
        .public_url(BASE_URL)
        .authenticator(BearerTokens::single(TOKEN))
        .build()
        .unwrap();
    let h = Harness {
        server,
        store: Arc::new(InMemoryStore::new()),
    };
    (h, store)
}

#[tokio::test]
async fn a_conflict_that_clears_is_retried_and_answered_normally() {
    let (h, store) = flaky(TRANSIENT_RETRIES);
    h.create_user("bjensen").await;
    assert_eq!(store.calls.load(Ordering::SeqCst), TRANSIENT_RETRIES + 1);
    assert_eq!(store.inner.len("User"), 1);
}

#[tokio::test]
async fn a_conflict_that_persists_is_503_without_detail_and_bounded() {
    let (h, store) = flaky(usize::MAX);
    let res = h.post("/Users", &user("bjensen")).await;
    let body = res.expect_error(503, None);
    assert!(!res.text().contains("db.internal"), "{body}");
    assert_eq!(store.calls.load(Ordering::SeqCst), TRANSIENT_RETRIES + 1);
    assert_eq!(store.inner.len("User"), 0);
}
