//! Commands of schools, certificates, trust anchors, lycée content and purge.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use livret::SignedCard;

use crate::ctx::Ctx;
use crate::util::{print_json, AtomicFile};
use crate::{outln, tr};

/// `livret certify …`
#[derive(Debug, Args)]
pub struct CertifyArgs {
    /// Identifiant de l'appareil de l'enseignant (livret id sur son appareil)
    #[arg(value_name = "APPAREIL")]
    pub device_id: String,
    /// Nom de l'enseignant, tel que l'établissement le connaît
    #[arg(long, value_name = "NOM")]
    pub name: String,
    /// Dernier jour de validité du certificat (AAAA-MM-JJ)
    #[arg(long, value_name = "AAAA-MM-JJ")]
    pub until: String,
    /// Écrit aussi le code QR dans ce fichier PNG
    #[arg(long, value_name = "FICHIER")]
    pub qr_png: Option<PathBuf>,
    /// Sortie JSON
    #[arg(long)]
    pub json: bool,
}

/// `livret certificate …`
#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// Importe le certificat donné par l'établissement (texte LIVRET-CERT:…) ; les inscriptions écrites ensuite le portent
    Import {
        /// Le certificat (texte du code QR)
        #[arg(value_name = "CERTIFICAT")]
        certificate: String,
    },
    /// Affiche le certificat de cet enseignant
    Show {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret trust …`
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Reconnaît un établissement : sa carte (texte LIVRET-ECOLE:… de son code QR) ou sa clé
    Add {
        /// La carte de l'établissement ou sa clé
        #[arg(value_name = "CLE_OU_CARTE")]
        school: String,
    },
    /// Liste les établissements reconnus
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret school …`
#[derive(Debug, Subcommand)]
pub enum SchoolCommand {
    /// Affiche la carte de l'établissement (code QR) que les familles et les jurys reconnaissent
    Card {
        /// Écrit aussi le code QR dans ce fichier PNG
        #[arg(long, value_name = "FICHIER")]
        qr_png: Option<PathBuf>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret lycee …`
#[derive(Debug, Args)]
pub struct LyceeArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// Année scolaire (année de la rentrée)
    #[arg(long, value_name = "AAAA")]
    pub year: u16,
    /// Période I/N
    #[arg(long, value_name = "I/N")]
    pub period: String,
    /// Code de la discipline (6 caractères)
    #[arg(long, value_name = "CODE")]
    pub subject: String,
    /// Libellé de la discipline, s'il n'est pas dans la liste officielle
    #[arg(long, value_name = "LIBELLÉ")]
    pub label: Option<String>,
    /// Moyenne de l'élève (8 caractères au plus, par exemple 14,5)
    #[arg(long, value_name = "MOYENNE")]
    pub average: String,
    /// Moyenne de la classe
    #[arg(long, value_name = "MOYENNE")]
    pub class_average: String,
    /// Plus basse moyenne de la classe
    #[arg(long, value_name = "MOYENNE")]
    pub class_min: String,
    /// Plus haute moyenne de la classe
    #[arg(long, value_name = "MOYENNE")]
    pub class_max: String,
    /// Appréciation annuelle (600 caractères au plus)
    #[arg(long, value_name = "TEXTE")]
    pub text: String,
}

/// `livret lycee-avis …`
#[derive(Debug, Args)]
pub struct LyceeAvisArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// Année scolaire (année de la rentrée)
    #[arg(long, value_name = "AAAA")]
    pub year: u16,
    /// Engagement et responsabilités de l'élève
    #[arg(long, value_name = "TEXTE")]
    pub engagement: String,
    /// Avis du chef d'établissement
    #[arg(long, value_name = "TEXTE")]
    pub head: String,
    /// Avis pour l'examen : tres-favorable, favorable ou doit-faire-ses-preuves
    #[arg(long, value_name = "AVIS")]
    pub exam: String,
}

fn show_card(
    ctx: &Ctx,
    card: &SignedCard,
    qr_png: Option<&std::path::Path>,
    json: bool,
) -> Result<()> {
    let qr = card.qr()?;
    if let Some(path) = qr_png {
        let file = AtomicFile::create(path)?;
        let png = qr
            .to_png()
            .map_err(|e| livret::Error::Protocol(e.to_string()))?;
        file.commit(&png)?;
    }
    if json {
        return print_json(card);
    }
    outln!("{}", qr.to_terminal());
    outln!("{}", card.text);
    let _ = ctx;
    Ok(())
}

/// `livret certify`
pub fn certify(ctx: &Ctx, args: &CertifyArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    let card = dev.certify(&args.device_id, &args.name, &args.until)?;
    if !args.json {
        let (name, until) = (&args.name, &args.until);
        outln!(
            "{}",
            tr!(
                lang,
                "Certificat de {name}, valable jusqu'au {until} inclus. À importer sur son appareil : livret certificate import <texte>",
                "Certificate of {name}, valid through {until}. To import on their device: livret certificate import <text>"
            )
        );
    }
    show_card(ctx, &card, args.qr_png.as_deref(), args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// `livret certificate …`
pub fn certificate(ctx: &Ctx, command: &CertificateCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    match command {
        CertificateCommand::Import { certificate } => {
            let view = dev.import_certificate(certificate)?;
            let (name, until, school) = (&view.name, &view.until, crate::util::short(&view.school));
            outln!(
                "{}",
                tr!(
                    lang,
                    "Certificat importé : {name}, établissement {school}…, valable jusqu'au {until}. Vos prochaines inscriptions le porteront.",
                    "Certificate imported: {name}, school {school}…, valid until {until}. Your next entries will carry it."
                )
            );
        }
        CertificateCommand::Show { json } => {
            let view = dev.certificate()?;
            if *json {
                print_json(&view)?;
            } else {
                match view {
                    Some(v) => {
                        let (name, until, school) = (&v.name, &v.until, &v.school);
                        outln!(
                            "{}",
                            tr!(
                                lang,
                                "{name} — établissement {school} — jusqu'au {until}",
                                "{name} — school {school} — until {until}"
                            )
                        );
                    }
                    None => outln!(
                        "{}",
                        lang.pick("Aucun certificat valable.", "No valid certificate.")
                    ),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret trust …`
pub fn trust(ctx: &Ctx, command: &TrustCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    match command {
        TrustCommand::Add { school } => {
            let anchor = dev.trust_add(school)?;
            let key = &anchor.school;
            match (&anchor.name, &anchor.uai) {
                (Some(name), Some(uai)) => outln!(
                    "{}",
                    tr!(
                        lang,
                        "Établissement reconnu : {name} ({uai}), clé {key}",
                        "School trusted: {name} ({uai}), key {key}"
                    )
                ),
                _ => outln!(
                    "{}",
                    tr!(
                        lang,
                        "Établissement reconnu : clé {key}",
                        "School trusted: key {key}"
                    )
                ),
            }
        }
        TrustCommand::List { json } => {
            let list = dev.trust_list()?;
            if *json {
                print_json(&list)?;
            } else if list.is_empty() {
                outln!(
                    "{}",
                    lang.pick("Aucun établissement reconnu.", "No trusted school.")
                );
            } else {
                for a in list {
                    let name = a.name.unwrap_or_default();
                    let uai = a.uai.unwrap_or_default();
                    outln!("{}  {name} {uai}", a.school);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret school card`
pub fn school(ctx: &Ctx, command: &SchoolCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = ctx.open()?;
    match command {
        SchoolCommand::Card { qr_png, json } => {
            let card = dev.school_card()?;
            if !json {
                outln!(
                    "{}",
                    lang.pick(
                        "Carte de l'établissement, à faire reconnaître par les familles et les jurys (livret trust add <texte>) :",
                        "The school's card, for families and juries to trust (livret trust add <text>):"
                    )
                );
            }
            show_card(ctx, &card, qr_png.as_deref(), *json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret purge`
pub fn purge(ctx: &Ctx) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    let purged = dev.purge()?;
    if purged.is_empty() {
        outln!("{}", lang.pick("Rien à effacer.", "Nothing to delete."));
    }
    for l in purged {
        outln!(
            "{}",
            tr!(
                lang,
                "Livret {l} effacé de cet appareil (autorisation terminée).",
                "Livret {l} deleted from this device (grant ended)."
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret lycee`
pub fn lycee(ctx: &Ctx, a: &LyceeArgs) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let livret = dev.resolve_livret(&a.livret)?;
    let key = dev.lycee_subject(
        livret,
        a.year,
        &a.period,
        &a.subject,
        a.label.as_deref(),
        &a.average,
        [&a.class_average, &a.class_min, &a.class_max],
        &a.text,
    )?;
    let lang = ctx.lang;
    outln!(
        "{}",
        tr!(lang, "Inscription signée : {key}", "Signed entry: {key}")
    );
    Ok(ExitCode::SUCCESS)
}

/// `livret lycee-avis`
pub fn lycee_avis(ctx: &Ctx, a: &LyceeAvisArgs) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let livret = dev.resolve_livret(&a.livret)?;
    let key = dev.lycee_opinion(livret, a.year, &a.engagement, &a.head, &a.exam)?;
    let lang = ctx.lang;
    outln!(
        "{}",
        tr!(lang, "Inscription signée : {key}", "Signed entry: {key}")
    );
    Ok(ExitCode::SUCCESS)
}
