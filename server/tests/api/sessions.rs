use crate::helpers::{spawn_app, spawn_app_on, test_config, unique_email, PASSWORD};
use reqwest::{Client, StatusCode};

async fn sign_up_cookie(address: &str) -> String {
    let res = Client::new()
        .post(format!("{address}/api/sign_up"))
        .form(&[("display_name", "Restart"), ("email", &unique_email("restart")), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

async fn me_with_cookie(address: &str, cookie: &str) -> serde_json::Value {
    Client::new().post(format!("{address}/api/me")).header("cookie", cookie).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    let first = spawn_app().await;
    let cookie = sign_up_cookie(&first.address).await;
    assert_eq!(me_with_cookie(&first.address, &cookie).await["display_name"], "Restart");

    // A second server process on the same database (as after a restart or behind a load
    // balancer) accepts the same cookie: sessions and the signing key live in Postgres.
    let second = spawn_app_on(&first.database_url, test_config()).await;
    assert_eq!(me_with_cookie(&second.address, &cookie).await["display_name"], "Restart");
}

#[tokio::test]
async fn a_forged_cookie_is_not_a_session() {
    let app = spawn_app().await;
    let cookie = sign_up_cookie(&app.address).await;
    let (name, value) = cookie.split_once('=').unwrap();
    let mut forged: Vec<char> = value.chars().collect();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == 'A' { 'B' } else { 'A' };
    let forged = format!("{name}={}", forged.into_iter().collect::<String>());
    assert_eq!(me_with_cookie(&app.address, &forged).await, serde_json::Value::Null);
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let first = spawn_app().await;
    let mut config = test_config();
    config.public_base_url = "https://p2p.example.org".into();
    let app = spawn_app_on(&first.database_url, config).await;
    let res = Client::new()
        .post(format!("{}/api/sign_up", app.address))
        .form(&[("display_name", "Tls"), ("email", &unique_email("tls")), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}
