//! Helpers of the `peers` benchmark: the corpus (embedded at compile time from `data/`), one
//! adapter per implementation, the PATCH `checks` of the corpus, the correctness counts, and the
//! summary table computed from criterion's own estimates.
//!
//! Implementations compared:
//!
//! - ours: `scim-filter` 0.1 (this workspace, `Filter::parse`, `Filter::compile` +
//!   `Matcher::matches`) and `scim-patch` 0.1 (`Patch::parse` + `apply_to_copy` / `apply`);
//! - `scim-filter` 0.2.3 on crates.io (a different crate with the same name): its public
//!   `parser::filter` combinator and `Filter::match` on a `serde_json::Value`;
//! - `scim_v2` 1.0.0 (feature `filter`): `Filter::from_str` (it has no evaluator and no PATCH
//!   apply: "it evaluates no filter against storage", its crate docs);
//! - `scim-server` (latest, 0.5.3 when written): the `ScimPatchOperations` trait its
//!   `StandardResourceProvider` uses for PATCH, then `Resource::from_json`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scim_core::message::PatchRequest;
use scim_core::{Resource, ResourceType};
use scim_patch::{Patch, PatchOptions};
use scim_server::providers::{InMemoryStorage, ScimPatchOperations, StandardResourceProvider};
use serde_json::Value;

pub use peer_scim_filter as v023;

mod correctness;
mod report;

pub use correctness::*;
pub use report::*;

/// The 44 valid filters, one a line.
pub const FILTERS: &str = include_str!("../data/filters.txt");
/// The 15 invalid filters, one a line.
pub const FILTERS_INVALID: &str = include_str!("../data/filters_invalid.txt");
/// `line T/F`: each valid filter evaluated against `user.json`.
pub const FILTERS_EXPECTED_EVAL: &str = include_str!("../data/filters_expected_eval.txt");
/// The RFC 7643 §8.2 User with the enterprise extension.
pub const USER: &str = include_str!("../data/user.json");
/// A Group with 100 members.
pub const GROUP: &str = include_str!("../data/group.json");
/// 25 PATCH requests `{name, target, body, checks, note}`.
pub const PATCHES: &str = include_str!("../data/patches.json");

/// The non-empty lines of a corpus file.
pub fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// The expected evaluation of each line of `filters.txt` against `user.json` (index = line - 1).
pub fn expected_eval() -> Vec<bool> {
    let mut out = Vec::new();
    for line in FILTERS_EXPECTED_EVAL.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let n: usize = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let v = parts.next() == Some("T");
        assert_eq!(n, out.len() + 1, "filters_expected_eval.txt out of order");
        out.push(v);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Filter adapters
// ---------------------------------------------------------------------------------------------

/// Ours: parse only.
pub fn ours_parse(input: &str) -> Option<scim_filter::Filter> {
    scim_filter::Filter::parse(input).ok()
}

/// `scim-filter` 0.2.3: its own entry point (`scim_filter_parser`) is crate-private; this is the
/// public `parser::filter` combinator with no input left over (what the private one does).
pub fn v023_parse(input: &str) -> Option<v023::parser::Filter<'_>> {
    match v023::parser::filter(input) {
        Ok(("", f)) => Some(f),
        _ => None,
    }
}

/// `scim_v2` 1.0.0: `Filter::from_str` (the `filter` feature).
pub fn v2_parse(input: &str) -> Option<scim_v2::filter::Filter> {
    input.parse::<scim_v2::filter::Filter>().ok()
}

// ---------------------------------------------------------------------------------------------
// PATCH
// ---------------------------------------------------------------------------------------------

/// One request of `patches.json`.
#[derive(Debug, Clone)]
pub struct PatchCase {
    /// Short name.
    pub name: String,
    /// `true` for the Group target, `false` for the User.
    pub group: bool,
    /// The request body as JSON (what `scim-server` takes).
    pub body: Value,
    /// The request body deserialised (what ours takes).
    pub request: PatchRequest,
    /// The corpus checks.
    pub checks: Vec<Value>,
}

/// Everything the benchmark reads, parsed once.
#[derive(Debug)]
pub struct Corpus {
    /// Valid filters.
    pub filters: Vec<&'static str>,
    /// Invalid filters.
    pub invalid: Vec<&'static str>,
    /// Expected evaluation of each valid filter against the user.
    pub expected: Vec<bool>,
    /// `user.json` as JSON.
    pub user_value: Value,
    /// `group.json` as JSON.
    pub group_value: Value,
    /// `user.json` as scim-server stores it (`meta.version` without the `W/"…"` of an ETag).
    pub server_user_value: Value,
    /// `group.json` as scim-server stores it.
    pub server_group_value: Value,
    /// `user.json` as our `Resource`.
    pub user: Resource,
    /// `group.json` as our `Resource`.
    pub group: Resource,
    /// Our User type (with the enterprise extension).
    pub users: ResourceType,
    /// Our Group type.
    pub groups: ResourceType,
    /// The PATCH requests.
    pub patches: Vec<PatchCase>,
}

impl Corpus {
    /// Parses the embedded corpus.
    pub fn load() -> Corpus {
        let filters = lines(FILTERS);
        let invalid = lines(FILTERS_INVALID);
        let expected = expected_eval();
        assert_eq!(filters.len(), 44, "filters.txt");
        assert_eq!(invalid.len(), 15, "filters_invalid.txt");
        assert_eq!(expected.len(), filters.len(), "filters_expected_eval.txt");
        let user_value: Value = serde_json::from_str(USER).expect("user.json");
        let group_value: Value = serde_json::from_str(GROUP).expect("group.json");
        let all: Value = serde_json::from_str(PATCHES).expect("patches.json");
        let patches = all
            .as_array()
            .expect("patches.json is an array")
            .iter()
            .map(|c| PatchCase {
                name: c["name"].as_str().expect("name").to_owned(),
                group: c["target"] == "group",
                body: c["body"].clone(),
                request: serde_json::from_value(c["body"].clone()).expect("a PatchRequest"),
                checks: c["checks"].as_array().expect("checks").clone(),
            })
            .collect::<Vec<_>>();
        assert_eq!(patches.len(), 25, "patches.json");
        Corpus {
            filters,
            invalid,
            expected,
            server_user_value: server_stored(&user_value),
            server_group_value: server_stored(&group_value),
            user: Resource::from_value(user_value.clone()).expect("user.json as a Resource"),
            group: Resource::from_value(group_value.clone()).expect("group.json as a Resource"),
            user_value,
            group_value,
            users: ResourceType::user(),
            groups: ResourceType::group(),
            patches,
        }
    }

    /// Our resource type and target for a case.
    pub fn ours_target(&self, case: &PatchCase) -> (&ResourceType, &Resource) {
        if case.group {
            (&self.groups, &self.group)
        } else {
            (&self.users, &self.user)
        }
    }

    /// `scim-server`'s resource type name and stored JSON for a case.
    pub fn server_target(&self, case: &PatchCase) -> (&'static str, &Value) {
        if case.group {
            ("Group", &self.server_group_value)
        } else {
            ("User", &self.server_user_value)
        }
    }
}

/// A resource as scim-server keeps it: its `Meta` refuses an ETag-form `meta.version`
/// (`W/"3694e05e9dff591"`, RFC 7643 §8.2) and its providers store the raw version
/// (`3694e05e9dff591`), so the version is unwrapped; nothing else changes.
pub fn server_stored(resource: &Value) -> Value {
    let mut out = resource.clone();
    if let Some(v) = out.pointer_mut("/meta/version")
        && let Some(s) = v.as_str()
    {
        let raw = s.trim_start_matches("W/").trim_matches('"').to_owned();
        *v = Value::String(raw);
    }
    out
}

/// `value` without its `null` members, recursively: scim-server's `Resource::to_json` writes
/// every unset field of its typed values (`"middleName": null`, `"display": null`), and RFC 7643
/// §2.5 makes null and unassigned the same state, so the checks see its result without them.
pub fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// Where two JSON documents first differ (`ours` then `theirs`), as a short message.
fn first_difference(ours: &Value, theirs: &Value) -> String {
    fn walk(a: &Value, b: &Value, at: &str) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, va) in x {
                    match y.get(k) {
                        Some(vb) => {
                            if let Some(d) = walk(va, vb, &format!("{at}/{k}")) {
                                return Some(d);
                            }
                        }
                        None => return Some(format!("{at}/{k}: ours {va}, theirs absent")),
                    }
                }
                y.iter()
                    .find(|(k, _)| !x.contains_key(*k))
                    .map(|(k, vb)| format!("{at}/{k}: ours absent, theirs {vb}"))
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (va, vb))| walk(va, vb, &format!("{at}/{i}"))),
            _ if a == b => None,
            _ => Some(format!("{at}: ours {a}, theirs {b}")),
        }
    }
    walk(ours, theirs, "").unwrap_or_default()
}

/// `resource` without its `meta` (the store's business, and scim-server's version form
/// differs).
fn without_meta(resource: &Value) -> Value {
    let mut out = resource.clone();
    if let Some(m) = out.as_object_mut() {
        m.remove("meta");
    }
    out
}

/// Ours: parse the request, apply it to a copy of the target (validated as it applies).
pub fn ours_patch_copy(
    request: &PatchRequest,
    ty: &ResourceType,
    opts: &PatchOptions,
    target: &Resource,
) -> Result<Resource, String> {
    let patch = Patch::parse(request, ty, opts).map_err(|e| e.to_string())?;
    patch
        .apply_to_copy(target)
        .map(|(r, _)| r)
        .map_err(|e| e.to_string())
}

/// Ours: parse the request, apply it in place (atomic, with an undo journal).
pub fn ours_patch_in_place(
    request: &PatchRequest,
    ty: &ResourceType,
    opts: &PatchOptions,
    target: &mut Resource,
) -> Result<(), String> {
    let patch = Patch::parse(request, ty, opts).map_err(|e| e.to_string())?;
    patch.apply(target).map(|_| ()).map_err(|e| e.to_string())
}

/// `scim-server`'s PATCH, as its `StandardResourceProvider::patch_resource` does it minus the
/// storage round trips: copy the stored JSON, apply each operation with the
/// `ScimPatchOperations` trait (blanket-implemented for every provider), then validate the
/// result with `Resource::from_json`.
pub struct ServerPatcher {
    provider: StandardResourceProvider<InMemoryStorage>,
}

impl std::fmt::Debug for ServerPatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerPatcher")
    }
}

impl Default for ServerPatcher {
    fn default() -> Self {
        ServerPatcher {
            provider: StandardResourceProvider::new(InMemoryStorage::new()),
        }
    }
}

impl ServerPatcher {
    /// Copy + apply + validate. `resource_type` is `"User"` or `"Group"`.
    pub fn patch(
        &self,
        resource_type: &str,
        stored: &Value,
        body: &Value,
    ) -> Result<scim_server::Resource, String> {
        let ops = body
            .get("Operations")
            .and_then(Value::as_array)
            .filter(|ops| !ops.is_empty())
            .ok_or("PATCH request must contain a non-empty Operations array")?;
        let mut data = stored.clone();
        for op in ops {
            self.provider
                .apply_patch_operation(&mut data, op)
                .map_err(|e| e.to_string())?;
        }
        scim_server::Resource::from_json(resource_type.to_owned(), data).map_err(|e| e.to_string())
    }
}

/// One step of a check path: a key, an index, or `{"key": value}` selecting the first array
/// element whose `key` equals `value` (strings compared case-insensitively). Mirrors
/// `scim-patch/tests/support/mod.rs`.
fn select<'a>(root: &'a Value, path: &[Value]) -> Option<&'a Value> {
    let mut cur = root;
    for seg in path {
        cur = match seg {
            Value::String(k) => match cur {
                Value::Object(m) => m.get(k).or_else(|| {
                    m.iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(k))
                        .map(|(_, v)| v)
                })?,
                _ => return None,
            },
            Value::Number(n) => cur.as_array()?.get(usize::try_from(n.as_u64()?).ok()?)?,
            Value::Object(sel) => {
                let (k, want) = sel.iter().next()?;
                cur.as_array()?
                    .iter()
                    .find(|item| match (item.get(k), want) {
                        (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
                        (Some(a), b) => a == b,
                        (None, _) => false,
                    })?
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

fn has_value(v: Option<&Value>, id: &Value) -> bool {
    v.and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|m| m.get("value") == Some(id)))
}

/// Evaluates one check of the corpus format (`len`, `eq`, `absent`, `absent_or_empty`,
/// `has_value`, `lacks_value`); returns a message when it fails.
pub fn run_check(resource: &Value, check: &Value) -> Result<(), String> {
    let path = check["path"].as_array().ok_or("check without path")?;
    let got = select(resource, path);
    let fail = |what: &str| Err(format!("{path:?}: {what}, got {got:?}"));
    let mut ran = 0;
    if let Some(n) = check.get("len") {
        ran += 1;
        if got.and_then(Value::as_array).map(|a| a.len() as u64) != n.as_u64() {
            return fail(&format!("want len {n}"));
        }
    }
    if let Some(want) = check.get("eq") {
        ran += 1;
        if got != Some(want) {
            return fail(&format!("want {want}"));
        }
    }
    if check.get("absent") == Some(&Value::Bool(true)) {
        ran += 1;
        if got.is_some() {
            return fail("want absent");
        }
    }
    if check.get("absent_or_empty") == Some(&Value::Bool(true)) {
        ran += 1;
        if !is_empty(got) {
            return fail("want absent or empty");
        }
    }
    if let Some(id) = check.get("has_value") {
        ran += 1;
        if !has_value(got, id) {
            return fail(&format!("want a value {id}"));
        }
    }
    if let Some(id) = check.get("lacks_value") {
        ran += 1;
        if has_value(got, id) {
            return fail(&format!("want no value {id}"));
        }
    }
    if ran == 0 {
        return Err(format!("unknown check {check}"));
    }
    Ok(())
}

/// All the checks of a case on a result; the first failure.
pub fn run_checks(result: &Value, checks: &[Value]) -> Result<(), String> {
    checks.iter().try_for_each(|c| run_check(result, c))
}
