//! Concurrent writers: uniqueness under races, compare and swap without lost updates, and
//! member additions that all land.

use std::collections::HashSet;

use scim_http::{ListQuery, Precondition, StoreError, read_check_write};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::{Backend, Env, filter, id, user_body, values, version};

/// Runs `tasks` copies of `work(env, i)` on the runtime's threads and returns their results
/// (panicking if any task panicked).
async fn spawn_all<T, F, Fut>(env: &Env, tasks: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Env, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let mut set = JoinSet::new();
    for i in 0..tasks {
        set.spawn(work(env.clone(), i));
    }
    let mut out = Vec::with_capacity(tasks);
    while let Some(r) = set.join_next().await {
        out.push(r.expect("a suite task panicked"));
    }
    out
}

/// 16 tasks create one userName (in different cases) at once: exactly one wins; the same
/// for a group's displayName.
pub(crate) async fn concurrent_creates_of_one_user_name_give_one_winner(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let results = spawn_all(&env, 16, |env, i| async move {
        let name = if i % 2 == 0 { "racer" } else { "RACER" };
        env.create(&env.users, user_body(name)).await
    })
    .await;
    let mut winners = Vec::new();
    for r in results {
        match r {
            Ok(user) => winners.push(id(&user)),
            Err(StoreError::Uniqueness { .. }) => {}
            Err(e) => panic!("expected Ok or Uniqueness, got {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let page = env.list(&env.users, &ListQuery::all()).await;
    assert_eq!(
        (page.total_results, super::ids(&page)),
        (1, winners.clone())
    );
    let q = ListQuery::all().filter(filter(&env.users, r#"userName eq "Racer""#));
    assert_eq!(super::ids(&env.list(&env.users, &q).await), winners);

    // The same for a group's displayName.
    let results = spawn_all(&env, 16, |env, i| async move {
        let name = if i % 2 == 0 { "Racers" } else { "racers" };
        env.create(&env.groups, super::group_body(name, &[])).await
    })
    .await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    for r in results {
        match r {
            Ok(_) | Err(StoreError::Uniqueness { .. }) => {}
            Err(e) => panic!("expected Ok or Uniqueness, got {e:?}"),
        }
    }
    assert_eq!(
        env.list(&env.groups, &ListQuery::all()).await.total_results,
        1
    );
}

/// 8 tasks increment a counter (in `title`) with `read_check_write`, 5 times each: none of
/// the 40 increments is lost. A task whose cycle gives up (`VersionMismatch` after
/// `PATCH_RETRIES` attempts) tries again, as a client would.
pub(crate) async fn read_check_write_loses_no_update(backend: &impl Backend) {
    const TASKS: usize = 8;
    const ROUNDS: usize = 5;
    let env = Env::new(backend).await;
    let u = env.user(json!({"userName": "counter", "title": "0"})).await;
    let uid = id(&u);
    let before = version(&u);
    let written = spawn_all(&env, TASKS, |env, _| {
        let uid = uid.clone();
        async move {
            let mut versions = Vec::new();
            for _ in 0..ROUNDS {
                loop {
                    let result = read_check_write(
                        &*env.store,
                        &env.users,
                        &uid,
                        Precondition::Any,
                        |current| {
                            let n: u64 = current
                                .get("title")
                                .and_then(Value::as_str)
                                .and_then(|t| t.parse().ok())
                                .expect("a counter in title");
                            let mut next = current.clone();
                            next.insert("title", json!((n + 1).to_string()));
                            Ok(Some(next))
                        },
                    )
                    .await;
                    match result {
                        Ok(r) => {
                            assert!(r.changed);
                            versions.push(version(&r.resource));
                            break;
                        }
                        Err(StoreError::VersionMismatch) => tokio::task::yield_now().await,
                        Err(e) => panic!("read_check_write: {e:?}"),
                    }
                }
            }
            versions
        }
    })
    .await;
    let after = env.fetch(&env.users, &uid).await;
    assert_eq!(
        after.get("title"),
        Some(&json!((TASKS * ROUNDS).to_string())),
        "lost updates"
    );
    // Each successful write got a version of its own.
    let all: Vec<String> = written.into_iter().flatten().collect();
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), TASKS * ROUNDS, "{all:?}");
    assert!(!distinct.contains(&before));
    assert!(distinct.contains(&version(&after)));
}

/// 8 tasks each add an email by PATCH (no precondition) at once: all 8 land.
pub(crate) async fn concurrent_patches_lose_no_update(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let uid = id(&env.user(user_body("mailer")).await);
    let results = spawn_all(&env, 8, |env, i| {
        let uid = uid.clone();
        async move {
            let ops = json!([{
                "op": "add",
                "path": "emails",
                "value": [{"value": format!("m{i}@example.com"), "type": "other"}]
            }]);
            env.patch(&env.users, &uid, ops, Precondition::Any).await
        }
    })
    .await;
    for r in results {
        assert!(r.expect("a concurrent patch without If-Match").changed);
    }
    let expected: Vec<String> = (0..8).map(|i| format!("m{i}@example.com")).collect();
    let user = env.fetch(&env.users, &uid).await;
    assert_eq!(values(&user, "emails"), super::sorted(&expected));
}

/// 500 member additions, spread over 8 tasks, to one group: exactly 500 members, each with
/// the group in its `groups`.
pub(crate) async fn concurrent_member_adds_all_land(backend: &impl Backend) {
    const USERS: usize = 500;
    const TASKS: usize = 8;
    let env = Env::new(backend).await;
    let created = spawn_all(&env, TASKS, |env, t| async move {
        let mut ids = Vec::new();
        for i in (t..USERS).step_by(TASKS) {
            ids.push(id(&env.user(user_body(&format!("member{i:03}"))).await));
        }
        ids
    })
    .await;
    let users: Vec<String> = created.into_iter().flatten().collect();
    assert_eq!(users.len(), USERS);
    let gid = id(&env.group("Everyone", &[]).await);

    let users_ref = std::sync::Arc::new(users.clone());
    spawn_all(&env, TASKS, |env, t| {
        let users = users_ref.clone();
        let gid = gid.clone();
        async move {
            for u in users.iter().skip(t).step_by(TASKS) {
                let ops = json!([{"op": "add", "path": "members", "value": [{"value": u}]}]);
                let r = env.patch(&env.groups, &gid, ops, Precondition::Any).await;
                assert!(r.expect("a member add without If-Match").changed);
            }
        }
    })
    .await;

    let group = env.fetch(&env.groups, &gid).await;
    let members = values(&group, "members");
    assert_eq!(members.len(), USERS, "duplicates or lost additions");
    assert_eq!(members, super::sorted(&users));
    for u in users.iter().step_by(50) {
        let user = env.fetch(&env.users, u).await;
        assert_eq!(values(&user, "groups"), [gid.as_str()], "{user:?}");
    }
    let q = ListQuery::all().filter(filter(&env.users, r#"userName sw "member""#));
    assert_eq!(env.list(&env.users, &q).await.total_results, USERS as u64);
}
