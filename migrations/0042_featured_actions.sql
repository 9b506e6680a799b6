-- "Mark featured" pins an action to the top of the volunteers' list (several may be). The time
-- it was featured, not a flag: the newest pin can then be told from older ones.
alter table actions add column featured_at timestamptz;
