//! The école livret (cycles 2 and 3, CP to CM2), written by a teacher: a domain's or
//! sub-domain's line of a bilan périodique, a project, the general appréciation. Each is
//! built from typed values by the core ([`livret_core::content::ecole`]) and written through
//! [`Device::write_batch`] like every other entry.

use livret_core::content::ecole::{self as core_ecole, DomainLine};
use livret_core::content::Draft;
use livret_core::vocab::ecole::{ecole_cycle, Domaine, IntituleProjet, Objectif, SousDomaine};
use livret_core::vocab::{Appreciation, Millesime, Period, Positioning, Synthesis};
use livret_core::LivretId;

use crate::device::Device;
use crate::error::Result;

/// What a teacher typed for a domain's or sub-domain's line (codes as typed: case and `-`
/// do not matter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainInput {
    /// Cycle 2 or 3.
    pub cycle: u8,
    /// The domain's code (`FRA`, `MAT`…).
    pub domain: String,
    /// The sub-domain's code (`LECT`, `NOMB`…), when the line is one.
    pub sub_domain: Option<String>,
    /// The objectives worked on (6 at most, 150 characters each).
    pub objectives: Vec<String>,
    /// The positioning 1 to 4, when given.
    pub level: Option<u8>,
    /// The appréciation; empty or blank is none (the official livret makes it optional).
    pub text: String,
}

fn year_period(year: u16, period: &str) -> Result<(Millesime, Period)> {
    let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
    Ok((year, Period::parse(period)?))
}

/// The école's entries built from what a person typed, checked against the vocabulary but not
/// written.
pub mod drafts {
    use super::*;

    /// A domain's or sub-domain's line of a bilan périodique.
    pub fn domain(year: u16, period: &str, input: &DomainInput) -> Result<Draft> {
        let (year, period) = year_period(year, period)?;
        let cycle = ecole_cycle(input.cycle)?;
        let domaine = Domaine::parse_in(&input.domain, cycle)?;
        let sous_domaine = input
            .sub_domain
            .as_deref()
            .map(|s| SousDomaine::parse_in(s, domaine, cycle))
            .transpose()?;
        let objectifs = input
            .objectives
            .iter()
            .map(|o| Objectif::parse(o))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let positioning = input.level.map(Positioning::from_value).transpose()?;
        let appreciation = if input.text.trim().is_empty() {
            None
        } else {
            Some(Appreciation::parse(&input.text)?)
        };
        let line = DomainLine {
            cycle,
            domaine,
            sous_domaine,
            objectifs,
            positioning,
            appreciation,
        };
        Ok(core_ecole::domain_line(year, period, &line)?)
    }

    /// A project of the period, with the pupil's involvement (empty: none).
    pub fn project(year: u16, period: &str, title: &str, text: &str) -> Result<Draft> {
        let (year, period) = year_period(year, period)?;
        let title = IntituleProjet::parse(title)?;
        let text = if text.trim().is_empty() {
            None
        } else {
            Some(Appreciation::parse(text)?)
        };
        Ok(core_ecole::project(year, period, &title, text.as_ref()))
    }

    /// The general appréciation of the period.
    pub fn general_appreciation(year: u16, period: &str, text: &str) -> Result<Draft> {
        let (year, period) = year_period(year, period)?;
        Ok(core_ecole::general_appreciation(
            year,
            period,
            &Synthesis::parse(text)?,
        ))
    }
}

impl Device {
    /// École: writes a domain's or sub-domain's line of a bilan périodique (teacher). Returns
    /// the entry key (`ecole/1-3/FRA/LECT`).
    pub fn ecole_domain(
        &mut self,
        livret: LivretId,
        year: u16,
        period: &str,
        input: &DomainInput,
    ) -> Result<String> {
        let draft = drafts::domain(year, period, input)?;
        self.write_draft(livret, &draft)
    }

    /// École: writes a project of the period and the pupil's involvement (teacher).
    pub fn ecole_project(
        &mut self,
        livret: LivretId,
        year: u16,
        period: &str,
        title: &str,
        text: &str,
    ) -> Result<String> {
        let draft = drafts::project(year, period, title, text)?;
        self.write_draft(livret, &draft)
    }

    /// École: writes the general appréciation on the pupil's progress in the period (teacher).
    pub fn ecole_appreciation(
        &mut self,
        livret: LivretId,
        year: u16,
        period: &str,
        text: &str,
    ) -> Result<String> {
        let draft = drafts::general_appreciation(year, period, text)?;
        self.write_draft(livret, &draft)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::views::EntryContent;
    use livret_core::{Lang, Localized};

    #[test]
    fn typed_input_becomes_a_view_in_both_languages_and_its_json() {
        let input = DomainInput {
            cycle: 3,
            domain: "hge".into(),
            sub_domain: Some("hist".into()),
            objectives: vec!["Situer les grandes périodes".into()],
            level: Some(4),
            text: "  ".into(),
        };
        let d = drafts::domain(2025, "2/3", &input).unwrap();
        assert_eq!(d.key, "ecole/2-3/HGE/HIST");
        assert_eq!(d.texts, vec![String::new()], "a blank appréciation is none");
        let view = EntryContent::new(&d.content, &d.texts);
        let fr = view.localized(Lang::Fr);
        assert!(
            fr.starts_with("École, Histoire et géographie — Histoire (cycle 3)"),
            "{fr}"
        );
        assert!(fr.contains("Objectifs d'apprentissage dépassés"), "{fr}");
        let en = view.localized(Lang::En);
        assert!(
            en.starts_with("Primary school, History and geography — History"),
            "{en}"
        );
        let json = view.to_json();
        assert_eq!(json["sub_domain"], "HIST");
        assert_eq!(json["domain_label"], "Histoire et géographie");
        assert_eq!(json["level"], 4);
        assert_eq!(json["appreciation"], "");
        // A line that says nothing, a domain of the other cycle: refused by field.
        let nothing = DomainInput {
            cycle: 2,
            domain: "EPS".into(),
            ..DomainInput::default()
        };
        let e = drafts::domain(2025, "1/3", &nothing).unwrap_err();
        assert!(
            e.localized(Lang::Fr).contains("objectif | level | text"),
            "{e}"
        );
        let e = drafts::domain(
            2025,
            "1/3",
            &DomainInput {
                domain: "HGE".into(),
                level: Some(1),
                ..nothing
            },
        )
        .unwrap_err();
        assert!(
            e.localized(Lang::Fr).starts_with("champ « domaine »"),
            "{}",
            e.localized(Lang::Fr)
        );
        let p = drafts::project(2025, "1/3", "Chorale", "").unwrap();
        let view = EntryContent::new(&p.content, &p.texts);
        assert_eq!(
            view.localized(Lang::Fr),
            "Projet, Trimestre 1 : « Chorale »"
        );
        assert!(drafts::general_appreciation(2025, "1/3", " ").is_err());
    }
}
