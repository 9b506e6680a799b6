//! Who is calling: sessions, sign-in with rate limiting, and the membership checks every
//! server function starts with.

pub use super::caller::Caller;
use super::{db, password, AppState};
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use tower_sessions::Session;
use uuid::Uuid;

const USER_KEY: &str = "user_id";

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "no session layer in front of a server function");
        AppError::Internal
    })
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store failed");
    AppError::Internal
}

/// The client's address as the socket saw it (we do not trust forwarding headers).
fn client_ip() -> String {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

pub async fn current_user(state: &AppState) -> Result<Option<SessionUser>, AppError> {
    user_in_session(state, &session().await?).await
}

/// The signed-in user of a session; plain axum handlers (uploads, downloads) use this.
pub async fn user_in_session(state: &AppState, session: &Session) -> Result<Option<SessionUser>, AppError> {
    let Some(user_id) = session.get::<Uuid>(USER_KEY).await.map_err(session_error)? else {
        return Ok(None);
    };
    // The account may have been deleted since the session began.
    db::users::find_by_id(&state.db, user_id).await
}

/// The admin (or owner) of `org_id` behind a session, for plain axum handlers.
pub async fn admin_in_session(state: &AppState, session: &Session, org_id: Uuid) -> Result<Caller, AppError> {
    let user = user_in_session(state, session).await?.ok_or(AppError::Unauthenticated)?;
    let (role, time_zone) = db::members::role_of(&state.db, org_id, user.id)
        .await?
        .ok_or_else(|| AppError::forbidden("You are not a member of this organization."))?;
    if !role.is_admin() {
        return Err(AppError::forbidden("Only admins of this organization can do that."));
    }
    Ok(Caller { user, org_id, role, time_zone })
}

/// The caller's session as the press records keep it (migrations/0035): the SHA-256 of its id,
/// in hex. It ties each press to one sign-in without storing anything that could resume it.
pub async fn session_fingerprint() -> Result<String, AppError> {
    let id = session().await?.id().ok_or(AppError::Unauthenticated)?;
    Ok(fingerprint(&id.to_string()))
}

/// SHA-256 of `session_id`, lower-case hex.
pub fn fingerprint(session_id: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(session_id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn require_user(state: &AppState) -> Result<SessionUser, AppError> {
    current_user(state).await?.ok_or(AppError::Unauthenticated)
}

/// The caller, if they belong to `org_id` with at least `needs` (admin covers owner too).
pub async fn require_member(state: &AppState, org_id: Uuid, needs: Role) -> Result<Caller, AppError> {
    let user = require_user(state).await?;
    let (role, time_zone) = db::members::role_of(&state.db, org_id, user.id)
        .await?
        .ok_or_else(|| AppError::forbidden("You are not a member of this organization."))?;
    let allowed = match needs {
        Role::Volunteer => true,
        Role::Admin => role.is_admin(),
        Role::Owner => role == Role::Owner,
    };
    if !allowed {
        return Err(AppError::forbidden(match needs {
            Role::Owner => "Only an owner of this organization can do that.",
            _ => "Only admins of this organization can do that.",
        }));
    }
    Ok(Caller { user, org_id, role, time_zone })
}

pub async fn start_session(user: &SessionUser) -> Result<(), AppError> {
    let session = session().await?;
    // A new id at sign-in, so a session id planted before sign-in is worthless afterwards.
    session.cycle_id().await.map_err(session_error)?;
    session.insert(USER_KEY, user.id).await.map_err(session_error)
}

pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_error)
}

pub async fn sign_in(state: &AppState, email: &str, password: String) -> Result<SessionUser, AppError> {
    let email = Email::parse(email).map_err(|m| AppError::invalid("email", m))?;
    let ip = client_ip();
    if let Some(retry_after_secs) = db::login_failures::retry_after(&state.db, &email, &ip).await? {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let found = db::users::find_credentials(&state.db, &email).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    match (password::verify(password, hash).await?, user) {
        (true, Some(user)) => {
            db::login_failures::clear(&state.db, &email).await?;
            start_session(&user).await?;
            Ok(user)
        }
        _ => {
            db::login_failures::record(&state.db, &email, &ip).await?;
            Err(AppError::invalid("password", "Wrong e-mail or password. Check both and try again."))
        }
    }
}
