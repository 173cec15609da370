//! The LSU parts of a bilan périodique beyond subjects, synthesis and vie scolaire, both ways:
//! digital skills, parcours, EPI and AP, devoirs faits, the periodic socle, the class's common
//! texts (written into each pupil's entries) and the modalités d'accompagnement (only into the
//! sensitive section `accompagnement`, and only where the family opened and granted it).

use std::collections::BTreeMap;

use livret_core::content::{self, Draft, ProjectPart};
use livret_core::entry::{Content, OpenedEntry, ProjectKind};
use livret_core::vocab::{
    Date, DisciplineCode, DisciplineLabel, Millesime, Modalite, Parcours, Period,
};
use livret_core::Section;
use livret_export::lsu::{self as fmt, LsuFile};
use serde::{Deserialize, Serialize};

use super::v;

/// The optional parts of a bilan périodique ([`fmt::Periodic::parts`]) the livret keeps.
pub(super) const KEPT_PERIODIC_PARTS: [&str; 9] = [
    "competences-numeriques",
    "epis-eleve",
    "acc-persos-eleve",
    "liste-parcours",
    "modalites-accompagnement",
    "devoirs-faits",
    "vie-scolaire/commentaire",
    "vie-scolaire/@nb-heures-manquees",
    "socle",
];

fn same_period(p: &(String, i32, i32), b: &fmt::Periodic) -> bool {
    p.0 == b.year && p.1 == b.index && p.2 == b.count
}

/// The entries of a bilan's parts (section `annee/YYYY` or `vie-scolaire/YYYY`), and apart
/// the support measures (section `accompagnement`), every value checked. The class's common
/// texts that apply to this pupil (its division, this period) go into its entries.
pub(super) fn part_drafts(
    file: &LsuFile,
    b: &fmt::Periodic,
    division: &str,
    year: Millesime,
    period: Period,
    skipped: &mut Vec<String>,
) -> Result<(Vec<Draft>, Vec<Draft>), String> {
    let mut out = Vec::new();
    if let Some(d) = &b.digital {
        let mut commons = d.common.iter().filter_map(|i| file.digital_commons.get(*i));
        let common = commons.next().map(|c| c.text.clone()).unwrap_or_default();
        if commons.next().is_some() {
            skipped.push(
                "competences-numeriques : un seul texte commun gardé (le premier)".to_string(),
            );
        }
        out.push(v(content::digital(
            year,
            period,
            d.levels.clone(),
            d.appreciation.as_deref().unwrap_or_default(),
            &common,
        ))?);
    }
    // Each parcours the pupil or the class has: the pupil's text and the class's.
    let class_parcours: Vec<&fmt::Parcours> = file
        .parcours_communs
        .iter()
        .filter(|c| same_period(&c.period, b) && c.division.trim() == division.trim())
        .flat_map(|c| &c.parcours)
        .collect();
    let mut codes: Vec<&str> = b.parcours.iter().map(|p| p.code.as_str()).collect();
    for c in &class_parcours {
        if !codes.contains(&c.code.as_str()) {
            codes.push(&c.code);
        }
    }
    for code in codes {
        let mine = b.parcours.iter().find(|p| p.code == code);
        let class = class_parcours.iter().find(|p| p.code == code);
        out.push(v(content::parcours(
            year,
            period,
            v(Parcours::parse(code))?,
            mine.map(|p| p.text.as_str()).unwrap_or_default(),
            class.map(|p| p.text.as_str()).unwrap_or_default(),
        ))?);
    }
    for (kind, comments, groups, projects) in [
        (ProjectKind::Epi, &b.epis, &file.epi_groups, &file.epis),
        (ProjectKind::Ap, &b.aps, &file.ap_groups, &file.aps),
    ] {
        for c in comments {
            let Some(group) = groups.get(c.group) else {
                continue;
            };
            let Some(project) = projects.get(group.project) else {
                continue;
            };
            let theme_label = file
                .epi_themes
                .iter()
                .find(|t| t.code == project.theme)
                .map(|t| t.label.clone())
                .unwrap_or_default();
            let part = ProjectPart {
                theme: project.theme.clone(),
                theme_label,
                title: project.title.clone(),
                description: project.description.clone().unwrap_or_default(),
                // Code and label as the subjects' lines keep them (upper case, trimmed).
                disciplines: project
                    .disciplines
                    .iter()
                    .map(|d| {
                        Ok((
                            v(DisciplineCode::parse(&d.code))?.as_str().to_string(),
                            v(DisciplineLabel::parse(&d.label))?.as_str().to_string(),
                            d.election.clone(),
                        ))
                    })
                    .collect::<Result<_, String>>()?,
                group: group.title.clone(),
                group_comment: group.comment.clone().unwrap_or_default(),
                comment: c.comment.clone().unwrap_or_default(),
            };
            out.push(v(content::project(year, period, kind, part))?);
        }
    }
    if let Some(h) = &b.homework {
        out.push(v(content::homework(year, period, h))?);
    }
    if !b.socle.is_empty() {
        out.push(v(content::period_socle(year, period, b.socle.clone()))?);
    }
    for c in file
        .vie_communs
        .iter()
        .filter(|c| same_period(&c.period, b) && c.division.trim() == division.trim())
    {
        out.push(v(content::class_vie(year, period, &c.comment))?);
    }
    // The support measures: from the bilan's date of schooling (else the year's start).
    let start = Date::parse(&b.schooling_date)
        .or_else(|_| Date::new(year.year(), 9, 1))
        .map_err(|e| e.to_string())?;
    let mut supports = Vec::new();
    for s in &b.supports {
        let note: Vec<&str> = [s.ppre.as_deref(), s.contract.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        supports.push(v(content::accompagnement(
            v(Modalite::parse(&s.code))?,
            start,
            None,
            &note.join("\n"),
        ))?);
    }
    Ok((out, supports))
}

/// The texts common to a class for a period, as an imported file gives them: kept once per
/// class and period on the teacher's device (a local record, never sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassTexts {
    /// The class's digital skills texts.
    pub digital: Vec<String>,
    /// The parcours the class followed: code and text.
    pub parcours: Vec<(String, String)>,
    /// The class's vie scolaire comment.
    pub vie_scolaire: Option<String>,
    /// The EPI and AP groups of the class's pupils: title and common text.
    pub groups: Vec<(String, String)>,
}

/// The class texts of a file, by (class, `YYYY/I-N`): the periods its bilans hold.
pub(super) fn class_texts(file: &LsuFile) -> BTreeMap<(String, String), ClassTexts> {
    let mut out: BTreeMap<(String, String), ClassTexts> = BTreeMap::new();
    for b in &file.periodic {
        let Some(pupil) = file.pupils.get(b.pupil) else {
            continue;
        };
        let division = pupil.division.trim().to_string();
        let key = (
            division.clone(),
            format!("{}/{}-{}", b.year, b.index, b.count),
        );
        let t = out.entry(key).or_default();
        let push = |list: &mut Vec<String>, s: &str| {
            if !list.iter().any(|x| x == s) {
                list.push(s.to_string());
            }
        };
        if let Some(d) = &b.digital {
            for c in d.common.iter().filter_map(|i| file.digital_commons.get(*i)) {
                push(&mut t.digital, &c.text);
            }
        }
        for c in file
            .parcours_communs
            .iter()
            .filter(|c| same_period(&c.period, b) && c.division.trim() == division)
        {
            for p in &c.parcours {
                if !t.parcours.iter().any(|(code, _)| *code == p.code) {
                    t.parcours.push((p.code.clone(), p.text.clone()));
                }
            }
        }
        if let Some(c) = file
            .vie_communs
            .iter()
            .find(|c| same_period(&c.period, b) && c.division.trim() == division)
        {
            t.vie_scolaire = Some(c.comment.clone());
        }
        for g in b
            .epis
            .iter()
            .filter_map(|c| file.epi_groups.get(c.group))
            .chain(b.aps.iter().filter_map(|c| file.ap_groups.get(c.group)))
        {
            let entry = (g.title.clone(), g.comment.clone().unwrap_or_default());
            if !t.groups.contains(&entry) {
                t.groups.push(entry);
            }
        }
    }
    out
}

/// A pupil's part entries of one period, sorted for the export.
#[derive(Default)]
pub(super) struct PartEntries<'a> {
    pub(super) digital: Option<&'a OpenedEntry>,
    pub(super) parcours: Vec<&'a OpenedEntry>,
    pub(super) projects: Vec<&'a OpenedEntry>,
    pub(super) homework: Option<&'a OpenedEntry>,
    pub(super) socle: Option<&'a OpenedEntry>,
    pub(super) class_vie: Option<&'a OpenedEntry>,
    pub(super) supports: Vec<&'a OpenedEntry>,
}

impl<'a> PartEntries<'a> {
    /// Takes `o` when it is one of the parts of this period (or a support measure of this
    /// year); false otherwise.
    pub(super) fn take(&mut self, o: &'a OpenedEntry, year: Millesime, period: Period) -> bool {
        let here = |p: &livret_core::entry::PeriodRef| {
            p.index == period.index() && p.count == period.count()
        };
        match &o.payload.content {
            Content::Digital { period: p, .. } if here(p) => self.digital = Some(o),
            Content::Parcours { period: p, .. } if here(p) => self.parcours.push(o),
            Content::Project { period: p, .. } if here(p) => self.projects.push(o),
            Content::Homework { period: p, .. } if here(p) => self.homework = Some(o),
            Content::PeriodSocle { period: p, .. } if here(p) => self.socle = Some(o),
            Content::ClassVie { period: p, .. } if here(p) => self.class_vie = Some(o),
            Content::Accompagnement {
                measure,
                start,
                end,
                ..
            } => {
                // A measure of this school year: begun before its end, not ended before its
                // start.
                let first = format!("{:04}-09-01", year.year());
                let last = format!("{:04}-08-31", year.year() + 1);
                if start.as_str() <= last.as_str()
                    && end.as_deref().is_none_or(|e| e >= first.as_str())
                    && Modalite::parse(measure).is_ok_and(|m| m.in_lsu())
                {
                    self.supports.push(o);
                }
            }
            _ => return false,
        }
        true
    }

    /// The projects' entries (for their teachers).
    pub(super) fn project_entries(&self) -> &[&'a OpenedEntry] {
        &self.projects
    }

    /// Fills a bilan's parts and the file's class-level lists they refer to. `teachers` is the
    /// file's teacher of each project entry, in [`Self::project_entries`] order.
    pub(super) fn fill(
        &self,
        b: &mut fmt::Periodic,
        file: &mut LsuFile,
        division: &str,
        teachers: &[usize],
    ) {
        let text = |o: &OpenedEntry, i: usize| -> Option<String> {
            o.texts.get(i).filter(|t| !t.is_empty()).cloned()
        };
        let period = (b.year.clone(), b.index, b.count);
        if let Some(o) = self.digital {
            if let Content::Digital { levels, .. } = &o.payload.content {
                let mut common = Vec::new();
                if let Some(t) = text(o, 1) {
                    let i = match file.digital_commons.iter().position(|c| c.text == t) {
                        Some(i) => i,
                        None => {
                            file.digital_commons.push(fmt::DigitalCommon {
                                structure: division.to_string(),
                                structure_kind: "D".into(),
                                text: t,
                            });
                            file.digital_commons.len() - 1
                        }
                    };
                    common.push(i);
                }
                b.digital = Some(fmt::DigitalSkills {
                    appreciation: text(o, 0),
                    levels: levels.clone(),
                    common,
                });
            }
        }
        for o in &self.parcours {
            let Content::Parcours { code, .. } = &o.payload.content else {
                continue;
            };
            if let Some(t) = text(o, 0) {
                b.parcours.push(fmt::Parcours {
                    code: code.clone(),
                    text: t,
                });
            }
            if let Some(t) = text(o, 1) {
                let at = file
                    .parcours_communs
                    .iter()
                    .position(|c| c.period == period && c.division == division);
                let i = at.unwrap_or_else(|| {
                    file.parcours_communs.push(fmt::ParcoursCommon {
                        period: period.clone(),
                        division: division.to_string(),
                        parcours: vec![],
                    });
                    file.parcours_communs.len() - 1
                });
                if let Some(c) = file.parcours_communs.get_mut(i) {
                    if !c.parcours.iter().any(|p| p.code == *code) {
                        c.parcours.push(fmt::Parcours {
                            code: code.clone(),
                            text: t,
                        });
                    }
                }
            }
        }
        for (o, teacher) in self.projects.iter().zip(teachers) {
            self.fill_project(o, *teacher, b, file);
        }
        b.homework = self.homework.and_then(|o| text(o, 0));
        if let Some(Content::PeriodSocle { levels, .. }) = self.socle.map(|o| &o.payload.content) {
            b.socle = levels.clone();
        }
        if let Some(t) = self.class_vie.and_then(|o| text(o, 0)) {
            if !file
                .vie_communs
                .iter()
                .any(|c| c.period == period && c.division == division)
            {
                file.vie_communs.push(fmt::VieCommon {
                    period: period.clone(),
                    division: division.to_string(),
                    comment: t,
                });
            }
        }
        for o in &self.supports {
            let Content::Accompagnement { measure, .. } = &o.payload.content else {
                continue;
            };
            let code = measure.clone();
            let note = text(o, 0);
            let (ppre, contract) = match code.as_str() {
                "PPRE" => (note, None),
                "CTR" => (None, note),
                _ => (None, None),
            };
            if !b.supports.iter().any(|s| s.code == code) {
                b.supports.push(fmt::Support {
                    code,
                    ppre,
                    contract,
                });
            }
        }
    }

    fn fill_project(
        &self,
        o: &OpenedEntry,
        teacher: usize,
        b: &mut fmt::Periodic,
        file: &mut LsuFile,
    ) {
        let Content::Project {
            kind,
            theme,
            disciplines,
            ..
        } = &o.payload.content
        else {
            return;
        };
        let t = |i: usize| o.texts.get(i).cloned().unwrap_or_default();
        let opt = |i: usize| Some(t(i)).filter(|s| !s.is_empty());
        let disciplines: Vec<fmt::Discipline> = disciplines
            .iter()
            .map(|(code, label, election)| fmt::Discipline {
                code: code.clone(),
                label: label.clone(),
                election: election.clone(),
                national: None,
            })
            .collect();
        if *kind == ProjectKind::Epi && !file.epi_themes.iter().any(|x| x.code == *theme) {
            file.epi_themes.push(fmt::EpiTheme {
                code: theme.clone(),
                label: t(2),
            });
        }
        let project = fmt::Project {
            title: t(0),
            theme: theme.clone(),
            disciplines: disciplines.clone(),
            description: opt(3),
        };
        let (projects, groups, comments) = match kind {
            ProjectKind::Epi => (&mut file.epis, &mut file.epi_groups, &mut b.epis),
            ProjectKind::Ap => (&mut file.aps, &mut file.ap_groups, &mut b.aps),
        };
        let p = projects
            .iter()
            .position(|x| *x == project)
            .unwrap_or_else(|| {
                projects.push(project);
                projects.len() - 1
            });
        let group = fmt::ProjectGroup {
            project: p,
            title: t(1),
            comment: opt(4),
            teaching: disciplines.into_iter().map(|d| (teacher, d)).collect(),
        };
        let g = groups
            .iter()
            .position(|x| x.project == p && x.title == group.title && x.comment == group.comment)
            .unwrap_or_else(|| {
                groups.push(group);
                groups.len() - 1
            });
        comments.push(fmt::GroupComment {
            group: g,
            comment: opt(5),
        });
    }
}

/// The sections the export reads parts from, beyond the year's and the cycles'.
pub(super) const PART_SECTIONS: [Section; 1] = [Section::Accompagnement];
