//! The rules a batch of changes from a peer is checked by, given the receiving device's
//! manifest, the sender, the receiving device's role towards the livret ([`Mode`]) and the
//! receiving device's own clock at arrival.
//!
//! - **Authors.** An owner's entry is accepted in any open section. A grantee's entry is
//!   accepted only while its author's write grant on that section is in force *at arrival*
//!   (the receiving device's clock, not the signing time the author claims), or within
//!   [`WRITE_GRACE_SECONDS`] after the grant's end for an entry it claims to have signed
//!   before that end. A revoked grant has no grace: from the moment a device knows the
//!   revocation, it accepts no entry under that grant. Between two owner devices (the other
//!   parent relays what it accepted), the author's right is judged at the time it signed
//!   ([`Manifest::may_have_written`]): a revocation takes effect from the moment it was
//!   signed, so an entry signed before it stays valid on every owner device.
//! - **Senders.** A peer that is not an owner sends changes (writes, relays, deletions) only
//!   while it holds a write right on the section itself ([`may_send_changes`]); a reader's
//!   batch is refused whole, and a reader's device does not even try.
//! - **Restoring** from a grantee's copy: the copy is handed over whole, but only entries whose
//!   authors the records received allow in that section are kept (a batch holding any other is
//!   refused whole).

use std::collections::BTreeSet;

use crate::doc::{SectionDoc, WriteCheck};
use crate::entry::{OpenedEntry, SignedEntry};
use crate::error::CoreError;
use crate::grant::{Decision, DenyReason, Manifest, Rights};
use crate::ids::{DeviceId, LivretId};
use crate::section::Section;

/// How long after the end of a grantee's write grant its entries are still accepted, if it
/// signed them before that end: 72 hours. A teacher who wrote the last bilans offline on the
/// grant's last day can still sync them over a weekend; a teacher whose grant ended cannot
/// write later by backdating an entry (the receiving device judges by its own clock), and a
/// revoked grant has no grace at all.
pub const WRITE_GRACE_SECONDS: i64 = 72 * 60 * 60;

/// The receiving device's relation to the livret: which rules a batch is checked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A family (owner) device: every entry's author must be allowed, the sender must hold a
    /// write right unless it is an owner.
    Owner,
    /// A grantee's device: what an owner sends it is taken as the family's word; anything else
    /// follows the owner rules.
    Grantee,
    /// A family device restoring its livret from a grantee's copy (with the recovery key): the
    /// sender need not hold a write right (it hands over a copy), but every entry's author
    /// must be allowed by the records received.
    Restoring,
}

/// May `sender` send changes (writes, relays, deletions) to `section` now, by this manifest?
/// An owner may; a grantee only under a write grant covering the section, not revoked, in force
/// at `now` or ended less than [`WRITE_GRACE_SECONDS`] ago. Anyone else may not.
pub fn may_send_changes(
    manifest: &Manifest,
    sender: &DeviceId,
    section: Section,
    now: i64,
) -> Decision {
    write_right(manifest, sender, section, None, now)
}

/// Whether `key` holds a write grant (on any section) that is in force at `now` or ended less
/// than [`WRITE_GRACE_SECONDS`] ago, not revoked: its device may still hand in its last
/// entries, so its connections are not closed as those of a device whose access ended.
pub fn may_still_send(manifest: &Manifest, key: &DeviceId, now: i64) -> bool {
    let team = manifest.team_grants().any(|g| {
        g.rights == Rights::Write
            && !manifest.team_grant_revoked(g)
            && g.not_before <= now
            && now < g.until.saturating_add(WRITE_GRACE_SECONDS)
            && manifest
                .roster_of(g)
                .is_some_and(|r| r.member(key).is_some())
    });
    team || manifest.grants().any(|g| {
        g.audience_id() == *key
            && g.rights == Rights::Write
            && !g.jury
            && manifest.revocation_of(g).is_none()
            && g.not_before <= now
            && now < g.until.saturating_add(WRITE_GRACE_SECONDS)
    })
}

/// May an entry by `author` that claims to be signed at `signed_at` be accepted in `section`
/// when it arrives at `now` (the receiving device's clock)? See the module's documentation.
pub fn may_write_arriving(
    manifest: &Manifest,
    author: &DeviceId,
    section: Section,
    signed_at: i64,
    now: i64,
) -> Decision {
    write_right(manifest, author, section, Some(signed_at), now)
}

fn write_right(
    manifest: &Manifest,
    key: &DeviceId,
    section: Section,
    signed_at: Option<i64>,
    now: i64,
) -> Decision {
    if !manifest.is_open(section) {
        return Decision::Denied(DenyReason::SectionClosed);
    }
    if manifest.is_owner(key) {
        return Decision::Owner;
    }
    let mut best = DenyReason::NoGrant;
    for g in manifest.grants().filter(|g| g.audience_id() == *key) {
        let in_force_or_grace =
            g.not_before <= now && now < g.until.saturating_add(WRITE_GRACE_SECONDS);
        let signed_within = signed_at.is_none_or(|t| g.covers_time(t));
        let reason = if manifest.revocation_of(g).is_some() {
            DenyReason::Revoked
        } else if !in_force_or_grace || !signed_within {
            DenyReason::OutsidePeriod
        } else if !g.sections.contains(&section) {
            DenyReason::SectionNotGranted
        } else if g.rights != Rights::Write || g.jury {
            DenyReason::ReadOnly
        } else {
            return Decision::Granted(g.grant_id());
        };
        best = more_telling(best, reason);
    }
    // A member of a granted team, by the same rules: a member of the roster in force now
    // (a removed member's later writes count no more, whatever date they claim).
    for g in manifest.team_grants() {
        let Some(roster) = manifest.roster_of(g) else {
            continue;
        };
        if roster.member(key).is_none() {
            continue;
        }
        let in_force_or_grace =
            g.not_before <= now && now < g.until.saturating_add(WRITE_GRACE_SECONDS);
        let signed_within = signed_at.is_none_or(|t| g.covers_time(t) && roster.covers(key, t));
        let reason = if manifest.team_grant_revoked(g) {
            DenyReason::Revoked
        } else if !in_force_or_grace || !signed_within {
            DenyReason::OutsidePeriod
        } else if !g.sections.contains(&section) {
            DenyReason::SectionNotGranted
        } else if g.rights != Rights::Write {
            DenyReason::ReadOnly
        } else {
            return Decision::Granted(g.grant_id());
        };
        best = more_telling(best, reason);
    }
    Decision::Denied(best)
}

fn more_telling(a: DenyReason, b: DenyReason) -> DenyReason {
    fn rank(r: DenyReason) -> u8 {
        match r {
            DenyReason::NoGrant => 0,
            DenyReason::NotTeamMember => 1,
            DenyReason::Revoked => 1,
            DenyReason::OutsidePeriod => 2,
            DenyReason::SectionNotGranted => 3,
            DenyReason::ReadOnly => 4,
            DenyReason::SubjectNotAssigned => 4,
            DenyReason::SectionClosed => 5,
        }
    }
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// The rules one batch from `sender` into one section is checked by (a [`WriteCheck`] for
/// [`crate::doc::SectionDoc::receive_checked`]).
#[derive(Debug, Clone, Copy)]
pub struct BatchRules<'a> {
    /// The receiving device's manifest of the livret.
    pub manifest: &'a Manifest,
    /// The livret.
    pub livret: LivretId,
    /// The section of the document.
    pub section: Section,
    /// The peer that sent the batch (authenticated by the transport).
    pub sender: DeviceId,
    /// The receiving device's relation to the livret.
    pub mode: Mode,
    /// The receiving device's clock when the batch arrived (seconds since 1970).
    pub now: i64,
}

impl BatchRules<'_> {
    fn sent_by_owner(&self) -> bool {
        self.manifest.is_owner(&self.sender)
    }

    /// Whether `author` wrote at `time` as a member of a granted team, by the roster in force
    /// (a member then, a former member before its removal) and the team grant (not revoked
    /// before). What another member relays is judged so: the member that took it from its
    /// author judged it at arrival, and a removed member's earlier entries stay valid.
    fn team_member_wrote(&self, author: &DeviceId, time: i64) -> bool {
        match self.manifest.may_have_written(author, self.section, time) {
            Decision::Granted(id) => self.manifest.team_grants().any(|g| g.grant_id() == id),
            _ => false,
        }
    }
}

impl WriteCheck for BatchRules<'_> {
    fn place(&self) -> (LivretId, Section) {
        (self.livret, self.section)
    }
    fn sender(&self) -> DeviceId {
        self.sender
    }
    fn sender_is_owner(&self) -> bool {
        self.sent_by_owner()
    }
    fn sender_may_write(&self) -> bool {
        match self.mode {
            // A copy handed over for a restore: its entries are judged one by one.
            Mode::Restoring => true,
            // What an owner sends a grantee's device is the family's word.
            Mode::Grantee if self.sent_by_owner() => true,
            Mode::Owner | Mode::Grantee => {
                may_send_changes(self.manifest, &self.sender, self.section, self.now).allowed()
            }
        }
    }
    fn may_author(&self, author: &DeviceId, time: i64) -> bool {
        match self.mode {
            // What an owner sends a grantee's device is the family's word.
            Mode::Grantee if self.sent_by_owner() => true,
            // The other parent relays what its device accepted: the author's right when it
            // signed (a revocation counts from the moment it was signed, not before).
            Mode::Owner if self.sent_by_owner() => self
                .manifest
                .may_have_written(author, self.section, time)
                .allowed(),
            // On a member's device, what a colleague relays was judged when it arrived there:
            // its author's right when it signed.
            Mode::Grantee if *author != self.sender => {
                may_write_arriving(self.manifest, author, self.section, time, self.now).allowed()
                    || self
                        .manifest
                        .may_have_written(author, self.section, time)
                        .allowed()
            }
            _ => {
                may_write_arriving(self.manifest, author, self.section, time, self.now).allowed()
                    || (*author != self.sender && self.team_member_wrote(author, time))
            }
        }
    }
    fn check_content(&self, entry: &OpenedEntry) -> Result<(), String> {
        crate::content::check(entry)?;
        // Under a team grant narrowed to each member's subjects: only its own.
        let subject = crate::content::subject_of(&entry.payload.content);
        if self.manifest.out_of_own_subjects(
            &entry.payload.author_id(),
            self.section,
            entry.payload.time,
            subject.as_ref(),
        ) {
            return Err(DenyReason::SubjectNotAssigned.french().to_string());
        }
        Ok(())
    }
}

/// The copy of a section a device keeps once it goes through erasures: `doc` rebuilt with
/// fresh history (`SectionDoc::erased`) without the entries `forget` names. A family device
/// keeps every other entry. A grantee's device keeps only its own entries: every other one
/// came from a family device, which sends it again at the next session (its newest version,
/// or nothing if the family forgot it). Kept, an entry of another author would come out of
/// the rebuild as a change with no history; if the family holds a newer version of it, that
/// old version becomes a concurrent value the family refuses from a grantee (a rollback of
/// another author's entry, finding 4), and every later batch of that grantee for the section
/// would be refused with it.
pub fn rebuilt_after_erasures(
    doc: &SectionDoc,
    forget: impl Fn(&str) -> bool,
    holding: Holding,
    me: &DeviceId,
) -> Result<SectionDoc, CoreError> {
    let others: BTreeSet<String> = match holding {
        Holding::Owner => BTreeSet::new(),
        Holding::Grantee => doc
            .keys()
            .into_iter()
            .filter(|k| {
                doc.get(k)
                    .and_then(|e| e.payload_unverified().ok())
                    .is_none_or(|p| p.author_id() != *me)
            })
            .collect(),
    };
    doc.erased(|k| forget(k) || others.contains(k))
}

/// On a grantee's device that has just learnt that an owner device was revoked (`after` counts
/// it revoked, `before` did not): its copy of a section without every change that puts an
/// entry of another author, nor any change made on top of one
/// ([`SectionDoc::without_changes_putting`]); this device's own entries that went with them
/// written again ([`SectionDoc::put_again`]). `None` if no owner device was newly revoked, or
/// if the copy holds no entry of another author (in its history included).
///
/// Why everything of the others, and not only the revoked device's entries: from a grantee,
/// the family takes another author's entry only if that author may write *at arrival*, and a
/// removed value only if the grantee itself wrote it (`SectionDoc::receive_checked`). A revoked
/// device may have sent this device changes the family never had, and the family refuses
/// each of them from a grantee, and with it every later batch of the grantee for the section:
/// - its entries, even overwritten or deleted since (a change in the history is sent too,
///   and judged; a revoked device's signing time cannot be trusted);
/// - its deletions and replacements of other authors' entries: a deletion carries no
///   signature, so nothing tells whose it is;
/// - what it relayed from others, such as a teacher's entry under a grant revoked since.
///
/// Every such change puts an entry of another author or was made on top of one (a deletion
/// depends on the change that put what it deletes), so dropping those changes drops them all;
/// this device's own history that depends on nothing else keeps its hashes. The family sends
/// again everything it holds (the revoked device's entries it accepted before the revocation
/// included): nothing is accepted anywhere that was not before, and the revoked device's
/// changes the family never had are lost with it. Run once per revocation learnt (the family's
/// entries come back, so the copy's history depends on them again).
pub fn dropped_revoked_owners_entries(
    doc: &SectionDoc,
    before: &Manifest,
    after: &Manifest,
    me: &DeviceId,
) -> Result<Option<SectionDoc>, CoreError> {
    let newly_revoked = after
        .owners_ever()
        .keys()
        .any(|k| after.is_revoked_owner(k) && !before.is_revoked_owner(k));
    if !newly_revoked {
        return Ok(None);
    }
    let others = |e: &SignedEntry| {
        e.payload_unverified()
            .map_or(true, |p| p.author_id() != *me)
    };
    let Some(mut kept) = doc.without_changes_putting(others)? else {
        return Ok(None);
    };
    kept.put_again(doc, |e| !others(e), others)?;
    Ok(Some(kept))
}

/// On a device holding a section a team was granted (a member's or the family's), once it
/// learnt a newer roster: its copy without every change that puts an entry a former member
/// signed after its removal, nor any change made on top of one
/// ([`SectionDoc::without_changes_putting`]); this device's own entries that went with them
/// written again ([`SectionDoc::put_again`]). `None` if it holds no such change.
///
/// A device took such an entry before it knew the roster; every device that knows it refuses
/// the entry, and with it every later batch carrying it. The rule depends only on the changes
/// held and the roster, and every other change keeps its hash: two devices that know the same
/// roster hold the same history for everything but what one of them voided, so their copies
/// sync as before and end the same, in whatever order the roster reached them (a rebuilt copy,
/// as erasures make, would give the surviving entries a second form, and a colleague holding
/// the first would keep two versions of an entry). What was written on top of a voided change
/// comes back from its author, which voids it too and writes it again.
pub fn dropped_removed_members_entries(
    doc: &SectionDoc,
    manifest: &Manifest,
    me: &DeviceId,
) -> Result<Option<SectionDoc>, CoreError> {
    let rosters: Vec<&crate::team::TeamRoster> = manifest
        .team_grants()
        .filter_map(|g| manifest.roster_of(g))
        .filter(|r| !r.former.is_empty())
        .collect();
    if rosters.is_empty() {
        return Ok(None);
    }
    let late = |e: &crate::entry::SignedEntry| {
        e.payload_unverified().is_ok_and(|p| {
            rosters
                .iter()
                .any(|r| r.removed_before(&p.author_id(), p.time))
        })
    };
    let Some(mut kept) = doc.without_changes_putting(late)? else {
        return Ok(None);
    };
    kept.put_again(
        doc,
        |e| e.payload_unverified().is_ok_and(|p| p.author_id() == *me),
        late,
    )?;
    Ok(Some(kept))
}

/// How a device holds a livret: as one of its owners (the family) or under a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// A family device: an owner of the livret.
    Owner,
    /// A grantee's device (a teacher, a jury): it holds what the family granted it.
    Grantee,
}

/// The read rules of one livret as one device holds it, at one moment: what it may send to a
/// peer, what changes it takes from a peer, what it tells a peer. The session decides by these
/// (and the property test of convergence runs them); `target` is a section, or `None` for the
/// livret's manifest.
///
/// - **Documents.** A family device sends a section to a peer that may read it now
///   ([`Manifest::may_read`]) and its manifest only to another owner. A grantee's device sends
///   only to the livret's owners (what it holds of their livret is theirs), except that two
///   members of a team granted a section sync that section with each other
///   ([`ReadRules::co_member`], [`Manifest::shared_team_grant`]).
/// - **Juries** get anonymized extracts, never the documents, and send nothing back.
/// - **Changes.** A family device takes changes from a non-owner only under a write right
///   ([`may_send_changes`]); a grantee's device sends changes only under its own write right
///   (a reader sends only requests).
/// - **Notices.** A grantee with a live grant (or a write grant within its grace) is told the
///   owner news (owner records and revocations); a grantee all of whose grants ended by
///   revocation is told the revocation.
#[derive(Debug, Clone, Copy)]
pub struct ReadRules<'a> {
    /// This device.
    pub me: DeviceId,
    /// This device's clock (seconds since 1970).
    pub now: i64,
    /// How this device holds the livret.
    pub holding: Holding,
    /// This device's manifest of the livret.
    pub manifest: &'a Manifest,
}

impl ReadRules<'_> {
    /// On a family device: whether `peer`'s only access is a jury grant (it gets anonymized
    /// extracts, never the documents themselves, and writes nothing).
    pub fn jury_peer(&self, peer: &DeviceId) -> bool {
        if self.holding != Holding::Owner || self.manifest.is_owner(peer) {
            return false;
        }
        let live = self.manifest.live_grants_for(peer, self.now);
        !live.is_empty() && live.iter().all(|g| g.jury)
    }

    /// On a jury device: the sections of its live jury grant, if it holds one.
    pub fn my_jury_sections(&self) -> Option<Vec<Section>> {
        if self.holding != Holding::Grantee {
            return None;
        }
        let jury: Vec<Section> = self
            .manifest
            .live_grants_for(&self.me, self.now)
            .iter()
            .filter(|g| g.jury)
            .flat_map(|g| g.sections.iter().copied())
            .collect();
        (!jury.is_empty()).then_some(jury)
    }

    /// May `peer` receive `target` (a section, or the manifest) from this device now?
    pub fn may_send(&self, peer: &DeviceId, target: Option<Section>) -> Decision {
        // Extracts, not documents, go to a jury; a jury sends nothing back.
        if self.jury_peer(peer) || self.my_jury_sections().is_some() {
            return Decision::Denied(DenyReason::ReadOnly);
        }
        match self.holding {
            Holding::Owner => match target {
                None if self.manifest.is_owner(peer) => Decision::Owner,
                None => Decision::Denied(DenyReason::SectionNotGranted),
                Some(s) => self.manifest.may_read(peer, s, self.now),
            },
            Holding::Grantee => match target {
                Some(_) if self.manifest.is_owner(peer) => Decision::Owner,
                // Two members of a team granted the section: they sync it with each other.
                Some(s) => match self.manifest.shared_team_grant(&self.me, peer, s, self.now) {
                    Some(g) => Decision::Granted(g),
                    None => Decision::Denied(DenyReason::NoGrant),
                },
                None => Decision::Denied(DenyReason::NoGrant),
            },
        }
    }

    /// On a team member's device: whether `peer` is a member of a team granted this livret
    /// that this device is a member of too (both under a live team grant): they sync the
    /// sections that grant covers.
    pub fn co_member(&self, peer: &DeviceId) -> bool {
        if self.holding != Holding::Grantee || self.manifest.is_owner(peer) {
            return false;
        }
        let theirs = self.manifest.live_team_grants_for(peer, self.now);
        self.manifest
            .live_team_grants_for(&self.me, self.now)
            .iter()
            .any(|g| theirs.iter().any(|t| t.id == g.id))
    }

    /// On a family device: whether `peer` may still send changes to `section` (a write grant
    /// in force, or ended less than [`WRITE_GRACE_SECONDS`] ago, not revoked), whether or not
    /// it may still read it.
    pub fn may_receive_changes(&self, peer: &DeviceId, section: Section) -> bool {
        self.holding == Holding::Owner
            && !self.jury_peer(peer)
            && may_send_changes(self.manifest, peer, section, self.now).allowed()
    }

    /// Whether this device may send changes to `target`: a family device may; a grantee's
    /// device only under its own write right on that section.
    pub fn i_may_send_changes(&self, target: Option<Section>) -> bool {
        match (self.holding, target) {
            (Holding::Owner, _) => true,
            (Holding::Grantee, Some(section)) => {
                may_send_changes(self.manifest, &self.me, section, self.now).allowed()
            }
            (Holding::Grantee, None) => false,
        }
    }

    /// On a family device: whether `peer` is a grantee (not an owner) to be told the owner
    /// news: it holds a live grant, or a write grant within its grace (it may still hand in
    /// entries, so it must know which owners count).
    pub fn tells_owner_news(&self, peer: &DeviceId) -> bool {
        self.holding == Holding::Owner
            && !self.manifest.is_owner(peer)
            && (!self.manifest.live_grants_for(peer, self.now).is_empty()
                || !self
                    .manifest
                    .live_team_grants_for(peer, self.now)
                    .is_empty()
                || may_still_send(self.manifest, peer, self.now))
    }

    /// On a family device: the revocation to tell `peer`, if all its grants ended by
    /// revocation.
    pub fn revocation_for(&self, peer: &DeviceId) -> Option<crate::grant::Revocation> {
        if self.holding != Holding::Owner
            || self.manifest.is_owner(peer)
            || !self.manifest.live_grants_for(peer, self.now).is_empty()
            || !self
                .manifest
                .live_team_grants_for(peer, self.now)
                .is_empty()
        {
            return None;
        }
        let device = self
            .manifest
            .grants()
            .filter(|g| g.audience_id() == *peer)
            .find_map(|g| self.manifest.revocation_of(g).cloned());
        // A member of a team whose grant was revoked: that revocation.
        device.or_else(|| {
            self.manifest
                .team_grants()
                .filter(|g| {
                    self.manifest
                        .roster_of(g)
                        .is_some_and(|r| r.member(peer).is_some())
                })
                .find_map(|g| {
                    self.manifest
                        .revocations()
                        .iter()
                        .find(|r| r.livret == g.livret && r.grant == g.id)
                        .cloned()
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant::{Genesis, Grant, Revocation};
    use crate::identity::DeviceSecret;
    use crate::SignedRecord;

    const END: i64 = 1_000_000;

    struct World {
        parent: DeviceSecret,
        records: Vec<(String, Vec<u8>)>,
        livret: LivretId,
    }

    impl World {
        fn new() -> World {
            let parent = DeviceSecret::from_bytes(&[1; 32]);
            let (livret, genesis) = Genesis::create(&parent, [3; 16], 10);
            World {
                parent,
                records: vec![("genesis".into(), genesis)],
                livret,
            }
        }
        fn grant(&mut self, to: &DeviceSecret, id: u8, rights: Rights) -> Grant {
            let g = Grant {
                id: [id; 16],
                livret: self.livret.0,
                issuer: self.parent.device_id().0,
                audience: to.device_id().0,
                sections: vec![Section::Annee(2025)],
                rights,
                not_before: 100,
                until: END,
                issued_at: 100,
                subject_name: None,
                jury: false,
                audience_name: String::new(),
            };
            self.records
                .push((format!("grant/{}", g.grant_id()), g.sign(&self.parent)));
            g
        }
        fn revoke(&mut self, g: &Grant, at: i64) {
            let r = Revocation {
                livret: self.livret.0,
                grant: g.id,
                audience: g.audience,
                issuer: self.parent.device_id().0,
                at,
            };
            self.records
                .push((format!("revocation/{}", g.grant_id()), r.sign(&self.parent)));
        }
        fn manifest(&self) -> Manifest {
            Manifest::from_records(self.records.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
                .unwrap()
        }
    }

    const S: Section = Section::Annee(2025);

    #[test]
    fn a_grantees_entry_is_judged_by_the_arrival_time_with_a_grace_for_earlier_signatures() {
        let mut w = World::new();
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        w.grant(&teacher, 1, Rights::Write);
        let m = w.manifest();
        let t = teacher.device_id();
        let ok = |signed, now| may_write_arriving(&m, &t, S, signed, now).allowed();
        // In force.
        assert!(ok(500, 600));
        // Signed before the end, arriving within the grace.
        assert!(ok(END - 1, END + WRITE_GRACE_SECONDS - 1));
        // Signed before the end (backdated or not), arriving after the grace.
        assert!(!ok(END - 1, END + WRITE_GRACE_SECONDS));
        assert!(!ok(500, END + 30 * 24 * 3600));
        // Signed after the end, even within the grace.
        assert!(!ok(END, END + 10));
        // Before the grant starts.
        assert!(!ok(50, 600));
        assert!(!ok(500, 50));
        assert_eq!(
            may_write_arriving(&m, &t, S, 500, END + WRITE_GRACE_SECONDS),
            Decision::Denied(DenyReason::OutsidePeriod)
        );
        // The sender side follows the same period.
        assert!(may_send_changes(&m, &t, S, END + WRITE_GRACE_SECONDS - 1).allowed());
        assert!(!may_send_changes(&m, &t, S, END + WRITE_GRACE_SECONDS).allowed());
        assert!(may_still_send(&m, &t, END + WRITE_GRACE_SECONDS - 1));
        assert!(!may_still_send(&m, &t, END + WRITE_GRACE_SECONDS));
        // Owners always (open section).
        assert_eq!(
            may_write_arriving(&m, &w.parent.device_id(), S, 0, i64::MAX),
            Decision::Owner
        );
    }

    #[test]
    fn a_revoked_grant_has_no_grace_and_readers_send_no_changes() {
        let mut w = World::new();
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let reader = DeviceSecret::from_bytes(&[3; 32]);
        let g = w.grant(&teacher, 1, Rights::Write);
        w.grant(&reader, 2, Rights::Read);
        w.revoke(&g, 700);
        let m = w.manifest();
        let t = teacher.device_id();
        assert_eq!(
            may_write_arriving(&m, &t, S, 600, 701),
            Decision::Denied(DenyReason::Revoked)
        );
        assert!(!may_send_changes(&m, &t, S, 701).allowed());
        let r = reader.device_id();
        assert_eq!(
            may_send_changes(&m, &r, S, 600),
            Decision::Denied(DenyReason::ReadOnly)
        );
        let stranger = DeviceSecret::from_bytes(&[4; 32]).device_id();
        assert_eq!(
            may_send_changes(&m, &stranger, S, 600),
            Decision::Denied(DenyReason::NoGrant)
        );
    }

    /// A signed subject entry of `author` under its key, its appréciation `text`.
    fn subject_entry(
        author: &DeviceSecret,
        livret: LivretId,
        code: &str,
        text: &str,
        time: i64,
    ) -> (String, SignedEntry) {
        crate::entry::subject_entry_for_tests(author, livret, code, 3, text, time)
    }

    /// A teacher's copy holding the phone's entry only in its history (written, then deleted)
    /// and the phone's deletion of the parent's entry: once the phone's revocation is learnt,
    /// none of the phone's changes is left, the teacher's own change that depended on nothing
    /// else keeps its hash, and its own entry written on top of the others' is written again.
    /// Nothing happens when no owner device was newly revoked.
    #[test]
    fn a_grantee_told_of_a_revoked_owner_device_keeps_only_its_own_changes() {
        use crate::erasure::OwnerRevocation;
        use crate::grant::{OwnerKind, OwnerRecord};
        let mut w = World::new();
        let phone = DeviceSecret::from_bytes(&[6; 32]);
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let owner = OwnerRecord {
            livret: w.livret.0,
            owner: phone.device_id().0,
            issuer: w.parent.device_id().0,
            name: "Téléphone".into(),
            at: 100,
            kind: OwnerKind::Device,
        };
        w.records.push((
            format!("owner/{}", phone.device_id()),
            owner.sign(&w.parent),
        ));
        w.grant(&teacher, 1, Rights::Write);
        let before = w.manifest();
        let r = OwnerRevocation {
            livret: w.livret.0,
            device: phone.device_id().0,
            issuer: w.parent.device_id().0,
            at: 900,
            kept_grants: vec![],
            kept_owners: vec![],
        };
        w.records.push((r.key(), r.sign(&w.parent)));
        let after = w.manifest();
        assert!(after.is_revoked_owner(&phone.device_id()));

        let mut doc = SectionDoc::new();
        let (first, mine) = subject_entry(&teacher, w.livret, "FRANCS", "Du professeur.", 200);
        doc.put(&first, &mine).unwrap();
        let independent = doc.heads();
        let (parents, e) = subject_entry(&w.parent, w.livret, "EDMUSI", "Des parents.", 300);
        doc.put(&parents, &e).unwrap();
        let (phones, e) = subject_entry(&phone, w.livret, "MATHEM", "Du téléphone.", 400);
        doc.put(&phones, &e).unwrap();
        doc.delete(&phones).unwrap();
        doc.delete(&parents).unwrap();
        let (second, mine2) = subject_entry(&teacher, w.livret, "HISGEO", "Par-dessus.", 500);
        doc.put(&second, &mine2).unwrap();

        let me = teacher.device_id();
        assert!(dropped_revoked_owners_entries(&doc, &after, &after, &me)
            .unwrap()
            .is_none());
        let mut kept = dropped_revoked_owners_entries(&doc, &before, &after, &me)
            .unwrap()
            .unwrap();
        let history = kept.history_bytes();
        for text in ["Du téléphone.", "Des parents."] {
            assert!(!history.windows(text.len()).any(|w| w == text.as_bytes()));
        }
        assert_eq!(kept.keys(), vec![first.clone(), second.clone()]);
        assert!(kept.held_at(&first, &independent));
        assert_eq!(kept.get(&second), Some(mine2));
    }

    #[test]
    fn batch_rules_by_mode() {
        let mut w = World::new();
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let other = DeviceSecret::from_bytes(&[5; 32]);
        let reader = DeviceSecret::from_bytes(&[3; 32]);
        w.grant(&teacher, 1, Rights::Write);
        w.grant(&reader, 2, Rights::Read);
        let m = w.manifest();
        let rules = |sender: DeviceId, mode: Mode, now: i64| BatchRules {
            manifest: &m,
            livret: w.livret,
            section: S,
            sender,
            mode,
            now,
        };
        let (t, o, r, p) = (
            teacher.device_id(),
            other.device_id(),
            reader.device_id(),
            w.parent.device_id(),
        );
        // A reader sends nothing, not even a relay of the teacher's entry.
        assert!(!rules(r, Mode::Owner, 600).sender_may_write());
        assert!(rules(t, Mode::Owner, 600).sender_may_write());
        assert!(rules(p, Mode::Owner, 600).sender_may_write());
        // Restoring: the copy's sender need not write, but unknown authors are refused.
        assert!(rules(r, Mode::Restoring, 600).sender_may_write());
        assert!(!rules(r, Mode::Restoring, 600).may_author(&o, 500));
        assert!(rules(r, Mode::Restoring, 600).may_author(&t, 500));
        assert!(rules(r, Mode::Restoring, 600).may_author(&p, 500));
        // From a grantee, a backdated entry after the grace is refused...
        let late = END + WRITE_GRACE_SECONDS + 1;
        assert!(!rules(t, Mode::Owner, late).may_author(&t, 500));
        // ...while the other parent relays by the signing time.
        assert!(rules(p, Mode::Owner, late).may_author(&t, 500));
        // A grantee's device takes an owner's word.
        assert!(rules(p, Mode::Grantee, late).may_author(&o, 500));
        assert!(!rules(t, Mode::Grantee, 600).may_author(&o, 500));
    }
}
