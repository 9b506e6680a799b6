-- Action results. The results page must answer in well under 100 ms for an action of a million
-- contacts and millions of messages, and update while the action runs; counting those rows on
-- every refresh cannot. So every event is counted as it happens, by triggers, in the same
-- transaction as the change it counts: a count can never disagree with the rows it stands for,
-- whatever crashes or retries happen. Counts are kept per volunteer, which the per-volunteer
-- table needs anyway and which keeps concurrent sends from queueing on one hot row (a
-- volunteer sends one text at a time). The page sums a few thousand rows at most.
create table action_counts (
    action_id    uuid not null references actions (id) on delete cascade,
    -- The volunteer the event belongs to; the nil UUID when none (no user deleted cascades here:
    -- their history stays in the totals).
    volunteer_id uuid not null,
    -- initial_sent, followups, followed_up, replies, replied, delivered, initial_delivered,
    -- errors (key: carrier error code), batches, reports, tag (key: tag id), field (key: field
    -- id), answer (key: question node '/' answer node), script (key: script node)
    metric       text not null,
    key          text not null default '',
    n            bigint not null default 0,
    primary key (action_id, volunteer_id, metric, key)
);

-- Messages sent per hour, for the chart; one row per action, hour and direction.
create table action_hourly (
    action_id uuid not null references actions (id) on delete cascade,
    hour      timestamptz not null,
    direction message_direction not null,
    n         bigint not null default 0,
    primary key (action_id, hour, direction)
);

-- When each volunteer last sent or filed something in an action.
create table action_activity (
    action_id    uuid not null references actions (id) on delete cascade,
    volunteer_id uuid not null,
    last_active  timestamptz not null,
    primary key (action_id, volunteer_id)
);

-- Who opened the texting screen of an action ("seen").
create table action_views (
    action_id    uuid not null references actions (id) on delete cascade,
    volunteer_id uuid not null references users (id) on delete cascade,
    first_seen   timestamptz not null default now(),
    primary key (action_id, volunteer_id)
);

-- Replies waiting for an answer are counted too (metric 'pending'), since there may be hundreds
-- of thousands of them: the inbox's "needs attention" (the contact wrote last, no reply or
-- report since, not archived, number not opted out), kept by a trigger on conversations and one
-- on opt-outs. This index serves the reassignment of a volunteer's waiting replies.
create index conversations_pending_idx on conversations (action_id, volunteer_id)
    where archived_at is null
      and last_inbound_at > coalesce(last_outbound_at, '-infinity'::timestamptz)
      and last_inbound_at > coalesce(last_report_at, '-infinity'::timestamptz);

create function conversation_waits(c conversations) returns boolean
language sql stable as $$
    select c.archived_at is null
       and c.last_inbound_at > coalesce(c.last_outbound_at, '-infinity'::timestamptz)
       and c.last_inbound_at > coalesce(c.last_report_at, '-infinity'::timestamptz)
$$;

create function bump_action_count(a uuid, v uuid, m text, k text, d bigint) returns void
language sql as $$
    insert into action_counts (action_id, volunteer_id, metric, key, n)
    values (a, coalesce(v, '00000000-0000-0000-0000-000000000000'), m, coalesce(k, ''), d)
    on conflict (action_id, volunteer_id, metric, key) do update set n = action_counts.n + excluded.n
$$;

-- The bucket a message's status puts it in: delivered, an error with its code, or none yet.
create function message_status_bucket(status text, error_code integer) returns text
language sql immutable as $$
    select case
        when status in ('delivered', 'read') then 'delivered'
        when status in ('failed', 'undelivered') then 'error:' || coalesce(error_code::text, '')
    end
$$;

create function count_status(a uuid, v uuid, kind text, bucket text, d bigint) returns void
language plpgsql as $$
begin
    if bucket is null then
        return;
    elsif bucket = 'delivered' then
        perform bump_action_count(a, v, 'delivered', '', d);
        if kind = 'initial' then
            perform bump_action_count(a, v, 'initial_delivered', '', d);
        end if;
    else
        perform bump_action_count(a, v, 'errors', substr(bucket, 7), d);
    end if;
end
$$;

create function count_message() returns trigger
language plpgsql as $$
declare
    a uuid;
    v uuid;
begin
    if new.conversation_id is null or new.kind = 'auto' then
        return null;
    end if;
    -- Most status callbacks (queued, sent) move no count: no lookup for them.
    if tg_op = 'UPDATE' and (new.direction = 'inbound'
        or message_status_bucket(old.status, old.error_code) is not distinct from message_status_bucket(new.status, new.error_code)) then
        return null;
    end if;
    select c.action_id, c.volunteer_id into a, v from conversations c where c.id = new.conversation_id;
    if tg_op = 'INSERT' then
        if new.direction = 'outbound' then
            v := coalesce(new.sent_by, v);
            if new.kind = 'initial' then
                perform bump_action_count(a, v, 'initial_sent', '', 1);
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
            end if;
        end if;
        insert into action_hourly (action_id, hour, direction, n) values (a, date_trunc('hour', new.created_at), new.direction, 1)
        on conflict (action_id, hour, direction) do update set n = action_hourly.n + 1;
    else
        v := coalesce(new.sent_by, v);
        perform count_status(a, v, new.kind, message_status_bucket(old.status, old.error_code), -1);
        perform count_status(a, v, new.kind, message_status_bucket(new.status, new.error_code), 1);
    end if;
    return null;
end
$$;
create trigger messages_count_insert after insert on messages
    for each row execute function count_message();
create trigger messages_count_status after update of status, error_code on messages
    for each row execute function count_message();

-- A batch is done when the volunteer's last claimed contact is texted or skipped. Counted once
-- per statement and volunteer: row triggers run after the whole statement, so with a bulk
-- update every row would see the batch finished and count it again.
create function count_batch() returns trigger
language plpgsql as $$
begin
    perform bump_action_count(d.action_id, d.volunteer_id, 'batches', '', 1)
    from (select distinct n.action_id, n.volunteer_id
          from new_rows n join old_rows o on o.id = n.id
          where n.volunteer_id is not null and n.claimed_at is not null
            and ((o.initial_sent_at is null and n.initial_sent_at is not null)
                 or (o.skipped_at is null and n.skipped_at is not null and n.initial_sent_at is null))) d
    where not exists (select 1 from conversations c
                      where c.action_id = d.action_id and c.volunteer_id = d.volunteer_id
                        and c.claimed_at is not null and c.initial_sent_at is null and c.skipped_at is null);
    return null;
end
$$;
create trigger conversations_count_batch after update on conversations
    referencing old table as old_rows new table as new_rows
    for each statement execute function count_batch();

-- A conversation starts or stops waiting for an answer, or changes hands while waiting. The
-- number's opt-out state is the same before and after here; opt-outs have their own trigger.
create function count_pending() returns trigger
language plpgsql as $$
declare
    was boolean := conversation_waits(old);
    is_ boolean := conversation_waits(new);
begin
    if was is distinct from is_ or (is_ and old.volunteer_id is distinct from new.volunteer_id) then
        if exists (select 1 from opt_outs o where o.organization_id = new.organization_id and o.phone = new.contact_phone) then
            return null;
        end if;
        if was then
            perform bump_action_count(old.action_id, old.volunteer_id, 'pending', '', -1);
        end if;
        if is_ then
            perform bump_action_count(new.action_id, new.volunteer_id, 'pending', '', 1);
        end if;
    end if;
    return null;
end
$$;
create trigger conversations_count_pending
    after update of last_inbound_at, last_outbound_at, last_report_at, archived_at, volunteer_id on conversations
    for each row execute function count_pending();

-- Opting out (or back in) takes the number's waiting conversations out of (or back into) the count.
create function count_pending_opt_out() returns trigger
language plpgsql as $$
declare
    r record;
    o_org uuid := case when tg_op = 'INSERT' then new.organization_id else old.organization_id end;
    o_phone text := case when tg_op = 'INSERT' then new.phone else old.phone end;
begin
    for r in select c.action_id, c.volunteer_id from conversations c
             where c.organization_id = o_org and c.contact_phone = o_phone and conversation_waits(c) loop
        perform bump_action_count(r.action_id, r.volunteer_id, 'pending', '', case when tg_op = 'INSERT' then -1 else 1 end);
    end loop;
    return null;
end
$$;
create trigger opt_outs_count_pending after insert or delete on opt_outs
    for each row execute function count_pending_opt_out();

-- Tags, custom-field values and survey answers on a conversation: counted while they are on it.

create function count_tag() returns trigger
language plpgsql as $$
declare
    a uuid;
    v uuid;
begin
    if tg_op = 'INSERT' then
        select action_id, volunteer_id into a, v from conversations where id = new.conversation_id;
        perform bump_action_count(a, v, 'tag', new.tag_id::text, 1);
    else
        select action_id, volunteer_id into a, v from conversations where id = old.conversation_id;
        if a is not null then
            perform bump_action_count(a, v, 'tag', old.tag_id::text, -1);
        end if;
    end if;
    return null;
end
$$;
create trigger conversation_tags_count after insert or delete on conversation_tags
    for each row execute function count_tag();

create function count_field() returns trigger
language plpgsql as $$
declare
    a uuid;
    v uuid;
begin
    if tg_op = 'INSERT' then
        select action_id, volunteer_id into a, v from conversations where id = new.conversation_id;
        perform bump_action_count(a, v, 'field', new.field_id::text, 1);
    else
        select action_id, volunteer_id into a, v from conversations where id = old.conversation_id;
        if a is not null then
            perform bump_action_count(a, v, 'field', old.field_id::text, -1);
        end if;
    end if;
    return null;
end
$$;
create trigger conversation_fields_count after insert or delete on conversation_fields
    for each row execute function count_field();

create function count_answer() returns trigger
language plpgsql as $$
declare
    a uuid;
    v uuid;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        select action_id, volunteer_id into a, v from conversations where id = old.conversation_id;
        if a is not null then
            perform bump_action_count(a, v, 'answer', old.question_node || '/' || old.answer_node, -1);
        end if;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        select action_id, volunteer_id into a, v from conversations where id = new.conversation_id;
        perform bump_action_count(a, v, 'answer', new.question_node || '/' || new.answer_node, 1);
    end if;
    return null;
end
$$;
create trigger survey_answers_count after insert or update or delete on survey_answers
    for each row execute function count_answer();

create function count_report() returns trigger
language plpgsql as $$
declare
    a uuid;
begin
    select action_id into a from conversations where id = new.conversation_id;
    perform bump_action_count(a, new.volunteer_id, 'reports', '', 1);
    if new.volunteer_id is not null then
        insert into action_activity (action_id, volunteer_id, last_active) values (a, new.volunteer_id, new.submitted_at)
        on conflict (action_id, volunteer_id) do update
            set last_active = greatest(action_activity.last_active, excluded.last_active);
    end if;
    return null;
end
$$;
create trigger reports_count after insert on reports
    for each row execute function count_report();

-- Recounts an action from its rows: after a bulk load with triggers off, or to check the
-- running counts (the integration tests compare the two).
create function recount_action(a uuid) returns void
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
