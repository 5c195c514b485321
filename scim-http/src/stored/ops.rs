//! The store operations both SQL stores run, written once over an [`Engine`] inside one
//! transaction the caller opened (and commits on `Ok`): what is checked, written and read,
//! and in which order. See the store contract (`crate::store`) for what each guarantees.

use std::collections::HashSet;

use scim_core::{Resource, ResourceType};
use scim_patch::{MemberChange, Patch};
use serde_json::{Map, Value};

use super::engine::{Engine, Reader};
use super::row::{
    Member, Stored, has_groups, has_members, keep_secret, members_from, now, renames, split, tag,
    unknown_member,
};
use crate::context::RequestContext;
use crate::precondition::Precondition;
use crate::store::{PatchResult, Replacement, StoreError};

/// [`ResourceStore::create`](crate::ResourceStore::create).
pub(crate) async fn create(
    e: &mut dyn Engine,
    ctx: &RequestContext,
    mut resource: Resource,
) -> Result<Resource, StoreError> {
    let (ty, tenant) = (ctx.resource_type(), ctx.tenant());
    let members = split(ty, &mut resource)?;
    let id = uuid::Uuid::new_v4().to_string();
    e.check_unique(tenant, ty, &resource, None).await?;
    e.insert(tenant, ty, &id, &resource, &now()).await?;
    add_members(e, tenant, &id, members).await?;
    reread(e, tenant, ty, &id, true).await
}

/// [`ResourceStore::get`](crate::ResourceStore::get).
pub(crate) async fn get(
    e: &mut dyn Reader,
    ctx: &RequestContext,
    id: &str,
) -> Result<Option<Resource>, StoreError> {
    let (ty, tenant) = (ctx.resource_type(), ctx.tenant());
    let Some(stored) = e.load(tenant, ty, id, false).await? else {
        return Ok(None);
    };
    render(e, tenant, ty, stored, ctx.wants_members())
        .await
        .map(Some)
}

/// [`ResourceStore::replace`](crate::ResourceStore::replace): compare and swap on the
/// version, the secret kept or set as the replacement says, a group's members changed by
/// the replacement's diff (or by diffing the rows when it has none), and the groups listing
/// a renamed resource given a new version.
pub(crate) async fn replace(
    e: &mut dyn Engine,
    ctx: &RequestContext,
    id: &str,
    replacement: Replacement,
    expected: Precondition<'_>,
) -> Result<Resource, StoreError> {
    let (ty, tenant) = (ctx.resource_type(), ctx.tenant());
    let Replacement {
        mut resource,
        password,
        members: diff,
    } = replacement;
    let members = split(ty, &mut resource)?;
    let now = now();
    let old = current(e, tenant, ty, id, expected).await?;
    keep_secret(&mut resource, password, &old.data);
    e.check_unique(tenant, ty, &resource, Some(id)).await?;
    e.update(tenant, ty, id, &resource, old.version, &now)
        .await?;
    if has_members(ty) {
        match diff {
            Some(diff) => {
                remove_members(e, tenant, id, &diff.removed).await?;
                add_members(e, tenant, id, members_from(&diff.added)?).await?;
            }
            None => {
                set_members(e, tenant, id, members).await?;
            }
        }
    }
    if renames(&old.data, &resource) {
        bump_groups_of(e, tenant, id, &now).await?;
    }
    reread(e, tenant, ty, id, true).await
}

/// [`ResourceStore::delete`](crate::ResourceStore::delete): the row, then its memberships
/// both ways; the groups that listed it get a new version (their member sets changed), its
/// members' rows are not written (the entity tag covers their `groups`).
pub(crate) async fn delete(
    e: &mut dyn Engine,
    ctx: &RequestContext,
    id: &str,
    expected: Precondition<'_>,
) -> Result<(), StoreError> {
    let (ty, tenant) = (ctx.resource_type(), ctx.tenant());
    let old = current(e, tenant, ty, id, expected).await?;
    if !e.delete(tenant, ty, id, old.version).await? {
        return Err(StoreError::VersionMismatch);
    }
    let groups = e.groups_of(tenant, id).await?;
    e.delete_memberships(tenant, id).await?;
    let now = now();
    for g in groups.iter().collect::<std::collections::BTreeSet<_>>() {
        e.bump(tenant, g, &now).await?;
    }
    Ok(())
}

/// [`ResourceStore::patch`](crate::ResourceStore::patch). For groups, membership operations
/// the patch can express without the current members ([`Patch::member_plan`]) become row
/// inserts and deletes, and the rest of the patch is applied to the group loaded without its
/// members; any other patch is applied to the whole resource, written back with compare and
/// swap. A failed patch writes nothing (the caller's transaction is dropped).
pub(crate) async fn patch(
    e: &mut dyn Engine,
    ctx: &RequestContext,
    id: &str,
    patch: &Patch<'_>,
    expected: Precondition<'_>,
) -> Result<PatchResult, StoreError> {
    let (ty, tenant) = (ctx.resource_type(), ctx.tenant());
    let now = now();
    let old = current(e, tenant, ty, id, expected).await?;
    let plan = if has_members(ty) {
        patch.member_plan("members")
    } else {
        None
    };
    let (changed, new_data) = match plan {
        Some(plan) => {
            let (changes, rest) = plan.into_parts();
            let (mut new, outcome) = rest.apply_to_copy(&old.base(ty))?;
            let mut members_changed = false;
            for change in changes {
                let n = match change {
                    MemberChange::Add(values) => add_members(e, tenant, id, members_from(&values)?)
                        .await?
                        .len(),
                    MemberChange::Remove(ids) => remove_members(e, tenant, id, &ids).await?.len(),
                    MemberChange::Clear => {
                        let all = e.member_ids(tenant, id).await?;
                        remove_members(e, tenant, id, &all).await?.len()
                    }
                    MemberChange::Set(values) => {
                        let (a, r) = set_members(e, tenant, id, members_from(&values)?).await?;
                        a.len() + r.len()
                    }
                    _ => {
                        return Err(StoreError::Backend("unsupported membership change".into()));
                    }
                };
                members_changed |= n > 0;
            }
            let data = if outcome.changed() {
                split(ty, &mut new)?;
                Some(new)
            } else {
                None
            };
            (outcome.changed() || members_changed, data)
        }
        None => {
            let mut full = old.base(ty);
            if has_members(ty) {
                // The whole group, members included, as the patch sees it.
                let rendered = render(e, tenant, ty, old.clone(), true).await?;
                if let Some(m) = rendered.get("members") {
                    full.insert("members", m.clone());
                }
            }
            let (mut new, outcome) = patch.apply_to_copy(&full)?;
            if !outcome.changed() {
                (false, None)
            } else {
                let members = split(ty, &mut new)?;
                if has_members(ty) {
                    set_members(e, tenant, id, members).await?;
                }
                (true, Some(new))
            }
        }
    };
    if !changed {
        let resource = render(e, tenant, ty, old, ctx.wants_members()).await?;
        return Ok(PatchResult {
            resource,
            changed: false,
        });
    }
    let renamed = match &new_data {
        Some(new) => {
            e.check_unique(tenant, ty, new, Some(id)).await?;
            e.update(tenant, ty, id, new, old.version, &now).await?;
            renames(&old.data, new)
        }
        None => {
            // Only the members changed: the group's row takes the new version.
            let unchanged = Resource::from_map(old.data.clone());
            e.update(tenant, ty, id, &unchanged, old.version, &now)
                .await?;
            false
        }
    };
    if renamed {
        bump_groups_of(e, tenant, id, &now).await?;
    }
    let resource = reread(e, tenant, ty, id, ctx.wants_members()).await?;
    Ok(PatchResult {
        resource,
        changed: true,
    })
}

/// The resource as the store returns it: [`Stored::base`] plus (unless `members` is false:
/// the response will not show them) group `members` with their derived `type` and
/// `display`, `User.groups` (`value`, `display`, `type: "direct"`, RFC 7643 §4.1.2) and the
/// enterprise `manager.displayName` (RFC 7643 §4.3), derived from the other rows.
pub(crate) async fn render(
    e: &mut dyn Reader,
    tenant: &str,
    ty: &ResourceType,
    mut stored: Stored,
    members: bool,
) -> Result<Resource, StoreError> {
    let derived = stored.derived.take();
    let id = stored.id.clone();
    let mut r = stored.into_base(ty);
    if members && has_members(ty) {
        let rows = e.member_rows(tenant, &id).await?;
        let items: Vec<Value> = rows
            .into_iter()
            .map(|row| {
                let mut m = Map::new();
                m.insert("value".into(), Value::String(row.id));
                if let Some(d) = row.display {
                    m.insert("display".into(), Value::String(d));
                }
                if let Some(t) = row.member_type {
                    m.insert("type".into(), Value::String(t));
                }
                Value::Object(m)
            })
            .collect();
        if !items.is_empty() {
            r.insert("members", Value::Array(items));
        }
    }
    if has_groups(ty) {
        let rows = match &derived {
            Some(d) => d.groups.clone(),
            None => e.group_rows(tenant, &id).await?,
        };
        let groups: Vec<Value> = rows
            .into_iter()
            .map(|(id, display)| {
                let mut m = Map::new();
                m.insert("value".into(), Value::String(id));
                if let Some(d) = display {
                    m.insert("display".into(), Value::String(d));
                }
                m.insert("type".into(), Value::String("direct".into()));
                Value::Object(m)
            })
            .collect();
        if !groups.is_empty() {
            r.insert("groups", Value::Array(groups));
        }
    }
    let manager = derived.map(|d| d.manager);
    derive_manager(e, tenant, ty, &mut r, manager).await?;
    Ok(r)
}

/// The enterprise `manager` is stored as sent; on read it gets the manager's `displayName`
/// when the manager is a stored resource (Entra ID re-sends a manager a GET shows incomplete):
/// `known` when the row was read with it, else looked up.
async fn derive_manager(
    e: &mut dyn Reader,
    tenant: &str,
    ty: &ResourceType,
    r: &mut Resource,
    known: Option<Option<String>>,
) -> Result<(), StoreError> {
    let urn = scim_core::urn::ENTERPRISE_USER;
    if ty.extension(urn).is_none() {
        return Ok(());
    }
    let Some(manager_id) = r
        .extension(urn)
        .and_then(|x| x.get("manager"))
        .and_then(|m| m.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Ok(());
    };
    let name = match known {
        Some(name) => name,
        None => e.display_name(tenant, &manager_id).await?,
    };
    if let Some(name) = name
        && let Some(Value::Object(manager)) = r
            .get_mut(urn)
            .and_then(Value::as_object_mut)
            .and_then(|x| x.get_mut("manager"))
    {
        manager.insert("displayName".into(), Value::String(name));
    }
    Ok(())
}

/// Reads (and locks) the row `id` and checks the precondition: 404 or 412 otherwise.
async fn current(
    e: &mut dyn Engine,
    tenant: &str,
    ty: &ResourceType,
    id: &str,
    expected: Precondition<'_>,
) -> Result<Stored, StoreError> {
    let stored = e
        .load(tenant, ty, id, true)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
    if !expected.matches(Some(&tag(stored.version))) {
        return Err(StoreError::VersionMismatch);
    }
    Ok(stored)
}

/// Reads back the resource `id` after a write, with its derived attributes.
async fn reread(
    e: &mut dyn Engine,
    tenant: &str,
    ty: &ResourceType,
    id: &str,
    members: bool,
) -> Result<Resource, StoreError> {
    let stored = e
        .load(tenant, ty, id, false)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
    render(e, tenant, ty, stored, members).await
}

/// Inserts membership rows (members already present are skipped: RFC 7644 §3.5.2.1);
/// returns the ids added. Every member must name a resource of the tenant (400
/// `invalidValue` naming the first that does not); its type is recorded from that resource,
/// whatever the client said.
async fn add_members(
    e: &mut dyn Engine,
    tenant: &str,
    group: &str,
    members: Vec<Member>,
) -> Result<Vec<String>, StoreError> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let types = e.types_of(tenant, &ids).await?;
    let mut added = Vec::new();
    for m in &members {
        let member_type = types.get(&m.id).ok_or_else(|| unknown_member(&m.id))?;
        if e.insert_member(tenant, group, &m.id, member_type).await? {
            added.push(m.id.clone());
        }
    }
    Ok(added)
}

/// Deletes membership rows; returns the ids removed.
async fn remove_members(
    e: &mut dyn Engine,
    tenant: &str,
    group: &str,
    ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut removed = Vec::new();
    for id in ids {
        if e.delete_member(tenant, group, id).await? {
            removed.push(id.clone());
        }
    }
    Ok(removed)
}

/// Makes a group's members exactly `members` (PUT without a diff, or a PATCH `replace` of
/// `members`): removed rows deleted, new ones inserted. Returns the ids added and removed.
async fn set_members(
    e: &mut dyn Engine,
    tenant: &str,
    group: &str,
    members: Vec<Member>,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let old = e.member_ids(tenant, group).await?;
    let new_ids: HashSet<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let gone: Vec<String> = old
        .iter()
        .filter(|id| !new_ids.contains(id.as_str()))
        .cloned()
        .collect();
    let old: HashSet<String> = old.into_iter().collect();
    let fresh = members
        .into_iter()
        .filter(|m| !old.contains(&m.id))
        .collect();
    let removed = remove_members(e, tenant, group, &gone).await?;
    let added = add_members(e, tenant, group, fresh).await?;
    Ok((added, removed))
}

/// A resource's name as its groups show it changed: each group listing it gets a new
/// version (see `precondition` for what a version covers).
async fn bump_groups_of(
    e: &mut dyn Engine,
    tenant: &str,
    id: &str,
    now: &str,
) -> Result<(), StoreError> {
    let groups = e.groups_of(tenant, id).await?;
    for g in groups.iter().collect::<std::collections::BTreeSet<_>>() {
        e.bump(tenant, g, now).await?;
    }
    Ok(())
}
