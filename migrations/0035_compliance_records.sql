-- Compliance records: how each opt-out came about, proof that a person pressed Send for every
-- outbound text, and how long an organization keeps the data of its closed actions.

-- ---------------------------------------------------------------------------------------------
-- Opt-outs: how, by whom, why. They are obligations and are never deleted by retention.
--   keyword   the whole reply was a carrier keyword (STOP, UNSUBSCRIBE, ...)
--   phrase    the reply contained an unambiguous phrase ("stop texting me")
--   reply     a reply, recorded before keywords and phrases were told apart
--   carrier   Twilio refused the send with 21610 (the recipient replied STOP to the carrier)
--   volunteer a volunteer opted the contact out by hand, with a reason
--   imported  the organization's do-not-contact list (moved from another tool)
--   manual    older rows without a source
alter table opt_outs add constraint opt_outs_source_check
    check (source in ('keyword', 'phrase', 'reply', 'carrier', 'volunteer', 'imported', 'manual'));
alter table opt_outs add column recorded_by uuid references users (id) on delete set null;
-- The volunteer's reason (app/src/domain/text_limits.rs OPT_OUT_REASON: 300 characters).
alter table opt_outs add column reason text check (reason is null or length(reason) between 1 and 300);
-- What the contact wrote (keyword, phrase) or what the carrier answered: the evidence.
alter table opt_outs add column detail text check (detail is null or length(detail) <= 1600);
-- A volunteer's opt-out names who and why from now on (older ones recorded neither).
alter table opt_outs add constraint opt_outs_volunteer_says_who_and_why
    check (source <> 'volunteer' or (recorded_by is not null and reason is not null)) not valid;
-- The export reads an organization's opt-outs in the order they happened.
create index opt_outs_org_time_idx on opt_outs (organization_id, created_at, phone);

-- ---------------------------------------------------------------------------------------------
-- Proof of a human action per text. The FCC's P2P ruling (Declaratory Ruling DA 20-670, CG Docket
-- 02-278, June 25, 2020, P2P Alliance Petition for Clarification,
-- https://docs.fcc.gov/public/attachments/DA-20-670A1.pdf) turns on whether a person actively
-- and affirmatively sends each message; so every outbound message records the press that made
-- it: who (sent_by), when (pressed_at), from which session (press_session: SHA-256 of the
-- session id, never the id itself), and the script as the server rendered it for that contact
-- (script_rendered; null for text the volunteer typed). The only outbound text without a press
-- is the automatic answer to an inbound HELP, which names the inbound message it answers.
alter table messages add column pressed_at timestamptz;
alter table messages add column press_session text check (press_session ~ '^[0-9a-f]{64}$');
alter table messages add column script_rendered text check (length(script_rendered) <= 1600);
alter table messages add column auto_reply_to bigint references messages (id) on delete cascade;
-- When the carrier accepted it (the worker recorded its SID).
alter table messages add column sent_at timestamptz;

-- An automatic reply answers an inbound message of the same conversation.
create function check_auto_reply() returns trigger
language plpgsql as $$
begin
    if new.auto_reply_to is not null and not exists (
        select 1 from messages i
        where i.id = new.auto_reply_to and i.direction = 'inbound'
          and i.conversation_id is not distinct from new.conversation_id) then
        raise exception 'an automatic reply must answer an inbound message of its conversation'
            using errcode = 'check_violation', constraint = 'messages_auto_reply_answers_inbound';
    end if;
    return new;
end
$$;
create trigger messages_check_auto_reply before insert or update of auto_reply_to on messages
    for each row when (new.auto_reply_to is not null) execute function check_auto_reply();

-- No outbound text without a press or an inbound message it answers. Messages stored before this
-- migration (ids up to the current maximum, which no new row can take: ids are generated) carry
-- no press record and are let be; the audit export says so.
do $$
declare
    last_id bigint := (select coalesce(max(id), 0) from messages);
begin
    execute format($f$
        alter table messages add constraint messages_outbound_has_press check (
            direction = 'inbound'
            or id <= %s
            or (kind = 'auto' and auto_reply_to is not null and pressed_at is null)
            or (kind <> 'auto' and auto_reply_to is null and pressed_at is not null and press_session is not null)
        )$f$, last_id);
end
$$;
-- Who pressed is known when the row is written. Checked on insert only: sent_by is "on delete set
-- null", and an account deleted later leaves its messages' press (when, session) without a name.
create function check_press_has_sender() returns trigger
language plpgsql as $$
begin
    if new.direction = 'outbound' and new.kind <> 'auto' and new.pressed_at is not null and new.sent_by is null then
        raise exception 'an outbound text records the member who pressed Send'
            using errcode = 'check_violation', constraint = 'messages_outbound_has_press';
    end if;
    return new;
end
$$;
create trigger messages_check_press_sender before insert on messages
    for each row execute function check_press_has_sender();

create index messages_auto_reply_idx on messages (auto_reply_to) where auto_reply_to is not null;

-- ---------------------------------------------------------------------------------------------
-- Retention: the contacts, messages and reports of actions closed more than this many days ago
-- are deleted by the clock task (null: kept). Opt-outs are kept whatever this says.
alter table texting_settings add column retention_days integer
    check (retention_days is null or retention_days between 30 and 3650);
-- When retention emptied the action; its title and result counts stay.
alter table actions add column data_deleted_at timestamptz;
create index actions_closed_idx on actions (closed_at) where status = 'closed' and data_deleted_at is null;
