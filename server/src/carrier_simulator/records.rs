//! The simulator's records (the messages it took, the numbers it owns, the texts contacts
//! sent) and the shapes of Twilio's identifiers: what the sending, numbers, services and
//! callbacks parts all read, kept apart so that none of those imports another in a circle.

use super::DeliveryFailure;
use crate::twilio::MessageStatus;
use chrono::{DateTime, Utc};

/// A message the simulator took, as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    pub sid: String,
    pub to: String,
    /// The number it went out from (for a Messaging Service, the one picked from its pool).
    pub from: String,
    pub messaging_service_sid: Option<String>,
    pub body: String,
    pub media_urls: Vec<String>,
    pub status_callback: Option<String>,
    pub validity_period: Option<u32>,
    pub status: MessageStatus,
    pub error_code: Option<i64>,
    pub num_segments: usize,
    pub date_created: DateTime<Utc>,
    /// Every form field as sent, in order.
    pub form: Vec<(String, String)>,
}

impl ReceivedMessage {
    /// The first value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What will happen to one message, drawn when it is taken.
pub(super) struct Plan {
    pub(super) failure: Option<DeliveryFailure>,
    pub(super) duplicate: bool,
    pub(super) reorder: bool,
    pub(super) reply: Option<String>,
}

/// A number the account bought.
pub(super) struct OwnedNumber {
    pub(super) sid: String,
    pub(super) phone_number: String,
    pub(super) sms_url: Option<String>,
    pub(super) status_callback: Option<String>,
    pub(super) service_sid: Option<String>,
    pub(super) date_created: DateTime<Utc>,
}

/// A text a contact sent to one of our numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundText {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub messaging_service_sid: Option<String>,
    pub media_urls: Vec<String>,
    pub date_sent: DateTime<Utc>,
}

/// "+" and 8 to 15 digits, no leading zero; +1 numbers need a 10-digit national number with
/// an area code that starts 2-9. Twilio's own check is looser than the app's `PhoneNumber`,
/// on purpose: the app must not rely on the carrier to catch its mistakes.
pub(super) fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return false;
    }
    // Every country code that starts with 1 is the NANP's.
    match digits.strip_prefix('1') {
        Some(national) => national.len() == 10 && !matches!(national.as_bytes()[0], b'0' | b'1'),
        None => true,
    }
}

pub(super) fn is_service_sid(sid: &str) -> bool {
    sid.len() > 2 && sid.starts_with("MG") && sid.bytes().all(|b| b.is_ascii_alphanumeric())
}
