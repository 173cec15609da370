//! `livret import-grid`: a class's bilans from a spreadsheet.

use std::process::ExitCode;

use anyhow::Result;
use livret::{GridFormat, GridStatus, PupilMatch};

use crate::cli::ImportGridArgs;
use crate::ctx::Ctx;
use crate::util::{fail, print_json};
use crate::{outln, tr};

/// `livret import-grid FILE --class C --year Y --period I/N [--dry-run] [--json]`
pub fn import_grid(ctx: &Ctx, a: &ImportGridArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let name = a.file.to_string_lossy();
    let Some(format) = GridFormat::from_file_name(&name) else {
        return fail(
            format!("« {name} » : une grille est un fichier .csv, .ods ou .xlsx"),
            format!("\"{name}\": a grid is a .csv, .ods or .xlsx file"),
        );
    };
    let bytes = match std::fs::metadata(&a.file) {
        Ok(m) if m.len() > livret::MAX_GRID_BYTES as u64 => {
            let n = m.len();
            return fail(
                format!("« {name} » : fichier trop gros ({n} octets)"),
                format!("\"{name}\": file too large ({n} bytes)"),
            );
        }
        _ => match std::fs::read(&a.file) {
            Ok(b) => b,
            Err(e) => return fail(format!("« {name} » : {e}"), format!("\"{name}\": {e}")),
        },
    };
    let mut dev = ctx.open()?;
    let report = dev.import_grid(&bytes, format, &a.class, a.year, &a.period, a.dry_run)?;
    let failed = report
        .pupils
        .iter()
        .any(|p| matches!(p.status, GridStatus::Invalid | GridStatus::Unmatched));
    if a.json {
        print_json(&report)?;
        return Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    if a.dry_run {
        outln!(
            "{}",
            lang.pick(
                "Simulation (--dry-run) : rien n'est écrit.",
                "Dry run (--dry-run): nothing is written."
            )
        );
    }
    for p in &report.pupils {
        let who = &p.pupil;
        let k = p.entries.len();
        let by = match p.matched_by {
            PupilMatch::IdBe => lang.pick(" (par id-be)", " (by id-be)"),
            PupilMatch::Name => lang.pick(" (par nom)", " (by name)"),
            PupilMatch::None => "",
        };
        let line = match p.status {
            GridStatus::Written => tr!(
                lang,
                "- {who}{by} : {k} inscription(s) signée(s) et écrite(s)",
                "- {who}{by}: {k} entr(y/ies) signed and written"
            ),
            GridStatus::WouldWrite => tr!(
                lang,
                "- {who}{by} : {k} inscription(s) seraient écrites",
                "- {who}{by}: {k} entr(y/ies) would be written"
            ),
            GridStatus::Invalid => tr!(
                lang,
                "- {who}{by} : rien n'est écrit pour cet élève",
                "- {who}{by}: nothing written for this pupil"
            ),
            GridStatus::Unmatched => tr!(
                lang,
                "- {who} : élève non trouvé, rien n'est écrit",
                "- {who}: pupil not found, nothing written"
            ),
        };
        outln!("{line}");
        for e in &p.errors {
            let (l, c, m) = (e.line, &e.column, &e.message);
            outln!(
                "{}",
                tr!(
                    lang,
                    "    ligne {l}, colonne {c} : {m}",
                    "    line {l}, column {c}: {m}"
                )
            );
        }
    }
    for c in &report.ignored_columns {
        outln!(
            "{}",
            tr!(lang, "Colonne ignorée : {c}", "Column ignored: {c}")
        );
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
