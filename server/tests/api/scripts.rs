//! Data (tags, custom fields), the branched script and report settings of an action.

use crate::helpers::{spawn_app, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// An organization with a list that has a `ward` field, and a draft action on that list.
async fn setup(app: &TestApp) -> (Client, String, String) {
    let (admin, _) = app.user("Admin").await;
    let org = app.org(&admin, "Campaign").await;
    let list = uuid::Uuid::new_v4();
    sqlx::query("insert into contact_lists (id, organization_id, name, contact_count, custom_fields) values ($1, $2::uuid, 'L', 1, '{ward}')")
        .bind(list)
        .bind(&org)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("insert into contacts (list_id, phone, first_name, custom) values ($1, '+13125550201', 'Ana', '{\"ward\": \"3\"}')")
        .bind(list)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, action) = app.call(&admin, "create_action", &[("org_id", &org), ("title", "GOTV")]).await;
    assert_eq!(status, StatusCode::OK, "{action}");
    let action = action.as_str().unwrap().to_string();
    let (status, body) = app
        .call(
            &admin,
            "save_action",
            &[("org_id", &org), ("action_id", &action), ("title", "GOTV"), ("contact_list_id", &list.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (admin, org, action)
}

async fn create_item(app: &TestApp, admin: &Client, org: &str, kind: &str, name: &str) -> (StatusCode, Value) {
    app.call(admin, "create_data_item", &[("org_id", org), ("kind", kind), ("name", name)]).await
}

async fn new_item(app: &TestApp, admin: &Client, org: &str, kind: &str, name: &str) -> i64 {
    let (status, id) = create_item(app, admin, org, kind, name).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    id.as_i64().unwrap()
}

fn tree(tag: i64, field: i64) -> Value {
    json!({
        "question": "Can we count on your vote?",
        "answers": [
            {
                "id": "yes", "label": "Yes", "body": "Great, {firstName}! Need a ride?",
                "question": "Need a ride?",
                "answers": [
                    {"id": "yes-ride", "label": "Needs a ride", "body": "We'll call you about a ride to ward {custom:ward}.",
                     "tags": [tag], "field_values": [{"field_id": field, "value": "ride"}]}
                ]
            },
            {"id": "no", "label": "No", "body": "Thanks anyway."}
        ],
        "standalone": [{"id": "wrong", "label": "Wrong number", "body": "Sorry to bother you!"}]
    })
}

async fn save_script(app: &TestApp, admin: &Client, org: &str, action: &str, tree: &Value) -> (StatusCode, Value) {
    app.call(admin, "save_script", &[("org_id", org), ("action_id", action), ("tree", &tree.to_string())]).await
}

#[tokio::test]
async fn tags_and_fields_are_created_renamed_and_deleted() {
    let app = spawn_app().await;
    let (admin, org, _) = setup(&app).await;

    // The Opt Out tag is there from the start and is protected.
    let (status, data) = app.call(&admin, "get_org_data", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::OK, "{data}");
    assert_eq!(data["tags"][0]["name"], "Opt Out");
    assert_eq!(data["tags"][0]["built_in"], true);
    let opt_out = data["tags"][0]["id"].as_i64().unwrap().to_string();
    let (status, body) = app
        .call(&admin, "rename_data_item", &[("org_id", &org), ("kind", "tag"), ("id", &opt_out), ("name", "Gone")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["Conflict"].as_str().unwrap().contains("built in"), "{body}");
    let (status, _) =
        app.call(&admin, "delete_data_item", &[("org_id", &org), ("kind", "tag"), ("id", &opt_out)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = create_item(&app, &admin, &org, "tag", "opt out").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let ride = new_item(&app, &admin, &org, "tag", "  Needs   a ride ").await;
    let (status, body) = create_item(&app, &admin, &org, "tag", "NEEDS A RIDE").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "name");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("already a tag named"), "{body}");
    let (status, _) = create_item(&app, &admin, &org, "tag", "   ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Tags and fields are separate lists: the same name is fine in each.
    let field = new_item(&app, &admin, &org, "field", "Needs a ride").await;
    let other = new_item(&app, &admin, &org, "field", "Best time").await;
    let (status, body) = app
        .call(
            &admin,
            "rename_data_item",
            &[("org_id", &org), ("kind", "field"), ("id", &other.to_string()), ("name", "needs A ride")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .call(
            &admin,
            "rename_data_item",
            &[("org_id", &org), ("kind", "field"), ("id", &other.to_string()), ("name", "Best time to call")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (_, data) = app.call(&admin, "get_org_data", &[("org_id", &org)]).await;
    let names = |list: &Value| {
        list.as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(names(&data["tags"]), vec!["Opt Out", "Needs a ride"]);
    assert_eq!(names(&data["fields"]), vec!["Best time to call", "Needs a ride"]);

    // Another organization's admin can neither see nor touch them.
    let (outsider, _) = app.user("Outsider").await;
    let elsewhere = app.org(&outsider, "Elsewhere").await;
    let (status, _) = app.call(&outsider, "get_org_data", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .call(&outsider, "delete_data_item", &[("org_id", &elsewhere), ("kind", "tag"), ("id", &ride.to_string())])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(
            &outsider,
            "rename_data_item",
            &[("org_id", &elsewhere), ("kind", "field"), ("id", &field.to_string()), ("name", "Mine")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, theirs) = app.call(&outsider, "get_org_data", &[("org_id", &elsewhere)]).await;
    assert_eq!(names(&theirs["tags"]), vec!["Opt Out"]);
    assert_eq!(names(&theirs["fields"]), Vec::<String>::new());

    let (status, body) =
        app.call(&admin, "delete_data_item", &[("org_id", &org), ("kind", "field"), ("id", &field.to_string())]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, data) = app.call(&admin, "get_org_data", &[("org_id", &org)]).await;
    assert_eq!(names(&data["fields"]), vec!["Best time to call"]);
}

#[tokio::test]
async fn a_branched_script_is_saved_checked_and_reloaded() {
    let app = spawn_app().await;
    let (admin, org, action) = setup(&app).await;
    let tag = new_item(&app, &admin, &org, "tag", "Needs a ride").await;
    let field = new_item(&app, &admin, &org, "field", "Transport").await;

    let sent = tree(tag, field);
    let (status, body) = save_script(&app, &admin, &org, &action, &sent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = app.call(&admin, "get_script", &[("org_id", &org), ("action_id", &action)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let expected: app::domain::script_tree::ScriptTree = serde_json::from_value(sent.clone()).unwrap();
    let got: app::domain::script_tree::ScriptTree = serde_json::from_value(page["tree"].clone()).unwrap();
    assert_eq!(got, expected);
    assert_eq!(page["editable"], true);
    assert_eq!(page["list_fields"], json!(["ward"]));
    assert_eq!(page["sample"]["contact_first_name"], "Ana");
    assert_eq!(page["sample_from_list"], true);

    // A problem names the node (id and path) and the box; nothing is stored.
    let mut bad = sent.clone();
    bad["answers"][0]["answers"][0]["body"] = json!("Hi {frstName}");
    let (status, body) = save_script(&app, &admin, &org, &action, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "script:yes-ride:body");
    assert!(body["Invalid"]["message"].as_str().unwrap().starts_with("Yes → Needs a ride (body)"), "{body}");

    let mut bad = sent.clone();
    bad["answers"][1]["label"] = json!("");
    let (status, body) = save_script(&app, &admin, &org, &action, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "script:no:label");

    // A tag of another organization (or none at all) is refused.
    let (outsider, _) = app.user("Outsider").await;
    let elsewhere = app.org(&outsider, "Elsewhere").await;
    let foreign = new_item(&app, &outsider, &elsewhere, "tag", "Theirs").await;
    let (status, body) = save_script(&app, &admin, &org, &action, &tree(foreign, field)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "script:yes-ride:tags");

    let (status, body) =
        app.call(&admin, "save_script", &[("org_id", &org), ("action_id", &action), ("tree", "{oops")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "script");

    // The other organization cannot read or write it.
    let (status, _) = app.call(&outsider, "get_script", &[("org_id", &org), ("action_id", &action)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = save_script(&app, &outsider, &elsewhere, &action, &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, page) = app.call(&admin, "get_script", &[("org_id", &org), ("action_id", &action)]).await;
    let still: app::domain::script_tree::ScriptTree = serde_json::from_value(page["tree"].clone()).unwrap();
    assert_eq!(still, expected, "refused saves changed nothing");

    // A tag or field the script uses cannot be deleted from under it.
    let (status, body) =
        app.call(&admin, "delete_data_item", &[("org_id", &org), ("kind", "tag"), ("id", &tag.to_string())]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["Conflict"].as_str().unwrap().contains("GOTV"), "{body}");
    let (status, _) =
        app.call(&admin, "delete_data_item", &[("org_id", &org), ("kind", "field"), ("id", &field.to_string())]).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn live_actions_keep_their_script_and_duplicates_copy_it() {
    let app = spawn_app().await;
    let (admin, org, action) = setup(&app).await;
    let tag = new_item(&app, &admin, &org, "tag", "Supporter").await;
    let field = new_item(&app, &admin, &org, "field", "Notes").await;
    let sent = tree(tag, field);
    assert_eq!(save_script(&app, &admin, &org, &action, &sent).await.0, StatusCode::OK);
    let (status, body) = app
        .call(
            &admin,
            "save_report_settings",
            &[
                ("org_id", &org),
                ("action_id", &action),
                ("tag_ids", &tag.to_string()),
                ("field_ids", &field.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    sqlx::query("update actions set status = 'published', published_at = now() where id = $1::uuid")
        .bind(&action)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = save_script(&app, &admin, &org, &action, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["Conflict"].as_str().unwrap().contains("Pause the action"), "{body}");
    let (status, _) =
        app.call(&admin, "save_report_settings", &[("org_id", &org), ("action_id", &action), ("tag_ids", "")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, page) = app.call(&admin, "get_script", &[("org_id", &org), ("action_id", &action)]).await;
    assert_eq!(page["editable"], false);

    let (status, copy) = app.call(&admin, "duplicate_action", &[("org_id", &org), ("action_id", &action)]).await;
    assert_eq!(status, StatusCode::OK, "{copy}");
    let (_, page) = app.call(&admin, "get_script", &[("org_id", &org), ("action_id", copy.as_str().unwrap())]).await;
    let expected: app::domain::script_tree::ScriptTree = serde_json::from_value(sent).unwrap();
    let got: app::domain::script_tree::ScriptTree = serde_json::from_value(page["tree"].clone()).unwrap();
    assert_eq!(got, expected);
    assert_eq!(page["report_tag_ids"], json!([tag]));
    assert_eq!(page["report_field_ids"], json!([field]));
    assert_eq!(page["editable"], true);
}

#[tokio::test]
async fn report_settings_take_only_the_organizations_ids() {
    let app = spawn_app().await;
    let (admin, org, action) = setup(&app).await;
    let tag = new_item(&app, &admin, &org, "tag", "Supporter").await;
    let (outsider, _) = app.user("Outsider").await;
    let elsewhere = app.org(&outsider, "Elsewhere").await;
    let foreign = new_item(&app, &outsider, &elsewhere, "field", "Theirs").await;

    let (status, body) = app
        .call(
            &admin,
            "save_report_settings",
            &[
                ("org_id", &org),
                ("action_id", &action),
                ("tag_ids", &tag.to_string()),
                ("field_ids", &foreign.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "field_ids");
    let (status, body) =
        app.call(&admin, "save_report_settings", &[("org_id", &org), ("action_id", &action), ("tag_ids", "1,x")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "tag_ids");

    // Deleting a tag takes it out of report settings.
    let (status, _) = app
        .call(
            &admin,
            "save_report_settings",
            &[("org_id", &org), ("action_id", &action), ("tag_ids", &tag.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        app.call(&admin, "delete_data_item", &[("org_id", &org), ("kind", "tag"), ("id", &tag.to_string())]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = app.call(&admin, "get_script", &[("org_id", &org), ("action_id", &action)]).await;
    assert_eq!(page["report_tag_ids"], json!([]));
}
