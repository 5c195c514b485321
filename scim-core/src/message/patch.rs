use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::urn;

/// The body of a PATCH request (RFC 7644 §3.5.2): a list of operations.
///
/// This is the message shape only; `scim-patch` parses paths and applies the operations.
/// `Operations` is also read from `operations`, which some clients send.
///
/// ```
/// use scim_core::message::{PatchOp, PatchRequest};
///
/// let req: PatchRequest = serde_json::from_str(r#"{
///   "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///   "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
/// }"#)?;
/// assert_eq!(req.operations[0].op, PatchOp::Replace);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRequest {
    /// `["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The operations, applied in order.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A request with these operations and the PatchOp schema URN.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        PatchRequest {
            schemas: vec![urn::PATCH_OP.to_owned()],
            operations,
        }
    }
}

/// One PATCH operation (RFC 7644 §3.5.2): `op`, an optional `path` (text, parsed by
/// `scim-filter`), and an optional `value`. A `null` value reads as absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `remove` or `replace`.
    pub op: PatchOp,
    /// The attribute path the operation targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value to add or replace with (or, in Entra's remove shape, the values to remove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// A PATCH operation's `op` (RFC 7644 §3.5.2). Read case-insensitively, since Microsoft
/// Entra ID sends `Add`, `Replace` and `Remove`; written in lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOp {
    /// Add values (RFC 7644 §3.5.2.1).
    Add,
    /// Remove values (RFC 7644 §3.5.2.2).
    Remove,
    /// Replace values (RFC 7644 §3.5.2.3).
    Replace,
}

impl PatchOp {
    /// Parses `add`, `remove` or `replace` in any case.
    pub fn parse(s: &str) -> Option<PatchOp> {
        [PatchOp::Add, PatchOp::Remove, PatchOp::Replace]
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }

    /// The lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PatchOp::Add => "add",
            PatchOp::Remove => "remove",
            PatchOp::Replace => "replace",
        }
    }
}

impl fmt::Display for PatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PatchOp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PatchOp::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "op must be \"add\", \"remove\" or \"replace\", not {s:?}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_ops_in_any_case_and_writes_lowercase() {
        for (s, op) in [
            ("add", PatchOp::Add),
            ("Replace", PatchOp::Replace),
            ("REMOVE", PatchOp::Remove),
        ] {
            assert_eq!(serde_json::from_value::<PatchOp>(json!(s)).unwrap(), op);
            assert_eq!(serde_json::to_value(op).unwrap(), json!(s.to_lowercase()));
        }
        assert!(serde_json::from_value::<PatchOp>(json!("move")).is_err());
    }

    #[test]
    fn reads_the_rfc_example_and_lowercase_operations_key() {
        let r: PatchRequest = serde_json::from_value(json!({
            "schemas": [urn::PATCH_OP],
            "Operations": [{"op": "add", "path": "members",
                "value": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}]}]
        }))
        .unwrap();
        assert_eq!(r.operations[0].path.as_deref(), Some("members"));
        let r: PatchRequest = serde_json::from_value(json!({
            "operations": [{"op": "remove", "path": "title", "value": null}]
        }))
        .unwrap();
        assert_eq!(r.operations[0].value, None);
        assert_eq!(
            serde_json::to_value(PatchRequest::new(r.operations)).unwrap(),
            json!({"schemas": [urn::PATCH_OP], "Operations": [{"op": "remove", "path": "title"}]})
        );
    }
}
