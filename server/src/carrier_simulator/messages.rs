//! Sends (`POST Messages.json`), fetches and the listing (`GET Messages.json`), checked and
//! answered as Twilio does.

use super::callbacks::deliver;
use super::records::{is_e164, is_service_sid, InboundText, OwnedNumber, Plan, ReceivedMessage};
use super::{
    authorize, bad_request, field, new_sid, not_found_error, publish, twilio_error, DeliveryFailure, Fault, FormFields,
    Refusal, Shared, Sim, SimulatorConfig,
};
use crate::twilio::{MessageStatus, API_VERSION};
use app::domain::segments::Segments;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
    Form, Json,
};
use chrono::{DateTime, Utc};
use rand::{rngs::StdRng, Rng};
use serde_json::{json, Value};
use std::sync::Arc;

pub(super) fn draw_plan(config: &SimulatorConfig, rng: &mut StdRng) -> Plan {
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

pub(super) async fn create_message(
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

/// Twilio's "sticky sender": a contact always hears from the same number of the pool.
pub(super) fn pick_sender(numbers: &[OwnedNumber], service_sid: &str, to: &str) -> Option<String> {
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

pub(super) async fn fetch_message(
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

pub(super) async fn list_messages(
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

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
}
