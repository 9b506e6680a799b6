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
