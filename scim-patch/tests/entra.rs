//! Microsoft Entra ID: the PATCH steps of `tests/data/entra_scenarios.json` (vendored from
//! `shared/conformance/entra/scenarios.json`), replayed at the resource level (each resource
//! built from its scenario's POST body, each PATCH applied, each following `GET /Users/{id}` or
//! `GET /Groups/{id}` assertion checked on the result), and a table of the Entra shapes the
//! issue lists, lenient and strict.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::collections::HashMap;

use scim_core::validate::{ValidationOptions, validate_create};
use scim_core::{Resource, ResourceType, ScimType};
use scim_patch::PatchOptions;
use serde_json::{Value, json};
use support::*;

// ------------------------------------------------------------------------------------------
// Scenario replay
// ------------------------------------------------------------------------------------------

struct Vars {
    sfx: String,
    captured: HashMap<String, String>,
}

impl Vars {
    fn lookup(&self, name: &str) -> Option<String> {
        let (name, filter) = match name.split_once('|') {
            Some((n, f)) => (n, Some(f)),
            None => (name, None),
        };
        let v = if name == "sfx" {
            self.sfx.clone()
        } else if name == "base" {
            "https://scim.example.test/scim/v2".to_owned()
        } else if let Some(n) = name.strip_prefix("uuid:") {
            // A stable, UUID-shaped value per name.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in n.bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                h >> 32,
                (h >> 16) & 0xffff,
                h & 0xfff,
                (h >> 20) & 0xfff,
                h & 0xffff_ffff_ffff
            )
        } else {
            self.captured.get(name)?.clone()
        };
        Some(match filter {
            Some("upper") => v.to_uppercase(),
            Some("lower") => v.to_lowercase(),
            _ => v,
        })
    }

    /// Substitutes `${...}` in a string; `None` when a variable is unknown (a BLOCKED step).
    fn text(&self, s: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}')? + start;
            out.push_str(&self.lookup(&rest[start + 2..end])?);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn value(&self, v: &Value) -> Option<Value> {
        Some(match v {
            Value::String(s) => Value::String(self.text(s)?),
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.value(x)).collect::<Option<_>>()?)
            }
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| Some((self.text(k)?, self.value(x)?)))
                    .collect::<Option<_>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// Resolves a scenario path (`/emails[type=work]/value`, `/urn:…:User/department`) in a value.
fn pointer<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    for seg in path.trim_start_matches('/').split('/') {
        let (key, sel) = match seg.split_once('[') {
            Some((k, s)) => (k, Some(s.trim_end_matches(']'))),
            None => (seg, None),
        };
        cur = match cur {
            Value::Object(m) => m.get(key).or_else(|| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
        if let Some(sel) = sel {
            let (k, want) = sel.split_once('=')?;
            cur = cur.as_array()?.iter().find(|item| {
                item.get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(want))
            })?;
        }
    }
    Some(cur)
}

fn subset(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => w.iter().all(|(k, v)| h.get(k) == Some(v)),
        _ => want == have,
    }
}

fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// Evaluates one scenario expectation.
fn expect(got: Option<&Value>, want: &Value) -> Result<(), String> {
    let Value::Object(ops) = want else {
        return if got == Some(want) {
            Ok(())
        } else {
            Err(format!("want {want}, got {got:?}"))
        };
    };
    if !ops.keys().any(|k| k.starts_with('$')) {
        return if got == Some(want) {
            Ok(())
        } else {
            Err(format!("want {want}, got {got:?}"))
        };
    }
    if ops.get("$optional") == Some(&Value::Bool(true)) && got.is_none() {
        return Ok(());
    }
    let arr = got.and_then(Value::as_array);
    for (op, arg) in ops {
        let ok = match op.as_str() {
            "$optional" => true,
            "$exists" => got.is_some() == (arg == &Value::Bool(true)),
            "$absent" => got.is_none() == (arg == &Value::Bool(true)),
            "$empty" => empty(got) == (arg == &Value::Bool(true)),
            "$eq" => got == Some(arg),
            "$ne" => got != Some(arg),
            "$ci" => got
                .and_then(Value::as_str)
                .zip(arg.as_str())
                .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b)),
            "$in" => arg
                .as_array()
                .is_some_and(|a| got.is_some_and(|g| a.contains(g))),
            "$type" => matches!(
                (arg.as_str(), got),
                (Some("string"), Some(Value::String(_)))
                    | (Some("integer" | "number"), Some(Value::Number(_)))
                    | (Some("boolean"), Some(Value::Bool(_)))
                    | (Some("array"), Some(Value::Array(_)))
                    | (Some("object"), Some(Value::Object(_)))
            ),
            "$len" => arr.map(|a| a.len() as u64) == arg.as_u64(),
            "$len_gte" => arr.is_some_and(|a| a.len() as u64 >= arg.as_u64().unwrap_or(0)),
            "$len_lte" => arr.is_some_and(|a| a.len() as u64 <= arg.as_u64().unwrap_or(0)),
            "$contains" => arr.is_some_and(|a| a.iter().any(|x| subset(arg, x))),
            "$not_contains" => !arr.is_some_and(|a| a.iter().any(|x| subset(arg, x))),
            "$contains_all" => arg.as_array().is_some_and(|want| {
                want.iter()
                    .all(|w| arr.is_some_and(|a| a.iter().any(|x| subset(w, x))))
            }),
            // Only used on server-set values (meta, $ref built from a location).
            "$regex" => true,
            other => return Err(format!("unknown operator {other}")),
        };
        if !ok {
            return Err(format!("{op} {arg} failed, got {got:?}"));
        }
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    patches: usize,
    advisory_patches: usize,
    checks: usize,
}

fn replay(scenario: &Value, users: &ResourceType, groups: &ResourceType, tally: &mut Tally) {
    let name = scenario["name"].as_str().unwrap();
    let mut vars = Vars {
        sfx: "x7k2".to_owned(),
        captured: HashMap::new(),
    };
    let mut store: HashMap<String, Resource> = HashMap::new();
    let mut next_id = 0;
    for step in scenario["steps"].as_array().unwrap() {
        let label = format!("{name} / {}", step["name"].as_str().unwrap_or("?"));
        let method = step["method"].as_str().unwrap_or("");
        let Some(path) = vars.text(step["path"].as_str().unwrap_or("")) else {
            continue;
        };
        let (endpoint, id) = match path.trim_start_matches('/').split_once('/') {
            Some((e, id)) => (e.to_owned(), Some(id.to_owned())),
            None => (path.trim_start_matches('/').to_owned(), None),
        };
        let ty = if endpoint.starts_with("Groups") {
            groups
        } else {
            users
        };
        let status: Vec<u64> = match &step["status"] {
            Value::Array(a) => a.iter().filter_map(Value::as_u64).collect(),
            v => v.as_u64().into_iter().collect(),
        };
        let ok_status = status.iter().any(|s| (200..300).contains(s));
        match method {
            "POST" if id.is_none() && status.contains(&201) => {
                let body = vars.value(&step["body"]).unwrap();
                let Ok(mut r) = validate_create(ty, body, &ValidationOptions::default()) else {
                    continue;
                };
                next_id += 1;
                let new_id = format!("00000000-0000-4000-8000-{next_id:012}");
                r.set_id(&new_id);
                if let Some(caps) = step["capture"].as_object() {
                    for (var, p) in caps {
                        if p == "/id" {
                            vars.captured.insert(var.clone(), new_id.clone());
                        }
                    }
                }
                store.insert(new_id, r);
            }
            "DELETE" => {
                if let Some(id) = id {
                    store.remove(&id);
                }
            }
            "PATCH" if ok_status => {
                let Some(id) = id else { continue };
                let Some(resource) = store.get(&id) else {
                    panic!("{label}: no resource {id}");
                };
                let body = vars.value(&step["body"]).unwrap();
                let (after, _) = patched(ty, resource, body["Operations"].clone())
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                store.insert(id, after);
                if step["advisory_step"] == Value::Bool(true) {
                    tally.advisory_patches += 1;
                } else {
                    tally.patches += 1;
                }
            }
            "GET" if ok_status && !path.contains('?') => {
                let Some(id) = id else { continue };
                let Some(resource) = store.get(&id) else {
                    continue;
                };
                let value = resource.clone().into_value();
                for key in ["assert", "advisory"] {
                    let Some(asserts) = step[key].as_object() else {
                        continue;
                    };
                    for (p, want) in asserts {
                        let p = vars.text(p).unwrap();
                        let want = vars.value(want).unwrap();
                        // `meta` and `$ref` are the server's to set; not this crate's concern.
                        if p.starts_with("/meta") || p.ends_with("/$ref") {
                            continue;
                        }
                        expect(pointer(&value, &p), &want)
                            .unwrap_or_else(|e| panic!("{label}: {key} {p}: {e}\n{value:#}"));
                        tally.checks += 1;
                    }
                }
            }
            _ => {}
        }
    }
}

#[test]
fn entra_scenarios_replay_at_the_resource_level() {
    let doc = json_file("entra_scenarios.json");
    let (users, groups) = (users(), groups());
    let mut tally = Tally::default();
    for scenario in doc["scenarios"].as_array().unwrap() {
        replay(scenario, &users, &groups, &mut tally);
    }
    // Every PATCH step that expects 200/204 (29; the 409 rename and the 404s are store
    // matters), plus the advisory `manager[value eq …]` removal.
    assert_eq!(tally.patches, 29, "PATCH steps replayed");
    assert_eq!(tally.advisory_patches, 1);
    assert!(tally.checks >= 80, "only {} checks", tally.checks);
}

// ------------------------------------------------------------------------------------------
// The Entra shapes, one by one
// ------------------------------------------------------------------------------------------

fn bare_user() -> Resource {
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1", "userName": "bare@contoso.example", "active": true,
        "name": {"familyName": "Bare", "givenName": "Bea"}
    }))
    .unwrap()
}

#[test]
fn string_booleans_become_booleans() {
    for (s, b) in [
        ("False", false),
        ("True", true),
        ("FALSE", false),
        ("true", true),
    ] {
        let (after, _) = patched(
            &users(),
            &user(),
            json!([{"op": "Replace", "path": "active", "value": s}]),
        )
        .unwrap();
        assert_eq!(after.get("active"), Some(&json!(b)), "{s}");
        let (after, _) = patched(
            &users(),
            &user(),
            json!([{"op": "replace", "value": {"active": s}}]),
        )
        .unwrap();
        assert_eq!(after.get("active"), Some(&json!(b)), "path-less {s}");
    }
    let err = patched_with(
        &users(),
        &user(),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
        &PatchOptions::strict(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidValue);
}

#[test]
fn pathless_dotted_and_urn_keys_land_in_place() {
    let (after, outcome) = patched(
        &users(),
        &bare_user(),
        json!([{"op": "replace", "value": {
            "displayName": "Bjfe",
            "name.givenName": "Kkom",
            "NAME.familyName": "Unua",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m1"
        }}]),
    )
    .unwrap();
    let v = after.into_value();
    assert_eq!(
        v["name"],
        json!({"givenName": "Kkom", "familyName": "Unua"})
    );
    assert_eq!(
        v[ENTERPRISE],
        json!({"employeeNumber": "Aklq", "manager": {"value": "m1"}})
    );
    assert!(v.get("name.givenName").is_none());
    assert!(v.get(format!("{ENTERPRISE}:employeeNumber")).is_none());
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE])
    );
    let mut modified = outcome.modified().to_vec();
    modified.sort();
    assert_eq!(
        modified,
        [
            "displayName",
            "name",
            &format!("{ENTERPRISE}:employeeNumber"),
            &format!("{ENTERPRISE}:manager")
        ]
    );
    // Strict mode does not read dotted keys as paths: they are unknown attributes.
    let err = patched_with(
        &users(),
        &bare_user(),
        json!([{"op": "replace", "value": {"name.givenName": "Kkom"}}]),
        &PatchOptions::strict(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidValue);
    // The RFC form works in both modes.
    for opts in [PatchOptions::default(), PatchOptions::strict()] {
        let (after, _) = patched_with(
            &users(),
            &bare_user(),
            json!([{"op": "add", "value": {ENTERPRISE: {"department": "Sales"}, "name": {"middleName": "J"}}}]),
            &opts,
        )
        .unwrap();
        assert_eq!(after.get(ENTERPRISE), Some(&json!({"department": "Sales"})));
        assert_eq!(after.get("name").unwrap()["middleName"], "J");
    }
}

#[test]
fn filtered_paths_create_one_typed_value_when_missing() {
    let ops = json!([
        {"op": "add", "path": "emails[type eq \"work\"].value", "value": "bare@contoso.example"},
        {"op": "add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
        {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Springfield"},
        {"op": "replace", "path": "addresses[type eq \"work\"].region", "value": "IL"},
        {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 217 555 0100"},
        {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 217 555 0199"}
    ]);
    let (after, _) = patched(&users(), &bare_user(), ops.clone()).unwrap();
    let v = after.into_value();
    assert_eq!(
        v["emails"],
        json!([{"type": "work", "value": "bare@contoso.example"}])
    );
    assert_eq!(
        v["addresses"],
        json!([{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield", "region": "IL"}])
    );
    assert_eq!(
        v["phoneNumbers"],
        json!([{"type": "work", "value": "+1 217 555 0100"}, {"type": "mobile", "value": "+1 217 555 0199"}])
    );
    // RFC 7644 §3.5.2.3: no match is noTarget in strict mode.
    let err = patched_with(&users(), &bare_user(), ops, &PatchOptions::strict()).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::NoTarget);
    assert_eq!(err.op_index(), Some(0));
    // Only eq filters can create: anything else is noTarget even when lenient.
    let err = patched(
        &users(),
        &bare_user(),
        json!([{"op": "replace", "path": "emails[type co \"wo\"].value", "value": "x@y"}]),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::NoTarget);
}

#[test]
fn manager_as_plain_id_and_its_removals() {
    let mgr = format!("{ENTERPRISE}:manager");
    let (after, _) = patched(
        &users(),
        &bare_user(),
        json!([{"op": "Add", "path": mgr, "value": "m1"}]),
    )
    .unwrap();
    assert_eq!(
        after.get(ENTERPRISE),
        Some(&json!({"manager": {"value": "m1"}}))
    );
    assert!(after.schemas().any(|s| s == ENTERPRISE));

    // Another manager replaces the whole value: the old $ref and displayName do not linger.
    let (after, _) = patched(
        &users(),
        &user(),
        json!([{"op": "Add", "path": mgr, "value": "m2"}]),
    )
    .unwrap();
    assert_eq!(
        after.get(ENTERPRISE).unwrap()["manager"],
        json!({"value": "m2"})
    );

    // Legacy Example 5: unqualified path and a one-element array.
    let (after, _) = patched(
        &users(),
        &user(),
        json!([{"op": "Add", "path": "manager", "value": [{"$ref": "https://x/Users/m3", "value": "m3"}]}]),
    )
    .unwrap();
    assert_eq!(
        after.get(ENTERPRISE).unwrap()["manager"],
        json!({"$ref": "https://x/Users/m3", "value": "m3"})
    );

    // Removal by path and by value filter.
    for path in [
        mgr.clone(),
        "manager".to_owned(),
        "manager[value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"]".to_owned(),
        format!("{mgr}[value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"]"),
    ] {
        let (after, outcome) =
            patched(&users(), &user(), json!([{"op": "Remove", "path": path}])).unwrap();
        let ext = after.get(ENTERPRISE).unwrap();
        assert!(ext.get("manager").is_none(), "{path}");
        assert_eq!(ext["department"], "Tour Operations");
        assert_eq!(outcome.modified(), [mgr.as_str()]);
    }
    // A filter naming another manager removes nothing.
    let (after, outcome) = patched(
        &users(),
        &user(),
        json!([{"op": "remove", "path": "manager[value eq \"other\"]"}]),
    )
    .unwrap();
    assert_eq!(after, user());
    assert!(!outcome.changed());

    // Strict: no bare ids, no unqualified extension paths.
    for ops in [
        json!([{"op": "add", "path": mgr, "value": "m1"}]),
        json!([{"op": "add", "path": "manager", "value": {"value": "m1"}}]),
    ] {
        assert!(patched_with(&users(), &user(), ops, &PatchOptions::strict()).is_err());
    }
}

#[test]
fn legacy_member_removal_with_a_value_list_removes_only_those() {
    let g = group_of(5);
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "m1"}, {"value": "m3"}, {"value": "absent"}]}]),
    )
    .unwrap();
    let mut ids: Vec<&str> = after
        .get("members")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["m0", "m2", "m4"]);
    let delta = outcome.members().unwrap();
    assert_eq!(delta.removed_ids().collect::<Vec<_>>(), ["m1", "m3"]);
    assert!(delta.added().is_empty());
    // Strict mode refuses the value rather than emptying the group.
    let err = patched_with(
        &groups(),
        &g,
        json!([{"op": "remove", "path": "members", "value": [{"value": "m1"}]}]),
        &PatchOptions::strict(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidValue);
}

#[test]
fn ops_in_any_case_and_re_adding_a_member_is_a_no_op() {
    let g = group_of(3);
    let (after, outcome) = patched(
        &groups(),
        &g,
        json!([{"op": "ADD", "path": "members", "value": [{"$ref": null, "value": "m1"}]}]),
    )
    .unwrap();
    assert_eq!(after, g);
    assert!(!outcome.changed());
    assert!(outcome.deltas().is_empty());
}
