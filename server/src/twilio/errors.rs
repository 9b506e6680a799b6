//! What a failed send means, decided in one place: a table of Twilio's error codes and what
//! each one says about the message, the contact, the sending number and the account.
//!
//! Every entry is taken from Twilio's error page for that code
//! (`https://www.twilio.com/docs/api/errors/<code>`); the pages read while writing the table
//! are quoted next to their rows.

use super::{TransientKind, TwilioError};

/// What the outbox does after a send fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consequence {
    /// Nothing was accepted (429/20429, the connection never opened): the same request may go
    /// again after a backoff.
    Retry,
    /// The carrier may have taken the message: ask it (the reconcile path) before any resend.
    OutcomeUnknown,
    /// This message cannot go as it is; the contact and the sender are fine.
    MessageFailed,
    /// The number cannot receive texts: never text it again in this organization.
    ContactUndeliverable,
    /// The contact opted out at the carrier: an organization-wide opt-out, as a STOP reply is.
    ContactOptedOut,
    /// The sending number's queue at Twilio is full: wait and send again.
    SenderBusy,
    /// The sending number cannot be used for this traffic.
    SenderBlocked,
    /// Nothing will go out until an admin fixes the account: pause the organization's sending,
    /// fail nothing.
    AccountPaused,
}

/// Twilio's codes and their consequence. A code not listed fails only its message.
const TABLE: &[(i64, Consequence)] = &[
    // 20003 "Permission Denied": wrong Account SID / Auth Token, a deleted token, or "Account
    // is suspended or closed" (Twilio's 20003 page). A token rotated away must never fail a queue.
    (20003, Consequence::AccountPaused),
    // 20403: "The account lacks permission to access the Twilio API. Typically this means the
    // account has been suspended or closed."
    (20403, Consequence::AccountPaused),
    // 21704 / 21705: the Messaging Service is missing senders / its SID is invalid (21705 page:
    // "The MessagingServiceSid provided with the request does not match a valid Sid pattern").
    (21704, Consequence::AccountPaused),
    (21705, Consequence::AccountPaused),
    // 21408: permission to send to the region has not been enabled on the account.
    (21408, Consequence::AccountPaused),
    // 21611: "When a queue for a particular 'From' number exceeds 10 hours, this error will be
    // thrown when attempting to create additional messages on the same number."
    (21611, Consequence::SenderBusy),
    // 20429: too many requests; retry according to Retry-After.
    (20429, Consequence::Retry),
    // 21610: the recipient replied STOP to this sender ("Attempt to send to unsubscribed
    // recipient").
    (21610, Consequence::ContactOptedOut),
    // 21211 invalid 'To' number; 21614 'To' is not a valid mobile number; 30006 "Landline or
    // unreachable carrier ... do not retry the same SMS to that destination"; 30005 unknown
    // destination handset.
    (21211, Consequence::ContactUndeliverable),
    (21614, Consequence::ContactUndeliverable),
    (30006, Consequence::ContactUndeliverable),
    (30005, Consequence::ContactUndeliverable),
    // 21606: the From number cannot send to this destination; 30034: unregistered (10DLC) number.
    (21606, Consequence::SenderBlocked),
    (30034, Consequence::SenderBlocked),
    // 21617 body over 1,600 characters; 21620 media URL invalid; 30019 content too large.
    (21617, Consequence::MessageFailed),
    (21620, Consequence::MessageFailed),
    (30019, Consequence::MessageFailed),
];

/// 30007, carrier filtering, in a status callback: one filtered text can be its content;
/// `db::sender_quarantine::FILTERED_REPEATS` of them within an hour quarantine the number
/// (Twilio's 30007 page: "Your message content was flagged as going against carrier
/// guidelines", and carriers block numbers that keep sending such traffic).
pub const FILTERED: i64 = 30007;

/// The consequence a Twilio error code has, if the table knows it.
pub fn of_code(code: i64) -> Option<Consequence> {
    TABLE.iter().find(|(c, _)| *c == code).map(|(_, consequence)| *consequence)
}

/// What a failed *send* (`POST Messages.json`) means. Sending is not idempotent: Twilio's 20500
/// page says "sending an SMS ... [is] not idempotent. If you get a 500 Server Error on these
/// requests, and you retry the request, it is possible for a customer to receive multiple
/// messages", so every 5xx is an unknown outcome, settled by asking the carrier.
pub fn of_send(error: &TwilioError) -> Consequence {
    if error.outcome_unknown() {
        return Consequence::OutcomeUnknown;
    }
    match error {
        TwilioError::Transient { kind: TransientKind::ServerError, .. } => Consequence::OutcomeUnknown,
        TwilioError::Transient { .. } | TwilioError::Timeout { request_sent: false } => Consequence::Retry,
        // A 401 without Twilio's body (a proxy in between) is still a credentials problem.
        TwilioError::Api { status: 401, code, .. } => code.and_then(of_code).unwrap_or(Consequence::AccountPaused),
        TwilioError::Api { code: Some(code), .. } => of_code(*code).unwrap_or(Consequence::MessageFailed),
        _ => Consequence::MessageFailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: i64) -> TwilioError {
        TwilioError::Api { status, code: Some(code), message: "m".into(), more_info: None }
    }

    #[test]
    fn every_code_has_one_consequence() {
        for (i, (code, _)) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|(c, _)| c != code), "{code} is listed twice");
        }
    }

    #[test]
    fn sends_are_sorted_by_what_they_prove() {
        let server_error = TwilioError::Transient {
            kind: TransientKind::ServerError,
            status: Some(500),
            code: Some(20500),
            message: "m".into(),
            retry_after: None,
        };
        assert_eq!(of_send(&server_error), Consequence::OutcomeUnknown);
        assert_eq!(of_send(&TwilioError::Timeout { request_sent: true }), Consequence::OutcomeUnknown);
        assert_eq!(of_send(&TwilioError::Timeout { request_sent: false }), Consequence::Retry);
        assert_eq!(of_send(&api(401, 20003)), Consequence::AccountPaused);
        assert_eq!(
            of_send(&TwilioError::Api { status: 401, code: None, message: "m".into(), more_info: None }),
            Consequence::AccountPaused
        );
        assert_eq!(of_send(&api(400, 21610)), Consequence::ContactOptedOut);
        assert_eq!(of_send(&api(400, 21211)), Consequence::ContactUndeliverable);
        assert_eq!(of_send(&api(400, 21611)), Consequence::SenderBusy);
        assert_eq!(of_send(&api(400, 21617)), Consequence::MessageFailed);
        assert_eq!(of_send(&api(400, 12345)), Consequence::MessageFailed);
    }
}
