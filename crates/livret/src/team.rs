//! Teaching teams (issue 15): a school device keeps its teams' signed rosters;
//! it shows a team card; a family device grants a team from that card. Whom a team grant
//! covers is the core's decision ([`livret_core::grant::Manifest::may_team`]); sessions let
//! members in and deliver them what they judge by in `team_sync.rs`.

use livret_core::cert::SchoolCard;
use livret_core::grant::{AddressBytes, ManifestRecord, Rights};
use livret_core::team::{TeamCard, TeamGrant, TeamMember, TeamProblem, TeamRoster};
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
    fn own_roster(&self, team: &str) -> Result<TeamRoster> {
        self.require_role(Role::School)?;
        let id: TeamId = team.parse()?;
        let bytes = self
            .store
            .record(ROSTERS, &id.to_string())?
            .ok_or_else(|| CoreError::from(TeamProblem::UnknownTeam(id.to_string())))?;
        let roster = TeamRoster::open(&bytes)?;
        if roster.school_id() != self.device_id() {
            return Err(CoreError::from(TeamProblem::OtherSchool {
                expected: self.device_id(),
                signer: roster.school_id(),
            })
            .into());
        }
        Ok(roster)
    }

    /// Signs and keeps a roster (its version must be newer than the one held), with an audit
    /// line.
    fn keep_roster(&mut self, roster: &TeamRoster, detail: &str) -> Result<TeamView> {
        let bytes = roster.sign(&self.identity.secret);
        TeamRoster::open(&bytes)?;
        self.store
            .put_record(ROSTERS, &roster.team_id().to_string(), None, &bytes)?;
        self.audit_event(None, None, None, AuditAction::Team, true, detail);
        Ok(view(roster, None))
    }

    /// Creates a team (school device): version 1 of its roster, no member yet, valid until the
    /// end of the school year (August 31 of the next calendar year).
    pub fn team_create(&mut self, class: &str, year: u16, name: Option<&str>) -> Result<TeamView> {
        self.require_role(Role::School)?;
        let class = Division::parse(class)?;
        let year = Millesime::new(year)?;
        let name = name.map(PersonName::parse).transpose()?;
        let until = Date::new(u16::from(year) + 1, 9, 1)?.unix_seconds_start();
        let roster = TeamRoster {
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
        };
        let detail = format!("équipe {} créée (classe {class})", roster.team_id());
        self.keep_roster(&roster, &detail)
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
        self.keep_roster(&roster, &detail)
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
        self.keep_roster(&roster, &detail)
    }

    /// This school's teams (school device).
    pub fn teams(&self) -> Result<Vec<TeamView>> {
        self.require_role(Role::School)?;
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
        let signed_roster = roster.sign(&self.identity.secret);
        let card = |with_roster: bool| TeamCard {
            school: self.device_id().0,
            team: roster.team,
            address: address.clone().map(AddressBytes),
            roster: with_roster.then(|| AddressBytes(signed_roster.clone())),
            at: self.now(),
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
        if held.as_ref().is_some_and(|h| h.version >= roster.version) {
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
    /// force here, with the school's name when this device trusts its card.
    pub fn held_teams(&self) -> Result<Vec<TeamView>> {
        let mut out = Vec::new();
        for (_, _, bytes) in self.store.records(GRANTED_ROSTERS)? {
            let Ok(roster) = TeamRoster::open(&bytes) else {
                continue;
            };
            let name = self.trusted_school_name(&roster.school_id()).ok().flatten();
            out.push(view(&roster, name));
        }
        out.sort_by(|a, b| (b.year, &a.class, &a.team_id).cmp(&(a.year, &b.class, &b.team_id)));
        Ok(out)
    }
}
