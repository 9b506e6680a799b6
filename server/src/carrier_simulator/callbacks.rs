//! What the simulator posts: a message's status callbacks, and texts from contacts to our
//! numbers' inbound URLs, signed as Twilio signs them.

use super::records::{InboundText, Plan, ReceivedMessage};
use super::{new_sid, publish, DeliveryFailure, FormFields, Shared, Sim};
use crate::twilio::{self, MessageStatus, API_VERSION, SIGNATURE_HEADER};
use app::domain::segments::Segments;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Form,
};
use chrono::Utc;
use std::sync::Arc;

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

/// An answer the carrier itself sent to a keyword (never through our API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordAnswer {
    /// The contact.
    pub to: String,
    /// Our number.
    pub from: String,
    pub body: String,
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

/// The statuses a message goes through, each with its error code.
pub(super) fn timeline(failure: Option<DeliveryFailure>) -> Vec<(MessageStatus, Option<i64>)> {
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
pub(super) async fn deliver(shared: Arc<Shared>, sid: String, plan: Plan) {
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
pub(super) async fn send_reply(
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
        // A service with inbound turned off drops the text: "not logged and received on the
        // Account" (twilio-oai, Service `inbound_request_url`).
        let Ok(url) = super::services::inbound_url(&state, number) else {
            return None;
        };
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
pub(super) async fn post_signed(
    shared: &Shared,
    kind: CallbackKind,
    url: &str,
    params: Vec<(String, String)>,
) -> SentCallback {
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

/// Not Twilio's API: a control for end-to-end tests and demos. The contact `From` replies
/// `Body` to the number that last texted them, posted signed to the app like any inbound text.
pub(super) async fn control_reply(State(shared): Sim, Form(form): FormFields) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
