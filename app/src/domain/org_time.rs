//! The organization's time zone (Settings → Default time zone) and every way a time is shown to
//! or read from a person: admins and volunteers see times in their organization's zone, with the
//! zone named, never raw UTC; date-time pickers (`<input type="datetime-local">`) are read in
//! that zone.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The zone new organizations start with, and the one used if a stored name no longer parses
/// (names are checked when saved, so that only happens if the tz database drops a name).
pub const DEFAULT_ORG_TIME_ZONE: Tz = chrono_tz::America::New_York;

/// What `<input type="datetime-local">` sends and shows (minutes precision).
const PICKER_FORMAT: &str = "%Y-%m-%dT%H:%M";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgTimeZone(Tz);

impl OrgTimeZone {
    /// An IANA zone name as typed in Settings, for example `America/Chicago`.
    pub fn parse(raw: &str) -> Result<OrgTimeZone, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Enter a time zone, for example America/Chicago.".into());
        }
        name.parse::<Tz>()
            .map(OrgTimeZone)
            .map_err(|_| format!("\"{name}\" is not a time zone name; use one like America/Chicago or Europe/Berlin."))
    }

    pub fn new(tz: Tz) -> OrgTimeZone {
        OrgTimeZone(tz)
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// "Dec 2, 9:05 PM EST": a moment, with the zone's abbreviation at that moment (EST or EDT).
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0).format("%b %-d, %-I:%M %p %Z").to_string()
    }

    /// "Dec 2, 2026": the local calendar day of a moment.
    pub fn date(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0).format("%b %-d, %Y").to_string()
    }

    /// "Dec 2, 9 PM": the local hour a chart bucket starts at.
    pub fn hour(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0).format("%b %-d, %-I %p").to_string()
    }

    /// "Eastern time (America/New_York)"-style label for forms: which zone a picker is in.
    pub fn label(&self, at: DateTime<Utc>) -> String {
        format!("{} ({})", self.0.name(), at.with_timezone(&self.0).format("%Z"))
    }

    /// The value a `datetime-local` picker shows for a moment.
    pub fn picker_value(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0).format(PICKER_FORMAT).to_string()
    }

    /// What the date-time fields accept: the picker's local time in this zone, or a moment with
    /// its own offset (RFC 3339, as API clients send it).
    pub fn parse_moment(&self, raw: &str) -> Result<DateTime<Utc>, String> {
        match DateTime::parse_from_rfc3339(raw.trim()) {
            Ok(t) => Ok(t.with_timezone(&Utc)),
            Err(_) => self.parse_picker(raw),
        }
    }

    /// Reads a `datetime-local` value (also with seconds) as a local time in this zone. A time the
    /// clocks skip (spring forward) is refused with the reason; a repeated one (fall back) is the
    /// first of the two, as calendars do.
    pub fn parse_picker(&self, raw: &str) -> Result<DateTime<Utc>, String> {
        let raw = raw.trim();
        let local = NaiveDateTime::parse_from_str(raw, PICKER_FORMAT)
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| format!("\"{raw}\" is not a date and time; pick one, for example 2026-11-03T18:00."))?;
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
            LocalResult::None => Err(format!(
                "{} does not exist in {}: the clocks skip that hour. Pick a time outside it.",
                local.format("%b %-d, %-I:%M %p"),
                self.0.name()
            )),
        }
    }
}

impl Default for OrgTimeZone {
    fn default() -> Self {
        OrgTimeZone(DEFAULT_ORG_TIME_ZONE)
    }
}

/// A zone name from the wire or a stored row: one that does not parse is an error, never a
/// quiet default (`#[sqlx(try_from = "Option<String>")]` and serde use these).
impl TryFrom<String> for OrgTimeZone {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        OrgTimeZone::parse(&name)
    }
}

/// An organization whose settings were never saved has no stored zone: the default.
impl TryFrom<Option<String>> for OrgTimeZone {
    type Error = String;
    fn try_from(name: Option<String>) -> Result<Self, String> {
        name.map(OrgTimeZone::try_from).unwrap_or(Ok(OrgTimeZone::default()))
    }
}

impl From<OrgTimeZone> for String {
    fn from(zone: OrgTimeZone) -> String {
        zone.0.name().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ny() -> OrgTimeZone {
        OrgTimeZone::parse("America/New_York").unwrap()
    }

    #[test]
    fn parses_names_and_refuses_others() {
        assert_eq!(OrgTimeZone::parse(" America/Chicago ").unwrap().name(), "America/Chicago");
        assert!(OrgTimeZone::parse("").unwrap_err().contains("Enter a time zone"));
        assert!(OrgTimeZone::parse("Mars/Olympus").unwrap_err().contains("\"Mars/Olympus\""));
        // A stored or posted name that does not parse is an error, not the default...
        assert!(OrgTimeZone::try_from("nonsense".to_string()).is_err());
        assert!(OrgTimeZone::try_from(Some("nonsense".to_string())).is_err());
        assert!(serde_json::from_str::<OrgTimeZone>(r#""nonsense""#).is_err());
        // ...while an organization that never saved its settings has the default.
        assert_eq!(OrgTimeZone::try_from(None::<String>), Ok(OrgTimeZone::default()));
        assert_eq!(serde_json::from_str::<OrgTimeZone>(r#""America/Chicago""#).unwrap().name(), "America/Chicago");
    }

    #[test]
    fn shows_local_time_with_the_zone_of_that_moment() {
        let winter = Utc.with_ymd_and_hms(2026, 12, 2, 2, 5, 0).unwrap();
        assert_eq!(ny().date_time(winter), "Dec 1, 9:05 PM EST");
        assert_eq!(ny().date(winter), "Dec 1, 2026");
        assert_eq!(ny().hour(winter), "Dec 1, 9 PM");
        let summer = Utc.with_ymd_and_hms(2026, 7, 4, 16, 0, 0).unwrap();
        assert_eq!(ny().date_time(summer), "Jul 4, 12:00 PM EDT");
        let la = OrgTimeZone::parse("America/Los_Angeles").unwrap();
        assert_eq!(la.date_time(summer), "Jul 4, 9:00 AM PDT");
    }

    #[test]
    fn picker_round_trips_in_the_zone() {
        let at = Utc.with_ymd_and_hms(2026, 11, 3, 23, 0, 0).unwrap();
        assert_eq!(ny().picker_value(at), "2026-11-03T18:00");
        assert_eq!(ny().parse_picker("2026-11-03T18:00").unwrap(), at);
        assert_eq!(ny().parse_picker("2026-11-03T18:00:00").unwrap(), at);
        assert!(ny().parse_picker("tomorrow").unwrap_err().contains("\"tomorrow\""));
        assert_eq!(ny().parse_moment("2026-11-03T23:00:00Z").unwrap(), at);
        assert_eq!(ny().parse_moment("2026-11-03T18:00").unwrap(), at);
    }

    #[test]
    fn picker_handles_daylight_saving_changes() {
        // 2026-03-08 02:30 does not exist in New York; 2026-11-01 01:30 happens twice.
        let err = ny().parse_picker("2026-03-08T02:30").unwrap_err();
        assert!(err.contains("clocks skip"), "{err}");
        let first = ny().parse_picker("2026-11-01T01:30").unwrap();
        assert_eq!(first, Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap());
    }

    #[test]
    fn serializes_as_the_zone_name() {
        let json = serde_json::to_string(&ny()).unwrap();
        assert_eq!(json, "\"America/New_York\"");
        let back: OrgTimeZone = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ny());
    }
}
