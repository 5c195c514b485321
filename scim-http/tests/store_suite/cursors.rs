//! Cursor paging (RFC 9865) by keyset: walks forward and back cover every resource once, in
//! the order index paging gives, and stay complete while resources come and go.

use std::collections::HashSet;

use scim_core::message::SortOrder;
use scim_http::{AttrPath, Cursor, ListQuery, Page, SortSpec, scim_core};
use serde_json::json;

use super::{Backend, Env, filter, id, ids, user_body};

/// Users with ties (`Tour`, `tour`) and missing titles, created in this order.
const TITLES: &[(&str, Option<&str>)] = &[
    ("u1", Some("b")),
    ("u2", Some("a")),
    ("u3", None),
    ("u4", Some("B")),
    ("u5", Some("c")),
    ("u6", None),
    ("u7", Some("a")),
    ("x8", Some("b")),
    ("u9", Some("d")),
];

fn sorted_by(attr: &str, order: SortOrder) -> SortSpec {
    SortSpec {
        by: AttrPath::new(attr),
        order,
    }
}

async fn seed(env: &Env) {
    for (name, title) in TITLES {
        let mut body = user_body(name);
        if let Some(t) = title {
            body["title"] = json!(t);
        }
        env.user(body).await;
    }
}

/// The queries walked: unsorted, sorted both ways (with ties and missing values), filtered.
fn queries(env: &Env) -> Vec<(&'static str, ListQuery)> {
    let f = || filter(&env.users, "userName sw \"u\"");
    vec![
        ("unsorted", ListQuery::all()),
        (
            "title ascending",
            ListQuery::all().sort(sorted_by("title", SortOrder::Ascending)),
        ),
        (
            "title descending",
            ListQuery::all().sort(sorted_by("title", SortOrder::Descending)),
        ),
        (
            "userName descending",
            ListQuery::all().sort(sorted_by("userName", SortOrder::Descending)),
        ),
        ("filtered", ListQuery::all().filter(f())),
        (
            "filtered, title descending",
            ListQuery::all()
                .filter(f())
                .sort(sorted_by("title", SortOrder::Descending)),
        ),
    ]
}

async fn page(env: &Env, query: &ListQuery, count: u64, cursor: Cursor) -> Page {
    let q = query.clone().page(1, Some(count)).cursor(cursor);
    env.list(&env.users, &q).await
}

pub(crate) async fn walks_forward_and_back_cover_every_resource_once<B: Backend>(backend: &B) {
    let env = Env::new(backend).await;
    seed(&env).await;
    for (name, query) in queries(&env) {
        let reference = ids(&env.list(&env.users, &query).await);
        for count in [1u64, 2, 4, 20] {
            let case = format!("{name}, count {count}");
            // Forward from the first page.
            let mut pages: Vec<Page> = Vec::new();
            let mut cursor = Cursor::First;
            loop {
                let p = page(&env, &query, count, cursor).await;
                assert_eq!(p.total_results, reference.len() as u64, "{case}");
                let c = p.cursors.clone().expect("a cursor query answers cursors");
                if pages.is_empty() {
                    assert_eq!(c.previous, None, "{case}: the first page has no previous");
                } else {
                    assert!(c.previous.is_some(), "{case}: a later page has a previous");
                }
                let next = c.next.clone();
                if next.is_some() {
                    assert_eq!(p.resources.len() as u64, count, "{case}: a full page");
                }
                pages.push(p);
                match next {
                    Some(n) => cursor = Cursor::After(n),
                    None => break,
                }
                assert!(pages.len() <= reference.len() + 1, "{case}: runaway walk");
            }
            let forward: Vec<String> = pages.iter().flat_map(ids).collect();
            assert_eq!(forward, reference, "{case}: forward");
            // Back from the last page.
            let mut back: Vec<Vec<String>> = vec![ids(pages.last().expect("a page"))];
            let mut previous = pages.last().and_then(|p| p.cursors.clone()?.previous);
            while let Some(p) = previous {
                let got = page(&env, &query, count, Cursor::Before(p)).await;
                let c = got.cursors.clone().expect("cursors");
                assert!(c.next.is_some(), "{case}: a page before another has a next");
                back.push(ids(&got));
                previous = c.previous;
                assert!(back.len() <= reference.len() + 1, "{case}: runaway walk");
            }
            back.reverse();
            assert_eq!(back.concat(), reference, "{case}: backward");
            assert_eq!(back.len(), pages.len(), "{case}: the same pages");
        }
    }
}

pub(crate) async fn empty_results_and_count_zero_have_no_cursors<B: Backend>(backend: &B) {
    let env = Env::new(backend).await;
    let empty = page(&env, &ListQuery::all(), 5, Cursor::First).await;
    assert_eq!(empty.total_results, 0);
    assert!(empty.resources.is_empty());
    let c = empty.cursors.expect("a cursor query answers cursors");
    assert_eq!((c.previous, c.next), (None, None));
    seed(&env).await;
    let zero = page(&env, &ListQuery::all(), 0, Cursor::First).await;
    assert_eq!(zero.total_results, TITLES.len() as u64);
    assert!(zero.resources.is_empty());
    let c = zero.cursors.expect("cursors");
    assert_eq!((c.previous, c.next), (None, None));
    // One page holds everything: no cursor either way.
    let all = page(&env, &ListQuery::all(), 50, Cursor::First).await;
    assert_eq!(all.resources.len(), TITLES.len());
    let c = all.cursors.expect("cursors");
    assert_eq!((c.previous, c.next), (None, None));
}

pub(crate) async fn walks_survive_concurrent_creates_and_deletes<B: Backend>(backend: &B) {
    for (name, sort) in [
        ("unsorted", None),
        (
            "userName descending",
            Some(sorted_by("userName", SortOrder::Descending)),
        ),
        (
            "title ascending",
            Some(sorted_by("title", SortOrder::Ascending)),
        ),
    ] {
        let env = Env::new(backend).await;
        let mut all = Vec::new();
        for i in 0..12 {
            let mut body = user_body(&format!("m{i:02}"));
            if i % 3 != 0 {
                body["title"] = json!(format!("t{}", i % 4));
            }
            all.push(id(&env.user(body).await));
        }
        let mut query = ListQuery::all();
        if let Some(s) = sort {
            query = query.sort(s);
        }
        let mut seen: Vec<String> = Vec::new();
        let mut deleted: HashSet<String> = HashSet::new();
        let mut cursor = Cursor::First;
        let mut round = 0;
        loop {
            let p = page(&env, &query, 3, cursor).await;
            seen.extend(ids(&p));
            // Between pages: delete one resource seen and one not yet seen, create two
            // (which sort anywhere).
            let unseen = all
                .iter()
                .find(|i| !seen.contains(i) && !deleted.contains(*i))
                .cloned();
            for victim in [seen.first().cloned(), unseen].into_iter().flatten() {
                if deleted.insert(victim.clone()) {
                    env.store
                        .delete(&env.users, &victim, scim_http::Precondition::Any)
                        .await
                        .expect("delete");
                }
            }
            for j in 0..2 {
                env.user(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("n{round}{j}"),
                    "title": format!("t{j}"),
                }))
                .await;
            }
            round += 1;
            match p.cursors.and_then(|c| c.next) {
                Some(n) => cursor = Cursor::After(n),
                None => break,
            }
            assert!(round < 50, "{name}: runaway walk");
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{name}: a resource was repeated");
        for id in all.iter().filter(|i| !deleted.contains(*i)) {
            assert!(seen.contains(id), "{name}: {id} was skipped");
        }
    }
}
