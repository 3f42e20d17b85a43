//! Work-card QR codes: `/verify/{token}` tells anyone who scans it whether
//! the holder is an active grid worker right now. The token names a role
//! assignment and is signed by the server (HMAC-SHA256), so it cannot be
//! forged; ending the role revokes it at once, since the page reads the
//! role's current state.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::db::Db;
use crate::error::Result;

const KEY: &str = "work_card_secret";

/// The server's signing secret, made once and shared through the database.
pub async fn secret(db: &Db, now: i64) -> Result<Vec<u8>> {
    let fresh = crate::auth::secret::new_token();
    Ok(crate::db::settings::get_or_insert(db, KEY, &fresh, now).await?.into_bytes())
}

fn mac(secret: &[u8], assignment_id: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(format!("v1:{assignment_id}").as_bytes());
    let tag = mac.finalize().into_bytes();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..16])
}

/// `v1-{assignment}-{signature}`.
pub fn token(secret: &[u8], assignment_id: i64) -> String {
    format!("v1-{assignment_id}-{}", mac(secret, assignment_id))
}

/// The role assignment a genuine token names.
pub fn check(secret: &[u8], token: &str) -> Option<i64> {
    let rest = token.strip_prefix("v1-")?;
    let (id, sig) = rest.split_once('-')?;
    let id: i64 = id.parse().ok()?;
    let expected = mac(secret, id);
    let same = expected.len() == sig.len() && expected.bytes().zip(sig.bytes()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0;
    same.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_resist_forgery() {
        let t = token(b"secret", 42);
        assert_eq!(check(b"secret", &t), Some(42));
        assert_eq!(check(b"other", &t), None);
        let forged = t.replace("v1-42-", "v1-43-");
        assert_eq!(check(b"secret", &forged), None);
        assert_eq!(check(b"secret", "v1-42"), None);
        assert_eq!(check(b"secret", "nonsense"), None);
    }
}
