use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::urn;

/// A bulk request (RFC 7644 §3.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    /// `["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Stop after this many errors (RFC 7644 §3.7.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on_errors: Option<u32>,
    /// The operations.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<BulkOperation>,
}

impl BulkRequest {
    /// A bulk request with these operations and its schema URN.
    pub fn new(operations: Vec<BulkOperation>) -> Self {
        BulkRequest {
            schemas: vec![urn::BULK_REQUEST.to_owned()],
            fail_on_errors: None,
            operations,
        }
    }
}

/// One operation of a bulk request (RFC 7644 §3.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// The client's transient identifier, required for `POST` (referenced as `bulkId:<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The version (ETag) the operation expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The resource's relative path, e.g. `/Users` or `/Groups/e9e30dba`.
    pub path: String,
    /// The resource data, or the PATCH message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// A bulk response (RFC 7644 §3.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkResponse {
    /// `["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The results, in request order.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<BulkResponseOperation>,
}

impl BulkResponse {
    /// A bulk response with these results and its schema URN.
    pub fn new(operations: Vec<BulkResponseOperation>) -> Self {
        BulkResponse {
            schemas: vec![urn::BULK_RESPONSE.to_owned()],
            operations,
        }
    }
}

/// The result of one bulk operation (RFC 7644 §3.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResponseOperation {
    /// The operation's method.
    pub method: String,
    /// The operation's `bulkId`, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's version after the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The HTTP status as a string, e.g. `"201"` (numbers are accepted on input).
    #[serde(deserialize_with = "crate::error::string_or_number")]
    pub status: String,
    /// The response body, e.g. an error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_rfc_bulk_request_and_response() {
        let req: BulkRequest = serde_json::from_value(json!({
            "schemas": [urn::BULK_REQUEST], "failOnErrors": 1,
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "qwerty",
                 "data": {"schemas": [urn::USER], "userName": "Alice"}},
                {"method": "DELETE", "path": "/Users/b7c14771", "version": "W/\"0ee8add0a938e1a\""}
            ]
        }))
        .unwrap();
        assert_eq!(req.fail_on_errors, Some(1));
        assert_eq!(req.operations[0].bulk_id.as_deref(), Some("qwerty"));
        let resp: BulkResponse = serde_json::from_value(json!({
            "schemas": [urn::BULK_RESPONSE],
            "Operations": [{"location": "https://example.com/v2/Users/92b725cd", "method": "POST",
                            "bulkId": "qwerty", "version": "W/\"oY4m4wn58tkVjJxK\"", "status": "201"},
                           {"method": "DELETE", "status": 204}]
        }))
        .unwrap();
        assert_eq!(resp.operations[0].status, "201");
        assert_eq!(resp.operations[1].status, "204");
        let out = serde_json::to_value(BulkResponse::new(resp.operations)).unwrap();
        assert_eq!(
            out["Operations"][1],
            json!({"method": "DELETE", "status": "204"})
        );
    }
}
