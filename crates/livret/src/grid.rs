//! Importing a teacher's grid (CSV, ODS, XLSX: one row per pupil and subject) into the
//! livrets of a class: pupils matched by id-be or by name within the class, subjects by code
//! or label, every row checked, all or nothing per pupil, written through the one write path
//! ([`Device::write_batch`]).

use std::collections::BTreeMap;

use livret_core::vocab::{
    Discipline, DisciplineCode, Division, Millesime, Period, KNOWN_DISCIPLINES,
};
use livret_core::{CoreError, LivretId, Role};
use livret_export::grid::{self, fold, GridColumn, GridFormat, GridRow};
use serde::Serialize;

use crate::batch::{BatchMode, BatchWrite};
use crate::device::{Device, Relation};
use crate::error::{Error, Result};
use crate::livrets::drafts;

/// How a pupil of the grid was matched to a livret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PupilMatch {
    /// By the id-be recorded for the livret.
    IdBe,
    /// By name, within the class.
    Name,
    /// Not matched.
    None,
}

/// What became of a pupil's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GridStatus {
    /// Every row was signed and stored.
    Written,
    /// Every row passes (dry run: nothing written).
    WouldWrite,
    /// A row is wrong: nothing of this pupil was written.
    Invalid,
    /// No livret of the class matches: nothing written.
    Unmatched,
}

/// A problem at a place of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridIssue {
    /// The line (the header is line 1).
    pub line: usize,
    /// The column letter.
    pub column: String,
    /// What is wrong, in French.
    pub message: String,
}

/// One pupil of the grid.
#[derive(Debug, Clone, Serialize)]
pub struct GridPupil {
    /// The pupil as the grid names it (name or id-be).
    pub pupil: String,
    /// The livret matched.
    pub livret_id: Option<String>,
    /// How.
    pub matched_by: PupilMatch,
    /// What became of the rows.
    pub status: GridStatus,
    /// The entries written (or that would be).
    pub entries: Vec<String>,
    /// What is wrong, by line and column.
    pub errors: Vec<GridIssue>,
}

/// The outcome of a grid import.
#[derive(Debug, Clone, Serialize)]
pub struct GridImportReport {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Columns the grid has and the import does not read.
    pub ignored_columns: Vec<String>,
    /// The pupils, in the grid's order.
    pub pupils: Vec<GridPupil>,
}

/// Words of a name, folded and sorted: `MOREAU Lina` and `Lina Moreau` are the same pupil.
fn name_key(name: &str) -> String {
    let mut words: Vec<String> = fold(name).split(' ').map(str::to_string).collect();
    words.sort();
    words.join(" ")
}

/// The subject a cell names: a code, or the label of a known subject.
fn subject_of(cell: &str) -> std::result::Result<DisciplineCode, String> {
    if let Ok(code) = DisciplineCode::parse(cell) {
        return Ok(code);
    }
    let wanted = fold(cell);
    KNOWN_DISCIPLINES
        .iter()
        .find(|(_, label)| fold(label) == wanted)
        .and_then(|(code, _)| DisciplineCode::parse(code).ok())
        .ok_or_else(|| {
            format!("matière « {} » inconnue : donnez son code à 6 caractères (MATHEM) ou son nom (Mathématiques)", cell.chars().take(60).collect::<String>())
        })
}

/// The column an error of the vocabulary is about.
fn column_of(e: &Error) -> GridColumn {
    match e {
        Error::Core(CoreError::Validation(v)) => match v.field {
            "level" => GridColumn::Level,
            "mark" => GridColumn::Mark,
            "subject" | "label" => GridColumn::Subject,
            _ => GridColumn::Appreciation,
        },
        _ => GridColumn::Appreciation,
    }
}

impl Device {
    /// Imports a grid of bilans for a class and period. `dry_run` checks everything and
    /// writes nothing. A pupil whose rows are not all valid gets nothing; each problem is
    /// reported with its line and column.
    pub fn import_grid(
        &mut self,
        bytes: &[u8],
        format: GridFormat,
        class: &str,
        year: u16,
        period: &str,
        dry_run: bool,
    ) -> Result<GridImportReport> {
        self.require_role(Role::Teacher)?;
        let division = Division::parse(class)?;
        let year = Millesime::new(year)
            .map_err(|e| e.with_field("year"))?
            .year();
        let period_text = Period::parse(period)?.to_string();
        let grid = grid::read(bytes, format).map_err(|e| Error::Format {
            fr: e.to_string(),
            en: e.english(),
        })?;
        // The class as this device holds it.
        let mut by_name: BTreeMap<String, Vec<LivretId>> = BTreeMap::new();
        let mut by_id_be: BTreeMap<u64, LivretId> = BTreeMap::new();
        let mut in_class = Vec::new();
        for (livret, meta) in self.held_livrets()? {
            if meta.relation != Relation::Grantee
                || meta.class.as_deref().map(str::trim) != Some(division.as_str())
            {
                continue;
            }
            in_class.push(livret);
            if let Some(n) = &meta.name {
                by_name.entry(name_key(n)).or_default().push(livret);
            }
            if let Some(id) = self.pupil_id_be(livret)? {
                by_id_be.insert(id, livret);
            }
        }
        if in_class.is_empty() {
            return Err(Error::NotAuthorized(format!(
                "aucun élève de la classe « {} » sur cet appareil",
                division.as_str()
            )));
        }
        // Rows by pupil, in the grid's order.
        let mut order: Vec<String> = Vec::new();
        let mut groups: BTreeMap<String, Vec<&GridRow>> = BTreeMap::new();
        let mut report = GridImportReport {
            dry_run,
            ignored_columns: grid.ignored_columns.clone(),
            pupils: vec![],
        };
        for row in &grid.rows {
            // One pupil, however the grid spells the name (`Lina Moreau`, `MOREAU Lina`).
            let who = match (&row.id_be, &row.pupil) {
                (Some(id), _) => format!("id-be {}", id.trim()),
                (None, Some(n)) => name_key(n),
                (None, None) => {
                    let at = row.place(GridColumn::Pupil);
                    report.pupils.push(GridPupil {
                        pupil: String::new(),
                        livret_id: None,
                        matched_by: PupilMatch::None,
                        status: GridStatus::Invalid,
                        entries: vec![],
                        errors: vec![GridIssue {
                            line: at.line,
                            column: at.column,
                            message: "ligne sans élève (ni nom ni id-be)".into(),
                        }],
                    });
                    continue;
                }
            };
            if !groups.contains_key(&who) {
                order.push(who.clone());
            }
            groups.entry(who).or_default().push(row);
        }
        for who in order {
            let rows = groups.remove(&who).unwrap_or_default();
            let shown = rows
                .first()
                .and_then(|r| r.pupil.clone())
                .filter(|_| !who.starts_with("id-be "))
                .unwrap_or_else(|| who.clone());
            let mut out = GridPupil {
                pupil: shown,
                livret_id: None,
                matched_by: PupilMatch::None,
                status: GridStatus::Unmatched,
                entries: vec![],
                errors: vec![],
            };
            let Some(first) = rows.first() else { continue };
            // Match.
            let matched = match (&first.id_be, &first.pupil) {
                (Some(id), _) => match id.trim().parse::<u64>().ok().and_then(|n| by_id_be.get(&n))
                {
                    Some(l) => {
                        out.matched_by = PupilMatch::IdBe;
                        Some(*l)
                    }
                    None => {
                        let at = first.place(GridColumn::IdBe);
                        out.errors.push(GridIssue {
                            line: at.line,
                            column: at.column,
                            message: format!(
                                "aucun élève de la classe {} avec l'id-be {id} (enregistrez-le : livret school-ids pupil)",
                                division.as_str()
                            ),
                        });
                        None
                    }
                },
                (None, Some(name)) => match by_name.get(&name_key(name)).map(Vec::as_slice) {
                    Some([one]) => {
                        out.matched_by = PupilMatch::Name;
                        Some(*one)
                    }
                    Some(many) if many.len() > 1 => {
                        let at = first.place(GridColumn::Pupil);
                        out.errors.push(GridIssue {
                            line: at.line,
                            column: at.column,
                            message: format!(
                                "{} élèves portent ce nom dans la classe : ajoutez une colonne id-be",
                                many.len()
                            ),
                        });
                        None
                    }
                    _ => {
                        let at = first.place(GridColumn::Pupil);
                        out.errors.push(GridIssue {
                            line: at.line,
                            column: at.column,
                            message: format!(
                                "aucun élève « {} » dans la classe {} sur cet appareil",
                                name.chars().take(100).collect::<String>(),
                                division.as_str()
                            ),
                        });
                        None
                    }
                },
                (None, None) => None,
            };
            let Some(livret) = matched else {
                report.pupils.push(out);
                continue;
            };
            out.livret_id = Some(livret.to_string());
            // Every row becomes a draft, or a problem at its place.
            let mut items: Vec<(usize, BatchWrite)> = Vec::new();
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for row in &rows {
                let draft = if fold(&row.subject) == "synthese" {
                    drafts::synthesis(year, &period_text, &row.text)
                } else {
                    let code = match subject_of(&row.subject) {
                        Ok(c) => c,
                        Err(message) => {
                            let at = row.place(GridColumn::Subject);
                            out.errors.push(GridIssue {
                                line: at.line,
                                column: at.column,
                                message,
                            });
                            continue;
                        }
                    };
                    let level = match &row.level {
                        None => None,
                        Some(l) => match l.parse::<u8>() {
                            Ok(n) => Some(n),
                            Err(_) => {
                                let at = row.place(GridColumn::Level);
                                out.errors.push(GridIssue {
                                    line: at.line,
                                    column: at.column,
                                    message: format!(
                                        "positionnement « {} » : attendu 1, 2, 3 ou 4",
                                        l.chars().take(20).collect::<String>()
                                    ),
                                });
                                continue;
                            }
                        },
                    };
                    let label = Discipline::known(&code).map(|d| d.label.as_str().to_string());
                    drafts::assessment(
                        year,
                        &period_text,
                        code.as_str(),
                        label.as_deref().or(Some(code.as_str())),
                        level,
                        row.mark.as_deref(),
                        &row.text,
                    )
                };
                match draft {
                    Ok(d) => {
                        if let Some(earlier) = seen.insert(d.key.clone(), row.line) {
                            let at = row.place(GridColumn::Subject);
                            out.errors.push(GridIssue {
                                line: at.line,
                                column: at.column,
                                message: format!(
                                    "même matière que la ligne {earlier} pour cet élève"
                                ),
                            });
                            continue;
                        }
                        items.push((row.line, BatchWrite { livret, draft: d }));
                    }
                    Err(e) => {
                        let at = row.place(column_of(&e));
                        out.errors.push(GridIssue {
                            line: at.line,
                            column: at.column,
                            message: livret_core::Localized::localized(&e, livret_core::Lang::Fr),
                        });
                    }
                }
            }
            if !out.errors.is_empty() {
                out.status = GridStatus::Invalid;
                report.pupils.push(out);
                continue;
            }
            let batch: Vec<BatchWrite> = items.iter().map(|(_, b)| b.clone()).collect();
            let results = if dry_run {
                self.check_batch(&batch)?
            } else {
                self.write_batch_noted(&batch, BatchMode::PerLivret, Some("grille"))?
            };
            for ((line, item), r) in items.iter().zip(&results) {
                match r {
                    Ok(_) => out
                        .entries
                        .push(format!("{} {}", item.draft.section, item.draft.key)),
                    Err(Error::NotWritten(_)) => {}
                    Err(e) => {
                        let row = rows.iter().find(|r| r.line == *line);
                        let at = row.map(|r| r.place(GridColumn::Subject));
                        out.errors.push(GridIssue {
                            line: *line,
                            column: at.map(|a| a.column).unwrap_or_default(),
                            message: livret_core::Localized::localized(e, livret_core::Lang::Fr),
                        });
                    }
                }
            }
            out.status = if !out.errors.is_empty() {
                out.entries.clear();
                GridStatus::Invalid
            } else if dry_run {
                GridStatus::WouldWrite
            } else {
                GridStatus::Written
            };
            report.pupils.push(out);
        }
        Ok(report)
    }
}
