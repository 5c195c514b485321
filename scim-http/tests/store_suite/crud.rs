//! Identity and `meta`, uniqueness, compare and swap, unknown ids, and data without links.

use scim_core::DateTime;
use scim_http::{ListQuery, PatchOptions, Precondition, Resource, scim_core};
use serde_json::{Value, json};

use super::{
    Backend, Env, assert_not_found, assert_uniqueness, assert_version_mismatch, group_body, id,
    user_body, version,
};

/// `meta.<name>` as a timestamp, which it must be.
fn timestamp(r: &Resource, name: &str) -> (i64, u32) {
    let text = r
        .get("meta")
        .and_then(|m| m.get(name))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("meta.{name} is missing: {r:?}"));
    let t = DateTime::parse(text).unwrap_or_else(|| panic!("meta.{name} {text:?} is no dateTime"));
    (t.unix_seconds(), t.nanos())
}

fn meta<'r>(r: &'r Resource, name: &str) -> Option<&'r Value> {
    r.get("meta").and_then(|m| m.get(name))
}

/// `create` assigns a fresh `id` and a complete `meta`; `get` returns what was stored; an
/// unknown id is `Ok(None)`.
pub(crate) async fn create_assigns_id_and_meta(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let alice = env
        .user(json!({"userName": "alice", "title": "Engineer", "externalId": "ext-a"}))
        .await;
    let bob = env.user(user_body("bob")).await;
    let admins = env.group("Admins", &[]).await;

    let mut seen = std::collections::HashSet::new();
    for (r, ty) in [(&alice, "User"), (&bob, "User"), (&admins, "Group")] {
        assert!(!id(r).is_empty(), "an empty id: {r:?}");
        assert!(seen.insert(id(r)), "a reused id: {r:?}");
        assert_eq!(meta(r, "resourceType"), Some(&json!(ty)), "{r:?}");
        assert!(!version(r).is_empty(), "an empty version: {r:?}");
        let created = timestamp(r, "created");
        assert_eq!(timestamp(r, "lastModified"), created, "{r:?}");
    }
    assert_eq!(alice.get("userName"), Some(&json!("alice")));
    assert_eq!(alice.get("title"), Some(&json!("Engineer")));
    assert_eq!(alice.external_id(), Some("ext-a"));
    assert_eq!(admins.get("displayName"), Some(&json!("Admins")));

    let got = env.fetch(&env.users, &id(&alice)).await;
    assert_eq!(got, alice, "get returns what create returned");
    assert_eq!(env.fetch(&env.groups, &id(&admins)).await, admins);

    for unknown in ["no-such-id", "00000000-0000-0000-0000-000000000000"] {
        assert_eq!(env.get(&env.users, unknown).await, None);
    }
    // Ids are per resource type: a group id is no user.
    assert_eq!(env.get(&env.users, &id(&admins)).await, None);
    assert_eq!(env.get(&env.groups, &id(&alice)).await, None);
}

/// Every change sets a new version and moves `lastModified` (keeping `created` and
/// `resourceType`); a PATCH that changes nothing keeps both.
pub(crate) async fn changes_move_the_version_and_no_op_patches_keep_it(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let u = env.user(json!({"userName": "alice", "title": "A"})).await;
    let uid = id(&u);
    let mut versions = vec![version(&u)];
    let mut last = u.clone();

    let replaced = env
        .replace(
            &env.users,
            &uid,
            json!({"userName": "alice", "title": "B"}),
            Precondition::Any,
        )
        .await
        .unwrap();
    let patched = env
        .patch(
            &env.users,
            &uid,
            json!([{"op": "replace", "path": "title", "value": "C"}]),
            Precondition::Any,
        )
        .await
        .unwrap();
    assert!(patched.changed);
    for (after, title) in [(&replaced, "B"), (&patched.resource, "C")] {
        assert_eq!(after.get("title"), Some(&json!(title)));
        assert_eq!(id(after), uid);
        assert_eq!(meta(after, "created"), meta(&u, "created"), "{after:?}");
        assert_eq!(meta(after, "resourceType"), Some(&json!("User")));
        assert!(timestamp(after, "lastModified") >= timestamp(&last, "lastModified"));
        assert!(
            !versions.contains(&version(after)),
            "a change kept an old version: {versions:?} {after:?}"
        );
        versions.push(version(after));
        last = after.clone();
    }
    assert_eq!(env.fetch(&env.users, &uid).await, patched.resource);

    // Setting the value it already has changes nothing.
    let same = env
        .patch(
            &env.users,
            &uid,
            json!([{"op": "replace", "path": "title", "value": "C"}]),
            Precondition::Any,
        )
        .await
        .unwrap();
    assert!(!same.changed, "{same:?}");
    assert_eq!(version(&same.resource), version(&last));
    assert_eq!(
        meta(&same.resource, "lastModified"),
        meta(&last, "lastModified")
    );
    assert_eq!(env.fetch(&env.users, &uid).await, last);
}

/// userName is unique among users, compared case-insensitively, on create, replace and
/// patch; a failed write changes nothing.
pub(crate) async fn user_name_is_unique_case_insensitively(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let bjensen = env.user(user_body("BJensen")).await;
    let other = env.user(json!({"userName": "other", "title": "T"})).await;
    let oid = id(&other);

    for name in ["BJensen", "bjensen", "BJENSEN", "bJeNsEn"] {
        assert_uniqueness(env.create(&env.users, user_body(name)).await, "userName");
    }
    assert_uniqueness(
        env.replace(
            &env.users,
            &oid,
            json!({"userName": "bjensen", "title": "changed"}),
            Precondition::Any,
        )
        .await,
        "userName",
    );
    let renames = [
        json!([{"op": "replace", "path": "userName", "value": "BJENSEN"}]),
        // With another change in the same request: neither is applied.
        json!([
            {"op": "replace", "path": "title", "value": "changed"},
            {"op": "replace", "path": "userName", "value": "bjensen"}
        ]),
        // Path-less, as Entra ID and Okta send it.
        json!([{"op": "replace", "value": {"userName": "bJensen", "title": "changed"}}]),
        // With the schema URN in the path; and by `add`.
        json!([{
            "op": "replace",
            "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "value": "bjensen"
        }]),
        json!([{"op": "add", "path": "userName", "value": "BJensen"}]),
    ];
    for ops in renames {
        assert_uniqueness(
            env.patch(&env.users, &oid, ops, Precondition::Any).await,
            "userName",
        );
    }
    // A patch that fails in its last operation applies none of them.
    let failing = env
        .patch_with(
            &env.users,
            &oid,
            json!([
                {"op": "replace", "path": "title", "value": "changed"},
                {"op": "add", "path": "emails", "value": [{"value": "o@example.com"}]},
                {"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "x@y"}}
            ]),
            Precondition::Any,
            &PatchOptions::strict(),
        )
        .await;
    assert!(failing.is_err(), "{failing:?}");
    // Only the two users exist, unchanged.
    assert_eq!(env.fetch(&env.users, &oid).await, other);
    assert_eq!(env.fetch(&env.users, &id(&bjensen)).await, bjensen);
    assert_eq!(
        env.list(&env.users, &ListQuery::all()).await.total_results,
        2
    );

    // A user may change the case of its own name.
    let own = env
        .patch(
            &env.users,
            &id(&bjensen),
            json!([{"op": "replace", "path": "userName", "value": "bjensen"}]),
            Precondition::Any,
        )
        .await
        .unwrap();
    assert_eq!(own.resource.get("userName"), Some(&json!("bjensen")));
    env.replace(
        &env.users,
        &id(&bjensen),
        user_body("BJENSEN"),
        Precondition::Any,
    )
    .await
    .unwrap();

    // A rename frees the old name and takes the new one.
    env.patch(
        &env.users,
        &id(&bjensen),
        json!([{"op": "replace", "path": "userName", "value": "barbara"}]),
        Precondition::Any,
    )
    .await
    .unwrap();
    env.user(user_body("bjensen")).await;
    assert_uniqueness(
        env.create(&env.users, user_body("Barbara")).await,
        "userName",
    );
    // Case folding is Unicode's, not only ASCII's (RFC 7643 §2.1, caseExact false).
    env.user(user_body("Ödön")).await;
    for name in ["ödön", "ÖDÖN"] {
        assert_uniqueness(env.create(&env.users, user_body(name)).await, "userName");
    }
    // So does a delete.
    env.store
        .delete(&env.users, &oid, Precondition::Any)
        .await
        .unwrap();
    env.user(user_body("OTHER")).await;
}

/// Group displayName is unique among groups, on create, replace and patch; users and groups
/// do not share the index.
pub(crate) async fn group_display_name_is_unique(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let admins = env.group("Admins", &[]).await;
    let staff = env.group("Staff", &[]).await;
    let sid = id(&staff);
    for name in ["Admins", "admins", "ADMINS"] {
        assert_uniqueness(
            env.create(&env.groups, group_body(name, &[])).await,
            "displayName",
        );
    }
    assert_uniqueness(
        env.replace(
            &env.groups,
            &sid,
            group_body("admins", &[]),
            Precondition::Any,
        )
        .await,
        "displayName",
    );
    for ops in [
        json!([{"op": "replace", "path": "displayName", "value": "Admins"}]),
        json!([{"op": "replace", "value": {"displayName": "aDMINS"}}]),
    ] {
        assert_uniqueness(
            env.patch(&env.groups, &sid, ops, Precondition::Any).await,
            "displayName",
        );
    }
    assert_eq!(env.fetch(&env.groups, &sid).await, staff);
    assert_eq!(env.fetch(&env.groups, &id(&admins)).await, admins);
    assert_eq!(
        env.list(&env.groups, &ListQuery::all()).await.total_results,
        2
    );
    // A user may be called like a group.
    env.user(user_body("Admins")).await;
    // After a rename the old name is free.
    env.patch(
        &env.groups,
        &id(&admins),
        json!([{"op": "replace", "path": "displayName", "value": "Administrators"}]),
        Precondition::Any,
    )
    .await
    .unwrap();
    env.group("admins", &[]).await;
}

/// `replace`, `delete` and `patch` with `Precondition::Version` compare and swap.
pub(crate) async fn versions_guard_replace_delete_and_patch(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let u = env.user(json!({"userName": "alice", "title": "0"})).await;
    let uid = id(&u);
    let v1 = version(&u);
    let changed = env
        .patch(
            &env.users,
            &uid,
            json!([{"op": "replace", "path": "title", "value": "1"}]),
            Precondition::Version(&v1),
        )
        .await
        .unwrap();
    let v2 = version(&changed.resource);
    assert_ne!(v1, v2);

    // The old version no longer matches anything.
    let stale = Precondition::Version(&v1);
    assert_version_mismatch(
        env.replace(
            &env.users,
            &uid,
            json!({"userName": "alice", "title": "stale"}),
            stale,
        )
        .await,
    );
    assert_version_mismatch(
        env.patch(
            &env.users,
            &uid,
            json!([{"op": "replace", "path": "title", "value": "stale"}]),
            stale,
        )
        .await,
    );
    assert_version_mismatch(env.store.delete(&env.users, &uid, stale).await);
    assert_version_mismatch(
        env.store
            .delete(
                &env.users,
                &uid,
                Precondition::Version("W/\"no-such-version\""),
            )
            .await,
    );
    assert_eq!(env.fetch(&env.users, &uid).await, changed.resource);

    // The current one does, and each write gives a new version.
    let replaced = env
        .replace(
            &env.users,
            &uid,
            json!({"userName": "alice", "title": "2"}),
            Precondition::Version(&v2),
        )
        .await
        .unwrap();
    let v3 = version(&replaced);
    assert!(v3 != v1 && v3 != v2, "{v1} {v2} {v3}");
    assert_eq!(replaced.get("title"), Some(&json!("2")));
    let patched = env
        .patch(
            &env.users,
            &uid,
            json!([{"op": "replace", "path": "title", "value": "3"}]),
            Precondition::Version(&v3),
        )
        .await
        .unwrap();
    let v4 = version(&patched.resource);
    assert!(![&v1, &v2, &v3].contains(&&v4), "{v4} reused");
    assert_eq!(patched.resource.get("title"), Some(&json!("3")));
    assert_version_mismatch(
        env.store
            .delete(&env.users, &uid, Precondition::Version(&v3))
            .await,
    );
    env.store
        .delete(&env.users, &uid, Precondition::Version(&v4))
        .await
        .unwrap();
    assert_eq!(env.get(&env.users, &uid).await, None);
}

/// replace, delete and patch of an unknown id are `NotFound`, with or without a version.
pub(crate) async fn unknown_ids_are_not_found(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let u = env.user(user_body("alice")).await;
    let g = env.group("Admins", &[]).await;
    let v = version(&u);
    let deleted = env.user(user_body("gone")).await;
    env.store
        .delete(&env.users, &id(&deleted), Precondition::Any)
        .await
        .unwrap();
    // A deleted id, a never-seen id, and a group's id asked of Users.
    for unknown in [id(&deleted), "no-such-id".to_owned(), id(&g)] {
        for pre in [Precondition::Any, Precondition::Version(&v)] {
            assert_not_found(env.replace(&env.users, &unknown, user_body("x"), pre).await);
            assert_not_found(
                env.patch(
                    &env.users,
                    &unknown,
                    json!([{"op": "add", "path": "title", "value": "x"}]),
                    pre,
                )
                .await,
            );
            assert_not_found(env.store.delete(&env.users, &unknown, pre).await);
        }
    }
    // Nothing was created on the way.
    assert_eq!(
        env.list(&env.users, &ListQuery::all()).await.total_results,
        1
    );
    assert_eq!(env.fetch(&env.groups, &id(&g)).await, g);
}

/// Every `$ref` and `meta.location` the resource holds, by JSON pointer.
fn links(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}/{k}");
                if k == "$ref" || (at == "/meta" && k == "location") {
                    out.push(here.clone());
                }
                links(x, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                links(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[track_caller]
fn assert_no_links(r: &Resource) {
    let mut found = Vec::new();
    links(&r.clone().into_value(), "", &mut found);
    assert!(
        found.is_empty(),
        "the store returned links {found:?}: {r:?}"
    );
}

/// Stores return data: references carry ids, and no `$ref` or `meta.location` (the server
/// renders them).
pub(crate) async fn stores_return_data_not_links(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let boss = env.user(user_body("boss")).await;
    let u = env
        .user(json!({
            "userName": "alice",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": id(&boss)}
            }
        }))
        .await;
    let uid = id(&u);
    let g = env.group("Admins", &[&uid]).await;
    let h = env.group("Staff", &[]).await;
    let patched = env
        .patch(
            &env.groups,
            &id(&h),
            json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
            Precondition::Any,
        )
        .await
        .unwrap();
    let replaced = env
        .replace(
            &env.users,
            &id(&boss),
            user_body("the-boss"),
            Precondition::Any,
        )
        .await
        .unwrap();
    let user = env.fetch(&env.users, &uid).await;
    assert_eq!(super::values(&user, "groups").len(), 2, "{user:?}");
    let group = env.fetch(&env.groups, &id(&g)).await;
    assert_eq!(super::values(&group, "members"), [uid]);
    let mut seen = vec![u, g, patched.resource, replaced, user, group];
    seen.extend(env.list(&env.users, &ListQuery::all()).await.resources);
    seen.extend(env.list(&env.groups, &ListQuery::all()).await.resources);
    for r in &seen {
        assert_no_links(r);
    }
}
