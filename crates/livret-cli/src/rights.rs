//! The family's rights over its data: the recovery sheet (`recovery print`, `recovery
//! restore`) and portability (`import`; the export is `export --format json`).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use livret::core::recovery::{RecoveryKey, WORD_COUNT};
use livret::node::{self, NodeOptions};
use livret_net::Multiaddr;

use crate::ctx::Ctx;
use crate::util::{fail, is_loopback, print_json, AtomicFile};
use crate::{outln, tr};

/// `livret recovery …`
#[derive(Debug, Subcommand)]
pub enum RecoveryCommand {
    /// Imprime la feuille de secours (PDF) : une nouvelle clé, en 24 mots et en code QR, propriétaire de tous les livrets de la famille
    Print {
        /// Le PDF à écrire (A4, une page)
        #[arg(long, value_name = "FICHIER.pdf")]
        out: PathBuf,
        /// Remplace le fichier s'il existe déjà
        #[arg(long)]
        force: bool,
        /// Remplace la feuille de secours actuelle : ses 24 mots sont lus sur l'entrée standard (aucun appareil ne peut la remplacer sans eux)
        #[arg(long)]
        replace: bool,
    },
    /// Rétablit les livrets sur ce nouvel appareil à partir d'un appareil qui les détient encore, avec les 24 mots
    Restore {
        /// Adresse de l'appareil qui détient les livrets, terminée par /p2p/<identifiant> (voir « livret serve » sur cet appareil)
        #[arg(long, value_name = "MULTIADDR")]
        from: String,
        /// Déconseillé (les mots restent visibles dans la liste des programmes et l'historique) : les 24 mots de la feuille de secours. Sans cette option, ils sont demandés (saisie masquée) ou lus sur l'entrée standard
        #[arg(long, value_name = "MOTS")]
        words: Option<String>,
        /// Lit les 24 mots sur l'entrée standard (c'est aussi ce que fait la commande sans --words)
        #[arg(long, conflicts_with = "words")]
        words_stdin: bool,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret import …`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Le fichier JSON écrit par « livret export LIVRET --format json »
    #[arg(value_name = "FICHIER")]
    pub file: PathBuf,
    /// Déconseillé (les mots restent visibles dans la liste des programmes et l'historique) : les 24 mots de la feuille de secours, si cet appareil n'est pas déjà propriétaire du livret ; préférez --words-stdin
    #[arg(long, value_name = "MOTS")]
    pub words: Option<String>,
    /// Lit les 24 mots de la feuille de secours sur l'entrée standard (saisie masquée dans un terminal), si cet appareil n'est pas déjà propriétaire du livret
    #[arg(long, conflicts_with = "words")]
    pub words_stdin: bool,
    /// Sortie JSON
    #[arg(long)]
    pub json: bool,
}

/// Recovery words given in argv are visible to every program of the machine (`ps`,
/// `/proc/*/cmdline`) and stay in the shell's history: still accepted, with a warning.
fn warn_words_in_argv(lang: livret::core::Lang) {
    eprintln!(
        "{}",
        lang.pick(
            "Attention : avec --words, les mots de secours sont visibles des autres programmes de cet ordinateur et restent dans l'historique du terminal. Préférez --words-stdin (ou la saisie demandée).",
            "Warning: with --words, the recovery words are visible to other programs on this computer and stay in the shell history. Use --words-stdin (or the prompt) instead."
        )
    );
}

/// Turns the terminal's echo off while the words are typed, and back on when dropped.
struct NoEcho(bool);

impl NoEcho {
    fn new() -> NoEcho {
        use std::io::IsTerminal as _;
        if !std::io::stdin().is_terminal() {
            return NoEcho(false);
        }
        let off = std::process::Command::new("stty")
            .arg("-echo")
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success());
        NoEcho(off)
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        if self.0 {
            let _ = std::process::Command::new("stty")
                .arg("echo")
                .stdin(std::process::Stdio::inherit())
                .status();
            eprintln!();
        }
    }
}

/// The words: from `--words` (with a warning), or typed on standard input (until 24 are read;
/// not echoed when it is a terminal).
pub(crate) fn read_words(given: Option<&str>, lang: livret::core::Lang) -> Result<String> {
    if let Some(w) = given {
        warn_words_in_argv(lang);
        return Ok(w.to_string());
    }
    use std::io::IsTerminal as _;
    if std::io::stdin().is_terminal() {
        eprintln!(
            "{}",
            lang.pick(
                "Tapez les 24 mots de la feuille de secours (dans l'ordre, séparés par des espaces ou des retours à la ligne ; ils ne s'affichent pas) :",
                "Type the 24 words of the recovery sheet (in order, separated by spaces or new lines; they are not shown):"
            )
        );
    }
    let _no_echo = NoEcho::new();
    let mut text = String::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        text.push_str(&line);
        text.push('\n');
        let n = text
            .split_whitespace()
            .filter(|w| {
                !w.trim_end_matches(['.', ')'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
            })
            .count();
        if n >= WORD_COUNT {
            break;
        }
    }
    Ok(text)
}

/// `livret recovery …`
pub fn recovery(ctx: &Ctx, command: &RecoveryCommand) -> Result<ExitCode> {
    match command {
        RecoveryCommand::Print {
            out,
            force,
            replace,
        } => print(ctx, out, *force, *replace),
        RecoveryCommand::Restore {
            from, words, json, ..
        } => {
            let words = read_words(words.as_deref(), ctx.lang)?;
            crate::runtime()?.block_on(restore(ctx, from, &words, *json))
        }
    }
}

fn print(ctx: &Ctx, out: &std::path::Path, force: bool, replace: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    if out.exists() && !force {
        let p = out.display();
        return fail(
            format!("le fichier {p} existe déjà : choisissez un autre nom ou ajoutez --force"),
            format!("file {p} already exists: choose another name or add --force"),
        );
    }
    let mut dev = ctx.open()?;
    // The file is prepared first, so a directory that cannot be written fails before a key
    // is made an owner of anything.
    let current = if replace {
        let words = read_words(None, lang)?;
        Some(livret::core::recovery::RecoveryKey::from_words(&words).map_err(livret::Error::from)?)
    } else {
        None
    };
    let file = AtomicFile::create(out)?;
    let sheet = match &current {
        Some(key) => dev.recovery_replace(key)?,
        None => dev.recovery_print()?,
    };
    let date = livret::rfc3339(dev.now())
        .chars()
        .take(10)
        .collect::<String>();
    let pdf = sheet.pdf(dev.name(), &date)?;
    file.commit(&pdf)?;
    let (path, n) = (out.display(), sheet.livrets.len());
    outln!(
        "{}",
        tr!(
            lang,
            "Feuille de secours écrite dans {path} : la clé de secours est propriétaire de {n} livret(s), et le sera des livrets créés ensuite sur cet appareil.",
            "Recovery sheet written to {path}: the recovery key owns {n} livret(s), and will own the livrets created later on this device."
        )
    );
    outln!(
        "{}",
        lang.pick(
            "Imprimez-la, puis effacez le fichier. Quiconque détient ces mots peut devenir propriétaire des livrets.",
            "Print it, then delete the file. Anyone holding these words can become an owner of the livrets."
        )
    );
    if let Some(old) = &sheet.previous {
        let old = crate::util::short(old);
        outln!(
            "{}",
            tr!(
                lang,
                "La clé de la feuille précédente ({old}) est révoquée : elle ne rétablit plus rien ; détruisez l'ancienne feuille.",
                "The previous sheet's key ({old}) is revoked: it restores nothing more; destroy the old sheet."
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn restore(ctx: &Ctx, from: &str, words: &str, json: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    // Wrong words (checksum) are refused before anything leaves this device.
    let key = RecoveryKey::from_words(words).map_err(livret::Error::from)?;
    let (peer, addr) = node::parse_peer_address(from)?;
    let dev = node::share(ctx.open()?);
    let listen: Multiaddr = if is_loopback(&addr.to_string()) {
        "/ip4/127.0.0.1/tcp/0"
    } else {
        "/ip4/0.0.0.0/tcp/0"
    }
    .parse()
    .map_err(|_| livret::Error::BadAddress(from.to_string()))?;
    let (n, _events) = node::start(
        &dev,
        NodeOptions {
            listen: vec![listen],
            mdns: false,
            remember_addresses: false,
        },
    )
    .await?;
    let result = livret::recovery::restore(&dev, &n, peer, vec![addr], &key).await;
    n.shutdown().await;
    let report = result?;
    if json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let count = report.livrets.len();
    outln!(
        "{}",
        tr!(
            lang,
            "Livrets rétablis sur cet appareil (propriétaire) : {count}",
            "Livrets restored on this device (owner): {count}"
        )
    );
    let list = dev
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .list()?;
    for l in list
        .iter()
        .filter(|l| report.livrets.contains(&l.livret_id))
    {
        let name = l.name.clone().unwrap_or_default();
        outln!("  {} {name} ({} section(s))", l.livret_id, l.sections.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret import FICHIER [--words …]`
pub fn import(ctx: &Ctx, a: &ImportArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let bytes = std::fs::read(&a.file).map_err(|e| livret::Error::File {
        path: a.file.display().to_string(),
        detail: e.to_string(),
    })?;
    let words = match (&a.words, a.words_stdin) {
        (Some(w), _) => Some(read_words(Some(w), lang)?),
        (None, true) => Some(read_words(None, lang)?),
        (None, false) => None,
    };
    let mut dev = ctx.open()?;
    let report = dev.import_json(&bytes, words.as_deref())?;
    if a.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (id, n, r) = (&report.livret_id, report.entries, report.records);
    let name = report.name.clone().unwrap_or_default();
    outln!(
        "{}",
        tr!(
            lang,
            "Livret importé : {id} {name} — {r} enregistrement(s) du manifeste et {n} inscription(s), toutes vérifiées ; cet appareil en est propriétaire.",
            "Livret imported: {id} {name} — {r} manifest record(s) and {n} entr(y/ies), all verified; this device owns it."
        )
    );
    if report.concurrent_values_set_aside > 0 {
        let k = report.concurrent_values_set_aside;
        outln!(
            "{}",
            tr!(
                lang,
                "  {k} valeur(s) concurrente(s) vérifiée(s) mais non gardée(s) (seule la première valeur de chaque clé l'est).",
                "  {k} concurrent value(s) verified but not kept (only the first value of each key is)."
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}
