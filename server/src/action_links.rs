//! An action's share link (`app::domain::share_link`): it opens the action for a member; a
//! visitor signs up (or in) first and, when the link carries the organization's join code,
//! joins on the way, as the share links of Impactive's and OutreachCircle's actions do. The
//! QR code of the link is for printed materials, for admins only since it holds the join code.

use app::domain::{share_link, JoinCode};
use app::error::AppError;
use app::server::{auth, db, AppState};
use app::ui::common::encode;
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use tower_sessions::Session;
use uuid::Uuid;

pub const PATH: &str = "/o/{org_id}/a/{action_id}";
pub const QR_PATH: &str = "/o/{org_id}/a/{action_id}/qr.svg";

#[derive(serde::Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    code: String,
}

/// A page that says what went wrong, in the browser that opened the link.
fn problem(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = error.to_string().replace('&', "&amp;").replace('<', "&lt;");
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>This link cannot open</title></head><body><main><h1>This link cannot open</h1><p role="alert">{message}</p><p><a href="/">Go to your organizations</a></p></main></body></html>"#
    );
    (status, Html(page)).into_response()
}

pub async fn open(
    State(state): State<AppState>,
    session: Session,
    Path((org_id, action_id)): Path<(Uuid, Uuid)>,
    Query(query): Query<LinkQuery>,
) -> Response {
    match opened(&state, &session, org_id, action_id, query.code.trim()).await {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(error) => problem(error),
    }
}

/// Where the link takes this visitor, joining them to the organization if the link says so.
async fn opened(
    state: &AppState,
    session: &Session,
    org_id: Uuid,
    action_id: Uuid,
    code: &str,
) -> Result<String, AppError> {
    let here = match code {
        "" => share_link::path(org_id, action_id),
        code => share_link::joining_path(org_id, action_id, code),
    };
    let Some(user) = auth::user_in_session(state, session).await? else {
        return Ok(format!("/signup?next={}", encode(&here)));
    };
    if db::actions::action_org(&state.db, action_id).await? != Some(org_id) {
        return Err(AppError::NotFound("That action does not exist.".into()));
    }
    if db::members::role_of(&state.db, org_id, user.id).await?.is_none() {
        let not_member = || {
            AppError::forbidden("This action is for members of its organization. Ask your organizer for a join link.")
        };
        if code.is_empty() {
            return Err(not_member());
        }
        if let Some(retry_after_secs) = db::orgs::join_retry_after(&state.db, user.id).await? {
            return Err(AppError::RateLimited { retry_after_secs });
        }
        let joined = match JoinCode::parse(code) {
            Ok(code) => db::orgs::join_with_code(&state.db, &code, user.id, "code").await,
            Err(message) => Err(AppError::invalid("code", message)),
        };
        // A wrong code counts towards the pause, as on the join page; so does another
        // organization's code, which must not admit anyone here.
        match joined {
            Ok(org) if org.id == org_id => {}
            Ok(_) | Err(AppError::Invalid { .. }) => {
                db::orgs::record_join_failure(&state.db, user.id).await?;
                return Err(not_member());
            }
            Err(other) => return Err(other),
        }
    }
    Ok(share_link::destination(org_id, action_id))
}

/// The joining link as a QR code (SVG), for flyers and posters.
pub async fn qr(
    State(state): State<AppState>,
    session: Session,
    Path((org_id, action_id)): Path<(Uuid, Uuid)>,
) -> Response {
    let link = async {
        auth::admin_in_session(&state, &session, org_id).await?;
        if db::actions::action_org(&state.db, action_id).await? != Some(org_id) {
            return Err(AppError::NotFound("That action does not exist.".into()));
        }
        let code = db::orgs::join_code(&state.db, org_id).await?;
        Ok(state.config.link(&share_link::joining_path(org_id, action_id, &code)))
    };
    let link = match link.await {
        Ok(link) => link,
        Err(error) => return problem(error),
    };
    let Ok(code) = qrcode::QrCode::new(link.as_bytes()) else {
        return problem(AppError::Internal);
    };
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(256, 256).build();
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, no-cache")], svg).into_response()
}
