//! WXBizMsgCrypt, the message encryption of WeCom (企业微信) callbacks:
//! SHA-1 signature over the sorted token, timestamp, nonce and ciphertext;
//! AES-256-CBC with key = base64(EncodingAESKey + "="), IV = key[..16];
//! plaintext = 16 random bytes + u32 big-endian length + message + receive id,
//! PKCS#7-padded to a multiple of 32 bytes.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use sha1::{Digest, Sha1};

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

/// WeCom's sample keys have non-zero trailing bits: a strict decoder refuses them.
const LENIENT: GeneralPurpose =
    GeneralPurpose::new(&STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptError {
    #[error("LINLI_WECOM_AES_KEY must be the 43-character EncodingAESKey")]
    BadKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the ciphertext is not base64")]
    Base64,
    #[error("the ciphertext is not a whole number of AES blocks")]
    BlockLength,
    #[error("the plaintext's padding is invalid")]
    Padding,
    #[error("the plaintext's length field is inconsistent")]
    Length,
    #[error("the message is for receive id `{got}`, not this corp")]
    ReceiveId { got: String },
    #[error("the message is not UTF-8")]
    Utf8,
}

/// The keys of one WeCom app.
#[derive(Clone)]
pub struct WxCrypt {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for WxCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token or key.
        f.debug_struct("WxCrypt").field("receive_id", &self.receive_id).finish_non_exhaustive()
    }
}

impl WxCrypt {
    pub fn new(token: &str, encoding_aes_key: &str, receive_id: &str) -> Result<WxCrypt, CryptError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptError::BadKey);
        }
        let key = LENIENT.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptError::BadKey)?;
        let key: [u8; 32] = key.try_into().map_err(|_| CryptError::BadKey)?;
        Ok(WxCrypt { token: token.to_string(), key, receive_id: receive_id.to_string() })
    }

    /// SHA-1 over the four strings sorted and joined, as lowercase hex.
    pub fn signature(&self, timestamp: &str, nonce: &str, ciphertext: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, ciphertext];
        parts.sort_unstable();
        let digest = Sha1::digest(parts.concat().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks a signature in constant time.
    pub fn verify(&self, signature: &str, timestamp: &str, nonce: &str, ciphertext: &str) -> Result<(), CryptError> {
        let expected = self.signature(timestamp, nonce, ciphertext);
        let given = signature.to_ascii_lowercase();
        let same = expected.len() == given.len()
            && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same { Ok(()) } else { Err(CryptError::BadSignature) }
    }

    /// The message inside a ciphertext, checked to be for this receive id.
    pub fn decrypt(&self, ciphertext: &str) -> Result<String, CryptError> {
        let mut buf = LENIENT.decode(ciphertext.trim()).map_err(|_| CryptError::Base64)?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(CryptError::BlockLength);
        }
        let iv: [u8; 16] = self.key[..16].try_into().expect("16 bytes");
        let plain = Decryptor::new(&self.key.into(), &iv.into())
            .decrypt_padded::<NoPadding>(&mut buf)
            .map_err(|_| CryptError::BlockLength)?;
        // PKCS#7 to 32-byte blocks: the pad runs from 1 to 32, not 16.
        let pad = usize::from(*plain.last().ok_or(CryptError::Padding)?);
        if !(1..=32).contains(&pad)
            || pad > plain.len()
            || !plain[plain.len() - pad..].iter().all(|b| usize::from(*b) == pad)
        {
            return Err(CryptError::Padding);
        }
        let body = &plain[..plain.len() - pad];
        if body.len() < 20 {
            return Err(CryptError::Length);
        }
        let len = u32::from_be_bytes([body[16], body[17], body[18], body[19]]) as usize;
        let end = 20usize.checked_add(len).filter(|e| *e <= body.len()).ok_or(CryptError::Length)?;
        let message = std::str::from_utf8(&body[20..end]).map_err(|_| CryptError::Utf8)?;
        let receive_id = std::str::from_utf8(&body[end..]).map_err(|_| CryptError::Utf8)?;
        if receive_id != self.receive_id {
            return Err(CryptError::ReceiveId { got: receive_id.to_string() });
        }
        Ok(message.to_string())
    }

    /// Encrypts a reply; `random` is 16 random bytes (fixed in tests).
    pub fn encrypt(&self, message: &str, random: [u8; 16]) -> String {
        let mut plain = Vec::with_capacity(20 + message.len() + self.receive_id.len() + 32);
        plain.extend_from_slice(&random);
        plain.extend_from_slice(&(message.len() as u32).to_be_bytes());
        plain.extend_from_slice(message.as_bytes());
        plain.extend_from_slice(self.receive_id.as_bytes());
        let pad = 32 - plain.len() % 32;
        plain.extend(std::iter::repeat_n(pad as u8, pad));
        let len = plain.len();
        let iv: [u8; 16] = self.key[..16].try_into().expect("16 bytes");
        let ct = Encryptor::new(&self.key.into(), &iv.into())
            .encrypt_padded::<NoPadding>(&mut plain, len)
            .expect("the buffer is a whole number of blocks");
        LENIENT.encode(ct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every vector of tests/data/wecom_vectors.json (Tencent's own samples, verified).
    #[test]
    fn tencent_vectors() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/wecom_vectors.json");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("json");
        let vectors = doc["vectors"].as_array().expect("vectors");
        assert_eq!(vectors.len(), 9);
        for v in vectors {
            let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {}", v["name"])).to_string();
            let crypt = WxCrypt::new(&s("token"), &s("encoding_aes_key"), &s("receiveid")).expect("keys");
            // The last vector tests encryption alone and carries no signature.
            if v.get("msg_signature").is_some() {
                assert_eq!(
                    crypt.signature(&s("timestamp"), &s("nonce"), &s("encrypt")),
                    s("msg_signature"),
                    "{}",
                    s("name")
                );
                crypt.verify(&s("msg_signature"), &s("timestamp"), &s("nonce"), &s("encrypt")).expect("verify");
            }
            assert_eq!(crypt.decrypt(&s("encrypt")).expect("decrypt"), s("expected_plaintext"), "{}", s("name"));
            let random: [u8; 16] = s("random16").as_bytes().try_into().expect("16 bytes");
            assert_eq!(crypt.encrypt(&s("expected_plaintext"), random), s("encrypt"), "re-encrypting {}", s("name"));
        }
    }

    fn sample() -> WxCrypt {
        WxCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7").expect("keys")
    }

    #[test]
    fn refuses_tampering() {
        let c = sample();
        let ct = c.encrypt("<xml>hi</xml>", *b"0123456789abcdef");
        assert_eq!(c.verify("deadbeef", "1", "2", &ct), Err(CryptError::BadSignature));
        assert_eq!(c.decrypt("not base64!!"), Err(CryptError::Base64));
        assert_eq!(c.decrypt("AAAA"), Err(CryptError::BlockLength));
        let other =
            WxCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wwSOMEONEELSE").expect("keys");
        assert_eq!(c.decrypt(&other.encrypt("x", [7; 16])), Err(CryptError::ReceiveId { got: "wwSOMEONEELSE".into() }));
        let wrong_key =
            WxCrypt::new("QDG6eK", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx5823bf96d3bd56c7").expect("keys");
        assert!(c.decrypt(&wrong_key.encrypt("x", [7; 16])).is_err());
        assert!(WxCrypt::new("t", "short", "r").is_err());
    }
}
