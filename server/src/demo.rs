//! The demo organization the run command creates, so a newcomer has something to sign in to.

use app::domain::{DisplayName, Email, OrgName};
use app::server::{db, password};
use sqlx::PgPool;

pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

pub const DEMO_ORG: &str = "Demo Campaign";
pub const LOGINS: [DemoLogin; 2] = [
    DemoLogin { role: "admin", email: "admin@demo.p2p.test", password: "demo-admin-password" },
    DemoLogin { role: "volunteer", email: "volunteer@demo.p2p.test", password: "demo-volunteer-password" },
];

/// Creates the demo organization, an owner and a volunteer, unless they exist already.
/// Returns the organization's join code.
pub async fn seed(pool: &PgPool) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let existing: Option<String> = sqlx::query_scalar(
        r#"select o.join_code from organizations o
           join memberships m on m.organization_id = o.id
           join users u on u.id = m.user_id
           where o.name = $1 and u.email = $2 and m.role = 'owner'"#,
    )
    .bind(DEMO_ORG)
    .bind(LOGINS[0].email)
    .fetch_optional(pool)
    .await?;
    if let Some(code) = existing {
        return Ok(code);
    }
    let mut users = Vec::new();
    for (login, name) in LOGINS.iter().zip(["Demo Admin", "Demo Volunteer"]) {
        let email = Email::parse(login.email)?;
        let user = match db::users::find_credentials(pool, &email).await? {
            Some((user, _)) => user,
            None => {
                let hash = password::hash(login.password.to_string()).await?;
                db::users::sign_up(pool, &DisplayName::parse(name)?, &email, &hash, None, "").await?.0
            }
        };
        users.push(user);
    }
    let org = db::orgs::create(pool, &OrgName::parse(DEMO_ORG)?, users[0].id).await?;
    let code = db::orgs::join_code(pool, org.id).await?;
    db::orgs::join_with_code(pool, &app::domain::JoinCode::parse(&code)?, users[1].id, "code").await?;
    Ok(code)
}
