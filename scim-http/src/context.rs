//! The per-request context handed to stores: the resource type, and whatever the
//! authenticator attached (a tenant, a principal).

use std::sync::Arc;

use scim_core::ResourceType;

/// What a store learns about the request besides its arguments.
///
/// Every context names its tenant: the one the [`Authenticator`](crate::Authenticator)
/// attached. A single-tenant host uses [`Tenant::default`](crate::Tenant) on purpose
/// ([`BearerTokens::single`](crate::BearerTokens::single) and [`NoAuth`](crate::NoAuth) do);
/// a request whose authenticator attached none never reaches a store (the server refuses it
/// and logs why: fail closed).
///
/// ```
/// # use std::sync::Arc;
/// # use scim_core::ResourceType;
/// # use scim_http::{RequestContext, Tenant};
/// let ctx = RequestContext::new(Arc::new(ResourceType::user()), Tenant::new("acme"), http::Extensions::new());
/// assert_eq!(ctx.tenant(), "acme");
/// ```
///
/// It carries no URL: stores return data, and the server renders every URL (`$ref`,
/// `meta.location`) from its own base URL.
#[derive(Debug, Clone)]
pub struct RequestContext {
    resource_type: Arc<ResourceType>,
    tenant: crate::Tenant,
    extensions: http::Extensions,
    /// Whether the response renders group `members` (see [`RequestContext::wants_members`]).
    members: bool,
}

impl RequestContext {
    /// A context for `resource_type` in `tenant`, with what else the authenticator attached.
    pub fn new(
        resource_type: Arc<ResourceType>,
        tenant: crate::Tenant,
        extensions: http::Extensions,
    ) -> Self {
        RequestContext {
            resource_type,
            tenant,
            extensions,
            members: true,
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

    /// The id of the request's tenant: every store call is confined to it.
    pub fn tenant(&self) -> &str {
        &self.tenant.0
    }

    /// Whether the server will render the group `members` of what the store returns from
    /// `get`, `list` and `patch`. When not (the client excluded them, e.g. Entra ID's
    /// `excludedAttributes=members`, or a PATCH answered 204), a store may leave them out and
    /// skip loading a large group's member rows. Their changes are covered by the group's
    /// version, so the entity tag is the same either way. `replace` and the read of a
    /// read-check-write cycle always get a context that wants them.
    pub fn wants_members(&self) -> bool {
        self.members
    }

    /// This context, saying whether the response renders group `members`.
    #[must_use]
    pub fn with_members(mut self, wanted: bool) -> Self {
        self.members = wanted;
        self
    }
}
