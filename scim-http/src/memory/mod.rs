//! [`InMemoryStore`]: a fast, concurrent [`ResourceStore`] kept in memory.
//!
//! - **Indexes** for `id`, `externalId` and every attribute whose schema uniqueness is
//!   `server` or `global` (User `userName`), plus Group `displayName`; keys are folded to
//!   lowercase where the schema says `caseExact: false`. The identity providers' lookups
//!   (`userName eq "x"`, `externalId eq "y"`, `displayName eq "z"`, also under `and`) are
//!   answered from an index; other filters scan, evaluated with `scim-filter` (`list`).
//! - **Stable order** for paging: creation order.
//! - **Memberships**: group `members` are indexed by `value`, so a user's `groups` attribute is
//!   derived on read and a deleted user leaves every group; adding or removing one member of a
//!   large group does not rewrite it (`tenant`). A member must name a resource of the tenant
//!   (400 `invalidValue`); its `type` and `display` are derived on read.
//! - **Data, not representation**: references carry ids (and members their `type`); the
//!   server writes every `$ref` and `meta.location`.
//! - **Tenants**: data is partitioned by the [`Tenant`](crate::Tenant) the authenticator
//!   attached (one partition when there is none).
//! - **Concurrency**: one reader-writer lock per tenant; reads run in parallel. The maps by
//!   id and the indexes are split into 64 maps each (`shards`), so a create never rehashes
//!   the whole directory while it holds the write lock.

mod collection;
mod list;
mod meta;
mod shards;
mod tenant;

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use scim_core::{Resource, ResourceType};
use scim_patch::Patch;

use self::list::Prepared;
use self::meta::{new_id, new_meta, touch};
use self::tenant::TenantData;
use crate::context::RequestContext;
use crate::precondition::Precondition;
use crate::store::{
    ListQuery, Page, PatchResult, Replacement, ResourceStore, SecretChange, StoreError,
    has_members, member_ids,
};
use serde_json::Value;

/// An in-memory [`ResourceStore`] for every resource type: for tests, demos, and apps whose
/// directory fits in memory. See the module docs for its indexes and guarantees.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    /// The partition of [`Tenant::default`](crate::Tenant): reached without touching
    /// `tenants`, so the common single-tenant case takes one lock per request.
    default: RwLock<TenantData>,
    tenants: RwLock<HashMap<String, Arc<RwLock<TenantData>>>>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryStore::default()
    }

    /// How many resources of `resource_type` the default tenant ([`Tenant::default`](crate::Tenant)) holds.
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
        key: &str,
        f: impl FnOnce(&RwLock<TenantData>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        if key == crate::Tenant::DEFAULT_ID {
            return f(&self.default);
        }
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
        f: impl FnOnce(&TenantData) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.tenant_lock(ctx.tenant(), |lock| {
            let guard: RwLockReadGuard<'_, TenantData> = lock.read().map_err(poisoned)?;
            f(&guard)
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
            let id = new_id();
            strip_derived(&ty, &mut resource);
            resource.set_id(id.clone());
            data.collection(&ty).check_unique(&resource, None)?;
            data.check_members(member_ids(&resource))?;
            let seq = data.next_seq();
            resource.insert("meta", new_meta(&ty, None, seq));
            data.insert(&ty, &id, resource, seq);
            data.read(&ty, &id)
                .ok_or_else(|| StoreError::Backend("created resource vanished".into()))
        })
    }

    async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Option<Resource>, StoreError> {
        let ty = ctx.resource_type().clone();
        self.read(ctx, |data| Ok(data.read_for(&ty, id, ctx.wants_members())))
    }

    async fn list(&self, ctx: &RequestContext, query: &ListQuery) -> Result<Page, StoreError> {
        let ty = ctx.resource_type().clone();
        // The filter is compiled here, outside the lock.
        let prepared = Prepared::new(&ty, query)?;
        self.read(ctx, |data| prepared.run(&ty, data))
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        replacement: Replacement,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        let ty = ctx.resource_type().clone();
        let Replacement {
            mut resource,
            password,
            ..
        } = replacement;
        self.write(ctx, |data| {
            let coll = data.collection(&ty);
            // A cheap copy: resources are shared copy-on-write.
            let old = coll.entry_if(id, expected)?.resource.clone();
            strip_derived(&ty, &mut resource);
            resource.set_id(id);
            match password {
                SecretChange::Set(p) => resource.insert("password", Value::String(p)),
                SecretChange::Keep => match old.get("password") {
                    Some(p) => resource.insert("password", p.clone()),
                    None => None,
                },
                _ => None,
            };
            coll.check_unique(&resource, Some(id))?;
            data.check_members(member_ids(&resource))?;
            let created = old.get("meta").and_then(|m| m.get("created")).cloned();
            let seq = data.next_seq();
            resource.insert("meta", new_meta(&ty, created, seq));
            data.commit(&ty, id, &old, resource);
            data.read(&ty, id)
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
            data.collection(&ty).entry_if(id, expected)?;
            data.remove(&ty, id)
                .map(drop)
                .ok_or_else(|| StoreError::NotFound(id.to_owned()))
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
    ) -> Result<PatchResult, StoreError> {
        let ty = ctx.resource_type().clone();
        self.write(ctx, |data| {
            let coll = data.collection(&ty);
            let touches_unique = {
                let targets = patch.targets();
                coll.unique.iter().any(|u| targets.contains(&u.attr))
            };
            coll.entry_if(id, expected)?;
            if has_members(&ty) {
                data.check_members(patch.written_ids("members"))?;
            }
            let coll = data.collection(&ty);
            let entry = coll.entry_if(id, expected)?;
            let changed = if touches_unique {
                let old = entry.resource.clone();
                let (mut new, outcome) = patch.apply_to_copy(&old)?;
                if outcome.changed() {
                    data.collection(&ty).check_unique(&new, Some(id))?;
                    touch(&mut new, data.next_seq());
                    data.commit(&ty, id, &old, new);
                }
                outcome.changed()
            } else {
                let old_external = entry.resource.external_id().map(str::to_owned);
                let outcome = match &mut entry.members {
                    Some(index) => patch.apply_indexed(&mut entry.resource, index)?,
                    None => patch.apply(&mut entry.resource)?,
                };
                if outcome.changed() {
                    let seq = data.next_seq();
                    let coll = data.collection(&ty);
                    if let Some(e) = coll.by_id.get_mut(id) {
                        touch(&mut e.resource, seq);
                    }
                    if outcome.is_modified("externalId") {
                        // externalId is indexed but not unique: re-index this entry.
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
                    if let Some(delta) = outcome.members() {
                        for m in delta.removed_ids() {
                            data.unlink(m, id);
                        }
                        for m in delta.added_ids() {
                            data.groups_of
                                .entry(m.to_owned())
                                .or_default()
                                .insert(id.to_owned());
                        }
                    }
                    if outcome.is_modified("displayName") || outcome.is_modified("userName") {
                        data.renamed(id);
                    }
                }
                outcome.changed()
            };
            let resource = data
                .read_for(&ty, id, ctx.wants_members())
                .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
            Ok(PatchResult { resource, changed })
        })
    }
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
