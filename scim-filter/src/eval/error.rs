//! [`EvalError`]: why a filter cannot be evaluated against a resource type.

use scim_core::{AttrType, Attribute, ScimError};

use crate::ast::CompareOp;

/// A filter that cannot be evaluated against a resource type: a comparison the attribute's
/// type does not support, an unknown attribute where one is not allowed, or a secret attribute.
/// Converts into 400 `invalidFilter` (RFC 7644 §3.4.2.2, §3.12) with the message as detail.
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
    /// An attribute the resource type does not define (only from [`Filter::resolve`](crate::Filter::resolve)).
    #[error("{path} is not an attribute of {resource_type}")]
    UnknownAttribute {
        /// The attribute path as written.
        path: String,
        /// The resource type's name.
        resource_type: String,
    },
    /// An attribute whose values are never returned, so may never be filtered on: one with
    /// `returned: never` or `mutability: writeOnly` ([`Attribute::is_secret`], RFC 7643 §2.2),
    /// such as a User's `password` (RFC 7643 §4.1.1). A filter on it would be an oracle:
    /// `userName eq "alice" and password sw "h"` reveals a stored value a character at a time.
    /// Refused wherever it appears (under `not`, in a value filter, as a sub-attribute or with
    /// its schema URN), by [`Filter::compile`](crate::Filter::compile),
    /// [`Filter::resolve`](crate::Filter::resolve),
    /// [`Filter::compile_for_values`](crate::Filter::compile_for_values) and the SQL translator.
    #[error("{path} cannot be used in a filter: its values are never returned")]
    SecretAttribute {
        /// The attribute's canonical path (e.g. `password`, `x509Certificates.value`).
        path: String,
    },
}

/// [`EvalError::SecretAttribute`] when `attr` or its sub-attribute `sub` is secret
/// ([`Attribute::is_secret`]); `path` gives the canonical path for the error.
pub(crate) fn refuse_secret(
    attr: &Attribute,
    sub: Option<&Attribute>,
    path: impl FnOnce() -> String,
) -> Result<(), EvalError> {
    if attr.is_secret() || sub.is_some_and(Attribute::is_secret) {
        Err(EvalError::SecretAttribute { path: path() })
    } else {
        Ok(())
    }
}

impl From<EvalError> for ScimError {
    fn from(e: EvalError) -> Self {
        ScimError::invalid_filter(e.to_string())
    }
}
