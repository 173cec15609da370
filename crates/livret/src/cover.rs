//! When this device's grants to each livret it holds end, kept beside the manifest (issue 17).
//!
//! Opening a grantee's store purges the livrets whose grants all ended
//! ([`Device::purge_expired`]); deciding it from the manifest means decoding it and verifying
//! every record's signature, 600 times for a teacher holding many classes. So a grantee keeps,
//! for each livret, the period throughout which one of its individual grants is live
//! ([`livret_core::grant::Manifest::individual_cover`]), sealed like every record, with the
//! fingerprint of the stored manifest it was read from. While the stored manifest is that one
//! (a received grant, revocation or any other change makes a new fingerprint) and the time is
//! within the period, the livret is kept without decoding its manifest; otherwise the manifest
//! is decoded and decided on as before, and the period recorded again. Old stores have no such
//! record: the first opening fills them.

use std::collections::BTreeMap;

use livret_core::LivretId;

use crate::device::Device;
use crate::error::Result;

/// The records' kind (one per livret, attached to it, so a purge deletes it).
const COVER_KIND: &str = "grant-cover";

/// A period `[from, until)` throughout which a grant of this device is live, by the manifest
/// whose stored bytes have `fingerprint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cover {
    pub(crate) fingerprint: Vec<u8>,
    pub(crate) from: i64,
    pub(crate) until: i64,
}

impl Cover {
    /// Whether it says, for the manifest stored now (`fingerprint`), that a grant is live at `t`.
    pub(crate) fn holds(&self, fingerprint: &[u8], t: i64) -> bool {
        self.fingerprint == fingerprint && self.from <= t && t < self.until
    }

    /// Stored form: `from`, `until` (8 bytes each, big-endian), then the fingerprint.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.fingerprint.len());
        out.extend_from_slice(&self.from.to_be_bytes());
        out.extend_from_slice(&self.until.to_be_bytes());
        out.extend_from_slice(&self.fingerprint);
        out
    }

    fn decode(bytes: &[u8]) -> Option<Cover> {
        let from = i64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let until = i64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
        Some(Cover {
            fingerprint: bytes.get(16..)?.to_vec(),
            from,
            until,
        })
    }
}

impl Device {
    /// The covers recorded, by livret (unreadable ones are left out: the manifest is decoded).
    pub(crate) fn grant_covers(&self) -> Result<BTreeMap<LivretId, Cover>> {
        Ok(self
            .store
            .records(COVER_KIND)?
            .into_iter()
            .filter_map(|(id, _, bytes)| Some((id.parse().ok()?, Cover::decode(&bytes)?)))
            .collect())
    }

    /// Records covers, all in one transaction (one durable commit, at an opening that had to
    /// decode manifests).
    pub(crate) fn record_grant_covers(&mut self, covers: &[(LivretId, Cover)]) -> Result<()> {
        if covers.is_empty() {
            return Ok(());
        }
        self.store.transaction(|tx| -> Result<()> {
            for (livret, cover) in covers {
                let id = livret.to_string();
                tx.put_record(COVER_KIND, &id, Some(&id), &cover.encode())?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cover_holds_only_for_its_manifest_and_period() {
        let c = Cover {
            fingerprint: vec![1, 2, 3],
            from: 100,
            until: 200,
        };
        assert_eq!(Cover::decode(&c.encode()), Some(c.clone()));
        assert_eq!(Cover::decode(&[0; 15]), None);
        assert!(c.holds(&[1, 2, 3], 100) && c.holds(&[1, 2, 3], 199));
        assert!(!c.holds(&[1, 2, 3], 99) && !c.holds(&[1, 2, 3], 200));
        assert!(!c.holds(&[1, 2, 4], 150) && !c.holds(&[1, 2], 150));
    }
}
