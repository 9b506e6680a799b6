//! Domain types shared by the browser and the server. Raw input becomes one of these once, at
//! the edge (`parse`), so the rest of the code never handles an unchecked string.

/// Serde for a newtype whose only way in is `parse(&str)`: it deserializes through that parse
/// (so a bad value from the wire or a stored row is an error, never a silent default) and
/// serializes as its `as_str()`.
macro_rules! parsed_string_serde {
    ($($name:ty),+ $(,)?) => {$(
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                <$name>::parse(&raw)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_string()
            }
        }
    )+};
}

/// A Postgres `text` column holding one of a closed set of names: encoded as `as_str()`, decoded
/// through `parse`, so a name the code does not know fails the query instead of becoming a guess.
#[cfg(feature = "ssr")]
macro_rules! text_column {
    // For a type whose every stored word reads (an unknown one is kept as it is).
    (lenient: $name:ty) => {
        text_column!(@type $name);
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<$name>::parse(<&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?))
            }
        }
    };
    (@type $name:ty) => {
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }
        impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }
    };
    ($($name:ty),+ $(,)?) => {$(
        text_column!(@type $name);
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<$name>::parse(<&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?)?)
            }
        }
    )+};
}

pub mod action_lifecycle;
pub mod action_results;
pub mod contacts_export_csv;
pub mod cost_estimate;
pub mod csv_import;
pub mod do_not_contact;
pub mod email;
pub mod form_values;
pub mod initial_scripts;
pub mod join_code;
pub mod keyword_replies;
pub mod message_kind;
pub mod message_status;
pub mod name_folding;
pub mod names;
pub mod opt_out;
pub mod org_time;
pub mod own_phone_links;
pub mod password;
pub mod phone;
pub mod retention;
pub mod role;
pub mod script_image;
pub mod script_template;
pub mod script_tree;
pub mod segments;
pub mod sender_type;
pub mod share_link;
pub mod state_hours;
pub mod text_limits;
pub mod texting_window;
pub mod time_zones;
pub mod us_states;
pub mod vcard;
pub mod volunteer_profile;
pub mod wording;

pub use email::Email;
pub use join_code::JoinCode;
pub use names::{DisplayName, ListName, OrgName};
pub use password::NewPassword;
pub use role::Role;
pub use wording::plural;

#[cfg(test)]
mod tests {
    use super::volunteer_profile::{District, Languages};
    use super::*;

    #[test]
    fn newtypes_deserialize_only_through_their_parse() {
        let json = |raw: &str| serde_json::Value::String(raw.into());
        assert_eq!(serde_json::from_value::<Email>(json(" Ana@Example.org ")).unwrap().as_str(), "ana@example.org");
        assert!(serde_json::from_value::<Email>(json("me@localhost")).is_err());
        assert_eq!(serde_json::from_value::<JoinCode>(json("123-456")).unwrap().as_str(), "123456");
        assert!(serde_json::from_value::<JoinCode>(json("12345")).is_err());
        assert!(serde_json::from_value::<DisplayName>(json("  ")).is_err());
        assert!(serde_json::from_value::<OrgName>(json(&"x".repeat(121))).is_err());
        assert!(serde_json::from_value::<ListName>(json("")).is_err());
        assert!(serde_json::from_value::<District>(json("CD-7, CD-8")).is_err());
        assert!(serde_json::from_value::<Languages>(serde_json::json!([])).is_err());
        let languages: Languages = serde_json::from_value(serde_json::json!(["es", "en", "es"])).unwrap();
        assert_eq!(languages.codes(), ["en", "es"]);
        // And each comes back out as the text it was parsed from.
        let name = DisplayName::parse("Ana   Lima").unwrap();
        assert_eq!(serde_json::to_value(&name).unwrap(), json("Ana Lima"));
    }
}
