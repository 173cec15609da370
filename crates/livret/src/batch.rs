//! Writing many entries at once: the one write path of the application.
//!
//! A teacher's grid, an LSU import and a single `assess` all end here: every entry is checked
//! (role, content, the livret's policy) against a manifest read once per livret, signed, and
//! the entries of the whole batch are stored together with their audit lines in one store
//! transaction (one durable commit per batch, not per livret nor per entry).

use std::collections::{BTreeMap, BTreeSet};

use livret_core::content::{self, Draft};
use livret_core::doc::SectionDoc;
use livret_core::grant::Decision;
use livret_core::{LivretId, Role, Section};

use crate::audit::AuditAction;
use crate::device::{rewrite_whole, Device, COMPACT_AFTER};
use crate::error::{Error, Result};

/// One entry to write: a draft (built from the official vocabulary, see
/// [`Device::assess_draft`] and friends) and the livret it goes in.
#[derive(Debug, Clone)]
pub struct BatchWrite {
    /// The livret written in.
    pub livret: LivretId,
    /// What is written.
    pub draft: Draft,
}

/// What a batch does with a livret when one of its entries is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchMode {
    /// Each entry stands alone: a refused entry is not written, the others are (a grid's
    /// cells).
    PerEntry,
    /// All or nothing per livret: when one entry of a livret is refused, none of that
    /// livret's entries is written (a pupil's bilan in an import).
    PerLivret,
}

/// Why an entry of a batch was not written although it passed its own checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotWritten {
    /// Another entry of the same livret was refused (in [`BatchMode::PerLivret`]).
    SiblingRefused,
}

impl Device {
    /// Checks, signs and stores a batch of entries; one result per item, in order (the entry
    /// key when written). Refused items write nothing; [`BatchMode`] says what happens to the
    /// other entries of their livret. Everything written is committed in one store
    /// transaction: an error of the store itself (not of an item) writes nothing.
    pub fn write_batch(
        &mut self,
        items: &[BatchWrite],
        mode: BatchMode,
    ) -> Result<Vec<Result<String>>> {
        self.write_batch_noted(items, mode, None)
    }

    /// [`Device::write_batch`], with a note added to each audit line (where the entries came
    /// from, e.g. an LSU import).
    pub(crate) fn write_batch_noted(
        &mut self,
        items: &[BatchWrite],
        mode: BatchMode,
        note: Option<&str>,
    ) -> Result<Vec<Result<String>>> {
        let mut results: Vec<Option<Result<String>>> = (0..items.len()).map(|_| None).collect();
        // Items by livret, in the order they came.
        let mut by_livret: BTreeMap<LivretId, Vec<usize>> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            by_livret.entry(item.livret).or_default().push(i);
        }
        let me = self.device_id();
        let mut prepared = Vec::new();
        let mut written = Vec::new();
        for (livret, indices) in by_livret {
            match self.meta(livret) {
                Ok(_) => {}
                Err(Error::UnknownLivret(_)) => {
                    for &i in &indices {
                        results[i] = Some(Err(Error::UnknownLivret(livret.to_string())));
                    }
                    continue;
                }
                Err(e) => return Err(e),
            }
            let manifest = self.manifest(livret)?;
            let now = self.now();
            let mut seen = BTreeSet::new();
            let mut passed = Vec::new();
            for &i in &indices {
                let draft = &items[i].draft;
                match self.check_write(&manifest, &me, now, draft, &mut seen) {
                    Ok(()) => passed.push(i),
                    Err(e) => results[i] = Some(Err(e)),
                }
            }
            if mode == BatchMode::PerLivret && passed.len() < indices.len() {
                for i in passed {
                    results[i] = Some(Err(Error::NotWritten(NotWritten::SiblingRefused)));
                }
                continue;
            }
            if passed.is_empty() {
                continue;
            }
            let drafts: Vec<&Draft> = passed.iter().map(|&i| &items[i].draft).collect();
            prepared.push(self.prepare_drafts(livret, &drafts, note)?);
            written.extend(passed);
        }
        // One durable commit for the whole batch: a commit waits for the disk (an fsync),
        // which on a busy machine costs far more than signing a livret's entries.
        self.commit_prepared(&prepared)?;
        for i in written {
            results[i] = Some(Ok(items[i].draft.key.clone()));
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::NotWritten(NotWritten::SiblingRefused))))
            .collect())
    }

    /// What [`Device::write_batch`] would answer for each item, writing nothing (a dry run).
    pub fn check_batch(&self, items: &[BatchWrite]) -> Result<Vec<Result<String>>> {
        let me = self.device_id();
        let now = self.now();
        let mut manifests = BTreeMap::new();
        let mut seen: BTreeMap<LivretId, BTreeSet<(Section, String)>> = BTreeMap::new();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let manifest = match manifests.entry(item.livret) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    match self.meta(item.livret) {
                        Ok(_) => {}
                        Err(Error::UnknownLivret(l)) => {
                            out.push(Err(Error::UnknownLivret(l)));
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                    v.insert(self.manifest(item.livret)?)
                }
            };
            let seen = seen.entry(item.livret).or_default();
            out.push(
                self.check_write(manifest, &me, now, &item.draft, seen)
                    .map(|()| item.draft.key.clone()),
            );
        }
        Ok(out)
    }

    /// Whether this device may write this draft in a livret whose policy is `manifest`.
    fn check_write(
        &self,
        manifest: &livret_core::grant::Manifest,
        me: &livret_core::DeviceId,
        now: i64,
        draft: &Draft,
        seen: &mut BTreeSet<(Section, String)>,
    ) -> Result<()> {
        // Bilans and attestations are a teacher's word, signed by a teacher's key; a support
        // measure may also be written by the family (an owner); messages go both ways.
        if draft.section == Section::Correspondance {
            if self.role() != Role::Family {
                self.require_role(Role::Teacher)?;
            }
        } else if !draft.section.is_sensitive() {
            self.require_role(Role::Teacher)?;
        }
        // What belongs in the sensitive section is refused elsewhere (the peer checks it too).
        content::check_draft(draft)?;
        if let Decision::Denied(reason) = manifest.may_write(me, draft.section, now) {
            return Err(Error::NotAuthorized(format!(
                "{} (section {})",
                reason.french(),
                draft.section
            )));
        }
        let subject = content::subject_of(&draft.content);
        if manifest.out_of_own_subjects(me, draft.section, now, subject.as_ref()) {
            return Err(Error::NotAuthorized(format!(
                "{} (section {})",
                livret_core::grant::DenyReason::SubjectNotAssigned.french(),
                draft.section
            )));
        }
        if !seen.insert((draft.section, draft.key.clone())) {
            return Err(Error::NotAuthorized(format!(
                "{} {} donné deux fois dans le même envoi",
                draft.section, draft.key
            )));
        }
        Ok(())
    }

    /// Signs checked drafts of one livret and prepares what storing them writes (nothing is
    /// written yet: see [`Device::commit_prepared`]).
    fn prepare_drafts(
        &mut self,
        livret: LivretId,
        drafts: &[&Draft],
        note: Option<&str>,
    ) -> Result<PreparedLivret> {
        // Each section with whether it was stored already (known from loading it once: no
        // second read and decryption to find out).
        let mut docs: BTreeMap<Section, (SectionDoc, bool)> = BTreeMap::new();
        for d in drafts {
            let entry = self.sign_draft(livret, d);
            let (doc, _) = match docs.entry(d.section) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    let loaded = self.load_section(livret, d.section)?;
                    let stored = loaded.is_some();
                    v.insert((loaded.unwrap_or_default(), stored))
                }
            };
            doc.put(&d.key, &entry)?;
        }
        let l = livret.to_string();
        let mut chunks = Vec::new();
        let mut heads = Vec::new();
        for (section, (doc, stored)) in docs.iter_mut() {
            let s = section.to_string();
            // Recorded if the stored copy is still the one loaded (`crate::heads`).
            heads.push((s.clone(), doc.saved_heads().to_vec(), doc.heads()));
            let weight = if *stored {
                self.store.section_weight(&l, &s)?
            } else {
                None
            };
            if weight.is_none_or(|w| w.increments >= COMPACT_AFTER) {
                chunks.push((s, Written::Snapshot(doc.save_for_store())));
                continue;
            }
            let changes = doc.save_incremental();
            // Rewritten whole if it then weighs enough and the stored copy is still the one
            // loaded when committed.
            if rewrite_whole(weight, changes.len(), true) {
                drop(changes);
                chunks.push((s, Written::SnapshotIfLoaded(doc.save_for_store())));
            } else {
                chunks.push((s, Written::Changes(changes)));
            }
        }
        let audit: Vec<_> = drafts
            .iter()
            .map(|d| {
                let detail = match note {
                    Some(n) => format!("{} ({n})", d.key),
                    None => d.key.clone(),
                };
                self.audit_entry(
                    Some(livret),
                    None,
                    Some(&d.section.to_string()),
                    AuditAction::Written,
                    true,
                    &detail,
                )
            })
            .collect();
        // A signed cell is no longer a draft.
        let drafts_done: Vec<String> = drafts
            .iter()
            .map(|d| crate::class::draft_id(livret, d.section, &d.key))
            .collect();
        Ok(PreparedLivret {
            livret: l,
            drafts_done,
            chunks,
            heads,
            audit,
        })
    }

    /// Writes prepared livrets, all in one store transaction: all or none.
    fn commit_prepared(&mut self, prepared: &[PreparedLivret]) -> Result<()> {
        if prepared.is_empty() {
            return Ok(());
        }
        self.store.transaction(|tx| -> Result<()> {
            for p in prepared {
                // The sections whose stored copy is the one the drafts were added to (a
                // snapshot replaces it whole): their heads are then known.
                let mut same = BTreeSet::new();
                for ((s, written), (_, saved, _)) in p.chunks.iter().zip(&p.heads) {
                    if matches!(written, Written::Snapshot(_))
                        || crate::heads::stored_are(tx, &p.livret, s, saved)?
                    {
                        same.insert(s.clone());
                    }
                }
                for id in &p.drafts_done {
                    tx.delete_record(crate::class::DRAFT_KIND, id)?;
                }
                for (s, written) in &p.chunks {
                    match written {
                        Written::Snapshot(snapshot) => {
                            tx.put_section_snapshot(&p.livret, s, snapshot)?
                        }
                        Written::SnapshotIfLoaded(snapshot) if same.contains(s) => {
                            tx.put_section_snapshot(&p.livret, s, snapshot)?
                        }
                        // Another writer appended meanwhile: the whole document is appended
                        // as an increment (loading merges it), which loses nothing of theirs.
                        Written::SnapshotIfLoaded(changes) | Written::Changes(changes) => {
                            if !changes.is_empty() {
                                tx.append_section_changes(&p.livret, s, changes)?;
                            }
                        }
                    }
                }
                for (s, _, heads) in &p.heads {
                    if same.contains(s) {
                        crate::heads::record(tx, &p.livret, s, heads)?;
                    }
                }
                for e in &p.audit {
                    tx.append_audit(e)?;
                }
            }
            Ok(())
        })
    }
}

/// What a batch writes of one section.
enum Written {
    /// A whole snapshot (a new section, or one with `COMPACT_AFTER` increments).
    Snapshot(Vec<u8>),
    /// The changes since it was loaded, appended.
    Changes(Vec<u8>),
    /// A whole snapshot ([`rewrite_whole`]): replacing the stored copy if it is still the one
    /// loaded at commit time, else appended to it (one copy in memory, not two, for a batch
    /// of hundreds of livrets).
    SnapshotIfLoaded(Vec<u8>),
}

/// What storing one livret's signed drafts writes.
struct PreparedLivret {
    livret: String,
    /// The draft records the signed cells replace.
    drafts_done: Vec<String>,
    /// Per section: its name and what is written of it.
    chunks: Vec<(String, Written)>,
    /// Per section, in the order of `chunks`: its name, its heads when loaded, its heads once
    /// written (`crate::heads`).
    heads: Vec<(
        String,
        Vec<automerge::ChangeHash>,
        Vec<automerge::ChangeHash>,
    )>,
    audit: Vec<livret_store::AuditEntry>,
}
