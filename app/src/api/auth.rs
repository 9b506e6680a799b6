//! Sign up, sign in, sign out and "who am I".

use crate::error::AppError;
pub use crate::model::auth::SessionUser;
use leptos::prelude::*;

#[server(endpoint = "me")]
pub async fn me() -> Result<Option<SessionUser>, AppError> {
    use crate::server::{auth, state};
    let state = state()?;
    auth::current_user(&state).await
}

/// Creates an account and signs it in. A join code or invite token carried from a join or
/// invite link makes the new account a member in the same step.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    display_name: String,
    email: String,
    password: String,
    #[server(default)] join_code: String,
    #[server(default)] invite: String,
    #[server(default)] next: String,
) -> Result<SessionUser, AppError> {
    use crate::domain::{DisplayName, Email, JoinCode, NewPassword};
    use crate::server::{auth, db, password, state};

    let state = state()?;
    let name = DisplayName::parse(&display_name).map_err(|m| AppError::invalid("display_name", m))?;
    let email = Email::parse(&email).map_err(|m| AppError::invalid("email", m))?;
    let new_password = NewPassword::parse(&password).map_err(|m| AppError::invalid("password", m))?;
    let join_code = match join_code.trim() {
        "" => None,
        code => Some(JoinCode::parse(code).map_err(|m| AppError::invalid("join_code", m))?),
    };
    let hash = password::hash(new_password.expose().to_string()).await?;
    let (user, joined) = db::users::sign_up(&state.db, &name, &email, &hash, join_code.as_ref(), invite.trim()).await?;
    auth::start_session(&user).await?;
    leptos_axum::redirect(&match joined {
        Some(org) => org.home_path(),
        None => safe_next(&next).to_string(),
    });
    Ok(user)
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    #[server(default)] next: String,
) -> Result<SessionUser, AppError> {
    use crate::server::{auth, state};
    let state = state()?;
    let user = auth::sign_in(&state, &email, password).await?;
    leptos_axum::redirect(safe_next(&next));
    Ok(user)
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::server::auth::end_session().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Only follow `next` to a path on this site, so a crafted link cannot bounce a fresh sign-in
/// to someone else's page.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next("/o/1/inbox"), "/o/1/inbox");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
