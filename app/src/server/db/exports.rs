//! The CSV exports of an action: one row per conversation (contacts.csv) and one row per
//! message (messages.csv). Rows are read a page at a time by keyset, so memory stays flat
//! however large the action; each page becomes CSV bytes on its own.
//!
//! `server/src/exports.rs` streams these over HTTP; `write_contacts` and `write_messages` write
//! a whole export to any `std::io::Write` (benchmarks, tools).

use crate::domain::org_time::OrgTimeZone;
use crate::domain::script_tree::ScriptTree;
use crate::error::AppError;
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::{stream, Stream, StreamExt};
use sqlx::PgPool;
use std::borrow::Cow;
use uuid::Uuid;

/// Rows per database page: large enough that a page is one quick round trip, small enough
/// that a page of CSV stays a few megabytes at most.
pub const PAGE_ROWS: i64 = 5_000;

/// A file name for the action's exports: its title in lowercase ASCII words.
pub fn file_stem(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.is_empty() {
        "action".into()
    } else {
        words.join("-").chars().take(60).collect()
    }
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and tab or carriage return)
/// as a formula; such a cell gets a leading `'`, unless it is a plain number (`+13125550101`,
/// `-4.5`), which no spreadsheet runs as anything but a number.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    match value.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_plain_number(value) => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

fn is_plain_number(value: &str) -> bool {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    let mut dots = 0;
    !digits.is_empty()
        && digits.chars().all(|c| {
            dots += usize::from(c == '.');
            c.is_ascii_digit() || c == '.'
        })
        && dots <= 1
        && digits != "."
}

/// CSV lines (RFC 4180: quoted only when needed, CRLF), every cell through `safe_cell`.
pub fn csv_lines<R, C>(records: impl IntoIterator<Item = R>) -> Vec<u8>
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::with_capacity(4096));
    for record in records {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(record.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()));
    }
    writer.into_inner().unwrap_or_default()
}

/// ISO 8601 in the organization's zone, with its offset ("2026-03-01T06:30:00-05:00"): what
/// people read in a spreadsheet is their own local time, and the offset keeps it unambiguous.
pub fn iso(zone: OrgTimeZone, at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.with_timezone(&zone.tz()).to_rfc3339_opts(SecondsFormat::Secs, false)).unwrap_or_default()
}

fn json_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn io_error(error: std::io::Error) -> AppError {
    tracing::error!(%error, "writing an export failed");
    AppError::Internal
}

// ---------------------------------------------------------------------------------------------
// contacts.csv

/// The columns that depend on the action: its list's custom fields, its report's custom
/// fields and the questions of its branched script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsLayout {
    pub action_title: String,
    /// The organization's zone: every time in both exports is in it.
    pub time_zone: OrgTimeZone,
    pub custom_fields: Vec<String>,
    /// (field id, name)
    pub report_fields: Vec<(i64, String)>,
    /// (node id whose question it is, "" for the initial script's; the question)
    pub questions: Vec<(String, String)>,
}

/// The action's layout; NotFound when the action is not the organization's.
pub async fn contacts_layout(db: &PgPool, org_id: Uuid, action_id: Uuid) -> Result<ContactsLayout, AppError> {
    #[allow(clippy::type_complexity)]
    let row: Option<(String, Option<Vec<String>>, Vec<i64>, serde_json::Value, Option<String>)> = sqlx::query_as(
        r#"select a.title, l.custom_fields, a.report_field_ids, a.script_tree, ts.default_time_zone
           from actions a left join contact_lists l on l.id = a.contact_list_id
                left join texting_settings ts on ts.organization_id = a.organization_id
           where a.id = $1 and a.organization_id = $2"#,
    )
    .bind(action_id)
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    let Some((action_title, custom_fields, report_field_ids, tree, time_zone)) = row else {
        return Err(AppError::NotFound("That action does not exist.".into()));
    };
    let names: Vec<(i64, String)> =
        sqlx::query_as("select id, name from custom_fields where id = any($1) and organization_id = $2")
            .bind(&report_field_ids)
            .bind(org_id)
            .fetch_all(db)
            .await?;
    // In the order the report settings list them.
    let report_fields = report_field_ids.iter().filter_map(|id| names.iter().find(|(f, _)| f == id).cloned()).collect();
    Ok(ContactsLayout {
        action_title,
        time_zone: OrgTimeZone::try_from(time_zone).map_err(|e| AppError::stored("default_time_zone", e))?,
        custom_fields: custom_fields.unwrap_or_default(),
        report_fields,
        questions: questions(&ScriptTree::from_json(&tree)),
    })
}

/// Every question the script asks, top down: the initial script's, then each response's that
/// offers answer choices or asks something.
pub fn questions(tree: &ScriptTree) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if !tree.question.trim().is_empty() || !tree.answers.is_empty() {
        let text = if tree.question.trim().is_empty() { "Initial question" } else { tree.question.trim() };
        out.push((String::new(), text.to_string()));
    }
    for p in tree.placements().into_iter().filter(|p| p.question_node.is_some()) {
        if !p.node.question.trim().is_empty() || !p.node.answers.is_empty() {
            let text = if p.node.question.trim().is_empty() {
                format!("After {}", p.path.join(" → "))
            } else {
                p.node.question.trim().to_string()
            };
            out.push((p.node.id.clone(), text));
        }
    }
    out
}

pub fn contacts_header(layout: &ContactsLayout) -> Vec<String> {
    let mut header: Vec<String> =
        ["first_name", "last_name", "phone", "zip", "time_zones", "email", "external_id"].map(String::from).to_vec();
    header.extend(layout.custom_fields.iter().cloned());
    header.extend(["volunteer", "first_texted_at", "opted_out", "undeliverable", "tags"].map(String::from));
    header.extend(layout.report_fields.iter().map(|(_, name)| name.clone()));
    header.extend(layout.questions.iter().map(|(_, q)| q.clone()));
    header
        .extend(["last_message", "last_message_at", "last_message_direction", "last_message_status"].map(String::from));
    header
}

/// One conversation of the action, with everything its row needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    pub conversation_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub zip: Option<String>,
    /// The IANA zones the contact may be in, as imported.
    pub time_zones: Vec<String>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    /// The list's custom values, by field name.
    pub custom: serde_json::Value,
    /// Who holds the conversation now (nobody for a contact not yet texted or given back).
    pub volunteer: Option<String>,
    pub initial_sent_at: Option<DateTime<Utc>>,
    pub opted_out: bool,
    /// The carrier's code when it said the number cannot receive texts (migrations/0020).
    pub undeliverable: Option<i32>,
    /// Tag names, sorted, separated by semicolons.
    pub tags: String,
    /// Report field values by field id (as text).
    pub fields: serde_json::Value,
    /// Survey answers (labels) by question node.
    pub answers: serde_json::Value,
    pub last_body: Option<String>,
    pub last_at: Option<DateTime<Utc>>,
    pub last_direction: Option<String>,
    pub last_status: Option<String>,
}

/// Up to `limit` conversations of the action with ids above `after`, in id order.
pub async fn contacts_page(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<ContactRow>, AppError> {
    Ok(sqlx::query_as::<_, ContactRow>(
        r#"select c.id as conversation_id, k.first_name, k.last_name, c.contact_phone as phone, k.zip, k.time_zones,
                  k.email, k.external_id, k.custom, u.display_name as volunteer, c.initial_sent_at,
                  exists (select 1 from opt_outs o where o.organization_id = c.organization_id and o.phone = c.contact_phone) as opted_out,
                  (select u.error_code from undeliverable_phones u where u.organization_id = c.organization_id and u.phone = c.contact_phone) as undeliverable,
                  coalesce((select string_agg(t.name, ';' order by lower(t.name), t.id)
                            from conversation_tags ct join tags t on t.id = ct.tag_id where ct.conversation_id = c.id), '') as tags,
                  coalesce((select jsonb_object_agg(cf.field_id::text, cf.value)
                            from conversation_fields cf where cf.conversation_id = c.id), '{}') as fields,
                  coalesce((select jsonb_object_agg(sa.question_node, sa.answer)
                            from survey_answers sa where sa.conversation_id = c.id), '{}') as answers,
                  m.body as last_body, m.created_at as last_at, m.direction::text as last_direction, m.status as last_status
           from conversations c
           join contacts k on k.id = c.contact_id
           left join users u on u.id = c.volunteer_id
           left join lateral (select body, created_at, direction, status from messages
                              where conversation_id = c.id order by id desc limit 1) m on true
           where c.action_id = $1 and c.organization_id = $2 and c.id > $3
           order by c.id
           limit $4"#,
    )
    .bind(action_id)
    .bind(org_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// One record per row, in `contacts_header`'s columns.
pub fn contact_record(layout: &ContactsLayout, row: &ContactRow) -> Vec<String> {
    let mut record = vec![
        row.first_name.clone(),
        row.last_name.clone(),
        row.phone.clone(),
        row.zip.clone().unwrap_or_default(),
        row.time_zones.join(";"),
        row.email.clone().unwrap_or_default(),
        row.external_id.clone().unwrap_or_default(),
    ];
    record.extend(layout.custom_fields.iter().map(|name| json_text(row.custom.get(name))));
    record.push(row.volunteer.clone().unwrap_or_default());
    record.push(iso(layout.time_zone, row.initial_sent_at));
    record.push(if row.opted_out { "yes" } else { "no" }.to_string());
    record.push(row.undeliverable.map(|code| code.to_string()).unwrap_or_default());
    record.push(row.tags.clone());
    record.extend(layout.report_fields.iter().map(|(id, _)| json_text(row.fields.get(id.to_string()))));
    record.extend(layout.questions.iter().map(|(node, _)| json_text(row.answers.get(node))));
    record.push(row.last_body.clone().unwrap_or_default());
    record.push(iso(layout.time_zone, row.last_at));
    record.push(row.last_direction.clone().unwrap_or_default());
    record.push(row.last_status.clone().unwrap_or_default());
    record
}

/// A page of rows as CSV bytes.
pub fn contacts_csv(layout: &ContactsLayout, rows: &[ContactRow]) -> Vec<u8> {
    csv_lines(rows.iter().map(|r| contact_record(layout, r)))
}

/// The whole contacts export as chunks of CSV: the header, then one chunk per page.
pub fn contacts_stream(
    db: PgPool,
    org_id: Uuid,
    action_id: Uuid,
    layout: ContactsLayout,
) -> impl Stream<Item = Result<Vec<u8>, AppError>> + Send + 'static {
    let head = csv_lines([contacts_header(&layout)]);
    let pages = stream::unfold(Some(0i64), move |after| {
        let (db, layout) = (db.clone(), layout.clone());
        async move {
            let after = after?;
            match contacts_page(&db, org_id, action_id, after, PAGE_ROWS).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows.last().map(|r| r.conversation_id);
                    Some((Ok(contacts_csv(&layout, &rows)), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    stream::once(async move { Ok(head) }).chain(pages)
}

/// Writes the whole contacts export to `out`; answers how many rows (conversations) it wrote.
pub async fn write_contacts<W: std::io::Write>(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    out: &mut W,
) -> Result<u64, AppError> {
    let layout = contacts_layout(db, org_id, action_id).await?;
    out.write_all(&csv_lines([contacts_header(&layout)])).map_err(io_error)?;
    let (mut after, mut written) = (0i64, 0u64);
    loop {
        let rows = contacts_page(db, org_id, action_id, after, PAGE_ROWS).await?;
        let Some(last) = rows.last() else { break };
        after = last.conversation_id;
        written += rows.len() as u64;
        out.write_all(&contacts_csv(&layout, &rows)).map_err(io_error)?;
    }
    Ok(written)
}

// ---------------------------------------------------------------------------------------------
// messages.csv

pub fn messages_header() -> Vec<String> {
    ["time", "direction", "contact_phone", "volunteer", "body", "status", "error_code", "twilio_sid"]
        .map(String::from)
        .to_vec()
}

/// Where a page of messages ends: messages are exported thread by thread (conversation id),
/// each thread in order. `MessageCursor::default()` starts at the beginning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageCursor {
    pub conversation_id: i64,
    pub message_id: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub message_id: i64,
    pub conversation_id: i64,
    pub created_at: DateTime<Utc>,
    pub direction: String,
    pub contact_phone: String,
    /// Who sent it (outbound; empty for the automatic HELP answer), or who held the
    /// conversation when it arrived (inbound).
    pub volunteer: Option<String>,
    pub body: String,
    pub status: String,
    pub error_code: Option<i32>,
    pub twilio_sid: Option<String>,
}

impl MessageRow {
    pub fn cursor(&self) -> MessageCursor {
        MessageCursor { conversation_id: self.conversation_id, message_id: self.message_id }
    }
}

/// Up to `limit` messages of the action after `after`, by (conversation id, message id).
pub async fn messages_page(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    after: MessageCursor,
    limit: i64,
) -> Result<Vec<MessageRow>, AppError> {
    Ok(sqlx::query_as::<_, MessageRow>(
        r#"select m.id as message_id, c.id as conversation_id, m.created_at, m.direction::text as direction,
                  c.contact_phone,
                  case when m.direction = 'outbound' then su.display_name else hu.display_name end as volunteer,
                  m.body, m.status, m.error_code, m.twilio_sid
           from conversations c
           join messages m on m.conversation_id = c.id
           left join users su on su.id = m.sent_by
           left join users hu on hu.id = m.held_by
           where c.action_id = $1 and c.organization_id = $2 and c.id >= $3 and (c.id > $3 or m.id > $4)
             -- Said of m as well, so the messages index scan starts at the cursor, not at the top.
             and m.conversation_id >= $3
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

pub fn message_record(zone: OrgTimeZone, row: &MessageRow) -> Vec<String> {
    vec![
        iso(zone, Some(row.created_at)),
        row.direction.clone(),
        row.contact_phone.clone(),
        row.volunteer.clone().unwrap_or_default(),
        row.body.clone(),
        row.status.clone(),
        row.error_code.map(|c| c.to_string()).unwrap_or_default(),
        row.twilio_sid.clone().unwrap_or_default(),
    ]
}

pub fn messages_csv(zone: OrgTimeZone, rows: &[MessageRow]) -> Vec<u8> {
    csv_lines(rows.iter().map(|row| message_record(zone, row)))
}

/// The whole messages export as chunks of CSV: the header, then one chunk per page. The
/// action's organization is checked by the caller (`action_org`).
pub fn messages_stream(
    db: PgPool,
    org_id: Uuid,
    action_id: Uuid,
    zone: OrgTimeZone,
) -> impl Stream<Item = Result<Vec<u8>, AppError>> + Send + 'static {
    let head = csv_lines([messages_header()]);
    let pages = stream::unfold(Some(MessageCursor::default()), move |after| {
        let db = db.clone();
        async move {
            let after = after?;
            match messages_page(&db, org_id, action_id, after, PAGE_ROWS).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows.last().map(MessageRow::cursor);
                    Some((Ok(messages_csv(zone, &rows)), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    stream::once(async move { Ok(head) }).chain(pages)
}

/// Writes the whole messages export to `out`; answers how many messages it wrote. NotFound
/// when the action is not the organization's.
pub async fn write_messages<W: std::io::Write>(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    out: &mut W,
) -> Result<u64, AppError> {
    // Also the check that the action is the organization's (NotFound otherwise).
    let zone = contacts_layout(db, org_id, action_id).await?.time_zone;
    out.write_all(&csv_lines([messages_header()])).map_err(io_error)?;
    let (mut after, mut written) = (MessageCursor::default(), 0u64);
    loop {
        let rows = messages_page(db, org_id, action_id, after, PAGE_ROWS).await?;
        let Some(last) = rows.last() else { break };
        after = last.cursor();
        written += rows.len() as u64;
        out.write_all(&messages_csv(zone, &rows)).map_err(io_error)?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_numbers_kept() {
        assert_eq!(safe_cell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(safe_cell("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(safe_cell("-2+3"), "'-2+3");
        assert_eq!(safe_cell("@SUM(1)"), "'@SUM(1)");
        assert_eq!(safe_cell("\t=1"), "'\t=1");
        assert_eq!(safe_cell("+13125550101"), "+13125550101");
        assert_eq!(safe_cell("-4.5"), "-4.5");
        assert_eq!(safe_cell("+"), "'+");
        assert_eq!(safe_cell("-."), "'-.");
        assert_eq!(safe_cell("1.2.3"), "1.2.3");
        assert_eq!(safe_cell("Ana = yes"), "Ana = yes");
        assert_eq!(safe_cell(""), "");
    }

    #[test]
    fn lines_quote_only_when_needed() {
        let bytes = csv_lines([vec!["a", "b,c", "say \"hi\"", "=1", "two\nlines"]]);
        assert_eq!(String::from_utf8(bytes).unwrap(), "a,\"b,c\",\"say \"\"hi\"\"\",'=1,\"two\nlines\"\r\n");
    }

    #[test]
    fn questions_follow_the_tree_top_down() {
        let tree: ScriptTree = serde_json::from_value(serde_json::json!({
            "question": "Can we count on you?",
            "answers": [
                {"id": "yes", "label": "Yes", "body": "Great", "question": "Need a ride?",
                 "answers": [{"id": "ride", "label": "Ride", "body": "OK"}]},
                {"id": "no", "label": "No", "body": "Thanks"}
            ],
            "standalone": [{"id": "wrong", "label": "Wrong number", "body": "Sorry", "question": "ignored"}]
        }))
        .unwrap();
        assert_eq!(
            questions(&tree),
            vec![("".to_string(), "Can we count on you?".to_string()), ("yes".into(), "Need a ride?".into())]
        );
        assert_eq!(questions(&ScriptTree::default()), vec![]);
    }

    #[test]
    fn file_stems_are_plain_ascii() {
        assert_eq!(file_stem("Early vote push!"), "early-vote-push");
        assert_eq!(file_stem("¡¿?!"), "action");
    }
}
