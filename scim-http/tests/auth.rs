#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Authentication (RFC 7644 §2, RFC 6750): bearer tokens, rotation, and tenants.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use harness::*;
use http::Method;
use scim_http::{BearerTokens, Tenant};
use serde_json::json;

/// Asserts a 401 with `WWW-Authenticate: Bearer …` and an RFC 7644 error body.
#[track_caller]
fn assert_unauthorized(res: &Res) {
    res.expect_error(401, None);
    let challenge = some(res.header("www-authenticate"), || {
        format!("no WWW-Authenticate: {}", res.describe())
    });
    assert!(
        challenge.starts_with("Bearer"),
        "{challenge}: {}",
        res.describe()
    );
}

/// The ways a request can fail to authenticate.
fn bad_credentials() -> Vec<Option<String>> {
    vec![
        None,
        Some("Bearer wrong".to_owned()),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
        Some("Bearer".to_owned()),
        Some("Bearer ".to_owned()),
        Some(format!("Basic {TOKEN}")),
        Some(TOKEN.to_owned()),
    ]
}

fn with_credentials(call: Call, credentials: Option<&str>) -> Call {
    match credentials {
        None => call.no_auth(),
        Some(c) => call.header("authorization", c),
    }
}

#[tokio::test]
async fn missing_or_wrong_tokens_are_401_and_nothing_is_written() {
    let h = harness();
    for creds in bad_credentials() {
        let creds = creds.as_deref();
        let res = with_credentials(h.post("/Users", &user("mallory")), creds).await;
        assert_unauthorized(&res);
        let res = with_credentials(h.post("/Groups", &group("Evil", &[])), creds).await;
        assert_unauthorized(&res);
    }
    assert!(h.store.is_empty(), "nothing was stored");
    assert_eq!(h.fetch("/Users").await["totalResults"], 0);
}

#[tokio::test]
async fn missing_or_wrong_tokens_cannot_change_or_delete() {
    let h = harness();
    let created = h
        .create("/Users", &json!({"userName": "alice", "title": "Dev"}))
        .await;
    let path = format!("/Users/{}", id_of(&created));
    for creds in bad_credentials() {
        let creds = creds.as_deref();
        let calls = [
            h.put(&path, &json!({"userName": "mallory"})),
            h.patch(
                &path,
                &json!([{"op": "replace", "path": "userName", "value": "mallory"}]),
            ),
            h.delete(&path),
        ];
        for call in calls {
            assert_unauthorized(&with_credentials(call, creds).await);
        }
    }
    assert_eq!(h.fetch(&path).await, created);
}

#[tokio::test]
async fn missing_or_wrong_tokens_cannot_read() {
    let h = harness();
    let created = h.create_user("alice").await;
    let path = format!("/Users/{}", id_of(&created));
    for creds in bad_credentials() {
        let creds = creds.as_deref();
        let calls = [
            h.get("/Users"),
            h.get(&path),
            h.get(&format!(
                "/Users?filter={}",
                encode("userName eq \"alice\"")
            )),
            h.post("/.search", &json!({})),
            h.post("/Users/.search", &json!({})),
            h.get("/ServiceProviderConfig"),
            h.get("/Schemas"),
            h.get("/ResourceTypes"),
            // Unknown endpoints and wrong methods reveal nothing either.
            h.get("/Nope"),
            h.req(Method::PUT, "/Users"),
        ];
        for call in calls {
            let res = with_credentials(call, creds).await;
            assert_unauthorized(&res);
            assert!(!res.text().contains("alice"), "{}", res.describe());
        }
    }
}

#[tokio::test]
async fn public_discovery_serves_only_discovery_without_a_token() {
    let h = harness_with(|b| b.public_discovery(true));
    for path in [
        "/ServiceProviderConfig",
        "/Schemas",
        "/ResourceTypes",
        "/ResourceTypes/User",
    ] {
        h.get(path).no_auth().await.expect(200);
    }
    assert_unauthorized(&h.get("/Users").no_auth().await);
    assert_unauthorized(&h.post("/Users", &user("x")).no_auth().await);
    assert!(h.store.is_empty());
}

#[tokio::test]
async fn several_tokens_are_accepted_for_rotation() {
    let h = harness_with(|b| {
        b.authenticator(
            BearerTokens::new()
                .token("old-token-0123456789", None)
                .token("new-token-0123456789", None),
        )
    });
    let created = h
        .post("/Users", &user("alice"))
        .token("old-token-0123456789")
        .await
        .expect(201);
    let path = format!("/Users/{}", id_of(&created));
    // The same data under either token.
    assert_eq!(
        h.get(&path).token("new-token-0123456789").await.expect(200),
        created
    );
    h.patch(
        &path,
        &json!([{"op": "replace", "path": "title", "value": "x"}]),
    )
    .token("new-token-0123456789")
    .await
    .expect(200);
    // The scheme name is case-insensitive (RFC 7235 §2.1).
    h.get(&path)
        .header("authorization", "bearer old-token-0123456789")
        .await
        .expect(200);
    // The harness's default token is not one of them.
    assert_unauthorized(&h.get(&path).await);
    assert_unauthorized(&h.get(&path).token("older-token-0123456789").await);
}

#[tokio::test]
async fn tenants_see_disjoint_data() {
    let h = harness_with(|b| {
        b.authenticator(
            BearerTokens::new()
                .token("acme-token-0123456789", Some(Tenant::new("acme")))
                .token("globex-token-0123456789", Some(Tenant::new("globex")))
                .token("acme-rotated-0123456789", Some(Tenant::new("acme"))),
        )
    });
    let acme = |c: Call| c.token("acme-token-0123456789");
    let globex = |c: Call| c.token("globex-token-0123456789");

    let alice = acme(h.post("/Users", &user("alice"))).await.expect(201);
    let a_path = format!("/Users/{}", id_of(&alice));
    let admins = acme(h.post("/Groups", &group("Admins", &[&id_of(&alice)])))
        .await
        .expect(201);
    let g_path = format!("/Groups/{}", id_of(&admins));

    // Globex sees none of it, by list, filter, search or id.
    let list = globex(h.get("/Users")).await.expect(200);
    assert_list(&list, 0, 1, 0);
    let filtered = globex(h.get(&format!(
        "/Users?filter={}",
        encode("userName eq \"alice\"")
    )))
    .await
    .expect(200);
    assert_list(&filtered, 0, 1, 0);
    let searched = globex(h.post("/.search", &json!({}))).await.expect(200);
    assert_list(&searched, 0, 1, 0);
    globex(h.get(&a_path)).await.expect_error(404, None);
    globex(h.get(&g_path)).await.expect_error(404, None);

    // Nor can it change or delete it.
    globex(h.put(&a_path, &user("mallory")))
        .await
        .expect_error(404, None);
    globex(h.patch(
        &a_path,
        &json!([{"op": "replace", "path": "title", "value": "x"}]),
    ))
    .await
    .expect_error(404, None);
    globex(h.delete(&a_path)).await.expect_error(404, None);
    globex(h.delete(&g_path)).await.expect_error(404, None);

    // Uniqueness is per tenant: Globex may have its own alice and Admins.
    let g_alice = globex(h.post("/Users", &user("alice"))).await.expect(201);
    assert_ne!(id_of(&g_alice), id_of(&alice));
    globex(h.post("/Groups", &group("Admins", &[])))
        .await
        .expect(201);
    assert_eq!(
        id_of(&globex(h.get("/Users")).await.expect(200)["Resources"][0]),
        id_of(&g_alice)
    );

    // Acme's data is intact, and a rotated Acme token sees the same.
    let a_now = acme(h.get(&a_path)).await.expect(200);
    assert_eq!(a_now["userName"], "alice");
    assert_eq!(a_now["groups"][0]["value"], json!(id_of(&admins)));
    let acme_list = h
        .get("/Users")
        .token("acme-rotated-0123456789")
        .await
        .expect(200);
    assert_eq!(ids(&acme_list), [id_of(&alice)]);
    let acme_groups = acme(h.get(&g_path)).await.expect(200);
    assert_eq!(acme_groups, admins);
    // The default (tenant-less) partition holds nothing.
    assert!(h.store.is_empty());
}

/// An authenticator that lets every request through and forgets to attach a tenant.
struct Forgetful;

#[async_trait::async_trait]
impl scim_http::Authenticator for Forgetful {
    async fn authenticate(
        &self,
        _: &http::request::Parts,
        _: &mut http::Extensions,
    ) -> Result<(), scim_http::AuthError> {
        Ok(())
    }
}

/// No request falls back to a shared partition: without a tenant nothing reaches the store
/// (fail closed), while discovery, which reads no store, is still served.
#[tokio::test]
async fn a_request_without_a_tenant_never_reaches_a_store() {
    let h = harness_with(|b| b.authenticator(Forgetful));
    h.post("/Users", &user("alice"))
        .await
        .expect_error(500, None);
    h.get("/Users").await.expect_error(500, None);
    assert!(h.store.is_empty());
    h.get("/ServiceProviderConfig").await.expect(200);
}
