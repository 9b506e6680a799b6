//! An admin acting from an open conversation (Conversations → a thread): answering as
//! themselves through the same send and guards, tagging, opting out and reassigning.

use crate::messaging::{World, SCRIPT};
use reqwest::StatusCode;

async fn texted(w: &World, phone: &str) -> String {
    let id = w.conversation(phone, true, true).await;
    let (status, body) = w.send(&id, SCRIPT, &format!("first-{phone}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

async fn admin_send(w: &World, id: &str, body: &str, key: &str) -> (StatusCode, serde_json::Value) {
    w.app
        .call(
            &w.admin,
            "send_message",
            &[("org_id", &w.org), ("conversation_id", id), ("body", body), ("idempotency_key", key)],
        )
        .await
}

#[tokio::test]
async fn an_admin_answers_a_texted_conversation_once_per_press_but_never_sends_the_first_text() {
    let w = World::new().await;
    let fresh = w.conversation("+13125550301", true, true).await;
    let (status, body) = admin_send(&w, &fresh, SCRIPT, "admin-first").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("first text goes from the volunteer"), "{body}");
    assert_eq!(w.count("+13125550301").await, 0);

    let id = texted(&w, "+13125550302").await;
    // Before the contact answers, the Outbound Message Lock holds for admins too.
    let (status, body) = admin_send(&w, &id, "Did you get my text?", "admin-0").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // They replied: the admin answers.
    sqlx::query("update conversations set last_inbound_at = now() where id = $1::bigint")
        .bind(&id)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, body) = admin_send(&w, &id, "Thanks for asking, the polls open at 7.", "admin-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (again, body_again) = admin_send(&w, &id, "Thanks for asking, the polls open at 7.", "admin-1").await;
    assert_eq!(again, StatusCode::OK);
    assert_eq!(body["id"], body_again["id"], "a double click sends once");
    assert_eq!(w.count("+13125550302").await, 2);
    // Recorded as the admin's, not the volunteer's.
    let by_admin: i64 = sqlx::query_scalar(
        r#"select count(*) from messages m join users u on u.id = m.sent_by
           where m.conversation_id = $1::bigint and u.display_name = 'Admin'"#,
    )
    .bind(&id)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(by_admin, 1);
    // The same guards: an opted-out contact gets nothing, from an admin either.
    let (status, _) = w
        .app
        .call(
            &w.admin,
            "opt_out_contact",
            &[("org_id", &w.org), ("conversation_id", &id), ("reason", "Asked by phone")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = admin_send(&w, &id, "One more thing", "admin-2").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(w.count("+13125550302").await, 2);
    // A volunteer still cannot answer a conversation held by someone else.
    let (other, _) = w.app.volunteer(&w.admin, &w.org, "Other Volunteer").await;
    let (status, _) = w
        .app
        .call(
            &other,
            "send_message",
            &[("org_id", &w.org), ("conversation_id", &id), ("body", "hi"), ("idempotency_key", "o-1")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_tags_and_untags_with_the_organizations_tags_only() {
    let w = World::new().await;
    let id = texted(&w, "+13125550303").await;
    let tag: i64 =
        sqlx::query_scalar("insert into tags (organization_id, name) values ($1::uuid, 'Volunteer lead') returning id")
            .bind(&w.org)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    let tag_text = tag.to_string();
    let call = |remove: &'static str| {
        let (w, id, tag_text) = (&w, id.clone(), tag_text.clone());
        async move {
            w.app
                .call(
                    &w.admin,
                    "tag_conversation",
                    &[("org_id", &w.org), ("conversation_id", &id), ("tag_id", &tag_text), ("remove", remove)],
                )
                .await
        }
    };
    assert_eq!(call("false").await.0, StatusCode::OK);
    assert_eq!(call("false").await.0, StatusCode::OK, "tagging twice is harmless");
    let (_, thread) =
        w.app.call(&w.admin, "get_supervised_thread", &[("org_id", &w.org), ("conversation_id", &id)]).await;
    assert_eq!(thread["tag_ids"], serde_json::json!([tag]), "{thread}");
    assert_eq!(thread["texted"], true);
    assert_eq!(call("true").await.0, StatusCode::OK);
    let (_, thread) =
        w.app.call(&w.admin, "get_supervised_thread", &[("org_id", &w.org), ("conversation_id", &id)]).await;
    assert_eq!(thread["tag_ids"], serde_json::json!([]));

    // The built-in Opt Out tag only comes with an opt-out; another organization's tag not at all.
    let opt_out: i64 =
        sqlx::query_scalar("select opt_out_tag($1::uuid)").bind(&w.org).fetch_one(&w.app.pool).await.unwrap();
    let (status, body) = w
        .app
        .call(
            &w.admin,
            "tag_conversation",
            &[("org_id", &w.org), ("conversation_id", &id), ("tag_id", &opt_out.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (other_admin, _) = w.app.user("Elsewhere").await;
    let other_org = w.app.org(&other_admin, "Other").await;
    let theirs: i64 =
        sqlx::query_scalar("insert into tags (organization_id, name) values ($1::uuid, 'Theirs') returning id")
            .bind(&other_org)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    let (status, _) = w
        .app
        .call(
            &w.admin,
            "tag_conversation",
            &[("org_id", &w.org), ("conversation_id", &id), ("tag_id", &theirs.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nor can the other organization's admin tag our conversation, or a volunteer tag at all.
    let (status, _) = w
        .app
        .call(
            &other_admin,
            "tag_conversation",
            &[("org_id", &other_org), ("conversation_id", &id), ("tag_id", &theirs.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = w
        .app
        .call(&w.volunteer, "tag_conversation", &[("org_id", &w.org), ("conversation_id", &id), ("tag_id", &tag_text)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_admin_thread_page_offers_reply_tags_opt_out_and_reassign() {
    let w = World::new().await;
    let id = texted(&w, "+13125550304").await;
    let html = crate::helpers::get_html(&w.admin, &format!("{}/o/{}/admin/conversations/{id}", w.app.address, w.org))
        .await
        .text()
        .await
        .unwrap();
    for expected in [
        "Reply as yourself",
        r#"name="idempotency_key""#,
        "Opt this person out",
        "Give this conversation to",
        "Val Volunteer",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
}
