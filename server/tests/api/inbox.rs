//! The inbox: replies need attention until answered (from the branched script) or reported;
//! reports, auto-archive, a new reply bringing a thread back, opt-outs, reassignment, and that a
//! volunteer only ever reaches their own threads.

use crate::messaging::{World, SCRIPT};
use app::server::db::webhooks::record_inbound;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const OUR_NUMBER: &str = "+13122000001";

struct Inbox {
    w: World,
    tag: i64,
    report_tag: i64,
    field: i64,
}

impl Inbox {
    /// A published action with a two-level branched script, a tag on the "Yes" response and a
    /// report with one tag and one open question.
    async fn new() -> Inbox {
        let w = World::new().await;
        let tag: i64 =
            sqlx::query_scalar("insert into tags (organization_id, name) values ($1::uuid, 'Supporter') returning id")
                .bind(&w.org)
                .fetch_one(&w.app.pool)
                .await
                .unwrap();
        let report_tag: i64 = sqlx::query_scalar(
            "insert into tags (organization_id, name) values ($1::uuid, 'Volunteer lead') returning id",
        )
        .bind(&w.org)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
        let field: i64 = sqlx::query_scalar(
            "insert into custom_fields (organization_id, name) values ($1::uuid, 'Top issue') returning id",
        )
        .bind(&w.org)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
        let tree = json!({
            "question": "Can we count on your vote?",
            "answers": [
                {"id": "yes", "label": "Yes", "body": "Great, {firstName}! Do you need a ride?", "question": "Need a ride?",
                 "tags": [tag], "field_values": [{"field_id": field, "value": "Voting"}],
                 "answers": [
                    {"id": "ride", "label": "Needs a ride", "body": "We'll call you about a ride."},
                    {"id": "noride", "label": "No ride needed", "body": "See you at the polls!"}
                 ]},
                {"id": "no", "label": "No", "body": "Thanks for your time."}
            ],
            "standalone": [{"id": "wrong", "label": "Wrong number", "body": "Sorry to bother you!"}]
        });
        sqlx::query(
            r#"update actions set script_tree = $2, report_tag_ids = array[$3::bigint], report_field_ids = array[$4::bigint],
                   created_by = (select user_id from memberships where organization_id = $5::uuid and role = 'owner')
               where id = $1::uuid"#,
        )
        .bind(&w.action)
        .bind(&tree)
        .bind(report_tag)
        .bind(field)
        .bind(&w.org)
        .execute(&w.app.pool)
        .await
        .unwrap();
        Inbox { w, tag, report_tag, field }
    }

    /// A contact texted by the volunteer (from our number), returning the conversation id.
    async fn texted(&self, phone: &str) -> String {
        let c = self.w.conversation(phone, true, true).await;
        let (status, body) = self.w.send(&c, SCRIPT, &format!("initial-{phone}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        sqlx::query("update conversations set sender_phone = $2 where id = $1::bigint")
            .bind(&c)
            .bind(OUR_NUMBER)
            .execute(&self.w.app.pool)
            .await
            .unwrap();
        c
    }

    async fn reply(&self, phone: &str, body: &str) {
        let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
        record_inbound(&self.w.app.pool, &sid, phone, OUR_NUMBER, body).await.unwrap();
    }

    async fn call(&self, who: &Client, endpoint: &str, args: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut form = vec![("org_id", self.w.org.as_str())];
        form.extend_from_slice(args);
        self.w.app.call(who, endpoint, &form).await
    }

    async fn counts(&self, who: &Client) -> Value {
        self.call(who, "get_inbox_counts", &[]).await.1
    }

    async fn thread(&self, who: &Client, c: &str) -> (StatusCode, Value) {
        self.call(who, "get_thread", &[("conversation_id", c)]).await
    }
}

fn labels(choices: &Value) -> Vec<String> {
    choices.as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_reply_needs_attention_until_answered_from_the_branched_script() {
    let i = Inbox::new().await;
    let v = &i.w.volunteer;
    let c = i.texted("+13125550401").await;
    assert_eq!(i.counts(v).await, json!({"all": 1, "unread": 0, "needs_attention": 0, "archived": 0}));

    i.reply("+13125550401", "Yes! Count me in").await;
    assert_eq!(i.counts(v).await, json!({"all": 1, "unread": 1, "needs_attention": 1, "archived": 0}));
    let (_, inbox) = i.call(v, "get_inbox", &[("filter", "needs-attention")]).await;
    assert_eq!(inbox["threads"][0]["last_body"], "Yes! Count me in");
    assert_eq!(inbox["threads"][0]["action_title"], "GOTV");

    // Opening the thread reads it; it still needs an answer.
    let (status, thread) = i.thread(v, &c).await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    assert_eq!(thread["question"], "Can we count on your vote?");
    assert_eq!(labels(&thread["choices"]), vec!["Yes", "No"]);
    assert_eq!(thread["choices"][0]["body"], "Great, Ana! Do you need a ride?");
    assert_eq!(labels(&thread["other_responses"]), vec!["Wrong number"]);
    assert_eq!(thread["messages"].as_array().unwrap().len(), 2);
    assert_eq!(i.counts(v).await["unread"], 0);
    assert_eq!(i.counts(v).await["needs_attention"], 1);

    // Answer "Yes": the survey answer, the response's tag and field value are recorded, and the
    // next choices are Yes's own.
    let (status, sent) = i
        .call(
            v,
            "send_message",
            &[
                ("conversation_id", &c),
                ("body", "Great, Ana! Do you need a ride?"),
                ("idempotency_key", "yes-1"),
                ("response", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(i.counts(v).await["needs_attention"], 0);
    let (_, thread) = i.thread(v, &c).await;
    assert_eq!(thread["survey"], json!([["Can we count on your vote?", "Yes"]]));
    assert_eq!(thread["tags"], json!(["Supporter"]));
    assert_eq!(thread["fields"], json!([["Top issue", "Voting"]]));
    assert_eq!(thread["question"], "Need a ride?");
    assert_eq!(labels(&thread["choices"]), vec!["Needs a ride", "No ride needed"]);
    let kind: (String, Option<String>) =
        sqlx::query_as("select kind, script_node from messages where idempotency_key = 'yes-1'")
            .fetch_one(&i.w.app.pool)
            .await
            .unwrap();
    assert_eq!(kind, ("reply".into(), Some("yes".into())));
    let _ = i.tag;

    // A response before the first text, or one not in the script, is refused.
    let fresh = i.w.conversation("+13125550402", true, true).await;
    let (status, _) = i
        .call(
            v,
            "send_message",
            &[("conversation_id", &fresh), ("body", "x"), ("idempotency_key", "r0"), ("response", "no")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = i
        .call(
            v,
            "send_message",
            &[("conversation_id", &c), ("body", "x"), ("idempotency_key", "r1"), ("response", "gone")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn a_report_archives_with_auto_archive_and_a_new_reply_brings_it_back() {
    let i = Inbox::new().await;
    let v = &i.w.volunteer;
    let c = i.texted("+13125550411").await;
    i.reply("+13125550411", "Maybe, what is this about?").await;
    let (status, _) = i.call(v, "set_auto_archive", &[("on", "true")]).await;
    assert_eq!(status, StatusCode::OK);

    let report = json!({"tags": [i.report_tag], "fields": [[i.field, "Housing"]]}).to_string();
    let (status, archived) = i.call(v, "file_report", &[("conversation_id", &c), ("report", &report)]).await;
    assert_eq!((status, archived), (StatusCode::OK, Value::Bool(true)));
    assert_eq!(i.counts(v).await, json!({"all": 0, "unread": 0, "needs_attention": 0, "archived": 1}));
    let (_, thread) = i.thread(v, &c).await;
    assert_eq!(thread["report_tags"], json!([{"id": i.report_tag, "name": "Volunteer lead", "checked": true}]));
    assert_eq!(thread["report_fields"][0]["value"], "Housing");

    // A partial report later keeps the earlier answer; unchecking removes the report tag.
    let partial = json!({"tags": [], "fields": [[i.field, ""]]}).to_string();
    i.call(v, "file_report", &[("conversation_id", &c), ("report", &partial)]).await;
    let (_, thread) = i.thread(v, &c).await;
    assert_eq!(thread["report_tags"][0]["checked"], false);
    assert_eq!(thread["report_fields"][0]["value"], "Housing");
    let reports: i64 = sqlx::query_scalar("select count(*) from reports where conversation_id = $1::bigint")
        .bind(&c)
        .fetch_one(&i.w.app.pool)
        .await
        .unwrap();
    assert_eq!(reports, 2);

    // A tag not in the action's report is refused.
    let bad = json!({"tags": [i.tag]}).to_string();
    let (status, _) = i.call(v, "file_report", &[("conversation_id", &c), ("report", &bad)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    i.reply("+13125550411", "Actually, yes").await;
    assert_eq!(i.counts(v).await, json!({"all": 1, "unread": 1, "needs_attention": 1, "archived": 0}));

    // Archive and unarchive by hand.
    i.call(v, "set_archived", &[("conversation_id", &c), ("archived", "true")]).await;
    assert_eq!(i.counts(v).await["archived"], 1);
    i.call(v, "set_archived", &[("conversation_id", &c), ("archived", "false")]).await;
    assert_eq!(i.counts(v).await["archived"], 0);
}

#[tokio::test]
async fn opted_out_contacts_never_need_attention() {
    let i = Inbox::new().await;
    let v = &i.w.volunteer;
    i.texted("+13125550421").await;
    i.reply("+13125550421", "STOP").await;
    assert_eq!(i.counts(v).await["needs_attention"], 0);
    i.reply("+13125550421", "seriously, stop").await;
    assert_eq!(i.counts(v).await["needs_attention"], 0);

    // The volunteer's Opt-out button: the number is opted out and the contact tagged.
    let c = i.texted("+13125550422").await;
    i.reply("+13125550422", "Who gave you my number?").await;
    assert_eq!(i.counts(v).await["needs_attention"], 1);
    let (status, _) =
        i.call(v, "opt_out_contact", &[("conversation_id", &c), ("reason", "Asked who gave us the number")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(i.counts(v).await["needs_attention"], 0);
    let (_, thread) = i.thread(v, &c).await;
    assert_eq!(thread["opted_out"], true);
    assert_eq!(thread["tags"], json!(["Opt Out"]));
    assert!(thread["blocked"].as_str().unwrap().contains("opted out"));
}

#[tokio::test]
async fn reassign_all_hands_threads_to_the_actions_creator() {
    let i = Inbox::new().await;
    let v = &i.w.volunteer;
    let c1 = i.texted("+13125550431").await;
    let c2 = i.texted("+13125550432").await;
    i.reply("+13125550431", "Who is this?").await;

    let (status, moved) = i.call(v, "reassign_all", &[("action_id", &i.w.action)]).await;
    assert_eq!((status, moved), (StatusCode::OK, Value::from(2)));
    assert_eq!(i.counts(v).await["all"], 0);
    let (status, _) = i.thread(v, &c1).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let admin = &i.w.admin;
    let (_, inbox) = i.call(admin, "get_inbox", &[]).await;
    assert_eq!(inbox["counts"]["all"], 2);
    assert_eq!(inbox["counts"]["needs_attention"], 1);
    assert!(inbox["notices"][0]["body"].as_str().unwrap().contains("reassigned 2 conversations"), "{inbox}");
    // The creator can answer now.
    let (status, body) = i
        .call(
            admin,
            "send_message",
            &[("conversation_id", &c1), ("body", "It's the campaign!"), ("idempotency_key", "a1")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    i.call(admin, "dismiss_notices", &[]).await;
    let (_, inbox) = i.call(admin, "get_inbox", &[]).await;
    assert_eq!(inbox["notices"], json!([]));
    let _ = c2;
}

#[tokio::test]
async fn a_volunteer_reaches_only_their_own_threads() {
    let i = Inbox::new().await;
    let c = i.texted("+13125550441").await;
    let (other, _) = i.w.app.volunteer(&i.w.admin, &i.w.org, "Other").await;
    for (endpoint, extra) in [
        ("get_thread", None),
        ("file_report", Some(("report", "{}"))),
        ("set_archived", Some(("archived", "true"))),
        ("opt_out_contact", Some(("reason", "Asked not to be texted"))),
        ("reassign_conversation", None),
    ] {
        let mut args = vec![("conversation_id", c.as_str())];
        args.extend(extra);
        let (status, body) = i.call(&other, endpoint, &args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}: {body}");
    }
    let (_, inbox) = i.call(&other, "get_inbox", &[]).await;
    assert_eq!(inbox["threads"], json!([]));
    // Nor can a member of another organization name this one.
    let (stranger, _) = i.w.app.user("Stranger").await;
    let (status, _) = i.call(&stranger, "get_inbox", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let opted: i64 = sqlx::query_scalar("select count(*) from opt_outs").fetch_one(&i.w.app.pool).await.unwrap();
    assert_eq!(opted, 0);
}
