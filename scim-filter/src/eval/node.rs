//! The compiled form of a filter ([`Node`]) and its evaluation against JSON values.

use scim_core::DateTime;
use serde_json::{Map, Value};

use super::convert::Operand;
use super::text::{Needle, compare_str, ordered};
use crate::ast::CompareOp;

/// Where a value lives in a resource (or in a complex value), with canonical keys.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Loc {
    pub(super) ext: Option<String>,
    pub(super) attr: String,
    pub(super) sub: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Const(bool),
    /// A whole `and` chain, flattened.
    All(Vec<Node>),
    /// A whole `or` chain, flattened.
    Any(Vec<Node>),
    Not(Box<Node>),
    Present(Loc),
    Compare(Loc, Test),
    /// `attr[filter]`: some value of `attr` matches the inner node.
    Some(Loc, Box<Node>),
}

/// A comparison with its operand already converted to the attribute's type.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Test {
    op: CompareOp,
    operand: Operand,
    /// For `co` on text: the needle's substring searcher, built once here.
    contains: Option<Needle>,
}

impl Test {
    /// A comparison of values with `operand` (already converted, and folded when the attribute
    /// is not case-exact).
    pub(super) fn new(op: CompareOp, operand: Operand) -> Self {
        let contains = match (&operand, op) {
            (Operand::Text { s, .. }, CompareOp::Co) => Some(Needle::new(s)),
            _ => None,
        };
        Test {
            op,
            operand,
            contains,
        }
    }
}

impl Node {
    pub(super) fn eval(&self, map: &Map<String, Value>) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::All(items) => items.iter().all(|n| n.eval(map)),
            Node::Any(items) => items.iter().any(|n| n.eval(map)),
            Node::Not(n) => !n.eval(map),
            Node::Present(loc) => any_value(map, loc, &mut is_present),
            Node::Compare(loc, test) => any_value(map, loc, &mut |v| test.holds(v)),
            Node::Some(loc, inner) => any_value(map, loc, &mut |v| match v {
                Value::Object(obj) => inner.eval(obj),
                _ => false,
            }),
        }
    }
}

/// Whether `f` holds for some value at `loc`; arrays are searched element by element.
fn any_value(map: &Map<String, Value>, loc: &Loc, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    let top = match &loc.ext {
        Some(urn) => map.get(urn).and_then(|e| e.get(&loc.attr)),
        None => map.get(&loc.attr),
    };
    let Some(v) = top else {
        return false;
    };
    match &loc.sub {
        None => each(v, f),
        Some(sub) => match v {
            Value::Array(items) => items
                .iter()
                .any(|item| item.get(sub).is_some_and(|x| each(x, f))),
            Value::Object(obj) => obj.get(sub).is_some_and(|x| each(x, f)),
            _ => false,
        },
    }
}

fn each(v: &Value, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    match v {
        Value::Array(items) => items.iter().any(f),
        other => f(other),
    }
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
        let op = self.op;
        match &self.operand {
            Operand::Text { s, case_exact } => match v {
                Value::String(x) => compare_str(op, x, s, *case_exact, self.contains.as_ref()),
                _ => false,
            },
            Operand::Bool(b) => match v {
                Value::Bool(x) => (x == b) == (op == CompareOp::Eq),
                _ => false,
            },
            Operand::Number { n, int } => {
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
                ordered(op, ord)
            }
            Operand::Date(at) => match v.as_str().and_then(DateTime::parse) {
                Some(d) => ordered(op, d.cmp(at)),
                None => false,
            },
        }
    }
}
