//! Secrets at rest: `password` (RFC 7643 §4.1.1, `mutability: writeOnly`, `returned: never`)
//! is hashed by the server before any store sees it, with a [`PasswordHasher`] the host
//! chooses ([`Argon2Hasher`], Argon2id, by default).
//!
//! A store therefore only ever holds a hash: a leaked database or backup reveals no
//! password, and since secrets can be neither returned nor filtered on nor sorted on, the hash
//! never leaves the server either. Hosts that authenticate users with the provisioned
//! password verify it with the same hasher's format (a PHC string, e.g. with
//! `argon2::PasswordVerifier`).

use scim_core::message::PatchRequest;
use scim_core::{Resource, ScimError, urn};
use serde_json::Value;

/// Turns a plaintext password into what the store keeps. Called once per password a client
/// sends (create, replace, PATCH); never with a stored value.
pub trait PasswordHasher: Send + Sync + 'static {
    /// The value to store for `password` (e.g. a PHC string `$argon2id$v=19$…`). An error is
    /// answered as is (e.g. 400 `invalidValue` for a password the host's policy refuses).
    fn hash(&self, password: &str) -> Result<String, ScimError>;
}

/// Argon2id (RFC 9106) with the `argon2` crate's default parameters and a random salt per
/// password, as a PHC string.
#[derive(Debug, Clone, Default)]
pub struct Argon2Hasher {
    argon2: argon2::Argon2<'static>,
}

impl PasswordHasher for Argon2Hasher {
    fn hash(&self, password: &str) -> Result<String, ScimError> {
        use argon2::password_hash::{PasswordHasher as _, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        self.argon2
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| {
                tracing::error!(error = %e, "password hashing failed");
                ScimError::internal()
            })
    }
}

/// Hashes the `password` of a validated resource, when it has one (a created resource, or a
/// replacement whose password differs from the stored one, i.e. a new one was sent).
pub(crate) fn hash_resource(
    hasher: &dyn PasswordHasher,
    resource: &mut Resource,
    stored: Option<&Resource>,
) -> Result<(), ScimError> {
    let Some(Value::String(plain)) = resource.get("password") else {
        return Ok(());
    };
    if stored.and_then(|s| s.get("password")) == resource.get("password") {
        return Ok(()); // carried over: already a hash
    }
    let hashed = hasher.hash(plain)?;
    resource.insert("password", Value::String(hashed));
    Ok(())
}

/// Hashes the password values of a PATCH before it is parsed: an operation whose `path` is
/// `password` (any case, with or without the core User URN), and in a path-less operation, a
/// `password` key of the value object or of its core User URN object.
pub(crate) fn hash_patch(
    hasher: &dyn PasswordHasher,
    request: &mut PatchRequest,
) -> Result<(), ScimError> {
    for op in &mut request.operations {
        match (op.path.as_deref().map(str::trim), op.value.as_mut()) {
            (Some(path), Some(value)) if is_password_path(path) => hash_value(hasher, value)?,
            (None, Some(Value::Object(map))) => {
                for (key, value) in map.iter_mut() {
                    if is_password_path(key) {
                        hash_value(hasher, value)?;
                    } else if key.eq_ignore_ascii_case(urn::USER)
                        && let Value::Object(core) = value
                    {
                        for (k, v) in core.iter_mut() {
                            if k.eq_ignore_ascii_case("password") {
                                hash_value(hasher, v)?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn is_password_path(path: &str) -> bool {
    let name = match path.len().checked_sub("password".len()) {
        Some(cut)
            if path.get(..cut).is_some_and(|urn| {
                urn.is_empty()
                    || urn
                        .strip_suffix(':')
                        .is_some_and(|u| u.eq_ignore_ascii_case(urn::USER))
            }) =>
        {
            path.get(cut..)
        }
        _ => None,
    };
    name.is_some_and(|n| n.eq_ignore_ascii_case("password"))
}

fn hash_value(hasher: &dyn PasswordHasher, value: &mut Value) -> Result<(), ScimError> {
    if let Value::String(plain) = value {
        *value = Value::String(hasher.hash(plain)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_paths() {
        for yes in [
            "password",
            "PASSWORD",
            "urn:ietf:params:scim:schemas:core:2.0:User:password",
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:Password",
        ] {
            assert!(is_password_path(yes), "{yes}");
        }
        for no in [
            "passwords",
            "xpassword",
            "name.password",
            ":password",
            "urn:x:password",
        ] {
            assert!(!is_password_path(no), "{no}");
        }
    }

    #[test]
    fn argon2_hashes_are_salted_phc_strings() {
        let h = Argon2Hasher::default();
        let a = h.hash("hunter2-hunter2").unwrap();
        let b = h.hash("hunter2-hunter2").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b);
        assert!(!a.contains("hunter2"));
    }
}
