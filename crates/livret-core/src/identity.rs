//! Device identities: an ed25519 key pair and a role.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::CoreError;
use crate::ids::DeviceId;

/// What a device is for. A family device owns livrets; the others receive grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A parent's device: creates and owns livrets.
    Family,
    /// A teacher's device: writes bilans under a write grant.
    Teacher,
    /// A school's device: certifies its teachers' keys.
    School,
    /// An exam jury's device: reads anonymized extracts.
    Jury,
}

impl Role {
    /// The word used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Family => "family",
            Role::Teacher => "teacher",
            Role::School => "school",
            Role::Jury => "jury",
        }
    }

    /// The French word shown to people.
    pub fn french(self) -> &'static str {
        match self {
            Role::Family => "famille",
            Role::Teacher => "enseignant",
            Role::School => "établissement",
            Role::Jury => "jury",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "family" | "famille" => Ok(Role::Family),
            "teacher" | "enseignant" => Ok(Role::Teacher),
            "school" | "etablissement" | "établissement" => Ok(Role::School),
            "jury" => Ok(Role::Jury),
            _ => Err(CoreError::UnknownRole(s.to_string())),
        }
    }
}

/// A device's secret signing key. Zeroized on drop (by ed25519-dalek); never printed.
#[derive(Clone)]
pub struct DeviceSecret(SigningKey);

impl DeviceSecret {
    /// Builds the key from 32 secret bytes (from the operating system's random generator, or
    /// from the store). Core never draws randomness itself.
    pub fn from_bytes(bytes: &[u8; 32]) -> DeviceSecret {
        DeviceSecret(SigningKey::from_bytes(bytes))
    }

    /// The secret bytes, in a buffer that is wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public identity of this key.
    pub fn device_id(&self) -> DeviceId {
        DeviceId(self.0.verifying_key().to_bytes())
    }

    /// Signs a message (EdDSA, ed25519).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DeviceSecret(<redacted> of {})",
            self.device_id().short()
        )
    }
}

/// A device: its role, the name its user gave, and its key.
#[derive(Clone, Debug)]
pub struct DeviceIdentity {
    /// What the device is for.
    pub role: Role,
    /// The name shown to peers (a teacher's name, "Maman", a school's name...).
    pub name: String,
    /// The signing key.
    pub secret: DeviceSecret,
}

impl DeviceIdentity {
    /// The device's public id.
    pub fn device_id(&self) -> DeviceId {
        self.secret.device_id()
    }
}

/// Verifies an ed25519 signature by `key` (strict verification: no malleable signatures).
pub fn verify_signature(key: &DeviceId, message: &[u8], signature: &[u8]) -> bool {
    let Ok(vk) = key.verifying_key() else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    vk.verify_strict(message, &sig).is_ok()
}

/// Verifies many signatures together: one multiscalar equation (ed25519-dalek's
/// `verify_batch`) instead of one per signature. True only if every signature verifies; a
/// false answer names none, so the caller then verifies one by one to find the bad one.
///
/// Before the equation, each signature passes what [`verify_signature`]'s strict verification
/// checks beside it: the key and the signature's R not of small order, R canonically encoded
/// (the strict check compares R's bytes with a canonical encoding). The batch equation, like
/// the strict one, has no cofactor; it can differ from it only for a signature its own key's
/// holder built with a torsion component in R or in the key (ARCHITECTURE.md, « A sync
/// session »).
pub fn verify_signatures_batch(items: &[(DeviceId, Vec<u8>, [u8; 64])]) -> bool {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    if items.is_empty() {
        return true;
    }
    let mut keys = Vec::with_capacity(items.len());
    let mut sigs = Vec::with_capacity(items.len());
    let mut messages: Vec<&[u8]> = Vec::with_capacity(items.len());
    // The authors of a batch are few: each key's checks run once.
    let mut checked: Vec<(DeviceId, ed25519_dalek::VerifyingKey)> = Vec::new();
    for (key, message, signature) in items {
        let vk = match checked.iter().find(|(k, _)| k == key) {
            Some((_, vk)) => *vk,
            None => {
                let Ok(vk) = key.verifying_key() else {
                    return false;
                };
                if vk.is_weak() {
                    return false;
                }
                checked.push((*key, vk));
                vk
            }
        };
        let mut r = [0u8; 32];
        r.copy_from_slice(&signature[..32]);
        let Some(point) = CompressedEdwardsY(r).decompress() else {
            return false;
        };
        if point.is_small_order() || point.compress().to_bytes() != r {
            return false;
        }
        keys.push(vk);
        sigs.push(ed25519_dalek::Signature::from_bytes(signature));
        messages.push(message);
    }
    ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_in_debug() {
        let secret = DeviceSecret::from_bytes(&[42u8; 32]);
        let shown = format!("{secret:?}");
        assert!(shown.contains("redacted"));
        let hex_secret = hex::encode([42u8; 32]);
        assert!(!shown.contains(&hex_secret));
        assert!(!shown.contains("42, 42"));
    }

    #[test]
    fn signatures_verify_only_with_the_right_key() {
        let a = DeviceSecret::from_bytes(&[1u8; 32]);
        let b = DeviceSecret::from_bytes(&[2u8; 32]);
        let sig = a.sign(b"bonjour");
        assert!(verify_signature(&a.device_id(), b"bonjour", &sig));
        assert!(!verify_signature(&b.device_id(), b"bonjour", &sig));
        assert!(!verify_signature(&a.device_id(), b"bonjouR", &sig));
    }
}
