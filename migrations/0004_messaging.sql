-- Conversations (a contact in an action, assigned to a volunteer) and their messages. Outbound
-- messages are the outbox: a send records the message as queued in the same transaction that
-- checks every guard, and workers deliver it.

create table conversations (
    id               bigint generated always as identity primary key,
    organization_id  uuid not null references organizations (id) on delete cascade,
    action_id        uuid not null references actions (id) on delete cascade,
    contact_id       bigint not null references contacts (id) on delete cascade,
    volunteer_id     uuid references users (id) on delete set null,
    contact_phone    text not null,
    -- The number this contact is texted from; kept so replies find the conversation and the
    -- contact always hears from the same number.
    sender_phone     text,
    assigned_at      timestamptz not null default now(),
    initial_sent_at  timestamptz,
    last_outbound_at timestamptz,
    last_inbound_at  timestamptz,
    archived_at      timestamptz,
    -- A contact is in an action once: two volunteers can never hold the same one.
    unique (action_id, contact_id)
);
create index conversations_volunteer_idx on conversations (volunteer_id, action_id);
create index conversations_phones_idx on conversations (contact_phone, sender_phone);

create type message_direction as enum ('outbound', 'inbound');

create table messages (
    id               bigint generated always as identity primary key,
    organization_id  uuid not null references organizations (id) on delete cascade,
    conversation_id  bigint references conversations (id) on delete cascade,
    direction        message_direction not null,
    -- initial, reply (a script), custom (typed by the volunteer), inbound
    kind             text not null check (kind in ('initial', 'reply', 'custom', 'inbound')),
    body             text not null,
    to_phone         text not null,
    from_phone       text,
    status           text not null default 'queued',
    twilio_sid       text unique,
    error_code       integer,
    error_message    text,
    -- From the browser: a double click, a second tab or a retry carries the same key.
    idempotency_key  text,
    sent_by          uuid references users (id) on delete set null,
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    unique (organization_id, idempotency_key)
);
-- The initial message goes to a contact once per action, whatever races: a constraint, not a check.
create unique index messages_one_initial_idx on messages (conversation_id) where kind = 'initial';
create index messages_outbox_idx on messages (next_attempt_at, id) where direction = 'outbound' and status = 'queued';
create index messages_recent_outbound_idx on messages (organization_id, to_phone, created_at) where direction = 'outbound';
create trigger messages_updated_at before update on messages
    for each row execute function set_updated_at();

-- How far along a message status is. A status never replaces one further along, and the
-- terminal ones (failed, undelivered, canceled) stay: callbacks arrive late, twice, out of order.
create function message_status_rank(status text) returns integer
language sql immutable as $$
    select case status
        when 'queued' then 1 when 'accepted' then 1 when 'scheduled' then 1
        when 'sending' then 2 when 'sent' then 3
        when 'delivered' then 4 when 'read' then 4
        when 'undelivered' then 5 when 'failed' then 5 when 'canceled' then 5
        else 0 end
$$;

-- A status callback that arrived before the sender recorded the message's SID waits here.
create table parked_statuses (
    twilio_sid  text not null,
    status      text not null,
    error_code  integer,
    rank        integer not null,
    received_at timestamptz not null default now(),
    primary key (twilio_sid, status)
);

-- Inbound texts to a number no organization has used: kept, never dropped.
create table unrouted_inbound (
    twilio_sid  text primary key,
    from_phone  text not null,
    to_phone    text not null,
    body        text not null,
    received_at timestamptz not null default now()
);
