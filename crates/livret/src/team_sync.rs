//! Teaching teams in sessions (issue 15): a family device lets the members of a team it
//! granted in, as it would a one-device grantee, and delivers them what they judge by.
//!
//! - **Delivery.** To a member of the roster in force of a live team grant, the family device
//!   sends, before its hello, a `Granted` frame (an introduction) holding the livret's genesis,
//!   its owner records and owner revocations, the team grant(s) covering that member, the
//!   openings of the sensitive sections they name, and the roster in force of each team under
//!   `team-roster/<school>/<team>`. The member checks it all (every record signed by an owner
//!   the genesis leads to, each roster signed by the school its team grant names, itself a
//!   member) before it keeps any of it.
//! - **Rosters.** A device keeps one roster per (school, team), the highest version it saw; its
//!   manifests judge team grants by them ([`Device::with_held_rosters`]).

use std::collections::BTreeSet;

use livret_core::grant::{Grant, Manifest, ManifestRecord, Opening, Rights};
use livret_core::policy::dropped_removed_members_entries;
use livret_core::team::{TeamGrant, TeamProblem, TeamRoster, TeamRosters};
use livret_core::{CoreError, DeviceId, LivretId, Section, SignedRecord};
use livret_net::protocol::{ByteBuf, Frame, Granted, Revoked};

use crate::audit::AuditAction;
use crate::device::{Device, LivretMeta, Relation};
use crate::error::{Error, Result};
use crate::team::GRANTED_ROSTERS;

/// The key prefix of a roster in a delivery (`team-roster/<school>/<team>`): not a manifest
/// record, kept apart.
pub(crate) const ROSTER_KEY_PREFIX: &str = "team-roster/";
/// The store kind of a team grant's revocation a member purged by (id: the livret), kept to
/// pass it on to the colleagues it meets.
const TEAM_REVOKED: &str = "team-revoked";
/// The most records one delivery may carry.
const MAX_DELIVERY_RECORDS: usize = 256;

/// Whether the records of an introduction are a team delivery (they carry a team grant) or
/// roster news (only rosters).
pub(crate) fn is_team_delivery(records: &[(String, Vec<u8>)]) -> bool {
    records
        .iter()
        .any(|(k, _)| k.starts_with("team-grant/") || k.starts_with(ROSTER_KEY_PREFIX))
}

fn roster_id(roster: &TeamRoster) -> String {
    format!("{}/{}", roster.school_id(), roster.team_id())
}

impl Device {
    /// `manifest` judging its team grants by the rosters this device holds: for each team
    /// granted, the highest version signed by the school the grant names.
    pub(crate) fn with_held_rosters(&self, manifest: Manifest) -> Result<Manifest> {
        if manifest.team_grants().next().is_none() {
            return Ok(manifest);
        }
        let mut book = TeamRosters::new();
        for (_, _, bytes) in self.store.records(GRANTED_ROSTERS)? {
            let Ok(roster) = TeamRoster::open(&bytes) else {
                continue;
            };
            let granted = manifest
                .team_grants()
                .any(|g| g.team_id() == roster.team_id() && g.school_id() == roster.school_id());
            if granted {
                let school = roster.school_id();
                // One roster per team is kept: an offer can only be new here.
                let _ = book.offer(roster, &school);
            }
        }
        Ok(manifest.with_rosters(book))
    }

    /// Family side: what a member of a team granted `livret` receives before the hello, if
    /// `peer` is one under a live team grant (see the module's documentation).
    pub(crate) fn team_delivery(&self, livret: LivretId, peer: &DeviceId) -> Result<Option<Frame>> {
        let manifest = self.manifest(livret)?;
        if manifest.is_owner(peer) {
            return Ok(None);
        }
        let grants = manifest.live_team_grants_for(peer, self.now());
        if grants.is_empty() {
            return Ok(None);
        }
        let grant_keys: BTreeSet<String> = grants.iter().map(|g| g.key()).collect();
        let openings: BTreeSet<String> = grants
            .iter()
            .flat_map(|g| g.sections.iter())
            .filter(|s| s.is_sensitive())
            .map(|s| Opening::key_of(*s))
            .collect();
        // The grants of whoever else may write the team's sections, with their revocations and
        // (for another team: last year's, a second class's) the roster in force: a teacher
        // invited on its own before the team or beside it, an earlier team. A member that
        // receives their entries from a colleague, or finds them in the family's copy, judges
        // them by these, as the family's device does.
        let team_sections: BTreeSet<Section> = grants
            .iter()
            .flat_map(|g| g.sections.iter().copied())
            .collect();
        let covers_team_sections =
            |sections: &[Section]| sections.iter().any(|s| team_sections.contains(s));
        let writers: Vec<&Grant> = manifest
            .grants()
            .filter(|g| !g.jury && g.rights != Rights::Read && covers_team_sections(&g.sections))
            .collect();
        let other_teams: Vec<&TeamGrant> = manifest
            .team_grants()
            .filter(|g| {
                g.rights == Rights::Write
                    && covers_team_sections(&g.sections)
                    && !grant_keys.contains(&g.key())
            })
            .collect();
        let writer_keys: BTreeSet<String> = writers
            .iter()
            .map(|g| ManifestRecord::Grant((*g).clone()).key())
            .chain(other_teams.iter().map(|g| g.key()))
            .chain(
                manifest
                    .revocations()
                    .iter()
                    .filter(|r| {
                        writers.iter().any(|g| g.audience == r.audience)
                            || other_teams.iter().any(|g| g.id == r.grant)
                    })
                    .map(|r| ManifestRecord::Revocation(r.clone()).key()),
            )
            .collect();
        let mut out: Vec<(String, Vec<u8>)> = self
            .load_manifest_doc(livret)?
            .records()
            .into_iter()
            .filter(|(k, _)| {
                k == "genesis"
                    || k.starts_with("owner/")
                    || k.starts_with("owner-revocation/")
                    || grant_keys.contains(k)
                    || writer_keys.contains(k)
                    || openings.contains(k)
            })
            .collect();
        let mut rosters = BTreeSet::new();
        for g in grants.iter().chain(other_teams.iter()) {
            let Some(roster) = manifest.roster_of(g) else {
                continue;
            };
            let id = roster_id(roster);
            if !rosters.insert(id.clone()) {
                continue;
            }
            if let Some(bytes) = self.store.record(GRANTED_ROSTERS, &id)? {
                out.push((format!("{ROSTER_KEY_PREFIX}{id}"), bytes));
            }
        }
        out.truncate(MAX_DELIVERY_RECORDS);
        Ok(Some(Frame::Granted(Granted::new(livret.0, out))))
    }

    /// Whether `peer` is listed (member or former member) by a roster this device holds of a
    /// team granted one of its livrets: a quick test before deciding which livrets concern it.
    pub(crate) fn knows_team_peer(&self, peer: &DeviceId) -> Result<bool> {
        Ok(self
            .store
            .records(GRANTED_ROSTERS)?
            .iter()
            .filter_map(|(_, _, b)| TeamRoster::open(b).ok())
            .any(|r| r.lists(peer)))
    }

    /// Roster news for `peer` (an owner of `livret`, or a colleague): the rosters in force this
    /// device holds of the teams granted `livret`. A newer one reaches every member and the
    /// family this way, from whoever got it first.
    pub(crate) fn roster_news(&self, livret: LivretId) -> Result<Option<Frame>> {
        let manifest = self.manifest(livret)?;
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for g in manifest.team_grants() {
            let Some(roster) = manifest.roster_of(g) else {
                continue;
            };
            let id = roster_id(roster);
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(bytes) = self.store.record(GRANTED_ROSTERS, &id)? {
                out.push((format!("{ROSTER_KEY_PREFIX}{id}"), bytes));
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        out.truncate(MAX_DELIVERY_RECORDS);
        Ok(Some(Frame::Granted(Granted::new(livret.0, out))))
    }

    /// Rosters from any peer (they carry the school's signature): each must be the roster of
    /// a team granted `livret`, signed by the school that grant names (anything else, a forged
    /// roster or another school's, is refused); a newer version than the one held replaces it
    /// (noted in the journal: on a family device, every roster change of a team it granted).
    fn accept_roster_news(
        &mut self,
        livret: LivretId,
        records: &[(String, Vec<u8>)],
    ) -> Result<bool> {
        let manifest = self.manifest(livret)?;
        let mut changed = false;
        for (_, bytes) in records {
            let roster = TeamRoster::open(bytes)?;
            // A team granted this livret on the sender's device only (it is in two teams):
            // nothing to judge here.
            let Some(g) = manifest
                .team_grants()
                .find(|g| g.team_id() == roster.team_id())
            else {
                continue;
            };
            if g.school_id() != roster.school_id() {
                return Err(CoreError::from(TeamProblem::OtherSchool {
                    expected: g.school_id(),
                    signer: roster.school_id(),
                })
                .into());
            }
            changed |= self.keep_granted_roster(livret, &roster, bytes)?;
        }
        if changed {
            self.drop_removed_members_entries(livret)?;
        }
        Ok(changed)
    }

    /// On a member's or the family's device that took a newer roster: each section holding a
    /// change that puts an entry a former member signed after its removal loses it, with the
    /// changes made on top of it (`policy::dropped_removed_members_entries`); this device's own
    /// entries among them are written again, its sync states forgotten; the others come back
    /// from their authors. Returns the sections changed.
    pub(crate) fn drop_removed_members_entries(
        &mut self,
        livret: LivretId,
    ) -> Result<Vec<Section>> {
        self.rebuild_held_sections(
            livret,
            dropped_removed_members_entries,
            true,
            AuditAction::Team,
            "inscriptions d'un membre retiré de l'équipe, signées après son retrait, écartées (avec ce qui avait été écrit par-dessus : chaque auteur le réécrit)",
        )
    }

    /// A team's newer roster from its card (`livret team card` on the school device), on a
    /// member's or a family's device: kept for every livret it holds that grants the team
    /// (signed by the school the grant names), and passed on at the next sessions. Returns
    /// the livrets it counts for.
    pub fn team_roster_receive(&mut self, card_text: &str) -> Result<Vec<LivretId>> {
        let opened = livret_core::team::TeamCard::open_with_roster(
            &livret_core::team::TeamCard::bytes_from_text(card_text)?,
        )?;
        let (Some(roster), Some(bytes)) = (opened.roster, opened.card.roster) else {
            return Err(Error::Core(TeamProblem::RosterNotCarried.into()));
        };
        let mut out = Vec::new();
        for (livret, _) in self.held_livrets()? {
            let granted = self
                .manifest(livret)?
                .team_grants()
                .any(|g| g.team_id() == roster.team_id() && g.school_id() == roster.school_id());
            if granted {
                if self.keep_granted_roster(livret, &roster, &bytes.0)? {
                    self.drop_removed_members_entries(livret)?;
                }
                out.push(livret);
            }
        }
        if out.is_empty() {
            return Err(
                CoreError::from(TeamProblem::UnknownTeam(roster.team_id().to_string())).into(),
            );
        }
        Ok(out)
    }

    /// Member side: the manifest records an owner delivers for a livret held already (a team
    /// grant more, owner news): the manifest only grows.
    fn grow_from_owner(&mut self, livret: LivretId, records: &[(String, Vec<u8>)]) -> Result<bool> {
        let mut mdoc = self.load_manifest_doc(livret)?;
        let known: BTreeSet<String> = mdoc.records().into_iter().map(|(k, _)| k).collect();
        let mut added = false;
        for (key, bytes) in records {
            if key.starts_with(ROSTER_KEY_PREFIX) || known.contains(key) {
                continue;
            }
            let record = ManifestRecord::open(key, bytes)?;
            mdoc.add(&record, bytes)?;
            added = true;
        }
        if added {
            self.save_manifest_doc(livret, &mut mdoc)?;
        }
        Ok(added)
    }

    /// Member side: a delivery from `peer` (see the module's documentation). Kept only if
    /// every record opens, the peer is an owner of the livret by them, each roster is signed
    /// by the school a team grant names, and this device is a member under a live team grant
    /// (for a livret it does not hold yet). The manifest only grows; a roster replaces an
    /// older version. Returns whether anything changed. A livret this device owns is left
    /// alone.
    pub(crate) fn accept_team_delivery(
        &mut self,
        peer: DeviceId,
        livret: LivretId,
        records: &[(String, Vec<u8>)],
    ) -> Result<bool> {
        if records.len() > MAX_DELIVERY_RECORDS {
            return Err(Error::Protocol("livraison d'équipe trop grande".into()));
        }
        if records
            .iter()
            .all(|(k, _)| k.starts_with(ROSTER_KEY_PREFIX))
        {
            if self.meta(livret).is_err() {
                return Err(Error::NotAuthorized(
                    "livret inconnu de cet appareil".into(),
                ));
            }
            return self.accept_roster_news(livret, records);
        }
        let held = self.meta(livret).ok();
        if held.is_some() {
            // A livret held already: its manifest grows only from its owners (what they sign
            // reaches this device from them); the rosters count from anyone.
            let from_owner = self.manifest(livret)?.is_owner(&peer);
            let rosters: Vec<(String, Vec<u8>)> = records
                .iter()
                .filter(|(k, _)| k.starts_with(ROSTER_KEY_PREFIX))
                .cloned()
                .collect();
            let mut changed = false;
            // A team grant more first: the rosters are judged by the grants held.
            if from_owner
                && held
                    .as_ref()
                    .is_some_and(|m| m.relation == Relation::Grantee)
            {
                changed |= self.grow_from_owner(livret, records)?;
            }
            changed |= self.accept_roster_news(livret, &rosters)?;
            return Ok(changed);
        }
        // A livret this device does not hold yet.
        let mut mdoc = livret_core::doc::ManifestDoc::new();
        let mut known: BTreeSet<String> = BTreeSet::new();
        let mut rosters = Vec::new();
        for (key, bytes) in records {
            if key.starts_with(ROSTER_KEY_PREFIX) {
                rosters.push((TeamRoster::open(bytes)?, bytes));
                continue;
            }
            let record = ManifestRecord::open(key, bytes)?;
            // One record per key: a second one under a key is not needed.
            if known.insert(key.clone()) {
                mdoc.add(&record, bytes)?;
            }
        }
        // A livret this device purged by a team revocation: a colleague that has not heard of
        // it yet does not bring it back.
        if let Some(r) = self.kept_team_revocation(livret)? {
            let key = format!("revocation/{}", livret_core::GrantId(r.0.grant));
            if let Ok(record) = ManifestRecord::open(&key, &r.1) {
                if !known.contains(&key) {
                    mdoc.add(&record, &r.1)?;
                }
            }
        }
        let manifest = mdoc.manifest()?;
        // From the family or from a colleague (a new member's first session): every record is
        // checked here, whoever relays it.
        if manifest.livret() != livret || !manifest.rejected().is_empty() {
            return Err(Error::NotAuthorized(
                "autorisation d'équipe non signée par un propriétaire du livret".into(),
            ));
        }
        for (roster, _) in &rosters {
            let Some(g) = manifest
                .team_grants()
                .find(|g| g.team_id() == roster.team_id())
            else {
                return Err(CoreError::from(TeamProblem::UnknownTeam(
                    roster.team_id().to_string(),
                ))
                .into());
            };
            if g.school_id() != roster.school_id() {
                return Err(CoreError::from(TeamProblem::OtherSchool {
                    expected: g.school_id(),
                    signer: roster.school_id(),
                })
                .into());
            }
        }
        let me = self.device_id();
        let now = self.now();
        let mut book = self.with_held_rosters(manifest.clone())?.rosters().clone();
        for (roster, _) in &rosters {
            let school = roster.school_id();
            // An older version than the one held changes nothing; a dispute leaves none.
            let _ = book.offer(roster.clone(), &school);
        }
        let judged = manifest.clone().with_rosters(book);
        let Some((class, name)) = judged
            .live_team_grants_for(&me, now)
            .first()
            .map(|g| (g.class.to_string(), g.subject_name.clone()))
        else {
            return Err(CoreError::from(TeamProblem::NotAMember(me)).into());
        };
        self.save_manifest_doc(livret, &mut mdoc)?;
        for (roster, bytes) in &rosters {
            self.keep_granted_roster(livret, roster, bytes)?;
        }
        let meta = LivretMeta {
            relation: Relation::Grantee,
            name,
            class: Some(class),
            peers: Vec::new(),
            owners: manifest.owners().keys().copied().collect(),
            introduce: false,
        };
        self.put_meta(livret, &meta)?;
        self.audit_event(
            Some(livret),
            Some(&peer),
            None,
            AuditAction::Accepted,
            true,
            "autorisation d'équipe reçue (de la famille ou d'un collègue)",
        );
        Ok(true)
    }
}

impl Device {
    /// Member side, once a team grant's revocation purged `livret`: the notice is kept (the
    /// revocation and the owner records proving its signer an owner) to tell the colleagues
    /// this device meets, so that it reaches every member through any member.
    pub(crate) fn keep_team_revocation(
        &mut self,
        livret: LivretId,
        revocation: &[u8],
        owners: &[(String, Vec<u8>)],
    ) -> Result<()> {
        let frame = Frame::Revoked(Revoked {
            livret: livret.0,
            revocation: ByteBuf::from(revocation.to_vec()),
            owners: owners
                .iter()
                .map(|(k, v)| (k.clone(), ByteBuf::from(v.clone())))
                .collect(),
        });
        self.store
            .put_record(TEAM_REVOKED, &livret.to_string(), None, &frame.encode())?;
        Ok(())
    }

    /// The team revocation this device purged `livret` by, if any (opened, and its bytes).
    fn kept_team_revocation(
        &self,
        livret: LivretId,
    ) -> Result<Option<(livret_core::grant::Revocation, Vec<u8>)>> {
        let Some(bytes) = self.store.record(TEAM_REVOKED, &livret.to_string())? else {
            return Ok(None);
        };
        let Ok(Frame::Revoked(r)) = Frame::decode(&bytes) else {
            return Ok(None);
        };
        let raw = r.revocation.into_vec();
        Ok(livret_core::grant::Revocation::open(&raw)
            .ok()
            .map(|o| (o, raw)))
    }

    /// The revocation notice of `livret` to tell `peer`, if this device purged `livret` by a
    /// team grant's revocation and `peer` is listed by a roster it holds (a colleague).
    pub(crate) fn team_revocation_for(
        &self,
        livret: LivretId,
        peer: &DeviceId,
    ) -> Result<Option<Frame>> {
        let Some(bytes) = self.store.record(TEAM_REVOKED, &livret.to_string())? else {
            return Ok(None);
        };
        if self.meta(livret).is_ok() || !self.knows_team_peer(peer)? {
            return Ok(None);
        }
        Ok(Frame::decode(&bytes).ok())
    }
}
