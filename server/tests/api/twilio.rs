//! The Twilio client against the carrier simulator, over real HTTP on loopback: sends,
//! errors, faults, numbers, and the signed webhooks coming back. No database involved.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    routing::post,
    Form, Router,
};
use server::carrier_simulator::{CallbackKind, CarrierSimulator, DeliveryFailure, Fault, SimulatorConfig};
use server::twilio::{
    self, BuyNumber, InboundMessage, MessageQuery, MessageStatus, SendMessage, Sender, StatusCallback, TransientKind,
    TwilioClient, TwilioError, SIGNATURE_HEADER,
};
use std::{sync::Arc, time::Duration};
use tokio::sync::{mpsc, Mutex};

const WAIT: Duration = Duration::from_secs(2);
const CONTACT: &str = "+12025550143";
const OUR_NUMBER: &str = "+14155550187";

fn fast_config() -> SimulatorConfig {
    SimulatorConfig {
        seed: 11,
        status_delay: Duration::from_millis(5),
        reply_delay: Duration::from_millis(5),
        ..SimulatorConfig::default()
    }
}

async fn simulator(config: SimulatorConfig) -> (CarrierSimulator, TwilioClient) {
    let (sim, base_url) = CarrierSimulator::start(config).await.expect("start the simulator");
    let client = TwilioClient::new(sim.client_config(&base_url)).expect("client");
    (sim, client)
}

/// A client for `sim` with some settings changed.
fn client_with(sim: &CarrierSimulator, base_url: &str, change: impl FnOnce(&mut twilio::TwilioConfig)) -> TwilioClient {
    let mut config = sim.client_config(base_url);
    change(&mut config);
    TwilioClient::new(config).expect("client")
}

fn text(body: &str, status_callback: Option<String>) -> SendMessage {
    SendMessage {
        to: CONTACT.into(),
        from: Sender::Number(OUR_NUMBER.into()),
        body: body.into(),
        media_urls: vec![],
        status_callback,
        validity_period_secs: None,
    }
}

/// A webhook the receiver got, and whether its signature held.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    params: Vec<(String, String)>,
    signature_valid: bool,
}

impl Hit {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.params))
    }
}

struct ReceiverState {
    auth_token: String,
    public_base: String,
    hits: mpsc::UnboundedSender<Hit>,
}

/// Stands in for the app's webhook endpoints: checks each post against the public URL it
/// was given (never the Host header), as the app must, and answers 403 to a bad signature.
struct Receiver {
    base_url: String,
    public_base: String,
    hits: Mutex<mpsc::UnboundedReceiver<Hit>>,
}

async fn hook(
    State(state): State<Arc<ReceiverState>>,
    uri: Uri,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> StatusCode {
    let url = format!("{}{}", state.public_base, uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let signature_valid = twilio::verify_signature(&state.auth_token, &url, &params, header);
    let _ = state.hits.send(Hit { path: uri.path().to_string(), params, signature_valid });
    if signature_valid {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    }
}

impl Receiver {
    /// `public_base`: the URL the webhooks were configured with, if not the receiver's own.
    async fn start(auth_token: &str, public_base: Option<&str>) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let public_base = public_base.map(String::from).unwrap_or_else(|| base_url.clone());
        let (tx, rx) = mpsc::unbounded_channel();
        let state =
            Arc::new(ReceiverState { auth_token: auth_token.into(), public_base: public_base.clone(), hits: tx });
        let router =
            Router::new().route("/twilio/status", post(hook)).route("/twilio/inbound", post(hook)).with_state(state);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Receiver { base_url, public_base, hits: Mutex::new(rx) }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_base)
    }

    async fn next(&self) -> Hit {
        tokio::time::timeout(WAIT, self.hits.lock().await.recv())
            .await
            .expect("a webhook in time")
            .expect("receiver running")
    }

    async fn take(&self, count: usize) -> Vec<Hit> {
        let mut hits = Vec::new();
        for _ in 0..count {
            hits.push(self.next().await);
        }
        hits
    }
}

fn statuses(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.param("MessageStatus")).collect()
}

#[tokio::test]
async fn a_send_is_recorded_and_its_status_callbacks_arrive_signed_in_order() {
    let (sim, client) = simulator(fast_config()).await;
    let receiver = Receiver::start(&sim.config().auth_token, None).await;
    // The query string is part of what is signed.
    let callback = receiver.url("/twilio/status?message=42");
    let message = SendMessage {
        media_urls: vec!["https://p2p.example/a.png".into(), "https://p2p.example/b.png".into()],
        validity_period_secs: Some(600),
        ..text("Hi Ana, can you make it Saturday?", Some(callback.clone()))
    };

    let sent = client.send_message(&message).await.expect("send");

    assert!(sent.sid.starts_with("MM") && sent.sid.len() == 34, "{}", sent.sid);
    assert_eq!(sent.status, MessageStatus::Queued);
    assert_eq!((sent.to.as_str(), sent.from.as_deref()), (CONTACT, Some(OUR_NUMBER)));
    assert_eq!(sent.num_segments, Some(1));
    let received = sim.wait_for_messages(1, WAIT).await.unwrap();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.sid, sent.sid);
    assert_eq!(
        (got.to.as_str(), got.from.as_str(), got.body.as_str()),
        (CONTACT, OUR_NUMBER, "Hi Ana, can you make it Saturday?")
    );
    assert_eq!(got.media_urls, message.media_urls);
    assert_eq!(got.validity_period, Some(600));
    assert_eq!(got.field("StatusCallback"), Some(callback.as_str()));
    assert_eq!(got.form.iter().filter(|(n, _)| n == "MediaUrl").count(), 2);

    // No callback for the initial status (the create answer said "queued").
    let hits = receiver.take(2).await;
    assert_eq!(statuses(&hits), vec!["sent", "delivered"]);
    assert!(hits[1].param("RawDlrDoneDate").len() == 10, "a delivery receipt's date");
    for hit in &hits {
        assert!(hit.signature_valid, "unsigned callback: {hit:?}");
        assert_eq!(hit.path, "/twilio/status");
        let parsed = StatusCallback::from_params(&hit.params).unwrap();
        assert_eq!(parsed.message_sid, sent.sid);
        assert_eq!(parsed.account_sid, sim.config().account_sid);
        assert_eq!(
            (parsed.to.as_deref(), parsed.from.as_deref(), parsed.error_code),
            (Some(CONTACT), Some(OUR_NUMBER), None)
        );
    }
    let callbacks = sim.wait_for_callbacks(2, WAIT).await.unwrap();
    assert!(callbacks
        .iter()
        .all(|c| c.kind == CallbackKind::Status && c.url == callback && c.response_status == Some(200)));
    assert_eq!(client.fetch_message(&sent.sid).await.unwrap().status, MessageStatus::Delivered);
}

#[tokio::test]
async fn a_forged_or_tampered_webhook_is_refused() {
    let (sim, client) = simulator(fast_config()).await;
    let receiver = Receiver::start(&sim.config().auth_token, None).await;
    let callback = receiver.url("/twilio/status");
    client.send_message(&text("Hello", Some(callback.clone()))).await.unwrap();
    let genuine = receiver.next().await;
    assert!(genuine.signature_valid);

    let post = |params: Vec<(String, String)>, signature: String| {
        let url = callback.clone();
        async move {
            reqwest::Client::new()
                .post(url)
                .header(SIGNATURE_HEADER, signature)
                .form(&params)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let forged = twilio::signature("not-the-token", &callback, &genuine.params);
    assert_eq!(post(genuine.params.clone(), forged).await, reqwest::StatusCode::FORBIDDEN);
    let mut tampered = genuine.params.clone();
    tampered.iter_mut().find(|(n, _)| n == "MessageStatus").unwrap().1 = "failed".into();
    let replayed_signature = twilio::signature(&sim.config().auth_token, &callback, &genuine.params);
    assert_eq!(post(tampered, replayed_signature.clone()).await, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(post(genuine.params.clone(), String::new()).await, reqwest::StatusCode::FORBIDDEN);
    // The control: the same request, correctly signed, is taken.
    assert_eq!(post(genuine.params.clone(), replayed_signature).await, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn twilio_errors_come_back_parsed_and_nothing_is_sent() {
    let (sim, base_url) = CarrierSimulator::start(fast_config()).await.unwrap();
    let client = TwilioClient::new(sim.client_config(&base_url)).unwrap();

    let invalid_to = client.send_message(&SendMessage { to: "+1202555".into(), ..text("Hi", None) }).await.unwrap_err();
    match &invalid_to {
        TwilioError::Api { status, code, message, more_info } => {
            assert_eq!((*status, *code), (400, Some(21211)));
            assert!(message.contains("+1202555"), "{message}");
            assert_eq!(more_info.as_deref(), Some("https://www.twilio.com/docs/errors/21211"));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert!(!invalid_to.is_retryable() && !invalid_to.outcome_unknown());

    let empty = client.send_message(&text("", None)).await.unwrap_err();
    assert_eq!(empty.code(), Some(21602));
    let same = client.send_message(&SendMessage { to: OUR_NUMBER.into(), ..text("Hi", None) }).await.unwrap_err();
    assert_eq!(same.code(), Some(21266));
    let opted_out =
        client.send_message(&SendMessage { to: "+15005550004".into(), ..text("Hi", None) }).await.unwrap_err();
    assert_eq!(opted_out.code(), Some(21610));
    let not_a_service = client
        .send_message(&SendMessage { from: Sender::MessagingService("XX123".into()), ..text("Hi", None) })
        .await
        .unwrap_err();
    assert_eq!(not_a_service.code(), Some(21705));

    let wrong_token = client_with(&sim, &base_url, |c| c.auth_token = "guess".into());
    let refused = wrong_token.send_message(&text("Hi", None)).await.unwrap_err();
    assert!(matches!(refused, TwilioError::Api { status: 401, code: Some(20003), .. }), "{refused:?}");

    assert!(sim.received_messages().is_empty());
}

#[tokio::test]
async fn server_errors_and_throttling_are_retryable_and_send_nothing() {
    let (sim, client) = simulator(fast_config()).await;
    sim.inject_fault(Fault::ServerError, 1);
    sim.inject_fault(Fault::RateLimited, 1);

    let server_error = client.send_message(&text("Hi", None)).await.unwrap_err();
    assert!(
        matches!(
            server_error,
            TwilioError::Transient { kind: TransientKind::ServerError, status: Some(500), code: Some(20500), .. }
        ),
        "{server_error:?}"
    );
    let throttled = client.send_message(&text("Hi", None)).await.unwrap_err();
    assert!(
        matches!(throttled, TwilioError::Transient { kind: TransientKind::RateLimited, status: Some(429), code: Some(20429), retry_after: Some(d), .. } if d == Duration::from_secs(1)),
        "{throttled:?}"
    );
    for error in [&server_error, &throttled] {
        assert!(error.is_retryable() && !error.outcome_unknown(), "{error:?}");
    }
    assert!(sim.received_messages().is_empty(), "a refused send must not go out");

    // The faults were for two requests only; the retry goes through.
    client.send_message(&text("Hi", None)).await.expect("retry");
    assert_eq!(sim.received_messages().len(), 1);
}

#[tokio::test]
async fn a_hung_send_times_out_as_sent_and_is_found_when_reconciling() {
    let (sim, base_url) = CarrierSimulator::start(fast_config()).await.unwrap();
    let client = client_with(&sim, &base_url, |c| {
        c.timeout = Duration::from_millis(300);
        c.connect_timeout = Duration::from_millis(200);
    });
    sim.inject_fault(Fault::Hang, 1);

    let started = std::time::Instant::now();
    let error = client.send_message(&text("Are you coming tonight?", None)).await.unwrap_err();

    assert_eq!(error, TwilioError::Timeout { request_sent: true });
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    assert!(!error.is_retryable() && error.outcome_unknown());
    // Twilio took it even though the answer was lost: resending would text the contact twice.
    let taken = sim.wait_for_messages(1, WAIT).await.unwrap();
    let found =
        client.list_messages(&MessageQuery { to: Some(CONTACT.into()), ..MessageQuery::default() }).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].sid.as_str(), found[0].body.as_str()), (taken[0].sid.as_str(), "Are you coming tonight?"));
    assert!(found[0].date_created.is_some());
    let elsewhere = client
        .list_messages(&MessageQuery { to: Some("+13125550111".into()), ..MessageQuery::default() })
        .await
        .unwrap();
    assert!(elsewhere.is_empty());
}

#[tokio::test]
async fn an_unreachable_api_is_safe_to_retry() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let mut config = twilio::TwilioConfig::new("ACtest", "token");
    config.api_base = format!("http://{address}");
    config.timeout = Duration::from_secs(1);
    let client = TwilioClient::new(config).unwrap();

    let error = client.send_message(&text("Hi", None)).await.unwrap_err();

    assert!(matches!(error, TwilioError::Transient { kind: TransientKind::Connect, status: None, .. }), "{error:?}");
    assert!(error.is_retryable() && !error.outcome_unknown());
}

#[tokio::test]
async fn numbers_are_found_bought_pooled_used_and_released() {
    let (sim, base_url) = CarrierSimulator::start(fast_config()).await.unwrap();
    let client = TwilioClient::new(sim.client_config(&base_url)).unwrap();
    let service = "MG0123456789abcdef0123456789abcdef";

    let offered = client.available_local_numbers("415", true).await.unwrap();
    assert!(!offered.is_empty());
    assert!(
        offered.iter().all(|n| n.phone_number.starts_with("+1415") && n.capabilities.sms && n.capabilities.mms),
        "{offered:?}"
    );
    let pick = offered[0].phone_number.clone();
    assert!(client.available_local_numbers("41", false).await.unwrap().is_empty());

    let bought = client
        .buy_number(&BuyNumber {
            phone_number: pick.clone(),
            sms_url: Some("https://p2p.example/twilio/inbound".into()),
            status_callback: None,
        })
        .await
        .unwrap();
    assert!(bought.sid.starts_with("PN") && bought.sid.len() == 34, "{}", bought.sid);
    assert_eq!(bought.phone_number, pick);
    assert_eq!(bought.sms_url.as_deref(), Some("https://p2p.example/twilio/inbound"));
    assert!(bought.capabilities.sms);
    assert!(
        !client.available_local_numbers("415", true).await.unwrap().iter().any(|n| n.phone_number == pick),
        "a bought number is no longer offered"
    );
    let twice = client
        .buy_number(&BuyNumber { phone_number: pick.clone(), sms_url: None, status_callback: None })
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Some(21422));

    // Without numbers in its pool a Messaging Service cannot send.
    let empty_pool = client
        .send_message(&SendMessage { from: Sender::MessagingService(service.into()), ..text("Hi", None) })
        .await
        .unwrap_err();
    assert_eq!(empty_pool.code(), Some(21704));

    let pooled = client.add_to_messaging_service(service, &bought.sid).await.unwrap();
    assert_eq!(
        (pooled.sid.as_str(), pooled.service_sid.as_str(), pooled.phone_number.as_str()),
        (bought.sid.as_str(), service, pick.as_str())
    );
    let again = client.add_to_messaging_service(service, &bought.sid).await.unwrap_err();
    assert!(matches!(again, TwilioError::Api { status: 409, code: Some(21710), .. }), "{again:?}");
    let other = client.add_to_messaging_service("MGother", &bought.sid).await.unwrap_err();
    assert_eq!(other.code(), Some(21712));

    let sent = client
        .send_message(&SendMessage { from: Sender::MessagingService(service.into()), ..text("Hi", None) })
        .await
        .unwrap();
    assert_eq!(sent.status, MessageStatus::Accepted);
    assert_eq!(sent.from, None, "the pool number is picked after the answer");
    assert_eq!(sent.messaging_service_sid.as_deref(), Some(service));
    assert_eq!(sim.received_messages()[0].from, pick);

    client.release_number(&bought.sid).await.unwrap();
    let gone = client.release_number(&bought.sid).await.unwrap_err();
    assert!(matches!(gone, TwilioError::Api { status: 404, code: Some(20404), .. }), "{gone:?}");

    // The Messaging Service is reached on its own base URL, as on Twilio's separate host.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let split = client_with(&sim, &base_url, |c| c.messaging_base = nowhere);
    let number = split
        .buy_number(&BuyNumber { phone_number: offered[1].phone_number.clone(), sms_url: None, status_callback: None })
        .await
        .unwrap();
    let unreachable = split.add_to_messaging_service(service, &number.sid).await.unwrap_err();
    assert!(matches!(unreachable, TwilioError::Transient { kind: TransientKind::Connect, .. }), "{unreachable:?}");
}

#[tokio::test]
async fn replies_and_injected_texts_reach_the_inbound_url_signed() {
    let config = SimulatorConfig { reply_rate: 1.0, reply_bodies: vec!["STOP".into()], ..fast_config() };
    let (sim, client) = simulator(config).await;
    let receiver = Receiver::start(&sim.config().auth_token, None).await;
    let inbound = receiver.url("/twilio/inbound");
    let bought = client
        .buy_number(&BuyNumber {
            phone_number: OUR_NUMBER.into(),
            sms_url: Some(inbound.clone()),
            status_callback: None,
        })
        .await
        .unwrap();
    assert_eq!(bought.phone_number, OUR_NUMBER);

    client.send_message(&text("Will you volunteer Saturday?", None)).await.unwrap();

    let reply = receiver.next().await;
    assert_eq!(reply.path, "/twilio/inbound");
    assert!(reply.signature_valid);
    let parsed = InboundMessage::from_params(&reply.params).unwrap();
    assert_eq!((parsed.from.as_str(), parsed.to.as_str(), parsed.body.as_str()), (CONTACT, OUR_NUMBER, "STOP"));
    assert!(parsed.message_sid.starts_with("SM") && parsed.message_sid.len() == 34);
    assert_eq!((parsed.num_media, parsed.account_sid.as_str()), (0, sim.config().account_sid.as_str()));

    // A number without its own SmsUrl falls back to the simulator's inbound URL.
    assert!(sim.inject_inbound("+13125550111", "+14155550123", "hello?").await.is_none(), "nowhere to post yet");
    sim.set_inbound_url(Some(inbound.clone()));
    let injected = sim.inject_inbound("+13125550111", "+14155550123", "Who is this?").await.unwrap();
    assert_eq!((injected.kind, injected.response_status), (CallbackKind::Inbound, Some(200)));
    let hit = receiver.next().await;
    assert!(hit.signature_valid);
    assert_eq!(
        (hit.param("From"), hit.param("To"), hit.param("Body")),
        ("+13125550111", "+14155550123", "Who is this?")
    );
}

#[tokio::test]
async fn failures_duplicates_and_reordering_never_move_a_status_backwards() {
    let config = SimulatorConfig {
        failure_rates: vec![(DeliveryFailure::Unreachable, 1.0)],
        duplicate_rate: 1.0,
        reorder_rate: 1.0,
        ..fast_config()
    };
    let (sim, client) = simulator(config).await;
    let receiver = Receiver::start(&sim.config().auth_token, None).await;
    let sent = client.send_message(&text("Hi", Some(receiver.url("/twilio/status")))).await.unwrap();

    let hits = receiver.take(4).await;

    assert_eq!(statuses(&hits), vec!["undelivered", "undelivered", "sent", "sent"]);
    assert!(hits.iter().all(|h| h.signature_valid));
    assert_eq!(hits[0].param("ErrorCode"), "30003");
    // Which of these the app keeps is the database's order (carrier_status.rs walks it).
    // The last step (announced as "queued", the initial status) posts nothing; it still
    // settles the message.
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut now = client.fetch_message(&sent.sid).await.unwrap();
    while now.status != MessageStatus::Undelivered && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
        now = client.fetch_message(&sent.sid).await.unwrap();
    }
    assert_eq!((now.status, now.error_code), (MessageStatus::Undelivered, Some(30003)));
}

#[tokio::test]
async fn an_opted_out_contact_fails_without_being_sent() {
    let config =
        SimulatorConfig { failure_rates: vec![(DeliveryFailure::OptedOut, 1.0)], reply_rate: 1.0, ..fast_config() };
    let (sim, client) = simulator(config).await;
    let receiver = Receiver::start(&sim.config().auth_token, None).await;
    sim.set_inbound_url(Some(receiver.url("/twilio/inbound")));
    client.send_message(&text("Hi", Some(receiver.url("/twilio/status")))).await.unwrap();

    let hits = receiver.take(1).await;

    assert_eq!(statuses(&hits), vec!["failed"]);
    assert_eq!(hits[0].param("ErrorCode"), "21610");
    // A failed message gets no reply.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sim.callbacks_sent().iter().all(|c| c.kind == CallbackKind::Status));
}

#[tokio::test]
async fn webhooks_are_signed_over_the_public_url_when_posted_elsewhere() {
    // The app knows itself as https://p2p.example; the simulator reaches it on loopback.
    let (sim, client) = simulator(fast_config()).await;
    let receiver = Receiver::start(&sim.config().auth_token, Some("https://p2p.example")).await;
    sim.add_rewrite("https://p2p.example", &receiver.base_url);

    client.send_message(&text("Hi", Some("https://p2p.example/twilio/status".into()))).await.unwrap();

    let hit = receiver.next().await;
    assert!(hit.signature_valid, "signed over the public URL");
    let callbacks = sim.wait_for_callbacks(1, WAIT).await.unwrap();
    assert_eq!(callbacks[0].url, "https://p2p.example/twilio/status");
    assert_eq!(callbacks[0].posted_to, format!("{}/twilio/status", receiver.base_url));
}

#[tokio::test]
async fn the_same_seed_tells_the_same_story() {
    let config = SimulatorConfig {
        failure_rates: vec![(DeliveryFailure::Filtered, 0.3), (DeliveryFailure::NotMobile, 0.2)],
        status_delay: Duration::from_millis(1),
        ..fast_config()
    };
    let mut stories = Vec::new();
    for _ in 0..2 {
        let (sim, client) = simulator(config.clone()).await;
        for i in 0..12 {
            client.send_message(&SendMessage { to: format!("+1202555{i:04}"), ..text("Hi", None) }).await.unwrap();
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        while !sim.received_messages().iter().all(|m| m.status.is_final() || m.status == MessageStatus::Delivered) {
            assert!(tokio::time::Instant::now() < deadline, "messages did not settle");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stories.push(sim.received_messages().into_iter().map(|m| (m.sid, m.status, m.error_code)).collect::<Vec<_>>());
    }
    assert_eq!(stories[0], stories[1]);
    let outcomes: std::collections::HashSet<_> = stories[0].iter().map(|(_, status, _)| status.clone()).collect();
    assert!(outcomes.len() >= 2, "a mix of outcomes: {outcomes:?}");
}
