//! Store-level benchmarks of the SQL stores (`SqliteStore`, `PostgresStore`), for issue 10 §5:
//!
//! - the Entra lookup (`list` with `filter=userName eq "x"`) and `get` by id, with 10,000 and
//!   with 1,000,000 stored users (the 1M figure should stay under 2× the 10k one), after
//!   printing the query plan of every statement each call runs (SQLite `EXPLAIN QUERY PLAN`,
//!   PostgreSQL `EXPLAIN` of the generic plan): the statements are captured from sqlx's own
//!   `sqlx::query` trace events while the store answers, so they are exactly the store's;
//! - adding one member to a group of 10 and to a group of 100,000 (`patch` with
//!   `{"op":"add","path":"members",…}` on a context `.with_members(false)`, as the server does
//!   for a PATCH answered 204); each timed add is followed by an untimed remove, so the group
//!   keeps its size.
//!
//! Users are seeded in bulk with the SQL in `examples/load/sql/` (the rows the stores'
//! `create` writes for `seed.py`'s users; checked against a row `create` wrote before any
//! measurement), then `ANALYZE`d; a few seeded users are read back through `get` and a filter
//! lookup before measuring. SQLite databases are cached under `CARGO_TARGET_TMPDIR`
//! (`target/tmp/sql_stores/`): a second run reuses them.
//!
//! ```sh
//! cargo bench -p scim-http --features sqlite,postgres --bench sql_stores
//! # with PostgreSQL (skipped when DATABASE_URL is unset):
//! source .ci/postgres.sh && pg_start && cargo bench -p scim-http --features sqlite,postgres \
//!     --bench sql_stores; pg_stop
//! ```
//!
//! Environment: `SCIM_BENCH_SIZES` (user counts, default `10000,1000000`; `10000` only when
//! run without `--bench`, as `cargo test --benches` does), `SCIM_BENCH_GROUP` (the large
//! group's size, default 100000), `SCIM_BENCH_BACKENDS` (`sqlite,postgres`).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark: any failure should stop it loudly"
)]

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use scim_core::message::PatchRequest;
use scim_core::{DateTime, Resource, ResourceType};
use scim_http::{
    Filter, ListQuery, PatchOptions, PostgresStore, Precondition, RequestContext, ResourceStore,
    SqliteStore, Tenant,
};
use scim_patch::Patch;
use serde_json::{Value, json};
use sqlx::{Connection as _, Executor as _, Row as _};

/// The bulk seeding statements, shared with `examples/load/seed_sql.py`.
const SQLITE_USERS: &str = include_str!("../../../examples/load/sql/users.sqlite.sql");
const PG_USERS: &str = include_str!("../../../examples/load/sql/users.pg.sql");

/// How many users each lookup benchmark cycles over.
const SAMPLES: usize = 4096;
/// The small group's size.
const SMALL_GROUP: usize = 10;
/// Users outside both groups, added (and removed again) one per iteration.
const CANDIDATES: usize = 10_000;

mod capture;
mod postgres;
mod sqlite;

use capture::*;
use postgres::*;
use sqlite::*;

// --- users --------------------------------------------------------------------------------

fn user_body(i: usize) -> Value {
    let name = format!("user{i}@example.com");
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": format!("ext-{i}"),
        "name": {
            "givenName": format!("Given{i}"),
            "familyName": format!("Family{i}"),
            "formatted": format!("Given{i} Family{i}"),
        },
        "displayName": format!("Given{i} Family{i}"),
        "emails": [{"value": name, "type": "work", "primary": true}],
        "active": true,
    })
}

fn now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    DateTime::from_unix(
        i64::try_from(d.as_secs()).unwrap(),
        d.subsec_millis() * 1_000_000,
    )
    .to_string()
}

fn ctx(ty: &Arc<ResourceType>, tenant: &str) -> RequestContext {
    RequestContext::new(ty.clone(), Tenant::new(tenant), http::Extensions::new())
}

fn lookup_filter(ty: &ResourceType, i: usize) -> Filter {
    Filter::parse(&format!(r#"userName eq "user{i}@example.com""#))
        .unwrap()
        .resolve(ty)
        .unwrap()
}

/// `n` distinct pseudo-random indices below `below` (a full-period LCG walk).
fn sample(below: usize, n: usize) -> Vec<usize> {
    let n = n.min(below);
    let mut x: u64 = 0x2545_F491;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let i = usize::try_from((x >> 33) % below as u64).unwrap();
        if seen.insert(i) {
            out.push(i);
        }
    }
    out
}

/// The user as the store returns it, without `id` and `meta`.
fn body_of(r: &Resource) -> Value {
    let mut v = r.clone().into_value();
    let m = v.as_object_mut().unwrap();
    m.remove("id");
    m.remove("meta");
    v
}

/// Reads seeded users back through the store: `get` and the filter lookup must both find
/// user `i` as `seed.py` would have created it.
async fn verify(store: &dyn ResourceStore, users: &Arc<ResourceType>, picks: &[(usize, String)]) {
    let c = ctx(users, "");
    for (i, id) in picks {
        let r = store
            .get(&c, id)
            .await
            .unwrap()
            .expect("seeded user missing");
        assert_eq!(body_of(&r), user_body(*i), "user {i} read back");
        assert_eq!(r.id(), Some(id.as_str()));
        let page = store
            .list(&c, &ListQuery::all().filter(lookup_filter(users, *i)))
            .await
            .unwrap();
        assert_eq!(page.total_results, 1, "lookup of user {i}");
        assert_eq!(page.resources[0].id(), Some(id.as_str()));
    }
}

/// What one dataset gives the benchmarks.
struct Dataset {
    store: Arc<dyn ResourceStore>,
    /// (index, id) of the sampled users.
    picks: Vec<(usize, String)>,
}

/// A dataset for the member benchmark: users, a group of [`SMALL_GROUP`] and one of `big`.
struct Groups {
    store: Arc<dyn ResourceStore>,
    small: String,
    big: String,
    candidates: Vec<String>,
}

fn group(name: &str, members: &[String]) -> Resource {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let mut v =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name});
    if !members.is_empty() {
        v["members"] = Value::Array(members);
    }
    Resource::from_value(v).unwrap()
}

// --- the measurements ---------------------------------------------------------------------

fn bench_reads(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    backend: &str,
    n: usize,
    d: &Dataset,
    users: &Arc<ResourceType>,
) {
    let mut g = c.benchmark_group(format!("{backend}/read"));
    let c_users = ctx(users, "");
    let filters: Vec<Filter> = d
        .picks
        .iter()
        .map(|(i, _)| lookup_filter(users, *i))
        .collect();
    let mut k = 0usize;
    g.bench_with_input(BenchmarkId::new("lookup_userName", n), &n, |b, _| {
        b.to_async(rt).iter(|| {
            k = (k + 1) % filters.len();
            let q = ListQuery::all().filter(filters[k].clone());
            let (store, c) = (d.store.clone(), &c_users);
            async move {
                let page = store.list(c, &q).await.unwrap();
                assert_eq!(page.total_results, 1);
                page
            }
        });
    });
    let mut k = 0usize;
    g.bench_with_input(BenchmarkId::new("get_id", n), &n, |b, _| {
        b.to_async(rt).iter(|| {
            k = (k + 1) % d.picks.len();
            let id = d.picks[k].1.clone();
            let (store, c) = (d.store.clone(), &c_users);
            async move { store.get(c, &id).await.unwrap().unwrap() }
        });
    });
    g.finish();
}

fn patch_of(ty: &ResourceType, ops: Value) -> (PatchRequest, Arc<ResourceType>) {
    let req: PatchRequest = serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))
    .unwrap();
    (req, Arc::new(ty.clone()))
}

/// Adds candidate `uid` to `gid` (the timed call), then removes it again.
async fn add_then_remove(
    store: &dyn ResourceStore,
    c: &RequestContext,
    gid: &str,
    uid: &str,
) -> Duration {
    let ty = c.resource_type().clone();
    let (add, _) = patch_of(
        &ty,
        json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
    );
    let add = Patch::parse(&add, &ty, &PatchOptions::default()).unwrap();
    let t = Instant::now();
    let r = store.patch(c, gid, &add, Precondition::Any).await.unwrap();
    let took = t.elapsed();
    assert!(r.changed, "the add changed nothing");
    let path = format!(r#"members[value eq "{uid}"]"#);
    let (remove, _) = patch_of(&ty, json!([{"op": "remove", "path": path}]));
    let remove = Patch::parse(&remove, &ty, &PatchOptions::default()).unwrap();
    let r = store
        .patch(c, gid, &remove, Precondition::Any)
        .await
        .unwrap();
    assert!(r.changed, "the remove changed nothing");
    took
}

fn bench_members(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    backend: &str,
    big: usize,
    d: &Groups,
) {
    let groups = Arc::new(ResourceType::group());
    let c_groups = ctx(&groups, "").with_members(false);
    let mut g = c.benchmark_group(format!("{backend}/group_add_member"));
    for (size, gid) in [(SMALL_GROUP, &d.small), (big, &d.big)] {
        let mut k = 0usize;
        g.bench_with_input(BenchmarkId::new("members", size), &size, |b, _| {
            b.to_async(rt).iter_custom(|iters| {
                let mut uids = Vec::new();
                for _ in 0..iters {
                    k = (k + 1) % d.candidates.len();
                    uids.push(d.candidates[k].clone());
                }
                let (store, c, gid) = (d.store.clone(), &c_groups, gid.clone());
                async move {
                    let mut total = Duration::ZERO;
                    for uid in uids {
                        total += add_then_remove(&*store, c, &gid, &uid).await;
                    }
                    total
                }
            });
        });
    }
    g.finish();
}

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn main() {
    tracing::subscriber::set_global_default(Subscriber).unwrap();
    let benching = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = env_list(
        "SCIM_BENCH_SIZES",
        if benching { "10000,1000000" } else { "10000" },
    )
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let big: usize = std::env::var("SCIM_BENCH_GROUP").map_or(100_000, |s| s.parse().unwrap());
    let backends = env_list("SCIM_BENCH_BACKENDS", "sqlite,postgres");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let users = Arc::new(ResourceType::user());
    let groups = Arc::new(ResourceType::group());

    if backends.iter().any(|b| b == "sqlite") {
        rt.block_on(sqlite_check_rows(&users));
        for &n in &sizes {
            let (store, path) = rt.block_on(sqlite_open(&format!("users-{n}"), n, None));
            let picks = rt.block_on(sqlite_picks(&path, n));
            let store: Arc<dyn ResourceStore> = Arc::new(store);
            rt.block_on(verify(&*store, &users, &picks[..5]));
            let (i, id) = picks[0].clone();
            let c_users = ctx(&users, "");
            let get = rt.block_on(captured(async {
                store.get(&c_users, &id).await.unwrap().unwrap();
            }));
            let lookup = rt.block_on(captured(async {
                let q = ListQuery::all().filter(lookup_filter(&users, i));
                store.list(&c_users, &q).await.unwrap();
            }));
            rt.block_on(sqlite_explain(&path, &format!("get, {n} users"), &get));
            rt.block_on(sqlite_explain(
                &path,
                &format!("lookup, {n} users"),
                &lookup,
            ));
            bench_reads(&mut c, &rt, "sqlite", n, &Dataset { store, picks }, &users);
        }
        let (store, path) = rt.block_on(sqlite_open(
            &format!("groups-{big}"),
            big + CANDIDATES,
            Some(big),
        ));
        let d = rt.block_on(groups_of(Arc::new(store), &groups, big, async {
            let mut conn = sqlite_conn(&path).await;
            let ids = sqlx::query_scalar(
                "SELECT id FROM resources WHERE tenant = '' AND type = 'User' \
                 ORDER BY seq LIMIT ? OFFSET ?",
            )
            .bind(i64::try_from(CANDIDATES).unwrap())
            .bind(i64::try_from(big).unwrap())
            .fetch_all(&mut conn)
            .await
            .unwrap();
            conn.close().await.unwrap();
            ids
        }));
        let c_groups = ctx(&groups, "").with_members(false);
        let add = rt.block_on(captured(async {
            add_then_remove(&*d.store, &c_groups, &d.big, &d.candidates[0]).await;
        }));
        rt.block_on(sqlite_explain(&path, "group member add + remove", &add));
        bench_members(&mut c, &rt, "sqlite", big, &d);
    }

    if backends.iter().any(|b| b == "postgres") {
        match std::env::var("DATABASE_URL") {
            Err(_) => println!(
                "PostgreSQL benchmarks skipped: DATABASE_URL is unset \
                 (source .ci/postgres.sh && pg_start sets it)"
            ),
            Ok(url) => {
                rt.block_on(pg_check_rows(&url, &users));
                for &n in &sizes {
                    let (store, schema) = rt.block_on(pg_open(&url, &format!("u{n}"), n, None));
                    let picks = rt.block_on(pg_picks(&url, &schema, n));
                    let store: Arc<dyn ResourceStore> = Arc::new(store);
                    rt.block_on(verify(&*store, &users, &picks[..5]));
                    let (i, id) = picks[0].clone();
                    let c_users = ctx(&users, "");
                    let get = rt.block_on(captured(async {
                        store.get(&c_users, &id).await.unwrap().unwrap();
                    }));
                    let lookup = rt.block_on(captured(async {
                        let q = ListQuery::all().filter(lookup_filter(&users, i));
                        store.list(&c_users, &q).await.unwrap();
                    }));
                    rt.block_on(pg_explain(&url, &schema, &format!("get, {n} users"), &get));
                    rt.block_on(pg_explain(
                        &url,
                        &schema,
                        &format!("lookup, {n} users"),
                        &lookup,
                    ));
                    bench_reads(
                        &mut c,
                        &rt,
                        "postgres",
                        n,
                        &Dataset { store, picks },
                        &users,
                    );
                }
                let (store, schema) = rt.block_on(pg_open(
                    &url,
                    &format!("g{big}"),
                    big + CANDIDATES,
                    Some(big),
                ));
                let d = rt.block_on(groups_of(Arc::new(store), &groups, big, async {
                    let mut conn = pg_conn(&url, &schema).await;
                    let ids = sqlx::query_scalar(
                        "SELECT id FROM resources WHERE tenant = '' AND type = 'User' \
                         ORDER BY seq LIMIT $1 OFFSET $2",
                    )
                    .bind(i64::try_from(CANDIDATES).unwrap())
                    .bind(i64::try_from(big).unwrap())
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                    conn.close().await.unwrap();
                    ids
                }));
                let c_groups = ctx(&groups, "").with_members(false);
                let add = rt.block_on(captured(async {
                    add_then_remove(&*d.store, &c_groups, &d.big, &d.candidates[0]).await;
                }));
                rt.block_on(pg_explain(&url, &schema, "group member add + remove", &add));
                bench_members(&mut c, &rt, "postgres", big, &d);
            }
        }
    }
    c.final_summary();
}

/// Finds the two groups by name and checks their sizes through the store.
async fn groups_of(
    store: Arc<dyn ResourceStore>,
    groups: &Arc<ResourceType>,
    big: usize,
    candidates: impl std::future::Future<Output = Vec<String>>,
) -> Groups {
    let c = ctx(groups, "");
    let find = |name: &str| {
        let f = Filter::parse(&format!(r#"displayName eq "{name}""#))
            .unwrap()
            .resolve(groups)
            .unwrap();
        ListQuery::all().filter(f)
    };
    let small = store.list(&c, &find("small")).await.unwrap();
    let large = store.list(&c, &find("big")).await.unwrap();
    let count = |r: &Resource| {
        r.get("members")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    assert_eq!(count(&small.resources[0]), SMALL_GROUP);
    assert_eq!(count(&large.resources[0]), big);
    let candidates = candidates.await;
    assert_eq!(candidates.len(), CANDIDATES);
    Groups {
        small: small.resources[0].id().unwrap().to_owned(),
        big: large.resources[0].id().unwrap().to_owned(),
        store,
        candidates,
    }
}
