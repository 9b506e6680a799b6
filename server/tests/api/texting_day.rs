//! Defects found when the P2P flow was tried as a new user would, each with the test that failed
//! before its fix: a thread opened before any reply, skipped contacts, the outbound lock after a
//! failed text, and the volunteer's own count.

use crate::messaging::{World, SCRIPT};
use reqwest::StatusCode;
use serde_json::Value;

async fn contact(w: &World, phone: &str) {
    sqlx::query(
        r#"insert into contacts (list_id, phone, first_name, time_zones, custom) values ($1::uuid, $2, 'Ana', array[$3], '{"ward":"7"}')"#,
    )
    .bind(&w.list)
    .bind(phone)
    .bind(crate::messaging::zone(true))
    .execute(&w.app.pool)
    .await
    .unwrap();
}

async fn batch_size(w: &World, size: i32) {
    sqlx::query("insert into texting_settings (organization_id, batch_size) values ($1::uuid, $2)")
        .bind(&w.org)
        .bind(size)
        .execute(&w.app.pool)
        .await
        .unwrap();
}

fn ids(batch: &Value) -> Vec<String> {
    batch["contacts"].as_array().unwrap().iter().map(|c| c["conversation_id"].as_i64().unwrap().to_string()).collect()
}

async fn count(w: &World, metric: &str) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(n), 0)::bigint from action_counts where action_id = $1::uuid and metric = $2",
    )
    .bind(&w.action)
    .bind(metric)
    .fetch_one(&w.app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_thread_opens_before_the_contact_has_replied() {
    let w = World::new().await;
    let c = w.conversation("+13125550401", true, true).await;
    let (status, body) = w.send(&c, SCRIPT, "k1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, thread) = w.app.call(&w.volunteer, "get_thread", &[("org_id", &w.org), ("conversation_id", &c)]).await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    assert_eq!(thread["needs_attention"], false);
    assert_eq!(thread["messages"].as_array().unwrap().len(), 1);
    // The inbox lists it too, read and not waiting.
    let (status, inbox) = w.app.call(&w.volunteer, "get_inbox", &[("org_id", &w.org)]).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
}

#[tokio::test]
async fn a_skipped_contact_goes_to_another_volunteer_is_counted_and_never_hides_the_rest() {
    let w = World::new().await;
    let (second, _) = w.app.volunteer(&w.admin, &w.org, "Second").await;
    for i in 0..3 {
        contact(&w, &format!("+1312555050{i}")).await;
    }
    // The third number opted out: it is never "more to text".
    sqlx::query("insert into opt_outs (organization_id, phone) values ($1::uuid, '+13125550502')")
        .bind(&w.org)
        .execute(&w.app.pool)
        .await
        .unwrap();
    batch_size(&w, 2).await;
    let (status, batch) =
        w.app.call(&w.volunteer, "claim_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    let mine = ids(&batch);
    assert_eq!(mine.len(), 2);
    let (status, _) =
        w.app.call(&w.volunteer, "skip_contact", &[("org_id", &w.org), ("conversation_id", &mine[0])]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = w.send(&mine[1], SCRIPT, "k-sent").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The batch is done. Nothing more for this volunteer (they skipped the one left), but the
    // action is not finished: the screen must not say everyone has been texted.
    let (_, after) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert!(ids(&after).is_empty(), "{after}");
    assert_eq!(after["more_available"], false, "{after}");
    assert_eq!(after["waiting_for_others"], 1, "{after}");
    let (_, again) = w.app.call(&w.volunteer, "claim_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert!(ids(&again).is_empty(), "the skipper was handed the skipped contact again: {again}");

    // Another volunteer is offered it; the opted-out number stays out.
    let (_, theirs) = w.app.call(&second, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(theirs["more_available"], true, "{theirs}");
    let (_, theirs) = w.app.call(&second, "claim_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(ids(&theirs), vec![mine[0].clone()]);
    assert_eq!(theirs["more_available"], false, "only an opted-out number is left: {theirs}");
    assert_eq!(theirs["waiting_for_others"], 0, "{theirs}");

    // Counted, and a recount from the rows agrees (the skip is a row of its own).
    assert_eq!(count(&w, "skipped").await, 1);
    assert_eq!(count(&w, "batches").await, 1);
    sqlx::query("select recount_action($1::uuid)").bind(&w.action).execute(&w.app.pool).await.unwrap();
    assert_eq!(count(&w, "skipped").await, 1);
    let (status, results) =
        w.app.call(&w.admin, "get_action_results", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results["messages"]["skipped"], 1, "{results}");
}

#[tokio::test]
async fn a_text_the_carrier_failed_does_not_lock_the_number() {
    let w = World::new().await;
    let phone = "+13125550601";
    let c = w.conversation(phone, true, true).await;
    // An earlier text to the number failed at the carrier (21617: body too long).
    sqlx::query(
        r#"insert into messages (organization_id, direction, kind, body, to_phone, status, error_code, created_at, sent_by, pressed_at, press_session)
           values ($1::uuid, 'outbound', 'custom', 'too long', $2, 'failed', 21617, now() - interval '1 hour', (select user_id from memberships where organization_id = $1::uuid limit 1), now(), repeat('a', 64))"#,
    )
    .bind(&w.org)
    .bind(phone)
    .execute(&w.app.pool)
    .await
    .unwrap();
    let (status, body) = w.send(&c, SCRIPT, "k1").await;
    assert_eq!(status, StatusCode::OK, "a failed text locked the number: {body}");

    // One that may have reached them does lock it.
    let other = "+13125550602";
    let c2 = w.conversation(other, true, true).await;
    sqlx::query(
        r#"insert into messages (organization_id, direction, kind, body, to_phone, status, created_at, sent_by, pressed_at, press_session)
           values ($1::uuid, 'outbound', 'custom', 'hello', $2, 'sent', now() - interval '1 hour', (select user_id from memberships where organization_id = $1::uuid limit 1), now(), repeat('a', 64))"#,
    )
    .bind(&w.org)
    .bind(other)
    .execute(&w.app.pool)
    .await
    .unwrap();
    let (status, body) = w.send(&c2, SCRIPT, "k2").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn the_volunteer_card_counts_the_texts_they_sent_not_the_threads_they_hold() {
    let w = World::new().await;
    let (second, _) = w.app.volunteer(&w.admin, &w.org, "Second").await;
    let c = w.conversation("+13125550701", true, true).await;
    let (status, body) = w.send(&c, SCRIPT, "k1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The thread is handed to the second volunteer: they hold it but texted nobody.
    let second_id: uuid::Uuid = sqlx::query_scalar(
        "select m.user_id from memberships m join users u on u.id = m.user_id where m.organization_id = $1::uuid and u.display_name = 'Second'",
    )
    .bind(&w.org)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    sqlx::query("update conversations set volunteer_id = $2 where id = $1::bigint")
        .bind(&c)
        .bind(second_id)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (_, mine) = w.app.call(&w.volunteer, "list_volunteer_actions", &[("org_id", &w.org)]).await;
    assert_eq!(mine[0]["sent_by_me"], 1, "{mine}");
    let (_, theirs) = w.app.call(&second, "list_volunteer_actions", &[("org_id", &w.org)]).await;
    assert_eq!(theirs[0]["sent_by_me"], 0, "{theirs}");
}

#[tokio::test]
async fn one_statement_of_many_messages_counts_like_a_recount() {
    let w = World::new().await;
    let mut conversations = Vec::new();
    for i in 0..3 {
        conversations.push(w.conversation(&format!("+131255508{i:02}"), true, true).await.parse::<i64>().unwrap());
    }
    // History in one statement: an initial text each, two follow-ups and two replies in the first
    // conversation, one reply in the second.
    sqlx::query(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, status, sent_by, pressed_at, press_session)
           select $1::uuid, c.id, d.direction::message_direction, d.kind, 'x', c.contact_phone, d.status, c.volunteer_id,
                  case when d.direction = 'outbound' then now() end, case when d.direction = 'outbound' then repeat('a', 64) end
           from conversations c
           join (values (0, 'outbound', 'initial', 'delivered'), (1, 'outbound', 'initial', 'delivered'),
                        (2, 'outbound', 'initial', 'failed'), (0, 'outbound', 'custom', 'sent'),
                        (0, 'outbound', 'custom', 'sent'), (0, 'inbound', 'inbound', 'received'),
                        (0, 'inbound', 'inbound', 'received'), (1, 'inbound', 'inbound', 'received'))
                as d(i, direction, kind, status) on c.id = ($2::bigint[])[d.i + 1]"#,
    )
    .bind(&w.org)
    .bind(&conversations)
    .execute(&w.app.pool)
    .await
    .unwrap();
    let counts = || async {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "select metric, key, sum(n)::bigint from action_counts where action_id = $1::uuid group by 1, 2 having sum(n) <> 0 order by 1, 2",
        )
        .bind(&w.action)
        .fetch_all(&w.app.pool)
        .await
        .unwrap();
        rows
    };
    let running = counts().await;
    let get = |metric: &str| running.iter().filter(|(m, _, _)| m == metric).map(|(_, _, n)| *n).sum::<i64>();
    assert_eq!(
        (get("initial_sent"), get("followups"), get("followed_up"), get("replies"), get("replied"), get("delivered")),
        (3, 2, 1, 3, 2, 2),
        "{running:?}"
    );
    sqlx::query("select recount_action($1::uuid)").bind(&w.action).execute(&w.app.pool).await.unwrap();
    assert_eq!(counts().await, running);
}
