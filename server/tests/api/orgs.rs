use crate::helpers::{client, error_kind, spawn_app, unique_email, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn creating_an_organization_makes_you_its_owner_with_a_join_code() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "  Friends   of the Park ").await;

    let (status, orgs) = app.call(&owner, "my_orgs", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(orgs[0]["id"], org.as_str());
    assert_eq!(orgs[0]["name"], "Friends of the Park");
    assert_eq!(orgs[0]["role"], "owner");

    let (status, info) = app.call(&owner, "get_join_info", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::OK);
    let code = info["code"].as_str().unwrap();
    assert!(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()), "{code}");
    assert_eq!(info["link"], format!("http://p2p.test/join/{code}"));
}

#[tokio::test]
async fn organization_names_are_checked() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let (status, body) = app.call(&owner, "create_org", &[("name", "   ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "name");
}

#[tokio::test]
async fn a_volunteer_joins_with_the_code_once() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let code = app.join_code(&owner, &org).await;

    let (vol, _) = app.user("Vol").await;
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let (status, joined) = app.call(&vol, "join_org", &[("code", &spaced)]).await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(joined["role"], "volunteer");
    // Joining twice (double click, second tab) is harmless.
    let (status, _) = app.call(&vol, "join_org", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::OK);
    let members: i64 = sqlx::query_scalar("select count(*) from memberships where organization_id = $1::uuid")
        .bind(&org)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(members, 2);
    // The owner using their own code stays owner.
    let (_, again) = app.call(&owner, "join_org", &[("code", &code)]).await;
    assert_eq!(again["role"], "owner");
}

#[tokio::test]
async fn a_wrong_code_says_so() {
    let app = spawn_app().await;
    let (vol, _) = app.user("Vol").await;
    for (code, fragment) in [("12345", "not a 6-digit code"), ("abcdef", "not a 6-digit code")] {
        let (status, body) = app.call(&vol, "join_org", &[("code", code)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["Invalid"]["message"].as_str().unwrap().contains(fragment), "{body}");
    }
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let real = app.join_code(&owner, &org).await;
    let wrong = if real == "000000" { "000001" } else { "000000" };
    let (status, body) = app.call(&vol, "join_org", &[("code", wrong)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "code");
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("No organization has the code"));
}

#[tokio::test]
async fn rotating_the_code_retires_the_old_one() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let old = app.join_code(&owner, &org).await;
    let (status, rotated) = app.call(&owner, "rotate_join_code", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::OK);
    let new = rotated["code"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(app.join_code(&owner, &org).await, new);

    let (vol, _) = app.user("Vol").await;
    let (status, _) = app.call(&vol, "join_org", &[("code", &old)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.call(&vol, "join_org", &[("code", &new)]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn signing_up_through_a_join_link_joins_in_the_same_step() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let code = app.join_code(&owner, &org).await;
    let vol = client();
    let (status, body) = app
        .call(
            &vol,
            "sign_up",
            &[("display_name", "New"), ("email", &unique_email("new")), ("password", PASSWORD), ("join_code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, orgs) = app.call(&vol, "my_orgs", &[]).await;
    assert_eq!(orgs[0]["id"], org.as_str());
    assert_eq!(orgs[0]["role"], "volunteer");
}

#[tokio::test]
async fn a_wrong_code_at_sign_up_creates_no_account() {
    let app = spawn_app().await;
    let email = unique_email("atomic");
    let (status, body) = app
        .call(
            &client(),
            "sign_up",
            &[("display_name", "New"), ("email", &email), ("password", PASSWORD), ("join_code", "999999")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "join_code");
    let users: i64 = sqlx::query_scalar("select count(*) from users where email = $1")
        .bind(&email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 0, "the account must not exist without its membership");
}

#[tokio::test]
async fn one_person_can_belong_to_several_organizations() {
    let app = spawn_app().await;
    let (a, _) = app.user("A").await;
    let (b, _) = app.user("B").await;
    let org_a = app.org(&a, "Alpha").await;
    app.org(&b, "Beta").await;
    let code_a = app.join_code(&a, &org_a).await;
    let (status, _) = app.call(&b, "join_org", &[("code", &code_a)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, orgs) = app.call(&b, "my_orgs", &[]).await;
    let listed: Vec<(String, String)> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap().to_string(), o["role"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(listed, vec![("Alpha".into(), "volunteer".into()), ("Beta".into(), "owner".into())]);
}

#[tokio::test]
async fn non_members_cannot_see_an_organization() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Private").await;
    let (outsider, _) = app.user("Outsider").await;
    let (status, body) = app.call(&outsider, "get_membership", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_kind(&body), "Forbidden");
    let (status, _) = app.call(&outsider, "get_membership", &[("org_id", "not-a-uuid")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn guessing_join_codes_is_paused_after_ten_misses() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let real = app.join_code(&owner, &org).await;
    let (guesser, _) = app.user("Guesser").await;
    let mut misses = 0;
    for n in 0..1_000_000u32 {
        let guess = format!("{n:06}");
        if guess == real {
            continue;
        }
        let (status, _) = app.call(&guesser, "join_org", &[("code", &guess)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        misses += 1;
        if misses == 10 {
            break;
        }
    }
    // Even the right code waits now.
    let (status, body) = app.call(&guesser, "join_org", &[("code", &real)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Someone else is not affected.
    let (other, _) = app.user("Other").await;
    let (status, _) = app.call(&other, "join_org", &[("code", &real)]).await;
    assert_eq!(status, StatusCode::OK);
}

/// A join link says which campaign it is for; guessing codes to read names pauses like
/// guessing codes to join.
#[tokio::test]
async fn a_join_link_names_the_campaign_and_guessing_names_is_paused() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Riverside Tenants Union").await;
    let code = app.join_code(&owner, &org).await;
    let (visitor, _) = app.user("Visitor").await;
    let (status, name) = app.call(&visitor, "join_preview", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(name, "Riverside Tenants Union");
    let html = crate::helpers::get_html(&visitor, &format!("{}/join/{code}", app.address)).await.text().await.unwrap();
    assert!(html.contains("You are joining <strong>Riverside Tenants Union</strong>"), "{html}");
    // Not for strangers: the anonymous page only offers to sign up.
    let (status, _) = app.call(&crate::helpers::client(), "join_preview", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Ten codes that match nothing, then even the right one is refused for a while.
    for i in 0..10 {
        let (status, name) =
            app.call(&visitor, "join_preview", &[("code", &format!("{:06}", (i * 7919) % 1_000_000))]).await;
        if name.is_string() {
            continue; // a real code by chance
        }
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app.call(&visitor, "join_preview", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
