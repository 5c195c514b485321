#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! An in-process HTTP client for the scim-http integration tests: requests go straight to
//! [`ScimServer::handle`] with `Host: localhost` and the test token, and responses come back
//! with helpers that check statuses and RFC 7644 §3.12 error bodies.
//!
//! Test files include it with `#[path = "support/http.rs"] mod harness;` rather than through
//! `support/mod.rs`: a module named `http` there would make its `use http::…` imports
//! ambiguous with the `http` crate.
// Each test file includes this module with `#[path]` and uses a part of it.
#![allow(dead_code)]

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use http::{HeaderMap, Method, Request, StatusCode};
use scim_http::{BearerTokens, InMemoryStore, ScimServer, ScimServerBuilder};
use serde_json::{Value, json};

/// The token every test server accepts (unless a test sets its own authenticator).
pub(crate) const TOKEN: &str = "test-token-0123456789";
/// The mount point of the test servers.
pub(crate) const BASE_PATH: &str = "/scim/v2";
/// The absolute base URL: the test servers' `public_url`.
pub(crate) const BASE_URL: &str = "http://localhost/scim/v2";

pub(crate) const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const ENTERPRISE_URN: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub(crate) const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub(crate) const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub(crate) const SEARCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// A server over an [`InMemoryStore`] the test can inspect directly.
#[derive(Clone)]
pub(crate) struct Harness {
    pub(crate) server: ScimServer,
    pub(crate) store: Arc<InMemoryStore>,
}

/// A server with the defaults: `InMemoryStore`, `BearerTokens::single(TOKEN)`.
pub(crate) fn harness() -> Harness {
    harness_with(|b| b)
}

/// A server with the defaults, then `configure` applied to the builder (it may replace the
/// authenticator, the registry, limits, options...).
pub(crate) fn harness_with(
    configure: impl FnOnce(ScimServerBuilder) -> ScimServerBuilder,
) -> Harness {
    let store = Arc::new(InMemoryStore::new());
    let builder = ScimServer::builder()
        .shared_store(store.clone())
        .public_url(BASE_URL)
        .authenticator(BearerTokens::single(TOKEN));
    let server = configure(builder).build().expect("the test server builds");
    Harness { server, store }
}

impl Harness {
    /// A request to `path` (relative to the base path, query included) with `Host: localhost`
    /// and `Authorization: Bearer TOKEN`.
    pub(crate) fn req(&self, method: Method, path: &str) -> Call {
        Call {
            server: self.server.clone(),
            method,
            uri: format!("{BASE_PATH}{path}"),
            headers: vec![
                ("host".to_owned(), "localhost".to_owned()),
                ("authorization".to_owned(), format!("Bearer {TOKEN}")),
            ],
            body: Vec::new(),
        }
    }

    pub(crate) fn get(&self, path: &str) -> Call {
        self.req(Method::GET, path)
    }

    pub(crate) fn delete(&self, path: &str) -> Call {
        self.req(Method::DELETE, path)
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> Call {
        self.req(Method::POST, path).json(body)
    }

    pub(crate) fn put(&self, path: &str, body: &Value) -> Call {
        self.req(Method::PUT, path).json(body)
    }

    /// A PATCH with a PatchOp envelope around `operations`.
    pub(crate) fn patch(&self, path: &str, operations: &Value) -> Call {
        self.req(Method::PATCH, path).json(&patch_op(operations))
    }

    /// Creates a user (201 asserted) and returns the response body.
    pub(crate) async fn create_user(&self, user_name: &str) -> Value {
        self.post("/Users", &user(user_name)).await.expect(201)
    }

    /// Creates a user from a full body (201 asserted).
    pub(crate) async fn create(&self, endpoint: &str, body: &Value) -> Value {
        self.post(endpoint, body).await.expect(201)
    }

    /// Creates a group with these member ids (201 asserted).
    pub(crate) async fn create_group(&self, name: &str, members: &[&str]) -> Value {
        self.post("/Groups", &group(name, members))
            .await
            .expect(201)
    }

    /// GET of a resource, asserting 200.
    pub(crate) async fn fetch(&self, path: &str) -> Value {
        self.get(path).await.expect(200)
    }

    /// GET `/{endpoint}?filter=...` (percent-encoded) and the ids found, in order.
    pub(crate) async fn ids_matching(&self, endpoint: &str, filter: &str) -> Vec<String> {
        let body = self
            .get(&format!("{endpoint}?filter={}", encode(filter)))
            .await
            .expect(200);
        ids(&body)
    }
}

/// One request under construction; `.await` sends it.
pub(crate) struct Call {
    server: ScimServer,
    method: Method,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Call {
    /// Sets a header (replacing one of the same name).
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends the request to this URI as is (not under the base path).
    pub(crate) fn at(mut self, uri: &str) -> Self {
        uri.clone_into(&mut self.uri);
        self
    }

    /// Drops a header.
    pub(crate) fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }

    /// Authenticates with this token instead.
    pub(crate) fn token(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Sends no `Authorization` header.
    pub(crate) fn no_auth(self) -> Self {
        self.without("authorization")
    }

    /// A JSON body with `Content-Type: application/scim+json`.
    pub(crate) fn json(self, body: &Value) -> Self {
        self.raw(
            "application/scim+json",
            serde_json::to_vec(body).expect("a JSON value serialises"),
        )
    }

    /// A body of these bytes with this content type.
    pub(crate) fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    pub(crate) async fn send(self) -> Res {
        let mut b = Request::builder()
            .method(self.method.clone())
            .uri(&self.uri);
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let request = b.body(self.body).expect("a valid test request");
        let response = self.server.handle(request).await;
        let (parts, body) = response.into_parts();
        Res {
            method: self.method,
            uri: self.uri,
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

impl IntoFuture for Call {
    type Output = Res;
    type IntoFuture = Pin<Box<dyn Future<Output = Res> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A response, with the request line kept for failure messages.
#[derive(Debug)]
pub(crate) struct Res {
    pub(crate) method: Method,
    pub(crate) uri: String,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Res {
    pub(crate) fn status(&self) -> u16 {
        self.status.as_u16()
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (panics with the text when it is not).
    pub(crate) fn json(&self) -> Value {
        let parsed = serde_json::from_slice(&self.body);
        assert!(
            parsed.is_ok(),
            "{} {} -> {}: body is not JSON ({:?}): {:?}",
            self.method,
            self.uri,
            self.status,
            parsed.as_ref().err(),
            self.text()
        );
        parsed.unwrap()
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header").to_owned())
    }

    /// Describes the exchange, for assertion messages.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{} {} -> {} {}",
            self.method,
            self.uri,
            self.status,
            self.text()
        )
    }

    /// Asserts the status and returns the JSON body (`Null` when the body is empty). A body
    /// must come with `Content-Type: application/scim+json`.
    #[track_caller]
    pub(crate) fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status(), status, "{}", self.describe());
        if self.body.is_empty() {
            return Value::Null;
        }
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/scim+json"),
            "{}",
            self.describe()
        );
        self.json()
    }

    /// Asserts an RFC 7644 §3.12 error: this status, the `application/scim+json` content type,
    /// and a body of exactly `schemas`, `status` (a string), `detail` and, when given,
    /// `scimType`.
    #[track_caller]
    pub(crate) fn expect_error(&self, status: u16, scim_type: Option<&str>) -> Value {
        let body = self.expect(status);
        assert_error_body(&body, status, scim_type, &self.describe());
        body
    }
}

/// Checks the shape of an error body.
#[track_caller]
pub(crate) fn assert_error_body(body: &Value, status: u16, scim_type: Option<&str>, ctx: &str) {
    let obj = some(body.as_object(), || {
        format!("error body is not an object: {ctx}")
    });
    assert_eq!(obj.get("schemas"), Some(&json!([ERROR_URN])), "{ctx}");
    assert_eq!(
        obj.get("status"),
        Some(&Value::String(status.to_string())),
        "status must be a string: {ctx}"
    );
    assert_eq!(
        obj.get("scimType").and_then(Value::as_str),
        scim_type,
        "scimType: {ctx}"
    );
    assert!(
        obj.get("detail").is_some_and(Value::is_string),
        "detail: {ctx}"
    );
    for key in obj.keys() {
        assert!(
            ["schemas", "status", "scimType", "detail"].contains(&key.as_str()),
            "unexpected key {key:?} in error body: {ctx}"
        );
    }
}

/// `option.unwrap()` with a message (the workspace lints refuse explicit panics).
#[track_caller]
pub(crate) fn some<T>(option: Option<T>, what: impl FnOnce() -> String) -> T {
    assert!(option.is_some(), "{}", what());
    option.unwrap()
}

/// A minimal user body.
pub(crate) fn user(user_name: &str) -> Value {
    json!({"schemas": [USER_URN], "userName": user_name})
}

/// A group body with these member ids.
pub(crate) fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    if members.is_empty() {
        json!({"schemas": [GROUP_URN], "displayName": name})
    } else {
        json!({"schemas": [GROUP_URN], "displayName": name, "members": members})
    }
}

/// A PatchOp message around these operations.
pub(crate) fn patch_op(operations: &Value) -> Value {
    json!({"schemas": [PATCH_URN], "Operations": operations})
}

/// The `id` of a resource body.
#[track_caller]
pub(crate) fn id_of(resource: &Value) -> String {
    some(resource["id"].as_str(), || format!("no id in {resource}")).to_owned()
}

/// The `meta.version` of a resource body.
#[track_caller]
pub(crate) fn version_of(resource: &Value) -> String {
    some(resource["meta"]["version"].as_str(), || {
        format!("no meta.version in {resource}")
    })
    .to_owned()
}

/// The ids of a ListResponse's `Resources`, in order.
#[track_caller]
pub(crate) fn ids(list: &Value) -> Vec<String> {
    some(list["Resources"].as_array(), || {
        format!("no Resources in {list}")
    })
    .iter()
    .map(id_of)
    .collect()
}

/// The values of one string attribute over a ListResponse's `Resources`, in order (`None`
/// where it is missing).
pub(crate) fn column(list: &Value, attr: &str) -> Vec<Option<String>> {
    list["Resources"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| r[attr].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that `body` is a ListResponse with these counts and returns its resources.
#[track_caller]
pub(crate) fn assert_list(body: &Value, total: u64, start: u64, items: u64) -> Vec<Value> {
    assert_eq!(body["schemas"], json!([LIST_URN]), "{body}");
    assert_eq!(body["totalResults"], json!(total), "totalResults: {body}");
    assert_eq!(body["startIndex"], json!(start), "startIndex: {body}");
    assert_eq!(body["itemsPerPage"], json!(items), "itemsPerPage: {body}");
    let resources = some(body["Resources"].as_array(), || {
        format!("Resources must be an array: {body}")
    })
    .clone();
    assert_eq!(resources.len() as u64, items, "Resources: {body}");
    resources
}

/// Percent-encodes a query value, spaces as `%20`.
pub(crate) fn encode(s: &str) -> String {
    encode_with(s, false)
}

/// Percent-encodes a query value, spaces as `+` (HTML forms, Entra ID).
pub(crate) fn encode_plus(s: &str) -> String {
    encode_with(s, true)
}

fn encode_with(s: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char);
            }
            b' ' if plus => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
