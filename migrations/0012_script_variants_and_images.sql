-- Initial-script variants and the picture an initial script can carry (sent as MMS).

-- Variants 2..n of the initial script (`initial_script` is the first); each contact gets one.
alter table actions add column initial_variants text[] not null default '{}';

-- Pictures are kept in the database with everything else so a backup holds them and any server
-- process can serve them to the carrier, which fetches MediaUrl itself. Immutable: a new upload
-- is a new row, so a message queued with a picture always sends the picture it was queued with.
create table script_images (
    id              uuid primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    content_type    text not null check (content_type in ('image/jpeg', 'image/png', 'image/gif')),
    bytes           bytea not null check (octet_length(bytes) between 1 and 614400),
    file_name       text not null default '',
    created_by      uuid references users (id) on delete set null,
    created_at      timestamptz not null default now()
);
create index script_images_org_idx on script_images (organization_id);

alter table actions add column script_image_id uuid references script_images (id) on delete set null;
-- The image volunteers see on the action's card in their Actions list (never texted).
alter table actions add column card_image_id uuid references script_images (id) on delete set null;
alter table messages add column image_id uuid references script_images (id) on delete set null;
-- Few messages carry a picture; the index lets "is this picture still used?" (and the foreign
-- key) look only at those.
create index messages_image_idx on messages (image_id) where image_id is not null;

-- Numbers an action's pool needs: one per 200 contacts, or a fixed 5 when it sends pictures
-- (MMS goes through a small dedicated set of numbers).
create function numbers_needed(contact_count integer, per_number bigint, mms boolean) returns bigint
language sql immutable as $$
    select case when mms then 5 else greatest(1, ceil(coalesce(contact_count, 0)::numeric / per_number))::bigint end
$$;
