use serde::{Deserialize, Serialize};

parsed_string_serde!(JoinCode);

/// The six digits a volunteer types to join an organization. People paste codes with spaces
/// or dashes ("123 456", "123-456"), so those are dropped before checking.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JoinCode(String);

impl JoinCode {
    pub const LEN: usize = 6;

    pub fn parse(raw: &str) -> Result<JoinCode, String> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if digits.is_empty() {
            return Err("Enter the 6-digit code your organizer gave you.".into());
        }
        if digits.len() != Self::LEN || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("\"{}\" is not a 6-digit code.", raw.trim()));
        }
        Ok(JoinCode(digits))
    }

    /// A code from a number below one million, zero-padded.
    pub fn from_number(n: u32) -> JoinCode {
        JoinCode(format!("{:06}", n % 1_000_000))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JoinCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_pasted_forms() {
        for raw in ["123456", " 123 456 ", "123-456", "012345"] {
            assert!(JoinCode::parse(raw).is_ok(), "{raw:?}");
        }
        assert_eq!(JoinCode::parse("123-456").unwrap().as_str(), "123456");
    }

    #[test]
    fn rejects_wrong_lengths_and_letters() {
        for raw in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert!(JoinCode::parse(raw).is_err(), "{raw:?}");
        }
    }

    proptest! {
        #[test]
        fn every_number_makes_a_parsable_code(n in 0u32..1_000_000) {
            let code = JoinCode::from_number(n);
            prop_assert_eq!(code.as_str().len(), 6);
            prop_assert_eq!(JoinCode::parse(code.as_str()).unwrap(), code);
        }

        #[test]
        fn parse_accepts_exactly_six_digits(raw in "[0-9 -]{0,12}") {
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(JoinCode::parse(&raw).is_ok(), digits.len() == 6);
        }
    }
}
