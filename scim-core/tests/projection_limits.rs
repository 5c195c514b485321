//! `attributes` and `excludedAttributes` are bounded and deduplicated (RFC 7644 §3.4.2.5, §3.9):
//! `Projection::try_from_lists` refuses more than `max_names` names with 400 `tooMany`, and
//! names that resolve to the same canonical attribute count once in the projection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::StatusCode;
use scim_core::{
    DEFAULT_MAX_PROJECTION_NAMES, Projection, Resource, ResourceType, ScimError, ScimType, urn,
};
use serde_json::json;

/// `n` names, cycling through real attribute names, sub-attributes and one unknown name.
fn names(n: usize) -> Vec<String> {
    const POOL: [&str; 8] = [
        "userName",
        "name.givenName",
        "emails",
        "EMAILS.value",
        "displayName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "noSuchAttribute",
        "active",
    ];
    (0..n).map(|i| POOL[i % POOL.len()].to_owned()).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn assert_too_many(e: &ScimError, param: &str, limit: usize) {
    assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{e:?}");
    assert_eq!(e.scim_type(), Some(ScimType::TooMany), "{e:?}");
    assert!(
        e.detail().starts_with(&format!("{param} ")),
        "detail should name {param}: {}",
        e.detail()
    );
    assert!(
        e.detail().contains(&limit.to_string()),
        "detail should name the limit {limit}: {}",
        e.detail()
    );
}

#[test]
fn default_limit_is_100() {
    assert_eq!(DEFAULT_MAX_PROJECTION_NAMES, 100);
}

#[test]
fn attributes_with_101_names_is_too_many() {
    let users = ResourceType::user();
    let e =
        Projection::try_from_lists(&users, Some(&names(101)), &[], DEFAULT_MAX_PROJECTION_NAMES)
            .unwrap_err();
    assert_too_many(&e, "attributes", 100);
}

#[test]
fn attributes_with_100_names_is_ok() {
    let users = ResourceType::user();
    let list = names(100);
    let p =
        Projection::try_from_lists(&users, Some(&list), &[], DEFAULT_MAX_PROJECTION_NAMES).unwrap();
    assert_eq!(p, Projection::from_lists(&users, Some(&list), &[]));
    assert_eq!(p, Projection::from_lists(&users, Some(&names(8)), &[]));
}

#[test]
fn excluded_attributes_with_101_names_is_too_many() {
    let users = ResourceType::user();
    let e = Projection::try_from_lists(&users, None, &names(101), DEFAULT_MAX_PROJECTION_NAMES)
        .unwrap_err();
    assert_too_many(&e, "excludedAttributes", 100);
}

#[test]
fn excluded_attributes_with_100_names_is_ok() {
    let users = ResourceType::user();
    let list = names(100);
    let p = Projection::try_from_lists(&users, None, &list, DEFAULT_MAX_PROJECTION_NAMES).unwrap();
    assert_eq!(p, Projection::from_lists(&users, None, &names(8)));
}

#[test]
fn both_lists_are_bounded_separately() {
    let users = ResourceType::user();
    let hundred = names(100);
    assert!(Projection::try_from_lists(&users, Some(&hundred), &hundred, 100).is_ok());
    let e = Projection::try_from_lists(&users, Some(&hundred), &names(101), 100).unwrap_err();
    assert_too_many(&e, "excludedAttributes", 100);
}

#[test]
fn names_are_counted_before_deduplication() {
    let users = ResourceType::user();
    let same = vec!["userName".to_owned(); 101];
    let e = Projection::try_from_lists(&users, Some(&same), &[], 100).unwrap_err();
    assert_too_many(&e, "attributes", 100);
    let e = Projection::try_from_lists(&users, None, &same, 100).unwrap_err();
    assert_too_many(&e, "excludedAttributes", 100);
}

#[test]
fn empty_items_are_not_counted() {
    let users = ResourceType::user();
    let mut list = names(100);
    list.extend(["".to_owned(), "  ".to_owned(), String::new()]);
    let p = Projection::try_from_lists(&users, Some(&list), &list, 100).unwrap();
    assert_eq!(p, Projection::from_lists(&users, Some(&list), &list));
}

#[test]
fn the_limit_is_the_callers() {
    let users = ResourceType::user();
    let three = strings(&["userName", "emails", "active"]);
    assert!(Projection::try_from_lists(&users, Some(&three), &[], 3).is_ok());
    let e = Projection::try_from_lists(&users, Some(&three), &[], 2).unwrap_err();
    assert_too_many(&e, "attributes", 2);
    // A limit of 0 refuses any name, but not an absent or empty list.
    assert!(
        Projection::try_from_lists(&users, None, &[], 0)
            .unwrap()
            .is_default()
    );
    assert!(
        Projection::try_from_lists(&users, Some(&[]), &[], 0)
            .unwrap()
            .is_default()
    );
    let e = Projection::try_from_lists(&users, None, &three[..1], 0).unwrap_err();
    assert_too_many(&e, "excludedAttributes", 0);
}

#[test]
fn from_lists_and_parse_accept_any_number_of_names() {
    let users = ResourceType::user();
    let many = names(10_000);
    let joined = many.join(",");
    let from_lists = Projection::from_lists(&users, Some(&many), &many);
    let parsed = Projection::parse(&users, Some(&joined), Some(&joined));
    assert_eq!(from_lists, parsed);
    assert_eq!(
        from_lists,
        Projection::from_lists(&users, Some(&names(8)), &names(8))
    );
}

#[test]
fn duplicate_attributes_are_removed() {
    let users = ResourceType::user();
    let one = Projection::parse(&users, Some("userName"), None);
    for list in [
        "userName,USERNAME,userName",
        "username, userName ,,USERNAME",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName,userName",
    ] {
        assert_eq!(Projection::parse(&users, Some(list), None), one, "{list}");
        let items: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).collect();
        assert_eq!(
            Projection::try_from_lists(&users, Some(&items), &[], 100).unwrap(),
            one,
            "{list}"
        );
    }
    // Sub-attributes, whole extensions, and an attribute named with its sub-attributes.
    let same = [
        ("emails.value,EMAILS.VALUE,emails.Value", "emails.value"),
        ("emails.value,emails,emails.type", "emails"),
        (
            "name.givenName,userName,NAME.GIVENNAME",
            "userName,name.givenName",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,\
             URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ),
        (
            "department,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:Department",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ),
    ];
    for (dup, single) in same {
        assert_eq!(
            Projection::parse(&users, Some(dup), None),
            Projection::parse(&users, Some(single), None),
            "{dup}"
        );
    }
    assert_ne!(
        Projection::parse(&users, Some("emails.value"), None),
        Projection::parse(&users, Some("emails"), None)
    );
}

#[test]
fn duplicate_excluded_attributes_are_removed() {
    let users = ResourceType::user();
    let one = Projection::parse(&users, None, Some("userName"));
    assert_eq!(
        Projection::parse(&users, None, Some("userName,USERNAME,userName")),
        one
    );
    assert_eq!(
        Projection::try_from_lists(
            &users,
            None,
            &strings(&["userName", "USERNAME", "userName"]),
            100
        )
        .unwrap(),
        one
    );
    assert_eq!(
        Projection::parse(&users, None, Some("emails.type,EMAILS.TYPE,emails.display")),
        Projection::parse(&users, None, Some("emails.display,emails.type"))
    );
    assert_eq!(
        Projection::parse(&users, None, Some("emails.type,emails")),
        Projection::parse(&users, None, Some("emails"))
    );
}

#[test]
fn duplicates_project_as_the_single_name() {
    let users = ResourceType::user();
    let user = Resource::from_value(json!({
        "schemas": [urn::USER, urn::ENTERPRISE_USER],
        "id": "1", "userName": "bjensen", "displayName": "Babs",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
        urn::ENTERPRISE_USER: {"department": "Tour Operations", "employeeNumber": "701984"}
    }))
    .unwrap();
    let cases = [
        (
            Some("userName,USERNAME,name.givenName,Name.GivenName"),
            None,
            json!({"schemas": [urn::USER, urn::ENTERPRISE_USER], "id": "1",
                   "userName": "bjensen", "name": {"givenName": "Barbara"}}),
        ),
        (
            None,
            Some("emails,EMAILS,displayName,displayname,department,DEPARTMENT"),
            json!({"schemas": [urn::USER, urn::ENTERPRISE_USER], "id": "1",
                   "userName": "bjensen",
                   "name": {"givenName": "Barbara", "familyName": "Jensen"},
                   urn::ENTERPRISE_USER: {"employeeNumber": "701984"}}),
        ),
    ];
    for (attributes, excluded, expect) in cases {
        let p = Projection::parse(&users, attributes, excluded);
        assert_eq!(
            p.apply(&users, &user).into_value(),
            expect,
            "{attributes:?} {excluded:?}"
        );
        assert_eq!(
            p.apply_owned(&users, user.clone()).into_value(),
            expect,
            "{attributes:?} {excluded:?}"
        );
    }
}
