//! RFC 9865 cursors as opaque tokens: a store's [`Position`] and a direction, bound to the
//! query that produced it.
//!
//! A token is the unpadded URL-safe base64 (RFC 4648 §5: only RFC 3986 unreserved
//! characters, as RFC 9865 §2 requires) of
//!
//! ```text
//! version (1) | direction (1) | seq (8, big-endian) | key tag (1) | key (0..) | check (12)
//! ```
//!
//! where `check` is the first 12 bytes of SHA-256 over the query's fingerprint (resource
//! type, canonical filter, sort key and order) and the bytes before it. A token altered, cut,
//! or issued for another query fails the check: 400 `invalidCursor` (RFC 9865 §2.1). The check
//! is not keyed: a client able to read this source can forge a token, but a forged token
//! is only a position in the client's own result set — every page is still selected with
//! the caller's tenant and filter, so a cursor grants nothing (RFC 9865 §5.2). Tokens hold
//! a sort value of a resource the client was already shown, and nothing else.
//!
//! Decoding is bounded: a token longer than [`MAX_LEN`] is refused before it is decoded,
//! and every read is checked.

use scim_core::message::SortOrder;
use scim_core::{ResourceType, ScimError};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::store::{Cursor, KeyValue, ListQuery, Position};

/// The longest token accepted (1 KiB of text).
pub(crate) const MAX_LEN: usize = 1024;

const VERSION: u8 = 1;
const CHECK_LEN: usize = 12;
const AFTER: u8 = 0;
const BEFORE: u8 = 1;

/// What a cursor is bound to: a digest of the query it pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Binding([u8; 32]);

impl Binding {
    /// The fingerprint of `query` over `ty`: its type, canonical filter and sort. Paging
    /// parameters (`count`) are not part of it: a client may change the page size mid-walk.
    pub(crate) fn of(ty: &ResourceType, query: &ListQuery) -> Self {
        let mut h = Sha256::new();
        h.update(b"scim-http cursor v1\0");
        h.update(ty.name.as_bytes());
        h.update(b"\0");
        if let Some(f) = &query.filter {
            h.update(f.to_string().as_bytes());
        }
        h.update(b"\0");
        if let Some(s) = &query.sort {
            h.update(s.by.to_string().as_bytes());
            h.update(match s.order {
                SortOrder::Ascending => b"\0a",
                SortOrder::Descending => b"\0d",
            });
        }
        Binding(h.finalize().into())
    }

    fn check(&self, payload: &[u8]) -> [u8; CHECK_LEN] {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(payload);
        let digest: [u8; 32] = h.finalize().into();
        let mut out = [0u8; CHECK_LEN];
        out.copy_from_slice(&digest[..CHECK_LEN]);
        out
    }
}

/// The token for the page after `pos` (`forward`) or before it.
///
/// Fails (400 `tooMany`) only when the sort value is too long for a token of [`MAX_LEN`].
pub(crate) fn encode(
    pos: &Position,
    forward: bool,
    binding: &Binding,
) -> Result<String, ScimError> {
    let mut b = Vec::with_capacity(32);
    b.push(VERSION);
    b.push(if forward { AFTER } else { BEFORE });
    b.extend_from_slice(&pos.seq.to_be_bytes());
    match &pos.key {
        None => b.push(0),
        Some(KeyValue::Bool(false)) => b.push(1),
        Some(KeyValue::Bool(true)) => b.push(2),
        Some(KeyValue::Int(i)) => {
            b.push(3);
            b.extend_from_slice(&i.to_be_bytes());
        }
        Some(KeyValue::Num(n)) => {
            b.push(4);
            b.extend_from_slice(&n.to_bits().to_be_bytes());
        }
        Some(KeyValue::Str(s)) => {
            b.push(5);
            b.extend_from_slice(s.as_bytes());
        }
    }
    let check = binding.check(&b);
    b.extend_from_slice(&check);
    let token = URL_SAFE_NO_PAD.encode(&b);
    if token.len() > MAX_LEN {
        return Err(ScimError::too_many(
            "a resource's sort value is too long for a cursor; sort by another attribute or \
             page by startIndex",
        ));
    }
    Ok(token)
}

/// Reads a `cursor` parameter: empty is the first page (RFC 9865 §2); anything else must be
/// a token this server issued for the same query (400 `invalidCursor`).
pub(crate) fn decode(text: &str, binding: &Binding) -> Result<Cursor, ScimError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Cursor::First);
    }
    let invalid = || {
        ScimError::invalid_cursor(
            "the cursor is not one this service provider issued for this query; send an empty \
             cursor for the first page, then nextCursor or previousCursor values, with the \
             query parameters unchanged",
        )
    };
    if text.len() > MAX_LEN {
        return Err(ScimError::invalid_cursor(format!(
            "the cursor is longer than {MAX_LEN} characters"
        )));
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let split = bytes.len().checked_sub(CHECK_LEN).ok_or_else(invalid)?;
    let (payload, check) = bytes.split_at(split);
    if !bool::from(binding.check(payload).ct_eq(check)) {
        return Err(invalid());
    }
    // Authentic from here on; the reads stay checked all the same.
    let (&version, rest) = payload.split_first().ok_or_else(invalid)?;
    let (&direction, rest) = rest.split_first().ok_or_else(invalid)?;
    if version != VERSION {
        return Err(invalid());
    }
    let (seq, rest) = take8(rest).ok_or_else(invalid)?;
    let (&tag, rest) = rest.split_first().ok_or_else(invalid)?;
    let key = match (tag, rest.len()) {
        (0, 0) => None,
        (1, 0) => Some(KeyValue::Bool(false)),
        (2, 0) => Some(KeyValue::Bool(true)),
        (3, 8) => Some(KeyValue::Int(i64::from_be_bytes(
            take8(rest).ok_or_else(invalid)?.0,
        ))),
        (4, 8) => Some(KeyValue::Num(f64::from_bits(u64::from_be_bytes(
            take8(rest).ok_or_else(invalid)?.0,
        )))),
        (5, _) => Some(KeyValue::Str(
            String::from_utf8(rest.to_vec()).map_err(|_| invalid())?,
        )),
        _ => return Err(invalid()),
    };
    let pos = Position {
        key,
        seq: u64::from_be_bytes(seq),
    };
    match direction {
        AFTER => Ok(Cursor::After(pos)),
        BEFORE => Ok(Cursor::Before(pos)),
        _ => Err(invalid()),
    }
}

fn take8(b: &[u8]) -> Option<([u8; 8], &[u8])> {
    let head = b.get(..8)?;
    let rest = b.get(8..)?;
    Some((head.try_into().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::{Registry, ScimType};
    use std::sync::Arc;

    fn users() -> Arc<ResourceType> {
        Registry::standard().resource_type("User").unwrap().clone()
    }

    #[test]
    fn round_trips_every_key_kind() {
        let ty = users();
        let b = Binding::of(&ty, &ListQuery::all());
        for key in [
            None,
            Some(KeyValue::Bool(true)),
            Some(KeyValue::Bool(false)),
            Some(KeyValue::Int(-42)),
            Some(KeyValue::Num(0.1)),
            Some(KeyValue::Str("Ünïcode ✓".into())),
            Some(KeyValue::Str(String::new())),
        ] {
            let pos = Position { key, seq: 7 };
            for forward in [true, false] {
                let t = encode(&pos, forward, &b).unwrap();
                assert!(
                    t.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                );
                let c = decode(&t, &b).unwrap();
                let want = if forward {
                    Cursor::After(pos.clone())
                } else {
                    Cursor::Before(pos.clone())
                };
                assert_eq!(c, want);
            }
        }
        assert_eq!(decode("", &b).unwrap(), Cursor::First);
    }

    #[test]
    fn garbage_tampering_and_foreign_queries_are_invalid_cursor() {
        let ty = users();
        let b = Binding::of(&ty, &ListQuery::all());
        let t = encode(
            &Position {
                key: Some(KeyValue::Str("bjensen".into())),
                seq: 3,
            },
            true,
            &b,
        )
        .unwrap();
        let mut flipped = t.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        let filtered = ListQuery::all().filter(
            scim_filter::Filter::parse("userName sw \"b\"")
                .unwrap()
                .resolve(&ty)
                .unwrap(),
        );
        let other = Binding::of(&ty, &filtered);
        for (text, binding) in [
            ("!!!", &b),
            ("AAAA", &b),
            ("x", &b),
            (flipped.as_str(), &b),
            (&t[..t.len() - 2], &b),
            (t.as_str(), &other),
        ] {
            let e = decode(text, binding).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidCursor), "{text}");
        }
        let long = "A".repeat(MAX_LEN + 1);
        assert_eq!(
            decode(&long, &b).unwrap_err().scim_type(),
            Some(ScimType::InvalidCursor)
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let ty = users();
        let b = Binding::of(&ty, &ListQuery::all());
        for n in 1..64usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 % 251) as u8).collect();
            let t = URL_SAFE_NO_PAD.encode(&bytes);
            assert!(decode(&t, &b).is_err());
        }
    }
}
