//! The CSV exports of an action (admins only), streamed a page at a time: memory stays flat
//! however many conversations and messages the action has. The pages and their CSV are in
//! `app::server::db::exports`.

use app::error::AppError;
use app::server::{auth, db, AppState};
use axum::{
    body::{Body, Bytes},
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use futures_util::{Stream, StreamExt};
use tower_sessions::Session;
use uuid::Uuid;

fn error_response(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(serde_json::json!({ "error": error.to_string() }))).into_response()
}

/// The action's organization, when the session's user is an admin of it.
async fn authorize(state: &AppState, session: &Session, action_id: Uuid) -> Result<Uuid, AppError> {
    let org_id = db::actions::action_org(&state.db, action_id)
        .await?
        .ok_or_else(|| AppError::NotFound("That action does not exist.".into()))?;
    auth::admin_in_session(state, session, org_id).await.map(|caller| caller.org_id)
}

/// The admin's organization and the action's export layout (title, columns, zone).
async fn export_of(
    state: &AppState,
    session: &Session,
    action_id: Uuid,
) -> Result<(Uuid, db::exports::ContactsLayout), AppError> {
    let org_id = authorize(state, session, action_id).await?;
    Ok((org_id, db::exports::contacts_layout(&state.read_db, org_id, action_id).await?))
}

pub fn csv_download(
    file_name: String,
    chunks: impl Stream<Item = Result<Vec<u8>, AppError>> + Send + 'static,
) -> Response {
    // A failure half way can only cut the download short; the log has the reason.
    let body =
        chunks.map(|chunk| chunk.map(Bytes::from).map_err(|_| std::io::Error::other("database error while exporting")));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\""))
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(body))
        .unwrap()
}

/// One row per conversation of the action: the contact, their list fields, volunteer, opt-out,
/// tags, report fields, survey answers and last message.
pub async fn contacts(State(state): State<AppState>, session: Session, Path(action_id): Path<Uuid>) -> Response {
    let (org_id, layout) = match export_of(&state, &session, action_id).await {
        Ok(found) => found,
        Err(e) => return error_response(e),
    };
    let name = format!("{}-contacts.csv", db::exports::file_stem(&layout.action_title));
    csv_download(name, db::exports::contacts_stream(state.read_db.clone(), org_id, action_id, layout))
}

/// Every message of the action, thread by thread.
pub async fn messages(State(state): State<AppState>, session: Session, Path(action_id): Path<Uuid>) -> Response {
    let (org_id, layout) = match export_of(&state, &session, action_id).await {
        Ok(found) => found,
        Err(e) => return error_response(e),
    };
    let name = format!("{}-messages.csv", db::exports::file_stem(&layout.action_title));
    csv_download(name, db::exports::messages_stream(state.read_db.clone(), org_id, action_id, layout.time_zone))
}

/// The send audit: every outbound text of the action with the press behind it (or the inbound
/// message an automatic reply answered), when the carrier took it and its status.
pub async fn send_audit(State(state): State<AppState>, session: Session, Path(action_id): Path<Uuid>) -> Response {
    let (org_id, layout) = match export_of(&state, &session, action_id).await {
        Ok(found) => found,
        Err(e) => return error_response(e),
    };
    let name = format!("{}-send-audit.csv", db::exports::file_stem(&layout.action_title));
    csv_download(name, db::send_audit::audit_stream(state.read_db.clone(), org_id, action_id, layout.time_zone))
}
