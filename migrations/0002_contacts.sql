-- Contact lists, imported from CSV files, and the organization's opt-out list.

-- Numbers that asked not to be texted, per organization. Imports never make these textable;
-- the sending engine (0003) adds to it when someone replies STOP.
create table opt_outs (
    organization_id uuid not null references organizations (id) on delete cascade,
    phone           text not null check (phone ~ '^\+[1-9][0-9]{6,14}$'),
    source          text not null default 'manual',
    created_at      timestamptz not null default now(),
    primary key (organization_id, phone)
);

create table contact_lists (
    id              uuid primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    name            text not null check (length(name) between 1 and 120),
    contact_count   integer not null default 0,
    -- Custom fields in file order, usable in scripts as {custom:name}.
    custom_fields   text[] not null default '{}',
    created_by      uuid references users (id) on delete set null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index contact_lists_org_idx on contact_lists (organization_id, created_at desc);
create trigger contact_lists_updated_at before update on contact_lists
    for each row execute function set_updated_at();

create table contacts (
    id               bigint generated always as identity primary key,
    list_id          uuid not null references contact_lists (id) on delete cascade,
    phone            text not null,
    first_name       text not null default '',
    last_name        text not null default '',
    zip              text,
    email            text,
    external_id      text,
    assigned_user_id uuid references users (id) on delete set null,
    -- IANA zones the contact may be in: one from the ZIP, or every zone of the area code.
    -- Empty means unknown, and sending then uses the conservative window.
    time_zones       text[] not null default '{}',
    custom           jsonb not null default '{}',
    -- One contact per number in a list: the importer keeps the last row of duplicates.
    unique (list_id, phone)
);

-- Every import, with its live progress. The list and its contacts are written in one
-- transaction at the end, so a failed or cancelled import leaves nothing but this row.
create table contact_imports (
    id              uuid primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    list_name       text not null,
    mapping         jsonb not null,
    encoding        text not null,
    status          text not null default 'pending'
                    check (status in ('pending', 'running', 'cancelling', 'done', 'failed', 'cancelled')),
    rows_read       bigint not null default 0,
    rows_stored     bigint not null default 0,
    error           text,
    summary         jsonb,
    list_id         uuid references contact_lists (id) on delete set null,
    created_by      uuid references users (id) on delete set null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index contact_imports_org_idx on contact_imports (organization_id, created_at desc);
create trigger contact_imports_updated_at before update on contact_imports
    for each row execute function set_updated_at();

-- Rows an import left out, with the reason and the values as mapped, for the downloadable
-- rejects file.
create table import_rejects (
    import_id      uuid not null references contact_imports (id) on delete cascade,
    row_number     bigint not null,
    reason         text not null,
    phone_raw      text not null default '',
    first_name     text not null default '',
    last_name      text not null default '',
    zip            text not null default '',
    email          text not null default '',
    external_id    text not null default '',
    assigned_user  text not null default '',
    custom         jsonb not null default '{}',
    primary key (import_id, row_number)
);

-- Numbers without a country code are read as this country's (ISO 3166 code).
alter table organizations add column default_region text not null default 'US'
    check (default_region ~ '^[A-Z]{2}$');
