//! The longest text each free-text field takes, checked by the same code in the browser (the
//! inputs' `maxlength`, the editor's counters) and on the server (before anything is stored), so
//! a megabyte pasted into a description is refused with its field and limit, never stored.

/// One field's limit, in characters (what people count, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit {
    /// The form field it belongs to, for the error.
    pub field: &'static str,
    /// How the field is called in an error ("The description").
    pub label: &'static str,
    pub max: usize,
}

/// Twilio refuses a message body over 1,600 characters (error 21617, "The concatenated message
/// body exceeds the 1600 character limit": https://www.twilio.com/docs/api/errors/21617).
pub const MESSAGE_BODY: TextLimit = TextLimit { field: "body", label: "A text", max: 1600 };

pub const ACTION_TITLE: TextLimit = TextLimit { field: "title", label: "The title", max: 120 };
pub const ACTION_DESCRIPTION: TextLimit = TextLimit { field: "description", label: "The description", max: 2000 };
pub const ACTION_DISCLAIMER: TextLimit = TextLimit { field: "disclaimer", label: "The disclaimer", max: 1000 };
pub const ACTION_START_LABEL: TextLimit = TextLimit { field: "start_label", label: "The button label", max: 40 };
pub const ACTION_FOLDER: TextLimit = TextLimit { field: "folder", label: "The folder", max: 80 };
/// The initial script as typed (placeholders included); what it renders to is checked against
/// `MESSAGE_BODY` with the list's longest values when the action is estimated and published.
pub const INITIAL_SCRIPT: TextLimit = TextLimit { field: "initial_script", label: "The initial script", max: 1600 };
pub const TAG_NAME: TextLimit = TextLimit { field: "name", label: "A tag's name", max: 60 };
pub const FIELD_NAME: TextLimit = TextLimit { field: "name", label: "A custom field's name", max: 60 };
/// A value typed into a report's open question or a custom field.
pub const FIELD_VALUE: TextLimit = TextLimit { field: "value", label: "An answer", max: 500 };
pub const HELP_REPLY: TextLimit = TextLimit { field: "help_reply", label: "The answer to HELP", max: 320 };
pub const FALLBACK_NAME: TextLimit = TextLimit { field: "fallback", label: "A fallback name", max: 40 };
/// Why a volunteer opted a contact out by hand (migrations/0035 checks the same number).
pub const OPT_OUT_REASON: TextLimit = TextLimit { field: "reason", label: "The reason", max: 300 };

/// The limit of the action editor's field `name`, if it is a free-text one.
pub fn action_field(name: &str) -> Option<TextLimit> {
    [ACTION_TITLE, ACTION_DESCRIPTION, ACTION_DISCLAIMER, ACTION_START_LABEL, ACTION_FOLDER, INITIAL_SCRIPT]
        .into_iter()
        .find(|l| l.field == name)
}

impl TextLimit {
    /// The text when it is within the limit; otherwise what is wrong, with the limit and the
    /// length found.
    pub fn check<'a>(&self, text: &'a str) -> Result<&'a str, String> {
        let n = text.chars().count();
        if n > self.max {
            Err(format!(
                "{} can be at most {} characters; this one has {}.",
                self.label,
                thousands(self.max as u64),
                thousands(n as u64)
            ))
        } else {
            Ok(text)
        }
    }

    /// The `maxlength` attribute for the field's input.
    pub fn maxlength(&self) -> String {
        self.max.to_string()
    }
}

pub use crate::domain::wording::thousands;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_characters_not_bytes_and_names_the_limit() {
        assert!(ACTION_TITLE.check(&"é".repeat(120)).is_ok());
        let err = ACTION_TITLE.check(&"é".repeat(121)).unwrap_err();
        assert_eq!(err, "The title can be at most 120 characters; this one has 121.");
        let err = MESSAGE_BODY.check(&"x".repeat(1_048_576)).unwrap_err();
        assert_eq!(err, "A text can be at most 1,600 characters; this one has 1,048,576.");
        assert_eq!(MESSAGE_BODY.maxlength(), "1600");
    }

    proptest! {
        #[test]
        fn check_agrees_with_the_character_count(s in "\\PC{0,200}", max in 0usize..200) {
            let limit = TextLimit { field: "f", label: "F", max };
            prop_assert_eq!(limit.check(&s).is_ok(), s.chars().count() <= max);
        }
    }
}
