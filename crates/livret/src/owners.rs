//! Owner news for grantees (issue 13, finding 3): a family device tells every grantee it syncs
//! with who the livret's owners are now (the owner records) and which owner devices were
//! revoked (the owner revocations), so a teacher's device stops trusting, sending to and
//! serving a restore for a revoked owner device or a replaced recovery key.
//!
//! On the wire it is a `Granted` frame sent within a turn (before the hello, a `Granted` is an
//! introduction; in answer to a redeem, a grant). A jury is told only the owner revocations and
//! the owner records that prove their signers owners (no other parent's device name).

use std::collections::BTreeSet;

use livret_core::grant::{Manifest, ManifestRecord, OwnerKind};
use livret_core::policy::dropped_revoked_owners_entries;
use livret_core::{DeviceId, LivretId, Section};
use livret_net::protocol::{ByteBuf, Frame, Granted};

use crate::audit::AuditAction;
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
            AuditAction::Owners,
            true,
            "propriétaires du livret mis à jour par la famille",
        );
        Ok(true)
    }
}

impl Device {
    /// On a grantee's device that learnt an owner device was revoked (by owner news: `before`
    /// is its manifest before that news): each section holding an entry of another author (in
    /// its history included) is kept without every change putting one, nor any change made on
    /// top of one, this device's own entries written again
    /// (`policy::dropped_revoked_owners_entries`), its sync states forgotten. The family would
    /// refuse from this device what the revoked device sent it and the family never had (its
    /// entries, even deleted since; its deletions of other authors' entries; what it relayed),
    /// and every later batch for the section with it; what the family holds comes back from
    /// it. Returns the sections kept so.
    pub(crate) fn drop_revoked_owners_entries(
        &mut self,
        livret: LivretId,
        before: &Manifest,
    ) -> Result<Vec<Section>> {
        self.rebuild_held_sections(
            livret,
            |doc, manifest, me| dropped_revoked_owners_entries(doc, before, manifest, me),
            false,
            AuditAction::Owners,
            "copie reconstruite sans les inscriptions des autres auteurs (un appareil de la famille a été révoqué) : la famille les renvoie",
        )
    }

    /// On a grantee's device (and on a family's with `family_too`): each section that `rebuild`
    /// (a `livret_core::policy` rule) gives back rebuilt is stored so, with its sync states
    /// forgotten (the peers send again what it lost) and `why` journalled under `action`, in
    /// one transaction. Returns the sections.
    pub(crate) fn rebuild_held_sections(
        &mut self,
        livret: LivretId,
        rebuild: impl Fn(
            &livret_core::doc::SectionDoc,
            &Manifest,
            &livret_core::DeviceId,
        ) -> std::result::Result<
            Option<livret_core::doc::SectionDoc>,
            livret_core::CoreError,
        >,
        family_too: bool,
        action: AuditAction,
        why: &str,
    ) -> Result<Vec<Section>> {
        if !family_too && self.meta(livret)?.relation != Relation::Grantee {
            return Ok(Vec::new());
        }
        let manifest = self.manifest(livret)?;
        let me = self.device_id();
        let id = livret.to_string();
        let mut out = Vec::new();
        for section in self.section_names(livret)? {
            let Some(doc) = self.load_section(livret, section)? else {
                continue;
            };
            let Some(mut rebuilt) = rebuild(&doc, &manifest, &me)? else {
                continue;
            };
            let snapshot = rebuilt.save();
            let name = section.to_string();
            let entry =
                self.audit_entry(Some(livret), None, Some(&name), action.clone(), true, why);
            self.store.transaction(|tx| -> Result<()> {
                tx.put_section_snapshot(&id, &name, &snapshot)?;
                tx.delete_sync_states_for_section(&id, &name)?;
                tx.append_audit(&entry)?;
                Ok(())
            })?;
            out.push(section);
        }
        Ok(out)
    }
}

/// One owner of a livret as `livret device list` shows it: a device (with its parent) or a
/// recovery key.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OwnerDeviceView {
    /// The device's (or key's) id.
    pub device: String,
    /// Its name, as its owner record gives it.
    pub name: String,
    /// `parent` (a parent's first device), `device` (one more device of a parent) or
    /// `recovery` (the recovery key).
    pub kind: String,
    /// The parent it belongs to (the id of that parent's first device); none for a recovery
    /// key.
    pub parent: Option<String>,
    /// That parent's first device's name.
    pub parent_name: Option<String>,
    /// Revoked (a device), or replaced by a newer sheet (a recovery key).
    pub revoked: bool,
    /// Whether this is the device the list was made on.
    pub this_device: bool,
}

impl Device {
    /// Before the hello, to an owner: the owner revocations of `livret` signed by the current
    /// recovery key. A device another device revoked, and that the recovery sheet re-admitted
    /// (by revoking the device that had revoked it), shows them first: the peer that still
    /// counts it revoked would otherwise never sync with it again.
    pub(crate) fn recovery_readmissions(&self, livret: LivretId) -> Result<Option<Frame>> {
        let manifest = self.manifest(livret)?;
        let Some(recovery) = manifest.recovery_key() else {
            return Ok(None);
        };
        let records: Vec<(String, ByteBuf)> = self
            .load_manifest_doc(livret)?
            .records()
            .into_iter()
            .filter(|(k, b)| {
                k.starts_with("owner-revocation/")
                    && matches!(ManifestRecord::open(k, b), Ok(ManifestRecord::OwnerRevocation(r)) if DeviceId(r.issuer) == recovery)
            })
            .take(MAX_OWNER_NEWS)
            .map(|(k, b)| (k, ByteBuf::from(b)))
            .collect();
        if records.is_empty() {
            return Ok(None);
        }
        Ok(Some(Frame::Granted(Granted {
            livret: livret.0,
            records,
        })))
    }

    /// The owner revocations a peer shows before its hello (see
    /// [`Device::recovery_readmissions`]): kept only if the current recovery key of this
    /// device's manifest signed each (and the key is not held yet: nothing is replaced).
    /// Returns whether the manifest changed.
    pub(crate) fn accept_readmission(
        &mut self,
        peer: DeviceId,
        livret: LivretId,
        records: &[(String, Vec<u8>)],
    ) -> Result<bool> {
        let mut mdoc = self.load_manifest_doc(livret)?;
        let manifest = mdoc.manifest()?;
        let Some(recovery) = manifest.recovery_key() else {
            return Ok(false);
        };
        let held: BTreeSet<String> = mdoc.records().into_iter().map(|(k, _)| k).collect();
        let mut added = false;
        for (key, bytes) in records {
            let Ok(rec @ ManifestRecord::OwnerRevocation(_)) = ManifestRecord::open(key, bytes)
            else {
                continue;
            };
            if rec.signer() != recovery || held.contains(key) {
                continue;
            }
            mdoc.add(&rec, bytes)?;
            added = true;
        }
        if !added {
            return Ok(false);
        }
        let after = mdoc.manifest()?;
        self.save_manifest_doc(livret, &mut mdoc)?;
        if let Ok(mut meta) = self.meta(livret) {
            if meta.relation == Relation::Grantee {
                meta.owners = after.owners().keys().copied().collect();
                self.put_meta(livret, &meta)?;
            }
        }
        self.audit_event(
            Some(livret),
            Some(&peer),
            None,
            AuditAction::Introduced,
            true,
            "révocation signée par la clé de secours reçue",
        );
        Ok(true)
    }

    /// The owners of `livret` this device knows, revoked and replaced ones included: each
    /// device with its parent, and the recovery key(s).
    pub fn owner_devices(&self, livret: LivretId) -> Result<Vec<OwnerDeviceView>> {
        let manifest = self.manifest(livret)?;
        let me = self.device_id();
        let ever = manifest.owners_ever();
        let mut out: Vec<OwnerDeviceView> = ever
            .iter()
            .map(|(key, info)| {
                let name = if *key == me && info.name.is_empty() {
                    self.name().to_string()
                } else {
                    info.name.clone()
                };
                OwnerDeviceView {
                    device: key.to_string(),
                    name,
                    kind: match info.kind {
                        OwnerKind::Parent => "parent",
                        OwnerKind::Device => "device",
                        OwnerKind::Recovery => "recovery",
                    }
                    .to_string(),
                    parent: info.parent.map(|p| p.to_string()),
                    parent_name: info
                        .parent
                        .and_then(|p| ever.get(&p))
                        .map(|p| p.name.clone()),
                    revoked: !manifest.is_owner(key),
                    this_device: *key == me,
                }
            })
            .collect();
        // Parents together, first devices first, the recovery key last.
        out.sort_by(|a, b| {
            (a.kind == "recovery", &a.parent, a.kind != "parent", &a.name).cmp(&(
                b.kind == "recovery",
                &b.parent,
                b.kind != "parent",
                &b.name,
            ))
        });
        Ok(out)
    }
}
