//! The send audit of an action: every outbound text with the human action behind it (who
//! pressed Send, when, from which session), when the carrier took it and how it ended, or the
//! inbound message an automatic reply answered. Evidence for the FCC's P2P test (see
//! migrations/0035). Read by keyset a page at a time, like the other exports.

use crate::domain::message_kind::MessageKind;
use crate::domain::org_time::OrgTimeZone;
use crate::error::AppError;
use crate::server::db::exports::{csv_lines, iso, MessageCursor, PAGE_ROWS};
use chrono::{DateTime, Utc};
use futures_util::{stream, Stream, StreamExt};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub message_id: i64,
    pub conversation_id: i64,
    pub contact_phone: String,
    pub kind: MessageKind,
    pub body: String,
    pub volunteer: Option<String>,
    pub volunteer_email: Option<String>,
    pub pressed_at: Option<DateTime<Utc>>,
    pub press_session: Option<String>,
    pub script_rendered: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub status: String,
    pub error_code: Option<i32>,
    pub auto_reply_to: Option<i64>,
}

impl AuditRow {
    /// Pressed by a person, an automatic reply, or older than the press records.
    pub fn origin(&self) -> String {
        match (self.auto_reply_to, self.pressed_at) {
            (Some(inbound), _) => format!("automatic reply to inbound message {inbound}"),
            (None, Some(_)) => "pressed".into(),
            (None, None) => "not recorded (sent before press records were kept)".into(),
        }
    }
}

pub fn audit_header(zone: OrgTimeZone) -> Vec<String> {
    let tz = zone.name();
    vec![
        "message_id".into(),
        "contact_phone".into(),
        "kind".into(),
        "message".into(),
        "origin".into(),
        "volunteer".into(),
        "volunteer_email".into(),
        format!("pressed_at ({tz})"),
        "session (SHA-256)".into(),
        "script_as_rendered".into(),
        format!("sent_at ({tz})"),
        "status".into(),
        "error_code".into(),
    ]
}

pub fn audit_record(row: &AuditRow, zone: OrgTimeZone) -> Vec<String> {
    vec![
        row.message_id.to_string(),
        row.contact_phone.clone(),
        row.kind.as_str().to_string(),
        row.body.clone(),
        row.origin(),
        row.volunteer.clone().unwrap_or_default(),
        row.volunteer_email.clone().unwrap_or_default(),
        iso(zone, row.pressed_at),
        row.press_session.clone().unwrap_or_default(),
        row.script_rendered.clone().unwrap_or_default(),
        iso(zone, row.sent_at),
        row.status.clone(),
        row.error_code.map(|c| c.to_string()).unwrap_or_default(),
    ]
}

/// Up to `limit` outbound messages of the action after `after`, by (conversation, message).
pub async fn audit_page(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    after: MessageCursor,
    limit: i64,
) -> Result<Vec<AuditRow>, AppError> {
    Ok(sqlx::query_as::<_, AuditRow>(
        r#"select m.id as message_id, c.id as conversation_id, c.contact_phone, m.kind, m.body,
                  u.display_name as volunteer, u.email::text as volunteer_email, m.pressed_at, m.press_session,
                  m.script_rendered, m.sent_at, m.status, m.error_code, m.auto_reply_to
           from conversations c
           join messages m on m.conversation_id = c.id
           left join users u on u.id = m.sent_by
           where c.action_id = $1 and c.organization_id = $2 and m.direction = 'outbound'
             and c.id >= $3 and (c.id > $3 or m.id > $4) and m.conversation_id >= $3
           order by c.id, m.id
           limit $5"#,
    )
    .bind(action_id)
    .bind(org_id)
    .bind(after.conversation_id)
    .bind(after.message_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The whole audit as chunks of CSV. The action's organization is checked by the caller.
pub fn audit_stream(
    db: PgPool,
    org_id: Uuid,
    action_id: Uuid,
    zone: OrgTimeZone,
) -> impl Stream<Item = Result<Vec<u8>, AppError>> + Send + 'static {
    let head = csv_lines([audit_header(zone)]);
    let pages = stream::unfold(Some(MessageCursor::default()), move |after| {
        let db = db.clone();
        async move {
            let after = after?;
            match audit_page(&db, org_id, action_id, after, PAGE_ROWS).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows
                        .last()
                        .map(|r| MessageCursor { conversation_id: r.conversation_id, message_id: r.message_id });
                    Some((Ok(csv_lines(rows.iter().map(|r| audit_record(r, zone)))), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    stream::once(async move { Ok(head) }).chain(pages)
}
