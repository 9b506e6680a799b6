//! The CSV exports of an action: exact content (parsed back with the csv crate), formula cells
//! defused, pages that split threads, the HTTP stream equal to the library's writer, and who is
//! refused.

use crate::helpers::{client, TestApp};
use crate::messaging::World;
use crate::supervision::{contact, conversation, inn, member_id, out, second_action, Contact, Msg};
use app::server::db::exports;
use reqwest::{Client, StatusCode};
use serde_json::json;

fn parse(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

async fn download(
    app: &TestApp,
    who: &Client,
    action: &str,
    which: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = who.get(format!("{}/api/actions/{action}/export/{which}.csv", app.address)).send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

struct Exported {
    w: World,
    wen_client: Client,
}

/// The GOTV action with two list fields, two report fields, a two-level script, and three
/// conversations: one answered through the script, one failed and opted out, one never texted;
/// plus a conversation of another action that must stay out.
async fn exported() -> Exported {
    let w = World::new().await;
    let app = &w.app;
    let pool = &app.pool;
    let (wen_client, _) = app.volunteer(&w.admin, &w.org, "Wen Second").await;
    let val = member_id(app, &w.org, "Val Volunteer").await;
    let wen = member_id(app, &w.org, "Wen Second").await;
    let field = |name: &'static str| {
        let org = w.org.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "insert into custom_fields (organization_id, name) values ($1::uuid, $2) returning id",
            )
            .bind(org)
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap()
        }
    };
    let (top, pledge) = (field("Top issue").await, field("Pledge").await);
    let tag = |name: &'static str| {
        let org = w.org.clone();
        async move {
            sqlx::query_scalar::<_, i64>("insert into tags (organization_id, name) values ($1::uuid, $2) returning id")
                .bind(org)
                .bind(name)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    let (supporter, alpha) = (tag("Supporter").await, tag("Alpha").await);
    let tree = json!({
        "question": "Can we count on your vote?",
        "answers": [
            {"id": "yes", "label": "Yes", "body": "Great! Need a ride?", "question": "Need a ride?",
             "answers": [{"id": "ride", "label": "Needs a ride", "body": "We'll call."}]},
            {"id": "no", "label": "No", "body": "Thanks."}
        ],
        "standalone": [{"id": "wrong", "label": "Wrong number", "body": "Sorry!"}]
    });
    sqlx::query("update contact_lists set custom_fields = '{ward,note}' where id = $1::uuid")
        .bind(&w.list)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("update actions set script_tree = $2, report_field_ids = array[$3, $4]::bigint[] where id = $1::uuid")
        .bind(&w.action)
        .bind(&tree)
        .bind(top)
        .bind(pledge)
        .execute(pool)
        .await
        .unwrap();

    let ana = Contact {
        custom: json!({"ward": "7", "note": "=HYPERLINK(\"http://x\")"}),
        ..contact("Ana", "Alvarez", "+13125550601")
    };
    let a = conversation(
        app,
        &w.org,
        &w.action,
        &w.list,
        Some(&val),
        ana,
        &[
            Msg { sid: Some("SMa1"), ..out("Hi Ana", -30) },
            Msg { sid: Some("SMa2"), ..inn("Yes, count me in", 5) },
            Msg { sid: Some("SMa3"), status: "sent", ..out("Great! Need a ride?", 6) },
        ],
    )
    .await;
    sqlx::query("update contacts set zip = '60601', time_zones = '{America/Chicago}', email = 'ana@example.org' where phone = '+13125550601'")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("update conversations set initial_sent_at = '2026-03-01T11:30:00Z' where id = $1")
        .bind(a)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        r#"insert into survey_answers (conversation_id, question_node, question, answer_node, answer)
           values ($1, '', 'Can we count on your vote?', 'yes', 'Yes'), ($1, 'yes', 'Need a ride?', 'ride', 'Needs a ride')"#,
    )
    .bind(a)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("insert into conversation_tags (conversation_id, tag_id) values ($1, $2), ($1, $3)")
        .bind(a)
        .bind(supporter)
        .bind(alpha)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("insert into conversation_fields (conversation_id, field_id, value) values ($1, $2, 'Housing, rent'), ($1, $3, '@home')")
        .bind(a)
        .bind(top)
        .bind(pledge)
        .execute(pool)
        .await
        .unwrap();

    let bo = Contact { custom: json!({"ward": "8"}), ..contact("Bo", "Brown", "+13125550602") };
    let failed = Msg { status: "failed", error_code: Some(30007), ..out("Hi Bo", 2) };
    conversation(app, &w.org, &w.action, &w.list, Some(&wen), bo, &[failed]).await;
    sqlx::query("insert into opt_outs (organization_id, phone) values ($1::uuid, '+13125550602')")
        .bind(&w.org)
        .execute(pool)
        .await
        .unwrap();
    conversation(app, &w.org, &w.action, &w.list, None, contact("Cy", "", "+13125550603"), &[]).await;

    let (other_action, other_list) = second_action(app, &w.org, "Second").await;
    conversation(
        app,
        &w.org,
        &other_action,
        &other_list,
        Some(&val),
        contact("Zed", "Z", "+13125550699"),
        &[out("Hi Zed", 1)],
    )
    .await;
    Exported { w, wen_client }
}

#[tokio::test]
async fn the_contacts_export_has_a_row_per_conversation_with_everything_known() {
    let e = exported().await;
    let w = &e.w;
    let (status, headers, body) = download(&w.app, &w.admin, &w.action, "contacts").await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(headers["content-disposition"], "attachment; filename=\"gotv-contacts.csv\"");
    let (header, rows) = parse(&body);
    assert_eq!(
        header,
        strings(&[
            "first_name",
            "last_name",
            "phone",
            "zip",
            "time_zones",
            "email",
            "external_id",
            "ward",
            "note",
            "volunteer",
            "first_texted_at",
            "opted_out",
            "undeliverable",
            "tags",
            "Top issue",
            "Pledge",
            "Can we count on your vote?",
            "Need a ride?",
            "last_message",
            "last_message_at",
            "last_message_direction",
            "last_message_status",
        ])
    );
    assert_eq!(
        rows,
        vec![
            strings(&[
                "Ana",
                "Alvarez",
                "+13125550601",
                "60601",
                "America/Chicago",
                "ana@example.org",
                "",
                "7",
                "'=HYPERLINK(\"http://x\")",
                "Val Volunteer",
                "2026-03-01T06:30:00-05:00",
                "no",
                "",
                "Alpha;Supporter",
                "Housing, rent",
                "'@home",
                "Yes",
                "Needs a ride",
                "Great! Need a ride?",
                "2026-03-01T07:06:00-05:00",
                "outbound",
                "sent",
            ]),
            strings(&[
                "Bo",
                "Brown",
                "+13125550602",
                "",
                "",
                "",
                "",
                "8",
                "",
                "Wen Second",
                "2026-03-01T07:02:00-05:00",
                "yes",
                "",
                "",
                "",
                "",
                "",
                "",
                "Hi Bo",
                "2026-03-01T07:02:00-05:00",
                "outbound",
                "failed",
            ]),
            strings(&[
                "Cy",
                "",
                "+13125550603",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "no",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                ""
            ]),
        ]
    );
    // RFC 4180 on the wire: CRLF, quotes only where needed.
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.starts_with("first_name,last_name,phone,zip,time_zones,email,external_id,ward,note,volunteer,first_texted_at,opted_out,undeliverable,tags,Top issue,Pledge,"),
        "{text}"
    );
    assert!(text.contains("\r\nAna,Alvarez,+13125550601,60601,America/Chicago,ana@example.org,,7,\"'=HYPERLINK(\"\"http://x\"\")\",Val Volunteer,2026-03-01T06:30:00-05:00,no,,Alpha;Supporter,\"Housing, rent\",'@home,"), "{text}");

    // The library writer gives the same bytes.
    let org = uuid::Uuid::parse_str(&w.org).unwrap();
    let action = uuid::Uuid::parse_str(&w.action).unwrap();
    let mut written = Vec::new();
    assert_eq!(exports::write_contacts(&w.app.pool, org, action, &mut written).await.unwrap(), 3);
    assert_eq!(String::from_utf8(written).unwrap(), text);
}

#[tokio::test]
async fn the_messages_export_lists_every_message_thread_by_thread() {
    let e = exported().await;
    let w = &e.w;
    // Ana's thread was handed to Wen after her reply: the reply stays Val's, who held it then.
    let wen = member_id(&w.app, &w.org, "Wen Second").await;
    sqlx::query("update conversations set volunteer_id = $1::uuid where contact_phone = '+13125550601'")
        .bind(&wen)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, headers, body) = download(&w.app, &w.admin, &w.action, "messages").await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-disposition"], "attachment; filename=\"gotv-messages.csv\"");
    let (header, rows) = parse(&body);
    assert_eq!(
        header,
        strings(&["time", "direction", "contact_phone", "volunteer", "body", "status", "error_code", "twilio_sid"])
    );
    assert_eq!(
        rows,
        vec![
            strings(&[
                "2026-03-01T06:30:00-05:00",
                "outbound",
                "+13125550601",
                "Val Volunteer",
                "Hi Ana",
                "delivered",
                "",
                "SMa1"
            ]),
            strings(&[
                "2026-03-01T07:05:00-05:00",
                "inbound",
                "+13125550601",
                "Val Volunteer",
                "Yes, count me in",
                "received",
                "",
                "SMa2"
            ]),
            strings(&[
                "2026-03-01T07:06:00-05:00",
                "outbound",
                "+13125550601",
                "Val Volunteer",
                "Great! Need a ride?",
                "sent",
                "",
                "SMa3"
            ]),
            strings(&[
                "2026-03-01T07:02:00-05:00",
                "outbound",
                "+13125550602",
                "Wen Second",
                "Hi Bo",
                "failed",
                "30007",
                ""
            ]),
        ]
    );
}

#[tokio::test]
async fn exports_are_for_the_actions_admins_only() {
    let e = exported().await;
    let w = &e.w;
    let (other_admin, _) = w.app.user("Other Admin").await;
    let other_org = w.app.org(&other_admin, "Elsewhere").await;
    for which in ["contacts", "messages"] {
        for (who, expected) in [
            (&w.volunteer, StatusCode::FORBIDDEN),
            (&e.wen_client, StatusCode::FORBIDDEN),
            (&other_admin, StatusCode::FORBIDDEN),
            (&client(), StatusCode::UNAUTHORIZED),
        ] {
            let (status, _, body) = download(&w.app, who, &w.action, which).await;
            assert_eq!(status, expected, "{which}: {}", String::from_utf8_lossy(&body));
            assert!(!String::from_utf8_lossy(&body).contains("Ana"));
        }
        // An action of another organization, asked for by this one's admin, and no action at all.
        let theirs = uuid::Uuid::new_v4().to_string();
        sqlx::query("insert into actions (id, organization_id, title) values ($1::uuid, $2::uuid, 'Theirs')")
            .bind(&theirs)
            .bind(&other_org)
            .execute(&w.app.pool)
            .await
            .unwrap();
        let (status, _, _) = download(&w.app, &w.admin, &theirs, which).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, _) = download(&w.app, &other_admin, &theirs, which).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = download(&w.app, &w.admin, &uuid::Uuid::new_v4().to_string(), which).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // The library refuses another organization's action too.
    let theirs: uuid::Uuid = sqlx::query_scalar("select id from actions where title = 'Theirs' limit 1")
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    let org = uuid::Uuid::parse_str(&w.org).unwrap();
    let mut sink = Vec::new();
    assert!(exports::write_contacts(&w.app.pool, org, theirs, &mut sink).await.is_err());
    assert!(exports::write_messages(&w.app.pool, org, theirs, &mut sink).await.is_err());
    assert!(sink.is_empty());
}

#[tokio::test]
async fn large_exports_page_through_every_row_once() {
    let w = World::new().await;
    let pool = &w.app.pool;
    // More conversations than a page, three messages each: message pages end inside threads.
    let n = exports::PAGE_ROWS + 3;
    sqlx::query(
        r#"with k as (
               insert into contacts (list_id, phone, first_name, custom)
               select $1::uuid, '+1312' || lpad(g::text, 7, '0'), 'P' || g, jsonb_build_object('ward', g::text)
               from generate_series(1, $4::int) g returning id, phone)
           insert into conversations (organization_id, action_id, contact_id, contact_phone, initial_sent_at, last_outbound_at)
           select $2::uuid, $3::uuid, k.id, k.phone, now(), now() from k"#,
    )
    .bind(&w.list)
    .bind(&w.org)
    .bind(&w.action)
    .bind(n as i32)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, status, created_at,
                                 sent_by, pressed_at, press_session)
           select c.organization_id, c.id, 'outbound', case when i = 1 then 'initial' else 'custom' end, 'm' || i,
                  c.contact_phone, 'delivered', now() + make_interval(secs => i),
                  coalesce(c.volunteer_id, (select user_id from memberships m where m.organization_id = c.organization_id limit 1)),
                  now(), repeat('a', 64)
           from conversations c, generate_series(1, 3) i where c.action_id = $1::uuid"#,
    )
    .bind(&w.action)
    .execute(pool)
    .await
    .unwrap();
    let org = uuid::Uuid::parse_str(&w.org).unwrap();
    let action = uuid::Uuid::parse_str(&w.action).unwrap();

    let mut contacts_csv = Vec::new();
    assert_eq!(exports::write_contacts(pool, org, action, &mut contacts_csv).await.unwrap(), n as u64);
    let (header, rows) = parse(&contacts_csv);
    assert_eq!(header[7], "ward");
    assert_eq!(header[13], "last_message");
    assert_eq!(rows.len() as i64, n);
    let in_order: Vec<String> =
        sqlx::query_scalar("select contact_phone from conversations where action_id = $1::uuid order by id")
            .bind(&w.action)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(rows.iter().map(|r| r[2].clone()).collect::<Vec<_>>(), in_order, "every contact once, in order");
    let mut wards: Vec<i64> = rows.iter().map(|r| r[7].parse().unwrap()).collect();
    wards.sort();
    assert_eq!(wards, (1..=n).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r[13] == "m3"));

    let mut messages_csv = Vec::new();
    assert_eq!(exports::write_messages(pool, org, action, &mut messages_csv).await.unwrap(), 3 * n as u64);
    let (_, rows) = parse(&messages_csv);
    let expected: Vec<(String, String)> = sqlx::query_as(
        r#"select c.contact_phone, m.body from messages m join conversations c on c.id = m.conversation_id
           where c.action_id = $1::uuid order by c.id, m.id"#,
    )
    .bind(&w.action)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(expected.len() as i64, 3 * n);
    let got: Vec<(String, String)> = rows.iter().map(|r| (r[2].clone(), r[4].clone())).collect();
    assert_eq!(got, expected);

    // The HTTP download streams the same bytes.
    let (status, _, body) = download(&w.app, &w.admin, &w.action, "messages").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, messages_csv);
    let (status, _, body) = download(&w.app, &w.admin, &w.action, "contacts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, contacts_csv);
}
