//! Messaging Service sends: Twilio answers with from = null and names the number in the status
//! callback's From (twilio-oai twilio_api_v2010.json); we record it there, so the contact's
//! reply reaches their conversation. The service's inbound webhook is ours (the outbox sets
//! InboundRequestUrl), and a quarantined number leaves the service's pool. Against the
//! simulator over HTTP.

use crate::messaging::SCRIPT;
use crate::outbox::rig;
use server::outbox::{Dispatch, Outbox};
use server::twilio::MessageStatus;
use server::twilio::Sender;
use std::time::Duration;

const SERVICE: &str = "MG00000000000000000000000000000001";
const POOL: [&str; 2] = ["+13122000101", "+13122000102"];

#[tokio::test]
async fn a_messaging_service_reply_routes_to_its_conversation() {
    let rig = rig().await;
    for number in POOL {
        rig.sim.add_number(number, Some("http://p2p.test/webhooks/twilio/inbound"), Some(SERVICE));
    }
    let worker = Outbox { sender: Sender::MessagingService(SERVICE.into()), ..rig.worker(crate::outbox::TEST_CAPS) };
    assert!(worker.route_service_inbound().await.unwrap());
    let phone = "+13125551001";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(worker.dispatch_one().await.unwrap(), Dispatch::Sent);
    let sent = rig.sim.received_messages().pop().unwrap();
    assert_eq!(sent.field("MessagingServiceSid"), Some(SERVICE));
    assert_eq!(sent.field("From"), None, "the service picks the number");

    // The send's answer named no number; the callbacks do.
    let sender = recorded_sender(&rig, &c).await;
    assert_eq!(sender.as_deref(), Some(sent.from.as_str()), "recorded from the status callback's From");
    let from_phone: Option<String> = sqlx::query_scalar("select from_phone from messages where twilio_sid = $1")
        .bind(&sent.sid)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(from_phone.as_deref(), Some(sent.from.as_str()));

    // The contact answers the number that texted them: it lands in their conversation.
    let posted = rig.sim.inject_inbound(phone, &sent.from, "Yes, count me in").await.unwrap();
    assert_eq!(posted.response_status, Some(200));
    let conversation: Option<i64> =
        sqlx::query_scalar("select conversation_id from messages where direction = 'inbound' and twilio_sid = $1")
            .bind(posted.param("MessageSid").unwrap())
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
    assert_eq!(conversation, Some(c.parse().unwrap()));
}

#[tokio::test]
async fn a_status_callback_that_beats_the_send_answer_still_names_the_number() {
    let rig = rig().await;
    let phone = "+13125551011";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    let id: i64 = sqlx::query_scalar("select id from messages where to_phone = $1")
        .bind(phone)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    let sid = "SM00000000000000000000000000001011";
    // The callback first (parked), then the send's answer with from = null.
    assert!(!app::server::db::webhooks::apply_status(
        &rig.world.app.pool,
        sid,
        &MessageStatus::Sent,
        None,
        Some(POOL[1])
    )
    .await
    .unwrap());
    app::server::db::webhooks::record_sid(&rig.world.app.pool, id, sid, &MessageStatus::Accepted, None).await.unwrap();
    let (status, from, sender): (String, Option<String>, Option<String>) = sqlx::query_as(
        "select m.status, m.from_phone, c.sender_phone from messages m join conversations c on c.id = m.conversation_id where m.id = $1",
    )
    .bind(id)
    .fetch_one(&rig.world.app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), from.as_deref(), sender.as_deref()), ("sent", Some(POOL[1]), Some(POOL[1])));
}

/// The conversation's sending number once a status callback has recorded it (up to 4 s).
async fn recorded_sender(rig: &crate::outbox::Rig, conversation: &str) -> Option<String> {
    let mut sender = None;
    for _ in 0..200 {
        sender = sqlx::query_scalar("select sender_phone from conversations where id = $1::bigint")
            .bind(conversation)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
        if sender.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sender
}

fn service_worker(rig: &crate::outbox::Rig) -> Outbox {
    Outbox { sender: Sender::MessagingService(SERVICE.into()), ..rig.worker(crate::outbox::TEST_CAPS) }
}

#[tokio::test]
async fn replies_to_any_number_of_the_service_reach_our_webhook_once_it_is_routed() {
    let rig = rig().await;
    // One number we bought (its SmsUrl is ours) and one an operator put in the service by hand.
    rig.sim.add_number(POOL[0], Some("http://p2p.test/webhooks/twilio/inbound"), Some(SERVICE));
    rig.sim.add_number(POOL[1], None, Some(SERVICE));
    let worker = service_worker(&rig);
    let phone = "+13125551021";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(worker.dispatch_one().await.unwrap(), Dispatch::Sent);
    let sent = rig.sim.received_messages().pop().unwrap();

    // A service whose inbound URL is unset drops texts to its numbers, unlogged (twilio-oai,
    // Service `inbound_request_url`): nothing would reach us.
    assert!(rig.sim.inject_inbound(phone, POOL[0], "dropped").await.is_none());
    assert!(rig.sim.inbound_texts().is_empty());

    assert!(worker.route_service_inbound().await.unwrap());
    let settings = rig.sim.service_settings(SERVICE);
    assert_eq!(settings.inbound_request_url.as_deref(), Some("http://p2p.test/webhooks/twilio/inbound"));
    assert_eq!(settings.inbound_method.as_deref(), Some("POST"));
    assert!(!settings.use_inbound_webhook_on_number);
    // Again changes nothing.
    assert!(worker.route_service_inbound().await.unwrap());
    assert_eq!(rig.sim.service_settings(SERVICE), settings);

    // The contact replies to the number that texted them, whichever of the two it was (known
    // from the status callback's From).
    recorded_sender(&rig, &c).await;
    let posted = rig.sim.inject_inbound(phone, &sent.from, "Count me in").await.unwrap();
    assert_eq!(posted.response_status, Some(200));
    assert_eq!(posted.url, "http://p2p.test/webhooks/twilio/inbound");
    assert_eq!(posted.param("MessagingServiceSid"), Some(SERVICE));
    let mut conversation: Option<i64> = None;
    for _ in 0..100 {
        conversation =
            sqlx::query_scalar("select conversation_id from messages where direction = 'inbound' and twilio_sid = $1")
                .bind(posted.param("MessageSid").unwrap())
                .fetch_optional(&rig.world.app.pool)
                .await
                .unwrap()
                .flatten();
        if conversation.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(conversation, Some(c.parse().unwrap()));
    // The number without a webhook of its own is reached through the service as well.
    let other = if sent.from == POOL[0] { POOL[1] } else { POOL[0] };
    let posted = rig.sim.inject_inbound("+13125551022", other, "Who is this?").await.unwrap();
    assert_eq!(posted.response_status, Some(200));
}

#[tokio::test]
async fn a_quarantined_number_leaves_the_service_and_no_later_send_uses_it() {
    let rig = rig().await;
    for number in POOL {
        rig.sim.add_number(number, Some("http://p2p.test/webhooks/twilio/inbound"), Some(SERVICE));
    }
    let worker = service_worker(&rig);
    assert_eq!(worker.withdraw_quarantined().await.unwrap(), 0, "nothing quarantined yet");
    let org: uuid::Uuid = rig.world.org.parse().unwrap();
    let reason = "The carrier refused texts from this number (Twilio 30034)";
    assert!(app::server::db::sender_quarantine::quarantine(&rig.world.app.pool, org, POOL[0], 30034, reason)
        .await
        .unwrap());

    assert_eq!(worker.withdraw_quarantined().await.unwrap(), 1);
    let owned = rig.sim.owned_numbers();
    assert!(owned.contains(&(POOL[0].to_string(), None)), "out of the service, still the account's: {owned:?}");
    assert!(owned.contains(&(POOL[1].to_string(), Some(SERVICE.to_string()))), "{owned:?}");
    let pool = rig.client().list_service_numbers(SERVICE).await.unwrap();
    assert_eq!(pool.iter().map(|n| n.phone_number.as_str()).collect::<Vec<_>>(), vec![POOL[1]]);
    let left: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select left_service_at from sender_quarantine where phone = $1")
            .bind(POOL[0])
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
    assert!(left.is_some());
    assert_eq!(worker.withdraw_quarantined().await.unwrap(), 0, "done once");

    // Every later send through the service goes from the number left in it.
    for i in 0..6 {
        let c = rig.world.conversation(&format!("+1312555{:04}", 1030 + i), true, true).await;
        rig.world.send(&c, SCRIPT, &format!("k{i}")).await;
        assert_eq!(worker.dispatch_one().await.unwrap(), Dispatch::Sent);
    }
    let senders: Vec<String> = rig.sim.received_messages().into_iter().map(|m| m.from).collect();
    assert_eq!(senders.len(), 6);
    assert!(senders.iter().all(|from| from == POOL[1]), "{senders:?}");
}
