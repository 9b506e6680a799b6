//! Action results on a small hand-built action: every metric against the number worked out by
//! hand, the running counts against a recount from the rows, moving selected volunteers'
//! contacts, and who may see what.

use crate::messaging::{zone, World};
use app::domain::message_status::MessageStatus;
use app::server::db::webhooks::{apply_status, record_inbound};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const OUR_NUMBER: &str = "+13122000009";

struct Results {
    w: World,
    second: Client,
    second_id: String,
    volunteer_id: String,
    report_tag: i64,
}

impl Results {
    async fn new() -> Results {
        let w = World::new().await;
        let pool = &w.app.pool;
        let supporter: i64 =
            sqlx::query_scalar("insert into tags (organization_id, name) values ($1::uuid, 'Supporter') returning id")
                .bind(&w.org)
                .fetch_one(pool)
                .await
                .unwrap();
        let report_tag: i64 = sqlx::query_scalar(
            "insert into tags (organization_id, name) values ($1::uuid, 'Volunteer lead') returning id",
        )
        .bind(&w.org)
        .fetch_one(pool)
        .await
        .unwrap();
        let field: i64 = sqlx::query_scalar(
            "insert into custom_fields (organization_id, name) values ($1::uuid, 'Top issue') returning id",
        )
        .bind(&w.org)
        .fetch_one(pool)
        .await
        .unwrap();
        let tree = json!({
            "question": "Can we count on your vote?",
            "answers": [
                {"id": "yes", "label": "Yes", "body": "Great! Need a ride?", "question": "Need a ride?",
                 "tags": [supporter], "field_values": [{"field_id": field, "value": "Voting"}],
                 "answers": [{"id": "ride", "label": "Needs a ride", "body": "We'll call."}]},
                {"id": "no", "label": "No", "body": "Thanks anyway."}
            ]
        });
        sqlx::query("update actions set script_tree = $2, report_tag_ids = array[$3::bigint] where id = $1::uuid")
            .bind(&w.action)
            .bind(&tree)
            .bind(report_tag)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("insert into texting_settings (organization_id, batch_size) values ($1::uuid, 3)")
            .bind(&w.org)
            .execute(pool)
            .await
            .unwrap();
        let (second, second_email) = w.app.volunteer(&w.admin, &w.org, "Wen Second").await;
        let second_id = w.app.user_id(&second_email).await;
        let volunteer_id: String = sqlx::query_scalar(
            "select user_id::text from memberships where organization_id = $1::uuid and role = 'volunteer' and user_id <> $2::uuid",
        )
        .bind(&w.org)
        .bind(&second_id)
        .fetch_one(pool)
        .await
        .unwrap();
        Results { w, second, second_id, volunteer_id, report_tag }
    }

    async fn contact(&self, phone: &str) {
        sqlx::query("insert into contacts (list_id, phone, first_name, time_zones, custom) values ($1::uuid, $2, 'Ana', array[$3], '{\"ward\":\"7\"}')")
            .bind(&self.w.list)
            .bind(phone)
            .bind(zone(true))
            .execute(&self.w.app.pool)
            .await
            .unwrap();
    }

    async fn call(&self, who: &Client, endpoint: &str, args: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut form = vec![("org_id", self.w.org.as_str()), ("action_id", self.w.action.as_str())];
        form.extend_from_slice(args);
        self.w.app.call(who, endpoint, &form).await
    }

    /// Claims a batch and texts all of it; answers the conversation ids.
    async fn text_batch(&self, who: &Client) -> Vec<String> {
        let (status, batch) = self.call(who, "claim_batch", &[]).await;
        assert_eq!(status, StatusCode::OK, "{batch}");
        let mut ids = Vec::new();
        for c in batch["contacts"].as_array().unwrap() {
            let id = c["conversation_id"].to_string();
            let (status, body) = self
                .w
                .app
                .call(
                    who,
                    "send_message",
                    &[
                        ("org_id", &self.w.org),
                        ("conversation_id", &id),
                        ("body", "Hi Ana!"),
                        ("idempotency_key", &format!("i{id}")),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            ids.push(id);
        }
        sqlx::query("update conversations set sender_phone = $1 where action_id = $2::uuid")
            .bind(OUR_NUMBER)
            .bind(&self.w.action)
            .execute(&self.w.app.pool)
            .await
            .unwrap();
        ids
    }

    async fn status(&self, conversation: &str, status: &str, code: Option<i32>) {
        let sid = format!("SMres{conversation}");
        sqlx::query("update messages set twilio_sid = $2 where conversation_id = $1::bigint and kind = 'initial'")
            .bind(conversation)
            .bind(&sid)
            .execute(&self.w.app.pool)
            .await
            .unwrap();
        apply_status(&self.w.app.pool, &sid, &MessageStatus::parse(status), code, None).await.unwrap();
    }

    async fn phone(&self, conversation: &str) -> String {
        sqlx::query_scalar("select contact_phone from conversations where id = $1::bigint")
            .bind(conversation)
            .fetch_one(&self.w.app.pool)
            .await
            .unwrap()
    }

    async fn reply(&self, conversation: &str, body: &str) {
        let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
        record_inbound(&self.w.app.pool, &sid, &self.phone(conversation).await, OUR_NUMBER, body).await.unwrap();
    }

    /// The admin gives Wen's contacts (`what`) to `to`.
    async fn move_wens(&self, what: &str, to: String) -> (StatusCode, Value) {
        self.call(
            &self.w.admin,
            "reassign_volunteer_contacts",
            &[("from", &self.second_id), ("to", &to), ("what", what)],
        )
        .await
    }

    async fn results(&self) -> Value {
        let (status, r) = self.call(&self.w.admin, "get_action_results", &[]).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        r
    }

    /// The running counts summed over volunteers, batches aside (nothing to recount them from).
    async fn totals(&self) -> BTreeMap<(String, String), i64> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "select metric, key, sum(n)::bigint from action_counts where action_id = $1::uuid and metric <> 'batches' group by 1, 2 having sum(n) <> 0",
        )
        .bind(&self.w.action)
        .fetch_all(&self.w.app.pool)
        .await
        .unwrap();
        rows.into_iter().map(|(m, k, n)| ((m, k), n)).collect()
    }
}

fn volunteer<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["volunteers"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("{name} in {r}"))
}

#[tokio::test]
async fn every_metric_matches_the_hand_count_and_a_recount() {
    let r = Results::new().await;
    for i in 0..4 {
        r.contact(&format!("+1312555070{i}")).await;
    }
    let v = &r.w.volunteer;
    // Val opens the action and texts a batch of 3; Wen texts the last one. Both finish a batch.
    let (status, _) = r.call(v, "get_batch", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let vals = r.text_batch(v).await;
    let wens = r.text_batch(&r.second).await;
    assert_eq!((vals.len(), wens.len()), (3, 1));

    // Carriers: two delivered, one filtered, one still on its way.
    r.status(&vals[0], "delivered", None).await;
    r.status(&vals[1], "delivered", None).await;
    r.status(&vals[2], "undelivered", Some(30007)).await;
    r.status(&wens[0], "sent", None).await;
    // A late duplicate and an out-of-order callback change nothing.
    r.status(&vals[0], "delivered", None).await;
    r.status(&vals[2], "sent", None).await;

    // Replies: two from the first contact, STOP from the second, a question to Wen.
    r.reply(&vals[0], "Yes!").await;
    r.reply(&vals[0], "When is it?").await;
    r.reply(&vals[1], "STOP").await;
    r.reply(&wens[0], "Who is this?").await;

    // Val answers "Yes" from the script (tag, field value, survey answer) and files a report.
    let (status, body) =
        r.w.app
            .call(
                v,
                "send_message",
                &[
                    ("org_id", &r.w.org),
                    ("conversation_id", &vals[0]),
                    ("body", "Great! Need a ride?"),
                    ("idempotency_key", "yes"),
                    ("response", "yes"),
                ],
            )
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report = json!({"tags": [r.report_tag], "fields": []}).to_string();
    let (status, body) =
        r.w.app
            .call(v, "file_report", &[("org_id", &r.w.org), ("conversation_id", &vals[0]), ("report", &report)])
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let res = r.results().await;
    // Admin, Val and Wen; Val opened the screen, and Wen's claim opened it for Wen.
    assert_eq!(
        res["overview"],
        json!({"sent_to": 3, "seen": 2, "started": 2, "completed": 2, "performs": 2, "reports": 1})
    );
    let m = &res["messages"];
    assert_eq!(
        (m["initial_sent"].as_i64(), m["phones_reached"].as_i64(), m["followed_up"].as_i64(), m["followups"].as_i64()),
        (Some(4), Some(2), Some(1), Some(1))
    );
    assert_eq!(
        (m["replied"].as_i64(), m["replies"].as_i64(), m["response_rate"].as_f64()),
        (Some(3), Some(4), Some(75.0))
    );
    assert_eq!(
        (m["delivered"].as_i64(), m["failed"].as_i64(), m["delivery_rate"].as_f64()),
        (Some(2), Some(1), Some(66.7))
    );
    assert_eq!(m["opt_outs"], 1);
    assert_eq!(m["errors"], json!([{"code": 30007, "meaning": "Filtered by the carrier as spam", "n": 1}]));

    let val = volunteer(&res, "Val Volunteer");
    assert_eq!(
        (val["texts_sent"].as_i64(), val["followups"].as_i64(), val["replies"].as_i64()),
        (Some(3), Some(1), Some(3))
    );
    assert_eq!((val["replies_pending"].as_i64(), val["reports"].as_i64()), (Some(0), Some(1)));
    assert!(val["last_active"].is_string());
    let wen = volunteer(&res, "Wen Second");
    assert_eq!(
        (wen["texts_sent"].as_i64(), wen["replies_pending"].as_i64(), wen["replies"].as_i64()),
        (Some(1), Some(1), Some(1))
    );

    let labels = |v: &Value| -> Vec<(String, i64, f64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (f["label"].as_str().unwrap().to_string(), f["n"].as_i64().unwrap(), f["percent"].as_f64().unwrap())
            })
            .collect()
    };
    assert_eq!(
        labels(&res["tags"]),
        vec![("Opt Out".into(), 1, 25.0), ("Supporter".into(), 1, 25.0), ("Volunteer lead".into(), 1, 25.0)]
    );
    assert_eq!(labels(&res["fields"]), vec![("Top issue".into(), 1, 25.0)]);
    assert_eq!(res["questions"][0]["question"], "Can we count on your vote?");
    assert_eq!(labels(&res["questions"][0]["answers"]), vec![("Yes".into(), 1, 100.0), ("No".into(), 0, 0.0)]);
    assert_eq!(res["questions"][1]["question"], "Need a ride?");
    assert_eq!(labels(&res["scripts"]), vec![("Yes".into(), 1, 100.0)]);
    let sent: i64 = res["hourly"].as_array().unwrap().iter().map(|p| p["sent"].as_i64().unwrap()).sum();
    let received: i64 = res["hourly"].as_array().unwrap().iter().map(|p| p["received"].as_i64().unwrap()).sum();
    // The HELP/STOP confirmations the platform sends itself are not volunteers' texts.
    assert_eq!((sent, received), (5, 4));

    // What the triggers kept equals a recount from the rows.
    let running = r.totals().await;
    sqlx::query("select recount_action($1::uuid)").bind(&r.w.action).execute(&r.w.app.pool).await.unwrap();
    assert_eq!(running, r.totals().await);
    assert_eq!(r.results().await, res);
}

#[tokio::test]
async fn selected_volunteers_contacts_move_to_another_member() {
    let r = Results::new().await;
    for i in 0..3 {
        r.contact(&format!("+1312555071{i}")).await;
    }
    // Wen texts one contact who replies, and holds two more unsent.
    let (_, batch) = r.call(&r.second, "claim_batch", &[]).await;
    let ids: Vec<String> =
        batch["contacts"].as_array().unwrap().iter().map(|c| c["conversation_id"].to_string()).collect();
    assert_eq!(ids.len(), 3);
    let (status, body) =
        r.w.app
            .call(
                &r.second,
                "send_message",
                &[("org_id", &r.w.org), ("conversation_id", &ids[0]), ("body", "Hi"), ("idempotency_key", "w0")],
            )
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlx::query("update conversations set sender_phone = $1 where id = $2::bigint")
        .bind(OUR_NUMBER)
        .bind(&ids[0])
        .execute(&r.w.app.pool)
        .await
        .unwrap();
    r.reply(&ids[0], "Who is this?").await;

    // Someone outside the organization is refused, and nothing moves.
    let (status, body) = r.move_wens("needs-attention", uuid::Uuid::new_v4().to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = r.move_wens("sideways", r.volunteer_id.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    assert_eq!(r.move_wens("needs-attention", r.volunteer_id.clone()).await, (StatusCode::OK, json!(1)));
    assert_eq!(r.move_wens("unsent", r.volunteer_id.clone()).await, (StatusCode::OK, json!(2)));
    // Again: nothing left to move.
    assert_eq!(r.move_wens("unsent", r.volunteer_id.clone()).await, (StatusCode::OK, json!(0)));

    // Val has the reply in the inbox and the two contacts in the batch; Wen has neither.
    let (_, inbox) =
        r.w.app.call(&r.w.volunteer, "get_inbox", &[("org_id", &r.w.org), ("filter", "needs-attention")]).await;
    assert_eq!(inbox["threads"].as_array().unwrap().len(), 1, "{inbox}");
    assert!(inbox["notices"].to_string().contains("gave you 1 conversation"), "{inbox}");
    let (_, val_batch) = r.call(&r.w.volunteer, "get_batch", &[]).await;
    assert_eq!(val_batch["contacts"].as_array().unwrap().len(), 2);
    let (_, wen_batch) = r.call(&r.second, "get_batch", &[]).await;
    assert_eq!(wen_batch["contacts"].as_array().unwrap().len(), 0);
    let res = r.results().await;
    assert_eq!(volunteer(&res, "Val Volunteer")["replies_pending"], 1);
    // Wen keeps the credit for the text Wen sent.
    assert_eq!(volunteer(&res, "Wen Second")["texts_sent"], 1);
    assert_eq!(volunteer(&res, "Wen Second")["replies_pending"], 0);
    // The waiting reply moved with its conversation: the running counts still equal a recount.
    let running = r.totals().await;
    sqlx::query("select recount_action($1::uuid)").bind(&r.w.action).execute(&r.w.app.pool).await.unwrap();
    assert_eq!(running, r.totals().await);
}

#[tokio::test]
async fn only_the_organizations_admins_see_results() {
    let r = Results::new().await;
    let (status, _) = r.call(&r.w.volunteer, "get_action_results", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another organization's admin, with this action's id.
    let (stranger, _) = r.w.app.user("Stranger").await;
    let theirs = r.w.app.org(&stranger, "Elsewhere").await;
    let (status, _) =
        r.w.app.call(&stranger, "get_action_results", &[("org_id", &theirs), ("action_id", &r.w.action)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        r.w.app
            .call(
                &stranger,
                "reassign_volunteer_contacts",
                &[
                    ("org_id", &theirs),
                    ("action_id", &r.w.action),
                    ("from", &r.second_id),
                    ("to", &r.volunteer_id),
                    ("what", "unsent"),
                ],
            )
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A volunteer's own numbers are in their action list, not anyone else's.
    let (_, mine) = r.w.app.call(&r.second, "list_volunteer_actions", &[("org_id", &r.w.org)]).await;
    assert_eq!(mine[0]["sent_by_me"], 0);
}

#[tokio::test]
async fn a_batch_finished_by_one_statement_counts_once() {
    let r = Results::new().await;
    for i in 0..3 {
        r.contact(&format!("+1312555072{i}")).await;
    }
    let (status, batch) = r.call(&r.w.volunteer, "claim_batch", &[]).await;
    assert_eq!((status, batch["contacts"].as_array().unwrap().len()), (StatusCode::OK, 3));
    sqlx::query("update conversations set initial_sent_at = now() where action_id = $1::uuid")
        .bind(&r.w.action)
        .execute(&r.w.app.pool)
        .await
        .unwrap();
    let res = r.results().await;
    assert_eq!((res["overview"]["performs"].as_i64(), res["overview"]["completed"].as_i64()), (Some(1), Some(1)));
}
