-- Sending controls: the HELP auto-reply, send-rate caps that hold across worker processes, and
-- per-action pools of sending numbers.

-- What a contact who texts HELP (INFO, AYUDA) gets back. Carriers require an answer naming the
-- sender and how to stop; {organizationName} is filled in when the reply is queued.
alter table texting_settings
    add column help_reply text not null
        default '{organizationName}: volunteers text you about our campaign. Reply STOP to opt out. Msg&data rates may apply.'
        check (length(help_reply) between 1 and 320);

-- 'auto': a message the platform sends itself (the HELP answer), not a volunteer.
alter table messages drop constraint messages_kind_check;
alter table messages add constraint messages_kind_check
    check (kind in ('initial', 'reply', 'custom', 'inbound', 'auto'));

-- A message the carrier accepted has a SID, and Twilio calls it "queued" too: the outbox claims
-- only messages without one, or a lease that ran out would send it a second time.
drop index messages_outbox_idx;
create index messages_outbox_idx on messages (next_attempt_at, id)
    where direction = 'outbound' and status = 'queued' and twilio_sid is null;

-- Send-rate caps. Each scope ('org:<uuid>', 'number:<e164>') keeps the earliest moment (Unix
-- seconds) its next send may go out; every send moves it on by 1/cap. Sends are thus spaced
-- evenly, so no second (wall-clock or sliding) holds more than the cap and M sends take at least
-- (M - 1)/cap seconds. The row lock serialises concurrent workers in any number of processes.
-- Unlogged: a reservation commits without waiting for a WAL flush, so the lock is held for
-- microseconds, not a disk sync (with it logged, every send queued behind an fsync: about 1,200
-- sends/s at most). After a crash the table starts empty, which only forgets the next second.
create unlogged table send_pace (
    scope   text primary key,
    next_at double precision not null
);

-- Reserves the next send of an organization (and of the sending number, when there is one)
-- and returns when it may go out (Unix seconds); the caller waits until then. A send that
-- would fall in the last `guard_ms` of a second moves to the start of the next: the request
-- takes a few milliseconds to reach the carrier, whose clock must not see it in the next second.
create function take_send_slot(org uuid, number text, org_cap integer, number_cap integer, guard_ms integer)
returns double precision
language plpgsql as $$
declare
    org_scope text := 'org:' || org;
    number_scope text := 'number:' || number;
    org_next double precision;
    number_next double precision;
    t double precision;
begin
    -- Locked in a fixed order (organization, then number): two workers never deadlock.
    select next_at into org_next from send_pace where scope = org_scope for update;
    if not found then
        insert into send_pace (scope, next_at) values (org_scope, 0) on conflict do nothing;
        select next_at into org_next from send_pace where scope = org_scope for update;
    end if;
    if number is not null then
        select next_at into number_next from send_pace where scope = number_scope for update;
        if not found then
            insert into send_pace (scope, next_at) values (number_scope, 0) on conflict do nothing;
            select next_at into number_next from send_pace where scope = number_scope for update;
        end if;
    end if;
    t := greatest(extract(epoch from clock_timestamp())::double precision, org_next, number_next);
    if t - floor(t) > 1 - guard_ms / 1000.0 then
        t := floor(t) + 1;
    end if;
    update send_pace set next_at = t + 1.0 / org_cap where scope = org_scope;
    if number is not null then
        update send_pace set next_at = t + 1.0 / number_cap where scope = number_scope;
    end if;
    return t;
end
$$;

-- The numbers bought for an action: one per 200 contacts of its list, in its area codes,
-- released (given back to Twilio) when it closes. Kept after release for the record.
create table action_numbers (
    id              bigint generated always as identity primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    action_id       uuid not null references actions (id) on delete cascade,
    phone           text not null,
    twilio_sid      text not null unique,
    area_code       integer,
    -- Set once the number is in the organization's Messaging Service (when one is configured).
    in_service_at   timestamptz,
    bought_at       timestamptz not null default now(),
    released_at     timestamptz
);
-- A number in use belongs to one action: replies are routed by it.
create unique index action_numbers_live_phone_idx on action_numbers (phone) where released_at is null;
create index action_numbers_action_idx on action_numbers (action_id) where released_at is null;
