-- What a member tells the organization about themselves, so actions limited to districts or a
-- language reach only the volunteers they are meant for. Everyone texts in English until they
-- say otherwise; no district means only actions without a district limit.
alter table memberships
    add column district  text check (district is null or (length(district) between 1 and 60 and district !~ ',')),
    add column languages text[] not null default '{en}'
        check (cardinality(languages) > 0 and languages <@ array['en', 'es']::text[]);

-- One rule for who may see (and so claim from) an action, used by every path that hands out
-- contacts. Admins see everything; a volunteer needs the action's language and, when it names
-- districts, to be in one of them (names compared without regard to case).
create function member_may_text(a actions, m memberships) returns boolean
language sql stable as $$
    select m.role in ('admin', 'owner')
        or ((a.language is null or a.language = any (m.languages))
            and (cardinality(a.districts) = 0
                 or exists (select 1 from unnest(a.districts) d where lower(d) = lower(m.district))))
$$;
