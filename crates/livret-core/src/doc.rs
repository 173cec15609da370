//! Section documents: one Automerge document per section, holding each signed entry as one
//! byte-string value under its entry key at the root.
//!
//! Changes from another device are never merged blind: [`SectionDoc::receive_checked`] applies
//! a sync message to a fork, checks every change it brought against a [`WriteCheck`], and
//! merges the fork only when all of them pass. A failing batch leaves the document untouched.

use std::collections::BTreeMap;

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ChangeHash, ReadDoc, ScalarValue, Value, ROOT};

use crate::entry::{OpenedEntry, Reading, SignedEntry, Verification};
use crate::error::CoreError;
use crate::ids::{DeviceId, LivretId};
use crate::lang::{Lang, Localized};
use crate::section::Section;

/// The largest sync message accepted for one section.
pub const MAX_SYNC_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// What a section and the manifest do the same way, written once: an empty document, a
/// snapshot (compacted) or the changes since the last save, the heads, and the sync messages.
/// Both types hold `doc` (the Automerge document) and `saved` (the heads at the last load or
/// save: what `save_incremental` saves after).
macro_rules! livret_document {
    ($name:ident) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $name {
            /// An empty document.
            pub fn new() -> $name {
                $name {
                    doc: AutoCommit::new(),
                    saved: vec![],
                }
            }

            /// A full snapshot (compacted).
            pub fn save(&mut self) -> Vec<u8> {
                self.saved = self.doc.get_heads();
                self.doc.save()
            }

            /// A full snapshot without compression, for the device's own store: compressing
            /// was most of the cost of a save (each received section and each batch write
            /// saves one), and the store seals what it keeps anyway. What leaves the device (a
            /// file, an extract) is [`Self::save`]d.
            pub fn save_for_store(&mut self) -> Vec<u8> {
                self.saved = self.doc.get_heads();
                self.doc.save_nocompress()
            }

            /// The changes since the last load, save or incremental save.
            pub fn save_incremental(&mut self) -> Vec<u8> {
                let out = self.doc.save_after(&self.saved);
                self.saved = self.doc.get_heads();
                out
            }

            /// The current heads.
            pub fn heads(&mut self) -> Vec<ChangeHash> {
                self.doc.get_heads()
            }

            /// The heads at the last load or save: those of the stored copy, unless another
            /// writer changed it since.
            pub fn saved_heads(&self) -> &[ChangeHash] {
                &self.saved
            }

            /// The next sync message for a peer, if there is anything to say. The boolean
            /// tells whether the message carries changes (data), not only heads.
            pub fn generate_sync_message(
                &mut self,
                state: &mut sync::State,
            ) -> Option<(Vec<u8>, bool)> {
                generate_message(&mut self.doc, state)
            }

            /// Uses the heads a peer announced in its hello to skip the first exchange of a
            /// sync: when every announced head is known here, the next message carries the
            /// missing changes at once. Returns whether the peer is already up to date.
            pub fn prime(&mut self, state: &mut sync::State, their_heads: &[ChangeHash]) -> bool {
                prime_state(&mut self.doc, state, their_heads)
            }

            /// Whether the peer's last known heads are ours (then there is nothing to tell it).
            pub fn in_sync_with(&mut self, state: &sync::State) -> bool {
                state.their_heads.as_deref() == Some(self.doc.get_heads().as_slice())
            }
        }
    };
}

/// The largest number of entries a section may hold.
pub const MAX_ENTRIES_PER_SECTION: usize = 4096;

/// One section of one livret, as an Automerge document.
pub struct SectionDoc {
    doc: AutoCommit,
    /// The heads at the last load or save: what `save_incremental` saves after.
    saved: Vec<ChangeHash>,
}

livret_document!(SectionDoc);

/// A key of a section and the signed entries found there (more than one when two devices
/// wrote it concurrently; Automerge keeps both and we show both).
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// The entry key.
    pub key: String,
    /// Every value under the key (the winner first), decoded.
    pub values: Vec<Result<SignedEntry, CoreError>>,
}

/// An entry as read for display: where it is, what it says, whether it verifies.
#[derive(Debug, Clone)]
pub struct CheckedEntry {
    /// The entry key.
    pub key: String,
    /// Its content, when the bytes could be opened.
    pub opened: Option<OpenedEntry>,
    /// Its author as stated, when decodable.
    pub author: Option<DeviceId>,
    /// The verification result.
    pub verification: Verification,
    /// Whether another value competes for this key (concurrent writes).
    pub conflicted: bool,
    /// The raw stored value (for extracts and seals).
    pub signed: Option<SignedEntry>,
}

/// Who may have written what: the rules a batch of changes from a peer must follow.
pub trait WriteCheck {
    /// The livret and section of the document.
    fn place(&self) -> (LivretId, Section);
    /// The peer that sent the changes (authenticated by the transport).
    fn sender(&self) -> DeviceId;
    /// Whether the sender is an owner of the livret (owners may replace and delete entries).
    fn sender_is_owner(&self) -> bool;
    /// Whether the sender itself may send changes to this section now (see
    /// [`crate::policy::may_send_changes`]): a batch that brings any new change (a write, a
    /// relay of another author's entry, a deletion) from a sender without that right is
    /// refused whole.
    fn sender_may_write(&self) -> bool;
    /// Whether `author` may have written an entry in this section at `time`.
    fn may_author(&self, author: &DeviceId, time: i64) -> bool;
    /// Additional checks of an entry's content and placement (official vocabulary).
    fn check_content(&self, entry: &OpenedEntry) -> Result<(), String>;
}

/// The largest sync message whose changes may wait, unapplied, for their dependencies.
const MAX_QUEUED_MESSAGE_BYTES: usize = 256 * 1024;

pub use crate::refusal::Refusal;
use crate::refusal::RefusalCode;

impl SectionDoc {
    /// Loads a document from a snapshot and the incremental chunks saved after it.
    pub fn load(snapshot: &[u8], increments: &[Vec<u8>]) -> Result<SectionDoc, CoreError> {
        guarded(|| Self::load_unguarded(snapshot, increments))
    }

    fn load_unguarded(snapshot: &[u8], increments: &[Vec<u8>]) -> Result<SectionDoc, CoreError> {
        check_chunks(snapshot).map_err(CoreError::Document)?;
        for chunk in increments {
            check_chunks(chunk).map_err(CoreError::Document)?;
        }
        let mut doc = if snapshot.is_empty() {
            AutoCommit::new()
        } else {
            AutoCommit::load(snapshot).map_err(|e| CoreError::Document(e.to_string()))?
        };
        for chunk in increments {
            doc.load_incremental(chunk)
                .map_err(|e| CoreError::Document(e.to_string()))?;
        }
        let saved = doc.get_heads();
        Ok(SectionDoc { doc, saved })
    }

    /// Writes a signed entry under its key (replacing what the local device saw there).
    pub fn put(&mut self, key: &str, entry: &SignedEntry) -> Result<(), CoreError> {
        use automerge::transaction::Transactable;
        self.doc
            .put(ROOT, key, ScalarValue::Bytes(entry.to_bytes()))
            .map_err(|e| CoreError::Document(e.to_string()))?;
        self.doc.commit();
        Ok(())
    }

    /// Deletes the entry under `key`.
    pub fn delete(&mut self, key: &str) -> Result<(), CoreError> {
        use automerge::transaction::Transactable;
        self.doc
            .delete(ROOT, key)
            .map_err(|e| CoreError::Document(e.to_string()))?;
        self.doc.commit();
        Ok(())
    }

    /// The keys of the document, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.doc.keys(ROOT).collect()
    }

    /// Every key with every value found there, the one shown first (see [`shown_first`]).
    pub fn entries(&self) -> Vec<StoredEntry> {
        // One pass over the map (a seek per key costs more than the read); a key holding
        // concurrent values is read again whole.
        self.doc
            .map_range(ROOT, ..)
            .map(|item| {
                let key = item.key.into_owned();
                let values = if item.conflict {
                    self.values_of(&key)
                } else {
                    vec![decode_value_ref(&item.value)]
                };
                StoredEntry { key, values }
            })
            .collect()
    }

    fn values_of(&self, key: &str) -> Vec<Result<SignedEntry, CoreError>> {
        let mut values: Vec<Result<SignedEntry, CoreError>> = match self.doc.get_all(ROOT, key) {
            Ok(all) => all.iter().map(|(v, _)| decode_value(v)).collect(),
            Err(e) => vec![Err(CoreError::Document(e.to_string()))],
        };
        shown_first(&mut values);
        values
    }

    /// The signed entry shown under `key`, if any: when concurrent writes left several values,
    /// the one [`shown_first`] puts first, decided by signed content (never by Automerge's op
    /// ids, which the sender chooses), so every device shows, extracts, rebuilds and exports
    /// the same one.
    pub fn get(&self, key: &str) -> Option<SignedEntry> {
        self.values_of(key).into_iter().find_map(Result::ok)
    }

    /// Whether the value now under `key` was already in the document at `heads` (a peer's
    /// heads, as a sync state remembers them): then that peer holds this very entry. Heads this
    /// document does not know answer `false`.
    pub fn held_at(&self, key: &str, heads: &[ChangeHash]) -> bool {
        if heads.is_empty()
            || heads
                .iter()
                .any(|h| self.doc.get_change_by_hash(h).is_none())
        {
            return false;
        }
        let Ok(Some((_, now))) = self.doc.get(ROOT, key) else {
            return false;
        };
        match self.doc.get_all_at(ROOT, key, heads) {
            Ok(then) => then.iter().any(|(_, id)| *id == now),
            Err(_) => false,
        }
    }

    /// Every entry with its verification at this place.
    pub fn checked_entries(
        &self,
        livret: LivretId,
        section: Section,
        is_known_author: &dyn Fn(&DeviceId) -> bool,
    ) -> Vec<CheckedEntry> {
        self.checked_entries_as(Reading::Full, livret, section, is_known_author)
    }

    /// Like [`SectionDoc::checked_entries`], the entries read as in `reading` (a jury's
    /// extract: [`Reading::Extract`]).
    pub fn checked_entries_as(
        &self,
        reading: Reading,
        livret: LivretId,
        section: Section,
        is_known_author: &dyn Fn(&DeviceId) -> bool,
    ) -> Vec<CheckedEntry> {
        let mut out = Vec::new();
        let stored_entries = self.entries();
        // Every signature of the document verified together (one equation); on failure each
        // is verified on its own, as before, and the bad one is marked.
        let placed: Vec<(&str, &SignedEntry)> = stored_entries
            .iter()
            .flat_map(|s| {
                s.values
                    .iter()
                    .filter_map(|v| v.as_ref().ok())
                    .map(|v| (s.key.as_str(), v))
            })
            .collect();
        let mut judged =
            crate::entry::verify_together(reading, livret, section, &placed, is_known_author)
                .into_iter();
        for stored in stored_entries {
            let conflicted = stored.values.len() > 1;
            for value in stored.values {
                match value {
                    Err(e) => out.push(CheckedEntry {
                        key: stored.key.clone(),
                        opened: None,
                        author: None,
                        verification: Verification::Invalid(e.localized(Lang::Fr)),
                        conflicted,
                        signed: None,
                    }),
                    Ok(signed) => {
                        // In the order `placed` holds them: one verdict per readable value.
                        let Some(j) = judged.next() else {
                            continue;
                        };
                        out.push(CheckedEntry {
                            key: stored.key.clone(),
                            opened: j.opened,
                            author: j.author,
                            verification: j.verification,
                            conflicted,
                            signed: Some(signed),
                        });
                    }
                }
            }
        }
        out
    }

    /// The next sync message for a peer this device may send no changes to (it holds no write
    /// right on the section): what it has and what it needs (heads, need, have), with the
    /// changes left out. `None` when there is nothing to say.
    pub fn generate_sync_request(&mut self, state: &mut sync::State) -> Option<Vec<u8>> {
        self.doc.sync().generate_sync_message(state).map(|mut m| {
            m.changes = Vec::<Vec<u8>>::new().into();
            m.encode()
        })
    }

    /// Receives a sync message from a trusted source (our own earlier copy, a test): no checks.
    pub fn receive_unchecked(
        &mut self,
        state: &mut sync::State,
        message: &[u8],
    ) -> Result<(), CoreError> {
        let msg = decode_message(message)?;
        guarded(|| {
            self.doc
                .sync()
                .receive_sync_message(state, msg)
                .map_err(|e| CoreError::Document(e.to_string()))
        })
    }

    /// Receives a sync message from a peer: applies it to a fork, checks every change it
    /// brought with `check`, and merges only if all pass. On refusal the document and `state`
    /// are unchanged; the caller should reset the peer's sync state.
    ///
    /// Returns the number of new changes merged.
    pub fn receive_checked(
        &mut self,
        state: &mut sync::State,
        message: &[u8],
        check: &dyn WriteCheck,
    ) -> Result<usize, Refusal> {
        guarded_refusal(|| self.receive_checked_unguarded(state, message, check))
    }

    fn receive_checked_unguarded(
        &mut self,
        state: &mut sync::State,
        message: &[u8],
        check: &dyn WriteCheck,
    ) -> Result<usize, Refusal> {
        let Some(Received {
            before,
            mut fork,
            fork_state,
            new_changes,
        }) = receive_into_fork(&mut self.doc, state, message)?
        else {
            return Ok(0);
        };
        if !check.sender_may_write() {
            return Err(
                Refusal::new(RefusalCode::SenderMayNotWrite).detail(check.place().1.to_string())
            );
        }
        let touched = check_operations(&new_changes)?;
        check_touched_keys(&mut fork, &before, &touched, check)?;
        if fork.keys(ROOT).count() > MAX_ENTRIES_PER_SECTION {
            return Err(Refusal::new(RefusalCode::TooManyEntries)
                .detail(MAX_ENTRIES_PER_SECTION.to_string()));
        }
        // The fork is the document plus the checked changes: it becomes the document (no
        // second application of the same changes).
        let n = new_changes.len();
        fork.set_actor(self.doc.get_actor().clone());
        self.doc = fork;
        *state = fork_state;
        Ok(n)
    }

    #[cfg(test)]
    fn save_nocompress_for_tests(&mut self) -> Vec<u8> {
        self.history_bytes()
    }

    /// The whole document, history included, without compression: what a search of the
    /// document for a text must look at (erasure tests, audits).
    pub fn history_bytes(&mut self) -> Vec<u8> {
        self.doc.save_nocompress()
    }

    /// An extract for a third party (a jury): a new document with fresh history holding the
    /// current winning entries with their original signatures, texts naming the child
    /// withheld (see [`SignedEntry::withholding`]). It is deterministic (one change, by an
    /// actor derived from `seed`, at time 0), so the same content gives the same heads and
    /// is not sent twice.
    pub fn extract(&self, withhold: &[String], seed: &[u8]) -> Result<SectionDoc, CoreError> {
        use automerge::transaction::Transactable;
        use sha2::Digest as _;
        let actor = sha2::Sha256::digest(seed);
        let mut doc = AutoCommit::new().with_actor(automerge::ActorId::from(&actor[..16]));
        for key in self.keys() {
            if let Some(entry) = self.get(&key) {
                let value = entry.withholding(withhold).to_bytes();
                doc.put(ROOT, key.as_str(), ScalarValue::Bytes(value))
                    .map_err(|e| CoreError::Document(e.to_string()))?;
            }
        }
        doc.commit_with(automerge::transaction::CommitOptions::default().with_time(0));
        Ok(SectionDoc { doc, saved: vec![] })
    }

    /// Checks a whole document received as an extract: every value is a signed entry that
    /// verifies, at its place, inside the official scales. Returns the reason of the first
    /// failure.
    pub fn check_extract(&self, livret: LivretId, section: Section) -> Result<(), Refusal> {
        if self.keys().len() > MAX_ENTRIES_PER_SECTION {
            return Err(Refusal::new(RefusalCode::TooLarge));
        }
        for stored in self.entries() {
            if stored.values.len() != 1 {
                return Err(Refusal::new(RefusalCode::BadExtract).at(&stored.key));
            }
            for value in stored.values {
                let entry =
                    value.map_err(|_| Refusal::new(RefusalCode::BadEntry).at(&stored.key))?;
                let (opened, verification) =
                    entry.verify_as(Reading::Extract, livret, section, &stored.key, |_| true);
                match (opened, verification) {
                    (Some(o), Verification::Valid) => {
                        crate::content::check_extract(&o).map_err(|why| {
                            Refusal::new(RefusalCode::Content)
                                .at(&stored.key)
                                .detail(why)
                        })?
                    }
                    (_, Verification::Invalid(why)) => {
                        return Err(Refusal::new(RefusalCode::BadEntry)
                            .at(&stored.key)
                            .detail(why))
                    }
                    _ => return Err(Refusal::new(RefusalCode::BadEntry).at(&stored.key)),
                }
            }
        }
        Ok(())
    }

    /// The document without the entries `forget` names, with fresh history: nothing of the
    /// old history survives (Automerge keeps deleted values in it). Each remaining entry is
    /// one change with no dependencies, by an actor derived from the entry's bytes, at time 0:
    /// two devices rebuilding the same entries get the same changes (so their copies still
    /// sync), and entries only one of them holds merge as ordinary concurrent writes.
    pub fn erased(&self, forget: impl Fn(&str) -> bool) -> Result<SectionDoc, CoreError> {
        use automerge::transaction::Transactable;
        use sha2::Digest as _;
        let mut changes = Vec::new();
        for key in self.keys() {
            if forget(&key) {
                continue;
            }
            let Some(entry) = self.get(&key) else {
                continue;
            };
            let value = entry.to_bytes();
            let mut h = sha2::Sha256::new();
            h.update(b"livret/rebuilt-entry/1");
            h.update((key.len() as u32).to_be_bytes());
            h.update(key.as_bytes());
            h.update(&value);
            let actor = h.finalize();
            let mut one = AutoCommit::new().with_actor(automerge::ActorId::from(&actor[..16]));
            one.put(ROOT, key.as_str(), ScalarValue::Bytes(value))
                .map_err(|e| CoreError::Document(e.to_string()))?;
            one.commit_with(automerge::transaction::CommitOptions::default().with_time(0));
            changes.extend(one.get_changes(&[]));
        }
        let mut doc = AutoCommit::new();
        doc.apply_changes(changes)
            .map_err(|e| CoreError::Document(e.to_string()))?;
        Ok(SectionDoc { doc, saved: vec![] })
    }

    /// The document without every change that puts a value `void` names, nor any change made
    /// on top of one (a change that depends on it, directly or not); `None` if no change puts
    /// such a value. Every other change is kept as it is, with its hash: a copy that never held
    /// a voided change has the very same history, so the two still sync as before, whatever
    /// their holders saw. Unlike [`SectionDoc::erased`], nothing is rebuilt: no entry gets a
    /// second form. What was written on top of a voided change is gone with it; its authors
    /// write it again ([`SectionDoc::put_again`]).
    pub fn without_changes_putting(
        &self,
        void: impl Fn(&SignedEntry) -> bool,
    ) -> Result<Option<SectionDoc>, CoreError> {
        use automerge::legacy::OpType;
        use std::collections::HashSet;
        let mut doc = self.doc.clone();
        let changes: Vec<automerge::Change> = doc.get_changes(&[]);
        let mut voided: HashSet<ChangeHash> = HashSet::new();
        for change in &changes {
            let puts_void = change
                .decode()
                .operations
                .iter()
                .any(|op| match &op.action {
                    OpType::Put(ScalarValue::Bytes(b)) => {
                        SignedEntry::from_bytes(b).is_ok_and(|e| void(&e))
                    }
                    _ => false,
                });
            if puts_void {
                voided.insert(change.hash());
            }
        }
        if voided.is_empty() {
            return Ok(None);
        }
        // The descendants, whatever order the changes came in: until nothing more is voided.
        loop {
            let before = voided.len();
            for change in &changes {
                if !voided.contains(&change.hash())
                    && change.deps().iter().any(|d| voided.contains(d))
                {
                    voided.insert(change.hash());
                }
            }
            if voided.len() == before {
                break;
            }
        }
        let kept: Vec<automerge::Change> = changes
            .into_iter()
            .filter(|c| !voided.contains(&c.hash()))
            .collect();
        // A fresh actor: this device's voided changes had sequence numbers a new change of the
        // same actor would take again, with other contents.
        let mut fresh = AutoCommit::new();
        fresh
            .apply_changes(kept)
            .map_err(|e| CoreError::Document(e.to_string()))?;
        Ok(Some(SectionDoc {
            doc: fresh,
            saved: vec![],
        }))
    }

    /// Writes again, as new changes on top of this document, each entry `before` showed
    /// (leaving out the values `void` names) that `mine` accepts (this device's own) and that
    /// this document does not show any more: it went with voided changes
    /// ([`SectionDoc::without_changes_putting`]). Returns how many.
    pub fn put_again(
        &mut self,
        before: &SectionDoc,
        mine: impl Fn(&SignedEntry) -> bool,
        void: impl Fn(&SignedEntry) -> bool,
    ) -> Result<usize, CoreError> {
        let mut n = 0;
        for key in before.keys() {
            let shown = before
                .values_of(&key)
                .into_iter()
                .filter_map(Result::ok)
                .find(|e| !void(e));
            let Some(entry) = shown.filter(|e| mine(e)) else {
                continue;
            };
            if self.get(&key).is_some_and(|now| now == entry) {
                continue;
            }
            self.put(&key, &entry)?;
            n += 1;
        }
        Ok(n)
    }

    /// Rebuilds the document with fresh history holding only the current winning entries.
    pub fn rebuilt(&self) -> Result<SectionDoc, CoreError> {
        let mut fresh = SectionDoc::new();
        for key in self.keys() {
            if let Some(entry) = self.get(&key) {
                fresh.put(&key, &entry)?;
            }
        }
        Ok(fresh)
    }
}

/// Orders the values found under one key so that the one shown comes first. Decided by signed
/// content only, the same on every device whatever Automerge's op ids: values that open
/// (signature and texts) before those that do not, then the latest signed time (a newer
/// version by its author, an owner's later replacement), then, for the same signed time (the
/// same entry with other unsigned bytes, such as its certificate), the larger bytes.
pub fn shown_first(values: &mut [Result<SignedEntry, CoreError>]) {
    if values.len() < 2 {
        return;
    }
    values.sort_by_cached_key(|v| {
        let rank = match v {
            Ok(e) => (
                e.open().is_ok(),
                e.payload_unverified().map(|p| p.time).unwrap_or(i64::MIN),
                e.to_bytes(),
            ),
            Err(_) => (false, i64::MIN, Vec::new()),
        };
        std::cmp::Reverse(rank)
    });
}

/// A peer's sync message applied to a fork of the document, not yet checked nor kept.
struct Received {
    before: Vec<ChangeHash>,
    fork: AutoCommit,
    fork_state: sync::State,
    new_changes: Vec<automerge::Change>,
}

/// Applies `message` to a fork of `doc` with a copy of `state`. `None` when it brought no new
/// change (then `state` is advanced: nothing needs checking).
fn receive_into_fork(
    doc: &mut AutoCommit,
    state: &mut sync::State,
    message: &[u8],
) -> Result<Option<Received>, Refusal> {
    let msg = decode_message(message).map_err(|e| match e {
        CoreError::TooLarge { .. } => Refusal::new(RefusalCode::TooLarge),
        _ => Refusal::new(RefusalCode::Malformed),
    })?;
    let before = doc.get_heads();
    let mut fork = doc.fork();
    let mut fork_state = state.clone();
    fork.sync()
        .receive_sync_message(&mut fork_state, msg)
        .map_err(|_| Refusal::new(RefusalCode::Malformed))?;
    let new_changes = fork.get_changes(&before);
    if new_changes.is_empty() {
        // Changes whose dependencies have not arrived yet (the peer's Bloom filter made it
        // believe we had them) wait in Automerge's queue, unapplied. Keep them: the peer counts
        // them as sent and never sends them again, so dropping them with the fork left both
        // sides asking each other forever (the rare 64-turn sessions). They are checked when
        // they apply, like any new change. At most one message's worth (256 KiB), so a peer
        // cannot pile up changes that never apply.
        if message.len() <= MAX_QUEUED_MESSAGE_BYTES
            && doc.get_missing_deps(&[]).is_empty()
            && !fork.get_missing_deps(&[]).is_empty()
        {
            fork.set_actor(doc.get_actor().clone());
            *doc = fork;
        }
        *state = fork_state;
        return Ok(None);
    }
    Ok(Some(Received {
        before,
        fork,
        fork_state,
        new_changes,
    }))
}

fn generate_message(doc: &mut AutoCommit, state: &mut sync::State) -> Option<(Vec<u8>, bool)> {
    doc.sync().generate_sync_message(state).map(|m| {
        let carries = !m.changes.is_empty();
        (m.encode(), carries)
    })
}

fn prime_state(doc: &mut AutoCommit, state: &mut sync::State, their_heads: &[ChangeHash]) -> bool {
    let mut ours = doc.get_heads();
    let mut theirs = their_heads.to_vec();
    ours.sort();
    theirs.sort();
    if ours == theirs {
        state.their_heads = Some(their_heads.to_vec());
        return true;
    }
    if their_heads
        .iter()
        .all(|h| doc.get_change_by_hash(h).is_some())
    {
        // Both ends run this code: a peer that lacks most of the document gets it whole and
        // compressed (Automerge's v2 message) rather than change by change.
        state.their_capabilities = Some(vec![sync::Capability::MessageV2]);
        state.their_heads = Some(their_heads.to_vec());
        state.their_need = Some(vec![]);
        state.their_have = Some(vec![sync::Have {
            last_sync: their_heads.to_vec(),
            bloom: sync::BloomFilter::default(),
        }]);
    }
    false
}

/// Runs Automerge on bytes from outside, turning a panic inside it into an error. Automerge's
/// column decoder (`hexane`) unwraps on some malformed changes (found by fuzzing: `section_doc`,
/// reproducer `fuzz/artifacts/section_doc/crash-ccf71bdb…`); the same decoder reads the changes of
/// a sync message. Callers work on a fork or a fresh document, so nothing half-applied is kept.
fn guarded<T>(f: impl FnOnce() -> Result<T, CoreError>) -> Result<T, CoreError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(CoreError::Document(
            "données Automerge mal formées (décodage interrompu)".into(),
        ))
    })
}

fn guarded_refusal<T>(f: impl FnOnce() -> Result<T, Refusal>) -> Result<T, Refusal> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(Refusal::new(RefusalCode::Malformed)))
}

fn decode_message(bytes: &[u8]) -> Result<sync::Message, CoreError> {
    if bytes.len() > MAX_SYNC_MESSAGE_BYTES {
        return Err(CoreError::TooLarge {
            what: "sync message",
            max: MAX_SYNC_MESSAGE_BYTES,
            actual: bytes.len(),
        });
    }
    let msg = guarded(|| {
        sync::Message::decode(bytes).map_err(|e| CoreError::Malformed {
            what: "sync message",
            detail: e.to_string(),
        })
    })?;
    for chunk in msg.changes.iter() {
        check_chunks(chunk).map_err(|detail| CoreError::Malformed {
            what: "sync message",
            detail,
        })?;
    }
    for have in &msg.have {
        check_bloom(&have.bloom.to_bytes()).map_err(|detail| CoreError::Malformed {
            what: "sync message",
            detail: detail.into(),
        })?;
    }
    Ok(msg)
}

/// At most this many bytes once the DEFLATE-compressed parts of one chunk list (a sync message's
/// changes, a snapshot, an increment) are inflated: 16 times the largest sync message.
const MAX_INFLATED_BYTES: u64 = 16 * MAX_SYNC_MESSAGE_BYTES as u64;

/// Walks the Automerge storage chunks in `bytes` before Automerge parses them and lets through
/// only what honest devices produce: documents (a snapshot, a first sync), changes and
/// compressed changes, with every compressed part inflating to at most [`MAX_INFLATED_BYTES`].
///
/// Why: Automerge trusts sizes it reads. A crafted "bundle" chunk (an experimental format no
/// livret device ever writes or sends) of 718 bytes made `load_incremental` allocate more than
/// 8 GiB (found by fuzzing: `section_doc`, reproducers `fuzz/artifacts/section_doc/oom-*`), and
/// a DEFLATE stream can inflate a thousandfold. Both are refused here, with a message.
fn check_chunks(mut bytes: &[u8]) -> Result<(), String> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut inflated = 0u64;
    while !bytes.is_empty() {
        let rest = bytes
            .strip_prefix(&MAGIC)
            .ok_or("bloc Automerge sans en-tête valide")?;
        // 4 bytes of checksum, then the chunk type and the length of its data.
        let (&kind, mut rest) = rest
            .get(4..)
            .and_then(<[u8]>::split_first)
            .ok_or("bloc Automerge tronqué")?;
        let len = leb128(&mut rest).ok_or("longueur de bloc Automerge illisible")?;
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= rest.len())
            .ok_or("bloc Automerge tronqué")?;
        let (data, next) = rest.split_at(len);
        match kind {
            0 => check_document_columns(data, &mut inflated)?,
            1 => {}
            2 => inflate_bounded(data, &mut inflated)?,
            3 => return Err("lot de modifications Automerge (« bundle ») refusé : aucun appareil livret n'en produit".into()),
            other => return Err(format!("type de bloc Automerge inconnu ({other})")),
        }
        bytes = next;
    }
    Ok(())
}

/// The columns of a document chunk: those marked DEFLATE must inflate within the budget.
/// Layout (Automerge binary format): actors, heads, change column specs, op column specs, then
/// the column data in that order.
fn check_document_columns(mut data: &[u8], inflated: &mut u64) -> Result<(), String> {
    const MALFORMED: &str = "document Automerge mal formé";
    let actors = leb128(&mut data).ok_or(MALFORMED)?;
    for _ in 0..actors {
        let len = leb128(&mut data).ok_or(MALFORMED)?;
        data = usize::try_from(len)
            .ok()
            .and_then(|l| data.get(l..))
            .ok_or(MALFORMED)?;
    }
    let heads = leb128(&mut data).ok_or(MALFORMED)?;
    data = usize::try_from(heads)
        .ok()
        .and_then(|n| n.checked_mul(32))
        .and_then(|l| data.get(l..))
        .ok_or(MALFORMED)?;
    let mut columns = Vec::new();
    for _ in 0..2 {
        let count = leb128(&mut data).ok_or(MALFORMED)?;
        for _ in 0..count {
            let spec = leb128(&mut data).ok_or(MALFORMED)?;
            let len = leb128(&mut data).ok_or(MALFORMED)?;
            columns.push((spec, usize::try_from(len).map_err(|_| MALFORMED)?));
            if columns.len() > data.len() {
                // Each column spec takes at least two bytes: a count this large is a lie.
                return Err(MALFORMED.into());
            }
        }
    }
    for (spec, len) in columns {
        let column = data.get(..len).ok_or(MALFORMED)?;
        data = &data[len..];
        if spec & 0b1000 != 0 {
            inflate_bounded(column, inflated)?;
        }
    }
    Ok(())
}

/// Inflates `deflated` into a sink, failing once the running total passes the budget.
fn inflate_bounded(deflated: &[u8], inflated: &mut u64) -> Result<(), String> {
    use std::io::Read;
    let budget = MAX_INFLATED_BYTES.saturating_sub(*inflated);
    let mut decoder = flate2::bufread::DeflateDecoder::new(deflated).take(budget + 1);
    let n = std::io::copy(&mut decoder, &mut std::io::sink())
        .map_err(|_| "données compressées Automerge illisibles".to_string())?;
    if n > budget {
        return Err(format!(
            "données Automerge trop grandes une fois décompressées (plus de {MAX_INFLATED_BYTES} octets)"
        ));
    }
    *inflated += n;
    Ok(())
}

/// Reads one unsigned LEB128 number (at most 64 bits).
fn leb128(input: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Automerge trusts the parameters of a peer's Bloom filter: zero bits per entry makes
/// `generate_sync_message` divide by zero (a panic, found by fuzzing: `section_sync`), and a
/// huge probe count makes it allocate gigabytes (an abort). Only sane filters are let through:
/// empty, or at least one entry, 1 to 64 bits per entry and 1 to 64 probes (Automerge writes
/// 10 and 7).
fn check_bloom(bytes: &[u8]) -> Result<(), &'static str> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut input = bytes;
    let (Some(entries), Some(bits), Some(probes)) =
        (leb128(&mut input), leb128(&mut input), leb128(&mut input))
    else {
        return Err("filtre de Bloom illisible");
    };
    if entries == 0 || !(1..=64).contains(&bits) || !(1..=64).contains(&probes) || input.is_empty()
    {
        return Err("filtre de Bloom aux paramètres invalides");
    }
    Ok(())
}

/// [`decode_value`] of a value as a map's range gives it.
fn decode_value_ref(v: &automerge::ValueRef<'_>) -> Result<SignedEntry, CoreError> {
    match v {
        automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(b)) => {
            SignedEntry::from_bytes(b)
        }
        automerge::ValueRef::Scalar(_) => Err(CoreError::Malformed {
            what: "entry",
            detail: "not a byte string".into(),
        }),
        automerge::ValueRef::Object(_) => Err(CoreError::Malformed {
            what: "entry",
            detail: "an object where an entry was expected".into(),
        }),
    }
}

fn decode_value(v: &Value<'_>) -> Result<SignedEntry, CoreError> {
    match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Bytes(b) => SignedEntry::from_bytes(b),
            _ => Err(CoreError::Malformed {
                what: "entry",
                detail: "not a byte string".into(),
            }),
        },
        Value::Object(_) => Err(CoreError::Malformed {
            what: "entry",
            detail: "an object where an entry was expected".into(),
        }),
    }
}

/// Every operation of every new change must put a byte string at, or delete, a root key.
/// Checks that every operation puts a byte string (or deletes) at a root key, and returns, for
/// each key touched, every value put there: a value overwritten later in the same batch still
/// stays in the document's history, so it is checked like the final one.
fn check_operations(
    changes: &[automerge::Change],
) -> Result<BTreeMap<String, Vec<Vec<u8>>>, Refusal> {
    use automerge::legacy::{Key, ObjectId, OpType};
    let mut touched: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for change in changes {
        for op in change.decode().operations {
            if op.obj != ObjectId::Root || op.insert {
                return Err(Refusal::new(RefusalCode::Malformed));
            }
            let Key::Map(key) = &op.key else {
                return Err(Refusal::new(RefusalCode::Malformed));
            };
            let puts = touched.entry(key.to_string()).or_default();
            match &op.action {
                OpType::Put(ScalarValue::Bytes(b)) => puts.push(b.clone()),
                OpType::Delete => {}
                _ => return Err(Refusal::new(RefusalCode::BadEntry).at(key)),
            }
        }
    }
    Ok(touched)
}

fn check_touched_keys(
    fork: &mut AutoCommit,
    before: &[ChangeHash],
    touched: &BTreeMap<String, Vec<Vec<u8>>>,
    check: &dyn WriteCheck,
) -> Result<(), Refusal> {
    let (livret, section) = check.place();
    let sender = check.sender();
    // What arrives is verified one signature at a time, strictly: a plain batch equation can
    // accept a signature strict verification refuses (a torsion component its author put in
    // on purpose), and what one device accepted and another refused would stall their syncs.
    // A batch that accepts exactly what strict verification accepts
    // (`identity::verify_signatures_batch_strict`) must prove every R torsion-free, a scalar
    // multiplication each: measured slower than strict verification one by one (BENCHMARKS.md,
    // « Issue 17, third step »). Stored entries, all strictly verified on arrival, are re-read
    // in plain batches ([`SectionDoc::checked_entries`]).
    for (key, puts) in touched {
        let old: Vec<Vec<u8>> = fork
            .get_all_at(ROOT, key.as_str(), before)
            .map_err(|_| Refusal::new(RefusalCode::Malformed))?
            .iter()
            .filter_map(|(v, _)| v.as_bytes().map(|b| b.to_vec()))
            .collect();
        let new: Vec<Vec<u8>> = fork
            .get_all(ROOT, key.as_str())
            .map_err(|_| Refusal::new(RefusalCode::Malformed))?
            .iter()
            .filter_map(|(v, _)| v.as_bytes().map(|b| b.to_vec()))
            .collect();
        // Values put and overwritten within the batch: kept in history, so checked too.
        for bytes in puts.iter().filter(|b| !old.contains(b) && !new.contains(b)) {
            let entry = SignedEntry::from_bytes(bytes)
                .map_err(|_| Refusal::new(RefusalCode::BadEntry).at(key))?;
            let (opened, verification) = entry.verify_at(livret, section, key, |_| true);
            let Some(opened) = opened.filter(|_| verification == Verification::Valid) else {
                return Err(Refusal::new(RefusalCode::BadEntry).at(key));
            };
            if !check.may_author(&opened.payload.author_id(), opened.payload.time) {
                return Err(Refusal::new(RefusalCode::AuthorMayNotWrite).at(key));
            }
            check
                .check_content(&opened)
                .map_err(|why| Refusal::new(RefusalCode::Content).at(key).detail(why))?;
        }
        let mut new_authors = Vec::new();
        for bytes in new.iter().filter(|b| !old.contains(b)) {
            let entry = SignedEntry::from_bytes(bytes)
                .map_err(|_| Refusal::new(RefusalCode::BadEntry).at(key))?;
            let (opened, verification) = entry.verify_at(livret, section, key, |_| true);
            let opened = match (opened, verification) {
                (Some(o), Verification::Valid) => o,
                (_, Verification::Invalid(why)) => {
                    return Err(Refusal::new(RefusalCode::BadEntry).at(key).detail(why))
                }
                _ => return Err(Refusal::new(RefusalCode::BadEntry).at(key)),
            };
            let author = opened.payload.author_id();
            if !check.may_author(&author, opened.payload.time) {
                return Err(Refusal::new(RefusalCode::AuthorMayNotWrite)
                    .at(key)
                    .detail(author.short()));
            }
            check
                .check_content(&opened)
                .map_err(|why| Refusal::new(RefusalCode::Content).at(key).detail(why))?;
            new_authors.push((author, opened.payload.time));
        }
        if check.sender_is_owner() {
            continue;
        }
        // A value of another author's entry relayed by the sender must be strictly newer than
        // every value of that author already under the key, also when put concurrently (the
        // old value then stays beside it): no rollback to an older signed version, and no
        // variant of the same signed entry (another certificate) from anyone but its author.
        for (author, time) in new_authors.iter().filter(|(a, _)| *a != sender) {
            let stale = old.iter().any(|b| {
                SignedEntry::from_bytes(b)
                    .and_then(|e| e.payload_unverified())
                    .is_ok_and(|p| p.author_id() == *author && p.time >= *time)
            });
            if stale {
                return Err(Refusal::new(RefusalCode::Rollback).at(key));
            }
        }
        for bytes in old.iter().filter(|b| !new.contains(b)) {
            // A value disappeared: only its own author may replace or delete it. A value of
            // another author's relayed by the sender must be strictly newer than the one it
            // replaces, so that a peer holding an older signed version cannot roll it back.
            let author = SignedEntry::from_bytes(bytes)
                .and_then(|e| e.payload_unverified())
                .map(|p| (p.author_id(), p.time))
                .ok();
            let allowed = match author {
                Some((a, t)) => {
                    new_authors
                        .iter()
                        .any(|(na, nt)| *na == a && (a == sender || *nt > t))
                        || (new_authors.is_empty() && a == sender && check.sender_may_write())
                }
                None => false,
            };
            if !allowed {
                return Err(Refusal::new(RefusalCode::OtherAuthorsEntry).at(key));
            }
        }
    }
    Ok(())
}

/// The manifest of a livret as an Automerge document: signed records (genesis, owners, grants,
/// revocations) under their keys. It only grows: a record is never replaced nor deleted, so
/// merging two owners' manifests is the union of what both signed.
pub struct ManifestDoc {
    doc: AutoCommit,
    saved: Vec<ChangeHash>,
}

livret_document!(ManifestDoc);

impl ManifestDoc {
    /// Loads from a snapshot and increments.
    pub fn load(snapshot: &[u8], increments: &[Vec<u8>]) -> Result<ManifestDoc, CoreError> {
        let s = SectionDoc::load(snapshot, increments)?;
        Ok(ManifestDoc {
            doc: s.doc,
            saved: s.saved,
        })
    }

    /// Adds a signed record (no-op if that exact record is already there).
    pub fn add(
        &mut self,
        record: &crate::grant::ManifestRecord,
        bytes: &[u8],
    ) -> Result<(), CoreError> {
        use automerge::transaction::Transactable;
        let key = record.key();
        if let Ok(Some((Value::Scalar(s), _))) = self.doc.get(ROOT, key.as_str()) {
            if let ScalarValue::Bytes(b) = s.as_ref() {
                if b.as_slice() == bytes {
                    return Ok(());
                }
            }
        }
        self.doc
            .put(ROOT, key.as_str(), ScalarValue::Bytes(bytes.to_vec()))
            .map_err(|e| CoreError::Document(e.to_string()))?;
        self.doc.commit();
        Ok(())
    }

    /// Every record `(key, bytes)`, including concurrent values under one key.
    pub fn records(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for key in self.doc.keys(ROOT) {
            if let Ok(all) = self.doc.get_all(ROOT, key.as_str()) {
                for (v, _) in all {
                    if let Some(b) = v.as_bytes() {
                        out.push((key.clone(), b.to_vec()));
                    }
                }
            }
        }
        out
    }

    /// The manifest these records make.
    pub fn manifest(&self) -> Result<crate::grant::Manifest, CoreError> {
        let records = self.records();
        crate::grant::Manifest::from_records(
            records.iter().map(|(k, v)| (k.as_str(), v.as_slice())),
        )
    }

    /// Receives a sync message from another owner: every new value must be a record that
    /// verifies under its key and is signed by a key the merged manifest ever made an owner
    /// (from the creator outwards; [`crate::grant::Manifest::from_records`] then decides what
    /// each record counts for); nothing may be deleted. All or nothing.
    pub fn receive_checked(
        &mut self,
        state: &mut sync::State,
        message: &[u8],
        livret: LivretId,
    ) -> Result<usize, Refusal> {
        guarded_refusal(|| self.receive_checked_unguarded(state, message, livret))
    }

    fn receive_checked_unguarded(
        &mut self,
        state: &mut sync::State,
        message: &[u8],
        livret: LivretId,
    ) -> Result<usize, Refusal> {
        let Some(Received {
            before: _,
            mut fork,
            fork_state,
            new_changes,
        }) = receive_into_fork(&mut self.doc, state, message)?
        else {
            return Ok(0);
        };
        use automerge::legacy::OpType;
        for change in &new_changes {
            for op in change.decode().operations {
                if matches!(op.action, OpType::Delete) || !op.pred.is_empty() {
                    return Err(Refusal::new(RefusalCode::ManifestRewrite));
                }
            }
        }
        let touched = check_operations(&new_changes)?;
        let merged = ManifestDoc {
            doc: fork.fork(),
            saved: vec![],
        };
        let manifest = merged
            .manifest()
            .map_err(|_| Refusal::new(RefusalCode::BadManifest))?;
        if manifest.livret() != livret {
            return Err(Refusal::new(RefusalCode::BadManifest));
        }
        for key in touched.keys() {
            for (v, _) in fork
                .get_all(ROOT, key.as_str())
                .map_err(|_| Refusal::new(RefusalCode::Malformed))?
            {
                let Some(bytes) = v.as_bytes() else {
                    return Err(Refusal::new(RefusalCode::Malformed).at(key));
                };
                let record = crate::grant::ManifestRecord::open(key, bytes)
                    .map_err(|_| Refusal::new(RefusalCode::BadManifest).at(key))?;
                // Every signer must have been made an owner from the creator outwards; whether
                // what it signed counts (a revoked device, a replaced recovery key) is the
                // manifest's decision, the same on every device, so owner devices converge.
                let signer = record.signer();
                if !manifest.owners_ever().contains_key(&signer) {
                    return Err(Refusal::new(RefusalCode::NotOwner).at(key));
                }
            }
            // Two owner records for one key that disagree on whom they make an owner (another
            // parent, a device of which parent, the recovery key) would let the order of
            // Automerge's values decide who may revoke that owner: refused.
            if key.starts_with("owner/") {
                let mut kinds = std::collections::BTreeSet::new();
                for (v, _) in fork
                    .get_all(ROOT, key.as_str())
                    .map_err(|_| Refusal::new(RefusalCode::Malformed))?
                {
                    if let Some(Ok(o)) = v
                        .as_bytes()
                        .map(<crate::grant::OwnerRecord as crate::SignedRecord>::open)
                    {
                        let parent = match o.kind {
                            crate::grant::OwnerKind::Device => {
                                manifest.parent_of(&DeviceId(o.issuer))
                            }
                            _ => None,
                        };
                        kinds.insert((o.kind, parent));
                    }
                }
                if kinds.len() > 1 {
                    return Err(Refusal::new(RefusalCode::BadManifest).at(key));
                }
            }
        }
        let n = new_changes.len();
        fork.set_actor(self.doc.get_actor().clone());
        self.doc = fork;
        *state = fork_state;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{digest_text, Content};
    use crate::identity::DeviceSecret;
    use crate::SignedRecord;
    use proptest::prelude::*;

    const LIVRET: LivretId = LivretId([4; 16]);

    fn entry(author: &DeviceSecret, code: &str, level: u8, text: &str) -> (String, SignedEntry) {
        crate::entry::subject_entry_for_tests(author, LIVRET, code, level, text, 1)
    }

    /// Every value under every key, in a canonical order.
    fn content_of(doc: &SectionDoc) -> Vec<(String, Vec<Vec<u8>>)> {
        doc.entries()
            .into_iter()
            .map(|s| {
                let mut v: Vec<Vec<u8>> = s
                    .values
                    .into_iter()
                    .flatten()
                    .map(|e| e.to_bytes())
                    .collect();
                v.sort();
                (s.key, v)
            })
            .collect()
    }

    /// A real bundle of a real document's changes: Automerge reads it, livret refuses it (as an
    /// increment and inside a sync message), because crafted bundles are memory bombs.
    #[test]
    fn bundles_are_refused_before_automerge_reads_them() {
        let author = DeviceSecret::from_bytes(&[7; 32]);
        let mut doc = SectionDoc::new();
        let (key, e) = entry(&author, "FRANC", 3, "Bon travail.");
        doc.put(&key, &e).unwrap();
        let heads = doc.heads();
        let bundle = doc.doc.document().bundle(heads).unwrap().bytes().to_vec();
        let mut plain = AutoCommit::new();
        plain.load_incremental(&bundle).unwrap();
        let err = SectionDoc::load(&[], std::slice::from_ref(&bundle)).unwrap_err();
        assert!(err.to_string().contains("bundle"), "{err}");

        let msg = sync::Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: bundle.into(),
            flags: None,
            version: sync::MessageVersion::V2,
        };
        let mut target = SectionDoc::new();
        let before = target.save();
        let id = author.device_id();
        let rules = Rules {
            sender: id,
            owner: id,
            writers: vec![],
        };
        let refusal = target
            .receive_checked(&mut sync::State::new(), &msg.encode(), &rules)
            .unwrap_err();
        assert_eq!(refusal.code, RefusalCode::Malformed, "{refusal}");
        assert_eq!(target.save(), before);
    }

    /// A compressed change that inflates past the budget (64 MiB of zeros in 64 KiB) is refused
    /// before Automerge inflates it; an honest document, saved with compressed columns, passes.
    #[test]
    fn deflate_bombs_are_refused_and_honest_documents_pass() {
        use std::io::Write;
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..=(MAX_INFLATED_BYTES >> 20) {
            encoder.write_all(&zeros).unwrap();
        }
        let deflated = encoder.finish().unwrap();
        let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
        let mut len = deflated.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                chunk.push(byte);
                break;
            }
            chunk.push(byte | 0x80);
        }
        chunk.extend_from_slice(&deflated);
        let err = check_chunks(&chunk).unwrap_err();
        assert!(err.contains("décompressées"), "{err}");
        assert!(SectionDoc::load(&[], &[chunk]).is_err());

        let author = DeviceSecret::from_bytes(&[7; 32]);
        let mut doc = SectionDoc::new();
        for i in 0..40 {
            let text = format!("Appréciation numéro {i} : des progrès réguliers en lecture.");
            let (key, e) = entry(&author, &format!("D{i:03}"), 3, &text);
            doc.put(&key, &e).unwrap();
        }
        let snapshot = doc.save();
        check_chunks(&snapshot).unwrap();
        assert_eq!(SectionDoc::load(&snapshot, &[]).unwrap().keys().len(), 40);
    }

    #[test]
    fn truncated_or_foreign_chunks_are_refused() {
        assert!(check_chunks(&[]).is_ok());
        assert!(check_chunks(b"not automerge").is_err());
        assert!(check_chunks(&[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 10, 1]).is_err());
        assert!(check_chunks(&[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 9, 0]).is_err());
        // A document claiming 2^62 columns.
        let mut doc = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0, 12, 0, 0];
        doc.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x08]);
        assert!(check_chunks(&doc).is_err());
    }

    fn sync_pair(a: &mut SectionDoc, b: &mut SectionDoc) {
        let (mut sa, mut sb) = (sync::State::new(), sync::State::new());
        for _ in 0..20 {
            let ma = a.generate_sync_message(&mut sa);
            let mb = b.generate_sync_message(&mut sb);
            if ma.is_none() && mb.is_none() {
                break;
            }
            if let Some((m, _)) = ma {
                b.receive_unchecked(&mut sb, &m).unwrap();
            }
            if let Some((m, _)) = mb {
                a.receive_unchecked(&mut sa, &m).unwrap();
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Put {
            replica: bool,
            subject: u8,
            level: u8,
        },
        Delete {
            replica: bool,
            subject: u8,
        },
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<bool>(), 0u8..5, 1u8..5).prop_map(|(replica, subject, level)| Edit::Put {
                replica,
                subject,
                level
            }),
            (any::<bool>(), 0u8..5)
                .prop_map(|(replica, subject)| Edit::Delete { replica, subject }),
        ]
    }

    /// A writer whose stored copy changed under it (another writer appended) appends its whole
    /// document as an increment rather than replacing the copy (`batch.rs`): loading merges
    /// both, nothing of the other writer's is lost.
    #[test]
    fn a_whole_document_appended_as_an_increment_merges_with_the_others() {
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let (k1, e1) = entry(&t1, "FRANCS", 3, "un");
        let (k2, e2) = entry(&t1, "MATHEM", 2, "deux");
        let (k3, e3) = entry(&t1, "HISGEO", 4, "trois");
        let mut base = SectionDoc::new();
        base.put(&k1, &e1).unwrap();
        let snapshot = base.save_for_store();
        let mut mine = SectionDoc::load(&snapshot, &[]).unwrap();
        mine.put(&k2, &e2).unwrap();
        let mut other = SectionDoc::load(&snapshot, &[]).unwrap();
        other.put(&k3, &e3).unwrap();
        let theirs = other.save_incremental();
        let loaded = SectionDoc::load(&snapshot, &[theirs, mine.save_for_store()]).unwrap();
        let mut keys = vec![k1, k2, k3];
        keys.sort();
        assert_eq!(loaded.keys(), keys);
    }

    const SUBJECTS: [&str; 5] = ["FRANCS", "MATHEM", "HISGEO", "ANGLV1", "PHYCHI"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Random concurrent edits on two replicas merge to the same content, in either order.
        #[test]
        fn replicas_converge_whatever_the_merge_order(edits in proptest::collection::vec(edit(), 0..24)) {
            let t1 = DeviceSecret::from_bytes(&[1; 32]);
            let t2 = DeviceSecret::from_bytes(&[2; 32]);
            let mut base = SectionDoc::new();
            let (k, e) = entry(&t1, "FRANCS", 2, "départ");
            base.put(&k, &e).unwrap();
            let snapshot = base.save();
            let mut a = SectionDoc::load(&snapshot, &[]).unwrap();
            let mut b = SectionDoc::load(&snapshot, &[]).unwrap();
            for ed in &edits {
                match ed {
                    Edit::Put { replica, subject, level } => {
                        let who = if *replica { &t1 } else { &t2 };
                        let (k, e) = entry(who, SUBJECTS[*subject as usize], *level, "texte");
                        if *replica { a.put(&k, &e).unwrap() } else { b.put(&k, &e).unwrap() }
                    }
                    Edit::Delete { replica, subject } => {
                        let k = format!("bilan/1-3/{}", SUBJECTS[*subject as usize]);
                        let d = if *replica { &mut a } else { &mut b };
                        if d.get(&k).is_some() { d.delete(&k).unwrap(); }
                    }
                }
            }
            // Order 1: a absorbs b. Order 2: b absorbs a (on copies).
            let (sa, sb) = (a.save(), b.save());
            let mut a1 = SectionDoc::load(&sa, &[]).unwrap();
            let mut b1 = SectionDoc::load(&sb, &[]).unwrap();
            sync_pair(&mut a1, &mut b1);
            let mut b2 = SectionDoc::load(&sb, &[]).unwrap();
            let mut a2 = SectionDoc::load(&sa, &[]).unwrap();
            sync_pair(&mut b2, &mut a2);
            prop_assert_eq!(content_of(&a1), content_of(&b1));
            prop_assert_eq!(content_of(&a1), content_of(&b2));
            prop_assert_eq!(content_of(&a2), content_of(&b2));
        }
    }

    struct Rules {
        sender: DeviceId,
        owner: DeviceId,
        writers: Vec<DeviceId>,
    }

    impl WriteCheck for Rules {
        fn place(&self) -> (LivretId, Section) {
            (LIVRET, Section::Annee(2025))
        }
        fn sender(&self) -> DeviceId {
            self.sender
        }
        fn sender_is_owner(&self) -> bool {
            self.sender == self.owner
        }
        fn sender_may_write(&self) -> bool {
            self.writers.contains(&self.sender) || self.sender == self.owner
        }
        fn may_author(&self, author: &DeviceId, _time: i64) -> bool {
            self.writers.contains(author) || *author == self.owner
        }
        fn check_content(&self, entry: &OpenedEntry) -> Result<(), String> {
            crate::content::check(entry)
        }
    }

    /// Syncs `from` into `to` with checks; returns the first refusal.
    fn push(from: &mut SectionDoc, to: &mut SectionDoc, rules: &Rules) -> Result<(), Refusal> {
        let (mut sf, mut st) = (sync::State::new(), sync::State::new());
        for _ in 0..20 {
            let mf = from.generate_sync_message(&mut sf);
            let mt = to.generate_sync_message(&mut st);
            if mf.is_none() && mt.is_none() {
                return Ok(());
            }
            if let Some((m, _)) = mf {
                to.receive_checked(&mut st, &m, rules)?;
            }
            if let Some((m, _)) = mt {
                from.receive_unchecked(&mut sf, &m)
                    .map_err(|_| Refusal::new(RefusalCode::Malformed))?;
            }
        }
        Ok(())
    }

    /// A change that arrives before its dependency (a Bloom filter false positive on the
    /// sender's side) waits in Automerge's queue and applies, checked, when the dependency
    /// comes: it is not dropped (the sender would never send it again: 64-turn sessions).
    #[test]
    fn a_change_arriving_before_its_dependency_is_kept_until_it_applies() {
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let rules = Rules {
            sender: t1.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        let mut teacher = SectionDoc::new();
        let (k1, e1) = entry(&t1, "FRANCS", 3, "Premier.");
        let (k2, e2) = entry(&t1, "MATHEM", 2, "Second.");
        teacher.put(&k1, &e1).unwrap();
        teacher.put(&k2, &e2).unwrap();
        let changes = teacher.doc.get_changes(&[]);
        assert_eq!(changes.len(), 2);
        let (x, y) = (changes[0].clone(), changes[1].clone());
        let message = |c: &automerge::Change, heads: Vec<ChangeHash>| {
            sync::Message {
                heads,
                need: vec![],
                have: vec![],
                changes: c.raw_bytes().to_vec().into(),
                flags: None,
                version: sync::MessageVersion::V1,
            }
            .encode()
        };
        let mut fam = SectionDoc::new();
        let mut state = sync::State::new();
        let heads = vec![y.hash()];
        // Y first: nothing applies yet.
        let n = fam
            .receive_checked(&mut state, &message(&y, heads.clone()), &rules)
            .unwrap();
        assert_eq!(n, 0);
        assert!(fam.keys().is_empty());
        // Then X: both apply, both checked.
        let n = fam
            .receive_checked(&mut state, &message(&x, heads), &rules)
            .unwrap();
        assert_eq!(n, 2);
        let mut keys = fam.keys();
        keys.sort();
        let mut want = vec![k1, k2];
        want.sort();
        assert_eq!(keys, want);
    }

    /// A value written then overwritten before a sync stays in the document's history: it is
    /// checked like the final value (a sensitive text, or bytes that are no entry, hidden under
    /// a clean entry are refused whole).
    #[test]
    fn values_overwritten_within_a_batch_are_checked_too() {
        use automerge::transaction::Transactable;
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let rules = Rules {
            sender: t1.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        let (k, clean) = entry(&t1, "FRANCS", 3, "Bon travail.");
        let (_, hidden) = entry(&t1, "FRANCS", 3, "Il bénéficie d'un PPS.");
        let garbage = b"pas une inscription".to_vec();
        for first in [hidden.to_bytes(), garbage] {
            let mut fam = SectionDoc::new();
            let mut teacher = SectionDoc::new();
            teacher
                .doc
                .put(ROOT, k.as_str(), ScalarValue::Bytes(first))
                .unwrap();
            teacher.doc.commit();
            teacher.put(&k, &clean).unwrap();
            assert!(!teacher.history_bytes().is_empty());
            let refusal = push(&mut teacher, &mut fam, &rules).unwrap_err();
            assert_eq!(refusal.key.as_deref(), Some(k.as_str()), "{refusal}");
            assert!(fam.keys().is_empty());
        }
        // The clean entry alone passes.
        let mut fam = SectionDoc::new();
        let mut teacher = SectionDoc::new();
        teacher.put(&k, &clean).unwrap();
        push(&mut teacher, &mut fam, &rules).unwrap();
        assert_eq!(fam.keys(), vec![k]);
    }

    /// A batch of many entries is refused at its first bad value in key order, a value put
    /// and overwritten within the batch included, and nothing of it is kept.
    #[test]
    fn a_large_batch_is_refused_at_its_first_bad_value_in_key_order() {
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let rules = Rules {
            sender: t1.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        let codes = [
            "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "ESPLV2", "SVTERR", "PHYCHI", "TECHNO",
            "ARTPLA", "EDMUSI", "EPSPOR", "LATINL",
        ];
        let mut entries: Vec<(String, SignedEntry)> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| entry(&t1, code, 3, &format!("texte {i}")))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let spoil = |e: &SignedEntry| {
            let mut bad = e.clone();
            let n = bad.short_form.len();
            bad.short_form[n - 32] ^= 1;
            bad
        };
        // Two bad signatures: the refusal names the first key.
        let mut teacher = SectionDoc::new();
        for (i, (k, e)) in entries.iter().enumerate() {
            let e = if i == 4 || i == 9 {
                spoil(e)
            } else {
                e.clone()
            };
            teacher.put(k, &e).unwrap();
        }
        let mut fam = SectionDoc::new();
        let refusal = push(&mut teacher, &mut fam, &rules).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::BadEntry);
        assert_eq!(refusal.key.as_deref(), Some(entries[4].0.as_str()));
        assert!(fam.keys().is_empty());
        // A bad value put then overwritten within the batch, after a bad one at a later key:
        // the overwritten one, first in key order, is refused.
        let mut teacher = SectionDoc::new();
        for (i, (k, e)) in entries.iter().enumerate() {
            if i == 2 {
                teacher.put(k, &spoil(e)).unwrap();
            }
            let e = if i == 7 { spoil(e) } else { e.clone() };
            teacher.put(k, &e).unwrap();
        }
        let mut fam = SectionDoc::new();
        let refusal = push(&mut teacher, &mut fam, &rules).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::BadEntry);
        assert_eq!(refusal.key.as_deref(), Some(entries[2].0.as_str()));
        // All good: accepted whole.
        let mut teacher = SectionDoc::new();
        for (k, e) in &entries {
            teacher.put(k, e).unwrap();
        }
        let mut fam = SectionDoc::new();
        push(&mut teacher, &mut fam, &rules).unwrap();
        assert_eq!(fam.keys().len(), entries.len());
    }

    /// One bad signature among good ones in a received batch: the bad one is named, nothing is
    /// kept. (Were signatures skipped, the batch would be accepted.)
    #[test]
    fn a_bad_signature_among_good_ones_is_refused_by_name() {
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let rules = Rules {
            sender: t1.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        let mut teacher = SectionDoc::new();
        for (i, code) in ["FRANCS", "MATHEM", "HISGEO", "ANGLV1", "SVTERR"]
            .iter()
            .enumerate()
        {
            let (k, e) = entry(&t1, code, 3, &format!("texte {i}"));
            teacher.put(&k, &e).unwrap();
        }
        let (bad_key, mut bad) = entry(&t1, "PHYCHI", 2, "altéré");
        // The signature's S (its last 32 bytes), lowest byte: still a canonical scalar, so
        // only the equation can find it wrong.
        let n = bad.short_form.len();
        bad.short_form[n - 32] ^= 1;
        teacher.put(&bad_key, &bad).unwrap();
        let mut fam = SectionDoc::new();
        let refusal = push(&mut teacher, &mut fam, &rules).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::BadEntry);
        assert_eq!(refusal.key.as_deref(), Some(bad_key.as_str()));
        assert!(fam.keys().is_empty());

        // The same batch without the bad entry passes whole.
        let mut clean = SectionDoc::load(&teacher.save(), &[]).unwrap();
        clean.delete(&bad_key).unwrap();
        let mut fam = SectionDoc::new();
        let mut clean_only = SectionDoc::new();
        for stored in clean.entries() {
            if let Some(Ok(v)) = stored.values.into_iter().next() {
                clean_only.put(&stored.key, &v).unwrap();
            }
        }
        push(&mut clean_only, &mut fam, &rules).unwrap();
        assert_eq!(fam.keys().len(), 5);
        // Read back, the bad entry is marked invalid and the others valid.
        let checked = teacher.checked_entries(LIVRET, Section::Annee(2025), &|_| true);
        for c in &checked {
            let valid = c.verification == Verification::Valid;
            assert_eq!(valid, c.key != bad_key, "{}", c.key);
        }
    }

    /// A received entry whose author put a torsion component in its signature's R, chosen so
    /// that a plain batch equation over this batch accepts it: strict verification refuses
    /// it, the batch is refused, the entry named, nothing kept. (Fails if received entries are
    /// verified with a plain batch equation.)
    #[test]
    fn a_signature_with_torsion_among_good_ones_is_refused_by_name() {
        use crate::cose::{Envelope, Kind};
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let rules = Rules {
            sender: t1.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        let good: Vec<(String, SignedEntry)> = ["FRANCS", "MATHEM", "HISGEO", "ANGLV1"]
            .iter()
            .enumerate()
            .map(|(i, code)| entry(&t1, code, 3, &format!("texte {i}")))
            .collect();
        let (bad_key, signed) = entry(&t1, "PHYCHI", 2, "avec torsion");
        let parts = |e: &SignedEntry| {
            let env = Envelope::parse(&e.short_form, Kind::Entry, 4096).unwrap();
            let sig: [u8; 64] = env.signature().try_into().unwrap();
            (t1.device_id(), env.signed_bytes(), sig)
        };
        let tbs = parts(&signed).1;
        let n = signed.short_form.len();
        // The batch's entries in the order it verifies them (by key); a signature the plain
        // equation accepts over them (half the nonces).
        let bad = (0..64u8)
            .map(|nonce| {
                let mut e = signed.clone();
                e.short_form[n - 64..]
                    .copy_from_slice(&crate::identity::sign_with_torsion(&t1, &tbs, nonce));
                e
            })
            .find(|bad| {
                let mut all: Vec<(&String, &SignedEntry)> =
                    good.iter().map(|(k, e)| (k, e)).collect();
                all.push((&bad_key, bad));
                all.sort_by(|a, b| a.0.cmp(b.0));
                let items: Vec<_> = all.iter().map(|(_, e)| parts(e)).collect();
                crate::identity::verify_signatures_batch(&items)
            })
            .expect("a torsion signature the plain batch accepts (1 chance in 2^64 of none)");
        assert!(matches!(bad.open(), Err(CoreError::BadSignature { .. })));
        let mut teacher = SectionDoc::new();
        for (k, e) in &good {
            teacher.put(k, e).unwrap();
        }
        teacher.put(&bad_key, &bad).unwrap();
        let mut fam = SectionDoc::new();
        let refusal = push(&mut teacher, &mut fam, &rules).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::BadEntry);
        assert_eq!(refusal.key.as_deref(), Some(bad_key.as_str()));
        assert!(fam.keys().is_empty());
    }

    #[test]
    fn checked_receive_accepts_granted_writers_and_refuses_the_rest_whole() {
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let t2 = DeviceSecret::from_bytes(&[2; 32]);
        let mut fam = SectionDoc::new();
        let mut teacher = SectionDoc::new();
        let (k, e) = entry(&t1, "FRANCS", 3, "bien");
        teacher.put(&k, &e).unwrap();
        let rules = Rules {
            sender: t1.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        push(&mut teacher, &mut fam, &rules).unwrap();
        assert_eq!(fam.keys(), vec![k.clone()]);

        // t2 (not a writer) sends an entry: refused, nothing kept.
        let mut other = SectionDoc::load(&fam.save(), &[]).unwrap();
        let (k2, e2) = entry(&t2, "MATHEM", 3, "intrus");
        other.put(&k2, &e2).unwrap();
        let before = content_of(&fam);
        let rules2 = Rules {
            sender: t2.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        assert!(push(&mut other, &mut fam, &rules2).is_err());
        assert_eq!(content_of(&fam), before);

        // t2 as a writer deletes t1's entry alongside a legitimate write: refused whole.
        let mut other = SectionDoc::load(&fam.save(), &[]).unwrap();
        other.put(&k2, &e2).unwrap();
        other.delete(&k).unwrap();
        let rules3 = Rules {
            sender: t2.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id(), t2.device_id()],
        };
        assert!(push(&mut other, &mut fam, &rules3).is_err());
        assert_eq!(content_of(&fam), before);

        // A forged entry (t2's key, claiming t1 as author) is refused.
        let mut other = SectionDoc::load(&fam.save(), &[]).unwrap();
        let (_, mut forged) = entry(&t2, "HISGEO", 2, "faux");
        let mut payload = forged.payload_unverified().unwrap();
        payload.author = t1.device_id().0;
        forged.short_form =
            crate::cose::sign(&t2, crate::cose::Kind::Entry, crate::cbor::to_vec(&payload));
        other.put("bilan/1-3/HISGEO", &forged).unwrap();
        assert!(push(&mut other, &mut fam, &rules).is_err());
        assert_eq!(content_of(&fam), before);

        // Raw values that are not signed entries, and nested objects, are refused.
        let mut other = SectionDoc::load(&fam.save(), &[]).unwrap();
        {
            use automerge::transaction::Transactable;
            other
                .doc
                .put(ROOT, "bilan/1-3/HISGEO", "texte brut")
                .unwrap();
            other.doc.commit();
        }
        assert!(push(&mut other, &mut fam, &rules).is_err());
        let mut other = SectionDoc::load(&fam.save(), &[]).unwrap();
        {
            use automerge::transaction::Transactable;
            other
                .doc
                .put_object(ROOT, "x", automerge::ObjType::Map)
                .unwrap();
            other.doc.commit();
        }
        assert!(push(&mut other, &mut fam, &rules).is_err());
        assert_eq!(content_of(&fam), before);
    }

    /// Fuzzing (`section_sync`, reproducer `fuzz/artifacts/section_sync/crash-c15cfef3…`):
    /// a sync message whose Bloom filter has zero bits per entry made the next
    /// `generate_sync_message` divide by zero; a huge probe count would allocate gigabytes.
    #[test]
    fn sync_messages_with_insane_bloom_filters_are_refused() {
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let rules = Rules {
            sender: t1.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id()],
        };
        let mut teacher = SectionDoc::new();
        let (k, e) = entry(&t1, "FRANCS", 3, "bien");
        teacher.put(&k, &e).unwrap();
        let (first, _) = teacher
            .generate_sync_message(&mut sync::State::new())
            .unwrap();
        for bloom in [
            &[1u8, 0, 7][..],
            &[1, 10, 0, 0xff, 0xff][..],
            &[1, 8, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff][..],
        ] {
            let mut msg = sync::Message::decode(&first).unwrap();
            msg.have[0].bloom = sync::BloomFilter::try_from(bloom).unwrap();
            let bad = msg.encode();
            let mut fam = SectionDoc::new();
            let (k, e) = entry(&family, "MUSIQU", 4, "ok");
            fam.put(&k, &e).unwrap();
            let mut state = sync::State::new();
            assert!(fam.receive_checked(&mut state, &bad, &rules).is_err());
            assert!(fam.receive_unchecked(&mut state, &bad).is_err());
            // Nothing of it stayed in the state: the next message is generated safely.
            let _ = fam.generate_sync_message(&mut state);
        }
        // Automerge's own filters pass.
        let mut fam = SectionDoc::new();
        let mut state = sync::State::new();
        fam.receive_checked(&mut state, &first, &rules).unwrap();
        assert!(fam.generate_sync_message(&mut state).is_some());
    }

    /// A peer relaying another author's entry may not put back an older signed version of it.
    #[test]
    fn an_older_version_of_another_authors_entry_is_refused() {
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let t2 = DeviceSecret::from_bytes(&[2; 32]);
        let mut fam = SectionDoc::new();
        let (k, old) = entry(&t1, "FRANCS", 2, "avant");
        fam.put(&k, &old).unwrap();
        let mut newer = old.clone();
        let mut p = newer.payload_unverified().unwrap();
        p.time += 10;
        p.content = match p.content {
            Content::Subject {
                year,
                period,
                code,
                label,
                mark,
                ..
            } => Content::Subject {
                year,
                period,
                code,
                label,
                level: Some(3),
                mark,
                appreciation: digest_text("après"),
                election: None,
                elements: vec![],
                class_average: None,
                not_marked: false,
                class_not_marked: false,
            },
            c => c,
        };
        newer.short_form =
            crate::cose::sign(&t1, crate::cose::Kind::Entry, crate::cbor::to_vec(&p));
        newer.texts = vec!["après".into()];
        fam.put(&k, &newer).unwrap();
        let rules = Rules {
            sender: t2.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id(), t2.device_id()],
        };
        let before = content_of(&fam);
        let mut other = SectionDoc::load(&fam.save(), &[]).unwrap();
        other.put(&k, &old).unwrap();
        assert!(push(&mut other, &mut fam, &rules).is_err());
        assert_eq!(content_of(&fam), before);
        // The author itself may go back to its older text (it could sign it again anyway).
        let rules_t1 = Rules {
            sender: t1.device_id(),
            ..rules
        };
        let mut own = SectionDoc::load(&fam.save(), &[]).unwrap();
        own.put(&k, &old).unwrap();
        push(&mut own, &mut fam, &rules_t1).unwrap();
    }

    /// Concurrent values under one key: the one shown is decided by signed content (the later
    /// signed version), the same on both sides whatever the actors' ids; a non-owner's
    /// concurrent put of an older version of another author's entry is refused (issue 13,
    /// finding 4).
    #[test]
    fn the_value_shown_is_decided_by_signed_content_and_concurrent_rollbacks_are_refused() {
        let family = DeviceSecret::from_bytes(&[9; 32]);
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let t2 = DeviceSecret::from_bytes(&[2; 32]);
        let (k, old) = entry(&t1, "FRANCS", 2, "avant");
        let mut newer = old.clone();
        let mut p = newer.payload_unverified().unwrap();
        p.time += 10;
        newer.short_form =
            crate::cose::sign(&t1, crate::cose::Kind::Entry, crate::cbor::to_vec(&p));
        let mut base = SectionDoc::new();
        base.put(&k, &old).unwrap();
        let snapshot = base.save();
        // Branch a: the author's newer version. Branch b: the older one with other unsigned
        // bytes (a certificate attached), by an actor whose id wins Automerge's tie.
        let mut a = SectionDoc::load(&snapshot, &[]).unwrap();
        a.doc.set_actor(automerge::ActorId::from([0x01u8; 16]));
        a.put(&k, &newer).unwrap();
        let mut b = SectionDoc::load(&snapshot, &[]).unwrap();
        b.doc.set_actor(automerge::ActorId::from([0xffu8; 16]));
        let variant = SignedEntry {
            certificate: Some(vec![1, 2, 3]),
            ..old.clone()
        };
        b.put(&k, &variant).unwrap();
        let b_alone = b.save();
        let (mut a1, mut b1) = (
            SectionDoc::load(&a.save(), &[]).unwrap(),
            SectionDoc::load(&b_alone, &[]).unwrap(),
        );
        sync_pair(&mut a1, &mut b1);
        assert_eq!(a1.entries()[0].values.len(), 2, "both values stay");
        for d in [&a1, &b1] {
            assert_eq!(d.get(&k), Some(newer.clone()));
            assert_eq!(
                d.entries()[0].values[0].as_ref().ok(),
                Some(&newer),
                "shown first"
            );
        }
        // A writer (not the author, not an owner) sending branch b to a copy holding the
        // newer version: refused whole.
        let rules = Rules {
            sender: t2.device_id(),
            owner: family.device_id(),
            writers: vec![t1.device_id(), t2.device_id()],
        };
        let mut fam = SectionDoc::load(&a.save(), &[]).unwrap();
        let before = content_of(&fam);
        let mut from = SectionDoc::load(&b_alone, &[]).unwrap();
        let refusal = push(&mut from, &mut fam, &rules).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::Rollback, "{refusal}");
        assert_eq!(content_of(&fam), before);
        // The author itself may (it could sign anew anyway); the newer one is still shown.
        let rules_t1 = Rules {
            sender: t1.device_id(),
            ..rules
        };
        let mut from = SectionDoc::load(&b_alone, &[]).unwrap();
        push(&mut from, &mut fam, &rules_t1).unwrap();
        assert_eq!(fam.get(&k), Some(newer));
    }

    #[test]
    fn rebuilt_documents_forget_history() {
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let mut doc = SectionDoc::new();
        let (k, e) = entry(&t1, "FRANCS", 3, "Une appréciation à oublier");
        doc.put(&k, &e).unwrap();
        let (k2, e2) = entry(&t1, "FRANCS", 4, "La bonne");
        doc.put(&k2, &e2).unwrap();
        assert_eq!(
            doc.get(&k).map(|e| e.texts[0].clone()).as_deref(),
            Some("La bonne")
        );
        let mut fresh = doc.rebuilt().unwrap();
        // The old value is gone from the new document's history, not just hidden.
        let bytes = fresh.save_nocompress_for_tests();
        assert!(!bytes.windows("oublier".len()).any(|w| w == b"oublier"));
        assert!(bytes.windows("La bonne".len()).any(|w| w == b"La bonne"));
        assert_eq!(fresh.keys(), vec![k]);
    }

    /// Voiding the changes that put some values drops them and every change made on top of
    /// them, and keeps every other change with its hash; the device's own dropped entry is
    /// written again; a copy that never held the voided change syncs with the result to one
    /// value per key.
    #[test]
    fn voided_changes_go_with_what_was_written_on_top_and_the_rest_keeps_its_history() {
        let (me, removed) = (
            DeviceSecret::from_bytes(&[1; 32]),
            DeviceSecret::from_bytes(&[2; 32]),
        );
        let mut a = SectionDoc::new();
        let (k1, e1) = entry(&me, "FRANCS", 3, "Avant");
        a.put(&k1, &e1).unwrap();
        let mut b = SectionDoc::load(&a.save(), &[]).unwrap();
        let before = b.heads();
        let (kx, ex) = entry(&removed, "MATHEM", 2, "Après son retrait");
        a.put(&kx, &ex).unwrap();
        let (k1b, e1b) = entry(&me, "FRANCS", 4, "Par-dessus");
        assert_eq!(k1b, k1);
        a.put(&k1, &e1b).unwrap();
        let author = |e: &SignedEntry| e.payload_unverified().unwrap().author_id();
        let void = |e: &SignedEntry| author(e) == removed.device_id();
        let mut pruned = a.without_changes_putting(void).unwrap().unwrap();
        assert!(pruned.get(&kx).is_none());
        // The version written on top went with it; the first keeps its change.
        assert_eq!(pruned.get(&k1), Some(e1.clone()));
        assert_eq!(pruned.heads(), before);
        let n = pruned
            .put_again(&a, |e| author(e) == me.device_id(), void)
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(pruned.get(&k1), Some(e1b.clone()));
        assert!(b.without_changes_putting(void).unwrap().is_none());
        sync_pair(&mut pruned, &mut b);
        assert_eq!(content_of(&pruned), content_of(&b));
        for (key, values) in content_of(&b) {
            assert_eq!(values.len(), 1, "{key}");
        }
        let bytes = pruned.save_nocompress_for_tests();
        assert!(!bytes
            .windows("Après son retrait".len())
            .any(|w| w == "Après son retrait".as_bytes()));
    }

    /// Erasing an entry drops it and its history; two devices that erase the same entry from
    /// copies differing by one entry still sync, and keep each other's extra entry.
    #[test]
    fn erased_documents_forget_and_still_sync() {
        let t1 = DeviceSecret::from_bytes(&[1; 32]);
        let mut a = SectionDoc::new();
        let (k1, e1) = entry(&t1, "FRANCS", 3, "Un texte à effacer");
        let (k2, e2) = entry(&t1, "MATHEM", 2, "Un texte qui reste");
        a.put(&k1, &e1).unwrap();
        a.put(&k2, &e2).unwrap();
        let mut b = SectionDoc::load(&a.save(), &[]).unwrap();
        let (k3, e3) = entry(&t1, "HISGEO", 4, "Seulement sur B");
        b.put(&k3, &e3).unwrap();

        let mut a2 = a.erased(|k| k == k1).unwrap();
        let mut b2 = b.erased(|k| k == k1).unwrap();
        for d in [&mut a2, &mut b2] {
            let bytes = d.save_nocompress_for_tests();
            assert!(!bytes
                .windows("à effacer".len())
                .any(|w| w == "à effacer".as_bytes()));
            assert!(d.get(&k2).is_some());
        }
        // Same remaining entry, same change: a2's history is inside b2's.
        let head = a2.heads()[0];
        assert!(b2.doc.get_change_by_hash(&head).is_some());
        sync_pair(&mut a2, &mut b2);
        assert_eq!(content_of(&a2), content_of(&b2));
        assert_eq!(a2.keys().len(), 2);
        assert!(a2.get(&k3).is_some() && a2.get(&k1).is_none());
        // Forgetting everything leaves an empty document.
        assert!(a.erased(|_| true).unwrap().keys().is_empty());
    }

    #[test]
    fn contradictory_owner_records_for_one_key_are_refused() {
        use crate::grant::{Genesis, ManifestRecord, OwnerKind, OwnerRecord};
        let mom = DeviceSecret::from_bytes(&[1; 32]);
        let phone = DeviceSecret::from_bytes(&[2; 32]);
        let dad = DeviceSecret::from_bytes(&[3; 32]);
        let (livret, genesis) = Genesis::create(&mom, [7; 16], 1_000);
        let owner = |by: &DeviceSecret, who: &DeviceSecret, kind: OwnerKind| {
            let o = OwnerRecord {
                livret: livret.0,
                owner: who.device_id().0,
                issuer: by.device_id().0,
                name: "x".into(),
                at: 1_001,
                kind,
            };
            let b = o.sign(by);
            (ManifestRecord::Owner(o), b)
        };
        let mut family = ManifestDoc::new();
        let g = ManifestRecord::open("genesis", &genesis).unwrap();
        family.add(&g, &genesis).unwrap();
        let (r, b) = owner(&mom, &phone, OwnerKind::Device);
        family.add(&r, &b).unwrap();
        // The phone's copy, before Dad joined; Mom then adds Dad as another parent.
        let mut rogue = ManifestDoc::load(&family.save(), &[]).unwrap();
        let base = family.heads();
        let (r, b) = owner(&mom, &dad, OwnerKind::Parent);
        family.add(&r, &b).unwrap();
        // The phone writes, concurrently, Dad as one more device of Mom's parent.
        let (r, b) = owner(&phone, &dad, OwnerKind::Device);
        rogue.add(&r, &b).unwrap();
        // Primed with the heads both had, its first message carries the change at once.
        let (mut to_family, mut to_rogue) = (sync::State::new(), sync::State::new());
        rogue.prime(&mut to_family, &base);
        let (m, carries) = rogue.generate_sync_message(&mut to_family).unwrap();
        assert!(carries);
        let refused = family
            .receive_checked(&mut to_rogue, &m, livret)
            .unwrap_err();
        assert_eq!(refused.code, RefusalCode::BadManifest, "{refused}");
        assert!(refused
            .key
            .as_deref()
            .is_some_and(|k| k.starts_with("owner/")));
        let m = family.manifest().unwrap();
        assert_eq!(m.parent_of(&dad.device_id()), Some(dad.device_id()));
    }
}
