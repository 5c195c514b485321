//! Step 3 of a request: reading it once into typed values. The query string is parsed once,
//! the body is checked against its declared media type and parsed once into the message the
//! operation takes, and the base URL every link starts with is decided here.

use std::borrow::Cow;
use std::sync::Arc;

use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderMap, StatusCode};
use scim_core::message::{PatchRequest, SearchRequest};
use scim_core::{Projection, ResourceType, ScimError};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::Tenant;
use crate::context::RequestContext;
use crate::query::QueryParams;
use crate::render::Renderer;
use crate::route::Target;
use crate::server::Inner;

/// One operation of RFC 7644, with its input parsed.
#[derive(Debug)]
pub(crate) enum Operation {
    /// `GET /ServiceProviderConfig`.
    ServiceProviderConfig,
    /// `GET /ResourceTypes[/{name}]`.
    ResourceTypes(Option<String>),
    /// `GET /Schemas[/{urn}]`.
    Schemas(Option<String>),
    /// `POST /Bulk`.
    Bulk,
    /// `GET /{endpoint}` or `POST /{endpoint}/.search`: the query comes from the query
    /// string or the body.
    List(Arc<ResourceType>, QueryParams),
    /// `POST /.search`.
    RootSearch(QueryParams),
    /// `POST /{endpoint}` with the resource.
    Create(Arc<ResourceType>, Value),
    /// `GET /{endpoint}/{id}`.
    Get(Arc<ResourceType>, String),
    /// `PUT /{endpoint}/{id}` with the resource.
    Replace(Arc<ResourceType>, String, Value),
    /// `PATCH /{endpoint}/{id}` with the PATCH message.
    Patch(Arc<ResourceType>, String, PatchRequest),
    /// `DELETE /{endpoint}/{id}`.
    Delete(Arc<ResourceType>, String),
}

impl Operation {
    /// Reads the body a target needs. `Target::Me` must have been resolved before.
    pub(crate) fn read(
        target: Target,
        params: &QueryParams,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Operation, ScimError> {
        Ok(match target {
            Target::ServiceProviderConfig => Operation::ServiceProviderConfig,
            Target::ResourceTypes(name) => Operation::ResourceTypes(name),
            Target::Schemas(urn) => Operation::Schemas(urn),
            Target::Bulk => Operation::Bulk,
            Target::Me => return Err(ScimError::internal()),
            Target::List(ty) => Operation::List(ty, params.clone()),
            Target::Search(ty) => Operation::List(ty, search(headers, body)?),
            Target::RootSearch => Operation::RootSearch(search(headers, body)?),
            Target::Create(ty) => Operation::Create(ty, json_body(headers, body)?),
            Target::Get(ty, id) => Operation::Get(ty, id),
            Target::Replace(ty, id) => Operation::Replace(ty, id, json_body(headers, body)?),
            Target::Patch(ty, id) => Operation::Patch(ty, id, json_body(headers, body)?),
            Target::Delete(ty, id) => Operation::Delete(ty, id),
        })
    }
}

/// What every operation reads besides its input: the server's configuration, the request's
/// headers and query parameters, where links point, and what the authenticator attached.
pub(crate) struct Exchange<'a> {
    pub(crate) server: &'a Inner,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) params: QueryParams,
    pub(crate) base_url: Cow<'a, str>,
    pub(crate) extensions: http::Extensions,
}

impl Exchange<'_> {
    /// The store context for a read whose response is rendered with `projection`: group
    /// `members` are not loaded when the projection drops them.
    pub(crate) fn context_for(
        &self,
        ty: &Arc<ResourceType>,
        projection: &scim_core::Projection,
    ) -> Result<RequestContext, ScimError> {
        Ok(self
            .context(ty)?
            .with_members(projection.may_include(ty, "members")))
    }

    /// The store's view of the request, for resource type `ty`. Refused (500, logged) when
    /// the authenticator attached no [`Tenant`]: no request falls back to a shared
    /// partition (fail closed).
    pub(crate) fn context(&self, ty: &Arc<ResourceType>) -> Result<RequestContext, ScimError> {
        let Some(tenant) = self.extensions.get::<Tenant>() else {
            tracing::error!(
                "the authenticator attached no Tenant to the request: refused (fail closed)"
            );
            return Err(ScimError::internal());
        };
        Ok(RequestContext::new(
            ty.clone(),
            tenant.clone(),
            self.extensions.clone(),
        ))
    }

    /// Renders resources for this request.
    pub(crate) fn renderer(&self) -> Renderer<'_> {
        Renderer {
            base_url: &self.base_url,
            links: &self.server.links,
        }
    }

    /// The projection `attributes` / `excludedAttributes` ask for (400 `tooMany` beyond the
    /// server's limit).
    pub(crate) fn projection(
        &self,
        ty: &ResourceType,
        params: &QueryParams,
    ) -> Result<Projection, ScimError> {
        Projection::try_from_lists(
            ty,
            params.attributes.as_deref(),
            params.excluded_attributes.as_deref().unwrap_or_default(),
            self.server.limits.max_projection_names,
        )
    }
}

/// The base URL of every link in the response: the configured public URL; else, when the
/// host opted in, `X-Forwarded-Proto` / `X-Forwarded-Host` / `Host`; else the base path alone
/// (links relative to the host). A client's `Host` never reaches a URL unless the host
/// trusts it.
pub(crate) fn base_url<'a>(server: &'a Inner, headers: &HeaderMap) -> Cow<'a, str> {
    if let Some(u) = &server.public_url {
        return Cow::Borrowed(u);
    }
    if !server.trust_forwarded_headers {
        return Cow::Borrowed(&server.base_path);
    }
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            // The first of a proxy chain's comma-separated values.
            .and_then(|h| h.split(',').next())
            .map(str::trim)
    };
    let host = value("x-forwarded-host")
        .or_else(|| value(HOST.as_str()))
        .filter(|h| is_authority(h));
    let proto = value("x-forwarded-proto")
        .filter(|p| p.eq_ignore_ascii_case("https") || p.eq_ignore_ascii_case("http"))
        .map_or("http", |p| {
            if p.eq_ignore_ascii_case("https") {
                "https"
            } else {
                "http"
            }
        });
    match host {
        Some(h) => Cow::Owned(format!("{proto}://{h}{}", server.base_path)),
        None => Cow::Borrowed(&server.base_path),
    }
}

/// A host name or address with an optional port, and nothing else (no path, user info or
/// spaces that could reshape a URL).
fn is_authority(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// A `/.search` body (RFC 7644 §3.4.3) as list parameters.
fn search(headers: &HeaderMap, body: &[u8]) -> Result<QueryParams, ScimError> {
    let request: SearchRequest = json_body(headers, body)?;
    Ok(QueryParams::from_search(request))
}

/// Reads a JSON body. A declared media type other than `application/scim+json` or
/// `application/json` (RFC 7644 §3.1; any parameters) is 415; malformed JSON is 400
/// `invalidSyntax`; JSON of the wrong shape 400 `invalidValue`.
fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ScimError> {
    check_media_type(headers)?;
    if body.trim_ascii().is_empty() {
        return Err(ScimError::invalid_syntax(
            "the request has no body; a JSON object is expected",
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ScimError::invalid_value(format!(
            "the request body does not have the expected shape: {e}"
        )),
        _ => ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}")),
    })?;
    // Every SCIM request body is a JSON object; serde would read e.g. `[]` as a struct.
    if !value.is_object() {
        return Err(ScimError::invalid_value(
            "the request body must be a JSON object",
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        ScimError::invalid_value(format!(
            "the request body does not have the expected shape: {e}"
        ))
    })
}

fn check_media_type(headers: &HeaderMap) -> Result<(), ScimError> {
    let Some(declared) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = declared
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if essence.eq_ignore_ascii_case(crate::SCIM_JSON)
        || essence.eq_ignore_ascii_case("application/json")
    {
        return Ok(());
    }
    Err(ScimError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        None,
        format!(
            "the body is declared as {:?}; send application/scim+json or application/json",
            String::from_utf8_lossy(declared.as_bytes())
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, ct.parse().unwrap());
        h
    }

    #[test]
    fn media_types() {
        for ok in [
            "application/scim+json",
            "application/json",
            "Application/SCIM+JSON; charset=utf-8",
            "application/json;charset=UTF-8",
        ] {
            assert!(check_media_type(&headers(ok)).is_ok(), "{ok}");
        }
        assert!(check_media_type(&HeaderMap::new()).is_ok());
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/xml",
            "application/jsonx",
        ] {
            let e = check_media_type(&headers(bad)).unwrap_err();
            assert_eq!(e.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{bad}");
        }
    }

    #[test]
    fn authorities() {
        assert!(is_authority("app.example.com:8443"));
        assert!(is_authority("[::1]:80"));
        for bad in ["", "evil.example/x", "a b", "user@host", "h?x"] {
            assert!(!is_authority(bad), "{bad}");
        }
    }
}
