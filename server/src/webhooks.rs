//! Twilio's webhooks: message status callbacks and inbound texts. Only requests signed with our
//! auth token over our public URL are believed; anything else is refused with 403 and logged.

use crate::twilio::{verify_signature, InboundMessage, StatusCallback, SIGNATURE_HEADER};
use app::server::{db, AppState};
use axum::{
    extract::{OriginalUri, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Form,
};

pub const STATUS_PATH: &str = "/webhooks/twilio/status";
pub const INBOUND_PATH: &str = "/webhooks/twilio/inbound";

/// The URL Twilio signed: our configured public address plus the path and query it posted to.
fn signed_url(state: &AppState, uri: &axum::http::Uri) -> String {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path());
    state.config.link(path_and_query)
}

fn verified(state: &AppState, uri: &axum::http::Uri, headers: &HeaderMap, params: &[(String, String)]) -> bool {
    let Some(twilio) = &state.config.twilio else {
        return false;
    };
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    verify_signature(&twilio.auth_token, &signed_url(state, uri), params, signature)
}

/// The webhook's form read as `T`, once its signature checks out; otherwise the answer to give
/// (403 for a bad signature, logged; 400 for a form missing what Twilio always sends).
fn signed<T>(
    state: &AppState,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    params: &[(String, String)],
    kind: &str,
    parse: fn(&[(String, String)]) -> Result<T, crate::twilio::WebhookError>,
) -> Result<T, Response> {
    if !verified(state, uri, headers, params) {
        tracing::warn!(%uri, kind, "webhook with a missing or wrong signature refused");
        return Err((StatusCode::FORBIDDEN, "invalid signature").into_response());
    }
    parse(params).map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()).into_response())
}

pub async fn status(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    let callback = match signed(&state, &uri, &headers, &params, "status", StatusCallback::from_params) {
        Ok(callback) => callback,
        Err(response) => return response,
    };
    let code = callback.error_code.and_then(|c| i32::try_from(c).ok());
    match db::webhooks::apply_status(&state.db, &callback.message_sid, callback.message_status.as_str(), code).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        // 500 makes Twilio retry later; the update is idempotent.
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn inbound(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    let message = match signed(&state, &uri, &headers, &params, "inbound", InboundMessage::from_params) {
        Ok(message) => message,
        Err(response) => return response,
    };
    match db::webhooks::record_inbound(&state.db, &message.message_sid, &message.from, &message.to, &message.body).await
    {
        // An empty TwiML answer: replies are sent by people, not by this webhook.
        Ok(_) => {
            ([(header::CONTENT_TYPE, "text/xml")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")
                .into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
