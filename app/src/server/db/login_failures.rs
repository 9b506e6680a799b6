use crate::domain::Email;
use crate::error::AppError;
use sqlx::{PgExecutor, PgPool};

/// Failed sign-ins allowed per account, and per client address, inside the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_IP: i64 = 30;
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;

/// Seconds until another sign-in may be tried, if the account or the address is locked out.
/// The lock lifts when the oldest failure that keeps the count at the limit leaves the window.
pub async fn retry_after(db: &PgPool, email: &Email, ip: &str) -> Result<Option<u64>, AppError> {
    let secs: Option<f64> = sqlx::query_scalar(
        r#"select greatest(
               (select extract(epoch from attempted_at + make_interval(secs => $3) - now())::float8
                from login_failures
                where email = $1 and attempted_at > now() - make_interval(secs => $3)
                order by attempted_at desc offset $4 - 1 limit 1),
               (select extract(epoch from attempted_at + make_interval(secs => $3) - now())::float8
                from login_failures
                where ip = $2 and attempted_at > now() - make_interval(secs => $3)
                order by attempted_at desc offset $5 - 1 limit 1))"#,
    )
    .bind(email.as_str())
    .bind(ip)
    .bind(FAILURE_WINDOW_SECS as f64)
    .bind(MAX_FAILURES_PER_ACCOUNT)
    .bind(MAX_FAILURES_PER_IP)
    .fetch_one(db)
    .await?;
    Ok(secs.map(|s| s.ceil().max(1.0) as u64))
}

pub async fn record(db: impl PgExecutor<'_>, email: &Email, ip: &str) -> Result<(), AppError> {
    sqlx::query("insert into login_failures (email, ip) values ($1, $2)")
        .bind(email.as_str())
        .bind(ip)
        .execute(db)
        .await?;
    Ok(())
}

/// A successful sign-in forgives the account's earlier failures (not the address's).
pub async fn clear(db: impl PgExecutor<'_>, email: &Email) -> Result<(), AppError> {
    sqlx::query("delete from login_failures where email = $1").bind(email.as_str()).execute(db).await?;
    Ok(())
}
