//! The contact import: a CSV arriving as a stream of chunks is parsed, normalised and streamed
//! with COPY into a temporary staging table; duplicates, opt-outs and assignments are then
//! resolved in one statement, and the list, its contacts, the rejected rows and the import's
//! outcome are committed together. Nothing of a failed or cancelled import is left behind.
//!
//! Memory stays bounded whatever the file's size: one chunk, one record (at most 1 MB) and one
//! COPY buffer are held at a time; deduplication happens in the database.

use crate::domain::csv_import::{
    detect_delimiter, ColumnMapping, ColumnRole, CsvError, RawRecord, RecordReader, TextEncoding,
};
use crate::domain::phone::{PhoneNumber, Region};
use crate::domain::time_zones::{ContactZones, ZipCode};
use crate::domain::us_states::UsState;
use crate::model::contacts::ImportSummary;
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use sqlx::{PgPool, Postgres, Transaction};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The import to run, as registered by `start_import`.
#[derive(Debug, Clone)]
pub struct ImportJob {
    pub id: Uuid,
    pub org_id: Uuid,
    pub list_name: String,
    pub mapping: ColumnMapping,
    pub encoding: TextEncoding,
    pub created_by: Option<Uuid>,
    pub region: Region,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("{0}")]
    Csv(#[from] CsvError),
    #[error("The import was cancelled.")]
    Cancelled,
    #[error("The upload was interrupted: {0}")]
    Upload(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl ImportFailure {
    /// What the person who uploaded the file is told.
    pub fn user_message(&self) -> String {
        match self {
            ImportFailure::Db(_) => {
                "Something went wrong on our side while saving the list. Nothing was imported; please try again.".into()
            }
            other => format!("{other} Nothing was imported."),
        }
    }
}

/// Reports progress at most every quarter second and notices a cancellation request.
pub struct Progress {
    db: PgPool,
    import_id: Uuid,
    last: Instant,
}

impl Progress {
    pub fn new(db: PgPool, import_id: Uuid) -> Progress {
        Progress { db, import_id, last: Instant::now() }
    }

    async fn tick(&mut self, rows_read: u64, rows_stored: u64, force: bool) -> Result<(), ImportFailure> {
        if !force && self.last.elapsed() < Duration::from_millis(250) {
            return Ok(());
        }
        self.last = Instant::now();
        // On the pool, not the import's transaction, so other requests see it at once.
        let status: Option<String> = sqlx::query_scalar(
            "update contact_imports set rows_read = $2, rows_stored = $3 where id = $1 returning status",
        )
        .bind(self.import_id)
        .bind(rows_read as i64)
        .bind(rows_stored as i64)
        .fetch_optional(&self.db)
        .await?;
        if status.as_deref() == Some("cancelling") {
            return Err(ImportFailure::Cancelled);
        }
        Ok(())
    }
}

/// Column positions, resolved once from the mapping.
struct Columns {
    count: usize,
    headers: Vec<String>,
    cell: usize,
    first_name: Option<usize>,
    last_name: Option<usize>,
    zip: Option<usize>,
    email: Option<usize>,
    external_id: Option<usize>,
    assigned_id: Option<usize>,
    assigned_email: Option<usize>,
    custom: Vec<(usize, String)>,
}

impl Columns {
    fn new(mapping: &ColumnMapping) -> Result<Columns, CsvError> {
        mapping.validate()?;
        Ok(Columns {
            count: mapping.columns.len(),
            headers: mapping.columns.iter().map(|c| c.header.clone()).collect(),
            cell: mapping.position(ColumnRole::Cell).ok_or(CsvError::NoCellColumn)?,
            first_name: mapping.position(ColumnRole::FirstName),
            last_name: mapping.position(ColumnRole::LastName),
            zip: mapping.position(ColumnRole::Zip),
            email: mapping.position(ColumnRole::Email),
            external_id: mapping.position(ColumnRole::ExternalId),
            assigned_id: mapping.position(ColumnRole::AssignedUserId),
            assigned_email: mapping.position(ColumnRole::AssignedUserEmail),
            custom: mapping.custom_fields(),
        })
    }
}

/// Turns records into COPY text rows for the staging table.
struct Stager {
    columns: Columns,
    encoding: TextEncoding,
    region: Region,
    buf: Vec<u8>,
    data_rows: u64,
    missing: u64,
    invalid: u64,
}

/// The reason a row with an unusable number is left out, followed by `:` and the
/// `PhoneError` code.
pub const INVALID_NUMBER: &str = "invalid_number";

const STAGING_COLUMNS: &str = "row_number, reason, phone, phone_raw, first_name, last_name, zip, email, external_id, assigned_id, assigned_email, time_zones, custom, state";

impl Stager {
    fn text<'a>(&self, record: &RawRecord<'a>, i: usize) -> Result<std::borrow::Cow<'a, str>, CsvError> {
        self.encoding.decode(record.field(i)).ok_or_else(|| CsvError::NotUtf8 {
            row: record.row,
            column: self.columns.headers.get(i).cloned().unwrap_or_default(),
        })
    }

    fn optional(&self, record: &RawRecord<'_>, i: Option<usize>) -> Result<Option<String>, CsvError> {
        match i {
            Some(i) => {
                let value = self.text(record, i)?;
                let value = value.trim();
                Ok((!value.is_empty()).then(|| value.to_string()))
            }
            None => Ok(None),
        }
    }

    fn record(&mut self, record: RawRecord<'_>) -> Result<(), CsvError> {
        if record.len() != self.columns.count {
            return Err(CsvError::Ragged { row: record.row, found: record.len(), expected: self.columns.count });
        }
        if record.row == 1 {
            for (i, expected) in self.columns.headers.iter().enumerate() {
                let found = self.text(&record, i)?;
                if found.trim() != expected.trim() {
                    return Err(CsvError::HeaderChanged(format!(
                        "column {} is \"{}\", not \"{}\"",
                        i + 1,
                        found.trim(),
                        expected
                    )));
                }
            }
            return Ok(());
        }
        self.data_rows += 1;
        let raw_phone = self.text(&record, self.columns.cell)?.trim().to_string();
        let (reason, phone) = if raw_phone.is_empty() {
            self.missing += 1;
            (Some("missing_number".to_string()), None)
        } else {
            match PhoneNumber::parse(&raw_phone, self.region) {
                Ok(phone) => (None, Some(phone)),
                Err(error) => {
                    self.invalid += 1;
                    // Which problem it is, so the rejects file can say so.
                    (Some(format!("{INVALID_NUMBER}:{}", error.code())), None)
                }
            }
        };
        let zip_text = self.optional(&record, self.columns.zip)?;
        let (zones, state) = match &phone {
            Some(phone) => {
                let zip = zip_text.as_deref().and_then(|z| ZipCode::parse(z).ok());
                (Some(ContactZones::for_contact(zip.as_ref(), phone)), UsState::for_contact(zip.as_ref(), phone))
            }
            None => (None, None),
        };
        let mut custom = serde_json::Map::with_capacity(self.columns.custom.len());
        for (i, name) in &self.columns.custom {
            let value = self.text(&record, *i)?;
            let value = value.trim();
            if !value.is_empty() {
                custom.insert(name.clone(), serde_json::Value::String(value.to_string()));
            }
        }
        let first_name = self.optional(&record, self.columns.first_name)?;
        let last_name = self.optional(&record, self.columns.last_name)?;
        let email = self.optional(&record, self.columns.email)?;
        let external_id = self.optional(&record, self.columns.external_id)?;
        let assigned_id = self.optional(&record, self.columns.assigned_id)?;
        let assigned_email = self.optional(&record, self.columns.assigned_email)?.map(|e| e.to_lowercase());

        let buf = &mut self.buf;
        buf.extend_from_slice(record.row.to_string().as_bytes());
        for value in [
            reason.as_deref(),
            phone.as_ref().map(|p| p.as_str()),
            Some(raw_phone.as_str()),
            Some(first_name.as_deref().unwrap_or("")),
            Some(last_name.as_deref().unwrap_or("")),
            zip_text.as_deref(),
            email.as_deref(),
            external_id.as_deref(),
            assigned_id.as_deref(),
            assigned_email.as_deref(),
        ] {
            buf.push(b'\t');
            copy_field(buf, value);
        }
        buf.push(b'\t');
        match &zones {
            Some(zones) => copy_field(buf, Some(&pg_array(zones.zones().iter().map(|z| z.name())))),
            None => copy_field(buf, Some("{}")),
        }
        buf.push(b'\t');
        copy_field(buf, Some(&serde_json::Value::Object(custom).to_string()));
        buf.push(b'\t');
        copy_field(buf, state.as_ref().map(|s| s.as_str()));
        buf.push(b'\n');
        Ok(())
    }
}

/// Appends a value in COPY's text format (`\N` for null, backslash escapes).
fn copy_field(buf: &mut Vec<u8>, value: Option<&str>) {
    let Some(value) = value else {
        buf.extend_from_slice(b"\\N");
        return;
    };
    for b in value.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// A Postgres array literal of plain names (IANA zone names need no quoting).
fn pg_array<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("{");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push('}');
    out
}

/// Flush the COPY buffer to the server once it holds this much.
const COPY_CHUNK: usize = 512 * 1024;

/// Runs the import over `body` and commits the list. Returns the new list's id and the counts.
pub async fn run<S, E>(
    db: &PgPool,
    job: &ImportJob,
    body: S,
    progress: &mut Progress,
) -> Result<(Uuid, ImportSummary), ImportFailure>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let columns = Columns::new(&job.mapping)?;
    let mut tx = db.begin().await?;
    // Sorting a million staged rows for deduplication wants more than the default work_mem.
    sqlx::query("set local work_mem = '256MB'").execute(&mut *tx).await?;
    sqlx::query(
        r#"create temp table import_staging (
               row_number bigint not null, reason text, phone text, phone_raw text not null,
               first_name text not null, last_name text not null, zip text, email text,
               external_id text, assigned_id text, assigned_email text,
               time_zones text[] not null, custom jsonb not null, state text
           ) on commit drop"#,
    )
    .execute(&mut *tx)
    .await?;

    let mut stager = Stager {
        columns,
        encoding: job.encoding,
        region: job.region,
        buf: Vec::with_capacity(COPY_CHUNK + 64 * 1024),
        data_rows: 0,
        missing: 0,
        invalid: 0,
    };
    let stored = stage(&mut tx, &mut stager, body, progress).await?;
    progress.tick(stager.data_rows, stored, true).await?;

    let list_id = Uuid::new_v4();
    sqlx::query(
        "insert into contact_lists (id, organization_id, name, custom_fields, created_by) values ($1, $2, $3, $4, $5)",
    )
    .bind(list_id)
    .bind(job.org_id)
    .bind(&job.list_name)
    .bind(job.mapping.custom_fields().into_iter().map(|(_, name)| name).collect::<Vec<_>>())
    .bind(job.created_by)
    .execute(&mut *tx)
    .await?;
    let summary = merge(&mut tx, job, list_id, &stager).await?;
    sqlx::query("update contact_lists set contact_count = $2 where id = $1")
        .bind(list_id)
        .bind(summary.imported as i32)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update contact_imports set status = 'done', list_id = $2, summary = $3, rows_read = $4, rows_stored = $4 where id = $1",
    )
    .bind(job.id)
    .bind(list_id)
    .bind(serde_json::to_value(&summary).expect("summary serializes"))
    .bind(summary.rows as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((list_id, summary))
}

/// Streams the body through the CSV reader into COPY. Returns the rows staged.
async fn stage<S, E>(
    tx: &mut Transaction<'_, Postgres>,
    stager: &mut Stager,
    mut body: S,
    progress: &mut Progress,
) -> Result<u64, ImportFailure>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut copy = tx.copy_in_raw(&format!("copy import_staging ({STAGING_COLUMNS}) from stdin")).await?;
    let mut reader: Option<RecordReader> = None;
    // The delimiter is guessed from the header line, which may span the first chunks.
    let mut head: Vec<u8> = Vec::new();
    let mut staged = 0u64;
    let mut sent_rows = 0u64;
    let mut seen_bytes = false;
    loop {
        let chunk = match body.next().await {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => {
                let _ = copy.abort("upload interrupted").await;
                return Err(ImportFailure::Upload(e.to_string()));
            }
            None => break,
        };
        if chunk.is_empty() {
            continue;
        }
        seen_bytes = true;
        let result = match reader.as_mut() {
            Some(reader) => reader.feed(&chunk, &mut |r| stager.record(r)),
            None => {
                head.extend_from_slice(&chunk);
                if !head.contains(&b'\n') && head.len() < 64 * 1024 {
                    continue;
                }
                let r = reader
                    .insert(RecordReader::new(detect_delimiter(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head))));
                r.feed(&std::mem::take(&mut head), &mut |rec| stager.record(rec))
            }
        };
        if let Err(e) = result {
            let _ = copy.abort("bad input").await;
            return Err(e.into());
        }
        if stager.buf.len() >= COPY_CHUNK {
            copy.send(std::mem::take(&mut stager.buf)).await?;
            stager.buf.reserve(COPY_CHUNK + 64 * 1024);
            staged = stager.data_rows;
            sent_rows = staged;
        }
        if let Err(e) = progress.tick(stager.data_rows, sent_rows, false).await {
            let _ = copy.abort("cancelled").await;
            return Err(e);
        }
    }
    let finished = match reader.as_mut() {
        Some(reader) => reader.finish(&mut |r| stager.record(r)),
        None if !head.is_empty() => {
            let mut r = RecordReader::new(detect_delimiter(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head)));
            r.feed(&head, &mut |rec| stager.record(rec)).and_then(|_| r.finish(&mut |rec| stager.record(rec)))
        }
        None => Ok(()),
    };
    if let Err(e) = finished {
        let _ = copy.abort("bad input").await;
        return Err(e.into());
    }
    if !seen_bytes || (reader.is_none() && head.iter().all(|b| b.is_ascii_whitespace())) {
        let _ = copy.abort("empty").await;
        return Err(CsvError::Empty.into());
    }
    if stager.data_rows == 0 {
        let _ = copy.abort("no rows").await;
        return Err(CsvError::NoRows.into());
    }
    if !stager.buf.is_empty() {
        copy.send(std::mem::take(&mut stager.buf)).await?;
    }
    let _ = staged;
    Ok(copy.finish().await?)
}

/// Resolves duplicates (last row wins), opt-outs and assignments, inserts the contacts and the
/// rejected rows, and counts each outcome.
async fn merge(
    tx: &mut Transaction<'_, Postgres>,
    job: &ImportJob,
    list_id: Uuid,
    stager: &Stager,
) -> Result<ImportSummary, ImportFailure> {
    // Rows rejected while parsing (no number, invalid number) go straight to the rejects.
    sqlx::query(
        r#"insert into import_rejects (import_id, row_number, reason, phone_raw, first_name, last_name, zip, email, external_id, assigned_user, custom)
           select $1, row_number, reason, phone_raw, first_name, last_name, coalesce(zip, ''), coalesce(email, ''),
                  coalesce(external_id, ''), coalesce(assigned_id, assigned_email, ''), custom
           from import_staging where reason is not null"#,
    )
    .bind(job.id)
    .execute(&mut **tx)
    .await?;

    // One pass classifies every valid row; the CTE is materialised once and feeds both inserts.
    let counts: (i64, i64, i64, i64, i64) = sqlx::query_as(
        r#"with members as (
               select u.id, u.id::text as id_text, u.email::text as email
               from memberships m join users u on u.id = m.user_id
               where m.organization_id = $2
           ),
           classified as materialized (
               select s.*,
                      row_number() over (partition by s.phone order by s.row_number desc) = 1 as winner,
                      o.phone is not null as opted_out,
                      o.source = 'imported' as do_not_contact,
                      coalesce(m1.id, m2.id) as assigned_user_id,
                      (s.assigned_id is not null or s.assigned_email is not null) as wants_assignment
               from import_staging s
               left join opt_outs o on o.organization_id = $2 and o.phone = s.phone
               left join members m1 on m1.id_text = s.assigned_id
               left join members m2 on m2.email = s.assigned_email
               where s.reason is null
           ),
           outcome as (
               select c.*,
                      case when not winner then 'duplicate'
                           when do_not_contact then 'do_not_contact'
                           when opted_out then 'opted_out'
                           when wants_assignment and assigned_user_id is null then 'unknown_assigned_user'
                      end as rejected
               from classified c
           ),
           inserted as (
               insert into contacts (list_id, phone, first_name, last_name, zip, email, external_id, assigned_user_id, time_zones, custom, state)
               select $3, phone, first_name, last_name, zip, email, external_id, assigned_user_id, time_zones, custom, state
               from outcome where rejected is null
               returning 1
           ),
           rejected as (
               insert into import_rejects (import_id, row_number, reason, phone_raw, first_name, last_name, zip, email, external_id, assigned_user, custom)
               select $1, row_number, rejected, phone_raw, first_name, last_name, coalesce(zip, ''), coalesce(email, ''),
                      coalesce(external_id, ''), coalesce(assigned_id, assigned_email, ''), custom
               from outcome where rejected is not null
               returning reason
           )
           select (select count(*) from inserted),
                  count(*) filter (where reason = 'duplicate'),
                  count(*) filter (where reason = 'opted_out'),
                  count(*) filter (where reason = 'do_not_contact'),
                  count(*) filter (where reason = 'unknown_assigned_user')
           from rejected"#,
    )
    .bind(job.id)
    .bind(job.org_id)
    .bind(list_id)
    .fetch_one(&mut **tx)
    .await?;
    let (imported, duplicates, opted_out, do_not_contact, unknown_assignees) = counts;
    Ok(ImportSummary {
        rows: stager.data_rows,
        imported: imported as u64,
        duplicates: duplicates as u64,
        invalid_numbers: stager.invalid,
        missing_numbers: stager.missing,
        opted_out: opted_out as u64,
        do_not_contact: do_not_contact as u64,
        unknown_assignees: unknown_assignees as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_fields_are_escaped() {
        let mut buf = Vec::new();
        copy_field(&mut buf, Some("a\tb\\c\nd\re"));
        buf.push(b'|');
        copy_field(&mut buf, None);
        assert_eq!(String::from_utf8(buf).unwrap(), "a\\tb\\\\c\\nd\\re|\\N");
    }

    #[test]
    fn zone_arrays_are_postgres_literals() {
        assert_eq!(pg_array(["America/New_York", "America/Chicago"].into_iter()), "{America/New_York,America/Chicago}");
        assert_eq!(pg_array(std::iter::empty()), "{}");
    }
}
