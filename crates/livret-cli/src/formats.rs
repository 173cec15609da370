//! The paper livret, its seals and the LSU file: `export --format pdf|lsu-xml`,
//! `verify-seal`, `import-lsu`, `school-ids`. Parse, call the `livret` API, print.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{ArgGroup, Args, Subcommand};
use livret::core::Lang;
use livret::paper::{AuthorStatus, SealInput, SealReport, SealSignature, TextStatus};

use crate::ctx::Ctx;
use crate::util::{fail, print_json, short, AtomicFile};
use crate::{outln, tr};

/// `livret export …`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Identifiant du livret (formats json et pdf)
    #[arg(value_name = "LIVRET")]
    pub livret: Option<String>,
    /// Format : json (tout ce que l'appareil détient), pdf (livret papier, un sceau QR signé par page), lsu-xml (fichier LSU d'une classe, appareil enseignant)
    #[arg(long, value_name = "FORMAT", default_value = "json")]
    pub format: String,
    /// Fichier à écrire (écrit à côté puis renommé : jamais à moitié écrit)
    #[arg(long, value_name = "FICHIER")]
    pub out: PathBuf,
    /// Année scolaire (année de la rentrée) : pdf (facultatif), lsu-xml (obligatoire)
    #[arg(long, value_name = "AAAA")]
    pub year: Option<u16>,
    /// Période I/N, par exemple 1/3 : pdf (facultatif, avec --year), lsu-xml (obligatoire)
    #[arg(long, value_name = "I/N")]
    pub period: Option<String>,
    /// Classe (lsu-xml), telle que notée à « livret accept --class »
    #[arg(long, value_name = "DIVISION")]
    pub class: Option<String>,
}

/// `livret verify-seal …`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("seal").required(true).args(["text", "png"])))]
pub struct VerifySealArgs {
    /// Le texte du sceau (LIVRET-SCEAU:…)
    #[arg(long, value_name = "SCEAU")]
    pub text: Option<String>,
    /// Une image (PNG) du code QR du sceau : photo ou page rendue du PDF
    #[arg(long, value_name = "FICHIER")]
    pub png: Option<PathBuf>,
    /// Le PDF d'où vient le sceau : vérifie aussi que chaque texte imprimé correspond à son empreinte signée
    #[arg(long, value_name = "FICHIER")]
    pub pdf: Option<PathBuf>,
}

/// `livret import-lsu …`
#[derive(Debug, Args)]
pub struct ImportLsuArgs {
    /// Le fichier LSU (import bilan complet, XML)
    #[arg(value_name = "FICHIER")]
    pub file: PathBuf,
    /// Montre ce qui serait écrit (et les rapprochements par nom à confirmer) sans rien écrire
    #[arg(long)]
    pub dry_run: bool,
    /// Remplace sans demander les identifiants d'établissement enregistrés (UAI, chef
    /// d'établissement, STS) par ceux du fichier quand ils diffèrent
    #[arg(long)]
    pub replace_school_ids: bool,
}

/// `livret school-ids …`
#[derive(Debug, Subcommand)]
pub enum SchoolIdsCommand {
    /// Enregistre l'établissement de cet enseignant : UAI, chef d'établissement, identifiant STS de l'enseignant
    Set {
        /// UAI de l'établissement (7 chiffres + 1 lettre)
        #[arg(long, value_name = "UAI")]
        uai: Option<String>,
        /// Nom du chef d'établissement, tel qu'il signe les bilans
        #[arg(long, value_name = "NOM")]
        head: Option<String>,
        /// Identifiant STS de cet enseignant
        #[arg(long, value_name = "N")]
        id_sts: Option<u64>,
    },
    /// Enregistre l'identifiant STS d'un autre enseignant (pour les inscriptions qu'il a signées)
    Teacher {
        /// Identifiant de l'appareil de cet enseignant (voir « livret show --json », champ author)
        #[arg(value_name = "APPAREIL")]
        device: String,
        /// Son identifiant STS
        #[arg(long, value_name = "N")]
        id_sts: u64,
    },
    /// Enregistre l'identifiant SIECLE (id-be) d'un élève
    Pupil {
        /// Identifiant du livret
        #[arg(value_name = "LIVRET")]
        livret: String,
        /// Son identifiant id-be (SIECLE / Base Élèves)
        #[arg(long, value_name = "N")]
        id_be: u64,
    },
    /// Affiche les identifiants enregistrés
    Show {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

/// `livret export`
pub fn export(ctx: &Ctx, a: &ExportArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let format = a.format.trim().to_ascii_lowercase();
    let need_livret = |what: &str| -> Result<String> {
        match &a.livret {
            Some(l) => Ok(l.clone()),
            None => fail(
                format!("le format {what} demande l'identifiant du livret"),
                format!("format {what} needs the livret id"),
            ),
        }
    };
    match format.as_str() {
        "json" => {
            if a.year.is_some() || a.period.is_some() || a.class.is_some() {
                return fail(
                    "--year, --period et --class ne s'appliquent pas au format json",
                    "--year, --period and --class do not apply to the json format",
                );
            }
            let livret = need_livret("json")?;
            crate::commands::export(ctx, &livret, "json", &a.out)
        }
        "pdf" => {
            let livret = need_livret("pdf")?;
            if a.class.is_some() {
                return fail(
                    "--class ne s'applique pas au format pdf",
                    "--class does not apply to the pdf format",
                );
            }
            let dev = ctx.open()?;
            let id = dev.resolve_livret(&livret)?;
            let file = AtomicFile::create(&a.out)?;
            let out = dev.export_pdf(id, a.year, a.period.as_deref())?;
            file.commit(&out.pdf)?;
            let (path, pages, n) = (a.out.display(), out.pages, out.entries);
            let versions = out
                .seal_versions
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            outln!(
                "{}",
                tr!(
                    lang,
                    "Livret papier écrit dans {path} : {pages} page(s), {n} inscription(s) scellée(s) (un sceau QR par page, versions {versions}).",
                    "Paper livret written to {path}: {pages} page(s), {n} sealed entr(y/ies) (one QR seal per page, versions {versions})."
                )
            );
            for s in &out.skipped {
                outln!("  {} {s}", lang.pick("non imprimé :", "not printed:"));
            }
            Ok(ExitCode::SUCCESS)
        }
        "lsu-xml" | "lsu" => {
            if a.livret.is_some() {
                return fail(
                    "le format lsu-xml exporte une classe : pas d'identifiant de livret, mais --class, --year et --period",
                    "the lsu-xml format exports a class: no livret id, but --class, --year and --period",
                );
            }
            let (Some(class), Some(year), Some(period)) = (&a.class, a.year, &a.period) else {
                return fail(
                    "le format lsu-xml demande --class DIVISION --year AAAA --period I/N",
                    "the lsu-xml format needs --class DIVISION --year YYYY --period I/N",
                );
            };
            let dev = ctx.open()?;
            let file = AtomicFile::create(&a.out)?;
            let out = dev.export_lsu(class, year, period)?;
            file.commit(out.xml.as_bytes())?;
            let (path, p, b, c) = (a.out.display(), out.pupils, out.periodic, out.cycles);
            outln!(
                "{}",
                tr!(
                    lang,
                    "Fichier LSU écrit dans {path} : {p} élève(s), {b} bilan(s) périodique(s), {c} bilan(s) de fin de cycle ; conforme au schéma LSU 7.0.",
                    "LSU file written to {path}: {p} pupil(s), {b} periodic report(s), {c} end-of-cycle report(s); valid against LSU schema 7.0."
                )
            );
            for n in &out.notes {
                outln!("  {} {n}", lang.pick("note :", "note:"));
            }
            Ok(ExitCode::SUCCESS)
        }
        other => fail(
            format!("format non pris en charge : « {other} » (json, pdf ou lsu-xml)"),
            format!("unsupported format: \"{other}\" (json, pdf or lsu-xml)"),
        ),
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        livret::Error::File {
            path: path.display().to_string(),
            detail: e.to_string(),
        }
        .into()
    })
}

fn print_seal(lang: Lang, r: &SealReport) {
    let n = r.entries.len();
    outln!(
        "{}",
        tr!(
            lang,
            "Sceau : {n} inscription(s) signée(s).",
            "Seal: {n} signed entr(y/ies)."
        )
    );
    for e in &r.entries {
        let status = if e.signature == SealSignature::Valid {
            lang.pick("signature valide", "valid signature")
        } else {
            lang.pick("SIGNATURE INVALIDE", "INVALID SIGNATURE")
        };
        let num = e.number;
        let place = match (&e.section, &e.key) {
            (Some(s), Some(k)) => format!("{s} {k}"),
            _ => String::new(),
        };
        outln!();
        outln!("{num}. {status} — {place}");
        if let Some(p) = &e.problem {
            outln!("   {p}");
        }
        outln!("   {}", e.summary);
        if let (Some(l), Some(a)) = (&e.livret_id, &e.author) {
            let who = match &e.author_name {
                Some(name) => format!("{name} ({}…)", short(a)),
                None => format!("{}…", short(a)),
            };
            let known = if e.author_status == AuthorStatus::Known {
                lang.pick("clé connue de cet appareil", "key known to this device")
            } else {
                lang.pick(
                    "clé inconnue de cet appareil (signature vérifiée, auteur non identifié)",
                    "key unknown to this device (signature checked, author not identified)",
                )
            };
            let when = e.time.clone().unwrap_or_default();
            outln!(
                "   {}",
                tr!(
                    lang,
                    "livret {l} — signé par {who}, {known} — le {when}",
                    "livret {l} — signed by {who}, {known} — on {when}"
                )
            );
        }
        for t in &e.texts {
            let i = t.index;
            let page = t.page.map(|p| p.to_string()).unwrap_or_default();
            let line = match t.status {
                TextStatus::Match => tr!(
                    lang,
                    "texte {i} imprimé page {page} : conforme à son empreinte signée",
                    "text {i} printed on page {page}: matches its signed digest"
                ),
                TextStatus::Mismatch => tr!(
                    lang,
                    "texte {i} imprimé page {page} : NE CORRESPOND PAS à son empreinte signée (modifié)",
                    "text {i} printed on page {page}: DOES NOT MATCH its signed digest (altered)"
                ),
                TextStatus::Empty => tr!(
                    lang,
                    "texte {i} : vide (non imprimé)",
                    "text {i}: empty (not printed)"
                ),
                TextStatus::Absent => tr!(
                    lang,
                    "texte {i} : absent du PDF",
                    "text {i}: not found in the PDF"
                ),
            };
            outln!("   {line}");
        }
    }
    outln!();
    let verdict = match (r.ok, r.pdf_checked) {
        (true, true) => lang.pick(
            "Résultat : toutes les signatures sont valides et chaque texte du PDF correspond à son empreinte.",
            "Result: every signature is valid and every text of the PDF matches its digest.",
        ),
        (true, false) => lang.pick(
            "Résultat : toutes les signatures sont valides. Les textes ne sont dans le sceau que par leur empreinte : --pdf les vérifie.",
            "Result: every signature is valid. Texts are in the seal by digest only: --pdf checks them.",
        ),
        (false, _) => lang.pick(
            "Résultat : ÉCHEC, ce sceau ou ce document a été modifié.",
            "Result: FAILED, this seal or document was altered.",
        ),
    };
    outln!("{verdict}");
}

/// `livret verify-seal`
pub fn verify_seal(ctx: &Ctx, a: &VerifySealArgs) -> Result<ExitCode> {
    let png = a.png.as_deref().map(read).transpose()?;
    let pdf = a.pdf.as_deref().map(read).transpose()?;
    let input = match (&a.text, &png) {
        (Some(t), _) => SealInput::Text(t),
        (None, Some(b)) => SealInput::Png(b),
        (None, None) => {
            return fail(
                "indiquez --text SCEAU ou --png FICHIER",
                "give --text SEAL or --png FILE",
            )
        }
    };
    // The device, if this home has one, tells which authors it knows; none is needed.
    let dev = ctx.open().ok();
    let report = livret::paper::verify_seal(input, pdf.as_deref(), dev.as_ref())?;
    print_seal(ctx.lang, &report);
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `livret import-lsu`
pub fn import_lsu(ctx: &Ctx, a: &ImportLsuArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    let bytes = read(&a.file)?;
    let Ok(xml) = String::from_utf8(bytes) else {
        return fail(
            "le fichier LSU n'est pas en UTF-8",
            "the LSU file is not UTF-8",
        );
    };
    let mut dev = ctx.open()?;
    let report = dev.import_lsu(&xml, a.dry_run)?;
    let n = report.pupils.len();
    outln!(
        "{}",
        tr!(
            lang,
            "Fichier LSU conforme au schéma : {n} élève(s).",
            "LSU file valid against the schema: {n} pupil(s)."
        )
    );
    if a.dry_run {
        outln!(
            "{}",
            lang.pick(
                "Simulation (--dry-run) : rien n'est écrit.",
                "Dry run (--dry-run): nothing is written."
            )
        );
    }
    let mut failed = false;
    for p in &report.pupils {
        let (name, id_be, division) = (&p.name, p.id_be, &p.division);
        let head = tr!(
            lang,
            "- {name} (id-be {id_be}, classe {division})",
            "- {name} (id-be {id_be}, class {division})"
        );
        let livret = p.livret_id.clone().unwrap_or_default();
        let by = match p.matched_by.as_str() {
            "id-be" => lang.pick("par id-be", "by id-be").to_string(),
            "name" => lang
                .pick(
                    "par nom et classe — À CONFIRMER avant d'importer",
                    "by name and class — TO CONFIRM before importing",
                )
                .to_string(),
            _ => String::new(),
        };
        let k = p.entries.len();
        let reason = p.reason.clone().unwrap_or_default();
        let line = match p.status.as_str() {
            "written" => tr!(
                lang,
                "{head} → livret {livret} ({by}) : {k} inscription(s) signée(s) et écrite(s)",
                "{head} → livret {livret} ({by}): {k} entr(y/ies) signed and written"
            ),
            "would-write" => tr!(
                lang,
                "{head} → livret {livret} ({by}) : {k} inscription(s) seraient écrites",
                "{head} → livret {livret} ({by}): {k} entr(y/ies) would be written"
            ),
            "invalid" => {
                failed = true;
                tr!(
                    lang,
                    "{head} → livret {livret} : BILAN INVALIDE, rien n'est écrit pour cet élève : {reason}",
                    "{head} → livret {livret}: INVALID REPORT, nothing written for this pupil: {reason}"
                )
            }
            _ => {
                failed = true;
                tr!(
                    lang,
                    "{head} : NON RAPPROCHÉ — {reason}",
                    "{head}: NOT MATCHED — {reason}"
                )
            }
        };
        outln!("{line}");
        for e in &p.entries {
            outln!("    {e}");
        }
        for s in &p.skipped {
            outln!("    {} {s}", lang.pick("non importé :", "not imported:"));
        }
    }
    for part in &report.ignored {
        outln!(
            "{}",
            tr!(
                lang,
                "Partie du fichier non conservée par le livret : {part}",
                "Part of the file not kept by the livret: {part}"
            )
        );
    }
    school_ids_found(lang, &mut dev, &report.school_ids, a)?;
    if !a.dry_run && report.pupils.iter().any(|p| p.status == "written") {
        outln!(
            "{}",
            lang.pick(
                "Pour envoyer ces inscriptions aux familles : livret sync",
                "To send these entries to the families: livret sync"
            )
        );
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Says what the import did with the school identifiers the file carries, and for each one
/// that differs from the one recorded, asks before replacing it (`--replace-school-ids`
/// answers yes; a dry run asks nothing).
fn school_ids_found(
    lang: Lang,
    dev: &mut livret::Device,
    found: &[livret::lsu::FoundSchoolId],
    a: &ImportLsuArgs,
) -> Result<()> {
    use livret::core::Localized;
    use livret::lsu::{FoundStatus, SchoolIdField};
    for f in found {
        let what = f.field.localized(lang);
        let value = &f.found;
        let recorded = f.recorded.as_deref().unwrap_or("");
        match f.status {
            FoundStatus::Same => {}
            FoundStatus::Recorded if a.dry_run => outln!(
                "{}",
                tr!(
                    lang,
                    "{what} : {value} (lu dans le fichier, sera enregistré à l'import)",
                    "{what}: {value} (read in the file, will be recorded by the import)"
                )
            ),
            FoundStatus::Recorded => outln!(
                "{}",
                tr!(
                    lang,
                    "{what} : {value} (lu dans le fichier et enregistré)",
                    "{what}: {value} (read in the file and recorded)"
                )
            ),
            FoundStatus::Differs => {
                outln!(
                    "{}",
                    tr!(
                        lang,
                        "{what} : le fichier porte « {value} », cet appareil a « {recorded} »",
                        "{what}: the file has \"{value}\", this device has \"{recorded}\""
                    )
                );
                if a.dry_run {
                    continue;
                }
                let yes = a.replace_school_ids
                    || crate::util::ask_yes(&tr!(
                        lang,
                        "Remplacer « {recorded} » par « {value} » ? [o/N] ",
                        "Replace \"{recorded}\" with \"{value}\"? [y/N] "
                    ))?;
                if yes {
                    match f.field {
                        SchoolIdField::Uai => dev.set_school_ids(Some(value), None, None)?,
                        SchoolIdField::Head => dev.set_school_ids(None, Some(value), None)?,
                        SchoolIdField::IdSts => {
                            let n = value.parse::<u64>()?;
                            dev.set_school_ids(None, None, Some(n))?
                        }
                    }
                    outln!(
                        "{}",
                        tr!(
                            lang,
                            "{what} : valeur remplacée par « {value} »",
                            "{what}: value replaced with \"{value}\""
                        )
                    );
                } else {
                    let flag = f.field.flag();
                    outln!(
                        "{}",
                        tr!(
                            lang,
                            "{what} : valeur gardée « {recorded} » (pour la changer : livret school-ids set {flag} …)",
                            "{what}: value kept \"{recorded}\" (to change it: livret school-ids set {flag} …)"
                        )
                    );
                }
            }
        }
    }
    Ok(())
}

/// `livret school-ids …`
pub fn school_ids(ctx: &Ctx, command: &SchoolIdsCommand) -> Result<ExitCode> {
    let lang = ctx.lang;
    let mut dev = ctx.open()?;
    match command {
        SchoolIdsCommand::Set { uai, head, id_sts } => {
            dev.set_school_ids(uai.as_deref(), head.as_deref(), *id_sts)?;
            outln!(
                "{}",
                lang.pick(
                    "Identifiants de l'établissement enregistrés.",
                    "School identifiers recorded."
                )
            );
        }
        SchoolIdsCommand::Teacher { device, id_sts } => {
            dev.set_teacher_id_sts(device, *id_sts)?;
            outln!(
                "{}",
                tr!(
                    lang,
                    "Identifiant STS {id_sts} enregistré pour l'appareil {device}.",
                    "STS id {id_sts} recorded for device {device}."
                )
            );
        }
        SchoolIdsCommand::Pupil { livret, id_be } => {
            let id = dev.resolve_livret(livret)?;
            dev.set_pupil_id_be(id, *id_be)?;
            outln!(
                "{}",
                tr!(
                    lang,
                    "id-be {id_be} enregistré pour le livret {id}.",
                    "id-be {id_be} recorded for livret {id}."
                )
            );
        }
        SchoolIdsCommand::Show { json } => {
            let v = dev.school_ids()?;
            if *json {
                print_json(&v)?;
                return Ok(ExitCode::SUCCESS);
            }
            let none = lang.pick("(non renseigné)", "(not set)").to_string();
            let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| none.clone());
            outln!("UAI : {}", opt(&v.uai));
            outln!(
                "{} {}",
                lang.pick("Chef d'établissement :", "Head of school:"),
                opt(&v.head)
            );
            outln!(
                "{} {}",
                lang.pick(
                    "Identifiant STS de cet enseignant :",
                    "This teacher's STS id:"
                ),
                opt(&v.id_sts.map(|n| n.to_string()))
            );
            for t in &v.teachers {
                outln!(
                    "{} {} : {}",
                    lang.pick("STS de l'appareil", "STS of device"),
                    t.device_id,
                    t.id_sts
                );
            }
            for p in &v.pupils {
                outln!(
                    "{}  {} ({}) — id-be : {}",
                    p.livret_id,
                    p.name.clone().unwrap_or_default(),
                    p.class.clone().unwrap_or_default(),
                    opt(&p.id_be.map(|n| n.to_string()))
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The last steps of `livret demo`: the family prints the paper livret and every page's seal
/// is checked against the PDF; the teacher exports the class's LSU file, which the Rust
/// validator checks against the official schema.
pub fn demo_steps(
    lang: Lang,
    root: &std::path::Path,
    family: &livret::SharedDevice,
    teacher: &livret::SharedDevice,
    other_teacher: livret::core::DeviceId,
    livret_id: livret::core::LivretId,
) -> Result<()> {
    use std::sync::PoisonError;
    let step = |n: u32, fr: &str, en: &str| {
        outln!();
        let title = lang.pick(fr, en);
        outln!("{}", tr!(lang, "Étape {n} — {title}", "Step {n} — {title}"));
    };
    step(
        11,
        "la famille imprime le livret papier : chaque page porte un sceau QR signé",
        "the family prints the paper livret: every page carries a signed QR seal",
    );
    let pdf_path = root.join("livret-lina.pdf");
    {
        let dev = family.lock().unwrap_or_else(PoisonError::into_inner);
        let out = dev.export_pdf(livret_id, None, None)?;
        AtomicFile::create(&pdf_path)?.commit(&out.pdf)?;
        let (path, pages, n) = (pdf_path.display(), out.pages, out.entries);
        outln!(
            "   {}",
            tr!(
                lang,
                "{path} : {pages} page(s), {n} inscription(s) scellée(s)",
                "{path}: {pages} page(s), {n} sealed entr(y/ies)"
            )
        );
        for (i, seal) in out.seals.iter().enumerate() {
            let r = livret::paper::verify_seal(SealInput::Text(seal), Some(&out.pdf), Some(&dev))?;
            let page = i + 1;
            crate::util::ensure(
                r.ok,
                format!("le sceau de la page {page} ne se vérifie pas"),
                format!("the seal of page {page} does not verify"),
            )?;
            let k = r.entries.len();
            let texts: usize = r.entries.iter().map(|e| e.texts.len()).sum();
            outln!(
                "   {}",
                tr!(
                    lang,
                    "page {page} : sceau de {k} inscription(s), signatures valides, {texts} texte(s) imprimé(s) conformes à leur empreinte (livret verify-seal)",
                    "page {page}: seal of {k} entr(y/ies), signatures valid, {texts} printed text(s) matching their digest (livret verify-seal)"
                )
            );
        }
    }
    step(
        12,
        "M. Martin exporte le fichier LSU de la classe 5B pour le logiciel de l'établissement",
        "M. Martin exports the LSU file of class 5B for the school's software",
    );
    let lsu_path = root.join("lsu-5B.xml");
    {
        let mut dev = teacher.lock().unwrap_or_else(PoisonError::into_inner);
        dev.set_school_ids(Some("0951099D"), Some("Mme Leroy"), Some(1001))?;
        dev.set_teacher_id_sts(&other_teacher.to_string(), 1002)?;
        dev.set_pupil_id_be(livret_id, 123_456)?;
        outln!(
            "   {}",
            lang.pick(
                "identifiants de l'établissement enregistrés : UAI 0951099D, STS des enseignants, id-be de l'élève",
                "school identifiers recorded: UAI 0951099D, teachers' STS ids, the pupil's id-be"
            )
        );
        let out = dev.export_lsu("5B", 2025, "1/3")?;
        AtomicFile::create(&lsu_path)?.commit(out.xml.as_bytes())?;
        let xml = std::fs::read_to_string(&lsu_path)?;
        let pupils = livret::lsu::check_file(&xml)?;
        let (path, b, c) = (lsu_path.display(), out.periodic, out.cycles);
        outln!(
            "   {}",
            tr!(
                lang,
                "{path} : {pupils} élève(s), {b} bilan(s) périodique(s), {c} bilan(s) de fin de cycle ; conforme au schéma LSU 7.0 (vérifié par le validateur du livret)",
                "{path}: {pupils} pupil(s), {b} periodic report(s), {c} end-of-cycle report(s); valid against LSU schema 7.0 (checked by the livret's validator)"
            )
        );
    }
    Ok(())
}
