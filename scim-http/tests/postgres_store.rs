#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! `PostgresStore` against a real PostgreSQL server: the SQL store tests both stores share
//! (`sql_store/`), then what only PostgreSQL has: two stores with pools of their own racing
//! like two processes, concurrent migrators, typed JSON attributes in SQL, and a member
//! deleted while it is being added.
//!
//! The server is the one at `DATABASE_URL` (`source .ci/postgres.sh && pg_start`); each test
//! creates a database of its own there. Without `DATABASE_URL`, every test prints a notice
//! and passes.
#![cfg(feature = "postgres")]

#[macro_use]
mod sql_store;

use std::sync::Arc;

use scim_core::message::SortOrder;
use scim_http::{
    AttrPath, ListQuery, PostgresStore, Precondition, ResourceStore, SortSpec, StoreError,
};
use serde_json::json;
use sql_store::*;
use sqlx::Connection as _;

/// A fresh database on the server at `DATABASE_URL` (created with `CREATE DATABASE`, so the
/// role needs `CREATEDB`), or `None` with a notice when `DATABASE_URL` is unset.
struct TestDb {
    url: String,
}

impl TestDb {
    async fn new() -> Option<Self> {
        let Ok(base) = std::env::var("DATABASE_URL") else {
            eprintln!("DATABASE_URL is not set: skipping this PostgreSQL test");
            return None;
        };
        let name = format!("scim_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let (prefix, rest) = base.rsplit_once('/').unwrap();
        let query = rest.find('?').map_or("", |i| &rest[i..]);
        Some(TestDb {
            url: format!("{prefix}/{name}{query}"),
        })
    }
}

impl Db for TestDb {
    type Store = PostgresStore;

    async fn open() -> Option<Self> {
        TestDb::new().await
    }

    async fn connect(&self) -> PostgresStore {
        PostgresStore::connect(&self.url).await.unwrap()
    }

    async fn close(store: &PostgresStore) {
        store.close().await;
    }
}

sql_store_tests!(TestDb);

#[tokio::test]
async fn two_stores_racing_creates_of_one_user_name_give_one_success() {
    // Two pools on one database: like two server processes.
    let (a, db) = fresh!(TestDb);
    let b = PostgresStore::connect(&db.url).await.unwrap();
    let stores = [Arc::new(a), Arc::new(b)];
    let u = users();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = stores[i % 2].clone();
        let c = ctx(&u);
        let name = if i % 3 == 0 { "twin" } else { "TWIN" };
        tasks.push(tokio::spawn(
            async move { store.create(&c, user(name)).await },
        ));
    }
    let (mut ok, mut taken) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Uniqueness { attribute, .. }) => {
                assert_eq!(attribute, "userName");
                taken += 1;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!((ok, taken), (1, 15));
    // Same for group names, both stores at once.
    let g = groups();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = stores[i % 2].clone();
        let c = ctx(&g);
        tasks.push(tokio::spawn(async move {
            store.create(&c, group("Twins", &[])).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Uniqueness { attribute, .. }) => assert_eq!(attribute, "displayName"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 1);
    for s in &stores {
        s.close().await;
    }
}

#[tokio::test]
async fn concurrent_connects_migrate_once() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(
            async move { PostgresStore::connect(&url).await },
        ));
    }
    let mut stores = Vec::new();
    for t in tasks {
        stores.push(t.await.unwrap().unwrap());
    }
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_version")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(versions, [1, 2, 3]);
    conn.close().await.unwrap();
    for s in &stores {
        s.close().await;
    }
}

#[tokio::test]
async fn typed_json_attributes_filter_and_sort_in_sql() {
    let (store, _db) = fresh!(TestDb);
    let u = users();
    let c = ctx(&u);
    let mut ids = Vec::new();
    for v in [
        json!({"userName": "u1", "active": true, "name": {"familyName": "Zorro"},
               "emails": [{"value": "b@x.org", "primary": false}, {"value": "a@x.org", "primary": true}]}),
        json!({"userName": "u2", "active": false, "name": {"familyName": "apple"},
               "emails": [{"value": "c@x.org"}]}),
        json!({"userName": "u3", "name": {"familyName": "Éclair"}}),
    ] {
        ids.push(id(&store.create(&c, res(v)).await.unwrap()));
    }
    let cases: &[(&str, &[&str])] = &[
        ("active eq true", &["u1"]),
        ("active eq false", &["u2"]),
        ("not (active eq true)", &["u2", "u3"]),
        ("active pr", &["u1", "u2"]),
        ("emails[primary eq true]", &["u1"]),
        (r#"name.familyName gt "Z""#, &["u1", "u3"]),
        (r#"name.familyName eq "ZORRO""#, &["u1"]),
        (
            r#"meta.lastModified ge "2000-01-01T00:00:00.5+01:00""#,
            &["u1", "u2", "u3"],
        ),
        (r#"meta.created lt "2000-01-01T00:00:00Z""#, &[]),
        (r#"meta.version eq "W/\"1\"""#, &["u1", "u2", "u3"]),
        (
            r#"emails.value ew "@X.ORG" and not (emails.value eq "c@x.org")"#,
            &["u1"],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(list(&store, &c, filter).await, *want, "{filter}");
    }
    let sorted = |path: &str, order| {
        let store = &store;
        let c = &c;
        let path = path.to_owned();
        async move {
            let q = ListQuery::all().sort(SortSpec {
                by: AttrPath::parse(&path).unwrap(),
                order,
            });
            let p = store.list(c, &q).await.unwrap();
            p.resources
                .iter()
                .map(|r| j(r)["userName"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Code-point order of the lowercased names: "apple" < "zorro" < "éclair".
    assert_eq!(
        sorted("name.familyName", SortOrder::Ascending).await,
        ["u2", "u1", "u3"]
    );
    // false < true, missing last.
    assert_eq!(
        sorted("active", SortOrder::Ascending).await,
        ["u2", "u1", "u3"]
    );
    assert_eq!(
        sorted("active", SortOrder::Descending).await,
        ["u3", "u1", "u2"]
    );
    // The primary email sorts: a@ (u1's primary) < c@.
    assert_eq!(
        sorted("emails", SortOrder::Ascending).await,
        ["u1", "u2", "u3"]
    );
    assert_eq!(
        sorted("meta.created", SortOrder::Descending).await,
        ["u3", "u2", "u1"]
    );
    store.close().await;
}

#[tokio::test]
async fn deleting_a_member_while_it_is_added_leaves_no_stale_membership() {
    let (store, _db) = fresh!(TestDb);
    let store = Arc::new(store);
    let (u, g) = (users(), groups());
    let gid = id(&store.create(&ctx(&g), group("Race", &[])).await.unwrap());
    for round in 0..20 {
        let uid = id(&store
            .create(&ctx(&u), user(&format!("r{round}")))
            .await
            .unwrap());
        let add = {
            let (store, g, gid, uid) = (store.clone(), g.clone(), gid.clone(), uid.clone());
            tokio::spawn(async move {
                patch(
                    &store,
                    &ctx(&g),
                    &gid,
                    json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
                )
                .await
            })
        };
        let del = {
            let (store, u, uid) = (store.clone(), u.clone(), uid.clone());
            tokio::spawn(async move { store.delete(&ctx(&u), &uid, Precondition::Any).await })
        };
        let added = add.await.unwrap();
        let deleted = del.await.unwrap();
        assert!(deleted.is_ok() || matches!(deleted, Err(StoreError::Retryable(_))));
        let added = match added {
            Ok(p) => p,
            // The delete ran first: the member named no user any more (400).
            Err(StoreError::Retryable(_) | StoreError::Scim(_)) => continue,
            Err(e) => panic!("{e:?}"),
        };
        let members = member_ids(&store.get(&ctx(&g), &gid).await.unwrap().unwrap());
        // Either the delete ran first (the add saw an unknown id: no type) or it removed the
        // new membership; never a typed membership of a deleted user.
        if members.contains(&uid) {
            let group = store.get(&ctx(&g), &gid).await.unwrap().unwrap();
            let entry = j(&group)["members"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["value"] == uid)
                .cloned()
                .unwrap();
            assert!(entry.get("type").is_none(), "round {round}: {entry}");
            assert!(added.changed);
        }
    }
    store.close().await;
}

/// `GET` by id and the unique lookup run on point connections that skip sqlx's pings (see
/// `pg/point.rs`). When the server closes them while they are idle (a restart, a proxy, an
/// `idle_session_timeout`), the next read must still answer, through the pool, and the one
/// after it on a fresh point connection.
#[tokio::test]
async fn point_reads_survive_connections_closed_by_the_server() {
    let (store, db) = fresh!(TestDb);
    let u = users();
    let c = ctx(&u);
    let uid = id(&store.create(&c, user("point")).await.unwrap());
    let get = async || {
        store
            .get(&c, &uid)
            .await
            .map(|r| r.map(|r| j(&r)["userName"].clone()))
    };
    let lookup = async || list(&store, &c, r#"userName eq "POINT""#).await;
    // Open the point connections (both reads leave theirs idle).
    assert_eq!(get().await.unwrap(), Some(json!("point")));
    assert_eq!(lookup().await, ["point"]);

    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert!(killed >= 1, "no connection was open");
    admin.close().await.unwrap();

    for round in 0..3 {
        assert_eq!(get().await.unwrap(), Some(json!("point")), "round {round}");
        assert_eq!(lookup().await, ["point"], "round {round}");
    }
    store.close().await;
}
