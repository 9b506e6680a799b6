-- Texting settings per organization, and P2P actions with their lifecycle.

create table texting_settings (
    organization_id         uuid primary key references organizations (id) on delete cascade,
    -- Local time in the contact's zone between which texts may go out.
    window_start            time not null default '09:00',
    window_end              time not null default '21:00',
    default_time_zone       text not null default 'America/New_York',
    batch_size              integer not null default 50 check (batch_size between 1 and 500),
    preferred_area_codes    integer[] not null default '{}',
    contact_fallback_name   text not null default 'friend',
    sender_fallback_name    text not null default 'a volunteer',
    -- No number is texted twice within 6 hours (replies to an inbound excepted).
    outbound_lock           boolean not null default true,
    disable_custom_responses boolean not null default false,
    -- Prices in millionths of a dollar, so a $0.0079 segment is exact.
    sms_segment_price_micros bigint not null default 7900 check (sms_segment_price_micros >= 0),
    mms_price_micros         bigint not null default 20000 check (mms_price_micros >= 0),
    carrier_fee_micros       bigint not null default 3000 check (carrier_fee_micros >= 0),
    number_monthly_price_micros bigint not null default 1150000 check (number_monthly_price_micros >= 0),
    updated_at              timestamptz not null default now(),
    check (window_start < window_end)
);
create trigger texting_settings_updated_at before update on texting_settings
    for each row execute function set_updated_at();

create type action_status as enum ('draft', 'scheduled', 'published', 'paused', 'closed');

create table actions (
    id                    uuid primary key,
    organization_id       uuid not null references organizations (id) on delete cascade,
    title                 text not null check (length(title) between 1 and 120),
    description           text not null default '',
    disclaimer            text not null default '',
    start_label           text not null default 'Start Texting',
    folder                text not null default '',
    -- A list in use cannot be deleted out from under a live action.
    contact_list_id       uuid references contact_lists (id) on delete restrict,
    preferred_area_codes  integer[] not null default '{}',
    alternate_area_code   integer,
    keep_assignments      boolean not null default false,
    language              text check (language in ('en', 'es')),
    districts             text[] not null default '{}',
    initial_script        text not null default '',
    status                action_status not null default 'draft',
    publish_at            timestamptz,
    published_at          timestamptz,
    ends_at               timestamptz,
    closed_at             timestamptz,
    cost_acknowledged_at  timestamptz,
    cost_acknowledged_micros bigint,
    created_by            uuid references users (id) on delete set null,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now()
);
create index actions_org_status_idx on actions (organization_id, status, created_at desc);
create trigger actions_updated_at before update on actions
    for each row execute function set_updated_at();
