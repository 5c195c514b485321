//! The actix-web adapter for `scim-http`.
//!
//! actix-web 4 still uses `http` 0.2 and a `!Send` body stream, so the adapter does three
//! things at the edge, and nothing else:
//! 1. reads the body up to [`ScimServer::max_payload`]: more is 413, and a body that fails to
//!    arrive in full is 400 (never handed on truncated);
//! 2. converts the request head (method, URI, headers) to `http` 1.x;
//! 3. converts the `http` 1.x response back.
//!
//! Mount it with `App::new().configure(scim_example_actix::configure(server))`.

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use scim_http::{ScimError, ScimServer};

/// Registers the SCIM handler for every path; the server answers 404 outside its base path.
pub fn configure(server: ScimServer) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(server))
            .default_service(web::to(scim));
    }
}

async fn scim(
    req: HttpRequest,
    payload: web::Payload,
    server: web::Data<ScimServer>,
) -> HttpResponse {
    let response = match read_body(payload, server.max_payload()).await {
        Ok(body) => match to_http1(&req, body) {
            Ok(request) => server.handle(request).await,
            Err(e) => server.error_response(&ScimError::invalid_syntax(format!(
                "the request could not be read: {e}"
            ))),
        },
        Err(e) => server.error_response(&e),
    };
    tracing::debug!(
        method = %req.method(),
        path = req.path(),
        status = response.status().as_u16(),
        "scim"
    );
    from_http1(response)
}

/// The whole body, at most `limit` bytes: 413 beyond it, 400 when the stream fails.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ScimError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let bytes = chunk.map_err(|e| {
            ScimError::invalid_syntax(format!("the request body could not be read in full: {e}"))
        })?;
        if body.len() + bytes.len() > limit {
            return Err(ScimError::payload_too_large(format!(
                "the request body exceeds {limit} bytes"
            )));
        }
        body.extend_from_slice(&bytes);
    }
    Ok(body)
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
