//! An action's share link, `/o/{org}/a/{action}`: one address organizers post and print for
//! every action. With `?code=` it carries the organization's join code, so a newcomer who opens
//! it signs up, joins and lands on the action in one go (the server's `action_links` answers it).

use uuid::Uuid;

/// The link for members of the organization.
pub fn path(org_id: Uuid, action_id: Uuid) -> String {
    format!("/o/{org_id}/a/{action_id}")
}

/// The link that also admits whoever opens it to the organization.
pub fn joining_path(org_id: Uuid, action_id: Uuid, join_code: &str) -> String {
    format!("{}?code={join_code}", path(org_id, action_id))
}

/// Where the link sends a member: the action's texting screen (which says so when the action
/// is not open to them).
pub fn destination(org_id: Uuid, action_id: Uuid) -> String {
    format!("/o/{org_id}/text/{action_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_joining_link_is_the_members_link_with_the_code() {
        let (org, action) = (Uuid::nil(), Uuid::from_u128(1));
        assert_eq!(path(org, action), format!("/o/{org}/a/{action}"));
        assert_eq!(joining_path(org, action, "123456"), format!("/o/{org}/a/{action}?code=123456"));
    }
}
