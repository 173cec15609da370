//! The family stays in control: forget entries or sections with their history, delete a
//! livret everywhere it was shared, revoke an owner's lost device. The records are in
//! `livret_core::erasure`; this module applies them to the store and tells the sessions.

use livret_core::SignedRecord;
use std::collections::{BTreeMap, BTreeSet};

use livret_core::erasure::{Deletion, Erasure, OwnerRevocation};
use livret_core::grant::{Manifest, ManifestRecord, Revocation};
use livret_core::policy::{rebuilt_after_erasures, Holding};
use livret_core::recovery::RecoveryKey;
use livret_core::{DeviceId, LivretId, Section};
use livret_net::protocol::{ByteBuf, Deleted, Frame};
use serde::Serialize;

use crate::audit::AuditAction;
use crate::device::{random16, Device, Relation, MANIFEST};
use crate::error::{Error, Result};

/// Record kind: the erasures each section of a livret went through on this device (JSON).
const APPLIED: &str = "erasures";
/// Record kind: deletion records of livrets this device deleted or was told of. Kept without
/// a livret column, so deleting the livret does not delete them.
const DELETED: &str = "deleted";
/// Record kind: for each deleted livret, the devices that may be told of its deletion (JSON
/// list of device ids): its owners and every device that held a grant to it, as this device
/// knew them when it erased the livret. No one else hears of it (a livret id is in every QR
/// code: naming it proves nothing).
const DELETED_AUDIENCE: &str = "deleted-audience";

/// The owner records that prove `signer` an owner of a livret, from `creator` outwards (none
/// when the creator signed): what a notice (revocation, deletion) carries, so a grantee can
/// check its signer without being told every parent's device name.
pub(crate) fn owner_chain(
    records: &[(String, Vec<u8>)],
    creator: DeviceId,
    signer: DeviceId,
) -> Vec<(String, ByteBuf)> {
    let mut by_owner: BTreeMap<DeviceId, (&String, &Vec<u8>, DeviceId)> = BTreeMap::new();
    for (key, bytes) in records {
        if !key.starts_with("owner/") {
            continue;
        }
        if let Ok(ManifestRecord::Owner(o)) = ManifestRecord::open(key, bytes) {
            by_owner.insert(DeviceId(o.owner), (key, bytes, DeviceId(o.issuer)));
        }
    }
    let mut chain = Vec::new();
    let mut at = signer;
    while at != creator && chain.len() < by_owner.len() {
        let Some((key, bytes, issuer)) = by_owner.get(&at) else {
            break;
        };
        chain.push(((*key).clone(), ByteBuf::from((*bytes).clone())));
        at = *issuer;
    }
    chain
}

/// What `forget` did.
#[derive(Debug, Clone, Serialize)]
pub struct ForgetReport {
    /// The livret.
    pub livret: String,
    /// The section.
    pub section: String,
    /// Entries erased.
    pub erased_entries: usize,
    /// Entries left in the section.
    pub remaining_entries: usize,
    /// The erasure's id (in the manifest: `erasure/<id>`).
    pub erasure: String,
}

/// What `device revoke` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeviceRevocationReport {
    /// The device revoked.
    pub device: String,
    /// The livrets it no longer owns.
    pub livrets: Vec<String>,
    /// Grants it had issued that stay valid (`--keep-grants`).
    pub kept_grants: Vec<String>,
    /// Grants it had issued that are void now.
    pub voided_grants: Vec<String>,
}

impl Device {
    /// The manifest of a livret this device owns; an error naming the problem otherwise.
    fn owned_manifest(&self, livret: LivretId, what: &str) -> Result<Manifest> {
        let meta = self.meta(livret)?;
        let manifest = self.manifest(livret)?;
        if meta.relation != Relation::Owner || !manifest.is_owner(&self.device_id()) {
            return Err(Error::NotAuthorized(format!(
                "{what} : réservé aux appareils de la famille (propriétaires du livret)"
            )));
        }
        Ok(manifest)
    }

    /// Forgets `entry` of `section` (or the whole section) on this device, history included,
    /// and records the erasure in the manifest: the family's other devices and the grantees
    /// holding the section apply it at their next session with this device.
    pub fn forget(
        &mut self,
        livret: LivretId,
        section: Section,
        entry: Option<&str>,
    ) -> Result<ForgetReport> {
        self.owned_manifest(livret, "effacer")?;
        let doc = self.load_section(livret, section)?.ok_or_else(|| {
            Error::NotAuthorized(format!("ce livret n'a pas de section « {section} »"))
        })?;
        let keys = doc.keys();
        let erased: Vec<String> = match entry {
            Some(k) if keys.iter().any(|x| x == k) => vec![k.to_string()],
            Some(k) => {
                return Err(Error::NotAuthorized(format!(
                "aucune inscription « {k} » dans la section « {section} » (voir « livret show »)"
            )))
            }
            None => vec![],
        };
        let record = Erasure::new(
            random16(),
            random16(),
            livret,
            section,
            &erased,
            self.device_id(),
            self.now(),
        );
        let bytes = record.sign(&self.identity.secret);
        let mut manifest = self.load_manifest_doc(livret)?;
        manifest.add(&ManifestRecord::Erasure(record.clone()), &bytes)?;
        let manifest_snapshot = manifest.save();
        let remaining = self.apply_erasure_records(
            livret,
            section,
            std::slice::from_ref(&record),
            &manifest_snapshot,
        )?;
        let n = if entry.is_some() { 1 } else { keys.len() };
        Ok(ForgetReport {
            livret: livret.to_string(),
            section: section.to_string(),
            erased_entries: n,
            remaining_entries: remaining,
            erasure: record.id_text(),
        })
    }

    /// A section's whole history, uncompressed, as this device holds it (`None` if it holds
    /// no such section): what a search for an erased text must look at, since the store
    /// encrypts everything and Automerge compresses its columns.
    pub fn section_history_bytes(
        &self,
        livret: LivretId,
        section: Section,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .load_section(livret, section)?
            .map(|mut d| d.history_bytes()))
    }

    /// The erasure ids each section of `livret` went through on this device.
    pub(crate) fn applied_erasures(
        &self,
        livret: LivretId,
    ) -> Result<BTreeMap<String, Vec<String>>> {
        match self.store.record(APPLIED, &livret.to_string())? {
            None => Ok(BTreeMap::new()),
            Some(b) => serde_json::from_slice(&b)
                .map_err(|e| Error::Protocol(format!("effacements illisibles : {e}"))),
        }
    }

    /// The signed erasure records of `section` known to this device (its manifest on a family
    /// device, the records it was told of on a grantee).
    pub(crate) fn erasure_records(
        &self,
        livret: LivretId,
        section: Section,
    ) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for (key, bytes) in self.load_manifest_doc(livret)?.records() {
            if key.starts_with("erasure/") {
                if let Ok(ManifestRecord::Erasure(e)) = ManifestRecord::open(&key, &bytes) {
                    if e.section == section.code() {
                        out.push(bytes);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Applies erasures of `section` told by a peer (signed records). Each must be signed by an
    /// owner of the livret as this device knows it; those already applied are skipped. Returns
    /// how many were applied.
    pub(crate) fn apply_told_erasures(
        &mut self,
        livret: LivretId,
        section: Section,
        records: &[Vec<u8>],
    ) -> Result<usize> {
        let manifest = self.manifest(livret)?;
        let applied = self.applied_erasures(livret)?;
        let done = applied
            .get(&section.to_string())
            .cloned()
            .unwrap_or_default();
        let mut new = Vec::new();
        let mut manifest_doc = self.load_manifest_doc(livret)?;
        for bytes in records {
            let e = Erasure::open(bytes)?;
            if e.livret != livret.0 || e.section != section.code() {
                return Err(Error::NotAuthorized(
                    "effacement d'un autre livret ou d'une autre section".into(),
                ));
            }
            if !manifest.is_owner(&DeviceId(e.issuer)) {
                return Err(Error::NotAuthorized(
                    "effacement signé par un appareil qui n'est pas de la famille".into(),
                ));
            }
            if done.contains(&e.id_text()) || new.iter().any(|n: &Erasure| n.id == e.id) {
                continue;
            }
            manifest_doc.add(&ManifestRecord::Erasure(e.clone()), bytes)?;
            new.push(e);
        }
        if new.is_empty() {
            return Ok(0);
        }
        let snapshot = manifest_doc.save();
        self.apply_erasure_records(livret, section, &new, &snapshot)?;
        Ok(new.len())
    }

    /// On a family device: applies the erasures in its manifest (synced from the other
    /// parent's device) that its copies have not gone through yet.
    pub(crate) fn apply_pending_erasures(&mut self, livret: LivretId) -> Result<usize> {
        let Ok(meta) = self.meta(livret) else {
            return Ok(0);
        };
        if meta.relation != Relation::Owner {
            return Ok(0);
        }
        let manifest = self.manifest(livret)?;
        let applied = self.applied_erasures(livret)?;
        let mut by_section: BTreeMap<Section, Vec<Erasure>> = BTreeMap::new();
        for s in self.section_names(livret)? {
            let done = applied.get(&s.to_string()).cloned().unwrap_or_default();
            for e in manifest.erasures_of(s) {
                if !done.contains(&e.id_text()) {
                    by_section.entry(s).or_default().push(e.clone());
                }
            }
        }
        let mut n = 0;
        for (section, records) in by_section {
            n += records.len();
            let snapshot = self.load_manifest_doc(livret)?.save();
            self.apply_erasure_records(livret, section, &records, &snapshot)?;
        }
        Ok(n)
    }

    /// Rebuilds (or drops) the section without what `records` erase, records them as applied,
    /// forgets the peers' sync states of the section, writes the manifest snapshot given, all in
    /// one transaction; then vacuums so the old bytes leave the files. Returns the entries left.
    fn apply_erasure_records(
        &mut self,
        livret: LivretId,
        section: Section,
        records: &[Erasure],
        manifest_snapshot: &[u8],
    ) -> Result<usize> {
        let name = section.to_string();
        let id = livret.to_string();
        let rebuilt = match self.load_section(livret, section)? {
            None => None,
            Some(doc) if records.iter().any(Erasure::whole_section) => {
                let _ = doc;
                None
            }
            Some(doc) => {
                // A grantee keeps only its own entries: the family sends the others again
                // (see `policy::rebuilt_after_erasures`).
                let holding = match self.meta(livret)?.relation {
                    Relation::Owner => Holding::Owner,
                    Relation::Grantee => Holding::Grantee,
                };
                let me = self.device_id();
                Some(rebuilt_after_erasures(
                    &doc,
                    |k| records.iter().any(|e| e.erases(k)),
                    holding,
                    &me,
                )?)
            }
        };
        let remaining = rebuilt.as_ref().map_or(0, |d| d.keys().len());
        let snapshot = rebuilt.map(|mut d| d.save());
        let mut applied = self.applied_erasures(livret)?;
        let list = applied.entry(name.clone()).or_default();
        for e in records {
            if !list.contains(&e.id_text()) {
                list.push(e.id_text());
            }
        }
        let applied_bytes =
            serde_json::to_vec(&applied).map_err(|e| Error::Protocol(e.to_string()))?;
        let n = records.len();
        let entry = self.audit_entry(
            Some(livret),
            None,
            Some(&name),
            AuditAction::Erased,
            true,
            &format!("{n} effacement(s) appliqué(s) : historique de la section reconstruit"),
        );
        self.store.transaction(|tx| -> Result<()> {
            tx.put_section_snapshot(&id, MANIFEST, manifest_snapshot)?;
            match &snapshot {
                Some(s) => tx.put_section_snapshot(&id, &name, s)?,
                None => {
                    tx.delete_section(&id, &name)?;
                }
            }
            tx.put_record(APPLIED, &id, Some(&id), &applied_bytes)?;
            tx.delete_sync_states_for_section(&id, &name)?;
            tx.append_audit(&entry)?;
            Ok(())
        })?;
        self.store.vacuum()?;
        Ok(remaining)
    }

    /// Deletes a whole livret from this device and tells every device it meets that holds it
    /// (the other parent's, the grantees') to delete it too. The audit log keeps one line.
    /// Only when every owner device is this device's parent's: with another parent, that
    /// parent deletes it, or the recovery sheet does ([`Device::delete_livret_with_recovery`]).
    pub fn delete_livret(&mut self, livret: LivretId) -> Result<()> {
        self.delete_livret_as(livret, None)
    }

    /// Deletes a whole livret with the family's recovery key (its words) signing the deletion:
    /// every device of the family then accepts it, whichever parent's devices there are.
    pub fn delete_livret_with_recovery(
        &mut self,
        livret: LivretId,
        key: &RecoveryKey,
    ) -> Result<()> {
        self.delete_livret_as(livret, Some(key))
    }

    /// Tests only: deletes as a modified client would, without asking whether this device may
    /// (every other device then decides whether the notice counts).
    #[doc(hidden)]
    pub fn delete_livret_unchecked(&mut self, livret: LivretId) -> Result<()> {
        self.delete_livret_inner(livret, None, false)
    }

    fn delete_livret_as(&mut self, livret: LivretId, key: Option<&RecoveryKey>) -> Result<()> {
        self.delete_livret_inner(livret, key, true)
    }

    fn delete_livret_inner(
        &mut self,
        livret: LivretId,
        key: Option<&RecoveryKey>,
        check: bool,
    ) -> Result<()> {
        let manifest = self.owned_manifest(livret, "supprimer le livret")?;
        let (issuer, secret) = match key {
            Some(k) => (k.public(), k.secret()),
            None => (self.device_id(), &self.identity.secret),
        };
        if check && !manifest.may_delete(&issuer) {
            return Err(Error::NotAuthorized(
                if key.is_some() {
                    "ces mots ne sont pas ceux de la clé de secours actuelle de ce livret"
                } else {
                    "ce livret a un autre parent : il faut son accord (qu'il le supprime depuis un de ses appareils) ou la feuille de secours (livret delete LIVRET --yes --words-stdin)"
                }
                .into(),
            ));
        }
        let record = Deletion {
            livret: livret.0,
            issuer: issuer.0,
            at: self.now(),
        };
        let bytes = record.sign(secret);
        // The notice keeps the owner records from the creator to this device (none if it is
        // the creator), so a grantee that never heard of this device can check that an owner
        // signed it, and is told no other parent's device name.
        let creator = self.manifest(livret)?.creator();
        let owners = owner_chain(&self.load_manifest_doc(livret)?.records(), creator, issuer);
        let tombstone = Frame::Deleted(Deleted {
            livret: livret.0,
            record: ByteBuf::from(bytes),
            owners,
        })
        .encode();
        self.erase_livret(livret, &tombstone, "livret supprimé par la famille")
    }

    /// Erases everything of `livret` but the deletion notice (a `Frame::Deleted`, told to the
    /// devices met later), in one transaction, then vacuums.
    fn erase_livret(&mut self, livret: LivretId, deletion: &[u8], why: &str) -> Result<()> {
        let id = livret.to_string();
        let entry = self.audit_entry(Some(livret), None, None, AuditAction::Deleted, true, why);
        let audience = serde_json::to_vec(&self.deletion_audience(livret))
            .map_err(|e| Error::Protocol(e.to_string()))?;
        self.store.transaction(|tx| -> Result<()> {
            tx.delete_livret(&id)?;
            tx.delete_audit_for_livret(&id)?;
            tx.put_record(DELETED, &id, None, deletion)?;
            tx.put_record(DELETED_AUDIENCE, &id, None, &audience)?;
            tx.append_audit(&entry)?;
            Ok(())
        })?;
        self.store.vacuum()?;
        Ok(())
    }

    /// The devices that may hear of the deletion of `livret`: its owners and every device
    /// that held a grant to it (as this device knows them), not this device.
    fn deletion_audience(&self, livret: LivretId) -> Vec<String> {
        let mut out: BTreeSet<DeviceId> = BTreeSet::new();
        if let Ok(m) = self.manifest(livret) {
            out.extend(m.owners().keys().copied());
            out.extend(m.grants().map(|g| g.audience_id()));
        }
        if let Ok(meta) = self.meta(livret) {
            out.extend(meta.owners.iter().copied());
        }
        out.remove(&self.device_id());
        out.iter().map(DeviceId::to_string).collect()
    }

    /// Whether `peer` may be told that `livret` was deleted (see [`DELETED_AUDIENCE`]).
    pub(crate) fn deletion_told_to(&self, livret: LivretId, peer: &DeviceId) -> Result<bool> {
        Ok(
            match self.store.record(DELETED_AUDIENCE, &livret.to_string())? {
                None => false,
                Some(b) => serde_json::from_slice::<Vec<String>>(&b)
                    .is_ok_and(|ids| ids.contains(&peer.to_string())),
            },
        )
    }

    /// The deletion notice of `livret` (an encoded `Frame::Deleted`), if this device deleted it
    /// or was told of it.
    pub(crate) fn deletion_of(&self, livret: LivretId) -> Result<Option<Vec<u8>>> {
        Ok(self.store.record(DELETED, &livret.to_string())?)
    }

    /// Applies a deletion told by a peer: checks that an owner of the livret (as this device
    /// knows them, plus the owner records sent along) signed it, then erases the livret.
    /// Returns whether it was erased.
    pub(crate) fn apply_told_deletion(
        &mut self,
        livret: LivretId,
        record: &[u8],
        owners: &[(String, Vec<u8>)],
        notice: &[u8],
    ) -> Result<bool> {
        let d = Deletion::open(record)?;
        if d.livret != livret.0 || self.meta(livret).is_err() {
            return Ok(false);
        }
        let mut mdoc = self.load_manifest_doc(livret)?;
        for (key, bytes) in owners {
            if key.starts_with("owner/") {
                if let Ok(rec) = ManifestRecord::open(key, bytes) {
                    mdoc.add(&rec, bytes)?;
                }
            }
        }
        // Only a deletion the family may make: by the recovery key, or by a device when every
        // owner device is its parent's (a revoked device's is refused).
        if !mdoc.manifest()?.may_delete(&DeviceId(d.issuer)) {
            return Ok(false);
        }
        self.erase_livret(livret, notice, "livret supprimé par la famille (avis reçu)")?;
        Ok(true)
    }

    /// Revokes another owner's device (lost, stolen) on every livret this device owns with it.
    /// It gets nothing more from the family's devices, and what it signs from now on counts for
    /// nothing. The grants it had issued stay valid with `keep_grants`, are void otherwise; the
    /// owners it had added stay owners. A device revokes only devices of its own parent (a
    /// lost phone); the other parent's devices need that parent, or the recovery sheet (see
    /// [`Device::revoke_device_with_recovery`]); no device revokes the recovery key.
    pub fn revoke_device(
        &mut self,
        device: &str,
        keep_grants: bool,
    ) -> Result<DeviceRevocationReport> {
        self.revoke_device_as(device, keep_grants, None)
    }

    /// Like [`Device::revoke_device`], the revocation signed with the family's recovery key
    /// (its words): it revokes any owner device, the other parent's included, and makes the
    /// revocations that device had signed count for nothing (so a device it had revoked is an
    /// owner again). This device need not be an owner any more (it may have been revoked).
    pub fn revoke_device_with_recovery(
        &mut self,
        device: &str,
        keep_grants: bool,
        key: &RecoveryKey,
    ) -> Result<DeviceRevocationReport> {
        self.revoke_device_as(device, keep_grants, Some(key))
    }

    fn revoke_device_as(
        &mut self,
        device: &str,
        keep_grants: bool,
        key: Option<&RecoveryKey>,
    ) -> Result<DeviceRevocationReport> {
        let target: DeviceId = device.parse().map_err(|_| {
            Error::NotAuthorized(format!("identifiant d'appareil invalide : « {device} »"))
        })?;
        if target == self.device_id() && key.is_none() {
            return Err(Error::NotAuthorized(
                "un appareil ne peut pas se révoquer lui-même : faites-le depuis un autre appareil de la famille".into(),
            ));
        }
        let signer = key.map_or(self.device_id(), RecoveryKey::public);
        let mut report = DeviceRevocationReport {
            device: target.to_string(),
            livrets: vec![],
            kept_grants: vec![],
            voided_grants: vec![],
        };
        let mut refusal = None;
        for (livret, meta) in self.held_livrets()? {
            if meta.relation != Relation::Owner {
                continue;
            }
            let manifest = self.manifest(livret)?;
            let known = manifest.is_owner(&target)
                || (key.is_some() && manifest.owners_ever().contains_key(&target));
            if !known || (key.is_none() && !manifest.is_owner(&self.device_id())) {
                continue;
            }
            if !manifest.may_revoke_owner(&signer, &target) {
                refusal = Some(if manifest.is_recovery_key(&target) {
                    "aucun appareil ne peut révoquer la clé de secours : imprimez une nouvelle feuille avec les mots de l'actuelle (livret recovery print --replace)"
                } else if key.is_some() {
                    "ces mots ne sont pas ceux de la clé de secours actuelle de ce livret"
                } else {
                    "cet appareil appartient à un autre parent : il faut l'accord de ce parent (qu'un de ses appareils le révoque) ou la feuille de secours (--words-stdin)"
                });
                continue;
            }
            self.revoke_owner_in(livret, &manifest, target, keep_grants, key, &mut report)?;
        }
        if report.livrets.is_empty() {
            return Err(Error::NotAuthorized(match refusal {
                Some(why) => why.to_string(),
                None => format!(
                    "l'appareil {target} n'est propriétaire d'aucun livret que cet appareil possède"
                ),
            }));
        }
        Ok(report)
    }

    /// Tests only: signs and records an owner revocation of `target` as a modified client
    /// would, without asking whether this device may (the manifest then decides whether it
    /// counts).
    #[doc(hidden)]
    pub fn revoke_owner_unchecked(&mut self, livret: LivretId, target: &str) -> Result<()> {
        let target: DeviceId = target.parse()?;
        let manifest = self.manifest(livret)?;
        let mut report = DeviceRevocationReport::default();
        self.revoke_owner_in(livret, &manifest, target, true, None, &mut report)
    }

    /// Revokes the owner `target` in one livret (its manifest given): an [`OwnerRevocation`]
    /// keeping the owners known now and the grants it issued, plus, without `keep_grants`, a
    /// revocation of each of those grants. Signed by this device, or by the recovery key when
    /// given.
    pub(crate) fn revoke_owner_in(
        &mut self,
        livret: LivretId,
        manifest: &Manifest,
        target: DeviceId,
        keep_grants: bool,
        key: Option<&RecoveryKey>,
        report: &mut DeviceRevocationReport,
    ) -> Result<()> {
        let why = match (keep_grants, key.is_some()) {
            (true, false) => "appareil de la famille révoqué (ses autorisations restent valables)",
            (false, false) => "appareil de la famille révoqué (ses autorisations sont annulées)",
            (true, true) => "appareil de la famille révoqué avec la clé de secours (ses autorisations restent valables)",
            (false, true) => "appareil de la famille révoqué avec la clé de secours (ses autorisations sont annulées)",
        };
        let (issuer, secret) = match key {
            Some(k) => (k.public(), k.secret()),
            None => (self.device_id(), &self.identity.secret),
        };
        // Every grant it issued that this device knows stays a grant the manifest
        // recognizes (anything it signs later does not count); without --keep-grants each is
        // then revoked by this device, so the grantee is told and purges its copy.
        let mut kept_grants = Vec::new();
        let mut revocations = Vec::new();
        for g in manifest.grants().filter(|g| g.issuer_id() == target) {
            kept_grants.extend_from_slice(&g.grant_id().0);
            if keep_grants {
                report.kept_grants.push(g.grant_id().to_string());
            } else {
                report.voided_grants.push(g.grant_id().to_string());
                if manifest.revocation_of(g).is_none() {
                    let r = Revocation {
                        livret: livret.0,
                        grant: g.id,
                        audience: g.audience,
                        issuer: issuer.0,
                        at: self.now(),
                    };
                    let bytes = r.sign(secret);
                    revocations.push((ManifestRecord::Revocation(r), bytes));
                }
            }
        }
        // Every owner known now stays one, whoever added it.
        let kept_owners: Vec<u8> = manifest
            .owners()
            .keys()
            .filter(|o| **o != target)
            .flat_map(|o| o.0)
            .collect();
        let record = OwnerRevocation {
            livret: livret.0,
            device: target.0,
            issuer: issuer.0,
            at: self.now(),
            kept_grants,
            kept_owners,
        };
        let bytes = record.sign(secret);
        let mut mdoc = self.load_manifest_doc(livret)?;
        mdoc.add(&ManifestRecord::OwnerRevocation(record), &bytes)?;
        for (r, b) in &revocations {
            mdoc.add(r, b)?;
        }
        self.save_manifest_doc(livret, &mut mdoc)?;
        self.audit_event(
            Some(livret),
            Some(&target),
            None,
            AuditAction::DeviceRevoked,
            true,
            why,
        );
        report.livrets.push(livret.to_string());
        Ok(())
    }
}
