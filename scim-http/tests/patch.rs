#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! PATCH through the handler (RFC 7644 §3.5.2): operations, membership changes, the error
//! mapping of RFC 7644 §3.12, and atomicity (a failed PATCH changes nothing).
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use harness::*;
use scim_patch::PatchOptions;
use serde_json::{Value, json};

/// A user with a bit of everything.
async fn rich_user(h: &Harness, user_name: &str) -> Value {
    h.create(
        "/Users",
        &json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "userName": user_name,
            "externalId": format!("ext-{user_name}"),
            "active": true,
            "title": "Engineer",
            "name": {"givenName": "Given", "familyName": "Family"},
            "emails": [{"value": format!("{user_name}@work.example"), "type": "work", "primary": true}],
            ENTERPRISE_URN: {"department": "R&D"},
        }),
    )
    .await
}

#[tokio::test]
async fn operations_apply_in_order() {
    let h = harness();
    let created = rich_user(&h, "alice").await;
    let path = format!("/Users/{}", id_of(&created));
    let body = h
        .patch(
            &path,
            &json!([
                {"op": "add", "path": "emails", "value": [{"value": "alice@home.example", "type": "home"}]},
                {"op": "replace", "path": "name.givenName", "value": "Alicia"},
                {"op": "remove", "path": "title"},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@work.example"},
                {"op": "replace", "path": format!("{ENTERPRISE_URN}:department"), "value": "Sales"},
            ]),
        )
        .await
        .expect(200);
    assert_eq!(
        body["name"],
        json!({"givenName": "Alicia", "familyName": "Family"})
    );
    assert!(body.get("title").is_none(), "{body}");
    assert_eq!(
        body["emails"],
        json!([
            {"value": "a@work.example", "type": "work", "primary": true},
            {"value": "alice@home.example", "type": "home"},
        ])
    );
    assert_eq!(body[ENTERPRISE_URN]["department"], "Sales");
    assert_eq!(h.fetch(&path).await, body);
}

#[tokio::test]
async fn entra_id_requests_are_accepted_by_default() {
    let h = harness();
    let created = rich_user(&h, "bob").await;
    let path = format!("/Users/{}", id_of(&created));
    let body = h
        .patch(
            &path,
            &json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Add", "value": {"name.familyName": "Builder", "nickName": "Bobby"}},
            ]),
        )
        .await
        .expect(200);
    assert_eq!(body["active"], false);
    assert_eq!(body["name"]["familyName"], "Builder");
    assert_eq!(body["nickName"], "Bobby");
}

#[tokio::test]
async fn group_members_are_added_and_removed() {
    let h = harness();
    let a = id_of(&h.create_user("a").await);
    let b = id_of(&h.create_user("b").await);
    let c = id_of(&h.create_user("c").await);
    let g = id_of(&h.create_group("G", &[&a]).await);
    let path = format!("/Groups/{g}");
    let members = |v: &Value| -> Vec<String> {
        let mut m: Vec<String> = v["members"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        m.sort();
        m
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    let body = h
        .patch(
            &path,
            &json!([{"op": "add", "path": "members", "value": [{"value": b}, {"value": c}]}]),
        )
        .await
        .expect(200);
    assert_eq!(
        members(&body),
        sorted(vec![a.clone(), b.clone(), c.clone()])
    );

    // RFC form: a value filter.
    let body = h
        .patch(
            &path,
            &json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
        )
        .await
        .expect(200);
    assert_eq!(members(&body), sorted(vec![b.clone(), c.clone()]));

    // Entra/Okta form: remove with a value list removes only those.
    let body = h
        .patch(
            &path,
            &json!([{"op": "Remove", "path": "members", "value": [{"value": b}]}]),
        )
        .await
        .expect(200);
    assert_eq!(members(&body), std::slice::from_ref(&c));
    assert_eq!(members(&h.fetch(&path).await), [c]);
}

/// `(name, options, operations, scimType)`: a PATCH that must fail with 400 and this type.
type ErrorCase = (&'static str, bool, Value, &'static str);

fn error_cases() -> Vec<ErrorCase> {
    vec![
        (
            "unknown path",
            false,
            json!([{"op": "replace", "path": "nope", "value": "x"}]),
            "invalidPath",
        ),
        (
            "unknown sub-attribute",
            false,
            json!([{"op": "replace", "path": "name.nope", "value": "x"}]),
            "invalidPath",
        ),
        (
            "unknown path under strict",
            true,
            json!([{"op": "add", "path": "nope", "value": "x"}]),
            "invalidPath",
        ),
        (
            "path grammar",
            false,
            json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
            "invalidPath",
        ),
        (
            "remove of an unknown path",
            false,
            json!([{"op": "remove", "path": "nope"}]),
            "invalidPath",
        ),
        (
            "readOnly id",
            false,
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            "mutability",
        ),
        (
            "readOnly meta",
            false,
            json!([{"op": "replace", "path": "meta.created", "value": "2000-01-01T00:00:00Z"}]),
            "mutability",
        ),
        (
            "readOnly groups",
            false,
            json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
            "mutability",
        ),
        (
            "readOnly groups under strict",
            true,
            json!([{"op": "remove", "path": "groups"}]),
            "mutability",
        ),
        (
            "boolean as a word",
            false,
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            "invalidValue",
        ),
        (
            "userName as a number",
            false,
            json!([{"op": "replace", "path": "userName", "value": 5}]),
            "invalidValue",
        ),
        (
            "complex as a string",
            true,
            json!([{"op": "replace", "path": "name", "value": "Bob"}]),
            "invalidValue",
        ),
        (
            "string boolean under strict",
            true,
            json!([{"op": "replace", "path": "active", "value": "False"}]),
            "invalidValue",
        ),
        (
            "filter matches nothing on replace (strict)",
            true,
            json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y"}]),
            "noTarget",
        ),
        (
            "filter matches nothing on remove (strict)",
            true,
            json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
            "noTarget",
        ),
        (
            "remove without a path",
            false,
            json!([{"op": "remove"}]),
            "noTarget",
        ),
    ]
}

#[tokio::test]
async fn patch_errors_map_to_scim_types_and_change_nothing() {
    let lenient = harness();
    let strict = harness_with(|b| b.patch_options(PatchOptions::strict()));
    for (name, use_strict, ops, scim_type) in error_cases() {
        let h = if use_strict { &strict } else { &lenient };
        let created = rich_user(h, &format!("user-{}", name.replace(' ', "-"))).await;
        let path = format!("/Users/{}", id_of(&created));
        let before = h.fetch(&path).await;
        let res = h.patch(&path, &ops).await;
        assert_eq!(res.status(), 400, "{name}: {}", res.describe());
        let body = res.json();
        assert_error_body(
            &body,
            400,
            Some(scim_type),
            &format!("{name}: {}", res.describe()),
        );
        assert_eq!(h.fetch(&path).await, before, "{name}: the resource changed");
    }
}

#[tokio::test]
async fn replace_with_a_filter_that_matches_nothing_creates_the_value_by_default() {
    // The lenient default (Entra ID): the strict-mode noTarget case above succeeds.
    let h = harness();
    let created = rich_user(&h, "carl").await;
    let path = format!("/Users/{}", id_of(&created));
    let body = h
        .patch(
            &path,
            &json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "c@home"}]),
        )
        .await
        .expect(200);
    let emails = body["emails"].as_array().unwrap();
    assert!(
        emails.contains(&json!({"type": "home", "value": "c@home"})),
        "{body}"
    );
}

#[tokio::test]
async fn a_failed_patch_undoes_its_earlier_operations() {
    let h = harness_with(|b| b.patch_options(PatchOptions::strict()));
    let created = rich_user(&h, "dora").await;
    let id = id_of(&created);
    let path = format!("/Users/{id}");
    let g = id_of(&h.create_group("G", &[]).await);
    let gpath = format!("/Groups/{g}");
    let group_before = h.fetch(&gpath).await;

    let cases = [
        // A plain attribute, then a failure.
        (
            json!([
                {"op": "replace", "path": "title", "value": "Changed"},
                {"op": "add", "path": "emails", "value": [{"value": "x@y", "type": "other"}]},
                {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y"},
            ]),
            "noTarget",
        ),
        // userName (a unique, indexed attribute) and externalId (indexed), then a failure.
        (
            json!([
                {"op": "replace", "path": "userName", "value": "dora2"},
                {"op": "replace", "path": "externalId", "value": "ext-new"},
                {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y"},
            ]),
            "noTarget",
        ),
    ];
    for (ops, scim_type) in &cases {
        h.patch(&path, ops).await.expect_error(400, Some(scim_type));
        assert_eq!(h.fetch(&path).await, created, "{ops}");
    }
    // The indexes did not move either.
    assert_eq!(
        h.ids_matching("/Users", "userName eq \"dora\"").await,
        std::slice::from_ref(&id)
    );
    assert!(
        h.ids_matching("/Users", "userName eq \"dora2\"")
            .await
            .is_empty()
    );
    assert_eq!(
        h.ids_matching("/Users", "externalId eq \"ext-dora\"").await,
        std::slice::from_ref(&id)
    );
    assert!(
        h.ids_matching("/Users", "externalId eq \"ext-new\"")
            .await
            .is_empty()
    );

    // Members added, then a failure: the group and the user's groups are unchanged.
    h.patch(
        &gpath,
        &json!([
            {"op": "add", "path": "members", "value": [{"value": id}]},
            {"op": "replace", "path": "members[value eq \"nobody\"].display", "value": "x"},
        ]),
    )
    .await
    .expect_error(400, Some("noTarget"));
    assert_eq!(h.fetch(&gpath).await, group_before);
    assert!(h.fetch(&path).await.get("groups").is_none());
}

#[tokio::test]
async fn malformed_patch_bodies_are_rejected() {
    let h = harness();
    let created = rich_user(&h, "eve").await;
    let path = format!("/Users/{}", id_of(&created));
    h.req(http::Method::PATCH, &path)
        .raw("application/scim+json", "{\"Operations\": [")
        .await
        .expect_error(400, Some("invalidSyntax"));
    h.req(http::Method::PATCH, &path)
        .await
        .expect_error(400, Some("invalidSyntax"));
    h.req(http::Method::PATCH, &path)
        .json(&json!({"schemas": [PATCH_URN], "Operations": "replace everything"}))
        .await
        .expect_error(400, Some("invalidValue"));
    h.req(http::Method::PATCH, &path)
        .json(&json!([{"op": "replace", "path": "title", "value": "x"}]))
        .await
        .expect_error(400, Some("invalidValue"));
    assert_eq!(h.fetch(&path).await, created);
}

#[tokio::test]
async fn strict_envelopes_need_the_patch_op_schema() {
    let h = harness_with(|b| b.patch_options(PatchOptions::strict()));
    let created = rich_user(&h, "finn").await;
    let path = format!("/Users/{}", id_of(&created));
    h.req(http::Method::PATCH, &path)
        .json(&json!({"Operations": [{"op": "replace", "path": "title", "value": "x"}]}))
        .await
        .expect_error(400, Some("invalidSyntax"));
    assert_eq!(h.fetch(&path).await, created);
    let ok = h
        .patch(
            &path,
            &json!([{"op": "replace", "path": "title", "value": "x"}]),
        )
        .await
        .expect(200);
    assert_eq!(ok["title"], "x");
}

#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let h = harness();
    let created = rich_user(&h, "gail").await;
    let path = format!("/Users/{}", id_of(&created));
    for ops in [
        json!([{"op": "replace", "path": "title", "value": "Engineer"}]),
        json!([{"op": "replace", "path": "active", "value": true}]),
        json!([{"op": "add", "path": "emails", "value": [{"value": "gail@work.example", "type": "work", "primary": true}]}]),
        json!([{"op": "remove", "path": "nickName"}]),
    ] {
        let res = h.patch(&path, &ops).await;
        let body = res.expect(200);
        assert_eq!(body, created, "{ops}");
        assert_eq!(res.header("etag"), Some(version_of(&created)), "{ops}");
    }
    assert_eq!(h.fetch(&path).await, created);
}
