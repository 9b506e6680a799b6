//! Several real `server` processes on one database behind a tiny round-robin proxy, as an
//! organization past one machine runs them, with the carrier simulator posting its callbacks
//! and replies to the proxy (so to any process). Used by the scale-out test and, through
//! `#[path]`, by the `scale_out` benchmark; it depends on nothing else in the test crate.

#![allow(dead_code)]

use reqwest::{Client, StatusCode};
use serde_json::Value;
use server::carrier_simulator::{CarrierSimulator, SimulatorConfig};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

/// The number every process sends from (no pools): one number, so its cap is tested too.
pub const FROM: &str = "+13125550100";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Accepts connections and hands each to the next backend in turn; a backend that refuses the
/// connection (a dead process) is skipped for the next one, as a proxy's passive health check
/// does. Connection-level, so clients that open a connection per request are spread per request.
pub async fn start_proxy(backends: Vec<SocketAddr>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let backends = Arc::new(backends);
    let next = Arc::new(AtomicUsize::new(0));
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else { continue };
            let backends = backends.clone();
            let start = next.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                for i in 0..backends.len() {
                    let backend = backends[(start + i) % backends.len()];
                    if let Ok(mut outbound) = TcpStream::connect(backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                }
            });
        }
    });
    (address, task)
}

pub struct Caps {
    pub org_per_sec: u32,
    pub number_per_sec: u32,
}

/// One `server` process as production runs it (its own outbox worker and clock), with Twilio
/// pointed at the simulator and the public URL at the proxy.
pub struct Process {
    pub child: tokio::process::Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Process {
    pub fn start_on(
        port: u16,
        database_url: &str,
        sim: &SimulatorConfig,
        sim_base: &str,
        public: &str,
        caps: &Caps,
    ) -> Process {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("server-{port}-{}.log", Uuid::new_v4().simple()));
        let out = std::fs::File::create(&log).unwrap();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .env("PUBLIC_BASE_URL", public)
            .env("TWILIO_ACCOUNT_SID", &sim.account_sid)
            .env("TWILIO_AUTH_TOKEN", &sim.auth_token)
            .env("TWILIO_API_BASE", sim_base)
            .env("TWILIO_MESSAGING_BASE", sim_base)
            .env("TWILIO_FROM_NUMBER", FROM)
            .env("NUMBER_POOLS", "off")
            .env("SEND_RATE_ORG_PER_SEC", caps.org_per_sec.to_string())
            .env("SEND_RATE_NUMBER_PER_SEC", caps.number_per_sec.to_string())
            .env("RUST_LOG", "warn")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .kill_on_drop(true)
            .spawn()
            .expect("start the server binary");
        Process { child, port, log }
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Waits for `/readyz` (the database reached, migrations applied).
    pub async fn wait_ready(&mut self) {
        let client = Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("server exited ({status}): {}", std::fs::read_to_string(&self.log).unwrap_or_default());
            }
            let url = format!("http://127.0.0.1:{}/readyz", self.port);
            if client.get(&url).send().await.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            assert!(Instant::now() < deadline, "server on {} never became ready", self.port);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A browser that opens a new connection for every request, so the round-robin proxy sends
/// its requests to every process in turn.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub async fn call(
    base: &str,
    client: &Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Result<(StatusCode, Value), String> {
    let res = client
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

/// Like `call`, retried on a network error or a 5xx as the browser's Retry does (same form,
/// so the same idempotency key): a process killed mid-request costs a retry, nothing more.
pub async fn call_retrying(base: &str, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut last = String::new();
    for _ in 0..10 {
        match call(base, client, endpoint, form).await {
            Ok((status, body)) if !status.is_server_error() => return (status, body),
            Ok((status, body)) => last = format!("{status}: {body}"),
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{endpoint} kept failing: {last}");
}

pub struct Campaign {
    pub org: String,
    pub action: String,
    pub admin: Client,
    pub volunteers: Vec<Client>,
    pub phones: Vec<String>,
}

/// An organization made through the proxy (sign-ups, the join code), then a live action with
/// `contacts` contacts in `zone`, claimed `batch` at a time.
pub async fn campaign(
    base: &str,
    pool: &PgPool,
    volunteers: usize,
    contacts: usize,
    batch: i32,
    zone: &str,
) -> Campaign {
    let sign_up = async |name: &str| {
        let client = browser();
        let email = format!("{}-{}@example.org", name.to_lowercase(), Uuid::new_v4().simple());
        let (status, body) = call_retrying(
            base,
            &client,
            "sign_up",
            &[("display_name", name), ("email", &email), ("password", "correct horse battery")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "sign up: {body}");
        client
    };
    let admin = sign_up("Admin").await;
    let (status, org) = call_retrying(base, &admin, "create_org", &[("name", "Scale out")]).await;
    assert_eq!(status, StatusCode::OK, "{org}");
    let org = org["id"].as_str().unwrap().to_string();
    let (_, info) = call_retrying(base, &admin, "get_join_info", &[("org_id", &org)]).await;
    let code = info["code"].as_str().unwrap().to_string();
    let mut clients = Vec::new();
    for i in 0..volunteers {
        let client = sign_up(&format!("Volunteer{i}")).await;
        let (status, body) = call_retrying(base, &client, "join_org", &[("code", &code)]).await;
        assert_eq!(status, StatusCode::OK, "join: {body}");
        clients.push(client);
    }
    sqlx::query("insert into texting_settings (organization_id, batch_size) values ($1::uuid, $2) on conflict (organization_id) do update set batch_size = $2")
        .bind(&org)
        .bind(batch)
        .execute(pool)
        .await
        .unwrap();
    let list = Uuid::new_v4().to_string();
    sqlx::query(
        "insert into contact_lists (id, organization_id, name, contact_count) values ($1::uuid, $2::uuid, 'L', $3)",
    )
    .bind(&list)
    .bind(&org)
    .bind(contacts as i32)
    .execute(pool)
    .await
    .unwrap();
    let phones: Vec<String> = sqlx::query_scalar(
        r#"insert into contacts (list_id, phone, first_name, time_zones)
               select $1::uuid, '+1415' || (2000000 + i)::text, 'Ana', array[$2] from generate_series(1, $3) i
               returning phone"#,
    )
    .bind(&list)
    .bind(zone)
    .bind(contacts as i32)
    .fetch_all(pool)
    .await
    .unwrap();
    let action = Uuid::new_v4().to_string();
    sqlx::query(
        r#"insert into actions (id, organization_id, title, contact_list_id, initial_script, status, published_at)
           values ($1::uuid, $2::uuid, 'Scale', $3::uuid, 'Hi {firstName}, it''s {senderFirstName}. STOP to opt out', 'published', now())"#,
    )
    .bind(&action)
    .bind(&org)
    .bind(&list)
    .execute(pool)
    .await
    .unwrap();
    Campaign { org, action, admin, volunteers: clients, phones }
}

/// One volunteer: Start, send every contact of the batch (each press with its own key, a
/// few pressed twice), Text Again, until the pool is empty. Returns each send's latency.
pub async fn volunteer(base: String, client: Client, org: String, action: String) -> Vec<Duration> {
    let mut latencies = Vec::new();
    for round in 0.. {
        assert!(round < 1000, "the pool never ran out");
        let (status, batch) =
            call_retrying(&base, &client, "claim_batch", &[("org_id", &org), ("action_id", &action)]).await;
        assert_eq!(status, StatusCode::OK, "claim: {batch}");
        let contacts = batch["contacts"].as_array().unwrap().clone();
        if contacts.is_empty() {
            break;
        }
        for contact in contacts {
            let id = contact["conversation_id"].as_i64().unwrap().to_string();
            let body = contact["message"].as_str().unwrap().to_string();
            let key = Uuid::new_v4().to_string();
            let form = [("org_id", org.as_str()), ("conversation_id", &id), ("body", &body), ("idempotency_key", &key)];
            let started = Instant::now();
            let (status, sent) = call_retrying(&base, &client, "send_message", &form).await;
            latencies.push(started.elapsed());
            assert_eq!(status, StatusCode::OK, "send: {sent}");
            // A double press (or a retry after a lost answer) with the same key: one text.
            if id.ends_with('7') {
                let (status, again) = call_retrying(&base, &client, "send_message", &form).await;
                assert_eq!((status, &again["id"]), (StatusCode::OK, &sent["id"]), "{again}");
            }
        }
    }
    latencies
}

/// The most texts the carrier took from `from` (or in all) within one wall-clock second.
pub fn busiest_second(sim: &CarrierSimulator, from: Option<&str>) -> usize {
    let mut per_second = std::collections::HashMap::<i64, usize>::new();
    for m in sim.received_messages().iter().filter(|m| from.is_none_or(|f| m.from == f)) {
        *per_second.entry(m.date_created.timestamp()).or_default() += 1;
    }
    per_second.into_values().max().unwrap_or(0)
}
