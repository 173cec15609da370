//! The recovery sheet: a key the family keeps on paper (24 words and a QR code), an owner of
//! every livret of the family, that re-authorizes a new device when all were lost but one
//! device somewhere still holds the livrets.
//!
//! - `recovery_print` (family device, owner): draws a new key, adds an owner record for it,
//!   signed by this device, to every livret this device owns, remembers its *public* key so
//!   that livrets created later get the same record, and returns the words for the sheet. The
//!   secret is never stored: it exists only on paper.
//! - `node::restore` (a freshly initialized family device): sends `Frame::Recover`, a
//!   signature by the recovery key over (domain tag, the new device's key, now); the holder
//!   (a family device that owns the livrets) checks it binds the Noise-authenticated peer and
//!   the time (±10 minutes), signs an owner record for the new device in every livret the
//!   recovery key owns and answers as for an owner invitation; the ordinary owner sync then
//!   brings every section.
//! - From a teacher's copy: a teacher's device checks the proof the same way but cannot sign
//!   owner records. It sends back the records it holds of every livret its manifest says the
//!   recovery key owns (a key printed after its grant is unknown to it: refused). The new
//!   device signs its own owner record with the recovery key and shows it to the teacher
//!   before the hello (`Frame::Granted`, an *introduction*); the teacher checks it is signed
//!   by an owner it knows, records it, and from then on sends the new device, an owner, what
//!   it holds: the sections it was granted. In that session the new device keeps every entry
//!   whose signature verifies, in place and within the official scales, whoever wrote it
//!   (the teacher's manifest knows only its own grant: `show` calls other authors unknown
//!   until the next sync with another family device). It then introduces itself the same
//!   way to the other owners, until a first manifest sync with each.

use livret_core::doc::ManifestDoc;
use livret_core::grant::{ManifestRecord, OwnerKind, OwnerRecord};
use livret_core::recovery::{ProofProblem, RecoveryKey, RecoveryProof, RECOVERY_OWNER_NAME};
use livret_core::SignedRecord;
use livret_core::{DeviceId, LivretId, Refusal, RefusalCode, Role, Section};
use livret_net::protocol::{ByteBuf, Frame, Granted, Recover};
use livret_net::{Multiaddr, Node, PeerId, Session};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use zeroize::Zeroizing;

use crate::audit::AuditAction;
use crate::device::{lock, SharedDevice};
use crate::device::{Device, LivretMeta, Relation};
use crate::error::{Error, Result};
use crate::session::SessionReport;
use crate::sharing::Records;

/// The most owner records one introduction may carry.
const MAX_INTRODUCED_RECORDS: usize = 8;

/// A livret sent back by a holder, checked, not yet stored.
struct Recovered {
    livret: LivretId,
    mdoc: ManifestDoc,
    meta: LivretMeta,
    /// Sent from a grantee's copy (this device signed its own owner record).
    from_copy: bool,
}

/// What this device remembers of the family's recovery key (public key only).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecoveryMeta {
    /// The current recovery key.
    key: DeviceId,
    /// When it was made or learnt.
    created_at: i64,
    /// Keys printed before it (still owners of the livrets they were added to).
    #[serde(default)]
    previous: Vec<DeviceId>,
}

/// A recovery sheet to print: the words (wiped from memory when dropped) and what was done.
pub struct RecoverySheet {
    /// The 24 words, in order.
    pub words: Zeroizing<Vec<String>>,
    /// The recovery public key.
    pub public_key: String,
    /// The livrets it was made an owner of.
    pub livrets: Vec<String>,
    /// The key of the previous sheet, if one was printed before (now revoked in every livret
    /// this device owns).
    pub previous: Option<String>,
}

impl std::fmt::Debug for RecoverySheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoverySheet")
            .field("public_key", &self.public_key)
            .field("livrets", &self.livrets)
            .finish_non_exhaustive()
    }
}

impl RecoverySheet {
    /// The one-page A4 PDF of the sheet (French).
    pub fn pdf(&self, family: &str, date: &str) -> Result<Vec<u8>> {
        livret_export::pdf::recovery_sheet::render(&self.words, family, date).map_err(|e| {
            Error::Format {
                fr: livret_core::Localized::localized(&e, livret_core::Lang::Fr),
                en: e.to_string(),
            }
        })
    }
}

/// What a restore brought back.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// The livrets this device now owns again.
    pub livrets: Vec<String>,
    /// The sync session that followed.
    pub session: SessionReport,
}

const RECOVERY_KIND: &str = "recovery";
const RECOVERY_ID: &str = "key";

fn random32() -> Zeroizing<[u8; 32]> {
    use rand::RngCore;
    let mut b = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut b[..]);
    b
}

impl Device {
    fn recovery_meta(&self) -> Result<Option<RecoveryMeta>> {
        Ok(match self.store.record(RECOVERY_KIND, RECOVERY_ID)? {
            Some(b) => serde_json::from_slice(&b).ok(),
            None => None,
        })
    }

    fn put_recovery_meta(&mut self, meta: &RecoveryMeta) -> Result<()> {
        let json = serde_json::to_vec(meta).map_err(|e| Error::Protocol(e.to_string()))?;
        self.store
            .put_record(RECOVERY_KIND, RECOVERY_ID, None, &json)?;
        Ok(())
    }

    /// The family's current recovery public key, if a sheet was printed (or a restore or
    /// import with the words was made) on this device.
    pub fn recovery_key(&self) -> Result<Option<DeviceId>> {
        Ok(self.recovery_meta()?.map(|m| m.key))
    }

    /// The owner record making the current recovery key an owner of `livret` (a new livret),
    /// if this device knows one.
    pub(crate) fn recovery_owner_record(
        &self,
        livret: LivretId,
        at: i64,
    ) -> Result<Option<(ManifestRecord, Vec<u8>)>> {
        let Some(meta) = self.recovery_meta()? else {
            return Ok(None);
        };
        let record = OwnerRecord {
            livret: livret.0,
            owner: meta.key.0,
            issuer: self.device_id().0,
            name: RECOVERY_OWNER_NAME.to_string(),
            at,
            kind: OwnerKind::Recovery,
        };
        let bytes = record.sign(&self.identity.secret);
        Ok(Some((ManifestRecord::Owner(record), bytes)))
    }

    /// Makes a new recovery key an owner of every livret this device owns, remembers its
    /// public key for livrets created later, and returns its words (never stored). Where a
    /// livret already has a recovery key, only that key may name its successor: use
    /// [`Device::recovery_replace`] with the current sheet's words.
    pub fn recovery_print(&mut self) -> Result<RecoverySheet> {
        self.recovery_print_as(None)
    }

    /// Replaces the recovery sheet: a new key, named the successor of the current one by the
    /// current one (its words), in every livret this device owns. The current key is no
    /// longer an owner anywhere once the new record reaches a device: a sheet left in a drawer
    /// cannot re-authorize anyone. No device can replace the sheet without the current words.
    pub fn recovery_replace(&mut self, current: &RecoveryKey) -> Result<RecoverySheet> {
        self.recovery_print_as(Some(current))
    }

    fn recovery_print_as(&mut self, current: Option<&RecoveryKey>) -> Result<RecoverySheet> {
        self.require_role(Role::Family)?;
        let me = self.device_id();
        // Check every livret first: nothing changes unless all can take the new key.
        let mut owned = Vec::new();
        for (livret, meta) in self.held_livrets()? {
            if meta.relation != Relation::Owner {
                continue;
            }
            let manifest = self.manifest(livret)?;
            if !manifest.is_owner(&me) {
                continue;
            }
            match (manifest.recovery_key(), current) {
                (Some(k), Some(c)) if c.public() == k => {}
                (Some(_), Some(_)) => {
                    return Err(Error::NotAuthorized(
                        "ces mots ne sont pas ceux de la feuille de secours actuelle".into(),
                    ))
                }
                (Some(_), None) => {
                    return Err(Error::NotAuthorized(
                        "une feuille de secours existe déjà : pour la remplacer, donnez ses 24 mots (livret recovery print --replace) ; aucun appareil ne peut la remplacer seul".into(),
                    ))
                }
                (None, _) if manifest.owners_ever().values().any(|i| i.kind == OwnerKind::Recovery) => {
                    return Err(Error::NotAuthorized(format!(
                        "le livret {livret} a deux clés de secours concurrentes : aucune ne compte, et aucun appareil ne peut en ajouter une autre"
                    )))
                }
                (None, _) => {}
            }
            owned.push(livret);
        }
        let key = RecoveryKey::from_entropy(&random32());
        let words = key.words()?;
        let public = key.public();
        let previous = self.recovery_meta()?;
        let mut history = previous
            .as_ref()
            .map(|m| {
                let mut p = m.previous.clone();
                p.push(m.key);
                p
            })
            .unwrap_or_default();
        if let Some(c) = current {
            history.push(c.public());
        }
        history.retain(|k| *k != public);
        history.dedup();
        self.put_recovery_meta(&RecoveryMeta {
            key: public,
            created_at: self.now(),
            previous: history,
        })?;
        let now = self.now();
        let mut livrets = Vec::new();
        for livret in owned {
            let mut mdoc = self.load_manifest_doc(livret)?;
            let (record, bytes) = match current {
                // The current key names its successor.
                Some(c) => {
                    let record = OwnerRecord {
                        livret: livret.0,
                        owner: public.0,
                        issuer: c.public().0,
                        name: RECOVERY_OWNER_NAME.to_string(),
                        at: now,
                        kind: OwnerKind::Recovery,
                    };
                    let bytes = record.sign(c.secret());
                    (ManifestRecord::Owner(record), bytes)
                }
                None => match self.recovery_owner_record(livret, now)? {
                    Some(r) => r,
                    None => continue,
                },
            };
            mdoc.add(&record, &bytes)?;
            self.save_manifest_doc(livret, &mut mdoc)?;
            self.audit_event(
                Some(livret),
                Some(&public),
                None,
                AuditAction::RecoveryKey,
                true,
                "clé de secours ajoutée comme propriétaire",
            );
            livrets.push(livret.to_string());
        }
        livrets.sort();
        Ok(RecoverySheet {
            words,
            public_key: public.to_string(),
            livrets,
            previous: current
                .map(|c| c.public().to_string())
                .or(previous.map(|m| m.key.to_string())),
        })
    }

    /// Holder side of a recovery: checks the proof (made by the recovery key for `peer`, the
    /// Noise-authenticated sender, within ±10 minutes), then in every livret this device owns
    /// where the recovery key is an owner, signs an owner record for `peer`. Returns the
    /// manifest records of each. Every outcome is audited; nothing is stored on refusal.
    /// On a teacher's device, see [`Device::answer_recover_as_grantee`].
    pub(crate) fn answer_recover(
        &mut self,
        peer: DeviceId,
        proof: &RecoveryProof,
        peer_name: &str,
        peer_role: &str,
    ) -> Result<Vec<(LivretId, Records)>> {
        let refuse = |dev: &mut Device, code: RefusalCode| {
            let refusal = Refusal::new(code);
            let why = crate::refused::audit_text(&refusal);
            dev.audit_event(None, Some(&peer), None, AuditAction::Recover, false, &why);
            Err(Error::Refused(refusal))
        };
        if self.role() != Role::Family && self.role() != Role::Teacher {
            return refuse(self, RefusalCode::RecoveryRefused);
        }
        if peer_role != Role::Family.as_str() {
            return refuse(self, RefusalCode::FamilyDevicesOnly);
        }
        if let Err(problem) = proof.check(&peer, self.now()) {
            return refuse(
                self,
                match problem {
                    ProofProblem::BadSignature => RefusalCode::RecoveryProofInvalid,
                    ProofProblem::Stale => RefusalCode::RecoveryProofStale,
                },
            );
        }
        let peer_name: String = peer_name.chars().take(100).collect();
        if self.role() == Role::Teacher {
            let out = self.answer_recover_as_grantee(proof)?;
            if out.is_empty() {
                // A sheet printed after this device's grant is unknown to it.
                return refuse(self, RefusalCode::RecoveryKeyOwnsNothing);
            }
            for (livret, _) in &out {
                self.audit_event(
                    Some(*livret),
                    Some(&peer),
                    None,
                    AuditAction::Recover,
                    true,
                    &format!(
                        "copie du livret rendue à l'appareil « {peer_name} » (clé de secours) : il signe lui-même son acte de propriétaire"
                    ),
                );
            }
            return Ok(out);
        }
        let me = self.device_id();
        let mut owned = Vec::new();
        for (livret, meta) in self.held_livrets()? {
            if meta.relation != Relation::Owner {
                continue;
            }
            let manifest = self.manifest(livret)?;
            if manifest.is_owner(&me) && manifest.is_owner(&proof.key) {
                owned.push(livret);
            }
        }
        if owned.is_empty() {
            return refuse(self, RefusalCode::RecoveryKeyOwnsNothing);
        }
        let now = self.now();
        let mut out = Vec::new();
        for livret in owned {
            let mut mdoc = self.load_manifest_doc(livret)?;
            let record = OwnerRecord {
                livret: livret.0,
                owner: peer.0,
                issuer: me.0,
                name: peer_name.clone(),
                at: now,
                // A device restored with the sheet stands as a parent of its own: its holder
                // proved the recovery key, which outranks every device.
                kind: OwnerKind::Parent,
            };
            let bytes = record.sign(&self.identity.secret);
            mdoc.add(&ManifestRecord::Owner(record), &bytes)?;
            if !mdoc
                .records()
                .iter()
                .any(|(k, _)| *k == format!("owner/{me}"))
            {
                let mine = OwnerRecord {
                    livret: livret.0,
                    owner: me.0,
                    issuer: me.0,
                    name: self.name().to_string(),
                    at: now,
                    kind: OwnerKind::Parent,
                };
                let b = mine.sign(&self.identity.secret);
                mdoc.add(&ManifestRecord::Owner(mine), &b)?;
            }
            self.save_manifest_doc(livret, &mut mdoc)?;
            self.audit_event(
                Some(livret),
                Some(&peer),
                None,
                AuditAction::Recover,
                true,
                &format!("appareil « {peer_name} » rétabli propriétaire avec la clé de secours"),
            );
            out.push((livret, mdoc.records()));
        }
        Ok(out)
    }

    /// Holder side on a teacher's device (the proof already checked): the records it holds
    /// of every livret it is granted (not as a jury) where its manifest names the recovery
    /// key an owner. It signs nothing and stores nothing: the new device signs its own owner
    /// record with the recovery key and shows it before the sync (see
    /// [`Device::accept_introduction`]).
    fn answer_recover_as_grantee(
        &mut self,
        proof: &RecoveryProof,
    ) -> Result<Vec<(LivretId, Records)>> {
        let me = self.device_id();
        let now = self.now();
        let mut out = Vec::new();
        for (livret, meta) in self.held_livrets()? {
            if meta.relation != Relation::Grantee {
                continue;
            }
            let mdoc = self.load_manifest_doc(livret)?;
            let Ok(manifest) = mdoc.manifest() else {
                continue;
            };
            let granted = manifest.live_grants_for(&me, now).iter().any(|g| !g.jury);
            if granted && manifest.is_owner(&proof.key) {
                out.push((livret, mdoc.records()));
            }
        }
        Ok(out)
    }

    /// New-device side: checks a livret the holder sent back. From a family device, its
    /// manifest must name this device, the holder and the recovery key as owners. From a
    /// grantee's copy (the holder is not an owner but holds a grant), the recovery key must be
    /// an owner, and this device signs its own owner record with it (`key`, the words, is then
    /// needed). Nothing is stored here (see [`Device::store_recovered`]).
    fn check_recovered(
        &self,
        holder: DeviceId,
        proof_key: DeviceId,
        key: Option<&RecoveryKey>,
        livret: LivretId,
        records: Records,
        peer_addrs: Vec<String>,
    ) -> Result<Recovered> {
        let mut mdoc = ManifestDoc::new();
        for (k, bytes) in &records {
            let record = ManifestRecord::open(k, bytes)?;
            mdoc.add(&record, bytes)?;
        }
        let manifest = mdoc.manifest()?;
        let me = self.device_id();
        if manifest.livret() != livret || !manifest.is_owner(&proof_key) {
            return Err(Error::Protocol(
                "livret rendu sans acte valable faisant de la clé de secours un propriétaire"
                    .into(),
            ));
        }
        if self.meta(livret).is_ok() {
            return Err(Error::NotAuthorized(
                "ce livret est déjà sur cet appareil".into(),
            ));
        }
        let from_copy = !manifest.is_owner(&holder);
        if from_copy {
            if !manifest.grants().any(|g| g.audience_id() == holder) {
                return Err(Error::Protocol(
                    "livret rendu par un appareil que la famille n'y a pas autorisé".into(),
                ));
            }
            if !manifest.is_owner(&me) {
                let Some(key) = key.filter(|k| k.public() == proof_key) else {
                    return Err(Error::NotAuthorized(
                        "les mots de secours sont nécessaires pour rétablir un livret depuis la copie d'un enseignant"
                            .into(),
                    ));
                };
                let record = OwnerRecord {
                    livret: livret.0,
                    owner: me.0,
                    issuer: proof_key.0,
                    name: self.name().chars().take(100).collect(),
                    at: self.now(),
                    kind: OwnerKind::Parent,
                };
                let bytes = record.sign(key.secret());
                mdoc.add(&ManifestRecord::Owner(record), &bytes)?;
            }
        }
        let manifest = mdoc.manifest()?;
        if !manifest.is_owner(&me) {
            return Err(Error::Protocol(
                "livret rendu sans acte valable faisant de cet appareil un propriétaire".into(),
            ));
        }
        // From a teacher's copy the child's name comes from the grant (no identity section).
        let name = if from_copy {
            manifest
                .grants()
                .find(|g| g.audience_id() == holder)
                .and_then(|g| g.subject_name.clone())
                .filter(|n| !n.is_empty())
        } else {
            None
        };
        let meta = LivretMeta {
            relation: Relation::Owner,
            name,
            class: None,
            // Addresses of owners to dial: a teacher's device is not one.
            peers: if from_copy { vec![] } else { peer_addrs },
            owners: manifest.owners().keys().copied().collect(),
            introduce: from_copy,
        };
        Ok(Recovered {
            livret,
            mdoc,
            meta,
            from_copy,
        })
    }

    /// New-device side: records a livret checked by [`Device::check_recovered`].
    fn store_recovered(&mut self, holder: DeviceId, r: &mut Recovered) -> Result<()> {
        self.save_manifest_doc(r.livret, &mut r.mdoc)?;
        self.put_meta(r.livret, &r.meta)?;
        let detail = if r.from_copy {
            "livret rendu depuis la copie d'un appareil autorisé : cet appareil s'en est fait propriétaire avec la clé de secours (seules les sections de cette copie reviennent)"
        } else {
            "livret rendu par la clé de secours : cet appareil en est propriétaire"
        };
        self.audit_event(
            Some(r.livret),
            Some(&holder),
            None,
            AuditAction::Recover,
            true,
            detail,
        );
        Ok(())
    }

    /// A peer shows its owner record of `livret` (and its issuer's): a device restored from a
    /// teacher's copy signed its own with the recovery key, which the other devices do not know
    /// yet. Kept if every record is an owner record of this livret under a key not yet in this
    /// device's manifest, and once added, the peer and every key they name are owners as this
    /// device's manifest says (an issuer it does not know as an owner is refused). Returns
    /// whether the manifest changed; nothing is stored on refusal.
    pub(crate) fn accept_introduction(
        &mut self,
        peer: DeviceId,
        livret: LivretId,
        records: &[(String, Vec<u8>)],
    ) -> Result<bool> {
        let mut meta = self
            .meta(livret)
            .map_err(|_| Error::NotAuthorized("livret inconnu de cet appareil".into()))?;
        if records.is_empty() || records.len() > MAX_INTRODUCED_RECORDS {
            return Err(Error::Protocol("présentation mal formée".into()));
        }
        if records
            .iter()
            .all(|(k, _)| k.starts_with("owner-revocation/"))
        {
            return self.accept_readmission(peer, livret, records);
        }
        let mut mdoc = self.load_manifest_doc(livret)?;
        if mdoc.manifest()?.is_owner(&peer) {
            return Ok(false);
        }
        let held: Vec<String> = mdoc.records().into_iter().map(|(k, _)| k).collect();
        let mut named = Vec::new();
        for (k, bytes) in records {
            let record = ManifestRecord::open(k, bytes)?;
            let ManifestRecord::Owner(o) = &record else {
                return Err(Error::Protocol(
                    "une présentation ne porte que des actes de propriétaire".into(),
                ));
            };
            if o.livret != livret.0 {
                return Err(Error::Protocol(
                    "acte de propriétaire d'un autre livret".into(),
                ));
            }
            named.push(DeviceId(o.owner));
            // The manifest only grows: a key already held is never replaced.
            if !held.contains(k) {
                mdoc.add(&record, bytes)?;
            }
        }
        let manifest = mdoc.manifest()?;
        if !named.contains(&peer)
            || !manifest.is_owner(&peer)
            || named.iter().any(|o| !manifest.is_owner(o))
        {
            return Err(Error::NotAuthorized(
                "acte de propriétaire non signé par un propriétaire que cet appareil connaît"
                    .into(),
            ));
        }
        self.save_manifest_doc(livret, &mut mdoc)?;
        if meta.relation == Relation::Grantee {
            meta.owners = manifest.owners().keys().copied().collect();
            self.put_meta(livret, &meta)?;
        }
        let name = manifest.owners().get(&peer).cloned().unwrap_or_default();
        let name: String = name.chars().take(100).collect();
        self.audit_event(
            Some(livret),
            Some(&peer),
            None,
            AuditAction::Introduced,
            true,
            &format!("appareil « {name} » reconnu propriétaire : acte signé par un propriétaire"),
        );
        Ok(true)
    }

    /// The introduction of this device to `peer` for `livret`: its owner record(s) and those
    /// of their issuers, as a `Granted` frame (`None` if it holds none).
    pub(crate) fn introduction(&self, livret: LivretId) -> Result<Option<Frame>> {
        let me = self.device_id();
        let records = self.load_manifest_doc(livret)?.records();
        let mine_key = format!("owner/{me}");
        let mut keys = vec![mine_key.clone()];
        for (k, bytes) in &records {
            if *k == mine_key {
                if let Ok(o) = OwnerRecord::open(bytes) {
                    let issuer = format!("owner/{}", DeviceId(o.issuer));
                    if !keys.contains(&issuer) {
                        keys.push(issuer);
                    }
                }
            }
        }
        let chosen: Vec<(String, ByteBuf)> = records
            .into_iter()
            .filter(|(k, _)| keys.contains(k))
            .take(MAX_INTRODUCED_RECORDS)
            .map(|(k, v)| (k, ByteBuf::from(v)))
            .collect();
        if !chosen.iter().any(|(k, _)| *k == mine_key) {
            return Ok(None);
        }
        Ok(Some(Frame::Granted(Granted {
            livret: livret.0,
            records: chosen,
        })))
    }

    /// Remembers the recovery public key learnt from the words (restore, import).
    pub(crate) fn learn_recovery_key(&mut self, key: DeviceId) -> Result<()> {
        match self.recovery_meta()? {
            Some(m) if m.key == key => Ok(()),
            Some(m) => {
                let mut previous = m.previous.clone();
                previous.push(m.key);
                self.put_recovery_meta(&RecoveryMeta {
                    key,
                    created_at: self.now(),
                    previous,
                })
            }
            None => self.put_recovery_meta(&RecoveryMeta {
                key,
                created_at: self.now(),
                previous: vec![],
            }),
        }
    }

    /// The child's name, from the identity section (once synced or imported).
    pub(crate) fn refresh_child_name(&mut self, livret: LivretId) -> Result<()> {
        let mut meta = self.meta(livret)?;
        if meta.name.is_some() {
            return Ok(());
        }
        let Some(doc) = self.load_section(livret, Section::Identite)? else {
            return Ok(());
        };
        let name = doc
            .entries()
            .into_iter()
            .flat_map(|s| s.values.into_iter().flatten())
            .filter_map(|e| e.open().ok())
            .find(|o| {
                matches!(
                    o.payload.content,
                    livret_core::entry::Content::Identity { .. }
                )
            })
            .and_then(|o| o.texts.first().cloned())
            .filter(|n| !n.is_empty());
        if name.is_some() {
            meta.name = name;
            self.put_meta(livret, &meta)?;
        }
        Ok(())
    }
}

/// The most livrets one recovery may bring back.
const MAX_RECOVERED_LIVRETS: u32 = 256;

/// Restores this (new, family) device's livrets from a device that holds them: the words give
/// the recovery key, whose proof re-authorizes this device; then everything is synced.
pub async fn restore(
    dev: &SharedDevice,
    node: &Node,
    peer: PeerId,
    addrs: Vec<Multiaddr>,
    key: &RecoveryKey,
) -> Result<RestoreReport> {
    let proof = {
        let d = lock(dev);
        d.require_role(Role::Family)?;
        key.prove(&d.device_id(), d.now())
    };
    let report = restore_inner(dev, node, peer, addrs, proof, Some(key)).await?;
    lock(dev).learn_recovery_key(key.public())?;
    Ok(report)
}

/// Like [`restore`], with a proof made beforehand (tests replay one from another device).
/// Without the words, nothing can be restored from a teacher's copy.
#[doc(hidden)]
pub async fn restore_with_proof(
    dev: &SharedDevice,
    node: &Node,
    peer: PeerId,
    addrs: Vec<Multiaddr>,
    proof: RecoveryProof,
) -> Result<RestoreReport> {
    restore_inner(dev, node, peer, addrs, proof, None).await
}

async fn restore_inner(
    dev: &SharedDevice,
    node: &Node,
    peer: PeerId,
    addrs: Vec<Multiaddr>,
    proof: RecoveryProof,
    key: Option<&RecoveryKey>,
) -> Result<RestoreReport> {
    let holder = livret_net::public_key_from_peer_id(&peer)
        .map(DeviceId)
        .ok_or_else(|| Error::Protocol("pair sans clé ed25519".into()))?;
    let peer_addrs: Vec<String> = addrs.iter().map(|a| format!("{a}/p2p/{peer}")).collect();
    let mut s = node.open_session(peer, addrs).await?;
    let result = restore_on(dev, &mut s, holder, proof, key, peer_addrs).await;
    let recovered = match result {
        Ok(l) => l,
        Err(e) => {
            lock(dev).audit_event(
                None,
                Some(&holder),
                None,
                AuditAction::Recover,
                false,
                &livret_core::Localized::localized(&e, livret_core::Lang::Fr),
            );
            let _ = s.close().await;
            return Err(e);
        }
    };
    // Livrets from a teacher's copy: this device shows its owner record first, and keeps
    // every entry that verifies whoever wrote it (see the module's documentation).
    let copies: BTreeSet<LivretId> = recovered
        .iter()
        .filter(|(_, copy)| *copy)
        .map(|(l, _)| *l)
        .collect();
    let livrets: Vec<LivretId> = recovered.into_iter().map(|(l, _)| l).collect();
    let session = crate::session::run_restoring(dev.clone(), &mut s, copies).await;
    let _ = s.close().await;
    let session = session?;
    {
        let mut d = lock(dev);
        for l in &livrets {
            d.refresh_child_name(*l)?;
        }
    }
    Ok(RestoreReport {
        livrets: livrets.iter().map(|l| l.to_string()).collect(),
        session,
    })
}

/// Sends the proof and records what the holder sends back (all checked before anything is
/// stored). Returns each livret and whether it came from a grantee's copy.
async fn restore_on(
    dev: &SharedDevice,
    s: &mut Session,
    holder: DeviceId,
    proof: RecoveryProof,
    key: Option<&RecoveryKey>,
    peer_addrs: Vec<String>,
) -> Result<Vec<(LivretId, bool)>> {
    let (name, role) = {
        let d = lock(dev);
        (d.name().to_string(), d.role().as_str().to_string())
    };
    let frame = Frame::Recover(Recover {
        key: ByteBuf::from(proof.key.0.to_vec()),
        at: proof.at,
        signature: ByteBuf::from(proof.signature.to_vec()),
        name,
        role,
    });
    s.send(&frame.encode()).await?;
    let mut granted = Vec::new();
    loop {
        let frame = match s.recv().await? {
            None => {
                return Err(Error::Protocol(
                    "l'autre appareil a fermé la session".into(),
                ))
            }
            Some(bytes) => Frame::decode(&bytes).map_err(|e| Error::Protocol(e.to_string()))?,
        };
        match frame {
            Frame::Granted(g) => {
                if granted.len() as u32 >= MAX_RECOVERED_LIVRETS {
                    return Err(Error::Protocol("trop de livrets rendus".into()));
                }
                granted.push(g);
            }
            Frame::EndRound(n) if n as usize == granted.len() => break,
            Frame::Refused(r) => return Err(Error::PeerRefused(crate::refused::of_frame(&r))),
            _ => {
                return Err(Error::Protocol(
                    "réponse inattendue à la demande de secours".into(),
                ))
            }
        }
    }
    let mut d = lock(dev);
    let mut checked: Vec<Recovered> = Vec::new();
    for g in granted {
        let livret = LivretId(g.livret);
        if checked.iter().any(|r| r.livret == livret) {
            return Err(Error::Protocol("livret rendu deux fois".into()));
        }
        let records = g
            .records
            .into_iter()
            .map(|(k, v)| (k, v.into_vec()))
            .collect();
        checked.push(d.check_recovered(
            holder,
            proof.key,
            key,
            livret,
            records,
            peer_addrs.clone(),
        )?);
    }
    let mut out = Vec::new();
    for mut r in checked {
        d.store_recovered(holder, &mut r)?;
        out.push((r.livret, r.from_copy));
    }
    Ok(out)
}
