//! Password hashing with argon2id (the crate's default), off the async threads because it is
//! deliberately slow.

use crate::error::AppError;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use std::sync::LazyLock;

pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "password hashing task failed");
        AppError::Internal
    })?
    .map_err(|error| {
        tracing::error!(%error, "password hashing failed");
        AppError::Internal
    })
}

/// Verifies `password` against a stored hash. With no stored hash (unknown e-mail) it checks
/// against a dummy so that the answer takes as long either way and does not reveal which
/// addresses have accounts.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(b"not a real password", &salt).unwrap().to_string()
    });
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY.clone());
        let ok = PasswordHash::new(&stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        known && ok
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "password verification task failed");
        AppError::Internal
    })
}
