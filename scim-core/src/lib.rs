//! The SCIM 2.0 data model (RFC 7643).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod datetime;
mod error;
mod projection;
pub mod message;
pub mod registry;
mod resource;
pub mod schema;
pub mod urn;
pub mod validate;

pub use datetime::DateTime;
pub use error::{ErrorResponse, ScimError, ScimType};
pub use projection::Projection;
pub use registry::{Registry, RegistryError, ResolvedAttr, ResourceType, SchemaExtension};
pub use resource::{Meta, Resource};
pub use schema::{AttrType, Attribute, Mutability, Returned, Schema, Uniqueness};
