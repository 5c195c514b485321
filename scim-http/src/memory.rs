//! [`InMemoryStore`]: a fast, concurrent [`ResourceStore`] kept in memory.
//!
//! - **Indexes** for `id`, `externalId` and every attribute whose schema uniqueness is
//!   `server` or `global` (User `userName`), plus Group `displayName`; keys are folded to
//!   lowercase where the schema says `caseExact: false`. The identity providers' lookups
//!   (`userName eq "x"`, `externalId eq "y"`, `displayName eq "z"`, also under `and`) are
//!   answered from an index; other filters scan, evaluated with `scim-filter`.
//! - **Stable order** for paging: creation order.
//! - **Memberships**: group `members` are indexed by `value`, so a user's `groups` attribute is
//!   derived on read and a deleted user leaves every group; adding or removing one member of a
//!   large group does not rewrite it.
//! - **Tenants**: data is partitioned by the [`Tenant`](crate::Tenant) the authenticator
//!   attached (one partition when there is none).
//! - **Concurrency**: one reader-writer lock per tenant; reads run in parallel.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use scim_core::message::SortOrder;
use scim_core::{DateTime, Projection, Resource, ResourceType, ScimError, Uniqueness};
use scim_filter::{AttrPath, CompValue, CompareOp, Filter, FilterVisitor, Matcher};
use scim_patch::{Patch, ValueIndex};
use serde_json::{Map, Value};

use crate::context::RequestContext;
use crate::store::{ListQuery, Page, PatchResult, Precondition, ResourceStore, StoreError};

/// An in-memory [`ResourceStore`] for every resource type: for tests, demos, and apps whose
/// directory fits in memory. See the module docs for its indexes and guarantees.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    /// The partition of requests without a tenant: reached without touching `tenants`, so the
    /// common single-tenant case takes one lock per request.
    default: RwLock<TenantData>,
    tenants: RwLock<HashMap<String, Arc<RwLock<TenantData>>>>,
}

#[derive(Debug, Default)]
struct TenantData {
    seq: u64,
    collections: HashMap<String, Collection>,
    /// member id → ids of the groups listing it
    groups_of: HashMap<String, BTreeSet<String>>,
}

#[derive(Debug, Default)]
struct Collection {
    order: BTreeMap<u64, String>,
    by_id: HashMap<String, Entry>,
    /// externalId → ids (not unique; almost always one id, hence a `Vec`).
    external: HashMap<String, Vec<String>>,
    unique: Vec<UniqueIndex>,
    endpoint: String,
    initialised: bool,
}

#[derive(Debug)]
struct Entry {
    seq: u64,
    resource: Resource,
    /// For resource types with `members`: an index of the members by `value` (boxed: most
    /// entries have none, and small entries keep the id map's resizes cheap).
    members: Option<Box<ValueIndex>>,
}

#[derive(Debug)]
struct UniqueIndex {
    attr: String,
    case_exact: bool,
    values: HashMap<String, String>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryStore::default()
    }

    /// How many resources of `resource_type` the default tenant holds.
    pub fn len(&self, resource_type: &str) -> usize {
        self.default
            .read()
            .map(|d| {
                d.collections
                    .get(resource_type)
                    .map_or(0, |c| c.by_id.len())
            })
            .unwrap_or(0)
    }

    /// Whether the default tenant holds nothing.
    pub fn is_empty(&self) -> bool {
        self.default
            .read()
            .map(|d| d.collections.values().all(|c| c.by_id.is_empty()))
            .unwrap_or(true)
    }

    /// Runs `f` with the lock of the tenant's partition.
    fn tenant_lock<R>(
        &self,
        tenant: Option<&str>,
        f: impl FnOnce(&RwLock<TenantData>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let Some(key) = tenant else {
            return f(&self.default);
        };
        let existing = self.tenants.read().map_err(poisoned)?.get(key).cloned();
        let lock = match existing {
            Some(t) => t,
            None => self
                .tenants
                .write()
                .map_err(poisoned)?
                .entry(key.to_owned())
                .or_default()
                .clone(),
        };
        f(&lock)
    }

    fn read<R>(
        &self,
        ctx: &RequestContext,
        f: impl FnOnce(&TenantData) -> R,
    ) -> Result<R, StoreError> {
        self.tenant_lock(ctx.tenant(), |lock| {
            let guard: RwLockReadGuard<'_, TenantData> = lock.read().map_err(poisoned)?;
            Ok(f(&guard))
        })
    }

    fn write<R>(
        &self,
        ctx: &RequestContext,
        f: impl FnOnce(&mut TenantData) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.tenant_lock(ctx.tenant(), |lock| {
            let mut guard: RwLockWriteGuard<'_, TenantData> = lock.write().map_err(poisoned)?;
            f(&mut guard)
        })
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Backend("the in-memory store's lock is poisoned".into())
}

#[async_trait]
impl ResourceStore for InMemoryStore {
    async fn create(
        &self,
        ctx: &RequestContext,
        mut resource: Resource,
    ) -> Result<Resource, StoreError> {
        let ty = ctx.resource_type().clone();
        self.write(ctx, |data| {
            data.seq += 1;
            let seq = data.seq;
            let id = new_id();
            strip_derived(&ty, &mut resource);
            resource.set_id(id.clone());
            resource.insert("meta", new_meta(&ty, None, seq));
            let coll = data.collection(&ty);
            coll.check_unique(&resource, None)?;
            coll.index(&id, &resource);
            let members = has_members(&ty).then(|| Box::new(ValueIndex::new(&resource, "members")));
            for member in member_ids(&resource) {
                data.touch_entity(&member, seq);
                data.groups_of.entry(member).or_default().insert(id.clone());
            }
            let coll = data.collection(&ty);
            coll.order.insert(seq, id.clone());
            coll.by_id.insert(
                id.clone(),
                Entry {
                    seq,
                    resource,
                    members,
                },
            );
            Ok(data.render(&ty, ctx, &id))
        })?
        .ok_or_else(|| StoreError::Backend("created resource vanished".into()))
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: &str,
        projection: &Projection,
    ) -> Result<Option<Resource>, StoreError> {
        let ty = ctx.resource_type().clone();
        self.read(ctx, |data| data.render_for(&ty, ctx, id, projection))
    }

    async fn list(&self, ctx: &RequestContext, query: &ListQuery) -> Result<Page, StoreError> {
        let ty = ctx.resource_type().clone();
        // A single `attr eq "value"` answered by an index needs no evaluation at all; anything
        // else is compiled once, here, outside the lock.
        let single_eq = query
            .filter
            .as_ref()
            .is_some_and(|f| f.as_equality().is_some());
        let compile = || -> Result<Option<Matcher>, StoreError> {
            match &query.filter {
                Some(f) => Ok(Some(f.compile(&ty).map_err(ScimError::from)?)),
                None => Ok(None),
            }
        };
        let mut matcher = if single_eq { None } else { compile()? };
        // `User.groups` is derived on read: a filter or sort key that reads it must see it.
        let derived = ty.schema.attribute("groups").is_some()
            && (query.filter.as_ref().is_some_and(|f| reads(f, "groups"))
                || query
                    .sort
                    .as_ref()
                    .is_some_and(|s| s.by.urn.is_none() && s.by.name == "groups"));
        let skip = usize::try_from(query.start_index.saturating_sub(1)).unwrap_or(usize::MAX);
        let take = query
            .count
            .map_or(usize::MAX, |c| usize::try_from(c).unwrap_or(usize::MAX));
        self.tenant_lock(ctx.tenant(), |lock| {
            let data = lock.read().map_err(poisoned)?;
            let Some(coll) = data.collections.get(&ty.name) else {
                return Ok(Page::default());
            };
            let indexed = query.filter.as_ref().and_then(|f| coll.lookup(f));
            if single_eq && (indexed.is_none() || derived) {
                matcher = compile()?;
            }
            let keep = |e: &&Entry| match &matcher {
                None => true,
                Some(m) if derived => m.matches(&data.with_derived(&ty, ctx, e)),
                Some(m) => m.matches(&e.resource),
            };
            // Unsorted: count every match but copy only the requested window (creation order).
            if query.sort.is_none() {
                let mut total = 0u64;
                let mut resources = Vec::new();
                let mut visit = |e: &Entry| {
                    if resources.len() < take && total >= skip as u64 {
                        resources.push(data.with_derived(&ty, ctx, e));
                    }
                    total += 1;
                };
                match indexed {
                    Some(ids) => {
                        let mut v: Vec<&Entry> = ids
                            .iter()
                            .filter_map(|id| coll.by_id.get(id))
                            .filter(keep)
                            .collect();
                        v.sort_by_key(|e| e.seq);
                        v.into_iter().for_each(&mut visit);
                    }
                    None if matcher.is_none() => {
                        // No filter: the total is known, and the window is walked directly.
                        let n = coll.by_id.len() as u64;
                        for id in coll.order.values().skip(skip).take(take) {
                            if let Some(e) = coll.by_id.get(id) {
                                resources.push(data.with_derived(&ty, ctx, e));
                            }
                        }
                        return Ok(Page {
                            total_results: n,
                            resources,
                        });
                    }
                    None => coll
                        .order
                        .values()
                        .filter_map(|id| coll.by_id.get(id))
                        .filter(keep)
                        .for_each(&mut visit),
                }
                return Ok(Page {
                    total_results: total,
                    resources,
                });
            }
            let mut hits: Vec<&Entry> = match indexed {
                Some(ids) => ids
                    .iter()
                    .filter_map(|id| coll.by_id.get(id))
                    .filter(keep)
                    .collect(),
                None => coll
                    .order
                    .values()
                    .filter_map(|id| coll.by_id.get(id))
                    .filter(keep)
                    .collect(),
            };
            if let Some(sort) = &query.sort {
                let def = ty
                    .resolve_parts(
                        sort.by.urn.as_deref(),
                        &sort.by.name,
                        sort.by.sub_attr.as_deref(),
                    )
                    .map(|r| r.definition().case_exact)
                    .unwrap_or(false);
                let mut keyed: Vec<(SortKey, &Entry)> = hits
                    .into_iter()
                    .map(|e| {
                        let key = if derived {
                            SortKey::of(&data.with_derived(&ty, ctx, e), &sort.by, def)
                        } else {
                            SortKey::of(&e.resource, &sort.by, def)
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
                .map(|e| data.with_derived(&ty, ctx, e))
                .collect();
            Ok(Page {
                total_results: total,
                resources,
            })
        })
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        mut resource: Resource,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        let ty = ctx.resource_type().clone();
        self.write(ctx, |data| {
            let coll = data.collection(&ty);
            // A cheap copy: resources are shared copy-on-write.
            let old = coll.entry_if(id, expected)?.resource.clone();
            strip_derived(&ty, &mut resource);
            resource.set_id(id);
            coll.check_unique(&resource, Some(id))?;
            let created = old.get("meta").and_then(|m| m.get("created")).cloned();
            data.seq += 1;
            resource.insert("meta", new_meta(&ty, created, data.seq));
            data.commit(&ty, id, &old, resource);
            data.render(&ty, ctx, id)
                .ok_or_else(|| StoreError::NotFound(id.to_owned()))
        })
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<(), StoreError> {
        let ty = ctx.resource_type().clone();
        self.write(ctx, |data| {
            let coll = data.collection(&ty);
            coll.entry_if(id, expected)?;
            let Some(entry) = coll.by_id.remove(id) else {
                return Err(StoreError::NotFound(id.to_owned()));
            };
            coll.order.remove(&entry.seq);
            coll.unindex(id, &entry.resource);
            // A deleted group leaves its members' `groups` (which changes their version).
            let members = member_ids(&entry.resource);
            if !members.is_empty() {
                data.seq += 1;
                let seq = data.seq;
                for m in members {
                    data.unlink(&m, id);
                    data.touch_entity(&m, seq);
                }
            }
            // A deleted member leaves every group.
            if let Some(groups) = data.groups_of.remove(id) {
                data.seq += 1;
                let seq = data.seq;
                for coll in data.collections.values_mut() {
                    for gid in &groups {
                        if let Some(g) = coll.by_id.get_mut(gid) {
                            remove_member(g, id);
                            touch(&mut g.resource, seq);
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// Applies the patch in place under the write lock: membership changes on a large group
    /// use the group's member index (O(1) per member, nothing copied). A patch that touches a
    /// unique attribute (`userName`, group `displayName`) is applied to a copy first, so a
    /// uniqueness conflict leaves the stored resource as it was.
    async fn patch(
        &self,
        ctx: &RequestContext,
        id: &str,
        patch: &Patch<'_>,
        expected: Precondition<'_>,
        projection: &Projection,
    ) -> Result<PatchResult, StoreError> {
        let ty = ctx.resource_type().clone();
        self.write(ctx, |data| {
            let coll = data.collection(&ty);
            let touches_unique = {
                let targets = patch.targets();
                coll.unique.iter().any(|u| targets.contains(&u.attr))
            };
            let entry = coll.entry_if(id, expected)?;
            if touches_unique {
                let old = entry.resource.clone();
                let (new, outcome) = patch.apply_to_copy(&old)?;
                if !outcome.changed() {
                    return Ok(PatchResult {
                        resource: data.render_for(&ty, ctx, id, projection).unwrap_or(old),
                        changed: false,
                    });
                }
                data.collection(&ty).check_unique(&new, Some(id))?;
                data.seq += 1;
                let mut new = new;
                touch(&mut new, data.seq);
                data.commit(&ty, id, &old, new);
            } else {
                let old_external = entry.resource.external_id().map(str::to_owned);
                let outcome = match &mut entry.members {
                    Some(index) => patch.apply_indexed(&mut entry.resource, index)?,
                    None => patch.apply(&mut entry.resource)?,
                };
                if outcome.changed() {
                    data.seq += 1;
                    let seq = data.seq;
                    if let Some(e) = data.collection(&ty).by_id.get_mut(id) {
                        touch(&mut e.resource, seq);
                    }
                    if let Some(delta) = outcome.members() {
                        for m in delta.removed_ids() {
                            data.unlink(m, id);
                            data.touch_entity(m, seq);
                        }
                        for m in delta.added_ids() {
                            data.groups_of
                                .entry(m.to_owned())
                                .or_default()
                                .insert(id.to_owned());
                            data.touch_entity(m, seq);
                        }
                    }
                    if outcome.is_modified("externalId") {
                        // externalId is indexed but not unique: re-index this entry.
                        let coll = data.collection(&ty);
                        if let Some(x) = old_external {
                            coll.unlink_external(&x, id);
                        }
                        let new_external = coll
                            .by_id
                            .get(id)
                            .and_then(|e| e.resource.external_id())
                            .map(str::to_owned);
                        if let Some(x) = new_external {
                            coll.link_external(&x, id);
                        }
                    }
                } else {
                    return Ok(PatchResult {
                        resource: data
                            .render_for(&ty, ctx, id, projection)
                            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?,
                        changed: false,
                    });
                }
            }
            let resource = data
                .render_for(&ty, ctx, id, projection)
                .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
            Ok(PatchResult {
                resource,
                changed: true,
            })
        })
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

impl TenantData {
    fn collection(&mut self, ty: &ResourceType) -> &mut Collection {
        let c = self.collections.entry(ty.name.clone()).or_default();
        if !c.initialised {
            c.initialised = true;
            c.endpoint = ty.endpoint.clone();
            for attr in &ty.schema.attributes {
                let unique = attr.uniqueness != Uniqueness::None
                    // Entra ID requires unique group names (its /Groups guidance).
                    || (attr.name == "displayName" && ty.schema.attribute("members").is_some());
                if unique && !attr.multi_valued && !attr.is_complex() {
                    c.unique.push(UniqueIndex {
                        attr: attr.name.clone(),
                        case_exact: attr.case_exact,
                        values: HashMap::new(),
                    });
                }
            }
        }
        c
    }

    /// Replaces a stored resource, keeping indexes and memberships in step.
    fn commit(&mut self, ty: &ResourceType, id: &str, old: &Resource, new: Resource) {
        let new_members = has_members(ty).then(|| Box::new(ValueIndex::new(&new, "members")));
        let new_ids: std::collections::HashSet<String> = member_ids(&new).into_iter().collect();
        let renamed = old.get("displayName") != new.get("displayName");
        let seq = self.seq;
        for m in member_ids(old) {
            if !new_ids.contains(&m) {
                self.unlink(&m, id);
                self.touch_entity(&m, seq);
            }
        }
        for m in new_ids {
            let added = self
                .groups_of
                .entry(m.clone())
                .or_default()
                .insert(id.to_owned());
            if added || renamed {
                // The member's derived `groups` changed: so does its version.
                self.touch_entity(&m, seq);
            }
        }
        let coll = self.collection(ty);
        coll.unindex(id, old);
        coll.index(id, &new);
        if let Some(e) = coll.by_id.get_mut(id) {
            e.resource = new;
            e.members = new_members;
        }
    }

    /// Gives the resource `id` (of any type) a new version, because something derived from
    /// other resources (its `groups`) changed.
    fn touch_entity(&mut self, id: &str, seq: u64) {
        for coll in self.collections.values_mut() {
            if let Some(e) = coll.by_id.get_mut(id) {
                touch(&mut e.resource, seq);
                return;
            }
        }
    }

    fn unlink(&mut self, member: &str, group: &str) {
        if let Some(set) = self.groups_of.get_mut(member) {
            set.remove(group);
            if set.is_empty() {
                self.groups_of.remove(member);
            }
        }
    }

    /// A copy of the stored resource with derived attributes (`User.groups`).
    fn render(&self, ty: &ResourceType, ctx: &RequestContext, id: &str) -> Option<Resource> {
        let e = self.collections.get(&ty.name)?.by_id.get(id)?;
        Some(self.with_derived(ty, ctx, e))
    }

    /// Like [`TenantData::render`], without copying a `members` array the projection
    /// excludes (a large group's members dominate the cost of a copy).
    fn render_for(
        &self,
        ty: &ResourceType,
        ctx: &RequestContext,
        id: &str,
        projection: &Projection,
    ) -> Option<Resource> {
        let e = self.collections.get(&ty.name)?.by_id.get(id)?;
        if e.members.is_none() || projection.may_include(ty, "members") {
            return Some(self.with_derived(ty, ctx, e));
        }
        let map: Map<String, Value> = e
            .resource
            .as_map()
            .iter()
            .filter(|(k, _)| k.as_str() != "members")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(Resource::from_map(map))
    }

    fn with_derived(&self, ty: &ResourceType, ctx: &RequestContext, e: &Entry) -> Resource {
        let mut r = e.resource.clone();
        if ty.schema.attribute("groups").is_some()
            && let Some(id) = e.resource.id()
            && let Some(gids) = self.groups_of.get(id)
        {
            let groups: Vec<Value> = gids
                .iter()
                .filter_map(|gid| {
                    let (endpoint, g) = self
                        .collections
                        .values()
                        .find_map(|c| c.by_id.get(gid).map(|g| (&c.endpoint, g)))?;
                    let mut m = Map::new();
                    m.insert("value".into(), Value::String(gid.clone()));
                    m.insert(
                        "$ref".into(),
                        Value::String(format!("{}{endpoint}/{gid}", ctx.base_url())),
                    );
                    if let Some(d) = g.resource.get("displayName") {
                        m.insert("display".into(), d.clone());
                    }
                    m.insert("type".into(), Value::String("direct".into()));
                    Some(Value::Object(m))
                })
                .collect();
            if !groups.is_empty() {
                r.insert("groups", Value::Array(groups));
            }
        }
        self.derive_manager(ty, ctx, &mut r);
        r
    }

    /// The enterprise `manager` (RFC 7643 §4.3) is stored as `{"value": id}`; on read it gets
    /// its `$ref` and, when the manager is a stored resource, its readOnly `displayName`.
    /// (Entra ID re-sends the manager on every cycle when a GET does not show it complete.)
    fn derive_manager(&self, ty: &ResourceType, ctx: &RequestContext, r: &mut Resource) {
        let urn = scim_core::urn::ENTERPRISE_USER;
        if ty.extension(urn).is_none() {
            return;
        }
        // Read first: resources are shared copy-on-write, and most need no change.
        let Some(manager) = r
            .extension(urn)
            .and_then(|e| e.get("manager"))
            .and_then(Value::as_object)
        else {
            return;
        };
        let Some(id) = manager.get("value").and_then(Value::as_str) else {
            return;
        };
        let found = self
            .collections
            .values()
            .find_map(|c| c.by_id.get(id).map(|m| (&c.endpoint, m)));
        let endpoint = found.map_or(ty.endpoint.as_str(), |(e, _)| e.as_str());
        let reference = (!manager.contains_key("$ref"))
            .then(|| Value::String(format!("{}{endpoint}/{id}", ctx.base_url())));
        let name = found
            .and_then(|(_, m)| m.resource.get("displayName"))
            .filter(|n| manager.get("displayName") != Some(*n))
            .cloned();
        if reference.is_none() && name.is_none() {
            return;
        }
        if let Some(Value::Object(manager)) = r
            .get_mut(urn)
            .and_then(|e| e.as_object_mut())
            .and_then(|e| e.get_mut("manager"))
        {
            if let Some(v) = reference {
                manager.insert("$ref".into(), v);
            }
            if let Some(n) = name {
                manager.insert("displayName".into(), n);
            }
        }
    }
}

impl Collection {
    /// The entry `id`, if the precondition holds for it (else 404 or 412).
    fn entry_if(&mut self, id: &str, expected: Precondition<'_>) -> Result<&mut Entry, StoreError> {
        let entry = self
            .by_id
            .get_mut(id)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if !expected.matches(entry.resource.version()) {
            return Err(StoreError::VersionMismatch);
        }
        Ok(entry)
    }

    fn check_unique(&self, r: &Resource, self_id: Option<&str>) -> Result<(), StoreError> {
        for u in &self.unique {
            if let Some(Value::String(v)) = r.get(&u.attr)
                && let Some(other) = u.values.get(&fold(v, u.case_exact))
                && Some(other.as_str()) != self_id
            {
                return Err(StoreError::Uniqueness {
                    attribute: u.attr.clone(),
                    value: v.clone(),
                });
            }
        }
        Ok(())
    }

    fn index(&mut self, id: &str, r: &Resource) {
        for u in &mut self.unique {
            if let Some(Value::String(v)) = r.get(&u.attr) {
                u.values.insert(fold(v, u.case_exact), id.to_owned());
            }
        }
        if let Some(x) = r.external_id() {
            self.link_external(x, id);
        }
    }

    fn link_external(&mut self, external_id: &str, id: &str) {
        let ids = self.external.entry(external_id.to_owned()).or_default();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }

    fn unlink_external(&mut self, external_id: &str, id: &str) {
        if let Some(ids) = self.external.get_mut(external_id) {
            ids.retain(|i| i != id);
            if ids.is_empty() {
                self.external.remove(external_id);
            }
        }
    }

    fn unindex(&mut self, id: &str, r: &Resource) {
        for u in &mut self.unique {
            if let Some(Value::String(v)) = r.get(&u.attr) {
                let k = fold(v, u.case_exact);
                if u.values.get(&k).map(String::as_str) == Some(id) {
                    u.values.remove(&k);
                }
            }
        }
        if let Some(x) = r.external_id() {
            self.unlink_external(x, id);
        }
    }

    /// Candidate ids from an index, when the filter is an equality (or an `and` of them) on
    /// `id`, `externalId` or a unique attribute. The caller still applies the whole filter.
    fn lookup(&self, filter: &scim_filter::Filter) -> Option<Vec<String>> {
        if let Some((path, value)) = filter.as_equality() {
            return self.lookup_one(path, value);
        }
        filter
            .equalities()
            .into_iter()
            .find_map(|(path, value)| self.lookup_one(path, value))
    }

    /// The ids for one `attr eq "value"`, when `attr` is indexed.
    fn lookup_one(&self, path: &AttrPath, value: &CompValue) -> Option<Vec<String>> {
        if path.urn.is_some() || path.sub_attr.is_some() {
            return None;
        }
        let CompValue::String(v) = value else {
            return None;
        };
        if path.name == "id" {
            return Some(
                self.by_id
                    .contains_key(v)
                    .then(|| v.clone())
                    .into_iter()
                    .collect(),
            );
        }
        if path.name == "externalId" {
            return Some(self.external.get(v).map(|s| s.to_vec()).unwrap_or_default());
        }
        let u = self.unique.iter().find(|u| u.attr == path.name)?;
        let found = if u.case_exact || !v.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
            u.values.get(v.as_str())
        } else {
            u.values.get(&v.to_lowercase())
        };
        Some(found.cloned().into_iter().collect())
    }
}

/// Removes a member by value from a group entry (index kept in step).
fn remove_member(g: &mut Entry, member: &str) {
    let Some(Value::Array(items)) = g.resource.get_mut("members") else {
        return;
    };
    items.retain(|m| m.get("value").and_then(Value::as_str) != Some(member));
    if items.is_empty() {
        g.resource.remove("members");
    }
    if let Some(ix) = &mut g.members {
        ix.rebuild(&g.resource);
    }
}

fn touch(r: &mut Resource, seq: u64) {
    if let Some(Value::Object(meta)) = r.get_mut("meta") {
        meta.insert("lastModified".into(), Value::String(now()));
        meta.insert("version".into(), Value::String(version(seq)));
    }
}

fn has_members(ty: &ResourceType) -> bool {
    ty.schema
        .attribute("members")
        .is_some_and(|a| a.multi_valued && a.is_complex())
}

/// The `value`s of a resource's `members`.
fn member_ids(r: &Resource) -> Vec<String> {
    r.get("members")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| m.get("value")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Drops derived, server-maintained attributes before storing (`User.groups`).
fn strip_derived(ty: &ResourceType, r: &mut Resource) {
    if ty
        .schema
        .attribute("groups")
        .is_some_and(|a| a.mutability == scim_core::Mutability::ReadOnly)
    {
        r.remove("groups");
    }
}

fn fold(v: &str, case_exact: bool) -> String {
    if case_exact {
        v.to_owned()
    } else {
        v.to_lowercase()
    }
}

/// A fresh `meta` for a created or replaced resource (`created` kept on replace).
fn new_meta(ty: &ResourceType, created: Option<Value>, seq: u64) -> Value {
    let now = Value::String(now());
    let mut meta = Map::new();
    meta.insert("resourceType".into(), Value::String(ty.name.clone()));
    meta.insert("created".into(), created.unwrap_or_else(|| now.clone()));
    meta.insert("lastModified".into(), now);
    meta.insert("version".into(), Value::String(version(seq)));
    Value::Object(meta)
}

fn version(seq: u64) -> String {
    format!("W/\"{seq}\"")
}

fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    // Millisecond precision is enough, and shorter to read.
    DateTime::from_unix(secs, d.subsec_millis() * 1_000_000).to_string()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A sort key: unassigned values sort last in ascending order (RFC 7644 §3.4.2.3).
#[derive(Debug, PartialEq)]
enum SortKey {
    Bool(bool),
    Num(f64),
    Str(String),
    Missing,
}

impl SortKey {
    fn of(r: &Resource, path: &scim_filter::AttrPath, case_exact: bool) -> SortKey {
        let top = match &path.urn {
            Some(u) => r.get(u).and_then(|e| e.get(&path.name)),
            None => r.get(&path.name),
        };
        let mut v = top;
        // Multi-valued: the primary value, else the first.
        if let Some(Value::Array(items)) = v {
            v = items
                .iter()
                .find(|i| i.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| items.first());
        }
        if let Some(sub) = &path.sub_attr {
            v = v.and_then(|x| x.get(sub));
        } else if let Some(Value::Object(o)) = v {
            v = o.get("value");
        }
        match v {
            Some(Value::Bool(b)) => SortKey::Bool(*b),
            Some(Value::Number(n)) => n.as_f64().map_or(SortKey::Missing, SortKey::Num),
            Some(Value::String(s)) => SortKey::Str(fold(s, case_exact)),
            _ => SortKey::Missing,
        }
    }
}

impl Eq for SortKey {}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        use SortKey::*;
        match (self, other) {
            (Missing, Missing) => Ordering::Equal,
            (Missing, _) => Ordering::Greater,
            (_, Missing) => Ordering::Less,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Num(a), Num(b)) => a.total_cmp(b),
            (Str(a), Str(b)) => a.cmp(b),
            (Bool(_), _) => Ordering::Less,
            (_, Bool(_)) => Ordering::Greater,
            (Num(_), _) => Ordering::Less,
            (_, Num(_)) => Ordering::Greater,
        }
    }
}
