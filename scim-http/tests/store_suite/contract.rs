//! The parts of the store contract a database needs made explicit (the store module docs):
//! members name real resources of the tenant, what is derived on read, secrets kept or set
//! explicitly, and member diffs.

use scim_http::{MemberDiff, Replacement, SecretChange, StoreError};
use serde_json::{Value, json};

use super::{Backend, Env, filter, group_body, id, tag, user_body, values, version};
use scim_http::ListQuery;

/// A 400 `invalidValue` naming `id`.
#[track_caller]
fn assert_unknown_member<T: std::fmt::Debug>(result: Result<T, StoreError>, missing: &str) {
    match result {
        Err(StoreError::Scim(e))
            if e.status() == 400
                && e.scim_type() == Some(scim_http::ScimType::InvalidValue)
                && e.detail().contains(missing) => {}
        other => panic!("expected 400 invalidValue naming {missing}, got {other:?}"),
    }
}

/// RFC 7643 §4.2: a member is a User or Group of the service provider, here of the tenant.
/// Create, replace and both PATCH forms refuse an id that names nothing, and change nothing.
pub(crate) async fn members_must_name_resources_of_the_tenant(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let other = env.other_tenant();
    let alice = id(&env.user(user_body("alice")).await);
    let stranger = id(&other.user(user_body("stranger")).await);

    assert_unknown_member(
        env.create(&env.groups, group_body("Ghosts", &[&alice, "no-such-id"]))
            .await,
        "no-such-id",
    );
    assert_unknown_member(
        env.create(&env.groups, group_body("Strangers", &[&stranger]))
            .await,
        &stranger,
    );
    let listed = env.list(&env.groups, &scim_http::ListQuery::all()).await;
    assert_eq!(listed.total_results, 0, "a refused create stores nothing");

    let g = env.group("Staff", &[&alice]).await;
    let gid = id(&g);
    let inner = id(&env.group("Inner", &[]).await);
    let before = env.fetch(&env.groups, &gid).await;
    assert_unknown_member(
        env.replace(
            &env.groups,
            &gid,
            group_body("Staff", &[&alice, "ghost-1"]),
            scim_http::Precondition::Any,
        )
        .await,
        "ghost-1",
    );
    for ops in [
        json!([{"op": "add", "path": "members", "value": [{"value": inner}, {"value": "ghost-2"}]}]),
        json!([{"op": "replace", "value": {"members": [{"value": "ghost-2"}]}}]),
        json!([
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "add", "path": "members", "value": [{"value": "ghost-2"}]}
        ]),
    ] {
        assert_unknown_member(
            env.patch(&env.groups, &gid, ops, scim_http::Precondition::Any)
                .await,
            "ghost-2",
        );
        assert_eq!(
            env.fetch(&env.groups, &gid).await,
            before,
            "nothing changed"
        );
    }
    assert!(
        env.fetch(&env.users, &alice).await.get("groups").is_some(),
        "alice is still a member"
    );
    // A group is a valid member (nested groups, RFC 7643 §4.2).
    let nested = env
        .patch(
            &env.groups,
            &gid,
            json!([{"op": "add", "path": "members", "value": [{"value": inner}]}]),
            scim_http::Precondition::Any,
        )
        .await
        .unwrap();
    assert_eq!(
        values(&nested.resource, "members"),
        super::sorted(&[&alice, &inner])
    );
}

/// A user's derived values (`groups` with each group's name, ordered by group id; the
/// enterprise `manager.displayName`) are the same on every read path (`get`, a filtered
/// `list`, a page, a cursor page), and follow renames of the groups and of the manager.
pub(crate) async fn derived_user_values_are_the_same_on_every_read(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let mut boss = user_body("boss");
    boss["displayName"] = json!("The Boss");
    let boss = id(&env.user(boss).await);
    let mut alice = user_body("alice");
    alice["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
        json!({"manager": {"value": boss}});
    let alice = id(&env.user(alice).await);
    let a = id(&env.group("Alpha", &[&alice]).await);
    let b = id(&env.group("Beta", &[&alice]).await);
    let expect = |r: &scim_http::Resource, names: &[(&str, &str)], manager: &str| {
        let mut want: Vec<(String, String)> = names
            .iter()
            .map(|(g, n)| ((*g).to_owned(), (*n).to_owned()))
            .collect();
        want.sort();
        let got: Vec<(String, String)> = r
            .get("groups")
            .and_then(Value::as_array)
            .map(|gs| {
                gs.iter()
                    .map(|g| {
                        assert_eq!(g["type"], "direct", "{g}");
                        (
                            g["value"].as_str().unwrap_or_default().to_owned(),
                            g["display"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(got, want, "groups of {r:?}");
        assert_eq!(
            r.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .map(|x| x["manager"]["displayName"].clone()),
            Some(json!(manager)),
            "{r:?}"
        );
    };
    let reads = |env: &Env| {
        let env = env.clone();
        let alice = alice.clone();
        async move {
            let by_filter = ListQuery::all().filter(filter(&env.users, r#"userName eq "alice""#));
            let mut out = vec![env.fetch(&env.users, &alice).await];
            out.extend(env.list(&env.users, &by_filter).await.resources);
            let all = env.list(&env.users, &ListQuery::all()).await.resources;
            out.extend(all.into_iter().filter(|r| r.id() == Some(alice.as_str())));
            let cursor = ListQuery::all()
                .page(1, Some(10))
                .cursor(scim_http::Cursor::First);
            let page = env.list(&env.users, &cursor).await.resources;
            out.extend(page.into_iter().filter(|r| r.id() == Some(alice.as_str())));
            assert_eq!(out.len(), 4, "alice on every read path");
            out
        }
    };
    for r in reads(&env).await {
        expect(&r, &[(&a, "Alpha"), (&b, "Beta")], "The Boss");
    }
    env.patch(
        &env.groups,
        &b,
        json!([{"op": "replace", "path": "displayName", "value": "Beta 2"}]),
        scim_http::Precondition::Any,
    )
    .await
    .unwrap();
    env.patch(
        &env.users,
        &boss,
        json!([{"op": "replace", "path": "displayName", "value": "Big Boss"}]),
        scim_http::Precondition::Any,
    )
    .await
    .unwrap();
    for r in reads(&env).await {
        expect(&r, &[(&a, "Alpha"), (&b, "Beta 2")], "Big Boss");
    }
}

/// A member's `type` and `display` come from the resource it names, whatever the client
/// sent; renaming a member shows in its groups and gives them a new version (their
/// representation changed), and a group's entity tag follows.
pub(crate) async fn member_type_and_display_are_derived(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let mut alice = user_body("alice");
    alice["displayName"] = json!("Alice A");
    let alice = id(&env.user(alice).await);
    let bob = id(&env.user(user_body("bob")).await);
    let mut body = group_body("Team", &[]);
    body["members"] = json!([
        {"value": alice, "display": "Mallory", "type": "Group"},
        {"value": bob}
    ]);
    let g = env.create(&env.groups, body).await.unwrap();
    let gid = id(&g);
    let member = |r: &scim_http::Resource, who: &str| -> Value {
        r.get("members")
            .and_then(Value::as_array)
            .and_then(|m| m.iter().find(|m| m["value"] == who).cloned())
            .unwrap_or(Value::Null)
    };
    let read = env.fetch(&env.groups, &gid).await;
    assert_eq!(member(&read, &alice)["display"], "Alice A");
    assert_eq!(member(&read, &alice)["type"], "User");
    assert_eq!(
        member(&read, &bob)["display"],
        "bob",
        "userName without displayName"
    );
    assert_eq!(member(&read, &bob)["type"], "User");

    env.patch(
        &env.users,
        &alice,
        json!([{"op": "replace", "path": "displayName", "value": "Alice B"}]),
        scim_http::Precondition::Any,
    )
    .await
    .unwrap();
    let after = env.fetch(&env.groups, &gid).await;
    assert_eq!(member(&after, &alice)["display"], "Alice B");
    assert_ne!(
        version(&after),
        version(&read),
        "the group's representation changed"
    );
    assert_ne!(tag(&after), tag(&read));

    // A change of something groups do not show leaves them alone.
    env.patch(
        &env.users,
        &bob,
        json!([{"op": "replace", "path": "title", "value": "Engineer"}]),
        scim_http::Precondition::Any,
    )
    .await
    .unwrap();
    assert_eq!(
        version(&env.fetch(&env.groups, &gid).await),
        version(&after)
    );
}

/// `replace` keeps the stored secret unless told to set or remove it: the server never hands
/// it back.
pub(crate) async fn secrets_are_kept_set_or_removed_explicitly(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let mut body = user_body("carol");
    body["password"] = json!("$hash$one");
    let uid = id(&env.user(body).await);
    let stored = |r: &scim_http::Resource| r.get("password").cloned();
    let current = env.fetch(&env.users, &uid).await;
    let mut bare = current.clone();
    bare.remove("password");
    bare.insert("title", json!("Keeper"));

    let kept = env
        .store
        .replace(
            &env.users,
            &uid,
            Replacement::new(bare.clone()),
            scim_http::Precondition::Any,
        )
        .await
        .unwrap();
    assert_eq!(kept.get("title"), Some(&json!("Keeper")));
    assert_eq!(
        stored(&env.fetch(&env.users, &uid).await),
        Some(json!("$hash$one"))
    );

    let set = Replacement::new(bare.clone()).with_password(SecretChange::Set("$hash$two".into()));
    env.store
        .replace(&env.users, &uid, set, scim_http::Precondition::Any)
        .await
        .unwrap();
    assert_eq!(
        stored(&env.fetch(&env.users, &uid).await),
        Some(json!("$hash$two"))
    );

    // What the server builds from a read and a PATCH that removed the password.
    let read = env.fetch(&env.users, &uid).await;
    let mut without = read.clone();
    without.remove("password");
    let removal = Replacement::between(env.users.resource_type(), &read, without);
    assert_eq!(removal.password, SecretChange::Remove);
    assert!(
        removal.resource.get("password").is_none(),
        "never handed back"
    );
    env.store
        .replace(&env.users, &uid, removal, scim_http::Precondition::Any)
        .await
        .unwrap();
    assert_eq!(stored(&env.fetch(&env.users, &uid).await), None);
}

/// A group replacement with a member diff writes those members; the result is the group the
/// replacement describes.
pub(crate) async fn a_member_diff_writes_just_those_members(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let a = id(&env.user(user_body("a")).await);
    let b = id(&env.user(user_body("b")).await);
    let c = id(&env.user(user_body("c")).await);
    let g = env.group("Diffed", &[&a, &b]).await;
    let gid = id(&g);

    let mut new = g.clone();
    new.insert("members", json!([{"value": a}, {"value": b}, {"value": c}]));
    let replacement = Replacement::between(env.groups.resource_type(), &g, new);
    assert_eq!(
        replacement.members,
        Some(MemberDiff::new(vec![json!({"value": c})], vec![]))
    );
    let v = g.version().map(str::to_owned);
    let out = env
        .store
        .replace(
            &env.groups,
            &gid,
            replacement,
            scim_http::Precondition::Version(v.as_deref().unwrap_or_default()),
        )
        .await
        .unwrap();
    assert_eq!(values(&out, "members"), super::sorted(&[&a, &b, &c]));

    let mut fewer = out.clone();
    fewer.insert("members", json!([{"value": c}]));
    let replacement = Replacement::between(env.groups.resource_type(), &out, fewer);
    assert_eq!(
        replacement
            .members
            .as_ref()
            .map(|d| super::sorted(&d.removed)),
        Some(super::sorted(&[&a, &b]))
    );
    env.store
        .replace(&env.groups, &gid, replacement, scim_http::Precondition::Any)
        .await
        .unwrap();
    assert_eq!(
        values(&env.fetch(&env.groups, &gid).await, "members"),
        super::sorted(&[&c])
    );
    assert!(env.fetch(&env.users, &a).await.get("groups").is_none());
    assert_eq!(values(&env.fetch(&env.users, &c).await, "groups"), [gid]);
}

/// A context that does not want group `members` (the response will not show them) may get
/// them left out, but the entity tag is the same, and a PATCH still changes them.
pub(crate) async fn members_may_be_left_out_when_not_shown(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let a = id(&env.user(user_body("a")).await);
    let b = id(&env.user(user_body("b")).await);
    let gid = id(&env.group("Big", &[&a]).await);
    let lean = env.groups.clone().with_members(false);
    assert!(!lean.wants_members() && env.groups.wants_members());

    let full = env.fetch(&env.groups, &gid).await;
    let light = env.store.get(&lean, &gid).await.unwrap().unwrap();
    assert_eq!(tag(&light), tag(&full));
    assert_eq!(light.get("displayName"), full.get("displayName"));

    let request =
        super::patch_request(json!([{"op": "add", "path": "members", "value": [{"value": b}]}]));
    let patch = scim_http::scim_patch::Patch::parse(
        &request,
        env.groups.resource_type(),
        &scim_http::PatchOptions::default(),
    )
    .unwrap();
    let patched = env
        .store
        .patch(&lean, &gid, &patch, scim_http::Precondition::Any)
        .await
        .unwrap();
    assert!(patched.changed);
    let after = env.fetch(&env.groups, &gid).await;
    assert_eq!(tag(&patched.resource), tag(&after));
    assert_eq!(values(&after, "members"), super::sorted(&[&a, &b]));
}

/// Filters on members' `display` read the derived name (the member's), not what a client
/// sent, and follow a rename.
pub(crate) async fn member_display_filters_read_the_derived_name(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let mut alice = user_body("alice");
    alice["displayName"] = json!("Alice A");
    let alice = id(&env.user(alice).await);
    let bob = id(&env.user(user_body("bob")).await);
    let g1 = id(&env.group("One", &[&alice]).await);
    let mut body = group_body("Two", &[]);
    body["members"] = json!([{"value": bob, "display": "Alice A"}]);
    let g2 = id(&env.create(&env.groups, body).await.unwrap());
    let find = |text: &str| {
        let q = scim_http::ListQuery::all().filter(super::filter(&env.groups, text));
        let env = env.clone();
        async move { super::ids(&env.list(&env.groups, &q).await) }
    };
    assert_eq!(
        find(r#"members.display eq "Alice A""#).await,
        super::sorted(&[&g1])
    );
    assert_eq!(
        find(r#"members[display eq "bob"]"#).await,
        super::sorted(&[&g2])
    );
    assert_eq!(
        super::sorted(&find(r#"members.type eq "User""#).await),
        super::sorted(&[&g1, &g2])
    );
    env.patch(
        &env.users,
        &alice,
        json!([{"op": "replace", "path": "displayName", "value": "Alice B"}]),
        scim_http::Precondition::Any,
    )
    .await
    .unwrap();
    assert_eq!(find(r#"members.display eq "Alice B""#).await, [g1]);
    assert!(find(r#"members.display eq "Alice A""#).await.is_empty());
}
