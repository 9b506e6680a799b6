//! The two contact-list endpoints that are not server functions because they stream: the CSV
//! upload (up to 200 MB, never held in memory whole) and the rejected-rows download.

use app::error::AppError;
use app::server::{auth, contact_import, db, AppState};
use axum::{
    body::{Body, Bytes},
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use futures_util::{stream, StreamExt};
use tower_sessions::Session;
use uuid::Uuid;

pub const MAX_UPLOAD_BYTES: u64 = 200 * 1024 * 1024;

fn error_response(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(serde_json::json!({ "error": error.to_string() }))).into_response()
}

async fn authorize(state: &AppState, session: &Session, import_id: Uuid) -> Result<(), AppError> {
    let org_id = db::contacts::import_org(&state.db, import_id)
        .await?
        .ok_or_else(|| AppError::NotFound("That import does not exist.".into()))?;
    auth::admin_in_session(state, session, org_id).await.map(|_| ())
}

/// Receives the file for a registered import and runs it; answers with the summary, or with
/// the reason nothing was imported.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(import_id): Path<Uuid>,
    body: Body,
) -> Response {
    if let Err(e) = authorize(&state, &session, import_id).await {
        return error_response(e);
    }
    let job = match db::contacts::claim_import(&state.db, import_id).await {
        Ok(Some(job)) => job,
        Ok(None) => return error_response(AppError::Conflict("This import has already been uploaded.".into())),
        Err(e) => return error_response(e),
    };
    // Count bytes as they arrive so an oversized file fails early, without being stored.
    let mut received = 0u64;
    let limited = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| e.to_string())?;
        received += chunk.len() as u64;
        if received > MAX_UPLOAD_BYTES {
            return Err("the file is larger than 200 MB".to_string());
        }
        Ok::<Bytes, String>(chunk)
    });
    let mut progress = contact_import::Progress::new(state.db.clone(), import_id);
    match contact_import::run(&state.db, &job, Box::pin(limited), &mut progress).await {
        Ok((list_id, summary)) => Json(serde_json::json!({ "list_id": list_id, "summary": summary })).into_response(),
        Err(failure) => {
            if let contact_import::ImportFailure::Db(error) = &failure {
                tracing::error!(%error, %import_id, "contact import failed");
            }
            let message = failure.user_message();
            let cancelled = matches!(failure, contact_import::ImportFailure::Cancelled);
            if let Err(e) = db::contacts::finish_failed(&state.db, import_id, cancelled, &message).await {
                tracing::error!(?e, %import_id, "could not record the failed import");
            }
            (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({ "error": message }))).into_response()
        }
    }
}

/// The rows an import left out, as CSV: row number, reason, then the row's values as mapped.
pub async fn rejects(State(state): State<AppState>, session: Session, Path(import_id): Path<Uuid>) -> Response {
    if let Err(e) = authorize(&state, &session, import_id).await {
        return error_response(e);
    }
    let custom: Vec<String> =
        match sqlx::query_scalar::<_, serde_json::Value>("select mapping from contact_imports where id = $1")
            .bind(import_id)
            .fetch_one(&state.db)
            .await
        {
            Ok(mapping) => serde_json::from_value::<app::domain::csv_import::ColumnMapping>(mapping)
                .map(|m| m.custom_fields().into_iter().map(|(_, name)| name).collect())
                .unwrap_or_default(),
            Err(e) => return error_response(e.into()),
        };
    let mut header =
        vec!["row", "reason", "cell", "first_name", "last_name", "zip", "email", "external_id", "assigned_user"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
    header.extend(custom.iter().cloned());
    let head =
        stream::once(
            async move { Ok::<Bytes, std::io::Error>(Bytes::from(csv_line(header.iter().map(String::as_str)))) },
        );
    let db = state.db.clone();
    let pages = stream::unfold(Some(0i64), move |after| {
        let (db, custom) = (db.clone(), custom.clone());
        async move {
            let after = after?;
            match db::contacts::rejects_after(&db, import_id, after, 5_000).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.row_number);
                    let mut chunk = String::new();
                    for row in &rows {
                        let mut fields = vec![
                            row.row_number.to_string(),
                            row.reason_text().to_string(),
                            row.phone_raw.clone(),
                            row.first_name.clone(),
                            row.last_name.clone(),
                            row.zip.clone(),
                            row.email.clone(),
                            row.external_id.clone(),
                            row.assigned_user.clone(),
                        ];
                        for name in &custom {
                            fields.push(row.custom.get(name).and_then(|v| v.as_str()).unwrap_or("").to_string());
                        }
                        chunk.push_str(&csv_line(fields.iter().map(String::as_str)));
                    }
                    Some((Ok(Bytes::from(chunk)), last))
                }
                Err(_) => Some((Err(std::io::Error::other("database error while exporting")), None)),
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"rejected-rows-{import_id}.csv\""))
        .body(Body::from_stream(head.chain(pages)))
        .unwrap()
}

/// One CSV line; fields are quoted only when they need it.
fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let mut line = String::new();
    for (i, field) in fields.enumerate() {
        if i > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_lines_quote_when_needed() {
        assert_eq!(super::csv_line(["a", "b,c", "say \"hi\""].into_iter()), "a,\"b,c\",\"say \"\"hi\"\"\"\r\n");
    }
}
