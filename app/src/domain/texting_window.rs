//! The hours of the day a contact may be texted, in the contact's own time.
//!
//! Texting someone at 7 am or 11 pm costs the campaign goodwill (and, under state rules, can
//! break the law), so a send is allowed only while the contact's local time is inside the
//! window in every zone the contact may be in. When nothing says where the contact is, the
//! window must hold from New York to Los Angeles: with the default 9:00–21:00 that is
//! 12:00–21:00 Eastern (9:00–18:00 Pacific). Alaska and Hawaii are left out of that fallback on
//! purpose: it would shrink the window for everyone to a few hours, and their numbers and ZIP
//! codes give their zones anyway.
//!
//! Local time is wall-clock time, daylight saving included: 9:00 in New York is 13:00 UTC in
//! summer and 14:00 UTC in winter. The answer is computed by walking the instants at which the
//! answer can change — each zone's local start and end of the window on each day, and each
//! zone's clock changes — so it is exact on the days clocks change and for windows that cross
//! the skipped or repeated hour.
//!
//! A contact's state can narrow the window further (`state_hours`: Florida's 8 pm end, Texas's
//! Sunday noon start, Rhode Island's closed Sundays and holidays). `check_contact` intersects
//! the organization's window with the state's hours on each local day, in every zone, with the
//! same walk; `check` is the same without a state.

/// How long Outbound Message Lock Protection keeps a number from being texted again (the
/// settings page says the same number).
pub const OUTBOUND_LOCK_HOURS: i64 = 6;

use super::state_hours;
use super::time_zones::ContactZones;
use super::us_states::UsState;
use chrono::{DateTime, Days, Duration, LocalResult, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Local hours during which texts may be sent: from `start` (inclusive) to `end` (exclusive),
/// within one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WindowFields")]
pub struct TextingWindow {
    start: NaiveTime,
    end: NaiveTime,
}

#[derive(Deserialize)]
struct WindowFields {
    start: NaiveTime,
    end: NaiveTime,
}

impl TryFrom<WindowFields> for TextingWindow {
    type Error = String;
    fn try_from(fields: WindowFields) -> Result<Self, String> {
        TextingWindow::new(fields.start, fields.end)
    }
}

impl Default for TextingWindow {
    /// 9 am to 9 pm, the usual P2P texting hours.
    fn default() -> Self {
        TextingWindow {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            end: NaiveTime::from_hms_opt(21, 0, 0).expect("valid time"),
        }
    }
}

impl TextingWindow {
    /// A window must start before it ends: windows across midnight are not texting hours.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<TextingWindow, String> {
        if start >= end {
            return Err("The texting window must start before it ends.".into());
        }
        Ok(TextingWindow { start, end })
    }

    /// From 24-hour "HH:MM" times, as an `<input type="time">` gives them ("09:00", "21:00").
    pub fn parse(start: &str, end: &str) -> Result<TextingWindow, String> {
        let time = |raw: &str| {
            NaiveTime::parse_from_str(raw.trim(), "%H:%M")
                .map_err(|_| format!("\"{}\" is not a time like 09:00.", raw.trim()))
        };
        TextingWindow::new(time(start)?, time(end)?)
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// The start as `parse` reads it and a time input shows it ("09:00").
    pub fn start_text(&self) -> String {
        self.start.format("%H:%M").to_string()
    }

    pub fn end_text(&self) -> String {
        self.end.format("%H:%M").to_string()
    }

    /// Whether the local time in `tz` at `instant` is inside the window.
    pub fn contains(&self, tz: Tz, instant: DateTime<Utc>) -> bool {
        let local = instant.with_timezone(&tz).time();
        self.start <= local && local < self.end
    }

    pub fn check(&self, zones: &ContactZones, now: DateTime<Utc>) -> WindowCheck {
        check(self, zones, now)
    }
}

/// Whether a contact may be texted now, and until or from when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowCheck {
    /// Inside the window in every zone until `closes_at`, when the first zone leaves it.
    Open { closes_at: DateTime<Utc> },
    /// Outside the window; `opens_at` is the first instant it is inside in every zone.
    Closed { opens_at: DateTime<Utc> },
    /// The zones are further apart than the window is long, so it is never open in all of
    /// them at once (within the coming year). Only a short custom window can do this.
    Never,
}

/// With no zone known, the window must hold across the continental US (see the module notes).
const FALLBACK_ZONES: [Tz; 2] = [Tz::America__New_York, Tz::America__Los_Angeles];

/// How far ahead to look for the window to open before answering `Never`: a year covers every
/// combination of daylight-saving offsets.
const SEARCH_DAYS: i64 = 370;

/// The search looks this far ahead at a time; nearly every answer is within the first stretch.
const STRETCH_DAYS: i64 = 2;

/// Whether `window` is open for a contact in `zones` at `now`: open only when it is open in
/// every zone (the intersection).
pub fn check(window: &TextingWindow, zones: &ContactZones, now: DateTime<Utc>) -> WindowCheck {
    check_contact(window, zones, None, now)
}

/// Whether a contact in `zones` and `state` may be texted at `now`: the organization's window
/// and the state's hours (when `state` is known and the organization applies state rules),
/// both open in every zone.
pub fn check_contact(
    window: &TextingWindow,
    zones: &ContactZones,
    state: Option<UsState>,
    now: DateTime<Utc>,
) -> WindowCheck {
    let zones = if zones.is_empty() { &FALLBACK_ZONES[..] } else { zones.zones() };
    let open_at =
        |instant| zones.iter().all(|&tz| window.contains(tz, instant) && state_hours::allows(state, tz, instant));
    let open_now = open_at(now);
    // Whether the window is open is constant between consecutive change points, so the next
    // change of the answer is at the first change point where it differs from now's.
    for stretch in 0..SEARCH_DAYS / STRETCH_DAYS {
        let from = now + Duration::days(stretch * STRETCH_DAYS);
        let to = from + Duration::days(STRETCH_DAYS);
        let mut points = change_points(window, state, zones, from, to);
        points.retain(|&t| t > now);
        points.sort_unstable();
        if let Some(&change) = points.iter().find(|&&t| open_at(t) != open_now) {
            return if open_now {
                WindowCheck::Open { closes_at: change }
            } else {
                WindowCheck::Closed { opens_at: change }
            };
        }
    }
    if open_now {
        // Unreachable: a window ends before midnight, so it closes every day.
        WindowCheck::Open { closes_at: now + Duration::days(SEARCH_DAYS) }
    } else {
        WindowCheck::Never
    }
}

/// Every instant in `[from, to)` at which some zone's local time reaches the window's start or
/// end, the state's opening or closing time of that day, or midnight (when the state's rule of
/// one day gives way to the next), or jumps (a daylight-saving change). Between two of these,
/// whether a zone is inside the window cannot change.
fn change_points(
    window: &TextingWindow,
    state: Option<UsState>,
    zones: &[Tz],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut points = Vec::new();
    for &tz in zones {
        // Local days overlapping [from, to), with a day's margin either side.
        let first = from.with_timezone(&tz).date_naive() - Days::new(1);
        let last = to.with_timezone(&tz).date_naive() + Days::new(1);
        for day in first.iter_days().take_while(|day| *day <= last) {
            let state_times = state_hours::change_times(state, day);
            for time in [window.start, window.end].into_iter().chain(state_times) {
                match tz.from_local_datetime(&day.and_time(time)) {
                    LocalResult::Single(t) => points.push(t.with_timezone(&Utc)),
                    // The hour repeated when clocks go back: the time passes twice.
                    LocalResult::Ambiguous(a, b) => {
                        points.push(a.with_timezone(&Utc));
                        points.push(b.with_timezone(&Utc));
                    }
                    // Skipped when clocks go forward: the jump itself is the change point,
                    // found below.
                    LocalResult::None => {}
                }
            }
        }
        points.extend(clock_changes(tz, from, to));
    }
    points.retain(|t| (from..to).contains(t));
    points
}

/// The instants in `[from, to)` at which `tz`'s UTC offset changes. Offsets are sampled every
/// six hours (zones change at most a few times a year) and a change is pinned down to the
/// second by bisection.
fn clock_changes(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let offset = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    let step = Duration::hours(6);
    let mut changes = Vec::new();
    // Start a step early so a change right at `from` is seen.
    let mut before = from - step;
    while before < to {
        let after = before + step;
        if offset(before) != offset(after) {
            // Invariant: offset(lo) differs from offset(hi); hi is the first instant found
            // with the new offset.
            let (mut lo, mut hi) = (before.timestamp(), after.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let mid_time = DateTime::from_timestamp(mid, 0).expect("in range");
                if offset(mid_time) == offset(before) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            changes.push(DateTime::from_timestamp(hi, 0).expect("in range"));
        }
        before = after;
    }
    changes
}

/// The message a volunteer sees while a contact's window is closed, e.g. "sending opens at
/// 9:00 am in the contact's time (in 2 h 10 m)", with the time shown in `zone_for_display`.
pub fn describe_wait(opens_at: DateTime<Utc>, now: DateTime<Utc>, zone_for_display: Tz) -> String {
    if opens_at <= now {
        return "sending is open now".into();
    }
    let local = opens_at.with_timezone(&zone_for_display).format("%-I:%M %P");
    format!("sending opens at {local} in the contact's time (in {})", format_wait(opens_at - now))
}

/// Everything that decides when one contact may be texted, read from what the database stores:
/// the organization's window, the zones the contact may be in and, unless the organization
/// turned state rules off, the contact's state. Every send path (the press, replies, the
/// texting screen, the inbox, the outbox worker) asks this one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactHours {
    pub window: TextingWindow,
    pub zones: ContactZones,
    pub state: Option<UsState>,
}

impl ContactHours {
    /// From the organization's window (parsed once, with its settings) and the contact's stored
    /// columns: IANA zone names, and the contact's stored state, ZIP and E.164 number (a state
    /// not stored is worked out from the ZIP and number). Unreadable zones count as unknown,
    /// which narrows the window to the fallback's: the safe side, never a wider one.
    pub fn from_stored(
        window: TextingWindow,
        zone_names: &[String],
        state_rules: bool,
        stored_state: Option<&str>,
        zip: Option<&str>,
        phone: &str,
    ) -> ContactHours {
        ContactHours {
            window,
            zones: ContactZones::from_names(zone_names.iter()).unwrap_or_else(|_| ContactZones::unknown()),
            state: if state_rules { UsState::for_stored_contact(stored_state, zip, phone) } else { None },
        }
    }

    pub fn check(&self, now: DateTime<Utc>) -> WindowCheck {
        check_contact(&self.window, &self.zones, self.state, now)
    }

    /// `None` when the contact may be texted now; otherwise why not, in the volunteer's words:
    /// "sending opens at 8:00 am in the contact's time (in 11 h 30 m)".
    pub fn wait(&self, now: DateTime<Utc>) -> Option<String> {
        match self.check(now) {
            WindowCheck::Open { .. } => None,
            WindowCheck::Closed { opens_at } => {
                let display = self.zones.zones().first().copied().unwrap_or(Tz::America__New_York);
                Some(describe_wait(opens_at, now, display))
            }
            WindowCheck::Never => Some("never: this contact's time zones share no open hours".into()),
        }
    }
}

/// "45 m", "2 h 10 m", "1 d 3 h". Under a day, minutes are rounded up so the wait is never
/// understated.
fn format_wait(wait: Duration) -> String {
    let seconds = wait.num_seconds().max(0) + i64::from(wait.subsec_nanos() > 0);
    let minutes = (seconds + 59) / 60;
    if minutes < 60 {
        return format!("{minutes} m");
    }
    if minutes < 24 * 60 {
        let (h, m) = (minutes / 60, minutes % 60);
        return if m == 0 { format!("{h} h") } else { format!("{h} h {m} m") };
    }
    // A day or more away, the exact time is in the message; the nearest hour will do.
    let hours = (minutes + 30) / 60;
    let (d, h) = (hours / 24, hours % 24);
    if h == 0 {
        format!("{d} d")
    } else {
        format!("{d} d {h} h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::{America, Pacific};
    use proptest::prelude::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap().with_timezone(&Utc)
    }

    fn zones(list: &[Tz]) -> ContactZones {
        ContactZones::new(list.iter().copied())
    }

    fn default_check(list: &[Tz], now: DateTime<Utc>) -> WindowCheck {
        check(&TextingWindow::default(), &zones(list), now)
    }

    const NY: Tz = America::New_York;

    #[test]
    fn window_parsing() {
        let w = TextingWindow::parse("09:00", "21:00").unwrap();
        assert_eq!(w, TextingWindow::default());
        assert_eq!(TextingWindow::parse(" 9:30 ", "17:00").unwrap().start().to_string(), "09:30:00");
        for (s, e) in [("21:00", "09:00"), ("09:00", "09:00"), ("9am", "17:00"), ("", "17:00"), ("25:00", "26:00")] {
            assert!(TextingWindow::parse(s, e).is_err(), "{s}-{e}");
        }
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<TextingWindow>(&json).unwrap(), w);
        assert!(serde_json::from_str::<TextingWindow>(r#"{"start":"21:00:00","end":"09:00:00"}"#).is_err());
    }

    #[test]
    fn opens_at_nine_sharp_in_new_york() {
        let nine = local(NY, 2025, 6, 10, 9, 0);
        assert_eq!(default_check(&[NY], nine - Duration::minutes(1)), WindowCheck::Closed { opens_at: nine });
        assert_eq!(default_check(&[NY], nine), WindowCheck::Open { closes_at: local(NY, 2025, 6, 10, 21, 0) });
        // Summer: 9:00 EDT is 13:00 UTC.
        assert_eq!(nine, utc(2025, 6, 10, 13, 0));
    }

    #[test]
    fn closes_at_nine_pm_and_reopens_next_morning() {
        let nine_pm = local(NY, 2025, 6, 10, 21, 0);
        assert_eq!(default_check(&[NY], nine_pm - Duration::seconds(1)), WindowCheck::Open { closes_at: nine_pm });
        assert_eq!(default_check(&[NY], nine_pm), WindowCheck::Closed { opens_at: local(NY, 2025, 6, 11, 9, 0) });
        // Just after midnight it is still tomorrow morning's 9:00.
        assert_eq!(
            default_check(&[NY], local(NY, 2025, 6, 11, 0, 5)),
            WindowCheck::Closed { opens_at: local(NY, 2025, 6, 11, 9, 0) }
        );
    }

    #[test]
    fn several_zones_intersect() {
        let both = [NY, America::Chicago];
        // 9:30 in New York is 8:30 in Chicago: closed until 9:00 Chicago.
        assert_eq!(
            default_check(&both, local(NY, 2025, 6, 10, 9, 30)),
            WindowCheck::Closed { opens_at: local(America::Chicago, 2025, 6, 10, 9, 0) }
        );
        // Open from then until New York's 21:00 (Chicago's 20:00).
        assert_eq!(
            default_check(&both, local(NY, 2025, 6, 10, 10, 0)),
            WindowCheck::Open { closes_at: local(NY, 2025, 6, 10, 21, 0) }
        );
    }

    #[test]
    fn honolulu() {
        let hnl = Pacific::Honolulu;
        // 9:00 HST is 19:00 UTC all year (no daylight saving).
        assert_eq!(
            default_check(&[hnl], utc(2025, 1, 15, 18, 59)),
            WindowCheck::Closed { opens_at: utc(2025, 1, 15, 19, 0) }
        );
        assert_eq!(
            default_check(&[hnl], utc(2025, 1, 15, 19, 0)),
            WindowCheck::Open { closes_at: utc(2025, 1, 16, 7, 0) }
        );
        // With New York too: New York's evening overlaps Honolulu's morning.
        assert_eq!(
            default_check(&[NY, hnl], utc(2025, 1, 15, 19, 0)),
            WindowCheck::Open { closes_at: local(NY, 2025, 1, 15, 21, 0) }
        );
    }

    #[test]
    fn unknown_zones_use_noon_to_nine_eastern() {
        let none: &[Tz] = &[];
        assert_eq!(
            default_check(none, local(NY, 2025, 6, 10, 11, 59)),
            WindowCheck::Closed { opens_at: local(NY, 2025, 6, 10, 12, 0) }
        );
        assert_eq!(
            default_check(none, local(NY, 2025, 6, 10, 12, 0)),
            WindowCheck::Open { closes_at: local(NY, 2025, 6, 10, 21, 0) }
        );
        // Same in winter.
        assert_eq!(
            default_check(none, local(NY, 2025, 12, 10, 20, 0)),
            WindowCheck::Open { closes_at: local(NY, 2025, 12, 10, 21, 0) }
        );
    }

    #[test]
    fn spring_forward_uses_the_new_offset() {
        // 2025-03-09: US clocks go from 2:00 EST to 3:00 EDT. Saturday 22:00 EST is 03:00 UTC.
        let saturday_night = utc(2025, 3, 9, 3, 0);
        assert_eq!(
            default_check(&[NY], saturday_night),
            WindowCheck::Closed { opens_at: utc(2025, 3, 9, 13, 0) } // 9:00 EDT
        );
        assert_eq!(
            default_check(&[NY], utc(2025, 3, 9, 13, 0)),
            WindowCheck::Open { closes_at: utc(2025, 3, 10, 1, 0) } // 21:00 EDT
        );
        // The day before, 9:00 was still 14:00 UTC.
        assert_eq!(
            default_check(&[NY], utc(2025, 3, 8, 13, 30)),
            WindowCheck::Closed { opens_at: utc(2025, 3, 8, 14, 0) }
        );
    }

    #[test]
    fn fall_back_uses_the_new_offset() {
        // 2025-11-02: US clocks go from 2:00 EDT back to 1:00 EST.
        assert_eq!(
            default_check(&[NY], local(NY, 2025, 11, 1, 21, 30)),
            WindowCheck::Closed { opens_at: utc(2025, 11, 2, 14, 0) } // 9:00 EST
        );
        // Chicago and New York change an hour apart; the window is unaffected at 9:00.
        assert_eq!(
            default_check(&[NY, America::Chicago], utc(2025, 11, 2, 12, 0)),
            WindowCheck::Closed { opens_at: utc(2025, 11, 2, 15, 0) } // 9:00 CST
        );
    }

    #[test]
    fn windows_across_the_skipped_and_repeated_hours() {
        // A window 01:30–03:00 on spring-forward night ends when 2:00 EST jumps to 3:00 EDT.
        let early = TextingWindow::parse("01:30", "03:00").unwrap();
        assert_eq!(
            check(&early, &zones(&[NY]), utc(2025, 3, 9, 6, 45)), // 1:45 EST
            WindowCheck::Open { closes_at: utc(2025, 3, 9, 7, 0) }
        );
        // A window starting at the skipped 02:30 opens at the jump, at 3:00 EDT.
        let skipped = TextingWindow::parse("02:30", "04:00").unwrap();
        assert_eq!(
            check(&skipped, &zones(&[NY]), utc(2025, 3, 9, 6, 0)), // 1:00 EST
            WindowCheck::Closed { opens_at: utc(2025, 3, 9, 7, 0) }
        );
        // On fall-back night 01:30 happens twice: the window 01:30–02:00 opens twice.
        let repeated = TextingWindow::parse("01:30", "02:00").unwrap();
        assert_eq!(
            check(&repeated, &zones(&[NY]), utc(2025, 11, 2, 5, 45)), // 1:45 EDT
            WindowCheck::Open { closes_at: utc(2025, 11, 2, 6, 0) }   // back to 1:00 EST
        );
        assert_eq!(
            check(&repeated, &zones(&[NY]), utc(2025, 11, 2, 6, 0)),
            WindowCheck::Closed { opens_at: utc(2025, 11, 2, 6, 30) } // 1:30 EST
        );
    }

    #[test]
    fn zones_too_far_apart_never_open() {
        let hour = TextingWindow::parse("09:00", "10:00").unwrap();
        assert_eq!(check(&hour, &zones(&[NY, Pacific::Honolulu]), utc(2025, 6, 10, 12, 0)), WindowCheck::Never);
    }

    #[test]
    fn opens_after_a_daylight_saving_change_months_away() {
        // New York and Phoenix are 2 h apart in winter, 3 h in summer (Phoenix keeps MST).
        // 10:00–12:30 overlaps by half an hour in winter only.
        let window = TextingWindow::parse("10:00", "12:30").unwrap();
        let both = zones(&[NY, America::Phoenix]);
        match check(&window, &both, utc(2025, 6, 10, 12, 0)) {
            // 12:00 EST (10:00 MST) on 2025-11-02, the day New York's clocks go back.
            WindowCheck::Closed { opens_at } => assert_eq!(opens_at, utc(2025, 11, 2, 17, 0)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wait_messages() {
        let now = local(NY, 2025, 6, 10, 6, 50);
        let nine = local(NY, 2025, 6, 10, 9, 0);
        assert_eq!(describe_wait(nine, now, NY), "sending opens at 9:00 am in the contact's time (in 2 h 10 m)");
        assert_eq!(
            describe_wait(local(NY, 2025, 6, 10, 12, 30), local(NY, 2025, 6, 10, 11, 45), NY),
            "sending opens at 12:30 pm in the contact's time (in 45 m)"
        );
        assert_eq!(
            describe_wait(local(NY, 2025, 6, 11, 10, 0), local(NY, 2025, 6, 10, 3, 50), NY),
            "sending opens at 10:00 am in the contact's time (in 1 d 6 h)"
        );
        assert_eq!(describe_wait(now, now, NY), "sending is open now");
        assert_eq!(format_wait(Duration::seconds(30)), "1 m");
        assert_eq!(format_wait(Duration::minutes(120)), "2 h");
        assert_eq!(format_wait(Duration::minutes(119) + Duration::seconds(1)), "2 h");
        assert_eq!(format_wait(Duration::hours(24)), "1 d");
        assert_eq!(format_wait(Duration::hours(27)), "1 d 3 h");
        assert_eq!(format_wait(Duration::hours(26) + Duration::minutes(31)), "1 d 3 h");
        assert_eq!(format_wait(Duration::hours(23) + Duration::minutes(59)), "23 h 59 m");
    }

    fn state(code: &str) -> Option<UsState> {
        Some(UsState::parse(code).unwrap())
    }

    #[test]
    fn florida_at_half_past_eight_pm_opens_at_eight_am() {
        let window = TextingWindow::parse("07:00", "22:00").unwrap();
        let hours = ContactHours { window, zones: zones(&[NY]), state: state("FL") };
        let now = local(NY, 2026, 12, 2, 20, 30);
        assert_eq!(hours.check(now), WindowCheck::Closed { opens_at: local(NY, 2026, 12, 3, 8, 0) });
        assert_eq!(hours.wait(now).unwrap(), "sending opens at 8:00 am in the contact's time (in 11 h 30 m)");
        // Without the state, the organization's window is still open until 10 pm.
        assert_eq!(check(&window, &zones(&[NY]), now), WindowCheck::Open { closes_at: local(NY, 2026, 12, 2, 22, 0) });
        // The organization's own narrower window still wins: 9 am.
        let default = ContactHours { window: TextingWindow::default(), ..hours.clone() };
        assert_eq!(default.check(now), WindowCheck::Closed { opens_at: local(NY, 2026, 12, 3, 9, 0) });
    }

    #[test]
    fn florida_panhandle_number_in_two_zones() {
        // A Florida contact who may be in Central or Eastern time: 8 pm Eastern closes it.
        let both = zones(&[NY, America::Chicago]);
        let window = TextingWindow::parse("07:00", "22:00").unwrap();
        assert_eq!(
            check_contact(&window, &both, state("FL"), local(NY, 2026, 12, 2, 12, 0)),
            WindowCheck::Open { closes_at: local(NY, 2026, 12, 2, 20, 0) }
        );
    }

    #[test]
    fn texas_sunday_opens_at_noon() {
        let chicago = America::Chicago;
        // Sunday, December 6, 2026, 10:00 in Chicago.
        assert_eq!(
            check_contact(
                &TextingWindow::default(),
                &zones(&[chicago]),
                state("TX"),
                local(chicago, 2026, 12, 6, 10, 0)
            ),
            WindowCheck::Closed { opens_at: local(chicago, 2026, 12, 6, 12, 0) }
        );
    }

    #[test]
    fn rhode_island_saturday_evening_waits_for_monday_or_after_a_holiday() {
        let window = TextingWindow::default();
        // Saturday, December 5, 2026 at 5:30 pm: closed since 5 pm, Sunday closed, Monday 9 am.
        assert_eq!(
            check_contact(&window, &zones(&[NY]), state("RI"), local(NY, 2026, 12, 5, 17, 30)),
            WindowCheck::Closed { opens_at: local(NY, 2026, 12, 7, 9, 0) }
        );
        // Saturday, September 5, 2026: Monday is Labor Day, so Tuesday 9 am.
        assert_eq!(
            check_contact(&window, &zones(&[NY]), state("RI"), local(NY, 2026, 9, 5, 18, 0)),
            WindowCheck::Closed { opens_at: local(NY, 2026, 9, 8, 9, 0) }
        );
        // Thanksgiving for Alabama: closed all day, opens Friday at the organization's 9 am.
        assert_eq!(
            check_contact(
                &window,
                &zones(&[America::Chicago]),
                state("AL"),
                local(America::Chicago, 2026, 11, 26, 12, 0)
            ),
            WindowCheck::Closed { opens_at: local(America::Chicago, 2026, 11, 27, 9, 0) }
        );
    }

    #[test]
    fn no_state_and_states_without_rules_change_nothing() {
        for s in [None, state("IL"), state("NY")] {
            for now in [local(NY, 2026, 12, 6, 10, 0), local(NY, 2026, 12, 25, 20, 30), local(NY, 2026, 3, 8, 9, 0)] {
                assert_eq!(
                    check_contact(&TextingWindow::default(), &zones(&[NY]), s, now),
                    check(&TextingWindow::default(), &zones(&[NY]), now)
                );
            }
        }
    }

    #[test]
    fn florida_on_spring_forward_day() {
        // 2026-03-08: 8:00 EDT is 12:00 UTC (the day before, 8:00 EST was 13:00 UTC).
        let window = TextingWindow::parse("07:00", "22:00").unwrap();
        assert_eq!(
            check_contact(&window, &zones(&[NY]), state("FL"), utc(2026, 3, 8, 6, 0)),
            WindowCheck::Closed { opens_at: utc(2026, 3, 8, 12, 0) }
        );
        assert_eq!(
            check_contact(&window, &zones(&[NY]), state("FL"), utc(2026, 3, 7, 6, 0)),
            WindowCheck::Closed { opens_at: utc(2026, 3, 7, 13, 0) }
        );
    }

    #[test]
    fn contact_hours_from_stored_columns() {
        let zones = vec!["America/New_York".to_string()];
        let window = TextingWindow::default();
        let on = ContactHours::from_stored(window, &zones, true, None, None, "+13052345678");
        assert_eq!(on.state, state("FL"));
        // Turned off by the organization: no state, whatever the contact's.
        let off = ContactHours::from_stored(window, &zones, false, Some("FL"), None, "+13052345678");
        assert_eq!(off.state, None);
        // Bad stored zones count as unknown (the narrowest hours), not as any one zone.
        let unknown = ContactHours::from_stored(window, &["Mars/Base".to_string()], true, Some("RI"), None, "");
        assert_eq!((unknown.zones.is_empty(), unknown.state), (true, state("RI")));
    }

    fn any_zone() -> impl Strategy<Value = Tz> {
        prop::sample::select(vec![
            America::New_York,
            America::Chicago,
            America::Denver,
            America::Phoenix,
            America::Los_Angeles,
            America::Anchorage,
            America::Adak,
            America::St_Johns,
            Pacific::Honolulu,
            Tz::Europe__London,
            Tz::Australia__Lord_Howe,
        ])
    }

    fn any_window() -> impl Strategy<Value = TextingWindow> {
        prop_oneof![
            Just(TextingWindow::default()),
            (0u32..24 * 60, 1u32..24 * 60).prop_filter_map("ends by midnight", |(start, len)| {
                let end = start + len;
                let t = |m: u32| NaiveTime::from_hms_opt(m / 60, m % 60, 0);
                TextingWindow::new(t(start)?, t(end).filter(|_| end < 24 * 60)?).ok()
            }),
        ]
    }

    /// Instants from 2024 to 2027, to any second, so daylight-saving days come up.
    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        (0i64..4 * 365 * 86_400).prop_map(move |s| (from + Duration::seconds(s)).and_utc())
    }

    /// Instants near a US or EU clock change.
    fn instant_near_clock_change() -> impl Strategy<Value = DateTime<Utc>> {
        let changes = vec![
            utc(2025, 3, 9, 7, 0),
            utc(2025, 11, 2, 6, 0),
            utc(2025, 3, 30, 1, 0),
            utc(2025, 10, 26, 1, 0),
            utc(2026, 3, 8, 7, 0),
            utc(2026, 11, 1, 6, 0),
        ];
        (prop::sample::select(changes), -2 * 86_400i64..2 * 86_400)
            .prop_map(|(change, s)| change + Duration::seconds(s))
    }

    /// No state, states with a rule (every kind: hours, Sundays, holidays) and one without.
    fn any_state() -> impl Strategy<Value = Option<UsState>> {
        prop::sample::select(vec![
            None,
            Some("FL"),
            Some("TX"),
            Some("RI"),
            Some("MS"),
            Some("AL"),
            Some("NJ"),
            Some("CT"),
            Some("IL"),
        ])
        .prop_map(|s| s.map(|s| UsState::parse(s).unwrap()))
    }

    /// Instants within two days of a holiday, Sundays and observed days included.
    fn instant_near_holiday() -> impl Strategy<Value = DateTime<Utc>> {
        let days = vec![
            utc(2025, 12, 25, 12, 0),
            utc(2026, 7, 4, 12, 0),   // a Saturday: observed Friday
            utc(2026, 11, 26, 12, 0), // Thanksgiving
            utc(2027, 1, 1, 12, 0),
            utc(2022, 12, 25, 12, 0), // a Sunday: observed Monday
            utc(2026, 8, 10, 12, 0),  // Rhode Island's Victory Day
        ];
        (prop::sample::select(days), -2 * 86_400i64..2 * 86_400).prop_map(|(day, s)| day + Duration::seconds(s))
    }

    /// The definition, checked directly at one instant: the window and the state's hours of
    /// that local day, in every zone.
    fn all_open_in(window: &TextingWindow, zones: &ContactZones, state: Option<UsState>, t: DateTime<Utc>) -> bool {
        let list = if zones.is_empty() { &FALLBACK_ZONES[..] } else { zones.zones() };
        list.iter().all(|&tz| {
            let local = t.with_timezone(&tz).naive_local();
            let state_ok = match state_hours::hours_on(state, local.date()) {
                state_hours::DayHours::Unrestricted => true,
                state_hours::DayHours::Closed => false,
                state_hours::DayHours::Open(start, end) => start <= local.time() && local.time() < end,
            };
            window.contains(tz, t) && state_ok
        })
    }

    fn assert_consistent(
        window: &TextingWindow,
        zones: &ContactZones,
        now: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        assert_consistent_in(window, zones, None, now)
    }

    fn assert_consistent_in(
        window: &TextingWindow,
        zones: &ContactZones,
        state: Option<UsState>,
        now: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let all_open =
            |window: &TextingWindow, zones: &ContactZones, t: DateTime<Utc>| all_open_in(window, zones, state, t);
        let check =
            |window: &TextingWindow, zones: &ContactZones, t: DateTime<Utc>| check_contact(window, zones, state, t);
        // Evenly spaced instants strictly between `now` and `until`.
        let between = |until: DateTime<Utc>| {
            let span = (until - now).num_seconds();
            (1..16).map(move |i| now + Duration::seconds(span * i / 16))
        };
        match check(window, zones, now) {
            WindowCheck::Open { closes_at } => {
                prop_assert!(all_open(window, zones, now));
                prop_assert!(closes_at > now);
                prop_assert!(!all_open(window, zones, closes_at));
                prop_assert!(all_open(window, zones, closes_at - Duration::seconds(1)));
                for t in between(closes_at) {
                    prop_assert!(all_open(window, zones, t), "closed at {} before {}", t, closes_at);
                }
            }
            WindowCheck::Closed { opens_at } => {
                prop_assert!(!all_open(window, zones, now));
                prop_assert!(opens_at > now);
                let then_open = matches!(check(window, zones, opens_at), WindowCheck::Open { .. });
                prop_assert!(then_open);
                prop_assert!(!all_open(window, zones, opens_at - Duration::seconds(1)));
                for t in between(opens_at) {
                    prop_assert!(!all_open(window, zones, t), "open at {} before {}", t, opens_at);
                }
            }
            WindowCheck::Never => {
                for minutes in (0..3 * 24 * 60).step_by(7) {
                    prop_assert!(!all_open(window, zones, now + Duration::minutes(minutes)));
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn check_is_consistent(
            window in any_window(),
            list in prop::collection::vec(any_zone(), 0..4),
            now in any_instant(),
        ) {
            assert_consistent(&window, &zones(&list), now)?;
        }

        #[test]
        fn check_is_consistent_around_clock_changes(
            window in any_window(),
            list in prop::collection::vec(any_zone(), 0..3),
            now in instant_near_clock_change(),
        ) {
            assert_consistent(&window, &zones(&list), now)?;
        }

        #[test]
        fn check_contact_is_consistent_with_state_rules(
            window in any_window(),
            list in prop::collection::vec(any_zone(), 0..3),
            state in any_state(),
            now in prop_oneof![any_instant(), instant_near_clock_change(), instant_near_holiday()],
        ) {
            assert_consistent_in(&window, &zones(&list), state, now)?;
        }

        #[test]
        fn state_rules_only_ever_narrow_the_window(
            window in any_window(),
            list in prop::collection::vec(any_zone(), 0..3),
            state in any_state(),
            now in prop_oneof![any_instant(), instant_near_holiday()],
        ) {
            // Open with the state's rule implies open without it; never the other way round.
            let with_state = check_contact(&window, &zones(&list), state, now);
            let without = check(&window, &zones(&list), now);
            let open = |c: &WindowCheck| matches!(c, WindowCheck::Open { .. });
            prop_assert!(!open(&with_state) || open(&without), "{:?} but {:?}", with_state, without);
        }

        #[test]
        fn default_window_always_opens_for_us_zones(
            list in prop::collection::vec(
                any_zone().prop_filter("US", |tz| {
                    tz.name().starts_with("America/") && *tz != America::St_Johns
                }),
                0..3,
            ),
            now in any_instant(),
        ) {
            prop_assert_ne!(default_check(&list, now), WindowCheck::Never);
        }
    }
}
