//! A teacher's classes: the pupils it holds, by class, and where a period's bilans stand for
//! each pupil and subject (missing, draft, signed, received by the family). Drafts are cells a
//! teacher typed and has not signed yet: kept on this device only (sealed in its store), never
//! sent, removed when the entry is signed.

use std::collections::BTreeSet;

use automerge::ChangeHash;
use livret_core::content;
use livret_core::grant::Decision;
use livret_core::vocab::{DisciplineCode, Millesime, Period};
use livret_core::{LivretId, Section};
use serde::{Deserialize, Serialize};

use crate::device::{Device, Relation};
use crate::error::{Error, Result};

/// The record kind of a teacher's unsigned cells.
pub(crate) const DRAFT_KIND: &str = "cell-draft";
/// The record kind of the heads a peer last told, per document.
const PEER_HEADS_KIND: &str = "peer-heads";
/// The longest text a draft may hold (the official limit is checked when it is signed).
const DRAFT_MAX_CHARS: usize = 4000;

/// Where one bilan of a pupil stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellState {
    /// Nothing written yet.
    Missing,
    /// Typed on this device, not signed yet.
    Draft,
    /// Signed and stored on this device; the family's device has not received it yet.
    Signed,
    /// The family's device holds it (its copy, as of the last sync, already had this entry).
    Received,
}

impl CellState {
    /// The state's name, as in `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            CellState::Missing => "missing",
            CellState::Draft => "draft",
            CellState::Signed => "signed",
            CellState::Received => "received",
        }
    }
}

impl std::fmt::Display for CellState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A class as this device knows it.
#[derive(Debug, Clone, Serialize)]
pub struct ClassSummary {
    /// The class code (`5B`, `6EME_4`).
    pub class: String,
    /// How many pupils' livrets this device holds in it.
    pub pupils: usize,
}

/// One subject of one pupil.
#[derive(Debug, Clone, Serialize)]
pub struct CellStatus {
    /// The subject code.
    pub subject: String,
    /// Where it stands.
    pub state: CellState,
    /// The device that signed the entry this device holds (itself, or a colleague whose entry
    /// arrived by team sync), if there is one.
    pub author: Option<String>,
}

/// One pupil of a class, for one period.
#[derive(Debug, Clone, Serialize)]
pub struct PupilStatus {
    /// The livret id.
    pub livret_id: String,
    /// The pupil's name as the family's grant shares it.
    pub name: Option<String>,
    /// Whether the family granted this device the right to write the year's section.
    pub granted: bool,
    /// Each subject of the class.
    pub subjects: Vec<CellStatus>,
    /// The period's synthesis.
    pub synthesis: CellState,
    /// The period's vie scolaire (its own section).
    pub vie_scolaire: CellState,
}

/// Where a class's bilans stand for a period.
#[derive(Debug, Clone, Serialize)]
pub struct ClassStatus {
    /// The class code.
    pub class: String,
    /// The school year.
    pub year: u16,
    /// The period (`1/3`).
    pub period: String,
    /// The subjects shown: those asked for, and every subject written for any pupil of the
    /// class in that period.
    pub subjects: Vec<String>,
    /// The pupils, by name.
    pub pupils: Vec<PupilStatus>,
    /// The pupils whose family has not granted the year's section to this device yet.
    pub not_granted: Vec<String>,
}

/// A cell a teacher typed and has not signed: what the grid shows again later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellDraft {
    /// The school year.
    pub year: u16,
    /// The period (`1/3`).
    pub period: String,
    /// The subject code.
    pub subject: String,
    /// The positioning (1 to 4), if chosen.
    pub level: Option<u8>,
    /// The mark, if given instead.
    pub mark: Option<String>,
    /// The appréciation as typed so far.
    pub text: String,
}

impl CellDraft {
    /// The entry this draft will become, and so its record id on this device.
    fn place(&self) -> Result<(Section, String)> {
        let year = Millesime::new(self.year).map_err(|e| e.with_field("year"))?;
        let period = Period::parse(&self.period)?;
        let code = DisciplineCode::parse(&self.subject)?;
        Ok((
            Section::Annee(year.year()),
            content::subject_key(period, &code),
        ))
    }
}

/// What a peer holds of one document: the livret, the document's name, its heads there.
pub(crate) type PeerHeads = (LivretId, String, Vec<ChangeHash>);

/// Writes, within `tx`, what `peer` holds of each document, as a session ends (in the
/// transaction of its last records).
pub(crate) fn put_peer_heads(
    tx: &livret_store::StoreTx<'_>,
    peer: &str,
    heads: &[PeerHeads],
) -> Result<()> {
    for (livret, name, h) in heads {
        let bytes: Vec<u8> = h.iter().flat_map(|c| c.0).collect();
        let id = peer_heads_id(peer, *livret, name);
        tx.put_record(PEER_HEADS_KIND, &id, Some(&livret.to_string()), &bytes)?;
    }
    Ok(())
}

fn peer_heads_id(peer: &str, livret: LivretId, document: &str) -> String {
    format!("{peer}/{livret}/{document}")
}

/// What `peer` last held of each document of `livret` (the records sessions leave): the
/// document's name and its heads there. A mailbox letter carries the changes since.
pub(crate) fn peer_heads(
    dev: &Device,
    peer: &livret_core::DeviceId,
    livret: LivretId,
) -> Vec<(String, Vec<ChangeHash>)> {
    let prefix = peer_heads_id(&peer.to_string(), livret, "");
    dev.store
        .records_for_livret(PEER_HEADS_KIND, &livret.to_string())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, bytes)| {
            let name = id.strip_prefix(&prefix)?.to_string();
            let heads = bytes
                .chunks_exact(32)
                .filter_map(|c| ChangeHash::try_from(c).ok())
                .collect();
            Some((name, heads))
        })
        .collect()
}

/// The record id of the draft of the entry at `key` (removed when that entry is signed).
pub(crate) fn draft_id(livret: LivretId, section: Section, key: &str) -> String {
    format!("{livret}/{section}/{key}")
}

impl Device {
    /// The classes of the pupils this device holds, sorted.
    pub fn classes(&self) -> Result<Vec<ClassSummary>> {
        let mut out: Vec<ClassSummary> = Vec::new();
        let mut classes: Vec<String> = self
            .held_livrets()?
            .into_iter()
            .filter(|(_, m)| m.relation == Relation::Grantee)
            .filter_map(|(_, m)| m.class)
            .collect();
        classes.sort();
        for c in classes {
            match out.last_mut() {
                Some(last) if last.class == c => last.pupils += 1,
                _ => out.push(ClassSummary {
                    class: c,
                    pupils: 1,
                }),
            }
        }
        Ok(out)
    }

    /// Where the bilans of `class` stand for a period: per pupil and subject, missing, draft,
    /// signed or received by the family. `subjects` adds subjects to those already written.
    pub fn class_status(
        &self,
        class: &str,
        year: u16,
        period: &str,
        subjects: &[String],
    ) -> Result<ClassStatus> {
        let division = livret_core::vocab::Division::parse(class)?;
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let period = Period::parse(period)?;
        let mut wanted = BTreeSet::new();
        for s in subjects {
            wanted.insert(DisciplineCode::parse(s)?.as_str().to_string());
        }
        let annee = Section::Annee(year.year());
        let vie = Section::VieScolaire(year.year());
        let prefix = content::subject_key_prefix(period);
        let mut pupils = Vec::new();
        let mut livrets: Vec<_> = self
            .held_livrets()?
            .into_iter()
            .filter(|(_, m)| {
                m.relation == Relation::Grantee
                    && m.class.as_deref().map(str::trim) == Some(division.as_str())
            })
            .collect();
        if livrets.is_empty() {
            return Err(Error::NotAuthorized(format!(
                "aucun élève de la classe « {} » sur cet appareil",
                division.as_str()
            )));
        }
        livrets.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        // What each pupil holds, read once.
        struct Held {
            livret: LivretId,
            name: Option<String>,
            granted: bool,
            year_doc: Option<livret_core::doc::SectionDoc>,
            year_heads: Vec<Vec<ChangeHash>>,
            vie_doc: Option<livret_core::doc::SectionDoc>,
            vie_heads: Vec<Vec<ChangeHash>>,
            drafts: BTreeSet<String>,
        }
        let me = self.device_id();
        let now = self.now();
        let mut held = Vec::new();
        for (livret, meta) in livrets {
            let manifest = self.manifest(livret)?;
            let granted = !matches!(manifest.may_write(&me, annee, now), Decision::Denied(_));
            let year_doc = self.load_section(livret, annee)?;
            let vie_doc = self.load_section(livret, vie)?;
            if let Some(doc) = &year_doc {
                for k in doc.keys() {
                    if let Some(code) = k.strip_prefix(&prefix) {
                        wanted.insert(code.to_string());
                    }
                }
            }
            let drafts: BTreeSet<String> = self
                .store
                .records_for_livret(DRAFT_KIND, &livret.to_string())?
                .into_iter()
                .filter_map(|(id, _)| {
                    id.strip_prefix(&format!("{livret}/{annee}/"))
                        .map(str::to_string)
                })
                .collect();
            for d in &drafts {
                if let Some(code) = d.strip_prefix(&prefix) {
                    wanted.insert(code.to_string());
                }
            }
            held.push(Held {
                livret,
                name: meta.name.clone(),
                granted,
                year_heads: self.family_heads(livret, &meta.owners, annee),
                vie_heads: self.family_heads(livret, &meta.owners, vie),
                year_doc,
                vie_doc,
                drafts,
            });
        }
        let state = |doc: &Option<livret_core::doc::SectionDoc>,
                     heads: &[Vec<ChangeHash>],
                     drafts: &BTreeSet<String>,
                     key: &str| {
            match doc {
                Some(d) if d.get(key).is_some() => {
                    if heads.iter().any(|h| d.held_at(key, h)) {
                        CellState::Received
                    } else {
                        CellState::Signed
                    }
                }
                _ if drafts.contains(key) => CellState::Draft,
                _ => CellState::Missing,
            }
        };
        // Who signed the entry held at `key`: its short form read without verifying again,
        // since every entry in the store was verified (signature and author's right) when it
        // was written or received.
        let author = |doc: &Option<livret_core::doc::SectionDoc>, key: &str| {
            doc.as_ref()
                .and_then(|d| d.get(key))
                .and_then(|e| e.payload_unverified().ok())
                .map(|p| p.author_id().to_string())
        };
        let no_drafts = BTreeSet::new();
        let synthesis_key = content::synthesis_key(period);
        let vie_key = content::vie_scolaire_key(period);
        let mut not_granted = Vec::new();
        for h in &held {
            if !h.granted {
                not_granted.push(h.name.clone().unwrap_or_else(|| h.livret.to_string()));
            }
            let subjects = wanted
                .iter()
                .map(|code| {
                    let key = format!("{prefix}{code}");
                    CellStatus {
                        subject: code.clone(),
                        state: state(&h.year_doc, &h.year_heads, &h.drafts, &key),
                        author: author(&h.year_doc, &key),
                    }
                })
                .collect();
            pupils.push(PupilStatus {
                livret_id: h.livret.to_string(),
                name: h.name.clone(),
                granted: h.granted,
                subjects,
                synthesis: state(&h.year_doc, &h.year_heads, &no_drafts, &synthesis_key),
                vie_scolaire: state(&h.vie_doc, &h.vie_heads, &no_drafts, &vie_key),
            });
        }
        Ok(ClassStatus {
            class: division.as_str().to_string(),
            year: year.year(),
            period: period.to_string(),
            subjects: wanted.into_iter().collect(),
            pupils,
            not_granted,
        })
    }

    /// The heads of a section as each owner device last told them (see
    /// [`put_peer_heads`]).
    fn family_heads(
        &self,
        livret: LivretId,
        owners: &[livret_core::DeviceId],
        section: Section,
    ) -> Vec<Vec<ChangeHash>> {
        owners
            .iter()
            .filter_map(|o| {
                let id = peer_heads_id(&o.to_string(), livret, &section.to_string());
                self.store.record(PEER_HEADS_KIND, &id).ok().flatten()
            })
            .map(|bytes| {
                bytes
                    .chunks_exact(32)
                    .filter_map(|c| ChangeHash::try_from(c).ok())
                    .collect()
            })
            .collect()
    }

    /// Keeps cells typed and not signed yet (a grid's drafts), replacing earlier drafts of the
    /// same cells. Nothing is signed or sent.
    pub fn save_cell_drafts(&mut self, drafts: &[(LivretId, CellDraft)]) -> Result<()> {
        let mut rows = Vec::new();
        for (livret, d) in drafts {
            self.meta(*livret)?;
            if d.text.chars().count() > DRAFT_MAX_CHARS {
                return Err(livret_core::vocab::ValidationError::new(
                    "appreciation",
                    livret_core::vocab::Rule::TooLong {
                        max: DRAFT_MAX_CHARS,
                        actual: d.text.chars().count(),
                    },
                )
                .into());
            }
            let (section, key) = d.place()?;
            let bytes = serde_json::to_vec(d)
                .map_err(|e| Error::Protocol(format!("brouillon illisible : {e}")))?;
            rows.push((draft_id(*livret, section, &key), livret.to_string(), bytes));
        }
        self.store.transaction(|tx| -> Result<()> {
            for (id, livret, bytes) in &rows {
                tx.put_record(DRAFT_KIND, id, Some(livret), bytes)?;
            }
            Ok(())
        })
    }

    /// The drafts kept for a livret.
    pub fn cell_drafts(&self, livret: LivretId) -> Result<Vec<CellDraft>> {
        Ok(self
            .store
            .records_for_livret(DRAFT_KIND, &livret.to_string())?
            .into_iter()
            .filter_map(|(_, bytes)| serde_json::from_slice(&bytes).ok())
            .collect())
    }

    /// Forgets a draft (the teacher cleared the cell).
    pub fn discard_cell_draft(&mut self, livret: LivretId, draft: &CellDraft) -> Result<bool> {
        let (section, key) = draft.place()?;
        Ok(self
            .store
            .delete_record(DRAFT_KIND, &draft_id(livret, section, &key))?)
    }
}

/// One subject of a pupil in a period, as a grid shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubjectCell {
    /// The positioning (1 to 4), if positioned.
    pub level: Option<u8>,
    /// The mark, if marked.
    pub mark: Option<String>,
    /// The appréciation.
    pub text: String,
}

/// What a pupil's livret holds for one period: the cells of a grid.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodCells {
    /// The livret id.
    pub livret_id: String,
    /// The pupil's name as the family's grant shares it.
    pub name: Option<String>,
    /// The subjects written in that period, by code (whether asked for or not).
    pub subjects: std::collections::BTreeMap<String, SubjectCell>,
    /// The period's synthesis.
    pub synthesis: Option<String>,
    /// The period's vie scolaire: late arrivals, justified and unjustified half-days.
    pub vie_scolaire: Option<[u16; 3]>,
}

impl Device {
    /// What the pupils of `class` hold for one period (a grid's cells), by pupil name: only
    /// the year's two sections are read, and only that period's entries are verified. An entry
    /// whose signature does not verify is left out (the livret's page shows it as invalid).
    pub fn period_cells(&self, class: &str, year: u16, period: &str) -> Result<Vec<PeriodCells>> {
        let division = livret_core::vocab::Division::parse(class)?;
        let year = Millesime::new(year).map_err(|e| e.with_field("year"))?;
        let period = Period::parse(period)?;
        let mut livrets: Vec<_> = self
            .held_livrets()?
            .into_iter()
            .filter(|(_, m)| {
                m.relation == Relation::Grantee
                    && m.class.as_deref().map(str::trim) == Some(division.as_str())
            })
            .collect();
        livrets.sort_by(|a, b| a.1.name.cmp(&b.1.name).then(a.0.cmp(&b.0)));
        let annee = Section::Annee(year.year());
        let vie = Section::VieScolaire(year.year());
        let prefix = content::subject_key_prefix(period);
        let synthesis_key = content::synthesis_key(period);
        let vie_key = content::vie_scolaire_key(period);
        let me = self.device_id();
        let mut out = Vec::with_capacity(livrets.len());
        for (livret, meta) in livrets {
            let manifest = self.manifest(livret)?;
            let known = |k: &livret_core::DeviceId| *k == me || manifest.knows_author(k);
            let mut cells = PeriodCells {
                livret_id: livret.to_string(),
                name: meta.name.clone(),
                subjects: Default::default(),
                synthesis: None,
                vie_scolaire: None,
            };
            // The entries at `keys` of `section` that open and verify, signatures verified
            // together (one equation; on failure each on its own).
            let opened = |doc: &livret_core::doc::SectionDoc, section: Section, keys: &[String]| {
                let placed: Vec<(&str, livret_core::entry::SignedEntry)> = keys
                    .iter()
                    .filter_map(|k| Some((k.as_str(), doc.get(k)?)))
                    .collect();
                let refs: Vec<(&str, &livret_core::entry::SignedEntry)> =
                    placed.iter().map(|(k, e)| (*k, e)).collect();
                livret_core::entry::verify_together(
                    livret_core::entry::Reading::Full,
                    livret,
                    section,
                    &refs,
                    &known,
                )
                .into_iter()
                .zip(placed.iter().map(|(k, _)| *k))
                .filter_map(|(j, key)| match j.verification {
                    livret_core::entry::Verification::Invalid(_) => None,
                    _ => j.opened.map(|o| (key.to_string(), o)),
                })
                .collect::<Vec<_>>()
            };
            if let Some(doc) = self.load_section(livret, annee)? {
                let keys: Vec<String> = doc
                    .keys()
                    .into_iter()
                    .filter(|k| k.starts_with(&prefix) || *k == synthesis_key)
                    .collect();
                for (key, o) in opened(&doc, annee, &keys) {
                    let is_subject = key.starts_with(&prefix);
                    let text = o.texts.first().cloned().unwrap_or_default();
                    match o.payload.content {
                        livret_core::entry::Content::Subject {
                            code, level, mark, ..
                        } if is_subject => {
                            cells
                                .subjects
                                .insert(code, SubjectCell { level, mark, text });
                        }
                        livret_core::entry::Content::Synthesis { .. } if !is_subject => {
                            cells.synthesis = Some(text);
                        }
                        _ => {}
                    }
                }
            }
            if let Some(doc) = self.load_section(livret, vie)? {
                let vie_keys = [vie_key.clone()];
                if let Some((_, o)) = opened(&doc, vie, &vie_keys).into_iter().next() {
                    if let livret_core::entry::Content::VieScolaire {
                        late,
                        justified,
                        unjustified,
                        ..
                    } = o.payload.content
                    {
                        cells.vie_scolaire = Some([late, justified, unjustified]);
                    }
                }
            }
            out.push(cells);
        }
        Ok(out)
    }
}
