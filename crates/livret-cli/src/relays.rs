//! `livret relay serve` (run a relay) and `livret relays …` (the relays this device uses).

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use livret::node::NetNotice;
use livret::{core::Lang, relay};
use livret_net::{Multiaddr, RelayEvent};

use crate::ctx::Ctx;
use crate::shutdown::Shutdown;
use crate::util::{fail, print_json};
use crate::{outln, tr};

/// `livret relay …`
#[derive(Debug, Subcommand)]
pub enum RelayCommand {
    /// Fait tourner un relais (circuit relay v2) : les appareils qui ne partagent pas de réseau se joignent par lui ; il ne garde rien
    Serve {
        /// Adresse d'écoute (multiaddr TCP, par exemple /ip4/0.0.0.0/tcp/4001) ; répétable
        #[arg(long = "listen", value_name = "MULTIADDR", required = true)]
        listen: Vec<String>,
        /// Garde aussi une boîte aux lettres de lettres scellées dans ce dossier, pour les appareils jamais en ligne ensemble
        #[arg(long = "mailbox", value_name = "DIR")]
        mailbox: Option<std::path::PathBuf>,
        /// Jours pendant lesquels une lettre non relevée est gardée (défaut 14)
        #[arg(long = "mailbox-days", value_name = "N", default_value_t = 14, requires = "mailbox",
              value_parser = clap::value_parser!(u64).range(1..=365))]
        mailbox_days: u64,
        /// Mégaoctets gardés au plus par destinataire et par expéditeur (défaut 16)
        #[arg(long = "mailbox-mb", value_name = "M", default_value_t = 16, requires = "mailbox",
              value_parser = clap::value_parser!(u64).range(1..=4096))]
        mailbox_mb: u64,
    },
}

/// `livret relays …`
#[derive(Debug, Subcommand)]
pub enum RelaysCommand {
    /// Ajoute un relais (son adresse telle que « livret relay serve » l'affiche, terminée par /p2p/…)
    Add {
        /// L'adresse du relais
        #[arg(value_name = "MULTIADDR")]
        address: String,
    },
    /// Liste les relais de cet appareil
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Retire un relais
    Remove {
        /// L'adresse du relais
        #[arg(value_name = "MULTIADDR")]
        address: String,
    },
}

/// `livret relays …`
pub fn relays(ctx: &Ctx, command: &RelaysCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    match command {
        RelaysCommand::Add { address } => {
            let a = dev.add_relay(address)?;
            outln!(
                "{}",
                tr!(
                    lang,
                    "Relais ajouté : {a}. « livret serve » et « livret app » y gardent une réservation ; les invitations portent l'adresse relayée.",
                    "Relay added: {a}. \"livret serve\" and \"livret app\" hold a reservation on it; invitations carry the relayed address."
                )
            );
        }
        RelaysCommand::Remove { address } => {
            let a = dev.remove_relay(address)?;
            outln!("{}", tr!(lang, "Relais retiré : {a}", "Relay removed: {a}"));
        }
        RelaysCommand::List { json } => {
            let list: Vec<String> = dev.relays()?.iter().map(|a| a.to_string()).collect();
            if *json {
                print_json(&list)?;
            } else if list.is_empty() {
                outln!(
                    "{}",
                    lang.pick(
                        "Aucun relais : cet appareil n'est joignable que sur son réseau local.",
                        "No relay: this device can be reached on its local network only."
                    )
                );
            } else {
                for a in list {
                    outln!("{a}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret relay serve`
pub async fn relay(ctx: &Ctx, command: &RelayCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let RelayCommand::Serve {
        listen,
        mailbox,
        mailbox_days,
        mailbox_mb,
    } = command;
    let mut addrs: Vec<Multiaddr> = Vec::new();
    for a in listen {
        match a.trim().parse::<Multiaddr>() {
            Ok(m) => addrs.push(m),
            Err(e) => {
                return fail(
                    format!("champ « listen » : adresse « {a} » invalide : {e}"),
                    format!("field \"listen\": invalid address \"{a}\": {e}"),
                )
            }
        }
    }
    let shutdown = Shutdown::install()?;
    let mailbox = mailbox.as_ref().map(|dir| livret_net::MailboxConfig {
        dir: dir.clone(),
        limits: livret_net::MailboxLimits::with(*mailbox_days, *mailbox_mb),
    });
    match &mailbox {
        None => outln!(
            "{}",
            lang.pick(
                "Relais livret : il ne garde rien (ni livret, ni message) ; réservations, circuits, durées et octets bornés. Ctrl-C pour arrêter.",
                "livret relay: it keeps nothing (no livret, no message); reservations, circuits, durations and bytes bounded. Ctrl-C to stop."
            )
        ),
        Some(m) => {
            let (dir, days, mb) = (m.dir.display(), mailbox_days, mailbox_mb);
            outln!(
            "{}",
            tr!(
                lang,
                "Relais livret avec boîte aux lettres ({dir}) : lettres scellées gardées {days} jours au plus, {mb} Mo par destinataire et par expéditeur, effacées une fois relevées ; il ne peut pas les lire. Ctrl-C pour arrêter.",
                "livret relay with a mailbox ({dir}): sealed letters kept {days} days at most, {mb} MB per recipient and per sender, deleted once fetched; it cannot read them. Ctrl-C to stop."
            )
        )
        }
    }
    relay::serve_relay(&ctx.home, addrs, mailbox, shutdown.wait(), move |e| {
        outln!("{}", relay_line(lang, &e));
    })
    .await?;
    outln!("{}", lang.pick("Arrêt.", "Stopped."));
    Ok(ExitCode::SUCCESS)
}

fn relay_line(lang: Lang, e: &RelayEvent) -> String {
    match e {
        RelayEvent::Listening(a) => tr!(
            lang,
            "À l'écoute : {a}   (à donner aux familles : livret relays add {a})",
            "Listening: {a}   (give it to families: livret relays add {a})"
        ),
        RelayEvent::Reserved { reservations } => tr!(
            lang,
            "Réservation acceptée ({reservations} en cours)",
            "Reservation accepted ({reservations} held)"
        ),
        RelayEvent::ReservationEnded { reservations } => tr!(
            lang,
            "Réservation terminée ({reservations} en cours)",
            "Reservation ended ({reservations} held)"
        ),
        RelayEvent::CircuitOpened { circuits } => tr!(
            lang,
            "Circuit ouvert ({circuits} en cours)",
            "Circuit opened ({circuits} open)"
        ),
        RelayEvent::CircuitClosed { circuits } => tr!(
            lang,
            "Circuit fermé ({circuits} en cours)",
            "Circuit closed ({circuits} open)"
        ),
        RelayEvent::Denied { what } => tr!(
            lang,
            "Refusé ({what}) : limite atteinte ou destinataire sans réservation",
            "Denied ({what}): bound reached or destination without a reservation"
        ),
        RelayEvent::MailboxOpen { letters, bytes } => tr!(
            lang,
            "Boîte aux lettres ouverte : {letters} lettre(s) en attente ({bytes} octets)",
            "Mailbox open: {letters} letter(s) waiting ({bytes} bytes)"
        ),
        RelayEvent::LetterDeposited => lang
            .pick("Lettre scellée déposée", "Sealed letter deposited")
            .to_string(),
        RelayEvent::LettersFetched { letters } => tr!(
            lang,
            "Lettres relevées par leur destinataire : {letters}",
            "Letters fetched by their recipient: {letters}"
        ),
        RelayEvent::LettersDeleted { letters } => tr!(
            lang,
            "Lettres reçues et effacées : {letters}",
            "Letters received and deleted: {letters}"
        ),
        RelayEvent::LettersExpired { letters } => tr!(
            lang,
            "Lettres trop anciennes effacées : {letters}",
            "Letters too old deleted: {letters}"
        ),
        RelayEvent::MailboxRefused(why) => {
            let why = livret::core::Localized::localized(why, lang);
            tr!(
                lang,
                "Boîte aux lettres : refusé ({why})",
                "Mailbox: refused ({why})"
            )
        }
        _ => String::new(),
    }
}

/// One line for a notice of the node (relays, reachability, hole punching).
pub fn notice_line(lang: Lang, n: &NetNotice) -> String {
    match n {
        NetNotice::RelayReserved { relay, renewal } => {
            if *renewal {
                tr!(
                    lang,
                    "Réservation renouvelée sur le relais {relay}",
                    "Reservation renewed on relay {relay}"
                )
            } else {
                tr!(
                    lang,
                    "Réservation obtenue sur le relais {relay} : joignable par lui",
                    "Reservation held on relay {relay}: reachable through it"
                )
            }
        }
        NetNotice::RelayLost { relay, reason } => tr!(
            lang,
            "Relais {relay} injoignable ou réservation perdue ({reason}) ; nouvel essai dans 30 s",
            "Relay {relay} unreachable or reservation lost ({reason}); trying again in 30 s"
        ),
        NetNotice::Reachable(Some(true)) => lang
            .pick(
                "Joignable directement : oui (AutoNAT)",
                "Directly reachable: yes (AutoNAT)",
            )
            .to_string(),
        NetNotice::Reachable(Some(false)) => lang
            .pick(
                "Joignable directement : non, derrière un NAT (AutoNAT) ; les autres appareils passent par un relais",
                "Directly reachable: no, behind a NAT (AutoNAT); other devices go through a relay",
            )
            .to_string(),
        NetNotice::Reachable(None) => lang
            .pick(
                "Joignable directement : inconnu (AutoNAT)",
                "Directly reachable: unknown (AutoNAT)",
            )
            .to_string(),
        NetNotice::Direct { peer } => tr!(
            lang,
            "Connexion directe avec {peer} (perçage du NAT réussi)",
            "Direct connection with {peer} (hole punching succeeded)"
        ),
        NetNotice::StillRelayed { peer, reason } => tr!(
            lang,
            "Perçage du NAT impossible avec {peer} ({reason}) : la synchronisation passe par le relais",
            "Hole punching failed with {peer} ({reason}): sync goes through the relay"
        ),
        _ => String::new(),
    }
}
