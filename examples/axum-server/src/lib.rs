//! The axum glue for `scim-http`: the server is a `tower::Service`, mounted at its base
//! path, plus one log line per request at `debug` level (turn it
//! on with `RUST_LOG=scim_example_axum=debug`; otherwise the layer is not even added).

use std::time::Instant;

/// The README's examples compile (and the `scim-core` one runs) as doctests of this crate,
/// which has every dependency they use.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use scim_http::ScimServer;

/// The router serving `server` at its base path (and everything under it).
pub fn router(server: ScimServer) -> Router {
    let base = server.base_path().to_owned();
    // `route_service` hands the server the full path (it strips the base itself), which
    // spares axum's prefix-stripping URI rewrite of `nest_service` on every request; the
    // README's `nest_service("/scim/v2", server)` works the same.
    let app = if base.is_empty() {
        Router::new().fallback_service(server)
    } else {
        Router::new()
            .route_service(&base, server.clone())
            .route_service(&format!("{base}/{{*rest}}"), server)
    };
    // The log line costs a layer per request: add it only when it would be written.
    if tracing::enabled!(tracing::Level::DEBUG) {
        app.layer(middleware::from_fn(log))
    } else {
        app
    }
}

async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    tracing::debug!(
        %method,
        path,
        status = response.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        "scim"
    );
    response
}
