//! Faults on demand: the next sends meet a server error, a 401, a full queue, ...

use super::{FormFields, Sim};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Form,
};

/// A fault for the next send requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500 with Twilio's error 20500; nothing is sent.
    ServerError,
    /// 500 with Twilio's error 20500 although the message was taken (recorded, its callbacks
    /// follow): Twilio's 20500 page warns that a retried send can then reach the customer twice.
    ServerErrorAfterSending,
    /// 429 with Twilio's error 20429 and `Retry-After: 1`; nothing is sent.
    RateLimited,
    /// The message is taken (recorded, its callbacks follow) but the answer never comes:
    /// what a lost response looks like to the sender.
    Hang,
    /// 401 with Twilio's error 20003, as after the account's Auth Token was rotated away.
    Unauthorized,
    /// 400 with Twilio's error 21611: the From number's queue is full (Twilio's 21611 page).
    QueueFull,
    /// The message is taken and then filtered by the carrier: "undelivered" with 30007.
    Filtered,
}

impl Fault {
    /// The names the control endpoint takes.
    pub fn parse(name: &str) -> Option<Fault> {
        Some(match name {
            "server_error" => Fault::ServerError,
            "server_error_after_sending" => Fault::ServerErrorAfterSending,
            "rate_limited" => Fault::RateLimited,
            "hang" => Fault::Hang,
            "unauthorized" => Fault::Unauthorized,
            "queue_full" => Fault::QueueFull,
            "filtered" => Fault::Filtered,
            _ => return None,
        })
    }
}

/// Not Twilio's API: account faults on demand for demos and tests. `Fault` (server_error,
/// server_error_after_sending, rate_limited, hang, unauthorized, queue_full, filtered) applies
/// to the next `Count` sends (default 1, at most 10,000).
pub(super) async fn control_fault(State(shared): Sim, Form(form): FormFields) -> Response {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string());
    let Some(fault) = field("Fault").as_deref().and_then(Fault::parse) else {
        return (StatusCode::BAD_REQUEST, "Fault is one of server_error, server_error_after_sending, rate_limited, hang, unauthorized, queue_full, filtered").into_response();
    };
    let count = match field("Count").map(|c| c.parse::<usize>()) {
        None => 1,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => return (StatusCode::BAD_REQUEST, "Count is a whole number from 1 to 10000").into_response(),
    };
    shared.state().faults.extend(std::iter::repeat_n(fault, count));
    (StatusCode::OK, format!("the next {count} sends: {fault:?}")).into_response()
}
