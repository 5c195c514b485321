//! SQLite: bulk seeding (cached under `CARGO_TARGET_TMPDIR`), sampled users, query plans.

use super::*;

pub(crate) fn sqlite_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sql_stores");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

pub(crate) fn url_of(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Inserts users `first..first+n` of `tenant` with the bulk statement, in the open
/// transaction of `conn`.
pub(crate) async fn sqlite_seed_users(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    first: usize,
    n: usize,
) {
    let next: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) + 1 FROM resources")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let first = i64::try_from(first).unwrap();
    let last = first + i64::try_from(n).unwrap() - 1;
    sqlx::query(SQLITE_USERS)
        .bind(first)
        .bind(last)
        .bind(tenant)
        .bind(now())
        .bind(next - first)
        .execute(&mut *conn)
        .await
        .unwrap();
}

pub(crate) async fn sqlite_conn(path: &std::path::Path) -> sqlx::SqliteConnection {
    let mut conn = sqlx::SqliteConnection::connect(&url_of(path))
        .await
        .unwrap();
    conn.execute("PRAGMA cache_size = -262144; PRAGMA synchronous = OFF")
        .await
        .unwrap();
    conn
}

/// Checks that the bulk statement writes the row `SqliteStore::create` writes.
pub(crate) async fn sqlite_check_rows(users: &Arc<ResourceType>) {
    let path = sqlite_dir().join("rowcheck.db");
    remove_db(&path);
    let store = SqliteStore::connect(&url_of(&path)).await.unwrap();
    let created = store
        .create(&ctx(users, ""), Resource::from_value(user_body(7)).unwrap())
        .await
        .unwrap();
    let mut conn = sqlite_conn(&path).await;
    sqlite_seed_users(&mut conn, "bulk", 7, 1).await;
    let q = "SELECT data, version, user_name_lower, external_id, display_name_lower, \
             typeof(seq) AS s FROM resources WHERE tenant = ?";
    let a = sqlx::query(q).bind("").fetch_one(&mut conn).await.unwrap();
    let b = sqlx::query(q)
        .bind("bulk")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    for col in [
        "data",
        "user_name_lower",
        "external_id",
        "display_name_lower",
        "s",
    ] {
        let (x, y): (Option<String>, Option<String>) = (a.get(col), b.get(col));
        assert_eq!(x, y, "SQLite bulk row differs from create's in {col}");
    }
    assert_eq!(a.get::<i64, _>("version"), b.get::<i64, _>("version"));
    let id: String = sqlx::query_scalar("SELECT id FROM resources WHERE tenant = 'bulk'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let seeded = store.get(&ctx(users, "bulk"), &id).await.unwrap().unwrap();
    assert_eq!(body_of(&seeded), body_of(&created));
    assert_eq!(
        seeded.get("meta").unwrap()["version"],
        created.get("meta").unwrap()["version"]
    );
    conn.close().await.unwrap();
    store.close().await;
    remove_db(&path);
    println!("SQLite: the bulk statement writes the row SqliteStore::create writes (checked)");
}

/// A SQLite file with `n` users (and, with `big`, the two groups), seeded unless a complete
/// one is cached.
pub(crate) async fn sqlite_open(
    name: &str,
    n: usize,
    big: Option<usize>,
) -> (SqliteStore, PathBuf) {
    let path = sqlite_dir().join(format!("{name}.db"));
    let done = if path.exists() {
        let mut conn = sqlite_conn(&path).await;
        let ok: Option<i64> = sqlx::query_scalar("SELECT n FROM bench_seeded")
            .fetch_optional(&mut conn)
            .await
            .ok()
            .flatten();
        conn.close().await.unwrap();
        ok == Some(i64::try_from(n).unwrap())
    } else {
        false
    };
    if done {
        println!("SQLite {name}: reusing {}", path.display());
        return (SqliteStore::connect(&url_of(&path)).await.unwrap(), path);
    }
    remove_db(&path);
    let store = SqliteStore::connect(&url_of(&path)).await.unwrap();
    let t = Instant::now();
    let mut conn = sqlite_conn(&path).await;
    conn.execute("BEGIN IMMEDIATE").await.unwrap();
    sqlite_seed_users(&mut conn, "", 0, n).await;
    conn.execute("COMMIT").await.unwrap();
    if let Some(big) = big {
        let groups = Arc::new(ResourceType::group());
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM resources WHERE tenant = '' AND type = 'User' ORDER BY seq LIMIT ?",
        )
        .bind(i64::try_from(SMALL_GROUP).unwrap())
        .fetch_all(&mut conn)
        .await
        .unwrap();
        store
            .create(&ctx(&groups, ""), group("small", &ids))
            .await
            .unwrap();
        let g = store
            .create(&ctx(&groups, ""), group("big", &[]))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO members (tenant, group_id, member_id, member_type) \
             SELECT '', ?, id, 'User' FROM resources WHERE tenant = '' AND type = 'User' \
             ORDER BY seq LIMIT ?",
        )
        .bind(g.id().unwrap())
        .bind(i64::try_from(big).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.execute("ANALYZE").await.unwrap();
    conn.execute("CREATE TABLE bench_seeded (n INTEGER)")
        .await
        .unwrap();
    sqlx::query("INSERT INTO bench_seeded VALUES (?)")
        .bind(i64::try_from(n).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    conn.close().await.unwrap();
    println!(
        "SQLite {name}: seeded {n} users in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    (store, path)
}

pub(crate) async fn sqlite_picks(path: &std::path::Path, n: usize) -> Vec<(usize, String)> {
    let mut conn = sqlite_conn(path).await;
    let mut out = Vec::new();
    for i in sample(n, SAMPLES) {
        let id: String = sqlx::query_scalar(
            "SELECT id FROM resources WHERE tenant = '' AND type = 'User' AND user_name_lower = ?",
        )
        .bind(format!("user{i}@example.com"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        out.push((i, id));
    }
    conn.close().await.unwrap();
    out
}

/// Prints SQLite's `EXPLAIN QUERY PLAN` of each statement (parameters bound to NULL: the
/// plan does not depend on them).
pub(crate) async fn sqlite_explain(path: &std::path::Path, what: &str, statements: &[String]) {
    let mut conn = sqlite_conn(path).await;
    for sql in statements {
        println!("\n[SQLite] {what}:\n  {}", sql.replace('\n', "\n  "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
        for _ in 0..sql.matches('?').count() {
            q = q.bind(None::<String>);
        }
        for row in q.fetch_all(&mut conn).await.unwrap() {
            let detail: String = row.get("detail");
            println!("  -> {detail}");
        }
    }
    conn.close().await.unwrap();
}
