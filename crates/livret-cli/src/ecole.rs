//! `livret ecole …`: the école livret (cycles 2 and 3, CP to CM2), written by a teacher: a
//! domain's or sub-domain's line of a bilan périodique, a project, the general appréciation.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use livret::DomainInput;

use crate::commands::print_key;
use crate::ctx::Ctx;

/// What every école command names: the livret, the year and the period.
#[derive(Debug, Args)]
pub struct EcolePeriod {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// Année scolaire (année de la rentrée, par exemple 2025)
    #[arg(long, value_name = "AAAA")]
    pub year: u16,
    /// Période I/N, par exemple 1/3 (trimestre 1) ou 2/2 (semestre 2)
    #[arg(long, value_name = "I/N")]
    pub period: String,
}

/// `livret ecole …`
#[derive(Debug, Subcommand)]
pub enum EcoleCommand {
    /// Écrit la ligne d'un domaine (ou d'un sous-domaine) du bilan périodique : objectifs travaillés, positionnement, appréciation
    Domaine {
        #[command(flatten)]
        at: EcolePeriod,
        /// Cycle 2 (CP, CE1, CE2) ou 3 (CM1, CM2)
        #[arg(long, value_name = "2|3")]
        cycle: u8,
        /// Domaine : FRA, MAT, LVE, EPS, APL, EMU, EMC ; QLM (cycle 2) ; HDA, SCT, HGE (cycle 3)
        #[arg(long = "domaine", value_name = "CODE")]
        domain: String,
        /// Sous-domaine : FRA ORAL, LECT, ECRI, LANG ; MAT NOMB, GRAN, ESPA ; LVE COMP, EXPR, CONV, CULT (cycle 2) ou ECOU, LIRE, PARL, ECRI, DIAL, CULT (cycle 3) ; QLM VIVA, ESTE, ORGA ; HGE HIST, GEOG
        #[arg(long = "sous-domaine", value_name = "CODE")]
        sub_domain: Option<String>,
        /// Un objectif d'apprentissage travaillé (150 caractères au plus) ; répétable, 6 au plus
        #[arg(long = "objectif", value_name = "TEXTE")]
        objectives: Vec<String>,
        /// Positionnement de 1 à 4 (1 objectifs non atteints, 2 partiellement atteints, 3 atteints, 4 dépassés)
        #[arg(long, value_name = "1-4")]
        level: Option<u8>,
        /// Appréciation (600 caractères au plus ; facultative)
        #[arg(long, value_name = "APPRÉCIATION", default_value = "")]
        text: String,
    },
    /// Écrit un projet mis en œuvre pendant la période et l'implication de l'élève
    Projet {
        #[command(flatten)]
        at: EcolePeriod,
        /// Intitulé du projet (150 caractères au plus)
        #[arg(long = "titre", value_name = "TEXTE")]
        title: String,
        /// L'implication de l'élève dans le projet (600 caractères au plus ; facultative)
        #[arg(long, value_name = "TEXTE", default_value = "")]
        text: String,
    },
    /// Écrit l'appréciation générale sur la progression de l'élève pendant la période
    Appreciation {
        #[command(flatten)]
        at: EcolePeriod,
        /// Texte de l'appréciation générale (1000 caractères au plus)
        #[arg(long, value_name = "TEXTE")]
        text: String,
    },
}

/// `livret ecole`
pub fn ecole(ctx: &Ctx, command: &EcoleCommand) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let key = match command {
        EcoleCommand::Domaine {
            at,
            cycle,
            domain,
            sub_domain,
            objectives,
            level,
            text,
        } => {
            let id = dev.resolve_livret(&at.livret)?;
            let input = DomainInput {
                cycle: *cycle,
                domain: domain.clone(),
                sub_domain: sub_domain.clone(),
                objectives: objectives.clone(),
                level: *level,
                text: text.clone(),
            };
            dev.ecole_domain(id, at.year, &at.period, &input)?
        }
        EcoleCommand::Projet { at, title, text } => {
            let id = dev.resolve_livret(&at.livret)?;
            dev.ecole_project(id, at.year, &at.period, title, text)?
        }
        EcoleCommand::Appreciation { at, text } => {
            let id = dev.resolve_livret(&at.livret)?;
            dev.ecole_appreciation(id, at.year, &at.period, text)?
        }
    };
    print_key(ctx.lang, &key);
    Ok(ExitCode::SUCCESS)
}
