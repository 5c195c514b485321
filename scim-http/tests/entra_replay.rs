//! Replays the Microsoft Entra ID provisioning conformance scenarios (`tests/data/`, a copy of
//! `shared/conformance/entra/scenarios.json`) in-process through `ScimServer::handle`, with the
//! semantics of the Python runner beside the original (`run.py`): one test per scenario, each on a
//! new server over an empty `InMemoryStore`, and one test that runs them all on one server, as
//! run.py does, and checks the totals and that cleanup left nothing behind.
//!
//! Failing steps are printed as run.py prints them (scenario, step, source, every unmet check, the
//! first 300 characters of the response); advisory notes are printed and never fail a test. Run
//! with `--nocapture` to see the output of passing tests.
#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use serde_json::{Value, json};
use support::{Report, check_expectation, load_scenarios, resolve, target};

/// What run.py counts over the whole file: 149 steps, less 12 advisory steps.
const EXPECTED_COUNTED_STEPS: usize = 137;

/// The steps run.py counts in `N passed, M failed`: all but the advisory ones.
fn counted_steps(scen: &Value) -> usize {
    let steps = scen["steps"].as_array().unwrap();
    steps.iter().filter(|s| s["advisory_step"] != true).count()
}

/// Every failing step's report: scenario, step, source, unmet checks, start of the response.
fn failure_message(reports: &[Report]) -> String {
    let failures = reports.iter().flat_map(|r| &r.failures);
    failures.map(|f| format!("{f}\n")).collect()
}

async fn replay_one(name: &str) {
    let scen = load_scenarios().into_iter().find(|s| s["name"] == name);
    let scen = scen.unwrap_or_else(|| panic!("no scenario {name:?} in entra_scenarios.json"));
    let report = support::replay(&support::fresh_server(), &scen).await;
    let counted = report.passed + report.failed;
    assert_eq!(
        counted,
        counted_steps(&scen),
        "every counted step of {name} ran"
    );
    assert!(
        report.failed == 0,
        "{} of {counted} counted steps of {name} failed:\n{}",
        report.failed,
        failure_message(std::slice::from_ref(&report))
    );
}

macro_rules! scenario_tests {
    ($($test:ident => $name:literal,)*) => {
        /// Every scenario of the file, in file order.
        const SCENARIOS: &[&str] = &[$($name),*];
        $(
            #[tokio::test]
            async fn $test() {
                replay_one($name).await;
            }
        )*
    };
}

scenario_tests! {
    test_connection => "test-connection",
    auth_bearer => "auth-bearer",
    user_lifecycle_catalog => "user-lifecycle-catalog",
    user_attribute_mapping => "user-attribute-mapping",
    user_patch_modern_aadoptscim062020 => "user-patch-modern-aadOptscim062020",
    user_patch_legacy_default => "user-patch-legacy-default",
    user_patch_add_to_absent_multivalued => "user-patch-add-to-absent-multivalued",
    user_enterprise_manager => "user-enterprise-manager",
    uniqueness_409 => "uniqueness-409",
    not_found_404 => "not-found-404",
    group_lifecycle_catalog => "group-lifecycle-catalog",
    discovery => "discovery",
    pagination => "pagination",
    request_encoding_variants => "request-encoding-variants",
}

#[test]
fn the_tests_cover_every_scenario() {
    let scens = load_scenarios();
    let names: Vec<&str> = scens.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(
        names, SCENARIOS,
        "the scenario file and the per-scenario tests disagree"
    );
    let counted: usize = scens.iter().map(counted_steps).sum();
    assert_eq!(
        counted, EXPECTED_COUNTED_STEPS,
        "run.py would count this many steps"
    );
}

/// run.py over the whole file, on one server: `137 passed, 0 failed`, and nothing left behind.
#[tokio::test]
async fn all_scenarios() {
    let server = support::fresh_server();
    let mut reports = Vec::new();
    for scen in load_scenarios() {
        reports.push(support::replay(&server, &scen).await);
    }
    let sum = |f: fn(&Report) -> usize| reports.iter().map(f).sum::<usize>();
    let (passed, failed) = (sum(|r| r.passed), sum(|r| r.failed));
    eprintln!(
        "\nadvisory: {} advisory steps passed, {} advisory steps not met, {} advisory checks not met (none of these are counted)",
        sum(|r| r.adv_passed_steps),
        sum(|r| r.adv_failed_steps),
        sum(|r| r.adv_notes)
    );
    eprintln!("{passed} passed, {failed} failed");
    assert_eq!(passed + failed, EXPECTED_COUNTED_STEPS, "counted steps run");
    assert!(
        failed == 0,
        "{failed} of {} counted steps failed:\n{}",
        passed + failed,
        failure_message(&reports)
    );
    for coll in ["Users", "Groups"] {
        let get = http::Request::get(format!("{}/{coll}", support::PATH));
        let get = get.header("Authorization", format!("Bearer {}", support::TOKEN));
        let resp = server.handle(get.body(Vec::new()).unwrap()).await;
        let list: Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(
            list["totalResults"], 0,
            "cleanup left {coll} behind: {list}"
        );
    }
}

#[test]
fn runner_helpers_behave_like_run_py() {
    // query encoding: quote_plus by default, %20 with "percent"
    let path = "/Users?filter=userName eq \"a+b@x\"&count=1";
    let want = "/scim/v2/Users?filter=userName+eq+%22a%2Bb%40x%22&count=1";
    assert_eq!(target(path, None), want);
    assert_eq!(
        target(path, Some("percent")),
        want.replace("+eq+", "%20eq%20")
    );

    // variables: one variable keeps its JSON type; filters; a fixed uuid per name; BLOCKED
    let mut vars = support::new_vars();
    vars.insert("n".to_owned(), json!([1, true]));
    vars.insert("s".to_owned(), json!("aB c"));
    let mut subst = |v: Value| support::subst(&mut vars, &v);
    let got = subst(json!({"${s}": "${n}", "x": "<${s|upper}|${s}>"})).unwrap();
    assert_eq!(got, json!({"aB c": [1, true], "x": "<AB C|aB c>"}));
    let u = subst(json!(["${uuid:a}", "${uuid:a}", "${uuid:b}", "${base}"])).unwrap();
    assert!(u[0] == u[1] && u[0] != u[2] && u[0].as_str().unwrap().len() == 36);
    assert_eq!(u[3], support::BASE);
    assert_eq!(subst(json!("a ${nope} b")), Err("nope".to_owned()));

    // paths: selectors (ignoring case), case-insensitive keys, URN keys, indexes
    let doc = json!({
        "Emails": [{"type": "home", "value": "h"}, {"type": "Work", "value": "w"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}},
        "Resources": [{"id": "a"}, {"id": "b"}],
    });
    let at = |p: &str| resolve(&doc, p).and_then(Value::as_str);
    assert_eq!(at("/emails[type=work]/value"), Some("w"));
    assert_eq!(
        at("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value"),
        Some("m")
    );
    assert_eq!(
        (at("/Resources/0/id"), at("/Resources/1/id")),
        (Some("a"), Some("b"))
    );
    assert_eq!(
        (
            resolve(&doc, "/Resources[id=c]"),
            resolve(&doc, "/Resources/2")
        ),
        (None, None)
    );

    // expectations
    let check = |got: Option<Value>, exp: Value| check_expectation(got.as_ref(), &exp);
    assert!(check(Some(json!(1)), json!(true)).is_some(), "1 != true");
    assert!(check(None, json!({"$optional": true, "$len": 0})).is_none());
    assert!(check(Some(json!([1])), json!({"$optional": true, "$len": 0})).is_some());
    assert!(check(Some(Value::Null), json!({"$empty": true})).is_none());
    assert!(
        check(
            Some(json!([{"value": "a", "x": 1}])),
            json!({"$contains": {"VALUE": "a"}})
        )
        .is_none()
    );
    assert!(
        check(
            Some(json!([{"value": "a"}])),
            json!({"$not_contains": {"value": "a"}})
        )
        .is_some()
    );
    let all = json!({"$contains_all": [{"value": "a"}, "b"], "$len": 2});
    assert!(check(Some(json!([{"value": "a"}, "b"])), all).is_none());
    assert!(check(Some(json!("x/Users/1")), json!({"$regex": "/Users/"})).is_none());
    assert!(check(Some(json!(3)), json!({"$gte": 3, "$type": "integer"})).is_none());
    assert!(check(Some(json!(3.0)), json!({"$type": "integer"})).is_some());
    assert!(
        check(
            Some(json!("x")),
            json!({"$in": ["x", "y"], "$absent": false})
        )
        .is_none()
    );
    assert_eq!(
        check(Some(json!([1, 2])), json!({"$len": 3})).as_deref(),
        Some("expected $len 3, got [1,2]")
    );
}
