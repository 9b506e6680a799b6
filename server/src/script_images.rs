//! Pictures sent with an initial script: the admin's upload (a raw body, like the contact
//! upload, so the bytes need no re-encoding) and the public address the carrier fetches as the
//! message's MediaUrl.

use app::domain::script_image::{ImageSlot, ScriptImage, MAX_BYTES};
use app::error::AppError;
use app::server::{auth, db, AppState};
use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use tower_sessions::Session;
use uuid::Uuid;

/// Where the carrier fetches a picture; the id is random, so only someone sent it can find it.
pub const MEDIA_PATH: &str = "/media/{image_id}";

fn error_response(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(serde_json::json!({ "error": error.to_string() }))).into_response()
}

/// `?for=card` addresses the card's image; without it, the script's picture.
#[derive(serde::Deserialize)]
pub struct Target {
    #[serde(rename = "for", default)]
    slot: String,
}

/// The admin acting on the action, and which of its pictures the request is about.
async fn authorize(
    state: &AppState,
    session: &Session,
    action_id: Uuid,
    target: &Target,
) -> Result<(auth::Caller, ImageSlot), AppError> {
    let org_id = db::actions::action_org(&state.db, action_id)
        .await?
        .ok_or_else(|| AppError::NotFound("That action does not exist.".into()))?;
    let caller = auth::admin_in_session(state, session, org_id).await?;
    let slot = ImageSlot::parse(&target.slot).map_err(|message| AppError::invalid("for", message))?;
    Ok((caller, slot))
}

/// Stores the body as the action's picture; the file's name comes in `x-file-name`.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(action_id): Path<Uuid>,
    Query(target): Query<Target>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (caller, slot) = match authorize(&state, &session, action_id, &target).await {
        Ok(found) => found,
        Err(e) => return error_response(e),
    };
    // Read one byte past the limit so an oversized file is named as such, not cut short.
    let bytes = match axum::body::to_bytes(body, MAX_BYTES + 1).await {
        Ok(bytes) => bytes.to_vec(),
        Err(_) => {
            return error_response(AppError::invalid(
                "image",
                format!(
                    "The image is larger than {}; an image sent by text can be at most that.",
                    app::domain::script_image::describe_size(MAX_BYTES)
                ),
            ))
        }
    };
    let image = match ScriptImage::parse(bytes) {
        Ok(image) => image,
        Err(message) => return error_response(AppError::invalid("image", message)),
    };
    let name = headers.get("x-file-name").and_then(|v| v.to_str().ok()).unwrap_or("").trim().to_string();
    match db::script_images::attach(&state.db, &caller, action_id, slot, &image, &name).await {
        Ok(id) => Json(serde_json::json!({ "id": id })).into_response(),
        Err(e) => error_response(e),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    session: Session,
    Path(action_id): Path<Uuid>,
    Query(target): Query<Target>,
) -> Response {
    let (caller, slot) = match authorize(&state, &session, action_id, &target).await {
        Ok(found) => found,
        Err(e) => return error_response(e),
    };
    match db::script_images::detach(&state.db, &caller, action_id, slot).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(e),
    }
}

/// The picture itself, for the carrier and the admin's preview. Pictures never change, so
/// they may be cached for good.
pub async fn serve(State(state): State<AppState>, Path(image_id): Path<Uuid>) -> Response {
    match db::script_images::fetch(&state.db, image_id).await {
        Ok(Some((content_type, bytes))) => Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .header("x-content-type-options", "nosniff")
            .body(Body::from(bytes))
            .unwrap(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(?e, %image_id, "reading a picture");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
