-- One order of message statuses, derived from Twilio's documented lifecycle (twilio-oai
-- twilio_api_v2010.json, message_enum_status; "Message resource", Message Status values):
-- scheduled -> accepted -> queued -> sending -> sent -> delivered -> read, with failed,
-- undelivered and canceled as the ways out. A status is recorded only over one of lower rank
-- (callbacks arrive late, twice and out of order). Where 0004 disagreed with itself:
-- - a late "undelivered" from one hop no longer overwrites "delivered": a delivery receipt is
--   the handset's word, a failure report is not (failures rank below delivered);
-- - "read" (a handset's read receipt) now replaces "delivered";
-- - "partially_delivered" (some segments arrived) is recorded, above the failures and below
--   delivered;
-- - "canceled" (a scheduled message withdrawn before it went) is a failure everywhere, through
--   message_status_failed below.
-- server/src/twilio/mod.rs keeps no order of its own; server/tests/api/carrier_status.rs walks
-- every pair of statuses through the real webhook.
create or replace function message_status_rank(status text) returns integer
language sql immutable as $$
    select case status
        when 'scheduled' then 1
        when 'accepted' then 2
        when 'queued' then 3 when 'receiving' then 3
        when 'sending' then 4
        when 'sent' then 5
        when 'failed' then 6 when 'undelivered' then 6 when 'canceled' then 6
        when 'partially_delivered' then 7
        when 'delivered' then 8 when 'received' then 8
        when 'read' then 9
        else 0 end
$$;

-- The one definition of "this message reached nobody".
create function message_status_failed(status text) returns boolean
language sql immutable as $$
    select status in ('failed', 'undelivered', 'canceled')
$$;

-- Results count canceled messages among the errors too (0009 left them out).
create or replace function message_status_bucket(status text, error_code integer) returns text
language sql immutable as $$
    select case
        when status in ('delivered', 'read') then 'delivered'
        when message_status_failed(status) then 'error:' || coalesce(error_code::text, '')
    end
$$;

-- A Messaging Service send is answered with from = null: the service picks the number later,
-- and the status callback's From says which (twilio-oai twilio_api_v2010.json, Message
-- `from`). A callback that arrives before the send's SID is recorded keeps that From too.
alter table parked_statuses add column from_phone text;
