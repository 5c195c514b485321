//! The typed Group resource (RFC 7643 §4.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Meta, Resource, ScimError, urn};

/// A Group (RFC 7643 §4.2): a display name and a list of members, plus every other attribute
/// or extension in [`Group::extra`].
///
/// Convert from and to [`Resource`] with `Group::try_from(resource)` and
/// `Resource::from(group)`; see the [module docs](crate::typed) for what the conversions keep.
///
/// ```
/// use scim_core::{Group, GroupMember, Resource};
///
/// let group = Group::new("Tour Guides")
///     .with_member(GroupMember::user("2819c223-7f76-453a-919d-413861904646"));
/// let resource = Resource::from(group);
/// assert_eq!(resource.get("members").unwrap()[0]["type"], "User");
/// assert_eq!(Group::try_from(&resource)?.members.len(), 1);
/// # Ok::<(), scim_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The schema URNs the resource uses (RFC 7643 §3, `schemas`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// The service provider's identifier for the Group (RFC 7643 §3.1, `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The provisioning client's identifier for the Group (RFC 7643 §3.1, `externalId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// A human-readable name for the Group (RFC 7643 §4.2, `displayName`; REQUIRED).
    pub display_name: String,
    /// The members of the Group (RFC 7643 §4.2, `members`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<GroupMember>,
    /// Resource metadata (RFC 7643 §3.1, `meta`; readOnly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Every other attribute, including extensions under their schema URN (RFC 7643 §3.3),
    /// kept as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Group {
    /// A Group with this `displayName`, no members and
    /// `schemas` = `[urn:ietf:params:scim:schemas:core:2.0:Group]` (RFC 7643 §4.2).
    pub fn new(display_name: impl Into<String>) -> Self {
        Group {
            schemas: vec![urn::GROUP.to_owned()],
            id: None,
            external_id: None,
            display_name: display_name.into(),
            members: Vec::new(),
            meta: None,
            extra: Map::new(),
        }
    }

    /// Adds a member.
    #[must_use]
    pub fn with_member(mut self, member: GroupMember) -> Self {
        self.members.push(member);
        self
    }

    /// The object stored under an extension URN (RFC 7643 §3.3), if any. The URN is matched
    /// exactly, as canonical resources store it.
    pub fn extension(&self, urn: &str) -> Option<&Map<String, Value>> {
        self.extra.get(urn).and_then(Value::as_object)
    }
}

impl TryFrom<&Resource> for Group {
    type Error = ScimError;

    /// Reads a Group from a resource with canonical attribute names. Fails with 400
    /// `invalidValue` naming the attribute when `displayName` is missing or a value has the
    /// wrong JSON type.
    fn try_from(resource: &Resource) -> Result<Self, ScimError> {
        super::from_resource(resource, "Group", "displayName")
    }
}

impl TryFrom<Resource> for Group {
    type Error = ScimError;

    /// See `TryFrom<&Resource>`.
    fn try_from(resource: Resource) -> Result<Self, ScimError> {
        Group::try_from(&resource)
    }
}

impl From<Group> for Resource {
    /// Writes the Group as a resource; typed attributes without a value are left out.
    fn from(group: Group) -> Self {
        super::to_resource(&group)
    }
}

impl From<&Group> for Resource {
    /// Writes the Group as a resource; typed attributes without a value are left out.
    fn from(group: &Group) -> Self {
        super::to_resource(group)
    }
}

/// A member of a Group (RFC 7643 §4.2, `members`): a User or another Group.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GroupMember {
    /// The member's `id` (`value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the member resource (`$ref`).
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The member's display name (`display`, as in the RFC 7643 §8.4 example).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The member's resource type: `User` or `Group` (`type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// Sub-attributes not named above, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GroupMember {
    /// A member given only by `id`, as identity providers usually send it.
    pub fn new(value: impl Into<String>) -> Self {
        GroupMember {
            value: Some(value.into()),
            ..GroupMember::default()
        }
    }

    /// A User member (`"type": "User"`).
    pub fn user(id: impl Into<String>) -> Self {
        GroupMember {
            ty: Some("User".to_owned()),
            ..GroupMember::new(id)
        }
    }

    /// A Group member (`"type": "Group"`).
    pub fn group(id: impl Into<String>) -> Self {
        GroupMember {
            ty: Some("Group".to_owned()),
            ..GroupMember::new(id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_group_serialises_without_nulls() {
        let v = serde_json::to_value(Group::new("Tour Guides")).unwrap();
        assert_eq!(
            v,
            json!({"schemas": [urn::GROUP], "displayName": "Tour Guides"})
        );
    }

    #[test]
    fn members_round_trip_with_ref_and_type() {
        let group = Group::new("g")
            .with_member(GroupMember {
                reference: Some("https://example.com/v2/Users/u".into()),
                display: Some("U".into()),
                ..GroupMember::user("u")
            })
            .with_member(GroupMember::group("g2"))
            .with_member(GroupMember::new("x"));
        let r = Resource::from(&group);
        assert_eq!(
            r.get("members"),
            Some(&json!([
                {"value": "u", "$ref": "https://example.com/v2/Users/u", "display": "U", "type": "User"},
                {"value": "g2", "type": "Group"},
                {"value": "x"}
            ]))
        );
        assert_eq!(Group::try_from(r).unwrap(), group);
    }

    #[test]
    fn extensions_and_unknown_attributes_survive() {
        let v = json!({
            "schemas": [urn::GROUP, "urn:example:2.0:Team"],
            "displayName": "g",
            "members": [{"value": "u", "role": "lead"}],
            "urn:example:2.0:Team": {"budget": 12.5},
            "color": "blue"
        });
        let group = Group::try_from(Resource::from_value(v.clone()).unwrap()).unwrap();
        assert_eq!(
            group.extension("urn:example:2.0:Team").unwrap()["budget"],
            12.5
        );
        assert_eq!(group.extra["color"], "blue");
        assert_eq!(group.members[0].extra["role"], "lead");
        assert_eq!(Resource::from(group).into_value(), v);
    }

    #[test]
    fn bad_member_is_named() {
        let r = Resource::from_value(json!({"displayName": "g", "members": [{"value": 5}]}));
        let err = Group::try_from(r.unwrap()).unwrap_err();
        assert!(
            err.detail().contains("members[0].value"),
            "{}",
            err.detail()
        );
    }
}
