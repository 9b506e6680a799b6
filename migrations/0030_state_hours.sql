-- State texting hours (app/src/domain/state_hours.rs): each contact's US state, and an
-- organization's choice to turn the state rules off, which needs an acknowledgement of who and when.

-- Two-letter USPS code from the ZIP (else the area code), set at import. Null for contacts
-- imported before this column existed (and for those with no US state): the send paths work
-- it out from the stored ZIP and number on read, which gives the same answer, so no backfill
-- is needed and no contact goes unchecked in between.
alter table contacts add column state text check (state ~ '^[A-Z]{2}$');

-- State rules apply unless state_rules_off_at is set; the admin who acknowledged turning them
-- off is kept with it (null only if that account was since deleted).
alter table texting_settings
    add column state_rules_off_at timestamptz,
    add column state_rules_off_by uuid references users (id) on delete set null,
    add constraint texting_settings_state_rules_off_by_needs_at
        check (state_rules_off_by is null or state_rules_off_at is not null);
