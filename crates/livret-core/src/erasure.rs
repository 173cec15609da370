//! The family's control over what its devices hold: erasing entries or whole sections (with
//! their history), deleting a livret, and revoking an owner's lost device. All three are
//! records signed by an owner, so every device that holds the data can check who asked.
//!
//! Erasure: Automerge keeps every deleted value in its history, so deleting a key is not
//! forgetting it. An [`Erasure`] names a section and the entries to forget (or all of it);
//! every device holding that section rebuilds it with [`crate::doc::SectionDoc::erased`]: a new
//! document whose history holds only the remaining entries, one deterministic change per entry,
//! so two devices that rebuild the same entries get the same changes and still sync. Devices
//! track which erasures their copy went through; two copies sync only when those sets are
//! equal (otherwise an old copy would bring the forgotten history back).
//!
//! The entries an erasure names are not written in clear: each is a salted SHA-256 of its key,
//! so the record does not say what was forgotten to someone who never held it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cbor;
use crate::cose::Kind;
use crate::error::CoreError;
use crate::ids::{DeviceId, GrantId, LivretId};
use crate::record::SignedRecord;
use crate::section::Section;

/// How many entries one erasure may name (a whole section needs none).
pub const MAX_ERASED_ENTRIES: usize = 64;

/// An owner's order to forget entries of a section, or the whole section, history included.
/// Kept in the manifest under `erasure/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erasure {
    /// A random id.
    #[serde(rename = "d", with = "cbor::fixed")]
    pub id: [u8; 16],
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The section, by [`Section::code`].
    #[serde(rename = "s")]
    pub section: u32,
    /// The salt of the entry digests.
    #[serde(rename = "z", with = "cbor::fixed")]
    pub salt: [u8; 16],
    /// Salted digests of the entry keys to forget; empty: the whole section.
    #[serde(rename = "e", with = "cbor::fixed_list")]
    pub entries: Vec<[u8; 32]>,
    /// The owner who asked.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// When.
    #[serde(rename = "t")]
    pub at: i64,
}

impl Erasure {
    /// An erasure of `keys` of `section` (all of it when `keys` is empty).
    pub fn new(
        id: [u8; 16],
        salt: [u8; 16],
        livret: LivretId,
        section: Section,
        keys: &[String],
        issuer: DeviceId,
        at: i64,
    ) -> Erasure {
        Erasure {
            id,
            livret: livret.0,
            section: section.code(),
            salt,
            entries: keys.iter().map(|k| entry_digest(&salt, k)).collect(),
            issuer: issuer.0,
            at,
        }
    }

    /// The id as text (base32), as in the manifest key.
    pub fn id_text(&self) -> String {
        GrantId(self.id).to_string()
    }

    /// The manifest key of this record.
    pub fn key(&self) -> String {
        format!("erasure/{}", self.id_text())
    }

    /// The section erased.
    pub fn section(&self) -> Result<Section, CoreError> {
        Section::from_code(self.section)
    }

    /// Whether the whole section is forgotten.
    pub fn whole_section(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the entry under `key` is to be forgotten.
    pub fn erases(&self, key: &str) -> bool {
        self.whole_section() || self.entries.contains(&entry_digest(&self.salt, key))
    }
}

impl SignedRecord for Erasure {
    const KIND: Kind = Kind::Erasure;
    const WHAT: &'static str = "erasure record";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
    fn check(&self) -> Result<(), CoreError> {
        if self.entries.len() > MAX_ERASED_ENTRIES {
            return Err(CoreError::Malformed {
                what: "erasure record",
                detail: format!("plus de {MAX_ERASED_ENTRIES} inscriptions"),
            });
        }
        self.section()?;
        Ok(())
    }
}

fn entry_digest(salt: &[u8; 16], key: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"livret/erased-entry/1");
    h.update(salt);
    h.update(key.as_bytes());
    h.finalize().into()
}

/// A digest of a set of erasure ids, announced per section in a hello: two copies sync only
/// when they went through the same erasures. All zero for none.
pub fn erasure_set_digest(ids: &[String]) -> [u8; 32] {
    if ids.is_empty() {
        return [0; 32];
    }
    let mut sorted: Vec<&String> = ids.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut h = Sha256::new();
    h.update(b"livret/erasure-set/1");
    for id in sorted {
        h.update((id.len() as u32).to_be_bytes());
        h.update(id.as_bytes());
    }
    h.finalize().into()
}

/// An owner's deletion of a whole livret: every device that holds it erases it, and keeps
/// only this record (so it can tell the devices it meets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deletion {
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The owner who deleted it.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// When.
    #[serde(rename = "t")]
    pub at: i64,
}

impl SignedRecord for Deletion {
    const KIND: Kind = Kind::Deletion;
    const WHAT: &'static str = "deletion record";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
}

/// An owner's revocation of another owner's device (lost, stolen, sold). Kept in the manifest
/// under `owner-revocation/<device>`.
///
/// The revoked device's signature cannot be trusted for any date it claims (a thief can
/// backdate), so what it did before stays valid only by name: the grants it issued that the
/// revoking owner chose to keep (`kept_grants`) and the owners it had added, as the revoking
/// device knew them (`kept_owners`). Anything else it signs is void.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerRevocation {
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The revoked device.
    #[serde(rename = "d", with = "cbor::fixed")]
    pub device: [u8; 32],
    /// The owner who revoked it.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// When.
    #[serde(rename = "t")]
    pub at: i64,
    /// Grants issued by the revoked device that stay valid, 16 bytes each.
    #[serde(rename = "g", with = "cbor::bytes")]
    pub kept_grants: Vec<u8>,
    /// Owners added by the revoked device that stay owners, 32 bytes each.
    #[serde(rename = "o", with = "cbor::bytes")]
    pub kept_owners: Vec<u8>,
}

impl OwnerRevocation {
    /// The manifest key of this record.
    pub fn key(&self) -> String {
        format!("owner-revocation/{}", DeviceId(self.device))
    }

    /// Whether the grant `id`, issued by the revoked device, was kept.
    pub fn keeps_grant(&self, id: &GrantId) -> bool {
        self.kept_grants.chunks_exact(16).any(|c| c == id.0)
    }

    /// Whether `owner`, added by the revoked device, stays an owner.
    pub fn keeps_owner(&self, owner: &DeviceId) -> bool {
        self.kept_owners.chunks_exact(32).any(|c| c == owner.0)
    }
}

impl SignedRecord for OwnerRevocation {
    const KIND: Kind = Kind::OwnerRevocation;
    const WHAT: &'static str = "owner device revocation";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
    fn check(&self) -> Result<(), CoreError> {
        if !self.kept_grants.len().is_multiple_of(16) || !self.kept_owners.len().is_multiple_of(32)
        {
            return Err(CoreError::Malformed {
                what: "owner device revocation",
                detail: "listes mal formées".into(),
            });
        }
        if self.device == self.issuer {
            return Err(CoreError::Malformed {
                what: "owner device revocation",
                detail: "un appareil ne se révoque pas lui-même".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DeviceSecret;

    #[test]
    fn erasures_name_entries_only_by_salted_digest() {
        let owner = DeviceSecret::from_bytes(&[1; 32]);
        let e = Erasure::new(
            [2; 16],
            [3; 16],
            LivretId([4; 16]),
            Section::Accompagnement,
            &["accompagnement/PPRE".into()],
            owner.device_id(),
            100,
        );
        let signed = e.sign(&owner);
        assert!(!signed.windows(4).any(|w| w == b"PPRE"));
        let opened = Erasure::open(&signed).unwrap();
        assert!(opened.erases("accompagnement/PPRE"));
        assert!(!opened.erases("accompagnement/PAI"));
        assert!(!opened.whole_section());
        let mut forged = signed.clone();
        let n = forged.len();
        forged[n - 1] ^= 1;
        assert!(Erasure::open(&forged).is_err());
        assert_eq!(erasure_set_digest(&[]), [0; 32]);
        assert_eq!(
            erasure_set_digest(&["b".into(), "a".into()]),
            erasure_set_digest(&["a".into(), "b".into(), "a".into()])
        );
    }

    #[test]
    fn an_owner_revocation_keeps_only_what_it_names() {
        let owner = DeviceSecret::from_bytes(&[1; 32]);
        let lost = DeviceSecret::from_bytes(&[2; 32]);
        let r = OwnerRevocation {
            livret: [4; 16],
            device: lost.device_id().0,
            issuer: owner.device_id().0,
            at: 5,
            kept_grants: [[7u8; 16], [8u8; 16]].concat(),
            kept_owners: vec![],
        };
        let opened = OwnerRevocation::open(&r.sign(&owner)).unwrap();
        assert!(opened.keeps_grant(&GrantId([8; 16])));
        assert!(!opened.keeps_grant(&GrantId([9; 16])));
        // Signed by someone else than the issuer it names: refused.
        assert!(OwnerRevocation::open(&r.sign(&lost)).is_err());
        let selfish = OwnerRevocation {
            device: owner.device_id().0,
            ..r
        };
        assert!(OwnerRevocation::open(&selfish.sign(&owner)).is_err());
    }
}
