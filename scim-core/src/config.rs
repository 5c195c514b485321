//! The service provider configuration resource (RFC 7643 §5), served at
//! `/ServiceProviderConfig` (RFC 7644 §4).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Meta, urn};

/// What a service provider supports (RFC 7643 §5): PATCH, bulk, filtering, password changes,
/// sorting, ETags and the authentication schemes it accepts.
///
/// [`Default`] advertises nothing; the consuming setters switch features on. It serialises to
/// the RFC 7643 §8.5 shape, with every REQUIRED attribute present and no `null`s.
///
/// ```
/// use scim_core::{AuthenticationScheme, ServiceProviderConfig};
///
/// let config = ServiceProviderConfig::default()
///     .patch(true)
///     .filter(200)
///     .etag(true)
///     .authentication_scheme(AuthenticationScheme::oauth_bearer_token().primary());
/// let json = serde_json::to_value(&config)?;
/// assert_eq!(json["filter"], serde_json::json!({"supported": true, "maxResults": 200}));
/// assert_eq!(json["bulk"]["supported"], false);
/// assert_eq!(json["authenticationSchemes"][0]["type"], "oauthbearertoken");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// `["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]` (RFC 7643 §5).
    pub schemas: Vec<String>,
    /// A URL of human-readable help documentation (RFC 7643 §5, `documentationUri`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// PATCH support (RFC 7643 §5, `patch`; RFC 7644 §3.5.2).
    pub patch: FeatureConfig,
    /// Bulk support and limits (RFC 7643 §5, `bulk`; RFC 7644 §3.7).
    pub bulk: BulkConfig,
    /// Filtering support and the result limit (RFC 7643 §5, `filter`; RFC 7644 §3.4.2.2).
    pub filter: FilterConfig,
    /// Password change support (RFC 7643 §5, `changePassword`).
    pub change_password: FeatureConfig,
    /// Sorting support (RFC 7643 §5, `sort`; RFC 7644 §3.4.2.3).
    pub sort: FeatureConfig,
    /// ETag support (RFC 7643 §5, `etag`; RFC 7644 §3.14).
    pub etag: FeatureConfig,
    /// The authentication schemes accepted (RFC 7643 §5, `authenticationSchemes`).
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// Pagination methods and page sizes (RFC 9865 §4, `pagination`; OPTIONAL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationConfig>,
    /// Resource metadata (RFC 7643 §3.1, `meta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl Default for ServiceProviderConfig {
    /// The configuration schema URN, nothing supported, all limits 0, no authentication scheme.
    fn default() -> Self {
        ServiceProviderConfig {
            schemas: vec![urn::SERVICE_PROVIDER_CONFIG.to_owned()],
            documentation_uri: None,
            patch: FeatureConfig::default(),
            bulk: BulkConfig::default(),
            filter: FilterConfig::default(),
            change_password: FeatureConfig::default(),
            sort: FeatureConfig::default(),
            etag: FeatureConfig::default(),
            authentication_schemes: Vec::new(),
            pagination: None,
            meta: None,
        }
    }
}

impl ServiceProviderConfig {
    /// The same as [`ServiceProviderConfig::default`]: nothing supported.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `documentationUri`.
    #[must_use]
    pub fn documentation_uri(mut self, uri: impl Into<String>) -> Self {
        self.documentation_uri = Some(uri.into());
        self
    }

    /// Sets whether PATCH is supported.
    #[must_use]
    pub fn patch(mut self, supported: bool) -> Self {
        self.patch.supported = supported;
        self
    }

    /// Advertises bulk support with these limits (RFC 7643 §5, `bulk`).
    #[must_use]
    pub fn bulk(mut self, max_operations: u64, max_payload_size: u64) -> Self {
        self.bulk = BulkConfig {
            supported: true,
            max_operations,
            max_payload_size,
        };
        self
    }

    /// Advertises filtering, returning at most `max_results` resources (RFC 7643 §5, `filter`).
    #[must_use]
    pub fn filter(mut self, max_results: u64) -> Self {
        self.filter = FilterConfig {
            supported: true,
            max_results,
        };
        self
    }

    /// Sets whether password changes are supported.
    #[must_use]
    pub fn change_password(mut self, supported: bool) -> Self {
        self.change_password.supported = supported;
        self
    }

    /// Sets whether sorting is supported.
    #[must_use]
    pub fn sort(mut self, supported: bool) -> Self {
        self.sort.supported = supported;
        self
    }

    /// Sets whether ETags are supported.
    #[must_use]
    pub fn etag(mut self, supported: bool) -> Self {
        self.etag.supported = supported;
        self
    }

    /// Adds an authentication scheme.
    #[must_use]
    pub fn authentication_scheme(mut self, scheme: AuthenticationScheme) -> Self {
        self.authentication_schemes.push(scheme);
        self
    }

    /// Advertises the pagination methods and page sizes (RFC 9865 §4, `pagination`).
    #[must_use]
    pub fn pagination(mut self, pagination: PaginationConfig) -> Self {
        self.pagination = Some(pagination);
        self
    }

    /// Sets `meta`.
    #[must_use]
    pub fn meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// The representation served at `/ServiceProviderConfig`, with `meta.resourceType` and a
    /// `meta.location` under `base` (e.g. `https://example.com/scim/v2`). Other `meta`
    /// sub-attributes already set are kept.
    pub fn to_resource_json(&self, base: &str) -> Value {
        let mut config = self.clone();
        let meta = config.meta.get_or_insert_with(Meta::default);
        meta.resource_type = Some("ServiceProviderConfig".to_owned());
        meta.location = Some(format!(
            "{}/ServiceProviderConfig",
            base.trim_end_matches('/')
        ));
        // Cannot fail: every field is a string, boolean, integer or a struct of them.
        serde_json::to_value(&config).unwrap_or(Value::Null)
    }
}

/// A feature that is either supported or not: `patch`, `changePassword`, `sort` and `etag`
/// (RFC 7643 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureConfig {
    /// Whether the feature is supported (`supported`; REQUIRED).
    pub supported: bool,
}

impl FeatureConfig {
    /// A feature with this support.
    pub const fn new(supported: bool) -> Self {
        FeatureConfig { supported }
    }
}

/// Bulk configuration (RFC 7643 §5, `bulk`; RFC 7644 §3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BulkConfig {
    /// Whether bulk requests are supported (`supported`; REQUIRED).
    pub supported: bool,
    /// The maximum number of operations in one bulk request (`maxOperations`; REQUIRED).
    pub max_operations: u64,
    /// The maximum bulk request body size in bytes (`maxPayloadSize`; REQUIRED).
    pub max_payload_size: u64,
}

/// Filter configuration (RFC 7643 §5, `filter`; RFC 7644 §3.4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FilterConfig {
    /// Whether filtering is supported (`supported`; REQUIRED).
    pub supported: bool,
    /// The maximum number of resources a response returns (`maxResults`; REQUIRED).
    pub max_results: u64,
}

/// Pagination configuration (RFC 9865 §4, `pagination`): which methods are supported, the
/// default one, and page sizes.
///
/// ```
/// use scim_core::{PaginationConfig, PaginationMethod};
///
/// let p = PaginationConfig::new(true, true)
///     .default_method(PaginationMethod::Index)
///     .page_sizes(100, 200);
/// let json = serde_json::to_value(&p)?;
/// assert_eq!(json, serde_json::json!({"cursor": true, "index": true,
///     "defaultPaginationMethod": "index", "defaultPageSize": 100, "maxPageSize": 200}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PaginationConfig {
    /// Whether cursor-based pagination is supported (`cursor`; REQUIRED).
    pub cursor: bool,
    /// Whether index-based pagination is supported (`index`; REQUIRED).
    pub index: bool,
    /// The method used when a request names none (`defaultPaginationMethod`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_pagination_method: Option<PaginationMethod>,
    /// The page size when a query has no `count` (`defaultPageSize`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_page_size: Option<u64>,
    /// The largest page served, whatever the `count` (`maxPageSize`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_page_size: Option<u64>,
    /// The minimum number of seconds a cursor stays valid between page requests
    /// (`cursorTimeout`); absent when cursors do not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor_timeout: Option<u64>,
}

impl PaginationConfig {
    /// Which methods are supported; nothing else advertised.
    pub const fn new(cursor: bool, index: bool) -> Self {
        PaginationConfig {
            cursor,
            index,
            default_pagination_method: None,
            default_page_size: None,
            max_page_size: None,
            cursor_timeout: None,
        }
    }

    /// Sets `defaultPaginationMethod`.
    #[must_use]
    pub const fn default_method(mut self, method: PaginationMethod) -> Self {
        self.default_pagination_method = Some(method);
        self
    }

    /// Sets `defaultPageSize` and `maxPageSize`.
    #[must_use]
    pub const fn page_sizes(mut self, default_page_size: u64, max_page_size: u64) -> Self {
        self.default_page_size = Some(default_page_size);
        self.max_page_size = Some(max_page_size);
        self
    }

    /// Sets `cursorTimeout`, in seconds.
    #[must_use]
    pub const fn cursor_timeout(mut self, seconds: u64) -> Self {
        self.cursor_timeout = Some(seconds);
        self
    }
}

/// A pagination method (RFC 9865 §4, `defaultPaginationMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PaginationMethod {
    /// `cursor`: pages selected by `cursor` (RFC 9865).
    Cursor,
    /// `index`: pages selected by `startIndex` (RFC 7644 §3.4.2.4).
    Index,
}

/// An authentication scheme the service provider accepts (RFC 7643 §5,
/// `authenticationSchemes`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// The scheme's type; canonical values `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic`,
    /// `httpdigest` (`type`; REQUIRED).
    #[serde(rename = "type")]
    pub ty: String,
    /// The common name, e.g. `OAuth Bearer Token` (`name`; REQUIRED).
    pub name: String,
    /// A description (`description`; REQUIRED).
    pub description: String,
    /// A URL of the scheme's specification (`specUri`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// A URL of the scheme's usage documentation (`documentationUri`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme (`primary`, RFC 7643 §2.4; used by the §8.5
    /// example).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

impl AuthenticationScheme {
    /// A scheme with this `type`, `name` and `description`.
    pub fn new(
        ty: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        AuthenticationScheme {
            ty: ty.into(),
            name: name.into(),
            description: description.into(),
            ..AuthenticationScheme::default()
        }
    }

    /// OAuth 2.0 bearer tokens (RFC 6750), as in the RFC 7643 §8.5 example.
    pub fn oauth_bearer_token() -> Self {
        AuthenticationScheme::new(
            "oauthbearertoken",
            "OAuth Bearer Token",
            "Authentication scheme using the OAuth Bearer Token Standard",
        )
        .spec_uri("http://www.rfc-editor.org/info/rfc6750")
    }

    /// HTTP Basic authentication (RFC 2617), as in the RFC 7643 §8.5 example.
    pub fn http_basic() -> Self {
        AuthenticationScheme::new(
            "httpbasic",
            "HTTP Basic",
            "Authentication scheme using the HTTP Basic Standard",
        )
        .spec_uri("http://www.rfc-editor.org/info/rfc2617")
    }

    /// Sets `specUri`.
    #[must_use]
    pub fn spec_uri(mut self, uri: impl Into<String>) -> Self {
        self.spec_uri = Some(uri.into());
        self
    }

    /// Sets `documentationUri`.
    #[must_use]
    pub fn documentation_uri(mut self, uri: impl Into<String>) -> Self {
        self.documentation_uri = Some(uri.into());
        self
    }

    /// Marks this scheme as the primary one (`"primary": true`).
    #[must_use]
    pub fn primary(mut self) -> Self {
        self.primary = Some(true);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_advertises_nothing_and_has_no_nulls() {
        let v = serde_json::to_value(ServiceProviderConfig::default()).unwrap();
        assert_eq!(
            v,
            json!({
                "schemas": [urn::SERVICE_PROVIDER_CONFIG],
                "patch": {"supported": false},
                "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": false, "maxResults": 0},
                "changePassword": {"supported": false},
                "sort": {"supported": false},
                "etag": {"supported": false},
                "authenticationSchemes": []
            })
        );
        assert_eq!(
            ServiceProviderConfig::new(),
            ServiceProviderConfig::default()
        );
    }

    #[test]
    fn setters_switch_features_on() {
        let c = ServiceProviderConfig::new()
            .documentation_uri("https://example.com/help")
            .patch(true)
            .bulk(1000, 1_048_576)
            .filter(200)
            .change_password(true)
            .sort(true)
            .etag(true)
            .authentication_scheme(AuthenticationScheme::oauth_bearer_token().primary())
            .authentication_scheme(
                AuthenticationScheme::http_basic().documentation_uri("https://example.com/b"),
            );
        assert!(c.patch.supported && c.change_password.supported);
        assert!(c.sort.supported && c.etag.supported);
        assert_eq!(c.bulk.max_operations, 1000);
        assert_eq!(
            c.filter,
            FilterConfig {
                supported: true,
                max_results: 200
            }
        );
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v["bulk"],
            json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576})
        );
        assert_eq!(v["documentationUri"], "https://example.com/help");
        assert_eq!(
            v["authenticationSchemes"][1]["documentationUri"],
            "https://example.com/b"
        );
        assert_eq!(
            serde_json::from_value::<ServiceProviderConfig>(v).unwrap(),
            c
        );
        let off = c.patch(false);
        assert!(!off.patch.supported);
    }

    #[test]
    fn oauth_bearer_token_matches_the_rfc_example() {
        assert_eq!(
            serde_json::to_value(AuthenticationScheme::oauth_bearer_token().primary()).unwrap(),
            json!({
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication scheme using the OAuth Bearer Token Standard",
                "specUri": "http://www.rfc-editor.org/info/rfc6750",
                "primary": true
            })
        );
        assert_eq!(AuthenticationScheme::http_basic().ty, "httpbasic");
        assert_eq!(FeatureConfig::new(true), FeatureConfig { supported: true });
    }

    #[test]
    fn resource_json_adds_meta() {
        let v = ServiceProviderConfig::new().to_resource_json("https://example.com/v2/");
        assert_eq!(
            v["meta"],
            json!({
                "resourceType": "ServiceProviderConfig",
                "location": "https://example.com/v2/ServiceProviderConfig"
            })
        );
    }

    #[test]
    fn missing_features_read_as_unsupported() {
        let c: ServiceProviderConfig =
            serde_json::from_value(json!({"patch": {"supported": true}})).unwrap();
        assert!(c.patch.supported && !c.bulk.supported);
        assert_eq!(c.schemas, [urn::SERVICE_PROVIDER_CONFIG]);
    }
}
