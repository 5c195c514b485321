//! Queries of one resource type (RFC 7644 §3.4.2, §3.4.3): the list parameters resolved
//! against the schema and bounded by the server's limits, then one store call.

use std::sync::Arc;

use http::StatusCode;
use scim_core::message::{ListResponse, SortOrder};
use scim_core::{ResourceType, ScimError};
use scim_filter::{AttrPath, EvalError, Filter};

use crate::cursor::{self, Binding};
use crate::query::QueryParams;
use crate::request::Exchange;
use crate::response::Reply;
use crate::store::{ListQuery, SortSpec, StoreError, retrying};

pub(super) async fn list<'a>(
    x: &'a Exchange<'a>,
    ty: &Arc<ResourceType>,
    params: &QueryParams,
) -> Result<Reply<'a>, ScimError> {
    let projection = x.projection(ty, params)?;
    let query = resolve(x, ty, params, Unknown::Reject)?.ok_or_else(ScimError::internal)?;
    let ctx = x.context_for(ty, &projection)?;
    let page = retrying(|| x.server.store.list(&ctx, &query))
        .await
        .map_err(StoreError::into_scim)?;
    let take = usize::try_from(query.count.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
    let renderer = x.renderer();
    let resources = page
        .resources
        .into_iter()
        .take(take)
        .map(|r| renderer.render(ty, r, &projection))
        .collect();
    if query.cursor.is_none() {
        return Ok(Reply::List(ListResponse::new(
            page.total_results,
            query.start_index,
            resources,
        )));
    }
    // RFC 9865 §2: no startIndex; nextCursor except on the last page, previousCursor never
    // on the first.
    let cursors = page.cursors.ok_or_else(|| {
        ScimError::new(
            StatusCode::NOT_IMPLEMENTED,
            None,
            "this service provider's store does not page by cursor; page by startIndex",
        )
    })?;
    let binding = Binding::of(ty, &query);
    let next = match &cursors.next {
        Some(p) => Some(cursor::encode(p, true, &binding)?),
        None => None,
    };
    let previous = match &cursors.previous {
        Some(p) => Some(cursor::encode(p, false, &binding)?),
        None => None,
    };
    Ok(Reply::List(ListResponse::cursor_page(
        page.total_results,
        resources,
        next,
        previous,
    )))
}

/// What to do with a filter or `sortBy` naming an attribute the resource type lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unknown {
    /// 400 `invalidFilter` (a query of one resource type).
    Reject,
    /// The type contributes nothing to a filter, and unassigned values to a sort (root-level
    /// `/.search`).
    Skip,
}

/// Builds the store query from the parameters: filter and sort key resolved against the
/// schema (400 `invalidFilter` when they name unknown attributes or do not parse; secrets
/// may be neither filtered nor sorted on), paging clamped per RFC 7644 §3.4.2.4 to the
/// server's `maxResults`. With [`Unknown::Skip`], a filter naming an attribute the type lacks
/// gives `None`.
///
/// A `cursor` (RFC 9865 §2) is decoded against the resolved query: 400 `invalidCursor` when
/// it was not issued for the same type, filter and sort, or was altered. With `startIndex`
/// too it is 400 `invalidValue`: RFC 9865 §2.4 has a client pick one method or the other
/// and defines no meaning for both, so the server refuses to guess.
pub(super) fn resolve(
    x: &Exchange<'_>,
    ty: &ResourceType,
    params: &QueryParams,
    unknown: Unknown,
) -> Result<Option<ListQuery>, ScimError> {
    let limits = &x.server.limits;
    let parse = limits.parse_options();
    let filter = match params.filter.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match Filter::parse_with(text, &parse)?.resolve(ty) {
            Ok(f) => Some(f),
            Err(EvalError::UnknownAttribute { .. }) if unknown == Unknown::Skip => {
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        },
    };
    let sort = match &params.sort_by {
        None => None,
        Some(text) => {
            let path = AttrPath::parse_with(text, &parse)
                .map_err(|e| ScimError::invalid_filter(format!("sortBy: {e}")))?;
            match resolve_sort_key(ty, &path, text)? {
                Some(by) => Some(SortSpec {
                    by,
                    order: params.sort_order.unwrap_or(SortOrder::Ascending),
                }),
                None if unknown == Unknown::Skip => None,
                None => {
                    return Err(ScimError::invalid_filter(format!(
                        "sortBy names no attribute of {}: {text:?}",
                        ty.name
                    )));
                }
            }
        }
    };
    let (start_index, count) = paging(params, limits.max_results);
    let mut query = ListQuery::all().page(start_index, Some(count));
    query.filter = filter;
    query.sort = sort;
    if let Some(text) = &params.cursor {
        if params.start_index.is_some() {
            return Err(ScimError::invalid_value(
                "startIndex and cursor select a page in two different ways (RFC 9865 §2.4); \
                 send one of them",
            ));
        }
        let c = cursor::decode(text, &Binding::of(ty, &query))?;
        query = query.cursor(c);
    }
    Ok(Some(query))
}

/// `startIndex` (≥ 1) and `count` (0 ..= `max_results`), RFC 7644 §3.4.2.4: values out of
/// range are clamped, never refused.
pub(super) fn paging(params: &QueryParams, max_results: u64) -> (u64, u64) {
    let start = params
        .start_index
        .map_or(1, |s| u64::try_from(s).unwrap_or(1).max(1));
    let count = params.count.map_or(max_results, |c| {
        u64::try_from(c).unwrap_or(0).min(max_results)
    });
    (start, count)
}

/// The canonical path of a `sortBy` attribute, `None` when the type has no such attribute.
/// A secret (`password`) is 400 `invalidValue`: sorting on it would reveal its order.
fn resolve_sort_key(
    ty: &ResourceType,
    path: &AttrPath,
    text: &str,
) -> Result<Option<AttrPath>, ScimError> {
    let Some(r) = ty.resolve_parts(path.urn.as_deref(), &path.name, path.sub_attr.as_deref())
    else {
        return Ok(None);
    };
    if r.attribute().is_secret() || r.definition().is_secret() {
        return Err(ScimError::invalid_value(format!(
            "sortBy may not name {text:?}: it is never returned"
        )));
    }
    Ok(Some(AttrPath {
        urn: r.extension_urn().map(str::to_owned),
        name: r.attribute().name.clone(),
        sub_attr: r.sub_attribute().map(|s| s.name.clone()),
    }))
}
