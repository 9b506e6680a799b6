//! Pages as the server renders them, before any JavaScript: who may open the admin area, and
//! the volunteer's path from the action card to a sent text as plain form posts (a phone on a
//! slow link taps long before the bundle has loaded).

use crate::messaging::{zone, World, SCRIPT};
use reqwest::{Client, StatusCode};

/// `n` contacts in the action's list, in a zone where texting is open now.
async fn contacts(w: &World, n: usize) {
    for i in 0..n {
        sqlx::query(
            r#"insert into contacts (list_id, phone, first_name, time_zones, custom) values ($1::uuid, $2, 'Ana', array[$3], '{"ward":"7"}')"#,
        )
        .bind(&w.list)
        .bind(format!("+1312555{:04}", 100 + i))
        .bind(zone(true))
        .execute(&w.app.pool)
        .await
        .unwrap();
    }
}

async fn page(w: &World, who: &Client, path: &str) -> crate::helpers::Page {
    crate::helpers::get_html(who, &format!("{}{path}", w.app.address)).await
}

/// A plain HTML form post, as a browser without the bundle sends it.
async fn post(w: &World, who: &Client, endpoint: &str, from: &str, form: &[(&str, &str)]) -> reqwest::Response {
    who.post(format!("{}/api/{endpoint}", w.app.address))
        .header("accept", "text/html")
        .header("referer", format!("{}{from}", w.app.address))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The value of the hidden input `name` in a rendered page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn messages(w: &World) -> i64 {
    sqlx::query_scalar(
        "select count(*) from messages m join conversations c on c.id = m.conversation_id where c.action_id = $1::uuid",
    )
    .bind(&w.action)
    .fetch_one(&w.app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_volunteer_opening_an_admin_page_is_sent_to_their_own_area() {
    let w = World::new().await;
    for path in ["/admin", "/admin/results", "/admin/conversations", "/admin/settings"] {
        let res = page(&w, &w.volunteer, &format!("/o/{}{path}", w.org)).await;
        assert_eq!(res.status(), StatusCode::FOUND, "{path}: {:?}", res.headers());
        assert_eq!(res.headers()["location"], format!("/o/{}", w.org).as_str(), "{path}");
    }
    // The admin gets the page, menu and all.
    let res = page(&w, &w.admin, &format!("/o/{}/admin", w.org)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"aria-label="Admin""#), "{html}");
}

#[tokio::test]
async fn one_tap_on_the_action_card_claims_a_batch_and_opens_the_texting_screen() {
    let w = World::new().await;
    contacts(&w, 3).await;
    let home = format!("/o/{}", w.org);
    let html = page(&w, &w.volunteer, &home).await.text().await.unwrap();
    assert!(html.contains(r#"action="/api/start_texting""#), "the card's Start is a form: {html}");

    let res = post(&w, &w.volunteer, "start_texting", &home, &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], format!("/o/{}/text/{}", w.org, w.action).as_str());
    let (_, batch) = w.app.call(&w.volunteer, "get_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(batch["contacts"].as_array().unwrap().len(), 3, "{batch}");
}

#[tokio::test]
async fn the_texting_screen_sends_as_a_plain_form_post_before_the_bundle_loads() {
    let w = World::new().await;
    contacts(&w, 2).await;
    let (status, batch) =
        w.app.call(&w.volunteer, "claim_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    let screen = format!("/o/{}/text/{}", w.org, w.action);
    let html = page(&w, &w.volunteer, &screen).await.text().await.unwrap();
    assert!(html.contains(r#"action="/api/send_message""#), "Send is a form post: {html}");
    assert!(html.contains(r#"name="body""#), "{html}");
    assert!(html.contains("about ward 7. STOP to opt out</textarea>"), "the box is filled in by the server: {html}");
    let first = hidden(&html, "conversation_id");
    let key = hidden(&html, "idempotency_key");
    assert!(!key.is_empty());

    let form = [
        ("org_id", w.org.as_str()),
        ("conversation_id", first.as_str()),
        ("idempotency_key", key.as_str()),
        ("body", SCRIPT),
    ];
    let res = post(&w, &w.volunteer, "send_message", &screen, &form).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    // The server function redirects to the page the form was on (a bare `?` where its error
    // parameters would go).
    assert_eq!(back.trim_end_matches('?'), format!("{}{screen}", w.app.address), "back to the texting screen");
    assert_eq!(messages(&w).await, 1);
    // A second tap on the same page (the post was slow) is the same text.
    post(&w, &w.volunteer, "send_message", &screen, &form).await;
    assert_eq!(messages(&w).await, 1);

    // The screen now shows the next contact, with a fresh key.
    let html = page(&w, &w.volunteer, &screen).await.text().await.unwrap();
    let second = hidden(&html, "conversation_id");
    assert_ne!(second, first, "the sent contact is done");
    assert_ne!(hidden(&html, "idempotency_key"), key);

    // Sending it the same way finishes the batch: the screen then offers Text Again as a form.
    let key = hidden(&html, "idempotency_key");
    let form = [
        ("org_id", w.org.as_str()),
        ("conversation_id", second.as_str()),
        ("idempotency_key", key.as_str()),
        ("body", SCRIPT),
    ];
    assert_eq!(post(&w, &w.volunteer, "send_message", &screen, &form).await.status(), StatusCode::FOUND);
    assert_eq!(messages(&w).await, 2);
    let html = page(&w, &w.volunteer, &screen).await.text().await.unwrap();
    assert!(!html.contains(r#"name="conversation_id""#), "{html}");
}

#[tokio::test]
async fn a_failed_plain_send_comes_back_to_the_screen_with_its_reason() {
    let w = World::new().await;
    contacts(&w, 1).await;
    w.app.call(&w.volunteer, "claim_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    let screen = format!("/o/{}/text/{}", w.org, w.action);
    let html = page(&w, &w.volunteer, &screen).await.text().await.unwrap();
    let id = hidden(&html, "conversation_id");
    let res = post(
        &w,
        &w.volunteer,
        "send_message",
        &screen,
        &[("org_id", &w.org), ("conversation_id", &id), ("idempotency_key", ""), ("body", SCRIPT)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("__err="), "{back}");
    let html = w.volunteer.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("A send needs a request key"), "{html}");
    assert_eq!(messages(&w).await, 0);
}

/// The editor's counter counts the text a contact gets, with the values the estimate uses:
/// placeholders longer than their values must not make it say "2 segments".
#[tokio::test]
async fn the_script_counter_counts_rendered_text_like_the_estimate() {
    let w = World::new().await;
    contacts(&w, 2).await;
    sqlx::query("update contact_lists set contact_count = 2 where id = $1::uuid")
        .bind(&w.list)
        .execute(&w.app.pool)
        .await
        .unwrap();
    // 170 characters as typed, 30 as sent ("Hi Ana 7 7 …").
    let script = format!("Hi {{firstName}}{}", " {custom:ward}".repeat(12));
    assert!(script.len() > 160);
    sqlx::query("update actions set initial_script = $2, status = 'draft', published_at = null where id = $1::uuid")
        .bind(&w.action)
        .bind(&script)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let (status, page_data) = w.app.call(&w.admin, "get_action", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{page_data}");
    assert_eq!(page_data["estimate"]["segments_per_message"], 1, "{page_data}");
    let html = page(&w, &w.admin, &format!("/o/{}/admin/actions/{}", w.org, w.action)).await.text().await.unwrap();
    assert!(html.contains("For Ana: GSM-7 · 1 segment · "), "{html}");
    assert!(html.contains("Longest in this list: 1 segment (what the estimate charges)"), "{html}");
    assert!(!html.contains("2 segments"), "{html}");
    // The script preview starts with the initial message, rendered for the list's first contact.
    let (_, script_page) = w.app.call(&w.admin, "get_script", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(script_page["initial_script"], script.as_str());
}

/// The actions list says how far each action has come and links its results; the editor keeps
/// Close apart and asks first; the description is a text area.
#[tokio::test]
async fn the_actions_list_shows_progress_and_close_asks_first() {
    let w = World::new().await;
    contacts(&w, 2).await;
    sqlx::query("update contact_lists set contact_count = 2 where id = $1::uuid")
        .bind(&w.list)
        .execute(&w.app.pool)
        .await
        .unwrap();
    w.app.call(&w.volunteer, "claim_batch", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    let screen = format!("/o/{}/text/{}", w.org, w.action);
    let html = page(&w, &w.volunteer, &screen).await.text().await.unwrap();
    let id = hidden(&html, "conversation_id");
    let (status, body) = w.send(&id, SCRIPT, "progress-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let list = page(&w, &w.admin, &format!("/o/{}/admin", w.org)).await.text().await.unwrap();
    assert!(list.contains("1 of 2 texted (50%) · 0 replies"), "{list}");
    assert!(list.contains(&format!("/o/{}/admin/actions/{}/results", w.org, w.action)), "{list}");

    let editor = page(&w, &w.admin, &format!("/o/{}/admin/actions/{}", w.org, w.action)).await.text().await.unwrap();
    let zone = editor.find("class=\"danger-zone\"").expect("Close sits in its own section");
    assert!(editor[zone..].contains(r#"name="confirm_close" required"#), "{editor}");
    assert!(!editor[..zone].contains(">Close action<"), "Close is not beside Publish/Pause: {editor}");
    assert!(editor.contains(r#"<textarea id="action-description" name="description""#), "{editor}");
}

#[tokio::test]
async fn the_threads_buttons_are_forms_that_work_before_the_bundle_loads() {
    let w = World::new().await;
    let conversation = w.conversation("+13125550177", true, true).await;
    let (status, body) = w.send(&conversation, SCRIPT, "k-1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let path = format!("/o/{}/inbox/{conversation}", w.org);
    let html = page(&w, &w.volunteer, &path).await.text().await.unwrap();
    for endpoint in ["set_archived", "reassign_conversation", "reassign_all"] {
        assert!(html.contains(&format!(r#"action="/api/{endpoint}""#)), "{endpoint} is a form: {html}");
    }
    assert_eq!(hidden(&html, "archived"), "true", "the archive form archives an open thread");
    // Posted as a browser without the bundle posts it: archived, and back to the thread.
    let res = post(
        &w,
        &w.volunteer,
        "set_archived",
        &path,
        &[("org_id", &w.org), ("conversation_id", &conversation), ("archived", "true")],
    )
    .await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    let archived: bool = sqlx::query_scalar("select archived_at is not null from conversations where id = $1::bigint")
        .bind(&conversation)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert!(archived);
    let html = page(&w, &w.volunteer, &path).await.text().await.unwrap();
    assert_eq!(hidden(&html, "archived"), "false", "now it unarchives");
    assert!(html.contains(">Unarchive<"), "{html}");
    // The inbox's own forms too.
    let inbox = page(&w, &w.volunteer, &format!("/o/{}/inbox", w.org)).await.text().await.unwrap();
    assert!(inbox.contains(r#"action="/api/set_auto_archive""#), "{inbox}");
    // Opt out: a disclosure holding the reason form, so it opens and posts without the bundle.
    let opt_out =
        &html[html.find(r#"<details class="opt-out""#).unwrap_or_else(|| panic!("no opt-out disclosure: {html}"))..];
    let opt_out = &opt_out[..opt_out.find("</details>").unwrap()];
    assert!(opt_out.contains(r#"action="/api/opt_out_contact""#), "{opt_out}");
    assert!(opt_out.contains(r#"name="reason""#), "{opt_out}");
    let res = post(
        &w,
        &w.volunteer,
        "opt_out_contact",
        &path,
        &[("org_id", &w.org), ("conversation_id", &conversation), ("reason", "Asked by phone")],
    )
    .await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    let reason: Option<String> = sqlx::query_scalar("select reason from opt_outs where phone = '+13125550177'")
        .fetch_optional(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("Asked by phone"));
    let html = page(&w, &w.volunteer, &path).await.text().await.unwrap();
    assert!(html.contains(" · Opted out"), "{html}");
    assert!(!html.contains(r#"<details class="opt-out""#), "no second opt-out once opted out: {html}");
}
