//! The send transaction's guards, each through the real server function.

use crate::helpers::{spawn_app, TestApp};
use app::domain::texting_window::{check, TextingWindow, WindowCheck};
use app::domain::time_zones::ContactZones;
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

/// A time zone where the default 9am–9pm window is open (or closed) right now.
pub fn zone(open: bool) -> &'static str {
    ZONES
        .into_iter()
        .find(|z| {
            let zones = ContactZones::from_names([*z]).unwrap();
            matches!(
                check(&TextingWindow::default(), &zones, chrono::Utc::now() + chrono::Duration::minutes(1)),
                WindowCheck::Open { .. }
            ) == open
                && matches!(
                    check(&TextingWindow::default(), &zones, chrono::Utc::now() - chrono::Duration::minutes(1)),
                    WindowCheck::Open { .. }
                ) == open
        })
        .expect("some zone is open and some closed at any moment")
}

pub struct World {
    pub app: TestApp,
    pub org: String,
    pub admin: Client,
    pub volunteer: Client,
    pub action: String,
    pub list: String,
}

impl World {
    pub async fn new() -> World {
        World::on(spawn_app().await).await
    }

    pub async fn on(app: TestApp) -> World {
        let (admin, _) = app.user("Admin").await;
        let org = app.org(&admin, "Campaign").await;
        let (volunteer, _) = app.volunteer(&admin, &org, "Val Volunteer").await;
        let list = uuid::Uuid::new_v4().to_string();
        sqlx::query("insert into contact_lists (id, organization_id, name, custom_fields) values ($1::uuid, $2::uuid, 'L', '{ward}')")
            .bind(&list)
            .bind(&org)
            .execute(&app.pool)
            .await
            .unwrap();
        let action = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            r#"insert into actions (id, organization_id, title, contact_list_id, initial_script, status, published_at)
               values ($1::uuid, $2::uuid, 'GOTV', $3::uuid, 'Hi {firstName}, it''s {senderFirstName} about ward {custom:ward}. STOP to opt out', 'published', now())"#,
        )
        .bind(&action)
        .bind(&org)
        .bind(&list)
        .execute(&app.pool)
        .await
        .unwrap();
        World { app, org, admin, volunteer, action, list }
    }

    /// A contact in a zone open (or closed) now, assigned to the volunteer (or to nobody).
    pub async fn conversation(&self, phone: &str, open: bool, assigned: bool) -> String {
        let contact: i64 = sqlx::query_scalar(
            r#"insert into contacts (list_id, phone, first_name, time_zones, custom) values ($1::uuid, $2, 'Ana', array[$3], '{"ward":"7"}')
               returning id"#,
        )
        .bind(&self.list)
        .bind(phone)
        .bind(zone(open))
        .fetch_one(&self.app.pool)
        .await
        .unwrap();
        let id: i64 = sqlx::query_scalar(
            r#"insert into conversations (organization_id, action_id, contact_id, volunteer_id, contact_phone)
               select $1::uuid, $2::uuid, $3, case when $4 then m.user_id end, $5
               from memberships m where m.organization_id = $1::uuid and m.role = 'volunteer' limit 1
               returning id"#,
        )
        .bind(&self.org)
        .bind(&self.action)
        .bind(contact)
        .bind(assigned)
        .bind(phone)
        .fetch_one(&self.app.pool)
        .await
        .unwrap();
        id.to_string()
    }

    pub async fn send(&self, conversation: &str, body: &str, key: &str) -> (StatusCode, Value) {
        self.app
            .call(
                &self.volunteer,
                "send_message",
                &[("org_id", &self.org), ("conversation_id", conversation), ("body", body), ("idempotency_key", key)],
            )
            .await
    }

    pub async fn count(&self, phone: &str) -> i64 {
        sqlx::query_scalar("select count(*) from messages where to_phone = $1")
            .bind(phone)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }
}

pub const SCRIPT: &str = "Hi Ana, it's Val about ward 7. STOP to opt out";

#[tokio::test]
async fn a_send_is_queued_once_whatever_the_clicks() {
    let w = World::new().await;
    let c = w.conversation("+13125550301", true, true).await;
    let (status, first) = w.send(&c, SCRIPT, "key-1").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["status"], "queued");
    assert_eq!(first["body"], SCRIPT);
    // The same key again (a retry after a timeout) gets the same message back.
    let (status, again) = w.send(&c, SCRIPT, "key-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    // Another tab pressing Send on the same contact with its own key is refused.
    let (status, body) = w.send(&c, SCRIPT, "key-2").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(w.count("+13125550301").await, 1);

    // Ten concurrent presses with one key: one message.
    let c2 = w.conversation("+13125550302", true, true).await;
    let presses = (0..10).map(|_| w.send(&c2, SCRIPT, "key-burst"));
    let results = futures_util::future::join_all(presses).await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::OK), "{results:?}");
    assert_eq!(w.count("+13125550302").await, 1);
}

#[tokio::test]
async fn opted_out_numbers_are_never_texted() {
    let w = World::new().await;
    let c = w.conversation("+13125550303", true, true).await;
    sqlx::query("insert into opt_outs (organization_id, phone) values ($1::uuid, '+13125550303')")
        .bind(&w.org)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, body) = w.send(&c, SCRIPT, "k").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["Conflict"].as_str().unwrap().contains("opted out"));
    assert_eq!(w.count("+13125550303").await, 0);
}

#[tokio::test]
async fn outside_the_window_says_when_it_opens() {
    let w = World::new().await;
    let c = w.conversation("+13125550304", false, true).await;
    let (status, body) = w.send(&c, SCRIPT, "k").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = body["Conflict"].as_str().unwrap();
    assert!(message.contains("sending opens at") && message.contains("in the contact's time"), "{message}");
    assert_eq!(w.count("+13125550304").await, 0);
}

#[tokio::test]
async fn only_the_assigned_volunteer_sends_and_only_in_a_live_action() {
    let w = World::new().await;
    let unassigned = w.conversation("+13125550305", true, false).await;
    let (status, _) = w.send(&unassigned, SCRIPT, "k1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The admin is not this contact's volunteer either.
    let c = w.conversation("+13125550306", true, true).await;
    let (status, _) = w
        .app
        .call(
            &w.admin,
            "send_message",
            &[("org_id", &w.org), ("conversation_id", &c), ("body", SCRIPT), ("idempotency_key", "k2")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A stranger cannot even see the conversation.
    let (stranger, _) = w.app.user("Stranger").await;
    let other_org = w.app.org(&stranger, "Other").await;
    let (status, _) = w
        .app
        .call(
            &stranger,
            "send_message",
            &[("org_id", &other_org), ("conversation_id", &c), ("body", SCRIPT), ("idempotency_key", "k3")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for (status_now, fragment) in [("paused", "paused"), ("closed", "closed")] {
        sqlx::query("update actions set status = $2::action_status where id = $1::uuid")
            .bind(&w.action)
            .bind(status_now)
            .execute(&w.app.pool)
            .await
            .unwrap();
        let (status, body) = w.send(&c, SCRIPT, &format!("k-{status_now}")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body["Conflict"].as_str().unwrap().contains(fragment), "{body}");
    }
    assert_eq!(w.count("+13125550306").await, 0);
}

#[tokio::test]
async fn custom_text_follows_the_setting() {
    let w = World::new().await;
    let c = w.conversation("+13125550307", true, true).await;
    sqlx::query("insert into texting_settings (organization_id, disable_custom_responses) values ($1::uuid, true)")
        .bind(&w.org)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, body) = w.send(&c, "Hey, something else entirely", "k1").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = w.send(&c, SCRIPT, "k2").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_number_rests_six_hours_unless_it_wrote_in() {
    let w = World::new().await;
    let phone = "+13125550308";
    let c = w.conversation(phone, true, true).await;
    // Texted 2 hours ago from another action of the organization.
    sqlx::query(
        r#"insert into messages (organization_id, direction, kind, body, to_phone, created_at, sent_by, pressed_at, press_session)
           values ($1::uuid, 'outbound', 'custom', 'earlier', $2, now() - interval '2 hours', (select user_id from memberships where organization_id = $1::uuid limit 1), now(), repeat('a', 64))"#,
    )
    .bind(&w.org)
    .bind(phone)
    .execute(&w.app.pool)
    .await
    .unwrap();
    let (status, body) = w.send(&c, SCRIPT, "k1").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["Conflict"].as_str().unwrap().contains("6 hours"));
    // They replied: answering them is allowed.
    sqlx::query("update conversations set last_inbound_at = now() where id = $1::bigint")
        .bind(&c)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, body) = w.send(&c, SCRIPT, "k2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
