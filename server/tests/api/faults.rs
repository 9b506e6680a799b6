//! Fault tests of the sending engine: the server process killed mid-dispatch, PostgreSQL
//! restarted under load, a carrier that throttles and hangs. Each checks the same promise,
//! against what the carrier simulator actually received: every queued text reached its contact
//! exactly once (nothing lost, nothing sent twice), and the database holds the carrier's SID
//! for each.

use crate::helpers::{spawn_app, spawn_app_on, test_config};
use crate::messaging::{World, SCRIPT};
use crate::outbox::{rig, FROM};
use app::domain::texting_window::{check, TextingWindow, WindowCheck};
use app::domain::time_zones::ContactZones;
use app::server::config::TwilioCredentials;
use chrono::{DateTime, Utc};
use server::carrier_simulator::{CarrierSimulator, Fault, SimulatorConfig};
use server::embedded_postgres::EmbeddedPostgres;
use server::outbox::{Dispatch, Outbox, RateCaps};
use server::twilio::{Sender, TwilioClient};
use sqlx::{Connection, PgConnection, PgPool};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BODY: &str = "Hi! Early voting starts Saturday at the library. STOP to opt out";

/// Fast enough that a few hundred texts take seconds, slow enough that a fault lands among them.
const CAPS: RateCaps = RateCaps { org_per_sec: 100, number_per_sec: Some(100) };

/// A time zone whose 9am–9pm window is open now and stays open for ten minutes: a window
/// closing mid-test would fail messages as expired, which is not what these tests are about.
fn open_zone() -> &'static str {
    const ZONES: [&str; 8] = [
        "Pacific/Kiritimati",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Europe/Berlin",
        "America/Sao_Paulo",
        "America/New_York",
        "America/Los_Angeles",
        "Pacific/Honolulu",
    ];
    let open = |zone: &str, at: DateTime<Utc>| {
        let zones = ContactZones::from_names([zone]).unwrap();
        matches!(check(&TextingWindow::default(), &zones, at), WindowCheck::Open { .. })
    };
    let now = Utc::now();
    ZONES
        .into_iter()
        .find(|z| open(z, now - chrono::Duration::minutes(1)) && open(z, now + chrono::Duration::minutes(10)))
        .expect("offsets at most five hours apart leave some zone inside its twelve-hour window")
}

/// Queues one text to each of `count` new contacts of the world's action, as sends by the
/// volunteer leave them for the outbox. Returns the contacts' numbers.
async fn queue(world: &World, count: i32) -> Vec<String> {
    sqlx::query(
        r#"with contact as (
               insert into contacts (list_id, phone, first_name, time_zones, custom)
               select $1::uuid, '+1312600' || lpad(i::text, 4, '0'), 'Ana', array[$2], '{"ward":"7"}'
               from generate_series(1, $3) i
               returning id, phone
           ), conversation as (
               insert into conversations (organization_id, action_id, contact_id, volunteer_id, contact_phone)
               select $4::uuid, $5::uuid, c.id, v.user_id, c.phone
               from contact c, (select user_id from memberships where organization_id = $4::uuid and role = 'volunteer' limit 1) v
               returning id, organization_id, contact_phone
           )
           insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, sent_by, pressed_at, press_session)
           select organization_id, id, 'outbound', 'initial', $6, contact_phone, v.user_id, now(), repeat('a', 64)
           from conversation, (select user_id from memberships where organization_id = $4::uuid and role = 'volunteer' limit 1) v"#,
    )
    .bind(&world.list)
    .bind(open_zone())
    .bind(count)
    .bind(&world.org)
    .bind(&world.action)
    .bind(BODY)
    .execute(&world.app.pool)
    .await
    .unwrap();
    sqlx::query_scalar("select to_phone from messages where direction = 'outbound' order by id")
        .fetch_all(&world.app.pool)
        .await
        .unwrap()
}

/// Where the outbound messages stand, for failure messages: "status (SID or none): count".
async fn standing(pool: &PgPool) -> String {
    let rows: Result<Vec<(String, bool, i64)>, _> = sqlx::query_as(
        r#"select status, twilio_sid is not null, count(*) from messages where direction = 'outbound'
           group by 1, 2 order by 1, 2"#,
    )
    .fetch_all(pool)
    .await;
    match rows {
        Ok(rows) => rows
            .into_iter()
            .map(|(status, sid, n)| format!("{status} ({}): {n}", if sid { "SID" } else { "no SID" }))
            .collect::<Vec<_>>()
            .join(", "),
        Err(e) => format!("(database unavailable: {e})"),
    }
}

/// Polls until `count` outbound messages hold the carrier's SID (and, with `delivered`, have
/// heard of their delivery too). The database may be down for part of the time.
async fn wait_until_settled(pool: &PgPool, count: i64, delivered: bool, limit: Duration) -> Duration {
    let started = Instant::now();
    let sql = if delivered {
        "select count(*) from messages where direction = 'outbound' and twilio_sid is not null and status = 'delivered'"
    } else {
        "select count(*) from messages where direction = 'outbound' and twilio_sid is not null"
    };
    loop {
        if sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.is_ok_and(|n| n == count) {
            return started.elapsed();
        }
        if started.elapsed() > limit {
            panic!("not settled after {limit:?}: {}", standing(pool).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Nothing lost, nothing sent twice: the carrier took exactly one text for each contact, no
/// other, and each message in the database holds the SID of that one text and no status that
/// still waits for an outcome.
async fn assert_each_sent_exactly_once(pool: &PgPool, sim: &CarrierSimulator, recipients: &[String]) {
    let received = sim.received_messages();
    let mut per_contact: HashMap<&str, Vec<&str>> = HashMap::new();
    for m in &received {
        assert_eq!(m.body, BODY);
        per_contact.entry(m.to.as_str()).or_default().push(m.sid.as_str());
    }
    let twice: Vec<(&str, usize)> =
        per_contact.iter().filter(|(_, sids)| sids.len() > 1).map(|(to, sids)| (*to, sids.len())).collect();
    assert!(twice.is_empty(), "texted more than once: {twice:?}");
    let lost: Vec<&String> = recipients.iter().filter(|r| !per_contact.contains_key(r.as_str())).collect();
    assert!(lost.is_empty(), "{} never texted: {lost:?}", lost.len());
    assert_eq!(received.len(), recipients.len(), "texts to numbers nobody queued");

    let rows: Vec<(String, Option<String>, String)> =
        sqlx::query_as("select to_phone, twilio_sid, status from messages where direction = 'outbound'")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), recipients.len());
    for (to, sid, status) in rows {
        assert_eq!(sid.as_deref(), Some(per_contact[to.as_str()][0]), "the SID recorded for {to}");
        assert!(["queued", "sent", "delivered"].contains(&status.as_str()), "{to} is {status}");
    }
}

fn carrier(sim_config: &SimulatorConfig, base: &str) -> TwilioCredentials {
    TwilioCredentials {
        account_sid: sim_config.account_sid.clone(),
        auth_token: sim_config.auth_token.clone(),
        api_base: base.to_string(),
        messaging_base: base.to_string(),
        messaging_service_sid: None,
        from_number: Some(FROM.into()),
    }
}

// --- The server process killed -------------------------------------------------------------

/// A loopback port free now, for a server process that must be found on the same port again
/// after a restart (the carrier posts status callbacks to it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The real `server` binary, as production runs it: its own database URL and Twilio settings
/// (pointing at our simulator, so it starts neither an embedded PostgreSQL nor a simulator of
/// its own), one outbox worker. Its output goes to `log`.
fn start_server(database_url: &str, carrier: &TwilioCredentials, port: u16, log: &Path) -> tokio::process::Child {
    let out = std::fs::File::create(log).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        // Nothing from the test's own environment (a TWILIO_* or SEED_DEMO) leaks in.
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
        .env("PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("TWILIO_ACCOUNT_SID", &carrier.account_sid)
        .env("TWILIO_AUTH_TOKEN", &carrier.auth_token)
        .env("TWILIO_API_BASE", &carrier.api_base)
        .env("TWILIO_MESSAGING_BASE", &carrier.messaging_base)
        .env("TWILIO_FROM_NUMBER", FROM)
        .env("NUMBER_POOLS", "off")
        .env("SEND_RATE_ORG_PER_SEC", CAPS.org_per_sec.to_string())
        .env("SEND_RATE_NUMBER_PER_SEC", CAPS.number_per_sec.unwrap_or(100).to_string())
        .env("RUST_LOG", "info,sqlx=warn")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        // A failing test must not leave a server behind.
        .kill_on_drop(true)
        .spawn()
        .expect("start the server binary")
}

/// Panics with the end of the server's log if it exited by itself.
fn assert_running(child: &mut tokio::process::Child, log: &Path) {
    if let Some(status) = child.try_wait().unwrap() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        panic!(
            "the server exited ({status}); end of {}:\n{}",
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
}

fn log_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}-{}.log", uuid::Uuid::new_v4().simple()))
}

/// The process is killed with SIGKILL while the carrier holds a text whose answer never came
/// back (so neither "sent" nor its SID was recorded): the worst moment, since a restarted
/// process that sent the message again would text the contact twice. The next process settles
/// it by asking the carrier, and sends everything that was still queued, once.
#[tokio::test]
async fn a_server_killed_mid_dispatch_and_restarted_sends_every_message_exactly_once() {
    const COUNT: i32 = 300;
    let sim_config = SimulatorConfig::default();
    let (sim, base) = CarrierSimulator::start(sim_config.clone()).await.unwrap();
    let world = World::on(spawn_app().await).await;
    let pool = world.app.pool.clone();
    let recipients = queue(&world, COUNT).await;
    let twilio = carrier(&sim_config, &base);
    let port = free_port();

    let first_log = log_path("killed-server");
    let mut first = start_server(&world.app.database_url, &twilio, port, &first_log);
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.received_messages().len() < COUNT as usize / 3 {
        assert_running(&mut first, &first_log);
        assert!(Instant::now() < deadline, "the first server sent {} in a minute", sim.received_messages().len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The next send is taken by the carrier but never answered (the client waits 15 s).
    sim.inject_fault(Fault::Hang, 1);
    // Wait until the worker is stuck in that send: the last text the carrier took has no SID
    // in the database, and nothing more arrives for a second (at 100/s something would).
    let mut stuck_since: Option<(usize, Instant)> = None;
    loop {
        assert_running(&mut first, &first_log);
        assert!(Instant::now() < deadline, "the worker never got stuck in the hung send");
        let received = sim.received_messages();
        let last = received.last().unwrap();
        let recorded: Option<String> = sqlx::query_scalar("select twilio_sid from messages where to_phone = $1")
            .bind(&last.to)
            .fetch_one(&pool)
            .await
            .unwrap();
        stuck_since = match (stuck_since, recorded) {
            (_, Some(_)) => None,
            (Some((n, since)), None) if n == received.len() => {
                if since.elapsed() > Duration::from_secs(1) {
                    break;
                }
                Some((n, since))
            }
            (_, None) => Some((received.len(), Instant::now())),
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGKILL (what tokio's kill sends on Unix): no shutdown code runs.
    first.kill().await.unwrap();
    let at_kill = sim.received_messages();
    let in_flight: Vec<(String, String)> =
        sqlx::query_as("select to_phone, status from messages where twilio_sid is null and status <> 'queued'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(at_kill.len() < COUNT as usize, "the kill came after everything was sent");
    assert_eq!(
        in_flight,
        vec![(at_kill.last().unwrap().to.clone(), "sending".to_string())],
        "the one text in flight: the carrier has it, the database does not know"
    );
    println!("killed after the carrier took {} of {COUNT}", at_kill.len());

    // The dead worker's claim would be taken back when its lease runs out, two minutes on;
    // rather than wait that out, end the lease now, as the clock would.
    sqlx::query("update messages set next_attempt_at = now() where status = 'sending'").execute(&pool).await.unwrap();
    let second_log = log_path("restarted-server");
    let mut second = start_server(&world.app.database_url, &twilio, port, &second_log);
    let started = Instant::now();
    loop {
        assert_running(&mut second, &second_log);
        let settled: i64 = sqlx::query_scalar(
            "select count(*) from messages where direction = 'outbound' and twilio_sid is not null and status = 'delivered'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if settled == i64::from(COUNT) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "not settled in a minute: {}", standing(&pool).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("the restarted server settled the rest in {:.1} s", started.elapsed().as_secs_f64());
    second.kill().await.unwrap();
    assert_each_sent_exactly_once(&pool, &sim, &recipients).await;
    // The logs are kept only when the test fails.
    for log in [first_log, second_log] {
        let _ = std::fs::remove_file(log);
    }
}

// --- PostgreSQL restarted --------------------------------------------------------------------

/// A cluster of this test's own, so that restarting it disturbs no other test; stopped when
/// the test ends, however it ends.
struct OwnCluster(Option<EmbeddedPostgres>);

impl Drop for OwnCluster {
    fn drop(&mut self) {
        if let Some(pg) = &self.0 {
            pg.stop();
        }
    }
}

/// PostgreSQL restarts (every connection cut, two seconds down) while two workers send: they
/// come back by themselves, with no restart of our process, and every text goes out once.
#[tokio::test]
async fn outbox_workers_ride_out_a_database_restart_and_send_every_message_exactly_once() {
    const COUNT: i32 = 300;
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("faults-postgres");
    let mut cluster = OwnCluster(Some(
        tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&root, true)).await.unwrap().unwrap(),
    ));
    let pg = cluster.0.as_ref().unwrap();
    let mut admin = PgConnection::connect(&pg.url("postgres")).await.unwrap();
    sqlx::query("drop database if exists outbox_restart with (force)").execute(&mut admin).await.unwrap();
    sqlx::query("create database outbox_restart").execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    let url = pg.url("outbox_restart");

    let sim_config = SimulatorConfig::default();
    let (sim, base) = CarrierSimulator::start(sim_config.clone()).await.unwrap();
    let mut config = test_config();
    config.twilio = Some(carrier(&sim_config, &base));
    // Our migrations run on the new cluster as on any server (see `startup::connect`).
    let app = spawn_app_on(&url, config).await;
    sim.add_rewrite("http://p2p.test", &app.address);
    let world = World::on(app).await;
    let pool = world.app.pool.clone();
    let recipients = queue(&world, COUNT).await;

    let workers: Vec<_> = (0..2)
        .map(|_| {
            let outbox = Outbox {
                db: pool.clone(),
                client: TwilioClient::new(sim.client_config(&base)).unwrap(),
                sender: Sender::Number(FROM.into()),
                status_callback: "http://p2p.test/webhooks/twilio/status".into(),
                caps: CAPS,
            };
            tokio::spawn(outbox.run())
        })
        .collect();
    sim.wait_for_messages(COUNT as usize / 3, Duration::from_secs(60)).await.expect("the workers send");

    let mut pg = cluster.0.take().unwrap();
    let pg = tokio::task::spawn_blocking(move || pg.restart(Duration::from_secs(2)).map(|()| pg))
        .await
        .unwrap()
        .expect("restart PostgreSQL");
    cluster.0 = Some(pg);
    let at_restart = sim.received_messages().len();
    assert!(at_restart < COUNT as usize, "the restart came after everything was sent");
    println!("PostgreSQL restarted after the carrier took {at_restart} of {COUNT}");

    let took = wait_until_settled(&pool, i64::from(COUNT), false, Duration::from_secs(60)).await;
    println!("settled {:.1} s after the restart", took.as_secs_f64());
    for worker in &workers {
        assert!(!worker.is_finished(), "a worker task ended");
    }
    assert_each_sent_exactly_once(&pool, &sim, &recipients).await;
    for worker in workers {
        worker.abort();
    }
}

// --- A throttling, hanging carrier -----------------------------------------------------------

/// A 429 puts the message back for as long as Retry-After says (1 s), not for the
/// exponential backoff (2 s after a first attempt), and the retry sends it once.
#[tokio::test]
async fn a_throttled_send_waits_as_long_as_retry_after_says_and_still_sends_once() {
    let rig = rig().await;
    let pool = &rig.world.app.pool;
    let c = rig.world.conversation("+13125550701", true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    rig.sim.inject_fault(Fault::RateLimited, 1);
    let before = Utc::now();
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Retrying);
    let after = Utc::now();
    let (status, retry_at): (String, DateTime<Utc>) =
        sqlx::query_as("select status, next_attempt_at from messages where direction = 'outbound'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(status, "queued");
    let (earliest, latest) = (before + chrono::Duration::seconds(1), after + chrono::Duration::seconds(1));
    assert!(earliest <= retry_at && retry_at <= latest, "retry at {retry_at}, not between {earliest} and {latest}");

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match rig.outbox.dispatch_one().await.unwrap() {
            Dispatch::Sent => break,
            Dispatch::Empty => {}
            other => panic!("{other:?}"),
        }
        assert!(Instant::now() < deadline, "never retried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(Utc::now() >= retry_at, "retried before Retry-After ran out");
    let received = rig.sim.received_messages();
    assert_eq!(received.len(), 1);
    let attempts: i32 = sqlx::query_scalar("select attempts from messages").fetch_one(pool).await.unwrap();
    assert_eq!(attempts, 2);
}

/// Three workers run as in production (`Outbox::run`) while the carrier answers some sends
/// with 429 or 500 (nothing taken: the message is retried) and hangs on others (taken, the
/// answer lost: the message is reconciled, never sent again).
#[tokio::test]
async fn workers_meeting_throttling_server_errors_and_hung_sends_send_every_message_exactly_once() {
    const COUNT: i32 = 60;
    const WAVE: [Fault; 5] =
        [Fault::RateLimited, Fault::RateLimited, Fault::Hang, Fault::RateLimited, Fault::ServerError];
    const WAVES: usize = 4;
    let rig = rig().await;
    let pool = rig.world.app.pool.clone();
    let recipients = queue(&rig.world, COUNT).await;
    let workers: Vec<_> = (0..3).map(|_| tokio::spawn(rig.worker(CAPS).run())).collect();
    // Waves of faults among successful sends, each after some texts went through.
    for wave in 0..WAVES {
        for fault in WAVE {
            rig.sim.inject_fault(fault, 1);
        }
        rig.sim.wait_for_messages((wave + 1) * 10, Duration::from_secs(60)).await.expect("sending goes on");
    }
    let took = wait_until_settled(&pool, i64::from(COUNT), false, Duration::from_secs(60)).await;
    println!("settled in {:.1} s", took.as_secs_f64());
    for worker in workers {
        worker.abort();
    }
    assert_each_sent_exactly_once(&pool, &rig.sim, &recipients).await;
    // Each refusal (429 or 500) cost one more claim; a hung send none, since it was settled
    // by asking the carrier rather than sent again.
    let refused = WAVES * WAVE.iter().filter(|f| **f != Fault::Hang).count();
    let attempts: i64 =
        sqlx::query_scalar("select sum(attempts)::bigint from messages").fetch_one(&pool).await.unwrap();
    assert_eq!(attempts, i64::from(COUNT) + refused as i64);
}
