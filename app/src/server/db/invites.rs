use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::model::{auth::SessionUser, members::Invite, orgs::OrgMembership};
use crate::server::{caller::Caller, config::Config};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

type InviteRow = (Uuid, String, Role, String, DateTime<Utc>);

fn to_invite(config: &Config, (id, email, role, token, created_at): InviteRow) -> Invite {
    Invite { id, email, role, link: config.link(&format!("/invite/{token}")), created_at }
}

/// An unguessable token for the invite link.
fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates an invite, or updates the role of the open one for the same address (keeping its
/// link, which the admin may already have sent).
pub async fn create(
    db: &PgPool,
    config: &Config,
    caller: &Caller,
    email: &Email,
    role: Role,
) -> Result<Invite, AppError> {
    let already_member: bool = sqlx::query_scalar(
        r#"select exists (select 1 from memberships m join users u on u.id = m.user_id
                          where m.organization_id = $1 and u.email = $2)"#,
    )
    .bind(caller.org_id)
    .bind(email.as_str())
    .fetch_one(db)
    .await?;
    if already_member {
        return Err(AppError::invalid("email", format!("{email} is already a member of this organization.")));
    }
    let row: InviteRow = sqlx::query_as(
        r#"insert into invites (id, organization_id, email, role, token, invited_by)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (organization_id, email) where accepted_at is null
           do update set role = excluded.role, invited_by = excluded.invited_by
           returning id, email::text, role, token, created_at"#,
    )
    .bind(Uuid::new_v4())
    .bind(caller.org_id)
    .bind(email.as_str())
    .bind(role)
    .bind(new_token())
    .bind(caller.user.id)
    .fetch_one(db)
    .await?;
    Ok(to_invite(config, row))
}

pub async fn list_open(db: impl PgExecutor<'_>, config: &Config, org_id: Uuid) -> Result<Vec<Invite>, AppError> {
    let rows: Vec<InviteRow> = sqlx::query_as(
        r#"select id, email::text, role, token, created_at from invites
           where organization_id = $1 and accepted_at is null
           order by created_at desc, id"#,
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|row| to_invite(config, row)).collect())
}

pub async fn revoke(db: impl PgExecutor<'_>, org_id: Uuid, invite_id: Uuid) -> Result<(), AppError> {
    let deleted = sqlx::query("delete from invites where id = $1 and organization_id = $2 and accepted_at is null")
        .bind(invite_id)
        .bind(org_id)
        .execute(db)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound("That invite no longer exists.".into()));
    }
    Ok(())
}

pub async fn accept(db: &PgPool, token: &str, user: &SessionUser) -> Result<OrgMembership, AppError> {
    let mut tx = db.begin().await?;
    let org = accept_in(&mut tx, token, user).await?;
    tx.commit().await?;
    Ok(org)
}

/// Accepts inside the caller's transaction (sign-up uses this to create the account and the
/// membership together).
pub async fn accept_in(
    tx: &mut Transaction<'_, Postgres>,
    token: &str,
    user: &SessionUser,
) -> Result<OrgMembership, AppError> {
    let invite: Option<(Uuid, Uuid, String, Role)> = sqlx::query_as(
        "select id, organization_id, email::text, role from invites where token = $1 and accepted_at is null for update",
    )
    .bind(token)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((invite_id, org_id, email, role)) = invite else {
        return Err(AppError::NotFound(
            "This invite link is no longer valid. Ask your organizer for a new one.".into(),
        ));
    };
    if !email.eq_ignore_ascii_case(&user.email) {
        return Err(AppError::forbidden(format!(
            "This invite is for {email}. Sign in with that address to accept it."
        )));
    }
    // `least` keeps the stronger role: the enum is declared owner, admin, volunteer.
    let org: OrgMembership = sqlx::query_as(
        r#"with joined as (
               insert into memberships (organization_id, user_id, role) values ($1, $2, $3)
               on conflict (organization_id, user_id) do update set role = least(memberships.role, excluded.role)
               returning organization_id, role
           )
           select o.id, o.name, joined.role,
                  (select ts.default_time_zone from texting_settings ts where ts.organization_id = o.id) as time_zone
           from joined join organizations o on o.id = joined.organization_id"#,
    )
    .bind(org_id)
    .bind(user.id)
    .bind(role)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("update invites set accepted_at = now(), accepted_by = $2 where id = $1")
        .bind(invite_id)
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    Ok(org)
}
