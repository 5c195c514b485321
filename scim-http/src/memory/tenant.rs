//! One tenant's data: its collections, the membership index, and the attributes derived
//! from other resources on read (`User.groups`, the enterprise `manager.displayName`).
//! References carry ids only; the server writes their `$ref`.

use std::collections::{BTreeSet, HashMap, HashSet};

use scim_core::{Resource, ResourceType};
use scim_patch::ValueIndex;
use serde_json::{Map, Value};

use super::collection::{Collection, Entry, has_members};
use super::meta::touch;
use super::shards::Shards;
use crate::store::{StoreError, member_display, unknown_member};

#[derive(Debug, Default)]
pub(super) struct TenantData {
    /// The tenant's version counter: every write takes the next value.
    pub(super) seq: u64,
    pub(super) collections: HashMap<String, Collection>,
    /// member id → ids of the groups listing it
    pub(super) groups_of: Shards<BTreeSet<String>>,
}

impl TenantData {
    /// The collection of `ty`, created on first use.
    pub(super) fn collection(&mut self, ty: &ResourceType) -> &mut Collection {
        self.collections
            .entry(ty.name.clone())
            .or_insert_with(|| Collection::new(ty))
    }

    /// The next version number.
    pub(super) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Stores a new resource (id and meta set) and links its members.
    pub(super) fn insert(&mut self, ty: &ResourceType, id: &str, mut resource: Resource, seq: u64) {
        bare_members(&mut resource);
        let members = has_members(ty).then(|| Box::new(ValueIndex::new(&resource, "members")));
        for member in member_ids(&resource) {
            self.groups_of
                .entry(member)
                .or_default()
                .insert(id.to_owned());
        }
        let coll = self.collection(ty);
        coll.index(id, &resource);
        coll.order.insert(seq, id.to_owned());
        coll.by_id.insert(
            id.to_owned(),
            Entry {
                seq,
                resource,
                members,
            },
        );
    }

    /// Replaces a stored resource, keeping indexes and memberships in step. Only the
    /// resource's own version changes (set by the caller), and those of the groups listing
    /// it when its name changes (their members' `display`, see [`TenantData::renamed`]).
    pub(super) fn commit(
        &mut self,
        ty: &ResourceType,
        id: &str,
        old: &Resource,
        mut new: Resource,
    ) {
        bare_members(&mut new);
        let new_members = has_members(ty).then(|| Box::new(ValueIndex::new(&new, "members")));
        let new_ids: HashSet<String> = member_ids(&new).into_iter().collect();
        for m in member_ids(old) {
            if !new_ids.contains(&m) {
                self.unlink(&m, id);
            }
        }
        for m in new_ids {
            self.groups_of.entry(m).or_default().insert(id.to_owned());
        }
        if member_display(old) != member_display(&new) {
            self.renamed(id);
        }
        let coll = self.collection(ty);
        coll.unindex(id, old);
        coll.index(id, &new);
        if let Some(e) = coll.by_id.get_mut(id) {
            e.resource = new;
            e.members = new_members;
        }
    }

    /// The resource `id` changed the name its groups show (`members[].display`): each group
    /// listing it gets a new version, so that its entity tag changes with its representation.
    /// (The reverse is not needed: a renamed group changes its members' `groups`, which the
    /// entity tag covers with a digest, see `precondition`.)
    pub(super) fn renamed(&mut self, id: &str) {
        let Some(groups) = self.groups_of.get(id).cloned() else {
            return;
        };
        let seq = self.next_seq();
        for gid in &groups {
            self.touch_entity(gid, seq);
        }
    }

    /// Fails with 400 `invalidValue` naming the first id that is no resource of this tenant
    /// (RFC 7643 §4.2: a member is a User or Group of the service provider).
    pub(super) fn check_members<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        match ids.into_iter().find(|id| self.find(id).is_none()) {
            Some(id) => Err(unknown_member(id)),
            None => Ok(()),
        }
    }

    /// Removes the resource `id` of `ty`: a deleted group leaves its members' `groups` (their
    /// entity tags change through the digest), a deleted member leaves every group (whose
    /// versions change).
    pub(super) fn remove(&mut self, ty: &ResourceType, id: &str) -> Option<Entry> {
        let coll = self.collection(ty);
        let entry = coll.by_id.remove(id)?;
        coll.order.remove(&entry.seq);
        coll.unindex(id, &entry.resource);
        for m in member_ids(&entry.resource) {
            self.unlink(&m, id);
        }
        if let Some(groups) = self.groups_of.remove(id) {
            let seq = self.next_seq();
            for coll in self.collections.values_mut() {
                for gid in &groups {
                    if let Some(g) = coll.by_id.get_mut(gid) {
                        remove_member(g, id);
                        touch(&mut g.resource, seq);
                    }
                }
            }
        }
        Some(entry)
    }

    /// Gives the resource `id` (of any type) a new version, because something derived from
    /// other resources (its `groups`) changed.
    pub(super) fn touch_entity(&mut self, id: &str, seq: u64) {
        for coll in self.collections.values_mut() {
            if let Some(e) = coll.by_id.get_mut(id) {
                touch(&mut e.resource, seq);
                return;
            }
        }
    }

    pub(super) fn unlink(&mut self, member: &str, group: &str) {
        if let Some(set) = self.groups_of.get_mut(member) {
            set.remove(group);
            if set.is_empty() {
                self.groups_of.remove(member);
            }
        }
    }

    /// The stored resource `id` with its derived attributes.
    pub(super) fn read(&self, ty: &ResourceType, id: &str) -> Option<Resource> {
        self.read_for(ty, id, true)
    }

    /// Like [`TenantData::read`]; without `members`, a group's members are left as stored
    /// (the response will not show them: see `RequestContext::wants_members`).
    pub(super) fn read_for(&self, ty: &ResourceType, id: &str, members: bool) -> Option<Resource> {
        let e = self.collections.get(&ty.name)?.by_id.get(id)?;
        Some(self.with_derived_for(ty, e, members))
    }

    /// A copy of an entry (copy-on-write: cheap unless something is derived) with
    /// `User.groups` from the membership index and the manager's `displayName`.
    pub(super) fn with_derived(&self, ty: &ResourceType, e: &Entry) -> Resource {
        self.with_derived_for(ty, e, true)
    }

    /// [`TenantData::with_derived`], deriving group members' `type` and `display` only when
    /// `members` says they are shown.
    fn with_derived_for(&self, ty: &ResourceType, e: &Entry, members: bool) -> Resource {
        let mut r = e.resource.clone();
        if ty.schema.attribute("groups").is_some()
            && let Some(id) = e.resource.id()
            && let Some(gids) = self.groups_of.get(id)
        {
            let groups: Vec<Value> = gids
                .iter()
                .filter_map(|gid| {
                    let g = self.find(gid)?;
                    let mut m = Map::new();
                    m.insert("value".into(), Value::String(gid.clone()));
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
        if members && let Some(stored) = e.members.as_ref().and(e.resource.get("members")) {
            r.insert("members", self.derive_members(stored));
        }
        self.derive_manager(ty, &mut r);
        r
    }

    /// A group's `members` as read: each `value` with the `type` and `display` of the resource
    /// it names, derived here, never as a client asserted them (RFC 7643 §4.2).
    fn derive_members(&self, stored: &Value) -> Value {
        let items = stored.as_array().map_or(&[][..], Vec::as_slice);
        let derived = items
            .iter()
            .filter_map(|m| m.get("value")?.as_str())
            .map(|id| {
                let mut m = Map::new();
                m.insert("value".into(), Value::String(id.to_owned()));
                if let Some((type_name, e)) = self.find_typed(id) {
                    m.insert("type".into(), Value::String(type_name.to_owned()));
                    if let Some(d) = member_display(&e.resource) {
                        m.insert("display".into(), d.clone());
                    }
                }
                Value::Object(m)
            })
            .collect();
        Value::Array(derived)
    }

    /// The enterprise `manager` (RFC 7643 §4.3) is stored as `{"value": id}`; on read it gets
    /// the manager's readOnly `displayName` when the manager is a stored resource. (Entra ID
    /// re-sends the manager on every cycle when a GET does not show it complete.)
    fn derive_manager(&self, ty: &ResourceType, r: &mut Resource) {
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
        let name = manager
            .get("value")
            .and_then(Value::as_str)
            .and_then(|id| self.find(id))
            .and_then(|m| m.resource.get("displayName"))
            .filter(|n| manager.get("displayName") != Some(*n))
            .cloned();
        let Some(name) = name else {
            return;
        };
        if let Some(Value::Object(manager)) = r
            .get_mut(urn)
            .and_then(|e| e.as_object_mut())
            .and_then(|e| e.get_mut("manager"))
        {
            manager.insert("displayName".into(), name);
        }
    }

    /// The entry `id` of any resource type.
    fn find(&self, id: &str) -> Option<&Entry> {
        self.find_typed(id).map(|(_, e)| e)
    }

    /// The entry `id` of any resource type, with the type's name.
    fn find_typed(&self, id: &str) -> Option<(&str, &Entry)> {
        self.collections
            .values()
            .find_map(|c| Some((c.type_name.as_str(), c.by_id.get(id)?)))
    }
}

/// Reduces stored members to their `value`: `type`, `display` and `$ref` are derived on read.
fn bare_members(r: &mut Resource) {
    let Some(Value::Array(items)) = r.get_mut("members") else {
        return;
    };
    for item in items.iter_mut() {
        if let Value::Object(m) = item
            && m.len() > 1
        {
            m.retain(|k, _| k == "value");
        }
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

/// The `value`s of a resource's `members`.
pub(super) fn member_ids(r: &Resource) -> Vec<String> {
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
