use crate::helpers::{spawn_app, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::Value;

/// An organization with a 3-contact list; returns the admin, org id and list id.
pub(crate) async fn setup(app: &TestApp) -> (Client, String, String) {
    let (admin, _) = app.user("Admin").await;
    let org = app.org(&admin, "Campaign").await;
    let list = uuid::Uuid::new_v4();
    sqlx::query("insert into contact_lists (id, organization_id, name, contact_count, custom_fields) values ($1, $2::uuid, 'L', 3, '{ward}')")
        .bind(list)
        .bind(&org)
        .execute(&app.pool)
        .await
        .unwrap();
    for (phone, first, ward) in
        [("+13125550201", "Ana", "3"), ("+13125550202", "Bartholomew", "12"), ("+13125550203", "Cy", "7")]
    {
        sqlx::query("insert into contacts (list_id, phone, first_name, custom) values ($1, $2, $3, jsonb_build_object('ward', $4::text))")
            .bind(list)
            .bind(phone)
            .bind(first)
            .bind(ward)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    (admin, org, list.to_string())
}

pub(crate) async fn create(app: &TestApp, admin: &Client, org: &str) -> String {
    let (status, id) = app.call(admin, "create_action", &[("org_id", org), ("title", "  GOTV   week ")]).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    id.as_str().unwrap().to_string()
}

pub(crate) async fn save(
    app: &TestApp,
    admin: &Client,
    org: &str,
    id: &str,
    list: &str,
    script: &str,
) -> (StatusCode, Value) {
    app.call(
        admin,
        "save_action",
        &[
            ("org_id", org),
            ("action_id", id),
            ("title", "GOTV week"),
            ("contact_list_id", list),
            ("initial_script", script),
            ("keep_assignments", "on"),
        ],
    )
    .await
}

pub(crate) async fn change(
    app: &TestApp,
    admin: &Client,
    org: &str,
    id: &str,
    t: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = vec![("org_id", org), ("action_id", id), ("transition", t)];
    form.extend_from_slice(extra);
    app.call(admin, "change_action_status", &form).await
}

#[tokio::test]
async fn publishing_needs_the_estimate_acknowledged() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;

    let (status, body) = change(&app, &admin, &org, &id, "publish", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no list or script yet: {body}");

    let (status, body) = save(
        &app,
        &admin,
        &org,
        &id,
        &list,
        "Hi {firstName}, it's {senderFirstName} (ward {custom:ward}). Text STOP to opt out",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = app.call(&admin, "get_action", &[("org_id", &org), ("action_id", &id)]).await;
    let estimate = &page["estimate"];
    assert_eq!(estimate["contacts"], 3);
    assert_eq!(estimate["segments_per_message"], 1);
    assert_eq!(estimate["numbers_needed"], 1);
    assert_eq!(estimate["minimum_applied"], true);
    let total = estimate["total_micros"].as_i64().unwrap();
    assert_eq!(total, 10_000_000);

    let (status, body) = change(&app, &admin, &org, &id, "publish", &[("acknowledged_micros", "9999999")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("Confirm the estimated cost of $10.00"), "{body}");

    let (status, body) =
        // The script names no organization: acknowledged (sender_identification.rs tests the refusal).
        change(&app, &admin, &org, &id, "publish", &[("acknowledged_micros", &total.to_string()), ("acknowledge_compliance", "on")])
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "published");
    let (_, page) = app.call(&admin, "get_action", &[("org_id", &org), ("action_id", &id)]).await;
    let published: chrono::DateTime<chrono::Utc> = page["action"]["published_at"].as_str().unwrap().parse().unwrap();
    let ends: chrono::DateTime<chrono::Utc> = page["action"]["ends_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((ends - published).num_days(), 15);

    // Live: not editable until paused; once paused, editable; resumed without acknowledging again.
    let (status, _) = save(&app, &admin, &org, &id, &list, "Changed while live. STOP to opt out").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(change(&app, &admin, &org, &id, "pause", &[]).await.0, StatusCode::OK);
    assert_eq!(save(&app, &admin, &org, &id, &list, "Edited while paused. STOP to opt out").await.0, StatusCode::OK);
    assert_eq!(change(&app, &admin, &org, &id, "resume", &[]).await.0, StatusCode::OK);

    // The list is in use: it cannot be deleted.
    let (status, body) = app.call(&admin, "delete_contact_list", &[("org_id", &org), ("list_id", &list)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Closed is final; a duplicate is a fresh draft without the list.
    assert_eq!(change(&app, &admin, &org, &id, "close", &[]).await.0, StatusCode::OK);
    let (status, body) = change(&app, &admin, &org, &id, "resume", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["Conflict"].as_str().unwrap().contains("cannot be reopened"));
    let (status, copy) = app.call(&admin, "duplicate_action", &[("org_id", &org), ("action_id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = app.call(&admin, "get_action", &[("org_id", &org), ("action_id", copy.as_str().unwrap())]).await;
    assert_eq!(page["action"]["status"], "draft");
    assert_eq!(page["action"]["title"], "Copy of GOTV week");
    assert_eq!(page["action"]["contact_list_id"], Value::Null);
    assert_eq!(page["action"]["initial_script"], "Edited while paused. STOP to opt out");
    assert_eq!(page["action"]["keep_assignments"], true);
}

#[tokio::test]
async fn scripts_with_unknown_variables_are_refused_with_the_name() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;
    let (status, body) =
        save(&app, &admin, &org, &id, &list, "Hi {firstName}, your precinct is {custom:precinct}").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "initial_script");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("custom:precinct"), "{body}");
}

#[tokio::test]
async fn scheduling_and_the_clock() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;
    save(&app, &admin, &org, &id, &list, "Hi {firstName}! Text STOP to opt out").await;
    let (_, page) = app.call(&admin, "get_action", &[("org_id", &org), ("action_id", &id)]).await;
    let total = page["estimate"]["total_micros"].as_i64().unwrap().to_string();

    let past = "2020-01-01T00:00:00Z";
    let (status, _) = change(
        &app,
        &admin,
        &org,
        &id,
        "schedule",
        &[("publish_at", past), ("acknowledged_micros", &total), ("acknowledge_compliance", "on")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (status, body) = change(
        &app,
        &admin,
        &org,
        &id,
        "schedule",
        &[("publish_at", &soon), ("acknowledged_micros", &total), ("acknowledge_compliance", "on")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "scheduled");
    // Still editable while scheduled.
    assert_eq!(save(&app, &admin, &org, &id, &list, "Hi {firstName}! Reply STOP to opt out").await.0, StatusCode::OK);

    // When its time comes, the clock publishes it.
    sqlx::query("update actions set publish_at = now() - interval '1 second' where id = $1::uuid")
        .bind(&id)
        .execute(&app.pool)
        .await
        .unwrap();
    app::server::db::actions::advance_clock(&app.pool).await.unwrap();
    let (_, list_after) = app.call(&admin, "list_actions", &[("org_id", &org), ("status", "published")]).await;
    assert_eq!(list_after.as_array().unwrap().len(), 1);
    // And when it ends, closes it.
    sqlx::query("update actions set ends_at = now() - interval '1 second' where id = $1::uuid")
        .bind(&id)
        .execute(&app.pool)
        .await
        .unwrap();
    app::server::db::actions::advance_clock(&app.pool).await.unwrap();
    let (_, closed) = app.call(&admin, "list_actions", &[("org_id", &org), ("status", "closed")]).await;
    assert_eq!(closed.as_array().unwrap().len(), 1);
    let (status, _) = app.call(&admin, "list_actions", &[("org_id", &org), ("status", "bogus")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn two_clicks_on_publish_publish_once() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;
    save(&app, &admin, &org, &id, &list, "Hello {firstName}. STOP to opt out").await;
    let (_, page) = app.call(&admin, "get_action", &[("org_id", &org), ("action_id", &id)]).await;
    let total = page["estimate"]["total_micros"].as_i64().unwrap().to_string();
    let ack = [("acknowledged_micros", total.as_str()), ("acknowledge_compliance", "on")];
    let (a, b) = tokio::join!(
        change(&app, &admin, &org, &id, "publish", &ack),
        change(&app, &admin, &org, &id, "publish", &ack)
    );
    let oks = [a.0, b.0].iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(oks, 1, "{a:?} {b:?}");
    assert!([a.0, b.0].contains(&StatusCode::CONFLICT));
}
