//! Parse and evaluation cost, side by side with the crates.io `scim-filter` 0.2.3 (renamed
//! `scim_filter_023` in the dev-dependencies).
//!
//! - `parse corpus`: all 44 lines of `tests/data/filters.txt` (a copy of the shared corpus). 0.2.3 rejects some valid
//!   lines; they are listed on stderr and skipped in its loop, and ours is also timed on the
//!   same subset so the two loops do the same work.
//! - `eval`: one pre-parsed filter against `user.json`. Ours is
//!   [`scim_filter::Matcher::matches`] on a compiled matcher over a pre-built [`Resource`];
//!   0.2.3's is `Filter::match` on its parsed filter over a pre-built `serde_json::Value`
//!   (0.2.3 ignores a path's URN, so it answers `false` for the `urn eq` case).
//! - `compile` and `compile + eval` (`scim_filter::matches`) for reference, and `end to end`
//!   (parse + evaluate one resource) against 0.2.3's `scim_filter(input, resources)`.
//! - `co on a long value`: `co` with a 1 KiB needle that nearly matches everywhere, on 64 KiB
//!   and 1 MiB values, case-exact and case-insensitive: linear in the value's length.
//!
//! Run with
//! `cargo bench -p scim-filter@0.1.0 --bench parse_eval -- --warm-up-time 1 --measurement-time 3`
//! (with 0.2.3 in the dependency graph a bare `-p scim-filter` is ambiguous; `cd scim-filter`
//! and `cargo bench --bench parse_eval` works too).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scim_core::{Resource, ResourceType};
use scim_filter::Filter;
use scim_filter_023 as theirs;
use serde_json::Value;

const FILTERS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/filters.txt"
));
const USER: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/user.json"));

/// 0.2.3's own entry point (`scim_filter_parser`) is crate-private; this is the same thing
/// from its public `parser` module: the `filter` combinator, and no input left over.
fn parse_023(input: &str) -> Option<theirs::parser::Filter<'_>> {
    match theirs::parser::filter(input) {
        Ok(("", f)) => Some(f),
        _ => None,
    }
}

/// Representative filters that both crates accept, by short name.
fn eval_cases(lines: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    vec![
        ("eq userName", r#"userName eq "bjensen""#),
        ("pr and eq", r#"title pr and userType eq "Employee""#),
        (
            "value path",
            r#"emails[type eq "work" and value co "@example.com"]"#,
        ),
        (
            "dateTime gt",
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        ),
        (
            "urn eq",
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
        ),
        ("and x20 (line 42)", lines[41]),
        ("or x50 (line 40)", lines[39]),
    ]
}

fn bench(c: &mut Criterion) {
    let lines: Vec<&'static str> = FILTERS.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 44);
    let user_value: Value = serde_json::from_str(USER).unwrap();
    let user = Resource::from_value(user_value.clone()).unwrap();
    let users = ResourceType::user();

    // Which valid lines 0.2.3 rejects.
    let rejected: Vec<usize> = (0..lines.len())
        .filter(|&i| parse_023(lines[i]).is_none())
        .collect();
    eprintln!(
        "scim-filter 0.2.3 rejects {} of {} corpus lines:",
        rejected.len(),
        lines.len()
    );
    for &i in &rejected {
        eprintln!("  line {}: {}", i + 1, lines[i]);
    }
    let accepted: Vec<&str> = (0..lines.len())
        .filter(|i| !rejected.contains(i))
        .map(|i| lines[i])
        .collect();
    for line in &lines {
        Filter::parse(line).unwrap();
    }

    let mut g = c.benchmark_group("parse corpus");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("ours/all 44", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(Filter::parse(black_box(line)).unwrap());
            }
        })
    });
    g.throughput(Throughput::Elements(accepted.len() as u64));
    g.bench_function(format!("ours/the {} 0.2.3 accepts", accepted.len()), |b| {
        b.iter(|| {
            for line in &accepted {
                black_box(Filter::parse(black_box(line)).unwrap());
            }
        })
    });
    g.bench_function(format!("0.2.3/the {} it accepts", accepted.len()), |b| {
        b.iter(|| {
            for line in &accepted {
                black_box(parse_023(black_box(line)).unwrap());
            }
        })
    });
    g.finish();

    let cases = eval_cases(&lines);
    let mut eval = c.benchmark_group("eval");
    for &(name, text) in &cases {
        let ours = Filter::parse(text).unwrap();
        let matcher = ours.compile(&users).unwrap();
        let theirs = parse_023(text).unwrap_or_else(|| panic!("0.2.3 rejects {text}"));
        let (a, b) = (matcher.matches(&user), theirs.r#match(&user_value));
        eprintln!("eval {name}: ours {a}, 0.2.3 {b:?}");
        eval.bench_function(BenchmarkId::new("ours", name), |bch| {
            bch.iter(|| black_box(&matcher).matches(black_box(&user)))
        });
        eval.bench_function(BenchmarkId::new("0.2.3", name), |bch| {
            bch.iter(|| black_box(&theirs).r#match(black_box(&user_value)).ok())
        });
    }
    eval.finish();

    let mut compile = c.benchmark_group("reference");
    for &(name, text) in &cases {
        let ours = Filter::parse(text).unwrap();
        compile.bench_function(BenchmarkId::new("compile", name), |b| {
            b.iter(|| black_box(&ours).compile(black_box(&users)).unwrap())
        });
        compile.bench_function(BenchmarkId::new("compile + eval (matches)", name), |b| {
            b.iter(|| scim_filter::matches(black_box(&ours), black_box(&user), &users).unwrap())
        });
    }
    compile.finish();

    // Parse + evaluate one resource from text: ours with a pre-built Resource; 0.2.3's
    // top-level `scim_filter(input, resources)` serialises each resource to a Value itself.
    let mut e2e = c.benchmark_group("end to end");
    for &(name, text) in &cases {
        e2e.bench_function(BenchmarkId::new("ours", name), |b| {
            b.iter(|| {
                let f = Filter::parse(black_box(text)).unwrap();
                scim_filter::matches(&f, black_box(&user), &users).unwrap()
            })
        });
        e2e.bench_function(BenchmarkId::new("0.2.3", name), |b| {
            b.iter(|| theirs::scim_filter(black_box(text), [black_box(&user_value)]).ok())
        });
    }
    e2e.finish();

    // `co` on a long stored value: linear in the value's length (memmem, and one case fold of
    // the value for caseExact: false). The needle nearly matches everywhere, the worst case
    // for a window-by-window search (O(|value| * |needle|)).
    let mut long = c.benchmark_group("co on a long value");
    let needle = format!("{}b", "a".repeat(1023));
    for len in [64 * 1024, 1024 * 1024] {
        let value = "a".repeat(len);
        let upper = value.to_uppercase();
        long.throughput(Throughput::Bytes(len as u64));
        for (attr, stored, label) in [
            ("externalId", &value, "caseExact"),
            ("userName", &value, "caseExact false, lower"),
            ("userName", &upper, "caseExact false, upper"),
        ] {
            let m = Filter::parse(&format!(r#"{attr} co "{needle}""#))
                .unwrap()
                .compile(&users)
                .unwrap();
            let resource = serde_json::json!({ attr: stored });
            assert!(!m.matches_value(&resource));
            long.bench_function(BenchmarkId::new(label, len), |b| {
                b.iter(|| black_box(&m).matches_value(black_box(&resource)))
            });
        }
    }
    long.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
