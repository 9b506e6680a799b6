//! A carrier that speaks Twilio's API, for tests and local runs without a Twilio account.
//!
//! It takes sends on Twilio's paths, with Twilio's form fields, answers and error bodies, then
//! plays each message's life back to the sender: signed status callbacks (queued, sent,
//! delivered, or a failure with a carrier's error code) and sometimes a reply from the
//! contact, posted signed to our number's inbound URL. Every random choice comes from one
//! seeded RNG, so a test that fixes the rates sees the same story on every run. Faults can
//! be switched on: an API that fails or hangs, callbacks twice or last-first.
//!
//! Twilio's test-credential numbers work as "To": +15005550001 (invalid), +15005550002
//! (cannot route), +15005550003 (no international permission), +15005550004 (opted out) and
//! +15005550009 (not a mobile number) are refused at once, as Twilio refuses them.

use crate::twilio::{self, MessageStatus, TwilioConfig, API_VERSION, SIGNATURE_HEADER};
use app::domain::{phone::PhoneNumber, segments::Segments};
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Form, Json, Router,
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use chrono::{DateTime, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use std::{
    collections::{HashMap, HashSet, VecDeque},
    fmt,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};
use subtle::ConstantTimeEq;
use tokio::sync::watch;

pub const DEFAULT_ACCOUNT_SID: &str = "ACsimulator";
pub const DEFAULT_AUTH_TOKEN: &str = "simulator-token";

/// How a message fails after Twilio took it, with the error code that comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryFailure {
    /// 30003: the handset is off or out of coverage.
    Unreachable,
    /// 30006: a landline, or a carrier that does not take texts.
    Landline,
    /// 30007: the carrier filtered the message.
    Filtered,
    /// 21610: the contact texted STOP to this sender before.
    OptedOut,
    /// 21614: not a mobile number.
    NotMobile,
}

impl DeliveryFailure {
    pub const ALL: [DeliveryFailure; 5] = [
        DeliveryFailure::Unreachable,
        DeliveryFailure::Landline,
        DeliveryFailure::Filtered,
        DeliveryFailure::OptedOut,
        DeliveryFailure::NotMobile,
    ];

    pub fn error_code(self) -> i64 {
        match self {
            DeliveryFailure::Unreachable => 30003,
            DeliveryFailure::Landline => 30006,
            DeliveryFailure::Filtered => 30007,
            DeliveryFailure::OptedOut => 21610,
            DeliveryFailure::NotMobile => 21614,
        }
    }

    pub fn from_code(code: i64) -> Option<DeliveryFailure> {
        DeliveryFailure::ALL.into_iter().find(|f| f.error_code() == code)
    }

    /// Carriers turn a message away after it left Twilio ("undelivered", after "sent");
    /// Twilio's own refusals stop it before it leaves ("failed", never "sent").
    pub fn status(self) -> MessageStatus {
        match self {
            DeliveryFailure::Unreachable | DeliveryFailure::Landline | DeliveryFailure::Filtered => {
                MessageStatus::Undelivered
            }
            DeliveryFailure::OptedOut | DeliveryFailure::NotMobile => MessageStatus::Failed,
        }
    }
}

/// How the simulator behaves. `Default` delivers everything quickly and never replies.
#[derive(Clone)]
pub struct SimulatorConfig {
    pub account_sid: String,
    pub auth_token: String,
    /// Seeds every random choice: SIDs, outcomes, replies.
    pub seed: u64,
    /// Before a message's first callback, and between its callbacks.
    pub status_delay: Duration,
    /// The chance of each failure, per message; the rest are delivered. At most 1 in all.
    pub failure_rates: Vec<(DeliveryFailure, f64)>,
    /// The chance that a message's callbacks are each posted twice.
    pub duplicate_rate: f64,
    /// The chance that a message's callbacks are posted last first.
    pub reorder_rate: f64,
    /// Where replies go when our number has no SmsUrl of its own.
    pub inbound_url: Option<String>,
    /// The chance that a delivered message gets a reply.
    pub reply_rate: f64,
    /// After delivery, before the reply.
    pub reply_delay: Duration,
    /// Replies are drawn from these.
    pub reply_bodies: Vec<String>,
    /// (public prefix, actual prefix): a webhook for a URL under the public prefix is posted
    /// under the actual one instead, still signed over the public URL, as it reaches an app
    /// behind a proxy. An app under test keeps its public base URL this way.
    pub rewrites: Vec<(String, String)>,
    /// Twilio's default opt-out handling: the carrier itself answers STOP, START and HELP, and
    /// refuses sends to a contact who texted STOP with 21610 until START (Twilio support,
    /// "Twilio support for opt-out keywords (SMS STOP filtering)"). Off, as on an account whose
    /// opt-out handling is turned off: the app answers and keeps the opt-outs alone.
    pub answers_keywords: bool,
}

impl Default for SimulatorConfig {
    fn default() -> SimulatorConfig {
        SimulatorConfig {
            account_sid: DEFAULT_ACCOUNT_SID.into(),
            auth_token: DEFAULT_AUTH_TOKEN.into(),
            seed: 0,
            status_delay: Duration::from_millis(10),
            failure_rates: Vec::new(),
            duplicate_rate: 0.0,
            reorder_rate: 0.0,
            inbound_url: None,
            reply_rate: 0.0,
            reply_delay: Duration::from_millis(50),
            reply_bodies: ["STOP", "Yes, I'll be there!", "Who is this?", "Not interested, thanks."]
                .map(String::from)
                .to_vec(),
            rewrites: Vec::new(),
            answers_keywords: true,
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("seed", &self.seed)
            .field("status_delay", &self.status_delay)
            .field("failure_rates", &self.failure_rates)
            .field("duplicate_rate", &self.duplicate_rate)
            .field("reorder_rate", &self.reorder_rate)
            .field("inbound_url", &self.inbound_url)
            .field("reply_rate", &self.reply_rate)
            .field("reply_delay", &self.reply_delay)
            .field("reply_bodies", &self.reply_bodies)
            .field("rewrites", &self.rewrites)
            .field("answers_keywords", &self.answers_keywords)
            .finish()
    }
}

impl SimulatorConfig {
    /// Reads `SIMULATOR_*` variables through `var` (`|name| std::env::var(name).ok()`), over
    /// the defaults: ACCOUNT_SID, AUTH_TOKEN, SEED, STATUS_DELAY_MS, INBOUND_URL, REPLY_RATE,
    /// REPLY_DELAY_MS, REPLY_BODIES ("|"-separated), DUPLICATE_RATE, REORDER_RATE,
    /// FAIL_RATE_30003 (and _30006, _30007, _21610, _21614), REWRITE ("public=actual"),
    /// ANSWERS_KEYWORDS (1 or 0).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<SimulatorConfig, String> {
        let var =
            |name: &str| var(&format!("SIMULATOR_{name}")).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let parse = |name: &str| -> Result<Option<f64>, String> {
            var(name)
                .map(|v| v.parse::<f64>().map_err(|_| format!("SIMULATOR_{name} is not a number: {v:?}")))
                .transpose()
        };
        let millis = |name: &str| -> Result<Option<Duration>, String> {
            var(name)
                .map(|v| {
                    v.parse::<u64>()
                        .map(Duration::from_millis)
                        .map_err(|_| format!("SIMULATOR_{name} is not a whole number of milliseconds: {v:?}"))
                })
                .transpose()
        };
        let mut config = SimulatorConfig::default();
        if let Some(sid) = var("ACCOUNT_SID") {
            config.account_sid = sid;
        }
        if let Some(token) = var("AUTH_TOKEN") {
            config.auth_token = token;
        }
        // Without a seed each start draws a fresh one: the app's database outlives the
        // simulator, and a restarted simulator repeating the last run's SIDs would collide with
        // the messages already recorded under them.
        config.seed = match var("SEED") {
            Some(seed) => seed.parse().map_err(|_| format!("SIMULATOR_SEED is not a whole number: {seed:?}"))?,
            None => rand::random(),
        };
        config.status_delay = millis("STATUS_DELAY_MS")?.unwrap_or(config.status_delay);
        config.reply_delay = millis("REPLY_DELAY_MS")?.unwrap_or(config.reply_delay);
        config.inbound_url = var("INBOUND_URL");
        config.reply_rate = parse("REPLY_RATE")?.unwrap_or(config.reply_rate);
        config.duplicate_rate = parse("DUPLICATE_RATE")?.unwrap_or(0.0);
        config.reorder_rate = parse("REORDER_RATE")?.unwrap_or(0.0);
        if let Some(bodies) = var("REPLY_BODIES") {
            config.reply_bodies =
                bodies.split('|').map(str::trim).filter(|b| !b.is_empty()).map(String::from).collect();
        }
        for failure in DeliveryFailure::ALL {
            if let Some(rate) = parse(&format!("FAIL_RATE_{}", failure.error_code()))? {
                config.failure_rates.push((failure, rate));
            }
        }
        if let Some(answers) = var("ANSWERS_KEYWORDS") {
            config.answers_keywords = match answers.as_str() {
                "1" | "true" | "on" => true,
                "0" | "false" | "off" => false,
                other => return Err(format!("SIMULATOR_ANSWERS_KEYWORDS is 1 or 0, not {other:?}")),
            };
        }
        if let Some(rewrite) = var("REWRITE") {
            let (public, actual) = rewrite
                .split_once('=')
                .ok_or("SIMULATOR_REWRITE must look like https://public.example=http://127.0.0.1:3000")?;
            config.rewrites.push((public.trim().to_string(), actual.trim().to_string()));
        }
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.account_sid.is_empty() || !self.account_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("the simulator's account SID must be letters and digits".into());
        }
        if self.auth_token.is_empty() {
            return Err("the simulator's auth token is empty".into());
        }
        let rates =
            self.failure_rates.iter().map(|(f, rate)| (format!("failure rate {}", f.error_code()), *rate)).chain([
                ("duplicate rate".into(), self.duplicate_rate),
                ("reorder rate".into(), self.reorder_rate),
                ("reply rate".into(), self.reply_rate),
            ]);
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("the {name} must be between 0 and 1, not {rate}"));
            }
        }
        let failing: f64 = self.failure_rates.iter().map(|(_, rate)| rate).sum();
        if failing > 1.0 + 1e-9 {
            return Err(format!("the failure rates add up to {failing}, more than 1"));
        }
        if self.reply_rate > 0.0 && self.reply_bodies.is_empty() {
            return Err("replies are on but there are no reply bodies".into());
        }
        Ok(())
    }
}

/// A fault for the next send requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500 with Twilio's error 20500; nothing is sent.
    ServerError,
    /// 500 with Twilio's error 20500 although the message was taken (recorded, its callbacks
    /// follow): Twilio's 20500 page warns that a retried send can then reach the customer twice.
    ServerErrorAfterSending,
    /// 429 with Twilio's error 20429 and `Retry-After: 1`; nothing is sent.
    RateLimited,
    /// The message is taken (recorded, its callbacks follow) but the answer never comes:
    /// what a lost response looks like to the sender.
    Hang,
    /// 401 with Twilio's error 20003, as after the account's Auth Token was rotated away.
    Unauthorized,
    /// 400 with Twilio's error 21611: the From number's queue is full (Twilio's 21611 page).
    QueueFull,
    /// The message is taken and then filtered by the carrier: "undelivered" with 30007.
    Filtered,
}

/// A message the simulator took, as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    pub sid: String,
    pub to: String,
    /// The number it went out from (for a Messaging Service, the one picked from its pool).
    pub from: String,
    pub messaging_service_sid: Option<String>,
    pub body: String,
    pub media_urls: Vec<String>,
    pub status_callback: Option<String>,
    pub validity_period: Option<u32>,
    pub status: MessageStatus,
    pub error_code: Option<i64>,
    pub num_segments: usize,
    pub date_created: DateTime<Utc>,
    /// Every form field as sent, in order.
    pub form: Vec<(String, String)>,
}

impl ReceivedMessage {
    /// The first value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackKind {
    /// To a message's StatusCallback.
    Status,
    /// A text from a contact, to our number's inbound URL.
    Inbound,
}

/// A webhook the simulator posted.
#[derive(Debug, Clone, PartialEq)]
pub struct SentCallback {
    pub kind: CallbackKind,
    /// The URL it was signed over (the one Twilio was given).
    pub url: String,
    /// Where it was actually posted, after the rewrites.
    pub posted_to: String,
    pub params: Vec<(String, String)>,
    /// The X-Twilio-Signature header sent.
    pub signature: String,
    /// `None` when the receiver could not be reached.
    pub response_status: Option<u16>,
}

impl SentCallback {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("waited for {wanted} {what} but saw {seen}")]
pub struct WaitTimedOut {
    pub what: &'static str,
    pub wanted: usize,
    pub seen: usize,
}

/// The running simulator. Clones share it.
#[derive(Clone)]
pub struct CarrierSimulator {
    shared: Arc<Shared>,
}

struct Shared {
    config: SimulatorConfig,
    state: Mutex<SimState>,
    // Counts only go up (see `publish`), so a waiter never misses the count it waits for.
    messages_seen: watch::Sender<usize>,
    callbacks_seen: watch::Sender<usize>,
    http: reqwest::Client,
}

struct SimState {
    rng: StdRng,
    messages: Vec<ReceivedMessage>,
    message_index: HashMap<String, usize>,
    callbacks: Vec<SentCallback>,
    faults: VecDeque<Fault>,
    numbers: Vec<OwnedNumber>,
    inbound_url: Option<String>,
    rewrites: Vec<(String, String)>,
    /// Texts contacts sent to our numbers, newest last, whether or not the webhook reached
    /// the app: Twilio keeps them, and lists them (`GET Messages.json`).
    inbound: Vec<InboundText>,
    /// (contact, our number) pairs where the contact texted STOP and not START since: Twilio
    /// refuses sends between them with 21610 (Twilio error 21610; default opt-out keywords).
    stopped: HashSet<(String, String)>,
    /// The carrier's own answers to STOP, START and HELP, when it gives them.
    keyword_answers: Vec<KeywordAnswer>,
}

/// An answer the carrier itself sent to a keyword (never through our API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordAnswer {
    /// The contact.
    pub to: String,
    /// Our number.
    pub from: String,
    pub body: String,
}

/// A text a contact sent to one of our numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundText {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub messaging_service_sid: Option<String>,
    pub media_urls: Vec<String>,
    pub date_sent: DateTime<Utc>,
}

/// Twilio's default opt-out and opt-in keywords, honoured only as the whole message (Twilio
/// support, "Twilio support for opt-out keywords (SMS STOP filtering)").
const STOP_KEYWORDS: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"];
const START_KEYWORDS: &[&str] = &["START", "YES", "UNSTOP"];
const HELP_KEYWORDS: &[&str] = &["HELP", "INFO"];
/// Twilio's default answers (the same support article).
const STOP_ANSWER: &str = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.";
const START_ANSWER: &str = "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.";
const HELP_ANSWER: &str = "Reply STOP to unsubscribe. Msg&Data Rates May Apply.";

fn keyword(body: &str) -> String {
    body.trim().to_ascii_uppercase()
}

struct OwnedNumber {
    sid: String,
    phone_number: String,
    sms_url: Option<String>,
    status_callback: Option<String>,
    service_sid: Option<String>,
    date_created: DateTime<Utc>,
}

/// What will happen to one message, drawn when it is taken.
struct Plan {
    failure: Option<DeliveryFailure>,
    duplicate: bool,
    reorder: bool,
    reply: Option<String>,
}

impl Shared {
    /// The state is plain data, consistent after every statement; a panic elsewhere while it
    /// was held leaves nothing half-done, so the lock is taken even if poisoned.
    fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn publish(counter: &watch::Sender<usize>, count: usize) {
    counter.send_modify(|seen| *seen = (*seen).max(count));
}

impl CarrierSimulator {
    /// The simulator, not yet listening: serve [`CarrierSimulator::router`] yourself.
    pub fn new(config: SimulatorConfig) -> std::io::Result<CarrierSimulator> {
        config.validate().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let http = reqwest::Client::builder()
            // Twilio gives a webhook 15 seconds.
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("TwilioProxy/1.1")
            .build()
            .map_err(std::io::Error::other)?;
        let state = SimState {
            rng: StdRng::seed_from_u64(config.seed),
            messages: Vec::new(),
            message_index: HashMap::new(),
            callbacks: Vec::new(),
            faults: VecDeque::new(),
            numbers: Vec::new(),
            inbound_url: config.inbound_url.clone(),
            rewrites: config.rewrites.clone(),
            inbound: Vec::new(),
            stopped: HashSet::new(),
            keyword_answers: Vec::new(),
        };
        let shared = Shared {
            config,
            state: Mutex::new(state),
            messages_seen: watch::Sender::new(0),
            callbacks_seen: watch::Sender::new(0),
            http,
        };
        Ok(CarrierSimulator { shared: Arc::new(shared) })
    }

    /// Listens on a free loopback port; returns the simulator and its base URL
    /// ("http://127.0.0.1:PORT") for both the API and the messaging host.
    pub async fn start(config: SimulatorConfig) -> std::io::Result<(CarrierSimulator, String)> {
        CarrierSimulator::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Listens on `address` and serves on a background task until the runtime stops.
    pub async fn start_on(address: SocketAddr, config: SimulatorConfig) -> std::io::Result<(CarrierSimulator, String)> {
        let simulator = CarrierSimulator::new(config)?;
        let listener = tokio::net::TcpListener::bind(address).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let router = simulator.router();
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "the carrier simulator stopped");
            }
        });
        Ok((simulator, base_url))
    }

    /// Twilio's API paths and the Messaging Service path, on one router.
    pub fn router(&self) -> Router {
        let account = "/2010-04-01/Accounts/{account}";
        Router::new()
            .route(&format!("{account}/Messages.json"), post(create_message).get(list_messages))
            .route(&format!("{account}/Messages/{{file}}"), get(fetch_message))
            .route(&format!("{account}/AvailablePhoneNumbers/{{country}}/Local.json"), get(available_numbers))
            .route(&format!("{account}/IncomingPhoneNumbers.json"), post(buy_number))
            .route(&format!("{account}/IncomingPhoneNumbers/{{file}}"), delete(release_number))
            .route("/v1/Services/{service}/PhoneNumbers", post(add_service_number))
            .route("/_simulator/reply", post(control_reply))
            .route("/_simulator/fault", post(control_fault))
            .fallback(not_found)
            .with_state(self.shared.clone())
    }

    /// A client configuration for this simulator at `base_url` (both hosts), with short
    /// timeouts for tests.
    pub fn client_config(&self, base_url: &str) -> TwilioConfig {
        TwilioConfig {
            api_base: base_url.to_string(),
            messaging_base: base_url.to_string(),
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(1),
            ..TwilioConfig::new(self.shared.config.account_sid.clone(), self.shared.config.auth_token.clone())
        }
    }

    pub fn config(&self) -> &SimulatorConfig {
        &self.shared.config
    }

    /// Every message taken, in order, with its current status.
    pub fn received_messages(&self) -> Vec<ReceivedMessage> {
        self.shared.state().messages.clone()
    }

    /// Every webhook posted (status callbacks and replies), in the order they were answered.
    pub fn callbacks_sent(&self) -> Vec<SentCallback> {
        self.shared.state().callbacks.clone()
    }

    /// Waits until at least `count` messages were taken.
    pub async fn wait_for_messages(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedMessage>, WaitTimedOut> {
        if wait_for_count(&self.shared.messages_seen, count, timeout).await {
            Ok(self.received_messages())
        } else {
            Err(WaitTimedOut { what: "messages", wanted: count, seen: self.received_messages().len() })
        }
    }

    /// Waits until at least `count` webhooks were posted and answered (or failed).
    pub async fn wait_for_callbacks(&self, count: usize, timeout: Duration) -> Result<Vec<SentCallback>, WaitTimedOut> {
        if wait_for_count(&self.shared.callbacks_seen, count, timeout).await {
            Ok(self.callbacks_sent())
        } else {
            Err(WaitTimedOut { what: "callbacks", wanted: count, seen: self.callbacks_sent().len() })
        }
    }

    /// The next `count` send requests meet `fault` (after any faults already queued).
    pub fn inject_fault(&self, fault: Fault, count: usize) {
        self.shared.state().faults.extend(std::iter::repeat_n(fault, count));
    }

    /// Where replies go for numbers without their own SmsUrl.
    pub fn set_inbound_url(&self, url: Option<String>) {
        self.shared.state().inbound_url = url;
    }

    /// See [`SimulatorConfig::rewrites`]; for an app whose port is known only once it runs.
    pub fn add_rewrite(&self, public_prefix: &str, actual_prefix: &str) {
        self.shared.state().rewrites.push((public_prefix.to_string(), actual_prefix.to_string()));
    }

    /// Puts a number in the account (and in a Messaging Service's pool) without the API, for
    /// tests that start from an account already set up. Returns its "PN..." SID.
    pub fn add_number(&self, phone_number: &str, sms_url: Option<&str>, service_sid: Option<&str>) -> String {
        let mut state = self.shared.state();
        let sid = new_sid("PN", &mut state.rng);
        state.numbers.push(OwnedNumber {
            sid: sid.clone(),
            phone_number: phone_number.to_string(),
            sms_url: sms_url.map(String::from),
            status_callback: None,
            service_sid: service_sid.map(String::from),
            date_created: Utc::now(),
        });
        sid
    }

    /// The numbers the account owns now, with the Messaging Service each is in.
    pub fn owned_numbers(&self) -> Vec<(String, Option<String>)> {
        self.shared.state().numbers.iter().map(|n| (n.phone_number.clone(), n.service_sid.clone())).collect()
    }

    /// The carrier's own answers to keywords, oldest first.
    pub fn keyword_answers(&self) -> Vec<KeywordAnswer> {
        self.shared.state().keyword_answers.clone()
    }

    /// Every text contacts sent to our numbers, oldest first.
    pub fn inbound_texts(&self) -> Vec<InboundText> {
        self.shared.state().inbound.clone()
    }

    /// A contact texts `to` (our number) now: posts the signed inbound webhook to the number's
    /// SmsUrl or the inbound URL. `None` when neither is set.
    pub async fn inject_inbound(&self, from: &str, to: &str, body: &str) -> Option<SentCallback> {
        send_reply(&self.shared, from, to, body, &[], None).await
    }

    /// The same with pictures: the webhook carries NumMedia and MediaUrl0.. (Twilio's
    /// inbound message webhook parameters).
    pub async fn inject_inbound_media(
        &self,
        from: &str,
        to: &str,
        body: &str,
        media_urls: &[String],
    ) -> Option<SentCallback> {
        send_reply(&self.shared, from, to, body, media_urls, None).await
    }
}

async fn wait_for_count(counter: &watch::Sender<usize>, count: usize, timeout: Duration) -> bool {
    let mut seen = counter.subscribe();
    // Decided in one statement so the watch's read guard is gone before anyone takes the
    // state lock.
    let arrived = matches!(tokio::time::timeout(timeout, seen.wait_for(|n| *n >= count)).await, Ok(Ok(_)));
    arrived
}

/// "SM" and 32 hex digits, like Twilio's SIDs, from the seeded RNG so runs repeat.
fn new_sid(prefix: &str, rng: &mut StdRng) -> String {
    format!("{prefix}{:032x}", rng.gen::<u128>())
}

fn draw_plan(config: &SimulatorConfig, rng: &mut StdRng) -> Plan {
    // The same number of draws for every message, so that changing one rate does not shift
    // every later message's story.
    let outcome: f64 = rng.gen();
    let duplicate: f64 = rng.gen();
    let reorder: f64 = rng.gen();
    let reply: f64 = rng.gen();
    let body = rng.gen_range(0..config.reply_bodies.len().max(1));
    let mut cumulative = 0.0;
    let failure = config.failure_rates.iter().find_map(|(failure, rate)| {
        cumulative += rate;
        (outcome < cumulative).then_some(*failure)
    });
    Plan {
        failure,
        duplicate: duplicate < config.duplicate_rate,
        reorder: reorder < config.reorder_rate,
        reply: (reply < config.reply_rate).then(|| config.reply_bodies.get(body).cloned()).flatten(),
    }
}

/// The statuses a message goes through, each with its error code.
fn timeline(failure: Option<DeliveryFailure>) -> Vec<(MessageStatus, Option<i64>)> {
    let queued = (MessageStatus::Queued, None);
    let sent = (MessageStatus::Sent, None);
    match failure {
        None => vec![queued, sent, (MessageStatus::Delivered, None)],
        Some(f) if f.status() == MessageStatus::Failed => {
            vec![queued, (MessageStatus::Failed, Some(f.error_code()))]
        }
        Some(f) => vec![queued, sent, (f.status(), Some(f.error_code()))],
    }
}

/// Plays a message's statuses out, posting each to its StatusCallback, then maybe a reply.
async fn deliver(shared: Arc<Shared>, sid: String, plan: Plan) {
    let steps = timeline(plan.failure);
    let mut announced = steps.clone();
    if plan.reorder {
        announced.reverse();
    }
    for ((status, error_code), (announced_status, announced_code)) in steps.into_iter().zip(announced) {
        tokio::time::sleep(shared.config.status_delay).await;
        let (message, initial) = {
            let mut state = shared.state();
            let Some(&index) = state.message_index.get(&sid) else {
                return;
            };
            let message = &mut state.messages[index];
            // The status the create answer already gave (queued from a number; a Messaging
            // Service's send starts "accepted" and is queued later).
            let initial = message.status == status;
            message.status = status;
            message.error_code = error_code;
            (message.clone(), initial)
        };
        // "No status callback is sent for the initial status" (TWILIO-FACTS: the Message
        // resource's status callbacks); a reordered story still leaves that one out.
        let announces_initial = if plan.reorder {
            announced_status == MessageStatus::Queued && message.messaging_service_sid.is_none()
        } else {
            initial
        };
        if announces_initial {
            continue;
        }
        let Some(url) = &message.status_callback else {
            continue;
        };
        let params = status_params(&shared.config.account_sid, &message, &announced_status, announced_code);
        for _ in 0..if plan.duplicate { 2 } else { 1 } {
            post_signed(&shared, CallbackKind::Status, url, params.clone()).await;
        }
    }
    if let (None, Some(body)) = (plan.failure, plan.reply) {
        tokio::time::sleep(shared.config.reply_delay).await;
        let message = {
            let state = shared.state();
            state.message_index.get(&sid).map(|&i| state.messages[i].clone())
        };
        if let Some(message) = message {
            send_reply(&shared, &message.to, &message.from, &body, &[], message.messaging_service_sid.as_deref()).await;
        }
    }
}

fn status_params(
    account_sid: &str,
    message: &ReceivedMessage,
    status: &MessageStatus,
    error_code: Option<i64>,
) -> Vec<(String, String)> {
    let mut params = vec![
        ("SmsSid", message.sid.clone()),
        ("SmsStatus", status.to_string()),
        ("MessageStatus", status.to_string()),
        ("To", message.to.clone()),
        ("MessageSid", message.sid.clone()),
        ("AccountSid", account_sid.to_string()),
        ("From", message.from.clone()),
        ("ApiVersion", API_VERSION.to_string()),
    ];
    if let Some(service) = &message.messaging_service_sid {
        params.push(("MessagingServiceSid", service.clone()));
    }
    if let Some(code) = error_code {
        params.push(("ErrorCode", code.to_string()));
    }
    // A carrier's delivery receipt carries when it was done, as YYMMDDhhmm (UTC).
    if matches!(status, MessageStatus::Delivered | MessageStatus::Undelivered) {
        params.push(("RawDlrDoneDate", Utc::now().format("%y%m%d%H%M").to_string()));
    }
    params.into_iter().map(|(n, v)| (n.to_string(), v)).collect()
}

/// A text from `from` (a contact) to `to` (our number): kept (Twilio lists it whatever
/// happens to the webhook), its opt-out keyword applied, then posted to the number's inbound
/// URL. `None` when neither the number nor the simulator has one.
async fn send_reply(
    shared: &Arc<Shared>,
    from: &str,
    to: &str,
    body: &str,
    media_urls: &[String],
    service_sid: Option<&str>,
) -> Option<SentCallback> {
    let (url, sid, service_sid) = {
        let mut state = shared.state();
        let number = state.numbers.iter().find(|n| n.phone_number == to);
        let url = number.and_then(|n| n.sms_url.clone()).or_else(|| state.inbound_url.clone());
        let service_sid = service_sid.map(String::from).or_else(|| number.and_then(|n| n.service_sid.clone()));
        let sid = new_sid("SM", &mut state.rng);
        state.inbound.push(InboundText {
            sid: sid.clone(),
            from: from.to_string(),
            to: to.to_string(),
            body: body.to_string(),
            messaging_service_sid: service_sid.clone(),
            media_urls: media_urls.to_vec(),
            date_sent: Utc::now(),
        });
        let word = keyword(body);
        let pair = (from.to_string(), to.to_string());
        let handled = shared.config.answers_keywords;
        let answer = if STOP_KEYWORDS.contains(&word.as_str()) {
            if handled {
                state.stopped.insert(pair);
            }
            Some(STOP_ANSWER)
        } else if START_KEYWORDS.contains(&word.as_str()) {
            state.stopped.remove(&pair);
            Some(START_ANSWER)
        } else if HELP_KEYWORDS.contains(&word.as_str()) {
            Some(HELP_ANSWER)
        } else {
            None
        };
        if let Some(body) = answer.filter(|_| handled) {
            state.keyword_answers.push(KeywordAnswer { to: from.to_string(), from: to.to_string(), body: body.into() });
        }
        (url?, sid, service_sid)
    };
    let mut params = vec![
        ("ToCountry", "US".to_string()),
        ("SmsMessageSid", sid.clone()),
        ("NumMedia", media_urls.len().to_string()),
        ("SmsSid", sid.clone()),
        ("SmsStatus", "received".into()),
        ("Body", body.to_string()),
        ("FromCountry", "US".into()),
        ("To", to.to_string()),
        ("NumSegments", Segments::count(body).segments.max(1).to_string()),
        ("MessageSid", sid),
        ("AccountSid", shared.config.account_sid.clone()),
        ("From", from.to_string()),
        ("ApiVersion", API_VERSION.to_string()),
    ];
    if let Some(service) = service_sid {
        params.push(("MessagingServiceSid", service));
    }
    let media: Vec<(String, String)> = media_urls
        .iter()
        .enumerate()
        .flat_map(|(i, url)| {
            [(format!("MediaUrl{i}"), url.clone()), (format!("MediaContentType{i}"), "image/jpeg".into())]
        })
        .collect();
    let params = params.into_iter().map(|(n, v)| (n.to_string(), v)).chain(media).collect();
    Some(post_signed(shared, CallbackKind::Inbound, &url, params).await)
}

/// Signs over `url` as given and posts to it (after rewrites), then records the outcome.
async fn post_signed(shared: &Shared, kind: CallbackKind, url: &str, params: Vec<(String, String)>) -> SentCallback {
    let signature = twilio::signature(&shared.config.auth_token, url, &params);
    let posted_to = {
        let state = shared.state();
        state
            .rewrites
            .iter()
            .find_map(|(public, actual)| url.strip_prefix(public.as_str()).map(|rest| format!("{actual}{rest}")))
            .unwrap_or_else(|| url.to_string())
    };
    let response_status =
        match shared.http.post(&posted_to).header(SIGNATURE_HEADER, &signature).form(&params).send().await {
            Ok(response) => Some(response.status().as_u16()),
            Err(error) => {
                tracing::debug!(url = %posted_to, %error, "simulator webhook not delivered");
                None
            }
        };
    let record = SentCallback { kind, url: url.to_string(), posted_to, params, signature, response_status };
    let count = {
        let mut state = shared.state();
        state.callbacks.push(record.clone());
        state.callbacks.len()
    };
    publish(&shared.callbacks_seen, count);
    record
}

type Sim = State<Arc<Shared>>;
type FormFields = Form<Vec<(String, String)>>;

impl Fault {
    /// The names the control endpoint takes.
    pub fn parse(name: &str) -> Option<Fault> {
        Some(match name {
            "server_error" => Fault::ServerError,
            "server_error_after_sending" => Fault::ServerErrorAfterSending,
            "rate_limited" => Fault::RateLimited,
            "hang" => Fault::Hang,
            "unauthorized" => Fault::Unauthorized,
            "queue_full" => Fault::QueueFull,
            "filtered" => Fault::Filtered,
            _ => return None,
        })
    }
}

/// Not Twilio's API: account faults on demand for demos and tests. `Fault` (server_error,
/// server_error_after_sending, rate_limited, hang, unauthorized, queue_full, filtered) applies
/// to the next `Count` sends (default 1, at most 10,000).
async fn control_fault(State(shared): Sim, Form(form): FormFields) -> Response {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string());
    let Some(fault) = field("Fault").as_deref().and_then(Fault::parse) else {
        return (StatusCode::BAD_REQUEST, "Fault is one of server_error, server_error_after_sending, rate_limited, hang, unauthorized, queue_full, filtered").into_response();
    };
    let count = match field("Count").map(|c| c.parse::<usize>()) {
        None => 1,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => return (StatusCode::BAD_REQUEST, "Count is a whole number from 1 to 10000").into_response(),
    };
    shared.state().faults.extend(std::iter::repeat_n(fault, count));
    (StatusCode::OK, format!("the next {count} sends: {fault:?}")).into_response()
}

/// Not Twilio's API: a control for end-to-end tests and demos. The contact `From` replies
/// `Body` to the number that last texted them, posted signed to the app like any inbound text.
async fn control_reply(State(shared): Sim, Form(form): FormFields) -> Response {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (contact, body) = (field("From"), field("Body"));
    let ours = {
        let state = shared.state();
        state.messages.iter().rev().find(|m| m.to == contact).map(|m| (m.from.clone(), m.messaging_service_sid.clone()))
    };
    let Some((from, service)) = ours else {
        return (StatusCode::NOT_FOUND, format!("nothing was sent to {contact}")).into_response();
    };
    match send_reply(&shared, &contact, &from, &body, &[], service.as_deref()).await {
        Some(callback) => {
            (StatusCode::OK, format!("posted, app answered {:?}", callback.response_status)).into_response()
        }
        None => (StatusCode::CONFLICT, "no inbound URL configured".to_string()).into_response(),
    }
}

/// A request refused the way Twilio refuses it: its error JSON, and for a 401 the
/// challenge header.
struct Refusal {
    status: StatusCode,
    code: i64,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status.as_u16(),
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Twilio API\""));
        }
        response
    }
}

fn twilio_error(status: StatusCode, code: i64, message: impl Into<String>) -> Refusal {
    Refusal { status, code, message: message.into() }
}

fn bad_request(code: i64, message: impl Into<String>) -> Refusal {
    twilio_error(StatusCode::BAD_REQUEST, code, message)
}

fn not_found_error(path: &str) -> Refusal {
    twilio_error(StatusCode::NOT_FOUND, 20404, format!("The requested resource {path} was not found"))
}

async fn not_found(uri: Uri) -> Refusal {
    not_found_error(uri.path())
}

/// HTTP basic auth with the account SID and auth token, and the SID in the path (if any)
/// must be that account's.
fn authorize(config: &SimulatorConfig, headers: &HeaderMap, account: Option<&str>) -> Result<(), Refusal> {
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| BASE64.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let valid = credentials.as_deref().and_then(|c| c.split_once(':')).is_some_and(|(sid, token)| {
        sid == config.account_sid && bool::from(token.as_bytes().ct_eq(config.auth_token.as_bytes()))
    });
    if valid && account.is_none_or(|a| a == config.account_sid) {
        Ok(())
    } else {
        Err(twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate"))
    }
}

/// The first non-empty value of a form field.
fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
}

/// "+" and 8 to 15 digits, no leading zero; +1 numbers need a 10-digit national number with
/// an area code that starts 2-9. Twilio's own check is looser than the app's `PhoneNumber`,
/// on purpose: the app must not rely on the carrier to catch its mistakes.
fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return false;
    }
    // Every country code that starts with 1 is the NANP's.
    match digits.strip_prefix('1') {
        Some(national) => national.len() == 10 && !matches!(national.as_bytes()[0], b'0' | b'1'),
        None => true,
    }
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// Twilio's test numbers that always fail, with the error Twilio answers.
fn magic_number(to: &str) -> Option<(i64, String)> {
    Some(match to {
        "+15005550001" => (21211, format!("Invalid 'To' Phone Number: {to}")),
        "+15005550002" => (
            21612,
            format!("The 'To' phone number: {to}, is not currently reachable using the 'From' phone number via SMS."),
        ),
        "+15005550003" => (
            21408,
            format!(
                "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}."
            ),
        ),
        "+15005550004" => (21610, "Attempt to send to unsubscribed recipient".to_string()),
        "+15005550009" => (21614, format!("'To' number {to} is not a valid mobile number")),
        _ => return None,
    })
}

async fn create_message(
    State(shared): Sim,
    Path(account): Path<String>,
    headers: HeaderMap,
    Form(form): FormFields,
) -> Response {
    let fault = shared.state().faults.pop_front();
    match fault {
        Some(Fault::ServerError) => {
            return twilio_error(StatusCode::INTERNAL_SERVER_ERROR, 20500, "An internal server error has occurred")
                .into_response()
        }
        Some(Fault::RateLimited) => {
            let mut response = twilio_error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests").into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
        Some(Fault::ServerErrorAfterSending) => {
            if let Err(refusal) = take_message(&shared, &account, &headers, &form) {
                return refusal.into_response();
            }
            return twilio_error(StatusCode::INTERNAL_SERVER_ERROR, 20500, "An internal server error has occurred")
                .into_response();
        }
        Some(Fault::Hang) => {
            let _taken = take_message(&shared, &account, &headers, &form);
            return std::future::pending().await;
        }
        Some(Fault::Unauthorized) => {
            return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate").into_response();
        }
        Some(Fault::QueueFull) => {
            return bad_request(21611, "This 'From' number has exceeded the maximum number of queued messages")
                .into_response();
        }
        Some(Fault::Filtered) => {
            return match take_message_as(&shared, &account, &headers, &form, Some(DeliveryFailure::Filtered)) {
                Ok(message) => {
                    (StatusCode::CREATED, Json(message_json(&shared.config.account_sid, &message))).into_response()
                }
                Err(refusal) => refusal.into_response(),
            };
        }
        None => {}
    }
    match take_message(&shared, &account, &headers, &form) {
        Ok(message) => (StatusCode::CREATED, Json(message_json(&shared.config.account_sid, &message))).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// Checks a send as Twilio does, records it and starts its delivery.
fn take_message(
    shared: &Arc<Shared>,
    account: &str,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<ReceivedMessage, Refusal> {
    take_message_as(shared, account, headers, form, None)
}

/// The same, with the delivery's outcome decided (`forced`) rather than drawn.
fn take_message_as(
    shared: &Arc<Shared>,
    account: &str,
    headers: &HeaderMap,
    form: &[(String, String)],
    forced: Option<DeliveryFailure>,
) -> Result<ReceivedMessage, Refusal> {
    authorize(&shared.config, headers, Some(account))?;
    let to = field(form, "To").ok_or_else(|| bad_request(21604, "A 'To' phone number is required."))?;
    if !is_e164(to) {
        return Err(bad_request(21211, format!("Invalid 'To' Phone Number: {to}")));
    }
    if let Some((code, message)) = magic_number(to) {
        return Err(bad_request(code, message));
    }
    let from = field(form, "From");
    let service = field(form, "MessagingServiceSid");
    if from.is_none() && service.is_none() {
        return Err(bad_request(21603, "A 'From' phone number is required."));
    }
    if let Some(service) = service.filter(|s| !is_service_sid(s)) {
        return Err(bad_request(21705, format!("The Messaging Service Sid {service} is invalid.")));
    }
    if let Some(from) = from {
        if !is_e164(from) {
            return Err(bad_request(21212, format!("Invalid From Number (caller ID): {from}")));
        }
        if from == to {
            return Err(bad_request(21266, "'To' and 'From' number cannot be the same"));
        }
    }
    let body = field(form, "Body").unwrap_or_default();
    let media_urls: Vec<String> =
        form.iter().filter(|(n, v)| n == "MediaUrl" && !v.is_empty()).map(|(_, v)| v.clone()).collect();
    if body.is_empty() && media_urls.is_empty() {
        return Err(bad_request(21602, "Message body is required."));
    }
    if body.chars().count() > 1600 {
        return Err(bad_request(21617, "The concatenated message body exceeds the 1600 character limit."));
    }
    let status_callback = field(form, "StatusCallback");
    if let Some(url) = status_callback.filter(|u| !is_http_url(u)) {
        return Err(bad_request(21609, format!("The StatusCallback URL {url} is not a valid URL.")));
    }

    let mut state = shared.state();
    let sender = match (from, service) {
        (Some(from), _) => from.to_string(),
        (None, Some(service)) => pick_sender(&state.numbers, service, to)
            .ok_or_else(|| bad_request(21704, format!("The Messaging Service {service} contains no phone numbers")))?,
        (None, None) => unreachable!("checked above"),
    };
    if state.stopped.contains(&(to.to_string(), sender.clone())) {
        return Err(bad_request(21610, "Attempt to send to unsubscribed recipient"));
    }
    let sid = new_sid(if media_urls.is_empty() { "SM" } else { "MM" }, &mut state.rng);
    let mut plan = draw_plan(&shared.config, &mut state.rng);
    if forced.is_some() {
        plan.failure = forced;
    }
    let message = ReceivedMessage {
        sid: sid.clone(),
        to: to.to_string(),
        from: sender,
        messaging_service_sid: service.map(String::from),
        body: body.to_string(),
        media_urls,
        status_callback: status_callback.map(String::from),
        validity_period: field(form, "ValidityPeriod").and_then(|v| v.parse().ok()),
        // A Messaging Service first "accepts" a message, then queues it from a pool number.
        status: if from.is_none() { MessageStatus::Accepted } else { MessageStatus::Queued },
        error_code: None,
        num_segments: Segments::count(body).segments.max(1),
        date_created: Utc::now(),
        form: form.to_vec(),
    };
    let index = state.messages.len();
    state.messages.push(message.clone());
    state.message_index.insert(sid.clone(), index);
    drop(state);
    publish(&shared.messages_seen, index + 1);
    tokio::spawn(deliver(shared.clone(), sid, plan));
    Ok(message)
}

fn is_service_sid(sid: &str) -> bool {
    sid.len() > 2 && sid.starts_with("MG") && sid.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Twilio's "sticky sender": a contact always hears from the same number of the pool.
fn pick_sender(numbers: &[OwnedNumber], service_sid: &str, to: &str) -> Option<String> {
    let pool: Vec<&OwnedNumber> = numbers.iter().filter(|n| n.service_sid.as_deref() == Some(service_sid)).collect();
    if pool.is_empty() {
        return None;
    }
    // FNV-1a: stable across runs and Rust versions, unlike the standard library's hasher.
    let hash = to.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
    Some(pool[(hash % pool.len() as u64) as usize].phone_number.clone())
}

fn message_json(account_sid: &str, message: &ReceivedMessage) -> Value {
    let date = message.date_created.to_rfc2822();
    let uri = format!("/{API_VERSION}/Accounts/{account_sid}/Messages/{}", message.sid);
    json!({
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": date,
        "date_updated": date,
        "date_sent": null,
        "direction": "outbound-api",
        "error_code": message.error_code,
        "error_message": null,
        // The pool number is not known to the sender until the message is queued.
        "from": if message.status == MessageStatus::Accepted { Value::Null } else { Value::from(message.from.clone()) },
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": message.media_urls.len().to_string(),
        // A Messaging Service send is counted once the service has picked its number: 0 in
        // the create response (twilio-oai twilio_api_v2010.json, Message `num_segments`).
        "num_segments": if message.status == MessageStatus::Accepted { "0".to_string() } else { message.num_segments.to_string() },
        "price": null,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status.as_str(),
        "subresource_uris": { "media": format!("{uri}/Media.json") },
        "to": message.to,
        "uri": format!("{uri}.json"),
    })
}

fn inbound_json(account_sid: &str, message: &InboundText) -> Value {
    let date = message.date_sent.to_rfc2822();
    let uri = format!("/{API_VERSION}/Accounts/{account_sid}/Messages/{}", message.sid);
    json!({
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": date,
        "date_updated": date,
        "date_sent": date,
        "direction": "inbound",
        "error_code": null,
        "error_message": null,
        "from": message.from,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": message.media_urls.len().to_string(),
        "num_segments": Segments::count(&message.body).segments.max(1).to_string(),
        "price": null,
        "price_unit": "USD",
        "sid": message.sid,
        "status": "received",
        "subresource_uris": { "media": format!("{uri}/Media.json") },
        "to": message.to,
        "uri": format!("{uri}.json"),
    })
}

async fn fetch_message(
    State(shared): Sim,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, Some(&account))?;
    let state = shared.state();
    let found = file.strip_suffix(".json").and_then(|sid| state.message_index.get(sid)).map(|&i| &state.messages[i]);
    match found {
        Some(message) => Ok(Json(message_json(&shared.config.account_sid, message)).into_response()),
        None => Err(not_found_error(uri.path())),
    }
}

async fn list_messages(
    State(shared): Sim,
    Path(account): Path<String>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, Some(&account))?;
    let page_size = field(&query, "PageSize").and_then(|v| v.parse::<usize>().ok()).unwrap_or(50).clamp(1, 1000);
    let (to, from) = (field(&query, "To"), field(&query, "From"));
    // `DateSent>`: on or after midnight GMT of a YYYY-MM-DD date (Twilio's ListMessage).
    let since = match field(&query, "DateSent>") {
        None => None,
        Some(date) => match chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(date) => Some(date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()),
            Err(_) => return Err(bad_request(20001, format!("Invalid DateSent> {date:?}: expected YYYY-MM-DD"))),
        },
    };
    let wanted = |m_to: &str, m_from: &str, at: DateTime<Utc>| {
        to.is_none_or(|to| m_to == to)
            && from.is_none_or(|from| m_from == from)
            && since.is_none_or(|since| at >= since)
    };
    let state = shared.state();
    // Newest first across both directions, as Twilio answers.
    let mut found: Vec<(DateTime<Utc>, Value)> = state
        .messages
        .iter()
        .filter(|m| wanted(&m.to, &m.from, m.date_created))
        .map(|m| (m.date_created, message_json(&shared.config.account_sid, m)))
        .chain(
            state
                .inbound
                .iter()
                .filter(|m| wanted(&m.to, &m.from, m.date_sent))
                .map(|m| (m.date_sent, inbound_json(&shared.config.account_sid, m))),
        )
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    let messages: Vec<Value> = found.into_iter().take(page_size).map(|(_, m)| m).collect();
    let uri = format!("/{API_VERSION}/Accounts/{account}/Messages.json?PageSize={page_size}&Page=0");
    Ok(Json(json!({
        "messages": messages,
        "page": 0,
        "page_size": page_size,
        "first_page_uri": uri,
        "uri": uri,
        "next_page_uri": null,
        "previous_page_uri": null,
    }))
    .into_response())
}

/// Numbers in an area code that the app's own `PhoneNumber` accepts, so that what the
/// simulator sells passes the same checks as a real number. None for an unknown area code.
fn numbers_for_sale(area_code: &str) -> impl Iterator<Item = String> + '_ {
    const EXCHANGES: [&str; 8] = ["201", "262", "323", "384", "445", "506", "627", "748"];
    let valid_area = area_code.len() == 3 && area_code.bytes().all(|b| b.is_ascii_digit());
    (0..if valid_area { 800u32 } else { 0 })
        .map(move |i| format!("+1{area_code}{}{:04}", EXCHANGES[(i % 8) as usize], 1000 + (i / 8) * 73 % 9000))
        .filter(|number| PhoneNumber::from_e164(number).is_ok())
}

fn friendly_name(number: &str) -> String {
    match number.strip_prefix("+1") {
        Some(national) if national.len() == 10 => {
            format!("({}) {}-{}", &national[..3], &national[3..6], &national[6..])
        }
        _ => number.to_string(),
    }
}

async fn available_numbers(
    State(shared): Sim,
    Path((account, country)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, Some(&account))?;
    let area_code = field(&query, "AreaCode").unwrap_or("415");
    let page_size = field(&query, "PageSize").and_then(|v| v.parse::<usize>().ok()).unwrap_or(20).clamp(1, 1000);
    let state = shared.state();
    let numbers: Vec<Value> = numbers_for_sale(area_code)
        .filter(|number| !state.numbers.iter().any(|owned| &owned.phone_number == number))
        .take(page_size)
        .map(|number| {
            json!({
                "friendly_name": friendly_name(&number),
                "phone_number": number,
                "lata": null,
                "locality": null,
                "rate_center": null,
                "latitude": null,
                "longitude": null,
                "region": null,
                "postal_code": null,
                "iso_country": country,
                "address_requirements": "none",
                "beta": false,
                "capabilities": { "voice": true, "SMS": true, "MMS": true, "fax": false },
            })
        })
        .collect();
    Ok(Json(json!({
        "available_phone_numbers": numbers,
        "uri": format!("/{API_VERSION}/Accounts/{account}/AvailablePhoneNumbers/{country}/Local.json?AreaCode={area_code}"),
    }))
    .into_response())
}

fn number_json(account_sid: &str, number: &OwnedNumber) -> Value {
    let date = number.date_created.to_rfc2822();
    json!({
        "sid": number.sid,
        "account_sid": account_sid,
        "friendly_name": friendly_name(&number.phone_number),
        "phone_number": number.phone_number,
        "sms_url": number.sms_url,
        "sms_method": "POST",
        "status_callback": number.status_callback,
        "status_callback_method": "POST",
        "capabilities": { "voice": true, "sms": true, "mms": true, "fax": false },
        "date_created": date,
        "date_updated": date,
        "api_version": API_VERSION,
        "status": "in-use",
        "uri": format!("/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers/{}.json", number.sid),
    })
}

async fn buy_number(
    State(shared): Sim,
    Path(account): Path<String>,
    headers: HeaderMap,
    Form(form): FormFields,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, Some(&account))?;
    let Some(phone_number) = field(&form, "PhoneNumber") else {
        return Err(bad_request(21421, "A PhoneNumber is required."));
    };
    if !is_e164(phone_number) {
        return Err(bad_request(21421, format!("PhoneNumber {phone_number} is invalid.")));
    }
    let mut state = shared.state();
    if state.numbers.iter().any(|n| n.phone_number == phone_number) {
        return Err(bad_request(21422, format!("PhoneNumber {phone_number} is not available.")));
    }
    let number = OwnedNumber {
        sid: new_sid("PN", &mut state.rng),
        phone_number: phone_number.to_string(),
        sms_url: field(&form, "SmsUrl").map(String::from),
        status_callback: field(&form, "StatusCallback").map(String::from),
        service_sid: None,
        date_created: Utc::now(),
    };
    let body = number_json(&shared.config.account_sid, &number);
    state.numbers.push(number);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn release_number(
    State(shared): Sim,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, Some(&account))?;
    let mut state = shared.state();
    let position = file.strip_suffix(".json").and_then(|sid| state.numbers.iter().position(|n| n.sid == sid));
    match position {
        Some(position) => {
            state.numbers.remove(position);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => Err(not_found_error(uri.path())),
    }
}

async fn add_service_number(
    State(shared): Sim,
    Path(service): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): FormFields,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, None)?;
    if !is_service_sid(&service) {
        return Err(bad_request(21705, format!("The Messaging Service Sid {service} is invalid.")));
    }
    let Some(number_sid) = field(&form, "PhoneNumberSid").filter(|s| s.starts_with("PN")) else {
        return Err(bad_request(21421, "PhoneNumberSid is not a valid phone number SID."));
    };
    let mut state = shared.state();
    let Some(number) = state.numbers.iter_mut().find(|n| n.sid == number_sid) else {
        return Err(not_found_error(uri.path()));
    };
    match &number.service_sid {
        Some(current) if *current == service => {
            return Err(twilio_error(StatusCode::CONFLICT, 21710, "Phone Number is already in the Messaging Service."));
        }
        Some(_) => {
            return Err(twilio_error(
                StatusCode::CONFLICT,
                21712,
                "Phone Number or Short Code is associated with another Messaging Service.",
            ));
        }
        None => number.service_sid = Some(service.clone()),
    }
    let date = Utc::now().to_rfc2822();
    let body = json!({
        "sid": number.sid,
        "account_sid": shared.config.account_sid,
        "service_sid": service,
        "date_created": date,
        "date_updated": date,
        "phone_number": number.phone_number,
        "country_code": "US",
        "capabilities": ["SMS", "MMS", "Voice"],
        "url": format!("https://messaging.twilio.com/v1/Services/{service}/PhoneNumbers/{}", number.sid),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_is_checked_like_twilio_does() {
        for good in ["+14155550100", "+447911123456", "+33612345678", "+12025550143"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "",
            "14155550100",
            "+1415555010",
            "+141555501000",
            "+11155550100",
            "+04155550100",
            "+1415555010a",
            "+1234567",
            "+1234567890123456",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_plans_and_sids() {
        let config = SimulatorConfig {
            failure_rates: vec![(DeliveryFailure::Unreachable, 0.3), (DeliveryFailure::OptedOut, 0.2)],
            duplicate_rate: 0.5,
            reply_rate: 0.5,
            ..SimulatorConfig::default()
        };
        let story = |seed: u64| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50)
                .map(|_| {
                    let sid = new_sid("SM", &mut rng);
                    let plan = draw_plan(&config, &mut rng);
                    (sid, plan.failure, plan.duplicate, plan.reply)
                })
                .collect::<Vec<_>>()
        };
        let first = story(7);
        assert_eq!(first, story(7));
        assert_ne!(first, story(8));
        assert!(first.iter().all(|(sid, ..)| sid.len() == 34 && sid.starts_with("SM")));
        let failures = |f| first.iter().filter(|(_, failure, ..)| *failure == Some(f)).count();
        // 50 draws at 30% and 20%: far from none and from all.
        assert!(
            (5..=25).contains(&failures(DeliveryFailure::Unreachable)),
            "{}",
            failures(DeliveryFailure::Unreachable)
        );
        assert!((2..=20).contains(&failures(DeliveryFailure::OptedOut)), "{}", failures(DeliveryFailure::OptedOut));
    }

    #[test]
    fn rates_of_zero_and_one_are_certain() {
        let mut rng = StdRng::seed_from_u64(1);
        let always = SimulatorConfig {
            failure_rates: vec![(DeliveryFailure::Filtered, 1.0)],
            reorder_rate: 1.0,
            ..SimulatorConfig::default()
        };
        let never = SimulatorConfig::default();
        for _ in 0..200 {
            let plan = draw_plan(&always, &mut rng);
            assert_eq!(plan.failure, Some(DeliveryFailure::Filtered));
            assert!(plan.reorder && !plan.duplicate && plan.reply.is_none());
            let plan = draw_plan(&never, &mut rng);
            assert!(plan.failure.is_none() && !plan.reorder && !plan.duplicate && plan.reply.is_none());
        }
    }

    #[test]
    fn failures_end_the_way_carriers_end_them() {
        use MessageStatus::*;
        assert_eq!(timeline(None).into_iter().map(|s| s.0).collect::<Vec<_>>(), vec![Queued, Sent, Delivered]);
        assert_eq!(timeline(Some(DeliveryFailure::Landline)).last(), Some(&(Undelivered, Some(30006))));
        assert_eq!(timeline(Some(DeliveryFailure::Landline)).len(), 3);
        assert_eq!(timeline(Some(DeliveryFailure::NotMobile)), vec![(Queued, None), (Failed, Some(21614))]);
        for failure in DeliveryFailure::ALL {
            assert_eq!(DeliveryFailure::from_code(failure.error_code()), Some(failure));
        }
    }

    #[test]
    fn numbers_for_sale_pass_the_apps_own_checks() {
        let numbers: Vec<String> = numbers_for_sale("415").take(20).collect();
        assert_eq!(numbers.len(), 20);
        assert!(numbers.iter().all(|n| n.starts_with("+1415") && is_e164(n)));
        let distinct: std::collections::HashSet<_> = numbers.iter().collect();
        assert_eq!(distinct.len(), 20);
        assert_eq!(numbers_for_sale("41").count(), 0);
        assert_eq!(numbers_for_sale("4x5").count(), 0);
    }

    #[test]
    fn sticky_sender_keeps_a_contact_on_one_number() {
        let number = |n: &str, service: &str| OwnedNumber {
            sid: format!("PN{n}"),
            phone_number: n.to_string(),
            sms_url: None,
            status_callback: None,
            service_sid: Some(service.to_string()),
            date_created: Utc::now(),
        };
        let pool = vec![number("+14155550101", "MG1"), number("+14155550102", "MG1"), number("+14155550103", "MG2")];
        let first = pick_sender(&pool, "MG1", "+12125550100").unwrap();
        assert_eq!(pick_sender(&pool, "MG1", "+12125550100").unwrap(), first);
        assert_ne!(first, "+14155550103");
        let used: std::collections::HashSet<_> =
            (0..40).map(|i| pick_sender(&pool, "MG1", &format!("+1212555{i:04}")).unwrap()).collect();
        assert_eq!(used.len(), 2, "contacts spread over the pool");
        assert_eq!(pick_sender(&pool, "MG3", "+12125550100"), None);
    }

    #[test]
    fn configuration_is_read_from_the_environment() {
        let env: HashMap<&str, &str> = [
            ("SIMULATOR_ACCOUNT_SID", "ACdev"),
            ("SIMULATOR_SEED", "42"),
            ("SIMULATOR_STATUS_DELAY_MS", "250"),
            ("SIMULATOR_FAIL_RATE_30007", "0.1"),
            ("SIMULATOR_FAIL_RATE_21610", "0.05"),
            ("SIMULATOR_REPLY_RATE", "0.5"),
            ("SIMULATOR_REPLY_BODIES", "STOP | Sure!"),
            ("SIMULATOR_INBOUND_URL", "http://127.0.0.1:3000/webhooks/twilio/inbound"),
            ("SIMULATOR_REWRITE", "https://p2p.example=http://127.0.0.1:3000"),
        ]
        .into();
        let config = SimulatorConfig::from_env(|name| env.get(name).map(|v| v.to_string())).unwrap();
        assert_eq!(config.account_sid, "ACdev");
        assert_eq!(config.auth_token, DEFAULT_AUTH_TOKEN);
        assert_eq!(config.seed, 42);
        let unseeded = |_: &str| None::<String>;
        let draws: std::collections::HashSet<u64> =
            (0..4).map(|_| SimulatorConfig::from_env(unseeded).unwrap().seed).collect();
        assert!(draws.len() > 1, "without SIMULATOR_SEED every start must draw its own seed");
        assert_eq!(config.status_delay, Duration::from_millis(250));
        assert_eq!(config.failure_rates, vec![(DeliveryFailure::Filtered, 0.1), (DeliveryFailure::OptedOut, 0.05)]);
        assert_eq!(config.reply_bodies, vec!["STOP", "Sure!"]);
        assert_eq!(config.rewrites, vec![("https://p2p.example".to_string(), "http://127.0.0.1:3000".to_string())]);

        let bad = |name: &'static str, value: &'static str| {
            SimulatorConfig::from_env(move |n| (n == name).then(|| value.to_string())).unwrap_err()
        };
        assert!(bad("SIMULATOR_REPLY_RATE", "1.5").contains("between 0 and 1"));
        assert!(bad("SIMULATOR_SEED", "x").contains("SIMULATOR_SEED"));
        assert!(bad("SIMULATOR_FAIL_RATE_30003", "often").contains("not a number"));
        let both = SimulatorConfig {
            failure_rates: vec![(DeliveryFailure::Unreachable, 0.7), (DeliveryFailure::Landline, 0.7)],
            ..SimulatorConfig::default()
        };
        assert!(both.validate().unwrap_err().contains("more than 1"));
    }

    #[test]
    fn the_auth_token_stays_out_of_debug_output() {
        let config = SimulatorConfig { auth_token: "hush-hush".into(), ..SimulatorConfig::default() };
        assert!(!format!("{config:?}").contains("hush-hush"));
    }
}
