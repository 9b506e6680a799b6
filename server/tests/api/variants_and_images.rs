//! Initial-script variants (each contact gets one, and the server checks that one) and the
//! picture an initial script sends as MMS: upload rules, serving it to the carrier, the cost,
//! and the MediaUrl on the initial text only.

use crate::messaging::World;
use crate::outbox::rig;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use server::outbox::Dispatch;

const MAIN: &str = "Hi {firstName}, it's {senderFirstName}. STOP to opt out";
const VARIANT: &str = "Hello {firstName}! {senderFirstName} here. STOP to opt out";

fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len, 7);
    bytes
}

async fn save(w: &World, variants: &[&str]) -> (StatusCode, Value) {
    let list = w.list.clone();
    let json = serde_json::to_string(variants).unwrap();
    w.app
        .call(
            &w.admin,
            "save_action",
            &[
                ("org_id", &w.org),
                ("action_id", &w.action),
                ("title", "GOTV"),
                ("contact_list_id", &list),
                ("initial_script", MAIN),
                ("initial_variants", &json),
            ],
        )
        .await
}

async fn set_status(w: &World, status: &str) {
    sqlx::query("update actions set status = $2::action_status where id = $1::uuid")
        .bind(&w.action)
        .bind(status)
        .execute(&w.app.pool)
        .await
        .unwrap();
}

async fn upload(w: &World, who: &Client, bytes: Vec<u8>) -> (StatusCode, Value) {
    let res = who
        .post(format!("{}/api/actions/{}/image", w.app.address, w.action))
        .header("x-file-name", "rally.png")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_contact_gets_one_variant_and_the_server_checks_that_one() {
    let w = World::new().await;
    set_status(&w, "paused").await;
    // A variant with an unknown variable is named by its number and nothing is saved.
    let (status, body) = save(&w, &["Hey {nickname}. STOP to opt out"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "initial_variants");
    let message = body["Invalid"]["message"].as_str().unwrap();
    assert!(message.starts_with("Variant 2: ") && message.contains("nickname"), "{message}");

    let (status, body) = save(&w, &[VARIANT, "  "]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = w.app.call(&w.admin, "get_action", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(page["action"]["initial_variants"], serde_json::json!([VARIANT]), "blank variants are dropped");
    set_status(&w, "published").await;
    sqlx::query(
        "insert into texting_settings (organization_id, disable_custom_responses) values ($1::uuid, true)
         on conflict (organization_id) do update set disable_custom_responses = true",
    )
    .bind(&w.org)
    .execute(&w.app.pool)
    .await
    .unwrap();

    let a = w.conversation("+13125550501", true, true).await;
    let b = w.conversation("+13125550502", true, true).await;
    // Claimed, as "Start" would have done.
    sqlx::query("update conversations set claimed_at = now() where action_id = $1::uuid")
        .bind(&w.action)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, batch) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    let text_of = |id: &str| -> String {
        batch["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["conversation_id"].as_i64().unwrap().to_string() == id)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (text_a, text_b) = (text_of(&a), text_of(&b));
    // Consecutive conversations get different variants.
    let mut both = vec![text_a.clone(), text_b.clone()];
    both.sort();
    assert_eq!(both, vec!["Hello Ana! Val here. STOP to opt out", "Hi Ana, it's Val. STOP to opt out"]);

    // With custom text off, the other variant's text is refused: it is not what this contact got.
    let (status, body) = w.send(&a, &text_b, "k-wrong").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = w.send(&a, &text_a, "k-a").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = w.send(&b, &text_b, "k-b").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Results per variant: the contact who got the main script replies.
    let main = if text_a.starts_with("Hi ") { &a } else { &b };
    // Texted from our number (the outbox would have recorded it), so the reply finds its thread.
    let phone: String = sqlx::query_scalar(
        "update conversations set sender_phone = '+13122000001' where id = $1::bigint returning contact_phone",
    )
    .bind(main)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    app::server::db::webhooks::record_inbound(&w.app.pool, "SMvariantreply", &phone, "+13122000001", "Yes!")
        .await
        .unwrap();
    let (status, results) =
        w.app.call(&w.admin, "get_action_results", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let rows: Vec<(i64, i64, i64)> = results["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["variant"].as_i64().unwrap(), v["sent"].as_i64().unwrap(), v["replied"].as_i64().unwrap()))
        .collect();
    assert_eq!(rows, vec![(1, 1, 1), (2, 1, 0)]);
    assert_eq!(results["variants"][1]["text"], VARIANT);
    // The triggers' counts equal a recount from the rows.
    let totals = || async {
        sqlx::query_as::<_, (String, String, i64)>(
            "select metric, key, sum(n)::bigint from action_counts where action_id = $1::uuid and metric like 'variant%' group by 1, 2 order by 1, 2",
        )
        .bind(&w.action)
        .fetch_all(&w.app.pool)
        .await
        .unwrap()
    };
    let running = totals().await;
    sqlx::query("select recount_action($1::uuid)").bind(&w.action).execute(&w.app.pool).await.unwrap();
    assert_eq!(running, totals().await);

    // The estimate charges the longest variant; at most five scripts in all.
    let six: Vec<&str> = vec![VARIANT; 5];
    set_status(&w, "paused").await;
    let (status, body) = save(&w, &six).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("at most 5"), "{body}");
}

#[tokio::test]
async fn a_picture_is_checked_served_charged_as_mms_and_sent_with_the_initial_text_only() {
    let r = rig().await;
    let w = &r.world;
    // A live action cannot change its picture; volunteers cannot upload at all.
    let (status, body) = upload(w, &w.admin, png(2_000)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    set_status(w, "paused").await;
    let (status, _) = upload(w, &w.volunteer, png(2_000)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = upload(w, &w.admin, b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("JPEG, PNG or GIF"), "{body}");
    let (status, body) = upload(w, &w.admin, png(700 * 1024)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("600 KB"), "{body}");

    let picture = png(50_000);
    let (status, body) = upload(w, &w.admin, picture.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let image_id = body["id"].as_str().unwrap().to_string();

    // Anyone with the address can fetch it, as the carrier must; it is the bytes uploaded.
    let res = reqwest::get(format!("{}/media/{image_id}", w.app.address)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), picture);
    let res = reqwest::get(format!("{}/media/{}", w.app.address, uuid::Uuid::new_v4())).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The estimate is now per MMS with five numbers.
    let phone = "+13125550601";
    let c = w.conversation(phone, true, true).await;
    sqlx::query("update contact_lists set contact_count = 1 where id = $1::uuid")
        .bind(&w.list)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (_, page) = w.app.call(&w.admin, "get_action", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(page["action"]["script_image_name"], "rally.png");
    assert_eq!(page["estimate"]["mms"], true, "{page}");
    assert_eq!(page["estimate"]["numbers_needed"], 5, "{page}");

    set_status(w, "published").await;
    let (_, batch) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(batch["image_url"], format!("/media/{image_id}"));
    let (status, body) = w.send(&c, crate::messaging::SCRIPT, "pic-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(r.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    // A reply later in the thread is plain text.
    sqlx::query("update conversations set last_inbound_at = now() where id = $1::bigint")
        .bind(&c)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, body) = w.send(&c, "Thanks!", "pic-2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(r.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    let sent: Vec<_> = r.sim.received_messages().into_iter().filter(|m| m.to == phone).collect();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].media_urls, vec![format!("http://p2p.test/media/{image_id}")]);
    assert!(sent[1].media_urls.is_empty());

    // Removing it (while paused) turns the action back to SMS.
    set_status(w, "paused").await;
    let res = w.admin.delete(format!("{}/api/actions/{}/image", w.app.address, w.action)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, page) = w.app.call(&w.admin, "get_action", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(page["estimate"]["mms"], false, "{page}");
    assert_eq!(page["action"]["script_image_id"], Value::Null);
}

#[tokio::test]
async fn the_cards_image_changes_even_while_live_and_is_shown_but_never_texted() {
    let w = World::new().await;
    let url = format!("{}/api/actions/{}/image?for=card", w.app.address, w.action);
    // Live: the card's image may change (the script's may not, see above).
    let res = w.admin.post(&url).header("x-file-name", "banner.png").body(png(10_000)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let (_, list) = w.app.call(&w.volunteer, "list_volunteer_actions", &[("org_id", &w.org)]).await;
    assert_eq!(list[0]["card_image_id"], id.as_str());
    let (_, page) = w.app.call(&w.admin, "get_action", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(page["action"]["card_image_name"], "banner.png");
    assert_eq!(page["action"]["script_image_id"], Value::Null);
    assert_eq!(page["estimate"]["mms"], false, "a card image is not texted: {page}");
    let res = w.admin.post(format!("{url}x")).body(png(10)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "an unknown place is refused");
    let res = w.admin.delete(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, list) = w.app.call(&w.volunteer, "list_volunteer_actions", &[("org_id", &w.org)]).await;
    assert_eq!(list[0]["card_image_id"], Value::Null);
}

/// A stored picture `age_days` old.
async fn picture(w: &World, age_days: i32) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "insert into script_images (id, organization_id, content_type, bytes, created_at) values ($1, $2::uuid, 'image/png', '\\x89'::bytea, now() - make_interval(days => $3))",
    )
    .bind(id)
    .bind(&w.org)
    .bind(age_days)
    .execute(&w.app.pool)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn pictures_nothing_uses_are_swept_but_sent_and_fresh_ones_stay() {
    let w = World::new().await;
    let pool = &w.app.pool;
    let (unused, fresh, on_action, on_card, sent) =
        (picture(&w, 3).await, picture(&w, 0).await, picture(&w, 3).await, picture(&w, 3).await, picture(&w, 3).await);
    sqlx::query("update actions set script_image_id = $2, card_image_id = $3 where id = $1::uuid")
        .bind(&w.action)
        .bind(on_action)
        .bind(on_card)
        .execute(pool)
        .await
        .unwrap();
    let c = w.conversation("+13125550701", true, true).await;
    sqlx::query(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, status, image_id, sent_by, pressed_at, press_session) select $1::uuid, $2::bigint, 'outbound', 'initial', 'Hi', '+13125550701', 'delivered', $3, volunteer_id, now(), repeat('a', 64) from conversations where id = $2::bigint",
    )
    .bind(&w.org)
    .bind(&c)
    .bind(sent)
    .execute(pool)
    .await
    .unwrap();

    assert_eq!(app::server::db::script_images::sweep_unused(pool).await.unwrap(), 1);
    let left: Vec<uuid::Uuid> = sqlx::query_scalar("select id from script_images").fetch_all(pool).await.unwrap();
    assert!(!left.contains(&unused));
    for kept in [fresh, on_action, on_card, sent] {
        assert!(left.contains(&kept));
    }
}
