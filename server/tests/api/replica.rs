//! The read pool on a real streaming replica: a primary and a standby made with Debian's own
//! PostgreSQL binaries (`pg_basebackup -R`), the app's results page and exports reading from
//! the standby while everything else writes to the primary.

use crate::cluster::browser;
use crate::helpers::test_config;
use reqwest::StatusCode;
use server::embedded_postgres::{find_bin_dir, EmbeddedPostgres};
use server::{demo, startup, Application};
use sqlx::{Connection, PgConnection, PgPool};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Clusters of this test's own, stopped however the test ends.
struct Clusters(Vec<EmbeddedPostgres>);

impl Drop for Clusters {
    fn drop(&mut self) {
        for pg in self.0.iter().rev() {
            pg.stop();
        }
    }
}

fn as_postgres_user(program: &Path) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// A standby of `primary` in `root`: a base backup that streams its WAL and writes the standby
/// settings (`-R`), then started like any of our clusters.
fn start_standby(primary: &EmbeddedPostgres, root: &Path) -> EmbeddedPostgres {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root).unwrap();
    let socket = primary.url("postgres");
    let host = socket.split("host=").nth(1).unwrap().to_string();
    if Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0") {
        assert!(Command::new("chown").arg("postgres:").arg(root).status().unwrap().success());
    }
    let out = as_postgres_user(&find_bin_dir().unwrap().join("pg_basebackup"))
        .arg("-D")
        .arg(root.join("data"))
        .args(["-h", &host, "-U", "app", "-X", "stream", "-R", "-c", "fast"])
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&out.stderr));
    assert!(root.join("data/standby.signal").exists());
    EmbeddedPostgres::start(root, true).expect("start the standby")
}

async fn in_recovery(pool: &PgPool) -> bool {
    sqlx::query_scalar("select pg_is_in_recovery()").fetch_one(pool).await.unwrap()
}

/// Waits until the standby has replayed everything the primary has written so far.
async fn caught_up(primary: &PgPool, standby: &PgPool) {
    let target: String = sqlx::query_scalar("select pg_current_wal_lsn()::text").fetch_one(primary).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let behind: bool = sqlx::query_scalar("select pg_last_wal_replay_lsn() < $1::pg_lsn")
            .bind(&target)
            .fetch_one(standby)
            .await
            .unwrap();
        if !behind {
            return;
        }
        assert!(Instant::now() < deadline, "the standby did not catch up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn results(address: &str, client: &reqwest::Client, org: Uuid, action: Uuid) -> serde_json::Value {
    let res = client
        .post(format!("{address}/api/get_action_results"))
        .header("accept", "application/json")
        .form(&[("org_id", org.to_string()), ("action_id", action.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn messages_csv(address: &str, client: &reqwest::Client, action: Uuid) -> String {
    let res = client.get(format!("{address}/api/actions/{action}/export/messages.csv")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

#[tokio::test]
async fn results_and_exports_read_from_a_streaming_replica() {
    let base: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replica");
    let primary_root = base.join("primary");
    let primary =
        tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&primary_root, true)).await.unwrap().unwrap();
    let mut clusters = Clusters(vec![primary]);
    let mut admin = PgConnection::connect(&clusters.0[0].url("postgres")).await.unwrap();
    sqlx::query("drop database if exists replicated with (force)").execute(&mut admin).await.unwrap();
    sqlx::query("create database replicated").execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    let primary_pool = startup::connect(&clusters.0[0].url("replicated")).await.unwrap();
    // The demo organization gives the replica an action with a history to show.
    demo::seed(&primary_pool).await.unwrap();

    let standby = start_standby(&clusters.0[0], &base.join("standby"));
    clusters.0.push(standby);
    let standby_pool = startup::connect_read(&clusters.0[1].url("replicated")).await.unwrap();
    assert!(in_recovery(&standby_pool).await, "the second cluster is a standby");
    assert!(!in_recovery(&primary_pool).await);
    caught_up(&primary_pool, &standby_pool).await;

    let app = Application::build_with_reads(test_config(), primary_pool.clone(), standby_pool.clone()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    let (org, action): (Uuid, Uuid) = sqlx::query_as(
        "select organization_id, id from actions where status = 'published' and organization_id = (select id from organizations where name = $1)",
    )
    .bind(demo::DEMO_ORG)
    .fetch_one(&primary_pool)
    .await
    .unwrap();
    // Signing in writes a session: on the primary (a standby refuses writes).
    let client = browser();
    let res = client
        .post(format!("{address}/api/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", demo::LOGINS[0].email), ("password", demo::LOGINS[0].password)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());

    let before = results(&address, &client, org, action).await;
    assert_eq!(before["messages"]["initial_sent"], demo::TEXTED as i64);
    let csv_before = messages_csv(&address, &client, action).await;
    assert!(csv_before.lines().count() > demo::TEXTED, "{} lines", csv_before.lines().count());

    // Hold the standby's replay, and let a contact reply on the primary: the page and the
    // export still show the standby's (older) data, which proves they read from it.
    sqlx::query("select pg_wal_replay_pause()").execute(&standby_pool).await.unwrap();
    sqlx::query(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status, twilio_sid)
           select c.organization_id, c.id, 'inbound', 'inbound', 'Replica check reply', c.sender_phone, c.contact_phone, 'received', 'SMreplica0001'
           from conversations c where c.action_id = $1 and c.initial_sent_at is not null and c.last_inbound_at is null
           order by c.id limit 1"#,
    )
    .bind(action)
    .execute(&primary_pool)
    .await
    .unwrap();
    let on_primary = app::server::db::results::results(&primary_pool, org, action).await.unwrap();
    assert_eq!(on_primary.messages.replies, before["messages"]["replies"].as_i64().unwrap() + 1);
    let during = results(&address, &client, org, action).await;
    assert_eq!(during["messages"]["replies"], before["messages"]["replies"], "the results page read the primary");
    assert!(
        !messages_csv(&address, &client, action).await.contains("Replica check reply"),
        "the export read the primary"
    );

    // Replay resumes: the reply reaches the page and the export.
    sqlx::query("select pg_wal_replay_resume()").execute(&standby_pool).await.unwrap();
    caught_up(&primary_pool, &standby_pool).await;
    // Replay may still be applying the commit it has received: give the page a few seconds.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let after = results(&address, &client, org, action).await;
        if after["messages"]["replies"].as_i64().unwrap() == on_primary.messages.replies {
            break;
        }
        assert!(Instant::now() < deadline, "the reply never reached the results page: {after}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(messages_csv(&address, &client, action).await.contains("Replica check reply"));

    standby_pool.close().await;
    primary_pool.close().await;
    drop(clusters);
}
