//! Pacing by segments, as carriers count them: a US long code sends 1 segment per second
//! (Twilio's 21611 and 30001 pages), so a 3-segment text takes three slots; a toll-free number
//! 3 (Twilio support, "Toll-Free SMS and MMS messaging throughput (MPS)"); an organization with
//! more (a registered 10DLC campaign) sets its own. Against the simulator over HTTP, with
//! several workers racing for the same number.

use crate::outbox::{rig_with, Rig};
use app::domain::segments::Segments;
use server::carrier_simulator::ReceivedMessage;
use server::outbox::{Dispatch, Outbox, RateCaps};
use server::twilio::Sender;

/// Sender types' own rates: nothing set for every number.
const BY_SENDER_TYPE: RateCaps = RateCaps { org_per_sec: 1000, number_per_sec: None };
const TOLL_FREE: &str = "+18005550100";

/// Queues one text per body to a new conversation each, to be claimed in this order.
async fn queue(rig: &Rig, first_phone: u32, bodies: &[String]) {
    for (i, body) in bodies.iter().enumerate() {
        let c = rig.world.conversation(&format!("+1312555{:04}", first_phone as usize + i), true, true).await;
        sqlx::query(
            r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, sent_by, pressed_at, press_session, next_attempt_at)
               select c.organization_id, c.id, 'outbound', 'initial', $2, c.contact_phone,
                      (select user_id from memberships where organization_id = c.organization_id limit 1), now(), repeat('a', 64),
                      now() + make_interval(secs => $3)
               from conversations c where c.id = $1::bigint"#,
        )
        .bind(&c)
        .bind(body)
        // Claimed in this order.
        .bind(i as f64 * 0.001)
        .execute(&rig.world.app.pool)
        .await
        .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
}

/// Three workers (three processes, as it were) send everything queued; the texts the carrier
/// took, in the order it took them.
async fn drain(rig: &Rig, worker: impl Fn() -> Outbox) -> Vec<ReceivedMessage> {
    let mut workers = Vec::new();
    for _ in 0..3 {
        let outbox = worker();
        workers.push(tokio::spawn(async move { while outbox.dispatch_one().await.unwrap() != Dispatch::Empty {} }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let mut taken = rig.sim.received_messages();
    taken.sort_by_key(|m| m.date_created);
    taken
}

/// Milliseconds between consecutive sends.
fn gaps(taken: &[ReceivedMessage]) -> Vec<i64> {
    taken.windows(2).map(|pair| (pair[1].date_created - pair[0].date_created).num_milliseconds()).collect()
}

fn span(taken: &[ReceivedMessage]) -> i64 {
    (taken[taken.len() - 1].date_created - taken[0].date_created).num_milliseconds()
}

fn short_texts(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("Hi {i}! STOP to opt out")).collect()
}

#[tokio::test]
async fn a_long_code_never_exceeds_one_segment_per_second() {
    let caps = RateCaps { org_per_sec: 1000, number_per_sec: Some(1) };
    let rig = rig_with(caps).await;
    // 3, 1 and 2 segments (GSM-7: 153 characters per segment of a long text).
    let bodies = ["a".repeat(400), "Hi! STOP to opt out".to_string(), "b".repeat(200)];
    let segments: Vec<usize> = bodies.iter().map(|b| Segments::count(b).segments).collect();
    assert_eq!(segments, vec![3, 1, 2]);
    queue(&rig, 1200, &bodies).await;
    let taken = drain(&rig, || rig.worker(caps)).await;
    assert_eq!(taken.len(), 3);
    // Each send waits out the segments of the one before it (a few ms of request time aside).
    for (pair, gap) in taken.windows(2).zip(gaps(&taken)) {
        let owed = Segments::count(&pair[0].body).segments as i64 * 1000;
        assert!(gap >= owed - 100, "{} ms after a {}-segment text", gap, owed / 1000);
    }
    // In all: the last send starts no sooner than the segments before it allow.
    let owed: i64 = taken[..2].iter().map(|m| Segments::count(&m.body).segments as i64 * 1000).sum();
    assert!(span(&taken) >= owed - 200, "{owed} ms of segments before the last send took only {} ms", span(&taken));
}

#[tokio::test]
async fn with_nothing_configured_a_long_code_sends_one_segment_per_second() {
    let rig = rig_with(BY_SENDER_TYPE).await;
    queue(&rig, 1300, &short_texts(3)).await;
    let taken = drain(&rig, || rig.worker(BY_SENDER_TYPE)).await;
    assert_eq!(taken.len(), 3);
    assert!(taken.iter().all(|m| m.from == crate::outbox::FROM));
    for gap in gaps(&taken) {
        assert!(gap >= 900, "a long code sent again after {gap} ms");
    }
}

#[tokio::test]
async fn a_toll_free_number_gets_its_own_rate() {
    let rig = rig_with(BY_SENDER_TYPE).await;
    queue(&rig, 1400, &short_texts(4)).await;
    let toll_free = || Outbox { sender: Sender::Number(TOLL_FREE.into()), ..rig.worker(BY_SENDER_TYPE) };
    let taken = drain(&rig, toll_free).await;
    assert_eq!(taken.len(), 4);
    assert!(taken.iter().all(|m| m.from == TOLL_FREE));
    // 3 segments per second: a third of a second apart, so four texts in about one second,
    // where a long code would take three.
    for gap in gaps(&taken) {
        assert!(gap >= 233, "a toll-free number sent again after {gap} ms");
    }
    assert!(span(&taken) < 2500, "four toll-free texts took {} ms", span(&taken));
}

#[tokio::test]
async fn an_organizations_own_rate_is_honoured() {
    let rig = rig_with(BY_SENDER_TYPE).await;
    let org = rig.world.org.clone();
    let save = |rates: [(&'static str, &'static str); 3]| {
        let mut form = vec![("org_id", org.as_str()), ("keyword_replies", "carrier")];
        form.extend(rates);
        let (app, admin) = (&rig.world.app, &rig.world.admin);
        async move { app.call(admin, "save_carrier_settings", &form).await }
    };
    // Bad input names the field and the limit, and changes nothing.
    let (status, body) =
        save([("long_code_per_sec", "300"), ("toll_free_per_sec", ""), ("short_code_per_sec", "")]).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "long_code_per_sec", "{body}");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("from 1 to 225"), "{body}");
    // A registered 10DLC campaign: 4 segments per second from each long code.
    let (status, body) =
        save([("long_code_per_sec", "4"), ("toll_free_per_sec", ""), ("short_code_per_sec", "")]).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let (_, body) = rig.world.app.call(&rig.world.admin, "get_carrier_settings", &[("org_id", &org)]).await;
    assert_eq!(body["send_rates"]["long_code"], 4, "{body}");
    assert_eq!(body["send_rates"]["toll_free"], serde_json::Value::Null, "{body}");
    let (status, _) = rig.world.app.call(&rig.world.volunteer, "get_carrier_settings", &[("org_id", &org)]).await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);

    queue(&rig, 1500, &short_texts(5)).await;
    let taken = drain(&rig, || rig.worker(BY_SENDER_TYPE)).await;
    assert_eq!(taken.len(), 5);
    for gap in gaps(&taken) {
        assert!(gap >= 150, "sent again after {gap} ms at 4 per second");
    }
    // At the default rate five texts would take four seconds.
    assert!(span(&taken) < 2500, "five texts at 4 per second took {} ms", span(&taken));
}
