//! Building `application/scim+json` responses.

use http::header::{CONTENT_TYPE, ETAG, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use http::{Response, StatusCode};
use scim_core::ScimError;
use serde::Serialize;

/// The SCIM media type (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// A JSON response with the SCIM media type.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Vec<u8>> {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = Response::new(bytes);
            *r.status_mut() = status;
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "could not serialise a SCIM response");
            error(&ScimError::internal())
        }
    }
}

/// The RFC 7644 §3.12 error response for `e`.
pub(crate) fn error(e: &ScimError) -> Response<Vec<u8>> {
    let body = e.to_response();
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut r = Response::new(bytes);
    *r.status_mut() = e.status();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    r
}

/// 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3).
pub(crate) fn unauthorized(e: &ScimError) -> Response<Vec<u8>> {
    let mut r = error(e);
    if r.status() == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"SCIM\""),
        );
    }
    r
}

/// Adds `ETag` (when the version is a valid header value) to a response.
pub(crate) fn with_etag(mut r: Response<Vec<u8>>, version: Option<&str>) -> Response<Vec<u8>> {
    if let Some(v) = version.and_then(|v| HeaderValue::from_str(v).ok()) {
        r.headers_mut().insert(ETAG, v);
    }
    r
}

/// Adds `Location`.
pub(crate) fn with_location(mut r: Response<Vec<u8>>, location: &str) -> Response<Vec<u8>> {
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// A bodiless response (204, 304).
pub(crate) fn empty(status: StatusCode) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    r
}

/// 405 with `Allow`.
pub(crate) fn method_not_allowed(e: &ScimError, allow: &'static str) -> Response<Vec<u8>> {
    let mut r = error(e);
    r.headers_mut()
        .insert(http::header::ALLOW, HeaderValue::from_static(allow));
    r
}
