//! `list`: filters, sorting (RFC 7644 §3.4.2.3) and paging (§3.4.2.4).

use std::collections::HashMap;

use scim_core::message::SortOrder;
use scim_http::{AttrPath, ListQuery, Page, Precondition, SortSpec, scim_core};
use serde_json::{Value, json};

use super::{Backend, Env, filter, id, ids, sorted, user_body};

/// A user of the filter table.
struct Person {
    user_name: &'static str,
    external_id: Option<&'static str>,
    display_name: Option<&'static str>,
    title: Option<&'static str>,
    /// (type, value)
    emails: &'static [(&'static str, &'static str)],
}

const PEOPLE: &[Person] = &[
    Person {
        user_name: "bjensen",
        external_id: Some("ext-1"),
        display_name: Some("Barbara Jensen"),
        title: Some("Tour Guide"),
        emails: &[("work", "bjensen@example.com"), ("home", "babs@jensen.org")],
    },
    Person {
        user_name: "jsmith",
        external_id: Some("ext-2"),
        display_name: Some("John Smith"),
        title: None,
        emails: &[("home", "john@smith.org")],
    },
    Person {
        user_name: "mjensen",
        external_id: None,
        display_name: Some("Mads JENSEN"),
        title: Some("Engineer"),
        emails: &[("work", "mads@example.org")],
    },
    Person {
        user_name: "nobody",
        external_id: Some("EXT-1"),
        display_name: None,
        title: None,
        emails: &[],
    },
];

impl Person {
    fn body(&self) -> Value {
        let mut body = user_body(self.user_name);
        if let Some(x) = self.external_id {
            body["externalId"] = json!(x);
        }
        if let Some(d) = self.display_name {
            body["displayName"] = json!(d);
        }
        if let Some(t) = self.title {
            body["title"] = json!(t);
        }
        if !self.emails.is_empty() {
            body["emails"] = self
                .emails
                .iter()
                .map(|(t, v)| json!({"type": t, "value": v}))
                .collect();
        }
        body
    }
}

/// Each filter selects exactly the expected users, whether the store answers it from an
/// index or by a scan.
pub(crate) async fn filters_select_exactly_the_matching_resources(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let mut by_name = HashMap::new();
    for p in PEOPLE {
        let user = env.user(p.body()).await;
        by_name.insert(p.user_name, id(&user));
    }
    let bjensen_id = by_name["bjensen"].clone();
    let id_filter = format!("id eq \"{bjensen_id}\"");
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "bjensen""#, &["bjensen"]),
        // userName is caseExact false: the value's case does not matter.
        (r#"userName eq "BJensen""#, &["bjensen"]),
        (r#"userName eq "NOBODY""#, &["nobody"]),
        (r#"userName eq "nobody-at-all""#, &[]),
        (r#"userName ne "bjensen""#, &["jsmith", "mjensen", "nobody"]),
        (&id_filter, &["bjensen"]),
        // externalId is caseExact true.
        (r#"externalId eq "ext-1""#, &["bjensen"]),
        (r#"externalId eq "EXT-1""#, &["nobody"]),
        (r#"externalId eq "ext-3""#, &[]),
        (r#"displayName co "jensen""#, &["bjensen", "mjensen"]),
        (r#"displayName sw "j""#, &["jsmith"]),
        (r#"title pr"#, &["bjensen", "mjensen"]),
        (r#"emails[type eq "work"]"#, &["bjensen", "mjensen"]),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            &["bjensen"],
        ),
        (r#"emails.value co "smith""#, &["jsmith"]),
        (
            r#"not (userName eq "bjensen")"#,
            &["jsmith", "mjensen", "nobody"],
        ),
        (r#"not (title pr)"#, &["jsmith", "nobody"]),
        (
            r#"userName eq "jsmith" or externalId eq "ext-1""#,
            &["bjensen", "jsmith"],
        ),
        (
            r#"userName eq "bjensen" and title eq "tour guide""#,
            &["bjensen"],
        ),
        (
            r#"(displayName co "jensen" or userName eq "nobody") and not (emails[type eq "home"])"#,
            &["mjensen", "nobody"],
        ),
        (
            r#"meta.resourceType eq "User""#,
            &["bjensen", "jsmith", "mjensen", "nobody"],
        ),
    ];
    for (text, want) in cases {
        let q = ListQuery::all().filter(filter(&env.users, text));
        let page = env.list(&env.users, &q).await;
        let want_ids: Vec<String> = want.iter().map(|n| by_name[n].clone()).collect();
        assert_eq!(sorted(&ids(&page)), sorted(&want_ids), "filter {text}");
        assert_eq!(page.total_results, want.len() as u64, "filter {text}");
    }
    // Lookups follow changes of externalId and userName.
    let jsmith = &by_name["jsmith"];
    env.patch(
        &env.users,
        jsmith,
        json!([{"op": "replace", "value": {"externalId": "ext-9", "userName": "john"}}]),
        Precondition::Any,
    )
    .await
    .unwrap();
    for (text, want) in [
        (r#"externalId eq "ext-2""#, vec![]),
        (r#"externalId eq "ext-9""#, vec![jsmith.clone()]),
        (r#"userName eq "jsmith""#, vec![]),
        (r#"userName eq "JOHN""#, vec![jsmith.clone()]),
    ] {
        let q = ListQuery::all().filter(filter(&env.users, text));
        assert_eq!(ids(&env.list(&env.users, &q).await), want, "filter {text}");
    }
    env.patch(
        &env.users,
        jsmith,
        json!([{"op": "remove", "path": "externalId"}]),
        Precondition::Any,
    )
    .await
    .unwrap();
    let q = ListQuery::all().filter(filter(&env.users, r#"externalId eq "ext-9""#));
    assert_eq!(env.list(&env.users, &q).await.total_results, 0);
    env.store
        .delete(&env.users, &by_name["mjensen"], Precondition::Any)
        .await
        .unwrap();
    let q = ListQuery::all().filter(filter(&env.users, r#"displayName co "jensen""#));
    assert_eq!(ids(&env.list(&env.users, &q).await), [bjensen_id.as_str()]);

    // Groups filter on their own attributes.
    let g = env.group("Jensen Family", &[&bjensen_id]).await;
    env.group("Smiths", &[]).await;
    let q = ListQuery::all().filter(filter(&env.groups, r#"displayName co "JENSEN""#));
    assert_eq!(ids(&env.list(&env.groups, &q).await), [id(&g)]);
    let q = ListQuery::all().filter(filter(&env.groups, r#"displayName eq "jensen family""#));
    assert_eq!(ids(&env.list(&env.groups, &q).await), [id(&g)]);
}

fn sort(by: &str, order: SortOrder) -> SortSpec {
    let by = AttrPath::parse(by).unwrap_or_else(|e| panic!("sortBy {by}: {e}"));
    SortSpec { by, order }
}

/// A page's values of a top-level string attribute, in order.
fn column(page: &Page, attr: &str) -> Vec<Option<String>> {
    page.resources
        .iter()
        .map(|r| r.get(attr).and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn some(items: &[&str]) -> Vec<Option<String>> {
    items.iter().map(|s| Some((*s).to_owned())).collect()
}

/// Ascending and descending order, case-insensitive for `caseExact: false` attributes;
/// resources without a value sort last ascending and first descending (the order of
/// `scim_http::SortKey`, which the server uses to merge stores' pages).
pub(crate) async fn sorting_orders_values_and_puts_missing_last(backend: &impl Backend) {
    let env = Env::new(backend).await;
    for (name, title) in [
        ("carol", Some("b")),
        ("Bob", None),
        ("alice", Some("C")),
        ("dave", None),
        ("eve", Some("a")),
    ] {
        let mut body = user_body(name);
        if let Some(t) = title {
            body["title"] = json!(t);
        }
        env.user(body).await;
    }
    let list = |by: &str, order| ListQuery::all().sort(sort(by, order));
    let asc = env
        .list(&env.users, &list("userName", SortOrder::Ascending))
        .await;
    assert_eq!(asc.total_results, 5);
    assert_eq!(
        column(&asc, "userName"),
        some(&["alice", "Bob", "carol", "dave", "eve"])
    );
    let desc = env
        .list(&env.users, &list("userName", SortOrder::Descending))
        .await;
    assert_eq!(
        column(&desc, "userName"),
        some(&["eve", "dave", "carol", "Bob", "alice"])
    );

    let by_title = env
        .list(&env.users, &list("title", SortOrder::Ascending))
        .await;
    let mut want = some(&["a", "b", "C"]);
    want.extend([None, None]);
    assert_eq!(column(&by_title, "title"), want, "missing values last");
    let by_title = env
        .list(&env.users, &list("title", SortOrder::Descending))
        .await;
    let mut want = vec![None, None];
    want.extend(some(&["C", "b", "a"]));
    assert_eq!(
        column(&by_title, "title"),
        want,
        "missing values first descending"
    );

    // Sorting, filtering and paging compose.
    let q = list("title", SortOrder::Ascending)
        .filter(filter(&env.users, r#"userName ne "eve""#))
        .page(2, Some(2));
    let page = env.list(&env.users, &q).await;
    assert_eq!(page.total_results, 4);
    assert_eq!(column(&page, "title"), vec![Some("C".to_owned()), None]);
}

/// Walks every page of `query` with `count` per page; asserts a constant total.
async fn walk(env: &Env, query: &ListQuery, count: u64, total: u64) -> Vec<String> {
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let q = query.clone().page(start, Some(count));
        let page = env.list(&env.users, &q).await;
        assert_eq!(
            page.total_results, total,
            "startIndex {start}, count {count}"
        );
        assert!(page.resources.len() as u64 <= count);
        if page.resources.is_empty() {
            break;
        }
        start += page.resources.len() as u64;
        seen.extend(ids(&page));
    }
    seen
}

/// Paging: `totalResults` is the same on every page, pages are disjoint and together
/// complete, a `startIndex` past the end gives an empty page with the right total, and
/// `count` 0 gives only the total.
pub(crate) async fn paging_is_consistent_and_complete(backend: &impl Backend) {
    let env = Env::new(backend).await;
    let mut all = Vec::new();
    // Names out of alphabetical order: any stable order will do, not just creation order.
    for name in ["m", "c", "x", "a", "q", "b", "z"] {
        let mut body = user_body(name);
        if name < "n" {
            body["title"] = json!("early");
        }
        all.push(id(&env.user(body).await));
    }
    let n = all.len() as u64;
    let early = ListQuery::all().filter(filter(&env.users, r#"title eq "early""#));
    let by_name = ListQuery::all().sort(sort("userName", SortOrder::Ascending));
    let whole = env.list(&env.users, &ListQuery::all()).await;
    assert_eq!(
        (whole.total_results, sorted(&ids(&whole))),
        (n, sorted(&all))
    );
    let name_order = ids(&env.list(&env.users, &by_name).await);

    for count in [1, 2, 3, 7, 10] {
        let seen = walk(&env, &ListQuery::all(), count, n).await;
        assert_eq!(
            seen.len(),
            all.len(),
            "pages overlap or miss (count {count}): {seen:?}"
        );
        assert_eq!(sorted(&seen), sorted(&all), "count {count}");
        // Without a sort key the order is still stable between requests.
        assert_eq!(seen, ids(&whole), "count {count}");
        assert_eq!(
            walk(&env, &by_name, count, n).await,
            name_order,
            "count {count}"
        );
        let filtered = walk(&env, &early, count, 4).await;
        assert_eq!(filtered.len(), 4, "count {count}");
        assert_eq!(
            sorted(&filtered),
            sorted(&[&all[0], &all[1], &all[3], &all[5]]),
            "count {count}"
        );
    }

    for start in [n + 1, n + 100] {
        for q in [ListQuery::all(), by_name.clone()] {
            let page = env.list(&env.users, &q.page(start, Some(3))).await;
            assert_eq!(
                (page.total_results, page.resources.len()),
                (n, 0),
                "startIndex {start}"
            );
        }
        let page = env.list(&env.users, &early.clone().page(start, None)).await;
        assert_eq!((page.total_results, page.resources.len()), (4, 0));
    }
    for q in [ListQuery::all(), by_name.clone(), early.clone()] {
        let page = env.list(&env.users, &q.clone().page(1, Some(0))).await;
        let total = if q.filter.is_some() { 4 } else { n };
        assert_eq!(
            (page.total_results, page.resources.len()),
            (total, 0),
            "count 0"
        );
        let page = env.list(&env.users, &q.page(3, Some(0))).await;
        assert_eq!(
            (page.total_results, page.resources.len()),
            (total, 0),
            "count 0"
        );
    }
    // No count: the rest from startIndex.
    let rest = env.list(&env.users, &ListQuery::all().page(3, None)).await;
    assert_eq!(ids(&rest), ids(&whole)[2..]);
    assert_eq!(rest.total_results, n, "no count, startIndex 3");
}
