//! Pacing by segments, as carriers count them: a US long code sends 1 segment per second
//! (Twilio's 21611 and 30001 pages), so a 3-segment text takes three slots. Against the
//! simulator over HTTP, with several workers racing for the same number.

use crate::outbox::rig_with;
use app::domain::segments::Segments;
use server::outbox::{Dispatch, RateCaps};

#[tokio::test]
async fn a_long_code_never_exceeds_one_segment_per_second() {
    let caps = RateCaps { org_per_sec: 1000, number_per_sec: 1 };
    let rig = rig_with(caps).await;
    // 3, 1 and 2 segments (GSM-7: 153 characters per segment of a long text).
    let bodies = ["a".repeat(400), "Hi! STOP to opt out".to_string(), "b".repeat(200)];
    let segments: Vec<usize> = bodies.iter().map(|b| Segments::count(b).segments).collect();
    assert_eq!(segments, vec![3, 1, 2]);
    for (i, body) in bodies.iter().enumerate() {
        let c = rig.world.conversation(&format!("+131255512{i:02}"), true, true).await;
        sqlx::query(
            r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, sent_by, pressed_at, press_session, next_attempt_at)
               select c.organization_id, c.id, 'outbound', 'initial', $2, c.contact_phone,
                      (select user_id from memberships where organization_id = c.organization_id limit 1), now(), repeat('a', 64),
                      now() + make_interval(secs => $3)
               from conversations c where c.id = $1::bigint"#,
        )
        .bind(&c)
        .bind(body)
        // Claimed in this order.
        .bind(i as f64 * 0.001)
        .execute(&rig.world.app.pool)
        .await
        .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    let mut workers = Vec::new();
    for _ in 0..3 {
        let outbox = rig.worker(caps);
        workers.push(tokio::spawn(async move { while outbox.dispatch_one().await.unwrap() != Dispatch::Empty {} }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let mut taken = rig.sim.received_messages();
    assert_eq!(taken.len(), 3);
    taken.sort_by_key(|m| m.date_created);
    // Each send waits out the segments of the one before it (a few ms of request time aside).
    for pair in taken.windows(2) {
        let gap = (pair[1].date_created - pair[0].date_created).num_milliseconds();
        let owed = Segments::count(&pair[0].body).segments as i64 * 1000;
        assert!(gap >= owed - 100, "{} ms after a {}-segment text", gap, owed / 1000);
    }
    // In all: the last send starts no sooner than the segments before it allow.
    let span = (taken[2].date_created - taken[0].date_created).num_milliseconds();
    let owed: i64 = taken[..2].iter().map(|m| Segments::count(&m.body).segments as i64 * 1000).sum();
    assert!(span >= owed - 200, "{owed} ms of segments before the last send took only {span} ms");
}
