-- Results per initial-script variant: which variant each initial text used (1 is the main
-- script) and, on the conversation, which one the contact got, so replies count for it too.
alter table messages add column variant smallint check (variant between 1 and 5);
alter table conversations add column initial_variant smallint check (initial_variant between 1 and 5);

-- Every event of an action bumped the same row of texts and replies per hour, so webhooks
-- arriving together queued on its lock. Each connection now writes its own shard of the hour
-- (by backend pid) and the results page sums the shards.
alter table action_hourly add column shard smallint not null default 0;
alter table action_hourly drop constraint action_hourly_pkey;
alter table action_hourly add primary key (action_id, hour, direction, shard);

-- As in 0009, plus `variant_sent` and `variant_replied` (keyed by variant number) and the
-- sharded hourly row.
create or replace function count_message() returns trigger
language plpgsql as $$
declare
    a uuid;
    v uuid;
    iv smallint;
begin
    if new.conversation_id is null or new.kind = 'auto' then
        return null;
    end if;
    -- Most status callbacks (queued, sent) move no count: no lookup for them.
    if tg_op = 'UPDATE' and (new.direction = 'inbound'
        or message_status_bucket(old.status, old.error_code) is not distinct from message_status_bucket(new.status, new.error_code)) then
        return null;
    end if;
    select c.action_id, c.volunteer_id, c.initial_variant into a, v, iv from conversations c where c.id = new.conversation_id;
    if tg_op = 'INSERT' then
        if new.direction = 'outbound' then
            v := coalesce(new.sent_by, v);
            if new.kind = 'initial' then
                perform bump_action_count(a, v, 'initial_sent', '', 1);
                if new.variant is not null then
                    perform bump_action_count(a, v, 'variant_sent', new.variant::text, 1);
                end if;
            else
                perform bump_action_count(a, v, 'followups', '', 1);
                if new.script_node is not null then
                    perform bump_action_count(a, v, 'script', new.script_node, 1);
                end if;
                if not exists (select 1 from messages m where m.conversation_id = new.conversation_id
                               and m.direction = 'outbound' and m.kind in ('reply', 'custom') and m.id <> new.id) then
                    perform bump_action_count(a, v, 'followed_up', '', 1);
                end if;
            end if;
            perform count_status(a, v, new.kind, message_status_bucket(new.status, new.error_code), 1);
            if new.sent_by is not null then
                insert into action_activity (action_id, volunteer_id, last_active) values (a, new.sent_by, new.created_at)
                on conflict (action_id, volunteer_id) do update
                    set last_active = greatest(action_activity.last_active, excluded.last_active);
            end if;
        else
            perform bump_action_count(a, v, 'replies', '', 1);
            if not exists (select 1 from messages m where m.conversation_id = new.conversation_id
                           and m.direction = 'inbound' and m.id <> new.id) then
                perform bump_action_count(a, v, 'replied', '', 1);
                if iv is not null then
                    perform bump_action_count(a, v, 'variant_replied', iv::text, 1);
                end if;
            end if;
        end if;
        insert into action_hourly (action_id, hour, direction, shard, n)
        values (a, date_trunc('hour', new.created_at), new.direction, pg_backend_pid() % 8, 1)
        on conflict (action_id, hour, direction, shard) do update set n = action_hourly.n + 1;
    else
        v := coalesce(new.sent_by, v);
        perform count_status(a, v, new.kind, message_status_bucket(old.status, old.error_code), -1);
        perform count_status(a, v, new.kind, message_status_bucket(new.status, new.error_code), 1);
    end if;
    return null;
end
$$;

create or replace function recount_action(a uuid) returns void
language plpgsql as $$
declare
    nil constant uuid := '00000000-0000-0000-0000-000000000000';
begin
    -- Finished batches leave no row behind to recount from: those counts stay.
    delete from action_counts where action_id = a and metric <> 'batches';
    delete from action_hourly where action_id = a;
    delete from action_activity where action_id = a;

    insert into action_counts (action_id, volunteer_id, metric, key, n)
    select a, coalesce(vol, nil), metric, key, sum(n) from (
        select coalesce(m.sent_by, c.volunteer_id) as vol,
               case when m.kind = 'initial' then 'initial_sent' else 'followups' end as metric, '' as key, count(*) as n
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.direction = 'outbound' and m.kind <> 'auto'
        group by 1, 2
        union all
        select coalesce(m.sent_by, c.volunteer_id), 'script', m.script_node, count(*)
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.direction = 'outbound' and m.kind in ('reply', 'custom') and m.script_node is not null
        group by 1, 3
        union all
        select coalesce(m.sent_by, c.volunteer_id), 'followed_up', '', count(*)
        from (select distinct on (m.conversation_id) m.conversation_id, m.sent_by from messages m
              join conversations c on c.id = m.conversation_id
              where c.action_id = a and m.direction = 'outbound' and m.kind in ('reply', 'custom')
              order by m.conversation_id, m.id) m
        join conversations c on c.id = m.conversation_id
        group by 1
        union all
        select coalesce(m.sent_by, c.volunteer_id),
               case when b like 'error:%' then 'errors' else 'delivered' end,
               case when b like 'error:%' then substr(b, 7) else '' end, count(*)
        from messages m join conversations c on c.id = m.conversation_id,
             message_status_bucket(m.status, m.error_code) b
        where c.action_id = a and m.direction = 'outbound' and m.kind <> 'auto' and b is not null
        group by 1, 2, 3
        union all
        select coalesce(m.sent_by, c.volunteer_id), 'initial_delivered', '', count(*)
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.kind = 'initial' and message_status_bucket(m.status, m.error_code) = 'delivered'
        group by 1
        union all
        select c.volunteer_id, 'replies', '', count(*)
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.direction = 'inbound'
        group by 1
        union all
        select c.volunteer_id, 'replied', '', count(distinct m.conversation_id)
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.direction = 'inbound'
        group by 1
        union all
        select c.volunteer_id, 'tag', t.tag_id::text, count(*)
        from conversation_tags t join conversations c on c.id = t.conversation_id
        where c.action_id = a group by 1, 3
        union all
        select c.volunteer_id, 'field', f.field_id::text, count(*)
        from conversation_fields f join conversations c on c.id = f.conversation_id
        where c.action_id = a group by 1, 3
        union all
        select c.volunteer_id, 'answer', s.question_node || '/' || s.answer_node, count(*)
        from survey_answers s join conversations c on c.id = s.conversation_id
        where c.action_id = a group by 1, 3
        union all
        select c.volunteer_id, 'pending', '', count(*)
        from conversations c
        where c.action_id = a and conversation_waits(c)
          and not exists (select 1 from opt_outs o where o.organization_id = c.organization_id and o.phone = c.contact_phone)
        group by 1
        union all
        select coalesce(m.sent_by, c.volunteer_id), 'variant_sent', m.variant::text, count(*)
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.kind = 'initial' and m.variant is not null
        group by 1, 3
        union all
        select c.volunteer_id, 'variant_replied', c.initial_variant::text, count(distinct m.conversation_id)
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.direction = 'inbound' and c.initial_variant is not null
        group by 1, 3
        union all
        select r.volunteer_id, 'reports', '', count(*)
        from reports r join conversations c on c.id = r.conversation_id
        where c.action_id = a group by 1
    ) counted
    group by 2, 3, 4;

    insert into action_hourly (action_id, hour, direction, n)
    select a, date_trunc('hour', m.created_at), m.direction, count(*)
    from messages m join conversations c on c.id = m.conversation_id
    where c.action_id = a and m.kind <> 'auto'
    group by 2, 3;

    insert into action_activity (action_id, volunteer_id, last_active)
    select a, vol, max(at) from (
        select m.sent_by as vol, m.created_at as at
        from messages m join conversations c on c.id = m.conversation_id
        where c.action_id = a and m.direction = 'outbound' and m.sent_by is not null
        union all
        select r.volunteer_id, r.submitted_at
        from reports r join conversations c on c.id = r.conversation_id
        where c.action_id = a and r.volunteer_id is not null
    ) activity
    group by vol;
end
$$;
