use crate::helpers::{spawn_app, TestApp};
use app::domain::csv_import::{preview, ColumnMapping, ColumnRole, TextEncoding};
use reqwest::{Client, StatusCode};
use serde_json::Value;

pub(crate) struct Imported {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) import_id: String,
}

/// Registers an import with the mapping the preview suggests (or `mapping`) and uploads `csv`.
pub(crate) async fn import(
    app: &TestApp,
    admin: &Client,
    org: &str,
    csv: &[u8],
    encoding: &str,
    mapping: Option<ColumnMapping>,
) -> Imported {
    let mapping = mapping.unwrap_or_else(|| {
        let enc = TextEncoding::parse(encoding).unwrap();
        let p = preview(csv, enc, 20, true).expect("preview");
        ColumnMapping::detect(&p.headers)
    });
    let (status, body) = app
        .call(
            admin,
            "start_import",
            &[
                ("org_id", org),
                ("name", "Test list"),
                ("mapping", &serde_json::to_string(&mapping).unwrap()),
                ("encoding", encoding),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "start_import: {body}");
    let import_id = body.as_str().unwrap().to_string();
    let res =
        admin.post(format!("{}/api/imports/{import_id}/upload", app.address)).body(csv.to_vec()).send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    Imported { status, body, import_id }
}

async fn admin_and_org(app: &TestApp) -> (Client, String) {
    let (admin, _) = app.user("Admin").await;
    let org = app.org(&admin, "Campaign").await;
    (admin, org)
}

async fn list_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from contact_lists").fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn an_import_normalises_dedupes_filters_and_counts() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let (_, vol_email) = app.volunteer(&admin, &org, "Vol").await;
    // One number of the organization is opted out already.
    sqlx::query("insert into opt_outs (organization_id, phone) values ($1::uuid, '+12025552143')")
        .bind(&org)
        .execute(&app.pool)
        .await
        .unwrap();
    let csv = format!(
        "First Name,Last Name,Cell Phone,ZIP,Ward,assigned_user_email\n\
         Ana,Lima,(202) 555-2101,20001,3,\n\
         Bo,Chen,202.555.2102,,4,{vol_email}\n\
         Cy,Dee,not a number,10001,5,\n\
         Di,Eve,,10001,6,\n\
         Ed,Fox,+1 202 555 2143,60601,7,\n\
         Flo,Gee,312-555-2104,,8,nobody@example.org\n\
         Ana,Lima-Second,2025552101,60601,9,\n"
    );
    let done = import(&app, &admin, &org, csv.as_bytes(), "utf-8", None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let summary = &done.body["summary"];
    assert_eq!(summary["rows"], 7);
    assert_eq!(summary["imported"], 2, "{summary}");
    assert_eq!(summary["duplicates"], 1);
    assert_eq!(summary["invalid_numbers"], 1);
    assert_eq!(summary["missing_numbers"], 1);
    assert_eq!(summary["opted_out"], 1);
    assert_eq!(summary["unknown_assignees"], 1);

    let list_id = done.body["list_id"].as_str().unwrap().to_string();
    let rows: Vec<(String, String, Vec<String>, Value, Option<String>)> = sqlx::query_as(
        r#"select c.phone, c.last_name, c.time_zones, c.custom, u.email::text
           from contacts c left join users u on u.id = c.assigned_user_id
           where c.list_id = $1::uuid order by c.phone"#,
    )
    .bind(&list_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    // The later "Ana" row won; its ZIP (Chicago) decides the zone over the 202 area code.
    assert_eq!(rows[0].0, "+12025552101");
    assert_eq!(rows[0].1, "Lima-Second");
    assert_eq!(rows[0].2, vec!["America/Chicago".to_string()]);
    assert_eq!(rows[0].3["ward"], "9");
    // No ZIP: the area code's zone; pre-assigned to the volunteer.
    assert_eq!(rows[1].0, "+12025552102");
    assert_eq!(rows[1].2, vec!["America/New_York".to_string()]);
    assert_eq!(rows[1].4.as_deref(), Some(vol_email.as_str()));
    // Each contact's state for the states' texting hours: the ZIP's (Illinois), else the area
    // code's (202 is Washington, DC).
    let states: Vec<Option<String>> =
        sqlx::query_scalar("select state from contacts where list_id = $1::uuid order by phone")
            .bind(&list_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(states, vec![Some("IL".to_string()), Some("DC".to_string())]);

    let (_, lists) = app.call(&admin, "contact_lists", &[("org_id", &org)]).await;
    assert_eq!(lists[0]["contact_count"], 2);
    assert_eq!(lists[0]["custom_fields"], serde_json::json!(["ward"]));

    // The rejected rows download as CSV, one per rejected row, with the reason.
    let res = admin.get(format!("{}/api/imports/{}/rejects.csv", app.address, done.import_id)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,reason,cell,first_name,last_name,zip,email,external_id,assigned_user,ward");
    assert_eq!(lines.len(), 1 + 5, "{text}");
    assert!(lines[1].starts_with("2,duplicate number"), "{text}");
    assert!(lines[2].starts_with("4,not a phone number (letters or symbols),not a number,Cy"), "{text}");
    assert!(lines[3].starts_with("5,no cell phone number,,Di"), "{text}");
    assert!(lines[4].starts_with("6,number opted out"), "{text}");
    assert!(lines[5].starts_with("7,assigned volunteer is not a member"), "{text}");
}

#[tokio::test]
async fn files_from_excel_are_read_as_meant() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("BOM and CRLF", b"\xEF\xBB\xBFcell,first_name\r\n2025552101,Ana\r\n2025552102,Bo\r\n".to_vec(), "utf-8"),
        ("quoted newlines", b"cell,note\n2025552101,\"two\nlines\"\n2025552102,\"a, b\"\n".to_vec(), "utf-8"),
        ("semicolons", b"cell;first_name\n2025552101;Ana\n2025552102;Bo\n".to_vec(), "utf-8"),
        ("tabs", b"cell\tfirst_name\n2025552101\tAna\n2025552102\tBo".to_vec(), "utf-8"),
        ("windows-1252", b"cell,first_name\n2025552101,Jos\xe9\n2025552102,Bo\n".to_vec(), "windows-1252"),
    ];
    for (what, csv, encoding) in cases {
        let done = import(&app, &admin, &org, &csv, encoding, None).await;
        assert_eq!(done.status, StatusCode::OK, "{what}: {}", done.body);
        assert_eq!(done.body["summary"]["imported"], 2, "{what}: {}", done.body);
    }
    let names: Vec<String> = sqlx::query_scalar("select first_name from contacts where first_name like 'Jos%'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(names, vec!["José".to_string()]);
    let note: String =
        sqlx::query_scalar("select custom->>'note' from contacts where custom ? 'note' and phone = '+12025552101'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(note, "two\nlines");
}

#[tokio::test]
async fn bad_files_fail_with_a_specific_error_and_leave_no_list() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let cell_mapping = |headers: &[&str]| {
        let mut m = ColumnMapping::detect(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        m.columns[0].role = ColumnRole::Cell;
        m
    };
    let mut long_line = b"cell,note\n2025552101,\"".to_vec();
    long_line.extend(std::iter::repeat_n(b'x', 1024 * 1024 + 100));
    long_line.extend_from_slice(b"\"\n");
    let cases: Vec<(&str, Vec<u8>, Option<ColumnMapping>, &str)> = vec![
        (
            "not UTF-8",
            b"cell,first_name\n2025552101,Ana\n2025552102,Jos\xe9\n".to_vec(),
            Some(cell_mapping(&["cell", "first_name"])),
            "Row 3, column \"first_name\" is not valid UTF-8",
        ),
        (
            "ragged",
            b"cell,first_name\n2025552101,Ana\n2025552102,Bo,extra\n".to_vec(),
            Some(cell_mapping(&["cell", "first_name"])),
            "Row 3 has 3 columns but the header has 2",
        ),
        ("line over 1 MB", long_line, Some(cell_mapping(&["cell", "note"])), "Row 2 is longer than 1 MB"),
        ("empty", Vec::new(), Some(cell_mapping(&["cell"])), "The file is empty"),
        ("header only", b"cell\n".to_vec(), Some(cell_mapping(&["cell"])), "no contacts"),
        (
            "header changed",
            b"phone,first\n2025552101,Ana\n".to_vec(),
            Some(cell_mapping(&["cell", "first_name"])),
            "header changed",
        ),
    ];
    for (what, csv, mapping, expected) in cases {
        let done = import(&app, &admin, &org, &csv, "utf-8", mapping).await;
        assert_eq!(done.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}", done.body);
        let message = done.body["error"].as_str().unwrap();
        assert!(message.contains(expected), "{what}: {message}");
        assert!(message.contains("Nothing was imported"), "{what}: {message}");
        let (_, status) =
            app.call(&admin, "get_import_status", &[("org_id", &org), ("import_id", &done.import_id)]).await;
        assert_eq!(status["state"], "failed", "{what}");
        assert_eq!(status["error"], message);
    }
    assert_eq!(list_count(&app).await, 0);
    let contacts: i64 = sqlx::query_scalar("select count(*) from contacts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(contacts, 0);
}

#[tokio::test]
async fn a_mapping_without_a_cell_column_is_refused_up_front() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let mapping = ColumnMapping::detect(&["name".to_string(), "town".to_string()]);
    let (status, body) = app
        .call(
            &admin,
            "start_import",
            &[
                ("org_id", &org),
                ("name", "x"),
                ("mapping", &serde_json::to_string(&mapping).unwrap()),
                ("encoding", "utf-8"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("No column can be the cell phone number"));
}

#[tokio::test]
async fn an_import_is_uploaded_once_and_can_be_cancelled_before() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let csv = b"cell\n2025552101\n";
    let done = import(&app, &admin, &org, csv, "utf-8", None).await;
    assert_eq!(done.status, StatusCode::OK);
    // A retried upload of the same import is refused, not imported twice.
    let again = admin
        .post(format!("{}/api/imports/{}/upload", app.address, done.import_id))
        .body(csv.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(list_count(&app).await, 1);

    let mapping = serde_json::to_string(&ColumnMapping::detect(&["cell".to_string()])).unwrap();
    let (_, id) = app
        .call(&admin, "start_import", &[("org_id", &org), ("name", "x"), ("mapping", &mapping), ("encoding", "utf-8")])
        .await;
    let id = id.as_str().unwrap();
    let (status, _) = app.call(&admin, "cancel_import", &[("org_id", &org), ("import_id", id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, st) = app.call(&admin, "get_import_status", &[("org_id", &org), ("import_id", id)]).await;
    assert_eq!(st["state"], "cancelled");
    let late = admin.post(format!("{}/api/imports/{id}/upload", app.address)).body(csv.to_vec()).send().await.unwrap();
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert_eq!(list_count(&app).await, 1);
}

#[tokio::test]
async fn only_the_organizations_admins_touch_its_lists() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let (volunteer, _) = app.volunteer(&admin, &org, "Vol").await;
    let (outsider, _) = app.user("Out").await;
    let done = import(&app, &admin, &org, b"cell\n2025552101\n", "utf-8", None).await;
    let list_id = done.body["list_id"].as_str().unwrap().to_string();
    for (who, client) in [("volunteer", &volunteer), ("outsider", &outsider)] {
        let (status, _) = app.call(client, "contact_lists", &[("org_id", &org)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        let (status, _) = app.call(client, "get_contact_page", &[("org_id", &org), ("list_id", &list_id)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        let res =
            client.get(format!("{}/api/imports/{}/rejects.csv", app.address, done.import_id)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
        let res = client
            .post(format!("{}/api/imports/{}/upload", app.address, done.import_id))
            .body("cell\n1\n")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
    }
    let anonymous = reqwest::Client::new();
    let res =
        anonymous.get(format!("{}/api/imports/{}/rejects.csv", app.address, done.import_id)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Another organization's admin cannot read this list through their own organization id.
    let other_org = app.org(&outsider, "Other").await;
    let (status, _) = app.call(&outsider, "get_contact_page", &[("org_id", &other_org), ("list_id", &list_id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_page_search_and_delete() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let mut csv = String::from("first_name,last_name,cell\n");
    for i in 0..120 {
        csv.push_str(&format!("Person{i},Family,202555{:04}\n", 1000 + i));
    }
    let done = import(&app, &admin, &org, csv.as_bytes(), "utf-8", None).await;
    let list_id = done.body["list_id"].as_str().unwrap().to_string();

    let (_, page) =
        app.call(&admin, "get_contact_page", &[("org_id", &org), ("list_id", &list_id), ("page", "2")]).await;
    assert_eq!(page["matching"], 120);
    assert_eq!(page["contacts"].as_array().unwrap().len(), 20);
    let (_, found) =
        app.call(&admin, "get_contact_page", &[("org_id", &org), ("list_id", &list_id), ("search", "person11")]).await;
    // Person11 and Person110..119.
    assert_eq!(found["matching"], 11);
    let (_, by_number) = app
        .call(&admin, "get_contact_page", &[("org_id", &org), ("list_id", &list_id), ("search", "(202) 555-1005")])
        .await;
    assert_eq!(by_number["matching"], 1);

    let (status, _) = app.call(&admin, "delete_contact_list", &[("org_id", &org), ("list_id", &list_id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list_count(&app).await, 0);
    let contacts: i64 = sqlx::query_scalar("select count(*) from contacts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(contacts, 0);
}

#[tokio::test]
async fn cancelling_a_running_import_rolls_it_back() {
    let app = spawn_app().await;
    let (admin, org) = admin_and_org(&app).await;
    let mapping = serde_json::to_string(&ColumnMapping::detect(&["cell".to_string()])).unwrap();
    let (_, id) = app
        .call(&admin, "start_import", &[("org_id", &org), ("name", "x"), ("mapping", &mapping), ("encoding", "utf-8")])
        .await;
    let id = id.as_str().unwrap().to_string();
    // The file arrives slowly: the header and some rows, then a pause long enough to cancel in.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let upload = tokio::spawn({
        let (client, url) = (admin.clone(), format!("{}/api/imports/{id}/upload", app.address));
        async move { client.post(url).body(body).send().await.unwrap() }
    });
    tx.send(Ok(b"cell\n3125552671\n3125552672\n".to_vec())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, _) = app.call(&admin, "cancel_import", &[("org_id", &org), ("import_id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The next chunk's progress report notices the cancellation.
    let _ = tx.send(Ok(b"3125552673\n".to_vec())).await;
    let _ = tx.send(Ok(b"3125552674\n".to_vec())).await;
    drop(tx);
    let res = upload.await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("cancelled"), "{body}");
    let (_, st) = app.call(&admin, "get_import_status", &[("org_id", &org), ("import_id", &id)]).await;
    assert_eq!(st["state"], "cancelled");
    assert_eq!(list_count(&app).await, 0);
}
