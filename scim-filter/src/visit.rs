//! A fold over the filter syntax tree, and the index helper for the common IdP query shape.
//!
//! [`FilterVisitor`] is how code outside this crate turns a [`Filter`] into something else (a
//! SQL condition, a query for another store, a list of the attributes it touches) without
//! matching on the tree itself: [`Filter::accept`] walks the tree bottom-up and hands each node's
//! already-converted operands to the visitor. The crate's own SQL translator
//! ([`SqlMapping`](crate::SqlMapping)) is built on it.
//!
//! [`Filter::index_lookup`] recognises `attr eq "value"` (alone or under `and`), the shape
//! Microsoft Entra ID and Okta send before every create, so that a store can answer it from an
//! index instead of a scan.

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};

/// A fold over a [`Filter`]: one method per kind of node, each returning the visitor's
/// `Output` for that node. Drive it with [`Filter::accept`].
///
/// The walk is bottom-up: the operands of `and`, `or` and `not` are visited first and their
/// outputs passed in. A value path (`emails[type eq "work"]`) is the exception: its inner filter
/// is passed *unvisited*, because its attribute paths are relative to the values of the outer
/// attribute (`type` means `emails.type`), and only the visitor knows how to change context for
/// that. It typically sets some state and calls `inner.accept(self)`.
///
/// Attribute paths are passed as written. Call [`Filter::resolve`] first to get canonical names
/// (extension attributes with their URN, core ones without, the schema's spelling).
///
/// # Long chains
///
/// The parser folds `a or b or c` into a left-deep tree, and a 64 KiB filter can hold thousands
/// of terms. [`Filter::accept`] collects each chain of the same operator in a loop and calls
/// [`FilterVisitor::and`] or [`FilterVisitor::or`] once with all of its operands, in source
/// order; it recurses only into groups, `not` and the other operator, whose depth the parser
/// bounds ([`ParseOptions::max_depth`](crate::ParseOptions::max_depth)). A parenthesised chain
/// on the right (`a or (b or c)`) is its own call.
///
/// # Example: the attributes a filter reads
///
/// ```
/// use std::convert::Infallible;
///
/// use scim_filter::{AttrPath, CompValue, CompareOp, Filter, FilterVisitor};
///
/// /// Collects every attribute path, value-path sub-attributes as `attr.sub`.
/// struct Paths(Vec<String>);
///
/// impl FilterVisitor for Paths {
///     type Output = ();
///     type Error = Infallible;
///
///     fn compare(&mut self, path: &AttrPath, _: CompareOp, _: &CompValue)
///         -> Result<(), Infallible>
///     {
///         self.0.push(path.to_string());
///         Ok(())
///     }
///     fn present(&mut self, path: &AttrPath) -> Result<(), Infallible> {
///         self.0.push(path.to_string());
///         Ok(())
///     }
///     fn and(&mut self, _: Vec<()>) -> Result<(), Infallible> {
///         Ok(())
///     }
///     fn or(&mut self, _: Vec<()>) -> Result<(), Infallible> {
///         Ok(())
///     }
///     fn not(&mut self, _: ()) -> Result<(), Infallible> {
///         Ok(())
///     }
///     fn value_path(&mut self, path: &AttrPath, inner: &Filter) -> Result<(), Infallible> {
///         let mut sub = Paths(Vec::new());
///         inner.accept(&mut sub)?;
///         self.0.extend(sub.0.into_iter().map(|s| format!("{path}.{s}")));
///         Ok(())
///     }
/// }
///
/// let filter = Filter::parse(r#"userName eq "a" and not (emails[type eq "work"] or title pr)"#)?;
/// let mut paths = Paths(Vec::new());
/// filter.accept(&mut paths)?;
/// assert_eq!(paths.0, ["userName", "emails.type", "title"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FilterVisitor {
    /// What each node becomes.
    type Output;
    /// Why a node cannot be converted; the walk stops at the first error.
    type Error;

    /// `attrPath compareOp compValue` (RFC 7644 §3.4.2.2, Table 3), e.g. `userName eq "x"`.
    fn compare(
        &mut self,
        path: &AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<Self::Output, Self::Error>;

    /// `attrPath pr`: the attribute has a non-empty value.
    fn present(&mut self, path: &AttrPath) -> Result<Self::Output, Self::Error>;

    /// A chain `a and b and …`: the converted operands, at least two, in source order.
    fn and(&mut self, operands: Vec<Self::Output>) -> Result<Self::Output, Self::Error>;

    /// A chain `a or b or …`: the converted operands, at least two, in source order.
    fn or(&mut self, operands: Vec<Self::Output>) -> Result<Self::Output, Self::Error>;

    /// `not (f)`, with `f` already converted.
    fn not(&mut self, inner: Self::Output) -> Result<Self::Output, Self::Error>;

    /// `attrPath[valFilter]`: some value of the multi-valued (or complex) attribute `path`
    /// matches `inner`, whose paths name sub-attributes of `path`. `inner` is not visited yet;
    /// see the trait documentation.
    fn value_path(&mut self, path: &AttrPath, inner: &Filter) -> Result<Self::Output, Self::Error>;
}

impl Filter {
    /// Folds the filter with `visitor` (see [`FilterVisitor`]) and returns the root's output,
    /// or the first error.
    ///
    /// `and`/`or` chains are collected in a loop, so the stack used grows with the filter's
    /// nesting of groups, `not` and value paths, not with the length of its chains: an
    /// 8,000-term `or` costs one call.
    pub fn accept<V: FilterVisitor + ?Sized>(
        &self,
        visitor: &mut V,
    ) -> Result<V::Output, V::Error> {
        match self {
            Filter::And(..) | Filter::Or(..) => {
                let (first, rights) = crate::ast::spine(self);
                let mut operands = Vec::with_capacity(rights.len() + 1);
                operands.push(first.accept(visitor)?);
                for right in rights {
                    operands.push(right.accept(visitor)?);
                }
                match self {
                    Filter::Or(..) => visitor.or(operands),
                    _ => visitor.and(operands),
                }
            }
            Filter::Not(inner) => {
                let inner = inner.accept(visitor)?;
                visitor.not(inner)
            }
            Filter::Compare { path, op, value } => visitor.compare(path, *op, value),
            Filter::Present(path) => visitor.present(path),
            Filter::ValuePath(vp) => visitor.value_path(&vp.attr, &vp.filter),
        }
    }

    /// The first equality of an `attr eq value` filter, or of an `and` of such equalities, whose
    /// attribute is one of `indexed`; `None` for any other filter (see [`Filter::equalities`]).
    ///
    /// This is the shape identity providers send on every provisioning cycle:
    /// `userName eq "x"` (Microsoft Entra ID, Okta), `externalId eq "x"`, sometimes
    /// `… and active eq true`. A store can fetch the candidates from its `indexed` attribute and
    /// keep those that match the whole filter ([`Filter::compile`] and
    /// [`Matcher::matches`](crate::Matcher::matches)), which is exact because every conjunct
    /// must hold. `eq null` is never returned: it selects the resources *without* a value.
    ///
    /// `indexed` holds attribute paths as [`AttrPath`]'s `Display` writes them (`userName`,
    /// `name.givenName`, `urn:…:enterprise:2.0:User:employeeNumber`), compared ASCII
    /// case-insensitively. Pass a filter from [`Filter::resolve`] so that every path has its
    /// canonical form (an extension attribute written without its URN gets it there).
    ///
    /// ```
    /// use scim_filter::{CompValue, Filter};
    ///
    /// let indexed = ["userName", "externalId"];
    /// let f = Filter::parse(r#"active eq true and USERNAME eq "bjensen@example.com""#)?;
    /// let (path, value) = f.index_lookup(&indexed).ok_or("not indexable")?;
    /// assert_eq!(path.name, "USERNAME");
    /// assert_eq!(value, &CompValue::String("bjensen@example.com".into()));
    ///
    /// let others = [r#"userName eq "a" or externalId eq "b""#, r#"userName co "a""#, "title pr"];
    /// for other in others {
    ///     assert!(Filter::parse(other)?.index_lookup(&indexed).is_none());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index_lookup(&self, indexed: &[&str]) -> Option<(&AttrPath, &CompValue)> {
        self.equalities().into_iter().find(|(path, value)| {
            !matches!(value, CompValue::Null) && indexed.iter().any(|i| path_is(path, i))
        })
    }
}

/// Whether `text` is `path` written out (`[urn:]name[.sub]`), ignoring ASCII case.
fn path_is(path: &AttrPath, text: &str) -> bool {
    let rest = match &path.urn {
        Some(urn) => match strip_prefix_ignore_case(text, urn) {
            Some(rest) => match rest.strip_prefix(':') {
                Some(rest) => rest,
                None => return false,
            },
            None => return false,
        },
        None => text,
    };
    let Some(rest) = strip_prefix_ignore_case(rest, &path.name) else {
        return false;
    };
    match &path.sub_attr {
        None => rest.is_empty(),
        Some(sub) => rest
            .strip_prefix('.')
            .is_some_and(|s| s.eq_ignore_ascii_case(sub)),
    }
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;
    use crate::options::ParseOptions;

    /// Prints the filter back in canonical form, through the visitor only.
    struct Printer;

    impl FilterVisitor for Printer {
        type Output = (String, u8);
        type Error = Infallible;

        fn compare(
            &mut self,
            path: &AttrPath,
            op: CompareOp,
            value: &CompValue,
        ) -> Result<(String, u8), Infallible> {
            Ok((format!("{path} {op} {value}"), 3))
        }
        fn present(&mut self, path: &AttrPath) -> Result<(String, u8), Infallible> {
            Ok((format!("{path} pr"), 3))
        }
        fn and(&mut self, operands: Vec<(String, u8)>) -> Result<(String, u8), Infallible> {
            Ok((join(operands, " and ", 2), 2))
        }
        fn or(&mut self, operands: Vec<(String, u8)>) -> Result<(String, u8), Infallible> {
            Ok((join(operands, " or ", 1), 1))
        }
        fn not(&mut self, inner: (String, u8)) -> Result<(String, u8), Infallible> {
            Ok((format!("not ({})", inner.0), 3))
        }
        fn value_path(
            &mut self,
            path: &AttrPath,
            inner: &Filter,
        ) -> Result<(String, u8), Infallible> {
            Ok((format!("{path}[{}]", inner.accept(self)?.0), 3))
        }
    }

    /// Joins a chain; the first operand needs parentheses below `prec`, the others at `prec`
    /// too (chains fold left).
    fn join(operands: Vec<(String, u8)>, sep: &str, prec: u8) -> String {
        let mut out = String::new();
        for (i, (text, p)) in operands.into_iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            if p < prec || (i > 0 && p == prec) {
                out.push('(');
                out.push_str(&text);
                out.push(')');
            } else {
                out.push_str(&text);
            }
        }
        out
    }

    #[test]
    fn a_printing_visitor_reproduces_display() {
        for text in [
            r#"userName eq "a""#,
            "a pr and (b pr or c pr)",
            "a pr and (b pr and c pr)",
            "a pr or b pr or c pr",
            "a pr or (b pr or c pr)",
            "a pr or b pr and c pr and d pr or e pr",
            "(a pr or b pr) and c pr",
            "not (a pr or b pr) and b pr",
            r#"emails[type eq "work" and not (value ew ".org")] or x gt 1.5"#,
        ] {
            let f = Filter::parse(text).unwrap();
            assert_eq!(f.accept(&mut Printer).unwrap().0, f.to_string(), "{text}");
        }
    }

    /// Counts the calls and the operands each chain call received.
    #[derive(Default)]
    struct Shape {
        chains: Vec<(bool, usize)>,
    }

    impl FilterVisitor for Shape {
        type Output = ();
        type Error = &'static str;

        fn compare(
            &mut self,
            _: &AttrPath,
            _: CompareOp,
            _: &CompValue,
        ) -> Result<(), &'static str> {
            Ok(())
        }
        fn present(&mut self, path: &AttrPath) -> Result<(), &'static str> {
            if path.name == "stop" {
                return Err("stopped");
            }
            Ok(())
        }
        fn and(&mut self, operands: Vec<()>) -> Result<(), &'static str> {
            self.chains.push((true, operands.len()));
            Ok(())
        }
        fn or(&mut self, operands: Vec<()>) -> Result<(), &'static str> {
            self.chains.push((false, operands.len()));
            Ok(())
        }
        fn not(&mut self, _: ()) -> Result<(), &'static str> {
            Ok(())
        }
        fn value_path(&mut self, _: &AttrPath, _: &Filter) -> Result<(), &'static str> {
            Ok(())
        }
    }

    #[test]
    fn chains_arrive_whole_and_errors_stop_the_walk() {
        let mut shape = Shape::default();
        Filter::parse("a pr or b pr and c pr and d pr or e pr or (f pr or g pr)")
            .unwrap()
            .accept(&mut shape)
            .unwrap();
        assert_eq!(shape.chains, [(true, 3), (false, 2), (false, 4)]);

        let mut shape = Shape::default();
        let f = Filter::parse("a pr and (stop pr or b pr) and c pr").unwrap();
        assert_eq!(f.accept(&mut shape), Err("stopped"));
        assert!(shape.chains.is_empty());
    }

    #[test]
    fn long_chains_cost_no_stack() {
        let text = vec!["a pr"; 8_000].join(" or ");
        let options = ParseOptions {
            max_len: 1 << 20,
            ..ParseOptions::DEFAULT
        };
        let f = Filter::parse_with(&text, &options).unwrap();
        let mut shape = Shape::default();
        f.accept(&mut shape).unwrap();
        assert_eq!(shape.chains, [(false, 8_000)]);
    }

    #[test]
    fn index_lookup_finds_the_first_indexed_equality() {
        let indexed = [
            "userName",
            "externalId",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "name.familyName",
        ];
        let cases = [
            (r#"userName eq "a""#, Some("userName")),
            (r#"EXTERNALID eq "a""#, Some("EXTERNALID")),
            (
                r#"active eq true and externalId eq "b""#,
                Some("externalId"),
            ),
            (
                r#"active eq true and externalId eq "b" and userName eq "c""#,
                Some("externalId"),
            ),
            (r#"name.familyName eq "J""#, Some("name.familyName")),
            (r#"name eq "J""#, None),
            (r#"name.givenName eq "J""#, None),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7""#,
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumberX eq "7""#,
                None,
            ),
            (r#"employeeNumber eq "7""#, None), // resolve first to get the URN
            (r#"userName eq null"#, None),
            (
                r#"userName eq null and externalId eq "x""#,
                Some("externalId"),
            ),
            (r#"userName ne "a""#, None),
            (r#"userName eq "a" or userName eq "b""#, None),
            (r#"userName eq "a" and title pr"#, None),
            (r#"emails[value eq "a"]"#, None),
            (r#"not (userName eq "a")"#, None),
        ];
        for (text, want) in cases {
            let f = Filter::parse(text).unwrap();
            let got = f.index_lookup(&indexed).map(|(p, _)| p.to_string());
            assert_eq!(got.as_deref(), want, "{text}");
        }
        let users = scim_core::ResourceType::user();
        let resolved = Filter::parse(r#"EMPLOYEENUMBER eq "7""#)
            .unwrap()
            .resolve(&users)
            .unwrap();
        assert!(resolved.index_lookup(&indexed).is_some());
    }
}
