//! Resource validation (RFC 7643): any JSON as a User (or Group) create or replace.
//!
//! Input: one flags byte, then a JSON document. Bit 0: create (0) or replace (1) of the stored
//! RFC 7643 §8.2 User; bit 1: `ValidationOptions::default()` (lenient) or `strict()`; bit 2:
//! unknown attributes kept instead of the options' policy; bit 3: a Group instead of a User
//! (replacing a stored group with no members).
//!
//! Invariants: nothing panics, and validation is idempotent: a validated resource validates
//! again, to itself.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scim_core::validate::{
    UnknownAttributes, ValidationOptions, validate_create, validate_replace,
};
use scim_core::{Resource, ResourceType};
use serde_json::{Value, json};

static USERS: LazyLock<ResourceType> = LazyLock::new(ResourceType::user);
static GROUPS: LazyLock<ResourceType> = LazyLock::new(ResourceType::group);
static USER: LazyLock<Resource> = LazyLock::new(|| {
    let json: Value = serde_json::from_str(include_str!("../../tests/data/user.json"))
        .expect("tests/data/user.json is JSON");
    Resource::from_value(json).expect("tests/data/user.json is a resource")
});
static GROUP: LazyLock<Resource> = LazyLock::new(|| {
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "externalId": "8aa1a0c0",
        "displayName": "Tour Guides",
        "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff592\""}
    }))
    .expect("a group")
});

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let Ok(input) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let mut opts = if flags & 2 == 0 {
        ValidationOptions::default()
    } else {
        ValidationOptions::strict()
    };
    if flags & 4 != 0 {
        opts = opts.unknown_attributes(UnknownAttributes::Keep);
    }
    let (ty, existing) = if flags & 8 == 0 {
        (&*USERS, &*USER)
    } else {
        (&*GROUPS, &*GROUP)
    };
    let validate = |value: Value| {
        if flags & 1 == 0 {
            validate_create(ty, value, &opts)
        } else {
            validate_replace(ty, value, existing, &opts)
        }
    };
    let Ok(valid) = validate(input.clone()) else {
        return;
    };
    let again = validate(valid.clone().into_value())
        .unwrap_or_else(|e| panic!("{input} validated to {valid:?}, which fails: {e:?}"));
    assert_eq!(again, valid, "validation of {input} is not idempotent");
});
