-- Sending numbers the carrier says must stop: 21606 (this From cannot send to the
-- destination), 30034 (unregistered 10DLC number: "Message from an Unregistered Number"), or
-- 30007 (carrier filtering) several times within an hour, which carriers read as spam from that
-- number (Twilio's 30007 page: "the message was filtered ... by the carrier"). A quarantined
-- number leaves the organization's pool (no new conversation gets it, and conversations that
-- had it move to another pool number on their next text) and the admins see it on every admin
-- page until one of them releases it.
create table sender_quarantine (
    organization_id uuid not null references organizations (id) on delete cascade,
    phone           text not null,
    error_code      integer not null,
    reason          text not null,
    quarantined_at  timestamptz not null default now(),
    primary key (organization_id, phone)
);

-- The one definition of "do not send from this number in this organization".
create function sender_quarantined(org uuid, number text) returns boolean
language sql stable as $$
    select exists (select 1 from sender_quarantine q where q.organization_id = org and q.phone = number)
$$;

-- Recent 30007s per number, for the "repeated" count; few rows, so a small partial index.
create index messages_filtered_idx on messages (from_phone, updated_at) where error_code = 30007;

-- Pacing by segments, as carriers count them (a US long code sends 1 segment per second:
-- Twilio's 21611 and 30001 pages): take_send_slot (0008) with each send moving the
-- organization's and the number's next moment on by `slots`/cap, so a 3-segment text takes
-- three slots. The caps are segments per second.
create function take_send_slots(org uuid, number text, org_cap integer, number_cap integer, guard_ms integer, slots integer)
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
    update send_pace set next_at = t + greatest(slots, 1)::double precision / org_cap where scope = org_scope;
    if number is not null then
        update send_pace set next_at = t + greatest(slots, 1)::double precision / number_cap where scope = number_scope;
    end if;
    return t;
end
$$;
