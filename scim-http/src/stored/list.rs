//! [`ResourceStore::list`](crate::ResourceStore::list) for both SQL stores, written once over
//! a [`Pager`]: `totalResults`, then the page by offset (index paging, RFC 7644 §3.4.2.4) or
//! by keyset (cursor paging, RFC 9865: the rows after the cursor's position, one more than
//! the page to learn whether a next page exists; a page before a position reads the reverse
//! order and turns it round), each row rendered with its derived attributes.
//!
//! The dialects select the page's rows in a subquery (filter, order, limit) and read the
//! derived columns (`READ_COLUMNS`: a user's groups, its manager's name) in the query around
//! it, in the same order: so they are computed for the rows of the page only, never for
//! every match a sort has to look at.

use async_trait::async_trait;
use scim_core::message::SortOrder;

use super::engine::Reader;
use super::ops;
use super::row::Stored;
use crate::context::RequestContext;
use crate::store::{Cursor, ListQuery, Page, PageCursors, Position, StoreError};

/// One list query (filter, type, tenant and sort fixed) in one read transaction, as a SQL
/// dialect runs it.
#[async_trait]
pub(crate) trait Pager: Send {
    /// How many rows match (`totalResults`).
    async fn count(&mut self) -> Result<u64, StoreError>;

    /// The matching rows in the query's order, from `offset`, at most `limit` (all without).
    async fn page(&mut self, offset: u64, limit: Option<u64>) -> Result<Vec<Stored>, StoreError>;

    /// Up to `limit` rows after `from.0` (in descending order when `from.1`), or from the
    /// start; in the query's order, or its reverse when `reversed`; each with its position.
    async fn fetch(
        &mut self,
        from: Option<(&Position, bool)>,
        reversed: bool,
        limit: usize,
    ) -> Result<Vec<(Stored, Position)>, StoreError>;

    /// Whether any row comes after `p` (in descending order when `descending`).
    async fn exists(&mut self, p: &Position, descending: bool) -> Result<bool, StoreError>;

    /// The connection, to read the rows' derived attributes.
    fn reader(&mut self) -> &mut dyn Reader;
}

/// Runs `query` through the pager (see the module docs).
///
/// An index page that starts the result set, or has rows and ends before `count`, holds the
/// rest of the result: `totalResults` is then known without counting (one statement fewer
/// for the lookups identity providers send, `filter=userName eq "…"`).
pub(crate) async fn run(
    pager: &mut dyn Pager,
    ctx: &RequestContext,
    query: &ListQuery,
) -> Result<Page, StoreError> {
    let (total, rows, cursors) = match &query.cursor {
        _ if query.count == Some(0) => {
            let cursors = query.cursor.as_ref().map(|_| PageCursors::default());
            (pager.count().await?, Vec::new(), cursors)
        }
        Some(cursor) => {
            let total = pager.count().await?;
            let take = query
                .count
                .map_or(usize::MAX, |c| usize::try_from(c).unwrap_or(usize::MAX));
            let descending = query
                .sort
                .as_ref()
                .is_some_and(|s| s.order == SortOrder::Descending);
            let (rows, cursors) = by_cursor(pager, cursor, take, descending).await?;
            (total, rows, Some(cursors))
        }
        None => {
            let offset = query.start_index.saturating_sub(1);
            let rows = pager.page(offset, query.count).await?;
            let fetched = u64::try_from(rows.len()).unwrap_or(u64::MAX);
            let short = query.count.is_none_or(|c| fetched < c);
            let total = if short && (offset == 0 || fetched > 0) {
                offset.saturating_add(fetched)
            } else {
                pager.count().await?
            };
            (total, rows, None)
        }
    };
    let page = rendered(pager.reader(), ctx, total, rows).await?;
    Ok(match cursors {
        Some(c) => page.with_cursors(c),
        None => page,
    })
}

/// The page of a unique lookup ([`one_statement`]) from the rows its one statement read:
/// they are the whole result, so they are `totalResults`.
pub(crate) async fn lookup(
    reader: &mut dyn Reader,
    ctx: &RequestContext,
    rows: Vec<Stored>,
) -> Result<Page, StoreError> {
    let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    rendered(reader, ctx, total, rows).await
}

/// A page of `total` results holding `rows`, rendered with their derived attributes.
async fn rendered(
    reader: &mut dyn Reader,
    ctx: &RequestContext,
    total: u64,
    rows: Vec<Stored>,
) -> Result<Page, StoreError> {
    let mut page = Page::new(total, Vec::with_capacity(rows.len()));
    let (ty, tenant) = (ctx.resource_type(), ctx.tenant());
    for stored in rows {
        page.resources
            .push(ops::render(reader, tenant, ty, stored, ctx.wants_members()).await?);
    }
    Ok(page)
}

/// Whether `query` is answered by one statement, so that it needs no transaction: a filter
/// `attr eq "value"` on `id` or a unique attribute (RFC 7643 §2.4: at most one match, the
/// lookup identity providers send before every create) from the first index, with no member
/// rows to read. [`run`] then reads the page, whose rows are the whole result, and no count.
pub(crate) fn one_statement(ctx: &RequestContext, query: &ListQuery) -> bool {
    let ty = ctx.resource_type();
    let Some((path, _)) = query.filter.as_ref().and_then(|f| f.as_equality()) else {
        return false;
    };
    let unique = path.urn.is_none()
        && path.sub_attr.is_none()
        && (path.name == "id" || crate::store::unique_attributes(ty).any(|a| a.name == path.name));
    unique
        && query.cursor.is_none()
        && query.start_index <= 1
        && query.count != Some(0)
        && !(crate::store::has_members(ty) && ctx.wants_members())
}

/// The rows of a cursor page and the positions of the pages around it.
async fn by_cursor(
    pager: &mut dyn Pager,
    cursor: &Cursor,
    take: usize,
    descending: bool,
) -> Result<(Vec<Stored>, PageCursors), StoreError> {
    let limit = take.saturating_add(1);
    let (rows, previous, next) = match cursor {
        Cursor::After(p) => {
            let mut rows = pager.fetch(Some((p, descending)), false, limit).await?;
            let next = rows.len() > take;
            rows.truncate(take);
            let previous = match rows.first() {
                Some((_, first)) => pager.exists(first, !descending).await?,
                None => false,
            };
            (rows, previous, next)
        }
        Cursor::Before(p) => {
            let mut rows = pager.fetch(Some((p, !descending)), true, limit).await?;
            if rows.len() < take {
                // Fewer than a page before the position: the first page.
                let mut rows = pager.fetch(None, false, limit).await?;
                let next = rows.len() > take;
                rows.truncate(take);
                (rows, false, next)
            } else {
                let previous = rows.len() > take;
                rows.truncate(take);
                rows.reverse();
                let next = match rows.last() {
                    Some((_, last)) => pager.exists(last, descending).await?,
                    None => false,
                };
                (rows, previous, next)
            }
        }
        _ => {
            let mut rows = pager.fetch(None, false, limit).await?;
            let next = rows.len() > take;
            rows.truncate(take);
            (rows, false, next)
        }
    };
    let cursors = PageCursors {
        previous: if previous {
            rows.first().map(|(_, p)| p.clone())
        } else {
            None
        },
        next: if next {
            rows.last().map(|(_, p)| p.clone())
        } else {
            None
        },
    };
    Ok((rows.into_iter().map(|(s, _)| s).collect(), cursors))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use scim_core::ResourceType;
    use scim_filter::Filter;

    use super::one_statement;
    use crate::Tenant;
    use crate::context::RequestContext;
    use crate::store::{Cursor, ListQuery};

    fn query(ty: &ResourceType, filter: &str) -> ListQuery {
        let f = Filter::parse(filter)
            .map_err(|e| e.to_string())
            .and_then(|f| f.resolve(ty).map_err(|e| e.to_string()));
        match f {
            Ok(f) => ListQuery::all().filter(f),
            Err(e) => panic!("{filter}: {e}"),
        }
    }

    #[test]
    fn only_unique_lookups_from_the_start_are_one_statement() {
        let users = Arc::new(ResourceType::user());
        let groups = Arc::new(ResourceType::group());
        let u = RequestContext::new(users.clone(), Tenant::default(), http::Extensions::new());
        let g = RequestContext::new(groups.clone(), Tenant::default(), http::Extensions::new());
        let cases: &[(&RequestContext, ListQuery, bool)] = &[
            (&u, query(&users, r#"userName eq "a""#), true),
            (&u, query(&users, r#"USERNAME eq "a""#), true),
            (&u, query(&users, r#"id eq "x""#), true),
            (&u, query(&users, r#"externalId eq "x""#), false),
            (&u, query(&users, r#"displayName eq "x""#), false),
            (&u, query(&users, r#"name.givenName eq "x""#), false),
            (&u, query(&users, r#"userName sw "a""#), false),
            (
                &u,
                query(&users, r#"userName eq "a" or userName eq "b""#),
                false,
            ),
            (
                &u,
                query(&users, r#"userName eq "a""#).page(2, Some(10)),
                false,
            ),
            (
                &u,
                query(&users, r#"userName eq "a""#).page(1, Some(0)),
                false,
            ),
            (
                &u,
                query(&users, r#"userName eq "a""#).page(1, Some(1)),
                true,
            ),
            (
                &u,
                query(&users, r#"userName eq "a""#).cursor(Cursor::First),
                false,
            ),
            (&u, ListQuery::all(), false),
            (&g, query(&groups, r#"displayName eq "x""#), false),
            (
                &g.clone().with_members(false),
                query(&groups, r#"displayName eq "x""#),
                true,
            ),
        ];
        for (i, (ctx, q, want)) in cases.iter().enumerate() {
            assert_eq!(one_statement(ctx, q), *want, "case {i}: {:?}", q.filter);
        }
    }
}
