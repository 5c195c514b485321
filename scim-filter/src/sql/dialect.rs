//! What differs between SQL dialects, and the SQL text the translator writes: placeholders and
//! their casts, comparisons (`LIKE`/`GLOB` patterns, collations, date-time functions), `EXISTS`
//! subqueries and the grouping of long chains.

use std::fmt::Write as _;

use scim_core::{Attribute, DateTime};

use super::types::{Column, ColumnKind, Dialect, MultiValued, SqlParam};
use crate::ast::{AttrPath, CompValue, CompareOp};
use crate::eval::EvalError;
use crate::eval::convert;

/// Operator precedence of a fragment, for parenthesising: `OR` < `AND` < anything else.
pub(super) const OR: u8 = 0;
pub(super) const AND: u8 = 1;
pub(super) const ATOM: u8 = 2;

/// Chains longer than this are grouped into parenthesised runs of this many terms.
const MAX_FLAT: usize = 64;

/// A translated node.
#[derive(Debug)]
pub(super) struct Frag {
    pub(super) sql: String,
    /// Precedence of the outermost operator.
    pub(super) prec: u8,
    /// Whether the condition can be `NULL` where memory says false (a comparison with an
    /// absent value); such conditions are only `TRUE` where memory says true, so they are
    /// correct everywhere except under `NOT`.
    pub(super) nullable: bool,
}

impl Frag {
    pub(super) fn atom(sql: String, nullable: bool) -> Self {
        Frag {
            sql,
            prec: ATOM,
            nullable,
        }
    }
}

/// A comparison value converted to the attribute's type.
#[derive(Debug)]
pub(super) enum Operand {
    /// Lowercased unless `case_exact`.
    Text {
        s: String,
        case_exact: bool,
    },
    Number(SqlParam),
    Bool(bool),
    Date(DateTime),
}

/// The SQL being written: the dialect, and the parameters bound so far, in placeholder order.
#[derive(Debug)]
pub(super) struct Writer {
    pub(super) dialect: Dialect,
    pub(super) params: Vec<SqlParam>,
}

impl Writer {
    /// Appends a placeholder for `param` (with `cast` after it in PostgreSQL).
    pub(super) fn bind(&mut self, out: &mut String, param: SqlParam, cast: &str) {
        let default_cast = match param {
            SqlParam::Integer(_) => "::bigint",
            SqlParam::Real(_) => "::double precision",
            SqlParam::Bool(_) => "::boolean",
            SqlParam::Text(_) => "",
        };
        self.params.push(param);
        match self.dialect {
            Dialect::Sqlite => out.push('?'),
            Dialect::Postgres => {
                let _ = write!(out, "${}{default_cast}{cast}", self.params.len());
            }
        }
    }

    /// The comparison of `column` with `operand`.
    pub(super) fn comparison(
        &mut self,
        column: &Column,
        op: CompareOp,
        operand: Operand,
    ) -> String {
        let e = column.expr.as_str();
        let mut out = String::with_capacity(e.len() + 24);
        match operand {
            Operand::Text { s, case_exact } => {
                let folded = !case_exact && column.kind == ColumnKind::Native;
                let lhs = |out: &mut String| {
                    if folded {
                        out.push_str("lower(");
                        out.push_str(e);
                        out.push(')');
                    } else {
                        out.push_str(e);
                    }
                };
                match op {
                    CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
                        let glob = case_exact && self.dialect == Dialect::Sqlite;
                        lhs(&mut out);
                        out.push_str(if glob { " GLOB " } else { " LIKE " });
                        let pattern = if glob {
                            pattern(op, &s, '*', |c| match c {
                                '*' => Some("[*]"),
                                '?' => Some("[?]"),
                                '[' => Some("[[]"),
                                _ => None,
                            })
                        } else {
                            pattern(op, &s, '%', |c| match c {
                                '%' => Some("\\%"),
                                '_' => Some("\\_"),
                                '\\' => Some("\\\\"),
                                _ => None,
                            })
                        };
                        self.bind(&mut out, SqlParam::Text(pattern), "");
                        if !glob {
                            out.push_str(" ESCAPE '\\'");
                        }
                    }
                    CompareOp::Eq | CompareOp::Ne => {
                        lhs(&mut out);
                        out.push_str(sql_op(op));
                        self.bind(&mut out, SqlParam::Text(s), "");
                    }
                    CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
                        lhs(&mut out);
                        if self.dialect == Dialect::Postgres {
                            out.push_str(" COLLATE \"C\"");
                        }
                        out.push_str(sql_op(op));
                        self.bind(&mut out, SqlParam::Text(s), "");
                    }
                }
            }
            Operand::Number(n) => {
                out.push_str(e);
                out.push_str(sql_op(op));
                self.bind(&mut out, n, "");
            }
            Operand::Bool(b) => {
                out.push_str(e);
                out.push_str(sql_op(op));
                self.bind(&mut out, SqlParam::Bool(b), "");
            }
            Operand::Date(at) => match self.dialect {
                Dialect::Sqlite => {
                    out.push_str("julianday(");
                    out.push_str(e);
                    out.push(')');
                    out.push_str(sql_op(op));
                    out.push_str("julianday(");
                    self.bind(&mut out, SqlParam::Text(at.to_string()), "");
                    out.push(')');
                }
                Dialect::Postgres => {
                    out.push_str(e);
                    out.push_str(sql_op(op));
                    self.bind(
                        &mut out,
                        SqlParam::Text(at.to_string()),
                        "::text::timestamptz",
                    );
                }
            },
        }
        out
    }

    pub(super) fn false_literal(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "0",
            Dialect::Postgres => "FALSE",
        }
    }
}

/// Joins a chain's operands with `sep`, grouping long chains (see [`MAX_FLAT`]).
pub(super) fn chain(operands: Vec<Frag>, prec: u8) -> Frag {
    let sep = if prec == OR { " OR " } else { " AND " };
    let nullable = operands.iter().any(|f| f.nullable);
    if operands.len() <= MAX_FLAT {
        let len = operands.iter().map(|f| f.sql.len() + 7).sum();
        let mut sql = String::with_capacity(len);
        for (i, f) in operands.iter().enumerate() {
            if i > 0 {
                sql.push_str(sep);
            }
            if f.prec < prec {
                sql.push('(');
                sql.push_str(&f.sql);
                sql.push(')');
            } else {
                sql.push_str(&f.sql);
            }
        }
        return Frag {
            sql,
            prec,
            nullable,
        };
    }
    let mut parts: Vec<String> = operands
        .into_iter()
        .map(|f| {
            if f.prec < prec {
                format!("({})", f.sql)
            } else {
                f.sql
            }
        })
        .collect();
    while parts.len() > MAX_FLAT {
        parts = parts
            .chunks(MAX_FLAT)
            .map(|run| format!("({})", run.join(sep)))
            .collect();
    }
    Frag {
        sql: parts.join(sep),
        prec,
        nullable,
    }
}

/// `EXISTS (SELECT 1 FROM <from> WHERE <on> AND <cond>)`.
pub(super) fn exists(values: &MultiValued, cond: Option<&Frag>) -> String {
    let mut out = String::from("EXISTS (SELECT 1 FROM ");
    out.push_str(&values.from);
    match (&values.on, cond) {
        (Some(on), Some(cond)) => {
            out.push_str(" WHERE ");
            out.push_str(on);
            out.push_str(" AND ");
            if cond.prec == OR {
                out.push('(');
                out.push_str(&cond.sql);
                out.push(')');
            } else {
                out.push_str(&cond.sql);
            }
        }
        (Some(only), None) => {
            out.push_str(" WHERE ");
            out.push_str(only);
        }
        (None, Some(cond)) => {
            out.push_str(" WHERE ");
            out.push_str(&cond.sql);
        }
        (None, None) => {}
    }
    out.push(')');
    out
}

fn sql_op(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => " = ",
        CompareOp::Ne => " <> ",
        CompareOp::Gt => " > ",
        CompareOp::Ge => " >= ",
        CompareOp::Lt => " < ",
        CompareOp::Le => " <= ",
        // Substring operators are written by the caller.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => " = ",
    }
}

/// A `LIKE` or `GLOB` pattern for `co`/`sw`/`ew`: `needle` with its special characters
/// escaped by `escape`, and the `any` wildcard where the operator leaves the text open.
fn pattern(
    op: CompareOp,
    needle: &str,
    any: char,
    escape: impl Fn(char) -> Option<&'static str>,
) -> String {
    let mut out = String::with_capacity(needle.len() + 4);
    if matches!(op, CompareOp::Co | CompareOp::Ew) {
        out.push(any);
    }
    for c in needle.chars() {
        match escape(c) {
            Some(escaped) => out.push_str(escaped),
            None => out.push(c),
        }
    }
    if matches!(op, CompareOp::Co | CompareOp::Sw) {
        out.push(any);
    }
    out
}

/// Converts a comparison value to the attribute's type, with exactly the checks of
/// [`Filter::compile`] (one shared function, `eval::operand`).
pub(super) fn operand(
    path: &AttrPath,
    def: &Attribute,
    op: CompareOp,
    value: &CompValue,
) -> Result<Operand, EvalError> {
    Ok(match convert::operand(path, def, op, value)? {
        convert::Operand::Text { s, case_exact } => Operand::Text { s, case_exact },
        convert::Operand::Number { int: Some(i), .. } => Operand::Number(SqlParam::Integer(i)),
        convert::Operand::Number { n, int: None } => Operand::Number(SqlParam::Real(n)),
        convert::Operand::Bool(b) => Operand::Bool(b),
        convert::Operand::Date(d) => Operand::Date(d),
    })
}
