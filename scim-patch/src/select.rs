//! Value filters inside PATCH paths (`emails[type eq "work"]`): compiled against the
//! multi-valued attribute's sub-attributes and matched against each value (RFC 7644 §3.5.2,
//! §3.4.2.2).
//!
//! The semantics follow `scim-filter`'s resource-level evaluation: `caseExact` decides whether
//! strings compare case-sensitively, `dateTime` values compare as instants, numbers and
//! booleans as their types, `pr` is false for `null`, `""`, `[]` and `{}`, and `eq null` matches
//! an unassigned sub-attribute. One addition: the `value` of a member-like attribute (one with a
//! `$ref`, such as `members`) is a resource id and always compares case-sensitively
//! (RFC 7643 §3.1: `id` is `caseExact`).

use std::cmp::Ordering;

use scim_core::{AttrType, Attribute, DateTime};
use scim_filter::{AttrPath, CompValue, CompareOp, Filter};
use serde_json::{Map, Value};

/// Why a value filter cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SelectError {
    /// A name that is not a sub-attribute of the filtered attribute (`invalidPath`).
    Unknown(String),
    /// A comparison the sub-attribute's type does not support (`invalidFilter`).
    Invalid(String),
}

/// A compiled value filter, evaluated against one value (a JSON object) at a time.
///
/// `and`/`or` chains are flattened into vectors, so neither compiling nor matching recurses
/// along a chain; recursion depth is the filter's nesting, which the parser bounds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ElemFilter {
    Const(bool),
    All(Vec<ElemFilter>),
    Any(Vec<ElemFilter>),
    Not(Box<ElemFilter>),
    Present(String),
    Compare(String, Test),
}

/// A comparison with its operand converted to the sub-attribute's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    /// `needle` is lowercased when `!case_exact`.
    Str {
        op: CompareOp,
        needle: String,
        case_exact: bool,
    },
    Num {
        op: CompareOp,
        n: f64,
        int: Option<i64>,
    },
    Bool {
        op: CompareOp,
        b: bool,
    },
    Date {
        op: CompareOp,
        at: DateTime,
    },
}

/// Whether the attribute is "member-like": multi-valued, complex, with `value` and `$ref`
/// sub-attributes. Its values are identified by `value` (a resource id, compared exactly).
pub(crate) fn is_member_like(attr: &Attribute) -> bool {
    attr.multi_valued
        && attr.is_complex()
        && attr.sub_attribute("value").is_some()
        && attr.sub_attribute("$ref").is_some()
}

/// The identity key of a value of a member-like attribute: its `value` string.
pub(crate) fn key_of(v: &Value) -> Option<&str> {
    v.as_object()?.get("value")?.as_str()
}

impl ElemFilter {
    /// Compiles `filter` against the sub-attributes of `attr`.
    pub(crate) fn compile(filter: &Filter, attr: &Attribute) -> Result<ElemFilter, SelectError> {
        let ids = is_member_like(attr);
        compile(filter, attr, ids)
    }

    /// Whether the value matches. Non-object values never match.
    pub(crate) fn matches(&self, value: &Value) -> bool {
        match value {
            Value::Object(obj) => self.eval(obj),
            _ => false,
        }
    }

    fn eval(&self, obj: &Map<String, Value>) -> bool {
        match self {
            ElemFilter::Const(b) => *b,
            ElemFilter::All(items) => items.iter().all(|f| f.eval(obj)),
            ElemFilter::Any(items) => items.iter().any(|f| f.eval(obj)),
            ElemFilter::Not(f) => !f.eval(obj),
            ElemFilter::Present(name) => obj.get(name).is_some_and(is_present),
            ElemFilter::Compare(name, test) => match obj.get(name) {
                Some(Value::Array(items)) => items.iter().any(|v| test.holds(v)),
                Some(v) => test.holds(v),
                None => false,
            },
        }
    }
}

fn compile(filter: &Filter, attr: &Attribute, ids: bool) -> Result<ElemFilter, SelectError> {
    Ok(match filter {
        Filter::And(..) | Filter::Or(..) => {
            let is_and = matches!(filter, Filter::And(..));
            // Walk the left spine of a same-operator chain in a loop.
            let mut rights = Vec::new();
            let mut cur = filter;
            while let (Filter::And(l, r), true) | (Filter::Or(l, r), false) = (cur, is_and) {
                rights.push(&**r);
                cur = l;
            }
            let mut terms = Vec::with_capacity(rights.len() + 1);
            terms.push(compile(cur, attr, ids)?);
            for r in rights.into_iter().rev() {
                terms.push(compile(r, attr, ids)?);
            }
            if is_and {
                ElemFilter::All(terms)
            } else {
                ElemFilter::Any(terms)
            }
        }
        Filter::Not(f) => ElemFilter::Not(Box::new(compile(f, attr, ids)?)),
        Filter::Present(path) => ElemFilter::Present(locate(path, attr)?.name.clone()),
        Filter::Compare { path, op, value } => {
            let sub = locate(path, attr)?;
            compile_compare(path, sub, ids && sub.name == "value", *op, value)?
        }
        Filter::ValuePath(vp) => {
            return Err(SelectError::Invalid(format!(
                "{} cannot be used inside the value filter of {}",
                vp, attr.name
            )));
        }
    })
}

/// The sub-attribute a path inside a value filter names. `emails[emails.type eq "work"]`
/// (the attribute's own name as a prefix) is accepted too.
fn locate<'a>(path: &AttrPath, attr: &'a Attribute) -> Result<&'a Attribute, SelectError> {
    let name = match (&path.urn, &path.sub_attr) {
        (None, None) => path.name.as_str(),
        (None, Some(sub)) if path.name.eq_ignore_ascii_case(&attr.name) => sub.as_str(),
        _ => return Err(SelectError::Unknown(path.to_string())),
    };
    attr.sub_attribute(name)
        .ok_or_else(|| SelectError::Unknown(format!("{}.{}", attr.name, name)))
}

fn compile_compare(
    path: &AttrPath,
    sub: &Attribute,
    force_exact: bool,
    op: CompareOp,
    value: &CompValue,
) -> Result<ElemFilter, SelectError> {
    let mismatch = || {
        SelectError::Invalid(format!(
            "{path} is of type {} and cannot be compared with {value}",
            sub.ty
        ))
    };
    let unsupported = || {
        SelectError::Invalid(format!(
            "the operator {op} is not supported for {path} (of type {})",
            sub.ty
        ))
    };
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le
    );
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let name = sub.name.clone();
    if let CompValue::Null = value {
        return match op {
            CompareOp::Eq => Ok(ElemFilter::Not(Box::new(ElemFilter::Present(name)))),
            CompareOp::Ne => Ok(ElemFilter::Present(name)),
            _ => Err(unsupported()),
        };
    }
    let test = match sub.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let CompValue::String(s) = value else {
                return Err(mismatch());
            };
            if sub.ty == AttrType::Binary && (ordering || substring) {
                return Err(unsupported());
            }
            let case_exact = sub.case_exact || force_exact || sub.ty == AttrType::Binary;
            Test::Str {
                op,
                needle: if case_exact {
                    s.clone()
                } else {
                    s.to_lowercase()
                },
                case_exact,
            }
        }
        AttrType::Boolean => {
            if ordering || substring {
                return Err(unsupported());
            }
            let b = match value {
                CompValue::Bool(b) => *b,
                CompValue::String(s) if s.eq_ignore_ascii_case("true") => true,
                CompValue::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return Err(mismatch()),
            };
            Test::Bool { op, b }
        }
        AttrType::Integer | AttrType::Decimal => {
            if substring {
                return Err(unsupported());
            }
            let CompValue::Number(n) = value else {
                return Err(mismatch());
            };
            Test::Num {
                op,
                n: n.as_f64().ok_or_else(mismatch)?,
                int: n.as_i64(),
            }
        }
        AttrType::DateTime => {
            if substring {
                return Err(unsupported());
            }
            let CompValue::String(s) = value else {
                return Err(mismatch());
            };
            Test::Date {
                op,
                at: DateTime::parse(s).ok_or_else(mismatch)?,
            }
        }
        AttrType::Complex => return Err(mismatch()),
    };
    Ok(ElemFilter::Compare(name, test))
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

impl Test {
    fn holds(&self, v: &Value) -> bool {
        match self {
            Test::Str {
                op,
                needle,
                case_exact,
            } => match v {
                Value::String(s) => compare_str(*op, s, needle, *case_exact),
                _ => false,
            },
            Test::Bool { op, b } => match v {
                Value::Bool(x) => (x == b) == (*op == CompareOp::Eq),
                _ => false,
            },
            Test::Num { op, n, int } => {
                let Value::Number(x) = v else {
                    return false;
                };
                let ord = match (x.as_i64(), int) {
                    (Some(a), Some(b)) => a.cmp(b),
                    _ => match x.as_f64().and_then(|a| a.partial_cmp(n)) {
                        Some(o) => o,
                        None => return false,
                    },
                };
                ordered(*op, ord)
            }
            Test::Date { op, at } => match v.as_str().and_then(DateTime::parse) {
                Some(d) => ordered(*op, d.cmp(at)),
                None => false,
            },
        }
    }
}

fn ordered(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        // Rejected when compiling, for every type but strings.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Compares a candidate with a needle that is already lowercased when `!case_exact`.
fn compare_str(op: CompareOp, s: &str, needle: &str, case_exact: bool) -> bool {
    if case_exact {
        return match op {
            CompareOp::Eq => s == needle,
            CompareOp::Ne => s != needle,
            CompareOp::Co => s.contains(needle),
            CompareOp::Sw => s.starts_with(needle),
            CompareOp::Ew => s.ends_with(needle),
            _ => ordered(op, s.cmp(needle)),
        };
    }
    if s.is_ascii() && needle.is_ascii() {
        // No allocation on the common path.
        let (h, n) = (s.as_bytes(), needle.as_bytes());
        return match op {
            CompareOp::Eq => s.eq_ignore_ascii_case(needle),
            CompareOp::Ne => !s.eq_ignore_ascii_case(needle),
            CompareOp::Sw => h.len() >= n.len() && h[..n.len()].eq_ignore_ascii_case(n),
            CompareOp::Ew => h.len() >= n.len() && h[h.len() - n.len()..].eq_ignore_ascii_case(n),
            CompareOp::Co => n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)),
            _ => ordered(
                op,
                h.iter().map(u8::to_ascii_lowercase).cmp(n.iter().copied()),
            ),
        };
    }
    let lower = s.to_lowercase();
    compare_str(op, &lower, needle, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::ResourceType;
    use serde_json::json;

    fn compiled(attr: &str, filter: &str) -> Result<ElemFilter, SelectError> {
        let users = ResourceType::user();
        let groups = ResourceType::group();
        let a = users
            .resolve(attr)
            .or_else(|| groups.resolve(attr))
            .unwrap()
            .attribute();
        ElemFilter::compile(&Filter::parse(filter).unwrap(), a)
    }

    #[test]
    fn matches_values_with_schema_semantics() {
        let email = json!({"value": "BJensen@Example.com", "type": "work", "primary": true});
        let cases = [
            (r#"type eq "WORK""#, true),
            (r#"value co "example.COM""#, true),
            (r#"type eq "work" and primary eq true"#, true),
            (r#"type eq "home" or primary eq "True""#, true),
            (r#"not (type eq "work")"#, false),
            ("display pr", false),
            ("display eq null", true),
            ("primary ne true", false),
            (r#"emails.type eq "work""#, true),
            (
                r#"type sw "wo" and value ew ".com" and type ne "home""#,
                true,
            ),
            (r#"value gt "a""#, true),
        ];
        for (f, want) in cases {
            assert_eq!(compiled("emails", f).unwrap().matches(&email), want, "{f}");
        }
        assert!(!compiled("emails", "type pr").unwrap().matches(&json!("x")));
    }

    #[test]
    fn member_values_compare_exactly() {
        let m = json!({"value": "AbC"});
        assert!(
            compiled("members", r#"value eq "AbC""#)
                .unwrap()
                .matches(&m)
        );
        assert!(
            !compiled("members", r#"value eq "abc""#)
                .unwrap()
                .matches(&m)
        );
        assert!(
            compiled("members", r#"display eq null"#)
                .unwrap()
                .matches(&m)
        );
    }

    #[test]
    fn rejects_unknown_names_and_bad_comparisons() {
        assert!(matches!(
            compiled("emails", r#"kind eq "x""#),
            Err(SelectError::Unknown(_))
        ));
        assert!(matches!(
            compiled("emails", "primary gt true"),
            Err(SelectError::Invalid(_))
        ));
        assert!(matches!(
            compiled("emails", "type eq 3"),
            Err(SelectError::Invalid(_))
        ));
    }

    #[test]
    fn long_chains_compile_flat() {
        let mut f = String::from(r#"type eq "t0""#);
        for i in 1..2000 {
            f.push_str(&format!(r#" or type eq "t{i}""#));
        }
        let c = compiled("emails", &f).unwrap();
        let ElemFilter::Any(items) = &c else {
            panic!("not flat")
        };
        assert_eq!(items.len(), 2000);
        assert!(c.matches(&json!({"type": "t1999"})));
    }
}
