//! A P2P action's lifecycle: draft → scheduled → published ⇄ paused → closed. Closed is final
//! (duplicate the action to run it again). The same rules run in the browser (which buttons to
//! offer) and on the server (which changes to accept).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "action_status", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum ActionStatus {
    Draft,
    Scheduled,
    Published,
    Paused,
    Closed,
}

/// Something an admin (or the clock) does to an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transition {
    /// Go live at a later moment.
    Schedule,
    /// Back to draft before a scheduled start.
    Unschedule,
    /// Go live now (also what the clock does to a scheduled action at its time).
    Publish,
    Pause,
    Resume,
    Close,
}

/// Actions run for 15 days after going live unless told otherwise, and never more than 30.
pub const DEFAULT_RUN_DAYS: i64 = 15;
pub const MAX_RUN_DAYS: i64 = 30;

impl ActionStatus {
    pub const ALL: [ActionStatus; 5] = [
        ActionStatus::Draft,
        ActionStatus::Scheduled,
        ActionStatus::Published,
        ActionStatus::Paused,
        ActionStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Draft => "draft",
            ActionStatus::Scheduled => "scheduled",
            ActionStatus::Published => "published",
            ActionStatus::Paused => "paused",
            ActionStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Draft => "Draft",
            ActionStatus::Scheduled => "Scheduled",
            ActionStatus::Published => "Published",
            ActionStatus::Paused => "Paused",
            ActionStatus::Closed => "Closed",
        }
    }

    /// The status after `t`, or why `t` is not possible now.
    pub fn apply(self, t: Transition) -> Result<ActionStatus, String> {
        use ActionStatus::*;
        use Transition::*;
        match (self, t) {
            (Draft, Schedule) | (Scheduled, Schedule) => Ok(Scheduled),
            (Scheduled, Unschedule) => Ok(Draft),
            (Draft, Publish) | (Scheduled, Publish) => Ok(Published),
            (Published, Pause) => Ok(Paused),
            (Paused, Resume) => Ok(Published),
            (Draft | Scheduled | Published | Paused, Close) => Ok(Closed),
            (Closed, _) => Err("This action is closed and cannot be reopened. Duplicate it to run it again.".into()),
            (from, t) => Err(format!("A {} action cannot be {}.", from.as_str(), t.past_tense())),
        }
    }

    /// Whether the action's content may be edited: a live action must be paused first, so
    /// volunteers never send from a script that is changing under them.
    pub fn editable(self) -> bool {
        matches!(self, ActionStatus::Draft | ActionStatus::Scheduled | ActionStatus::Paused)
    }

    /// Whether volunteers may send in it.
    pub fn accepts_sends(self) -> bool {
        self == ActionStatus::Published
    }

    /// The transitions an admin can choose from here, for the buttons the page shows.
    pub fn choices(self) -> Vec<Transition> {
        [
            Transition::Publish,
            Transition::Schedule,
            Transition::Unschedule,
            Transition::Pause,
            Transition::Resume,
            Transition::Close,
        ]
        .into_iter()
        .filter(|t| self.apply(*t).is_ok())
        .collect()
    }
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Schedule => "schedule",
            Transition::Unschedule => "unschedule",
            Transition::Publish => "publish",
            Transition::Pause => "pause",
            Transition::Resume => "resume",
            Transition::Close => "close",
        }
    }

    pub fn parse(raw: &str) -> Option<Transition> {
        [
            Transition::Schedule,
            Transition::Unschedule,
            Transition::Publish,
            Transition::Pause,
            Transition::Resume,
            Transition::Close,
        ]
        .into_iter()
        .find(|t| t.as_str() == raw)
    }

    fn past_tense(self) -> &'static str {
        match self {
            Transition::Schedule => "scheduled",
            Transition::Unschedule => "unscheduled",
            Transition::Publish => "published",
            Transition::Pause => "paused",
            Transition::Resume => "resumed",
            Transition::Close => "closed",
        }
    }
}

/// When an action going live at `live_at` ends: `requested`, or 15 days later by default; it
/// must be after going live and at most 30 days later.
pub fn end_time(live_at: DateTime<Utc>, requested: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, String> {
    let end = requested.unwrap_or(live_at + Duration::days(DEFAULT_RUN_DAYS));
    if end <= live_at {
        return Err("The end must be after the action goes live.".into());
    }
    if end > live_at + Duration::days(MAX_RUN_DAYS) {
        return Err(format!("An action runs for at most {MAX_RUN_DAYS} days after it goes live."));
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path() {
        let s = ActionStatus::Draft;
        let s = s.apply(Transition::Schedule).unwrap();
        assert_eq!(s, ActionStatus::Scheduled);
        let s = s.apply(Transition::Publish).unwrap();
        let s = s.apply(Transition::Pause).unwrap();
        assert!(s.editable());
        let s = s.apply(Transition::Resume).unwrap();
        assert!(s.accepts_sends() && !s.editable());
        assert_eq!(s.apply(Transition::Close).unwrap(), ActionStatus::Closed);
    }

    #[test]
    fn illegal_transitions_say_why() {
        use ActionStatus::*;
        use Transition::*;
        for (from, t) in [
            (Draft, Pause),
            (Draft, Resume),
            (Published, Publish),
            (Published, Schedule),
            (Paused, Pause),
            (Scheduled, Resume),
            (Published, Unschedule),
        ] {
            let err = from.apply(t).unwrap_err();
            assert!(err.starts_with("A "), "{from:?} {t:?}: {err}");
        }
        for t in [Schedule, Unschedule, Publish, Pause, Resume, Close] {
            assert!(Closed.apply(t).unwrap_err().contains("cannot be reopened"));
        }
        assert!(Closed.choices().is_empty());
        assert_eq!(Published.choices(), vec![Pause, Close]);
    }

    #[test]
    fn run_length_rules() {
        let live = DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(end_time(live, None).unwrap(), live + Duration::days(15));
        assert!(end_time(live, Some(live + Duration::days(31))).is_err());
        assert!(end_time(live, Some(live - Duration::hours(1))).is_err());
        assert!(end_time(live, Some(live + Duration::days(30))).is_ok());
    }

    proptest! {
        #[test]
        fn nothing_leaves_closed_and_parse_round_trips(steps in proptest::collection::vec(0usize..6, 0..20)) {
            let all = [Transition::Schedule, Transition::Unschedule, Transition::Publish, Transition::Pause, Transition::Resume, Transition::Close];
            let mut s = ActionStatus::Draft;
            let mut closed = false;
            for i in steps {
                if let Ok(next) = s.apply(all[i]) {
                    prop_assert!(!closed, "left closed");
                    s = next;
                }
                closed |= s == ActionStatus::Closed;
                prop_assert_eq!(ActionStatus::parse(s.as_str()), Some(s));
            }
        }
    }
}
