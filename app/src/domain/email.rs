use serde::{Deserialize, Serialize};

parsed_string_serde!(Email);

/// A syntactically valid e-mail address, trimmed and lower-cased so that one person has one
/// account however they type it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let candidate = raw.trim().to_lowercase();
        if candidate.is_empty() {
            return Err("Enter your e-mail address.".into());
        }
        // RFC syntax is the crate's job; we additionally want a domain with a dot, since
        // "me@localhost" is never what an organizer meant to type.
        let valid = email_address::EmailAddress::is_valid(&candidate)
            && candidate
                .rsplit_once('@')
                .is_some_and(|(_, domain)| domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
        if !valid || candidate.len() > 254 {
            return Err(format!("\"{}\" is not a valid e-mail address.", raw.trim()));
        }
        Ok(Email(candidate))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(Email::parse("  Ana@Example.ORG ").unwrap().as_str(), "ana@example.org");
    }

    #[test]
    fn rejects_obvious_mistakes() {
        for bad in ["", "   ", "ana", "ana@", "@example.org", "ana@localhost", "ana@@x.org", "a b@x.org"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    proptest! {
        #[test]
        fn parsed_emails_are_stable(local in "[a-z0-9._%+-]{1,20}", domain in "[a-z0-9-]{1,20}\\.[a-z]{2,6}") {
            let raw = format!("{local}@{domain}");
            if let Ok(email) = Email::parse(&raw) {
                // Parsing what we produced gives the same value back.
                prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email.clone());
                prop_assert_eq!(email.as_str(), email.as_str().trim().to_lowercase());
            }
        }

        #[test]
        fn never_panics(raw in ".{0,300}") {
            let _ = Email::parse(&raw);
        }
    }
}
