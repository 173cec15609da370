//! The signed envelope: COSE_Sign1 (RFC 9052) with EdDSA over a CBOR payload.
//!
//! The protected header names the algorithm only. The kind of object (`livret/entry/1`,
//! `livret/grant/1`...) is bound as COSE *external AAD*: it enters the signature without
//! travelling (an invitation must fit a small QR code), so a signature made for one kind of
//! object can never be replayed as another. The unprotected header must be empty: nothing
//! unsigned travels with a signed object. Objects are written untagged (one byte less).

use coset::{
    iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable,
};

use crate::error::CoreError;
use crate::identity::{verify_signature, DeviceSecret};
use crate::ids::DeviceId;

/// The kinds of signed objects, each with its own content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An entry of a section (a bilan, an attestation, an identity record...).
    Entry,
    /// An invitation shown as a QR code.
    Invitation,
    /// A grant issued by an owner to another device.
    Grant,
    /// A revocation of a grant.
    Revocation,
    /// A record making a device an owner of a livret.
    Owner,
    /// The record of a livret's creation.
    Genesis,
    /// A school's card: its key, UAI and name (a trust anchor).
    SchoolCard,
    /// A school's certificate of a teacher's key.
    Certificate,
    /// A record opening a sensitive section of a livret (the family's consent).
    Opening,
    /// An owner's revocation of another owner's device (a lost or stolen phone).
    OwnerRevocation,
    /// An owner's erasure of entries or of a whole section.
    Erasure,
    /// An owner's deletion of a whole livret.
    Deletion,
    /// A school's roster of a teaching team.
    TeamRoster,
    /// An owner's grant to a teaching team.
    TeamGrant,
    /// A school's team card (what the family scans to grant a team).
    TeamCard,
    /// A school's delegation of one team's roster to a teacher's device (the PP).
    TeamDelegation,
}

impl Kind {
    fn aad(self) -> &'static [u8] {
        match self {
            Kind::Entry => b"livret/entry/1",
            Kind::Invitation => b"livret/invitation/1",
            Kind::Grant => b"livret/grant/1",
            Kind::Revocation => b"livret/revocation/1",
            Kind::Owner => b"livret/owner/1",
            Kind::Genesis => b"livret/genesis/1",
            Kind::SchoolCard => b"livret/school/1",
            Kind::Certificate => b"livret/certificate/1",
            Kind::Opening => b"livret/opening/1",
            Kind::OwnerRevocation => b"livret/owner-revocation/1",
            Kind::Erasure => b"livret/erasure/1",
            Kind::Deletion => b"livret/deletion/1",
            Kind::TeamRoster => b"livret/team-roster/1",
            Kind::TeamGrant => b"livret/team-grant/1",
            Kind::TeamCard => b"livret/team-card/1",
            Kind::TeamDelegation => b"livret/team-delegation/1",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Entry => "entry",
            Kind::Invitation => "invitation",
            Kind::Grant => "grant",
            Kind::Revocation => "revocation",
            Kind::Owner => "owner record",
            Kind::Genesis => "genesis record",
            Kind::SchoolCard => "school card",
            Kind::Certificate => "certificate",
            Kind::Opening => "opening record",
            Kind::OwnerRevocation => "owner device revocation",
            Kind::Erasure => "erasure record",
            Kind::Deletion => "deletion record",
            Kind::TeamRoster => "team roster",
            Kind::TeamGrant => "team grant",
            Kind::TeamCard => "team card",
            Kind::TeamDelegation => "team delegation",
        }
    }
}

/// Signs `payload` as an object of `kind`, returning the tagged COSE_Sign1 bytes.
pub fn sign(secret: &DeviceSecret, kind: Kind, payload: Vec<u8>) -> Vec<u8> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(kind.aad(), |tbs| secret.sign(tbs).to_vec())
        .build();
    // Serializing a well-formed CoseSign1 we just built cannot fail.
    sign1.to_vec().unwrap_or_default()
}

/// A parsed (not yet verified) COSE_Sign1 of a known kind.
#[derive(Debug, Clone)]
pub struct Envelope {
    sign1: CoseSign1,
    kind: Kind,
}

impl Envelope {
    /// Parses `bytes` as a COSE_Sign1 of `kind` (tagged or not), refusing anything larger than
    /// `max` bytes, another algorithm or content type, an unprotected header or a detached
    /// payload.
    pub fn parse(bytes: &[u8], kind: Kind, max: usize) -> Result<Envelope, CoreError> {
        let what = kind.what();
        if bytes.len() > max {
            return Err(CoreError::TooLarge {
                what,
                max,
                actual: bytes.len(),
            });
        }
        let sign1 = CoseSign1::from_tagged_slice(bytes)
            .or_else(|_| CoseSign1::from_slice(bytes))
            .map_err(|e| CoreError::Malformed {
                what,
                detail: format!("COSE_Sign1: {e}"),
            })?;
        let malformed = |detail: &str| CoreError::Malformed {
            what,
            detail: detail.to_string(),
        };
        let header = &sign1.protected.header;
        if header.alg
            != Some(coset::RegisteredLabelWithPrivate::Assigned(
                iana::Algorithm::EdDSA,
            ))
        {
            return Err(malformed("algorithm is not EdDSA"));
        }
        if header.content_type.is_some() || !header.rest.is_empty() || !header.key_id.is_empty() {
            return Err(malformed("unexpected protected header"));
        }
        if !sign1.unprotected.is_empty() {
            return Err(malformed("unprotected header is not empty"));
        }
        if sign1.payload.is_none() {
            return Err(malformed("no payload"));
        }
        if sign1.signature.len() != 64 {
            return Err(malformed("signature is not 64 bytes"));
        }
        Ok(Envelope { sign1, kind })
    }

    /// The payload bytes (signed, but not yet verified).
    pub fn payload(&self) -> &[u8] {
        self.sign1.payload.as_deref().unwrap_or_default()
    }

    /// The 64-byte signature.
    pub fn signature(&self) -> &[u8] {
        &self.sign1.signature
    }

    /// The bytes the signature covers (COSE's Sig_structure, with the kind as external AAD).
    pub fn signed_bytes(&self) -> Vec<u8> {
        self.sign1.tbs_data(self.kind.aad())
    }

    /// Whether the signature verifies under `key`.
    pub fn verify(&self, key: &DeviceId) -> bool {
        self.sign1
            .verify_signature(self.kind.aad(), |sig, tbs| {
                if verify_signature(key, tbs, sig) {
                    Ok(())
                } else {
                    Err(())
                }
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trip_and_kind_binding() {
        let secret = DeviceSecret::from_bytes(&[3u8; 32]);
        let bytes = sign(&secret, Kind::Grant, b"payload".to_vec());
        let env = Envelope::parse(&bytes, Kind::Grant, 1024).unwrap();
        assert_eq!(env.payload(), b"payload");
        assert!(env.verify(&secret.device_id()));
        assert!(!env.verify(&DeviceSecret::from_bytes(&[4u8; 32]).device_id()));
        // The same bytes do not verify as an entry, nor as a revocation.
        let as_entry = Envelope::parse(&bytes, Kind::Entry, 1024).unwrap();
        assert!(!as_entry.verify(&secret.device_id()));
        let as_revocation = Envelope::parse(&bytes, Kind::Revocation, 1024).unwrap();
        assert!(!as_revocation.verify(&secret.device_id()));
        assert!(Envelope::parse(&bytes, Kind::Grant, 10).is_err());
        assert!(Envelope::parse(b"\x00garbage", Kind::Grant, 1024).is_err());
    }

    #[test]
    fn every_byte_matters() {
        let secret = DeviceSecret::from_bytes(&[3u8; 32]);
        let bytes = sign(&secret, Kind::Entry, b"contenu".to_vec());
        for i in 0..bytes.len() {
            let mut t = bytes.clone();
            t[i] ^= 0x01;
            let ok = Envelope::parse(&t, Kind::Entry, 1024)
                .map(|e| e.verify(&secret.device_id()) && e.payload() == b"contenu")
                .unwrap_or(false);
            assert!(!ok, "flipping byte {i} went unnoticed");
        }
    }
}
