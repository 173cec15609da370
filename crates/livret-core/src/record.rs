//! Signed records: the genesis, owner records, grants, revocations, openings, erasures,
//! deletions and owner revocations a livret's manifest holds, and invitations. Each is one COSE
//! envelope of its own kind around its CBOR payload, signed by the device its payload names;
//! [`SignedRecord`] is how every one of them is signed and opened, with the same bounds.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::cbor;
use crate::cose::{self, Envelope, Kind};
use crate::error::CoreError;
use crate::identity::DeviceSecret;
use crate::ids::DeviceId;

/// The largest signed manifest record, in bytes.
pub const MAX_RECORD_BYTES: usize = 4 * 1024;

/// A record a device signs. Opening one checks, in this order: its size, its envelope's kind,
/// its payload's shape, the signature of the device the payload names ([`Self::signer`]), then
/// the record's own rules ([`Self::check`]). Whether that signer may sign it (an owner, the
/// recovery key) is the manifest's business.
pub trait SignedRecord: Serialize + DeserializeOwned {
    /// Its envelope kind: a record can be confused with no other.
    const KIND: Kind;
    /// What it is called in messages.
    const WHAT: &'static str;
    /// The largest size it may have, in bytes.
    const MAX_BYTES: usize = MAX_RECORD_BYTES;

    /// The device whose signature it must carry.
    fn signer(&self) -> DeviceId;

    /// The record's own rules, checked once its signature verifies.
    fn check(&self) -> Result<(), CoreError> {
        Ok(())
    }

    /// Signs the record with `secret` (which must be [`Self::signer`]'s).
    fn sign(&self, secret: &DeviceSecret) -> Vec<u8> {
        cose::sign(secret, Self::KIND, cbor::to_vec(self))
    }

    /// Opens and verifies a signed record.
    fn open(bytes: &[u8]) -> Result<Self, CoreError> {
        let env = Envelope::parse(bytes, Self::KIND, Self::MAX_BYTES)?;
        let record: Self = cbor::from_slice(env.payload(), Self::MAX_BYTES, Self::WHAT)?;
        if !env.verify(&record.signer()) {
            return Err(CoreError::BadSignature { what: Self::WHAT });
        }
        record.check()?;
        Ok(record)
    }
}
