//! Keys, sealing of values (XChaCha20-Poly1305) and keyed lookup hashes (HMAC-SHA256).

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit as AeadKeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, KeyInit as MacKeyInit, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::StoreError;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Length of a salt for Argon2id.
pub(crate) const SALT_LEN: usize = 16;

/// The device storage key: 32 secret bytes from which the value-encryption
/// key and the lookup-hash key are derived. Zeroized on drop; `Debug` is redacted.
pub struct StorageKey(Zeroizing<[u8; 32]>);

impl StorageKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        Self(key)
    }

    /// Wraps key bytes (e.g. read from the platform keystore).
    pub fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Self {
        Self(bytes)
    }

    /// The key bytes, e.g. to save them in the platform keystore.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageKey(<redacted>)")
    }
}

/// Argon2id cost parameters used to turn a passphrase into a storage key.
///
/// They are chosen when a store is created and saved (in clear) in its `meta`
/// table, so later opens use the saved values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory, in KiB.
    pub m_kib: u32,
    /// Number of passes.
    pub t: u32,
    /// Parallelism.
    pub p: u32,
}

impl KdfParams {
    /// OWASP's recommended Argon2id setting (19 MiB, 2 passes, 1 lane): well under a second on a phone.
    pub const RECOMMENDED: KdfParams = KdfParams {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };
    /// A very cheap setting for tests only: it gives no protection against guessing.
    pub const INSECURE_FAST_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 8,
        t: 1,
        p: 1,
    };
    const MAX_M_KIB: u32 = 1024 * 1024;
    const MAX_T: u32 = 64;
    const MAX_P: u32 = 16;

    pub(crate) fn to_bytes(self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..4].copy_from_slice(&self.m_kib.to_le_bytes());
        out[4..8].copy_from_slice(&self.t.to_le_bytes());
        out[8..].copy_from_slice(&self.p.to_le_bytes());
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let word = |i: usize| -> Result<u32, StoreError> {
            bytes
                .get(i * 4..i * 4 + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
                .ok_or_else(|| StoreError::Corrupt("meta.kdf_params".into()))
        };
        if bytes.len() != 12 {
            return Err(StoreError::Corrupt("meta.kdf_params".into()));
        }
        Ok(Self {
            m_kib: word(0)?,
            t: word(1)?,
            p: word(2)?,
        })
    }

    fn argon2(self) -> Result<argon2::Argon2<'static>, StoreError> {
        if self.m_kib > Self::MAX_M_KIB || self.t > Self::MAX_T || self.p > Self::MAX_P {
            return Err(StoreError::KdfParams(format!(
                "m={} KiB, t={}, p={} exceed the limits",
                self.m_kib, self.t, self.p
            )));
        }
        let params = argon2::Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| StoreError::KdfParams(e.to_string()))?;
        Ok(argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        ))
    }

    /// Derives a storage key from a passphrase and salt with Argon2id.
    pub(crate) fn derive(
        self,
        passphrase: &str,
        salt: &[u8; SALT_LEN],
    ) -> Result<StorageKey, StoreError> {
        let mut out = Zeroizing::new([0u8; 32]);
        self.argon2()?
            .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
            .map_err(|e| StoreError::KdfParams(e.to_string()))?;
        Ok(StorageKey(out))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::RECOMMENDED
    }
}

/// A random salt for Argon2id.
pub(crate) fn random_salt() -> [u8; SALT_LEN] {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    salt
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let mut mac = <Hmac<Sha256> as MacKeyInit>::new_from_slice(key)
        .map_err(|_| StoreError::Corrupt("key derivation".into()))?;
    for part in parts {
        Mac::update(&mut mac, &(part.len() as u64).to_le_bytes());
        Mac::update(&mut mac, part);
    }
    let tag = mac.finalize().into_bytes();
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(tag.as_slice());
    Ok(out)
}

/// The working keys derived from the storage key.
pub(crate) struct Keys {
    aead: Zeroizing<[u8; 32]>,
    lookup: Zeroizing<[u8; 32]>,
}

impl Keys {
    pub(crate) fn derive(key: &StorageKey) -> Result<Self, StoreError> {
        Ok(Self {
            aead: hmac_sha256(key.expose_bytes(), &[b"livret-store/v1/aead-key"])?,
            lookup: hmac_sha256(key.expose_bytes(), &[b"livret-store/v1/lookup-key"])?,
        })
    }

    /// Encrypts `plaintext` bound to `ad`; returns nonce || ciphertext || tag.
    pub(crate) fn seal(&self, ad: &Ad, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(self.aead.as_ref()));
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &ad.0,
                },
            )
            .map_err(|_| StoreError::Corrupt("value too large to encrypt".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a sealed value bound to `ad`; `what` names it in the error.
    pub(crate) fn open(
        &self,
        ad: &Ad,
        sealed: &[u8],
        what: &str,
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(StoreError::Corrupt(what.to_owned()));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(self.aead.as_ref()));
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &ad.0,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| StoreError::Corrupt(what.to_owned()))
    }

    /// Decrypts a sealed UTF-8 string.
    pub(crate) fn open_string(
        &self,
        ad: &Ad,
        sealed: &[u8],
        what: &str,
    ) -> Result<String, StoreError> {
        let mut plain = self.open(ad, sealed, what)?;
        String::from_utf8(std::mem::take(&mut *plain))
            .map_err(|_| StoreError::Corrupt(what.to_owned()))
    }

    /// Keyed hash of a value that must not be stored in clear but must be looked up.
    pub(crate) fn lookup(&self, domain: &str, value: &str) -> Result<[u8; 32], StoreError> {
        let h = hmac_sha256(self.lookup.as_ref(), &[domain.as_bytes(), value.as_bytes()])?;
        Ok(*h)
    }
}

/// Associated data binding a sealed value to its table, row identity and column.
/// Each field is tagged and length-prefixed, so the encoding is unambiguous.
#[derive(Debug, Clone)]
pub(crate) struct Ad(Vec<u8>);

impl Ad {
    pub(crate) fn new(table: &str, column: &str) -> Self {
        Self(b"livret-store/v1".to_vec()).str(table).str(column)
    }

    fn field(mut self, tag: u8, bytes: &[u8]) -> Self {
        self.0.push(tag);
        self.0
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    pub(crate) fn str(self, s: &str) -> Self {
        self.field(1, s.as_bytes())
    }

    pub(crate) fn bytes(self, b: &[u8]) -> Self {
        self.field(2, b)
    }

    pub(crate) fn int(self, i: i64) -> Self {
        self.field(3, &i.to_le_bytes())
    }

    pub(crate) fn opt(mut self, s: Option<&str>) -> Self {
        match s {
            Some(s) => self.str(s),
            None => {
                self.0.push(0);
                self
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::derive(&StorageKey::generate()).unwrap()
    }

    #[test]
    fn seal_open_round_trip_and_binding() {
        let k = keys();
        let ad = Ad::new("t", "c").str("row1");
        let sealed = k.seal(&ad, b"secret text").unwrap();
        assert_eq!(sealed.len(), NONCE_LEN + 11 + TAG_LEN);
        assert_eq!(&k.open(&ad, &sealed, "x").unwrap()[..], b"secret text");
        let other = Ad::new("t", "c").str("row2");
        assert!(matches!(
            k.open(&other, &sealed, "x"),
            Err(StoreError::Corrupt(_))
        ));
        // Fresh nonce each time.
        assert_ne!(sealed, k.seal(&ad, b"secret text").unwrap());
        // Another key fails.
        assert!(keys().open(&ad, &sealed, "x").is_err());
        // Truncated fails.
        assert!(k.open(&ad, &sealed[..10], "x").is_err());
    }

    #[test]
    fn ad_encoding_is_unambiguous() {
        assert_ne!(
            Ad::new("t", "c").str("ab").str("c").0,
            Ad::new("t", "c").str("a").str("bc").0
        );
        assert_ne!(
            Ad::new("t", "c").opt(None).0,
            Ad::new("t", "c").opt(Some("")).0
        );
    }

    #[test]
    fn lookup_is_keyed_and_domain_separated() {
        let k = keys();
        let a = k.lookup("section", "accompagnement").unwrap();
        assert_eq!(a, k.lookup("section", "accompagnement").unwrap());
        assert_ne!(a, k.lookup("other", "accompagnement").unwrap());
        assert_ne!(a, keys().lookup("section", "accompagnement").unwrap());
    }

    #[test]
    fn kdf_params_round_trip_and_limits() {
        let p = KdfParams::RECOMMENDED;
        assert_eq!(KdfParams::from_bytes(&p.to_bytes()).unwrap(), p);
        assert!(KdfParams::from_bytes(&[0; 11]).is_err());
        let huge = KdfParams {
            m_kib: u32::MAX,
            t: 1,
            p: 1,
        };
        assert!(matches!(
            huge.derive("x", &[0; SALT_LEN]),
            Err(StoreError::KdfParams(_))
        ));
        let fast = KdfParams::INSECURE_FAST_FOR_TESTS;
        let a = fast.derive("pass", &[1; SALT_LEN]).unwrap();
        let b = fast.derive("pass", &[1; SALT_LEN]).unwrap();
        let c = fast.derive("pass", &[2; SALT_LEN]).unwrap();
        assert_eq!(a.expose_bytes(), b.expose_bytes());
        assert_ne!(a.expose_bytes(), c.expose_bytes());
        assert_eq!(format!("{a:?}"), "StorageKey(<redacted>)");
    }
}
