//! Portability: everything the family holds of a livret as one JSON file
//! (`docs/export-livret.schema.json`), and its import on another device with the signatures
//! intact.
//!
//! The export keeps the fields of the first JSON export (`format`, `livret`, `manifest`,
//! `signed_entries`, documented product interface) and adds to them: the signed bytes in
//! base64 beside the hex, a readable decoded view of every record and entry, the certificate
//! of each entry, the sections list, who exported and when.
//!
//! The import checks everything before storing anything: every manifest record verifies under
//! its key and is signed by an owner found from the creator outwards; every entry's signature,
//! texts, place, vocabulary, and its author's right to write that section when it signed. The
//! first failure refuses the whole file, naming the item. The importing device must already be
//! an owner in the file's manifest, or be given the recovery words (the recovery key, an owner,
//! then signs an owner record for it).

use data_encoding::BASE64;
use livret_core::doc::{ManifestDoc, SectionDoc};
use livret_core::entry::{SignedEntry, Verification};
use livret_core::grant::{Manifest, ManifestRecord, OwnerKind, OwnerRecord};
use livret_core::recovery::RecoveryKey;
use livret_core::SignedRecord;
use livret_core::{DeviceId, Lang, LivretId, Localized, Role, Section};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::audit::AuditAction;
use crate::device::{Device, LivretMeta, Relation};
use crate::error::{Error, Result};
use crate::sharing::rfc3339;

/// The `format` of a livret export.
pub const FORMAT: &str = "livret-export/1";
/// Where the schema of the export lives (in the source tree).
pub const SCHEMA: &str = "docs/export-livret.schema.json";
/// The largest export file accepted on import.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The livret.
    pub livret_id: String,
    /// The child's name, from the identity section.
    pub name: Option<String>,
    /// The sections imported.
    pub sections: Vec<String>,
    /// How many manifest records.
    pub records: usize,
    /// How many entries (all verified).
    pub entries: usize,
    /// `already-owner` or `recovery-words`: what made this device an owner.
    pub authority: String,
    /// Concurrent values of one key (a conflict between two devices) beyond the first: they
    /// were verified but only the first value of each key is kept.
    pub concurrent_values_set_aside: usize,
}

fn refused(what: &str, why: impl std::fmt::Display) -> Error {
    Error::Format {
        fr: format!("import refusé, rien n'a été enregistré : {what} : {why}"),
        en: format!("import refused, nothing was stored: {what}: {why}"),
    }
}

fn record_view(record: &ManifestRecord) -> Value {
    if let ManifestRecord::Genesis(g) = record {
        json!({"type": "genesis", "livret_id": g.livret_id().to_string(),
               "creator": DeviceId(g.creator).to_string(), "at": rfc3339(g.at)})
    } else if let ManifestRecord::Owner(o) = record {
        json!({"type": "owner", "owner": DeviceId(o.owner).to_string(),
               "issuer": DeviceId(o.issuer).to_string(), "name": o.name, "at": rfc3339(o.at)})
    } else if let ManifestRecord::Grant(g) = record {
        json!({"type": "grant", "grant_id": g.grant_id().to_string(),
               "issuer": g.issuer_id().to_string(), "audience": g.audience_id().to_string(),
               "audience_name": g.audience_name,
               "sections": g.sections.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
               "rights": g.rights.as_str(), "not_before": rfc3339(g.not_before),
               "until": rfc3339(g.until), "issued_at": rfc3339(g.issued_at),
               "subject_name": g.subject_name, "jury": g.jury})
    } else if let ManifestRecord::TeamGrant(g) = record {
        json!({"type": "team_grant", "grant_id": g.grant_id().to_string(),
               "issuer": g.issuer_id().to_string(), "team_id": g.team_id().to_string(),
               "school": g.school_id().to_string(), "class": g.class.to_string(),
               "sections": g.sections.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
               "rights": g.rights.as_str(), "not_before": rfc3339(g.not_before),
               "until": rfc3339(g.until), "issued_at": rfc3339(g.issued_at),
               "own_subjects": g.own_subjects, "subject_name": g.subject_name})
    } else if let ManifestRecord::Revocation(r) = record {
        json!({"type": "revocation", "grant_id": livret_core::GrantId(r.grant).to_string(),
               "audience": DeviceId(r.audience).to_string(),
               "issuer": DeviceId(r.issuer).to_string(), "at": rfc3339(r.at)})
    } else {
        json!({"type": "other"})
    }
}

fn entry_view(
    entry: &SignedEntry,
    livret: LivretId,
    section: Section,
    key: &str,
    manifest: &Manifest,
) -> Value {
    let (opened, verification) =
        entry.verify_at(livret, section, key, |a| manifest.knows_author(a));
    match opened {
        Some(o) => {
            let view = crate::views::EntryContent::new(&o.payload.content, &o.texts);
            json!({
                "kind": o.payload.content.kind(),
                "author": o.payload.author_id().to_string(),
                "time": rfc3339(o.payload.time),
                "signature": verification.as_str(),
                "content": view.to_json(),
                "summary": livret_core::Localized::localized(&view, livret_core::Lang::Fr),
            })
        }
        None => json!({
            "kind": null, "author": null, "time": null,
            "signature": verification.as_str(),
            "content": null, "summary": "illisible",
        }),
    }
}

fn hex_bytes(v: &Value, field: &str) -> Option<Vec<u8>> {
    v.get(field)?.as_str().and_then(|s| hex::decode(s).ok())
}

fn b64_bytes(v: &Value, field: &str) -> Option<std::result::Result<Vec<u8>, ()>> {
    let s = v.get(field)?.as_str()?;
    Some(BASE64.decode(s.as_bytes()).map_err(|_| ()))
}

impl Device {
    /// Everything this device holds of a livret, as the JSON of `livret export --format json`
    /// (see `docs/export-livret.schema.json`).
    pub(crate) fn portable_export(&self, livret: LivretId) -> Result<Value> {
        let view = self.show(livret)?;
        let mdoc = self.load_manifest_doc(livret)?;
        let manifest = mdoc.manifest()?;
        let records: Vec<Value> = mdoc
            .records()
            .into_iter()
            .map(|(k, v)| {
                let record = match ManifestRecord::open(&k, &v) {
                    Ok(r) => record_view(&r),
                    Err(e) => json!({"type": "invalid", "problem": livret_core::Localized::localized(&e, livret_core::Lang::Fr)}),
                };
                json!({"key": k, "signed": hex::encode(&v), "signed_base64": BASE64.encode(&v),
                       "record": record})
            })
            .collect();
        let mut raw = Map::new();
        let mut sections = Vec::new();
        for section in self.section_names(livret)? {
            let Some(doc) = self.load_section(livret, section)? else {
                continue;
            };
            sections.push(section.to_string());
            let mut entries = Map::new();
            for stored in doc.entries() {
                let values: Vec<Value> = stored
                    .values
                    .iter()
                    .filter_map(|v| v.as_ref().ok())
                    .map(|e| {
                        json!({
                            "short_form": hex::encode(&e.short_form),
                            "texts": e.texts,
                            "certificate": e.certificate.as_ref().map(hex::encode),
                            "stored_base64": BASE64.encode(&e.to_bytes()),
                            "entry": entry_view(e, livret, section, &stored.key, &manifest),
                        })
                    })
                    .collect();
                entries.insert(stored.key, Value::Array(values));
            }
            raw.insert(section.to_string(), Value::Object(entries));
        }
        Ok(json!({
            "format": FORMAT,
            "schema": SCHEMA,
            "livret_id": livret.to_string(),
            "exported_at": rfc3339(self.now()),
            "exported_by": {
                "device_id": self.device_id().to_string(),
                "name": self.name(),
                "role": self.role().as_str(),
            },
            "sections": sections,
            "livret": view,
            "manifest": records,
            "signed_entries": raw,
        }))
    }

    /// Imports a livret exported as JSON (`livret import FILE`): checks every record and entry,
    /// then stores the livret with its signed bytes unchanged. This device must be an owner in
    /// the file's manifest, or `words` (the recovery sheet) must give a key that is one.
    pub fn import_json(&mut self, bytes: &[u8], words: Option<&str>) -> Result<ImportReport> {
        self.require_role(Role::Family)?;
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(refused("fichier", "trop grand (64 Mio au plus)"));
        }
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| refused("JSON", e))?;
        if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(refused("champ « format »", format!("« {FORMAT} » attendu")));
        }
        // The manifest: every record opens under its key; all are signed by owners.
        let items = doc
            .get("manifest")
            .and_then(Value::as_array)
            .ok_or_else(|| refused("champ « manifest »", "absent"))?;
        let mut mdoc = ManifestDoc::new();
        for item in items {
            let key = item
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| refused("manifeste", "enregistrement sans clé"))?;
            let what = format!("enregistrement du manifeste « {key} »");
            let hex = hex_bytes(item, "signed");
            let bytes = match b64_bytes(item, "signed_base64") {
                Some(Ok(b)) => {
                    if hex.as_ref().is_some_and(|h| *h != b) {
                        return Err(refused(&what, "« signed » et « signed_base64 » diffèrent"));
                    }
                    b
                }
                Some(Err(())) => return Err(refused(&what, "base64 illisible")),
                None => hex.ok_or_else(|| refused(&what, "octets signés absents"))?,
            };
            let record = ManifestRecord::open(key, &bytes)
                .map_err(|e| refused(&what, e.localized(Lang::Fr)))?;
            mdoc.add(&record, &bytes)
                .map_err(|e| refused(&what, e.localized(Lang::Fr)))?;
        }
        let manifest = mdoc
            .manifest()
            .map_err(|e| refused("manifeste", e.localized(Lang::Fr)))?;
        if let Some(bad) = manifest.rejected().first() {
            return Err(refused("manifeste", bad));
        }
        let livret = manifest.livret();
        if let Some(id) = doc.get("livret_id").and_then(Value::as_str) {
            if id != livret.to_string() {
                return Err(refused(
                    "champ « livret_id »",
                    "ne correspond pas à l'acte de création",
                ));
            }
        }
        if self.meta(livret).is_ok() {
            return Err(Error::NotAuthorized(format!(
                "le livret {livret} est déjà sur cet appareil"
            )));
        }
        // Authority: already an owner, or the recovery words sign an owner record for me.
        let me = self.device_id();
        let mut recovery = None;
        let authority = if manifest.is_owner(&me) {
            "already-owner"
        } else {
            let Some(words) = words else {
                return Err(Error::NotAuthorized(
                    "cet appareil n'est pas propriétaire de ce livret : donnez les mots de la feuille de secours (--words-stdin) pour l'importer".into(),
                ));
            };
            let key = RecoveryKey::from_words(words)?;
            if !manifest.is_owner(&key.public()) {
                return Err(Error::NotAuthorized(
                    "ces mots de secours ne sont pas ceux d'une clé propriétaire de ce livret"
                        .into(),
                ));
            }
            let record = OwnerRecord {
                livret: livret.0,
                owner: me.0,
                issuer: key.public().0,
                name: self.name().to_string(),
                at: self.now(),
                kind: OwnerKind::Parent,
            };
            let bytes = record.sign(key.secret());
            mdoc.add(&ManifestRecord::Owner(record), &bytes)?;
            recovery = Some(key.public());
            "recovery-words"
        };
        // The entries: every value checked as a sync from another owner would be.
        let sections_in = doc
            .get("signed_entries")
            .and_then(Value::as_object)
            .ok_or_else(|| refused("champ « signed_entries »", "absent"))?;
        let mut docs: Vec<(Section, SectionDoc)> = Vec::new();
        let (mut entries, mut set_aside) = (0usize, 0usize);
        for (name, keys) in sections_in {
            let section = name
                .parse::<Section>()
                .map_err(|e| refused(&format!("section « {name} »"), e.localized(Lang::Fr)))?;
            let keys = keys
                .as_object()
                .ok_or_else(|| refused(&format!("section « {name} »"), "objet attendu"))?;
            let mut sdoc = SectionDoc::new();
            for (key, values) in keys {
                let what = format!("inscription « {name} » / « {key} »");
                let values = values
                    .as_array()
                    .ok_or_else(|| refused(&what, "liste de valeurs attendue"))?;
                let mut kept = false;
                for v in values {
                    let entry = entry_of(v).map_err(|why| refused(&what, why))?;
                    check_entry(&entry, livret, section, key, &manifest)
                        .map_err(|why| refused(&what, why))?;
                    entries += 1;
                    if kept {
                        set_aside += 1;
                        continue;
                    }
                    sdoc.put(key, &entry).map_err(|e| refused(&what, e))?;
                    kept = true;
                }
            }
            docs.push((section, sdoc));
        }
        // Everything verified: store it in one transaction.
        let name = docs
            .iter()
            .find(|(s, _)| *s == Section::Identite)
            .and_then(|(_, d)| child_name(d));
        let meta = LivretMeta {
            relation: Relation::Owner,
            name: name.clone(),
            class: None,
            peers: vec![],
            owners: vec![],
            introduce: false,
        };
        let meta_bytes = serde_json::to_vec(&meta).map_err(|e| Error::Protocol(e.to_string()))?;
        let m_snap = mdoc.save();
        let snaps: Vec<(String, Vec<u8>)> = docs
            .iter_mut()
            .map(|(s, d)| (s.to_string(), d.save()))
            .collect();
        let id = livret.to_string();
        self.store.transaction(|tx| -> Result<()> {
            tx.put_section_snapshot(&id, crate::device::MANIFEST, &m_snap)?;
            for (s, snap) in &snaps {
                tx.put_section_snapshot(&id, s, snap)?;
            }
            tx.put_record("livret", &id, Some(&id), &meta_bytes)?;
            Ok(())
        })?;
        if let Some(key) = recovery {
            self.learn_recovery_key(key)?;
        }
        self.audit_event(
            Some(livret),
            None,
            None,
            AuditAction::Imported,
            true,
            &format!(
                "livret importé : {} enregistrement(s), {entries} inscription(s) vérifiée(s) ({authority})",
                items.len()
            ),
        );
        Ok(ImportReport {
            livret_id: id,
            name,
            sections: snaps.into_iter().map(|(s, _)| s).collect(),
            records: items.len(),
            entries,
            authority: authority.to_string(),
            concurrent_values_set_aside: set_aside,
        })
    }
}

/// The signed entry of one exported value: `stored_base64` (the exact stored bytes), checked
/// against the readable fields beside it; or, in an export without it, the short form, texts
/// and certificate.
fn entry_of(v: &Value) -> std::result::Result<SignedEntry, String> {
    let short_form = hex_bytes(v, "short_form");
    let texts: Option<Vec<String>> = v
        .get("texts")
        .and_then(|t| serde_json::from_value(t.clone()).ok());
    let certificate = match v.get("certificate") {
        None | Some(Value::Null) => None,
        Some(_) => Some(hex_bytes(v, "certificate").ok_or("certificat illisible")?),
    };
    match b64_bytes(v, "stored_base64") {
        Some(Ok(bytes)) => {
            let entry = SignedEntry::from_bytes(&bytes).map_err(|e| e.localized(Lang::Fr))?;
            if entry.to_bytes() != bytes {
                return Err("octets signés sous une forme non canonique".into());
            }
            if short_form.is_some_and(|s| s != entry.short_form)
                || texts.is_some_and(|t| t != entry.texts)
                || (v.get("certificate").is_some() && certificate != entry.certificate)
            {
                return Err("les champs lisibles ne correspondent pas aux octets signés".into());
            }
            Ok(entry)
        }
        Some(Err(())) => Err("base64 illisible".into()),
        None => Ok(SignedEntry {
            short_form: short_form.ok_or("forme courte absente")?,
            texts: texts.ok_or("textes absents")?,
            certificate,
        }),
    }
}

fn check_entry(
    entry: &SignedEntry,
    livret: LivretId,
    section: Section,
    key: &str,
    manifest: &Manifest,
) -> std::result::Result<(), String> {
    let (opened, verification) =
        entry.verify_at(livret, section, key, |a| manifest.knows_author(a));
    let opened = match (opened, verification) {
        (_, Verification::Invalid(why)) => return Err(why),
        (Some(o), _) => o,
        (None, _) => return Err("inscription illisible".into()),
    };
    livret_core::content::check(&opened)?;
    let author = opened.payload.author_id();
    if !manifest
        .may_have_written(&author, section, opened.payload.time)
        .allowed()
    {
        return Err(format!(
            "son auteur ({}) n'avait pas le droit d'écrire cette section à cette date",
            author.short()
        ));
    }
    Ok(())
}

fn child_name(doc: &SectionDoc) -> Option<String> {
    doc.entries()
        .into_iter()
        .flat_map(|s| s.values.into_iter().flatten())
        .filter_map(|e| e.open().ok())
        .find(|o| {
            matches!(
                o.payload.content,
                livret_core::entry::Content::Identity { .. }
            )
        })
        .and_then(|o| o.texts.first().cloned())
        .filter(|n| !n.is_empty())
}
