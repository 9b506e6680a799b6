-- Tags and custom fields (Data → Tags, Custom fields), each action's branched script and report
-- settings, and what happens in a conversation after the first text: claims, survey answers,
-- tags, field values, reports, archive, reassignment.

create table tags (
    id              bigint generated always as identity primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    name            text not null check (length(name) between 1 and 60),
    -- Tags the product applies itself (Opt Out): they cannot be renamed or deleted.
    built_in        boolean not null default false,
    created_at      timestamptz not null default now()
);
create unique index tags_org_name_idx on tags (organization_id, lower(name));

-- Open questions volunteers answer in reports, and values response scripts set.
create table custom_fields (
    id              bigint generated always as identity primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    name            text not null check (length(name) between 1 and 60),
    created_at      timestamptz not null default now()
);
create unique index custom_fields_org_name_idx on custom_fields (organization_id, lower(name));

-- The Opt Out tag of an organization, created the first time it is needed.
create function opt_out_tag(org uuid) returns bigint
language sql as $$
    with made as (
        insert into tags (organization_id, name, built_in) values (org, 'Opt Out', true)
        on conflict (organization_id, lower(name)) do update set built_in = true
        returning id
    )
    select id from made
$$;

-- The branched script is one document (see app/src/domain/script_tree.rs): a tree in JSON has no
-- cycles by construction, and the editor saves it whole, so a save is never half applied.
alter table actions
    add column script_tree jsonb not null default '{"question": "", "answers": [], "standalone": []}',
    add column report_tag_ids bigint[] not null default '{}',
    add column report_field_ids bigint[] not null default '{}',
    -- When the list's contacts were copied into conversations, ready to be claimed, and the
    -- range of conversation ids they got (claims start at a random point inside it).
    add column contacts_loaded_at timestamptz,
    add column pool_first_id bigint,
    add column pool_last_id bigint;

alter table conversations
    -- When a volunteer took this contact in a batch; unsent claims lapse and return to the pool.
    add column claimed_at timestamptz,
    add column skipped_at timestamptz,
    -- Where the contact is in the branched script: the last response script sent (null: the start).
    add column script_node text,
    -- The volunteer last opened the thread (unread = an inbound message after this).
    add column read_at timestamptz,
    add column last_report_at timestamptz,
    add column reassigned_from uuid references users (id) on delete set null,
    add column reassigned_at timestamptz;

-- Claiming: the pool of an action is its unassigned, unsent contacts, taken in id order.
create index conversations_pool_idx on conversations (action_id, id)
    where volunteer_id is null and initial_sent_at is null;
-- Claims not yet texted: a volunteer's current batch, and the claims that may lapse. Small (the
-- active volunteers' batches), so the sweep can read it whole.
create index conversations_claims_idx on conversations (action_id, volunteer_id)
    where volunteer_id is not null and initial_sent_at is null;
-- A volunteer's inbox.
create index conversations_inbox_idx on conversations (volunteer_id, organization_id, last_inbound_at desc)
    where initial_sent_at is not null;

alter table messages add column script_node text;

create table conversation_tags (
    conversation_id bigint not null references conversations (id) on delete cascade,
    tag_id          bigint not null references tags (id) on delete cascade,
    applied_by      uuid references users (id) on delete set null,
    applied_at      timestamptz not null default now(),
    primary key (conversation_id, tag_id)
);
create index conversation_tags_tag_idx on conversation_tags (tag_id);

create table conversation_fields (
    conversation_id bigint not null references conversations (id) on delete cascade,
    field_id        bigint not null references custom_fields (id) on delete cascade,
    value           text not null,
    updated_by      uuid references users (id) on delete set null,
    updated_at      timestamptz not null default now(),
    primary key (conversation_id, field_id)
);
create index conversation_fields_field_idx on conversation_fields (field_id);

-- One answer per question per conversation; answering again replaces it.
create table survey_answers (
    conversation_id bigint not null references conversations (id) on delete cascade,
    -- The node whose question was answered ('' for the initial script's question).
    question_node   text not null,
    question        text not null,
    answer_node     text not null,
    answer          text not null,
    answered_by     uuid references users (id) on delete set null,
    answered_at     timestamptz not null default now(),
    primary key (conversation_id, question_node)
);

-- Every report filed, as filed (the current tags and fields live in the tables above).
create table reports (
    id              bigint generated always as identity primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    conversation_id bigint not null references conversations (id) on delete cascade,
    volunteer_id    uuid references users (id) on delete set null,
    tag_ids         bigint[] not null default '{}',
    field_values    jsonb not null default '{}',
    submitted_at    timestamptz not null default now()
);
create index reports_conversation_idx on reports (conversation_id);

-- Per volunteer and organization: archive a thread when its report is filed.
alter table memberships add column auto_archive boolean not null default false;

-- In-app notices (e.g. conversations reassigned to you).
create table notifications (
    id              bigint generated always as identity primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id         uuid not null references users (id) on delete cascade,
    body            text not null,
    link            text not null default '',
    created_at      timestamptz not null default now(),
    read_at         timestamptz
);
create index notifications_user_idx on notifications (user_id, organization_id, created_at desc);

-- Threads read their messages in order (and deleting a conversation finds them).
create index messages_conversation_idx on messages (conversation_id, id);
