//! Delivery: the outbox against the carrier simulator over real HTTP, signed webhooks back.

use crate::helpers::{spawn_app_on, test_config, TestApp};
use crate::messaging::{World, SCRIPT};
use app::domain::message_status::MessageStatus;
use app::server::config::TwilioCredentials;
use server::carrier_simulator::{CarrierSimulator, Fault, SimulatorConfig};
use server::outbox::{Dispatch, Outbox, RateCaps};
use server::twilio::{signature, Sender, TwilioClient, TwilioConfig};
use std::time::Duration;

pub const FROM: &str = "+13122000001";

pub struct Rig {
    pub world: World,
    pub sim: CarrierSimulator,
    pub outbox: Outbox,
    /// The simulator's base URL (both hosts).
    pub base: String,
}

impl Rig {
    /// A client for the simulator, as the app's outbox has.
    pub fn client(&self) -> TwilioClient {
        let mut client_config = self.sim.client_config(&self.base);
        client_config.timeout = Duration::from_millis(800);
        client_config.connect_timeout = Duration::from_millis(300);
        TwilioClient::new(client_config).unwrap()
    }

    /// Another outbox worker on the same database and carrier (another process, as it were).
    pub fn worker(&self, caps: RateCaps) -> Outbox {
        Outbox {
            db: self.world.app.pool.clone(),
            client: self.client(),
            sender: Sender::Number(FROM.into()),
            status_callback: "http://p2p.test/webhooks/twilio/status".into(),
            caps,
        }
    }
}

/// The caps these tests were written against (the outbox's defaults before pacing followed
/// each number's sender type): 10 segments per second from any number.
pub const TEST_CAPS: RateCaps = RateCaps { org_per_sec: 50, number_per_sec: Some(10) };

pub async fn rig() -> Rig {
    rig_with(TEST_CAPS).await
}

pub async fn rig_with(caps: RateCaps) -> Rig {
    rig_with_sim(caps, SimulatorConfig::default()).await
}

/// A rig whose carrier behaves as `sim_config` says.
pub async fn rig_with_sim(caps: RateCaps, sim_config: SimulatorConfig) -> Rig {
    let (sim, base) = CarrierSimulator::start(sim_config.clone()).await.unwrap();
    let first = crate::helpers::spawn_app().await;
    let mut config = test_config();
    config.twilio = Some(TwilioCredentials {
        account_sid: sim_config.account_sid.clone(),
        auth_token: sim_config.auth_token.clone(),
        api_base: base.clone(),
        messaging_base: base.clone(),
        messaging_service_sid: None,
        from_number: Some(FROM.into()),
    });
    let app: TestApp = spawn_app_on(&first.database_url, config).await;
    // Callbacks are signed over the public URL but delivered to the test server.
    sim.add_rewrite("http://p2p.test", &app.address);
    let mut client_config = TwilioConfig::new(sim_config.account_sid.clone(), sim_config.auth_token.clone());
    client_config.api_base = base.clone();
    client_config.messaging_base = base.clone();
    client_config.timeout = Duration::from_millis(800);
    client_config.connect_timeout = Duration::from_millis(300);
    let outbox = Outbox {
        db: app.pool.clone(),
        client: TwilioClient::new(client_config).unwrap(),
        sender: Sender::Number(FROM.into()),
        status_callback: "http://p2p.test/webhooks/twilio/status".into(),
        caps,
    };
    Rig { world: World::on(app).await, sim, outbox, base }
}

async fn status_of(rig: &Rig, phone: &str) -> String {
    sqlx::query_scalar("select status from messages where to_phone = $1 and direction = 'outbound'")
        .bind(phone)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap()
}

async fn wait_for_status(rig: &Rig, phone: &str, want: &str) {
    for _ in 0..300 {
        if status_of(rig, phone).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("status of {phone} stayed {} (wanted {want})", status_of(rig, phone).await);
}

#[tokio::test]
async fn a_queued_message_is_sent_once_and_its_status_arrives_signed() {
    let rig = rig().await;
    let phone = "+13125550401";
    let c = rig.world.conversation(phone, true, true).await;
    assert_eq!(rig.world.send(&c, SCRIPT, "k").await.0, reqwest::StatusCode::OK);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty);
    let received = rig.sim.received_messages();
    assert_eq!(received.len(), 1);
    let m = &received[0];
    assert_eq!(m.to, phone);
    assert_eq!(m.body, SCRIPT);
    assert_eq!(m.field("StatusCallback"), Some("http://p2p.test/webhooks/twilio/status"));
    let validity: u32 = m.field("ValidityPeriod").unwrap().parse().unwrap();
    assert!((1..=36_000).contains(&validity), "{validity}");
    wait_for_status(&rig, phone, "delivered").await;
    let sender: Option<String> = sqlx::query_scalar("select sender_phone from conversations where id = $1::bigint")
        .bind(&c)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(sender.as_deref(), Some(FROM));
}

#[tokio::test]
async fn a_server_error_is_asked_about_before_it_is_sent_again_and_still_sends_once() {
    let rig = rig().await;
    let phone = "+13125550402";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    rig.sim.inject_fault(Fault::ServerError, 1);
    // Twilio's 20500 page: a send is not idempotent, so a 500 is an unknown outcome.
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Unknown);
    assert_eq!(status_of(&rig, phone).await, "unknown");
    sqlx::query("update messages set next_attempt_at = now()").execute(&rig.world.app.pool).await.unwrap();
    // The carrier has no such message, so it is queued again.
    assert_eq!(rig.outbox.reconcile().await.unwrap(), 1);
    assert_eq!(status_of(&rig, phone).await, "queued");
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.sim.received_messages().len(), 1);
}

#[tokio::test]
async fn a_lost_answer_is_reconciled_not_resent() {
    let rig = rig().await;
    let phone = "+13125550403";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    rig.sim.inject_fault(Fault::Hang, 1);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Unknown);
    assert_eq!(
        rig.outbox.dispatch_one().await.unwrap(),
        Dispatch::Empty,
        "an unknown outcome is never sent again blindly"
    );
    sqlx::query("update messages set next_attempt_at = now()").execute(&rig.world.app.pool).await.unwrap();
    assert_eq!(rig.outbox.reconcile().await.unwrap(), 1);
    let sid: Option<String> = sqlx::query_scalar("select twilio_sid from messages where to_phone = $1")
        .bind(phone)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert!(sid.is_some_and(|s| s.starts_with("SM")));
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty);
    assert_eq!(rig.sim.received_messages().len(), 1);
}

#[tokio::test]
async fn forged_and_unsigned_webhooks_are_refused() {
    let rig = rig().await;
    let url = format!("{}/webhooks/twilio/status", rig.world.app.address);
    let params = vec![
        ("MessageSid".to_string(), "SM00000000000000000000000000000001".to_string()),
        ("MessageStatus".to_string(), "delivered".to_string()),
        ("AccountSid".to_string(), SimulatorConfig::default().account_sid),
    ];
    let client = reqwest::Client::new();
    let unsigned = client.post(&url).form(&params).send().await.unwrap();
    assert_eq!(unsigned.status(), reqwest::StatusCode::FORBIDDEN);
    let forged = signature("not-our-token", "http://p2p.test/webhooks/twilio/status", &params);
    let res = client.post(&url).header("X-Twilio-Signature", forged).form(&params).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::FORBIDDEN);
    let parked: i64 =
        sqlx::query_scalar("select count(*) from parked_statuses").fetch_one(&rig.world.app.pool).await.unwrap();
    assert_eq!(parked, 0, "nothing stored from a forged webhook");
}

#[tokio::test]
async fn a_status_that_beats_the_sid_is_applied_when_the_sid_arrives() {
    let rig = rig().await;
    let phone = "+13125550404";
    let c = rig.world.conversation(phone, true, true).await;
    let (_, sent) = rig.world.send(&c, SCRIPT, "k").await;
    let token = SimulatorConfig::default().auth_token;
    let sid = "SM0000000000000000000000000000abcd";
    let params = vec![
        ("MessageSid".to_string(), sid.to_string()),
        ("MessageStatus".to_string(), "delivered".to_string()),
        ("AccountSid".to_string(), SimulatorConfig::default().account_sid),
    ];
    let sig = signature(&token, "http://p2p.test/webhooks/twilio/status", &params);
    let url = format!("{}/webhooks/twilio/status", rig.world.app.address);
    for _ in 0..2 {
        let res =
            reqwest::Client::new().post(&url).header("X-Twilio-Signature", &sig).form(&params).send().await.unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }
    app::server::db::webhooks::record_sid(
        &rig.world.app.pool,
        sent["id"].as_i64().unwrap(),
        sid,
        &MessageStatus::Queued,
        Some(FROM),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&rig, phone).await, "delivered");
    // A late "sent" never takes it back.
    app::server::db::webhooks::apply_status(&rig.world.app.pool, sid, &MessageStatus::Sent, None, None).await.unwrap();
    assert_eq!(status_of(&rig, phone).await, "delivered");
}

#[tokio::test]
async fn a_stop_reply_opts_the_number_out_once() {
    let rig = rig().await;
    let phone = "+13125550405";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    // The contact answers STOP to the number that texted them; the webhook may come twice.
    let token = SimulatorConfig::default().auth_token;
    let params = vec![
        ("MessageSid".to_string(), "SM0000000000000000000000000000beef".to_string()),
        ("AccountSid".to_string(), SimulatorConfig::default().account_sid),
        ("From".to_string(), phone.to_string()),
        ("To".to_string(), FROM.to_string()),
        ("Body".to_string(), "Stop!".to_string()),
    ];
    let sig = signature(&token, "http://p2p.test/webhooks/twilio/inbound", &params);
    let url = format!("{}/webhooks/twilio/inbound", rig.world.app.address);
    for _ in 0..2 {
        let res =
            reqwest::Client::new().post(&url).header("X-Twilio-Signature", &sig).form(&params).send().await.unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
    }
    let inbound: i64 =
        sqlx::query_scalar("select count(*) from messages where direction = 'inbound' and from_phone = $1")
            .bind(phone)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
    assert_eq!(inbound, 1);
    let opted_out: bool = sqlx::query_scalar("select exists (select 1 from opt_outs where phone = $1)")
        .bind(phone)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert!(opted_out);
    // Replying now is refused: they opted out.
    let (status, body) = rig.world.send(&c, "Sorry to bother you!", "k2").await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "{body}");
}
