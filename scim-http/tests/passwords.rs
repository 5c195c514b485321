//! Passwords reach the store hashed (Argon2id by default), whatever form the client sends
//! them in, and are never returned (RFC 7643 §4.1.1: writeOnly, returned never).
#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/http.rs"]
mod harness;

use std::sync::Arc;

use argon2::{PasswordHash, PasswordVerifier};
use harness::*;
use scim_core::ResourceType;
use scim_http::{RequestContext, ResourceStore, Tenant};
use serde_json::{Value, json};

async fn stored_password(h: &Harness, id: &str) -> String {
    let ctx = RequestContext::new(
        Arc::new(ResourceType::user()),
        Tenant::default(),
        http::Extensions::new(),
    );
    let r = h.store.get(&ctx, id).await.unwrap().unwrap();
    r.get("password")
        .and_then(Value::as_str)
        .unwrap()
        .to_owned()
}

fn verifies(hash: &str, password: &str) -> bool {
    let parsed = PasswordHash::new(hash).unwrap();
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[tokio::test]
async fn passwords_are_hashed_on_create_replace_and_every_patch_form() {
    let h = harness();
    let mut body = user("bjensen");
    body["password"] = json!("first-secret-1");
    let created = h.create("/Users", &body).await;
    assert!(created.get("password").is_none(), "{created}");
    let id = id_of(&created);
    let path = format!("/Users/{id}");
    let first = stored_password(&h, &id).await;
    assert!(first.starts_with("$argon2id$"), "{first}");
    assert!(verifies(&first, "first-secret-1"));

    // PUT without a password keeps the stored hash; with one, stores a new hash.
    h.put(&path, &user("bjensen")).await.expect(200);
    assert_eq!(stored_password(&h, &id).await, first);
    let mut replacement = user("bjensen");
    replacement["password"] = json!("second-secret-2");
    let replaced = h.put(&path, &replacement).await.expect(200);
    assert!(replaced.get("password").is_none());
    assert!(verifies(&stored_password(&h, &id).await, "second-secret-2"));

    // PATCH: by path, by URN path, path-less, and path-less under the core URN.
    let forms = [
        json!([{"op": "replace", "path": "password", "value": "third-secret-3"}]),
        json!([{"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:PASSWORD", "value": "fourth-secret-4"}]),
        json!([{"op": "replace", "value": {"Password": "fifth-secret-5", "title": "x"}}]),
        json!([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User": {"password": "sixth-secret-6"}}}]),
    ];
    for (ops, plain) in forms.iter().zip([
        "third-secret-3",
        "fourth-secret-4",
        "fifth-secret-5",
        "sixth-secret-6",
    ]) {
        let res = h.patch(&path, ops).await;
        let body = res.expect(200);
        assert!(body.get("password").is_none(), "{body}");
        assert!(!res.text().contains(plain));
        let stored = stored_password(&h, &id).await;
        assert!(verifies(&stored, plain), "{ops}: {stored}");
    }
    let config = h.fetch("/ServiceProviderConfig").await;
    assert_eq!(config["changePassword"]["supported"], true);
}
