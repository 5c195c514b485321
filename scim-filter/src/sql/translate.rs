//! The translator: a [`FilterVisitor`] that resolves each attribute path against the resource
//! type, finds its column (or values table) in the [`SqlMapping`], and writes the condition
//! through [`Writer`].

use std::ops::Bound;

use scim_core::{AttrType, Attribute, ResourceType};

use super::dialect::{AND, Frag, OR, Writer, chain, exists, operand};
use super::mapping::SqlMapping;
use super::types::{Column, Dialect, MultiValued, SqlError, SqlWhere};
use crate::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::eval::EvalError;
use crate::eval::error::refuse_secret;
use crate::visit::FilterVisitor;

impl SqlMapping {
    /// Translates `filter` into a `WHERE` condition in `dialect`.
    ///
    /// The filter may be as parsed or as [`Filter::resolve`] returns it: names are resolved
    /// against the resource type here, case-insensitively, and every comparison is checked as
    /// [`Filter::resolve`] checks it. Chains are walked in a loop, so long `or` lists cost no
    /// stack.
    pub fn translate(&self, filter: &Filter, dialect: Dialect) -> Result<SqlWhere, SqlError> {
        let mut translator = Translator {
            mapping: self,
            out: Writer {
                dialect,
                params: Vec::new(),
            },
            scope: Scope::Resource,
            key: String::new(),
        };
        let frag = filter.accept(&mut translator)?;
        Ok(SqlWhere {
            sql: frag.sql,
            params: translator.out.params,
        })
    }
}

/// Where the names of the node being translated are resolved.
#[derive(Debug, Clone, Copy)]
enum Scope<'m> {
    /// The resource's attributes.
    Resource,
    /// Inside `attr[…]` of a multi-valued attribute: the sub-attributes of `parent`, read from
    /// the rows of `values`.
    Values {
        urn: Option<&'m str>,
        parent: &'m Attribute,
        values: &'m MultiValued,
    },
    /// Inside `attr[…]` of a single-valued complex attribute: its sub-attributes, read from the
    /// mapping's columns.
    Complex {
        urn: Option<&'m str>,
        parent: &'m Attribute,
    },
}

/// An attribute path resolved in the current scope.
#[derive(Debug, Clone, Copy)]
struct Located<'m> {
    urn: Option<&'m str>,
    attr: &'m Attribute,
    sub: Option<&'m Attribute>,
}

impl<'m> Located<'m> {
    fn def(&self) -> &'m Attribute {
        self.sub.unwrap_or(self.attr)
    }
}

/// The column a comparison reads, and the values table it lives in when the comparison must be
/// wrapped in `EXISTS`.
#[derive(Debug, Clone, Copy)]
struct Target<'m> {
    column: &'m Column,
    values: Option<&'m MultiValued>,
}

struct Translator<'m> {
    mapping: &'m SqlMapping,
    /// The dialect and the parameters bound so far.
    out: Writer,
    scope: Scope<'m>,
    /// Scratch buffer for column keys.
    key: String,
}

impl<'m> Translator<'m> {
    fn locate(&self, path: &AttrPath) -> Result<Located<'m>, SqlError> {
        let ty: &'m ResourceType = &self.mapping.ty;
        let unknown = |resource_type: &str| EvalError::UnknownAttribute {
            path: path.to_string(),
            resource_type: resource_type.to_owned(),
        };
        match self.scope {
            Scope::Resource => {
                let r = ty
                    .resolve_parts(path.urn.as_deref(), &path.name, path.sub_attr.as_deref())
                    .ok_or_else(|| unknown(&ty.name))?;
                refuse_secret(r.attribute(), r.sub_attribute(), || r.canonical_path())?;
                Ok(Located {
                    urn: r.extension_urn(),
                    attr: r.attribute(),
                    sub: r.sub_attribute(),
                })
            }
            Scope::Values { urn, parent, .. } | Scope::Complex { urn, parent } => {
                // `emails[emails.type eq "work"]`: the attribute's own name as a prefix, as
                // in memory.
                let name = match (&path.urn, &path.sub_attr) {
                    (None, None) => path.name.as_str(),
                    (None, Some(sub)) if path.name.eq_ignore_ascii_case(&parent.name) => sub,
                    _ => return Err(unknown(&parent.name).into()),
                };
                let sub = parent
                    .sub_attribute(name)
                    .ok_or_else(|| unknown(&parent.name))?;
                refuse_secret(parent, Some(sub), || {
                    let mut p = urn.map(|u| format!("{u}:")).unwrap_or_default();
                    p.push_str(&parent.name);
                    p.push('.');
                    p.push_str(&sub.name);
                    p
                })?;
                Ok(Located {
                    urn,
                    attr: parent,
                    sub: Some(sub),
                })
            }
        }
    }

    /// Writes the canonical path of `attr` (and `sub`) into the scratch key.
    fn set_key(&mut self, urn: Option<&str>, attr: &str, sub: Option<&str>) {
        self.key.clear();
        if let Some(urn) = urn {
            self.key.push_str(urn);
            self.key.push(':');
        }
        self.key.push_str(attr);
        if let Some(sub) = sub {
            self.key.push('.');
            self.key.push_str(sub);
        }
    }

    fn unmapped(&mut self, urn: Option<&str>, attr: &str, sub: Option<&str>) -> SqlError {
        self.set_key(urn, attr, sub);
        SqlError::Unmapped {
            path: self.key.clone(),
        }
    }

    /// The values table mapped for the multi-valued attribute of `loc`, if any.
    fn values_of(&mut self, loc: &Located<'m>) -> Option<&'m MultiValued> {
        if !loc.attr.multi_valued {
            return None;
        }
        let mapping: &'m SqlMapping = self.mapping;
        self.set_key(loc.urn, &loc.attr.name, None);
        mapping.multi.get(self.key.as_str())
    }

    /// The column holding the value `loc` designates.
    fn target(&mut self, loc: &Located<'m>) -> Result<Target<'m>, SqlError> {
        let mapping: &'m SqlMapping = self.mapping;
        let sub_name = loc.sub.map(|s| s.name.as_str());
        if let Scope::Values { values, .. } = self.scope {
            let name = sub_name.unwrap_or("value");
            return match values.columns.get(name) {
                Some(column) => Ok(Target {
                    column,
                    values: None,
                }),
                None => Err(self.unmapped(loc.urn, &loc.attr.name, Some(name))),
            };
        }
        self.set_key(loc.urn, &loc.attr.name, sub_name);
        if let Some(column) = mapping.columns.get(self.key.as_str()) {
            return Ok(Target {
                column,
                values: None,
            });
        }
        if let Some(values) = self.values_of(loc) {
            let name = sub_name.unwrap_or("value");
            return match values.columns.get(name) {
                Some(column) => Ok(Target {
                    column,
                    values: Some(values),
                }),
                None => Err(self.unmapped(loc.urn, &loc.attr.name, Some(name))),
            };
        }
        Err(self.unmapped(loc.urn, &loc.attr.name, sub_name))
    }

    /// `attr pr` on the path `loc` designates (no `value` redirection).
    fn presence(&mut self, loc: &Located<'m>) -> Result<Frag, SqlError> {
        let sub_name = loc.sub.map(|s| s.name.as_str());
        if !matches!(self.scope, Scope::Values { .. }) {
            // A column for the exact path wins; else a values table; else the sub-columns of a
            // single-valued complex attribute.
            let mapping: &'m SqlMapping = self.mapping;
            self.set_key(loc.urn, &loc.attr.name, sub_name);
            if !mapping.columns.contains_key(self.key.as_str()) {
                if let Some(values) = self.values_of(loc) {
                    if loc.sub.is_none() && loc.attr.is_complex() {
                        return Ok(Frag::atom(exists(values, None), false));
                    }
                    let target = self.target(loc)?;
                    let cond = Frag::atom(self.is_present(target.column, loc.def()), false);
                    return Ok(Frag::atom(exists(values, Some(&cond)), false));
                }
                if loc.sub.is_none() && loc.attr.is_complex() {
                    return self.any_sub_present(loc.urn, loc.attr);
                }
            }
        }
        let target = self.target(loc)?;
        let cond = self.is_present(target.column, loc.def());
        Ok(Frag::atom(cond, false))
    }

    /// `col IS NOT NULL`, and not empty for text.
    fn is_present(&self, column: &Column, def: &Attribute) -> String {
        let text = match def.ty {
            AttrType::String | AttrType::Reference | AttrType::Binary => true,
            AttrType::DateTime => self.out.dialect == Dialect::Sqlite,
            _ => false,
        };
        let e = &column.expr;
        if text {
            format!("({e} IS NOT NULL AND {e} <> '')")
        } else {
            format!("{e} IS NOT NULL")
        }
    }

    /// A single-valued complex attribute stored as sub-attribute columns is present when one of
    /// them is not `NULL`.
    fn any_sub_present(
        &mut self,
        urn: Option<&'m str>,
        attr: &'m Attribute,
    ) -> Result<Frag, SqlError> {
        let mapping: &'m SqlMapping = self.mapping;
        self.set_key(urn, &attr.name, None);
        self.key.push('.');
        let prefix = self.key.as_str();
        let mut sql = String::new();
        let subs = mapping
            .columns
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            // A secret sub-attribute's column says nothing, not even whether it is set.
            .filter(|(k, _)| {
                k.strip_prefix(prefix)
                    .and_then(|sub| attr.sub_attribute(sub))
                    .is_none_or(|sub| !sub.is_secret())
            });
        for (i, (_, column)) in subs.enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str(&column.expr);
            sql.push_str(" IS NOT NULL");
        }
        if sql.is_empty() {
            return Err(self.unmapped(urn, &attr.name, None));
        }
        Ok(Frag::atom(format!("({sql})"), false))
    }
}

impl<'m> FilterVisitor for Translator<'m> {
    type Output = Frag;
    type Error = SqlError;

    fn compare(
        &mut self,
        path: &AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<Frag, SqlError> {
        let mut loc = self.locate(path)?;
        if loc.def().is_complex() {
            // RFC 7644 §3.4.2.2: a complex attribute without a sub-attribute compares `value`.
            match (loc.sub, loc.attr.sub_attribute("value")) {
                (None, Some(v)) => {
                    refuse_secret(v, None, || {
                        let mut p = loc.urn.map(|u| format!("{u}:")).unwrap_or_default();
                        p.push_str(&loc.attr.name);
                        p.push_str(".value");
                        p
                    })?;
                    loc.sub = Some(v);
                }
                _ => {
                    return Err(EvalError::NotComparable {
                        path: path.to_string(),
                        what: "a complex attribute without a value sub-attribute to compare",
                    }
                    .into());
                }
            }
        }
        if let CompValue::Null = value {
            return match op {
                CompareOp::Eq => {
                    let present = self.presence(&loc)?;
                    self.not(present)
                }
                CompareOp::Ne => self.presence(&loc),
                _ => Err(EvalError::UnsupportedOperator {
                    path: path.to_string(),
                    op,
                    ty: loc.def().ty,
                }
                .into()),
            };
        }
        let operand = operand(path, loc.def(), op, value)?;
        let target = self.target(&loc)?;
        let cond = self.out.comparison(target.column, op, operand);
        Ok(match target.values {
            Some(values) => Frag::atom(exists(values, Some(&Frag::atom(cond, true))), false),
            None => Frag::atom(cond, true),
        })
    }

    fn present(&mut self, path: &AttrPath) -> Result<Frag, SqlError> {
        let loc = self.locate(path)?;
        self.presence(&loc)
    }

    fn and(&mut self, operands: Vec<Frag>) -> Result<Frag, SqlError> {
        Ok(chain(operands, AND))
    }

    fn or(&mut self, operands: Vec<Frag>) -> Result<Frag, SqlError> {
        Ok(chain(operands, OR))
    }

    fn not(&mut self, inner: Frag) -> Result<Frag, SqlError> {
        let sql = if inner.nullable {
            format!("NOT COALESCE({}, {})", inner.sql, self.out.false_literal())
        } else {
            format!("NOT ({})", inner.sql)
        };
        Ok(Frag::atom(sql, false))
    }

    fn value_path(&mut self, path: &AttrPath, inner: &Filter) -> Result<Frag, SqlError> {
        let not_complex = || EvalError::NotComparable {
            path: path.to_string(),
            what: "not a complex attribute and cannot take a value filter",
        };
        if !matches!(self.scope, Scope::Resource) {
            return Err(not_complex().into());
        }
        let loc = self.locate(path)?;
        if loc.sub.is_some() || !loc.attr.is_complex() {
            return Err(not_complex().into());
        }
        let (urn, parent) = (loc.urn, loc.attr);
        if parent.multi_valued {
            let Some(values) = self.values_of(&loc) else {
                return Err(self.unmapped(urn, &parent.name, None));
            };
            self.scope = Scope::Values {
                urn,
                parent,
                values,
            };
            let cond = inner.accept(self);
            self.scope = Scope::Resource;
            Ok(Frag::atom(exists(values, Some(&cond?)), false))
        } else {
            let present = self.any_sub_present(urn, parent)?;
            self.scope = Scope::Complex { urn, parent };
            let cond = inner.accept(self);
            self.scope = Scope::Resource;
            Ok(chain(vec![present, cond?], AND))
        }
    }
}
