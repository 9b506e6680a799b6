//! A message's status as Twilio names it: what the carrier client reads from Twilio's answers
//! and callbacks, what the simulator sends, and what the `messages.status` column stores
//! (Twilio's lowercase names, "Message resource", Status values).

use std::fmt;

/// A message's status as Twilio names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    Accepted,
    Scheduled,
    Queued,
    Sending,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    Receiving,
    Received,
    Read,
    Canceled,
    PartiallyDelivered,
    /// A status Twilio added after this code was written; kept, never guessed at.
    Unknown(String),
}

impl MessageStatus {
    pub fn parse(status: &str) -> MessageStatus {
        match status {
            "accepted" => MessageStatus::Accepted,
            "scheduled" => MessageStatus::Scheduled,
            "queued" => MessageStatus::Queued,
            "sending" => MessageStatus::Sending,
            "sent" => MessageStatus::Sent,
            "delivered" => MessageStatus::Delivered,
            "undelivered" => MessageStatus::Undelivered,
            "failed" => MessageStatus::Failed,
            "receiving" => MessageStatus::Receiving,
            "received" => MessageStatus::Received,
            "read" => MessageStatus::Read,
            "canceled" => MessageStatus::Canceled,
            "partially_delivered" => MessageStatus::PartiallyDelivered,
            other => MessageStatus::Unknown(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            MessageStatus::Accepted => "accepted",
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Undelivered => "undelivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Receiving => "receiving",
            MessageStatus::Received => "received",
            MessageStatus::Read => "read",
            MessageStatus::Canceled => "canceled",
            MessageStatus::PartiallyDelivered => "partially_delivered",
            MessageStatus::Unknown(other) => other,
        }
    }

    /// Nothing comes after it (delivered still may become read).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            MessageStatus::Read
                | MessageStatus::Undelivered
                | MessageStatus::Failed
                | MessageStatus::Canceled
                | MessageStatus::Received
        )
    }

    /// The message reached nobody: the same set as the database's `message_status_failed`
    /// (server/tests/api/carrier_status.rs checks the two agree). Which status may replace
    /// which is decided by the database alone (`message_status_rank`, migrations/0036), so
    /// there is no order here.
    pub fn is_failure(&self) -> bool {
        matches!(self, MessageStatus::Undelivered | MessageStatus::Failed | MessageStatus::Canceled)
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Stored as Twilio's own word; a word Twilio adds later is kept as it came (`Unknown`).
#[cfg(feature = "ssr")]
text_column!(lenient: MessageStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_kept() {
        for name in [
            "accepted",
            "scheduled",
            "queued",
            "sending",
            "sent",
            "delivered",
            "undelivered",
            "failed",
            "receiving",
            "received",
            "read",
            "canceled",
            "partially_delivered",
        ] {
            let status = MessageStatus::parse(name);
            assert!(!matches!(status, MessageStatus::Unknown(_)), "{name}");
            assert_eq!(status.as_str(), name);
        }
        assert_eq!(MessageStatus::parse("teleported"), MessageStatus::Unknown("teleported".into()));
    }

    #[test]
    fn canceled_is_a_failure_and_final() {
        let canceled = MessageStatus::parse("canceled");
        assert!(canceled.is_failure() && canceled.is_final());
        assert!(!MessageStatus::Delivered.is_failure() && !MessageStatus::Delivered.is_final());
    }
}
