//! State texting hours on every send path: the press (and its retry), a follow-up, a
//! reassigned conversation, the outbox worker, the texting screen; and turning the rules off
//! only with an acknowledgement.
//!
//! The clock is the real one, as in the other window tests: each test picks a zone where, right
//! now, Florida's 8 am–8 pm is closed while the organization's window (set to 00:00–23:59) is
//! open, so only the state rule can refuse.

use crate::messaging::{World, SCRIPT};
use app::domain::texting_window::{check_contact, TextingWindow, WindowCheck};
use app::domain::time_zones::ContactZones;
use app::domain::us_states::UsState;
use reqwest::{Client, StatusCode};
use serde_json::Value;

const ZONES: [&str; 12] = [
    "Pacific/Kiritimati",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Europe/Moscow",
    "Europe/Berlin",
    "Atlantic/Azores",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Pacific/Pago_Pago",
];

fn all_day() -> TextingWindow {
    TextingWindow::parse("00:00", "23:59").unwrap()
}

/// A zone where Florida's hours are closed (or open) for the next few minutes, with the
/// all-day window open.
fn zone_where_florida_is(open: bool) -> &'static str {
    let fl = Some(UsState::parse("FL").unwrap());
    let now = chrono::Utc::now();
    ZONES
        .into_iter()
        .find(|z| {
            let zones = ContactZones::from_names([*z]).unwrap();
            let at = |minutes| {
                matches!(
                    check_contact(&all_day(), &zones, fl, now + chrono::Duration::minutes(minutes)),
                    WindowCheck::Open { .. }
                )
            };
            // Both the state's answer and the all-day window's stay put for a while.
            (-1..=5).all(|m| at(m) == open)
                && (-1..=5).all(|m| {
                    matches!(
                        check_contact(&all_day(), &zones, None, now + chrono::Duration::minutes(m)),
                        WindowCheck::Open { .. }
                    )
                })
        })
        .expect("Florida's hours are open in some zone and closed in another at any moment")
}

/// The organization texts around the clock, with no outbound lock, so only state rules refuse.
async fn open_all_day(w: &World) {
    sqlx::query(
        r#"insert into texting_settings (organization_id, window_start, window_end, outbound_lock)
           values ($1::uuid, '00:00', '23:59', false)
           on conflict (organization_id) do update set window_start = '00:00', window_end = '23:59', outbound_lock = false"#,
    )
    .bind(&w.org)
    .execute(&w.app.pool)
    .await
    .unwrap();
}

/// A contact with a stored `state` (or none: worked out from the number) in `zone`, in a
/// conversation assigned to the volunteer and claimed; returns the conversation id.
async fn conversation(w: &World, phone: &str, state: Option<&str>, zone: &str) -> String {
    let contact: i64 = sqlx::query_scalar(
        r#"insert into contacts (list_id, phone, first_name, time_zones, custom, state)
           values ($1::uuid, $2, 'Ana', array[$3], '{"ward":"7"}', $4) returning id"#,
    )
    .bind(&w.list)
    .bind(phone)
    .bind(zone)
    .bind(state)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    let id: i64 = sqlx::query_scalar(
        r#"insert into conversations (organization_id, action_id, contact_id, volunteer_id, contact_phone, claimed_at)
           select $1::uuid, $2::uuid, $3, m.user_id, $4, now()
           from memberships m where m.organization_id = $1::uuid and m.role = 'volunteer' limit 1
           returning id"#,
    )
    .bind(&w.org)
    .bind(&w.action)
    .bind(contact)
    .bind(phone)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    id.to_string()
}

fn refused_for_state_hours(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = body["Conflict"].as_str().unwrap_or_default();
    assert!(
        message.contains("Outside this contact's texting hours: sending opens at 8:00 am in the contact's time"),
        "{message}"
    );
}

async fn send_as(w: &World, who: &Client, conversation: &str, body: &str, key: &str) -> (StatusCode, Value) {
    w.app
        .call(
            who,
            "send_message",
            &[("org_id", &w.org), ("conversation_id", conversation), ("body", body), ("idempotency_key", key)],
        )
        .await
}

#[tokio::test]
async fn the_press_and_its_retry_are_refused_outside_florida_hours() {
    let w = World::new().await;
    open_all_day(&w).await;
    let closed = zone_where_florida_is(false);
    let florida = conversation(&w, "+13052345601", Some("FL"), closed).await;
    let (status, body) = w.send(&florida, SCRIPT, "press-1").await;
    refused_for_state_hours(status, &body);
    // The same press again (a retry after the error) is refused again; nothing was queued.
    let (status, body) = w.send(&florida, SCRIPT, "press-1").await;
    refused_for_state_hours(status, &body);
    assert_eq!(w.count("+13052345601").await, 0);

    // No stored state: a Miami number is Florida by its area code, refused too.
    let by_area_code = conversation(&w, "+13052345602", None, closed).await;
    let (status, body) = w.send(&by_area_code, SCRIPT, "press-2").await;
    refused_for_state_hours(status, &body);

    // The same zone and hour for an Illinois contact (no state rule): sent.
    let illinois = conversation(&w, "+13122345603", None, closed).await;
    let (status, body) = w.send(&illinois, SCRIPT, "press-3").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_texting_screen_says_when_florida_hours_open() {
    let w = World::new().await;
    open_all_day(&w).await;
    let florida = conversation(&w, "+13052345611", Some("FL"), zone_where_florida_is(false)).await;
    let illinois = conversation(&w, "+13122345612", None, zone_where_florida_is(false)).await;
    let (status, batch) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    let opens = |id: &str| {
        batch["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["conversation_id"].as_i64().unwrap().to_string() == id)
            .map(|c| c["opens"].clone())
            .unwrap()
    };
    let message = opens(&florida);
    assert!(message.as_str().unwrap().starts_with("sending opens at 8:00 am in the contact's time"), "{message}");
    assert_eq!(opens(&illinois), Value::Null);
}

#[tokio::test]
async fn a_follow_up_is_refused_outside_state_hours() {
    let w = World::new().await;
    open_all_day(&w).await;
    // Stored as Illinois: the first text goes out.
    let c = conversation(&w, "+13052345621", Some("IL"), zone_where_florida_is(false)).await;
    let (status, body) = w.send(&c, SCRIPT, "first").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Corrected to Florida: the follow-up waits for Florida's hours.
    sqlx::query("update contacts set state = 'FL' where phone = '+13052345621'").execute(&w.app.pool).await.unwrap();
    let (status, body) = w.send(&c, "Just checking you got this. STOP to opt out", "second").await;
    refused_for_state_hours(status, &body);
    assert_eq!(w.count("+13052345621").await, 1);
}

#[tokio::test]
async fn a_reassigned_conversation_is_refused_outside_state_hours() {
    let w = World::new().await;
    open_all_day(&w).await;
    let c = conversation(&w, "+13052345631", Some("IL"), zone_where_florida_is(false)).await;
    let (status, body) = w.send(&c, SCRIPT, "first").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (second, email) = w.app.volunteer(&w.admin, &w.org, "Second").await;
    let second_id = w.app.user_id(&email).await;
    let (status, body) = w
        .app
        .call(
            &w.admin,
            "reassign_conversations",
            &[("org_id", &w.org), ("conversation_ids", &c), ("to_user", &second_id)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlx::query("update contacts set state = 'FL' where phone = '+13052345631'").execute(&w.app.pool).await.unwrap();
    let (status, body) = send_as(&w, &second, &c, "Hi again from Second. STOP to opt out", "after-reassign").await;
    refused_for_state_hours(status, &body);
    assert_eq!(w.count("+13052345631").await, 1);
}

#[tokio::test]
async fn open_florida_hours_send() {
    let w = World::new().await;
    open_all_day(&w).await;
    let c = conversation(&w, "+13052345641", Some("FL"), zone_where_florida_is(true)).await;
    let (status, body) = w.send(&c, SCRIPT, "k").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_outbox_worker_does_not_send_a_queued_text_once_state_hours_close() {
    let rig = crate::outbox::rig().await;
    let w = &rig.world;
    open_all_day(w).await;
    let c = conversation(w, "+13052345651", Some("IL"), zone_where_florida_is(false)).await;
    let (status, body) = w.send(&c, SCRIPT, "k").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Before the worker picks it up (or retries it), the contact turns out to be in Florida.
    sqlx::query("update contacts set state = 'FL' where phone = '+13052345651'").execute(&w.app.pool).await.unwrap();
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), server::outbox::Dispatch::Expired);
    let status: String = sqlx::query_scalar("select status from messages where to_phone = '+13052345651'")
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(status, "failed");
}

#[tokio::test]
async fn state_rules_turn_off_only_with_an_acknowledgement_recorded_with_who_and_when() {
    let w = World::new().await;
    open_all_day(&w).await;
    let c = conversation(&w, "+13052345661", Some("FL"), zone_where_florida_is(false)).await;
    let (status, rules) = w.app.call(&w.admin, "get_state_rules", &[("org_id", &w.org)]).await;
    assert_eq!((status, &rules["on"], &rules["acknowledgement"]), (StatusCode::OK, &Value::Bool(true), &Value::Null));

    // Unticking without the acknowledgement changes nothing.
    let (status, body) = w.app.call(&w.admin, "set_state_rules", &[("org_id", &w.org)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("acknowledge"), "{body}");
    let (status, body) = w.send(&c, SCRIPT, "k1").await;
    refused_for_state_hours(status, &body);

    // A volunteer cannot turn them off at all.
    let (status, _) = w.app.call(&w.volunteer, "set_state_rules", &[("org_id", &w.org), ("acknowledge", "on")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // With it: off, with who and when shown in the organization's time zone.
    let (status, rules) = w.app.call(&w.admin, "set_state_rules", &[("org_id", &w.org), ("acknowledge", "on")]).await;
    assert_eq!(status, StatusCode::OK, "{rules}");
    assert_eq!(rules["on"], false);
    let note = rules["acknowledgement"].as_str().unwrap();
    assert!(note.starts_with("Turned off by Admin on ") && note.ends_with(")"), "{note}");
    let (by, at): (Option<uuid::Uuid>, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
        "select state_rules_off_by, state_rules_off_at from texting_settings where organization_id = $1::uuid",
    )
    .bind(&w.org)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert!(by.is_some() && (chrono::Utc::now() - at.unwrap()).num_minutes() < 5);
    let (status, body) = w.send(&c, SCRIPT, "k2").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // On again: the acknowledgement is cleared and the rules hold for the next contact.
    let (status, rules) = w.app.call(&w.admin, "set_state_rules", &[("org_id", &w.org), ("state_rules", "on")]).await;
    assert_eq!((status, &rules["on"], &rules["acknowledgement"]), (StatusCode::OK, &Value::Bool(true), &Value::Null));
    let next = conversation(&w, "+13052345662", Some("FL"), zone_where_florida_is(false)).await;
    let (status, body) = w.send(&next, SCRIPT, "k3").await;
    refused_for_state_hours(status, &body);
}
