#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! GET on a collection (RFC 7644 §3.4.2): query decoding, filters resolved against the schema,
//! sorting, paging and projection, always answered with a ListResponse.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use harness::*;
use serde_json::json;

/// A server with these users, created in order; returns their ids.
async fn with_users(h: &Harness, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        out.push(id_of(&h.create_user(n).await));
    }
    out
}

fn names(list: &serde_json::Value) -> Vec<String> {
    column(list, "userName")
        .into_iter()
        .map(|n| n.unwrap_or_default())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Decoding

#[tokio::test]
async fn plus_and_percent_20_both_decode_to_spaces() {
    let h = harness();
    let uids = with_users(&h, &["alice", "bob"]).await;
    let filter = "userName eq \"bob\"";
    let plus = h
        .get(&format!("/Users?filter={}", encode_plus(filter)))
        .await
        .expect(200);
    let pct = h
        .get(&format!("/Users?filter={}", encode(filter)))
        .await
        .expect(200);
    assert!(encode_plus(filter).contains('+') && encode(filter).contains("%20"));
    assert_list(&plus, 1, 1, 1);
    assert_eq!(ids(&plus), [uids[1].clone()]);
    assert_eq!(plus, pct);

    // A `+` that belongs to the value is sent as %2B and stays a plus.
    let id = id_of(&h.create_user("a+b@example.com").await);
    let found = h
        .ids_matching("/Users", "userName eq \"a+b@example.com\"")
        .await;
    assert_eq!(found, [id]);
    // Other parameters decode the same way: `sortOrder` and attribute lists.
    let sorted = h
        .get("/Users?sortBy=userName&sortOrder=descending&attributes=userName,%20emails")
        .await
        .expect(200);
    assert_eq!(names(&sorted), ["bob", "alice", "a+b@example.com"]);
}

// ---------------------------------------------------------------------------------------------
// Paging (RFC 7644 §3.4.2.4)

#[tokio::test]
async fn every_response_is_a_list_response() {
    let h = harness();
    // Empty collection, no parameters.
    let empty = h.get("/Users").await.expect(200);
    assert_list(&empty, 0, 1, 0);
    assert_eq!(
        empty.as_object().unwrap().len(),
        5,
        "schemas, totalResults, startIndex, itemsPerPage, Resources: {empty}"
    );
    with_users(&h, &["a", "b"]).await;
    // A filter that matches nothing.
    let none = h
        .get(&format!("/Users?filter={}", encode("userName eq \"zzz\"")))
        .await
        .expect(200);
    assert_list(&none, 0, 1, 0);
    // A start beyond the end.
    let beyond = h.get("/Users?startIndex=10").await.expect(200);
    assert_list(&beyond, 2, 10, 0);
    // Groups too.
    let groups = h.get("/Groups").await.expect(200);
    assert_list(&groups, 0, 1, 0);
}

#[tokio::test]
async fn start_index_and_count_select_a_stable_window() {
    let h = harness();
    let uids = with_users(&h, &["u1", "u2", "u3", "u4", "u5"]).await;
    let page = h.get("/Users?startIndex=2&count=2").await.expect(200);
    assert_list(&page, 5, 2, 2);
    assert_eq!(ids(&page), uids[1..3]);
    let last = h.get("/Users?startIndex=5&count=2").await.expect(200);
    assert_list(&last, 5, 5, 1);
    assert_eq!(ids(&last), uids[4..]);
}

#[tokio::test]
async fn start_index_below_one_reads_as_one() {
    let h = harness();
    let uids = with_users(&h, &["u1", "u2", "u3"]).await;
    for start in ["0", "-5", "-99999999999999999999"] {
        let body = h
            .get(&format!("/Users?startIndex={start}&count=2"))
            .await
            .expect(200);
        assert_list(&body, 3, 1, 2);
        assert_eq!(ids(&body), uids[..2], "startIndex={start}");
    }
}

#[tokio::test]
async fn count_is_clamped_to_max_results() {
    let h = harness_with(|b| b.max_results(3));
    with_users(&h, &["u1", "u2", "u3", "u4", "u5"]).await;
    for q in ["", "?count=10", "?count=99999999999999999999"] {
        let body = h.get(&format!("/Users{q}")).await.expect(200);
        assert_list(&body, 5, 1, 3);
    }
    let small = h.get("/Users?count=2").await.expect(200);
    assert_list(&small, 5, 1, 2);
    let search = h
        .post(
            "/Users/.search",
            &json!({"schemas": [SEARCH_URN], "count": 50}),
        )
        .await
        .expect(200);
    assert_list(&search, 5, 1, 3);
}

#[tokio::test]
async fn count_zero_returns_only_the_total() {
    let h = harness();
    with_users(&h, &["u1", "u2", "u3"]).await;
    for q in ["count=0", "count=-4", "count=0&startIndex=2"] {
        let body = h.get(&format!("/Users?{q}")).await.expect(200);
        let start = if q.contains("startIndex=2") { 2 } else { 1 };
        assert_list(&body, 3, start, 0);
    }
    let filtered = h
        .get(&format!(
            "/Users?count=0&filter={}",
            encode("userName sw \"u\" and userName ne \"u2\"")
        ))
        .await
        .expect(200);
    assert_list(&filtered, 2, 1, 0);
}

#[tokio::test]
async fn bad_paging_values_are_400_invalid_value() {
    let h = harness();
    for q in ["count=ten", "startIndex=1.5", "sortOrder=sideways"] {
        h.get(&format!("/Users?{q}"))
            .await
            .expect_error(400, Some("invalidValue"));
    }
}

// ---------------------------------------------------------------------------------------------
// Filters (RFC 7644 §3.4.2.2)

#[tokio::test]
async fn filters_select_resources() {
    let h = harness();
    let uids = with_users(&h, &["alice", "bob", "carol"]).await;
    h.patch(
        &format!("/Users/{}", uids[2]),
        &json!([{"op": "replace", "path": "title", "value": "Boss"}]),
    )
    .await
    .expect(200);
    let cases: &[(&str, &[usize])] = &[
        ("userName eq \"bob\"", &[1]),
        // userName is caseExact false (RFC 7643 §4.1.1).
        ("userName eq \"BOB\"", &[1]),
        ("USERNAME Eq \"bob\"", &[1]),
        ("userName sw \"a\"", &[0]),
        ("userName co \"o\"", &[1, 2]),
        ("userName ne \"bob\"", &[0, 2]),
        ("title pr", &[2]),
        ("not (title pr)", &[0, 1]),
        ("userName eq \"alice\" or userName eq \"carol\"", &[0, 2]),
        ("userName gt \"b\"", &[1, 2]),
        ("meta.resourceType eq \"User\"", &[0, 1, 2]),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"carol\"",
            &[2],
        ),
        ("emails[type eq \"work\"]", &[]),
    ];
    for (filter, want) in cases {
        let want: Vec<String> = want.iter().map(|&i| uids[i].clone()).collect();
        assert_eq!(h.ids_matching("/Users", filter).await, want, "{filter}");
    }
}

#[tokio::test]
async fn group_filters_select_groups() {
    let h = harness();
    let alice = id_of(&h.create_user("alice").await);
    let admins = id_of(&h.create_group("Admins", &[&alice]).await);
    let staff = id_of(&h.create_group("Staff", &[]).await);
    assert_eq!(
        h.ids_matching("/Groups", "displayName eq \"admins\"").await,
        std::slice::from_ref(&admins)
    );
    assert_eq!(
        h.ids_matching("/Groups", &format!("members.value eq \"{alice}\""))
            .await,
        std::slice::from_ref(&admins)
    );
    assert_eq!(h.ids_matching("/Groups", "not (members pr)").await, [staff]);
}

#[tokio::test]
async fn unknown_attributes_and_bad_grammar_are_400_invalid_filter() {
    let h = harness();
    with_users(&h, &["alice"]).await;
    for filter in [
        "nope eq \"x\"",
        "name.nope eq \"x\"",
        "urn:example:unknown:Schema:attr eq 1",
        "userName eq",
        "userName xx \"a\"",
        "(userName eq \"a\"",
        "userName eq \"a\" and",
        "userName eq 'single-quoted'",
    ] {
        h.get(&format!("/Users?filter={}", encode(filter)))
            .await
            .expect_error(400, Some("invalidFilter"));
        // The same through /.search.
        h.post(
            "/Users/.search",
            &json!({"schemas": [SEARCH_URN], "filter": filter}),
        )
        .await
        .expect_error(400, Some("invalidFilter"));
    }
    // A Group attribute is unknown on Users.
    h.get(&format!("/Users?filter={}", encode("members pr")))
        .await
        .expect_error(400, Some("invalidFilter"));
}

#[tokio::test]
async fn an_empty_filter_means_no_filter() {
    let h = harness();
    with_users(&h, &["alice", "bob"]).await;
    let body = h.get("/Users?filter=").await.expect(200);
    assert_list(&body, 2, 1, 2);
}

// ---------------------------------------------------------------------------------------------
// Sorting (RFC 7644 §3.4.2.3)

#[tokio::test]
async fn sort_by_user_name_ascending_and_descending() {
    let h = harness();
    with_users(&h, &["carol", "Alice", "bob", "dave"]).await;
    let asc = h.get("/Users?sortBy=userName").await.expect(200);
    assert_eq!(names(&asc), ["Alice", "bob", "carol", "dave"]);
    let asc2 = h
        .get("/Users?sortBy=USERNAME&sortOrder=ascending")
        .await
        .expect(200);
    assert_eq!(asc2, asc);
    let desc = h
        .get("/Users?sortBy=userName&sortOrder=descending")
        .await
        .expect(200);
    assert_eq!(names(&desc), ["dave", "carol", "bob", "Alice"]);
    // Paging applies after sorting.
    let page = h
        .get("/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2")
        .await
        .expect(200);
    assert_eq!(names(&page), ["carol", "bob"]);
}

#[tokio::test]
async fn sort_by_an_unknown_attribute_is_400_invalid_filter() {
    let h = harness();
    with_users(&h, &["alice"]).await;
    h.get("/Users?sortBy=nope")
        .await
        .expect_error(400, Some("invalidFilter"));
    h.get("/Groups?sortBy=userName")
        .await
        .expect_error(400, Some("invalidFilter"));
}

// ---------------------------------------------------------------------------------------------
// Projection (RFC 7644 §3.4.2.5, RFC 7643 §2.4 `returned`)

#[tokio::test]
async fn list_projection_and_password_is_never_returned() {
    let h = harness();
    h.create(
        "/Users",
        &json!({"userName": "alice", "password": "s3cr3t!", "title": "CTO",
                "emails": [{"value": "a@example.com", "type": "work"}]}),
    )
    .await;
    let plain = h.get("/Users").await.expect(200);
    let r = &plain["Resources"][0];
    assert!(r.get("password").is_none(), "{r}");
    assert_eq!(r["title"], "CTO");
    assert!(r["meta"]["version"].is_string(), "{r}");

    let asked = h
        .get("/Users?attributes=password,userName")
        .await
        .expect(200);
    let r = &asked["Resources"][0];
    assert!(r.get("password").is_none(), "{r}");
    assert_eq!(r["userName"], "alice");
    assert!(r.get("title").is_none(), "{r}");
    assert!(r["id"].is_string(), "id is returned always: {r}");

    let excluded = h
        .get("/Users?excludedAttributes=emails,title")
        .await
        .expect(200);
    let r = &excluded["Resources"][0];
    assert!(r.get("emails").is_none() && r.get("title").is_none(), "{r}");
    assert_eq!(r["userName"], "alice");
    // `id` cannot be excluded (returned: always).
    let always = h.get("/Users?excludedAttributes=id").await.expect(200);
    assert!(always["Resources"][0]["id"].is_string());

    // Filtering on a never-returned attribute does not leak it either.
    let filtered = h
        .get(&format!(
            "/Users?filter={}",
            encode("userName eq \"alice\"")
        ))
        .await
        .expect(200);
    assert!(filtered["Resources"][0].get("password").is_none());
}
