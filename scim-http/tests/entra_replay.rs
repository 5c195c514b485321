//! Replays the Microsoft Entra ID provisioning conformance scenarios
//! (`shared/conformance/entra/scenarios.json`) in-process through `ScimServer::handle`, with the
//! semantics of the Python runner next to them (`run.py`): one test per scenario, each on a new
//! server over an empty `InMemoryStore`, and one test that runs them all and checks the totals.
//!
//! Failing steps are printed as run.py prints them (scenario, step, source, every unmet check,
//! the first 300 characters of the response); advisory notes are printed and never fail a test.
//! Set `ENTRA_REPLAY_VERBOSE=1` to also print every request and passing step, and run with
//! `--nocapture` to see the output of passing tests.
#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use support::{
    J, ScenarioReport, counted_steps, load_scenarios, replay_on_fresh_server, scenario_name,
    scenarios,
};

/// What run.py counts over the whole file: 149 steps, less 12 advisory steps.
const EXPECTED_COUNTED_STEPS: usize = 137;

fn find<'a>(doc: &'a J, name: &str) -> &'a J {
    scenarios(doc)
        .iter()
        .find(|s| scenario_name(s) == name)
        .ok_or_else(|| format!("no scenario {name:?} in scenarios.json"))
        .unwrap()
}

fn failure_message(reports: &[ScenarioReport]) -> String {
    let mut msg = String::new();
    for r in reports {
        for f in &r.failures {
            msg.push_str(f);
        }
    }
    for r in reports {
        msg.push_str(&format!(
            "   {}: {} passed, {} failed\n",
            r.name, r.passed, r.failed
        ));
    }
    msg
}

async fn replay_one(name: &str) {
    let doc = load_scenarios();
    let scen = find(&doc, name);
    let report = replay_on_fresh_server(scen).await;
    assert_eq!(
        report.counted(),
        counted_steps(scen),
        "every counted step of {name} ran"
    );
    assert_eq!(
        report.failed,
        0,
        "{} of {} counted steps of {name} failed:\n{}",
        report.failed,
        report.counted(),
        failure_message(std::slice::from_ref(&report))
    );
}

macro_rules! scenario_tests {
    ($($test:ident => $name:literal,)*) => {
        /// Every scenario of scenarios.json, in file order.
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
    let doc = load_scenarios();
    let names: Vec<String> = scenarios(&doc).iter().map(scenario_name).collect();
    assert_eq!(
        names, SCENARIOS,
        "scenarios.json and the per-scenario tests disagree"
    );
    let counted: usize = scenarios(&doc).iter().map(counted_steps).sum();
    assert_eq!(
        counted, EXPECTED_COUNTED_STEPS,
        "run.py would count this many steps"
    );
}

/// run.py over the whole file: `N passed, M failed` must be `137 passed, 0 failed`.
#[tokio::test]
async fn all_scenarios() {
    let doc = load_scenarios();
    let mut reports = Vec::new();
    for scen in scenarios(&doc) {
        reports.push(replay_on_fresh_server(scen).await);
    }
    let sum = |f: fn(&ScenarioReport) -> usize| reports.iter().map(f).sum::<usize>();
    let (passed, failed) = (sum(|r| r.passed), sum(|r| r.failed));
    eprintln!();
    eprintln!(
        "advisory: {} advisory steps passed, {} advisory steps not met, {} advisory checks not met (none of these are counted)",
        sum(|r| r.adv_passed_steps),
        sum(|r| r.adv_failed_steps),
        sum(|r| r.adv_notes)
    );
    eprintln!("{passed} passed, {failed} failed");
    assert_eq!(passed + failed, EXPECTED_COUNTED_STEPS, "counted steps run");
    assert_eq!(
        failed,
        0,
        "{failed} of {} counted steps failed:\n{}",
        passed + failed,
        failure_message(&reports)
    );
}

#[test]
fn runner_helpers_behave_like_run_py() {
    use support::{Vars, build_url, check_expectation, quote, regex::Regex, resolve};

    // query encoding: quote_plus by default, %20 with "percent", untouched with "raw"
    let path = "/Users?filter=userName eq \"a+b@x\"&count=1";
    assert_eq!(
        build_url("http://h/scim/v2/", path, "plus"),
        "http://h/scim/v2/Users?filter=userName+eq+%22a%2Bb%40x%22&count=1"
    );
    assert_eq!(
        build_url("http://h/scim/v2", path, "percent"),
        "http://h/scim/v2/Users?filter=userName%20eq%20%22a%2Bb%40x%22&count=1"
    );
    assert_eq!(
        build_url("http://h/b", path, "raw"),
        format!("http://h/b{path}")
    );
    assert_eq!(quote("é/~", false), "%C3%A9%2F~");

    // variables: one variable keeps its JSON type; filters; BLOCKED on unknown names
    let mut vars = Vars::new("http://h/b", "t");
    vars.values
        .insert("n".to_owned(), J::parse("[1, true]").unwrap());
    vars.values
        .insert("s".to_owned(), J::Str("aB c".to_owned()));
    let got =
        vars.subst(&J::parse(r#"{"${s}": "${n}", "x": "<${s|upper}|${s|urlencode}>"}"#).unwrap());
    let got = support::dumps(&got.unwrap(), true, false);
    assert_eq!(got, r#"{"aB c": [1, true], "x": "<AB C|aB%20c>"}"#);
    let u1 = vars.subst(&J::Str("${uuid:a}".to_owned())).unwrap();
    let u2 = vars.subst(&J::Str("${uuid:a}".to_owned())).unwrap();
    assert_eq!(support::py_str(&u1), support::py_str(&u2));
    assert_eq!(support::py_str(&u1).len(), 36);
    assert!(vars.subst(&J::Str("a ${nope} b".to_owned())).is_err());

    // paths: selectors, case-insensitive keys, URN keys, indexes
    let doc = J::parse(
        r#"{"Emails": [{"type": "home", "value": "h"}, {"type": "Work", "value": "w", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}},
            "Resources": [{"id": "a"}, {"id": "b"}]}"#,
    )
    .unwrap();
    let at = |p: &str| resolve(&doc, p).unwrap().map(support::py_str);
    assert_eq!(at("/emails[type=work]/value").as_deref(), Some("w"));
    assert_eq!(at("/emails[primary=TRUE]/value").as_deref(), Some("w"));
    assert_eq!(
        at("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value").as_deref(),
        Some("m")
    );
    assert_eq!(at("/Resources/-1/id").as_deref(), Some("b"));
    assert_eq!(at("/Resources[id=c]"), None);
    assert_eq!(at("/Resources/2"), None);

    // expectations
    let check = |got: &str, exp: &str| {
        let got = if got.is_empty() {
            None
        } else {
            Some(J::parse(got).unwrap())
        };
        check_expectation(got.as_ref(), &J::parse(exp).unwrap())
    };
    assert!(check("1", "true").is_some(), "1 != true");
    assert!(check("1", "1.0").is_none());
    assert!(check("", r#"{"$optional": true, "$len": 0}"#).is_none());
    assert!(check("[]", r#"{"$optional": true, "$len": 0}"#).is_none());
    assert!(check("null", r#"{"$empty": true}"#).is_none());
    assert!(
        check(
            r#"[{"value": "a", "x": 1}]"#,
            r#"{"$contains": {"VALUE": "a"}}"#
        )
        .is_none()
    );
    assert!(
        check(
            r#"[{"value": "a"}]"#,
            r#"{"$not_contains": {"value": "a"}}"#
        )
        .is_some()
    );
    assert!(check(r#""AbC""#, r#"{"$ci": "abc"}"#).is_none());
    assert!(check("3", r#"{"$gte": 3, "$type": "integer"}"#).is_none());
    assert!(check("3.0", r#"{"$type": "integer"}"#).is_some());
    assert!(check(r#""x/Users/1""#, r#"{"$regex": "/Users/"}"#).is_none());
    assert_eq!(
        check("[1, 2]", r#"{"$len_gte": 3}"#).as_deref(),
        Some("expected length _gte 3, got 2: [1, 2]")
    );

    // the $regex engine
    let re = |p: &str, t: &str| Regex::new(p).unwrap().search(t);
    assert!(re("/Users/", "http://localhost/scim/v2/Users/42"));
    assert!(!re("/Users/", "http://localhost/scim/v2/Groups/42"));
    assert!(re(
        r"^https?://[^/]+/scim/v2/Users/[0-9a-f-]{36}$",
        "http://localhost/scim/v2/Users/6f1c2a4e-0b7d-4c55-9a55-2b0d6e9a1f00"
    ));
    assert!(re(r"(?:ab|cd)+e\b", "xxcdabe!"));
    assert!(!re(r"^a{2,3}$", "aaaa"));
    assert!(re(r"a.*?b", "a\tb"));
    assert!(Regex::new(r"(?=x)").is_err());
    assert!(Regex::new(r"(a)\1").is_err());
}
