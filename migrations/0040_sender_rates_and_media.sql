-- Segments per second per sending number, by sender type (app/src/domain/sender_type.rs): null
-- is Twilio's default for the type (a long code 1, toll-free 3, a short code 100); an
-- organization sets its own when its account has more (a registered 10DLC campaign, High-
-- Throughput Toll-Free, a short code with throughput bought). The limits are the domain's.
alter table carrier_settings
    add column long_code_per_sec  integer check (long_code_per_sec between 1 and 225),
    add column toll_free_per_sec  integer check (toll_free_per_sec between 1 and 150),
    add column short_code_per_sec integer check (short_code_per_sec between 1 and 1000);

-- A quarantined number leaves the Messaging Service too (DELETE Services/{sid}/PhoneNumbers/
-- {PN}), so the service cannot pick it for a send either; set once that is done (or the
-- number was found not to be in the service). A released number rejoins the service with the
-- pool's next round (action_numbers.in_service_at is cleared when it leaves).
alter table sender_quarantine add column left_service_at timestamptz;

-- The pictures of an inbound text (Twilio's MediaUrl0.., NumMedia of them), in order. Shown in
-- the threads through our own server (server/src/inbound_media.rs), which fetches them with
-- the account's credentials. Null for outbound texts (their picture is `image_id`).
alter table messages add column media_urls text[];
