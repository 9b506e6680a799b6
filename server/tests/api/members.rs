use crate::helpers::{client, spawn_app, unique_email, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn admins_promote_and_demote_volunteers() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let (vol, vol_email) = app.volunteer(&owner, &org, "Vol").await;
    let vol_id = app.user_id(&vol_email).await;

    let (status, _) = app.call(&vol, "list_members", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) =
        app.call(&owner, "set_member_role", &[("org_id", &org), ("user_id", &vol_id), ("role", "admin")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, members) = app.call(&vol, "list_members", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::OK, "a promoted admin can manage members");
    assert_eq!(members.as_array().unwrap().len(), 2);

    let (status, _) =
        app.call(&owner, "set_member_role", &[("org_id", &org), ("user_id", &vol_id), ("role", "volunteer")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(&vol, "list_members", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_owners_handle_ownership_and_one_owner_always_remains() {
    let app = spawn_app().await;
    let (owner, owner_email) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let owner_id = app.user_id(&owner_email).await;
    let (admin, admin_email) = app.volunteer(&owner, &org, "Admin").await;
    let admin_id = app.user_id(&admin_email).await;
    app.call(&owner, "set_member_role", &[("org_id", &org), ("user_id", &admin_id), ("role", "admin")]).await;

    // An admin cannot make owners, nor touch the owner.
    let (status, _) =
        app.call(&admin, "set_member_role", &[("org_id", &org), ("user_id", &admin_id), ("role", "owner")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call(&admin, "remove_member", &[("org_id", &org), ("user_id", &owner_id)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The only owner cannot step down or leave.
    let (status, body) =
        app.call(&owner, "set_member_role", &[("org_id", &org), ("user_id", &owner_id), ("role", "admin")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["Conflict"].as_str().unwrap().contains("at least one owner"));
    let (status, _) = app.call(&owner, "remove_member", &[("org_id", &org), ("user_id", &owner_id)]).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // With a second owner, the first may step down.
    let (status, _) =
        app.call(&owner, "set_member_role", &[("org_id", &org), ("user_id", &admin_id), ("role", "owner")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        app.call(&owner, "set_member_role", &[("org_id", &org), ("user_id", &owner_id), ("role", "volunteer")]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let app = spawn_app().await;
    let (a, a_email) = app.user("A").await;
    let org = app.org(&a, "Campaign").await;
    let (b, b_email) = app.volunteer(&a, &org, "B").await;
    let (a_id, b_id) = (app.user_id(&a_email).await, app.user_id(&b_email).await);
    app.call(&a, "set_member_role", &[("org_id", &org), ("user_id", &b_id), ("role", "owner")]).await;

    let form_a = [("org_id", org.as_str()), ("user_id", b_id.as_str()), ("role", "admin")];
    let form_b = [("org_id", org.as_str()), ("user_id", a_id.as_str()), ("role", "admin")];
    let (ra, rb) = tokio::join!(app.call(&a, "set_member_role", &form_a), app.call(&b, "set_member_role", &form_b));
    let owners: i64 =
        sqlx::query_scalar("select count(*) from memberships where organization_id = $1::uuid and role = 'owner'")
            .bind(&org)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(owners, 1, "results: {ra:?} {rb:?}");
}

#[tokio::test]
async fn removed_members_lose_access() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let (vol, vol_email) = app.volunteer(&owner, &org, "Vol").await;
    let vol_id = app.user_id(&vol_email).await;
    let (status, _) = app.call(&vol, "get_membership", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(&owner, "remove_member", &[("org_id", &org), ("user_id", &vol_id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(&vol, "get_membership", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call(&owner, "remove_member", &[("org_id", &org), ("user_id", &vol_id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_invite_link_makes_the_invited_person_a_member() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let email = unique_email("invitee");
    let (status, invite) =
        app.call(&owner, "create_invite", &[("org_id", &org), ("email", &email), ("role", "admin")]).await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    let link = invite["link"].as_str().unwrap().to_string();
    let token = link.strip_prefix("http://p2p.test/invite/").expect("link on the public base URL").to_string();
    assert!(token.len() >= 32);

    // Someone else cannot use it.
    let (stranger, _) = app.user("Stranger").await;
    let (status, body) = app.call(&stranger, "accept_invite", &[("token", &token)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["Forbidden"].as_str().unwrap().contains(&email));

    // The invitee signs up through the link and is an admin straight away.
    let invitee = client();
    let (status, body) = app
        .call(
            &invitee,
            "sign_up",
            &[("display_name", "Invitee"), ("email", &email), ("password", PASSWORD), ("invite", &token)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.call(&invitee, "list_members", &[("org_id", &org)]).await;
    assert_eq!(status, StatusCode::OK);

    // The link works once.
    let (status, _) = app.call(&invitee, "accept_invite", &[("token", &token)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, open) = app.call(&owner, "list_invites", &[("org_id", &org)]).await;
    assert_eq!(open.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn invites_can_be_refreshed_and_revoked() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let email = unique_email("someone");
    let (_, first) =
        app.call(&owner, "create_invite", &[("org_id", &org), ("email", &email), ("role", "volunteer")]).await;
    let (_, second) = app
        .call(&owner, "create_invite", &[("org_id", &org), ("email", &email.to_uppercase()), ("role", "admin")])
        .await;
    assert_eq!(first["link"], second["link"], "re-inviting keeps the link already sent");
    assert_eq!(second["role"], "admin");
    let (_, open) = app.call(&owner, "list_invites", &[("org_id", &org)]).await;
    assert_eq!(open.as_array().unwrap().len(), 1);

    let id = second["id"].as_str().unwrap();
    let (status, _) = app.call(&owner, "revoke_invite", &[("org_id", &org), ("invite_id", id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (signed_up, _) = (client(), ());
    let token = second["link"].as_str().unwrap().rsplit('/').next().unwrap();
    let (status, _) = app
        .call(
            &signed_up,
            "sign_up",
            &[("display_name", "Late"), ("email", &email), ("password", PASSWORD), ("invite", token)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) =
        app.call(&owner, "create_invite", &[("org_id", &org), ("email", &email), ("role", "owner")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "role");
}

#[tokio::test]
async fn inviting_a_member_says_they_are_already_in() {
    let app = spawn_app().await;
    let (owner, _) = app.user("Owner").await;
    let org = app.org(&owner, "Campaign").await;
    let (_, vol_email) = app.volunteer(&owner, &org, "Vol").await;
    let (status, body) =
        app.call(&owner, "create_invite", &[("org_id", &org), ("email", &vol_email), ("role", "admin")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["Invalid"]["message"].as_str().unwrap().contains("already a member"));
}
