//! The per-request context handed to stores: the resource type, and whatever the
//! authenticator attached (a tenant, a principal).

use std::sync::Arc;

use scim_core::ResourceType;

/// What a store learns about the request besides its arguments.
///
/// Multi-tenant hosts read the tenant the [`Authenticator`](crate::Authenticator) attached:
///
/// ```
/// # use scim_http::{RequestContext, Tenant};
/// fn tenant_of(ctx: &RequestContext) -> &str {
///     ctx.extensions().get::<Tenant>().map(|t| t.0.as_str()).unwrap_or("default")
/// }
/// ```
///
/// It carries no URL: stores return data, and the server renders every URL (`$ref`,
/// `meta.location`) from its own base URL.
#[derive(Debug, Clone)]
pub struct RequestContext {
    resource_type: Arc<ResourceType>,
    extensions: http::Extensions,
}

impl RequestContext {
    /// A context for `resource_type`, with extensions from the authenticator.
    pub fn new(resource_type: Arc<ResourceType>, extensions: http::Extensions) -> Self {
        RequestContext {
            resource_type,
            extensions,
        }
    }

    /// The resource type the request is about.
    pub fn resource_type(&self) -> &Arc<ResourceType> {
        &self.resource_type
    }

    /// The same context for another resource type (e.g. root-level `/.search`).
    pub fn with_resource_type(&self, resource_type: Arc<ResourceType>) -> Self {
        RequestContext {
            resource_type,
            ..self.clone()
        }
    }

    /// What the authenticator attached to the request (e.g. a [`Tenant`](crate::Tenant)).
    pub fn extensions(&self) -> &http::Extensions {
        &self.extensions
    }

    /// The tenant the authenticator attached, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.extensions.get::<crate::Tenant>().map(|t| t.0.as_str())
    }
}
