//! Memory probe: how much resident memory `scim_http::InMemoryStore` needs per user.
//!
//! Run with: `cargo run --release -p scim-example-baseline --bin rss_inprocess [-- --users 1000000]`
//!
//! Builds a `ScimServer` over an `InMemoryStore` (as `scim-example-axum` does), creates the
//! users in-process through `ScimServer::handle` with `POST /Users` bodies shaped like
//! Microsoft Entra ID's (userName, externalId, name, displayName, a work email, active) —
//! the same shape `examples/load/seed.py` sends over HTTP — and prints `VmRSS`/`VmHWM` from
//! `/proc/self/status` at a few checkpoints, with the time taken. No HTTP is involved, so
//! this isolates the store from the network stack; `examples/load/rss_1m.sh` measures the
//! real server.

use std::error::Error;
use std::time::Instant;

use scim_http::{InMemoryStore, NoAuth, ScimServer};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut users: usize = 1_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--users" => users = args.next().ok_or("--users needs a number")?.parse()?,
            "-h" | "--help" => {
                println!("usage: rss_inprocess [--users N]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }

    let server = ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(NoAuth)
        .build()?;
    let (rss0, _) = memory()?;
    println!("empty server: VmRSS {}", mib(rss0));
    println!("| users | VmRSS | VmHWM | bytes/user (RSS growth) | elapsed |");
    println!("|---:|---:|---:|---:|---:|");
    let started = Instant::now();
    let checkpoints = [10_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000];
    for i in 0..users {
        let request = http::Request::builder()
            .method(http::Method::POST)
            .uri("/scim/v2/Users")
            .header(http::header::HOST, "127.0.0.1:8080")
            .header(http::header::CONTENT_TYPE, "application/scim+json")
            .body(user_body(i))?;
        let response = server.handle(request).await;
        if response.status() != http::StatusCode::CREATED {
            return Err(format!(
                "user {i}: {} {}",
                response.status(),
                String::from_utf8_lossy(response.body())
            )
            .into());
        }
        let n = i + 1;
        if checkpoints.contains(&n) || n == users {
            report(n, rss0, started)?;
        }
    }
    Ok(())
}

/// The body `examples/load/seed.py` sends for user `i`.
fn user_body(i: usize) -> Vec<u8> {
    format!(
        concat!(
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"#,
            r#""userName":"user{i}@example.com","externalId":"ext-{i}","#,
            r#""name":{{"givenName":"Given{i}","familyName":"Family{i}","formatted":"Given{i} Family{i}"}},"#,
            r#""displayName":"Given{i} Family{i}","#,
            r#""emails":[{{"value":"user{i}@example.com","type":"work","primary":true}}],"#,
            r#""active":true}}"#
        ),
        i = i
    )
    .into_bytes()
}

fn report(n: usize, rss0: u64, started: Instant) -> Result<(), Box<dyn Error>> {
    let (rss, hwm) = memory()?;
    let per_user = rss.saturating_sub(rss0) / n as u64;
    println!(
        "| {n} | {} | {} | {per_user} | {:.1} s |",
        mib(rss),
        mib(hwm),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// (VmRSS, VmHWM) in bytes.
fn memory() -> Result<(u64, u64), Box<dyn Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<u64, Box<dyn Error>> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or_else(|| format!("no {name} in /proc/self/status"))?;
        let kb: u64 = line
            .trim_start_matches(name)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?;
        Ok(kb * 1024)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
