#![allow(dead_code)]
//! The tests both SQL stores run against a real database: CRUD, uniqueness under
//! concurrency, compare and swap, memberships and derived attributes, tenants, filters pushed
//! down as SQL, sorting and paging, persistence across reconnecting, and the whole server over
//! the store. Each test is a generic function over a [`Db`] (a fresh database of one
//! backend); `sql_store_tests!(SomeDb)` in `sqlite_store.rs` and `postgres_store.rs` makes
//! them `#[tokio::test]`s. (The store-contract suite every store runs, memory included, is
//! `store_suite/`; these check what is particular to SQL: rows, plans, reconnecting.)

use std::future::Future;
use std::sync::Arc;

use http::Request;
use scim_core::message::{PatchRequest, SortOrder};
use scim_core::{Resource, ResourceType};
use scim_http::{
    AttrPath, BearerTokens, Filter, ListQuery, PatchOptions, Precondition, RequestContext,
    ResourceStore, ScimServer, SortSpec, StoreError, Tenant,
};
use scim_patch::Patch;
use serde_json::{Value, json};

/// A fresh, empty database of one backend, and how to connect to it.
pub(crate) trait Db: Sized + Send + Sync + 'static {
    /// The store type.
    type Store: ResourceStore + Clone;
    /// A fresh database, or `None` (with a notice) when the backend is not available here
    /// (the test then passes without running).
    fn open() -> impl Future<Output = Option<Self>> + Send;
    /// A store (with a pool of its own) over this database; call again to reconnect.
    fn connect(&self) -> impl Future<Output = Self::Store> + Send;
    /// Closes the store's connections.
    fn close(store: &Self::Store) -> impl Future<Output = ()> + Send;
}

/// A store over a fresh database of `$db` and the database (keep it alive), or `return`
/// (skipping the test) when the backend is not available.
macro_rules! fresh {
    ($db:ty) => {
        match <$db as $crate::sql_store::Db>::open().await {
            Some(db) => ($crate::sql_store::Db::connect(&db).await, db),
            None => return,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use fresh;

/// The shared tests, as `#[tokio::test]`s over `$db`.
macro_rules! sql_store_tests {
    ($db:ty) => {
        sql_store_tests!(@tests $db; crud_works, user_name_and_group_name_are_unique_case_insensitively, concurrent_creates_of_one_user_name_give_one_success, writes_compare_and_swap_on_the_version, memberships_are_rows_and_groups_are_derived, five_hundred_concurrent_member_adds_all_land, tenants_are_isolated, filters_run_as_sql, filters_on_groups_and_members, sorting_and_paging_run_in_sql, data_survives_reconnecting, manager_display_name_is_derived, the_server_runs_over_the_store, sorting_by_a_multi_valued_attribute_uses_the_primary_value, patch_replace_of_members_sets_the_rows);
    };
    (@tests $db:ty; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                sql_store::$name::<$db>().await;
            }
        )*
    };
}
#[allow(unused_imports)]
pub(crate) use sql_store_tests;

pub(crate) fn users() -> Arc<ResourceType> {
    Arc::new(ResourceType::user())
}

pub(crate) fn groups() -> Arc<ResourceType> {
    Arc::new(ResourceType::group())
}

pub(crate) fn ctx(ty: &Arc<ResourceType>) -> RequestContext {
    RequestContext::new(ty.clone(), Tenant::default(), http::Extensions::new())
}

pub(crate) fn tenant_ctx(ty: &Arc<ResourceType>, tenant: &str) -> RequestContext {
    RequestContext::new(ty.clone(), Tenant::new(tenant), http::Extensions::new())
}

pub(crate) fn res(v: Value) -> Resource {
    Resource::from_value(v).unwrap()
}

pub(crate) fn user(name: &str) -> Resource {
    res(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}))
}

pub(crate) fn group(name: &str, members: &[&str]) -> Resource {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let mut v =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name});
    if !members.is_empty() {
        v["members"] = Value::Array(members);
    }
    res(v)
}

pub(crate) fn j(r: &Resource) -> Value {
    r.clone().into_value()
}

pub(crate) fn id(r: &Resource) -> String {
    r.id().unwrap().to_owned()
}

pub(crate) fn patch_request(ops: Value) -> PatchRequest {
    serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))
    .unwrap()
}

pub(crate) async fn patch(
    store: &impl ResourceStore,
    ctx: &RequestContext,
    id: &str,
    ops: Value,
) -> Result<scim_http::PatchResult, StoreError> {
    let req = patch_request(ops);
    let ty = ctx.resource_type().clone();
    let p = Patch::parse(&req, &ty, &PatchOptions::default()).unwrap();
    store.patch(ctx, id, &p, Precondition::Any).await
}

pub(crate) fn member_ids(r: &Resource) -> Vec<String> {
    let mut v: Vec<String> = r
        .get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub(crate) fn group_ids(r: &Resource) -> Vec<String> {
    let mut v: Vec<String> = r
        .get("groups")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub(crate) async fn list(
    store: &impl ResourceStore,
    ctx: &RequestContext,
    filter: &str,
) -> Vec<String> {
    let f = Filter::parse(filter)
        .unwrap()
        .resolve(ctx.resource_type())
        .unwrap();
    let page = store.list(ctx, &ListQuery::all().filter(f)).await.unwrap();
    assert_eq!(page.total_results as usize, page.resources.len());
    page.resources
        .iter()
        .map(|r| {
            r.get("userName")
                .or(r.get("displayName"))
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------

pub(crate) async fn crud(store: &impl ResourceStore) {
    let u = users();
    let c = ctx(&u);
    let created = store
        .create(
            &c,
            res(
                json!({"userName": "bjensen", "externalId": "x1", "name": {"givenName": "Barbara"},
                       "emails": [{"value": "b@example.com", "type": "work"}],
                       "meta": {"location": "ignored"}}),
            ),
        )
        .await
        .unwrap();
    let uid = id(&created);
    let meta = created.get("meta").unwrap();
    assert_eq!(meta["resourceType"], "User");
    assert_eq!(meta["version"], "W/\"1\"");
    assert!(meta.get("location").is_none());
    assert_eq!(meta["created"], meta["lastModified"]);
    assert_eq!(created.get("externalId").unwrap(), "x1");

    let got = store.get(&c, &uid).await.unwrap().unwrap();
    assert_eq!(got, created);
    assert!(store.get(&c, "nope").await.unwrap().is_none());

    let replaced = store
        .replace(
            &c,
            &uid,
            res(json!({"userName": "bjensen", "title": "Boss"})).into(),
            Precondition::Any,
        )
        .await
        .unwrap();
    assert_eq!(replaced.get("title").unwrap(), "Boss");
    assert!(replaced.get("externalId").is_none());
    assert_eq!(replaced.version(), Some("W/\"2\""));
    assert_eq!(replaced.get("meta").unwrap()["created"], meta["created"]);

    // A PATCH that changes nothing keeps the version.
    let same = patch(
        store,
        &c,
        &uid,
        json!([{"op": "replace", "path": "title", "value": "Boss"}]),
    )
    .await
    .unwrap();
    assert!(!same.changed);
    assert_eq!(same.resource.version(), Some("W/\"2\""));
    let p = patch(
        store,
        &c,
        &uid,
        json!([{"op": "replace", "path": "title", "value": "CEO"}]),
    )
    .await
    .unwrap();
    assert!(p.changed);
    assert_eq!(p.resource.get("title").unwrap(), "CEO");
    assert_eq!(p.resource.version(), Some("W/\"3\""));

    store.delete(&c, &uid, Precondition::Any).await.unwrap();
    assert!(store.get(&c, &uid).await.unwrap().is_none());
    assert!(matches!(
        store.delete(&c, &uid, Precondition::Any).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .replace(&c, &uid, user("x").into(), Precondition::Any)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

pub(crate) async fn filter_fixture(store: &impl ResourceStore) -> RequestContext {
    let u = users();
    let c = ctx(&u);
    for v in [
        json!({"userName": "bjensen", "externalId": "E1", "displayName": "Babs Jensen", "active": true,
               "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                          {"value": "babs@home.org", "type": "home"}],
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour"}}),
        json!({"userName": "JSmith", "externalId": "e2", "displayName": "John Smith", "active": false,
               "emails": [{"value": "john@EXAMPLE.com", "type": "work"}]}),
        json!({"userName": "alice", "displayName": "Alice", "title": "Engineer"}),
        json!({"userName": "zed", "externalId": "E3", "emails": [{"value": "zed@other.net", "type": "home"}]}),
    ] {
        store.create(&c, res(v)).await.unwrap();
    }
    c
}

pub(crate) async fn call(
    server: &ScimServer,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(format!("/scim/v2{path}"))
        .header("host", "localhost")
        .header("authorization", format!("Bearer {TOKEN}"));
    if body.is_some() {
        b = b.header("content-type", "application/scim+json");
    }
    let body = body
        .map(|v| serde_json::to_vec(&v).unwrap())
        .unwrap_or_default();
    let response = server.handle(b.body(body).unwrap()).await;
    let status = response.status().as_u16();
    let json = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).unwrap()
    };
    (status, json)
}

pub(crate) async fn crud_works<D: Db>() {
    let (store, _db) = fresh!(D);
    crud(&store).await;
    D::close(&store).await;
}

pub(crate) async fn user_name_and_group_name_are_unique_case_insensitively<D: Db>() {
    let (store, _db) = fresh!(D);
    let (u, g) = (users(), groups());
    let (cu, cg) = (ctx(&u), ctx(&g));
    let alice = store.create(&cu, user("Alice")).await.unwrap();
    let bob = store.create(&cu, user("bob")).await.unwrap();
    for name in ["alice", "ALICE"] {
        match store.create(&cu, user(name)).await {
            Err(StoreError::Uniqueness { attribute, value }) => {
                assert_eq!(attribute, "userName");
                assert_eq!(value, name);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        store
            .replace(&cu, &id(&bob), user("aLiCe").into(), Precondition::Any)
            .await,
        Err(StoreError::Uniqueness { .. })
    ));
    assert!(matches!(
        patch(
            &store,
            &cu,
            &id(&bob),
            json!([{"op": "replace", "path": "userName", "value": "ALICE"}])
        )
        .await,
        Err(StoreError::Uniqueness { .. })
    ));
    // Renaming oneself (case change) is fine.
    store
        .replace(&cu, &id(&alice), user("ALICE").into(), Precondition::Any)
        .await
        .unwrap();
    // Users may share a displayName; groups may not.
    store
        .create(&cu, res(json!({"userName": "c1", "displayName": "Same"})))
        .await
        .unwrap();
    store
        .create(&cu, res(json!({"userName": "c2", "displayName": "Same"})))
        .await
        .unwrap();
    store.create(&cg, group("Admins", &[])).await.unwrap();
    assert!(matches!(
        store.create(&cg, group("admins", &[])).await,
        Err(StoreError::Uniqueness { attribute, .. }) if attribute == "displayName"
    ));
    // A userName freed by a delete can be taken again.
    store
        .delete(&cu, &id(&bob), Precondition::Any)
        .await
        .unwrap();
    store.create(&cu, user("BOB")).await.unwrap();
}

pub(crate) async fn concurrent_creates_of_one_user_name_give_one_success<D: Db>() {
    let (store, _db) = fresh!(D);
    let store = Arc::new(store);
    let u = users();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let c = ctx(&u);
        let name = if i % 2 == 0 { "racer" } else { "RACER" };
        tasks.push(tokio::spawn(
            async move { store.create(&c, user(name)).await },
        ));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Uniqueness { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ok, 1);
    D::close(&store).await;
}

pub(crate) async fn writes_compare_and_swap_on_the_version<D: Db>() {
    let (store, _db) = fresh!(D);
    let u = users();
    let c = ctx(&u);
    let r = store.create(&c, user("cas")).await.unwrap();
    let uid = id(&r);
    assert!(matches!(
        store
            .replace(
                &c,
                &uid,
                user("cas").into(),
                Precondition::Version("W/\"7\"")
            )
            .await,
        Err(StoreError::VersionMismatch)
    ));
    // Lists of tags, weak or strong.
    let r2 = store
        .replace(
            &c,
            &uid,
            user("cas").into(),
            Precondition::Version("W/\"9\", \"1\""),
        )
        .await
        .unwrap();
    assert_eq!(r2.version(), Some("W/\"2\""));
    let req = patch_request(json!([{"op": "add", "path": "title", "value": "t"}]));
    let p = Patch::parse(&req, &u, &PatchOptions::default()).unwrap();
    assert!(matches!(
        store
            .patch(&c, &uid, &p, Precondition::Version("W/\"1\""))
            .await,
        Err(StoreError::VersionMismatch)
    ));
    store
        .patch(&c, &uid, &p, Precondition::Version("W/\"2\""))
        .await
        .unwrap();
    assert!(matches!(
        store
            .delete(&c, &uid, Precondition::Version("W/\"2\""))
            .await,
        Err(StoreError::VersionMismatch)
    ));
    // A failed write changed nothing.
    assert_eq!(
        store.get(&c, &uid).await.unwrap().unwrap().version(),
        Some("W/\"3\"")
    );
    store
        .delete(&c, &uid, Precondition::Version("\"3\""))
        .await
        .unwrap();
}

pub(crate) async fn memberships_are_rows_and_groups_are_derived<D: Db>() {
    let (store, _db) = fresh!(D);
    let (u, g) = (users(), groups());
    let (cu, cg) = (ctx(&u), ctx(&g));
    let a = id(&store.create(&cu, user("a")).await.unwrap());
    let b = id(&store.create(&cu, user("b")).await.unwrap());
    let inner = store.create(&cg, group("Inner", &[&a])).await.unwrap();
    let inner_id = id(&inner);
    assert_eq!(j(&inner)["members"][0]["type"], "User");
    let outer = store
        .create(&cg, group("Outer", &[&a, &b, &inner_id]))
        .await
        .unwrap();
    let outer_id = id(&outer);
    let outer_json = j(&outer);
    let types: Vec<&str> = outer_json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["User", "User", "Group"]);

    let ua = store.get(&cu, &a).await.unwrap().unwrap();
    let mut want = vec![inner_id.clone(), outer_id.clone()];
    want.sort();
    assert_eq!(group_ids(&ua), want);
    let entry = j(&ua)["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["value"] == inner_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        entry,
        json!({"value": inner_id, "display": "Inner", "type": "direct"})
    );
    // Joining two groups wrote no row of a's: its version is its creation's; its entity
    // tag covers the derived `groups`.
    assert_eq!(ua.version(), Some("W/\"1\""));
    assert_ne!(scim_http::entity_tag(&ua).as_deref(), Some("W/\"1\""));

    // PATCH remove / add one member: rows, versions bumped on both sides.
    let p = patch(
        &store,
        &cg,
        &outer_id,
        json!([{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]),
    )
    .await
    .unwrap();
    assert!(p.changed);
    assert_eq!(member_ids(&p.resource).len(), 2);
    let ub = store.get(&cu, &b).await.unwrap().unwrap();
    assert!(ub.get("groups").is_none());
    assert_eq!(ub.version(), Some("W/\"1\""));
    let p = patch(
        &store,
        &cg,
        &outer_id,
        json!([{"op": "add", "path": "members", "value": [{"value": b}]}]),
    )
    .await
    .unwrap();
    assert!(p.changed);
    // Adding an existing member changes nothing.
    let again = patch(
        &store,
        &cg,
        &outer_id,
        json!([{"op": "add", "path": "members", "value": [{"value": b}]}]),
    )
    .await
    .unwrap();
    assert!(!again.changed);
    assert_eq!(again.resource.version(), p.resource.version());

    // Renaming a group shows in its members' groups, with a new entity tag (no member row
    // is written).
    let before = store.get(&cu, &a).await.unwrap().unwrap();
    patch(
        &store,
        &cg,
        &inner_id,
        json!([{"op": "replace", "path": "displayName", "value": "Renamed"}]),
    )
    .await
    .unwrap();
    let after = store.get(&cu, &a).await.unwrap().unwrap();
    assert_eq!(before.version(), after.version());
    assert_ne!(
        scim_http::entity_tag(&before),
        scim_http::entity_tag(&after)
    );
    assert!(
        j(&after)["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["display"] == "Renamed")
    );

    // A member's `display` is derived from the member (here its userName), never stored as a
    // client sent it: it cannot be patched.
    let got = store.get(&cg, &outer_id).await.unwrap().unwrap();
    let bee = j(&got)["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["value"] == b.as_str())
        .unwrap()
        .clone();
    assert_eq!(bee["display"], "b");
    let refused = patch(
        &store,
        &cg,
        &outer_id,
        json!([{"op": "replace", "path": format!("members[value eq \"{b}\"].display"), "value": "Bee"}]),
    )
    .await;
    assert!(
        matches!(refused, Err(StoreError::Scim(ref e)) if e.status() == 400),
        "{refused:?}"
    );

    // A filtered patch the plan cannot express falls back to load-apply-write.
    let p = patch(
        &store,
        &cg,
        &outer_id,
        json!([{"op": "remove", "path": "members[type eq \"Group\"]"}]),
    )
    .await
    .unwrap();
    assert!(p.changed);
    assert!(!member_ids(&p.resource).contains(&inner_id));
    assert_eq!(member_ids(&p.resource).len(), 2);

    // PUT replaces the member list.
    let put = store
        .replace(
            &cg,
            &outer_id,
            group("Outer", &[&b]).into(),
            Precondition::Any,
        )
        .await
        .unwrap();
    assert_eq!(member_ids(&put), vec![b.clone()]);
    assert_eq!(
        group_ids(&store.get(&cu, &a).await.unwrap().unwrap()),
        vec![inner_id.clone()]
    );

    // A deleted user leaves every group, whose versions change.
    let outer_before = store.get(&cg, &outer_id).await.unwrap().unwrap();
    store.delete(&cu, &b, Precondition::Any).await.unwrap();
    let outer_after = store.get(&cg, &outer_id).await.unwrap().unwrap();
    assert!(outer_after.get("members").is_none());
    assert_ne!(outer_before.version(), outer_after.version());

    // A deleted group disappears from its members' groups.
    store
        .delete(&cg, &inner_id, Precondition::Any)
        .await
        .unwrap();
    assert!(
        store
            .get(&cu, &a)
            .await
            .unwrap()
            .unwrap()
            .get("groups")
            .is_none()
    );

    // Clearing members.
    let g2 = id(&store.create(&cg, group("G2", &[&a])).await.unwrap());
    let p = patch(
        &store,
        &cg,
        &g2,
        json!([{"op": "remove", "path": "members"}]),
    )
    .await
    .unwrap();
    assert!(p.resource.get("members").is_none());
}

pub(crate) async fn five_hundred_concurrent_member_adds_all_land<D: Db>() {
    let (store, _db) = fresh!(D);
    let store = Arc::new(store);
    let (u, g) = (users(), groups());
    let gid = id(&store.create(&ctx(&g), group("Big", &[])).await.unwrap());
    let mut ids = Vec::new();
    for i in 0..500 {
        ids.push(id(&store
            .create(&ctx(&u), user(&format!("m{i}")))
            .await
            .unwrap()));
    }
    let mut tasks = Vec::new();
    for uid in ids.clone() {
        let store = store.clone();
        let g = g.clone();
        let gid = gid.clone();
        tasks.push(tokio::spawn(async move {
            patch(
                &store,
                &ctx(&g),
                &gid,
                json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
            )
            .await
            .map(|r| r.changed)
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap());
    }
    let big = store.get(&ctx(&g), &gid).await.unwrap().unwrap();
    assert_eq!(j(&big)["members"].as_array().unwrap().len(), 500);
    assert_eq!(big.version(), Some("W/\"501\""));
    let f = Filter::parse(&format!("members.value eq \"{}\"", ids[42])).unwrap();
    let page = store
        .list(&ctx(&g), &ListQuery::all().filter(f))
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    D::close(&store).await;
}

pub(crate) async fn tenants_are_isolated<D: Db>() {
    let (store, _db) = fresh!(D);
    let u = users();
    let (acme, globex, none) = (tenant_ctx(&u, "acme"), tenant_ctx(&u, "globex"), ctx(&u));
    let a = store.create(&acme, user("same")).await.unwrap();
    // The same userName in another tenant is no conflict.
    store.create(&globex, user("same")).await.unwrap();
    store.create(&none, user("same")).await.unwrap();
    assert!(store.get(&globex, &id(&a)).await.unwrap().is_none());
    assert!(store.get(&none, &id(&a)).await.unwrap().is_none());
    assert!(matches!(
        store.delete(&globex, &id(&a), Precondition::Any).await,
        Err(StoreError::NotFound(_))
    ));
    for c in [&acme, &globex, &none] {
        let page = store.list(c, &ListQuery::all()).await.unwrap();
        assert_eq!(page.total_results, 1);
    }
    assert_eq!(list(&store, &acme, "userName eq \"SAME\"").await, ["same"]);
}

pub(crate) async fn filters_run_as_sql<D: Db>() {
    let (store, _db) = fresh!(D);
    let c = filter_fixture(&store).await;
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "BJENSEN""#, &["bjensen"]),
        (r#"userName co "S""#, &["bjensen", "JSmith"]),
        (r#"userName sw "j""#, &["JSmith"]),
        (r#"userName ew "E""#, &["alice"]),
        (r#"externalId eq "E1""#, &["bjensen"]),
        (r#"externalId eq "e1""#, &[]),
        ("externalId pr", &["bjensen", "JSmith", "zed"]),
        ("title pr", &["alice"]),
        (r#"displayName eq "john smith""#, &["JSmith"]),
        (r#"displayName co "s" and active eq true"#, &["bjensen"]),
        (
            r#"userName eq "alice" or externalId eq "E3""#,
            &["alice", "zed"],
        ),
        (
            r#"not (userName eq "alice")"#,
            &["bjensen", "JSmith", "zed"],
        ),
        (
            r#"not (title eq "Engineer")"#,
            &["bjensen", "JSmith", "zed"],
        ),
        (r#"emails co "example.com""#, &["bjensen", "JSmith"]),
        (r#"emails[type eq "home"]"#, &["bjensen", "zed"]),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            &["bjensen", "JSmith"],
        ),
        (r#"emails.value sw "ZED""#, &["zed"]),
        ("emails pr", &["bjensen", "JSmith", "zed"]),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour""#,
            &["bjensen"],
        ),
        (
            r#"meta.created gt "2000-01-01T00:00:00Z""#,
            &["bjensen", "JSmith", "alice", "zed"],
        ),
        (
            r#"meta.resourceType eq "User""#,
            &["bjensen", "JSmith", "alice", "zed"],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(list(&store, &c, filter).await, *want, "{filter}");
    }
    // Secrets are refused.
    let f = Filter::parse(r#"password eq "x""#).unwrap();
    let err = store
        .list(&c, &ListQuery::all().filter(f))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Scim(_)), "{err:?}");
}

pub(crate) async fn filters_on_groups_and_members<D: Db>() {
    let (store, _db) = fresh!(D);
    let (u, g) = (users(), groups());
    let (cu, cg) = (ctx(&u), ctx(&g));
    let a = id(&store.create(&cu, user("a")).await.unwrap());
    let b = id(&store.create(&cu, user("b")).await.unwrap());
    let ga = id(&store.create(&cg, group("Admins", &[&a])).await.unwrap());
    store
        .create(&cg, group("Everyone", &[&a, &b]))
        .await
        .unwrap();
    assert_eq!(
        list(&store, &cu, &format!("groups.value eq \"{ga}\"")).await,
        ["a"]
    );
    assert_eq!(
        list(&store, &cu, r#"groups[display eq "everyone"]"#).await,
        ["a", "b"]
    );
    assert_eq!(
        list(&store, &cu, "not (groups pr)").await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(&store, &cg, &format!("members[value eq \"{b}\"]")).await,
        ["Everyone"]
    );
    assert_eq!(
        list(&store, &cg, r#"displayName eq "ADMINS""#).await,
        ["Admins"]
    );
    assert_eq!(
        list(&store, &cg, r#"members[type eq "User"]"#).await,
        ["Admins", "Everyone"]
    );
}

pub(crate) async fn sorting_and_paging_run_in_sql<D: Db>() {
    let (store, _db) = fresh!(D);
    let u = users();
    let c = ctx(&u);
    for (name, title) in [
        ("delta", Some("b")),
        ("Alpha", None),
        ("charlie", Some("A")),
        ("bravo", Some("c")),
    ] {
        let mut v = json!({"userName": name});
        if let Some(t) = title {
            v["title"] = json!(t);
        }
        store.create(&c, res(v)).await.unwrap();
    }
    let names = |p: &scim_http::Page| -> Vec<String> {
        p.resources
            .iter()
            .map(|r| j(r)["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    // Creation order without a sort key.
    let p = store.list(&c, &ListQuery::all()).await.unwrap();
    assert_eq!(names(&p), ["delta", "Alpha", "charlie", "bravo"]);
    let by = |path: &str, order| SortSpec {
        by: AttrPath::parse(path).unwrap(),
        order,
    };
    let p = store
        .list(
            &c,
            &ListQuery::all().sort(by("userName", SortOrder::Ascending)),
        )
        .await
        .unwrap();
    assert_eq!(names(&p), ["Alpha", "bravo", "charlie", "delta"]);
    let p = store
        .list(
            &c,
            &ListQuery::all().sort(by("userName", SortOrder::Descending)),
        )
        .await
        .unwrap();
    assert_eq!(names(&p), ["delta", "charlie", "bravo", "Alpha"]);
    // Case-insensitive strings, missing values last (first in descending order).
    let p = store
        .list(
            &c,
            &ListQuery::all().sort(by("title", SortOrder::Ascending)),
        )
        .await
        .unwrap();
    assert_eq!(names(&p), ["charlie", "delta", "bravo", "Alpha"]);
    let p = store
        .list(
            &c,
            &ListQuery::all().sort(by("title", SortOrder::Descending)),
        )
        .await
        .unwrap();
    assert_eq!(names(&p), ["Alpha", "bravo", "delta", "charlie"]);
    // Paging: a window and the total.
    let p = store
        .list(
            &c,
            &ListQuery::all()
                .sort(by("userName", SortOrder::Ascending))
                .page(2, Some(2)),
        )
        .await
        .unwrap();
    assert_eq!(p.total_results, 4);
    assert_eq!(names(&p), ["bravo", "charlie"]);
    let p = store
        .list(&c, &ListQuery::all().page(4, Some(10)))
        .await
        .unwrap();
    assert_eq!(names(&p), ["bravo"]);
    let p = store
        .list(&c, &ListQuery::all().page(1, Some(0)))
        .await
        .unwrap();
    assert_eq!((p.total_results, p.resources.len()), (4, 0));
    let f = Filter::parse(r#"title pr"#).unwrap();
    let p = store
        .list(&c, &ListQuery::all().filter(f).page(1, Some(1)))
        .await
        .unwrap();
    assert_eq!((p.total_results, names(&p)), (3, vec!["delta".to_owned()]));
}

pub(crate) async fn data_survives_reconnecting<D: Db>() {
    let Some(db) = D::open().await else {
        return;
    };
    let (u, g) = (users(), groups());
    let (uid, gid) = {
        let store = db.connect().await;
        let uid = id(&store.create(&ctx(&u), user("persist")).await.unwrap());
        let gid = id(&store
            .create(&ctx(&g), group("Kept", &[&uid]))
            .await
            .unwrap());
        D::close(&store).await;
        drop(store);
        (uid, gid)
    };
    let store = db.connect().await;
    let back = store.get(&ctx(&u), &uid).await.unwrap().unwrap();
    assert_eq!(j(&back)["userName"], "persist");
    assert_eq!(group_ids(&back), vec![gid]);
    // Migrations ran once; uniqueness still holds.
    assert!(matches!(
        store.create(&ctx(&u), user("PERSIST")).await,
        Err(StoreError::Uniqueness { .. })
    ));
    D::close(&store).await;
}

pub(crate) async fn manager_display_name_is_derived<D: Db>() {
    let (store, _db) = fresh!(D);
    let u = users();
    let c = ctx(&u);
    let boss = id(&store
        .create(
            &c,
            res(json!({"userName": "boss", "displayName": "The Boss"})),
        )
        .await
        .unwrap());
    let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let emp = store
        .create(
            &c,
            res(json!({"userName": "emp", urn: {"manager": {"value": boss}}})),
        )
        .await
        .unwrap();
    assert_eq!(j(&emp)[urn]["manager"]["displayName"], "The Boss");
}

const TOKEN: &str = "test-token-0123456789";

pub(crate) async fn the_server_runs_over_the_store<D: Db>() {
    let Some(db) = D::open().await else {
        return;
    };
    let server = ScimServer::builder()
        .store(db.connect().await)
        .public_url("http://localhost/scim/v2")
        .authenticator(BearerTokens::single(TOKEN))
        .build()
        .unwrap();
    let (s, u) = call(
        &server,
        "POST",
        "/Users",
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Http.User",
                    "password": "hunter2-secret"})),
    )
    .await;
    assert_eq!(s, 201, "{u}");
    assert!(u.get("password").is_none());
    let uid = u["id"].as_str().unwrap().to_owned();
    assert_eq!(
        u["meta"]["location"],
        format!("http://localhost/scim/v2/Users/{uid}")
    );
    let (s, dup) = call(
        &server,
        "POST",
        "/Users",
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "http.user"})),
    )
    .await;
    assert_eq!((s, dup["scimType"].as_str()), (409, Some("uniqueness")));

    let (s, found) = call(
        &server,
        "GET",
        "/Users?filter=userName%20eq%20%22HTTP.USER%22",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], uid.as_str());

    let (s, g) = call(
        &server,
        "POST",
        "/Groups",
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Web"})),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    let (s, patched) = call(
        &server,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]}),
        ),
    )
    .await;
    assert!(s == 200 || s == 204, "{s} {patched}");
    let (s, user) = call(&server, "GET", &format!("/Users/{uid}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(user["groups"][0]["value"], gid.as_str());
    assert_eq!(user["groups"][0]["display"], "Web");
    assert_eq!(
        user["groups"][0]["$ref"],
        format!("http://localhost/scim/v2/Groups/{gid}")
    );

    let (s, bad) = call(
        &server,
        "GET",
        "/Users?filter=password%20eq%20%22x%22",
        None,
    )
    .await;
    assert_eq!(s, 400, "{bad}");
    let (s, _) = call(&server, "DELETE", &format!("/Users/{uid}"), None).await;
    assert_eq!(s, 204);
    let (_, g) = call(&server, "GET", &format!("/Groups/{gid}"), None).await;
    assert!(g.get("members").is_none(), "{g}");
}

pub(crate) async fn sorting_by_a_multi_valued_attribute_uses_the_primary_value<D: Db>() {
    let (store, _db) = fresh!(D);
    let u = users();
    let c = ctx(&u);
    for v in [
        json!({"userName": "one", "emails": [{"value": "z@x"}, {"value": "b@x", "primary": true}]}),
        json!({"userName": "two", "emails": [{"value": "A@x"}, {"value": "y@x"}]}),
        json!({"userName": "three"}),
    ] {
        store.create(&c, res(v)).await.unwrap();
    }
    let sort = SortSpec {
        by: AttrPath::parse("emails").unwrap(),
        order: SortOrder::Ascending,
    };
    let p = store.list(&c, &ListQuery::all().sort(sort)).await.unwrap();
    let names: Vec<Value> = p
        .resources
        .iter()
        .map(|r| j(r)["userName"].clone())
        .collect();
    assert_eq!(names, [json!("two"), json!("one"), json!("three")]);
}

pub(crate) async fn patch_replace_of_members_sets_the_rows<D: Db>() {
    let (store, _db) = fresh!(D);
    let (u, g) = (users(), groups());
    let (cu, cg) = (ctx(&u), ctx(&g));
    let a = id(&store.create(&cu, user("a")).await.unwrap());
    let b = id(&store.create(&cu, user("b")).await.unwrap());
    let gid = id(&store.create(&cg, group("G", &[&a])).await.unwrap());
    let p = patch(
        &store,
        &cg,
        &gid,
        json!([{"op": "replace", "path": "members", "value": [{"value": b}, {"value": b}]},
               {"op": "replace", "path": "externalId", "value": "ext-g"}]),
    )
    .await
    .unwrap();
    assert!(p.changed);
    assert_eq!(member_ids(&p.resource), vec![b.clone()]);
    assert_eq!(j(&p.resource)["externalId"], "ext-g");
    assert!(
        store
            .get(&cu, &a)
            .await
            .unwrap()
            .unwrap()
            .get("groups")
            .is_none()
    );
    assert_eq!(
        group_ids(&store.get(&cu, &b).await.unwrap().unwrap()),
        vec![gid.clone()]
    );
    assert_eq!(list(&store, &cg, r#"externalId eq "ext-g""#).await, ["G"]);
    // A member without a value is refused, and nothing is written.
    let err = patch(
        &store,
        &cg,
        &gid,
        json!([{"op": "add", "path": "members", "value": [{"display": "x"}]}]),
    )
    .await;
    assert!(err.is_err());
    assert_eq!(
        store.get(&cg, &gid).await.unwrap().unwrap().version(),
        p.resource.version()
    );
}
