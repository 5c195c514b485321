//! The Entra ID replay: `tests/data/entra_scenarios.json` run through [`ScimServer::handle`] with
//! the semantics of `shared/conformance/entra/run.py`, as far as the scenarios use them (what they
//! do not use panics, naming it). Unlike run.py, objects have sorted keys (the server parses bodies
//! into such maps anyway), plain expectations use `serde_json` equality (`1 != true`, but also
//! `1 != 1.0`), `$regex` is the `regex` crate's syntax, and checks read `expected <op> <arg>, …`.
use std::collections::HashMap;
use std::sync::LazyLock;

use http::{Request, header};
use regex::{Captures, Regex};
use scim_http::{BearerTokens, InMemoryStore, ScimServer};
use serde_json::{Map, Value, json};

/// The Secret Token the test servers accept, and their Tenant URL (`${base}`, `public_url`).
pub(crate) const TOKEN: &str = "entra-replay-secret-token";
pub(crate) const BASE: &str = "http://localhost/scim/v2";
pub(crate) const PATH: &str = "/scim/v2";
/// `Basic ` + base64(`admin:` + [`TOKEN`]), what run.py sends for `"auth": "basic"`.
const BASIC: &str = "Basic YWRtaW46ZW50cmEtcmVwbGF5LXNlY3JldC10b2tlbg==";
const SCIM: &str = "application/scim+json";
const SCIM_UTF8: &str = "application/scim+json; charset=utf-8";
/// All of run.py's step keys but `raw_body` (unused, as are the scenario keys `vars`, `cleanup`).
const STEP_KEYS: &str = "name source method path auth query_encoding headers body status \
    prefer_status content_type content_type_advisory assert advisory capture advisory_step";
static VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([A-Za-z0-9_:.-]+)(?:\|([a-z]+))?\}").unwrap());
static SELECTOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*?)\[([^=\]]+)=([^\]]*)\]$").unwrap());

/// The scenarios of the vendored file, in file order.
pub(crate) fn load_scenarios() -> Vec<Value> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{dir}/tests/data/entra_scenarios.json"));
    let mut doc: Value = serde_json::from_str(&text.unwrap()).unwrap();
    serde_json::from_value(doc["scenarios"].take()).unwrap()
}

/// A new server over an empty [`InMemoryStore`], accepting [`TOKEN`], serving [`BASE`].
pub(crate) fn fresh_server() -> ScimServer {
    let server = ScimServer::builder().store(InMemoryStore::new());
    let server = server.authenticator(BearerTokens::single(TOKEN));
    server.public_url(BASE).build().unwrap()
}

/// Python's `str()` for the values the scenarios hold: a string as is, anything else as JSON.
fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// run.py's variables: `${sfx}`, `${base}`, `${uuid:NAME}` (fixed per scenario), captured ones.
pub(crate) type Vars = HashMap<String, Value>;
pub(crate) fn new_vars() -> Vars {
    let sfx = &uuid::Uuid::new_v4().simple().to_string()[..8];
    HashMap::from([("sfx".into(), sfx.into()), ("base".into(), BASE.into())])
}

/// `${name}` or `${name|upper}` (the one filter used); `Err(name)` when no step captured it.
fn var(vars: &mut Vars, c: &Captures<'_>) -> Result<Value, String> {
    if c[1].starts_with("uuid:") {
        let fresh = || uuid::Uuid::new_v4().to_string().into();
        vars.entry(c[1].to_owned()).or_insert_with(fresh);
    }
    let value = vars.get(&c[1]).ok_or_else(|| c[1].to_owned())?;
    Ok(match c.get(2).map(|f| f.as_str()) {
        None => value.clone(),
        Some("upper") => text(value).to_uppercase().into(),
        Some(f) => panic!("variable filter |{f} is not supported by this port"),
    })
}

/// Substitutes the variables in strings, keys included; a string that is exactly one variable
/// keeps the variable's JSON type. `Err(name)`: the step is BLOCKED on `name`.
pub(crate) fn subst(vars: &mut Vars, v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => {
            let (mut out, mut last) = (String::new(), 0);
            for c in VAR.captures_iter(s) {
                let (m, value) = (c.get(0).unwrap(), var(vars, &c)?);
                if m.len() == s.len() {
                    return Ok(value);
                }
                out = out + &s[last..m.start()] + &text(&value);
                last = m.end();
            }
            (out + &s[last..]).into()
        }
        Value::Array(a) => a.iter().map(|x| subst(vars, x)).collect::<Result<_, _>>()?,
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(text(&subst(vars, &k.as_str().into())?), subst(vars, x)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// The exact key, else a key equal to it ignoring case (RFC 7643 §2.1).
fn get_key<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    let (m, low) = (node.as_object()?, key.to_lowercase());
    let any_case = || m.iter().find(|(k, _)| k.to_lowercase() == low);
    m.get(key).or_else(|| any_case().map(|(_, v)| v))
}

/// run.py's paths: `/`-separated keys (matched ignoring case as a fallback) and array indexes,
/// and `name[key=value]`, the first element of `name` whose `key` equals `value` ignoring case.
pub(crate) fn resolve<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    assert!(path.starts_with('/'), "path {path:?} must start with '/'");
    let mut segments = path.split('/').skip(1);
    segments.try_fold(doc, |node, seg| match SELECTOR.captures(seg) {
        Some(c) => {
            let w = c[3].to_lowercase();
            let hit = |e: &&Value| get_key(e, &c[2]).is_some_and(|g| text(g).to_lowercase() == w);
            get_key(node, &c[1])?.as_array()?.iter().find(hit)
        }
        None if node.is_array() => node.get(seg.parse::<usize>().ok()?),
        None => get_key(node, seg),
    })
}

/// A value as JSON (keys sorted), or `<absent>`; run.py also cuts it at 160 characters.
fn short(v: Option<&Value>) -> String {
    v.map_or("<absent>".to_owned(), Value::to_string)
}

/// `want` is in `got`: objects as subsets (keys case-insensitive), anything else equal.
fn subset(want: &Value, got: Option<&Value>) -> bool {
    let Some(m) = want.as_object() else {
        return got == Some(want);
    };
    got.is_some_and(|g| g.is_object() && m.iter().all(|(k, w)| subset(w, get_key(g, k))))
}

/// run.py's `check_expectation`, for the operators the scenarios use: `None` when `got`
/// satisfies `exp` (a plain value, or an object of operators, ANDed), else the reason.
pub(crate) fn check_expectation(got: Option<&Value>, exp: &Value) -> Option<String> {
    let g = short(got);
    let is_ops = |m: &&Map<_, _>| !m.is_empty() && m.keys().all(|k| k.starts_with('$'));
    let Some(ops) = exp.as_object().filter(is_ops) else {
        let why = format!("expected {}, got {g}", short(Some(exp)));
        return (got != Some(exp)).then_some(why);
    };
    if got.is_none() && ops.get("$optional") == Some(&json!(true)) {
        return None;
    }
    let (list, string) = (got.and_then(Value::as_array), got.and_then(Value::as_str));
    let has = |w: &Value| list.is_some_and(|l| l.iter().any(|el| subset(w, Some(el))));
    let number = got.filter(|v| v.is_number()).and_then(Value::as_f64);
    let empty = [json!(null), json!(""), json!([]), json!({})];
    for (op, arg) in ops {
        let t = arg == &json!(true);
        let ok = match op.as_str() {
            "$optional" => true,
            "$absent" => got.is_none() == t,
            "$empty" => got.is_none_or(|v| empty.contains(v)) == t,
            "$in" => got.is_some_and(|v| arg.as_array().is_some_and(|l| l.contains(v))),
            "$len" => list.is_some_and(|l| arg.as_u64() == Some(l.len() as u64)),
            "$gte" => number.zip(arg.as_f64()).is_some_and(|(n, min)| n >= min),
            "$contains" => has(arg),
            "$not_contains" => !has(arg),
            "$contains_all" => list.is_some() && arg.as_array().is_some_and(|l| l.iter().all(has)),
            "$regex" => string.is_some_and(|s| Regex::new(&text(arg)).unwrap().is_match(s)),
            "$type" => match arg.as_str() {
                Some("string") => string.is_some(),
                Some("integer") => got.is_some_and(|v| v.is_i64() || v.is_u64()),
                _ => panic!("$type {arg} is not supported by this port"),
            },
            _ => panic!("operator {op} is not supported by this port (see run.py)"),
        };
        if !ok {
            return Some(format!("expected {op} {}, got {g}", short(Some(arg))));
        }
    }
    None
}

/// run.py's `build_url`, as the request target: the path under [`PATH`], each query key and
/// value URL-encoded with spaces as `+` (by default, as Entra does) or `%20` (`percent`).
pub(crate) fn target(path: &str, encoding: Option<&str>) -> String {
    let plus = match encoding {
        None => true,
        Some("percent") => false,
        Some(other) => panic!("query_encoding {other:?} is not supported by this port"),
    };
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let mut url = format!("{PATH}/{}", p.trim_start_matches('/'));
    for (i, item) in q.split('&').filter(|_| !q.is_empty()).enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        let quoted: Vec<_> = item.splitn(2, '=').map(|s| quote(s, plus)).collect();
        url += &quoted.join("=");
    }
    url
}

/// Python's `urllib.parse.quote(s, safe="")`, or `quote_plus` when `plus`.
fn quote(s: &str, plus: bool) -> String {
    let quote = |b: u8| match b {
        b' ' if plus => "+".to_owned(),
        b if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) => char::from(b).to_string(),
        b => format!("%{b:02X}"),
    };
    s.bytes().map(quote).collect()
}

/// A request with run.py's headers (`Accept`, `Authorization` with the valid token, and
/// `Content-Type` when there is a body), then the `extra` ones (`null` removes one).
fn request(method: &str, url: &str, body: Option<Value>, extra: Headers) -> Request<Vec<u8>> {
    let (auth, ct) = (format!("Bearer {TOKEN}"), body.as_ref().map(|_| SCIM_UTF8));
    let h = json!({"Host": "localhost", "Accept": SCIM, "Authorization": auth, "Content-Type": ct});
    let mut h = h.as_object().unwrap().clone();
    h.extend(extra);
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in h.iter().filter(|(_, v)| !v.is_null()) {
        req = req.header(k, text(v));
    }
    let body = body.map_or_else(Vec::new, |b| b.to_string().into_bytes());
    req.body(body).unwrap()
}

type Headers = Map<String, Value>;

/// A step's request, with the variables substituted, and its checks and advisory checks.
fn prepare(step: &Value, vars: &mut Vars) -> Result<(Request<Vec<u8>>, Value, Value), String> {
    let path = text(&subst(vars, &step["path"])?);
    let body = step.get("body").map(|b| subst(vars, b)).transpose()?;
    let headers = subst(vars, &step["headers"])?;
    let checks = subst(vars, &step["assert"])?;
    let advisory = subst(vars, &step["advisory"])?;
    let auth = match step["auth"].as_str().unwrap_or("valid") {
        "valid" => format!("Bearer {TOKEN}").into(),
        "wrong" => format!("Bearer {TOKEN}-wrong-{}", text(&vars["sfx"])).into(),
        "basic" => BASIC.into(),
        "none" => Value::Null,
        other => panic!("auth mode {other:?} is not supported by this port"),
    };
    let mut extra = Map::from_iter([("Authorization".to_owned(), auth)]);
    extra.extend(headers.as_object().cloned().unwrap_or_default());
    let url = target(&path, step["query_encoding"].as_str());
    let method = text(&step["method"]).to_uppercase();
    Ok((request(&method, &url, body, extra), checks, advisory))
}

/// (collection, id) of what a scenario created with `POST` and has not deleted.
type Made = Vec<(String, String)>;

/// (problems, advisory problems, the response line of a report: none when BLOCKED).
type Outcome = (Vec<String>, Vec<String>, Option<String>);

async fn run_step(server: &ScimServer, step: &Value, vars: &mut Vars, made: &mut Made) -> Outcome {
    let (req, checks, advisory) = match prepare(step, vars) {
        Ok(p) => p,
        Err(var) => {
            let why = format!("variable ${{{var}}} was never captured by an earlier step");
            return (vec![why], vec![], None);
        }
    };
    let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
    let r = server.handle(req).await;
    let (status, ct) = (r.status().as_u16(), r.headers().get(header::CONTENT_TYPE));
    let ct = ct.map_or("", |v| v.to_str().unwrap());
    let body = String::from_utf8_lossy(r.body()).trim().to_owned();
    let doc = serde_json::from_str::<Value>(&body);
    let look = |p: &str| doc.as_ref().ok().and_then(|d| resolve(d, p));
    let parts: Vec<&str> = path[PATH.len()..].trim_matches('/').split('/').collect();
    let id = look("/id").and_then(Value::as_str);
    match (method.as_str(), &parts[..], status, id) {
        ("POST", [c @ ("Users" | "Groups")], 201, Some(id)) => made.push(((*c).into(), id.into())),
        ("DELETE", [c @ ("Users" | "Groups"), id], 200 | 204 | 404, _) => {
            made.retain(|(cc, ii)| (cc.as_str(), ii.as_str()) != (*c, *id));
        }
        _ => {}
    }
    let (mut problems, mut adv) = (Vec::new(), Vec::new());
    let want = step.get("status").unwrap_or(&json!(200)).clone();
    let status_ok = want == status || want.as_array().is_some_and(|l| l.contains(&status.into()));
    if !status_ok {
        problems.push(format!("status: expected {want}, got {status}"));
    }
    let pref = step["prefer_status"].as_u64();
    if let Some(pref) = pref.filter(|p| status_ok && *p != u64::from(status)) {
        adv.push(format!("status: {pref} preferred, got {status}"));
    }
    // the media type of any response that carries a body (`"content_type": null` skips this)
    let media_type = ct.split(';').next().unwrap().trim().to_lowercase();
    let mismatch = |w: &&str| !body.is_empty() && media_type != w.to_lowercase();
    let ct_want = step.get("content_type").map_or(Some(SCIM), Value::as_str);
    if let Some(want) = ct_want.filter(mismatch) {
        let msg = format!("Content-Type: expected {want}, got {ct:?}");
        [&mut problems, &mut adv][usize::from(step["content_type_advisory"] == true)].push(msg);
    }
    let non_empty = |v: &Value| v.as_object().is_some_and(|m| !m.is_empty());
    let need_json = non_empty(&checks) || non_empty(&step["capture"]);
    if let (Err(e), true) = (&doc, need_json && status_ok) {
        problems.push(format!("body: expected JSON, got {body:?} ({e})"));
    }
    if status_ok || problems.is_empty() {
        for (out, checks) in [(&mut problems, &checks), (&mut adv, &advisory)] {
            for (p, exp) in checks.as_object().into_iter().flatten() {
                out.extend(check_expectation(look(p), exp).map(|why| format!("{p}: {why}")));
            }
        }
    }
    for (var, p) in step["capture"].as_object().into_iter().flatten() {
        match look(&text(p)).filter(|v| !v.is_null()) {
            Some(v) => _ = vars.insert(var.clone(), v.clone()),
            None => problems.push(format!("capture {var} <- {p}: nothing there")),
        }
    }
    let shown: String = body.replace('\n', " ").chars().take(300).collect();
    let response = format!("\n      response {status}: {shown}");
    (problems, adv, Some(response))
}

/// run.py's counters (BLOCKED counts as failed; advisory ones never count), failing steps' reports.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) adv_passed_steps: usize,
    pub(crate) adv_failed_steps: usize,
    pub(crate) adv_notes: usize,
    pub(crate) failures: Vec<String>,
}

fn lines(pre: &str, l: &[String]) -> String {
    l.iter().map(|p| format!("\n      - {pre}{p}")).collect()
}

/// Replays one scenario on `server` as run.py does (printing its report lines to stderr), then
/// deletes what the scenario created and did not delete: groups first, then users.
pub(crate) async fn replay(server: &ScimServer, scen: &Value) -> Report {
    let (name, mut vars, mut made) = (text(&scen["name"]), new_vars(), Made::new());
    let mut rep = Report::default();
    eprintln!("== {name}: {}", text(&scen["description"]));
    for step in scen["steps"].as_array().unwrap() {
        let known = |k: &&String| STEP_KEYS.split_whitespace().any(|s| s == *k);
        let keys = step.as_object().unwrap().keys();
        let unknown: Vec<_> = keys.filter(|k| !known(k)).collect();
        assert!(unknown.is_empty(), "unported step keys {unknown:?}");
        let (problems, adv, response) = run_step(server, step, &mut vars, &mut made).await;
        let [n, m, p, s] = ["name", "method", "path", "source"].map(|k| text(&step[k]));
        let head = format!("[{name}] {n}  ({m} {p})\n      source: {s}");
        let tag = response.as_ref().map_or("BLOCKED", |_| "FAIL");
        match (problems.is_empty(), step["advisory_step"] == true) {
            (true, true) => rep.adv_passed_steps += 1,
            (true, false) => rep.passed += 1,
            (false, true) => {
                rep.adv_failed_steps += 1;
                let prefix = format!("advisory step {}: ", tag.to_lowercase());
                eprintln!("NOTE {head}{}", lines(&prefix, &problems));
            }
            (false, false) => {
                rep.failed += 1;
                let response = response.unwrap_or_default();
                let report = format!("{tag} {head}{}{response}", lines("", &problems));
                eprintln!("{report}");
                rep.failures.push(report);
            }
        }
        if !adv.is_empty() {
            rep.adv_notes += adv.len();
            eprintln!("NOTE {head}{}", lines("advisory: ", &adv));
        }
    }
    made.sort_by_key(|(coll, _)| coll != "Groups");
    for (coll, id) in made {
        let url = format!("{PATH}/{coll}/{}", quote(&id, false));
        let req = request("DELETE", &url, None, Map::new());
        server.handle(req).await;
    }
    let (passed, failed) = (rep.passed, rep.failed);
    eprintln!("   {passed} passed, {failed} failed in this scenario");
    rep
}
