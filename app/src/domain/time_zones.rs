//! Which time zones a contact may be in, so texts go out at a decent local hour.
//!
//! The ZIP code is the better signal: it is where the contact lives. The area code only says
//! where the number was issued (people move and keep their numbers), so it is the fallback, and
//! an area code that spans several zones yields all of them; the texting window is then the
//! intersection of their windows. With neither, the contact's zones are unknown (empty) and
//! the texting window falls back to hours that are decent across the continental US.
//!
//! The tables are copied into `app/data/` (see its README for sources and licences) and
//! compiled in: nothing is read from disk at run time, and the browser build can use the same
//! code.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::LazyLock;

/// A US ZIP code, its five-digit part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ZipCode([u8; 5]);

impl ZipCode {
    /// Accepts "02134", ZIP+4 ("02134-1234" or "021341234"), and the same with leading zeros
    /// lost. Spreadsheets store ZIP columns as numbers, so New England's "02134" arrives as
    /// "2134", Puerto Rico's "00601" as "601" and "02134-1234" saved as a number as
    /// "21341234"; the zeros are put back. No ZIP starts "000", so fewer than three digits is
    /// never a ZIP.
    pub fn parse(raw: &str) -> Result<ZipCode, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter a ZIP code.".into());
        }
        let invalid = || format!("\"{trimmed}\" is not a ZIP code.");
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let five = match trimmed.split_once('-') {
            Some((zip, plus4)) if all_digits(zip) && all_digits(plus4) && plus4.len() == 4 => zip,
            Some(_) => return Err(invalid()),
            None if all_digits(trimmed) => match trimmed.len() {
                3..=5 => trimmed,
                // ZIP+4 without its dash: the last four digits are the +4.
                7..=9 => &trimmed[..trimmed.len() - 4],
                _ => return Err(invalid()),
            },
            None => return Err(invalid()),
        };
        if !(3..=5).contains(&five.len()) {
            return Err(invalid());
        }
        let mut code = *b"00000";
        code[5 - five.len()..].copy_from_slice(five.as_bytes());
        Ok(ZipCode(code))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("00000")
    }

    #[cfg(any(feature = "ssr", not(feature = "hydrate")))]
    fn as_u32(&self) -> u32 {
        self.0.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
    }
}

impl fmt::Display for ZipCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ZipCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ZipCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        ZipCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A zone by IANA name, with legacy aliases folded into the zone they stand for so that one
/// place has one spelling (and `ContactZones` compare equal).
fn zone(name: &str) -> Option<Tz> {
    match name.trim().parse().ok()? {
        Tz::America__Shiprock => Some(Tz::America__Denver),
        tz => Some(tz),
    }
}

const AREA_CODE_CSV: &str = include_str!("../../data/nanp_area_code_timezones.csv");

/// Area code -> zones, sorted by area code. About 440 rows: small enough for the browser too.
static AREA_CODE_ZONES: LazyLock<Vec<(u16, Vec<Tz>)>> = LazyLock::new(|| {
    let mut table: Vec<(u16, Vec<Tz>)> = AREA_CODE_CSV
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            // area_code,region,timezones ("|"-separated)
            let mut fields = line.trim().splitn(3, ',');
            let (Some(code), Some(_region), Some(zones)) = (fields.next(), fields.next(), fields.next()) else {
                panic!("bad row in nanp_area_code_timezones.csv: {line:?}");
            };
            let code = code.parse().expect("area code in nanp_area_code_timezones.csv");
            let zones = ContactZones::from_db_string(zones).expect("zone names in nanp_area_code_timezones.csv");
            (code, zones.0)
        })
        .collect();
    table.sort_unstable_by_key(|(code, _)| *code);
    table
});

/// The zones an area code's numbers are issued in; empty for an unknown code.
pub fn zones_for_area_code(area_code: u16) -> &'static [Tz] {
    let table: &'static [(u16, Vec<Tz>)] = &AREA_CODE_ZONES;
    match table.binary_search_by_key(&area_code, |(code, _)| *code) {
        Ok(i) => &table[i].1,
        Err(_) => &[],
    }
}

// The ZIP table is about 1 MB of text. Only the server assigns zones (at import), so the
// browser build leaves it out; tests and builds with both features keep it.
#[cfg(any(feature = "ssr", not(feature = "hydrate")))]
const ZIP_CSV: &str = include_str!("../../data/us_zip_timezones.csv");

/// ZIP -> zone, sorted by ZIP (about 42,000 rows).
#[cfg(any(feature = "ssr", not(feature = "hydrate")))]
static ZIP_ZONES: LazyLock<Vec<(u32, Tz)>> = LazyLock::new(|| {
    let mut table: Vec<(u32, Tz)> = ZIP_CSV
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (zip, name) = line.trim().split_once(',').unwrap_or_else(|| {
                panic!("bad row in us_zip_timezones.csv: {line:?}");
            });
            let zip = ZipCode::parse(zip).expect("ZIP in us_zip_timezones.csv");
            let tz = zone(name).expect("zone name in us_zip_timezones.csv");
            (zip.as_u32(), tz)
        })
        .collect();
    table.sort_unstable_by_key(|(zip, _)| *zip);
    table
});

/// The zone a ZIP code is in. `None` for ZIP codes the 2017 data does not know (newer ones,
/// or a mistyped one); the caller falls back to the area code.
#[cfg(any(feature = "ssr", not(feature = "hydrate")))]
pub fn zone_for_zip(zip: &ZipCode) -> Option<Tz> {
    let key = zip.as_u32();
    ZIP_ZONES.binary_search_by_key(&key, |(zip, _)| *zip).ok().map(|i| ZIP_ZONES[i].1)
}

/// The time zones a contact may be in: one from a ZIP code, one or more from an area code, or
/// none when neither is known. Kept sorted by name and without duplicates, so equal sets are
/// equal values and have one stored form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ContactZones(Vec<Tz>);

impl ContactZones {
    pub fn new(zones: impl IntoIterator<Item = Tz>) -> ContactZones {
        let mut zones: Vec<Tz> = zones.into_iter().map(|tz| zone(tz.name()).unwrap_or(tz)).collect();
        zones.sort_unstable_by_key(|tz| tz.name());
        zones.dedup();
        ContactZones(zones)
    }

    /// No zone known; the texting window uses its conservative fallback.
    pub fn unknown() -> ContactZones {
        ContactZones(Vec::new())
    }

    /// The ZIP code's zone if the data knows it, else all the zones of the number's area
    /// code, else none.
    #[cfg(any(feature = "ssr", not(feature = "hydrate")))]
    pub fn for_contact(zip: Option<&ZipCode>, phone: &super::phone::PhoneNumber) -> ContactZones {
        if let Some(tz) = zip.and_then(zone_for_zip) {
            return ContactZones(vec![tz]);
        }
        match phone.area_code() {
            Some(code) => ContactZones(zones_for_area_code(code).to_vec()),
            None => ContactZones::unknown(),
        }
    }

    pub fn zones(&self) -> &[Tz] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// IANA names, for a Postgres `text[]` column.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|tz| tz.name()).collect()
    }

    /// Reads IANA names (e.g. a Postgres `text[]`); unknown names are an error, since a
    /// silently dropped zone would widen the texting window.
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Result<ContactZones, String> {
        let zones = names
            .into_iter()
            .map(|name| {
                let name = name.as_ref();
                zone(name).ok_or_else(|| format!("\"{}\" is not a time zone we know.", name.trim()))
            })
            .collect::<Result<Vec<Tz>, String>>()?;
        Ok(ContactZones::new(zones))
    }

    /// One text column: names joined with "|" ("America/Chicago|America/New_York"); "" for
    /// none. IANA names never contain "|".
    pub fn to_db_string(&self) -> String {
        self.names().join("|")
    }

    pub fn from_db_string(raw: &str) -> Result<ContactZones, String> {
        ContactZones::from_names(raw.split('|').filter(|name| !name.trim().is_empty()))
    }
}

impl Serialize for ContactZones {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_db_string())
    }
}

impl<'de> Deserialize<'de> for ContactZones {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        ContactZones::from_db_string(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::phone::{PhoneNumber, Region};
    use chrono_tz::America;
    use proptest::prelude::*;

    fn zip(raw: &str) -> ZipCode {
        ZipCode::parse(raw).unwrap()
    }

    fn phone(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw, Region::US).unwrap()
    }

    #[test]
    fn zip_accepts_plus4_and_lost_leading_zeros() {
        for (raw, expected) in [
            ("02134", "02134"),
            (" 02134 ", "02134"),
            ("02134-1234", "02134"),
            ("021341234", "02134"),
            ("2134", "02134"),
            ("2134-1234", "02134"),
            ("21341234", "02134"),
            ("601", "00601"),
            ("6011234", "00601"),
            ("90210", "90210"),
        ] {
            assert_eq!(ZipCode::parse(raw).map(|z| z.to_string()), Ok(expected.into()), "{raw:?}");
        }
    }

    #[test]
    fn zip_rejects_other_shapes() {
        for raw in [
            "",
            " ",
            "12",
            "123456",
            "1234567890",
            "0213a",
            "02134-12",
            "02134-12345",
            "-1234",
            "02134 1234",
            "SW1A 1AA",
            "１２３４５",
        ] {
            assert!(ZipCode::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn tables_load_completely() {
        // Row counts of the copied files (header excluded): a parse that skipped rows would
        // show here.
        assert_eq!(AREA_CODE_ZONES.len(), 440);
        assert_eq!(ZIP_ZONES.len(), 41_962);
        assert!(ZIP_ZONES.windows(2).all(|w| w[0].0 < w[1].0));
        // The legacy alias is folded away everywhere.
        assert!(ZIP_ZONES.iter().all(|(_, tz)| *tz != Tz::America__Shiprock));
    }

    #[test]
    fn zip_lookups() {
        assert_eq!(zone_for_zip(&zip("10001")), Some(America::New_York));
        assert_eq!(zone_for_zip(&zip("60601")), Some(America::Chicago));
        assert_eq!(zone_for_zip(&zip("90210")), Some(America::Los_Angeles));
        assert_eq!(zone_for_zip(&zip("96813")), Some(Tz::Pacific__Honolulu));
        assert_eq!(zone_for_zip(&zip("2134")), Some(America::New_York));
        assert_eq!(zone_for_zip(&zip("00000")), None);
        // A Shiprock row comes back as Denver.
        let shiprock = ZIP_CSV
            .lines()
            .find(|l| l.ends_with("America/Shiprock"))
            .and_then(|l| l.split_once(','))
            .map(|(z, _)| zip(z))
            .unwrap();
        assert_eq!(zone_for_zip(&shiprock), Some(America::Denver));
    }

    #[test]
    fn area_code_lookups() {
        assert_eq!(zones_for_area_code(212), &[America::New_York]);
        assert_eq!(zones_for_area_code(808), &[Tz::Pacific__Honolulu]);
        assert_eq!(zones_for_area_code(775), &[America::Boise, America::Los_Angeles]);
        assert_eq!(zones_for_area_code(907), &[America::Adak, America::Anchorage]);
        assert!(zones_for_area_code(800).is_empty());
        assert!(zones_for_area_code(0).is_empty());
        assert!(zones_for_area_code(u16::MAX).is_empty());
    }

    #[test]
    fn contact_zones_prefer_zip_then_area_code() {
        let nyc_number = phone("(212) 456-7890");
        // Moved to Los Angeles, kept the New York number: the ZIP wins.
        assert_eq!(ContactZones::for_contact(Some(&zip("90210")), &nyc_number).zones(), &[America::Los_Angeles]);
        // Unknown ZIP: the area code.
        assert_eq!(ContactZones::for_contact(Some(&zip("00000")), &nyc_number).zones(), &[America::New_York]);
        assert_eq!(ContactZones::for_contact(None, &nyc_number).zones(), &[America::New_York]);
        // An area code spanning zones gives them all.
        assert_eq!(ContactZones::for_contact(None, &phone("775 555 2671")).zones().len(), 2);
        // Neither: unknown.
        assert!(ContactZones::for_contact(None, &phone("+44 7911 123456")).is_empty());
    }

    #[test]
    fn db_string_round_trips() {
        let zones = ContactZones::new([America::New_York, America::Chicago, America::New_York]);
        assert_eq!(zones.to_db_string(), "America/Chicago|America/New_York");
        assert_eq!(ContactZones::from_db_string("America/New_York|America/Chicago"), Ok(zones.clone()));
        assert_eq!(ContactZones::from_db_string(""), Ok(ContactZones::unknown()));
        assert_eq!(ContactZones::unknown().to_db_string(), "");
        assert_eq!(ContactZones::from_db_string("America/Shiprock").unwrap().zones(), &[America::Denver]);
        assert!(ContactZones::from_db_string("America/Atlantis").is_err());
        assert_eq!(ContactZones::from_names(zones.names()), Ok(zones.clone()));
        let json = serde_json::to_string(&zones).unwrap();
        assert_eq!(json, "\"America/Chicago|America/New_York\"");
        assert_eq!(serde_json::from_str::<ContactZones>(&json).unwrap(), zones);
    }

    proptest! {
        #[test]
        fn every_zip_shape_round_trips(n in 0u32..100_000, plus4 in 0u32..10_000) {
            let canonical = format!("{n:05}");
            let plus4_forms = [format!("{n:05}-{plus4:04}"), format!("{n:05}{plus4:04}")];
            for raw in [canonical.clone()].into_iter().chain(plus4_forms) {
                prop_assert_eq!(ZipCode::parse(&raw).unwrap().to_string(), canonical.clone());
            }
            if n >= 100 {
                // What a spreadsheet does to it.
                prop_assert_eq!(ZipCode::parse(&n.to_string()).unwrap().to_string(), canonical);
            }
        }

        #[test]
        fn zip_parse_never_panics(raw in ".{0,20}") {
            let _ = ZipCode::parse(&raw);
        }

        #[test]
        fn zones_round_trip_through_the_db_string(picks in prop::collection::vec(0usize..8, 0..5)) {
            let pool = [
                America::New_York, America::Chicago, America::Denver, America::Phoenix,
                America::Los_Angeles, America::Anchorage, Tz::Pacific__Honolulu, America::Boise,
            ];
            let zones = ContactZones::new(picks.iter().map(|&i| pool[i]));
            prop_assert_eq!(ContactZones::from_db_string(&zones.to_db_string()), Ok(zones.clone()));
        }
    }
}
