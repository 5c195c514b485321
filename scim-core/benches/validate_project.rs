//! Validates `tests/data/user.json` (the corpus User) against the registry and projects it with a
//! typical `attributes` list (issue: scim-core benchmark).
//!
//! Run with `cargo bench -p scim-core --bench validate_project`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use scim_core::validate::{ValidationOptions, validate_create};
use scim_core::{Projection, Registry, Resource};
use serde_json::Value;

fn corpus_user() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/user.json");
    let text = std::fs::read_to_string(path).expect("tests/data/user.json");
    serde_json::from_str(&text).expect("user.json is JSON")
}

fn bench(c: &mut Criterion) {
    let registry = Registry::standard();
    let users = registry.resource_type("User").unwrap().clone();
    let input = corpus_user();
    let opts = ValidationOptions::default();
    let stored: Resource = validate_create(&users, input.clone(), &opts).unwrap();
    let typical = Projection::parse(
        &users,
        Some(
            "userName,name.givenName,name.familyName,emails,active,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ),
        None,
    );
    let excluded = Projection::parse(&users, None, Some("groups,photos,addresses"));
    // 100 names, as many as `DEFAULT_MAX_PROJECTION_NAMES` allows: every User attribute and
    // sub-attribute the corpus user has, then repeats in other cases.
    let many: Vec<String> = [
        "userName",
        "name.formatted",
        "name.familyName",
        "name.givenName",
        "name.middleName",
        "name.honorificPrefix",
        "name.honorificSuffix",
        "displayName",
        "nickName",
        "profileUrl",
        "emails.value",
        "emails.type",
        "emails.primary",
        "addresses.streetAddress",
        "addresses.locality",
        "addresses.region",
        "addresses.postalCode",
        "addresses.country",
        "addresses.formatted",
        "addresses.type",
        "addresses.primary",
        "phoneNumbers.value",
        "phoneNumbers.type",
        "ims.value",
        "ims.type",
        "photos.value",
        "photos.type",
        "userType",
        "title",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "groups.value",
        "groups.display",
        "x509Certificates.value",
        "externalId",
        "meta",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ]
    .iter()
    .cycle()
    .enumerate()
    .map(|(i, n)| {
        if i < 40 {
            (*n).to_owned()
        } else {
            n.to_uppercase()
        }
    })
    .take(100)
    .collect();
    let many = Projection::from_lists(&users, Some(&many), &[]);

    let mut g = c.benchmark_group("user.json");
    g.bench_function("clone (reference)", |b| {
        b.iter(|| black_box(&input).clone())
    });
    g.bench_function("validate_create", |b| {
        b.iter(|| validate_create(&users, black_box(&input).clone(), &opts).unwrap())
    });
    g.bench_function("project attributes=6 names", |b| {
        b.iter(|| typical.apply(&users, black_box(&stored)))
    });
    g.bench_function("project attributes=100 names", |b| {
        b.iter(|| many.apply(&users, black_box(&stored)))
    });
    g.bench_function("project default", |b| {
        b.iter(|| Projection::default().apply(&users, black_box(&stored)))
    });
    g.bench_function("project excludedAttributes=3 names", |b| {
        b.iter(|| excluded.apply(&users, black_box(&stored)))
    });
    g.bench_function("validate + project", |b| {
        b.iter(|| {
            let r = validate_create(&users, black_box(&input).clone(), &opts).unwrap();
            typical.apply(&users, &r)
        })
    });
    g.bench_function("parse projection", |b| {
        b.iter(|| {
            Projection::parse(
                &users,
                black_box(Some("userName,name.givenName,emails,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")),
                None,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
