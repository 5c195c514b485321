//! The syntax tree of SCIM filters (RFC 7644 §3.4.2.2, Figure 1) and PATCH paths (RFC 7644
//! §3.5.2, Figure 7), and its canonical printer.
//!
//! This module knows nothing about the parser: it holds the types and their `Display` (which the
//! parser reads back to the same tree). The parsing entry points (`Filter::parse`,
//! `AttrPath::parse`, `PatchPath::parse` and their `FromStr` impls) live in `crate::parser`, and
//! the structural impls of [`Filter`] (`Clone`, `PartialEq`, `Hash`, `Debug`, `Drop`) in
//! `crate::chain`; both import this module, and this module imports neither.

use std::fmt;

use serde_json::Number;

/// A SCIM filter expression (RFC 7644 §3.4.2.2, Figure 1 `FILTER`).
///
/// Parse one with [`Filter::parse`] (or `str::parse`); print it in canonical form with
/// `Display`: lowercase operators, single spaces, JSON-escaped strings, and the fewest
/// parentheses that keep the tree's shape, so that `Filter::parse(&f.to_string()) == Ok(f)`.
///
/// `and` binds tighter than `or`, `not` and groups tighter than both, and chains fold to the left:
/// `a or b or c` is `Or(Or(a, b), c)`.
///
/// ```
/// use scim_filter::{CompValue, CompareOp, Filter};
///
/// let f = Filter::parse(r#"title pr and userType eq "Employee""#)?;
/// let Filter::And(left, right) = &f else { panic!("not an and: {f:?}") };
/// assert!(matches!(**left, Filter::Present(_)));
/// let (path, value) = right.as_equality().unwrap();
/// assert_eq!(path.name, "userType");
/// assert_eq!(value, &CompValue::String("Employee".into()));
/// # Ok::<(), scim_filter::ParseError>(())
/// ```
///
/// # Deep trees
///
/// The parser bounds nesting ([`ParseOptions::max_depth`](crate::ParseOptions::max_depth), 64
/// by default) but not the length of `and`/`or` chains, which it folds into left-deep trees.
///
/// - `Drop` is iterative: it takes the children out onto a heap stack, so any tree, parsed or
///   built by hand, millions of levels deep in any shape, drops on a small thread stack.
/// - `Clone`, `PartialEq`, `Hash`, `Debug` (without `#`), `Display`, [`Filter::equalities`],
///   [`Filter::accept`](crate::FilterVisitor) and the compilers ([`Filter::compile`],
///   [`Filter::resolve`], the SQL translator) walk `and`/`or` chains in a loop, so chains of
///   any length cost no stack per term. They recurse once per *group* (`not (…)`, a
///   parenthesised sub-chain, a value path), so they assume the nesting depth is bounded, as it
///   is for every parsed filter. On a tree built by hand, keep the nesting of groups
///   (e.g. `Not(Not(…))`) to what [`ParseOptions::max_depth`](crate::ParseOptions::max_depth)
///   would admit; `{:#?}` recurses per chain term too.
pub enum Filter {
    /// `attrPath SP compareOp SP compValue` (the comparison form of `attrExp`).
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The comparison operator.
        op: CompareOp,
        /// The literal it is compared with.
        value: CompValue,
    },
    /// `attrPath SP "pr"`: the attribute has a non-empty value (RFC 7644 §3.4.2.2, Table 3).
    Present(AttrPath),
    /// `FILTER SP "and" SP FILTER` (`logExp`).
    And(Box<Filter>, Box<Filter>),
    /// `FILTER SP "or" SP FILTER` (`logExp`).
    Or(Box<Filter>, Box<Filter>),
    /// `"not" "(" FILTER ")"`: logical inversion (RFC 7644 §3.4.2.2, Table 4).
    Not(Box<Filter>),
    /// `attrPath "[" valFilter "]"`: a filter over the values of a complex multi-valued attribute.
    ValuePath(ValuePath),
}

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3, without `pr`, which is
/// [`Filter::Present`]). Parsed case-insensitively; printed in lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `le`: less than or equal to.
    Le,
}

impl CompareOp {
    /// Every operator, in RFC 7644 Table 3 order.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ];

    /// The operator as written in canonical form, e.g. `"eq"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison literal (RFC 7644 §3.4.2.2 `compValue`: `false / null / true / number /
/// string`, with the JSON rules of RFC 8259).
///
/// Numbers keep serde_json's representation (an integer stays an integer; anything with a
/// fraction or exponent is an `f64`). Dates are strings; their interpretation belongs to
/// evaluation, which knows the attribute's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string, unescaped.
    String(String),
}

impl fmt::Display for CompValue {
    /// `null`, `true`, `false`, the number as serde_json prints it, or the string JSON-escaped
    /// and quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(true) => f.write_str("true"),
            CompValue::Bool(false) => f.write_str("false"),
            CompValue::Number(n) => fmt::Display::fmt(n, f),
            CompValue::String(s) => write_json_string(s, f),
        }
    }
}

/// Writes `s` as a JSON string literal through serde_json's escaper, without allocating.
fn write_json_string(s: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    struct Adapter<'a, 'b>(&'a mut fmt::Formatter<'b>);
    impl std::io::Write for Adapter<'_, '_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            // serde_json writes whole UTF-8 sequences: escapes are ASCII and the unescaped runs
            // are cut at ASCII bytes.
            let text = std::str::from_utf8(buf).map_err(std::io::Error::other)?;
            self.0.write_str(text).map_err(std::io::Error::other)?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut ser = serde_json::Serializer::new(Adapter(f));
    serde::Serialize::serialize(s, &mut ser).map_err(|_| fmt::Error)
}

/// An attribute path (RFC 7644 §3.4.2.2 `attrPath = [URI ":"] ATTRNAME *1subAttr`), e.g.
/// `userName`, `name.familyName`, or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
///
/// Names are kept as written; resolving them case-insensitively against a schema (RFC 7643
/// §2.1) is the caller's job.
///
/// ```
/// use scim_filter::AttrPath;
///
/// let p = AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
/// assert_eq!(p.urn.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
/// assert_eq!(p.name, "manager");
/// assert_eq!(p.sub_attr.as_deref(), Some("value"));
/// # Ok::<(), scim_filter::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN prefix, without the `:` that separates it from the name.
    pub urn: Option<String>,
    /// The attribute name (`ATTRNAME`; `$ref` is accepted too).
    pub name: String,
    /// The sub-attribute name of a complex attribute (`subAttr`, without the `.`).
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// A path with a name only, e.g. `AttrPath::new("userName")`.
    pub fn new(name: impl Into<String>) -> Self {
        AttrPath {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            f.write_str(":")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            f.write_str(".")?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

/// A value path (RFC 7644 §3.4.2.2 `valuePath = attrPath "[" valFilter "]"`), e.g.
/// `emails[type eq "work" and primary eq true]`.
///
/// `attr` has no sub-attribute, and `filter` ranges over the sub-attributes of `attr`'s values;
/// it never contains another value path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValuePath {
    /// The multi-valued attribute whose values are filtered (no `sub_attr`).
    pub attr: AttrPath,
    /// The filter each value is matched against.
    pub filter: Box<Filter>,
}

impl fmt::Display for ValuePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[", self.attr)?;
        write_filter(&self.filter, f)?;
        f.write_str("]")
    }
}

/// The target of a PATCH operation (RFC 7644 §3.5.2, Figure 7:
/// `PATH = attrPath / valuePath [subAttr]`).
///
/// ```
/// use scim_filter::PatchPath;
///
/// let p = PatchPath::parse(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#)?;
/// let PatchPath::Value { value_path, sub_attr } = &p else { panic!() };
/// assert_eq!(value_path.attr.name, "members");
/// assert_eq!(sub_attr.as_deref(), Some("displayName"));
/// # Ok::<(), scim_filter::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PatchPath {
    /// `attrPath`: an attribute or sub-attribute, e.g. `name.familyName`.
    Attr(AttrPath),
    /// `valuePath [subAttr]`: selected values of a multi-valued attribute, or one sub-attribute
    /// of them, e.g. `addresses[type eq "work"].streetAddress`.
    Value {
        /// The attribute and the filter selecting its values.
        value_path: ValuePath,
        /// The sub-attribute of the selected values, if any (without the `.`).
        sub_attr: Option<String>,
    },
}

impl PatchPath {
    /// The attribute the path starts from (`members` in `members[value eq "x"].display`).
    pub fn attr(&self) -> &AttrPath {
        match self {
            PatchPath::Attr(attr) => attr,
            PatchPath::Value { value_path, .. } => &value_path.attr,
        }
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchPath::Attr(attr) => fmt::Display::fmt(attr, f),
            PatchPath::Value {
                value_path,
                sub_attr,
            } => {
                fmt::Display::fmt(value_path, f)?;
                if let Some(sub) = sub_attr {
                    f.write_str(".")?;
                    f.write_str(sub)?;
                }
                Ok(())
            }
        }
    }
}

impl Filter {
    /// The `(attribute, value)` of a plain equality `attrPath eq compValue`, else `None`.
    ///
    /// Useful to answer the most common IdP query (`userName eq "x"`, `externalId eq "x"`) from
    /// an index instead of a scan.
    ///
    /// ```
    /// use scim_filter::Filter;
    ///
    /// let f = Filter::parse(r#"userName eq "bjensen""#)?;
    /// let (path, value) = f.as_equality().unwrap();
    /// assert_eq!((path.name.as_str(), value.to_string().as_str()), ("userName", r#""bjensen""#));
    /// assert!(Filter::parse("title pr")?.as_equality().is_none());
    /// # Ok::<(), scim_filter::ParseError>(())
    /// ```
    pub fn as_equality(&self) -> Option<(&AttrPath, &CompValue)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } => Some((path, value)),
            _ => None,
        }
    }

    /// The equalities of a filter that is nothing but equalities joined by `and`, left to right;
    /// empty for any other filter (one `or`, `not`, `pr`, value path or non-`eq` comparison
    /// anywhere makes it empty).
    ///
    /// A resource matches such a filter exactly when every listed attribute equals its value, so
    /// a store can look up the first indexed pair and check the rest. A single equality gives a
    /// one-element list. The walk is iterative, so long chains cost no stack.
    ///
    /// ```
    /// use scim_filter::Filter;
    ///
    /// let f = Filter::parse(r#"userName eq "a" and active eq true and name.givenName eq "b""#)?;
    /// let names: Vec<String> = f.equalities().iter().map(|(p, _)| p.to_string()).collect();
    /// assert_eq!(names, ["userName", "active", "name.givenName"]);
    /// assert!(Filter::parse(r#"userName eq "a" or active eq true"#)?.equalities().is_empty());
    /// # Ok::<(), scim_filter::ParseError>(())
    /// ```
    pub fn equalities(&self) -> Vec<(&AttrPath, &CompValue)> {
        let mut out = Vec::new();
        let mut pending = vec![self];
        while let Some(node) = pending.pop() {
            match node {
                Filter::And(left, right) => {
                    // Right first so that the left operand is visited first.
                    pending.push(right);
                    pending.push(left);
                }
                other => match other.as_equality() {
                    Some(pair) => out.push(pair),
                    None => return Vec::new(),
                },
            }
        }
        out
    }
}

impl fmt::Display for Filter {
    /// The canonical text: lowercase keywords and operators, single spaces, `not (…)`, and
    /// parentheses only where the tree's shape needs them (`or` < `and` < everything else, and
    /// a right operand of the same operator is parenthesised because chains fold left).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(self, f)
    }
}

/// For an `and`/`or` node, the leftmost operand of its chain of the same operator and the
/// other operands, left to right; for any other node, the node itself and nothing. The walk is a
/// loop, so a chain of any length costs no stack.
pub(crate) fn spine(node: &Filter) -> (&Filter, Vec<&Filter>) {
    let mut rights = Vec::new();
    let mut cursor = node;
    while let (Filter::Or(..), Filter::Or(left, right))
    | (Filter::And(..), Filter::And(left, right)) = (node, cursor)
    {
        rights.push(&**right);
        cursor = left;
    }
    rights.reverse();
    (cursor, rights)
}

/// Binding strength when printing: `or` < `and` < atoms, `not` and value paths.
fn precedence(filter: &Filter) -> u8 {
    match filter {
        Filter::Or(..) => 1,
        Filter::And(..) => 2,
        _ => 3,
    }
}

/// Prints `filter`, walking `and`/`or` chains along their left spine in a loop so that a long
/// chain (`a or b or c or …`, a left-deep tree) uses no stack per term. Recursion happens only
/// where parentheses are printed (and once per `or` → `and` change), i.e. as deep as the
/// filter's nesting.
fn write_filter(filter: &Filter, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match filter {
        Filter::And(..) | Filter::Or(..) => {
            let prec = precedence(filter);
            let keyword = if prec == 1 { " or " } else { " and " };
            let (first, rights) = spine(filter);
            write_operand(first, prec, f)?;
            for right in rights {
                f.write_str(keyword)?;
                write_operand(right, prec + 1, f)?;
            }
            Ok(())
        }
        Filter::Not(inner) => {
            f.write_str("not (")?;
            write_filter(inner, f)?;
            f.write_str(")")
        }
        Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
        Filter::Present(path) => write!(f, "{path} pr"),
        Filter::ValuePath(vp) => fmt::Display::fmt(vp, f),
    }
}

/// Prints an operand, in parentheses when it binds less tightly than `min_prec`.
fn write_operand(node: &Filter, min_prec: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if precedence(node) < min_prec {
        f.write_str("(")?;
        write_filter(node, f)?;
        f.write_str(")")
    } else {
        write_filter(node, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> Filter {
        Filter::Present(AttrPath::new(name))
    }
    fn and(l: Filter, r: Filter) -> Filter {
        Filter::And(Box::new(l), Box::new(r))
    }
    fn or(l: Filter, r: Filter) -> Filter {
        Filter::Or(Box::new(l), Box::new(r))
    }

    #[test]
    fn prints_minimal_parentheses_that_keep_the_shape() {
        let cases = [
            (and(p("a"), or(p("b"), p("c"))), "a pr and (b pr or c pr)"),
            (and(and(p("a"), p("b")), p("c")), "a pr and b pr and c pr"),
            (and(p("a"), and(p("b"), p("c"))), "a pr and (b pr and c pr)"),
            (or(or(p("a"), p("b")), p("c")), "a pr or b pr or c pr"),
            (or(p("a"), or(p("b"), p("c"))), "a pr or (b pr or c pr)"),
            (or(p("a"), and(p("b"), p("c"))), "a pr or b pr and c pr"),
            (and(or(p("a"), p("b")), p("c")), "(a pr or b pr) and c pr"),
            (
                Filter::Not(Box::new(or(p("a"), p("b")))),
                "not (a pr or b pr)",
            ),
            (
                and(Filter::Not(Box::new(p("a"))), p("b")),
                "not (a pr) and b pr",
            ),
        ];
        for (filter, text) in cases {
            assert_eq!(filter.to_string(), text);
        }
    }

    #[test]
    fn prints_values_as_json() {
        let cmp = |value| Filter::Compare {
            path: AttrPath::new("a"),
            op: CompareOp::Eq,
            value,
        };
        assert_eq!(cmp(CompValue::Null).to_string(), "a eq null");
        assert_eq!(cmp(CompValue::Bool(false)).to_string(), "a eq false");
        assert_eq!(
            cmp(CompValue::Number(Number::from(-3))).to_string(),
            "a eq -3"
        );
        assert_eq!(
            cmp(CompValue::String("q\"\\\n\u{1}é".into())).to_string(),
            r#"a eq "q\"\\\n\u0001é""#
        );
    }

    #[test]
    fn prints_paths() {
        let path = AttrPath {
            urn: Some("urn:x:2.0:User".into()),
            name: "manager".into(),
            sub_attr: Some("value".into()),
        };
        assert_eq!(path.to_string(), "urn:x:2.0:User:manager.value");
        let pp = PatchPath::Value {
            value_path: ValuePath {
                attr: AttrPath::new("emails"),
                filter: Box::new(or(p("a"), p("b"))),
            },
            sub_attr: Some("value".into()),
        };
        assert_eq!(pp.to_string(), "emails[a pr or b pr].value");
        assert_eq!(pp.attr().name, "emails");
    }

    #[test]
    fn long_chains_print_without_deep_recursion() {
        let mut f = p("a");
        for _ in 0..50_000 {
            f = or(f, p("a"));
        }
        assert_eq!(f.to_string().len(), 4 + 50_000 * 8);
        assert!(f.equalities().is_empty());
    }
}
