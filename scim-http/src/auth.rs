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
//!     .token("s3cr3t-for-acme", Some(Tenant::new("acme")))
//!     .token("s3cr3t-for-globex", Some(Tenant::new("globex")))
//!     // Rotation: the old token keeps working until it is removed.
//!     .token("old-s3cr3t-for-acme", Some(Tenant::new("acme")));
//! # let _ = auth;
//! ```

use async_trait::async_trait;

/// Decides whether a request may proceed and what it may attach for the stores.
///
/// It sees the request head only. Returning an error stops the request with 401 (with
/// `WWW-Authenticate: Bearer`) or 403; nothing is read or written.
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// Checks the request; may insert values (a [`Tenant`], a principal type of the host's)
    /// into `extensions`, which stores receive in the request context.
    async fn authenticate(
        &self,
        parts: &http::request::Parts,
        extensions: &mut http::Extensions,
    ) -> Result<(), AuthError>;

    /// The authentication schemes to advertise in `/ServiceProviderConfig` (RFC 7643 §5).
    fn schemes(&self) -> Vec<scim_core::AuthenticationScheme> {
        Vec::new()
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

/// A tenant identifier an authenticator attaches for multi-tenant stores.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant(pub String);

impl Tenant {
    /// A tenant with this id.
    pub fn new(id: impl Into<String>) -> Self {
        Tenant(id.into())
    }
}

/// Accepts any request: for tests and for hosts that authenticate in a middleware before the
/// SCIM handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl Authenticator for NoAuth {
    async fn authenticate(
        &self,
        _parts: &http::request::Parts,
        _extensions: &mut http::Extensions,
    ) -> Result<(), AuthError> {
        Ok(())
    }
}

/// Bearer-token authentication (RFC 6750) against a set of secrets, each optionally bound to a
/// [`Tenant`]. Tokens are compared in constant time; several may be valid at once, for
/// rotation.
#[derive(Clone, Default)]
pub struct BearerTokens {
    tokens: Vec<(Vec<u8>, Option<Tenant>)>,
}

impl std::fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerTokens")
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .finish()
    }
}

impl BearerTokens {
    /// No tokens yet (every request is refused until one is added).
    pub fn new() -> Self {
        BearerTokens::default()
    }

    /// One token, no tenant.
    pub fn single(token: impl Into<String>) -> Self {
        BearerTokens::new().token(token, None)
    }

    /// Accepts `token`, attaching `tenant` to requests that present it.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>, tenant: Option<Tenant>) -> Self {
        self.tokens.push((token.into().into_bytes(), tenant));
        self
    }

    fn find(&self, presented: &[u8]) -> Option<&Option<Tenant>> {
        // Check every token, so the time taken does not tell which one was close.
        let mut found = None;
        for (secret, tenant) in &self.tokens {
            if constant_time_eq(secret, presented) && found.is_none() {
                found = Some(tenant);
            }
        }
        found
    }
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
        let token = token.trim_ascii();
        match self.find(token) {
            Some(tenant) => {
                if let Some(t) = tenant {
                    extensions.insert(t.clone());
                }
                Ok(())
            }
            None => Err(AuthError::Invalid),
        }
    }

    fn schemes(&self) -> Vec<scim_core::AuthenticationScheme> {
        vec![scim_core::AuthenticationScheme::oauth_bearer_token().primary()]
    }
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
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

    #[test]
    fn bearer_tokens_accept_any_of_several_and_attach_tenants() {
        let auth = BearerTokens::new()
            .token("alpha", Some(Tenant::new("a")))
            .token("beta", None);
        let rt = |f| futures_lite(f);
        assert_eq!(
            rt(check(&auth, Some("Bearer alpha"))),
            Ok(Some(Tenant::new("a")))
        );
        assert_eq!(rt(check(&auth, Some("bearer beta"))), Ok(None));
        assert_eq!(rt(check(&auth, Some("Bearer  beta "))), Ok(None));
        assert_eq!(
            rt(check(&auth, Some("Bearer gamma"))),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            rt(check(&auth, Some("Bearer alph"))),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            rt(check(&auth, Some("Basic YWxwaGE6"))),
            Err(AuthError::Missing)
        );
        assert_eq!(rt(check(&auth, Some("Bear"))), Err(AuthError::Missing));
        assert_eq!(rt(check(&auth, None)), Err(AuthError::Missing));
        assert_eq!(
            rt(check(&BearerTokens::new(), Some("Bearer x"))),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn debug_redacts_tokens() {
        let s = format!("{:?}", BearerTokens::single("topsecret"));
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
