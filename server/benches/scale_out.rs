//! `cargo bench -p server --bench scale_out`: the same workload against 1, 2 and 3 `server`
//! processes on one PostgreSQL behind a round-robin proxy. Fifty volunteers claim batches and
//! press Send through the proxy; each process runs its own outbox worker, which sends to the
//! carrier simulator, whose status callbacks come back through the proxy. The caps are set far
//! above what the machine can do, so the figure is the system's own ceiling.
//!
//! Prints `BENCH scale_out processes=<n> sends_per_sec=… p99_ms=…` per run: texts the carrier
//! took per second (first press to the last SID recorded) and the 99th percentile of a Send
//! press as the volunteer's browser sees it.

#[path = "../tests/api/cluster.rs"]
mod cluster;

use cluster::{campaign, start_proxy, volunteer, Caps, Process};
use server::carrier_simulator::{CarrierSimulator, SimulatorConfig};
use server::{embedded_postgres::EmbeddedPostgres, startup};
use sqlx::{Connection, PgConnection};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use uuid::Uuid;

const VOLUNTEERS: usize = 50;
const CONTACTS: usize = 3_000;
const BATCH: i32 = 20;
const CAPS: Caps = Caps { org_per_sec: 1_000_000, number_per_sec: 1_000_000 };

fn load_avg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split(' ').next().unwrap_or("?").to_string()
}

async fn run(pg: &EmbeddedPostgres, processes: usize) {
    let name = format!("bench_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&pg.url("postgres")).await.unwrap();
    sqlx::query(&format!("create database \"{name}\"")).execute(&mut admin).await.unwrap();
    let url = pg.url(&name);
    let pool = startup::connect(&url).await.unwrap();

    let ports: Vec<u16> = (0..processes).map(|_| cluster::free_port()).collect();
    let (public, proxy) =
        start_proxy(ports.iter().map(|p| std::net::SocketAddr::from(([127, 0, 0, 1], *p))).collect()).await;
    let sim_config = SimulatorConfig::default();
    let (sim, sim_base) = CarrierSimulator::start(sim_config.clone()).await.unwrap();
    let mut servers = Vec::new();
    for port in &ports {
        let mut p = Process::start_on(*port, &url, &sim_config, &sim_base, &public, &CAPS);
        p.wait_ready().await;
        servers.push(p);
    }
    let c = campaign(&public, &pool, VOLUNTEERS, CONTACTS, BATCH, "America/New_York").await;
    // Open all day and no outbound lock: the benchmark measures sending, not the clock.
    sqlx::query("update texting_settings set window_start = '00:00', window_end = '23:59', outbound_lock = false where organization_id = $1::uuid")
        .bind(&c.org)
        .execute(&pool)
        .await
        .unwrap();

    let load_before = load_avg();
    let started = Instant::now();
    let runs: Vec<_> = c
        .volunteers
        .iter()
        .map(|v| tokio::spawn(volunteer(public.clone(), v.clone(), c.org.clone(), c.action.clone())))
        .collect();
    let mut latencies = Vec::new();
    for r in runs {
        latencies.extend(r.await.unwrap());
    }
    loop {
        let settled: i64 = sqlx::query_scalar(
            "select count(*) from messages where direction = 'outbound' and kind = 'initial' and twilio_sid is not null",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if settled == CONTACTS as i64 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "{settled} of {CONTACTS} settled in ten minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let received = sim.received_messages().len();
    assert_eq!(received, CONTACTS, "the carrier took each text once");
    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "BENCH scale_out processes={processes} sends_per_sec={:.0} p99_ms={:.1} p50_ms={:.1} texts={CONTACTS} volunteers={VOLUNTEERS} seconds={seconds:.2} load_avg={load_before}-{}",
        CONTACTS as f64 / seconds,
        p(0.99),
        p(0.50),
        load_avg()
    );
    for mut s in servers {
        let _ = s.child.kill().await;
        let _ = std::fs::remove_file(&s.log);
    }
    proxy.abort();
    pool.close().await;
    let _ = sqlx::query(&format!("drop database \"{name}\" with (force)")).execute(&mut admin).await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
        std::fs::create_dir_all(&dir).unwrap();
        let pg = EmbeddedPostgres::start(&dir.join("postgres"), false).expect("start PostgreSQL");
        for processes in 1..=3 {
            run(&pg, processes).await;
        }
        pg.stop();
    });
}
