#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Cursor-based pagination over HTTP (RFC 9865): `cursor` and `count` on GET and per-type
//! `/.search`, `nextCursor` / `previousCursor`, the ServiceProviderConfig `pagination`
//! object, and the errors of §2.1.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use harness::*;
use serde_json::{Value, json};

async fn with_users(h: &Harness, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        out.push(id_of(&h.create_user(n).await));
    }
    out
}

fn cursor(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// Walks `/Users?{query}&cursor=…` forward; returns every page.
async fn walk(h: &Harness, query: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = String::new();
    loop {
        let body = h
            .get(&format!("/Users?{query}&cursor={next}"))
            .await
            .expect(200);
        assert!(
            body.get("startIndex").is_none(),
            "no startIndex on cursor pages"
        );
        let n = cursor(&body, "nextCursor");
        pages.push(body);
        match n {
            Some(n) => next = n,
            None => return pages,
        }
        assert!(pages.len() < 50, "runaway walk");
    }
}

#[tokio::test]
async fn get_walks_every_page_by_cursor_and_back() {
    let h = harness();
    let uids = with_users(&h, &["u1", "u2", "u3", "u4", "u5"]).await;
    // `cursor` with no value (RFC 9865 §2's first request).
    let first = h.get("/Users?cursor&count=2").await.expect(200);
    assert_eq!(first["totalResults"], 5);
    assert_eq!(first["itemsPerPage"], 2);
    assert!(first.get("previousCursor").is_none(), "first page");
    assert!(first.get("startIndex").is_none());
    assert_eq!(ids(&first), uids[..2]);
    let next = cursor(&first, "nextCursor").expect("a next page");
    assert!(
        next.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)),
        "unreserved characters only: {next}"
    );
    let pages = walk(&h, "count=2").await;
    assert_eq!(pages.len(), 3);
    let all: Vec<String> = pages.iter().flat_map(ids).collect();
    assert_eq!(all, uids);
    let last = pages.last().unwrap();
    assert!(
        last.get("nextCursor").is_none(),
        "the last page has no nextCursor"
    );
    // And back, by previousCursor.
    let prev = cursor(last, "previousCursor").expect("a previous page");
    let middle = h
        .get(&format!("/Users?count=2&cursor={prev}"))
        .await
        .expect(200);
    assert_eq!(ids(&middle), uids[2..4]);
    let prev = cursor(&middle, "previousCursor").expect("a previous page");
    let start = h
        .get(&format!("/Users?count=2&cursor={prev}"))
        .await
        .expect(200);
    assert_eq!(ids(&start), uids[..2]);
    assert!(start.get("previousCursor").is_none());
}

#[tokio::test]
async fn filtered_and_sorted_walks() {
    let h = harness();
    with_users(&h, &["bob", "ann", "zed", "amy", "al", "bea"]).await;
    let q = format!(
        "filter={}&sortBy=userName&sortOrder=descending&count=2",
        encode("userName sw \"a\" or userName sw \"b\"")
    );
    let names: Vec<String> = walk(&h, &q)
        .await
        .iter()
        .flat_map(|p| column(p, "userName"))
        .map(Option::unwrap_or_default)
        .collect();
    assert_eq!(names, ["bob", "bea", "ann", "amy", "al"]);
}

#[tokio::test]
async fn search_pages_by_cursor_in_the_body() {
    let h = harness();
    let uids = with_users(&h, &["s1", "s2", "s3"]).await;
    let mut body = json!({"schemas": [SEARCH_URN], "cursor": "", "count": 2});
    let first = h.post("/Users/.search", &body).await.expect(200);
    assert_eq!(ids(&first), uids[..2]);
    assert!(first.get("startIndex").is_none());
    body["cursor"] = json!(cursor(&first, "nextCursor").expect("next"));
    let second = h.post("/Users/.search", &body).await.expect(200);
    assert_eq!(ids(&second), uids[2..]);
    assert!(second.get("nextCursor").is_none());
    assert!(second.get("previousCursor").is_some());
    // A cursor from GET is good for the same query by POST.
    let get = h.get("/Users?cursor&count=2").await.expect(200);
    body["cursor"] = json!(cursor(&get, "nextCursor").expect("next"));
    assert_eq!(
        ids(&h.post("/Users/.search", &body).await.expect(200)),
        uids[2..]
    );
}

#[tokio::test]
async fn root_search_refuses_cursors() {
    let h = harness();
    with_users(&h, &["r1"]).await;
    let body = json!({"schemas": [SEARCH_URN], "cursor": ""});
    h.post("/.search", &body)
        .await
        .expect_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn service_provider_config_advertises_both_methods() {
    let h = harness_with(|b| b.max_results(50));
    let spc = h.get("/ServiceProviderConfig").await.expect(200);
    assert_eq!(
        spc["pagination"],
        json!({"cursor": true, "index": true, "defaultPaginationMethod": "index",
               "defaultPageSize": 50, "maxPageSize": 50})
    );
}

#[tokio::test]
async fn bad_cursors_are_invalid_cursor() {
    let h = harness();
    with_users(&h, &["c1", "c2", "c3"]).await;
    let first = h.get("/Users?cursor&count=1").await.expect(200);
    let good = cursor(&first, "nextCursor").expect("next");
    // Tampered: one character changed.
    let mut chars: Vec<char> = good.chars().collect();
    chars[4] = if chars[4] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    for bad in [
        "garbage",
        "%2F%2B%3D%3D",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        &tampered[..],
    ] {
        h.get(&format!("/Users?count=1&cursor={bad}"))
            .await
            .expect_error(400, Some("invalidCursor"));
    }
    // From another query: a filter, a sort, another resource type.
    let filter = encode("userName sw \"c\"");
    h.get(&format!("/Users?count=1&filter={filter}&cursor={good}"))
        .await
        .expect_error(400, Some("invalidCursor"));
    h.get(&format!("/Users?count=1&sortBy=userName&cursor={good}"))
        .await
        .expect_error(400, Some("invalidCursor"));
    h.get(&format!("/Groups?count=1&cursor={good}"))
        .await
        .expect_error(400, Some("invalidCursor"));
    // The same query with the page size changed is fine.
    h.get(&format!("/Users?count=2&cursor={good}"))
        .await
        .expect(200);
    // Oversize: refused before decoding.
    let huge = "A".repeat(1025);
    h.get(&format!("/Users?cursor={huge}"))
        .await
        .expect_error(400, Some("invalidCursor"));
}

#[tokio::test]
async fn count_is_clamped_to_max_results() {
    let h = harness_with(|b| b.max_results(2));
    let uids = with_users(&h, &["k1", "k2", "k3"]).await;
    for q in [
        "cursor",
        "cursor&count=10",
        "cursor&count=99999999999999999999",
    ] {
        let body = h.get(&format!("/Users?{q}")).await.expect(200);
        assert_eq!(ids(&body), uids[..2], "{q}");
        assert!(body.get("nextCursor").is_some(), "{q}");
    }
    // count=0: totalResults only, and no cursors.
    let zero = h.get("/Users?cursor&count=0").await.expect(200);
    assert_eq!(zero["totalResults"], 3);
    assert_eq!(zero["Resources"], json!([]));
    assert!(zero.get("nextCursor").is_none());
}

#[tokio::test]
async fn cursor_with_start_index_is_refused_and_index_paging_is_unchanged() {
    let h = harness();
    let uids = with_users(&h, &["p1", "p2", "p3"]).await;
    // RFC 9865 §2.4: a client picks one method; both at once is refused, not guessed at.
    h.get("/Users?startIndex=1&cursor&count=1")
        .await
        .expect_error(400, Some("invalidValue"));
    let body = json!({"schemas": [SEARCH_URN], "cursor": "", "startIndex": 2});
    h.post("/Users/.search", &body)
        .await
        .expect_error(400, Some("invalidValue"));
    // Without a cursor, paging is by index as before (the default method), with no cursors.
    let page = h.get("/Users?startIndex=2&count=1").await.expect(200);
    assert_list(&page, 3, 2, 1);
    assert_eq!(ids(&page), uids[1..2]);
    assert!(page.get("nextCursor").is_none() && page.get("previousCursor").is_none());
}
