//! Signed entries: one bilan line, one synthesis, one attestation... each signed by its author.
//!
//! The signed payload is the *short form*: livret id, section, entry key, content (codes,
//! levels, marks and the SHA-256 digests of long texts), author key and time. The long texts
//! travel beside it. The short form alone can be printed in a paper seal or carried in an
//! extract and still be checked.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cbor;
use crate::cose::{self, Envelope, Kind};
use crate::error::CoreError;
use crate::identity::DeviceSecret;
use crate::ids::{DeviceId, LivretId};
use crate::lang::{Lang, Localized};
use crate::section::Section;

/// The largest signed entry accepted (COSE bytes plus texts).
pub const MAX_ENTRY_BYTES: usize = 32 * 1024;
/// The largest signed short form accepted.
pub const MAX_SHORT_FORM_BYTES: usize = 2 * 1024;

/// A SHA-256 digest of a long text.
pub type TextDigest = [u8; 32];

/// The SHA-256 digest of a text, as it enters a signed short form.
pub fn digest_text(text: &str) -> TextDigest {
    let mut out = [0u8; 32];
    out.copy_from_slice(&Sha256::digest(text.as_bytes()));
    out
}

/// A period of a school year: index and count (trimestre 2/3, semestre 1/2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PeriodRef {
    /// 1-based index.
    #[serde(rename = "i")]
    pub index: u8,
    /// Number of periods in the year.
    #[serde(rename = "n")]
    pub count: u8,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What an entry says. Long texts appear by digest; the texts themselves travel beside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Content {
    /// A subject's line in a bilan périodique.
    #[serde(rename = "sub")]
    Subject {
        /// School year (by the year it starts).
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Discipline code (6 characters).
        #[serde(rename = "c")]
        code: String,
        /// Discipline label.
        #[serde(rename = "l")]
        label: String,
        /// Positioning 1-4, when positioned.
        #[serde(rename = "lv", default, skip_serializing_if = "Option::is_none")]
        level: Option<u8>,
        /// A mark (at most 8 characters), when marked.
        #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
        mark: Option<String>,
        /// Digest of the appréciation (of the empty text when the bilan has none).
        #[serde(rename = "a", with = "cbor::fixed")]
        appreciation: TextDigest,
        /// The LSU `modalite-election` (`O`, `F`, `L`, `R`, `X`, `D`) when it is not the
        /// common core `S`: the same discipline under two modalités is two entries.
        #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
        election: Option<String>,
        /// The éléments du programme worked on (labels, as the school's software names them).
        #[serde(rename = "ep", default, skip_serializing_if = "Vec::is_empty")]
        elements: Vec<String>,
        /// The class's average (`moyenne-structure`).
        #[serde(rename = "cm", default, skip_serializing_if = "Option::is_none")]
        class_average: Option<String>,
        /// The pupil is not marked in this subject (`eleve-non-note`).
        #[serde(rename = "nn", default, skip_serializing_if = "is_false")]
        not_marked: bool,
        /// The class is not marked in this subject (`structure-non-notee`).
        #[serde(rename = "sn", default, skip_serializing_if = "is_false")]
        class_not_marked: bool,
    },
    /// The synthesis and advice of a bilan périodique.
    #[serde(rename = "syn")]
    Synthesis {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Digest of the synthesis text.
        #[serde(rename = "t", with = "cbor::fixed")]
        text: TextDigest,
    },
    /// Vie scolaire of a period: late arrivals, half-days of absence.
    #[serde(rename = "vs")]
    VieScolaire {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Late arrivals.
        #[serde(rename = "r")]
        late: u16,
        /// Half-days of justified absence.
        #[serde(rename = "j")]
        justified: u16,
        /// Half-days of unjustified absence.
        #[serde(rename = "u")]
        unjustified: u16,
        /// Hours of lessons missed (`nb-heures-manquees`), when counted.
        #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
        missed_hours: Option<u16>,
        /// Digest of the vie scolaire comment, when there is one.
        #[serde(
            rename = "c",
            default,
            skip_serializing_if = "Option::is_none",
            with = "cbor::opt_fixed"
        )]
        comment: Option<TextDigest>,
    },
    /// A bilan de fin de cycle: the 8 socle components and a synthesis.
    #[serde(rename = "cyc")]
    Cycle {
        /// Cycle 2, 3 or 4.
        #[serde(rename = "c")]
        cycle: u8,
        /// School year of the bilan.
        #[serde(rename = "y")]
        year: u16,
        /// Levels 0-4 of CPD_FRA, CPD_ETR, CPD_SCI, CPD_ART, MET_APP, FRM_CIT, SYS_NAT, REP_MND.
        #[serde(rename = "lv")]
        levels: [u8; 8],
        /// Digest of the synthesis.
        #[serde(rename = "s", with = "cbor::fixed")]
        synthesis: TextDigest,
        /// The enseignement de complément (code, and positioning 1 reached or 2 exceeded).
        #[serde(rename = "ec", default, skip_serializing_if = "Option::is_none")]
        complement: Option<(String, Option<u8>)>,
        /// The langue et culture régionale (code, and positioning 1 not reached or 2 reached).
        #[serde(rename = "lcr", default, skip_serializing_if = "Option::is_none")]
        regional: Option<(String, Option<u8>)>,
    },
    /// An attestation obtained.
    #[serde(rename = "att")]
    Attestation {
        /// Code: APER, ASSR1, ASSR2, AER, PSC1, SAVOIR_NAGER, MAITRISE_SOCLE.
        #[serde(rename = "k")]
        kind: String,
        /// Date obtained, YYYY-MM-DD.
        #[serde(rename = "d")]
        date: String,
    },
    /// The child's identity, written by the family.
    #[serde(rename = "id")]
    Identity {
        /// Digest of the name.
        #[serde(rename = "n", with = "cbor::fixed")]
        name: TextDigest,
        /// Digest of the birth date.
        #[serde(rename = "b", with = "cbor::fixed")]
        birth: TextDigest,
        /// Digest of the INE (empty string when none).
        #[serde(rename = "i", with = "cbor::fixed")]
        ine: TextDigest,
    },
    /// Livret scolaire du lycée: a subject's averages and annual appréciation.
    #[serde(rename = "lsl")]
    LyceeSubject {
        /// School year (première or terminale, by the year it starts).
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Discipline code (6 characters).
        #[serde(rename = "c")]
        code: String,
        /// Discipline label.
        #[serde(rename = "l")]
        label: String,
        /// The pupil's average (at most 8 characters, e.g. `14,5`).
        #[serde(rename = "m")]
        average: String,
        /// Class statistics: average, lowest and highest averages of the class.
        #[serde(rename = "cs")]
        class_stats: [String; 3],
        /// Digest of the annual appréciation.
        #[serde(rename = "a", with = "cbor::fixed")]
        appreciation: TextDigest,
    },
    /// Livret scolaire du lycée: engagement, the head's opinion and the opinion for the exam.
    #[serde(rename = "lsla")]
    LyceeOpinion {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// Digest of the engagement and responsibilities text.
        #[serde(rename = "e", with = "cbor::fixed")]
        engagement: TextDigest,
        /// Digest of the head's opinion.
        #[serde(rename = "h", with = "cbor::fixed")]
        head: TextDigest,
        /// Opinion for the exam: 1 très favorable, 2 favorable, 3 doit faire ses preuves.
        #[serde(rename = "x")]
        exam: u8,
    },
    /// A message between the family and a teacher.
    #[serde(rename = "msg")]
    Message {
        /// Digest of the text.
        #[serde(rename = "t", with = "cbor::fixed")]
        text: TextDigest,
        /// A random id (16 lowercase hex digits), so that two messages with the same text are
        /// two entries. Absent from messages written before it existed: their key comes from
        /// the text's digest.
        #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// A support measure (section `accompagnement`, sensitive): PAP, PAI, PPRE, PPS, ULIS,
    /// UPE2A, SEGPA, RASED, CTR or an MDPH notification, from a date, maybe until a date.
    #[serde(rename = "acc")]
    Accompagnement {
        /// The measure's code ([`crate::vocab::Modalite`]).
        #[serde(rename = "m")]
        measure: String,
        /// First day, YYYY-MM-DD.
        #[serde(rename = "d")]
        start: String,
        /// Last day, YYYY-MM-DD, when known.
        #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
        end: Option<String>,
        /// Digest of the note (the empty string when there is none).
        #[serde(rename = "n", with = "cbor::fixed")]
        note: TextDigest,
    },
    /// LSU compétences numériques of a period (CM2, 6e).
    #[serde(rename = "num")]
    Digital {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Each domain's code (`CN_…`, [`crate::vocab::DIGITAL_SKILL_CODES`]) and level 1-3.
        #[serde(rename = "lv")]
        levels: Vec<(String, u8)>,
        /// Digest of the appréciation (of the empty text when none).
        #[serde(rename = "a", with = "cbor::fixed")]
        appreciation: TextDigest,
        /// Digest of the class's common text (of the empty text when none).
        #[serde(rename = "cm", with = "cbor::fixed")]
        common: TextDigest,
    },
    /// LSU parcours éducatif of a period: the pupil's text and the class's common text.
    #[serde(rename = "par")]
    Parcours {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// The parcours' code ([`crate::vocab::Parcours`]).
        #[serde(rename = "c")]
        code: String,
        /// Digest of the pupil's text (of the empty text when none).
        #[serde(rename = "t", with = "cbor::fixed")]
        text: TextDigest,
        /// Digest of the class's common text (of the empty text when none).
        #[serde(rename = "cm", with = "cbor::fixed")]
        common: TextDigest,
    },
    /// LSU EPI or AP of a period: the project, the pupil's group and the comment on the pupil.
    /// Texts: title, group title, theme label, description, group text, comment.
    #[serde(rename = "prj")]
    Project {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// EPI or AP.
        #[serde(rename = "k")]
        kind: ProjectKind,
        /// The EPI's theme code (empty for an AP).
        #[serde(rename = "th")]
        theme: String,
        /// Its disciplines: code, label, `modalite-election`.
        #[serde(rename = "ds")]
        disciplines: Vec<(String, String, String)>,
        /// Digest of its title.
        #[serde(rename = "t", with = "cbor::fixed")]
        title: TextDigest,
        /// Digest of the group's title.
        #[serde(rename = "g", with = "cbor::fixed")]
        group: TextDigest,
        /// Digest of the theme's label (empty for an AP).
        #[serde(rename = "tl", with = "cbor::fixed")]
        theme_label: TextDigest,
        /// Digest of its description (maybe empty).
        #[serde(rename = "d", with = "cbor::fixed")]
        description: TextDigest,
        /// Digest of the group's common text (maybe empty).
        #[serde(rename = "gc", with = "cbor::fixed")]
        group_comment: TextDigest,
        /// Digest of the comment on the pupil (maybe empty).
        #[serde(rename = "c", with = "cbor::fixed")]
        comment: TextDigest,
    },
    /// LSU devoirs faits of a period.
    #[serde(rename = "df")]
    Homework {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Digest of the text.
        #[serde(rename = "t", with = "cbor::fixed")]
        text: TextDigest,
    },
    /// LSU socle components positioned in a period (code, 0-4).
    #[serde(rename = "soc")]
    PeriodSocle {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Each component's code ([`crate::vocab::SocleComponent`]) and level 0-4.
        #[serde(rename = "lv")]
        levels: Vec<(String, u8)>,
    },
    /// LSU vie scolaire comment common to the class for a period (section `vie-scolaire/YYYY`).
    #[serde(rename = "vsc")]
    ClassVie {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Digest of the text.
        #[serde(rename = "t", with = "cbor::fixed")]
        text: TextDigest,
    },
    /// École (cycles 2 and 3): a domain's or sub-domain's line of a bilan périodique
    /// ([`crate::content::ecole`]).
    #[serde(rename = "ecd")]
    EcoleDomain {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Cycle 2 or 3.
        #[serde(rename = "cy")]
        cycle: u8,
        /// The domain's code ([`crate::vocab::ecole::Domaine`]).
        #[serde(rename = "d")]
        domain: String,
        /// The sub-domain's code ([`crate::vocab::ecole::SousDomaine`]), when the line is one.
        #[serde(rename = "sd", default, skip_serializing_if = "Option::is_none")]
        sub_domain: Option<String>,
        /// The objectives worked on (principaux éléments du programme travaillés).
        #[serde(rename = "o", default, skip_serializing_if = "Vec::is_empty")]
        objectives: Vec<String>,
        /// Positioning 1-4, when positioned.
        #[serde(rename = "lv", default, skip_serializing_if = "Option::is_none")]
        level: Option<u8>,
        /// Digest of the appréciation (of the empty text when the line has none).
        #[serde(rename = "a", with = "cbor::fixed")]
        appreciation: TextDigest,
    },
    /// École: a project carried out during the period and the pupil's part in it.
    #[serde(rename = "ecp")]
    EcoleProject {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Digest of the project's title.
        #[serde(rename = "t", with = "cbor::fixed")]
        title: TextDigest,
        /// Digest of the pupil's involvement (of the empty text when there is none).
        #[serde(rename = "a", with = "cbor::fixed")]
        text: TextDigest,
    },
    /// École: the general appréciation on the pupil's progress in the period.
    #[serde(rename = "eca")]
    EcoleAppreciation {
        /// School year.
        #[serde(rename = "y")]
        year: u16,
        /// The period.
        #[serde(rename = "p")]
        period: PeriodRef,
        /// Digest of the text.
        #[serde(rename = "t", with = "cbor::fixed")]
        text: TextDigest,
    },
}

/// Whether an LSU project is an enseignement pratique interdisciplinaire or an
/// accompagnement personnalisé.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectKind {
    /// An EPI (`epi`).
    #[serde(rename = "epi")]
    Epi,
    /// An AP (`acc-perso`).
    #[serde(rename = "ap")]
    Ap,
}

impl ProjectKind {
    /// `epi` or `ap` (the entry key's first part).
    pub fn code(self) -> &'static str {
        match self {
            ProjectKind::Epi => "epi",
            ProjectKind::Ap => "ap",
        }
    }
}

impl Content {
    /// The digests of the long texts, in the order the texts travel.
    pub fn digests(&self) -> Vec<TextDigest> {
        match self {
            Content::Subject { appreciation, .. } => vec![*appreciation],
            Content::Synthesis { text, .. } | Content::Message { text, .. } => vec![*text],
            Content::Accompagnement { note, .. } => vec![*note],
            Content::Cycle { synthesis, .. } => vec![*synthesis],
            Content::Identity { name, birth, ine } => vec![*name, *birth, *ine],
            Content::LyceeSubject { appreciation, .. } => vec![*appreciation],
            Content::LyceeOpinion {
                engagement, head, ..
            } => vec![*engagement, *head],
            Content::VieScolaire { comment, .. } => comment.iter().copied().collect(),
            Content::Attestation { .. } => vec![],
            Content::Digital {
                appreciation,
                common,
                ..
            } => vec![*appreciation, *common],
            Content::Parcours { text, common, .. } => vec![*text, *common],
            Content::Project {
                title,
                group,
                theme_label,
                description,
                group_comment,
                comment,
                ..
            } => vec![
                *title,
                *group,
                *theme_label,
                *description,
                *group_comment,
                *comment,
            ],
            Content::Homework { text, .. } | Content::ClassVie { text, .. } => vec![*text],
            Content::PeriodSocle { .. } => vec![],
            Content::EcoleDomain { appreciation, .. } => vec![*appreciation],
            Content::EcoleProject { title, text, .. } => vec![*title, *text],
            Content::EcoleAppreciation { text, .. } => vec![*text],
        }
    }

    /// A short name of the kind of content, for messages and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Subject { .. } => "subject",
            Content::Synthesis { .. } => "synthesis",
            Content::VieScolaire { .. } => "vie-scolaire",
            Content::Cycle { .. } => "cycle",
            Content::Attestation { .. } => "attestation",
            Content::Identity { .. } => "identity",
            Content::LyceeSubject { .. } => "lycee-subject",
            Content::LyceeOpinion { .. } => "lycee-opinion",
            Content::Message { .. } => "message",
            Content::Accompagnement { .. } => "accompagnement",
            Content::Digital { .. } => "digital-skills",
            Content::Parcours { .. } => "parcours",
            Content::Project {
                kind: ProjectKind::Epi,
                ..
            } => "epi",
            Content::Project {
                kind: ProjectKind::Ap,
                ..
            } => "ap",
            Content::Homework { .. } => "homework",
            Content::PeriodSocle { .. } => "period-socle",
            Content::ClassVie { .. } => "class-vie-scolaire",
            Content::EcoleDomain { .. } => "ecole-domain",
            Content::EcoleProject { .. } => "ecole-project",
            Content::EcoleAppreciation { .. } => "ecole-appreciation",
        }
    }
}

/// The signed payload of an entry (its short form, once signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryPayload {
    /// Format version, 1.
    #[serde(rename = "v")]
    pub version: u8,
    /// The livret this entry belongs to.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The section it belongs to.
    #[serde(rename = "s")]
    pub section: Section,
    /// Its key in the section document.
    #[serde(rename = "k")]
    pub key: String,
    /// What it says.
    #[serde(rename = "c")]
    pub content: Content,
    /// Who wrote it (ed25519 public key).
    #[serde(rename = "a", with = "cbor::fixed")]
    pub author: [u8; 32],
    /// When, in seconds since 1970-01-01 UTC.
    #[serde(rename = "t")]
    pub time: i64,
}

impl EntryPayload {
    /// The livret id.
    pub fn livret_id(&self) -> LivretId {
        LivretId(self.livret)
    }
    /// The author's device id.
    pub fn author_id(&self) -> DeviceId {
        DeviceId(self.author)
    }
}

/// A signed entry as stored under its key in a section document: the COSE_Sign1 of its
/// short form and the long texts it digests, as one value, so that concurrent writes of the
/// same entry resolve to one whole signed entry and never to a mix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedEntry {
    /// The COSE_Sign1 bytes of the short form.
    #[serde(with = "cbor::bytes")]
    pub short_form: Vec<u8>,
    /// The long texts, in the order of their digests. A text withheld from an extract (it named
    /// the child) is [`WITHHELD`]: the short form still verifies, the text is not shown.
    pub texts: Vec<String>,
    /// The author's certificate from its school, if it has one (signed by the school, so it
    /// travels beside the short form).
    #[serde(
        rename = "cert",
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_bytes"
    )]
    pub certificate: Option<Vec<u8>>,
}

/// What stands in place of a text withheld from an extract. It starts with a control
/// character, which no real text of the livret may hold.
pub const WITHHELD: &str = "\u{0}withheld";

/// Where an entry is read, which says whether a text may stand [`WITHHELD`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A section document (a family's, a teacher's): every text must match its signed digest;
    /// a withheld text is refused.
    Full,
    /// A jury extract: a text that named the child may be withheld (its digest stays in the
    /// signed short form, so the entry still verifies); nowhere else.
    Extract,
}

mod opt_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_bytes(b),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let b: Option<crate::cbor::fixed::ByteBuf> = Option::deserialize(d)?;
        Ok(b.map(|b| b.0))
    }
}

/// What an entry says once verified, with its texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedEntry {
    /// The signed payload.
    pub payload: EntryPayload,
    /// The texts, in digest order.
    pub texts: Vec<String>,
}

/// The result of verifying one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The signature verifies and the author is known to this device.
    Valid,
    /// The signature verifies, but the author is not a key this device knows for this livret.
    UnknownAuthor,
    /// Tampered or forged: the reason says how.
    Invalid(String),
}

impl Verification {
    /// `valid`, `unknown-author` or `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verification::Valid => "valid",
            Verification::UnknownAuthor => "unknown-author",
            Verification::Invalid(_) => "invalid",
        }
    }
}

impl SignedEntry {
    /// The same entry with every text that names the child withheld, and nothing else
    /// changed: the signature still holds. `names` are the identifying strings: a name (each of
    /// its words of two letters or more is matched as a whole word, ignoring case) or an
    /// identifier with digits (a birth date, an INE: matched anywhere).
    pub fn withholding(&self, names: &[String]) -> SignedEntry {
        let mut words: Vec<String> = Vec::new();
        let mut phrases: Vec<String> = Vec::new();
        for n in names {
            if n.chars().any(|c| c.is_ascii_digit()) {
                phrases.push(n.to_lowercase());
            } else {
                words.extend(
                    n.split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.chars().count() >= 2)
                        .map(str::to_lowercase),
                );
            }
        }
        let names_child = |t: &str| {
            let lower = t.to_lowercase();
            phrases.iter().any(|p| lower.contains(p.as_str()))
                || lower
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|tok| words.iter().any(|w| w == tok))
        };
        let texts = self
            .texts
            .iter()
            .map(|t| {
                if names_child(t) {
                    WITHHELD.to_string()
                } else {
                    t.clone()
                }
            })
            .collect();
        SignedEntry {
            short_form: self.short_form.clone(),
            texts,
            certificate: self.certificate.clone(),
        }
    }

    /// Signs an entry. `texts` must be the long texts whose digests `content` carries, in order.
    pub fn sign(
        secret: &DeviceSecret,
        livret: LivretId,
        section: Section,
        key: &str,
        content: Content,
        texts: Vec<String>,
        time: i64,
    ) -> SignedEntry {
        let payload = EntryPayload {
            version: 1,
            livret: livret.0,
            section,
            key: key.to_string(),
            content,
            author: secret.device_id().0,
            time,
        };
        SignedEntry {
            short_form: cose::sign(secret, Kind::Entry, cbor::to_vec(&payload)),
            texts,
            certificate: None,
        }
    }

    /// Encodes the entry as the one value stored in a section document.
    pub fn to_bytes(&self) -> Vec<u8> {
        cbor::to_vec(self)
    }

    /// Decodes a stored value (size-bounded).
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedEntry, CoreError> {
        cbor::from_slice(bytes, MAX_ENTRY_BYTES, "entry")
    }

    /// Decodes the payload without checking the signature (to find its stated author).
    pub fn payload_unverified(&self) -> Result<EntryPayload, CoreError> {
        let env = Envelope::parse(&self.short_form, Kind::Entry, MAX_SHORT_FORM_BYTES)?;
        cbor::from_slice(env.payload(), MAX_SHORT_FORM_BYTES, "entry")
    }

    /// Checks the signature against the stated author and the texts against their digests.
    /// Returns the opened entry when both hold. A [`WITHHELD`] text is refused: it belongs only
    /// in a jury extract (see [`SignedEntry::open_extract`]).
    pub fn open(&self) -> Result<OpenedEntry, CoreError> {
        self.open_as(Reading::Full)
    }

    /// Like [`SignedEntry::open`], for an entry of a jury extract: a text may stand
    /// [`WITHHELD`] in place of one that named the child.
    pub fn open_extract(&self) -> Result<OpenedEntry, CoreError> {
        self.open_as(Reading::Extract)
    }

    /// Opens the entry as read in `reading`.
    pub fn open_as(&self, reading: Reading) -> Result<OpenedEntry, CoreError> {
        self.open_in(reading, false)
    }

    /// The envelope and payload, decoded once for the checks that follow.
    fn decode(&self) -> Result<Decoded, CoreError> {
        let env = Envelope::parse(&self.short_form, Kind::Entry, MAX_SHORT_FORM_BYTES)?;
        let payload: EntryPayload = cbor::from_slice(env.payload(), MAX_SHORT_FORM_BYTES, "entry")?;
        Ok(Decoded { env, payload })
    }

    /// The signed bytes, the signature and the stated author, for a batch verification.
    #[cfg(test)]
    fn signed_parts(&self) -> Option<(DeviceId, Vec<u8>, [u8; 64])> {
        self.decode().ok()?.signed_parts()
    }

    /// Opens the entry from its decoded form; the signature is not verified again when
    /// `signature_verified` (a batch holding it held).
    fn open_decoded(
        &self,
        decoded: Decoded,
        reading: Reading,
        signature_verified: bool,
    ) -> Result<OpenedEntry, CoreError> {
        let Decoded { env, payload } = decoded;
        if payload.version != 1 {
            return Err(CoreError::Malformed {
                what: "entry",
                detail: format!("unknown version {}", payload.version),
            });
        }
        if !signature_verified && !env.verify(&payload.author_id()) {
            return Err(CoreError::BadSignature { what: "entry" });
        }
        let digests = payload.content.digests();
        if digests.len() != self.texts.len() {
            return Err(CoreError::Malformed {
                what: "entry",
                detail: "texts do not match the signed digests".into(),
            });
        }
        for (d, t) in digests.iter().zip(&self.texts) {
            if t == WITHHELD {
                if reading == Reading::Full {
                    return Err(CoreError::Malformed {
                        what: "entry",
                        detail: "a withheld text outside a jury extract".into(),
                    });
                }
                continue;
            }
            if digest_text(t) != *d {
                return Err(CoreError::BadSignature { what: "entry" });
            }
        }
        Ok(OpenedEntry {
            payload,
            texts: self.texts.clone(),
        })
    }

    /// Like [`SignedEntry::open_as`]; the signature is not verified again when
    /// `signature_verified`.
    fn open_in(
        &self,
        reading: Reading,
        signature_verified: bool,
    ) -> Result<OpenedEntry, CoreError> {
        self.open_decoded(self.decode()?, reading, signature_verified)
    }

    /// Verifies the entry where it was found (`livret`, `section`, `key`): the signature, the
    /// texts, the place, and whether `is_known_author` knows its author.
    pub fn verify_at(
        &self,
        livret: LivretId,
        section: Section,
        key: &str,
        is_known_author: impl Fn(&DeviceId) -> bool,
    ) -> (Option<OpenedEntry>, Verification) {
        self.verify_as(Reading::Full, livret, section, key, is_known_author)
    }

    /// Like [`SignedEntry::verify_at`], the entry read as in `reading` (a jury extract's
    /// entries may hold withheld texts).
    pub fn verify_as(
        &self,
        reading: Reading,
        livret: LivretId,
        section: Section,
        key: &str,
        is_known_author: impl Fn(&DeviceId) -> bool,
    ) -> (Option<OpenedEntry>, Verification) {
        let opened = self.open_in(reading, false);
        judged(opened, livret, section, key, &is_known_author)
    }
}

/// The verdict on an entry found at (`livret`, `section`, `key`), from its opening: the
/// place it claims must be where it was found, its author known.
fn judged(
    opened: Result<OpenedEntry, CoreError>,
    livret: LivretId,
    section: Section,
    key: &str,
    is_known_author: &dyn Fn(&DeviceId) -> bool,
) -> (Option<OpenedEntry>, Verification) {
    match opened {
        Err(e) => (None, Verification::Invalid(e.localized(Lang::Fr))),
        Ok(opened) => {
            let p = &opened.payload;
            if p.livret_id() != livret || p.section != section || p.key != key {
                let v = Verification::Invalid(
                    "inscription déplacée (autre livret, section ou clé)".into(),
                );
                return (Some(opened), v);
            }
            let v = if is_known_author(&p.author_id()) {
                Verification::Valid
            } else {
                Verification::UnknownAuthor
            };
            (Some(opened), v)
        }
    }
}

/// An entry's envelope and payload, decoded once.
struct Decoded {
    env: Envelope,
    payload: EntryPayload,
}

impl Decoded {
    fn signed_parts(&self) -> Option<(DeviceId, Vec<u8>, [u8; 64])> {
        let signature: [u8; 64] = self.env.signature().try_into().ok()?;
        Some((self.payload.author_id(), self.env.signed_bytes(), signature))
    }
}

/// What [`verify_together`] says of one entry.
#[derive(Debug)]
pub struct Judged {
    /// Its author as stated, when the payload decodes.
    pub author: Option<DeviceId>,
    /// Its content, when it opened.
    pub opened: Option<OpenedEntry>,
    /// The verdict, as [`SignedEntry::verify_as`] gives it.
    pub verification: Verification,
}

/// Verifies entries found in one section of `livret` (each with its key), as
/// [`SignedEntry::verify_as`] would one by one, each decoded once and their signatures
/// verified together in one batch equation ([`crate::identity::verify_signatures_batch`]).
/// If the batch fails, each signature is verified on its own, strictly, which names the bad
/// ones; everything else (texts, place, author) is checked as always.
///
/// For entries this device already holds: the batch may accept a signature its own key's
/// holder built with a torsion component, which strict verification refuses (see the batch).
/// What arrives from a peer is verified one by one.
///
/// From [`SHARED_FROM`] entries on, when the machine has several cores, the two halves are
/// opened side by side on rayon's threads (each its own batch): a year section holds about
/// forty entries, and their signatures are most of the cost of reading a livret.
pub fn verify_together(
    reading: Reading,
    livret: LivretId,
    section: Section,
    entries: &[(&str, &SignedEntry)],
    is_known_author: &dyn Fn(&DeviceId) -> bool,
) -> Vec<Judged> {
    let refs: Vec<&SignedEntry> = entries.iter().map(|(_, e)| *e).collect();
    let opened = if refs.len() >= SHARED_FROM && rayon::current_num_threads() > 1 {
        let (first, second) = refs.split_at(refs.len() / 2);
        let (mut opened, rest) = rayon::join(
            || open_together(reading, first),
            || open_together(reading, second),
        );
        opened.extend(rest);
        opened
    } else {
        open_together(reading, &refs)
    };
    entries
        .iter()
        .zip(opened)
        .map(|((key, _), (author, opened))| {
            let (opened, verification) = judged(opened, livret, section, key, is_known_author);
            Judged {
                author,
                opened,
                verification,
            }
        })
        .collect()
}

/// How many entries [`verify_together`] opens in two halves side by side from.
pub const SHARED_FROM: usize = 24;

/// Each entry's stated author and opening, the signatures verified together.
fn open_together(
    reading: Reading,
    entries: &[&SignedEntry],
) -> Vec<(Option<DeviceId>, Result<OpenedEntry, CoreError>)> {
    let decoded: Vec<Result<Decoded, CoreError>> = entries.iter().map(|e| e.decode()).collect();
    let parts: Vec<_> = decoded
        .iter()
        .map(|d| d.as_ref().ok().and_then(Decoded::signed_parts))
        .collect();
    let in_batch: Vec<bool> = parts.iter().map(Option::is_some).collect();
    let items: Vec<_> = parts.into_iter().flatten().collect();
    // One signature gains nothing from a batch: it is verified when opened.
    let held = items.len() >= 2 && crate::identity::verify_signatures_batch(&items);
    entries
        .iter()
        .zip(decoded)
        .zip(in_batch)
        .map(|((entry, decoded), in_batch)| {
            let author = decoded.as_ref().ok().map(|d| d.payload.author_id());
            let opened = decoded.and_then(|d| entry.open_decoded(d, reading, held && in_batch));
            (author, opened)
        })
        .collect()
}

/// A signed subject entry of the 2025 year section, first period, under its key: `author`'s
/// level and appréciation `text` in `code`, signed at `time` (the core's tests share it).
#[cfg(test)]
pub(crate) fn subject_entry_for_tests(
    author: &DeviceSecret,
    livret: LivretId,
    code: &str,
    level: u8,
    text: &str,
    time: i64,
) -> (String, SignedEntry) {
    let content = Content::Subject {
        year: 2025,
        period: PeriodRef { index: 1, count: 3 },
        code: code.into(),
        label: code.into(),
        level: Some(level),
        mark: None,
        appreciation: digest_text(text),
        election: None,
        elements: vec![],
        class_average: None,
        not_marked: false,
        class_not_marked: false,
    };
    let key = crate::content::entry_key(&content);
    let e = SignedEntry::sign(
        author,
        livret,
        Section::Annee(2025),
        &key,
        content,
        vec![text.into()],
        time,
    );
    (key, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_verified_together_are_judged_as_one_by_one() {
        let a = DeviceSecret::from_bytes(&[1u8; 32]);
        let b = DeviceSecret::from_bytes(&[2u8; 32]);
        let livret = LivretId([9; 16]);
        let key = "bilan/1-3/FRANCS";
        let known = |_: &DeviceId| true;
        let mut valid = 0;
        let good = [sample(&a), sample(&b), sample(&a)];
        let mut bad = sample(&b);
        let n = bad.short_form.len();
        bad.short_form[n - 32] ^= 1;
        // A signature of another length: refused, never in a batch.
        let mut short_signature = sample(&a);
        {
            use coset::{CborSerializable, TaggedCborSerializable};
            let mut sign1 = coset::CoseSign1::from_tagged_slice(&short_signature.short_form)
                .or_else(|_| coset::CoseSign1::from_slice(&short_signature.short_form))
                .unwrap();
            sign1.signature.truncate(63);
            short_signature.short_form = sign1.to_vec().unwrap();
        }
        // Sets large enough to be opened in two halves (a bad entry in one half, in both).
        let many: Vec<&SignedEntry> = (0..SHARED_FROM + 6).map(|i| &good[i % 3]).collect();
        let mut bad_in_second = many.clone();
        bad_in_second[SHARED_FROM] = &bad;
        let mut bad_in_both = bad_in_second.clone();
        bad_in_both[2] = &short_signature;
        let large_valid = 3 * many.len() - 2 - 1;
        for set in [
            vec![&good[0], &good[1], &good[2]],
            vec![&good[0], &bad, &good[1], &good[2]],
            vec![&good[0], &short_signature, &good[1]],
            vec![&bad],
            vec![&good[0]],
            many,
            bad_in_second,
            bad_in_both,
        ] {
            let placed: Vec<(&str, &SignedEntry)> = set.iter().map(|e| (key, *e)).collect();
            let together =
                verify_together(Reading::Full, livret, Section::Annee(2025), &placed, &known);
            assert_eq!(together.len(), set.len());
            for (e, judged) in set.iter().zip(together) {
                let (opened, alone) =
                    e.verify_as(Reading::Full, livret, Section::Annee(2025), key, known);
                valid += usize::from(alone == Verification::Valid);
                assert_eq!(judged.verification, alone);
                assert_eq!(judged.opened.is_some(), opened.is_some());
                assert_eq!(
                    judged.author,
                    e.payload_unverified().ok().map(|p| p.author_id())
                );
            }
        }
        assert_eq!(valid, 9 + large_valid);
        assert!(matches!(
            short_signature.open(),
            Err(CoreError::Malformed { .. })
        ));
    }

    #[test]
    fn a_batch_refuses_what_strict_verification_refuses_beside_the_equation() {
        let a = DeviceSecret::from_bytes(&[1u8; 32]);
        let e = sample(&a);
        let (author, message, signature) = e.signed_parts().unwrap();
        let good = (author, message.clone(), signature);
        assert!(crate::identity::verify_signatures_batch(&[
            good.clone(),
            good.clone()
        ]));
        // R the identity point (small order).
        let mut small = signature;
        small[..32].copy_from_slice(&[0u8; 32]);
        small[0] = 1;
        assert!(!crate::identity::verify_signatures_batch(&[
            good.clone(),
            (author, message.clone(), small)
        ]));
        // A key of small order (the identity point).
        let mut weak = [0u8; 32];
        weak[0] = 1;
        assert!(!crate::identity::verify_signatures_batch(&[
            good.clone(),
            (DeviceId(weak), message, signature)
        ]));
    }

    fn sample(secret: &DeviceSecret) -> SignedEntry {
        let text = "Très bon trimestre, élève sérieuse et impliquée.".to_string();
        SignedEntry::sign(
            secret,
            LivretId([9; 16]),
            Section::Annee(2025),
            "bilan/1-3/FRANCS",
            Content::Subject {
                year: 2025,
                period: PeriodRef { index: 1, count: 3 },
                code: "FRANCS".into(),
                label: "Français".into(),
                level: Some(3),
                mark: None,
                appreciation: digest_text(&text),
                election: None,
                elements: vec![],
                class_average: None,
                not_marked: false,
                class_not_marked: false,
            },
            vec![text],
            1_760_000_000,
        )
    }

    #[test]
    fn a_signed_entry_verifies_where_it_belongs() {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let e = sample(&teacher);
        let back = SignedEntry::from_bytes(&e.to_bytes()).unwrap();
        let (_, v) = back.verify_at(
            LivretId([9; 16]),
            Section::Annee(2025),
            "bilan/1-3/FRANCS",
            |a| *a == teacher.device_id(),
        );
        assert_eq!(v, Verification::Valid);
        let (_, v) = back.verify_at(
            LivretId([9; 16]),
            Section::Annee(2025),
            "bilan/1-3/FRANCS",
            |_| false,
        );
        assert_eq!(v, Verification::UnknownAuthor);
        let (_, v) = back.verify_at(
            LivretId([8; 16]),
            Section::Annee(2025),
            "bilan/1-3/FRANCS",
            |_| true,
        );
        assert!(matches!(v, Verification::Invalid(_)));
        let (_, v) = back.verify_at(
            LivretId([9; 16]),
            Section::Annee(2025),
            "bilan/2-3/FRANCS",
            |_| true,
        );
        assert!(matches!(v, Verification::Invalid(_)));
    }

    #[test]
    fn changing_any_byte_of_the_short_form_or_a_text_invalidates() {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let e = sample(&teacher);
        for i in 0..e.short_form.len() {
            let mut t = e.clone();
            t.short_form[i] ^= 0x20;
            assert!(t.open().is_err(), "byte {i} of the short form");
        }
        let mut t = e.clone();
        t.texts[0] = t.texts[0].replace("Très bon", "Mauvais");
        assert!(t.open().is_err());
        let mut t = e.clone();
        t.texts.push("en trop".into());
        assert!(t.open().is_err());
    }

    #[test]
    fn an_entry_claiming_another_author_is_refused() {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let impostor = DeviceSecret::from_bytes(&[6; 32]);
        let e = sample(&impostor);
        // Re-sign a payload that names `teacher` as author with the impostor's key.
        let mut payload = e.payload_unverified().unwrap();
        payload.author = teacher.device_id().0;
        let forged = SignedEntry {
            short_form: cose::sign(&impostor, Kind::Entry, cbor::to_vec(&payload)),
            texts: e.texts.clone(),
            certificate: None,
        };
        assert_eq!(
            forged.open(),
            Err(CoreError::BadSignature { what: "entry" })
        );
    }

    #[test]
    fn withholding_keeps_the_signature_and_hides_texts_naming_the_child() {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let named = SignedEntry::sign(
            &teacher,
            LivretId([9; 16]),
            Section::Annee(2025),
            "bilan/1-3/FRANCS",
            Content::Subject {
                year: 2025,
                period: PeriodRef { index: 1, count: 3 },
                code: "FRANCS".into(),
                label: "Français".into(),
                level: Some(3),
                mark: None,
                appreciation: digest_text("Lina progresse."),
                election: None,
                elements: vec![],
                class_average: None,
                not_marked: false,
                class_not_marked: false,
            },
            vec!["Lina progresse.".into()],
            1,
        );
        let names = vec!["Lina Moreau".to_string(), "2014-03-02".to_string()];
        let w = named.withholding(&names);
        assert_eq!(w.texts, vec![WITHHELD.to_string()]);
        assert!(w.open_extract().is_ok(), "the short form still verifies");
        // Outside a jury extract, a withheld text is refused (issue 13, finding 4): it would
        // blank a signed text and skip the checks of its content.
        assert!(w.open().is_err());
        let (_, v) = w.verify_at(
            LivretId([9; 16]),
            Section::Annee(2025),
            "bilan/1-3/FRANCS",
            |_| true,
        );
        assert!(matches!(v, Verification::Invalid(_)), "{v:?}");
        // Whole words only: « Linares » does not name Lina; digits of other dates are kept.
        let other = sample(&teacher);
        assert_eq!(other.withholding(&names).texts, other.texts);
    }

    #[test]
    fn short_form_is_small() {
        let e = sample(&DeviceSecret::from_bytes(&[5; 32]));
        assert!(e.short_form.len() < 260, "{}", e.short_form.len());
    }
}
