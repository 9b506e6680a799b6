//! `cargo bench -p server --bench assignment`: 500 volunteers claiming batches of 50 from a
//! 1,000,000-contact action at the same time until it is exhausted. Each volunteer claims,
//! "texts" the batch (marks it sent, as the send transactions would), pauses for a random think
//! time and presses Text Again. Prints the claim latency (including waiting for a database
//! connection) and checks that no contact went to two volunteers.
//!
//! `ASSIGNMENT_CONTACTS`, `ASSIGNMENT_VOLUNTEERS`, `ASSIGNMENT_THINK_MS` (the largest think
//! time; 0 claims back to back) and `ASSIGNMENT_STAGGER=1` (first claims spread over one think
//! time rather than all at once) change the shape.

mod common;

use sqlx::postgres::PgPoolOptions;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use uuid::Uuid;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let contacts = env("ASSIGNMENT_CONTACTS", 1_000_000) as i64;
    let volunteers = env("ASSIGNMENT_VOLUNTEERS", 500) as usize;
    let think_ms = env("ASSIGNMENT_THINK_MS", 2_000);
    let stagger = env("ASSIGNMENT_STAGGER", 0) == 1;
    const BATCH: i64 = 50;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let bench = common::setup(0).await;
        let list: Uuid = sqlx::query_scalar("select contact_list_id from actions where id = $1")
            .bind(bench.action)
            .fetch_one(&bench.pool)
            .await
            .unwrap();
        sqlx::query(
            "insert into contacts (list_id, phone, first_name, time_zones)
             select $1, '+1312' || lpad((3000000 + g)::text, 7, '0'), 'Ana', '{America/Chicago}' from generate_series(1, $2) g",
        )
        .bind(list)
        .bind(contacts)
        .execute(&bench.pool)
        .await
        .unwrap();
        let mut ids = Vec::with_capacity(volunteers);
        for i in 0..volunteers {
            let id = Uuid::new_v4();
            sqlx::query("insert into users (id, email, display_name, password_hash) values ($1, $2, 'V', 'x')")
                .bind(id)
                .bind(format!("v{i}@example.org"))
                .execute(&bench.pool)
                .await
                .unwrap();
            sqlx::query("insert into memberships (organization_id, user_id, role) values ($1, $2, 'volunteer')")
                .bind(bench.org)
                .bind(id)
                .execute(&bench.pool)
                .await
                .unwrap();
            ids.push(id);
        }
        let started = Instant::now();
        app::server::db::assignment::load_contacts(&bench.pool, bench.action).await.unwrap();
        println!("BENCH assignment_load contacts={contacts} seconds={:.2}", started.elapsed().as_secs_f64());
        sqlx::query("vacuum analyze conversations").execute(&bench.pool).await.unwrap();

        // As many connections as a production server would have for its request handlers.
        let pool = PgPoolOptions::new().max_connections(40).connect(&bench.url).await.unwrap();
        let started = Instant::now();
        let tasks: Vec<_> = ids
            .into_iter()
            .enumerate()
            .map(|(i, volunteer)| {
                let pool = pool.clone();
                let (org, action) = (bench.org, bench.action);
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut claimed = Vec::new();
                    // A cheap per-volunteer random sequence, so runs repeat.
                    let mut seed = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    // With ASSIGNMENT_STAGGER=1 volunteers arrive over the first think window,
                    // as people opening the action do, instead of all in the same millisecond.
                    if stagger && think_ms > 0 {
                        tokio::time::sleep(Duration::from_millis(seed % think_ms)).await;
                    }
                    loop {
                        let t = Instant::now();
                        let got = app::server::db::assignment::claim_rows(&pool, org, volunteer, action, BATCH)
                            .await
                            .expect("claim");
                        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                        if got.is_empty() {
                            break;
                        }
                        sqlx::query("update conversations set initial_sent_at = now(), last_outbound_at = now() where id = any($1)")
                            .bind(&got)
                            .execute(&pool)
                            .await
                            .unwrap();
                        claimed.extend(got);
                        if think_ms > 0 {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            tokio::time::sleep(Duration::from_millis(seed % think_ms)).await;
                        }
                    }
                    (latencies, claimed)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut claimed_total = 0usize;
        let mut distinct = HashSet::new();
        for task in tasks {
            let (l, c) = task.await.unwrap();
            latencies.extend(l);
            claimed_total += c.len();
            distinct.extend(c);
        }
        let seconds = started.elapsed().as_secs_f64();
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let double_assigned = claimed_total - distinct.len();
        let left: i64 = sqlx::query_scalar("select count(*) from conversations where action_id = $1 and initial_sent_at is null")
            .bind(bench.action)
            .fetch_one(&pool)
            .await
            .unwrap();
        println!(
            "BENCH assignment claims={} volunteers={volunteers} contacts_claimed={claimed_total} left={left} seconds={seconds:.1} think_ms_max={think_ms} stagger={stagger} p50_ms={:.2} p99_ms={:.2} double_assigned={double_assigned}",
            latencies.len(),
            common::percentile(&latencies, 0.5),
            common::percentile(&latencies, 0.99),
        );
        assert_eq!(double_assigned, 0, "a contact went to two volunteers");
        assert_eq!(claimed_total as i64, contacts, "every contact was claimed once");
        pool.close().await;
        bench.pool.close().await;
        bench.pg.stop();
    });
}
