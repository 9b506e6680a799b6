-- The image volunteers see on an action's card in their Actions list (never texted). It uses
-- the same immutable picture rows as the script's MMS picture.
alter table actions add column card_image_id uuid references script_images (id) on delete set null;
