use serde::{Deserialize, Serialize};

/// A member's role in one organization. Owners can do everything admins can, and only they
/// can hand out or take away ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "member_role", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Volunteer,
    Admin,
    Owner,
}

impl Role {
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Admin | Role::Owner)
    }

    pub fn parse(raw: &str) -> Result<Role, String> {
        match raw.trim().to_lowercase().as_str() {
            "volunteer" => Ok(Role::Volunteer),
            "admin" => Ok(Role::Admin),
            "owner" => Ok(Role::Owner),
            other => Err(format!("\"{other}\" is not a role (owner, admin or volunteer).")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Volunteer => "Volunteer",
            Role::Admin => "Admin",
            Role::Owner => "Owner",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        for role in [Role::Volunteer, Role::Admin, Role::Owner] {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::Volunteer);
        assert!(Role::parse("boss").is_err());
        assert!(!Role::Volunteer.is_admin() && Role::Admin.is_admin());
    }
}
