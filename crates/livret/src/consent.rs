//! The family's consent for the sensitive section (`accompagnement`): opening it, listing the
//! sections and their state, and writing support measures in it.
//!
//! The policy lives in livret-core ([`livret_core::grant::Opening`], `Manifest::is_open`,
//! `content::sensitive_mention`); this module only records the owner's decision and calls it.

use livret_core::content;
use livret_core::grant::{ManifestRecord, Opening};
use livret_core::vocab::{Date, Modalite};
use livret_core::SignedRecord;
use livret_core::{LivretId, Role, Section};
use serde::Serialize;

use crate::audit::AuditAction;
use crate::device::{Device, Relation};
use crate::error::{Error, Result};

/// One section of a livret as `livret section list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionState {
    /// The section (its label for people through `Localized`).
    pub section: Section,
    /// Whether it is a sensitive section.
    pub sensitive: bool,
    /// Whether it is open (always, for an ordinary section; for a sensitive one, once an owner
    /// opened it).
    pub open: bool,
    /// Whether this device holds a document for it.
    pub held: bool,
    /// How many entries this device holds in it.
    pub entries: usize,
}

/// The JSON of `section list --json`: its historical fields (`label` in French).
#[derive(Serialize)]
struct SectionStateJson {
    section: String,
    label: String,
    sensitive: bool,
    open: bool,
    held: bool,
    entries: usize,
}

impl Serialize for SectionState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        SectionStateJson {
            section: self.section.to_string(),
            label: livret_core::Localized::localized(&self.section, livret_core::Lang::Fr),
            sensitive: self.sensitive,
            open: self.open,
            held: self.held,
            entries: self.entries,
        }
        .serialize(s)
    }
}

impl Device {
    /// Opens a sensitive section of a livret (owner only): a signed record in the manifest,
    /// which travels to the other owners' devices with it. Returns `false` when the section was
    /// already open.
    pub fn open_section(&mut self, livret: LivretId, section: Section) -> Result<bool> {
        if !section.is_sensitive() {
            return Err(Error::NotAuthorized(format!(
                "la section {section} n'a pas à être ouverte : seule une section sensible (accompagnement) s'ouvre"
            )));
        }
        let mut mdoc = self.load_manifest_doc(livret)?;
        let manifest = mdoc.manifest()?;
        if !manifest.is_owner(&self.device_id()) {
            return Err(Error::NotAuthorized(
                "seul un propriétaire du livret (la famille) peut ouvrir la section sensible"
                    .into(),
            ));
        }
        if manifest.is_open(section) {
            return Ok(false);
        }
        let opening = Opening {
            livret: livret.0,
            section,
            issuer: self.device_id().0,
            at: self.now(),
        };
        let bytes = opening.sign(&self.identity.secret);
        mdoc.add(&ManifestRecord::Opening(opening), &bytes)?;
        self.save_manifest_doc(livret, &mut mdoc)?;
        self.audit_event(
            Some(livret),
            None,
            Some(&section.to_string()),
            AuditAction::Opened,
            true,
            "section sensible ouverte par la famille",
        );
        Ok(true)
    }

    /// The sections of a livret: those this device holds, and the sensitive one with its state.
    pub fn sections(&self, livret: LivretId) -> Result<Vec<SectionState>> {
        let meta = self.meta(livret)?;
        let manifest = self.manifest(livret)?;
        let mut names = self.section_names(livret)?;
        if meta.relation == Relation::Owner && !names.contains(&Section::Accompagnement) {
            names.push(Section::Accompagnement);
            names.sort();
        }
        let mut out = Vec::new();
        for section in names {
            let doc = self.load_section(livret, section)?;
            out.push(SectionState {
                section,
                sensitive: section.is_sensitive(),
                open: manifest.is_open(section),
                held: doc.is_some(),
                entries: doc.map(|d| d.entries().len()).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Writes a support measure in the sensitive section: `measure` (PAP, PAI, PPRE, PPS, ULIS,
    /// UPE2A, SEGPA, RASED, CTR, MDPH), from `start`, maybe until `end`, with a note. An owner
    /// may write it, or a teacher with a write grant on `accompagnement`; the section must be
    /// open.
    pub fn accompagnement(
        &mut self,
        livret: LivretId,
        measure: &str,
        start: &str,
        end: Option<&str>,
        note: Option<&str>,
    ) -> Result<String> {
        let measure = Modalite::parse(measure)?;
        let start = Date::parse(start).map_err(|e| e.with_field("start"))?;
        let end = end
            .map(|e| Date::parse(e).map_err(|e| e.with_field("end")))
            .transpose()?;
        let draft = content::accompagnement(measure, start, end, note.unwrap_or_default())?;
        if self.role() != Role::Teacher && self.role() != Role::Family {
            return Err(Error::WrongRole {
                needed: Role::Teacher,
                actual: self.role(),
            });
        }
        self.write_draft(livret, &draft)
    }
}
