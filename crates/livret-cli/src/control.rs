//! `livret forget`, `livret delete` and `livret device revoke`: the family erases what it
//! wants forgotten and shuts out a lost device. The rules are in `livret::Device`.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use livret::core::{Lang, Section};

use crate::ctx::Ctx;
use crate::util::print_json;
use crate::{outln, tr};

/// `livret forget …`
#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// La section (par exemple annee/2025, accompagnement)
    #[arg(long, value_name = "SECTION")]
    pub section: String,
    /// Une seule inscription (sa clé, comme « livret show » l'affiche) ; sinon toute la section
    #[arg(long, value_name = "CLE")]
    pub entry: Option<String>,
    /// Sortie JSON
    #[arg(long)]
    pub json: bool,
}

/// `livret delete …`
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// Confirme la suppression (sans cette option, rien n'est supprimé)
    #[arg(long)]
    pub yes: bool,
    /// Signe la suppression avec la clé de secours (ses 24 mots lus sur l'entrée standard) : nécessaire quand le livret a un autre parent qui n'a pas donné son accord
    #[arg(long)]
    pub words_stdin: bool,
}

/// `livret device …`
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Révoque un appareil de la famille perdu ou volé : il ne reçoit plus rien et ce qu'il signe ne compte plus
    Revoke {
        /// Identifiant de l'appareil à révoquer (voir « livret show » ou « livret id » sur cet appareil)
        #[arg(value_name = "APPAREIL")]
        device: String,
        /// Garder valables les autorisations que cet appareil avait données (sinon elles sont annulées)
        #[arg(long)]
        keep_grants: bool,
        /// Signe la révocation avec la clé de secours (ses 24 mots lus sur l'entrée standard) : pour un appareil d'un autre parent, ou pour rétablir un appareil qu'un autre appareil a révoqué (en révoquant celui-ci)
        #[arg(long)]
        words_stdin: bool,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Liste les appareils propriétaires d'un livret, chacun avec son parent, la clé de secours, et ceux qui sont révoqués
    List {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret forget LIVRET --section S [--entry KEY]`
pub fn forget(ctx: &Ctx, args: &ForgetArgs) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(&args.livret)?;
    let section = Section::from_typed(&args.section).map_err(livret::Error::from)?;
    let report = dev.forget(id, section, args.entry.as_deref())?;
    if args.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let line = match (ctx.lang, args.entry.is_some()) {
        (Lang::Fr, true) => format!(
            "Inscription effacée de la section « {section} », historique compris ({} inscription(s) restante(s)).",
            report.remaining_entries
        ),
        (Lang::En, true) => format!(
            "Entry erased from section \"{section}\", history included ({} entries left).",
            report.remaining_entries
        ),
        (Lang::Fr, false) => format!(
            "Section « {section} » effacée, historique compris ({} inscription(s)).",
            report.erased_entries
        ),
        (Lang::En, false) => format!(
            "Section \"{section}\" erased, history included ({} entries).",
            report.erased_entries
        ),
    };
    outln!("{line}");
    let next = tr!(
        ctx.lang,
        "Les autres appareils de la famille et ceux qui détiennent cette section l'effaceront à leur prochaine synchronisation avec celui-ci.",
        "The family's other devices and those holding this section will erase it at their next sync with this one."
    );
    outln!("{next}");
    Ok(ExitCode::SUCCESS)
}

/// `livret delete LIVRET --yes`
pub fn delete(ctx: &Ctx, args: &DeleteArgs) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(&args.livret)?;
    if !args.yes {
        let why = tr!(
            ctx.lang,
            "la suppression du livret {id} est définitive : relancez avec --yes pour confirmer",
            "deleting livret {id} cannot be undone: run again with --yes to confirm",
        );
        anyhow::bail!("{why}");
    }
    if args.words_stdin {
        let words = crate::rights::read_words(None, ctx.lang)?;
        let key =
            livret::core::recovery::RecoveryKey::from_words(&words).map_err(livret::Error::from)?;
        dev.delete_livret_with_recovery(id, &key)?;
    } else {
        dev.delete_livret(id)?;
    }
    let done = tr!(
        ctx.lang,
        "Livret {id} supprimé de cet appareil. Les autres appareils de la famille et les appareils autorisés le supprimeront à leur prochaine synchronisation avec celui-ci ; le journal ne garde que la trace de la suppression.",
        "Livret {id} deleted from this device. The family's other devices and the authorized devices will delete it at their next sync with this one; the log keeps only that it happened.",
    );
    outln!("{done}");
    Ok(ExitCode::SUCCESS)
}

/// `livret device revoke DEVICE_ID [--keep-grants]`
pub fn device(ctx: &Ctx, command: &DeviceCommand) -> Result<ExitCode> {
    match command {
        DeviceCommand::List { livret, json } => list_owners(ctx, livret, *json),
        DeviceCommand::Revoke {
            device,
            keep_grants,
            words_stdin,
            json,
        } => {
            let mut dev = ctx.open()?;
            let report = if *words_stdin {
                let words = crate::rights::read_words(None, ctx.lang)?;
                let key = livret::core::recovery::RecoveryKey::from_words(&words)
                    .map_err(livret::Error::from)?;
                dev.revoke_device_with_recovery(device, *keep_grants, &key)?
            } else {
                dev.revoke_device(device, *keep_grants)?
            };
            if *json {
                print_json(&report)?;
                return Ok(ExitCode::SUCCESS);
            }
            let (who, n) = (&report.device, report.livrets.len());
            let done = tr!(
                ctx.lang,
                "Appareil {who} révoqué sur {n} livret(s) : il ne recevra plus rien des appareils de la famille.",
                "Device {who} revoked on {n} livret(s): it will get nothing more from the family's devices.",
            );
            outln!("{done}");
            let (kept, voided) = (report.kept_grants.len(), report.voided_grants.len());
            let grants = if *keep_grants {
                tr!(
                    ctx.lang,
                    "{kept} autorisation(s) qu'il avait données restent valables.",
                    "{kept} grant(s) it had issued stay valid.",
                )
            } else {
                tr!(
                    ctx.lang,
                    "{voided} autorisation(s) qu'il avait données sont annulées.",
                    "{voided} grant(s) it had issued are void.",
                )
            };
            outln!("{grants}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `livret device list LIVRET [--json]`
fn list_owners(ctx: &Ctx, livret: &str, json: bool) -> Result<ExitCode> {
    let dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let owners = dev.owner_devices(id)?;
    if json {
        print_json(&owners)?;
        return Ok(ExitCode::SUCCESS);
    }
    let lang = ctx.lang;
    for o in &owners {
        let who = crate::util::short(&o.device);
        let name = &o.name;
        let what = match o.kind.as_str() {
            "recovery" => lang.pick("clé de secours", "recovery key").to_string(),
            _ => {
                let parent = o.parent_name.clone().unwrap_or_default();
                let parent = if parent.is_empty() {
                    o.parent
                        .as_deref()
                        .map(crate::util::short)
                        .unwrap_or_default()
                } else {
                    parent
                };
                tr!(lang, "parent : {parent}", "parent: {parent}")
            }
        };
        let state = match (o.revoked, o.kind.as_str()) {
            (true, "recovery") => lang.pick(" — remplacée", " — replaced"),
            (true, _) => lang.pick(" — révoqué", " — revoked"),
            _ => "",
        };
        let me = if o.this_device {
            lang.pick(" (cet appareil)", " (this device)")
        } else {
            ""
        };
        outln!("{who}  {name}{me} — {what}{state}");
    }
    Ok(ExitCode::SUCCESS)
}
