//! Compiling a [`Filter`] against a schema: name resolution, type checks and the refusal of
//! secret attributes.

use scim_core::{Attribute, ResourceType};

use super::convert::{Operand, operand};
use super::error::{EvalError, refuse_secret};
use super::node::{Loc, Node, Test};
use crate::ast::{AttrPath, CompValue, CompareOp, Filter, ValuePath};

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

/// A path located in a scope: where its values are, its attribute and its sub-attribute.
type Located<'a> = (Loc, &'a Attribute, Option<&'a Attribute>);

/// Where names are resolved: at the resource's top level, or inside the values of a complex
/// attribute (within `attr[...]`).
pub(super) enum Scope<'a> {
    Resource(&'a ResourceType),
    Complex(&'a Attribute, ValueFilterOptions),
}

impl Scope<'_> {
    /// The location and definition of a path, `None` when unknown, and an error when it
    /// names a secret attribute or sub-attribute ([`EvalError::SecretAttribute`]).
    fn locate(&self, path: &AttrPath) -> Result<Option<Located<'_>>, EvalError> {
        match self {
            Scope::Resource(ty) => {
                let Some(r) =
                    ty.resolve_parts(path.urn.as_deref(), &path.name, path.sub_attr.as_deref())
                else {
                    return Ok(None);
                };
                refuse_secret(r.attribute(), r.sub_attribute(), || r.canonical_path())?;
                let loc = Loc {
                    ext: r.extension_urn().map(str::to_owned),
                    attr: r.attribute().name.clone(),
                    sub: r.sub_attribute().map(|s| s.name.clone()),
                };
                Ok(Some((loc, r.attribute(), r.sub_attribute())))
            }
            Scope::Complex(parent, _) => {
                // `emails[emails.type eq "work"]`: the attribute's own name as a prefix.
                let name = match (&path.urn, &path.sub_attr) {
                    (None, None) => path.name.as_str(),
                    (None, Some(sub)) if path.name.eq_ignore_ascii_case(&parent.name) => sub,
                    _ => return Ok(None),
                };
                let Some(sub) = parent.sub_attribute(name) else {
                    return Ok(None);
                };
                refuse_secret(parent, Some(sub), || {
                    format!("{}.{}", parent.name, sub.name)
                })?;
                let loc = Loc {
                    ext: None,
                    attr: sub.name.clone(),
                    sub: None,
                };
                Ok(Some((loc, sub, None)))
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

pub(super) fn compile(filter: &Filter, scope: &Scope<'_>) -> Result<Node, EvalError> {
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
        Filter::Present(path) => match scope.locate(path)? {
            Some((loc, _, _)) => Node::Present(loc),
            None => scope.missing(path)?,
        },
        Filter::Compare { path, op, value } => match scope.locate(path)? {
            Some((loc, attr, sub)) => {
                let exact = scope.exact_value() && loc.attr == "value";
                compile_compare(path, loc, attr, sub, *op, value, exact)?
            }
            None => scope.missing(path)?,
        },
        Filter::ValuePath(ValuePath { attr: path, filter }) => match scope.locate(path)? {
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
                refuse_secret(v, None, || match &loc.ext {
                    Some(urn) => format!("{urn}:{}.{}", loc.attr, v.name),
                    None => format!("{}.{}", loc.attr, v.name),
                })?;
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
    Ok(Node::Compare(loc, Test::new(op, operand)))
}

pub(super) fn resolve_names(filter: &Filter, scope: &Scope<'_>) -> Result<Filter, EvalError> {
    let canonical = |path: &AttrPath| -> Result<(AttrPath, Option<&Attribute>), EvalError> {
        let (loc, attr, sub) = scope.locate(path)?.ok_or_else(|| scope.unknown(path))?;
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
