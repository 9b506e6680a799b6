//! Twilio's webhooks: message status callbacks and inbound texts. Only requests signed with our
//! auth token over our public URL are believed; anything else is refused with 403 and logged.

use crate::twilio::errors::{self, Consequence, FILTERED};
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
/// The longest an inbound webhook waits for its text to be processed before answering; Twilio
/// gives a webhook 15 s ("Twilio webhooks", timeouts), and a stored text needs no more.
const PROCESS_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

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
    let sid = callback.message_sid.clone();
    match db::webhooks::apply_status(
        &state.db,
        &callback.message_sid,
        &callback.message_status,
        code,
        callback.from.as_deref(),
    )
    .await
    {
        Ok(_) => {}
        // 500 makes Twilio retry later; the update is idempotent.
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    // What a delivery error says about the sending number (server/src/twilio/errors.rs).
    let quarantined = match callback.error_code {
        Some(FILTERED) => db::sender_quarantine::note_filtered(&state.db, &sid).await,
        Some(code) if errors::of_code(code) == Some(Consequence::SenderBlocked) => {
            let reason = format!(
                "The carrier refused texts from this number (Twilio {code}): register it or fix its setup, then release it."
            );
            db::sender_quarantine::quarantine_sender_of(&state.db, &sid, code as i32, &reason).await
        }
        _ => Ok(false),
    };
    match quarantined {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// An inbound text: stored as posted first (one small insert, idempotent by MessageSid), then
/// processed, and Twilio answered 200 once it is stored whatever the processing does. Twilio
/// does not retry a failed inbound webhook (see migrations/0037), so only a failure to store
/// it is answered with an error; a crash after storing is recovered by [`process_pending`] at
/// startup.
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
    if let Err(error) =
        db::webhooks::store_inbound(&state.db, &message.message_sid, &params, db::webhooks::InboundSource::Webhook)
            .await
    {
        tracing::error!(?error, sid = %message.message_sid, "inbound text could not be stored");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    // Then processed, on its own task: Twilio gets its answer within PROCESS_WAIT however slow
    // the transaction is (a busy conversation's lock, a failover), and nothing is lost if it
    // fails or the process dies, since the row is stored and picked up later. Waiting that
    // long in the usual case keeps the order a contact sees (their reply is in the inbox by
    // the time Twilio hears back).
    let db = state.db.clone();
    let processing = tokio::spawn(async move { process(&db, &message).await });
    let _ = tokio::time::timeout(PROCESS_WAIT, processing).await;
    // An empty TwiML answer: replies are sent by people, not by this webhook.
    ([(header::CONTENT_TYPE, "text/xml")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")
        .into_response()
}

/// Applies one stored inbound text (idempotent: a second run changes nothing). A failure is
/// kept on the row, which stays pending for the next pass.
async fn process(db: &sqlx::PgPool, message: &InboundMessage) -> bool {
    let sid = &message.message_sid;
    match db::webhooks::record_inbound(db, sid, &message.from, &message.to, &message.body).await {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(?error, %sid, "inbound text stored but not processed yet");
            let _ = db::webhooks::inbound_failed(db, sid, &error.to_string()).await;
            false
        }
    }
}

/// Processes stored inbound texts still pending after `older_than`: the ones a crash, a
/// restart or a database error left between storing and processing. Returns how many were
/// processed now.
pub async fn process_pending(
    db: &sqlx::PgPool,
    older_than: std::time::Duration,
) -> Result<usize, app::error::AppError> {
    let mut done = 0;
    loop {
        let batch = db::webhooks::pending_inbound(db, older_than, 100).await?;
        let mut progressed = false;
        for row in &batch {
            match InboundMessage::from_params(&row.params()) {
                Ok(message) => {
                    if process(db, &message).await {
                        done += 1;
                        progressed = true;
                    }
                }
                // Checked before it was stored; a row that no longer reads is kept for the
                // operator, with why.
                Err(error) => db::webhooks::inbound_failed(db, &row.twilio_sid, &error.to_string()).await?,
            }
        }
        if batch.len() < 100 || !progressed {
            return Ok(done);
        }
    }
}
