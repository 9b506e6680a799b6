//! Messaging Services (`/v1/Services/{sid}`): where a text to one of a service's numbers goes,
//! and the service's pool (`/v1/Services/{sid}/PhoneNumbers`: list, remove). Twilio's own words
//! (twilio-oai twilio_messaging_v1.json, the Service resource): `inbound_request_url` is "the
//! URL we call ... when a message is received by any phone number or short code in the
//! Service. When this property is `null`, receiving inbound messages is disabled", and with
//! `use_inbound_webhook_on_number` "the webhook url defined on the phone number will override
//! the `inbound_request_url`". Services are not created here: any well-formed "MG..." SID is
//! a service, with neither set until it is updated.

use super::records::{is_service_sid, OwnedNumber};
use super::{authorize, bad_request, field, not_found_error, FormFields, Refusal, Sim, SimState};
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
    Form, Json,
};
use chrono::Utc;
use serde_json::{json, Value};

/// A Messaging Service's inbound settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceSettings {
    pub inbound_request_url: Option<String>,
    /// "POST" unless set; only POST is delivered by the simulator (all the app ever sets).
    pub inbound_method: Option<String>,
    pub fallback_url: Option<String>,
    pub use_inbound_webhook_on_number: bool,
}

/// Where a text to `number` is posted, as Twilio routes it: a number in a service follows the
/// service; any other its own SmsUrl (else the simulator's inbound URL). `Err(())`: the
/// service has inbound turned off, and the text is dropped unlogged.
pub(super) fn inbound_url(state: &SimState, number: Option<&OwnedNumber>) -> Result<Option<String>, ()> {
    let own = || number.and_then(|n| n.sms_url.clone()).or_else(|| state.inbound_url.clone());
    match number.and_then(|n| n.service_sid.as_ref()) {
        Some(service) => {
            let settings = state.services.get(service).cloned().unwrap_or_default();
            if settings.use_inbound_webhook_on_number {
                Ok(own())
            } else {
                settings.inbound_request_url.map(Some).ok_or(())
            }
        }
        None => Ok(own()),
    }
}

fn checked_service(service: &str) -> Result<(), Refusal> {
    if is_service_sid(service) {
        Ok(())
    } else {
        Err(bad_request(21705, format!("The Messaging Service Sid {service} is invalid.")))
    }
}

fn service_json(account_sid: &str, sid: &str, settings: &ServiceSettings) -> Value {
    let date = Utc::now().to_rfc3339();
    let url = format!("https://messaging.twilio.com/v1/Services/{sid}");
    json!({
        "sid": sid,
        "account_sid": account_sid,
        "friendly_name": sid,
        "date_created": date,
        "date_updated": date,
        "inbound_request_url": settings.inbound_request_url,
        "inbound_method": settings.inbound_method.as_deref().unwrap_or("POST"),
        "fallback_url": settings.fallback_url,
        "fallback_method": "POST",
        "status_callback": null,
        "sticky_sender": true,
        "use_inbound_webhook_on_number": settings.use_inbound_webhook_on_number,
        "validity_period": 36000,
        "url": url,
        "links": { "phone_numbers": format!("{url}/PhoneNumbers") },
    })
}

pub(super) async fn fetch_service(
    State(shared): Sim,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, None)?;
    checked_service(&service)?;
    let settings = shared.state().services.get(&service).cloned().unwrap_or_default();
    Ok(Json(service_json(&shared.config.account_sid, &service, &settings)).into_response())
}

/// `POST /v1/Services/{sid}` (UpdateService): only the fields given change; an empty URL
/// clears it.
pub(super) async fn update_service(
    State(shared): Sim,
    Path(service): Path<String>,
    headers: HeaderMap,
    Form(form): FormFields,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, None)?;
    checked_service(&service)?;
    let given = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string());
    let url = |name: &str| -> Result<Option<Option<String>>, Refusal> {
        match given(name) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(Some(None)),
            Some(v) if v.starts_with("https://") || v.starts_with("http://") => Ok(Some(Some(v))),
            Some(v) => Err(bad_request(20001, format!("{name} is not a valid URL: {v}"))),
        }
    };
    let inbound = url("InboundRequestUrl")?;
    let fallback = url("FallbackUrl")?;
    let method = match field(&form, "InboundMethod") {
        None => None,
        Some(m @ ("GET" | "POST")) => Some(m.to_string()),
        Some(m) => return Err(bad_request(20001, format!("InboundMethod is GET or POST, not {m}"))),
    };
    let on_number = match given("UseInboundWebhookOnNumber").as_deref() {
        None => None,
        Some("true" | "True") => Some(true),
        Some("false" | "False") => Some(false),
        Some(v) => return Err(bad_request(20001, format!("UseInboundWebhookOnNumber is true or false, not {v}"))),
    };
    let mut state = shared.state();
    let settings = state.services.entry(service.clone()).or_default();
    if let Some(inbound) = inbound {
        settings.inbound_request_url = inbound;
    }
    if let Some(fallback) = fallback {
        settings.fallback_url = fallback;
    }
    if method.is_some() {
        settings.inbound_method = method;
    }
    if let Some(on_number) = on_number {
        settings.use_inbound_webhook_on_number = on_number;
    }
    let body = service_json(&shared.config.account_sid, &service, settings);
    Ok(Json(body).into_response())
}

/// A number in a service's pool, as the Messaging v1 API shows it (ISO 8601 dates).
pub(super) fn service_number_json(account_sid: &str, service: &str, number: &OwnedNumber) -> Value {
    let date = number.date_created.to_rfc3339();
    json!({
        "sid": number.sid,
        "account_sid": account_sid,
        "service_sid": service,
        "date_created": date,
        "date_updated": date,
        "phone_number": number.phone_number,
        "country_code": "US",
        "capabilities": ["SMS", "MMS", "Voice"],
        "url": format!("https://messaging.twilio.com/v1/Services/{service}/PhoneNumbers/{}", number.sid),
    })
}

/// `GET /v1/Services/{sid}/PhoneNumbers`: one page (PageSize up to 1,000), in the v1 list
/// format (`phone_numbers` and `meta`).
pub(super) async fn list_service_numbers(
    State(shared): Sim,
    Path(service): Path<String>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, None)?;
    checked_service(&service)?;
    let page_size = field(&query, "PageSize").and_then(|v| v.parse::<usize>().ok()).unwrap_or(50).clamp(1, 1000);
    let state = shared.state();
    let numbers: Vec<Value> = state
        .numbers
        .iter()
        .filter(|n| n.service_sid.as_deref() == Some(service.as_str()))
        .take(page_size)
        .map(|n| service_number_json(&shared.config.account_sid, &service, n))
        .collect();
    let url = format!("https://messaging.twilio.com/v1/Services/{service}/PhoneNumbers?PageSize={page_size}&Page=0");
    Ok(Json(json!({
        "phone_numbers": numbers,
        "meta": { "page": 0, "page_size": page_size, "first_page_url": url, "previous_page_url": null,
                  "url": url, "next_page_url": null, "key": "phone_numbers" },
    }))
    .into_response())
}

/// `DELETE /v1/Services/{sid}/PhoneNumbers/{PN}`: the number leaves the pool (the account
/// keeps it). 204, or 404 when it is not in this service.
pub(super) async fn remove_service_number(
    State(shared): Sim,
    Path((service, number_sid)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Refusal> {
    authorize(&shared.config, &headers, None)?;
    checked_service(&service)?;
    let mut state = shared.state();
    match state.numbers.iter_mut().find(|n| n.sid == number_sid && n.service_sid.as_deref() == Some(service.as_str())) {
        Some(number) => {
            number.service_sid = None;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => Err(not_found_error(uri.path())),
    }
}
