//! A device: its home directory, its store, its identity and clock. Every user action is a
//! method on [`Device`] (here and in the sibling modules).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use livret_core::doc::{ManifestDoc, SectionDoc};
use livret_core::grant::Manifest;
use livret_core::{DeviceId, DeviceIdentity, DeviceSecret, LivretId, Role, Section};
use livret_store::{
    AuditEntry, DeviceRecord, KeySource, OpenOptions, SectionWeight, Store, StoreTx,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::{AuditAction, AuditOutcome};
use crate::error::{Error, Result};

/// The name under which a livret's manifest is stored beside its sections.
pub(crate) const MANIFEST: &str = livret_net::protocol::MANIFEST;
/// The record holding the policy generation (see `Device::policy_generation`).
const POLICY_KIND: &str = "policy";
const POLICY_GENERATION: &str = "generation";
/// Compact a document once it has this many incremental chunks.
pub(crate) const COMPACT_AFTER: usize = 32;

/// How this device relates to a livret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// The family: an owner of the livret.
    Owner,
    /// A device holding a grant (teacher, jury).
    Grantee,
}

/// What a device keeps about each livret it holds, beside its documents (encrypted at rest).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LivretMeta {
    /// Owner or grantee.
    pub relation: Relation,
    /// The child's name: from the identity (family) or as the grant shares it (teacher).
    pub name: Option<String>,
    /// The class recorded by a teacher (e.g. `5B`).
    pub class: Option<String>,
    /// Addresses of the owner device(s) to dial (multiaddrs with /p2p).
    pub peers: Vec<String>,
    /// On a grantee: the owners' device ids, to know quickly which peer a livret concerns.
    #[serde(default)]
    pub owners: Vec<DeviceId>,
    /// On an owner restored from a grantee's copy: this device's owner record was signed with
    /// the recovery key, so the other owners do not know it yet. It is shown to each of them
    /// (a `Granted` frame before the hello) until a first manifest sync with them.
    #[serde(default)]
    pub introduce: bool,
}

/// A device opened on its home directory.
pub struct Device {
    pub(crate) store: Store,
    pub(crate) identity: DeviceIdentity,
    clock_offset: i64,
    /// Tests only: behave like a modified client that sends changes without a write right.
    pub(crate) sends_without_right: bool,
    /// The longest a peer's turn may last ([`TURN_DEADLINE`]; shorter in tests).
    pub(crate) turn_deadline: std::time::Duration,
    /// Decoded manifests, each with the fingerprint of the stored bytes it was decoded from
    /// (see [`Device::manifest`]).
    manifests: Mutex<BTreeMap<LivretId, (Vec<u8>, Manifest)>>,
    /// The livrets held, with the fingerprint of the stored records they were decoded from
    /// (see [`Device::held_livrets`]).
    held: Mutex<Option<(Vec<u8>, Arc<HeldIndex>)>>,
}

/// The livrets a device holds, with their metadata.
type HeldLivrets = Vec<(LivretId, LivretMeta)>;

/// The livrets held, and which of them each peer may concern without a roster (a session
/// asks at every turn: its cost follows that peer's livrets, not all those held).
struct HeldIndex {
    list: HeldLivrets,
    /// Positions in `list` of the livrets this device owns.
    owned: Vec<usize>,
    /// Positions in `list` of the livrets held as grantee, by owner (their metadata's owners).
    granted_by: BTreeMap<DeviceId, Vec<usize>>,
    /// How many livrets are held as grantee.
    granted: usize,
}

impl HeldIndex {
    fn new(list: HeldLivrets) -> HeldIndex {
        let mut owned = Vec::new();
        let mut granted_by: BTreeMap<DeviceId, Vec<usize>> = BTreeMap::new();
        let mut granted = 0;
        for (i, (_, meta)) in list.iter().enumerate() {
            match meta.relation {
                Relation::Owner => owned.push(i),
                Relation::Grantee => {
                    granted += 1;
                    for o in &meta.owners {
                        granted_by.entry(*o).or_default().push(i);
                    }
                }
            }
        }
        HeldIndex {
            list,
            owned,
            granted_by,
            granted,
        }
    }
}

/// The most decoded manifests kept (a teacher holding many classes: 600 livrets).
const MAX_CACHED_MANIFESTS: usize = 1024;

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("id", &self.identity.device_id())
            .field("role", &self.identity.role)
            .finish_non_exhaustive()
    }
}

/// The public facts of a device.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceInfo {
    /// Its public key, in base32.
    pub device_id: String,
    /// family, teacher, school or jury.
    pub role: String,
    /// Its name.
    pub name: String,
}

/// The longest a peer's turn may last, all its frames together (each frame also has its own
/// silence timeout): a peer cannot hold a turn, and the session it was planned in, open for
/// ever.
pub const TURN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// A device shared between the node's tasks.
pub type SharedDevice = Arc<Mutex<Device>>;

pub(crate) fn lock(dev: &SharedDevice) -> MutexGuard<'_, Device> {
    // A panic while holding the lock leaves the Device usable: its state lives in SQLite.
    dev.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

pub(crate) fn random16() -> [u8; 16] {
    random_bytes::<16>()
}

impl Device {
    /// Creates a device in `home`: a new ed25519 key, a role and a name.
    pub fn init(home: &Path, key: KeySource, role: Role, name: &str) -> Result<Device> {
        Self::init_with(home, key, role, name, &OpenOptions::default())
    }

    /// Like [`Device::init`], with store options (tests use fast key derivation).
    pub fn init_with(
        home: &Path,
        key: KeySource,
        role: Role,
        name: &str,
        options: &OpenOptions,
    ) -> Result<Device> {
        if role == Role::School {
            return Err(Error::NotAuthorized(
                "un établissement se crée avec son UAI (livret init --role school --uai UAI)"
                    .into(),
            ));
        }
        Self::create(home, key, role, name, options)
    }

    pub(crate) fn create(
        home: &Path,
        key: KeySource,
        role: Role,
        name: &str,
        options: &OpenOptions,
    ) -> Result<Device> {
        let name = livret_core::vocab::PersonName::parse(name)?;
        let mut store = Store::open_with(home, key, options)?;
        if store.device()?.is_some() {
            return Err(Error::AlreadyInitialized(home.display().to_string()));
        }
        let secret_bytes = Zeroizing::new(random_bytes::<32>());
        let secret = DeviceSecret::from_bytes(&secret_bytes);
        store.put_device(&DeviceRecord {
            role: role.as_str().to_string(),
            name: name.as_str().to_string(),
            secret_key: secret_bytes,
            created_at: system_now(),
        })?;
        Ok(Device {
            store,
            identity: DeviceIdentity {
                role,
                name: name.as_str().to_string(),
                secret,
            },
            clock_offset: 0,
            sends_without_right: false,
            turn_deadline: TURN_DEADLINE,
            manifests: Mutex::default(),
            held: Mutex::default(),
        })
    }

    /// Opens the device in `home`.
    pub fn open(home: &Path, key: KeySource) -> Result<Device> {
        Self::open_with(home, key, &OpenOptions::default())
    }

    /// Like [`Device::open`], with store options.
    pub fn open_with(home: &Path, key: KeySource, options: &OpenOptions) -> Result<Device> {
        if !Store::exists(home) {
            return Err(Error::NotInitialized(home.display().to_string()));
        }
        let opts = OpenOptions {
            create: false,
            ..options.clone()
        };
        let store = Store::open_with(home, key, &opts)?;
        let record = store
            .device()?
            .ok_or_else(|| Error::NotInitialized(home.display().to_string()))?;
        let role: Role = record.role.parse()?;
        let mut device = Device {
            identity: DeviceIdentity {
                role,
                name: record.name.clone(),
                secret: DeviceSecret::from_bytes(&record.secret_key),
            },
            store,
            clock_offset: 0,
            sends_without_right: false,
            turn_deadline: TURN_DEADLINE,
            manifests: Mutex::default(),
            held: Mutex::default(),
        };
        // At start-up, what a grant no longer covers goes.
        if matches!(role, Role::Teacher | Role::Jury) {
            device.purge_expired()?;
        }
        Ok(device)
    }

    /// The device's home directory.
    pub fn home(&self) -> PathBuf {
        self.store.home().to_path_buf()
    }

    /// The device's public facts.
    pub fn info(&self) -> DeviceInfo {
        DeviceInfo {
            device_id: self.identity.device_id().to_string(),
            role: self.identity.role.as_str().to_string(),
            name: self.identity.name.clone(),
        }
    }

    /// The device's id (public key).
    pub fn device_id(&self) -> DeviceId {
        self.identity.device_id()
    }

    /// The device's role.
    pub fn role(&self) -> Role {
        self.identity.role
    }

    /// The device's name.
    pub fn name(&self) -> &str {
        &self.identity.name
    }

    /// The device's secret key bytes (for the libp2p identity). Never logged.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.identity.secret.to_bytes()
    }

    /// Now, in seconds since 1970 (the system clock, moved by the test offset if any).
    pub fn now(&self) -> i64 {
        system_now() + self.clock_offset
    }

    /// Moves this device's clock forward or back. For tests only: users never set it.
    #[doc(hidden)]
    pub fn set_clock_offset_for_tests(&mut self, seconds: i64) {
        self.clock_offset = seconds;
    }

    /// Makes this device behave like a modified client that sends its changes even where it
    /// holds no write right (an honest device sends only requests there). For tests of what
    /// the receiving side refuses; users never set it.
    #[doc(hidden)]
    pub fn send_changes_without_right_for_tests(&mut self) {
        self.sends_without_right = true;
    }

    /// Shortens the longest a peer's turn may last (120 s otherwise), so a test need not wait.
    /// For tests only; users never set it.
    #[doc(hidden)]
    pub fn set_turn_deadline_for_tests(&mut self, deadline: std::time::Duration) {
        self.turn_deadline = deadline;
    }

    pub(crate) fn require_role(&self, needed: Role) -> Result<()> {
        if self.identity.role == needed {
            Ok(())
        } else {
            Err(Error::WrongRole {
                needed,
                actual: self.identity.role,
            })
        }
    }

    // ---- livret metadata ----------------------------------------------------------------

    pub(crate) fn meta(&self, livret: LivretId) -> Result<LivretMeta> {
        let bytes = self
            .store
            .record("livret", &livret.to_string())?
            .ok_or_else(|| Error::UnknownLivret(livret.to_string()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::Protocol(format!("métadonnées illisibles : {e}")))
    }

    pub(crate) fn put_meta(&mut self, livret: LivretId, meta: &LivretMeta) -> Result<()> {
        let bytes =
            serde_json::to_vec(meta).map_err(|e| Error::Protocol(format!("métadonnées : {e}")))?;
        let id = livret.to_string();
        self.store.put_record("livret", &id, Some(&id), &bytes)?;
        Ok(())
    }

    /// The livrets this device holds, with their metadata.
    ///
    /// A session asks at every turn, and a teacher may hold 600 livrets: the decoded list is
    /// kept and used again while the stored records are the same ones (their ids and nonces,
    /// read without decrypting; a write by any process changes them).
    pub(crate) fn held_livrets(&self) -> Result<HeldLivrets> {
        Ok(self.held_index()?.list.clone())
    }

    /// The held livrets that may concern `peer` unless a roster this device holds lists it
    /// (see `Device::knows_team_peer`): those this device owns, and those it holds as grantee
    /// that `peer` owns. `all_grantee` is false when every livret held as grantee is among
    /// them (the caller need not ask the rosters then).
    pub(crate) fn held_livrets_near(&self, peer: &DeviceId) -> Result<(HeldLivrets, bool)> {
        let index = self.held_index()?;
        let granted = index.granted_by.get(peer).map(Vec::as_slice).unwrap_or(&[]);
        let mut positions: Vec<usize> = index.owned.iter().chain(granted).copied().collect();
        positions.sort_unstable();
        let list = positions
            .into_iter()
            .filter_map(|i| index.list.get(i).cloned())
            .collect();
        Ok((list, granted.len() < index.granted))
    }

    fn held_index(&self) -> Result<Arc<HeldIndex>> {
        let fingerprint = self.store.records_fingerprint("livret")?;
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((f, index)) = held.as_ref() {
            if *f == fingerprint {
                return Ok(index.clone());
            }
        }
        let index = Arc::new(HeldIndex::new(self.decode_held_livrets()?));
        *held = Some((fingerprint, index.clone()));
        Ok(index)
    }

    fn decode_held_livrets(&self) -> Result<HeldLivrets> {
        let mut out = Vec::new();
        for (id, _, bytes) in self.store.records("livret")? {
            let Ok(livret) = id.parse::<LivretId>() else {
                continue;
            };
            if let Ok(meta) = serde_json::from_slice::<LivretMeta>(&bytes) {
                out.push((livret, meta));
            }
        }
        Ok(out)
    }

    /// Parses a livret id typed by a user and checks this device holds it.
    pub fn resolve_livret(&self, text: &str) -> Result<LivretId> {
        let id: LivretId = text.parse()?;
        self.meta(id)?;
        Ok(id)
    }

    // ---- documents -----------------------------------------------------------------------

    pub(crate) fn section_names(&self, livret: LivretId) -> Result<Vec<Section>> {
        let mut out: Vec<Section> = self
            .store
            .sections_of(&livret.to_string())?
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
        out.sort();
        Ok(out)
    }

    pub(crate) fn load_section(
        &self,
        livret: LivretId,
        section: Section,
    ) -> Result<Option<SectionDoc>> {
        match self
            .store
            .load_section(&livret.to_string(), &section.to_string())?
        {
            None => Ok(None),
            Some(data) => Ok(Some(SectionDoc::load(&data.snapshot, &data.increments)?)),
        }
    }

    /// Saves what changed in a document since it was loaded (compacting now and then).
    pub(crate) fn save_section(
        &mut self,
        livret: LivretId,
        section: Section,
        doc: &mut SectionDoc,
    ) -> Result<()> {
        // One transaction: the document and its heads (`heads`) together.
        self.store
            .transaction(|tx| save_section_in(tx, livret, section, doc))
    }

    pub(crate) fn load_manifest_doc(&self, livret: LivretId) -> Result<ManifestDoc> {
        match self.store.load_section(&livret.to_string(), MANIFEST)? {
            None => Err(Error::UnknownLivret(livret.to_string())),
            Some(data) => Ok(ManifestDoc::load(&data.snapshot, &data.increments)?),
        }
    }

    pub(crate) fn save_manifest_doc(
        &mut self,
        livret: LivretId,
        doc: &mut ManifestDoc,
    ) -> Result<()> {
        let l = livret.to_string();
        let (saved, heads) = (doc.saved_heads().to_vec(), doc.heads());
        // One transaction: the document, its heads (`heads`) and the policy generation.
        self.store.transaction(|tx| -> Result<()> {
            save_doc_in(
                tx,
                &l,
                MANIFEST,
                |full| {
                    if full {
                        doc.save_for_store()
                    } else {
                        doc.save_incremental()
                    }
                },
                &saved,
                &heads,
            )?;
            // A fresh random value rather than a count: two processes changing manifests at
            // once cannot write the same next value.
            let fresh = random16();
            tx.put_record(POLICY_KIND, POLICY_GENERATION, None, &fresh[..8])?;
            Ok(())
        })
    }

    /// A number that changes whenever a manifest of this device changes (by this process or
    /// another one on the same home): a running session reloads its policy when it moved, so a
    /// revocation holds from the next batch that arrives.
    pub(crate) fn policy_generation(&self) -> Result<u64> {
        Ok(self
            .store
            .record(POLICY_KIND, POLICY_GENERATION)?
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// The policy view of a livret, as this device knows it.
    ///
    /// Decoding a manifest verifies every record's signature, and a session asks for every
    /// livret's at each turn: the decoded view is kept, and used again while the stored bytes
    /// are the same ones (their fingerprint, read without decrypting, says so; a write by any
    /// process changes it). Decoding the same bytes again would give the same view.
    pub(crate) fn manifest(&self, livret: LivretId) -> Result<Manifest> {
        Ok(self.manifest_and_fingerprint(livret)?.1)
    }

    /// [`Device::manifest`], with the fingerprint of the stored bytes read before decoding
    /// (the decoded bytes are those or newer ones: something tied to this fingerprint is
    /// never taken for a later manifest's).
    pub(crate) fn manifest_and_fingerprint(&self, livret: LivretId) -> Result<(Vec<u8>, Manifest)> {
        let l = livret.to_string();
        let Some(fingerprint) = self.store.section_fingerprint(&l, MANIFEST)? else {
            return Err(Error::UnknownLivret(l));
        };
        if let Some((f, m)) = self.cached_manifests().get(&livret) {
            if *f == fingerprint {
                let m = m.clone();
                return Ok((fingerprint, self.with_held_rosters(m)?));
            }
        }
        let manifest = self.load_manifest_doc(livret)?.manifest()?;
        let mut cache = self.cached_manifests();
        if cache.len() >= MAX_CACHED_MANIFESTS {
            cache.clear();
        }
        cache.insert(livret, (fingerprint.clone(), manifest.clone()));
        drop(cache);
        // Rosters change apart from the manifest: attached at every call.
        Ok((fingerprint, self.with_held_rosters(manifest)?))
    }

    fn cached_manifests(&self) -> MutexGuard<'_, BTreeMap<LivretId, (Vec<u8>, Manifest)>> {
        // A panic while holding it leaves a map of whole entries: still usable.
        self.manifests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    // ---- audit -----------------------------------------------------------------------------

    pub(crate) fn audit_event(
        &mut self,
        livret: Option<LivretId>,
        peer: Option<&DeviceId>,
        section: Option<&str>,
        action: AuditAction,
        accepted: bool,
        detail: &str,
    ) {
        let entry = self.audit_entry(livret, peer, section, action, accepted, detail);
        if let Err(e) = self.store.append_audit(&entry) {
            tracing::warn!("audit log write failed: {e}");
        }
    }

    /// An audit entry, to be written later with others in one transaction.
    pub(crate) fn audit_entry(
        &self,
        livret: Option<LivretId>,
        peer: Option<&DeviceId>,
        section: Option<&str>,
        action: AuditAction,
        accepted: bool,
        detail: &str,
    ) -> AuditEntry {
        AuditEntry {
            at: self.now(),
            livret: livret.map(|l| l.to_string()),
            peer: peer.map(|p| p.to_string()),
            section: section.map(str::to_string),
            action: action.as_str().to_string(),
            outcome: if accepted {
                AuditOutcome::Accepted
            } else {
                AuditOutcome::Refused
            }
            .as_str()
            .to_string(),
            detail: detail.to_string(),
        }
    }

    /// Writes audit entries and sync states gathered during a session, in one transaction.
    pub(crate) fn write_session_records(
        &mut self,
        audit: &mut Vec<AuditEntry>,
        sync_states: &[(String, String, String, Vec<u8>)],
        peer_heads: Option<(&str, &[crate::class::PeerHeads])>,
    ) {
        if audit.is_empty()
            && sync_states.is_empty()
            && peer_heads.is_none_or(|(_, h)| h.is_empty())
        {
            return;
        }
        let entries = std::mem::take(audit);
        // One transaction, which does not wait for the disk: nothing here is acknowledged to
        // anyone. A power cut may lose it (a lost sync state only makes the next session send
        // again), never leave it half written; the next durable commit carries it.
        let result = self.store.transaction_deferred(|tx| -> Result<()> {
            for e in &entries {
                tx.append_audit(e)?;
            }
            for (peer, livret, doc, state) in sync_states {
                tx.put_sync_state(peer, livret, doc, state)?;
            }
            if let Some((peer, heads)) = peer_heads {
                crate::class::put_peer_heads(tx, peer, heads)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            tracing::warn!("audit log write failed: {e}");
        }
    }

    /// Saves the sections a session turn received, with the turn's audit lines, in one
    /// transaction: one durable commit per turn instead of one per received batch. The turn's
    /// answer (which acknowledges the changes) is sent only after it returned.
    pub(crate) fn save_turn(
        &mut self,
        sections: &mut [(LivretId, Section, &mut SectionDoc)],
        audit: &mut Vec<AuditEntry>,
    ) -> Result<()> {
        if sections.is_empty() && audit.is_empty() {
            return Ok(());
        }
        let entries = std::mem::take(audit);
        self.store.transaction(|tx| -> Result<()> {
            for (livret, section, doc) in sections.iter_mut() {
                save_section_in(tx, *livret, *section, doc)?;
            }
            for e in &entries {
                tx.append_audit(e)?;
            }
            Ok(())
        })
    }
}

/// Stores a section document and its heads in `tx` (see [`save_doc_in`]).
fn save_section_in(
    tx: &StoreTx<'_>,
    livret: LivretId,
    section: Section,
    doc: &mut SectionDoc,
) -> Result<()> {
    let (saved, heads) = (doc.saved_heads().to_vec(), doc.heads());
    save_doc_in(
        tx,
        &livret.to_string(),
        &section.to_string(),
        |full| {
            if full {
                doc.save_for_store()
            } else {
                doc.save_incremental()
            }
        },
        &saved,
        &heads,
    )
}

/// Whether a write rewrites a section whole (a snapshot) rather than appending the `next`
/// bytes of changes it makes: when the section is not stored yet or has [`COMPACT_AFTER`]
/// increments; or, when the stored copy is known to be the document written
/// (`is_loaded_copy`: nothing another writer appended meanwhile would be lost), once its
/// increments with these weigh a quarter of its snapshot. Loading increments (Automerge
/// applies them change by change) costs several times loading a snapshot as large, and every
/// reading of the section pays it (BENCHMARKS.md, « a store's verification »).
pub(crate) fn rewrite_whole(
    weight: Option<SectionWeight>,
    next: usize,
    is_loaded_copy: bool,
) -> bool {
    match weight {
        None => true,
        Some(w) => {
            w.increments >= COMPACT_AFTER
                || (is_loaded_copy
                    && next > 0
                    && 4 * (w.increment_bytes + next) >= w.snapshot_bytes)
        }
    }
}

/// Writes a document in `tx` (a whole snapshot or what changed since it was last saved, as
/// [`rewrite_whole`] decides: `bytes(full)` gives them), then its heads beside it when the
/// stored copy is then known to be that document (`saved`: its heads at its last load or
/// save; see [`crate::heads::stored_are`]).
fn save_doc_in(
    tx: &StoreTx<'_>,
    livret: &str,
    name: &str,
    mut bytes: impl FnMut(bool) -> Vec<u8>,
    saved: &[automerge::ChangeHash],
    heads: &[automerge::ChangeHash],
) -> Result<()> {
    let weight = tx.section_weight(livret, name)?;
    let same = match weight {
        Some(_) => crate::heads::stored_are(tx, livret, name, saved)?,
        None => true,
    };
    // What changed since the load, unless the section is rewritten whole anyway.
    let changes = match weight {
        Some(w) if w.increments < COMPACT_AFTER => Some(bytes(false)),
        _ => None,
    };
    let full = rewrite_whole(weight, changes.as_ref().map_or(0, Vec::len), same);
    if full {
        tx.put_section_snapshot(livret, name, &bytes(true))?;
    } else if let Some(c) = changes.filter(|c| !c.is_empty()) {
        tx.append_section_changes(livret, name, &c)?;
    }
    if full || same {
        crate::heads::record(tx, livret, name, heads)?;
    }
    Ok(())
}

pub(crate) fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section is rewritten whole when new, at [`COMPACT_AFTER`] increments, or when its
    /// increments with the next would weigh a quarter of its snapshot, and then only if the
    /// stored copy is the one the writer loaded: another writer's appended changes are never
    /// dropped by a rewrite for size.
    #[test]
    fn a_section_is_rewritten_whole_for_size_only_over_the_copy_loaded() {
        let w = |snapshot_bytes, increments, increment_bytes| {
            Some(SectionWeight {
                snapshot_bytes,
                increments,
                increment_bytes,
            })
        };
        assert!(rewrite_whole(None, 10, false));
        assert!(rewrite_whole(w(1000, COMPACT_AFTER, 10), 0, false));
        assert!(!rewrite_whole(w(1000, 1, 100), 100, true));
        assert!(rewrite_whole(w(1000, 1, 100), 150, true));
        assert!(!rewrite_whole(w(1000, 1, 100), 150, false));
        // Nothing to write: nothing rewritten for size.
        assert!(!rewrite_whole(w(1000, 3, 900), 0, true));
    }
}
