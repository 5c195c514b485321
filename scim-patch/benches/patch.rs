//! PATCH costs, each beside the cost of cloning the same resource in the same run:
//!
//! - `corpus/<name>/{parse, apply, apply_to_copy, parse+apply_to_copy}`: every request of
//!   `tests/data/patches.json` on its target (`user.json` or the 100-member `group.json`, all
//!   vendored in `tests/data/` from `shared/corpus/`);
//!   `apply` is in place, the setup clone excluded.
//! - `clone/{user, group}`: `Resource::clone` of the two targets.
//! - `members/{10, 10000}/{add, remove}/{index, scan, apply_to_copy}`: adding or removing one
//!   member of a group of 10 or 10,000 kept in memory and patched in place, with a caller's
//!   [`ValueIndex`] or without (scan); and, for comparison, on a fresh copy each time.
//! - `members/{10, 10000}/clone`: the clone of those groups.
//!
//! Run: `cargo bench -p scim-patch -- --warm-up-time 1 --measurement-time 3`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark code: a failed unwrap is a broken fixture"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use scim_core::message::PatchRequest;
use scim_core::{Resource, ResourceType};
use scim_patch::{Patch, PatchOptions, ValueIndex};
use serde_json::{Value, json};

/// A vendored JSON test file in `tests/data/` (see `tests/data/README.md`).
fn data(name: &str) -> Value {
    let full = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn group_of(n: usize) -> Resource {
    let members: Vec<Value> = (0..n)
        .map(|i| {
            let id = format!("{i:08x}-6245-4190-8e05-00816be7344a");
            json!({"value": id, "$ref": format!("https://example.com/v2/Users/{id}"), "display": format!("User {i}")})
        })
        .collect();
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": members,
        "meta": {"resourceType": "Group", "version": "W/\"1\""}
    }))
    .unwrap()
}

fn request(ops: Value) -> PatchRequest {
    serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))
    .unwrap()
}

fn corpus(c: &mut Criterion) {
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let user = Resource::from_value(data("user.json")).unwrap();
    let group = Resource::from_value(data("group.json")).unwrap();
    let opts = PatchOptions::default();

    let mut g = c.benchmark_group("clone");
    g.bench_function("user", |b| b.iter(|| black_box(&user).clone()));
    g.bench_function("group", |b| b.iter(|| black_box(&group).clone()));
    g.finish();

    let cases = data("patches.json");
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (ty, target) = if case["target"] == "user" {
            (&users, &user)
        } else {
            (&groups, &group)
        };
        let req: PatchRequest = serde_json::from_value(case["body"].clone()).unwrap();
        let patch = Patch::parse(&req, ty, &opts).unwrap();
        let mut g = c.benchmark_group(format!("corpus/{name}"));
        g.bench_function("parse", |b| {
            b.iter(|| Patch::parse(black_box(&req), ty, &opts).unwrap())
        });
        g.bench_function("apply", |b| {
            b.iter_batched(
                || target.clone(),
                |mut r| {
                    let outcome = patch.apply(&mut r).unwrap();
                    (r, outcome)
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("apply_to_copy", |b| {
            b.iter(|| patch.apply_to_copy(black_box(target)).unwrap())
        });
        g.bench_function("parse+apply_to_copy", |b| {
            b.iter(|| {
                Patch::parse(black_box(&req), ty, &opts)
                    .unwrap()
                    .apply_to_copy(target)
                    .unwrap()
            })
        });
        g.finish();
    }
}

/// Times `op` on a long-lived group, undoing it (untimed) after each run, as a store that keeps
/// its groups in memory would apply one PATCH after another.
fn in_place(
    iters: u64,
    group: &mut Resource,
    mut index: Option<&mut ValueIndex>,
    op: &Patch<'_>,
    undo: &Patch<'_>,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let outcome = match index.as_deref_mut() {
            Some(idx) => op.apply_indexed(group, idx),
            None => op.apply(group),
        };
        total += start.elapsed();
        assert!(black_box(outcome).is_ok_and(|o| o.changed()));
        let restored = match index.as_deref_mut() {
            Some(idx) => undo.apply_indexed(group, idx),
            None => undo.apply(group),
        };
        assert!(restored.is_ok_and(|o| o.changed()));
    }
    total
}

fn members(c: &mut Criterion) {
    let groups = ResourceType::group();
    let opts = PatchOptions::default();
    let parse = |ops: Value| Patch::parse(&request(ops), &groups, &opts).unwrap();
    let newcomer = "2819c223-7f76-453a-919d-413861904646";
    let add = parse(
        json!([{"op": "add", "path": "members", "value": [{"value": newcomer, "display": "Babs Jensen"}]}]),
    );
    let remove_newcomer =
        parse(json!([{"op": "remove", "path": format!("members[value eq \"{newcomer}\"]")}]));
    for n in [10usize, 10_000] {
        let group = group_of(n);
        let middle = format!("{:08x}-6245-4190-8e05-00816be7344a", n / 2);
        let remove =
            parse(json!([{"op": "remove", "path": format!("members[value eq \"{middle}\"]")}]));
        let re_add = parse(
            json!([{"op": "add", "path": "members", "value": [{"value": middle, "display": "x"}]}]),
        );
        let mut g = c.benchmark_group(format!("members/{n}"));
        g.bench_function("clone", |b| b.iter(|| black_box(&group).clone()));
        for (name, op, undo) in [
            ("add", &add, &remove_newcomer),
            ("remove", &remove, &re_add),
        ] {
            g.bench_function(format!("{name}/index"), |b| {
                let mut r = group.clone();
                let mut idx = ValueIndex::new(&r, "members");
                b.iter_custom(|iters| in_place(iters, &mut r, Some(&mut idx), op, undo));
            });
            g.bench_function(format!("{name}/scan"), |b| {
                let mut r = group.clone();
                b.iter_custom(|iters| in_place(iters, &mut r, None, op, undo));
            });
            g.bench_function(format!("{name}/apply_to_copy"), |b| {
                b.iter(|| op.apply_to_copy(black_box(&group)).unwrap());
            });
        }
        g.finish();
    }
}

/// Replacing or removing every member of a 100-member group, against a copy of the group
/// (issue 11: at most 1.5× the copy). Each run is undone (untimed) by putting the original
/// members back.
fn wholesale(c: &mut Criterion) {
    let groups = ResourceType::group();
    let opts = PatchOptions::default();
    let parse = |ops: Value| Patch::parse(&request(ops), &groups, &opts).unwrap();
    let n = 100;
    let group = group_of(n);
    let original = group.get("members").cloned().unwrap();
    let others: Vec<Value> = (0..n)
        .map(|i| {
            let id = format!("{i:08x}-0000-4190-8e05-00816be7344a");
            json!({"value": id, "display": format!("Other {i}")})
        })
        .collect();
    let restore = parse(json!([{"op": "replace", "path": "members", "value": original}]));
    let replace = parse(json!([{"op": "replace", "path": "members", "value": others}]));
    let remove_all = parse(json!([{"op": "remove", "path": "members"}]));
    let mut g = c.benchmark_group(format!("members/{n}"));
    // A deep copy (`Resource::clone` shares the map).
    g.bench_function("copy", |b| b.iter(|| black_box(&group).as_map().clone()));
    for (name, op) in [("replace_all", &replace), ("remove_all", &remove_all)] {
        g.bench_function(format!("{name}/index"), |b| {
            let mut r = group.clone();
            let mut idx = ValueIndex::new(&r, "members");
            b.iter_custom(|iters| in_place(iters, &mut r, Some(&mut idx), op, &restore));
        });
        g.bench_function(format!("{name}/scan"), |b| {
            let mut r = group.clone();
            b.iter_custom(|iters| in_place(iters, &mut r, None, op, &restore));
        });
    }
    g.finish();
}

criterion_group!(benches, corpus, members, wholesale);
criterion_main!(benches);
