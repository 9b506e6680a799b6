//! Sending controls against the carrier simulator: the Opt Out tag, the HELP auto-reply, rate
//! caps across several workers, per-action number pools, and workers that die mid-send.

use crate::messaging::SCRIPT;
use crate::outbox::{rig, rig_with, Rig, FROM};
use server::carrier_simulator::SimulatorConfig;
use server::number_pools::NumberPools;
use server::outbox::{Dispatch, RateCaps};
use server::twilio::{signature, SendMessage, Sender};
use std::collections::HashMap;
use std::time::Instant;

/// Posts a signed inbound text from `from` to our number `to`, as Twilio does.
async fn inbound(rig: &Rig, sid: &str, from: &str, to: &str, body: &str) {
    let params = vec![
        ("MessageSid".to_string(), sid.to_string()),
        ("AccountSid".to_string(), SimulatorConfig::default().account_sid),
        ("From".to_string(), from.to_string()),
        ("To".to_string(), to.to_string()),
        ("Body".to_string(), body.to_string()),
    ];
    let sig = signature(&SimulatorConfig::default().auth_token, "http://p2p.test/webhooks/twilio/inbound", &params);
    let url = format!("{}/webhooks/twilio/inbound", rig.world.app.address);
    let res = reqwest::Client::new().post(&url).header("X-Twilio-Signature", &sig).form(&params).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
}

async fn scalar<T>(rig: &Rig, sql: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql).fetch_one(&rig.world.app.pool).await.unwrap()
}

/// A second action of the organization with a conversation for `phone` (no text sent yet).
async fn other_action_conversation(rig: &Rig, phone: &str) -> i64 {
    let pool = &rig.world.app.pool;
    let action = uuid::Uuid::new_v4();
    sqlx::query(
        r#"insert into actions (id, organization_id, title, contact_list_id, initial_script, status, published_at)
           values ($1, $2::uuid, 'Second', $3::uuid, 'Hi', 'published', now())"#,
    )
    .bind(action)
    .bind(&rig.world.org)
    .bind(&rig.world.list)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query_scalar(
        r#"insert into conversations (organization_id, action_id, contact_id, contact_phone)
           select $1::uuid, $2, id, phone from contacts where phone = $3 limit 1 returning id"#,
    )
    .bind(&rig.world.org)
    .bind(action)
    .bind(phone)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn stop_tags_every_conversation_with_the_number_and_start_keeps_the_tag() {
    let rig = rig().await;
    let phone = "+13125550501";
    let c = rig.world.conversation(phone, true, true).await;
    let other = other_action_conversation(&rig, phone).await;
    let bystander = rig.world.conversation("+13125550502", true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    for _ in 0..2 {
        inbound(&rig, "SM00000000000000000000000000000501", phone, FROM, "STOP").await;
    }
    let tagged: Vec<i64> = sqlx::query_scalar(
        r#"select ct.conversation_id from conversation_tags ct join tags t on t.id = ct.tag_id
           where t.name = 'Opt Out' and t.built_in order by 1"#,
    )
    .fetch_all(&rig.world.app.pool)
    .await
    .unwrap();
    let mut want = vec![c.parse::<i64>().unwrap(), other];
    want.sort();
    assert_eq!(tagged, want, "both conversations with the number, not {bystander}");
    inbound(&rig, "SM00000000000000000000000000000502", phone, FROM, "START").await;
    assert!(!scalar::<bool>(&rig, "select exists (select 1 from opt_outs)").await, "START lifts the opt-out");
    assert_eq!(scalar::<i64>(&rig, "select count(*) from conversation_tags").await, 2, "the tag stays as history");
}

#[tokio::test]
async fn help_is_answered_once_from_the_number_texted_and_never_after_stop() {
    let rig = rig().await;
    let phone = "+13125550511";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    sqlx::query(
        r#"insert into texting_settings (organization_id, help_reply) values ($1::uuid, '{organizationName} texts about voting. STOP ends it.')
           on conflict (organization_id) do update set help_reply = excluded.help_reply"#,
    )
    .bind(&rig.world.org)
    .execute(&rig.world.app.pool)
        .await
        .unwrap();
    // This account has Twilio's own keyword answers turned off: we answer (migrations/0038).
    sqlx::query("insert into carrier_settings (organization_id, keyword_replies) values ($1::uuid, 'ours')")
        .bind(&rig.world.org)
        .execute(&rig.world.app.pool)
        .await
        .unwrap();
    // Twilio retries a webhook it did not hear back from: the answer still goes once.
    for _ in 0..3 {
        inbound(&rig, "SM00000000000000000000000000000511", phone, FROM, "Help").await;
    }
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty);
    let received = rig.sim.received_messages();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].to, phone);
    assert_eq!(received[1].from, FROM);
    assert_eq!(received[1].body, "Campaign texts about voting. STOP ends it.");
    let kind: String = sqlx::query_scalar("select kind from messages where twilio_sid = $1")
        .bind(&received[1].sid)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(kind, "auto");
    // STOP gets our one confirmation; once they opted out, HELP is recorded but not answered.
    inbound(&rig, "SM00000000000000000000000000000512", phone, FROM, "STOP").await;
    inbound(&rig, "SM00000000000000000000000000000513", phone, FROM, "INFO").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty);
    let received = rig.sim.received_messages();
    assert_eq!(received.len(), 3);
    assert_eq!(received[2].body, "You're unsubscribed from Campaign. No more texts.");
}

/// Queues `count` messages to distinct contacts, dispatches them with `workers` concurrent
/// workers under `caps`, and returns the seconds taken.
async fn dispatch_capped(rig: &Rig, caps: RateCaps, count: usize, workers: usize) -> f64 {
    for i in 0..count {
        rig.world.conversation(&format!("+1312555{:04}", 600 + i), true, true).await;
    }
    sqlx::query(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, sent_by, pressed_at, press_session)
           select c.organization_id, c.id, 'outbound', 'initial', 'Hi! STOP to opt out', c.contact_phone,
                  coalesce(c.volunteer_id, (select user_id from memberships m where m.organization_id = c.organization_id limit 1)),
                  now(), repeat('a', 64)
           from conversations c"#,
    )
    .execute(&rig.world.app.pool)
    .await
    .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let outbox = rig.worker(caps);
        tasks.push(tokio::spawn(async move {
            loop {
                match outbox.dispatch_one().await.unwrap() {
                    Dispatch::Empty => break,
                    Dispatch::Sent => {}
                    other => panic!("{other:?}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(rig.sim.received_messages().len(), count);
    started.elapsed().as_secs_f64()
}

/// The most messages the carrier took within one wall-clock second, per key.
fn busiest_second(rig: &Rig, key: impl Fn(&server::carrier_simulator::ReceivedMessage) -> String) -> usize {
    let mut per_second: HashMap<(String, i64), usize> = HashMap::new();
    for m in rig.sim.received_messages() {
        *per_second.entry((key(&m), m.date_created.timestamp())).or_default() += 1;
    }
    per_second.into_values().max().unwrap_or(0)
}

#[tokio::test]
async fn the_organization_cap_holds_across_workers() {
    let caps = RateCaps { org_per_sec: 5, number_per_sec: Some(1000) };
    let rig = rig_with(caps).await;
    let seconds = dispatch_capped(&rig, caps, 15, 4).await;
    let busiest = busiest_second(&rig, |_| String::new());
    println!("org cap 5/s: 15 messages, 4 workers, {seconds:.2} s, busiest second {busiest}");
    assert!(seconds >= 15.0 / 5.0 - 1.0, "15 messages at 5/s took only {seconds:.2} s");
    assert!(busiest <= 5, "{busiest} in one second");
}

#[tokio::test]
async fn the_number_cap_holds_across_workers() {
    let caps = RateCaps { org_per_sec: 1000, number_per_sec: Some(3) };
    let rig = rig_with(caps).await;
    let seconds = dispatch_capped(&rig, caps, 9, 4).await;
    let busiest = busiest_second(&rig, |m| m.from.clone());
    println!("number cap 3/s: 9 messages, 4 workers, {seconds:.2} s, busiest second {busiest}");
    assert!(seconds >= 9.0 / 3.0 - 1.0, "9 messages at 3/s took only {seconds:.2} s");
    assert!(busiest <= 3, "{busiest} in one second from one number");
}

fn pools(rig: &Rig, service: Option<&str>) -> NumberPools {
    NumberPools {
        db: rig.world.app.pool.clone(),
        client: rig.client(),
        sms_url: "http://p2p.test/webhooks/twilio/inbound".into(),
        messaging_service_sid: service.map(String::from),
        contacts_per_number: server::number_pools::CONTACTS_PER_NUMBER,
    }
}

#[tokio::test]
async fn an_action_gets_a_pool_in_its_area_codes_texts_from_it_stickily_and_releases_it_when_closed() {
    let rig = rig().await;
    let pool = &rig.world.app.pool;
    let service = "MG0123456789abcdef0123456789abcdef";
    // 450 contacts: three numbers. The simulator sells nothing in 999, so the alternate is used.
    sqlx::query("update contact_lists set contact_count = 450 where id = $1::uuid")
        .bind(&rig.world.list)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("update actions set preferred_area_codes = '{999}', alternate_area_code = 773 where id = $1::uuid")
        .bind(&rig.world.action)
        .execute(pool)
        .await
        .unwrap();
    // Two processes at once still buy three numbers, not six.
    let (a, b) = (pools(&rig, Some(service)), pools(&rig, Some(service)));
    let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
    assert_eq!(ra.unwrap().bought + rb.unwrap().bought, 3);
    assert_eq!(a.run_once().await.unwrap().bought, 0, "a full pool buys nothing more");
    let numbers: Vec<(String, Option<i32>, bool)> = sqlx::query_as(
        "select phone, area_code, in_service_at is not null from action_numbers where released_at is null order by id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(numbers.len(), 3);
    assert!(numbers
        .iter()
        .all(|(phone, code, in_service)| phone.starts_with("+1773") && *code == Some(773) && *in_service));
    let owned = rig.sim.owned_numbers();
    assert!(numbers.iter().all(|(phone, _, _)| owned.contains(&(phone.clone(), Some(service.to_string())))));

    // The first text picks a pool number; the reply goes from the same one, and the contact's
    // answer to it finds the conversation.
    let phone = "+13125550521";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k1").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    let first = rig.sim.received_messages()[0].from.clone();
    assert!(numbers.iter().any(|(n, _, _)| *n == first), "{first} is not a pool number");
    inbound(&rig, "SM00000000000000000000000000000521", phone, &first, "Who is this?").await;
    let routed: Option<i64> = sqlx::query_scalar(
        "select conversation_id from messages where twilio_sid = 'SM00000000000000000000000000000521'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(routed, Some(c.parse().unwrap()));
    rig.world.send(&c, "It's Val from the campaign.", "k2").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.sim.received_messages()[1].from, first, "the contact hears from one number");

    sqlx::query("update actions set status = 'closed', closed_at = now() where id = $1::uuid")
        .bind(&rig.world.action)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(a.run_once().await.unwrap().released, 3);
    assert_eq!(scalar::<i64>(&rig, "select count(*) from action_numbers where released_at is null").await, 0);
    let owned = rig.sim.owned_numbers();
    assert!(numbers.iter().all(|(phone, _, _)| !owned.iter().any(|(n, _)| n == phone)));
}

#[tokio::test]
async fn without_a_pool_the_configured_number_is_used() {
    let rig = rig().await;
    assert_eq!(scalar::<i64>(&rig, "select count(*) from action_numbers").await, 0);
    let c = rig.world.conversation("+13125550531", true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.sim.received_messages()[0].from, FROM);
}

/// A worker that claimed a message and died: its lease runs out and reconciliation settles the
/// message by asking the carrier, so it goes out exactly once whether or not the dead worker's
/// request had reached the carrier.
#[tokio::test]
async fn a_worker_that_died_mid_send_is_reconciled_without_a_double_send() {
    let rig = rig().await;
    let (reached, lost) = ("+13125550541", "+13125550542");
    for (i, phone) in [reached, lost].into_iter().enumerate() {
        let c = rig.world.conversation(phone, true, true).await;
        rig.world.send(&c, SCRIPT, &format!("k{i}")).await;
    }
    // The dead worker's claim, lease already over; it had sent one of the two.
    sqlx::query("update messages set status = 'sending', attempts = 1, next_attempt_at = now() - interval '1 second'")
        .execute(&rig.world.app.pool)
        .await
        .unwrap();
    let body: String = sqlx::query_scalar("select body from messages where to_phone = $1")
        .bind(reached)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    let request = SendMessage {
        to: reached.into(),
        from: Sender::Number(FROM.into()),
        body,
        media_urls: Vec::new(),
        status_callback: None,
        validity_period_secs: None,
    };
    let sent = rig.client().send_message(&request).await.unwrap();
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty, "a claimed message is not taken twice");
    assert_eq!(rig.outbox.reconcile().await.unwrap(), 2);
    let sid: Option<String> = sqlx::query_scalar("select twilio_sid from messages where to_phone = $1")
        .bind(reached)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(sid.as_deref(), Some(sent.sid.as_str()));
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty);
    let received = rig.sim.received_messages();
    assert_eq!(received.len(), 2);
    assert_eq!(received.iter().filter(|m| m.to == reached).count(), 1);
    assert_eq!(received.iter().filter(|m| m.to == lost).count(), 1);
}

#[tokio::test]
async fn a_stranger_texting_a_pool_number_is_kept_for_its_organization() {
    let rig = rig().await;
    sqlx::query(
        r#"insert into action_numbers (organization_id, action_id, phone, twilio_sid, area_code)
           values ($1::uuid, $2::uuid, '+17735550100', 'PN0123456789abcdef0123456789abcdef', 773)"#,
    )
    .bind(&rig.world.org)
    .bind(&rig.world.action)
    .execute(&rig.world.app.pool)
    .await
    .unwrap();
    inbound(&rig, "SM00000000000000000000000000000551", "+13125550551", "+17735550100", "Who's this?").await;
    let org: uuid::Uuid = scalar(&rig, "select organization_id from messages where direction = 'inbound'").await;
    assert_eq!(org.to_string(), rig.world.org);
}

#[tokio::test]
async fn pool_numbers_join_a_messaging_service_configured_later() {
    let rig = rig().await;
    sqlx::query("update actions set preferred_area_codes = '{312}' where id = $1::uuid")
        .bind(&rig.world.action)
        .execute(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(pools(&rig, None).run_once().await.unwrap().bought, 1, "an empty list still gets one number");
    let service = "MG0123456789abcdef0123456789abcdef";
    pools(&rig, Some(service)).run_once().await.unwrap();
    let phone: String = scalar(&rig, "select phone from action_numbers where in_service_at is not null").await;
    assert!(phone.starts_with("+1312"), "{phone}");
    assert!(rig.sim.owned_numbers().contains(&(phone, Some(service.to_string()))));
}
