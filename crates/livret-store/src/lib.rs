//! livret-store: the device's embedded, encrypted database.
//!
//! One SQLite file (`livret.sqlite3`, WAL mode, `synchronous=FULL`) per device
//! home directory. The application crate stores its own serialized records in
//! it; this crate knows nothing of their format.
//!
//! # Key protection
//!
//! Values are encrypted under a 32-byte *storage key*, which comes from one of:
//! - **a key file** (the default): `home/storage.key`, 32 random bytes created
//!   on first open with mode 0600 (written to a temporary file, fsynced,
//!   renamed). A key file readable by others is refused. This protects a copied
//!   database file or backup, not a device whose home is readable by an attacker.
//! - **a passphrase** (`LIVRET_PASSPHRASE`, see [`KeySource::from_env`]):
//!   Argon2id (19 MiB, 2 passes, 1 lane by default) over a random 16-byte salt;
//!   salt and cost parameters are kept in clear in the `meta` table. Nothing
//!   secret is then written to disk.
//! - **a raw key** supplied by the mobile app from the platform keystore
//!   (Android Keystore, iOS Keychain).
//!
//! A check value (a fixed string encrypted under the key) is stored at creation,
//! so a wrong key or passphrase is refused at open ([`StoreError::WrongKey`]).
//! From the storage key two keys are derived with HMAC-SHA256: one for
//! XChaCha20-Poly1305, one for keyed lookup hashes.
//!
//! # What is encrypted, what is in clear
//!
//! Sealed (XChaCha20-Poly1305, fresh random 24-byte nonce, stored as
//! `nonce || ciphertext`, associated data binding table, row identity, column
//! and the row's clear columns, so a value moved to another row fails to open
//! as [`StoreError::Corrupt`]):
//! the device name and secret key, record values, section names, section
//! snapshots and incremental changes, sync states, audit sections and details.
//!
//! Keyed hashes (HMAC-SHA256 under the derived lookup key): section names used
//! as lookup keys (a name like `accompagnement` would reveal content).
//!
//! In clear: livret ids, record ids and kinds, peer ids (random pseudonyms or
//! public keys), the device role, timestamps, audit actions and outcomes, the
//! number and sizes of values, and the key-derivation salt and parameters.
//!
//! # Durability
//!
//! Every write runs in a SQLite transaction; with WAL and `synchronous=FULL`, a
//! write acknowledged by a returned `Ok` survives a crash or power loss, and an
//! interrupted write leaves the store as it was before that transaction.
//! `secure_delete=ON` overwrites deleted content; [`Store::vacuum`] also
//! truncates the WAL so deleted data leaves the files.

mod crypto;
mod error;
mod keyfile;
mod schema;
mod store;

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

pub use crypto::{KdfParams, StorageKey};
pub use error::StoreError;
pub use schema::SCHEMA_VERSION;
pub use store::{
    AuditEntry, DeviceRecord, OpenOptions, RecordRow, SectionData, SectionWeight, Store, StoreTx,
};

/// Environment variable naming the device home directory.
pub const HOME_ENV: &str = "LIVRET_HOME";
/// Environment variable holding the storage passphrase.
pub const PASSPHRASE_ENV: &str = "LIVRET_PASSPHRASE";
/// File name of the database inside the home.
pub const DB_FILE_NAME: &str = "livret.sqlite3";
/// File name of the key file inside the home.
pub const KEY_FILE_NAME: &str = "storage.key";

/// Finds the device home: `explicit` (from `--home DIR`) if given, else
/// `$LIVRET_HOME` if set and non-empty, else the platform data directory.
pub fn resolve_home(explicit: Option<&Path>) -> Result<PathBuf, StoreError> {
    resolve_home_from(explicit, std::env::var_os(HOME_ENV))
}

fn resolve_home_from(
    explicit: Option<&Path>,
    env: Option<OsString>,
) -> Result<PathBuf, StoreError> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = env.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("fr", "livret", "livret")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(StoreError::NoHome)
}

/// Where the storage key comes from.
pub enum KeySource {
    /// `home/storage.key` (created with mode 0600 on first open).
    KeyFile,
    /// A passphrase stretched with Argon2id.
    Passphrase(Zeroizing<String>),
    /// A key supplied by the caller (e.g. from the platform keystore).
    Raw(Zeroizing<[u8; 32]>),
}

impl KeySource {
    /// `Passphrase` if `LIVRET_PASSPHRASE` is set and non-empty, else `KeyFile`.
    pub fn from_env() -> Self {
        match std::env::var_os(PASSPHRASE_ENV) {
            Some(v) if !v.is_empty() => {
                Self::Passphrase(Zeroizing::new(v.to_string_lossy().into_owned()))
            }
            _ => Self::KeyFile,
        }
    }

    /// The kind of this source.
    pub fn kind(&self) -> KeyKind {
        match self {
            Self::KeyFile => KeyKind::KeyFile,
            Self::Passphrase(_) => KeyKind::Passphrase,
            Self::Raw(_) => KeyKind::Raw,
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyFile => f.write_str("KeyFile"),
            Self::Passphrase(_) => f.write_str("Passphrase(<redacted>)"),
            Self::Raw(_) => f.write_str("Raw(<redacted>)"),
        }
    }
}

/// The kind of key protecting a store (recorded in clear at creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyKind {
    /// A key file in the home.
    KeyFile,
    /// A passphrase.
    Passphrase,
    /// A key from the platform keystore.
    Raw,
}

impl KeyKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::KeyFile => "key-file",
            Self::Passphrase => "passphrase",
            Self::Raw => "raw",
        }
    }

    pub(crate) fn parse(s: &[u8]) -> Option<Self> {
        match s {
            b"key-file" => Some(Self::KeyFile),
            b"passphrase" => Some(Self::Passphrase),
            b"raw" => Some(Self::Raw),
            _ => None,
        }
    }

    /// French description, for messages.
    pub fn french(self) -> &'static str {
        match self {
            Self::KeyFile => "un fichier de clé",
            Self::Passphrase => "une phrase de passe (LIVRET_PASSPHRASE)",
            Self::Raw => "une clé du trousseau de l'appareil",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::KeyFile => "a key file",
            Self::Passphrase => "a passphrase (LIVRET_PASSPHRASE)",
            Self::Raw => "a keystore key",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_resolution_order() {
        let explicit = Path::new("/tmp/explicit");
        assert_eq!(
            resolve_home_from(Some(explicit), Some("/tmp/env".into())).unwrap(),
            explicit
        );
        assert_eq!(
            resolve_home_from(None, Some("/tmp/env".into())).unwrap(),
            Path::new("/tmp/env")
        );
        // Empty env falls through to the platform directory (when one exists).
        if let Ok(p) = resolve_home_from(None, Some(OsString::new())) {
            assert_ne!(p, Path::new(""));
        }
    }

    #[test]
    fn key_source_debug_is_redacted() {
        let s = KeySource::Passphrase(Zeroizing::new("hunter2".into()));
        assert_eq!(format!("{s:?}"), "Passphrase(<redacted>)");
        let r = KeySource::Raw(Zeroizing::new([7; 32]));
        assert!(!format!("{r:?}").contains('7'));
    }
}
