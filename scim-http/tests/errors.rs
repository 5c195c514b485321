#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Errors (RFC 7644 §3.12): the body shape, unknown endpoints, wrong methods, bad bodies,
//! payload limits, backend failures, and which statuses each method may return.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use async_trait::async_trait;
use harness::*;
use http::Method;
use scim_core::Resource;
use scim_http::{
    BearerTokens, ListQuery, Page, Precondition, RequestContext, ResourceStore, ScimServer,
    StoreError,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The body

#[tokio::test]
async fn error_bodies_have_the_rfc_shape() {
    let h = harness();
    h.create_user("alice").await;

    let not_found = h.get("/Users/nope").await;
    let body = not_found.expect_error(404, None);
    assert_eq!(body["schemas"], json!([ERROR_URN]));
    assert_eq!(body["status"], json!("404"));
    assert!(body.get("scimType").is_none(), "{body}");

    let conflict = h.post("/Users", &user("ALICE")).await;
    let body = conflict.expect_error(409, Some("uniqueness"));
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["detail", "schemas", "scimType", "status"]
    );
    assert_eq!(body["status"], json!("409"));
    assert!(!body["detail"].as_str().unwrap().is_empty());

    let bad = h
        .get(&format!("/Users?filter={}", encode("userName zz 1")))
        .await;
    assert_eq!(
        bad.header("content-type").as_deref(),
        Some("application/scim+json")
    );
    bad.expect_error(400, Some("invalidFilter"));
}

// ---------------------------------------------------------------------------------------------
// Routing

#[tokio::test]
async fn unknown_endpoints_are_404() {
    let h = harness();
    let id = id_of(&h.create_user("alice").await);
    for path in [
        "/Nope",
        "/Nope/123",
        "",
        "/",
        &format!("/Users/{id}/extra"),
        "/.search/x",
        "/ServiceProviderConfig/x",
        "/ResourceTypes/Nope",
        "/Schemas/urn:nope",
        "/Schemas/a/b",
    ] {
        let res = h.get(path).await;
        res.expect_error(404, None);
    }
    // Outside the base path.
    for uri in ["/other/Users", "/scim/v2x/Users", "/"] {
        h.get("").at(uri).await.expect_error(404, None);
    }
    // Unknown methods on unknown endpoints are still 404.
    h.post("/Nope", &json!({})).await.expect_error(404, None);
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let h = harness();
    let id = id_of(&h.create_user("alice").await);
    let item = format!("/Users/{id}");
    let cases: &[(Method, &str, &str)] = &[
        (Method::PUT, "/Users", "GET, POST"),
        (Method::PATCH, "/Users", "GET, POST"),
        (Method::DELETE, "/Groups", "GET, POST"),
        (Method::POST, &item, "GET, PUT, PATCH, DELETE"),
        (Method::HEAD, &item, "GET, PUT, PATCH, DELETE"),
        (Method::POST, "/ServiceProviderConfig", "GET"),
        (Method::DELETE, "/Schemas", "GET"),
        (Method::PUT, "/ResourceTypes/User", "GET"),
        (
            Method::PATCH,
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            "GET",
        ),
        (Method::GET, "/.search", "POST"),
        (Method::DELETE, "/Users/.search", "POST"),
    ];
    for (method, path, allow) in cases {
        let res = h
            .req(method.clone(), path)
            .raw("application/scim+json", "{}")
            .await;
        assert_eq!(res.status(), 405, "{}", res.describe());
        if *method != Method::HEAD {
            res.expect_error(405, None);
        }
        assert_eq!(
            res.header("allow").as_deref(),
            Some(*allow),
            "{method} {path}"
        );
    }
    // Nothing was changed by any of them.
    assert_eq!(h.store.len("User"), 1);
    assert_eq!(h.fetch(&item).await["userName"], "alice");
}

#[tokio::test]
async fn bulk_is_501() {
    let h = harness();
    h.post(
        "/Bulk",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []}),
    )
    .await
    .expect_error(501, None);
}

// ---------------------------------------------------------------------------------------------
// Bodies

#[tokio::test]
async fn scim_json_and_plain_json_are_accepted() {
    let h = harness();
    for (i, ct) in [
        "application/scim+json",
        "application/json",
        "application/scim+json; charset=utf-8",
        "application/json;charset=UTF-8",
    ]
    .into_iter()
    .enumerate()
    {
        let body = serde_json::to_vec(&user(&format!("user{i}"))).unwrap();
        let created = h
            .req(Method::POST, "/Users")
            .raw(ct, body)
            .await
            .expect(201);
        let path = format!("/Users/{}", id_of(&created));
        let put =
            serde_json::to_vec(&json!({"userName": format!("user{i}"), "title": "T"})).unwrap();
        h.req(Method::PUT, &path).raw(ct, put).await.expect(200);
        let patch = serde_json::to_vec(&patch_op(
            &json!([{"op": "replace", "path": "title", "value": "U"}]),
        ))
        .unwrap();
        let patched = h.req(Method::PATCH, &path).raw(ct, patch).await.expect(200);
        assert_eq!(patched["title"], "U", "{ct}");
        let search = serde_json::to_vec(&json!({"schemas": [SEARCH_URN]})).unwrap();
        h.req(Method::POST, "/Users/.search")
            .raw(ct, search)
            .await
            .expect(200);
    }
    assert_eq!(h.store.len("User"), 4);
}

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax_and_stores_nothing() {
    let h = harness();
    for body in [
        "{",
        "{\"userName\": \"a\",}",
        "userName=a",
        "{\"userName\": \"a\"} trailing",
        "",
        "   ",
    ] {
        h.req(Method::POST, "/Users")
            .raw("application/scim+json", body)
            .await
            .expect_error(400, Some("invalidSyntax"));
        h.req(Method::POST, "/.search")
            .raw("application/scim+json", body)
            .await
            .expect_error(400, Some("invalidSyntax"));
    }
    assert!(h.store.is_empty());

    let created = h.create_user("alice").await;
    let path = format!("/Users/{}", id_of(&created));
    h.req(Method::PUT, &path)
        .raw("application/scim+json", "{\"userName\": ")
        .await
        .expect_error(400, Some("invalidSyntax"));
    assert_eq!(h.fetch(&path).await, created);
}

#[tokio::test]
async fn wrong_shaped_json_is_400_invalid_value_and_stores_nothing() {
    let h = harness();
    for body in [
        json!([]),
        json!([{"userName": "a"}]),
        json!("a string"),
        json!(5),
        json!(null),
        json!({"userName": 5}),
        json!({"userName": "a", "active": "maybe"}),
        json!({"userName": "a", "emails": "a@example.com"}),
        json!({"userName": "a", "name": ["not", "complex"]}),
        json!({"userName": "a", "emails": [{"value": "x", "primary": true}, {"value": "y", "primary": true}]}),
        json!({"displayName": "no userName"}),
        json!({"userName": null}),
    ] {
        h.post("/Users", &body)
            .await
            .expect_error(400, Some("invalidValue"));
    }
    for body in [
        json!({"displayName": 7}),
        json!({"displayName": "G", "members": "someone"}),
        json!({"members": []}),
    ] {
        h.post("/Groups", &body)
            .await
            .expect_error(400, Some("invalidValue"));
    }
    for body in [
        json!([]),
        json!({"count": "ten"}),
        json!({"sortOrder": "sideways"}),
        json!({"filter": 5}),
    ] {
        h.post("/Users/.search", &body)
            .await
            .expect_error(400, Some("invalidValue"));
    }
    assert!(h.store.is_empty());
}

#[tokio::test]
async fn a_failed_put_changes_nothing() {
    let h = harness();
    let created = h
        .create(
            "/Users",
            &json!({"userName": "alice", "title": "CTO", "externalId": "e-1"}),
        )
        .await;
    let id = id_of(&created);
    let path = format!("/Users/{id}");
    for body in [
        json!({"userName": 5}),
        json!({"title": "no userName"}),
        json!([]),
        json!({"userName": "alice", "active": "maybe"}),
    ] {
        h.put(&path, &body)
            .await
            .expect_error(400, Some("invalidValue"));
        assert_eq!(h.fetch(&path).await, created, "{body}");
    }
    assert_eq!(
        h.ids_matching("/Users", "externalId eq \"e-1\"").await,
        [id]
    );
}

#[tokio::test]
async fn bodies_over_the_payload_limit_are_413_and_store_nothing() {
    let limit = 200;
    let h = harness_with(|b| b.max_payload(limit));
    assert_eq!(h.server.max_payload(), limit);
    let padded = |n: usize| {
        let base = serde_json::to_vec(&json!({"userName": "alice", "title": ""})).unwrap();
        let title = "x".repeat(n - base.len());
        let v = serde_json::to_vec(&json!({"userName": "alice", "title": title})).unwrap();
        assert_eq!(v.len(), n);
        v
    };
    // One byte over: 413, nothing stored.
    h.req(Method::POST, "/Users")
        .raw("application/scim+json", padded(limit + 1))
        .await
        .expect_error(413, None);
    assert!(h.store.is_empty());
    // Exactly at the limit: accepted.
    let created = h
        .req(Method::POST, "/Users")
        .raw("application/scim+json", padded(limit))
        .await
        .expect(201);
    let path = format!("/Users/{}", id_of(&created));
    // PUT, PATCH and /.search are bounded too; the resource is unchanged.
    h.req(Method::PUT, &path)
        .raw("application/scim+json", padded(limit + 50))
        .await
        .expect_error(413, None);
    let big_patch = serde_json::to_vec(&patch_op(&json!([
        {"op": "replace", "path": "title", "value": "y".repeat(limit)}
    ])))
    .unwrap();
    h.req(Method::PATCH, &path)
        .raw("application/scim+json", big_patch)
        .await
        .expect_error(413, None);
    h.req(Method::POST, "/Users/.search")
        .raw("application/scim+json", vec![b' '; limit + 1])
        .await
        .expect_error(413, None);
    assert_eq!(h.fetch(&path).await, created);
    assert_eq!(h.store.len("User"), 1);
}

// ---------------------------------------------------------------------------------------------
// Backend failures

/// A store whose backend is down, with a message that must not reach clients.
struct DownStore;

const SECRET: &str = "password=hunter2 host=db.internal";

fn down() -> StoreError {
    StoreError::backend(std::io::Error::other(SECRET))
}

#[async_trait]
impl ResourceStore for DownStore {
    async fn create(&self, _: &RequestContext, _: Resource) -> Result<Resource, StoreError> {
        Err(down())
    }
    async fn get(&self, _: &RequestContext, _: &str) -> Result<Option<Resource>, StoreError> {
        Err(down())
    }
    async fn list(&self, _: &RequestContext, _: &ListQuery) -> Result<Page, StoreError> {
        Err(down())
    }
    async fn replace(
        &self,
        _: &RequestContext,
        _: &str,
        _: scim_http::Replacement,
        _: Precondition<'_>,
    ) -> Result<Resource, StoreError> {
        Err(down())
    }
    async fn delete(
        &self,
        _: &RequestContext,
        _: &str,
        _: Precondition<'_>,
    ) -> Result<(), StoreError> {
        Err(down())
    }
}

fn down_server() -> Harness {
    let server = ScimServer::builder()
        .store(DownStore)
        .authenticator(BearerTokens::single(TOKEN))
        .build()
        .unwrap();
    Harness {
        server,
        store: std::sync::Arc::new(scim_http::InMemoryStore::new()),
    }
}

#[tokio::test]
async fn backend_errors_are_500_without_details() {
    let h = down_server();
    let patch = patch_op(&json!([{"op": "replace", "path": "title", "value": "x"}]));
    for call in [
        h.get("/Users"),
        h.get("/Users/1"),
        h.post("/Users", &user("alice")),
        h.put("/Users/1", &user("alice")),
        h.req(Method::PATCH, "/Users/1").json(&patch),
        h.delete("/Users/1"),
        h.post("/.search", &json!({})),
    ] {
        let res = call.await;
        let body = res.expect_error(500, None);
        let detail = body["detail"].as_str().unwrap();
        assert!(
            !detail.contains("hunter2") && !detail.contains("db.internal"),
            "{detail}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Applicability (RFC 7644 §3.12's table, as elimity-com/scim checks it)

/// Whether RFC 7644 §3.12 (or HTTP, for 304 and 405) allows `status` as an answer to `method`.
fn legal(method: &Method, status: u16) -> bool {
    let m = method.as_str();
    let all = ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m);
    match status {
        200 => m != "DELETE",
        201 => m == "POST",
        204 => m == "DELETE" || m == "PATCH",
        304 => m == "GET",
        307 | 308 | 400 | 401 | 403 | 404 | 500 | 501 => all,
        405 => true,
        409 => ["POST", "PUT", "PATCH", "DELETE"].contains(&m),
        412 => ["PUT", "PATCH", "DELETE"].contains(&m),
        413 => ["POST", "PUT", "PATCH"].contains(&m),
        _ => false,
    }
}

#[test]
fn the_applicability_table_is_the_rfcs() {
    assert!(legal(&Method::DELETE, 412));
    assert!(!legal(&Method::GET, 412));
    assert!(!legal(&Method::POST, 412));
    assert!(!legal(&Method::GET, 409));
    assert!(!legal(&Method::DELETE, 413));
    assert!(!legal(&Method::GET, 413));
    assert!(legal(&Method::PATCH, 413));
    assert!(!legal(&Method::GET, 418));
}

/// `(method, path, extra header, body, expected status)`.
type Row<'a> = (
    Method,
    &'a str,
    Option<(&'a str, &'a str)>,
    Option<Value>,
    u16,
);

#[tokio::test]
async fn every_status_is_legal_for_its_method() {
    let h = harness_with(|b| b.max_payload(4096));
    let alice = h.create_user("alice").await;
    let a = format!("/Users/{}", id_of(&alice));
    h.create_user("bob").await;
    let stale = "W/\"stale\"";
    let big = vec![b' '; 5000];
    let rename_to_bob = patch_op(&json!([{"op": "replace", "path": "userName", "value": "bob"}]));
    let ok_patch = patch_op(&json!([{"op": "replace", "path": "title", "value": "x"}]));
    let version = version_of(&alice);
    let bad_filter = format!("/Users?filter={}", encode("nope eq 1"));

    let rows: Vec<Row<'_>> = vec![
        (Method::GET, "/Users", None, None, 200),
        (
            Method::GET,
            &a,
            Some(("if-none-match", &version)),
            None,
            304,
        ),
        (Method::GET, &bad_filter, None, None, 400),
        (Method::GET, "/Users/missing", None, None, 404),
        (Method::GET, "/Nope", None, None, 404),
        (Method::GET, "/Schemas?filter=id+pr", None, None, 403),
        (Method::GET, "/Me", None, None, 501),
        (
            Method::GET,
            "/Users",
            Some(("authorization", "Bearer wrong")),
            None,
            401,
        ),
        (
            Method::POST,
            "/Users",
            None,
            Some(json!({"userName": 5})),
            400,
        ),
        (Method::POST, "/Users", None, Some(user("ALICE")), 409),
        (Method::POST, "/Users", None, Some(json!("x")), 400),
        (
            Method::POST,
            "/Users",
            Some(("authorization", "Bearer wrong")),
            Some(user("carl")),
            401,
        ),
        (Method::POST, "/Bulk", None, Some(json!({})), 501),
        (Method::POST, &a, None, Some(json!({})), 405),
        (Method::PUT, "/Users/missing", None, Some(user("x")), 404),
        (Method::PUT, &a, None, Some(user("bob")), 409),
        (
            Method::PUT,
            &a,
            Some(("if-match", stale)),
            Some(user("alice")),
            412,
        ),
        (Method::PUT, &a, None, Some(json!({"userName": 5})), 400),
        (Method::PUT, "/Users", None, Some(user("x")), 405),
        (
            Method::PATCH,
            "/Users/missing",
            None,
            Some(ok_patch.clone()),
            404,
        ),
        (Method::PATCH, &a, None, Some(rename_to_bob), 409),
        (
            Method::PATCH,
            &a,
            Some(("if-match", stale)),
            Some(ok_patch.clone()),
            412,
        ),
        (Method::PATCH, &a, None, Some(json!({"Operations": 1})), 400),
        (Method::DELETE, "/Users/missing", None, None, 404),
        (Method::DELETE, &a, Some(("if-match", stale)), None, 412),
        (
            Method::DELETE,
            &a,
            Some(("authorization", "Basic YTpi")),
            None,
            401,
        ),
        (Method::DELETE, "/Users", None, None, 405),
    ];
    for (method, path, header, body, want) in rows {
        let mut call = h.req(method.clone(), path);
        if let Some((k, v)) = header {
            call = call.header(k, v);
        }
        if let Some(b) = &body {
            call = call.json(b);
        }
        let res = call.await;
        assert_eq!(res.status(), want, "{}", res.describe());
        assert!(
            legal(&method, res.status()),
            "{} is not a legal status for {method}: {}",
            res.status(),
            res.describe()
        );
    }
    // Oversized bodies where a body is meaningful.
    for method in [Method::POST, Method::PUT, Method::PATCH] {
        let path = if method == Method::POST {
            "/Users"
        } else {
            a.as_str()
        };
        let res = h
            .req(method.clone(), path)
            .raw("application/scim+json", big.clone())
            .await;
        assert_eq!(res.status(), 413, "{}", res.describe());
        assert!(legal(&method, 413));
    }
    // Backend failures on every method.
    let d = down_server();
    for method in [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ] {
        let path = if method == Method::POST {
            "/Users"
        } else {
            "/Users/1"
        };
        let body = if method == Method::PATCH {
            ok_patch.clone()
        } else {
            user("z")
        };
        let res = d.req(method.clone(), path).json(&body).await;
        assert_eq!(res.status(), 500, "{}", res.describe());
        assert!(legal(&method, res.status()));
    }
    // The successful row aside, nothing changed.
    assert_eq!(h.fetch(&a).await, alice);
}
