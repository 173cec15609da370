//! The typed views of a livret that every front end renders (CLI, web app, mobile bridge):
//! entry kind, signature status, certification, content. What people read comes from
//! [`Localized`] (French or English); the JSON form (`--json`, exports) is built here, at the
//! edge, with the field names and spellings the CLI has always printed.

use livret_core::cert::{Certification, NotCertified};
use livret_core::entry::{Content, PeriodRef, Verification, WITHHELD};
use livret_core::vocab::{
    AttestationKind, ExamOpinion, Modalite, Period, Positioning, SocleComponent,
};
use livret_core::{Lang, Localized, Section};
use serde::ser::{Serialize, Serializer};
use serde_json::json;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// A subject's line of a bilan périodique.
    Subject,
    /// A period's synthesis.
    Synthesis,
    /// A period's late arrivals and absences.
    VieScolaire,
    /// A bilan de fin de cycle.
    Cycle,
    /// An attestation.
    Attestation,
    /// The child's identity.
    Identity,
    /// A message of `correspondance`.
    Message,
    /// Livret scolaire du lycée: a subject.
    LyceeSubject,
    /// Livret scolaire du lycée: the opinions.
    LyceeOpinion,
    /// A support measure (sensitive).
    Accompagnement,
    /// École: a domain's or sub-domain's line of a bilan périodique.
    EcoleDomain,
    /// École: a project of the period.
    EcoleProject,
    /// École: the general appréciation of the period.
    EcoleAppreciation,
}

impl EntryKind {
    /// The kind's name in JSON (`subject`, `vie-scolaire`...).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Subject => "subject",
            EntryKind::Synthesis => "synthesis",
            EntryKind::VieScolaire => "vie-scolaire",
            EntryKind::Cycle => "cycle",
            EntryKind::Attestation => "attestation",
            EntryKind::Identity => "identity",
            EntryKind::Message => "message",
            EntryKind::LyceeSubject => "lycee-subject",
            EntryKind::LyceeOpinion => "lycee-opinion",
            EntryKind::Accompagnement => "accompagnement",
            EntryKind::EcoleDomain => "ecole-domain",
            EntryKind::EcoleProject => "ecole-project",
            EntryKind::EcoleAppreciation => "ecole-appreciation",
        }
    }
}

/// Whether an entry's signature holds, as this device reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// It verifies and the author is a key this device knows for the livret.
    Valid,
    /// It verifies, but by a key this device does not know for the livret.
    UnknownAuthor,
    /// Tampered or forged; the problem as the core states it (in French).
    Invalid(String),
}

impl SignatureStatus {
    /// `valid`, `unknown-author` or `invalid` (the JSON spelling).
    pub fn as_str(&self) -> &'static str {
        match self {
            SignatureStatus::Valid => "valid",
            SignatureStatus::UnknownAuthor => "unknown-author",
            SignatureStatus::Invalid(_) => "invalid",
        }
    }

    /// Whether the signature verifies (by a known key or not).
    pub fn verifies(&self) -> bool {
        !matches!(self, SignatureStatus::Invalid(_))
    }
}

impl From<Verification> for SignatureStatus {
    fn from(v: Verification) -> Self {
        match v {
            Verification::Valid => SignatureStatus::Valid,
            Verification::UnknownAuthor => SignatureStatus::UnknownAuthor,
            Verification::Invalid(why) => SignatureStatus::Invalid(why),
        }
    }
}

impl Localized for SignatureStatus {
    /// One word (the problem is told apart).
    fn localized(&self, lang: Lang) -> String {
        match self {
            SignatureStatus::Valid => lang.pick("valide", "valid"),
            SignatureStatus::UnknownAuthor => lang.pick("auteur inconnu", "unknown author"),
            SignatureStatus::Invalid(_) => lang.pick("INVALIDE", "INVALID"),
        }
        .to_string()
    }
}

/// The content of an entry, with its texts as read (a text withheld from a jury extract is
/// [`EntryText::Withheld`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryContent {
    /// A subject's line of a bilan périodique.
    Subject {
        /// The school year (by the year it starts).
        year: u16,
        /// The period.
        period: PeriodRef,
        /// The discipline's code.
        code: String,
        /// The discipline's label.
        label: String,
        /// The positioning (1 to 4), if given.
        level: Option<u8>,
        /// The mark, if given.
        mark: Option<String>,
        /// The appréciation (empty when the bilan has none, as the official livret allows).
        appreciation: EntryText,
        /// The LSU modalité (`O`, `F`…) when it is not the common core.
        election: Option<String>,
        /// The éléments du programme worked on.
        elements: Vec<String>,
        /// The class's average.
        class_average: Option<String>,
        /// The pupil is not marked in this subject.
        not_marked: bool,
        /// The class is not marked in this subject.
        class_not_marked: bool,
    },
    /// A period's synthesis.
    Synthesis {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// The text.
        text: EntryText,
    },
    /// A period's late arrivals and half-days of absence.
    VieScolaire {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// Late arrivals.
        late: u16,
        /// Justified half-days of absence.
        justified: u16,
        /// Unjustified half-days of absence.
        unjustified: u16,
        /// Hours of lessons missed, when counted.
        missed_hours: Option<u16>,
        /// The comment, when there is one.
        comment: Option<EntryText>,
    },
    /// A bilan de fin de cycle.
    Cycle {
        /// The cycle (2, 3 or 4).
        cycle: u8,
        /// The school year.
        year: u16,
        /// The level of each component, in [`SocleComponent::ALL`] order.
        levels: [u8; 8],
        /// The synthesis.
        synthesis: EntryText,
        /// The enseignement de complément: its code and positioning (1 reached, 2 exceeded).
        complement: Option<(String, Option<u8>)>,
        /// The langue et culture régionale: its code and positioning (1 not reached, 2
        /// reached).
        regional: Option<(String, Option<u8>)>,
    },
    /// An attestation.
    Attestation {
        /// Its code (`ASSR1`...).
        kind: String,
        /// When it was obtained (`YYYY-MM-DD`).
        date: String,
    },
    /// The child's identity.
    Identity {
        /// The name.
        name: EntryText,
        /// The birth date.
        birth: EntryText,
        /// The INE, when known.
        ine: Option<EntryText>,
    },
    /// A message.
    Message {
        /// Its text.
        text: EntryText,
    },
    /// A support measure.
    Accompagnement {
        /// Its code (`PPRE`...).
        measure: String,
        /// From (`YYYY-MM-DD`).
        start: String,
        /// Until, if it ends.
        end: Option<String>,
        /// The note (maybe empty).
        note: EntryText,
    },
    /// Livret scolaire du lycée: a subject.
    LyceeSubject {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// The discipline's code.
        code: String,
        /// The discipline's label.
        label: String,
        /// The pupil's average.
        average: String,
        /// The class's average, lowest and highest.
        class_stats: [String; 3],
        /// The appréciation.
        appreciation: EntryText,
    },
    /// Livret scolaire du lycée: the opinions.
    LyceeOpinion {
        /// The school year.
        year: u16,
        /// The engagement.
        engagement: EntryText,
        /// The head's opinion.
        head: EntryText,
        /// The opinion for the exam (1 to 3).
        exam: u8,
    },
    /// École: a domain's or sub-domain's line of a bilan périodique.
    EcoleDomain {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// Cycle 2 or 3.
        cycle: u8,
        /// The domain's code (`FRA`…).
        domain: String,
        /// The sub-domain's code (`LECT`…), when the line is one.
        sub_domain: Option<String>,
        /// The objectives worked on.
        objectives: Vec<String>,
        /// The positioning (1 to 4), if given.
        level: Option<u8>,
        /// The appréciation (empty when the line has none, as the official livret allows).
        appreciation: EntryText,
    },
    /// École: a project of the period.
    EcoleProject {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// The project's title.
        title: EntryText,
        /// The pupil's involvement (empty when none).
        text: EntryText,
    },
    /// École: the general appréciation on the pupil's progress.
    EcoleAppreciation {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// The text.
        text: EntryText,
    },
}

/// A text of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryText {
    /// The text.
    Text(String),
    /// Withheld from a jury extract because it names the child (its digest still verifies).
    Withheld,
}

impl EntryText {
    fn at(texts: &[String], i: usize) -> EntryText {
        match texts.get(i) {
            Some(t) if t == WITHHELD => EntryText::Withheld,
            Some(t) => EntryText::Text(t.clone()),
            None => EntryText::Text(String::new()),
        }
    }

    /// Whether it is an empty text.
    pub fn is_empty(&self) -> bool {
        matches!(self, EntryText::Text(t) if t.is_empty())
    }
}

impl Localized for EntryText {
    fn localized(&self, lang: Lang) -> String {
        match self {
            EntryText::Text(t) => t.clone(),
            EntryText::Withheld => lang
                .pick(
                    "[texte retiré de l'extrait : il nomme l'élève]",
                    "[text withheld from the extract: it names the pupil]",
                )
                .to_string(),
        }
    }
}

/// The labels of an école domain and sub-domain in `lang` (the code when unknown).
fn ecole_labels(
    lang: Lang,
    cycle: u8,
    domain: &str,
    sub_domain: &Option<String>,
) -> (String, Option<String>) {
    use livret_core::vocab::ecole::{ecole_cycle, Domaine, SousDomaine};
    let d = ecole_cycle(cycle)
        .ok()
        .and_then(|c| Domaine::parse_in(domain, c).ok().map(|d| (c, d)));
    let domain_label = d.map_or_else(|| domain.to_string(), |(_, d)| d.localized(lang));
    let sub_label = sub_domain.as_ref().map(|s| {
        d.and_then(|(c, d)| SousDomaine::parse_in(s, d, c).ok())
            .map_or_else(|| s.clone(), |s| s.localized(lang))
    });
    (domain_label, sub_label)
}

fn period_text(p: &PeriodRef) -> String {
    format!("{}/{}", p.index, p.count)
}

fn period_label(lang: Lang, p: &PeriodRef) -> String {
    Period::new(p.index, p.count)
        .map(|p| p.localized(lang))
        .unwrap_or_default()
}

impl EntryContent {
    /// The view of a signed content with its texts.
    pub fn new(content: &Content, texts: &[String]) -> EntryContent {
        let t = |i| EntryText::at(texts, i);
        match content {
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
                not_marked,
                class_not_marked,
                ..
            } => EntryContent::Subject {
                year: *year,
                period: *period,
                code: code.clone(),
                label: label.clone(),
                level: *level,
                mark: mark.clone(),
                appreciation: t(0),
                election: election.clone(),
                elements: elements.clone(),
                class_average: class_average.clone(),
                not_marked: *not_marked,
                class_not_marked: *class_not_marked,
            },
            Content::Synthesis { year, period, .. } => EntryContent::Synthesis {
                year: *year,
                period: *period,
                text: t(0),
            },
            Content::VieScolaire {
                year,
                period,
                late,
                justified,
                unjustified,
                missed_hours,
                comment,
            } => EntryContent::VieScolaire {
                year: *year,
                period: *period,
                late: *late,
                justified: *justified,
                unjustified: *unjustified,
                missed_hours: *missed_hours,
                comment: comment.map(|_| t(0)),
            },
            Content::Cycle {
                cycle,
                year,
                levels,
                complement,
                regional,
                ..
            } => EntryContent::Cycle {
                cycle: *cycle,
                year: *year,
                levels: *levels,
                synthesis: t(0),
                complement: complement.clone(),
                regional: regional.clone(),
            },
            Content::Attestation { kind, date } => EntryContent::Attestation {
                kind: kind.clone(),
                date: date.clone(),
            },
            Content::Identity { .. } => EntryContent::Identity {
                name: t(0),
                birth: t(1),
                ine: Some(t(2)).filter(|i| !i.is_empty()),
            },
            Content::Message { .. } => EntryContent::Message { text: t(0) },
            Content::Accompagnement {
                measure,
                start,
                end,
                ..
            } => EntryContent::Accompagnement {
                measure: measure.clone(),
                start: start.clone(),
                end: end.clone(),
                note: t(0),
            },
            Content::LyceeSubject {
                year,
                period,
                code,
                label,
                average,
                class_stats,
                ..
            } => EntryContent::LyceeSubject {
                year: *year,
                period: *period,
                code: code.clone(),
                label: label.clone(),
                average: average.clone(),
                class_stats: class_stats.clone(),
                appreciation: t(0),
            },
            Content::LyceeOpinion { year, exam, .. } => EntryContent::LyceeOpinion {
                year: *year,
                engagement: t(0),
                head: t(1),
                exam: *exam,
            },
            Content::EcoleDomain {
                year,
                period,
                cycle,
                domain,
                sub_domain,
                objectives,
                level,
                ..
            } => EntryContent::EcoleDomain {
                year: *year,
                period: *period,
                cycle: *cycle,
                domain: domain.clone(),
                sub_domain: sub_domain.clone(),
                objectives: objectives.clone(),
                level: *level,
                appreciation: t(0),
            },
            Content::EcoleProject { year, period, .. } => EntryContent::EcoleProject {
                year: *year,
                period: *period,
                title: t(0),
                text: t(1),
            },
            Content::EcoleAppreciation { year, period, .. } => EntryContent::EcoleAppreciation {
                year: *year,
                period: *period,
                text: t(0),
            },
        }
    }

    /// What it is.
    pub fn kind(&self) -> EntryKind {
        match self {
            EntryContent::Subject { .. } => EntryKind::Subject,
            EntryContent::Synthesis { .. } => EntryKind::Synthesis,
            EntryContent::VieScolaire { .. } => EntryKind::VieScolaire,
            EntryContent::Cycle { .. } => EntryKind::Cycle,
            EntryContent::Attestation { .. } => EntryKind::Attestation,
            EntryContent::Identity { .. } => EntryKind::Identity,
            EntryContent::Message { .. } => EntryKind::Message,
            EntryContent::Accompagnement { .. } => EntryKind::Accompagnement,
            EntryContent::LyceeSubject { .. } => EntryKind::LyceeSubject,
            EntryContent::LyceeOpinion { .. } => EntryKind::LyceeOpinion,
            EntryContent::EcoleDomain { .. } => EntryKind::EcoleDomain,
            EntryContent::EcoleProject { .. } => EntryKind::EcoleProject,
            EntryContent::EcoleAppreciation { .. } => EntryKind::EcoleAppreciation,
        }
    }

    /// The period it is about, for the kinds written per period.
    pub fn period(&self) -> Option<PeriodRef> {
        match self {
            EntryContent::Subject { period, .. }
            | EntryContent::Synthesis { period, .. }
            | EntryContent::VieScolaire { period, .. }
            | EntryContent::LyceeSubject { period, .. }
            | EntryContent::EcoleDomain { period, .. }
            | EntryContent::EcoleProject { period, .. }
            | EntryContent::EcoleAppreciation { period, .. } => Some(*period),
            _ => None,
        }
    }

    /// The content field by field, as the JSON of `show --json` and of exports has it.
    pub fn to_json(&self) -> serde_json::Value {
        let fr = |t: &EntryText| t.localized(Lang::Fr);
        match self {
            EntryContent::Subject {
                year,
                period,
                code,
                label,
                level,
                mark,
                appreciation,
                election,
                elements,
                class_average,
                not_marked,
                class_not_marked,
            } => {
                let mut v = json!({
                    "year": year, "period": period_text(period),
                    "subject": code, "label": label, "level": level, "mark": mark,
                    "appreciation": fr(appreciation),
                });
                // The LSU details only where the entry has them (older outputs unchanged).
                let extra = [
                    ("modality", election.as_ref().map(|e| json!(e))),
                    (
                        "elements",
                        Some(elements).filter(|e| !e.is_empty()).map(|e| json!(e)),
                    ),
                    ("class_average", class_average.as_ref().map(|m| json!(m))),
                    ("not_marked", not_marked.then(|| json!(true))),
                    ("class_not_marked", class_not_marked.then(|| json!(true))),
                ];
                if let Some(map) = v.as_object_mut() {
                    for (k, x) in extra {
                        if let Some(x) = x {
                            map.insert(k.into(), x);
                        }
                    }
                }
                v
            }
            EntryContent::Synthesis { year, period, text } => json!({
                "year": year, "period": period_text(period), "text": fr(text),
            }),
            EntryContent::VieScolaire {
                year,
                period,
                late,
                justified,
                unjustified,
                missed_hours,
                comment,
            } => {
                let mut v = json!({
                    "year": year, "period": period_text(period),
                    "late": late, "justified": justified, "unjustified": unjustified,
                });
                if let Some(map) = v.as_object_mut() {
                    if let Some(h) = missed_hours {
                        map.insert("missed_hours".into(), json!(h));
                    }
                    if let Some(c) = comment {
                        map.insert("comment".into(), json!(fr(c)));
                    }
                }
                v
            }
            EntryContent::Cycle {
                cycle,
                year,
                levels,
                synthesis,
                complement,
                regional,
            } => {
                let comps: serde_json::Map<String, serde_json::Value> = SocleComponent::ALL
                    .iter()
                    .zip(levels.iter())
                    .map(|(c, l)| (c.code().to_string(), json!(l)))
                    .collect();
                let mut v = json!({"cycle": cycle, "year": year, "levels": comps, "synthesis": fr(synthesis)});
                if let Some(map) = v.as_object_mut() {
                    for (k, o) in [("complement", complement), ("regional", regional)] {
                        if let Some((code, level)) = o {
                            map.insert(k.into(), json!({"code": code, "level": level}));
                        }
                    }
                }
                v
            }
            EntryContent::Attestation { kind, date } => json!({"kind": kind, "date": date}),
            EntryContent::Identity { name, birth, ine } => json!({
                "name": fr(name), "birth": fr(birth),
                "ine": ine.as_ref().map(fr),
            }),
            EntryContent::Message { text } => json!({"text": fr(text)}),
            EntryContent::Accompagnement {
                measure,
                start,
                end,
                note,
            } => json!({
                "measure": measure,
                "label": Modalite::parse(measure).map(|m| m.label()).unwrap_or("?"),
                "start": start, "end": end, "note": fr(note),
            }),
            EntryContent::LyceeSubject {
                year,
                period,
                code,
                label,
                average,
                class_stats,
                appreciation,
            } => json!({
                "year": year, "period": period_text(period),
                "subject": code, "label": label, "average": average,
                "class_average": class_stats[0], "class_min": class_stats[1], "class_max": class_stats[2],
                "appreciation": fr(appreciation),
            }),
            EntryContent::LyceeOpinion {
                year,
                engagement,
                head,
                exam,
            } => json!({
                "year": year, "engagement": fr(engagement), "head_opinion": fr(head),
                "exam_opinion": ExamOpinion::from_value(*exam).map(|e| e.label()).unwrap_or("?"),
            }),
            EntryContent::EcoleDomain {
                year,
                period,
                cycle,
                domain,
                sub_domain,
                objectives,
                level,
                appreciation,
            } => {
                let (domain_label, sub_label) = ecole_labels(Lang::Fr, *cycle, domain, sub_domain);
                json!({
                    "year": year, "period": period_text(period), "cycle": cycle,
                    "domain": domain, "domain_label": domain_label,
                    "sub_domain": sub_domain, "sub_domain_label": sub_label,
                    "objectives": objectives, "level": level,
                    "appreciation": fr(appreciation),
                })
            }
            EntryContent::EcoleProject {
                year,
                period,
                title,
                text,
            } => json!({
                "year": year, "period": period_text(period),
                "title": fr(title), "text": fr(text),
            }),
            EntryContent::EcoleAppreciation { year, period, text } => json!({
                "year": year, "period": period_text(period), "text": fr(text),
            }),
        }
    }
}

impl Localized for EntryContent {
    /// One line describing the entry.
    fn localized(&self, lang: Lang) -> String {
        let tx = |t: &EntryText| t.localized(lang);
        let fr = lang == Lang::Fr;
        match self {
            EntryContent::Subject {
                period,
                code,
                label,
                level,
                mark,
                appreciation,
                election,
                elements,
                class_average,
                not_marked,
                class_not_marked,
                ..
            } => {
                let mut eval = match (level, mark) {
                    (Some(l), _) => match (Positioning::from_value(*l), lang) {
                        (Ok(p), Lang::Fr) => format!("positionnement {l} ({})", p.label()),
                        (Err(_), Lang::Fr) => format!("positionnement {l}"),
                        (_, Lang::En) => format!("level {l}"),
                    },
                    (None, Some(m)) => format!("{} {m}", lang.pick("note", "mark")),
                    (None, None) if *not_marked => lang.pick("non noté", "not marked").into(),
                    _ => String::new(),
                };
                match (class_average, class_not_marked) {
                    (Some(m), _) => {
                        eval.push_str(&format!(" ({} {m})", lang.pick("classe :", "class:")))
                    }
                    (None, true) => {
                        eval.push_str(lang.pick(" (classe non notée)", " (class not marked)"))
                    }
                    _ => {}
                }
                let code = match election {
                    Some(m) => match (lang, livret_core::vocab::election_label(m)) {
                        (Lang::Fr, Some(l)) => format!("{code}, {l}"),
                        _ => format!("{code}, {} {m}", lang.pick("modalité", "modality")),
                    },
                    None => code.clone(),
                };
                let elements = if elements.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ; {} : {}",
                        lang.pick("éléments du programme", "programme elements"),
                        elements.join(", ")
                    )
                };
                let text = tx(appreciation);
                let quoted = match (text.is_empty(), fr) {
                    (true, _) => String::new(),
                    (false, true) => format!(" — « {text} »"),
                    (false, false) => format!(" — “{text}”"),
                };
                if fr {
                    let plabel = period_label(lang, period);
                    format!("{label} ({code}), {plabel} : {eval}{elements}{quoted}")
                } else {
                    let p = period_text(period);
                    format!("{label} ({code}), period {p}: {eval}{elements}{quoted}")
                }
            }
            EntryContent::Synthesis { period, text, .. } => {
                let text = tx(text);
                if fr {
                    format!("Synthèse, {} : « {text} »", period_label(lang, period))
                } else {
                    format!("Synthesis, period {}: “{text}”", period_text(period))
                }
            }
            EntryContent::VieScolaire {
                period,
                late,
                justified,
                unjustified,
                missed_hours,
                comment,
                ..
            } => {
                let hours = match missed_hours {
                    Some(h) => format!(
                        ", {h} {}",
                        lang.pick("heure(s) de cours manquée(s)", "hour(s) of lessons missed")
                    ),
                    None => String::new(),
                };
                let comment = match comment {
                    Some(c) if fr => format!(" — « {} »", tx(c)),
                    Some(c) => format!(" — “{}”", tx(c)),
                    None => String::new(),
                };
                if fr {
                    let plabel = period_label(lang, period);
                    format!("Vie scolaire, {plabel} : {late} retard(s), {justified} demi-journée(s) d'absence justifiée(s), {unjustified} injustifiée(s){hours}{comment}")
                } else {
                    let p = period_text(period);
                    format!("Attendance, period {p}: {late} late arrival(s), {justified} justified and {unjustified} unjustified half-day(s) of absence{hours}{comment}")
                }
            }
            EntryContent::Cycle {
                cycle,
                levels,
                synthesis,
                complement,
                regional,
                ..
            } => {
                let lv: Vec<String> = SocleComponent::ALL
                    .iter()
                    .zip(levels.iter())
                    .map(|(c, l)| format!("{}={l}", c.code()))
                    .collect();
                let mut lv = lv.join(", ");
                for (what, option) in [
                    (
                        lang.pick("enseignement de complément", "enseignement de complément"),
                        complement,
                    ),
                    (
                        lang.pick("langue et culture régionale", "regional language"),
                        regional,
                    ),
                ] {
                    if let Some((code, level)) = option {
                        let level = level.map(|l| format!(" {l}/2")).unwrap_or_default();
                        lv.push_str(&format!(" ; {what} {code}{level}"));
                    }
                }
                let text = tx(synthesis);
                if fr {
                    format!("Bilan de fin de cycle {cycle} : {lv} — « {text} »")
                } else {
                    format!("End-of-cycle report, cycle {cycle}: {lv} — “{text}”")
                }
            }
            EntryContent::Attestation { kind, date } => {
                let label = AttestationKind::parse(kind)
                    .map(|k| k.label().to_string())
                    .unwrap_or_else(|_| kind.clone());
                if fr {
                    format!("{label}, obtenue le {date}")
                } else {
                    format!("{label}, obtained on {date}")
                }
            }
            EntryContent::Identity { name, birth, ine } => {
                let ine = match ine {
                    Some(i) => format!(", INE {}", tx(i)),
                    None => String::new(),
                };
                let (name, birth) = (tx(name), tx(birth));
                if fr {
                    format!("{name}, né(e) le {birth}{ine}")
                } else {
                    format!("{name}, born {birth}{ine}")
                }
            }
            EntryContent::Message { text } => {
                let text = tx(text);
                if fr {
                    format!("Message : « {text} »")
                } else {
                    format!("Message: “{text}”")
                }
            }
            EntryContent::Accompagnement {
                measure,
                start,
                end,
                note,
            } => {
                let label = Modalite::parse(measure).map(|m| m.label()).unwrap_or("?");
                let until = match end {
                    Some(e) => format!(" {} {e}", lang.pick("au", "to")),
                    None => String::new(),
                };
                let note = if note.is_empty() {
                    String::new()
                } else if fr {
                    format!(" — « {} »", tx(note))
                } else {
                    format!(" — “{}”", tx(note))
                };
                if fr {
                    format!("Mesure d'accompagnement {measure} ({label}), du {start}{until}{note}")
                } else {
                    format!("Support measure {measure} ({label}), from {start}{until}{note}")
                }
            }
            EntryContent::LyceeSubject {
                period,
                code,
                label,
                average,
                class_stats,
                appreciation,
                ..
            } => {
                let [avg, min, max] = class_stats;
                let text = tx(appreciation);
                if fr {
                    let plabel = period_label(lang, period);
                    format!("{label} ({code}), {plabel} : moyenne {average} (classe : {avg}, de {min} à {max}) — « {text} »")
                } else {
                    let p = period_text(period);
                    format!("{label} ({code}), period {p}: average {average} (class: {avg}, from {min} to {max}) — “{text}”")
                }
            }
            EntryContent::LyceeOpinion {
                engagement,
                head,
                exam,
                ..
            } => {
                let exam = ExamOpinion::from_value(*exam)
                    .map(|e| e.label())
                    .unwrap_or("?");
                let (engagement, head) = (tx(engagement), tx(head));
                if fr {
                    format!("Avis pour l'examen : {exam} — engagement : « {engagement} » — avis du chef d'établissement : « {head} »")
                } else {
                    format!("Opinion for the exam: {exam} — engagement: “{engagement}” — head's opinion: “{head}”")
                }
            }
            EntryContent::EcoleDomain {
                period,
                cycle,
                domain,
                sub_domain,
                objectives,
                level,
                appreciation,
                ..
            } => {
                let (domain_label, sub_label) = ecole_labels(lang, *cycle, domain, sub_domain);
                let name = match sub_label {
                    Some(s) => format!("{domain_label} — {s}"),
                    None => domain_label,
                };
                let mut parts = Vec::new();
                if let Some(l) = level {
                    parts.push(match (Positioning::from_value(*l), lang) {
                        (Ok(p), Lang::Fr) => format!("positionnement {l} ({})", p.label()),
                        (Err(_), Lang::Fr) => format!("positionnement {l}"),
                        (_, Lang::En) => format!("level {l}"),
                    });
                }
                if !objectives.is_empty() {
                    parts.push(format!(
                        "{} : {}",
                        lang.pick("objectifs", "objectives"),
                        objectives.join(", ")
                    ));
                }
                let text = tx(appreciation);
                let quoted = match (text.is_empty(), fr) {
                    (true, _) => String::new(),
                    (false, true) => format!(" — « {text} »"),
                    (false, false) => format!(" — “{text}”"),
                };
                let parts = match (parts.is_empty(), fr) {
                    (true, _) => String::new(),
                    (false, true) => format!(" : {}", parts.join(" ; ")),
                    (false, false) => format!(": {}", parts.join("; ")),
                };
                if fr {
                    let plabel = period_label(lang, period);
                    format!("École, {name} (cycle {cycle}), {plabel}{parts}{quoted}")
                } else {
                    let p = period_text(period);
                    format!("Primary school, {name} (cycle {cycle}), period {p}{parts}{quoted}")
                }
            }
            EntryContent::EcoleProject {
                period,
                title,
                text,
                ..
            } => {
                let (title, text) = (tx(title), tx(text));
                let quoted = match (text.is_empty(), fr) {
                    (true, _) => String::new(),
                    (false, true) => format!(" — « {text} »"),
                    (false, false) => format!(" — “{text}”"),
                };
                if fr {
                    let plabel = period_label(lang, period);
                    format!("Projet, {plabel} : « {title} »{quoted}")
                } else {
                    format!("Project, period {}: “{title}”{quoted}", period_text(period))
                }
            }
            EntryContent::EcoleAppreciation { period, text, .. } => {
                let text = tx(text);
                if fr {
                    let plabel = period_label(lang, period);
                    format!("Appréciation générale, {plabel} : « {text} »")
                } else {
                    format!(
                        "General appréciation, period {}: “{text}”",
                        period_text(period)
                    )
                }
            }
        }
    }
}

/// One entry as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryView {
    /// Its key.
    pub key: String,
    /// Its author (device id).
    pub author: Option<String>,
    /// The author's name as this device knows it.
    pub author_name: Option<String>,
    /// Whether its signature holds.
    pub signature: SignatureStatus,
    /// Whether a school this device trusts vouches for it.
    pub certification: Certification,
    /// When it was signed (seconds since 1970).
    pub time: Option<i64>,
    /// Whether another version competes (concurrent writes).
    pub conflicted: bool,
    /// Whether it is sensitive content.
    pub sensitive: bool,
    /// What it says; `None` when it does not open.
    pub content: Option<EntryContent>,
}

impl EntryView {
    /// What it is, when it opens.
    pub fn kind(&self) -> Option<EntryKind> {
        self.content.as_ref().map(EntryContent::kind)
    }

    /// The content field by field as JSON (`Null` when it does not open).
    pub fn content_json(&self) -> serde_json::Value {
        self.content
            .as_ref()
            .map_or(serde_json::Value::Null, EntryContent::to_json)
    }

    /// Whether a school this device trusts vouches for it.
    pub fn is_certified(&self) -> bool {
        matches!(self.certification, Certification::Certified { .. })
    }
}

impl Localized for EntryView {
    /// One line describing the entry.
    fn localized(&self, lang: Lang) -> String {
        match &self.content {
            Some(c) => c.localized(lang),
            None => lang.pick("illisible", "unreadable").to_string(),
        }
    }
}

/// The JSON of an entry: the fields and spellings of `show --json` (a public interface).
#[derive(serde::Serialize)]
struct EntryJson<'a> {
    key: &'a str,
    kind: Option<EntryKind>,
    author: &'a Option<String>,
    author_name: &'a Option<String>,
    signature: &'static str,
    certification: &'static str,
    certified_by: Option<String>,
    certification_note: Option<String>,
    problem: Option<&'a str>,
    time: Option<i64>,
    conflicted: bool,
    sensitive: bool,
    content: serde_json::Value,
    summary: String,
}

impl Serialize for EntryView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (certification, certified_by, certification_note) = match &self.certification {
            Certification::Certified { school, .. } => {
                ("certified", Some(school.to_string()), None)
            }
            Certification::Uncertified(why) => ("uncertified", None, Some(why.localized(Lang::Fr))),
        };
        EntryJson {
            key: &self.key,
            kind: self.kind(),
            author: &self.author,
            author_name: &self.author_name,
            signature: self.signature.as_str(),
            certification,
            certified_by,
            certification_note,
            problem: match &self.signature {
                SignatureStatus::Invalid(why) => Some(why),
                _ => None,
            },
            time: self.time,
            conflicted: self.conflicted,
            sensitive: self.sensitive,
            content: self.content_json(),
            summary: self.localized(Lang::Fr),
        }
        .serialize(s)
    }
}

/// One section as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionView {
    /// The section (its label for people through [`Localized`]).
    pub section: Section,
    /// Whether it is a sensitive section.
    pub sensitive: bool,
    /// Its entries.
    pub entries: Vec<EntryView>,
}

#[derive(serde::Serialize)]
struct SectionJson<'a> {
    section: String,
    label: String,
    sensitive: bool,
    entries: &'a [EntryView],
}

impl Serialize for SectionView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SectionJson {
            section: self.section.to_string(),
            label: self.section.localized(Lang::Fr),
            sensitive: self.sensitive,
            entries: &self.entries,
        }
        .serialize(s)
    }
}

/// The verdict on one entry of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyStatus {
    /// A valid signature, certified by a school this device trusts.
    Certified,
    /// A valid signature by a key this device knows.
    Valid,
    /// A valid signature by a key no trusted school vouches for and this device does not know.
    Uncertified,
    /// Tampered or forged.
    Invalid,
}

impl VerifyStatus {
    /// `certified`, `valid`, `uncertified` or `invalid` (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyStatus::Certified => "certified",
            VerifyStatus::Valid => "valid",
            VerifyStatus::Uncertified => "uncertified",
            VerifyStatus::Invalid => "invalid",
        }
    }
}

impl Localized for VerifyStatus {
    fn localized(&self, lang: Lang) -> String {
        match self {
            VerifyStatus::Certified => lang.pick("certifiée", "certified"),
            VerifyStatus::Valid => lang.pick("valide", "valid"),
            VerifyStatus::Uncertified => lang.pick("non certifiée", "uncertified"),
            VerifyStatus::Invalid => lang.pick("INVALIDE", "INVALID"),
        }
        .to_string()
    }
}

/// Why an entry is not certified, or does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyReason {
    /// Nothing to say (certified).
    None,
    /// Why no trusted school vouches for it.
    NotCertified(NotCertified),
    /// How it is tampered or forged (the core's words, in French).
    Problem(String),
}

impl Localized for VerifyReason {
    fn localized(&self, lang: Lang) -> String {
        match self {
            VerifyReason::None => String::new(),
            VerifyReason::NotCertified(n) => n.localized(lang),
            VerifyReason::Problem(p) => p.clone(),
        }
    }
}

/// One entry's verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// The section.
    pub section: Section,
    /// The entry key.
    pub key: String,
    /// The verdict.
    pub status: VerifyStatus,
    /// Why (for uncertified and invalid).
    pub reason: VerifyReason,
}

#[derive(serde::Serialize)]
struct VerifyJson<'a> {
    section: String,
    key: &'a str,
    status: VerifyStatus,
    reason: String,
}

impl Serialize for VerifyFailure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        VerifyJson {
            section: self.section.to_string(),
            key: &self.key,
            status: self.status,
            reason: self.reason.localized(Lang::Fr),
        }
        .serialize(s)
    }
}

impl VerifyFailure {
    /// The verdict on an entry as shown.
    pub(crate) fn of(section: Section, e: &EntryView) -> VerifyFailure {
        let not_certified = match &e.certification {
            Certification::Uncertified(n) => Some(n.clone()),
            Certification::Certified { .. } => None,
        };
        let (status, reason) = match (&e.signature, not_certified) {
            (SignatureStatus::Invalid(why), _) => {
                (VerifyStatus::Invalid, VerifyReason::Problem(why.clone()))
            }
            (_, None) => (VerifyStatus::Certified, VerifyReason::None),
            (SignatureStatus::Valid, Some(n)) => {
                (VerifyStatus::Valid, VerifyReason::NotCertified(n))
            }
            (SignatureStatus::UnknownAuthor, Some(n)) => {
                (VerifyStatus::Uncertified, VerifyReason::NotCertified(n))
            }
        };
        VerifyFailure {
            section,
            key: e.key.clone(),
            status,
            reason,
        }
    }
}

/// A livret as shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LivretView {
    /// The livret id.
    pub livret_id: String,
    /// The child's name as this device knows it.
    pub name: Option<String>,
    /// The class a teacher recorded.
    pub class: Option<String>,
    /// The sections.
    pub sections: Vec<SectionView>,
}
