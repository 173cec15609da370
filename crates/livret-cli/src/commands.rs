//! The commands that need no network: parse, call the `livret` API, print.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use livret::core::grant::Rights;
use livret::core::{Lang, Localized, Role, Section};
use livret::{
    AuditOutcome, Device, EntryView, KeySource, LivretView, SignatureStatus, VerifyStatus,
};

use crate::ctx::Ctx;
use crate::util::{fail, print_json, short, AtomicFile};
use crate::{outln, tr};

/// `livret invite …`
#[derive(Debug, Args)]
pub struct InviteArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// Sections proposées, séparées par des virgules (annee/2025, vie-scolaire/2025, cycles, attestations, accompagnement, correspondance, identite)
    #[arg(long, value_name = "LISTE")]
    pub sections: Option<String>,
    /// Droits : read (lecture), write (lecture et écriture), owner (un autre parent, propriétaire) ou device (un appareil de plus du parent qui invite, propriétaire)
    #[arg(long, value_name = "DROITS", required_unless_present = "jury")]
    pub rights: Option<String>,
    /// Dernier jour de validité de l'autorisation (AAAA-MM-JJ) ; pour un jury, par défaut la date des résultats du bac plus deux mois
    #[arg(long, value_name = "AAAA-MM-JJ", required_unless_present = "jury")]
    pub until: Option<String>,
    /// Invite un jury (ou l'établissement suivant) : un extrait anonyme, en lecture seule, limité dans le temps
    #[arg(long, conflicts_with = "rights")]
    pub jury: bool,
    /// Durée de validité de l'invitation elle-même, en minutes
    #[arg(long, value_name = "MINUTES", default_value_t = livret::DEFAULT_INVITATION_MINUTES, allow_negative_numbers = true)]
    pub expires_in: i64,
    /// Adresse de cet appareil à mettre dans l'invitation (sinon celles du dernier « livret serve ») ; répétable
    #[arg(long, value_name = "MULTIADDR")]
    pub address: Vec<String>,
    /// Écrit aussi le code QR dans ce fichier PNG
    #[arg(long, value_name = "FICHIER")]
    pub qr_png: Option<PathBuf>,
    /// Écrit aussi le code QR dans ce fichier SVG
    #[arg(long, value_name = "FICHIER")]
    pub qr_svg: Option<PathBuf>,
    /// Sortie JSON (seulement le JSON sur la sortie standard)
    #[arg(long)]
    pub json: bool,
    /// Confirme d'avance l'appareil qui utilisera l'invitation (pour les scripts) : la commande rend la main aussitôt. Sans cette option, elle attend la demande et vous demande de confirmer qui l'a faite
    #[arg(long)]
    pub yes: bool,
}

/// `livret assess …`
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Identifiant du livret
    #[arg(value_name = "LIVRET")]
    pub livret: String,
    /// Année scolaire (année de la rentrée, par exemple 2025)
    #[arg(long, value_name = "AAAA")]
    pub year: u16,
    /// Période I/N, par exemple 1/3 (trimestre 1) ou 2/2 (semestre 2)
    #[arg(long, value_name = "I/N")]
    pub period: String,
    /// Code de la discipline, 6 lettres ou chiffres (FRANCS, MATHEM, HISGEO…)
    #[arg(long, value_name = "CODE")]
    pub subject: String,
    #[command(flatten)]
    pub evaluation: Evaluation,
    /// Appréciation (600 caractères au plus)
    #[arg(long, value_name = "APPRÉCIATION")]
    pub text: String,
    /// Libellé de la discipline, s'il n'est pas dans la liste officielle
    #[arg(long, value_name = "LIBELLÉ")]
    pub label: Option<String>,
}

/// A positioning or a mark, not both.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Evaluation {
    /// Positionnement de 1 à 4 (1 objectifs non atteints, 2 partiellement atteints, 3 atteints, 4 dépassés)
    #[arg(long, value_name = "1-4")]
    pub level: Option<u8>,
    /// Note, telle qu'écrite (par exemple 15,5)
    #[arg(long, value_name = "NOTE")]
    pub mark: Option<String>,
}

/// `livret init`
pub fn init(ctx: &Ctx, role: &str, name: &str, uai: Option<&str>) -> Result<ExitCode> {
    let lang = ctx.lang;
    let role: Role = role.parse().map_err(livret::Error::from)?;
    let dev = match (role, uai) {
        (Role::School, Some(uai)) => {
            Device::init_school(&ctx.home, KeySource::from_env(), name, uai)?
        }
        (_, None) => Device::init(&ctx.home, KeySource::from_env(), role, name)?,
        (_, Some(_)) => {
            return fail(
                "--uai ne s'emploie qu'avec --role school",
                "--uai is only for --role school",
            )
        }
    };
    let info = dev.info();
    let (name, home) = (&info.name, ctx.home.display());
    let role_fr = role.french();
    let role_en = role.as_str();
    outln!(
        "{}",
        tr!(
            lang,
            "Appareil « {name} » créé ({role_fr}) dans {home}.",
            "Device \"{name}\" created ({role_en}) in {home}."
        )
    );
    let id = &info.device_id;
    outln!(
        "{}",
        tr!(lang, "Identifiant de l'appareil : {id}", "Device id: {id}")
    );
    Ok(ExitCode::SUCCESS)
}

/// `livret id`
pub fn id(ctx: &Ctx, json: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = ctx.open()?;
    let info = dev.info();
    if json {
        print_json(&info)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (id, name) = (&info.device_id, &info.name);
    let role = match lang {
        Lang::Fr => dev.role().french(),
        Lang::En => dev.role().as_str(),
    };
    outln!("{}", tr!(lang, "Appareil : {name}", "Device: {name}"));
    outln!("{}", tr!(lang, "Rôle : {role}", "Role: {role}"));
    outln!("{}", tr!(lang, "Identifiant : {id}", "Id: {id}"));
    Ok(ExitCode::SUCCESS)
}

/// `livret child add`
pub fn child_add(
    ctx: &Ctx,
    name: &str,
    birth: &str,
    ine: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    let livret = dev.add_child(name, birth, ine)?;
    if json {
        print_json(&serde_json::json!({ "livret_id": livret.to_string() }))?;
    } else {
        outln!(
            "{}",
            tr!(
                lang,
                "Livret créé pour « {name} » : {livret}",
                "Livret created for \"{name}\": {livret}"
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn section_label(lang: Lang, section: &str) -> String {
    match (lang, section.parse::<Section>()) {
        (Lang::Fr, Ok(s)) => s.french_label(),
        (Lang::En, Ok(s)) => s.english_label(),
        (_, Err(_)) => section.to_string(),
    }
}

fn relation_word(lang: Lang, relation: livret::Relation) -> &'static str {
    match relation {
        livret::Relation::Owner => lang.pick("famille (propriétaire)", "family (owner)"),
        livret::Relation::Grantee => lang.pick("autorisé", "grantee"),
    }
}

/// `livret list`
pub fn list(ctx: &Ctx, json: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = ctx.open()?;
    let list = dev.list()?;
    if json {
        print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        outln!(
            "{}",
            lang.pick(
                "Aucun livret sur cet appareil.",
                "No livret on this device."
            )
        );
    }
    for l in &list {
        let unnamed = lang.pick("(sans nom)", "(no name)").to_string();
        let name = l.name.clone().unwrap_or(unnamed);
        let class = match &l.class {
            Some(c) => tr!(lang, ", classe {c}", ", class {c}"),
            None => String::new(),
        };
        let rel = relation_word(lang, l.relation);
        let sections = if l.sections.is_empty() {
            lang.pick("aucune", "none").to_string()
        } else {
            l.sections.join(", ")
        };
        let id = &l.livret_id;
        outln!(
            "{}",
            tr!(
                lang,
                "{id}  {name}{class} — {rel} — sections : {sections}",
                "{id}  {name}{class} — {rel} — sections: {sections}"
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Who signed an entry: name and short id.
pub fn author_of(lang: Lang, e: &EntryView) -> String {
    let name = e
        .author_name
        .clone()
        .unwrap_or_else(|| lang.pick("inconnu", "unknown").to_string());
    match &e.author {
        Some(a) => format!("{name} ({})", short(a)),
        None => name,
    }
}

fn print_view(lang: Lang, view: &LivretView) {
    let unnamed = lang.pick("(sans nom)", "(no name)").to_string();
    let name = view.name.clone().unwrap_or(unnamed);
    let id = &view.livret_id;
    let class = match &view.class {
        Some(c) => tr!(lang, " — classe {c}", " — class {c}"),
        None => String::new(),
    };
    outln!(
        "{}",
        tr!(
            lang,
            "Livret {id} — {name}{class}",
            "Livret {id} — {name}{class}"
        )
    );
    if view.sections.is_empty() {
        outln!("{}", lang.pick("(aucune section)", "(no section)"));
    }
    for s in &view.sections {
        let label = s.section.localized(lang);
        let sensitive = if s.sensitive {
            lang.pick(
                "  ⚠ SECTION SENSIBLE (mesures d'accompagnement, parfois sous secret médical)",
                "  ⚠ SENSITIVE SECTION (support measures, some under medical secrecy)",
            )
        } else {
            ""
        };
        outln!();
        outln!("== {label} [{}]{sensitive}", s.section);
        if s.entries.is_empty() {
            outln!("  {}", lang.pick("(vide)", "(empty)"));
        }
        for e in &s.entries {
            let mark = if e.sensitive {
                lang.pick("⚠ sensible — ", "⚠ sensitive — ")
            } else {
                ""
            };
            outln!("- {} : {mark}{}", e.key, e.localized(lang));
            let author = author_of(lang, e);
            let status = e.signature.localized(lang);
            let problem = match &e.signature {
                SignatureStatus::Invalid(p) => format!(" ({p})"),
                _ => String::new(),
            };
            let when = e.time.map(livret::rfc3339).unwrap_or_default();
            let cert = if e.is_certified() {
                lang.pick(
                    " — certifiée par un établissement reconnu",
                    " — certified by a trusted school",
                )
            } else {
                ""
            };
            outln!(
                "    {}",
                tr!(
                    lang,
                    "auteur : {author} — signature : {status}{problem}{cert} — {when}",
                    "author: {author} — signature: {status}{problem}{cert} — {when}"
                )
            );
            if e.conflicted {
                outln!(
                    "    {}",
                    lang.pick(
                        "⚠ une autre version concurrente existe",
                        "⚠ a competing version exists"
                    )
                );
            }
        }
    }
}

/// `livret show`
pub fn show(ctx: &Ctx, livret: &str, json: bool) -> Result<ExitCode> {
    let dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let view = dev.show(id)?;
    if json {
        print_json(&view)?;
    } else {
        print_view(ctx.lang, &view);
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret verify`
pub fn verify(ctx: &Ctx, livret: &str, json: bool) -> Result<ExitCode> {
    let dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let report = dev.verify(id)?;
    let ok = report.failures.is_empty();
    if json {
        print_json(&report)?;
    } else {
        print_verify_report(ctx.lang, id, &report);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `livret verify --all`: every livret of the device, one report each (`--json`: a list of
/// `{ "livret_id", "report" }`, or `{ "livret_id", "error" }` for a livret that cannot be
/// read); exit 1 if any entry of any livret does not verify or a livret cannot be read.
pub fn verify_all(ctx: &Ctx, json: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = ctx.open()?;
    let reports = dev.verify_all()?;
    let bad = reports
        .iter()
        .filter(|(_, r)| r.as_ref().map_or(true, |r| !r.failures.is_empty()))
        .count();
    if json {
        let list: Vec<serde_json::Value> = reports
            .iter()
            .map(|(id, report)| {
                Ok(match report {
                    Ok(report) => serde_json::json!({
                        "livret_id": id.to_string(),
                        "report": serde_json::to_value(report)?,
                    }),
                    Err(e) => serde_json::json!({
                        "livret_id": id.to_string(),
                        "error": e.localized(lang),
                    }),
                })
            })
            .collect::<std::result::Result<_, serde_json::Error>>()?;
        print_json(&list)?;
    } else {
        for (id, report) in &reports {
            match report {
                Ok(report) => print_verify_report(lang, *id, report),
                Err(e) => {
                    let e = e.localized(lang);
                    outln!(
                        "{}",
                        tr!(
                            lang,
                            "Livret {id} : illisible — {e}",
                            "Livret {id}: unreadable — {e}"
                        )
                    );
                }
            }
        }
        let n = reports.len();
        outln!(
            "{}",
            if bad == 0 {
                tr!(
                    lang,
                    "{n} livret(s) vérifié(s), tous valides.",
                    "{n} livret(s) checked, all valid."
                )
            } else {
                tr!(
                    lang,
                    "{n} livret(s) vérifié(s) : {bad} illisible(s) ou avec des inscriptions qui ne se vérifient pas.",
                    "{n} livret(s) checked: {bad} unreadable or with entries that do not verify."
                )
            }
        );
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What `livret verify` prints of one livret's report.
fn print_verify_report(lang: Lang, id: livret::core::LivretId, report: &livret::VerifyReport) {
    if report.failures.is_empty() {
        let (n, c) = (report.checked, report.certified);
        outln!(
            "{}",
            tr!(
                lang,
                "Livret {id} : {n} inscription(s) vérifiée(s), toutes valides ; {c} certifiée(s) par un établissement reconnu.",
                "Livret {id}: {n} entr(y/ies) checked, all valid; {c} certified by a trusted school."
            )
        );
        for e in report
            .entries
            .iter()
            .filter(|e| e.status == VerifyStatus::Uncertified)
        {
            let (section, key) = (&e.section, &e.key);
            let reason = e.reason.localized(lang);
            outln!(
                "{}",
                tr!(
                    lang,
                    "- section {section}, clé {key} : signature valide, non certifiée — {reason}",
                    "- section {section}, key {key}: valid signature, uncertified — {reason}"
                )
            );
        }
    } else {
        let (n, bad) = (report.checked, report.failures.len());
        outln!(
            "{}",
            tr!(
                lang,
                "Livret {id} : {bad} inscription(s) sur {n} ne se vérifie(nt) pas :",
                "Livret {id}: {bad} of {n} entr(y/ies) do not verify:"
            )
        );
        for f in &report.failures {
            let status = f.status.localized(lang);
            let (section, key) = (&f.section, &f.key);
            let reason = f.reason.localized(lang);
            outln!(
                "{}",
                tr!(
                    lang,
                    "- section {section}, clé {key} : {status} — {reason}",
                    "- section {section}, key {key}: {status} — {reason}"
                )
            );
        }
    }
}

/// `livret export`
pub fn export(ctx: &Ctx, livret: &str, format: &str, out: &std::path::Path) -> Result<ExitCode> {
    let lang = ctx.lang;
    if !format.trim().eq_ignore_ascii_case("json") {
        return fail(
            format!("format non pris en charge : « {format} » (seul « json » pour l'instant)"),
            format!("unsupported format: \"{format}\" (only \"json\" for now)"),
        );
    }
    let dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let value = dev.export_json(id)?;
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    let file = AtomicFile::create(out)?;
    file.commit(&bytes)?;
    let path = out.display();
    outln!(
        "{}",
        tr!(
            lang,
            "Livret {id} exporté dans {path}.",
            "Livret {id} exported to {path}."
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn rights_words(lang: Lang, rights: &str) -> String {
    match rights.parse::<Rights>() {
        Ok(r) => match lang {
            Lang::Fr => r.french().to_string(),
            Lang::En => r.as_str().to_string(),
        },
        Err(_) => rights.to_string(),
    }
}

fn rights_sentence(lang: Lang, rights: Rights) -> &'static str {
    match rights {
        Rights::Read => lang.pick(
            "lire ces sections (sans pouvoir y écrire)",
            "read these sections (without writing in them)",
        ),
        Rights::Write => lang.pick(
            "lire ces sections et y écrire des inscriptions signées",
            "read these sections and write signed entries in them",
        ),
        Rights::Owner => lang.pick(
            "devenir propriétaire du livret comme autre parent : tout lire, tout gérer (ses appareils ne peuvent être révoqués que par ce parent ou la feuille de secours)",
            "become an owner of the livret as another parent: read and manage everything (its devices can be revoked only by that parent or the recovery sheet)",
        ),
        Rights::Device => lang.pick(
            "devenir propriétaire du livret comme un appareil de plus du parent qui invite : tout lire, tout gérer",
            "become an owner of the livret as one more device of the inviting parent: read and manage everything",
        ),
    }
}

pub(crate) fn user_address(text: &str) -> Result<Vec<u8>> {
    // Invitations carry addresses without /p2p: the invitation names the device already.
    let bare = match text.find("/p2p/") {
        Some(i) => &text[..i],
        None => text,
    };
    match bare.trim().parse::<livret_net::Multiaddr>() {
        Ok(a) => Ok(a.to_vec()),
        Err(e) => fail(
            format!("champ « address » : adresse « {text} » invalide : {e}"),
            format!("field \"address\": invalid address \"{text}\": {e}"),
        ),
    }
}

/// `livret invite`
pub fn invite(ctx: &Ctx, args: &InviteArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    let livret = dev.resolve_livret(&args.livret)?;
    let sections = match &args.sections {
        Some(list) => Section::parse_list(list).map_err(livret::Error::from)?,
        None => Vec::new(),
    };
    let rights: Option<Rights> = args
        .rights
        .as_deref()
        .map(|r| r.parse().map_err(livret::Error::from))
        .transpose()?;
    let addresses = if args.address.is_empty() {
        dev.invitation_addresses()?
    } else {
        args.address
            .iter()
            .map(|a| user_address(a))
            .collect::<Result<Vec<_>>>()?
    };
    if addresses.is_empty() {
        return fail(
            "aucune adresse connue pour cet appareil : lancez d'abord « livret serve » (ou indiquez --address)",
            "no known address for this device: run \"livret serve\" first (or give --address)",
        );
    }
    // The QR files are prepared before anything is written, so a bad path fails first.
    let png = args.qr_png.as_deref().map(AtomicFile::create).transpose()?;
    let svg = args.qr_svg.as_deref().map(AtomicFile::create).transpose()?;
    let out = match (args.jury, rights, args.until.as_deref()) {
        (true, _, until) => {
            dev.invite_jury(livret, &sections, until, args.expires_in, addresses)?
        }
        (false, Some(rights), Some(until)) => {
            dev.invite(livret, &sections, rights, until, args.expires_in, addresses)?
        }
        _ => {
            return fail(
                "--rights et --until sont requis",
                "--rights and --until are required",
            )
        }
    };
    if args.yes {
        dev.confirm_in_advance(&out)?;
    }
    let qr = out.qr()?;
    if let Some(f) = png {
        let bytes = qr
            .to_png()
            .map_err(|e| livret::Error::Protocol(e.to_string()))?;
        f.commit(&bytes)?;
    }
    if let Some(f) = svg {
        f.commit(qr.to_svg().as_bytes())?;
    }
    if args.json {
        print_json(&out)?;
        return done_or_wait(lang, &mut dev, &out, args.yes);
    }
    outln!("{}", qr.to_terminal());
    // Beside the code and its text: whether the sensitive section is included.
    if let Some(notice) = &out.sensitive_notice {
        outln!(
            "{}",
            match lang {
                Lang::Fr => notice.clone(),
                Lang::En => "⚠ This invitation includes the sensitive section \"accompagnement\" (PAP, PAI, PPRE, PPS…): the child's support measures, some under medical secrecy.".to_string(),
            }
        );
    }
    outln!(
        "{}",
        lang.pick(
            "Montrez ce code QR à l'appareil invité (ou donnez-lui le texte ci-dessous) :",
            "Show this QR code to the invited device (or give it the text below):"
        )
    );
    outln!("{}", out.invitation);
    outln!();
    let (exp, mins) = (&out.expires_at, args.expires_in);
    outln!(
        "{}",
        tr!(
            lang,
            "Invitation valable jusqu'à {exp} ({mins} min), une seule fois.",
            "Invitation valid until {exp} ({mins} min), once."
        )
    );
    if !out.sections.is_empty() {
        outln!("{}", lang.pick("Sections proposées :", "Sections offered:"));
        for s in &out.sections {
            outln!("  - {} [{s}]", section_label(lang, s));
        }
    }
    let until = &out.until;
    if out.jury {
        outln!(
            "{}",
            tr!(
                lang,
                "Jury : un extrait anonyme (sans nom, prénom, date de naissance, INE ni établissement), en lecture seule, effacé de l'appareil du jury après le {until}.",
                "Jury: an anonymized extract (no name, first name, birth date, INE or school), read-only, deleted from the jury's device after {until}."
            )
        );
    } else {
        let rights: Rights = out.rights.parse().map_err(livret::Error::from)?;
        let (words, sentence) = (
            rights_words(lang, &out.rights),
            rights_sentence(lang, rights),
        );
        outln!(
            "{}",
            tr!(
                lang,
                "Droits : {words} — l'appareil invité pourra {sentence}, jusqu'au {until} inclus.",
                "Rights: {words} — the invited device may {sentence}, until {until} inclusive."
            )
        );
    }
    if out.includes_sensitive {
        outln!();
        outln!(
            "{}",
            lang.pick(
                "⚠ ATTENTION : cette invitation inclut la section sensible « accompagnement » (PAP, PAI, PPRE, PPS… dont certaines relèvent du secret médical). Ne la partagez qu'en connaissance de cause.",
                "⚠ WARNING: this invitation includes the sensitive section \"accompagnement\" (support measures PAP, PAI, PPRE, PPS…, some under medical secrecy). Share it only knowingly."
            )
        );
    }
    done_or_wait(lang, &mut dev, &out, args.yes)
}

/// With `--yes` the redeem is confirmed in advance: done. Otherwise waits for it and asks.
fn done_or_wait(
    lang: Lang,
    dev: &mut livret::Device,
    out: &livret::InvitationOut,
    yes: bool,
) -> Result<ExitCode> {
    if yes {
        return Ok(ExitCode::SUCCESS);
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    crate::redeem::wait_and_ask(lang, dev, out)
}

pub(crate) fn print_key(lang: Lang, key: &str) {
    outln!(
        "{}",
        tr!(
            lang,
            "Inscription écrite et signée : {key}",
            "Entry written and signed: {key}"
        )
    );
}

/// `livret assess`
pub fn assess(ctx: &Ctx, a: &AssessArgs) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(&a.livret)?;
    let key = dev.assess(
        id,
        a.year,
        &a.period,
        &a.subject,
        a.label.as_deref(),
        a.evaluation.level,
        a.evaluation.mark.as_deref(),
        &a.text,
    )?;
    print_key(ctx.lang, &key);
    Ok(ExitCode::SUCCESS)
}

/// `livret synthesis`
pub fn synthesis(ctx: &Ctx, livret: &str, year: u16, period: &str, text: &str) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let key = dev.synthesis(id, year, period, text)?;
    print_key(ctx.lang, &key);
    Ok(ExitCode::SUCCESS)
}

/// `livret vie-scolaire`
pub fn vie_scolaire(
    ctx: &Ctx,
    livret: &str,
    year: u16,
    period: &str,
    counts: (u16, u16, u16),
) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let key = dev.vie_scolaire(id, year, period, counts.0, counts.1, counts.2)?;
    print_key(ctx.lang, &key);
    Ok(ExitCode::SUCCESS)
}

/// `livret cycle`
pub fn cycle(
    ctx: &Ctx,
    livret: &str,
    cycle: u8,
    year: u16,
    levels: &str,
    synthesis: &str,
) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let key = dev.cycle(id, cycle, year, levels, synthesis)?;
    print_key(ctx.lang, &key);
    Ok(ExitCode::SUCCESS)
}

/// `livret attest`
pub fn attest(ctx: &Ctx, livret: &str, kind: &str, date: &str) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let key = dev.attest(id, kind, date)?;
    print_key(ctx.lang, &key);
    Ok(ExitCode::SUCCESS)
}

/// `livret message`
pub fn message(ctx: &Ctx, livret: &str, text: &str, json: bool) -> Result<ExitCode> {
    let mut dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let key = dev.message(id, text)?;
    if json {
        print_json(&serde_json::json!({ "livret": id.to_string(), "key": key }))?;
    } else {
        outln!(
            "{}",
            tr!(
                ctx.lang,
                "Message écrit et signé : {key}. Il part à la prochaine synchronisation.",
                "Message written and signed: {key}. It goes at the next sync."
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `livret grants`
pub fn grants(ctx: &Ctx, livret: &str, json: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = ctx.open()?;
    let id = dev.resolve_livret(livret)?;
    let grants = dev.grants(id)?;
    let teams = dev.team_grants(id)?;
    if json {
        print_json(&grants_json(&grants, &teams)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if grants.is_empty() && teams.is_empty() {
        outln!(
            "{}",
            lang.pick(
                "Aucune autorisation pour ce livret.",
                "No grant for this livret."
            )
        );
    }
    for g in &grants {
        let state = if g.revoked {
            lang.pick("RÉVOQUÉE", "REVOKED")
        } else if g.expired {
            lang.pick("expirée", "expired")
        } else {
            lang.pick("active", "active")
        };
        let (gid, who, aud) = (&g.grant_id, &g.audience_name, short(&g.audience));
        let (sections, rights, until) = (
            g.sections.join(", "),
            rights_words(lang, &g.rights),
            &g.until,
        );
        outln!(
            "{}",
            tr!(
                lang,
                "{gid}  {who} ({aud}) — {rights} — sections : {sections} — jusqu'au {until} — {state}",
                "{gid}  {who} ({aud}) — {rights} — sections: {sections} — until {until} — {state}"
            )
        );
    }
    for g in &teams {
        let state = if g.revoked {
            lang.pick("RÉVOQUÉE", "REVOKED")
        } else {
            lang.pick("active", "active")
        };
        let (gid, class, team) = (&g.grant_id, &g.class, short(&g.team_id));
        let (sections, rights, until) = (
            g.sections.join(", "),
            rights_words(lang, &g.rights),
            &g.until,
        );
        outln!(
            "{}",
            tr!(
                lang,
                "{gid}  équipe de la classe {class} ({team}) — {rights} — sections : {sections} — jusqu'au {until} — {state}",
                "{gid}  team of class {class} ({team}) — {rights} — sections: {sections} — until {until} — {state}"
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `grants --json`: the device grants, then the team grants, one list; `kind` tells them apart
/// (`device`, `team`), and a team grant's `audience` is its team id.
fn grants_json(
    grants: &[livret::GrantView],
    teams: &[livret::TeamGrantView],
) -> Result<serde_json::Value> {
    let mut list = Vec::with_capacity(grants.len() + teams.len());
    for g in grants {
        let mut v = serde_json::to_value(g)?;
        v["kind"] = "device".into();
        list.push(v);
    }
    for g in teams {
        let mut v = serde_json::to_value(g)?;
        v["kind"] = "team".into();
        v["audience"] = g.team_id.clone().into();
        v["audience_name"] = format!("équipe de la classe {}", g.class).into();
        list.push(v);
    }
    Ok(serde_json::Value::Array(list))
}

/// `livret revoke`
///
/// Returns, when this device has relays, the open device and the revoked one (a device grant's
/// audience): a sealed letter can then carry the revocation to it
/// ([`crate::net::revocation_letter`]).
pub fn revoke(
    ctx: &Ctx,
    grant_id: &str,
) -> Result<(ExitCode, Option<(livret::Device, livret::core::DeviceId)>)> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    let (livret, gid) = dev.revoke(grant_id)?;
    // Read after the revocation is recorded: nothing here may turn it into a failure.
    let gid_text = gid.to_string();
    let letter_to = if dev.relays().map_or(true, |r| r.is_empty()) {
        None
    } else {
        dev.grants(livret)
            .unwrap_or_default()
            .into_iter()
            .find(|g| g.grant_id == gid_text)
            .and_then(|g| g.audience.parse::<livret::core::DeviceId>().ok())
    };
    outln!(
        "{}",
        tr!(
            lang,
            "Autorisation {gid} révoquée (livret {livret}).",
            "Grant {gid} revoked (livret {livret})."
        )
    );
    outln!(
        "{}",
        lang.pick(
            "À sa prochaine synchronisation, l'appareil révoqué est refusé et efface ce livret. La révocation protège ce qui vient après elle : ce que cet appareil a déjà reçu auparavant ne peut pas être repris.",
            "At its next sync the revoked device is refused and erases this livret. Revocation protects what comes after it: what that device already received before cannot be taken back."
        )
    );
    Ok((ExitCode::SUCCESS, letter_to.map(|to| (dev, to))))
}

/// `livret audit`
pub fn audit(ctx: &Ctx, livret: Option<&str>, json: bool) -> Result<ExitCode> {
    let lang = ctx.lang;
    let dev = ctx.open()?;
    // Parsed only (not looked up): the log of a livret erased from this device still shows.
    let id = livret
        .map(|l| l.parse::<livret::core::LivretId>())
        .transpose()
        .map_err(livret::Error::from)?;
    let lines = dev.audit(id)?;
    if json {
        print_json(&lines)?;
        return Ok(ExitCode::SUCCESS);
    }
    if lines.is_empty() {
        outln!("{}", lang.pick("Journal vide.", "Empty log."));
    }
    for a in &lines {
        let action = a.action.localized(lang);
        let outcome = match a.outcome {
            AuditOutcome::Accepted => a.outcome.localized(lang),
            AuditOutcome::Refused => a.outcome.localized(lang).to_uppercase(),
        };
        let peer = match a.peer.as_deref().map(short) {
            Some(p) => tr!(lang, " — appareil {p}", " — device {p}"),
            None => String::new(),
        };
        let section = match &a.section {
            Some(s) => format!(" — {s}"),
            None => String::new(),
        };
        let detail = if a.detail.is_empty() {
            String::new()
        } else {
            format!(" — {}", a.detail)
        };
        outln!("{} {action} ({outcome}){section}{peer}{detail}", a.at);
    }
    Ok(ExitCode::SUCCESS)
}
