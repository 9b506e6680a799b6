//! Compliance records: the do-not-contact import and the opt-out export, a volunteer's opt-out
//! with its reason, the press behind every outbound text (and the guard that refuses one
//! without), the send audit, and retention.

use crate::contacts::import as import_contacts;
use crate::messaging::{World, SCRIPT};
use app::domain::message_status::MessageStatus;
use app::server::db::webhooks::{record_inbound, record_sid};
use reqwest::{Client, StatusCode};
use serde_json::Value;

const OUR_NUMBER: &str = "+13122000009";

async fn upload_do_not_contact(w: &World, who: &Client, csv: &str) -> (StatusCode, Value) {
    let res = who
        .post(format!("{}/api/orgs/{}/do-not-contact", w.app.address, w.org))
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn download(w: &World, who: &Client, path: &str) -> (StatusCode, String) {
    let res = who.get(format!("{}{path}", w.app.address)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The CSV's header and its rows as (column → value) maps.
fn parse_csv(text: &str) -> (Vec<String>, Vec<std::collections::HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows =
        reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(String::from)).collect()).collect();
    (header, rows)
}

async fn opted_out(w: &World, phone: &str) -> Option<(String, Option<String>, Option<uuid::Uuid>)> {
    sqlx::query_as("select source, reason, recorded_by from opt_outs where organization_id = $1::uuid and phone = $2")
        .bind(&w.org)
        .bind(phone)
        .fetch_optional(&w.app.pool)
        .await
        .unwrap()
}

/// A conversation the volunteer has texted, from our number (so replies find it).
async fn texted(w: &World, phone: &str) -> String {
    let c = w.conversation(phone, true, true).await;
    let (status, body) = w.send(&c, SCRIPT, &format!("initial-{phone}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlx::query("update conversations set sender_phone = $2 where id = $1::bigint")
        .bind(&c)
        .bind(OUR_NUMBER)
        .execute(&w.app.pool)
        .await
        .unwrap();
    c
}

async fn reply(w: &World, phone: &str, body: &str) {
    let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
    record_inbound(&w.app.pool, &sid, phone, OUR_NUMBER, body).await.unwrap();
}

#[tokio::test]
async fn a_do_not_contact_list_is_imported_whole_and_left_out_of_later_imports() {
    let w = World::new().await;
    let (status, body) =
        upload_do_not_contact(&w, &w.admin, "Name,Cell Phone\nAna,(312) 555-0351\nBo,312.555.0352\nAna,3125550351\n")
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["summary"], serde_json::json!({"rows": 3, "added": 2, "already": 1}));
    let (source, _, by) = opted_out(&w, "+13125550351").await.expect("opted out");
    assert_eq!(source, "imported");
    let admin_id: uuid::Uuid =
        sqlx::query_scalar("select user_id from memberships where organization_id = $1::uuid and role = 'owner'")
            .bind(&w.org)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    assert_eq!(by, Some(admin_id));

    // One bad row rejects the whole file, even after a full batch was written: nothing stays.
    let mut csv = String::from("phone\n");
    for i in 0..6_000 {
        csv.push_str(&format!("773555{:04}\n", 1000 + i));
    }
    csv.push_str("773555999\n");
    let (status, body) = upload_do_not_contact(&w, &w.admin, &csv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.starts_with("Row 6002, column \"phone\": \"773555999\" is "), "{error}");
    assert!(error.contains("nothing was imported"), "{error}");
    let kept: i64 = sqlx::query_scalar("select count(*) from opt_outs where phone like '+1773%'")
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 0);
    // The same file without the bad row goes in whole.
    let (status, body) = upload_do_not_contact(&w, &w.admin, csv.trim_end_matches("773555999\n")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["summary"]["added"], 6_000);
    // No cell column, or a volunteer: refused.
    let (status, body) = upload_do_not_contact(&w, &w.admin, "name\nAna\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("cell phone"), "{body}");
    let (status, _) = upload_do_not_contact(&w, &w.volunteer, "cell\n3125550355\n").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(opted_out(&w, "+13125550355").await.is_none());

    // A later contact import leaves them out and says so.
    let done = import_contacts(
        &w.app,
        &w.admin,
        &w.org,
        b"first_name,cell\nAna,312-555-0351\nCy,312-555-0354\nDi,773-555-1500\n",
        "utf-8",
        None,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["summary"]["imported"], 1, "{}", done.body);
    assert_eq!(done.body["summary"]["do_not_contact"], 2);
    assert_eq!(done.body["summary"]["opted_out"], 0);
    let rejects = download(&w, &w.admin, &format!("/api/imports/{}/rejects.csv", done.import_id)).await.1;
    assert!(rejects.contains("number on the organization's do-not-contact list"), "{rejects}");

    // And they are never texted.
    let c = w.conversation("+13125550352", true, true).await;
    let (status, body) = w.send(&c, SCRIPT, "dnc-1").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(w.count("+13125550352").await, 0);
}

#[tokio::test]
async fn the_opt_out_export_says_how_when_and_who_in_the_organizations_time_zone() {
    let w = World::new().await;
    sqlx::query(
        r#"insert into texting_settings (organization_id, default_time_zone) values ($1::uuid, 'America/Chicago')
           on conflict (organization_id) do update set default_time_zone = excluded.default_time_zone"#,
    )
    .bind(&w.org)
    .execute(&w.app.pool)
    .await
    .unwrap();
    // A keyword, a phrase, a volunteer with a reason, an import, and the carrier's 21610.
    texted(&w, "+13125550361").await;
    reply(&w, "+13125550361", "STOP").await;
    texted(&w, "+13125550362").await;
    reply(&w, "+13125550362", "Please remove me from your list").await;
    let c = texted(&w, "+13125550363").await;
    let (status, body) = w
        .app
        .call(
            &w.volunteer,
            "opt_out_contact",
            &[("org_id", &w.org), ("conversation_id", &c), ("reason", "Said their daughter uses this phone")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = upload_do_not_contact(&w, &w.admin, "cell\n3125550364\n").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // As the outbox records a send Twilio refused with 21610 (see carrier.rs for that path).
    sqlx::query(
        "insert into opt_outs (organization_id, phone, source, detail) values ($1::uuid, '+13125550365', 'carrier', 'Twilio 21610: unsubscribed recipient')",
    )
    .bind(&w.org)
    .execute(&w.app.pool)
    .await
    .unwrap();
    // A known moment: 01:30 UTC on July 4th is 20:30 on July 3rd in Chicago (CDT).
    sqlx::query("update opt_outs set created_at = '2026-07-04T01:30:00Z' where phone = '+13125550361'")
        .execute(&w.app.pool)
        .await
        .unwrap();

    let (status, text) = download(&w, &w.admin, &format!("/api/orgs/{}/opt-outs.csv", w.org)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (header, rows) = parse_csv(&text);
    assert_eq!(
        header,
        [
            "phone",
            "opted_out_at (America/Chicago)",
            "how",
            "what_they_wrote_or_carrier_said",
            "recorded_by",
            "recorded_by_email",
            "reason"
        ]
    );
    assert_eq!(rows.len(), 5, "{text}");
    let row = |phone: &str| rows.iter().find(|r| r["phone"] == phone).unwrap_or_else(|| panic!("{phone} in {text}"));
    // Oldest first: the keyword opt-out was moved back to July.
    assert_eq!(rows[0]["phone"], "+13125550361");
    assert_eq!(row("+13125550361")["opted_out_at (America/Chicago)"], "2026-07-03T20:30:00-05:00");
    assert_eq!(row("+13125550361")["how"], "keyword");
    assert_eq!(row("+13125550361")["what_they_wrote_or_carrier_said"], "STOP");
    assert_eq!(row("+13125550362")["how"], "phrase");
    assert_eq!(row("+13125550362")["what_they_wrote_or_carrier_said"], "Please remove me from your list");
    let volunteer = row("+13125550363");
    assert_eq!(volunteer["how"], "volunteer");
    assert_eq!(volunteer["recorded_by"], "Val Volunteer");
    assert!(volunteer["recorded_by_email"].starts_with("val.volunteer-"), "{volunteer:?}");
    assert_eq!(volunteer["reason"], "Said their daughter uses this phone");
    assert_eq!(row("+13125550364")["how"], "import");
    assert_eq!(row("+13125550364")["recorded_by"], "Admin");
    assert_eq!(row("+13125550365")["how"], "carrier 21610");
    // Times now are in Chicago's offset too (never raw UTC).
    let now_local = row("+13125550362")["opted_out_at (America/Chicago)"].clone();
    assert!(now_local.ends_with("-06:00") || now_local.ends_with("-05:00"), "{now_local}");

    let (status, _) = download(&w, &w.volunteer, &format!("/api/orgs/{}/opt-outs.csv", w.org)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_volunteers_opt_out_needs_a_reason_and_records_who_and_when() {
    let w = World::new().await;
    let c = texted(&w, "+13125550371").await;
    let call = |reason: String| {
        let (w, c) = (&w, c.clone());
        async move {
            w.app
                .call(
                    &w.volunteer,
                    "opt_out_contact",
                    &[("org_id", &w.org), ("conversation_id", &c), ("reason", &reason)],
                )
                .await
        }
    };
    let (status, body) = call("   ".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "reason");
    let (status, body) = call("x".repeat(301)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["Invalid"]["message"].as_str().unwrap().contains("at most 300 characters; this one has 301"),
        "{body}"
    );
    assert!(opted_out(&w, "+13125550371").await.is_none());

    let (status, body) = call("Asked not to be texted again".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let volunteer: uuid::Uuid =
        sqlx::query_scalar("select user_id from memberships where organization_id = $1::uuid and role = 'volunteer'")
            .bind(&w.org)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    let (source, reason, by) = opted_out(&w, "+13125550371").await.unwrap();
    assert_eq!(
        (source.as_str(), reason.as_deref(), by),
        ("volunteer", Some("Asked not to be texted again"), Some(volunteer))
    );
    let age: f64 = sqlx::query_scalar(
        "select extract(epoch from now() - created_at)::float8 from opt_outs where phone = '+13125550371'",
    )
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert!(age < 60.0);
}

#[tokio::test]
async fn every_text_records_its_press_and_the_audit_shows_it() {
    let w = World::new().await;
    sqlx::query(
        r#"insert into texting_settings (organization_id, default_time_zone) values ($1::uuid, 'America/Denver')
           on conflict (organization_id) do update set default_time_zone = excluded.default_time_zone"#,
    )
    .bind(&w.org)
    .execute(&w.app.pool)
    .await
    .unwrap();
    let c = texted(&w, "+13125550381").await;
    let (id, pressed_by, session, rendered): (i64, uuid::Uuid, String, String) = sqlx::query_as(
        "select id, sent_by, press_session, script_rendered from messages where conversation_id = $1::bigint and direction = 'outbound'",
    )
    .bind(&c)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(rendered, SCRIPT);
    // The session is the volunteer's real one, hashed: the hash of a stored session id, never
    // the id itself.
    let (hashed_session_owner, raw_stored): (bool, bool) = sqlx::query_as(
        r#"select exists (select 1 from tower_sessions.session where encode(sha256(convert_to(id, 'UTF8')), 'hex') = $1),
                  exists (select 1 from tower_sessions.session where id = $1)"#,
    )
    .bind(&session)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert!(hashed_session_owner, "press_session {session} is not the hash of a session");
    assert!(!raw_stored);
    let volunteer: uuid::Uuid =
        sqlx::query_scalar("select user_id from memberships where organization_id = $1::uuid and role = 'volunteer'")
            .bind(&w.org)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    assert_eq!(pressed_by, volunteer);
    // The worker hands it to the carrier (as the outbox records the SID).
    record_sid(&w.app.pool, id, "SMaudit0001", &MessageStatus::Sent, Some(OUR_NUMBER)).await.unwrap();
    // HELP gets the automatic answer (where we answer keywords), which names the inbound
    // message it answers.
    sqlx::query("insert into carrier_settings (organization_id, keyword_replies) values ($1::uuid, 'ours')")
        .bind(&w.org)
        .execute(&w.app.pool)
        .await
        .unwrap();
    reply(&w, "+13125550381", "HELP").await;
    let (auto_to, inbound): (i64, i64) = sqlx::query_as(
        r#"select a.auto_reply_to, i.id from messages a join messages i on i.conversation_id = a.conversation_id
           where a.kind = 'auto' and i.direction = 'inbound' and a.conversation_id = $1::bigint"#,
    )
    .bind(&c)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(auto_to, inbound);

    let path = format!("/api/actions/{}/export/send-audit.csv", w.action);
    let (status, text) = download(&w, &w.admin, &path).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (header, rows) = parse_csv(&text);
    assert_eq!(
        header,
        [
            "message_id",
            "contact_phone",
            "kind",
            "message",
            "origin",
            "volunteer",
            "volunteer_email",
            "pressed_at (America/Denver)",
            "session (SHA-256)",
            "script_as_rendered",
            "sent_at (America/Denver)",
            "status",
            "error_code"
        ]
    );
    assert_eq!(rows.len(), 2, "{text}");
    let pressed = &rows[0];
    assert_eq!(pressed["message_id"], id.to_string());
    assert_eq!(pressed["message"], SCRIPT);
    assert_eq!(pressed["origin"], "pressed");
    assert_eq!(pressed["volunteer"], "Val Volunteer");
    assert_eq!(pressed["session (SHA-256)"], session);
    assert_eq!(pressed["script_as_rendered"], SCRIPT);
    assert_eq!(pressed["status"], "sent");
    for column in ["pressed_at (America/Denver)", "sent_at (America/Denver)"] {
        let at = &pressed[column];
        assert!(at.ends_with("-07:00") || at.ends_with("-06:00"), "{column}: {at}");
    }
    let automatic = &rows[1];
    assert_eq!(automatic["kind"], "auto");
    assert_eq!(automatic["origin"], format!("automatic reply to inbound message {inbound}"));
    assert_eq!(automatic["volunteer"], "");
    assert_eq!(automatic["pressed_at (America/Denver)"], "");

    let (status, _) = download(&w, &w.volunteer, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The admin of another organization.
    let (stranger, _) = w.app.user("Stranger").await;
    w.app.org(&stranger, "Other campaign").await;
    let (status, _) = download(&w, &stranger, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn no_outbound_text_is_stored_without_a_press_or_an_inbound_it_answers() {
    let w = World::new().await;
    let c = texted(&w, "+13125550391").await;
    reply(&w, "+13125550391", "Who is this?").await;
    let pool = &w.app.pool;
    let (org, conversation) = (w.org.as_str(), c.as_str());
    let attempt = |sql: &'static str| async move {
        sqlx::query(sql).bind(org).bind(conversation).execute(pool).await.map(|_| ()).unwrap_err().to_string()
    };
    // A worker, a script or a forgotten path writing a text straight into the outbox.
    let err = attempt(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone) values ($1::uuid, $2::bigint, 'outbound', 'custom', 'Hi', '+13125550391')",
    )
    .await;
    assert!(err.contains("messages_outbound_has_press"), "{err}");
    // A press with no session, or no one who pressed.
    let err = attempt(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, sent_by, pressed_at) select $1::uuid, $2::bigint, 'outbound', 'custom', 'Hi', '+13125550391', user_id, now() from memberships where organization_id = $1::uuid limit 1",
    )
    .await;
    assert!(err.contains("messages_outbound_has_press"), "{err}");
    let err = attempt(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, pressed_at, press_session) values ($1::uuid, $2::bigint, 'outbound', 'custom', 'Hi', '+13125550391', now(), repeat('a', 64))",
    )
    .await;
    assert!(err.contains("records the member who pressed Send"), "{err}");
    // An "automatic" text that answers nothing, or answers one of our own texts.
    let err = attempt(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone) values ($1::uuid, $2::bigint, 'outbound', 'auto', 'Hi', '+13125550391')",
    )
    .await;
    assert!(err.contains("messages_outbound_has_press"), "{err}");
    let err = attempt(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, auto_reply_to) select $1::uuid, $2::bigint, 'outbound', 'auto', 'Hi', '+13125550391', id from messages where conversation_id = $2::bigint and direction = 'outbound' limit 1",
    )
    .await;
    assert!(err.contains("must answer an inbound message"), "{err}");
    // An automatic reply with a press as well is neither one thing nor the other.
    let err = attempt(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, auto_reply_to, pressed_at, press_session, sent_by) select $1::uuid, $2::bigint, 'outbound', 'auto', 'Hi', '+13125550391', i.id, now(), repeat('a', 64), (select user_id from memberships where organization_id = $1::uuid limit 1) from messages i where i.conversation_id = $2::bigint and i.direction = 'inbound' limit 1",
    )
    .await;
    assert!(err.contains("messages_outbound_has_press"), "{err}");
    // Inbound texts need nothing of the kind.
    sqlx::query(
        "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status) values ($1::uuid, $2::bigint, 'inbound', 'inbound', 'Yes', $3, '+13125550391', 'received')",
    )
    .bind(&w.org)
    .bind(&c)
    .bind(OUR_NUMBER)
    .execute(pool)
    .await
    .unwrap();

    // The guard is a validated constraint, and every outbound row there is passes it.
    let validated: bool =
        sqlx::query_scalar("select convalidated from pg_constraint where conname = 'messages_outbound_has_press'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(validated);
    let (outbound, proven): (i64, i64) = sqlx::query_as(
        r#"select count(*), count(*) filter (where (pressed_at is not null and press_session is not null and sent_by is not null)
                                        or (kind = 'auto' and auto_reply_to is not null))
           from messages where direction = 'outbound'"#,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((outbound, proven), (1, 1));
}

/// An action on `list` with `contacts` texted conversations (each with an initial text, a reply
/// and a tag), closed `closed_days_ago` days ago (None: live).
async fn action_with_history(w: &World, list: &str, contacts: i64, closed_days_ago: Option<i32>, area: &str) -> String {
    let action = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        r#"insert into actions (id, organization_id, title, contact_list_id, initial_script, status, published_at, closed_at)
           values ($1::uuid, $2::uuid, 'Past', $3::uuid, 'Hi', case when $4::int is null then 'published' else 'closed' end::action_status,
                   now() - interval '90 days', now() - make_interval(days => $4::int))"#,
    )
    .bind(&action)
    .bind(&w.org)
    .bind(list)
    .bind(closed_days_ago)
    .execute(&w.app.pool)
    .await
    .unwrap();
    sqlx::query(
        r#"with k as (
               insert into contacts (list_id, phone, first_name)
               select $1::uuid, '+1' || $4 || '555' || lpad((1000 + i)::text, 4, '0'), 'Ana' from generate_series(1, $3) i
               on conflict (list_id, phone) do update set first_name = excluded.first_name
               returning id, phone
           ), c as (
               insert into conversations (organization_id, action_id, contact_id, volunteer_id, contact_phone, initial_sent_at, last_outbound_at, last_inbound_at)
               select $2::uuid, $5::uuid, k.id, v.user_id, k.phone, now() - interval '60 days', now() - interval '60 days', now() - interval '59 days'
               from k, (select user_id from memberships where organization_id = $2::uuid and role = 'volunteer') v
               returning id, contact_phone, volunteer_id
           ), m as (
               insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, status, sent_by, pressed_at, press_session)
               select $2::uuid, c.id, 'outbound'::message_direction, 'initial', 'Hi', c.contact_phone, 'delivered', c.volunteer_id, now() - interval '60 days', repeat('c', 64) from c
               union all
               select $2::uuid, c.id, 'inbound'::message_direction, 'inbound', 'Yes', '+13122000009', 'received', null::uuid, null::timestamptz, null from c
               returning 1
           )
           insert into conversation_tags (conversation_id, tag_id) select c.id, opt_out_tag($2::uuid) from c"#,
    )
    .bind(list)
    .bind(&w.org)
    .bind(contacts)
    .bind(area)
    .bind(&action)
    .execute(&w.app.pool)
    .await
    .unwrap();
    sqlx::query("select recount_action($1::uuid)").bind(&action).execute(&w.app.pool).await.unwrap();
    action
}

async fn new_list(w: &World) -> String {
    let list = uuid::Uuid::new_v4().to_string();
    sqlx::query("insert into contact_lists (id, organization_id, name, contact_count) values ($1::uuid, $2::uuid, 'Old list', 0)")
        .bind(&list)
        .bind(&w.org)
        .execute(&w.app.pool)
        .await
        .unwrap();
    list
}

async fn left(w: &World, action: &str) -> (i64, i64, i64) {
    sqlx::query_as(
        r#"select (select count(*) from conversations where action_id = $1::uuid),
                  (select count(*) from messages m join conversations c on c.id = m.conversation_id where c.action_id = $1::uuid),
                  (select count(*) from contacts where list_id = (select contact_list_id from actions where id = $1::uuid))"#,
    )
    .bind(action)
    .fetch_one(&w.app.pool)
    .await
    .unwrap()
}

async fn counts(w: &World, action: &str) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "select metric, key, sum(n)::bigint from action_counts where action_id = $1::uuid group by 1, 2 order by 1, 2",
    )
    .bind(action)
    .fetch_all(&w.app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn retention_empties_expired_actions_in_batches_and_keeps_opt_outs_and_results() {
    let w = World::new().await;
    // The setting: bounded, named in the error, admins only.
    for (raw, expect) in [
        ("29", StatusCode::UNPROCESSABLE_ENTITY),
        ("3651", StatusCode::UNPROCESSABLE_ENTITY),
        ("a year", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, body) =
            w.app.call(&w.admin, "save_retention", &[("org_id", &w.org), ("retention_days", raw)]).await;
        assert_eq!(status, expect, "{raw}: {body}");
        assert_eq!(body["Invalid"]["field"], "retention_days", "{body}");
    }
    let (_, body) = w.app.call(&w.admin, "save_retention", &[("org_id", &w.org), ("retention_days", "29")]).await;
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("between 30 and 3650 days"), "{body}");
    let (status, _) = w.app.call(&w.volunteer, "save_retention", &[("org_id", &w.org), ("retention_days", "30")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Expired: closed 40 days ago, 1,500 conversations (more than one batch), its own list.
    let old_list = new_list(&w).await;
    let expired = action_with_history(&w, &old_list, 1_500, Some(40), "773").await;
    // The same list's number opted out, and a do-not-contact number: obligations stay.
    sqlx::query("insert into opt_outs (organization_id, phone, source, detail) values ($1::uuid, '+17735551001', 'keyword', 'STOP')")
        .bind(&w.org)
        .execute(&w.app.pool)
        .await
        .unwrap();
    // Closed 10 days ago: not yet due.
    let recent_list = new_list(&w).await;
    let recent = action_with_history(&w, &recent_list, 3, Some(10), "872").await;
    // Expired, but its list is shared with a live action: its conversations go, the contacts stay.
    let shared_list = new_list(&w).await;
    let shared_expired = action_with_history(&w, &shared_list, 4, Some(100), "708").await;
    let live = action_with_history(&w, &shared_list, 4, None, "708").await;

    // Off by default: nothing happens.
    assert_eq!(app::server::db::retention::run(&w.app.pool).await.unwrap().actions, 0);
    assert_eq!(left(&w, &expired).await, (1_500, 3_000, 1_500));

    let (status, body) = w.app.call(&w.admin, "save_retention", &[("org_id", &w.org), ("retention_days", "30")]).await;
    assert_eq!((status, body.clone()), (StatusCode::OK, Value::from(30)), "{body}");
    let (_, body) = w.app.call(&w.admin, "get_retention", &[("org_id", &w.org)]).await;
    assert_eq!(body, Value::from(30));

    let before_expired = counts(&w, &expired).await;
    let before_live = counts(&w, &live).await;
    let before_recent = counts(&w, &recent).await;
    let org = uuid::Uuid::parse_str(&w.org).unwrap();
    let live_results =
        app::server::db::results::results(&w.app.pool, org, uuid::Uuid::parse_str(&live).unwrap()).await.unwrap();
    assert!(before_expired.iter().any(|(m, _, n)| m == "initial_sent" && *n == 1_500), "{before_expired:?}");

    let run = app::server::db::retention::run(&w.app.pool).await.unwrap();
    assert_eq!(
        run,
        app::server::db::retention::RetentionRun { actions: 2, messages: 3_008, conversations: 1_504, contacts: 1_500 }
    );

    // What remains: the expired action and its result counts, its list (empty), the opt-out.
    assert_eq!(left(&w, &expired).await, (0, 0, 0));
    let (title, emptied, list_count): (String, bool, i32) = sqlx::query_as(
        r#"select a.title, a.data_deleted_at is not null, l.contact_count from actions a join contact_lists l on l.id = a.contact_list_id
           where a.id = $1::uuid"#,
    )
    .bind(&expired)
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!((title.as_str(), emptied, list_count), ("Past", true, 0));
    assert_eq!(counts(&w, &expired).await, before_expired, "the results of an emptied action stay");
    assert!(opted_out(&w, "+17735551001").await.is_some(), "opt-outs are kept forever");
    let reports: i64 = sqlx::query_scalar(
        "select count(*) from conversation_tags t left join conversations c on c.id = t.conversation_id where c.id is null",
    )
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(reports, 0);
    // The shared list's expired action is emptied but the list keeps its contacts for the live one.
    assert_eq!(left(&w, &shared_expired).await, (0, 0, 4));
    // Not due, or live: untouched, counts and results as before.
    assert_eq!(left(&w, &recent).await, (3, 6, 3));
    assert_eq!(left(&w, &live).await, (4, 8, 4));
    assert_eq!(counts(&w, &recent).await, before_recent);
    assert_eq!(counts(&w, &live).await, before_live);
    let after =
        app::server::db::results::results(&w.app.pool, org, uuid::Uuid::parse_str(&live).unwrap()).await.unwrap();
    assert_eq!(serde_json::to_value(&after.messages).unwrap(), serde_json::to_value(&live_results.messages).unwrap());

    // Run again: nothing more to do.
    assert_eq!(app::server::db::retention::run(&w.app.pool).await.unwrap(), Default::default());
}

#[tokio::test]
async fn the_admin_pages_offer_the_records_and_retention_saves_without_javascript() {
    let w = World::new().await;
    let html = |path: String| {
        let w = &w;
        async move {
            let res = crate::helpers::get_html(&w.admin, &format!("{}{path}", w.app.address)).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.text().await.unwrap()
        }
    };
    let data = html(format!("/o/{}/admin/data", w.org)).await;
    assert!(data.contains("Do-not-contact list"), "{data}");
    assert!(data.contains(&format!("/api/orgs/{}/opt-outs.csv", w.org)), "{data}");
    let results = html(format!("/o/{}/admin/actions/{}/results", w.org, w.action)).await;
    assert!(results.contains(&format!("/api/actions/{}/export/send-audit.csv", w.action)), "{results}");
    let settings = html(format!("/o/{}/admin/settings", w.org)).await;
    assert!(settings.contains("Data retention") && settings.contains(r#"name="retention_days""#), "{settings}");

    // The retention form as a plain post (no bundle yet): saved, and the page shows it.
    let res = w
        .admin
        .post(format!("{}/api/save_retention", w.app.address))
        .header("accept", "text/html")
        .header("referer", format!("{}/o/{}/admin/settings", w.app.address, w.org))
        .form(&[("org_id", w.org.as_str()), ("retention_days", "400")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection() || res.status().is_success(), "{}", res.status());
    let days: Option<i32> =
        sqlx::query_scalar("select retention_days from texting_settings where organization_id = $1::uuid")
            .bind(&w.org)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    assert_eq!(days, Some(400));
    let settings = html(format!("/o/{}/admin/settings", w.org)).await;
    assert!(settings.contains(r#"value="400""#), "{settings}");
}
