//! The typed views of a livret that every front end renders (CLI, web app, mobile bridge):
//! entry kind, signature status, certification, content. What people read comes from
//! [`Localized`] (French or English); the JSON form (`--json`, exports) is built here, at the
//! edge, with the field names and spellings the CLI has always printed.

use livret_core::cert::{Certification, NotCertified};
use livret_core::entry::{Content, PeriodRef, ProjectKind, Verification, WITHHELD};
use livret_core::vocab::{
    AttestationKind, ExamOpinion, Modalite, Parcours, Period, Positioning, SocleComponent,
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
    /// LSU: a period's digital skills.
    DigitalSkills,
    /// LSU: a parcours of a period.
    Parcours,
    /// LSU: an EPI of a period.
    Epi,
    /// LSU: an AP of a period.
    Ap,
    /// LSU: the devoirs faits of a period.
    Homework,
    /// LSU: the socle components positioned in a period.
    PeriodSocle,
    /// LSU: the class's common vie scolaire comment of a period.
    ClassVieScolaire,
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
            EntryKind::DigitalSkills => "digital-skills",
            EntryKind::Parcours => "parcours",
            EntryKind::Epi => "epi",
            EntryKind::Ap => "ap",
            EntryKind::Homework => "homework",
            EntryKind::PeriodSocle => "period-socle",
            EntryKind::ClassVieScolaire => "class-vie-scolaire",
            EntryKind::EcoleDomain => "ecole-domain",
            EntryKind::EcoleProject => "ecole-project",
            EntryKind::EcoleAppreciation => "ecole-appreciation",
        }
    }
}

impl EntryKind {
    /// The title of an LSU part of a bilan périodique (digital skills, parcours, EPI, AP,
    /// devoirs faits, periodic socle, the class's vie scolaire comment), in `lang`; `None`
    /// for the other kinds, which front ends title themselves.
    pub fn lsu_part_title(self, lang: Lang) -> Option<&'static str> {
        Some(match self {
            EntryKind::DigitalSkills => lang.pick("Compétences numériques", "Digital skills"),
            EntryKind::Parcours => lang.pick("Parcours éducatif", "Parcours"),
            EntryKind::Epi => lang.pick(
                "Enseignement pratique interdisciplinaire",
                "Interdisciplinary project (EPI)",
            ),
            EntryKind::Ap => lang.pick("Accompagnement personnalisé", "Personalised support"),
            EntryKind::Homework => lang.pick("Devoirs faits", "Homework help (devoirs faits)"),
            EntryKind::PeriodSocle => lang.pick("Socle commun", "Common core (socle)"),
            EntryKind::ClassVieScolaire => lang.pick(
                "Vie scolaire de la classe",
                "The class's attendance comment",
            ),
            _ => return None,
        })
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
    /// LSU: a period's digital skills.
    DigitalSkills {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// Each domain's code (`CN_…`) and level (1 to 3).
        levels: Vec<(String, u8)>,
        /// The appréciation (empty when none).
        appreciation: EntryText,
        /// The class's common text (empty when none).
        common: EntryText,
    },
    /// LSU: a parcours of a period.
    Parcours {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// Its code (`PAR_AVN`…).
        code: String,
        /// The pupil's text (empty when none).
        text: EntryText,
        /// The class's common text (empty when none).
        common: EntryText,
    },
    /// LSU: an EPI or an AP of a period, the pupil's group and the comment on the pupil.
    Project {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// EPI or AP.
        kind: ProjectKind,
        /// The EPI's theme code (empty for an AP).
        theme: String,
        /// The EPI's theme label.
        theme_label: EntryText,
        /// The title.
        title: EntryText,
        /// The description (empty when none).
        description: EntryText,
        /// The disciplines: code, label, modalité.
        disciplines: Vec<(String, String, String)>,
        /// The group's title.
        group: EntryText,
        /// The group's common text (empty when none).
        group_comment: EntryText,
        /// The comment on the pupil (empty when none).
        comment: EntryText,
    },
    /// LSU: the devoirs faits of a period.
    Homework {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// The text.
        text: EntryText,
    },
    /// LSU: the socle components positioned in a period.
    PeriodSocle {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// Each component's code and level (0 to 4).
        levels: Vec<(String, u8)>,
    },
    /// LSU: the class's common vie scolaire comment of a period.
    ClassVieScolaire {
        /// The school year.
        year: u16,
        /// The period.
        period: PeriodRef,
        /// The text.
        text: EntryText,
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

fn levels_json(levels: &[(String, u8)]) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> =
        levels.iter().map(|(c, l)| (c.clone(), json!(l))).collect();
    serde_json::Value::Object(map)
}

/// A quoted text after a dash, or nothing for the empty text.
fn quoted(lang: Lang, label: &str, t: &EntryText) -> String {
    if t.is_empty() {
        return String::new();
    }
    let label = if label.is_empty() {
        String::new()
    } else {
        format!("{label} : ")
    };
    match lang {
        Lang::Fr => format!(" — {label}« {} »", t.localized(lang)),
        Lang::En => format!(" — {}“{}”", label.replace(" : ", ": "), t.localized(lang)),
    }
}

/// A text in quotes.
fn plain(lang: Lang, t: &EntryText) -> String {
    match lang {
        Lang::Fr => format!("« {} »", t.localized(lang)),
        Lang::En => format!("“{}”", t.localized(lang)),
    }
}

/// One line describing an LSU part of a bilan périodique (digital skills, parcours, EPI, AP,
/// devoirs faits, periodic socle, the class's vie scolaire comment).
fn lsu_part_line(c: &EntryContent, lang: Lang) -> String {
    let fr = lang == Lang::Fr;
    let head = |fr_name: &str, en_name: &str, period: &PeriodRef| {
        if fr {
            format!("{fr_name}, {} :", period_label(lang, period))
        } else {
            format!("{en_name}, period {}:", period_text(period))
        }
    };
    let levels_text = |levels: &[(String, u8)]| {
        levels
            .iter()
            .map(|(c, l)| format!("{c}={l}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let class = lang.pick("classe", "class");
    match c {
        EntryContent::DigitalSkills {
            period,
            levels,
            appreciation,
            common,
            ..
        } => format!(
            "{} {}{}{}",
            head("Compétences numériques", "Digital skills", period),
            levels_text(levels),
            quoted(lang, "", appreciation),
            quoted(lang, class, common)
        ),
        EntryContent::Parcours {
            period,
            code,
            text,
            common,
            ..
        } => {
            let label = match (lang, Parcours::parse(code)) {
                (Lang::Fr, Ok(p)) => p.label().to_string(),
                _ => code.clone(),
            };
            format!(
                "{} {label}{}{}",
                head("Parcours", "Parcours", period),
                quoted(lang, "", text),
                quoted(lang, class, common)
            )
        }
        EntryContent::Project {
            period,
            kind,
            theme,
            title,
            group,
            disciplines,
            description,
            group_comment,
            comment,
            ..
        } => {
            let (fr_name, en_name) = match kind {
                ProjectKind::Epi => ("EPI", "EPI"),
                ProjectKind::Ap => ("Accompagnement personnalisé", "Personalised support"),
            };
            let theme = if theme.is_empty() {
                String::new()
            } else {
                format!(" [{theme}]")
            };
            let ds: Vec<&str> = disciplines.iter().map(|(_, l, _)| l.as_str()).collect();
            format!(
                "{} {}{theme} ({}){} {}{}{}{}",
                head(fr_name, en_name, period),
                title.localized(lang),
                ds.join(", "),
                lang.pick(" ; groupe", "; group"),
                group.localized(lang),
                quoted(lang, "", description),
                quoted(lang, lang.pick("groupe", "group"), group_comment),
                quoted(lang, lang.pick("élève", "pupil"), comment)
            )
        }
        EntryContent::Homework { period, text, .. } => format!(
            "{} {}",
            head("Devoirs faits", "Homework help (devoirs faits)", period),
            plain(lang, text)
        ),
        EntryContent::PeriodSocle { period, levels, .. } => format!(
            "{} {}",
            head("Socle commun", "Common core (socle)", period),
            levels_text(levels)
        ),
        EntryContent::ClassVieScolaire { period, text, .. } => format!(
            "{} {}",
            head(
                "Vie scolaire, commentaire de la classe",
                "Attendance, the class's comment",
                period
            ),
            plain(lang, text)
        ),
        _ => String::new(),
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
            Content::Digital {
                year,
                period,
                levels,
                ..
            } => EntryContent::DigitalSkills {
                year: *year,
                period: *period,
                levels: levels.clone(),
                appreciation: t(0),
                common: t(1),
            },
            Content::Parcours {
                year, period, code, ..
            } => EntryContent::Parcours {
                year: *year,
                period: *period,
                code: code.clone(),
                text: t(0),
                common: t(1),
            },
            Content::Project {
                year,
                period,
                kind,
                theme,
                disciplines,
                ..
            } => EntryContent::Project {
                year: *year,
                period: *period,
                kind: *kind,
                theme: theme.clone(),
                title: t(0),
                group: t(1),
                theme_label: t(2),
                description: t(3),
                group_comment: t(4),
                comment: t(5),
                disciplines: disciplines.clone(),
            },
            Content::Homework { year, period, .. } => EntryContent::Homework {
                year: *year,
                period: *period,
                text: t(0),
            },
            Content::PeriodSocle {
                year,
                period,
                levels,
            } => EntryContent::PeriodSocle {
                year: *year,
                period: *period,
                levels: levels.clone(),
            },
            Content::ClassVie { year, period, .. } => EntryContent::ClassVieScolaire {
                year: *year,
                period: *period,
                text: t(0),
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
            EntryContent::DigitalSkills { .. } => EntryKind::DigitalSkills,
            EntryContent::Parcours { .. } => EntryKind::Parcours,
            EntryContent::Project {
                kind: ProjectKind::Epi,
                ..
            } => EntryKind::Epi,
            EntryContent::Project {
                kind: ProjectKind::Ap,
                ..
            } => EntryKind::Ap,
            EntryContent::Homework { .. } => EntryKind::Homework,
            EntryContent::PeriodSocle { .. } => EntryKind::PeriodSocle,
            EntryContent::ClassVieScolaire { .. } => EntryKind::ClassVieScolaire,
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
            | EntryContent::DigitalSkills { period, .. }
            | EntryContent::Parcours { period, .. }
            | EntryContent::Project { period, .. }
            | EntryContent::Homework { period, .. }
            | EntryContent::PeriodSocle { period, .. }
            | EntryContent::ClassVieScolaire { period, .. }
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
            EntryContent::DigitalSkills {
                year,
                period,
                levels,
                appreciation,
                common,
            } => json!({
                "year": year, "period": period_text(period), "levels": levels_json(levels),
                "appreciation": fr(appreciation), "class_text": fr(common),
            }),
            EntryContent::Parcours {
                year,
                period,
                code,
                text,
                common,
            } => json!({
                "year": year, "period": period_text(period), "parcours": code,
                "label": Parcours::parse(code).map(|p| p.label()).unwrap_or("?"),
                "text": fr(text), "class_text": fr(common),
            }),
            EntryContent::Project {
                year,
                period,
                theme,
                theme_label,
                title,
                description,
                disciplines,
                group,
                group_comment,
                comment,
                ..
            } => json!({
                "year": year, "period": period_text(period), "title": fr(title),
                "theme": theme, "theme_label": fr(theme_label), "description": fr(description),
                "disciplines": disciplines.iter().map(|(c, l, m)| json!({"code": c, "label": l, "modality": m})).collect::<Vec<_>>(),
                "group": fr(group), "group_text": fr(group_comment), "comment": fr(comment),
            }),
            EntryContent::Homework { year, period, text }
            | EntryContent::ClassVieScolaire { year, period, text } => json!({
                "year": year, "period": period_text(period), "text": fr(text),
            }),
            EntryContent::PeriodSocle {
                year,
                period,
                levels,
            } => json!({
                "year": year, "period": period_text(period), "levels": levels_json(levels),
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
                let quoted = quoted(lang, "", appreciation);
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
                let comment = comment
                    .as_ref()
                    .map(|c| quoted(lang, "", c))
                    .unwrap_or_default();
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
                let note = quoted(lang, "", note);
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
                let quoted = quoted(lang, "", appreciation);
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
                let (title, quoted) = (tx(title), quoted(lang, "", text));
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
            part => lsu_part_line(part, lang),
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
