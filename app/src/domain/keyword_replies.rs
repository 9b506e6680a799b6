//! Who answers a contact's STOP and HELP: the carrier (Twilio's default opt-out handling
//! answers both itself: Twilio support, "Twilio support for opt-out keywords (SMS STOP
//! filtering)") or us. Exactly one of the two answers, so a contact never gets two replies.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum KeywordReplies {
    /// Twilio answers STOP and HELP (its default); we send nothing of our own.
    #[default]
    Carrier,
    /// Twilio's answers are turned off (Advanced Opt-Out): we send the HELP answer and confirm
    /// a STOP.
    Ours,
}

impl KeywordReplies {
    pub const ALL: [KeywordReplies; 2] = [KeywordReplies::Carrier, KeywordReplies::Ours];

    pub fn parse(raw: &str) -> Result<KeywordReplies, String> {
        match raw.trim() {
            "carrier" => Ok(KeywordReplies::Carrier),
            "ours" => Ok(KeywordReplies::Ours),
            other => Err(format!("Who answers STOP and HELP is \"carrier\" or \"ours\", not {other:?}.")),
        }
    }

    /// As stored (migrations/0038) and posted by the settings form.
    pub fn as_str(self) -> &'static str {
        match self {
            KeywordReplies::Carrier => "carrier",
            KeywordReplies::Ours => "ours",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeywordReplies::Carrier => "The carrier answers (Twilio's default opt-out handling)",
            KeywordReplies::Ours => "We answer (Twilio's automatic answers are turned off)",
        }
    }
}

/// Our confirmation of a STOP, sent only when we answer keywords.
pub fn stop_confirmation(organization: &str) -> String {
    format!("You're unsubscribed from {organization}. No more texts.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_choices_round_trip_and_anything_else_is_named() {
        for choice in KeywordReplies::ALL {
            assert_eq!(KeywordReplies::parse(choice.as_str()), Ok(choice));
        }
        assert_eq!(KeywordReplies::default(), KeywordReplies::Carrier);
        assert!(KeywordReplies::parse("both").unwrap_err().contains("\"both\""));
    }

    #[test]
    fn the_confirmation_names_the_organization() {
        assert_eq!(stop_confirmation("Campaign"), "You're unsubscribed from Campaign. No more texts.");
    }
}
