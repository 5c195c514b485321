//! Schema-aware filter evaluation (RFC 7644 §3.4.2.2).
//!
//! A [`Filter`] is checked and compiled once against a [`ResourceType`] into a [`Matcher`]:
//! names are resolved to their canonical spelling, each comparison value is converted to the
//! attribute's type (so `dateTime` values compare as instants and `caseExact: false` strings
//! are folded once), and comparisons the schema cannot support are rejected with
//! `invalidFilter`. [`Matcher::matches`] then evaluates without lookups or allocation on the
//! common paths.
//!
//! Semantics:
//! - `caseExact` decides whether strings compare case-sensitively.
//! - `dateTime` values compare as instants; `boolean`, `integer` and `decimal` compare as
//!   their types; `binary` supports only `eq`, `ne` and `pr`; `boolean` only `eq`, `ne`, `pr`.
//! - A comparison on a multi-valued attribute matches if any value matches; on a complex
//!   attribute without a sub-attribute it compares the `value` sub-attribute
//!   (`emails co "example.com"` compares `emails.value`).
//! - `pr` is false for `null`, `""`, `[]` and `{}`; `eq null` matches an unassigned attribute
//!   and `ne null` an assigned one.
//! - An attribute the resource type does not define matches nothing (RFC 7644 §3.4.2.2); use
//!   [`Filter::resolve`] to reject such filters instead.
//! - Comparing incompatible types (`active gt true`, `userName eq 12`,
//!   `meta.created gt "yesterday"`) is an [`EvalError`] (400 `invalidFilter`), not a silent
//!   false.

use std::cmp::Ordering;

use scim_core::{AttrType, Attribute, DateTime, Resource, ResourceType, ScimError};
use serde_json::{Map, Value};

use crate::ast::{AttrPath, CompValue, CompareOp, Filter, ValuePath};

/// A filter that cannot be evaluated against a resource type: a comparison the attribute's
/// type does not support, or an unknown attribute where one is not allowed. Converts into
/// 400 `invalidFilter`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The comparison value's type does not fit the attribute's type.
    #[error("{path} is of type {ty} and cannot be compared with {value}")]
    TypeMismatch {
        /// The attribute path as written.
        path: String,
        /// The attribute's type.
        ty: AttrType,
        /// The comparison value as written.
        value: String,
    },
    /// The operator is not defined for the attribute's type.
    #[error("the operator {op} is not supported for {path} (of type {ty})")]
    UnsupportedOperator {
        /// The attribute path as written.
        path: String,
        /// The operator.
        op: CompareOp,
        /// The attribute's type.
        ty: AttrType,
    },
    /// A value filter (`attr[...]`) on an attribute that is not complex, or a comparison on a
    /// complex attribute that has no `value` sub-attribute.
    #[error("{path} is {what}")]
    NotComparable {
        /// The attribute path as written.
        path: String,
        /// Why.
        what: &'static str,
    },
    /// An attribute the resource type does not define (only from [`Filter::resolve`]).
    #[error("{path} is not an attribute of {resource_type}")]
    UnknownAttribute {
        /// The attribute path as written.
        path: String,
        /// The resource type's name.
        resource_type: String,
    },
}

impl From<EvalError> for ScimError {
    fn from(e: EvalError) -> Self {
        ScimError::invalid_filter(e.to_string())
    }
}

/// A filter compiled against a resource type, ready to evaluate many resources.
///
/// ```
/// use scim_core::{Resource, ResourceType};
/// use scim_filter::Filter;
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let filter = Filter::parse(r#"userName eq "BJENSEN" and emails[type eq "work"]"#)?;
/// let matcher = filter.compile(&users)?;
/// let user = Resource::from_value(json!({
///     "userName": "bjensen",
///     "emails": [{"type": "work", "value": "bjensen@example.com"}]
/// }))?;
/// assert!(matcher.matches(&user)); // userName is caseExact: false
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    root: Node,
}

impl Matcher {
    /// Whether the resource matches the filter.
    pub fn matches(&self, resource: &Resource) -> bool {
        self.root.eval(resource.as_map())
    }

    /// Whether a JSON object (a resource's map) matches the filter.
    pub fn matches_map(&self, map: &Map<String, Value>) -> bool {
        self.root.eval(map)
    }

    /// Whether a JSON value matches: objects as [`Matcher::matches_map`]; anything else never.
    pub fn matches_value(&self, value: &Value) -> bool {
        value.as_object().is_some_and(|m| self.root.eval(m))
    }

    /// A matcher that matches everything (a PATCH path without a value filter).
    pub fn always() -> Matcher {
        Matcher {
            root: Node::Const(true),
        }
    }
}

/// Evaluates `filter` against `resource` of type `ty` (compiling it first). To evaluate one
/// filter against many resources, [`Filter::compile`] once and reuse the [`Matcher`].
pub fn matches(filter: &Filter, resource: &Resource, ty: &ResourceType) -> Result<bool, EvalError> {
    Ok(filter.compile(ty)?.matches(resource))
}

impl Filter {
    /// Checks the filter against the resource type and compiles it for evaluation. Unknown
    /// attributes compile to "no match".
    pub fn compile(&self, ty: &ResourceType) -> Result<Matcher, EvalError> {
        Ok(Matcher {
            root: compile(self, &Scope::Resource(ty))?,
        })
    }

    /// Compiles a value filter — the `[...]` part of `emails[type eq "work"]` — against the
    /// sub-attributes of the complex attribute `attr`, to evaluate each value (a JSON object)
    /// with [`Matcher::matches_map`]. Names resolve against `attr`'s sub-attributes; unknown
    /// ones match nothing. PATCH uses this to select values (RFC 7644 §3.5.2).
    ///
    /// ```
    /// use scim_core::ResourceType;
    /// use scim_filter::Filter;
    /// use serde_json::json;
    ///
    /// let users = ResourceType::user();
    /// let emails = users.resolve("emails").unwrap().attribute();
    /// let m = Filter::parse(r#"type eq "WORK" and value ew "@example.com""#)?.compile_for_values(emails)?;
    /// let work = json!({"type": "work", "value": "bjensen@example.com"});
    /// assert!(m.matches_map(work.as_object().unwrap()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile_for_values(&self, attr: &Attribute) -> Result<Matcher, EvalError> {
        self.compile_for_values_with(attr, ValueFilterOptions::default())
    }

    /// [`Filter::compile_for_values`] with options: PATCH (RFC 7644 §3.5.2) wants a name that
    /// is not a sub-attribute to be an error (`invalidPath`), and the `value` of a member
    /// (a resource id) compared exactly.
    pub fn compile_for_values_with(
        &self,
        attr: &Attribute,
        options: ValueFilterOptions,
    ) -> Result<Matcher, EvalError> {
        if !attr.is_complex() {
            return Err(EvalError::NotComparable {
                path: attr.name.clone(),
                what: "not a complex attribute and cannot take a value filter",
            });
        }
        Ok(Matcher {
            root: compile(self, &Scope::Complex(attr, options))?,
        })
    }

    /// Returns the filter with every attribute name in its canonical spelling (extension
    /// attributes carry their URN, core attributes none), after checking every comparison
    /// as [`Filter::compile`] does. Unlike `compile`, an unknown attribute is an error
    /// ([`EvalError::UnknownAttribute`]): this is what a server applies to a client's filter
    /// before handing it to a store.
    pub fn resolve(&self, ty: &ResourceType) -> Result<Filter, EvalError> {
        self.compile(ty)?;
        resolve_names(self, &Scope::Resource(ty))
    }
}

/// How a value filter (`attr[...]`) reads names and values; see
/// [`Filter::compile_for_values_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValueFilterOptions {
    /// A name that is not a sub-attribute is an [`EvalError::UnknownAttribute`] instead of
    /// matching nothing.
    pub unknown_is_error: bool,
    /// The `value` sub-attribute compares case-exactly whatever the schema says (member ids).
    pub exact_value: bool,
}

impl ValueFilterOptions {
    /// Sets [`ValueFilterOptions::unknown_is_error`].
    #[must_use]
    pub fn unknown_is_error(mut self, yes: bool) -> Self {
        self.unknown_is_error = yes;
        self
    }

    /// Sets [`ValueFilterOptions::exact_value`].
    #[must_use]
    pub fn exact_value(mut self, yes: bool) -> Self {
        self.exact_value = yes;
        self
    }
}

/// Where names are resolved: at the resource's top level, or inside the values of a complex
/// attribute (within `attr[...]`).
enum Scope<'a> {
    Resource(&'a ResourceType),
    Complex(&'a Attribute, ValueFilterOptions),
}

impl Scope<'_> {
    /// The location and definition of a path, `None` when unknown.
    fn locate(&self, path: &AttrPath) -> Option<(Loc, &Attribute, Option<&Attribute>)> {
        match self {
            Scope::Resource(ty) => {
                let r =
                    ty.resolve_parts(path.urn.as_deref(), &path.name, path.sub_attr.as_deref())?;
                let loc = Loc {
                    ext: r.extension_urn().map(str::to_owned),
                    attr: r.attribute().name.clone(),
                    sub: r.sub_attribute().map(|s| s.name.clone()),
                };
                Some((loc, r.attribute(), r.sub_attribute()))
            }
            Scope::Complex(parent, _) => {
                // `emails[emails.type eq "work"]`: the attribute's own name as a prefix.
                let name = match (&path.urn, &path.sub_attr) {
                    (None, None) => path.name.as_str(),
                    (None, Some(sub)) if path.name.eq_ignore_ascii_case(&parent.name) => sub,
                    _ => return None,
                };
                let sub = parent.sub_attribute(name)?;
                let loc = Loc {
                    ext: None,
                    attr: sub.name.clone(),
                    sub: None,
                };
                Some((loc, sub, None))
            }
        }
    }

    /// What an unknown name compiles to: no match, or an error when the scope asks for it.
    fn missing(&self, path: &AttrPath) -> Result<Node, EvalError> {
        match self {
            Scope::Complex(_, o) if o.unknown_is_error => Err(self.unknown(path)),
            _ => Ok(Node::Const(false)),
        }
    }

    /// Whether the `value` sub-attribute must compare exactly here.
    fn exact_value(&self) -> bool {
        matches!(self, Scope::Complex(_, o) if o.exact_value)
    }

    fn unknown(&self, path: &AttrPath) -> EvalError {
        let resource_type = match self {
            Scope::Resource(ty) => ty.name.clone(),
            Scope::Complex(a, _) => a.name.clone(),
        };
        EvalError::UnknownAttribute {
            path: path.to_string(),
            resource_type,
        }
    }
}

/// Where a value lives in a resource (or in a complex value), with canonical keys.
#[derive(Debug, Clone, PartialEq)]
struct Loc {
    ext: Option<String>,
    attr: String,
    sub: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
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
struct Test {
    op: CompareOp,
    operand: Operand,
}

/// A comparison value converted to its attribute's type (shared with the SQL translator, so
/// both accept and reject the same comparisons).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// Lowercased when `!case_exact`.
    Text {
        s: String,
        case_exact: bool,
    },
    /// A number; `int` when it is an integer.
    Number {
        n: f64,
        int: Option<i64>,
    },
    Bool(bool),
    Date(DateTime),
}

fn compile(filter: &Filter, scope: &Scope<'_>) -> Result<Node, EvalError> {
    Ok(match filter {
        Filter::And(..) => Node::All(
            chain(filter, true)
                .into_iter()
                .map(|f| compile(f, scope))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Or(..) => Node::Any(
            chain(filter, false)
                .into_iter()
                .map(|f| compile(f, scope))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Not(f) => Node::Not(Box::new(compile(f, scope)?)),
        Filter::Present(path) => match scope.locate(path) {
            Some((loc, _, _)) => Node::Present(loc),
            None => scope.missing(path)?,
        },
        Filter::Compare { path, op, value } => match scope.locate(path) {
            Some((loc, attr, sub)) => {
                let exact = scope.exact_value() && loc.attr == "value";
                compile_compare(path, loc, attr, sub, *op, value, exact)?
            }
            None => scope.missing(path)?,
        },
        Filter::ValuePath(ValuePath { attr: path, filter }) => match scope.locate(path) {
            Some((loc, attr, sub)) => {
                let def = sub.unwrap_or(attr);
                if !def.is_complex() {
                    return Err(EvalError::NotComparable {
                        path: path.to_string(),
                        what: "not a complex attribute and cannot take a value filter",
                    });
                }
                let inner = Scope::Complex(def, ValueFilterOptions::default());
                Node::Some(loc, Box::new(compile(filter, &inner)?))
            }
            None => scope.missing(path)?,
        },
    })
}

fn compile_compare(
    path: &AttrPath,
    mut loc: Loc,
    attr: &Attribute,
    sub: Option<&Attribute>,
    op: CompareOp,
    value: &CompValue,
    exact: bool,
) -> Result<Node, EvalError> {
    let mut def = sub.unwrap_or(attr);
    if def.is_complex() {
        // RFC 7644 §3.4.2.2: a complex attribute without a sub-attribute compares its `value`.
        match def.sub_attribute("value") {
            Some(v) if loc.sub.is_none() => {
                loc.sub = Some(v.name.clone());
                def = v;
            }
            _ => {
                return Err(EvalError::NotComparable {
                    path: path.to_string(),
                    what: "a complex attribute without a value sub-attribute to compare",
                });
            }
        }
    }
    if let CompValue::Null = value {
        return match op {
            CompareOp::Eq => Ok(Node::Not(Box::new(Node::Present(loc)))),
            CompareOp::Ne => Ok(Node::Present(loc)),
            _ => Err(EvalError::UnsupportedOperator {
                path: path.to_string(),
                op,
                ty: def.ty,
            }),
        };
    }
    let mut operand = operand(path, def, op, value)?;
    if let (true, Operand::Text { s, case_exact }, CompValue::String(raw)) =
        (exact, &mut operand, value)
    {
        s.clone_from(raw);
        *case_exact = true;
    }
    Ok(Node::Compare(loc, Test { op, operand }))
}

/// Converts a comparison value to the type of the attribute `def` (RFC 7643 §2.3), checking
/// that the operator applies: strings, references and binaries take strings (binary only
/// `eq`/`ne`); booleans `eq`/`ne` with `true`/`false` (or Entra's `"True"`/`"False"`);
/// numbers any ordering but no substring; dateTimes parse as instants. `null` is handled by
/// the caller.
pub(crate) fn operand(
    path: &AttrPath,
    def: &Attribute,
    op: CompareOp,
    value: &CompValue,
) -> Result<Operand, EvalError> {
    let mismatch = || EvalError::TypeMismatch {
        path: path.to_string(),
        ty: def.ty,
        value: value.to_string(),
    };
    let unsupported = || EvalError::UnsupportedOperator {
        path: path.to_string(),
        op,
        ty: def.ty,
    };
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le
    );
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    Ok(match def.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let CompValue::String(s) = value else {
                return Err(mismatch());
            };
            if def.ty == AttrType::Binary && (ordering || substring) {
                return Err(unsupported());
            }
            let case_exact = def.case_exact || def.ty == AttrType::Binary;
            Operand::Text {
                s: if case_exact {
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
            match value {
                CompValue::Bool(b) => Operand::Bool(*b),
                // Lenient like Entra's string booleans: "True"/"false" in quotes.
                CompValue::String(s) if s.eq_ignore_ascii_case("true") => Operand::Bool(true),
                CompValue::String(s) if s.eq_ignore_ascii_case("false") => Operand::Bool(false),
                _ => return Err(mismatch()),
            }
        }
        AttrType::Integer | AttrType::Decimal => {
            if substring {
                return Err(unsupported());
            }
            let CompValue::Number(n) = value else {
                return Err(mismatch());
            };
            Operand::Number {
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
            Operand::Date(DateTime::parse(s).ok_or_else(mismatch)?)
        }
        AttrType::Complex => return Err(mismatch()),
    })
}

fn resolve_names(filter: &Filter, scope: &Scope<'_>) -> Result<Filter, EvalError> {
    let canonical = |path: &AttrPath| -> Result<(AttrPath, Option<&Attribute>), EvalError> {
        let (loc, attr, sub) = scope.locate(path).ok_or_else(|| scope.unknown(path))?;
        let p = AttrPath {
            urn: loc.ext,
            name: loc.attr,
            sub_attr: loc.sub,
        };
        Ok((p, Some(sub.unwrap_or(attr))))
    };
    Ok(match filter {
        Filter::And(..) | Filter::Or(..) => {
            let and = matches!(filter, Filter::And(..));
            let mut parts = chain(filter, and)
                .into_iter()
                .map(|f| resolve_names(f, scope));
            let first = parts
                .next()
                .ok_or_else(|| scope.unknown(&AttrPath::new("")))??;
            let mut acc = first;
            for p in parts {
                let p = Box::new(p?);
                acc = if and {
                    Filter::And(Box::new(acc), p)
                } else {
                    Filter::Or(Box::new(acc), p)
                };
            }
            acc
        }
        Filter::Not(f) => Filter::Not(Box::new(resolve_names(f, scope)?)),
        Filter::Present(p) => Filter::Present(canonical(p)?.0),
        Filter::Compare { path, op, value } => Filter::Compare {
            path: canonical(path)?.0,
            op: *op,
            value: value.clone(),
        },
        Filter::ValuePath(vp) => {
            let (attr, def) = canonical(&vp.attr)?;
            let inner = match def {
                Some(d) => resolve_names(
                    &vp.filter,
                    &Scope::Complex(d, ValueFilterOptions::default()),
                )?,
                None => (*vp.filter).clone(),
            };
            Filter::ValuePath(ValuePath {
                attr,
                filter: Box::new(inner),
            })
        }
    })
}

/// The operands of an `and` (or `or`) chain, in order, gathered without recursion: parsed
/// chains are left-deep and may be thousands of terms long.
fn chain(filter: &Filter, and: bool) -> Vec<&Filter> {
    let mut out = Vec::new();
    let mut stack = vec![filter];
    while let Some(f) = stack.pop() {
        match (f, and) {
            (Filter::And(a, b), true) | (Filter::Or(a, b), false) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(f),
        }
    }
    out
}

impl Node {
    fn eval(&self, map: &Map<String, Value>) -> bool {
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
                Value::String(x) => compare_str(op, x, s, *case_exact),
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

fn ordered(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        // Rejected at compile time for non-string types.
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
        let (h, n) = (s.as_bytes(), needle.as_bytes());
        return match op {
            CompareOp::Eq => s.eq_ignore_ascii_case(needle),
            CompareOp::Ne => !s.eq_ignore_ascii_case(needle),
            CompareOp::Sw => h.len() >= n.len() && h[..n.len()].eq_ignore_ascii_case(n),
            CompareOp::Ew => h.len() >= n.len() && h[h.len() - n.len()..].eq_ignore_ascii_case(n),
            CompareOp::Co => n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)),
            _ => {
                let ord = h.iter().map(u8::to_ascii_lowercase).cmp(n.iter().copied());
                ordered(op, ord)
            }
        };
    }
    let lower = s.to_lowercase();
    compare_str(op, &lower, needle, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Resource {
        Resource::from_value(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223", "userName": "bjensen", "active": true, "title": "",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "meta": {"lastModified": "2011-05-13T04:42:34Z"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}
        }))
        .unwrap()
    }

    fn eval(f: &str) -> Result<bool, EvalError> {
        matches(&Filter::parse(f).unwrap(), &user(), &ResourceType::user())
    }

    #[test]
    fn evaluation_table() {
        let cases = [
            (r#"userName eq "BJENSEN""#, true),
            (r#"userName ne "bjensen""#, false),
            (r#"userName sw "BJ""#, true),
            (r#"userName ew "SEN""#, true),
            (r#"userName co "jen""#, true),
            (r#"userName gt "a""#, true),
            (r#"userName lt "a""#, false),
            (r#"id eq "2819C223""#, false),
            (r#"id eq "2819c223""#, true),
            ("title pr", false),
            ("name pr", true),
            ("nickName pr", false),
            ("title eq null", true), // "" is unassigned, like for `pr`
            ("nickName eq null", true),
            ("nickName ne null", false),
            ("active eq true", true),
            (r#"active eq "True""#, true),
            ("active ne true", false),
            (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
            (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
            (r#"emails co "example.com""#, true),
            (r#"emails.type eq "home""#, true),
            (
                r#"emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (r#"emails[type eq "home" and primary eq true]"#, false),
            (
                r#"emails[type eq "work"].value eq "BJENSEN@example.com""#,
                true,
            ),
            (
                r#"emails[type eq "home"].value eq "bjensen@example.com""#,
                false,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
                true,
            ),
            (r#"employeeNumber eq "701984""#, true),
            (r#"urn:acme:ext:2.0:User:level ge 3"#, false),
            (r#"not (urn:acme:ext:2.0:User:level ge 3)"#, true),
            (r#"nope eq "x""#, false),
            (r#"userName eq "x" or name.givenName sw "bar""#, true),
            (r#"not (userName eq "bjensen")"#, false),
        ];
        for (f, want) in cases {
            assert_eq!(eval(f), Ok(want), "{f}");
        }
    }

    #[test]
    fn incompatible_comparisons_are_invalid_filter() {
        for f in [
            "active gt true",
            "active co true",
            r#"userName eq 12"#,
            "userName eq true",
            r#"meta.lastModified gt "yesterday""#,
            r#"meta.lastModified co "2011""#,
            r#"name eq "x""#,
            r#"userName[value eq "x"]"#,
            "userName gt null",
            r#"x509Certificates.value gt "AAAA""#,
        ] {
            let err = eval(f).unwrap_err();
            let scim: ScimError = err.into();
            assert_eq!(
                scim.scim_type(),
                Some(scim_core::ScimType::InvalidFilter),
                "{f}"
            );
        }
    }

    #[test]
    fn unicode_case_folding() {
        let r = Resource::from_value(json!({"userName": "Ünïcødé@例え.jp"})).unwrap();
        let f = Filter::parse(r#"userName eq "ünÏcødé@例え.JP""#).unwrap();
        assert!(f.compile(&ResourceType::user()).unwrap().matches(&r));
        let f = Filter::parse(r#"userName sw "ÜNÏ""#).unwrap();
        assert!(f.compile(&ResourceType::user()).unwrap().matches(&r));
    }

    #[test]
    fn numbers_compare_as_numbers() {
        use std::sync::Arc;
        let ext = scim_core::Schema::new(
            "urn:acme:2.0:User",
            "Acme",
            vec![Attribute::integer("level"), Attribute::decimal("score")],
        );
        let ty = ResourceType::user().with_extension(Arc::new(ext), false);
        let r = Resource::from_value(json!({"urn:acme:2.0:User": {"level": 10, "score": -1500.5}}))
            .unwrap();
        for (f, want) in [
            ("urn:acme:2.0:User:level ge 3", true),
            ("urn:acme:2.0:User:level gt 10", false),
            ("urn:acme:2.0:User:level eq 10.0", true),
            ("urn:acme:2.0:User:score lt -1.5e3", true),
            ("level eq 10", true),
        ] {
            assert_eq!(
                matches(&Filter::parse(f).unwrap(), &r, &ty),
                Ok(want),
                "{f}"
            );
        }
        assert!(matches(&Filter::parse(r#"level eq "10""#).unwrap(), &r, &ty).is_err());
    }

    #[test]
    fn value_filters_with_patch_options() {
        let groups = ResourceType::group();
        let members = groups.resolve("members").unwrap().attribute();
        let users = ResourceType::user();
        let emails = users.resolve("emails").unwrap().attribute();
        let strict = ValueFilterOptions::default().unknown_is_error(true);

        // Unknown sub-attribute: no match by default, an error when asked.
        let f = Filter::parse(r#"nope eq "x""#).unwrap();
        assert!(
            !f.compile_for_values(emails)
                .unwrap()
                .matches_value(&json!({"nope": "x"}))
        );
        assert!(matches!(
            f.compile_for_values_with(emails, strict),
            Err(EvalError::UnknownAttribute { .. })
        ));

        // The attribute's own name as a prefix.
        let f = Filter::parse(r#"emails.type eq "WORK""#).unwrap();
        assert!(
            f.compile_for_values_with(emails, strict)
                .unwrap()
                .matches_value(&json!({"type": "work"}))
        );

        // Member ids compare exactly with `exact_value`, as the schema says otherwise.
        let f = Filter::parse(r#"value eq "ABC""#).unwrap();
        let exact = f
            .compile_for_values_with(members, strict.exact_value(true))
            .unwrap();
        assert!(exact.matches_value(&json!({"value": "ABC"})));
        assert!(!exact.matches_value(&json!({"value": "abc"})));
        assert!(
            !exact.matches_value(&json!("ABC")),
            "non-objects never match"
        );
        assert!(Matcher::always().matches_value(&json!({})));
    }

    #[test]
    fn long_chains_compile_and_resolve_without_recursion() {
        let text = (0..8000)
            .map(|i| format!("userName eq \"u{i}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        let opts = crate::ParseOptions {
            max_len: 1 << 20,
            ..crate::ParseOptions::DEFAULT
        };
        let f = Filter::parse_with(&text, &opts).unwrap();
        let users = ResourceType::user();
        let r = Resource::from_value(json!({"userName": "U7999"})).unwrap();
        assert!(f.compile(&users).unwrap().matches(&r));
        let resolved = f.resolve(&users).unwrap();
        assert_eq!(resolved, f);
        // Filter's Drop is iterative: the long trees drop without recursion.
        drop((f, resolved));
    }

    #[test]
    fn resolve_canonicalises_and_rejects_unknown() {
        let users = ResourceType::user();
        let f = Filter::parse(r#"USERNAME eq "x" and EMAILS[TYPE eq "work"] and urn:ietf:params:scim:schemas:core:2.0:User:name.GIVENNAME pr and DEPARTMENT eq "y""#)
            .unwrap();
        assert_eq!(
            f.resolve(&users).unwrap().to_string(),
            r#"userName eq "x" and emails[type eq "work"] and name.givenName pr and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "y""#
        );
        let err = Filter::parse(r#"nope eq "x""#)
            .unwrap()
            .resolve(&users)
            .unwrap_err();
        assert!(matches!(err, EvalError::UnknownAttribute { .. }));
    }
}
