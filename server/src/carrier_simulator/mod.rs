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
//!
//! By concern: `config` (how it behaves), `messages` (sends, fetches and the listing),
//! `numbers` (buying, releasing, Messaging Service pools), `callbacks` (status callbacks and
//! inbound texts it posts), `faults` (faults on demand).

mod callbacks;
mod config;
mod faults;
mod messages;
mod numbers;
mod records;
mod services;

pub use callbacks::{CallbackKind, KeywordAnswer, SentCallback};
pub use config::{DeliveryFailure, SimulatorConfig};
pub use faults::Fault;
pub use records::{InboundText, ReceivedMessage};
pub use services::ServiceSettings;

use crate::twilio::TwilioConfig;
use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Form, Json, Router,
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use callbacks::{control_reply, send_reply};
use chrono::Utc;
use faults::control_fault;
use messages::{create_message, fetch_message, list_messages};
use numbers::{add_service_number, available_numbers, buy_number, release_number};
use rand::{rngs::StdRng, Rng, SeedableRng};
use records::OwnedNumber;
use serde_json::json;
use services::{fetch_service, list_service_numbers, remove_service_number, update_service};
use std::{
    collections::{HashMap, HashSet, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};
use subtle::ConstantTimeEq;
use tokio::sync::watch;

pub const DEFAULT_ACCOUNT_SID: &str = "ACsimulator";
pub const DEFAULT_AUTH_TOKEN: &str = "simulator-token";

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
    /// Pictures contacts sent, by path (`/2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}`):
    /// (content type, bytes).
    media: HashMap<String, (String, Vec<u8>)>,
    /// Messaging Services that were updated (`POST /v1/Services/{sid}`), by SID.
    services: HashMap<String, ServiceSettings>,
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
            services: HashMap::new(),
            media: HashMap::new(),
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
            .route(&format!("{account}/Messages/{{message}}/Media/{{media}}"), get(fetch_media))
            .route(&format!("{account}/AvailablePhoneNumbers/{{country}}/Local.json"), get(available_numbers))
            .route(&format!("{account}/IncomingPhoneNumbers.json"), post(buy_number))
            .route(&format!("{account}/IncomingPhoneNumbers/{{file}}"), delete(release_number))
            .route("/v1/Services/{service}", get(fetch_service).post(update_service))
            .route("/v1/Services/{service}/PhoneNumbers", post(add_service_number).get(list_service_numbers))
            .route("/v1/Services/{service}/PhoneNumbers/{number}", delete(remove_service_number))
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

    /// Keeps a picture a contact sends, as Twilio keeps inbound media, and returns its path
    /// under the simulator's base URL (`/2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}`,
    /// Twilio's Media resource). Fetching it needs the account's credentials, as with Twilio's
    /// "Enforce HTTP Auth on Media URLs" on.
    pub fn host_media(&self, content_type: &str, bytes: &[u8]) -> String {
        let mut state = self.shared.state();
        let message = new_sid("MM", &mut state.rng);
        let media = new_sid("ME", &mut state.rng);
        let path = format!(
            "/{}/Accounts/{}/Messages/{message}/Media/{media}",
            crate::twilio::API_VERSION,
            self.shared.config.account_sid
        );
        state.media.insert(path.clone(), (content_type.to_string(), bytes.to_vec()));
        path
    }

    /// A Messaging Service's inbound settings (as `GET /v1/Services/{sid}` answers them).
    pub fn service_settings(&self, service_sid: &str) -> ServiceSettings {
        self.shared.state().services.get(service_sid).cloned().unwrap_or_default()
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

type Sim = State<Arc<Shared>>;
type FormFields = Form<Vec<(String, String)>>;

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

async fn fetch_media(State(shared): Sim, headers: HeaderMap, uri: Uri) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, None)?;
    let found = shared.state().media.get(uri.path()).cloned();
    match found {
        Some((content_type, bytes)) => Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response()),
        None => Err(not_found_error(uri.path())),
    }
}
