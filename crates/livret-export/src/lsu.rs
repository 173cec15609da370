//! The official LSU file (« import bilan complet », collège, schema version 7.0): a plain model
//! of what the livret exchanges with the school's software (pupils, teachers, bilans
//! périodiques, bilans de fin de cycle 3 and 4), written as XML ([`to_xml`]) and read back
//! ([`parse`]) after a structural validation against the schema ([`schema::validate`]).
//!
//! References between elements (`eleve-ref`, `enseignant-refs`...) are indices into the
//! model's lists; the XML identifiers are made up when writing and resolved when reading.

pub mod schema;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use livret_core::{Lang, Localized};

pub use schema::{validate, Violation, ViolationKind, NAMESPACE};

/// The schema version written.
pub const SCHEMA_VERSION: &str = "7.0";

/// A pupil (`eleve`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pupil {
    /// SIECLE / Base Élèves identifier (`id-be`).
    pub id_be: u64,
    /// `nom` (debugging information in the official import).
    pub last_name: Option<String>,
    /// `prenom`.
    pub first_name: Option<String>,
    /// The class (`code-division`).
    pub division: String,
}

/// A teacher (`enseignant`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Teacher {
    /// STS identifier (`id-sts`).
    pub id_sts: u64,
    /// `epp`, `local`, `dir` or `autre`.
    pub kind: String,
    /// `M` or `MME`.
    pub civility: Option<String>,
    /// `nom`.
    pub last_name: Option<String>,
    /// `prenom`.
    pub first_name: Option<String>,
}

/// One subject of a bilan périodique (`acquis`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    /// Subject code (6 characters).
    pub code: String,
    /// Subject label (≤ 40).
    pub label: String,
    /// `modalite-election` (S: common core, O: compulsory option, F: optional...).
    pub election: String,
    /// The teachers (indices into [`LsuFile::teachers`]); at least one.
    pub teachers: Vec<usize>,
    /// Positioning 1-4.
    pub level: Option<u8>,
    /// Mark (`moyenne-eleve`, ≤ 8 characters).
    pub mark: Option<String>,
    /// Appreciation (≤ 600).
    pub appreciation: Option<String>,
    /// Elements of the programme worked on (libellés, ≤ 300 each).
    pub elements: Vec<String>,
    /// `eleve-non-note`.
    pub not_marked: bool,
    /// The class's mark (`moyenne-structure`, ≤ 8 characters).
    pub class_average: Option<String>,
    /// `structure-non-notee`: the class is not marked in this subject.
    pub class_not_marked: bool,
    /// The discipline's national code (`code-national`, 6 characters), when the file gives it.
    pub national: Option<String>,
}

/// A discipline named outside the subjects of a bilan (by an EPI, an AP or a group).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Discipline {
    /// Code (6 characters).
    pub code: String,
    /// Label (≤ 40).
    pub label: String,
    /// `modalite-election`.
    pub election: String,
    /// `code-national`.
    pub national: Option<String>,
}

/// The class's common text on digital skills (`competences-numeriques-commun`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigitalCommon {
    /// The class or group (`code-structure`).
    pub structure: String,
    /// `D` (a class) or `G` (a group).
    pub structure_kind: String,
    /// The text (≤ 600).
    pub text: String,
}

/// A pupil's digital skills in a bilan périodique (`competences-numeriques`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigitalSkills {
    /// `appreciation-num` (≤ 600).
    pub appreciation: Option<String>,
    /// Each skill's code (`CN_…`) and level 1-3.
    pub levels: Vec<(String, u8)>,
    /// The class texts that apply (indices into [`LsuFile::digital_commons`]).
    pub common: Vec<usize>,
}

/// A parcours éducatif (`parcours`): its code (`PAR_AVN`, `PAR_CIT`, `PAR_ART`, `PAR_SAN`) and
/// its text (≤ 600).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parcours {
    /// Code.
    pub code: String,
    /// Text.
    pub text: String,
}

/// The parcours a class followed in a period (`parcours-commun`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParcoursCommon {
    /// The period: `millesime`, `indice`, `nb-periodes`.
    pub period: (String, i32, i32),
    /// The class (`code-division`).
    pub division: String,
    /// The parcours.
    pub parcours: Vec<Parcours>,
}

/// The class's vie scolaire comment for a period (`vie-scolaire-commun`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VieCommon {
    /// The period: `millesime`, `indice`, `nb-periodes`.
    pub period: (String, i32, i32),
    /// The class.
    pub division: String,
    /// The comment (≤ 600).
    pub comment: String,
}

/// An EPI theme (`epi-thematique`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EpiTheme {
    /// Code (≤ 50).
    pub code: String,
    /// Label (≤ 100).
    pub label: String,
}

/// An enseignement pratique interdisciplinaire (`epi`) or an accompagnement personnalisé
/// (`acc-perso`): a title, its disciplines and a description.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Project {
    /// `intitule` (≤ 150).
    pub title: String,
    /// The EPI's theme code (empty for an AP).
    pub theme: String,
    /// Its disciplines (an EPI has at least two).
    pub disciplines: Vec<Discipline>,
    /// `description` (≤ 600).
    pub description: Option<String>,
}

/// A group working on an EPI or an AP (`epi-groupe`, `acc-perso-groupe`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectGroup {
    /// The EPI or AP (index into [`LsuFile::epis`] or [`LsuFile::aps`]).
    pub project: usize,
    /// `intitule` (≤ 150).
    pub title: String,
    /// The group's text (`commentaire`, ≤ 600).
    pub comment: Option<String>,
    /// Who teaches what in it: a teacher (index into [`LsuFile::teachers`]) and a discipline.
    pub teaching: Vec<(usize, Discipline)>,
}

/// A pupil's part in an EPI or AP group (`epi-eleve`, `acc-perso-eleve`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupComment {
    /// The group (index into [`LsuFile::epi_groups`] or [`LsuFile::ap_groups`]).
    pub group: usize,
    /// The comment on the pupil (≤ 600).
    pub comment: Option<String>,
}

/// A modalité d'accompagnement (`modalite-accompagnement`): `PAP`, `PPS`, `UPE2A`, `SEGPA`,
/// `ULIS`, `PAI`, `PPRE` or `CTR`, with the PPRE's and the contrat de réussite's texts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Support {
    /// Code.
    pub code: String,
    /// `complement-ppre` (≤ 600).
    pub ppre: Option<String>,
    /// `complement-contrat-reussite` (≤ 600).
    pub contract: Option<String>,
}

/// An enseignement de complément or a langue et culture régionale of a bilan de cycle: its
/// code and the pupil's positioning (1 or 2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Complement {
    /// Code (`LCA`, `LSF`… or `BRE`, `OCI`…; `AUC` for none).
    pub code: String,
    /// `positionnement`.
    pub level: Option<u8>,
}

/// A bilan périodique.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Periodic {
    /// The pupil (index into [`LsuFile::pupils`]).
    pub pupil: usize,
    /// `millesime` as written (4 characters).
    pub year: String,
    /// `indice`.
    pub index: i32,
    /// `nb-periodes`.
    pub count: i32,
    /// `date-conseil-classe` (`YYYY-MM-DD`).
    pub council_date: String,
    /// `date-scolarite`.
    pub schooling_date: String,
    /// `liste-acquis`.
    pub subjects: Vec<Subject>,
    /// `acquis-conseils` (≤ 1000).
    pub synthesis: String,
    /// `nb-retards`.
    pub late: u16,
    /// `nb-abs-justifiees`.
    pub justified: u16,
    /// `nb-abs-injustifiees`.
    pub unjustified: u16,
    /// `nb-heures-manquees`.
    pub missed_hours: Option<u16>,
    /// The vie scolaire comment (`vie-scolaire/commentaire`, ≤ 600).
    pub vie_comment: Option<String>,
    /// Digital skills (CM2 and 6e).
    pub digital: Option<DigitalSkills>,
    /// The pupil's EPI groups, each with its comment.
    pub epis: Vec<GroupComment>,
    /// The pupil's AP groups, each with its comment.
    pub aps: Vec<GroupComment>,
    /// The pupil's parcours.
    pub parcours: Vec<Parcours>,
    /// Modalités d'accompagnement (health and support: sensitive).
    pub supports: Vec<Support>,
    /// `devoirs-faits` (≤ 600).
    pub homework: Option<String>,
    /// The socle's components positioned this period (code, 0-4).
    pub socle: Vec<(String, u8)>,
    /// The professeurs principaux (indices into [`LsuFile::teachers`]).
    pub principals: Vec<usize>,
    /// `date-verrou`.
    pub locked: Option<String>,
    /// Parts present in the file that the model does not keep (read only).
    pub ignored: Vec<String>,
    /// Line of the element in the file read (0 when written).
    pub line: u32,
}

/// A bilan de fin de cycle (cycle 3 or 4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CycleBilan {
    /// The pupil (index into [`LsuFile::pupils`]).
    pub pupil: usize,
    /// 3 or 4.
    pub cycle: u8,
    /// `millesime` as written.
    pub year: String,
    /// `date-creation`.
    pub date: String,
    /// Levels 0-4 of CPD_FRA, CPD_ETR, CPD_SCI, CPD_ART, MET_APP, FRM_CIT, SYS_NAT, REP_MND.
    pub levels: [u8; 8],
    /// `synthese` (≤ 1500).
    pub synthesis: String,
    /// `enseignement-complement`.
    pub complement: Option<Complement>,
    /// `langue-culture-regionale`.
    pub regional: Option<Complement>,
    /// The professeurs principaux (indices into [`LsuFile::teachers`]).
    pub principals: Vec<usize>,
    /// `date-verrou`.
    pub locked: Option<String>,
    /// Parts present in the file that the model does not keep (read only).
    pub ignored: Vec<String>,
    /// Line of the element in the file read (0 when written).
    pub line: u32,
}

/// An LSU file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LsuFile {
    /// `editeur`.
    pub editor: String,
    /// `application`.
    pub application: String,
    /// `appliVersion`.
    pub app_version: Option<String>,
    /// The school's UAI (`etablissement`).
    pub uai: String,
    /// The head of the school as named on the bilans (`responsable-etab/@libelle`).
    pub head: String,
    /// The pupils.
    pub pupils: Vec<Pupil>,
    /// The teachers.
    pub teachers: Vec<Teacher>,
    /// The bilans périodiques.
    pub periodic: Vec<Periodic>,
    /// The bilans de fin de cycle.
    pub cycles: Vec<CycleBilan>,
    /// The classes' texts on digital skills.
    pub digital_commons: Vec<DigitalCommon>,
    /// The classes' common parcours, by period.
    pub parcours_communs: Vec<ParcoursCommon>,
    /// The classes' vie scolaire comments, by period.
    pub vie_communs: Vec<VieCommon>,
    /// The EPI themes.
    pub epi_themes: Vec<EpiTheme>,
    /// The EPIs.
    pub epis: Vec<Project>,
    /// The EPI groups.
    pub epi_groups: Vec<ProjectGroup>,
    /// The accompagnements personnalisés.
    pub aps: Vec<Project>,
    /// The AP groups.
    pub ap_groups: Vec<ProjectGroup>,
    /// File-level parts present in the file that the model does not keep (read only).
    pub ignored: Vec<String>,
}

impl Periodic {
    /// The optional parts this bilan holds beyond its subjects, synthesis and absence counts,
    /// named as in the file (`competences-numeriques`, `devoirs-faits`…).
    pub fn parts(&self) -> Vec<&'static str> {
        [
            (self.digital.is_some(), "competences-numeriques"),
            (!self.epis.is_empty(), "epis-eleve"),
            (!self.aps.is_empty(), "acc-persos-eleve"),
            (!self.parcours.is_empty(), "liste-parcours"),
            (!self.supports.is_empty(), "modalites-accompagnement"),
            (self.homework.is_some(), "devoirs-faits"),
            (self.vie_comment.is_some(), "vie-scolaire/commentaire"),
            (
                self.missed_hours.is_some(),
                "vie-scolaire/@nb-heures-manquees",
            ),
            (!self.socle.is_empty(), "socle"),
        ]
        .into_iter()
        .filter_map(|(present, name)| present.then_some(name))
        .collect()
    }
}

impl CycleBilan {
    /// The optional parts this bilan holds beyond its socle and synthesis, named as in the
    /// file.
    pub fn parts(&self) -> Vec<&'static str> {
        [
            (self.complement.is_some(), "enseignement-complement"),
            (self.regional.is_some(), "langue-culture-regionale"),
        ]
        .into_iter()
        .filter_map(|(present, name)| present.then_some(name))
        .collect()
    }
}

impl LsuFile {
    /// The class-level parts the file holds (texts common to a class, EPIs, APs and their
    /// groups), named as in the file.
    pub fn class_parts(&self) -> Vec<&'static str> {
        [
            (
                !self.digital_commons.is_empty(),
                "competences-numeriques-communs",
            ),
            (!self.parcours_communs.is_empty(), "parcours-communs"),
            (!self.vie_communs.is_empty(), "vies-scolaires-communs"),
            (!self.epi_themes.is_empty(), "epis-thematiques"),
            (!self.epis.is_empty(), "epis"),
            (!self.epi_groups.is_empty(), "epis-groupes"),
            (!self.aps.is_empty(), "acc-persos"),
            (!self.ap_groups.is_empty(), "acc-persos-groupes"),
        ]
        .into_iter()
        .filter_map(|(present, name)| present.then_some(name))
        .collect()
    }
}

/// The socle components in the order of the `levels` arrays.
pub const SOCLE_CODES: [&str; 8] = [
    "CPD_FRA", "CPD_ETR", "CPD_SCI", "CPD_ART", "MET_APP", "FRM_CIT", "SYS_NAT", "REP_MND",
];

/// Why an LSU file could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LsuError {
    /// The file breaks the schema.
    #[error("LSU file not valid against the schema: {0}")]
    Invalid(Violation),
    /// A model that cannot be written as a valid file.
    #[error("LSU file cannot be written: {0}")]
    Model(String),
}

impl Localized for LsuError {
    fn localized(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, _) => self.to_string(),
            (Lang::Fr, LsuError::Invalid(v)) => {
                format!("fichier LSU non conforme au schéma : {}", v.localized(lang))
            }
            (Lang::Fr, LsuError::Model(m)) => format!("fichier LSU impossible à écrire : {m}"),
        }
    }
}

// ---------------------------------------------------------------------------------- write

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Text content: line breaks kept as they are (`&#13;` for a carriage return, which XML would
/// otherwise turn into a line feed).
fn esc_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn attr(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"{}\"", esc(value));
}

/// Writes the file. The result is checked against the schema before it is returned: a model
/// that would give an invalid file is refused with the rule it breaks.
pub fn to_xml(file: &LsuFile) -> Result<String, LsuError> {
    let model = |m: String| LsuError::Model(m);
    if file.pupils.is_empty() {
        return Err(model("aucun élève".into()));
    }
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<lsun-bilans xmlns=\"{NAMESPACE}\" schemaVersion=\"{SCHEMA_VERSION}\">"
    );
    x.push_str("  <entete>\n");
    let _ = writeln!(x, "    <editeur>{}</editeur>", esc_text(&file.editor));
    let _ = writeln!(
        x,
        "    <application>{}</application>",
        esc_text(&file.application)
    );
    if let Some(v) = &file.app_version {
        let _ = writeln!(x, "    <appliVersion>{}</appliVersion>", esc_text(v));
    }
    let _ = writeln!(
        x,
        "    <etablissement>{}</etablissement>",
        esc_text(&file.uai)
    );
    x.push_str("  </entete>\n  <donnees>\n");
    x.push_str("    <responsables-etab>\n      <responsable-etab id=\"RESP1\"");
    attr(&mut x, "libelle", &file.head);
    x.push_str("/>\n    </responsables-etab>\n    <eleves>\n");
    for (i, p) in file.pupils.iter().enumerate() {
        let _ = write!(x, "      <eleve id=\"EL{}\" id-be=\"{}\"", i + 1, p.id_be);
        if let Some(n) = &p.last_name {
            attr(&mut x, "nom", n);
        }
        if let Some(n) = &p.first_name {
            attr(&mut x, "prenom", n);
        }
        attr(&mut x, "code-division", &p.division);
        x.push_str("/>\n");
    }
    x.push_str("    </eleves>\n");

    // Periods, disciplines and elements, each listed once.
    let mut periods: Vec<(String, i32, i32)> = Vec::new();
    let mut disciplines: Vec<Discipline> = Vec::new();
    let mut elements: Vec<String> = Vec::new();
    let mut add_period = |key: (String, i32, i32)| {
        if !periods.contains(&key) {
            periods.push(key);
        }
    };
    for b in &file.periodic {
        add_period((b.year.clone(), b.index, b.count));
    }
    for c in &file.parcours_communs {
        add_period(c.period.clone());
    }
    for c in &file.vie_communs {
        add_period(c.period.clone());
    }
    let mut add_discipline = |d: &Discipline| {
        if !disciplines
            .iter()
            .any(|x| x.code == d.code && x.election == d.election)
        {
            disciplines.push(d.clone());
        }
    };
    for b in &file.periodic {
        for s in &b.subjects {
            add_discipline(&Discipline {
                code: s.code.clone(),
                label: s.label.clone(),
                election: s.election.clone(),
                national: s.national.clone(),
            });
            for e in &s.elements {
                if !elements.contains(e) {
                    elements.push(e.clone());
                }
            }
        }
    }
    for p in file.epis.iter().chain(&file.aps) {
        p.disciplines.iter().for_each(&mut add_discipline);
    }
    for g in file.epi_groups.iter().chain(&file.ap_groups) {
        g.teaching.iter().for_each(|(_, d)| add_discipline(d));
    }
    let discipline_ref = |d: &Discipline| {
        let i = disciplines
            .iter()
            .position(|x| x.code == d.code && x.election == d.election)
            .unwrap_or(0);
        format!("DI{}", i + 1)
    };
    if !periods.is_empty() {
        x.push_str("    <periodes>\n");
        for (i, (y, idx, n)) in periods.iter().enumerate() {
            let _ = write!(x, "      <periode id=\"P{}\"", i + 1);
            attr(&mut x, "millesime", y);
            let _ = writeln!(x, " indice=\"{idx}\" nb-periodes=\"{n}\"/>");
        }
        x.push_str("    </periodes>\n");
    }
    let period_ref = |key: &(String, i32, i32)| {
        let i = periods.iter().position(|k| k == key).unwrap_or(0);
        format!("P{}", i + 1)
    };
    if !disciplines.is_empty() {
        x.push_str("    <disciplines>\n");
        for (i, d) in disciplines.iter().enumerate() {
            let _ = write!(x, "      <discipline id=\"DI{}\"", i + 1);
            attr(&mut x, "code", &d.code);
            if let Some(n) = &d.national {
                attr(&mut x, "code-national", n);
            }
            attr(&mut x, "modalite-election", &d.election);
            attr(&mut x, "libelle", &d.label);
            x.push_str("/>\n");
        }
        x.push_str("    </disciplines>\n");
    }
    if !file.teachers.is_empty() {
        x.push_str("    <enseignants>\n");
        for (i, t) in file.teachers.iter().enumerate() {
            let _ = write!(x, "      <enseignant id=\"ENS{}\"", i + 1);
            attr(&mut x, "type", &t.kind);
            let _ = write!(x, " id-sts=\"{}\"", t.id_sts);
            if let Some(c) = &t.civility {
                attr(&mut x, "civilite", c);
            }
            if let Some(n) = &t.last_name {
                attr(&mut x, "nom", n);
            }
            if let Some(n) = &t.first_name {
                attr(&mut x, "prenom", n);
            }
            x.push_str("/>\n");
        }
        x.push_str("    </enseignants>\n");
    }
    if !elements.is_empty() {
        x.push_str("    <elements-programme>\n");
        for (i, e) in elements.iter().enumerate() {
            let _ = write!(x, "      <element-programme id=\"EP{}\"", i + 1);
            attr(&mut x, "libelle", e);
            x.push_str("/>\n");
        }
        x.push_str("    </elements-programme>\n");
    }
    write_class_parts(&mut x, file, &period_ref, &discipline_ref)?;
    if !file.periodic.is_empty() {
        x.push_str("    <bilans-periodiques>\n");
        for b in &file.periodic {
            if b.pupil >= file.pupils.len() {
                return Err(model(format!("élève n°{} inconnu", b.pupil + 1)));
            }
            let _ = write!(
                x,
                "      <bilan-periodique eleve-ref=\"EL{}\" periode-ref=\"{}\"",
                b.pupil + 1,
                period_ref(&(b.year.clone(), b.index, b.count))
            );
            attr(&mut x, "date-conseil-classe", &b.council_date);
            attr(&mut x, "date-scolarite", &b.schooling_date);
            write_principals(&mut x, file, &b.principals, b.locked.as_deref())?;
            x.push_str(" responsable-etab-ref=\"RESP1\">\n        <liste-acquis>\n");
            if b.subjects.is_empty() {
                return Err(model(format!(
                    "le bilan de l'élève n°{} n'a aucune discipline",
                    b.pupil + 1
                )));
            }
            for s in &b.subjects {
                let d = discipline_ref(&Discipline {
                    code: s.code.clone(),
                    election: s.election.clone(),
                    ..Discipline::default()
                });
                if s.teachers.is_empty() || s.teachers.iter().any(|t| *t >= file.teachers.len()) {
                    return Err(model(format!("discipline {} sans enseignant", s.code)));
                }
                let refs: Vec<String> =
                    s.teachers.iter().map(|t| format!("ENS{}", t + 1)).collect();
                let _ = write!(
                    x,
                    "          <acquis discipline-ref=\"{d}\" enseignant-refs=\"{}\"",
                    refs.join(" ")
                );
                if !s.elements.is_empty() {
                    let refs: Vec<String> = s
                        .elements
                        .iter()
                        .filter_map(|e| elements.iter().position(|x| x == e))
                        .map(|i| format!("EP{}", i + 1))
                        .collect();
                    attr(&mut x, "element-programme-refs", &refs.join(" "));
                }
                if let Some(m) = &s.mark {
                    attr(&mut x, "moyenne-eleve", m);
                }
                if let Some(m) = &s.class_average {
                    attr(&mut x, "moyenne-structure", m);
                }
                if s.not_marked {
                    x.push_str(" eleve-non-note=\"true\"");
                }
                if s.class_not_marked {
                    x.push_str(" structure-non-notee=\"true\"");
                }
                if let Some(l) = s.level {
                    let _ = write!(x, " positionnement=\"{l}\"");
                }
                match &s.appreciation {
                    Some(a) => {
                        let _ = writeln!(
                            x,
                            ">\n            <appreciation>{}</appreciation>\n          </acquis>",
                            esc_text(a)
                        );
                    }
                    None => x.push_str("/>\n"),
                }
            }
            x.push_str("        </liste-acquis>\n");
            write_pupil_parts(&mut x, file, b)?;
            x.push_str("      </bilan-periodique>\n");
        }
        x.push_str("    </bilans-periodiques>\n");
    }
    if !file.cycles.is_empty() {
        x.push_str("    <bilans-cycle>\n");
        for c in &file.cycles {
            if c.pupil >= file.pupils.len() {
                return Err(model(format!("élève n°{} inconnu", c.pupil + 1)));
            }
            let _ = write!(
                x,
                "      <bilan-cycle eleve-ref=\"EL{}\" cycle=\"{}\"",
                c.pupil + 1,
                c.cycle
            );
            attr(&mut x, "millesime", &c.year);
            attr(&mut x, "date-creation", &c.date);
            write_principals(&mut x, file, &c.principals, c.locked.as_deref())?;
            x.push_str(" responsable-etab-ref=\"RESP1\">\n        <socle>\n");
            for (code, level) in SOCLE_CODES.iter().zip(c.levels) {
                let _ = writeln!(
                    x,
                    "          <domaine code=\"{code}\" positionnement=\"{level}\"/>"
                );
            }
            let _ = writeln!(
                x,
                "        </socle>\n        <synthese>{}</synthese>",
                esc_text(&c.synthesis)
            );
            for (name, part) in [
                ("enseignement-complement", &c.complement),
                ("langue-culture-regionale", &c.regional),
            ] {
                if let Some(p) = part {
                    let _ = write!(x, "        <{name}");
                    attr(&mut x, "code", &p.code);
                    if let Some(l) = p.level {
                        let _ = write!(x, " positionnement=\"{l}\"");
                    }
                    x.push_str("/>\n");
                }
            }
            x.push_str("      </bilan-cycle>\n");
        }
        x.push_str("    </bilans-cycle>\n");
    }
    x.push_str("  </donnees>\n</lsun-bilans>\n");
    schema::validate(&x).map_err(LsuError::Invalid)?;
    Ok(x)
}

/// `prof-princ-refs` and `date-verrou` of a bilan.
fn write_principals(
    x: &mut String,
    file: &LsuFile,
    principals: &[usize],
    locked: Option<&str>,
) -> Result<(), LsuError> {
    if !principals.is_empty() {
        if principals.iter().any(|t| *t >= file.teachers.len()) {
            return Err(LsuError::Model("professeur principal inconnu".into()));
        }
        let refs: Vec<String> = principals.iter().map(|t| format!("ENS{}", t + 1)).collect();
        attr(x, "prof-princ-refs", &refs.join(" "));
    }
    if let Some(d) = locked {
        attr(x, "date-verrou", d);
    }
    Ok(())
}

/// An element holding only an optional text child: `<name attrs>` then `<child>text</child>`.
fn write_with_text(
    x: &mut String,
    indent: &str,
    open: &str,
    name: &str,
    child: &str,
    text: Option<&str>,
) {
    match text {
        Some(t) => {
            let _ = writeln!(
                x,
                "{indent}{open}>\n{indent}  <{child}>{}</{child}>\n{indent}</{name}>",
                esc_text(t)
            );
        }
        None => {
            let _ = writeln!(x, "{indent}{open}/>");
        }
    }
}

/// The class-level parts: texts on digital skills, common parcours and vie scolaire, EPIs and
/// APs with their groups.
fn write_class_parts(
    x: &mut String,
    file: &LsuFile,
    period_ref: &dyn Fn(&(String, i32, i32)) -> String,
    discipline_ref: &dyn Fn(&Discipline) -> String,
) -> Result<(), LsuError> {
    let model = |m: String| LsuError::Model(m);
    if !file.digital_commons.is_empty() {
        x.push_str("    <competences-numeriques-communs>\n");
        for (i, c) in file.digital_commons.iter().enumerate() {
            let _ = write!(
                x,
                "      <competences-numeriques-commun id=\"CNC{}\"",
                i + 1
            );
            attr(x, "code-structure", &c.structure);
            attr(x, "type-structure", &c.structure_kind);
            let _ = writeln!(x, ">{}</competences-numeriques-commun>", esc_text(&c.text));
        }
        x.push_str("    </competences-numeriques-communs>\n");
    }
    if !file.parcours_communs.is_empty() {
        x.push_str("    <parcours-communs>\n");
        for c in &file.parcours_communs {
            let _ = write!(
                x,
                "      <parcours-commun periode-ref=\"{}\"",
                period_ref(&c.period)
            );
            attr(x, "code-division", &c.division);
            x.push_str(">\n");
            for p in &c.parcours {
                x.push_str("        <parcours");
                attr(x, "code", &p.code);
                let _ = writeln!(x, ">{}</parcours>", esc_text(&p.text));
            }
            x.push_str("      </parcours-commun>\n");
        }
        x.push_str("    </parcours-communs>\n");
    }
    if !file.vie_communs.is_empty() {
        x.push_str("    <vies-scolaires-communs>\n");
        for c in &file.vie_communs {
            let _ = write!(
                x,
                "      <vie-scolaire-commun periode-ref=\"{}\"",
                period_ref(&c.period)
            );
            attr(x, "code-division", &c.division);
            let _ = writeln!(
                x,
                ">\n        <commentaire>{}</commentaire>\n      </vie-scolaire-commun>",
                esc_text(&c.comment)
            );
        }
        x.push_str("    </vies-scolaires-communs>\n");
    }
    if !file.epi_themes.is_empty() {
        x.push_str("    <epis-thematiques>\n");
        for t in &file.epi_themes {
            x.push_str("      <epi-thematique");
            attr(x, "code", &t.code);
            attr(x, "libelle", &t.label);
            x.push_str("/>\n");
        }
        x.push_str("    </epis-thematiques>\n");
    }
    for (list, item, prefix, projects, groups, group_list, group_item, group_prefix, parent_attr) in [
        (
            "epis",
            "epi",
            "EPI",
            &file.epis,
            &file.epi_groups,
            "epis-groupes",
            "epi-groupe",
            "EPG",
            "epi-ref",
        ),
        (
            "acc-persos",
            "acc-perso",
            "ACC",
            &file.aps,
            &file.ap_groups,
            "acc-persos-groupes",
            "acc-perso-groupe",
            "ACG",
            "acc-perso-ref",
        ),
    ] {
        if !projects.is_empty() {
            let _ = writeln!(x, "    <{list}>");
            for (i, p) in projects.iter().enumerate() {
                let mut open = format!("<{item} id=\"{prefix}{}\"", i + 1);
                attr(&mut open, "intitule", &p.title);
                if item == "epi" {
                    attr(&mut open, "thematique", &p.theme);
                }
                let refs: Vec<String> = p.disciplines.iter().map(discipline_ref).collect();
                attr(&mut open, "discipline-refs", &refs.join(" "));
                write_with_text(
                    x,
                    "      ",
                    &open,
                    item,
                    "description",
                    p.description.as_deref(),
                );
            }
            let _ = writeln!(x, "    </{list}>");
        }
        if !groups.is_empty() {
            let _ = writeln!(x, "    <{group_list}>");
            for (i, g) in groups.iter().enumerate() {
                if g.project >= projects.len() {
                    return Err(model(format!("{group_item} n°{} : {item} inconnu", i + 1)));
                }
                if g.teaching.is_empty()
                    || g.teaching.iter().any(|(t, _)| *t >= file.teachers.len())
                {
                    return Err(model(format!("{group_item} n°{} sans enseignant", i + 1)));
                }
                let _ = write!(
                    x,
                    "      <{group_item} id=\"{group_prefix}{}\" {parent_attr}=\"{prefix}{}\"",
                    i + 1,
                    g.project + 1
                );
                attr(x, "intitule", &g.title);
                x.push_str(">\n");
                if let Some(c) = &g.comment {
                    let _ = writeln!(x, "        <commentaire>{}</commentaire>", esc_text(c));
                }
                x.push_str("        <enseignants-disciplines>\n");
                for (t, d) in &g.teaching {
                    let _ = writeln!(
                        x,
                        "          <enseignant-discipline enseignant-ref=\"ENS{}\" discipline-ref=\"{}\"/>",
                        t + 1,
                        discipline_ref(d)
                    );
                }
                let _ = writeln!(
                    x,
                    "        </enseignants-disciplines>\n      </{group_item}>"
                );
            }
            let _ = writeln!(x, "    </{group_list}>");
        }
    }
    Ok(())
}

/// A bilan périodique's parts after its subjects, in the schema's order.
fn write_pupil_parts(x: &mut String, file: &LsuFile, b: &Periodic) -> Result<(), LsuError> {
    let model = |m: String| LsuError::Model(m);
    if let Some(d) = &b.digital {
        x.push_str("        <competences-numeriques");
        if !d.common.is_empty() {
            if d.common.iter().any(|c| *c >= file.digital_commons.len()) {
                return Err(model(
                    "texte commun de compétences numériques inconnu".into(),
                ));
            }
            let refs: Vec<String> = d.common.iter().map(|c| format!("CNC{}", c + 1)).collect();
            attr(x, "comp-num-commun-refs", &refs.join(" "));
        }
        x.push_str(">\n");
        if let Some(a) = &d.appreciation {
            let _ = writeln!(
                x,
                "          <appreciation-num>{}</appreciation-num>",
                esc_text(a)
            );
        }
        for (code, level) in &d.levels {
            x.push_str("          <competence-num");
            attr(x, "code", code);
            let _ = writeln!(x, " niveau=\"{level}\"/>");
        }
        x.push_str("        </competences-numeriques>\n");
    }
    for (list, item, group_attr, prefix, groups, known) in [
        (
            "epis-eleve",
            "epi-eleve",
            "epi-groupe-ref",
            "EPG",
            &b.epis,
            file.epi_groups.len(),
        ),
        (
            "acc-persos-eleve",
            "acc-perso-eleve",
            "acc-perso-groupe-ref",
            "ACG",
            &b.aps,
            file.ap_groups.len(),
        ),
    ] {
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(x, "        <{list}>");
        for g in groups {
            if g.group >= known {
                return Err(model(format!("{item} : groupe inconnu")));
            }
            let open = format!("<{item} {group_attr}=\"{prefix}{}\"", g.group + 1);
            write_with_text(
                x,
                "          ",
                &open,
                item,
                "commentaire",
                g.comment.as_deref(),
            );
        }
        let _ = writeln!(x, "        </{list}>");
    }
    if !b.parcours.is_empty() {
        x.push_str("        <liste-parcours>\n");
        for p in &b.parcours {
            x.push_str("          <parcours");
            attr(x, "code", &p.code);
            let _ = writeln!(x, ">{}</parcours>", esc_text(&p.text));
        }
        x.push_str("        </liste-parcours>\n");
    }
    if !b.supports.is_empty() {
        x.push_str("        <modalites-accompagnement>\n");
        for m in &b.supports {
            let mut open = String::from("<modalite-accompagnement");
            attr(&mut open, "code", &m.code);
            if m.ppre.is_none() && m.contract.is_none() {
                let _ = writeln!(x, "          {open}/>");
                continue;
            }
            let _ = writeln!(x, "          {open}>");
            if let Some(t) = &m.ppre {
                let _ = writeln!(
                    x,
                    "            <complement-ppre>{}</complement-ppre>",
                    esc_text(t)
                );
            }
            if let Some(t) = &m.contract {
                let _ = writeln!(
                    x,
                    "            <complement-contrat-reussite>{}</complement-contrat-reussite>",
                    esc_text(t)
                );
            }
            x.push_str("          </modalite-accompagnement>\n");
        }
        x.push_str("        </modalites-accompagnement>\n");
    }
    let _ = writeln!(
        x,
        "        <acquis-conseils>{}</acquis-conseils>",
        esc_text(&b.synthesis)
    );
    if let Some(h) = &b.homework {
        let _ = writeln!(x, "        <devoirs-faits>{}</devoirs-faits>", esc_text(h));
    }
    let mut open = format!(
        "<vie-scolaire nb-retards=\"{}\" nb-abs-justifiees=\"{}\" nb-abs-injustifiees=\"{}\"",
        b.late, b.justified, b.unjustified
    );
    if let Some(h) = b.missed_hours {
        let _ = write!(open, " nb-heures-manquees=\"{h}\"");
    }
    write_with_text(
        x,
        "        ",
        &open,
        "vie-scolaire",
        "commentaire",
        b.vie_comment.as_deref(),
    );
    if !b.socle.is_empty() {
        x.push_str("        <socle>\n");
        for (code, level) in &b.socle {
            x.push_str("          <domaine");
            attr(x, "code", code);
            let _ = writeln!(x, " positionnement=\"{level}\"/>");
        }
        x.push_str("        </socle>\n");
    }
    Ok(())
}

// ----------------------------------------------------------------------------------- read

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    node.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

fn a(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    node.attribute(name).unwrap_or_default().to_string()
}

fn collapsed(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    node.attribute(name)
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn number(node: roxmltree::Node<'_, '_>, name: &str) -> u64 {
    collapsed(node, name)
        .trim_start_matches('+')
        .parse()
        .unwrap_or(0)
}

/// The IDs of a list attribute (`IDREFS`), in order.
fn refs<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Vec<String> {
    collapsed(node, name)
        .split(' ')
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// Indices of the IDs in `map`, unknown ones left out (the schema checks IDREFs resolve).
fn indices(ids: &[String], map: &BTreeMap<String, usize>) -> Vec<usize> {
    ids.iter().filter_map(|r| map.get(r).copied()).collect()
}

fn optional_text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(text_of)
}

fn small(node: roxmltree::Node<'_, '_>, name: &str) -> Option<u8> {
    node.attribute(name).and_then(|v| v.trim().parse().ok())
}

fn truthy(node: roxmltree::Node<'_, '_>, name: &str) -> bool {
    matches!(collapsed(node, name).as_str(), "true" | "1")
}

/// Reads an LSU file: checks it against the schema (the first violation is returned), then
/// reads every part of it that concerns pupils: pupils, teachers, bilans périodiques (subjects,
/// digital skills, EPI and AP, parcours, modalités d'accompagnement, devoirs faits, vie
/// scolaire, socle), bilans de fin de cycle, and the class-wide texts and groups they refer
/// to. What is not kept (the parents' names and addresses, `responsables`) is listed in the
/// `ignored` fields.
pub fn parse(xml: &str) -> Result<LsuFile, LsuError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        LsuError::Invalid(Violation {
            line: e.pos().row,
            kind: ViolationKind::NotXml(e.to_string()),
        })
    })?;
    schema::validate_document(&doc).map_err(LsuError::Invalid)?;
    let root = doc.root_element();
    let line = |n: roxmltree::Node<'_, '_>| doc.text_pos_at(n.range().start).row;
    let (Some(entete), Some(donnees)) = (child(root, "entete"), child(root, "donnees")) else {
        return Err(LsuError::Model("entete ou donnees absent".into()));
    };
    let head_text = |name: &str| child(entete, name).map(text_of);

    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut head = String::new();
    if let Some(list) = child(donnees, "responsables-etab") {
        if let Some(r) = children(list, "responsable-etab").next() {
            head = a(r, "libelle");
        }
    }
    let mut pupils = Vec::new();
    if let Some(list) = child(donnees, "eleves") {
        for e in children(list, "eleve") {
            ids.insert(collapsed(e, "id"), pupils.len());
            pupils.push(Pupil {
                id_be: number(e, "id-be"),
                last_name: e.attribute("nom").map(str::to_string),
                first_name: e.attribute("prenom").map(str::to_string),
                division: a(e, "code-division"),
            });
        }
    }
    let mut periods: BTreeMap<String, (String, i32, i32)> = BTreeMap::new();
    if let Some(list) = child(donnees, "periodes") {
        for p in children(list, "periode") {
            let int = |n| collapsed(p, n).parse::<i32>().unwrap_or(0);
            periods.insert(
                collapsed(p, "id"),
                (a(p, "millesime"), int("indice"), int("nb-periodes")),
            );
        }
    }
    let mut disciplines: BTreeMap<String, Discipline> = BTreeMap::new();
    if let Some(list) = child(donnees, "disciplines") {
        for d in children(list, "discipline") {
            disciplines.insert(
                collapsed(d, "id"),
                Discipline {
                    code: a(d, "code"),
                    label: a(d, "libelle"),
                    election: a(d, "modalite-election"),
                    national: d.attribute("code-national").map(str::to_string),
                },
            );
        }
    }
    let discipline_list = |node: roxmltree::Node<'_, '_>, name: &str| -> Vec<Discipline> {
        refs(node, name)
            .iter()
            .filter_map(|r| disciplines.get(r).cloned())
            .collect()
    };
    let mut teachers = Vec::new();
    let mut teacher_ids: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(list) = child(donnees, "enseignants") {
        for t in children(list, "enseignant") {
            teacher_ids.insert(collapsed(t, "id"), teachers.len());
            teachers.push(Teacher {
                id_sts: number(t, "id-sts"),
                kind: a(t, "type"),
                civility: t.attribute("civilite").map(str::to_string),
                last_name: t.attribute("nom").map(str::to_string),
                first_name: t.attribute("prenom").map(str::to_string),
            });
        }
    }
    let mut elements: BTreeMap<String, String> = BTreeMap::new();
    if let Some(list) = child(donnees, "elements-programme") {
        for e in children(list, "element-programme") {
            elements.insert(collapsed(e, "id"), a(e, "libelle"));
        }
    }
    let mut digital_commons = Vec::new();
    let mut digital_ids: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(list) = child(donnees, "competences-numeriques-communs") {
        for c in children(list, "competences-numeriques-commun") {
            digital_ids.insert(collapsed(c, "id"), digital_commons.len());
            digital_commons.push(DigitalCommon {
                structure: a(c, "code-structure"),
                structure_kind: a(c, "type-structure"),
                text: text_of(c),
            });
        }
    }
    let parcours_of = |node: roxmltree::Node<'_, '_>| -> Vec<Parcours> {
        children(node, "parcours")
            .map(|p| Parcours {
                code: a(p, "code"),
                text: text_of(p),
            })
            .collect()
    };
    let period_of = |node: roxmltree::Node<'_, '_>| -> Option<(String, i32, i32)> {
        periods.get(&collapsed(node, "periode-ref")).cloned()
    };
    let mut parcours_communs = Vec::new();
    if let Some(list) = child(donnees, "parcours-communs") {
        for c in children(list, "parcours-commun") {
            parcours_communs.push(ParcoursCommon {
                period: period_of(c).unwrap_or_default(),
                division: a(c, "code-division"),
                parcours: parcours_of(c),
            });
        }
    }
    let mut vie_communs = Vec::new();
    if let Some(list) = child(donnees, "vies-scolaires-communs") {
        for c in children(list, "vie-scolaire-commun") {
            vie_communs.push(VieCommon {
                period: period_of(c).unwrap_or_default(),
                division: a(c, "code-division"),
                comment: optional_text(c, "commentaire").unwrap_or_default(),
            });
        }
    }
    let mut epi_themes = Vec::new();
    if let Some(list) = child(donnees, "epis-thematiques") {
        for t in children(list, "epi-thematique") {
            epi_themes.push(EpiTheme {
                code: a(t, "code"),
                label: a(t, "libelle"),
            });
        }
    }
    // EPIs and APs, then their groups.
    let projects = |list: &str, item: &'static str| {
        let mut out = Vec::new();
        let mut by_id = BTreeMap::new();
        if let Some(list) = child(donnees, list) {
            for p in children(list, item) {
                by_id.insert(collapsed(p, "id"), out.len());
                out.push(Project {
                    title: a(p, "intitule"),
                    theme: a(p, "thematique"),
                    disciplines: discipline_list(p, "discipline-refs"),
                    description: optional_text(p, "description"),
                });
            }
        }
        (out, by_id)
    };
    let (epis, epi_ids) = projects("epis", "epi");
    let (aps, ap_ids) = projects("acc-persos", "acc-perso");
    let groups =
        |list: &str, item: &'static str, parent: &str, parents: &BTreeMap<String, usize>| {
            let mut out = Vec::new();
            let mut by_id = BTreeMap::new();
            if let Some(list) = child(donnees, list) {
                for g in children(list, item) {
                    by_id.insert(collapsed(g, "id"), out.len());
                    let mut teaching = Vec::new();
                    if let Some(t) = child(g, "enseignants-disciplines") {
                        for ed in children(t, "enseignant-discipline") {
                            let who = teacher_ids.get(&collapsed(ed, "enseignant-ref")).copied();
                            let what = disciplines.get(&collapsed(ed, "discipline-ref")).cloned();
                            if let (Some(who), Some(what)) = (who, what) {
                                teaching.push((who, what));
                            }
                        }
                    }
                    out.push(ProjectGroup {
                        project: parents.get(&collapsed(g, parent)).copied().unwrap_or(0),
                        title: a(g, "intitule"),
                        comment: optional_text(g, "commentaire"),
                        teaching,
                    });
                }
            }
            (out, by_id)
        };
    let (epi_groups, epi_group_ids) = groups("epis-groupes", "epi-groupe", "epi-ref", &epi_ids);
    let (ap_groups, ap_group_ids) = groups(
        "acc-persos-groupes",
        "acc-perso-groupe",
        "acc-perso-ref",
        &ap_ids,
    );
    let mut periodic = Vec::new();
    if let Some(list) = child(donnees, "bilans-periodiques") {
        for b in children(list, "bilan-periodique") {
            let pupil = ids.get(&collapsed(b, "eleve-ref")).copied();
            let period = period_of(b);
            let (Some(pupil), Some((year, index, count))) = (pupil, period) else {
                return Err(LsuError::Model(format!(
                    "ligne {} : bilan périodique sans élève ou période",
                    line(b)
                )));
            };
            let mut subjects = Vec::new();
            if let Some(acquis) = child(b, "liste-acquis") {
                for s in children(acquis, "acquis") {
                    let d = disciplines
                        .get(&collapsed(s, "discipline-ref"))
                        .cloned()
                        .unwrap_or_default();
                    subjects.push(Subject {
                        code: d.code,
                        label: d.label,
                        election: d.election,
                        national: d.national,
                        teachers: indices(&refs(s, "enseignant-refs"), &teacher_ids),
                        level: small(s, "positionnement"),
                        mark: s.attribute("moyenne-eleve").map(str::to_string),
                        class_average: s.attribute("moyenne-structure").map(str::to_string),
                        appreciation: optional_text(s, "appreciation"),
                        elements: refs(s, "element-programme-refs")
                            .iter()
                            .filter_map(|r| elements.get(r).cloned())
                            .collect(),
                        not_marked: truthy(s, "eleve-non-note"),
                        class_not_marked: truthy(s, "structure-non-notee"),
                    });
                }
            }
            let vie = child(b, "vie-scolaire");
            let count_of = |n: &str| {
                vie.map(|v| number(v, n))
                    .and_then(|n| u16::try_from(n).ok())
                    .unwrap_or(0)
            };
            let digital = child(b, "competences-numeriques").map(|c| DigitalSkills {
                appreciation: optional_text(c, "appreciation-num"),
                levels: children(c, "competence-num")
                    .map(|n| (a(n, "code"), small(n, "niveau").unwrap_or(0)))
                    .collect(),
                common: indices(&refs(c, "comp-num-commun-refs"), &digital_ids),
            });
            let group_comments =
                |list: &str, item: &'static str, attr_name: &str, map: &BTreeMap<String, usize>| {
                    child(b, list)
                        .map(|l| {
                            children(l, item)
                                .filter_map(|e| {
                                    map.get(&collapsed(e, attr_name)).map(|g| GroupComment {
                                        group: *g,
                                        comment: optional_text(e, "commentaire"),
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                };
            let supports = child(b, "modalites-accompagnement")
                .map(|l| {
                    children(l, "modalite-accompagnement")
                        .map(|m| Support {
                            code: a(m, "code"),
                            ppre: optional_text(m, "complement-ppre"),
                            contract: optional_text(m, "complement-contrat-reussite"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let socle = child(b, "socle")
                .map(|l| {
                    children(l, "domaine")
                        .map(|d| (a(d, "code"), small(d, "positionnement").unwrap_or(0)))
                        .collect()
                })
                .unwrap_or_default();
            let mut left = Vec::new();
            if child(b, "responsables").is_some() {
                left.push("responsables".to_string());
            }
            periodic.push(Periodic {
                pupil,
                year,
                index,
                count,
                council_date: collapsed(b, "date-conseil-classe"),
                schooling_date: collapsed(b, "date-scolarite"),
                subjects,
                synthesis: optional_text(b, "acquis-conseils").unwrap_or_default(),
                late: count_of("nb-retards"),
                justified: count_of("nb-abs-justifiees"),
                unjustified: count_of("nb-abs-injustifiees"),
                missed_hours: vie
                    .and_then(|v| v.attribute("nb-heures-manquees"))
                    .and_then(|n| n.trim().parse().ok()),
                vie_comment: vie.and_then(|v| optional_text(v, "commentaire")),
                digital,
                epis: group_comments("epis-eleve", "epi-eleve", "epi-groupe-ref", &epi_group_ids),
                aps: group_comments(
                    "acc-persos-eleve",
                    "acc-perso-eleve",
                    "acc-perso-groupe-ref",
                    &ap_group_ids,
                ),
                parcours: child(b, "liste-parcours")
                    .map(parcours_of)
                    .unwrap_or_default(),
                supports,
                homework: optional_text(b, "devoirs-faits"),
                socle,
                principals: indices(&refs(b, "prof-princ-refs"), &teacher_ids),
                locked: b.attribute("date-verrou").map(str::to_string),
                ignored: left,
                line: line(b),
            });
        }
    }
    let mut cycles = Vec::new();
    if let Some(list) = child(donnees, "bilans-cycle") {
        for c in children(list, "bilan-cycle") {
            let Some(pupil) = ids.get(&collapsed(c, "eleve-ref")).copied() else {
                return Err(LsuError::Model(format!(
                    "ligne {} : bilan de cycle sans élève",
                    line(c)
                )));
            };
            let mut levels = [0u8; 8];
            if let Some(socle) = child(c, "socle") {
                for d in children(socle, "domaine") {
                    let code = a(d, "code");
                    if let Some(i) = SOCLE_CODES.iter().position(|s| *s == code) {
                        levels[i] = small(d, "positionnement").unwrap_or(0);
                    }
                }
            }
            let complement = |name: &str| {
                child(c, name).map(|e| Complement {
                    code: a(e, "code"),
                    level: small(e, "positionnement"),
                })
            };
            let mut left = Vec::new();
            if child(c, "responsables").is_some() {
                left.push("responsables".to_string());
            }
            cycles.push(CycleBilan {
                pupil,
                cycle: collapsed(c, "cycle").parse().unwrap_or(0),
                year: a(c, "millesime"),
                date: collapsed(c, "date-creation"),
                levels,
                synthesis: optional_text(c, "synthese").unwrap_or_default(),
                complement: complement("enseignement-complement"),
                regional: complement("langue-culture-regionale"),
                principals: indices(&refs(c, "prof-princ-refs"), &teacher_ids),
                locked: c.attribute("date-verrou").map(str::to_string),
                ignored: left,
                line: line(c),
            });
        }
    }
    Ok(LsuFile {
        editor: head_text("editeur").unwrap_or_default(),
        application: head_text("application").unwrap_or_default(),
        app_version: head_text("appliVersion"),
        uai: head_text("etablissement").unwrap_or_default(),
        head,
        pupils,
        teachers,
        periodic,
        cycles,
        digital_commons,
        parcours_communs,
        vie_communs,
        epi_themes,
        epis,
        epi_groups,
        aps,
        ap_groups,
        ignored: vec![],
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use super::*;

    /// A file with two pupils, two teachers, both kinds of bilans.
    pub fn sample() -> LsuFile {
        LsuFile {
            editor: "livret".into(),
            application: "livret".into(),
            app_version: Some("0.1.0".into()),
            uai: "0951099D".into(),
            head: "Mme Principale".into(),
            pupils: vec![
                Pupil {
                    id_be: 1234,
                    last_name: Some("Lina Moreau".into()),
                    first_name: None,
                    division: "5B".into(),
                },
                Pupil {
                    id_be: 5678,
                    last_name: Some("Dupont".into()),
                    first_name: Some("Léo".into()),
                    division: "5B".into(),
                },
            ],
            teachers: vec![
                Teacher {
                    id_sts: 42,
                    kind: "epp".into(),
                    civility: Some("M".into()),
                    last_name: Some("Martin".into()),
                    first_name: None,
                },
                Teacher {
                    id_sts: 43,
                    kind: "epp".into(),
                    civility: None,
                    last_name: None,
                    first_name: None,
                },
            ],
            periodic: vec![Periodic {
                pupil: 0,
                year: "2025".into(),
                index: 1,
                count: 3,
                council_date: "2025-12-10".into(),
                schooling_date: "2025-09-01".into(),
                subjects: vec![
                    Subject {
                        code: "FRANCS".into(),
                        label: "Français".into(),
                        election: "S".into(),
                        teachers: vec![0],
                        level: Some(3),
                        mark: None,
                        appreciation: Some("Très bien : « œuvre » & <progrès>.\nSuite.".into()),
                        elements: vec!["Le récit d'aventure".into()],
                        not_marked: false,
                        ..Subject::default()
                    },
                    Subject {
                        code: "MATHEM".into(),
                        label: "Mathématiques".into(),
                        election: "S".into(),
                        teachers: vec![0, 1],
                        level: None,
                        mark: Some("15,5".into()),
                        appreciation: Some("Bon trimestre.".into()),
                        elements: vec![],
                        not_marked: false,
                        ..Subject::default()
                    },
                ],
                synthesis: "Trimestre sérieux.".into(),
                late: 1,
                justified: 2,
                unjustified: 0,
                ..Periodic::default()
            }],
            cycles: vec![CycleBilan {
                pupil: 1,
                cycle: 4,
                year: "2025".into(),
                date: "2026-06-20".into(),
                levels: [3, 2, 4, 1, 0, 3, 2, 4],
                synthesis: "Fin de cycle réussie.".into(),
                ..CycleBilan::default()
            }],
            ..LsuFile::default()
        }
    }

    fn discipline(code: &str, label: &str, election: &str) -> Discipline {
        Discipline {
            code: code.into(),
            label: label.into(),
            election: election.into(),
            national: None,
        }
    }

    /// A file holding every element and attribute the schema allows at pupil and class level
    /// (except the parents, `responsables`, which the model does not keep), with the edge
    /// cases: one discipline under two modalités, a non-marked pupil with an appréciation, a
    /// subject with only an appréciation, a cycle bilan with an enseignement de complément
    /// and a langue et culture régionale.
    pub fn full_sample() -> LsuFile {
        let mut f = sample();
        f.teachers[1] = Teacher {
            id_sts: 43,
            kind: "epp".into(),
            civility: Some("MME".into()),
            last_name: Some("Roux".into()),
            first_name: Some("Anne".into()),
        };
        let period = ("2025".to_string(), 1, 3);
        f.digital_commons = vec![DigitalCommon {
            structure: "6EME_4".into(),
            structure_kind: "D".into(),
            text: "La classe a travaillé le traitement de texte.".into(),
        }];
        f.parcours_communs = vec![ParcoursCommon {
            period: period.clone(),
            division: "6EME_4".into(),
            parcours: vec![
                Parcours {
                    code: "PAR_CIT".into(),
                    text: "Visite du conseil municipal.".into(),
                },
                Parcours {
                    code: "PAR_ART".into(),
                    text: "Chorale du collège.".into(),
                },
            ],
        }];
        f.vie_communs = vec![VieCommon {
            period: period.clone(),
            division: "6EME_4".into(),
            comment: "Classe calme et investie.".into(),
        }];
        f.epi_themes = vec![EpiTheme {
            code: "EPI_SAN".into(),
            label: "Corps, santé, bien-être et sécurité".into(),
        }];
        let francais = discipline("FRANCS", "Français", "S");
        let svt = Discipline {
            national: Some("062900".into()),
            ..discipline("SVTEC_", "Sciences de la vie et de la Terre", "S")
        };
        f.epis = vec![Project {
            title: "Bien manger".into(),
            theme: "EPI_SAN".into(),
            disciplines: vec![francais.clone(), svt.clone()],
            description: Some("Une enquête sur la cantine.".into()),
        }];
        f.epi_groups = vec![ProjectGroup {
            project: 0,
            title: "Bien manger, groupe A".into(),
            comment: Some("Un groupe très actif.".into()),
            teaching: vec![(0, francais.clone()), (1, svt.clone())],
        }];
        f.aps = vec![Project {
            title: "Méthodologie".into(),
            theme: String::new(),
            disciplines: vec![francais.clone()],
            description: None,
        }];
        f.ap_groups = vec![ProjectGroup {
            project: 0,
            title: "Méthodologie 6e".into(),
            comment: None,
            teaching: vec![(0, francais.clone())],
        }];
        let b = &mut f.periodic[0];
        b.subjects.push(Subject {
            code: "030201".into(),
            label: "Anglais LV1".into(),
            election: "O".into(),
            teachers: vec![1],
            level: None,
            mark: None,
            appreciation: Some("Participe volontiers.".into()),
            elements: vec!["Se présenter".into(), "Le récit d'aventure".into()],
            not_marked: true,
            class_average: Some("12,4".into()),
            class_not_marked: false,
            national: Some("030201".into()),
        });
        b.subjects.push(Subject {
            code: "030201".into(),
            label: "Anglais LV1 (section euro)".into(),
            election: "F".into(),
            teachers: vec![1],
            appreciation: Some("Très bon oral.".into()),
            class_not_marked: true,
            ..Subject::default()
        });
        b.subjects[1].class_average = Some("11".into());
        b.digital = Some(DigitalSkills {
            appreciation: Some("Bonne maîtrise des outils.".into()),
            levels: vec![("CN_INF_MEN".into(), 2), ("CN_CRE_TEX".into(), 3)],
            common: vec![0],
        });
        b.epis = vec![GroupComment {
            group: 0,
            comment: Some("A mené l'enquête.".into()),
        }];
        b.aps = vec![GroupComment {
            group: 0,
            comment: None,
        }];
        b.parcours = vec![Parcours {
            code: "PAR_AVN".into(),
            text: "Stage d'observation envisagé.".into(),
        }];
        b.supports = vec![
            Support {
                code: "PPRE".into(),
                ppre: Some("Lecture à voix haute chaque semaine.".into()),
                contract: None,
            },
            Support {
                code: "CTR".into(),
                ppre: None,
                contract: Some("Contrat de réussite signé en octobre.".into()),
            },
            Support {
                code: "PAI".into(),
                ppre: None,
                contract: None,
            },
        ];
        b.homework = Some("Vient à devoirs faits deux fois par semaine.".into());
        b.vie_comment = Some("Élève ponctuelle.".into());
        b.missed_hours = Some(6);
        b.socle = vec![("CPD_FRA".into(), 3), ("MET_APP".into(), 2)];
        b.principals = vec![1];
        b.locked = Some("2025-12-11T18:00:00".into());
        let c = &mut f.cycles[0];
        c.complement = Some(Complement {
            code: "LCA".into(),
            level: Some(2),
        });
        c.regional = Some(Complement {
            code: "BRE".into(),
            level: Some(1),
        });
        c.principals = vec![0];
        c.locked = Some("2026-06-21".into());
        f
    }

    #[test]
    fn every_part_of_a_full_file_reads_back_the_same_and_xmllint_accepts_it() {
        let file = full_sample();
        let xml = to_xml(&file).unwrap();
        assert!(xmllint_accepts(&xml), "{xml}");
        let back = parse(&xml).unwrap();
        let mut expected = file.clone();
        for (b, e) in back.periodic.iter().zip(expected.periodic.iter_mut()) {
            e.line = b.line;
        }
        for (b, e) in back.cycles.iter().zip(expected.cycles.iter_mut()) {
            e.line = b.line;
        }
        assert_eq!(back, expected);
        // Every element and attribute of the schema's pupil- and class-level types appears.
        for name in [
            "moyenne-structure",
            "eleve-non-note",
            "structure-non-notee",
            "code-national",
            "element-programme-refs",
            "competences-numeriques-commun",
            "comp-num-commun-refs",
            "appreciation-num",
            "competence-num",
            "parcours-commun",
            "vie-scolaire-commun",
            "epi-thematique",
            "<epi ",
            "epi-groupe",
            "enseignant-discipline",
            "<acc-perso ",
            "acc-perso-groupe",
            "epi-eleve",
            "acc-perso-eleve",
            "liste-parcours",
            "modalite-accompagnement",
            "complement-ppre",
            "complement-contrat-reussite",
            "devoirs-faits",
            "nb-heures-manquees",
            "<commentaire>",
            "prof-princ-refs",
            "date-verrou",
            "enseignement-complement",
            "langue-culture-regionale",
        ] {
            assert!(xml.contains(name), "{name} missing from the file");
        }
        assert_eq!(back.periodic[0].parts().len(), 9);
        assert_eq!(back.cycles[0].parts().len(), 2);
        assert_eq!(back.class_parts().len(), 8);
        assert!(sample().periodic[0].parts().is_empty());
    }

    #[test]
    fn a_written_file_reads_back_the_same() {
        let file = sample();
        let xml = to_xml(&file).unwrap();
        let back = parse(&xml).unwrap();
        let mut expected = file.clone();
        for (b, e) in back.periodic.iter().zip(expected.periodic.iter_mut()) {
            e.line = b.line;
        }
        for (b, e) in back.cycles.iter().zip(expected.cycles.iter_mut()) {
            e.line = b.line;
        }
        assert_eq!(back, expected);
    }

    /// The official schema, kept in the repository (`docs/lsu/`, see its README).
    pub fn xsd_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/lsu/import-bilan-complet.xsd")
    }

    /// Whether `xmllint --schema` accepts the file (xmllint must be installed:
    /// `apt-get install libxml2-utils`).
    pub fn xmllint_accepts(xml: &str) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.xml");
        std::fs::write(&path, xml).unwrap();
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(xsd_path())
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("xmllint is needed (apt-get install libxml2-utils): {e}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("failed to compile") && !err.contains("failed to load"),
            "{err}"
        );
        out.status.success()
    }

    #[test]
    fn written_files_are_valid_for_xmllint() {
        let xml = to_xml(&sample()).unwrap();
        assert!(xmllint_accepts(&xml), "{xml}");
    }

    /// Variants of a valid file, each with whether the schema accepts it.
    fn variants() -> Vec<(&'static str, String)> {
        let base = to_xml(&sample()).unwrap();
        let r = |from: &str, to: &str| {
            assert!(base.contains(from), "{from}");
            base.replacen(from, to, 1)
        };
        let long = "x".repeat(1001);
        vec![
            ("valid", base.clone()),
            ("schemaVersion 8.0", r("schemaVersion=\"7.0\"", "schemaVersion=\"8.0\"")),
            ("schemaVersion 2.0", r("schemaVersion=\"7.0\"", "schemaVersion=\"2.0\"")),
            ("no editeur", r("<editeur>livret</editeur>", "")),
            ("no appliVersion", r("<appliVersion>0.1.0</appliVersion>", "")),
            (
                "entete in another order",
                r(
                    "<editeur>livret</editeur>\n    <application>livret</application>",
                    "<application>livret</application>\n    <editeur>livret</editeur>",
                ),
            ),
            ("editeur twice", r("<editeur>livret</editeur>", "<editeur>a</editeur><editeur>b</editeur>")),
            ("UAI of 7", r("<etablissement>0951099D</etablissement>", "<etablissement>0951099</etablissement>")),
            ("id-be 0", r("id-be=\"1234\"", "id-be=\"0\"")),
            ("id-be +12", r("id-be=\"1234\"", "id-be=\"+12\"")),
            ("id-be with blanks", r("id-be=\"1234\"", "id-be=\" 12 \"")),
            ("id-be not a number", r("id-be=\"1234\"", "id-be=\"12a\"")),
            ("same id-be twice", r("id-be=\"1234\"", "id-be=\"5678\"")),
            ("same id-be written differently", r("id-be=\"1234\"", "id-be=\"05678\"")),
            ("duplicate id", r("id=\"EL2\"", "id=\"EL1\"")),
            ("unknown eleve-ref", r("eleve-ref=\"EL1\"", "eleve-ref=\"EL9\"")),
            ("positionnement 5", r("positionnement=\"3\"", "positionnement=\"5\"")),
            ("positionnement 03", r("positionnement=\"3\"", "positionnement=\"03\"")),
            ("positionnement with blanks", r("positionnement=\"3\"", "positionnement=\" 3 \"")),
            ("date 2025-02-30", r("2025-12-10", "2025-02-30")),
            ("date 2024-02-29", r("2025-12-10", "2024-02-29")),
            ("date with zone", r("2025-12-10", "2025-12-10+01:00")),
            ("date in French", r("2025-12-10", "10/12/2025")),
            ("empty appreciation", r("<appreciation>Bon trimestre.</appreciation>", "<appreciation></appreciation>")),
            ("blank appreciation", r("<appreciation>Bon trimestre.</appreciation>", "<appreciation> \n </appreciation>")),
            ("no appreciation", r("<appreciation>Bon trimestre.</appreciation>", "")),
            ("synthesis of 1001", r("Trimestre sérieux.", &long)),
            ("synthesis of 1000 accents", r("Trimestre sérieux.", &"é".repeat(1000))),
            ("1000 late", r("nb-retards=\"1\"", "nb-retards=\"1000\"")),
            ("hours missed", r("nb-retards=\"1\"", "nb-retards=\"1\" nb-heures-manquees=\"3\"")),
            ("7 domains", r("<domaine code=\"REP_MND\" positionnement=\"4\"/>", "")),
            ("same domain twice", r("code=\"REP_MND\"", "code=\"SYS_NAT\"")),
            ("domain level 5", r("code=\"REP_MND\" positionnement=\"4\"", "code=\"REP_MND\" positionnement=\"5\"")),
            ("cycle 2", r("cycle=\"4\"", "cycle=\"2\"")),
            ("unknown attribute", r("<eleve id=\"EL1\"", "<eleve couleur=\"bleu\" id=\"EL1\"")),
            ("xsi attribute", r("schemaVersion=\"7.0\"", "schemaVersion=\"7.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:x f.xsd\"")),
            ("unknown element", r("<eleves>", "<inconnu/>\n    <eleves>")),
            ("text in liste-acquis", r("<liste-acquis>", "<liste-acquis>texte")),
            ("no vie-scolaire", r("<vie-scolaire nb-retards=\"1\" nb-abs-justifiees=\"2\" nb-abs-injustifiees=\"0\"/>", "")),
            ("long discipline label", r("libelle=\"Mathématiques\"", &format!("libelle=\"{}\"", "M".repeat(41)))),
            (
                "acquis-conseils before liste-acquis",
                {
                    let start = base.find("<liste-acquis>").unwrap();
                    let end = base.find("</liste-acquis>").unwrap() + "</liste-acquis>".len();
                    let list = &base[start..end];
                    let syn = "<acquis-conseils>Trimestre sérieux.</acquis-conseils>";
                    base.replacen(list, syn, 1).replacen(&format!("\n        {syn}"), &format!("\n        {list}"), 1)
                },
            ),
            ("devoirs-faits", r("</acquis-conseils>", "</acquis-conseils>\n<devoirs-faits>Faits.</devoirs-faits>")),
            ("parcours", r("</liste-acquis>", "</liste-acquis><liste-parcours><parcours code=\"PAR_CIT\">Conseil de vie collégienne.</parcours></liste-parcours>")),
            ("bad parcours code", r("</liste-acquis>", "</liste-acquis><liste-parcours><parcours code=\"PAR_XXX\">x</parcours></liste-parcours>")),
            ("modalites twice the same", r("</liste-acquis>", "</liste-acquis><modalites-accompagnement><modalite-accompagnement code=\"PPRE\"/><modalite-accompagnement code=\"PPRE\"/></modalites-accompagnement>")),
            ("modalite PPRE", r("</liste-acquis>", "</liste-acquis><modalites-accompagnement><modalite-accompagnement code=\"PPRE\"><complement-ppre>Lecture.</complement-ppre></modalite-accompagnement></modalites-accompagnement>")),
            ("competences numeriques", r("</liste-acquis>", "</liste-acquis><competences-numeriques><appreciation-num>Bien.</appreciation-num><competence-num code=\"CN_INF_MEN\" niveau=\"2\"/><competence-num code=\"CN_CRE_PRO\" niveau=\"3\"/></competences-numeriques>")),
            ("competences numeriques empty", r("</liste-acquis>", "</liste-acquis><competences-numeriques/>")),
            ("competence level 4", r("</liste-acquis>", "</liste-acquis><competences-numeriques><competence-num code=\"CN_INF_MEN\" niveau=\"4\"/></competences-numeriques>")),
            ("mark of 9", r("moyenne-eleve=\"15,5\"", "moyenne-eleve=\"123456789\"")),
            ("no teacher", r("enseignant-refs=\"ENS1\"", "enseignant-refs=\"\"")),
            ("unknown teacher", r("enseignant-refs=\"ENS1\"", "enseignant-refs=\"ENS7\"")),
            ("no responsables-etab", {
                let start = base.find("<responsables-etab>").unwrap();
                let end = base.find("</responsables-etab>").unwrap() + "</responsables-etab>".len();
                base.replacen(&base[start..end], "", 1)
            }),
            ("wrong namespace", r("urn:fr:edu:scolarite:lsun:bilans:import", "urn:autre")),
            ("millesime of 5", r("millesime=\"2025\" indice", "millesime=\"20255\" indice")),
            ("millesime of letters", r("millesime=\"2025\" indice", "millesime=\"abcd\" indice")),
            ("periodic socle of 1", base.replacen("nb-abs-injustifiees=\"0\"/>", "nb-abs-injustifiees=\"0\"/><socle><domaine code=\"CPD_FRA\" positionnement=\"3\"/></socle>", 1)),
            ("prof-princ-refs", r("responsable-etab-ref=\"RESP1\">", "responsable-etab-ref=\"RESP1\" prof-princ-refs=\"ENS1\">")),
            ("prof-princ-refs unknown", r("responsable-etab-ref=\"RESP1\">", "responsable-etab-ref=\"RESP1\" prof-princ-refs=\"ENSX\">")),
            ("date-verrou", r("responsable-etab-ref=\"RESP1\">", "responsable-etab-ref=\"RESP1\" date-verrou=\"2025-12-01T10:00:00\">")),
            ("bad date-verrou", r("responsable-etab-ref=\"RESP1\">", "responsable-etab-ref=\"RESP1\" date-verrou=\"2025-12-01T10:00\">")),
            ("enseignement complement", r("</synthese>", "</synthese><enseignement-complement code=\"LCA\" positionnement=\"2\"/>")),
            ("langue regionale before complement", r("</synthese>", "</synthese><langue-culture-regionale code=\"BRE\"/><enseignement-complement code=\"LCA\"/>")),
            ("not xml", r("</donnees>", "</donees>")),
            ("prenom empty for teacher", r("civilite=\"M\"", "civilite=\"M\" prenom=\"\"")),
            ("civilite Mme", r("civilite=\"M\"", "civilite=\"Mme\"")),
            ("two disciplines same code", r("code=\"MATHEM\"", "code=\"FRANCS\"")),
            ("discipline with id-lv", r("code=\"MATHEM\" modalite-election=\"S\"", "code=\"MATHEM\" modalite-election=\"S\" id-lv=\"DI1\"")),
            ("periods key clash", r("indice=\"1\"", "indice=\"1\"")),
            ("comment and PI", r("<eleves>", "<!-- note --><?pi x?><eleves>")),
        ]
    }

    /// Where libxml2 is laxer than the XML Schema rules: it does not check that an `xs:IDREF`
    /// names an `xs:ID` (the ID/IDREF table), nor that an `xs:IDREFS` list is not empty. The
    /// validator here applies the rules, so a dangling reference is refused on import.
    const STRICTER_THAN_XMLLINT: &[&str] = &[
        "unknown eleve-ref",
        "no teacher",
        "unknown teacher",
        "prof-princ-refs unknown",
    ];

    #[test]
    fn the_validator_agrees_with_xmllint() {
        let mut disagreements = Vec::new();
        for (name, xml) in variants() {
            let ours = validate(&xml);
            let theirs = xmllint_accepts(&xml);
            if STRICTER_THAN_XMLLINT.contains(&name) {
                if ours.is_ok() {
                    disagreements.push(format!("{name}: should be refused"));
                }
                continue;
            }
            if ours.is_ok() != theirs {
                disagreements.push(format!("{name}: xmllint {theirs}, ours {ours:?}"));
            }
        }
        assert!(disagreements.is_empty(), "{disagreements:#?}");
    }

    #[test]
    fn violations_name_the_rule() {
        let xml = to_xml(&sample()).unwrap();
        let bad = xml.replacen("positionnement=\"3\"", "positionnement=\"5\"", 1);
        let v = validate(&bad).unwrap_err();
        let fr = v.localized(Lang::Fr);
        assert!(
            fr.contains("positionnement") && fr.contains("ligne"),
            "{fr}"
        );
        assert!(v.localized(Lang::En).contains("line"));
        assert!(matches!(parse(&bad), Err(LsuError::Invalid(_))));
    }

    #[test]
    fn models_that_would_be_invalid_are_refused() {
        let mut f = sample();
        f.uai = "123".into();
        assert!(matches!(to_xml(&f), Err(LsuError::Invalid(_))));
        let mut f = sample();
        f.periodic[0].subjects[0].teachers.clear();
        assert!(matches!(to_xml(&f), Err(LsuError::Model(_))));
        let mut f = sample();
        f.pupils.clear();
        assert!(to_xml(&f).is_err());
        let mut f = sample();
        f.head = String::new();
        assert!(matches!(to_xml(&f), Err(LsuError::Invalid(_))));
    }
}
