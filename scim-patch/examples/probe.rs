#![allow(missing_docs, clippy::unwrap_used)]
use scim_core::{Resource, ResourceType, message::PatchRequest};
use scim_patch::{Patch, PatchOptions, ValueIndex};
use serde_json::{Value, json};
use std::time::Instant;

fn group_of(n: usize) -> Resource {
    let members: Vec<Value> = (0..n).map(|i| { let id = format!("{i:08x}-6245-4190-8e05-00816be7344a");
        json!({"value": id, "$ref": format!("https://example.com/v2/Users/{id}"), "display": format!("User {i}")}) }).collect();
    Resource::from_value(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "displayName": "T", "members": members})).unwrap()
}
fn main() {
    let groups = ResourceType::group();
    let opts = PatchOptions::default();
    for n in [10usize, 10_000] {
        let mut g = group_of(n);
        let mut idx = ValueIndex::new(&g, "members");
        let mid = format!("{:08x}-6245-4190-8e05-00816be7344a", n / 2);
        let rm: PatchRequest = serde_json::from_value(json!({"Operations": [{"op": "remove", "path": format!("members[value eq \"{mid}\"]")}]})).unwrap();
        let add: PatchRequest = serde_json::from_value(json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": mid, "display": "x"}]}]})).unwrap();
        let rm = Patch::parse(&rm, &groups, &opts).unwrap();
        let add = Patch::parse(&add, &groups, &opts).unwrap();
        let iters = 200_000;
        let (mut ta, mut tr) = (0u128, 0u128);
        for _ in 0..iters {
            let t = Instant::now();
            let o = rm.apply_indexed(&mut g, &mut idx).unwrap();
            tr += t.elapsed().as_nanos();
            std::hint::black_box(o);
            let t = Instant::now();
            let o = add.apply_indexed(&mut g, &mut idx).unwrap();
            ta += t.elapsed().as_nanos();
            std::hint::black_box(o);
        }
        println!(
            "n={n}: remove/index {:.3} us, add/index {:.3} us",
            tr as f64 / iters as f64 / 1000.0,
            ta as f64 / iters as f64 / 1000.0
        );
    }
}
