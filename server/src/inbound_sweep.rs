//! The inbound reconciliation sweep: a reply or a STOP sent while our server was down (or
//! whose webhook failed, which Twilio never retries) is still honoured. Every few minutes it
//! lists the recent inbound messages to each of our numbers through the REST API
//! (`GET Messages.json` with `To` and `DateSent>`, twilio-oai twilio_api_v2010.json
//! ListMessage) and stores and processes the ones we never received, exactly as the webhook
//! would have.

use crate::twilio::{MessageQuery, SentMessage, TwilioClient, TwilioError};
use app::server::db;
use chrono::{Duration, Utc};
use sqlx::PgPool;

/// One listing page per number and pass: Twilio's largest page. A number gets replies from the
/// ~200 contacts it texts, far fewer than this in a day.
const PAGE_SIZE: u32 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("listing inbound messages: {0}")]
    Carrier(#[from] TwilioError),
    #[error("storing inbound messages: {0}")]
    Database(#[from] app::error::AppError),
}

/// What the listing says of an inbound text, as the form fields its webhook would have had.
fn as_webhook(message: &SentMessage, account_sid: &str) -> Vec<(String, String)> {
    let mut params = vec![
        ("MessageSid", message.sid.clone()),
        ("SmsMessageSid", message.sid.clone()),
        ("AccountSid", account_sid.to_string()),
        ("From", message.from.clone().unwrap_or_default()),
        ("To", message.to.clone()),
        ("Body", message.body.clone()),
        ("NumMedia", message.num_media.unwrap_or(0).to_string()),
        ("SmsStatus", "received".into()),
    ];
    if let Some(service) = &message.messaging_service_sid {
        params.push(("MessagingServiceSid", service.clone()));
    }
    params.into_iter().map(|(n, v)| (n.to_string(), v)).collect()
}

/// One pass over every number we receive on. Returns how many texts it found that we had
/// never received. A number whose listing fails is left for the next pass (its window is not
/// moved), the others go on.
pub async fn sweep(db: &PgPool, client: &TwilioClient, configured: Option<&str>) -> Result<usize, SweepError> {
    let mut found = 0;
    for (phone, swept_from) in db::webhooks::sweep_numbers(db, configured).await? {
        let started = Utc::now();
        // `DateSent>` takes a date: the day before the window opens, so a text sent just
        // before midnight GMT (or with a late date_sent) is never between two passes.
        let query = MessageQuery {
            to: Some(phone.clone()),
            date_sent_after: Some((swept_from - Duration::days(1)).date_naive()),
            page_size: Some(PAGE_SIZE),
            ..MessageQuery::default()
        };
        let listed = match client.list_messages(&query).await {
            Ok(listed) => listed,
            Err(error) => {
                tracing::warn!(%phone, %error, "inbound sweep could not list this number");
                continue;
            }
        };
        let inbound: Vec<&SentMessage> =
            listed.iter().filter(|m| m.direction.as_deref() == Some("inbound") && m.to == phone).collect();
        let sids: Vec<String> = inbound.iter().map(|m| m.sid.clone()).collect();
        let known = db::webhooks::known_inbound(db, &sids).await?;
        for message in inbound.iter().filter(|m| !known.contains(&m.sid)) {
            let params = as_webhook(message, client.account_sid());
            if db::webhooks::store_inbound(db, &message.sid, &params, db::webhooks::InboundSource::Sweep).await? {
                tracing::info!(sid = %message.sid, %phone, "inbound sweep found a text the webhook never delivered");
                found += 1;
            }
        }
        db::webhooks::swept(db, &phone, started).await?;
    }
    // What was just stored is processed like a webhook's request.
    crate::webhooks::process_pending(db, std::time::Duration::ZERO).await?;
    Ok(found)
}
