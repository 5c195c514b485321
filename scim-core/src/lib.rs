//! The SCIM 2.0 data model ([RFC 7643]): schemas, resources, messages, errors, validation and
//! projection — the foundation of the `scim-*` crates that make a Rust web app a SCIM service
//! provider for Microsoft Entra ID, Okta and other identity providers.
//!
//! | module / type | what it is | RFC |
//! | --- | --- | --- |
//! | [`Schema`], [`Attribute`] | schemas as data, with every attribute characteristic | 7643 §2, §7 |
//! | [`schema::builtin`] | User, Group, EnterpriseUser, ServiceProviderConfig, ResourceType, Schema | 7643 §4–§8.7 |
//! | [`Registry`], [`ResourceType`] | what the server serves; case-insensitive path resolution | 7643 §6, §2.1 |
//! | [`Resource`], [`Meta`] | the generic, schema-aware resource every crate works on | 7643 §3 |
//! | [`User`], [`Group`], [`EnterpriseUser`], ... | typed conveniences, lossless to and from [`Resource`] | 7643 §4 |
//! | [`message`] | `ListResponse`, `SearchRequest`, `PatchRequest`, bulk messages | 7644 §3.4–§3.7 |
//! | [`ServiceProviderConfig`] | the discovery document | 7643 §5 |
//! | [`ScimError`], [`ErrorResponse`] | the one error type and its wire form | 7644 §3.12 |
//! | [`validate`] | input rules for create and replace | 7643 §2, 7644 §3.3, §3.5.1 |
//! | [`Projection`], [`DEFAULT_MAX_PROJECTION_NAMES`] | output rules: `attributes`, `excludedAttributes` (bounded, deduplicated), `returned` | 7644 §3.4.2.5, §3.9 |
//!
//! Attribute names are case-insensitive (RFC 7643 §2.1). They are resolved against the schema
//! once, at the boundary — [`validate`] for bodies, [`ResourceType::resolve`] for paths and
//! `attributes` lists (with [`ResourceType::extension`] for bare extension URNs) — and
//! everything past it works with canonical names. The schema lookups these build on
//! ([`Schema::attribute`], [`Attribute::sub_attribute`], [`ResourceType::extension`] and the
//! [`Registry`] lookups by name, endpoint and URN) compare case-insensitively, so they find
//! canonical names too; [`Projection::apply`] uses them to find the definition of each key of
//! a resource.
//!
//! # Example: build a User, validate it, project it
//!
//! ```
//! use scim_core::validate::{validate_create, ValidationOptions};
//! use scim_core::{Email, EnterpriseUser, Name, Projection, Registry, Resource, User};
//! use serde_json::json;
//!
//! let registry = Registry::standard();
//! let users = registry.resource_type("User").ok_or("no User type")?;
//!
//! // Build a user with the typed API...
//! let mut user = User::new("bjensen@example.com");
//! user.name = Some(Name::new("Barbara", "Jensen"));
//! user.emails.push(Email::work("BJensen@Example.com"));
//! user.password = Some("t1meMa$heen".into());
//! let user = user.with_enterprise(EnterpriseUser {
//!     department: Some("Tour Operations".into()),
//!     ..EnterpriseUser::default()
//! });
//!
//! // ...validate it as a create request against the registry (canonical names, types,
//! // required attributes, readOnly attributes dropped)...
//! let input = Resource::from(user).into_value();
//! let mut stored = validate_create(users, input, &ValidationOptions::default())?;
//! stored.set_id("2819c223-7f76-453a-919d-413861904646");
//!
//! // ...and project it as `?attributes=userName,emails.value,urn:…:enterprise:2.0:User` asks.
//! let projection = Projection::parse(
//!     users,
//!     Some("userName,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
//!     None,
//! );
//! let shown = projection.apply(users, &stored);
//! assert_eq!(shown.into_value(), json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
//!                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
//!     "id": "2819c223-7f76-453a-919d-413861904646",
//!     "userName": "bjensen@example.com",
//!     "emails": [{"value": "BJensen@Example.com"}],
//!     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations"}
//! }));
//!
//! // The password was stored, but `returned: never` keeps it on the server.
//! assert!(stored.get("password").is_some());
//! assert!(Projection::default().apply(users, &stored).get("password").is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [RFC 7643]: https://www.rfc-editor.org/rfc/rfc7643
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod datetime;
mod error;
pub mod message;
mod projection;
pub mod registry;
mod resource;
pub mod schema;
pub mod typed;
pub mod urn;
pub mod validate;

pub use config::{
    AuthenticationScheme, BulkConfig, FeatureConfig, FilterConfig, PaginationConfig,
    PaginationMethod, ServiceProviderConfig,
};
pub use datetime::DateTime;
pub use error::{ErrorResponse, ScimError, ScimType};
pub use projection::{DEFAULT_MAX_PROJECTION_NAMES, Projection};
pub use registry::{Registry, RegistryError, ResolvedAttr, ResourceType, SchemaExtension};
pub use resource::{Meta, Resource};
pub use schema::{AttrType, Attribute, Mutability, Returned, Schema, Uniqueness};
pub use typed::{
    Address, Email, EnterpriseUser, Entitlement, Group, GroupMember, Im, Manager, Name,
    PhoneNumber, Photo, Role, User, UserGroup, X509Certificate,
};
