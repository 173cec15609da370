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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// A bilan périodique.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Parts present in the file that the model does not keep (read only).
    pub ignored: Vec<String>,
    /// Line of the element in the file read (0 when written).
    pub line: u32,
}

/// A bilan de fin de cycle (cycle 3 or 4).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Parts present in the file that the model does not keep (read only).
    pub ignored: Vec<String>,
    /// Line of the element in the file read (0 when written).
    pub line: u32,
}

/// An LSU file.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// File-level parts present in the file that the model does not keep (read only).
    pub ignored: Vec<String>,
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
    #[error("fichier LSU non conforme au schéma : {0}")]
    Invalid(Violation),
    /// A model that cannot be written as a valid file.
    #[error("fichier LSU impossible à écrire : {0}")]
    Model(String),
}

impl Localized for LsuError {
    fn localized(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Fr, _) => self.to_string(),
            (Lang::En, LsuError::Invalid(v)) => {
                format!(
                    "LSU file not valid against the schema: {}",
                    v.localized(lang)
                )
            }
            (Lang::En, LsuError::Model(m)) => format!("LSU file cannot be written: {m}"),
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

    // Periods, subjects and elements, each listed once.
    let mut periods: Vec<(String, i32, i32)> = Vec::new();
    let mut disciplines: Vec<(String, String, String)> = Vec::new();
    let mut elements: Vec<String> = Vec::new();
    for b in &file.periodic {
        let key = (b.year.clone(), b.index, b.count);
        if !periods.contains(&key) {
            periods.push(key);
        }
        for s in &b.subjects {
            if !disciplines
                .iter()
                .any(|(c, _, e)| *c == s.code && *e == s.election)
            {
                disciplines.push((s.code.clone(), s.label.clone(), s.election.clone()));
            }
            for e in &s.elements {
                if !elements.contains(e) {
                    elements.push(e.clone());
                }
            }
        }
    }
    if !periods.is_empty() {
        x.push_str("    <periodes>\n");
        for (i, (y, idx, n)) in periods.iter().enumerate() {
            let _ = write!(x, "      <periode id=\"P{}\"", i + 1);
            attr(&mut x, "millesime", y);
            let _ = writeln!(x, " indice=\"{idx}\" nb-periodes=\"{n}\"/>");
        }
        x.push_str("    </periodes>\n");
    }
    if !disciplines.is_empty() {
        x.push_str("    <disciplines>\n");
        for (i, (code, label, election)) in disciplines.iter().enumerate() {
            let _ = write!(x, "      <discipline id=\"DI{}\"", i + 1);
            attr(&mut x, "code", code);
            attr(&mut x, "modalite-election", election);
            attr(&mut x, "libelle", label);
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
    if !file.periodic.is_empty() {
        x.push_str("    <bilans-periodiques>\n");
        for b in &file.periodic {
            if b.pupil >= file.pupils.len() {
                return Err(model(format!("élève n°{} inconnu", b.pupil + 1)));
            }
            let p = periods
                .iter()
                .position(|k| *k == (b.year.clone(), b.index, b.count))
                .unwrap_or(0);
            let _ = write!(
                x,
                "      <bilan-periodique eleve-ref=\"EL{}\" periode-ref=\"P{}\"",
                b.pupil + 1,
                p + 1
            );
            attr(&mut x, "date-conseil-classe", &b.council_date);
            attr(&mut x, "date-scolarite", &b.schooling_date);
            x.push_str(" responsable-etab-ref=\"RESP1\">\n        <liste-acquis>\n");
            if b.subjects.is_empty() {
                return Err(model(format!(
                    "le bilan de l'élève n°{} n'a aucune discipline",
                    b.pupil + 1
                )));
            }
            for s in &b.subjects {
                let d = disciplines
                    .iter()
                    .position(|(c, _, e)| *c == s.code && *e == s.election)
                    .unwrap_or(0);
                if s.teachers.is_empty() || s.teachers.iter().any(|t| *t >= file.teachers.len()) {
                    return Err(model(format!("discipline {} sans enseignant", s.code)));
                }
                let refs: Vec<String> =
                    s.teachers.iter().map(|t| format!("ENS{}", t + 1)).collect();
                let _ = write!(
                    x,
                    "          <acquis discipline-ref=\"DI{}\" enseignant-refs=\"{}\"",
                    d + 1,
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
                if s.not_marked {
                    x.push_str(" eleve-non-note=\"true\"");
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
            let _ = writeln!(
                x,
                "        <acquis-conseils>{}</acquis-conseils>",
                esc_text(&b.synthesis)
            );
            let _ = writeln!(
                x,
                "        <vie-scolaire nb-retards=\"{}\" nb-abs-justifiees=\"{}\" nb-abs-injustifiees=\"{}\"/>",
                b.late, b.justified, b.unjustified
            );
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
            x.push_str(" responsable-etab-ref=\"RESP1\">\n        <socle>\n");
            for (code, level) in SOCLE_CODES.iter().zip(c.levels) {
                let _ = writeln!(
                    x,
                    "          <domaine code=\"{code}\" positionnement=\"{level}\"/>"
                );
            }
            let _ = writeln!(
                x,
                "        </socle>\n        <synthese>{}</synthese>\n      </bilan-cycle>",
                esc_text(&c.synthesis)
            );
        }
        x.push_str("    </bilans-cycle>\n");
    }
    x.push_str("  </donnees>\n</lsun-bilans>\n");
    schema::validate(&x).map_err(LsuError::Invalid)?;
    Ok(x)
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

/// Reads an LSU file: checks it against the schema (the first violation is returned), then
/// reads the pupils, teachers, bilans périodiques and bilans de fin de cycle. Parts the model
/// does not keep are listed in the `ignored` fields.
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
    let mut disciplines: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    if let Some(list) = child(donnees, "disciplines") {
        for d in children(list, "discipline") {
            disciplines.insert(
                collapsed(d, "id"),
                (a(d, "code"), a(d, "libelle"), a(d, "modalite-election")),
            );
        }
    }
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
    let mut ignored = Vec::new();
    for part in [
        "competences-numeriques-communs",
        "parcours-communs",
        "vies-scolaires-communs",
        "epis-thematiques",
        "epis",
        "epis-groupes",
        "acc-persos",
        "acc-persos-groupes",
    ] {
        if child(donnees, part).is_some() {
            ignored.push(part.to_string());
        }
    }
    let mut periodic = Vec::new();
    if let Some(list) = child(donnees, "bilans-periodiques") {
        for b in children(list, "bilan-periodique") {
            let pupil = ids.get(&collapsed(b, "eleve-ref")).copied();
            let period = periods.get(&collapsed(b, "periode-ref")).cloned();
            let (Some(pupil), Some((year, index, count))) = (pupil, period) else {
                return Err(LsuError::Model(format!(
                    "ligne {} : bilan périodique sans élève ou période",
                    line(b)
                )));
            };
            let mut subjects = Vec::new();
            if let Some(acquis) = child(b, "liste-acquis") {
                for s in children(acquis, "acquis") {
                    let (code, label, election) = disciplines
                        .get(&collapsed(s, "discipline-ref"))
                        .cloned()
                        .unwrap_or_default();
                    let refs = collapsed(s, "enseignant-refs");
                    let els = collapsed(s, "element-programme-refs");
                    subjects.push(Subject {
                        code,
                        label,
                        election,
                        teachers: refs
                            .split(' ')
                            .filter_map(|r| teacher_ids.get(r).copied())
                            .collect(),
                        level: s
                            .attribute("positionnement")
                            .and_then(|v| v.trim().parse().ok()),
                        mark: s.attribute("moyenne-eleve").map(str::to_string),
                        appreciation: child(s, "appreciation").map(text_of),
                        elements: els
                            .split(' ')
                            .filter_map(|r| elements.get(r).cloned())
                            .collect(),
                        not_marked: matches!(collapsed(s, "eleve-non-note").as_str(), "true" | "1"),
                    });
                }
            }
            let vie = child(b, "vie-scolaire");
            let count_of = |n: &str| {
                vie.map(|v| number(v, n))
                    .and_then(|n| u16::try_from(n).ok())
                    .unwrap_or(0)
            };
            let mut ignored = Vec::new();
            for part in [
                "competences-numeriques",
                "epis-eleve",
                "acc-persos-eleve",
                "liste-parcours",
                "modalites-accompagnement",
                "devoirs-faits",
                "socle",
                "responsables",
            ] {
                if child(b, part).is_some() {
                    ignored.push(part.to_string());
                }
            }
            if vie.and_then(|v| child(v, "commentaire")).is_some() {
                ignored.push("vie-scolaire/commentaire".into());
            }
            if vie
                .and_then(|v| v.attribute("nb-heures-manquees"))
                .is_some()
            {
                ignored.push("vie-scolaire/@nb-heures-manquees".into());
            }
            periodic.push(Periodic {
                pupil,
                year,
                index,
                count,
                council_date: collapsed(b, "date-conseil-classe"),
                schooling_date: collapsed(b, "date-scolarite"),
                subjects,
                synthesis: child(b, "acquis-conseils").map(text_of).unwrap_or_default(),
                late: count_of("nb-retards"),
                justified: count_of("nb-abs-justifiees"),
                unjustified: count_of("nb-abs-injustifiees"),
                ignored,
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
                        levels[i] = collapsed(d, "positionnement").parse().unwrap_or(0);
                    }
                }
            }
            let mut ignored = Vec::new();
            for part in [
                "enseignement-complement",
                "responsables",
                "langue-culture-regionale",
            ] {
                if child(c, part).is_some() {
                    ignored.push(part.to_string());
                }
            }
            cycles.push(CycleBilan {
                pupil,
                cycle: collapsed(c, "cycle").parse().unwrap_or(0),
                year: a(c, "millesime"),
                date: collapsed(c, "date-creation"),
                levels,
                synthesis: child(c, "synthese").map(text_of).unwrap_or_default(),
                ignored,
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
        ignored,
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
                    },
                ],
                synthesis: "Trimestre sérieux.".into(),
                late: 1,
                justified: 2,
                unjustified: 0,
                ignored: vec![],
                line: 0,
            }],
            cycles: vec![CycleBilan {
                pupil: 1,
                cycle: 4,
                year: "2025".into(),
                date: "2026-06-20".into(),
                levels: [3, 2, 4, 1, 0, 3, 2, 4],
                synthesis: "Fin de cycle réussie.".into(),
                ignored: vec![],
                line: 0,
            }],
            ignored: vec![],
        }
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
