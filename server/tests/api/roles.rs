//! Every server function, called by four kinds of caller: nobody, a member of another
//! organization, a volunteer and an admin of the organization that owns the data.

use crate::helpers::{client, spawn_app, unique_email, TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Nobody,
    Outsider,
    Volunteer,
    Admin,
}

/// What each caller gets: the status for Nobody, Outsider, Volunteer, Admin.
struct Case {
    endpoint: &'static str,
    expect: [StatusCode; 4],
}

const OK: StatusCode = StatusCode::OK;
const UNAUTH: StatusCode = StatusCode::UNAUTHORIZED;
const FORBID: StatusCode = StatusCode::FORBIDDEN;

/// Public: anyone may call (sign-up, sign-in and friends check their own input).
const PUBLIC: [StatusCode; 4] = [OK, OK, OK, OK];
/// Any signed-in person, not tied to an organization.
const SIGNED_IN: [StatusCode; 4] = [UNAUTH, OK, OK, OK];
/// Any member of the organization.
const MEMBER: [StatusCode; 4] = [UNAUTH, FORBID, OK, OK];
/// Admins (and owners) of the organization only.
const ADMIN: [StatusCode; 4] = [UNAUTH, FORBID, FORBID, OK];
/// Members get past the role check and then find nothing of theirs by that id.
const MEMBER_NOT_FOUND: [StatusCode; 4] = [UNAUTH, FORBID, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND];
/// Admins get past the role check and then find nothing by that id; volunteers never get that far.
const ADMIN_NOT_FOUND: [StatusCode; 4] = [UNAUTH, FORBID, FORBID, StatusCode::NOT_FOUND];

struct World {
    app: TestApp,
    org: String,
    outsider: Client,
    volunteer: Client,
    admin: Client,
    /// A member the admin may act on (role changes, removal).
    spare_id: String,
    spare_email: String,
    invite_token: String,
    third_code: String,
}

impl World {
    async fn new() -> World {
        let app = spawn_app().await;
        let (admin, _) = app.user("Admin").await;
        let org = app.org(&admin, "Owned").await;
        let (outsider, _) = app.user("Outsider").await;
        app.org(&outsider, "Elsewhere").await;
        let (third_owner, _) = app.user("Third").await;
        let third = app.org(&third_owner, "Third").await;
        let third_code = app.join_code(&third_owner, &third).await;
        let (volunteer, _) = app.volunteer(&admin, &org, "Volunteer").await;
        let (_, spare_email) = app.volunteer(&admin, &org, "Spare").await;
        let spare_id = app.user_id(&spare_email).await;
        World { app, org, outsider, volunteer, admin, spare_id, spare_email, invite_token: String::new(), third_code }
    }

    /// A row of the organization inserted straight into the database by `sql` (which takes a
    /// new id and the organization id); returns the id.
    async fn insert_row(&self, sql: &str, org: &str) -> String {
        let id = uuid::Uuid::new_v4();
        sqlx::query(sql).bind(id).bind(org).execute(&self.app.pool).await.unwrap();
        id.to_string()
    }

    /// An (empty) contact list of the organization.
    async fn new_list(&self, org: &str) -> String {
        self.insert_row("insert into contact_lists (id, organization_id, name) values ($1, $2::uuid, 'List')", org)
            .await
    }

    /// A draft action of the organization.
    async fn owner(&self, org: &str) -> uuid::Uuid {
        sqlx::query_scalar("select user_id from memberships where organization_id = $1::uuid and role = 'owner'")
            .bind(org)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    async fn new_action(&self, org: &str) -> String {
        self.insert_row("insert into actions (id, organization_id, title) values ($1, $2::uuid, 'Action')", org).await
    }

    /// A tag of the organization; returns its id.
    async fn new_tag(&self, org: &str) -> String {
        let id: i64 = sqlx::query_scalar("insert into tags (organization_id, name) values ($1::uuid, $2) returning id")
            .bind(org)
            .bind(format!("Tag {}", uuid::Uuid::new_v4().simple()))
            .fetch_one(&self.app.pool)
            .await
            .unwrap();
        id.to_string()
    }

    fn client(&self, who: Who) -> Client {
        match who {
            Who::Nobody => client(),
            Who::Outsider => self.outsider.clone(),
            Who::Volunteer => self.volunteer.clone(),
            Who::Admin => self.admin.clone(),
        }
    }

    /// Arguments for one call; fresh values where a call must not collide with an earlier one.
    async fn args(&mut self, endpoint: &str, who: Who) -> Vec<(String, String)> {
        let org = self.org.clone();
        let pairs: Vec<(&str, String)> = match endpoint {
            "me" | "my_orgs" | "sign_out" => vec![],
            "sign_up" => {
                vec![("display_name", "New".into()), ("email", unique_email("new")), ("password", PASSWORD.into())]
            }
            "sign_in" => vec![("email", self.spare_email.clone()), ("password", PASSWORD.into())],
            "create_org" => vec![("name", "Another".into())],
            // A third organization's code: joining it must not make the outsider a member of
            // the one under test.
            "join_org" => vec![("code", self.third_code.clone())],
            "join_preview" => vec![("code", self.third_code.clone())],
            "accept_invite" => {
                // An invite addressed to nobody in particular: signed-in callers get 403 for the
                // wrong address, which is the check under test here.
                if self.invite_token.is_empty() {
                    let (_, invite) = self
                        .app
                        .call(
                            &self.admin,
                            "create_invite",
                            &[("org_id", &org), ("email", &unique_email("inv")), ("role", "volunteer")],
                        )
                        .await;
                    self.invite_token = invite["link"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
                }
                vec![("token", self.invite_token.clone())]
            }
            "get_membership" | "get_join_info" | "rotate_join_code" | "list_members" | "list_invites"
            | "get_my_profile" => {
                vec![("org_id", org)]
            }
            "create_invite" => vec![("org_id", org), ("email", unique_email("invited")), ("role", "volunteer".into())],
            "revoke_invite" => {
                let (_, invite) = self
                    .app
                    .call(
                        &self.admin,
                        "create_invite",
                        &[("org_id", &org), ("email", &unique_email("revoke")), ("role", "volunteer")],
                    )
                    .await;
                vec![("org_id", org), ("invite_id", invite["id"].as_str().unwrap().to_string())]
            }
            // Someone else's profile: volunteers may only set their own.
            "set_member_profile" => vec![
                ("org_id", org),
                ("user_id", self.spare_id.clone()),
                ("district", "CD-1".into()),
                ("languages", "en,es".into()),
            ],
            "set_member_role" => {
                vec![("org_id", org), ("user_id", self.spare_id.clone()), ("role", "volunteer".into())]
            }
            "remove_member" => {
                // Each removal needs someone to remove: the admin's call removes the spare.
                let _ = who;
                vec![("org_id", org), ("user_id", self.spare_id.clone())]
            }
            "start_import" => vec![
                ("org_id", org),
                ("name", "List".into()),
                (
                    "mapping",
                    serde_json::to_string(&app::domain::csv_import::ColumnMapping::detect(&["cell".to_string()]))
                        .unwrap(),
                ),
                ("encoding", "utf-8".into()),
            ],
            "get_import_status" | "cancel_import" => {
                // A fresh pending import each time, so every admin cancel has one to cancel.
                let (_, id) = self
                    .app
                    .call(
                        &self.admin,
                        "start_import",
                        &[
                            ("org_id", org.as_str()),
                            ("name", "List"),
                            (
                                "mapping",
                                &serde_json::to_string(&app::domain::csv_import::ColumnMapping::detect(&[
                                    "cell".to_string()
                                ]))
                                .unwrap(),
                            ),
                            ("encoding", "utf-8"),
                        ],
                    )
                    .await;
                vec![("org_id", org), ("import_id", id.as_str().unwrap().to_string())]
            }
            "contact_lists" => vec![("org_id", org)],
            "get_contact_page" | "delete_contact_list" => {
                vec![("org_id", org.clone()), ("list_id", self.new_list(&org).await)]
            }
            "get_texting_settings" | "get_retention" | "get_state_rules" => vec![("org_id", org)],
            "save_retention" => vec![("org_id", org), ("retention_days", "365".into())],
            "get_carrier_settings" | "get_sending_alerts" => vec![("org_id", org)],
            "save_carrier_settings" => vec![("org_id", org), ("keyword_replies", "ours".into())],
            "release_sender" => vec![("org_id", org), ("phone", "+13122009999".into())],
            "set_state_rules" => vec![("org_id", org), ("acknowledge", "on".into())],
            "save_texting_settings" => vec![
                ("org_id", org),
                ("window_start", "09:00".into()),
                ("window_end", "21:00".into()),
                ("default_time_zone", "America/New_York".into()),
                ("batch_size", "50".into()),
                ("contact_fallback_name", "friend".into()),
                ("sender_fallback_name", "a volunteer".into()),
                ("outbound_lock", "on".into()),
                ("sms_price", "0.0079".into()),
                ("mms_price", "0.02".into()),
                ("carrier_fee", "0.003".into()),
                ("number_price", "1.15".into()),
                ("default_region", "US".into()),
            ],
            "list_actions" => vec![("org_id", org)],
            "create_action" => vec![("org_id", org), ("title", "GOTV".into())],
            "get_action" | "duplicate_action" => {
                vec![("org_id", org.clone()), ("action_id", self.new_action(&org).await)]
            }
            "set_action_featured" => {
                vec![("org_id", org.clone()), ("action_id", self.new_action(&org).await), ("featured", "true".into())]
            }
            "save_action" => {
                vec![("org_id", org.clone()), ("action_id", self.new_action(&org).await), ("title", "Renamed".into())]
            }
            "change_action_status" => vec![
                ("org_id", org.clone()),
                ("action_id", self.new_action(&org).await),
                ("transition", "close".into()),
            ],
            "set_action_end" => {
                let action = self
                    .insert_row(
                        "insert into actions (id, organization_id, title, status, published_at) values ($1, $2::uuid, 'Live', 'published', now())",
                        &org,
                    )
                    .await;
                let ends = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
                vec![("org_id", org), ("action_id", action), ("ends_at", ends)]
            }
            "get_org_data" => vec![("org_id", org)],
            // Fresh names each time: the admin's call creates, the others must not.
            "create_data_item" => {
                vec![
                    ("org_id", org),
                    ("kind", "tag".into()),
                    ("name", format!("Tag {}", uuid::Uuid::new_v4().simple())),
                ]
            }
            "rename_data_item" | "delete_data_item" => {
                let id = self.new_tag(&org).await;
                vec![("org_id", org), ("kind", "tag".into()), ("id", id), ("name", format!("Renamed {who:?}"))]
            }
            "get_script" => vec![("org_id", org.clone()), ("action_id", self.new_action(&org).await)],
            "save_script" => vec![
                ("org_id", org.clone()),
                ("action_id", self.new_action(&org).await),
                ("tree", r#"{"question": "", "answers": [], "standalone": []}"#.into()),
            ],
            "save_report_settings" => {
                vec![("org_id", org.clone()), ("action_id", self.new_action(&org).await), ("tag_ids", "".into())]
            }
            // No conversation of the caller's: members get 404 (the send's own guards are tested
            // in messaging.rs); non-members are stopped before that.
            "send_message" => vec![
                ("org_id", org),
                ("conversation_id", "999999".into()),
                ("body", "Hi".into()),
                ("idempotency_key", format!("k-{who:?}")),
            ],
            "list_volunteer_actions" | "get_inbox" | "get_inbox_counts" | "dismiss_notices" => vec![("org_id", org)],
            "get_batch" | "claim_batch" | "start_texting" | "release_batch" | "reassign_all" => {
                vec![("org_id", org.clone()), ("action_id", self.new_action(&org).await)]
            }
            "skip_contact" | "get_thread" | "reassign_conversation" => {
                vec![("org_id", org), ("conversation_id", "999999".into())]
            }
            "opt_out_contact" => {
                vec![("org_id", org), ("conversation_id", "999999".into()), ("reason", "Asked not to be texted".into())]
            }
            "file_report" => vec![("org_id", org), ("conversation_id", "999999".into()), ("report", "{}".into())],
            "set_archived" => vec![("org_id", org), ("conversation_id", "999999".into()), ("archived", "true".into())],
            "set_auto_archive" => vec![("org_id", org), ("on", "false".into())],
            "supervision_options" | "list_conversations" => vec![("org_id", org)],
            "get_supervised_thread" => vec![("org_id", org), ("conversation_id", "999999".into())],
            "reassign_conversations" => {
                // To the owner, a member: only the missing conversation stops the admin's call.
                let owner = self.owner(&org).await;
                vec![("org_id", org), ("conversation_ids", "999999".into()), ("to_user", owner.to_string())]
            }
            // A conversation that does not exist: only that stops the admin's call.
            "tag_conversation" => vec![("org_id", org), ("conversation_id", "999999".into()), ("tag_id", "1".into())],
            "get_action_results" => vec![("org_id", org.clone()), ("action_id", self.new_action(&org).await)],
            "reassign_volunteer_contacts" => {
                // Between two members of the org, in an action of another org: admins find nothing.
                let owner = self.owner(&org).await;
                vec![
                    ("org_id", org),
                    ("action_id", uuid::Uuid::new_v4().to_string()),
                    ("from", owner.to_string()),
                    ("to", owner.to_string()),
                    ("what", "unsent".into()),
                ]
            }
            other => panic!("no arguments known for server function {other}: add it to the matrix"),
        };
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case { endpoint: "me", expect: PUBLIC },
        Case { endpoint: "sign_up", expect: PUBLIC },
        Case { endpoint: "sign_in", expect: PUBLIC },
        Case { endpoint: "sign_out", expect: PUBLIC },
        Case { endpoint: "my_orgs", expect: SIGNED_IN },
        Case { endpoint: "create_org", expect: SIGNED_IN },
        Case { endpoint: "join_org", expect: SIGNED_IN },
        Case { endpoint: "join_preview", expect: SIGNED_IN },
        // Signed in but not the invited address: 403 for everyone who is signed in.
        Case { endpoint: "accept_invite", expect: [UNAUTH, FORBID, FORBID, FORBID] },
        Case { endpoint: "get_membership", expect: MEMBER },
        Case { endpoint: "get_join_info", expect: ADMIN },
        Case { endpoint: "rotate_join_code", expect: ADMIN },
        Case { endpoint: "list_members", expect: ADMIN },
        Case { endpoint: "set_member_role", expect: ADMIN },
        Case { endpoint: "get_my_profile", expect: MEMBER },
        Case { endpoint: "set_member_profile", expect: ADMIN },
        Case { endpoint: "create_invite", expect: ADMIN },
        Case { endpoint: "list_invites", expect: ADMIN },
        Case { endpoint: "revoke_invite", expect: ADMIN },
        Case { endpoint: "start_import", expect: ADMIN },
        Case { endpoint: "send_message", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "list_actions", expect: ADMIN },
        Case { endpoint: "create_action", expect: ADMIN },
        Case { endpoint: "get_action", expect: ADMIN },
        Case { endpoint: "save_action", expect: ADMIN },
        Case { endpoint: "change_action_status", expect: ADMIN },
        Case { endpoint: "duplicate_action", expect: ADMIN },
        Case { endpoint: "set_action_featured", expect: ADMIN },
        Case { endpoint: "get_texting_settings", expect: ADMIN },
        Case { endpoint: "get_state_rules", expect: ADMIN },
        Case { endpoint: "set_state_rules", expect: ADMIN },
        Case { endpoint: "set_action_end", expect: ADMIN },
        Case { endpoint: "get_org_data", expect: ADMIN },
        Case { endpoint: "create_data_item", expect: ADMIN },
        Case { endpoint: "rename_data_item", expect: ADMIN },
        Case { endpoint: "delete_data_item", expect: ADMIN },
        Case { endpoint: "get_script", expect: ADMIN },
        Case { endpoint: "save_script", expect: ADMIN },
        Case { endpoint: "save_report_settings", expect: ADMIN },
        Case { endpoint: "save_texting_settings", expect: ADMIN },
        Case { endpoint: "get_retention", expect: ADMIN },
        Case { endpoint: "save_retention", expect: ADMIN },
        Case { endpoint: "get_carrier_settings", expect: ADMIN },
        Case { endpoint: "save_carrier_settings", expect: ADMIN },
        Case { endpoint: "get_sending_alerts", expect: ADMIN },
        Case { endpoint: "release_sender", expect: ADMIN_NOT_FOUND },
        Case { endpoint: "get_import_status", expect: ADMIN },
        Case { endpoint: "cancel_import", expect: ADMIN },
        Case { endpoint: "contact_lists", expect: ADMIN },
        Case { endpoint: "get_contact_page", expect: ADMIN },
        Case { endpoint: "delete_contact_list", expect: ADMIN },
        // Last: the admin's call removes the spare member.
        Case { endpoint: "remove_member", expect: ADMIN },
        Case { endpoint: "list_volunteer_actions", expect: MEMBER },
        Case { endpoint: "get_batch", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "claim_batch", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "start_texting", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "skip_contact", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "release_batch", expect: MEMBER },
        Case { endpoint: "get_inbox", expect: MEMBER },
        Case { endpoint: "get_inbox_counts", expect: MEMBER },
        Case { endpoint: "dismiss_notices", expect: MEMBER },
        Case { endpoint: "set_auto_archive", expect: MEMBER },
        Case { endpoint: "get_thread", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "file_report", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "set_archived", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "opt_out_contact", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "reassign_conversation", expect: MEMBER_NOT_FOUND },
        Case { endpoint: "reassign_all", expect: MEMBER },
        Case { endpoint: "supervision_options", expect: ADMIN },
        Case { endpoint: "list_conversations", expect: ADMIN },
        Case { endpoint: "get_supervised_thread", expect: ADMIN_NOT_FOUND },
        Case { endpoint: "reassign_conversations", expect: ADMIN_NOT_FOUND },
        Case { endpoint: "tag_conversation", expect: ADMIN_NOT_FOUND },
        Case { endpoint: "get_action_results", expect: ADMIN },
        Case { endpoint: "reassign_volunteer_contacts", expect: ADMIN_NOT_FOUND },
    ]
}

#[tokio::test]
async fn every_server_function_checks_who_is_calling() {
    let mut world = World::new().await;
    for case in cases() {
        for (i, who) in [Who::Nobody, Who::Outsider, Who::Volunteer, Who::Admin].into_iter().enumerate() {
            // Signing up, in or out switches a client's session; those get a throwaway client
            // so the shared ones keep their identities.
            let c =
                if matches!(case.endpoint, "sign_up" | "sign_out" | "sign_in") { client() } else { world.client(who) };
            let args = world.args(case.endpoint, who).await;
            let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, body) = world.app.call(&c, case.endpoint, &form).await;
            assert_eq!(status, case.expect[i], "{} called by {who:?}: {body}", case.endpoint);
        }
    }
    // Forbidden calls changed nothing: the spare was removed once, by the admin, and the
    // volunteer is still a volunteer.
    let roles: Vec<String> =
        sqlx::query_scalar("select role::text from memberships where organization_id = $1::uuid order by role")
            .bind(&world.org)
            .fetch_all(&world.app.pool)
            .await
            .unwrap();
    assert_eq!(roles, vec!["owner", "volunteer"]);
}

#[tokio::test]
async fn the_matrix_covers_every_registered_server_function() {
    // Registering happens when the router is built.
    let _world = spawn_app().await;
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let covered: BTreeSet<String> = cases().into_iter().map(|c| c.endpoint.to_string()).collect();
    assert_eq!(registered, covered, "a server function is missing from the role matrix (or gone from the app)");
}
