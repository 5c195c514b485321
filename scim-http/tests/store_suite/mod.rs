#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A conformance suite for [`ResourceStore`] implementations: the contract in the module docs
//! of `scim_http::ResourceStore`, checked by calling the trait directly (no HTTP).
//!
//! A backend's test file mounts this module at its crate root and runs every suite test with
//! one line:
//!
//! ```ignore
//! #[macro_use]
//! mod store_suite;
//!
//! use std::sync::Arc;
//! use scim_http::{InMemoryStore, ResourceStore};
//!
//! fn memory_backend() -> impl store_suite::Backend {
//!     || async { Arc::new(InMemoryStore::new()) as Arc<dyn ResourceStore> }
//! }
//!
//! store_suite!(memory_backend());
//! ```
//!
//! Every test works in tenants of its own (a [`Tenant`] named with a fresh UUID), so a backend
//! may hand every test the same store over one database, and the tests may run concurrently.
//! Inputs are made canonical with `scim_core::validate` exactly as the server does before it
//! calls the store.

pub(crate) mod concurrency;
pub(crate) mod contract;
pub(crate) mod crud;
pub(crate) mod cursors;
pub(crate) mod list;
pub(crate) mod membership;
pub(crate) mod tenants;

use std::future::Future;
use std::sync::Arc;

use scim_core::message::PatchRequest;
use scim_core::validate::{validate_create, validate_replace};
use scim_http::{
    Filter, ListQuery, Page, PatchOptions, PatchResult, Precondition, RequestContext, Resource,
    ResourceStore, ResourceType, StoreError, Tenant, ValidationOptions, scim_core,
};
use serde_json::{Value, json};

/// What a backend's test file provides: a store to run one suite test against.
pub(crate) trait Backend {
    /// A store for one test: a fresh one, or one shared by every test (each test uses tenants
    /// of its own).
    fn store(&self) -> impl Future<Output = Arc<dyn ResourceStore>>;
}

impl<F, Fut> Backend for F
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn ResourceStore>>,
{
    fn store(&self) -> impl Future<Output = Arc<dyn ResourceStore>> {
        self()
    }
}

/// Expands to one `#[tokio::test]` per suite test, each run against `$backend` (an expression
/// of a type that implements [`Backend`], evaluated once per test). The suite module must be
/// mounted at the crate root as `store_suite`.
///
/// `store_suite!(backend(), skip_unless_env = "DATABASE_URL")` makes every test print a notice
/// and pass, without calling the backend, when that environment variable is unset (a backend
/// that needs a database server).
macro_rules! store_suite {
    ($backend:expr, skip_unless_env = $var:literal) => {
        store_suite!(@all $backend; Some($var));
    };
    ($backend:expr) => {
        store_suite!(@all $backend; None::<&str>);
    };
    (@all $backend:expr; $skip:expr) => {
        store_suite!(@tests $backend; $skip;
            crud::create_assigns_id_and_meta,
            crud::changes_move_the_version_and_no_op_patches_keep_it,
            crud::user_name_is_unique_case_insensitively,
            crud::group_display_name_is_unique,
            crud::versions_guard_replace_delete_and_patch,
            crud::unknown_ids_are_not_found,
            crud::stores_return_data_not_links,
            tenants::tenants_share_names_but_nothing_else,
            membership::user_groups_are_derived_from_memberships,
            membership::member_patches_change_groups_and_versions,
            membership::deleting_a_user_removes_it_from_every_group,
            membership::deleting_a_group_removes_it_from_its_members,
            membership::group_renames_show_in_members_groups,
            concurrency::concurrent_creates_of_one_user_name_give_one_winner,
            concurrency::read_check_write_loses_no_update,
            concurrency::concurrent_patches_lose_no_update,
            concurrency::concurrent_member_adds_all_land,
            list::filters_select_exactly_the_matching_resources,
            list::sorting_orders_values_and_puts_missing_last,
            list::paging_is_consistent_and_complete,
            contract::members_must_name_resources_of_the_tenant,
            contract::member_type_and_display_are_derived,
            contract::derived_user_values_are_the_same_on_every_read,
            contract::secrets_are_kept_set_or_removed_explicitly,
            contract::a_member_diff_writes_just_those_members,
            contract::members_may_be_left_out_when_not_shown,
            contract::member_display_filters_read_the_derived_name,
            cursors::walks_forward_and_back_cover_every_resource_once,
            cursors::empty_results_and_count_zero_have_no_cursors,
            cursors::walks_survive_concurrent_creates_and_deletes,
        );
    };
    (@tests $backend:expr; $skip:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                if let Some(var) = $skip
                    && std::env::var_os(var).is_none()
                {
                    eprintln!("{var} is not set: skipping {}", stringify!($name));
                    return;
                }
                $crate::store_suite::$module::$name(&$backend).await;
            }
        )*
    };
}

/// A context for `ty` in `tenant`.
pub(crate) fn ctx(ty: &Arc<ResourceType>, tenant: &str) -> RequestContext {
    RequestContext::new(ty.clone(), Tenant::new(tenant), http::Extensions::new())
}

/// One test's view of a store: a tenant of its own, with contexts for Users and Groups.
#[derive(Clone)]
pub(crate) struct Env {
    pub(crate) store: Arc<dyn ResourceStore>,
    pub(crate) users: RequestContext,
    pub(crate) groups: RequestContext,
}

impl Env {
    /// A fresh tenant on the backend's store.
    pub(crate) async fn new(backend: &impl Backend) -> Env {
        Env::in_tenant(backend.store().await)
    }

    /// Another fresh tenant on the same store.
    pub(crate) fn other_tenant(&self) -> Env {
        Env::in_tenant(self.store.clone())
    }

    fn in_tenant(store: Arc<dyn ResourceStore>) -> Env {
        let tenant = format!("suite-{}", uuid::Uuid::new_v4());
        Env {
            store,
            users: ctx(&Arc::new(ResourceType::user()), &tenant),
            groups: ctx(&Arc::new(ResourceType::group()), &tenant),
        }
    }

    /// Creates a resource from a JSON body, made canonical as the server does.
    pub(crate) async fn create(
        &self,
        ctx: &RequestContext,
        body: Value,
    ) -> Result<Resource, StoreError> {
        let input = validate_create(ctx.resource_type(), body, &ValidationOptions::default())
            .expect("the suite's input is valid");
        self.store.create(ctx, input).await
    }

    /// Creates a user, which must succeed.
    pub(crate) async fn user(&self, body: Value) -> Resource {
        self.create(&self.users, body).await.expect("create user")
    }

    /// Creates a group with these member ids, which must succeed.
    pub(crate) async fn group(&self, name: &str, members: &[&str]) -> Resource {
        self.create(&self.groups, group_body(name, members))
            .await
            .expect("create group")
    }

    /// Reads a resource; the call itself must succeed.
    pub(crate) async fn get(&self, ctx: &RequestContext, id: &str) -> Option<Resource> {
        self.store.get(ctx, id).await.expect("get")
    }

    /// Reads a resource that must exist.
    pub(crate) async fn fetch(&self, ctx: &RequestContext, id: &str) -> Resource {
        self.get(ctx, id)
            .await
            .unwrap_or_else(|| panic!("resource {id} is gone"))
    }

    /// Replaces a resource with a JSON body, made canonical as the server does for PUT
    /// (readOnly attributes carried over from what the store holds).
    pub(crate) async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        body: Value,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        let ty = ctx.resource_type();
        let opts = ValidationOptions::default();
        let input = match self.store.get(ctx, id).await? {
            Some(existing) => validate_replace(ty, body, &existing, &opts),
            None => validate_create(ty, body, &opts),
        }
        .expect("the suite's input is valid");
        self.store.replace(ctx, id, input.into(), expected).await
    }

    /// Applies PATCH operations (the `Operations` array of a PatchOp message).
    pub(crate) async fn patch(
        &self,
        ctx: &RequestContext,
        id: &str,
        operations: Value,
        expected: Precondition<'_>,
    ) -> Result<PatchResult, StoreError> {
        self.patch_with(ctx, id, operations, expected, &PatchOptions::default())
            .await
    }

    /// Applies PATCH operations parsed with these options.
    pub(crate) async fn patch_with(
        &self,
        ctx: &RequestContext,
        id: &str,
        operations: Value,
        expected: Precondition<'_>,
        options: &PatchOptions,
    ) -> Result<PatchResult, StoreError> {
        let request = patch_request(operations);
        let ty = ctx.resource_type();
        let patch = scim_http::scim_patch::Patch::parse(&request, ty, options)
            .expect("the suite's patch is valid");
        self.store.patch(ctx, id, &patch, expected).await
    }

    /// Lists; the call must succeed.
    pub(crate) async fn list(&self, ctx: &RequestContext, query: &ListQuery) -> Page {
        self.store.list(ctx, query).await.expect("list")
    }
}

/// A PatchOp message with these operations.
pub(crate) fn patch_request(operations: Value) -> PatchRequest {
    serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    }))
    .expect("a PatchOp message")
}

/// A filter parsed and resolved against the context's resource type.
pub(crate) fn filter(ctx: &RequestContext, text: &str) -> Filter {
    Filter::parse(text)
        .unwrap_or_else(|e| panic!("filter {text:?}: {e}"))
        .resolve(ctx.resource_type())
        .unwrap_or_else(|e| panic!("filter {text:?}: {e}"))
}

/// A user body with this userName.
pub(crate) fn user_body(user_name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name})
}

/// A group body with these member ids.
pub(crate) fn group_body(name: &str, members: &[&str]) -> Value {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
    });
    if !members.is_empty() {
        body["members"] = members.iter().map(|m| json!({"value": m})).collect();
    }
    body
}

/// A resource's id, which it must have.
pub(crate) fn id(r: &Resource) -> String {
    r.id().expect("a stored resource has an id").to_owned()
}

/// The entity tag the server would send for `r` (its version and the digest of what is
/// derived from other resources).
pub(crate) fn tag(r: &Resource) -> String {
    scim_http::entity_tag(r).expect("a stored resource has meta.version")
}

/// A resource's `meta.version`, which it must have.
pub(crate) fn version(r: &Resource) -> String {
    r.version()
        .expect("a stored resource has meta.version")
        .to_owned()
}

/// The sorted `value`s of a multi-valued complex attribute (`members`, `groups`, `emails`).
pub(crate) fn values(r: &Resource, attr: &str) -> Vec<String> {
    let mut out: Vec<String> = r
        .get(attr)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| i["value"].as_str().expect("a string value").to_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The ids of a page's resources, in order.
pub(crate) fn ids(page: &Page) -> Vec<String> {
    page.resources.iter().map(id).collect()
}

/// Sorted copies of ids, to compare sets.
pub(crate) fn sorted<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.as_ref().to_owned()).collect();
    v.sort();
    v
}

/// Asserts a `Uniqueness` error on `attribute`.
#[track_caller]
pub(crate) fn assert_uniqueness<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    attribute: &str,
) {
    match result {
        Err(StoreError::Uniqueness { attribute: a, .. }) if a.eq_ignore_ascii_case(attribute) => {}
        other => panic!("expected a uniqueness error on {attribute}, got {other:?}"),
    }
}

/// Asserts a `NotFound` error.
#[track_caller]
pub(crate) fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "expected NotFound, got {result:?}"
    );
}

/// Asserts a `VersionMismatch` error.
#[track_caller]
pub(crate) fn assert_version_mismatch<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::VersionMismatch)),
        "expected VersionMismatch, got {result:?}"
    );
}
