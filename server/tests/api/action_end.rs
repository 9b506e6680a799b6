//! Moving the end of a scheduled or live action.

use crate::helpers::spawn_app;
use chrono::{Duration, SecondsFormat, Utc};
use reqwest::StatusCode;

#[tokio::test]
async fn the_end_moves_within_thirty_days_of_going_live() {
    let app = spawn_app().await;
    let (admin, _) = app.user("Admin").await;
    let org = app.org(&admin, "Campaign").await;
    let (_, action) = app.call(&admin, "create_action", &[("org_id", &org), ("title", "GOTV")]).await;
    let action = action.as_str().unwrap().to_string();
    let at = |d: Duration| (Utc::now() + d).to_rfc3339_opts(SecondsFormat::Secs, true);
    let set = |ends: String| {
        let (app, admin, org, action) = (&app, &admin, &org, &action);
        async move { app.call(admin, "set_action_end", &[("org_id", org), ("action_id", action), ("ends_at", &ends)]).await }
    };

    // A draft has no start to measure from yet.
    let (status, body) = set(at(Duration::days(3))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "ends_at");

    let published = Utc::now() - Duration::days(2);
    sqlx::query("update actions set status = 'published', published_at = $2, ends_at = $2 + interval '15 days' where id = $1::uuid")
        .bind(&action)
        .bind(published)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = set(at(Duration::days(20))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored: chrono::DateTime<Utc> = sqlx::query_scalar("select ends_at from actions where id = $1::uuid")
        .bind(&action)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!((stored - (published + Duration::days(22))).num_seconds().abs() < 60, "{stored} vs {published}");

    // 30 days after going live at most (two days have passed already), and not in the past.
    let (status, body) = set(at(Duration::days(29))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("30 days"), "{body}");
    let (status, _) = set(at(Duration::hours(-1))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = set("next tuesday".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    sqlx::query("update actions set status = 'closed', closed_at = now() where id = $1::uuid")
        .bind(&action)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, _) = set(at(Duration::days(3))).await;
    assert_eq!(status, StatusCode::CONFLICT);
}
