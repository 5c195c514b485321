//! Memberships: `User.groups` derived from group `members`, kept in step by patches, renames
//! and deletes.

use scim_http::{ListQuery, PatchOptions, Precondition, Resource};
use serde_json::{Value, json};

use super::{Backend, Env, filter, id, tag, user_body, values, version};

/// A user's `groups` as (value, display) pairs, sorted.
fn groups(user: &Resource) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = user
        .get("groups")
        .and_then(Value::as_array)
        .map(|gs| {
            gs.iter()
                .map(|g| {
                    let s = |k: &str| g[k].as_str().unwrap_or_default().to_owned();
                    (s("value"), s("display"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn pair(group: &Resource) -> (String, String) {
    let name = group.get("displayName").and_then(Value::as_str);
    let name = name.unwrap_or_default().to_owned();
    (id(group), name)
}

fn add_member(member: &str) -> Value {
    json!([{"op": "add", "path": "members", "value": [{"value": member}]}])
}

fn remove_member(member: &str) -> Value {
    json!([{"op": "remove", "path": format!("members[value eq \"{member}\"]")}])
}

/// A group's members, by `get`.
async fn members(env: &Env, group: &str) -> Vec<String> {
    values(&env.fetch(&env.groups, group).await, "members")
}

/// `groups` (value = group id, display = group name) is derived on `get` and `list`.
pub(crate) async fn user_groups_are_derived_from_memberships(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let alice = id(&env.user(user_body("alice")).await);
    let bob = id(&env.user(user_body("bob")).await);
    let carol = id(&env.user(user_body("carol")).await);
    let admins = env.group("Admins", &[&alice]).await;
    let staff = env.group("Staff", &[&alice, &bob]).await;
    assert_eq!(values(&admins, "members"), [alice.as_str()]);
    assert_eq!(
        members(&env, &id(&staff)).await,
        super::sorted(&[&alice, &bob])
    );

    let mut both = vec![pair(&admins), pair(&staff)];
    both.sort();
    let expected = [(&alice, both), (&bob, vec![pair(&staff)]), (&carol, vec![])];
    for (user, want) in &expected {
        assert_eq!(
            &groups(&env.fetch(&env.users, user).await),
            want,
            "get {user}"
        );
    }
    let page = env.list(&env.users, &ListQuery::all()).await;
    assert_eq!(page.total_results, 3);
    for (user, want) in &expected {
        let listed = page
            .resources
            .iter()
            .find(|r| r.id() == Some(user.as_str()))
            .unwrap_or_else(|| panic!("{user} is not listed"));
        assert_eq!(&groups(listed), want, "list {user}");
    }
    // Also on a filtered list.
    let q = ListQuery::all().filter(filter(&env.users, r#"userName eq "ALICE""#));
    let page = env.list(&env.users, &q).await;
    assert_eq!(page.resources.len(), 1);
    assert_eq!(groups(&page.resources[0]), expected[0].1);
}

/// Adding and removing members by PATCH changes the members' `groups` and their versions.
pub(crate) async fn member_patches_change_groups_and_versions(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let alice = id(&env.user(user_body("alice")).await);
    let bob = id(&env.user(user_body("bob")).await);
    let g = env.group("Admins", &[&alice]).await;
    let gid = id(&g);
    let alice_before = env.fetch(&env.users, &alice).await;
    let bob_before = env.fetch(&env.users, &bob).await;
    assert!(groups(&bob_before).is_empty());

    // A patch that fails after adding a member adds nobody.
    let failing = env
        .patch_with(
            &env.groups,
            &gid,
            json!([
                {"op": "add", "path": "members", "value": [{"value": bob}]},
                {"op": "replace", "path": "members[value eq \"nobody\"]", "value": {"value": "x"}}
            ]),
            Precondition::Any,
            &PatchOptions::strict(),
        )
        .await;
    assert!(failing.is_err(), "{failing:?}");
    assert_eq!(env.fetch(&env.groups, &gid).await, g);
    assert_eq!(env.fetch(&env.users, &bob).await, bob_before);

    let added = env
        .patch(&env.groups, &gid, add_member(&bob), Precondition::Any)
        .await
        .unwrap();
    assert!(added.changed);
    assert_ne!(version(&added.resource), version(&g));
    assert_eq!(
        values(&added.resource, "members"),
        super::sorted(&[&alice, &bob])
    );
    assert_eq!(members(&env, &gid).await, super::sorted(&[&alice, &bob]));
    let bob_after = env.fetch(&env.users, &bob).await;
    assert_eq!(groups(&bob_after), [pair(&g)]);
    // Bob's row is not written, but his representation changed: so does his entity tag.
    assert_eq!(
        version(&bob_after),
        version(&bob_before),
        "no member row written"
    );
    assert_ne!(tag(&bob_after), tag(&bob_before), "bob's groups changed");
    // Adding a member twice changes nothing.
    let again = env
        .patch(&env.groups, &gid, add_member(&bob), Precondition::Any)
        .await
        .unwrap();
    assert_eq!(
        values(&again.resource, "members"),
        super::sorted(&[&alice, &bob])
    );
    assert!(!again.changed, "{again:?}");
    assert_eq!(version(&again.resource), version(&added.resource));
    assert_eq!(env.fetch(&env.users, &bob).await, bob_after);

    let removed = env
        .patch(&env.groups, &gid, remove_member(&alice), Precondition::Any)
        .await
        .unwrap();
    assert!(removed.changed);
    assert_eq!(values(&removed.resource, "members"), [bob.as_str()]);
    assert_eq!(members(&env, &gid).await, [bob.as_str()]);
    let alice_after = env.fetch(&env.users, &alice).await;
    assert!(groups(&alice_after).is_empty(), "{alice_after:?}");
    assert_ne!(
        tag(&alice_after),
        tag(&alice_before),
        "alice's groups changed"
    );
    assert_eq!(groups(&env.fetch(&env.users, &bob).await), [pair(&g)]);

    // Entra ID's form of a removal: the member in `value`, not in the path.
    env.patch(
        &env.groups,
        &gid,
        json!([{"op": "remove", "path": "members", "value": [{"value": bob}]}]),
        Precondition::Any,
    )
    .await
    .unwrap();
    assert!(members(&env, &gid).await.is_empty());
    assert!(groups(&env.fetch(&env.users, &bob).await).is_empty());
    // Path-less, as Okta sends it.
    env.patch(
        &env.groups,
        &gid,
        json!([{"op": "replace", "value": {"members": [{"value": bob}]}}]),
        Precondition::Any,
    )
    .await
    .unwrap();
    assert_eq!(members(&env, &gid).await, [bob.as_str()]);
    assert_eq!(groups(&env.fetch(&env.users, &bob).await), [pair(&g)]);

    // Replacing the member list moves both.
    let replaced = env
        .patch(
            &env.groups,
            &gid,
            json!([{"op": "replace", "path": "members", "value": [{"value": alice}]}]),
            Precondition::Any,
        )
        .await
        .unwrap();
    assert_eq!(values(&replaced.resource, "members"), [alice.as_str()]);
    assert_eq!(groups(&env.fetch(&env.users, &alice).await), [pair(&g)]);
    assert!(groups(&env.fetch(&env.users, &bob).await).is_empty());
}

/// A deleted user leaves every group's `members`.
pub(crate) async fn deleting_a_user_removes_it_from_every_group(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let alice = id(&env.user(user_body("alice")).await);
    let bob = id(&env.user(user_body("bob")).await);
    let g = id(&env.group("Admins", &[&alice, &bob]).await);
    let h = id(&env.group("Staff", &[&alice]).await);
    let k = id(&env.group("Others", &[&bob]).await);
    let g_before = env.fetch(&env.groups, &g).await;

    env.store
        .delete(&env.users, &alice, Precondition::Any)
        .await
        .unwrap();
    assert_eq!(env.get(&env.users, &alice).await, None);
    assert_eq!(members(&env, &g).await, [bob.as_str()]);
    let g_after = env.fetch(&env.groups, &g).await;
    assert_ne!(
        version(&g_after),
        version(&g_before),
        "the group's members changed"
    );
    assert!(members(&env, &h).await.is_empty());
    assert_eq!(members(&env, &k).await, [bob.as_str()]);
    // Also in what list returns.
    for group in env.list(&env.groups, &ListQuery::all()).await.resources {
        assert!(!values(&group, "members").contains(&alice), "{group:?}");
    }
    assert_eq!(
        values(&env.fetch(&env.users, &bob).await, "groups"),
        super::sorted(&[&g, &k])
    );
}

/// A deleted group disappears from its members' `groups`.
pub(crate) async fn deleting_a_group_removes_it_from_its_members(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let alice = id(&env.user(user_body("alice")).await);
    let g = env.group("Admins", &[&alice]).await;
    let h = env.group("Staff", &[&alice]).await;
    let before = env.fetch(&env.users, &alice).await;
    assert_eq!(values(&before, "groups"), super::sorted(&[id(&g), id(&h)]));

    env.store
        .delete(&env.groups, &id(&g), Precondition::Any)
        .await
        .unwrap();
    let after = env.fetch(&env.users, &alice).await;
    assert_eq!(groups(&after), [pair(&h)]);
    assert_eq!(version(&after), version(&before), "no member row written");
    assert_ne!(tag(&after), tag(&before), "alice's groups changed");
    let listed = env.list(&env.users, &ListQuery::all()).await;
    assert_eq!(groups(&listed.resources[0]), [pair(&h)]);
    // The name is free again.
    env.group("admins", &[]).await;
}

/// A group rename (by patch or replace) shows in its members' `groups[].display`.
pub(crate) async fn group_renames_show_in_members_groups(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let alice = id(&env.user(user_body("alice")).await);
    let g = env.group("Admins", &[&alice]).await;
    let gid = id(&g);
    let before = env.fetch(&env.users, &alice).await;
    assert_eq!(groups(&before), [(gid.clone(), "Admins".to_owned())]);

    env.patch(
        &env.groups,
        &gid,
        json!([{"op": "replace", "path": "displayName", "value": "Administrators"}]),
        Precondition::Any,
    )
    .await
    .unwrap();
    let renamed = env.fetch(&env.users, &alice).await;
    assert_eq!(
        groups(&renamed),
        [(gid.clone(), "Administrators".to_owned())]
    );
    // A group rename writes no member rows (RFC 7644 §3.14: the entity tag still changes,
    // through the digest of the derived `groups`).
    assert_eq!(version(&renamed), version(&before), "no member row written");
    assert_ne!(tag(&renamed), tag(&before), "alice's groups changed");

    env.replace(
        &env.groups,
        &gid,
        json!({"displayName": "Admins2", "members": [{"value": alice}]}),
        Precondition::Any,
    )
    .await
    .unwrap();
    let listed = env.list(&env.users, &ListQuery::all()).await;
    assert_eq!(
        groups(&listed.resources[0]),
        [(gid.clone(), "Admins2".to_owned())]
    );
    assert_eq!(
        groups(&env.fetch(&env.users, &alice).await),
        groups(&listed.resources[0])
    );
}
