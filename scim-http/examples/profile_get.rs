//! Profiling aid: seeds 10,000 users, then runs GET-by-id and lookup requests in a loop
//! through `ScimServer::handle` (`cargo run --release -p scim-http --example profile_get`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use scim_http::{BearerTokens, InMemoryStore, ScimServer};

fn req(method: &str, uri: &str, body: Vec<u8>) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "127.0.0.1:8080")
        .header("authorization", "Bearer profile-token-0123456789")
        .header("content-type", "application/scim+json")
        .body(body)
        .unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let server = ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single("profile-token-0123456789"))
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..10_000 {
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user{i}@example.com","externalId":"e{i}","active":true,"displayName":"User {i}","name":{{"givenName":"G","familyName":"F{i}"}},"emails":[{{"type":"work","value":"user{i}@example.com","primary":true}}]}}"#
        );
        let r = rt.block_on(server.handle(req("POST", "/scim/v2/Users", body.into_bytes())));
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        ids.push(v["id"].as_str().unwrap().to_owned());
    }
    let mode = std::env::args().nth(1).unwrap_or_else(|| "get".into());
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300_000);
    let start = std::time::Instant::now();
    for k in 0..n {
        let i = (k * 7919) % ids.len();
        let uri = if mode == "get" {
            format!("/scim/v2/Users/{}", ids[i])
        } else {
            format!("/scim/v2/Users?filter=userName+eq+%22user{i}%40example.com%22")
        };
        let r = rt.block_on(server.handle(req("GET", &uri, Vec::new())));
        assert_eq!(r.status(), 200);
    }
    eprintln!(
        "{mode}: {:.2} µs/request",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
