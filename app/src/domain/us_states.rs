//! Which US state a contact is in, for the states' own texting hours (`state_hours`).
//!
//! As with time zones, the ZIP code is the better signal (where the contact lives) and the area
//! code the fallback (where the number was issued). State telemarketing acts presume a number
//! with the state's area code is in the state (e.g. Fla. Stat. 501.059(8)(d), Okla. Stat. tit.
//! 15, 775C.4; Conn. Gen. Stat. 42-288(c)), so the area code is a fair second guess. Both
//! tables are small and compiled in (sources in `app/data/README.md`).

use super::phone::PhoneNumber;
use super::time_zones::ZipCode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::LazyLock;

/// A two-letter USPS state (or territory) code, upper case: "FL", "TX", "DC", "PR".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UsState([u8; 2]);

impl UsState {
    /// Two ASCII letters, any case ("fl" reads as "FL").
    pub fn parse(raw: &str) -> Result<UsState, String> {
        let code = raw.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(UsState([*a, *b])),
            _ => Err(format!("\"{}\" is not a two-letter state code.", raw.trim())),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The state of a contact: a stored one (set at import) if any, else from the ZIP code,
    /// else from the area code of the stored (E.164) number. Contacts imported before states
    /// were stored are answered the same way on every read: the answer depends only on what
    /// the row holds.
    pub fn for_stored_contact(stored: Option<&str>, zip: Option<&str>, phone: &str) -> Option<UsState> {
        if let Some(state) = stored.and_then(|s| UsState::parse(s).ok()) {
            return Some(state);
        }
        let zip = zip.and_then(|z| ZipCode::parse(z).ok());
        zip.as_ref().and_then(state_for_zip).or_else(|| {
            let phone = PhoneNumber::from_e164(phone).ok()?;
            UsState::for_contact(None, &phone)
        })
    }

    /// The ZIP code's state if the table knows it, else the area code's, else none.
    pub fn for_contact(zip: Option<&ZipCode>, phone: &PhoneNumber) -> Option<UsState> {
        zip.and_then(state_for_zip).or_else(|| phone.area_code().and_then(state_for_area_code))
    }
}

impl fmt::Display for UsState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for UsState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UsState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        UsState::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

const AREA_CODE_CSV: &str = include_str!("../../data/nanp_area_code_states.csv");
const ZIP_CSV: &str = include_str!("../../data/us_zip_states.csv");

fn rows(csv: &'static str, file: &str) -> Vec<(&'static str, UsState)> {
    csv.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (key, state) = line.trim().split_once(',').unwrap_or_else(|| panic!("bad row in {file}: {line:?}"));
            (key, UsState::parse(state).unwrap_or_else(|e| panic!("{file}: {e}")))
        })
        .collect()
}

/// Area code -> state, sorted (about 360 US area codes).
static AREA_CODE_STATES: LazyLock<Vec<(u16, UsState)>> = LazyLock::new(|| {
    let mut table: Vec<(u16, UsState)> = rows(AREA_CODE_CSV, "nanp_area_code_states.csv")
        .into_iter()
        .map(|(code, state)| (code.parse().expect("area code in nanp_area_code_states.csv"), state))
        .collect();
    table.sort_unstable_by_key(|(code, _)| *code);
    table
});

/// ZIP -> state: three-digit prefixes (USPS assigns a prefix to one state) and the few
/// five-digit ZIP codes whose state differs from their prefix's, sorted by key.
static ZIP_STATES: LazyLock<(Vec<(u16, UsState)>, Vec<(u32, UsState)>)> = LazyLock::new(|| {
    let (mut prefixes, mut exceptions) = (Vec::new(), Vec::new());
    for (key, state) in rows(ZIP_CSV, "us_zip_states.csv") {
        let n: u32 = key.parse().expect("ZIP in us_zip_states.csv");
        match key.len() {
            3 => prefixes.push((n as u16, state)),
            5 => exceptions.push((n, state)),
            _ => panic!("us_zip_states.csv: {key:?} is neither a prefix nor a ZIP"),
        }
    }
    prefixes.sort_unstable_by_key(|(p, _)| *p);
    exceptions.sort_unstable_by_key(|(z, _)| *z);
    (prefixes, exceptions)
});

/// The state an area code's numbers are issued in; `None` for codes outside the US table
/// (Canada, the Caribbean, toll-free).
pub fn state_for_area_code(area_code: u16) -> Option<UsState> {
    let table = &*AREA_CODE_STATES;
    table.binary_search_by_key(&area_code, |(c, _)| *c).ok().map(|i| table[i].1)
}

/// The state a ZIP code is in; `None` for prefixes no ZIP uses.
pub fn state_for_zip(zip: &ZipCode) -> Option<UsState> {
    let n: u32 = zip.as_str().parse().ok()?;
    let (prefixes, exceptions) = &*ZIP_STATES;
    if let Ok(i) = exceptions.binary_search_by_key(&n, |(z, _)| *z) {
        return Some(exceptions[i].1);
    }
    let prefix = (n / 100) as u16;
    prefixes.binary_search_by_key(&prefix, |(p, _)| *p).ok().map(|i| prefixes[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::phone::Region;
    use proptest::prelude::*;

    fn zip(raw: &str) -> ZipCode {
        ZipCode::parse(raw).unwrap()
    }

    fn state(raw: &str) -> Option<UsState> {
        Some(UsState::parse(raw).unwrap())
    }

    #[test]
    fn tables_load_completely() {
        assert_eq!(AREA_CODE_STATES.len(), 357);
        assert_eq!(ZIP_STATES.0.len() + ZIP_STATES.1.len(), 957);
        assert!(AREA_CODE_STATES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn codes_parse() {
        assert_eq!(UsState::parse(" fl ").unwrap().as_str(), "FL");
        for bad in ["", "F", "FLA", "F1", "ÉÉ", "12"] {
            assert!(UsState::parse(bad).is_err(), "{bad:?}");
        }
        let json = serde_json::to_string(&UsState::parse("TX").unwrap()).unwrap();
        assert_eq!(json, "\"TX\"");
        assert_eq!(serde_json::from_str::<UsState>(&json).unwrap().as_str(), "TX");
    }

    #[test]
    fn area_codes() {
        assert_eq!(state_for_area_code(305), state("FL"));
        assert_eq!(state_for_area_code(201), state("NJ"));
        assert_eq!(state_for_area_code(212), state("NY"));
        assert_eq!(state_for_area_code(401), state("RI"));
        assert_eq!(state_for_area_code(512), state("TX"));
        assert_eq!(state_for_area_code(564), state("WA"));
        // Toronto, toll-free, nonsense: no US state.
        assert_eq!(state_for_area_code(416), None);
        assert_eq!(state_for_area_code(800), None);
        assert_eq!(state_for_area_code(0), None);
    }

    #[test]
    fn zips() {
        assert_eq!(state_for_zip(&zip("33101")), state("FL"));
        assert_eq!(state_for_zip(&zip("02903")), state("RI"));
        assert_eq!(state_for_zip(&zip("2903")), state("RI"));
        assert_eq!(state_for_zip(&zip("73301")), state("TX"));
        assert_eq!(state_for_zip(&zip("10001")), state("NY"));
        // 063xx is Connecticut, but Fishers Island (06390) is New York.
        assert_eq!(state_for_zip(&zip("06320")), state("CT"));
        assert_eq!(state_for_zip(&zip("06390")), state("NY"));
        assert_eq!(state_for_zip(&zip("00000")), None);
    }

    #[test]
    fn contact_state_prefers_stored_then_zip_then_area_code() {
        let miami = "+13052345678";
        assert_eq!(UsState::for_stored_contact(Some("TX"), Some("02903"), miami), state("TX"));
        assert_eq!(UsState::for_stored_contact(None, Some("02903"), miami), state("RI"));
        assert_eq!(UsState::for_stored_contact(None, Some("00000"), miami), state("FL"));
        assert_eq!(UsState::for_stored_contact(None, None, miami), state("FL"));
        assert_eq!(UsState::for_stored_contact(Some(""), Some("junk"), miami), state("FL"));
        assert_eq!(UsState::for_stored_contact(None, None, "+447911123456"), None);
        assert_eq!(UsState::for_stored_contact(None, None, "not a number"), None);
        let phone = PhoneNumber::parse("(401) 234-5678", Region::US).unwrap();
        assert_eq!(UsState::for_contact(None, &phone), state("RI"));
    }

    proptest! {
        #[test]
        fn every_zip_answers_without_panicking(n in 0u32..100_000) {
            let _ = state_for_zip(&zip(&format!("{n:05}")));
        }
    }
}
