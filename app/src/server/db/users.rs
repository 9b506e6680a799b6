use super::{invites, is_unique_violation, orgs};
use crate::domain::{DisplayName, Email, JoinCode};
use crate::error::AppError;
use crate::model::{auth::SessionUser, orgs::OrgMembership};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// Creates the account and, in the same transaction, the membership its join code or invite
/// asks for: a wrong code leaves no half-made account behind.
pub async fn sign_up(
    db: &PgPool,
    name: &DisplayName,
    email: &Email,
    password_hash: &str,
    join_code: Option<&JoinCode>,
    invite_token: &str,
) -> Result<(SessionUser, Option<OrgMembership>), AppError> {
    let mut tx = db.begin().await?;
    let user = sqlx::query_as::<_, SessionUser>(
        r#"insert into users (id, email, display_name, password_hash)
           values ($1, $2, $3, $4)
           returning id, email::text as email, display_name"#,
    )
    .bind(Uuid::new_v4())
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(password_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "users_email_key") {
            AppError::invalid("email", "An account with this e-mail already exists. Sign in instead.")
        } else {
            e.into()
        }
    })?;
    let joined = match (join_code, invite_token) {
        (Some(code), _) => Some(orgs::join_with_code(&mut *tx, code, user.id, "join_code").await?),
        (None, "") => None,
        (None, token) => Some(invites::accept_in(&mut tx, token, &user).await?),
    };
    tx.commit().await?;
    Ok((user, joined))
}

pub async fn find_by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<SessionUser>, AppError> {
    Ok(sqlx::query_as::<_, SessionUser>("select id, email::text as email, display_name from users where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// The user and their password hash, for checking a sign-in.
pub async fn find_credentials(
    db: impl PgExecutor<'_>,
    email: &Email,
) -> Result<Option<(SessionUser, String)>, AppError> {
    let row: Option<(Uuid, String, String, String)> =
        sqlx::query_as("select id, email::text, display_name, password_hash from users where email = $1")
            .bind(email.as_str())
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(id, email, display_name, hash)| (SessionUser { id, email, display_name }, hash)))
}
