-- Inbound texts are stored as Twilio posted them before anything else happens: Twilio does not
-- retry a failed inbound SMS webhook ("for an error retrieving a SMS Request URL, an error is
-- logged and nothing more is done", Twilio, "A Hidden Gem: Fallback URLs"), so a STOP that met
-- a 500 would be gone. The webhook inserts the row (its own small statement, idempotent by
-- MessageSid), answers Twilio, then processes it; rows a crash left unprocessed are picked up
-- at startup and by a periodic pass, and the inbound sweep (server/src/inbound_sweep.rs) adds
-- the ones that never reached us at all, listed from Twilio's REST API.
create table inbound_requests (
    twilio_sid   text primary key,
    -- Every form field as posted (names and values in order), so nothing Twilio sent is lost.
    param_names  text[] not null,
    param_values text[] not null,
    -- 'webhook', or 'sweep' for a message found by listing the carrier's messages.
    source       text not null check (source in ('webhook', 'sweep')),
    received_at  timestamptz not null default now(),
    processed_at timestamptz,
    -- Why the last processing attempt failed (kept for the operator; retried later).
    last_error   text,
    check (cardinality(param_names) = cardinality(param_values))
);
create index inbound_requests_pending_idx on inbound_requests (received_at) where processed_at is null;

-- How far the inbound sweep has looked, per number we receive on: the start of the last pass
-- that finished for it.
create table inbound_sweeps (
    phone        text primary key,
    swept_from   timestamptz not null
);
