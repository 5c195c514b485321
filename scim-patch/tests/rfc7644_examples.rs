//! Every PATCH example of RFC 7644 §3.5.2, as a table: the operations, the resource they apply
//! to (the RFC 7643 §8.2 User or §8.4 Group), and what must hold afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

use scim_core::{Resource, ResourceType};
use serde_json::{Value, json};
use support::*;

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";
const JAMES: &str = "08e1d05d-121c-4561-8b96-473d93df9210";

fn babs() -> Value {
    json!({"display": "Babs Jensen", "$ref": format!("https://example.com/v2/Users/{BABS}"), "value": BABS})
}

fn james() -> Value {
    json!({"display": "James Smith", "$ref": format!("https://example.com/v2/Users/{JAMES}"), "value": JAMES})
}

fn member_ids(r: &Value) -> Vec<String> {
    let mut ids: Vec<String> = r["members"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

struct Case {
    name: &'static str,
    group: bool,
    ops: Value,
    check: fn(&Value),
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "3.5.2.1 add a member to a group",
            group: true,
            ops: json!([{"op": "add", "path": "members", "value": [babs()]}]),
            // Babs is already a member of the §8.4 group: nothing changes.
            check: |r| assert_eq!(member_ids(r), [BABS, MANDY]),
        },
        Case {
            name: "3.5.2.1 add a new member to a group",
            group: true,
            ops: json!([{"op": "add", "path": "members", "value": [james()]}]),
            check: |r| {
                assert_eq!(member_ids(r), [JAMES, BABS, MANDY]);
                assert!(r["members"].as_array().unwrap().contains(&james()));
            },
        },
        Case {
            name: "3.5.2.1 add without a path (nickname in another case)",
            group: false,
            ops: json!([{"op": "add", "value": {
                "emails": [{"value": "babs@jensen.org", "type": "home"}],
                "nickname": "Babs"
            }}]),
            check: |r| {
                // The home email is already there (no duplicate); nickName is set.
                assert_eq!(r["emails"].as_array().unwrap().len(), 2);
                assert_eq!(r["nickName"], "Babs");
                assert!(r.get("nickname").is_none());
            },
        },
        Case {
            name: "3.5.2.1 add a sub-attribute of a complex attribute",
            group: false,
            ops: json!([{"op": "add", "path": "name.familyName", "value": "Jensen-Smith"}]),
            check: |r| {
                assert_eq!(r["name"]["familyName"], "Jensen-Smith");
                assert_eq!(r["name"]["givenName"], "Barbara");
            },
        },
        Case {
            name: "3.5.2.2 remove all members of a group",
            group: true,
            ops: json!([{"op": "remove", "path": "members"}]),
            check: |r| assert!(r.get("members").is_none()),
        },
        Case {
            name: "3.5.2.2 remove a single member",
            group: true,
            ops: json!([{"op": "remove", "path": format!("members[value eq \"{BABS}\"]")}]),
            check: |r| assert_eq!(member_ids(r), [MANDY]),
        },
        Case {
            name: "3.5.2.2 remove the work emails that end with example.com",
            group: false,
            ops: json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]),
            check: |r| {
                assert_eq!(
                    r["emails"],
                    json!([{"value": "babs@jensen.org", "type": "home"}])
                )
            },
        },
        Case {
            name: "3.5.2.2 replace one member by removing it and adding another",
            group: true,
            ops: json!([
                {"op": "remove", "path": format!("members[value eq \"{BABS}\"]")},
                {"op": "add", "path": "members", "value": [james()]}
            ]),
            check: |r| assert_eq!(member_ids(r), [JAMES, MANDY]),
        },
        Case {
            name: "3.5.2.2 remove all members, then add new ones",
            group: true,
            ops: json!([
                {"op": "remove", "path": "members"},
                {"op": "add", "path": "members", "value": [babs(), james()]}
            ]),
            check: |r| {
                assert_eq!(member_ids(r), [JAMES, BABS]);
                assert_eq!(r["members"].as_array().unwrap().len(), 2);
            },
        },
        Case {
            name: "3.5.2.2 remove a single-valued attribute",
            group: false,
            ops: json!([{"op": "remove", "path": "title"}]),
            check: |r| assert!(r.get("title").is_none()),
        },
        Case {
            name: "3.5.2.2 remove an extension attribute by URN path",
            group: false,
            ops: json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]),
            check: |r| {
                assert!(r[ENTERPRISE].get("manager").is_none());
                assert_eq!(r[ENTERPRISE]["department"], "Tour Operations");
            },
        },
        Case {
            name: "3.5.2.3 replace all members",
            group: true,
            ops: json!([{"op": "replace", "path": "members", "value": [babs(), james()]}]),
            check: |r| assert_eq!(member_ids(r), [JAMES, BABS]),
        },
        Case {
            name: "3.5.2.3 replace the work address",
            group: false,
            ops: json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": {
                "type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood",
                "region": "CA", "postalCode": "91608", "country": "US",
                "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true
            }}]),
            check: |r| {
                let work = &r["addresses"][0];
                assert_eq!(work["streetAddress"], "911 Universal City Plaza");
                assert_eq!(work["country"], "US");
                assert_eq!(r["addresses"][1]["type"], "home");
                assert_eq!(r["addresses"].as_array().unwrap().len(), 2);
            },
        },
        Case {
            name: "3.5.2.3 replace a sub-attribute of the work address",
            group: false,
            ops: json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]),
            check: |r| {
                assert_eq!(r["addresses"][0]["streetAddress"], "1010 Broadway Ave");
                assert_eq!(r["addresses"][0]["locality"], "Hollywood");
            },
        },
        Case {
            name: "3.5.2.3 replace several attributes without a path",
            group: false,
            ops: json!([{"op": "replace", "value": {
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "nickname": "Babs"
            }}]),
            check: |r| {
                assert_eq!(r["emails"].as_array().unwrap().len(), 2);
                assert_eq!(r["nickName"], "Babs");
            },
        },
        Case {
            name: "3.5.2.3 replace a complex attribute keeps unnamed sub-attributes",
            group: false,
            ops: json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs"}}]),
            check: |r| {
                assert_eq!(r["name"]["givenName"], "Babs");
                assert_eq!(r["name"]["familyName"], "Jensen");
            },
        },
        Case {
            name: "3.5.2.3 replace an unassigned attribute is an add",
            group: false,
            ops: json!([{"op": "replace", "path": "x509Certificates", "value": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}]}]),
            check: |r| assert_eq!(r["x509Certificates"].as_array().unwrap().len(), 1),
        },
        Case {
            name: "3.5.2 Figure 8 path: members[value eq …] with a URN-prefixed core path",
            group: true,
            ops: json!([{"op": "remove", "path": format!("urn:ietf:params:scim:schemas:core:2.0:Group:members[value eq \"{MANDY}\"]")}]),
            check: |r| assert_eq!(member_ids(r), [BABS]),
        },
    ]
}

#[test]
fn rfc7644_patch_examples() {
    let (users, groups) = (users(), groups());
    let all = cases();
    assert!(all.len() >= 17);
    for case in all {
        let (ty, resource): (&ResourceType, Resource) = if case.group {
            (&groups, rfc_group())
        } else {
            (&users, user())
        };
        let (after, _) = patched(ty, &resource, case.ops.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let after = after.into_value();
        let result = std::panic::catch_unwind(|| (case.check)(&after));
        assert!(result.is_ok(), "{}: {after:#}", case.name);
    }
}

#[test]
fn rfc7644_figure_8_paths_resolve() {
    use scim_core::message::PatchRequest;
    use scim_patch::{Patch, PatchOptions};
    // The path examples of §3.5.2 against the Group schema. RFC 7643's Group members have a
    // `display`, not a `displayName`, so the last example names an unknown sub-attribute.
    let groups = groups();
    let users = users();
    let ok = [
        (&groups, "members"),
        (&users, "name.familyName"),
        (&users, "addresses[type eq \"work\"]"),
        (
            &groups,
            "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
        ),
        (
            &groups,
            "members[value eq \"2819c223-7f76-453a-919d-413861904646\"].display",
        ),
    ];
    for (ty, path) in ok {
        let req: PatchRequest = request(json!([{"op": "remove", "path": path}]));
        Patch::parse(&req, ty, &PatchOptions::strict()).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let req = request(
        json!([{"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"].displayName"}]),
    );
    let err = Patch::parse(&req, &groups, &PatchOptions::strict()).unwrap_err();
    assert_eq!(err.scim_type(), scim_core::ScimType::InvalidPath);
}
