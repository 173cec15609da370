//! The official LSU file on a teacher's device: the school-side identifiers the official
//! import needs (UAI, head of school, STS id of each teacher, SIECLE id-be of each pupil),
//! the export of a class's bilans, and the import of a file made by the school's software
//! (each bilan written as entries signed by this teacher, all of a pupil's or none).

use std::collections::{BTreeMap, BTreeSet};

use livret_core::content::{self, Draft};
use livret_core::entry::{Content, OpenedEntry, Verification};
use livret_core::grant::Decision;
use livret_core::vocab::{
    Appreciation, Cycle, CycleSynthesis, Discipline, DisciplineCode, DisciplineLabel, Division,
    ElementsProgramme, Evaluation, Mark, Millesime, Period, PersonName, Positioning, Rule,
    SocleLevel, SocleLevels, Synthesis, Uai, ValidationError, VieScolaire,
};
use livret_core::{DeviceId, Lang, LivretId, Localized, Role, Section};
use livret_export::lsu::{self as fmt, LsuFile};
use serde::{Deserialize, Serialize};

use crate::device::Device;
use crate::error::{Error, Result};

mod parts;
pub use parts::ClassTexts;

const SCHOOL_KIND: &str = "lsu-school";
const SCHOOL_ID: &str = "school";
const PUPIL_KIND: &str = "lsu-pupil";
const CLASS_KIND: &str = "lsu-class";

/// The school-side identifiers kept on a teacher's device (encrypted like every record).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SchoolRecord {
    uai: Option<String>,
    head: Option<String>,
    id_sts: Option<u64>,
    /// Other teachers' STS ids, by device id.
    #[serde(default)]
    teachers: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PupilRecord {
    id_be: u64,
}

/// One pupil's identifier as listed.
#[derive(Debug, Clone, Serialize)]
pub struct PupilIdView {
    /// The livret.
    pub livret_id: String,
    /// The child's name.
    pub name: Option<String>,
    /// The class.
    pub class: Option<String>,
    /// The SIECLE id-be, if recorded.
    pub id_be: Option<u64>,
}

/// Another teacher's STS id as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TeacherIdView {
    /// The teacher's device.
    pub device_id: String,
    /// The STS id.
    pub id_sts: u64,
}

/// The school-side identifiers of this device.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolIdsView {
    /// The school's UAI.
    pub uai: Option<String>,
    /// The head of school as named on the bilans.
    pub head: Option<String>,
    /// This teacher's STS id.
    pub id_sts: Option<u64>,
    /// Other teachers' STS ids.
    pub teachers: Vec<TeacherIdView>,
    /// The pupils of the livrets held.
    pub pupils: Vec<PupilIdView>,
}

/// An LSU file made on this device.
#[derive(Debug, Clone)]
pub struct LsuExport {
    /// The XML (valid against the schema).
    pub xml: String,
    /// Pupils in the file.
    pub pupils: usize,
    /// Bilans périodiques.
    pub periodic: usize,
    /// Bilans de fin de cycle.
    pub cycles: usize,
    /// What was left out, and why (in French).
    pub notes: Vec<String>,
}

/// What happened (or would happen) to one pupil of an imported file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedPupil {
    /// The pupil's id-be in the file.
    pub id_be: u64,
    /// The name in the file.
    pub name: String,
    /// The class in the file.
    pub division: String,
    /// The livret matched, if any.
    pub livret_id: Option<String>,
    /// `id-be`, `name` (by name and class: to confirm) or `none`.
    pub matched_by: String,
    /// `written`, `would-write`, `invalid`, `unmatched`.
    pub status: String,
    /// Why it is invalid or unmatched.
    pub reason: Option<String>,
    /// The entries written (or that would be).
    pub entries: Vec<String>,
    /// Parts of the file not imported for this pupil, and why.
    pub skipped: Vec<String>,
}

/// The result of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Each pupil of the file.
    pub pupils: Vec<ImportedPupil>,
    /// File-level parts not imported.
    pub ignored: Vec<String>,
    /// The school identifiers the file carries, compared with those recorded.
    pub school_ids: Vec<FoundSchoolId>,
}

/// A school identifier an LSU file carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchoolIdField {
    /// The school's UAI (`etablissement`).
    Uai,
    /// The head of school as named on the bilans (`responsable-etab`).
    Head,
    /// This teacher's STS id (the file's teacher whose name is this device's).
    IdSts,
}

impl SchoolIdField {
    /// The `livret school-ids set` flag that records it.
    pub fn flag(self) -> &'static str {
        match self {
            SchoolIdField::Uai => "--uai",
            SchoolIdField::Head => "--head",
            SchoolIdField::IdSts => "--id-sts",
        }
    }
}

impl Localized for SchoolIdField {
    fn localized(&self, lang: Lang) -> String {
        match self {
            SchoolIdField::Uai => lang.pick("UAI de l'établissement", "school UAI"),
            SchoolIdField::Head => lang.pick("chef d'établissement", "head of school"),
            SchoolIdField::IdSts => {
                lang.pick("identifiant STS de l'enseignant", "teacher's STS id")
            }
        }
        .to_string()
    }
}

/// What an import did with a school identifier it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundStatus {
    /// Nothing was recorded: the file's value is recorded now (or would be, in a dry run).
    Recorded,
    /// The same value is already recorded.
    Same,
    /// Another value is recorded and is kept: replacing it is the user's decision
    /// ([`Device::set_school_ids`]).
    Differs,
}

/// A school identifier found in an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundSchoolId {
    /// Which one.
    pub field: SchoolIdField,
    /// The value in the file.
    pub found: String,
    /// The value recorded before the import.
    pub recorded: Option<String>,
    /// What the import did.
    pub status: FoundStatus,
}

/// A pupil's checked bilan waiting to be written with the others of an import.
struct QueuedPupil {
    /// Its place in the report.
    at: usize,
    livret: LivretId,
    drafts: Vec<Draft>,
    /// The LSU id to record once written (a pupil matched by name).
    id_be: Option<u64>,
}

/// The teacher of the file whose name is `name` (this device's), when exactly one is.
fn teacher_named(file: &LsuFile, name: &str) -> Option<u64> {
    let wanted = normalize_name(&name.replace('.', " "));
    let matching: BTreeSet<u64> = file
        .teachers
        .iter()
        .filter(|t| {
            let last = t.last_name.as_deref().unwrap_or("");
            let first = t.first_name.as_deref().unwrap_or("");
            if last.trim().is_empty() {
                return false;
            }
            // No civility in the file: either may be the one the device's name carries.
            let civility = match t.civility.as_deref() {
                Some("MME") => vec!["mme", "madame"],
                Some("M") => vec!["m", "monsieur", "mr"],
                _ => vec!["mme", "madame", "m", "monsieur", "mr"],
            };
            let mut forms = vec![format!("{first} {last}"), format!("{last} {first}")];
            forms.extend(civility.iter().map(|c| format!("{c} {last}")));
            forms.iter().any(|f| normalize_name(f) == wanted)
        })
        .map(|t| t.id_sts)
        .collect();
    match matching.len() {
        1 => matching.into_iter().next(),
        _ => None,
    }
}

fn format_error(fr: String, en: String) -> Error {
    Error::Format { fr, en }
}

fn lsu_err(e: &fmt::LsuError) -> Error {
    format_error(e.localized(Lang::Fr), e.localized(Lang::En))
}

fn positive(field: &'static str, n: u64) -> Result<u64> {
    if n == 0 {
        return Err(ValidationError::new(
            field,
            Rule::OutOfRange {
                min: 1,
                max: i64::MAX,
                actual: 0,
            },
        )
        .into());
    }
    Ok(n)
}

fn normalize_name(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn date_of(secs: i64) -> String {
    livret_core::vocab::Date::from_unix_seconds(secs)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

impl Device {
    fn school_record(&self) -> Result<SchoolRecord> {
        match self.store.record(SCHOOL_KIND, SCHOOL_ID)? {
            None => Ok(SchoolRecord::default()),
            Some(b) => serde_json::from_slice(&b)
                .map_err(|e| Error::Protocol(format!("identifiants d'établissement : {e}"))),
        }
    }

    fn put_school_record(&mut self, r: &SchoolRecord) -> Result<()> {
        let bytes = serde_json::to_vec(r).map_err(|e| Error::Protocol(e.to_string()))?;
        self.store
            .put_record(SCHOOL_KIND, SCHOOL_ID, None, &bytes)?;
        Ok(())
    }

    pub(crate) fn pupil_id_be(&self, livret: LivretId) -> Result<Option<u64>> {
        match self.store.record(PUPIL_KIND, &livret.to_string())? {
            None => Ok(None),
            Some(b) => Ok(serde_json::from_slice::<PupilRecord>(&b)
                .ok()
                .map(|p| p.id_be)),
        }
    }

    /// Records this device's school: its UAI, the head of school as named on the bilans, and
    /// this teacher's STS id (teacher device). Values not given are kept.
    pub fn set_school_ids(
        &mut self,
        uai: Option<&str>,
        head: Option<&str>,
        id_sts: Option<u64>,
    ) -> Result<()> {
        self.require_role(Role::Teacher)?;
        let mut r = self.school_record()?;
        if uai.is_none() && head.is_none() && id_sts.is_none() {
            return Err(ValidationError::new("uai", Rule::Empty).into());
        }
        if let Some(u) = uai {
            r.uai = Some(Uai::parse(u)?.as_str().to_string());
        }
        if let Some(h) = head {
            r.head = Some(PersonName::parse(h)?.as_str().to_string());
        }
        if let Some(n) = id_sts {
            r.id_sts = Some(positive("id-sts", n)?);
        }
        self.put_school_record(&r)
    }

    /// Records another teacher's STS id (for the entries that teacher signed).
    pub fn set_teacher_id_sts(&mut self, device: &str, id_sts: u64) -> Result<()> {
        self.require_role(Role::Teacher)?;
        let id: DeviceId = device.parse()?;
        let n = positive("id-sts", id_sts)?;
        let mut r = self.school_record()?;
        if id == self.device_id() {
            r.id_sts = Some(n);
        } else {
            r.teachers.insert(id.to_string(), n);
        }
        self.put_school_record(&r)
    }

    /// Records a pupil's SIECLE id-be for a livret this device holds (deleted with the
    /// livret if the family revokes the grant).
    pub fn set_pupil_id_be(&mut self, livret: LivretId, id_be: u64) -> Result<()> {
        self.require_role(Role::Teacher)?;
        self.meta(livret)?;
        let n = positive("id-be", id_be)?;
        for (other, _) in self.held_livrets()? {
            if other != livret && self.pupil_id_be(other)? == Some(n) {
                return Err(ValidationError::new(
                    "id-be",
                    Rule::Duplicate {
                        code: n.to_string(),
                    },
                )
                .into());
            }
        }
        let bytes = serde_json::to_vec(&PupilRecord { id_be: n })
            .map_err(|e| Error::Protocol(e.to_string()))?;
        let id = livret.to_string();
        self.store.put_record(PUPIL_KIND, &id, Some(&id), &bytes)?;
        Ok(())
    }

    /// The school-side identifiers recorded on this device.
    pub fn school_ids(&self) -> Result<SchoolIdsView> {
        let r = self.school_record()?;
        let mut pupils = Vec::new();
        for (livret, meta) in self.held_livrets()? {
            pupils.push(PupilIdView {
                livret_id: livret.to_string(),
                name: meta.name,
                class: meta.class,
                id_be: self.pupil_id_be(livret)?,
            });
        }
        pupils.sort_by(|a, b| (&a.class, &a.name).cmp(&(&b.class, &b.name)));
        Ok(SchoolIdsView {
            uai: r.uai,
            head: r.head,
            id_sts: r.id_sts,
            teachers: r
                .teachers
                .iter()
                .map(|(d, n)| TeacherIdView {
                    device_id: d.clone(),
                    id_sts: *n,
                })
                .collect(),
            pupils,
        })
    }

    /// The LSU file of a class for a period (teacher device): every livret this device holds
    /// of that class (as recorded at `accept --class`), with its bilan périodique (subjects,
    /// synthesis, vie scolaire: all three are required by the schema) and its bilans de fin
    /// de cycle 3 and 4 of that year. Only sections this device may read now and entries
    /// whose signature verifies are used. When an identifier or a part is missing, nothing is
    /// written: the error lists everything missing.
    pub fn export_lsu(&self, class: &str, year: u16, period: &str) -> Result<LsuExport> {
        self.require_role(Role::Teacher)?;
        let division = Division::parse(class)?;
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let period = Period::parse(period)?;
        let school = self.school_record()?;
        let mut out = ExportState {
            missing: school_missing(&school),
            notes: Vec::new(),
            file: LsuFile {
                editor: "livret".into(),
                application: "livret".into(),
                app_version: Some(env!("CARGO_PKG_VERSION").into()),
                uai: school.uai.clone().unwrap_or_default(),
                head: school.head.clone().unwrap_or_default(),
                pupils: vec![],
                teachers: vec![],
                ..LsuFile::default()
            },
            teacher_index: BTreeMap::new(),
        };
        for (livret, meta) in &self.class_livrets(&division)? {
            self.export_pupil(*livret, meta, &division, year, period, &school, &mut out)?;
        }
        out.finish()
    }

    /// Step 1 of the LSU export: the livrets this device holds of the class, by name.
    fn class_livrets(
        &self,
        division: &Division,
    ) -> Result<Vec<(LivretId, crate::device::LivretMeta)>> {
        let mut livrets: Vec<(LivretId, crate::device::LivretMeta)> = self
            .held_livrets()?
            .into_iter()
            .filter(|(_, m)| m.class.as_deref().map(str::trim) == Some(division.as_str()))
            .collect();
        livrets.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        if livrets.is_empty() {
            let c = division.as_str();
            return Err(format_error(
                format!("aucun livret de la classe {c} sur cet appareil (classe notée à « livret accept --class »)"),
                format!("no livret of class {c} on this device (class recorded by \"livret accept --class\")"),
            ));
        }
        Ok(livrets)
    }

    /// Step 2 of the LSU export, for one pupil: its readable entries sorted into a bilan, what
    /// is missing of it, its subjects' teachers, then the pupil and its bilans in the file.
    #[allow(clippy::too_many_arguments)]
    fn export_pupil(
        &self,
        livret: LivretId,
        meta: &crate::device::LivretMeta,
        division: &Division,
        year: Millesime,
        period: Period,
        school: &SchoolRecord,
        out: &mut ExportState,
    ) -> Result<()> {
        let name = meta.name.clone().unwrap_or_else(|| livret.to_string());
        let manifest = self.manifest(livret)?;
        if !manifest
            .may_read(&self.device_id(), Section::Annee(year.year()), self.now())
            .allowed()
        {
            out.notes.push(format!(
                "{name} : exclu, cet appareil ne peut plus lire annee/{}",
                year.year()
            ));
            return Ok(());
        }
        let names: BTreeMap<String, String> = self
            .show(livret)?
            .sections
            .into_iter()
            .flat_map(|s| s.entries)
            .filter_map(|e| Some((e.author?, e.author_name?)))
            .collect();
        let opened = self.readable_entries(livret, &manifest, year, &name, &mut out.notes)?;
        let bilan = PupilBilan::sort(&opened, year, period, &name, &mut out.notes);
        if !bilan.check_complete(&name, period, &mut out.missing) {
            return Ok(());
        }
        let id_be = self.pupil_id_be(livret)?;
        if id_be.is_none() {
            out.missing.push((
                format!("l'id-be SIECLE de {name} (livret school-ids pupil {livret} --id-be N)"),
                format!("{name}'s SIECLE id-be (livret school-ids pupil {livret} --id-be N)"),
            ));
        }
        let subject_teacher = self.subject_teachers(&bilan.subjects, school, &names, out);
        let pupil = out.file.pupils.len();
        out.file.pupils.push(fmt::Pupil {
            id_be: id_be.unwrap_or(0),
            last_name: Some(name.chars().take(100).collect()),
            first_name: None,
            division: division.as_str().to_string(),
        });
        if let Some(mut periodic) = bilan.periodic(pupil, &subject_teacher, year, period) {
            let project_teacher =
                self.subject_teachers(bilan.parts.project_entries(), school, &names, out);
            bilan.parts.fill(
                &mut periodic,
                &mut out.file,
                division.as_str(),
                &project_teacher,
            );
            out.file.periodic.push(periodic);
        }
        out.file.cycles.extend(
            bilan
                .cycles
                .iter()
                .filter_map(|c| cycle_bilan(c, pupil, year)),
        );
        Ok(())
    }

    /// Step 3 of the LSU export: the entries of a livret's year, attendance and cycles
    /// sections this device may read, one per key, whose signature verifies (or whose author
    /// it does not know); the invalid ones are noted.
    fn readable_entries(
        &self,
        livret: LivretId,
        manifest: &livret_core::grant::Manifest,
        year: Millesime,
        name: &str,
        notes: &mut Vec<String>,
    ) -> Result<Vec<OpenedEntry>> {
        let me = self.device_id();
        let now = self.now();
        let known = |k: &DeviceId| *k == me || manifest.knows_author(k);
        let mut opened = Vec::new();
        for section in [
            Section::Annee(year.year()),
            Section::VieScolaire(year.year()),
            Section::Cycles,
        ]
        .into_iter()
        .chain(parts::PART_SECTIONS)
        {
            if !manifest.may_read(&me, section, now).allowed() {
                continue;
            }
            let Some(doc) = self.load_section(livret, section)? else {
                continue;
            };
            let mut seen = BTreeSet::new();
            for c in doc.checked_entries(livret, section, &known) {
                if !seen.insert(c.key.clone()) {
                    continue;
                }
                match (c.opened, c.verification) {
                    (Some(o), Verification::Valid | Verification::UnknownAuthor) => opened.push(o),
                    (_, Verification::Invalid(why)) => {
                        notes.push(format!("{name} : {section} {} ignorée : {why}", c.key))
                    }
                    _ => {}
                }
            }
        }
        Ok(opened)
    }

    /// Step 4 of the LSU export: the file's index of the teacher of each subject (added to
    /// the file once), or `usize::MAX` with the missing STS id noted.
    fn subject_teachers(
        &self,
        subjects: &[&OpenedEntry],
        school: &SchoolRecord,
        names: &BTreeMap<String, String>,
        out: &mut ExportState,
    ) -> Vec<usize> {
        let me = self.device_id();
        let mut subject_teacher = Vec::new();
        for s in subjects {
            let author = s.payload.author_id();
            let id_sts = if author == me {
                school.id_sts
            } else {
                school.teachers.get(&author.to_string()).copied()
            };
            match id_sts {
                Some(n) => {
                    let file = &mut out.file;
                    let idx = *out.teacher_index.entry(author).or_insert_with(|| {
                        file.teachers.push(fmt::Teacher {
                            id_sts: n,
                            kind: "epp".into(),
                            civility: None,
                            last_name: names
                                .get(&author.to_string())
                                .filter(|n| (1..=100).contains(&n.chars().count()))
                                .cloned(),
                            first_name: None,
                        });
                        file.teachers.len() - 1
                    });
                    subject_teacher.push(idx);
                }
                None => {
                    let who = names
                        .get(&author.to_string())
                        .cloned()
                        .unwrap_or_else(|| "enseignant".into());
                    let cmd = if author == me {
                        "livret school-ids set --id-sts N".to_string()
                    } else {
                        format!("livret school-ids teacher {author} --id-sts N")
                    };
                    let pair = (
                        format!("l'identifiant STS de {who} ({cmd})"),
                        format!("the STS id of {who} ({cmd})"),
                    );
                    if !out.missing.contains(&pair) {
                        out.missing.push(pair);
                    }
                    subject_teacher.push(usize::MAX);
                }
            }
        }
        subject_teacher
    }

    /// Imports an LSU file made by the school's software (teacher device). The file is first
    /// checked against the schema (refused whole, with the first violation, when it is not
    /// valid). Each pupil is matched to a livret this device holds: by the id-be recorded for
    /// it, else by name and class (to confirm: `dry_run` shows the matches and writes
    /// nothing). A pupil's bilans become entries signed by this teacher, checked first and
    /// written together in one transaction; a pupil with any invalid part gets nothing. Parts
    /// this device may not write (no write grant on that section) are reported, not written.
    pub fn import_lsu(&mut self, xml: &str, dry_run: bool) -> Result<ImportReport> {
        self.require_role(Role::Teacher)?;
        let file = fmt::parse(xml).map_err(|e| lsu_err(&e))?;
        let me = self.device_id();
        let now = self.now();
        let held = self.held_livrets()?;
        let mut by_id_be: BTreeMap<u64, LivretId> = BTreeMap::new();
        for (l, _) in &held {
            if let Some(n) = self.pupil_id_be(*l)? {
                by_id_be.insert(n, *l);
            }
        }
        let mut report = ImportReport {
            dry_run,
            pupils: vec![],
            // The class-level parts are kept: in each pupil's entries and once per class and
            // period on this device (`lsu_class_texts`).
            ignored: file.ignored.clone(),
            school_ids: vec![],
        };
        let mut queued: Vec<QueuedPupil> = Vec::new();
        for (pi, pupil) in file.pupils.iter().enumerate() {
            let name = match (&pupil.first_name, &pupil.last_name) {
                (Some(f), Some(l)) => format!("{f} {l}"),
                (None, Some(l)) => l.clone(),
                (Some(f), None) => f.clone(),
                (None, None) => String::new(),
            };
            let mut out = ImportedPupil {
                id_be: pupil.id_be,
                name: name.clone(),
                division: pupil.division.clone(),
                livret_id: None,
                matched_by: "none".into(),
                status: "unmatched".into(),
                reason: None,
                entries: vec![],
                skipped: vec![],
            };
            // Match.
            let matched = if let Some(l) = by_id_be.get(&pupil.id_be) {
                out.matched_by = "id-be".into();
                Some(*l)
            } else {
                let mut candidates = Vec::new();
                let forms: Vec<String> = [
                    Some(name.clone()),
                    match (&pupil.first_name, &pupil.last_name) {
                        (Some(f), Some(l)) => Some(format!("{l} {f}")),
                        _ => None,
                    },
                ]
                .into_iter()
                .flatten()
                .map(|n| normalize_name(&n))
                .filter(|n| !n.is_empty())
                .collect();
                for (l, meta) in &held {
                    if self.pupil_id_be(*l)?.is_some() {
                        continue;
                    }
                    let same_class =
                        meta.class.as_deref().map(str::trim) == Some(pupil.division.trim());
                    let same_name = meta
                        .name
                        .as_deref()
                        .is_some_and(|n| forms.contains(&normalize_name(n)));
                    if same_class && same_name {
                        candidates.push(*l);
                    }
                }
                match candidates.as_slice() {
                    [one] => {
                        out.matched_by = "name".into();
                        Some(*one)
                    }
                    [] => {
                        out.reason = Some(
                            "aucun livret de cet appareil avec cet id-be, ni avec ce nom dans cette classe".into(),
                        );
                        None
                    }
                    _ => {
                        out.reason = Some(format!(
                            "{} livrets portent ce nom dans cette classe : enregistrez l'id-be (livret school-ids pupil LIVRET --id-be {})",
                            candidates.len(),
                            pupil.id_be
                        ));
                        None
                    }
                }
            };
            let Some(livret) = matched else {
                report.pupils.push(out);
                continue;
            };
            out.livret_id = Some(livret.to_string());
            // Build and check every draft of this pupil before writing any.
            let mut drafts: Vec<Draft> = Vec::new();
            let mut supports: Vec<Draft> = Vec::new();
            let mut invalid: Option<String> = None;
            for b in file.periodic.iter().filter(|b| b.pupil == pi) {
                match periodic_drafts(&file, b, &pupil.division, &mut out.skipped) {
                    Ok((mut d, s)) => {
                        drafts.append(&mut d);
                        // The same measure in two periods of the file is one entry.
                        for s in s {
                            if !supports.iter().any(|x| x.key == s.key) {
                                supports.push(s);
                            }
                        }
                    }
                    Err(why) => {
                        invalid = Some(format!("ligne {} : {why}", b.line));
                        break;
                    }
                }
            }
            if invalid.is_none() {
                for c in file.cycles.iter().filter(|c| c.pupil == pi) {
                    match cycle_draft(c) {
                        Ok(d) => {
                            drafts.push(d);
                            // Its optional parts (complément, LCR) are kept in the entry.
                            for part in &c.ignored {
                                out.skipped
                                    .push(format!("{part} : non conservé par le livret"));
                            }
                        }
                        Err(why) => {
                            invalid = Some(format!("ligne {} : {why}", c.line));
                            break;
                        }
                    }
                }
            }
            if let Some(why) = invalid {
                out.status = "invalid".into();
                out.reason = Some(why);
                report.pupils.push(out);
                continue;
            }
            let mut keys = BTreeSet::new();
            if let Some(d) = drafts
                .iter()
                .find(|d| !keys.insert((d.section, d.key.clone())))
            {
                out.status = "invalid".into();
                out.reason = Some(format!("{} {} donné deux fois", d.section, d.key));
                report.pupils.push(out);
                continue;
            }
            let manifest = self.manifest(livret)?;
            let mut allowed = Vec::new();
            // The support measures go only into `accompagnement`, and only where the family
            // opened it and this device may write it: otherwise none of them is written.
            if !supports.is_empty() {
                let codes: Vec<String> = supports
                    .iter()
                    .filter_map(|d| match &d.content {
                        Content::Accompagnement { measure, .. } => Some(measure.clone()),
                        _ => None,
                    })
                    .collect();
                match manifest.may_write(&me, Section::Accompagnement, now) {
                    Decision::Denied(reason) => out.skipped.push(format!(
                        "modalités d'accompagnement ({}) : non écrites ({}, section accompagnement)",
                        codes.join(", "),
                        reason.french()
                    )),
                    Decision::Owner | Decision::Granted(_) => allowed.append(&mut supports),
                }
            }
            for d in drafts {
                match manifest.may_write(&me, d.section, now) {
                    Decision::Denied(reason) => out.skipped.push(format!(
                        "{} {} : non écrit ({}, section {})",
                        d.section,
                        d.key,
                        reason.french(),
                        d.section
                    )),
                    Decision::Owner | Decision::Granted(_) => allowed.push(d),
                }
            }
            if allowed.is_empty() {
                out.status = "unmatched".into();
                out.reason = Some(
                    "cet appareil n'a d'autorisation d'écriture sur aucune section de ce bilan"
                        .into(),
                );
                report.pupils.push(out);
                continue;
            }
            out.entries = allowed
                .iter()
                .map(|d| format!("{} {}", d.section, d.key))
                .collect();
            if dry_run {
                out.status = "would-write".into();
            } else {
                // Written with the other pupils' bilans in one batch (`write_lsu_pupils`); a
                // livret matched twice in the file is written in order.
                if queued.iter().any(|q| q.livret == livret) {
                    self.write_lsu_pupils(std::mem::take(&mut queued), &mut report)?;
                }
                out.status = "written".into();
                queued.push(QueuedPupil {
                    at: report.pupils.len(),
                    livret,
                    drafts: allowed,
                    id_be: (out.matched_by == "name").then_some(pupil.id_be),
                });
            }
            report.pupils.push(out);
        }
        self.write_lsu_pupils(queued, &mut report)?;
        report.school_ids = self.found_school_ids(&file, dry_run)?;
        if !dry_run {
            self.put_class_texts(&file)?;
        }
        Ok(report)
    }

    /// Writes the checked bilans of an import's pupils through [`Device::write_batch`] (all or
    /// nothing per pupil, one store transaction for all), then records the LSU id of each
    /// pupil matched by name. A pupil whose bilan the batch refused is reported `invalid`.
    fn write_lsu_pupils(
        &mut self,
        queued: Vec<QueuedPupil>,
        report: &mut ImportReport,
    ) -> Result<()> {
        let mut items = Vec::new();
        let mut spans = Vec::new();
        for q in queued {
            spans.push((q.at, q.livret, q.drafts.len(), q.id_be));
            items.extend(q.drafts.into_iter().map(|draft| crate::BatchWrite {
                livret: q.livret,
                draft,
            }));
        }
        if items.is_empty() {
            return Ok(());
        }
        let results =
            self.write_batch_noted(&items, crate::BatchMode::PerLivret, Some("import LSU"))?;
        let mut results = results.into_iter();
        for (at, livret, n, id_be) in spans {
            let refused = results
                .by_ref()
                .take(n)
                .filter_map(|r| r.err())
                .find(|e| !matches!(e, Error::NotWritten(_)));
            if let Some(e) = refused {
                if let Some(out) = report.pupils.get_mut(at) {
                    out.status = "invalid".into();
                    out.reason = Some(e.localized(Lang::Fr));
                    out.entries.clear();
                }
                continue;
            }
            if let Some(id_be) = id_be {
                self.set_pupil_id_be(livret, id_be)?;
            }
        }
        Ok(())
    }

    /// Keeps the class-wide texts of an imported file once per class and period on this
    /// device (a local record, sealed like the others, never sent).
    fn put_class_texts(&mut self, file: &LsuFile) -> Result<()> {
        for ((division, period), texts) in parts::class_texts(file) {
            let bytes = serde_json::to_vec(&texts).map_err(|e| Error::Protocol(e.to_string()))?;
            self.store
                .put_record(CLASS_KIND, &format!("{division}/{period}"), None, &bytes)?;
        }
        Ok(())
    }

    /// The texts common to a class for a period (its parcours, digital skills and vie
    /// scolaire texts, its pupils' EPI and AP groups' texts), as the last LSU file imported on
    /// this teacher's device gave them; `None` when no file gave them.
    pub fn lsu_class_texts(
        &self,
        class: &str,
        year: u16,
        period: &str,
    ) -> Result<Option<ClassTexts>> {
        let division = Division::parse(class)?;
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let period = Period::parse(period)?;
        let id = format!(
            "{}/{:04}/{}-{}",
            division.as_str(),
            year.year(),
            period.index(),
            period.count()
        );
        match self.store.record(CLASS_KIND, &id)? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| Error::Protocol(format!("textes communs de la classe : {e}"))),
        }
    }

    /// Compares the school identifiers an imported file carries (UAI, head of school, this
    /// teacher's STS id when exactly one teacher of the file bears this device's name) with
    /// those recorded: an empty one is recorded (unless `dry_run`), a different one is kept
    /// and reported, for the user to decide.
    fn found_school_ids(&mut self, file: &LsuFile, dry_run: bool) -> Result<Vec<FoundSchoolId>> {
        let mut r = self.school_record()?;
        let mut found = Vec::new();
        let uai = Uai::parse(&file.uai).ok().map(|u| u.as_str().to_string());
        let head = PersonName::parse(&file.head)
            .ok()
            .map(|h| h.as_str().to_string());
        let sts = teacher_named(file, self.name()).map(|n| n.to_string());
        let mut changed = false;
        for (field, value) in [
            (SchoolIdField::Uai, uai),
            (SchoolIdField::Head, head),
            (SchoolIdField::IdSts, sts),
        ] {
            let Some(value) = value else { continue };
            let recorded = match field {
                SchoolIdField::Uai => r.uai.clone(),
                SchoolIdField::Head => r.head.clone(),
                SchoolIdField::IdSts => r.id_sts.map(|n| n.to_string()),
            };
            let status = match &recorded {
                None => {
                    match field {
                        SchoolIdField::Uai => r.uai = Some(value.clone()),
                        SchoolIdField::Head => r.head = Some(value.clone()),
                        SchoolIdField::IdSts => r.id_sts = value.parse().ok(),
                    }
                    changed = true;
                    FoundStatus::Recorded
                }
                Some(v) if *v == value => FoundStatus::Same,
                Some(_) => FoundStatus::Differs,
            };
            found.push(FoundSchoolId {
                field,
                found: value,
                recorded,
                status,
            });
        }
        if changed && !dry_run {
            self.put_school_record(&r)?;
        }
        Ok(found)
    }
}

/// An LSU export under way: the file, what is missing (French, English), the notes.
struct ExportState {
    file: LsuFile,
    missing: Vec<(String, String)>,
    notes: Vec<String>,
    /// The file's index of each teacher already listed.
    teacher_index: BTreeMap<DeviceId, usize>,
}

impl ExportState {
    /// The last step of the LSU export: refused with everything missing, else the XML.
    fn finish(self) -> Result<LsuExport> {
        let ExportState {
            file,
            missing,
            notes,
            ..
        } = self;
        if !missing.is_empty() {
            let fr: Vec<String> = missing.iter().map(|(f, _)| f.clone()).collect();
            let en: Vec<String> = missing.iter().map(|(_, e)| e.clone()).collect();
            return Err(format_error(
                format!("export LSU impossible, il manque : {}", fr.join(" ; ")),
                format!("LSU export impossible, missing: {}", en.join("; ")),
            ));
        }
        if file.pupils.is_empty() {
            return Err(format_error(
                "export LSU impossible : aucun élève exportable".into(),
                "LSU export impossible: no pupil to export".into(),
            ));
        }
        let xml = fmt::to_xml(&file).map_err(|e| lsu_err(&e))?;
        Ok(LsuExport {
            xml,
            pupils: file.pupils.len(),
            periodic: file.periodic.len(),
            cycles: file.cycles.len(),
            notes,
        })
    }
}

/// What the school's identifiers lack for an export (French, English).
fn school_missing(school: &SchoolRecord) -> Vec<(String, String)> {
    let mut missing = Vec::new();
    if school.uai.is_none() {
        missing.push((
            "l'UAI de l'établissement (livret school-ids set --uai UAI)".into(),
            "the school's UAI (livret school-ids set --uai UAI)".into(),
        ));
    }
    if school.head.is_none() {
        missing.push((
            "le nom du chef d'établissement (livret school-ids set --head NOM)".into(),
            "the head of school's name (livret school-ids set --head NAME)".into(),
        ));
    }
    missing
}

/// A pupil's entries for one period's bilan and the year's cycle bilans.
struct PupilBilan<'a> {
    subjects: Vec<&'a OpenedEntry>,
    synthesis: Option<&'a OpenedEntry>,
    vie: Option<&'a OpenedEntry>,
    cycles: Vec<&'a OpenedEntry>,
    /// The period's other parts (digital skills, parcours, EPI, AP...) and the support
    /// measures of the year.
    parts: parts::PartEntries<'a>,
    /// The latest signing time of the period's entries (the council date).
    last_time: i64,
}

impl<'a> PupilBilan<'a> {
    /// Sorts the entries of the period and the year; a cycle bilan other than 3 or 4 is noted.
    fn sort(
        opened: &'a [OpenedEntry],
        year: Millesime,
        period: Period,
        name: &str,
        notes: &mut Vec<String>,
    ) -> PupilBilan<'a> {
        let in_period = |p: &livret_core::entry::PeriodRef| {
            p.index == period.index() && p.count == period.count()
        };
        let mut b = PupilBilan {
            subjects: Vec::new(),
            synthesis: None,
            vie: None,
            cycles: Vec::new(),
            parts: parts::PartEntries::default(),
            last_time: 0,
        };
        for o in opened {
            if b.parts.take(o, year, period) {
                continue;
            }
            match &o.payload.content {
                Content::Subject { period: p, .. } if in_period(p) => {
                    b.subjects.push(o);
                    b.last_time = b.last_time.max(o.payload.time);
                }
                Content::Synthesis { period: p, .. } if in_period(p) => {
                    b.synthesis = Some(o);
                    b.last_time = b.last_time.max(o.payload.time);
                }
                Content::VieScolaire { period: p, .. } if in_period(p) => {
                    b.vie = Some(o);
                    b.last_time = b.last_time.max(o.payload.time);
                }
                Content::Cycle { cycle, year: y, .. } if *y == year.year() => {
                    if *cycle == 3 || *cycle == 4 {
                        b.cycles.push(o);
                    } else {
                        notes.push(format!(
                            "{name} : bilan de fin de cycle {cycle} non exporté (le fichier LSU collège ne prend que les cycles 3 et 4)"
                        ));
                    }
                }
                _ => {}
            }
        }
        b
    }

    fn has_periodic(&self) -> bool {
        !self.subjects.is_empty() || self.synthesis.is_some() || self.vie.is_some()
    }

    /// Notes what the schema requires and the bilan lacks; `false` when there is nothing at
    /// all to export for this pupil.
    fn check_complete(
        &self,
        name: &str,
        period: Period,
        missing: &mut Vec<(String, String)>,
    ) -> bool {
        let plabel = period.label().to_lowercase();
        if !self.has_periodic() && self.cycles.is_empty() {
            missing.push((
                format!("le bilan de {name} ({plabel}) : aucune inscription"),
                format!("{name}'s report ({period}): no entry"),
            ));
            return false;
        }
        if self.has_periodic() {
            if self.subjects.is_empty() {
                missing.push((
                    format!("les disciplines du bilan de {name} ({plabel})"),
                    format!("the subjects of {name}'s report ({period})"),
                ));
            }
            if self.synthesis.is_none() {
                missing.push((
                    format!("la synthèse du bilan de {name} ({plabel})"),
                    format!("the synthesis of {name}'s report ({period})"),
                ));
            }
            if self.vie.is_none() {
                missing.push((
                    format!("la vie scolaire de {name} ({plabel})"),
                    format!("the attendance of {name} ({period})"),
                ));
            }
        }
        true
    }

    /// The bilan périodique of the file, when the period has subjects, synthesis and vie
    /// scolaire.
    fn periodic(
        &self,
        pupil: usize,
        subject_teacher: &[usize],
        year: Millesime,
        period: Period,
    ) -> Option<fmt::Periodic> {
        let (true, Some(syn), Some(vie)) = (self.has_periodic(), self.synthesis, self.vie) else {
            return None;
        };
        let mut out_subjects = Vec::new();
        for (s, t) in self.subjects.iter().zip(subject_teacher) {
            if let Content::Subject {
                code,
                label,
                level,
                mark,
                election,
                elements,
                class_average,
                not_marked,
                class_not_marked,
                ..
            } = &s.payload.content
            {
                out_subjects.push(fmt::Subject {
                    code: code.clone(),
                    label: label.clone(),
                    election: election.clone().unwrap_or_else(|| "S".into()),
                    teachers: vec![*t],
                    level: *level,
                    mark: mark.clone(),
                    // The empty text is « no appréciation » (optional in the schema).
                    appreciation: s.texts.first().filter(|t| !t.is_empty()).cloned(),
                    elements: elements.clone(),
                    not_marked: *not_marked,
                    class_average: class_average.clone(),
                    class_not_marked: *class_not_marked,
                    national: None,
                });
            }
        }
        let (late, justified, unjustified, missed_hours) = match &vie.payload.content {
            Content::VieScolaire {
                late,
                justified,
                unjustified,
                missed_hours,
                ..
            } => (*late, *justified, *unjustified, *missed_hours),
            _ => (0, 0, 0, None),
        };
        let vie_comment = match &vie.payload.content {
            Content::VieScolaire {
                comment: Some(_), ..
            } => vie.texts.first().cloned(),
            _ => None,
        };
        Some(fmt::Periodic {
            pupil,
            year: format!("{:04}", year.year()),
            index: i32::from(period.index()),
            count: i32::from(period.count()),
            council_date: date_of(self.last_time),
            schooling_date: format!("{:04}-09-01", year.year()),
            subjects: out_subjects,
            synthesis: syn.texts.first().cloned().unwrap_or_default(),
            late,
            justified,
            unjustified,
            missed_hours,
            vie_comment,
            ..fmt::Periodic::default()
        })
    }
}

/// A cycle bilan of the file.
fn cycle_bilan(c: &OpenedEntry, pupil: usize, year: Millesime) -> Option<fmt::CycleBilan> {
    let Content::Cycle {
        cycle,
        levels,
        complement,
        regional,
        ..
    } = &c.payload.content
    else {
        return None;
    };
    let option = |o: &Option<(String, Option<u8>)>| {
        o.as_ref().map(|(code, level)| fmt::Complement {
            code: code.clone(),
            level: *level,
        })
    };
    Some(fmt::CycleBilan {
        pupil,
        cycle: *cycle,
        year: format!("{:04}", year.year()),
        date: date_of(c.payload.time),
        levels: *levels,
        synthesis: c.texts.first().cloned().unwrap_or_default(),
        complement: option(complement),
        regional: option(regional),
        ..fmt::CycleBilan::default()
    })
}

/// Checks an LSU file against the schema and reads it, without touching any device: the
/// number of pupils it holds, or the first violation.
pub fn check_file(xml: &str) -> Result<usize> {
    fmt::parse(xml)
        .map(|f| f.pupils.len())
        .map_err(|e| lsu_err(&e))
}

fn v<T>(r: std::result::Result<T, ValidationError>) -> std::result::Result<T, String> {
    r.map_err(|e| e.localized(Lang::Fr))
}

/// The entries of one bilan périodique of a pupil of `division`, every value checked, and
/// apart its support measures (for the sensitive section only).
fn periodic_drafts(
    file: &LsuFile,
    b: &fmt::Periodic,
    division: &str,
    skipped: &mut Vec<String>,
) -> std::result::Result<(Vec<Draft>, Vec<Draft>), String> {
    let year = parse_year(&b.year)?;
    let period = v(Period::new(
        u8::try_from(b.index).unwrap_or(0),
        u8::try_from(b.count).unwrap_or(0),
    ))?;
    let mut out = Vec::new();
    for s in &b.subjects {
        let code = v(DisciplineCode::parse(&s.code))?;
        let label = v(DisciplineLabel::parse(&s.label))?;
        let evaluation = match (s.level, &s.mark) {
            (Some(l), _) => Some(Evaluation::Level(v(Positioning::from_value(l))?)),
            (None, Some(m)) => Some(Evaluation::Mark(v(Mark::parse(m))?)),
            (None, None) => None,
        };
        let appreciation = match &s.appreciation {
            Some(text) => Some(v(Appreciation::parse(text))?),
            None => None,
        };
        let details = content::SubjectDetails {
            election: Some(s.election.clone()).filter(|e| !e.is_empty()),
            elements: s
                .elements
                .iter()
                .map(|e| v(ElementsProgramme::parse(e)))
                .collect::<std::result::Result<_, _>>()?,
            class_average: match &s.class_average {
                Some(m) => Some(v(Mark::parse(m))?),
                None => None,
            },
            not_marked: s.not_marked,
            class_not_marked: s.class_not_marked,
        };
        if s.elements.len() > content::MAX_ELEMENTS {
            skipped.push(format!(
                "{} ({}) : {} éléments du programme, les {} premiers gardés",
                s.label,
                s.code,
                s.elements.len(),
                content::MAX_ELEMENTS
            ));
        }
        let discipline = Discipline { code, label };
        out.push(v(content::subject_line(
            year,
            period,
            &discipline,
            evaluation.as_ref(),
            appreciation.as_ref(),
            &details,
        ))?);
    }
    let synthesis = v(Synthesis::parse(&b.synthesis))?;
    out.push(content::synthesis(year, period, &synthesis));
    let counts = v(VieScolaire::new(b.late, b.justified, b.unjustified))?;
    let comment = match &b.vie_comment {
        Some(c) => Some(v(Appreciation::parse(c))?),
        None => None,
    };
    out.push(content::vie_scolaire_with(
        year,
        period,
        counts,
        b.missed_hours,
        comment.as_ref(),
    ));
    let (mut parts, supports) = parts::part_drafts(file, b, division, year, period, skipped)?;
    out.append(&mut parts);
    for part in b
        .parts()
        .iter()
        .copied()
        .filter(|p| !parts::KEPT_PERIODIC_PARTS.contains(p))
        .chain(b.ignored.iter().map(String::as_str))
    {
        skipped.push(format!("{part} : non conservé par le livret"));
    }
    Ok((out, supports))
}

fn parse_year(text: &str) -> std::result::Result<Millesime, String> {
    let bad = || {
        ValidationError::new(
            "millesime",
            Rule::BadFormat(livret_core::vocab::Format::Millesime),
        )
        .to_string()
    };
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let y: u16 = text.parse().map_err(|_| bad())?;
    v(Millesime::new(y))
}

/// The entry of one bilan de fin de cycle, every value checked.
fn cycle_draft(c: &fmt::CycleBilan) -> std::result::Result<Draft, String> {
    let cycle = v(Cycle::from_value(c.cycle))?;
    let year = parse_year(&c.year)?;
    let mut levels = [SocleLevel::Exempted; 8];
    for (slot, value) in levels.iter_mut().zip(c.levels) {
        *slot = v(SocleLevel::from_value(value))?;
    }
    let text = v(CycleSynthesis::parse(&c.synthesis))?;
    let option = |o: &Option<fmt::Complement>| o.as_ref().map(|c| (c.code.clone(), c.level));
    v(content::cycle_with(
        cycle,
        year,
        &SocleLevels::from_array(levels),
        &text,
        option(&c.complement),
        option(&c.regional),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file_with(teachers: Vec<fmt::Teacher>) -> LsuFile {
        LsuFile {
            editor: String::new(),
            application: String::new(),
            app_version: None,
            uai: String::new(),
            head: String::new(),
            pupils: vec![],
            teachers,
            ..LsuFile::default()
        }
    }

    fn teacher(
        id_sts: u64,
        civility: Option<&str>,
        last: &str,
        first: Option<&str>,
    ) -> fmt::Teacher {
        fmt::Teacher {
            id_sts,
            kind: "epp".into(),
            civility: civility.map(str::to_string),
            last_name: Some(last.into()),
            first_name: first.map(str::to_string),
        }
    }

    #[test]
    fn the_teacher_of_the_file_is_found_by_this_devices_name_only_when_one_matches() {
        let f = file_with(vec![
            teacher(7001, Some("MME"), "Petit", Some("Claire")),
            teacher(7002, Some("M"), "Martin", None),
            teacher(7003, None, "Roux", None),
        ]);
        assert_eq!(teacher_named(&f, "Claire Petit"), Some(7001));
        assert_eq!(teacher_named(&f, "petit  claire"), Some(7001));
        assert_eq!(teacher_named(&f, "Mme Petit"), Some(7001));
        assert_eq!(teacher_named(&f, "M. Martin"), Some(7002));
        assert_eq!(teacher_named(&f, "Mme Roux"), Some(7003));
        // A civility the file contradicts, another name, or two teachers of that name: none.
        assert_eq!(teacher_named(&f, "M. Petit"), None);
        assert_eq!(teacher_named(&f, "Mme Durand"), None);
        let two = file_with(vec![
            teacher(7001, Some("M"), "Martin", Some("Paul")),
            teacher(7004, Some("M"), "Martin", Some("Luc")),
        ]);
        assert_eq!(teacher_named(&two, "M. Martin"), None);
        assert_eq!(teacher_named(&two, "Luc Martin"), Some(7004));
    }
}
