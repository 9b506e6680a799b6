use crate::helpers::{client, error_kind, spawn_app, unique_email, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn sign_up_signs_in_and_sign_out_signs_out() {
    let app = spawn_app().await;
    let (client, email) = app.user("Ana").await;

    let (status, me) = app.call(&client, "me", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], Value::String(email.clone()));
    assert_eq!(me["display_name"], "Ana");

    let (status, _) = app.call(&client, "sign_out", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = app.call(&client, "me", &[]).await;
    assert_eq!(me, Value::Null);

    let (status, body) =
        app.call(&client, "sign_in", &[("email", &email.to_uppercase()), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = app.call(&client, "me", &[]).await;
    assert_eq!(me["email"], Value::String(email));
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes() {
    let app = spawn_app().await;
    let (_, email) = app.user("Hash").await;
    let hash: String = sqlx::query_scalar("select password_hash from users where email = $1")
        .bind(&email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn sign_up_errors_name_the_field() {
    let app = spawn_app().await;
    let c = client();
    let cases = [
        (("", "a@example.org", PASSWORD), "display_name"),
        (("Ana", "not-an-email", PASSWORD), "email"),
        (("Ana", "a@example.org", "short"), "password"),
    ];
    for ((name, email, password), field) in cases {
        let (status, body) =
            app.call(&c, "sign_up", &[("display_name", name), ("email", email), ("password", password)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["Invalid"]["field"], field, "{body}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn one_account_per_email_whatever_the_case() {
    let app = spawn_app().await;
    let (_, email) = app.user("First").await;
    let (status, body) = app
        .call(
            &client(),
            "sign_up",
            &[("display_name", "Second"), ("email", &email.to_uppercase()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "email");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("already exists"));
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_clear_error() {
    let app = spawn_app().await;
    let (_, email) = app.user("Bo").await;
    let c = client();
    let (status, wrong) = app.call(&c, "sign_in", &[("email", &email), ("password", "not the password")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong["Invalid"]["message"], "Wrong e-mail or password. Check both and try again.");
    let (status, unknown) =
        app.call(&c, "sign_in", &[("email", &unique_email("nobody")), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown, wrong);
    let (_, me) = app.call(&c, "me", &[]).await;
    assert_eq!(me, Value::Null);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_but_not_others() {
    let app = spawn_app().await;
    let (_, email) = app.user("Target").await;
    let (_, other) = app.user("Other").await;
    let c = client();
    for _ in 0..5 {
        let (status, _) = app.call(&c, "sign_in", &[("email", &email), ("password", "guess guess")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password is refused while locked.
    let (status, body) = app.call(&c, "sign_in", &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry = body["RateLimited"]["retry_after_secs"].as_u64().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Another account from the same address still signs in.
    let (status, _) = app.call(&client(), "sign_in", &[("email", &other), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn many_failures_from_one_address_lock_that_address() {
    let app = spawn_app().await;
    let (_, email) = app.user("Victim").await;
    let c = client();
    // 30 failures spread over different accounts, so no single account is locked.
    for i in 0..30 {
        let target = format!("spray{i}@example.org");
        app.call(&c, "sign_in", &[("email", &target), ("password", "guess guess")]).await;
    }
    let (status, body) = app.call(&c, "sign_in", &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    let res = client()
        .post(format!("{}/api/sign_up", app.address))
        .form(&[("display_name", "Cookie"), ("email", &unique_email("cookie")), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers().get("set-cookie").expect("a session cookie").to_str().unwrap().to_string();
    assert!(cookie.starts_with("p2p_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // Served over http here, so not Secure (the https case is in sessions.rs).
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn unauthenticated_calls_get_401() {
    let app = spawn_app().await;
    let (status, body) = app.call(&client(), "my_orgs", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_kind(&body), "Unauthenticated");
}
