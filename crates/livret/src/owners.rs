//! Owner news for grantees (issue 13, finding 3): a family device tells every grantee it syncs
//! with who the livret's owners are now (the owner records) and which owner devices were
//! revoked (the owner revocations), so a teacher's device stops trusting, sending to and
//! serving a restore for a revoked owner device or a replaced recovery key.
//!
//! On the wire it is a `Granted` frame sent within a turn (before the hello, a `Granted` is an
//! introduction; in answer to a redeem, a grant). A jury is told only the owner revocations and
//! the owner records that prove their signers owners (no other parent's device name).

use std::collections::BTreeSet;

use livret_core::grant::ManifestRecord;
use livret_core::{DeviceId, LivretId};
use livret_net::protocol::{ByteBuf, Frame, Granted};

use crate::device::{Device, Relation};
use crate::error::Result;

/// The most records one owner news frame may carry.
pub(crate) const MAX_OWNER_NEWS: usize = 256;

fn is_owner_news(key: &str) -> bool {
    key.starts_with("owner/") || key.starts_with("owner-revocation/")
}

impl Device {
    /// Family side: the owner news of `livret` for a grantee (`jury`: only the owner
    /// revocations and the chains proving their signers owners). None if there is nothing to
    /// tell.
    pub(crate) fn owner_news(&self, livret: LivretId, jury: bool) -> Result<Option<Frame>> {
        let records = self.load_manifest_doc(livret)?.records();
        let creator = self.manifest(livret)?.creator();
        let mut out: Vec<(String, ByteBuf)> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (key, bytes) in &records {
            let wanted = if jury {
                key.starts_with("owner-revocation/")
            } else {
                is_owner_news(key)
            };
            if !wanted || !seen.insert(key.clone()) {
                continue;
            }
            if jury {
                if let Ok(ManifestRecord::OwnerRevocation(r)) = ManifestRecord::open(key, bytes) {
                    for (k, b) in crate::erasure::owner_chain(&records, creator, DeviceId(r.issuer))
                    {
                        if seen.insert(k.clone()) {
                            out.push((k, b));
                        }
                    }
                }
            }
            out.push((key.clone(), ByteBuf::from(bytes.clone())));
        }
        if out.is_empty() || (jury && !out.iter().any(|(k, _)| k.starts_with("owner-revocation/")))
        {
            return Ok(None);
        }
        out.truncate(MAX_OWNER_NEWS);
        Ok(Some(Frame::Granted(Granted {
            livret: livret.0,
            records: out,
        })))
    }

    /// Grantee side: owner news from `peer`, an owner of `livret` as this device knows it.
    /// Only owner records and owner revocations are kept (each must open under its key); the
    /// manifest then decides, as everywhere, which of them count. The owners this device
    /// talks to for the livret follow. Returns whether anything changed; news from a peer
    /// that is not an owner here, or about a livret this device holds as an owner, changes
    /// nothing.
    pub(crate) fn accept_owner_news(
        &mut self,
        peer: DeviceId,
        livret: LivretId,
        records: &[(String, Vec<u8>)],
    ) -> Result<bool> {
        let Ok(mut meta) = self.meta(livret) else {
            return Ok(false);
        };
        if meta.relation != Relation::Grantee || records.len() > MAX_OWNER_NEWS {
            return Ok(false);
        }
        let mut mdoc = self.load_manifest_doc(livret)?;
        if !mdoc.manifest()?.is_owner(&peer) {
            return Ok(false);
        }
        let known: BTreeSet<(String, Vec<u8>)> = mdoc.records().into_iter().collect();
        let mut added = false;
        for (key, bytes) in records {
            if !is_owner_news(key) || known.contains(&(key.clone(), bytes.clone())) {
                continue;
            }
            // A second record under a key already held is not needed (the owner, or its
            // revocation, is known): the manifest only grows, nothing is replaced.
            if known.iter().any(|(k, _)| k == key) {
                continue;
            }
            if let Ok(rec) = ManifestRecord::open(key, bytes) {
                mdoc.add(&rec, bytes)?;
                added = true;
            }
        }
        if !added {
            return Ok(false);
        }
        let manifest = mdoc.manifest()?;
        self.save_manifest_doc(livret, &mut mdoc)?;
        let owners: Vec<DeviceId> = manifest.owners().keys().copied().collect();
        if owners != meta.owners {
            meta.owners = owners;
            self.put_meta(livret, &meta)?;
        }
        self.audit_event(
            Some(livret),
            Some(&peer),
            None,
            "owners",
            true,
            "propriétaires du livret mis à jour par la famille",
        );
        Ok(true)
    }
}
