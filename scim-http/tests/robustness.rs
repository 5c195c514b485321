#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Hostile input never panics: arbitrary methods, paths, query strings, headers and bodies
//! through `ScimServer::handle` always give a response, and every error response is an RFC
//! 7644 §3.12 body with `Content-Type: application/scim+json` and a string `status`.
#![cfg(feature = "memory")]

use proptest::prelude::*;
use scim_http::{BearerTokens, InMemoryStore, ScimServer};

fn server() -> ScimServer {
    ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single("robustness-token-0123"))
        .max_payload(64 << 10)
        .build()
        .unwrap()
}

fn path() -> impl Strategy<Value = String> {
    let endpoint = prop_oneof![
        Just("/Users".to_owned()),
        Just("/Groups".to_owned()),
        Just("/Users/.search".to_owned()),
        Just("/.search".to_owned()),
        Just("/Schemas".to_owned()),
        Just("/ResourceTypes/User".to_owned()),
        Just("/ServiceProviderConfig".to_owned()),
        Just("/Me".to_owned()),
        Just("/Bulk".to_owned()),
        "/[A-Za-z%0-9./_-]{0,24}",
    ];
    let query = prop_oneof![
        Just(String::new()),
        "\\?filter=[ -~]{0,60}",
        "\\?(startIndex|count|sortBy|sortOrder|attributes|excludedAttributes)=[ -~]{0,20}",
        "\\?[ -~]{0,40}",
    ];
    (endpoint, query).prop_map(|(e, q)| format!("/scim/v2{e}{q}").replace(' ', "+"))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let json_ish = prop_oneof![
        Just(r#"{"userName":"a"}"#.to_owned()),
        Just(r#"{"Operations":[{"op":"add","path":"members","value":[{"value":"x"}]}]}"#.to_owned()),
        Just(r#"{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x"}]}"#.to_owned()),
        Just(r#"{"filter":"userName eq \"a\"","startIndex":-5,"count":1e99}"#.to_owned()),
        "\\{\"[a-zA-Z.:]{1,12}\":(null|true|\"[ -~]{0,10}\"|[0-9]{1,5}|\\[\\]|\\{\\})\\}",
        "[ -~]{0,80}",
    ];
    prop_oneof![
        json_ish.prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..64)
    ]
}

fn method() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PUT"),
        Just("PATCH"),
        Just("DELETE"),
        Just("OPTIONS")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn hostile_requests_never_panic_and_errors_are_scim(
        m in method(), p in path(), b in body(), auth in any::<bool>()
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let server = server();
        // A resource to aim at, so item routes see a real id half of the time.
        let seed = http::Request::post("/scim/v2/Users")
            .header("authorization", "Bearer robustness-token-0123")
            .body(br#"{"userName":"seed"}"#.to_vec())
            .unwrap();
        let created = rt.block_on(server.handle(seed));
        let id = serde_json::from_slice::<serde_json::Value>(created.body()).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let uri = p.replace("/Users/.", &format!("/Users/{id}."));
        let Ok(req) = http::Request::builder()
            .method(m)
            .uri(uri.as_str())
            .header("authorization", if auth { "Bearer robustness-token-0123" } else { "Bearer nope" })
            .body(b)
        else {
            // Not a valid http::Uri: the framework would have rejected it before us.
            return Ok(());
        };
        let resp = rt.block_on(server.handle(req));
        let status = resp.status().as_u16();
        prop_assert!((200..600).contains(&status));
        if !auth {
            prop_assert_eq!(status, 401);
        }
        if status >= 400 {
            prop_assert_eq!(
                resp.headers().get("content-type").map(|v| v.as_bytes()),
                Some(&b"application/scim+json"[..])
            );
            let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
            prop_assert_eq!(&v["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
            let expected = status.to_string();
            prop_assert_eq!(v["status"].as_str(), Some(expected.as_str()));
        }
        // The seeded user is still there and intact unless the request deleted or changed it.
        let check = http::Request::get(format!("/scim/v2/Users/{id}"))
            .header("authorization", "Bearer robustness-token-0123")
            .body(Vec::new())
            .unwrap();
        let after = rt.block_on(server.handle(check));
        prop_assert!(after.status() == 200 || after.status() == 404);
    }
}
