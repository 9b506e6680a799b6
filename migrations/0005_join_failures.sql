-- Wrong join codes typed by a signed-in person: six digits can be guessed, so guessing is slowed.
create table join_failures (
    id           bigserial primary key,
    user_id      uuid not null references users (id) on delete cascade,
    attempted_at timestamptz not null default now()
);
create index join_failures_user_idx on join_failures (user_id, attempted_at);
