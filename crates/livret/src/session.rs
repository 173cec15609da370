//! One sync session of `/livret/sync/1` between two devices, on either side.
//!
//! Both sides run the same code with their own policy: a device sends a document only to a
//! peer its policy lets read it *at that moment* (checked again before every turn), and merges
//! a peer's changes only after [`SectionDoc::receive_checked`] has checked them on a fork.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use automerge::sync::State;
use livret_core::doc::{ManifestDoc, Refusal, SectionDoc};
use livret_core::erasure::erasure_set_digest;
use livret_core::grant::{Decision, DenyReason, InvitationView, Manifest, Revocation};
use livret_core::policy::{BatchRules, Holding, Mode, ReadRules};
use livret_core::GrantId;
use livret_core::{CoreError, DeviceId, InvitationId, LivretId, RefusalCode, Section};
use livret_net::protocol::{
    ByteBuf, Deleted, Erased, Extract, Frame, Granted, Hello, HelloLivret, Redeem, Revoked,
    SyncMessage, MANIFEST, MAX_HEADS, MAX_HELLO_LIVRETS, MAX_HELLO_TARGETS,
    MAX_OPENING_FRAME_BYTES, MAX_ROUNDS,
};
use livret_net::Session;
use serde::Serialize;

use crate::audit::AuditAction;
use crate::device::{lock, Device, LivretMeta, Relation, SharedDevice};
use crate::error::{Error, Result};
use crate::redeem::RedeemStep;
use crate::refused::{self, SessionRefusal};

// The mailbox's letters: built and received by the same context as a live session.
pub(crate) mod letter;

/// Refusals of one session recorded one by one in the audit log (and told to the peer); the
/// rest are counted and recorded as one line.
const MAX_DETAILED_REFUSALS: usize = 32;
/// A session with more refusals than this (both ways) is ended: a peer that keeps asking for
/// what it may not have is not answered further.
const MAX_REFUSALS_PER_SESSION: usize = 256;
/// A reason (ours or the peer's) is kept to this many characters in reports and the audit log.
const MAX_REASON_CHARS: usize = 300;
/// The peer's hello (and its redeem, recovery proof or introductions before it) must have
/// arrived this long after the session opened: a device sends it at once.
const OPENING_DEADLINE: Duration = Duration::from_secs(20);
/// A whole session ends after this long, whatever the peer does (a first sync of a livret with
/// years of history takes seconds).
const SESSION_DEADLINE: Duration = Duration::from_secs(300);
/// How long a revocation notice may take to leave at the end of a session that used the
/// revoked grant.
const REVOCATION_NOTICE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

fn bounded(reason: &str) -> String {
    reason.chars().take(MAX_REASON_CHARS).collect()
}

/// What a session did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SessionReport {
    /// The peer's device id.
    pub peer: String,
    /// The peer's name, from its hello.
    pub peer_name: String,
    /// Documents synced `livret/section`.
    pub synced: Vec<String>,
    /// Sync messages sent carrying changes.
    pub sent_changes: usize,
    /// Changes merged from the peer.
    pub received_changes: usize,
    /// Refusals, both ways, as codes (shown with `Localized`).
    pub refused: Vec<SessionRefusal>,
    /// Livrets purged because the family revoked this device.
    pub purged: Vec<String>,
    /// Livrets the peer was told it is revoked from.
    pub revoked_peer: Vec<String>,
    /// Sections (`livret/section`) this device rebuilt because of erasures the peer told of.
    pub erased: Vec<String>,
    /// Livrets this device deleted because the family deleted them (notice from the peer).
    pub deleted: Vec<String>,
    /// Sections not synced in this session because one copy went through erasures the other
    /// had not: they sync at the next session, once both went through the same ones.
    pub awaiting_erasure: Vec<String>,
    /// Turns taken.
    pub rounds: u32,
    /// Bytes on the wire, sent.
    pub bytes_sent: u64,
    /// Bytes on the wire, received.
    pub bytes_received: u64,
}

impl SessionReport {
    /// Whether something was refused (by either side), a revocation included.
    pub fn had_refusals(&self) -> bool {
        !self.refused.is_empty() || !self.purged.is_empty()
    }

    /// The refusals, each in `lang`, one line each.
    pub fn refused_lines(&self, lang: livret_core::Lang) -> Vec<String> {
        use livret_core::Localized;
        self.refused.iter().map(|r| r.localized(lang)).collect()
    }

    /// The refusals in `lang` on one line, separated by ` | `.
    pub fn refused_text(&self, lang: livret_core::Lang) -> String {
        self.refused_lines(lang).join(" | ")
    }
}

/// An invitation to redeem at the start of a session.
pub(crate) struct RedeemPlan {
    pub invitation: InvitationView,
    pub class: Option<String>,
    pub peer_addrs: Vec<String>,
}

enum Doc {
    Manifest(ManifestDoc),
    Section(SectionDoc),
}

impl Doc {
    fn heads(&mut self) -> Vec<automerge::ChangeHash> {
        match self {
            Doc::Manifest(d) => d.heads(),
            Doc::Section(d) => d.heads(),
        }
    }
}

/// A document of a livret, as the session decides on it: the manifest or a section. A name from
/// the wire becomes one only through [`DocName::parse`], which accepts the canonical spelling
/// alone: another spelling (`annee/2025 `, `année/2025`) is refused, never normalized, so the
/// targets, the held-back erasures, the erasure digests and storage all use the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DocName {
    Manifest,
    Section(Section),
}

impl DocName {
    /// The document a peer names, or why the name is refused (told to the peer, written in
    /// the audit log).
    fn parse(wire: &str) -> std::result::Result<DocName, Refusal> {
        if wire == MANIFEST {
            return Ok(DocName::Manifest);
        }
        wire.parse::<Section>()
            .map(DocName::Section)
            .map_err(|e| match e {
                CoreError::NonCanonicalSection { canonical, .. } => {
                    Refusal::new(RefusalCode::NonCanonicalSection).detail(canonical)
                }
                _ => Refusal::new(RefusalCode::UnknownDocument),
            })
    }

    fn section(self) -> Option<Section> {
        match self {
            DocName::Manifest => None,
            DocName::Section(s) => Some(s),
        }
    }
}

impl fmt::Display for DocName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocName::Manifest => f.write_str(MANIFEST),
            DocName::Section(s) => s.fmt(f),
        }
    }
}

struct Target {
    livret: LivretId,
    name: DocName,
    doc: Doc,
    state: State,
    /// On a family device: a section the peer may no longer read but may still send its last
    /// entries to (its write grant ended less than [`policy::WRITE_GRACE_SECONDS`] ago).
    /// Nothing is sent back.
    receive_only: bool,
}

type Key = (LivretId, DocName);

struct Ctx {
    dev: SharedDevice,
    peer: DeviceId,
    targets: BTreeMap<Key, Target>,
    loaded: BTreeMap<Key, Doc>,
    policy: Policy,
    outbox: Vec<Frame>,
    /// Audit entries of this session, written at the end of each turn in one transaction.
    audit: Vec<livret_store::AuditEntry>,
    told_revoked: BTreeSet<LivretId>,
    /// Refusals so far, both ways (see [`MAX_REFUSALS_PER_SESSION`]).
    refusals: usize,
    /// Documents refused in this session, either way: not synced again until the next one
    /// (a peer whose batch was refused would otherwise send it again at every turn).
    refused_targets: BTreeSet<Key>,
    /// Sections whose copies went through different erasures: never synced in this session
    /// (the older copy would bring the forgotten history back).
    erasure_mismatch: BTreeSet<Key>,
    /// Livrets the peer was told were deleted.
    told_deleted: BTreeSet<LivretId>,
    /// Livrets this (new) device restores in this session from the peer's copy, a grantee's:
    /// it introduces itself for them, and keeps the peer's entries whose authors the records
    /// it received allow ([`Mode::Restoring`]).
    restoring: BTreeSet<LivretId>,
    /// The store's policy generation when `policy` was loaded: a batch that arrives after a
    /// manifest changed (a revocation, maybe by another process) reloads it first.
    policy_generation: u64,
    /// On a family device: the grants the peer held when the session was planned. A
    /// revocation of any of them ends the session.
    grants_in_use: BTreeSet<GrantId>,
    /// On a grantee's device, per read-only section: the last request sent (a sync message
    /// stripped of its changes). The same request is not sent twice in a row.
    last_request: BTreeMap<Key, Vec<u8>>,
    /// A grant the peer used in this session was revoked meanwhile: the session ends, after
    /// telling the peer.
    revoked_in_session: bool,
    /// Introductions received in this session (see [`MAX_INTRODUCTIONS`]).
    introductions: usize,
    report: SessionReport,
    /// Sections that received changes in this turn, not yet stored: saved together with the
    /// turn's audit lines in one transaction ([`Ctx::save_pending`]) before this device
    /// answers, and before anything else of the session touches the store's documents.
    pending: BTreeSet<Key>,
    /// The heads of the documents listed in this device's hello (read beside them in the
    /// store, `crate::heads`): a document whose heads the peer announced equal is not planned,
    /// and not loaded.
    known_heads: BTreeMap<Key, Vec<automerge::ChangeHash>>,
}

/// The most introductions (`Granted` frames before the hello) a peer may send in a session.
const MAX_INTRODUCTIONS: usize = 256;

/// What this device knows, at one moment, of the livrets that concern one peer. Reloaded from
/// the store at every turn, so a revocation recorded meanwhile (maybe by another process) holds
/// from the next turn on.
struct Policy {
    me: DeviceId,
    now: i64,
    livrets: BTreeMap<LivretId, (LivretMeta, Manifest)>,
}

impl Policy {
    /// Loads the livrets that concern `peer`: on a family device, those it owns where the peer
    /// is an owner or ever held a grant; on a grantee, those the peer owns.
    fn load(dev: &Device, peer: &DeviceId) -> Result<Policy> {
        let mut livrets = BTreeMap::new();
        // Whether a roster held lists the peer: asked once, not per livret.
        let mut team_peer = None;
        // Only the livrets that may concern the peer are walked (a teacher holding 600 livrets
        // meets each family in its own session), all of them if a roster lists it.
        let (near, others) = dev.held_livrets_near(peer)?;
        let held = if others && *team_peer.insert(dev.knows_team_peer(peer)?) {
            dev.held_livrets()?
        } else {
            near
        };
        for (livret, meta) in held {
            if meta.relation == Relation::Grantee && !meta.owners.contains(peer) {
                let listed = match team_peer {
                    Some(known) => known,
                    None => *team_peer.insert(dev.knows_team_peer(peer)?),
                };
                if !listed {
                    continue;
                }
            }
            let Ok(manifest) = dev.manifest(livret) else {
                continue;
            };
            let concerns = match meta.relation {
                Relation::Owner => {
                    manifest.is_owner(peer)
                        || manifest.grants().any(|g| g.audience_id() == *peer)
                        || manifest.is_team_member(peer, dev.now())
                }
                Relation::Grantee => {
                    manifest.is_owner(peer)
                        || ReadRules {
                            me: dev.device_id(),
                            now: dev.now(),
                            holding: Holding::Grantee,
                            manifest: &manifest,
                        }
                        .co_member(peer)
                }
            };
            if concerns {
                livrets.insert(livret, (meta, manifest));
            }
        }
        Ok(Policy {
            me: dev.device_id(),
            now: dev.now(),
            livrets,
        })
    }

    /// The read rules of `livret` as this device holds it now (`livret_core::policy`).
    fn rules(&self, livret: LivretId) -> Option<ReadRules<'_>> {
        self.livrets.get(&livret).map(|(meta, manifest)| ReadRules {
            me: self.me,
            now: self.now,
            holding: match meta.relation {
                Relation::Owner => Holding::Owner,
                Relation::Grantee => Holding::Grantee,
            },
            manifest,
        })
    }

    /// On a family device: whether `peer`'s only access to `livret` is a jury grant.
    fn jury_peer(&self, peer: &DeviceId, livret: LivretId) -> bool {
        self.rules(livret).is_some_and(|r| r.jury_peer(peer))
    }

    /// On a jury device: the sections of its live jury grant to `livret`.
    fn my_jury_sections(&self, livret: LivretId) -> Option<Vec<Section>> {
        self.rules(livret)?.my_jury_sections()
    }

    /// May `peer` receive `target` of `livret` from this device now?
    fn may_send(&self, peer: &DeviceId, livret: LivretId, target: DocName) -> Decision {
        match self.rules(livret) {
            Some(r) => r.may_send(peer, target.section()),
            None => Decision::Denied(DenyReason::NoGrant),
        }
    }

    /// On a family device: whether `peer` may still send changes to `target` of `livret`.
    fn may_receive_changes(&self, peer: &DeviceId, livret: LivretId, target: DocName) -> bool {
        match (self.rules(livret), target.section()) {
            (Some(r), Some(section)) => r.may_receive_changes(peer, section),
            _ => false,
        }
    }

    /// Whether this device may send changes to `target` of `livret`.
    fn i_may_send_changes(&self, livret: LivretId, target: DocName) -> bool {
        self.rules(livret)
            .is_some_and(|r| r.i_may_send_changes(target.section()))
    }

    /// On a family device: whether `peer` is a grantee of `livret` to be told the owner news.
    fn tells_owner_news(&self, peer: &DeviceId, livret: LivretId) -> bool {
        self.rules(livret).is_some_and(|r| r.tells_owner_news(peer))
    }

    /// On a family device: the revocation to tell `peer`, if all its grants to `livret` ended
    /// by revocation.
    fn revocation_for(&self, peer: &DeviceId, livret: LivretId) -> Option<Revocation> {
        self.rules(livret)?.revocation_for(peer)
    }

    fn docs_of(&self, dev: &Device, livret: LivretId) -> Result<Vec<DocName>> {
        let mut names: Vec<DocName> = dev
            .section_names(livret)?
            .into_iter()
            .map(DocName::Section)
            .collect();
        if matches!(self.livrets.get(&livret), Some((m, _)) if m.relation == Relation::Owner) {
            names.push(DocName::Manifest);
        }
        Ok(names)
    }
}

fn load_doc(dev: &Device, livret: LivretId, name: DocName) -> Result<Option<Doc>> {
    match name {
        DocName::Manifest => Ok(Some(Doc::Manifest(dev.load_manifest_doc(livret)?))),
        DocName::Section(s) => Ok(dev.load_section(livret, s)?.map(Doc::Section)),
    }
}

fn load_state(dev: &Device, peer: &DeviceId, livret: LivretId, name: DocName) -> State {
    dev.store
        .sync_state(&peer.to_string(), &livret.to_string(), &name.to_string())
        .ok()
        .flatten()
        .and_then(|b| State::decode(&b).ok())
        .unwrap_or_default()
}

impl Ctx {
    /// My hello: the documents I may send the peer, with their heads. The documents loaded
    /// for it are kept for the session.
    fn hello(&mut self) -> Result<Hello> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        // Erasures the other parent's device made reach this one with the manifest: apply
        // them before telling anyone what this device holds.
        // Only a family device's copies go through them: a grantee (a teacher holding many
        // classes) does not read every livret's metadata again for that.
        for (livret, meta) in dev.held_livrets()? {
            if meta.relation == Relation::Owner {
                dev.apply_pending_erasures(livret)?;
            }
        }
        self.policy_generation = dev.policy_generation()?;
        let policy = Policy::load(&dev, &self.peer)?;
        let mut livrets = Vec::new();
        // Within the protocol's bounds (see `livret_net::protocol`): no family has that many
        // livrets in common with one device.
        for livret in policy.livrets.keys().copied().take(MAX_HELLO_LIVRETS) {
            let mut docs = Vec::new();
            let mut erasures = Vec::new();
            for (name, ids) in dev.applied_erasures(livret)? {
                let Ok(doc) = DocName::parse(&name) else {
                    continue;
                };
                if !ids.is_empty()
                    && erasures.len() < MAX_HELLO_TARGETS
                    && policy.may_send(&self.peer, livret, doc).allowed()
                {
                    let digest = erasure_set_digest(&ids);
                    erasures.push((doc.to_string(), ByteBuf::from(digest.to_vec())));
                }
            }
            let jury = policy.my_jury_sections(livret).is_some();
            for name in policy
                .docs_of(&dev, livret)?
                .into_iter()
                .take(MAX_HELLO_TARGETS)
            {
                // A jury lists the heads of its extracts (so unchanged ones are not re-sent).
                if !jury && !policy.may_send(&self.peer, livret, name).allowed() {
                    continue;
                }
                // The heads kept beside the document; it is loaded only if they are not (or no
                // longer) recorded, and then kept for the session.
                let mut heads = match dev.stored_heads(livret, &name.to_string())? {
                    Some(heads) => heads,
                    None => {
                        let Some(mut doc) = load_doc(&dev, livret, name)? else {
                            continue;
                        };
                        let heads = doc.heads();
                        self.loaded.insert((livret, name), doc);
                        heads
                    }
                };
                self.known_heads.insert((livret, name), heads.clone());
                // More heads than a hello may carry: none (the first message is then not
                // primed; the sync itself is the same).
                if heads.len() > MAX_HEADS {
                    heads.clear();
                }
                docs.push((
                    name.to_string(),
                    heads.iter().map(|h| ByteBuf::from(h.0.to_vec())).collect(),
                ));
            }
            // Listed even without documents: a grantee that holds nothing yet must still hear
            // that the family deleted the livret.
            livrets.push(HelloLivret {
                livret: livret.0,
                docs,
                erasures,
            });
        }
        // A peer with which this device shares nothing learns nothing of it, not even its
        // name or role.
        let known = !policy.livrets.is_empty();
        self.policy = policy;
        Ok(Hello {
            name: if known {
                dev.name().to_string()
            } else {
                String::new()
            },
            role: if known {
                dev.role().as_str().to_string()
            } else {
                String::new()
            },
            livrets,
        })
    }

    /// Whether the peer is a stranger to this device: no livret concerns it (no grant, not an
    /// owner, never held a grant) and it is owed no deletion notice. If it named a livret this
    /// device holds (the id is in every QR code), one line goes to the audit log.
    fn stranger(&mut self, theirs: &Hello) -> Result<bool> {
        let dev_arc = self.dev.clone();
        let dev = lock(&dev_arc);
        if !Policy::load(&dev, &self.peer)?.livrets.is_empty() {
            return Ok(false);
        }
        for hl in &theirs.livrets {
            if dev.deletion_told_to(LivretId(hl.livret), &self.peer)?
                || dev
                    .team_revocation_for(LivretId(hl.livret), &self.peer)?
                    .is_some()
            {
                return Ok(false);
            }
        }
        let named = theirs
            .livrets
            .iter()
            .map(|l| LivretId(l.livret))
            .find(|l| dev.meta(*l).is_ok());
        if let Some(livret) = named {
            self.audit.push(dev.audit_entry(
                Some(livret),
                Some(&self.peer),
                None,
                AuditAction::Refused,
                false,
                "appareil sans autorisation : réponse vide",
            ));
        }
        Ok(true)
    }

    /// Reloads the policy from the store, at this device's clock now. A grant the peer held
    /// when the session was planned and that is now revoked ends the session (the peer is told
    /// of the revocation at its next one).
    fn reload_policy(&mut self, dev: &Device) -> Result<()> {
        self.policy_generation = dev.policy_generation()?;
        self.policy = Policy::load(dev, &self.peer)?;
        let revoked = self.policy.livrets.values().any(|(meta, manifest)| {
            meta.relation == Relation::Owner
                && manifest.grants().any(|g| {
                    self.grants_in_use.contains(&g.grant_id())
                        && manifest.revocation_of(g).is_some()
                })
        });
        if revoked {
            self.revoked_in_session = true;
            return Err(Error::Protocol(
                "autorisation révoquée pendant la session : session arrêtée".into(),
            ));
        }
        Ok(())
    }

    /// The revocation notices for the peer, once a grant it used in this session was revoked
    /// (see [`Ctx::reload_policy`]).
    fn revocation_notices(&mut self) -> Vec<Frame> {
        if !self.revoked_in_session {
            return Vec::new();
        }
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        let livrets: Vec<LivretId> = self.policy.livrets.keys().copied().collect();
        self.outbox.clear();
        for livret in livrets {
            if let Err(e) = self.tell_if_revoked(&mut dev, livret) {
                tracing::warn!("revocation notice: {e}");
            }
        }
        std::mem::take(&mut self.outbox)
            .into_iter()
            .filter(|f| matches!(f, Frame::Revoked(_)))
            .collect()
    }

    /// Whether the target `key` may still be exchanged with the peer: it may read it, or it may
    /// still send its last entries to it (a receive-only target).
    fn may_exchange(&self, key: &Key) -> bool {
        let (livret, name) = key;
        self.policy.may_send(&self.peer, *livret, *name).allowed()
            || (self.targets.get(key).is_some_and(|t| t.receive_only)
                && self.policy.may_receive_changes(&self.peer, *livret, *name))
    }

    fn refuse(
        &mut self,
        dev: &mut Device,
        livret: Option<LivretId>,
        target: Option<&str>,
        refusal: Refusal,
    ) {
        if let (Some(l), Some(Ok(t))) = (livret, target.map(DocName::parse)) {
            self.refused_targets.insert((l, t));
        }
        self.refusals += 1;
        if self.refusals > MAX_DETAILED_REFUSALS {
            return;
        }
        let told = SessionRefusal::new(false, livret, target, refusal);
        self.audit.push(dev.audit_entry(
            livret,
            Some(&self.peer),
            told.target.as_deref(),
            AuditAction::Refused,
            false,
            &refused::audit_text(&told.refusal),
        ));
        self.outbox.push(refused::frame(
            livret,
            told.target.as_deref(),
            &told.refusal,
        ));
        self.report.refused.push(told);
    }

    /// Ends the session once the peer has drawn too many refusals.
    fn check_refusals(&self) -> Result<()> {
        if self.refusals > MAX_REFUSALS_PER_SESSION {
            return Err(Error::Protocol(format!(
                "plus de {MAX_REFUSALS_PER_SESSION} refus : session arrêtée"
            )));
        }
        Ok(())
    }

    /// The introductions this device sends before its hello: its owner record (see
    /// `Device::introduction`) for the livrets restored in this session from the peer's copy,
    /// and, to an owner not synced with yet, for the livrets whose owner record it signed with
    /// the recovery key (the other owners do not know that record until they see it).
    fn introductions(&self) -> Result<Vec<Frame>> {
        let dev = lock(&self.dev);
        let me = dev.device_id();
        let peer = self.peer.to_string();
        let mut out = Vec::new();
        // What follows concerns the livrets this device owns, those the peer owns and, if a
        // roster held lists the peer, those of its teams: not every livret a teacher holds
        // (the peer's ownership is read from the livrets' metadata, as in `Policy::load`).
        let (near, others) = dev.held_livrets_near(&self.peer)?;
        let held = if others && dev.knows_team_peer(&self.peer)? {
            dev.held_livrets()?
        } else {
            near
        };
        for (livret, meta) in &held {
            let (livret, meta) = (*livret, meta);
            if meta.relation != Relation::Owner || self.peer == me {
                continue;
            }
            let wanted = self.restoring.contains(&livret)
                || (meta.introduce
                    && dev.manifest(livret).is_ok_and(|m| m.is_owner(&self.peer))
                    && dev
                        .store
                        .sync_state(&peer, &livret.to_string(), MANIFEST)?
                        .is_none());
            if !wanted {
                continue;
            }
            if let Some(frame) = dev.introduction(livret)? {
                out.push(frame);
            }
            if out.len() >= MAX_INTRODUCTIONS {
                break;
            }
        }
        // To a member of a team granted a livret this device owns: what it judges by. From a
        // member to the family or a colleague: the rosters it holds (a newer one travels so).
        for (livret, meta) in &held {
            let livret = *livret;
            if out.len() >= MAX_INTRODUCTIONS || self.peer == me {
                continue;
            }
            let frame = match meta.relation {
                Relation::Owner => dev.team_delivery(livret, &self.peer)?,
                Relation::Grantee => {
                    let Ok(manifest) = dev.manifest(livret) else {
                        continue;
                    };
                    let rules = ReadRules {
                        me,
                        now: dev.now(),
                        holding: Holding::Grantee,
                        manifest: &manifest,
                    };
                    if manifest.is_owner(&self.peer) {
                        dev.roster_news(livret)?
                    } else if rules.co_member(&self.peer) {
                        // A colleague, maybe a new member that holds nothing yet.
                        dev.team_delivery(livret, &self.peer)?
                    } else {
                        None
                    }
                }
            };
            out.extend(frame);
        }
        // What the recovery key revoked, to every owner: a device it re-admitted is shown so.
        for (livret, meta) in &held {
            let livret = *livret;
            if meta.relation != Relation::Owner
                || self.peer == me
                || out.len() >= MAX_INTRODUCTIONS
                || !dev.manifest(livret).is_ok_and(|m| m.is_owner(&self.peer))
            {
                continue;
            }
            if let Some(frame) = dev.recovery_readmissions(livret)? {
                out.push(frame);
            }
        }
        Ok(out)
    }

    /// An introduction from the peer (a `Granted` frame before its hello): its owner record,
    /// recorded once it checks (see `Device::accept_introduction`), refused otherwise (audited
    /// at once, told to the peer at this device's first turn). A frame that is no
    /// introduction at all (records other than owner records) ends the session. Returns
    /// whether this device's manifest changed.
    fn receive_introduction(&mut self, g: Granted) -> Result<bool> {
        self.introductions += 1;
        if self.introductions > MAX_INTRODUCTIONS {
            return Err(Error::Protocol(format!(
                "plus de {MAX_INTRODUCTIONS} présentations : session arrêtée"
            )));
        }
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        let livret = LivretId(g.livret);
        let records: Vec<(String, Vec<u8>)> = g
            .records
            .into_iter()
            .map(|(k, v)| (k, v.into_vec()))
            .collect();
        let accepted = if crate::team_sync::is_team_delivery(&records) {
            dev.accept_team_delivery(self.peer, livret, &records)
        } else {
            dev.accept_introduction(self.peer, livret, &records)
        };
        match accepted {
            Ok(changed) => Ok(changed),
            Err(e @ Error::Protocol(_)) => Err(e),
            Err(e) => {
                tracing::debug!("introduction refused: {e}");
                self.refuse(
                    &mut dev,
                    Some(livret),
                    None,
                    Refusal::new(RefusalCode::IntroductionRefused),
                );
                drop(dev);
                self.flush_audit();
                Ok(false)
            }
        }
    }

    /// Owner news from the peer within a turn (see `Device::accept_owner_news`). Past
    /// [`MAX_INTRODUCTIONS`] frames of introductions and news together, the session ends.
    fn receive_owner_news(&mut self, g: Granted) -> Result<()> {
        self.introductions += 1;
        if self.introductions > MAX_INTRODUCTIONS {
            return Err(Error::Protocol(format!(
                "plus de {MAX_INTRODUCTIONS} présentations : session arrêtée"
            )));
        }
        let livret = LivretId(g.livret);
        let records: Vec<(String, Vec<u8>)> = g
            .records
            .into_iter()
            .map(|(k, v)| (k, v.into_vec()))
            .collect();
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        // The manifest before the news: the rule below acts on a revocation learnt now.
        let before = dev.manifest(livret).ok();
        if dev.accept_owner_news(self.peer, livret, &records)? {
            // A revoked owner device counts no more from the next batch on. What it sent that
            // the family may never have had is dropped here, with every other author's entry
            // (juries hold extracts, sent afresh): the family sends the sections again from
            // the next session.
            if let (Some(before), None) = (&before, self.policy.my_jury_sections(livret)) {
                for section in dev.drop_revoked_owners_entries(livret, before)? {
                    let key = (livret, DocName::Section(section));
                    self.targets.remove(&key);
                    self.refused_targets.insert(key);
                }
            }
            self.reload_policy(&dev)?;
        }
        Ok(())
    }

    /// Tells a revoked peer, once per livret, and returns whether it was revoked.
    fn tell_if_revoked(&mut self, dev: &mut Device, livret: LivretId) -> Result<bool> {
        if self.told_revoked.contains(&livret) {
            return Ok(true);
        }
        let Some(r) = self.policy.revocation_for(&self.peer, livret) else {
            return Ok(false);
        };
        let rev_key = format!("revocation/{}", livret_core::GrantId(r.grant));
        let records = dev.load_manifest_doc(livret)?.records();
        let Some(rev) = records
            .iter()
            .find(|(k, _)| *k == rev_key)
            .map(|(_, v)| v.clone())
        else {
            return Ok(false);
        };
        // Only the owner records that prove the revoking device an owner (none if it is the
        // creator): a jury is told no parent's device name.
        let Some(creator) = self.policy.livrets.get(&livret).map(|(_, m)| m.creator()) else {
            return Ok(false);
        };
        let owners = crate::erasure::owner_chain(&records, creator, DeviceId(r.issuer));
        self.outbox.push(Frame::Revoked(Revoked {
            livret: livret.0,
            revocation: ByteBuf::from(rev),
            owners,
        }));
        self.told_revoked.insert(livret);
        self.report.revoked_peer.push(livret.to_string());
        self.audit.push(dev.audit_entry(
            Some(livret),
            Some(&self.peer),
            None,
            AuditAction::Refused,
            false,
            "appareil révoqué : session refusée",
        ));
        Ok(true)
    }

    /// Decides the documents of this session after both hellos.
    fn plan(&mut self, theirs: &Hello) -> Result<()> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        let peer = self.peer;
        self.grants_in_use = self
            .policy
            .livrets
            .values()
            .filter(|(meta, _)| meta.relation == Relation::Owner)
            .flat_map(|(_, manifest)| manifest.live_grants_for(&peer, self.policy.now))
            .map(|g| g.grant_id())
            .collect();
        let mut announced: BTreeMap<Key, Vec<automerge::ChangeHash>> = BTreeMap::new();
        for hl in &theirs.livrets {
            for (name, heads) in &hl.docs {
                let Ok(name) = DocName::parse(name) else {
                    continue;
                };
                let heads = heads
                    .iter()
                    .filter_map(|h| automerge::ChangeHash::try_from(h.as_slice()).ok())
                    .collect();
                announced.insert((LivretId(hl.livret), name), heads);
            }
        }
        // What I may send.
        let mine: Vec<LivretId> = self.policy.livrets.keys().copied().collect();
        for livret in mine {
            if self.tell_if_revoked(&mut dev, livret)? {
                continue;
            }
            // A grantee is told who the owners are now, and which owner devices were revoked
            // (finding 3): it then stops trusting them.
            if self.policy.tells_owner_news(&peer, livret) {
                let jury = self.policy.jury_peer(&peer, livret);
                if let Some(frame) = dev.owner_news(livret, jury)? {
                    self.outbox.push(frame);
                }
            }
            if self.policy.jury_peer(&peer, livret) {
                self.send_extracts(&mut dev, livret, &announced)?;
                continue;
            }
            if self.policy.my_jury_sections(livret).is_some() {
                continue;
            }
            for name in self.policy.docs_of(&dev, livret)? {
                if self.policy.may_send(&peer, livret, name).allowed()
                    && !self.equal_to_announced(&(livret, name), &announced)
                {
                    self.add_target(&dev, livret, name)?;
                }
            }
        }
        // What the peer listed: join in if allowed, refuse otherwise.
        for hl in &theirs.livrets {
            let livret = LivretId(hl.livret);
            if self.tell_if_deleted(&mut dev, livret)? {
                continue;
            }
            // A colleague still holding a livret this device purged by a team revocation.
            if !self.told_revoked.contains(&livret) {
                if let Some(frame) = dev.team_revocation_for(livret, &peer)? {
                    self.outbox.push(frame);
                    self.told_revoked.insert(livret);
                    continue;
                }
            }
            if self.policy.jury_peer(&peer, livret)
                || self.policy.my_jury_sections(livret).is_some()
            {
                continue;
            }
            for (raw, _) in &hl.docs {
                let name = match DocName::parse(raw) {
                    Ok(name) => name,
                    Err(why) => {
                        self.refuse(&mut dev, Some(livret), Some(raw), why);
                        continue;
                    }
                };
                if self.targets.contains_key(&(livret, name)) {
                    continue;
                }
                if self.tell_if_revoked(&mut dev, livret)? {
                    break;
                }
                if !self.policy.livrets.contains_key(&livret) {
                    self.refuse(
                        &mut dev,
                        Some(livret),
                        Some(raw),
                        RefusalCode::UnknownLivret.into(),
                    );
                    break;
                }
                let equal = self.equal_to_announced(&(livret, name), &announced);
                match self.policy.may_send(&peer, livret, name) {
                    Decision::Denied(_) if self.policy.may_receive_changes(&peer, livret, name) => {
                        if !equal {
                            self.add_receive_only_target(&dev, livret, name)?
                        }
                    }
                    Decision::Denied(r) => self.refuse(&mut dev, Some(livret), Some(raw), r.into()),
                    _ if equal => {}
                    _ => self.add_target(&dev, livret, name)?,
                }
            }
        }
        self.hold_back_erased(&mut dev, theirs)?;
        // The peer's announced heads (none if it did not list the document) let the first
        // message carry the changes it lacks; documents already equal are left out.
        let mut equal = Vec::new();
        for (key, t) in self.targets.iter_mut() {
            let heads = announced.get(key).cloned().unwrap_or_default();
            let up_to_date = match &mut t.doc {
                Doc::Manifest(m) => m.prime(&mut t.state, &heads),
                Doc::Section(s) => s.prime(&mut t.state, &heads),
            };
            if up_to_date {
                equal.push(*key);
            }
        }
        for key in equal {
            self.targets.remove(&key);
        }
        self.loaded.clear();
        Ok(())
    }

    /// Whether the peer announced for `key` the heads this device's hello listed for it: the
    /// document is the same on both sides, nothing to sync (what `prime` would find after
    /// loading it).
    fn equal_to_announced(
        &self,
        key: &Key,
        announced: &BTreeMap<Key, Vec<automerge::ChangeHash>>,
    ) -> bool {
        match (self.known_heads.get(key), announced.get(key)) {
            (Some(mine), Some(theirs)) => {
                let (mut a, mut b) = (mine.clone(), theirs.clone());
                a.sort();
                b.sort();
                a == b
            }
            _ => false,
        }
    }

    /// Tells the peer, once, that the family deleted `livret` (this device keeps only the
    /// deletion record). Returns whether it was deleted.
    fn tell_if_deleted(&mut self, dev: &mut Device, livret: LivretId) -> Result<bool> {
        if self.told_deleted.contains(&livret) {
            return Ok(true);
        }
        let Some(tombstone) = dev.deletion_of(livret)? else {
            return Ok(false);
        };
        // Only devices that held a grant to it (or own it) hear of it: its id is in every QR
        // code, so naming it proves nothing.
        if !dev.deletion_told_to(livret, &self.peer)? {
            return Ok(false);
        }
        let Ok(Frame::Deleted(notice)) = Frame::decode(&tombstone) else {
            return Ok(false);
        };
        self.outbox.push(Frame::Deleted(notice));
        self.told_deleted.insert(livret);
        // Not filed under the livret: of a deleted livret the log keeps only the deletion.
        self.audit.push(dev.audit_entry(
            None,
            Some(&self.peer),
            None,
            AuditAction::Deleted,
            true,
            "avis de suppression d'un livret envoyé",
        ));
        Ok(true)
    }

    /// Sections whose copies went through different erasures are not synced in this session;
    /// the peer is sent the erasures this device knows of, so both go through the same ones.
    fn hold_back_erased(&mut self, dev: &mut Device, theirs: &Hello) -> Result<()> {
        let mut their_digests: BTreeMap<Key, Vec<u8>> = BTreeMap::new();
        for hl in &theirs.livrets {
            let livret = LivretId(hl.livret);
            for (raw, digest) in &hl.erasures {
                match DocName::parse(raw) {
                    Ok(name) => {
                        their_digests.insert((livret, name), digest.to_vec());
                    }
                    Err(why) => self.refuse(dev, Some(livret), Some(raw), why),
                }
            }
        }
        // What this device's copies went through, read once per livret.
        let mut mine_by_key: BTreeMap<Key, [u8; 32]> = BTreeMap::new();
        for livret in self.policy.livrets.keys().copied() {
            for (name, ids) in dev.applied_erasures(livret)? {
                if let Ok(name) = DocName::parse(&name) {
                    mine_by_key.insert((livret, name), erasure_set_digest(&ids));
                }
            }
        }
        let mut keys: BTreeSet<Key> = self.targets.keys().copied().collect();
        keys.extend(their_digests.keys().copied());
        keys.extend(mine_by_key.keys().copied());
        for key in keys {
            let (livret, name) = key;
            let DocName::Section(section) = name else {
                continue;
            };
            // Juries get fresh extracts, never documents; sections the peer may not have are
            // not synced anyway.
            if !self.policy.livrets.contains_key(&livret)
                || self.policy.jury_peer(&self.peer, livret)
                || self.policy.my_jury_sections(livret).is_some()
                || !self.may_exchange(&key)
            {
                continue;
            }
            let mine = mine_by_key.get(&key).copied().unwrap_or([0; 32]);
            let theirs = their_digests
                .get(&key)
                .cloned()
                .unwrap_or_else(|| vec![0; 32]);
            if mine.as_slice() == theirs.as_slice() {
                continue;
            }
            // A peer that holds nothing of the livret yet (a new grantee) has nothing to
            // rebuild: it is told the erasures too, and records them.
            self.targets.remove(&key);
            self.erasure_mismatch.insert(key);
            self.report
                .awaiting_erasure
                .push(format!("{livret}/{name}"));
            if mine != [0; 32] {
                let records = dev.erasure_records(livret, section)?;
                if !records.is_empty() {
                    self.outbox.push(Frame::Erased(Erased {
                        livret: livret.0,
                        target: name.to_string(),
                        records: records.into_iter().map(ByteBuf::from).collect(),
                    }));
                    self.audit.push(dev.audit_entry(
                        Some(livret),
                        Some(&self.peer),
                        Some(&name.to_string()),
                        AuditAction::Erased,
                        true,
                        "effacements transmis : l'autre appareil doit reconstruire sa copie",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Erasures told by the peer: applied (the copy rebuilt) once each record verifies.
    fn receive_erased(&mut self, e: Erased) -> Result<()> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        let livret = LivretId(e.livret);
        let section = match DocName::parse(&e.target) {
            Ok(DocName::Section(s)) => Some(s),
            Ok(DocName::Manifest) => None,
            Err(why) => {
                self.refuse(&mut dev, Some(livret), Some(&e.target), why);
                return Ok(());
            }
        };
        let (Some(section), true) = (section, dev.meta(livret).is_ok()) else {
            self.refuse(
                &mut dev,
                Some(livret),
                Some(&e.target),
                RefusalCode::ErasureRefused.into(),
            );
            return Ok(());
        };
        let records: Vec<Vec<u8>> = e.records.into_iter().map(ByteBuf::into_vec).collect();
        match dev.apply_told_erasures(livret, section, &records) {
            Ok(n) => {
                let key = (livret, DocName::Section(section));
                self.targets.remove(&key);
                self.erasure_mismatch.insert(key);
                if n > 0 {
                    // Rebuilt here: reported as erased (the section syncs from the next session).
                    let name = format!("{livret}/{section}");
                    self.report.awaiting_erasure.retain(|a| *a != name);
                    self.report.erased.push(name);
                }
            }
            Err(err) => {
                tracing::debug!("erasure refused: {err}");
                self.refuse(
                    &mut dev,
                    Some(livret),
                    Some(&e.target),
                    RefusalCode::ErasureRefused.into(),
                );
            }
        }
        Ok(())
    }

    /// The family deleted a livret: erase it here too, once an owner's signature checks.
    fn receive_deleted(&mut self, d: Deleted) -> Result<()> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        let livret = LivretId(d.livret);
        let owners: Vec<(String, Vec<u8>)> = d
            .owners
            .iter()
            .map(|(k, v)| (k.clone(), v.to_vec()))
            .collect();
        let tombstone = Frame::Deleted(d.clone()).encode();
        match dev.apply_told_deletion(livret, &d.record, &owners, &tombstone) {
            Ok(true) => {
                self.targets.retain(|(l, _), _| *l != livret);
                self.told_deleted.insert(livret);
                self.report.deleted.push(livret.to_string());
            }
            Ok(false) => {
                self.refusals += 1;
                dev.audit_event(
                    Some(livret),
                    Some(&self.peer),
                    None,
                    AuditAction::Refused,
                    false,
                    "avis de suppression sans effet sur cet appareil : ignoré",
                );
            }
            Err(err) => {
                tracing::debug!("deletion notice refused: {err}");
                self.refuse(
                    &mut dev,
                    Some(livret),
                    None,
                    RefusalCode::DeletionRefused.into(),
                )
            }
        }
        Ok(())
    }

    /// Family side, jury peer: an anonymized extract of each granted section, unless the jury
    /// already holds the same one.
    fn send_extracts(
        &mut self,
        dev: &mut Device,
        livret: LivretId,
        announced: &BTreeMap<Key, Vec<automerge::ChangeHash>>,
    ) -> Result<()> {
        let Some((_, manifest)) = self.policy.livrets.get(&livret) else {
            return Ok(());
        };
        let mut sections: Vec<Section> = manifest
            .live_grants_for(&self.peer, self.policy.now)
            .iter()
            .flat_map(|g| g.sections.iter().copied())
            .filter(|s| *s != Section::Identite)
            .collect();
        sections.sort();
        sections.dedup();
        let withhold = dev.identifying_words(livret)?;
        for section in sections {
            let Some(doc) = dev.load_section(livret, section)? else {
                continue;
            };
            let mut seed = livret.0.to_vec();
            seed.extend_from_slice(section.to_string().as_bytes());
            seed.extend_from_slice(&self.peer.0);
            let mut extract = doc.extract(&withhold, &seed)?;
            let name = section.to_string();
            let mut heads = extract.heads();
            heads.sort();
            let mut theirs = announced
                .get(&(livret, DocName::Section(section)))
                .cloned()
                .unwrap_or_default();
            theirs.sort();
            if heads == theirs {
                continue;
            }
            self.outbox.push(Frame::Extract(Extract {
                livret: livret.0,
                target: name.clone(),
                doc: ByteBuf::from(extract.save()),
            }));
            self.report.sent_changes += 1;
            let entry = dev.audit_entry(
                Some(livret),
                Some(&self.peer),
                Some(&name),
                AuditAction::Sent,
                true,
                "extrait anonymisé envoyé au jury",
            );
            self.audit.push(entry);
        }
        Ok(())
    }

    /// Jury side: an extract replaces this device's copy, once every entry in it verifies.
    fn receive_extract(&mut self, x: Extract) -> Result<()> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        let livret = LivretId(x.livret);
        let section = match DocName::parse(&x.target) {
            Ok(name) => name.section(),
            Err(why) => {
                self.refuse(&mut dev, Some(livret), Some(&x.target), why);
                return Ok(());
            }
        };
        let allowed = match (self.policy.my_jury_sections(livret), section) {
            (Some(granted), Some(s)) => {
                granted.contains(&s)
                    && self
                        .policy
                        .livrets
                        .get(&livret)
                        .is_some_and(|(_, m)| m.is_owner(&self.peer))
            }
            _ => false,
        };
        let Some(section) = section.filter(|_| allowed) else {
            self.refuse(
                &mut dev,
                Some(livret),
                Some(&x.target),
                RefusalCode::UnrequestedExtract.into(),
            );
            return Ok(());
        };
        let checked = SectionDoc::load(&x.doc, &[])
            .map_err(|_| Refusal::new(RefusalCode::BadExtract))
            .and_then(|d| d.check_extract(livret, section).map(|_| d));
        match checked {
            Ok(mut doc) => {
                let snapshot = doc.save();
                dev.store.put_section_snapshot(
                    &livret.to_string(),
                    &section.to_string(),
                    &snapshot,
                )?;
                self.report.received_changes += 1;
                let entry = dev.audit_entry(
                    Some(livret),
                    Some(&self.peer),
                    Some(&x.target),
                    AuditAction::Received,
                    true,
                    "extrait reçu et vérifié",
                );
                self.audit.push(entry);
            }
            Err(refusal) => {
                self.refuse(&mut dev, Some(livret), Some(&x.target), refusal);
            }
        }
        Ok(())
    }

    fn add_target(&mut self, dev: &Device, livret: LivretId, name: DocName) -> Result<()> {
        let key = (livret, name);
        let doc = match self.loaded.remove(&key) {
            Some(d) => d,
            None => match load_doc(dev, livret, name)? {
                Some(d) => d,
                None => match name {
                    DocName::Section(_) => Doc::Section(SectionDoc::new()),
                    DocName::Manifest => return Ok(()),
                },
            },
        };
        let state = load_state(dev, &self.peer, livret, name);
        self.targets.insert(
            key,
            Target {
                livret,
                name,
                doc,
                state,
                receive_only: false,
            },
        );
        Ok(())
    }

    /// A document the peer may only send its last entries to (see [`Target::receive_only`]).
    fn add_receive_only_target(
        &mut self,
        dev: &Device,
        livret: LivretId,
        name: DocName,
    ) -> Result<()> {
        self.add_target(dev, livret, name)?;
        if let Some(t) = self.targets.get_mut(&(livret, name)) {
            t.receive_only = true;
        }
        Ok(())
    }

    /// My turn: re-read the policy now, drop what it no longer allows, generate messages.
    fn my_turn(&mut self) -> Result<Vec<Frame>> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        let peer = self.peer;
        self.reload_policy(&dev)?;
        let mut keys: Vec<Key> = self.targets.keys().copied().collect();
        // Manifests first: the peer then knows of an opened section before its entries arrive.
        keys.sort_by_key(|(_, name)| *name != DocName::Manifest);
        let mut n = 0u32;
        let mut messages = Vec::new();
        // A livret's sections wait while its manifest still has something to say: the other
        // owner checks entries against its manifest, which may not know yet the grant of the
        // teacher who wrote them (the batch would be refused until the next session).
        let mut manifest_spoke: BTreeSet<LivretId> = BTreeSet::new();
        for key in keys {
            let (livret, name) = key;
            if name != DocName::Manifest && manifest_spoke.contains(&livret) {
                continue;
            }
            let receive_only = self.targets.get(&key).is_some_and(|t| t.receive_only);
            if receive_only && self.policy.may_receive_changes(&peer, livret, name) {
                // The peer's last entries may still come in; nothing goes back.
                continue;
            }
            if !self.policy.may_send(&peer, livret, name).allowed() {
                self.targets.remove(&key);
                let held = dev.meta(livret).is_ok();
                if held && !self.tell_if_revoked(&mut dev, livret)? {
                    let target = name.to_string();
                    self.refuse(
                        &mut dev,
                        Some(livret),
                        Some(&target),
                        RefusalCode::AccessEnded.into(),
                    );
                }
                continue;
            }
            let Some(t) = self.targets.get_mut(&key) else {
                continue;
            };
            // Equal heads: nothing to tell (not even an acknowledgement).
            let msg = match &mut t.doc {
                Doc::Manifest(m) => {
                    if m.in_sync_with(&t.state) {
                        None
                    } else {
                        m.generate_sync_message(&mut t.state)
                    }
                }
                Doc::Section(s)
                    if !self.policy.i_may_send_changes(livret, name)
                        && !dev.sends_without_right =>
                {
                    // A device without a write right sends no changes, only what it needs
                    // (heads, need, have); the same request is not repeated.
                    match s.generate_sync_request(&mut t.state) {
                        Some(bytes) if self.last_request.get(&key) != Some(&bytes) => {
                            self.last_request.insert(key, bytes.clone());
                            Some((bytes, false))
                        }
                        _ => None,
                    }
                }
                Doc::Section(s) => {
                    if s.in_sync_with(&t.state) {
                        None
                    } else {
                        s.generate_sync_message(&mut t.state)
                    }
                }
            };
            if msg.is_some() && name == DocName::Manifest {
                manifest_spoke.insert(livret);
            }
            if let Some((bytes, carries)) = msg {
                if carries {
                    self.report.sent_changes += 1;
                    self.audit.push(dev.audit_entry(
                        Some(livret),
                        Some(&peer),
                        Some(&name.to_string()),
                        AuditAction::Sent,
                        true,
                        "modifications envoyées",
                    ));
                }
                messages.push(Frame::Sync(SyncMessage {
                    livret: livret.0,
                    target: name.to_string(),
                    message: ByteBuf::from(bytes),
                }));
                n += 1;
            }
        }
        let mut frames = std::mem::take(&mut self.outbox);
        frames.append(&mut messages);
        frames.push(Frame::EndRound(n));
        Ok(frames)
    }

    /// One incoming sync message.
    fn receive(&mut self, msg: SyncMessage) -> Result<()> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        // Every batch is checked against the grants in force when it arrives, at this device's
        // clock: the policy is reloaded first if a manifest changed since it was loaded (a
        // revocation, maybe by another process).
        if dev.policy_generation()? != self.policy_generation {
            self.save_pending(&mut dev)?;
            self.reload_policy(&dev)?;
        } else {
            self.policy.now = dev.now();
        }
        let livret = LivretId(msg.livret);
        let name = match DocName::parse(&msg.target) {
            Ok(name) => name,
            Err(why) => {
                self.refuse(&mut dev, Some(livret), Some(&msg.target), why);
                return Ok(());
            }
        };
        let key = (livret, name);
        // A manifest's changes are stored at once (erasures and the policy follow from them):
        // the sections received before it are stored first, in order.
        if name == DocName::Manifest {
            self.save_pending(&mut dev)?;
        }
        if self.told_revoked.contains(&livret)
            || self.told_deleted.contains(&livret)
            || self.refused_targets.contains(&key)
        {
            // Not answered again, but counted: a peer that keeps sending them is cut off.
            self.refusals += 1;
            return Ok(());
        }
        if self.erasure_mismatch.contains(&key) {
            self.refuse(
                &mut dev,
                Some(livret),
                Some(&msg.target),
                RefusalCode::ErasureMismatch.into(),
            );
            return Ok(());
        }
        if self.policy.jury_peer(&self.peer, livret) {
            self.refuse(
                &mut dev,
                Some(livret),
                Some(&msg.target),
                RefusalCode::JuryWrite.into(),
            );
            return Ok(());
        }
        if !self.targets.contains_key(&key) {
            if self.policy.may_send(&self.peer, livret, name).allowed() {
                self.add_target(&dev, livret, name)?;
            } else if self.policy.may_receive_changes(&self.peer, livret, name) {
                self.add_receive_only_target(&dev, livret, name)?;
            } else {
                let code = if self.policy.livrets.contains_key(&livret) {
                    RefusalCode::UnknownDocument
                } else {
                    RefusalCode::UnknownLivret
                };
                self.refuse(&mut dev, Some(livret), Some(&msg.target), code.into());
                return Ok(());
            }
        } else if !self.may_exchange(&key) {
            // Access ended since the session began (expiry, revocation). What was received
            // before, while it was allowed, is kept.
            self.save_pending(&mut dev)?;
            self.targets.remove(&key);
            if !self.tell_if_revoked(&mut dev, livret)? {
                self.refuse(
                    &mut dev,
                    Some(livret),
                    Some(&msg.target),
                    RefusalCode::AccessEnded.into(),
                );
            }
            return Ok(());
        }
        let Some((meta, manifest)) = self.policy.livrets.get(&livret) else {
            return Ok(());
        };
        let peer = self.peer;
        let Some(t) = self.targets.get_mut(&key) else {
            return Ok(());
        };
        let outcome: std::result::Result<usize, Refusal> = match &mut t.doc {
            Doc::Manifest(m) => {
                if manifest.is_owner(&peer) && meta.relation == Relation::Owner {
                    m.receive_checked(&mut t.state, &msg.message, livret)
                } else {
                    Err(Refusal::new(RefusalCode::NotOwner))
                }
            }
            Doc::Section(s) => {
                let DocName::Section(section) = t.name else {
                    return Ok(());
                };
                // A restore from a grantee's copy keeps only entries whose authors the records
                // received allow in this section (the copy's sender need not write itself).
                let mode = match meta.relation {
                    Relation::Grantee => Mode::Grantee,
                    Relation::Owner
                        if self.restoring.contains(&livret) && !manifest.is_owner(&peer) =>
                    {
                        Mode::Restoring
                    }
                    Relation::Owner => Mode::Owner,
                };
                let rules = BatchRules {
                    manifest,
                    livret,
                    section,
                    sender: peer,
                    mode,
                    now: self.policy.now,
                };
                s.receive_checked(&mut t.state, &msg.message, &rules)
            }
        };
        // The other parent's device may have ordered erasures, arriving with the manifest:
        // they are applied at once, and none of the rebuilt sections syncs in this session.
        let mut erased_now = false;
        match outcome {
            Ok(0) => {}
            Ok(n) => {
                self.report.received_changes += n;
                let name = t.name;
                match &mut t.doc {
                    Doc::Manifest(m) => {
                        dev.save_manifest_doc(livret, m)?;
                        // The other parent's device may have ordered erasures: apply them
                        // now, and sync none of the rebuilt sections in this session.
                        erased_now = dev.apply_pending_erasures(livret)? > 0;
                    }
                    Doc::Section(_) => {
                        // Stored with the rest of the turn (`save_pending`).
                        self.pending.insert(key);
                    }
                }
                let entry = dev.audit_entry(
                    Some(livret),
                    Some(&peer),
                    Some(&name.to_string()),
                    AuditAction::Received,
                    true,
                    &format!("{n} modification(s) vérifiée(s) et fusionnée(s)"),
                );
                self.audit.push(entry);
                if name == DocName::Manifest {
                    // New records (an opening, a grant) count for the rest of this turn.
                    self.reload_policy(&dev)?;
                }
            }
            Err(refusal) => {
                // Nothing of the batch is kept; the peer's sync state for it starts over. The
                // batches of this turn accepted before it are stored.
                let name = t.name.to_string();
                self.save_pending(&mut dev)?;
                self.targets.remove(&key);
                let _ = dev
                    .store
                    .delete_sync_state(&peer.to_string(), &livret.to_string(), &name);
                self.refuse(&mut dev, Some(livret), Some(&name), refusal);
            }
        }
        if erased_now {
            let stale: Vec<Key> = self
                .targets
                .keys()
                .filter(|(l, n)| *l == livret && *n != DocName::Manifest)
                .copied()
                .collect();
            for k in stale {
                self.targets.remove(&k);
                self.report.erased.push(format!("{}/{}", k.0, k.1));
                self.erasure_mismatch.insert(k);
            }
        }
        Ok(())
    }

    /// A revocation notice from the peer: a grantee's device purges the livret if an owner
    /// signed the revocation of this device's grant.
    fn receive_revoked(&mut self, r: Revoked) -> Result<()> {
        let livret = LivretId(r.livret);
        let owners: Vec<(String, Vec<u8>)> = r
            .owners
            .into_iter()
            .map(|(k, v)| (k, v.into_vec()))
            .collect();
        let purged = {
            let mut d = lock(&self.dev);
            match d.meta(livret) {
                Ok(m) if m.relation == Relation::Grantee => {
                    d.apply_revocation(livret, &r.revocation, &owners)?
                }
                _ => false,
            }
        };
        if purged {
            self.targets.retain(|(l, _), _| *l != livret);
            self.report.purged.push(livret.to_string());
        } else {
            // Not signed by an owner, not about this device, or sent to an owner.
            self.refusals += 1;
            lock(&self.dev).audit_event(
                Some(livret),
                Some(&self.peer),
                None,
                AuditAction::Refused,
                false,
                "avis de révocation sans effet sur cet appareil : ignoré",
            );
        }
        Ok(())
    }

    /// Writes the audit entries gathered so far (end of a turn).
    fn flush_audit(&mut self) {
        let dev_arc = self.dev.clone();
        lock(&dev_arc).write_session_records(&mut self.audit, &[], None);
    }

    /// Stores the sections received since the last save, with the audit lines gathered so far,
    /// in one transaction. Called at the end of the peer's turn (before this device answers,
    /// so what it acknowledges is durable), and before anything that reads or rewrites stored
    /// documents or drops a target. A livret no longer held (purged, deleted) is not written
    /// back.
    fn save_pending(&mut self, dev: &mut Device) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let mut sections = Vec::new();
        for (key, t) in self.targets.iter_mut() {
            if !pending.contains(key) || dev.meta(t.livret).is_err() {
                continue;
            }
            if let (DocName::Section(section), Doc::Section(doc)) = (t.name, &mut t.doc) {
                sections.push((t.livret, section, doc));
            }
        }
        dev.save_turn(&mut sections, &mut self.audit)
    }

    /// End of the peer's turn: what it brought, stored in one transaction.
    fn end_peer_turn(&mut self) -> Result<()> {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        self.save_pending(&mut dev)
    }

    /// Writes the sync states and the remaining audit entries, in one transaction. `clean`:
    /// the session ended with both sides quiet.
    fn finish(&mut self, clean: bool) {
        let dev_arc = self.dev.clone();
        let mut dev = lock(&dev_arc);
        // A session cut in the middle of the peer's turn: what it brought and this device
        // accepted is stored, as it was when each batch was stored on arrival. If that fails,
        // no sync state is written (a state would tell of changes the store does not hold).
        let saved = match self.save_pending(&mut dev) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("session: received changes not stored: {e}");
                false
            }
        };
        let peer = self.peer.to_string();
        let mut states = Vec::new();
        for t in self.targets.values().filter(|_| saved) {
            if dev.meta(t.livret).is_err() {
                continue;
            }
            states.push((
                peer.clone(),
                t.livret.to_string(),
                t.name.to_string(),
                t.state.encode(),
            ));
            self.report.synced.push(format!("{}/{}", t.livret, t.name));
        }
        // What the peer holds of each document (a teacher's class view tells from it which
        // entries the family has received). After a session that ended with both sides quiet,
        // every document still planned, neither refused nor waiting for an erasure, and to
        // which this device was allowed to send its changes, is the same on both sides (a
        // refused batch removes its document from the plan); otherwise, what the peer last
        // told.
        let policy = &self.policy;
        let peer_heads: Vec<_> = self
            .targets
            .iter_mut()
            .filter_map(|(key, t)| {
                let heads = if clean
                    && !self.refused_targets.contains(key)
                    && !self.erasure_mismatch.contains(key)
                    && policy.i_may_send_changes(t.livret, t.name)
                {
                    t.doc.heads()
                } else {
                    t.state.their_heads.clone()?
                };
                Some((t.livret, t.name.to_string(), heads))
            })
            .collect();
        dev.write_session_records(&mut self.audit, &states, Some((&peer, &peer_heads)));
    }
}

async fn send(session: &mut Session, frame: &Frame) -> Result<()> {
    Ok(session.send(&frame.encode()).await?)
}

async fn recv(session: &mut Session) -> Result<Option<Frame>> {
    match session.recv().await? {
        None => Ok(None),
        Some(bytes) => Frame::decode(&bytes)
            .map(Some)
            .map_err(|e| Error::Protocol(e.to_string())),
    }
}

/// A frame of the opening (before the peer's hello), which must arrive by `deadline`.
async fn recv_opening(
    session: &mut Session,
    deadline: tokio::time::Instant,
) -> Result<Option<Frame>> {
    match tokio::time::timeout_at(deadline, recv(session)).await {
        Ok(r) => r,
        Err(_) => Err(Error::Protocol(format!(
            "pas de « hello » dans les {} s : session arrêtée",
            OPENING_DEADLINE.as_secs()
        ))),
    }
}

/// Runs a whole session, as the side `side`.
pub(crate) async fn run(
    dev: SharedDevice,
    session: &mut Session,
    side: Side,
) -> Result<SessionReport> {
    run_with(dev, session, side, BTreeSet::new()).await
}

/// Runs the session that follows a restore from a grantee's copy (this device dialed): for
/// `restoring`, this device introduces itself and keeps every entry that verifies, whoever
/// wrote it.
pub(crate) async fn run_restoring(
    dev: SharedDevice,
    session: &mut Session,
    restoring: BTreeSet<LivretId>,
) -> Result<SessionReport> {
    run_with(dev, session, Side::Dialer(None), restoring).await
}

impl Ctx {
    /// A fresh context for a session with `peer` (or a mailbox letter from or for it); its
    /// policy is loaded by `hello` or `reload_policy`.
    fn new(dev: SharedDevice, peer_key: DeviceId, restoring: BTreeSet<LivretId>) -> Ctx {
        Ctx {
            dev,
            peer: peer_key,
            targets: BTreeMap::new(),
            loaded: BTreeMap::new(),
            policy: Policy {
                me: peer_key,
                now: 0,
                livrets: BTreeMap::new(),
            },
            outbox: vec![],
            audit: vec![],
            told_revoked: BTreeSet::new(),
            refusals: 0,
            refused_targets: BTreeSet::new(),
            erasure_mismatch: BTreeSet::new(),
            told_deleted: BTreeSet::new(),
            restoring,
            revoked_in_session: false,
            policy_generation: 0,
            grants_in_use: BTreeSet::new(),
            last_request: BTreeMap::new(),
            introductions: 0,
            report: SessionReport {
                peer: peer_key.to_string(),
                ..Default::default()
            },
            pending: BTreeSet::new(),
            known_heads: BTreeMap::new(),
        }
    }
}

async fn run_with(
    dev: SharedDevice,
    session: &mut Session,
    side: Side,
    restoring: BTreeSet<LivretId>,
) -> Result<SessionReport> {
    let peer_key = livret_net::public_key_from_peer_id(&session.peer())
        .map(DeviceId)
        .ok_or_else(|| Error::Protocol("pair sans clé ed25519".into()))?;
    let mut ctx = Ctx::new(dev.clone(), peer_key, restoring);
    let result = match tokio::time::timeout(SESSION_DEADLINE, drive(&mut ctx, session, side)).await
    {
        Ok(r) => r,
        Err(_) => Err(Error::Protocol(format!(
            "session de plus de {} s : arrêtée",
            SESSION_DEADLINE.as_secs()
        ))),
    };
    // A grant the peer used was revoked during the session: it is told before the session
    // ends (its device then purges the livret), within a short time.
    for frame in ctx.revocation_notices() {
        let sent = tokio::time::timeout(REVOCATION_NOTICE_TIMEOUT, send(session, &frame)).await;
        if !matches!(sent, Ok(Ok(()))) {
            break;
        }
    }
    ctx.finish(result.is_ok());
    {
        let mut d = lock(&dev);
        if ctx.refusals > MAX_DETAILED_REFUSALS {
            let more = ctx.refusals - MAX_DETAILED_REFUSALS;
            let detail = format!("{more} refus de plus dans cette session, non détaillés");
            d.audit_event(
                None,
                Some(&peer_key),
                None,
                AuditAction::Refused,
                false,
                &detail,
            );
        }
        // Whatever ended the session early (a frame too large, garbage, too many turns or
        // refusals, a silent peer) is recorded against the peer.
        if let Err(e) = &result {
            let detail = bounded(&format!(
                "session interrompue : {}",
                livret_core::Localized::localized(e, livret_core::Lang::Fr)
            ));
            d.audit_event(
                None,
                Some(&peer_key),
                None,
                AuditAction::Session,
                false,
                &detail,
            );
        }
    }
    ctx.report.bytes_sent = session.bytes_sent();
    ctx.report.bytes_received = session.bytes_received();
    result.map(|_| ctx.report)
}

/// How long the redeeming side waits for the family's answer: its confirmation time and a
/// margin for the network.
const REDEEM_WAIT: Duration =
    Duration::from_secs(crate::redeem::REDEEM_CONFIRM_SECONDS as u64 + 15);
/// How often the family side tells a waiting redeemer it still waits (below the network
/// layer's 30 s frame timeout).
const WAITING_EVERY: Duration = Duration::from_secs(5);

/// Family side: waits for the family's answer to a redeem (the claim in the store, decided by
/// `livret invite` or the app), telling the peer every few seconds that it still waits.
async fn wait_for_family(
    ctx: &mut Ctx,
    session: &mut Session,
    invitation: InvitationId,
) -> Result<(LivretId, crate::sharing::Records)> {
    let peer = ctx.peer;
    let give_up = tokio::time::Instant::now() + REDEEM_WAIT;
    let mut next_waiting = tokio::time::Instant::now();
    loop {
        if let Some(done) = lock(&ctx.dev).redeem_outcome(invitation, peer)? {
            return Ok(done);
        }
        let now = tokio::time::Instant::now();
        if now >= give_up {
            // A device clock that does not move (or moved back) must not keep the session.
            lock(&ctx.dev).drop_claim(invitation);
            return Err(Error::NotAuthorized(
                "la famille n'a pas confirmé à temps".into(),
            ));
        }
        if now >= next_waiting {
            send(session, &Frame::Waiting).await?;
            next_waiting = now + WAITING_EVERY;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Which side of a session this device is.
pub(crate) enum Side {
    /// It dialed: it may redeem an invitation first, and it takes the first turn.
    Dialer(Option<RedeemPlan>),
    /// It answered a session the peer opened.
    Answerer,
}

/// A session: its opening (one per side: until the peer's hello it may be anyone, so small
/// frames and a deadline), then the plan from both hellos, then turns until neither side has
/// anything more to send.
async fn drive(ctx: &mut Ctx, session: &mut Session, side: Side) -> Result<()> {
    session.limit_incoming_frames(MAX_OPENING_FRAME_BYTES);
    let dialer = matches!(side, Side::Dialer(_));
    let opened = match side {
        Side::Dialer(redeem) => open_as_dialer(ctx, session, redeem).await?,
        Side::Answerer => open_as_answerer(ctx, session).await?,
    };
    let Some(theirs) = opened else {
        return Ok(());
    };
    session.limit_incoming_frames(usize::MAX);
    ctx.report.peer_name = theirs.name.chars().take(100).collect();
    ctx.plan(&theirs)?;
    ctx.check_refusals()?;

    let max_frames_per_turn = 4 * (ctx.targets.len() + theirs.livrets.len() * 8) + 64;
    // The dialer takes the first turn.
    let mut last_mine: Option<u32> = None;
    if dialer {
        last_mine = Some(my_turn(ctx, session).await?);
    }
    loop {
        ctx.report.rounds += 1;
        if ctx.report.rounds > MAX_ROUNDS {
            return Err(Error::Protocol(format!(
                "plus de {MAX_ROUNDS} tours : session arrêtée"
            )));
        }
        let deadline = lock(&ctx.dev).turn_deadline;
        let turn = peer_turn(ctx, session, max_frames_per_turn);
        let Some(n_peer) = tokio::time::timeout(deadline, turn).await.map_err(|_| {
            Error::Protocol(format!(
                "tour de l'autre appareil de plus de {} s : session arrêtée",
                deadline.as_secs()
            ))
        })??
        else {
            return Ok(());
        };
        if n_peer == 0 && last_mine == Some(0) {
            break;
        }
        let n_mine = my_turn(ctx, session).await?;
        if n_mine == 0 && n_peer == 0 {
            break;
        }
        last_mine = Some(n_mine);
    }
    Ok(())
}

/// The dialer's opening: maybe a redeem (and the family's answer), then introductions and
/// hellos. `None` when the peer ended the session quietly.
async fn open_as_dialer(
    ctx: &mut Ctx,
    session: &mut Session,
    redeem: Option<RedeemPlan>,
) -> Result<Option<Hello>> {
    let mut opening = tokio::time::Instant::now() + OPENING_DEADLINE;
    if let Some(plan) = redeem {
        let (name, role) = {
            let d = lock(&ctx.dev);
            (d.name().to_string(), d.role().as_str().to_string())
        };
        let proof =
            livret_core::grant::redeem_proof(&plan.invitation.secret, &lock(&ctx.dev).device_id());
        send(
            session,
            &Frame::Redeem(Redeem {
                invitation: plan.invitation.id().0,
                proof: ByteBuf::from(proof.to_vec()),
                name,
                role,
            }),
        )
        .await?;
        // The family confirms on its own screen: `Waiting` frames until it decides.
        let confirm_by = tokio::time::Instant::now() + REDEEM_WAIT;
        let answer = loop {
            match recv_opening(session, confirm_by).await? {
                Some(Frame::Waiting) => continue,
                other => break other,
            }
        };
        opening = tokio::time::Instant::now() + OPENING_DEADLINE;
        match answer {
            Some(Frame::Granted(g)) => {
                let records = g
                    .records
                    .into_iter()
                    .map(|(k, v)| (k, v.into_vec()))
                    .collect();
                lock(&ctx.dev).accept_granted(
                    &plan.invitation,
                    LivretId(g.livret),
                    records,
                    plan.class,
                    plan.peer_addrs,
                )?;
            }
            Some(Frame::Refused(r)) => return Err(Error::PeerRefused(refused::of_frame(&r))),
            None => {
                return Err(Error::Protocol(
                    "l'autre appareil a fermé la session".into(),
                ))
            }
            Some(_) => return Err(Error::Protocol("réponse inattendue à l'invitation".into())),
        }
    }
    for frame in ctx.introductions()? {
        send(session, &frame).await?;
    }
    let hello = ctx.hello()?;
    send(session, &Frame::Hello(hello)).await?;
    let mut introduced = false;
    let theirs = loop {
        match recv_opening(session, opening).await? {
            Some(Frame::Granted(g)) => introduced |= ctx.receive_introduction(g)?,
            Some(Frame::Hello(h)) => break h,
            Some(Frame::Refused(r)) => return Err(Error::PeerRefused(refused::of_frame(&r))),
            None => return Ok(None),
            Some(_) => return Err(Error::Protocol("hello attendu".into())),
        }
    };
    if introduced {
        // The peer is now an owner of more livrets than this device's hello said.
        let dev = ctx.dev.clone();
        ctx.reload_policy(&lock(&dev))?;
    }
    Ok(Some(theirs))
}

/// The answering side's opening: maybe a recovery or a redeem first, introductions, then the
/// peer's hello and ours (a stranger gets an empty one and nothing more). `None` when the
/// session ends there.
async fn open_as_answerer(ctx: &mut Ctx, session: &mut Session) -> Result<Option<Hello>> {
    let peer = ctx.peer;
    let mut opening = tokio::time::Instant::now() + OPENING_DEADLINE;
    let mut first = recv_opening(session, opening).await?;
    if let Some(Frame::Recover(r)) = first {
        // A new family device re-authorized by the recovery key (see recovery.rs).
        let dev = ctx.dev.clone();
        if !crate::recover::answer(&dev, peer, session, r, &mut ctx.report.refused).await? {
            return Ok(None);
        }
        first = recv_opening(session, opening).await?;
    }
    if let Some(Frame::Redeem(r)) = first {
        let answer = {
            let mut d = lock(&ctx.dev);
            d.redeem(peer, InvitationId(r.invitation), &r.proof, &r.name, &r.role)
        };
        let invitation = InvitationId(r.invitation);
        let answer = match answer {
            Ok(RedeemStep::Granted(livret, records)) => Ok((livret, records)),
            Ok(RedeemStep::Waiting) => wait_for_family(ctx, session, invitation).await,
            Err(e) => Err(e),
        };
        // The peer had to wait for the family: its hello gets a fresh deadline.
        opening = tokio::time::Instant::now() + OPENING_DEADLINE;
        match answer {
            Ok((livret, records)) => {
                let frame = Frame::Granted(Granted::new(livret.0, records));
                send(session, &frame).await?;
            }
            Err(e) => {
                let refusal = refused::of_error(&e);
                send(session, &refused::frame(None, None, &refusal)).await?;
                ctx.report
                    .refused
                    .push(SessionRefusal::new(false, None, None, refusal));
                return Ok(None);
            }
        }
        first = recv_opening(session, opening).await?;
    }
    // Introductions: owner records a restored device signed with the recovery key.
    while let Some(Frame::Granted(g)) = first {
        ctx.receive_introduction(g)?;
        first = recv_opening(session, opening).await?;
    }
    let theirs = match first {
        Some(Frame::Hello(h)) => h,
        None => return Ok(None),
        Some(_) => return Err(Error::Protocol("hello attendu".into())),
    };
    // A peer with no grant, no livret in common and no deletion to hear of gets an empty
    // hello and nothing more.
    if ctx.stranger(&theirs)? {
        ctx.flush_audit();
        send(session, &Frame::Hello(Hello::default())).await?;
        return Ok(None);
    }
    for frame in ctx.introductions()? {
        send(session, &frame).await?;
    }
    let hello = ctx.hello()?;
    send(session, &Frame::Hello(hello)).await?;
    Ok(Some(theirs))
}

async fn my_turn(ctx: &mut Ctx, session: &mut Session) -> Result<u32> {
    let frames = ctx.my_turn()?;
    ctx.flush_audit();
    let mut n = 0;
    for f in &frames {
        if let Frame::EndRound(k) = f {
            n = *k;
        }
        send(session, f).await?;
    }
    Ok(n)
}

async fn peer_turn(ctx: &mut Ctx, session: &mut Session, max_frames: usize) -> Result<Option<u32>> {
    let mut count = 0usize;
    loop {
        count += 1;
        if count > max_frames {
            return Err(Error::Protocol("trop de trames dans un tour".into()));
        }
        ctx.check_refusals()?;
        let frame = recv(session).await?;
        // The sections received in this turn are stored, with its audit lines, in one
        // transaction at its end, before this device answers; any other frame may read,
        // rewrite or drop stored documents, so they are stored before it too.
        if !matches!(frame, Some(Frame::Sync(_))) {
            ctx.end_peer_turn()?;
        }
        match frame {
            None => return Ok(None),
            Some(Frame::EndRound(n)) => return Ok(Some(n)),
            Some(Frame::Sync(m)) => ctx.receive(m)?,
            Some(Frame::Granted(g)) => ctx.receive_owner_news(g)?,
            Some(Frame::Extract(x)) => ctx.receive_extract(x)?,
            Some(Frame::Erased(e)) => ctx.receive_erased(e)?,
            Some(Frame::Deleted(d)) => ctx.receive_deleted(d)?,
            Some(Frame::Refused(r)) => {
                let refused_doc = r
                    .livret
                    .as_ref()
                    .and_then(|b| LivretId::from_slice(b).ok())
                    .zip(r.target.as_deref().and_then(|t| DocName::parse(t).ok()));
                if let Some(key) = refused_doc {
                    ctx.targets.remove(&key);
                    ctx.refused_targets.insert(key);
                }
                ctx.refusals += 1;
                if ctx.refusals > MAX_DETAILED_REFUSALS {
                    continue;
                }
                let livret = r.livret.as_ref().and_then(|b| LivretId::from_slice(b).ok());
                let told =
                    SessionRefusal::new(true, livret, r.target.as_deref(), refused::of_frame(&r));
                let entry = lock(&ctx.dev).audit_entry(
                    livret,
                    Some(&ctx.peer),
                    told.target.as_deref(),
                    AuditAction::RefusedByPeer,
                    false,
                    &refused::audit_text(&told.refusal),
                );
                ctx.audit.push(entry);
                ctx.report.refused.push(told);
            }
            Some(Frame::Revoked(r)) => ctx.receive_revoked(r)?,
            Some(_) => {
                return Err(Error::Protocol(
                    "trame inattendue pendant la synchronisation".into(),
                ))
            }
        }
    }
}
