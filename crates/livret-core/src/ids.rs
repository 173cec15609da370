//! Identifiers: device keys, livret ids, grant ids.
//!
//! Everything a person may type or paste is written in lowercase base32 (RFC 4648, no
//! padding): no ambiguous `0/O`, `1/l`, and it survives being read aloud.

use std::fmt;
use std::str::FromStr;

use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::CoreError;
use crate::lang::Localized;
use crate::Lang;

fn encode(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes).to_ascii_lowercase()
}

fn decode<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], CoreError> {
    let upper = text.trim().to_ascii_uppercase();
    let bytes = BASE32_NOPAD
        .decode(upper.as_bytes())
        .map_err(|_| CoreError::BadIdentifier { what })?;
    bytes
        .try_into()
        .map_err(|_| CoreError::BadIdentifier { what })
}

macro_rules! byte_id {
    ($(#[$doc:meta])* $name:ident, $len:expr, $what:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
            /// From raw bytes of the right length.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, CoreError> {
                let arr: [u8; $len] = bytes
                    .try_into()
                    .map_err(|_| CoreError::BadIdentifier { what: $what })?;
                Ok(Self(arr))
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&encode(&self.0))
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), encode(&self.0))
            }
        }
        impl FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, CoreError> {
                decode::<$len>(s, $what).map(Self)
            }
        }
        impl TryFrom<String> for $name {
            type Error = CoreError;
            fn try_from(s: String) -> Result<Self, CoreError> {
                s.parse()
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }
    };
}

byte_id!(
    /// A device's public ed25519 key: its identity, its libp2p PeerId, the key grants name.
    DeviceId,
    32,
    "device"
);
byte_id!(
    /// A livret's id: a random pseudonym, never derived from the child's name.
    LivretId,
    16,
    "livret"
);
byte_id!(
    /// A grant's id (random).
    GrantId,
    16,
    "grant"
);
byte_id!(
    /// An invitation's id: the hash of its one-time secret, so the secret is never stored
    /// where the id is shown.
    InvitationId,
    16,
    "invitation"
);
byte_id!(
    /// A teaching team's id (random, chosen by the school that keeps its roster).
    TeamId,
    16,
    "team"
);

impl DeviceId {
    /// A short form for people (first 8 characters), as shown in lists.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(8);
        s
    }

    /// The ed25519 verifying key, if these bytes are a valid point.
    pub fn verifying_key(&self) -> Result<ed25519_dalek::VerifyingKey, CoreError> {
        ed25519_dalek::VerifyingKey::from_bytes(&self.0)
            .map_err(|_| CoreError::BadIdentifier { what: "device" })
    }
}

impl LivretId {
    /// Derives a livret id from its creator's key and a random nonce: still a pseudonym (the
    /// nonce is random), and anyone holding the genesis record can check who created it.
    pub fn derive(creator: &DeviceId, nonce: &[u8; 16]) -> LivretId {
        let mut h = Sha256::new();
        h.update(b"livret/livret-id/v1");
        h.update(creator.0);
        h.update(nonce);
        let digest = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        LivretId(id)
    }
}

impl InvitationId {
    /// The id of the invitation whose one-time secret is `secret`.
    pub fn from_secret(secret: &[u8; 16]) -> InvitationId {
        let mut h = Sha256::new();
        h.update(b"livret/invitation-id/v1");
        h.update(secret);
        let digest = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        InvitationId(id)
    }
}

impl Localized for DeviceId {
    fn localized(&self, _lang: Lang) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_in_text() {
        let id = LivretId([7u8; 16]);
        let text = id.to_string();
        assert_eq!(text.len(), 26);
        assert_eq!(text.parse::<LivretId>().unwrap(), id);
        assert_eq!(text.to_uppercase().parse::<LivretId>().unwrap(), id);
        assert!("zz".parse::<LivretId>().is_err());
        assert!(DeviceId([1; 32]).to_string().parse::<LivretId>().is_err());
    }
}
