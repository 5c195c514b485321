//! Ours against the Rust SCIM crates on crates.io, in one run:
//!
//! 1. correctness: valid filters accepted, invalid filters rejected, evaluations against
//!    `user.json` that match `filters_expected_eval.txt`, PATCH requests that meet their `checks`;
//! 2. criterion benchmarks (short measurement times, all overridable on the command line):
//!    - `parse/*`: each parser over the corpus lines it accepts, and ours over the same lines;
//!    - `eval/*`: the filters both ours and scim-filter 0.2.3 evaluate, pre-parsed, against
//!      `user.json` (ours: compiled `Matcher` on a `Resource`; 0.2.3: `Filter::match` on a
//!      `serde_json::Value`), plus ours with the compile step inside the loop;
//!    - `patch-all/*`: ours (parse + apply) on all 25 requests, on a copy and in place;
//!    - `patch-server-set/*` and `patch-<name>/*`: ours and scim-server on the requests
//!      scim-server gets right;
//! 3. a summary table of per-item means and ratios, read back from criterion's estimates.
//!
//! Run: `cd bench-peers && cargo bench` (`cargo bench -- <criterion flags>` to change times).

use std::hint::black_box;
use std::time::{Duration, Instant};

use bench_peers::{
    Corpus, Correctness, Ran, ServerPatcher, criterion_dir, fmt_ns, ours_parse, ours_patch_copy,
    ours_patch_in_place, v2_parse, v023_parse,
};
use criterion::Criterion;
use scim_patch::PatchOptions;

/// Parse benchmarks: one per implementation over the lines it accepts, and ours over each of
/// those sets.
fn parse(c: &mut Criterion, corpus: &Corpus, report: &Correctness, ran: &Ran) {
    let mut g = c.benchmark_group("parse");
    let sets: [(&str, &[usize]); 3] = [
        ("all", &report.ours_accepts),
        ("0.2.3-set", &report.v023_accepts),
        ("scim_v2-set", &report.v2_accepts),
    ];
    for (label, set) in sets {
        // The same set as ours/all is not timed twice.
        if label != "all" && set == report.ours_accepts.as_slice() {
            continue;
        }
        let lines: Vec<&str> = set.iter().map(|&i| corpus.filters[i]).collect();
        let id = format!("ours-{label}");
        g.bench_function(&id, |b| {
            ran.mark(&format!("parse/{id}"));
            b.iter(|| {
                for line in &lines {
                    black_box(ours_parse(black_box(line)));
                }
            })
        });
    }
    let lines: Vec<&str> = report
        .v023_accepts
        .iter()
        .map(|&i| corpus.filters[i])
        .collect();
    g.bench_function("scim-filter-0.2.3", |b| {
        ran.mark("parse/scim-filter-0.2.3");
        b.iter(|| {
            for line in &lines {
                black_box(v023_parse(black_box(line)));
            }
        })
    });
    let lines: Vec<&str> = report
        .v2_accepts
        .iter()
        .map(|&i| corpus.filters[i])
        .collect();
    g.bench_function("scim_v2", |b| {
        ran.mark("parse/scim_v2");
        b.iter(|| {
            for line in &lines {
                black_box(v2_parse(black_box(line)));
            }
        })
    });
    g.finish();
}

/// Evaluation against the user: the filters both ours and 0.2.3 evaluate.
fn eval(c: &mut Criterion, corpus: &Corpus, report: &Correctness, ran: &Ran) {
    let ours: Vec<scim_filter::Filter> = report
        .eval_common
        .iter()
        .map(|&i| ours_parse(corpus.filters[i]).expect("ours parses it"))
        .collect();
    let matchers: Vec<scim_filter::Matcher> = ours
        .iter()
        .map(|f| f.compile(&corpus.users).expect("ours compiles it"))
        .collect();
    let theirs: Vec<_> = report
        .eval_common
        .iter()
        .map(|&i| v023_parse(corpus.filters[i]).expect("0.2.3 parses it"))
        .collect();
    let mut g = c.benchmark_group("eval");
    g.bench_function("ours-matcher", |b| {
        ran.mark("eval/ours-matcher");
        b.iter(|| {
            for m in &matchers {
                black_box(m.matches(black_box(&corpus.user)));
            }
        })
    });
    g.bench_function("ours-compile+match", |b| {
        ran.mark("eval/ours-compile+match");
        b.iter(|| {
            for f in &ours {
                let m = f.compile(&corpus.users).expect("compiles");
                black_box(m.matches(black_box(&corpus.user)));
            }
        })
    });
    g.bench_function("scim-filter-0.2.3", |b| {
        ran.mark("eval/scim-filter-0.2.3");
        b.iter(|| {
            for f in &theirs {
                black_box(f.r#match(black_box(&corpus.user_value)).ok());
            }
        })
    });
    g.finish();
}

/// The three PATCH implementations over a set of requests. Timed: ours `Patch::parse` +
/// `apply_to_copy` (the copy-on-write `Resource` is copied at the first write) or + `apply` on a
/// resource owned outright (its deep copy made before the clock starts); scim-server's clone of
/// the stored JSON + `ScimPatchOperations::apply_patch_operation` per operation +
/// `Resource::from_json`. Dropping the result is left out of all three.
fn patch_group(
    c: &mut Criterion,
    corpus: &Corpus,
    group: &str,
    set: &[usize],
    with_server: bool,
    ran: &Ran,
) {
    let opts = PatchOptions::default();
    let server = ServerPatcher::default();
    let mut g = c.benchmark_group(group);
    g.bench_function("ours-copy", |b| {
        ran.mark(&format!("{group}/ours-copy"));
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for &i in set {
                    let case = &corpus.patches[i];
                    let (ty, target) = corpus.ours_target(case);
                    let start = Instant::now();
                    let out = ours_patch_copy(black_box(&case.request), ty, &opts, target);
                    total += start.elapsed();
                    drop(black_box(out));
                }
            }
            total
        })
    });
    g.bench_function("ours-in-place", |b| {
        ran.mark(&format!("{group}/ours-in-place"));
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for &i in set {
                    let case = &corpus.patches[i];
                    let (ty, target) = corpus.ours_target(case);
                    // `Resource` is copy-on-write (an `Arc`): unshare it before the clock
                    // starts, or the first write would copy the whole resource inside `apply`.
                    let mut copy = target.clone();
                    copy.as_map_mut();
                    let start = Instant::now();
                    let out = ours_patch_in_place(black_box(&case.request), ty, &opts, &mut copy);
                    total += start.elapsed();
                    black_box(out).ok();
                    drop(black_box(copy));
                }
            }
            total
        })
    });
    if with_server {
        g.bench_function("scim-server", |b| {
            ran.mark(&format!("{group}/scim-server"));
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    for &i in set {
                        let case = &corpus.patches[i];
                        let (rt, stored) = corpus.server_target(case);
                        let start = Instant::now();
                        let out = server.patch(rt, stored, black_box(&case.body));
                        total += start.elapsed();
                        drop(black_box(out));
                    }
                }
                total
            })
        });
    }
    g.finish();
}

fn patch(c: &mut Criterion, corpus: &Corpus, report: &Correctness, ran: &Ran) {
    patch_group(c, corpus, "patch-all", &report.ours_patch_right, false, ran);
    if report.server_patch_right.is_empty() {
        return;
    }
    patch_group(
        c,
        corpus,
        "patch-server-set",
        &report.server_patch_right,
        true,
        ran,
    );
    for &i in &report.server_patch_right {
        let group = format!("patch-{}", corpus.patches[i].name);
        patch_group(c, corpus, &group, &[i], true, ran);
    }
}

fn ratio(peer: Option<f64>, ours: Option<f64>) -> String {
    match (peer, ours) {
        (Some(p), Some(o)) if o > 0.0 => format!("{:.2}×", p / o),
        _ => "n/a".to_owned(),
    }
}

fn per(ns: Option<f64>, n: usize) -> Option<f64> {
    ns.map(|t| t / n.max(1) as f64)
}

fn show(ns: Option<f64>) -> String {
    ns.map_or_else(|| "n/a".to_owned(), fmt_ns)
}

fn summary(corpus: &Corpus, report: &Correctness, ran: &Ran) {
    let ours_all = ran.mean_ns("parse/ours-all");
    let ours_on = |set: &[usize], label: &str| {
        if set == report.ours_accepts.as_slice() {
            ours_all
        } else {
            ran.mean_ns(&format!("parse/ours-{label}"))
        }
    };
    println!(
        "\n## Summary (criterion means; ratio = peer time / our time, >1 means ours is faster)\n"
    );
    println!("### Filter parse (mean per filter)\n");
    println!("| set | filters | ours | peer | peer / ours |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| ours, every line it accepts | {} | {} | | |",
        report.ours_accepts.len(),
        show(per(ours_all, report.ours_accepts.len()))
    );
    for (name, set, label, id) in [
        (
            "scim-filter 0.2.3",
            &report.v023_accepts,
            "0.2.3-set",
            "parse/scim-filter-0.2.3",
        ),
        (
            "scim_v2 1.0.0",
            &report.v2_accepts,
            "scim_v2-set",
            "parse/scim_v2",
        ),
    ] {
        let n = set.len();
        let (o, p) = (per(ours_on(set, label), n), per(ran.mean_ns(id), n));
        println!(
            "| vs {name}, the lines it accepts | {n} | {} | {} | {} |",
            show(o),
            show(p),
            ratio(p, o)
        );
    }

    let n = report.eval_common.len();
    let ours_m = per(ran.mean_ns("eval/ours-matcher"), n);
    let ours_cm = per(ran.mean_ns("eval/ours-compile+match"), n);
    let theirs = per(ran.mean_ns("eval/scim-filter-0.2.3"), n);
    println!(
        "\n### Filter evaluation against user.json (mean per filter, {n} filters both evaluate)\n"
    );
    println!("| ours | peer | peer / ours |");
    println!("| --- | --- | --- |");
    println!(
        "| ours compiled Matcher: {} | scim-filter 0.2.3 `Filter::match`: {} | {} |",
        show(ours_m),
        show(theirs),
        ratio(theirs, ours_m)
    );
    println!(
        "| ours compile + match: {} | scim-filter 0.2.3 `Filter::match`: {} | {} |",
        show(ours_cm),
        show(theirs),
        ratio(theirs, ours_cm)
    );
    println!("| scim_v2 1.0.0 | no evaluator | |");

    println!("\n### PATCH, parse + apply (mean per request)\n");
    println!(
        "| requests | n | ours, copy | ours, in place | scim-server | server / ours copy | server / ours in place |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let row = |label: &str, group: &str, n: usize| {
        let copy = per(ran.mean_ns(&format!("{group}/ours-copy")), n);
        let inpl = per(ran.mean_ns(&format!("{group}/ours-in-place")), n);
        let srv = per(ran.mean_ns(&format!("{group}/scim-server")), n);
        println!(
            "| {label} | {n} | {} | {} | {} | {} | {} |",
            show(copy),
            show(inpl),
            show(srv),
            ratio(srv, copy),
            ratio(srv, inpl)
        );
    };
    row(
        "all ours gets right",
        "patch-all",
        report.ours_patch_right.len(),
    );
    row(
        "those scim-server gets right",
        "patch-server-set",
        report.server_patch_right.len(),
    );
    for &i in &report.server_patch_right {
        let name = &corpus.patches[i].name;
        row(&format!("`{name}`"), &format!("patch-{name}"), 1);
    }
    println!(
        "\n(criterion's reports: {}/report/index.html when built with its html feature; raw estimates under the same directory)",
        criterion_dir().display()
    );
}

fn main() {
    let corpus = Corpus::load();
    let report = Correctness::compute(&corpus);
    let ran = Ran::default();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(30)
        .nresamples(10_000)
        .output_directory(&criterion_dir())
        .configure_from_args();
    report.print(&corpus);
    println!();
    parse(&mut c, &corpus, &report, &ran);
    eval(&mut c, &corpus, &report, &ran);
    patch(&mut c, &corpus, &report, &ran);
    c.final_summary();
    summary(&corpus, &report, &ran);
}
