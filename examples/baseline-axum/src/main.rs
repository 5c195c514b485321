//! The load test's baseline: a bare axum server answering the two SCIM GETs that identity
//! providers send most, straight from a `HashMap`. It is the practical ceiling for a Rust
//! server on this machine, which `examples/load/run.sh` compares `scim-example-axum` to.
//!
//! Run with:
//! `cargo run --release -p scim-example-baseline -- [--listen 127.0.0.1:8081] [--users 10000] [--ids-out FILE]`
//!
//! - `GET {base}/Users/{id}` serialises the stored user (about 560 bytes of JSON, the shape
//!   `examples/load/seed.py` creates in the SCIM example) on every request.
//! - `GET {base}/Users?filter=userName eq "x"` decodes the query, takes the quoted value,
//!   looks it up case-insensitively in a userName→id map and serialises a ListResponse.
//!
//! Both check `Authorization: Bearer $SCIM_TOKEN` (in constant time) and answer
//! `application/scim+json` with an `ETag`. Nothing is cached as bytes: the comparable work
//! (routing, auth, lookup under a lock, JSON serialisation) is done per request.
//! `--ids-out FILE` writes `id<TAB>userName` lines for the load scripts.

use std::collections::HashMap;
use std::error::Error;
use std::io::Write;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, ETAG};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use serde_json::{Value, json};

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SCIM_JSON: &str = "application/scim+json";

#[derive(Debug, Default)]
struct Users {
    by_id: HashMap<String, Value>,
    /// lowercased userName → id (userName is caseExact: false).
    by_name: HashMap<String, String>,
}

#[derive(Debug, Clone)]
struct AppState {
    users: Arc<RwLock<Users>>,
    /// `Bearer <token>` as bytes.
    expected_auth: Arc<[u8]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListResponse<'a> {
    schemas: [&'static str; 1],
    total_results: usize,
    start_index: usize,
    items_per_page: usize,
    #[serde(rename = "Resources")]
    resources: Vec<&'a Value>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut listen = "127.0.0.1:8081".to_owned();
    let mut n_users: usize = 10_000;
    let mut ids_out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?,
            "--users" => n_users = args.next().ok_or("--users needs a number")?.parse()?,
            "--ids-out" => ids_out = Some(args.next().ok_or("--ids-out needs a path")?),
            "-h" | "--help" => {
                println!(
                    "usage: scim-example-baseline [--listen ADDR] [--users N] [--ids-out FILE]\n\nThe bearer token comes from SCIM_TOKEN (default \"baseline\")."
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    let token = std::env::var("SCIM_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "baseline".to_owned());

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}/scim/v2");

    let mut users = Users::default();
    let mut ids = ids_out
        .map(|p| std::fs::File::create(p).map(std::io::BufWriter::new))
        .transpose()?;
    for i in 0..n_users {
        let id = uuid::Uuid::new_v4().to_string();
        let user_name = format!("user{i}@example.com");
        if let Some(w) = ids.as_mut() {
            writeln!(w, "{id}\t{user_name}")?;
        }
        users.by_name.insert(user_name.to_lowercase(), id.clone());
        users
            .by_id
            .insert(id.clone(), make_user(&base, &id, i, &user_name));
    }
    if let Some(mut w) = ids {
        w.flush()?;
    }

    let state = AppState {
        users: Arc::new(RwLock::new(users)),
        expected_auth: format!("Bearer {token}").into_bytes().into(),
    };
    let app = Router::new()
        .route("/scim/v2/Users", get(lookup))
        .route("/scim/v2/Users/{id}", get(get_user))
        .with_state(state);
    println!("baseline listening on http://{addr} with {n_users} users");
    axum::serve(listener, app).await?;
    Ok(())
}

/// A user of the shape `examples/load/seed.py` creates, with the `meta` the SCIM example adds.
fn make_user(base: &str, id: &str, i: usize, user_name: &str) -> Value {
    let stamp = "2026-01-01T00:00:00.000Z";
    json!({
        "active": true,
        "displayName": format!("Given{i} Family{i}"),
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "externalId": format!("ext-{i}"),
        "id": id,
        "meta": {
            "created": stamp,
            "lastModified": stamp,
            "location": format!("{base}/Users/{id}"),
            "resourceType": "User",
            "version": format!("W/\"{}\"", i + 1),
        },
        "name": {
            "familyName": format!("Family{i}"),
            "formatted": format!("Given{i} Family{i}"),
            "givenName": format!("Given{i}"),
        },
        "schemas": [USER_URN],
        "userName": user_name,
    })
}

async fn get_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "bearer token missing or invalid");
    }
    let Ok(users) = state.users.read() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "lock poisoned");
    };
    match users.by_id.get(&id) {
        Some(user) => {
            let etag = user
                .get("meta")
                .and_then(|m| m.get("version"))
                .and_then(Value::as_str)
                .and_then(|v| HeaderValue::from_str(v).ok());
            let mut r = json_response(StatusCode::OK, user);
            if let Some(etag) = etag {
                r.headers_mut().insert(ETAG, etag);
            }
            r
        }
        None => error(StatusCode::NOT_FOUND, "user not found"),
    }
}

async fn lookup(State(state): State<AppState>, request: Request) -> Response {
    if !authorised(&state, request.headers()) {
        return error(StatusCode::UNAUTHORIZED, "bearer token missing or invalid");
    }
    let Some(user_name) = request.uri().query().and_then(filter_user_name) else {
        return error(
            StatusCode::BAD_REQUEST,
            "only filter=userName eq \"x\" is supported",
        );
    };
    let Ok(users) = state.users.read() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "lock poisoned");
    };
    let hits: Vec<&Value> = users
        .by_name
        .get(&user_name.to_lowercase())
        .and_then(|id| users.by_id.get(id))
        .into_iter()
        .collect();
    let body = ListResponse {
        schemas: [LIST_URN],
        total_results: hits.len(),
        start_index: 1,
        items_per_page: hits.len(),
        resources: hits,
    };
    json_response(StatusCode::OK, &body)
}

/// The quoted value of `filter=userName eq "x"` in a raw query string.
fn filter_user_name(query: &str) -> Option<String> {
    let raw = query.split('&').find_map(|kv| kv.strip_prefix("filter="))?;
    let filter = percent_decode(raw)?;
    let rest = filter.trim();
    let (attr, rest) = rest.split_once(char::is_whitespace)?;
    let (op, rest) = rest.trim_start().split_once(char::is_whitespace)?;
    if !attr.eq_ignore_ascii_case("userName") || !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let quoted = rest.trim().strip_prefix('"')?.strip_suffix('"')?;
    Some(quoted.replace("\\\"", "\"").replace("\\\\", "\\"))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(presented) = headers.get(AUTHORIZATION).map(HeaderValue::as_bytes) else {
        return false;
    };
    let expected = &state.expected_auth[..];
    let mut diff = presented.len() ^ expected.len();
    for i in 0..presented.len().max(expected.len()) {
        let x = presented.get(i).copied().unwrap_or(0);
        let y = expected.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = Response::new(Body::from(bytes));
            *r.status_mut() = status;
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
            r
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "serialisation failed"),
    }
}

fn error(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(),
        "detail": detail,
    });
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    r
}
