//! [`EvalError`]: why a filter cannot be evaluated against a resource type.

use scim_core::{AttrType, ScimError};

use crate::ast::CompareOp;

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
