//! The organization's opt-out list as records: the do-not-contact numbers an admin imports, and
//! the export of every opt-out (number, when in the organization's time zone, how, who and why),
//! so an organization moving to or from another tool keeps its obligations.

use crate::domain::do_not_contact::OptOutSource;
use crate::domain::org_time::OrgTimeZone;
use crate::error::AppError;
use crate::server::db::exports::{csv_lines, iso, PAGE_ROWS};
use chrono::{DateTime, Utc};
use futures_util::{stream, Stream, StreamExt};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// Opts out `phones` (E.164) as imported by `admin`, in the import's transaction. Numbers opted
/// out already keep their first record. Answers how many were new.
pub async fn add_imported(
    tx: &mut Transaction<'_, Postgres>,
    org_id: Uuid,
    admin: Uuid,
    phones: &[String],
) -> Result<u64, AppError> {
    Ok(sqlx::query(
        r#"insert into opt_outs (organization_id, phone, source, recorded_by)
           select $1, p, 'imported', $3 from unnest($2::text[]) p
           on conflict do nothing"#,
    )
    .bind(org_id)
    .bind(phones)
    .bind(admin)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The zone the organization's times are shown in (texting_settings.default_time_zone).
pub async fn org_time_zone(db: &PgPool, org_id: Uuid) -> Result<OrgTimeZone, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("select default_time_zone from texting_settings where organization_id = $1")
            .bind(org_id)
            .fetch_optional(db)
            .await?;
    OrgTimeZone::try_from(name).map_err(|e| AppError::stored("default_time_zone", e))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OptOutRow {
    pub phone: String,
    pub created_at: DateTime<Utc>,
    pub source: String,
    pub detail: Option<String>,
    pub volunteer: Option<String>,
    pub volunteer_email: Option<String>,
    pub reason: Option<String>,
}

pub fn opt_outs_header(zone: OrgTimeZone) -> Vec<String> {
    vec![
        "phone".into(),
        format!("opted_out_at ({})", zone.name()),
        "how".into(),
        "what_they_wrote_or_carrier_said".into(),
        "recorded_by".into(),
        "recorded_by_email".into(),
        "reason".into(),
    ]
}

pub fn opt_out_record(row: &OptOutRow, zone: OrgTimeZone) -> Vec<String> {
    vec![
        row.phone.clone(),
        iso(zone, Some(row.created_at)),
        OptOutSource::parse(&row.source).map(|s| s.label().to_string()).unwrap_or_else(|| row.source.clone()),
        row.detail.clone().unwrap_or_default(),
        row.volunteer.clone().unwrap_or_default(),
        row.volunteer_email.clone().unwrap_or_default(),
        row.reason.clone().unwrap_or_default(),
    ]
}

/// Up to `limit` opt-outs after `(at, phone)`, oldest first.
pub async fn opt_outs_page(
    db: &PgPool,
    org_id: Uuid,
    after: Option<(DateTime<Utc>, String)>,
    limit: i64,
) -> Result<Vec<OptOutRow>, AppError> {
    let (at, phone) = after.unzip();
    Ok(sqlx::query_as::<_, OptOutRow>(
        r#"select o.phone, o.created_at, o.source, o.detail, u.display_name as volunteer, u.email::text as volunteer_email,
                  o.reason
           from opt_outs o left join users u on u.id = o.recorded_by
           where o.organization_id = $1 and ($2::timestamptz is null or (o.created_at, o.phone) > ($2, $3))
           order by o.created_at, o.phone
           limit $4"#,
    )
    .bind(org_id)
    .bind(at)
    .bind(phone)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The whole opt-out export as chunks of CSV: the header, then one chunk per page.
pub fn opt_outs_stream(
    db: PgPool,
    org_id: Uuid,
    zone: OrgTimeZone,
) -> impl Stream<Item = Result<Vec<u8>, AppError>> + Send + 'static {
    let head = csv_lines([opt_outs_header(zone)]);
    let pages = stream::unfold(Some(None::<(DateTime<Utc>, String)>), move |after| {
        let db = db.clone();
        async move {
            let after = after?;
            match opt_outs_page(&db, org_id, after, PAGE_ROWS).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows.last().map(|r| (r.created_at, r.phone.clone()));
                    Some((Ok(csv_lines(rows.iter().map(|r| opt_out_record(r, zone)))), Some(next)))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    stream::once(async move { Ok(head) }).chain(pages)
}
