-- Supervision (an admin's view of every conversation in the organization) and the CSV exports
-- of an action.

-- Supervision lists texted conversations newest activity first, 50 at a time, by keyset on
-- (activity, id): across the organization, or within one action.
create index conversations_activity_idx on conversations
    (organization_id, (greatest(last_inbound_at, last_outbound_at)) desc, id desc)
    where initial_sent_at is not null;
create index conversations_action_activity_idx on conversations
    (action_id, (greatest(last_inbound_at, last_outbound_at)) desc, id desc)
    where initial_sent_at is not null;

-- The exports walk an action's conversations in id order, a page at a time (the claim pool's
-- index covers only unassigned, unsent ones).
create index conversations_action_idx on conversations (action_id, id);
