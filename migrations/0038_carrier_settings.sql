-- How the organization's carrier account is set up, where it changes what we send.
create table carrier_settings (
    organization_id uuid primary key references organizations (id) on delete cascade,
    -- Who answers the keywords STOP and HELP. Twilio's default opt-out handling answers them
    -- itself (Twilio support, "Twilio support for opt-out keywords (SMS STOP filtering)"), so by
    -- default we send no answer of our own and a contact never gets two; 'ours' is for accounts
    -- whose Advanced Opt-Out has Twilio's answers turned off.
    keyword_replies text not null default 'carrier' check (keyword_replies in ('carrier', 'ours')),
    updated_at      timestamptz not null default now()
);

-- Our confirmation of a STOP, sent only when we answer keywords, is an automatic reply like
-- the HELP answer: it names the inbound message it answers (0035's press-or-auto-reply check).
