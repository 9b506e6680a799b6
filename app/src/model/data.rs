//! The data types that travel between the browser and the server, shared by the server
//! functions (`api::data`) and the queries (`server::db`).

use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Tag {
    pub id: i64,
    pub name: String,
    /// Applied by the product itself (Opt Out): cannot be renamed or deleted.
    pub built_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CustomField {
    pub id: i64,
    pub name: String,
}

/// Everything on the Data page, and what the script editor offers in Advanced Options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrgData {
    pub tags: Vec<Tag>,
    pub fields: Vec<CustomField>,
}

/// Which of the two lists a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    Tag,
    Field,
}

impl DataKind {
    pub fn parse(raw: &str) -> Result<DataKind, AppError> {
        match raw.trim() {
            "tag" => Ok(DataKind::Tag),
            "field" => Ok(DataKind::Field),
            _ => Err(AppError::invalid("kind", "Choose tags or custom fields.")),
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            DataKind::Tag => "tag",
            DataKind::Field => "custom field",
        }
    }
}
