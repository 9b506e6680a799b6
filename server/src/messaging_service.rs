//! Upkeep of the configured Messaging Service: replies to its numbers reach our inbound webhook,
//! and a quarantined number leaves its pool so the service cannot pick it for a send.
//!
//! Inbound: we set the service's own inbound request URL (`InboundRequestUrl`, with
//! `UseInboundWebhookOnNumber=false`) rather than deferring to each number's SmsUrl. A
//! service's `inbound_request_url` is called "when a message is received by any phone number or
//! short code in the Service", and when it is null "receiving inbound messages is disabled"
//! (twilio-oai twilio_messaging_v1.json, Service): so every number the service holds reaches
//! us, the pool numbers we buy and any an operator added by hand, whose SmsUrl we never set.

use crate::twilio::{TwilioClient, TwilioError};
use sqlx::PgPool;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Twilio(#[from] TwilioError),
}

/// Points the service's inbound webhook at `inbound_url`. Idempotent.
pub async fn route_inbound(client: &TwilioClient, service_sid: &str, inbound_url: &str) -> Result<(), TwilioError> {
    let service = client.route_service_inbound(service_sid, inbound_url).await?;
    tracing::info!(service = %service.sid, url = ?service.inbound_request_url, "Messaging Service inbound routed to us");
    Ok(())
}

/// Takes every quarantined number still in the service out of its pool (migrations/0039,
/// 0040). A pool number's "PN..." SID is known from its purchase; any other number is looked
/// up in the service's pool. Returns how many left the service now.
pub async fn withdraw_quarantined(
    db: &PgPool,
    client: &TwilioClient,
    service_sid: &str,
) -> Result<usize, ServiceError> {
    let pending: Vec<(uuid::Uuid, String, Option<String>)> = sqlx::query_as(
        r#"select q.organization_id, q.phone,
                  (select n.twilio_sid from action_numbers n
                   where n.organization_id = q.organization_id and n.phone = q.phone and n.released_at is null
                   order by n.id desc limit 1)
           from sender_quarantine q where q.left_service_at is null"#,
    )
    .fetch_all(db)
    .await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let pool = client.list_service_numbers(service_sid).await?;
    let mut withdrawn = 0;
    for (org, phone, known_sid) in pending {
        let in_service = pool.iter().find(|n| n.phone_number == phone || Some(&n.sid) == known_sid.as_ref());
        if let Some(number) = in_service {
            match client.remove_from_messaging_service(service_sid, &number.sid).await {
                // Gone already (by hand, or by another process): the same outcome.
                Ok(()) | Err(TwilioError::Api { status: 404, .. }) => withdrawn += 1,
                Err(error) => return Err(error.into()),
            }
            tracing::warn!(%org, %phone, "quarantined number taken out of the Messaging Service");
        }
        // Out of the service: the pool's next round puts it back once an admin releases it.
        let mut tx = db.begin().await?;
        sqlx::query("update action_numbers set in_service_at = null where organization_id = $1 and phone = $2")
            .bind(org)
            .bind(&phone)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update sender_quarantine set left_service_at = now() where organization_id = $1 and phone = $2")
            .bind(org)
            .bind(&phone)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(withdrawn)
}
