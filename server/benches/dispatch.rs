//! `cargo bench -p server --bench dispatch`: the send transaction's latency (one volunteer
//! press, all guards checked, message queued) and the outbox's throughput delivering 100,000
//! queued messages to the carrier simulator over HTTP.

mod common;

use app::domain::Role;
use app::model::auth::SessionUser;
use app::server::caller::Caller;
use server::carrier_simulator::{CarrierSimulator, SimulatorConfig};
use server::outbox::{Dispatch, Outbox, RateCaps};
use server::twilio::{Sender, TwilioClient, TwilioConfig};
use std::time::{Duration, Instant};

const SENDS: i64 = 2_000;
const MESSAGES: i64 = 100_000;
const WORKERS: usize = 16;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let bench = common::setup(MESSAGES).await;
        let caller = Caller {
            user: SessionUser { id: bench.volunteer, email: "bench@example.org".into(), display_name: "Val".into() },
            org_id: bench.org,
            role: Role::Volunteer,
            time_zone: Default::default(),
        };
        // Send clicks: one at a time, as a volunteer presses Send.
        let conversations: Vec<i64> = sqlx::query_scalar("select id from conversations order by id limit $1")
            .bind(SENDS)
            .fetch_all(&bench.pool)
            .await
            .unwrap();
        let mut latencies = Vec::with_capacity(conversations.len());
        for (i, id) in conversations.iter().enumerate() {
            let started = Instant::now();
            app::server::db::messaging::send(&bench.pool, &caller, *id, "Hi Ana! Text STOP to opt out", None, &format!("k{i}"), &"b".repeat(64), chrono::Utc::now())
                .await
                .expect("send");
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "BENCH send_click sends={} p50_ms={:.2} p99_ms={:.2}",
            latencies.len(),
            common::percentile(&latencies, 0.5),
            common::percentile(&latencies, 0.99)
        );

        // The rest of the contacts' messages go straight into the outbox, in one statement (the
        // counting triggers run once for it, so this stays linear in the number of messages).
        let setup = Instant::now();
        sqlx::query(
            "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, sent_by, pressed_at, press_session)
             select c.organization_id, c.id, 'outbound', 'initial', 'Hi Ana! Text STOP to opt out', c.contact_phone,
                    coalesce(c.volunteer_id, (select user_id from memberships m where m.organization_id = c.organization_id limit 1)),
                    now(), repeat('b', 64)
             from conversations c where c.initial_sent_at is null",
        )
        .execute(&bench.pool)
        .await
        .unwrap();
        let setup_seconds = setup.elapsed().as_secs_f64();
        let queued: i64 = sqlx::query_scalar("select count(*) from messages where status = 'queued'").fetch_one(&bench.pool).await.unwrap();

        let sim_config = SimulatorConfig { status_delay: Duration::from_secs(3600), ..SimulatorConfig::default() };
        let (sim, base) = CarrierSimulator::start(sim_config.clone()).await.unwrap();
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..WORKERS {
            let mut config = TwilioConfig::new(sim_config.account_sid.clone(), sim_config.auth_token.clone());
            config.api_base = base.clone();
            config.messaging_base = base.clone();
            let outbox = Outbox {
                db: bench.pool.clone(),
                client: TwilioClient::new(config).unwrap(),
                sender: Sender::Number("+13122000001".into()),
                status_callback: "http://127.0.0.1:9/webhooks/twilio/status".into(),
                // Far above what the machine can do, so the figure is the engine's ceiling with
                // the cap check (one more statement per message) in the path.
                caps: RateCaps { org_per_sec: 1_000_000, number_per_sec: Some(1_000_000) },
            };
            workers.push(tokio::spawn(async move {
                let mut sent = 0u64;
                loop {
                    match outbox.dispatch_one().await {
                        Ok(Dispatch::Empty) => break sent,
                        Ok(Dispatch::Sent) => sent += 1,
                        Ok(other) => panic!("unexpected outcome {other:?}"),
                        Err(e) => panic!("{e}"),
                    }
                }
            }));
        }
        let mut sent = 0;
        for w in workers {
            sent += w.await.unwrap();
        }
        let seconds = started.elapsed().as_secs_f64();
        let received = sim.received_messages().len();
        let baseline = common::baseline_commits_per_sec(&bench.url).await;
        let rate = sent as f64 / seconds;
        println!(
            "BENCH dispatch messages={sent} queued={queued} received={received} workers={WORKERS} seconds={seconds:.2} msgs_per_sec={rate:.0} setup_seconds={setup_seconds:.2} baseline_commits_per_sec={baseline:.0} ratio={:.3}",
            rate / baseline
        );
        assert_eq!(received as u64, sent, "every message reached the carrier exactly once");

        // The rate-cap check alone (one `take_send_slot` per send, every worker on the same
        // organization's and number's rows): its ceiling, to set against the dispatch figure.
        let started = Instant::now();
        let mut callers = Vec::new();
        for _ in 0..WORKERS {
            let pool = bench.pool.clone();
            let org = bench.org;
            callers.push(tokio::spawn(async move {
                let mut calls = 0u64;
                while started.elapsed() < Duration::from_secs(5) {
                    let _: f64 = sqlx::query_scalar("select take_send_slot($1, '+13122000001', 1000000, 1000000, 50)")
                        .bind(org)
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                    calls += 1;
                }
                calls
            }));
        }
        let mut calls = 0;
        for c in callers {
            calls += c.await.unwrap();
        }
        let seconds = started.elapsed().as_secs_f64();
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "BENCH send_slot calls={calls} callers={WORKERS} seconds={seconds:.2} calls_per_sec={:.0} load_avg={}",
            calls as f64 / seconds,
            load.split_whitespace().next().unwrap_or("?")
        );
        bench.pool.close().await;
        bench.pg.stop();
    });
}
