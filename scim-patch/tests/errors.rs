//! Each error case of the issue, with the `scimType` it must produce (RFC 7644 §3.12), the
//! operation it names, and the resource left untouched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use std::sync::Arc;

use scim_core::schema::{Attribute, Mutability, Schema};
use scim_core::{Resource, ResourceType, ScimError, ScimType};
use scim_patch::{Patch, PatchError, PatchOptions};
use serde_json::{Value, json};
use support::*;

use ScimType::{
    InvalidFilter, InvalidPath, InvalidSyntax, InvalidValue, Mutability as Mut, NoTarget,
};

/// A resource type with an immutable attribute, a complex attribute with a required
/// sub-attribute, and a required extension.
fn devices() -> ResourceType {
    let schema = Schema::new(
        "urn:example:scim:Device",
        "Device",
        vec![
            Attribute::string("name").required(),
            Attribute::string("serial").mutability(Mutability::Immutable),
            Attribute::complex(
                "badge",
                vec![
                    Attribute::string("id").required(),
                    Attribute::string("kind"),
                ],
            ),
            Attribute::complex(
                "ports",
                vec![
                    Attribute::string("value").required(),
                    Attribute::string("type"),
                    Attribute::boolean("primary"),
                ],
            )
            .multi_valued(),
        ],
    );
    let ext = Schema::new(
        "urn:example:scim:Owner",
        "Owner",
        vec![Attribute::string("owner")],
    );
    ResourceType::new("Device", "/Devices", Arc::new(schema)).with_extension(Arc::new(ext), true)
}

fn device() -> Resource {
    Resource::from_value(json!({
        "schemas": ["urn:example:scim:Device", "urn:example:scim:Owner"],
        "id": "d1", "name": "printer", "serial": "SN-1",
        "badge": {"id": "b1"},
        "urn:example:scim:Owner": {"owner": "it"}
    }))
    .unwrap()
}

struct Case {
    name: &'static str,
    target: &'static str,
    strict: bool,
    ops: Value,
    want: ScimType,
    op: Option<usize>,
}

fn case(name: &'static str, target: &'static str, ops: Value, want: ScimType) -> Case {
    Case {
        name,
        target,
        strict: false,
        ops,
        want,
        op: Some(0),
    }
}

fn strict(mut c: Case) -> Case {
    c.strict = true;
    c
}

fn at(mut c: Case, op: usize) -> Case {
    c.op = Some(op);
    c
}

fn cases() -> Vec<Case> {
    vec![
        // noTarget
        case(
            "remove without a path",
            "user",
            json!([{"op": "remove"}]),
            NoTarget,
        ),
        strict(case(
            "replace through a filter that matches nothing",
            "user",
            json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "x@y"}]),
            NoTarget,
        )),
        case(
            "replace through a non-eq filter that matches nothing (even lenient)",
            "user",
            json!([{"op": "replace", "path": "emails[value sw \"zzz\"].value", "value": "x@y"}]),
            NoTarget,
        ),
        case(
            "replace of a whole value through a filter that matches nothing",
            "user",
            json!([{"op": "replace", "path": "emails[type eq \"pager\" or type eq \"other\"]", "value": {"value": "x@y"}}]),
            NoTarget,
        ),
        strict(case(
            "remove through a filter that matches nothing",
            "group",
            json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
            NoTarget,
        )),
        at(
            case(
                "noTarget in the third operation",
                "user",
                json!([
                    {"op": "replace", "path": "displayName", "value": "B"},
                    {"op": "add", "path": "nickName", "value": "N"},
                    {"op": "replace", "path": "addresses[locality sw \"Gotham\"].region", "value": "NJ"}
                ]),
                NoTarget,
            ),
            2,
        ),
        // invalidPath
        case(
            "path that does not parse",
            "user",
            json!([{"op": "replace", "path": "emails[type eq \"work\"", "value": "x"}]),
            InvalidPath,
        ),
        case(
            "path with trailing input",
            "user",
            json!([{"op": "remove", "path": "title]"}]),
            InvalidPath,
        ),
        case(
            "unknown attribute",
            "user",
            json!([{"op": "add", "path": "favouriteColour", "value": "blue"}]),
            InvalidPath,
        ),
        case(
            "unknown sub-attribute",
            "user",
            json!([{"op": "replace", "path": "name.nickName", "value": "x"}]),
            InvalidPath,
        ),
        case(
            "unknown extension URN",
            "user",
            json!([{"op": "replace", "path": "urn:example:nope:2.0:User:department", "value": "x"}]),
            InvalidPath,
        ),
        case(
            "unknown extension attribute",
            "user",
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize", "value": "x"}]),
            InvalidPath,
        ),
        case(
            "value filter on a simple attribute",
            "user",
            json!([{"op": "remove", "path": "userName[value eq \"x\"]"}]),
            InvalidPath,
        ),
        case(
            "unknown attribute inside a value filter",
            "user",
            json!([{"op": "remove", "path": "emails[kind eq \"work\"]"}]),
            InvalidPath,
        ),
        case(
            "unknown sub-attribute after a value filter",
            "user",
            json!([{"op": "replace", "path": "emails[type eq \"work\"].label", "value": "x"}]),
            InvalidPath,
        ),
        strict(case(
            "extension attribute without its URN (strict)",
            "user",
            json!([{"op": "replace", "path": "department", "value": "x"}]),
            InvalidPath,
        )),
        // invalidFilter
        case(
            "ordering on a boolean in a value filter",
            "user",
            json!([{"op": "remove", "path": "emails[primary gt true]"}]),
            InvalidFilter,
        ),
        case(
            "string compared with a number in a value filter",
            "user",
            json!([{"op": "remove", "path": "emails[type eq 3]"}]),
            InvalidFilter,
        ),
        // mutability
        case(
            "replace id",
            "user",
            json!([{"op": "replace", "path": "id", "value": "other"}]),
            Mut,
        ),
        case(
            "add meta",
            "user",
            json!([{"op": "add", "path": "meta", "value": {"version": "W/\"1\""}}]),
            Mut,
        ),
        case(
            "replace meta.lastModified",
            "user",
            json!([{"op": "replace", "path": "meta.lastModified", "value": "2020-01-01T00:00:00Z"}]),
            Mut,
        ),
        case(
            "add groups on a User",
            "user",
            json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
            Mut,
        ),
        case(
            "remove groups on a User",
            "user",
            json!([{"op": "remove", "path": "groups"}]),
            Mut,
        ),
        case(
            "readOnly sub-attribute by path",
            "user",
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "value": "x"}]),
            Mut,
        ),
        case(
            "schemas by path",
            "user",
            json!([{"op": "add", "path": "schemas", "value": ["urn:x"]}]),
            Mut,
        ),
        case(
            "remove a required attribute",
            "user",
            json!([{"op": "remove", "path": "userName"}]),
            Mut,
        ),
        case(
            "replace a required attribute with null",
            "user",
            json!([{"op": "replace", "path": "userName", "value": null}]),
            Mut,
        ),
        case(
            "path-less replace of a required attribute with null",
            "user",
            json!([{"op": "replace", "value": {"userName": null}}]),
            Mut,
        ),
        case(
            "remove a Group's displayName",
            "group",
            json!([{"op": "remove", "path": "displayName"}]),
            Mut,
        ),
        case(
            "change an immutable member sub-attribute",
            "group",
            json!([{"op": "replace", "path": "members[value eq \"00000001-6245-4190-8e05-00816be7344a\"].display", "value": "x"}]),
            Mut,
        ),
        strict(case(
            "path-less readOnly value that differs (strict)",
            "user",
            json!([{"op": "replace", "value": {"id": "other", "displayName": "x"}}]),
            Mut,
        )),
        case(
            "change an immutable attribute",
            "device",
            json!([{"op": "replace", "path": "serial", "value": "SN-2"}]),
            Mut,
        ),
        case(
            "remove an immutable attribute",
            "device",
            json!([{"op": "remove", "path": "serial"}]),
            Mut,
        ),
        case(
            "remove a required sub-attribute",
            "device",
            json!([{"op": "remove", "path": "badge.id"}]),
            Mut,
        ),
        case(
            "remove a required extension",
            "device",
            json!([{"op": "remove", "path": "urn:example:scim:Owner"}]),
            Mut,
        ),
        // invalidValue
        case(
            "boolean that is not one",
            "user",
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            InvalidValue,
        ),
        case(
            "number for a string",
            "user",
            json!([{"op": "replace", "path": "userName", "value": 3}]),
            InvalidValue,
        ),
        case(
            "object for a string",
            "user",
            json!([{"op": "add", "path": "title", "value": {"a": 1}}]),
            InvalidValue,
        ),
        case(
            "binary that is not base64",
            "user",
            json!([{"op": "add", "path": "x509Certificates", "value": [{"value": "not base64!"}]}]),
            InvalidValue,
        ),
        case(
            "two primaries in one add",
            "user",
            json!([{"op": "add", "path": "emails", "value": [{"value": "a@b", "primary": true}, {"value": "c@d", "primary": true}]}]),
            InvalidValue,
        ),
        case(
            "add without a value",
            "user",
            json!([{"op": "add", "path": "title"}]),
            InvalidValue,
        ),
        strict(case(
            "replace without a value (strict)",
            "user",
            json!([{"op": "replace", "path": "title"}]),
            InvalidValue,
        )),
        case(
            "path-less value that is not an object",
            "user",
            json!([{"op": "replace", "value": "x"}]),
            InvalidValue,
        ),
        case(
            "path-less value for an extension that is not an object",
            "user",
            json!([{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x"}}]),
            InvalidValue,
        ),
        strict(case(
            "remove with a value (strict)",
            "group",
            json!([{"op": "remove", "path": "members", "value": [{"value": "x"}]}]),
            InvalidValue,
        )),
        strict(case(
            "unknown attribute in a path-less value (strict)",
            "user",
            json!([{"op": "add", "value": {"favouriteColour": "blue"}}]),
            InvalidValue,
        )),
        strict(case(
            "single value for a multi-valued attribute (strict)",
            "user",
            json!([{"op": "add", "path": "emails", "value": {"value": "a@b"}}]),
            InvalidValue,
        )),
        strict(case(
            "array for a single-valued attribute (strict)",
            "user",
            json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": [{"value": "m"}]}]),
            InvalidValue,
        )),
        case(
            "array through a value filter",
            "user",
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": [{"value": "a"}, {"value": "b"}]}]),
            InvalidValue,
        ),
        case(
            "value created from a filter misses a required sub-attribute",
            "device",
            json!([{"op": "add", "path": "ports[type eq \"usb\"].primary", "value": true}]),
            InvalidValue,
        ),
        at(
            case(
                "complex value misses a required sub-attribute",
                "device",
                json!([{"op": "remove", "path": "badge"}, {"op": "replace", "path": "badge", "value": {"kind": "x"}}]),
                InvalidValue,
            ),
            1,
        ),
    ]
}

fn target(name: &str) -> (ResourceType, Resource) {
    match name {
        "user" => (users(), user()),
        "group" => (groups(), group()),
        _ => (devices(), device()),
    }
}

#[test]
fn error_table() {
    let all = cases();
    assert!(all.len() >= 45);
    for c in all {
        let (ty, mut resource) = target(c.target);
        let before = serde_json::to_string(&resource).unwrap();
        let opts = if c.strict {
            PatchOptions::strict()
        } else {
            PatchOptions::default()
        };
        let err = patch(&ty, &mut resource, c.ops.clone(), &opts)
            .err()
            .unwrap_or_else(|| panic!("{}: succeeded", c.name));
        assert_eq!(err.scim_type(), c.want, "{}: {err}", c.name);
        assert_eq!(err.op_index(), c.op, "{}: {err}", c.name);
        assert_eq!(
            serde_json::to_string(&resource).unwrap(),
            before,
            "{}",
            c.name
        );
        let scim = ScimError::from(err.clone());
        assert_eq!(scim.status(), 400, "{}", c.name);
        assert_eq!(scim.scim_type(), Some(c.want), "{}", c.name);
        let body = serde_json::to_value(scim.to_response()).unwrap();
        assert_eq!(body["scimType"], c.want.as_str(), "{}", c.name);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with(&format!("Operations[{}]", c.op.unwrap_or(0))),
            "{}: {}",
            c.name,
            body["detail"]
        );
    }
}

#[test]
fn details_name_the_operation_and_path() {
    let err = patch(
        &users(),
        &mut user(),
        json!([
            {"op": "replace", "path": "displayName", "value": "x"},
            {"op": "add", "path": "favouriteColour", "value": "blue"}
        ]),
        &PatchOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.path(), Some("favouriteColour"));
    assert_eq!(
        err.to_string(),
        "Operations[1] (path \"favouriteColour\"): favouriteColour is not an attribute of User"
    );
    let err = patch(
        &users(),
        &mut user(),
        json!([{"op": "remove"}]),
        &PatchOptions::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Operations[0] (no path): remove needs a path"),
        "{err}"
    );
}

#[test]
fn missing_patch_op_schema_is_invalid_syntax_in_strict_mode_only() {
    let users = users();
    let no_schema: scim_core::message::PatchRequest = serde_json::from_value(
        json!({"Operations": [{"op": "add", "path": "nickName", "value": "x"}]}),
    )
    .unwrap();
    let err = Patch::parse(&no_schema, &users, &PatchOptions::strict()).unwrap_err();
    assert_eq!(err.scim_type(), InvalidSyntax);
    assert_eq!(err.op_index(), None);
    assert!(Patch::parse(&no_schema, &users, &PatchOptions::default()).is_ok());
}

/// RFC 7644 §3.5.2: the body "contains one or more patch operations". An empty `Operations`
/// is `invalidValue` whatever the options, by `parse` and by `from_request`.
#[test]
fn empty_operations_is_invalid_value_lenient_and_strict() {
    let users = users();
    let empty: scim_core::message::PatchRequest = serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": []
    }))
    .unwrap();
    for opts in [PatchOptions::default(), PatchOptions::strict()] {
        for err in [
            Patch::parse(&empty, &users, &opts).unwrap_err(),
            Patch::from_request(empty.clone(), &users, &opts).unwrap_err(),
        ] {
            assert_eq!(err, PatchError::NoOperations);
            assert_eq!(err.op_index(), None);
            assert_eq!(err.path(), None);
            let scim = ScimError::from(err);
            assert_eq!(scim.status(), 400);
            assert_eq!(scim.scim_type(), Some(InvalidValue));
            assert!(
                scim.detail().contains("one or more patch operations"),
                "{}",
                scim.detail()
            );
        }
    }
    // Lenient envelope or not, the schema check does not hide it.
    let bare: scim_core::message::PatchRequest =
        serde_json::from_value(json!({"Operations": []})).unwrap();
    let err = Patch::parse(&bare, &users, &PatchOptions::default()).unwrap_err();
    assert_eq!(err, PatchError::NoOperations);
}

/// A body without `Operations` is not a PatchRequest at all: it fails to deserialise (which
/// scim-http reports as a 400), so it never reaches `Patch::parse` as an empty request.
#[test]
fn missing_operations_key_is_still_an_error() {
    for body in [
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
        json!({}),
    ] {
        let parsed = serde_json::from_value::<scim_core::message::PatchRequest>(body);
        assert!(parsed.is_err());
    }
}

#[test]
fn leniencies_that_avoid_errors() {
    let users = users();
    // Okta's group rename echoes the id: ignored when lenient and equal in strict mode.
    let (after, _) = patched(&groups(), &group(), json!([{"op": "replace", "value": {"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "X"}}])).unwrap();
    assert_eq!(after.get("displayName"), Some(&json!("X")));
    let (_, _) = patched_with(
        &groups(),
        &group(),
        json!([{"op": "replace", "value": {"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "X"}}]),
        &PatchOptions::strict(),
    )
    .unwrap();
    // A different id is ignored when lenient.
    let (after, _) = patched(
        &users,
        &user(),
        json!([{"op": "replace", "value": {"id": "x", "meta": {}, "groups": []}}]),
    )
    .unwrap();
    assert_eq!(after, user());
    // Replace with null removes (lenient); remove with a filter that matches nothing is a no-op.
    let (after, _) = patched(
        &users,
        &user(),
        json!([{"op": "replace", "path": "title", "value": null}]),
    )
    .unwrap();
    assert!(after.get("title").is_none());
    let (after, outcome) = patched(
        &groups(),
        &group(),
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
    )
    .unwrap();
    assert_eq!(after, group());
    assert!(!outcome.changed());
    // Removing an absent attribute is fine in both modes (RFC 7644 §3.5.2.2).
    let (_, outcome) = patched_with(
        &users,
        &user(),
        json!([{"op": "remove", "path": "nickName"}, {"op": "remove", "path": "nickName"}]),
        &PatchOptions::strict(),
    )
    .unwrap();
    assert_eq!(outcome.modified(), ["nickName"]);
    // An immutable attribute can be set while it has no value, and set again to the same value.
    let (ty, d) = (devices(), device());
    let (after, _) = patched(&ty, &d, json!([{"op": "remove", "path": "badge"}, {"op": "replace", "path": "serial", "value": "SN-1"}])).unwrap();
    assert!(after.get("badge").is_none());
    // A partial complex value merges with the stored one, which has the required id.
    let (after, _) = patched(
        &ty,
        &d,
        json!([{"op": "replace", "path": "badge", "value": {"kind": "x"}}]),
    )
    .unwrap();
    assert_eq!(after.get("badge"), Some(&json!({"id": "b1", "kind": "x"})));
    let mut fresh = d;
    fresh.remove("serial");
    let (after, _) = patched(
        &ty,
        &fresh,
        json!([{"op": "add", "path": "serial", "value": "SN-9"}]),
    )
    .unwrap();
    assert_eq!(after.get("serial"), Some(&json!("SN-9")));
}

#[test]
fn errors_convert_with_their_kind() {
    let e: PatchError = Patch::parse(
        &request(json!([{"op": "remove"}])),
        &users(),
        &PatchOptions::default(),
    )
    .and_then(|p| p.apply(&mut user()))
    .unwrap_err();
    assert!(matches!(
        e,
        PatchError::NoTarget {
            op: 0,
            path: None,
            ..
        }
    ));
}
