//! Supervision: an admin lists every texted conversation of the organization with filters,
//! pages through them by keyset, reads a thread without touching it, and reassigns selected
//! conversations to another member; volunteers and other organizations are refused.

use crate::helpers::{error_kind, TestApp};
use crate::messaging::World;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// A message of a hand-built conversation, `minute` minutes after 12:00 UTC on 1 March 2026.
#[derive(Clone, Copy)]
pub struct Msg<'a> {
    pub inbound: bool,
    pub body: &'a str,
    pub status: &'a str,
    pub error_code: Option<i32>,
    pub sid: Option<&'a str>,
    pub minute: i32,
}

pub fn out(body: &str, minute: i32) -> Msg<'_> {
    Msg { inbound: false, body, status: "delivered", error_code: None, sid: None, minute }
}

pub fn inn(body: &str, minute: i32) -> Msg<'_> {
    Msg { inbound: true, body, status: "received", error_code: None, sid: None, minute }
}

/// The contact of a hand-built conversation.
pub struct Contact<'a> {
    pub first: &'a str,
    pub last: &'a str,
    pub phone: &'a str,
    pub custom: Value,
}

pub fn contact<'a>(first: &'a str, last: &'a str, phone: &'a str) -> Contact<'a> {
    Contact { first, last, phone, custom: json!({}) }
}

pub const OUR_NUMBER: &str = "+13122000001";

/// A conversation of `action` (whose list is `list`) held by `volunteer`, with its messages;
/// texted when it has an outbound message. Returns its id.
pub async fn conversation(
    app: &TestApp,
    org: &str,
    action: &str,
    list: &str,
    volunteer: Option<&str>,
    who: Contact<'_>,
    messages: &[Msg<'_>],
) -> i64 {
    let pool = &app.pool;
    let contact: i64 = sqlx::query_scalar(
        "insert into contacts (list_id, phone, first_name, last_name, custom) values ($1::uuid, $2, $3, $4, $5) returning id",
    )
    .bind(list)
    .bind(who.phone)
    .bind(who.first)
    .bind(who.last)
    .bind(&who.custom)
    .fetch_one(pool)
    .await
    .unwrap();
    let id: i64 = sqlx::query_scalar(
        r#"insert into conversations (organization_id, action_id, contact_id, volunteer_id, contact_phone, sender_phone)
           values ($1::uuid, $2::uuid, $3, $4::uuid, $5, $6) returning id"#,
    )
    .bind(org)
    .bind(action)
    .bind(contact)
    .bind(volunteer)
    .bind(who.phone)
    .bind(OUR_NUMBER)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut first_outbound = true;
    for m in messages {
        let kind = match (m.inbound, first_outbound) {
            (true, _) => "inbound",
            (false, true) => "initial",
            (false, false) => "custom",
        };
        if !m.inbound {
            first_outbound = false;
        }
        sqlx::query(
            r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status,
                                     error_code, twilio_sid, sent_by, created_at, pressed_at, press_session)
               values ($1::uuid, $2, $3::message_direction, $4, $5, $6, $7, $8, $9, $10,
                       case when $3 = 'outbound' then $11::uuid end,
                       '2026-03-01T12:00:00Z'::timestamptz + make_interval(mins => $12),
                       case when $3 = 'outbound' then '2026-03-01T12:00:00Z'::timestamptz + make_interval(mins => $12) end,
                       case when $3 = 'outbound' then repeat('a', 64) end)"#,
        )
        .bind(org)
        .bind(id)
        .bind(if m.inbound { "inbound" } else { "outbound" })
        .bind(kind)
        .bind(m.body)
        .bind(if m.inbound { OUR_NUMBER } else { who.phone })
        .bind(if m.inbound { who.phone } else { OUR_NUMBER })
        .bind(m.status)
        .bind(m.error_code)
        .bind(m.sid)
        .bind(volunteer)
        .bind(m.minute)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        r#"update conversations c set
               initial_sent_at = (select min(created_at) from messages where conversation_id = c.id and direction = 'outbound'),
               last_outbound_at = (select max(created_at) from messages where conversation_id = c.id and direction = 'outbound'),
               last_inbound_at = (select max(created_at) from messages where conversation_id = c.id and direction = 'inbound')
           where id = $1"#,
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
    id
}

/// The id of the member of `org` called `name`.
pub async fn member_id(app: &TestApp, org: &str, name: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar(
        "select u.id from users u join memberships m on m.user_id = u.id where m.organization_id = $1::uuid and u.display_name = $2",
    )
    .bind(org)
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    id.to_string()
}

/// A second action (with its own list) in the organization.
pub async fn second_action(app: &TestApp, org: &str, title: &str) -> (String, String) {
    let list = uuid::Uuid::new_v4().to_string();
    sqlx::query("insert into contact_lists (id, organization_id, name) values ($1::uuid, $2::uuid, 'Second')")
        .bind(&list)
        .bind(org)
        .execute(&app.pool)
        .await
        .unwrap();
    let action = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        r#"insert into actions (id, organization_id, title, contact_list_id, initial_script, status, published_at)
           values ($1::uuid, $2::uuid, $3, $4::uuid, 'Hi', 'published', now())"#,
    )
    .bind(&action)
    .bind(org)
    .bind(title)
    .bind(&list)
    .execute(&app.pool)
    .await
    .unwrap();
    (action, list)
}

struct Org {
    w: World,
    val: String,
    wen: String,
    wen_client: Client,
    action2: String,
    tag: i64,
    /// Conversations by the letter the test knows them by.
    a: i64,
    b: i64,
    c: i64,
    d: i64,
    e: i64,
}

impl Org {
    /// Five texted conversations and one claimed but never texted, across two actions and two
    /// volunteers, plus another organization's conversation:
    ///
    /// | | action | volunteer | last activity | state |
    /// |---|---|---|---|---|
    /// | D | GOTV | Wen | 12:01 | replied, then opted out |
    /// | C | Second | Wen | 12:02 → failed 30007 | error, tagged |
    /// | A | GOTV | Val | 12:05 | replied: needs attention, tagged |
    /// | B | GOTV | Val | 12:10 | answered |
    /// | E | GOTV | Val | 12:20 | replied, archived |
    async fn new() -> Org {
        let w = World::new().await;
        let app = &w.app;
        let (wen_client, _) = app.volunteer(&w.admin, &w.org, "Wen Second").await;
        let val = member_id(app, &w.org, "Val Volunteer").await;
        let wen = member_id(app, &w.org, "Wen Second").await;
        let (action2, list2) = second_action(app, &w.org, "Second").await;
        let (org, action, list) = (w.org.clone(), w.action.clone(), w.list.clone());

        let a = conversation(
            app,
            &org,
            &action,
            &list,
            Some(&val),
            contact("Ana", "Alvarez", "+13125550501"),
            &[out("Hi Ana", -30), inn("Yes, count me in", 5)],
        )
        .await;
        let b = conversation(
            app,
            &org,
            &action,
            &list,
            Some(&val),
            contact("Bo", "Brown", "+13125550502"),
            &[out("Hi Bo", -30), inn("Who is this?", 0), out("The campaign!", 10)],
        )
        .await;
        let failed = Msg { status: "failed", error_code: Some(30007), ..out("Hi Cy", 2) };
        let c = conversation(app, &org, &action2, &list2, Some(&wen), contact("Cy", "Chen", "+13125550503"), &[failed])
            .await;
        let d = conversation(
            app,
            &org,
            &action,
            &list,
            Some(&wen),
            contact("Di", "Diaz", "+13125550504"),
            &[out("Hi Di", -30), inn("STOP", 1)],
        )
        .await;
        sqlx::query("insert into opt_outs (organization_id, phone) values ($1::uuid, '+13125550504')")
            .bind(&org)
            .execute(&app.pool)
            .await
            .unwrap();
        let e = conversation(
            app,
            &org,
            &action,
            &list,
            Some(&val),
            contact("Ed", "Evans", "+13125550505"),
            &[out("Hi Ed", -30), inn("Maybe later", 20)],
        )
        .await;
        sqlx::query("update conversations set archived_at = now() where id = $1")
            .bind(e)
            .execute(&app.pool)
            .await
            .unwrap();
        // Claimed, never texted: not a conversation yet.
        conversation(app, &org, &action2, &list2, Some(&wen), contact("Flo", "Ford", "+13125550506"), &[]).await;
        let tag: i64 =
            sqlx::query_scalar("insert into tags (organization_id, name) values ($1::uuid, 'Follow up') returning id")
                .bind(&org)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        sqlx::query("insert into conversation_tags (conversation_id, tag_id) values ($1, $3), ($2, $3)")
            .bind(a)
            .bind(c)
            .bind(tag)
            .execute(&app.pool)
            .await
            .unwrap();

        // Another organization, with a conversation of its own that must never show.
        let other = World::on(TestApp {
            address: app.address.clone(),
            pool: app.pool.clone(),
            database_url: app.database_url.clone(),
        })
        .await;
        let other_val = member_id(app, &other.org, "Val Volunteer").await;
        conversation(
            app,
            &other.org,
            &other.action,
            &other.list,
            Some(&other_val),
            contact("Zed", "Zimmer", "+13125550599"),
            &[out("Hi Zed", 30), inn("Hello", 31)],
        )
        .await;
        Org { w, val, wen, wen_client, action2, tag, a, b, c, d, e }
    }

    async fn list(&self, who: &Client, args: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut form = vec![("org_id", self.w.org.as_str())];
        form.extend_from_slice(args);
        self.w.app.call(who, "list_conversations", &form).await
    }

    /// The ids the admin sees with these filters, in order.
    async fn ids(&self, args: &[(&str, &str)]) -> Vec<i64> {
        let (status, page) = self.list(&self.w.admin, args).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["rows"].as_array().unwrap().iter().map(|r| r["conversation_id"].as_i64().unwrap()).collect()
    }
}

#[tokio::test]
async fn filters_pick_exactly_the_matching_conversations() {
    let o = Org::new().await;
    let (a, b, c, d, e) = (o.a, o.b, o.c, o.d, o.e);

    let (status, page) = o.list(&o.w.admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["next"], Value::Null);
    let rows = page["rows"].as_array().unwrap();
    let ids: Vec<i64> = rows.iter().map(|r| r["conversation_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![e, b, a, c, d], "newest activity first");
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["Archived", "Active", "NeedsAttention", "Error", "OptedOut"]);
    assert_eq!(
        rows[2],
        json!({
            "conversation_id": a, "contact_name": "Ana Alvarez", "contact_phone": "+13125550501",
            "action_id": o.w.action, "action_title": "GOTV", "volunteer_id": o.val, "volunteer_name": "Val Volunteer",
            "last_body": "Yes, count me in", "last_inbound": true, "last_at": "2026-03-01T12:05:00Z",
            "status": "NeedsAttention", "error_code": null
        })
    );
    assert_eq!(rows[3]["error_code"], 30007);
    assert_eq!(rows[3]["action_title"], "Second");
    assert_eq!(rows[1]["last_body"], "The campaign!");
    assert_eq!(rows[1]["last_inbound"], false);

    let (action1, action2, val, wen, tag) =
        (o.w.action.as_str(), o.action2.as_str(), o.val.as_str(), o.wen.as_str(), o.tag.to_string());
    assert_eq!(o.ids(&[("status", "needs-attention")]).await, vec![a]);
    assert_eq!(o.ids(&[("status", "opted-out")]).await, vec![d]);
    assert_eq!(o.ids(&[("status", "error")]).await, vec![c]);
    assert_eq!(o.ids(&[("action", action2)]).await, vec![c]);
    assert_eq!(o.ids(&[("action", action1)]).await, vec![e, b, a, d]);
    assert_eq!(o.ids(&[("volunteer", wen)]).await, vec![c, d]);
    assert_eq!(o.ids(&[("volunteer", val)]).await, vec![e, b, a]);
    assert_eq!(o.ids(&[("tag", &tag)]).await, vec![a, c]);
    assert_eq!(o.ids(&[("error_code", "30007")]).await, vec![c]);
    assert_eq!(o.ids(&[("error_code", "30008")]).await, Vec::<i64>::new());
    assert_eq!(o.ids(&[("action", action1), ("volunteer", val), ("status", "needs-attention")]).await, vec![a]);
    assert_eq!(o.ids(&[("action", action1), ("tag", &tag)]).await, vec![a]);
    // Empty values are "any".
    assert_eq!(
        o.ids(&[("action", ""), ("volunteer", ""), ("status", ""), ("tag", ""), ("error_code", "")]).await.len(),
        5
    );
    // A reply to the archived thread brings it back as needing attention (the webhook clears
    // archived_at); here by hand.
    sqlx::query("update conversations set archived_at = null where id = $1")
        .bind(e)
        .execute(&o.w.app.pool)
        .await
        .unwrap();
    assert_eq!(o.ids(&[("status", "needs-attention")]).await, vec![e, a]);

    for (key, value) in [("status", "lost"), ("action", "nope"), ("tag", "x"), ("error_code", "3.5"), ("cursor", "x")] {
        let (status, body) = o.list(&o.w.admin, &[(key, value)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{key}: {body}");
        assert_eq!(body["Invalid"]["field"], key);
    }
}

#[tokio::test]
async fn pages_of_fifty_cover_every_conversation_once_in_order() {
    let w = World::new().await;
    let val = member_id(&w.app, &w.org, "Val Volunteer").await;
    // 120 conversations over three moments, so pages break inside runs of equal times.
    let made: Vec<(i64, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        r#"with k as (
               insert into contacts (list_id, phone, first_name)
               select $1::uuid, '+1312555' || lpad(g::text, 4, '0'), 'P' || g from generate_series(1, 120) g
               returning id, phone)
           insert into conversations (organization_id, action_id, contact_id, volunteer_id, contact_phone,
                                      initial_sent_at, last_outbound_at)
           select $2::uuid, $3::uuid, k.id, $4::uuid, k.phone, t, t
           from k, lateral (select '2026-03-01T12:00:00Z'::timestamptz + make_interval(mins => (k.id % 3)::int) as t) x
           returning id, last_outbound_at"#,
    )
    .bind(&w.list)
    .bind(&w.org)
    .bind(&w.action)
    .bind(&val)
    .fetch_all(&w.app.pool)
    .await
    .unwrap();
    let mut expected = made.clone();
    expected.sort_by(|x, y| (y.1, y.0).cmp(&(x.1, x.0)));
    let expected: Vec<i64> = expected.into_iter().map(|(id, _)| id).collect();

    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut sizes = Vec::new();
    loop {
        let (status, page) = w
            .app
            .call(&w.admin, "list_conversations", &[("org_id", &w.org), ("action", &w.action), ("cursor", &cursor)])
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let rows = page["rows"].as_array().unwrap();
        sizes.push(rows.len());
        seen.extend(rows.iter().map(|r| r["conversation_id"].as_i64().unwrap()));
        match page["next"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(sizes, vec![50, 50, 20]);
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn an_admin_reads_any_thread_without_touching_it() {
    let o = Org::new().await;
    let pool = &o.w.app.pool;
    sqlx::query(
        r#"insert into survey_answers (conversation_id, question_node, question, answer_node, answer)
           values ($1, '', 'Can we count on your vote?', 'yes', 'Yes')"#,
    )
    .bind(o.a)
    .execute(pool)
    .await
    .unwrap();
    let field: i64 = sqlx::query_scalar(
        "insert into custom_fields (organization_id, name) values ($1::uuid, 'Top issue') returning id",
    )
    .bind(&o.w.org)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("insert into conversation_fields (conversation_id, field_id, value) values ($1, $2, 'Housing')")
        .bind(o.a)
        .bind(field)
        .execute(pool)
        .await
        .unwrap();
    let a = o.a.to_string();
    let args = [("org_id", o.w.org.as_str()), ("conversation_id", a.as_str())];
    let (status, thread) = o.w.app.call(&o.w.admin, "get_supervised_thread", &args).await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    assert_eq!(thread["contact_name"], "Ana Alvarez");
    assert_eq!(thread["contact_phone"], "+13125550501");
    assert_eq!(thread["action_title"], "GOTV");
    assert_eq!(thread["volunteer_name"], "Val Volunteer");
    assert_eq!(thread["status"], "NeedsAttention");
    let bodies: Vec<(&str, bool)> = thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["body"].as_str().unwrap(), m["outbound"].as_bool().unwrap()))
        .collect();
    assert_eq!(bodies, vec![("Hi Ana", true), ("Yes, count me in", false)]);
    assert_eq!(thread["survey"], json!([["Can we count on your vote?", "Yes"]]));
    assert_eq!(thread["tags"], json!(["Follow up"]));
    assert_eq!(thread["fields"], json!([["Top issue", "Housing"]]));
    // Still unread for the volunteer.
    let read: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select read_at from conversations where id = $1").bind(o.a).fetch_one(pool).await.unwrap();
    assert_eq!(read, None);
    let (_, counts) = o.w.app.call(&o.w.volunteer, "get_inbox_counts", &[("org_id", &o.w.org)]).await;
    assert_eq!(counts["unread"], 2, "{counts}");

    // Not a conversation of this organization (the other org's, or none): 404.
    let other: i64 = sqlx::query_scalar("select id from conversations where contact_phone = '+13125550599'")
        .fetch_one(pool)
        .await
        .unwrap();
    for id in [other.to_string(), "999999".to_string()] {
        let (status, _) =
            o.w.app.call(&o.w.admin, "get_supervised_thread", &[("org_id", &o.w.org), ("conversation_id", &id)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

async fn holders(app: &TestApp, ids: &[i64]) -> Vec<(Option<uuid::Uuid>, Option<uuid::Uuid>, bool)> {
    sqlx::query_as(
        "select volunteer_id, reassigned_from, reassigned_at is not null from conversations where id = any($1) order by id",
    )
    .bind(ids)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn notices(app: &TestApp, user: &str) -> Vec<String> {
    sqlx::query_scalar("select body from notifications where user_id = $1::uuid order by id")
        .bind(user)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn reassigning_selected_moves_them_all_or_none() {
    let o = Org::new().await;
    let app = &o.w.app;
    let uuid = |s: &str| Some(uuid::Uuid::parse_str(s).unwrap());
    let reassign = |ids: String, to: String| {
        let org = o.w.org.clone();
        let admin = o.w.admin.clone();
        async move {
            app.call(
                &admin,
                "reassign_conversations",
                &[("org_id", &org), ("conversation_ids", &ids), ("to_user", &to)],
            )
            .await
        }
    };

    let (status, moved) = reassign(format!("{},{}", o.a, o.b), o.wen.clone()).await;
    assert_eq!((status, moved), (StatusCode::OK, json!(2)));
    assert_eq!(
        holders(app, &[o.a, o.b]).await,
        vec![(uuid(&o.wen), uuid(&o.val), true), (uuid(&o.wen), uuid(&o.val), true)]
    );
    assert_eq!(notices(app, &o.wen).await, vec!["Admin reassigned 2 conversations in \"GOTV\" to you."]);
    // Wen's inbox has them now, Val's does not.
    let (_, wen_counts) = app.call(&o.wen_client, "get_inbox_counts", &[("org_id", &o.w.org)]).await;
    assert_eq!(wen_counts["all"], 4, "{wen_counts}");
    let (_, val_counts) = app.call(&o.w.volunteer, "get_inbox_counts", &[("org_id", &o.w.org)]).await;
    assert_eq!(val_counts["all"], 0, "{val_counts}");
    assert_eq!(o.ids(&[("volunteer", o.wen.as_str())]).await, vec![o.b, o.a, o.c, o.d]);

    // Across actions: no action named in the notice. The admin may take them too.
    let admin_id = member_id(app, &o.w.org, "Admin").await;
    let (status, moved) = reassign(format!("{}, {}", o.c, o.e), admin_id.clone()).await;
    assert_eq!((status, moved), (StatusCode::OK, json!(2)));
    assert_eq!(notices(app, &admin_id).await, vec!["Admin reassigned 2 conversations to you."]);
    // Those already held by the target stay put and nobody is told.
    let (status, moved) = reassign(o.c.to_string(), admin_id.clone()).await;
    assert_eq!((status, moved), (StatusCode::OK, json!(0)));
    assert_eq!(notices(app, &admin_id).await.len(), 1);

    let before = holders(app, &[o.a, o.b, o.c, o.d, o.e]).await;
    // Not a member of this organization: a clear error, nothing moves.
    let (outsider, outsider_email) = app.user("Outsider").await;
    let outsider_id = app.user_id(&outsider_email).await;
    let (status, body) = reassign(o.d.to_string(), outsider_id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["message"], "That person is not a member of this organization.");
    // One id of another organization (or of nothing) spoils the lot.
    let other: i64 = sqlx::query_scalar("select id from conversations where contact_phone = '+13125550599'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for bad in [other, 999_999] {
        let (status, _) = reassign(format!("{},{bad}", o.d), o.val.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Not texted yet: not a conversation to reassign.
    let unsent: i64 = sqlx::query_scalar("select id from conversations where contact_phone = '+13125550506'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _) = reassign(unsent.to_string(), o.val.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = reassign(String::new(), o.val.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Volunteers and other organizations' admins are refused.
    for who in [&o.w.volunteer, &outsider] {
        let (status, body) = app
            .call(
                who,
                "reassign_conversations",
                &[("org_id", &o.w.org), ("conversation_ids", &o.d.to_string()), ("to_user", &o.val)],
            )
            .await;
        assert_eq!((status, error_kind(&body).as_str()), (StatusCode::FORBIDDEN, "Forbidden"), "{body}");
    }
    assert_eq!(holders(app, &[o.a, o.b, o.c, o.d, o.e]).await, before);
    assert_eq!(notices(app, &o.val).await, Vec::<String>::new());
}

#[tokio::test]
async fn volunteers_and_other_organizations_are_refused() {
    let o = Org::new().await;
    let app = &o.w.app;
    let (other_admin, _) = app.user("Other Admin").await;
    app.org(&other_admin, "Elsewhere").await;
    let a = o.a.to_string();
    for (endpoint, args) in [
        ("supervision_options", vec![]),
        ("list_conversations", vec![]),
        ("list_conversations", vec![("status", "needs-attention")]),
        ("get_supervised_thread", vec![("conversation_id", a.as_str())]),
        ("reassign_conversations", vec![("conversation_ids", a.as_str()), ("to_user", o.wen.as_str())]),
    ] {
        let mut form = vec![("org_id", o.w.org.as_str())];
        form.extend(args);
        for who in [&o.w.volunteer, &o.wen_client, &other_admin] {
            let (status, body) = app.call(who, endpoint, &form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
        }
        let (status, _) = app.call(&crate::helpers::client(), endpoint, &form).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    // The admin's options: the organization's actions, members and tags only.
    let (status, options) = app.call(&o.w.admin, "supervision_options", &[("org_id", &o.w.org)]).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let titles: Vec<&str> = options["actions"].as_array().unwrap().iter().map(|a| a[1].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 2);
    assert!(titles.contains(&"GOTV") && titles.contains(&"Second"));
    let names: Vec<&str> =
        options["members"].as_array().unwrap().iter().map(|m| m["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Admin", "Val Volunteer", "Wen Second"]);
    assert_eq!(options["tags"], json!([[o.tag, "Follow up"]]));
    assert_eq!(holders(app, &[o.a]).await[0].0, Some(uuid::Uuid::parse_str(&o.val).unwrap()));
}

#[tokio::test]
async fn a_reported_thread_stops_needing_attention_here_as_in_the_inbox() {
    let o = Org::new().await;
    assert_eq!(o.ids(&[("status", "needs-attention")]).await, vec![o.a]);
    // The volunteer files a report without replying: the inbox drops it from Needs Attention,
    // and so does the admins' view.
    sqlx::query("update conversations set last_report_at = last_inbound_at + interval '1 minute' where id = $1")
        .bind(o.a)
        .execute(&o.w.app.pool)
        .await
        .unwrap();
    assert_eq!(o.ids(&[("status", "needs-attention")]).await, Vec::<i64>::new());
    let (_, page) = o.list(&o.w.admin, &[]).await;
    let row = page["rows"].as_array().unwrap().iter().find(|r| r["conversation_id"] == o.a).unwrap().clone();
    assert_eq!(row["status"], "Active");
}
