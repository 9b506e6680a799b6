//! What a stored message is (`messages.kind`): the kinds the send paths write and the triggers
//! and exports read.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// The action's first text to a contact (a variant of the initial script).
    Initial,
    /// A response script, sent as written or edited.
    Reply,
    /// A follow-up the volunteer wrote themselves.
    Custom,
    /// A text from the contact.
    Inbound,
    /// Our own automatic answer (HELP, the opt-out confirmation): no volunteer pressed for it.
    Auto,
}

impl MessageKind {
    pub const ALL: [MessageKind; 5] =
        [MessageKind::Initial, MessageKind::Reply, MessageKind::Custom, MessageKind::Inbound, MessageKind::Auto];

    /// The stored name (the `messages_kind_check` constraint's list, migrations/0008).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Initial => "initial",
            MessageKind::Reply => "reply",
            MessageKind::Custom => "custom",
            MessageKind::Inbound => "inbound",
            MessageKind::Auto => "auto",
        }
    }

    pub fn parse(raw: &str) -> Result<MessageKind, String> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| format!("unknown message kind {raw:?}"))
    }
}

#[cfg(feature = "ssr")]
text_column!(MessageKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_and_unknown_ones_are_refused() {
        for kind in MessageKind::ALL {
            assert_eq!(MessageKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert!(MessageKind::parse("outbound").is_err());
    }
}
