use sqlx::PgPool;

/// The named secret, created from `generate` the first time any process asks. Concurrent
/// first calls agree because the insert does nothing when another process won the race.
pub async fn get_or_create(db: &PgPool, name: &str, generate: impl FnOnce() -> Vec<u8>) -> sqlx::Result<Vec<u8>> {
    sqlx::query("insert into server_secrets (name, value) values ($1, $2) on conflict (name) do nothing")
        .bind(name)
        .bind(generate())
        .execute(db)
        .await?;
    sqlx::query_scalar("select value from server_secrets where name = $1").bind(name).fetch_one(db).await
}
