//! Helpers shared by the integration tests: fixtures, request building, and the small
//! JSON-path check format of `tests/data/patches.json` (vendored from `shared/corpus/`).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers; each test file uses a different subset"
)]

use scim_core::message::PatchRequest;
use scim_core::{Resource, ResourceType};
use scim_patch::{Patch, PatchError, PatchOptions, PatchOutcome, ValueIndex};
use serde_json::{Value, json};

pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The text of a vendored test file in `tests/data/` (see `tests/data/README.md`).
pub(crate) fn data(name: &str) -> String {
    let full = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A vendored JSON test file in `tests/data/`, parsed.
pub(crate) fn json_file(name: &str) -> Value {
    serde_json::from_str(&data(name)).unwrap()
}

/// The RFC 7643 §8.2 User with the enterprise extension (`tests/data/user.json`).
pub(crate) fn user() -> Resource {
    Resource::from_value(json_file("user.json")).unwrap()
}

/// A Group with 100 members (`tests/data/group.json`).
pub(crate) fn group() -> Resource {
    Resource::from_value(json_file("group.json")).unwrap()
}

/// The RFC 7643 §8.4 Group (Babs Jensen and Mandy Pepperidge).
pub(crate) fn rfc_group() -> Resource {
    Resource::from_value(json_file("rfc7643_group.json")).unwrap()
}

/// A group with `n` members `m0`, `m1`, ...
pub(crate) fn group_of(n: usize) -> Resource {
    let members: Vec<Value> = (0..n)
        .map(|i| json!({"value": format!("m{i}"), "display": format!("Member {i}")}))
        .collect();
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g", "displayName": "G", "members": members
    }))
    .unwrap()
}

pub(crate) fn users() -> ResourceType {
    ResourceType::user()
}

pub(crate) fn groups() -> ResourceType {
    ResourceType::group()
}

/// A PatchRequest from its operations (the PatchOp schema is added).
pub(crate) fn request(ops: Value) -> PatchRequest {
    serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))
    .unwrap()
}

/// Parses and applies in place; on error checks the resource is unchanged.
pub(crate) fn patch(
    ty: &ResourceType,
    resource: &mut Resource,
    ops: Value,
    opts: &PatchOptions,
) -> Result<PatchOutcome, PatchError> {
    let before = serde_json::to_string(resource).unwrap();
    let result = Patch::parse(&request(ops), ty, opts).and_then(|p| p.apply(resource));
    if result.is_err() {
        assert_eq!(
            serde_json::to_string(resource).unwrap(),
            before,
            "not atomic"
        );
    }
    result
}

/// Applies lenient-by-default to a copy of `resource` three ways (in place, indexed on
/// `members`, to a copy) and checks they agree.
pub(crate) fn patched(
    ty: &ResourceType,
    resource: &Resource,
    ops: Value,
) -> Result<(Resource, PatchOutcome), PatchError> {
    patched_with(ty, resource, ops, &PatchOptions::default())
}

pub(crate) fn patched_with(
    ty: &ResourceType,
    resource: &Resource,
    ops: Value,
    opts: &PatchOptions,
) -> Result<(Resource, PatchOutcome), PatchError> {
    let p = Patch::parse(&request(ops), ty, opts)?;
    let copied = p.apply_to_copy(resource);
    let mut in_place = resource.clone();
    let r1 = p.apply(&mut in_place);
    let mut indexed = resource.clone();
    let mut index = ValueIndex::new(&indexed, "members");
    let r2 = p.apply_indexed(&mut indexed, &mut index);
    match (&copied, &r1, &r2) {
        (Ok((c, o)), Ok(o1), Ok(o2)) => {
            assert_eq!(c, &in_place, "apply_to_copy and apply disagree");
            assert_eq!(c, &indexed, "apply and apply_indexed disagree");
            assert_eq!(o, o1);
            assert_eq!(o, o2);
            // The index still describes the result.
            assert_eq!(index, ValueIndex::new(&indexed, "members"));
        }
        (Err(e), Err(e1), Err(e2)) => {
            assert_eq!(e, e1);
            assert_eq!(e, e2);
            assert_eq!(&in_place, resource, "not atomic");
            assert_eq!(&indexed, resource, "not atomic (indexed)");
        }
        _ => panic!("the apply methods disagree: {copied:?} / {r1:?} / {r2:?}"),
    }
    copied
}

/// One step of a check path: a key, an index, or `{"key": value}` selecting the first array
/// element whose `key` equals `value` (strings compared case-insensitively).
pub(crate) fn select<'a>(root: &'a Value, path: &[Value]) -> Option<&'a Value> {
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
pub(crate) fn run_check(resource: &Value, check: &Value) -> Result<(), String> {
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
