//! The one SCIM error type (RFC 7644 §3.12) and its wire form.
//!
//! Every crate of the workspace has its own `thiserror` enum for the failures it knows about;
//! each converts into [`ScimError`], which carries the HTTP status, the optional `scimType`
//! keyword of RFC 7644 §3.12 Table 9, and a human-readable detail. [`ScimError::to_response`]
//! renders the RFC error body, with `status` as a JSON *string*.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::urn;

/// The `scimType` detail error keyword (RFC 7644 §3.12, Table 9, extended by RFC 9865 §2.1
/// with `invalidCursor`, `expiredCursor` and `invalidCount`).
///
/// Serialises to the exact RFC spelling (`invalidFilter`, `invalidVers`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ScimType {
    /// The filter syntax was invalid, or the attribute and comparison combination is not supported.
    InvalidFilter,
    /// The filter yields more results than the server is willing to calculate or process.
    TooMany,
    /// One or more attribute values are already in use or are reserved.
    Uniqueness,
    /// The attempted modification is not compatible with the target attribute's mutability.
    Mutability,
    /// The request body message structure was invalid or did not conform to the schema.
    InvalidSyntax,
    /// The `path` attribute was invalid or malformed.
    InvalidPath,
    /// The specified `path` did not yield an attribute or attribute value that could be operated on.
    NoTarget,
    /// A required value was missing, or the value specified was not compatible with the operation
    /// or attribute type.
    InvalidValue,
    /// The specified SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because of sensitive information in the request URI.
    Sensitive,
    /// The `cursor` value is invalid: malformed, altered, or from a different query
    /// (RFC 9865 §2.1).
    InvalidCursor,
    /// The `cursor` has expired (RFC 9865 §2.1).
    ExpiredCursor,
    /// The `count` value is invalid (RFC 9865 §2.1).
    InvalidCount,
}

impl ScimType {
    /// The RFC keyword, e.g. `"invalidFilter"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
            ScimType::InvalidCursor => "invalidCursor",
            ScimType::ExpiredCursor => "expiredCursor",
            ScimType::InvalidCount => "invalidCount",
        }
    }

    /// The HTTP status RFC 7644 §3.12 pairs with this keyword (400 for all but `uniqueness`,
    /// which is 409, and `sensitive`, which is 403).
    pub const fn status(self) -> StatusCode {
        match self {
            ScimType::Uniqueness => StatusCode::CONFLICT,
            ScimType::Sensitive => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error a SCIM service provider returns (RFC 7644 §3.12): HTTP status, optional `scimType`
/// and a detail message for the caller.
///
/// Construct it with the factory for its kind ([`ScimError::invalid_filter`],
/// [`ScimError::not_found`], ...) and render it with [`ScimError::to_response`].
///
/// ```
/// use scim_core::{ScimError, ScimType};
///
/// let err = ScimError::invalid_value("userName is required");
/// assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
/// assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
/// let body = serde_json::to_value(err.to_response())?;
/// assert_eq!(body["status"], "400");
/// assert_eq!(body["scimType"], "invalidValue");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}{}: {detail}", scim_type.map(|t| format!(" {t}")).unwrap_or_default())]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<ScimType>,
    detail: Cow<'static, str>,
}

impl ScimError {
    /// An error with an explicit status and optional keyword.
    pub fn new(
        status: StatusCode,
        scim_type: Option<ScimType>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// An error with the keyword's RFC status (400, 409 for `uniqueness`, 403 for `sensitive`).
    pub fn with_type(scim_type: ScimType, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(scim_type.status(), Some(scim_type), detail)
    }

    /// 400 `invalidFilter`: a filter that does not parse or names an unsupported comparison.
    pub fn invalid_filter(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::InvalidFilter, detail)
    }

    /// 400 `tooMany`: the query selects more results than the server will process.
    pub fn too_many(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::TooMany, detail)
    }

    /// 409 `uniqueness`: a value is already in use (RFC 7644 §3.3).
    pub fn uniqueness(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::Uniqueness, detail)
    }

    /// 400 `mutability`: a change that the attribute's mutability forbids.
    pub fn mutability(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::Mutability, detail)
    }

    /// 400 `invalidSyntax`: a body that is not well-formed JSON or not a SCIM message.
    pub fn invalid_syntax(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::InvalidSyntax, detail)
    }

    /// 400 `invalidPath`: a PATCH `path` that is malformed or names no attribute.
    pub fn invalid_path(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::InvalidPath, detail)
    }

    /// 400 `noTarget`: a PATCH `path` that selects nothing to operate on.
    pub fn no_target(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::NoTarget, detail)
    }

    /// 400 `invalidValue`: a missing required value or a value of the wrong type.
    pub fn invalid_value(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::InvalidValue, detail)
    }

    /// 400 `invalidVers`: an unsupported protocol version.
    pub fn invalid_vers(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::InvalidVers, detail)
    }

    /// 403 `sensitive`: sensitive information in the request URI.
    pub fn sensitive(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::Sensitive, detail)
    }

    /// 400 `invalidCursor`: a `cursor` that is malformed, altered or from a different query
    /// (RFC 9865 §2.1).
    pub fn invalid_cursor(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::with_type(ScimType::InvalidCursor, detail)
    }

    /// 404: no such resource or endpoint.
    pub fn not_found(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    /// 401: missing or wrong credentials.
    pub fn unauthorized(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, None, detail)
    }

    /// 403: the caller may not perform this operation.
    pub fn forbidden(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, None, detail)
    }

    /// 409 without a keyword: a version conflict that is not a uniqueness violation.
    pub fn conflict(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, None, detail)
    }

    /// 412: an `If-Match` precondition failed (RFC 7644 §3.14).
    pub fn precondition_failed(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, None, detail)
    }

    /// 413: the request body exceeds the server's maximum payload size.
    pub fn payload_too_large(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, None, detail)
    }

    /// 405: the endpoint does not support this HTTP method.
    pub fn method_not_allowed(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, None, detail)
    }

    /// 501: the operation is not implemented (e.g. `/Me`, `/Bulk` when disabled).
    pub fn not_implemented(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, None, detail)
    }

    /// 500 with a generic detail. Backend messages are never echoed to clients: log them
    /// where they happen and return this.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "the service provider failed to process the request",
        )
    }

    /// The HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `scimType` keyword, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The RFC 7644 §3.12 error message for this error.
    pub fn to_response(&self) -> ErrorResponse {
        ErrorResponse {
            schemas: vec![urn::ERROR.to_owned()],
            status: self.status.as_u16().to_string(),
            scim_type: self.scim_type,
            detail: Some(self.detail.to_string()),
        }
    }
}

impl From<ErrorResponse> for ScimError {
    /// Reads an error message received from a peer; an unparseable `status` becomes 500.
    fn from(msg: ErrorResponse) -> Self {
        let status = msg
            .status
            .trim()
            .parse::<u16>()
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ScimError::new(status, msg.scim_type, msg.detail.unwrap_or_default())
    }
}

/// The SCIM error message body (RFC 7644 §3.12):
/// `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":…,"detail":…}`.
///
/// `status` is a JSON string, as the RFC's examples show. On input a numeric status is accepted
/// too, for peers that send one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    /// Always `["urn:ietf:params:scim:api:messages:2.0:Error"]`.
    pub schemas: Vec<String>,
    /// The HTTP status code as a string, e.g. `"404"`.
    #[serde(deserialize_with = "string_or_number")]
    pub status: String,
    /// The `scimType` keyword, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<ScimType>,
    /// A human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StrOrNum {
        Str(String),
        Num(u64),
    }
    Ok(match StrOrNum::deserialize(d)? {
        StrOrNum::Str(s) => s,
        StrOrNum::Num(n) => n.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_keyword_round_trips_through_serde() {
        let all = [
            ScimType::InvalidFilter,
            ScimType::TooMany,
            ScimType::Uniqueness,
            ScimType::Mutability,
            ScimType::InvalidSyntax,
            ScimType::InvalidPath,
            ScimType::NoTarget,
            ScimType::InvalidValue,
            ScimType::InvalidVers,
            ScimType::Sensitive,
            ScimType::InvalidCursor,
            ScimType::ExpiredCursor,
            ScimType::InvalidCount,
        ];
        for t in all {
            let v = serde_json::to_value(t).unwrap();
            assert_eq!(v, json!(t.as_str()));
            assert_eq!(serde_json::from_value::<ScimType>(v).unwrap(), t);
        }
    }

    #[test]
    fn statuses_follow_table_9() {
        assert_eq!(ScimError::uniqueness("x").status(), StatusCode::CONFLICT);
        assert_eq!(ScimError::sensitive("x").status(), StatusCode::FORBIDDEN);
        assert_eq!(
            ScimError::invalid_vers("x").status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(ScimError::no_target("x").status(), StatusCode::BAD_REQUEST);
        assert_eq!(ScimError::not_found("x").scim_type(), None);
    }

    #[test]
    fn renders_the_rfc_body_with_a_string_status() {
        let body =
            serde_json::to_value(ScimError::uniqueness("userName taken").to_response()).unwrap();
        assert_eq!(
            body,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "409",
                "scimType": "uniqueness",
                "detail": "userName taken"
            })
        );
        let body = serde_json::to_value(ScimError::not_found("no user").to_response()).unwrap();
        assert!(body.get("scimType").is_none());
        assert_eq!(body["status"], "404");
    }

    #[test]
    fn parses_peer_errors_with_numeric_status() {
        let msg: ErrorResponse = serde_json::from_value(json!({
            "schemas": [urn::ERROR], "status": 412, "detail": "changed"
        }))
        .unwrap();
        let err = ScimError::from(msg);
        assert_eq!(err.status(), StatusCode::PRECONDITION_FAILED);
        assert_eq!(err.detail(), "changed");
    }

    #[test]
    fn display_names_status_keyword_and_detail() {
        let s = ScimError::invalid_filter("bad").to_string();
        assert!(
            s.contains("400") && s.contains("invalidFilter") && s.contains("bad"),
            "{s}"
        );
    }

    #[test]
    fn internal_never_leaks_a_detail() {
        let e = ScimError::internal();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.detail().is_empty());
    }
}
