-- An action whose initial script (or a variant) neither says who is texting nor how to opt
-- out is published only after an admin acknowledged it (domain: ScriptTemplate::
-- compliance_warnings); who and when are kept with the action.
alter table actions
    add column compliance_acknowledged_at timestamptz,
    add column compliance_acknowledged_by uuid references users (id) on delete set null,
    add constraint actions_compliance_acknowledged_by_needs_at
        check (compliance_acknowledged_by is null or compliance_acknowledged_at is not null);
