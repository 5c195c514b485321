#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! The store contract (module docs of `scim_http::ResourceStore`), checked through the
//! handler on the `InMemoryStore`: uniqueness, `meta`, derived `groups`, membership clean-up,
//! stable paging, sorting, index/scan agreement, and concurrency.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use harness::*;
use scim_core::DateTime;
use serde_json::{Value, json};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn member_ids(group: &Value) -> Vec<String> {
    sorted(
        group["members"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
    )
}

fn group_ids(user: &Value) -> Vec<String> {
    sorted(
        user["groups"]
            .as_array()
            .map(|gs| {
                gs.iter()
                    .map(|g| g["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
    )
}

// ---------------------------------------------------------------------------------------------
// Uniqueness

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let h = harness();
    let alice = h.create_user("Alice").await;
    let bob = h
        .create("/Users", &json!({"userName": "bob", "title": "Dev"}))
        .await;
    let bob_path = format!("/Users/{}", id_of(&bob));

    for name in ["Alice", "alice", "ALICE", "aLiCe"] {
        h.post("/Users", &user(name))
            .await
            .expect_error(409, Some("uniqueness"));
    }
    assert_eq!(h.store.len("User"), 2);

    // PUT and PATCH renames onto another user's name.
    h.put(&bob_path, &json!({"userName": "ALICE", "title": "Dev"}))
        .await
        .expect_error(409, Some("uniqueness"));
    h.patch(
        &bob_path,
        &json!([{"op": "replace", "path": "userName", "value": "alice"}]),
    )
    .await
    .expect_error(409, Some("uniqueness"));
    // Path-less, as Okta and Entra send it, with another change in the same request.
    h.patch(
        &bob_path,
        &json!([{"op": "replace", "value": {"userName": "aLICE", "title": "Boss"}}]),
    )
    .await
    .expect_error(409, Some("uniqueness"));
    assert_eq!(
        h.fetch(&bob_path).await,
        bob,
        "failed renames change nothing"
    );

    // A user may change the case of its own name.
    let alice_path = format!("/Users/{}", id_of(&alice));
    let renamed = h
        .patch(
            &alice_path,
            &json!([{"op": "replace", "path": "userName", "value": "ALICE"}]),
        )
        .await
        .expect(200);
    assert_eq!(renamed["userName"], "ALICE");
    h.put(&alice_path, &user("alice")).await.expect(200);

    // After a rename the old name is free and the new one taken.
    h.patch(
        &bob_path,
        &json!([{"op": "replace", "path": "userName", "value": "robert"}]),
    )
    .await
    .expect(200);
    h.post("/Users", &user("Bob")).await.expect(201);
    h.post("/Users", &user("ROBERT"))
        .await
        .expect_error(409, Some("uniqueness"));
    // And after a delete.
    h.delete(&alice_path).await;
    h.post("/Users", &user("alice")).await.expect(201);
}

#[tokio::test]
async fn group_display_name_is_unique() {
    let h = harness();
    h.create_group("Admins", &[]).await;
    let staff = h.create_group("Staff", &[]).await;
    let staff_path = format!("/Groups/{}", id_of(&staff));
    for name in ["Admins", "admins"] {
        h.post("/Groups", &group(name, &[]))
            .await
            .expect_error(409, Some("uniqueness"));
    }
    h.put(&staff_path, &group("ADMINS", &[]))
        .await
        .expect_error(409, Some("uniqueness"));
    h.patch(
        &staff_path,
        &json!([{"op": "replace", "path": "displayName", "value": "Admins"}]),
    )
    .await
    .expect_error(409, Some("uniqueness"));
    h.patch(
        &staff_path,
        &json!([{"op": "replace", "value": {"displayName": "admins"}}]),
    )
    .await
    .expect_error(409, Some("uniqueness"));
    assert_eq!(h.fetch(&staff_path).await, staff);
    assert_eq!(h.store.len("Group"), 2);
    // Users and groups do not share the index.
    h.create("/Users", &json!({"userName": "Admins"})).await;
}

// ---------------------------------------------------------------------------------------------
// meta

#[tokio::test]
async fn meta_is_maintained() {
    let h = harness();
    let res = h.post("/Users", &user("alice")).await;
    let created = res.expect(201);
    let id = id_of(&created);
    let meta = &created["meta"];
    assert_eq!(meta["resourceType"], "User");
    let c = some(meta["created"].as_str().and_then(DateTime::parse), || {
        format!("created is not an xsd:dateTime: {meta}")
    });
    assert_eq!(meta["lastModified"], meta["created"]);
    assert!(meta["version"].is_string());
    assert_eq!(meta["location"], json!(format!("{BASE_URL}/Users/{id}")));

    // location comes from the public URL whatever the Host header, and the Location header
    // agrees.
    let res = h
        .post("/Users", &user("bob"))
        .header("host", "scim.example.test:8080")
        .await;
    let bob = res.expect(201);
    let loc = format!("{BASE_URL}/Users/{}", id_of(&bob));
    assert_eq!(bob["meta"]["location"], json!(loc));
    assert_eq!(res.header("location"), Some(loc));
    let seen = h
        .get(&format!("/Users/{id}"))
        .header("host", "other.example")
        .await
        .expect(200);
    assert_eq!(
        seen["meta"]["location"],
        json!(format!("{BASE_URL}/Users/{id}"))
    );

    // PUT and PATCH keep created and resourceType, move lastModified and version forward.
    let put = h
        .put(
            &format!("/Users/{id}"),
            &json!({"userName": "alice", "meta": {"created": "1999-01-01T00:00:00Z"}}),
        )
        .await
        .expect(200);
    let patched = h
        .patch(
            &format!("/Users/{id}"),
            &json!([{"op": "add", "path": "title", "value": "x"}]),
        )
        .await
        .expect(200);
    for after in [&put, &patched] {
        assert_eq!(after["meta"]["created"], created["meta"]["created"]);
        assert_eq!(after["meta"]["resourceType"], "User");
        let lm = some(
            after["meta"]["lastModified"]
                .as_str()
                .and_then(DateTime::parse),
            || format!("lastModified is not an xsd:dateTime: {after}"),
        );
        assert!(lm >= c, "{lm} < {c}");
        assert_eq!(
            after["meta"]["location"],
            json!(format!("{BASE_URL}/Users/{id}"))
        );
    }
    assert_ne!(version_of(&put), version_of(&created));
    assert_ne!(version_of(&patched), version_of(&put));
    // Lists render meta the same way.
    let list = h.fetch("/Users").await;
    assert_eq!(list["Resources"][0]["meta"], patched["meta"]);
}

// ---------------------------------------------------------------------------------------------
// Derived groups and memberships

#[tokio::test]
async fn user_groups_are_derived_from_memberships() {
    let h = harness();
    let u = id_of(
        &h.create(
            "/Users",
            &json!({"userName": "alice", "groups": [{"value": "forged", "display": "Forged"}]}),
        )
        .await,
    );
    let upath = format!("/Users/{u}");
    assert!(
        h.fetch(&upath).await.get("groups").is_none(),
        "groups sent by the client are ignored"
    );

    let g1 = id_of(&h.create_group("G1", &[&u]).await);
    let g2 = id_of(&h.create_group("G2", &[]).await);
    let user = h.fetch(&upath).await;
    assert_eq!(
        user["groups"],
        json!([{
            "value": g1,
            "display": "G1",
            "$ref": format!("{BASE_URL}/Groups/{g1}"),
            "type": "direct",
        }])
    );

    // Added by PATCH.
    h.patch(
        &format!("/Groups/{g2}"),
        &json!([{"op": "add", "path": "members", "value": [{"value": u}]}]),
    )
    .await
    .expect(200);
    assert_eq!(
        group_ids(&h.fetch(&upath).await),
        sorted(vec![g1.clone(), g2.clone()])
    );
    // Also in lists and searches.
    let listed = h.fetch("/Users").await;
    assert_eq!(
        group_ids(&listed["Resources"][0]),
        sorted(vec![g1.clone(), g2.clone()])
    );

    // Removed by PATCH.
    h.patch(
        &format!("/Groups/{g1}"),
        &json!([{"op": "remove", "path": format!("members[value eq \"{u}\"]")}]),
    )
    .await
    .expect(200);
    assert_eq!(group_ids(&h.fetch(&upath).await), std::slice::from_ref(&g2));

    // A rename shows in display.
    h.patch(
        &format!("/Groups/{g2}"),
        &json!([{"op": "replace", "path": "displayName", "value": "Renamed"}]),
    )
    .await
    .expect(200);
    assert_eq!(h.fetch(&upath).await["groups"][0]["display"], "Renamed");

    // Replaced away by PUT, back by PUT.
    h.put(&format!("/Groups/{g2}"), &group("Renamed", &[]))
        .await
        .expect(200);
    assert!(h.fetch(&upath).await.get("groups").is_none());
    h.put(&format!("/Groups/{g2}"), &group("Renamed", &[&u]))
        .await
        .expect(200);
    assert_eq!(group_ids(&h.fetch(&upath).await), std::slice::from_ref(&g2));

    // A deleted group leaves its members' groups.
    assert_eq!(h.delete(&format!("/Groups/{g2}")).await.status(), 204);
    assert!(h.fetch(&upath).await.get("groups").is_none());
}

#[tokio::test]
async fn users_can_be_filtered_by_their_derived_groups() {
    let h = harness();
    let a = id_of(&h.create_user("alice").await);
    let b = id_of(&h.create_user("bob").await);
    h.create_user("carol").await;
    let g = id_of(&h.create_group("Admins", &[&a, &b]).await);
    assert_eq!(
        sorted(
            h.ids_matching("/Users", &format!("groups.value eq \"{g}\""))
                .await
        ),
        sorted(vec![a.clone(), b.clone()])
    );
    assert_eq!(
        sorted(
            h.ids_matching("/Users", "groups[display eq \"Admins\"]")
                .await
        ),
        sorted(vec![a.clone(), b.clone()])
    );
    assert_eq!(
        sorted(h.ids_matching("/Users", "groups pr").await),
        sorted(vec![a.clone(), b.clone()])
    );
    assert_eq!(
        h.ids_matching("/Users", "userName eq \"alice\" and groups pr")
            .await,
        std::slice::from_ref(&a)
    );

    // Sorting by them too: alice moves to "Auditors", bob stays in "Admins", carol has none.
    let c = h.ids_matching("/Users", "userName eq \"carol\"").await;
    let auditors = id_of(&h.create_group("Auditors", &[&a]).await);
    h.put(&format!("/Groups/{g}"), &group("Admins", &[&b]))
        .await
        .expect(200);
    let by_group = h.fetch("/Users?sortBy=groups.display").await;
    assert_eq!(ids(&by_group), [b.clone(), a.clone(), c[0].clone()]);
    let by_group = h
        .fetch("/Users?sortBy=groups.display&sortOrder=descending")
        .await;
    assert_eq!(ids(&by_group), [c[0].clone(), a.clone(), b.clone()]);
    assert_eq!(
        h.ids_matching("/Users", &format!("groups.value eq \"{auditors}\""))
            .await,
        [a]
    );
}

#[tokio::test]
async fn a_deleted_user_leaves_every_group() {
    let h = harness();
    let a = id_of(&h.create_user("alice").await);
    let b = id_of(&h.create_user("bob").await);
    let g1 = h.create_group("G1", &[&a, &b]).await;
    let g2 = h.create_group("G2", &[&a]).await;
    let g1_path = format!("/Groups/{}", id_of(&g1));
    let g2_path = format!("/Groups/{}", id_of(&g2));

    assert_eq!(h.delete(&format!("/Users/{a}")).await.status(), 204);
    let g1_after = h.fetch(&g1_path).await;
    assert_eq!(member_ids(&g1_after), std::slice::from_ref(&b));
    assert_ne!(version_of(&g1_after), version_of(&g1));
    let g2_after = h.fetch(&g2_path).await;
    assert!(g2_after.get("members").is_none(), "{g2_after}");
    assert!(
        h.ids_matching("/Groups", &format!("members.value eq \"{a}\""))
            .await
            .is_empty()
    );
    assert_eq!(
        h.ids_matching("/Groups", &format!("members.value eq \"{b}\""))
            .await,
        [id_of(&g1)]
    );
    // Bob's groups are intact.
    assert_eq!(
        group_ids(&h.fetch(&format!("/Users/{b}")).await),
        [id_of(&g1)]
    );
}

// ---------------------------------------------------------------------------------------------
// Paging and sorting

#[tokio::test]
async fn paging_order_is_stable() {
    let h = harness();
    let mut created = Vec::new();
    // Names out of alphabetical order: the order is creation order, not name order.
    for name in ["m", "c", "x", "a", "q", "b", "z", "k", "d", "e"] {
        created.push(id_of(&h.create_user(name).await));
    }
    let walk = |h: Harness| async move {
        let mut seen = Vec::new();
        let mut start = 1;
        loop {
            let page = h.fetch(&format!("/Users?startIndex={start}&count=3")).await;
            let got = ids(&page);
            if got.is_empty() {
                assert_eq!(page["totalResults"], 10);
                break;
            }
            start += got.len();
            seen.extend(got);
        }
        seen
    };
    assert_eq!(walk(h.clone()).await, created);
    // Changes do not move resources.
    h.patch(
        &format!("/Users/{}", created[0]),
        &json!([{"op": "replace", "path": "userName", "value": "mm"}]),
    )
    .await
    .expect(200);
    h.put(&format!("/Users/{}", created[4]), &user("qq"))
        .await
        .expect(200);
    assert_eq!(walk(h.clone()).await, created);
    // A delete closes the gap without reordering.
    h.delete(&format!("/Users/{}", created[2])).await;
    created.remove(2);
    let all = h.fetch("/Users").await;
    assert_eq!(ids(&all), created);
}

#[tokio::test]
async fn sorting_by_user_name_and_by_a_missing_attribute() {
    let h = harness();
    for (name, title) in [
        ("carol", Some("b")),
        ("Bob", None),
        ("alice", Some("C")),
        ("dave", None),
        ("eve", Some("a")),
    ] {
        let mut body = json!({"userName": name});
        if let Some(t) = title {
            body["title"] = json!(t);
        }
        h.create("/Users", &body).await;
    }
    let names = |v: &Value| -> Vec<String> {
        column(v, "userName")
            .into_iter()
            .map(Option::unwrap)
            .collect()
    };
    let asc = h.fetch("/Users?sortBy=userName").await;
    assert_eq!(names(&asc), ["alice", "Bob", "carol", "dave", "eve"]);
    let desc = h.fetch("/Users?sortBy=userName&sortOrder=descending").await;
    assert_eq!(names(&desc), ["eve", "dave", "carol", "Bob", "alice"]);

    // title is missing on Bob and dave: last ascending, first descending (RFC 7644 §3.4.2.3).
    let by_title = h.fetch("/Users?sortBy=title").await;
    assert_eq!(
        column(&by_title, "title"),
        [
            Some("a".to_owned()),
            Some("b".to_owned()),
            Some("C".to_owned()),
            None,
            None
        ]
    );
    let by_title_desc = h.fetch("/Users?sortBy=title&sortOrder=descending").await;
    assert_eq!(
        column(&by_title_desc, "title"),
        [
            None,
            None,
            Some("C".to_owned()),
            Some("b".to_owned()),
            Some("a".to_owned())
        ]
    );
    // Sorting and paging compose.
    let page = h.fetch("/Users?sortBy=title&startIndex=3&count=2").await;
    assert_eq!(column(&page, "title"), [Some("C".to_owned()), None]);
}

// ---------------------------------------------------------------------------------------------
// Index and scan agree

/// Filters answered from an index, each with an equivalent one the store must scan for.
fn equivalent_filters(
    user_names: &[&str],
    external_ids: &[&str],
    ids: &[String],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for n in user_names {
        for v in [n.to_string(), n.to_uppercase()] {
            out.push((
                format!("userName eq \"{v}\""),
                format!("not (userName ne \"{v}\")"),
            ));
            // Names below share no prefix, so sw selects the same user.
            out.push((
                format!("userName eq \"{v}\""),
                format!("userName sw \"{v}\" and userName ew \"{v}\""),
            ));
            out.push((
                format!("userName eq \"{v}\" and active eq true"),
                format!("active eq true and (userName eq \"{v}\" or userName eq \"{v}\")"),
            ));
            out.push((
                format!("title eq \"T\" and userName eq \"{v}\""),
                format!("title eq \"T\" and not (userName ne \"{v}\")"),
            ));
        }
    }
    for x in external_ids {
        out.push((
            format!("externalId eq \"{x}\""),
            format!("not (externalId ne \"{x}\") and externalId pr"),
        ));
        // externalId is caseExact (RFC 7643 §3.1).
        let upper = x.to_uppercase();
        out.push((
            format!("externalId eq \"{upper}\""),
            format!("externalId pr and not (externalId ne \"{upper}\")"),
        ));
    }
    for id in ids.iter().flat_map(|i| [i.clone(), i.to_uppercase()]) {
        // id is caseExact: the upper-case form matches nothing, either way.
        out.push((
            format!("id eq \"{id}\""),
            format!("id sw \"{id}\" and id ew \"{id}\""),
        ));
    }
    out
}

async fn assert_index_and_scan_agree(h: &Harness, names: &[&str], externals: &[&str]) {
    let all = h.fetch("/Users").await;
    let mut id_list = ids(&all);
    id_list.push("no-such-id".to_owned());
    for (indexed, scanned) in equivalent_filters(names, externals, &id_list) {
        let a = sorted(h.ids_matching("/Users", &indexed).await);
        let b = sorted(h.ids_matching("/Users", &scanned).await);
        assert_eq!(a, b, "{indexed}  vs  {scanned}");
    }
}

#[tokio::test]
async fn indexed_and_scanned_filters_agree() {
    let h = harness();
    let mut ids_by_name = std::collections::HashMap::new();
    for (name, ext, active, title) in [
        ("alice", Some("x-1"), true, "T"),
        ("bob", Some("x-2"), false, "T"),
        ("carol", Some("x-2"), true, "U"),
        ("dave", None, true, "T"),
        ("Émile", Some("x-4"), true, "T"),
    ] {
        let mut body = json!({"userName": name, "active": active, "title": title});
        if let Some(x) = ext {
            body["externalId"] = json!(x);
        }
        ids_by_name.insert(name, id_of(&h.create("/Users", &body).await));
    }
    // Non-ASCII names fold the same way in the index and in the evaluator.
    let names = ["alice", "bob", "carol", "dave", "erin", "émile"];
    let externals = ["x-1", "x-2", "x-3", "x-4"];
    assert_index_and_scan_agree(&h, &names, &externals).await;
    // A sanity check that the filters select something.
    assert_eq!(
        sorted(h.ids_matching("/Users", "externalId eq \"x-2\"").await),
        sorted(vec![
            ids_by_name["bob"].clone(),
            ids_by_name["carol"].clone()
        ])
    );
    assert_eq!(
        h.ids_matching("/Users", "userName eq \"éMILE\"").await,
        std::slice::from_ref(&ids_by_name["Émile"])
    );
    assert_eq!(
        h.ids_matching("/Users", "userName eq \"ALICE\" and active eq true")
            .await,
        [ids_by_name["alice"].clone()]
    );

    // After renames, externalId changes and deletes, by PATCH (both paths of the store) and PUT.
    let path = |n: &str| format!("/Users/{}", ids_by_name[n]);
    h.patch(
        &path("alice"),
        &json!([{"op": "replace", "path": "userName", "value": "erin"}]),
    )
    .await
    .expect(200);
    h.patch(
        &path("bob"),
        &json!([{"op": "replace", "path": "externalId", "value": "x-3"}]),
    )
    .await
    .expect(200);
    h.put(
        &path("carol"),
        &json!({"userName": "carol", "externalId": "x-1", "active": true, "title": "T"}),
    )
    .await
    .expect(200);
    h.delete(&path("dave")).await;
    assert_index_and_scan_agree(&h, &names, &externals).await;
    assert!(
        h.ids_matching("/Users", "userName eq \"alice\"")
            .await
            .is_empty()
    );
    assert_eq!(
        h.ids_matching("/Users", "userName eq \"erin\"").await,
        [ids_by_name["alice"].clone()]
    );

    // Groups: displayName is indexed.
    let g = id_of(&h.create_group("Admins", &[]).await);
    for v in ["Admins", "admins", "Nope"] {
        let a = h
            .ids_matching("/Groups", &format!("displayName eq \"{v}\""))
            .await;
        let b = h
            .ids_matching("/Groups", &format!("not (displayName ne \"{v}\")"))
            .await;
        assert_eq!(a, b, "{v}");
    }
    assert_eq!(
        h.ids_matching("/Groups", "displayName eq \"ADMINS\"").await,
        [g]
    );
}

#[tokio::test]
async fn external_id_lookups_follow_changes() {
    let h = harness();
    let created = h
        .create("/Users", &json!({"userName": "alice", "externalId": "old"}))
        .await;
    let id = id_of(&created);
    let path = format!("/Users/{id}");
    let find = |x: &str| {
        let h = h.clone();
        let f = format!("externalId eq \"{x}\"");
        async move { h.ids_matching("/Users", &f).await }
    };
    assert_eq!(find("old").await, std::slice::from_ref(&id));

    // PATCH with a path.
    h.patch(
        &path,
        &json!([{"op": "replace", "path": "externalId", "value": "new"}]),
    )
    .await
    .expect(200);
    assert_eq!(find("new").await, std::slice::from_ref(&id));
    assert!(find("old").await.is_empty());

    // Path-less, as Entra ID sends it.
    h.patch(
        &path,
        &json!([{"op": "Replace", "value": {"externalId": "newer"}}]),
    )
    .await
    .expect(200);
    assert_eq!(find("newer").await, std::slice::from_ref(&id));
    assert!(find("new").await.is_empty());

    // Together with a unique attribute (the store's copy-and-commit path).
    h.patch(
        &path,
        &json!([
            {"op": "replace", "path": "userName", "value": "alice2"},
            {"op": "replace", "path": "externalId", "value": "newest"},
        ]),
    )
    .await
    .expect(200);
    assert_eq!(find("newest").await, std::slice::from_ref(&id));
    assert!(find("newer").await.is_empty());

    // Removed, then added back.
    h.patch(&path, &json!([{"op": "remove", "path": "externalId"}]))
        .await
        .expect(200);
    assert!(find("newest").await.is_empty());
    h.patch(
        &path,
        &json!([{"op": "add", "path": "externalId", "value": "again"}]),
    )
    .await
    .expect(200);
    assert_eq!(find("again").await, std::slice::from_ref(&id));

    // By PUT.
    h.put(&path, &json!({"userName": "alice2", "externalId": "put"}))
        .await
        .expect(200);
    assert_eq!(find("put").await, std::slice::from_ref(&id));
    assert!(find("again").await.is_empty());

    // externalId is not unique: another user may share it, and a delete unindexes.
    let other = id_of(
        &h.create("/Users", &json!({"userName": "bob", "externalId": "put"}))
            .await,
    );
    assert_eq!(
        sorted(find("put").await),
        sorted(vec![id.clone(), other.clone()])
    );
    h.delete(&path).await;
    assert_eq!(find("put").await, [other]);

    // Groups have externalId too.
    let g = h
        .create(
            "/Groups",
            &json!({"displayName": "G", "externalId": "g-old"}),
        )
        .await;
    let gpath = format!("/Groups/{}", id_of(&g));
    h.patch(
        &gpath,
        &json!([{"op": "replace", "path": "externalId", "value": "g-new"}]),
    )
    .await
    .expect(200);
    assert_eq!(
        h.ids_matching("/Groups", "externalId eq \"g-new\"").await,
        [id_of(&g)]
    );
    assert!(
        h.ids_matching("/Groups", "externalId eq \"g-old\"")
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_member_additions_all_land() {
    let h = harness();
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(id_of(&h.create_user(&format!("user{i}")).await));
    }
    let g = h.create_group("Everyone", &[]).await;
    let gpath = format!("/Groups/{}", id_of(&g));
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let h = h.clone();
            let gpath = gpath.clone();
            let u = u.clone();
            tokio::spawn(async move {
                h.patch(
                    &gpath,
                    &json!([{"op": "add", "path": "members", "value": [{"value": u}]}]),
                )
                .await
                .status()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let group = h.fetch(&gpath).await;
    assert_eq!(member_ids(&group), sorted(users.clone()));
    for u in &users {
        assert_eq!(
            group_ids(&h.fetch(&format!("/Users/{u}")).await),
            [id_of(&g)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_user_name_give_one_201() {
    let h = harness();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let h = h.clone();
            // The same name in different cases.
            let name = if i % 2 == 0 { "racer" } else { "RACER" };
            tokio::spawn(async move { h.post("/Users", &user(name)).await })
        })
        .collect();
    let mut created = 0;
    let mut conflicts = 0;
    for t in tasks {
        let res = t.await.unwrap();
        if res.status() == 201 {
            created += 1;
        } else {
            res.expect_error(409, Some("uniqueness"));
            conflicts += 1;
        }
    }
    assert_eq!((created, conflicts), (1, 7));
    assert_eq!(h.store.len("User"), 1);
    assert_eq!(h.fetch("/Users").await["totalResults"], 1);
}

/// `manager` is stored as `{"value": id}` (Entra sends a bare id); reads add its `$ref` and
/// the manager's `displayName` (readOnly, RFC 7643 §4.3).
#[tokio::test]
async fn manager_ref_and_display_name_are_derived_on_read() {
    let h = harness();
    let boss = h
        .create(
            "/Users",
            &json!({"userName": "boss", "displayName": "The Boss"}),
        )
        .await;
    let boss_id = id_of(&boss);
    let emp = h.create_user("emp").await;
    let path = format!("/Users/{}", id_of(&emp));
    let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    h.patch(
        &path,
        &json!([{"op": "Add", "path": format!("{urn}:manager"), "value": boss_id}]),
    )
    .await
    .expect(200);
    let got = h.fetch(&path).await;
    let manager = &got[urn]["manager"];
    assert_eq!(manager["value"], boss_id.as_str());
    assert_eq!(
        manager["$ref"],
        format!("http://localhost/scim/v2/Users/{boss_id}").as_str()
    );
    assert_eq!(manager["displayName"], "The Boss");
}
