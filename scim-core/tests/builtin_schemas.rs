//! The built-in schemas of RFC 7643 (§4, §5–§7, §8.7.1, §8.7.2) and the common attributes
//! (§3.1), checked through the public API: attribute lists and order, characteristics, the JSON
//! representation, and the grammar and consistency rules every definition must follow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::schema::builtin::{
    common_attributes, enterprise_user, group, resource_type, schema, service_provider_config, user,
};
use scim_core::schema::{AttrType, Attribute, Mutability, Returned, Schema, Uniqueness};
use scim_core::urn;
use serde_json::{Value, json};

fn all() -> [&'static Schema; 6] {
    [
        user(),
        group(),
        enterprise_user(),
        service_provider_config(),
        resource_type(),
        schema(),
    ]
}

fn names(attrs: &[Attribute]) -> Vec<&str> {
    attrs.iter().map(|a| a.name.as_str()).collect()
}

fn sub<'a>(s: &'a Schema, path: &str) -> &'a Attribute {
    let mut parts = path.split('.');
    let mut a = s.attribute(parts.next().unwrap()).unwrap();
    for p in parts {
        a = a
            .sub_attribute(p)
            .unwrap_or_else(|| panic!("{path}: no {p}"));
    }
    a
}

/// Every attribute with its dotted path, depth first.
fn walk<'a>(prefix: &str, attrs: &'a [Attribute], out: &mut Vec<(String, &'a Attribute)>) {
    for a in attrs {
        let path = if prefix.is_empty() {
            a.name.clone()
        } else {
            format!("{prefix}.{}", a.name)
        };
        out.push((path.clone(), a));
        walk(&path, &a.sub_attributes, out);
    }
}

fn every_attribute() -> Vec<(String, &'static Attribute)> {
    let mut out = Vec::new();
    for s in all() {
        walk(&s.id, &s.attributes, &mut out);
    }
    walk("common", common_attributes(), &mut out);
    out
}

#[test]
fn schema_ids_names_and_descriptions() {
    let expected = [
        (urn::USER, "User", "User Account"),
        (urn::GROUP, "Group", "Group"),
        (urn::ENTERPRISE_USER, "EnterpriseUser", "Enterprise User"),
        (
            urn::SERVICE_PROVIDER_CONFIG,
            "Service Provider Configuration",
            "Schema for representing the service provider's configuration",
        ),
        (
            urn::RESOURCE_TYPE,
            "ResourceType",
            "Specifies the schema that describes a SCIM resource type",
        ),
        (
            urn::SCHEMA,
            "Schema",
            "Specifies the schema that describes a SCIM schema",
        ),
    ];
    for (s, (id, name, desc)) in all().iter().zip(expected) {
        assert_eq!(s.id, id);
        assert_eq!(s.name.as_deref(), Some(name));
        assert_eq!(s.description.as_deref(), Some(desc));
        assert_eq!(s.schemas, vec![urn::SCHEMA.to_owned()]);
    }
}

#[test]
fn statics_are_built_once() {
    assert!(std::ptr::eq(user(), user()));
    assert!(std::ptr::eq(common_attributes(), common_attributes()));
}

#[test]
fn user_has_the_rfc_attributes_in_order() {
    assert_eq!(
        names(&user().attributes),
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates",
        ]
    );
    assert_eq!(
        names(&sub(user(), "name").sub_attributes),
        [
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix"
        ]
    );
    assert_eq!(
        names(&sub(user(), "addresses").sub_attributes),
        [
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "type",
            "primary"
        ]
    );
    for multi in [
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        let a = sub(user(), multi);
        assert!(a.multi_valued && a.is_complex(), "{multi}");
        assert_eq!(
            names(&a.sub_attributes),
            ["value", "display", "type", "primary"],
            "{multi}"
        );
        assert_eq!(a.sub_attribute("primary").unwrap().ty, AttrType::Boolean);
    }
    assert_eq!(
        names(&sub(user(), "groups").sub_attributes),
        ["value", "$ref", "display", "type"]
    );
}

#[test]
fn user_name_matches_rfc_json_exactly() {
    assert_eq!(
        serde_json::to_value(sub(user(), "userName")).unwrap(),
        json!({
            "name": "userName",
            "type": "string",
            "multiValued": false,
            "description": "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
            "required": true,
            "caseExact": false,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": "server"
        })
    );
}

#[test]
fn emails_type_matches_rfc_json_exactly() {
    assert_eq!(
        serde_json::to_value(sub(user(), "emails.type")).unwrap(),
        json!({
            "name": "type",
            "type": "string",
            "multiValued": false,
            "description": "A label indicating the attribute's function, e.g., 'work' or 'home'.",
            "required": false,
            "canonicalValues": ["work", "home", "other"],
            "caseExact": false,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": "none"
        })
    );
}

#[test]
fn user_characteristics() {
    let u = user();
    let user_name = sub(u, "userName");
    assert!(user_name.required && !user_name.case_exact && !user_name.multi_valued);
    assert_eq!(user_name.uniqueness, Uniqueness::Server);
    assert_eq!(user_name.mutability, Mutability::ReadWrite);

    let password = sub(u, "password");
    assert_eq!(password.mutability, Mutability::WriteOnly);
    assert_eq!(password.returned, Returned::Never);
    assert!(!password.required);

    let groups = sub(u, "groups");
    assert!(groups.multi_valued);
    assert_eq!(groups.mutability, Mutability::ReadOnly);
    for s in &groups.sub_attributes {
        assert_eq!(s.mutability, Mutability::ReadOnly, "groups.{}", s.name);
    }
    assert_eq!(sub(u, "groups.$ref").reference_types, ["User", "Group"]);
    assert_eq!(
        sub(u, "groups.type").canonical_values,
        ["direct", "indirect"]
    );

    assert_eq!(sub(u, "active").ty, AttrType::Boolean);
    assert_eq!(sub(u, "profileUrl").ty, AttrType::Reference);
    assert_eq!(sub(u, "profileUrl").reference_types, ["external"]);
    assert_eq!(sub(u, "photos.value").ty, AttrType::Reference);
    assert_eq!(sub(u, "photos.value").reference_types, ["external"]);
    assert_eq!(sub(u, "x509Certificates.value").ty, AttrType::Binary);
    assert_eq!(
        sub(u, "phoneNumbers.type").canonical_values,
        ["work", "home", "mobile", "fax", "pager", "other"]
    );
    assert_eq!(
        sub(u, "ims.type").canonical_values,
        ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]
    );
    assert_eq!(
        sub(u, "photos.type").canonical_values,
        ["photo", "thumbnail"]
    );
    assert_eq!(
        sub(u, "addresses.type").canonical_values,
        ["work", "home", "other"]
    );
    assert!(sub(u, "roles.type").canonical_values.is_empty());

    // Nothing else in User is required, read-only, case-exact or unique.
    for (path, a) in {
        let mut v = Vec::new();
        walk("", &u.attributes, &mut v);
        v
    } {
        if path == "userName" {
            continue;
        }
        assert!(!a.required, "{path}");
        assert!(!a.case_exact, "{path}");
        assert_eq!(a.uniqueness, Uniqueness::None, "{path}");
        assert_eq!(
            a.returned,
            if path == "password" {
                Returned::Never
            } else {
                Returned::Default
            },
            "{path}"
        );
        if !path.starts_with("groups") && path != "password" {
            assert_eq!(a.mutability, Mutability::ReadWrite, "{path}");
        }
    }
}

#[test]
fn group_members() {
    let g = group();
    assert_eq!(names(&g.attributes), ["displayName", "members"]);
    assert!(sub(g, "displayName").required);
    let members = sub(g, "members");
    assert!(members.multi_valued && members.is_complex());
    assert_eq!(members.mutability, Mutability::ReadWrite);
    assert_eq!(
        names(&members.sub_attributes),
        ["value", "$ref", "type", "display"]
    );
    for s in &members.sub_attributes {
        assert_eq!(s.mutability, Mutability::Immutable, "members.{}", s.name);
    }
    assert_eq!(sub(g, "members.$ref").reference_types, ["User", "Group"]);
    assert_eq!(sub(g, "members.type").canonical_values, ["User", "Group"]);
}

#[test]
fn enterprise_user_attributes() {
    let e = enterprise_user();
    assert_eq!(
        names(&e.attributes),
        [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager"
        ]
    );
    let manager = sub(e, "manager");
    assert!(manager.is_complex() && !manager.multi_valued && !manager.required);
    assert_eq!(
        names(&manager.sub_attributes),
        ["value", "$ref", "displayName"]
    );
    assert_eq!(sub(e, "manager.value").ty, AttrType::String);
    assert_eq!(sub(e, "manager.value").mutability, Mutability::ReadWrite);
    let r = sub(e, "manager.$ref");
    assert_eq!(r.ty, AttrType::Reference);
    assert_eq!(r.reference_types, ["User"]);
    assert_eq!(r.mutability, Mutability::ReadWrite);
    let dn = sub(e, "manager.displayName");
    assert_eq!(dn.mutability, Mutability::ReadOnly);
    assert!(!dn.required);
}

#[test]
fn service_provider_config_attributes() {
    let s = service_provider_config();
    assert_eq!(
        names(&s.attributes),
        [
            "documentationUri",
            "patch",
            "bulk",
            "filter",
            "changePassword",
            "sort",
            "etag",
            "authenticationSchemes",
            "pagination"
        ]
    );
    // RFC 9865 §4: OPTIONAL, with REQUIRED `cursor` and `index`.
    let p = sub(s, "pagination");
    assert!(p.is_complex() && !p.required && !p.multi_valued);
    assert_eq!(
        names(&p.sub_attributes),
        [
            "cursor",
            "index",
            "defaultPaginationMethod",
            "defaultPageSize",
            "maxPageSize",
            "cursorTimeout"
        ]
    );
    assert!(sub(s, "pagination.cursor").required && sub(s, "pagination.index").required);
    let mut v = Vec::new();
    walk("", &s.attributes, &mut v);
    for (path, a) in v {
        assert_eq!(a.mutability, Mutability::ReadOnly, "{path}");
    }
    for f in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] {
        let a = sub(s, f);
        assert!(a.required && !a.multi_valued, "{f}");
        assert!(a.sub_attribute("supported").unwrap().required, "{f}");
    }
    assert!(!sub(s, "documentationUri").required);
    assert_eq!(sub(s, "bulk.maxOperations").ty, AttrType::Integer);
    assert_eq!(sub(s, "bulk.maxPayloadSize").ty, AttrType::Integer);
    assert_eq!(sub(s, "filter.maxResults").ty, AttrType::Integer);
    let schemes = sub(s, "authenticationSchemes");
    assert!(schemes.required && schemes.multi_valued);
    assert_eq!(
        names(&schemes.sub_attributes),
        [
            "type",
            "name",
            "description",
            "specUri",
            "documentationUri",
            "primary"
        ]
    );
    assert_eq!(
        sub(s, "authenticationSchemes.type").canonical_values,
        [
            "oauth",
            "oauth2",
            "oauthbearertoken",
            "httpbasic",
            "httpdigest"
        ]
    );
}

#[test]
fn resource_type_attributes() {
    let r = resource_type();
    assert_eq!(
        names(&r.attributes),
        [
            "id",
            "name",
            "description",
            "endpoint",
            "schema",
            "schemaExtensions"
        ]
    );
    assert!(sub(r, "name").required && sub(r, "endpoint").required);
    assert!(sub(r, "schema").required && sub(r, "schema").case_exact);
    let ext = sub(r, "schemaExtensions");
    assert!(ext.multi_valued && !ext.required);
    assert_eq!(names(&ext.sub_attributes), ["schema", "required"]);
    assert!(ext.sub_attributes.iter().all(|a| a.required));
}

#[test]
fn schema_of_schemas_describes_every_characteristic() {
    let s = schema();
    assert_eq!(
        names(&s.attributes),
        ["id", "name", "description", "attributes"]
    );
    let expected_subs = [
        "name",
        "type",
        "multiValued",
        "description",
        "required",
        "canonicalValues",
        "caseExact",
        "mutability",
        "returned",
        "uniqueness",
        "referenceTypes",
    ];
    let attrs = sub(s, "attributes");
    assert!(attrs.multi_valued && attrs.required);
    let mut with_subs = expected_subs.to_vec();
    with_subs.push("subAttributes");
    assert_eq!(names(&attrs.sub_attributes), with_subs);
    let subs = sub(s, "attributes.subAttributes");
    assert!(subs.multi_valued && subs.is_complex());
    assert_eq!(names(&subs.sub_attributes), expected_subs);

    // Every key an `Attribute` serialises to is described by the schema of schemas.
    let mut a = Attribute::reference("x", ["uri"])
        .canonical_values(["y"])
        .description("d");
    a.sub_attributes = vec![Attribute::string("z")];
    let json = serde_json::to_value(&a).unwrap();
    for key in json.as_object().unwrap().keys() {
        assert!(attrs.sub_attribute(key).is_some(), "{key}");
    }

    // The canonical values cover every value the model can produce.
    let all_types = [
        AttrType::String,
        AttrType::Boolean,
        AttrType::Decimal,
        AttrType::Integer,
        AttrType::DateTime,
        AttrType::Binary,
        AttrType::Reference,
        AttrType::Complex,
    ];
    let mutabilities = [
        Mutability::ReadOnly,
        Mutability::ReadWrite,
        Mutability::Immutable,
        Mutability::WriteOnly,
    ];
    let returned = [
        Returned::Always,
        Returned::Never,
        Returned::Default,
        Returned::Request,
    ];
    let uniqueness = [Uniqueness::None, Uniqueness::Server, Uniqueness::Global];
    for base in [attrs, subs] {
        let cv = |n: &str| base.sub_attribute(n).unwrap().canonical_values.clone();
        for t in all_types {
            assert!(cv("type").contains(&t.as_str().to_owned()), "{t}");
        }
        for m in mutabilities {
            assert!(cv("mutability").contains(&m.as_str().to_owned()));
        }
        for r in returned {
            assert!(cv("returned").contains(&r.as_str().to_owned()));
        }
        for u in uniqueness {
            assert!(cv("uniqueness").contains(&u.as_str().to_owned()));
        }
        assert!(base.sub_attribute("referenceTypes").unwrap().multi_valued);
        assert!(base.sub_attribute("canonicalValues").unwrap().multi_valued);
    }
}

#[test]
fn common_attributes_characteristics() {
    let c = common_attributes();
    assert_eq!(names(c), ["id", "externalId", "meta", "schemas"]);
    let id = &c[0];
    assert!(id.case_exact);
    assert_eq!(id.mutability, Mutability::ReadOnly);
    assert_eq!(id.returned, Returned::Always);
    assert_eq!(id.uniqueness, Uniqueness::Server);
    let external = &c[1];
    assert!(external.case_exact);
    assert_eq!(external.mutability, Mutability::ReadWrite);
    let meta = &c[2];
    assert!(meta.is_complex() && !meta.multi_valued);
    assert_eq!(meta.mutability, Mutability::ReadOnly);
    assert_eq!(
        names(&meta.sub_attributes),
        [
            "resourceType",
            "created",
            "lastModified",
            "location",
            "version"
        ]
    );
    for s in &meta.sub_attributes {
        assert_eq!(s.mutability, Mutability::ReadOnly, "meta.{}", s.name);
    }
    assert!(meta.sub_attribute("resourceType").unwrap().case_exact);
    assert!(meta.sub_attribute("version").unwrap().case_exact);
    assert_eq!(
        meta.sub_attribute("created").unwrap().ty,
        AttrType::DateTime
    );
    assert_eq!(
        meta.sub_attribute("lastModified").unwrap().ty,
        AttrType::DateTime
    );
    let location = meta.sub_attribute("location").unwrap();
    assert_eq!(location.ty, AttrType::Reference);
    assert_eq!(location.reference_types, ["uri"]);
    let schemas = &c[3];
    assert_eq!(schemas.ty, AttrType::Reference);
    assert_eq!(schemas.reference_types, ["uri"]);
    assert!(schemas.multi_valued && schemas.required);
    assert_eq!(schemas.returned, Returned::Always);
    assert_eq!(schemas.mutability, Mutability::ReadWrite);
}

#[test]
fn common_attributes_do_not_clash_with_resource_attributes() {
    for s in [user(), group(), enterprise_user()] {
        for a in common_attributes() {
            assert!(s.attribute(&a.name).is_none(), "{} in {}", a.name, s.id);
        }
    }
}

fn assert_no_nulls(v: &Value, path: &str) {
    match v {
        Value::Null => panic!("null at {path}"),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                assert_no_nulls(x, &format!("{path}[{i}]"));
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                assert_no_nulls(x, &format!("{path}.{k}"));
            }
        }
        _ => {}
    }
}

#[test]
fn every_schema_round_trips_through_json_without_nulls() {
    for s in all() {
        let v = serde_json::to_value(s).unwrap();
        assert_no_nulls(&v, &s.id);
        assert_eq!(v["schemas"], json!([urn::SCHEMA]));
        assert_eq!(serde_json::from_value::<Schema>(v).unwrap(), *s, "{}", s.id);
        let text = serde_json::to_string(s).unwrap();
        assert_eq!(serde_json::from_str::<Schema>(&text).unwrap(), *s);
    }
    for a in common_attributes() {
        let v = serde_json::to_value(a).unwrap();
        assert_no_nulls(&v, &a.name);
        assert_eq!(serde_json::from_value::<Attribute>(v).unwrap(), *a);
    }
}

fn assert_unique_names(path: &str, attrs: &[Attribute]) {
    let mut seen: Vec<String> = Vec::new();
    for a in attrs {
        let lower = a.name.to_ascii_lowercase();
        assert!(!seen.contains(&lower), "duplicate {} in {path}", a.name);
        seen.push(lower);
        assert_unique_names(&format!("{path}.{}", a.name), &a.sub_attributes);
    }
}

#[test]
fn no_duplicate_names_at_any_level() {
    for s in all() {
        assert_unique_names(&s.id, &s.attributes);
    }
    assert_unique_names("common", common_attributes());
}

#[test]
fn names_follow_attrname_grammar() {
    // RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar); "$ref" is the one reserved exception.
    for (path, a) in every_attribute() {
        if a.name == "$ref" {
            assert_eq!(a.ty, AttrType::Reference, "{path}");
            continue;
        }
        let mut chars = a.name.chars();
        assert!(
            chars.next().is_some_and(|c| c.is_ascii_alphabetic()),
            "{path}"
        );
        assert!(
            chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{path}"
        );
    }
}

#[test]
fn characteristics_are_consistent_with_types() {
    for (path, a) in every_attribute() {
        assert!(!a.description.is_empty(), "{path}: no description");
        if a.ty == AttrType::Reference {
            assert!(!a.reference_types.is_empty(), "{path}: no referenceTypes");
        } else {
            assert!(a.reference_types.is_empty(), "{path}: stray referenceTypes");
        }
        if a.is_complex() {
            assert!(
                !a.sub_attributes.is_empty(),
                "{path}: complex without sub-attributes"
            );
        } else {
            assert!(
                a.sub_attributes.is_empty(),
                "{path}: sub-attributes on {}",
                a.ty
            );
        }
        if !a.canonical_values.is_empty() {
            assert_eq!(
                a.ty,
                AttrType::String,
                "{path}: canonicalValues on {}",
                a.ty
            );
        }
        if a.case_exact {
            assert!(
                matches!(a.ty, AttrType::String | AttrType::Reference),
                "{path}: caseExact on {}",
                a.ty
            );
        }
        if a.mutability == Mutability::WriteOnly {
            assert_eq!(
                a.returned,
                Returned::Never,
                "{path}: writeOnly must never be returned"
            );
        }
    }
}

#[test]
fn sub_attributes_nest_one_level_outside_the_schema_of_schemas() {
    // RFC 7643 §2.3.8: a complex attribute MUST NOT contain sub-attributes that have
    // sub-attributes. Only the schema of schemas (§8.7.2) breaks this, by design.
    for (path, a) in every_attribute() {
        if path.starts_with(urn::SCHEMA) {
            continue;
        }
        for s in &a.sub_attributes {
            assert!(!s.is_complex(), "{path}.{}", s.name);
        }
    }
}

#[test]
fn builtin_schemas_validate_shape_against_schema_of_schemas() {
    // Every attribute of every built-in schema uses only type/mutability/returned/uniqueness
    // values listed as canonical by the schema of schemas.
    let attrs = sub(schema(), "attributes");
    let cv = |n: &str| attrs.sub_attribute(n).unwrap().canonical_values.clone();
    for (path, a) in every_attribute() {
        assert!(cv("type").contains(&a.ty.as_str().to_owned()), "{path}");
        assert!(
            cv("mutability").contains(&a.mutability.as_str().to_owned()),
            "{path}"
        );
        assert!(
            cv("returned").contains(&a.returned.as_str().to_owned()),
            "{path}"
        );
        assert!(
            cv("uniqueness").contains(&a.uniqueness.as_str().to_owned()),
            "{path}"
        );
    }
}
