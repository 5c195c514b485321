//! Conversion of a comparison value to its attribute's type (RFC 7643 §2.3), shared by the
//! in-memory compiler and the SQL translator so that both accept and reject the same
//! comparisons.

use scim_core::{AttrType, Attribute, DateTime};

use super::error::EvalError;
use crate::ast::{AttrPath, CompValue, CompareOp};

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
