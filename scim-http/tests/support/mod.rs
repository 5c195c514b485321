//! Shared helpers for the scim-http integration tests.
//!
//! The main one is an in-process port of the Entra ID conformance runner
//! (`shared/conformance/entra/run.py`): it replays the scenarios of
//! `shared/conformance/entra/scenarios.json` through [`ScimServer::handle`], with the same
//! variables, query encoding, default headers, path syntax, operators, counting and cleanup
//! as the Python runner, and prints the same report lines.
//!
//! Differences from run.py, all outside what the scenarios exercise:
//! - JSON objects keep their key order (like Python dicts); request bodies are written the way
//!   Python's `json.dumps` writes them (`", "`/`": "` separators, non-ASCII as `\uXXXX`).
//! - `$regex` runs on the small backtracking engine in [`regex`], which supports literals,
//!   escapes, `.`, classes `[...]`/`[^...]` with ranges, `\d \D \w \W \s \S \b \B \A \Z`,
//!   `\xhh`/`\uhhhh`, anchors `^ $`, groups `(...)`/`(?:...)`, alternation `|` and the
//!   quantifiers `* + ? {m} {m,} {,n} {m,n}` (greedy and lazy). Anything else (look-around,
//!   back-references, inline flags) fails the check with "unsupported regex" instead of
//!   matching wrongly. The scenarios use one pattern: `/Users/`.
//! - Where run.py would crash (an unknown auth mode, variable filter or `$type` name, a path not
//!   starting with `/`), the step fails with a "runner error" problem instead.
//! - Requests carry the headers urllib adds (`Host`, `Content-Length`, and
//!   `Content-Type: application/x-www-form-urlencoded` when a body has none) plus a
//!   `User-Agent`; the URI is origin-form (path and query), as HTTP/1.1 servers see it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response};
use scim_http::{BearerTokens, InMemoryStore, ScimServer};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The Secret Token the test servers accept.
pub(crate) const TOKEN: &str = "entra-replay-secret-token";
/// The Tenant URL: requests carry `Host: localhost`, so the server's `meta.location` and
/// `Location` URLs start with it.
pub(crate) const BASE: &str = "http://localhost/scim/v2";
/// Where the scenarios live, relative to this crate.
pub(crate) const SCENARIOS_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/entra/scenarios.json"
);

const DEFAULT_CONTENT_TYPE: &str = "application/scim+json";
const REQUEST_CONTENT_TYPE: &str = "application/scim+json; charset=utf-8";

/// A new server over an empty [`InMemoryStore`], accepting [`TOKEN`].
pub(crate) fn fresh_server() -> ScimServer {
    ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single(TOKEN))
        .build()
        .expect("the default ScimServer configuration builds")
}

/// Something that answers HTTP requests: the in-process [`ScimServer`], or a stand-in.
pub(crate) trait Transport {
    fn send(&self, request: Request<Vec<u8>>) -> impl Future<Output = Response<Vec<u8>>>;
}

impl Transport for ScimServer {
    fn send(&self, request: Request<Vec<u8>>) -> impl Future<Output = Response<Vec<u8>>> {
        self.handle(request)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON with the key order kept (Python dicts keep insertion order; serde_json::Value sorts)

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// Parses JSON text (a repeated key keeps its first position and its last value, as in
    /// Python).
    pub(crate) fn parse(text: &str) -> Result<J, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The value under exactly this key of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> &[J] {
        match self {
            J::Arr(a) => a,
            _ => &[],
        }
    }

    pub(crate) fn entries(&self) -> &[(String, J)] {
        match self {
            J::Obj(m) => m,
            _ => &[],
        }
    }

    /// Python truthiness.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            J::Null => false,
            J::Bool(b) => *b,
            J::Num(n) => n.as_f64().is_some_and(|f| f != 0.0),
            J::Str(s) => !s.is_empty(),
            J::Arr(a) => !a.is_empty(),
            J::Obj(m) => !m.is_empty(),
        }
    }

    fn is_number(&self) -> bool {
        matches!(self, J::Num(_))
    }

    fn f64(&self) -> Option<f64> {
        match self {
            J::Num(n) => n.as_f64(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = J;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<J, E> {
                Ok(J::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<J, E> {
                Ok(J::Num(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<J, E> {
                Ok(J::Num(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<J, E> {
                serde_json::Number::from_f64(v)
                    .map(J::Num)
                    .ok_or_else(|| E::custom("a non-finite number"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<J, E> {
                Ok(J::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<J, E> {
                Ok(J::Str(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<J, E> {
                Ok(J::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<J, E> {
                Ok(J::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<J, D2::Error> {
                J::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = a.next_element()? {
                    out.push(x);
                }
                Ok(J::Arr(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut out: Vec<(String, J)> = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, J>()? {
                    insert(&mut out, k, v);
                }
                Ok(J::Obj(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `dict[k] = v`: a new key goes last, an existing one keeps its place.
fn insert(m: &mut Vec<(String, J)>, k: String, v: J) {
    match m.iter_mut().find(|(kk, _)| *kk == k) {
        Some(slot) => slot.1 = v,
        None => m.push((k, v)),
    }
}

/// Python's `json.dumps(v, ensure_ascii=..., sort_keys=...)` with the default separators.
pub(crate) fn dumps(v: &J, ensure_ascii: bool, sort_keys: bool) -> String {
    let mut out = String::new();
    dump_into(&mut out, v, ensure_ascii, sort_keys);
    out
}

fn dump_into(out: &mut String, v: &J, ascii: bool, sort: bool) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(&py_number(n)),
        J::Str(s) => dump_str(out, s, ascii),
        J::Arr(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump_into(out, x, ascii, sort);
            }
            out.push(']');
        }
        J::Obj(m) => {
            let mut entries: Vec<&(String, J)> = m.iter().collect();
            if sort {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump_str(out, k, ascii);
                out.push_str(": ");
                dump_into(out, x, ascii, sort);
            }
            out.push('}');
        }
    }
}

fn dump_str(out: &mut String, s: &str, ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if ascii && !(' '..='~').contains(&c) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Python prints it (`repr` of an int or a float).
fn py_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let s = format!("{f:?}");
    // Rust writes 1e16 and 1e-5 where Python writes 1e+16 and 1e-05.
    match s.split_once('e') {
        Some((mant, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mant}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

/// Python's `repr()`.
pub(crate) fn py_repr(v: &J) -> String {
    match v {
        J::Null => "None".to_owned(),
        J::Bool(true) => "True".to_owned(),
        J::Bool(false) => "False".to_owned(),
        J::Num(n) => py_number(n),
        J::Str(s) => {
            let q = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::new();
            out.push(q);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == q => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if (c as u32) < 0x20 || c == '\u{7f}' => {
                        let _ = write!(out, "\\x{:02x}", c as u32);
                    }
                    c => out.push(c),
                }
            }
            out.push(q);
            out
        }
        J::Arr(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        J::Obj(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{}: {}", py_repr(&J::Str(k.clone())), py_repr(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `str()`: a string as is, anything else as its `repr()`.
pub(crate) fn py_str(v: &J) -> String {
    match v {
        J::Str(s) => s.clone(),
        other => py_repr(other),
    }
}

/// run.py's `short()`: sorted-key JSON, non-ASCII kept, cut at 160 characters.
pub(crate) fn short(v: Option<&J>) -> String {
    let Some(v) = v else {
        return "<absent>".to_owned();
    };
    let s = dumps(v, false, true);
    if s.chars().count() <= 160 {
        s
    } else {
        let mut t: String = s.chars().take(157).collect();
        t.push_str("...");
        t
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness (run.py uses uuid.uuid4)

fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    RandomState::new().hash_one((COUNTER.fetch_add(1, Ordering::Relaxed), nanos))
}

/// A random (version 4) UUID, lowercase and hyphenated.
pub(crate) fn uuid4() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&random_u64().to_be_bytes());
    b[8..].copy_from_slice(&random_u64().to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

// ---------------------------------------------------------------------------------------------
// Variables

/// Why a substitution failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SubstError {
    /// A variable no earlier step captured (the step is BLOCKED).
    Blocked(String),
    /// Something run.py would crash on.
    Runner(String),
}

/// run.py's `Vars`: `${sfx}`, `${uuid:NAME}`, `${newuuid}`, `${base}`, `${token}` and the
/// captured variables, with the filters `|upper`, `|lower`, `|urlencode`.
#[derive(Debug, Clone)]
pub(crate) struct Vars {
    pub(crate) values: HashMap<String, J>,
    uuids: HashMap<String, String>,
}

impl Vars {
    pub(crate) fn new(base: &str, token: &str) -> Self {
        let sfx: String = uuid4().replace('-', "")[..8].to_owned();
        let values = HashMap::from([
            ("base".to_owned(), J::Str(base.to_owned())),
            ("token".to_owned(), J::Str(token.to_owned())),
            ("sfx".to_owned(), J::Str(sfx)),
        ]);
        Vars {
            values,
            uuids: HashMap::new(),
        }
    }

    pub(crate) fn lookup(&mut self, name: &str) -> Result<J, SubstError> {
        if let Some(key) = name.strip_prefix("uuid:") {
            let u = self.uuids.entry(key.to_owned()).or_insert_with(uuid4);
            return Ok(J::Str(u.clone()));
        }
        if name == "newuuid" {
            return Ok(J::Str(uuid4()));
        }
        self.values
            .get(name)
            .cloned()
            .ok_or_else(|| SubstError::Blocked(name.to_owned()))
    }

    fn apply(value: J, filter: Option<&str>) -> Result<J, SubstError> {
        let Some(f) = filter else {
            return Ok(value);
        };
        let s = match value {
            J::Str(s) => s,
            // isinstance(value, (int, float)) holds for booleans too
            v @ (J::Num(_) | J::Bool(_)) => py_str(&v),
            v => dumps(&v, true, false),
        };
        match f {
            "upper" => Ok(J::Str(s.to_uppercase())),
            "lower" => Ok(J::Str(s.to_lowercase())),
            "urlencode" => Ok(J::Str(quote(&s, false))),
            other => Err(SubstError::Runner(format!(
                "unknown variable filter |{other}"
            ))),
        }
    }

    /// Recursively substitutes `${var}` in strings (keys and values); a string that is one
    /// variable keeps the variable's JSON type.
    pub(crate) fn subst(&mut self, obj: &J) -> Result<J, SubstError> {
        match obj {
            J::Str(s) => self.subst_str(s),
            J::Arr(a) => Ok(J::Arr(
                a.iter().map(|x| self.subst(x)).collect::<Result<_, _>>()?,
            )),
            J::Obj(m) => {
                let mut out = Vec::new();
                for (k, v) in m {
                    let k = py_str(&self.subst_str(k)?);
                    let v = self.subst(v)?;
                    insert(&mut out, k, v);
                }
                Ok(J::Obj(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn subst_str(&mut self, s: &str) -> Result<J, SubstError> {
        if let Some((name, filter, len)) = var_token(s)
            && len == s.len()
        {
            let v = self.lookup(name)?;
            return Self::apply(v, filter);
        }
        let mut out = String::new();
        let mut i = 0;
        while i < s.len() {
            if let Some((name, filter, len)) = var_token(&s[i..]) {
                let v = self.lookup(name)?;
                out.push_str(&py_str(&Self::apply(v, filter)?));
                i += len;
            } else {
                let c = s[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8();
            }
        }
        Ok(J::Str(out))
    }
}

/// Matches `\$\{([A-Za-z0-9_:.-]+)(?:\|([a-z]+))?\}` at the start of `s`: (name, filter,
/// length).
fn var_token(s: &str) -> Option<(&str, Option<&str>, usize)> {
    let rest = s.strip_prefix("${")?;
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"_:.-".contains(b))
        .count();
    if name_len == 0 {
        return None;
    }
    let name = &rest[..name_len];
    let after = &rest[name_len..];
    if after.starts_with('}') {
        return Some((name, None, 2 + name_len + 1));
    }
    let f = after.strip_prefix('|')?;
    let f_len = f.bytes().take_while(u8::is_ascii_lowercase).count();
    if f_len == 0 || !f[f_len..].starts_with('}') {
        return None;
    }
    Some((name, Some(&f[..f_len]), 2 + name_len + 1 + f_len + 1))
}

// ---------------------------------------------------------------------------------------------
// JSON-pointer-ish paths

/// run.py's `_get_key`: the exact key, else the first key equal ignoring case.
fn get_key<'a>(node: &'a J, key: &str) -> Option<&'a J> {
    let J::Obj(m) = node else {
        return None;
    };
    if let Some(v) = node.get(key) {
        return Some(v);
    }
    let low = key.to_lowercase();
    m.iter()
        .find(|(k, _)| k.to_lowercase() == low)
        .map(|(_, v)| v)
}

/// run.py's `SEL_RE` (`^(.*?)\[([^=\]]+)=([^\]]*)\]$`): (name, key, wanted value).
fn selector(seg: &str) -> Option<(&str, &str, &str)> {
    let inner = seg.strip_suffix(']')?;
    for (i, _) in seg.match_indices('[') {
        if i >= inner.len() {
            break;
        }
        let name = &seg[..i];
        if name.contains('\n') {
            return None;
        }
        let body = &inner[i + 1..];
        let Some((key, want)) = body.split_once('=') else {
            continue;
        };
        if key.is_empty() || key.contains(']') || want.contains(']') {
            continue;
        }
        return Some((name, key, want));
    }
    None
}

/// run.py's `resolve`: `/a/b/0/c`, `/emails[type=work]/value`, case-insensitive keys.
/// `Ok(None)` is "absent"; `Err` is a path run.py would refuse.
pub(crate) fn resolve<'a>(doc: &'a J, path: &str) -> Result<Option<&'a J>, String> {
    if path.is_empty() || path == "/" {
        return Ok(Some(doc));
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!(
            "path must start with '/': {}",
            py_repr(&J::Str(path.to_owned()))
        ));
    };
    let mut node = doc;
    for raw in rest.split('/') {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        let next = if let Some((name, key, want)) = selector(&seg) {
            let arr = if name.is_empty() {
                Some(node)
            } else {
                get_key(node, name)
            };
            let Some(J::Arr(items)) = arr else {
                return Ok(None);
            };
            items.iter().find(|el| match get_key(el, key) {
                None => false,
                Some(J::Bool(b)) => py_str(&J::Bool(*b)).to_lowercase() == want.to_lowercase(),
                Some(got) => py_str(got).to_lowercase() == want.to_lowercase(),
            })
        } else if let J::Arr(items) = node {
            let digits = seg.trim_start_matches('-');
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Ok(None);
            }
            let Ok(i) = seg.parse::<i64>() else {
                return Ok(None);
            };
            let n = items.len() as i64;
            if -n <= i && i < n {
                items.get(if i < 0 { (n + i) as usize } else { i as usize })
            } else {
                None
            }
        } else {
            get_key(node, &seg)
        };
        match next {
            Some(n) => node = n,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}

// ---------------------------------------------------------------------------------------------
// Expectations

fn num_eq(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    let int = |n: &serde_json::Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// run.py's `deep_equal`: `1 != true`, `1 == 1.0`.
pub(crate) fn deep_equal(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Bool(x), J::Bool(y)) => x == y,
        (J::Num(x), J::Num(y)) => num_eq(x, y),
        (J::Obj(x), J::Obj(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (J::Arr(x), J::Arr(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| deep_equal(p, q))
        }
        (J::Str(x), J::Str(y)) => x == y,
        (J::Null, J::Null) => true,
        _ => false,
    }
}

/// run.py's `subset_match`: the `want` object is contained in `got` (keys case-insensitive).
pub(crate) fn subset_match(want: &J, got: Option<&J>) -> bool {
    if let J::Obj(m) = want {
        let Some(g @ J::Obj(_)) = got else {
            return false;
        };
        return m.iter().all(|(k, v)| subset_match(v, get_key(g, k)));
    }
    got.is_some_and(|g| deep_equal(want, g))
}

fn is_empty(v: Option<&J>) -> bool {
    match v {
        None | Some(J::Null) => true,
        Some(J::Str(s)) => s.is_empty(),
        Some(J::Arr(a)) => a.is_empty(),
        Some(J::Obj(m)) => m.is_empty(),
        Some(_) => false,
    }
}

fn type_ok(name: &str, v: &J) -> Option<bool> {
    Some(match name {
        "string" => matches!(v, J::Str(_)),
        "boolean" => matches!(v, J::Bool(_)),
        "integer" => matches!(v, J::Num(n) if n.is_i64() || n.is_u64()),
        "number" => v.is_number(),
        "array" => matches!(v, J::Arr(_)),
        "object" => matches!(v, J::Obj(_)),
        "null" => matches!(v, J::Null),
        _ => return None,
    })
}

/// Python's `for x in arg` over a JSON value (list items, string characters, object keys).
fn py_iter(arg: &J) -> Vec<J> {
    match arg {
        J::Arr(a) => a.clone(),
        J::Str(s) => s.chars().map(|c| J::Str(c.to_string())).collect(),
        J::Obj(m) => m.iter().map(|(k, _)| J::Str(k.clone())).collect(),
        _ => Vec::new(),
    }
}

fn contains_el(want: &J, el: &J) -> bool {
    if matches!(want, J::Obj(_)) {
        subset_match(want, Some(el))
    } else {
        deep_equal(want, el)
    }
}

/// run.py's `check_expectation`: `None` when `got` satisfies `exp`, else a short reason.
pub(crate) fn check_expectation(got: Option<&J>, exp: &J) -> Option<String> {
    let ops = match exp {
        J::Obj(m) if !m.is_empty() && m.iter().all(|(k, _)| k.starts_with('$')) => m,
        _ => {
            return match got {
                None => Some(format!("expected {}, got <absent>", short(Some(exp)))),
                Some(g) if deep_equal(g, exp) => None,
                Some(g) => Some(format!(
                    "expected {}, got {}",
                    short(Some(exp)),
                    short(Some(g))
                )),
            };
        }
    };
    if got.is_none() && exp.get("$optional").is_some_and(J::truthy) {
        return None;
    }
    let sg = || short(got);
    for (op, arg) in ops {
        let op = op.as_str();
        match op {
            "$optional" => {}
            "$exists" => {
                if got.is_some() != arg.truthy() {
                    let w = if arg.truthy() { "present" } else { "absent" };
                    return Some(format!("expected {w}, got {}", sg()));
                }
            }
            "$absent" => {
                if got.is_none() != arg.truthy() {
                    let w = if arg.truthy() { "absent" } else { "present" };
                    return Some(format!("expected {w}, got {}", sg()));
                }
            }
            "$empty" => {
                if is_empty(got) != arg.truthy() {
                    let w = if arg.truthy() {
                        "empty/absent"
                    } else {
                        "non-empty"
                    };
                    return Some(format!("expected {w}, got {}", sg()));
                }
            }
            "$eq" => {
                if !got.is_some_and(|g| deep_equal(g, arg)) {
                    return Some(format!("expected {}, got {}", short(Some(arg)), sg()));
                }
            }
            "$ne" => {
                if got.is_some_and(|g| deep_equal(g, arg)) {
                    return Some(format!("expected anything but {}", short(Some(arg))));
                }
            }
            "$ci" => {
                let ok = matches!(got, Some(J::Str(g)) if g.to_lowercase() == py_str(arg).to_lowercase());
                if !ok {
                    return Some(format!(
                        "expected (case-insensitive) {}, got {}",
                        short(Some(arg)),
                        sg()
                    ));
                }
            }
            "$in" => {
                if !got.is_some_and(|g| py_iter(arg).iter().any(|a| deep_equal(g, a))) {
                    return Some(format!(
                        "expected one of {}, got {}",
                        short(Some(arg)),
                        sg()
                    ));
                }
            }
            "$type" => {
                let names = match arg {
                    J::Arr(a) => a.clone(),
                    other => vec![other.clone()],
                };
                let mut ok = false;
                if let Some(g) = got {
                    for n in &names {
                        match type_ok(&py_str(n), g) {
                            Some(true) => {
                                ok = true;
                                break;
                            }
                            Some(false) => {}
                            None => {
                                return Some(format!("runner error: unknown $type {}", py_repr(n)));
                            }
                        }
                    }
                }
                if !ok {
                    return Some(format!("expected type {}, got {}", py_str(arg), sg()));
                }
            }
            "$len" | "$len_gte" | "$len_lte" => {
                let n = match got {
                    Some(J::Arr(a)) => a.len(),
                    Some(J::Str(s)) => s.chars().count(),
                    Some(J::Obj(m)) => m.len(),
                    _ => {
                        return Some(format!(
                            "expected a list for {op} {}, got {}",
                            py_str(arg),
                            sg()
                        ));
                    }
                };
                let want = arg.f64().unwrap_or(f64::NAN);
                let nf = n as f64;
                let bad = match op {
                    "$len" => nf != want,
                    "$len_gte" => nf < want,
                    _ => nf > want,
                };
                if bad {
                    let rel = if op.len() > 4 { &op[4..] } else { "==" };
                    return Some(format!(
                        "expected length {rel} {}, got {n}: {}",
                        py_str(arg),
                        sg()
                    ));
                }
            }
            "$gte" | "$lte" | "$gt" | "$lt" => {
                let Some(g @ J::Num(_)) = got else {
                    return Some(format!(
                        "expected a number ({op} {}), got {}",
                        py_str(arg),
                        sg()
                    ));
                };
                let (x, y) = (g.f64().unwrap_or(f64::NAN), arg.f64().unwrap_or(f64::NAN));
                let ok = match op {
                    "$gte" => x >= y,
                    "$lte" => x <= y,
                    "$gt" => x > y,
                    _ => x < y,
                };
                if !ok {
                    return Some(format!(
                        "expected {} {}, got {}",
                        &op[1..],
                        py_str(arg),
                        py_str(g)
                    ));
                }
            }
            "$contains" | "$not_contains" => {
                let hit = match got {
                    Some(J::Str(g)) => matches!(arg, J::Str(w) if g.contains(w.as_str())),
                    Some(J::Arr(items)) => items.iter().any(|el| contains_el(arg, el)),
                    _ => {
                        if op == "$contains" {
                            return Some(format!(
                                "expected a list/string containing {}, got {}",
                                short(Some(arg)),
                                sg()
                            ));
                        }
                        false
                    }
                };
                if op == "$contains" && !hit {
                    return Some(format!(
                        "expected to contain {}, got {}",
                        short(Some(arg)),
                        sg()
                    ));
                }
                if op == "$not_contains" && hit {
                    return Some(format!(
                        "expected NOT to contain {}, got {}",
                        short(Some(arg)),
                        sg()
                    ));
                }
            }
            "$contains_all" => {
                let Some(J::Arr(items)) = got else {
                    return Some(format!(
                        "expected a list containing {}, got {}",
                        short(Some(arg)),
                        sg()
                    ));
                };
                for w in py_iter(arg) {
                    if !items.iter().any(|el| contains_el(&w, el)) {
                        return Some(format!(
                            "expected to contain {}, got {}",
                            short(Some(&w)),
                            sg()
                        ));
                    }
                }
            }
            "$subset" => {
                if !subset_match(arg, got) {
                    return Some(format!(
                        "expected an object containing {}, got {}",
                        short(Some(arg)),
                        sg()
                    ));
                }
            }
            "$regex" => {
                let pattern = py_str(arg);
                let matched = match got {
                    Some(J::Str(g)) => match regex::Regex::new(&pattern) {
                        Ok(re) => re.search(g),
                        Err(e) => {
                            return Some(format!(
                                "runner error: unsupported regex /{pattern}/: {e}"
                            ));
                        }
                    },
                    _ => false,
                };
                if !matched {
                    return Some(format!("expected to match /{pattern}/, got {}", sg()));
                }
            }
            other => return Some(format!("unknown operator {other}")),
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// A small backtracking regex engine for `$regex` (Python `re.search` semantics, no flags)

pub(crate) mod regex {
    #[derive(Debug, Clone)]
    enum Item {
        Range(char, char),
        Digit(bool),
        Word(bool),
        Space(bool),
    }

    #[derive(Debug, Clone)]
    enum Node {
        Lit(char),
        Any,
        Class(Vec<Item>, bool),
        Start,
        End,
        EndAbs,
        WordBoundary(bool),
        Group(Vec<Vec<Node>>),
        Repeat(Box<Node>, usize, Option<usize>, bool),
    }

    /// A compiled pattern.
    #[derive(Debug, Clone)]
    pub(crate) struct Regex {
        alts: Vec<Vec<Node>>,
    }

    fn word(c: char) -> bool {
        c.is_alphanumeric() || c == '_'
    }

    fn item_matches(item: &Item, c: char) -> bool {
        match *item {
            Item::Range(a, b) => a <= c && c <= b,
            Item::Digit(pos) => c.is_numeric() == pos,
            Item::Word(pos) => word(c) == pos,
            Item::Space(pos) => c.is_whitespace() == pos,
        }
    }

    struct Parser {
        s: Vec<char>,
        i: usize,
    }

    impl Parser {
        fn peek(&self) -> Option<char> {
            self.s.get(self.i).copied()
        }

        fn next(&mut self) -> Result<char, String> {
            let c = self.peek().ok_or("unexpected end of pattern")?;
            self.i += 1;
            Ok(c)
        }

        fn alts(&mut self) -> Result<Vec<Vec<Node>>, String> {
            let mut alts = vec![self.seq()?];
            while self.peek() == Some('|') {
                self.i += 1;
                alts.push(self.seq()?);
            }
            Ok(alts)
        }

        fn seq(&mut self) -> Result<Vec<Node>, String> {
            let mut seq = Vec::new();
            while let Some(c) = self.peek() {
                if c == '|' || c == ')' {
                    break;
                }
                let atom = self.atom()?;
                seq.push(self.quantified(atom)?);
            }
            Ok(seq)
        }

        fn hex(&mut self, n: usize) -> Result<char, String> {
            let mut v = 0u32;
            for _ in 0..n {
                let d = self.next()?.to_digit(16).ok_or("bad hex escape")?;
                v = v * 16 + d;
            }
            char::from_u32(v).ok_or_else(|| "bad code point".to_owned())
        }

        /// An escape after `\`: a class item, or a literal character.
        fn escape(&mut self) -> Result<Result<Item, char>, String> {
            let c = self.next()?;
            Ok(match c {
                'd' => Ok(Item::Digit(true)),
                'D' => Ok(Item::Digit(false)),
                'w' => Ok(Item::Word(true)),
                'W' => Ok(Item::Word(false)),
                's' => Ok(Item::Space(true)),
                'S' => Ok(Item::Space(false)),
                'n' => Err('\n'),
                't' => Err('\t'),
                'r' => Err('\r'),
                'f' => Err('\u{c}'),
                'v' => Err('\u{b}'),
                'a' => Err('\u{7}'),
                'x' => Err(self.hex(2)?),
                'u' => Err(self.hex(4)?),
                '0' => Err('\0'),
                c if c.is_ascii_alphanumeric() => return Err(format!("unsupported escape \\{c}")),
                c => Err(c),
            })
        }

        fn atom(&mut self) -> Result<Node, String> {
            let c = self.next()?;
            Ok(match c {
                '(' => {
                    if self.peek() == Some('?') {
                        if self.s.get(self.i + 1) == Some(&':') {
                            self.i += 2;
                        } else {
                            return Err(
                                "unsupported group (look-around, named group or inline flag)"
                                    .to_owned(),
                            );
                        }
                    }
                    let alts = self.alts()?;
                    if self.next()? != ')' {
                        return Err("missing )".to_owned());
                    }
                    Node::Group(alts)
                }
                '[' => self.class()?,
                '.' => Node::Any,
                '^' => Node::Start,
                '$' => Node::End,
                '*' | '+' | '?' => return Err("nothing to repeat".to_owned()),
                '\\' => match self.peek() {
                    Some('b') => {
                        self.i += 1;
                        Node::WordBoundary(true)
                    }
                    Some('B') => {
                        self.i += 1;
                        Node::WordBoundary(false)
                    }
                    Some('A') => {
                        self.i += 1;
                        Node::Start
                    }
                    Some('Z') => {
                        self.i += 1;
                        Node::EndAbs
                    }
                    Some(d) if d.is_ascii_digit() && d != '0' => {
                        return Err("back-references are unsupported".to_owned());
                    }
                    _ => match self.escape()? {
                        Ok(item) => Node::Class(vec![item], false),
                        Err(ch) => Node::Lit(ch),
                    },
                },
                c => Node::Lit(c),
            })
        }

        fn class(&mut self) -> Result<Node, String> {
            let negated = self.peek() == Some('^');
            if negated {
                self.i += 1;
            }
            let mut items = Vec::new();
            let mut first = true;
            loop {
                let c = self
                    .next()
                    .map_err(|_| "unterminated character set".to_owned())?;
                if c == ']' && !first {
                    break;
                }
                first = false;
                let lo = if c == '\\' && self.peek() == Some('b') {
                    self.i += 1;
                    '\u{8}'
                } else if c == '\\' {
                    match self.escape()? {
                        Ok(item) => {
                            items.push(item);
                            continue;
                        }
                        Err(ch) => ch,
                    }
                } else {
                    c
                };
                if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&n| n != ']') {
                    self.i += 1;
                    let hi = match self.next()? {
                        '\\' => match self.escape()? {
                            Err(ch) => ch,
                            Ok(_) => return Err("bad character range".to_owned()),
                        },
                        h => h,
                    };
                    if hi < lo {
                        return Err("bad character range".to_owned());
                    }
                    items.push(Item::Range(lo, hi));
                } else {
                    items.push(Item::Range(lo, lo));
                }
            }
            Ok(Node::Class(items, negated))
        }

        /// `{m}`, `{m,}`, `{,n}`, `{m,n}` at the cursor, if it is one.
        fn braces(&mut self) -> Option<(usize, Option<usize>)> {
            let rest: String = self.s[self.i..].iter().collect();
            let body = rest.strip_prefix('{')?;
            let end = body.find('}')?;
            let inner = &body[..end];
            let num = |t: &str| t.parse::<usize>().ok();
            let (min, max) = match inner.split_once(',') {
                None => {
                    let n = num(inner)?;
                    (n, Some(n))
                }
                Some((a, b)) => {
                    let min = if a.is_empty() { 0 } else { num(a)? };
                    let max = if b.is_empty() { None } else { Some(num(b)?) };
                    (min, max)
                }
            };
            self.i += inner.chars().count() + 2;
            Some((min, max))
        }

        fn quantified(&mut self, atom: Node) -> Result<Node, String> {
            let (min, max) = match self.peek() {
                Some('*') => {
                    self.i += 1;
                    (0, None)
                }
                Some('+') => {
                    self.i += 1;
                    (1, None)
                }
                Some('?') => {
                    self.i += 1;
                    (0, Some(1))
                }
                Some('{') => match self.braces() {
                    Some(b) => b,
                    None => return Ok(atom),
                },
                _ => return Ok(atom),
            };
            if max.is_some_and(|m| m < min) {
                return Err("min repeat greater than max repeat".to_owned());
            }
            let greedy = if self.peek() == Some('?') {
                self.i += 1;
                false
            } else {
                true
            };
            if matches!(self.peek(), Some('*' | '+' | '?' | '{')) && self.braces_or_op() {
                return Err("multiple repeat (possessive quantifiers are unsupported)".to_owned());
            }
            Ok(Node::Repeat(Box::new(atom), min, max, greedy))
        }

        fn braces_or_op(&mut self) -> bool {
            match self.peek() {
                Some('{') => {
                    let save = self.i;
                    let is = self.braces().is_some();
                    self.i = save;
                    is
                }
                _ => true,
            }
        }
    }

    struct Matcher<'a> {
        t: &'a [char],
    }

    impl Matcher<'_> {
        fn seq(&self, seq: &[Node], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
            match seq.split_first() {
                None => k(pos),
                Some((first, rest)) => self.node(first, pos, &mut |p| self.seq(rest, p, k)),
            }
        }

        fn node(&self, node: &Node, pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
            let len = self.t.len();
            let cur = self.t.get(pos).copied();
            match node {
                Node::Lit(c) => cur == Some(*c) && k(pos + 1),
                Node::Any => cur.is_some_and(|c| c != '\n') && k(pos + 1),
                Node::Class(items, negated) => {
                    cur.is_some_and(|c| items.iter().any(|i| item_matches(i, c)) != *negated)
                        && k(pos + 1)
                }
                Node::Start => pos == 0 && k(pos),
                Node::End => (pos == len || (pos + 1 == len && cur == Some('\n'))) && k(pos),
                Node::EndAbs => pos == len && k(pos),
                Node::WordBoundary(want) => {
                    let before = pos > 0 && word(self.t[pos - 1]);
                    let after = cur.is_some_and(word);
                    ((before != after) == *want) && k(pos)
                }
                Node::Group(alts) => alts.iter().any(|seq| self.seq(seq, pos, k)),
                Node::Repeat(inner, min, max, greedy) => {
                    self.repeat(inner, *min, *max, *greedy, pos, 0, k)
                }
            }
        }

        #[allow(clippy::too_many_arguments)]
        fn repeat(
            &self,
            inner: &Node,
            min: usize,
            max: Option<usize>,
            greedy: bool,
            pos: usize,
            count: usize,
            k: &mut dyn FnMut(usize) -> bool,
        ) -> bool {
            let more = max.is_none_or(|m| count < m);
            if count < min {
                return more
                    && self.node(inner, pos, &mut |p| {
                        self.repeat(inner, min, max, greedy, p, count + 1, k)
                    });
            }
            if greedy {
                if more
                    && self.node(inner, pos, &mut |p| {
                        p != pos && self.repeat(inner, min, max, greedy, p, count + 1, k)
                    })
                {
                    return true;
                }
                k(pos)
            } else {
                if k(pos) {
                    return true;
                }
                more && self.node(inner, pos, &mut |p| {
                    p != pos && self.repeat(inner, min, max, greedy, p, count + 1, k)
                })
            }
        }
    }

    impl Regex {
        /// Compiles `pattern`, or says which construct is not supported.
        pub(crate) fn new(pattern: &str) -> Result<Regex, String> {
            let mut p = Parser {
                s: pattern.chars().collect(),
                i: 0,
            };
            let alts = p.alts()?;
            if p.i != p.s.len() {
                return Err("unbalanced parenthesis".to_owned());
            }
            Ok(Regex { alts })
        }

        /// Python's `re.search(pattern, text) is not None`.
        pub(crate) fn search(&self, text: &str) -> bool {
            let t: Vec<char> = text.chars().collect();
            let m = Matcher { t: &t };
            let group = Node::Group(self.alts.clone());
            (0..=t.len()).any(|start| m.node(&group, start, &mut |_| true))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/// Python's `urllib.parse.quote(s, safe="")`, or `quote_plus` when `plus`.
pub(crate) fn quote(s: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' if plus => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// run.py's `build_url`: the path under the base, each query key and value URL-encoded
/// (`plus`, `percent`) or the query as written (`raw`).
pub(crate) fn build_url(base: &str, path: &str, encoding: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let mut url = base.trim_end_matches('/').to_owned();
    if !p.is_empty() {
        url.push('/');
        url.push_str(p.trim_start_matches('/'));
    }
    if !q.is_empty() {
        url.push('?');
        if encoding == "raw" {
            url.push_str(q);
        } else {
            let plus = encoding == "plus";
            let parts: Vec<String> = q
                .split('&')
                .map(|item| match item.split_once('=') {
                    Some((k, v)) => format!("{}={}", quote(k, plus), quote(v, plus)),
                    None => quote(item, plus),
                })
                .collect();
            url.push_str(&parts.join("&"));
        }
    }
    url
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A response as run.py sees it.
#[derive(Debug, Clone)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) text: String,
    pub(crate) json: Option<J>,
    pub(crate) json_error: Option<String>,
}

impl Resp {
    fn new(r: &Response<Vec<u8>>) -> Resp {
        let text = String::from_utf8_lossy(r.body()).trim().to_owned();
        let (json, json_error) = if text.is_empty() {
            (None, None)
        } else {
            match J::parse(&text) {
                Ok(j) => (Some(j), None),
                Err(e) => (None, Some(e)),
            }
        };
        Resp {
            status: r.status().as_u16(),
            content_type: r
                .headers()
                .get(CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default(),
            text,
            json,
            json_error,
        }
    }
}

/// A Python dict of headers: case-sensitive keys in insertion order.
type Headers = Vec<(String, String)>;

fn set_header(h: &mut Headers, k: &str, v: String) {
    match h.iter_mut().find(|(kk, _)| kk == k) {
        Some(slot) => slot.1 = v,
        None => h.push((k.to_owned(), v)),
    }
}

/// What urllib puts on the wire for `urllib.request.Request(url, data, headers, method)`.
fn http_request(
    method: &str,
    url: &str,
    headers: &Headers,
    body: Option<&[u8]>,
) -> Result<Request<Vec<u8>>, String> {
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, target) = match after_scheme.find('/') {
        Some(i) => (&after_scheme[..i], &after_scheme[i..]),
        None => (after_scheme, "/"),
    };
    let target = target.split('#').next().unwrap_or("/");
    let method =
        Method::from_bytes(method.as_bytes()).map_err(|e| format!("InvalidMethod: {e}"))?;
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        let name =
            HeaderName::from_bytes(k.as_bytes()).map_err(|e| format!("InvalidHeader: {k}: {e}"))?;
        let value = HeaderValue::from_bytes(v.as_bytes())
            .map_err(|e| format!("InvalidHeader: {k}: {e}"))?;
        map.insert(name, value);
    }
    if let Some(data) = body {
        if !map.contains_key(CONTENT_TYPE) {
            map.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        if !map.contains_key(http::header::CONTENT_LENGTH) {
            map.insert(http::header::CONTENT_LENGTH, HeaderValue::from(data.len()));
        }
    }
    if !map.contains_key(http::header::HOST) {
        let host = HeaderValue::from_str(authority).map_err(|e| format!("InvalidURL: {e}"))?;
        map.insert(http::header::HOST, host);
    }
    if !map.contains_key(http::header::USER_AGENT) {
        map.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static("scim-http entra_replay (port of run.py)"),
        );
    }
    let mut req = Request::builder()
        .method(method)
        .uri(target)
        .body(body.map(<[u8]>::to_vec).unwrap_or_default())
        .map_err(|e| format!("InvalidURL: {e}"))?;
    *req.headers_mut() = map;
    Ok(req)
}

// ---------------------------------------------------------------------------------------------
// Running

/// run.py's `Tracker`: what a scenario created, so it can be deleted at the end.
#[derive(Debug, Default)]
struct Tracker {
    created: Vec<(String, String)>,
    deleted: Vec<(String, String)>,
}

impl Tracker {
    fn note(&mut self, method: &str, path: &str, resp: &Resp) {
        let p = path.split('?').next().unwrap_or("").trim_matches('/');
        let parts: Vec<&str> = p.split('/').collect();
        if !matches!(parts[0], "Users" | "Groups") {
            return;
        }
        if method == "POST"
            && parts.len() == 1
            && resp.status == 201
            && let Some(doc @ J::Obj(_)) = &resp.json
            && let Some(J::Str(id)) = get_key(doc, "id")
        {
            self.created.push((parts[0].to_owned(), id.clone()));
        }
        if method == "DELETE" && parts.len() == 2 && matches!(resp.status, 200 | 204 | 404) {
            self.deleted
                .push((parts[0].to_owned(), parts[1].to_owned()));
        }
    }

    /// Groups first, then users.
    fn leftovers(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .created
            .iter()
            .filter(|c| !self.deleted.contains(c))
            .cloned()
            .collect();
        out.sort_by_key(|c| u8::from(c.0 != "Groups"));
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Fail,
    Blocked,
}

struct StepResult {
    status: Status,
    problems: Vec<String>,
    adv: Vec<String>,
    resp: Option<Resp>,
    /// run.py's `-v` request line.
    log: Option<String>,
}

impl StepResult {
    fn early(status: Status, problem: String) -> Self {
        StepResult {
            status,
            problems: vec![problem],
            adv: Vec::new(),
            resp: None,
            log: None,
        }
    }
}

/// The outcome of one scenario, with run.py's counters and its printed lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScenarioReport {
    pub(crate) name: String,
    /// Counted steps that passed / failed (BLOCKED counts as failed).
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    /// Advisory steps (never counted).
    pub(crate) adv_passed_steps: usize,
    pub(crate) adv_failed_steps: usize,
    /// Advisory checks not met (never counted).
    pub(crate) adv_notes: usize,
    /// Everything run.py would print for this scenario.
    pub(crate) output: String,
    /// The FAIL and BLOCKED reports, one block per failing step.
    pub(crate) failures: Vec<String>,
}

impl ScenarioReport {
    pub(crate) fn counted(&self) -> usize {
        self.passed + self.failed
    }
}

fn report_block(
    tag: &str,
    scen: &str,
    step: &J,
    problems: &[String],
    resp: Option<&Resp>,
    path: &str,
) -> String {
    let mut out = String::new();
    let name = step.get("name").map(py_str).unwrap_or_default();
    let method = step.get("method").map(py_str).unwrap_or_default();
    let _ = writeln!(out, "{tag} [{scen}] {name}  ({method} {path})");
    let src = step.get("source").map(py_str).unwrap_or_default();
    if !src.is_empty() {
        let _ = writeln!(out, "      source: {src}");
    }
    for p in problems {
        let _ = writeln!(out, "      - {p}");
    }
    if let Some(r) = resp
        && tag != "NOTE"
    {
        let body = r.text.replace('\n', " ");
        let body = if body.chars().count() > 300 {
            let mut b: String = body.chars().take(297).collect();
            b.push_str("...");
            b
        } else {
            body
        };
        let shown = if body.is_empty() {
            "<empty body>".to_owned()
        } else {
            body
        };
        let _ = writeln!(out, "      response {}: {shown}", r.status);
    }
    out
}

struct Prepared {
    path: String,
    body: Option<Vec<u8>>,
    headers: Headers,
    asserts: J,
    advis: J,
}

/// Replays scenarios against a transport, like run.py's `Runner`.
#[derive(Debug)]
pub(crate) struct Runner<'t, T> {
    transport: &'t T,
    base: String,
    token: String,
    /// Print every request and passing step (run.py's `-v`); on when `ENTRA_REPLAY_VERBOSE`
    /// is set.
    pub(crate) verbose: bool,
}

impl<'t, T: Transport> Runner<'t, T> {
    pub(crate) fn new(transport: &'t T, base: &str, token: &str) -> Self {
        Runner {
            transport,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            verbose: std::env::var_os("ENTRA_REPLAY_VERBOSE").is_some(),
        }
    }

    fn headers_for(
        &self,
        step: &J,
        vars: &mut Vars,
        has_body: bool,
    ) -> Result<Headers, SubstError> {
        let mut h: Headers = vec![("Accept".to_owned(), DEFAULT_CONTENT_TYPE.to_owned())];
        if has_body {
            set_header(&mut h, "Content-Type", REQUEST_CONTENT_TYPE.to_owned());
        }
        let auth = step.get("auth").map_or_else(|| "valid".to_owned(), py_str);
        let tok = &self.token;
        match auth.as_str() {
            "valid" => set_header(&mut h, "Authorization", format!("Bearer {tok}")),
            "wrong" => {
                let sfx = vars.values.get("sfx").map(py_str).unwrap_or_default();
                set_header(&mut h, "Authorization", format!("Bearer {tok}-wrong-{sfx}"));
            }
            "basic" => set_header(
                &mut h,
                "Authorization",
                format!("Basic {}", base64(format!("admin:{tok}").as_bytes())),
            ),
            "none" => {}
            other => {
                return Err(SubstError::Runner(format!(
                    "unknown auth mode {}",
                    py_repr(&J::Str(other.to_owned()))
                )));
            }
        }
        if let Some(extra) = step.get("headers") {
            for (k, v) in vars.subst(extra)?.entries() {
                match v {
                    J::Null => h.retain(|(kk, _)| kk != k),
                    v => set_header(&mut h, k, py_str(v)),
                }
            }
        }
        Ok(h)
    }

    /// The substituted parts of a step, in run.py's order (so the first missing variable
    /// named is the same).
    fn prepare(&self, step: &J, vars: &mut Vars) -> Result<Prepared, SubstError> {
        let path = py_str(&vars.subst(step.get("path").unwrap_or(&J::Str(String::new())))?);
        let mut body = match step.get("body") {
            Some(b) => Some(dumps(&vars.subst(b)?, true, false).into_bytes()),
            None => None,
        };
        if let Some(raw) = step.get("raw_body") {
            body = Some(py_str(&vars.subst(raw)?).into_bytes());
        }
        let headers = self.headers_for(step, vars, body.is_some())?;
        let asserts = vars.subst(step.get("assert").unwrap_or(&J::Obj(Vec::new())))?;
        let advis = vars.subst(step.get("advisory").unwrap_or(&J::Obj(Vec::new())))?;
        Ok(Prepared {
            path,
            body,
            headers,
            asserts,
            advis,
        })
    }

    async fn run_step(
        &self,
        step: &J,
        vars: &mut Vars,
        tracker: &mut Tracker,
        cleanup: bool,
    ) -> StepResult {
        let prepared = self.prepare(step, vars);
        let Prepared {
            path,
            body,
            headers,
            asserts,
            advis,
        } = match prepared {
            Ok(p) => p,
            Err(SubstError::Blocked(name)) => {
                return StepResult::early(
                    Status::Blocked,
                    format!("variable ${{{name}}} was never captured by an earlier step"),
                );
            }
            Err(SubstError::Runner(e)) => {
                return StepResult::early(Status::Fail, format!("runner error: {e}"));
            }
        };
        let encoding = step
            .get("query_encoding")
            .map_or_else(|| "plus".to_owned(), py_str);
        let url = build_url(&self.base, &path, &encoding);
        let method = step
            .get("method")
            .map(py_str)
            .unwrap_or_default()
            .to_uppercase();
        let t0 = Instant::now();
        let request = match http_request(&method, &url, &headers, body.as_deref()) {
            Ok(r) => r,
            Err(e) => return StepResult::early(Status::Fail, format!("request error: {e}")),
        };
        let resp = Resp::new(&self.transport.send(request).await);
        let elapsed = t0.elapsed();
        tracker.note(&method, &path, &resp);
        if cleanup {
            return StepResult {
                status: Status::Pass,
                problems: Vec::new(),
                adv: Vec::new(),
                resp: Some(resp),
                log: None,
            };
        }

        let mut problems = Vec::new();
        let mut adv = Vec::new();
        let expect_status = step.get("status").cloned().unwrap_or(J::Num(200.into()));
        let allowed: Vec<J> = match &expect_status {
            J::Arr(a) => a.clone(),
            other => vec![other.clone()],
        };
        let got_status = J::Num(resp.status.into());
        let status_ok = allowed.iter().any(|a| deep_equal_num(a, &got_status));
        if !status_ok {
            let want = match allowed.as_slice() {
                [one] => py_str(one),
                many => py_repr(&J::Arr(many.to_vec())),
            };
            problems.push(format!("status: expected {want}, got {}", resp.status));
        }
        if let Some(pref) = step.get("prefer_status")
            && !matches!(pref, J::Null)
            && status_ok
            && !deep_equal_num(pref, &got_status)
        {
            adv.push(format!(
                "status: {} preferred, got {}",
                py_str(pref),
                resp.status
            ));
        }

        // Content-Type of any response that carries a body
        let ct_want = match step.get("content_type") {
            None => Some(DEFAULT_CONTENT_TYPE.to_owned()),
            Some(v) if v.truthy() => Some(py_str(v)),
            Some(_) => None,
        };
        if let Some(want) = ct_want
            && !resp.text.is_empty()
        {
            let mt = resp
                .content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_lowercase();
            if mt != want.to_lowercase() {
                let got = if resp.content_type.is_empty() {
                    "<none>"
                } else {
                    resp.content_type.as_str()
                };
                let msg = format!("Content-Type: expected {want}, got {got}");
                if step.get("content_type_advisory").is_some_and(J::truthy) {
                    adv.push(msg);
                } else {
                    problems.push(msg);
                }
            }
        }

        let capture = step.get("capture").cloned().unwrap_or(J::Obj(Vec::new()));
        let need_json = asserts.truthy() || capture.truthy();
        if need_json && resp.json.is_none() && status_ok {
            problems.push(format!(
                "body: expected JSON, got {}",
                if resp.text.is_empty() {
                    "an empty body".to_owned()
                } else {
                    format!(
                        "unparseable ({})",
                        resp.json_error.clone().unwrap_or_default()
                    )
                }
            ));
        }
        let doc = resp.json.as_ref();
        let look = |p: &str| -> Result<Option<&J>, String> {
            match doc {
                Some(d) => resolve(d, p),
                None => Ok(None),
            }
        };
        if status_ok || problems.is_empty() {
            for (p, exp) in asserts.entries() {
                match look(p) {
                    Ok(got) => {
                        if let Some(why) = check_expectation(got, exp) {
                            problems.push(format!("{p}: {why}"));
                        }
                    }
                    Err(e) => problems.push(format!("{p}: runner error: {e}")),
                }
            }
            for (p, exp) in advis.entries() {
                match look(p) {
                    Ok(got) => {
                        if let Some(why) = check_expectation(got, exp) {
                            adv.push(format!("{p}: {why}"));
                        }
                    }
                    Err(e) => adv.push(format!("{p}: runner error: {e}")),
                }
            }
        }
        for (var, p) in capture.entries() {
            let p = py_str(p);
            match look(&p) {
                Ok(Some(got)) if !matches!(got, J::Null) => {
                    vars.values.insert(var.clone(), got.clone());
                }
                Ok(_) => problems.push(format!("capture {var} <- {p}: nothing there")),
                Err(e) => problems.push(format!("capture {var} <- {p}: runner error: {e}")),
            }
        }
        let log = self.verbose.then(|| {
            format!(
                "    {method} {url} -> {} ({} ms)\n",
                resp.status,
                elapsed.as_millis()
            )
        });
        StepResult {
            status: if problems.is_empty() {
                Status::Pass
            } else {
                Status::Fail
            },
            problems,
            adv,
            resp: Some(resp),
            log,
        }
    }

    /// Runs one scenario (its steps, its cleanup steps, then deletes what it created and did
    /// not delete: groups first).
    pub(crate) async fn run_scenario(&self, scen: &J) -> ScenarioReport {
        let name = scen.get("name").map(py_str).unwrap_or_default();
        let mut rep = ScenarioReport {
            name: name.clone(),
            ..ScenarioReport::default()
        };
        let mut vars = Vars::new(&self.base, &self.token);
        let mut out = String::new();
        if let Some(J::Obj(m)) = scen.get("vars") {
            for (k, v) in m {
                match vars.subst(v) {
                    Ok(x) => {
                        vars.values.insert(k.clone(), x);
                    }
                    Err(e) => {
                        // run.py would stop here; count it as a failed step.
                        rep.failed += 1;
                        let block = format!("FAIL [{name}] scenario vars: {e:?}\n");
                        out.push_str(&block);
                        rep.failures.push(block);
                    }
                }
            }
        }
        let mut tracker = Tracker::default();
        let desc = scen.get("description").map(py_str).unwrap_or_default();
        let header = format!("== {name}: {desc}");
        let _ = writeln!(out, "{}", header.trim_end());
        for step in scen.get("steps").map(J::as_array).unwrap_or_default() {
            let advisory_step = step.get("advisory_step").is_some_and(J::truthy);
            let r = self.run_step(step, &mut vars, &mut tracker, false).await;
            if let Some(line) = &r.log {
                out.push_str(line);
            }
            let shown_path = step.get("path").map(py_str).unwrap_or_default();
            let step_name = step.get("name").map(py_str).unwrap_or_default();
            if r.status == Status::Pass {
                if advisory_step {
                    rep.adv_passed_steps += 1;
                } else {
                    rep.passed += 1;
                }
                if self.verbose {
                    let suffix = if advisory_step {
                        "  (advisory step)"
                    } else {
                        ""
                    };
                    let _ = writeln!(out, "PASS [{name}] {step_name}{suffix}");
                }
            } else {
                let tag = if r.status == Status::Fail {
                    "FAIL"
                } else {
                    "BLOCKED"
                };
                if advisory_step {
                    rep.adv_failed_steps += 1;
                    let problems: Vec<String> = r
                        .problems
                        .iter()
                        .map(|p| format!("advisory step {}: {p}", tag.to_lowercase()))
                        .collect();
                    out.push_str(&report_block(
                        "NOTE",
                        &name,
                        step,
                        &problems,
                        r.resp.as_ref(),
                        &shown_path,
                    ));
                } else {
                    rep.failed += 1;
                    let block =
                        report_block(tag, &name, step, &r.problems, r.resp.as_ref(), &shown_path);
                    out.push_str(&block);
                    rep.failures.push(block);
                }
            }
            if !r.adv.is_empty() {
                rep.adv_notes += r.adv.len();
                let notes: Vec<String> = r.adv.iter().map(|a| format!("advisory: {a}")).collect();
                out.push_str(&report_block(
                    "NOTE",
                    &name,
                    step,
                    &notes,
                    None,
                    &shown_path,
                ));
            }
        }
        for step in scen.get("cleanup").map(J::as_array).unwrap_or_default() {
            let _ = self.run_step(step, &mut vars, &mut tracker, true).await;
        }
        for (coll, rid) in tracker.leftovers() {
            let url = format!("{}/{coll}/{}", self.base, quote(&rid, false));
            let headers: Headers = vec![
                ("Authorization".to_owned(), format!("Bearer {}", self.token)),
                ("Accept".to_owned(), DEFAULT_CONTENT_TYPE.to_owned()),
            ];
            match http_request("DELETE", &url, &headers, None) {
                Ok(req) => {
                    let _ = self.transport.send(req).await;
                }
                Err(e) => {
                    let _ = writeln!(out, "      (cleanup of /{coll}/{rid} failed: {e})");
                }
            }
        }
        let _ = writeln!(
            out,
            "   {} passed, {} failed in this scenario",
            rep.passed, rep.failed
        );
        rep.output = out;
        rep
    }
}

/// `resp.status in allowed` / `resp.status != pref`: numeric equality (a status of `true`
/// would equal 1 in Python; no scenario does that).
fn deep_equal_num(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Bool(x), J::Num(n)) | (J::Num(n), J::Bool(x)) => n.as_u64() == Some(u64::from(*x)),
        _ => deep_equal(a, b),
    }
}

// ---------------------------------------------------------------------------------------------
// The scenario file

/// Reads and parses `scenarios.json`.
pub(crate) fn load_scenarios() -> J {
    let text = std::fs::read_to_string(SCENARIOS_PATH)
        .map_err(|e| format!("cannot read {SCENARIOS_PATH}: {e}"))
        .unwrap();
    J::parse(&text)
        .map_err(|e| format!("{SCENARIOS_PATH} is not valid JSON: {e}"))
        .unwrap()
}

/// The scenarios, in file order.
pub(crate) fn scenarios(doc: &J) -> &[J] {
    doc.get("scenarios").map(J::as_array).unwrap_or_default()
}

pub(crate) fn scenario_name(scen: &J) -> String {
    scen.get("name").map(py_str).unwrap_or_default()
}

/// The steps run.py counts in `N passed, M failed` (all but `advisory_step` ones).
pub(crate) fn counted_steps(scen: &J) -> usize {
    scen.get("steps")
        .map(J::as_array)
        .unwrap_or_default()
        .iter()
        .filter(|s| !s.get("advisory_step").is_some_and(J::truthy))
        .count()
}

/// Replays one scenario against a new server over an empty store, prints run.py's report for
/// it (advisory notes included) and returns the counts.
pub(crate) async fn replay_on_fresh_server(scen: &J) -> ScenarioReport {
    let server = fresh_server();
    let report = Runner::new(&server, BASE, TOKEN).run_scenario(scen).await;
    eprint!("{}", report.output);
    report
}
