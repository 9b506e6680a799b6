//! The account's numbers: for sale (`AvailablePhoneNumbers`), bought and released
//! (`IncomingPhoneNumbers`), and in a Messaging Service's pool (`Services/{sid}/PhoneNumbers`).

use super::records::{is_e164, is_service_sid, OwnedNumber};
use super::{authorize, bad_request, field, new_sid, not_found_error, twilio_error, FormFields, Refusal, Sim};
use crate::twilio::API_VERSION;
use app::domain::phone::PhoneNumber;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
    Form, Json,
};
use chrono::Utc;
use serde_json::{json, Value};

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

pub(super) async fn available_numbers(
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

pub(super) async fn buy_number(
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

pub(super) async fn release_number(
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

pub(super) async fn add_service_number(
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
    let body = super::services::service_number_json(&shared.config.account_sid, &service, number);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
