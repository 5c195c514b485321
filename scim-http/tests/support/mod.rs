//! The Entra ID conformance replay: `tests/data/entra_scenarios.json` (a verbatim copy of
//! `shared/conformance/entra/scenarios.json`) run in-process through [`ScimServer::handle`], with
//! the semantics of the Python runner beside the original (`run.py`): variables, query encoding,
//! default headers, paths, check operators, counted vs advisory steps, and cleanup.
//!
//! Only what the scenarios use is ported. A scenario that needs more (another step key, auth
//! mode, query encoding, variable filter, operator or `$type` name) panics with a message naming
//! it, rather than being replayed wrongly. Other differences from run.py:
//! - JSON objects are `serde_json` maps, so keys are sorted: request bodies are sent with sorted
//!   keys (the server parses them into the same maps, so it cannot tell), and checks are
//!   reported in path order.
//! - Plain expectations use `serde_json` equality: `1 != true` as in run.py, but also `1 != 1.0`.
//! - `$regex` uses the `regex` crate's syntax (the scenarios use one pattern, `/Users/`).
//! - Non-string values spliced into strings or selectors are written as JSON, not Python `str()`.
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use http::{HeaderMap, HeaderValue, Request, header};
use regex::Regex;
use scim_http::{BearerTokens, InMemoryStore, ScimServer};
use serde_json::{Map, Value};

/// The Secret Token the test servers accept.
pub(crate) const TOKEN: &str = "entra-replay-secret-token";
/// The Tenant URL, also the server's `public_url`.
pub(crate) const BASE: &str = "http://localhost/scim/v2";
const ORIGIN: &str = "http://localhost";
/// `Basic ` + base64(`admin:` + [`TOKEN`]), what run.py sends for `"auth": "basic"`.
const BASIC: &str = "Basic YWRtaW46ZW50cmEtcmVwbGF5LXNlY3JldC10b2tlbg==";
const SCIM: &str = "application/scim+json";
/// The step keys this port understands (run.py also has `raw_body`, and scenario `vars` and
/// `cleanup`, which no scenario uses).
const STEP_KEYS: &[&str] = &[
    "name",
    "source",
    "method",
    "path",
    "status",
    "prefer_status",
    "auth",
    "headers",
    "body",
    "query_encoding",
    "content_type",
    "content_type_advisory",
    "assert",
    "advisory",
    "capture",
    "advisory_step",
];
static VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([A-Za-z0-9_:.-]+)(?:\|([a-z]+))?\}").unwrap());
static SELECTOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*?)\[([^=\]]+)=([^\]]*)\]$").unwrap());

/// The scenarios of the vendored file, in file order.
pub(crate) fn load_scenarios() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/entra_scenarios.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    doc["scenarios"].as_array().cloned().unwrap_or_default()
}

/// The steps run.py counts in `N passed, M failed` (all but the `advisory_step` ones).
pub(crate) fn counted_steps(scen: &Value) -> usize {
    let steps = scen["steps"].as_array().map_or(&[][..], Vec::as_slice);
    steps
        .iter()
        .filter(|s| !is_true(&s["advisory_step"]))
        .count()
}

/// A new server over an empty [`InMemoryStore`], accepting [`TOKEN`], serving [`BASE`].
pub(crate) fn fresh_server() -> ScimServer {
    ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single(TOKEN))
        .public_url(BASE)
        .build()
        .expect("the test ScimServer configuration builds")
}

fn is_true(v: &Value) -> bool {
    v.as_bool().unwrap_or(false)
}

/// Python's `str()` for the values the scenarios hold: a string as is, anything else as JSON.
fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// run.py's variables: `${sfx}`, `${base}`, `${uuid:NAME}` and the captured ones, with the
/// filters `|upper` and `|lower`. `Err(name)` means the step is BLOCKED on `name`.
#[derive(Debug)]
pub(crate) struct Vars(pub(crate) HashMap<String, Value>);

impl Vars {
    pub(crate) fn new() -> Self {
        let sfx = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        Vars(HashMap::from([
            ("sfx".to_owned(), Value::from(sfx)),
            ("base".to_owned(), Value::from(BASE)),
        ]))
    }

    fn var(&mut self, name: &str, filter: Option<&str>) -> Result<Value, String> {
        let value = if name.starts_with("uuid:") {
            let fresh = || Value::from(uuid::Uuid::new_v4().to_string());
            self.0.entry(name.to_owned()).or_insert_with(fresh).clone()
        } else {
            self.0.get(name).cloned().ok_or_else(|| name.to_owned())?
        };
        Ok(match filter {
            None => value,
            Some("upper") => text(&value).to_uppercase().into(),
            Some("lower") => text(&value).to_lowercase().into(),
            Some(f) => panic!("variable filter |{f} is not supported by this port"),
        })
    }

    /// Substitutes `${var}` in strings, keys included; a string that is exactly one variable
    /// keeps the variable's JSON type.
    pub(crate) fn subst(&mut self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => {
                if let Some(c) = VAR.captures(s).filter(|c| c[0].len() == s.len()) {
                    return self.var(&c[1], c.get(2).map(|m| m.as_str()));
                }
                let (mut out, mut last) = (String::new(), 0);
                for c in VAR.captures_iter(s) {
                    let m = c.get(0).unwrap();
                    out.push_str(&s[last..m.start()]);
                    out.push_str(&text(&self.var(&c[1], c.get(2).map(|m| m.as_str()))?));
                    last = m.end();
                }
                Value::String(out + &s[last..])
            }
            Value::Array(a) => a.iter().map(|x| self.subst(x)).collect::<Result<_, _>>()?,
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    out.insert(text(&self.subst(&Value::from(k.as_str()))?), self.subst(x)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

/// The exact key, else a key equal to it ignoring case (RFC 7643 §2.1).
fn get_key<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    let m = node.as_object()?;
    let low = key.to_lowercase();
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.to_lowercase() == low)
            .map(|(_, v)| v)
    })
}

/// run.py's paths: JSON Pointer with case-insensitive keys and `name[key=value]` selectors (the
/// first element whose `key` equals `value` ignoring case). `None` is "absent".
pub(crate) fn resolve<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let rest = path.strip_prefix('/');
    assert!(
        rest.is_some() || path.is_empty(),
        "path must start with '/': {path:?}"
    );
    match rest {
        None | Some("") => Some(doc),
        Some(rest) => rest.split('/').try_fold(doc, |node, raw| {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            if let Some(c) = SELECTOR.captures(&seg) {
                let arr = if c[1].is_empty() {
                    node
                } else {
                    get_key(node, &c[1])?
                };
                let want = c[3].to_lowercase();
                let hit = |el: &&Value| {
                    get_key(el, &c[2]).is_some_and(|g| text(g).to_lowercase() == want)
                };
                arr.as_array()?.iter().find(hit)
            } else if let Some(items) = node.as_array() {
                let i: i64 = seg.parse().ok()?;
                items.get(usize::try_from(if i < 0 { i + items.len() as i64 } else { i }).ok()?)
            } else {
                get_key(node, &seg)
            }
        }),
    }
}

/// A value as run.py's `short()` shows it: JSON (sorted keys), cut at 160 characters.
pub(crate) fn short(v: Option<&Value>) -> String {
    let s = v.map_or_else(|| "<absent>".to_owned(), Value::to_string);
    if s.chars().count() <= 160 {
        s
    } else {
        s.chars().take(157).collect::<String>() + "..."
    }
}

/// `want` is contained in `got`: objects as subsets (keys case-insensitive), the rest equal.
fn subset(want: &Value, got: Option<&Value>) -> bool {
    match want {
        Value::Object(m) => {
            got.is_some_and(|g| g.is_object() && m.iter().all(|(k, w)| subset(w, get_key(g, k))))
        }
        _ => got == Some(want),
    }
}

/// run.py's `check_expectation`, for the operators the scenarios use: `None` when `got`
/// satisfies `exp`, else the reason.
pub(crate) fn check_expectation(got: Option<&Value>, exp: &Value) -> Option<String> {
    let g = short(got);
    let ops = exp
        .as_object()
        .filter(|m| !m.is_empty() && m.keys().all(|k| k.starts_with('$')));
    let Some(ops) = ops else {
        return (got != Some(exp)).then(|| format!("expected {}, got {g}", short(Some(exp))));
    };
    if got.is_none() && ops.get("$optional").is_some_and(is_true) {
        return None;
    }
    let contains = |list: &[Value], w: &Value| list.iter().any(|el| subset(w, Some(el)));
    for (op, arg) in ops {
        let a = short(Some(arg));
        let why = match op.as_str() {
            "$optional" => None,
            "$absent" => (got.is_none() != is_true(arg)).then(|| {
                format!(
                    "expected {}, got {g}",
                    if is_true(arg) { "absent" } else { "present" }
                )
            }),
            "$empty" => {
                let empty = got.is_none_or(|v| match v {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Array(x) => x.is_empty(),
                    Value::Object(x) => x.is_empty(),
                    _ => false,
                });
                let want = if is_true(arg) {
                    "empty/absent"
                } else {
                    "non-empty"
                };
                (empty != is_true(arg)).then(|| format!("expected {want}, got {g}"))
            }
            "$in" => (!arg
                .as_array()
                .is_some_and(|l| got.is_some_and(|v| l.contains(v))))
            .then(|| format!("expected one of {a}, got {g}")),
            "$type" => {
                let names = arg.as_array().cloned().unwrap_or_else(|| vec![arg.clone()]);
                let ok = |n: &Value| match (n.as_str(), got) {
                    (_, None) => false,
                    (Some("string"), Some(v)) => v.is_string(),
                    (Some("integer"), Some(v)) => v.is_i64() || v.is_u64(),
                    (n, _) => panic!("$type {n:?} is not supported by this port"),
                };
                (!names.iter().any(ok)).then(|| format!("expected type {arg}, got {g}"))
            }
            "$len" => match got.and_then(|v| match v {
                Value::Array(x) => Some(x.len()),
                Value::Object(x) => Some(x.len()),
                Value::String(s) => Some(s.chars().count()),
                _ => None,
            }) {
                None => Some(format!("expected a list for $len {a}, got {g}")),
                Some(n) => (arg.as_u64() != Some(n as u64))
                    .then(|| format!("expected length == {a}, got {n}: {g}")),
            },
            "$gte" => match (got.and_then(Value::as_f64), arg.as_f64()) {
                (Some(n), Some(min)) if got.is_some_and(|v| !v.is_boolean()) => {
                    (n < min).then(|| format!("expected gte {a}, got {g}"))
                }
                _ => Some(format!("expected a number ($gte {a}), got {g}")),
            },
            "$contains" | "$not_contains" => {
                let hit = match got {
                    Some(Value::String(s)) => arg.as_str().is_some_and(|w| s.contains(w)),
                    Some(Value::Array(l)) => contains(l, arg),
                    _ if op == "$contains" => {
                        return Some(format!("expected a list/string containing {a}, got {g}"));
                    }
                    _ => false,
                };
                match (op == "$contains", hit) {
                    (true, false) => Some(format!("expected to contain {a}, got {g}")),
                    (false, true) => Some(format!("expected NOT to contain {a}, got {g}")),
                    _ => None,
                }
            }
            "$contains_all" => match got.and_then(Value::as_array) {
                None => Some(format!("expected a list containing {a}, got {g}")),
                Some(l) => arg
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|w| !contains(l, w))
                    .map(|w| format!("expected to contain {}, got {g}", short(Some(w)))),
            },
            "$regex" => {
                let re = Regex::new(arg.as_str().unwrap_or_default()).unwrap();
                (!got.and_then(Value::as_str).is_some_and(|s| re.is_match(s)))
                    .then(|| format!("expected to match /{}/, got {g}", text(arg)))
            }
            other => panic!("operator {other} is not supported by this port (see run.py)"),
        };
        if why.is_some() {
            return why;
        }
    }
    None
}

/// run.py's `build_url`, as the request target: the path under [`BASE`], each query key and
/// value URL-encoded with spaces as `+` (`plus`, the default, as Entra does) or `%20` (`percent`).
pub(crate) fn target(path: &str, encoding: &str) -> String {
    let plus = match encoding {
        "plus" => true,
        "percent" => false,
        other => panic!("query_encoding {other:?} is not supported by this port"),
    };
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let mut url = BASE[ORIGIN.len()..].to_owned();
    if !p.is_empty() {
        url = url + "/" + p.trim_start_matches('/');
    }
    if !q.is_empty() {
        let quoted = q.split('&').map(|item| match item.split_once('=') {
            Some((k, v)) => format!("{}={}", quote(k, plus), quote(v, plus)),
            None => quote(item, plus),
        });
        url = url + "?" + &quoted.collect::<Vec<_>>().join("&");
    }
    url
}

/// Python's `urllib.parse.quote(s, safe="")`, or `quote_plus` when `plus`.
fn quote(s: &str, plus: bool) -> String {
    s.bytes().fold(String::new(), |mut out, b| {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' if plus => out.push('+'),
            _ => write!(out, "%{b:02X}").unwrap(),
        }
        out
    })
}

/// The headers every request carries: `Host`, `Accept`, and `Authorization` when given.
fn base_headers(authorization: Option<String>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::HOST, HeaderValue::from_static("localhost"));
    h.insert(header::ACCEPT, HeaderValue::from_static(SCIM));
    if let Some(a) = authorization {
        h.insert(header::AUTHORIZATION, a.parse().unwrap());
    }
    h
}

fn request(method: &str, target: &str, headers: HeaderMap, body: Vec<u8>) -> Request<Vec<u8>> {
    let mut req = Request::builder()
        .method(method)
        .uri(target)
        .body(body)
        .unwrap();
    *req.headers_mut() = headers;
    req
}

/// A `GET` with the valid token: (status, JSON body or `null`).
pub(crate) async fn get(server: &ScimServer, path: &str) -> (u16, Value) {
    let auth = Some(format!("Bearer {TOKEN}"));
    let req = request("GET", &target(path, "plus"), base_headers(auth), Vec::new());
    let resp = server.handle(req).await;
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body()).unwrap_or(Value::Null),
    )
}

/// A response as run.py sees it.
#[derive(Debug)]
struct Resp {
    status: u16,
    content_type: String,
    text: String,
    json: Option<Value>,
}

/// What a scenario created with `POST` and deleted, so the rest can be deleted at its end.
#[derive(Debug, Default)]
struct Tracker {
    created: Vec<(String, String)>,
    deleted: Vec<(String, String)>,
}

impl Tracker {
    fn note(&mut self, method: &str, path: &str, resp: &Resp) {
        let parts: Vec<&str> = path
            .split('?')
            .next()
            .unwrap_or("")
            .trim_matches('/')
            .split('/')
            .collect();
        if !matches!(parts[0], "Users" | "Groups") {
            return;
        }
        let id = resp
            .json
            .as_ref()
            .and_then(|d| get_key(d, "id"))
            .and_then(Value::as_str);
        if let (Some(id), "POST", 1, 201) = (id, method, parts.len(), resp.status) {
            self.created.push((parts[0].to_owned(), id.to_owned()));
        }
        if method == "DELETE" && parts.len() == 2 && matches!(resp.status, 200 | 204 | 404) {
            self.deleted
                .push((parts[0].to_owned(), parts[1].to_owned()));
        }
    }
}

/// The outcome of one scenario: run.py's counters, and the report of each failing step.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) name: String,
    /// Counted steps (BLOCKED counts as failed).
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    /// Advisory steps, and advisory checks not met: never counted.
    pub(crate) adv_passed_steps: usize,
    pub(crate) adv_failed_steps: usize,
    pub(crate) adv_notes: usize,
    /// One block per failing step: scenario, step, source, unmet checks, start of the response.
    pub(crate) failures: Vec<String>,
}

#[derive(Debug, Default)]
struct Outcome {
    blocked: bool,
    problems: Vec<String>,
    adv: Vec<String>,
    resp: Option<Resp>,
}

/// A step's report, as run.py prints it.
fn block(tag: &str, scen: &str, step: &Value, problems: &[String], resp: Option<&Resp>) -> String {
    let (name, method, path) = (
        text(&step["name"]),
        text(&step["method"]),
        text(&step["path"]),
    );
    let mut out = format!("{tag} [{scen}] {name}  ({method} {path})\n");
    if let Some(src) = step["source"].as_str().filter(|s| !s.is_empty()) {
        writeln!(out, "      source: {src}").unwrap();
    }
    for p in problems {
        writeln!(out, "      - {p}").unwrap();
    }
    if let Some(r) = resp.filter(|_| tag != "NOTE") {
        let body = r.text.replace('\n', " ");
        let body = match body.chars().count() {
            0 => "<empty body>".to_owned(),
            ..=300 => body,
            _ => body.chars().take(297).collect::<String>() + "...",
        };
        writeln!(out, "      response {}: {body}", r.status).unwrap();
    }
    out
}

async fn run_step(
    server: &ScimServer,
    step: &Value,
    vars: &mut Vars,
    tracker: &mut Tracker,
) -> Outcome {
    let prepared = (|| -> Result<_, String> {
        let path = text(&vars.subst(&step["path"])?);
        let body = match step.get("body") {
            Some(b) => Some(serde_json::to_vec(&vars.subst(b)?).unwrap()),
            None => None,
        };
        let auth = match step["auth"].as_str().unwrap_or("valid") {
            "valid" => Some(format!("Bearer {TOKEN}")),
            "wrong" => Some(format!("Bearer {TOKEN}-wrong-{}", text(&vars.0["sfx"]))),
            "basic" => Some(BASIC.to_owned()),
            "none" => None,
            other => panic!("auth mode {other:?} is not supported by this port"),
        };
        let mut headers = base_headers(auth);
        if let Some(b) = &body {
            let ct = HeaderValue::from_static("application/scim+json; charset=utf-8");
            headers.insert(header::CONTENT_TYPE, ct);
            headers.insert(header::CONTENT_LENGTH, b.len().into());
        }
        for (k, v) in vars
            .subst(&step["headers"])?
            .as_object()
            .into_iter()
            .flatten()
        {
            let k: header::HeaderName = k.parse().unwrap();
            match v {
                Value::Null => drop(headers.remove(k)),
                v => drop(headers.insert(k, text(v).parse().unwrap())),
            }
        }
        Ok((
            path,
            body,
            headers,
            vars.subst(&step["assert"])?,
            vars.subst(&step["advisory"])?,
        ))
    })();
    let (path, body, headers, asserts, advis) = match prepared {
        Ok(p) => p,
        Err(var) => {
            let why = format!("variable ${{{var}}} was never captured by an earlier step");
            return Outcome {
                blocked: true,
                problems: vec![why],
                ..Outcome::default()
            };
        }
    };
    let method = text(&step["method"]).to_uppercase();
    let url = target(&path, step["query_encoding"].as_str().unwrap_or("plus"));
    let r = server
        .handle(request(&method, &url, headers, body.unwrap_or_default()))
        .await;
    let text_ = String::from_utf8_lossy(r.body()).trim().to_owned();
    let resp = Resp {
        status: r.status().as_u16(),
        content_type: r
            .headers()
            .get(header::CONTENT_TYPE)
            .map_or("", |v| v.to_str().unwrap_or("?"))
            .to_owned(),
        json: serde_json::from_str(&text_).ok(),
        text: text_,
    };
    tracker.note(&method, &path, &resp);

    let (mut problems, mut adv) = (Vec::new(), Vec::new());
    let allowed: Vec<u64> = match &step["status"] {
        Value::Null => vec![200],
        Value::Array(a) => a.iter().filter_map(Value::as_u64).collect(),
        v => v.as_u64().into_iter().collect(),
    };
    let status_ok = allowed.contains(&u64::from(resp.status));
    if !status_ok {
        let want = if allowed.len() == 1 {
            allowed[0].to_string()
        } else {
            format!("{allowed:?}")
        };
        problems.push(format!("status: expected {want}, got {}", resp.status));
    }
    if let Some(pref) = step["prefer_status"]
        .as_u64()
        .filter(|p| status_ok && *p != u64::from(resp.status))
    {
        adv.push(format!("status: {pref} preferred, got {}", resp.status));
    }
    // Content-Type of any response that carries a body
    let ct_want = step
        .get("content_type")
        .map_or(Some(SCIM), |v| v.as_str().filter(|s| !s.is_empty()));
    let media_type = resp
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase();
    if let Some(want) = ct_want.filter(|w| !resp.text.is_empty() && media_type != w.to_lowercase())
    {
        let got = if resp.content_type.is_empty() {
            "<none>"
        } else {
            &resp.content_type
        };
        let msg = format!("Content-Type: expected {want}, got {got}");
        if is_true(&step["content_type_advisory"]) {
            adv.push(msg)
        } else {
            problems.push(msg)
        }
    }
    let non_empty = |v: &Value| v.as_object().is_some_and(|m| !m.is_empty());
    if (non_empty(&asserts) || non_empty(&step["capture"])) && resp.json.is_none() && status_ok {
        problems.push(match serde_json::from_str::<Value>(&resp.text) {
            Err(e) if !resp.text.is_empty() => {
                format!("body: expected JSON, got unparseable ({e})")
            }
            _ => "body: expected JSON, got an empty body".to_owned(),
        });
    }
    let look = |p: &str| resp.json.as_ref().and_then(|d| resolve(d, p));
    if status_ok || problems.is_empty() {
        for (out, checks) in [(&mut problems, &asserts), (&mut adv, &advis)] {
            for (p, exp) in checks.as_object().into_iter().flatten() {
                out.extend(check_expectation(look(p), exp).map(|why| format!("{p}: {why}")));
            }
        }
    }
    for (var, p) in step["capture"].as_object().into_iter().flatten() {
        match look(&text(p)).filter(|v| !v.is_null()) {
            Some(v) => drop(vars.0.insert(var.clone(), v.clone())),
            None => problems.push(format!("capture {var} <- {}: nothing there", text(p))),
        }
    }
    Outcome {
        blocked: false,
        problems,
        adv,
        resp: Some(resp),
    }
}

/// Replays one scenario on `server` as run.py does (printing its report lines to stderr), then
/// deletes what the scenario created and did not delete: groups first, then users.
pub(crate) async fn replay(server: &ScimServer, scen: &Value) -> Report {
    let name = text(&scen["name"]);
    let (mut vars, mut tracker) = (Vars::new(), Tracker::default());
    let mut rep = Report {
        name: name.clone(),
        ..Report::default()
    };
    if let Some(k) = scen.as_object().and_then(|m| {
        m.keys()
            .find(|k| !["name", "description", "steps"].contains(&k.as_str()))
    }) {
        panic!("[{name}] scenario key {k:?} is not supported by this port");
    }
    eprintln!(
        "{}",
        format!("== {name}: {}", text(&scen["description"])).trim_end()
    );
    for step in scen["steps"].as_array().into_iter().flatten() {
        if let Some(k) = step
            .as_object()
            .and_then(|m| m.keys().find(|k| !STEP_KEYS.contains(&k.as_str())))
        {
            panic!("[{name}] step key {k:?} is not supported by this port");
        }
        let o = run_step(server, step, &mut vars, &mut tracker).await;
        let tag = if o.blocked { "BLOCKED" } else { "FAIL" };
        match (o.problems.is_empty(), is_true(&step["advisory_step"])) {
            (true, true) => rep.adv_passed_steps += 1,
            (true, false) => rep.passed += 1,
            (false, true) => {
                rep.adv_failed_steps += 1;
                let tag = tag.to_lowercase();
                let notes: Vec<_> = o
                    .problems
                    .iter()
                    .map(|p| format!("advisory step {tag}: {p}"))
                    .collect();
                eprint!("{}", block("NOTE", &name, step, &notes, None));
            }
            (false, false) => {
                rep.failed += 1;
                rep.failures
                    .push(block(tag, &name, step, &o.problems, o.resp.as_ref()));
                eprint!("{}", rep.failures[rep.failures.len() - 1]);
            }
        }
        if !o.adv.is_empty() {
            rep.adv_notes += o.adv.len();
            let notes: Vec<_> = o.adv.iter().map(|a| format!("advisory: {a}")).collect();
            eprint!("{}", block("NOTE", &name, step, &notes, None));
        }
    }
    let mut left: Vec<_> = tracker
        .created
        .iter()
        .filter(|c| !tracker.deleted.contains(c))
        .collect();
    left.sort_by_key(|(coll, _)| coll != "Groups");
    for (coll, id) in left {
        let url = format!("{}/{coll}/{}", &BASE[ORIGIN.len()..], quote(id, false));
        let req = request(
            "DELETE",
            &url,
            base_headers(Some(format!("Bearer {TOKEN}"))),
            Vec::new(),
        );
        server.handle(req).await;
    }
    eprintln!(
        "   {} passed, {} failed in this scenario",
        rep.passed, rep.failed
    );
    rep
}
