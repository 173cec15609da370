//! Commands of teaching teams: `livret team …` (school device) and `livret grant-team`
//! (family device).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use livret::core::grant::Rights;
use livret::core::{Lang, Section};
use livret::TeamView;

use crate::ctx::Ctx;
use crate::util::{print_json, short, AtomicFile};
use crate::{outln, tr};

/// `livret team …`
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Crée une équipe pédagogique (appareil d'établissement) : sa liste signée, version 1, sans membre
    Create {
        /// Classe (division), par exemple 5B
        #[arg(long, value_name = "DIVISION")]
        class: String,
        /// Année scolaire (année de la rentrée, par exemple 2026)
        #[arg(long, value_name = "AAAA")]
        year: u16,
        /// Nom de l'équipe
        #[arg(long, value_name = "NOM")]
        name: Option<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Ajoute un appareil à l'équipe (ou change ses matières) : une nouvelle version signée de la liste
    Add {
        /// Identifiant de l'équipe
        #[arg(value_name = "EQUIPE")]
        team: String,
        /// Identifiant de l'appareil de l'enseignant
        #[arg(value_name = "APPAREIL")]
        device: String,
        /// Code de matière (6 caractères) ; répétable
        #[arg(long = "subject", value_name = "CODE")]
        subjects: Vec<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Retire un appareil de l'équipe : une nouvelle version signée de la liste, sans lui
    Remove {
        /// Identifiant de l'équipe
        #[arg(value_name = "EQUIPE")]
        team: String,
        /// Identifiant de l'appareil
        #[arg(value_name = "APPAREIL")]
        device: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Liste les équipes de l'établissement
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Affiche une équipe : classe, version de sa liste, membres et matières
    Show {
        /// Identifiant de l'équipe
        #[arg(value_name = "EQUIPE")]
        team: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Affiche la carte de l'équipe (code QR LIVRET-EQUIPE:…) que la famille scanne pour autoriser l'équipe
    Card {
        /// Identifiant de l'équipe
        #[arg(value_name = "EQUIPE")]
        team: String,
        /// Une adresse où joindre l'équipe (multiaddr ; sinon la dernière où cet appareil était joignable, s'il y en a une)
        #[arg(long, value_name = "MULTIADDR")]
        address: Option<String>,
        /// Écrit aussi le code QR dans ce fichier PNG
        #[arg(long, value_name = "FICHIER")]
        qr_png: Option<PathBuf>,
        /// Écrit aussi le code QR dans ce fichier SVG
        #[arg(long, value_name = "FICHIER")]
        qr_svg: Option<PathBuf>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Délègue la liste de l'équipe à l'appareil d'un enseignant, le PP (appareil d'établissement) : il pourra ajouter et retirer des membres et montrer la carte ; la prochaine modification de la liste par l'établissement met fin à la délégation
    Delegate {
        /// Identifiant de l'équipe
        #[arg(value_name = "EQUIPE")]
        team: String,
        /// Identifiant de l'appareil délégué
        #[arg(value_name = "APPAREIL")]
        device: String,
        /// Dernier jour de la délégation (AAAA-MM-JJ ; par défaut, la fin de validité de la liste)
        #[arg(long, value_name = "AAAA-MM-JJ")]
        until: Option<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Prend la nouvelle liste d'une équipe depuis sa carte (appareil d'un membre ou de la famille) : elle passe ensuite aux autres membres et à la famille à chaque synchronisation ; la carte d'une délégation (livret team delegate) fait de cet appareil le gestionnaire de l'équipe
    Update {
        /// La carte de l'équipe (texte LIVRET-EQUIPE:… de son code QR)
        #[arg(long, value_name = "CARTE")]
        card: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret grant-team …`
#[derive(Debug, Args)]
pub struct GrantTeamArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// La carte de l'équipe (texte LIVRET-EQUIPE:… de son code QR)
    #[arg(long, value_name = "CARTE")]
    pub card: String,
    /// Sections autorisées, séparées par des virgules (par exemple annee/2026)
    #[arg(long, value_name = "SECTIONS", required_unless_present = "dry_run")]
    pub sections: Option<String>,
    /// Droits : read (lire) ou write (lire et écrire)
    #[arg(long, value_name = "DROITS", required_unless_present = "dry_run")]
    pub rights: Option<String>,
    /// Dernier jour de l'autorisation (AAAA-MM-JJ)
    #[arg(long, value_name = "AAAA-MM-JJ", required_unless_present = "dry_run")]
    pub until: Option<String>,
    /// Chaque membre n'écrit que les inscriptions de ses matières
    #[arg(long)]
    pub own_subjects: bool,
    /// Affiche l'équipe que la carte présente, sans rien accorder
    #[arg(long)]
    pub dry_run: bool,
    /// Sortie JSON
    #[arg(long)]
    pub json: bool,
}

fn print_team(lang: Lang, t: &TeamView) {
    let (id, class, year, version, until) = (&t.team_id, &t.class, t.year, t.version, &t.until);
    let name = t.name.clone().unwrap_or_default();
    outln!(
        "{}",
        tr!(
            lang,
            "Équipe {id} {name} — classe {class} {year} — liste version {version}, valable jusqu'au {until}",
            "Team {id} {name} — class {class} {year} — roster version {version}, valid until {until}"
        )
    );
    if let Some(school) = &t.school_name {
        let key = short(&t.school);
        outln!(
            "{}",
            tr!(
                lang,
                "  Établissement : {school} ({key}…)",
                "  School: {school} ({key}…)"
            )
        );
    }
    if t.members.is_empty() {
        outln!("{}", lang.pick("  (aucun membre)", "  (no member)"));
    }
    for m in &t.members {
        let subjects = m.subjects.join(", ");
        outln!("  {}  {subjects}", m.device);
    }
}

fn show(lang: Lang, team: &TeamView, json: bool) -> Result<ExitCode> {
    if json {
        print_json(team)?;
    } else {
        print_team(lang, team);
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret team …`
pub fn team(ctx: &Ctx, command: &TeamCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    match command {
        TeamCommand::Create {
            class,
            year,
            name,
            json,
        } => show(
            lang,
            &dev.team_create(class, *year, name.as_deref())?,
            *json,
        ),
        TeamCommand::Add {
            team,
            device,
            subjects,
            json,
        } => show(lang, &dev.team_add(team, device, subjects)?, *json),
        TeamCommand::Remove { team, device, json } => {
            show(lang, &dev.team_remove(team, device)?, *json)
        }
        TeamCommand::List { json } => {
            let teams = dev.teams()?;
            if *json {
                print_json(&teams)?;
            } else if teams.is_empty() {
                outln!("{}", lang.pick("Aucune équipe.", "No team."));
            }
            if !*json {
                for t in &teams {
                    print_team(lang, t);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Show { team, json } => show(lang, &dev.team(team)?, *json),
        TeamCommand::Card {
            team,
            address,
            qr_png,
            qr_svg,
            json,
        } => {
            // The address given, else the first where this device was last reachable.
            let address = match address.as_deref() {
                Some(a) => Some(crate::commands::user_address(a)?),
                None => dev.invitation_addresses()?.into_iter().next(),
            };
            let png = qr_png.as_deref().map(AtomicFile::create).transpose()?;
            let svg = qr_svg.as_deref().map(AtomicFile::create).transpose()?;
            let card = dev.team_card(team, address)?;
            let qr = card.qr()?;
            if let Some(f) = png {
                let bytes = qr
                    .to_png()
                    .map_err(|e| livret::Error::Protocol(e.to_string()))?;
                f.commit(&bytes)?;
            }
            if let Some(f) = svg {
                f.commit(qr.to_svg().as_bytes())?;
            }
            if *json {
                print_json(&card)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!("{}", qr.to_terminal());
            outln!(
                "{}",
                lang.pick(
                    "Carte de l'équipe, à scanner par la famille (livret grant-team LIVRET --card …) :",
                    "The team's card, for the family to scan (livret grant-team LIVRET --card …):"
                )
            );
            outln!("{}", card.text);
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Delegate {
            team,
            device,
            until,
            json,
        } => {
            let card = dev.team_delegate(team, device, until.as_deref())?;
            if *json {
                print_json(&card)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "{}",
                lang.pick(
                    "Délégation signée. Sur l'appareil délégué : livret team update --card …",
                    "Delegation signed. On the delegated device: livret team update --card …"
                )
            );
            outln!("{}", card.text);
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Update { card, json } => {
            let update = dev.team_update(card)?;
            let livrets = &update.livrets;
            if *json {
                print_json(&serde_json::json!({
                    "livrets": livrets,
                    "delegated": update.delegated,
                }))?;
            } else {
                if let Some(t) = &update.delegated {
                    outln!(
                        "{}",
                        lang.pick(
                            "Délégation reçue : cet appareil gère désormais la liste de cette équipe (livret team add/remove/card).",
                            "Delegation received: this device now manages this team's roster (livret team add/remove/card)."
                        )
                    );
                    print_team(lang, t);
                }
                outln!(
                    "{}",
                    lang.pick(
                        "Liste de l'équipe reçue ; elle vaut pour ces livrets :",
                        "Team roster received; it counts for these livrets:"
                    )
                );
                for l in livrets {
                    outln!("  {l}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `livret grant-team`
pub fn grant_team(ctx: &Ctx, args: &GrantTeamArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    let livret = dev.resolve_livret(&args.livret)?;
    let team = dev.read_team_card(&args.card)?;
    if args.dry_run {
        return show(lang, &team, args.json);
    }
    let (Some(sections), Some(rights), Some(until)) = (&args.sections, &args.rights, &args.until)
    else {
        return crate::util::fail(
            "--sections, --rights et --until sont requis",
            "--sections, --rights and --until are required",
        );
    };
    let sections = Section::parse_list(sections).map_err(livret::Error::from)?;
    let rights: Rights = rights.parse().map_err(livret::Error::from)?;
    let grant = dev.grant_team(
        livret,
        &args.card,
        &sections,
        rights,
        until,
        args.own_subjects,
    )?;
    if args.json {
        print_json(&grant)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_team(lang, &team);
    let (gid, class, until, sections) = (
        &grant.grant_id,
        &grant.class,
        &grant.until,
        grant.sections.join(", "),
    );
    let rights = match (lang, rights) {
        (Lang::Fr, r) => r.french().to_string(),
        (Lang::En, r) => r.as_str().to_string(),
    };
    outln!(
        "{}",
        tr!(
            lang,
            "Autorisation d'équipe {gid} accordée à l'équipe de la classe {class} : {rights}, sections {sections}, jusqu'au {until} inclus.",
            "Team grant {gid} given to the team of class {class}: {rights}, sections {sections}, through {until}."
        )
    );
    Ok(ExitCode::SUCCESS)
}
