//! PostgreSQL: bulk seeding into a schema per dataset, sampled users, generic plans.

use super::*;

pub(crate) async fn pg_admin(url: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(url).await.unwrap()
}

pub(crate) async fn pg_store(url: &str, schema: &str) -> PostgresStore {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .unwrap()
        .options([("search_path", schema)]);
    PostgresStore::connect_with(
        options,
        sqlx::postgres::PgPoolOptions::new().max_connections(8),
    )
    .await
    .unwrap()
}

pub(crate) async fn pg_conn(url: &str, schema: &str) -> sqlx::PgConnection {
    let mut c = pg_admin(url).await;
    c.execute(sqlx::AssertSqlSafe(format!("SET search_path = {schema}")))
        .await
        .unwrap();
    c
}

pub(crate) async fn pg_seed_users(
    conn: &mut sqlx::PgConnection,
    tenant: &str,
    first: usize,
    n: usize,
) {
    let first = i64::try_from(first).unwrap();
    sqlx::query(PG_USERS)
        .bind(first)
        .bind(first + i64::try_from(n).unwrap() - 1)
        .bind(tenant)
        .bind(now())
        .execute(&mut *conn)
        .await
        .unwrap();
}

pub(crate) async fn pg_check_rows(url: &str, users: &Arc<ResourceType>) {
    let schema = "scim_bench_rowcheck";
    let mut admin = pg_admin(url).await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        )))
        .await
        .unwrap();
    let store = pg_store(url, schema).await;
    let created = store
        .create(&ctx(users, ""), Resource::from_value(user_body(7)).unwrap())
        .await
        .unwrap();
    let mut conn = pg_conn(url, schema).await;
    pg_seed_users(&mut conn, "bulk", 7, 1).await;
    let q = "SELECT data::text AS data, version, user_name_lower, external_id, \
             display_name_lower FROM resources WHERE tenant = $1";
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
    ] {
        let (x, y): (Option<String>, Option<String>) = (a.get(col), b.get(col));
        assert_eq!(x, y, "PostgreSQL bulk row differs from create's in {col}");
    }
    assert_eq!(a.get::<i64, _>("version"), b.get::<i64, _>("version"));
    let id: String = sqlx::query_scalar("SELECT id FROM resources WHERE tenant = 'bulk'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let seeded = store.get(&ctx(users, "bulk"), &id).await.unwrap().unwrap();
    assert_eq!(body_of(&seeded), body_of(&created));
    store.close().await;
    conn.close().await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .unwrap();
    println!(
        "PostgreSQL: the bulk statement writes the row PostgresStore::create writes (checked)"
    );
}

/// A schema with `n` users (and, with `big`, the two groups), seeded unless it already is.
pub(crate) async fn pg_open(
    url: &str,
    name: &str,
    n: usize,
    big: Option<usize>,
) -> (PostgresStore, String) {
    let schema = format!("scim_bench_{name}");
    let mut admin = pg_admin(url).await;
    let seeded: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT n FROM {schema}.bench_seeded"
    )))
    .fetch_optional(&mut admin)
    .await
    .ok()
    .flatten();
    if seeded == Some(i64::try_from(n).unwrap()) {
        println!("PostgreSQL {name}: reusing schema {schema}");
        return (pg_store(url, &schema).await, schema);
    }
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        )))
        .await
        .unwrap();
    let store = pg_store(url, &schema).await;
    let t = Instant::now();
    let mut conn = pg_conn(url, &schema).await;
    let mut tx = conn.begin().await.unwrap();
    pg_seed_users(&mut tx, "", 0, n).await;
    tx.commit().await.unwrap();
    if let Some(big) = big {
        let groups = Arc::new(ResourceType::group());
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM resources WHERE tenant = '' AND type = 'User' ORDER BY seq LIMIT $1",
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
             SELECT '', $1, id, 'User' FROM resources WHERE tenant = '' AND type = 'User' \
             ORDER BY seq LIMIT $2",
        )
        .bind(g.id().unwrap())
        .bind(i64::try_from(big).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.execute("VACUUM ANALYZE").await.unwrap();
    conn.execute("CREATE TABLE bench_seeded (n BIGINT)")
        .await
        .unwrap();
    sqlx::query("INSERT INTO bench_seeded VALUES ($1)")
        .bind(i64::try_from(n).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    println!(
        "PostgreSQL {name}: seeded {n} users in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    (store, schema)
}

pub(crate) async fn pg_picks(url: &str, schema: &str, n: usize) -> Vec<(usize, String)> {
    let mut conn = pg_conn(url, schema).await;
    let mut out = Vec::new();
    for i in sample(n, SAMPLES) {
        let id: String = sqlx::query_scalar(
            "SELECT id FROM resources WHERE tenant = '' AND type = 'User' AND user_name_lower = $1",
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

/// Prints PostgreSQL's `EXPLAIN` of the generic plan of each statement (what a prepared
/// statement runs whatever its parameters: `plan_cache_mode = force_generic_plan`).
pub(crate) async fn pg_explain(url: &str, schema: &str, what: &str, statements: &[String]) {
    let mut conn = pg_conn(url, schema).await;
    conn.execute("SET plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    for sql in statements {
        println!("\n[PostgreSQL] {what}:\n  {}", sql.replace('\n', "\n  "));
        let params = (1..=32)
            .take_while(|k| sql.contains(&format!("${k}")))
            .count();
        conn.execute(sqlx::AssertSqlSafe(format!("PREPARE bench_q AS {sql}")))
            .await
            .unwrap();
        let args = vec!["NULL"; params].join(", ");
        let explain = if params == 0 {
            "EXPLAIN EXECUTE bench_q".to_owned()
        } else {
            format!("EXPLAIN EXECUTE bench_q({args})")
        };
        for row in sqlx::query(sqlx::AssertSqlSafe(explain))
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            let line: String = row.get(0);
            println!("  {line}");
        }
        conn.execute("DEALLOCATE bench_q").await.unwrap();
    }
    conn.close().await.unwrap();
}
