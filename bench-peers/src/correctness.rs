//! Correctness: what each implementation accepts, rejects, evaluates and patches right, and
//! the subsets the timed loops run on.

use super::*;

/// What each implementation gets right, and the subsets the timed loops run on.
#[derive(Debug, Default)]
pub struct Correctness {
    /// Valid filters ours accepts (indexes into `Corpus::filters`).
    pub ours_accepts: Vec<usize>,
    /// Valid filters 0.2.3 accepts.
    pub v023_accepts: Vec<usize>,
    /// Valid filters scim_v2 accepts.
    pub v2_accepts: Vec<usize>,
    /// Invalid filters rejected: ours, 0.2.3, scim_v2.
    pub rejected: [usize; 3],
    /// Invalid filters each accepts (text), for the report.
    pub wrongly_accepted: [Vec<&'static str>; 3],
    /// Evaluations matching `filters_expected_eval.txt`: ours (of 44), 0.2.3 (of those it
    /// parses and evaluates without error).
    pub ours_eval_right: usize,
    /// Ours: filters that fail to compile against the User type.
    pub ours_eval_errors: Vec<usize>,
    /// 0.2.3: evaluations matching the expectation.
    pub v023_eval_right: usize,
    /// 0.2.3: filters it parses but fails to evaluate (`Err`).
    pub v023_eval_errors: Vec<usize>,
    /// 0.2.3: filters evaluated to the wrong answer.
    pub v023_eval_wrong: Vec<usize>,
    /// Ours: filters evaluated to the wrong answer.
    pub ours_eval_wrong: Vec<usize>,
    /// Filters both parse and evaluate without error (the timed eval subset).
    pub eval_common: Vec<usize>,
    /// PATCH cases ours gets right (indexes into `Corpus::patches`).
    pub ours_patch_right: Vec<usize>,
    /// PATCH: ours's failures (name, reason).
    pub ours_patch_fail: Vec<(String, String)>,
    /// PATCH cases scim-server gets right.
    pub server_patch_right: Vec<usize>,
    /// PATCH: scim-server's failures (name, reason).
    pub server_patch_fail: Vec<(String, String)>,
    /// PATCH: cases where scim-server passes the checks and its result (through its
    /// `Resource::to_json`) equals ours, `meta` aside.
    pub server_same_as_ours: usize,
    /// PATCH: cases scim-server passes whose result differs from ours (name, what differs).
    pub server_differs: Vec<(String, String)>,
}

impl Correctness {
    /// Runs every implementation once on the whole corpus.
    pub fn compute(corpus: &Corpus) -> Correctness {
        let mut c = Correctness::default();
        for (i, f) in corpus.filters.iter().enumerate() {
            if ours_parse(f).is_some() {
                c.ours_accepts.push(i);
            }
            if v023_parse(f).is_some() {
                c.v023_accepts.push(i);
            }
            if v2_parse(f).is_some() {
                c.v2_accepts.push(i);
            }
        }
        for f in &corpus.invalid {
            let accepted = [
                ours_parse(f).is_some(),
                v023_parse(f).is_some(),
                v2_parse(f).is_some(),
            ];
            for (k, a) in accepted.into_iter().enumerate() {
                if a {
                    c.wrongly_accepted[k].push(f);
                } else {
                    c.rejected[k] += 1;
                }
            }
        }

        for (i, f) in corpus.filters.iter().enumerate() {
            let want = corpus.expected[i];
            let ours = ours_parse(f).map(|p| p.compile(&corpus.users));
            let ours_ok = match ours {
                Some(Ok(m)) => {
                    if m.matches(&corpus.user) == want {
                        c.ours_eval_right += 1;
                    } else {
                        c.ours_eval_wrong.push(i);
                    }
                    true
                }
                _ => {
                    c.ours_eval_errors.push(i);
                    false
                }
            };
            let theirs_ok = match v023_parse(f).map(|p| p.r#match(&corpus.user_value)) {
                Some(Ok(got)) => {
                    if got == want {
                        c.v023_eval_right += 1;
                    } else {
                        c.v023_eval_wrong.push(i);
                    }
                    true
                }
                Some(Err(_)) => {
                    c.v023_eval_errors.push(i);
                    false
                }
                None => false,
            };
            if ours_ok && theirs_ok {
                c.eval_common.push(i);
            }
        }

        let opts = PatchOptions::default();
        let server = ServerPatcher::default();
        for (i, case) in corpus.patches.iter().enumerate() {
            let (ty, target) = corpus.ours_target(case);
            let ours = ours_patch_copy(&case.request, ty, &opts, target).map(Resource::into_value);
            match ours
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|r| run_checks(r, &case.checks))
            {
                Ok(()) => c.ours_patch_right.push(i),
                Err(e) => c.ours_patch_fail.push((case.name.clone(), e)),
            }
            let (rt, stored) = corpus.server_target(case);
            let theirs = server.patch(rt, stored, &case.body).and_then(|r| {
                r.to_json()
                    .map(strip_nulls)
                    .map_err(|e| format!("to_json of the patched resource: {e}"))
            });
            match theirs
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|r| run_checks(r, &case.checks))
            {
                Ok(()) => {
                    c.server_patch_right.push(i);
                    if let (Ok(a), Ok(b)) = (&ours, &theirs) {
                        let (a, b) = (without_meta(a), without_meta(b));
                        if a == b {
                            c.server_same_as_ours += 1;
                        } else {
                            c.server_differs
                                .push((case.name.clone(), first_difference(&a, &b)));
                        }
                    }
                }
                Err(e) => c.server_patch_fail.push((case.name.clone(), e)),
            }
        }
        c
    }

    /// Prints the correctness report (markdown).
    pub fn print(&self, corpus: &Corpus) {
        let nv = corpus.filters.len();
        let ni = corpus.invalid.len();
        let np = corpus.patches.len();
        println!("\n## Correctness\n");
        println!(
            "| implementation | valid filters accepted | invalid filters rejected | eval vs expected (of 44) | PATCH requests right (checks) |"
        );
        println!("| --- | --- | --- | --- | --- |");
        println!(
            "| ours (scim-filter 0.1 / scim-patch 0.1) | {}/{nv} | {}/{ni} | {}/{nv} | {}/{np} |",
            self.ours_accepts.len(),
            self.rejected[0],
            self.ours_eval_right,
            self.ours_patch_right.len()
        );
        println!(
            "| scim-filter 0.2.3 | {}/{nv} | {}/{ni} | {}/{nv} ({} parsed but `Err` on eval) | no PATCH |",
            self.v023_accepts.len(),
            self.rejected[1],
            self.v023_eval_right,
            self.v023_eval_errors.len()
        );
        println!(
            "| scim_v2 1.0.0 | {}/{nv} | {}/{ni} | no evaluator | no PATCH apply |",
            self.v2_accepts.len(),
            self.rejected[2]
        );
        println!(
            "| scim-server 0.5.3 | (no filter parser exposed) | | | {}/{np} |",
            self.server_patch_right.len()
        );
        let line_nos = |v: &[usize]| {
            v.iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let rejected_lines = |acc: &[usize]| {
            let r: Vec<usize> = (0..nv).filter(|i| !acc.contains(i)).collect();
            line_nos(&r)
        };
        println!();
        println!(
            "- valid lines rejected: ours [{}]; 0.2.3 [{}]; scim_v2 [{}]",
            rejected_lines(&self.ours_accepts),
            rejected_lines(&self.v023_accepts),
            rejected_lines(&self.v2_accepts)
        );
        for (k, who) in ["ours", "0.2.3", "scim_v2"].iter().enumerate() {
            if !self.wrongly_accepted[k].is_empty() {
                println!(
                    "- invalid filters {who} accepts: {:?}",
                    self.wrongly_accepted[k]
                );
            }
        }
        println!(
            "- eval: ours wrong on lines [{}], compile errors on [{}]; 0.2.3 wrong on [{}], `Err` on [{}]",
            line_nos(&self.ours_eval_wrong),
            line_nos(&self.ours_eval_errors),
            line_nos(&self.v023_eval_wrong),
            line_nos(&self.v023_eval_errors)
        );
        for (name, why) in &self.ours_patch_fail {
            println!("- PATCH ours fails {name}: {why}");
        }
        println!(
            "- PATCH scim-server right on: {}",
            self.server_patch_right
                .iter()
                .map(|&i| corpus.patches[i].name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  ({} of them give exactly our result, `meta` aside, after its Resource::from_json/to_json)",
            self.server_same_as_ours
        );
        for (name, what) in &self.server_differs {
            let what: String = what.chars().take(160).collect();
            println!("  - {name} passes its checks but differs from ours: {what}");
        }
        for (name, why) in &self.server_patch_fail {
            let why: String = why.chars().take(140).collect();
            println!("- PATCH scim-server fails {name}: {why}");
        }
    }
}
