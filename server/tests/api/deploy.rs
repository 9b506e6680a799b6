//! What an operator relies on: the demo organization a fresh install shows, the health and
//! readiness probes, and the deployment files (Containerfile, systemd unit).

use crate::helpers::{client, spawn_app, TestApp};
use app::domain::phone::{PhoneNumber, Region};
use app::domain::script_tree::{Known, ScriptTree};
use reqwest::StatusCode;
use server::demo;
use std::collections::HashSet;
use uuid::Uuid;

async fn demo_org(app: &TestApp) -> Uuid {
    sqlx::query_scalar("select id from organizations where name = $1")
        .bind(demo::DEMO_ORG)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, org: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(org).fetch_one(&app.pool).await.unwrap()
}

async fn signed_in(app: &TestApp, login: &demo::DemoLogin) -> reqwest::Client {
    let c = client();
    let (status, body) = app.call(&c, "sign_in", &[("email", login.email), ("password", login.password)]).await;
    assert_eq!(status, StatusCode::OK, "{} cannot sign in: {body}", login.email);
    c
}

#[tokio::test]
async fn the_demo_organization_shows_the_whole_product_at_once() {
    let app = spawn_app().await;
    let code = demo::seed(&app.pool).await.unwrap();
    let org = demo_org(&app).await;

    // A few hundred contacts with real-looking, valid, non-555 numbers in several zones.
    let contacts: Vec<(String, Vec<String>, serde_json::Value)> = sqlx::query_as(
        "select c.phone, c.time_zones, c.custom from contacts c join contact_lists l on l.id = c.list_id where l.organization_id = $1",
    )
    .bind(org)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(contacts.len(), demo::CONTACTS);
    let mut zones = HashSet::new();
    for (phone, tz, custom) in &contacts {
        let parsed = PhoneNumber::parse(phone, Region::US).unwrap_or_else(|e| panic!("{phone}: {e:?}"));
        assert_eq!(parsed.as_str(), phone);
        assert_ne!(&phone[5..8], "555", "{phone} uses the fictional exchange");
        assert!(custom["ward"].is_string() && custom["precinct"].is_string(), "{custom}");
        zones.extend(tz.iter().cloned());
    }
    assert!(zones.len() >= 4, "only {zones:?}");

    // One live action with a branched script the editor accepts, report settings, and a draft.
    let actions: Vec<(Uuid, String, serde_json::Value, Vec<i64>, Vec<i64>)> = sqlx::query_as(
        "select id, status::text, script_tree, report_tag_ids, report_field_ids from actions where organization_id = $1 order by status",
    )
    .bind(org)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let statuses: Vec<&str> = actions.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(statuses, ["draft", "published"]);
    let (live, _, tree, report_tags, report_fields) = &actions[1];
    assert!(!report_tags.is_empty() && !report_fields.is_empty());
    let tree = ScriptTree::from_json(tree);
    assert!(tree.answers.len() >= 3 && tree.answers.iter().any(|a| !a.answers.is_empty()), "not branched");
    assert!(tree.placements().iter().any(|p| !p.node.tags.is_empty()), "no response applies a tag");
    let tag_ids: Vec<i64> = sqlx::query_scalar("select id from tags where organization_id = $1")
        .bind(org)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let field_ids: Vec<i64> = sqlx::query_scalar("select id from custom_fields where organization_id = $1")
        .bind(org)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let list_fields = ["ward".to_string(), "precinct".to_string()];
    tree.validate(&Known { list_fields: &list_fields, tag_ids: &tag_ids, field_ids: &field_ids })
        .expect("the demo script is one the editor would save");

    // A history: texts by several volunteers, replies including a STOP and a HELP, reports.
    let senders = count(
        &app,
        "select count(distinct sent_by) from messages where organization_id = $1 and kind = 'initial'",
        org,
    )
    .await;
    assert!(senders >= 3, "{senders} volunteers texted");
    let inbound: Vec<String> =
        sqlx::query_scalar("select body from messages where organization_id = $1 and direction = 'inbound'")
            .bind(org)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(inbound.iter().any(|b| b == "STOP") && inbound.iter().any(|b| b == "HELP"), "{inbound:?}");
    assert_eq!(count(&app, "select count(*) from opt_outs where organization_id = $1", org).await, 1);
    assert!(count(&app, "select count(*) from reports where organization_id = $1", org).await > 0);
    // Nothing waits in the outbox: the history must not send anything when the app starts.
    assert_eq!(
        count(
            &app,
            "select count(*) from messages where organization_id = $1 and direction = 'outbound' and status = 'queued'",
            org
        )
        .await,
        0
    );

    // The running counts agree with the rows (what recount_action rebuilds).
    let snapshot = "select coalesce(jsonb_agg(c order by c.volunteer_id, c.metric, c.key), '[]') from action_counts c where action_id = $1";
    let counts: serde_json::Value = sqlx::query_scalar(snapshot).bind(live).fetch_one(&app.pool).await.unwrap();
    sqlx::query("select recount_action($1)").bind(live).execute(&app.pool).await.unwrap();
    let recounted: serde_json::Value = sqlx::query_scalar(snapshot).bind(live).fetch_one(&app.pool).await.unwrap();
    assert_eq!(counts, recounted);

    // The admin's Results page shows it.
    let admin = signed_in(&app, &demo::LOGINS[0]).await;
    let (status, results) =
        app.call(&admin, "get_action_results", &[("org_id", &org.to_string()), ("action_id", &live.to_string())]).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(results["messages"]["initial_sent"], demo::TEXTED as i64);
    assert_eq!(results["messages"]["opt_outs"], 1);
    assert!(results["messages"]["replies"].as_i64().unwrap() > 10, "{}", results["messages"]);
    assert!(results["volunteers"].as_array().unwrap().len() >= 3);

    // The demo volunteer has an inbox and can start texting at once.
    let volunteer = signed_in(&app, &demo::LOGINS[1]).await;
    let (status, inbox) = app.call(&volunteer, "get_inbox", &[("org_id", &org.to_string())]).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert!(!inbox["threads"].as_array().unwrap().is_empty(), "{inbox}");
    let (status, batch) =
        app.call(&volunteer, "claim_batch", &[("org_id", &org.to_string()), ("action_id", &live.to_string())]).await;
    assert_eq!(status, StatusCode::OK, "{batch}");
    assert!(!batch["contacts"].as_array().unwrap().is_empty(), "{batch}");

    // Joining with the printed code works.
    let (newcomer, _) = app.user("Newcomer").await;
    let (status, body) = app.call(&newcomer, "join_org", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn seeding_again_keeps_what_the_user_did_and_reset_starts_over() {
    let app = spawn_app().await;
    let code = demo::seed(&app.pool).await.unwrap();
    let org = demo_org(&app).await;
    // The user works in the demo: a tag of their own, and the live action's title changed.
    sqlx::query("insert into tags (organization_id, name) values ($1, 'Mine')")
        .bind(org)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("update actions set title = 'Renamed' where organization_id = $1 and status = 'published'")
        .bind(org)
        .execute(&app.pool)
        .await
        .unwrap();
    // An unrelated organization and account, which a reset must never touch.
    let (other, _) = app.user("Other").await;
    let other_org = app.org(&other, "Not the demo").await;

    assert_eq!(demo::seed(&app.pool).await.unwrap(), code, "a restart re-seeds nothing");
    assert_eq!(demo_org(&app).await, org);
    assert_eq!(count(&app, "select count(*) from tags where organization_id = $1 and name = 'Mine'", org).await, 1);
    assert_eq!(
        count(&app, "select count(*) from actions where organization_id = $1 and title = 'Renamed'", org).await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from contacts c join contact_lists l on l.id = c.list_id where l.organization_id = $1",
            org
        )
        .await,
        demo::CONTACTS as i64
    );

    demo::reset(&app.pool).await.unwrap();
    demo::seed(&app.pool).await.unwrap();
    let fresh = demo_org(&app).await;
    assert_ne!(fresh, org);
    assert_eq!(count(&app, "select count(*) from organizations where id = $1", org).await, 0);
    assert_eq!(count(&app, "select count(*) from tags where organization_id = $1 and name = 'Mine'", fresh).await, 0);
    assert_eq!(
        count(&app, "select count(*) from actions where organization_id = $1 and title = 'Renamed'", fresh).await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from organizations where id = $1::uuid", Uuid::parse_str(&other_org).unwrap())
            .await,
        1
    );
    // The demo logins work again with their printed passwords.
    signed_in(&app, &demo::LOGINS[0]).await;
    signed_in(&app, &demo::LOGINS[1]).await;
}

#[tokio::test]
async fn healthz_answers_while_the_process_runs_and_readyz_checks_the_database_and_migrations() {
    let app = spawn_app().await;
    let c = client();
    let res = c.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = c.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: serde_json::Value = res.json().await.unwrap();
    let newest: i64 =
        sqlx::query_scalar("select max(version) from _sqlx_migrations").fetch_one(&app.pool).await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["migration"], newest);

    // A database a migration behind this build (an upgrade half way): not ready.
    sqlx::query("update _sqlx_migrations set success = false where version = $1")
        .bind(newest)
        .execute(&app.pool)
        .await
        .unwrap();
    let res = c.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "migrations pending");
    assert_eq!(body["expected"], newest);
    // The process itself is still alive.
    assert_eq!(c.get(format!("{}/healthz", app.address)).send().await.unwrap().status(), StatusCode::OK);

    // The database gone: not ready, without any detail of why.
    app.pool.close().await;
    let res = c.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.text().await.unwrap(), r#"{"status":"database unavailable"}"#);
    assert_eq!(c.get(format!("{}/healthz", app.address)).send().await.unwrap().status(), StatusCode::OK);
}
