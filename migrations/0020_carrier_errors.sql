-- What the carrier's errors teach us, kept where every sender can see it (see
-- server/src/twilio/errors.rs for which Twilio code leads where).

-- An organization whose sending is paused as a whole (bad credentials, a suspended account, a
-- broken Messaging Service). Nothing is failed meanwhile: its queued messages wait. A row with
-- retry_at = 'infinity' is lifted only when an authenticated call to the carrier succeeds
-- again; a finite retry_at lets one send through then to try again.
create table sending_pauses (
    organization_id uuid primary key references organizations (id) on delete cascade,
    error_code      integer,
    reason          text not null,
    paused_at       timestamptz not null default now(),
    retry_at        timestamptz not null
);

-- The one definition of "this organization may not send now".
create function sending_paused(org uuid) returns boolean
language sql stable as $$
    select exists (select 1 from sending_pauses p where p.organization_id = org and p.retry_at > now())
$$;

-- Numbers the carrier said cannot receive texts (invalid, not mobile, landline), per
-- organization: never claimed or texted again there.
create table undeliverable_phones (
    organization_id uuid not null references organizations (id) on delete cascade,
    phone           text not null,
    error_code      integer not null,
    reason          text not null,
    created_at      timestamptz not null default now(),
    primary key (organization_id, phone)
);

-- The one definition of "never text this number in this organization".
create function phone_undeliverable(org uuid, number text) returns boolean
language sql stable as $$
    select exists (select 1 from undeliverable_phones u where u.organization_id = org and u.phone = number)
$$;
