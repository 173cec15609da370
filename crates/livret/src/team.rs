//! Teaching teams (issue 15): a school device keeps its teams' signed rosters;
//! it shows a team card; a family device grants a team from that card. Whom a team grant
//! covers is the core's decision ([`livret_core::grant::Manifest::may_team`]); sessions let
//! members in and deliver them what they judge by in `team_sync.rs`.

use livret_core::cert::SchoolCard;
use livret_core::grant::{AddressBytes, ManifestRecord, Rights};
use livret_core::team::{TeamCard, TeamDelegation, TeamGrant, TeamMember, TeamProblem, TeamRoster};
use livret_core::vocab::{Date, DisciplineCode, Division, Millesime, PersonName};
use livret_core::{CoreError, DeviceId, LivretId, Role, Section, SignedRecord, TeamId};
use serde::Serialize;

use crate::audit::AuditAction;
use crate::device::{random16, Device};
use crate::error::{Error, Result};
use crate::sharing::rfc3339;
use crate::trust::SignedCard;

/// The store kind of a school's own rosters (id: the team id).
const ROSTERS: &str = "team";
/// The store kind of rosters a family device received with a team card (id: school/team).
pub(crate) const GRANTED_ROSTERS: &str = "team-roster";
/// The store kind of team delegations (id: the team id): on the school device, the last one
/// it signed for the team; on the delegated device, the one it manages the team by.
const DELEGATIONS: &str = "team-delegation";

/// What `livret team update --card` did.
#[derive(Debug, Clone, Serialize)]
pub struct TeamUpdate {
    /// The livrets the card's roster counts for on this device.
    pub livrets: Vec<String>,
    /// The team this device now manages, when the card carried the school's delegation to it.
    pub delegated: Option<TeamView>,
}

/// One member as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TeamMemberView {
    /// The member's device.
    pub device: String,
    /// Its subjects (LSU codes).
    pub subjects: Vec<String>,
}

/// A team's roster in force, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    /// The team's id.
    pub team_id: String,
    /// The school's key.
    pub school: String,
    /// The school's name, when this device trusts its card.
    pub school_name: Option<String>,
    /// The class.
    pub class: String,
    /// The school year (the year it starts).
    pub year: u16,
    /// The team's name.
    pub name: Option<String>,
    /// The roster's version.
    pub version: u32,
    /// Its members.
    pub members: Vec<TeamMemberView>,
    /// Valid until.
    pub until: String,
}

/// A team grant as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TeamGrantView {
    /// The grant id (revoked with `livret revoke`).
    pub grant_id: String,
    /// The team.
    pub team_id: String,
    /// The school's key.
    pub school: String,
    /// The class.
    pub class: String,
    /// The sections.
    pub sections: Vec<String>,
    /// `read` or `write`.
    pub rights: String,
    /// Each member limited to its subjects.
    pub own_subjects: bool,
    /// Last day.
    pub until: String,
    /// Revoked.
    pub revoked: bool,
    /// Past its last day.
    pub expired: bool,
}

fn view(roster: &TeamRoster, school_name: Option<String>) -> TeamView {
    TeamView {
        team_id: roster.team_id().to_string(),
        school: roster.school_id().to_string(),
        school_name,
        class: roster.class.to_string(),
        year: roster.year.into(),
        name: roster.name.as_ref().map(|n| n.to_string()),
        version: roster.version,
        members: roster
            .members
            .iter()
            .map(|m| TeamMemberView {
                device: m.device().to_string(),
                subjects: m.subjects.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
        until: rfc3339(roster.until),
    }
}

impl Device {
    /// The roster of a team this device manages: its own team (school device), or a team the
    /// school delegated to it (the PP's device).
    fn own_roster(&self, team: &str) -> Result<TeamRoster> {
        let id: TeamId = team.parse()?;
        let delegation = if self.identity.role == Role::School {
            None
        } else {
            Some(self.held_delegation(&id)?.0)
        };
        let bytes = self
            .store
            .record(ROSTERS, &id.to_string())?
            .ok_or_else(|| CoreError::from(TeamProblem::UnknownTeam(id.to_string())))?;
        let roster = TeamRoster::open(&bytes)?;
        let school = delegation.map_or(self.device_id(), |d| d.school_id());
        if roster.school_id() != school {
            return Err(CoreError::from(TeamProblem::OtherSchool {
                expected: school,
                signer: roster.school_id(),
            })
            .into());
        }
        Ok(roster)
    }

    /// The school's delegation of `team` to this device, opened, and its bytes.
    fn held_delegation(&self, team: &TeamId) -> Result<(TeamDelegation, Vec<u8>)> {
        let bytes = self
            .store
            .record(DELEGATIONS, &team.to_string())?
            .ok_or_else(|| CoreError::from(TeamProblem::NotDelegate))?;
        let d = TeamDelegation::open(&bytes)?;
        if d.delegate_id() != self.device_id() {
            return Err(CoreError::from(TeamProblem::NotDelegate).into());
        }
        Ok((d, bytes))
    }

    /// Signs and keeps a roster (its version must be newer than the one held), with an audit
    /// line. On the school device, a roster after a delegation of the team takes a higher
    /// epoch: it outranks whatever the delegate signs under it (the school takes the team
    /// back). On a delegated device, the roster carries the delegation (and its epoch), must be
    /// signed within it, and is kept at once for the livrets this device holds that grant the
    /// team, as a roster received.
    fn keep_roster(&mut self, roster: &mut TeamRoster, detail: &str) -> Result<TeamView> {
        let id = roster.team_id().to_string();
        let delegated = if self.identity.role == Role::School {
            let last = self
                .store
                .record(DELEGATIONS, &id)?
                .and_then(|b| TeamDelegation::open(&b).ok());
            if let Some(d) = last.filter(|d| d.epoch >= roster.epoch) {
                roster.epoch = d
                    .epoch
                    .checked_add(1)
                    .ok_or(CoreError::from(TeamProblem::NoVersion))?;
            }
            roster.delegation = None;
            false
        } else {
            let (d, bytes) = self.held_delegation(&roster.team_id())?;
            if !(d.at <= roster.at && roster.at < d.until) {
                return Err(
                    CoreError::from(TeamProblem::DelegationExpired { until: d.until }).into(),
                );
            }
            roster.epoch = d.epoch;
            roster.delegation = Some(AddressBytes(bytes));
            // A roster of the school's it received since (sessions, a card) outranks this one:
            // the school took the team back.
            let granted = format!("{}/{}", roster.school_id(), roster.team_id());
            let outranked = self
                .store
                .record(GRANTED_ROSTERS, &granted)?
                .and_then(|b| TeamRoster::open(&b).ok())
                .is_some_and(|h| h.rank() >= roster.rank());
            if outranked {
                return Err(CoreError::from(TeamProblem::NotDelegate).into());
            }
            true
        };
        let bytes = roster.sign(&self.identity.secret);
        TeamRoster::open(&bytes)?;
        self.store.put_record(ROSTERS, &id, None, &bytes)?;
        self.audit_event(None, None, None, AuditAction::Team, true, detail);
        if delegated {
            self.keep_roster_for_held_livrets(roster, &bytes)?;
        }
        Ok(view(roster, None))
    }

    /// Delegates a team's roster to a teacher's device, the PP's (school device), until the end
    /// of `until` (by default, the roster's end): that device may then add and remove members
    /// and show the team's card. The school's next roster change ends the delegation. Returns
    /// the card the PP imports (`livret team update --card …`): the roster in force and the
    /// delegation, signed by the school.
    pub fn team_delegate(
        &mut self,
        team: &str,
        device: &str,
        until: Option<&str>,
    ) -> Result<SignedCard> {
        self.require_role(Role::School)?;
        let roster = self.own_roster(team)?;
        let delegate: DeviceId = device.parse()?;
        delegate.verifying_key()?;
        let now = self.now();
        let end = match until {
            Some(u) => Date::parse(u)
                .map_err(|e| e.with_field("until"))?
                .add_days(1)?
                .unix_seconds_start(),
            None => roster.until,
        };
        if end <= now {
            return Err(Error::Core(CoreError::Expired {
                what: "team delegation",
            }));
        }
        let d = TeamDelegation {
            team: roster.team,
            school: self.device_id().0,
            delegate: delegate.0,
            class: roster.class.clone(),
            year: roster.year,
            epoch: roster.epoch,
            at: now,
            until: end,
        };
        let d_bytes = d.sign(&self.identity.secret);
        TeamDelegation::open(&d_bytes)?;
        let card = TeamCard {
            school: self.device_id().0,
            team: roster.team,
            address: None,
            roster: Some(AddressBytes(roster.sign(&self.identity.secret))),
            at: now,
            by: None,
            delegation: Some(AddressBytes(d_bytes.clone())),
        }
        .sign(&self.identity.secret);
        TeamCard::open_with_roster(&card)?;
        self.store
            .put_record(DELEGATIONS, &roster.team_id().to_string(), None, &d_bytes)?;
        self.audit_event(
            None,
            Some(&delegate),
            None,
            AuditAction::Team,
            true,
            &format!(
                "liste de l'équipe {} (classe {}) déléguée à l'appareil {} jusqu'au {}",
                roster.team_id(),
                roster.class,
                delegate.short(),
                crate::sharing::last_day(end)
            ),
        );
        Ok(SignedCard {
            text: TeamCard::to_text(&card),
            bytes: card,
        })
    }

    /// A team card (`livret team update --card …`): its roster is kept for the livrets this
    /// device holds that grant the team (as [`Device::team_roster_receive`] does); when it
    /// carries the school's delegation of the team to this device, this device manages the
    /// team from now on (`team add/remove/show/card`). Refused if it does neither.
    pub fn team_update(&mut self, card_text: &str) -> Result<TeamUpdate> {
        let opened = TeamCard::open_with_roster(&TeamCard::bytes_from_text(card_text)?)?;
        let mine = opened
            .delegation
            .as_ref()
            .is_some_and(|d| d.delegate_id() == self.device_id());
        let delegated = match (mine, &opened.roster, &opened.card.roster) {
            (true, Some(roster), Some(roster_bytes)) => {
                let id = roster.team_id().to_string();
                let held = self
                    .store
                    .record(ROSTERS, &id)?
                    .and_then(|b| TeamRoster::open(&b).ok());
                // The newer of the roster held and the card's (a PP's own later versions stay).
                if held.as_ref().is_none_or(|h| h.rank() < roster.rank()) {
                    self.store.put_record(ROSTERS, &id, None, &roster_bytes.0)?;
                }
                if let Some(d) = &opened.card.delegation {
                    self.store.put_record(DELEGATIONS, &id, None, &d.0)?;
                }
                self.audit_event(
                    None,
                    Some(&roster.school_id()),
                    None,
                    AuditAction::Team,
                    true,
                    &format!(
                        "délégation de la liste de l'équipe {} (classe {}) reçue de l'établissement",
                        roster.team_id(),
                        roster.class
                    ),
                );
                Some(self.team(&id)?)
            }
            _ => None,
        };
        let livrets = match self.team_roster_receive(card_text) {
            Ok(l) => l.iter().map(|l| l.to_string()).collect(),
            Err(Error::Core(CoreError::Team(TeamProblem::UnknownTeam(_))))
                if delegated.is_some() =>
            {
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        Ok(TeamUpdate { livrets, delegated })
    }

    /// On a delegated device: a roster it signed, kept for every livret it holds that grants
    /// the team (checked as any roster received), removed members' later entries dropped.
    fn keep_roster_for_held_livrets(&mut self, roster: &TeamRoster, bytes: &[u8]) -> Result<()> {
        for (livret, _) in self.held_livrets()? {
            let granted = self
                .manifest(livret)?
                .team_grants()
                .any(|g| g.team_id() == roster.team_id() && g.school_id() == roster.school_id());
            if granted && self.keep_granted_roster(livret, roster, bytes)? {
                self.drop_removed_members_entries(livret)?;
            }
        }
        Ok(())
    }

    /// Creates a team (school device): version 1 of its roster, no member yet, valid until the
    /// end of the school year (August 31 of the next calendar year).
    pub fn team_create(&mut self, class: &str, year: u16, name: Option<&str>) -> Result<TeamView> {
        self.require_role(Role::School)?;
        let class = Division::parse(class)?;
        let year = Millesime::new(year)?;
        let name = name.map(PersonName::parse).transpose()?;
        let until = Date::new(u16::from(year) + 1, 9, 1)?.unix_seconds_start();
        let mut roster = TeamRoster {
            team: random16(),
            school: self.device_id().0,
            class: class.clone(),
            year,
            name,
            version: 1,
            members: Vec::new(),
            until,
            at: self.now(),
            former: Vec::new(),
            epoch: 0,
            delegation: None,
        };
        let detail = format!("équipe {} créée (classe {class})", roster.team_id());
        self.keep_roster(&mut roster, &detail)
    }

    /// Adds a member to a team, or sets its subjects if it is one (school device): a new
    /// version of the roster.
    pub fn team_add(&mut self, team: &str, device: &str, subjects: &[String]) -> Result<TeamView> {
        let mut roster = self.own_roster(team)?;
        let device: DeviceId = device.parse()?;
        device.verifying_key()?;
        let subjects = subjects
            .iter()
            .map(|s| DisciplineCode::parse(s))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // A former member added back is a member again.
        roster.former.retain(|f| f.key != device.0);
        match roster.members.iter_mut().find(|m| m.key == device.0) {
            Some(m) => m.subjects = subjects,
            None => roster.members.push(TeamMember {
                key: device.0,
                subjects,
            }),
        }
        roster.version = roster
            .version
            .checked_add(1)
            .ok_or(TeamProblem::Older {
                in_force: roster.version,
                offered: roster.version,
            })
            .map_err(CoreError::from)?;
        roster.at = self.now();
        let detail = format!(
            "équipe {} version {} : membre {} ajouté",
            roster.team_id(),
            roster.version,
            device.short()
        );
        self.keep_roster(&mut roster, &detail)
    }

    /// Removes a member from a team (school device): a new version of the roster, without it.
    pub fn team_remove(&mut self, team: &str, device: &str) -> Result<TeamView> {
        let mut roster = self.own_roster(team)?;
        let device: DeviceId = device.parse()?;
        let before = roster.members.len();
        roster.members.retain(|m| m.key != device.0);
        if roster.members.len() == before {
            return Err(CoreError::from(TeamProblem::NotAMember(device)).into());
        }
        roster.version = roster.version.saturating_add(1);
        roster.at = self.now();
        // Listed with when it left: what it signed before stays valid on every device.
        roster.former.push(livret_core::team::FormerMember {
            key: device.0,
            removed_at: roster.at,
        });
        if roster.former.len() > livret_core::team::MAX_FORMER_MEMBERS {
            roster.former.remove(0);
        }
        let detail = format!(
            "équipe {} version {} : membre {} retiré",
            roster.team_id(),
            roster.version,
            device.short()
        );
        self.keep_roster(&mut roster, &detail)
    }

    /// The teams this device manages: its own (school device), or those the school delegated
    /// to it.
    pub fn teams(&self) -> Result<Vec<TeamView>> {
        let mut out = Vec::new();
        for (id, _, _) in self.store.records(ROSTERS)? {
            out.push(view(&self.own_roster(&id)?, None));
        }
        Ok(out)
    }

    /// One team of this school (school device).
    pub fn team(&self, team: &str) -> Result<TeamView> {
        Ok(view(&self.own_roster(team)?, None))
    }

    /// The team's card (school device): the school key, the team id, `address` if given, and
    /// the roster in force when the whole fits a QR code.
    pub fn team_card(&self, team: &str, address: Option<Vec<u8>>) -> Result<SignedCard> {
        let roster = self.own_roster(team)?;
        let school = self.identity.role == Role::School;
        // The school signs its roster afresh; a delegate shows the roster it holds as signed
        // (by the school, or by itself under the delegation), and signs the card itself.
        let signed_roster = if school {
            roster.sign(&self.identity.secret)
        } else {
            self.store
                .record(ROSTERS, &roster.team_id().to_string())?
                .ok_or_else(|| CoreError::from(TeamProblem::UnknownTeam(team.to_string())))?
        };
        let delegation = if school {
            None
        } else {
            Some(AddressBytes(self.held_delegation(&roster.team_id())?.1))
        };
        // A delegate's card proves its signer by the roster it signed, or else by the delegation.
        let signed_by_me = roster.delegate() == Some(self.device_id());
        let card = |with_roster: bool| TeamCard {
            school: roster.school,
            team: roster.team,
            address: address.clone().map(AddressBytes),
            roster: with_roster.then(|| AddressBytes(signed_roster.clone())),
            at: self.now(),
            by: (!school).then(|| self.device_id().0),
            delegation: if with_roster && signed_by_me {
                None
            } else {
                delegation.clone()
            },
        };
        let full = card(true).sign(&self.identity.secret);
        let bytes = if full.len() <= livret_core::team::MAX_TEAM_CARD_BYTES {
            full
        } else {
            card(false).sign(&self.identity.secret)
        };
        TeamCard::open_with_roster(&bytes)?;
        Ok(SignedCard {
            text: TeamCard::to_text(&bytes),
            bytes,
        })
    }

    /// Reads a team card (family device): the team as the card shows it, with the school's
    /// name when this device trusts its card. Refused if the school is not trusted.
    pub fn read_team_card(&self, text: &str) -> Result<TeamView> {
        let opened = TeamCard::open_with_roster(&TeamCard::bytes_from_text(text)?)?;
        let school = opened.card.school_id();
        let name = self.trusted_school_name(&school)?;
        match &opened.roster {
            Some(r) => Ok(view(r, name)),
            None => Err(Error::Core(TeamProblem::RosterNotCarried.into())),
        }
    }

    /// The name of a trusted school; refused if the school is not trusted.
    fn trusted_school_name(&self, school: &DeviceId) -> Result<Option<String>> {
        if !self.trusted_schools().contains(school) {
            return Err(CoreError::from(TeamProblem::UntrustedSchool(*school)).into());
        }
        Ok(self
            .store
            .record("trust", &school.to_string())?
            .and_then(|b| SchoolCard::open(&b).ok())
            .map(|c| c.name))
    }

    /// Grants a teaching team (family device, owner of the livret), from its card: every
    /// member of the team's roster in force, signed by the card's school, may read (or write)
    /// `sections` until the end of `until`; with `own_subjects`, each member writes only its
    /// subjects' entries. The card's school must be trusted by this device. The roster the card
    /// carries is kept, and noted in the journal.
    pub fn grant_team(
        &mut self,
        livret: LivretId,
        card_text: &str,
        sections: &[Section],
        rights: Rights,
        until: &str,
        own_subjects: bool,
    ) -> Result<TeamGrantView> {
        let opened = TeamCard::open_with_roster(&TeamCard::bytes_from_text(card_text)?)?;
        let school = opened.card.school_id();
        self.trusted_school_name(&school)?;
        let roster_bytes = opened.card.roster.as_ref().map(|r| r.0.clone());
        let (Some(roster), Some(roster_bytes)) = (opened.roster, roster_bytes) else {
            return Err(Error::Core(TeamProblem::RosterNotCarried.into()));
        };
        if !matches!(rights, Rights::Read | Rights::Write) {
            return Err(Error::NotAuthorized(
                "une équipe reçoit le droit de lire (read) ou d'écrire (write), jamais d'être propriétaire".into(),
            ));
        }
        let mut mdoc = self.load_manifest_doc(livret)?;
        let manifest = mdoc.manifest()?;
        if !manifest.is_owner(&self.device_id()) {
            return Err(Error::NotAuthorized(
                "seul un propriétaire du livret (la famille) peut autoriser une équipe".into(),
            ));
        }
        if sections.iter().any(|s| !manifest.is_open(*s)) {
            return Err(Error::NotAuthorized(
                "section sensible non ouverte par la famille : aucune autorisation ne la couvre"
                    .into(),
            ));
        }
        let until_date = Date::parse(until).map_err(|e| e.with_field("until"))?;
        let end = until_date.add_days(1)?.unix_seconds_start();
        let now = self.now();
        if end <= now {
            return Err(Error::Core(CoreError::Expired { what: "team grant" }));
        }
        let grant = TeamGrant {
            id: random16(),
            livret: livret.0,
            issuer: self.device_id().0,
            team: opened.card.team,
            school: school.0,
            class: roster.class.clone(),
            sections: sections.to_vec(),
            rights,
            not_before: now,
            until: end,
            issued_at: now,
            own_subjects,
            // As a device grant does: the members' class lists name the pupil.
            subject_name: self.meta(livret).ok().and_then(|m| m.name),
        };
        let bytes = grant.sign(&self.identity.secret);
        TeamGrant::open(&bytes)?;
        mdoc.add(&ManifestRecord::TeamGrant(grant.clone()), &bytes)?;
        self.save_manifest_doc(livret, &mut mdoc)?;
        self.keep_granted_roster(livret, &roster, &roster_bytes)?;
        self.audit_event(
            Some(livret),
            Some(&school),
            None,
            AuditAction::Granted,
            true,
            &format!(
                "autorisation d'équipe {} accordée à l'équipe {} (classe {}, {} membres)",
                grant.grant_id(),
                grant.team_id(),
                roster.class,
                roster.members.len()
            ),
        );
        Ok(self.team_grant_view(&grant, false))
    }

    /// Keeps a roster of a granted team (family device) when it is newer than the one held,
    /// and notes the change in the journal.
    pub(crate) fn keep_granted_roster(
        &mut self,
        livret: LivretId,
        roster: &TeamRoster,
        bytes: &[u8],
    ) -> Result<bool> {
        let id = format!("{}/{}", roster.school_id(), roster.team_id());
        let held = self
            .store
            .record(GRANTED_ROSTERS, &id)?
            .and_then(|b| TeamRoster::open(&b).ok());
        if held.as_ref().is_some_and(|h| h.rank() >= roster.rank()) {
            return Ok(false);
        }
        self.store.put_record(GRANTED_ROSTERS, &id, None, bytes)?;
        let detail = match held {
            None => format!(
                "liste de l'équipe {} (classe {}) version {} reçue : {} membres",
                roster.team_id(),
                roster.class,
                roster.version,
                roster.members.len()
            ),
            Some(h) => format!(
                "liste de l'équipe {} (classe {}) : version {} remplacée par la version {} ({} membres)",
                roster.team_id(),
                roster.class,
                h.version,
                roster.version,
                roster.members.len()
            ),
        };
        self.audit_event(
            Some(livret),
            Some(&roster.school_id()),
            None,
            AuditAction::Team,
            true,
            &detail,
        );
        Ok(true)
    }

    fn team_grant_view(&self, g: &TeamGrant, revoked: bool) -> TeamGrantView {
        TeamGrantView {
            grant_id: g.grant_id().to_string(),
            team_id: g.team_id().to_string(),
            school: g.school_id().to_string(),
            class: g.class.to_string(),
            sections: g.sections.iter().map(|s| s.to_string()).collect(),
            rights: g.rights.as_str().to_string(),
            own_subjects: g.own_subjects,
            until: crate::sharing::last_day(g.until),
            revoked,
            expired: !g.covers_time(self.now()),
        }
    }

    /// The team grants of a livret (family device).
    pub fn team_grants(&self, livret: LivretId) -> Result<Vec<TeamGrantView>> {
        let manifest = self.manifest(livret)?;
        Ok(manifest
            .team_grants()
            .map(|g| self.team_grant_view(g, manifest.team_grant_revoked(g)))
            .collect())
    }
}

impl Device {
    /// The teams whose roster this device holds: on a family device, the teams it granted
    /// (the roster received with the card, or a newer one since); on a teacher's device, the
    /// teams it was delivered as a member (« Mes équipes »). One per team, the version in
    /// force here, with the school's name when this device trusts its card. Only the teams
    /// granted a livret this device still holds: a member's rosters outlive the livrets a
    /// revocation or an ended grant purged, and such a team is not its team any more.
    pub fn held_teams(&self) -> Result<Vec<TeamView>> {
        let mut granted = std::collections::BTreeSet::new();
        for (livret, _) in self.held_livrets()? {
            if let Ok(manifest) = self.manifest(livret) {
                granted.extend(manifest.team_grants().map(|g| g.team_id()));
            }
        }
        let mut out = Vec::new();
        for (_, _, bytes) in self.store.records(GRANTED_ROSTERS)? {
            let Ok(roster) = TeamRoster::open(&bytes) else {
                continue;
            };
            if !granted.contains(&roster.team_id()) {
                continue;
            }
            let name = self.trusted_school_name(&roster.school_id()).ok().flatten();
            out.push(view(&roster, name));
        }
        out.sort_by(|a, b| (b.year, &a.class, &a.team_id).cmp(&(a.year, &b.class, &b.team_id)));
        Ok(out)
    }
}
