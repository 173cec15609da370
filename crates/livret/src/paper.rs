//! The paper livret: which entries a device may print (policy), the PDF with a signed seal on
//! every page, and the check of a seal (and of the texts of a PDF) offline.

use std::collections::BTreeMap;

use livret_core::entry::{digest_text, Content, EntryPayload, Verification};
use livret_core::vocab::{AttestationKind, Date, Millesime, Period, Positioning};
use livret_core::{DeviceId, Lang, LivretId, Localized, Section};
use livret_export::pdf::{self, PaperLivret, PrintEntry};
use livret_export::seal;
use serde::Serialize;

use crate::device::Device;
use crate::error::{Error, Result};

/// A paper livret ready to write.
#[derive(Debug, Clone)]
pub struct PaperExport {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// How many pages.
    pub pages: usize,
    /// How many entries are printed.
    pub entries: usize,
    /// The largest QR version of each page's seal (one or two codes a page).
    pub seal_versions: Vec<i16>,
    /// The text of each page's seal (`LIVRET-SCEAU:…`, one line a code).
    pub seals: Vec<String>,
    /// Entries held but not printed, and why (in French).
    pub skipped: Vec<String>,
}

/// What a seal can be read from.
#[derive(Debug, Clone, Copy)]
pub enum SealInput<'a> {
    /// The text form (`LIVRET-SCEAU:…`; a seal in parts: every part's text).
    Text(&'a str),
    /// A picture of the page's seal, every code of it (PNG or JPEG: a photo or a render).
    Png(&'a [u8]),
}

/// The check of one printed text against its signed digest.
#[derive(Debug, Clone, Serialize)]
pub struct TextCheck {
    /// Which text of the entry (0 for an appréciation or synthesis; 0-2 for the identity).
    pub index: usize,
    /// `match`, `mismatch`, `absent` (not found in the PDF) or `empty` (the signed text is
    /// empty: an optional text the entry does not have, not printed).
    pub status: TextStatus,
    /// The page where it was found.
    pub page: Option<usize>,
}

/// Declares a small status enum that serializes (and compares, for tests) as its lowercase
/// name, so the `--json` of `verify-seal` keeps its strings while code decides on a type.
macro_rules! seal_status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// The name in `--json`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, name: &&str) -> bool {
                self.as_str() == *name
            }
        }
    };
}

seal_status!(
    /// Whether an entry of a seal verifies.
    SealSignature {
        /// Its signature verifies.
        Valid => "valid",
        /// It does not open or its signature does not verify.
        Invalid => "invalid",
    }
);

seal_status!(
    /// Whether the device checking a seal knows the author's key for that livret.
    AuthorStatus {
        /// This device holds the livret and knows the key.
        Known => "known",
        /// The signature verifies, but the author is not identified here.
        Unknown => "unknown",
    }
);

seal_status!(
    /// How a sealed text compares with what the PDF prints.
    TextStatus {
        /// The printed text matches its digest.
        Match => "match",
        /// A printed text differs from its digest.
        Mismatch => "mismatch",
        /// Not found in the PDF.
        Absent => "absent",
        /// The signed text is empty (an optional text the entry does not have): not printed.
        Empty => "empty",
    }
);

/// One entry of a seal, as checked.
#[derive(Debug, Clone, Serialize)]
pub struct SealEntryView {
    /// Its number in the seal (as printed beside the entry), from 1.
    pub number: usize,
    /// `valid` or `invalid`.
    pub signature: SealSignature,
    /// Why it is invalid.
    pub problem: Option<String>,
    /// The livret.
    pub livret_id: Option<String>,
    /// The section.
    pub section: Option<String>,
    /// The entry key.
    pub key: Option<String>,
    /// subject, synthesis, vie-scolaire, cycle, attestation, identity...
    pub kind: Option<String>,
    /// What it certifies, in French.
    pub summary: String,
    /// The author's key.
    pub author: Option<String>,
    /// The author's name, when this device knows it.
    pub author_name: Option<String>,
    /// `known` (this device holds the livret and knows the key), `unknown`.
    pub author_status: AuthorStatus,
    /// When it was signed (RFC 3339).
    pub time: Option<String>,
    /// The texts checked against the PDF, when one was given.
    pub texts: Vec<TextCheck>,
}

/// The result of checking a seal.
#[derive(Debug, Clone, Serialize)]
pub struct SealReport {
    /// Each entry.
    pub entries: Vec<SealEntryView>,
    /// Whether a PDF was compared.
    pub pdf_checked: bool,
    /// Every signature verifies (and, with a PDF, every text matches its digest).
    pub ok: bool,
}

fn format_err(e: &impl Localized) -> Error {
    Error::Format {
        fr: e.localized(Lang::Fr),
        en: e.localized(Lang::En),
    }
}

/// The school year an entry belongs to, when it has one.
fn year_of(content: &Content) -> Option<u16> {
    match content {
        Content::Subject { year, .. }
        | Content::Synthesis { year, .. }
        | Content::VieScolaire { year, .. }
        | Content::Cycle { year, .. }
        | Content::EcoleDomain { year, .. }
        | Content::EcoleProject { year, .. }
        | Content::EcoleAppreciation { year, .. } => Some(*year),
        Content::Attestation { date, .. } => Date::parse(date)
            .ok()
            .and_then(|d| Millesime::of_date(d).ok())
            .map(Millesime::year),
        _ => None,
    }
}

fn period_of(content: &Content) -> Option<(u8, u8)> {
    match content {
        Content::Subject { period, .. }
        | Content::Synthesis { period, .. }
        | Content::VieScolaire { period, .. }
        | Content::EcoleDomain { period, .. }
        | Content::EcoleProject { period, .. }
        | Content::EcoleAppreciation { period, .. } => Some((period.index, period.count)),
        _ => None,
    }
}

impl Device {
    /// The paper livret of `livret` as this device may print it: every section it holds and
    /// may read now (the family: everything; a grantee: what its grant covers), the sensitive
    /// section only if the family opened it, messages never. `year` keeps one school year,
    /// `period` (`I/N`, with a year) one period of it. Entries that do not verify are not
    /// printed and are listed in `skipped`.
    pub fn export_pdf(
        &self,
        livret: LivretId,
        year: Option<u16>,
        period: Option<&str>,
    ) -> Result<PaperExport> {
        let meta = self.meta(livret)?;
        let year = year
            .map(|y| Millesime::new(y).map_err(|e| e.with_field("year")))
            .transpose()?;
        let period = period.map(Period::parse).transpose()?;
        if period.is_some() && year.is_none() {
            return Err(livret_core::vocab::ValidationError::new(
                "year",
                livret_core::vocab::Rule::Empty,
            )
            .into());
        }
        let manifest = self.manifest(livret)?;
        let me = self.device_id();
        let now = self.now();
        let known = |k: &DeviceId| *k == me || manifest.knows_author(k);
        let names: BTreeMap<String, String> = self
            .show(livret)?
            .sections
            .into_iter()
            .flat_map(|s| s.entries)
            .filter_map(|e| Some((e.author?, e.author_name?)))
            .collect();
        let mut entries = Vec::new();
        let mut skipped = Vec::new();
        for section in self.section_names(livret)? {
            if section == Section::Correspondance {
                continue;
            }
            if !manifest.may_read(&me, section, now).allowed() {
                skipped.push(format!(
                    "section {section} : cet appareil n'a plus le droit de la lire"
                ));
                continue;
            }
            match (year, section) {
                (Some(y), Section::Annee(s) | Section::VieScolaire(s)) if s != y.year() => continue,
                _ => {}
            }
            let Some(doc) = self.load_section(livret, section)? else {
                continue;
            };
            let mut seen = std::collections::BTreeSet::new();
            for checked in doc.checked_entries(livret, section, &known) {
                // One value per key: the winner (concurrent versions are shown by `show`).
                if !seen.insert(checked.key.clone()) {
                    continue;
                }
                let (Some(opened), Some(signed)) = (&checked.opened, checked.signed) else {
                    skipped.push(format!("{section} {} : illisible", checked.key));
                    continue;
                };
                if let Verification::Invalid(why) = &checked.verification {
                    skipped.push(format!("{section} {} : {why}", checked.key));
                    continue;
                }
                let content = &opened.payload.content;
                if let Some(y) = year {
                    if year_of(content).is_some_and(|ey| ey != y.year()) {
                        continue;
                    }
                }
                if let Some(p) = period {
                    if period_of(content).is_some_and(|ep| ep != (p.index(), p.count())) {
                        continue;
                    }
                    if matches!(content, Content::Cycle { .. } | Content::Attestation { .. }) {
                        continue;
                    }
                }
                let author = opened.payload.author_id().to_string();
                entries.push(PrintEntry {
                    author_name: names.get(&author).cloned(),
                    signed,
                });
            }
        }
        let scope = match (year, period) {
            (Some(y), Some(p)) => {
                format!("Année scolaire {}, {}", y.label(), p.label().to_lowercase())
            }
            (Some(y), None) => format!("Année scolaire {}", y.label()),
            _ => "Livret complet (tout ce que cet appareil détient)".to_string(),
        };
        let paper = PaperLivret {
            livret_id: livret.to_string(),
            name: meta.name.clone(),
            class: meta.class.clone(),
            printed_on: Date::from_unix_seconds(now)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            printed_by: self.name().to_string(),
            scope,
            entries,
        };
        let out = pdf::render(&paper).map_err(|e| format_err(&e))?;
        Ok(PaperExport {
            entries: paper.entries.len(),
            pages: out.pages.len(),
            seal_versions: out.pages.iter().map(|p| p.qr_version).collect(),
            seals: out.pages.iter().map(|p| p.seal.clone()).collect(),
            pdf: out.pdf,
            skipped,
        })
    }

    /// What this device knows of an author of `livret`: its name and whether the key is known.
    fn seal_author(&self, livret: LivretId, author: &DeviceId) -> (Option<String>, bool) {
        if *author == self.device_id() {
            return (Some(self.name().to_string()), true);
        }
        let Ok(manifest) = self.manifest(livret) else {
            return (None, false);
        };
        if !manifest.knows_author(author) {
            return (None, false);
        }
        let name = manifest
            .owners()
            .get(author)
            .map(|n| {
                if n.is_empty() {
                    "famille".into()
                } else {
                    n.clone()
                }
            })
            .or_else(|| {
                manifest
                    .grants()
                    .find(|g| g.audience_id() == *author && !g.audience_name.is_empty())
                    .map(|g| g.audience_name.clone())
            });
        (name, true)
    }
}

fn french_date(secs: i64) -> String {
    crate::sharing::rfc3339(secs)
}

/// What a signed payload certifies, in French (the texts themselves are not in a seal: only
/// their digests).
pub fn seal_summary(p: &EntryPayload) -> String {
    let period = |i: u8, n: u8| {
        Period::new(i, n)
            .map(|p| p.label())
            .unwrap_or_else(|_| format!("période {i}/{n}"))
    };
    let year = |y: u16| format!("{}-{}", y, u32::from(y) + 1);
    match &p.content {
        Content::Subject {
            year: y,
            period: pr,
            code,
            label,
            level,
            mark,
            ..
        } => {
            let eval = match (level, mark) {
                (Some(l), _) => Positioning::from_value(*l)
                    .map(|x| format!("positionnement {l} ({})", x.label()))
                    .unwrap_or_else(|_| format!("positionnement {l}")),
                (None, Some(m)) => format!("note {m}"),
                _ => String::new(),
            };
            format!(
                "{label} ({code}), {}, année {} : {eval} ; appréciation par empreinte",
                period(pr.index, pr.count),
                year(*y)
            )
        }
        Content::Synthesis { year: y, period: pr, .. } => format!(
            "Synthèse, {}, année {} (texte par empreinte)",
            period(pr.index, pr.count),
            year(*y)
        ),
        Content::VieScolaire {
            year: y,
            period: pr,
            late,
            justified,
            unjustified,
            ..
        } => format!(
            "Vie scolaire, {}, année {} : {late} retard(s), {justified} demi-journée(s) d'absence justifiée(s), {unjustified} non justifiée(s)",
            period(pr.index, pr.count),
            year(*y)
        ),
        Content::Cycle {
            cycle,
            year: y,
            levels,
            ..
        } => {
            let lv: Vec<String> = livret_core::vocab::SocleComponent::ALL
                .iter()
                .zip(levels.iter())
                .map(|(c, l)| format!("{}={l}", c.code()))
                .collect();
            format!(
                "Bilan de fin de cycle {cycle}, année {} : {} (synthèse par empreinte)",
                year(*y),
                lv.join(", ")
            )
        }
        Content::Attestation { kind, date } => {
            let label = AttestationKind::parse(kind)
                .map(|k| k.label().to_string())
                .unwrap_or_else(|_| kind.clone());
            format!("{label}, obtenue le {date}")
        }
        Content::Identity { .. } => {
            "Identité de l'enfant (nom, date de naissance, INE par empreinte)".into()
        }
        Content::EcoleDomain {
            year: y,
            period: pr,
            cycle,
            domain,
            sub_domain,
            objectives,
            level,
            ..
        } => {
            let sub = sub_domain.as_ref().map(|s| format!("/{s}")).unwrap_or_default();
            let level = level
                .map(|l| format!(" ; positionnement {l}"))
                .unwrap_or_default();
            format!(
                "École, cycle {cycle}, domaine {domain}{sub}, {}, année {} : {} objectif(s){level} ; appréciation par empreinte",
                period(pr.index, pr.count),
                year(*y),
                objectives.len()
            )
        }
        Content::EcoleProject {
            year: y, period: pr, ..
        } => format!(
            "Projet, {}, année {} (intitulé et texte par empreinte)",
            period(pr.index, pr.count),
            year(*y)
        ),
        Content::EcoleAppreciation {
            year: y, period: pr, ..
        } => format!(
            "Appréciation générale, {}, année {} (texte par empreinte)",
            period(pr.index, pr.count),
            year(*y)
        ),
        other => format!("Inscription « {} »", other.kind()),
    }
}

/// Checks a seal offline: decodes it, verifies each short form (signature by its stated
/// author; section and key consistent with the content), tells which authors `device` knows
/// (when it holds the livret), and, given the PDF the seal comes from, whether each printed
/// text matches its signed digest.
pub fn verify_seal(
    input: SealInput<'_>,
    pdf_bytes: Option<&[u8]>,
    device: Option<&Device>,
) -> Result<SealReport> {
    let forms = match input {
        SealInput::Text(t) => seal::decode(t),
        SealInput::Png(b) => seal::decode_png(b),
    }
    .map_err(|e| format_err(&e))?;
    let recovered = pdf_bytes
        .map(pdf::recover_texts)
        .transpose()
        .map_err(|e| format_err(&e))?;
    let mut ok = true;
    let mut entries = Vec::new();
    for (i, checked) in seal::verify(&forms).into_iter().enumerate() {
        let valid = checked.is_valid();
        ok &= valid;
        let p = checked.payload.as_ref();
        let (author_name, known) = match (p, device) {
            (Some(p), Some(d)) => d.seal_author(p.livret_id(), &p.author_id()),
            _ => (None, false),
        };
        let mut texts = Vec::new();
        if let (Some(p), Some(rec)) = (p, &recovered) {
            for (index, digest) in p.content.digests().iter().enumerate() {
                let found: Vec<_> = rec
                    .iter()
                    .filter(|r| {
                        r.key == p.key && r.section == p.section.to_string() && r.index == index
                    })
                    .collect();
                let (status, page) = match found.first() {
                    // An empty text (an optional one the entry does not have) is not printed.
                    None if *digest == digest_text("") => (TextStatus::Empty, None),
                    None => (TextStatus::Absent, None),
                    Some(_) => match found.iter().find(|r| seal::text_matches(p, index, &r.text)) {
                        Some(r) if found.iter().all(|x| seal::text_matches(p, index, &x.text)) => {
                            (TextStatus::Match, Some(r.page))
                        }
                        _ => (
                            TextStatus::Mismatch,
                            found
                                .iter()
                                .find(|r| !seal::text_matches(p, index, &r.text))
                                .map(|r| r.page),
                        ),
                    },
                };
                ok &= matches!(status, TextStatus::Match | TextStatus::Empty);
                texts.push(TextCheck {
                    index,
                    status,
                    page,
                });
            }
        }
        entries.push(SealEntryView {
            number: i + 1,
            signature: if valid {
                SealSignature::Valid
            } else {
                SealSignature::Invalid
            },
            problem: checked.problem.clone(),
            livret_id: p.map(|p| p.livret_id().to_string()),
            section: p.map(|p| p.section.to_string()),
            key: p.map(|p| p.key.clone()),
            kind: p.map(|p| p.content.kind().to_string()),
            summary: p.map(seal_summary).unwrap_or_else(|| "illisible".into()),
            author: p.map(|p| p.author_id().to_string()),
            author_name,
            author_status: if known {
                AuthorStatus::Known
            } else {
                AuthorStatus::Unknown
            },
            time: p.map(|p| french_date(p.time)),
            texts,
        });
    }
    Ok(SealReport {
        entries,
        pdf_checked: pdf_bytes.is_some(),
        ok,
    })
}
