//! The states whose telephone-solicitation laws narrow the hours or days a contact there may be
//! texted, as a table versioned by effective date.
//!
//! Several of these acts exempt political or nonprofit messages, or speak only of "sales"
//! calls; whether a P2P text from a campaign is covered is unclear in most of them. We apply the
//! stricter reading: every rule holds for every organization unless it turns state rules off
//! in Settings → Texting, which records who acknowledged it and when. Where sources disagreed,
//! the narrower hours are used. The hours are the contact's local time, in every zone the
//! contact may be in (`texting_window::check_contact`).
//!
//! Not legal advice: each row cites its source; README.md ("State texting hours") has the
//! same table. A change in the law is a new row with its effective date, so texts sent before
//! it are still judged by the rule of their day.

use super::us_states::UsState;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// When this table was last checked against its sources.
pub const RULES_CHECKED: &str = "2026-12-01";

/// The hours of one kind of day, as minutes after local midnight, `[start, end)`; `None` is a
/// day on which no text may be sent.
type Hours = Option<(u16, u16)>;

const fn h(start: u16, end: u16) -> Hours {
    Some((start * 60, end * 60))
}

/// One state's rule from its effective date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRule {
    pub state: &'static str,
    /// The first day (in the contact's local time) the rule applies; (year, month, day).
    pub effective: (i32, u32, u32),
    pub weekdays: Hours,
    pub saturday: Hours,
    pub sunday: Hours,
    /// No texts on the holidays of `holidays` (and the days they are observed).
    pub holidays: &'static [Holiday],
    /// The statute (or, marked so, the secondary source) the row comes from.
    pub source: &'static str,
}

impl StateRule {
    fn effective_date(&self) -> NaiveDate {
        let (y, m, d) = self.effective;
        NaiveDate::from_ymd_opt(y, m, d).expect("valid effective date in STATE_RULES")
    }

    /// The hours on `day`, holidays included.
    pub fn hours_on(&self, day: NaiveDate) -> Hours {
        if self.holidays.iter().any(|holiday| holiday.falls_on(day)) {
            return None;
        }
        match day.weekday() {
            Weekday::Sat => self.saturday,
            Weekday::Sun => self.sunday,
            _ => self.weekdays,
        }
    }
}

/// A legal holiday, computed for any year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    NewYearsDay,
    MartinLutherKingDay,
    WashingtonsBirthday,
    RhodeIslandIndependenceDay,
    MemorialDay,
    IndependenceDay,
    VictoryDay,
    LaborDay,
    ColumbusDay,
    VeteransDay,
    Thanksgiving,
    Christmas,
}

/// The federal legal public holidays that fall on a fixed date or weekday which the states
/// below also keep (5 U.S.C. 6103(a)).
const COMMON_HOLIDAYS: &[Holiday] = &[
    Holiday::NewYearsDay,
    Holiday::MemorialDay,
    Holiday::IndependenceDay,
    Holiday::LaborDay,
    Holiday::Thanksgiving,
    Holiday::Christmas,
];

/// Rhode Island's general holidays (R.I. Gen. Laws 25-1-1), less Sundays (closed anyway) and
/// election day (not computed; RI's hours already close at 6 pm).
const RHODE_ISLAND_HOLIDAYS: &[Holiday] = &[
    Holiday::NewYearsDay,
    Holiday::MartinLutherKingDay,
    Holiday::WashingtonsBirthday,
    Holiday::RhodeIslandIndependenceDay,
    Holiday::MemorialDay,
    Holiday::IndependenceDay,
    Holiday::VictoryDay,
    Holiday::LaborDay,
    Holiday::ColumbusDay,
    Holiday::VeteransDay,
    Holiday::Thanksgiving,
    Holiday::Christmas,
];

/// The `n`th (1-based) `weekday` of `month`; `n = 0` for the last.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    if n == 0 {
        let next_month = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        let mut day = NaiveDate::from_ymd_opt(next_month.0, next_month.1, 1)?.pred_opt()?;
        while day.weekday() != weekday {
            day = day.pred_opt()?;
        }
        return Some(day);
    }
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

impl Holiday {
    /// The holiday's own date in `year`.
    pub fn date(self, year: i32) -> Option<NaiveDate> {
        let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d);
        match self {
            Holiday::NewYearsDay => fixed(1, 1),
            Holiday::MartinLutherKingDay => nth_weekday(year, 1, Weekday::Mon, 3),
            Holiday::WashingtonsBirthday => nth_weekday(year, 2, Weekday::Mon, 3),
            Holiday::RhodeIslandIndependenceDay => fixed(5, 4),
            Holiday::MemorialDay => nth_weekday(year, 5, Weekday::Mon, 0),
            Holiday::IndependenceDay => fixed(7, 4),
            Holiday::VictoryDay => nth_weekday(year, 8, Weekday::Mon, 2),
            Holiday::LaborDay => nth_weekday(year, 9, Weekday::Mon, 1),
            Holiday::ColumbusDay => nth_weekday(year, 10, Weekday::Mon, 2),
            Holiday::VeteransDay => fixed(11, 11),
            Holiday::Thanksgiving => nth_weekday(year, 11, Weekday::Thu, 4),
            Holiday::Christmas => fixed(12, 25),
        }
    }

    /// Whether `day` is the holiday or the day it is observed: a Saturday holiday is observed
    /// the Friday before, a Sunday one the Monday after (5 U.S.C. 6103(b); R.I. Gen. Laws
    /// 25-1-1 moves a Sunday holiday to Monday). Both days count, the stricter reading.
    pub fn falls_on(self, day: NaiveDate) -> bool {
        // New Year's Day on a Saturday is observed on December 31 of the year before.
        [day.year(), day.year() + 1].into_iter().filter_map(|year| self.date(year)).any(|date| {
            let observed = match date.weekday() {
                Weekday::Sat => date.pred_opt(),
                Weekday::Sun => date.succ_opt(),
                _ => None,
            };
            date == day || observed == Some(day)
        })
    }
}

/// The table. Rows for one state are in order of effective date; the latest one in effect on a
/// day applies, and a state with no row in effect has no rule of its own.
pub const STATE_RULES: &[StateRule] = &[
    StateRule {
        state: "AL",
        effective: (2000, 1, 1),
        weekdays: h(8, 20),
        saturday: h(8, 20),
        sunday: None,
        holidays: COMMON_HOLIDAYS,
        source: "Ala. Admin. Code r. 770-X-3 (Public Service Commission telephone solicitation rules); \
                 secondary source: ClickPoint, Telemarketing Calling Restrictions & Hours by State (July 2025); verify",
    },
    StateRule {
        state: "CT",
        effective: (2023, 10, 1),
        weekdays: h(9, 20),
        saturday: h(9, 20),
        sunday: h(9, 20),
        holidays: &[],
        // Secondary charts say 9 am-9 pm; the narrower 8 pm end is used until checked.
        source: "Conn. Gen. Stat. 42-288a, as amended by P.A. 23-98 (9 am-8 pm)",
    },
    StateRule {
        state: "FL",
        effective: (1990, 1, 1),
        weekdays: h(8, 21),
        saturday: h(8, 21),
        sunday: h(8, 21),
        holidays: &[],
        source: "Fla. Stat. 501.059 before Laws of Fla. ch. 2021-185 (8 am-9 pm)",
    },
    StateRule {
        state: "FL",
        effective: (2021, 7, 1),
        weekdays: h(8, 20),
        saturday: h(8, 20),
        sunday: h(8, 20),
        holidays: &[],
        source: "Fla. Stat. 501.059(8)(a) and 501.616(6)(a), as amended by Laws of Fla. ch. 2021-185 (SB 1120)",
    },
    StateRule {
        state: "LA",
        effective: (2000, 1, 1),
        weekdays: h(8, 20),
        saturday: h(8, 20),
        sunday: None,
        holidays: COMMON_HOLIDAYS,
        source: "La. R.S. 45:844.11 et seq. and Louisiana PSC do-not-call rules; secondary source: ClickPoint, \
                 Telemarketing Calling Restrictions & Hours by State (July 2025); verify",
    },
    StateRule {
        state: "MD",
        effective: (2024, 1, 1),
        weekdays: h(8, 20),
        saturday: h(8, 20),
        sunday: h(8, 20),
        holidays: &[],
        source: "Md. Code, Com. Law 14-4502 (Stop the Spam Calls Act of 2023, SB 90, in force 2024-01-01)",
    },
    StateRule {
        state: "MS",
        effective: (2000, 1, 1),
        weekdays: h(8, 21),
        saturday: h(8, 21),
        sunday: None,
        holidays: &[],
        source: "Miss. Code 77-3-723(1) (no Sunday solicitations) and 77-3-603(a) (8 am-9 pm)",
    },
    StateRule {
        state: "NJ",
        effective: (2003, 1, 1),
        weekdays: h(8, 21),
        saturday: h(8, 21),
        sunday: h(8, 21),
        holidays: &[],
        source: "N.J. Stat. 56:8-128(d) (not between 9 pm and 8 am)",
    },
    StateRule {
        state: "OK",
        effective: (2000, 1, 1),
        weekdays: h(8, 21),
        saturday: h(8, 21),
        sunday: h(8, 21),
        holidays: &[],
        source: "Okla. Stat. tit. 15, 775A (8 am-9 pm) before the Telephone Solicitation Act of 2022",
    },
    StateRule {
        state: "OK",
        effective: (2022, 11, 1),
        weekdays: h(8, 20),
        saturday: h(8, 20),
        sunday: h(8, 20),
        holidays: &[],
        source: "Okla. Stat. tit. 15, 775C.4 (Telephone Solicitation Act of 2022, in force 2022-11-01)",
    },
    StateRule {
        state: "RI",
        effective: (1999, 7, 1),
        weekdays: h(9, 18),
        saturday: h(10, 17),
        sunday: None,
        holidays: RHODE_ISLAND_HOLIDAYS,
        source: "R.I. Gen. Laws 5-61-3.6 and 5-61-2 (\"hours of operation\"); holidays per 25-1-1",
    },
    StateRule {
        state: "TX",
        effective: (2009, 4, 1),
        weekdays: h(9, 21),
        saturday: h(9, 21),
        sunday: h(12, 21),
        holidays: &[],
        source: "Tex. Bus. & Com. Code 301.051 (9 am-9 pm; Sunday noon-9 pm)",
    },
];

/// The rule in effect for `state` on `day`, if the state has one.
pub fn rule_for(state: UsState, day: NaiveDate) -> Option<&'static StateRule> {
    STATE_RULES.iter().filter(|r| r.state == state.as_str() && r.effective_date() <= day).last()
}

/// What the state allows on a local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayHours {
    /// The state sets no hours of its own (or the contact's state is unknown).
    Unrestricted,
    Open(NaiveTime, NaiveTime),
    Closed,
}

pub fn hours_on(state: Option<UsState>, day: NaiveDate) -> DayHours {
    let Some(rule) = state.and_then(|s| rule_for(s, day)) else {
        return DayHours::Unrestricted;
    };
    match rule.hours_on(day) {
        None => DayHours::Closed,
        Some((start, end)) => {
            let time = |m: u16| NaiveTime::from_hms_opt(u32::from(m / 60), u32::from(m % 60), 0).expect("valid");
            DayHours::Open(time(start), time(end))
        }
    }
}

/// Whether the state's rule allows a text at `instant` for a contact whose clock reads `tz`.
pub fn allows(state: Option<UsState>, tz: Tz, instant: DateTime<Utc>) -> bool {
    if state.is_none() {
        return true;
    }
    let local = instant.with_timezone(&tz).naive_local();
    match hours_on(state, local.date()) {
        DayHours::Unrestricted => true,
        DayHours::Closed => false,
        DayHours::Open(start, end) => start <= local.time() && local.time() < end,
    }
}

/// The local times on `day` at which the state's answer can change: its opening and closing
/// times, and midnight (where one day's rule gives way to the next).
pub fn change_times(state: Option<UsState>, day: NaiveDate) -> Vec<NaiveTime> {
    if state.is_none() {
        return Vec::new();
    }
    let mut times = vec![NaiveTime::MIN];
    if let DayHours::Open(start, end) = hours_on(state, day) {
        times.extend([start, end]);
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn st(code: &str) -> Option<UsState> {
        Some(UsState::parse(code).unwrap())
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn every_row_is_well_formed() {
        for rule in STATE_RULES {
            assert!(UsState::parse(rule.state).is_ok(), "{}", rule.state);
            let _ = rule.effective_date();
            for hours in [rule.weekdays, rule.saturday, rule.sunday].into_iter().flatten() {
                assert!(hours.0 < hours.1 && hours.1 < 24 * 60, "{}: {hours:?}", rule.state);
            }
            assert!(!rule.source.is_empty());
        }
        // Rows of one state are in order of effective date, so `last()` is the newest in force.
        for pair in STATE_RULES.windows(2).filter(|w| w[0].state == w[1].state) {
            assert!(pair[0].effective_date() < pair[1].effective_date(), "{}", pair[0].state);
        }
    }

    #[test]
    fn holidays_by_year() {
        assert_eq!(Holiday::MemorialDay.date(2026), Some(d(2026, 5, 25)));
        assert_eq!(Holiday::LaborDay.date(2026), Some(d(2026, 9, 7)));
        assert_eq!(Holiday::Thanksgiving.date(2026), Some(d(2026, 11, 26)));
        assert_eq!(Holiday::Thanksgiving.date(2025), Some(d(2025, 11, 27)));
        assert_eq!(Holiday::VictoryDay.date(2026), Some(d(2026, 8, 10)));
        assert_eq!(Holiday::MartinLutherKingDay.date(2027), Some(d(2027, 1, 18)));
        // July 4, 2026 is a Saturday: Friday July 3 is the observed day, and both are holidays.
        assert!(Holiday::IndependenceDay.falls_on(d(2026, 7, 3)));
        assert!(Holiday::IndependenceDay.falls_on(d(2026, 7, 4)));
        assert!(!Holiday::IndependenceDay.falls_on(d(2026, 7, 6)));
        // Christmas 2022 was a Sunday: Monday the 26th too.
        assert!(Holiday::Christmas.falls_on(d(2022, 12, 26)));
        // New Year's Day 2022 was a Saturday: observed Friday, December 31, 2021.
        assert!(Holiday::NewYearsDay.falls_on(d(2021, 12, 31)));
        assert!(!Holiday::NewYearsDay.falls_on(d(2022, 12, 31)));
    }

    #[test]
    fn rules_by_state_and_day() {
        // Florida: 8 am-8 pm since July 2021, 9 pm before.
        assert_eq!(hours_on(st("FL"), d(2026, 12, 2)), DayHours::Open(t(8, 0), t(20, 0)));
        assert_eq!(hours_on(st("FL"), d(2021, 6, 30)), DayHours::Open(t(8, 0), t(21, 0)));
        // Maryland had no rule of its own before 2024.
        assert_eq!(hours_on(st("MD"), d(2023, 12, 31)), DayHours::Unrestricted);
        assert_eq!(hours_on(st("MD"), d(2024, 1, 1)), DayHours::Open(t(8, 0), t(20, 0)));
        // Texas Sunday from noon.
        assert_eq!(hours_on(st("TX"), d(2026, 12, 6)), DayHours::Open(t(12, 0), t(21, 0)));
        assert_eq!(hours_on(st("TX"), d(2026, 12, 5)), DayHours::Open(t(9, 0), t(21, 0)));
        // Rhode Island: weekdays, Saturdays, no Sundays, no holidays.
        assert_eq!(hours_on(st("RI"), d(2026, 12, 4)), DayHours::Open(t(9, 0), t(18, 0)));
        assert_eq!(hours_on(st("RI"), d(2026, 12, 5)), DayHours::Open(t(10, 0), t(17, 0)));
        assert_eq!(hours_on(st("RI"), d(2026, 12, 6)), DayHours::Closed);
        assert_eq!(hours_on(st("RI"), d(2026, 11, 26)), DayHours::Closed);
        assert_eq!(hours_on(st("RI"), d(2026, 8, 10)), DayHours::Closed);
        // Mississippi: no Sundays.
        assert_eq!(hours_on(st("MS"), d(2026, 12, 6)), DayHours::Closed);
        // States without a rule, and no state at all.
        assert_eq!(hours_on(st("IL"), d(2026, 12, 6)), DayHours::Unrestricted);
        assert_eq!(hours_on(None, d(2026, 12, 6)), DayHours::Unrestricted);
        // Alabama on Thanksgiving.
        assert_eq!(hours_on(st("AL"), d(2026, 11, 26)), DayHours::Closed);
    }

    #[test]
    fn allows_in_the_contacts_own_time() {
        let ny = Tz::America__New_York;
        let at = |h, m| ny.from_local_datetime(&d(2026, 12, 2).and_time(t(h, m))).unwrap().with_timezone(&Utc);
        assert!(allows(st("FL"), ny, at(19, 59)));
        assert!(!allows(st("FL"), ny, at(20, 0)));
        assert!(!allows(st("FL"), ny, at(7, 59)));
        assert!(allows(st("IL"), ny, at(23, 0)));
        assert!(allows(None, ny, at(3, 0)));
    }
}
