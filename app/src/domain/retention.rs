//! How long an organization keeps the contacts, messages and reports of its closed actions.
//! Off by default (kept). Opt-outs are never subject to it: they are obligations to the people
//! who asked, not data to forget.

/// The fewest and most days a retention period may have (migrations/0035 checks the same).
/// A month at least, so an action's data is not gone before anyone has exported its results.
pub const MIN_RETENTION_DAYS: i32 = 30;
/// Ten years: beyond that "keep" is the honest setting.
pub const MAX_RETENTION_DAYS: i32 = 3650;

/// Delete an action's data this many days after it closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RetentionDays(i32);

impl RetentionDays {
    /// An empty box means "keep" (`None`); otherwise a whole number of days in range.
    pub fn parse(raw: &str) -> Result<Option<RetentionDays>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let out_of_range = || {
            format!("Keep data between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS} days, or leave the box empty to keep it.")
        };
        let days: i64 = raw.parse().map_err(|_| {
            if raw.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) {
                out_of_range()
            } else {
                format!("Enter a whole number of days (like 365), not \"{raw}\".")
            }
        })?;
        if !(MIN_RETENTION_DAYS as i64..=MAX_RETENTION_DAYS as i64).contains(&days) {
            return Err(out_of_range());
        }
        Ok(Some(RetentionDays(days as i32)))
    }

    /// A stored value (the database checks the same range).
    pub fn from_stored(days: Option<i32>) -> Option<RetentionDays> {
        days.filter(|d| (MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(d)).map(RetentionDays)
    }

    pub fn days(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_means_keep_and_the_bounds_are_inclusive() {
        assert_eq!(RetentionDays::parse("").unwrap(), None);
        assert_eq!(RetentionDays::parse("  ").unwrap(), None);
        assert_eq!(RetentionDays::parse("30").unwrap().unwrap().days(), 30);
        assert_eq!(RetentionDays::parse(" 3650 ").unwrap().unwrap().days(), 3650);
    }

    #[test]
    fn out_of_range_and_non_numbers_say_what_is_wrong() {
        for raw in ["29", "3651", "0", "-5", "99999999999999999999"] {
            let err = RetentionDays::parse(raw).unwrap_err();
            assert!(err.contains("between 30 and 3650 days"), "{raw}: {err}");
        }
        let err = RetentionDays::parse("a year").unwrap_err();
        assert!(err.contains("whole number"), "{err}");
        assert!(RetentionDays::parse("36.5").is_err());
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_the_range(days in -10_000i64..10_000) {
            let parsed = RetentionDays::parse(&days.to_string());
            prop_assert_eq!(parsed.is_ok(), (30..=3650).contains(&days));
            if let Ok(Some(d)) = parsed {
                prop_assert_eq!(d.days() as i64, days);
                prop_assert_eq!(RetentionDays::from_stored(Some(d.days())), Some(d));
            }
        }
    }
}
