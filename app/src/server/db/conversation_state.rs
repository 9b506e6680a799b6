//! The states of a conversation as SQL over `conversations c`, defined once for every query
//! that asks (inbox, supervision, results, assignment, exports).

macro_rules! opted_out {
    () => {
        "exists (select 1 from opt_outs o where o.organization_id = c.organization_id and o.phone = c.contact_phone)"
    };
}

/// The conversation's number opted out of the organization.
pub(crate) const OPTED_OUT: &str = opted_out!();

/// The conversation's number must never be texted: opted out, or the carrier said it cannot
/// receive texts (`phone_undeliverable`, migrations/0020_carrier_errors.sql).
pub(crate) const NEVER_TEXT: &str =
    concat!("(", opted_out!(), " or phone_undeliverable(c.organization_id, c.contact_phone))");

/// The contact wrote since the volunteer last opened the thread.
pub(crate) const UNREAD: &str =
    "(c.last_inbound_at is not null and c.last_inbound_at > coalesce(c.read_at, '-infinity'))";

/// The contact wrote last and has had neither a reply nor a report since. Never null (a
/// conversation nobody answered yet has no `last_inbound_at`). Together with `archived_at is
/// null` it implies the predicate of `conversations_pending_idx`, so the planner can read that
/// index.
pub(crate) const AWAITING_ANSWER: &str = "(c.last_inbound_at is not null
    and c.last_inbound_at > coalesce(c.last_outbound_at, '-infinity'::timestamptz)
    and c.last_inbound_at > coalesce(c.last_report_at, '-infinity'::timestamptz))";

/// Needs the volunteer's attention: awaiting an answer, and the number has not opted out
/// (archiving is the caller's filter).
pub(crate) fn needs_attention() -> String {
    format!("({AWAITING_ANSWER} and not {OPTED_OUT})")
}
