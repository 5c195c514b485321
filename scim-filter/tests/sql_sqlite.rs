//! The SQL translator against a real SQLite database: for every filter of a table, the rows the
//! generated `WHERE` clause selects are the users that in-memory evaluation
//! (`Filter::compile` + `Matcher::matches`) accepts, on a fixture of varied users stored both
//! ways, in SQLite as plain columns, through `COLLATE NOCASE` and as JSON. Also: PostgreSQL
//! output, errors, placeholders only, and an 8,000-term `or`.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions fail loudly"
)]

use std::collections::BTreeSet;
use std::convert::Infallible;

use scim_core::{ResourceType, ScimError, ScimType};
use scim_filter::{
    AttrPath, CompValue, CompareOp, Dialect, Filter, FilterVisitor, ParseOptions, SqlError,
    SqlParam,
};

#[path = "sql_sqlite/fixture.rs"]
mod fixture;

use fixture::*;

#[test]
fn sqlite_selects_what_memory_matches() {
    let db = database();
    let mappings = [
        ("native", native_mapping()),
        ("nocase", nocase_mapping()),
        ("json", json_mapping()),
    ];
    let mut distinct = BTreeSet::new();
    for text in FILTERS {
        let filter = Filter::parse(text).unwrap();
        let want = in_memory(&filter);
        distinct.insert(want.clone());
        for (name, mapping) in &mappings {
            let w = mapping.translate(&filter, Dialect::Sqlite).unwrap();
            assert_eq!(
                select(&db, &w),
                want,
                "{text}\n  {name}: {}\n  {:?}",
                w.sql,
                w.params
            );
            // A resolved filter translates the same way.
            let resolved = filter.resolve(&ResourceType::user()).unwrap();
            assert_eq!(mapping.translate(&resolved, Dialect::Sqlite).unwrap(), w);
        }
    }
    // The table discriminates: most filters select a different set of users.
    assert!(distinct.len() > 50, "{}", distinct.len());
    assert!(distinct.iter().any(BTreeSet::is_empty));
    assert!(distinct.iter().any(|s| s.len() == USERS.len()));
}

/// Collects the string values of a filter, value paths included.
struct Strings(Vec<String>);

impl FilterVisitor for Strings {
    type Output = ();
    type Error = Infallible;

    fn compare(&mut self, _: &AttrPath, _: CompareOp, value: &CompValue) -> Result<(), Infallible> {
        if let CompValue::String(s) = value {
            self.0.push(s.clone());
        }
        Ok(())
    }
    fn present(&mut self, _: &AttrPath) -> Result<(), Infallible> {
        Ok(())
    }
    fn and(&mut self, _: Vec<()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn or(&mut self, _: Vec<()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn not(&mut self, _: ()) -> Result<(), Infallible> {
        Ok(())
    }
    fn value_path(&mut self, _: &AttrPath, inner: &Filter) -> Result<(), Infallible> {
        inner.accept(self)
    }
}

#[test]
fn values_are_only_ever_bound() {
    for (mapping, dialect) in [
        (native_mapping(), Dialect::Sqlite),
        (native_mapping(), Dialect::Postgres),
        (nocase_mapping(), Dialect::Sqlite),
    ] {
        for text in FILTERS {
            let filter = Filter::parse(text).unwrap();
            let w = mapping.translate(&filter, dialect).unwrap();
            let mut strings = Strings(Vec::new());
            filter.accept(&mut strings).unwrap();
            for s in strings.0.iter().filter(|s| s.len() > 1) {
                assert!(!w.sql.contains(s.as_str()), "{text}: {s:?} in {}", w.sql);
            }
            // The only quotes are the translator's own literals.
            let stripped = w.sql.replace(r"ESCAPE '\'", "").replace("<> ''", "");
            assert!(!stripped.contains('\''), "{text}: {}", w.sql);
            let placeholders = match dialect {
                Dialect::Sqlite => w.sql.matches('?').count(),
                _ => w.sql.matches('$').count(),
            };
            assert_eq!(placeholders, w.params.len(), "{text}: {}", w.sql);
        }
    }
}

#[test]
fn postgres_text_and_params() {
    let m = native_mapping();
    let pg = |f: &str| {
        m.translate(&Filter::parse(f).unwrap(), Dialect::Postgres)
            .unwrap()
    };

    let w = pg(r#"userName eq "BJensen" and active eq true"#);
    assert_eq!(
        w.sql,
        "lower(users.user_name) = $1 AND users.active = $2::boolean"
    );
    assert_eq!(
        w.params,
        [SqlParam::Text("bjensen".into()), SqlParam::Bool(true)]
    );

    let w = pg(r#"title co "50%_" or externalId sw "B*""#);
    assert_eq!(
        w.sql,
        r"lower(users.title) LIKE $1 ESCAPE '\' OR users.external_id LIKE $2 ESCAPE '\'"
    );
    assert_eq!(
        w.params,
        [
            SqlParam::Text(r"%50\%\_%".into()),
            SqlParam::Text("B*%".into())
        ]
    );

    let w = pg(r#"meta.lastModified gt "2011-05-13T06:42:34+02:00" and not (title eq "x")"#);
    assert_eq!(
        w.sql,
        "users.last_modified > $1::text::timestamptz AND NOT COALESCE(lower(users.title) = $2, FALSE)"
    );
    assert_eq!(
        w.params,
        [
            SqlParam::Text("2011-05-13T04:42:34Z".into()),
            SqlParam::Text("x".into())
        ]
    );

    let w = pg(r#"emails[type eq "work" and value co "@x"] or externalId gt "a""#);
    assert_eq!(
        w.sql,
        "EXISTS (SELECT 1 FROM emails AS e WHERE e.user_id = users.id AND lower(e.type) = $1 AND lower(e.value) LIKE $2 ESCAPE '\\') OR users.external_id COLLATE \"C\" > $3"
    );
    assert_eq!(
        w.params,
        [
            SqlParam::Text("work".into()),
            SqlParam::Text("%@x%".into()),
            SqlParam::Text("a".into())
        ]
    );

    let w = pg("title eq null or emails eq null");
    assert_eq!(
        w.sql,
        "NOT ((users.title IS NOT NULL AND users.title <> '')) OR NOT (EXISTS (SELECT 1 FROM emails AS e WHERE e.user_id = users.id AND (e.value IS NOT NULL AND e.value <> '')))"
    );
    assert!(w.params.is_empty());
}

#[test]
fn unmapped_and_invalid_filters_are_invalid_filter_errors() {
    let m = native_mapping();
    let err = |f: &str| {
        m.translate(&Filter::parse(f).unwrap(), Dialect::Sqlite)
            .unwrap_err()
    };
    let e = err(r#"nickName eq "x""#);
    assert_eq!(
        e,
        SqlError::Unmapped {
            path: "nickName".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "filtering on nickName is not supported: it is not mapped to a database column"
    );
    let scim = ScimError::from(e);
    assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter));
    assert_eq!(scim.status(), 400);

    assert_eq!(
        err(r#"phoneNumbers[type eq "work"]"#),
        SqlError::Unmapped {
            path: "phoneNumbers".into()
        }
    );
    assert_eq!(
        err(r#"emails.display eq "x""#),
        SqlError::Unmapped {
            path: "emails.display".into()
        }
    );
    assert_eq!(
        err(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#),
        SqlError::Unmapped {
            path: format!("{ENTERPRISE}:manager.value")
        }
    );
    // `manager eq` compares `manager.value`.
    assert_eq!(
        err(r#"manager eq "x""#),
        SqlError::Unmapped {
            path: format!("{ENTERPRISE}:manager.value")
        }
    );

    for f in [
        r#"nope eq "x""#,
        "active gt true",
        r#"meta.lastModified co "2011""#,
        r#"emails[nope pr]"#,
    ] {
        let e = err(f);
        assert!(matches!(e, SqlError::Filter(_)), "{f}: {e:?}");
        assert_eq!(
            ScimError::from(e).scim_type(),
            Some(ScimType::InvalidFilter),
            "{f}"
        );
        // The same filters fail `resolve`, which a server applies first.
        assert!(
            Filter::parse(f)
                .unwrap()
                .resolve(&ResourceType::user())
                .is_err()
        );
    }
}

#[test]
fn an_8000_term_or_translates_and_runs() {
    let mut terms: Vec<String> = (0..8_000)
        .map(|i| format!(r#"userName eq "user{i:05}@example.com""#))
        .collect();
    terms[4_321] = r#"userName eq "EVE""#.to_owned();
    terms.push(r#"emails[value eq "dave@example.com"]"#.to_owned());
    let text = terms.join(" or ");
    let options = ParseOptions {
        max_len: 1 << 20,
        ..ParseOptions::DEFAULT
    };
    let filter = Filter::parse_with(&text, &options).unwrap();
    let m = native_mapping();
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let w = m.translate(&filter, dialect).unwrap();
        assert_eq!(w.params.len(), 8_001);
        assert_eq!(w.params[4_321], SqlParam::Text("eve".into()));
        if dialect == Dialect::Postgres {
            assert!(w.sql.contains("$8001"));
        } else {
            // SQLite accepts it: long chains are grouped below its expression depth limit.
            let ids = select(&database(), &w);
            assert_eq!(ids, BTreeSet::from(["u07".to_owned(), "u08".to_owned()]));
        }
    }
    drop(filter); // Filter's Drop is iterative.
}

#[test]
fn the_index_helper_feeds_a_lookup() {
    // What a store does with the Entra/Okta query: look up the indexed equality, then check
    // the rest of the filter on the candidates.
    let filter = Filter::parse(r#"active eq true and userName eq "HEIDI""#)
        .unwrap()
        .resolve(&ResourceType::user())
        .unwrap();
    let (path, value) = filter.index_lookup(&["userName", "externalId"]).unwrap();
    assert_eq!(path.to_string(), "userName");
    let CompValue::String(name) = value else {
        panic!("{value:?}")
    };
    let db = database();
    let candidates: Vec<String> = db
        .prepare("SELECT id FROM users WHERE lower(user_name) = lower(?)")
        .unwrap()
        .query_map([name], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(candidates, ["u11"]);
    let matcher = filter.compile(&ResourceType::user()).unwrap();
    let matched: Vec<&U> = USERS
        .iter()
        .filter(|u| candidates.iter().any(|c| c == u.id) && matcher.matches(&u.resource()))
        .collect();
    assert_eq!(matched.len(), 1);
}
