//! Run with: `cargo run --release -p scim-example-axum [-- --listen 127.0.0.1:8080 --base-path /scim/v2 --public-url https://app.example.com/scim/v2 --database sqlite://scim.db]`
//!
//! Serves SCIM 2.0 behind a bearer token taken from `SCIM_TOKEN` (or generated and printed at
//! start-up), and prints the Tenant URL and Secret Token to paste into Microsoft Entra ID's
//! provisioning settings. The store is SQLite (`scim.db` in the working directory, so users
//! survive a restart) unless `--database memory` asks for the in-memory store.

use std::error::Error;

use std::sync::Arc;

use scim_http::{
    BearerTokens, InMemoryStore, PostgresStore, ResourceStore, ScimServer, SqliteStore,
};

#[tokio::main]
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
            "-h" | "--help" => {
                println!(
                    "usage: scim-example-axum [--listen ADDR] [--base-path PATH] [--public-url URL] [--database URL]\n\n--database is sqlite://PATH (default sqlite://scim.db), postgres://USER:PASS@HOST/DB or memory.\nThe bearer token comes from SCIM_TOKEN, or is generated. --public-url is the Tenant URL\nas the identity provider reaches it (e.g. https://app.example.com/scim/v2); by default\nhttp://ADDR/BASE-PATH."
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
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

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let addr = listener.local_addr()?;
    let base_path = base_path.trim_end_matches('/').to_owned();
    let public_url = match public_url {
        Some(u) => u,
        None => format!("http://{addr}{base_path}"),
    };
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

    println!("SCIM 2.0 service provider listening on http://{addr}");
    println!("Tenant URL:   {public_url}");
    println!("Secret Token: {token}");
    // The URL may carry a password: show where the data lives, not how to log in.
    let shown = database
        .rsplit_once('@')
        .map_or(database.as_str(), |(_, at)| at);
    println!("Store:        {shown}");

    axum::serve(listener, scim_example_axum::router(server))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await?;
    Ok(())
}
