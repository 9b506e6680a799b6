//! Publishing refuses initial scripts that neither say who is texting nor how to opt out,
//! unless an admin acknowledges it; the acknowledgement is kept with who and when.

use crate::actions::{change, create, setup};
use crate::helpers::{spawn_app, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::Value;

async fn save(app: &TestApp, admin: &Client, org: &str, id: &str, list: &str, main: &str, variants: &[&str]) {
    let json = serde_json::to_string(variants).unwrap();
    let (status, body) = app
        .call(
            admin,
            "save_action",
            &[
                ("org_id", org),
                ("action_id", id),
                ("title", "GOTV week"),
                ("contact_list_id", list),
                ("initial_script", main),
                ("initial_variants", &json),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn estimate(app: &TestApp, admin: &Client, org: &str, id: &str) -> (String, Value) {
    let (_, page) = app.call(admin, "get_action", &[("org_id", org), ("action_id", id)]).await;
    (page["estimate"]["total_micros"].as_i64().unwrap().to_string(), page)
}

#[tokio::test]
async fn publishing_refuses_a_script_that_hides_the_sender_or_the_way_out_until_acknowledged() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;
    // The main script is fine; variant 2 names nobody and offers no way out.
    save(
        &app,
        &admin,
        &org,
        &id,
        &list,
        "Hi {firstName}, it's {senderFirstName} with {organizationName}. Text STOP to opt out",
        &["Hi {firstName}, vote on Tuesday!"],
    )
    .await;
    let (total, page) = estimate(&app, &admin, &org, &id).await;
    // The action page lists the same problems the server refuses for.
    let problems = page["compliance_problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{page}");
    assert!(problems[0].as_str().unwrap().starts_with("Variant 2: it does not say who is texting"), "{page}");

    let (status, body) = change(&app, &admin, &org, &id, "publish", &[("acknowledged_micros", &total)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "acknowledge_compliance");
    let message = body["Invalid"]["message"].as_str().unwrap();
    assert!(message.contains("Variant 2: it does not say who is texting: name \"Campaign\""), "{message}");
    assert!(message.contains("no opt-out language"), "{message}");
    assert!(!message.contains("Initial script:"), "the main script passes: {message}");
    // Scheduling is going live too.
    let (status, _) = change(
        &app,
        &admin,
        &org,
        &id,
        "schedule",
        &[("acknowledged_micros", &total), ("publish_at", "2099-01-01T15:00:00Z")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing was recorded by the refusals, the cost acknowledgement included.
    let (status_now, cost_ack, ack_at): (
        String,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = sqlx::query_as(
        "select status::text, cost_acknowledged_at, compliance_acknowledged_at from actions where id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((status_now.as_str(), cost_ack, ack_at), ("draft", None, None));

    // With the acknowledgement: published, and who and when are on the action.
    let (status, body) = change(
        &app,
        &admin,
        &org,
        &id,
        "publish",
        &[("acknowledged_micros", &total), ("acknowledge_compliance", "on")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "published");
    let (by, at): (Option<String>, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
        r#"select u.display_name, a.compliance_acknowledged_at from actions a
           left join users u on u.id = a.compliance_acknowledged_by where a.id = $1::uuid"#,
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(by.as_deref(), Some("Admin"));
    assert!((chrono::Utc::now() - at.unwrap()).num_minutes() < 5);
}

#[tokio::test]
async fn a_script_that_names_the_organization_and_the_way_out_publishes_without_acknowledgement() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;
    // The name written out counts as much as the variable.
    save(
        &app,
        &admin,
        &org,
        &id,
        &list,
        "Hi {firstName}, the Campaign here: rally Saturday. Reply STOP to opt out",
        &[],
    )
    .await;
    let (total, page) = estimate(&app, &admin, &org, &id).await;
    assert_eq!(page["compliance_problems"], serde_json::json!([]));
    let (status, body) = change(&app, &admin, &org, &id, "publish", &[("acknowledged_micros", &total)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ack: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select compliance_acknowledged_at from actions where id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(ack, None, "nothing to acknowledge");
}

#[tokio::test]
async fn the_main_script_without_opt_out_language_is_named() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;
    // "stop by" is no opt-out language (the old editor check, any "stop", let this through).
    save(&app, &admin, &org, &id, &list, "{organizationName}: stop by our office Saturday, {firstName}!", &[]).await;
    let (total, _) = estimate(&app, &admin, &org, &id).await;
    let (status, body) = change(&app, &admin, &org, &id, "publish", &[("acknowledged_micros", &total)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["Invalid"]["message"].as_str().unwrap();
    assert!(message.starts_with("Initial script: it has no opt-out language"), "{message}");
    // A volunteer cannot publish (or acknowledge) at all.
    let (volunteer, _) = app.volunteer(&admin, &org, "Val").await;
    let (status, _) = change(
        &app,
        &volunteer,
        &org,
        &id,
        "publish",
        &[("acknowledged_micros", &total), ("acknowledge_compliance", "on")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
