//! One status order (migrations/0036, `message_status_rank`): every pair of Twilio's outbound
//! statuses, posted as signed status callbacks to the real webhook, leaves the status the
//! documented lifecycle says.

use crate::messaging::SCRIPT;
use crate::outbox::rig;
use server::outbox::Dispatch;
use server::twilio::{signature, MessageStatus, SIGNATURE_HEADER};

/// Twilio's lifecycle of an outbound message, earliest first (twilio-oai twilio_api_v2010.json,
/// `message_enum_status`; the Message resource's status table). Statuses in one tier never
/// replace each other. Written here on its own, so a mistake in the migration cannot hide.
const TIERS: &[&[&str]] = &[
    &["scheduled"],
    &["accepted"],
    &["queued"],
    &["sending"],
    &["sent"],
    // The ways out: a failure report from a hop ranks below a handset's delivery receipt.
    &["failed", "undelivered", "canceled"],
    &["partially_delivered"],
    &["delivered"],
    &["read"],
];

fn tier(status: &str) -> usize {
    TIERS.iter().position(|t| t.contains(&status)).unwrap()
}

#[tokio::test]
async fn every_pair_of_statuses_through_the_webhook_keeps_the_later_one_in_twilios_order() {
    let rig = rig().await;
    let phone = "+13125550701";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    let db = &rig.world.app.pool;
    let token = rig.sim.config().auth_token.clone();
    let account = rig.sim.config().account_sid.clone();
    let http = reqwest::Client::new();
    let post = |sid: String, status: &'static str| {
        let mut params = vec![
            ("MessageSid".to_string(), sid),
            ("MessageStatus".to_string(), status.to_string()),
            ("AccountSid".to_string(), account.clone()),
            ("To".to_string(), phone.to_string()),
        ];
        if MessageStatus::parse(status).is_failure() {
            params.push(("ErrorCode".to_string(), "30003".to_string()));
        }
        let signed = signature(&token, "http://p2p.test/webhooks/twilio/status", &params);
        let request = http
            .post(format!("{}/webhooks/twilio/status", rig.world.app.address))
            .header(SIGNATURE_HEADER, signed)
            .form(&params);
        async move {
            let res = request.send().await.unwrap();
            assert!(res.status().is_success(), "{status}: {}", res.status());
        }
    };
    let all: Vec<&'static str> = TIERS.iter().flat_map(|t| t.iter().copied()).collect();
    let mut walked = 0;
    for (i, first) in all.iter().enumerate() {
        for (j, second) in all.iter().enumerate() {
            // A fresh SID for each pair, so the simulator's own callbacks (for the real SID)
            // and earlier pairs cannot touch this one. The send recorded it as queued.
            let sid = format!("SMwalk{i:02}x{j:02}{}", "0".repeat(22));
            sqlx::query("update messages set twilio_sid = $1, status = 'queued', error_code = null where to_phone = $2 and direction = 'outbound'")
                .bind(&sid)
                .bind(phone)
                .execute(db)
                .await
                .unwrap();
            post(sid.clone(), first).await;
            post(sid.clone(), second).await;
            let mut want = "queued";
            for next in [*first, *second] {
                if tier(next) > tier(want) {
                    want = next;
                }
            }
            let (got, code): (String, Option<i32>) =
                sqlx::query_as("select status, error_code from messages where twilio_sid = $1")
                    .bind(&sid)
                    .fetch_one(db)
                    .await
                    .unwrap();
            assert_eq!(got, want, "{first} then {second}");
            if MessageStatus::parse(want).is_failure() {
                assert_eq!(code, Some(30003), "{first} then {second}: the failure's code is kept");
            }
            walked += 1;
        }
    }
    assert_eq!(walked, all.len() * all.len());
}

#[tokio::test]
async fn a_failure_is_the_same_set_of_statuses_in_rust_and_in_the_database() {
    let rig = rig().await;
    for status in [
        "scheduled",
        "accepted",
        "queued",
        "sending",
        "sent",
        "failed",
        "undelivered",
        "canceled",
        "partially_delivered",
        "delivered",
        "read",
        "receiving",
        "received",
        "teleported",
    ] {
        let in_db: bool = sqlx::query_scalar("select message_status_failed($1)")
            .bind(status)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
        assert_eq!(in_db, MessageStatus::parse(status).is_failure(), "{status}");
    }
}
