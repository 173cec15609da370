//! `livret demo`: the whole story in a few seconds, in one process, over real libp2p on
//! 127.0.0.1, each device with its own home in a temporary directory. Every step checks what
//! it claims through the API; nothing is printed that was not observed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use livret::core::entry::Verification;
use livret::core::grant::Rights;
use livret::core::vocab::Date;
use livret::core::{DeviceId, Lang, LivretId, Localized, Role, Section};
use livret::{Device, KeySource, LocalPeer, SignatureStatus};

use crate::net::{clean, report_line};
use crate::util::{ensure, short};
use crate::{outln, tr};

const CHILD: &str = "Lina Moreau";
const BIRTH: &str = "2014-03-02";
const YEAR: u16 = 2025;
const FRANCAIS: &str = "Lina progresse nettement en rédaction ; très bonne participation à l'oral.";
const MATHS: &str = "Bons résultats en calcul ; la géométrie demande encore de la rigueur.";
const SYNTHESE: &str = "Trimestre sérieux et régulier. Continuer à lire chaque jour.";
const HISTOIRE: &str = "Connaissances solides ; les croquis doivent être plus soignés.";
const FRANCAIS_T2: &str = "Très beau deuxième trimestre : rédactions riches et soignées.";

/// One device of the story: a [`LocalPeer`] (its node serving in the background like
/// `livret serve`) and the name the story gives it.
struct Actor {
    name: &'static str,
    peer: LocalPeer,
}

impl std::ops::Deref for Actor {
    type Target = LocalPeer;
    fn deref(&self) -> &LocalPeer {
        &self.peer
    }
}

/// The family's screen while a redeem waits: it sees who redeemed (name, role, the code the
/// other screen shows too) and confirms. Gives up after the time a claim waits.
async fn family_confirms(lang: Lang, family: &Actor) {
    for _ in 0..livret::REDEEM_CONFIRM_SECONDS * 10 {
        let claim = family
            .with(|d| d.redeem_claims(None))
            .ok()
            .and_then(|c| c.into_iter().next());
        if let Some(c) = claim {
            if family
                .with(|d| d.confirm_redeem(&c.invitation, true))
                .is_ok()
            {
                let (who, code) = (&c.name, &c.code);
                says(
                    lang,
                    family.name,
                    &tr!(
                        lang,
                        "« {who} » présente l'invitation, avec le code {code} affiché sur les deux écrans : je confirme",
                        "\"{who}\" presents the invitation, with the code {code} shown on both screens: I confirm"
                    ),
                );
            }
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

impl Actor {
    async fn new(root: &Path, dir: &str, role: Role, name: &'static str) -> Result<Actor> {
        let device = Device::init(&root.join(dir), KeySource::KeyFile, role, name)?;
        Self::serve(device, name).await
    }

    async fn school(root: &Path, name: &'static str, uai: &str) -> Result<Actor> {
        let home = root.join("etablissement");
        let device = Device::init_school(&home, KeySource::KeyFile, name, uai)?;
        Self::serve(device, name).await
    }

    async fn serve(device: Device, name: &'static str) -> Result<Actor> {
        Ok(Actor {
            name,
            peer: LocalPeer::start(device, false).await?,
        })
    }

    async fn stop(mut self) {
        self.peer.stop().await;
    }
}

fn step(lang: Lang, n: u32, fr: &str, en: &str) {
    outln!();
    let title = lang.pick(fr, en);
    outln!("{}", tr!(lang, "Étape {n} — {title}", "Step {n} — {title}"));
}

fn says(lang: Lang, who: &str, what: &str) {
    let sep = lang.pick(" :", ":");
    outln!("   {who}{sep} {what}");
}

/// Changes one character of a text (the first lower-case ASCII letter to the next letter).
fn alter_one_character(text: &str) -> Option<String> {
    let pos = text.char_indices().find(|(_, c)| c.is_ascii_lowercase())?;
    let (i, c) = pos;
    let next = if c == 'z' {
        'a'
    } else {
        char::from(c as u8 + 1)
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..i]);
    out.push(next);
    out.push_str(&text[i + c.len_utf8()..]);
    Some(out)
}

/// Runs the demonstration.
pub async fn run(lang: Lang) -> Result<ExitCode> {
    let root = tempfile::tempdir()?;
    let result = story(lang, root.path()).await;
    drop(root);
    result
}

/// The cast: the family's device and the two teachers'.
struct Cast {
    family: Actor,
    t1: Actor,
    t2: Actor,
}

async fn story(lang: Lang, root: &Path) -> Result<ExitCode> {
    outln!(
        "{}",
        lang.pick(
            "Démonstration du livret scolaire tenu par la famille : trois appareils, chacun avec sa clé et son dossier, reliés par un vrai réseau libp2p local (127.0.0.1). Aucun serveur.",
            "Demonstration of the family-held livret scolaire: three devices, each with its own key and folder, linked by a real local libp2p network (127.0.0.1). No server."
        )
    );

    let cast = devices_scene(lang, root).await?;
    let livret = create_scene(lang, &cast)?;
    invite_scene(lang, &cast, livret).await?;
    let expected = write_scene(lang, &cast, livret)?;
    sync_scene(lang, &cast).await?;
    verify_scene(lang, &cast, livret, &expected)?;
    tamper_scene(lang, &cast, livret, &expected)?;
    let t2_id = revoke_scene(lang, &cast, livret)?;
    revoked_sync_scene(lang, &cast, livret, &t2_id).await?;
    let k = carry_on_scene(lang, &cast, livret).await?;
    let Cast { family, t1, t2 } = cast;

    // 11-12. The paper livret with its seals; the LSU file of the class.
    crate::formats::demo_steps(lang, root, &family.dev, &t1.dev, t2.id(), livret)?;

    let (school, jury) = jury_scene(lang, root, &family, &t1, livret).await?;
    school.stop().await;
    jury.stop().await;
    forget_scene(lang, &family, &t1, livret, &k).await?;

    outln!();
    outln!(
        "{}",
        lang.pick(
            "Fin de la démonstration : tout a été vérifié. Les dossiers temporaires sont effacés.",
            "End of the demonstration: everything was checked. The temporary folders are deleted."
        )
    );
    for a in [family, t1, t2] {
        a.stop().await;
    }
    Ok(ExitCode::SUCCESS)
}

/// Scene 1: The devices, each with its node listening on 127.0.0.1.
async fn devices_scene(lang: Lang, root: &Path) -> Result<Cast> {
    step(lang, 1, "les appareils", "the devices");
    let cast = Cast {
        family: Actor::new(root, "famille", Role::Family, "Parent de Lina").await?,
        t1: Actor::new(root, "enseignant1", Role::Teacher, "M. Martin").await?,
        t2: Actor::new(root, "enseignant2", Role::Teacher, "Mme Diallo").await?,
    };
    let Cast { family, t1, t2 } = &cast;
    for (a, role_fr, role_en) in [
        (family, "famille", "family"),
        (t1, "enseignant", "teacher"),
        (t2, "enseignant", "teacher"),
    ] {
        let (id, addr) = (
            short(&a.id().to_string()),
            a.node
                .listen_addrs()
                .first()
                .map(|x| x.to_string())
                .unwrap_or_default(),
        );
        let line = tr!(
            lang,
            "appareil {role_fr}, clé {id}…, à l'écoute sur {addr}",
            "{role_en} device, key {id}…, listening on {addr}"
        );
        says(lang, a.name, &line);
    }
    Ok(cast)
}

/// Scene 2: The family creates the livret.
fn create_scene(lang: Lang, cast: &Cast) -> Result<LivretId> {
    let family = &cast.family;
    step(
        lang,
        2,
        "la famille crée le livret de l'enfant",
        "the family creates the child's livret",
    );
    let livret: LivretId = family.with(|d| d.add_child(CHILD, BIRTH, None))?;
    let list = family.with(|d| d.list())?;
    ensure(
        list.len() == 1 && list[0].name.as_deref() == Some(CHILD),
        "le livret créé n'apparaît pas dans la liste de la famille",
        "the new livret is not in the family's list",
    )?;
    let sections = list[0].sections.join(", ");
    says(
        lang,
        family.name,
        &tr!(
            lang,
            "livret {livret} créé pour « {CHILD} » (né(e) le {BIRTH}) ; sections : {sections}",
            "livret {livret} created for \"{CHILD}\" (born {BIRTH}); sections: {sections}"
        ),
    );
    says(
        lang,
        family.name,
        lang.pick(
            "le nom de l'enfant n'est écrit que chiffré sur cet appareil, nulle part ailleurs",
            "the child's name is stored only encrypted on this device, nowhere else",
        ),
    );
    Ok(livret)
}

/// Scene 3: Invitations, face to face: each teacher accepts while the family confirms.
async fn invite_scene(lang: Lang, cast: &Cast, livret: LivretId) -> Result<()> {
    let Cast { family, t1, t2 } = cast;
    step(
        lang,
        3,
        "la famille invite les deux enseignants (code QR montré en personne)",
        "the family invites both teachers (QR code shown in person)",
    );
    let now = family.with(|d| d.now());
    let until = Date::from_unix_seconds(now)?.add_days(300)?.to_string();
    let invitations = [(t1, "annee/2025,vie-scolaire/2025"), (t2, "annee/2025")];
    for (teacher, list) in invitations {
        let sections = Section::parse_list(list).map_err(livret::Error::from)?;
        let addrs = family.addresses();
        let inv = family.with(|d| d.invite(livret, &sections, Rights::Write, &until, 15, addrs))?;
        let (exp, secs) = (&inv.expires_at, inv.sections.join(" + "));
        let who = teacher.name;
        says(
            lang,
            family.name,
            &tr!(
                lang,
                "invitation pour {who} : écriture sur {secs}, jusqu'au {until} ; le code expire à {exp}",
                "invitation for {who}: write on {secs}, until {until}; the code expires at {exp}"
            ),
        );
        let (report, ()) = tokio::join!(
            teacher.accept(&inv.invitation, Some("5B")),
            family_confirms(lang, family),
        );
        let report = report?;
        ensure(
            clean(&report),
            format!(
                "{who} : invitation refusée : {}",
                report.refused_text(Lang::Fr)
            ),
            format!(
                "{who}: invitation refused: {}",
                report.refused_text(Lang::En)
            ),
        )?;
        let seen = teacher.with(|d| d.list())?;
        ensure(
            seen.len() == 1
                && seen[0].livret_id == livret.to_string()
                && seen[0].name.as_deref() == Some(CHILD),
            format!("{who} ne voit pas le livret reçu"),
            format!("{who} does not see the livret received"),
        )?;
        let class = seen[0].class.clone().unwrap_or_default();
        says(
            lang,
            who,
            &tr!(
                lang,
                "invitation acceptée ; je vois le livret de « {CHILD} », classe {class}",
                "invitation accepted; I see the livret of \"{CHILD}\", class {class}"
            ),
        );
    }
    Ok(())
}

/// Scene 4: The teachers write, each on their own device. Returns the keys written and their
/// authors.
fn write_scene(lang: Lang, cast: &Cast, livret: LivretId) -> Result<Vec<(String, DeviceId)>> {
    let Cast { t1, t2, .. } = cast;
    step(
        lang,
        4,
        "les enseignants écrivent le bilan du 1er trimestre, chacun sur son appareil",
        "the teachers write the first-term report, each on their own device",
    );
    let mut expected: Vec<(String, DeviceId)> = Vec::new();
    let k = t1.with(|d| d.assess(livret, YEAR, "1/3", "FRANCS", None, Some(3), None, FRANCAIS))?;
    expected.push((k.clone(), t1.id()));
    says(
        lang,
        t1.name,
        &tr!(
            lang,
            "{k} : français, positionnement 3 (objectifs atteints)",
            "{k}: French, level 3 (objectives met)"
        ),
    );
    let k = t1.with(|d| {
        d.assess(
            livret,
            YEAR,
            "1/3",
            "MATHEM",
            None,
            None,
            Some("15,5"),
            MATHS,
        )
    })?;
    expected.push((k.clone(), t1.id()));
    says(
        lang,
        t1.name,
        &tr!(
            lang,
            "{k} : mathématiques, note 15,5",
            "{k}: mathematics, mark 15,5"
        ),
    );
    let k = t1.with(|d| d.synthesis(livret, YEAR, "1/3", SYNTHESE))?;
    expected.push((k.clone(), t1.id()));
    says(
        lang,
        t1.name,
        &tr!(lang, "{k} : synthèse du trimestre", "{k}: term synthesis"),
    );
    let k = t1.with(|d| d.vie_scolaire(livret, YEAR, "1/3", 1, 2, 0))?;
    expected.push((k.clone(), t1.id()));
    says(
        lang,
        t1.name,
        &tr!(
            lang,
            "{k} : vie scolaire, 1 retard, 2 demi-journées d'absence justifiées",
            "{k}: attendance, 1 late arrival, 2 justified half-days of absence"
        ),
    );
    let k = t2.with(|d| d.assess(livret, YEAR, "1/3", "HISGEO", None, Some(3), None, HISTOIRE))?;
    expected.push((k.clone(), t2.id()));
    says(
        lang,
        t2.name,
        &tr!(
            lang,
            "{k} : histoire-géographie, positionnement 3",
            "{k}: history-geography, level 3"
        ),
    );
    Ok(expected)
}

/// Scene 5: Each teacher syncs with the family; the second holds only what it was granted.
async fn sync_scene(lang: Lang, cast: &Cast) -> Result<()> {
    let Cast { family, t1, t2 } = cast;
    step(
        lang,
        5,
        "chaque enseignant synchronise directement avec l'appareil de la famille",
        "each teacher syncs directly with the family's device",
    );
    for t in [t1, t2] {
        let r = t.sync_with(family).await?;
        ensure(
            clean(&r) && r.sent_changes >= 1,
            format!(
                "{} : synchronisation incomplète : {}",
                t.name,
                report_line(Lang::Fr, &r)
            ),
            format!("{}: incomplete sync: {}", t.name, report_line(Lang::En, &r)),
        )?;
        says(lang, t.name, &report_line(lang, &r));
    }
    let t2_sections = t2.with(|d| d.list())?;
    let t2_sections = t2_sections
        .first()
        .map(|l| l.sections.clone())
        .unwrap_or_default();
    ensure(
        !t2_sections.iter().any(|s| s.starts_with("vie-scolaire")),
        "Mme Diallo a reçu la vie scolaire sans y être autorisée",
        "Mme Diallo received the attendance section without a grant",
    )?;
    let shown = t2_sections.join(", ");
    says(
        lang,
        t2.name,
        &tr!(
            lang,
            "je ne détiens que ce que la famille m'a ouvert : {shown} (ni identité, ni vie scolaire)",
            "I hold only what the family opened to me: {shown} (no identity, no attendance)"
        ),
    );
    Ok(())
}

/// Scene 6: The family verifies every signature and sees who wrote what.
fn verify_scene(
    lang: Lang,
    cast: &Cast,
    livret: LivretId,
    expected: &[(String, DeviceId)],
) -> Result<()> {
    let family = &cast.family;
    step(
        lang,
        6,
        "la famille vérifie chaque signature et voit qui a écrit quoi",
        "the family checks every signature and sees who wrote what",
    );
    let report = family.with(|d| d.verify(livret))?;
    ensure(
        report.failures.is_empty() && report.checked == expected.len() + 1,
        format!(
            "vérification : {} inscription(s) valides sur {}, {} attendue(s)",
            report.valid,
            report.checked,
            expected.len() + 1
        ),
        format!(
            "verification: {} valid entr(y/ies) of {}, {} expected",
            report.valid,
            report.checked,
            expected.len() + 1
        ),
    )?;
    let view = family.with(|d| d.show(livret))?;
    for (key, author) in expected {
        let found = view
            .sections
            .iter()
            .flat_map(|s| s.entries.iter())
            .find(|e| &e.key == key);
        let ok = found.is_some_and(|e| {
            e.signature == SignatureStatus::Valid
                && e.author.as_deref() == Some(author.to_string().as_str())
        });
        ensure(
            ok,
            format!("l'inscription {key} manque ou n'est pas signée par son auteur"),
            format!("entry {key} is missing or not signed by its author"),
        )?;
    }
    for s in &view.sections {
        for e in &s.entries {
            let author = crate::commands::author_of(lang, e);
            let status = e.signature.localized(lang);
            let (sec, key) = (&s.section, &e.key);
            says(
                lang,
                family.name,
                &tr!(
                    lang,
                    "{sec} {key} — écrit par {author} — signature {status}",
                    "{sec} {key} — written by {author} — signature {status}"
                ),
            );
        }
    }
    let n = report.checked;
    says(
        lang,
        family.name,
        &tr!(
            lang,
            "{n} inscriptions vérifiées : toutes valides",
            "{n} entries checked: all valid"
        ),
    );
    Ok(())
}

/// Scene 7: A tampered copy: one character changed in an appréciation.
fn tamper_scene(
    lang: Lang,
    cast: &Cast,
    livret: LivretId,
    expected: &[(String, DeviceId)],
) -> Result<()> {
    let Cast { family, t1, t2 } = cast;
    step(
        lang,
        7,
        "une copie falsifiée : un seul caractère changé dans une appréciation",
        "a tampered copy: one character changed in an appréciation",
    );
    let francs_key = expected.first().map(|(k, _)| k.clone()).unwrap_or_default();
    let entries = family.with(|d| d.signed_entries(livret))?;
    let Some((section, key, original)) = entries.into_iter().find(|(_, k, _)| *k == francs_key)
    else {
        return crate::util::fail(
            format!("inscription {francs_key} introuvable"),
            format!("entry {francs_key} not found"),
        );
    };
    let known = [family.id(), t1.id(), t2.id()];
    let is_known = |a: &DeviceId| known.contains(a);
    let (_, before) = original.verify_at(livret, section, &key, is_known);
    ensure(
        before == Verification::Valid,
        "l'inscription originale ne se vérifie pas",
        "the original entry does not verify",
    )?;
    let mut forged = original.clone();
    let text = forged.texts.first().cloned().unwrap_or_default();
    let Some(altered) = alter_one_character(&text) else {
        return crate::util::fail(
            "texte sans lettre à modifier",
            "text without a letter to change",
        );
    };
    if let Some(t) = forged.texts.first_mut() {
        *t = altered.clone();
    }
    says(
        lang,
        lang.pick("original", "original"),
        &format!("« {text} » → {}", lang.pick("valide", "valid")),
    );
    says(
        lang,
        lang.pick("falsifié", "tampered"),
        &format!("« {altered} »"),
    );
    match forged.verify_at(livret, section, &key, is_known) {
        (_, Verification::Invalid(reason)) => says(
            lang,
            family.name,
            &tr!(
                lang,
                "la copie falsifiée est INVALIDE : {reason}",
                "the tampered copy is INVALID: {reason}"
            ),
        ),
        (_, other) => {
            let s = other.as_str();
            return crate::util::fail(
                format!("la copie falsifiée n'est pas détectée (état : {s})"),
                format!("the tampered copy is not detected (status: {s})"),
            );
        }
    }
    Ok(())
}

/// Scene 8: The family revokes the second teacher's grant. Returns that teacher's id.
fn revoke_scene(lang: Lang, cast: &Cast, livret: LivretId) -> Result<String> {
    let Cast { family, t2, .. } = cast;
    step(
        lang,
        8,
        "la famille révoque l'autorisation de Mme Diallo",
        "the family revokes Mme Diallo's grant",
    );
    let t2_id = t2.id().to_string();
    let grants = family.with(|d| d.grants(livret))?;
    let Some(grant) = grants.iter().find(|g| g.audience == t2_id && !g.revoked) else {
        return crate::util::fail(
            "autorisation de Mme Diallo introuvable",
            "Mme Diallo's grant not found",
        );
    };
    let (_, gid) = family.with(|d| d.revoke(&grant.grant_id))?;
    let revoked = family
        .with(|d| d.grants(livret))?
        .iter()
        .any(|g| g.grant_id == gid.to_string() && g.revoked);
    ensure(
        revoked,
        "la révocation n'apparaît pas dans les autorisations",
        "the revocation does not show in the grants",
    )?;
    says(
        lang,
        family.name,
        &tr!(
            lang,
            "autorisation {gid} révoquée (signée par la famille)",
            "grant {gid} revoked (signed by the family)"
        ),
    );
    Ok(t2_id)
}

/// Scene 9: The revoked teacher syncs: refused, and its device erases the livret.
async fn revoked_sync_scene(lang: Lang, cast: &Cast, livret: LivretId, t2_id: &str) -> Result<()> {
    let Cast { family, t2, .. } = cast;
    step(
        lang,
        9,
        "Mme Diallo synchronise à nouveau",
        "Mme Diallo syncs again",
    );
    let r = t2.sync_with(family).await;
    let refused_line = match &r {
        Ok(report) => report_line(lang, report),
        Err(e) => livret::core::Localized::localized(e, lang),
    };
    says(lang, t2.name, &refused_line);
    let left = t2.with(|d| d.list())?;
    ensure(
        left.is_empty(),
        "le livret est resté sur l'appareil révoqué",
        "the livret stayed on the revoked device",
    )?;
    says(
        lang,
        t2.name,
        lang.pick(
            "refusée par la famille ; mon appareil a effacé le livret : ma liste est vide",
            "refused by the family; my device erased the livret: my list is empty",
        ),
    );
    let audit = family.with(|d| d.audit(Some(livret)))?;
    let refusal = audit
        .iter()
        .any(|a| a.outcome == livret::AuditOutcome::Refused && a.peer.as_deref() == Some(t2_id));
    ensure(
        refusal,
        "le journal de la famille ne montre pas le refus",
        "the family's log does not show the refusal",
    )?;
    says(
        lang,
        family.name,
        lang.pick(
            "mon journal note le refus de l'appareil révoqué",
            "my log records the revoked device being refused",
        ),
    );
    Ok(())
}

/// Scene 10: The other teacher carries on. Returns the key of its new entry.
async fn carry_on_scene(lang: Lang, cast: &Cast, livret: LivretId) -> Result<String> {
    let Cast { family, t1, .. } = cast;
    step(
        lang,
        10,
        "M. Martin, lui, continue normalement",
        "M. Martin carries on as before",
    );
    let k = t1.with(|d| {
        d.assess(
            livret,
            YEAR,
            "2/3",
            "FRANCS",
            None,
            Some(4),
            None,
            FRANCAIS_T2,
        )
    })?;
    let r = t1.sync_with(family).await?;
    ensure(
        clean(&r) && t1.with(|d| d.list())?.len() == 1,
        format!(
            "M. Martin : synchronisation refusée : {}",
            report_line(Lang::Fr, &r)
        ),
        format!("M. Martin: sync refused: {}", report_line(Lang::En, &r)),
    )?;
    says(lang, t1.name, &report_line(lang, &r));
    let view = family.with(|d| d.show(livret))?;
    let arrived = view
        .sections
        .iter()
        .flat_map(|s| s.entries.iter())
        .any(|e| e.key == k && e.signature == SignatureStatus::Valid);
    ensure(
        arrived,
        format!("la nouvelle inscription {k} n'est pas arrivée valide"),
        format!("the new entry {k} did not arrive valid"),
    )?;
    says(
        lang,
        family.name,
        &tr!(
            lang,
            "nouvelle inscription {k} reçue, signature valide",
            "new entry {k} received, signature valid"
        ),
    );
    Ok(k)
}

/// The family's right to be forgotten: it erases M. Martin's second-term entry, history
/// included; M. Martin's device is told at its next sync and rebuilds its copy.
async fn forget_scene(
    lang: Lang,
    family: &Actor,
    t1: &Actor,
    livret: livret::core::LivretId,
    key: &str,
) -> Result<()> {
    use livret::core::Section;
    step(
        lang,
        16,
        "la famille fait effacer une inscription, historique compris",
        "the family has an entry erased, history included",
    );
    let report = family.with(|d| d.forget(livret, Section::Annee(YEAR), Some(key)))?;
    let gone = |a: &Actor| -> Result<bool> {
        let history = a
            .with(|d| d.section_history_bytes(livret, Section::Annee(YEAR)))?
            .unwrap_or_default();
        let needle = FRANCAIS_T2.as_bytes();
        Ok(!history.windows(needle.len()).any(|w| w == needle))
    };
    ensure(
        gone(family)?,
        "le texte effacé est resté dans l'historique de la famille",
        "the erased text stayed in the family's history",
    )?;
    let left = report.remaining_entries;
    says(
        lang,
        family.name,
        &tr!(
            lang,
            "livret forget … --entry {key} : inscription effacée de mon appareil, historique compris ({left} inscription(s) restent)",
            "livret forget … --entry {key}: entry erased from my device, history included ({left} entries left)"
        ),
    );
    let r = t1.sync_with(family).await?;
    ensure(
        !r.erased.is_empty() && gone(t1)?,
        "l'appareil de M. Martin n'a pas appliqué l'effacement",
        "M. Martin's device did not apply the erasure",
    )?;
    says(lang, t1.name, &report_line(lang, &r));
    says(
        lang,
        t1.name,
        lang.pick(
            "l'effacement est signé par la famille : ma copie est reconstruite sans ce texte ni son historique",
            "the erasure is signed by the family: my copy is rebuilt without that text or its history",
        ),
    );
    Ok(())
}

/// The last scene: a school certifies M. Martin, the family shows the bac jury an anonymized
/// extract, the jury verifies it offline, and the extract disappears when the grant ends.
async fn jury_scene(
    lang: Lang,
    root: &Path,
    family: &Actor,
    t1: &Actor,
    livret: LivretId,
) -> Result<(Actor, Actor)> {
    step(
        lang,
        13,
        "le collège certifie la clé de M. Martin",
        "the school certifies M. Martin's key",
    );
    let school = Actor::school(root, "Collège Jean Moulin", "0951099D").await?;
    let cert = school.with(|d| d.certify(&t1.id().to_string(), "M. Martin", "2099-06-30"))?;
    t1.with(|d| d.import_certificate(&cert.text))?;
    says(
        lang,
        school.name,
        lang.pick(
            "certificat signé pour M. Martin (il ne nomme ni l'établissement ni son UAI, seulement sa clé)",
            "certificate signed for M. Martin (it names neither the school nor its UAI, only its key)",
        ),
    );
    let k = t1.with(|d| {
        d.assess(
            livret,
            YEAR,
            "3/3",
            "FRANCS",
            None,
            Some(4),
            None,
            "Excellente fin d'année, travail exemplaire.",
        )
    })?;
    let r = t1.sync_with(family).await?;
    ensure(clean(&r), "synchronisation refusée", "sync refused")?;
    says(
        lang,
        t1.name,
        &tr!(
            lang,
            "nouvelle inscription {k}, certificat joint, envoyée à la famille",
            "new entry {k}, certificate attached, sent to the family"
        ),
    );

    step(
        lang,
        14,
        "la famille montre au jury du bac un extrait anonyme",
        "the family shows the bac jury an anonymized extract",
    );
    let jury = Actor::new(root, "jury", Role::Jury, "Jury du bac").await?;
    let school_key = school.id().to_string();
    jury.with(|d| d.trust_add(&school_key))?;
    let addrs = family.addresses();
    let inv = family.with(|d| d.invite_jury(livret, &[Section::Annee(YEAR)], None, 15, addrs))?;
    let until = inv.until.clone();
    let (accepted, ()) = tokio::join!(
        jury.accept(&inv.invitation, None),
        family_confirms(lang, family),
    );
    accepted?;
    let report = jury.with(|d| d.verify(livret))?;
    ensure(
        report.failures.is_empty() && report.certified >= 1,
        "le jury n'a pas pu tout vérifier",
        "the jury could not verify everything",
    )?;
    let (n, c) = (report.checked, report.certified);
    says(
        lang,
        jury.name,
        &tr!(
            lang,
            "extrait reçu : {n} inscription(s) aux signatures d'origine, toutes valides ; {c} certifiée(s) par le collège (les autres ont été écrites avant le certificat) ; autorisation jusqu'au {until}",
            "extract received: {n} entr(y/ies) with their original signatures, all valid; {c} certified by the school (the others were written before the certificate); grant until {until}"
        ),
    );
    let shown = serde_json::to_string(&jury.with(|d| d.show(livret))?)?;
    let anonymous = ["Lina", "Moreau", BIRTH, "Jean Moulin", "0951099D"]
        .iter()
        .all(|w| !shown.contains(w));
    ensure(
        anonymous,
        "l'extrait nomme l'enfant ou l'établissement",
        "the extract names the child or the school",
    )?;
    says(
        lang,
        jury.name,
        lang.pick(
            "ni nom, ni prénom, ni date de naissance, ni établissement dans ce que je vois ; l'appréciation qui nommait l'élève est retirée, sa signature reste vérifiable",
            "no name, first name, birth date or school in what I see; the appréciation naming the pupil is withheld, its signature still checks",
        ),
    );

    step(
        lang,
        15,
        "l'autorisation du jury arrive à son terme : l'extrait disparaît",
        "the jury's grant ends: the extract disappears",
    );
    jury.with(|d| d.set_clock_offset_for_tests(400 * 24 * 3600));
    let purged = jury.with(|d| d.purge())?;
    ensure(
        purged == vec![livret] && jury.with(|d| d.list())?.is_empty(),
        "l'extrait est resté sur l'appareil du jury",
        "the extract stayed on the jury's device",
    )?;
    says(
        lang,
        jury.name,
        lang.pick(
            "(horloge avancée d'un an pour la démonstration) autorisation expirée : extrait effacé, ma liste est vide",
            "(clock moved one year on for the demonstration) grant expired: extract deleted, my list is empty",
        ),
    );
    Ok((school, jury))
}
