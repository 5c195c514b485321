//! PATCH costs, each beside the cost of cloning the same resource in the same run:
//!
//! - `corpus/<name>/{parse, apply, apply_to_copy, parse+apply_to_copy}`: every request of
//!   `shared/corpus/patches.json` on its target (`user.json` or the 100-member `group.json`);
//!   `apply` is in place, the setup clone excluded.
//! - `clone/{user, group}`: `Resource::clone` of the two targets.
//! - `members/{add, remove}/{10, 10000}/{index, scan}`: adding or removing one member of a group
//!   of 10 or 10,000, with a caller's [`ValueIndex`] or without (scan).
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

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use scim_core::message::PatchRequest;
use scim_core::{Resource, ResourceType};
use scim_patch::{Patch, PatchOptions, ValueIndex};
use serde_json::{Value, json};

fn shared(path: &str) -> Value {
    let full = format!("{}/../../shared/{path}", env!("CARGO_MANIFEST_DIR"));
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
    let user = Resource::from_value(shared("corpus/user.json")).unwrap();
    let group = Resource::from_value(shared("corpus/group.json")).unwrap();
    let opts = PatchOptions::default();

    let mut g = c.benchmark_group("clone");
    g.bench_function("user", |b| b.iter(|| black_box(&user).clone()));
    g.bench_function("group", |b| b.iter(|| black_box(&group).clone()));
    g.finish();

    let cases = shared("corpus/patches.json");
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

fn members(c: &mut Criterion) {
    let groups = ResourceType::group();
    let opts = PatchOptions::default();
    let add = Patch::parse(
        &request(json!([{"op": "add", "path": "members", "value": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"}
        ]}])),
        &groups,
        &opts,
    )
    .unwrap();
    for n in [10usize, 10_000] {
        let group = group_of(n);
        let index = ValueIndex::new(&group, "members");
        let middle = format!("{:08x}-6245-4190-8e05-00816be7344a", n / 2);
        let remove = Patch::parse(
            &request(json!([{"op": "remove", "path": format!("members[value eq \"{middle}\"]")}])),
            &groups,
            &opts,
        )
        .unwrap();
        let mut g = c.benchmark_group(format!("members/{n}"));
        g.bench_function("clone", |b| b.iter(|| black_box(&group).clone()));
        for (op, patch) in [("add", &add), ("remove", &remove)] {
            g.bench_function(format!("{op}/index"), |b| {
                b.iter_batched(
                    || (group.clone(), index.clone()),
                    |(mut r, mut idx)| {
                        let outcome = patch.apply_indexed(&mut r, &mut idx).unwrap();
                        assert_eq!(
                            outcome
                                .members()
                                .map(|d| d.added().len() + d.removed().len()),
                            Some(1)
                        );
                        (r, idx, outcome)
                    },
                    BatchSize::LargeInput,
                )
            });
            g.bench_function(format!("{op}/scan"), |b| {
                b.iter_batched(
                    || group.clone(),
                    |mut r| {
                        let outcome = patch.apply(&mut r).unwrap();
                        (r, outcome)
                    },
                    BatchSize::LargeInput,
                )
            });
        }
        g.finish();
    }
}

criterion_group!(benches, corpus, members);
criterion_main!(benches);
