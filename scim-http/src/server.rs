//! [`ScimServer`] and its builder: the configuration of a SCIM endpoint, checked once when it
//! is built. How a request is served is in `pipeline`.

use std::sync::Arc;

use scim_core::validate::ValidationOptions;
use scim_core::{
    AuthenticationScheme, PaginationConfig, PaginationMethod, Registry, ServiceProviderConfig,
};
use scim_filter::ParseOptions;
use scim_patch::PatchOptions;

use crate::auth::Authenticator;
use crate::password::{Argon2Hasher, PasswordHasher};
use crate::render::Links;
use crate::store::ResourceStore;

/// Resolves `/Me` (RFC 7644 §3.11) to the id of the authenticated user, from what the
/// authenticator attached to the request.
pub type MeResolver = dyn Fn(&http::Extensions) -> Option<String> + Send + Sync;

/// A SCIM 2.0 service provider endpoint (RFC 7644) over a [`ResourceStore`].
///
/// Build it once with [`ScimServer::builder`]; clones are cheap (an `Arc`). Call
/// [`ScimServer::handle`] with each request under the base path, or mount it as a
/// `tower::Service` (feature `tower`): it never fails, every error becomes an RFC 7644 §3.12
/// error response with `Content-Type: application/scim+json`.
#[derive(Clone)]
pub struct ScimServer {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for ScimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimServer")
            .field("base_path", &self.inner.base_path)
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) base_path: String,
    pub(crate) public_url: Option<String>,
    pub(crate) trust_forwarded_headers: bool,
    pub(crate) registry: Registry,
    pub(crate) links: Links,
    pub(crate) store: Arc<dyn ResourceStore>,
    pub(crate) auth: Arc<dyn Authenticator>,
    pub(crate) passwords: Arc<dyn PasswordHasher>,
    pub(crate) limits: Limits,
    pub(crate) patch_options: PatchOptions,
    pub(crate) validation: ValidationOptions,
    pub(crate) patch_no_content: bool,
    pub(crate) patch_no_content_types: Vec<String>,
    pub(crate) public_discovery: bool,
    pub(crate) me: Option<Arc<MeResolver>>,
    pub(crate) config: ServiceProviderConfig,
}

/// Request limits: every input is bounded before it is parsed or reaches a store.
///
/// Defaults: 1,000 results per page, 1 MiB bodies, 16 KiB filters and paths nested at most
/// 32 deep, 100 names in `attributes` / `excludedAttributes`, 1,000 PATCH operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The largest page (`count`) served; larger requests are clamped (RFC 7644 §3.4.2.4).
    pub max_results: u64,
    /// The largest request body accepted, in bytes; larger ones get 413.
    pub max_payload: usize,
    /// The longest filter accepted, in bytes; longer ones get 400 `invalidFilter`.
    pub max_filter_len: usize,
    /// The deepest filter nesting accepted (parentheses, `not`, value filters).
    pub max_filter_depth: usize,
    /// The most names `attributes` or `excludedAttributes` may list; more is 400 `tooMany`.
    pub max_projection_names: usize,
    /// The most operations one PATCH request may carry; more is 400 `tooMany`.
    pub max_patch_operations: usize,
}

impl Limits {
    /// The limits every parser of filters, PATCH paths and `sortBy` applies.
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            max_depth: self.max_filter_depth,
            max_len: self.max_filter_len,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_results: 1000,
            max_payload: 1 << 20,
            max_filter_len: 16 << 10,
            max_filter_depth: 32,
            max_projection_names: scim_core::DEFAULT_MAX_PROJECTION_NAMES,
            max_patch_operations: 1000,
        }
    }
}

/// A configuration mistake found by [`ScimServerBuilder::build`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No store was given.
    #[error("a ScimServer needs a store: call .store(...)")]
    NoStore,
    /// No authenticator was given. Use `BearerTokens` for identity providers, or `NoAuth`
    /// explicitly when authentication happens before the handler.
    #[error(
        "a ScimServer needs an authenticator: call .authenticator(BearerTokens::single(token)) or .authenticator(NoAuth)"
    )]
    NoAuthenticator,
    /// The registry serves no resource type.
    #[error("the registry serves no resource type")]
    EmptyRegistry,
    /// The base path is not of the form `/segment/...`.
    #[error("the base path {0:?} must start with '/' and not end with '/'")]
    BadBasePath(String),
    /// A limit is zero.
    #[error("the limit {0} must be greater than zero")]
    ZeroLimit(&'static str),
    /// The authenticator's configuration is unsafe (e.g. a secret shorter than 16 bytes).
    #[error("the authenticator is misconfigured: {0}")]
    Authenticator(String),
    /// The public URL is not an absolute `http(s)://` URL.
    #[error("the public URL {0:?} must be an absolute http:// or https:// URL")]
    BadPublicUrl(String),
}

/// Builds a [`ScimServer`] (consuming setters; [`ScimServerBuilder::build`] checks everything).
#[must_use]
pub struct ScimServerBuilder {
    base_path: String,
    public_url: Option<String>,
    trust_forwarded_headers: bool,
    registry: Registry,
    store: Option<Arc<dyn ResourceStore>>,
    auth: Option<Arc<dyn Authenticator>>,
    passwords: Arc<dyn PasswordHasher>,
    limits: Limits,
    patch_options: PatchOptions,
    validation: ValidationOptions,
    patch_no_content: bool,
    patch_no_content_types: Vec<String>,
    public_discovery: bool,
    me: Option<Arc<MeResolver>>,
    documentation_uri: Option<String>,
}

impl std::fmt::Debug for ScimServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimServerBuilder")
            .field("base_path", &self.base_path)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ScimServer {
    /// A builder with the defaults: base path `/scim/v2`, `User` (with the enterprise
    /// extension) and `Group`, lenient PATCH and validation, [`Limits::default`].
    pub fn builder() -> ScimServerBuilder {
        ScimServerBuilder {
            base_path: "/scim/v2".to_owned(),
            public_url: None,
            trust_forwarded_headers: false,
            registry: Registry::standard(),
            store: None,
            auth: None,
            passwords: Arc::new(Argon2Hasher::default()),
            limits: Limits::default(),
            patch_options: PatchOptions::default(),
            validation: ValidationOptions::default(),
            patch_no_content: false,
            patch_no_content_types: Vec::new(),
            public_discovery: false,
            me: None,
            documentation_uri: None,
        }
    }

    /// The largest request body the server accepts; framework glue uses it to bound reads.
    pub fn max_payload(&self) -> usize {
        self.inner.limits.max_payload
    }

    /// The base path, e.g. `/scim/v2`.
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The registry of served resource types.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// An error response, for failures that happen in framework glue before
    /// [`ScimServer::handle`] (e.g. a body that could not be read in full).
    pub fn error_response(&self, error: &scim_core::ScimError) -> http::Response<Vec<u8>> {
        crate::response::error(error)
    }
}

impl ScimServerBuilder {
    /// The base path the server is mounted at (default `/scim/v2`).
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = path.into();
        self
    }

    /// The public URL of the base path (e.g. `https://app.example.com/scim/v2`): every URL
    /// the server writes (`Location`, `meta.location`, `$ref`, discovery) starts with it.
    ///
    /// Without it, URLs are relative to the host (`/scim/v2/Users/…`), unless
    /// [`ScimServerBuilder::trust_forwarded_headers`] is on. Set it in production: it is the
    /// Tenant URL the customer's admin pastes into the identity provider.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Build URLs from the request's `X-Forwarded-Proto`, `X-Forwarded-Host` and `Host`
    /// headers when no [`public_url`](ScimServerBuilder::public_url) is set (default off).
    ///
    /// Turn it on only behind a proxy that sets these headers itself: a client can send any
    /// `Host`, and with this on, a forged `Host: evil.example` would reach `Location` and
    /// `meta.location`.
    pub fn trust_forwarded_headers(mut self, yes: bool) -> Self {
        self.trust_forwarded_headers = yes;
        self
    }

    /// The resource types to serve (default [`Registry::standard`]: User with the enterprise
    /// extension, and Group).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    /// The store for every resource type (it learns which from the request context).
    pub fn store(mut self, store: impl ResourceStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// A store already shared behind an `Arc`.
    pub fn shared_store(mut self, store: Arc<dyn ResourceStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The authenticator (required): [`BearerTokens`](crate::BearerTokens) for identity
    /// providers, or [`NoAuth`](crate::NoAuth) when a middleware authenticates first.
    pub fn authenticator(mut self, auth: impl Authenticator) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// How passwords are hashed before any store sees them (default [`Argon2Hasher`]:
    /// Argon2id with a random salt). See [`PasswordHasher`].
    pub fn password_hasher(mut self, hasher: impl PasswordHasher) -> Self {
        self.passwords = Arc::new(hasher);
        self
    }

    /// The request limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The largest page served (`maxResults` in `/ServiceProviderConfig`).
    pub fn max_results(mut self, n: u64) -> Self {
        self.limits.max_results = n;
        self
    }

    /// The largest body accepted, in bytes.
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.limits.max_payload = bytes;
        self
    }

    /// The longest filter, PATCH path or `sortBy` accepted, in bytes.
    pub fn max_filter_len(mut self, bytes: usize) -> Self {
        self.limits.max_filter_len = bytes;
        self
    }

    /// PATCH leniency (default: lenient toward Entra ID and Okta; `PatchOptions::strict()`
    /// for plain RFC 7644).
    pub fn patch_options(mut self, options: PatchOptions) -> Self {
        self.patch_options = options;
        self
    }

    /// Input validation options for POST and PUT (default lenient).
    pub fn validation(mut self, options: ValidationOptions) -> Self {
        self.validation = options;
        self
    }

    /// Answer a successful PATCH with 204 No Content instead of 200 and the resource — except
    /// when the request names `attributes`, where RFC 7644 §3.5.2 requires 200.
    pub fn patch_returns_no_content(mut self, yes: bool) -> Self {
        self.patch_no_content = yes;
        self
    }

    /// Like [`ScimServerBuilder::patch_returns_no_content`], for one resource type only
    /// (by name; may be called several times). Microsoft Entra ID prefers 204 for group PATCH,
    /// and Okta expects it there while expecting the user back from a user PATCH; a 204 also
    /// spares sending a large group's members after each change.
    pub fn patch_returns_no_content_for(mut self, resource_type: impl Into<String>) -> Self {
        self.patch_no_content_types.push(resource_type.into());
        self
    }

    /// Serve `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` without
    /// authentication (RFC 7644 §4 allows either; default: authenticated).
    pub fn public_discovery(mut self, yes: bool) -> Self {
        self.public_discovery = yes;
        self
    }

    /// Enables `/Me` (RFC 7644 §3.11): `resolver` maps what the authenticator attached to the
    /// authenticated user's id; `/Me` then acts as `/Users/{id}`. Without it, `/Me` is 501.
    pub fn me(
        mut self,
        resolver: impl Fn(&http::Extensions) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.me = Some(Arc::new(resolver));
        self
    }

    /// `documentationUri` in `/ServiceProviderConfig`.
    pub fn documentation_uri(mut self, uri: impl Into<String>) -> Self {
        self.documentation_uri = Some(uri.into());
        self
    }

    /// Checks the configuration and builds the server.
    pub fn build(self) -> Result<ScimServer, BuildError> {
        let store = self.store.ok_or(BuildError::NoStore)?;
        let auth = self.auth.ok_or(BuildError::NoAuthenticator)?;
        if self.registry.resource_types().next().is_none() {
            return Err(BuildError::EmptyRegistry);
        }
        auth.check().map_err(BuildError::Authenticator)?;
        let base = self.base_path;
        if !(base.is_empty() || base.starts_with('/') && !base.ends_with('/')) {
            return Err(BuildError::BadBasePath(base));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(BuildError::BadPublicUrl(url.clone()));
        }
        let l = self.limits;
        for (name, v) in [
            ("max_results", l.max_results as usize),
            ("max_payload", l.max_payload),
            ("max_filter_len", l.max_filter_len),
            ("max_filter_depth", l.max_filter_depth),
            ("max_projection_names", l.max_projection_names),
            ("max_patch_operations", l.max_patch_operations),
        ] {
            if v == 0 {
                return Err(BuildError::ZeroLimit(name));
            }
        }
        let mut config = ServiceProviderConfig::new()
            .patch(true)
            .filter(l.max_results)
            .sort(true)
            .etag(true)
            // Passwords are hashed on the way in, so PUT and PATCH can set a new one.
            .change_password(true)
            // RFC 9865 §4: both methods; index stays the default (§2.4: a server that
            // paged by index before keeps it), `count` defaults to and is clamped at
            // maxResults. Cursors do not expire, so no `cursorTimeout`.
            .pagination(
                PaginationConfig::new(true, true)
                    .default_method(PaginationMethod::Index)
                    .page_sizes(l.max_results, l.max_results),
            );
        let schemes: Vec<AuthenticationScheme> = auth.schemes();
        for s in schemes {
            config = config.authentication_scheme(s);
        }
        if let Some(d) = self.documentation_uri {
            config = config.documentation_uri(d);
        }
        let patch_options = self
            .patch_options
            .parse_limits(l.parse_options())
            .max_operations(l.max_patch_operations);
        Ok(ScimServer {
            inner: Arc::new(Inner {
                base_path: base,
                public_url: self.public_url,
                trust_forwarded_headers: self.trust_forwarded_headers,
                links: Links::new(&self.registry),
                registry: self.registry,
                store,
                auth,
                passwords: self.passwords,
                limits: l,
                patch_options,
                validation: self.validation,
                patch_no_content: self.patch_no_content,
                patch_no_content_types: self.patch_no_content_types,
                public_discovery: self.public_discovery,
                me: self.me,
                config,
            }),
        })
    }
}
