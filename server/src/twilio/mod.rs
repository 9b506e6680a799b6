//! Twilio's REST API and webhooks, over reqwest.
//!
//! Only what the sending engine needs: send a message, look messages up (to settle a send
//! whose answer was lost), find, buy, pool and release numbers, and read and verify the
//! webhooks Twilio posts back. Both base URLs are configurable, so tests and local runs talk
//! to the carrier simulator (`crate::carrier_simulator`) in exactly the wire format they
//! would use with Twilio.
//!
//! Errors are sorted by what the caller should do next (see [`TwilioError`]): give up, retry
//! later, or reconcile because Twilio may already have acted.

pub mod errors;

// The status type is the domain's: the same enum is stored in `messages.status`.
pub use app::domain::message_status::MessageStatus;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::{RequestBuilder, StatusCode};
use serde::{de::DeserializeOwned, Deserialize};
use sha1::Sha1;
use std::{fmt, time::Duration};
use subtle::ConstantTimeEq;

pub const API_BASE: &str = "https://api.twilio.com";
/// Messaging Services live on their own host in Twilio's API.
pub const MESSAGING_BASE: &str = "https://messaging.twilio.com";
pub const API_VERSION: &str = "2010-04-01";
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

/// Where and as whom to call Twilio. `Debug` leaves the auth token out.
#[derive(Clone)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: String,
    /// `https://api.twilio.com`, or the simulator.
    pub api_base: String,
    /// `https://messaging.twilio.com`, or the simulator (which serves both on one address).
    pub messaging_base: String,
    /// The whole request, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// Connecting alone. Kept below `timeout`, so that a timeout while connecting (nothing
    /// sent, safe to retry) is told apart from one after the request went out.
    pub connect_timeout: Duration,
}

impl TwilioConfig {
    /// Real Twilio with timeouts that suit one message per request.
    pub fn new(account_sid: impl Into<String>, auth_token: impl Into<String>) -> TwilioConfig {
        TwilioConfig {
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            api_base: API_BASE.into(),
            messaging_base: MESSAGING_BASE.into(),
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("api_base", &self.api_base)
            .field("messaging_base", &self.messaging_base)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// A Twilio account's API. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    account_sid: String,
    auth_token: String,
    api_base: String,
    messaging_base: String,
    timeout: Duration,
}

impl fmt::Debug for TwilioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioClient")
            .field("account_sid", &self.account_sid)
            .field("api_base", &self.api_base)
            .field("messaging_base", &self.messaging_base)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Who a message is sent as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// One of our numbers, E.164.
    Number(String),
    /// A Messaging Service ("MG..."), which picks a number from its pool.
    MessagingService(String),
}

/// One outbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessage {
    /// E.164.
    pub to: String,
    pub from: Sender,
    pub body: String,
    pub media_urls: Vec<String>,
    /// Where Twilio posts the status changes (signed; see [`verify_signature`]).
    pub status_callback: Option<String>,
    /// Seconds the message may wait in Twilio's queue before it fails instead of going out
    /// late (a text about tonight's event is worse than none tomorrow).
    pub validity_period_secs: Option<u32>,
}

impl SendMessage {
    /// The form Twilio's Messages resource takes, with its field names.
    pub fn form_fields(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![("To", self.to.clone())];
        match &self.from {
            Sender::Number(number) => form.push(("From", number.clone())),
            Sender::MessagingService(sid) => form.push(("MessagingServiceSid", sid.clone())),
        }
        // A picture alone is a valid MMS; an empty Body with no media is still sent, so that
        // Twilio (not us) answers with its own error for it.
        if !self.body.is_empty() || self.media_urls.is_empty() {
            form.push(("Body", self.body.clone()));
        }
        form.extend(self.media_urls.iter().map(|url| ("MediaUrl", url.clone())));
        if let Some(url) = &self.status_callback {
            form.push(("StatusCallback", url.clone()));
        }
        if let Some(secs) = self.validity_period_secs {
            // The spec's range: 1 to 36,000 seconds (twilio-oai, CreateMessage ValidityPeriod).
            form.push(("ValidityPeriod", secs.clamp(1, 36_000).to_string()));
        }
        form
    }
}

/// A message as Twilio reports it, when it is created and when it is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// "SM..." (or "MM..." for MMS).
    pub sid: String,
    pub status: MessageStatus,
    pub to: String,
    /// `None` while a Messaging Service has not yet picked the number.
    pub from: Option<String>,
    pub body: String,
    pub messaging_service_sid: Option<String>,
    pub num_segments: Option<u32>,
    pub error_code: Option<i64>,
    pub date_created: Option<DateTime<Utc>>,
    /// "inbound" for a text someone sent to one of our numbers; "outbound-api" for ours.
    pub direction: Option<String>,
    pub num_media: Option<u32>,
}

/// Filters for [`TwilioClient::list_messages`]; Twilio answers newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageQuery {
    pub to: Option<String>,
    pub from: Option<String>,
    /// Messages sent on or after midnight (GMT) of this date: Twilio's `DateSent>` filter,
    /// a `YYYY-MM-DD` date (twilio-oai twilio_api_v2010.json, ListMessage's `DateSent>`).
    pub date_sent_after: Option<chrono::NaiveDate>,
    /// At most 1000; Twilio's default is 50.
    pub page_size: Option<u32>,
}

/// A number Twilio offers to sell.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AvailableNumber {
    /// E.164.
    pub phone_number: String,
    #[serde(default)]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub locality: Option<String>,
    /// The state or province, e.g. "CA".
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub iso_country: Option<String>,
    #[serde(default)]
    pub capabilities: Capabilities,
}

/// What a number can do. Twilio spells the keys "SMS"/"MMS" when offering numbers and
/// "sms"/"mms" on numbers already bought; both are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Capabilities {
    #[serde(default)]
    pub voice: bool,
    #[serde(default, alias = "SMS")]
    pub sms: bool,
    #[serde(default, alias = "MMS")]
    pub mms: bool,
}

/// A number to buy, and where Twilio should post the texts it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyNumber {
    pub phone_number: String,
    /// Inbound messages to this number (unless a Messaging Service overrides it).
    pub sms_url: Option<String>,
    pub status_callback: Option<String>,
}

/// A number the account owns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IncomingNumber {
    /// "PN...": what a Messaging Service and a release take.
    pub sid: String,
    pub phone_number: String,
    #[serde(default)]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub sms_url: Option<String>,
    #[serde(default)]
    pub capabilities: Capabilities,
}

/// A number in a Messaging Service's pool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServicePhoneNumber {
    /// The number's "PN..." SID.
    pub sid: String,
    pub service_sid: String,
    pub phone_number: String,
}

/// A Messaging Service's inbound settings, as Twilio answers them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessagingService {
    pub sid: String,
    #[serde(default)]
    pub inbound_request_url: Option<String>,
    #[serde(default)]
    pub use_inbound_webhook_on_number: bool,
}

#[derive(Deserialize)]
struct ServiceNumberPage {
    #[serde(default)]
    phone_numbers: Vec<ServicePhoneNumber>,
}

/// What went wrong, sorted by what the caller should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwilioError {
    /// Twilio refused the request (4xx other than 429): fix the request, do not retry it.
    /// `code` is Twilio's error code, e.g. 21211 for an invalid "To" number.
    #[error("Twilio refused the request (HTTP {status}{}): {message}", code_suffix(.code))]
    Api { status: u16, code: Option<i64>, message: String, more_info: Option<String> },
    /// Twilio could not take the request now (5xx, 429) or could not be reached: nothing was
    /// done, so the same request may be sent again later.
    #[error("Twilio is unavailable for now ({kind}{}): {message}", status_suffix(.status))]
    Transient {
        kind: TransientKind,
        status: Option<u16>,
        code: Option<i64>,
        message: String,
        /// From a `Retry-After` header in seconds, when Twilio sends one.
        retry_after: Option<Duration>,
    },
    /// No answer in time. `request_sent: false`: it timed out while connecting, nothing
    /// reached Twilio, retry freely. `request_sent: true`: the request went out and Twilio may
    /// have acted on it (a gateway timeout counts too); look the message up before sending it
    /// again, or the contact may get it twice.
    #[error("no answer from Twilio in time ({})", if *.request_sent { "after the request was sent: it may have been acted on" } else { "while connecting: nothing was sent" })]
    Timeout { request_sent: bool },
    /// The connection broke after the request went out: as ambiguous as a timeout after
    /// sending.
    #[error("the connection to Twilio broke after the request was sent: {0}")]
    Disconnected(String),
    /// Twilio answered in a way we could not read. For a 2xx answer the request succeeded
    /// but its result is lost.
    #[error("Twilio answered HTTP {status} with a body we could not read: {detail}")]
    Unexpected { status: u16, detail: String },
    /// Refused before anything was sent: bad configuration or an argument that cannot be
    /// put in a URL.
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransientKind {
    /// 500, 502, 503.
    ServerError,
    /// 429: too many requests or too many at once.
    RateLimited,
    /// Refused, unresolvable or failed TLS: the request never reached Twilio.
    Connect,
}

impl fmt::Display for TransientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransientKind::ServerError => "server error",
            TransientKind::RateLimited => "rate limited",
            TransientKind::Connect => "could not connect",
        })
    }
}

fn code_suffix(code: &Option<i64>) -> String {
    code.map(|c| format!(", code {c}")).unwrap_or_default()
}

fn status_suffix(status: &Option<u16>) -> String {
    status.map(|s| format!(", HTTP {s}")).unwrap_or_default()
}

impl TwilioError {
    /// Sending the same request again cannot do anything twice.
    pub fn is_retryable(&self) -> bool {
        matches!(self, TwilioError::Transient { .. } | TwilioError::Timeout { request_sent: false })
    }

    /// Twilio may have acted although we got no usable answer: reconcile (e.g. with
    /// [`TwilioClient::list_messages`]) instead of resending.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            TwilioError::Timeout { request_sent } => *request_sent,
            TwilioError::Disconnected(_) => true,
            TwilioError::Unexpected { status, .. } => (200..300).contains(status),
            _ => false,
        }
    }

    /// Twilio's error code (21211, 21610, 20429, ...), when it gave one.
    pub fn code(&self) -> Option<i64> {
        match self {
            TwilioError::Api { code, .. } | TwilioError::Transient { code, .. } => *code,
            _ => None,
        }
    }
}

impl TwilioClient {
    pub fn new(config: TwilioConfig) -> Result<TwilioClient, TwilioError> {
        if !is_sid(&config.account_sid) {
            return Err(TwilioError::Invalid("the Twilio account SID must be letters and digits".into()));
        }
        if config.auth_token.is_empty() {
            return Err(TwilioError::Invalid("the Twilio auth token is empty".into()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout.min(config.timeout))
            // Twilio's API never redirects; following one could carry our credentials away.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("p2p-texting/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TwilioError::Invalid(format!("could not set up the HTTP client: {e}")))?;
        Ok(TwilioClient {
            http,
            api_base: base_url("api_base", &config.api_base)?,
            messaging_base: base_url("messaging_base", &config.messaging_base)?,
            account_sid: config.account_sid,
            auth_token: config.auth_token,
            timeout: config.timeout,
        })
    }

    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    /// Hands one message to Twilio. Twilio answers once it has queued the message; delivery
    /// is reported later to the status callback.
    pub async fn send_message(&self, message: &SendMessage) -> Result<SentMessage, TwilioError> {
        let url = self.account_url("Messages.json");
        let wire: MessageJson = self.call(self.http.post(url).form(&message.form_fields())).await?;
        Ok(wire.into())
    }

    /// One message by SID, with its current status.
    pub async fn fetch_message(&self, sid: &str) -> Result<SentMessage, TwilioError> {
        let url = self.account_url(&format!("Messages/{}.json", checked_sid("message", sid)?));
        let wire: MessageJson = self.call(self.http.get(url)).await?;
        Ok(wire.into())
    }

    /// The first page of messages matching `query`, newest first: how a send whose answer
    /// was lost is settled (is there a message to this contact, with this body, created
    /// after we tried?).
    pub async fn list_messages(&self, query: &MessageQuery) -> Result<Vec<SentMessage>, TwilioError> {
        let mut params = Vec::new();
        if let Some(to) = &query.to {
            params.push(("To", to.clone()));
        }
        if let Some(from) = &query.from {
            params.push(("From", from.clone()));
        }
        if let Some(date) = query.date_sent_after {
            params.push(("DateSent>", date.format("%Y-%m-%d").to_string()));
        }
        if let Some(size) = query.page_size {
            params.push(("PageSize", size.to_string()));
        }
        let url = self.account_url("Messages.json");
        let page: MessagePage = self.call(self.http.get(url).query(&params)).await?;
        Ok(page.messages.into_iter().map(SentMessage::from).collect())
    }

    /// US local numbers for sale in an area code that can send texts (and pictures, with
    /// `mms`).
    pub async fn available_local_numbers(
        &self,
        area_code: &str,
        mms: bool,
    ) -> Result<Vec<AvailableNumber>, TwilioError> {
        let mut params = vec![("AreaCode", area_code.to_string()), ("SmsEnabled", "true".into())];
        if mms {
            params.push(("MmsEnabled", "true".into()));
        }
        let url = self.account_url("AvailablePhoneNumbers/US/Local.json");
        let page: AvailablePage = self.call(self.http.get(url).query(&params)).await?;
        Ok(page.available_phone_numbers)
    }

    /// Buys a number (billed monthly until released).
    pub async fn buy_number(&self, request: &BuyNumber) -> Result<IncomingNumber, TwilioError> {
        let mut form = vec![("PhoneNumber", request.phone_number.clone())];
        if let Some(url) = &request.sms_url {
            form.push(("SmsUrl", url.clone()));
        }
        if let Some(url) = &request.status_callback {
            form.push(("StatusCallback", url.clone()));
        }
        let url = self.account_url("IncomingPhoneNumbers.json");
        self.call(self.http.post(url).form(&form)).await
    }

    /// Puts a bought number ("PN...") in a Messaging Service's ("MG...") pool.
    pub async fn add_to_messaging_service(
        &self,
        service_sid: &str,
        phone_number_sid: &str,
    ) -> Result<ServicePhoneNumber, TwilioError> {
        let url = format!(
            "{}/v1/Services/{}/PhoneNumbers",
            self.messaging_base,
            checked_sid("messaging service", service_sid)?
        );
        let form = [("PhoneNumberSid", checked_sid("phone number", phone_number_sid)?)];
        self.call(self.http.post(url).form(&form)).await
    }

    /// Sends every text to the service's numbers to `inbound_url` (POST): the service's
    /// "Incoming Messages" webhook, over the numbers' own SmsUrls
    /// (`UseInboundWebhookOnNumber=false`). Twilio: `inbound_request_url` is called "when a
    /// message is received by any phone number or short code in the Service", and with it
    /// null "receiving inbound messages is disabled" (twilio-oai twilio_messaging_v1.json,
    /// UpdateService).
    pub async fn route_service_inbound(
        &self,
        service_sid: &str,
        inbound_url: &str,
    ) -> Result<MessagingService, TwilioError> {
        let url = format!("{}/v1/Services/{}", self.messaging_base, checked_sid("messaging service", service_sid)?);
        let form =
            [("InboundRequestUrl", inbound_url), ("InboundMethod", "POST"), ("UseInboundWebhookOnNumber", "false")];
        self.call(self.http.post(url).form(&form)).await
    }

    /// The first page (up to 1,000) of a Messaging Service's pool.
    pub async fn list_service_numbers(&self, service_sid: &str) -> Result<Vec<ServicePhoneNumber>, TwilioError> {
        let url = format!(
            "{}/v1/Services/{}/PhoneNumbers",
            self.messaging_base,
            checked_sid("messaging service", service_sid)?
        );
        let page: ServiceNumberPage = self.call(self.http.get(url).query(&[("PageSize", "1000")])).await?;
        Ok(page.phone_numbers)
    }

    /// Takes a number ("PN...") out of a Messaging Service's pool; the account keeps it.
    pub async fn remove_from_messaging_service(
        &self,
        service_sid: &str,
        phone_number_sid: &str,
    ) -> Result<(), TwilioError> {
        let url = format!(
            "{}/v1/Services/{}/PhoneNumbers/{}",
            self.messaging_base,
            checked_sid("messaging service", service_sid)?,
            checked_sid("phone number", phone_number_sid)?
        );
        self.execute(self.http.delete(url)).await.map(|_| ())
    }

    /// Gives a number back to Twilio; it stops costing money and stops receiving texts.
    pub async fn release_number(&self, phone_number_sid: &str) -> Result<(), TwilioError> {
        let url =
            self.account_url(&format!("IncomingPhoneNumbers/{}.json", checked_sid("phone number", phone_number_sid)?));
        self.execute(self.http.delete(url)).await.map(|_| ())
    }

    fn account_url(&self, rest: &str) -> String {
        format!("{}/{API_VERSION}/Accounts/{}/{rest}", self.api_base, self.account_sid)
    }

    async fn call<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, TwilioError> {
        let (status, body) = self.execute(request).await?;
        serde_json::from_slice(&body)
            .map_err(|e| TwilioError::Unexpected { status: status.as_u16(), detail: e.to_string() })
    }

    /// Sends with credentials and the timeout; a 2xx answer's body, or the error.
    async fn execute(&self, request: RequestBuilder) -> Result<(StatusCode, Vec<u8>), TwilioError> {
        let response = request
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .timeout(self.timeout)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            Ok((status, body.to_vec()))
        } else {
            Err(error_from_response(status, retry_after, &body))
        }
    }
}

/// Sorts a failure to talk to Twilio by whether the request can have reached it.
fn transport_error(error: reqwest::Error) -> TwilioError {
    let error = error.without_url();
    if error.is_builder() {
        return TwilioError::Invalid(error_chain(&error));
    }
    if error.is_connect() {
        // reqwest reports a connect timeout as both a connect error and a timeout.
        return if error.is_timeout() {
            TwilioError::Timeout { request_sent: false }
        } else {
            TwilioError::Transient {
                kind: TransientKind::Connect,
                status: None,
                code: None,
                message: error_chain(&error),
                retry_after: None,
            }
        };
    }
    if error.is_timeout() {
        return TwilioError::Timeout { request_sent: true };
    }
    TwilioError::Disconnected(error_chain(&error))
}

/// reqwest's own message is generic ("error sending request"); the cause is in its sources.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
    more_info: Option<String>,
}

/// Reads Twilio's error body ({"code":21211,"message":...,"more_info":...,"status":400});
/// proxies and load balancers in front of Twilio answer in HTML, so anything else is kept as
/// a short snippet.
fn error_from_response(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> TwilioError {
    let (code, message, more_info) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => (parsed.code, parsed.message.unwrap_or_else(|| reason(status)), parsed.more_info),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.trim().chars().take(200).collect();
            (None, if text.is_empty() { reason(status) } else { text }, None)
        }
    };
    match status.as_u16() {
        429 => {
            TwilioError::Transient { kind: TransientKind::RateLimited, status: Some(429), code, message, retry_after }
        }
        // A gateway gave up waiting for Twilio, which may still have done the work.
        504 => TwilioError::Timeout { request_sent: true },
        s @ 500..=599 => {
            TwilioError::Transient { kind: TransientKind::ServerError, status: Some(s), code, message, retry_after }
        }
        s => TwilioError::Api { status: s, code, message, more_info },
    }
}

fn reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("no reason given").to_string()
}

fn base_url(name: &str, url: &str) -> Result<String, TwilioError> {
    let url = url.trim_end_matches('/');
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url.to_string())
    } else {
        Err(TwilioError::Invalid(format!("the Twilio {name} must start with http:// or https://")))
    }
}

/// Twilio SIDs are two letters and 32 hex digits; anything with other characters would
/// change the URL it is put into.
fn is_sid(sid: &str) -> bool {
    !sid.is_empty() && sid.len() <= 64 && sid.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn checked_sid<'a>(what: &str, sid: &'a str) -> Result<&'a str, TwilioError> {
    if is_sid(sid) {
        Ok(sid)
    } else {
        Err(TwilioError::Invalid(format!("{sid:?} is not a {what} SID")))
    }
}

#[derive(Deserialize)]
struct MessageJson {
    sid: String,
    status: String,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    messaging_service_sid: Option<String>,
    /// A string in Twilio's JSON ("1"), read either way.
    #[serde(default)]
    num_segments: Option<serde_json::Value>,
    #[serde(default)]
    error_code: Option<i64>,
    #[serde(default)]
    date_created: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    /// A string in Twilio's JSON ("0"), read either way.
    #[serde(default)]
    num_media: Option<serde_json::Value>,
}

fn count_field(value: Option<serde_json::Value>) -> Option<u32> {
    match value {
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    }
}

impl From<MessageJson> for SentMessage {
    fn from(wire: MessageJson) -> SentMessage {
        let num_segments = count_field(wire.num_segments);
        SentMessage {
            sid: wire.sid,
            status: MessageStatus::parse(&wire.status),
            to: wire.to.unwrap_or_default(),
            from: wire.from.filter(|f| !f.is_empty()),
            body: wire.body.unwrap_or_default(),
            messaging_service_sid: wire.messaging_service_sid,
            num_segments,
            error_code: wire.error_code,
            date_created: wire
                .date_created
                .and_then(|d| DateTime::parse_from_rfc2822(&d).ok())
                .map(|d| d.with_timezone(&Utc)),
            direction: wire.direction,
            num_media: count_field(wire.num_media),
        }
    }
}

#[derive(Deserialize)]
struct MessagePage {
    messages: Vec<MessageJson>,
}

#[derive(Deserialize)]
struct AvailablePage {
    available_phone_numbers: Vec<AvailableNumber>,
}

/// A webhook form that lacks what we need or carries something unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook has no {0}")]
    Missing(&'static str),
    #[error("the webhook's {field} is not valid: {value:?}")]
    Invalid { field: &'static str, value: String },
}

/// The first non-empty value of a form field (Twilio sends "ErrorCode=" for "none").
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
}

fn required<'a>(params: &'a [(String, String)], name: &'static str) -> Result<&'a str, WebhookError> {
    param(params, name).ok_or(WebhookError::Missing(name))
}

fn number<T: std::str::FromStr>(params: &[(String, String)], name: &'static str) -> Result<Option<T>, WebhookError> {
    param(params, name)
        .map(|v| v.trim().parse().map_err(|_| WebhookError::Invalid { field: name, value: v.to_string() }))
        .transpose()
}

/// What Twilio posts to a message's StatusCallback each time its status changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCallback {
    pub message_sid: String,
    pub message_status: MessageStatus,
    /// Set for failed and undelivered messages (30003 unreachable, 21610 opted out, ...).
    pub error_code: Option<i64>,
    /// Twilio always sends both numbers; they are optional here so that a callback missing
    /// one still records its status.
    pub to: Option<String>,
    pub from: Option<String>,
    pub account_sid: String,
    pub messaging_service_sid: Option<String>,
}

impl StatusCallback {
    /// Reads the callback's form fields (verify the signature first).
    pub fn from_params(params: &[(String, String)]) -> Result<StatusCallback, WebhookError> {
        let message_sid = param(params, "MessageSid")
            .or_else(|| param(params, "SmsSid"))
            .ok_or(WebhookError::Missing("MessageSid"))?;
        // SmsStatus is the older name Twilio still sends alongside.
        let status = param(params, "MessageStatus")
            .or_else(|| param(params, "SmsStatus"))
            .ok_or(WebhookError::Missing("MessageStatus"))?;
        Ok(StatusCallback {
            message_sid: message_sid.to_string(),
            message_status: MessageStatus::parse(status),
            error_code: number(params, "ErrorCode")?,
            to: param(params, "To").map(str::to_string),
            from: param(params, "From").map(str::to_string),
            account_sid: required(params, "AccountSid")?.to_string(),
            messaging_service_sid: param(params, "MessagingServiceSid").map(str::to_string),
        })
    }
}

/// A text someone sent to one of our numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    pub message_sid: String,
    pub account_sid: String,
    /// The contact.
    pub from: String,
    /// Our number.
    pub to: String,
    /// Empty for a picture without words.
    pub body: String,
    pub num_media: u32,
    pub media_urls: Vec<String>,
    pub messaging_service_sid: Option<String>,
}

impl InboundMessage {
    /// Reads the webhook's form fields (verify the signature first).
    pub fn from_params(params: &[(String, String)]) -> Result<InboundMessage, WebhookError> {
        let message_sid = param(params, "MessageSid")
            .or_else(|| param(params, "SmsMessageSid"))
            .ok_or(WebhookError::Missing("MessageSid"))?;
        let num_media: u32 = number(params, "NumMedia")?.unwrap_or(0);
        // MediaUrl0..MediaUrl{n-1}; a form cannot hold more of them than it has fields.
        let media_urls = (0..num_media.min(params.len() as u32))
            .filter_map(|i| param(params, &format!("MediaUrl{i}")).map(str::to_string))
            .collect();
        Ok(InboundMessage {
            message_sid: message_sid.to_string(),
            account_sid: required(params, "AccountSid")?.to_string(),
            from: required(params, "From")?.to_string(),
            to: required(params, "To")?.to_string(),
            body: param(params, "Body").unwrap_or_default().to_string(),
            num_media,
            media_urls,
            messaging_service_sid: param(params, "MessagingServiceSid").map(str::to_string),
        })
    }
}

/// Twilio's webhook signature: base64(HMAC-SHA1(auth token, url + every parameter's name
/// and value)), parameters sorted by name (and by value where a name repeats), a value repeated
/// under one name counted once, as the official helper libraries do (twilio-python
/// `RequestValidator.compute_signature`: `sorted(set(values))`). `url` is the full URL Twilio
/// was given, query string included: use the configured public URL, never the Host header,
/// which a proxy or an attacker chooses.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    BASE64.encode(mac.finalize().into_bytes())
}

/// The same URL with its port the other way round: the default port (443 for https, 80 for
/// http) added when there is none, any port removed when there is one. Twilio may sign either
/// form (its helper libraries try both: twilio-python `RequestValidator.validate` with
/// `add_port` / `remove_port`, twilio-node `validateRequest`), e.g. behind a proxy on :443.
fn other_port_form(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // The port is after the last ':' that follows the host (an IPv6 host is in brackets).
    let host_end = authority.rfind(']').map_or(0, |i| i + 1);
    let with_port = authority[host_end..].rfind(':').map(|i| host_end + i);
    Some(match with_port {
        Some(colon) => format!("{scheme}://{}{tail}", &authority[..colon]),
        None => format!("{scheme}://{authority}:{default}{tail}"),
    })
}

/// Whether `header_value` (the X-Twilio-Signature header) signs this request, over the URL as
/// configured or with its port the other way round (see [`other_port_form`]). Each comparison
/// takes the same time however many characters match, so the signature cannot be guessed one
/// character at a time.
pub fn verify_signature(auth_token: &str, url: &str, params: &[(String, String)], header_value: &str) -> bool {
    let given = header_value.trim().as_bytes();
    let matches = |url: &str| -> bool { signature(auth_token, url, params).as_bytes().ct_eq(given).into() };
    // Both are computed, so the time taken does not say which form matched.
    let as_configured = matches(url);
    let other = other_port_form(url).is_some_and(|other| matches(&other));
    as_configured | other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    const DOC_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn doc_params(caller: &str) -> Vec<(String, String)> {
        pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ])
    }

    // The example from Twilio's security guide circulates with two caller numbers and two
    // signatures (+12349013030 gives 0/KC..., +14158675310 gives GvWf...); each pairing was
    // recomputed independently with Python's hmac, hashlib and base64.
    #[test]
    fn signature_matches_twilios_documented_examples() {
        assert_eq!(signature("12345", DOC_URL, &doc_params("+12349013030")), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert_eq!(signature("12345", DOC_URL, &doc_params("+14158675310")), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
    }

    // The official helper library's vectors (twilio-python tests/unit/test_request_validator.py;
    // twilio-node's webhooks tests carry the same): token 12345 over the classic example.
    fn official_params() -> Vec<(String, String)> {
        pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
            ("Caller", "+14158675309"),
        ])
    }

    #[test]
    fn the_official_signature_vectors_pass() {
        let params = official_params();
        assert_eq!(signature("12345", DOC_URL, &params), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        assert!(verify_signature("12345", DOC_URL, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        // test_validation_adds_port_on_https: signed over :443, configured without it.
        assert!(verify_signature("12345", DOC_URL, &params, "kvajT1Ptam85bY51eRf/AJRuM3w="));
        // test_validation_adds_port_on_http: signed over :80.
        let http = DOC_URL.replace("https", "http");
        assert!(verify_signature("12345", &http, &params, "0ZXoZLH/DfblKGATFgpif+LLRf4="));
        // test_validation_removes_port_on_https: configured with :1234, signed without a port.
        let https_1234 = DOC_URL.replace(".com", ".com:1234");
        assert!(verify_signature("12345", &https_1234, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        // test_validation_removes_port_on_http: signed over the port as given.
        let http_1234 = http.replace(".com", ".com:1234");
        assert!(verify_signature("12345", &http_1234, &params, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
        // A port the URL never had is not a variant: :443 on http is refused.
        assert!(!verify_signature("12345", &http, &params, "kvajT1Ptam85bY51eRf/AJRuM3w="));
        assert!(!verify_signature("12345", DOC_URL, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8"));
    }

    #[test]
    fn repeated_parameters_sign_as_the_official_library_does() {
        // test_compute_signature_duplicate_multi_dict.
        let repeated = pairs(&[("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]);
        assert_eq!(signature("12345", DOC_URL, &repeated), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
        // The same value twice under one name counts once (`sorted(set(values))`).
        let mut twice = repeated.clone();
        twice.push(("Digits".into(), "1234".into()));
        assert_eq!(signature("12345", DOC_URL, &twice), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    }

    #[test]
    fn the_port_is_added_or_removed_and_nothing_else_changes() {
        assert_eq!(other_port_form("https://a.example/x?y=1").as_deref(), Some("https://a.example:443/x?y=1"));
        assert_eq!(other_port_form("http://a.example").as_deref(), Some("http://a.example:80"));
        assert_eq!(other_port_form("https://a.example:8443/x").as_deref(), Some("https://a.example/x"));
        assert_eq!(other_port_form("http://[::1]:3000/w").as_deref(), Some("http://[::1]/w"));
        assert_eq!(other_port_form("http://[::1]/w").as_deref(), Some("http://[::1]:80/w"));
        assert_eq!(other_port_form("ftp://a.example/"), None);
    }

    #[test]
    fn signature_does_not_depend_on_parameter_order() {
        let mut params = doc_params("+12349013030");
        params.reverse();
        assert_eq!(signature("12345", DOC_URL, &params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn repeated_names_are_sorted_by_value() {
        let a =
            pairs(&[("MediaUrl", "https://b.example/2.jpg"), ("MediaUrl", "https://a.example/1.jpg"), ("Body", "hi")]);
        let b =
            pairs(&[("Body", "hi"), ("MediaUrl", "https://a.example/1.jpg"), ("MediaUrl", "https://b.example/2.jpg")]);
        assert_eq!(signature("t", "https://x.example/h", &a), signature("t", "https://x.example/h", &b));
        // Concatenation order is part of the signature: name, value, name, value.
        let mut mac = Hmac::<Sha1>::new_from_slice(b"t").unwrap();
        mac.update(b"https://x.example/hBodyhiMediaUrlhttps://a.example/1.jpgMediaUrlhttps://b.example/2.jpg");
        assert_eq!(signature("t", "https://x.example/h", &a), BASE64.encode(mac.finalize().into_bytes()));
    }

    #[test]
    fn verification_rejects_anything_changed() {
        let params = doc_params("+12349013030");
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
        assert!(verify_signature("12345", DOC_URL, &params, good));
        assert!(verify_signature("12345", DOC_URL, &params, &format!(" {good}\n")));
        assert!(!verify_signature("12346", DOC_URL, &params, good));
        assert!(!verify_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", &params, good));
        assert!(!verify_signature("12345", "https://mycompany.com/myapp.php", &params, good));
        let mut tampered = params.clone();
        tampered[2].1 = "9999".into();
        assert!(!verify_signature("12345", DOC_URL, &tampered, good));
        let mut extra = params.clone();
        extra.push(("Body".into(), "STOP".into()));
        assert!(!verify_signature("12345", DOC_URL, &extra, good));
        assert!(!verify_signature("12345", DOC_URL, &params, ""));
        assert!(!verify_signature("12345", DOC_URL, &params, &good[..good.len() - 1]));
        assert!(!verify_signature("12345", DOC_URL, &params, "1/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    #[test]
    fn send_form_uses_twilios_field_names() {
        let message = SendMessage {
            to: "+14155550100".into(),
            from: Sender::Number("+12125550199".into()),
            body: "Hi Ana".into(),
            media_urls: vec!["https://m.example/1.png".into(), "https://m.example/2.png".into()],
            status_callback: Some("https://p2p.example/twilio/status?m=1".into()),
            validity_period_secs: Some(3600),
        };
        assert_eq!(
            message.form_fields(),
            vec![
                ("To", "+14155550100".to_string()),
                ("From", "+12125550199".to_string()),
                ("Body", "Hi Ana".to_string()),
                ("MediaUrl", "https://m.example/1.png".to_string()),
                ("MediaUrl", "https://m.example/2.png".to_string()),
                ("StatusCallback", "https://p2p.example/twilio/status?m=1".to_string()),
                ("ValidityPeriod", "3600".to_string()),
            ]
        );
        let service = SendMessage {
            from: Sender::MessagingService("MG0123".into()),
            body: String::new(),
            media_urls: vec!["https://m.example/1.png".into()],
            status_callback: None,
            validity_period_secs: None,
            ..message.clone()
        };
        assert_eq!(
            service.form_fields(),
            vec![
                ("To", "+14155550100".to_string()),
                ("MessagingServiceSid", "MG0123".to_string()),
                ("MediaUrl", "https://m.example/1.png".to_string())
            ]
        );
        let empty = SendMessage { body: String::new(), media_urls: vec![], ..service };
        assert!(
            empty.form_fields().contains(&("Body", String::new())),
            "an empty message is left for Twilio to refuse"
        );
    }

    #[test]
    fn twilio_error_bodies_are_parsed() {
        let body = br#"{"code": 21211, "message": "Invalid 'To' Phone Number: +1555", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        let error = error_from_response(StatusCode::BAD_REQUEST, None, body);
        assert_eq!(
            error,
            TwilioError::Api {
                status: 400,
                code: Some(21211),
                message: "Invalid 'To' Phone Number: +1555".into(),
                more_info: Some("https://www.twilio.com/docs/errors/21211".into()),
            }
        );
        assert_eq!(error.code(), Some(21211));
        assert!(!error.is_retryable() && !error.outcome_unknown());
        assert_eq!(
            error.to_string(),
            "Twilio refused the request (HTTP 400, code 21211): Invalid 'To' Phone Number: +1555"
        );
    }

    #[test]
    fn throttling_and_server_errors_are_transient() {
        let body = br#"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#;
        let limited = error_from_response(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(2)), body);
        assert!(matches!(
            &limited,
            TwilioError::Transient { kind: TransientKind::RateLimited, status: Some(429), code: Some(20429), retry_after: Some(d), .. } if *d == Duration::from_secs(2)
        ));
        assert!(limited.is_retryable() && !limited.outcome_unknown());

        let html = error_from_response(StatusCode::BAD_GATEWAY, None, b"<html>Bad Gateway</html>\n");
        assert_eq!(
            html,
            TwilioError::Transient {
                kind: TransientKind::ServerError,
                status: Some(502),
                code: None,
                message: "<html>Bad Gateway</html>".into(),
                retry_after: None
            }
        );
        let empty = error_from_response(StatusCode::SERVICE_UNAVAILABLE, None, b"");
        assert!(matches!(&empty, TwilioError::Transient { message, .. } if message == "Service Unavailable"));

        let gateway_timeout = error_from_response(StatusCode::GATEWAY_TIMEOUT, None, b"");
        assert_eq!(gateway_timeout, TwilioError::Timeout { request_sent: true });
        assert!(!gateway_timeout.is_retryable() && gateway_timeout.outcome_unknown());
    }

    #[test]
    fn what_to_do_next_follows_from_the_error() {
        assert!(TwilioError::Timeout { request_sent: false }.is_retryable());
        assert!(!TwilioError::Timeout { request_sent: false }.outcome_unknown());
        assert!(!TwilioError::Timeout { request_sent: true }.is_retryable());
        assert!(TwilioError::Disconnected("reset".into()).outcome_unknown());
        assert!(TwilioError::Unexpected { status: 201, detail: "eof".into() }.outcome_unknown());
        assert!(!TwilioError::Unexpected { status: 404, detail: "html".into() }.outcome_unknown());
        assert!(!TwilioError::Invalid("bad".into()).is_retryable());
    }

    #[test]
    fn the_auth_token_stays_out_of_debug_output() {
        let config = TwilioConfig::new("AC0123456789abcdef0123456789abcdef", "s3cr3t-t0k3n");
        assert!(!format!("{config:?}").contains("s3cr3t-t0k3n"));
        let client = TwilioClient::new(config).unwrap();
        let debug = format!("{client:?}");
        assert!(debug.contains("AC0123456789abcdef0123456789abcdef") && !debug.contains("s3cr3t-t0k3n"), "{debug}");
    }

    #[test]
    fn configuration_and_sids_that_would_change_the_url_are_refused() {
        let mut config = TwilioConfig::new("AC123", "token");
        config.api_base = "api.twilio.com".into();
        assert!(matches!(TwilioClient::new(config), Err(TwilioError::Invalid(_))));
        assert!(TwilioClient::new(TwilioConfig::new("AC1/../x", "token")).is_err());
        assert!(TwilioClient::new(TwilioConfig::new("AC123", "")).is_err());
        assert!(checked_sid("phone number", "PN123abc").is_ok());
        assert!(checked_sid("phone number", "PN1?x=1").is_err());
        assert!(checked_sid("phone number", "").is_err());
    }

    #[test]
    fn message_json_is_read_with_string_segment_counts() {
        let json = br#"{"sid":"SM0123","status":"queued","to":"+14155550100","from":null,"body":"Hi","messaging_service_sid":"MG1",
            "num_segments":"2","error_code":null,"date_created":"Thu, 24 Aug 2023 05:01:45 +0000","price":null}"#;
        let message: SentMessage = serde_json::from_slice::<MessageJson>(json).unwrap().into();
        assert_eq!(message.status, MessageStatus::Queued);
        assert_eq!(message.from, None);
        assert_eq!(message.num_segments, Some(2));
        assert_eq!(message.date_created.unwrap().to_rfc3339(), "2023-08-24T05:01:45+00:00");
    }

    #[test]
    fn status_callbacks_are_read() {
        let params = pairs(&[
            ("SmsSid", "SM1"),
            ("SmsStatus", "undelivered"),
            ("MessageStatus", "undelivered"),
            ("To", "+14155550100"),
            ("MessageSid", "SM1"),
            ("AccountSid", "AC1"),
            ("From", "+12125550199"),
            ("ApiVersion", "2010-04-01"),
            ("ErrorCode", "30003"),
        ]);
        let callback = StatusCallback::from_params(&params).unwrap();
        assert_eq!(callback.message_status, MessageStatus::Undelivered);
        assert_eq!(callback.error_code, Some(30003));
        assert_eq!(callback.to.as_deref(), Some("+14155550100"));
        assert_eq!(callback.account_sid, "AC1");

        let older = pairs(&[("SmsSid", "SM2"), ("SmsStatus", "sent"), ("AccountSid", "AC1"), ("ErrorCode", "")]);
        let callback = StatusCallback::from_params(&older).unwrap();
        assert_eq!(
            (callback.message_sid.as_str(), callback.message_status, callback.error_code),
            ("SM2", MessageStatus::Sent, None)
        );

        assert_eq!(
            StatusCallback::from_params(&pairs(&[("MessageStatus", "sent"), ("AccountSid", "AC1")])),
            Err(WebhookError::Missing("MessageSid"))
        );
        assert!(matches!(
            StatusCallback::from_params(&pairs(&[
                ("MessageSid", "SM3"),
                ("MessageStatus", "failed"),
                ("AccountSid", "AC1"),
                ("ErrorCode", "x")
            ])),
            Err(WebhookError::Invalid { field: "ErrorCode", .. })
        ));
    }

    #[test]
    fn inbound_messages_are_read_with_their_media() {
        let params = pairs(&[
            ("MessageSid", "MM1"),
            ("AccountSid", "AC1"),
            ("From", "+14155550100"),
            ("To", "+12125550199"),
            ("Body", ""),
            ("NumMedia", "2"),
            ("MediaUrl1", "https://api.twilio.com/m/2"),
            ("MediaUrl0", "https://api.twilio.com/m/1"),
        ]);
        let inbound = InboundMessage::from_params(&params).unwrap();
        assert_eq!(inbound.body, "");
        assert_eq!(inbound.num_media, 2);
        assert_eq!(inbound.media_urls, vec!["https://api.twilio.com/m/1", "https://api.twilio.com/m/2"]);
        assert_eq!(InboundMessage::from_params(&params[..3]), Err(WebhookError::Missing("To")));
        let huge = pairs(&[
            ("MessageSid", "SM1"),
            ("AccountSid", "AC1"),
            ("From", "+1"),
            ("To", "+2"),
            ("NumMedia", "4000000000"),
        ]);
        assert!(InboundMessage::from_params(&huge).unwrap().media_urls.is_empty());
    }
}
