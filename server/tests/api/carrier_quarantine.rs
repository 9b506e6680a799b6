//! Sender-level errors quarantine the sending number (migrations/0039): repeated 30007
//! (carrier filtering) takes it out of use, the admins see why, nothing is marked failed
//! meanwhile, and a release lets it send again. Against the simulator over HTTP.

use crate::messaging::SCRIPT;
use crate::outbox::{rig, FROM};
use server::carrier_simulator::Fault;
use server::outbox::Dispatch;
use std::time::Duration;

#[tokio::test]
async fn repeated_30007_quarantines_a_number_and_the_admins_see_it_until_they_release_it() {
    let rig = rig().await;
    let db = rig.world.app.pool.clone();
    let mut conversations = Vec::new();
    for i in 0..4 {
        let c = rig.world.conversation(&format!("+131255511{i:02}"), true, true).await;
        rig.world.send(&c, SCRIPT, &format!("k{i}")).await;
        conversations.push(c);
    }
    // Three texts in a row are filtered by the carrier (undelivered, 30007).
    rig.sim.inject_fault(Fault::Filtered, 3);
    for _ in 0..3 {
        assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    }
    let mut quarantined: Option<(i32, String)> = None;
    for _ in 0..300 {
        quarantined = sqlx::query_as("select error_code, reason from sender_quarantine where phone = $1")
            .bind(FROM)
            .fetch_optional(&db)
            .await
            .unwrap();
        if quarantined.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, reason) = quarantined.expect("the number is quarantined after the third 30007");
    assert_eq!(code, 30007);
    assert!(reason.contains(FROM) && reason.contains("30007"), "{reason}");
    let filtered: i64 =
        sqlx::query_scalar("select count(*) from messages where error_code = 30007").fetch_one(&db).await.unwrap();
    assert_eq!(filtered, 3);

    // The fourth text waits: the only number is out of use. Nothing is failed.
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Paused);
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Empty);
    let status: String =
        sqlx::query_scalar("select status from messages where to_phone = '+13125551103'").fetch_one(&db).await.unwrap();
    assert_eq!(status, "queued");
    assert_eq!(rig.sim.received_messages().len(), 3);

    // Every admin page shows it; a volunteer cannot see it.
    let (status, alerts) =
        rig.world.app.call(&rig.world.admin, "get_sending_alerts", &[("org_id", &rig.world.org)]).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{alerts}");
    assert_eq!(alerts["quarantined"][0][0], FROM, "{alerts}");
    assert!(alerts["paused"][0].as_str().unwrap().contains(FROM), "{alerts}");
    let since = alerts["quarantined"][0][2].as_str().unwrap();
    assert!(
        since.ends_with("EST") || since.ends_with("EDT") || since.ends_with("CST") || since.ends_with("CDT"),
        "in the organization's zone: {since}"
    );
    let page = rig
        .world
        .admin
        .get(format!("{}/o/{}/admin/settings", rig.world.app.address, rig.world.org))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("was taken out of use") && page.contains(FROM), "the banner is on the page");
    let (status, _) =
        rig.world.app.call(&rig.world.volunteer, "get_sending_alerts", &[("org_id", &rig.world.org)]).await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);

    // The admin fixed the registration and releases the number: the text goes.
    let (status, body) =
        rig.world.app.call(&rig.world.admin, "release_sender", &[("org_id", &rig.world.org), ("phone", FROM)]).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(rig.outbox.dispatch_one().await.unwrap(), Dispatch::Sent);
    assert_eq!(rig.sim.received_messages().len(), 4);
    let (_, alerts) = rig.world.app.call(&rig.world.admin, "get_sending_alerts", &[("org_id", &rig.world.org)]).await;
    assert_eq!(alerts["quarantined"].as_array().unwrap().len(), 0, "{alerts}");
    assert!(alerts["paused"].is_null(), "{alerts}");
}
