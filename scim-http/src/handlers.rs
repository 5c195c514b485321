//! The endpoints (RFC 7644 §3.3–§3.11, §4): one function per operation.

use std::sync::Arc;

use http::header::{IF_MATCH, IF_NONE_MATCH};
use http::{HeaderMap, Method, Response, StatusCode};
use scim_core::message::{ListResponse, PatchRequest, SearchRequest, SortOrder};
use scim_core::validate::{validate_create, validate_replace};
use scim_core::{Projection, Resource, ResourceType, ScimError};
use scim_filter::{AttrPath, EvalError, Filter, ParseOptions};
use serde::de::DeserializeOwned;
use serde::ser::{Serialize, SerializeMap};
use serde_json::Value;

use crate::context::RequestContext;
use crate::query::QueryParams;
use crate::response;
use crate::route::Route;
use crate::server::{Inner, method_not_allowed};
use crate::store::{ListQuery, Precondition, SortSpec, StoreError, opaque_tag};

type Resp = Response<Vec<u8>>;

/// One request, with what every endpoint needs.
pub(crate) struct Req<'a> {
    pub(crate) server: &'a Inner,
    pub(crate) method: &'a Method,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) query: Option<&'a str>,
    pub(crate) body: &'a [u8],
    pub(crate) base_url: String,
    pub(crate) extensions: http::Extensions,
}

impl Req<'_> {
    fn ctx(&self, ty: &Arc<ResourceType>) -> RequestContext {
        RequestContext::new(ty.clone(), self.base_url.as_str(), self.extensions.clone())
    }

    fn header(&self, name: http::header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The client's `If-Match` (RFC 7644 §3.14); `*` reads as no precondition.
    fn if_match(&self) -> Precondition<'_> {
        match self.header(IF_MATCH).map(str::trim) {
            None | Some("*") | Some("") => Precondition::Any,
            Some(tags) => Precondition::Version(tags),
        }
    }
}

pub(crate) async fn dispatch(req: &Req<'_>, route: Route) -> Result<Resp, ScimError> {
    let m = req.method;
    match &route {
        Route::ServiceProviderConfig if m == Method::GET => service_provider_config(req),
        Route::ResourceTypes(name) if m == Method::GET => resource_types(req, name.as_deref()),
        Route::Schemas(urn) if m == Method::GET => schemas(req, urn.as_deref()),
        Route::Me(rest) => me(req, rest.as_deref()).await,
        Route::Bulk => Err(ScimError::not_implemented(
            "bulk operations are not supported (see /ServiceProviderConfig)",
        )),
        Route::RootSearch if m == Method::POST => root_search(req).await,
        Route::Collection(ty) if m == Method::GET => {
            list(req, ty, QueryParams::parse(req.query)?).await
        }
        Route::Collection(ty) if m == Method::POST => create(req, ty).await,
        Route::CollectionSearch(ty) if m == Method::POST => {
            let body: SearchRequest = parse_body(req.body)?;
            list(req, ty, QueryParams::from_search(body)).await
        }
        Route::Item(ty, id) => item(req, ty, id).await,
        _ => Ok(response::method_not_allowed(
            &method_not_allowed(&route, m),
            route.allowed(),
        )),
    }
}

async fn item(req: &Req<'_>, ty: &Arc<ResourceType>, id: &str) -> Result<Resp, ScimError> {
    match *req.method {
        Method::GET => get(req, ty, id).await,
        Method::PUT => replace(req, ty, id).await,
        Method::PATCH => patch(req, ty, id).await,
        Method::DELETE => delete(req, ty, id).await,
        _ => Ok(response::method_not_allowed(
            &ScimError::method_not_allowed(format!(
                "{} is not supported on a resource; use GET, PUT, PATCH or DELETE",
                req.method
            )),
            "GET, PUT, PATCH, DELETE",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Resources

async fn create(req: &Req<'_>, ty: &Arc<ResourceType>) -> Result<Resp, ScimError> {
    let params = QueryParams::parse(req.query)?;
    let value: Value = parse_body(req.body)?;
    let resource = validate_create(ty, value, &req.server.validation)?;
    let stored = req
        .server
        .store
        .create(&req.ctx(ty), resource)
        .await
        .map_err(store_error)?;
    let location = location(req, ty, stored.id().unwrap_or_default());
    let projection = projection(ty, &params);
    let version = stored.version().map(str::to_owned);
    let body = render(req, ty, stored, &projection);
    let r = response::json(StatusCode::CREATED, &body);
    let r = response::with_location(r, &location);
    Ok(response::with_etag(r, version.as_deref()))
}

async fn get(req: &Req<'_>, ty: &Arc<ResourceType>, id: &str) -> Result<Resp, ScimError> {
    let params = QueryParams::parse(req.query)?;
    let projection = projection(ty, &params);
    let resource = req
        .server
        .store
        .get(&req.ctx(ty), id, &projection)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found(ty, id))?;
    if let (Some(tags), Some(current)) = (req.header(IF_NONE_MATCH), resource.version()) {
        let cur = opaque_tag(current);
        if tags
            .split(',')
            .any(|t| t.trim() == "*" || opaque_tag(t) == cur)
        {
            return Ok(response::with_etag(
                response::empty(StatusCode::NOT_MODIFIED),
                Some(current),
            ));
        }
    }
    let version = resource.version().map(str::to_owned);
    let body = render(req, ty, resource, &projection);
    Ok(response::with_etag(
        response::json(StatusCode::OK, &body),
        version.as_deref(),
    ))
}

async fn replace(req: &Req<'_>, ty: &Arc<ResourceType>, id: &str) -> Result<Resp, ScimError> {
    let params = QueryParams::parse(req.query)?;
    let value: Value = parse_body(req.body)?;
    let ctx = req.ctx(ty);
    let store = &req.server.store;
    let if_match = req.if_match();
    let mut attempts = 0;
    let stored = loop {
        attempts += 1;
        let existing = store
            .get(&ctx, id, &Projection::default())
            .await
            .map_err(store_error)?
            .ok_or_else(|| not_found(ty, id))?;
        if !if_match.matches(existing.version()) {
            return Err(StoreError::VersionMismatch.into());
        }
        let new = validate_replace(ty, value.clone(), &existing, &req.server.validation)?;
        let cas = match existing.version() {
            Some(v) => Precondition::Version(v),
            None => if_match,
        };
        match store.replace(&ctx, id, new, cas).await {
            Ok(r) => break r,
            Err(StoreError::VersionMismatch)
                if matches!(if_match, Precondition::Any)
                    && attempts < crate::store::PATCH_RETRIES => {}
            Err(e) => return Err(store_error(e)),
        }
    };
    let projection = projection(ty, &params);
    let version = stored.version().map(str::to_owned);
    let body = render(req, ty, stored, &projection);
    Ok(response::with_etag(
        response::json(StatusCode::OK, &body),
        version.as_deref(),
    ))
}

async fn patch(req: &Req<'_>, ty: &Arc<ResourceType>, id: &str) -> Result<Resp, ScimError> {
    let params = QueryParams::parse(req.query)?;
    let message: PatchRequest = parse_body(req.body)?;
    let patch = scim_patch::Patch::parse(&message, ty, &req.server.patch_options)?;
    let server = req.server;
    let no_content = (server.patch_no_content
        || server
            .patch_no_content_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&ty.name)))
        && params.attributes.is_none();
    let projection = if no_content {
        // Nothing of the resource is shown: ask the store for as little as possible.
        Projection::from_lists(ty, Some(&["id".to_owned()]), &[])
    } else {
        projection(ty, &params)
    };
    let result = req
        .server
        .store
        .patch(&req.ctx(ty), id, &patch, req.if_match(), &projection)
        .await
        .map_err(store_error)?;
    let version = result.resource.version().map(str::to_owned);
    if no_content {
        return Ok(response::with_etag(
            response::empty(StatusCode::NO_CONTENT),
            version.as_deref(),
        ));
    }
    let body = render(req, ty, result.resource, &projection);
    Ok(response::with_etag(
        response::json(StatusCode::OK, &body),
        version.as_deref(),
    ))
}

async fn delete(req: &Req<'_>, ty: &Arc<ResourceType>, id: &str) -> Result<Resp, ScimError> {
    req.server
        .store
        .delete(&req.ctx(ty), id, req.if_match())
        .await
        .map_err(store_error)?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

/// `/Me` (RFC 7644 §3.11): the authenticated user's own resource, when the host enabled it.
async fn me(req: &Req<'_>, rest: Option<&str>) -> Result<Resp, ScimError> {
    let Some(resolver) = &req.server.me else {
        return Err(ScimError::not_implemented(
            "/Me is not supported by this service provider",
        ));
    };
    if rest.is_some_and(|r| !r.is_empty()) {
        return Err(ScimError::not_found("no SCIM endpoint under /Me"));
    }
    let ty = req
        .server
        .registry
        .resource_type("User")
        .cloned()
        .ok_or_else(|| ScimError::not_implemented("/Me needs a User resource type"))?;
    let id = resolver(&req.extensions).ok_or_else(|| {
        ScimError::not_found("the authenticated subject is not a provisioned user")
    })?;
    item(req, &ty, &id).await
}

// ---------------------------------------------------------------------------------------------
// Queries

async fn list(
    req: &Req<'_>,
    ty: &Arc<ResourceType>,
    params: QueryParams,
) -> Result<Resp, ScimError> {
    let query = list_query(req, ty, &params, false)?.ok_or_else(ScimError::internal)?;
    let page = req
        .server
        .store
        .list(&req.ctx(ty), &query)
        .await
        .map_err(store_error)?;
    let resources: Vec<Rendered<'_>> = if query.count == Some(0) {
        Vec::new()
    } else {
        let take = query.count.unwrap_or(u64::MAX) as usize;
        page.resources
            .into_iter()
            .take(take)
            .map(|r| render(req, ty, r, &query.projection))
            .collect()
    };
    let body = ListResponse::new(page.total_results, query.start_index, resources);
    Ok(response::json(StatusCode::OK, &body))
}

/// `POST /.search` at the root (RFC 7644 §3.4.3): the query runs over every resource type;
/// a type whose schema lacks an attribute of the filter contributes no results, and one that
/// lacks the `sortBy` attribute contributes its resources as unassigned values (sorted last
/// ascending, first descending). A filter or `sortBy` no type knows is 400 `invalidFilter`.
async fn root_search(req: &Req<'_>) -> Result<Resp, ScimError> {
    let body: SearchRequest = parse_body(req.body)?;
    let params = QueryParams::from_search(body);
    let mut total = 0u64;
    let mut start = None;
    let mut window: Vec<(MergeKey, Rendered<'_>)> = Vec::new();
    let mut count = None;
    let mut sort_known = false;
    for ty in req.server.registry.resource_types() {
        let Some(mut query) = list_query(req, ty, &params, true)? else {
            continue;
        };
        start.get_or_insert(query.start_index);
        count = query.count;
        sort_known |= query.sort.is_some();
        // Fetch enough of each type to cut the global window afterwards.
        let end = query
            .start_index
            .saturating_sub(1)
            .saturating_add(query.count.unwrap_or(req.server.limits.max_results));
        let projection = query.projection.clone();
        query.start_index = 1;
        query.count = Some(end);
        let page = req
            .server
            .store
            .list(&req.ctx(ty), &query)
            .await
            .map_err(store_error)?;
        total += page.total_results;
        window.extend(page.resources.into_iter().map(|r| {
            let key = MergeKey::of(ty, &r, query.sort.as_ref());
            (key, render(req, ty, r, &projection))
        }));
    }
    if start.is_none()
        && params
            .filter
            .as_deref()
            .is_some_and(|f| !f.trim().is_empty())
    {
        return Err(ScimError::invalid_filter(
            "the filter names an attribute no resource type has",
        ));
    }
    if let Some(by) = &params.sort_by
        && start.is_some()
        && !sort_known
    {
        return Err(ScimError::invalid_filter(format!(
            "sortBy names no attribute of any resource type: {by:?}"
        )));
    }
    if params.sort_by.is_some() {
        // Each type's page is sorted; merge them (stable: ties keep the type order).
        match params.sort_order.unwrap_or(SortOrder::Ascending) {
            SortOrder::Descending => window.sort_by(|a, b| b.0.order(&a.0)),
            SortOrder::Ascending => window.sort_by(|a, b| a.0.order(&b.0)),
        }
    }
    let start = start.unwrap_or(1);
    let skip = usize::try_from(start.saturating_sub(1)).unwrap_or(usize::MAX);
    let take =
        usize::try_from(count.unwrap_or(req.server.limits.max_results)).unwrap_or(usize::MAX);
    let resources: Vec<Rendered<'_>> = window
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(_, r)| r)
        .collect();
    let body = ListResponse::new(total, start, resources);
    Ok(response::json(StatusCode::OK, &body))
}

/// The sort key of a resource for merging root-search pages, ordered as stores order keys
/// (RFC 7644 §3.4.2.3): booleans, numbers, strings (folded unless `caseExact`), and
/// unassigned values last.
#[derive(Debug, PartialEq, PartialOrd)]
enum MergeKey {
    Bool(bool),
    Num(f64),
    Str(String),
    Missing,
}

impl MergeKey {
    fn of(ty: &ResourceType, r: &Resource, sort: Option<&SortSpec>) -> MergeKey {
        let Some(by) = sort.map(|s| &s.by) else {
            return MergeKey::Missing;
        };
        let case_exact = ty
            .resolve_parts(by.urn.as_deref(), &by.name, by.sub_attr.as_deref())
            .is_some_and(|a| a.definition().case_exact);
        let mut v = match &by.urn {
            Some(u) => r.get(u).and_then(|e| e.get(&by.name)),
            None => r.get(&by.name),
        };
        // Multi-valued: the primary value, else the first.
        if let Some(Value::Array(items)) = v {
            v = items
                .iter()
                .find(|i| i.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| items.first());
        }
        if let Some(sub) = &by.sub_attr {
            v = v.and_then(|x| x.get(sub));
        } else if let Some(Value::Object(o)) = v {
            v = o.get("value");
        }
        match v {
            Some(Value::Bool(b)) => MergeKey::Bool(*b),
            Some(Value::Number(n)) => n.as_f64().map_or(MergeKey::Missing, MergeKey::Num),
            Some(Value::String(s)) if case_exact => MergeKey::Str(s.clone()),
            Some(Value::String(s)) => MergeKey::Str(s.to_lowercase()),
            _ => MergeKey::Missing,
        }
    }

    fn order(&self, other: &MergeKey) -> std::cmp::Ordering {
        self.partial_cmp(other).unwrap_or(std::cmp::Ordering::Equal)
    }
}

/// Builds the store query from the parameters: filter and sort key resolved against the
/// schema (400 `invalidFilter` when they name unknown attributes or do not parse), paging
/// clamped per RFC 7644 §3.4.2.4. With `skip_unknown`, a filter naming an attribute the type
/// lacks gives `None` instead of an error, and a `sortBy` it lacks no sort (root-level search).
fn list_query(
    req: &Req<'_>,
    ty: &ResourceType,
    params: &QueryParams,
    skip_unknown: bool,
) -> Result<Option<ListQuery>, ScimError> {
    let limits = &req.server.limits;
    let filter = match params.filter.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let opts = ParseOptions {
                max_depth: limits.max_filter_depth,
                max_len: limits.max_filter_len,
            };
            let parsed = Filter::parse_with(text, &opts)?;
            match parsed.resolve(ty) {
                Ok(f) => Some(f),
                Err(EvalError::UnknownAttribute { .. }) if skip_unknown => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let sort = match &params.sort_by {
        None => None,
        Some(by) => match resolve_sort_key(ty, by) {
            Ok(by) => Some(SortSpec {
                by,
                order: params.sort_order.unwrap_or(SortOrder::Ascending),
            }),
            // Root-level search: this type's resources have no such value.
            Err(_) if skip_unknown && AttrPath::parse(by).is_ok() => None,
            Err(e) => return Err(e),
        },
    };
    let start_index = params.start_index.map_or(1, |s| s.max(1) as u64);
    let count = params.count.map_or(limits.max_results, |c| {
        (c.max(0) as u64).min(limits.max_results)
    });
    let mut query = ListQuery::all().page(start_index, Some(count));
    query.filter = filter;
    query.sort = sort;
    query.projection = projection(ty, params);
    Ok(Some(query))
}

fn resolve_sort_key(ty: &ResourceType, by: &str) -> Result<AttrPath, ScimError> {
    let unknown =
        || ScimError::invalid_filter(format!("sortBy names no attribute of {}: {by:?}", ty.name));
    let path =
        AttrPath::parse(by).map_err(|e| ScimError::invalid_filter(format!("sortBy: {e}")))?;
    let r = ty
        .resolve_parts(path.urn.as_deref(), &path.name, path.sub_attr.as_deref())
        .ok_or_else(unknown)?;
    Ok(AttrPath {
        urn: r.extension_urn().map(str::to_owned),
        name: r.attribute().name.clone(),
        sub_attr: r.sub_attribute().map(|s| s.name.clone()),
    })
}

// ---------------------------------------------------------------------------------------------
// Discovery (RFC 7644 §4)

fn refuse_filter(req: &Req<'_>) -> Result<(), ScimError> {
    let params = QueryParams::parse(req.query)?;
    if params.filter.is_some() {
        return Err(ScimError::forbidden(
            "discovery endpoints do not support filtering (RFC 7644 §4)",
        ));
    }
    Ok(())
}

fn service_provider_config(req: &Req<'_>) -> Result<Resp, ScimError> {
    refuse_filter(req)?;
    let body = req.server.config.to_resource_json(&req.base_url);
    Ok(response::json(StatusCode::OK, &body))
}

fn resource_types(req: &Req<'_>, name: Option<&str>) -> Result<Resp, ScimError> {
    let reg = &req.server.registry;
    let base = req.base_url.as_str();
    discovery(
        req,
        name.map(|n| {
            reg.resource_types()
                .find(|t| t.id.eq_ignore_ascii_case(n) || t.name.eq_ignore_ascii_case(n))
                .map(|t| t.to_resource_json(base))
                .ok_or_else(|| ScimError::not_found(format!("no resource type {n:?}")))
        }),
        || {
            reg.resource_types()
                .map(|t| t.to_resource_json(base))
                .collect()
        },
    )
}

fn schemas(req: &Req<'_>, urn: Option<&str>) -> Result<Resp, ScimError> {
    let reg = &req.server.registry;
    let base = req.base_url.as_str();
    discovery(
        req,
        urn.map(|u| {
            reg.schema(u)
                .map(|s| s.to_resource_json(base))
                .ok_or_else(|| ScimError::not_found(format!("no schema {u:?}")))
        }),
        || {
            reg.schemas()
                .iter()
                .map(|s| s.to_resource_json(base))
                .collect()
        },
    )
}

/// A discovery answer (RFC 7644 §4): the one resource asked for, or all of them as a
/// ListResponse; filtering is refused.
fn discovery(
    req: &Req<'_>,
    one: Option<Result<Value, ScimError>>,
    all: impl FnOnce() -> Vec<Value>,
) -> Result<Resp, ScimError> {
    refuse_filter(req)?;
    match one {
        Some(found) => Ok(response::json(StatusCode::OK, &found?)),
        None => {
            let all = all();
            let n = all.len() as u64;
            Ok(response::json(
                StatusCode::OK,
                &ListResponse::new(n, 1, all),
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Reads a JSON body: malformed JSON is 400 `invalidSyntax`, JSON of the wrong shape 400
/// `invalidValue`.
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ScimError> {
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

fn projection(ty: &ResourceType, params: &QueryParams) -> Projection {
    Projection::from_lists(
        ty,
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref().unwrap_or_default(),
    )
}

fn location(req: &Req<'_>, ty: &ResourceType, id: &str) -> String {
    format!("{}{}/{}", req.base_url, ty.endpoint, id)
}

/// The resource as the client sees it: projected, with `meta.location` and
/// `meta.resourceType` filled in as it is serialised (resources are shared copy-on-write, so
/// nothing is copied on the common path).
fn render<'a>(
    req: &Req<'_>,
    ty: &'a ResourceType,
    resource: Resource,
    projection: &Projection,
) -> Rendered<'a> {
    let location = location(req, ty, resource.id().unwrap_or_default());
    Rendered {
        resource: projection.apply_owned(ty, resource),
        location,
        resource_type: &ty.name,
    }
}

/// A resource ready to serialise, see [`render`].
pub(crate) struct Rendered<'a> {
    resource: Resource,
    location: String,
    resource_type: &'a str,
}

impl Serialize for Rendered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map = self.resource.as_map();
        let mut out = s.serialize_map(Some(map.len()))?;
        for (k, v) in map {
            match v {
                Value::Object(meta) if k == "meta" => out.serialize_entry(
                    k,
                    &MetaView {
                        meta,
                        location: &self.location,
                        resource_type: self.resource_type,
                    },
                )?,
                _ => out.serialize_entry(k, v)?,
            }
        }
        out.end()
    }
}

/// `meta` with `location` set and `resourceType` defaulted.
struct MetaView<'a> {
    meta: &'a serde_json::Map<String, Value>,
    location: &'a str,
    resource_type: &'a str,
}

impl Serialize for MetaView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(None)?;
        for (k, v) in self.meta {
            if k != "location" {
                out.serialize_entry(k, v)?;
            }
        }
        if !self.meta.contains_key("resourceType") {
            out.serialize_entry("resourceType", self.resource_type)?;
        }
        out.serialize_entry("location", self.location)?;
        out.end()
    }
}

fn not_found(ty: &ResourceType, id: &str) -> ScimError {
    ScimError::not_found(format!("{} {id:?} not found", ty.name))
}

/// Converts a store error, logging backend details (which the client never sees).
fn store_error(e: StoreError) -> ScimError {
    if let StoreError::Backend(b) = &e {
        tracing::error!(error = %b, "SCIM store backend error");
    }
    e.into()
}
