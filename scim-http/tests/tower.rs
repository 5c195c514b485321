//! `ScimServer` as a `tower::Service`: the body is read up to `max_payload` (413 beyond it,
//! never truncated), a body that fails to arrive in full is 400 and is never handled.
#![cfg(all(feature = "memory", feature = "tower"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body::{Body, Frame};
use http_body_util::{BodyExt, Full};
use scim_http::{BearerTokens, InMemoryStore, ScimServer};
use tower_service::Service;

const TOKEN: &str = "tower-token-0123456789";

fn server() -> (ScimServer, std::sync::Arc<InMemoryStore>) {
    let store = std::sync::Arc::new(InMemoryStore::new());
    let server = ScimServer::builder()
        .shared_store(store.clone())
        .authenticator(BearerTokens::single(TOKEN))
        .max_payload(1024)
        .build()
        .unwrap();
    (server, store)
}

fn post<B>(body: B) -> Request<B> {
    Request::post("/Users")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/scim+json")
        .body(body)
        .unwrap()
}

async fn call<B>(server: &mut ScimServer, request: Request<B>) -> (StatusCode, serde_json::Value)
where
    ScimServer: Service<Request<B>, Response = http::Response<Full<Bytes>>>,
    <ScimServer as Service<Request<B>>>::Error: std::fmt::Debug,
{
    let response = server.call(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, json)
}

const USER: &str =
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}"#;

#[tokio::test]
async fn serves_a_nested_path_and_reads_the_body() {
    let (mut server, store) = server();
    // A router that strips the mount point hands over the path relative to it.
    let (status, body) = call(&mut server, post(Full::new(Bytes::from(USER)))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["userName"], "bjensen");
    assert_eq!(store.len("User"), 1);
    let full = Request::get("/scim/v2/Users")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let (status, body) = call(&mut server, full).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["totalResults"], 1);
}

#[tokio::test]
async fn an_oversized_body_is_413_and_never_truncated() {
    let (mut server, store) = server();
    let padded = format!("{USER}{}", " ".repeat(2048));
    let (status, body) = call(&mut server, post(Full::new(Bytes::from(padded)))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["status"], "413");
    // Declared too large: refused before reading.
    let mut request = post(Full::new(Bytes::from(USER)));
    request
        .headers_mut()
        .insert("content-length", "4096".parse().unwrap());
    let (status, _) = call(&mut server, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(store.len("User"), 0);
}

/// A body that yields part of a user, then fails (a client that went away).
struct Broken(u8);

impl Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0 += 1;
        Poll::Ready(Some(match self.0 {
            1 => Ok(Frame::data(Bytes::from(&USER[..USER.len() - 1]))),
            _ => Err(std::io::Error::other("connection reset")),
        }))
    }
}

#[tokio::test]
async fn a_body_that_fails_to_arrive_is_400_and_nothing_is_stored() {
    let (mut server, store) = server();
    let (status, body) = call(&mut server, post(Broken(0))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["scimType"], "invalidSyntax");
    assert_eq!(store.len("User"), 0);
}
