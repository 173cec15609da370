//! The parts of an LSU bilan périodique beyond subjects, synthesis and vie scolaire: digital
//! skills, parcours, EPI and AP, devoirs faits, the periodic socle, and the class's common
//! vie scolaire text. Each is built here and checked again on receipt by the same function
//! ([`check_part`]): codes from the official lists, levels in their scales, bounded counts and
//! texts of the schema's lengths (empty where the schema makes a text optional).
//!
//! A class's common text (the parcours the class followed, its digital skills text, its vie
//! scolaire comment, an EPI's or AP's group text) is written into a pupil's livret only as a
//! part of that pupil's entries, in the sections the family granted.

use super::{entry_key, period_ref, Draft};
use crate::entry::{digest_text, Content, PeriodRef, ProjectKind, TextDigest};
use crate::vocab::{
    check_code, DisciplineCode, DisciplineLabel, Format, Millesime, Parcours, Period, Rule,
    SocleComponent, ValidationError, DIGITAL_SKILL_CODES, ELECTION_CODES,
};

/// The most characters of a pupil's or a class's text (LSU `Chaine600`).
pub const PART_TEXT_MAX: usize = 600;
/// The most characters of an EPI's, an AP's or a group's title (LSU `Chaine150`).
pub const PROJECT_TITLE_MAX: usize = 150;
/// The most characters of an EPI theme's label (LSU `Chaine100`).
pub const THEME_LABEL_MAX: usize = 100;
/// The most characters of an EPI theme's code (LSU `CodeThematiqueEpi`).
pub const THEME_CODE_MAX: usize = 50;
/// The most disciplines an EPI or an AP names.
pub const MAX_PROJECT_DISCIPLINES: usize = 16;

/// A discipline named by an EPI or an AP: code, label and `modalite-election`.
pub type ProjectDiscipline = (String, String, String);

/// What an EPI or an AP entry says beyond its period: see [`Content::Project`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectPart {
    /// The EPI's theme code (empty for an AP).
    pub theme: String,
    /// The EPI's theme label (empty for an AP).
    pub theme_label: String,
    /// The EPI's or AP's title.
    pub title: String,
    /// Its description (empty when none).
    pub description: String,
    /// Its disciplines (an EPI has at least two, an AP at least one).
    pub disciplines: Vec<ProjectDiscipline>,
    /// The group's title.
    pub group: String,
    /// The group's common text (empty when none).
    pub group_comment: String,
    /// The comment on the pupil (empty when none).
    pub comment: String,
}

fn too_long(field: &'static str, max: usize, actual: usize) -> ValidationError {
    ValidationError::new(field, Rule::TooLong { max, actual })
}

fn out_of_range(field: &'static str, min: i64, max: i64, actual: i64) -> ValidationError {
    ValidationError::new(field, Rule::OutOfRange { min, max, actual })
}

/// A text of a part: at most `max` characters, no control characters but line breaks and
/// tabs; not blank unless `optional` (then the empty text is « none »).
fn check_part_text(
    field: &'static str,
    text: &str,
    max: usize,
    optional: bool,
) -> Result<(), ValidationError> {
    if text.is_empty() && optional {
        return Ok(());
    }
    if text.trim().is_empty() {
        return Err(ValidationError::new(field, Rule::Empty));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ValidationError::new(
            field,
            Rule::BadFormat(Format::ControlCharacter),
        ));
    }
    let n = text.chars().count();
    if n > max {
        return Err(too_long(field, max, n));
    }
    Ok(())
}

fn check_period(year: u16, period: &PeriodRef) -> Result<(), ValidationError> {
    Millesime::new(year)?;
    Period::new(period.index, period.count)?;
    Ok(())
}

/// Levels by code: each code from `codes` once, each level in `min..=max`, at least
/// `min_count` of them (at most one per code).
fn check_levels(
    field: &'static str,
    min_count: usize,
    levels: &[(String, u8)],
    codes: &[&'static str],
    check: impl Fn(&str) -> Result<(), ValidationError>,
    min: u8,
    max: u8,
) -> Result<(), ValidationError> {
    if levels.len() < min_count || levels.len() > codes.len() {
        return Err(out_of_range(
            field,
            min_count as i64,
            codes.len() as i64,
            i64::try_from(levels.len()).unwrap_or(i64::MAX),
        ));
    }
    let mut seen = Vec::new();
    for (code, level) in levels {
        check(code).map_err(|e| e.with_field(field))?;
        if seen.contains(&code) {
            return Err(ValidationError::new(
                field,
                Rule::Duplicate { code: code.clone() },
            ));
        }
        seen.push(code);
        if !(min..=max).contains(level) {
            return Err(out_of_range(
                field,
                i64::from(min),
                i64::from(max),
                i64::from(*level),
            ));
        }
    }
    Ok(())
}

fn check_digital_levels(levels: &[(String, u8)]) -> Result<(), ValidationError> {
    // The schema allows a bilan's digital skills with no level (an appréciation only).
    check_levels(
        "competence-num",
        0,
        levels,
        DIGITAL_SKILL_CODES,
        |c| check_code("competence-num", c, DIGITAL_SKILL_CODES),
        1,
        3,
    )
}

fn check_socle_levels(levels: &[(String, u8)]) -> Result<(), ValidationError> {
    check_levels(
        "socle",
        1,
        levels,
        SocleComponent::CODES,
        |c| SocleComponent::parse(c).map(|_| ()),
        0,
        4,
    )
}

fn check_disciplines(kind: ProjectKind, ds: &[ProjectDiscipline]) -> Result<(), ValidationError> {
    let min = match kind {
        ProjectKind::Epi => 2,
        ProjectKind::Ap => 1,
    };
    if ds.len() < min || ds.len() > MAX_PROJECT_DISCIPLINES {
        return Err(out_of_range(
            "disciplines",
            min as i64,
            MAX_PROJECT_DISCIPLINES as i64,
            i64::try_from(ds.len()).unwrap_or(i64::MAX),
        ));
    }
    for (code, label, election) in ds {
        if DisciplineCode::parse(code)
            .map_err(|e| e.with_field("disciplines"))?
            .as_str()
            != code
        {
            return Err(ValidationError::new(
                "disciplines",
                Rule::BadFormat(Format::DisciplineCode),
            ));
        }
        if DisciplineLabel::parse(label)?.as_str() != label {
            return Err(ValidationError::new("label", Rule::Empty));
        }
        check_code("modalite-election", election, ELECTION_CODES)?;
    }
    Ok(())
}

/// Checks one of the parts this module builds, with its texts in digest order: the same
/// check for a draft about to be signed and for an entry received from another device. Other
/// contents pass.
pub fn check_part<'a>(
    content: &Content,
    text: &dyn Fn(usize) -> Option<&'a str>,
) -> Result<(), ValidationError> {
    // A text withheld from a jury extract (`None`) is checked by its digest only.
    let t = |i: usize, field: &'static str, max: usize, optional: bool| match text(i) {
        Some(s) => check_part_text(field, s, max, optional),
        None => Ok(()),
    };
    match content {
        Content::Digital {
            year,
            period,
            levels,
            ..
        } => {
            check_period(*year, period)?;
            check_digital_levels(levels)?;
            t(0, "appreciation-num", PART_TEXT_MAX, true)?;
            t(1, "competences-numeriques-commun", PART_TEXT_MAX, true)
        }
        Content::Parcours {
            year, period, code, ..
        } => {
            check_period(*year, period)?;
            Parcours::parse(code)?;
            t(0, "parcours", PART_TEXT_MAX, true)?;
            t(1, "parcours-commun", PART_TEXT_MAX, true)?;
            if text(0) == Some("") && text(1) == Some("") {
                return Err(ValidationError::new("parcours", Rule::Empty));
            }
            Ok(())
        }
        Content::Project {
            year,
            period,
            kind,
            theme,
            disciplines,
            ..
        } => {
            check_period(*year, period)?;
            check_disciplines(*kind, disciplines)?;
            match kind {
                ProjectKind::Epi => {
                    check_part_text("epi-thematique", theme, THEME_CODE_MAX, false)?;
                    t(2, "epi-thematique", THEME_LABEL_MAX, false)?;
                }
                ProjectKind::Ap => {
                    if !theme.is_empty() {
                        return Err(too_long("epi-thematique", 0, theme.chars().count()));
                    }
                    t(2, "epi-thematique", 0, true)?;
                }
            }
            t(0, "intitule", PROJECT_TITLE_MAX, false)?;
            t(1, "groupe", PROJECT_TITLE_MAX, false)?;
            t(3, "description", PART_TEXT_MAX, true)?;
            t(4, "commentaire-groupe", PART_TEXT_MAX, true)?;
            t(5, "commentaire", PART_TEXT_MAX, true)
        }
        Content::Homework { year, period, .. } => {
            check_period(*year, period)?;
            t(0, "devoirs-faits", PART_TEXT_MAX, false)
        }
        Content::PeriodSocle {
            year,
            period,
            levels,
        } => {
            check_period(*year, period)?;
            check_socle_levels(levels)
        }
        Content::ClassVie { year, period, .. } => {
            check_period(*year, period)?;
            t(0, "vie-scolaire-commun", PART_TEXT_MAX, false)
        }
        _ => Ok(()),
    }
}

fn draft(content: Content, texts: Vec<String>) -> Result<Draft, ValidationError> {
    check_part(&content, &|i| texts.get(i).map(String::as_str))?;
    Ok(Draft {
        section: super::section_of(&content),
        key: entry_key(&content),
        content,
        texts,
    })
}

/// The pupil's digital skills of a period (`competences-numeriques`): each domain's level
/// (1-3), the appréciation and the class's common text (each maybe empty).
pub fn digital(
    year: Millesime,
    period: Period,
    levels: Vec<(String, u8)>,
    appreciation: &str,
    common: &str,
) -> Result<Draft, ValidationError> {
    draft(
        Content::Digital {
            year: year.year(),
            period: period_ref(period),
            levels,
            appreciation: digest_text(appreciation),
            common: digest_text(common),
        },
        vec![appreciation.to_string(), common.to_string()],
    )
}

/// A parcours of a period: the pupil's text and the class's common text for it (either may
/// be empty, not both).
pub fn parcours(
    year: Millesime,
    period: Period,
    code: Parcours,
    text: &str,
    common: &str,
) -> Result<Draft, ValidationError> {
    draft(
        Content::Parcours {
            year: year.year(),
            period: period_ref(period),
            code: code.code().to_string(),
            text: digest_text(text),
            common: digest_text(common),
        },
        vec![text.to_string(), common.to_string()],
    )
}

/// An EPI or an AP of a period with the pupil's group and the comment on the pupil.
pub fn project(
    year: Millesime,
    period: Period,
    kind: ProjectKind,
    part: ProjectPart,
) -> Result<Draft, ValidationError> {
    let texts = vec![
        part.title,
        part.group,
        part.theme_label,
        part.description,
        part.group_comment,
        part.comment,
    ];
    let d = |i: usize| digest_text(texts.get(i).map(String::as_str).unwrap_or_default());
    let content = Content::Project {
        year: year.year(),
        period: period_ref(period),
        kind,
        theme: part.theme,
        disciplines: part.disciplines,
        title: d(0),
        group: d(1),
        theme_label: d(2),
        description: d(3),
        group_comment: d(4),
        comment: d(5),
    };
    draft(content, texts)
}

/// The pupil's devoirs faits of a period (`devoirs-faits`: a text).
pub fn homework(year: Millesime, period: Period, text: &str) -> Result<Draft, ValidationError> {
    draft(
        Content::Homework {
            year: year.year(),
            period: period_ref(period),
            text: digest_text(text),
        },
        vec![text.to_string()],
    )
}

/// The socle's components positioned in a period (code, 0-4).
pub fn period_socle(
    year: Millesime,
    period: Period,
    levels: Vec<(String, u8)>,
) -> Result<Draft, ValidationError> {
    draft(
        Content::PeriodSocle {
            year: year.year(),
            period: period_ref(period),
            levels,
        },
        vec![],
    )
}

/// The class's common vie scolaire comment of a period, as written into a pupil's livret.
pub fn class_vie(year: Millesime, period: Period, text: &str) -> Result<Draft, ValidationError> {
    draft(
        Content::ClassVie {
            year: year.year(),
            period: period_ref(period),
            text: digest_text(text),
        },
        vec![text.to_string()],
    )
}

/// The key of a part (see [`super::entry_key`]); `None` for other contents.
pub(super) fn part_key(content: &Content) -> Option<String> {
    let p = |p: &PeriodRef| format!("{}-{}", p.index, p.count);
    Some(match content {
        Content::Digital { period, .. } => format!("numerique/{}", p(period)),
        Content::Parcours { period, code, .. } => format!("parcours/{}/{code}", p(period)),
        Content::Project {
            period,
            kind,
            title,
            group,
            ..
        } => {
            // One entry per group: by the digests of the project's and the group's titles.
            let mut both = title.to_vec();
            both.extend_from_slice(group);
            let d: TextDigest = {
                use sha2::{Digest, Sha256};
                let mut out = [0u8; 32];
                out.copy_from_slice(&Sha256::digest(&both));
                out
            };
            format!("{}/{}/{}", kind.code(), p(period), hex::encode(&d[..6]))
        }
        Content::Homework { period, .. } => format!("devoirs-faits/{}", p(period)),
        Content::PeriodSocle { period, .. } => format!("socle/{}", p(period)),
        Content::ClassVie { period, .. } => format!("vie-scolaire/{}/classe", p(period)),
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::content::{check, check_draft};
    use crate::entry::{OpenedEntry, SignedEntry};
    use crate::identity::DeviceSecret;
    use crate::ids::LivretId;
    use crate::section::Section;

    fn signed(d: &Draft, content: Content, texts: Vec<String>) -> OpenedEntry {
        let key = entry_key(&content);
        SignedEntry::sign(
            &DeviceSecret::from_bytes(&[5; 32]),
            LivretId([1; 16]),
            d.section,
            &key,
            content,
            texts,
            1,
        )
        .open()
        .unwrap()
    }

    /// A forged variant of a draft's content (or texts) is refused on receipt, by the name of
    /// the value at fault.
    fn refused(d: &Draft, f: impl Fn(&mut Content, &mut Vec<String>)) -> String {
        let (mut c, mut t) = (d.content.clone(), d.texts.clone());
        f(&mut c, &mut t);
        // The digests follow the texts, so that only the value at fault is wrong.
        let digests: Vec<TextDigest> = t.iter().map(|x| digest_text(x)).collect();
        let mut it = digests.into_iter();
        match &mut c {
            Content::Digital {
                appreciation,
                common,
                ..
            }
            | Content::Parcours {
                text: appreciation,
                common,
                ..
            } => {
                *appreciation = it.next().unwrap();
                *common = it.next().unwrap();
            }
            Content::Project {
                title,
                group,
                theme_label,
                description,
                group_comment,
                comment,
                ..
            } => {
                for slot in [
                    title,
                    group,
                    theme_label,
                    description,
                    group_comment,
                    comment,
                ] {
                    *slot = it.next().unwrap();
                }
            }
            Content::Homework { text, .. } | Content::ClassVie { text, .. } => {
                *text = it.next().unwrap();
            }
            _ => {}
        }
        check(&signed(d, c, t)).unwrap_err()
    }

    fn project_part() -> ProjectPart {
        ProjectPart {
            theme: "EPI_TDD".into(),
            theme_label: "Transition écologique".into(),
            title: "Le jardin du collège".into(),
            description: "Un potager partagé.".into(),
            disciplines: vec![
                ("FRANCS".into(), "Français".into(), "S".into()),
                ("PHYCHI".into(), "Physique-chimie".into(), "S".into()),
            ],
            group: "Jardin, groupe A".into(),
            group_comment: "Groupe investi.".into(),
            comment: "A tenu le carnet de bord.".into(),
        }
    }

    #[test]
    fn lsu_parts_sign_check_and_forged_values_are_refused_by_name() {
        let year = Millesime::new(2025).unwrap();
        let period = Period::parse("1/3").unwrap();
        let digital = digital(
            year,
            period,
            vec![("CN_INF_MEN".into(), 2), ("CN_CRE_TEX".into(), 3)],
            "Bonne maîtrise.",
            "La classe a travaillé le traitement de texte.",
        )
        .unwrap();
        let parcours =
            parcours(year, period, Parcours::Citoyen, "", "Visite de la mairie.").unwrap();
        let epi = project(year, period, ProjectKind::Epi, project_part()).unwrap();
        let ap = project(
            year,
            period,
            ProjectKind::Ap,
            ProjectPart {
                theme: String::new(),
                theme_label: String::new(),
                disciplines: vec![("FRANCS".into(), "Français".into(), "S".into())],
                ..project_part()
            },
        )
        .unwrap();
        let homework = homework(year, period, "Vient le mardi.").unwrap();
        let socle = period_socle(year, period, vec![("CPD_FRA".into(), 3)]).unwrap();
        let vie = class_vie(year, period, "Classe calme.").unwrap();
        let keys: Vec<&str> = [&digital, &parcours, &epi, &ap, &homework, &socle, &vie]
            .iter()
            .map(|d| d.key.as_str())
            .collect();
        assert_eq!(&keys[..2], ["numerique/1-3", "parcours/1-3/PAR_CIT"]);
        assert!(keys[2].starts_with("epi/1-3/") && keys[3].starts_with("ap/1-3/"));
        assert_eq!(
            &keys[4..],
            ["devoirs-faits/1-3", "socle/1-3", "vie-scolaire/1-3/classe"]
        );
        assert_eq!(vie.section, Section::VieScolaire(2025));
        for d in [&digital, &parcours, &epi, &ap, &homework, &socle, &vie] {
            assert_eq!(check_draft(d), Ok(()));
            assert_eq!(
                check(&signed(d, d.content.clone(), d.texts.clone())),
                Ok(()),
                "{}",
                d.key
            );
        }

        // Out-of-list codes, out-of-scale levels, duplicates, too many, too long: by name.
        let e = refused(&digital, |c, _| {
            if let Content::Digital { levels, .. } = c {
                levels[0].0 = "CN_XXX".into();
            }
        });
        assert!(e.contains("competence-num"), "{e}");
        let e = refused(&digital, |c, _| {
            if let Content::Digital { levels, .. } = c {
                levels[0].1 = 4;
            }
        });
        assert!(e.contains("competence-num"), "{e}");
        let e = refused(&digital, |c, _| {
            if let Content::Digital { levels, .. } = c {
                levels[1].0 = levels[0].0.clone();
            }
        });
        assert!(e.contains("competence-num"), "{e}");
        let e = refused(&digital, |_, t| t[0] = "x".repeat(601));
        assert!(e.contains("appreciation-num"), "{e}");
        let e = refused(&parcours, |c, _| {
            if let Content::Parcours { code, .. } = c {
                *code = "PAR_XXX".into();
            }
        });
        assert!(e.contains("parcours"), "{e}");
        let e = refused(&parcours, |_, t| t[1] = String::new());
        assert!(e.contains("parcours"), "{e}");
        let e = refused(&epi, |c, _| {
            if let Content::Project { disciplines, .. } = c {
                disciplines.truncate(1);
            }
        });
        assert!(e.contains("disciplines"), "{e}");
        let e = refused(&epi, |c, _| {
            if let Content::Project { disciplines, .. } = c {
                disciplines[0].2 = "Z".into();
            }
        });
        assert!(e.contains("modalite-election"), "{e}");
        let e = refused(&epi, |_, t| t[0] = "x".repeat(151));
        assert!(e.contains("intitule"), "{e}");
        let e = refused(&epi, |_, t| t[2] = String::new());
        assert!(e.contains("epi-thematique"), "{e}");
        let e = refused(&ap, |c, _| {
            if let Content::Project { theme, .. } = c {
                *theme = "EPI_TDD".into();
            }
        });
        assert!(e.contains("epi-thematique"), "{e}");
        let e = refused(&homework, |_, t| t[0] = "  ".into());
        assert!(e.contains("devoirs-faits"), "{e}");
        let e = refused(&socle, |c, _| {
            if let Content::PeriodSocle { levels, .. } = c {
                levels[0].1 = 5;
            }
        });
        assert!(e.contains("socle"), "{e}");
        let e = refused(&socle, |c, _| {
            if let Content::PeriodSocle { levels, .. } = c {
                levels.clear();
            }
        });
        assert!(e.contains("socle"), "{e}");
        let e = refused(&socle, |c, _| {
            if let Content::PeriodSocle { levels, .. } = c {
                levels[0].0 = "CPD_XXX".into();
            }
        });
        assert!(e.contains("socle"), "{e}");
        let e = refused(&vie, |_, t| t[0] = "x".repeat(601));
        assert!(e.contains("vie-scolaire-commun"), "{e}");

        // Every free text is screened like the others: a measure named outside
        // `accompagnement` is refused, the class's text included.
        let e = parcours_err();
        assert!(e.contains("PPRE"), "{e}");
        assert!(homework_in_wrong_section());
    }

    fn parcours_err() -> String {
        let year = Millesime::new(2025).unwrap();
        let period = Period::parse("1/3").unwrap();
        let d = parcours(
            year,
            period,
            Parcours::Avenir,
            "",
            "Les élèves en PPRE aussi.",
        )
        .unwrap();
        check_draft(&d).unwrap_err().to_string()
    }

    fn homework_in_wrong_section() -> bool {
        let year = Millesime::new(2025).unwrap();
        let period = Period::parse("1/3").unwrap();
        let mut d = homework(year, period, "Vient le mardi.").unwrap();
        d.section = Section::Cycles;
        check(&signed(&d, d.content.clone(), d.texts.clone())).is_err()
    }
}
