use crate::helpers::spawn_app;
use reqwest::StatusCode;

pub fn form<'a>(org: &'a str, overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("org_id", org),
        ("window_start", "10:00"),
        ("window_end", "20:30"),
        ("default_time_zone", "America/Chicago"),
        ("batch_size", "75"),
        ("preferred_area_codes", "312, 773"),
        ("contact_fallback_name", "neighbor"),
        ("sender_fallback_name", "a friend"),
        ("sms_price", "0.0079"),
        ("mms_price", "0.02"),
        ("carrier_fee", "0.003"),
        ("number_price", "1.15"),
        ("default_region", "ca"),
    ];
    for (k, v) in overrides {
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

#[tokio::test]
async fn defaults_then_a_saved_form_round_trips() {
    let app = spawn_app().await;
    let (admin, _) = app.user("Admin").await;
    let org = app.org(&admin, "Campaign").await;
    let (status, defaults) = app.call(&admin, "get_texting_settings", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(defaults["window_start"], "09:00");
    assert_eq!(defaults["window_end"], "21:00");
    assert_eq!(defaults["outbound_lock"], true);
    assert_eq!(defaults["disable_custom_responses"], false);
    assert_eq!(defaults["batch_size"], 50);

    // The checkbox for custom responses is ticked; outbound lock is left unticked (absent).
    let (status, saved) =
        app.call(&admin, "save_texting_settings", &form(&org, &[("disable_custom_responses", "on")])).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, read) = app.call(&admin, "get_texting_settings", &[("org_id", &org)]).await;
    assert_eq!(read, saved);
    assert_eq!(read["window_start"], "10:00");
    assert_eq!(read["window_end"], "20:30");
    assert_eq!(read["preferred_area_codes"], serde_json::json!([312, 773]));
    assert_eq!(read["outbound_lock"], false);
    assert_eq!(read["disable_custom_responses"], true);
    assert_eq!(read["sms_segment_price_micros"], 7_900);
    assert_eq!(read["default_region"], "CA");
}

#[tokio::test]
async fn an_invalid_field_is_named_and_nothing_is_saved() {
    let app = spawn_app().await;
    let (admin, _) = app.user("Admin").await;
    let org = app.org(&admin, "Campaign").await;
    for (field, value) in [
        ("window_end", "08:00"),
        ("default_time_zone", "Nowhere/Land"),
        ("batch_size", "9000"),
        ("preferred_area_codes", "12"),
        ("sms_price", "cheap"),
        ("default_region", "XX"),
    ] {
        let (status, body) = app.call(&admin, "save_texting_settings", &form(&org, &[(field, value)])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        let expected = if field == "window_end" { "window_end" } else { field };
        assert_eq!(body["Invalid"]["field"], expected, "{body}");
    }
    let (_, read) = app.call(&admin, "get_texting_settings", &[("org_id", &org)]).await;
    assert_eq!(read["batch_size"], 50, "nothing saved");
}

#[tokio::test]
async fn the_help_reply_is_saved_checked_and_defaults_when_left_empty() {
    let app = spawn_app().await;
    let (admin, _) = app.user("Admin").await;
    let org = app.org(&admin, "Campaign").await;
    let (_, defaults) = app.call(&admin, "get_texting_settings", &[("org_id", &org)]).await;
    assert_eq!(defaults["help_reply"], app::api::settings::DEFAULT_HELP_REPLY);
    let custom = "{organizationName}: we text about the election. Reply STOP to end.";
    let (status, saved) = app.call(&admin, "save_texting_settings", &form(&org, &[("help_reply", custom)])).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["help_reply"], custom);
    let (status, body) =
        app.call(&admin, "save_texting_settings", &form(&org, &[("help_reply", "Hi {firstName}!")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], "help_reply");
    let (_, saved) = app.call(&admin, "save_texting_settings", &form(&org, &[("help_reply", "  ")])).await;
    assert_eq!(saved["help_reply"], app::api::settings::DEFAULT_HELP_REPLY, "empty restores the default");
}
