//! The cost of translating typical filters to SQL (`SqlMapping::translate`), for SQLite and
//! PostgreSQL, with compiling the same filter for in-memory evaluation as a reference.
//!
//! Run with `cargo bench -p scim-filter --bench sql`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use scim_core::ResourceType;
use scim_filter::{Dialect, Filter, MultiValued, SqlMapping};

/// Line 40 of `tests/data/filters.txt` (a copy of the shared corpus): 50 `userName eq` joined by `or`.
fn corpus_or50() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/filters.txt");
    let text = std::fs::read_to_string(path).expect("tests/data/filters.txt (vendored)");
    let line = text.lines().nth(39).expect("line 40").to_owned();
    assert_eq!(
        line.matches(" or ").count(),
        49,
        "line 40 is the 50-term or"
    );
    line
}

fn mapping() -> SqlMapping {
    SqlMapping::builder(ResourceType::user())
        .column("id", "users.id")
        .column("userName", "users.user_name")
        .column("externalId", "users.external_id")
        .column("active", "users.active")
        .column("name.familyName", "users.family_name")
        .column("meta.created", "users.created")
        .column("meta.lastModified", "users.last_modified")
        .column("meta.resourceType", "users.resource_type")
        .multi_valued(
            "emails",
            MultiValued::new("emails AS e")
                .on("e.user_id = users.id")
                .column("value", "e.value")
                .column("type", "e.type")
                .column("primary", "e.is_primary"),
        )
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let mapping = mapping();
    let users = ResourceType::user();
    let filters = [
        ("entra userName eq", r#"userName eq "bjensen@example.com""#.to_owned()),
        (
            "and of 3",
            r#"meta.created ge "2011-05-13T04:42:34Z" and meta.created lt "2012-05-13T04:42:34Z" and meta.resourceType eq "User""#
                .to_owned(),
        ),
        (
            "value path",
            r#"emails[type eq "work" and value co "@example.com"]"#.to_owned(),
        ),
        ("or of 50", corpus_or50()),
    ];
    for (name, text) in &filters {
        let filter = Filter::parse(text).unwrap();
        let mut g = c.benchmark_group(*name);
        g.bench_function("sqlite", |b| {
            b.iter(|| {
                mapping
                    .translate(black_box(&filter), Dialect::Sqlite)
                    .unwrap()
            })
        });
        g.bench_function("postgres", |b| {
            b.iter(|| {
                mapping
                    .translate(black_box(&filter), Dialect::Postgres)
                    .unwrap()
            })
        });
        g.bench_function("compile (reference)", |b| {
            b.iter(|| black_box(&filter).compile(&users).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
