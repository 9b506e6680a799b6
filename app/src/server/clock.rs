//! The moment the texting rules are judged at: when a press is allowed, what the texting screen
//! says about a closed window, when the outbox may still send.
//!
//! In production this is the system clock and nothing else. The end-to-end tests need to see
//! the texting screen at a chosen local hour ("sending opens at 8:00 am" for a Florida contact at
//! 8:30 pm), which no real clock gives on demand, so the server started with the carrier
//! simulator *and* `P2P_TEST_CLOCK=1` lets `/_test/clock` move this clock. With Twilio
//! credentials the server refuses to start with that variable (see `server/src/main.rs`), so a
//! real texting day can never be judged at a fake hour.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

static OFFSET_MS: AtomicI64 = AtomicI64::new(0);
static MOVABLE: AtomicBool = AtomicBool::new(false);

/// Now, as the texting rules see it.
pub fn now() -> DateTime<Utc> {
    Utc::now() + Duration::milliseconds(OFFSET_MS.load(Ordering::Relaxed))
}

/// Lets [`move_to`] and [`reset`] act; called once at startup, only with the simulator.
pub fn allow_moving() {
    MOVABLE.store(true, Ordering::Relaxed);
}

pub fn is_movable() -> bool {
    MOVABLE.load(Ordering::Relaxed)
}

/// From here on the clock reads `at` (and keeps running from there). False, and nothing
/// changes, unless [`allow_moving`] was called.
pub fn move_to(at: DateTime<Utc>) -> bool {
    if !is_movable() {
        return false;
    }
    OFFSET_MS.store((at - Utc::now()).num_milliseconds(), Ordering::Relaxed);
    true
}

/// Back to the system clock.
pub fn reset() {
    OFFSET_MS.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_only_once_allowed_and_resets_to_the_system_clock() {
        let target = DateTime::parse_from_rfc3339("2027-01-15T01:30:00Z").unwrap().with_timezone(&Utc);
        assert!(!move_to(target));
        assert!((now() - Utc::now()).num_seconds().abs() < 2);
        allow_moving();
        assert!(move_to(target));
        assert!((now() - target).num_seconds().abs() < 2, "{}", now());
        reset();
        assert!((now() - Utc::now()).num_seconds().abs() < 2);
    }
}
