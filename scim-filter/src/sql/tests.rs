//! Unit tests of the SQL translator.

use scim_core::{ResourceType, ScimError};

use super::*;
use crate::ast::Filter;

fn mapping() -> SqlMapping {
    SqlMapping::builder(ResourceType::user())
        .column("id", "id")
        .column("userName", "user_name")
        .column("title", "title")
        .column("active", "active")
        .column("name.givenName", "given_name")
        .column("name.familyName", "family_name")
        .column("meta.lastModified", "last_modified")
        .column(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "emp",
        )
        .multi_valued(
            "emails",
            MultiValued::new("emails")
                .on("emails.user_id = users.id")
                .column("value", "emails.value")
                .column("TYPE", "emails.type")
                .column("primary", "emails.is_primary"),
        )
        .build()
        .unwrap()
}

fn sql(filter: &str, dialect: Dialect) -> SqlWhere {
    mapping()
        .translate(&Filter::parse(filter).unwrap(), dialect)
        .unwrap()
}

#[test]
fn translates_each_form() {
    use Dialect::{Postgres as P, Sqlite as S};
    let cases = [
        (r#"userName eq "A""#, S, "lower(user_name) = ?"),
        (r#"id eq "A""#, P, "id = $1"),
        (r#"id co "a%b""#, S, "id GLOB ?"),
        (r#"id sw "a""#, P, r"id LIKE $1 ESCAPE '\'"),
        (r#"title ew "x""#, S, r"lower(title) LIKE ? ESCAPE '\'"),
        (r#"title gt "x""#, P, r#"lower(title) COLLATE "C" > $1"#),
        ("title pr", S, "(title IS NOT NULL AND title <> '')"),
        (
            "title eq null",
            S,
            "NOT ((title IS NOT NULL AND title <> ''))",
        ),
        ("active ne null", P, "active IS NOT NULL"),
        ("active eq true", S, "active = ?"),
        ("active eq true", P, "active = $1::boolean"),
        (
            r#"meta.lastModified ge "2011-05-13T06:42:34+02:00""#,
            S,
            "julianday(last_modified) >= julianday(?)",
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            P,
            "last_modified < $1::text::timestamptz",
        ),
        ("meta.lastModified pr", P, "last_modified IS NOT NULL"),
        (
            r#"not (title eq "x")"#,
            S,
            "NOT COALESCE(lower(title) = ?, 0)",
        ),
        (
            r#"not (title eq "x" or emails pr)"#,
            P,
            "NOT COALESCE(lower(title) = $1 OR EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id), FALSE)",
        ),
        (
            r#"title eq "a" and (id eq "b" or id eq "c")"#,
            S,
            "lower(title) = ? AND (id = ? OR id = ?)",
        ),
        (
            r#"emails co "x""#,
            S,
            r"EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id AND lower(emails.value) LIKE ? ESCAPE '\')",
        ),
        (
            r#"emails[type eq "work" or primary eq true]"#,
            P,
            "EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id AND (lower(emails.type) = $1 OR emails.is_primary = $2::boolean))",
        ),
        (
            "emails.type pr",
            S,
            "EXISTS (SELECT 1 FROM emails WHERE emails.user_id = users.id AND (emails.type IS NOT NULL AND emails.type <> ''))",
        ),
        (
            "name pr",
            S,
            "(family_name IS NOT NULL OR given_name IS NOT NULL)",
        ),
        (
            r#"name[givenName eq "b"]"#,
            S,
            "(family_name IS NOT NULL OR given_name IS NOT NULL) AND lower(given_name) = ?",
        ),
        (r#"employeeNumber eq "7""#, S, "lower(emp) = ?"),
    ];
    for (filter, dialect, want) in cases {
        assert_eq!(sql(filter, dialect).sql, want, "{filter} ({dialect:?})");
    }
}

#[test]
fn values_are_bound_escaped_and_converted() {
    let w = sql(
        r#"title co "50%_off\\" and id ew "a*b?[c]" and userName eq "ÄB""#,
        Dialect::Sqlite,
    );
    assert_eq!(
        w.params,
        [
            SqlParam::Text(r"%50\%\_off\\%".into()),
            SqlParam::Text("*a[*]b[?][[]c]".into()),
            SqlParam::Text("äb".into()),
        ]
    );
    let w = sql(
        r#"meta.lastModified gt "2011-05-13T06:42:34.50+02:00" and active eq "False""#,
        Dialect::Postgres,
    );
    assert_eq!(
        w.params,
        [
            SqlParam::Text("2011-05-13T04:42:34.5Z".into()),
            SqlParam::Bool(false),
        ]
    );
    assert_eq!(
        w.sql,
        "last_modified > $1::text::timestamptz AND active = $2::boolean"
    );
}

#[test]
fn mappings_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SqlMapping>();
    assert_send_sync::<SqlWhere>();
    assert_send_sync::<SqlError>();
}

#[test]
fn long_chains_are_grouped() {
    let w = mapping()
        .translate(
            &Filter::parse_with(
                &vec![r#"id eq "x""#; 130].join(" or "),
                &crate::options::ParseOptions::DEFAULT,
            )
            .unwrap(),
            Dialect::Sqlite,
        )
        .unwrap();
    let run = vec!["id = ?"; 64].join(" OR ");
    assert_eq!(w.sql, format!("({run}) OR ({run}) OR (id = ? OR id = ?)"));
    assert_eq!(w.params.len(), 130);
}

#[test]
fn errors() {
    let m = mapping();
    let err = |f: &str| {
        m.translate(&Filter::parse(f).unwrap(), Dialect::Sqlite)
            .unwrap_err()
    };
    assert_eq!(
        err("nickName pr"),
        SqlError::Unmapped {
            path: "nickName".into()
        }
    );
    assert_eq!(
        err(r#"phoneNumbers[type eq "work"]"#),
        SqlError::Unmapped {
            path: "phoneNumbers".into()
        }
    );
    assert_eq!(
        err(r#"emails[display eq "x"]"#),
        SqlError::Unmapped {
            path: "emails.display".into()
        }
    );
    assert_eq!(
        err(r#"name.formatted eq "x""#),
        SqlError::Unmapped {
            path: "name.formatted".into()
        }
    );
    for f in [
        r#"nope eq "x""#,
        r#"emails[nope eq "x"]"#,
        "active gt true",
        "userName eq 1",
        r#"meta.lastModified gt "soon""#,
        r#"name eq "x""#,
        r#"userName[value eq "x"]"#,
        "title lt null",
    ] {
        let e = err(f);
        assert!(matches!(e, SqlError::Filter(_)), "{f}: {e:?}");
        let scim: ScimError = e.into();
        assert_eq!(
            scim.scim_type(),
            Some(scim_core::ScimType::InvalidFilter),
            "{f}"
        );
    }
    let scim: ScimError = err("nickName pr").into();
    assert_eq!(scim.scim_type(), Some(scim_core::ScimType::InvalidFilter));
    assert!(scim.detail().contains("nickName"), "{}", scim.detail());
}

#[test]
fn invalid_mappings_are_reported_by_build() {
    let ty = ResourceType::user();
    let cases = [
        SqlMapping::builder(ty.clone()).column("nope", "x"),
        SqlMapping::builder(ty.clone()).column("id", Column::case_insensitive("x")),
        SqlMapping::builder(ty.clone()).column("active", Column::case_insensitive("x")),
        SqlMapping::builder(ty.clone()).multi_valued("userName", MultiValued::new("t")),
        SqlMapping::builder(ty.clone()).multi_valued("emails.value", MultiValued::new("t")),
        SqlMapping::builder(ty.clone())
            .multi_valued("emails", MultiValued::new("t").column("nope", "x")),
        SqlMapping::builder(ty.clone())
            .multi_valued("schemas", MultiValued::new("t").column("nope", "x")),
    ];
    for (i, builder) in cases.into_iter().enumerate() {
        let err = builder.column("userName", "u").build().unwrap_err();
        assert!(matches!(err, SqlError::Mapping { .. }), "case {i}: {err:?}");
        let scim: ScimError = err.into();
        assert_eq!(scim.status(), 500);
    }
    let ok = SqlMapping::builder(ty)
        .column("USERNAME", Column::case_insensitive("u"))
        .multi_valued("schemas", MultiValued::new("s").column("VALUE", "s.v"))
        .build()
        .unwrap();
    let w = ok
        .translate(
            &Filter::parse(r#"schemas eq "urn:X""#).unwrap(),
            Dialect::Sqlite,
        )
        .unwrap();
    assert_eq!(w.sql, "EXISTS (SELECT 1 FROM s WHERE lower(s.v) = ?)");
    let w = ok
        .translate(
            &Filter::parse(r#"username sw "Ab""#).unwrap(),
            Dialect::Postgres,
        )
        .unwrap();
    assert_eq!(w.sql, r"u LIKE $1 ESCAPE '\'");
    assert_eq!(w.params, [SqlParam::Text("ab%".into())]);
}
