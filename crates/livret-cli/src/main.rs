//! `livret`: the command-line front end. It parses, calls the `livret` API, converts and
//! prints; every rule lives in the API. Messages are in French, or in English with
//! `--lang en` (or an English `LANG`). An error is one line on stderr and exit code 1.

mod app;
mod class;
mod cli;
mod commands;
mod consent;
mod control;
mod ctx;
mod demo;
mod ecole;
mod formats;
mod grid;
mod net;
mod redeem;
mod relays;
mod rights;
mod shutdown;
mod team;
mod trust;
mod util;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use livret::core::Lang;

use crate::cli::{ChildCommand, Cli, Command, LangArg};
use crate::ctx::Ctx;

/// The language: `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else French.
fn language(arg: Option<LangArg>) -> Lang {
    match arg {
        Some(LangArg::Fr) => Lang::Fr,
        Some(LangArg::En) => Lang::En,
        None => ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.trim().is_empty())
            .and_then(|v| Lang::from_locale(&v))
            .unwrap_or_default(),
    }
}

fn main() -> ExitCode {
    let matches = cli::french(Cli::command()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let lang = language(cli.lang);
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIVRET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();

    match run(cli, lang) {
        Ok(code) => code,
        Err(e) => {
            let msg = util::localize(&e, lang);
            eprintln!("{}", tr!(lang, "erreur : {msg}", "error: {msg}"));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, lang: Lang) -> anyhow::Result<ExitCode> {
    if let Command::Demo = cli.command {
        return runtime()?.block_on(demo::run(lang));
    }
    if let Command::App(args) = &cli.command {
        if args.demo {
            return runtime()?.block_on(app::demo(lang, args));
        }
    }
    let home = livret_store::resolve_home(cli.home.as_deref()).map_err(livret::Error::from)?;
    let ctx = Ctx { home, lang };
    match cli.command {
        Command::Init { role, name, uai } => commands::init(&ctx, &role, &name, uai.as_deref()),
        Command::Certify(args) => trust::certify(&ctx, &args),
        Command::Certificate { command } => trust::certificate(&ctx, &command),
        Command::Trust { command } => trust::trust(&ctx, &command),
        Command::School { command } => trust::school(&ctx, &command),
        Command::Team { command } => team::team(&ctx, &command),
        Command::GrantTeam(args) => team::grant_team(&ctx, &args),
        Command::Purge => trust::purge(&ctx),
        Command::Lycee(args) => trust::lycee(&ctx, &args),
        Command::LyceeAvis(args) => trust::lycee_avis(&ctx, &args),
        Command::Id { json } => commands::id(&ctx, json),
        Command::Child {
            command:
                ChildCommand::Add {
                    name,
                    birth,
                    ine,
                    json,
                },
        } => commands::child_add(&ctx, &name, &birth, ine.as_deref(), json),
        Command::List { json } => commands::list(&ctx, json),
        Command::Show { livret, json } => commands::show(&ctx, &livret, json),
        Command::Verify { livret, json, .. } => match livret {
            Some(livret) => commands::verify(&ctx, &livret, json),
            None => commands::verify_all(&ctx, json),
        },
        Command::Export(args) => formats::export(&ctx, &args),
        Command::VerifySeal(args) => formats::verify_seal(&ctx, &args),
        Command::ImportLsu(args) => formats::import_lsu(&ctx, &args),
        Command::ImportGrid(args) => grid::import_grid(&ctx, &args),
        Command::SchoolIds { command } => formats::school_ids(&ctx, &command),
        Command::Serve { listen, no_mdns } => {
            runtime()?.block_on(net::serve(&ctx, &listen, no_mdns))
        }
        Command::Relay { command } => runtime()?.block_on(relays::relay(&ctx, &command)),
        Command::Relays { command } => relays::relays(&ctx, &command),
        Command::Invite(args) => commands::invite(&ctx, &args),
        Command::Accept { invitation, class } => {
            runtime()?.block_on(net::accept(&ctx, &invitation, class.as_deref()))
        }
        Command::Assess(args) => commands::assess(&ctx, &args),
        Command::Synthesis {
            livret,
            year,
            period,
            text,
        } => commands::synthesis(&ctx, &livret, year, &period, &text),
        Command::VieScolaire {
            livret,
            year,
            period,
            late,
            justified,
            unjustified,
        } => commands::vie_scolaire(&ctx, &livret, year, &period, (late, justified, unjustified)),
        Command::Cycle {
            livret,
            cycle,
            year,
            levels,
            synthesis,
        } => commands::cycle(&ctx, &livret, cycle, year, &levels, &synthesis),
        Command::Attest { livret, kind, date } => commands::attest(&ctx, &livret, &kind, &date),
        Command::Message { livret, text, json } => commands::message(&ctx, &livret, &text, json),
        Command::Section { command } => consent::section(&ctx, &command),
        Command::Ecole { command } => ecole::ecole(&ctx, &command),
        Command::Accompagnement(args) => consent::accompagnement(&ctx, &args),
        Command::Sync {
            peer,
            once,
            no_mdns,
        } => runtime()?.block_on(net::sync(&ctx, &peer, once, no_mdns)),
        Command::Grants { livret, json } => commands::grants(&ctx, &livret, json),
        Command::Revoke { grant_id } => {
            let (code, letter_to) = commands::revoke(&ctx, &grant_id)?;
            if let Some((dev, device)) = letter_to {
                net::revocation_letter(lang, dev, device);
            }
            Ok(code)
        }
        Command::Audit { livret, json } => commands::audit(&ctx, livret.as_deref(), json),
        Command::Demo => runtime()?.block_on(demo::run(lang)),
        Command::App(args) => runtime()?.block_on(app::run(&ctx, &args)),
        Command::Recovery { command } => rights::recovery(&ctx, &command),
        Command::Import(args) => rights::import(&ctx, &args),
        Command::Forget(args) => control::forget(&ctx, &args),
        Command::Delete(args) => control::delete(&ctx, &args),
        Command::Device { command } => control::device(&ctx, &command),
        Command::Class { command } => class::class(&ctx, &command),
        Command::Mailbox { command } => runtime()?.block_on(net::mailbox(&ctx, &command)),
    }
}

pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
