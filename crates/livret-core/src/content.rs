//! Building entry contents from the official vocabulary, and checking decoded ones.
//!
//! Every entry has one key, derived from what it says (`bilan/1-3/FRANCS`, `cycle/4`...), so
//! that a correction replaces the entry it corrects. A decoded entry from another device is
//! checked again here: right key, right section, values inside the official scales.

use crate::entry::{digest_text, Content, OpenedEntry, PeriodRef, Reading, WITHHELD};
use crate::section::Section;
use crate::vocab::{
    check_code, Appreciation, AttestationKind, Cycle, CycleSynthesis, Date, Discipline,
    DisciplineCode, DisciplineLabel, ElementsProgramme, Evaluation, ExamOpinion, Ine, LyceeText,
    Mark, Millesime, Modalite, Period, PersonName, Positioning, Rule, SocleLevel, SocleLevels,
    Synthesis, ValidationError, VieScolaire, COMPLEMENT_CODES, ELECTION_CODES, REGIONAL_CODES,
};
use crate::{CoreError, Lang, Localized};

mod lsu_parts;
pub use lsu_parts::{
    check_part, class_vie, digital, homework, parcours, period_socle, project, ProjectDiscipline,
    ProjectPart, MAX_PROJECT_DISCIPLINES, PART_TEXT_MAX, PROJECT_TITLE_MAX, THEME_CODE_MAX,
    THEME_LABEL_MAX,
};

pub mod ecole;

/// A content ready to sign: where it goes, what it says, and its long texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The section it belongs to.
    pub section: Section,
    /// Its entry key.
    pub key: String,
    /// What it says.
    pub content: Content,
    /// The long texts its digests refer to.
    pub texts: Vec<String>,
}

fn period_ref(p: Period) -> PeriodRef {
    PeriodRef {
        index: p.index(),
        count: p.count(),
    }
}

/// A subject's line of a bilan périodique.
pub fn subject(
    year: Millesime,
    period: Period,
    discipline: &Discipline,
    evaluation: &Evaluation,
    appreciation: &Appreciation,
) -> Draft {
    subject_draft(
        year,
        period,
        discipline,
        Some(evaluation),
        Some(appreciation),
        &SubjectDetails::default(),
    )
}

/// The most éléments du programme one subject's line holds.
pub const MAX_ELEMENTS: usize = 32;

/// What an LSU `acquis` says beyond the discipline, the evaluation and the appréciation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectDetails {
    /// The `modalite-election` ([`ELECTION_CODES`]); `S` (the common core) is the default and
    /// is not written.
    pub election: Option<String>,
    /// The éléments du programme worked on.
    pub elements: Vec<ElementsProgramme>,
    /// The class's average (`moyenne-structure`).
    pub class_average: Option<Mark>,
    /// The pupil is not marked (`eleve-non-note`).
    pub not_marked: bool,
    /// The class is not marked (`structure-non-notee`).
    pub class_not_marked: bool,
}

fn check_subject_details(
    election: Option<&str>,
    elements: &[String],
    class_average: Option<&str>,
) -> Result<(), ValidationError> {
    if let Some(e) = election {
        check_code("modalite-election", e, ELECTION_CODES)?;
    }
    if elements.len() > MAX_ELEMENTS {
        return Err(ValidationError::new(
            "elements",
            Rule::OutOfRange {
                min: 0,
                max: MAX_ELEMENTS as i64,
                actual: i64::try_from(elements.len()).unwrap_or(i64::MAX),
            },
        ));
    }
    for e in elements {
        if ElementsProgramme::parse(e)?.as_str() != e {
            return Err(ValidationError::new("elements", Rule::Empty));
        }
    }
    if let Some(m) = class_average {
        Mark::parse(m).map_err(|e| e.with_field("moyenne-structure"))?;
    }
    Ok(())
}

/// A subject's line of a bilan périodique with everything the LSU file may say of it: an
/// evaluation and an appréciation, each optional as the official livret makes them, and the
/// [`SubjectDetails`]. A modalité other than `S` makes its own entry
/// (`bilan/1-3/030201/F`), so one discipline under two modalités is two entries.
pub fn subject_line(
    year: Millesime,
    period: Period,
    discipline: &Discipline,
    evaluation: Option<&Evaluation>,
    appreciation: Option<&Appreciation>,
    details: &SubjectDetails,
) -> Result<Draft, ValidationError> {
    if let Some(e) = &details.election {
        check_code("modalite-election", e, ELECTION_CODES)?;
    }
    Ok(subject_draft(
        year,
        period,
        discipline,
        evaluation,
        appreciation,
        details,
    ))
}

fn subject_draft(
    year: Millesime,
    period: Period,
    discipline: &Discipline,
    evaluation: Option<&Evaluation>,
    appreciation: Option<&Appreciation>,
    details: &SubjectDetails,
) -> Draft {
    let (level, mark) = match evaluation {
        Some(Evaluation::Level(p)) => (Some(p.value()), None),
        Some(Evaluation::Mark(m)) => (None, Some(m.as_str().to_string())),
        None => (None, None),
    };
    let text = appreciation.map(Appreciation::as_str).unwrap_or("");
    let content = Content::Subject {
        year: year.year(),
        period: period_ref(period),
        code: discipline.code.as_str().to_string(),
        label: discipline.label.as_str().to_string(),
        level,
        mark,
        appreciation: digest_text(text),
        election: details.election.clone().filter(|e| e != "S"),
        elements: details
            .elements
            .iter()
            .take(MAX_ELEMENTS)
            .map(|e| e.as_str().to_string())
            .collect(),
        class_average: details
            .class_average
            .as_ref()
            .map(|m| m.as_str().to_string()),
        not_marked: details.not_marked,
        class_not_marked: details.class_not_marked,
    };
    Draft {
        section: Section::Annee(year.year()),
        key: entry_key(&content),
        content,
        texts: vec![text.to_string()],
    }
}

/// The synthesis and advice of a bilan périodique.
pub fn synthesis(year: Millesime, period: Period, text: &Synthesis) -> Draft {
    let content = Content::Synthesis {
        year: year.year(),
        period: period_ref(period),
        text: digest_text(text.as_str()),
    };
    Draft {
        section: Section::Annee(year.year()),
        key: entry_key(&content),
        content,
        texts: vec![text.as_str().to_string()],
    }
}

/// The vie scolaire of a period.
pub fn vie_scolaire(year: Millesime, period: Period, counts: VieScolaire) -> Draft {
    vie_scolaire_with(year, period, counts, None, None)
}

/// The most hours of lessons missed a vie scolaire counts (LSU `ValeurVieScolaire`).
pub const MAX_MISSED_HOURS: u16 = 999;

/// The vie scolaire of a period with the hours of lessons missed and a comment, when the
/// school's file has them.
pub fn vie_scolaire_with(
    year: Millesime,
    period: Period,
    counts: VieScolaire,
    missed_hours: Option<u16>,
    comment: Option<&Appreciation>,
) -> Draft {
    let content = Content::VieScolaire {
        year: year.year(),
        period: period_ref(period),
        late: counts.late(),
        justified: counts.justified(),
        unjustified: counts.unjustified(),
        missed_hours: missed_hours.map(|h| h.min(MAX_MISSED_HOURS)),
        comment: comment.map(|c| digest_text(c.as_str())),
    };
    Draft {
        section: Section::VieScolaire(year.year()),
        key: entry_key(&content),
        content,
        texts: comment.iter().map(|c| c.as_str().to_string()).collect(),
    }
}

fn check_missed_hours(h: Option<u16>) -> Result<(), ValidationError> {
    match h {
        Some(h) if h > MAX_MISSED_HOURS => Err(ValidationError::new(
            "nb-heures-manquees",
            Rule::OutOfRange {
                min: 0,
                max: i64::from(MAX_MISSED_HOURS),
                actual: i64::from(h),
            },
        )),
        _ => Ok(()),
    }
}

/// A bilan de fin de cycle.
pub fn cycle(cycle: Cycle, year: Millesime, levels: &SocleLevels, text: &CycleSynthesis) -> Draft {
    cycle_draft(cycle, year, levels, text, None, None)
}

/// An enseignement de complément or a langue et culture régionale of a bilan de fin de
/// cycle: its code and the pupil's positioning (1 or 2).
pub type CycleOption = (String, Option<u8>);

fn check_cycle_option(
    field: &'static str,
    option: Option<&CycleOption>,
    codes: &'static [&'static str],
) -> Result<(), ValidationError> {
    let Some((code, level)) = option else {
        return Ok(());
    };
    check_code(field, code, codes)?;
    match level {
        Some(l) if !(1..=2).contains(l) => Err(ValidationError::new(
            field,
            Rule::OutOfRange {
                min: 1,
                max: 2,
                actual: i64::from(*l),
            },
        )),
        _ => Ok(()),
    }
}

fn check_cycle_options(
    complement: Option<&CycleOption>,
    regional: Option<&CycleOption>,
) -> Result<(), ValidationError> {
    check_cycle_option("enseignement-complement", complement, COMPLEMENT_CODES)?;
    check_cycle_option("langue-culture-regionale", regional, REGIONAL_CODES)
}

/// A bilan de fin de cycle with its enseignement de complément and its langue et culture
/// régionale, when the school's file has them.
pub fn cycle_with(
    cycle: Cycle,
    year: Millesime,
    levels: &SocleLevels,
    text: &CycleSynthesis,
    complement: Option<CycleOption>,
    regional: Option<CycleOption>,
) -> Result<Draft, ValidationError> {
    check_cycle_options(complement.as_ref(), regional.as_ref())?;
    Ok(cycle_draft(cycle, year, levels, text, complement, regional))
}

fn cycle_draft(
    cycle: Cycle,
    year: Millesime,
    levels: &SocleLevels,
    text: &CycleSynthesis,
    complement: Option<CycleOption>,
    regional: Option<CycleOption>,
) -> Draft {
    let mut arr = [0u8; 8];
    for (slot, (_, level)) in arr.iter_mut().zip(levels.iter()) {
        *slot = level.value();
    }
    let content = Content::Cycle {
        cycle: cycle.value(),
        year: year.year(),
        levels: arr,
        synthesis: digest_text(text.as_str()),
        complement,
        regional,
    };
    Draft {
        section: Section::Cycles,
        key: entry_key(&content),
        content,
        texts: vec![text.as_str().to_string()],
    }
}

/// An attestation obtained on a date.
pub fn attestation(kind: AttestationKind, date: Date) -> Draft {
    let content = Content::Attestation {
        kind: kind.code().to_string(),
        date: date.to_string(),
    };
    Draft {
        section: Section::Attestations,
        key: entry_key(&content),
        content,
        texts: vec![],
    }
}

/// The most characters a message holds.
pub const MESSAGE_MAX_CHARS: usize = 2000;

fn is_message_id(id: &str) -> bool {
    id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks a message's text: not empty, at most [`MESSAGE_MAX_CHARS`] characters.
pub fn check_message(text: &str) -> Result<(), ValidationError> {
    let n = text.chars().count();
    if text.trim().is_empty() {
        return Err(ValidationError::new("text", Rule::Empty));
    }
    if n > MESSAGE_MAX_CHARS {
        return Err(ValidationError::new(
            "text",
            Rule::TooLong {
                max: MESSAGE_MAX_CHARS,
                actual: n,
            },
        ));
    }
    Ok(())
}

/// A message in `correspondance` (family to teacher and back), under a random `id` of the
/// writer's choosing, so that the same words twice are two messages.
pub fn message(text: &str, id: [u8; 8]) -> Result<Draft, ValidationError> {
    check_message(text)?;
    let content = Content::Message {
        text: digest_text(text),
        id: Some(hex::encode(id)),
    };
    Ok(Draft {
        section: Section::Correspondance,
        key: entry_key(&content),
        content,
        texts: vec![text.to_string()],
    })
}

/// The child's identity, written by the family.
pub fn identity(name: &PersonName, birth: Date, ine: Option<&Ine>) -> Draft {
    let ine_text = ine.map(|i| i.as_str().to_string()).unwrap_or_default();
    let birth_text = birth.to_string();
    let content = Content::Identity {
        name: digest_text(name.as_str()),
        birth: digest_text(&birth_text),
        ine: digest_text(&ine_text),
    };
    Draft {
        section: Section::Identite,
        key: entry_key(&content),
        content,
        texts: vec![name.as_str().to_string(), birth_text, ine_text],
    }
}

/// Livret scolaire du lycée: a subject's average, the class statistics (average, lowest,
/// highest) and the annual appréciation.
pub fn lycee_subject(
    year: Millesime,
    period: Period,
    discipline: &Discipline,
    average: &Mark,
    class_stats: [&Mark; 3],
    appreciation: &LyceeText,
) -> Draft {
    let content = Content::LyceeSubject {
        year: year.year(),
        period: period_ref(period),
        code: discipline.code.as_str().to_string(),
        label: discipline.label.as_str().to_string(),
        average: average.as_str().to_string(),
        class_stats: class_stats.map(|m| m.as_str().to_string()),
        appreciation: digest_text(appreciation.as_str()),
    };
    Draft {
        section: Section::Annee(year.year()),
        key: entry_key(&content),
        content,
        texts: vec![appreciation.as_str().to_string()],
    }
}

/// Livret scolaire du lycée: engagement, the head's opinion and the opinion for the exam.
pub fn lycee_opinion(
    year: Millesime,
    engagement: &LyceeText,
    head: &LyceeText,
    exam: ExamOpinion,
) -> Draft {
    let content = Content::LyceeOpinion {
        year: year.year(),
        engagement: digest_text(engagement.as_str()),
        head: digest_text(head.as_str()),
        exam: exam.value(),
    };
    Draft {
        section: Section::Annee(year.year()),
        key: entry_key(&content),
        content,
        texts: vec![engagement.as_str().to_string(), head.as_str().to_string()],
    }
}

/// A support measure (section `accompagnement`, sensitive): a measure from `start`, maybe until
/// `end`, with a note (maybe empty, at most 1000 characters). The note is signed by its digest.
pub fn accompagnement(
    measure: Modalite,
    start: Date,
    end: Option<Date>,
    note: &str,
) -> Result<Draft, ValidationError> {
    check_measure(
        measure.code(),
        &start.to_string(),
        end.map(|d| d.to_string()).as_deref(),
    )?;
    check_note(note)?;
    let content = Content::Accompagnement {
        measure: measure.code().to_string(),
        start: start.to_string(),
        end: end.map(|d| d.to_string()),
        note: digest_text(note),
    };
    Ok(Draft {
        section: Section::Accompagnement,
        key: entry_key(&content),
        content,
        texts: vec![note.to_string()],
    })
}

fn check_measure(measure: &str, start: &str, end: Option<&str>) -> Result<(), ValidationError> {
    Modalite::parse(measure)?;
    let start = Date::parse(start).map_err(|e| e.with_field("start"))?;
    if let Some(end) = end {
        let end = Date::parse(end).map_err(|e| e.with_field("end"))?;
        if end < start {
            return Err(ValidationError::new("end", crate::vocab::Rule::BadDate));
        }
    }
    Ok(())
}

fn check_note(note: &str) -> Result<(), ValidationError> {
    if note.is_empty() {
        return Ok(());
    }
    Synthesis::parse(note)
        .map(|_| ())
        .map_err(|e| e.with_field("note"))
}

/// The free texts of a content that people write (appréciations, syntheses, notes, messages):
/// what [`sensitive_mention`] screens. Identity texts are not among them.
fn free_texts<'a>(content: &Content, texts: &'a [String]) -> Vec<&'a str> {
    match content {
        Content::Identity { .. } | Content::Attestation { .. } => vec![],
        _ => texts
            .iter()
            .map(String::as_str)
            .filter(|t| *t != WITHHELD)
            .collect(),
    }
}

/// Whether a content placed in `section` falls in a sensitive category while written outside
/// the sensitive section: a support measure elsewhere, or a free text naming a measure or a
/// health or disability matter ([`crate::sensitive::SENSITIVE_TERMS`]). Returns the refusal.
pub fn sensitive_mention(
    section: Section,
    content: &Content,
    texts: &[String],
) -> Result<(), CoreError> {
    if section.is_sensitive() {
        return Ok(());
    }
    if matches!(content, Content::Accompagnement { .. }) {
        return Err(CoreError::Sensitive {
            fr: format!(
                "une mesure d'accompagnement n'a sa place que dans la section sensible accompagnement (pas dans {section})"
            ),
            en: format!(
                "a support measure belongs in the sensitive section accompagnement only (not in {section})"
            ),
        });
    }
    let screened = free_texts(content, texts)
        .into_iter()
        .chain(ecole::short_texts(content));
    for text in screened {
        if let Some(term) = crate::sensitive::mention(text) {
            return Err(CoreError::Sensitive {
                fr: crate::sensitive::refusal_french(term),
                en: crate::sensitive::refusal_english(term),
            });
        }
    }
    Ok(())
}

/// Checks a draft before it is signed and written on this device: the same screen as
/// [`check`] applies to what arrives from a peer ([`sensitive_mention`]).
pub fn check_draft(draft: &Draft) -> Result<(), CoreError> {
    sensitive_mention(draft.section, &draft.content, &draft.texts)
}

/// The key an entry with this content lives under.
pub fn entry_key(content: &Content) -> String {
    match content {
        Content::Subject {
            period,
            code,
            election: Some(e),
            ..
        } => format!("bilan/{}-{}/{}/{}", period.index, period.count, code, e),
        Content::Subject { period, code, .. } => {
            format!("bilan/{}-{}/{}", period.index, period.count, code)
        }
        Content::Synthesis { period, .. } => format!("synthese/{}-{}", period.index, period.count),
        Content::VieScolaire { period, .. } => {
            format!("vie-scolaire/{}-{}", period.index, period.count)
        }
        Content::Cycle { cycle, .. } => format!("cycle/{cycle}"),
        Content::Attestation { kind, .. } => format!("attestation/{kind}"),
        Content::Identity { .. } => "identite".into(),
        Content::Message { id: Some(id), .. } => format!("message/{id}"),
        Content::Message { text, id: None } => format!("message/{}", hex::encode(&text[..8])),
        Content::LyceeSubject { period, code, .. } => {
            format!("lsl/{}-{}/{}", period.index, period.count, code)
        }
        Content::LyceeOpinion { .. } => "lsl/avis".into(),
        Content::Accompagnement { measure, start, .. } => format!("mesure/{measure}/{start}"),
        part @ (Content::Digital { .. }
        | Content::Parcours { .. }
        | Content::Project { .. }
        | Content::Homework { .. }
        | Content::PeriodSocle { .. }
        | Content::ClassVie { .. }) => lsu_parts::part_key(part).unwrap_or_default(),
        Content::EcoleDomain { .. }
        | Content::EcoleProject { .. }
        | Content::EcoleAppreciation { .. } => ecole::key(content).unwrap_or_default(),
    }
}

/// The subject an entry is about (a subject's bilan, at collège or lycée), if it is one: what
/// a team grant narrowed to each member's subjects judges it by.
pub fn subject_of(content: &Content) -> Option<DisciplineCode> {
    match content {
        Content::Subject { code, .. } | Content::LyceeSubject { code, .. } => {
            DisciplineCode::parse(code).ok()
        }
        _ => None,
    }
}

/// The key of a subject's bilan for a period (as [`entry_key`] gives it).
pub fn subject_key(period: Period, code: &DisciplineCode) -> String {
    format!("{}{}", subject_key_prefix(period), code.as_str())
}

/// What every subject key of a period starts with (`bilan/1-3/`).
pub fn subject_key_prefix(period: Period) -> String {
    format!("bilan/{}-{}/", period.index(), period.count())
}

/// The key of a period's synthesis.
pub fn synthesis_key(period: Period) -> String {
    format!("synthese/{}-{}", period.index(), period.count())
}

/// The key of a period's vie scolaire.
pub fn vie_scolaire_key(period: Period) -> String {
    format!("vie-scolaire/{}-{}", period.index(), period.count())
}

/// The section an entry with this content belongs in.
pub fn section_of(content: &Content) -> Section {
    match content {
        Content::Subject { year, .. }
        | Content::Synthesis { year, .. }
        | Content::LyceeSubject { year, .. }
        | Content::LyceeOpinion { year, .. }
        | Content::EcoleDomain { year, .. }
        | Content::EcoleProject { year, .. }
        | Content::EcoleAppreciation { year, .. } => Section::Annee(*year),
        Content::VieScolaire { year, .. } => Section::VieScolaire(*year),
        Content::Cycle { .. } => Section::Cycles,
        Content::Attestation { .. } => Section::Attestations,
        Content::Identity { .. } => Section::Identite,
        Content::Message { .. } => Section::Correspondance,
        Content::Accompagnement { .. } => Section::Accompagnement,
        Content::Digital { year, .. }
        | Content::Parcours { year, .. }
        | Content::Project { year, .. }
        | Content::Homework { year, .. }
        | Content::PeriodSocle { year, .. } => Section::Annee(*year),
        Content::ClassVie { year, .. } => Section::VieScolaire(*year),
    }
}

fn v<T>(r: Result<T, ValidationError>) -> Result<T, String> {
    r.map_err(|e| e.localized(Lang::Fr))
}

/// Checks a decoded entry against the official vocabulary and its place: the section and key
/// it was found under must be the ones its content implies. Returns the reason in French.
pub fn check(entry: &OpenedEntry) -> Result<(), String> {
    check_as(entry, Reading::Full)
}

/// Like [`check`], for an entry of a jury extract: a text [`WITHHELD`] (it named the child) is
/// checked by its signed digest only.
pub fn check_extract(entry: &OpenedEntry) -> Result<(), String> {
    check_as(entry, Reading::Extract)
}

fn check_as(entry: &OpenedEntry, reading: Reading) -> Result<(), String> {
    if reading == Reading::Full && entry.texts.iter().any(|t| t == WITHHELD) {
        return Err("texte retenu hors d'un extrait pour un jury".into());
    }
    let p = &entry.payload;
    // What belongs in the sensitive section is refused anywhere else (type and free texts).
    sensitive_mention(p.section, &p.content, &entry.texts).map_err(|e| e.localized(Lang::Fr))?;
    if section_of(&p.content) != p.section {
        return Err(format!(
            "une inscription « {} » n'a pas sa place dans la section {}",
            p.content.kind(),
            p.section
        ));
    }
    if entry_key(&p.content) != p.key {
        return Err(format!("clé « {} » incohérente avec le contenu", p.key));
    }
    let text = |i: usize| entry.texts.get(i).map(String::as_str).unwrap_or_default();
    // A text withheld from a jury extract is checked by its digest only (the signature holds);
    // outside an extract there is none (refused above).
    let withheld = |i: usize| reading == Reading::Extract && text(i) == WITHHELD;
    match &p.content {
        Content::Subject {
            year,
            period,
            code,
            label,
            level,
            mark,
            election,
            elements,
            class_average,
            ..
        } => {
            v(Millesime::new(*year))?;
            v(Period::new(period.index, period.count))?;
            v(DisciplineCode::parse(code))?;
            v(DisciplineLabel::parse(label))?;
            match (level, mark) {
                (Some(l), None) => {
                    v(Positioning::from_value(*l))?;
                }
                (None, Some(m)) => {
                    v(Mark::parse(m))?;
                }
                (None, None) => {}
                (Some(_), Some(_)) => {
                    return Err("un positionnement ou une note, pas les deux".into())
                }
            }
            if election.as_deref() == Some("S") {
                return Err("modalité « S » écrite (elle est implicite)".into());
            }
            v(check_subject_details(
                election.as_deref(),
                elements,
                class_average.as_deref(),
            ))?;
            // The official livret makes the appréciation optional: the empty text is none.
            if !withheld(0) && !text(0).is_empty() {
                v(Appreciation::parse(text(0)))?;
            }
        }
        Content::Synthesis { year, period, .. } => {
            v(Millesime::new(*year))?;
            v(Period::new(period.index, period.count))?;
            if !withheld(0) {
                v(Synthesis::parse(text(0)))?;
            }
        }
        Content::VieScolaire {
            year,
            period,
            late,
            justified,
            unjustified,
            missed_hours,
            comment,
        } => {
            v(Millesime::new(*year))?;
            v(Period::new(period.index, period.count))?;
            v(VieScolaire::new(*late, *justified, *unjustified))?;
            v(check_missed_hours(*missed_hours))?;
            if comment.is_some() && !withheld(0) {
                v(Appreciation::parse(text(0)))?;
            }
        }
        Content::Cycle {
            cycle,
            year,
            levels,
            complement,
            regional,
            ..
        } => {
            v(check_cycle_options(complement.as_ref(), regional.as_ref()))?;
            v(Cycle::from_value(*cycle))?;
            v(Millesime::new(*year))?;
            for l in levels {
                v(SocleLevel::from_value(*l))?;
            }
            if !withheld(0) {
                v(CycleSynthesis::parse(text(0)))?;
            }
        }
        Content::Attestation { kind, date } => {
            v(AttestationKind::parse(kind))?;
            v(Date::parse(date))?;
        }
        Content::Identity { .. } => {
            v(PersonName::parse(text(0)))?;
            v(Date::parse(text(1)))?;
            if !text(2).is_empty() {
                v(Ine::parse(text(2)))?;
            }
        }
        Content::LyceeSubject {
            year,
            period,
            code,
            label,
            average,
            class_stats,
            ..
        } => {
            v(Millesime::new(*year))?;
            v(Period::new(period.index, period.count))?;
            v(DisciplineCode::parse(code))?;
            v(DisciplineLabel::parse(label))?;
            v(Mark::parse(average))?;
            for m in class_stats {
                v(Mark::parse(m))?;
            }
            if !withheld(0) {
                v(LyceeText::parse(text(0)))?;
            }
        }
        Content::LyceeOpinion { year, exam, .. } => {
            v(Millesime::new(*year))?;
            v(ExamOpinion::from_value(*exam))?;
            for i in 0..2 {
                if !withheld(i) {
                    v(LyceeText::parse(text(i)))?;
                }
            }
        }
        Content::Accompagnement {
            measure,
            start,
            end,
            ..
        } => {
            v(check_measure(measure, start, end.as_deref()))?;
            if !withheld(0) {
                v(check_note(text(0)))?;
            }
        }
        Content::Message { id, .. } => {
            if let Some(id) = id {
                if !is_message_id(id) {
                    return Err("identifiant de message invalide (16 chiffres hexadécimaux)".into());
                }
            }
            if withheld(0) {
                return Ok(());
            }
            v(check_message(text(0)))?;
        }
        part @ (Content::Digital { .. }
        | Content::Parcours { .. }
        | Content::Project { .. }
        | Content::Homework { .. }
        | Content::PeriodSocle { .. }
        | Content::ClassVie { .. }) => {
            v(check_part(part, &|i| {
                Some(text(i)).filter(|_| !withheld(i))
            }))?;
        }
        Content::EcoleDomain { .. }
        | Content::EcoleProject { .. }
        | Content::EcoleAppreciation { .. } => {
            ecole::check(&p.content, &text, &withheld)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::SignedEntry;
    use crate::identity::DeviceSecret;
    use crate::ids::LivretId;

    #[test]
    fn lsu_details_sign_check_and_out_of_list_values_are_refused() {
        let year = Millesime::new(2025).unwrap();
        let period = Period::parse("1/3").unwrap();
        let d = Discipline {
            code: DisciplineCode::parse("030201").unwrap(),
            label: DisciplineLabel::parse("Anglais LV1").unwrap(),
        };
        // One discipline under a modalité other than S: its own key; no evaluation and no
        // appréciation is a line the official livret allows.
        let details = SubjectDetails {
            election: Some("F".into()),
            elements: vec![ElementsProgramme::parse("Se présenter").unwrap()],
            class_average: Some(Mark::parse("12,5").unwrap()),
            not_marked: true,
            class_not_marked: false,
        };
        let draft = subject_line(year, period, &d, None, None, &details).unwrap();
        assert_eq!(draft.key, "bilan/1-3/030201/F");
        let e = signed(draft.section, draft.content.clone(), draft.texts.clone());
        assert_eq!(check(&e), Ok(()));
        let plain = subject_line(year, period, &d, None, None, &SubjectDetails::default()).unwrap();
        assert_eq!(plain.key, "bilan/1-3/030201");
        let s_written = subject_line(
            year,
            period,
            &d,
            None,
            None,
            &SubjectDetails {
                election: Some("S".into()),
                ..SubjectDetails::default()
            },
        )
        .unwrap();
        assert_eq!(
            s_written.key, "bilan/1-3/030201",
            "S is the default, never written"
        );
        // A forged line from another device: each value outside its list is refused by name.
        let forge = |f: &dyn Fn(&mut Content)| {
            let mut c = draft.content.clone();
            f(&mut c);
            check(&signed(draft.section, c, draft.texts.clone())).unwrap_err()
        };
        let e = forge(&|c| {
            if let Content::Subject { election, .. } = c {
                *election = Some("Z".into());
            }
        });
        assert!(e.contains("modalite-election"), "{e}");
        let e = forge(&|c| {
            if let Content::Subject { election, .. } = c {
                *election = Some("S".into());
            }
        });
        assert!(e.contains("S"), "{e}");
        let e = forge(&|c| {
            if let Content::Subject { elements, .. } = c {
                *elements = vec!["x".into(); MAX_ELEMENTS + 1];
            }
        });
        assert!(e.contains("elements"), "{e}");
        let e = forge(&|c| {
            if let Content::Subject { elements, .. } = c {
                *elements = vec!["   ".into()];
            }
        });
        assert!(!e.is_empty());
        let e = forge(&|c| {
            if let Content::Subject { class_average, .. } = c {
                *class_average = Some("123456789".into());
            }
        });
        assert!(e.contains("moyenne-structure"), "{e}");
        // The vie scolaire: hours and comment.
        let counts = VieScolaire::new(1, 2, 0).unwrap();
        let comment = Appreciation::parse("Ponctuelle.").unwrap();
        let vie = vie_scolaire_with(year, period, counts, Some(6), Some(&comment));
        assert_eq!(vie.texts, vec!["Ponctuelle.".to_string()]);
        assert_eq!(
            check(&signed(vie.section, vie.content.clone(), vie.texts.clone())),
            Ok(())
        );
        let mut c = vie.content.clone();
        if let Content::VieScolaire { missed_hours, .. } = &mut c {
            *missed_hours = Some(1000);
        }
        let e = check(&signed(vie.section, c, vie.texts.clone())).unwrap_err();
        assert!(e.contains("nb-heures-manquees"), "{e}");
        // A comment is a free text: screened like an appréciation.
        let health = Appreciation::parse("Absente pour son PAI.").unwrap();
        let vie = vie_scolaire_with(year, period, counts, None, Some(&health));
        assert!(check_draft(&vie).is_err());
        // The cycle's options: codes from their lists, positioning 1 or 2.
        let levels = SocleLevels::from_array([SocleLevel::from_value(3).unwrap(); 8]);
        let text = CycleSynthesis::parse("Bien.").unwrap();
        let cycle4 = Cycle::from_value(4).unwrap();
        let ok = cycle_with(
            cycle4,
            year,
            &levels,
            &text,
            Some(("LCA".into(), Some(2))),
            Some(("BRE".into(), None)),
        )
        .unwrap();
        assert_eq!(
            check(&signed(ok.section, ok.content.clone(), ok.texts.clone())),
            Ok(())
        );
        let e = cycle_with(
            cycle4,
            year,
            &levels,
            &text,
            Some(("XYZ".into(), None)),
            None,
        )
        .unwrap_err();
        assert_eq!(e.field, "enseignement-complement");
        let e = cycle_with(
            cycle4,
            year,
            &levels,
            &text,
            None,
            Some(("BRE".into(), Some(3))),
        )
        .unwrap_err();
        assert_eq!(e.field, "langue-culture-regionale");
    }

    #[test]
    fn drafts_sign_and_check() {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let code = DisciplineCode::parse("MATHEM").unwrap();
        let d = Discipline::known(&code).unwrap();
        let draft = subject(
            Millesime::new(2025).unwrap(),
            Period::parse("2/3").unwrap(),
            &d,
            &Evaluation::Level(Positioning::from_value(4).unwrap()),
            &Appreciation::parse("Excellent travail, très à l'aise en géométrie.").unwrap(),
        );
        assert_eq!(draft.section, Section::Annee(2025));
        assert_eq!(draft.key, "bilan/2-3/MATHEM");
        let e = SignedEntry::sign(
            &teacher,
            LivretId([1; 16]),
            draft.section,
            &draft.key,
            draft.content.clone(),
            draft.texts.clone(),
            1,
        );
        assert_eq!(check(&e.open().unwrap()), Ok(()));
        // The same content under another key, or in another section, is refused.
        let moved = SignedEntry::sign(
            &teacher,
            LivretId([1; 16]),
            Section::Cycles,
            &draft.key,
            draft.content.clone(),
            draft.texts.clone(),
            1,
        );
        assert!(check(&moved.open().unwrap()).is_err());
        let rekeyed = SignedEntry::sign(
            &teacher,
            LivretId([1; 16]),
            draft.section,
            "bilan/2-3/FRANCS",
            draft.content,
            draft.texts,
            1,
        );
        assert!(check(&rekeyed.open().unwrap()).is_err());
    }

    fn signed(section: Section, content: Content, texts: Vec<String>) -> OpenedEntry {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let key = entry_key(&content);
        SignedEntry::sign(
            &teacher,
            LivretId([1; 16]),
            section,
            &key,
            content,
            texts,
            1,
        )
        .open()
        .unwrap()
    }

    #[test]
    fn a_support_measure_lives_in_the_sensitive_section_only() {
        let draft = accompagnement(
            Modalite::Ppre,
            Date::parse("2025-10-01").unwrap(),
            None,
            "Aide en lecture deux fois par semaine ; PPRE revu en janvier.",
        )
        .unwrap();
        assert_eq!(draft.section, Section::Accompagnement);
        assert_eq!(draft.key, "mesure/PPRE/2025-10-01");
        assert_eq!(check_draft(&draft), Ok(()));
        let e = signed(draft.section, draft.content.clone(), draft.texts.clone());
        assert_eq!(check(&e), Ok(()));
        assert!(e.payload.content.digests().len() == 1);
        // Elsewhere, by its type.
        let moved = signed(
            Section::Annee(2025),
            draft.content.clone(),
            draft.texts.clone(),
        );
        let why = check(&moved).unwrap_err();
        assert!(why.contains("accompagnement"), "{why}");
        // An end before the start, an unknown measure.
        assert!(accompagnement(
            Modalite::Pap,
            Date::parse("2025-10-01").unwrap(),
            Some(Date::parse("2025-09-01").unwrap()),
            ""
        )
        .is_err());
        let bad = Content::Accompagnement {
            measure: "XYZ".into(),
            start: "2025-10-01".into(),
            end: None,
            note: digest_text(""),
        };
        assert!(check(&signed(Section::Accompagnement, bad, vec![String::new()])).is_err());
    }

    #[test]
    fn free_texts_naming_a_measure_are_refused_outside_the_sensitive_section() {
        let code = DisciplineCode::parse("FRANCS").unwrap();
        let d = Discipline::known(&code).unwrap();
        let year = Millesime::new(2025).unwrap();
        let period = Period::parse("1/3").unwrap();
        let level = Evaluation::Level(Positioning::from_value(3).unwrap());
        let text = Appreciation::parse("Progrès nets depuis la mise en place du PPS.").unwrap();
        let draft = subject(year, period, &d, &level, &text);
        let err = check_draft(&draft).unwrap_err().localized(Lang::Fr);
        assert_eq!(
            err,
            "texte refusé : il mentionne « PPS », qui relève de la section sensible accompagnement"
        );
        let e = signed(draft.section, draft.content, draft.texts);
        assert_eq!(check(&e).unwrap_err(), err);
        let syn = synthesis(
            year,
            period,
            &Synthesis::parse("Dyslexie : ménager l'élève.").unwrap(),
        );
        assert!(check_draft(&syn).is_err());
        // An ordinary text passes; the same words in the sensitive section are fine.
        let fine = Appreciation::parse("Très bon travail sur papier, soigné.").unwrap();
        assert_eq!(
            check_draft(&subject(year, period, &d, &level, &fine)),
            Ok(())
        );
        let note = accompagnement(
            Modalite::Pps,
            Date::parse("2025-09-01").unwrap(),
            None,
            "PPS : AESH 12 h par semaine, notification MDPH.",
        )
        .unwrap();
        assert_eq!(check_draft(&note), Ok(()));
    }

    #[test]
    fn out_of_scale_values_signed_by_a_rogue_client_are_refused() {
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let text = "x".repeat(601);
        let content = Content::Subject {
            year: 2025,
            period: PeriodRef { index: 1, count: 3 },
            code: "MATHEM".into(),
            label: "Mathématiques".into(),
            level: Some(7),
            mark: None,
            appreciation: digest_text(&text),
            election: None,
            elements: vec![],
            class_average: None,
            not_marked: false,
            class_not_marked: false,
        };
        let key = entry_key(&content);
        let e = SignedEntry::sign(
            &teacher,
            LivretId([1; 16]),
            Section::Annee(2025),
            &key,
            content,
            vec![text],
            1,
        );
        assert!(check(&e.open().unwrap()).is_err());
    }
}
