//! `livret section …` and `livret accompagnement`: the sensitive section, opened by the family
//! and written by an owner or a teacher it names.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use livret::core::{Lang, Localized, Section};

use crate::ctx::Ctx;
use crate::util::print_json;
use crate::{outln, tr};

/// `livret section …`
#[derive(Debug, Subcommand)]
pub enum SectionCommand {
    /// Ouvre la section sensible « accompagnement » d'un livret (propriétaire seulement) : avant, personne n'y écrit et aucune invitation ne la couvre
    Open {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// La section à ouvrir : accompagnement
        #[arg(value_name = "SECTION")]
        section: String,
    },
    /// Liste les sections d'un livret, sensibles ou non, ouvertes ou non
    List {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret accompagnement …`
#[derive(Debug, Args)]
pub struct AccompagnementArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// Mesure : PAP, PAI, PPRE, PPS, ULIS, UPE2A, SEGPA, RASED, CTR ou MDPH (notification)
    #[arg(long = "mesure", visible_alias = "measure", value_name = "MESURE")]
    pub measure: String,
    /// Premier jour de la mesure (AAAA-MM-JJ)
    #[arg(long = "debut", visible_alias = "start", value_name = "AAAA-MM-JJ")]
    pub start: String,
    /// Dernier jour de la mesure (AAAA-MM-JJ), s'il est connu
    #[arg(long = "fin", visible_alias = "end", value_name = "AAAA-MM-JJ")]
    pub end: Option<String>,
    /// Note (1000 caractères au plus)
    #[arg(long, value_name = "TEXTE")]
    pub note: Option<String>,
}

/// `livret section …`
pub fn section(ctx: &Ctx, command: &SectionCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    match command {
        SectionCommand::Open { livret, section } => {
            let mut dev = ctx.open()?;
            let id = dev.resolve_livret(livret)?;
            let section = Section::from_typed(section).map_err(livret::Error::from)?;
            let opened = dev.open_section(id, section)?;
            let line = match (opened, lang) {
                (true, Lang::Fr) => format!(
                    "Section sensible « {section} » ouverte pour le livret {id}. Elle n'est partagée qu'avec une invitation qui la nomme (--sections …,{section})."
                ),
                (true, Lang::En) => format!(
                    "Sensitive section \"{section}\" opened for livret {id}. It is shared only by an invitation that names it (--sections …,{section})."
                ),
                (false, Lang::Fr) => {
                    format!("La section « {section} » était déjà ouverte pour le livret {id}.")
                }
                (false, Lang::En) => {
                    format!("Section \"{section}\" was already open for livret {id}.")
                }
            };
            outln!("{line}");
        }
        SectionCommand::List { livret, json } => {
            let dev = ctx.open()?;
            let id = dev.resolve_livret(livret)?;
            let sections = dev.sections(id)?;
            if *json {
                print_json(&sections)?;
                return Ok(ExitCode::SUCCESS);
            }
            for s in &sections {
                let label = s.section.localized(lang);
                let n = s.entries;
                let state = match (s.sensitive, s.open) {
                    (false, _) => tr!(lang, "{n} inscription(s)", "{n} entr(y/ies)"),
                    (true, true) => tr!(
                        lang,
                        "⚠ sensible — ouverte — {n} inscription(s)",
                        "⚠ sensitive — open — {n} entr(y/ies)"
                    ),
                    (true, false) => lang
                        .pick(
                            "⚠ sensible — fermée (livret section open LIVRET accompagnement)",
                            "⚠ sensitive — closed (livret section open LIVRET accompagnement)",
                        )
                        .to_string(),
                };
                outln!("{} — {label} — {state}", s.section);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret accompagnement`
pub fn accompagnement(ctx: &Ctx, a: &AccompagnementArgs) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(&a.livret)?;
    let key = dev.accompagnement(
        id,
        &a.measure,
        &a.start,
        a.end.as_deref(),
        a.note.as_deref(),
    )?;
    let lang = ctx.lang;
    outln!(
        "{}",
        tr!(
            lang,
            "Mesure d'accompagnement écrite et signée dans la section sensible : {key}",
            "Support measure written and signed in the sensitive section: {key}"
        )
    );
    Ok(ExitCode::SUCCESS)
}
