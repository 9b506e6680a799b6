use crate::domain::csv_import::{ColumnMapping, TextEncoding};
use crate::domain::phone::Region;
use crate::error::AppError;
use crate::model::contacts::{
    ContactListSummary, ContactPage, ContactRow, ImportState, ImportStatus, ImportSummary, PAGE_SIZE,
};
use crate::server::caller::Caller;
use crate::server::contact_import::ImportJob;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

pub async fn create_import(
    db: impl PgExecutor<'_>,
    caller: &Caller,
    name: &str,
    mapping: &ColumnMapping,
    encoding: TextEncoding,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    sqlx::query(
        r#"insert into contact_imports (id, organization_id, list_name, mapping, encoding, created_by)
           values ($1, $2, $3, $4, $5, $6)"#,
    )
    .bind(id)
    .bind(caller.org_id)
    .bind(name)
    .bind(serde_json::to_value(mapping).expect("mapping serializes"))
    .bind(encoding.as_str())
    .bind(caller.user.id)
    .execute(db)
    .await?;
    Ok(id)
}

/// Claims a registered import for its one upload: a retried or doubled upload finds it taken.
/// Returns the organization it belongs to and the job, or `None` if it is not waiting.
pub async fn claim_import(db: impl PgExecutor<'_>, import_id: Uuid) -> Result<Option<ImportJob>, AppError> {
    let row: Option<(Uuid, String, serde_json::Value, String, Option<Uuid>, String)> = sqlx::query_as(
        r#"update contact_imports i set status = 'running'
           from organizations o
           where i.id = $1 and i.status = 'pending' and o.id = i.organization_id
           returning i.organization_id, i.list_name, i.mapping, i.encoding, i.created_by, o.default_region"#,
    )
    .bind(import_id)
    .fetch_optional(db)
    .await?;
    let Some((org_id, list_name, mapping, encoding, created_by, region)) = row else {
        return Ok(None);
    };
    let mapping: ColumnMapping =
        serde_json::from_value(mapping).map_err(|e| AppError::stored("contact_imports.mapping", e))?;
    Ok(Some(ImportJob {
        id: import_id,
        org_id,
        list_name,
        mapping,
        encoding: TextEncoding::parse(&encoding).map_err(|e| AppError::stored("contact_imports.encoding", e))?,
        created_by,
        region: Region::parse(&region).map_err(|e| AppError::stored("organizations.default_region", e))?,
    }))
}

/// The organization an import belongs to, for checking who may upload to it.
pub async fn import_org(db: impl PgExecutor<'_>, import_id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar("select organization_id from contact_imports where id = $1")
        .bind(import_id)
        .fetch_optional(db)
        .await?)
}

/// Records why an import ended without a list.
pub async fn finish_failed(
    db: impl PgExecutor<'_>,
    import_id: Uuid,
    cancelled: bool,
    message: &str,
) -> Result<(), AppError> {
    sqlx::query("update contact_imports set status = $2, error = $3 where id = $1")
        .bind(import_id)
        .bind(if cancelled { "cancelled" } else { "failed" })
        .bind(message)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn import_status(db: impl PgExecutor<'_>, org_id: Uuid, import_id: Uuid) -> Result<ImportStatus, AppError> {
    let row: Option<(String, i64, i64, Option<String>, Option<serde_json::Value>, Option<Uuid>)> = sqlx::query_as(
        r#"select status, rows_read, rows_stored, error, summary, list_id
           from contact_imports where id = $1 and organization_id = $2"#,
    )
    .bind(import_id)
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    let (status, rows_read, rows_stored, error, summary, list_id) =
        row.ok_or_else(|| AppError::NotFound("That import does not exist.".into()))?;
    Ok(ImportStatus {
        id: import_id,
        state: ImportState::parse(&status).map_err(|e| AppError::stored("contact_imports.status", e))?,
        rows_read: rows_read as u64,
        rows_stored: rows_stored as u64,
        error,
        summary: summary.and_then(|s| serde_json::from_value::<ImportSummary>(s).ok()),
        list_id,
    })
}

pub async fn cancel_import(db: impl PgExecutor<'_>, org_id: Uuid, import_id: Uuid) -> Result<(), AppError> {
    // A pending import (no upload yet) ends at once; a running one is asked to stop and rolls
    // itself back at its next progress report.
    let updated = sqlx::query(
        r#"update contact_imports
           set status = case status when 'pending' then 'cancelled' else 'cancelling' end,
               error = case status when 'pending' then 'The import was cancelled. Nothing was imported.' else error end
           where id = $1 and organization_id = $2 and status in ('pending', 'running')"#,
    )
    .bind(import_id)
    .bind(org_id)
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::Conflict("That import has already finished.".into()));
    }
    Ok(())
}

pub async fn lists(db: impl PgExecutor<'_>, org_id: Uuid) -> Result<Vec<ContactListSummary>, AppError> {
    Ok(sqlx::query_as::<_, ContactListSummary>(
        r#"select id, name, contact_count, custom_fields, created_at from contact_lists
           where organization_id = $1 order by created_at desc, id"#,
    )
    .bind(org_id)
    .fetch_all(db)
    .await?)
}

pub async fn page(db: &PgPool, org_id: Uuid, list_id: Uuid, page: u32, search: &str) -> Result<ContactPage, AppError> {
    let list = sqlx::query_as::<_, ContactListSummary>(
        "select id, name, contact_count, custom_fields, created_at from contact_lists where id = $1 and organization_id = $2",
    )
    .bind(list_id)
    .bind(org_id)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::NotFound("That contact list does not exist.".into()))?;
    // A search matches the start of a name, the digits of a number, an e-mail or an id.
    let pattern = if search.is_empty() { None } else { Some(format!("%{}%", escape_like(search))) };
    // Only a search without letters is a phone number search ("(202) 555", "555-21").
    let digits: String = search.chars().filter(char::is_ascii_digit).collect();
    let looks_like_phone = !search.chars().any(char::is_alphabetic) && digits.len() >= 3;
    let digits = looks_like_phone.then(|| format!("%{digits}%"));
    let filter = r#"c.list_id = $1 and ($2::text is null
                   or c.first_name || ' ' || c.last_name ilike $2 or c.email ilike $2 or c.external_id ilike $2
                   or ($3::text is not null and c.phone like $3))"#;
    let matching: i64 = sqlx::query_scalar(&format!("select count(*) from contacts c where {filter}"))
        .bind(list_id)
        .bind(&pattern)
        .bind(&digits)
        .fetch_one(db)
        .await?;
    let contacts = sqlx::query_as::<_, ContactRow>(&format!(
        r#"select c.id, c.phone, c.first_name, c.last_name, c.zip, c.email, c.external_id,
                  u.display_name as assigned_to, c.time_zones, c.custom
           from contacts c left join users u on u.id = c.assigned_user_id
           where {filter} order by c.id limit $4 offset $5"#
    ))
    .bind(list_id)
    .bind(&pattern)
    .bind(&digits)
    .bind(PAGE_SIZE as i64)
    .bind(page as i64 * PAGE_SIZE as i64)
    .fetch_all(db)
    .await?;
    Ok(ContactPage { list, contacts, matching, page, page_size: PAGE_SIZE })
}

fn escape_like(raw: &str) -> String {
    raw.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub async fn delete_list(db: impl PgExecutor<'_>, org_id: Uuid, list_id: Uuid) -> Result<(), AppError> {
    let deleted = sqlx::query("delete from contact_lists where id = $1 and organization_id = $2")
        .bind(list_id)
        .bind(org_id)
        .execute(db)
        .await
        .map_err(|e| match &e {
            // Actions reference their list with `on delete restrict`.
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                AppError::Conflict("An action uses this list. Close or delete the action first.".into())
            }
            _ => e.into(),
        })?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound("That contact list does not exist.".into()));
    }
    Ok(())
}

/// One page of an import's rejected rows after `after_row`, in row order: the download walks
/// them page by page so memory stays flat however many there are.
pub async fn rejects_after(
    db: impl PgExecutor<'_>,
    import_id: Uuid,
    after_row: i64,
    limit: i64,
) -> Result<Vec<RejectRow>, AppError> {
    Ok(sqlx::query_as::<_, RejectRow>(
        r#"select row_number, reason, phone_raw, first_name, last_name, zip, email, external_id, assigned_user, custom
           from import_rejects where import_id = $1 and row_number > $2 order by row_number limit $3"#,
    )
    .bind(import_id)
    .bind(after_row)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, sqlx::FromRow)]
pub struct RejectRow {
    pub row_number: i64,
    pub reason: String,
    pub phone_raw: String,
    pub first_name: String,
    pub last_name: String,
    pub zip: String,
    pub email: String,
    pub external_id: String,
    pub assigned_user: String,
    pub custom: serde_json::Value,
}

impl RejectRow {
    pub fn reason_text(&self) -> &'static str {
        use crate::domain::phone::PhoneError;
        use crate::server::contact_import::INVALID_NUMBER;
        if let Some(code) = self.reason.strip_prefix(INVALID_NUMBER).and_then(|r| r.strip_prefix(':')) {
            return PhoneError::from_code(code)
                .map(PhoneError::short_reason)
                .unwrap_or("not a valid cell phone number");
        }
        match self.reason.as_str() {
            "missing_number" => PhoneError::Empty.short_reason(),
            INVALID_NUMBER => "not a valid cell phone number",
            "duplicate" => "duplicate number (a later row has the same number)",
            "opted_out" => "number opted out",
            "do_not_contact" => "number on the organization's do-not-contact list",
            "unknown_assigned_user" => "assigned volunteer is not a member",
            _ => "rejected",
        }
    }
}
