//! The fixture of `sql_sqlite.rs`: the users, the SQLite database holding them, the three
//! mappings of that storage, the table of filters, and helpers to run a clause and to evaluate
//! a filter in memory.

use std::collections::BTreeSet;

use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use scim_core::{Resource, ResourceType};
use scim_filter::{Column, Filter, MultiValued, SqlMapping, SqlParam, SqlWhere};
use serde_json::{Map, Value, json};

pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// One fixture user: every field optional but the id and userName.
#[derive(Clone, Copy)]
pub(crate) struct U {
    pub(crate) id: &'static str,
    user_name: &'static str,
    display_name: Option<&'static str>,
    title: Option<&'static str>,
    active: Option<bool>,
    external_id: Option<&'static str>,
    given_name: Option<&'static str>,
    family_name: Option<&'static str>,
    last_modified: Option<&'static str>,
    employee_number: Option<&'static str>,
    department: Option<&'static str>,
    /// (value, type, primary)
    emails: &'static [(Option<&'static str>, Option<&'static str>, Option<bool>)],
}

/// ASCII only: SQLite folds ASCII case only (a documented difference).
pub(crate) const USERS: &[U] = &[
    U {
        id: "u01",
        user_name: "bjensen",
        display_name: Some("Babs Jensen"),
        title: Some("Tour Guide"),
        active: Some(true),
        external_id: Some("701984"),
        given_name: Some("Barbara"),
        family_name: Some("Jensen"),
        last_modified: Some("2011-05-13T04:42:34Z"),
        employee_number: Some("701984"),
        department: Some("Tour Operations"),
        emails: &[
            (Some("bjensen@example.com"), Some("work"), Some(true)),
            (Some("babs@jensen.org"), Some("home"), None),
        ],
    },
    U {
        id: "u02",
        user_name: "JSmith",
        title: Some(""),
        active: Some(false),
        external_id: Some("js-1"),
        given_name: Some("John"),
        family_name: Some("Smith"),
        last_modified: Some("2012-01-01T00:00:00+02:00"),
        department: Some("Sales"),
        emails: &[(Some("John.Smith@Example.COM"), Some("work"), Some(false))],
        ..U::EMPTY
    },
    U {
        id: "u03",
        user_name: "alice_w",
        title: Some("50% off_sale"),
        active: Some(true),
        last_modified: Some("2011-05-13T04:42:34.5Z"),
        employee_number: Some("100"),
        ..U::EMPTY
    },
    U {
        id: "u04",
        user_name: "alice%w",
        given_name: Some("Alice"),
        emails: &[(Some("alice@x.org"), None, None)],
        ..U::EMPTY
    },
    U {
        id: "u05",
        user_name: "Bob",
        title: Some("Engineer"),
        active: Some(true),
        external_id: Some("B*1"),
        given_name: Some("Bob"),
        family_name: Some("O'Brien"),
        last_modified: Some("2020-02-29T12:00:00Z"),
        employee_number: Some("42"),
        department: Some("Engineering"),
        emails: &[
            (Some("bob@work.example"), Some("work"), Some(true)),
            (Some("bob@home.example"), Some("home"), Some(false)),
            (Some("bob@other.example"), Some("other"), None),
        ],
        ..U::EMPTY
    },
    U {
        id: "u06",
        user_name: "carol",
        title: Some("engineer"),
        active: Some(false),
        given_name: Some("Carol"),
        family_name: Some("jensen"),
        last_modified: Some("2010-01-01T00:00:00Z"),
        department: Some("engineering"),
        emails: &[(Some("CAROL@EXAMPLE.COM"), Some("WORK"), Some(true))],
        ..U::EMPTY
    },
    U {
        id: "u07",
        user_name: r"dave\x",
        title: Some("a_b"),
        active: Some(true),
        external_id: Some("x?y[z]"),
        emails: &[(Some("dave@example.com"), Some("home"), Some(true))],
        ..U::EMPTY
    },
    U {
        id: "u08",
        user_name: "eve",
        title: Some("Manager"),
        active: Some(true),
        external_id: Some("EVE"),
        given_name: Some(""),
        family_name: Some("Eve"),
        last_modified: Some("2011-05-13T06:42:34+02:00"),
        employee_number: Some("701985"),
        department: Some("Tour Operations"),
        ..U::EMPTY
    },
    U {
        id: "u09",
        user_name: "frank",
        ..U::EMPTY
    },
    U {
        id: "u10",
        user_name: "grace",
        title: Some("Tour Guide"),
        active: Some(false),
        last_modified: Some("2030-12-31T23:59:59Z"),
        emails: &[
            (Some("grace@example.com"), Some("work"), None),
            (Some("grace@example.org"), Some("work"), Some(false)),
        ],
        ..U::EMPTY
    },
    U {
        id: "u11",
        user_name: "Heidi",
        title: Some("TOUR GUIDE"),
        active: Some(true),
        external_id: Some("heidi"),
        given_name: Some("Heidi"),
        family_name: Some("Klum"),
        last_modified: Some("2011-05-13T04:42:33.999Z"),
        employee_number: Some("7019840"),
        department: Some(""),
        emails: &[(Some("heidi@EXAMPLE.com"), Some("home"), Some(true))],
        ..U::EMPTY
    },
    U {
        id: "u12",
        user_name: "ivan",
        title: Some("100%"),
        active: Some(true),
        emails: &[(None, Some("work"), Some(true))],
        ..U::EMPTY
    },
];

impl U {
    const EMPTY: U = U {
        id: "",
        user_name: "",
        display_name: None,
        title: None,
        active: None,
        external_id: None,
        given_name: None,
        family_name: None,
        last_modified: None,
        employee_number: None,
        department: None,
        emails: &[],
    };

    pub(crate) fn resource(&self) -> Resource {
        let mut m = Map::new();
        let put = |m: &mut Map<String, Value>, k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), v);
            }
        };
        let s = |v: Option<&str>| v.map(Value::from);
        put(&mut m, "id", Some(self.id.into()));
        put(&mut m, "userName", Some(self.user_name.into()));
        put(&mut m, "displayName", s(self.display_name));
        put(&mut m, "title", s(self.title));
        put(&mut m, "active", self.active.map(Value::from));
        put(&mut m, "externalId", s(self.external_id));
        let mut name = Map::new();
        put(&mut name, "givenName", s(self.given_name));
        put(&mut name, "familyName", s(self.family_name));
        if !name.is_empty() {
            m.insert("name".into(), name.into());
        }
        if let Some(lm) = self.last_modified {
            m.insert("meta".into(), json!({ "lastModified": lm }));
        }
        let mut ext = Map::new();
        put(&mut ext, "employeeNumber", s(self.employee_number));
        put(&mut ext, "department", s(self.department));
        if !ext.is_empty() {
            m.insert(ENTERPRISE.into(), ext.into());
        }
        if !self.emails.is_empty() {
            let emails: Vec<Value> = self
                .emails
                .iter()
                .map(|(value, ty, primary)| {
                    let mut e = Map::new();
                    put(&mut e, "value", s(*value));
                    put(&mut e, "type", s(*ty));
                    put(&mut e, "primary", primary.map(Value::from));
                    Value::Object(e)
                })
                .collect();
            m.insert("emails".into(), emails.into());
        }
        Resource::from_map(m)
    }
}

pub(crate) fn database() -> Connection {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE users (
            id TEXT PRIMARY KEY, user_name TEXT NOT NULL, display_name TEXT, title TEXT,
            active INTEGER, external_id TEXT, given_name TEXT, family_name TEXT,
            last_modified TEXT, employee_number TEXT, department TEXT,
            data TEXT NOT NULL);
         CREATE TABLE emails (
            user_id TEXT NOT NULL REFERENCES users (id), value TEXT, type TEXT, is_primary INTEGER);",
    )
    .unwrap();
    for u in USERS {
        db.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rusqlite::params![
                u.id,
                u.user_name,
                u.display_name,
                u.title,
                u.active,
                u.external_id,
                u.given_name,
                u.family_name,
                u.last_modified,
                u.employee_number,
                u.department,
                serde_json::to_string(&u.resource().into_value()).unwrap(),
            ],
        )
        .unwrap();
        for (value, ty, primary) in u.emails {
            db.execute(
                "INSERT INTO emails VALUES (?, ?, ?, ?)",
                rusqlite::params![u.id, value, ty, primary],
            )
            .unwrap();
        }
    }
    db
}

/// Plain columns: `caseExact: false` comparisons go through `lower()`.
pub(crate) fn native_mapping() -> SqlMapping {
    SqlMapping::builder(ResourceType::user())
        .column("id", "users.id")
        .column("userName", "users.user_name")
        .column("displayName", "users.display_name")
        .column("title", "users.title")
        .column("active", "users.active")
        .column("externalId", "users.external_id")
        .column("name.givenName", "users.given_name")
        .column("name.familyName", "users.family_name")
        .column("meta.lastModified", "users.last_modified")
        .column("employeeNumber", "users.employee_number")
        .column(&format!("{ENTERPRISE}:department"), "users.department")
        .multi_valued(
            "emails",
            MultiValued::new("emails AS e")
                .on("e.user_id = users.id")
                .column("value", "e.value")
                .column("type", "e.type")
                .column("primary", "e.is_primary"),
        )
        .build()
        .unwrap()
}

/// The same storage read through `COLLATE NOCASE` for the `caseExact: false` strings.
pub(crate) fn nocase_mapping() -> SqlMapping {
    let ci = |c: &str| Column::case_insensitive(format!("{c} COLLATE NOCASE"));
    SqlMapping::builder(ResourceType::user())
        .column("id", "users.id")
        .column("userName", ci("users.user_name"))
        .column("displayName", ci("users.display_name"))
        .column("title", ci("users.title"))
        .column("active", "users.active")
        .column("externalId", "users.external_id")
        .column("name.givenName", ci("users.given_name"))
        .column("name.familyName", ci("users.family_name"))
        .column("meta.lastModified", "users.last_modified")
        .column("employeeNumber", ci("users.employee_number"))
        .column("department", ci("users.department"))
        .multi_valued(
            "emails",
            MultiValued::new("emails AS e")
                .on("e.user_id = users.id")
                .column("value", ci("e.value"))
                .column("type", ci("e.type"))
                .column("primary", "e.is_primary"),
        )
        .build()
        .unwrap()
}

/// The same users read from the resource's JSON (`users.data`) with SQLite's JSON functions.
pub(crate) fn json_mapping() -> SqlMapping {
    let at = |path: &str| format!("json_extract(users.data, '$.{path}')");
    SqlMapping::builder(ResourceType::user())
        .column("id", at("id"))
        .column("userName", at("userName"))
        .column("displayName", at("displayName"))
        .column("title", at("title"))
        .column("active", at("active"))
        .column("externalId", at("externalId"))
        .column("name.givenName", at("name.givenName"))
        .column("name.familyName", at("name.familyName"))
        .column("meta.lastModified", at("meta.lastModified"))
        .column(
            "employeeNumber",
            at(&format!("\"{ENTERPRISE}\".employeeNumber")),
        )
        .column("department", at(&format!("\"{ENTERPRISE}\".department")))
        .multi_valued(
            "emails",
            MultiValued::new("json_each(users.data, '$.emails') AS je")
                .column("value", "json_extract(je.value, '$.value')")
                .column("type", "json_extract(je.value, '$.type')")
                .column("primary", "json_extract(je.value, '$.primary')"),
        )
        .build()
        .unwrap()
}

pub(crate) const FILTERS: &[&str] = &[
    // Strings, caseExact false and true.
    r#"userName eq "BJENSEN""#,
    r#"userName ne "bjensen""#,
    r#"userName co "ALICE""#,
    r#"userName sw "alice_""#,
    r#"userName sw "alice%""#,
    r#"userName co "%""#,
    r#"userName co "_""#,
    r#"userName co "\\""#,
    r#"userName ew "\\X""#,
    r#"userName gt "carol""#,
    r#"userName le "Bob""#,
    r#"id eq "u01""#,
    r#"id eq "U01""#,
    r#"id co "1""#,
    r#"id sw "U""#,
    r#"id ge "u10""#,
    r#"externalId eq "eve""#,
    r#"externalId eq "EVE""#,
    r#"externalId co "*""#,
    r#"externalId co "?""#,
    r#"externalId ew "[z]""#,
    r#"externalId sw "B*""#,
    r#"externalId lt "a""#,
    // Presence, null, empty strings.
    "title pr",
    "title eq null",
    "title ne null",
    r#"title eq """#,
    r#"title ne "Tour Guide""#,
    r#"title eq "tour guide""#,
    r#"not (title eq "tour guide")"#,
    r#"not (title ne "x")"#,
    r#"title co "%""#,
    r#"title co "_""#,
    r#"title ew "%""#,
    r#"title lt "M""#,
    r#"title co """#,
    "displayName pr",
    r#"displayName eq "babs jensen""#,
    // Booleans.
    "active eq true",
    "active eq false",
    "active ne true",
    "not (active eq true)",
    "active pr",
    r#"active eq "True""#,
    // Complex single-valued.
    "name.givenName pr",
    r#"name.givenName eq """#,
    r#"name.familyName co "JENSEN""#,
    r#"name.familyName co "'""#,
    "name pr",
    r#"name[givenName sw "b" or familyName eq "klum"]"#,
    "not (name[givenName pr])",
    // Date-times, with offsets and fractions.
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34.001Z""#,
    r#"meta.lastModified le "2011-12-31T22:00:00Z""#,
    r#"meta.lastModified ne "2011-05-13T04:42:34Z""#,
    "meta.lastModified pr",
    r#"not (meta.lastModified lt "2012-01-01T00:00:00Z")"#,
    // Multi-valued.
    r#"emails co "example.com""#,
    r#"emails.value ew ".ORG""#,
    r#"emails[type eq "work" and value co "@example"]"#,
    r#"emails[type eq "work"].value eq "bjensen@example.com""#,
    r#"emails[type eq "home"].value eq "BABS@JENSEN.ORG""#,
    "emails[primary eq true]",
    "emails[not (primary eq true)]",
    r#"emails.type ne "work""#,
    "emails pr",
    "emails eq null",
    "not (emails pr)",
    "emails.value pr",
    "emails.value eq null",
    "emails.type pr",
    r#"emails[value pr and type eq "work"]"#,
    r#"emails[type eq "work" or type eq "home"]"#,
    r#"not (emails[type eq "home" and not (value ew ".org")])"#,
    r#"not (emails.type eq "work")"#,
    // The enterprise extension, with and without its URN.
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    r#"employeeNumber gt "7""#,
    r#"department eq "tour operations""#,
    "department pr",
    "department eq null",
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "ING""#,
    // Logic.
    r#"userName eq "bjensen" or userName eq "eve" and active eq true"#,
    r#"(userName sw "a" or title pr) and not (active eq false)"#,
    r#"((userName eq "a" or userName eq "b") and (active eq true or title pr)) or not (emails[type eq "home" and not (value ew ".org")])"#,
    r#"not (not (title eq "Engineer"))"#,
    r#"not (title eq "x" or displayName eq "y")"#,
    r#"not (title eq "Tour Guide" and active eq true)"#,
    r#"title pr and not (emails pr) or department eq "sales""#,
    r#"USERNAME Eq "HEIDI" AND ACTIVE eq TRUE"#,
    r#"title eq "x' OR 1=1 --""#,
];

pub(crate) fn sqlite_value(p: &SqlParam) -> SqlValue {
    match p {
        SqlParam::Text(s) => SqlValue::Text(s.clone()),
        SqlParam::Integer(i) => SqlValue::Integer(*i),
        SqlParam::Real(f) => SqlValue::Real(*f),
        SqlParam::Bool(b) => SqlValue::Integer(i64::from(*b)),
        other => panic!("unexpected parameter {other:?}"),
    }
}

pub(crate) fn select(db: &Connection, w: &SqlWhere) -> BTreeSet<String> {
    let sql = format!("SELECT users.id FROM users WHERE {}", w.sql);
    let mut stmt = db.prepare(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    stmt.query_map(
        rusqlite::params_from_iter(w.params.iter().map(sqlite_value)),
        |row| row.get::<_, String>(0),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

pub(crate) fn in_memory(filter: &Filter) -> BTreeSet<String> {
    let matcher = filter.compile(&ResourceType::user()).unwrap();
    USERS
        .iter()
        .filter(|u| matcher.matches(&u.resource()))
        .map(|u| u.id.to_owned())
        .collect()
}
