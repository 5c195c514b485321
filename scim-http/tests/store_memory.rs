#![allow(missing_docs)]
//! The store conformance suite (`tests/store_suite`) run against the [`InMemoryStore`], a
//! fresh store per test.
#![cfg(feature = "memory")]

#[macro_use]
mod store_suite;

use std::sync::Arc;

use scim_http::{InMemoryStore, ResourceStore};

fn memory_backend() -> impl store_suite::Backend {
    || async { Arc::new(InMemoryStore::new()) as Arc<dyn ResourceStore> }
}

store_suite!(memory_backend());
