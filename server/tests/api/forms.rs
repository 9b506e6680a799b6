//! Forms must work before the wasm bundle has loaded: a plain HTML form post to a server
//! function redirects like a classic web app, and errors come back in the URL for the page to
//! show.

use crate::helpers::{client, spawn_app, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn a_plain_form_sign_in_redirects_and_sets_the_session() {
    let app = spawn_app().await;
    let (_, email) = app.user("Plain").await;
    let c = client();
    let res = c
        .post(format!("{}/api/sign_in", app.address))
        .header("accept", "text/html")
        .header("referer", format!("{}/login", app.address))
        .form(&[("email", email.as_str()), ("password", PASSWORD), ("next", "/join")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/join");
    let (_, me) = app.call(&c, "me", &[]).await;
    assert_eq!(me["email"], email.as_str());
}

#[tokio::test]
async fn a_plain_form_error_returns_to_the_form_with_the_error() {
    let app = spawn_app().await;
    let res = client()
        .post(format!("{}/api/sign_in", app.address))
        .header("accept", "text/html")
        .header("referer", format!("{}/login", app.address))
        .form(&[("email", "nobody@example.org"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("{}/login?", app.address)), "{location}");
    assert!(location.contains("__err="), "{location}");

    // Following the redirect renders the login page with the message, no JavaScript needed.
    let page = client().get(&location).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Wrong e-mail or password"), "the error is rendered on the page: {page}");
}

#[tokio::test]
async fn pages_behind_sign_in_redirect_to_the_login_page() {
    let app = spawn_app().await;
    let res =
        crate::helpers::get_html(&client(), &format!("{}/o/00000000-0000-0000-0000-000000000000/admin", app.address))
            .await;
    assert_eq!(res.status(), StatusCode::FOUND, "{:?}", res.headers());
    let location = res.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login?next=%2Fo%2F") || location.starts_with("/login?next=/o/"), "{location}");
}

#[tokio::test]
async fn the_login_page_renders_a_working_form() {
    let app = spawn_app().await;
    let page = client().get(format!("{}/login", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"action="/api/sign_in""#), "{page}");
    assert!(page.contains(r#"method="post""#));
    assert!(page.contains(r#"<label for="field-email""#));
    assert!(page.contains(r#"rel="manifest""#));
}
