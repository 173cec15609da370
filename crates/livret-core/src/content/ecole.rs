//! The école livret (cycles 2 and 3, CP to CM2): a domain's or sub-domain's line of a bilan
//! périodique (objectives worked on, a positioning on the four levels, an appréciation: each
//! optional as the official livret makes it, but not all three missing), the projects carried
//! out, and the general appréciation on the pupil's progress. They live in `annee/YYYY` beside
//! the collège's bilans, under keys of their own:
//!
//! - `ecole/1-3/FRA` (a domain), `ecole/1-3/FRA/LECT` (one of its sub-domains);
//! - `ecole/1-3/projet/0123456789abcdef` (a project: the first 8 bytes of its title's digest,
//!   so that correcting the pupil's text replaces the entry);
//! - `ecole/1-3/appreciation` (the general appréciation).
//!
//! The bilans de fin de cycle (end of CE2, end of 6e) are [`super::cycle`]'s entries.

use crate::entry::{digest_text, Content, PeriodRef};
use crate::section::Section;
use crate::vocab::ecole::{
    ecole_cycle, Domaine, IntituleProjet, Objectif, SousDomaine, MAX_OBJECTIFS,
};
use crate::vocab::{
    Appreciation, Cycle, Millesime, Period, Positioning, Rule, Synthesis, ValidationError,
};

use super::{period_ref, Draft};

/// A domain's or sub-domain's line of an école bilan périodique, from typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainLine {
    /// Cycle 2 or 3.
    pub cycle: Cycle,
    /// The domain.
    pub domaine: Domaine,
    /// The sub-domain, when the line is one (it must be of `domaine` in `cycle`).
    pub sous_domaine: Option<SousDomaine>,
    /// The objectives worked on ([`MAX_OBJECTIFS`] at most).
    pub objectifs: Vec<Objectif>,
    /// The positioning on the four levels, when given.
    pub positioning: Option<Positioning>,
    /// The appréciation, when given (the official livret makes it optional).
    pub appreciation: Option<Appreciation>,
}

fn prefix(period: PeriodRef) -> String {
    format!("ecole/{}-{}", period.index, period.count)
}

/// Checks what ties a line's values together: cycle 2 or 3, the domain taught in that cycle,
/// the sub-domain one of that domain's, at most [`MAX_OBJECTIFS`] objectives, and something
/// said (an objective, a positioning or an appréciation).
fn check_line(
    cycle: u8,
    domain: &str,
    sub_domain: Option<&str>,
    objectives: usize,
    said: bool,
) -> Result<(), ValidationError> {
    let cycle = ecole_cycle(cycle)?;
    let d = Domaine::parse_in(domain, cycle)?;
    if d.code() != domain {
        return Err(ValidationError::new(
            Domaine::FIELD,
            Rule::UnknownCode {
                code: domain.chars().take(16).collect(),
                expected: Domaine::codes_of(cycle),
            },
        ));
    }
    if let Some(s) = sub_domain {
        let sd = SousDomaine::parse_in(s, d, cycle)?;
        if sd.code() != s {
            return Err(ValidationError::new(
                SousDomaine::FIELD,
                Rule::UnknownCode {
                    code: s.chars().take(16).collect(),
                    expected: d.sub_codes(cycle),
                },
            ));
        }
    }
    if objectives > MAX_OBJECTIFS {
        return Err(ValidationError::new(
            Objectif::FIELD,
            Rule::OutOfRange {
                min: 0,
                max: MAX_OBJECTIFS as i64,
                actual: i64::try_from(objectives).unwrap_or(i64::MAX),
            },
        ));
    }
    if !said {
        return Err(ValidationError::new(
            "level",
            Rule::Missing {
                codes: vec!["objectif | level | text".into()],
            },
        ));
    }
    Ok(())
}

/// A domain's or sub-domain's line of a bilan périodique. Refused when the domain is not
/// taught in the cycle, the sub-domain is not one of the domain's in that cycle, there are
/// more than [`MAX_OBJECTIFS`] objectives, or the line says nothing.
pub fn domain_line(
    year: Millesime,
    period: Period,
    line: &DomainLine,
) -> Result<Draft, ValidationError> {
    check_line(
        line.cycle.value(),
        line.domaine.code(),
        line.sous_domaine.map(SousDomaine::code),
        line.objectifs.len(),
        !line.objectifs.is_empty() || line.positioning.is_some() || line.appreciation.is_some(),
    )?;
    let text = line
        .appreciation
        .as_ref()
        .map(Appreciation::as_str)
        .unwrap_or("");
    let content = Content::EcoleDomain {
        year: year.year(),
        period: period_ref(period),
        cycle: line.cycle.value(),
        domain: line.domaine.code().to_string(),
        sub_domain: line.sous_domaine.map(|s| s.code().to_string()),
        objectives: line
            .objectifs
            .iter()
            .map(|o| o.as_str().to_string())
            .collect(),
        level: line.positioning.map(Positioning::value),
        appreciation: digest_text(text),
    };
    Ok(Draft {
        section: Section::Annee(year.year()),
        key: super::entry_key(&content),
        content,
        texts: vec![text.to_string()],
    })
}

/// A project carried out during the period, and the pupil's involvement in it (optional).
pub fn project(
    year: Millesime,
    period: Period,
    title: &IntituleProjet,
    text: Option<&Appreciation>,
) -> Draft {
    let text = text.map(Appreciation::as_str).unwrap_or("");
    let content = Content::EcoleProject {
        year: year.year(),
        period: period_ref(period),
        title: digest_text(title.as_str()),
        text: digest_text(text),
    };
    Draft {
        section: Section::Annee(year.year()),
        key: super::entry_key(&content),
        content,
        texts: vec![title.as_str().to_string(), text.to_string()],
    }
}

/// The general appréciation on the pupil's progress during the period.
pub fn general_appreciation(year: Millesime, period: Period, text: &Synthesis) -> Draft {
    let content = Content::EcoleAppreciation {
        year: year.year(),
        period: period_ref(period),
        text: digest_text(text.as_str()),
    };
    Draft {
        section: Section::Annee(year.year()),
        key: super::entry_key(&content),
        content,
        texts: vec![text.as_str().to_string()],
    }
}

/// The key of an école entry, `None` for other contents.
pub(super) fn key(content: &Content) -> Option<String> {
    Some(match content {
        Content::EcoleDomain {
            period,
            domain,
            sub_domain: Some(s),
            ..
        } => format!("{}/{domain}/{s}", prefix(*period)),
        Content::EcoleDomain { period, domain, .. } => format!("{}/{domain}", prefix(*period)),
        Content::EcoleProject { period, title, .. } => {
            format!("{}/projet/{}", prefix(*period), hex::encode(&title[..8]))
        }
        Content::EcoleAppreciation { period, .. } => format!("{}/appreciation", prefix(*period)),
        _ => return None,
    })
}

/// The texts of an école content that travel in its short form (the objectives): screened
/// like the free texts.
pub(super) fn short_texts(content: &Content) -> Vec<&str> {
    match content {
        Content::EcoleDomain { objectives, .. } => objectives.iter().map(String::as_str).collect(),
        _ => vec![],
    }
}

fn v<T>(r: Result<T, ValidationError>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}

/// Checks a decoded école content and its texts (`text(i)`; `withheld(i)` when a jury
/// extract withheld it): scales, codes, bounds. `Ok(false)` for another kind of content.
pub(super) fn check<'t>(
    content: &Content,
    text: &dyn Fn(usize) -> &'t str,
    withheld: &dyn Fn(usize) -> bool,
) -> Result<bool, String> {
    match content {
        Content::EcoleDomain {
            year,
            period,
            cycle,
            domain,
            sub_domain,
            objectives,
            level,
            ..
        } => {
            v(Millesime::new(*year))?;
            v(Period::new(period.index, period.count))?;
            let said =
                !objectives.is_empty() || level.is_some() || withheld(0) || !text(0).is_empty();
            v(check_line(
                *cycle,
                domain,
                sub_domain.as_deref(),
                objectives.len(),
                said,
            ))?;
            for o in objectives {
                if v(Objectif::parse(o))?.as_str() != o {
                    return Err(ValidationError::new(Objectif::FIELD, Rule::Empty).to_string());
                }
            }
            if let Some(l) = level {
                v(Positioning::from_value(*l))?;
            }
            // The official livret makes the appréciation optional: the empty text is none.
            if !withheld(0) && !text(0).is_empty() {
                v(Appreciation::parse(text(0)))?;
            }
        }
        Content::EcoleProject { year, period, .. } => {
            v(Millesime::new(*year))?;
            v(Period::new(period.index, period.count))?;
            if !withheld(0) {
                v(IntituleProjet::parse(text(0)))?;
            }
            if !withheld(1) && !text(1).is_empty() {
                v(Appreciation::parse(text(1)))?;
            }
        }
        Content::EcoleAppreciation { year, period, .. } => {
            v(Millesime::new(*year))?;
            v(Period::new(period.index, period.count))?;
            if !withheld(0) {
                v(Synthesis::parse(text(0)))?;
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::{check as check_entry, check_draft};
    use super::*;
    use crate::entry::{OpenedEntry, SignedEntry};
    use crate::identity::DeviceSecret;
    use crate::ids::LivretId;

    fn signed_at(section: Section, key: &str, content: Content, texts: Vec<String>) -> OpenedEntry {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        SignedEntry::sign(&teacher, LivretId([1; 16]), section, key, content, texts, 1)
            .open()
            .unwrap()
    }

    fn signed(d: &Draft) -> OpenedEntry {
        signed_at(d.section, &d.key, d.content.clone(), d.texts.clone())
    }

    /// The same draft with its content changed by `f`, signed under the key it then implies.
    fn forged(d: &Draft, f: impl Fn(&mut Content)) -> Result<(), String> {
        let mut c = d.content.clone();
        f(&mut c);
        let key = super::super::entry_key(&c);
        check_entry(&signed_at(d.section, &key, c, d.texts.clone()))
    }

    fn year() -> Millesime {
        Millesime::new(2025).unwrap()
    }

    fn period() -> Period {
        Period::parse("1/3").unwrap()
    }

    fn lecture() -> DomainLine {
        DomainLine {
            cycle: Cycle::Two,
            domaine: Domaine::Francais,
            sous_domaine: Some(SousDomaine::Lecture),
            objectifs: vec![
                Objectif::new("Lire à voix haute un texte court").unwrap(),
                Objectif::new("Comprendre un récit lu par l'adulte").unwrap(),
            ],
            positioning: Some(Positioning::from_value(3).unwrap()),
            appreciation: None,
        }
    }

    #[test]
    fn ecole_lines_build_sign_and_check() {
        // A sub-domain's line without appréciation: the official livret allows it.
        let d = domain_line(year(), period(), &lecture()).unwrap();
        assert_eq!(d.section, Section::Annee(2025));
        assert_eq!(d.key, "ecole/1-3/FRA/LECT");
        assert_eq!(d.texts, vec![String::new()]);
        assert_eq!(check_draft(&d), Ok(()));
        assert_eq!(check_entry(&signed(&d)), Ok(()));
        // A domain's line with an appréciation and no positioning.
        let eps = DomainLine {
            cycle: Cycle::Two,
            domaine: Domaine::Eps,
            sous_domaine: None,
            objectifs: vec![],
            positioning: None,
            appreciation: Some(Appreciation::new("Très bon esprit d'équipe.").unwrap()),
        };
        let d = domain_line(year(), period(), &eps).unwrap();
        assert_eq!(d.key, "ecole/1-3/EPS");
        assert_eq!(check_entry(&signed(&d)), Ok(()));
        // A project (with and without the pupil's text) and the general appréciation.
        let title = IntituleProjet::new("Classe de découverte à la mer").unwrap();
        let p = project(year(), period(), &title, None);
        assert!(p.key.starts_with("ecole/1-3/projet/"), "{}", p.key);
        assert_eq!(check_entry(&signed(&p)), Ok(()));
        let with_text = project(
            year(),
            period(),
            &title,
            Some(&Appreciation::new("A tenu le carnet de bord.").unwrap()),
        );
        assert_eq!(
            with_text.key, p.key,
            "correcting the text replaces the entry"
        );
        assert_eq!(check_entry(&signed(&with_text)), Ok(()));
        let g = general_appreciation(
            year(),
            period(),
            &Synthesis::new("Un trimestre de beaux progrès.").unwrap(),
        );
        assert_eq!(g.key, "ecole/1-3/appreciation");
        assert_eq!(check_entry(&signed(&g)), Ok(()));
        // Out of its section or under another key: refused.
        let moved = signed_at(Section::Cycles, &g.key, g.content.clone(), g.texts.clone());
        assert!(check_entry(&moved).is_err());
        let rekeyed = signed_at(
            g.section,
            "ecole/2-3/appreciation",
            g.content.clone(),
            g.texts.clone(),
        );
        assert!(check_entry(&rekeyed).is_err());
    }

    #[test]
    fn out_of_list_and_out_of_bound_values_are_refused_by_name() {
        // Builders, from typed values.
        let mut l = lecture();
        l.sous_domaine = Some(SousDomaine::Nombres);
        let e = domain_line(year(), period(), &l).unwrap_err();
        assert_eq!(e.field, "sous-domaine");
        let mut l = lecture();
        l.domaine = Domaine::SciencesTechnologie;
        l.sous_domaine = None;
        assert_eq!(
            domain_line(year(), period(), &l).unwrap_err().field,
            "domaine"
        );
        let mut l = lecture();
        l.cycle = Cycle::Four;
        assert_eq!(
            domain_line(year(), period(), &l).unwrap_err().field,
            "cycle"
        );
        let mut l = lecture();
        l.objectifs = vec![Objectif::new("Lire").unwrap(); MAX_OBJECTIFS + 1];
        assert_eq!(
            domain_line(year(), period(), &l).unwrap_err().field,
            "objectif"
        );
        let mut l = lecture();
        l.objectifs.clear();
        l.positioning = None;
        assert!(
            domain_line(year(), period(), &l).is_err(),
            "a line saying nothing"
        );
        // On receipt, from a rogue client: each value outside its list, by name.
        let d = domain_line(year(), period(), &lecture()).unwrap();
        let e = forged(&d, |c| {
            if let Content::EcoleDomain { domain, .. } = c {
                *domain = "XYZ".into();
            }
        })
        .unwrap_err();
        assert!(e.contains("domaine"), "{e}");
        let e = forged(&d, |c| {
            if let Content::EcoleDomain { domain, .. } = c {
                *domain = "fra".into();
            }
        })
        .unwrap_err();
        assert!(e.contains("domaine"), "{e}");
        let e = forged(&d, |c| {
            if let Content::EcoleDomain { sub_domain, .. } = c {
                *sub_domain = Some("GEOG".into());
            }
        })
        .unwrap_err();
        assert!(e.contains("sous-domaine"), "{e}");
        let e = forged(&d, |c| {
            if let Content::EcoleDomain { level, .. } = c {
                *level = Some(5);
            }
        })
        .unwrap_err();
        assert!(e.contains("level") && e.contains('5'), "{e}");
        let e = forged(&d, |c| {
            if let Content::EcoleDomain { cycle, .. } = c {
                *cycle = 4;
            }
        })
        .unwrap_err();
        assert!(e.contains("cycle"), "{e}");
        let e = forged(&d, |c| {
            if let Content::EcoleDomain { objectives, .. } = c {
                *objectives = vec!["Lire".into(); MAX_OBJECTIFS + 1];
            }
        })
        .unwrap_err();
        assert!(e.contains("objectif"), "{e}");
        let e = forged(&d, |c| {
            if let Content::EcoleDomain { objectives, .. } = c {
                *objectives = vec!["o".repeat(151)];
            }
        })
        .unwrap_err();
        assert!(e.contains("objectif") && e.contains("150"), "{e}");
        // Too-long texts: an appréciation of 601 characters, a general appréciation of 1001.
        let long = "a".repeat(601);
        let mut c = d.content.clone();
        if let Content::EcoleDomain { appreciation, .. } = &mut c {
            *appreciation = digest_text(&long);
        }
        let e = check_entry(&signed_at(d.section, &d.key, c, vec![long])).unwrap_err();
        assert!(e.contains("600"), "{e}");
        let long = "a".repeat(1001);
        let c = Content::EcoleAppreciation {
            year: 2025,
            period: PeriodRef { index: 1, count: 3 },
            text: digest_text(&long),
        };
        let e = check_entry(&signed_at(
            Section::Annee(2025),
            "ecole/1-3/appreciation",
            c,
            vec![long],
        ))
        .unwrap_err();
        assert!(e.contains("1000"), "{e}");
        let title = "t".repeat(151);
        let c = Content::EcoleProject {
            year: 2025,
            period: PeriodRef { index: 1, count: 3 },
            title: digest_text(&title),
            text: digest_text(""),
        };
        let key = super::super::entry_key(&c);
        let e = check_entry(&signed_at(
            Section::Annee(2025),
            &key,
            c,
            vec![title, String::new()],
        ))
        .unwrap_err();
        assert!(e.contains("titre"), "{e}");
    }

    #[test]
    fn health_terms_are_refused_in_every_ecole_text() {
        let why =
            "texte refusé : il mentionne « PAI », qui relève de la section sensible accompagnement";
        let mut l = lecture();
        l.appreciation = Some(Appreciation::new("Progrès malgré son PAI.").unwrap());
        let d = domain_line(year(), period(), &l).unwrap();
        assert_eq!(
            crate::Localized::localized(&check_draft(&d).unwrap_err(), crate::Lang::Fr),
            why
        );
        assert_eq!(check_entry(&signed(&d)).unwrap_err(), why);
        // An objective travels in the short form: screened too.
        let mut l = lecture();
        l.objectifs = vec![Objectif::new("Lire malgré la dyslexie").unwrap()];
        let d = domain_line(year(), period(), &l).unwrap();
        assert!(check_draft(&d).is_err());
        assert!(check_entry(&signed(&d)).is_err());
        let p = project(
            year(),
            period(),
            &IntituleProjet::new("Projet PAI de la classe").unwrap(),
            None,
        );
        assert!(check_draft(&p).is_err());
        let g = general_appreciation(
            year(),
            period(),
            &Synthesis::new("Suivi par l'AESH, bons progrès.").unwrap(),
        );
        assert!(check_entry(&signed(&g)).is_err());
    }
}
