//! Per-action pools of sending numbers: a published action gets one number per
//! `contacts_per_number` contacts of its list (a fixed 5 when it sends pictures as MMS), bought in its preferred area codes (else the
//! organization's) with its alternate area code as the fallback, put in the Messaging Service
//! when one is configured, and released when the action closes. The outbox then texts each
//! contact from one number of the pool, always the same one (see `outbox::pool_sender`).
//!
//! Several processes may run this at once: an action is stocked under a PostgreSQL advisory lock
//! (held by one connection, so a crashed process lets go of it), and a number is released under
//! its row lock taken with `skip locked`.

use crate::twilio::{BuyNumber, TwilioClient, TwilioError};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Contacts per pool number: keeps each number's daily volume low enough that carriers do
/// not flag it.
pub const CONTACTS_PER_NUMBER: i64 = 200;

pub struct NumberPools {
    pub db: PgPool,
    pub client: TwilioClient,
    /// Our inbound webhook: replies to a pool number come back to us.
    pub sms_url: String,
    /// The Messaging Service new numbers join, when one is configured.
    pub messaging_service_sid: Option<String>,
    pub contacts_per_number: i64,
}

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub bought: usize,
    pub released: usize,
    /// Actions still short of numbers (none for sale in their area codes, or a Twilio error).
    pub short: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Twilio(#[from] TwilioError),
}

impl NumberPools {
    /// The pool manager for the configured carrier, or None when pools are off: with
    /// `NUMBER_POOLS=off`, or by default when one `TWILIO_FROM_NUMBER` sends everything (as the
    /// built-in simulator does). `NUMBER_POOLS=on` turns them on in any case.
    pub fn from_state(state: &app::server::AppState) -> Result<Option<NumberPools>, String> {
        let twilio = state.config.twilio.as_ref().ok_or("no carrier configured")?;
        let enabled = match std::env::var("NUMBER_POOLS").ok().as_deref().map(str::trim) {
            Some("on" | "1" | "true") => true,
            Some("off" | "0" | "false") => false,
            Some("") | None => twilio.from_number.is_none(),
            Some(other) => return Err(format!("NUMBER_POOLS is on or off, not {other:?}")),
        };
        if !enabled {
            return Ok(None);
        }
        let mut config = crate::twilio::TwilioConfig::new(twilio.account_sid.clone(), twilio.auth_token.clone());
        config.api_base = twilio.api_base.clone();
        config.messaging_base = twilio.messaging_base.clone();
        Ok(Some(NumberPools {
            db: state.db.clone(),
            client: TwilioClient::new(config).map_err(|e| e.to_string())?,
            sms_url: state.config.link(crate::webhooks::INBOUND_PATH),
            messaging_service_sid: twilio.messaging_service_sid.clone(),
            contacts_per_number: CONTACTS_PER_NUMBER,
        }))
    }

    /// Stocks every published action that lacks numbers and releases the numbers of closed ones.
    pub async fn run_once(&self) -> Result<Round, PoolError> {
        let mut round = Round::default();
        let short: Vec<(Uuid, i64)> = sqlx::query_as(
            r#"select a.id, numbers_needed(l.contact_count, $1, a.script_image_id is not null) - count(n.id) as missing
               from actions a join contact_lists l on l.id = a.contact_list_id
               left join action_numbers n on n.action_id = a.id and n.released_at is null
               where a.status = 'published'
               group by a.id, l.contact_count
               having numbers_needed(l.contact_count, $1, a.script_image_id is not null) > count(n.id)"#,
        )
        .bind(self.contacts_per_number)
        .fetch_all(&self.db)
        .await?;
        for (action, _) in short {
            match self.stock(action).await {
                Ok((bought, complete)) => {
                    round.bought += bought;
                    round.short += usize::from(!complete);
                }
                Err(error) => {
                    tracing::warn!(%action, %error, "buying numbers for an action");
                    round.short += 1;
                }
            }
        }
        if let Err(error) = self.join_service().await {
            tracing::warn!(%error, "adding pool numbers to the Messaging Service");
        }
        loop {
            match self.release_one().await {
                Ok(true) => round.released += 1,
                Ok(false) => break,
                Err(error) => {
                    tracing::warn!(%error, "releasing a number");
                    break;
                }
            }
        }
        Ok(round)
    }

    /// Buys what one action still lacks. Returns how many were bought and whether the pool is
    /// now complete; does nothing when another process is stocking the same action.
    async fn stock(&self, action: Uuid) -> Result<(usize, bool), PoolError> {
        let mut conn = self.db.acquire().await?;
        // One connection holds the lock; it ends with the connection if this process dies.
        let key = format!("number-pool:{action}");
        let locked: bool =
            sqlx::query_scalar("select pg_try_advisory_lock(hashtext($1))").bind(&key).fetch_one(&mut *conn).await?;
        if !locked {
            return Ok((0, true));
        }
        let result = self.stock_locked(&mut conn, action).await;
        let _ = sqlx::query("select pg_advisory_unlock(hashtext($1))").bind(&key).execute(&mut *conn).await;
        result
    }

    async fn stock_locked(&self, conn: &mut sqlx::PgConnection, action: Uuid) -> Result<(usize, bool), PoolError> {
        // Read again under the lock: another process may have just finished this action.
        let wanted: Option<(Uuid, i64, Vec<i32>, Vec<i32>, Option<i32>)> = sqlx::query_as(
            r#"select a.organization_id,
                      numbers_needed(l.contact_count, $2, a.script_image_id is not null)
                        - (select count(*) from action_numbers n where n.action_id = a.id and n.released_at is null),
                      a.preferred_area_codes, coalesce(s.preferred_area_codes, '{}'), a.alternate_area_code
               from actions a join contact_lists l on l.id = a.contact_list_id
               left join texting_settings s on s.organization_id = a.organization_id
               where a.id = $1 and a.status = 'published'"#,
        )
        .bind(action)
        .bind(self.contacts_per_number)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((org, missing, action_codes, org_codes, alternate)) = wanted else {
            return Ok((0, true));
        };
        if missing <= 0 {
            return Ok((0, true));
        }
        let codes = area_codes(&action_codes, &org_codes, alternate);
        if codes.is_empty() {
            tracing::warn!(%action, "no area code to buy numbers in: set the action's or the organization's");
            return Ok((0, false));
        }
        let mut bought = 0usize;
        let mut codes = codes.into_iter();
        let mut offers: Vec<String> = Vec::new();
        while (bought as i64) < missing {
            if offers.is_empty() {
                let Some(code) = codes.next() else { break };
                offers = self
                    .client
                    .available_local_numbers(&code.to_string(), false)
                    .await?
                    .into_iter()
                    .map(|n| n.phone_number)
                    .rev()
                    .collect();
                continue;
            }
            let Some(phone) = offers.pop() else { continue };
            let request =
                BuyNumber { phone_number: phone.clone(), sms_url: Some(self.sms_url.clone()), status_callback: None };
            let number = match self.client.buy_number(&request).await {
                Ok(number) => number,
                // Sold to someone else since it was offered: try the next offer.
                Err(TwilioError::Api { .. }) => continue,
                Err(error) => return Err(error.into()),
            };
            // Recorded the moment it is bought, so a crash later in the round loses nothing.
            let id: i64 = sqlx::query_scalar(
                r#"insert into action_numbers (organization_id, action_id, phone, twilio_sid, area_code)
                   values ($1, $2, $3, $4, $5) returning id"#,
            )
            .bind(org)
            .bind(action)
            .bind(&number.phone_number)
            .bind(&number.sid)
            .bind(area_code_of(&number.phone_number))
            .fetch_one(&mut *conn)
            .await?;
            bought += 1;
            if let Some(service) = &self.messaging_service_sid {
                self.client.add_to_messaging_service(service, &number.sid).await?;
                sqlx::query("update action_numbers set in_service_at = now() where id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok((bought, bought as i64 >= missing))
    }

    /// Puts in the Messaging Service the pool numbers that are not in it yet (the step after a
    /// purchase failed, or the service was configured later, or a quarantined number was
    /// released: quarantined ones stay out, see `messaging_service::withdraw_quarantined`).
    async fn join_service(&self) -> Result<(), PoolError> {
        let Some(service) = &self.messaging_service_sid else {
            return Ok(());
        };
        let pending: Vec<(i64, String)> = sqlx::query_as(
            r#"select id, twilio_sid from action_numbers
               where in_service_at is null and released_at is null and not sender_quarantined(organization_id, phone)
               order by id"#,
        )
        .fetch_all(&self.db)
        .await?;
        for (id, sid) in pending {
            match self.client.add_to_messaging_service(service, &sid).await {
                Ok(_) => {}
                // Another process got there first.
                Err(TwilioError::Api { code: Some(21710), .. }) => {}
                Err(error) => return Err(error.into()),
            }
            sqlx::query("update action_numbers set in_service_at = now() where id = $1")
                .bind(id)
                .execute(&self.db)
                .await?;
        }
        Ok(())
    }

    /// Releases one number of a closed action. False when there is none left to release.
    async fn release_one(&self) -> Result<bool, PoolError> {
        let mut tx = self.db.begin().await?;
        let number: Option<(i64, String)> = sqlx::query_as(
            r#"select n.id, n.twilio_sid from action_numbers n join actions a on a.id = n.action_id
               where n.released_at is null and a.status = 'closed'
               order by n.id limit 1
               for update of n skip locked"#,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, sid)) = number else {
            return Ok(false);
        };
        match self.client.release_number(&sid).await {
            Ok(()) => {}
            // Already gone at Twilio (released by hand, or by us before a crash): done too.
            Err(TwilioError::Api { status: 404, .. }) => {}
            Err(error) => return Err(error.into()),
        }
        sqlx::query("update action_numbers set released_at = now() where id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs a round every `every` until the task is dropped.
    pub async fn run(self, every: Duration) {
        loop {
            match self.run_once().await {
                Ok(round) if round.bought + round.released > 0 => {
                    tracing::info!(bought = round.bought, released = round.released, "number pools");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "number pools"),
            }
            tokio::time::sleep(every).await;
        }
    }
}

/// Where to look for numbers, in order: the action's area codes, else the organization's, then
/// the action's alternate; each once.
fn area_codes(action: &[i32], org: &[i32], alternate: Option<i32>) -> Vec<i32> {
    let preferred = if action.is_empty() { org } else { action };
    let mut codes: Vec<i32> = Vec::new();
    for code in preferred.iter().copied().chain(alternate) {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// The NANP area code of an E.164 number ("+13125550100" → 312).
fn area_code_of(phone: &str) -> Option<i32> {
    phone.strip_prefix("+1").filter(|n| n.len() == 10).and_then(|n| n[..3].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_codes_prefer_the_action_then_the_organization_then_the_alternate() {
        assert_eq!(area_codes(&[312, 773], &[415], Some(872)), vec![312, 773, 872]);
        assert_eq!(area_codes(&[], &[415], Some(872)), vec![415, 872]);
        assert_eq!(area_codes(&[312], &[], Some(312)), vec![312]);
        assert!(area_codes(&[], &[], None).is_empty());
    }

    #[test]
    fn the_area_code_is_read_from_a_nanp_number() {
        assert_eq!(area_code_of("+13125550100"), Some(312));
        assert_eq!(area_code_of("+442071838750"), None);
    }
}
