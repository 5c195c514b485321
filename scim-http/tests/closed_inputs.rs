//! Every input is bounded and no secret is reachable: one test (or more) per hole closed in
//! the request path, each failing on the code before the fix.
#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/http.rs"]
mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use harness::*;
use scim_core::schema::{Attribute, Mutability, Returned, Schema};
use scim_core::{Registry, Resource, ResourceType};
use scim_http::{
    BearerTokens, BuildError, InMemoryStore, Limits, ListQuery, Page, Precondition, RequestContext,
    ResourceStore, ScimServer, StoreError,
};
use serde_json::{Value, json};

const DEVICE_URN: &str = "urn:example:params:scim:schemas:core:2.0:Device";

/// Users, and a Device type whose multi-valued `keys` hold a writeOnly `secret`.
fn registry_with_secret_sub_attribute() -> Registry {
    let device = Schema::new(
        DEVICE_URN,
        "Device",
        vec![
            Attribute::string("name"),
            Attribute::complex(
                "keys",
                vec![
                    Attribute::string("value"),
                    Attribute::string("secret")
                        .mutability(Mutability::WriteOnly)
                        .returned(Returned::Never),
                ],
            )
            .multi_valued(),
        ],
    );
    Registry::new()
        .with(ResourceType::user())
        .unwrap()
        .with(ResourceType::new("Device", "/Devices", Arc::new(device)))
        .unwrap()
}

// 1. No oracle on secrets -------------------------------------------------------------------

#[tokio::test]
async fn secrets_cannot_be_filtered_or_sorted_on() {
    let h = harness();
    let mut u = user("alice");
    u["password"] = json!("hunter2-hunter2");
    h.create("/Users", &u).await;
    for filter in [
        r#"userName eq "alice" and password sw "h""#,
        r#"password pr"#,
        r#"PASSWORD eq "hunter2-hunter2""#,
        r#"not (password sw "x")"#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:password sw "h""#,
    ] {
        let res = h.get(&format!("/Users?filter={}", encode(filter))).await;
        let body = res.expect_error(400, Some("invalidFilter"));
        assert!(
            body["detail"].as_str().unwrap().contains("password"),
            "{filter}: {body}"
        );
        h.post(
            "/Users/.search",
            &json!({"schemas": [SEARCH_URN], "filter": filter}),
        )
        .await
        .expect_error(400, Some("invalidFilter"));
        h.post(
            "/.search",
            &json!({"schemas": [SEARCH_URN], "filter": filter}),
        )
        .await
        .expect_error(400, Some("invalidFilter"));
    }
    h.get("/Users?sortBy=password")
        .await
        .expect_error(400, Some("invalidValue"));
    h.post(
        "/.search",
        &json!({"schemas": [SEARCH_URN], "sortBy": "password"}),
    )
    .await
    .expect_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn secret_sub_attributes_cannot_be_used_in_value_filters() {
    let h = harness_with(|b| b.registry(registry_with_secret_sub_attribute()));
    let device = h
        .create(
            "/Devices",
            &json!({"schemas": [DEVICE_URN], "name": "d1",
                    "keys": [{"value": "k1", "secret": "s3cret"}]}),
        )
        .await;
    let id = id_of(&device);
    assert!(device["keys"][0].get("secret").is_none(), "{device}");
    h.get(&format!(
        "/Devices?filter={}",
        encode(r#"keys[secret sw "s"]"#)
    ))
    .await
    .expect_error(400, Some("invalidFilter"));
    h.patch(
        &format!("/Devices/{id}"),
        &json!([{"op": "replace", "path": "keys[secret sw \"s\"].value", "value": "k2"}]),
    )
    .await
    .expect_error(400, Some("invalidFilter"));
    // The secret may still be written.
    h.patch(
        &format!("/Devices/{id}"),
        &json!([{"op": "replace", "path": "keys[value eq \"k1\"].secret", "value": "new"}]),
    )
    .await
    .expect(200);
}

// 2. Root /.search honours maxResults -------------------------------------------------------

/// An in-memory store that records the largest page any call asked for.
#[derive(Default)]
struct Counting {
    inner: InMemoryStore,
    largest: AtomicU64,
}

#[async_trait]
impl ResourceStore for Counting {
    async fn create(&self, ctx: &RequestContext, r: Resource) -> Result<Resource, StoreError> {
        self.inner.create(ctx, r).await
    }
    async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Option<Resource>, StoreError> {
        self.inner.get(ctx, id).await
    }
    async fn list(&self, ctx: &RequestContext, query: &ListQuery) -> Result<Page, StoreError> {
        let asked = query.count.unwrap_or(u64::MAX);
        self.largest.fetch_max(asked, Ordering::SeqCst);
        self.inner.list(ctx, query).await
    }
    async fn replace(
        &self,
        ctx: &RequestContext,
        id: &str,
        r: scim_http::Replacement,
        expected: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        self.inner.replace(ctx, id, r, expected).await
    }
    async fn delete(
        &self,
        ctx: &RequestContext,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<(), StoreError> {
        self.inner.delete(ctx, id, expected).await
    }
}

fn counting_server(max_results: u64) -> (ScimServer, Arc<Counting>) {
    let store = Arc::new(Counting::default());
    let server = ScimServer::builder()
        .shared_store(store.clone())
        .public_url(BASE_URL)
        .authenticator(BearerTokens::single(TOKEN))
        .max_results(max_results)
        .build()
        .unwrap();
    (server, store)
}

#[tokio::test]
async fn root_search_never_asks_a_store_for_more_than_max_results() {
    let (server, store) = counting_server(5);
    let h = Harness {
        server,
        store: Arc::new(InMemoryStore::new()),
    };
    for i in 0..8 {
        h.create_user(&format!("u{i}")).await;
    }
    for i in 0..4 {
        h.create_group(&format!("g{i}"), &[]).await;
    }
    let search = |body: Value| {
        let mut b = json!({"schemas": [SEARCH_URN]});
        b.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        h.post("/.search", &b)
    };
    // The whole directory in pages of 5: 12 resources, every one once, in registry order.
    let mut seen = Vec::new();
    for start in [1, 6, 11] {
        let page = search(json!({"startIndex": start, "count": 100}))
            .await
            .expect(200);
        assert_eq!(page["totalResults"], 12);
        seen.extend(ids(&page));
    }
    assert_eq!(seen.len(), 12);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 12);
    // The far end answers at once with an empty page.
    let far = search(json!({"startIndex": i64::MAX})).await.expect(200);
    assert_list(&far, 12, i64::MAX as u64, 0);
    // Sorted: the first maxResults are served; a page past them is tooMany.
    let sorted = search(json!({"sortBy": "meta.created", "count": 5}))
        .await
        .expect(200);
    assert_eq!(ids(&sorted).len(), 5);
    search(json!({"sortBy": "meta.created", "startIndex": 4, "count": 5}))
        .await
        .expect_error(400, Some("tooMany"));
    assert!(store.largest.load(Ordering::SeqCst) <= 5);
}

// 3. Tokens ----------------------------------------------------------------------------------

#[test]
fn short_or_empty_secrets_are_refused_when_the_server_is_built() {
    for secret in ["", "short", "fifteen-bytes!!"] {
        let built = ScimServer::builder()
            .store(InMemoryStore::new())
            .authenticator(BearerTokens::single(secret))
            .build();
        assert!(
            matches!(built, Err(BuildError::Authenticator(_))),
            "{secret:?}"
        );
    }
}

#[tokio::test]
async fn tokens_are_added_rotated_and_revoked_while_the_server_runs() {
    let tokens = BearerTokens::new();
    let h = harness_with(|b| b.authenticator(tokens.clone()));
    let first = "customer-token-0001-xxxxxxxx";
    let second = "customer-token-0002-xxxxxxxx";
    h.get("/Users").token(first).await.expect_error(401, None);
    tokens.insert(first, None).unwrap();
    h.get("/Users").token(first).await.expect(200);
    tokens.rotate(first, second).unwrap();
    h.get("/Users").token(first).await.expect(200);
    h.get("/Users").token(second).await.expect(200);
    tokens.revoke(first);
    h.get("/Users").token(first).await.expect_error(401, None);
    h.get("/Users").token(second).await.expect(200);
    // A huge Authorization header is refused like any wrong token.
    h.get("/Users")
        .token(&"x".repeat(64 << 10))
        .await
        .expect_error(401, None);
}

// 5. attributes / excludedAttributes ---------------------------------------------------------

#[tokio::test]
async fn projection_lists_are_bounded_and_deduplicated() {
    let h = harness();
    let id = id_of(&h.create_user("bjensen").await);
    let names = |n: usize| vec!["userName"; n].join(",");
    for param in ["attributes", "excludedAttributes"] {
        h.get(&format!("/Users/{id}?{param}={}", names(101)))
            .await
            .expect_error(400, Some("tooMany"));
        h.get(&format!("/Users?{param}={}", names(101)))
            .await
            .expect_error(400, Some("tooMany"));
        h.get(&format!("/Users/{id}?{param}={}", names(100)))
            .await
            .expect(200);
    }
    let once = h.fetch(&format!("/Users/{id}?attributes=userName")).await;
    let many = h
        .fetch(&format!(
            "/Users/{id}?attributes=userName,USERNAME,userName"
        ))
        .await;
    assert_eq!(once, many);
}

// 6. Every parser honours the server's limits -----------------------------------------------

#[tokio::test]
async fn patch_paths_and_sort_keys_honour_the_servers_limits() {
    let mut limits = Limits::default();
    limits.max_filter_len = 40;
    limits.max_filter_depth = 2;
    let h = harness_with(|b| b.limits(limits));
    let id = id_of(&h.create_user("bjensen").await);
    let long = format!("emails[value eq \"{}\"].type", "x".repeat(40));
    h.patch(
        &format!("/Users/{id}"),
        &json!([{"op": "replace", "path": long, "value": "work"}]),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    let deep = r#"emails[(((type eq "a")))].value"#;
    h.patch(
        &format!("/Users/{id}"),
        &json!([{"op": "replace", "path": deep, "value": "x"}]),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    h.get(&format!("/Users?sortBy={}", "a".repeat(41)))
        .await
        .expect_error(400, Some("invalidFilter"));
}

#[tokio::test]
async fn too_many_patch_operations_are_refused() {
    let mut limits = Limits::default();
    limits.max_patch_operations = 3;
    let h = harness_with(|b| b.limits(limits));
    let id = id_of(&h.create_user("bjensen").await);
    let op = json!({"op": "replace", "path": "displayName", "value": "B"});
    h.patch(&format!("/Users/{id}"), &json!([op, op, op, op]))
        .await
        .expect_error(400, Some("tooMany"));
    h.patch(&format!("/Users/{id}"), &json!([op, op, op]))
        .await
        .expect(200);
}

// 7. Base URL --------------------------------------------------------------------------------

#[tokio::test]
async fn a_forged_host_never_reaches_a_location() {
    let plain = ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single(TOKEN))
        .build()
        .unwrap();
    let h = Harness {
        server: plain,
        store: Arc::new(InMemoryStore::new()),
    };
    let res = h
        .post("/Users", &user("bjensen"))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .await;
    let body = res.expect(201);
    let location = res.header("location").unwrap();
    assert!(location.starts_with("/scim/v2/Users/"), "{location}");
    assert_eq!(body["meta"]["location"], location.as_str());
    assert!(!res.text().contains("evil.example"), "{}", res.text());

    // With a public URL, every URL comes from it.
    let h = harness();
    let res = h
        .post("/Users", &user("bjensen"))
        .header("host", "evil.example")
        .await;
    assert!(res.header("location").unwrap().starts_with(BASE_URL));
    assert!(!res.text().contains("evil.example"));

    // Behind a trusted proxy, its headers are used.
    let proxied = Harness {
        server: ScimServer::builder()
            .store(InMemoryStore::new())
            .authenticator(BearerTokens::single(TOKEN))
            .trust_forwarded_headers(true)
            .build()
            .unwrap(),
        store: Arc::new(InMemoryStore::new()),
    };
    let res = proxied
        .post("/Users", &user("bjensen"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "app.example.com")
        .await;
    assert_eq!(
        res.header("location").unwrap(),
        format!(
            "https://app.example.com/scim/v2/Users/{}",
            id_of(&res.json())
        )
    );
}

// 8. PATCH needs one or more operations ------------------------------------------------------

#[tokio::test]
async fn patch_with_no_operations_is_invalid_value() {
    let h = harness();
    let id = id_of(&h.create_user("bjensen").await);
    let body = h
        .patch(&format!("/Users/{id}"), &json!([]))
        .await
        .expect_error(400, Some("invalidValue"));
    assert!(
        body["detail"].as_str().unwrap().contains("one or more"),
        "{body}"
    );
}

// 9. Content-Type ----------------------------------------------------------------------------

#[tokio::test]
async fn bodies_in_other_media_types_are_415_and_store_nothing() {
    let h = harness();
    let body = serde_json::to_vec(&user("bjensen")).unwrap();
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        h.req(http::Method::POST, "/Users")
            .raw(ct, body.clone())
            .await
            .expect_error(415, None);
    }
    assert_eq!(h.store.len("User"), 0);
    for (i, ct) in [
        "application/scim+json",
        "application/json",
        "application/scim+json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ]
    .into_iter()
    .enumerate()
    {
        let body = serde_json::to_vec(&user(&format!("u{i}"))).unwrap();
        h.req(http::Method::POST, "/Users")
            .raw(ct, body)
            .await
            .expect(201);
    }
    assert_eq!(h.store.len("User"), 4);
}
