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

use livret_core::grant::{Manifest, ManifestRecord, Opening};
use livret_core::team::{TeamProblem, TeamRoster, TeamRosters};
use livret_core::{CoreError, DeviceId, LivretId, SignedRecord};
use livret_net::protocol::{Frame, Granted};

use crate::audit::AuditAction;
use crate::device::{Device, LivretMeta, Relation};
use crate::error::{Error, Result};
use crate::team::GRANTED_ROSTERS;

/// The key prefix of a roster in a delivery (`team-roster/<school>/<team>`): not a manifest
/// record, kept apart.
pub(crate) const ROSTER_KEY_PREFIX: &str = "team-roster/";
/// The most records one delivery may carry.
const MAX_DELIVERY_RECORDS: usize = 256;

/// Whether the records of an introduction are a team delivery (they carry a team grant).
pub(crate) fn is_team_delivery(records: &[(String, Vec<u8>)]) -> bool {
    records.iter().any(|(k, _)| k.starts_with("team-grant/"))
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
        let mut out: Vec<(String, Vec<u8>)> = self
            .load_manifest_doc(livret)?
            .records()
            .into_iter()
            .filter(|(k, _)| {
                k == "genesis"
                    || k.starts_with("owner/")
                    || k.starts_with("owner-revocation/")
                    || grant_keys.contains(k)
                    || openings.contains(k)
            })
            .collect();
        let mut rosters = BTreeSet::new();
        for g in &grants {
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
        let held = self.meta(livret).ok();
        if held.as_ref().is_some_and(|m| m.relation == Relation::Owner) {
            return Ok(false);
        }
        let mut mdoc = match held {
            Some(_) => self.load_manifest_doc(livret)?,
            None => livret_core::doc::ManifestDoc::new(),
        };
        let known: BTreeSet<String> = mdoc.records().into_iter().map(|(k, _)| k).collect();
        let mut rosters = Vec::new();
        let mut added = false;
        for (key, bytes) in records {
            if key.starts_with(ROSTER_KEY_PREFIX) {
                rosters.push((TeamRoster::open(bytes)?, bytes));
                continue;
            }
            let record = ManifestRecord::open(key, bytes)?;
            // The manifest only grows: a key already held is never replaced.
            if !known.contains(key) {
                mdoc.add(&record, bytes)?;
                added = true;
            }
        }
        let manifest = mdoc.manifest()?;
        if manifest.livret() != livret || !manifest.is_owner(&peer) {
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
        let class = match judged.live_team_grants_for(&me, now).first() {
            Some(g) => Some(g.class.to_string()),
            None if held.is_none() => {
                return Err(CoreError::from(TeamProblem::NotAMember(me)).into());
            }
            None => None,
        };
        if added || held.is_none() {
            self.save_manifest_doc(livret, &mut mdoc)?;
        }
        for (roster, bytes) in &rosters {
            added |= self.keep_granted_roster(livret, roster, bytes)?;
        }
        let owners: Vec<DeviceId> = manifest.owners().keys().copied().collect();
        match held {
            None => {
                let meta = LivretMeta {
                    relation: Relation::Grantee,
                    name: None,
                    class,
                    peers: Vec::new(),
                    owners,
                    introduce: false,
                };
                self.put_meta(livret, &meta)?;
                self.audit_event(
                    Some(livret),
                    Some(&peer),
                    None,
                    AuditAction::Accepted,
                    true,
                    "autorisation d'équipe reçue de la famille",
                );
                Ok(true)
            }
            Some(mut meta) => {
                if meta.owners != owners {
                    meta.owners = owners;
                    self.put_meta(livret, &meta)?;
                }
                Ok(added)
            }
        }
    }
}
