//! A framework-agnostic SCIM 2.0 service provider endpoint (RFC 7644): `http::Request` in,
//! `http::Response` out, over a storage trait the host application implements.
//!
//! Mount one [`ScimServer`] under a base path (by default `/scim/v2`) in any framework, give
//! it a [`ResourceStore`] over your database (or a shipped one: [`InMemoryStore`], or
//! `SqliteStore` with the `sqlite` feature) and an
//! [`Authenticator`] ([`BearerTokens`] for identity providers), and Microsoft Entra ID, Okta
//! and other SCIM clients can provision users and groups into your app.
//!
//! | endpoint | methods | RFC 7644 |
//! | --- | --- | --- |
//! | `/Users`, `/Groups`, each registered type | `GET` (filter, sort, paging, projection), `POST` | §3.3, §3.4.2 |
//! | `/{type}/{id}` | `GET`, `PUT`, `PATCH`, `DELETE` | §3.4.1, §3.5, §3.6 |
//! | `/.search`, `/{type}/.search` | `POST` | §3.4.3 |
//! | `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` | `GET` | §4 |
//! | `/Me` | 501 unless enabled with [`ScimServerBuilder::me`] | §3.11 |
//!
//! Every response is `application/scim+json`; every error is an RFC 7644 §3.12 error body.
//!
//! # Paging
//!
//! Lists page by index (`startIndex`, `count`; RFC 7644 §3.4.2.4), the default, or by cursor
//! (`cursor`, `count`; RFC 9865), on `GET /{type}` and `POST /{type}/.search`: an empty
//! `cursor` asks for the first page, and each page carries `nextCursor` (absent on the last
//! page) and `previousCursor` (absent on the first), opaque tokens of at most 1 KiB. Cursors
//! are keyset positions (sort value and creation order), so a walk neither skips nor repeats
//! a resource that exists throughout it, whatever is created or deleted meanwhile; they do
//! not expire. A cursor from another query (type, filter or sort), or altered, is 400
//! `invalidCursor`; `cursor` with `startIndex` is 400 `invalidValue`; the root-level
//! `POST /.search` pages by index only (a `cursor` there is 400 `invalidValue`).
//! `/ServiceProviderConfig` advertises both methods in `pagination`.
//! Resources carry `meta.version` and an `ETag`; `If-Match` and `If-None-Match` are honoured.
//!
//! # Example
//!
//! ```
//! use scim_http::{BearerTokens, InMemoryStore, ScimServer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = ScimServer::builder()
//!     .store(InMemoryStore::new())
//!     .authenticator(BearerTokens::single("s3cr3t-0123456789abcdef"))
//!     .build()?;
//!
//! // What Microsoft Entra ID sends on "Test Connection".
//! let probe = http::Request::get(
//!     "/scim/v2/Users?filter=userName+eq+%22c9f5a8b0-5c3e-4d5f-9e61-1a4d7f0a2b3c%22",
//! )
//! .header("Authorization", "Bearer s3cr3t-0123456789abcdef")
//! .body(Vec::new())?;
//! let response = tokio::runtime::Runtime::new()?.block_on(server.handle(probe));
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["content-type"], "application/scim+json");
//! let body: serde_json::Value = serde_json::from_slice(response.body())?;
//! assert_eq!(body["totalResults"], 0);
//! # Ok(())
//! # }
//! ```
//!
//! # Mounting it
//!
//! With the `tower` feature (on by default) the server is a `tower::Service` over any
//! `http_body::Body`: it reads the body up to [`ScimServer::max_payload`] (413 beyond it)
//! and answers. In axum:
//!
//! ```ignore
//! let app = axum::Router::new().nest_service("/scim/v2", server);
//! ```
//!
//! Other frameworks buffer the body themselves and call [`ScimServer::handle`] (see
//! `examples/actix-server`). A router that strips the mount point (as `nest_service` does)
//! hands over paths relative to the base path; both forms are served.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `memory` | yes | [`InMemoryStore`] |
//! | `tower` | yes | `ScimServer` as a `tower::Service` over any `http_body::Body` |
//! | `sqlite` | no | `SqliteStore`: durable, embedded (sqlx; needs Rust 1.94) |
//! | `postgres` | no | `PostgresStore`: for several replicas on one database (sqlx; needs Rust 1.94) |
//!
//! # Links
//!
//! Every URL the server writes (`Location`, `meta.location`, `$ref`) starts with the
//! [`public_url`](ScimServerBuilder::public_url); without one, links are relative to the
//! host (`/scim/v2/Users/…`), unless the host trusts a proxy's `X-Forwarded-*` headers
//! ([`ScimServerBuilder::trust_forwarded_headers`]). A client's `Host` header never reaches a
//! link otherwise.
//!
//! # Multi-tenant hosts
//!
//! Give each customer their own Secret Token and map it to a [`Tenant`]; stores read it from
//! [`RequestContext::tenant`] (the [`InMemoryStore`] partitions by it):
//!
//! ```
//! use scim_http::{BearerTokens, InMemoryStore, ScimServer, Tenant};
//!
//! let server = ScimServer::builder()
//!     .store(InMemoryStore::new())
//!     .authenticator(
//!         BearerTokens::new()
//!             .token("token-for-acme-0123456789", Some(Tenant::new("acme")))
//!             .token("token-for-globex-0123456789", Some(Tenant::new("globex"))),
//!     )
//!     .build()?;
//! # Ok::<(), scim_http::BuildError>(())
//! ```
//!
//! A host that serves one Tenant URL per customer (`/t/{tenant}/scim/v2`) instead writes an
//! [`Authenticator`] that reads the tenant from `parts.uri.path()`, checks that tenant's token
//! and attaches the [`Tenant`], and mounts the server with a matching base path per tenant or
//! rewrites the path in the glue.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod context;
mod cursor;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod keyset;
#[cfg(feature = "memory")]
mod memory;
mod ops;
mod password;
#[cfg(feature = "postgres")]
mod pg;
mod pipeline;
mod precondition;
mod query;
mod render;
mod request;
mod response;
mod route;
mod server;
#[cfg(feature = "tower")]
mod service;
mod sort;
#[cfg(feature = "sqlite")]
mod sql;
mod store;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod stored;

pub use auth::{
    AuthError, Authenticator, BearerTokens, MIN_SECRET_LEN, NoAuth, Tenant, TokenError,
};
pub use context::RequestContext;
#[cfg(feature = "memory")]
pub use memory::InMemoryStore;
pub use password::{Argon2Hasher, PasswordHasher};
#[cfg(feature = "postgres")]
pub use pg::PostgresStore;
pub use precondition::{Precondition, entity_tag};
pub use response::SCIM_JSON;
pub use server::{BuildError, Limits, MeResolver, ScimServer, ScimServerBuilder};
pub use sort::SortKey;
#[cfg(feature = "sqlite")]
pub use sql::SqliteStore;
pub use store::{
    Cursor, KeyValue, ListQuery, MemberDiff, PATCH_RETRIES, Page, PageCursors, PatchResult,
    Position, Replacement, ResourceStore, SecretChange, SortSpec, StoreError, TRANSIENT_RETRIES,
    read_check_write,
};

// What a host needs from the other crates, so that it depends on `scim-http` alone.
pub use scim_core::validate::ValidationOptions;
pub use scim_core::{Registry, Resource, ResourceType, ScimError, ScimType};
pub use scim_filter::{AttrPath, Filter};
pub use scim_patch::PatchOptions;
pub use {scim_core, scim_filter, scim_patch};
