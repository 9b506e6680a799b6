//! What a volunteer tells an organization about themselves so actions limited to a district or a
//! language reach the right people: the languages they text in and the district they are in.

use serde::{Deserialize, Serialize};

parsed_string_serde!(District);

/// A language an action can be limited to. Stored as its code ("en", "es").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Es,
}

impl Language {
    pub fn parse(raw: &str) -> Result<Language, String> {
        match raw.trim().to_lowercase().as_str() {
            "en" | "english" => Ok(Language::En),
            "es" | "spanish" | "español" | "espanol" => Ok(Language::Es),
            other => Err(format!("\"{other}\" is not a language we text in (English or Spanish).")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Es => "Spanish",
        }
    }
}

/// The languages a volunteer texts in: at least one, each once, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Language>")]
pub struct Languages(Vec<Language>);

impl TryFrom<Vec<Language>> for Languages {
    type Error = String;
    fn try_from(list: Vec<Language>) -> Result<Languages, String> {
        Languages::from_list(list)
    }
}

impl Languages {
    /// From codes or names separated by commas ("en,es", "English, Spanish").
    pub fn parse(raw: &str) -> Result<Languages, String> {
        let list = raw
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(Language::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Languages::from_list(list)
    }

    fn from_list(mut list: Vec<Language>) -> Result<Languages, String> {
        list.sort();
        list.dedup();
        if list.is_empty() {
            return Err("Choose at least one language you can text in.".into());
        }
        Ok(Languages(list))
    }

    pub fn codes(&self) -> Vec<String> {
        self.0.iter().map(|l| l.code().to_string()).collect()
    }

    /// "English and Spanish".
    pub fn describe(codes: &[String]) -> String {
        let names: Vec<&str> = codes.iter().filter_map(|c| Language::parse(c).ok()).map(Language::label).collect();
        names.join(" and ")
    }
}

/// A district name as admins write it on an action ("CD-7", "Ward 3"). Compared without regard
/// to case, because a volunteer typing "cd-7" means the same district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct District(String);

impl District {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(raw: &str) -> Result<District, String> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("Enter a district name.".into());
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(format!("A district name is at most {} characters.", Self::MAX_CHARS));
        }
        if name.contains(',') {
            return Err(format!(
                "\"{name}\" has a comma; districts are separated by commas, so a name cannot hold one."
            ));
        }
        Ok(District(name))
    }

    /// An empty field means "no district".
    pub fn parse_optional(raw: &str) -> Result<Option<District>, String> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            District::parse(raw).map(Some)
        }
    }

    /// A comma-separated list, as an action's "limit to districts" field holds; duplicates (in
    /// any case) are dropped.
    pub fn parse_list(raw: &str) -> Result<Vec<District>, String> {
        let mut out: Vec<District> = Vec::new();
        for part in raw.split(',').filter(|p| !p.trim().is_empty()) {
            let district = District::parse(part)?;
            if !out.iter().any(|d| d.0.to_lowercase() == district.0.to_lowercase()) {
                out.push(district);
            }
        }
        Ok(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_codes_and_names_once_each() {
        assert_eq!(Languages::parse("es, en,ES").unwrap().codes(), vec!["en", "es"]);
        assert_eq!(Languages::parse("Spanish").unwrap().codes(), vec!["es"]);
        assert!(Languages::parse(" , ").unwrap_err().contains("at least one"));
        assert!(Languages::parse("en,fr").unwrap_err().contains("\"fr\""));
        assert_eq!(Languages::describe(&["en".into(), "es".into()]), "English and Spanish");
    }

    #[test]
    fn districts_are_trimmed_bounded_and_deduplicated() {
        assert_eq!(District::parse("  CD   7 ").unwrap().as_str(), "CD 7");
        assert!(District::parse("").is_err());
        assert!(District::parse(&"x".repeat(61)).unwrap_err().contains("60"));
        assert_eq!(District::parse_optional("  ").unwrap(), None);
        let list = District::parse_list("CD-1, cd-1, Ward 3,,").unwrap();
        assert_eq!(list.iter().map(District::as_str).collect::<Vec<_>>(), vec!["CD-1", "Ward 3"]);
        assert!(District::parse(&"y".repeat(60)).is_ok());
    }
}
