//! An action's share link: a newcomer signs up from it, joins through its code and lands on the
//! action; a member goes straight there; a wrong or another organization's code admits nobody;
//! the QR code of the link is only for the organization's admins.

use crate::helpers::{client, unique_email, PASSWORD};
use crate::messaging::World;
use app::ui::common::encode;
use reqwest::{Client, Response, StatusCode};

fn location(res: &Response) -> String {
    assert!(res.status().is_redirection(), "{}", res.status());
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn get(who: &Client, url: &str) -> Response {
    who.get(url).header("accept", "text/html").send().await.unwrap()
}

async fn member_role(w: &World, email: &str) -> Option<String> {
    sqlx::query_scalar(
        "select m.role::text from memberships m join users u on u.id = m.user_id where u.email = $1 and m.organization_id = $2::uuid",
    )
    .bind(email)
    .bind(&w.org)
    .fetch_optional(&w.app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_newcomer_signs_up_from_the_share_link_joins_and_lands_on_the_action() {
    let w = World::new().await;
    let (status, page) = w.app.call(&w.admin, "get_action", &[("org_id", &w.org), ("action_id", &w.action)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let code = w.app.join_code(&w.admin, &w.org).await;
    // The full address on the organization's public site; this test serves it on its own port.
    let shared = page["share_link"].as_str().unwrap().to_string();
    let path = format!("/o/{}/a/{}?code={code}", w.org, w.action);
    assert!(shared.starts_with("http") && shared.ends_with(&path), "{shared}");
    let link = format!("{}{path}", w.app.address);

    // Signed out: to sign-up, which is told to come back.
    let visitor = client();
    let to = location(&get(&visitor, &link).await);
    assert_eq!(to, format!("/signup?next={}", encode(&path)));
    let signup = get(&visitor, &format!("{}{to}", w.app.address)).await.text().await.unwrap();
    assert!(signup.contains(&format!(r#"name="next" value="{}""#, path.replace('&', "&amp;"))), "{signup}");
    // The sign-up form posted as a browser without the bundle posts it.
    let email = unique_email("share");
    let res = visitor
        .post(format!("{}/api/sign_up", w.app.address))
        .header("accept", "text/html")
        .header("referer", format!("{}{to}", w.app.address))
        .form(&[("display_name", "Nia Newcomer"), ("email", email.as_str()), ("password", PASSWORD), ("next", &path)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), path);
    assert_eq!(member_role(&w, &email).await, None, "signing up alone joins nothing");
    // Back on the link: joined as a volunteer, and on to the action.
    assert_eq!(location(&get(&visitor, &link).await), format!("/o/{}/text/{}", w.org, w.action));
    assert_eq!(member_role(&w, &email).await.as_deref(), Some("volunteer"));
    // Once a member, the link without the code opens the action too.
    let members_link = format!("{}/o/{}/a/{}", w.app.address, w.org, w.action);
    assert_eq!(location(&get(&visitor, &members_link).await), format!("/o/{}/text/{}", w.org, w.action));
    assert_eq!(location(&get(&w.volunteer, &members_link).await), format!("/o/{}/text/{}", w.org, w.action));
}

#[tokio::test]
async fn a_wrong_or_foreign_code_admits_nobody_and_the_qr_code_is_the_admins() {
    let w = World::new().await;
    let code = w.app.join_code(&w.admin, &w.org).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (stranger, email) = w.app.user("Sam Stranger").await;
    let base = format!("{}/o/{}/a/{}", w.app.address, w.org, w.action);

    // No code, a wrong one, another organization's own: refused with a page that says why.
    let other_org = w.app.org(&stranger, "Elsewhere").await;
    let other_code = w.app.join_code(&stranger, &other_org).await;
    for url in
        [base.clone(), format!("{base}?code={wrong}"), format!("{base}?code={other_code}"), format!("{base}?code=abc")]
    {
        let res = get(&stranger, &url).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{url}");
        let body = res.text().await.unwrap();
        assert!(body.contains("Ask your organizer for a join link"), "{body}");
    }
    assert_eq!(member_role(&w, &email).await, None);
    let failures: i64 =
        sqlx::query_scalar("select count(*) from join_failures f join users u on u.id = f.user_id where u.email = $1")
            .bind(&email)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    assert_eq!(failures, 3, "each bad code counts towards the join pause");
    // An action of another organization under this one's address: not found.
    let res = get(&w.admin, &format!("{}/o/{other_org}/a/{}?code={other_code}", w.app.address, w.action)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The QR code: the admin's, as SVG; a volunteer and a visitor are refused.
    let qr = format!("{base}/qr.svg");
    let res = get(&w.admin, &qr).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let svg = res.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
    assert_eq!(get(&w.volunteer, &qr).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(&client(), &qr).await.status(), StatusCode::UNAUTHORIZED);
}
