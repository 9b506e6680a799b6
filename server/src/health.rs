//! Probes for load balancers, orchestrators and the container's HEALTHCHECK.
//!
//! `/healthz` answers while the process serves HTTP (liveness: restart it if this fails).
//! `/readyz` answers 200 only when the database takes a query and holds every migration this
//! build knows (readiness: send traffic here). During a rolling upgrade a process whose schema
//! is behind — or that cannot reach PostgreSQL — reports 503 and gets no traffic, without being
//! restarted for it.

use app::server::AppState;
use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;
use std::time::Duration;

pub const HEALTHZ_PATH: &str = "/healthz";
pub const READYZ_PATH: &str = "/readyz";

/// A probe must answer quickly even when the pool is exhausted or the database hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({ "status": "ok" })))
}

/// The newest migration this build carries.
fn expected_version() -> i64 {
    crate::schema::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let expected = expected_version();
    let query = sqlx::query_scalar::<_, Option<i64>>("select max(version) from _sqlx_migrations where success")
        .fetch_one(&state.db);
    let (status, body) = match tokio::time::timeout(READY_TIMEOUT, query).await {
        Ok(Ok(Some(applied))) if applied >= expected => {
            (StatusCode::OK, json!({ "status": "ready", "migration": applied }))
        }
        Ok(Ok(applied)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "migrations pending", "migration": applied, "expected": expected }),
        ),
        // The reason goes to the log only: probes are often reachable from outside.
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database query failed");
            (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "database unavailable" }))
        }
        Err(_) => {
            tracing::warn!("readiness: database did not answer within {READY_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "database unavailable" }))
        }
    };
    (status, [(axum::http::header::CACHE_CONTROL, "no-store")], Json(body))
}
