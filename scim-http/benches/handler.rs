//! In-process benchmarks through `ScimServer::handle` (no network): the Entra lookup
//! `GET /Users?filter=userName eq "x"`, `GET /Users/{id}`, a PATCH of one user attribute, and
//! adding one member to a group — each with 10,000 and with 1,000,000 stored users.
//!
//! Run with `cargo bench -p scim-http --bench handler`. Seeding 1,000,000 users takes a while
//! and about 2–3 GB of memory; `SCIM_BENCH_SIZES=10000` limits the sizes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use scim_http::{BearerTokens, InMemoryStore, ScimServer};

const TOKEN: &str = "bench-token-0123456789";

fn request(method: &str, uri: &str, body: Option<String>) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "localhost")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/scim+json")
        .body(body.map(String::into_bytes).unwrap_or_default())
        .unwrap()
}

fn user_body(i: usize) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName":"user{i}@contoso.com","externalId":"ext-{i}","active":true,"displayName":"User {i}",
            "name":{{"givenName":"Given{i}","familyName":"Family{i}","formatted":"Given{i} Family{i}"}},
            "emails":[{{"type":"work","value":"user{i}@contoso.com","primary":true}}],
            "title":"Engineer","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{{"employeeNumber":"{i}","department":"R&D"}}}}"#
    )
}

struct Fixture {
    server: ScimServer,
    ids: Vec<String>,
    group: String,
}

fn seed(rt: &tokio::runtime::Runtime, n: usize) -> Fixture {
    let server = ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single(TOKEN))
        .build()
        .unwrap();
    let mut ids = Vec::with_capacity(n);
    rt.block_on(async {
        for i in 0..n {
            let r = server
                .handle(request("POST", "/scim/v2/Users", Some(user_body(i))))
                .await;
            assert_eq!(r.status(), 201);
            let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
            ids.push(v["id"].as_str().unwrap().to_owned());
        }
    });
    let members: Vec<String> = ids
        .iter()
        .take(100)
        .map(|id| format!(r#"{{"value":"{id}"}}"#))
        .collect();
    let body = format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{}]}}"#,
        members.join(",")
    );
    let r = rt.block_on(server.handle(request("POST", "/scim/v2/Groups", Some(body))));
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
    Fixture {
        server,
        ids,
        group: v["id"].as_str().unwrap().to_owned(),
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let sizes: Vec<usize> = std::env::var("SCIM_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 1_000_000]);
    let mut g = c.benchmark_group("handle");
    for &n in &sizes {
        let f = seed(&rt, n);
        let next = AtomicUsize::new(0);
        let pick = || next.fetch_add(7919, Ordering::Relaxed) % n;

        g.bench_with_input(BenchmarkId::new("lookup userName eq", n), &n, |b, _| {
            b.iter(|| {
                let i = pick();
                let uri = format!("/scim/v2/Users?filter=userName+eq+%22user{i}%40contoso.com%22");
                let r = rt.block_on(f.server.handle(request("GET", &uri, None)));
                debug_assert_eq!(r.status(), 200);
                black_box(r)
            })
        });
        g.bench_with_input(BenchmarkId::new("GET /Users/{id}", n), &n, |b, _| {
            b.iter(|| {
                let uri = format!("/scim/v2/Users/{}", f.ids[pick()]);
                let r = rt.block_on(f.server.handle(request("GET", &uri, None)));
                debug_assert_eq!(r.status(), 200);
                black_box(r)
            })
        });
        let flip = AtomicUsize::new(0);
        g.bench_with_input(BenchmarkId::new("PATCH user displayName", n), &n, |b, _| {
            b.iter(|| {
                let k = flip.fetch_add(1, Ordering::Relaxed);
                let body = format!(
                    r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"Replace","path":"displayName","value":"Name {k}"}}]}}"#
                );
                let uri = format!("/scim/v2/Users/{}", f.ids[pick()]);
                let r = rt.block_on(f.server.handle(request("PATCH", &uri, Some(body))));
                debug_assert_eq!(r.status(), 200);
                black_box(r)
            })
        });
        g.bench_with_input(BenchmarkId::new("PATCH group add one member", n), &n, |b, _| {
            b.iter(|| {
                let member = &f.ids[pick()];
                let body = format!(
                    r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"Add","path":"members","value":[{{"value":"{member}"}}]}}]}}"#
                );
                let uri = format!("/scim/v2/Groups/{}?excludedAttributes=members", f.group);
                let r = rt.block_on(f.server.handle(request("PATCH", &uri, Some(body))));
                debug_assert_eq!(r.status(), 200);
                black_box(r)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
