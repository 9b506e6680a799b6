-- Skipped contacts go back to the pool at once, for other volunteers: a skip remembers who
-- skipped (so that volunteer is not handed the same contact again) and is counted for the
-- results.
alter table conversations add column skipped_by uuid references users (id) on delete set null;

-- Counting per statement instead of per row.
--
-- A row trigger that bumps the same counter row (the action's `initial_sent`, its hourly row)
-- once per inserted message makes a bulk insert quadratic: inside one transaction every update
-- of that row leaves a dead version the next one has to step over. A statement of 98,000 queued
-- texts took about 7 minutes. These triggers see the whole statement at once (transition
-- tables), aggregate, and bump each counter row once, so bulk paths (demo history, reassignment,
-- imports of history) stay linear and a single send costs what it did.

create function count_messages_inserted() returns trigger
language plpgsql as $$
begin
    with cm as (
        select n.id, n.conversation_id, n.direction, n.kind, n.status, n.error_code, n.script_node, n.variant,
               n.sent_by, n.created_at, c.action_id, c.initial_variant,
               case when n.direction = 'outbound' then coalesce(n.sent_by, c.volunteer_id) else c.volunteer_id end as volunteer_id
        from new_rows n join conversations c on c.id = n.conversation_id
        where n.kind <> 'auto'
    ),
    -- A conversation's first follow-up (or first reply) is in this statement when every one it
    -- has is: the count of them in the table equals the count in the statement.
    followups as (
        select conversation_id, action_id, (array_agg(volunteer_id order by id))[1] as volunteer_id, count(*) as n
        from cm where direction = 'outbound' and kind in ('reply', 'custom') group by 1, 2
    ),
    replies as (
        select conversation_id, action_id, (array_agg(volunteer_id order by id))[1] as volunteer_id,
               min(initial_variant) as initial_variant, count(*) as n
        from cm where direction = 'inbound' group by 1, 2
    ),
    activity as (
        insert into action_activity (action_id, volunteer_id, last_active)
        select action_id, sent_by, max(created_at) from cm
        where direction = 'outbound' and sent_by is not null
        group by 1, 2
        on conflict (action_id, volunteer_id) do update
            set last_active = greatest(action_activity.last_active, excluded.last_active)
    ),
    hourly as (
        insert into action_hourly (action_id, hour, direction, shard, n)
        select action_id, date_trunc('hour', created_at), direction, pg_backend_pid() % 8, count(*)
        from cm group by 1, 2, 3
        on conflict (action_id, hour, direction, shard) do update set n = action_hourly.n + excluded.n
    )
    insert into action_counts (action_id, volunteer_id, metric, key, n)
    select action_id, coalesce(volunteer_id, '00000000-0000-0000-0000-000000000000'), metric, key, sum(d) from (
        select action_id, volunteer_id, case when kind = 'initial' then 'initial_sent' else 'followups' end as metric,
               '' as key, 1 as d
        from cm where direction = 'outbound'
        union all
        select action_id, volunteer_id, 'variant_sent', variant::text, 1
        from cm where direction = 'outbound' and kind = 'initial' and variant is not null
        union all
        select action_id, volunteer_id, 'script', script_node, 1
        from cm where direction = 'outbound' and kind <> 'initial' and script_node is not null
        union all
        select action_id, volunteer_id, 'followed_up', '', 1
        from followups f
        where f.n = (select count(*) from messages m where m.conversation_id = f.conversation_id
                     and m.direction = 'outbound' and m.kind in ('reply', 'custom'))
        union all
        select action_id, volunteer_id, case when b = 'delivered' then 'delivered' else 'errors' end,
               case when b = 'delivered' then '' else substr(b, 7) end, 1
        from cm, message_status_bucket(status, error_code) b
        where direction = 'outbound' and b is not null
        union all
        select action_id, volunteer_id, 'initial_delivered', '', 1
        from cm
        where direction = 'outbound' and kind = 'initial' and message_status_bucket(status, error_code) = 'delivered'
        union all
        select action_id, volunteer_id, 'replies', '', 1 from cm where direction = 'inbound'
        union all
        select r.action_id, r.volunteer_id, x.m, x.k, 1
        from replies r,
             lateral (values ('replied', ''), ('variant_replied', r.initial_variant::text)) as x(m, k)
        where r.n = (select count(*) from messages m where m.conversation_id = r.conversation_id and m.direction = 'inbound')
          and (x.m = 'replied' or r.initial_variant is not null)
    ) counted
    group by 1, 2, 3, 4
    on conflict (action_id, volunteer_id, metric, key) do update set n = action_counts.n + excluded.n;
    return null;
end
$$;

-- Status callbacks arrive one at a time and keep their row trigger (a column list cannot go with
-- transition tables); inserts are counted by the statement trigger above.
create or replace function count_message() returns trigger
language plpgsql as $$
declare
    a uuid;
    v uuid;
begin
    if new.conversation_id is null or new.kind = 'auto' or new.direction = 'inbound'
        or message_status_bucket(old.status, old.error_code) is not distinct from message_status_bucket(new.status, new.error_code) then
        return null;
    end if;
    select c.action_id, c.volunteer_id into a, v from conversations c where c.id = new.conversation_id;
    v := coalesce(new.sent_by, v);
    perform count_status(a, v, new.kind, message_status_bucket(old.status, old.error_code), -1);
    perform count_status(a, v, new.kind, message_status_bucket(new.status, new.error_code), 1);
    return null;
end
$$;
drop trigger messages_count_insert on messages;
create trigger messages_count_insert after insert on messages
    referencing new table as new_rows
    for each statement execute function count_messages_inserted();

-- Never null: a conversation nobody answered yet has no last_inbound_at, and "null" is neither
-- waiting nor not waiting to the set-based triggers below (the defect the inbox had too).
create or replace function conversation_waits(c conversations) returns boolean
language sql stable as $$
    select c.archived_at is null
       and c.last_inbound_at is not null
       and c.last_inbound_at > coalesce(c.last_outbound_at, '-infinity'::timestamptz)
       and c.last_inbound_at > coalesce(c.last_report_at, '-infinity'::timestamptz)
$$;

-- Batches, skips and replies waiting for an answer, per statement: a reassignment of thousands of
-- conversations bumps each volunteer's rows once.
create or replace function count_batch() returns trigger
language plpgsql as $$
begin
    -- A batch is done when the volunteer's last claimed contact is texted or skipped (a skipped
    -- contact leaves the volunteer at once, so the skipper is `skipped_by`).
    perform bump_action_count(d.action_id, d.volunteer_id, 'batches', '', 1)
    from (select distinct n.action_id,
                 case when o.initial_sent_at is null and n.initial_sent_at is not null then n.volunteer_id
                      else n.skipped_by end as volunteer_id
          from new_rows n join old_rows o on o.id = n.id
          where o.claimed_at is not null
            and ((o.initial_sent_at is null and n.initial_sent_at is not null and n.volunteer_id is not null)
                 or (n.skipped_at is not null and o.skipped_at is distinct from n.skipped_at
                     and n.initial_sent_at is null and n.skipped_by is not null))) d
    where not exists (select 1 from conversations c
                      where c.action_id = d.action_id and c.volunteer_id = d.volunteer_id
                        and c.claimed_at is not null and c.initial_sent_at is null and c.skipped_at is null);

    -- A conversation starts or stops waiting for an answer, or changes hands while waiting. The
    -- number's opt-out state is the same before and after here; opt-outs have their own trigger.
    insert into action_counts (action_id, volunteer_id, metric, key, n)
    select action_id, coalesce(volunteer_id, '00000000-0000-0000-0000-000000000000'), 'pending', '', sum(d) from (
        select o.action_id, o.volunteer_id, -1 as d
        from new_rows n join old_rows o on o.id = n.id
        where conversation_waits(o) and (not conversation_waits(n) or o.volunteer_id is distinct from n.volunteer_id)
          and not exists (select 1 from opt_outs x where x.organization_id = n.organization_id and x.phone = n.contact_phone)
        union all
        select n.action_id, n.volunteer_id, 1
        from new_rows n join old_rows o on o.id = n.id
        where conversation_waits(n) and (not conversation_waits(o) or o.volunteer_id is distinct from n.volunteer_id)
          and not exists (select 1 from opt_outs x where x.organization_id = n.organization_id and x.phone = n.contact_phone)
    ) moved
    group by 1, 2
    having sum(d) <> 0
    on conflict (action_id, volunteer_id, metric, key) do update set n = action_counts.n + excluded.n;
    return null;
end
$$;
drop trigger conversations_count_pending on conversations;
drop function count_pending();

-- Tags and custom-field values put on many conversations at once (a STOP tags every conversation
-- of the number, the demo's history): once per statement too.
create function count_tags_inserted() returns trigger
language plpgsql as $$
begin
    insert into action_counts (action_id, volunteer_id, metric, key, n)
    select c.action_id, coalesce(c.volunteer_id, '00000000-0000-0000-0000-000000000000'), 'tag', n.tag_id::text, count(*)
    from new_rows n join conversations c on c.id = n.conversation_id
    group by 1, 2, 4
    on conflict (action_id, volunteer_id, metric, key) do update set n = action_counts.n + excluded.n;
    return null;
end
$$;
drop trigger conversation_tags_count on conversation_tags;
create trigger conversation_tags_count_delete after delete on conversation_tags
    for each row execute function count_tag();
create trigger conversation_tags_count_insert after insert on conversation_tags
    referencing new table as new_rows
    for each statement execute function count_tags_inserted();

create function count_fields_inserted() returns trigger
language plpgsql as $$
begin
    insert into action_counts (action_id, volunteer_id, metric, key, n)
    select c.action_id, coalesce(c.volunteer_id, '00000000-0000-0000-0000-000000000000'), 'field', n.field_id::text, count(*)
    from new_rows n join conversations c on c.id = n.conversation_id
    group by 1, 2, 4
    on conflict (action_id, volunteer_id, metric, key) do update set n = action_counts.n + excluded.n;
    return null;
end
$$;
drop trigger conversation_fields_count on conversation_fields;
create trigger conversation_fields_count_delete after delete on conversation_fields
    for each row execute function count_field();
create trigger conversation_fields_count_insert after insert on conversation_fields
    referencing new table as new_rows
    for each statement execute function count_fields_inserted();

-- Every skip is a row: the results count them, and recount_action can rebuild that count.
create table conversation_skips (
    id              bigint generated always as identity primary key,
    conversation_id bigint not null references conversations (id) on delete cascade,
    action_id       uuid not null references actions (id) on delete cascade,
    volunteer_id    uuid references users (id) on delete set null,
    skipped_at      timestamptz not null default now()
);
create index conversation_skips_action_idx on conversation_skips (action_id);

create function count_skips() returns trigger
language plpgsql as $$
begin
    insert into action_counts (action_id, volunteer_id, metric, key, n)
    select action_id, coalesce(volunteer_id, '00000000-0000-0000-0000-000000000000'), 'skipped', '', count(*)
    from new_rows group by 1, 2
    on conflict (action_id, volunteer_id, metric, key) do update set n = action_counts.n + excluded.n;
    return null;
end
$$;
create trigger conversation_skips_count after insert on conversation_skips
    referencing new table as new_rows
    for each statement execute function count_skips();

-- recount_action (0013) rebuilds every count from its rows; the skips are counted from theirs.
alter function recount_action(uuid) rename to recount_action_rows;
create function recount_action(a uuid) returns void
language plpgsql as $$
begin
    perform recount_action_rows(a);
    insert into action_counts (action_id, volunteer_id, metric, key, n)
    select a, coalesce(volunteer_id, '00000000-0000-0000-0000-000000000000'), 'skipped', '', count(*)
    from conversation_skips where action_id = a group by 2;
end
$$;
