//! Shared set-up for the sending benchmarks: a private PostgreSQL, a fresh database, and an
//! organization with a live action and contacts whose texting window is always open.

use server::{embedded_postgres::EmbeddedPostgres, startup};
use sqlx::{Connection, PgConnection, PgPool};
use std::path::PathBuf;
use uuid::Uuid;

pub struct Bench {
    pub pg: EmbeddedPostgres,
    pub pool: PgPool,
    pub url: String,
    pub org: Uuid,
    pub volunteer: Uuid,
    pub action: Uuid,
}

pub async fn setup(contacts: i64) -> Bench {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let pg = EmbeddedPostgres::start(&dir.join("postgres"), false).expect("start PostgreSQL");
    let name = format!("bench_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&pg.url("postgres")).await.unwrap();
    sqlx::query(&format!("create database \"{name}\"")).execute(&mut admin).await.unwrap();
    let url = pg.url(&name);
    let pool = startup::connect(&url).await.unwrap();
    let (org, volunteer, action, list) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    for sql in [
        "insert into organizations (id, name, join_code) values ($1, 'Bench', '000001')",
        // Open all day, so the benchmark measures sending, not the clock.
        "insert into texting_settings (organization_id, window_start, window_end, outbound_lock) values ($1, '00:00', '23:59', false)",
    ] {
        sqlx::query(sql).bind(org).execute(&pool).await.unwrap();
    }
    sqlx::query(
        "insert into users (id, email, display_name, password_hash) values ($1, 'bench@example.org', 'Val', 'x')",
    )
    .bind(volunteer)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("insert into memberships (organization_id, user_id, role) values ($1, $2, 'volunteer')")
        .bind(org)
        .bind(volunteer)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("insert into contact_lists (id, organization_id, name, contact_count) values ($1, $2, 'L', $3)")
        .bind(list)
        .bind(org)
        .bind(contacts as i32)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into actions (id, organization_id, title, contact_list_id, initial_script, status, published_at)
         values ($1, $2, 'Bench', $3, 'Hi {firstName}! Text STOP to opt out', 'published', now())",
    )
    .bind(action)
    .bind(org)
    .bind(list)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into contacts (list_id, phone, first_name, time_zones)
         select $1, '+1312' || lpad((3000000 + g)::text, 7, '0'), 'Ana', '{America/Chicago}' from generate_series(1, $2) g",
    )
    .bind(list)
    .bind(contacts)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into conversations (organization_id, action_id, contact_id, volunteer_id, contact_phone, sender_phone)
         select $1, $2, id, $3, phone, '+13122000001' from contacts where list_id = $4",
    )
    .bind(org)
    .bind(action)
    .bind(volunteer)
    .bind(list)
    .execute(&pool)
    .await
    .unwrap();
    Bench { pg, pool, url, org, volunteer, action }
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// How fast this machine and cluster commit right now: 16 connections committing single-row
/// inserts for 5 s. This machine's throughput swings about 3x from day to day, so the sending
/// benchmarks print their figure against this one (`ratio=`), measured in the same run.
pub async fn baseline_commits_per_sec(url: &str) -> f64 {
    const CONNECTIONS: usize = 16;
    let window = std::time::Duration::from_secs(5);
    let pool = &sqlx::postgres::PgPoolOptions::new().max_connections(CONNECTIONS as u32).connect(url).await.unwrap();
    sqlx::query("create table if not exists bench_baseline (id bigint generated always as identity, at timestamptz not null default now())")
        .execute(pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = pool.acquire().await.unwrap();
            let mut commits = 0u64;
            while started.elapsed() < window {
                sqlx::query("insert into bench_baseline default values").execute(&mut *conn).await.unwrap();
                commits += 1;
            }
            commits
        }));
    }
    let mut commits = 0;
    for t in tasks {
        commits += t.await.unwrap();
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    pool.close().await;
    rate
}
