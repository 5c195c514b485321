//! Queries: a filter answered from an index when it is an equality on an indexed
//! attribute (also under `and`), else evaluated with `scim-filter`; sorting per RFC 7644
//! §3.4.2.3; paging in creation order.

use std::convert::Infallible;

use scim_core::message::SortOrder;
use scim_core::{ResourceType, ScimError};
use scim_filter::{AttrPath, CompValue, CompareOp, Filter, FilterVisitor, Matcher};

use super::collection::Entry;
use super::tenant::TenantData;
use crate::sort::SortKey;
use crate::store::{ListQuery, Page, StoreError};

/// What a query needs that can be prepared before taking the lock.
pub(super) struct Prepared<'q> {
    query: &'q ListQuery,
    /// The compiled filter; `None` when there is none, or when it is a single equality
    /// that an index may answer without evaluation.
    matcher: Option<Matcher>,
    single_eq: bool,
    /// Whether the filter or sort key reads `User.groups`, derived on read.
    derived: bool,
    skip: usize,
    take: usize,
}

impl<'q> Prepared<'q> {
    pub(super) fn new(ty: &ResourceType, query: &'q ListQuery) -> Result<Self, StoreError> {
        let single_eq = query
            .filter
            .as_ref()
            .is_some_and(|f| f.as_equality().is_some());
        let matcher = if single_eq { None } else { compile(ty, query)? };
        let derived = ty.schema.attribute("groups").is_some()
            && (query.filter.as_ref().is_some_and(|f| reads(f, "groups"))
                || query
                    .sort
                    .as_ref()
                    .is_some_and(|s| s.by.urn.is_none() && s.by.name == "groups"));
        Ok(Prepared {
            query,
            matcher,
            single_eq,
            derived,
            skip: usize::try_from(query.start_index.saturating_sub(1)).unwrap_or(usize::MAX),
            take: query
                .count
                .map_or(usize::MAX, |c| usize::try_from(c).unwrap_or(usize::MAX)),
        })
    }

    /// Runs the query over one tenant's data.
    pub(super) fn run(mut self, ty: &ResourceType, data: &TenantData) -> Result<Page, StoreError> {
        let Some(coll) = data.collections.get(&ty.name) else {
            return Ok(Page::default());
        };
        let indexed = self.query.filter.as_ref().and_then(|f| coll.lookup(f));
        if self.single_eq && (indexed.is_none() || self.derived) {
            self.matcher = compile(ty, self.query)?;
        }
        let (skip, take) = (self.skip, self.take);
        if self.query.sort.is_none() && self.matcher.is_none() && indexed.is_none() {
            // No filter: the total is known, and the window is walked directly.
            let resources = coll
                .order
                .values()
                .skip(skip)
                .take(take)
                .filter_map(|id| coll.by_id.get(id))
                .map(|e| data.with_derived(ty, e))
                .collect();
            return Ok(Page {
                total_results: coll.by_id.len() as u64,
                resources,
            });
        }
        let keep = |e: &&Entry| match &self.matcher {
            None => true,
            Some(m) if self.derived => m.matches(&data.with_derived(ty, e)),
            Some(m) => m.matches(&e.resource),
        };
        let mut hits: Vec<&Entry> = match &indexed {
            Some(ids) => {
                let mut v: Vec<&Entry> = ids
                    .iter()
                    .filter_map(|id| coll.by_id.get(id))
                    .filter(keep)
                    .collect();
                v.sort_by_key(|e| e.seq);
                v
            }
            None => coll
                .order
                .values()
                .filter_map(|id| coll.by_id.get(id))
                .filter(keep)
                .collect(),
        };
        if let Some(sort) = &self.query.sort {
            let case_exact = ty
                .resolve_parts(
                    sort.by.urn.as_deref(),
                    &sort.by.name,
                    sort.by.sub_attr.as_deref(),
                )
                .is_some_and(|r| r.definition().case_exact);
            let mut keyed: Vec<(SortKey, &Entry)> = hits
                .into_iter()
                .map(|e| {
                    let key = if self.derived {
                        SortKey::of(&data.with_derived(ty, e), &sort.by, case_exact)
                    } else {
                        SortKey::of(&e.resource, &sort.by, case_exact)
                    };
                    (key, e)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.seq.cmp(&b.1.seq)));
            if sort.order == SortOrder::Descending {
                keyed.reverse();
            }
            hits = keyed.into_iter().map(|(_, e)| e).collect();
        }
        let total = hits.len() as u64;
        let resources = hits
            .into_iter()
            .skip(skip)
            .take(take)
            .map(|e| data.with_derived(ty, e))
            .collect();
        Ok(Page {
            total_results: total,
            resources,
        })
    }
}

fn compile(ty: &ResourceType, query: &ListQuery) -> Result<Option<Matcher>, StoreError> {
    match &query.filter {
        Some(f) => Ok(Some(f.compile(ty).map_err(ScimError::from)?)),
        None => Ok(None),
    }
}

/// Whether a resolved filter reads the core top-level attribute `name`.
fn reads(filter: &Filter, name: &str) -> bool {
    struct Reads<'a>(&'a str);
    impl Reads<'_> {
        fn is(&self, path: &AttrPath) -> bool {
            path.urn.is_none() && path.name == self.0
        }
    }
    impl FilterVisitor for Reads<'_> {
        type Output = bool;
        type Error = Infallible;
        fn compare(
            &mut self,
            p: &AttrPath,
            _: CompareOp,
            _: &CompValue,
        ) -> Result<bool, Infallible> {
            Ok(self.is(p))
        }
        fn present(&mut self, p: &AttrPath) -> Result<bool, Infallible> {
            Ok(self.is(p))
        }
        fn and(&mut self, operands: Vec<bool>) -> Result<bool, Infallible> {
            Ok(operands.contains(&true))
        }
        fn or(&mut self, operands: Vec<bool>) -> Result<bool, Infallible> {
            Ok(operands.contains(&true))
        }
        fn not(&mut self, inner: bool) -> Result<bool, Infallible> {
            Ok(inner)
        }
        fn value_path(&mut self, p: &AttrPath, _: &Filter) -> Result<bool, Infallible> {
            Ok(self.is(p))
        }
    }
    let Ok(found) = filter.accept(&mut Reads(name));
    found
}
