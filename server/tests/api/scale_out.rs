//! Past one machine: three `server` processes on one database behind a round-robin proxy,
//! fifty volunteers claiming and sending through it, the carrier simulator posting status
//! callbacks and replies to whichever process the proxy picks, and one process killed with
//! SIGKILL mid-run. What must hold, checked against the database and what the carrier got.

use crate::cluster::{browser, busiest_second, call, campaign, start_proxy, volunteer, Caps, Process, FROM};
use crate::helpers::spawn_app;
use crate::messaging::zone;
use reqwest::StatusCode;
use server::carrier_simulator::{CallbackKind, CarrierSimulator, SimulatorConfig};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const PROCESSES: usize = 3;
const VOLUNTEERS: usize = 50;
const CONTACTS: usize = 400;
const CAPS: Caps = Caps { org_per_sec: 40, number_per_sec: 40 };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_behind_a_proxy_share_the_work_without_doubles_and_survive_losing_one() {
    // The database, migrated (the app this helper starts in-process is not used).
    let db = spawn_app().await;
    let pool = db.pool.clone();
    let ports: Vec<u16> = (0..PROCESSES).map(|_| crate::cluster::free_port()).collect();
    let backends = ports.iter().map(|p| std::net::SocketAddr::from(([127, 0, 0, 1], *p))).collect();
    let (public, _proxy) = start_proxy(backends).await;

    let mut sim_config = SimulatorConfig {
        // Replies (a STOP among the bodies) and duplicated callbacks go to the proxy, so to any process.
        inbound_url: Some(format!("{public}/webhooks/twilio/inbound")),
        reply_rate: 0.3,
        duplicate_rate: 0.2,
        status_delay: Duration::from_millis(30),
        ..SimulatorConfig::default()
    };
    sim_config.seed = 15;
    let (sim, sim_base) = CarrierSimulator::start(sim_config.clone()).await.unwrap();

    let mut processes: Vec<Process> = Vec::new();
    for port in &ports {
        let mut p = Process::start_on(*port, &db.database_url, &sim_config, &sim_base, &public, &CAPS);
        p.wait_ready().await;
        processes.push(p);
    }

    let campaign = campaign(&public, &pool, VOLUNTEERS, CONTACTS, 4, zone(true)).await;

    // Sessions live in the database: the admin's cookie is good on every process, directly.
    for p in &processes {
        let (status, me) = call(&format!("http://{}", p.address()), &campaign.admin, "me", &[]).await.unwrap();
        assert_eq!(status, StatusCode::OK, "process {}: {me}", p.port);
        assert!(me.to_string().contains("Admin"), "{me}");
    }

    let started = Instant::now();
    let runs: Vec<_> = campaign
        .volunteers
        .iter()
        .map(|c| tokio::spawn(volunteer(public.clone(), c.clone(), campaign.org.clone(), campaign.action.clone())))
        .collect();

    // A third of the way through the volunteers' sends, the second process dies (SIGKILL: no
    // shutdown code runs), with requests, sends and callbacks in flight.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let queued: i64 = sqlx::query_scalar("select count(*) from messages where direction = 'outbound'")
            .fetch_one(&pool)
            .await
            .unwrap();
        if queued >= CONTACTS as i64 / 3 {
            break;
        }
        assert!(Instant::now() < deadline, "the volunteers sent {queued} in two minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    processes[1].child.kill().await.unwrap();
    let at_kill = sim.received_messages().len();
    println!("killed process 2 after {at_kill} texts reached the carrier");

    let mut latencies = Vec::new();
    for run in runs {
        latencies.extend(run.await.expect("a volunteer's run failed"));
    }
    // The dead process's claim on a message it was sending would be taken back when its lease
    // ends (two minutes); end it now, as the clock would then.
    sqlx::query("update messages set next_attempt_at = now() where status = 'sending'").execute(&pool).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let settled: i64 = sqlx::query_scalar(
            "select count(*) from messages where direction = 'outbound' and kind = 'initial' and twilio_sid is not null",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if settled == CONTACTS as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "{settled} of {CONTACTS} texts settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "{CONTACTS} texts by {VOLUNTEERS} volunteers through {PROCESSES} processes in {seconds:.1} s; send p99 {:?}",
        latencies[latencies.len() * 99 / 100]
    );

    // No contact double-assigned: one conversation per contact, held by one volunteer who
    // texted it.
    let (conversations, holders, texted): (i64, i64, i64) = sqlx::query_as(
        r#"select count(*), count(distinct contact_id), count(*) filter (where volunteer_id is not null and initial_sent_at is not null)
           from conversations where action_id = $1::uuid"#,
    )
    .bind(&campaign.action)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((conversations, holders, texted), (CONTACTS as i64, CONTACTS as i64, CONTACTS as i64));
    let sent_by_someone_else: i64 = sqlx::query_scalar(
        r#"select count(*) from messages m join conversations c on c.id = m.conversation_id
           where m.kind = 'initial' and m.sent_by is distinct from c.volunteer_id"#,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(sent_by_someone_else, 0);

    // No message sent twice, none lost: the carrier took exactly one initial text per contact.
    let mut per_contact: HashMap<String, usize> = HashMap::new();
    for m in sim.received_messages().iter().filter(|m| m.body.starts_with("Hi ")) {
        *per_contact.entry(m.to.clone()).or_default() += 1;
    }
    let twice: Vec<_> = per_contact.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "texted twice: {twice:?}");
    assert_eq!(per_contact.len(), CONTACTS, "contacts texted");
    for phone in &campaign.phones {
        assert!(per_contact.contains_key(phone), "{phone} was never texted");
    }

    // The caps held across the processes (one number, so both caps apply to every text).
    let busiest = busiest_second(&sim, Some(FROM));
    assert!(busiest <= CAPS.org_per_sec as usize, "{busiest} texts in one second, cap {}", CAPS.org_per_sec);
    assert!(seconds >= CONTACTS as f64 / CAPS.org_per_sec as f64 - 1.0, "{CONTACTS} texts in {seconds:.1} s");

    // Every webhook a process acknowledged is in the database, whichever process took it; a
    // reply answered 2xx is never lost (the in-flight ones at the kill were refused, and
    // Twilio's record of them is the simulator's).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let acknowledged: std::collections::HashSet<String> = sim
        .callbacks_sent()
        .into_iter()
        .filter(|c| {
            matches!(c.kind, CallbackKind::Inbound) && c.response_status.is_some_and(|s| (200..300).contains(&s))
        })
        .filter_map(|c| c.params.iter().find(|(k, _)| k == "MessageSid").map(|(_, v)| v.clone()))
        .collect();
    assert!(!acknowledged.is_empty(), "no replies came back");
    let stored: Vec<String> = sqlx::query_scalar("select twilio_sid from messages where direction = 'inbound'")
        .fetch_all(&pool)
        .await
        .unwrap();
    let missing: Vec<&String> = acknowledged.iter().filter(|sid| !stored.contains(sid)).collect();
    assert!(missing.is_empty(), "acknowledged replies not stored: {missing:?}");
    // STOP replies opted their numbers out, once each.
    let stops: i64 = sqlx::query_scalar("select count(*) from messages where direction = 'inbound' and body = 'STOP'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let opted_out: i64 = sqlx::query_scalar("select count(*) from opt_outs").fetch_one(&pool).await.unwrap();
    assert_eq!(stops, opted_out);

    // The surviving processes are still serving, and still ready.
    for (i, p) in processes.iter_mut().enumerate() {
        if i == 1 {
            continue;
        }
        assert!(p.child.try_wait().unwrap().is_none(), "process {} exited", p.port);
        let res = browser().get(format!("http://{}/readyz", p.address())).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    for p in processes {
        let _ = std::fs::remove_file(&p.log);
    }
}
