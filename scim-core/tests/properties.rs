//! Property tests of validation and projection over arbitrary User-like JSON: known attribute
//! names in random case, values of random types, nulls, dotted and URN-qualified keys,
//! readOnly attributes and unknown keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use scim_core::validate::{UnknownAttributes, ValidationOptions, validate_create};
use scim_core::{Projection, Resource, ResourceType, ScimType, urn};
use serde_json::{Map, Value, json};

const ENT: &str = urn::ENTERPRISE_USER;

/// `name` in its canonical spelling or in random case.
fn any_case(name: &str) -> BoxedStrategy<String> {
    let canonical = name.to_owned();
    let n = name.chars().count();
    prop_oneof![
        Just(canonical.clone()),
        prop::collection::vec(any::<bool>(), n).prop_map(move |ups| {
            canonical
                .chars()
                .zip(ups)
                .map(|(c, up)| {
                    if up {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect()
        }),
    ]
    .boxed()
}

fn one_of_names(names: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(names).prop_flat_map(any_case).boxed()
}

fn string() -> BoxedStrategy<Value> {
    "[a-zA-Z0-9 @.+()-]{0,12}".prop_map(Value::String).boxed()
}

fn string_or_null() -> BoxedStrategy<Value> {
    prop_oneof![4 => string(), 1 => Just(Value::Null)].boxed()
}

fn boolish() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(&["True", "False", "true", "false", "FALSE", "yes", ""][..])
            .prop_map(|s| json!(s)),
        Just(Value::Null),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(&["True", "false", "FALSE", "2011-05-13T04:42:34Z", "aGVsbG8="][..])
            .prop_map(|s| json!(s)),
        string(),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
    ]
    .boxed()
}

/// Keys for nested objects: known sub-attribute names in random case, or unknown ones.
fn sub_key() -> BoxedStrategy<String> {
    const SUBS: &[&str] = &[
        "value",
        "type",
        "primary",
        "display",
        "$ref",
        "givenName",
        "familyName",
        "displayName",
        "department",
        "manager",
        "created",
    ];
    prop_oneof![3 => one_of_names(SUBS), 1 => "[a-z]{1,6}"].boxed()
}

/// Arbitrary JSON, a few levels deep.
fn any_json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((sub_key(), inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
        .boxed()
}

fn object(entries: Vec<(String, Value)>) -> Value {
    Value::Object(entries.into_iter().collect())
}

/// A plausible multi-valued complex value (emails, phoneNumbers, …), with nulls.
fn multi_complex() -> BoxedStrategy<Value> {
    let item = prop::collection::vec(
        prop_oneof![
            (any_case("value"), string_or_null()),
            (any_case("type"), string_or_null()),
            (any_case("primary"), boolish()),
            (any_case("display"), string_or_null()),
            ("[a-z]{1,6}", leaf()),
        ],
        0..4,
    )
    .prop_map(object);
    prop_oneof![
        4 => prop::collection::vec(prop_oneof![5 => item, 1 => Just(Value::Null)], 0..3)
            .prop_map(Value::Array),
        1 => Just(Value::Null),
    ]
    .boxed()
}

fn name_value() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => prop::collection::vec(
            (
                one_of_names(&["givenName", "familyName", "formatted", "middleName", "nickname"]),
                string_or_null(),
            ),
            0..4,
        )
        .prop_map(object),
        1 => Just(Value::Null),
    ]
    .boxed()
}

fn manager_value() -> BoxedStrategy<Value> {
    prop_oneof![
        string(),
        Just(Value::Null),
        prop::collection::vec(
            (
                one_of_names(&["value", "$ref", "displayName"]),
                string_or_null()
            ),
            0..3
        )
        .prop_map(object),
    ]
    .boxed()
}

fn enterprise_value() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => prop::collection::vec(
            prop_oneof![
                (
                    one_of_names(&["department", "employeeNumber", "costCenter", "division"]),
                    string_or_null()
                ),
                (any_case("manager"), manager_value()),
                ("[a-z]{1,6}", leaf()),
            ],
            0..4,
        )
        .prop_map(object),
        1 => Just(Value::Null),
    ]
    .boxed()
}

/// One top-level key and value of a User-like input.
fn entry() -> BoxedStrategy<(String, Value)> {
    const STRINGS: &[&str] = &[
        "userName",
        "displayName",
        "nickName",
        "title",
        "externalId",
        "password",
        "locale",
        "profileUrl",
        "name.givenName",
        "name.familyName",
    ];
    const MULTI: &[&str] = &[
        "emails",
        "phoneNumbers",
        "ims",
        "roles",
        "entitlements",
        "addresses",
    ];
    const READ_ONLY: &[&str] = &["id", "meta", "groups", "meta.created"];
    const KNOWN: &[&str] = &[
        "userName",
        "name",
        "active",
        "emails",
        "schemas",
        "x509Certificates",
        "photos",
        "department",
        "manager",
    ];
    let ent_keys = prop::sample::select(
        &[
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
        ][..],
    )
    .prop_flat_map(any_case);
    let schemas = prop_oneof![
        Just(json!([urn::USER])),
        Just(json!([urn::USER, ENT])),
        Just(json!([ENT.to_uppercase(), urn::USER.to_lowercase()])),
        Just(json!([urn::USER, "urn:example:unknown"])),
        Just(json!([])),
    ];
    prop_oneof![
        6 => (one_of_names(STRINGS), string_or_null()),
        2 => (any_case("active"), boolish()),
        2 => (any_case("name"), name_value()),
        4 => (one_of_names(MULTI), multi_complex()),
        2 => (any_case(ENT), enterprise_value()),
        2 => (ent_keys, string_or_null()),
        1 => (any_case("schemas"), schemas),
        2 => (one_of_names(READ_ONLY), any_json()),
        2 => (one_of_names(KNOWN), any_json()),
        2 => ("[a-z]{1,8}", any_json()),
    ]
    .boxed()
}

/// A User-like input: usually with a userName, then random entries.
fn user_input() -> impl Strategy<Value = Value> {
    (
        prop::option::weighted(0.8, ("[a-zA-Z0-9@.]{1,10}", any_case("userName"))),
        prop::collection::vec(entry(), 0..10),
    )
        .prop_map(|(user_name, entries)| {
            let mut m = Map::new();
            if let Some((v, k)) = user_name {
                m.insert(k, Value::String(v));
            }
            m.extend(entries);
            Value::Object(m)
        })
}

/// An `attributes`/`excludedAttributes` value drawn from known (and a few unknown) names.
fn attr_list() -> impl Strategy<Value = Option<String>> {
    const NAMES: &[&str] = &[
        "userName",
        "name",
        "name.givenName",
        "emails",
        "emails.value",
        "emails.type",
        "phoneNumbers.value",
        "password",
        "id",
        "schemas",
        "meta",
        "meta.created",
        "groups",
        "active",
        "displayName",
        "manager",
        "bogus",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    ];
    prop::option::of(prop::collection::vec(one_of_names(NAMES), 0..5).prop_map(|v| v.join(",")))
}

fn all_options() -> [(&'static str, ValidationOptions); 4] {
    [
        ("default", ValidationOptions::default()),
        (
            "keep",
            ValidationOptions::default().unknown_attributes(UnknownAttributes::Keep),
        ),
        (
            "reject",
            ValidationOptions::default().unknown_attributes(UnknownAttributes::Reject),
        ),
        ("strict", ValidationOptions::strict()),
    ]
}

/// No null, empty array or empty object anywhere below the top level (RFC 7643 §2.5).
fn find_unassigned(v: &Value, at: &str) -> Option<String> {
    match v {
        Value::Null => Some(format!("null at {at}")),
        Value::Array(items) if items.is_empty() => Some(format!("[] at {at}")),
        Value::Object(m) if m.is_empty() && !at.is_empty() => Some(format!("{{}} at {at}")),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_unassigned(item, &format!("{at}[{i}]"))),
        Value::Object(m) => m
            .iter()
            .find_map(|(k, item)| find_unassigned(item, &format!("{at}/{k}"))),
        _ => None,
    }
}

/// Whether `small` is `big` with some object members and array items removed.
fn is_subtree(small: &Value, big: &Value) -> bool {
    match (small, big) {
        (Value::Object(s), Value::Object(b)) => s
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|bv| is_subtree(v, bv))),
        (Value::Array(s), Value::Array(b)) => {
            // Greedy subsequence embedding: items keep their order.
            let mut rest = b.iter();
            s.iter()
                .all(|item| rest.any(|candidate| is_subtree(item, candidate)))
        }
        _ => small == big,
    }
}

fn top_key<'v>(v: &'v Value, name: &str) -> Option<(&'v String, &'v Value)> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
}

fn check_projection(
    ty: &ResourceType,
    input: &Value,
    attrs: Option<&str>,
    excl: Option<&str>,
) -> Result<(), TestCaseError> {
    let resource = Resource::from_value(input.clone()).unwrap();
    let out = Projection::parse(ty, attrs, excl)
        .apply(ty, &resource)
        .into_value();
    prop_assert!(
        top_key(&out, "password").is_none(),
        "password returned: {out} (attributes={attrs:?}, excludedAttributes={excl:?})"
    );
    prop_assert_eq!(
        top_key(&out, "id"),
        top_key(input, "id"),
        "id not returned (attributes={:?}, excludedAttributes={:?})",
        attrs,
        excl
    );
    prop_assert!(
        is_subtree(&out, input),
        "projection is not a sub-tree of the input:\n out {out}\n in  {input}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // No regressions file beside the sources: failures print their minimal input.
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    /// validate_create never panics; its errors are 400 invalidValue; its output is stable
    /// under revalidation, holds no unassigned values and no readOnly top-level attribute.
    #[test]
    fn validate_create_properties(input in user_input()) {
        let users = ResourceType::user();
        let groups = ResourceType::group();
        for (opt_name, opts) in all_options() {
            // Never panics, whatever the type.
            let _ = validate_create(&groups, input.clone(), &opts);
            match validate_create(&users, input.clone(), &opts) {
                Err(e) => {
                    prop_assert_eq!(e.status(), 400);
                    prop_assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{}: {:?}", opt_name, e);
                }
                Ok(r) => {
                    let out = r.into_value();
                    if let Some(problem) = find_unassigned(&out, "") {
                        prop_assert!(false, "{}: {} in {}", opt_name, problem, out);
                    }
                    for ro in ["id", "meta", "groups"] {
                        prop_assert!(top_key(&out, ro).is_none(), "{}: readOnly {} in {}", opt_name, ro, out);
                    }
                    prop_assert_eq!(out["schemas"][0].as_str(), Some(urn::USER), "{}: schemas {}", opt_name, out);
                    if out.get(ENT).is_some() {
                        prop_assert!(out["schemas"].as_array().unwrap().contains(&json!(ENT)));
                    }
                    let again = validate_create(&users, out.clone(), &opts);
                    prop_assert!(again.is_ok(), "{}: revalidation failed: {:?}\n out {}", opt_name, again, out);
                    prop_assert_eq!(again.unwrap().into_value(), out.clone(), "{}: not idempotent", opt_name);
                }
            }
        }
    }

    /// Projection of a stored resource never returns password, returns id whenever the
    /// resource has one, only removes things, and agrees with the default fast path.
    #[test]
    fn projection_properties(
        input in user_input(),
        keep in any::<bool>(),
        with_id in any::<bool>(),
        attrs in attr_list(),
        excl in attr_list(),
    ) {
        let users = ResourceType::user();
        let opts = if keep {
            ValidationOptions::default().unknown_attributes(UnknownAttributes::Keep)
        } else {
            ValidationOptions::default()
        };
        let Ok(mut stored) = validate_create(&users, input, &opts) else {
            return Ok(());
        };
        if with_id {
            stored.set_id("2819c223");
        }
        stored.insert("meta", json!({"resourceType": "User", "created": "2010-01-23T04:56:22Z"}));
        stored.insert("password", json!("t1meMa$heen"));
        stored.insert("groups", json!([{"value": "g1", "display": "Tour Guides"}]));
        let stored = stored.into_value();
        check_projection(&users, &stored, attrs.as_deref(), excl.as_deref())?;

        // excludedAttributes=id has no effect (id is returned: always), and takes the general
        // path instead of the default fast path.
        let resource = Resource::from_value(stored).unwrap();
        prop_assert_eq!(
            Projection::parse(&users, None, Some("id")).apply(&users, &resource),
            Projection::default().apply(&users, &resource)
        );
    }
}

/// How often the generator yields valid users: the properties above mean little otherwise.
#[test]
fn generator_yields_enough_valid_users() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let users = ResourceType::user();
    let mut runner = TestRunner::deterministic();
    let strategy = user_input();
    let ok = (0..400)
        .filter(|_| {
            let input = strategy.new_tree(&mut runner).unwrap().current();
            validate_create(&users, input, &ValidationOptions::default()).is_ok()
        })
        .count();
    assert!(ok >= 80, "only {ok} of 400 generated inputs validate");
}
