//! Binds 127.0.0.1:0, serves the router, and sends Entra's Test Connection probe over a real
//! socket.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use scim_http::{BearerTokens, InMemoryStore, ScimServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn send(addr: std::net::SocketAddr, request: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn serves_the_test_connection_probe_over_a_socket() {
    let server = ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single("smoke-token-0123456789"))
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = scim_example_axum::router(server);
    let serve = tokio::spawn(async move { axum::serve(listener, app).await });

    let ok = send(
        addr,
        "GET /scim/v2/Users?filter=userName+eq+%22nobody%22 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer smoke-token-0123456789\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(
        ok.to_ascii_lowercase()
            .contains("content-type: application/scim+json"),
        "{ok}"
    );
    let body = ok.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["totalResults"], 0);

    let denied = send(
        addr,
        "GET /scim/v2/Users HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    assert!(
        denied
            .to_ascii_lowercase()
            .contains("www-authenticate: bearer"),
        "{denied}"
    );

    let too_big = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer smoke-token-0123456789\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        2 << 20,
        " ".repeat(2 << 20)
    );
    let r = send(addr, &too_big).await;
    assert!(r.starts_with("HTTP/1.1 413"), "{}", &r[..r.len().min(200)]);
    serve.abort();
}

/// The README's mount: `nest_service` strips the base path; the server serves what is left.
#[tokio::test]
async fn the_readme_nest_service_mount_serves_scim() {
    let server = ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single("smoke-token-0123456789"))
        .public_url("https://app.example.com/scim/v2")
        .build()
        .unwrap();
    let app = axum::Router::new().nest_service("/scim/v2", server);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = tokio::spawn(async move { axum::serve(listener, app).await });
    let body = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}"#;
    let created = send(
        addr,
        &format!(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer smoke-token-0123456789\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    assert!(
        created
            .to_ascii_lowercase()
            .contains("location: https://app.example.com/scim/v2/users/"),
        "{created}"
    );
    assert!(!created.contains("evil.example"), "{created}");
    serve.abort();
}
