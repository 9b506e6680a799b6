//! The organization's do-not-contact list over HTTP (admins only): the streaming upload of a list
//! of numbers to opt out (all or nothing, never held in memory whole) and the opt-out export.

use crate::contact_files::MAX_UPLOAD_BYTES;
use crate::exports::csv_download;
use app::domain::csv_import::{detect_delimiter, RecordReader, TextEncoding};
use app::domain::do_not_contact::{DoNotContactError, DoNotContactReader, DoNotContactSummary};
use app::domain::phone::Region;
use app::error::AppError;
use app::server::{auth, db, AppState};
use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use futures_util::StreamExt;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

/// Numbers written per statement while the file streams in (all in one transaction).
const BATCH: usize = 5_000;

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    encoding: Option<String>,
}

fn refused(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

fn error_response(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    refused(status, error.to_string())
}

enum Failure {
    File(DoNotContactError),
    Upload(String),
    Db(AppError),
}

impl From<DoNotContactError> for Failure {
    fn from(e: DoNotContactError) -> Self {
        Failure::File(e)
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::Db(e)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Db(e.into())
    }
}

/// Reads the uploaded CSV and opts out every number in it with the source "imported". One bad
/// row rejects the file: the transaction is rolled back and the answer names the row, the
/// column and the reason.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(org_id): Path<Uuid>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Response {
    let caller = match auth::admin_in_session(&state, &session, org_id).await {
        Ok(caller) => caller,
        Err(e) => return error_response(e),
    };
    let encoding = match TextEncoding::parse(query.encoding.as_deref().unwrap_or("utf-8")) {
        Ok(encoding) => encoding,
        Err(m) => return error_response(AppError::invalid("encoding", m)),
    };
    let region = match db::settings::get(&state.db, org_id).await {
        Ok(settings) => settings.default_region,
        Err(e) => return error_response(e),
    };
    match import(&state, org_id, caller.user.id, encoding, region, body).await {
        Ok(summary) => Json(serde_json::json!({ "summary": summary })).into_response(),
        Err(Failure::File(e)) => refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        Err(Failure::Upload(e)) => {
            refused(StatusCode::UNPROCESSABLE_ENTITY, format!("The upload was interrupted: {e}. Nothing was imported."))
        }
        Err(Failure::Db(e)) => {
            tracing::error!(?e, %org_id, "do-not-contact import failed");
            refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side while saving the list. Nothing was imported; please try again."
                    .into(),
            )
        }
    }
}

async fn import(
    state: &AppState,
    org_id: Uuid,
    admin: Uuid,
    encoding: TextEncoding,
    region: Region,
    body: Body,
) -> Result<DoNotContactSummary, Failure> {
    let mut tx = state.db.begin().await?;
    let mut list = DoNotContactReader::new(encoding, region);
    let mut batch: Vec<String> = Vec::with_capacity(BATCH);
    let mut added = 0u64;
    let mut reader: Option<RecordReader> = None;
    // The delimiter is guessed from the header line, which may span the first chunks.
    let mut head: Vec<u8> = Vec::new();
    let mut received = 0u64;
    let mut chunks = body.into_data_stream();
    loop {
        let chunk = match chunks.next().await {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => return Err(Failure::Upload(e.to_string())),
            None => break,
        };
        received += chunk.len() as u64;
        if received > MAX_UPLOAD_BYTES {
            return Err(Failure::Upload("the file is larger than 200 MB".into()));
        }
        let input = match reader {
            Some(_) => chunk.to_vec(),
            None => {
                head.extend_from_slice(&chunk);
                if !head.contains(&b'\n') && head.len() < 64 * 1024 {
                    continue;
                }
                reader = Some(RecordReader::new(detect_delimiter(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head))));
                std::mem::take(&mut head)
            }
        };
        let reader = reader.as_mut().expect("made above");
        // In slices, so the numbers read are written every BATCH or so whatever the chunk size.
        for piece in input.chunks(16 * 1024) {
            reader.feed(piece, &mut |r| {
                if let Some(phone) = list.record(&r)? {
                    batch.push(phone.as_str().to_string());
                }
                Ok::<(), DoNotContactError>(())
            })?;
            if batch.len() >= BATCH {
                added += db::opt_outs::add_imported(&mut tx, org_id, admin, &batch).await?;
                batch.clear();
            }
        }
    }
    let mut on_record = |r: app::domain::csv_import::RawRecord<'_>| -> Result<(), DoNotContactError> {
        if let Some(phone) = list.record(&r)? {
            batch.push(phone.as_str().to_string());
        }
        Ok(())
    };
    match reader.as_mut() {
        Some(reader) => reader.finish(&mut on_record)?,
        None if !head.is_empty() => {
            let mut r = RecordReader::new(detect_delimiter(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head)));
            r.feed(&head, &mut on_record)?;
            r.finish(&mut on_record)?;
        }
        None => {}
    }
    list.finish()?;
    added += db::opt_outs::add_imported(&mut tx, org_id, admin, &batch).await?;
    tx.commit().await?;
    Ok(DoNotContactSummary { rows: list.rows(), added, already: list.rows() - added })
}

/// Every opt-out of the organization as CSV, oldest first, times in its time zone.
pub async fn export(State(state): State<AppState>, session: Session, Path(org_id): Path<Uuid>) -> Response {
    if let Err(e) = auth::admin_in_session(&state, &session, org_id).await {
        return error_response(e);
    }
    let zone = match db::opt_outs::org_time_zone(&state.read_db, org_id).await {
        Ok(zone) => zone,
        Err(e) => return error_response(e),
    };
    csv_download("opt-outs.csv".into(), db::opt_outs::opt_outs_stream(state.read_db.clone(), org_id, zone))
}
