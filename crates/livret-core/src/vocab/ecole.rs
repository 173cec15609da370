//! The école livret (cycles 2 and 3 in primary school, CP to CM2): the domaines d'enseignement
//! of the bilan périodique and their sous-domaines, by cycle, with French and English labels;
//! the bounded texts of a domain's line and of a project.
//!
//! The codes are this crate's own (the LSU école has no public import file): three letters for
//! a domain (`FRA`, `MAT`...), four for a sub-domain (`LECT`, `NOMB`...). Which domains and
//! sub-domains a cycle has follows the programmes of cycles 2 and 3.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{check_text, err, normalize_code, shown, Cycle, Rule, ValidationError};
use crate::{Lang, Localized};

code_list!(
    /// A domaine d'enseignement of the école's bilan périodique.
    Domaine, field = "domaine" {
        Francais = "FRA", "Français";
        Mathematiques = "MAT", "Mathématiques";
        LanguesVivantes = "LVE", "Langues vivantes (étrangères ou régionales)";
        Eps = "EPS", "Éducation physique et sportive";
        ArtsPlastiques = "APL", "Arts plastiques";
        EducationMusicale = "EMU", "Éducation musicale";
        HistoireDesArts = "HDA", "Histoire des arts";
        QuestionnerLeMonde = "QLM", "Questionner le monde";
        SciencesTechnologie = "SCT", "Sciences et technologie";
        HistoireGeographie = "HGE", "Histoire et géographie";
        Emc = "EMC", "Enseignement moral et civique";
    }
);

/// The domains of cycle 2 (CP, CE1, CE2), in the official order.
pub const DOMAINES_CYCLE_2: &[&str] = &["FRA", "MAT", "LVE", "EPS", "APL", "EMU", "QLM", "EMC"];
/// The domains of cycle 3 in école (CM1, CM2), in the official order.
pub const DOMAINES_CYCLE_3: &[&str] = &[
    "FRA", "MAT", "LVE", "EPS", "APL", "EMU", "HDA", "SCT", "HGE", "EMC",
];

/// What stands for « no sub-domain » in a refusal of a domain without any.
const NO_SUB_DOMAIN: &[&str] = &["aucun sous-domaine pour ce domaine"];
const FRA_SUBS: &[&str] = &["ORAL", "LECT", "ECRI", "LANG"];
const MAT_SUBS: &[&str] = &["NOMB", "GRAN", "ESPA"];
const LVE_SUBS_2: &[&str] = &["COMP", "EXPR", "CONV", "CULT"];
const LVE_SUBS_3: &[&str] = &["ECOU", "LIRE", "PARL", "ECRI", "DIAL", "CULT"];
const QLM_SUBS: &[&str] = &["VIVA", "ESTE", "ORGA"];
const HGE_SUBS: &[&str] = &["HIST", "GEOG"];

impl Domaine {
    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Domaine::Francais => "French",
            Domaine::Mathematiques => "Mathematics",
            Domaine::LanguesVivantes => "Modern languages (foreign or regional)",
            Domaine::Eps => "Physical education",
            Domaine::ArtsPlastiques => "Visual arts",
            Domaine::EducationMusicale => "Music",
            Domaine::HistoireDesArts => "Art history",
            Domaine::QuestionnerLeMonde => "Exploring the world",
            Domaine::SciencesTechnologie => "Science and technology",
            Domaine::HistoireGeographie => "History and geography",
            Domaine::Emc => "Moral and civic education",
        }
    }

    /// The domain codes of a cycle (2 or 3), in the official order.
    pub fn codes_of(cycle: Cycle) -> &'static [&'static str] {
        match cycle {
            Cycle::Two => DOMAINES_CYCLE_2,
            _ => DOMAINES_CYCLE_3,
        }
    }

    /// Whether the domain is taught in `cycle` (2 or 3).
    pub fn in_cycle(self, cycle: Cycle) -> bool {
        cycle != Cycle::Four && Domaine::codes_of(cycle).contains(&self.code())
    }

    /// Reads a domain's code for a cycle: refused when the cycle has no such domain.
    pub fn parse_in(s: &str, cycle: Cycle) -> Result<Domaine, ValidationError> {
        let cycle = ecole_cycle(cycle.value())?;
        let d = Domaine::parse(s).map_err(|e| match e.rule {
            Rule::UnknownCode { code, .. } => ValidationError::new(
                Self::FIELD,
                Rule::UnknownCode {
                    code,
                    expected: Domaine::codes_of(cycle),
                },
            ),
            _ => e,
        })?;
        if d.in_cycle(cycle) {
            Ok(d)
        } else {
            err(
                Self::FIELD,
                Rule::UnknownCode {
                    code: d.code().to_owned(),
                    expected: Domaine::codes_of(cycle),
                },
            )
        }
    }

    /// The sub-domain codes of this domain in `cycle`, in the official order (empty when the
    /// domain has none).
    pub fn sub_codes(self, cycle: Cycle) -> &'static [&'static str] {
        match (self, cycle) {
            (Domaine::Francais, _) => FRA_SUBS,
            (Domaine::Mathematiques, _) => MAT_SUBS,
            (Domaine::LanguesVivantes, Cycle::Two) => LVE_SUBS_2,
            (Domaine::LanguesVivantes, _) => LVE_SUBS_3,
            (Domaine::QuestionnerLeMonde, _) => QLM_SUBS,
            (Domaine::HistoireGeographie, _) => HGE_SUBS,
            _ => &[],
        }
    }

    /// The order of the domain in the official list (for printing).
    pub fn rank(self) -> usize {
        Domaine::ALL
            .iter()
            .position(|d| *d == self)
            .unwrap_or(usize::MAX)
    }
}

impl Localized for Domaine {
    fn localized(&self, lang: Lang) -> String {
        lang.pick(self.label(), self.label_en()).to_owned()
    }
}

code_list!(
    /// A sous-domaine of a domaine d'enseignement (which domain and cycle has it:
    /// [`Domaine::sub_codes`]).
    SousDomaine, field = "sous-domaine" {
        Oral = "ORAL", "Langage oral";
        Lecture = "LECT", "Lecture et compréhension de l'écrit";
        Ecriture = "ECRI", "Écriture";
        Langue = "LANG", "Étude de la langue (grammaire, orthographe, lexique)";
        Nombres = "NOMB", "Nombres et calcul";
        Grandeurs = "GRAN", "Grandeurs et mesures";
        Espace = "ESPA", "Espace et géométrie";
        ComprendreOral = "COMP", "Comprendre l'oral";
        Exprimer = "EXPR", "S'exprimer oralement en continu";
        Conversation = "CONV", "Prendre part à une conversation";
        Culture = "CULT", "Découvrir les aspects culturels d'une langue vivante étrangère et régionale";
        Ecouter = "ECOU", "Écouter et comprendre";
        Lire = "LIRE", "Lire et comprendre";
        Parler = "PARL", "Parler en continu";
        Dialoguer = "DIAL", "Réagir et dialoguer";
        Vivant = "VIVA", "Questionner le monde du vivant, de la matière et des objets";
        EspaceTemps = "ESTE", "Questionner l'espace et le temps";
        Organisations = "ORGA", "Explorer les organisations du monde";
        Histoire = "HIST", "Histoire";
        Geographie = "GEOG", "Géographie";
    }
);

impl SousDomaine {
    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            SousDomaine::Oral => "Oral language",
            SousDomaine::Lecture => "Reading and understanding written texts",
            SousDomaine::Ecriture => "Writing",
            SousDomaine::Langue => "Language study (grammar, spelling, vocabulary)",
            SousDomaine::Nombres => "Numbers and calculation",
            SousDomaine::Grandeurs => "Quantities and measurement",
            SousDomaine::Espace => "Space and geometry",
            SousDomaine::ComprendreOral => "Understanding spoken language",
            SousDomaine::Exprimer => "Speaking",
            SousDomaine::Conversation => "Taking part in a conversation",
            SousDomaine::Culture => "Cultural aspects of a foreign or regional language",
            SousDomaine::Ecouter => "Listening and understanding",
            SousDomaine::Lire => "Reading and understanding",
            SousDomaine::Parler => "Speaking",
            SousDomaine::Dialoguer => "Responding and talking",
            SousDomaine::Vivant => "The living world, matter and objects",
            SousDomaine::EspaceTemps => "Space and time",
            SousDomaine::Organisations => "How the world is organised",
            SousDomaine::Histoire => "History",
            SousDomaine::Geographie => "Geography",
        }
    }

    /// Reads a sub-domain's code for a domain in a cycle: refused when that domain has no
    /// such sub-domain in that cycle.
    pub fn parse_in(
        s: &str,
        domaine: Domaine,
        cycle: Cycle,
    ) -> Result<SousDomaine, ValidationError> {
        let cycle = ecole_cycle(cycle.value())?;
        let list = domaine.sub_codes(cycle);
        let expected = if list.is_empty() { NO_SUB_DOMAIN } else { list };
        let code = normalize_code(s);
        if code.is_empty() {
            return err(Self::FIELD, Rule::Empty);
        }
        if !list.contains(&code.as_str()) {
            return err(
                Self::FIELD,
                Rule::UnknownCode {
                    code: shown(s),
                    expected,
                },
            );
        }
        SousDomaine::parse(&code)
    }

    /// Its order within its domain (for printing).
    pub fn rank(self) -> usize {
        SousDomaine::ALL
            .iter()
            .position(|d| *d == self)
            .unwrap_or(usize::MAX)
    }
}

impl Localized for SousDomaine {
    fn localized(&self, lang: Lang) -> String {
        lang.pick(self.label(), self.label_en()).to_owned()
    }
}

/// The cycle of an école bilan: 2 or 3 (cycle 4 is collège).
pub fn ecole_cycle(value: u8) -> Result<Cycle, ValidationError> {
    match Cycle::from_value(value)? {
        Cycle::Four => err(
            Cycle::FIELD,
            Rule::OutOfRange {
                min: 2,
                max: 3,
                actual: 4,
            },
        ),
        c => Ok(c),
    }
}

/// The most objectives (principaux éléments du programme travaillés) a domain's line holds.
pub const MAX_OBJECTIFS: usize = 6;

bounded_text!(
    /// An objective worked on in a domain during the period (« principaux éléments du
    /// programme travaillés »), one line of at most 150 characters.
    Objectif, max = 150, field = "objectif", multiline = false
);

bounded_text!(
    /// The title of a project carried out in the class (at most 150 characters, one line).
    IntituleProjet, max = 150, field = "titre", multiline = false
);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_sub_domains_by_cycle() {
        assert_eq!(
            Domaine::parse_in("qlm", Cycle::Two).unwrap(),
            Domaine::QuestionnerLeMonde
        );
        let e = Domaine::parse_in("QLM", Cycle::Three).unwrap_err();
        assert_eq!(e.field, "domaine");
        assert!(e.localized(Lang::Fr).contains("SCT"), "{e}");
        assert!(Domaine::parse_in("XYZ", Cycle::Two).is_err());
        assert!(Domaine::parse_in("FRA", Cycle::Four).is_err());
        assert_eq!(
            SousDomaine::parse_in("lect", Domaine::Francais, Cycle::Two).unwrap(),
            SousDomaine::Lecture
        );
        let e = SousDomaine::parse_in("NOMB", Domaine::Francais, Cycle::Two).unwrap_err();
        assert_eq!(e.field, "sous-domaine");
        assert!(e.localized(Lang::Fr).contains("LECT"), "{e}");
        assert!(SousDomaine::parse_in("LIRE", Domaine::LanguesVivantes, Cycle::Two).is_err());
        assert!(SousDomaine::parse_in("LIRE", Domaine::LanguesVivantes, Cycle::Three).is_ok());
        let e = SousDomaine::parse_in("LECT", Domaine::Eps, Cycle::Two).unwrap_err();
        assert!(e.localized(Lang::Fr).contains("aucun sous-domaine"), "{e}");
        // Every listed code is a domain or sub-domain, with both labels.
        for cycle in [Cycle::Two, Cycle::Three] {
            for code in Domaine::codes_of(cycle) {
                let d = Domaine::parse_in(code, cycle).unwrap();
                assert_ne!(d.label(), d.label_en());
                for s in d.sub_codes(cycle) {
                    let s = SousDomaine::parse_in(s, d, cycle).unwrap();
                    assert!(!s.label_en().is_empty());
                }
            }
        }
        assert!(ecole_cycle(4).is_err());
        assert!(ecole_cycle(1).is_err());
        assert!(Objectif::new(&"o".repeat(151)).is_err());
        assert!(Objectif::new("deux\nlignes").is_err());
    }
}
