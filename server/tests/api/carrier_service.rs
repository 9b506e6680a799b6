//! Messaging Service sends: Twilio answers with from = null and names the number in the status
//! callback's From (twilio-oai twilio_api_v2010.json); we record it there, so the contact's
//! reply reaches their conversation. Against the simulator over HTTP.

use crate::messaging::SCRIPT;
use crate::outbox::rig;
use server::outbox::{Dispatch, Outbox};
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
    let phone = "+13125551001";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(worker.dispatch_one().await.unwrap(), Dispatch::Sent);
    let sent = rig.sim.received_messages().pop().unwrap();
    assert_eq!(sent.field("MessagingServiceSid"), Some(SERVICE));
    assert_eq!(sent.field("From"), None, "the service picks the number");

    // The send's answer named no number; the callbacks do.
    let mut sender: Option<String> = None;
    for _ in 0..200 {
        sender = sqlx::query_scalar("select sender_phone from conversations where id = $1::bigint")
            .bind(&c)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
        if sender.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
    assert!(!app::server::db::webhooks::apply_status(&rig.world.app.pool, sid, "sent", None, Some(POOL[1]))
        .await
        .unwrap());
    app::server::db::webhooks::record_sid(&rig.world.app.pool, id, sid, "accepted", None).await.unwrap();
    let (status, from, sender): (String, Option<String>, Option<String>) = sqlx::query_as(
        "select m.status, m.from_phone, c.sender_phone from messages m join conversations c on c.id = m.conversation_id where m.id = $1",
    )
    .bind(id)
    .fetch_one(&rig.world.app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), from.as_deref(), sender.as_deref()), ("sent", Some(POOL[1]), Some(POOL[1])));
}
