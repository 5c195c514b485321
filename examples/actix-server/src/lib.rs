//! The actix-web glue for `scim-http`. actix-web 4 still uses `http` 0.2, so requests and
//! responses are converted at the edge (method, URI, headers as bytes); the body is read up
//! to the server's payload limit.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use scim_core::ScimError;
use scim_http::ScimServer;

/// Registers the SCIM handler for every path; the server answers 404 outside its base path.
pub fn configure(server: ScimServer) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(server))
            .default_service(web::to(scim));
    }
}

async fn scim(
    req: HttpRequest,
    mut payload: web::Payload,
    server: web::Data<ScimServer>,
) -> HttpResponse {
    let started = Instant::now();
    let limit = server.max_payload();
    let mut body = Vec::new();
    let mut too_large = false;
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(bytes) if body.len() + bytes.len() <= limit => body.extend_from_slice(&bytes),
            Ok(_) => {
                too_large = true;
                break;
            }
            Err(_) => break,
        }
    }
    let response = if too_large {
        server.error_response(&ScimError::payload_too_large(format!(
            "the request body exceeds {limit} bytes"
        )))
    } else {
        match to_http1(&req, body) {
            Ok(request) => server.handle(request).await,
            Err(e) => server.error_response(&ScimError::invalid_syntax(format!(
                "the request could not be read: {e}"
            ))),
        }
    };
    tracing::info!(
        method = %req.method(),
        path = req.path(),
        status = response.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        "scim"
    );
    from_http1(response)
}

/// actix (http 0.2) request head + body → `http` 1.x request.
fn to_http1(req: &HttpRequest, body: Vec<u8>) -> Result<http::Request<Vec<u8>>, http::Error> {
    let mut builder = http::Request::builder()
        .method(req.method().as_str())
        .uri(req.uri().to_string());
    for (name, value) in req.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder.body(body)
}

/// `http` 1.x response → actix response.
fn from_http1(response: http::Response<Vec<u8>>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(body)
}
