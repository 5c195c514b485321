//! The enterprise User extension (RFC 7643 §4.3).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The enterprise User extension (RFC 7643 §4.3), stored in a User under the schema URN
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` and read as
/// [`User::enterprise`](crate::User::enterprise).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnterpriseUser {
    /// A number the organisation assigns, e.g. `701984` (RFC 7643 §4.3, `employeeNumber`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// The cost center, e.g. `4130` (RFC 7643 §4.3, `costCenter`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// The organisation, e.g. `Universal Studios` (RFC 7643 §4.3, `organization`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The division, e.g. `Theme Park` (RFC 7643 §4.3, `division`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// The department, e.g. `Tour Operations` (RFC 7643 §4.3, `department`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The user's manager (RFC 7643 §4.3, `manager`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<Manager>,
    /// Attributes of the extension not named above, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A User's manager (RFC 7643 §4.3, `manager`): another User of the same service provider.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Manager {
    /// The manager's User `id` (`value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the manager's User resource (`$ref`).
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The manager's `displayName` (`displayName`; readOnly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Sub-attributes not named above, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Manager {
    /// A manager given by User `id`.
    pub fn new(value: impl Into<String>) -> Self {
        Manager {
            value: Some(value.into()),
            ..Manager::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Resource, User, urn};
    use serde_json::json;

    #[test]
    fn serialises_rfc_names_and_no_nulls() {
        let ext = EnterpriseUser {
            employee_number: Some("701984".into()),
            cost_center: Some("4130".into()),
            manager: Some(Manager {
                reference: Some("../Users/26118915".into()),
                display_name: Some("John Smith".into()),
                ..Manager::new("26118915")
            }),
            ..EnterpriseUser::default()
        };
        assert_eq!(
            serde_json::to_value(&ext).unwrap(),
            json!({
                "employeeNumber": "701984",
                "costCenter": "4130",
                "manager": {"value": "26118915", "$ref": "../Users/26118915", "displayName": "John Smith"}
            })
        );
        assert_eq!(
            serde_json::to_value(EnterpriseUser::default()).unwrap(),
            json!({})
        );
    }

    #[test]
    fn reads_from_a_user_resource_and_keeps_unknown_attributes() {
        let v = json!({
            "schemas": [urn::USER, urn::ENTERPRISE_USER],
            "userName": "b",
            (urn::ENTERPRISE_USER): {
                "division": "Theme Park",
                "badge": 7,
                "manager": {"value": "m", "since": "2020"}
            }
        });
        let user = User::try_from(Resource::from_value(v.clone()).unwrap()).unwrap();
        let ext = user.enterprise.as_ref().unwrap();
        assert_eq!(ext.division.as_deref(), Some("Theme Park"));
        assert_eq!(ext.extra["badge"], 7);
        let manager = ext.manager.as_ref().unwrap();
        assert_eq!(manager.value.as_deref(), Some("m"));
        assert_eq!(manager.extra["since"], "2020");
        assert!(user.extra.is_empty());
        assert_eq!(Resource::from(user).into_value(), v);
    }
}
