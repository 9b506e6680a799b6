//! Claiming batches: disjoint under concurrency, Text Again, skip, release, lapsed claims, Keep
//! Assignments, and what the texting screen shows outside the window or in a paused action.

use crate::messaging::{zone, World};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::collections::HashSet;

/// `n` contacts in the action's list, in a zone open (or closed) now; returns their phones.
async fn contacts(w: &World, n: usize, open: bool, first: u32) -> Vec<String> {
    let mut phones = Vec::new();
    for i in 0..n {
        let phone = format!("+1312555{:04}", first + i as u32);
        sqlx::query(
            r#"insert into contacts (list_id, phone, first_name, time_zones, custom) values ($1::uuid, $2, 'Ana', array[$3], '{"ward":"7"}')"#,
        )
        .bind(&w.list)
        .bind(&phone)
        .bind(zone(open))
        .execute(&w.app.pool)
        .await
        .unwrap();
        phones.push(phone);
    }
    phones
}

async fn claim(w: &World, who: &Client) -> (StatusCode, Value) {
    w.app.call(who, "claim_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await
}

fn ids(batch: &Value) -> Vec<i64> {
    batch["contacts"].as_array().unwrap().iter().map(|c| c["conversation_id"].as_i64().unwrap()).collect()
}

async fn batch_size(w: &World, size: i32) {
    sqlx::query(
        "insert into texting_settings (organization_id, batch_size) values ($1::uuid, $2) on conflict (organization_id) do update set batch_size = $2",
    )
    .bind(&w.org)
    .bind(size)
    .execute(&w.app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn two_volunteers_starting_at_once_get_disjoint_batches_then_text_again() {
    let w = World::new().await;
    let (second, _) = w.app.volunteer(&w.admin, &w.org, "Second").await;
    contacts(&w, 25, true, 0).await;
    batch_size(&w, 10).await;
    // Opened before the first claim copied the list into the pool: there is someone to text.
    let (_, before) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert!(ids(&before).is_empty());
    assert_eq!(before["more_available"], true, "{before}");

    let ((s1, b1), (s2, b2)) = tokio::join!(claim(&w, &w.volunteer), claim(&w, &second));
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{b1} {b2}");
    let (a, b): (HashSet<i64>, HashSet<i64>) = (ids(&b1).into_iter().collect(), ids(&b2).into_iter().collect());
    assert_eq!((a.len(), b.len()), (10, 10));
    assert!(a.is_disjoint(&b), "the same contact went to two volunteers");
    assert_eq!(b1["contacts"][0]["message"], crate::messaging::SCRIPT);
    assert_eq!(b1["contacts"][0]["opens"], Value::Null);
    assert_eq!(b1["more_available"], true);

    // Start again (another tab) before finishing: the same batch, nothing more claimed.
    let (_, again) = claim(&w, &w.volunteer).await;
    assert_eq!(ids(&again).into_iter().collect::<HashSet<_>>(), a);

    // Send the whole batch, then Text Again: the last 5.
    for (i, id) in ids(&b1).into_iter().enumerate() {
        let (status, body) = w.send(&id.to_string(), crate::messaging::SCRIPT, &format!("k{i}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, done) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert!(ids(&done).is_empty());
    let (_, next) = claim(&w, &w.volunteer).await;
    let next: HashSet<i64> = ids(&next).into_iter().collect();
    assert_eq!(next.len(), 5);
    assert!(next.is_disjoint(&a) && next.is_disjoint(&b));
    let (_, listed) = w.app.call(&w.volunteer, "list_volunteer_actions", &[("org_id", &w.org)]).await;
    assert_eq!(listed[0]["sent_by_me"], 10);
    assert_eq!(listed[0]["start_label"], "Start Texting");
}

#[tokio::test]
async fn skipped_released_and_lapsed_contacts_go_back_to_the_pool() {
    let w = World::new().await;
    contacts(&w, 6, true, 100).await;
    batch_size(&w, 3).await;
    let (_, batch) = claim(&w, &w.volunteer).await;
    let first = ids(&batch);
    let (status, _) = w
        .app
        .call(&w.volunteer, "skip_contact", &[("org_id", &w.org), ("conversation_id", &first[0].to_string())])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(ids(&after), first[1..].to_vec());

    // The skipped contact went back to the pool at once; leaving the screen gives back the rest.
    let (status, released) =
        w.app.call(&w.volunteer, "release_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!((status, released), (StatusCode::OK, Value::from(2)));
    let pooled: i64 =
        sqlx::query_scalar("select count(*) from conversations where action_id = $1::uuid and volunteer_id is null")
            .bind(&w.action)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    assert_eq!(pooled, 6);

    // A claim nobody texted for half an hour lapses.
    let (_, batch) = claim(&w, &w.volunteer).await;
    assert_eq!(ids(&batch).len(), 3);
    sqlx::query("update conversations set claimed_at = now() - interval '31 minutes' where volunteer_id is not null")
        .execute(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(app::server::db::assignment::sweep(&w.app.pool).await.unwrap(), 3);
    let (_, after) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert!(ids(&after).is_empty());
}

#[tokio::test]
async fn keep_assignments_hands_out_only_preassigned_contacts() {
    let w = World::new().await;
    let (second, _) = w.app.volunteer(&w.admin, &w.org, "Second").await;
    let phones = contacts(&w, 4, true, 200).await;
    sqlx::query(
        r#"update contacts set assigned_user_id = (select m.user_id from memberships m join users u on u.id = m.user_id
                                                   where m.organization_id = $1::uuid and u.display_name like 'Val%')
           where phone = any($2)"#,
    )
    .bind(&w.org)
    .bind(&phones[..2])
    .execute(&w.app.pool)
    .await
    .unwrap();
    sqlx::query("update actions set keep_assignments = true where id = $1::uuid")
        .bind(&w.action)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (_, theirs) = claim(&w, &w.volunteer).await;
    assert_eq!(ids(&theirs).len(), 2);
    let (_, none) = claim(&w, &second).await;
    assert!(ids(&none).is_empty(), "{none}");
    // Released pre-assigned contacts stay with their volunteer.
    w.app.call(&w.volunteer, "release_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    let (_, back) = claim(&w, &w.volunteer).await;
    assert_eq!(ids(&back), ids(&theirs));
}

#[tokio::test]
async fn the_screen_says_when_sending_opens_and_skips_opted_out_numbers() {
    let w = World::new().await;
    let closed = contacts(&w, 1, false, 300).await;
    let opted = contacts(&w, 1, true, 301).await;
    sqlx::query("insert into opt_outs (organization_id, phone) values ($1::uuid, $2)")
        .bind(&w.org)
        .bind(&opted[0])
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (_, batch) = claim(&w, &w.volunteer).await;
    assert_eq!(batch["contacts"].as_array().unwrap().len(), 1, "{batch}");
    let opens = batch["contacts"][0]["opens"].as_str().unwrap();
    assert!(opens.contains("sending opens at"), "{opens}");
    let _ = closed;

    sqlx::query("update actions set status = 'paused' where id = $1::uuid")
        .bind(&w.action)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, body) = claim(&w, &w.volunteer).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, batch) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(batch["can_send"], false);

    // Drafts are not open for texting at all.
    sqlx::query("update actions set status = 'draft' where id = $1::uuid")
        .bind(&w.action)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, _) = claim(&w, &w.volunteer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Titles of the actions the volunteer's list shows.
async fn visible(w: &World, who: &Client) -> Vec<String> {
    let (status, body) = w.app.call(who, "list_volunteer_actions", &[("org_id", &w.org)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut titles: Vec<String> =
        body.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_string()).collect();
    titles.sort();
    titles
}

async fn limited_action(w: &World, title: &str, language: Option<&str>, districts: &[&str]) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        r#"insert into actions (id, organization_id, title, contact_list_id, initial_script, status, published_at, language, districts)
           values ($1::uuid, $2::uuid, $3, $4::uuid, 'Hi {firstName}. STOP to opt out', 'published', now(), $5, $6)"#,
    )
    .bind(&id)
    .bind(&w.org)
    .bind(title)
    .bind(&w.list)
    .bind(language)
    .bind(districts.iter().map(|d| d.to_string()).collect::<Vec<_>>())
    .execute(&w.app.pool)
    .await
    .unwrap();
    id
}

async fn my_id(w: &World, who: &Client) -> String {
    let (status, body) = w.app.call(who, "get_my_profile", &[("org_id", &w.org)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["user_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn district_and_language_limits_decide_who_sees_and_claims_an_action() {
    let w = World::new().await;
    contacts(&w, 3, true, 0).await;
    let spanish = limited_action(&w, "Spanish only", Some("es"), &[]).await;
    let ward = limited_action(&w, "Ward 7", None, &["CD-1", "Ward 7"]).await;
    limited_action(&w, "Ward 7 in Spanish", Some("es"), &["Ward 7"]).await;

    // A new volunteer texts in English and has no district: only the unlimited action.
    let (status, profile) = w.app.call(&w.volunteer, "get_my_profile", &[("org_id", &w.org)]).await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(profile["languages"], serde_json::json!(["en"]));
    assert_eq!(profile["district"], Value::Null);
    assert_eq!(profile["districts_in_use"], serde_json::json!(["CD-1", "Ward 7"]));
    assert_eq!(visible(&w, &w.volunteer).await, vec!["GOTV"]);
    // The limit holds on the direct paths too, not only in the list.
    for action in [&spanish, &ward] {
        let (status, body) =
            w.app.call(&w.volunteer, "claim_batch", &[("org_id", &w.org), ("action_id", action)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, _) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", action)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    // Spanish (and English), district typed in another case: everything they qualify for.
    let me = my_id(&w, &w.volunteer).await;
    let (status, body) = w
        .app
        .call(
            &w.volunteer,
            "set_member_profile",
            &[("org_id", &w.org), ("user_id", &me), ("district", " ward  7 "), ("languages", "en,es")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(visible(&w, &w.volunteer).await, vec!["GOTV", "Spanish only", "Ward 7", "Ward 7 in Spanish"]);
    let (status, body) = w.app.call(&w.volunteer, "claim_batch", &[("org_id", &w.org), ("action_id", &ward)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body).len(), 3);

    // Spanish only: English-only actions disappear.
    w.app
        .call(
            &w.volunteer,
            "set_member_profile",
            &[("org_id", &w.org), ("user_id", &me), ("district", ""), ("languages", "es")],
        )
        .await;
    assert_eq!(visible(&w, &w.volunteer).await, vec!["GOTV", "Spanish only"]);

    // Admins see every action whatever their own profile says.
    let titles = visible(&w, &w.admin).await;
    assert_eq!(titles.len(), 4, "{titles:?}");

    // Bad input names its field and changes nothing.
    let (status, body) = w
        .app
        .call(
            &w.volunteer,
            "set_member_profile",
            &[("org_id", &w.org), ("user_id", &me), ("district", ""), ("languages", "fr")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "languages");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("\"fr\""), "{body}");
    let (status, body) = w
        .app
        .call(
            &w.volunteer,
            "set_member_profile",
            &[("org_id", &w.org), ("user_id", &me), ("district", "a,b"), ("languages", "es")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "district", "{body}");
    assert_eq!(visible(&w, &w.volunteer).await, vec!["GOTV", "Spanish only"]);
}

#[tokio::test]
async fn only_admins_set_someone_elses_district_and_languages() {
    let w = World::new().await;
    let (second, _) = w.app.volunteer(&w.admin, &w.org, "Second").await;
    let second_id = my_id(&w, &second).await;
    let form = [("org_id", w.org.as_str()), ("user_id", second_id.as_str()), ("district", "CD-1"), ("languages", "es")];
    let (status, body) = w.app.call(&w.volunteer, "set_member_profile", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = w.app.call(&w.admin, "set_member_profile", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, members) = w.app.call(&w.admin, "list_members", &[("org_id", &w.org)]).await;
    let row = members.as_array().unwrap().iter().find(|m| m["user_id"] == second_id.as_str()).unwrap().clone();
    assert_eq!(
        (row["district"].clone(), row["languages"].clone()),
        (serde_json::json!("CD-1"), serde_json::json!(["es"]))
    );
    // Another organization's admin cannot reach this member at all.
    let (outsider, _) = w.app.user("Outsider").await;
    w.app.org(&outsider, "Other").await;
    let (status, _) = w.app.call(&outsider, "set_member_profile", &form).await;
    assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{status}");
}

/// The titles of the volunteer's list in its order, each with whether it is featured.
async fn listed(w: &World, who: &Client) -> Vec<(String, bool)> {
    let (status, body) = w.app.call(who, "list_volunteer_actions", &[("org_id", &w.org)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|a| (a["title"].as_str().unwrap().to_string(), a["featured"].as_bool().unwrap()))
        .collect()
}

/// "Mark featured" (or its undoing) as the admin.
async fn feature(w: &World, action: &str, on: &str) -> (StatusCode, Value) {
    w.app.call(&w.admin, "set_action_featured", &[("org_id", &w.org), ("action_id", action), ("featured", on)]).await
}

#[tokio::test]
async fn featured_actions_come_first_then_the_newest() {
    let w = World::new().await;
    // The world's own action goes quiet, so the list holds exactly these three.
    sqlx::query("update actions set status = 'closed' where id = $1::uuid")
        .bind(&w.action)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (title, days_ago) in [("Oldest", 3), ("Middle", 2), ("Newest", 1)] {
        let id = limited_action(&w, title, None, &[]).await;
        sqlx::query("update actions set published_at = now() - make_interval(days => $2) where id = $1::uuid")
            .bind(&id)
            .bind(days_ago)
            .execute(&w.app.pool)
            .await
            .unwrap();
        ids.push(id);
    }
    let order = |l: Vec<(String, bool)>| {
        l.into_iter().map(|(t, f)| format!("{t}{}", if f { "*" } else { "" })).collect::<Vec<_>>()
    };
    assert_eq!(order(listed(&w, &w.volunteer).await), ["Newest", "Middle", "Oldest"]);

    // Several may be featured: featured first, newest first among them.
    for id in [&ids[0], &ids[1]] {
        let (status, body) = feature(&w, id, "true").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(order(listed(&w, &w.volunteer).await), ["Middle*", "Oldest*", "Newest"]);
    // Featuring twice changes nothing; unfeaturing puts it back in its place.
    assert_eq!(feature(&w, &ids[0], "true").await.0, StatusCode::OK);
    assert_eq!(feature(&w, &ids[1], "false").await.0, StatusCode::OK);
    assert_eq!(order(listed(&w, &w.volunteer).await), ["Oldest*", "Newest", "Middle"]);
    // The admin's list says which are featured.
    let (status, all) = w.app.call(&w.admin, "list_actions", &[("org_id", &w.org)]).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let featured: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["featured"] == true)
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(featured, ["Oldest"]);

    // A volunteer cannot feature; another organization's action is not found.
    let form = [("org_id", w.org.as_str()), ("action_id", ids[2].as_str()), ("featured", "true")];
    let (status, _) = w.app.call(&w.volunteer, "set_action_featured", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other_org = w.app.org(&w.admin, "Another Coalition").await;
    let form = [("org_id", other_org.as_str()), ("action_id", ids[2].as_str()), ("featured", "true")];
    let (status, _) = w.app.call(&w.admin, "set_action_featured", &form).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(order(listed(&w, &w.volunteer).await), ["Oldest*", "Newest", "Middle"]);
}
