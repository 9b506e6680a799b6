//! Replies and opt-outs are never lost: inbound texts are stored before they are processed
//! (a crash in between is recovered at startup), and the inbound sweep lists the carrier's
//! messages so a STOP sent while our server was down is still honoured. Against the simulator
//! over HTTP.

use crate::helpers::{spawn_app_on, test_config, TestApp};
use crate::messaging::SCRIPT;
use crate::outbox::{rig, Rig, FROM};
use app::server::config::TwilioCredentials;
use server::outbox::Dispatch;
use std::time::Duration;

/// The same database served by a new process (a restart), on the same carrier.
async fn restarted(rig: &Rig) -> TestApp {
    let mut config = test_config();
    let sim = rig.sim.config();
    config.twilio = Some(TwilioCredentials {
        account_sid: sim.account_sid.clone(),
        auth_token: sim.auth_token.clone(),
        api_base: rig.base.clone(),
        messaging_base: rig.base.clone(),
        messaging_service_sid: None,
        from_number: Some(FROM.into()),
    });
    spawn_app_on(&rig.world.app.database_url, config).await
}

async fn opted_out(rig: &Rig, phone: &str) -> Option<String> {
    sqlx::query_scalar("select source from opt_outs where phone = $1 and organization_id = $2::uuid")
        .bind(phone)
        .bind(&rig.world.org)
        .fetch_optional(&rig.world.app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stop_sent_while_the_server_was_down_is_honoured_by_the_sweep_on_restart() {
    let rig = rig().await;
    let phone = "+13125550801";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);

    // The server is down: nothing listens where Twilio posts inbound texts.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/webhooks/twilio/inbound", down.local_addr().unwrap());
    drop(down);
    rig.sim.set_inbound_url(Some(dead));
    let posted = rig.sim.inject_inbound(phone, FROM, "STOP").await.unwrap();
    assert_eq!(posted.response_status, None, "the webhook never reached us (and Twilio does not retry it)");
    assert_eq!(opted_out(&rig, phone).await, None);

    // Restart: the new process's worker sweeps at start.
    let app = restarted(&rig).await;
    let worker = rig.worker(crate::outbox::TEST_CAPS);
    assert_eq!(worker.sweep_inbound().await.unwrap(), 1, "the sweep finds the STOP");
    assert_eq!(opted_out(&rig, phone).await.as_deref(), Some("keyword"));
    let (sid, conversation): (String, Option<i64>) = sqlx::query_as(
        "select twilio_sid, conversation_id from messages where direction = 'inbound' and body = 'STOP'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(sid, rig.sim.inbound_texts()[0].sid, "recorded under the carrier's SID");
    assert_eq!(conversation, Some(c.parse().unwrap()), "routed to the conversation");
    let (source, processed): (String, bool) =
        sqlx::query_as("select source, processed_at is not null from inbound_requests where twilio_sid = $1")
            .bind(&sid)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((source.as_str(), processed), ("sweep", true));

    // A second pass finds nothing new; the opt-out holds for later texts.
    assert_eq!(worker.sweep_inbound().await.unwrap(), 0);
    let inbound: i64 = sqlx::query_scalar("select count(*) from messages where direction = 'inbound'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(inbound, 1);
    let (status, body) = rig.world.send(&c, "Hi again", "k2").await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn an_inbound_text_is_stored_before_it_is_processed_and_a_crash_in_between_is_recovered_at_startup() {
    let rig = rig().await;
    let phone = "+13125550811";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    rig.sim.set_inbound_url(Some("http://p2p.test/webhooks/twilio/inbound".into()));

    // Through the webhook: stored with every field as posted, then processed.
    let posted = rig.sim.inject_inbound(phone, FROM, "Who is this?").await.unwrap();
    assert_eq!(posted.response_status, Some(200));
    let sid = posted.param("MessageSid").unwrap().to_string();
    let (names, values): (Vec<String>, Vec<String>) =
        sqlx::query_as("select param_names, param_values from inbound_requests where twilio_sid = $1")
            .bind(&sid)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
    let stored: Vec<(String, String)> = names.into_iter().zip(values).collect();
    assert_eq!(stored, posted.params, "the raw request, as Twilio posted it");
    let mut processed = false;
    for _ in 0..100 {
        processed = sqlx::query_scalar("select exists (select 1 from messages where twilio_sid = $1)")
            .bind(&sid)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
        if processed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(processed, "processed after the answer");

    // A process that stored a STOP and died before applying it: the row is all there is.
    let stop: Vec<(String, String)> = [
        ("MessageSid", "SM11111111111111111111111111111111"),
        ("AccountSid", rig.sim.config().account_sid.as_str()),
        ("From", phone),
        ("To", FROM),
        ("Body", "STOP"),
        ("NumMedia", "0"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    app::server::db::webhooks::store_inbound(
        &rig.world.app.pool,
        "SM11111111111111111111111111111111",
        &stop,
        app::server::db::webhooks::InboundSource::Webhook,
    )
    .await
    .unwrap();
    assert_eq!(opted_out(&rig, phone).await, None);
    let _app = restarted(&rig).await;
    for _ in 0..200 {
        if opted_out(&rig, phone).await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(opted_out(&rig, phone).await.as_deref(), Some("keyword"), "startup processed the stored STOP");
    let pending: i64 = sqlx::query_scalar("select count(*) from inbound_requests where processed_at is null")
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn a_picture_reply_is_kept_with_its_media_as_posted() {
    let rig = rig().await;
    let phone = "+13125550821";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    rig.sim.set_inbound_url(Some("http://p2p.test/webhooks/twilio/inbound".into()));
    let media = vec!["https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1".to_string()];
    let posted = rig.sim.inject_inbound_media(phone, FROM, "", &media).await.unwrap();
    assert_eq!(posted.response_status, Some(200));
    assert_eq!((posted.param("NumMedia"), posted.param("MediaUrl0")), (Some("1"), Some(media[0].as_str())));
    let sid = posted.param("MessageSid").unwrap();
    let (names, values): (Vec<String>, Vec<String>) =
        sqlx::query_as("select param_names, param_values from inbound_requests where twilio_sid = $1")
            .bind(sid)
            .fetch_one(&rig.world.app.pool)
            .await
            .unwrap();
    let at = names.iter().position(|n| n == "MediaUrl0").expect("the media URL is stored");
    assert_eq!(values[at], media[0]);
    let conversation: Option<i64> = sqlx::query_scalar("select conversation_id from messages where twilio_sid = $1")
        .bind(sid)
        .fetch_one(&rig.world.app.pool)
        .await
        .unwrap();
    assert_eq!(conversation, Some(c.parse().unwrap()), "a picture without words is still a reply");
}

/// A picture a contact sends is kept with their reply and shown in both threads through our own
/// server, which fetches it from the carrier with the account's credentials (Twilio's media
/// URLs may require them) and only for someone who may read the thread.
#[tokio::test]
async fn a_picture_from_a_contact_shows_in_the_volunteers_and_the_admins_thread() {
    let rig = rig().await;
    let phone = "+13125551501";
    let c = rig.world.conversation(phone, true, true).await;
    rig.world.send(&c, SCRIPT, "k").await;
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    rig.sim.set_inbound_url(Some("http://p2p.test/webhooks/twilio/inbound".into()));
    let picture: &[u8] = b"\x89PNG\r\n\x1a\n not really a png, but bytes to compare";
    let url = format!("{}{}", rig.base, rig.sim.host_media("image/png", picture));
    let posted = rig.sim.inject_inbound_media(phone, FROM, "Here's our flyer", &[url.clone()]).await.unwrap();
    assert_eq!(posted.response_status, Some(200));
    assert_eq!(posted.param("NumMedia"), Some("1"));
    let (id, media, conversation): (i64, Option<Vec<String>>, Option<i64>) = sqlx::query_as(
        "select id, media_urls, conversation_id from messages where direction = 'inbound' and twilio_sid = $1",
    )
    .bind(posted.param("MessageSid").unwrap())
    .fetch_one(&rig.world.app.pool)
    .await
    .unwrap();
    assert_eq!(media, Some(vec![url]));
    assert_eq!(conversation, Some(c.parse().unwrap()));

    let picture_path = format!("/media/inbound/{id}/0");
    let w = &rig.world;
    for (who, page) in
        [(&w.volunteer, format!("/o/{}/inbox/{c}", w.org)), (&w.admin, format!("/o/{}/admin/conversations/{c}", w.org))]
    {
        let html = crate::helpers::get_html(who, &format!("{}{page}", w.app.address)).await.text().await.unwrap();
        assert!(html.contains(&format!(r#"src="{picture_path}""#)), "{page} shows no picture: {html}");
        assert!(html.contains("Here&#x27;s our flyer") || html.contains("Here's our flyer"), "{page}");
    }
    // The picture itself, fetched through us with the account's credentials.
    for who in [&w.volunteer, &w.admin] {
        let response = who.get(format!("{}{picture_path}", w.app.address)).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(response.headers()[reqwest::header::CONTENT_TYPE], "image/png");
        assert_eq!(response.bytes().await.unwrap().as_ref(), picture);
    }
    // Nobody else: no session, someone from another organization, a picture that is not there.
    let anonymous = crate::helpers::client().get(format!("{}{picture_path}", w.app.address)).send().await.unwrap();
    assert_eq!(anonymous.status(), reqwest::StatusCode::UNAUTHORIZED);
    let (stranger, _) = w.app.user("stranger").await;
    let response = stranger.get(format!("{}{picture_path}", w.app.address)).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
    let response = w.volunteer.get(format!("{}/media/inbound/{id}/1", w.app.address)).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
}
