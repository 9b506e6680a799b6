//! Every text field has a maximum, checked on the server with the field and the limit named;
//! a script whose worst case is longer than the carrier takes cannot go live; a request body
//! over the server's limit gets an answer the browser can read.

use crate::actions::{change, create, save, setup};
use crate::helpers::spawn_app;
use crate::messaging::{World, SCRIPT};
use reqwest::StatusCode;

fn invalid(body: &serde_json::Value) -> (String, String) {
    (
        body["Invalid"]["field"].as_str().unwrap_or_default().to_string(),
        body["Invalid"]["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn oversized_action_fields_are_refused_by_name_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    let id = create(&app, &admin, &org).await;
    let megabyte = "x".repeat(1 << 20);
    for (field, max) in
        [("description", "2,000"), ("disclaimer", "1,000"), ("folder", "80"), ("initial_script", "1,600")]
    {
        let mut form = vec![
            ("org_id", org.as_str()),
            ("action_id", id.as_str()),
            ("title", "GOTV"),
            ("contact_list_id", list.as_str()),
            ("initial_script", "Hi {firstName}. STOP to opt out"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, megabyte.as_str()));
        let (status, body) = app.call(&admin, "save_action", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        let (f, message) = invalid(&body);
        assert_eq!(f, field);
        assert!(message.contains(max) && message.contains("1,048,576"), "{field}: {message}");
    }
    let stored: i64 = sqlx::query_scalar(
        "select coalesce(max(length(description) + length(disclaimer) + length(folder) + length(initial_script)), 0)::bigint from actions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(stored < 100, "an oversized field was stored");
}

#[tokio::test]
async fn a_script_whose_worst_case_is_over_the_carrier_limit_cannot_go_live() {
    let app = spawn_app().await;
    let (admin, org, list) = setup(&app).await;
    // One contact's ward is 1,500 characters long: the rendered text would be over 1,600.
    sqlx::query(
        "update contacts set custom = jsonb_build_object('ward', repeat('7', 1500)) where phone = '+13125550201'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let id = create(&app, &admin, &org).await;
    let script = format!("Hi {{firstName}}, ward {{custom:ward}}. {}STOP to opt out", "Please vote. ".repeat(10));
    let (status, body) = save(&app, &admin, &org, &id, &list, &script).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = app.call(&admin, "get_action", &[("org_id", &org), ("action_id", &id)]).await;
    assert!(page["estimate"].is_null(), "{page}");
    let missing = page["estimate_missing"].as_str().unwrap();
    assert!(missing.contains("at most 1,600"), "{missing}");
    let (status, body) = change(&app, &admin, &org, &id, "publish", &[("acknowledged_micros", "10000000")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(invalid(&body).1.contains("at most 1,600"), "{body}");
}

#[tokio::test]
async fn a_text_over_1600_characters_is_refused_before_it_is_queued() {
    let w = World::new().await;
    let c = w.conversation("+13125550901", true, true).await;
    let (status, body) = w.send(&c, SCRIPT, "k1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlx::query("update conversations set last_inbound_at = now() where id = $1::bigint")
        .bind(&c)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, body) = w.send(&c, &"a".repeat(1601), "k2").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(invalid(&body), ("body".into(), "A text can be at most 1,600 characters; this one has 1,601.".into()));
    assert_eq!(w.count("+13125550901").await, 1);
}

#[tokio::test]
async fn a_request_body_over_the_server_limit_gets_a_readable_error() {
    let w = World::new().await;
    let c = w.conversation("+13125550902", true, true).await;
    let huge = "a".repeat(3 << 20);
    let (status, body) = w.send(&c, &huge, "k-huge").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // The page decodes the error and shows its message.
    let error: app::error::AppError = serde_json::from_value(body.clone()).expect("an error the page can decode");
    assert_eq!(
        error.to_string(),
        "This is too large to send: at most 2 MB at once. Shorten the longest text and try again."
    );
}
