//! The demo organization the run command creates, so a newcomer sees the whole product working
//! at once: a contact list across time zones, a live action with a branched script, response
//! scripts with tags and report settings, a draft, and a history of texts, replies (a STOP and a
//! HELP among them) and reports for the Results, Conversations and Inbox pages.
//!
//! Seeding is idempotent: once the organization exists it is left alone, so whatever the user
//! did in it survives a restart. `reset` removes it (and the demo accounts) to start over.

use app::domain::message_kind::MessageKind;
use app::server::{db, password};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

pub const DEMO_ORG: &str = "Demo Campaign";
pub const LOGINS: [DemoLogin; 2] = [
    DemoLogin { role: "admin", email: "admin@demo.p2p.test", password: "demo-admin-password" },
    DemoLogin { role: "volunteer", email: "volunteer@demo.p2p.test", password: "demo-volunteer-password" },
];

/// Volunteers whose past texts make up the history. They cannot sign in (their password is
/// random and never shown); they exist so the per-volunteer results have several rows.
const HISTORY_VOLUNTEERS: [(&str, &str); 3] =
    [("Maya Chen", "maya@demo.p2p.test"), ("Luis Ortega", "luis@demo.p2p.test"), ("Priya Nair", "priya@demo.p2p.test")];

/// How many contacts the demo list holds, and how many of them the history has texted.
pub const CONTACTS: usize = 300;
pub const TEXTED: usize = 96;
/// Of the texted contacts, this many belong to the demo volunteer (their inbox has them).
const DEMO_VOLUNTEER_TEXTED: usize = 8;

/// The number the demo history was texted from: the built-in simulator's number, so replies
/// to it find the conversation when the demo runs against the simulator.
pub const DEMO_SENDER: &str = "+13122000001";

/// Area code, exchanges, a ZIP and its time zone: six places across five US zones. The
/// exchanges avoid 555 (reserved for fiction, and refused by some carriers) and N11 codes.
const PLACES: [(&str, [&str; 3], &str, &str); 6] = [
    ("312", ["346", "481", "726"], "60614", "America/Chicago"),
    ("718", ["237", "398", "624"], "11215", "America/New_York"),
    ("303", ["292", "458", "861"], "80205", "America/Denver"),
    ("602", ["254", "373", "943"], "85004", "America/Phoenix"),
    ("415", ["282", "469", "735"], "94110", "America/Los_Angeles"),
    ("617", ["249", "426", "983"], "02139", "America/New_York"),
];

const FIRST_NAMES: [&str; 24] = [
    "Ana", "Ben", "Carmen", "Darius", "Elena", "Farah", "Gabe", "Hana", "Ines", "Jamal", "Keiko", "Leo", "Marisol",
    "Nate", "Olu", "Paz", "Quinn", "Rosa", "Sami", "Tova", "Uma", "Vic", "Wren", "Yusuf",
];
const LAST_NAMES: [&str; 16] = [
    "Alvarez", "Brooks", "Castillo", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Johnson", "Kowalski",
    "Lopez", "Mensah", "Nguyen", "Okafor", "Patel",
];

/// One contact of the demo list, generated deterministically from its index.
pub struct DemoContact {
    pub phone: String,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub zip: &'static str,
    pub time_zone: &'static str,
    pub ward: String,
    pub precinct: String,
}

pub fn contact(i: usize) -> DemoContact {
    let (area, exchanges, zip, zone) = PLACES[i % PLACES.len()];
    let exchange = exchanges[(i / PLACES.len()) % exchanges.len()];
    DemoContact {
        // Line numbers from 1000 keep every number distinct within the list.
        phone: format!("+1{area}{exchange}{:04}", 1000 + i),
        first_name: FIRST_NAMES[i % FIRST_NAMES.len()],
        last_name: LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()],
        zip,
        time_zone: zone,
        ward: (1 + i % 9).to_string(),
        precinct: format!("{}-{:02}", 1 + i % 9, 1 + i % 12),
    }
}

const INITIAL_SCRIPT: &str = "Hi {firstName}, it's {senderFirstName} with the Demo Campaign. Early voting opens \
     Saturday for ward {custom:ward}. Can we count on your vote? Reply STOP to opt out";

/// The organization's join code, when the demo organization exists.
async fn existing(pool: &PgPool) -> Result<Option<String>, BoxError> {
    Ok(sqlx::query_scalar(
        r#"select o.join_code::text from organizations o
           join memberships m on m.organization_id = o.id
           join users u on u.id = m.user_id
           where o.name = $1 and u.email = $2 and m.role = 'owner'"#,
    )
    .bind(DEMO_ORG)
    .bind(LOGINS[0].email)
    .fetch_optional(pool)
    .await?)
}

/// Removes the demo organization (everything in it cascades) and the demo accounts, so the next
/// `seed` starts over. Other organizations, and other people's accounts, are untouched.
pub async fn reset(pool: &PgPool) -> Result<(), BoxError> {
    let emails: Vec<&str> = LOGINS.iter().map(|l| l.email).chain(HISTORY_VOLUNTEERS.iter().map(|(_, e)| *e)).collect();
    let mut tx = pool.begin().await?;
    let orgs: Vec<Uuid> = sqlx::query_scalar(
        r#"select o.id from organizations o join memberships m on m.organization_id = o.id
           join users u on u.id = m.user_id
           where o.name = $1 and u.email = $2 and m.role = 'owner'"#,
    )
    .bind(DEMO_ORG)
    .bind(LOGINS[0].email)
    .fetch_all(&mut *tx)
    .await?;
    // Actions first: they hold their list with `on delete restrict`.
    sqlx::query("delete from actions where organization_id = any($1)").bind(&orgs).execute(&mut *tx).await?;
    sqlx::query("delete from organizations where id = any($1)").bind(&orgs).execute(&mut *tx).await?;
    sqlx::query("delete from users where email::text = any($1)").bind(&emails).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates the demo organization with its data and history, unless it exists already.
/// Returns the organization's join code.
pub async fn seed(pool: &PgPool) -> Result<String, BoxError> {
    if let Some(code) = existing(pool).await? {
        return Ok(code);
    }
    let mut hashes = Vec::new();
    for login in &LOGINS {
        hashes.push(password::hash(login.password.to_string()).await?);
    }
    // A password nobody knows: these accounts only carry history.
    let unusable = password::hash(Uuid::new_v4().to_string()).await?;

    let mut tx = pool.begin().await?;
    let user = async |name: &str, email: &str, hash: &str, tx: &mut Transaction<'_, Postgres>| {
        // An account left by an earlier demo (or made by hand with that address) is reused.
        sqlx::query_scalar::<_, Uuid>(
            r#"insert into users (id, email, display_name, password_hash) values ($1, $2, $3, $4)
               on conflict (email) do update set display_name = users.display_name
               returning id"#,
        )
        .bind(Uuid::new_v4())
        .bind(email)
        .bind(name)
        .bind(hash)
        .fetch_one(&mut **tx)
        .await
    };
    let admin = user("Demo Admin", LOGINS[0].email, &hashes[0], &mut tx).await?;
    let volunteer = user("Demo Volunteer", LOGINS[1].email, &hashes[1], &mut tx).await?;
    let mut history_volunteers = Vec::new();
    for (name, email) in HISTORY_VOLUNTEERS {
        history_volunteers.push(user(name, email, &unusable, &mut tx).await?);
    }

    let org = Uuid::new_v4();
    // A free six-digit code chosen in the same statement, so no retry loop is needed.
    let code: String = sqlx::query_scalar(
        r#"insert into organizations (id, name, join_code)
           select $1, $2, c from (
               select lpad((floor(random() * 1000000))::int::text, 6, '0') as c from generate_series(1, 50)
           ) s where not exists (select 1 from organizations o where o.join_code = s.c)
           limit 1
           returning join_code::text"#,
    )
    .bind(org)
    .bind(DEMO_ORG)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        r#"insert into memberships (organization_id, user_id, role)
           select $1, u, (case when u = $2 then 'owner' else 'volunteer' end)::member_role
           from unnest($3::uuid[]) u"#,
    )
    .bind(org)
    .bind(admin)
    .bind([vec![admin, volunteer], history_volunteers.clone()].concat())
    .execute(&mut *tx)
    .await?;
    sqlx::query("insert into texting_settings (organization_id) values ($1) on conflict do nothing")
        .bind(org)
        .execute(&mut *tx)
        .await?;

    // Data → Tags and Custom fields.
    let tag = async |name: &str, tx: &mut Transaction<'_, Postgres>| {
        sqlx::query_scalar::<_, i64>("insert into tags (organization_id, name) values ($1, $2) returning id")
            .bind(org)
            .bind(name)
            .fetch_one(&mut **tx)
            .await
    };
    let supporter = tag("Supporter", &mut tx).await?;
    let undecided = tag("Undecided", &mut tx).await?;
    let needs_ride = tag("Needs a ride", &mut tx).await?;
    let wrong_number = tag("Wrong number", &mut tx).await?;
    let field = async |name: &str, tx: &mut Transaction<'_, Postgres>| {
        sqlx::query_scalar::<_, i64>("insert into custom_fields (organization_id, name) values ($1, $2) returning id")
            .bind(org)
            .bind(name)
            .fetch_one(&mut **tx)
            .await
    };
    let best_time = field("Best time to reach", &mut tx).await?;
    let vote_plan = field("Voting plan", &mut tx).await?;

    // The contact list.
    let list = Uuid::new_v4();
    sqlx::query(
        r#"insert into contact_lists (id, organization_id, name, contact_count, custom_fields, created_by)
           values ($1, $2, 'Demo voters (fictional)', $3, '{ward,precinct}', $4)"#,
    )
    .bind(list)
    .bind(org)
    .bind(CONTACTS as i32)
    .bind(admin)
    .execute(&mut *tx)
    .await?;
    let contacts: Vec<DemoContact> = (0..CONTACTS).map(contact).collect();
    sqlx::query(
        r#"insert into contacts (list_id, phone, first_name, last_name, zip, time_zones, custom)
           select $1, p, f, l, z, array[tz], jsonb_build_object('ward', w, 'precinct', pr)
           from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
               as t(p, f, l, z, tz, w, pr)"#,
    )
    .bind(list)
    .bind(contacts.iter().map(|c| c.phone.clone()).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.first_name).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.last_name).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.zip).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.time_zone).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.ward.clone()).collect::<Vec<_>>())
    .bind(contacts.iter().map(|c| c.precinct.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    // The live action, with a branched script whose responses tag the conversation.
    let tree = json!({
        "question": "Can we count on your vote?",
        "answers": [
            {
                "id": "yes", "label": "Yes",
                "body": "Wonderful, thank you {firstName}! Do you need a ride to the polls?",
                "tags": [supporter],
                "question": "Do you need a ride?",
                "answers": [
                    { "id": "ride-yes", "label": "Needs a ride",
                      "body": "We'll have a volunteer driver call you this week. Thanks, {firstName}!",
                      "tags": [needs_ride],
                      "field_values": [{ "field_id": vote_plan, "value": "Early vote, needs ride" }] },
                    { "id": "ride-no", "label": "Has a ride",
                      "body": "Great. Polls in ward {custom:ward} are open 7am to 7pm. See you there!",
                      "field_values": [{ "field_id": vote_plan, "value": "Early vote" }] }
                ]
            },
            { "id": "no", "label": "No",
              "body": "Thanks for letting us know, {firstName}. Have a good day." },
            { "id": "maybe", "label": "Not sure",
              "body": "No problem! Early voting runs through next Friday; we can text you the details.",
              "tags": [undecided] }
        ],
        "standalone": [
            { "id": "wrong-number", "label": "Wrong number",
              "body": "Sorry for the mix-up, we'll update our records.", "tags": [wrong_number] },
            { "id": "where-vote", "label": "Where do I vote?",
              "body": "Your early voting site for ward {custom:ward} is the public library, 9am-6pm." }
        ]
    });
    let live = Uuid::new_v4();
    let now = Utc::now();
    sqlx::query(
        r#"insert into actions (id, organization_id, title, description, disclaimer, contact_list_id,
               initial_script, script_tree, report_tag_ids, report_field_ids, status, published_at,
               ends_at, cost_acknowledged_at, cost_acknowledged_micros, created_by, created_at)
           values ($1, $2, 'Early voting reminder', 'Remind supporters that early voting opens Saturday.',
               'Be friendly and brief. Never argue; thank people for their time.', $3, $4, $5, $6, $7,
               'published', $8, $9, $8, 3500000, $10, $8)"#,
    )
    .bind(live)
    .bind(org)
    .bind(list)
    .bind(INITIAL_SCRIPT)
    .bind(&tree)
    .bind(vec![supporter, undecided, needs_ride])
    .bind(vec![best_time, vote_plan])
    .bind(now - Duration::days(2))
    .bind(now + Duration::days(12))
    .bind(admin)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        r#"insert into actions (id, organization_id, title, description, contact_list_id, initial_script, created_by)
           values ($1, $2, 'Volunteer recruitment (draft)', 'Ask supporters to join a phone bank.', $3,
               'Hi {firstName}, it''s {senderFirstName} again. Could you give two hours to a phone bank this weekend? Reply STOP to opt out',
               $4)"#,
    )
    .bind(Uuid::new_v4())
    .bind(org)
    .bind(list)
    .bind(admin)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    // The action's contacts become claimable conversations exactly as when an action goes live.
    db::assignment::load_contacts(pool, live).await?;
    let volunteers: Vec<(Uuid, &str)> = std::iter::once((volunteer, "Demo"))
        .chain(
            history_volunteers
                .iter()
                .zip(HISTORY_VOLUNTEERS)
                .map(|(id, (name, _))| (*id, &name[..name.find(' ').unwrap()])),
        )
        .collect();
    let ids = Ids { org, supporter, undecided, needs_ride, best_time, vote_plan };
    history(pool, &ids, live, &volunteers, now).await?;
    Ok(code)
}

struct Ids {
    org: Uuid,
    supporter: i64,
    undecided: i64,
    needs_ride: i64,
    best_time: i64,
    vote_plan: i64,
}

fn sid() -> String {
    format!("SM{}", Uuid::new_v4().simple())
}

/// What a texted contact did next, by their place in the history.
enum Reply {
    None,
    Text(&'static str),
    Yes,
    Stop,
    Help,
    Undelivered,
}

fn reply_for(i: usize) -> Reply {
    match i {
        3 => Reply::Stop,
        5 => Reply::Help,
        _ if i % 11 == 7 => Reply::Undelivered,
        _ => match i % 5 {
            0 => Reply::Yes,
            1 => Reply::Text("Not sure yet, when is it?"),
            2 => Reply::Text("No thanks"),
            _ => Reply::None,
        },
    }
}

/// Texts sent over the last two days by the demo volunteers, the replies they got, and what
/// they did with them, written as the send and webhook paths leave them. The running counts of
/// the results page are rebuilt from these rows at the end (`recount_action`).
async fn history(
    pool: &PgPool,
    ids: &Ids,
    action: Uuid,
    volunteers: &[(Uuid, &str)],
    now: DateTime<Utc>,
) -> Result<(), BoxError> {
    let mut tx = pool.begin().await?;
    let conversations: Vec<(i64, String, String, String)> = sqlx::query_as(
        r#"select v.id, v.contact_phone, c.first_name, c.custom->>'ward' from conversations v
           join contacts c on c.id = v.contact_id
           where v.action_id = $1 order by v.id limit $2"#,
    )
    .bind(action)
    .bind(TEXTED as i64)
    .fetch_all(&mut *tx)
    .await?;
    for (i, (conversation, phone, first_name, ward)) in conversations.into_iter().enumerate() {
        let (volunteer, sender_name) =
            if i < DEMO_VOLUNTEER_TEXTED { volunteers[0] } else { volunteers[1 + i % (volunteers.len() - 1)] };
        // Spread over the last two days, oldest first, at least an hour ago.
        let sent_at = now - Duration::minutes(60 + ((TEXTED - i) as i64) * 28);
        let reply = reply_for(i);
        let (status, error_code) = match reply {
            Reply::Undelivered => ("undelivered", Some(30006)),
            _ => ("delivered", None),
        };
        sqlx::query(
            r#"update conversations set volunteer_id = $2, claimed_at = $3, assigned_at = $3, sender_phone = $4
               where id = $1"#,
        )
        .bind(conversation)
        .bind(volunteer)
        .bind(sent_at - Duration::minutes(2))
        .bind(DEMO_SENDER)
        .execute(&mut *tx)
        .await?;
        let body = format!(
            "Hi {first_name}, it's {sender_name} with the Demo Campaign. Early voting opens Saturday for ward {ward}. \
             Can we count on your vote? Reply STOP to opt out"
        );
        outbound(
            &mut tx,
            ids.org,
            conversation,
            MessageKind::Initial,
            &body,
            &phone,
            status,
            error_code,
            volunteer,
            sent_at,
            None,
        )
        .await?;
        sqlx::query(
            r#"update conversations set initial_sent_at = $2, last_outbound_at = $2, initial_variant = 1,
                   read_at = $2 where id = $1"#,
        )
        .bind(conversation)
        .bind(sent_at)
        .execute(&mut *tx)
        .await?;
        let replied_at = sent_at + Duration::minutes(4 + (i % 17) as i64);
        let inbound = async |tx: &mut Transaction<'_, Postgres>, body: &str| -> Result<i64, sqlx::Error> {
            let id: i64 = sqlx::query_scalar(
                r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone,
                       status, twilio_sid, created_at)
                   values ($1, $2, 'inbound', 'inbound', $3, $4, $5, 'received', $6, $7)
                   returning id"#,
            )
            .bind(ids.org)
            .bind(conversation)
            .bind(body)
            .bind(DEMO_SENDER)
            .bind(&phone)
            .bind(sid())
            .bind(replied_at)
            .fetch_one(&mut **tx)
            .await?;
            sqlx::query("update conversations set last_inbound_at = $2 where id = $1")
                .bind(conversation)
                .bind(replied_at)
                .execute(&mut **tx)
                .await?;
            Ok(id)
        };
        match reply {
            Reply::None | Reply::Undelivered => {}
            Reply::Text(body) => {
                inbound(&mut tx, body).await?;
                if body.starts_with("Not sure") && i % 2 == 0 {
                    // Answered with the "Not sure" response, which tags the conversation.
                    let at = replied_at + Duration::minutes(3);
                    let text = "No problem! Early voting runs through next Friday; we can text you the details.";
                    follow_up(&mut tx, ids, conversation, &phone, volunteer, at, "maybe", "Not sure", text).await?;
                    tag(&mut tx, conversation, ids.undecided, volunteer, at).await?;
                }
            }
            Reply::Yes => {
                inbound(&mut tx, if i % 2 == 0 { "Yes! Count me in" } else { "yes" }).await?;
                let at = replied_at + Duration::minutes(2);
                let text = format!("Wonderful, thank you {first_name}! Do you need a ride to the polls?");
                follow_up(&mut tx, ids, conversation, &phone, volunteer, at, "yes", "Yes", &text).await?;
                tag(&mut tx, conversation, ids.supporter, volunteer, at).await?;
                // Some file a report too: a ride needed, and when to call.
                if i % 3 == 0 {
                    tag(&mut tx, conversation, ids.needs_ride, volunteer, at).await?;
                    let fields = json!({ ids.best_time.to_string(): "Evenings", ids.vote_plan.to_string(): "Early vote, needs ride" });
                    for (field, value) in [(ids.best_time, "Evenings"), (ids.vote_plan, "Early vote, needs ride")] {
                        sqlx::query(
                            r#"insert into conversation_fields (conversation_id, field_id, value, updated_by, updated_at)
                               values ($1, $2, $3, $4, $5)"#,
                        )
                        .bind(conversation)
                        .bind(field)
                        .bind(value)
                        .bind(volunteer)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query(
                        r#"insert into reports (organization_id, conversation_id, volunteer_id, tag_ids, field_values, submitted_at)
                           values ($1, $2, $3, $4, $5, $6)"#,
                    )
                    .bind(ids.org)
                    .bind(conversation)
                    .bind(volunteer)
                    .bind(vec![ids.supporter, ids.needs_ride])
                    .bind(&fields)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("update conversations set last_report_at = $2 where id = $1")
                        .bind(conversation)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            Reply::Stop => {
                inbound(&mut tx, "STOP").await?;
                // As the inbound webhook records it: the organization's opt-out list and the
                // built-in Opt Out tag on every conversation with the number.
                sqlx::query(
                    "insert into opt_outs (organization_id, phone, source, detail, created_at) values ($1, $2, 'keyword', 'STOP', $3)",
                )
                .bind(ids.org)
                .bind(&phone)
                .bind(replied_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    r#"insert into conversation_tags (conversation_id, tag_id, applied_at)
                       select $1, opt_out_tag($2), $3"#,
                )
                .bind(conversation)
                .bind(ids.org)
                .bind(replied_at)
                .execute(&mut *tx)
                .await?;
            }
            Reply::Help => {
                let help = inbound(&mut tx, "HELP").await?;
                let answer = "Demo Campaign: volunteers text you about our campaign. Reply STOP to opt out. Msg&data rates may apply.";
                // The automatic answer names the HELP it answers, as db::webhooks queues it.
                sqlx::query(
                    r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone,
                           status, twilio_sid, idempotency_key, attempts, created_at, sent_at, auto_reply_to)
                       values ($1, $2, 'outbound', 'auto', $3, $4, $5, 'delivered', $6, 'help:demo-' || $2, 1, $7, $7, $8)"#,
                )
                .bind(ids.org)
                .bind(conversation)
                .bind(answer)
                .bind(&phone)
                .bind(DEMO_SENDER)
                .bind(sid())
                .bind(replied_at + Duration::seconds(2))
                .bind(help)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    sqlx::query("select recount_action($1)").bind(action).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn outbound(
    tx: &mut Transaction<'_, Postgres>,
    org: Uuid,
    conversation: i64,
    kind: MessageKind,
    body: &str,
    to: &str,
    status: &str,
    error_code: Option<i32>,
    volunteer: Uuid,
    at: DateTime<Utc>,
    script_node: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status,
               twilio_sid, error_code, sent_by, attempts, created_at, script_node, variant, idempotency_key,
               pressed_at, press_session, script_rendered, sent_at)
           values ($1, $2, 'outbound', $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12,
               case when $3 = 'initial' then 1 end, 'demo-' || $8, $11, $13, $4, $11 + interval '1 second')"#,
    )
    .bind(org)
    .bind(conversation)
    .bind(kind)
    .bind(body)
    .bind(to)
    .bind(DEMO_SENDER)
    .bind(status)
    .bind(sid())
    .bind(error_code)
    .bind(volunteer)
    .bind(at)
    .bind(script_node)
    // Each demo volunteer presses from one (made-up) session, as a press record shows it.
    .bind(app::server::auth::fingerprint(&format!("demo-session-{volunteer}")))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A response script sent from the branched script: the message, the survey answer it
/// records and where the conversation now is in the script.
#[allow(clippy::too_many_arguments)]
async fn follow_up(
    tx: &mut Transaction<'_, Postgres>,
    ids: &Ids,
    conversation: i64,
    phone: &str,
    volunteer: Uuid,
    at: DateTime<Utc>,
    node: &str,
    answer: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    outbound(tx, ids.org, conversation, MessageKind::Reply, body, phone, "delivered", None, volunteer, at, Some(node))
        .await?;
    sqlx::query(
        r#"insert into survey_answers (conversation_id, question_node, question, answer_node, answer, answered_by, answered_at)
           values ($1, '', 'Can we count on your vote?', $2, $3, $4, $5)"#,
    )
    .bind(conversation)
    .bind(node)
    .bind(answer)
    .bind(volunteer)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("update conversations set script_node = $2, last_outbound_at = $3 where id = $1")
        .bind(conversation)
        .bind(node)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn tag(
    tx: &mut Transaction<'_, Postgres>,
    conversation: i64,
    tag: i64,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"insert into conversation_tags (conversation_id, tag_id, applied_by, applied_at) values ($1, $2, $3, $4)
           on conflict do nothing"#,
    )
    .bind(conversation)
    .bind(tag)
    .bind(by)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
