//! Property: printing any syntax tree and parsing the text gives the same tree back.

use proptest::prelude::*;
use scim_filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath, ValuePath};
use serde_json::Number;

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "userName",
        "emails",
        "type",
        "value",
        "a",
        "B",
        "x1",
        "$ref",
        "display-name",
        "given_name",
        "notes",
        "order",
        "pr",
        "eq",
    ])
    .prop_map(str::to_owned)
}

fn urn() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.2,
        prop::sample::select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "URN:acme:v1.2:x-y_z",
        ])
        .prop_map(str::to_owned),
    )
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (urn(), name(), prop::option::of(name())).prop_map(|(urn, name, sub_attr)| AttrPath {
        urn,
        name,
        sub_attr,
    })
}

/// An attribute that can carry a value filter: no sub-attribute.
fn value_path_attr() -> impl Strategy<Value = AttrPath> {
    (urn(), name()).prop_map(|(urn, name)| AttrPath {
        urn,
        name,
        sub_attr: None,
    })
}

fn string() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '"', '\\', '/', '\n', '\r', '\t', '\u{0}', '\u{1f}', '\u{7f}', 'é', '例', '😀', '\u{2028}',
        '\u{feff}', ' ',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), special], 0..12)
        .prop_map(|chars| chars.into_iter().collect())
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        (-1000i32..1000, -20i32..20).prop_filter_map("finite", |(m, e)| {
            Number::from_f64(f64::from(m) * 10f64.powi(e))
        }),
    ]
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        number().prop_map(CompValue::Number),
        string().prop_map(CompValue::String),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

fn attr_exp() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (attr_path(), compare_op(), comp_value()).prop_map(|(path, op, value)| Filter::Compare {
            path,
            op,
            value
        }),
        attr_path().prop_map(Filter::Present),
    ]
}

/// Combines operands with `and`, `or` and `not`.
fn logic(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(6, 48, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::Or(Box::new(l), Box::new(r))),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
    .boxed()
}

/// `valFilter`: no value paths inside.
fn val_filter() -> BoxedStrategy<Filter> {
    logic(attr_exp().boxed())
}

fn value_path() -> impl Strategy<Value = ValuePath> {
    (value_path_attr(), val_filter()).prop_map(|(attr, filter)| ValuePath {
        attr,
        filter: Box::new(filter),
    })
}

fn filter() -> BoxedStrategy<Filter> {
    let leaf = prop_oneof![
        4 => attr_exp(),
        1 => value_path().prop_map(Filter::ValuePath),
    ];
    logic(leaf.boxed())
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path().prop_map(PatchPath::Attr),
        (value_path(), prop::option::of(name())).prop_map(|(value_path, sub_attr)| {
            PatchPath::Value {
                value_path,
                sub_attr,
            }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn filters_round_trip(f in filter()) {
        let text = f.to_string();
        prop_assert_eq!(Filter::parse(&text), Ok(f), "{}", text);
    }

    #[test]
    fn canonical_text_is_a_fixed_point(f in filter()) {
        let text = f.to_string();
        let reparsed = Filter::parse(&text).map(|g| g.to_string());
        prop_assert_eq!(reparsed, Ok(text));
    }

    #[test]
    fn patch_paths_round_trip(p in patch_path()) {
        let text = p.to_string();
        prop_assert_eq!(PatchPath::parse(&text), Ok(p), "{}", text);
    }

    #[test]
    fn attr_paths_round_trip(p in attr_path()) {
        prop_assert_eq!(AttrPath::parse(&p.to_string()), Ok(p));
    }

    #[test]
    fn serde_round_trips(f in filter()) {
        let json = serde_json::to_string(&f).unwrap();
        prop_assert_eq!(serde_json::from_str::<Filter>(&json).unwrap(), f);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,64}") {
        let _ = Filter::parse(&s);
        let _ = PatchPath::parse(&s);
        let _ = AttrPath::parse(&s);
    }

    #[test]
    fn filter_like_text_never_panics_and_reparses(
        tokens in prop::collection::vec(prop::sample::select(vec![
            "a", "b.c", "urn:x:y:z", "[", "]", "(", ")", "not", "and", "or", "eq", "pr", "\"s\"",
            "1", "-2.5e3", "true", "null", " ", ".", "\"\\u00e9\"", "é",
        ]), 0..24)
    ) {
        let text = tokens.join(" ");
        if let Ok(f) = Filter::parse(&text) {
            // Whatever parses prints to text that parses to the same tree.
            prop_assert_eq!(Filter::parse(&f.to_string()), Ok(f));
        }
    }
}
