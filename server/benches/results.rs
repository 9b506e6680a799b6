//! `cargo bench -p server --bench results`: an action of 1,000,000 contacts texted by 500
//! volunteers, with 3,000,000 messages (every contact's first text, a reply and a follow-up),
//! delivery failures, tags, survey answers and reports. Prints how long the results page's data
//! takes to load (`BENCH results`), and how fast the contacts and messages exports stream with
//! the process's peak memory (`BENCH export`).
//!
//! The rows are bulk-loaded with triggers off and the running counts rebuilt once with
//! `recount_action` (also timed): the page itself only ever reads the counts.
//! `RESULTS_CONTACTS`, `RESULTS_VOLUNTEERS` and `RESULTS_CALLS` change the shape.

mod common;

use app::server::db::{exports, results};
use std::io::Write;
use std::time::Instant;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Bytes written, nothing kept: the export's own memory is what is measured.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process's peak and current resident memory (MB), from /proc.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let contacts = env("RESULTS_CONTACTS", 1_000_000) as i64;
    let volunteers = env("RESULTS_VOLUNTEERS", 500) as i64;
    let calls = env("RESULTS_CALLS", 300) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let bench = common::setup(0).await;
        let (org, action) = (bench.org, bench.action);
        let loaded = Instant::now();
        let mut db = bench.pool.acquire().await.unwrap();
        // Bulk load: no triggers (and so no per-row foreign-key checks or counts).
        for sql in [
            "set session_replication_role = replica",
            "insert into users (id, email, display_name, password_hash)
             select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'v' || g || '@example.org', 'Volunteer ' || g, 'x'
             from generate_series(1, $3) g",
            "insert into memberships (organization_id, user_id, role)
             select $1, ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'volunteer' from generate_series(1, $3) g",
            "insert into tags (organization_id, name) values ($1, 'Supporter'), ($1, 'Undecided')",
            "insert into custom_fields (organization_id, name) values ($1, 'Top issue')",
            "select opt_out_tag($1)",
            r#"update actions set script_tree = '{"question":"Can we count on your vote?","answers":[
                 {"id":"yes","label":"Yes","body":"Great!","question":"Need a ride?","answers":[{"id":"ride","label":"Needs a ride","body":"We will call."}]},
                 {"id":"no","label":"No","body":"Thanks anyway."}]}'
               where id = $2"#,
            "insert into contacts (list_id, phone, first_name, last_name, time_zones)
             select (select contact_list_id from actions where id = $2), '+1312' || lpad((3000000 + g)::text, 7, '0'),
                    'Ana', 'Contact ' || g, '{America/Chicago}'
             from generate_series(1, $4) g",
            "insert into conversations (organization_id, action_id, contact_id, contact_phone, volunteer_id, sender_phone,
                                        claimed_at, initial_sent_at, last_outbound_at, last_inbound_at, archived_at)
             select $1, $2, c.id, c.phone, ('00000000-0000-4000-8000-' || lpad((1 + c.id % $3)::text, 12, '0'))::uuid, '+13120000001',
                    now() - interval '2 days', now() - interval '2 days' + (c.id % 86400) * interval '1 second',
                    now() - interval '1 day' + (c.id % 3600) * interval '1 second',
                    now() - interval '1 day' + (c.id % 7200) * interval '1 second',
                    case when c.id % 3 = 0 then now() end
             from contacts c where c.list_id = (select contact_list_id from actions where id = $2)",
            // Every contact: the first text (5% undelivered), a reply, a follow-up from the script.
            "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status, error_code, sent_by, created_at, pressed_at, press_session)
             select $1, id, 'outbound', 'initial', 'Hi Ana, can we count on your vote?', contact_phone, sender_phone,
                    case when id % 20 = 0 then 'undelivered' else 'delivered' end,
                    case when id % 20 = 0 then (array[30003, 30007, 30006])[1 + id % 3] end, volunteer_id, initial_sent_at,
                    initial_sent_at, repeat('b', 64)
             from conversations where action_id = $2",
            "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status, created_at)
             select $1, id, 'inbound', 'inbound', case when id % 50 = 0 then 'STOP' else 'Yes, count me in' end, sender_phone, contact_phone, 'received', last_inbound_at
             from conversations where action_id = $2",
            "insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status, sent_by, script_node, created_at, pressed_at, press_session)
             select $1, id, 'outbound', 'reply', 'Great!', contact_phone, sender_phone, 'delivered', volunteer_id,
                    case when id % 2 = 0 then 'yes' else 'no' end, last_outbound_at, last_outbound_at, repeat('b', 64)
             from conversations where action_id = $2",
            "insert into survey_answers (conversation_id, question_node, question, answer_node, answer)
             select id, '', 'Can we count on your vote?', case when id % 2 = 0 then 'yes' else 'no' end, case when id % 2 = 0 then 'Yes' else 'No' end
             from conversations where action_id = $2",
            "insert into conversation_tags (conversation_id, tag_id)
             select c.id, t.id from conversations c join tags t on t.organization_id = $1 and t.name = 'Supporter'
             where c.action_id = $2 and c.id % 2 = 0",
            "insert into conversation_tags (conversation_id, tag_id)
             select c.id, opt_out_tag($1) from conversations c where c.action_id = $2 and c.id % 50 = 0",
            "insert into conversation_fields (conversation_id, field_id, value)
             select c.id, f.id, (array['Housing', 'Schools', 'Jobs'])[1 + c.id % 3]
             from conversations c join custom_fields f on f.organization_id = $1 where c.action_id = $2 and c.id % 5 = 0",
            "insert into reports (organization_id, conversation_id, volunteer_id, submitted_at)
             select $1, id, volunteer_id, last_outbound_at from conversations where action_id = $2 and id % 4 = 0",
            "set session_replication_role = origin",
            "analyze",
        ] {
            // Our own ids and numbers, written in: each statement uses a different subset.
            let sql = sql
                .replace("$1", &format!("'{org}'::uuid"))
                .replace("$2", &format!("'{action}'::uuid"))
                .replace("$3", &volunteers.to_string())
                .replace("$4", &contacts.to_string());
            sqlx::raw_sql(&sql).execute(&mut *db).await.unwrap();
        }
        drop(db);
        let load_s = loaded.elapsed().as_secs_f64();
        let messages: i64 = sqlx::query_scalar("select count(*) from messages").fetch_one(&bench.pool).await.unwrap();
        let recounting = Instant::now();
        sqlx::query("select recount_action($1)").bind(action).execute(&bench.pool).await.unwrap();
        let recount_s = recounting.elapsed().as_secs_f64();
        println!("BENCH results_setup contacts={contacts} messages={messages} volunteers={volunteers} load_s={load_s:.1} recount_s={recount_s:.1}");

        // The page's data, as the server function loads it.
        let check = results::results(&bench.pool, org, action).await.unwrap();
        assert_eq!(check.messages.initial_sent, contacts);
        assert_eq!(check.volunteers.len() as i64, volunteers.min(contacts));
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let t = Instant::now();
            let r = results::results(&bench.pool, org, action).await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(r.messages.replies, contacts);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "BENCH results calls={calls} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times[times.len() - 1]
        );

        // The exports, streamed page by page into a sink.
        let (_, rss_before) = memory();
        let t = Instant::now();
        let mut out = Counter(0);
        let rows = exports::write_contacts(&bench.pool, org, action, &mut out).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let (peak, rss_after) = memory();
        println!(
            "BENCH export file=contacts rows={rows} mb={:.0} rows_per_sec={:.0} peak_rss_mb={peak:.0} rss_before_mb={rss_before:.0} rss_after_mb={rss_after:.0}",
            out.0 as f64 / 1e6,
            rows as f64 / secs
        );
        let t = Instant::now();
        let mut out = Counter(0);
        let rows = exports::write_messages(&bench.pool, org, action, &mut out).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let (peak, rss_after) = memory();
        println!(
            "BENCH export file=messages rows={rows} mb={:.0} rows_per_sec={:.0} peak_rss_mb={peak:.0} rss_after_mb={rss_after:.0}",
            out.0 as f64 / 1e6,
            rows as f64 / secs
        );
    });
}
