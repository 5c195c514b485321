//! The storage trait a host application implements over its own database (RFC 7644 §3).
//!
//! One [`ResourceStore`] serves every resource type the server registers; each call receives a
//! [`RequestContext`] that names the resource type and carries what the authenticator attached
//! (a tenant, a principal). The server does everything protocol-shaped — parsing, validation,
//! PATCH semantics, projection, ETags, errors — and hands the store canonical resources and
//! resolved queries.
//!
//! # What a store must guarantee
//!
//! - **Identity and metadata.** `create` assigns `id` (unique and stable, never reused) and sets
//!   `meta.resourceType`, `meta.created`, `meta.lastModified` and `meta.version`. Every change
//!   (`replace`, `patch`) sets a new `meta.version` and `meta.lastModified`; a PATCH that changes
//!   nothing keeps both.
//! - **Data, not representation.** A store returns what it holds; the server renders it.
//!   References carry ids only: `groups[].value`, `members[].value` (with `members[].type`
//!   when the store knows it), the enterprise `manager.value`. The server writes every `$ref`
//!   and `meta.location` from its own base URL, applies `attributes` / `excludedAttributes`
//!   and `returned`, and sets the `ETag` from `meta.version`; a `$ref` or `meta.location` a
//!   store returns is ignored.
//! - **Uniqueness** (409 `uniqueness` via [`StoreError::Uniqueness`]): `userName` among Users,
//!   compared case-insensitively (RFC 7643 §4.1.1: `caseExact: false`), and `displayName`
//!   among Groups (Microsoft Entra ID requires it), on create, replace and patch.
//! - **Preconditions.** `replace`, `delete` and `patch` with [`Precondition::Version`] fail with
//!   [`StoreError::VersionMismatch`] when the stored version differs: compare and swap. The
//!   server resolves a client's `If-Match` list itself (against the [`entity_tag`]): a store
//!   is handed at most one version of its own, the one the server read (so
//!   `UPDATE … WHERE version = $n` is enough).
//! - **What a version covers.** A resource's own stored attributes and, for a group, its
//!   member set and the names its members show (`members[].display`): renaming a resource
//!   gives the groups listing it a new version (a few rows). It does *not* cover values
//!   derived from other resources that are not written with it: a User's `groups` and the
//!   enterprise `manager.displayName`. So a group rename, or a membership change, writes no
//!   member rows; the server's entity tag adds a digest of those values
//!   (see [`entity_tag`]), so `If-None-Match` and `If-Match` still see every change.
//! - **Members are real** (RFC 7643 §4.2). A member `value` must be the id of a resource of
//!   the same tenant: otherwise 400 `invalidValue` naming the id, and nothing is written
//!   (create, replace, and every PATCH form). A member's `type` and `display` are derived on
//!   read from the resource it names, never stored as a client asserted them.
//! - **Membership deltas.** A PATCH reaches [`ResourceStore::patch`] whole, and
//!   [`scim_patch::Patch::member_plan`] splits it into "add these / remove these / remove all /
//!   set exactly these" ([`scim_patch::MemberChange`]) plus the rest, so a store adds one
//!   member of a 100,000-member group with one row write. A PUT of a group reaches
//!   [`ResourceStore::replace`] with the member diff against the version read
//!   ([`Replacement::members`]).
//! - **Derived attributes.** `User.groups` (readOnly) is derived from group memberships and
//!   returned by `get` and `list`; a deleted user is removed from every group's `members`; a
//!   deleted group disappears from its members' `groups`.
//! - **Atomicity.** A failed call changes nothing.
//! - **Secrets.** `password` (writeOnly) arrives hashed (see
//!   [`PasswordHasher`](crate::PasswordHasher)) on create and patch, and on replace as an
//!   explicit [`SecretChange`]: keep the stored one, set a new one, or remove it. The server
//!   never hands a stored secret back to a store, and never returns one to a client,
//!   whatever the store does.
//! - **Transient conflicts** (a serialization failure, a deadlock) go in
//!   [`StoreError::Retryable`]: the server runs the whole call again, a bounded number of
//!   times, rather than answering 500 on the first try.
//! - **Backend errors** go in [`StoreError::Backend`]: the server logs them and answers 500
//!   with a generic detail, never the backend's message.

use std::collections::HashSet;
use std::error::Error as StdError;
use std::sync::Arc;

use async_trait::async_trait;
use scim_core::message::SortOrder;
use scim_core::{Resource, ResourceType, ScimError};
use scim_filter::{AttrPath, Filter};
use serde_json::Value;

use crate::context::RequestContext;
use crate::precondition::{Precondition, entity_tag};

/// What a host application implements over its own storage. Dyn-compatible: the server holds
/// an `Arc<dyn ResourceStore>`.
///
/// Only the five CRUD methods are required. [`ResourceStore::patch`] has a default
/// implementation (get → apply with `scim-patch` → replace if the version is unchanged,
/// retried a bounded number of times) that a store can override to apply membership changes
/// without rewriting a whole group.
#[async_trait]
pub trait ResourceStore: Send + Sync + 'static {
    /// Stores a new resource of type `ctx.resource_type()`. `resource` is validated and
    /// canonical, without `id` or `meta`; the store assigns both (see the module docs) and
    /// returns the stored resource.
    async fn create(
        &self,
        ctx: &RequestContext,
        resource: Resource,
    ) -> Result<Resource, StoreError>;

    /// The resource with this id, or `Ok(None)` (→ 404).
    async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Option<Resource>, StoreError>;

    /// One page of the resources matching `query` (filter, sort, paging), and the total count.
    async fn list(&self, ctx: &RequestContext, query: &ListQuery) -> Result<Page, StoreError>;

    /// Replaces the resource `id` with `replacement.resource` (validated and canonical,
    /// readOnly attributes carried over from the stored one), if `expected` holds, keeping or
    /// setting the stored secret as [`Replacement::password`] says and (for groups) applying
    /// [`Replacement::members`]. Returns the stored resource with its new version.
    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        replacement: Replacement,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError>;

    /// Deletes the resource `id`, if `expected` holds.
    async fn delete(
        &self,
        ctx: &RequestContext,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<(), StoreError>;

    /// Applies a PATCH to the resource `id`, if `expected` holds, and returns the result.
    ///
    /// The default implementation is [`read_check_write`] with `patch` applied to a copy of
    /// what it read (the same cycle the server uses for PUT). A store overrides it to apply
    /// membership changes without rewriting a large group.
    async fn patch(
        &self,
        ctx: &RequestContext,
        id: &str,
        patch: &scim_patch::Patch<'_>,
        expected: Precondition<'_>,
    ) -> Result<PatchResult, StoreError> {
        read_check_write(self, ctx, id, expected, |current| {
            let (patched, outcome) = patch.apply_to_copy(current)?;
            Ok(outcome.changed().then_some(patched))
        })
        .await
    }
}

/// The read-check-write cycle of PUT and of the default PATCH: reads the resource `id`,
/// checks `expected` (the client's `If-Match`) against its [`entity_tag`], computes the new
/// resource with `change` (`None`: nothing changes, nothing is written, the version stays),
/// and writes it back with [`ResourceStore::replace`] guarded by the version it read (compare
/// and swap), as a [`Replacement::between`] the two: the secret kept unless a new one was
/// sent, and a group's member diff.
///
/// When a concurrent writer got in between and the client sent no `If-Match`, the cycle runs
/// again, up to [`PATCH_RETRIES`] times; with an `If-Match`, the mismatch is a 412.
pub async fn read_check_write<S, F>(
    store: &S,
    ctx: &RequestContext,
    id: &str,
    expected: Precondition<'_>,
    mut change: F,
) -> Result<PatchResult, StoreError>
where
    S: ResourceStore + ?Sized,
    F: FnMut(&Resource) -> Result<Option<Resource>, StoreError> + Send,
{
    // The cycle needs the whole resource, members included.
    let full = ctx.clone().with_members(true);
    let ctx = &full;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let current = store
            .get(ctx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if !expected.matches(entity_tag(&current).as_deref()) {
            return Err(StoreError::VersionMismatch);
        }
        let Some(new) = change(&current)? else {
            return Ok(PatchResult {
                resource: current,
                changed: false,
            });
        };
        let read = match current.version() {
            Some(v) => Precondition::Version(v),
            None => Precondition::Any,
        };
        let replacement = Replacement::between(ctx.resource_type(), &current, new);
        match store.replace(ctx, id, replacement, read).await {
            Ok(resource) => {
                return Ok(PatchResult {
                    resource,
                    changed: true,
                });
            }
            Err(StoreError::VersionMismatch)
                if expected == Precondition::Any && attempts < PATCH_RETRIES => {}
            Err(e) => return Err(e),
        }
    }
}

/// How many times [`read_check_write`] re-reads and re-applies when a concurrent writer
/// changed the resource between its read and its write.
pub const PATCH_RETRIES: usize = 5;

#[async_trait]
impl<T: ResourceStore + ?Sized> ResourceStore for Arc<T> {
    async fn create(
        &self,
        ctx: &RequestContext,
        resource: Resource,
    ) -> Result<Resource, StoreError> {
        (**self).create(ctx, resource).await
    }
    async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Option<Resource>, StoreError> {
        (**self).get(ctx, id).await
    }
    async fn list(&self, ctx: &RequestContext, query: &ListQuery) -> Result<Page, StoreError> {
        (**self).list(ctx, query).await
    }
    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        replacement: Replacement,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        (**self).replace(ctx, id, replacement, expected).await
    }
    async fn delete(
        &self,
        ctx: &RequestContext,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<(), StoreError> {
        (**self).delete(ctx, id, expected).await
    }
    async fn patch(
        &self,
        ctx: &RequestContext,
        id: &str,
        patch: &scim_patch::Patch<'_>,
        expected: Precondition<'_>,
    ) -> Result<PatchResult, StoreError> {
        (**self).patch(ctx, id, patch, expected).await
    }
}

/// The result of [`ResourceStore::patch`].
#[derive(Debug, Clone, PartialEq)]
pub struct PatchResult {
    /// The resource after the patch (the stored one, with its version).
    pub resource: Resource,
    /// Whether anything changed (when not, the version is unchanged).
    pub changed: bool,
}

/// What [`ResourceStore::replace`] writes: the new resource, and explicitly what happens to
/// the stored secret and (for groups) to the membership rows.
///
/// The server builds it with [`Replacement::between`] from the resource it read and the one
/// it computed, so a store never needs a stored secret handed back, and never rewrites a large
/// group to change a few members. A host calling `replace` itself can convert a bare
/// [`Resource`] (`Replacement::from`): its `password`, if any, is set; otherwise the stored
/// one is kept; the store works out the member diff itself.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Replacement {
    /// The whole new resource, validated and canonical, without `password` (see
    /// [`Replacement::password`]). For groups it lists every member (their `value`s).
    pub resource: Resource,
    /// What to do with the stored `password` (RFC 7643 §4.1.1, writeOnly).
    pub password: SecretChange,
    /// For groups: the members added and removed relative to the version the server read
    /// (the one [`ResourceStore::replace`] is guarded with), so a store can write just those
    /// rows. `None`: the store diffs `resource`'s `members` against what it holds.
    pub members: Option<MemberDiff>,
}

/// What a write does to a stored secret (`password`). The server never hands a store a
/// stored secret back: a PUT or PATCH that does not send one says [`SecretChange::Keep`].
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SecretChange {
    /// Keep whatever is stored (or nothing, when nothing is).
    #[default]
    Keep,
    /// Store this value: already hashed by the server's [`PasswordHasher`](crate::PasswordHasher).
    Set(String),
    /// Remove the stored secret (a PATCH `remove` of `password`).
    Remove,
}

impl std::fmt::Debug for SecretChange {
    /// Never prints the (hashed) secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretChange::Keep => "Keep",
            SecretChange::Set(_) => "Set(..)",
            SecretChange::Remove => "Remove",
        })
    }
}

/// The membership change of a group replacement (RFC 7644 §3.5.1 on a Group): members to
/// add (each `{"value": id, …}` as sent) and ids to remove.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct MemberDiff {
    /// The members not in the version read, as the new resource lists them.
    pub added: Vec<Value>,
    /// The ids of members the new resource no longer lists.
    pub removed: Vec<String>,
}

impl MemberDiff {
    /// Members to add (`{"value": id, …}`) and ids to remove.
    pub fn new(added: Vec<Value>, removed: Vec<String>) -> Self {
        MemberDiff { added, removed }
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

impl Replacement {
    /// A replacement by `resource` that keeps the stored secret and lets the store diff the
    /// members (`resource` must not carry `password`: see [`Replacement::with_password`]).
    pub fn new(resource: Resource) -> Self {
        Replacement {
            resource,
            password: SecretChange::Keep,
            members: None,
        }
    }

    /// Sets what happens to the stored secret.
    #[must_use]
    pub fn with_password(mut self, change: SecretChange) -> Self {
        self.password = change;
        self
    }

    /// Sets the group member diff (relative to the version the call is guarded with).
    #[must_use]
    pub fn with_members(mut self, diff: MemberDiff) -> Self {
        self.members = Some(diff);
        self
    }

    /// The replacement of `current` (as the store returned it) by `new` (as the server
    /// computed it): `password` taken out of `new` and compared with `current`'s (equal or
    /// absent from both: [`SecretChange::Keep`]; different: [`SecretChange::Set`]; only in
    /// `current`: [`SecretChange::Remove`]), and for a type with `members`, the diff of the
    /// member ids.
    pub fn between(ty: &ResourceType, current: &Resource, mut new: Resource) -> Self {
        let password = match (new.remove("password"), current.get("password")) {
            (Some(Value::String(p)), stored) if stored != Some(&Value::String(p.clone())) => {
                SecretChange::Set(p)
            }
            (None, Some(_)) => SecretChange::Remove,
            _ => SecretChange::Keep,
        };
        let members = has_members(ty).then(|| member_diff(current, &new));
        Replacement {
            resource: new,
            password,
            members,
        }
    }
}

impl From<Resource> for Replacement {
    /// `password` in the resource is set; without one the stored secret is kept; the store
    /// diffs the members itself.
    fn from(mut resource: Resource) -> Self {
        let password = match resource.remove("password") {
            Some(Value::String(p)) => SecretChange::Set(p),
            _ => SecretChange::Keep,
        };
        Replacement {
            resource,
            password,
            members: None,
        }
    }
}

/// Whether resources of `ty` have group-like `members` (RFC 7643 §4.2).
pub(crate) fn has_members(ty: &ResourceType) -> bool {
    ty.schema
        .attribute("members")
        .is_some_and(|a| a.multi_valued && a.is_complex())
}

/// The attributes a store keeps unique among the resources of `ty` in a tenant: schema
/// `uniqueness` other than `none` (RFC 7643 §2.4; e.g. `userName`), plus a group's
/// `displayName` (Microsoft Entra ID requires unique group names). Single-valued simple
/// attributes only.
pub(crate) fn unique_attributes(
    ty: &ResourceType,
) -> impl Iterator<Item = &scim_core::schema::Attribute> {
    let groups = has_members(ty);
    ty.schema.attributes.iter().filter(move |attr| {
        let unique = attr.uniqueness != scim_core::Uniqueness::None
            || (groups && attr.name == "displayName");
        unique && !attr.multi_valued && !attr.is_complex()
    })
}

/// The `value`s of a resource's `members`, in order.
pub(crate) fn member_ids(r: &Resource) -> impl Iterator<Item = &str> {
    r.get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("value")?.as_str())
}

/// The 400 for a member naming no resource of the tenant (RFC 7643 §4.2: a member is a
/// User or Group of the service provider).
pub(crate) fn unknown_member(id: &str) -> StoreError {
    ScimError::invalid_value(format!(
        "members: {id:?} is not the id of a User or Group of this tenant"
    ))
    .into()
}

/// What a group shows as the `display` of a member (RFC 7643 §4.2): the member's
/// `displayName`, or a User's `userName` when it has none (the SQL stores say the same in
/// SQL: `coalesce(displayName, userName)`).
#[cfg(feature = "memory")]
pub(crate) fn member_display(r: &Resource) -> Option<&Value> {
    r.get("displayName").or_else(|| r.get("userName"))
}

fn member_diff(current: &Resource, new: &Resource) -> MemberDiff {
    let old: HashSet<&str> = member_ids(current).collect();
    let kept: HashSet<&str> = member_ids(new).collect();
    let mut seen = HashSet::new();
    let added = new
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| {
            m.get("value")
                .and_then(Value::as_str)
                .is_some_and(|id| !old.contains(id) && seen.insert(id))
        })
        .cloned()
        .collect();
    let removed = member_ids(current)
        .filter(|id| !kept.contains(id))
        .map(str::to_owned)
        .collect();
    MemberDiff { added, removed }
}

/// A list query, resolved against the resource type (RFC 7644 §3.4.2).
///
/// A page is selected either by index (`start_index` and `count`, RFC 7644 §3.4.2.4) or, when
/// `cursor` is set, by cursor (RFC 9865 §2): then `start_index` is 1 and unused.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListQuery {
    /// The filter, with canonical attribute names (see `scim_filter::Filter::resolve`):
    /// every attribute it names exists in the resource type.
    pub filter: Option<Filter>,
    /// The sort key and order (RFC 7644 §3.4.2.3), with a canonical path.
    pub sort: Option<SortSpec>,
    /// The 1-based index of the first result (≥ 1; RFC 7644 §3.4.2.4).
    pub start_index: u64,
    /// The page size, already clamped to the server's `maxResults`. `Some(0)` asks only for
    /// `totalResults`.
    pub count: Option<u64>,
    /// Cursor paging (RFC 9865): which page, relative to a [`Position`] the store returned
    /// earlier for the same query. `None`: index paging. See [`Cursor`] for what a store
    /// must answer.
    pub cursor: Option<Cursor>,
}

impl ListQuery {
    /// A query for everything, first page, default page size.
    pub fn all() -> Self {
        ListQuery {
            filter: None,
            sort: None,
            start_index: 1,
            count: None,
            cursor: None,
        }
    }

    /// Sets the filter.
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sets the paging window.
    #[must_use]
    pub fn page(mut self, start_index: u64, count: Option<u64>) -> Self {
        self.start_index = start_index.max(1);
        self.count = count;
        self
    }

    /// Sets the sort key.
    #[must_use]
    pub fn sort(mut self, sort: SortSpec) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Pages by cursor (RFC 9865): `start_index` goes back to 1.
    #[must_use]
    pub fn cursor(mut self, cursor: Cursor) -> Self {
        self.start_index = 1;
        self.cursor = Some(cursor);
        self
    }
}

/// A sort key (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortSpec {
    /// The attribute to sort by, canonical.
    pub by: AttrPath,
    /// Ascending (the default) or descending.
    pub order: SortOrder,
}

/// Which page of a cursor-paged query (RFC 9865 §2) a store is asked for. Keyset paging:
/// pages are cut at [`Position`]s in the query's order, not at offsets, so a resource
/// present throughout a walk is neither skipped nor repeated when others are created or
/// deleted between pages.
///
/// The query's order is its sort (RFC 7644 §3.4.2.3, unassigned values last ascending,
/// first descending), then the store's stable order ([`Position::seq`]); without a sort,
/// the stable order alone. Descending is the exact reverse of ascending.
///
/// For a cursor query the store answers with [`Page::cursors`] set (a store that leaves it
/// `None` does not page by cursor: the server answers 501).
///
/// The server decodes the client's opaque token into this and checks that it was issued
/// for the same resource type, filter and sort; a store gets only positions it produced
/// itself, though possibly of resources deleted since.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Cursor {
    /// The first page (an empty `cursor` parameter): the first `count` resources.
    First,
    /// The `count` resources that come after this position (the page following the one
    /// that ended there).
    After(Position),
    /// The `count` resources that come before this position, in the query's order (the page
    /// preceding the one that began there). When fewer than `count` resources precede it,
    /// the store answers [`Cursor::First`] instead, so that a page is never short at the
    /// start.
    Before(Position),
}

/// A resource's place in a query's order (RFC 9865 keyset paging): its sort value, and its
/// place in the store's stable order, which breaks ties and is unique within a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// The resource's value for the query's sort key, as the store compares it (folded,
    /// typed); `None` without a sort, or when the resource has no value.
    pub key: Option<KeyValue>,
    /// The resource's place in the store's stable order: creation order in the shipped
    /// stores. Unique among resources of one type.
    pub seq: u64,
}

/// A sort value in a [`Position`], in the store's own representation (a SQL store returns
/// what its database compares; the in-memory store, a [`SortKey`](crate::SortKey)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum KeyValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Num(f64),
    /// A string (or a value the store compares as its text form).
    Str(String),
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Page {
    /// The number of resources matching the query, across all pages (RFC 9865 §2 keeps
    /// `totalResults` for cursor pages too).
    pub total_results: u64,
    /// The resources of the requested page, in order.
    pub resources: Vec<Resource>,
    /// For a cursor query ([`ListQuery::cursor`]): the positions the neighbouring pages are
    /// cut at. `None` for an index query, or from a store that does not page by cursor.
    pub cursors: Option<PageCursors>,
}

impl Page {
    /// A page of `resources` out of `total_results`.
    pub fn new(total_results: u64, resources: Vec<Resource>) -> Self {
        Page {
            total_results,
            resources,
            cursors: None,
        }
    }

    /// Sets the positions of the neighbouring pages (a cursor query's answer).
    #[must_use]
    pub fn with_cursors(mut self, cursors: PageCursors) -> Self {
        self.cursors = Some(cursors);
        self
    }
}

/// Where the pages around a cursor page are cut (RFC 9865 §2, `previousCursor` and
/// `nextCursor`); the server turns each into an opaque token.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageCursors {
    /// The position of the page's first resource, when resources come before it: the
    /// previous page is [`Cursor::Before`] it. `None` on the first page.
    pub previous: Option<Position>,
    /// The position of the page's last resource, when resources come after it: the next
    /// page is [`Cursor::After`] it. `None` on the last page.
    pub next: Option<Position>,
}

/// A store failure. Each maps to one HTTP status (see the `From` impl into [`ScimError`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No resource with this id (404).
    #[error("no resource with id {0:?}")]
    NotFound(String),
    /// A unique attribute's value is already taken (409 `uniqueness`).
    #[error("{attribute} {value:?} is already in use")]
    Uniqueness {
        /// The attribute, e.g. `userName`.
        attribute: String,
        /// The value in conflict.
        value: String,
    },
    /// The stored version differs from the precondition (412).
    #[error("the resource changed since the version the request names")]
    VersionMismatch,
    /// The query selects more results than the store will process (400 `tooMany`).
    #[error("the query selects too many results; narrow the filter")]
    TooMany,
    /// A SCIM error the store raises itself, returned as is.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// A transient conflict the whole call may be retried after: a serialization failure
    /// or a deadlock in the database. The server retries the call up to
    /// [`TRANSIENT_RETRIES`] times before answering 503; the detail is logged, never sent.
    #[error("transient storage conflict: {0}")]
    Retryable(Box<dyn StdError + Send + Sync>),
    /// Anything else: logged by the server, answered with a generic 500.
    #[error("storage backend error: {0}")]
    Backend(Box<dyn StdError + Send + Sync>),
}

/// How many times the server retries a store call that failed with
/// [`StoreError::Retryable`] (immediately: the conflicting transaction has ended by then).
pub const TRANSIENT_RETRIES: usize = 3;

/// Runs a store call, again when it fails with [`StoreError::Retryable`], at most
/// [`TRANSIENT_RETRIES`] more times.
pub(crate) async fn retrying<T, F, Fut>(mut call: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(StoreError::Retryable(e)) if attempt < TRANSIENT_RETRIES => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "retrying a transient store conflict");
            }
            other => return other,
        }
    }
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(e: impl StdError + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }

    /// The error the client sees; a backend's details are logged here, never sent.
    pub(crate) fn into_scim(self) -> ScimError {
        match &self {
            StoreError::Backend(b) => tracing::error!(error = %b, "SCIM store backend error"),
            StoreError::Retryable(b) => {
                tracing::error!(error = %b, "SCIM store conflict persisted after retries");
            }
            _ => {}
        }
        self.into()
    }
}

impl From<scim_patch::PatchError> for StoreError {
    fn from(e: scim_patch::PatchError) -> Self {
        StoreError::Scim(e.into())
    }
}

impl From<StoreError> for ScimError {
    /// Backend details are not part of the result: log them before converting (the server
    /// does).
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) => ScimError::not_found(format!("no resource with id {id:?}")),
            e @ StoreError::Uniqueness { .. } => ScimError::uniqueness(e.to_string()),
            e @ StoreError::VersionMismatch => ScimError::precondition_failed(e.to_string()),
            e @ StoreError::TooMany => ScimError::too_many(e.to_string()),
            StoreError::Scim(s) => s,
            StoreError::Retryable(_) => ScimError::new(
                http::StatusCode::SERVICE_UNAVAILABLE,
                None,
                "the service provider is busy with conflicting changes; retry the request",
            ),
            StoreError::Backend(_) => ScimError::internal(),
        }
    }
}
