//! Creating, reading, verifying and writing livrets.

use livret_core::cert::{Certification, NotCertified};
use livret_core::content::{self, Draft};
use livret_core::doc::{ManifestDoc, SectionDoc};
use livret_core::entry::SignedEntry;
use livret_core::grant::{Genesis, ManifestRecord};
use livret_core::vocab::{
    AttestationKind, Cycle, CycleSynthesis, Date, Discipline, DisciplineCode, DisciplineLabel, Ine,
    Mark, Millesime, Period, PersonName, SocleLevels,
};
use livret_core::SignedRecord;
use livret_core::{DeviceId, LivretId, Role, Section};
use rayon::prelude::*;
use serde::Serialize;

use crate::audit::AuditAction;
use crate::device::{random16, Device, LivretMeta, Relation};
use crate::error::{Error, Result};
use crate::views::{EntryContent, EntryView, LivretView, SectionView, VerifyFailure, VerifyStatus};

/// One livret in a list.
#[derive(Debug, Clone, Serialize)]
pub struct LivretSummary {
    /// The livret id.
    pub livret_id: String,
    /// The child's name as this device knows it.
    pub name: Option<String>,
    /// The sections held.
    pub sections: Vec<String>,
    /// `owner` or `grantee`.
    pub relation: Relation,
    /// The class a teacher recorded.
    pub class: Option<String>,
}

/// The result of verifying a livret.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// How many entries were checked.
    pub checked: usize,
    /// How many have a valid signature.
    pub valid: usize,
    /// How many are certified by a trusted school.
    pub certified: usize,
    /// Every entry with its status.
    pub entries: Vec<VerifyFailure>,
    /// The entries that do not verify (tampered or forged).
    pub failures: Vec<VerifyFailure>,
}

impl VerifyReport {
    /// The report on a livret's view: every entry with its status, the failures apart.
    fn of(view: LivretView) -> VerifyReport {
        let mut report = VerifyReport {
            checked: 0,
            valid: 0,
            certified: 0,
            entries: vec![],
            failures: vec![],
        };
        for s in view.sections {
            for e in s.entries {
                let item = VerifyFailure::of(s.section, &e);
                report.checked += 1;
                if item.status != VerifyStatus::Invalid {
                    report.valid += 1;
                }
                if item.status == VerifyStatus::Certified {
                    report.certified += 1;
                }
                if item.status == VerifyStatus::Invalid {
                    report.failures.push(item.clone());
                }
                report.entries.push(item);
            }
        }
        report
    }
}

/// A section's checked entries.
type CheckedSection = (Section, Vec<livret_core::doc::CheckedEntry>);

/// A livret as read from the store, before its sections are loaded and checked.
struct StoredLivret {
    livret: LivretId,
    meta: LivretMeta,
    manifest: livret_core::grant::Manifest,
    me: DeviceId,
    reading: livret_core::entry::Reading,
    sections: Vec<(Section, livret_store::SectionData)>,
}

impl StoredLivret {
    /// Each section loaded and its entries checked, side by side on rayon's threads (a
    /// livret's reading is mostly its signatures and Automerge's loading), in order.
    fn checked(&self) -> Vec<Result<CheckedSection>> {
        let known = |k: &DeviceId| *k == self.me || self.manifest.knows_author(k);
        self.sections
            .par_iter()
            .map(|(section, data)| {
                let doc = SectionDoc::load(&data.snapshot, &data.increments)?;
                Ok((
                    *section,
                    doc.checked_entries_as(self.reading, self.livret, *section, &known),
                ))
            })
            .collect()
    }
}

impl Device {
    /// Creates a livret for a child (family device): a random id, a signed genesis record, and
    /// the identity section signed by this device. Returns the livret id.
    pub fn add_child(&mut self, name: &str, birth: &str, ine: Option<&str>) -> Result<LivretId> {
        self.require_role(Role::Family)?;
        let name = PersonName::parse(name)?;
        let birth = Date::parse(birth).map_err(|e| e.with_field("birth"))?;
        let ine = ine.map(Ine::parse).transpose()?;
        let now = self.now();
        if birth.unix_seconds_start() > now {
            return Err(livret_core::vocab::ValidationError::new(
                "birth",
                livret_core::vocab::Rule::BadDate,
            )
            .into());
        }
        let (livret, genesis_bytes) = Genesis::create(&self.identity.secret, random16(), now);
        let genesis = Genesis::open(&genesis_bytes)?;
        let mut manifest = ManifestDoc::new();
        manifest.add(&ManifestRecord::Genesis(genesis), &genesis_bytes)?;
        // The family's recovery key, if a sheet was printed, owns every new livret too.
        if let Some((record, bytes)) = self.recovery_owner_record(livret, now)? {
            manifest.add(&record, &bytes)?;
        }
        let draft = content::identity(&name, birth, ine.as_ref());
        let mut identity = SectionDoc::new();
        let entry = self.sign_draft(livret, &draft);
        identity.put(&draft.key, &entry)?;
        let meta = LivretMeta {
            relation: Relation::Owner,
            name: Some(name.as_str().to_string()),
            class: None,
            peers: vec![],
            owners: vec![],
            introduce: false,
        };
        let (m_snap, i_snap) = (manifest.save(), identity.save());
        let meta_bytes = serde_json::to_vec(&meta).map_err(|e| Error::Protocol(e.to_string()))?;
        let id = livret.to_string();
        self.store.transaction(|tx| -> Result<()> {
            tx.put_section_snapshot(&id, crate::device::MANIFEST, &m_snap)?;
            tx.put_section_snapshot(&id, &Section::Identite.to_string(), &i_snap)?;
            tx.put_record("livret", &id, Some(&id), &meta_bytes)?;
            Ok(())
        })?;
        self.audit_event(
            Some(livret),
            None,
            None,
            AuditAction::Created,
            true,
            "livret créé",
        );
        Ok(livret)
    }

    pub(crate) fn sign_draft(&self, livret: LivretId, draft: &Draft) -> SignedEntry {
        let mut entry = SignedEntry::sign(
            &self.identity.secret,
            livret,
            draft.section,
            &draft.key,
            draft.content.clone(),
            draft.texts.clone(),
            self.now(),
        );
        // A teacher's entries carry its school's certificate, when it has a valid one.
        entry.certificate = self.current_certificate_bytes();
        entry
    }

    /// The livrets this device holds.
    pub fn list(&self) -> Result<Vec<LivretSummary>> {
        let mut out = Vec::new();
        // Every livret's section names in one read (a teacher may hold 600 livrets).
        let mut names = self.store.sections_of_all()?;
        for (livret, meta) in self.held_livrets()? {
            let mut sections: Vec<Section> = names
                .remove(&livret.to_string())
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect();
            sections.sort();
            out.push(LivretSummary {
                livret_id: livret.to_string(),
                name: meta.name,
                sections: sections.iter().map(|s| s.to_string()).collect(),
                relation: meta.relation,
                class: meta.class,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.livret_id.cmp(&b.livret_id)));
        Ok(out)
    }

    /// Who wrote what, as this device knows the keys of a livret.
    fn author_name(
        &self,
        manifest: &livret_core::grant::Manifest,
        key: &DeviceId,
    ) -> Option<String> {
        if *key == self.device_id() {
            return Some(self.name().to_string());
        }
        if let Some(n) = manifest.owners().get(key) {
            return Some(if n.is_empty() {
                "famille".into()
            } else {
                n.clone()
            });
        }
        manifest
            .grants()
            .find(|g| g.audience_id() == *key && !g.audience_name.is_empty())
            .map(|g| g.audience_name.clone())
    }

    /// A livret's sections and entries, each with its author and signature status.
    pub fn show(&self, livret: LivretId) -> Result<LivretView> {
        let stored = self.stored_livret(livret)?;
        let checked = stored.checked();
        self.livret_view(stored, checked, &self.trusted_schools())
    }

    /// What reading a livret needs from the store (read on this thread: the store is its own).
    fn stored_livret(&self, livret: LivretId) -> Result<StoredLivret> {
        let mut sections = Vec::new();
        let l = livret.to_string();
        for section in self.section_names(livret)? {
            if let Some(data) = self.store.load_section(&l, &section.to_string())? {
                sections.push((section, data));
            }
        }
        Ok(StoredLivret {
            livret,
            meta: self.meta(livret)?,
            manifest: self.manifest(livret)?,
            me: self.device_id(),
            // A jury's device holds extracts, whose texts naming the child are withheld;
            // nowhere else may a text be.
            reading: if self.role() == Role::Jury {
                livret_core::entry::Reading::Extract
            } else {
                livret_core::entry::Reading::Full
            },
            sections,
        })
    }

    /// The view of a livret from its checked sections: authors' names and certification by
    /// the `trusted` schools.
    fn livret_view(
        &self,
        stored: StoredLivret,
        checked: Vec<Result<CheckedSection>>,
        trusted: &[DeviceId],
    ) -> Result<LivretView> {
        let mut sections = Vec::new();
        for found in checked {
            let (section, checked) = found?;
            let mut entries = Vec::new();
            for checked in checked {
                let author_name = checked
                    .author
                    .and_then(|a| self.author_name(&stored.manifest, &a));
                let certification = match (&checked.opened, &checked.signed) {
                    (Some(o), Some(signed)) => livret_core::cert::certify(
                        signed.certificate.as_deref(),
                        &o.payload.author_id(),
                        o.payload.time,
                        trusted,
                    ),
                    _ => Certification::Uncertified(NotCertified::Unreadable),
                };
                entries.push(EntryView {
                    key: checked.key,
                    author: checked.author.map(|a| a.to_string()),
                    author_name,
                    signature: checked.verification.into(),
                    certification,
                    time: checked.opened.as_ref().map(|o| o.payload.time),
                    conflicted: checked.conflicted,
                    sensitive: section.is_sensitive(),
                    content: checked
                        .opened
                        .as_ref()
                        .map(|o| EntryContent::new(&o.payload.content, &o.texts)),
                });
            }
            if section == Section::Correspondance {
                // A conversation reads in the order it was written.
                entries.sort_by_key(|e| e.time);
            }
            sections.push(SectionView {
                section,
                sensitive: section.is_sensitive(),
                entries,
            });
        }
        Ok(LivretView {
            livret_id: stored.livret.to_string(),
            name: stored.meta.name,
            class: stored.meta.class,
            sections,
        })
    }

    /// Verifies every entry of a livret: signatures, texts, places, and certification by the
    /// schools this device trusts. Failures are the entries that do not verify.
    pub fn verify(&self, livret: LivretId) -> Result<VerifyReport> {
        Ok(VerifyReport::of(self.show(livret)?))
    }

    /// Verifies every livret this device holds, each as [`Device::verify`] does, in the order
    /// of [`Device::list`]. The livrets are read from the store a few at a time while those
    /// read before are checked on the other cores (a teacher may hold 600 livrets). A livret
    /// that cannot be read (a damaged document) has its error in its place; the others are
    /// verified all the same.
    pub fn verify_all(&self) -> Result<Vec<(LivretId, Result<VerifyReport>)>> {
        /// Livrets read from the store at a time.
        const GROUP: usize = 8;
        let trusted = self.trusted_schools();
        let livrets: Vec<LivretId> = self.held_livrets()?.into_iter().map(|(l, _)| l).collect();
        let mut groups = livrets.chunks(GROUP);
        let read = |group: Option<&[LivretId]>| -> Vec<(LivretId, Result<StoredLivret>)> {
            group
                .unwrap_or_default()
                .iter()
                .map(|l| (*l, self.stored_livret(*l)))
                .collect()
        };
        let mut out = Vec::with_capacity(livrets.len());
        let mut ready = read(groups.next());
        while !ready.is_empty() {
            let mut checked = Vec::new();
            let mut next = Vec::new();
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| {
                    checked = ready
                        .par_iter()
                        .map(|(_, stored)| stored.as_ref().ok().map(StoredLivret::checked))
                        .collect::<Vec<_>>();
                });
                next = read(groups.next());
            });
            for ((livret, stored), checked) in ready.into_iter().zip(checked) {
                let report = stored.and_then(|stored| {
                    let view = self.livret_view(stored, checked.unwrap_or_default(), &trusted)?;
                    Ok(VerifyReport::of(view))
                });
                out.push((livret, report));
            }
            ready = next;
        }
        Ok(out)
    }

    /// Everything the device holds of a livret, as JSON (entries with their signed forms):
    /// see `portability.rs` and `docs/export-livret.schema.json`.
    pub fn export_json(&self, livret: LivretId) -> Result<serde_json::Value> {
        self.portable_export(livret)
    }

    /// The words that identify the child (name, first name, birth date, INE), from the
    /// identity section and the livret's metadata: texts holding them are withheld from
    /// extracts.
    pub(crate) fn identifying_words(&self, livret: LivretId) -> Result<Vec<String>> {
        let mut words = Vec::new();
        if let Some(name) = self.meta(livret)?.name {
            words.push(name);
        }
        if let Some(doc) = self.load_section(livret, Section::Identite)? {
            for stored in doc.entries() {
                for entry in stored.values.into_iter().flatten() {
                    for t in &entry.texts {
                        if t.is_empty() {
                            continue;
                        }
                        words.push(t.clone());
                        // A birth date is also written day/month/year.
                        if let Ok(d) = livret_core::vocab::Date::parse(t) {
                            words.push(format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()));
                        }
                    }
                }
            }
        }
        Ok(words)
    }

    /// Every signed entry of a livret with its place (for extracts, seals, demonstrations).
    pub fn signed_entries(&self, livret: LivretId) -> Result<Vec<(Section, String, SignedEntry)>> {
        let mut out = Vec::new();
        for section in self.section_names(livret)? {
            if let Some(doc) = self.load_section(livret, section)? {
                for stored in doc.entries() {
                    for value in stored.values.into_iter().flatten() {
                        out.push((section, stored.key.clone(), value));
                    }
                }
            }
        }
        Ok(out)
    }

    /// A section document as stored (benchmarks compare it with bare Automerge).
    #[doc(hidden)]
    pub fn section_doc_for_bench(&self, livret: LivretId, section: Section) -> Result<SectionDoc> {
        self.load_section(livret, section)?
            .ok_or_else(|| Error::UnknownLivret(format!("{livret}/{section}")))
    }

    /// Writes one more entry (a subject of the third period) for the incremental benchmark.
    #[doc(hidden)]
    pub fn attest_or_assess_for_bench(&mut self, livret: LivretId) {
        let _ = self.assess(
            livret,
            2025,
            "3/3",
            "GRECAN",
            None,
            Some(3),
            None,
            "Une nouvelle appréciation.",
        );
    }

    // ---- writing entries -------------------------------------------------------------------

    /// Writes a signed entry in this device's copy, if the policy lets this device write there
    /// (a batch of one: the same checks and the same store path as a grid or an import).
    pub(crate) fn write_draft(&mut self, livret: LivretId, draft: &Draft) -> Result<String> {
        let item = crate::BatchWrite {
            livret,
            draft: draft.clone(),
        };
        self.write_batch(&[item], crate::BatchMode::PerEntry)?
            .pop()
            .unwrap_or_else(|| Err(Error::UnknownLivret(livret.to_string())))
    }

    /// Writes an entry without asking the local policy, as a modified client could. For tests
    /// of the receiving side's checks only.
    #[doc(hidden)]
    pub fn write_draft_unchecked(&mut self, livret: LivretId, draft: &Draft) -> Result<String> {
        self.meta(livret)?;
        let entry = self.sign_draft(livret, draft);
        let mut doc = self
            .load_section(livret, draft.section)?
            .unwrap_or_default();
        doc.put(&draft.key, &entry)?;
        self.save_section(livret, draft.section, &mut doc)?;
        self.audit_event(
            Some(livret),
            None,
            Some(&draft.section.to_string()),
            AuditAction::Written,
            true,
            &draft.key,
        );
        Ok(draft.key.clone())
    }

    /// A subject's positioning or mark and appréciation for a period (teacher).
    #[allow(clippy::too_many_arguments)]
    pub fn assess(
        &mut self,
        livret: LivretId,
        year: u16,
        period: &str,
        subject: &str,
        label: Option<&str>,
        level: Option<u8>,
        mark: Option<&str>,
        text: &str,
    ) -> Result<String> {
        let draft = drafts::assessment(year, period, subject, label, level, mark, text)?;
        self.write_draft(livret, &draft)
    }

    /// The synthesis and advice of a period (teacher).
    pub fn synthesis(
        &mut self,
        livret: LivretId,
        year: u16,
        period: &str,
        text: &str,
    ) -> Result<String> {
        let draft = drafts::synthesis(year, period, text)?;
        self.write_draft(livret, &draft)
    }

    /// Late arrivals and half-days of absence of a period (teacher).
    pub fn vie_scolaire(
        &mut self,
        livret: LivretId,
        year: u16,
        period: &str,
        late: u16,
        justified: u16,
        unjustified: u16,
    ) -> Result<String> {
        let draft = drafts::vie_scolaire(year, period, late, justified, unjustified)?;
        self.write_draft(livret, &draft)
    }

    /// A bilan de fin de cycle (teacher).
    pub fn cycle(
        &mut self,
        livret: LivretId,
        cycle: u8,
        year: u16,
        levels: &str,
        synthesis: &str,
    ) -> Result<String> {
        let cycle = Cycle::from_value(cycle)?;
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let levels = SocleLevels::parse(levels)?;
        let text = CycleSynthesis::parse(synthesis).map_err(|e| e.with_field("synthesis"))?;
        let draft = content::cycle(cycle, year, &levels, &text);
        self.write_draft(livret, &draft)
    }

    /// Livret scolaire du lycée: a subject's average, class statistics and annual appréciation
    /// (teacher).
    #[allow(clippy::too_many_arguments)]
    pub fn lycee_subject(
        &mut self,
        livret: LivretId,
        year: u16,
        period: &str,
        subject: &str,
        label: Option<&str>,
        average: &str,
        class_stats: [&str; 3],
        text: &str,
    ) -> Result<String> {
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let period = Period::parse(period)?;
        let discipline = discipline_of(subject, label)?;
        let average = Mark::parse(average).map_err(|e| e.with_field("average"))?;
        let fields = ["class-average", "class-min", "class-max"];
        let mut stats = Vec::new();
        for (value, field) in class_stats.iter().zip(fields) {
            stats.push(Mark::parse(value).map_err(|e| e.with_field(field))?);
        }
        let text = livret_core::vocab::LyceeText::parse(text)?;
        let draft = content::lycee_subject(
            year,
            period,
            &discipline,
            &average,
            [&stats[0], &stats[1], &stats[2]],
            &text,
        );
        self.write_draft(livret, &draft)
    }

    /// Livret scolaire du lycée: engagement, the head's opinion, the opinion for the exam
    /// (teacher: the professeur principal writes what the head decided).
    pub fn lycee_opinion(
        &mut self,
        livret: LivretId,
        year: u16,
        engagement: &str,
        head: &str,
        exam: &str,
    ) -> Result<String> {
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let engagement = livret_core::vocab::LyceeText::parse(engagement)
            .map_err(|e| e.with_field("engagement"))?;
        let head = livret_core::vocab::LyceeText::parse(head).map_err(|e| e.with_field("head"))?;
        let exam = livret_core::vocab::ExamOpinion::parse(exam)?;
        let draft = content::lycee_opinion(year, &engagement, &head, exam);
        self.write_draft(livret, &draft)
    }

    /// An attestation obtained (teacher).
    pub fn attest(&mut self, livret: LivretId, kind: &str, date: &str) -> Result<String> {
        let kind = AttestationKind::parse(kind)?;
        let date = Date::parse(date)?;
        let draft = content::attestation(kind, date);
        self.write_draft(livret, &draft)
    }

    /// Writes a message in `correspondance`: from the family (an owner) to the teachers it
    /// granted that section, or from a teacher holding a write grant on it. Each message is its
    /// own entry (a random id), listed in the order written.
    pub fn message(&mut self, livret: LivretId, text: &str) -> Result<String> {
        let draft = content::message(text, crate::device::random_bytes())?;
        self.write_draft(livret, &draft)
    }
}

fn discipline_of(subject: &str, label: Option<&str>) -> Result<Discipline> {
    let code = DisciplineCode::parse(subject)?;
    Ok(match label {
        Some(l) => Discipline {
            code,
            label: DisciplineLabel::parse(l)?,
        },
        None => match Discipline::known(&code) {
            Some(d) => d,
            None => Discipline {
                label: DisciplineLabel::parse(code.as_str())?,
                code,
            },
        },
    })
}

/// Entries built from what a person typed, checked against the official vocabulary but not
/// written: a front end builds a batch from them ([`Device::write_batch`]), and shows each
/// cell's error where it is.
pub mod drafts {
    use livret_core::content::{self, Draft};
    use livret_core::vocab::{
        Appreciation, Evaluation, Mark, Millesime, Period, Positioning, Synthesis, VieScolaire,
    };

    use crate::error::Result;

    /// A subject's positioning (1 to 4) or mark, and its appréciation, for a period.
    #[allow(clippy::too_many_arguments)]
    pub fn assessment(
        year: u16,
        period: &str,
        subject: &str,
        label: Option<&str>,
        level: Option<u8>,
        mark: Option<&str>,
        text: &str,
    ) -> Result<Draft> {
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let period = Period::parse(period)?;
        let discipline = super::discipline_of(subject, label)?;
        let evaluation = match (level, mark) {
            (Some(l), None) => Evaluation::Level(Positioning::from_value(l)?),
            (None, Some(m)) => Evaluation::Mark(Mark::parse(m)?),
            _ => {
                return Err(livret_core::vocab::ValidationError::new(
                    "level",
                    livret_core::vocab::Rule::Empty,
                )
                .into())
            }
        };
        let appreciation = Appreciation::parse(text)?;
        Ok(content::subject(
            year,
            period,
            &discipline,
            &evaluation,
            &appreciation,
        ))
    }

    /// The synthesis and advice of a period.
    pub fn synthesis(year: u16, period: &str, text: &str) -> Result<Draft> {
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        Ok(content::synthesis(
            year,
            Period::parse(period)?,
            &Synthesis::parse(text)?,
        ))
    }

    /// Late arrivals and half-days of absence of a period.
    pub fn vie_scolaire(
        year: u16,
        period: &str,
        late: u16,
        justified: u16,
        unjustified: u16,
    ) -> Result<Draft> {
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let counts = VieScolaire::new(late, justified, unjustified)?;
        Ok(content::vie_scolaire(year, Period::parse(period)?, counts))
    }
}
