//! One error type for every server function. What a user reads is decided here; details of
//! unexpected failures stay in the server log and never reach the browser.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// The most a server function's request body may hold. Every text field's own limit
/// (`domain::text_limits`) keeps a real form far below it; the server sets its body limit from
/// this, so the message above says the same number.
pub const REQUEST_BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Bad input: `field` names the form field so the UI can put the message next to it.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("Too many attempts. Try again in {} minute(s).", retry_after_secs.div_ceil(60))]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Conflict(String),
    /// The request body was over the server's limit (`REQUEST_BODY_LIMIT_BYTES`).
    #[error("This is too large to send: at most {} MB at once. Shorten the longest text and try again.", limit_bytes / (1024 * 1024))]
    TooLarge { limit_bytes: usize },
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never got a proper answer (offline, timeout, undecodable reply).
    #[error("Could not reach the server. Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.to_string(), message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    /// A stored value that no longer parses (a row written by hand, or by an older version): the
    /// request fails and the log says what, rather than the value quietly becoming a default.
    #[cfg(feature = "ssr")]
    pub fn stored(what: &str, problem: impl std::fmt::Display) -> Self {
        tracing::error!(what, %problem, "a stored value does not parse");
        AppError::Internal
    }

    /// The HTTP status a server function answers with when it fails this way.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Conflict(_) => 409,
            AppError::TooLarge { .. } => 413,
            AppError::Internal => 500,
            AppError::Transport(_) => 400,
        }
    }

    /// The message for a given form field, if this error is about that field.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that could not be decoded are the client's fault; say which.
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::MissingArg(detail) => {
                AppError::invalid("", format!("Invalid request: {detail}"))
            }
            // The body was cut off at the server's limit (axum's `Limited` body says so).
            ServerFnErrorErr::Deserialization(detail) if detail.contains("length limit exceeded") => {
                AppError::TooLarge { limit_bytes: REQUEST_BODY_LIMIT_BYTES }
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

pub type AppResult<T> = Result<T, AppError>;
