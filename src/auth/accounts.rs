//! Staff accounts: a username and an argon2id password hash per person.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::time::now_ms;

/// Hashes a password with argon2id and a random salt. CPU-heavy (tens of
/// milliseconds): call it from `spawn_blocking`, never on the async runtime.
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password failed: {e}")))
}

/// Whether `password` matches a stored hash. Also CPU-heavy.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Gives a person a sign-in. `password_hash` comes from [`hash_password`].
pub async fn create_account(tx: &mut Tx, person_id: i64, username: &str, password_hash: &str) -> Result<i64> {
    let valid =
        (3..=32).contains(&username.len()) && username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !valid {
        return Err(Error::invalid("username", "应为 3 到 32 个字母、数字或“.”“_”“-”"));
    }
    super::store::insert_account(tx, person_id, username, password_hash, now_ms()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash_password("邻里2024!").expect("hash");
        let b = hash_password("邻里2024!").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_password("邻里2024!", &a));
        assert!(!verify_password("wrong", &a));
        assert!(!verify_password("邻里2024!", "not a hash"));
    }
}
