//! How one request is served, top-down: route → authenticate → parse → operation (→ store)
//! → render → respond. Each step is a module with one job:
//!
//! | step | module |
//! | --- | --- |
//! | route: path and method to an endpoint, or 404 / 405 | `route` |
//! | authenticate: the [`Authenticator`](crate::Authenticator), before anything is read | `auth` |
//! | parse: query string once, body once (media type, size, JSON shape) | `request`, `query` |
//! | operation: create, get, list, search, replace, patch, delete, discovery | `ops` |
//! | store: the host's [`ResourceStore`](crate::ResourceStore) | `store` |
//! | render: projection, `meta.location`, every `$ref` | `render` |
//! | respond: status, headers, `ETag`, error bodies | `response` |

use http::request::Parts;
use http::{Request, Response};
use scim_core::ScimError;

use crate::query::QueryParams;
use crate::request::{Exchange, Operation, base_url};
use crate::response;
use crate::route::{Route, Target};
use crate::server::{Inner, ScimServer};

impl ScimServer {
    /// Handles one request whose path is under the base path (or relative to it). Never
    /// fails: errors become SCIM error responses (RFC 7644 §3.12).
    ///
    /// The body is whatever the framework read; bodies over
    /// [`max_payload`](ScimServer::max_payload) get 413. With the `tower` feature, the
    /// server is also a `tower::Service` that reads the body itself.
    pub async fn handle<B: AsRef<[u8]>>(&self, request: Request<B>) -> Response<Vec<u8>> {
        let (parts, body) = request.into_parts();
        serve(&self.inner, &parts, body.as_ref()).await
    }
}

async fn serve(server: &Inner, parts: &Parts, body: &[u8]) -> Response<Vec<u8>> {
    let route = Route::parse(&server.registry, &server.base_path, parts.uri.path());
    let public = server.public_discovery
        && matches!(
            route,
            Ok(Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_))
        );
    // Unknown endpoints require credentials too, so they reveal nothing.
    let mut extensions = http::Extensions::new();
    if !public && let Err(e) = server.auth.authenticate(parts, &mut extensions).await {
        return response::unauthorized(&e.into());
    }
    let target = match route.map(|r| r.target(&parts.method)) {
        Ok(Ok(target)) => target,
        Ok(Err(not_allowed)) => return response::method_not_allowed(&not_allowed),
        Err(e) => return response::error(&e),
    };
    match respond(server, parts, body, target, extensions).await {
        Ok(r) => r,
        Err(e) => response::error(&e),
    }
}

async fn respond(
    server: &Inner,
    parts: &Parts,
    body: &[u8],
    target: Target,
    extensions: http::Extensions,
) -> Result<Response<Vec<u8>>, ScimError> {
    let target = match target {
        Target::Me => me(server, &extensions, parts)?,
        t => t,
    };
    if body.len() > server.limits.max_payload {
        return Err(ScimError::payload_too_large(format!(
            "the request body has {} bytes; the limit is {}",
            body.len(),
            server.limits.max_payload
        )));
    }
    let params = QueryParams::parse(parts.uri.query())?;
    let operation = Operation::read(target, &params, &parts.headers, body)?;
    let exchange = Exchange {
        server,
        headers: &parts.headers,
        params,
        base_url: base_url(server, &parts.headers),
        extensions,
    };
    let reply = crate::ops::run(&exchange, operation).await?;
    Ok(response::reply(reply))
}

/// `/Me` (RFC 7644 §3.11): the authenticated user's own resource, when the host enabled it
/// (501 otherwise); it then acts as `/Users/{id}`.
fn me(server: &Inner, extensions: &http::Extensions, parts: &Parts) -> Result<Target, ScimError> {
    let Some(resolver) = &server.me else {
        return Err(ScimError::not_implemented(
            "/Me is not supported by this service provider",
        ));
    };
    let users = server
        .registry
        .resource_type("User")
        .cloned()
        .ok_or_else(|| ScimError::not_implemented("/Me needs a User resource type"))?;
    let id = resolver(extensions).ok_or_else(|| {
        ScimError::not_found("the authenticated subject is not a provisioned user")
    })?;
    Route::Item(users, id)
        .target(&parts.method)
        .map_err(|e| e.error)
}
