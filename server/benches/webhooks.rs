//! `cargo bench -p server --bench webhooks`: signed inbound messages and status callbacks
//! posted to the running app over HTTP by concurrent clients.

mod common;

use app::server::config::TwilioCredentials;
use server::twilio::signature;
use server::Application;
use std::sync::Arc;
use std::time::Instant;

const REQUESTS: usize = 20_000;
const CLIENTS: usize = 32;
const TOKEN: &str = "bench-token";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let bench = common::setup(1_000).await;
        // As a live action has them: the conversations in batches of 50, each batch with its own
        // volunteer (20 of them), not all a single volunteer's.
        sqlx::query(
            r#"with vols as (
                   insert into users (id, email, display_name, password_hash)
                   select gen_random_uuid(), 'bench' || g || '@example.org', 'V', 'x' from generate_series(1, 20) g
                   returning id
               ), joined as (
                   insert into memberships (organization_id, user_id, role) select $1, id, 'volunteer' from vols
                   returning user_id
               ), numbered as (select user_id, row_number() over () - 1 as i from joined)
               update conversations c set volunteer_id = n.user_id
               from numbered n where (c.id / 50) % 20 = n.i"#,
        )
        .bind(bench.org)
        .execute(&bench.pool)
        .await
        .unwrap();
        // Messages with SIDs for the status callbacks to find.
        let setup = Instant::now();
        sqlx::query(
            "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status, twilio_sid)
             select c.organization_id, c.id, 'outbound', 'initial', 'Hi', c.contact_phone, c.sender_phone, 'queued', 'SM' || lpad(c.id::text, 32, '0')
             from conversations c",
        )
        .execute(&bench.pool)
        .await
        .unwrap();
        let setup_seconds = setup.elapsed().as_secs_f64();
        let mut config = app::server::Config::from_env().unwrap();
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.public_base_url = "http://bench.test".into();
        config.twilio = Some(TwilioCredentials {
            account_sid: "ACbench".into(),
            auth_token: TOKEN.into(),
            api_base: "http://127.0.0.1:9".into(),
            messaging_base: "http://127.0.0.1:9".into(),
            messaging_service_sid: None,
            from_number: None,
        });
        let app = Application::build(config, bench.pool.clone()).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until(std::future::pending()));
        let conversations: Vec<(i64, String)> =
            sqlx::query_as("select id, contact_phone from conversations order by id").fetch_all(&bench.pool).await.unwrap();
        let conversations = Arc::new(conversations);
        let client = reqwest::Client::new();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..CLIENTS {
            let (client, address, conversations) = (client.clone(), address.clone(), conversations.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                for i in (worker..REQUESTS).step_by(CLIENTS) {
                    let (id, phone) = &conversations[i % conversations.len()];
                    // Alternate status callbacks and inbound replies.
                    let (path, params) = if i % 2 == 0 {
                        ("/webhooks/twilio/status", vec![
                            ("MessageSid".to_string(), format!("SM{id:032}")),
                            ("MessageStatus".to_string(), if i % 4 == 0 { "sent" } else { "delivered" }.to_string()),
                            ("AccountSid".to_string(), "ACbench".to_string()),
                        ])
                    } else {
                        ("/webhooks/twilio/inbound", vec![
                            ("MessageSid".to_string(), format!("SMin{i:030}")),
                            ("AccountSid".to_string(), "ACbench".to_string()),
                            ("From".to_string(), phone.clone()),
                            ("To".to_string(), "+13122000001".to_string()),
                            ("Body".to_string(), "Yes, I'll be there!".to_string()),
                        ])
                    };
                    let sig = signature(TOKEN, &format!("http://bench.test{path}"), &params);
                    let t = Instant::now();
                    let res = client.post(format!("{address}{path}")).header("X-Twilio-Signature", sig).form(&params).send().await.unwrap();
                    assert!(res.status().is_success(), "{}", res.status());
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                latencies
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.unwrap());
        }
        let seconds = started.elapsed().as_secs_f64();
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let baseline = common::baseline_commits_per_sec(&bench.url).await;
        let rate = REQUESTS as f64 / seconds;
        println!(
            "BENCH webhooks requests={REQUESTS} clients={CLIENTS} seconds={seconds:.2} req_per_sec={rate:.0} p50_ms={:.2} p99_ms={:.2} setup_seconds={setup_seconds:.2} baseline_commits_per_sec={baseline:.0} ratio={:.3}",
            common::percentile(&latencies, 0.5),
            common::percentile(&latencies, 0.99),
            rate / baseline
        );
        bench.pool.close().await;
        bench.pg.stop();
    });
}
