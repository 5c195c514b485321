//! Step 7 of a request: the HTTP response. Every body is `application/scim+json` (RFC 7644
//! §3.1); every error is an RFC 7644 §3.12 error body; a resource's `ETag` is its
//! `meta.version` (§3.14).

use http::header::{ALLOW, CONTENT_TYPE, ETAG, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use http::{Response, StatusCode};
use scim_core::ScimError;
use scim_core::message::ListResponse;
use serde::Serialize;
use serde_json::Value;

use crate::render::Rendered;
use crate::route::MethodNotAllowed;

/// The SCIM media type (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// What an operation answers, before it is serialised.
#[derive(Debug)]
pub(crate) enum Reply<'a> {
    /// One resource: 200, or 201 with `Location` for a create.
    Resource {
        status: StatusCode,
        resource: Rendered<'a>,
    },
    /// A page of resources (RFC 7644 §3.4.2).
    List(ListResponse<Rendered<'a>>),
    /// A discovery document, or a list of them (RFC 7644 §4).
    Document(Value),
    /// 204 (DELETE, or a PATCH answered without the resource), with the new version if any.
    NoContent(Option<String>),
    /// 304 for a GET whose `If-None-Match` names the current version.
    NotModified(Option<String>),
}

/// Serialises a reply.
pub(crate) fn reply(reply: Reply<'_>) -> Response<Vec<u8>> {
    match reply {
        Reply::Resource { status, resource } => {
            let mut r = json(status, &resource);
            if status == StatusCode::CREATED {
                set(&mut r, LOCATION, resource.location());
            }
            with_etag(r, resource.version())
        }
        Reply::List(list) => json(StatusCode::OK, &list),
        Reply::Document(doc) => json(StatusCode::OK, &doc),
        Reply::NoContent(version) => with_etag(empty(StatusCode::NO_CONTENT), version.as_deref()),
        Reply::NotModified(version) => {
            with_etag(empty(StatusCode::NOT_MODIFIED), version.as_deref())
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

/// 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3), or 403.
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

/// 405 with `Allow`.
pub(crate) fn method_not_allowed(e: &MethodNotAllowed) -> Response<Vec<u8>> {
    let mut r = error(&e.error);
    set(&mut r, ALLOW, &e.allow);
    r
}

/// A JSON response with the SCIM media type.
fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Vec<u8>> {
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

/// Adds `ETag` (when the version is a valid header value).
fn with_etag(mut r: Response<Vec<u8>>, version: Option<&str>) -> Response<Vec<u8>> {
    if let Some(v) = version {
        set(&mut r, ETAG, v);
    }
    r
}

/// Sets a header whose value may not be a valid header value (then it is left out).
fn set(r: &mut Response<Vec<u8>>, name: http::header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// A bodiless response (204, 304).
fn empty(status: StatusCode) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    r
}
