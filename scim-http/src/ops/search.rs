//! `POST /.search` at the root (RFC 7644 §3.4.3): one query over every resource type.
//!
//! A type whose schema lacks an attribute of the filter contributes no results, and one
//! that lacks the `sortBy` attribute contributes its resources as unassigned values (sorted
//! last ascending, first descending). A filter or `sortBy` no type knows is 400
//! `invalidFilter`.
//!
//! Paging is bounded before any store is called: no store is asked for more than
//! `maxResults` rows. Unsorted, the result is each type's resources in registry order, so
//! the page is cut from each type's window exactly, at any `startIndex`. Sorted, the pages
//! of each type are merged, which needs the first `startIndex + count - 1` rows of each: a
//! page that ends past `maxResults` is 400 `tooMany`.
//!
//! Cursor paging (RFC 9865) is served per resource type (`POST /Users/.search` with a
//! `cursor`), not here: a root-level `cursor` is 400 `invalidValue`. A position across types
//! would need one order over several stores' sequences; index paging covers the root.

use std::sync::Arc;

use scim_core::message::{ListResponse, SortOrder};
use scim_core::{Projection, ResourceType, ScimError};

use super::list::{Unknown, paging, resolve};
use crate::query::QueryParams;
use crate::render::Rendered;
use crate::request::Exchange;
use crate::response::Reply;
use crate::sort::SortKey;
use crate::store::{ListQuery, Page, StoreError, retrying};

pub(super) async fn root_search<'a>(
    x: &'a Exchange<'a>,
    params: &QueryParams,
) -> Result<Reply<'a>, ScimError> {
    if params.cursor.is_some() {
        return Err(ScimError::invalid_value(
            "a root-level /.search pages by startIndex only; page by cursor with \
             POST /{resourceType}/.search (RFC 9865 §3)",
        ));
    }
    let max = x.server.limits.max_results;
    let (start, count) = paging(params, max);
    let mut queries = Vec::new();
    for ty in x.server.registry.resource_types() {
        if let Some(query) = resolve(x, ty, params, Unknown::Skip)? {
            let projection = x.projection(ty, params)?;
            queries.push((ty.clone(), query, projection));
        }
    }
    let filtered = params
        .filter
        .as_deref()
        .is_some_and(|f| !f.trim().is_empty());
    if queries.is_empty() && filtered {
        return Err(ScimError::invalid_filter(
            "the filter names an attribute no resource type has",
        ));
    }
    let sorted = queries.iter().any(|(_, q, _)| q.sort.is_some());
    if let Some(by) = &params.sort_by
        && !queries.is_empty()
        && !sorted
    {
        return Err(ScimError::invalid_filter(format!(
            "sortBy names no attribute of any resource type: {by:?}"
        )));
    }
    let (total, resources) = if sorted {
        merged(x, queries, start, count).await?
    } else {
        concatenated(x, queries, start, count).await?
    };
    Ok(Reply::List(ListResponse::new(total, start, resources)))
}

type Query = (Arc<ResourceType>, ListQuery, Projection);

/// Unsorted: the types' results one after the other; each store is asked for its part of
/// the window only.
async fn concatenated<'a>(
    x: &'a Exchange<'a>,
    queries: Vec<Query>,
    start: u64,
    count: u64,
) -> Result<(u64, Vec<Rendered<'a>>), ScimError> {
    let renderer = x.renderer();
    let (mut skip, mut wanted) = (start - 1, count);
    let mut total = 0u64;
    let mut out = Vec::new();
    for (ty, query, projection) in queries {
        let query = query.page(skip.saturating_add(1), Some(wanted));
        let page = fetch(x, &ty, &query).await?;
        let taken = usize::try_from(wanted).unwrap_or(usize::MAX);
        let before = out.len();
        out.extend(
            page.resources
                .into_iter()
                .take(taken)
                .map(|r| renderer.render(&ty, r, &projection)),
        );
        wanted -= (out.len() - before) as u64;
        skip = skip.saturating_sub(page.total_results);
        total = total.saturating_add(page.total_results);
    }
    Ok((total, out))
}

/// Sorted: the first `start + count - 1` rows of each type (at most `maxResults`), merged.
async fn merged<'a>(
    x: &'a Exchange<'a>,
    queries: Vec<Query>,
    start: u64,
    count: u64,
) -> Result<(u64, Vec<Rendered<'a>>), ScimError> {
    let max = x.server.limits.max_results;
    let end = (start - 1).saturating_add(count);
    let fetched = end.min(max);
    let renderer = x.renderer();
    let mut total = 0u64;
    let mut window: Vec<(SortKey, Rendered<'a>)> = Vec::new();
    let mut order = SortOrder::Ascending;
    for (ty, query, projection) in queries {
        let sort = query.sort.clone();
        let query = query.page(1, Some(fetched));
        let page = fetch(x, &ty, &query).await?;
        total = total.saturating_add(page.total_results);
        let take = usize::try_from(fetched).unwrap_or(usize::MAX);
        window.extend(page.resources.into_iter().take(take).map(|r| {
            let key = match &sort {
                Some(s) => {
                    order = s.order;
                    let case_exact = ty
                        .resolve_parts(s.by.urn.as_deref(), &s.by.name, s.by.sub_attr.as_deref())
                        .is_some_and(|a| a.definition().case_exact);
                    SortKey::of(&r, &s.by, case_exact)
                }
                None => SortKey::Missing,
            };
            (key, renderer.render(&ty, r, &projection))
        }));
    }
    if start > total {
        return Ok((total, Vec::new()));
    }
    if end.min(total) > fetched {
        return Err(ScimError::too_many(format!(
            "a sorted root-level search serves the first {max} results (maxResults); \
             narrow the filter or search one resource type"
        )));
    }
    // Each type's rows are sorted; a stable sort keeps ties in registry order.
    match order {
        SortOrder::Ascending => window.sort_by(|a, b| a.0.cmp(&b.0)),
        SortOrder::Descending => window.sort_by(|a, b| b.0.cmp(&a.0)),
    }
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(usize::MAX);
    let resources = window
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(_, r)| r)
        .collect();
    Ok((total, resources))
}

async fn fetch(
    x: &Exchange<'_>,
    ty: &Arc<ResourceType>,
    query: &ListQuery,
) -> Result<Page, ScimError> {
    let ctx = x.context(ty)?;
    retrying(|| x.server.store.list(&ctx, query))
        .await
        .map_err(StoreError::into_scim)
}
