//! The one error of this crate, and its mapping to SCIM errors (RFC 7644 §3.12).

use std::fmt;

use scim_core::{ScimError, ScimType};

/// Why a PATCH request was rejected. Nothing was changed.
///
/// Each variant says which operation failed (its index in `Operations`, from 0), the path it
/// targeted as the client wrote it (or the key of a path-less value), and why. It converts into
/// [`ScimError`] with the `scimType` of RFC 7644 §3.12:
///
/// | variant | `scimType` |
/// | --- | --- |
/// | [`InvalidPath`](PatchError::InvalidPath) | `invalidPath` |
/// | [`InvalidFilter`](PatchError::InvalidFilter) | `invalidFilter` |
/// | [`NoTarget`](PatchError::NoTarget) | `noTarget` |
/// | [`Mutability`](PatchError::Mutability) | `mutability` |
/// | [`InvalidValue`](PatchError::InvalidValue) | `invalidValue` |
/// | [`InvalidSyntax`](PatchError::InvalidSyntax) | `invalidSyntax` |
/// | [`NoOperations`](PatchError::NoOperations) | `invalidValue` |
/// | [`TooManyOperations`](PatchError::TooManyOperations) | `tooMany` |
///
/// ```
/// use scim_core::{message::PatchRequest, ResourceType, ScimError, ScimType};
/// use scim_patch::{Patch, PatchError, PatchOptions};
///
/// let users = ResourceType::user();
/// let req: PatchRequest = serde_json::from_value(serde_json::json!({
///     "Operations": [{"op": "replace", "path": "id", "value": "x"}]
/// }))?;
/// let err = Patch::parse(&req, &users, &PatchOptions::default()).unwrap_err();
/// assert!(matches!(err, PatchError::Mutability { op: 0, .. }));
/// let scim = ScimError::from(err);
/// assert_eq!(scim.scim_type(), Some(ScimType::Mutability));
/// assert_eq!(scim.detail(), "Operations[0] (path \"id\"): id is readOnly and cannot be modified");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    /// The path does not parse, or names no attribute of the resource type (`invalidPath`).
    #[error("{}: {reason}", Where(*op, path))]
    InvalidPath {
        /// The index of the operation in `Operations`.
        op: usize,
        /// The path as written (abbreviated when over the parse length limit).
        path: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// The value filter in the path compares values the schema cannot compare (`invalidFilter`).
    #[error("{}: {reason}", Where(*op, path))]
    InvalidFilter {
        /// The index of the operation in `Operations`.
        op: usize,
        /// The path as written (abbreviated when over the parse length limit).
        path: Option<String>,
        /// What is wrong with the filter.
        reason: String,
    },
    /// The path selects nothing to operate on (`noTarget`): a `remove` without a path, or a
    /// value filter that matches no value.
    #[error("{}: {reason}", Where(*op, path))]
    NoTarget {
        /// The index of the operation in `Operations`.
        op: usize,
        /// The path as written (abbreviated when over the parse length limit).
        path: Option<String>,
        /// Why there is no target.
        reason: String,
    },
    /// The change is not allowed by the attribute's mutability or `required` characteristic
    /// (`mutability`).
    #[error("{}: {reason}", Where(*op, path))]
    Mutability {
        /// The index of the operation in `Operations`.
        op: usize,
        /// The path as written (abbreviated when over the parse length limit).
        path: Option<String>,
        /// Which rule forbids it.
        reason: String,
    },
    /// The value is missing, of the wrong type, or not usable with the operation
    /// (`invalidValue`).
    #[error("{}: {reason}", Where(*op, path))]
    InvalidValue {
        /// The index of the operation in `Operations`.
        op: usize,
        /// The path as written (abbreviated when over the parse length limit).
        path: Option<String>,
        /// What is wrong with the value.
        reason: String,
    },
    /// The request is not a well-formed PatchOp message (`invalidSyntax`).
    #[error("{reason}")]
    InvalidSyntax {
        /// What is wrong with the message.
        reason: String,
    },
    /// `Operations` is empty (`invalidValue`): RFC 7644 §3.5.2 says the body "contains one or
    /// more patch operations". With any options.
    #[error(
        "Operations is empty; a PATCH request contains one or more patch operations (RFC 7644 §3.5.2)"
    )]
    NoOperations,
    /// `Operations` holds more operations than
    /// [`PatchOptions::max_operations`](crate::PatchOptions::max_operations) allows (`tooMany`).
    #[error(
        "Operations holds {count} operations; this server accepts at most {limit} in one PATCH request"
    )]
    TooManyOperations {
        /// How many operations the request holds.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
}

/// Formats "Operations[i] (path "p")".
struct Where<'a>(usize, &'a Option<String>);

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Operations[{}]", self.0)?;
        match self.1 {
            Some(p) => write!(f, " (path {p:?})"),
            None => f.write_str(" (no path)"),
        }
    }
}

impl PatchError {
    /// The `scimType` this error maps to (RFC 7644 §3.12, Table 9).
    pub fn scim_type(&self) -> ScimType {
        match self {
            PatchError::InvalidPath { .. } => ScimType::InvalidPath,
            PatchError::InvalidFilter { .. } => ScimType::InvalidFilter,
            PatchError::NoTarget { .. } => ScimType::NoTarget,
            PatchError::Mutability { .. } => ScimType::Mutability,
            PatchError::InvalidValue { .. } => ScimType::InvalidValue,
            PatchError::InvalidSyntax { .. } => ScimType::InvalidSyntax,
            PatchError::NoOperations => ScimType::InvalidValue,
            PatchError::TooManyOperations { .. } => ScimType::TooMany,
        }
    }

    /// The index in `Operations` of the operation that failed; `None` for message-level errors.
    pub fn op_index(&self) -> Option<usize> {
        match self {
            PatchError::InvalidPath { op, .. }
            | PatchError::InvalidFilter { op, .. }
            | PatchError::NoTarget { op, .. }
            | PatchError::Mutability { op, .. }
            | PatchError::InvalidValue { op, .. } => Some(*op),
            PatchError::InvalidSyntax { .. }
            | PatchError::NoOperations
            | PatchError::TooManyOperations { .. } => None,
        }
    }

    /// The path of the failed operation as written, if it had one.
    pub fn path(&self) -> Option<&str> {
        match self {
            PatchError::InvalidPath { path, .. }
            | PatchError::InvalidFilter { path, .. }
            | PatchError::NoTarget { path, .. }
            | PatchError::Mutability { path, .. }
            | PatchError::InvalidValue { path, .. } => path.as_deref(),
            PatchError::InvalidSyntax { .. }
            | PatchError::NoOperations
            | PatchError::TooManyOperations { .. } => None,
        }
    }
}

impl From<PatchError> for ScimError {
    /// 400 with the variant's `scimType`; the detail names the operation and path.
    fn from(e: PatchError) -> Self {
        ScimError::with_type(e.scim_type(), e.to_string())
    }
}

/// Where an error happened: the operation index and the path as written. Builds errors.
#[derive(Debug, Clone)]
pub(crate) struct At {
    pub(crate) op: usize,
    pub(crate) path: Option<String>,
}

impl At {
    pub(crate) fn new(op: usize, path: Option<&str>) -> Self {
        At {
            op,
            path: path.map(str::to_owned),
        }
    }

    pub(crate) fn invalid_path(&self, reason: impl Into<String>) -> PatchError {
        PatchError::InvalidPath {
            op: self.op,
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_filter(&self, reason: impl Into<String>) -> PatchError {
        PatchError::InvalidFilter {
            op: self.op,
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    pub(crate) fn no_target(&self, reason: impl Into<String>) -> PatchError {
        PatchError::NoTarget {
            op: self.op,
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    pub(crate) fn mutability(&self, reason: impl Into<String>) -> PatchError {
        PatchError::Mutability {
            op: self.op,
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_value(&self, reason: impl Into<String>) -> PatchError {
        PatchError::InvalidValue {
            op: self.op,
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// Wraps an error from `scim_core::validate::check_value`, keeping its kind.
    pub(crate) fn wrap_scim(&self, e: &ScimError) -> PatchError {
        let reason = e.detail().to_owned();
        match e.scim_type() {
            Some(ScimType::Mutability) => self.mutability(reason),
            Some(ScimType::InvalidPath) => self.invalid_path(reason),
            Some(ScimType::NoTarget) => self.no_target(reason),
            _ => self.invalid_value(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_scim_type() {
        let at = At::new(2, Some("emails[type eq \"work\"]"));
        let cases = [
            (at.invalid_path("x"), ScimType::InvalidPath),
            (at.invalid_filter("x"), ScimType::InvalidFilter),
            (at.no_target("x"), ScimType::NoTarget),
            (at.mutability("x"), ScimType::Mutability),
            (at.invalid_value("x"), ScimType::InvalidValue),
            (
                PatchError::InvalidSyntax { reason: "x".into() },
                ScimType::InvalidSyntax,
            ),
            (PatchError::NoOperations, ScimType::InvalidValue),
            (
                PatchError::TooManyOperations { count: 2, limit: 1 },
                ScimType::TooMany,
            ),
        ];
        for (err, ty) in cases {
            let scim = ScimError::from(err.clone());
            assert_eq!(scim.scim_type(), Some(ty));
            assert_eq!(scim.status(), 400);
            if err.op_index().is_some() {
                assert!(
                    scim.detail()
                        .starts_with("Operations[2] (path \"emails[type eq \\\"work\\\"]\"): x"),
                    "{}",
                    scim.detail()
                );
                assert_eq!(err.path(), Some("emails[type eq \"work\"]"));
            }
        }
    }

    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<PatchError>() <= 80);
    }
}
