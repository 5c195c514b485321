//! Run with: `cargo run --release -p scim-example-actix [-- --listen 127.0.0.1:8080 --base-path /scim/v2 --public-url URL]`
//!
//! The same server as `scim-example-axum`, on actix-web 4: SQLite (`--database sqlite://PATH`,
//! default `scim.db`) or the in-memory store (`--database memory`) behind a bearer token from
//! `SCIM_TOKEN` (or generated and printed at start-up).

use std::error::Error;

use actix_web::{App, HttpServer};
use std::sync::Arc;

use scim_http::{
    BearerTokens, InMemoryStore, PostgresStore, ResourceStore, ScimServer, SqliteStore,
};

#[actix_web::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let mut listen = "127.0.0.1:8080".to_owned();
    let mut base_path = "/scim/v2".to_owned();
    let mut public_url: Option<String> = None;
    let mut database = "sqlite://scim.db?mode=rwc".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?,
            "--base-path" => base_path = args.next().ok_or("--base-path needs a path")?,
            "--public-url" => {
                public_url = Some(args.next().ok_or("--public-url needs a URL")?);
            }
            "--database" => database = args.next().ok_or("--database needs a URL")?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let token = match std::env::var("SCIM_TOKEN") {
        Ok(t) if !t.is_empty() => t,
        _ => format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ),
    };
    let listener = std::net::TcpListener::bind(&listen)?;
    let addr = listener.local_addr()?;
    let base_path = base_path.trim_end_matches('/').to_owned();
    let public_url = public_url.unwrap_or_else(|| format!("http://{addr}{base_path}"));
    let store: Arc<dyn ResourceStore> = match database.as_str() {
        "memory" => Arc::new(InMemoryStore::new()),
        url if url.starts_with("sqlite:") => {
            let url = if url.contains('?') || url.contains(":memory:") {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            Arc::new(SqliteStore::connect(&url).await?)
        }
        url if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
            Arc::new(PostgresStore::connect(url).await?)
        }
        other => {
            return Err(format!(
                "unsupported --database {other:?}: use sqlite://PATH, postgres://… or memory"
            )
            .into());
        }
    };
    let server = ScimServer::builder()
        .base_path(base_path)
        .public_url(public_url.clone())
        .shared_store(store)
        .authenticator(BearerTokens::single(token.clone()))
        // Entra ID prefers, and Okta expects, 204 for group PATCH; users still come back.
        .patch_returns_no_content_for("Group")
        .build()?;

    let http = HttpServer::new({
        let server = server.clone();
        move || App::new().configure(scim_example_actix::configure(server.clone()))
    })
    .listen(listener)?;
    println!("SCIM 2.0 service provider listening on http://{addr}");
    println!("Tenant URL:   {public_url}");
    println!("Secret Token: {token}");
    http.run().await?;
    Ok(())
}
