//! The commands that use the network: serve, accept, sync.

use std::process::ExitCode;
use std::sync::PoisonError;
use std::time::Duration;

use anyhow::Result;
use livret::core::grant::InvitationView;
use livret::core::{Lang, Localized};
use livret::node::{self, NodeOptions};
use livret::{SessionReport, SharedDevice};
use livret_net::{Multiaddr, Node, PeerId};

use crate::ctx::Ctx;
use crate::shutdown::Shutdown;
use crate::util::{fail, is_loopback, one_line, short};
use crate::{outln, tr};

/// How often `sync` (without `--once`) dials the known peers again.
const REDIAL_EVERY: Duration = Duration::from_secs(30);
/// How often `serve` and `sync` fetch their letters from the mailboxes of their relays.
const MAILBOX_FETCH_EVERY: Duration = Duration::from_secs(5 * 60);

/// Fetches the letters waiting on the mailboxes of this device's relays and says what came.
async fn fetch_letters(lang: Lang, dev: &SharedDevice, n: &Node) {
    match livret::mailbox::fetch_all(dev, n).await {
        Ok(r) => {
            if r.fetched > 0 {
                let count = r.fetched;
                outln!(
                    "{}",
                    tr!(
                        lang,
                        "Boîte aux lettres : {count} lettre(s) scellée(s) relevée(s)",
                        "Mailbox: {count} sealed letter(s) fetched"
                    )
                );
            }
            for report in r.received {
                print_outcome(lang, Ok(report));
            }
            for why in r.refused {
                eprintln!(
                    "{}",
                    tr!(
                        lang,
                        "lettre scellée refusée : {why}",
                        "sealed letter refused: {why}"
                    )
                );
            }
        }
        Err(e) => eprintln!("{}", one_line(&e.localized(lang))),
    }
}

/// Fetches letters now and every [`MAILBOX_FETCH_EVERY`] (a relay without a mailbox is skipped).
pub(crate) fn spawn_letter_fetches(
    lang: Lang,
    dev: SharedDevice,
    n: Node,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            fetch_letters(lang, &dev, &n).await;
            tokio::time::sleep(MAILBOX_FETCH_EVERY).await;
        }
    })
}

/// A peer could not be reached: leaves it a sealed letter on a relay's mailbox, if one of this
/// device's relays runs one. Returns whether a letter was left.
async fn leave_letter(lang: Lang, dev: &SharedDevice, n: &Node, peer: &PeerId) -> bool {
    let Some(key) = livret_net::public_key_from_peer_id(peer) else {
        return false;
    };
    let p = short(&peer.to_string());
    match livret::mailbox::deposit_any(dev, n, livret::core::DeviceId(key)).await {
        Ok(Some(relay)) => {
            outln!(
                "{}",
                tr!(
                    lang,
                    "appareil {p} : lettre scellée déposée sur la boîte aux lettres du relais {relay} ; il la recevra à son prochain démarrage",
                    "device {p}: sealed letter left on the mailbox of relay {relay}; it gets it when it next starts"
                )
            );
            true
        }
        Ok(None) => false,
        Err(e) => {
            let msg = one_line(&e.localized(lang));
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "appareil {p} : pas de lettre déposée : {msg}",
                    "device {p}: no letter left: {msg}"
                )
            );
            false
        }
    }
}

fn lock(dev: &SharedDevice) -> std::sync::MutexGuard<'_, livret::Device> {
    dev.lock().unwrap_or_else(PoisonError::into_inner)
}

fn parse_listen(text: &str) -> Result<Multiaddr> {
    match text.trim().parse::<Multiaddr>() {
        Ok(a) => Ok(a),
        Err(e) => fail(
            format!("champ « listen » : adresse « {text} » invalide : {e}"),
            format!("field \"listen\": invalid address \"{text}\": {e}"),
        ),
    }
}

fn any_port(loopback: bool) -> Result<Multiaddr> {
    parse_listen(if loopback {
        "/ip4/127.0.0.1/tcp/0"
    } else {
        "/ip4/0.0.0.0/tcp/0"
    })
}

/// Whether a session went without refusal. Being revoked (the livret purged here) counts as a
/// refusal: the other device refused this one.
pub fn clean(report: &SessionReport) -> bool {
    !report.had_refusals() && report.purged.is_empty()
}

/// One line describing a session.
pub fn report_line(lang: Lang, r: &SessionReport) -> String {
    let who = if r.peer_name.is_empty() {
        short(&r.peer)
    } else {
        let (name, id) = (&r.peer_name, short(&r.peer));
        tr!(lang, "« {name} » ({id})", "\"{name}\" ({id})")
    };
    let (docs, got, sent) = (r.synced.len(), r.received_changes, r.sent_changes);
    let mut line = tr!(
        lang,
        "Séance avec {who} : {docs} document(s) synchronisé(s), {got} modification(s) reçue(s), {sent} envoi(s)",
        "Session with {who}: {docs} document(s) synced, {got} change(s) received, {sent} sent"
    );
    if !r.refused.is_empty() {
        let list = one_line(&r.refused_text(lang));
        line.push_str(&tr!(lang, " ; REFUS : {list}", "; REFUSED: {list}"));
    }
    if !r.purged.is_empty() {
        let list = r.purged.join(", ");
        line.push_str(&tr!(
            lang,
            " ; autorisation révoquée par la famille : livret {list} effacé de cet appareil",
            "; grant revoked by the family: livret {list} erased from this device"
        ));
    }
    if !r.erased.is_empty() {
        let list = r.erased.join(", ");
        line.push_str(&tr!(
            lang,
            " ; effacement demandé par la famille appliqué, copie reconstruite : {list}",
            "; erasure ordered by the family applied, copy rebuilt: {list}"
        ));
    }
    if !r.deleted.is_empty() {
        let list = r.deleted.join(", ");
        line.push_str(&tr!(
            lang,
            " ; livret supprimé par la famille, effacé de cet appareil : {list}",
            "; livret deleted by the family, erased from this device: {list}"
        ));
    }
    if !r.awaiting_erasure.is_empty() {
        let list = r.awaiting_erasure.join(", ");
        line.push_str(&tr!(
            lang,
            " ; en attente d'un effacement, synchronisé à la prochaine séance : {list}",
            "; waiting for an erasure, synced at the next session: {list}"
        ));
    }
    if !r.revoked_peer.is_empty() {
        let list = r.revoked_peer.join(", ");
        line.push_str(&tr!(
            lang,
            " ; appareil révoqué, refusé et informé (livret {list})",
            "; revoked device refused and told (livret {list})"
        ));
    }
    line
}

pub(crate) fn print_outcome(lang: Lang, r: livret::Result<SessionReport>) {
    match r {
        Ok(r) => outln!("{}", report_line(lang, &r)),
        Err(e) => {
            let msg = one_line(&e.localized(lang));
            eprintln!(
                "{}",
                tr!(lang, "séance échouée : {msg}", "session failed: {msg}")
            );
        }
    }
}

/// `livret serve`
pub async fn serve(ctx: &Ctx, listen: &[String], no_mdns: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    let listen = if listen.is_empty() {
        node::default_listen()
    } else {
        listen
            .iter()
            .map(|a| parse_listen(a))
            .collect::<Result<Vec<_>>>()?
    };
    let dev = node::share(ctx.open()?);
    let shutdown = Shutdown::install()?;
    let (n, events) = node::start(
        &dev,
        NodeOptions {
            listen,
            mdns: !no_mdns,
            remember_addresses: true,
        },
    )
    .await?;
    let name = lock(&dev).name().to_string();
    outln!(
        "{}",
        tr!(
            lang,
            "Appareil « {name} » à l'écoute. Adresses (à copier pour --peer) :",
            "Device \"{name}\" listening. Addresses (copy one for --peer):"
        )
    );
    for a in n.listen_addrs() {
        outln!("{a}/p2p/{}", n.peer_id());
    }
    let relays = lock(&dev).relays()?;
    for r in &relays {
        outln!(
            "{}",
            tr!(
                lang,
                "Relais : {r} (réservation demandée)",
                "Relay: {r} (reservation asked)"
            )
        );
    }
    outln!(
        "{}",
        if no_mdns {
            lang.pick(
                "Découverte locale (mDNS) désactivée. Ctrl-C pour arrêter.",
                "Local discovery (mDNS) off. Ctrl-C to stop.",
            )
        } else {
            lang.pick(
                "Découverte locale (mDNS) active. Ctrl-C pour arrêter.",
                "Local discovery (mDNS) on. Ctrl-C to stop.",
            )
        }
    );
    let letters = spawn_letter_fetches(lang, dev.clone(), n.clone());
    let served = node::serve_with(
        dev,
        n,
        events,
        shutdown.wait(),
        move |r| print_outcome(lang, r),
        move |notice| outln!("{}", crate::relays::notice_line(lang, &notice)),
    )
    .await;
    letters.abort();
    served?;
    outln!("{}", lang.pick("Arrêt.", "Stopped."));
    Ok(ExitCode::SUCCESS)
}

fn section_labels(lang: Lang, sections: &[livret::core::Section]) -> String {
    sections
        .iter()
        .map(|s| match lang {
            Lang::Fr => format!("{} [{s}]", s.french_label()),
            Lang::En => format!("{} [{s}]", s.english_label()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `livret accept`
pub async fn accept(ctx: &Ctx, invitation: &str, class: Option<&str>) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = node::share(ctx.open()?);
    // Read the invitation only to choose where the temporary node listens; the API checks it.
    let bytes = InvitationView::bytes_from_text(invitation).map_err(livret::Error::from)?;
    let view = InvitationView::open(&bytes).map_err(livret::Error::from)?;
    let addrs: Vec<String> = view
        .addresses
        .iter()
        .filter_map(|b| Multiaddr::try_from(b.clone()).ok())
        .map(|a| a.to_string())
        .collect();
    let loopback = !addrs.is_empty() && addrs.iter().all(|a| is_loopback(a));
    let (n, _events) = node::start(
        &dev,
        NodeOptions {
            listen: vec![any_port(loopback)?],
            mdns: false,
            remember_addresses: false,
        },
    )
    .await?;
    // The family confirms who redeemed on its own screen: this code is shown on both.
    let code = livret::redeem_code_for(&lock(&dev), invitation)?;
    eprintln!(
        "{}",
        tr!(
            lang,
            "Code de vérification : {code}. La famille doit voir le même code sur son écran ; en attente de sa confirmation…",
            "Verification code: {code}. The family must see the same code on its screen; waiting for its confirmation…"
        )
    );
    let result = node::accept(&dev, &n, invitation, class).await;
    n.shutdown().await;
    let report = result?;

    let livret = view.livret.to_string();
    let summary = lock(&dev)
        .list()?
        .into_iter()
        .find(|l| l.livret_id == livret);
    outln!(
        "{}",
        tr!(
            lang,
            "Invitation acceptée : livret {livret}",
            "Invitation accepted: livret {livret}"
        )
    );
    if let Some(s) = &summary {
        if let Some(name) = &s.name {
            outln!("{}", tr!(lang, "Enfant : {name}", "Child: {name}"));
        }
        if let Some(c) = &s.class {
            outln!("{}", tr!(lang, "Classe : {c}", "Class: {c}"));
        }
    }
    let rights = match lang {
        Lang::Fr => view.rights.french(),
        Lang::En => view.rights.as_str(),
    };
    if view.rights.makes_owner() {
        outln!(
            "{}",
            lang.pick(
                "Cet appareil est désormais propriétaire du livret.",
                "This device now owns the livret."
            )
        );
    } else {
        let granted = section_labels(lang, &view.sections);
        outln!(
            "{}",
            tr!(
                lang,
                "Sections autorisées ({rights}) : {granted}",
                "Sections granted ({rights}): {granted}"
            )
        );
        if let Some(notice) = livret::sensitive_notice(&view.sections) {
            outln!(
                "{}",
                match lang {
                    Lang::Fr => notice,
                    Lang::En => "⚠ This invitation includes the sensitive section \"accompagnement\" (PAP, PAI, PPRE, PPS…): the child's support measures, some under medical secrecy. Keep them confidential.".to_string(),
                }
            );
        }
    }
    let received = summary
        .map(|s| s.sections.join(", "))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| lang.pick("aucune pour l'instant", "none yet").to_string());
    outln!(
        "{}",
        tr!(
            lang,
            "Sections reçues : {received}",
            "Sections received: {received}"
        )
    );
    if clean(&report) {
        Ok(ExitCode::SUCCESS)
    } else {
        outln!("{}", report_line(lang, &report));
        Ok(ExitCode::FAILURE)
    }
}

type Targets = Vec<(PeerId, Vec<Multiaddr>)>;

/// One session with each target; whether all went without refusal.
async fn pass(lang: Lang, dev: &SharedDevice, n: &Node, targets: &Targets) -> bool {
    let mut all_ok = true;
    for (peer, addrs) in targets {
        let r = node::sync_with(dev, n, *peer, addrs.clone()).await;
        match &r {
            Ok(report) => all_ok &= clean(report),
            // Not reached: a letter on a relay's mailbox carries the sync instead.
            Err(livret::Error::Net(_)) if leave_letter(lang, dev, n, peer).await => {}
            Err(_) => all_ok = false,
        }
        if let Err(e) = &r {
            let (p, msg) = (short(&peer.to_string()), one_line(&e.localized(lang)));
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "appareil {p} : séance impossible : {msg}",
                    "device {p}: no session: {msg}"
                )
            );
        } else {
            print_outcome(lang, r);
        }
    }
    all_ok
}

fn targets_of(dev: &SharedDevice, given: &Targets) -> livret::Result<Targets> {
    if given.is_empty() {
        node::known_peers(dev)
    } else {
        Ok(given.clone())
    }
}

/// `livret sync`
pub async fn sync(ctx: &Ctx, peers: &[String], once: bool, no_mdns: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut given: Targets = Vec::new();
    for p in peers {
        let (peer, addr) = node::parse_peer_address(p)?;
        match given.iter_mut().find(|(q, _)| *q == peer) {
            Some((_, v)) => v.push(addr),
            None => given.push((peer, vec![addr])),
        }
    }
    let dev = node::share(ctx.open()?);
    let targets = targets_of(&dev, &given)?;
    if targets.is_empty() && once {
        return fail(
            "aucun appareil à joindre : indiquez --peer ou acceptez d'abord une invitation",
            "no device to reach: give --peer or accept an invitation first",
        );
    }
    let loopback = !targets.is_empty()
        && targets
            .iter()
            .all(|(_, a)| !a.is_empty() && a.iter().all(|a| is_loopback(&a.to_string())));
    let shutdown = if once {
        None
    } else {
        Some(Shutdown::install()?)
    };
    let (n, events) = node::start(
        &dev,
        NodeOptions {
            listen: vec![any_port(loopback)?],
            mdns: !(no_mdns || once),
            remember_addresses: false,
        },
    )
    .await?;
    if targets.is_empty() {
        outln!(
            "{}",
            lang.pick(
                "Aucun appareil connu à joindre pour l'instant.",
                "No known device to reach yet."
            )
        );
    }
    // Letters first: a revocation waiting there ends what this device may send.
    fetch_letters(lang, &dev, &n).await;
    let ok = pass(lang, &dev, &n, &targets).await;
    let Some(shutdown) = shutdown else {
        n.shutdown().await;
        drop(events);
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    };
    outln!(
        "{}",
        lang.pick(
            "En attente d'autres séances ; nouvel essai toutes les 30 s. Ctrl-C pour arrêter.",
            "Waiting for more sessions; trying again every 30 s. Ctrl-C to stop."
        )
    );
    let redial = {
        let (dev, n) = (dev.clone(), n.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(REDIAL_EVERY).await;
                match targets_of(&dev, &given) {
                    Ok(t) => {
                        pass(lang, &dev, &n, &t).await;
                    }
                    Err(e) => eprintln!("{}", one_line(&e.localized(lang))),
                }
            }
        })
    };
    let letters = {
        let (dev, n) = (dev.clone(), n.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(MAILBOX_FETCH_EVERY).await;
                fetch_letters(lang, &dev, &n).await;
            }
        })
    };
    let served = node::serve(dev, n, events, shutdown.wait(), move |r| {
        print_outcome(lang, r)
    })
    .await;
    redial.abort();
    letters.abort();
    served?;
    outln!("{}", lang.pick("Arrêt.", "Stopped."));
    Ok(ExitCode::SUCCESS)
}

/// `livret mailbox …`
#[derive(Debug, clap::Subcommand)]
pub enum MailboxCommand {
    /// Relève les lettres scellées qui attendent cet appareil sur les boîtes aux lettres de ses relais, et les reçoit (vérifiées comme une synchronisation)
    Fetch,
    /// Laisse à un appareil (son identifiant, voir « livret grants ») une lettre scellée avec ce qu'une synchronisation lui enverrait : une révocation, des bilans
    Send {
        /// L'identifiant de l'appareil destinataire
        #[arg(value_name = "DEVICE")]
        device: String,
    },
}

/// How long `revoke` tries to leave the revoked device its letter before giving up.
const REVOCATION_LETTER_WAIT: Duration = Duration::from_secs(30);

/// After `livret revoke`, on a device with relays: leaves the revoked device a sealed letter
/// carrying the revocation on a relay's mailbox, so that a device far away purges when it next
/// starts. The revocation is recorded whatever happens here: a failure is said, with the
/// command that tries again, and does not change the exit code.
pub fn revocation_letter(lang: Lang, dev: livret::Device, device: livret::core::DeviceId) {
    let left = match crate::runtime() {
        Ok(rt) => rt.block_on(leave_revocation_letter(lang, dev, device)),
        Err(e) => Err(e.into()),
    };
    let id = device.to_string();
    match left {
        Ok(Some(relay)) => outln!(
            "{}",
            tr!(
                lang,
                "Révocation laissée à l'appareil révoqué dans une lettre scellée, sur la boîte aux lettres du relais {relay} : il effacera le livret à son prochain démarrage.",
                "Revocation left for the revoked device in a sealed letter, on the mailbox of relay {relay}: it erases the livret when it next starts."
            )
        ),
        Ok(None) => outln!(
            "{}",
            lang.pick(
                "Aucun relais de la liste n'a de boîte aux lettres : l'appareil révoqué l'apprendra à sa prochaine synchronisation avec un appareil de la famille.",
                "No relay of the list runs a mailbox: the revoked device learns it at its next sync with a family device."
            )
        ),
        Err(e) => {
            let why = crate::util::localize(&e, lang);
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "La révocation est enregistrée, mais la lettre pour l'appareil révoqué n'a pas pu être déposée ({why}) : réessayez avec « livret mailbox send {id} ».",
                    "The revocation is recorded, but the letter for the revoked device could not be left ({why}): try again with \"livret mailbox send {id}\"."
                )
            )
        }
    }
}

/// The letter of [`revocation_letter`]: the relay whose mailbox took it, or `None` when no
/// relay of the list runs a mailbox (or there was nothing to say).
async fn leave_revocation_letter(
    lang: Lang,
    dev: livret::Device,
    device: livret::core::DeviceId,
) -> Result<Option<Multiaddr>> {
    let dev = node::share(dev);
    let (n, events) = node::start(
        &dev,
        NodeOptions {
            listen: vec![any_port(false)?],
            mdns: false,
            remember_addresses: false,
        },
    )
    .await?;
    let left = tokio::time::timeout(
        REVOCATION_LETTER_WAIT,
        livret::mailbox::deposit_any(&dev, &n, device),
    )
    .await;
    n.shutdown().await;
    drop(events);
    match left {
        Ok(r) => Ok(r?),
        Err(_) => {
            let secs = REVOCATION_LETTER_WAIT.as_secs();
            Err(anyhow::anyhow!(match lang {
                Lang::Fr => format!("aucun relais n'a répondu en {secs} s"),
                Lang::En => format!("no relay answered within {secs} s"),
            }))
        }
    }
}

/// `livret mailbox fetch|send`
pub async fn mailbox(ctx: &Ctx, command: &MailboxCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = node::share(ctx.open()?);
    if lock(&dev).relays()?.is_empty() {
        return fail(
            "aucun relais : ajoutez celui qu'une école ou une association vous donne (livret relays add ADRESSE)",
            "no relay: add the one a school or an association gives you (livret relays add ADDRESS)",
        );
    }
    let target = match command {
        MailboxCommand::Send { device } => match device.trim().parse::<livret::core::DeviceId>() {
            Ok(d) => Some(d),
            Err(_) => {
                return fail(
                    format!("champ « device » : identifiant d'appareil « {device} » invalide (voir « livret grants »)"),
                    format!("field \"device\": invalid device id \"{device}\" (see \"livret grants\")"),
                )
            }
        },
        MailboxCommand::Fetch => None,
    };
    let (n, events) = node::start(
        &dev,
        NodeOptions {
            listen: vec![any_port(false)?],
            mdns: false,
            remember_addresses: false,
        },
    )
    .await?;
    let code = match target {
        None => {
            fetch_letters(lang, &dev, &n).await;
            ExitCode::SUCCESS
        }
        Some(device) => match livret::mailbox::deposit_any(&dev, &n, device).await {
            Ok(Some(relay)) => {
                outln!(
                    "{}",
                    tr!(
                        lang,
                        "Lettre scellée déposée sur la boîte aux lettres du relais {relay}",
                        "Sealed letter left on the mailbox of relay {relay}"
                    )
                );
                ExitCode::SUCCESS
            }
            Ok(None) => {
                outln!(
                    "{}",
                    lang.pick(
                        "Rien à envoyer à cet appareil, ou aucun relais de la liste n'a de boîte aux lettres.",
                        "Nothing to send to that device, or no relay of the list runs a mailbox."
                    )
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}", one_line(&e.localized(lang)));
                ExitCode::FAILURE
            }
        },
    };
    n.shutdown().await;
    drop(events);
    Ok(code)
}
