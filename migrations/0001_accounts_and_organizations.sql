-- Accounts, organizations and memberships: the foundation every other feature hangs off.
-- Later features add their own numbered migrations (0002 contacts, 0003 actions, ...).

create extension if not exists citext;

-- One trigger keeps updated_at honest everywhere, instead of every query remembering it.
create or replace function set_updated_at() returns trigger as $$
begin
    new.updated_at = now();
    return new;
end;
$$ language plpgsql;

create table users (
    id            uuid primary key,
    email         citext not null unique,
    display_name  text not null check (length(display_name) between 1 and 80),
    password_hash text not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
create trigger users_updated_at before update on users
    for each row execute function set_updated_at();

create table organizations (
    id         uuid primary key,
    name       text not null check (length(name) between 1 and 120),
    -- Volunteers type this on a phone, so six digits; unique so a code names exactly one
    -- organization. Rotating replaces it, which also kills the old join link.
    join_code  char(6) not null unique check (join_code ~ '^[0-9]{6}$'),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger organizations_updated_at before update on organizations
    for each row execute function set_updated_at();

create type member_role as enum ('owner', 'admin', 'volunteer');

create table memberships (
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id         uuid not null references users (id) on delete cascade,
    role            member_role not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    primary key (organization_id, user_id)
);
create index memberships_user_idx on memberships (user_id);
create trigger memberships_updated_at before update on memberships
    for each row execute function set_updated_at();

-- An invite is a link an admin copies and sends; it works once, for the address it names.
create table invites (
    id              uuid primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    email           citext not null,
    role            member_role not null check (role <> 'owner'),
    token           text not null unique,
    invited_by      uuid not null references users (id) on delete cascade,
    accepted_by     uuid references users (id) on delete set null,
    accepted_at     timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
-- At most one open invite per address and organization; inviting again refreshes it.
create unique index invites_open_email_idx on invites (organization_id, email) where accepted_at is null;
create trigger invites_updated_at before update on invites
    for each row execute function set_updated_at();

-- Failed sign-ins, counted per account and per client address to slow down guessing.
-- Kept in the database so every server process sees the same counts.
create table login_failures (
    id           bigserial primary key,
    email        citext not null,
    ip           text not null,
    attempted_at timestamptz not null default now()
);
create index login_failures_email_idx on login_failures (email, attempted_at);
create index login_failures_ip_idx on login_failures (ip, attempted_at);

-- Secrets the server generates for itself when none is configured (the session cookie key),
-- so that every process and every restart signs cookies the same way.
create table server_secrets (
    name       text primary key,
    value      bytea not null,
    created_at timestamptz not null default now()
);
