//! Authentication: the [`Authenticator`] trait and a ready bearer-token implementation.
//!
//! Identity providers authenticate with a long-lived secret: Microsoft Entra ID's
//! provisioning sends `Authorization: Bearer <Secret Token>` on every request. A host with one
//! Tenant URL and token per customer maps each token to a [`Tenant`], which stores read from
//! the [`RequestContext`](crate::RequestContext):
//!
//! ```
//! use scim_http::{BearerTokens, Tenant};
//!
//! let auth = BearerTokens::new()
//!     .token("s3cr3t-for-acme-0123456789", Some(Tenant::new("acme")))
//!     .token("s3cr3t-for-globex-0123456789", Some(Tenant::new("globex")));
//! // Later, while the server runs (clones share the table): onboard a customer.
//! auth.insert("s3cr3t-for-initech-0123456789", Some(Tenant::new("initech")))?;
//! # Ok::<(), scim_http::TokenError>(())
//! ```

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

/// Decides whether a request may proceed and what it may attach for the stores.
///
/// It sees the request head only. Returning an error stops the request with 401 (with
/// `WWW-Authenticate: Bearer`) or 403; nothing is read or written.
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// Checks the request, and attaches its [`Tenant`] (required: a request without one is
    /// refused) and anything else stores may want (a principal type of the host's) to
    /// `extensions`, which stores receive in the request context.
    async fn authenticate(
        &self,
        parts: &http::request::Parts,
        extensions: &mut http::Extensions,
    ) -> Result<(), AuthError>;

    /// The authentication schemes to advertise in `/ServiceProviderConfig` (RFC 7643 §5).
    fn schemes(&self) -> Vec<scim_core::AuthenticationScheme> {
        Vec::new()
    }

    /// Checked once when the server is built: a configuration that is unsafe to serve
    /// (e.g. a secret too short to resist guessing) makes `build` fail with this reason.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials, or credentials of the wrong scheme (401).
    #[error("authentication required: send Authorization: Bearer <token>")]
    Missing,
    /// Credentials that are not valid (401).
    #[error("the bearer token is not valid")]
    Invalid,
    /// Valid credentials without permission for this request (403).
    #[error("{0}")]
    Forbidden(String),
}

impl From<AuthError> for scim_core::ScimError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Forbidden(d) => scim_core::ScimError::forbidden(d),
            other => scim_core::ScimError::unauthorized(other.to_string()),
        }
    }
}

/// The tenant a request acts in: every store call is confined to it. An authenticator must
/// attach one (the server refuses a request without: fail closed); a single-tenant host
/// attaches [`Tenant::default`] on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant(pub String);

impl Tenant {
    /// The id of the default tenant: `"default"`.
    pub const DEFAULT_ID: &'static str = "default";

    /// A tenant with this id.
    pub fn new(id: impl Into<String>) -> Self {
        Tenant(id.into())
    }
}

impl Default for Tenant {
    /// The tenant of single-tenant hosts, [`Tenant::DEFAULT_ID`].
    fn default() -> Self {
        Tenant::new(Tenant::DEFAULT_ID)
    }
}

/// Accepts any request: for tests and for hosts that authenticate in a middleware before the
/// SCIM handler. The tenant is the [`Tenant`] such a middleware put in the request's
/// extensions, else [`Tenant::default`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl Authenticator for NoAuth {
    async fn authenticate(
        &self,
        parts: &http::request::Parts,
        extensions: &mut http::Extensions,
    ) -> Result<(), AuthError> {
        extensions.insert(
            parts
                .extensions
                .get::<Tenant>()
                .cloned()
                .unwrap_or_default(),
        );
        Ok(())
    }
}

/// The shortest secret [`BearerTokens`] accepts, in bytes: shorter ones are refused when the
/// server is built or the token is added. Generate secrets of 32 random bytes or more.
pub const MIN_SECRET_LEN: usize = 16;

/// The longest `Authorization` value [`BearerTokens`] looks at, in bytes: a longer one is
/// refused without being hashed.
const MAX_PRESENTED_LEN: usize = 4096;

/// Bearer-token authentication (RFC 6750) against a set of secrets, each optionally bound to a
/// [`Tenant`].
///
/// - **O(1) in the number of tenants.** Secrets are kept in a map keyed by their SHA-256
///   digest; a presented token is hashed once, looked up, and compared with the stored
///   secret in constant time. A huge `Authorization` header costs no more than reading it.
/// - **Live changes.** Clones share one table: keep a clone to [`insert`](Self::insert),
///   [`rotate`](Self::rotate) and [`revoke`](Self::revoke) tokens while the server runs, so a
///   SaaS onboards a customer without a restart. During a rotation the old and the new token
///   are both valid until the old one is revoked.
/// - **No weak secrets.** Secrets shorter than [`MIN_SECRET_LEN`] bytes are refused.
///
/// ```
/// use scim_http::{BearerTokens, Tenant};
///
/// let tokens = BearerTokens::new();
/// tokens.insert("s3cr3t-for-acme-0001", Some(Tenant::new("acme")))?;
/// // Rotation: both tokens work until the old one is revoked.
/// tokens.rotate("s3cr3t-for-acme-0001", "s3cr3t-for-acme-0002")?;
/// assert!(tokens.revoke("s3cr3t-for-acme-0001"));
/// assert_eq!(tokens.len(), 1);
/// # Ok::<(), scim_http::TokenError>(())
/// ```
#[derive(Clone, Default)]
pub struct BearerTokens {
    table: Arc<RwLock<HashMap<Digest, Secret>>>,
    /// A secret given to the builder methods that was refused; reported by `check`.
    refused: Option<TokenError>,
}

type Digest = [u8; 32];

struct Secret {
    bytes: Box<[u8]>,
    tenant: Option<Tenant>,
}

/// Why a token could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes.
    #[error("a bearer token must have at least {MIN_SECRET_LEN} bytes; this one has {0}")]
    TooShort(usize),
    /// The secret is longer than the longest `Authorization` value accepted (4 KiB).
    #[error("a bearer token may have at most 4096 bytes; this one has {0}")]
    TooLong(usize),
    /// The token to rotate from is not known.
    #[error("the token to rotate is not a known token")]
    Unknown,
}

impl std::fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerTokens")
            .field("tokens", &format_args!("[{} redacted]", self.len()))
            .finish()
    }
}

impl BearerTokens {
    /// No tokens yet (every request is refused until one is added).
    pub fn new() -> Self {
        BearerTokens::default()
    }

    /// One token, no tenant. A secret shorter than [`MIN_SECRET_LEN`] makes
    /// [`ScimServerBuilder::build`](crate::ScimServerBuilder::build) fail.
    pub fn single(token: impl Into<String>) -> Self {
        BearerTokens::new().token(token, None)
    }

    /// Accepts `token`, attaching `tenant` to requests that present it (builder form of
    /// [`insert`](Self::insert); a refused secret makes the server's `build` fail).
    #[must_use]
    pub fn token(mut self, token: impl Into<String>, tenant: Option<Tenant>) -> Self {
        if let Err(e) = self.insert(token, tenant) {
            self.refused.get_or_insert(e);
        }
        self
    }

    /// Accepts `token` from now on, attaching `tenant` to requests that present it (`None`:
    /// [`Tenant::default`], the single-tenant choice; a token already known gets the new
    /// tenant).
    pub fn insert(
        &self,
        token: impl Into<String>,
        tenant: Option<Tenant>,
    ) -> Result<(), TokenError> {
        let bytes = token.into().into_bytes().into_boxed_slice();
        if bytes.len() < MIN_SECRET_LEN {
            return Err(TokenError::TooShort(bytes.len()));
        }
        if bytes.len() > MAX_PRESENTED_LEN {
            return Err(TokenError::TooLong(bytes.len()));
        }
        let digest = digest(&bytes);
        self.write().insert(digest, Secret { bytes, tenant });
        Ok(())
    }

    /// Adds `new` with the tenant of `old`; both are valid until `old` is revoked.
    pub fn rotate(&self, old: &str, new: impl Into<String>) -> Result<(), TokenError> {
        let tenant = self.lookup(old.as_bytes()).ok_or(TokenError::Unknown)?;
        self.insert(new, tenant)
    }

    /// Stops accepting `token`; whether it was known.
    pub fn revoke(&self, token: &str) -> bool {
        self.write().remove(&digest(token.as_bytes())).is_some()
    }

    /// Stops accepting every token of `tenant`; how many there were.
    pub fn revoke_tenant(&self, tenant: &Tenant) -> usize {
        let mut table = self.write();
        let before = table.len();
        table.retain(|_, s| s.tenant.as_ref() != Some(tenant));
        before - table.len()
    }

    /// How many tokens are accepted.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no token is accepted.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The tenant of `presented` (`Some(None)`: valid, no tenant), or `None` if it is not a
    /// valid token.
    fn lookup(&self, presented: &[u8]) -> Option<Option<Tenant>> {
        if presented.len() > MAX_PRESENTED_LEN {
            return None;
        }
        let table = self.read();
        let secret = table.get(&digest(presented))?;
        bool::from(secret.bytes.ct_eq(presented)).then(|| secret.tenant.clone())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Digest, Secret>> {
        // The table is never left half-written: a poisoned lock's data is still whole.
        self.table
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Digest, Secret>> {
        self.table
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn digest(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

#[async_trait]
impl Authenticator for BearerTokens {
    async fn authenticate(
        &self,
        parts: &http::request::Parts,
        extensions: &mut http::Extensions,
    ) -> Result<(), AuthError> {
        let header = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .ok_or(AuthError::Missing)?;
        let value = header.as_bytes();
        let scheme_len = 7; // "Bearer "
        let (Some(scheme), Some(token)) = (value.get(..scheme_len), value.get(scheme_len..)) else {
            return Err(AuthError::Missing);
        };
        if !scheme.eq_ignore_ascii_case(b"bearer ") {
            return Err(AuthError::Missing);
        }
        match self.lookup(token.trim_ascii()) {
            Some(tenant) => {
                extensions.insert(tenant.unwrap_or_default());
                Ok(())
            }
            None => Err(AuthError::Invalid),
        }
    }

    fn schemes(&self) -> Vec<scim_core::AuthenticationScheme> {
        vec![scim_core::AuthenticationScheme::oauth_bearer_token().primary()]
    }

    fn check(&self) -> Result<(), String> {
        match &self.refused {
            Some(e) => Err(e.to_string()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: Option<&str>) -> http::request::Parts {
        let mut b = http::Request::builder().uri("/scim/v2/Users");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(()).unwrap().into_parts().0
    }

    async fn check(auth: &BearerTokens, header: Option<&str>) -> Result<Option<Tenant>, AuthError> {
        let mut ext = http::Extensions::new();
        auth.authenticate(&parts(header), &mut ext).await?;
        Ok(ext.get::<Tenant>().cloned())
    }

    fn sync(auth: &BearerTokens, header: Option<&str>) -> Result<Option<Tenant>, AuthError> {
        futures_lite(check(auth, header))
    }

    const ALPHA: &str = "alpha-0123456789abcdef";
    const BETA: &str = "beta-0123456789abcdef";

    #[test]
    fn bearer_tokens_accept_any_of_several_and_attach_tenants() {
        let auth = BearerTokens::new()
            .token(ALPHA, Some(Tenant::new("a")))
            .token(BETA, None);
        assert_eq!(auth.check(), Ok(()));
        assert_eq!(
            sync(&auth, Some(format!("Bearer {ALPHA}").as_str())),
            Ok(Some(Tenant::new("a")))
        );
        assert_eq!(
            sync(&auth, Some(format!("bearer {BETA}").as_str())),
            Ok(Some(Tenant::default()))
        );
        assert_eq!(
            sync(&auth, Some(format!("Bearer  {BETA} ").as_str())),
            Ok(Some(Tenant::default()))
        );
        assert_eq!(
            sync(&auth, Some("Bearer gamma-0123456789abcdef")),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            sync(
                &auth,
                Some(&format!("Bearer {}", &ALPHA[..ALPHA.len() - 1]))
            ),
            Err(AuthError::Invalid)
        );
        assert_eq!(sync(&auth, Some("Basic YWxwaGE6")), Err(AuthError::Missing));
        assert_eq!(sync(&auth, Some("Bear")), Err(AuthError::Missing));
        assert_eq!(sync(&auth, None), Err(AuthError::Missing));
        assert_eq!(
            sync(&BearerTokens::new(), Some("Bearer x")),
            Err(AuthError::Invalid)
        );
        let huge = format!("Bearer {}", "a".repeat(1 << 20));
        assert_eq!(sync(&auth, Some(huge.as_str())), Err(AuthError::Invalid));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(
            BearerTokens::new().insert("short", None),
            Err(TokenError::TooShort(5))
        );
        assert!(BearerTokens::single("").check().is_err());
        assert!(BearerTokens::single("0123456789abcde").check().is_err());
        assert!(BearerTokens::single("0123456789abcdef").check().is_ok());
    }

    #[test]
    fn tokens_are_added_rotated_and_revoked_live() {
        let auth = BearerTokens::new().token(ALPHA, Some(Tenant::new("a")));
        let live = auth.clone();
        let bearer = |t: &str| format!("Bearer {t}");
        live.insert(BETA, Some(Tenant::new("b"))).unwrap();
        assert_eq!(
            sync(&auth, Some(bearer(BETA).as_str())),
            Ok(Some(Tenant::new("b")))
        );
        let next = "alpha-next-0123456789abcdef";
        live.rotate(ALPHA, next).unwrap();
        for t in [ALPHA, next] {
            assert_eq!(
                sync(&auth, Some(bearer(t).as_str())),
                Ok(Some(Tenant::new("a")))
            );
        }
        assert!(live.revoke(ALPHA));
        assert!(!live.revoke(ALPHA));
        assert_eq!(
            sync(&auth, Some(bearer(ALPHA).as_str())),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            sync(&auth, Some(bearer(next).as_str())),
            Ok(Some(Tenant::new("a")))
        );
        assert_eq!(
            live.rotate(ALPHA, "whatever-0123456789abcdef"),
            Err(TokenError::Unknown)
        );
        assert_eq!(live.revoke_tenant(&Tenant::new("a")), 1);
        assert_eq!(auth.len(), 1);
    }

    #[test]
    fn debug_redacts_tokens() {
        let s = format!("{:?}", BearerTokens::single("topsecret-0123456789"));
        assert!(!s.contains("topsecret"), "{s}");
    }

    /// Runs a future that never waits (our authenticators do not).
    fn futures_lite<F: std::future::Future>(f: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }
}
