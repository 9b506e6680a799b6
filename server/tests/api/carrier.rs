//! What each carrier error means (server/src/twilio/errors.rs), against the simulator over HTTP.

use crate::messaging::SCRIPT;
use crate::outbox::{rig, Rig, FROM};
use server::carrier_simulator::Fault;
use server::outbox::{Dispatch, Outbox};
use server::twilio::{Sender, TwilioClient};
use std::time::Duration;

async fn statuses(rig: &Rig) -> Vec<(String, String)> {
    sqlx::query_as("select to_phone, status from messages where direction = 'outbound' order by id")
        .fetch_all(&rig.world.app.pool)
        .await
        .unwrap()
}

/// A worker whose auth token is no longer the account's (rotated away in the console).
fn stale_worker(rig: &Rig) -> Outbox {
    let mut config = rig.sim.client_config(&rig.base);
    config.auth_token = "rotated-away".into();
    config.timeout = Duration::from_millis(800);
    Outbox {
        db: rig.world.app.pool.clone(),
        client: TwilioClient::new(config).unwrap(),
        sender: Sender::Number(FROM.into()),
        status_callback: "http://p2p.test/webhooks/twilio/status".into(),
        caps: Default::default(),
    }
}

#[tokio::test]
async fn a_500_that_sent_is_reconciled_and_the_contact_gets_one_text() {
    let rig = rig().await;
    let phone = "+13125550601";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    rig.sim.inject_fault(Fault::ServerErrorAfterSending, 1);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Unknown);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty, "a 500 is never re-sent blindly");
    sqlx::query("update messages set next_attempt_at = now()").execute(&rig.world.app.pool).await.unwrap();
    assert_eq!(rig.outbox.reconcile().await.unwrap(), 1);
    let sid: Option<String> = sqlx::query_scalar("select twilio_sid from messages where to_phone = $1")
        .bind(phone)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert!(sid.is_some_and(|s| s.starts_with("SM")), "the carrier's SID is recorded");
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty);
    let to_contact = rig.sim.received_messages().into_iter().filter(|m| m.to == phone).count();
    assert_eq!(to_contact, 1, "the contact got exactly one text");
}

#[tokio::test]
async fn a_401_pauses_the_organization_with_nothing_failed_and_a_fixed_token_resumes_it() {
    let rig = rig().await;
    let phones = ["+13125550611", "+13125550612", "+13125550613"];
    for (i, phone) in phones.iter().enumerate() {
        let c = rig.world.conversation(phone, true, true).await;
        rig.world.send(&c, SCRIPT, &format!("k{i}")).await;
    }
    let stale = stale_worker(&rig);
    assert_eq!(stale.dispatch_one().await.unwrap(), Dispatch::Paused);
    assert_eq!(stale.dispatch_one().await.unwrap(), Dispatch::Empty, "a paused organization sends nothing");
    assert!(statuses(&rig).await.iter().all(|(_, s)| s == "queued"), "{:?}", statuses(&rig).await);
    let (code, reason, attempts): (Option<i32>, String, i64) = sqlx::query_as(
        "select p.error_code, p.reason, (select max(attempts)::bigint from messages) from sending_pauses p",
    )
    .fetch_one(&rig.world.app.pool)
    .await
    .unwrap();
    assert_eq!(code, Some(20003));
    assert!(reason.contains("Auth Token") && !reason.contains("rotated-away"), "{reason}");
    assert_eq!(attempts, 0, "a refused account uses up no attempt");
    // Still the old token: the pause stays.
    assert_eq!(stale.resume_paused().await.unwrap(), 0);
    assert_eq!(stale.dispatch_one().await.unwrap(), Dispatch::Empty);

    // The admin sets the current token and the server restarts with it.
    let fixed = rig.worker(crate::outbox::TEST_CAPS);
    assert_eq!(fixed.resume_paused().await.unwrap(), 1);
    for _ in &phones {
        assert_eq!(fixed.dispatch_one().await.unwrap(), Dispatch::Sent);
    }
    assert!(statuses(&rig).await.iter().all(|(_, s)| s != "failed"));
    assert_eq!(rig.sim.received_messages().len(), phones.len());
}

#[tokio::test]
async fn a_carrier_21610_opts_the_contact_out_organization_wide() {
    let rig = rig().await;
    // Twilio's test number that answers 21610 (unsubscribed recipient).
    let phone = "+15005550004";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Failed);
    let source: String =
        sqlx::query_scalar("select source from opt_outs where phone = $1 and organization_id = $2::uuid")
            .bind(phone)
            .bind(&rig.world.org)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
    assert_eq!(source, "carrier");
    let (status, body) = rig.world.send(&c, "Hi again", "k2").await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains("opted out"), "{body}");
}

#[tokio::test]
async fn invalid_and_not_mobile_numbers_become_undeliverable_and_are_never_texted_again() {
    let rig = rig().await;
    // Twilio's test numbers: 21211 (invalid 'To') and 21614 (not a mobile number).
    for (phone, code) in [("+15005550001", 21211), ("+15005550009", 21614)] {
        let c = rig.world.conversation(phone, true, true).await;
        rig.world.send(&c, SCRIPT, phone).await;
        assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Failed);
        let stored: i32 = sqlx::query_scalar(
            "select error_code from undeliverable_phones where phone = $1 and organization_id = $2::uuid",
        )
        .bind(phone)
        .bind(&rig.world.org)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
        assert_eq!(stored, code);
        let (status, body) = rig.world.send(&c, "Hi again", &format!("{phone}-2")).await;
        assert_eq!(status, reqwest::StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("cannot receive texts"), "{body}");
    }
    let opted_out: i64 =
        sqlx::query_scalar("select count(*) from opt_outs").fetch_one(&rig.world.app.pool).await.unwrap();
    assert_eq!(opted_out, 0, "an undeliverable number is not an opt-out");
    // Counted in the action's results and shown in its contacts export, with the carrier's code.
    let (status, results) = rig
        .world
        .app
        .call(&rig.world.admin, "get_action_results", &[("org_id", &rig.world.org), ("action_id", &rig.world.action)])
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{results}");
    assert_eq!(results["messages"]["undeliverable"], 2, "{results}");
    let csv = rig
        .world
        .admin
        .get(format!("{}/api/actions/{}/export/contacts.csv", rig.world.app.address, rig.world.action))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "undeliverable").expect("an undeliverable column");
    for (phone, code) in [("+15005550001", "21211"), ("+15005550009", "21614")] {
        let row = csv.lines().find(|l| l.contains(phone)).unwrap();
        assert_eq!(row.split(',').nth(column), Some(code), "{row}");
    }
}

#[tokio::test]
async fn a_full_sender_queue_waits_and_sends_later_and_faults_come_on_demand() {
    let rig = rig().await;
    let phone = "+13125550621";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    // The standalone simulator's control: the next send meets 21611 (the From's queue is full).
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/_simulator/fault", rig.base))
        .form(&[("Fault", "queue_full"), ("Count", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let refused =
        http.post(format!("{}/_simulator/fault", rig.base)).form(&[("Fault", "meteor")]).send().await.unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Retrying, "21611 waits, it does not fail");
    let (status, attempts): (String, i32) = sqlx::query_as("select status, attempts from messages where to_phone = $1")
        .bind(phone)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("queued", 1));
    sqlx::query("update messages set next_attempt_at = now()").execute(&rig.world.app.pool).await.unwrap();
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.sim.received_messages().len(), 1);
}
