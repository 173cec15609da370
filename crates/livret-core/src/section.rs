//! Section names: the unit of sharing. Each section is its own Automerge document, because
//! Automerge sync sends a document's whole history: what is shared must be what is read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// The first and last school years (by the year they start) a section may name.
pub const YEARS: std::ops::RangeInclusive<u16> = 2000..=2100;

/// A section of a livret, as users type it on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Section {
    /// `identite`: name, birth date, INE (written by the family).
    Identite,
    /// `annee/YYYY`: the bilans périodiques of the school year starting in YYYY.
    Annee(u16),
    /// `cycles`: the bilans de fin de cycle.
    Cycles,
    /// `attestations`: APER, ASSR, PSC1, savoir-nager...
    Attestations,
    /// `vie-scolaire/YYYY`: late arrivals and absences of the school year starting in YYYY.
    VieScolaire(u16),
    /// `accompagnement`: support measures (PPRE, PAI, PPS...). Sensitive: exists only when the
    /// family opens it and is shared only by a grant that names it.
    Accompagnement,
    /// `correspondance`: messages between the family and the teachers.
    Correspondance,
}

impl Section {
    /// Whether the section holds sensitive data (support measures, some under medical secrecy).
    pub fn is_sensitive(self) -> bool {
        matches!(self, Section::Accompagnement)
    }

    /// A French label for people.
    pub fn french_label(self) -> String {
        match self {
            Section::Identite => "Identité".into(),
            Section::Annee(y) => format!("Année scolaire {}-{}", y, y + 1),
            Section::Cycles => "Bilans de fin de cycle".into(),
            Section::Attestations => "Attestations".into(),
            Section::VieScolaire(y) => format!("Vie scolaire {}-{}", y, y + 1),
            Section::Accompagnement => "Accompagnement (sensible)".into(),
            Section::Correspondance => "Correspondance".into(),
        }
    }

    /// An English label for people.
    pub fn english_label(self) -> String {
        match self {
            Section::Identite => "Identity".into(),
            Section::Annee(y) => format!("School year {}-{}", y, y + 1),
            Section::Cycles => "End-of-cycle reports".into(),
            Section::Attestations => "Certificates".into(),
            Section::VieScolaire(y) => format!("Attendance {}-{}", y, y + 1),
            Section::Accompagnement => "Support measures (sensitive)".into(),
            Section::Correspondance => "Correspondence".into(),
        }
    }

    /// A compact number for the section (kind × 10000 + year), used where every byte counts
    /// (invitations must fit a small QR code).
    pub fn code(self) -> u32 {
        match self {
            Section::Identite => 10_000,
            Section::Annee(y) => 20_000 + u32::from(y),
            Section::Cycles => 30_000,
            Section::Attestations => 40_000,
            Section::VieScolaire(y) => 50_000 + u32::from(y),
            Section::Accompagnement => 60_000,
            Section::Correspondance => 70_000,
        }
    }

    /// The section of a compact number.
    pub fn from_code(code: u32) -> Result<Section, CoreError> {
        let year = u16::try_from(code % 10_000).unwrap_or(0);
        let bad = || CoreError::UnknownSection(code.to_string());
        let section = match code / 10_000 {
            1 if year == 0 => Section::Identite,
            2 if YEARS.contains(&year) => Section::Annee(year),
            3 if year == 0 => Section::Cycles,
            4 if year == 0 => Section::Attestations,
            5 if YEARS.contains(&year) => Section::VieScolaire(year),
            6 if year == 0 => Section::Accompagnement,
            7 if year == 0 => Section::Correspondance,
            _ => return Err(bad()),
        };
        Ok(section)
    }

    /// Parses a comma-separated list a person typed (`annee/2025, cycles`), each name read by
    /// [`Section::from_typed`]; duplicates count once.
    pub fn parse_list(list: &str) -> Result<Vec<Section>, CoreError> {
        let mut out: Vec<Section> = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let s = Section::from_typed(part)?;
            if !out.contains(&s) {
                out.push(s);
            }
        }
        if out.is_empty() {
            return Err(CoreError::EmptySectionList);
        }
        out.sort();
        Ok(out)
    }
}

impl crate::lang::Localized for Section {
    /// The section's label for people.
    fn localized(&self, lang: crate::lang::Lang) -> String {
        match lang {
            crate::lang::Lang::Fr => self.french_label(),
            crate::lang::Lang::En => self.english_label(),
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Section::Identite => f.write_str("identite"),
            Section::Annee(y) => write!(f, "annee/{y}"),
            Section::Cycles => f.write_str("cycles"),
            Section::Attestations => f.write_str("attestations"),
            Section::VieScolaire(y) => write!(f, "vie-scolaire/{y}"),
            Section::Accompagnement => f.write_str("accompagnement"),
            Section::Correspondance => f.write_str("correspondance"),
        }
    }
}

fn parse_year(text: &str) -> Option<u16> {
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: u16 = text.parse().ok()?;
    YEARS.contains(&y).then_some(y)
}

impl Section {
    /// The section a person typed, on the command line or in a form: surrounding spaces, capitals
    /// and the accented spellings (`année/2025`, `identité`) are accepted and mean the canonical
    /// name. Only for what people type: a name from another device or from storage goes
    /// through [`FromStr`], which accepts the canonical spelling alone.
    pub fn from_typed(text: &str) -> Result<Section, CoreError> {
        let t = text.trim().to_lowercase();
        let t = t
            .replace("année/", "annee/")
            .replace("identité", "identite");
        Section::canonical(&t).ok_or_else(|| CoreError::UnknownSection(bounded_name(text)))
    }

    /// The section whose canonical name is exactly `text`.
    fn canonical(t: &str) -> Option<Section> {
        let section = match t {
            "identite" => Section::Identite,
            "cycles" => Section::Cycles,
            "attestations" => Section::Attestations,
            "accompagnement" => Section::Accompagnement,
            "correspondance" => Section::Correspondance,
            _ => {
                if let Some(y) = t.strip_prefix("annee/") {
                    Section::Annee(parse_year(y)?)
                } else if let Some(y) = t.strip_prefix("vie-scolaire/") {
                    Section::VieScolaire(parse_year(y)?)
                } else {
                    return None;
                }
            }
        };
        // `parse_year` accepts only four ASCII digits, so the name printed is the one read.
        (section.to_string() == t).then_some(section)
    }
}

/// A name as received, for a message: at most 40 characters, control characters escaped.
fn bounded_name(text: &str) -> String {
    text.chars().take(40).flat_map(char::escape_debug).collect()
}

/// The wire and storage parser: only the canonical spelling (what `Display` prints) is a
/// section. Another spelling of a real section (`annee/2025 `, `année/2025`, `Identite`) is
/// refused with [`CoreError::NonCanonicalSection`], naming the canonical one; it is never
/// normalized, so a name is the same everywhere it is used (targets, erasure digests,
/// storage). What people type goes through [`Section::from_typed`] instead.
impl FromStr for Section {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        if let Some(section) = Section::canonical(s) {
            return Ok(section);
        }
        match Section::from_typed(s) {
            Ok(section) => Err(CoreError::NonCanonicalSection {
                given: bounded_name(s),
                canonical: section.to_string(),
            }),
            Err(_) => Err(CoreError::UnknownSection(bounded_name(s))),
        }
    }
}

impl TryFrom<String> for Section {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, CoreError> {
        s.parse()
    }
}

impl From<Section> for String {
    fn from(s: Section) -> String {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_parse_and_print() {
        for text in [
            "identite",
            "annee/2025",
            "cycles",
            "attestations",
            "vie-scolaire/2024",
            "accompagnement",
            "correspondance",
        ] {
            assert_eq!(text.parse::<Section>().unwrap().to_string(), text);
        }
        for bad in [
            "annee/25",
            "annee/1999",
            "annee/",
            "secret",
            "annee/2025x",
            "",
        ] {
            assert!(bad.parse::<Section>().is_err(), "{bad}");
        }
        assert!(Section::Accompagnement.is_sensitive());
        for s in [
            Section::Identite,
            Section::Annee(2025),
            Section::VieScolaire(2100),
            Section::Correspondance,
        ] {
            assert_eq!(Section::from_code(s.code()).unwrap(), s);
        }
        assert!(Section::from_code(20_000).is_err());
        assert!(Section::from_code(10_001).is_err());
        assert!(Section::from_code(90_000).is_err());
        assert_eq!(
            Section::parse_list("cycles, année/2025,cycles").unwrap(),
            vec![Section::Annee(2025), Section::Cycles]
        );
    }

    #[test]
    fn only_the_canonical_spelling_is_a_section_on_the_wire() {
        for (typed, canonical) in [
            ("annee/2025 ", "annee/2025"),
            (" annee/2025", "annee/2025"),
            ("année/2025", "annee/2025"),
            ("Annee/2025", "annee/2025"),
            ("identité", "identite"),
            ("IDENTITE", "identite"),
            ("cycles\n", "cycles"),
            ("vie-scolaire/2024\t", "vie-scolaire/2024"),
        ] {
            assert_eq!(Section::from_typed(typed).unwrap().to_string(), canonical);
            match typed.parse::<Section>() {
                Err(CoreError::NonCanonicalSection {
                    given,
                    canonical: c,
                }) => {
                    assert_eq!(c, canonical);
                    assert!(!given.contains('\n') && !given.contains('\t'), "{given}");
                }
                other => panic!("{typed:?}: {other:?}"),
            }
            let message = crate::Localized::localized(
                &typed.parse::<Section>().unwrap_err(),
                crate::Lang::Fr,
            );
            assert!(message.contains("nom de section"), "{message}");
            assert!(message.contains(canonical), "{message}");
        }
        // Serde (storage, JSON) goes through the same strict parser.
        assert!(Section::try_from("année/2025".to_string()).is_err());
        assert_eq!(
            Section::try_from("annee/2025".to_string()).unwrap(),
            Section::Annee(2025)
        );
        let long = "x".repeat(500);
        for bad in ["annee/٢٠٢٥", "annee/+202", "annee/2025/", long.as_str()] {
            let e = bad.parse::<Section>().unwrap_err();
            assert!(matches!(e, CoreError::UnknownSection(_)), "{bad}: {e:?}");
            assert!(Section::from_typed(bad).is_err());
            assert!(e.to_string().chars().count() < 100);
        }
    }
}
