//! The whole handler: `ScimServer::handle` with any method, path, query, headers and body,
//! against an `InMemoryStore` seeded with three users and two groups.
//!
//! Input: a request in HTTP/1.1 text form, which keeps seeds readable and mutations meaningful:
//!
//! ```text
//! PATCH /scim/v2/Groups/$G0?excludedAttributes=members
//! Content-Type: application/scim+json
//!
//! {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[…]}
//! ```
//!
//! The first line is the method and the request target (used as is: a path outside
//! `/scim/v2` is fair game); header lines follow up to an empty line; the rest is the body, as
//! bytes. `$U0`, `$U1`, `$U2`, `$G0`, `$G1` anywhere become the ids of the seeded users and
//! groups, `$TOKEN` the bearer token; a request without an `Authorization` header gets the
//! valid one, so that most inputs get past authentication.
//!
//! A successful write drops the seeded server (the next input gets a fresh one); any other input
//! leaves it byte for byte as it was (checked), so the next input reuses it.
//!
//! Invariants: nothing panics; the status is one SCIM uses (a 500 from the in-memory store is
//! a bug); a body is JSON with `Content-Type: application/scim+json`; every error response
//! carries the SCIM Error schema and `status` as the string of the HTTP status; 201 carries
//! `Location`, 204 and 304 no body; and after an error (or any GET/HEAD) the store holds
//! exactly what it held before.
#![no_main]
use std::cell::RefCell;
use std::sync::Arc;

use futures_executor::block_on;
use http::{HeaderName, HeaderValue, Method, Request, Response, header};
use libfuzzer_sys::fuzz_target;
use scim_http::{BearerTokens, InMemoryStore, PasswordHasher, ScimError, ScimServer};
use serde_json::{Value, json};

const TOKEN: &str = "fuzz-secret-token-0123456789";
const BASE: &str = "/scim/v2";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Every status the server may answer with (RFC 7644 §3.12 and the success codes).
const STATUSES: &[u16] = &[
    200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 501,
];

/// Argon2 costs tens of milliseconds a password: far too slow for fuzzing.
#[derive(Debug)]
struct PlainHasher;

impl PasswordHasher for PlainHasher {
    fn hash(&self, password: &str) -> Result<String, ScimError> {
        Ok(format!("plain:{}", password.len()))
    }
}

struct Seeded {
    server: ScimServer,
    /// `$U0`.. `$G1` and `$TOKEN`, longest first is not needed: no name is a prefix of another.
    vars: Vec<(&'static str, String)>,
}

fn call(server: &ScimServer, method: Method, uri: &str, body: Value) -> Response<Vec<u8>> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/scim+json")
        .body(serde_json::to_vec(&body).expect("JSON"))
        .expect("a request");
    block_on(server.handle(request))
}

fn create(server: &ScimServer, endpoint: &str, body: Value) -> String {
    let response = call(server, Method::POST, &format!("{BASE}/{endpoint}"), body);
    assert_eq!(response.status(), 201, "seeding {endpoint} failed");
    let created: Value = serde_json::from_slice(response.body()).expect("JSON");
    created["id"].as_str().expect("an id").to_owned()
}

fn seed() -> Seeded {
    let store = Arc::new(InMemoryStore::new());
    let server = ScimServer::builder()
        .shared_store(store)
        .authenticator(BearerTokens::single(TOKEN))
        .password_hasher(PlainHasher)
        .public_url("https://scim.example.com/scim/v2")
        .build()
        .expect("a server");
    let u0 = create(
        &server,
        "Users",
        json!({
            "schemas": [USER, ENTERPRISE], "userName": "bjensen", "externalId": "ext-bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen"},
            "displayName": "Babs Jensen", "title": "Tour Guide", "userType": "Employee",
            "active": true, "password": "t1meMa$heen",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza",
                           "locality": "Hollywood", "region": "CA", "country": "USA", "primary": true}],
            ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"}
        }),
    );
    let u1 = create(
        &server,
        "Users",
        json!({
            "schemas": [USER, ENTERPRISE], "userName": "jsmith", "active": false,
            "name": {"givenName": "John", "familyName": "Smith"},
            "emails": [{"value": "jsmith@example.com", "type": "work"}],
            ENTERPRISE: {"manager": {"value": u0}, "costCenter": "4130"}
        }),
    );
    let u2 = create(
        &server,
        "Users",
        json!({"schemas": [USER], "userName": "alice", "externalId": "ext-alice", "locale": "en-US"}),
    );
    let g0 = create(
        &server,
        "Groups",
        json!({"schemas": [GROUP], "displayName": "Tour Guides", "externalId": "ext-guides",
               "members": [{"value": u0}, {"value": u1}]}),
    );
    let g1 = create(
        &server,
        "Groups",
        json!({"schemas": [GROUP], "displayName": "Admins",
               "members": [{"value": g0, "type": "Group"}, {"value": u2}]}),
    );
    let vars = vec![
        ("$U0", u0),
        ("$U1", u1),
        ("$U2", u2),
        ("$G0", g0),
        ("$G1", g1),
        ("$TOKEN", TOKEN.to_owned()),
    ];
    Seeded { server, vars }
}

fn substitute(bytes: &[u8], vars: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    'outer: while i < bytes.len() {
        if bytes[i] == b'$' {
            for (name, value) in vars {
                if bytes[i..].starts_with(name.as_bytes()) {
                    out.extend_from_slice(value.as_bytes());
                    i += name.len();
                    continue 'outer;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The store's contents: the bodies of the lists of users and of groups.
type Snapshot = (Vec<u8>, Vec<u8>);

/// The store's contents, as the lists of users and groups serve them.
fn snapshot(server: &ScimServer) -> Snapshot {
    let list = |endpoint: &str| {
        let response = call(
            server,
            Method::GET,
            &format!("{BASE}/{endpoint}?count=1000"),
            Value::Null,
        );
        assert_eq!(response.status(), 200, "listing {endpoint} failed");
        response.into_body()
    };
    (list("Users"), list("Groups"))
}

/// The request the input describes, or `None` when it is not a request `http` can represent.
fn request(data: &[u8], vars: &[(&str, String)]) -> Option<Request<Vec<u8>>> {
    let data = substitute(data, vars);
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], data[at + 2..].to_vec()),
        None => (&data[..], Vec::new()),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).ok()?)
        .uri(target.trim());
    let mut authorized = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) else {
            continue;
        };
        authorized |= name == header::AUTHORIZATION;
        builder = builder.header(name, value);
    }
    if !authorized {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    }
    builder.body(body).ok()
}

fn check(method: &Method, response: &Response<Vec<u8>>) {
    let status = response.status();
    assert!(
        STATUSES.contains(&status.as_u16()),
        "status {status}: {}",
        String::from_utf8_lossy(response.body())
    );
    let body = response.body();
    if status == 204 || status == 304 {
        assert!(body.is_empty(), "{status} with a body");
    }
    if status == 201 {
        assert!(
            response.headers().contains_key(header::LOCATION),
            "201 without Location"
        );
    }
    if body.is_empty() {
        assert!(
            !status.is_client_error() && !status.is_server_error() || *method == Method::HEAD,
            "{status} without a body"
        );
        return;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/scim+json"),
        "a body with Content-Type {content_type:?}"
    );
    let json: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{status}: the body is not JSON ({e}): {body:?}"));
    if !status.is_success() && status != 304 {
        let schemas = json["schemas"].as_array();
        assert!(
            schemas.is_some_and(|s| s.iter().any(|s| s == ERROR)),
            "{status} without the Error schema: {json}"
        );
        assert_eq!(
            json["status"].as_str(),
            Some(status.as_str()),
            "{status}: status member of {json}"
        );
    }
}

thread_local! {
    /// The seeded server and its snapshot, kept while inputs leave it as it was: seeding costs
    /// five creates, more than most inputs. A successful write drops it; the next input reseeds.
    static SEEDED: RefCell<Option<(Seeded, Snapshot)>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let (seeded, before) = SEEDED.take().unwrap_or_else(|| {
        let seeded = seed();
        let before = snapshot(&seeded.server);
        (seeded, before)
    });
    let Some(request) = request(data, &seeded.vars) else {
        SEEDED.set(Some((seeded, before)));
        return;
    };
    let method = request.method().clone();
    let response = block_on(seeded.server.handle(request));
    check(&method, &response);
    let read_only = method == Method::GET || method == Method::HEAD;
    if read_only || !response.status().is_success() {
        let after = snapshot(&seeded.server);
        assert!(
            after == before,
            "{method} answered {} and changed the store:\nbefore {}\nafter {}",
            response.status(),
            String::from_utf8_lossy(&before.0),
            String::from_utf8_lossy(&after.0),
        );
        SEEDED.set(Some((seeded, before)));
    }
});
