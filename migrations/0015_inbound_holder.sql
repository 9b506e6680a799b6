-- Who held the conversation when a reply came in, so the messages export credits each reply to
-- that volunteer, not to whoever holds the thread after a reassignment. Set by the database on
-- insert, whatever path stores the reply (webhook, reconciliation sweep, tests).
alter table messages add column held_by uuid references users (id) on delete set null;

create function set_message_holder() returns trigger
language plpgsql as $$
begin
    if new.direction = 'inbound' and new.conversation_id is not null and new.held_by is null then
        select volunteer_id into new.held_by from conversations where id = new.conversation_id;
    end if;
    return new;
end
$$;
create trigger messages_set_holder before insert on messages
    for each row execute function set_message_holder();

-- Replies stored before this migration: the holder now is the best that is known.
update messages m set held_by = c.volunteer_id
from conversations c
where c.id = m.conversation_id and m.direction = 'inbound' and m.held_by is null;
