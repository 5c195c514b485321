#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Versions (RFC 7644 §3.14): `meta.version` on every resource, `ETag` on responses,
//! `If-Match` on PUT, PATCH and DELETE, `If-None-Match` on GET.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use harness::*;
use http::Method;
use serde_json::{Value, json};

/// A user and its path.
async fn setup(h: &Harness) -> (Value, String) {
    let created = h
        .create("/Users", &json!({"userName": "alice", "title": "Dev"}))
        .await;
    let path = format!("/Users/{}", id_of(&created));
    (created, path)
}

fn title_patch(title: &str) -> Value {
    json!([{"op": "replace", "path": "title", "value": title}])
}

#[tokio::test]
async fn every_resource_has_a_version_and_responses_carry_it() {
    let h = harness();
    let res = h.post("/Users", &user("alice")).await;
    let created = res.expect(201);
    let v1 = version_of(&created);
    assert!(
        v1.starts_with("W/\"") || v1.starts_with('"'),
        "an entity tag: {v1}"
    );
    assert_eq!(res.header("etag"), Some(v1.clone()));
    let path = format!("/Users/{}", id_of(&created));

    let res = h.get(&path).await;
    assert_eq!(res.header("etag"), Some(v1.clone()));

    let res = h
        .put(&path, &json!({"userName": "alice", "title": "A"}))
        .await;
    let v2 = version_of(&res.expect(200));
    assert_ne!(v2, v1);
    assert_eq!(res.header("etag"), Some(v2.clone()));

    let res = h.patch(&path, &title_patch("B")).await;
    let v3 = version_of(&res.expect(200));
    assert!(v3 != v2 && v3 != v1, "{v1} {v2} {v3}");
    assert_eq!(res.header("etag"), Some(v3.clone()));

    // Lists carry versions too (no ETag on the list itself is needed).
    h.create_group("G", &[]).await;
    for endpoint in ["/Users", "/Groups"] {
        let list = h.fetch(endpoint).await;
        for r in list["Resources"].as_array().unwrap() {
            assert!(r["meta"]["version"].is_string(), "{r}");
        }
    }
    let found = h.fetch("/Users").await;
    assert_eq!(found["Resources"][0]["meta"]["version"], json!(v3));
}

#[tokio::test]
async fn if_match_mismatch_is_412_and_changes_nothing() {
    let h = harness();
    let (created, path) = setup(&h).await;
    for stale in ["W/\"stale\"", "\"nope\"", "W/\"0\", W/\"1000\""] {
        h.put(&path, &json!({"userName": "alice", "title": "X"}))
            .header("if-match", stale)
            .await
            .expect_error(412, None);
        h.patch(&path, &title_patch("X"))
            .header("if-match", stale)
            .await
            .expect_error(412, None);
        h.delete(&path)
            .header("if-match", stale)
            .await
            .expect_error(412, None);
        assert_eq!(h.fetch(&path).await, created, "{stale}");
    }
}

#[tokio::test]
async fn if_match_on_a_version_read_before_a_change_is_412() {
    let h = harness();
    let (created, path) = setup(&h).await;
    let old = version_of(&created);
    let changed = h.patch(&path, &title_patch("Newer")).await.expect(200);
    h.patch(&path, &title_patch("Lost update"))
        .header("if-match", &old)
        .await
        .expect_error(412, None);
    h.put(&path, &json!({"userName": "alice"}))
        .header("if-match", &old)
        .await
        .expect_error(412, None);
    h.delete(&path)
        .header("if-match", &old)
        .await
        .expect_error(412, None);
    assert_eq!(h.fetch(&path).await, changed);
}

#[tokio::test]
async fn if_match_that_matches_succeeds() {
    let h = harness();
    let (created, path) = setup(&h).await;
    let v = version_of(&created);

    // The exact tag.
    let put = h
        .put(&path, &json!({"userName": "alice", "title": "P"}))
        .header("if-match", &v)
        .await
        .expect(200);
    // The strong form of a weak tag matches too (weak comparison), and so does a list.
    let v = version_of(&put);
    let strong = v.trim_start_matches("W/").to_owned();
    let patched = h
        .patch(&path, &title_patch("Q"))
        .header("if-match", &strong)
        .await
        .expect(200);
    let v = version_of(&patched);
    let patched = h
        .patch(&path, &title_patch("R"))
        .header("if-match", &format!("W/\"other\", {v}"))
        .await
        .expect(200);
    assert_eq!(patched["title"], "R");
    // `*` matches any current version.
    h.patch(&path, &title_patch("S"))
        .header("if-match", "*")
        .await
        .expect(200);
    h.put(&path, &json!({"userName": "alice", "title": "T"}))
        .header("if-match", "*")
        .await
        .expect(200);
    let current = h.fetch(&path).await;
    let res = h
        .delete(&path)
        .header("if-match", &version_of(&current))
        .await;
    assert_eq!(res.status(), 204, "{}", res.describe());
    h.get(&path).await.expect_error(404, None);

    let other = id_of(&h.create_user("bob").await);
    let res = h
        .delete(&format!("/Users/{other}"))
        .header("if-match", "*")
        .await;
    assert_eq!(res.status(), 204, "{}", res.describe());
}

#[tokio::test]
async fn if_none_match_on_get_is_304_while_unchanged() {
    let h = harness();
    let (created, path) = setup(&h).await;
    let v = version_of(&created);

    let res = h.get(&path).header("if-none-match", &v).await;
    assert_eq!(res.status(), 304, "{}", res.describe());
    assert!(res.body.is_empty());
    assert_eq!(res.header("etag"), Some(v.clone()));
    let res = h.get(&path).header("if-none-match", "*").await;
    assert_eq!(res.status(), 304, "{}", res.describe());
    let res = h
        .get(&path)
        .header("if-none-match", &format!("\"x\", {v}"))
        .await;
    assert_eq!(res.status(), 304, "{}", res.describe());

    // Another tag: the resource.
    let res = h.get(&path).header("if-none-match", "W/\"other\"").await;
    assert_eq!(res.expect(200), created);

    // After a change the old tag no longer matches.
    let changed = h.patch(&path, &title_patch("New")).await.expect(200);
    let res = h.get(&path).header("if-none-match", &v).await;
    assert_eq!(res.expect(200), changed);
    assert_eq!(res.header("etag"), Some(version_of(&changed)));
}

#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let h = harness();
    let (created, path) = setup(&h).await;
    let v = version_of(&created);
    let res = h.patch(&path, &title_patch("Dev")).await;
    let body = res.expect(200);
    assert_eq!(version_of(&body), v);
    assert_eq!(res.header("etag"), Some(v.clone()));
    assert_eq!(
        body["meta"]["lastModified"],
        created["meta"]["lastModified"]
    );
    // So a client's If-None-Match still holds.
    let res = h.get(&path).header("if-none-match", &v).await;
    assert_eq!(res.status(), 304, "{}", res.describe());

    // Groups: adding a member that is already there changes nothing either.
    let g = h.create_group("G", &[&id_of(&created)]).await;
    let gpath = format!("/Groups/{}", id_of(&g));
    let again = h
        .patch(
            &gpath,
            &json!([{"op": "add", "path": "members", "value": [{"value": id_of(&created)}]}]),
        )
        .await
        .expect(200);
    assert_eq!(version_of(&again), version_of(&g));
}

#[tokio::test]
async fn a_change_always_gives_a_new_version() {
    let h = harness();
    let (created, path) = setup(&h).await;
    let mut seen = vec![version_of(&created)];
    for i in 0..5 {
        let body = if i % 2 == 0 {
            h.patch(&path, &title_patch(&format!("t{i}")))
                .await
                .expect(200)
        } else {
            h.put(
                &path,
                &json!({"userName": "alice", "title": format!("t{i}")}),
            )
            .await
            .expect(200)
        };
        let v = version_of(&body);
        assert!(!seen.contains(&v), "{v} reused: {seen:?}");
        seen.push(v);
    }
    // A group's version moves when its membership does.
    let uid = id_of(&created);
    let g = h.create_group("G", &[]).await;
    let gpath = format!("/Groups/{}", id_of(&g));
    let added = h
        .patch(
            &gpath,
            &json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
        )
        .await
        .expect(200);
    assert_ne!(version_of(&added), version_of(&g));
    // ... including when a member is deleted.
    let res = h.req(Method::DELETE, &path).await;
    assert_eq!(res.status(), 204);
    let after = h.fetch(&gpath).await;
    assert_ne!(version_of(&after), version_of(&added));
    assert!(after.get("members").is_none(), "{after}");
}

/// A user's `groups` is derived from memberships: joining or leaving a group (or the group
/// being renamed or deleted) changes the user's representation, so its version changes and a
/// cached `If-None-Match` no longer yields 304.
#[tokio::test]
async fn membership_changes_give_members_a_new_version() {
    let h = harness();
    let (created, path) = setup(&h).await;
    let uid = id_of(&created);
    let v1 = version_of(&h.fetch(&path).await);

    let group = h.create_group("Tour Guides", &[]).await;
    let gpath = format!("/Groups/{}", id_of(&group));
    h.patch(
        &gpath,
        &json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
    )
    .await
    .expect(200);
    let user = h.fetch(&path).await;
    let v2 = version_of(&user);
    assert_ne!(v2, v1, "joining a group changes the member's version");
    assert_eq!(user["groups"][0]["display"], "Tour Guides");
    let res = h.get(&path).header("If-None-Match", &v1).await;
    assert_eq!(res.status(), 200, "a stale ETag must not get 304");

    h.put(
        &gpath,
        &json!({"displayName": "Guides", "members": [{"value": uid}]}),
    )
    .await
    .expect(200);
    let v3 = version_of(&h.fetch(&path).await);
    assert_ne!(
        v3, v2,
        "renaming the group changes the member's groups.display"
    );

    h.delete(&gpath).await;
    let user = h.fetch(&path).await;
    assert_ne!(
        version_of(&user),
        v3,
        "the group's deletion changes the member"
    );
    assert!(user.get("groups").is_none());
}

/// Records the preconditions a store is handed.
struct Recording {
    inner: scim_http::InMemoryStore,
    seen: std::sync::Mutex<Vec<Option<String>>>,
}

impl Recording {
    fn record(&self, p: scim_http::Precondition<'_>) {
        let v = match p {
            scim_http::Precondition::Any => None,
            scim_http::Precondition::Version(v) => Some(v.to_owned()),
        };
        self.seen.lock().unwrap().push(v);
    }
}

#[async_trait::async_trait]
impl scim_http::ResourceStore for Recording {
    async fn create(
        &self,
        ctx: &scim_http::RequestContext,
        r: scim_core::Resource,
    ) -> Result<scim_core::Resource, scim_http::StoreError> {
        self.inner.create(ctx, r).await
    }
    async fn get(
        &self,
        ctx: &scim_http::RequestContext,
        id: &str,
    ) -> Result<Option<scim_core::Resource>, scim_http::StoreError> {
        self.inner.get(ctx, id).await
    }
    async fn list(
        &self,
        ctx: &scim_http::RequestContext,
        q: &scim_http::ListQuery,
    ) -> Result<scim_http::Page, scim_http::StoreError> {
        self.inner.list(ctx, q).await
    }
    async fn replace(
        &self,
        ctx: &scim_http::RequestContext,
        id: &str,
        r: scim_http::Replacement,
        expected: scim_http::Precondition<'_>,
    ) -> Result<scim_core::Resource, scim_http::StoreError> {
        self.record(expected);
        self.inner.replace(ctx, id, r, expected).await
    }
    async fn delete(
        &self,
        ctx: &scim_http::RequestContext,
        id: &str,
        expected: scim_http::Precondition<'_>,
    ) -> Result<(), scim_http::StoreError> {
        self.record(expected);
        self.inner.delete(ctx, id, expected).await
    }
    async fn patch(
        &self,
        ctx: &scim_http::RequestContext,
        id: &str,
        patch: &scim_patch::Patch<'_>,
        expected: scim_http::Precondition<'_>,
    ) -> Result<scim_http::PatchResult, scim_http::StoreError> {
        self.record(expected);
        self.inner.patch(ctx, id, patch, expected).await
    }
}

/// RFC 7644 §3.14 with a store that compares one version: the server resolves the client's
/// `If-Match` list and hands the store the single version it found.
#[tokio::test]
async fn stores_are_handed_one_version_never_a_list() {
    let store = std::sync::Arc::new(Recording {
        inner: scim_http::InMemoryStore::new(),
        seen: std::sync::Mutex::new(Vec::new()),
    });
    let h = Harness {
        server: scim_http::ScimServer::builder()
            .shared_store(store.clone())
            .public_url(BASE_URL)
            .authenticator(scim_http::BearerTokens::single(TOKEN))
            .build()
            .unwrap(),
        store: std::sync::Arc::new(scim_http::InMemoryStore::new()),
    };
    let created = h.create_user("bjensen").await;
    let path = format!("/Users/{}", id_of(&created));
    let v1 = version_of(&created);
    let list = format!("W/\"nope\", {v1}");
    let patched = h
        .patch(
            &path,
            &json!([{"op": "replace", "path": "title", "value": "x"}]),
        )
        .header("if-match", &list)
        .await
        .expect(200);
    let v2 = version_of(&patched);
    h.put(&path, &user("bjensen"))
        .header("if-match", &format!("\"nope\", {v2}"))
        .await
        .expect(200);
    let v3 = version_of(&h.fetch(&path).await);
    h.delete(&path)
        .header("if-match", &format!("W/\"x\",{v3}"))
        .await
        .expect(204);
    let seen = store.seen.lock().unwrap().clone();
    assert_eq!(seen, [Some(v1), Some(v2), Some(v3)]);
}

/// RFC 7644 §3.14 with derived attributes: a renamed group changes its members' `groups`
/// without writing them; the member's entity tag still changes, so a cached copy is not
/// answered 304 and a write against it is 412.
#[tokio::test]
async fn derived_values_are_covered_by_the_entity_tag() {
    let h = harness();
    let (user, path) = setup(&h).await;
    let uid = id_of(&user);
    let group = h.create_group("Readers", &[&uid]).await;
    let gpath = format!("/Groups/{}", id_of(&group));

    let res = h.get(&path).await;
    let before = res.expect(200);
    let t1 = res.header("etag").unwrap();
    assert_eq!(version_of(&before), t1, "meta.version is the ETag");
    let res = h.get(&path).header("If-None-Match", &t1).await;
    assert_eq!(res.status(), 304, "{}", res.describe());

    h.patch(
        &gpath,
        &json!([{"op": "replace", "path": "displayName", "value": "Writers"}]),
    )
    .await
    .expect(200);
    let res = h.get(&path).header("If-None-Match", &t1).await;
    let after = res.expect(200);
    let t2 = res.header("etag").unwrap();
    assert_ne!(t2, t1, "the representation changed");
    assert_eq!(after["groups"][0]["display"], "Writers");
    assert_eq!(version_of(&after), t2);
    // The list shows the same tag as the resource.
    let listed = h.fetch("/Users?filter=userName%20eq%20%22alice%22").await;
    assert_eq!(listed["Resources"][0]["meta"]["version"], t2.as_str());

    // A write against the stale representation fails; against the current one it lands.
    h.patch(&path, &title_patch("Stale"))
        .header("If-Match", &t1)
        .await
        .expect_error(412, None);
    h.put(&path, &json!({"userName": "alice", "title": "Stale"}))
        .header("If-Match", &t1)
        .await
        .expect_error(412, None);
    h.patch(&path, &title_patch("Fresh"))
        .header("If-Match", &t2)
        .await
        .expect(200);
}

/// The enterprise `manager.displayName` is derived from the manager: renaming the manager
/// changes the managed user's entity tag.
#[tokio::test]
async fn a_renamed_manager_changes_the_managed_users_tag() {
    let h = harness();
    let boss = h
        .create(
            "/Users",
            &json!({"userName": "boss", "displayName": "Big Boss"}),
        )
        .await;
    let boss_path = format!("/Users/{}", id_of(&boss));
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let worker = h
        .create(
            "/Users",
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ent],
                "userName": "worker",
                ent: {"manager": {"value": id_of(&boss)}}
            }),
        )
        .await;
    let path = format!("/Users/{}", id_of(&worker));
    let res = h.get(&path).await;
    let t1 = res.header("etag").unwrap();
    assert_eq!(res.expect(200)[ent]["manager"]["displayName"], "Big Boss");

    h.patch(
        &boss_path,
        &json!([{"op": "replace", "path": "displayName", "value": "Small Boss"}]),
    )
    .await
    .expect(200);
    let res = h.get(&path).header("If-None-Match", &t1).await;
    let body = res.expect(200);
    assert_eq!(body[ent]["manager"]["displayName"], "Small Boss");
    assert_ne!(res.header("etag").unwrap(), t1);
}
