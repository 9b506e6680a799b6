//! `PUT /_test/clock` (form `now=<RFC 3339>`) and `DELETE /_test/clock`: the end-to-end tests
//! look at the texting screen at a chosen hour. Answers 404 unless the server runs against the
//! carrier simulator with `P2P_TEST_CLOCK=1` (see `app::server::clock`).

use axum::{extract::Form, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub const PATH: &str = "/_test/clock";

#[derive(Deserialize)]
pub struct MoveTo {
    now: String,
}

pub async fn move_to(Form(form): Form<MoveTo>) -> (StatusCode, String) {
    if !app::server::clock::is_movable() {
        return (StatusCode::NOT_FOUND, "Not found".into());
    }
    match DateTime::parse_from_rfc3339(form.now.trim()) {
        Ok(at) => {
            let at = at.with_timezone(&Utc);
            app::server::clock::move_to(at);
            tracing::warn!(%at, "the test clock was moved");
            (StatusCode::OK, at.to_rfc3339())
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("now must be an RFC 3339 time such as 2027-01-15T01:30:00Z: {e}")),
    }
}

pub async fn reset() -> StatusCode {
    if !app::server::clock::is_movable() {
        return StatusCode::NOT_FOUND;
    }
    app::server::clock::reset();
    StatusCode::NO_CONTENT
}
