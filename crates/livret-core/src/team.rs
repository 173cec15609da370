//! Teaching teams: a school keeps a signed, versioned roster of each team (a class's teachers'
//! devices and their subjects), and a family grants a whole team at once.
//!
//! - A [`TeamRoster`] is signed by the school's key (a key the family trusts through its
//!   [`crate::cert::SchoolCard`]); among the rosters of one team signed by that key, the
//!   highest version is in force ([`TeamRosters`]). A roster signed by any other key is refused;
//!   two different rosters of the same highest version are a dispute, and then none is in force.
//! - A [`TeamGrant`] is signed by an owner of the livret and kept in its manifest under
//!   `team-grant/<grant id>`: its grantee is a team (team id + school key) instead of one device.
//!   A device is covered iff it is a member of the roster in force for that team, and only
//!   within the grant's sections, rights and dates: a roster never widens the grant
//!   ([`crate::grant::Manifest::may_team`]).
//! - A [`TeamCard`] (`LIVRET-EQUIPE:` + base32) is what the school shows the family: the school
//!   key, the team id, the class, one address, and the roster when it fits a QR code.
//! - A [`TeamDelegation`], signed by the school, lets one teacher's device (the PP) sign the
//!   team's next rosters until a date: each carries the delegation, keeps the team's school,
//!   id, class and year, and is ranked by the delegation's `epoch`; a roster the school signs
//!   with a higher epoch outranks every roster of the delegations before it (the school's way
//!   to take the team back).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::cbor;
use crate::cose::Kind;
use crate::error::CoreError;
use crate::grant::{Rights, MAX_SECTIONS_PER_GRANT};
use crate::ids::{DeviceId, GrantId, LivretId, TeamId};
use crate::lang::{Lang, Localized};
use crate::record::SignedRecord;
use crate::section::Section;
use crate::vocab::{DisciplineCode, Division, Millesime, PersonName};

/// The most members a roster may list (a teacher's several devices count one each).
pub const MAX_TEAM_MEMBERS: usize = 64;
/// The most subjects one member may teach in a team.
pub const MAX_MEMBER_SUBJECTS: usize = 16;
/// The largest signed roster, in bytes.
pub const MAX_ROSTER_BYTES: usize = 12 * 1024;
/// The largest team card, in bytes (it must fit a QR code).
pub const MAX_TEAM_CARD_BYTES: usize = 1200;
/// The largest address a team card carries, in bytes.
pub const MAX_CARD_ADDRESS_BYTES: usize = 128;
/// Text prefix of a team card.
pub const TEAM_CARD_PREFIX: &str = "LIVRET-EQUIPE:";

/// Why a team roster, team grant or team card was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TeamProblem {
    /// More members than [`MAX_TEAM_MEMBERS`].
    TooManyMembers {
        /// How many it lists.
        actual: usize,
    },
    /// One device listed twice.
    DuplicateMember(DeviceId),
    /// A member with more subjects than [`MAX_MEMBER_SUBJECTS`], or one subject twice.
    BadSubjects(DeviceId),
    /// Version 0 (versions start at 1).
    NoVersion,
    /// A roster signed by another key than the team's school.
    OtherSchool {
        /// The school the team belongs to.
        expected: DeviceId,
        /// The key that signed the roster.
        signer: DeviceId,
    },
    /// A roster older than (or as old as) the one in force: it replaces nothing.
    Older {
        /// The version in force.
        in_force: u32,
        /// The version offered.
        offered: u32,
    },
    /// Two different rosters of one version: none is in force until a newer one.
    Conflict {
        /// The disputed version.
        version: u32,
    },
    /// A card whose roster is not the card's team or school.
    CardMismatch,
    /// A team grant naming no section, or too many.
    BadSections,
    /// A team card of a school this device does not trust (no school card added).
    UntrustedSchool(DeviceId),
    /// No team of this id on this device.
    UnknownTeam(String),
    /// The device is not a member of the team.
    NotAMember(DeviceId),
    /// A card without its roster (too large for a QR code): the roster comes at sync, which
    /// this version does not do yet.
    RosterNotCarried,
    /// A roster signed under a delegation that is not its team's: another team, school, class,
    /// year or epoch than the roster's.
    DelegationMismatch,
    /// A roster signed under a delegation at a time the delegation does not cover.
    DelegationExpired {
        /// The end of the delegation (seconds, exclusive).
        until: i64,
    },
    /// This device manages no roster of that team (neither its school nor its delegate).
    NotDelegate,
}

impl Localized for TeamProblem {
    fn localized(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Fr, TeamProblem::TooManyMembers { actual }) => format!(
                "trop de membres dans l'équipe ({actual}, au plus {MAX_TEAM_MEMBERS})"
            ),
            (Lang::En, TeamProblem::TooManyMembers { actual }) => {
                format!("too many team members ({actual}, at most {MAX_TEAM_MEMBERS})")
            }
            (Lang::Fr, TeamProblem::DuplicateMember(d)) => {
                format!("l'appareil {} figure deux fois dans l'équipe", d.short())
            }
            (Lang::En, TeamProblem::DuplicateMember(d)) => {
                format!("device {} is listed twice in the team", d.short())
            }
            (Lang::Fr, TeamProblem::BadSubjects(d)) => format!(
                "matières de l'appareil {} refusées (au plus {MAX_MEMBER_SUBJECTS}, chacune une fois)",
                d.short()
            ),
            (Lang::En, TeamProblem::BadSubjects(d)) => format!(
                "subjects of device {} refused (at most {MAX_MEMBER_SUBJECTS}, each once)",
                d.short()
            ),
            (_, TeamProblem::NoVersion) => lang
                .pick(
                    "liste d'équipe sans version (la première est 1)",
                    "team roster without a version (the first is 1)",
                )
                .into(),
            (Lang::Fr, TeamProblem::OtherSchool { expected, signer }) => format!(
                "liste d'équipe signée par la clé {} et non par l'établissement de l'équipe ({})",
                signer.short(),
                expected.short()
            ),
            (Lang::En, TeamProblem::OtherSchool { expected, signer }) => format!(
                "team roster signed by key {} and not by the team's school ({})",
                signer.short(),
                expected.short()
            ),
            (Lang::Fr, TeamProblem::Older { in_force, offered }) => format!(
                "liste d'équipe version {offered} plus ancienne que la version {in_force} en vigueur"
            ),
            (Lang::En, TeamProblem::Older { in_force, offered }) => format!(
                "team roster version {offered} is not newer than version {in_force} in force"
            ),
            (Lang::Fr, TeamProblem::Conflict { version }) => format!(
                "deux listes d'équipe différentes portent la version {version} : aucune n'est en vigueur"
            ),
            (Lang::En, TeamProblem::Conflict { version }) => format!(
                "two different team rosters carry version {version}: neither is in force"
            ),
            (_, TeamProblem::CardMismatch) => lang
                .pick(
                    "la liste portée par la carte n'est pas celle de son équipe",
                    "the roster the card carries is not its team's",
                )
                .into(),
            (Lang::Fr, TeamProblem::UntrustedSchool(k)) => format!(
                "l'établissement de cette équipe (clé {}) n'est pas reconnu par cet appareil : ajoutez d'abord sa carte (livret trust add LIVRET-ECOLE:…)",
                k.short()
            ),
            (Lang::En, TeamProblem::UntrustedSchool(k)) => format!(
                "this team's school (key {}) is not trusted by this device: add its card first (livret trust add LIVRET-ECOLE:…)",
                k.short()
            ),
            (Lang::Fr, TeamProblem::UnknownTeam(t)) => {
                format!("équipe inconnue sur cet appareil : {t}")
            }
            (Lang::En, TeamProblem::UnknownTeam(t)) => format!("unknown team on this device: {t}"),
            (Lang::Fr, TeamProblem::NotAMember(d)) => {
                format!("l'appareil {} n'est pas membre de l'équipe", d.short())
            }
            (Lang::En, TeamProblem::NotAMember(d)) => {
                format!("device {} is not a member of the team", d.short())
            }
            (_, TeamProblem::RosterNotCarried) => lang
                .pick(
                    "la carte ne porte pas la liste de l'équipe (trop grande pour un code QR) : cette version ne sait pas encore la recevoir autrement",
                    "the card does not carry the team's roster (too large for a QR code): this version cannot receive it otherwise yet",
                )
                .into(),
            (_, TeamProblem::DelegationMismatch) => lang
                .pick(
                    "liste d'équipe signée sous une délégation qui n'est pas celle de cette équipe (autre équipe, établissement, classe, année ou génération)",
                    "team roster signed under a delegation that is not this team's (another team, school, class, year or epoch)",
                )
                .into(),
            (Lang::Fr, TeamProblem::DelegationExpired { until }) => format!(
                "liste d'équipe signée hors de la période de sa délégation (fin : {until}) : l'établissement doit déléguer à nouveau (livret team delegate)"
            ),
            (Lang::En, TeamProblem::DelegationExpired { until }) => format!(
                "team roster signed outside its delegation's period (end: {until}): the school must delegate again (livret team delegate)"
            ),
            (_, TeamProblem::NotDelegate) => lang
                .pick(
                    "cet appareil ne gère pas la liste de cette équipe (ni son établissement, ni un appareil délégué)",
                    "this device does not manage this team's roster (neither its school nor a delegated device)",
                )
                .into(),
            (_, TeamProblem::BadSections) => lang
                .pick(
                    "autorisation d'équipe sans section ou avec trop de sections",
                    "team grant with no section or too many",
                )
                .into(),
        }
    }
}

impl std::fmt::Display for TeamProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.localized(Lang::En))
    }
}

impl From<TeamProblem> for CoreError {
    fn from(p: TeamProblem) -> CoreError {
        CoreError::Team(p)
    }
}

// ---------------------------------------------------------------------------------------------
// The roster

/// One member of a team: a device key and the subjects it teaches in the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    /// The member's device key.
    #[serde(rename = "k", with = "cbor::fixed")]
    pub key: [u8; 32],
    /// The subjects it teaches (LSU codes); empty for a member with no subject of its own.
    #[serde(rename = "s", default)]
    pub subjects: Vec<DisciplineCode>,
}

impl TeamMember {
    /// The member's device.
    pub fn device(&self) -> DeviceId {
        DeviceId(self.key)
    }
}

/// A teaching team's roster, signed by its school. A newer version replaces an older one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRoster {
    /// The team's id.
    #[serde(rename = "id", with = "cbor::fixed")]
    pub team: [u8; 16],
    /// The school's key: the signer.
    #[serde(rename = "s", with = "cbor::fixed")]
    pub school: [u8; 32],
    /// The class.
    #[serde(rename = "c")]
    pub class: Division,
    /// The school year.
    #[serde(rename = "y")]
    pub year: Millesime,
    /// The team's name, if the school gave one.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    /// The version (from 1).
    #[serde(rename = "v")]
    pub version: u32,
    /// The members.
    #[serde(rename = "m")]
    pub members: Vec<TeamMember>,
    /// Valid until (seconds, exclusive): after it, the roster covers no one.
    #[serde(rename = "u")]
    pub until: i64,
    /// When this version was signed.
    #[serde(rename = "t")]
    pub at: i64,
    /// Devices removed from the team, each with when it was removed: what a former member
    /// signed before that stays valid on every device, whichever roster versions it saw.
    #[serde(rename = "f", default, skip_serializing_if = "Vec::is_empty")]
    pub former: Vec<FormerMember>,
    /// The rank above the version: a roster of a higher epoch outranks any of a lower one.
    /// The school raises it to end its delegations; a delegate's roster carries its
    /// delegation's.
    #[serde(rename = "e", default, skip_serializing_if = "is_zero")]
    pub epoch: u32,
    /// The school's signed [`TeamDelegation`] when a delegated device signed this roster
    /// (then the signer is the delegate, not the school).
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<crate::grant::AddressBytes>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A device removed from a team, and when the school removed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormerMember {
    /// The former member's device key.
    #[serde(rename = "k", with = "cbor::fixed")]
    pub key: [u8; 32],
    /// When it was removed (seconds): what it signed from then on counts no more.
    #[serde(rename = "r")]
    pub removed_at: i64,
}

/// The most former members a roster keeps (the oldest are dropped first).
pub const MAX_FORMER_MEMBERS: usize = 4 * MAX_TEAM_MEMBERS;

impl TeamRoster {
    /// The team's id.
    pub fn team_id(&self) -> TeamId {
        TeamId(self.team)
    }
    /// The school's key.
    pub fn school_id(&self) -> DeviceId {
        DeviceId(self.school)
    }
    /// The member entry of `key`, if it is one.
    pub fn member(&self, key: &DeviceId) -> Option<&TeamMember> {
        self.members.iter().find(|m| m.key == key.0)
    }
    /// Whether `key` is a member while the roster is valid at `t`.
    pub fn covers(&self, key: &DeviceId, t: i64) -> bool {
        t < self.until && self.member(key).is_some()
    }
    /// Whether `key` was a member at `t` by this roster: a member now, or a former member
    /// removed no earlier than `t` (the same second included, as for a revocation; both while
    /// the roster is valid). What a removed member signed while
    /// it was one stays valid.
    pub fn was_member_at(&self, key: &DeviceId, t: i64) -> bool {
        self.covers(key, t)
            || (t < self.until
                && self
                    .former
                    .iter()
                    .any(|f| f.key == key.0 && t <= f.removed_at))
    }
    /// Whether `key` is a former member (not a member again) and `t` is after its removal:
    /// what it signed then counts no more.
    pub fn removed_before(&self, key: &DeviceId, t: i64) -> bool {
        self.member(key).is_none()
            && self
                .former
                .iter()
                .any(|f| f.key == key.0 && t > f.removed_at)
    }
    /// Whether `key` is listed, as a member or a former member.
    pub fn lists(&self, key: &DeviceId) -> bool {
        self.member(key).is_some() || self.former.iter().any(|f| f.key == key.0)
    }
    /// Its rank among the team's rosters: the epoch, then the version.
    pub fn rank(&self) -> (u32, u32) {
        (self.epoch, self.version)
    }
    /// The delegate that signed it, if a delegated device did (read without checking: opening
    /// the roster checks the delegation).
    pub fn delegate(&self) -> Option<DeviceId> {
        self.delegation
            .as_ref()
            .and_then(|d| TeamDelegation::read_unverified(&d.0))
            .map(|d| d.delegate_id())
    }
}

impl SignedRecord for TeamRoster {
    const KIND: Kind = Kind::TeamRoster;
    const WHAT: &'static str = "team roster";
    const MAX_BYTES: usize = MAX_ROSTER_BYTES;
    /// The school; the delegate for a roster carrying a delegation (a delegation that does not
    /// decode names no one, and the signature then fails).
    fn signer(&self) -> DeviceId {
        match &self.delegation {
            None => DeviceId(self.school),
            Some(d) => {
                TeamDelegation::read_unverified(&d.0).map_or(DeviceId([0; 32]), |d| d.delegate_id())
            }
        }
    }
    /// Bounded members, each once, bounded subjects, each once; a version from 1; under a
    /// delegation, one the school signed for this very team, class, year and epoch, covering
    /// the time the roster was signed.
    fn check(&self) -> Result<(), CoreError> {
        if self.version == 0 {
            return Err(TeamProblem::NoVersion.into());
        }
        if let Some(d) = &self.delegation {
            let d = TeamDelegation::open(&d.0)?;
            if d.school != self.school
                || d.team != self.team
                || d.class != self.class
                || d.year != self.year
                || d.epoch != self.epoch
            {
                return Err(TeamProblem::DelegationMismatch.into());
            }
            if !(d.at <= self.at && self.at < d.until) {
                return Err(TeamProblem::DelegationExpired { until: d.until }.into());
            }
        }
        if self.members.len() > MAX_TEAM_MEMBERS {
            return Err(TeamProblem::TooManyMembers {
                actual: self.members.len(),
            }
            .into());
        }
        let mut seen = BTreeSet::new();
        for m in &self.members {
            if !seen.insert(m.key) {
                return Err(TeamProblem::DuplicateMember(m.device()).into());
            }
            let subjects: BTreeSet<&DisciplineCode> = m.subjects.iter().collect();
            if m.subjects.len() > MAX_MEMBER_SUBJECTS || subjects.len() != m.subjects.len() {
                return Err(TeamProblem::BadSubjects(m.device()).into());
            }
        }
        if self.former.len() > MAX_FORMER_MEMBERS {
            return Err(TeamProblem::TooManyMembers {
                actual: self.former.len(),
            }
            .into());
        }
        let mut former = BTreeSet::new();
        for f in &self.former {
            if seen.contains(&f.key) || !former.insert(f.key) {
                return Err(TeamProblem::DuplicateMember(DeviceId(f.key)).into());
            }
        }
        Ok(())
    }
}

/// A school's delegation of one team's roster to a teacher's device (the PP): that device may
/// sign the team's rosters of this `epoch` while `at <= t < until` (t: when it signs one). A
/// delegated roster keeps the team's id, school, class and year (they are the delegation's);
/// rosters never widen what a family granted. The school ends a delegation early by signing a
/// roster of a higher epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamDelegation {
    /// The team's id.
    #[serde(rename = "id", with = "cbor::fixed")]
    pub team: [u8; 16],
    /// The school's key: the signer.
    #[serde(rename = "s", with = "cbor::fixed")]
    pub school: [u8; 32],
    /// The delegated device's key.
    #[serde(rename = "k", with = "cbor::fixed")]
    pub delegate: [u8; 32],
    /// The team's class.
    #[serde(rename = "c")]
    pub class: Division,
    /// The team's school year.
    #[serde(rename = "y")]
    pub year: Millesime,
    /// The epoch of the rosters it lets the delegate sign.
    #[serde(rename = "e")]
    pub epoch: u32,
    /// When it was signed: the delegate's rosters count from then.
    #[serde(rename = "t")]
    pub at: i64,
    /// Until when (seconds, exclusive) the delegate may sign.
    #[serde(rename = "u")]
    pub until: i64,
}

/// The largest signed delegation, in bytes.
pub const MAX_DELEGATION_BYTES: usize = 1024;

impl TeamDelegation {
    /// The team's id.
    pub fn team_id(&self) -> TeamId {
        TeamId(self.team)
    }
    /// The school's key.
    pub fn school_id(&self) -> DeviceId {
        DeviceId(self.school)
    }
    /// The delegated device.
    pub fn delegate_id(&self) -> DeviceId {
        DeviceId(self.delegate)
    }
    /// Its payload, read without checking the signature (to know whom a roster must be signed
    /// by; [`SignedRecord::open`] checks it).
    pub fn read_unverified(bytes: &[u8]) -> Option<TeamDelegation> {
        let env =
            crate::cose::Envelope::parse(bytes, Kind::TeamDelegation, MAX_DELEGATION_BYTES).ok()?;
        cbor::from_slice(env.payload(), MAX_DELEGATION_BYTES, "team delegation").ok()
    }
}

impl SignedRecord for TeamDelegation {
    const KIND: Kind = Kind::TeamDelegation;
    const WHAT: &'static str = "team delegation";
    const MAX_BYTES: usize = MAX_DELEGATION_BYTES;
    fn signer(&self) -> DeviceId {
        DeviceId(self.school)
    }
    /// A period that is not empty, and a delegate that is not the school itself.
    fn check(&self) -> Result<(), CoreError> {
        if self.until <= self.at {
            return Err(TeamProblem::DelegationExpired { until: self.until }.into());
        }
        if self.delegate == self.school {
            return Err(TeamProblem::DelegationMismatch.into());
        }
        Ok(())
    }
}

/// The rosters a device holds, by team and school: what it judges team members by.
#[derive(Debug, Clone, Default)]
pub struct TeamRosters {
    /// For each (school, team), the rosters of the highest version seen (one, or several
    /// different ones: a dispute).
    by_team: BTreeMap<(DeviceId, TeamId), Vec<TeamRoster>>,
}

/// What offering a roster did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterOutcome {
    /// The first roster of this team.
    New,
    /// It replaced an older version.
    Replaced {
        /// The version it replaced.
        previous: u32,
    },
    /// The very roster already held.
    Same,
}

impl TeamRosters {
    /// An empty set.
    pub fn new() -> TeamRosters {
        TeamRosters::default()
    }

    /// Offers an opened roster of a team whose school is `school` (the key the family's grant
    /// names, or the school device's own key). A roster of another school is refused; an
    /// older one ([`TeamRoster::rank`]: epoch, then version) replaces nothing; a different roster of the version held is a dispute (it
    /// is kept, and no roster of that version is in force, whichever arrived first).
    pub fn offer(
        &mut self,
        roster: TeamRoster,
        school: &DeviceId,
    ) -> Result<RosterOutcome, TeamProblem> {
        if roster.school_id() != *school {
            return Err(TeamProblem::OtherSchool {
                expected: *school,
                signer: roster.school_id(),
            });
        }
        let held = self.by_team.entry((*school, roster.team_id())).or_default();
        let Some(current) = held.first().map(TeamRoster::rank) else {
            held.push(roster);
            return Ok(RosterOutcome::New);
        };
        if roster.rank() > current {
            held.clear();
            held.push(roster);
            return Ok(RosterOutcome::Replaced {
                previous: current.1,
            });
        }
        if roster.rank() < current {
            return Err(TeamProblem::Older {
                in_force: current.1,
                offered: roster.version,
            });
        }
        if held.contains(&roster) {
            return if held.len() == 1 {
                Ok(RosterOutcome::Same)
            } else {
                Err(TeamProblem::Conflict { version: current.1 })
            };
        }
        held.push(roster);
        Err(TeamProblem::Conflict { version: current.1 })
    }

    /// The roster in force for `team` of `school`: the highest version signed by that key,
    /// unless two different rosters carry it.
    pub fn in_force(&self, team: &TeamId, school: &DeviceId) -> Option<&TeamRoster> {
        match self.by_team.get(&(*school, *team)).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => None,
        }
    }

    /// Every roster in force.
    pub fn all(&self) -> impl Iterator<Item = &TeamRoster> {
        self.by_team.values().filter_map(|v| match v.as_slice() {
            [one] => Some(one),
            _ => None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The team grant

/// A family's grant to a teaching team: every member of the roster in force for the team
/// (signed by `school`) may read or write the sections named, within the dates. Kept in the
/// manifest under `team-grant/<grant id>`, revoked like a grant (`revocation/<grant id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamGrant {
    /// Grant id.
    #[serde(rename = "g", with = "cbor::fixed")]
    pub id: [u8; 16],
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The owner who issued it.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// The team.
    #[serde(rename = "tm", with = "cbor::fixed")]
    pub team: [u8; 16],
    /// The school whose rosters of the team count.
    #[serde(rename = "sc", with = "cbor::fixed")]
    pub school: [u8; 32],
    /// The team's class, as the card showed it (for people).
    #[serde(rename = "c")]
    pub class: Division,
    /// The sections it covers.
    #[serde(rename = "s")]
    pub sections: Vec<Section>,
    /// Read or write.
    #[serde(rename = "r")]
    pub rights: Rights,
    /// Valid from (seconds).
    #[serde(rename = "nb")]
    pub not_before: i64,
    /// Valid until (seconds, exclusive).
    #[serde(rename = "u")]
    pub until: i64,
    /// When it was issued.
    #[serde(rename = "t")]
    pub issued_at: i64,
    /// Each member writes only entries of its own subjects (as the roster in force lists them).
    #[serde(rename = "o", default)]
    pub own_subjects: bool,
    /// Whom it concerns, as the family shares it with the team (the child's name), as a
    /// device grant carries it: members show it in their class lists. None if the family's
    /// device holds no name.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
}

impl TeamGrant {
    /// The grant id.
    pub fn grant_id(&self) -> GrantId {
        GrantId(self.id)
    }
    /// The livret id.
    pub fn livret_id(&self) -> LivretId {
        LivretId(self.livret)
    }
    /// The team.
    pub fn team_id(&self) -> TeamId {
        TeamId(self.team)
    }
    /// The school.
    pub fn school_id(&self) -> DeviceId {
        DeviceId(self.school)
    }
    /// The issuer.
    pub fn issuer_id(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
    /// Whether the grant's period covers `t`.
    pub fn covers_time(&self, t: i64) -> bool {
        self.not_before <= t && t < self.until
    }
    /// The manifest key it is kept under.
    pub fn key(&self) -> String {
        format!("team-grant/{}", self.grant_id())
    }

    /// The audience its [`crate::grant::Revocation`] names: a digest of the team and school,
    /// the key of no device, so revoking a team grant voids no device's grant.
    pub fn revocation_audience(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"livret/team-grant-revocation/v1");
        h.update(self.team);
        h.update(self.school);
        h.finalize().into()
    }
}

impl SignedRecord for TeamGrant {
    const KIND: Kind = Kind::TeamGrant;
    const WHAT: &'static str = "team grant";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
    /// One to [`MAX_SECTIONS_PER_GRANT`] sections.
    fn check(&self) -> Result<(), CoreError> {
        if self.sections.is_empty() || self.sections.len() > MAX_SECTIONS_PER_GRANT {
            return Err(TeamProblem::BadSections.into());
        }
        Ok(())
    }
}

/// What a team member asks to do, for [`crate::grant::Manifest::may_team`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamAccess<'a> {
    /// Read the section.
    Read,
    /// Write an entry of this subject (None: an entry of no subject, such as a synthesis).
    Write(Option<&'a DisciplineCode>),
    /// Send changes to the section: a write grant on it, whatever the subjects (each entry's
    /// subject is checked on its own, with [`TeamAccess::Write`]).
    WriteSection,
}

// ---------------------------------------------------------------------------------------------
// The team card

/// A school's team card, signed by the school: what the family scans to grant a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamCard {
    /// The school's key: the signer.
    #[serde(rename = "s", with = "cbor::fixed")]
    pub school: [u8; 32],
    /// The team's id.
    #[serde(rename = "id", with = "cbor::fixed")]
    pub team: [u8; 16],
    /// One address of a member or of the school (a multiaddr's bytes), if known.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub address: Option<crate::grant::AddressBytes>,
    /// The roster in force (signed), when it fits; otherwise it comes at sync.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<crate::grant::AddressBytes>,
    /// When the card was made.
    #[serde(rename = "t")]
    pub at: i64,
    /// The delegated device that signed the card, when not the school: the roster it carries
    /// must then be one that device signed under the school's delegation.
    #[serde(
        rename = "b",
        default,
        skip_serializing_if = "Option::is_none",
        with = "cbor::opt_fixed"
    )]
    pub by: Option<[u8; 32]>,
    /// The school's delegation of this team to a device (what `livret team delegate` shows the
    /// PP), signed by the school.
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<crate::grant::AddressBytes>,
}

/// An opened team card: the card and its roster, opened and checked against the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedTeamCard {
    /// The card.
    pub card: TeamCard,
    /// The roster it carries, opened.
    pub roster: Option<TeamRoster>,
    /// The delegation it carries, opened (the card's school's, for the card's team).
    pub delegation: Option<TeamDelegation>,
}

impl SignedRecord for TeamCard {
    const KIND: Kind = Kind::TeamCard;
    const WHAT: &'static str = "team card";
    const MAX_BYTES: usize = MAX_TEAM_CARD_BYTES;
    fn signer(&self) -> DeviceId {
        DeviceId(self.by.unwrap_or(self.school))
    }
    /// A bounded address; a card a delegate signed carries a roster that delegate signed, or
    /// the school's delegation to it.
    fn check(&self) -> Result<(), CoreError> {
        if let Some(by) = self.by {
            let by = Some(DeviceId(by));
            let signed_it = self
                .roster
                .as_ref()
                .and_then(|r| TeamRoster::open(&r.0).ok())
                .and_then(|r| r.delegate())
                == by;
            let delegated = self
                .delegation
                .as_ref()
                .and_then(|d| TeamDelegation::open(&d.0).ok())
                .map(|d| d.delegate_id())
                == by;
            if !signed_it && !delegated {
                return Err(TeamProblem::CardMismatch.into());
            }
        }
        if self
            .address
            .as_ref()
            .is_some_and(|a| a.0.len() > MAX_CARD_ADDRESS_BYTES)
        {
            return Err(CoreError::TooLarge {
                what: "team card",
                max: MAX_CARD_ADDRESS_BYTES,
                actual: self.address.as_ref().map_or(0, |a| a.0.len()),
            });
        }
        Ok(())
    }
}

impl TeamCard {
    /// The team's id.
    pub fn team_id(&self) -> TeamId {
        TeamId(self.team)
    }
    /// The school's key.
    pub fn school_id(&self) -> DeviceId {
        DeviceId(self.school)
    }

    /// Opens a signed card and the roster it carries: the roster must be signed by the card's
    /// school and be the card's team.
    pub fn open_with_roster(bytes: &[u8]) -> Result<OpenedTeamCard, CoreError> {
        let card = TeamCard::open(bytes)?;
        let roster = match &card.roster {
            None => None,
            Some(r) => {
                let roster = TeamRoster::open(&r.0)?;
                if roster.school != card.school || roster.team != card.team {
                    return Err(TeamProblem::CardMismatch.into());
                }
                Some(roster)
            }
        };
        let delegation = match &card.delegation {
            None => None,
            Some(d) => {
                let d = TeamDelegation::open(&d.0)?;
                if d.school != card.school || d.team != card.team {
                    return Err(TeamProblem::CardMismatch.into());
                }
                Some(d)
            }
        };
        Ok(OpenedTeamCard {
            card,
            roster,
            delegation,
        })
    }

    /// The text form (`LIVRET-EQUIPE:` + base32), also what its QR code holds.
    pub fn to_text(signed: &[u8]) -> String {
        format!(
            "{TEAM_CARD_PREFIX}{}",
            data_encoding::BASE32_NOPAD.encode(signed)
        )
    }

    /// Reads the text form (blanks ignored, any case), bounded before decoding.
    pub fn bytes_from_text(text: &str) -> Result<Vec<u8>, CoreError> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(MAX_TEAM_CARD_BYTES * 2 + TEAM_CARD_PREFIX.len() + 1)
            .collect::<String>()
            .to_ascii_uppercase();
        let body = cleaned
            .strip_prefix(TEAM_CARD_PREFIX)
            .ok_or_else(|| CoreError::Malformed {
                what: "team card",
                detail: format!("le texte doit commencer par {TEAM_CARD_PREFIX}"),
            })?;
        if body.len() > MAX_TEAM_CARD_BYTES * 2 {
            return Err(CoreError::TooLarge {
                what: "team card",
                max: MAX_TEAM_CARD_BYTES * 2,
                actual: body.len(),
            });
        }
        data_encoding::BASE32_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| CoreError::Malformed {
                what: "team card",
                detail: "base32 invalide".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DeviceSecret;

    fn roster(school: &DeviceSecret, version: u32, members: &[&DeviceSecret]) -> TeamRoster {
        TeamRoster {
            team: [9; 16],
            school: school.device_id().0,
            class: Division::parse("5B").unwrap(),
            year: Millesime::new(2026).unwrap(),
            name: None,
            version,
            members: members
                .iter()
                .map(|m| TeamMember {
                    key: m.device_id().0,
                    subjects: vec![DisciplineCode::parse("030201").unwrap()],
                })
                .collect(),
            until: 10_000,
            at: 100 + i64::from(version),
            former: Vec::new(),
            epoch: 0,
            delegation: None,
        }
    }

    #[test]
    fn a_roster_opens_only_with_its_schools_signature() {
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let other = DeviceSecret::from_bytes(&[61; 32]);
        let t1 = DeviceSecret::from_bytes(&[62; 32]);
        let r = roster(&school, 1, &[&t1]);
        assert_eq!(TeamRoster::open(&r.sign(&school)).unwrap(), r);
        // Signed by another key than the school it names: a forgery.
        assert!(matches!(
            TeamRoster::open(&r.sign(&other)),
            Err(CoreError::BadSignature {
                what: "team roster"
            })
        ));
        // A grant's envelope kind is not a roster's.
        let bytes = crate::cose::sign(&school, Kind::Grant, cbor::to_vec(&r));
        assert!(TeamRoster::open(&bytes).is_err());
    }

    #[test]
    fn a_roster_signed_by_another_school_is_refused() {
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let other = DeviceSecret::from_bytes(&[61; 32]);
        let t1 = DeviceSecret::from_bytes(&[62; 32]);
        let mut book = TeamRosters::new();
        // The other school signs a roster of the same team id, properly: still refused.
        let forged = TeamRoster::open(&roster(&other, 5, &[&t1]).sign(&other)).unwrap();
        assert!(matches!(
            book.offer(forged, &school.device_id()),
            Err(TeamProblem::OtherSchool { .. })
        ));
        assert!(book
            .in_force(&TeamId([9; 16]), &school.device_id())
            .is_none());
        assert!(book
            .in_force(&TeamId([9; 16]), &other.device_id())
            .is_none());
    }

    #[test]
    fn the_highest_version_is_in_force_and_an_older_one_replaces_nothing() {
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let (t1, t2) = (
            DeviceSecret::from_bytes(&[62; 32]),
            DeviceSecret::from_bytes(&[63; 32]),
        );
        let s = school.device_id();
        let team = TeamId([9; 16]);
        let mut book = TeamRosters::new();
        assert_eq!(
            book.offer(roster(&school, 2, &[&t1]), &s),
            Ok(RosterOutcome::New)
        );
        assert_eq!(
            book.offer(roster(&school, 1, &[&t1, &t2]), &s),
            Err(TeamProblem::Older {
                in_force: 2,
                offered: 1
            })
        );
        assert_eq!(book.in_force(&team, &s).map(|r| r.version), Some(2));
        assert_eq!(
            book.offer(roster(&school, 2, &[&t1]), &s),
            Ok(RosterOutcome::Same)
        );
        assert_eq!(
            book.offer(roster(&school, 3, &[&t2]), &s),
            Ok(RosterOutcome::Replaced { previous: 2 })
        );
        let now = book.in_force(&team, &s).unwrap();
        assert!(now.covers(&t2.device_id(), 500));
        assert!(!now.covers(&t1.device_id(), 500));
        assert!(!now.covers(&t2.device_id(), 10_000), "after its end");
        // Two different rosters of one version: none in force, in either order.
        for order in [[1, 2], [2, 1]] {
            let mut book = TeamRosters::new();
            let a = roster(&school, 4, &[&t1]);
            let b = roster(&school, 4, &[&t2]);
            let pick = |i: i32| if i == 1 { a.clone() } else { b.clone() };
            assert!(book.offer(pick(order[0]), &s).is_ok());
            assert_eq!(
                book.offer(pick(order[1]), &s),
                Err(TeamProblem::Conflict { version: 4 })
            );
            assert!(book.in_force(&team, &s).is_none());
            assert_eq!(
                book.offer(roster(&school, 5, &[&t1]), &s),
                Ok(RosterOutcome::Replaced { previous: 4 })
            );
            assert!(book.in_force(&team, &s).is_some());
        }
    }

    #[test]
    fn a_roster_is_bounded_and_lists_each_member_once() {
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let t1 = DeviceSecret::from_bytes(&[62; 32]);
        let mut r = roster(&school, 1, &[&t1, &t1]);
        assert_eq!(
            TeamRoster::open(&r.sign(&school)),
            Err(CoreError::Team(TeamProblem::DuplicateMember(
                t1.device_id()
            )))
        );
        r.members = (0..=MAX_TEAM_MEMBERS)
            .map(|i| TeamMember {
                key: DeviceSecret::from_bytes(&[u8::try_from(i).unwrap(); 32])
                    .device_id()
                    .0,
                subjects: vec![],
            })
            .collect();
        assert_eq!(
            TeamRoster::open(&r.sign(&school)),
            Err(CoreError::Team(TeamProblem::TooManyMembers {
                actual: MAX_TEAM_MEMBERS + 1
            }))
        );
        r.members.truncate(MAX_TEAM_MEMBERS);
        assert!(TeamRoster::open(&r.sign(&school)).is_ok());
        let mut r = roster(&school, 1, &[&t1]);
        let first = r.members[0].subjects[0].clone();
        r.members[0].subjects.push(first);
        assert!(matches!(
            TeamRoster::open(&r.sign(&school)),
            Err(CoreError::Team(TeamProblem::BadSubjects(_)))
        ));
        let r = roster(&school, 0, &[&t1]);
        assert_eq!(
            TeamRoster::open(&r.sign(&school)),
            Err(CoreError::Team(TeamProblem::NoVersion))
        );
        // A class name the vocabulary refuses does not decode.
        let mut bad = cbor::to_vec(&roster(&school, 1, &[&t1]));
        // The class is the text string "5B" (0x62 = a text of 2 bytes).
        let at = bad.windows(3).position(|w| w == b"\x625B").unwrap();
        bad[at + 1] = 0x07;
        let bytes = crate::cose::sign(&school, Kind::TeamRoster, bad);
        assert!(matches!(
            TeamRoster::open(&bytes),
            Err(CoreError::Malformed { .. })
        ));
    }

    fn delegation(
        school: &DeviceSecret,
        to: &DeviceSecret,
        team: [u8; 16],
        epoch: u32,
        until: i64,
    ) -> Vec<u8> {
        TeamDelegation {
            team,
            school: school.device_id().0,
            delegate: to.device_id().0,
            class: Division::parse("5B").unwrap(),
            year: Millesime::new(2026).unwrap(),
            epoch,
            at: 100,
            until,
        }
        .sign(school)
    }

    /// The PP's roster under the school's delegation counts; one under a forged delegation,
    /// another school's, an expired one, or another team's does not open; the school takes the
    /// team back with a roster of a higher epoch, whatever versions the PP signed.
    #[test]
    fn a_delegate_signs_its_teams_rosters_within_its_delegation_only() {
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let other = DeviceSecret::from_bytes(&[61; 32]);
        let (pp, t2) = (
            DeviceSecret::from_bytes(&[62; 32]),
            DeviceSecret::from_bytes(&[63; 32]),
        );
        let s = school.device_id();
        let by_pp = |d: Vec<u8>, version: u32, at: i64| {
            let mut r = roster(&school, version, &[&pp, &t2]);
            r.delegation = Some(crate::grant::AddressBytes(d));
            r.at = at;
            r.sign(&pp)
        };
        let good = delegation(&school, &pp, [9; 16], 0, 1_000);
        let opened = TeamRoster::open(&by_pp(good.clone(), 2, 500)).unwrap();
        assert_eq!(opened.delegate(), Some(pp.device_id()));
        assert_eq!(opened.school_id(), s);
        let mut book = TeamRosters::new();
        book.offer(roster(&school, 1, &[&pp]), &s).unwrap();
        assert_eq!(
            book.offer(opened, &s),
            Ok(RosterOutcome::Replaced { previous: 1 })
        );
        // The delegation signed by another key than the school it names: a forgery.
        let forged = TeamDelegation::read_unverified(&good).unwrap().sign(&pp);
        assert_eq!(
            TeamRoster::open(&by_pp(forged, 2, 500)),
            Err(CoreError::BadSignature {
                what: "team delegation"
            })
        );
        // Another school's delegation, properly signed by it: not this team's.
        let theirs = delegation(&other, &pp, [9; 16], 0, 1_000);
        assert_eq!(
            TeamRoster::open(&by_pp(theirs, 2, 500)),
            Err(CoreError::Team(TeamProblem::DelegationMismatch))
        );
        // Signed after the delegation's end (or before its start).
        for at in [1_000, 99] {
            assert_eq!(
                TeamRoster::open(&by_pp(good.clone(), 2, at)),
                Err(CoreError::Team(TeamProblem::DelegationExpired {
                    until: 1_000
                }))
            );
        }
        // The delegation of another team, used for this one.
        let elsewhere = delegation(&school, &pp, [8; 16], 0, 1_000);
        assert_eq!(
            TeamRoster::open(&by_pp(elsewhere, 2, 500)),
            Err(CoreError::Team(TeamProblem::DelegationMismatch))
        );
        // The delegate cannot change the class (nor the year, the epoch).
        let mut r = roster(&school, 2, &[&pp]);
        r.class = Division::parse("4A").unwrap();
        r.delegation = Some(crate::grant::AddressBytes(good.clone()));
        r.at = 500;
        assert_eq!(
            TeamRoster::open(&r.sign(&pp)),
            Err(CoreError::Team(TeamProblem::DelegationMismatch))
        );
        // Signed by the delegate without its delegation: the school's signature is missing.
        let mut r = roster(&school, 2, &[&pp]);
        r.at = 500;
        assert!(TeamRoster::open(&r.sign(&pp)).is_err());
        // The school takes the team back: its roster of epoch 1 outranks the PP's version 50.
        let pp_late = TeamRoster::open(&by_pp(good.clone(), 50, 600)).unwrap();
        let mut back = roster(&school, 3, &[&t2]);
        back.epoch = 1;
        for order in [true, false] {
            let mut book = TeamRosters::new();
            let (first, second) = if order {
                (pp_late.clone(), back.clone())
            } else {
                (back.clone(), pp_late.clone())
            };
            let _ = book.offer(first, &s);
            let _ = book.offer(second, &s);
            let now = book.in_force(&TeamId([9; 16]), &s).unwrap();
            assert_eq!((now.epoch, now.version), (1, 3));
            assert!(!now.covers(&pp.device_id(), 500));
        }
        // A card the PP signs carries the PP's roster; with the school's roster, it is refused.
        let card = |roster: Vec<u8>| TeamCard {
            school: s.0,
            team: [9; 16],
            address: None,
            roster: Some(crate::grant::AddressBytes(roster)),
            at: 5,
            by: Some(pp.device_id().0),
            delegation: None,
        };
        let ok = card(by_pp(good.clone(), 2, 500)).sign(&pp);
        let opened = TeamCard::open_with_roster(&ok).unwrap();
        assert_eq!(opened.roster.map(|r| r.version), Some(2));
        let wrong = card(roster(&school, 2, &[&pp]).sign(&school)).sign(&pp);
        assert_eq!(
            TeamCard::open_with_roster(&wrong),
            Err(CoreError::Team(TeamProblem::CardMismatch))
        );
    }

    #[test]
    fn a_card_carries_its_own_teams_roster_only() {
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let other = DeviceSecret::from_bytes(&[61; 32]);
        let t1 = DeviceSecret::from_bytes(&[62; 32]);
        let card = |roster: Vec<u8>| TeamCard {
            school: school.device_id().0,
            team: [9; 16],
            address: Some(crate::grant::AddressBytes(vec![1, 2, 3])),
            roster: Some(crate::grant::AddressBytes(roster)),
            at: 5,
            by: None,
            delegation: None,
        };
        let good = card(roster(&school, 1, &[&t1]).sign(&school)).sign(&school);
        let text = TeamCard::to_text(&good);
        let opened =
            TeamCard::open_with_roster(&TeamCard::bytes_from_text(&text).unwrap()).unwrap();
        assert_eq!(opened.roster.map(|r| r.version), Some(1));
        let theirs = card(roster(&other, 1, &[&t1]).sign(&other)).sign(&school);
        assert_eq!(
            TeamCard::open_with_roster(&theirs),
            Err(CoreError::Team(TeamProblem::CardMismatch))
        );
        assert!(TeamCard::bytes_from_text("LIVRET-ECOLE:AAAA").is_err());
        assert!(
            TeamCard::bytes_from_text(&format!("{TEAM_CARD_PREFIX}{}", "A".repeat(5000))).is_err()
        );
    }

    struct Granted {
        manifest: crate::grant::Manifest,
        school: DeviceSecret,
        t1: DeviceSecret,
        t2: DeviceSecret,
        stranger: DeviceSecret,
    }

    fn team_grant(
        parent: &DeviceSecret,
        livret: LivretId,
        school: &DeviceSecret,
        rights: Rights,
        own: bool,
        id: u8,
    ) -> (String, Vec<u8>) {
        let g = TeamGrant {
            id: [id; 16],
            livret: livret.0,
            issuer: parent.device_id().0,
            team: [9; 16],
            school: school.device_id().0,
            class: Division::parse("5B").unwrap(),
            sections: vec![Section::Annee(2026)],
            rights,
            not_before: 0,
            until: 5_000,
            issued_at: 10,
            own_subjects: own,
            subject_name: None,
        };
        (g.key(), g.sign(parent))
    }

    fn granted(rights: Rights, own: bool, extra: Vec<(String, Vec<u8>)>) -> Granted {
        let parent = DeviceSecret::from_bytes(&[1; 32]);
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let (livret, genesis) = crate::grant::Genesis::create(&parent, [7; 16], 1);
        let mut records = vec![
            ("genesis".to_string(), genesis),
            team_grant(&parent, livret, &school, rights, own, 3),
        ];
        records.extend(extra);
        let manifest = crate::grant::Manifest::from_records(
            records.iter().map(|(k, v)| (k.as_str(), v.as_slice())),
        )
        .unwrap();
        Granted {
            manifest,
            school,
            t1: DeviceSecret::from_bytes(&[62; 32]),
            t2: DeviceSecret::from_bytes(&[63; 32]),
            stranger: DeviceSecret::from_bytes(&[64; 32]),
        }
    }

    use crate::grant::{Decision, DenyReason};

    const ANNEE: Section = Section::Annee(2026);

    #[test]
    fn a_team_grant_covers_the_members_of_the_roster_in_force_only() {
        let g = granted(Rights::Write, false, vec![]);
        let s = g.school.device_id();
        let mut book = TeamRosters::new();
        book.offer(roster(&g.school, 1, &[&g.t1, &g.t2]), &s)
            .unwrap();
        let w = TeamAccess::Write(None);
        let m = &g.manifest;
        assert_eq!(
            m.may_team(&g.t1.device_id(), ANNEE, 100, w, &book),
            Decision::Granted(GrantId([3; 16]))
        );
        assert!(m
            .may_team(&g.t2.device_id(), ANNEE, 100, TeamAccess::Read, &book)
            .allowed());
        // Not a member; no roster at all; another section; outside the grant's dates.
        assert_eq!(
            m.may_team(&g.stranger.device_id(), ANNEE, 100, w, &book),
            Decision::Denied(DenyReason::NotTeamMember)
        );
        assert_eq!(
            m.may_team(&g.t1.device_id(), ANNEE, 100, w, &TeamRosters::new()),
            Decision::Denied(DenyReason::NotTeamMember)
        );
        assert_eq!(
            m.may_team(&g.t1.device_id(), Section::Cycles, 100, w, &book),
            Decision::Denied(DenyReason::SectionNotGranted)
        );
        assert_eq!(
            m.may_team(&g.t1.device_id(), ANNEE, 5_000, TeamAccess::Read, &book),
            Decision::Denied(DenyReason::OutsidePeriod)
        );
        // The owner's device grants do not come into it: the device grant API knows no team.
        assert!(!m.may_write(&g.t1.device_id(), ANNEE, 100).allowed());
        // A removed member: the newer roster leaves it out.
        book.offer(roster(&g.school, 2, &[&g.t2]), &s).unwrap();
        assert_eq!(
            m.may_team(&g.t1.device_id(), ANNEE, 100, w, &book),
            Decision::Denied(DenyReason::NotTeamMember)
        );
        assert!(m
            .may_team(&g.t2.device_id(), ANNEE, 100, w, &book)
            .allowed());
    }

    #[test]
    fn a_roster_past_its_end_covers_no_one() {
        let g = granted(Rights::Write, false, vec![]);
        let mut book = TeamRosters::new();
        let mut r = roster(&g.school, 1, &[&g.t1]);
        r.until = 1_000;
        book.offer(r, &g.school.device_id()).unwrap();
        let m = &g.manifest;
        assert!(m
            .may_team(&g.t1.device_id(), ANNEE, 999, TeamAccess::Read, &book)
            .allowed());
        assert_eq!(
            m.may_team(&g.t1.device_id(), ANNEE, 1_000, TeamAccess::Read, &book),
            Decision::Denied(DenyReason::NotTeamMember)
        );
    }

    #[test]
    fn a_roster_signed_by_another_school_covers_no_one() {
        let g = granted(Rights::Write, false, vec![]);
        let other = DeviceSecret::from_bytes(&[61; 32]);
        let mut book = TeamRosters::new();
        // Kept for the other school's own team (same id), it is not the granted team's.
        book.offer(roster(&other, 7, &[&g.stranger]), &other.device_id())
            .unwrap();
        assert_eq!(
            g.manifest.may_team(
                &g.stranger.device_id(),
                ANNEE,
                100,
                TeamAccess::Write(None),
                &book
            ),
            Decision::Denied(DenyReason::NotTeamMember)
        );
    }

    #[test]
    fn a_read_only_team_grant_refuses_writes() {
        let g = granted(Rights::Read, false, vec![]);
        let mut book = TeamRosters::new();
        book.offer(roster(&g.school, 1, &[&g.t1]), &g.school.device_id())
            .unwrap();
        let m = &g.manifest;
        assert!(m
            .may_team(&g.t1.device_id(), ANNEE, 100, TeamAccess::Read, &book)
            .allowed());
        assert_eq!(
            m.may_team(
                &g.t1.device_id(),
                ANNEE,
                100,
                TeamAccess::Write(None),
                &book
            ),
            Decision::Denied(DenyReason::ReadOnly)
        );
    }

    #[test]
    fn a_narrowed_team_grant_limits_each_member_to_its_subjects() {
        let g = granted(Rights::Write, true, vec![]);
        let mut book = TeamRosters::new();
        book.offer(roster(&g.school, 1, &[&g.t1]), &g.school.device_id())
            .unwrap();
        let (own, other) = (
            DisciplineCode::parse("030201").unwrap(),
            DisciplineCode::parse("061300").unwrap(),
        );
        let m = &g.manifest;
        let t1 = g.t1.device_id();
        assert!(m
            .may_team(&t1, ANNEE, 100, TeamAccess::Write(Some(&own)), &book)
            .allowed());
        for subject in [Some(&other), None] {
            assert_eq!(
                m.may_team(&t1, ANNEE, 100, TeamAccess::Write(subject), &book),
                Decision::Denied(DenyReason::SubjectNotAssigned)
            );
        }
    }

    #[test]
    fn a_revoked_or_forged_team_grant_covers_no_one() {
        let parent = DeviceSecret::from_bytes(&[1; 32]);
        let stranger = DeviceSecret::from_bytes(&[64; 32]);
        let (livret, _) = crate::grant::Genesis::create(&parent, [7; 16], 1);
        let revocation = crate::grant::Revocation {
            livret: livret.0,
            grant: [3; 16],
            audience: DeviceSecret::from_bytes(&[60; 32]).device_id().0,
            issuer: parent.device_id().0,
            at: 50,
        };
        let g = granted(
            Rights::Write,
            false,
            vec![(
                format!("revocation/{}", GrantId([3; 16])),
                revocation.sign(&parent),
            )],
        );
        let mut book = TeamRosters::new();
        book.offer(roster(&g.school, 1, &[&g.t1]), &g.school.device_id())
            .unwrap();
        assert_eq!(
            g.manifest
                .may_team(&g.t1.device_id(), ANNEE, 100, TeamAccess::Read, &book),
            Decision::Denied(DenyReason::Revoked)
        );
        // A team grant signed by a stranger is set aside.
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let g = granted(
            Rights::Read,
            false,
            vec![team_grant(
                &stranger,
                livret,
                &school,
                Rights::Write,
                false,
                4,
            )],
        );
        assert_eq!(g.manifest.team_grants().count(), 1);
        assert_eq!(
            g.manifest.rejected().len(),
            1,
            "{:?}",
            g.manifest.rejected()
        );
    }

    #[test]
    fn a_team_grant_is_kept_under_its_own_id_only() {
        let parent = DeviceSecret::from_bytes(&[1; 32]);
        let school = DeviceSecret::from_bytes(&[60; 32]);
        let (livret, _) = crate::grant::Genesis::create(&parent, [7; 16], 1);
        let (key, bytes) = team_grant(&parent, livret, &school, Rights::Write, false, 3);
        assert!(matches!(
            crate::grant::ManifestRecord::open(&key, &bytes),
            Ok(crate::grant::ManifestRecord::TeamGrant(_))
        ));
        let other = format!("team-grant/{}", GrantId([4; 16]));
        assert!(matches!(
            crate::grant::ManifestRecord::open(&other, &bytes),
            Err(CoreError::OutOfScope(_))
        ));
        // Not a device grant: under grant/ it does not open.
        let as_grant = format!("grant/{}", GrantId([3; 16]));
        assert!(crate::grant::ManifestRecord::open(&as_grant, &bytes).is_err());
    }

    #[test]
    fn the_policy_judges_members_by_the_rosters_a_manifest_holds() {
        use crate::doc::WriteCheck;
        use crate::policy::{
            may_send_changes, may_write_arriving, BatchRules, Holding, Mode, ReadRules,
        };
        let g = granted(Rights::Write, false, vec![]);
        let s = g.school.device_id();
        let (t1, t2, stranger) = (g.t1.device_id(), g.t2.device_id(), g.stranger.device_id());
        let mut v1 = TeamRosters::new();
        v1.offer(roster(&g.school, 1, &[&g.t1, &g.t2]), &s).unwrap();
        let m1 = g.manifest.clone().with_rosters(v1);
        assert!(m1.may_write(&t1, ANNEE, 100).allowed());
        assert!(m1.may_read(&t2, ANNEE, 100).allowed());
        assert_eq!(
            m1.may_read(&stranger, ANNEE, 100),
            Decision::Denied(DenyReason::NoGrant)
        );
        assert!(may_write_arriving(&m1, &t1, ANNEE, 100, 100).allowed());
        assert!(may_send_changes(&m1, &t1, ANNEE, 100).allowed());
        assert!(m1.knows_author(&t1) && !m1.knows_author(&stranger));
        // Two members sync the granted section with each other; not with a stranger.
        let on_t2 = |m| ReadRules {
            me: t2,
            now: 100,
            holding: Holding::Grantee,
            manifest: m,
        };
        assert!(on_t2(&m1).may_send(&t1, Some(ANNEE)).allowed());
        assert!(!on_t2(&m1).may_send(&t1, Some(Section::Cycles)).allowed());
        assert!(!on_t2(&m1).may_send(&stranger, Some(ANNEE)).allowed());

        // t1 removed at 200 (version 2): its later writes count no more, its earlier ones do.
        let mut r2 = roster(&g.school, 2, &[&g.t2]);
        r2.former.push(FormerMember {
            key: t1.0,
            removed_at: 200,
        });
        let mut v2 = TeamRosters::new();
        v2.offer(r2, &s).unwrap();
        let m2 = g.manifest.clone().with_rosters(v2);
        // From itself, even backdated: refused.
        assert!(!may_write_arriving(&m2, &t1, ANNEE, 150, 300).allowed());
        assert!(!may_send_changes(&m2, &t1, ANNEE, 300).allowed());
        assert!(!on_t2(&m2).may_send(&t1, Some(ANNEE)).allowed());
        // Relayed by a member: judged by when it signed.
        assert!(m2.may_have_written(&t1, ANNEE, 200).allowed());
        assert!(!m2.may_have_written(&t1, ANNEE, 201).allowed());
        let relay = |mode| BatchRules {
            manifest: &m2,
            livret: m2.livret(),
            section: ANNEE,
            sender: t2,
            mode,
            now: 300,
        };
        for mode in [Mode::Owner, Mode::Grantee] {
            assert!(relay(mode).sender_may_write());
            assert!(relay(mode).may_author(&t1, 150));
            assert!(!relay(mode).may_author(&t1, 250));
        }
        assert!(m2.knows_author(&t1));

        // A read-only team: its members send no changes.
        let r = granted(Rights::Read, false, vec![]);
        let mut book = TeamRosters::new();
        book.offer(roster(&r.school, 1, &[&r.t1]), &r.school.device_id())
            .unwrap();
        let mr = r.manifest.clone().with_rosters(book);
        let rules = BatchRules {
            manifest: &mr,
            livret: mr.livret(),
            section: ANNEE,
            sender: r.t1.device_id(),
            mode: Mode::Owner,
            now: 100,
        };
        assert!(!rules.sender_may_write());
        assert!(!rules.may_author(&r.t1.device_id(), 100));
    }
}
