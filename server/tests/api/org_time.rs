//! Times in the organization's zone (Settings → Default time zone): the date-time pickers are
//! read in it, and every time on the admin and volunteer pages and in the exports is shown in
//! it, with the zone named, never as raw UTC.

use crate::messaging::{World, SCRIPT};
use app::domain::org_time::OrgTimeZone;
use chrono::{DateTime, Duration, DurationRound, Utc};
use reqwest::{Client, StatusCode};

const CHICAGO: &str = "America/Chicago";

/// Saves the zone with the default 9 am–9 pm window, the one `messaging::zone` picks an open
/// contact zone for; the settings tests' own 10:00–20:30 would close it for part of each hour
/// band, so these tests would fail at some times of day.
async fn set_zone(w: &World, zone: &str) {
    let form = crate::settings::form(
        &w.org,
        &[("default_time_zone", zone), ("default_region", "us"), ("window_start", "09:00"), ("window_end", "21:00")],
    );
    let (status, body) = w.app.call(&w.admin, "save_texting_settings", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn html(w: &World, who: &Client, path: &str) -> String {
    let res = crate::helpers::get_html(who, &format!("{}{path}", w.app.address)).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

/// A moment a few days ahead, on a whole minute (what a picker can express).
fn days_ahead(days: i64) -> DateTime<Utc> {
    (Utc::now() + Duration::days(days)).duration_trunc(Duration::minutes(1)).unwrap()
}

#[tokio::test]
async fn every_member_gets_the_organizations_zone() {
    let w = World::new().await;
    for who in [&w.admin, &w.volunteer] {
        let (_, m) = w.app.call(who, "get_membership", &[("org_id", &w.org)]).await;
        assert_eq!(m["time_zone"], "America/New_York", "the default before Settings are saved");
    }
    set_zone(&w, CHICAGO).await;
    for who in [&w.admin, &w.volunteer] {
        let (_, m) = w.app.call(who, "get_membership", &[("org_id", &w.org)]).await;
        assert_eq!(m["time_zone"], CHICAGO);
    }
    let (status, body) = w.app.call(&w.admin, "my_orgs", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["time_zone"], CHICAGO);
    // A bad zone names the field and keeps the old one.
    let form = crate::settings::form(&w.org, &[("default_time_zone", "Mars/Olympus"), ("default_region", "us")]);
    let (status, body) = w.app.call(&w.admin, "save_texting_settings", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "default_time_zone", "{body}");
    let (_, m) = w.app.call(&w.admin, "get_membership", &[("org_id", &w.org)]).await;
    assert_eq!(m["time_zone"], CHICAGO);
}

#[tokio::test]
async fn the_end_date_picker_is_read_in_the_organizations_zone() {
    let w = World::new().await;
    set_zone(&w, CHICAGO).await;
    let zone = OrgTimeZone::parse(CHICAGO).unwrap();
    let end = days_ahead(3);
    let picked = zone.picker_value(end);
    let (status, body) = w
        .app
        .call(&w.admin, "set_action_end", &[("org_id", &w.org), ("action_id", &w.action), ("ends_at", &picked)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored: DateTime<Utc> = sqlx::query_scalar("select ends_at from actions where id = $1::uuid")
        .bind(&w.action)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(stored, end, "{picked} in Chicago");
    // The same wall-clock time in New York is an hour earlier: the zone really is applied.
    set_zone(&w, "America/New_York").await;
    w.app.call(&w.admin, "set_action_end", &[("org_id", &w.org), ("action_id", &w.action), ("ends_at", &picked)]).await;
    let stored: DateTime<Utc> = sqlx::query_scalar("select ends_at from actions where id = $1::uuid")
        .bind(&w.action)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(stored, end - Duration::hours(1));
    // Nonsense names the field.
    let (status, body) = w
        .app
        .call(&w.admin, "set_action_end", &[("org_id", &w.org), ("action_id", &w.action), ("ends_at", "soon")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "ends_at", "{body}");
}

#[tokio::test]
async fn admin_pages_show_local_times_and_pickers_never_utc() {
    let w = World::new().await;
    set_zone(&w, CHICAGO).await;
    let zone = OrgTimeZone::parse(CHICAGO).unwrap();
    let end = days_ahead(4);
    w.app
        .call(
            &w.admin,
            "set_action_end",
            &[("org_id", &w.org), ("action_id", &w.action), ("ends_at", &zone.picker_value(end))],
        )
        .await;
    let conversation = w.conversation("+13125550101", true, true).await;
    let (status, body) = w.send(&conversation, SCRIPT, "k-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent: DateTime<Utc> = sqlx::query_scalar("select created_at from messages where conversation_id = $1::bigint")
        .bind(&conversation)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();

    let list = html(&w, &w.admin, &format!("/o/{}/admin", w.org)).await;
    assert!(list.contains(&zone.date_time(end)), "the end date in Chicago time: {list}");
    assert!(list.contains("Ends (America/Chicago)"), "{list}");

    let editor = html(&w, &w.admin, &format!("/o/{}/admin/actions/{}", w.org, w.action)).await;
    assert!(editor.contains(r#"type="datetime-local""#), "{editor}");
    assert!(editor.contains(&format!(r#"value="{}""#, zone.picker_value(end))), "{editor}");
    assert!(editor.contains("America/Chicago time"), "{editor}");

    let conversations = html(&w, &w.admin, &format!("/o/{}/admin/conversations", w.org)).await;
    assert!(conversations.contains(&zone.date_time(sent)), "{conversations}");
    let thread = html(&w, &w.admin, &format!("/o/{}/admin/conversations/{conversation}", w.org)).await;
    assert!(thread.contains(&zone.date_time(sent)), "{thread}");
    let inbox = html(&w, &w.volunteer, &format!("/o/{}/inbox/{conversation}", w.org)).await;
    assert!(inbox.contains(&zone.date_time(sent)), "the volunteer's thread too: {inbox}");

    for page in [list, editor, conversations, thread, inbox] {
        assert!(!page.contains(" UTC"), "no raw UTC anywhere: {page}");
    }
}

#[tokio::test]
async fn exports_write_times_in_the_organizations_zone_with_its_offset() {
    let w = World::new().await;
    set_zone(&w, CHICAGO).await;
    let conversation = w.conversation("+13125550102", true, true).await;
    w.send(&conversation, SCRIPT, "k-1").await;
    sqlx::query("update messages set created_at = '2026-07-04T17:00:00Z' where conversation_id = $1::bigint")
        .bind(&conversation)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let csv = w
        .admin
        .get(format!("{}/api/actions/{}/export/messages.csv", w.app.address, w.action))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("2026-07-04T12:00:00-05:00"), "noon, Chicago daylight time: {csv}");
    assert!(!csv.contains("T17:00:00Z"), "{csv}");
}
