use serde::{Deserialize, Serialize};

parsed_string_serde!(DisplayName, OrgName, ListName);

fn parse_name(raw: &str, what: &str, max: usize) -> Result<String, String> {
    // Collapse runs of whitespace: "Ana   Lima" and "Ana Lima" are the same person.
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if name.chars().count() > max {
        return Err(format!("Keep {what} to {max} characters or fewer."));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("{what} contains characters that cannot be shown."));
    }
    Ok(name)
}

/// How a person is shown to their organizers and, later, in scripts as the sender's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, String> {
        parse_name(raw, "your name", 80).map(DisplayName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organization's (campaign's) name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(raw: &str) -> Result<OrgName, String> {
        parse_name(raw, "the organization's name", 120).map(OrgName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A contact list's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ListName(String);

impl ListName {
    pub fn parse(raw: &str) -> Result<ListName, String> {
        parse_name(raw, "the list's name", 120).map(ListName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_collapses() {
        assert_eq!(DisplayName::parse("  Ana   Lima ").unwrap().as_str(), "Ana Lima");
        assert!(DisplayName::parse("   ").is_err());
        assert!(OrgName::parse(&"x".repeat(121)).is_err());
        assert!(OrgName::parse(&"é".repeat(120)).is_ok());
    }

    proptest! {
        #[test]
        fn parsed_names_are_fixed_points(raw in "\\PC{0,100}") {
            if let Ok(name) = DisplayName::parse(&raw) {
                prop_assert_eq!(DisplayName::parse(name.as_str()).unwrap(), name);
            }
        }
    }
}
