//! Every filter example of RFC 7644 §3.4.2.2 and every PATCH path example of §3.5.2, as table
//! rows. Rows with an expected tree check it; every row checks print → parse.

use scim_filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath, ValuePath};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn attr(text: &str) -> AttrPath {
    let (name, sub) = match text.split_once('.') {
        Some((name, sub)) => (name, Some(sub.to_owned())),
        None => (text, None),
    };
    AttrPath {
        urn: None,
        name: name.to_owned(),
        sub_attr: sub,
    }
}

fn urn(urn: &str, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: Some(urn.to_owned()),
        name: name.to_owned(),
        sub_attr: sub.map(str::to_owned),
    }
}

fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare { path, op, value }
}

fn s(text: &str) -> CompValue {
    CompValue::String(text.to_owned())
}

fn pr(name: &str) -> Filter {
    Filter::Present(attr(name))
}

fn and(l: Filter, r: Filter) -> Filter {
    Filter::And(Box::new(l), Box::new(r))
}

fn or(l: Filter, r: Filter) -> Filter {
    Filter::Or(Box::new(l), Box::new(r))
}

fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}

fn vp(name: &str, filter: Filter) -> ValuePath {
    ValuePath {
        attr: attr(name),
        filter: Box::new(filter),
    }
}

use CompareOp::{Co, Eq, Ew, Ge, Gt, Le, Lt, Ne, Sw};

/// RFC 7644 §3.4.2.2: the examples list, plus the case-insensitivity examples of its text.
fn filter_examples() -> Vec<(&'static str, Option<Filter>)> {
    let last_modified = "2011-05-13T04:42:34Z";
    vec![
        (
            r#"userName eq "bjensen""#,
            Some(cmp(attr("userName"), Eq, s("bjensen"))),
        ),
        (
            r#"name.familyName co "O'Malley""#,
            Some(cmp(attr("name.familyName"), Co, s("O'Malley"))),
        ),
        (
            r#"userName sw "J""#,
            Some(cmp(attr("userName"), Sw, s("J"))),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            Some(cmp(urn(CORE_USER, "userName", None), Sw, s("J"))),
        ),
        ("title pr", Some(pr("title"))),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            Some(cmp(attr("meta.lastModified"), Gt, s(last_modified))),
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            Some(cmp(attr("meta.lastModified"), Ge, s(last_modified))),
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            Some(cmp(attr("meta.lastModified"), Lt, s(last_modified))),
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            Some(cmp(attr("meta.lastModified"), Le, s(last_modified))),
        ),
        (
            r#"title pr and userType eq "Employee""#,
            Some(and(pr("title"), cmp(attr("userType"), Eq, s("Employee")))),
        ),
        (
            r#"title pr or userType eq "Intern""#,
            Some(or(pr("title"), cmp(attr("userType"), Eq, s("Intern")))),
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            Some(cmp(attr("schemas"), Eq, s(ENTERPRISE))),
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            Some(and(
                cmp(attr("userType"), Eq, s("Employee")),
                or(
                    cmp(attr("emails"), Co, s("example.com")),
                    cmp(attr("emails.value"), Co, s("example.org")),
                ),
            )),
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            Some(and(
                cmp(attr("userType"), Ne, s("Employee")),
                not(or(
                    cmp(attr("emails"), Co, s("example.com")),
                    cmp(attr("emails.value"), Co, s("example.org")),
                )),
            )),
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            Some(and(
                cmp(attr("userType"), Eq, s("Employee")),
                cmp(attr("emails.type"), Eq, s("work")),
            )),
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            Some(and(
                cmp(attr("userType"), Eq, s("Employee")),
                Filter::ValuePath(vp(
                    "emails",
                    and(
                        cmp(attr("type"), Eq, s("work")),
                        cmp(attr("value"), Co, s("@example.com")),
                    ),
                )),
            )),
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            Some(or(
                Filter::ValuePath(vp(
                    "emails",
                    and(
                        cmp(attr("type"), Eq, s("work")),
                        cmp(attr("value"), Co, s("@example.com")),
                    ),
                )),
                Filter::ValuePath(vp(
                    "ims",
                    and(
                        cmp(attr("type"), Eq, s("xmpp")),
                        cmp(attr("value"), Co, s("@foo.com")),
                    ),
                )),
            )),
        ),
        // "Attribute names and attribute operators used in filters are case insensitive."
        (
            r#"userName Eq "john""#,
            Some(cmp(attr("userName"), Eq, s("john"))),
        ),
        (
            r#"Username eq "john""#,
            Some(cmp(attr("Username"), Eq, s("john"))),
        ),
        // Precedence: "not" > "and" > "or", and left association.
        (
            "title pr and email pr or userType pr",
            Some(or(and(pr("title"), pr("email")), pr("userType"))),
        ),
        (
            "title pr or email pr and userType pr",
            Some(or(pr("title"), and(pr("email"), pr("userType")))),
        ),
        (
            "a pr or b pr and c pr",
            Some(or(pr("a"), and(pr("b"), pr("c")))),
        ),
        (
            "a pr or b pr or c pr",
            Some(or(or(pr("a"), pr("b")), pr("c"))),
        ),
        (
            "(a pr or b pr) and c pr",
            Some(and(or(pr("a"), pr("b")), pr("c"))),
        ),
        (
            "not (a pr) and b pr or c pr",
            Some(or(and(not(pr("a")), pr("b")), pr("c"))),
        ),
        (
            "title pr and not (email pr or userType pr)",
            Some(and(pr("title"), not(or(pr("email"), pr("userType"))))),
        ),
        // Values of every JSON type.
        (
            "addresses[zipcode eq 88283 and city ne \"Austin\"]",
            Some(Filter::ValuePath(vp(
                "addresses",
                and(
                    cmp(attr("zipcode"), Eq, CompValue::Number(88283.into())),
                    cmp(attr("city"), Ne, s("Austin")),
                ),
            ))),
        ),
        (
            "emails[type eq \"work\" and primary eq true]",
            Some(Filter::ValuePath(vp(
                "emails",
                and(
                    cmp(attr("type"), Eq, s("work")),
                    cmp(attr("primary"), Eq, CompValue::Bool(true)),
                ),
            ))),
        ),
        (
            "title eq null",
            Some(cmp(attr("title"), Eq, CompValue::Null)),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915\"",
            Some(cmp(
                urn(ENTERPRISE, "manager", Some("value")),
                Eq,
                s("26118915"),
            )),
        ),
        ("x ew \"a\"", Some(cmp(attr("x"), Ew, s("a")))),
    ]
}

#[test]
fn rfc7644_filter_examples() {
    for (text, expected) in filter_examples() {
        let parsed = Filter::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        if let Some(expected) = expected {
            assert_eq!(parsed, expected, "{text}");
        }
        assert_eq!(Filter::parse(&parsed.to_string()), Ok(parsed), "{text}");
    }
}

#[test]
fn rfc7644_filter_examples_print_canonically() {
    // The RFC writes its examples in canonical form already, except where parentheses are
    // redundant.
    for (text, _) in filter_examples() {
        let printed = Filter::parse(text).unwrap().to_string();
        if text.contains('(') || text.contains("Eq") {
            continue;
        }
        assert_eq!(printed, text);
    }
}

/// RFC 7644 §3.5.2 (and its subsections §3.5.2.1–3 and §3.10): PATCH path examples.
fn path_examples() -> Vec<(&'static str, PatchPath)> {
    let member = "2819c223-7f76-453a-919d-413861904646";
    let member_filter = || cmp(attr("value"), Eq, s(member));
    vec![
        ("members", PatchPath::Attr(attr("members"))),
        ("name.familyName", PatchPath::Attr(attr("name.familyName"))),
        (
            r#"addresses[type eq "work"]"#,
            PatchPath::Value {
                value_path: vp("addresses", cmp(attr("type"), Eq, s("work"))),
                sub_attr: None,
            },
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            PatchPath::Value {
                value_path: vp("members", member_filter()),
                sub_attr: None,
            },
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            PatchPath::Value {
                value_path: vp("members", member_filter()),
                sub_attr: Some("displayName".to_owned()),
            },
        ),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            PatchPath::Value {
                value_path: vp(
                    "emails",
                    and(
                        cmp(attr("type"), Eq, s("work")),
                        cmp(attr("value"), Ew, s("example.com")),
                    ),
                ),
                sub_attr: None,
            },
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            PatchPath::Value {
                value_path: vp("addresses", cmp(attr("type"), Eq, s("work"))),
                sub_attr: Some("streetAddress".to_owned()),
            },
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            PatchPath::Attr(urn(ENTERPRISE, "manager", None)),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            PatchPath::Attr(urn(ENTERPRISE, "employeeNumber", None)),
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
            PatchPath::Attr(urn(CORE_USER, "name", Some("familyName"))),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#,
            PatchPath::Value {
                value_path: ValuePath {
                    attr: urn(CORE_USER, "emails", None),
                    filter: Box::new(cmp(attr("type"), Eq, s("work"))),
                },
                sub_attr: Some("value".to_owned()),
            },
        ),
    ]
}

#[test]
fn rfc7644_patch_path_examples() {
    for (text, expected) in path_examples() {
        let parsed = PatchPath::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(parsed, expected, "{text}");
        assert_eq!(parsed.to_string(), text);
        assert_eq!(text.parse::<PatchPath>(), Ok(parsed));
    }
}

#[test]
fn invalid_patch_paths_are_invalid_path_errors() {
    for text in [
        "",
        "members[",
        "members[value eq]",
        "members]",
        "members[value eq \"x\"].",
        "members[value eq \"x\"].display.name",
        "members[emails[type pr]]",
        "name.familyName.x",
        "1members",
        "members value",
    ] {
        let err = PatchPath::parse(text).expect_err(text);
        let scim = scim_core::ScimError::from(err);
        assert_eq!(
            scim.scim_type(),
            Some(scim_core::ScimType::InvalidPath),
            "{text}"
        );
    }
}

#[test]
fn attr_paths_alone() {
    assert_eq!(
        AttrPath::parse("meta.lastModified"),
        Ok(attr("meta.lastModified"))
    );
    assert_eq!(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName"
            .parse::<AttrPath>(),
        Ok(urn(ENTERPRISE, "manager", Some("displayName")))
    );
    assert!(AttrPath::parse("emails[type pr]").is_err());
}
