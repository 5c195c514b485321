//! PATCH (RFC 7644 §3.5.2) of any JSON body against a stored User and a stored Group.
//!
//! Input: one flags byte, then the request body. Bit 0 picks the target (0: the RFC 7643 §8.2
//! User with the enterprise extension, 1: a Group with 100 members), bit 1 the options
//! (0: `PatchOptions::default()`, lenient, 1: `PatchOptions::strict()`).
//!
//! Invariants: nothing panics; when `apply` fails the resource is byte for byte what it was;
//! when it succeeds, applying the same patch to another copy (and `apply_to_copy`) gives the
//! same resource.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scim_core::message::PatchRequest;
use scim_core::{Resource, ResourceType};
use scim_patch::{Patch, PatchOptions};

static USERS: LazyLock<ResourceType> = LazyLock::new(ResourceType::user);
static GROUPS: LazyLock<ResourceType> = LazyLock::new(ResourceType::group);
static USER: LazyLock<Resource> =
    LazyLock::new(|| load(include_str!("../../tests/data/user.json")));
static GROUP: LazyLock<Resource> =
    LazyLock::new(|| load(include_str!("../../tests/data/group.json")));

fn load(text: &str) -> Resource {
    let json: serde_json::Value = serde_json::from_str(text).expect("seed resource is JSON");
    Resource::from_value(json).expect("seed resource is a resource")
}

fn bytes(r: &Resource) -> String {
    serde_json::to_string(r.as_map()).expect("a resource serialises")
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let (ty, stored) = if flags & 1 == 0 {
        (&*USERS, &*USER)
    } else {
        (&*GROUPS, &*GROUP)
    };
    let opts = if flags & 2 == 0 {
        PatchOptions::default()
    } else {
        PatchOptions::strict()
    };
    let Ok(request) = serde_json::from_slice::<PatchRequest>(body) else {
        return;
    };
    let Ok(patch) = Patch::parse(&request, ty, &opts) else {
        return;
    };
    let before = bytes(stored);
    let mut first = stored.clone();
    match patch.apply(&mut first) {
        Err(e) => {
            assert_eq!(&first, stored, "failed PATCH ({e}) changed the resource");
            assert_eq!(
                bytes(&first),
                before,
                "failed PATCH ({e}) changed the bytes"
            );
            assert!(
                patch.apply_to_copy(stored).is_err(),
                "apply_to_copy succeeded"
            );
        }
        Ok(_) => {
            let mut second = stored.clone();
            let again = patch.apply(&mut second);
            assert!(
                again.is_ok(),
                "the same PATCH failed on a second copy: {again:?}"
            );
            assert_eq!(
                bytes(&second),
                bytes(&first),
                "the same PATCH gave another result"
            );
            let (copy, _) = patch
                .apply_to_copy(stored)
                .expect("apply_to_copy fails where apply succeeded");
            assert_eq!(
                bytes(&copy),
                bytes(&first),
                "apply_to_copy gave another result"
            );
        }
    }
    assert_eq!(bytes(stored), before, "the stored resource changed");
});
