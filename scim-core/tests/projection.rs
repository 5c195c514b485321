//! Table-driven tests of `Projection` (RFC 7644 §3.4.2.5 and §3.9; RFC 7643 §7 `returned`)
//! over the corpus User and Group (`tests/data/user.json`, `tests/data/group.json`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use scim_core::schema::{Attribute, Returned, Schema};
use scim_core::{Projection, Resource, ResourceType, urn};
use serde_json::{Value, json};

const USER: &str = urn::USER;
const ENT: &str = urn::ENTERPRISE_USER;
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

fn corpus(file: &str) -> Value {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The corpus User as stored: with a password, which is `returned: never`.
fn user_json() -> Value {
    let mut v = corpus("user.json");
    v["password"] = json!("t1meMa$heen");
    v
}

/// The corpus User as the default projection returns it.
fn user_out() -> Value {
    without(&user_json(), &["password"])
}

fn group_json() -> Value {
    corpus("group.json")
}

fn acme_type() -> ResourceType {
    let schema = Schema::new(
        ACME,
        "Acme",
        vec![
            Attribute::integer("level"),
            Attribute::string("secretNote").returned(Returned::Request),
            Attribute::string("pin").returned(Returned::Never),
            Attribute::string("tenant").returned(Returned::Always),
            Attribute::complex(
                "badge",
                vec![
                    Attribute::string("color"),
                    Attribute::string("serial").returned(Returned::Request),
                ],
            ),
            Attribute::complex(
                "keys",
                vec![
                    Attribute::string("label"),
                    Attribute::string("secret").returned(Returned::Never),
                ],
            )
            .multi_valued(),
        ],
    );
    ResourceType::user().with_extension(Arc::new(schema), false)
}

fn acme_json() -> Value {
    json!({
        "schemas": [USER, ACME], "id": "a1", "userName": "b", "password": "secret",
        ACME: {"level": 3, "secretNote": "s3cr3t", "pin": "1234", "tenant": "t1",
               "badge": {"color": "red", "serial": "S-9"},
               "keys": [{"label": "front", "secret": "k1"}, {"secret": "k2"}]}
    })
}

/// An Acme user whose extension holds only values that are not returned by default.
fn acme_hidden_json() -> Value {
    json!({
        "schemas": [USER, ACME], "id": "a2", "userName": "c",
        ACME: {"secretNote": "s3cr3t", "pin": "1234", "badge": {"serial": "S-9"},
               "keys": [{"secret": "k1"}]}
    })
}

/// `v` with only these top-level keys.
fn only(v: &Value, keys: &[&str]) -> Value {
    let m = v.as_object().unwrap();
    Value::Object(
        m.iter()
            .filter(|(k, _)| keys.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// `v` without these top-level keys.
fn without(v: &Value, keys: &[&str]) -> Value {
    let mut m = v.as_object().cloned().unwrap();
    for k in keys {
        m.remove(*k);
    }
    Value::Object(m)
}

/// `v` with `key` set to `value`.
fn with(v: Value, key: &str, value: Value) -> Value {
    let mut m = v.as_object().cloned().unwrap();
    m.insert(key.to_owned(), value);
    Value::Object(m)
}

#[derive(Clone, Copy)]
enum Subject {
    User,
    Group,
    Acme,
    AcmeHidden,
}

struct Case {
    name: &'static str,
    subject: Subject,
    attributes: Option<&'static str>,
    excluded: Option<&'static str>,
    expect: Value,
}

fn cases() -> Vec<Case> {
    use Subject::{Acme, AcmeHidden, Group, User};
    let u = user_json();
    let ent = u[ENT].clone();
    let g = group_json();
    let emails_values: Value = u["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!({"value": e["value"]}))
        .collect();
    let c = |name, subject, attributes, excluded, expect| Case {
        name,
        subject,
        attributes,
        excluded,
        expect,
    };
    vec![
        c(
            "default: everything but password",
            User,
            None,
            None,
            user_out(),
        ),
        c(
            "attributes=userName",
            User,
            Some("userName"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "userName": "bjensen"}),
        ),
        c(
            "attributes=name.givenName,emails.value",
            User,
            Some("name.givenName,emails.value"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "name": {"givenName": "Barbara"},
                   "emails": emails_values}),
        ),
        c(
            "attributes=name,name.givenName returns the whole name",
            User,
            Some("name,name.givenName"),
            None,
            with(only(&u, &["schemas", "id"]), "name", u["name"].clone()),
        ),
        c(
            "attributes=emails returns every sub-attribute",
            User,
            Some("emails"),
            None,
            only(&u, &["schemas", "id", "emails"]),
        ),
        c(
            "attributes=<enterprise URN> returns the whole extension",
            User,
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            None,
            only(&u, &["schemas", "id", ENT]),
        ),
        c(
            "attributes=<enterprise URN>:manager.value",
            User,
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"],
                   ENT: {"manager": {"value": ent["manager"]["value"]}}}),
        ),
        c(
            "attributes=<enterprise URN>:department,userName",
            User,
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,userName"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "userName": "bjensen",
                   ENT: {"department": "Tour Operations"}}),
        ),
        c(
            "attributes=<core URN>:userName",
            User,
            Some("urn:ietf:params:scim:schemas:core:2.0:User:userName"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "userName": "bjensen"}),
        ),
        c(
            "attributes=meta.created",
            User,
            Some("meta.created"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "meta": {"created": "2010-01-23T04:56:22Z"}}),
        ),
        c(
            "excludedAttributes=emails,<enterprise URN>",
            User,
            None,
            Some("emails,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            without(&user_out(), &["emails", ENT]),
        ),
        c(
            "excludedAttributes=name.givenName",
            User,
            None,
            Some("name.givenName"),
            with(user_out(), "name", without(&u["name"], &["givenName"])),
        ),
        c(
            "excludedAttributes=emails.value keeps the other sub-attributes",
            User,
            None,
            Some("emails.value"),
            with(
                user_out(),
                "emails",
                json!([{"type": "work", "primary": true}, {"type": "home"}]),
            ),
        ),
        c(
            "excludedAttributes=<enterprise URN>:manager",
            User,
            None,
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
            with(user_out(), ENT, without(&ent, &["manager"])),
        ),
        c(
            "excludedAttributes=id still returns id",
            User,
            None,
            Some("id"),
            user_out(),
        ),
        c(
            "excludedAttributes=id,schemas still returns both",
            User,
            None,
            Some("id,schemas"),
            user_out(),
        ),
        c(
            "attributes=password still does not return password",
            User,
            Some("password"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"]}),
        ),
        c(
            "attributes=password,userName",
            User,
            Some("password,userName"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "userName": "bjensen"}),
        ),
        c(
            "attributes in any case",
            User,
            Some(
                "USERNAME, Name.GivenName,URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department",
            ),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "userName": "bjensen",
                   "name": {"givenName": "Barbara"}, ENT: {"department": "Tour Operations"}}),
        ),
        c(
            "excludedAttributes in any case",
            User,
            None,
            Some(
                "EMAILS,urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user,NAME.givenname",
            ),
            with(
                without(&user_out(), &["emails", ENT]),
                "name",
                without(&u["name"], &["givenName"]),
            ),
        ),
        c(
            "unknown names in attributes are ignored",
            User,
            Some("userName,bogus,name.bogus,urn:acme:nope:level,,"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"], "userName": "bjensen"}),
        ),
        c(
            "only unknown names in attributes: only returned:always",
            User,
            Some("bogus"),
            None,
            json!({"schemas": [USER, ENT], "id": u["id"]}),
        ),
        c(
            "unknown names in excludedAttributes are ignored",
            User,
            None,
            Some("bogus,name.bogus"),
            user_out(),
        ),
        c(
            "empty attributes means not given",
            User,
            Some(""),
            None,
            user_out(),
        ),
        // ---- Group ---------------------------------------------------------------------------
        c("group default", Group, None, None, g.clone()),
        c(
            "group excludedAttributes=members",
            Group,
            None,
            Some("members"),
            without(&g, &["members"]),
        ),
        c(
            "group attributes=displayName",
            Group,
            Some("displayName"),
            None,
            only(&g, &["schemas", "id", "displayName"]),
        ),
        c(
            "group attributes=members.value",
            Group,
            Some("members.value"),
            None,
            with(
                only(&g, &["schemas", "id"]),
                "members",
                g["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| json!({"value": m["value"]}))
                    .collect(),
            ),
        ),
        // ---- returned: request / never / always in an extension ------------------------------
        c(
            "default skips returned:request and never",
            Acme,
            None,
            None,
            json!({"schemas": [USER, ACME], "id": "a1", "userName": "b",
                   ACME: {"level": 3, "tenant": "t1", "badge": {"color": "red"},
                          "keys": [{"label": "front"}]}}),
        ),
        c(
            "returned:request attribute returned when named",
            Acme,
            Some("urn:example:params:scim:schemas:extension:acme:2.0:User:secretNote"),
            None,
            json!({"schemas": [USER, ACME], "id": "a1", ACME: {"secretNote": "s3cr3t", "tenant": "t1"}}),
        ),
        c(
            "returned:request attribute named without its URN",
            Acme,
            Some("userName,SECRETNOTE"),
            None,
            json!({"schemas": [USER, ACME], "id": "a1", "userName": "b",
                   ACME: {"secretNote": "s3cr3t", "tenant": "t1"}}),
        ),
        c(
            "returned:request attribute not returned for other names",
            Acme,
            Some("userName"),
            None,
            json!({"schemas": [USER, ACME], "id": "a1", "userName": "b", ACME: {"tenant": "t1"}}),
        ),
        c(
            "returned:request sub-attribute returned when named",
            Acme,
            Some("urn:example:params:scim:schemas:extension:acme:2.0:User:badge.serial"),
            None,
            json!({"schemas": [USER, ACME], "id": "a1", ACME: {"badge": {"serial": "S-9"}, "tenant": "t1"}}),
        ),
        c(
            "returned:never extension attribute never returned",
            Acme,
            Some("urn:example:params:scim:schemas:extension:acme:2.0:User:pin"),
            None,
            json!({"schemas": [USER, ACME], "id": "a1", ACME: {"tenant": "t1"}}),
        ),
        c(
            "excluding a returned:always extension attribute has no effect",
            Acme,
            None,
            Some(
                "urn:example:params:scim:schemas:extension:acme:2.0:User:tenant,urn:example:params:scim:schemas:extension:acme:2.0:User:level",
            ),
            json!({"schemas": [USER, ACME], "id": "a1", "userName": "b",
                   ACME: {"tenant": "t1", "badge": {"color": "red"}, "keys": [{"label": "front"}]}}),
        ),
        c(
            "excluding the whole extension keeps its returned:always attribute",
            Acme,
            None,
            Some("urn:example:params:scim:schemas:extension:acme:2.0:User"),
            json!({"schemas": [USER, ACME], "id": "a1", "userName": "b", ACME: {"tenant": "t1"}}),
        ),
        c(
            "attributes=<acme URN>:keys.secret: a never sub-attribute is not returned",
            Acme,
            Some("urn:example:params:scim:schemas:extension:acme:2.0:User:keys.secret"),
            None,
            json!({"schemas": [USER, ACME], "id": "a1", ACME: {"tenant": "t1"}}),
        ),
        c(
            "default drops values left empty by returned:request/never",
            AcmeHidden,
            None,
            None,
            json!({"schemas": [USER, ACME], "id": "a2", "userName": "c"}),
        ),
        c(
            "attributes=<acme URN>:badge leaves request sub-attributes of a named attribute",
            AcmeHidden,
            Some("urn:example:params:scim:schemas:extension:acme:2.0:User:badge"),
            None,
            json!({"schemas": [USER, ACME], "id": "a2", ACME: {"badge": {"serial": "S-9"}}}),
        ),
    ]
}

fn subject(s: Subject) -> (ResourceType, Resource) {
    match s {
        Subject::User => (
            ResourceType::user(),
            Resource::from_value(user_json()).unwrap(),
        ),
        Subject::Group => (
            ResourceType::group(),
            Resource::from_value(group_json()).unwrap(),
        ),
        Subject::Acme => (acme_type(), Resource::from_value(acme_json()).unwrap()),
        Subject::AcmeHidden => (
            acme_type(),
            Resource::from_value(acme_hidden_json()).unwrap(),
        ),
    }
}

#[test]
fn projection_cases_table() {
    for c in cases() {
        let (ty, resource) = subject(c.subject);
        let p = Projection::parse(&ty, c.attributes, c.excluded);
        let got = p.apply(&ty, &resource).into_value();
        assert_eq!(
            got, c.expect,
            "[{}] attributes={:?} excludedAttributes={:?}",
            c.name, c.attributes, c.excluded
        );
        assert!(
            got.get("password").is_none(),
            "[{}] password returned",
            c.name
        );
        assert_eq!(
            got.get("id"),
            resource.get("id"),
            "[{}] id not returned",
            c.name
        );
        assert_eq!(
            got.get("schemas"),
            resource.get("schemas"),
            "[{}] schemas",
            c.name
        );

        // The same lists given as a /.search body (RFC 7644 §3.4.3) project the same way.
        let split = |s: Option<&str>| -> Vec<String> {
            s.map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
        };
        let attrs = split(c.attributes);
        let from_lists = Projection::from_lists(
            &ty,
            c.attributes.map(|_| attrs.as_slice()),
            &split(c.excluded),
        );
        assert_eq!(
            from_lists.apply(&ty, &resource).into_value(),
            c.expect,
            "[{}] from_lists",
            c.name
        );

        // Excluding `id` (returned: always) changes nothing (RFC 7644 §3.4.2.5); it also takes
        // the general path rather than the default one, which must agree.
        let excl_id = match c.excluded {
            Some(e) => format!("{e},id"),
            None => "id".to_owned(),
        };
        let p = Projection::parse(&ty, c.attributes, Some(&excl_id));
        assert!(!p.is_default());
        assert_eq!(
            p.apply(&ty, &resource).into_value(),
            c.expect,
            "[{}] with excludedAttributes={excl_id:?}",
            c.name
        );
    }
}

#[test]
fn may_include_members() {
    let groups = ResourceType::group();
    // (case, attributes, excludedAttributes, attribute, may be included)
    type MayInclude = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
        bool,
    );
    let cases: [MayInclude; 12] = [
        ("default", None, None, "members", true),
        ("excluded members", None, Some("members"), "members", false),
        ("excluded MEMBERS", None, Some("MEMBERS"), "members", false),
        (
            "excluded members.value",
            None,
            Some("members.value"),
            "members",
            true,
        ),
        (
            "excluded displayName",
            None,
            Some("displayName"),
            "members",
            true,
        ),
        (
            "attributes displayName",
            Some("displayName"),
            None,
            "members",
            false,
        ),
        (
            "attributes members.value",
            Some("members.value"),
            None,
            "members",
            true,
        ),
        ("attributes members", Some("Members"), None, "members", true),
        (
            "id is always returned",
            Some("displayName"),
            Some("id"),
            "id",
            true,
        ),
        (
            "unknown name, attributes given",
            Some("displayName"),
            None,
            "bogus",
            false,
        ),
        ("unknown name, default", None, None, "bogus", true),
        (
            "displayName when attributes=members",
            Some("members"),
            None,
            "displayName",
            false,
        ),
    ];
    for (name, attrs, excl, attr, want) in cases {
        let p = Projection::parse(&groups, attrs, excl);
        assert_eq!(
            p.may_include(&groups, attr),
            want,
            "[{name}] may_include({attr})"
        );
        // may_include agrees with apply on the corpus group.
        if attr != "bogus" {
            let out = p.apply(&groups, &Resource::from_value(group_json()).unwrap());
            assert_eq!(
                out.get(attr).is_some(),
                want,
                "[{name}] apply vs may_include for {attr}"
            );
        }
    }
    let users = ResourceType::user();
    assert!(!Projection::default().may_include(&users, "password"));
    assert!(!Projection::parse(&users, Some("password"), None).may_include(&users, "password"));
    assert!(Projection::parse(&users, None, Some("id")).may_include(&users, "id"));
}

#[test]
fn is_default() {
    let users = ResourceType::user();
    assert!(Projection::default().is_default());
    assert!(Projection::parse(&users, None, None).is_default());
    assert!(Projection::parse(&users, Some(""), Some(" , ")).is_default());
    assert!(!Projection::parse(&users, Some("userName"), None).is_default());
    assert!(!Projection::parse(&users, None, Some("emails")).is_default());
}
