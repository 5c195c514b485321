//! Queries: a filter answered from an index when it is an equality on an indexed
//! attribute (also under `and`), else evaluated with `scim-filter`; sorting per RFC 7644
//! §3.4.2.3; paging in creation order, by index or by cursor (RFC 9865: keyset positions
//! of sort key and creation sequence, found by binary search in the ordered results).

use std::convert::Infallible;

use scim_core::message::SortOrder;
use scim_core::{ResourceType, ScimError};
use scim_filter::{AttrPath, CompValue, CompareOp, Filter, FilterVisitor, Matcher};

use super::collection::Entry;
use super::tenant::TenantData;
use std::cmp::Ordering;

use crate::sort::SortKey;
use crate::store::{Cursor, KeyValue, ListQuery, Page, PageCursors, Position, StoreError};

/// What a query needs that can be prepared before taking the lock.
pub(super) struct Prepared<'q> {
    query: &'q ListQuery,
    /// The compiled filter; `None` when there is none, or when it is a single equality
    /// that an index may answer without evaluation.
    matcher: Option<Matcher>,
    single_eq: bool,
    /// Whether the filter or sort key reads `User.groups` or group `members`, derived on read.
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
        let reads_derived = |name: &str| {
            ty.schema.attribute(name).is_some()
                && (query.filter.as_ref().is_some_and(|f| reads(f, name))
                    || query
                        .sort
                        .as_ref()
                        .is_some_and(|s| s.by.urn.is_none() && s.by.name == name))
        };
        // `User.groups`, and members' `type` and `display`, are derived on read.
        let derived = reads_derived("groups") || reads_derived("members");
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
            let empty = Page::default();
            return Ok(match self.query.cursor {
                Some(_) => empty.with_cursors(PageCursors::default()),
                None => empty,
            });
        };
        let indexed = self.query.filter.as_ref().and_then(|f| coll.lookup(f));
        if self.single_eq && (indexed.is_none() || self.derived) {
            self.matcher = compile(ty, self.query)?;
        }
        let (skip, take) = (self.skip, self.take);
        if self.query.sort.is_none()
            && self.matcher.is_none()
            && indexed.is_none()
            && self.query.cursor.is_none()
        {
            // No filter: the total is known, and the window is walked directly.
            let resources = coll
                .order
                .values()
                .skip(skip)
                .take(take)
                .filter_map(|id| coll.by_id.get(id))
                .map(|e| data.with_derived(ty, e))
                .collect();
            return Ok(Page::new(coll.by_id.len() as u64, resources));
        }
        let keep = |e: &&Entry| match &self.matcher {
            None => true,
            Some(m) if self.derived => m.matches(&data.with_derived(ty, e)),
            Some(m) => m.matches(&e.resource),
        };
        let hits: Vec<&Entry> = match &indexed {
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
        let mut keyed: Vec<(SortKey, &Entry)> = match &self.query.sort {
            None => hits.into_iter().map(|e| (SortKey::Missing, e)).collect(),
            Some(sort) => {
                let case_exact = ty
                    .resolve_parts(
                        sort.by.urn.as_deref(),
                        &sort.by.name,
                        sort.by.sub_attr.as_deref(),
                    )
                    .is_some_and(|r| r.definition().case_exact);
                hits.into_iter()
                    .map(|e| {
                        let key = if self.derived {
                            SortKey::of(&data.with_derived(ty, e), &sort.by, case_exact)
                        } else {
                            SortKey::of(&e.resource, &sort.by, case_exact)
                        };
                        (key, e)
                    })
                    .collect()
            }
        };
        let descending = self
            .query
            .sort
            .as_ref()
            .is_some_and(|s| s.order == SortOrder::Descending);
        if self.query.sort.is_some() {
            keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.seq.cmp(&b.1.seq)));
            if descending {
                keyed.reverse();
            }
        }
        let total = keyed.len() as u64;
        let Some(cursor) = &self.query.cursor else {
            let resources = keyed
                .into_iter()
                .skip(skip)
                .take(take)
                .map(|(_, e)| data.with_derived(ty, e))
                .collect();
            return Ok(Page::new(total, resources));
        };
        // Keyset paging: `keyed` is in the query's order, so positions binary-search.
        let order = |key: &SortKey, seq: u64, p: &(SortKey, u64)| {
            let o = key.cmp(&p.0).then(seq.cmp(&p.1));
            if descending { o.reverse() } else { o }
        };
        let start = match cursor {
            Cursor::After(p) => {
                let p = (sort_key(p), p.seq);
                keyed.partition_point(|(k, e)| order(k, e.seq, &p) != Ordering::Greater)
            }
            Cursor::Before(p) => {
                let p = (sort_key(p), p.seq);
                let before = keyed.partition_point(|(k, e)| order(k, e.seq, &p) == Ordering::Less);
                // Fewer than a page before it: the first page.
                before.saturating_sub(take)
            }
            _ => 0,
        };
        let end = start.saturating_add(take).min(keyed.len());
        let window = keyed.get(start..end).unwrap_or_default();
        let position = |(k, e): &(SortKey, &Entry)| Position {
            key: key_value(k),
            seq: e.seq,
        };
        let cursors = PageCursors {
            previous: (start > 0).then(|| window.first().map(position)).flatten(),
            next: (end < keyed.len())
                .then(|| window.last().map(position))
                .flatten(),
        };
        let resources = window
            .iter()
            .map(|(_, e)| data.with_derived(ty, e))
            .collect();
        Ok(Page::new(total, resources).with_cursors(cursors))
    }
}

/// The key of a position, as this store compares it.
fn sort_key(p: &Position) -> SortKey {
    match &p.key {
        None => SortKey::Missing,
        Some(KeyValue::Bool(b)) => SortKey::Bool(*b),
        #[allow(
            clippy::cast_precision_loss,
            reason = "this store keeps numbers as f64"
        )]
        Some(KeyValue::Int(i)) => SortKey::Num(*i as f64),
        Some(KeyValue::Num(n)) => SortKey::Num(*n),
        Some(KeyValue::Str(s)) => SortKey::Str(s.clone()),
    }
}

fn key_value(k: &SortKey) -> Option<KeyValue> {
    match k {
        SortKey::Bool(b) => Some(KeyValue::Bool(*b)),
        SortKey::Num(n) => Some(KeyValue::Num(*n)),
        SortKey::Str(s) => Some(KeyValue::Str(s.clone())),
        SortKey::Missing => None,
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
