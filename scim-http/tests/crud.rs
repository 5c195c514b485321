#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! The resource endpoints (RFC 7644 §3.3–§3.6, §3.4.3, §3.11): create, read, replace, patch,
//! delete, `/.search` at the root and per type, and `/Me`.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use std::sync::{Arc, OnceLock};

use harness::*;
use http::Method;
use scim_core::{Attribute, Mutability, Registry, ResourceType, Schema};
use scim_http::{ResourceStore, ScimServer};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Compile-time properties

/// A server is shared across the tasks of a multi-threaded runtime.
#[test]
fn scim_server_is_send_and_sync() {
    fn _assert_send_sync<T: Send + Sync>() {}
    _assert_send_sync::<ScimServer>();
}

/// The store trait is dyn-compatible: the server holds an `Arc<dyn ResourceStore>`.
#[test]
fn resource_store_is_dyn_compatible() {
    fn _f(_: &dyn ResourceStore) {}
    _f(&scim_http::InMemoryStore::new());
}

// ---------------------------------------------------------------------------------------------
// POST (RFC 7644 §3.3)

#[tokio::test]
async fn post_user_is_201_with_location_etag_and_meta() {
    let h = harness();
    let res = h
        .post(
            "/Users",
            &json!({
                "schemas": [USER_URN],
                "userName": "bjensen",
                "displayName": "Babs Jensen",
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
                "password": "t1meMa$heen",
                "id": "chosen-by-the-client",
            }),
        )
        .await;
    let body = res.expect(201);
    let id = id_of(&body);
    assert_ne!(id, "chosen-by-the-client", "the server assigns ids");
    assert_eq!(body["userName"], "bjensen");
    assert_eq!(body["displayName"], "Babs Jensen");
    assert_eq!(body["emails"][0]["value"], "bjensen@example.com");
    assert!(body.get("password").is_none(), "password is never returned");
    assert_eq!(body["schemas"][0], USER_URN);

    let location = format!("{BASE_URL}/Users/{id}");
    assert_eq!(res.header("location"), Some(location.clone()));
    assert_eq!(body["meta"]["location"], json!(location));
    assert_eq!(body["meta"]["resourceType"], "User");
    assert!(body["meta"]["created"].is_string(), "{body}");
    assert_eq!(body["meta"]["created"], body["meta"]["lastModified"]);
    let version = version_of(&body);
    assert_eq!(res.header("etag"), Some(version));
    assert_eq!(h.store.len("User"), 1);
}

#[tokio::test]
async fn post_group_is_201_with_members_location_and_etag() {
    let h = harness();
    let alice = id_of(&h.create_user("alice").await);
    let res = h.post("/Groups", &group("Admins", &[&alice])).await;
    let body = res.expect(201);
    let id = id_of(&body);
    assert_eq!(body["displayName"], "Admins");
    assert_eq!(body["members"][0]["value"], json!(alice));
    assert_eq!(body["meta"]["resourceType"], "Group");
    assert_eq!(
        res.header("location"),
        Some(format!("{BASE_URL}/Groups/{id}"))
    );
    assert_eq!(res.header("etag"), Some(version_of(&body)));
}

#[tokio::test]
async fn post_projects_the_response_with_attributes() {
    let h = harness();
    let body = h
        .post(
            "/Users?attributes=userName",
            &json!({"userName": "carol", "displayName": "Carol", "title": "CEO"}),
        )
        .await
        .expect(201);
    assert_eq!(body["userName"], "carol");
    assert!(body.get("displayName").is_none(), "{body}");
    assert!(body.get("title").is_none(), "{body}");
    assert!(body["id"].is_string(), "id is always returned: {body}");
    // The whole resource was stored.
    let stored = h.fetch(&format!("/Users/{}", id_of(&body))).await;
    assert_eq!(stored["title"], "CEO");
}

// ---------------------------------------------------------------------------------------------
// GET (RFC 7644 §3.4.1)

#[tokio::test]
async fn get_returns_what_post_returned_with_an_etag() {
    let h = harness();
    let created = h
        .create(
            "/Users",
            &json!({"userName": "dave", "name": {"givenName": "Dave", "familyName": "Smith"}}),
        )
        .await;
    let id = id_of(&created);
    let res = h.get(&format!("/Users/{id}")).await;
    let body = res.expect(200);
    assert_eq!(body, created);
    assert_eq!(res.header("etag"), Some(version_of(&body)));

    // Endpoint names are case-insensitive; ids are not rewritten.
    let again = h.fetch(&format!("/users/{id}")).await;
    assert_eq!(again, created);
}

#[tokio::test]
async fn get_of_an_unknown_id_is_404() {
    let h = harness();
    h.create_user("erin").await;
    h.get("/Users/does-not-exist").await.expect_error(404, None);
    // A user id is not a group id.
    let id = id_of(&h.create_user("frank").await);
    h.get(&format!("/Groups/{id}"))
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn get_projects_with_attributes_and_excluded_attributes() {
    let h = harness();
    let id = id_of(
        &h.create(
            "/Users",
            &json!({"userName": "gina", "title": "CTO", "nickName": "G",
                    "emails": [{"value": "g@example.com", "type": "work"}]}),
        )
        .await,
    );
    let only = h
        .fetch(&format!("/Users/{id}?attributes=userName,emails.value"))
        .await;
    assert_eq!(only["userName"], "gina");
    assert_eq!(only["emails"], json!([{"value": "g@example.com"}]));
    assert!(only.get("title").is_none(), "{only}");
    assert!(only.get("nickName").is_none(), "{only}");
    assert_eq!(only["id"], json!(id));

    let without = h
        .fetch(&format!("/Users/{id}?excludedAttributes=title,emails"))
        .await;
    assert!(without.get("title").is_none(), "{without}");
    assert!(without.get("emails").is_none(), "{without}");
    assert_eq!(without["nickName"], "G");
    assert_eq!(without["userName"], "gina");
}

// ---------------------------------------------------------------------------------------------
// PUT (RFC 7644 §3.5.1)

#[tokio::test]
async fn put_replaces_and_ignores_read_only_attributes() {
    let h = harness();
    let created = h
        .create(
            "/Users",
            &json!({"userName": "hank", "displayName": "Hank", "title": "Engineer"}),
        )
        .await;
    let id = id_of(&created);
    let res = h
        .put(
            &format!("/Users/{id}"),
            &json!({
                "schemas": [USER_URN],
                "id": "something-else",
                "userName": "hank2",
                "title": "Manager",
                "meta": {"created": "2000-01-01T00:00:00Z", "version": "W/\"999\"",
                         "resourceType": "Group"},
                "groups": [{"value": "made-up"}],
            }),
        )
        .await;
    let body = res.expect(200);
    assert_eq!(body["id"], json!(id), "readOnly id is ignored");
    assert_eq!(body["userName"], "hank2");
    assert_eq!(body["title"], "Manager");
    assert!(
        body.get("displayName").is_none(),
        "an omitted readWrite attribute is cleared: {body}"
    );
    assert!(
        body.get("groups").is_none(),
        "readOnly groups is ignored: {body}"
    );
    assert_eq!(body["meta"]["created"], created["meta"]["created"]);
    assert_eq!(body["meta"]["resourceType"], "User");
    assert_ne!(version_of(&body), version_of(&created));
    assert_ne!(version_of(&body), "W/\"999\"");
    assert_eq!(res.header("etag"), Some(version_of(&body)));
    assert_eq!(h.fetch(&format!("/Users/{id}")).await, body);
    // The client's id did not create another resource.
    h.get("/Users/something-else").await.expect_error(404, None);
    assert_eq!(h.store.len("User"), 1);
}

#[tokio::test]
async fn put_of_an_unknown_id_is_404_and_creates_nothing() {
    let h = harness();
    h.put("/Users/nope", &user("ivan"))
        .await
        .expect_error(404, None);
    assert!(h.store.is_empty());
}

const BADGE_URN: &str = "urn:example:params:scim:schemas:extension:badge:2.0:User";

/// User with an extension whose `badgeNumber` is immutable, and Group.
fn registry_with_immutable_attribute() -> Registry {
    let badge = Schema::new(
        BADGE_URN,
        "Badge",
        vec![Attribute::string("badgeNumber").mutability(Mutability::Immutable)],
    );
    Registry::new()
        .with(ResourceType::user().with_extension(Arc::new(badge), false))
        .unwrap()
        .with(ResourceType::group())
        .unwrap()
}

#[tokio::test]
async fn put_checks_immutable_attributes() {
    let h = harness_with(|b| b.registry(registry_with_immutable_attribute()));
    let with_badge = |n: &str| json!({"schemas": [USER_URN, BADGE_URN], "userName": "judy", BADGE_URN: {"badgeNumber": n}});
    let created = h.create("/Users", &with_badge("B-1")).await;
    let id = id_of(&created);
    let path = format!("/Users/{id}");

    // Changing it is 400 mutability, and nothing changes.
    h.put(&path, &with_badge("B-2"))
        .await
        .expect_error(400, Some("mutability"));
    assert_eq!(h.fetch(&path).await, created);

    // The same value is fine; omitting it keeps it.
    let same = h.put(&path, &with_badge("B-1")).await.expect(200);
    assert_eq!(same[BADGE_URN]["badgeNumber"], "B-1");
    let omitted = h
        .put(&path, &json!({"userName": "judy", "title": "x"}))
        .await
        .expect(200);
    assert_eq!(omitted[BADGE_URN]["badgeNumber"], "B-1", "{omitted}");

    // An unassigned immutable attribute may be set once.
    let other = id_of(&h.create_user("kate").await);
    let set = h
        .put(
            &format!("/Users/{other}"),
            &json!({"schemas": [USER_URN, BADGE_URN], "userName": "kate",
                    BADGE_URN: {"badgeNumber": "K-9"}}),
        )
        .await
        .expect(200);
    assert_eq!(set[BADGE_URN]["badgeNumber"], "K-9");
}

// ---------------------------------------------------------------------------------------------
// PATCH (RFC 7644 §3.5.2)

#[tokio::test]
async fn patch_is_200_with_the_resource_by_default() {
    let h = harness();
    let created = h
        .create("/Users", &json!({"userName": "liam", "title": "Dev"}))
        .await;
    let id = id_of(&created);
    let res = h
        .patch(
            &format!("/Users/{id}"),
            &json!([{"op": "replace", "path": "title", "value": "Lead"}]),
        )
        .await;
    let body = res.expect(200);
    assert_eq!(body["title"], "Lead");
    assert_eq!(body["userName"], "liam");
    assert_eq!(
        body["meta"]["location"],
        json!(format!("{BASE_URL}/Users/{id}"))
    );
    assert_ne!(version_of(&body), version_of(&created));
    assert_eq!(res.header("etag"), Some(version_of(&body)));
    assert_eq!(h.fetch(&format!("/Users/{id}")).await, body);
}

#[tokio::test]
async fn patch_response_is_projected() {
    let h = harness();
    let id = id_of(
        &h.create(
            "/Users",
            &json!({"userName": "mia", "title": "Dev", "nickName": "M"}),
        )
        .await,
    );
    let op = json!([{"op": "replace", "path": "title", "value": "Lead"}]);
    let only = h
        .patch(&format!("/Users/{id}?attributes=title"), &op)
        .await
        .expect(200);
    assert_eq!(only["title"], "Lead");
    assert!(only.get("userName").is_none(), "{only}");
    assert!(only.get("nickName").is_none(), "{only}");
    assert_eq!(only["id"], json!(id));

    let op = json!([{"op": "replace", "path": "title", "value": "Boss"}]);
    let without = h
        .patch(&format!("/Users/{id}?excludedAttributes=nickName"), &op)
        .await
        .expect(200);
    assert_eq!(without["title"], "Boss");
    assert_eq!(without["userName"], "mia");
    assert!(without.get("nickName").is_none(), "{without}");
}

#[tokio::test]
async fn patch_returns_no_content_when_configured_unless_attributes_are_asked() {
    let h = harness_with(|b| b.patch_returns_no_content(true));
    let id = id_of(&h.create_user("noah").await);
    let path = format!("/Users/{id}");

    let res = h
        .patch(
            &path,
            &json!([{"op": "replace", "path": "title", "value": "A"}]),
        )
        .await;
    assert_eq!(res.status(), 204, "{}", res.describe());
    assert!(res.body.is_empty(), "{}", res.describe());
    let stored = h.fetch(&path).await;
    assert_eq!(stored["title"], "A");
    assert_eq!(res.header("etag"), Some(version_of(&stored)));

    // excludedAttributes alone does not ask for a body.
    let res = h
        .patch(
            &format!("{path}?excludedAttributes=title"),
            &json!([{"op": "replace", "path": "title", "value": "B"}]),
        )
        .await;
    assert_eq!(res.status(), 204, "{}", res.describe());

    // attributes does: 200 with the projected resource (RFC 7644 §3.5.2).
    let body = h
        .patch(
            &format!("{path}?attributes=title"),
            &json!([{"op": "replace", "path": "title", "value": "C"}]),
        )
        .await
        .expect(200);
    assert_eq!(body["title"], "C");
    assert!(body.get("userName").is_none(), "{body}");
}

#[tokio::test]
async fn patch_of_an_unknown_id_is_404() {
    let h = harness();
    h.patch(
        "/Users/nope",
        &json!([{"op": "replace", "path": "title", "value": "x"}]),
    )
    .await
    .expect_error(404, None);
    assert!(h.store.is_empty());
}

// ---------------------------------------------------------------------------------------------
// DELETE (RFC 7644 §3.6)

#[tokio::test]
async fn delete_is_204_and_the_resource_is_gone() {
    let h = harness();
    let id = id_of(&h.create_user("olga").await);
    let keep = id_of(&h.create_user("pete").await);
    let res = h.delete(&format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204, "{}", res.describe());
    assert!(res.body.is_empty());
    h.get(&format!("/Users/{id}")).await.expect_error(404, None);
    h.delete(&format!("/Users/{id}"))
        .await
        .expect_error(404, None);
    h.fetch(&format!("/Users/{keep}")).await;
    assert_eq!(h.store.len("User"), 1);

    let gid = id_of(&h.create_group("G", &[]).await);
    assert_eq!(h.delete(&format!("/Groups/{gid}")).await.status(), 204);
    assert_eq!(h.store.len("Group"), 0);
}

// ---------------------------------------------------------------------------------------------
// POST /.search (RFC 7644 §3.4.3)

#[tokio::test]
async fn search_per_type_reads_the_query_from_the_body() {
    let h = harness();
    for name in ["ann", "bob", "amy", "abe", "cid"] {
        h.create(
            "/Users",
            &json!({"userName": name, "title": format!("T-{name}"), "nickName": name}),
        )
        .await;
    }
    h.create_group("ann-group", &[]).await;
    let search = json!({
        "schemas": [SEARCH_URN],
        "filter": "userName sw \"a\"",
        "sortBy": "userName",
        "sortOrder": "descending",
        "startIndex": 2,
        "count": 2,
        "attributes": ["userName", "title"],
        "excludedAttributes": ["title"],
    });
    let body = h.post("/Users/.search", &search).await.expect(200);
    let resources = assert_list(&body, 3, 2, 2);
    assert_eq!(
        column(&body, "userName"),
        [Some("amy".to_owned()), Some("abe".to_owned())]
    );
    for r in &resources {
        assert!(r.get("nickName").is_none(), "attributes: {r}");
        assert!(r.get("title").is_none(), "excludedAttributes: {r}");
    }

    // The same query as GET parameters gives the same page.
    let get = h
        .get(&format!(
            "/Users?filter={}&sortBy=userName&sortOrder=descending&startIndex=2&count=2&attributes=userName,title&excludedAttributes=title",
            encode("userName sw \"a\"")
        ))
        .await
        .expect(200);
    assert_eq!(get, body);
}

#[tokio::test]
async fn search_at_the_root_spans_every_resource_type() {
    let h = harness();
    let alice = id_of(&h.create_user("alice").await);
    let bob = id_of(&h.create_user("bob").await);
    let g = id_of(&h.create_group("Admins", &[&alice]).await);

    let all = h
        .post("/.search", &json!({"schemas": [SEARCH_URN]}))
        .await
        .expect(200);
    assert_list(&all, 3, 1, 3);
    let mut found = ids(&all);
    found.sort();
    let mut want = vec![alice.clone(), bob.clone(), g.clone()];
    want.sort();
    assert_eq!(found, want);
    let types: Vec<&str> = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"User") && types.contains(&"Group"), "{all}");

    // A filter on an attribute only Users have selects among Users.
    let one = h
        .post(
            "/.search",
            &json!({"schemas": [SEARCH_URN], "filter": "userName eq \"bob\""}),
        )
        .await
        .expect(200);
    assert_list(&one, 1, 1, 1);
    assert_eq!(ids(&one), [bob]);

    // A filter on an attribute both have.
    let named = h
        .post(
            "/.search",
            &json!({"schemas": [SEARCH_URN], "filter": "displayName eq \"Admins\""}),
        )
        .await
        .expect(200);
    assert_eq!(ids(&named), [g]);

    // Paging runs over the combined results.
    let page = h
        .post(
            "/.search",
            &json!({"schemas": [SEARCH_URN], "startIndex": 2, "count": 1}),
        )
        .await
        .expect(200);
    assert_list(&page, 3, 2, 1);
    let count0 = h
        .post("/.search", &json!({"schemas": [SEARCH_URN], "count": 0}))
        .await
        .expect(200);
    assert_list(&count0, 3, 1, 0);
}

#[tokio::test]
async fn search_at_the_root_sorts_by_an_attribute_some_types_lack() {
    let h = harness();
    h.create_user("zed").await;
    h.create_user("amy").await;
    h.create_group("Admins", &[]).await;
    let body = h
        .post(
            "/.search",
            &json!({"schemas": [SEARCH_URN], "sortBy": "userName"}),
        )
        .await
        .expect(200);
    assert_list(&body, 3, 1, 3);
    // Users in order, then the group, which has no userName (sorted last ascending).
    assert_eq!(
        column(&body, "userName"),
        [Some("amy".to_owned()), Some("zed".to_owned()), None]
    );
    let desc = h
        .post(
            "/.search",
            &json!({"schemas": [SEARCH_URN], "sortBy": "userName", "sortOrder": "descending"}),
        )
        .await
        .expect(200);
    assert_eq!(
        column(&desc, "userName"),
        [None, Some("zed".to_owned()), Some("amy".to_owned())]
    );
}

#[tokio::test]
async fn search_at_the_root_sorts_across_resource_types() {
    let h = harness();
    for (u, d) in [("u1", "Bravo"), ("u2", "delta")] {
        h.create("/Users", &json!({"userName": u, "displayName": d}))
            .await;
    }
    h.create_group("alpha", &[]).await;
    h.create_group("Charlie", &[]).await;
    let search = |order: &str, start: u64, count: u64| {
        json!({"schemas": [SEARCH_URN], "sortBy": "displayName", "sortOrder": order,
               "startIndex": start, "count": count})
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        column(v, "displayName")
            .into_iter()
            .map(Option::unwrap)
            .collect()
    };
    let asc = h
        .post("/.search", &search("ascending", 1, 10))
        .await
        .expect(200);
    assert_eq!(names(&asc), ["alpha", "Bravo", "Charlie", "delta"]);
    let desc = h
        .post("/.search", &search("descending", 1, 10))
        .await
        .expect(200);
    assert_eq!(names(&desc), ["delta", "Charlie", "Bravo", "alpha"]);
    let page = h
        .post("/.search", &search("ascending", 2, 2))
        .await
        .expect(200);
    assert_list(&page, 4, 2, 2);
    assert_eq!(names(&page), ["Bravo", "Charlie"]);
}

#[tokio::test]
async fn search_at_the_root_rejects_what_no_type_knows() {
    let h = harness();
    h.create_user("amy").await;
    for body in [
        json!({"schemas": [SEARCH_URN], "filter": "nope eq \"x\""}),
        json!({"schemas": [SEARCH_URN], "sortBy": "nope"}),
        json!({"schemas": [SEARCH_URN], "filter": "userName eq"}),
    ] {
        h.post("/.search", &body)
            .await
            .expect_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn search_needs_post() {
    let h = harness();
    for path in ["/.search", "/Users/.search"] {
        let res = h.get(path).await;
        res.expect_error(405, None);
        assert_eq!(res.header("allow").as_deref(), Some("POST"), "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// /Me (RFC 7644 §3.11)

#[tokio::test]
async fn me_is_501_unless_the_host_enables_it() {
    let h = harness();
    h.create_user("quinn").await;
    for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
        h.req(method.clone(), "/Me").await.expect_error(501, None);
    }
    // Still authenticated first.
    h.get("/Me").no_auth().await.expect_error(401, None);
}

#[tokio::test]
async fn me_acts_as_the_authenticated_users_resource_when_enabled() {
    let me: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let resolver = me.clone();
    let h = harness_with(move |b| b.me(move |_ext| resolver.get().cloned()));

    // No user yet for this subject.
    h.get("/Me").await.expect_error(404, None);

    let id = id_of(&h.create_user("rita").await);
    h.create_user("sam").await;
    me.set(id.clone()).unwrap();

    let res = h.get("/Me").await;
    let body = res.expect(200);
    assert_eq!(body["id"], json!(id));
    assert_eq!(body["userName"], "rita");
    assert_eq!(res.header("etag"), Some(version_of(&body)));

    let patched = h
        .patch(
            "/Me",
            &json!([{"op": "replace", "path": "title", "value": "Me!"}]),
        )
        .await
        .expect(200);
    assert_eq!(patched["title"], "Me!");
    assert_eq!(h.fetch(&format!("/Users/{id}")).await["title"], "Me!");

    assert_eq!(h.delete("/Me").await.status(), 204);
    h.get(&format!("/Users/{id}")).await.expect_error(404, None);
    assert_eq!(h.store.len("User"), 1);
}

#[tokio::test]
async fn patch_returns_no_content_for_one_resource_type_only() {
    let h = harness_with(|b| b.patch_returns_no_content_for("group"));
    let uid = id_of(&h.create_user("nora").await);
    let gid = id_of(&h.create_group("Admins", &[]).await);

    let res = h
        .patch(
            &format!("/Groups/{gid}"),
            &json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
        )
        .await;
    assert_eq!(res.status(), 204, "{}", res.describe());
    assert!(res.header("etag").is_some());

    let res = h
        .patch(
            &format!("/Users/{uid}"),
            &json!([{"op": "replace", "path": "title", "value": "A"}]),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.describe());
    assert_eq!(res.json()["title"], "A");
}
