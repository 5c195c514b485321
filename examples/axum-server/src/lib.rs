//! The axum glue for `scim-http`: one catch-all route under the base path that buffers the
//! body (bounded by the server's payload limit), calls [`ScimServer::handle`], and logs one
//! line per request.

use std::time::Instant;

/// The README's examples compile (and the `scim-core` one runs) as doctests of this crate,
/// which has every dependency they use.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::any;
use scim_core::ScimError;
use scim_http::ScimServer;

/// The router serving `server` at its base path (and everything under it).
pub fn router(server: ScimServer) -> Router {
    let base = server.base_path().to_owned();
    Router::new()
        .route(&base, any(scim))
        .route(&format!("{base}/{{*rest}}"), any(scim))
        .with_state(server)
}

async fn scim(State(server): State<ScimServer>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let (method, path) = (parts.method.clone(), parts.uri.path().to_owned());
    let response = match to_bytes(body, server.max_payload()).await {
        Ok(bytes) => server.handle(http_request(parts, bytes)).await,
        Err(_) => server.error_response(&ScimError::payload_too_large(format!(
            "the request body exceeds {} bytes",
            server.max_payload()
        ))),
    };
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        "scim"
    );
    response.map(Body::from)
}

fn http_request(
    parts: axum::http::request::Parts,
    body: axum::body::Bytes,
) -> axum::http::Request<axum::body::Bytes> {
    axum::http::Request::from_parts(parts, body)
}
