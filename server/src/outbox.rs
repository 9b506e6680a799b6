//! The outbox worker: claims queued messages with `for update skip locked` (so any number of
//! server processes can run it), sends each through Twilio, and records the outcome. Transient
//! failures retry with backoff; a send whose outcome is unknown (the request went out but no
//! answer came) is reconciled against the carrier, never blindly sent again.

use crate::twilio::errors::{self, Consequence};
use crate::twilio::{MessageQuery, SendMessage, Sender, SentMessage, TwilioClient, TwilioError};
use app::domain::message_kind::MessageKind;
use app::domain::sender_type::SenderType;
use app::domain::texting_window::WindowCheck;
use app::server::db;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;

/// Attempts before a message that keeps hitting transient errors is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// Twilio keeps a message queued at most this long: ValidityPeriod is 1 to 36,000 seconds
/// (twilio-oai twilio_api_v2010.json, CreateMessage `ValidityPeriod`; its default is 36,000).
const MAX_VALIDITY_SECS: i64 = 36_000;
/// A claimed message not finished within this is considered abandoned (crashed worker).
const LEASE_SECS: i64 = 120;
/// A send that would fall this close to the end of a second waits for the next one, so the few
/// milliseconds the request takes never carry it into a second the carrier counts as full.
const SLOT_GUARD_MS: i32 = 50;
/// How often the inbound sweep lists our numbers' recent texts at the carrier.
const INBOUND_SWEEP_EVERY: Duration = Duration::from_secs(300);
/// How long a paused organization (other than for bad credentials) waits before one send tries again.
const PAUSE_RETRY_SECS: i64 = 60;

/// Segments per second that the outbox never exceeds, however many workers and processes run
/// it. Enforced in the database (`take_send_slots`): each send reserves its moment, spaced
/// segments/cap after the previous send of the organization and of its sending number.
///
/// A number's cap follows its sender type (`app::domain::sender_type`: a US long code 1 segment
/// per second, toll-free 3, a short code 100, as Twilio paces them), unless the organization
/// set its own rate for that type (Settings → Carrier) or the operator set one for every number
/// (`number_per_sec`); the organization's wins, as the one that knows its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCaps {
    pub org_per_sec: u32,
    /// Every number's rate in place of the sender types' defaults (`SEND_RATE_NUMBER_PER_SEC`).
    /// Ignored when a Messaging Service picks the number (Twilio spreads those itself).
    pub number_per_sec: Option<u32>,
}

impl Default for RateCaps {
    /// 50/s per organization stays inside a typical A2P 10DLC campaign's throughput; each
    /// number at its sender type's rate.
    fn default() -> RateCaps {
        RateCaps { org_per_sec: 50, number_per_sec: None }
    }
}

impl RateCaps {
    /// `SEND_RATE_ORG_PER_SEC` and `SEND_RATE_NUMBER_PER_SEC`, else the defaults.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<RateCaps, String> {
        let read = |name: &str| -> Result<Option<u32>, String> {
            match var(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .map(Some)
                    .ok_or_else(|| format!("{name} is a whole number of segments per second from 1 to 1000000")),
            }
        };
        let default = RateCaps::default();
        Ok(RateCaps {
            org_per_sec: read("SEND_RATE_ORG_PER_SEC")?.unwrap_or(default.org_per_sec),
            number_per_sec: read("SEND_RATE_NUMBER_PER_SEC")?,
        })
    }
}

pub struct Outbox {
    pub db: PgPool,
    pub client: TwilioClient,
    pub sender: Sender,
    /// The full public URL of our status webhook.
    pub status_callback: String,
    pub caps: RateCaps,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Dispatch {
    Empty,
    Sent,
    Retrying,
    Failed,
    /// Sent, but the answer was lost: left for reconciliation.
    Unknown,
    /// The contact's texting window closed while the message waited.
    Expired,
    /// The carrier refused the account: the organization's sending is paused, the message waits.
    Paused,
}

/// What `prepare` found.
enum Prepared {
    Send(SendMessage, Sender),
    /// The contact's window closed meanwhile (the message is failed).
    Expired,
    /// The sending number is quarantined and none can take its place.
    SenderQuarantined(String),
}

struct Claimed {
    id: i64,
    to_phone: String,
    body: String,
    kind: MessageKind,
    attempts: i32,
    conversation_id: Option<i64>,
    sender_phone: Option<String>,
    time_zones: Option<Vec<String>>,
    /// The contact's stored state and ZIP, for the state's texting hours.
    contact_state: Option<String>,
    contact_zip: Option<String>,
    organization_id: uuid::Uuid,
    image_id: Option<uuid::Uuid>,
}

impl Outbox {
    /// The outbox for the configured carrier (real Twilio or the simulator).
    pub fn from_state(state: &app::server::AppState) -> Result<Outbox, String> {
        let twilio = state.config.twilio.as_ref().ok_or("no carrier configured")?;
        let mut config = crate::twilio::TwilioConfig::new(twilio.account_sid.clone(), twilio.auth_token.clone());
        config.api_base = twilio.api_base.clone();
        config.messaging_base = twilio.messaging_base.clone();
        let client = TwilioClient::new(config).map_err(|e| e.to_string())?;
        let sender = match (&twilio.messaging_service_sid, &twilio.from_number) {
            (Some(sid), _) => Sender::MessagingService(sid.clone()),
            (None, Some(number)) => Sender::Number(number.clone()),
            (None, None) => return Err("set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER to send".into()),
        };
        Ok(Outbox {
            db: state.db.clone(),
            client,
            sender,
            status_callback: state.config.link(crate::webhooks::STATUS_PATH),
            caps: RateCaps::from_env(|name| std::env::var(name).ok())?,
        })
    }

    /// Where the carrier fetches a message's picture: our public address, which the status
    /// callback already carries (so every way of building an outbox agrees on it).
    fn media_url(&self, image_id: uuid::Uuid) -> String {
        let base = self.status_callback.strip_suffix(crate::webhooks::STATUS_PATH).unwrap_or(&self.status_callback);
        format!("{base}{}", app::domain::script_image::media_path(image_id))
    }

    /// Claims and sends one queued message.
    pub async fn dispatch_one(&self) -> Result<Dispatch, sqlx::Error> {
        let Some(mut message) = self.claim().await? else {
            return Ok(Dispatch::Empty);
        };
        // Until the request goes out the carrier has not seen the message, so after a database
        // error here (a restart, a failover) it is handed straight back: left claimed, it would
        // wait out its lease (minutes) before anyone sent it.
        let (request, from) = match self.prepare(&mut message).await {
            Ok(Prepared::Send(request, from)) => (request, from),
            Ok(Prepared::Expired) => return Ok(Dispatch::Expired),
            Ok(Prepared::SenderQuarantined(number)) => {
                self.hold_for_quarantine(&message, &number).await?;
                return Ok(Dispatch::Paused);
            }
            Err(error) => {
                if let Err(e) = self.until_written(message.id, || hand_back(&self.db, &message)).await {
                    tracing::warn!(message_id = message.id, error = %e, "could not hand back a claimed message; its lease will");
                }
                return Err(error);
            }
        };
        let result = self.client.send_message(&request).await;
        if let Err(error) = &result {
            if errors::of_send(error) == Consequence::OutcomeUnknown {
                tracing::warn!(message_id = message.id, %error, "send outcome unknown; will reconcile");
            }
        }
        // From here only this worker knows what became of the message (above all the SID of a
        // text the carrier took), so a database error does not drop it: the write is retried
        // until the database is back. Dropped, the message would sit claimed until its lease ran
        // out and then be settled by matching its body at the carrier.
        self.until_written(message.id, || self.record(&message, &from, &result)).await
    }

    /// Takes the next queued message that is due, under a lease.
    async fn claim(&self) -> Result<Option<Claimed>, sqlx::Error> {
        #[allow(clippy::type_complexity)]
        let claimed: Option<(i64, String, String, MessageKind, i32, Option<i64>, uuid::Uuid, Option<uuid::Uuid>)> =
            sqlx::query_as(
            r#"with next as (
                   select id from messages
                   -- A SID means the carrier has it: Twilio answers a send with status "queued"
                   -- too, and such a message must never be claimed (and sent) again.
                   where direction = 'outbound' and status = 'queued' and twilio_sid is null and next_attempt_at <= now()
                     and not sending_paused(organization_id)
                   order by next_attempt_at, id
                   limit 1
                   for update skip locked
               )
               update messages m
               set status = 'sending', attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
               from next where m.id = next.id
               returning m.id, m.to_phone, m.body, m.kind, m.attempts, m.conversation_id, m.organization_id, m.image_id"#,
        )
        .bind(LEASE_SECS as f64)
        .fetch_optional(&self.db)
        .await?;
        Ok(claimed.map(|(id, to_phone, body, kind, attempts, conversation_id, organization_id, image_id)| Claimed {
            id,
            to_phone,
            body,
            kind,
            attempts,
            conversation_id,
            sender_phone: None,
            time_zones: None,
            contact_state: None,
            contact_zip: None,
            organization_id,
            image_id,
        }))
    }

    /// Everything before the send: the sender, the rate slot, the validity.
    async fn prepare(&self, message: &mut Claimed) -> Result<Prepared, sqlx::Error> {
        let configured = match &self.sender {
            Sender::Number(number) => Some(number.as_str()),
            Sender::MessagingService(_) => None,
        };
        if let Some(c) = message.conversation_id {
            type Row = (Option<String>, Option<Vec<String>>, Option<String>, Option<String>, bool, bool);
            let (sender_phone, time_zones, contact_state, contact_zip, pooled, quarantined): Row = sqlx::query_as(
                r#"select c.sender_phone, k.time_zones, k.state, k.zip,
                          exists (select 1 from action_numbers n where n.action_id = c.action_id and n.released_at is null),
                          coalesce(sender_quarantined(c.organization_id, coalesce(c.sender_phone, $2)), false)
                   from conversations c join contacts k on k.id = c.contact_id where c.id = $1"#,
            )
            .bind(c)
            .bind(configured)
            .fetch_optional(&self.db)
            .await?
            .unwrap_or((None, None, None, None, false, false));
            // A conversation about to get a pool number gets one that is not quarantined
            // (`pool_sender`); the flag above spoke of the configured number then.
            let quarantined = quarantined && (sender_phone.is_some() || !pooled);
            message.sender_phone = match (sender_phone, pooled) {
                (None, true) => pool_sender(&self.db, c).await?,
                (sender_phone, _) => sender_phone,
            };
            // A quarantined number left alone in its pool, or the configured one: nothing may
            // go from it until an admin releases it (migrations/0039).
            if quarantined {
                if let Some(number) = message.sender_phone.clone().or(configured.map(String::from)) {
                    return Ok(Prepared::SenderQuarantined(number));
                }
            }
            message.time_zones = time_zones;
            message.contact_state = contact_state;
            message.contact_zip = contact_zip;
        }
        let from = match (&message.sender_phone, &self.sender) {
            (Some(number), _) => Sender::Number(number.clone()),
            (None, sender) => sender.clone(),
        };
        self.wait_for_slot(message, &from).await?;
        let now = app::server::clock::now();
        let validity = match self.validity(message, now).await? {
            Some(secs) => secs,
            None => {
                self.fail(message.id, None, "The contact's texting window closed before the message could go out.")
                    .await?;
                return Ok(Prepared::Expired);
            }
        };
        let request = SendMessage {
            to: message.to_phone.clone(),
            from: from.clone(),
            body: message.body.clone(),
            media_urls: message.image_id.map(|id| self.media_url(id)).into_iter().collect(),
            status_callback: Some(self.status_callback.clone()),
            validity_period_secs: Some(validity),
        };
        Ok(Prepared::Send(request, from))
    }

    /// The message's sending number is quarantined with no other to take its place: the
    /// organization's sending waits (a finite pause, so a release is noticed within
    /// PAUSE_RETRY_SECS) and the message goes back untouched.
    async fn hold_for_quarantine(&self, message: &Claimed, number: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            r#"insert into sending_pauses (organization_id, error_code, reason, retry_at)
               select $1, q.error_code, 'The sending number ' || $2 || ' is quarantined and no other number can take its place: ' || q.reason,
                      now() + make_interval(secs => $3)
               from sender_quarantine q where q.organization_id = $1 and q.phone = $2
               on conflict (organization_id) do update
               set error_code = excluded.error_code, reason = excluded.reason, retry_at = excluded.retry_at"#,
        )
        .bind(message.organization_id)
        .bind(number)
        .bind(PAUSE_RETRY_SECS as f64)
        .execute(&mut *tx)
        .await?;
        hand_back(&mut *tx, message).await?;
        tx.commit().await
    }

    /// Writes down what the carrier made of a claimed message.
    async fn record(
        &self,
        message: &Claimed,
        from: &Sender,
        result: &Result<SentMessage, TwilioError>,
    ) -> Result<Dispatch, sqlx::Error> {
        match result {
            Ok(sent) => {
                let from_phone = sent.from.clone().or(match from {
                    Sender::Number(n) => Some(n.clone()),
                    Sender::MessagingService(_) => None,
                });
                if let (Some(conversation), Some(number)) = (message.conversation_id, &from_phone) {
                    // Sticky sender: the contact keeps hearing from (and replying to) this number.
                    sqlx::query("update conversations set sender_phone = coalesce(sender_phone, $2) where id = $1")
                        .bind(conversation)
                        .bind(number)
                        .execute(&self.db)
                        .await?;
                }
                db::webhooks::record_sid(&self.db, message.id, &sent.sid, &sent.status, from_phone.as_deref())
                    .await
                    .map_err(|_| sqlx::Error::Protocol("recording the message SID failed".into()))?;
                // A send went through: whatever paused the organization is fixed.
                sqlx::query("delete from sending_pauses where organization_id = $1")
                    .bind(message.organization_id)
                    .execute(&self.db)
                    .await?;
                Ok(Dispatch::Sent)
            }
            // Retried writes touch the message only while this claim holds it: a first try
            // that went through unseen may have let another worker claim it since.
            Err(error) => match errors::of_send(error) {
                Consequence::OutcomeUnknown => {
                    sqlx::query(
                        r#"update messages set status = 'unknown', next_attempt_at = now() + interval '5 seconds'
                           where id = $1 and status = 'sending' and attempts = $2"#,
                    )
                    .bind(message.id)
                    .bind(message.attempts)
                    .execute(&self.db)
                    .await?;
                    Ok(Dispatch::Unknown)
                }
                Consequence::AccountPaused => {
                    self.pause(message, error).await?;
                    Ok(Dispatch::Paused)
                }
                // The number, not the message, is at fault: it leaves the pool and the message
                // goes back (its attempt not counted) to go from another number, or to wait.
                Consequence::SenderBlocked if matches!(from, Sender::Number(_)) => {
                    let Sender::Number(number) = from else { unreachable!("matched above") };
                    let code = error.code().and_then(|c| i32::try_from(c).ok()).unwrap_or_default();
                    db::sender_quarantine::quarantine(
                        &self.db,
                        message.organization_id,
                        number,
                        code,
                        &error.to_string(),
                    )
                    .await
                    .map_err(|_| sqlx::Error::Protocol("quarantining the sending number failed".into()))?;
                    hand_back(&self.db, &message).await?;
                    Ok(Dispatch::Retrying)
                }
                Consequence::Retry | Consequence::SenderBusy if message.attempts < MAX_ATTEMPTS => {
                    let backoff = backoff_secs(message.attempts, error);
                    sqlx::query(
                        r#"update messages set status = 'queued', next_attempt_at = now() + make_interval(secs => $2)
                           where id = $1 and status = 'sending' and attempts = $3"#,
                    )
                    .bind(message.id)
                    .bind(backoff as f64)
                    .bind(message.attempts)
                    .execute(&self.db)
                    .await?;
                    Ok(Dispatch::Retrying)
                }
                consequence => {
                    let code = error.code().and_then(|c| i32::try_from(c).ok());
                    let mut tx = self.db.begin().await?;
                    match consequence {
                        // As an inbound STOP does (db::webhooks::record_inbound).
                        Consequence::ContactOptedOut => {
                            sqlx::query(
                                r#"insert into opt_outs (organization_id, phone, source, detail) values ($1, $2, 'carrier', left($3, 1600))
                                   on conflict do nothing"#,
                            )
                            .bind(message.organization_id)
                            .bind(&message.to_phone)
                            .bind(error.to_string())
                            .execute(&mut *tx)
                            .await?;
                        }
                        Consequence::ContactUndeliverable => {
                            sqlx::query(
                                r#"insert into undeliverable_phones (organization_id, phone, error_code, reason)
                                   values ($1, $2, $3, $4) on conflict do nothing"#,
                            )
                            .bind(message.organization_id)
                            .bind(&message.to_phone)
                            .bind(code.unwrap_or_default())
                            .bind(error.to_string())
                            .execute(&mut *tx)
                            .await?;
                        }
                        _ => {}
                    }
                    sqlx::query(
                        "update messages set status = 'failed', error_code = $2, error_message = $3 where id = $1",
                    )
                    .bind(message.id)
                    .bind(code)
                    .bind(error.to_string())
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(Dispatch::Failed)
                }
            },
        }
    }

    /// Pauses the organization's sending and hands the message back untouched (its attempt
    /// does not count): the account, not the message, is at fault. A credentials error is
    /// lifted by [`Outbox::resume_paused`]; any other pause lets one send try again after
    /// PAUSE_RETRY_SECS.
    async fn pause(&self, message: &Claimed, error: &TwilioError) -> Result<(), sqlx::Error> {
        let credentials = matches!(error, TwilioError::Api { status: 401, .. }) || error.code() == Some(20003);
        tracing::error!(organization = %message.organization_id, %error, "carrier refused the account; sending paused");
        let mut tx = self.db.begin().await?;
        sqlx::query(
            r#"insert into sending_pauses (organization_id, error_code, reason, retry_at)
               values ($1, $2, $3, case when $4 then 'infinity'::timestamptz else now() + make_interval(secs => $5) end)
               on conflict (organization_id) do update
               set error_code = excluded.error_code, reason = excluded.reason, retry_at = excluded.retry_at"#,
        )
        .bind(message.organization_id)
        .bind(error.code().and_then(|c| i32::try_from(c).ok()))
        .bind(pause_reason(error))
        .bind(credentials)
        .bind(PAUSE_RETRY_SECS as f64)
        .execute(&mut *tx)
        .await?;
        hand_back(&mut *tx, message).await?;
        tx.commit().await
    }

    /// Lifts credential pauses once an authenticated call to the carrier works again (the
    /// token was fixed). Returns how many organizations resume.
    pub async fn resume_paused(&self) -> Result<u64, sqlx::Error> {
        let waiting: bool =
            sqlx::query_scalar("select exists (select 1 from sending_pauses where retry_at = 'infinity')")
                .fetch_one(&self.db)
                .await?;
        if !waiting {
            return Ok(0);
        }
        // A read is idempotent (Twilio's 20500 page), so it is a safe probe of the credentials.
        match self.client.list_messages(&MessageQuery { page_size: Some(1), ..MessageQuery::default() }).await {
            Ok(_) => Ok(sqlx::query("delete from sending_pauses where retry_at = 'infinity'")
                .execute(&self.db)
                .await?
                .rows_affected()),
            Err(_) => Ok(0),
        }
    }

    /// Runs a write about a claimed message until it goes through, for at most half the lease
    /// (so no other worker takes the message meanwhile); then returns the last error.
    async fn until_written<T, F, Fut>(&self, message_id: i64, mut write: F) -> Result<T, sqlx::Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
    {
        let deadline = std::time::Instant::now() + Duration::from_secs(LEASE_SECS as u64 / 2);
        loop {
            match write().await {
                Ok(written) => return Ok(written),
                Err(error) if std::time::Instant::now() < deadline => {
                    tracing::warn!(message_id, %error, "outbox write failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Reserves this send's moment under the rate caps (see `take_send_slot` in the
    /// migrations) and waits for it.
    async fn wait_for_slot(&self, message: &Claimed, from: &Sender) -> Result<(), sqlx::Error> {
        let number = match from {
            Sender::Number(n) => Some(n.as_str()),
            Sender::MessagingService(_) => None,
        };
        // Carriers count segments, not messages (a US long code sends 1 segment per second:
        // Twilio's 21611 and 30001 pages), so a 3-segment text takes three slots.
        let segments = app::domain::segments::Segments::count(&message.body).segments.max(1);
        // The number's cap: the organization's rate for its sender type, else the operator's
        // for every number, else the type's default (migrations/0040).
        let sender = number.map(SenderType::of).unwrap_or(SenderType::LongCode);
        let fallback = self.caps.number_per_sec.unwrap_or(sender.default_per_sec());
        let at: f64 = sqlx::query_scalar(
            r#"select take_send_slots($1, $2, $3, coalesce((
                   select case $7 when 'long_code' then s.long_code_per_sec when 'toll_free' then s.toll_free_per_sec
                                  when 'short_code' then s.short_code_per_sec end
                   from carrier_settings s where s.organization_id = $1), $4), $5, $6)"#,
        )
        .bind(message.organization_id)
        .bind(number)
        .bind(i32::try_from(self.caps.org_per_sec).unwrap_or(i32::MAX))
        .bind(i32::try_from(fallback).unwrap_or(i32::MAX))
        .bind(SLOT_GUARD_MS)
        .bind(i32::try_from(segments).unwrap_or(i32::MAX))
        .bind(sender.key())
        .fetch_one(&self.db)
        .await?;
        let starts = std::time::UNIX_EPOCH + Duration::from_secs_f64(at.max(0.0));
        if let Ok(wait) = starts.duration_since(std::time::SystemTime::now()) {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Seconds the message may wait at the carrier: until the contact's window closes.
    async fn validity(&self, message: &Claimed, now: DateTime<Utc>) -> Result<Option<u32>, sqlx::Error> {
        // The answer to HELP is owed whenever they ask; the window is for texts we start.
        if message.kind == MessageKind::Auto {
            return Ok(Some(MAX_VALIDITY_SECS as u32));
        }
        let Some(zone_names) = &message.time_zones else {
            return Ok(Some(MAX_VALIDITY_SECS as u32));
        };
        // The organization's saved window, parsed once with its settings (the defaults until saved).
        let settings = app::server::db::settings::get(&self.db, message.organization_id)
            .await
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let hours = settings.contact_hours(
            zone_names,
            message.contact_state.as_deref(),
            message.contact_zip.as_deref(),
            &message.to_phone,
        );
        Ok(match hours.check(now) {
            WindowCheck::Open { closes_at } => Some((closes_at - now).num_seconds().clamp(1, MAX_VALIDITY_SECS) as u32),
            _ => None,
        })
    }

    async fn fail(&self, id: i64, code: Option<i32>, message: &str) -> Result<(), sqlx::Error> {
        sqlx::query("update messages set status = 'failed', error_code = $2, error_message = $3 where id = $1")
            .bind(id)
            .bind(code)
            .bind(message)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Settles messages whose send outcome is unknown (or whose worker died mid-send): if the
    /// carrier has the message, record its SID; if not, queue it again. Returns how many were
    /// settled.
    pub async fn reconcile(&self) -> Result<usize, sqlx::Error> {
        let pending: Vec<(i64, String, String, Option<String>, DateTime<Utc>)> = sqlx::query_as(
            r#"select m.id, m.to_phone, m.body, c.sender_phone, m.created_at from messages m
               left join conversations c on c.id = m.conversation_id
               where m.direction = 'outbound' and m.twilio_sid is null and m.next_attempt_at <= now()
                 and (m.status = 'unknown' or m.status = 'sending')
               limit 50"#,
        )
        .fetch_all(&self.db)
        .await?;
        let mut settled = 0;
        for (id, to, body, from, created_at) in pending {
            let query = MessageQuery { to: Some(to.clone()), from, ..MessageQuery::default() };
            let found = match self.client.list_messages(&query).await {
                Ok(list) => list.into_iter().find(|m| {
                    m.body == body && m.date_created.is_none_or(|d| d >= created_at - chrono::Duration::minutes(1))
                }),
                // The carrier cannot be asked now; try again on the next round.
                Err(_) => continue,
            };
            match found {
                Some(sent) => {
                    db::webhooks::record_sid(&self.db, id, &sent.sid, &sent.status, sent.from.as_deref())
                        .await
                        .map_err(|_| sqlx::Error::Protocol("recording the message SID failed".into()))?;
                }
                None => {
                    sqlx::query("update messages set status = 'queued', next_attempt_at = now() where id = $1 and twilio_sid is null")
                        .bind(id)
                        .execute(&self.db)
                        .await?;
                }
            }
            settled += 1;
        }
        Ok(settled)
    }

    /// Runs the worker until the task is dropped.
    /// One inbound sweep (see `inbound_sweep`) over our numbers, the configured one included.
    pub async fn sweep_inbound(&self) -> Result<usize, crate::inbound_sweep::SweepError> {
        let configured = match &self.sender {
            Sender::Number(number) => Some(number.as_str()),
            Sender::MessagingService(_) => None,
        };
        crate::inbound_sweep::sweep(&self.db, &self.client, configured).await
    }

    /// With a Messaging Service: points its inbound webhook at ours (see `messaging_service`).
    /// False without one.
    pub async fn route_service_inbound(&self) -> Result<bool, TwilioError> {
        let Sender::MessagingService(service) = &self.sender else {
            return Ok(false);
        };
        let base = self.status_callback.strip_suffix(crate::webhooks::STATUS_PATH).unwrap_or(&self.status_callback);
        crate::messaging_service::route_inbound(
            &self.client,
            service,
            &format!("{base}{}", crate::webhooks::INBOUND_PATH),
        )
        .await?;
        Ok(true)
    }

    /// With a Messaging Service: takes quarantined numbers out of its pool.
    pub async fn withdraw_quarantined(&self) -> Result<usize, crate::messaging_service::ServiceError> {
        match &self.sender {
            Sender::MessagingService(service) => {
                crate::messaging_service::withdraw_quarantined(&self.db, &self.client, service).await
            }
            Sender::Number(_) => Ok(0),
        }
    }

    pub async fn run(self) {
        let mut since_reconcile = std::time::Instant::now();
        // Until it has worked once (the carrier may be unreachable at start).
        let mut service_routed = false;
        // The first sweep runs at start: what arrived while we were down is honoured first.
        let mut last_sweep: Option<std::time::Instant> = None;
        loop {
            if last_sweep.is_none_or(|at| at.elapsed() > INBOUND_SWEEP_EVERY) {
                last_sweep = Some(std::time::Instant::now());
                match self.sweep_inbound().await {
                    Ok(0) => {}
                    Ok(found) => tracing::info!(found, "inbound sweep recovered texts"),
                    Err(error) => tracing::warn!(%error, "inbound sweep"),
                }
            }
            match self.dispatch_one().await {
                Ok(Dispatch::Empty) => tokio::time::sleep(Duration::from_millis(200)).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "outbox dispatch");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            if since_reconcile.elapsed() > Duration::from_secs(5) {
                since_reconcile = std::time::Instant::now();
                if let Err(error) = self.reconcile().await {
                    tracing::warn!(%error, "outbox reconcile");
                }
                if let Err(error) = self.resume_paused().await {
                    tracing::warn!(%error, "outbox resume");
                }
                if !service_routed {
                    match self.route_service_inbound().await {
                        Ok(_) => service_routed = true,
                        Err(error) => tracing::warn!(%error, "routing the Messaging Service's inbound texts"),
                    }
                }
                if let Err(error) = self.withdraw_quarantined().await {
                    tracing::warn!(%error, "taking quarantined numbers out of the Messaging Service");
                }
                // Numbers come and go with the pools; their pace rows are of no use an hour on.
                let forget = "delete from send_pace where next_at < extract(epoch from now()) - 3600";
                if let Err(error) = sqlx::query(forget).execute(&self.db).await {
                    tracing::warn!(%error, "outbox rate slots");
                }
            }
        }
    }
}

/// What the admins' banner says to fix. Twilio's own message, never the credentials.
fn pause_reason(error: &TwilioError) -> String {
    match error.code() {
        Some(20003) | None if matches!(error, TwilioError::Api { status: 401, .. }) => {
            "The carrier refused our credentials (Twilio 20003): set the current Auth Token and restart.".into()
        }
        _ => format!("The carrier refused the account: {error}"),
    }
}

/// Exponential backoff, honouring the carrier's Retry-After when it gives one.
fn backoff_secs(attempts: i32, error: &TwilioError) -> u64 {
    if let TwilioError::Transient { retry_after: Some(after), .. } = error {
        return after.as_secs().clamp(1, 300);
    }
    (1u64 << attempts.clamp(0, 8) as u32).min(300)
}

/// The number an action's pool gives a conversation that has none yet, chosen by a hash of the
/// contact's number so the pool's numbers share the contacts. Written to the conversation before
/// the first send (`coalesce` keeps a number already chosen), so the contact hears from, and
/// replies to, that one number ever after. None without a pool: the outbox's own sender is used.
async fn pool_sender(db: &PgPool, conversation_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        r#"with pool as (
               select n.phone, row_number() over (order by n.id) - 1 as position, count(*) over () as size
               from conversations c join action_numbers n on n.action_id = c.action_id and n.released_at is null
               where c.id = $1 and not sender_quarantined(c.organization_id, n.phone)
           )
           update conversations c set sender_phone = coalesce(c.sender_phone, (
               select pool.phone from pool where pool.position = abs(hashtext(c.contact_phone)::bigint) % pool.size))
           where c.id = $1 and exists (select 1 from pool)
           returning c.sender_phone"#,
    )
    .bind(conversation_id)
    .fetch_optional(db)
    .await
    .map(Option::flatten)
}

/// Puts a claimed message back in the queue as though it was never tried: nothing reached the
/// carrier, so the attempt does not count. Only while this worker still holds it (`sending` at
/// the attempt it claimed), so a lease that ran out and was re-claimed is left alone.
async fn hand_back<'e>(
    db: impl sqlx::PgExecutor<'e>,
    message: &Claimed,
) -> Result<sqlx::postgres::PgQueryResult, sqlx::Error> {
    sqlx::query(
        r#"update messages set status = 'queued', attempts = attempts - 1, next_attempt_at = now()
           where id = $1 and status = 'sending' and attempts = $2"#,
    )
    .bind(message.id)
    .bind(message.attempts)
    .execute(db)
    .await
}
