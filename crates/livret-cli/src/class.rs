//! `livret class list` and `livret class status`: a teacher's classes, and where a period's
//! bilans stand.

use std::process::ExitCode;

use anyhow::Result;
use livret::core::Lang;
use livret::CellState;

use crate::cli::ClassCommand;
use crate::ctx::Ctx;
use crate::util::print_json;
use crate::{outln, tr};

/// A cell's state as a teacher reads it.
fn state_word(lang: Lang, state: CellState) -> &'static str {
    match state {
        CellState::Missing => lang.pick("manquant", "missing"),
        CellState::Draft => lang.pick("brouillon", "draft"),
        CellState::Signed => lang.pick("signé", "signed"),
        CellState::Received => lang.pick("reçu", "received"),
    }
}

/// `livret class …`
pub fn class(ctx: &Ctx, command: &ClassCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = ctx.open()?;
    match command {
        ClassCommand::List { json } => {
            let classes = dev.classes()?;
            if *json {
                print_json(&classes)?;
                return Ok(ExitCode::SUCCESS);
            }
            if classes.is_empty() {
                outln!(
                    "{}",
                    lang.pick(
                        "Aucune classe : acceptez d'abord une invitation avec --class.",
                        "No class: accept an invitation with --class first."
                    )
                );
            }
            for c in &classes {
                let (class, n) = (&c.class, c.pupils);
                outln!(
                    "{}",
                    tr!(lang, "{class} : {n} élève(s)", "{class}: {n} pupil(s)")
                );
            }
        }
        ClassCommand::Status {
            class,
            year,
            period,
            subjects,
            json,
        } => {
            let status = dev.class_status(class, *year, period, subjects)?;
            if *json {
                print_json(&status)?;
                return Ok(ExitCode::SUCCESS);
            }
            let (c, p, y) = (&status.class, &status.period, status.year);
            outln!(
                "{}",
                tr!(
                    lang,
                    "Classe {c}, période {p} de l'année {y}",
                    "Class {c}, period {p} of year {y}"
                )
            );
            for pupil in &status.pupils {
                let name = pupil
                    .name
                    .clone()
                    .unwrap_or_else(|| pupil.livret_id.clone());
                outln!("{name}");
                for cell in &pupil.subjects {
                    let (s, w) = (&cell.subject, state_word(lang, cell.state));
                    outln!("  {s:<8} {w}");
                }
                let w = state_word(lang, pupil.synthesis);
                outln!("  {:<8} {w}", lang.pick("synthèse", "synthesis"));
                let w = state_word(lang, pupil.vie_scolaire);
                outln!("  {:<8} {w}", lang.pick("vie sco.", "attend."));
            }
            if !status.not_granted.is_empty() {
                let names = status.not_granted.join(", ");
                outln!(
                    "{}",
                    tr!(
                        lang,
                        "Pas encore d'autorisation d'écrire l'année {y} : {names}",
                        "No grant to write year {y} yet: {names}"
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
