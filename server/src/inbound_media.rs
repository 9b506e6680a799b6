//! The pictures contacts send, shown in the threads through our own server: Twilio's media URLs
//! can require the account's credentials (the "Enforce HTTP Auth on Media URLs" setting), which
//! a browser must never hold, and an admin reading a thread should not leak a carrier URL.
//! `GET /media/inbound/{message_id}/{index}` checks that the signed-in user may read the
//! thread (an admin of its organization, or the volunteer holding it), then fetches the
//! picture from Twilio with basic auth and streams it back.

use app::server::{auth, AppState};
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use tower_sessions::Session;
use uuid::Uuid;

pub const PATH: &str = "/media/inbound/{message_id}/{index}";

pub async fn serve(
    State(state): State<AppState>,
    session: Session,
    Path((message_id, index)): Path<(i64, i32)>,
) -> Response {
    let Ok(Some(user)) = auth::user_in_session(&state, &session).await else {
        return (StatusCode::UNAUTHORIZED, "Sign in to see this picture.").into_response();
    };
    let url = match picture_url(&state, user.id, message_id, index).await {
        Ok(Some(url)) => url,
        Ok(None) => return (StatusCode::NOT_FOUND, "There is no such picture.").into_response(),
        Err(error) => {
            tracing::error!(%error, message_id, "looking up an inbound picture");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(twilio) = &state.config.twilio else {
        return (StatusCode::NOT_FOUND, "There is no carrier to fetch the picture from.").into_response();
    };
    // Only the carrier's own URLs get the credentials (a signed webhook gave us this one, but a
    // token must never go anywhere else).
    if !url.starts_with(&format!("{}/", twilio.api_base.trim_end_matches('/'))) {
        tracing::warn!(message_id, "inbound picture URL is not the carrier's; not fetched");
        return (StatusCode::BAD_GATEWAY, "The picture is not at the carrier.").into_response();
    }
    // Twilio answers a media URL with a redirect to its storage; reqwest follows it and drops
    // the Authorization header when the host changes.
    let fetched = reqwest::Client::new()
        .get(&url)
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await;
    match fetched {
        Ok(response) if response.status().is_success() => {
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .filter(|t| t.starts_with("image/") || t.starts_with("video/") || t.starts_with("audio/"))
                .unwrap_or("application/octet-stream")
                .to_string();
            // Twilio's MMS pictures are at most 5 MB: read whole.
            let Ok(bytes) = response.bytes().await else {
                return (StatusCode::BAD_GATEWAY, "The carrier cut the picture short.").into_response();
            };
            let body = Body::from(bytes);
            Response::builder()
                .header(header::CONTENT_TYPE, content_type)
                .header(header::CACHE_CONTROL, "private, max-age=3600")
                .header("x-content-type-options", "nosniff")
                .body(body)
                .unwrap()
        }
        Ok(response) => {
            tracing::warn!(message_id, status = %response.status(), "the carrier refused an inbound picture");
            (StatusCode::BAD_GATEWAY, "The carrier did not give the picture.").into_response()
        }
        Err(error) => {
            tracing::warn!(message_id, %error, "fetching an inbound picture");
            (StatusCode::BAD_GATEWAY, "The carrier could not be reached.").into_response()
        }
    }
}

/// The picture's carrier URL, if `user` may read the message's thread.
async fn picture_url(state: &AppState, user: Uuid, message_id: i64, index: i32) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        r#"select m.media_urls[$3 + 1] from messages m
           join memberships mb on mb.organization_id = m.organization_id and mb.user_id = $2
           left join conversations c on c.id = m.conversation_id
           where m.id = $1 and m.direction = 'inbound' and $3 >= 0
             and (mb.role in ('owner', 'admin') or c.volunteer_id = $2)"#,
    )
    .bind(message_id)
    .bind(user)
    .bind(index)
    .fetch_optional(&state.db)
    .await
    .map(Option::flatten)
}
