//! Tenants: partitions that share a store and nothing else.

use scim_http::{ListQuery, Precondition};
use serde_json::json;

use super::{Backend, Env, assert_not_found, filter, id, ids, user_body, values, version};

/// The same userName and group name in two tenants is fine; a tenant never sees, lists,
/// updates or deletes another tenant's resources.
pub(crate) async fn tenants_share_names_but_nothing_else(backend: &impl Backend) {
    let a = Env::new(backend).await;
    let b = a.other_tenant();
    let a_user = a.user(user_body("bjensen")).await;
    let a_group = a.group("Admins", &[&id(&a_user)]).await;
    let b_user = b.user(user_body("BJensen")).await;
    let b_group = b.group("admins", &[]).await;
    assert_ne!(id(&a_user), id(&b_user));
    // With its derived `groups` (and the version that came with them).
    let a_user = a.fetch(&a.users, &id(&a_user)).await;

    let by_name = ListQuery::all().filter(filter(&a.users, r#"userName eq "bjensen""#));
    assert_eq!(ids(&a.list(&a.users, &by_name).await), [id(&a_user)]);
    assert_eq!(ids(&b.list(&b.users, &by_name).await), [id(&b_user)]);
    for (env, user, group) in [(&a, &a_user, &a_group), (&b, &b_user, &b_group)] {
        let users = env.list(&env.users, &ListQuery::all()).await;
        assert_eq!((users.total_results, ids(&users)), (1, vec![id(user)]));
        let groups = env.list(&env.groups, &ListQuery::all()).await;
        assert_eq!((groups.total_results, ids(&groups)), (1, vec![id(group)]));
    }

    // B can reach none of A's resources, whatever it tries.
    for (ctx, r) in [(&b.users, &a_user), (&b.groups, &a_group)] {
        let rid = id(r);
        let v = version(r);
        assert_eq!(b.get(ctx, &rid).await, None);
        let by_id = ListQuery::all().filter(filter(ctx, &format!("id eq \"{rid}\"")));
        assert_eq!(b.list(ctx, &by_id).await.total_results, 0);
        for pre in [Precondition::Any, Precondition::Version(&v)] {
            let body = if r.get("userName").is_some() {
                user_body("hijacked")
            } else {
                json!({"displayName": "hijacked"})
            };
            assert_not_found(b.replace(ctx, &rid, body, pre).await);
            assert_not_found(
                b.patch(
                    ctx,
                    &rid,
                    json!([{"op": "replace", "path": "displayName", "value": "hijacked"}]),
                    pre,
                )
                .await,
            );
            assert_not_found(b.store.delete(ctx, &rid, pre).await);
        }
    }
    // B's group cannot pull A's user into B's view of it either.
    b.patch(
        &b.groups,
        &id(&b_group),
        json!([{"op": "add", "path": "members", "value": [{"value": id(&a_user)}]}]),
        Precondition::Any,
    )
    .await
    .ok();

    // A's resources are as they were, and A's user is in A's group only.
    let a_now = a.fetch(&a.users, &id(&a_user)).await;
    assert_eq!(a_now, a_user);
    assert_eq!(values(&a_now, "groups"), [id(&a_group)]);
    assert_eq!(a.fetch(&a.groups, &id(&a_group)).await, a_group);
    assert!(values(&b.fetch(&b.users, &id(&b_user)).await, "groups").is_empty());
}
