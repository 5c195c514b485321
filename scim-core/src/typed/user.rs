//! The typed User resource (RFC 7643 §4.1) and its complex attribute values.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::enterprise::EnterpriseUser;
use crate::{Meta, Resource, ScimError, urn};

/// A User (RFC 7643 §4.1): the core attributes as fields, the enterprise extension (§4.3) as
/// [`EnterpriseUser`], and every other attribute or extension in [`User::extra`].
///
/// Convert from and to [`Resource`] with `User::try_from(resource)` and `Resource::from(user)`;
/// see the [module docs](crate::typed) for what the conversions keep.
///
/// ```
/// use scim_core::{Email, EnterpriseUser, Manager, Name, Resource, User};
///
/// let mut user = User::new("bjensen").with_enterprise(EnterpriseUser {
///     department: Some("Tour Operations".into()),
///     manager: Some(Manager::new("26118915-6090-4610-87e4-49d8ca9f808d")),
///     ..EnterpriseUser::default()
/// });
/// user.name = Some(Name::new("Barbara", "Jensen"));
/// user.emails.push(Email::work("bjensen@example.com").primary());
///
/// let resource = Resource::from(user);
/// assert_eq!(resource.get("userName"), Some(&"bjensen".into()));
/// assert_eq!(resource.schemas().count(), 2);
/// let enterprise = resource.extension(scim_core::urn::ENTERPRISE_USER).unwrap();
/// assert_eq!(enterprise["department"], "Tour Operations");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The schema URNs the resource uses (RFC 7643 §3, `schemas`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// The service provider's identifier for the User (RFC 7643 §3.1, `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The provisioning client's identifier for the User (RFC 7643 §3.1, `externalId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The unique identifier the user typically signs in with (RFC 7643 §4.1.1, `userName`;
    /// REQUIRED).
    pub user_name: String,
    /// The components of the user's real name (RFC 7643 §4.1.1, `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// The name to show to end-users (RFC 7643 §4.1.1, `displayName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The casual way to address the user, e.g. `Babs` (RFC 7643 §4.1.1, `nickName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// A URL of the user's online profile (RFC 7643 §4.1.1, `profileUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// The user's title, e.g. `Vice President` (RFC 7643 §4.1.1, `title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The relationship to the organisation, e.g. `Employee` (RFC 7643 §4.1.1, `userType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// The preferred written or spoken language, e.g. `en-US` (RFC 7643 §4.1.1,
    /// `preferredLanguage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// The default location for localising currency, dates and numbers (RFC 7643 §4.1.1,
    /// `locale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The time zone in IANA ("Olson") format, e.g. `America/Los_Angeles` (RFC 7643 §4.1.1,
    /// `timezone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The user's administrative status (RFC 7643 §4.1.1, `active`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The cleartext password, for setting or resetting it (RFC 7643 §4.1.1, `password`;
    /// writeOnly, never returned by a service provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Email addresses (RFC 7643 §4.1.2, `emails`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    /// Phone numbers (RFC 7643 §4.1.2, `phoneNumbers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Instant messaging addresses (RFC 7643 §4.1.2, `ims`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ims: Vec<Im>,
    /// URLs of photos of the user (RFC 7643 §4.1.2, `photos`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
    /// Physical mailing addresses (RFC 7643 §4.1.2, `addresses`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// The groups the user belongs to (RFC 7643 §4.1.2, `groups`; readOnly: change membership
    /// through the Group resource).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<UserGroup>,
    /// Entitlements: things the user has (RFC 7643 §4.1.2, `entitlements`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<Entitlement>,
    /// Roles: who the user is (RFC 7643 §4.1.2, `roles`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Certificates issued to the user (RFC 7643 §4.1.2, `x509Certificates`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x509_certificates: Vec<X509Certificate>,
    /// The enterprise User extension (RFC 7643 §4.3), stored under its schema URN
    /// [`urn::ENTERPRISE_USER`].
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Resource metadata (RFC 7643 §3.1, `meta`; readOnly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Every other attribute, including other extensions under their schema URN
    /// (RFC 7643 §3.3), kept as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// A User with this `userName` and `schemas` = `[urn:ietf:params:scim:schemas:core:2.0:User]`
    /// (RFC 7643 §4.1).
    pub fn new(user_name: impl Into<String>) -> Self {
        User {
            schemas: vec![urn::USER.to_owned()],
            id: None,
            external_id: None,
            user_name: user_name.into(),
            name: None,
            display_name: None,
            nick_name: None,
            profile_url: None,
            title: None,
            user_type: None,
            preferred_language: None,
            locale: None,
            timezone: None,
            active: None,
            password: None,
            emails: Vec::new(),
            phone_numbers: Vec::new(),
            ims: Vec::new(),
            photos: Vec::new(),
            addresses: Vec::new(),
            groups: Vec::new(),
            entitlements: Vec::new(),
            roles: Vec::new(),
            x509_certificates: Vec::new(),
            enterprise: None,
            meta: None,
            extra: Map::new(),
        }
    }

    /// Sets the enterprise extension (RFC 7643 §4.3) and adds its URN to `schemas`.
    #[must_use]
    pub fn with_enterprise(mut self, enterprise: EnterpriseUser) -> Self {
        if !self
            .schemas
            .iter()
            .any(|s| s.eq_ignore_ascii_case(urn::ENTERPRISE_USER))
        {
            self.schemas.push(urn::ENTERPRISE_USER.to_owned());
        }
        self.enterprise = Some(enterprise);
        self
    }

    /// The primary email address (RFC 7643 §2.4, `primary`), or else the first one.
    pub fn primary_email(&self) -> Option<&Email> {
        self.emails
            .iter()
            .find(|e| e.is_primary())
            .or_else(|| self.emails.first())
    }

    /// The object stored under an extension URN other than the enterprise one
    /// (RFC 7643 §3.3), if any. The URN is matched exactly, as canonical resources store it.
    pub fn extension(&self, urn: &str) -> Option<&Map<String, Value>> {
        self.extra.get(urn).and_then(Value::as_object)
    }
}

impl TryFrom<&Resource> for User {
    type Error = ScimError;

    /// Reads a User from a resource with canonical attribute names. Fails with 400
    /// `invalidValue` naming the attribute when `userName` is missing or a value has the wrong
    /// JSON type.
    fn try_from(resource: &Resource) -> Result<Self, ScimError> {
        super::from_resource(resource, "User", "userName")
    }
}

impl TryFrom<Resource> for User {
    type Error = ScimError;

    /// See `TryFrom<&Resource>`.
    fn try_from(resource: Resource) -> Result<Self, ScimError> {
        User::try_from(&resource)
    }
}

impl From<User> for Resource {
    /// Writes the User as a resource; typed attributes without a value are left out.
    fn from(user: User) -> Self {
        super::to_resource(&user)
    }
}

impl From<&User> for Resource {
    /// Writes the User as a resource; typed attributes without a value are left out.
    fn from(user: &User) -> Self {
        super::to_resource(user)
    }
}

/// The components of a User's real name (RFC 7643 §4.1.1, `name`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Name {
    /// The full name formatted for display, e.g. `Ms. Barbara J Jensen, III` (`formatted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// The family (last) name, e.g. `Jensen` (`familyName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The given (first) name, e.g. `Barbara` (`givenName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The middle name(s), e.g. `Jane` (`middleName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// The honorific prefix(es) or title, e.g. `Ms.` (`honorificPrefix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// The honorific suffix(es), e.g. `III` (`honorificSuffix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
    /// Sub-attributes not named above, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Name {
    /// A name with only `givenName` and `familyName` (RFC 7643 §4.1.1).
    pub fn new(given_name: impl Into<String>, family_name: impl Into<String>) -> Self {
        Name {
            given_name: Some(given_name.into()),
            family_name: Some(family_name.into()),
            ..Name::default()
        }
    }
}

multi_valued_attribute! {
    /// One of a User's email addresses (RFC 7643 §4.1.2, `emails`). Canonical types: `work`,
    /// `home`, `other`.
    Email
}

impl Email {
    /// A `work` email address.
    pub fn work(value: impl Into<String>) -> Self {
        Email::new(value).with_type("work")
    }

    /// A `home` email address.
    pub fn home(value: impl Into<String>) -> Self {
        Email::new(value).with_type("home")
    }
}

multi_valued_attribute! {
    /// One of a User's phone numbers (RFC 7643 §4.1.2, `phoneNumbers`), ideally in RFC 3966
    /// form such as `tel:+1-201-555-0123`. Canonical types: `work`, `home`, `mobile`, `fax`,
    /// `pager`, `other`.
    PhoneNumber
}

impl PhoneNumber {
    /// A `work` phone number.
    pub fn work(value: impl Into<String>) -> Self {
        PhoneNumber::new(value).with_type("work")
    }

    /// A `mobile` phone number.
    pub fn mobile(value: impl Into<String>) -> Self {
        PhoneNumber::new(value).with_type("mobile")
    }
}

multi_valued_attribute! {
    /// One of a User's instant messaging addresses (RFC 7643 §4.1.2, `ims`). Canonical types:
    /// `aim`, `gtalk`, `icq`, `xmpp`, `msn`, `skype`, `qq`, `yahoo`.
    Im
}

multi_valued_attribute! {
    /// The URL of a photo of a User (RFC 7643 §4.1.2, `photos`). Canonical types: `photo`,
    /// `thumbnail`.
    Photo
}

multi_valued_attribute! {
    /// An entitlement of a User: a thing the User has (RFC 7643 §4.1.2, `entitlements`).
    Entitlement
}

multi_valued_attribute! {
    /// A role of a User, e.g. `Student` or `Faculty` (RFC 7643 §4.1.2, `roles`).
    Role
}

multi_valued_attribute! {
    /// A certificate issued to a User (RFC 7643 §4.1.2, `x509Certificates`): `value` holds the
    /// base64 DER encoding (RFC 7643 §2.3.6).
    X509Certificate
}

/// A physical mailing address of a User (RFC 7643 §4.1.2, `addresses`). Canonical types:
/// `work`, `home`, `other`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    /// The full address formatted for display or a mailing label; may contain newlines
    /// (`formatted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// The street, house number and similar (`streetAddress`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// The city or locality (`locality`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// The state or region (`region`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The zip or postal code (`postalCode`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// The country, in ISO 3166-1 alpha-2 form when possible (`country`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// A label such as `work` or `home` (`type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// Whether this is the preferred mailing address (`primary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Sub-attributes not named above, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A group the User belongs to, directly or indirectly (RFC 7643 §4.1.2, `groups`; readOnly).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserGroup {
    /// The Group's `id` (`value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the Group resource (`$ref`).
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The Group's display name (`display`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `direct` or `indirect` membership (`type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// Sub-attributes not named above, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UserGroup {
    /// A membership of the Group with this `id`.
    pub fn new(value: impl Into<String>) -> Self {
        UserGroup {
            value: Some(value.into()),
            ..UserGroup::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_user_serialises_without_nulls_or_empty_arrays() {
        let v = serde_json::to_value(User::new("bjensen")).unwrap();
        assert_eq!(v, json!({"schemas": [urn::USER], "userName": "bjensen"}));
    }

    #[test]
    fn the_enterprise_key_is_the_enterprise_urn() {
        let user = User::new("b").with_enterprise(EnterpriseUser::default());
        let v = serde_json::to_value(&user).unwrap();
        assert_eq!(v[urn::ENTERPRISE_USER], json!({}));
        assert_eq!(v["schemas"], json!([urn::USER, urn::ENTERPRISE_USER]));
        // Adding it twice does not repeat the URN.
        let again = user.with_enterprise(EnterpriseUser::default());
        assert_eq!(again.schemas.len(), 2);
    }

    #[test]
    fn attribute_names_are_the_rfc_spellings() {
        let mut user = User::new("b");
        user.external_id = Some("e".into());
        user.name = Some(Name {
            honorific_prefix: Some("Ms.".into()),
            ..Name::new("Barbara", "Jensen")
        });
        user.display_name = Some("d".into());
        user.nick_name = Some("n".into());
        user.profile_url = Some("p".into());
        user.user_type = Some("t".into());
        user.preferred_language = Some("en".into());
        user.active = Some(false);
        user.phone_numbers.push(PhoneNumber::mobile("555"));
        user.x509_certificates.push(X509Certificate::new("MIID"));
        user.groups.push(UserGroup {
            reference: Some("../Groups/g".into()),
            ..UserGroup::new("g")
        });
        user.addresses.push(Address {
            street_address: Some("1 Main St".into()),
            postal_code: Some("91608".into()),
            ty: Some("work".into()),
            ..Address::default()
        });
        let v = serde_json::to_value(&user).unwrap();
        assert_eq!(
            v,
            json!({
                "schemas": [urn::USER],
                "externalId": "e",
                "userName": "b",
                "name": {"givenName": "Barbara", "familyName": "Jensen", "honorificPrefix": "Ms."},
                "displayName": "d",
                "nickName": "n",
                "profileUrl": "p",
                "userType": "t",
                "preferredLanguage": "en",
                "active": false,
                "phoneNumbers": [{"value": "555", "type": "mobile"}],
                "x509Certificates": [{"value": "MIID"}],
                "groups": [{"value": "g", "$ref": "../Groups/g"}],
                "addresses": [{"streetAddress": "1 Main St", "postalCode": "91608", "type": "work"}]
            })
        );
        let back: User = serde_json::from_value(v).unwrap();
        assert_eq!(back, user);
    }

    #[test]
    fn email_builders() {
        let e = Email::work("a@b.c").with_display("A").primary();
        assert!(e.is_primary());
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"value": "a@b.c", "display": "A", "type": "work", "primary": true})
        );
        assert_eq!(Email::home("h").ty.as_deref(), Some("home"));
        assert!(!Email::new("x").is_primary());
    }

    #[test]
    fn primary_email_prefers_primary_then_first() {
        let mut user = User::new("b");
        assert!(user.primary_email().is_none());
        user.emails = vec![Email::home("h"), Email::work("w").primary()];
        assert_eq!(user.primary_email().unwrap().value.as_deref(), Some("w"));
        user.emails[1].primary = Some(false);
        assert_eq!(user.primary_email().unwrap().value.as_deref(), Some("h"));
    }

    #[test]
    fn unknown_sub_attributes_survive() {
        let v = json!({
            "userName": "b",
            "emails": [{"value": "a@b.c", "verified": true, "score": 1.5}],
            "name": {"givenName": "B", "phonetic": {"kana": "ビー"}},
            "addresses": [{"locality": "L", "geo": [1, -2]}],
            "groups": [{"value": "g", "origin": null}],
            "urn:example:2.0:Ext": {"level": 3}
        });
        let r = Resource::from_value(v.clone()).unwrap();
        let user = User::try_from(&r).unwrap();
        assert_eq!(user.emails[0].extra["verified"], json!(true));
        assert_eq!(
            user.name.as_ref().unwrap().extra["phonetic"]["kana"],
            "ビー"
        );
        assert_eq!(user.extension("urn:example:2.0:Ext").unwrap()["level"], 3);
        assert!(user.extension("urn:example:2.0:Missing").is_none());
        assert_eq!(Resource::from(&user).into_value(), v);
    }

    #[test]
    fn json_types_are_not_coerced() {
        let r = Resource::from_value(json!({"userName": "b", "active": "true"})).unwrap();
        assert!(User::try_from(r).is_err());
        let r = Resource::from_value(json!({"userName": "b", "emails": [{"primary": 1}]})).unwrap();
        assert!(User::try_from(r).is_err());
    }
}
