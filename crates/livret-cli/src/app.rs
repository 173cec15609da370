//! `livret app`: the device's node (everything `serve` does) and its web interface on the
//! loopback address, in one process. `livret app --demo`: five devices with a term of bilans
//! already written, each with its node and its own app.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use livret::core::grant::Rights;
use livret::core::vocab::{Date, Millesime};
use livret::core::{Lang, Localized, Role, Section};
use livret::node::{self, NodeOptions};
use livret::{Device, KeySource, LocalPeer, SharedDevice};
use livret_net::{Multiaddr, Node};
use tokio::sync::watch;

use crate::ctx::Ctx;
use crate::net::print_outcome;
use crate::shutdown::Shutdown;
use crate::util::{ensure, fail, Msg};
use crate::{outln, tr};

/// `livret app`
#[derive(Debug, Args)]
pub struct AppArgs {
    /// Adresse de l'application web : 127.0.0.1:PORT (l'adresse locale seulement)
    #[arg(long, value_name = "ADRESSE", default_value_t = livret_app::default_listen())]
    pub listen: String,
    /// N'ouvre pas le navigateur
    #[arg(long)]
    pub no_open: bool,
    /// Démonstration : famille, deux enseignants, un établissement et un jury dans des dossiers temporaires, chacun avec son application
    #[arg(long)]
    pub demo: bool,
    /// Adresse d'écoute du nœud pair à pair (multiaddr, répétable ; par défaut comme « serve »)
    #[arg(long, value_name = "MULTIADDR")]
    pub node_listen: Vec<String>,
    /// Désactive la découverte locale (mDNS)
    #[arg(long)]
    pub no_mdns: bool,
}

fn listen_addr(text: &str) -> Result<SocketAddr> {
    livret_app::check_listen(text)
        .map_err(|e| Msg::new(e.localized(Lang::Fr), e.localized(Lang::En)).into())
}

async fn wait(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            break;
        }
    }
}

/// Starts the app of a device; returns its login address.
async fn start_app(
    dev: &SharedDevice,
    node: &Node,
    listen: SocketAddr,
    stop: watch::Receiver<bool>,
) -> Result<(String, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let app = match livret_app::App::bind(dev.clone(), node.clone(), listen).await {
        Ok(a) => a,
        Err(e) => {
            return fail(
                format!("impossible d'ouvrir l'application sur {listen} : {e}"),
                format!("cannot open the app on {listen}: {e}"),
            )
        }
    };
    let url = app.login_url().unwrap_or_default();
    let handle = tokio::spawn(app.run(wait(stop)));
    Ok((url, handle))
}

/// `livret app`
pub async fn run(ctx: &Ctx, args: &AppArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let listen = listen_addr(&args.listen)?;
    let node_listen = if args.node_listen.is_empty() {
        node::default_listen()
    } else {
        let mut out = Vec::new();
        for a in &args.node_listen {
            match a.trim().parse::<Multiaddr>() {
                Ok(m) => out.push(m),
                Err(e) => {
                    return fail(
                        format!("champ « node-listen » : adresse « {a} » invalide : {e}"),
                        format!("field \"node-listen\": invalid address \"{a}\": {e}"),
                    )
                }
            }
        }
        out
    };
    let dev = node::share(ctx.open()?);
    let shutdown = Shutdown::install()?;
    let (n, events) = node::start(
        &dev,
        NodeOptions {
            listen: node_listen,
            mdns: !args.no_mdns,
            remember_addresses: true,
        },
    )
    .await?;
    let (tx, rx) = watch::channel(false);
    let (url, web) = start_app(&dev, &n, listen, rx.clone()).await?;
    let name = dev
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .name()
        .to_string();
    outln!(
        "{}",
        tr!(
            lang,
            "Appareil « {name} » : application ouverte sur cet ordinateur. Adresse de connexion (valable une fois) :",
            "Device \"{name}\": app open on this computer. Login address (works once):"
        )
    );
    outln!("{url}");
    outln!(
        "{}",
        lang.pick(
            "Le nœud pair à pair tourne comme « livret serve ». Ctrl-C pour arrêter.",
            "The peer-to-peer node runs as \"livret serve\" does. Ctrl-C to stop."
        )
    );
    if !args.no_open {
        livret_app::open_browser(&url);
    }
    tokio::spawn(async move {
        shutdown.wait().await;
        let _ = tx.send(true);
    });
    // Letters on the relays' mailboxes, at start and every 5 minutes, as `serve` fetches them.
    let letters = crate::net::spawn_letter_fetches(lang, dev.clone(), n.clone());
    // Relays, reachability and hole punching are told as `serve` tells them.
    let served = node::serve_with(
        dev,
        n,
        events,
        wait(rx),
        move |r| print_outcome(lang, r),
        move |notice| outln!("{}", crate::relays::notice_line(lang, &notice)),
    )
    .await;
    letters.abort();
    served?;
    let _ = web.await;
    outln!("{}", lang.pick("Arrêt.", "Stopped."));
    Ok(ExitCode::SUCCESS)
}

/// One device of the demonstration: its node serving in the background.
/// A device of the demonstration: a [`LocalPeer`] and its label.
struct DemoDevice {
    label_fr: &'static str,
    label_en: &'static str,
    peer: LocalPeer,
}

impl std::ops::Deref for DemoDevice {
    type Target = LocalPeer;
    fn deref(&self) -> &LocalPeer {
        &self.peer
    }
}

/// Starts a device of the demonstration (its address remembered for invitations).
async fn demo_device(
    device: Device,
    label_fr: &'static str,
    label_en: &'static str,
) -> Result<DemoDevice> {
    Ok(DemoDevice {
        label_fr,
        label_en,
        peer: LocalPeer::start(device, true).await?,
    })
}

const CHILD: &str = "Lina Moreau";

/// `livret app --demo`
pub async fn demo(lang: Lang, args: &AppArgs) -> Result<ExitCode> {
    let listen = listen_addr(&args.listen)?;
    let root = tempfile::tempdir()?;
    let shutdown = Shutdown::install()?;
    let (tx, rx) = watch::channel(false);
    let devices = setup(root.path()).await?;
    outln!(
        "{}",
        lang.pick(
            "Démonstration : cinq appareils dans des dossiers temporaires, chacun avec son nœud libp2p sur 127.0.0.1 et sa propre application. Un trimestre de bilans est déjà écrit.",
            "Demonstration: five devices in temporary folders, each with its libp2p node on 127.0.0.1 and its own app. A term of reports is already written."
        )
    );
    let mut webs = Vec::new();
    let mut first = None;
    for (i, d) in devices.iter().enumerate() {
        let port = if listen.port() == 0 {
            0
        } else {
            listen.port().saturating_add(u16::try_from(i).unwrap_or(0))
        };
        let addr = SocketAddr::new(listen.ip(), port);
        let (url, web) = start_app(&d.dev, &d.node, addr, rx.clone()).await?;
        let label = lang.pick(d.label_fr, d.label_en);
        outln!("{label} : {url}");
        first.get_or_insert(url);
        webs.push(web);
    }
    outln!(
        "{}",
        lang.pick(
            "Chaque adresse ne sert qu'une fois ; ouvrez-les dans des navigateurs (ou profils) différents. Ctrl-C pour arrêter et tout effacer.",
            "Each address works once; open them in different browsers (or profiles). Ctrl-C to stop and erase everything."
        )
    );
    if let (false, Some(url)) = (args.no_open, first) {
        livret_app::open_browser(&url);
    }
    shutdown.wait().await;
    let _ = tx.send(true);
    for w in webs {
        let _ = w.await;
    }
    for mut d in devices {
        d.peer.stop().await;
    }
    drop(root);
    outln!("{}", lang.pick("Arrêt.", "Stopped."));
    Ok(ExitCode::SUCCESS)
}

/// The devices of the demonstration and their term of bilans, written through the API.
async fn setup(root: &Path) -> Result<Vec<DemoDevice>> {
    let key = || KeySource::KeyFile;
    let family = demo_device(
        Device::init(&root.join("famille"), key(), Role::Family, "Parent de Lina")?,
        "Famille (Parent de Lina)",
        "Family (Parent de Lina)",
    )
    .await?;
    let t1 = demo_device(
        Device::init(&root.join("martin"), key(), Role::Teacher, "M. Martin")?,
        "Enseignant (M. Martin, 5B)",
        "Teacher (M. Martin, 5B)",
    )
    .await?;
    let t2 = demo_device(
        Device::init(&root.join("diallo"), key(), Role::Teacher, "Mme Diallo")?,
        "Enseignante (Mme Diallo, 5B)",
        "Teacher (Mme Diallo, 5B)",
    )
    .await?;
    let school = demo_device(
        Device::init_school(
            &root.join("college"),
            key(),
            "Collège Jean Moulin",
            "0951099D",
        )?,
        "Établissement (Collège Jean Moulin)",
        "School (Collège Jean Moulin)",
    )
    .await?;
    let jury = demo_device(
        Device::init(
            &root.join("jury"),
            key(),
            Role::Jury,
            "Jury du bac, centre 12",
        )?,
        "Jury (centre 12)",
        "Jury (centre 12)",
    )
    .await?;

    let now = family.with(|d| d.now());
    let year = Millesime::of_date(Date::from_unix_seconds(now)?)?.year();
    let until = format!("{}-07-04", year + 1);
    let livret = family.with(|d| d.add_child(CHILD, "2014-03-02", None))?;

    // The school vouches for M. Martin; the family and the jury trust the school.
    let t1_id = t1.with(|d| d.device_id().to_string());
    let cert = school.with(|d| d.certify(&t1_id, "M. Martin", &until))?;
    t1.with(|d| d.import_certificate(&cert.text))?;
    let card = school.with(|d| d.school_card())?;
    family.with(|d| d.trust_add(&card.text))?;
    let school_key = school.with(|d| d.device_id().to_string());
    jury.with(|d| d.trust_add(&school_key))?;

    // Invitations, accepted over libp2p.
    let annee = Section::Annee(year);
    let vie = Section::VieScolaire(year);
    for (t, sections) in [(&t1, vec![annee, vie]), (&t2, vec![annee])] {
        let addrs = family.with(|d| d.invitation_addresses())?;
        let inv = family.with(|d| d.invite(livret, &sections, Rights::Write, &until, 15, addrs))?;
        // The demo's family confirms in advance (as `livret invite --yes` does).
        family.with(|d| d.confirm_in_advance(&inv))?;
        let report = t.accept(&inv.invitation, Some("5B")).await?;
        ensure(
            report.refused.is_empty(),
            format!("invitation refusée : {}", report.refused_text(Lang::Fr)),
            format!("invitation refused: {}", report.refused_text(Lang::En)),
        )?;
    }

    // The first term.
    t1.with(|d| {
        d.assess(
            livret,
            year,
            "1/3",
            "FRANCS",
            None,
            Some(3),
            None,
            "Lina progresse nettement en rédaction ; très bonne participation à l'oral.",
        )?;
        d.assess(
            livret,
            year,
            "1/3",
            "MATHEM",
            None,
            None,
            Some("15,5"),
            "Bons résultats en calcul ; la géométrie demande encore de la rigueur.",
        )?;
        d.synthesis(
            livret,
            year,
            "1/3",
            "Trimestre sérieux et régulier. Continuer à lire chaque jour.",
        )?;
        d.vie_scolaire(livret, year, "1/3", 1, 2, 0)
    })?;
    t2.with(|d| {
        d.assess(
            livret,
            year,
            "1/3",
            "HISGEO",
            None,
            Some(3),
            None,
            "Connaissances solides ; les croquis doivent être plus soignés.",
        )?;
        d.assess(
            livret,
            year,
            "1/3",
            "ANGLV1",
            None,
            Some(4),
            None,
            "Excellente compréhension orale, expression aisée.",
        )
    })?;
    for t in [&t1, &t2] {
        let r = t.sync_with(&family).await?;
        ensure(
            r.refused.is_empty(),
            format!("synchronisation refusée : {}", r.refused_text(Lang::Fr)),
            format!("sync refused: {}", r.refused_text(Lang::En)),
        )?;
    }

    // The jury receives an anonymized extract of the year.
    let addrs = family.with(|d| d.invitation_addresses())?;
    let inv = family.with(|d| d.invite_jury(livret, &[annee], None, 15, addrs))?;
    family.with(|d| d.confirm_in_advance(&inv))?;
    jury.accept(&inv.invitation, None).await?;

    Ok(vec![family, t1, t2, school, jury])
}
