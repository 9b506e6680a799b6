//! STOP and HELP are answered once: by the carrier (Twilio's default opt-out handling) or by
//! us, as Settings → Carrier says (migrations/0038). Against the simulator over HTTP.

use crate::messaging::SCRIPT;
use crate::outbox::{rig_with_sim, Rig, FROM};
use server::carrier_simulator::SimulatorConfig;
use server::outbox::Dispatch;

/// A contact who got their first text, and whose replies reach our webhook.
async fn texted(carrier_answers: bool, phone: &str) -> (Rig, String) {
    let rig =
        rig_with_sim(Default::default(), SimulatorConfig { answers_keywords: carrier_answers, ..Default::default() })
            .await;
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    rig.sim.set_inbound_url(Some("http://p2p.test/webhooks/twilio/inbound".into()));
    (rig, c)
}

/// Every answer the contact got after their first text: the carrier's own and the ones we sent.
async fn answers(rig: &Rig, phone: &str) -> Vec<String> {
    while rig.outbox.dispatch_one().await.unwrap() != Dispatch::Empty {}
    let carrier =
        rig.sim.keyword_answers().into_iter().filter(|a| a.to == phone).map(|a| format!("carrier: {}", a.body));
    let ours =
        rig.sim.received_messages().into_iter().filter(|m| m.to == phone).skip(1).map(|m| format!("ours: {}", m.body));
    carrier.chain(ours).collect()
}

async fn choose(rig: &Rig, choice: &str) {
    let (status, body) = rig
        .world
        .app
        .call(&rig.world.admin, "save_carrier_settings", &[("org_id", &rig.world.org), ("keyword_replies", choice)])
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_contact_never_gets_two_help_answers() {
    // Twilio's default: the carrier answers, we do not.
    let phone = "+13125550901";
    let (rig, _) = texted(true, phone).await;
    assert_eq!(rig.sim.inject_inbound(phone, FROM, "HELP").await.unwrap().response_status, Some(200));
    let got = answers(&rig, phone).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("carrier: "), "{got:?}");

    // An account with Twilio's answers turned off, set so in Settings: ours, once.
    let phone = "+13125550902";
    let (rig, _) = texted(false, phone).await;
    choose(&rig, "ours").await;
    assert_eq!(rig.sim.inject_inbound(phone, FROM, "help").await.unwrap().response_status, Some(200));
    let got = answers(&rig, phone).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("ours: Campaign"), "the organization's HELP answer: {got:?}");
}

#[tokio::test]
async fn a_stop_is_confirmed_once_by_whoever_answers_keywords() {
    let phone = "+13125550911";
    let (rig, c) = texted(true, phone).await;
    rig.sim.inject_inbound(phone, FROM, "STOP").await.unwrap();
    let got = answers(&rig, phone).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("carrier: You have successfully been unsubscribed"), "{got:?}");
    // The carrier now refuses texts from that number (21610) until START; we refuse them first.
    let (status, body) = rig.world.send(&c, "One more thing", "k2").await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "{body}");

    let phone = "+13125550912";
    let (rig, _) = texted(false, phone).await;
    choose(&rig, "ours").await;
    rig.sim.inject_inbound(phone, FROM, "STOP").await.unwrap();
    let got = answers(&rig, phone).await;
    assert_eq!(got, vec!["ours: You're unsubscribed from Campaign. No more texts.".to_string()]);
    let opted_out: i64 = sqlx::query_scalar("select count(*) from opt_outs where phone = $1")
        .bind(phone)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(opted_out, 1);
}

#[tokio::test]
async fn only_admins_choose_who_answers_and_a_wrong_choice_is_named() {
    let phone = "+13125550921";
    let (rig, _) = texted(true, phone).await;
    let (status, body) = rig
        .world
        .app
        .call(&rig.world.admin, "save_carrier_settings", &[("org_id", &rig.world.org), ("keyword_replies", "both")])
        .await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "keyword_replies", "{body}");
    let (status, _) = rig
        .world
        .app
        .call(&rig.world.volunteer, "save_carrier_settings", &[("org_id", &rig.world.org), ("keyword_replies", "ours")])
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
    let (status, body) =
        rig.world.app.call(&rig.world.admin, "get_carrier_settings", &[("org_id", &rig.world.org)]).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(body["keyword_replies"], "Carrier", "unchanged: {body}");
}

#[tokio::test]
async fn after_stop_the_carrier_refuses_that_number_with_21610_until_start() {
    let phone = "+13125550931";
    let (rig, _) = texted(true, phone).await;
    let client = rig.client();
    let text = |body: &str| server::twilio::SendMessage {
        to: phone.into(),
        from: server::twilio::Sender::Number(FROM.into()),
        body: body.into(),
        media_urls: vec![],
        status_callback: None,
        validity_period_secs: None,
    };
    rig.sim.inject_inbound(phone, FROM, "Stop").await.unwrap();
    let refused = client.send_message(&text("Hi")).await.unwrap_err();
    assert_eq!(refused.code(), Some(21610), "{refused:?}");
    // Another of our numbers is not blocked by it (Twilio blocks per sender).
    let other =
        server::twilio::SendMessage { from: server::twilio::Sender::Number("+13122000009".into()), ..text("Hi") };
    assert!(client.send_message(&other).await.is_ok());
    rig.sim.inject_inbound(phone, FROM, "START").await.unwrap();
    assert!(client.send_message(&text("Welcome back")).await.is_ok());
}
