//! The paper livret (PDF with a QR seal per page) and the LSU file, across devices: a family
//! prints what teachers wrote and the paper is checked; a teacher exports a class to LSU and
//! another imports a file of the school's software. Needs poppler-utils and libxml2-utils.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use livret::core::grant::Rights;
use livret::core::{LivretId, Localized, Role, Section};
use livret::paper::{verify_seal, SealInput};
use livret_export::{lsu, seal};
use livret_tests::TestDevice;

const FRANCAIS: &str = "Lina progresse nettement en rédaction ; très bonne participation à l'oral.";
const MATHS: &str = "Bons résultats en calcul ; la géométrie demande encore de la rigueur.";
const HISTOIRE: &str = "Connaissances solides ; les croquis doivent être plus soignés. Œuvre étudiée : « Les Misérables ».";
const SYNTHESE: &str = "Trimestre sérieux et régulier. Continuer à lire chaque jour.";
const CYCLE: &str = "Fin de cycle réussie : élève curieuse, à l'aise à l'écrit comme à l'oral.";
const LEVELS: &str =
    "CPD_FRA=3,CPD_ETR=2,CPD_SCI=4,CPD_ART=1,MET_APP=0,FRM_CIT=3,SYS_NAT=2,REP_MND=4";

fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed (poppler-utils, libxml2-utils): {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    out
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn xsd() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/lsu/import-bilan-complet.xsd")
}

fn xmllint_ok(path: &Path) -> bool {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd())
        .arg(path)
        .output()
        .expect("xmllint is needed (apt-get install libxml2-utils)");
    out.status.success()
}

/// A family with one child, a teacher granted the year, attendance and cycles, in `class`.
async fn family_and_teacher(
    child: &str,
    teacher: &TestDevice,
    class: &str,
) -> (TestDevice, LivretId) {
    let family = TestDevice::new(Role::Family, "Parent").await;
    let livret = family
        .with(|d| d.add_child(child, "2012-03-02", None))
        .unwrap();
    let inv = family.invite(livret, "annee/2025,vie-scolaire/2025,cycles", Rights::Write);
    let r = teacher.accept(&inv, Some(class)).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    (family, livret)
}

fn write_bilan(t: &TestDevice, livret: LivretId, appreciation: &str) {
    t.with(|d| {
        d.assess(
            livret,
            2025,
            "1/3",
            "FRANCS",
            None,
            Some(3),
            None,
            appreciation,
        )?;
        d.assess(
            livret,
            2025,
            "1/3",
            "MATHEM",
            None,
            None,
            Some("15,5"),
            MATHS,
        )?;
        d.assess(livret, 2025, "1/3", "HISGEO", None, Some(4), None, HISTOIRE)?;
        d.synthesis(livret, 2025, "1/3", SYNTHESE)?;
        d.vie_scolaire(livret, 2025, "1/3", 1, 2, 0)?;
        d.cycle(livret, 4, 2025, LEVELS, CYCLE)
    })
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printed_livret_is_searchable_and_every_page_seal_verifies() {
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let (family, livret) = family_and_teacher("Lina Moreau", &teacher, "5B").await;
    write_bilan(&teacher, livret, FRANCAIS);
    teacher.sync_with(&family).await.unwrap();

    let out = family.with(|d| d.export_pdf(livret, None, None)).unwrap();
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    assert_eq!(out.entries, 7, "identity + 6 entries");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("livret.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let pdf_s = pdf.to_str().unwrap();

    // pdftotext finds every subject, level, mark and appréciation, with accents.
    let text = String::from_utf8(run("pdftotext", &["-enc", "UTF-8", pdf_s, "-"]).stdout).unwrap();
    let flat = squash(&text);
    for needle in [
        "Lina Moreau",
        "Français (FRANCS)",
        "Mathématiques (MATHEM)",
        "Histoire-géographie-EMC (HISGEO)",
        "Objectifs d'apprentissage atteints (3/4)",
        "Objectifs d'apprentissage dépassés (4/4)",
        "Note : 15,5",
        FRANCAIS,
        MATHS,
        HISTOIRE,
        SYNTHESE,
        CYCLE,
        "Demi-journées d'absence justifiées : 2",
        "Maîtrise satisfaisante (3)",
        "Très bonne maîtrise (4)",
        "Dispensé (0)",
        "Bilan de fin de cycle 4",
    ] {
        assert!(
            flat.contains(&squash(needle)),
            "missing {needle:?} in:\n{text}"
        );
    }

    // pdftoppm renders every page; the QR seal of each page decodes from the picture and
    // verifies, and every printed text matches its signed digest.
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &["-r", "300", "-png", pdf_s, prefix.to_str().unwrap()],
    );
    let mut pngs: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), out.pages);
    let mut sealed = 0;
    for png in &pngs {
        let bytes = std::fs::read(png).unwrap();
        let report = family
            .with(|d| verify_seal(SealInput::Png(&bytes), Some(&out.pdf), Some(d)))
            .unwrap();
        assert!(report.ok, "{report:#?}");
        for e in &report.entries {
            assert_eq!(e.author_status, "known");
            assert!(e.texts.iter().all(|t| t.status == "match"), "{e:?}");
        }
        sealed += report.entries.len();
    }
    assert!(sealed >= out.entries);

    // An altered seal (one byte of one signed short form) fails.
    let first = seal::decode_png(&std::fs::read(&pngs[0]).unwrap()).unwrap();
    let mut altered = first.clone();
    let last = altered[1].len() - 70;
    altered[1][last] ^= 0x01;
    let text = seal::encode(&altered).unwrap();
    let report = verify_seal(SealInput::Text(&text), None, None).unwrap();
    assert!(!report.ok);
    assert_eq!(report.entries[1].signature, "invalid");
    assert_eq!(report.entries[0].signature, "valid");

    // A seal checked against a PDF whose printed text differs: the text does not match.
    let good = seal::encode(&first).unwrap();
    teacher
        .with(|d| {
            d.assess(
                livret,
                2025,
                "1/3",
                "FRANCS",
                None,
                Some(3),
                None,
                "Appréciation corrigée.",
            )
        })
        .unwrap();
    teacher.sync_with(&family).await.unwrap();
    let newer = family.with(|d| d.export_pdf(livret, None, None)).unwrap();
    let report = verify_seal(SealInput::Text(&good), Some(&newer.pdf), None).unwrap();
    assert!(!report.ok);
    assert!(report
        .entries
        .iter()
        .any(|e| e.texts.iter().any(|t| t.status == "mismatch")));
    assert!(report
        .entries
        .iter()
        .all(|e| e.signature == "valid" && e.author_status == "unknown"));

    // One period of one year; the teacher can print what it holds too.
    let term = family
        .with(|d| d.export_pdf(livret, Some(2025), Some("1/3")))
        .unwrap();
    assert_eq!(
        term.entries, 6,
        "identity + 3 subjects + synthesis + vie scolaire"
    );
    let t = teacher.with(|d| d.export_pdf(livret, None, None)).unwrap();
    assert_eq!(t.entries, 6, "no identity on the teacher's device");
}

/// A file as the school's software would write it, for two pupils of 5B.
fn school_file() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<lsun-bilans xmlns="urn:fr:edu:scolarite:lsun:bilans:import" schemaVersion="7.0">
  <entete>
    <editeur>Éditeur scolaire</editeur>
    <application>Vie de la classe</application>
    <etablissement>0951099D</etablissement>
  </entete>
  <donnees>
    <responsables-etab><responsable-etab id="R1" libelle="Mme Leroy"/></responsables-etab>
    <eleves>
      <eleve id="E1" id-be="101" nom="Moreau" prenom="Lina" code-division="5B"/>
      <eleve id="E2" id-be="102" nom="Durand" prenom="Noé" code-division="5B"/>
    </eleves>
    <periodes><periode id="P1" millesime="2025" indice="1" nb-periodes="3"/></periodes>
    <disciplines>
      <discipline id="D1" code="FRANCS" modalite-election="S" libelle="Français"/>
      <discipline id="D2" code="030201" modalite-election="S" libelle="Anglais LV1"/>
      <discipline id="D3" code="MATHEM" modalite-election="S" libelle="Mathématiques"/>
    </disciplines>
    <enseignants><enseignant id="T1" type="epp" id-sts="7001" nom="Petit"/></enseignants>
    <elements-programme><element-programme id="EP1" libelle="Le récit d'aventure"/></elements-programme>
    <bilans-periodiques>
      <bilan-periodique eleve-ref="E1" periode-ref="P1" date-conseil-classe="2025-12-10" date-scolarite="2025-09-01" responsable-etab-ref="R1">
        <liste-acquis>
          <acquis discipline-ref="D1" enseignant-refs="T1" element-programme-refs="EP1" positionnement="4"><appreciation>Excellente lectrice ; écrit avec aisance.</appreciation></acquis>
          <acquis discipline-ref="D2" enseignant-refs="T1" positionnement="2"><appreciation>Doit oser prendre la parole à l'oral.</appreciation></acquis>
          <acquis discipline-ref="D3" enseignant-refs="T1" moyenne-eleve="13,5"><appreciation>Travail régulier, résultats en progrès.</appreciation></acquis>
        </liste-acquis>
        <acquis-conseils>Bon trimestre ; continuer ainsi.</acquis-conseils>
        <vie-scolaire nb-retards="3" nb-abs-justifiees="4" nb-abs-injustifiees="1"/>
      </bilan-periodique>
      <bilan-periodique eleve-ref="E2" periode-ref="P1" date-conseil-classe="2025-12-10" date-scolarite="2025-09-01" responsable-etab-ref="R1">
        <liste-acquis>
          <acquis discipline-ref="D1" enseignant-refs="T1" positionnement="1"><appreciation>Des difficultés en orthographe ; à travailler.</appreciation></acquis>
        </liste-acquis>
        <acquis-conseils>Trimestre difficile, des efforts sont attendus.</acquis-conseils>
        <vie-scolaire nb-retards="0" nb-abs-justifiees="12" nb-abs-injustifiees="6"/>
      </bilan-periodique>
    </bilans-periodiques>
    <bilans-cycle>
      <bilan-cycle eleve-ref="E1" cycle="4" millesime="2025" date-creation="2026-06-20" responsable-etab-ref="R1">
        <socle>
          <domaine code="CPD_FRA" positionnement="4"/><domaine code="CPD_ETR" positionnement="2"/>
          <domaine code="CPD_SCI" positionnement="3"/><domaine code="CPD_ART" positionnement="3"/>
          <domaine code="MET_APP" positionnement="4"/><domaine code="FRM_CIT" positionnement="3"/>
          <domaine code="SYS_NAT" positionnement="0"/><domaine code="REP_MND" positionnement="1"/>
        </socle>
        <synthese>Maîtrise solide du socle ; bravo.</synthese>
      </bilan-cycle>
      <bilan-cycle eleve-ref="E2" cycle="3" millesime="2025" date-creation="2026-06-20" responsable-etab-ref="R1">
        <socle>
          <domaine code="CPD_FRA" positionnement="1"/><domaine code="CPD_ETR" positionnement="1"/>
          <domaine code="CPD_SCI" positionnement="2"/><domaine code="CPD_ART" positionnement="2"/>
          <domaine code="MET_APP" positionnement="1"/><domaine code="FRM_CIT" positionnement="2"/>
          <domaine code="SYS_NAT" positionnement="2"/><domaine code="REP_MND" positionnement="2"/>
        </socle>
        <synthese>Des bases à consolider.</synthese>
      </bilan-cycle>
    </bilans-cycle>
  </donnees>
</lsun-bilans>
"#
    .to_string()
}

fn entry_count(dev: &TestDevice, livret: LivretId) -> usize {
    dev.with(|d| d.signed_entries(livret)).unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lsu_import_then_export_keeps_every_value_and_validates() {
    let teacher = TestDevice::new(Role::Teacher, "Mme Petit").await;
    let (_f1, lina) = family_and_teacher("Lina Moreau", &teacher, "5B").await;
    let (_f2, noe) = family_and_teacher("Noé Durand", &teacher, "5B").await;
    let file = school_file();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecole.xml");
    std::fs::write(&path, &file).unwrap();
    assert!(xmllint_ok(&path), "the test file itself is valid");

    // Dry run: matched by name and class, to confirm; nothing written.
    let dry = teacher.with(|d| d.import_lsu(&file, true)).unwrap();
    assert_eq!(dry.pupils.len(), 2);
    for p in &dry.pupils {
        assert_eq!(
            (p.matched_by.as_str(), p.status.as_str()),
            ("name", "would-write")
        );
    }
    assert_eq!(entry_count(&teacher, lina), 0);
    // The éléments du programme are kept (in the subject's entry), not reported as lost.
    assert!(!dry.pupils[0]
        .skipped
        .iter()
        .any(|s| s.contains("éléments du programme")));

    let done = teacher.with(|d| d.import_lsu(&file, false)).unwrap();
    assert!(
        done.pupils.iter().all(|p| p.status == "written"),
        "{done:#?}"
    );
    assert_eq!(entry_count(&teacher, lina), 6);
    assert_eq!(entry_count(&teacher, noe), 4);
    // The id-be found by name is kept: the next import matches by id-be.
    let again = teacher.with(|d| d.import_lsu(&file, true)).unwrap();
    assert!(again.pupils.iter().all(|p| p.matched_by == "id-be"));

    // The school identifiers the file carries: a dry run only says it would record them,
    // the import records them (this teacher's STS id: the file's « Petit » is « Mme Petit »),
    // so the export needs none typed by hand.
    let found = |r: &livret::lsu::ImportReport| -> Vec<(String, String, String)> {
        r.school_ids
            .iter()
            .map(|f| {
                let v = serde_json::to_value(f).unwrap();
                (
                    v["field"].as_str().unwrap().to_string(),
                    f.found.clone(),
                    v["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let expected = |status: &str| {
        vec![
            (
                "uai".to_string(),
                "0951099D".to_string(),
                status.to_string(),
            ),
            ("head".into(), "Mme Leroy".into(), status.into()),
            ("id-sts".into(), "7001".into(), status.into()),
        ]
    };
    assert_eq!(found(&dry), expected("recorded"));
    assert_eq!(found(&done), expected("recorded"));
    assert_eq!(found(&again), expected("same"));
    let ids = teacher.with(|d| d.school_ids()).unwrap();
    assert_eq!(
        (ids.uai.as_deref(), ids.head.as_deref(), ids.id_sts),
        (Some("0951099D"), Some("Mme Leroy"), Some(7001))
    );
    // A different value recorded is kept, and reported for the user to decide.
    let other = livret::core::vocab::Uai::from_number(951100).unwrap();
    teacher
        .with(|d| d.set_school_ids(Some(other.as_str()), None, None))
        .unwrap();
    let r = teacher.with(|d| d.import_lsu(&file, false)).unwrap();
    let uai = &r.school_ids[0];
    assert_eq!(
        (
            uai.found.as_str(),
            uai.recorded.as_deref(),
            uai.status == livret::lsu::FoundStatus::Differs
        ),
        ("0951099D", Some(other.as_str()), true)
    );
    assert_eq!(
        teacher.with(|d| d.school_ids()).unwrap().uai.as_deref(),
        Some(other.as_str())
    );
    teacher
        .with(|d| d.set_school_ids(Some("0951099D"), None, None))
        .unwrap();
    let out = teacher.with(|d| d.export_lsu("5B", 2025, "1/3")).unwrap();
    assert_eq!((out.pupils, out.periodic, out.cycles), (2, 2, 2));
    let exported = dir.path().join("export.xml");
    std::fs::write(&exported, &out.xml).unwrap();
    assert!(xmllint_ok(&exported), "{}", out.xml);

    // Every positioning, mark, appréciation, absence count and socle level survives.
    let a = lsu::parse(&file).unwrap();
    let b = lsu::parse(&out.xml).unwrap();
    for (pa, pupil) in a.pupils.iter().enumerate() {
        let pb = b
            .pupils
            .iter()
            .position(|p| p.id_be == pupil.id_be)
            .unwrap();
        let ba = a.periodic.iter().find(|x| x.pupil == pa).unwrap();
        let bb = b.periodic.iter().find(|x| x.pupil == pb).unwrap();
        assert_eq!(
            (ba.late, ba.justified, ba.unjustified),
            (bb.late, bb.justified, bb.unjustified)
        );
        assert_eq!(ba.synthesis, bb.synthesis);
        assert_eq!(
            (&ba.year, ba.index, ba.count),
            (&bb.year, bb.index, bb.count)
        );
        assert_eq!(ba.subjects.len(), bb.subjects.len());
        for sa in &ba.subjects {
            let sb = bb.subjects.iter().find(|s| s.code == sa.code).unwrap();
            assert_eq!(
                (&sa.label, sa.level, &sa.mark, &sa.appreciation),
                (&sb.label, sb.level, &sb.mark, &sb.appreciation)
            );
        }
        let ca = a.cycles.iter().find(|x| x.pupil == pa).unwrap();
        let cb = b.cycles.iter().find(|x| x.pupil == pb).unwrap();
        assert_eq!(
            (ca.cycle, &ca.year, ca.levels, &ca.synthesis),
            (cb.cycle, &cb.year, cb.levels, &cb.synthesis)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_lsu_files_are_refused_and_invalid_pupils_get_nothing() {
    let teacher = TestDevice::new(Role::Teacher, "Mme Petit").await;
    let (_f1, lina) = family_and_teacher("Lina Moreau", &teacher, "5B").await;
    let (_f2, noe) = family_and_teacher("Noé Durand", &teacher, "5B").await;
    let file = school_file();
    let dir = tempfile::tempdir().unwrap();
    // Files the schema refuses (xmllint agrees): refused whole, nothing written.
    for (from, to) in [
        ("positionnement=\"4\"", "positionnement=\"5\""),
        ("nb-retards=\"3\"", "nb-retards=\"1000\""),
        ("<domaine code=\"REP_MND\" positionnement=\"1\"/>", ""),
        ("schemaVersion=\"7.0\"", "schemaVersion=\"9.0\""),
        (
            "<acquis-conseils>Bon trimestre ; continuer ainsi.</acquis-conseils>",
            "",
        ),
    ] {
        let bad = file.replacen(from, to, 1);
        assert_ne!(bad, file);
        let path = dir.path().join("bad.xml");
        std::fs::write(&path, &bad).unwrap();
        assert!(!xmllint_ok(&path), "xmllint accepts {to}");
        let err = teacher.with(|d| d.import_lsu(&bad, false)).unwrap_err();
        let err = err.localized(livret::Lang::Fr);
        assert!(err.contains("ligne"), "{err}");
        assert_eq!(entry_count(&teacher, lina) + entry_count(&teacher, noe), 0);
    }
    // Valid for the schema, but one pupil's bilan breaks the livret's rules (a school year
    // that is not a year): that pupil gets nothing, the other is written.
    let bad = file.replacen(
        "cycle=\"3\" millesime=\"2025\"",
        "cycle=\"3\" millesime=\"20x5\"",
        1,
    );
    let path = dir.path().join("half.xml");
    std::fs::write(&path, &bad).unwrap();
    assert!(xmllint_ok(&path));
    let r = teacher.with(|d| d.import_lsu(&bad, false)).unwrap();
    let noe_r = r.pupils.iter().find(|p| p.id_be == 102).unwrap();
    assert_eq!(noe_r.status, "invalid");
    assert!(noe_r.reason.as_deref().unwrap().contains("millesime"));
    assert_eq!(entry_count(&teacher, noe), 0, "nothing partial");
    assert_eq!(entry_count(&teacher, lina), 6);
    // An unknown pupil is reported, not guessed.
    let stranger = file.replacen(
        "nom=\"Durand\" prenom=\"Noé\"",
        "nom=\"Martin\" prenom=\"Jules\"",
        1,
    );
    let r = teacher.with(|d| d.import_lsu(&stranger, true)).unwrap();
    assert!(r
        .pupils
        .iter()
        .any(|p| p.status == "unmatched" && p.id_be == 102));
}

/// Issue 14, items 1 and 4: every part of a subject's line (modalité, éléments du programme,
/// the class's average, a non-marked pupil, no evaluation), the vie scolaire's comment and
/// missed hours, and a cycle bilan's enseignement de complément and langue et culture
/// régionale become entries and come back in the export, element by element; one discipline
/// under two modalités is two entries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lsu_subject_details_vie_scolaire_and_cycle_options_round_trip() {
    let teacher = TestDevice::new(Role::Teacher, "Mme Petit").await;
    let (_f1, lina) = family_and_teacher("Lina Moreau", &teacher, "5B").await;
    let (_f2, _noe) = family_and_teacher("Noé Durand", &teacher, "5B").await;
    let file = school_file()
        .replacen(
            r#"<discipline id="D3" code="MATHEM" modalite-election="S" libelle="Mathématiques"/>"#,
            r#"<discipline id="D3" code="MATHEM" modalite-election="S" libelle="Mathématiques"/>
      <discipline id="D4" code="030201" modalite-election="F" libelle="Anglais euro"/>"#,
            1,
        )
        .replacen(
            r#"<acquis discipline-ref="D3" enseignant-refs="T1" moyenne-eleve="13,5">"#,
            r#"<acquis discipline-ref="D4" enseignant-refs="T1" eleve-non-note="true" moyenne-structure="12,5"><appreciation>Très bon oral.</appreciation></acquis>
          <acquis discipline-ref="D3" enseignant-refs="T1" moyenne-eleve="13,5" moyenne-structure="11,2" structure-non-notee="false">"#,
            1,
        )
        .replacen(
            r#"<vie-scolaire nb-retards="3" nb-abs-justifiees="4" nb-abs-injustifiees="1"/>"#,
            r#"<devoirs-faits>Vient à devoirs faits le mardi.</devoirs-faits>
        <vie-scolaire nb-retards="3" nb-abs-justifiees="4" nb-abs-injustifiees="1" nb-heures-manquees="5"><commentaire>Toujours ponctuelle depuis novembre.</commentaire></vie-scolaire>"#,
            1,
        )
        .replacen(
            "<synthese>Maîtrise solide du socle ; bravo.</synthese>",
            r#"<synthese>Maîtrise solide du socle ; bravo.</synthese>
        <enseignement-complement code="LCA" positionnement="2"/>
        <langue-culture-regionale code="BRE" positionnement="1"/>"#,
            1,
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecole.xml");
    std::fs::write(&path, &file).unwrap();
    assert!(xmllint_ok(&path), "the test file itself is valid");

    let done = teacher.with(|d| d.import_lsu(&file, false)).unwrap();
    let lina_r = done.pupils.iter().find(|p| p.id_be == 101).unwrap();
    assert_eq!(lina_r.status, "written", "{lina_r:#?}");
    // The same discipline under two modalités: two entries.
    assert!(lina_r
        .entries
        .iter()
        .any(|e| e.ends_with("bilan/1-3/030201")));
    assert!(lina_r
        .entries
        .iter()
        .any(|e| e.ends_with("bilan/1-3/030201/F")));
    assert_eq!(entry_count(&teacher, lina), 8);
    // What the livret keeps is not reported (the devoirs faits included).
    assert!(
        !lina_r.skipped.iter().any(|s| s.contains("vie-scolaire")
            || s.contains("éléments du programme")
            || s.contains("enseignement-complement")
            || s.contains("devoirs-faits")),
        "{:?}",
        lina_r.skipped
    );

    let out = teacher.with(|d| d.export_lsu("5B", 2025, "1/3")).unwrap();
    let exported = dir.path().join("export.xml");
    std::fs::write(&exported, &out.xml).unwrap();
    assert!(xmllint_ok(&exported), "{}", out.xml);
    let a = lsu::parse(&file).unwrap();
    let b = lsu::parse(&out.xml).unwrap();
    let pa = a.pupils.iter().position(|p| p.id_be == 101).unwrap();
    let pb = b.pupils.iter().position(|p| p.id_be == 101).unwrap();
    let ba = a.periodic.iter().find(|x| x.pupil == pa).unwrap();
    let bb = b.periodic.iter().find(|x| x.pupil == pb).unwrap();
    assert_eq!(ba.subjects.len(), 4);
    assert_eq!(ba.subjects.len(), bb.subjects.len());
    for sa in &ba.subjects {
        let sb = bb
            .subjects
            .iter()
            .find(|s| s.code == sa.code && s.election == sa.election)
            .unwrap_or_else(|| panic!("{} {} missing", sa.code, sa.election));
        assert_eq!(
            (
                &sa.label,
                sa.level,
                &sa.mark,
                &sa.appreciation,
                &sa.elements,
                sa.not_marked,
                &sa.class_average,
                sa.class_not_marked
            ),
            (
                &sb.label,
                sb.level,
                &sb.mark,
                &sb.appreciation,
                &sb.elements,
                sb.not_marked,
                &sb.class_average,
                sb.class_not_marked
            ),
            "{}",
            sa.code
        );
    }
    assert_eq!(
        (bb.missed_hours, bb.vie_comment.as_deref()),
        (Some(5), Some("Toujours ponctuelle depuis novembre."))
    );
    let ca = a.cycles.iter().find(|x| x.pupil == pa).unwrap();
    let cb = b.cycles.iter().find(|x| x.pupil == pb).unwrap();
    assert_eq!(
        (&ca.complement, &ca.regional),
        (&cb.complement, &cb.regional)
    );
    assert!(cb.complement.is_some() && cb.regional.is_some());

    // `show` (and the app, which renders the same view) tells them, in French and English.
    let view = teacher.with(|d| d.show(lina)).unwrap();
    let lines: Vec<(String, String)> = view
        .sections
        .iter()
        .flat_map(|s| &s.entries)
        .map(|e| {
            (
                livret::core::Localized::localized(e, livret::core::Lang::Fr),
                livret::core::Localized::localized(e, livret::core::Lang::En),
            )
        })
        .collect();
    let has = |needle: &str| {
        lines
            .iter()
            .any(|(fr, en)| fr.contains(needle) || en.contains(needle))
    };
    for needle in [
        "Anglais euro (030201, option facultative)",
        "non noté (classe : 12,5)",
        "éléments du programme : Le récit d'aventure",
        "5 heure(s) de cours manquée(s) — « Toujours ponctuelle depuis novembre. »",
        "enseignement de complément LCA 2/2 ; langue et culture régionale BRE 1/2",
        "not marked (class: 12,5)",
        "5 hour(s) of lessons missed",
    ] {
        assert!(has(needle), "{needle} not shown: {lines:#?}");
    }

    // The paper livret prints them, and each page's seal matches the printed texts (the vie
    // scolaire's comment included).
    let paper = teacher.with(|d| d.export_pdf(lina, None, None)).unwrap();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let pdf = pages.join("lina.pdf");
    std::fs::write(&pdf, &paper.pdf).unwrap();
    let pdf_s = pdf.to_str().unwrap();
    let text = String::from_utf8(run("pdftotext", &["-enc", "UTF-8", pdf_s, "-"]).stdout).unwrap();
    let flat = squash(&text);
    for needle in [
        "Anglais euro (030201, option facultative)",
        "Non noté",
        "Moyenne de la classe : 12,5",
        "Moyenne de la classe : 11,2",
        "Éléments du programme travaillés : Le récit d'aventure",
        "Heures de cours manquées : 5",
        "Toujours ponctuelle depuis novembre.",
        "Enseignement de complément : Langues et cultures de l'Antiquité — objectif dépassé",
        "Langue et culture régionale : Breton — niveau A2 non atteint",
    ] {
        assert!(
            flat.contains(&squash(needle)),
            "{needle} not printed:\n{text}"
        );
    }
    let prefix = pages.join("page");
    run(
        "pdftoppm",
        &["-r", "300", "-png", pdf_s, prefix.to_str().unwrap()],
    );
    let mut checked = 0;
    for png in std::fs::read_dir(&pages).unwrap() {
        let png = png.unwrap().path();
        if png.extension().is_none_or(|x| x != "png") {
            continue;
        }
        let bytes = std::fs::read(&png).unwrap();
        let report = teacher
            .with(|d| verify_seal(SealInput::Png(&bytes), Some(&paper.pdf), Some(d)))
            .unwrap();
        assert!(report.ok, "{report:#?}");
        for e in &report.entries {
            assert!(e.texts.iter().all(|t| t.status == "match"), "{e:?}");
        }
        checked += report.entries.len();
    }
    assert!(checked >= paper.entries, "{checked} of {}", paper.entries);
}

/// Every part of a bilan périodique the schema holds, for each bilan of `f` (the class 5B,
/// period 1/3 of 2025, teacher 0): digital skills with the class's text, parcours of the pupil
/// and of the class, an EPI and an AP with their groups' texts, devoirs faits, the periodic
/// socle, the class's vie scolaire comment, and three modalités d'accompagnement.
fn add_every_part(f: &mut lsu::LsuFile) {
    let period = ("2025".to_string(), 1, 3);
    let discipline = |code: &str, label: &str| lsu::Discipline {
        code: code.into(),
        label: label.into(),
        election: "S".into(),
        national: None,
    };
    let (francais, maths) = (
        discipline("FRANCS", "Français"),
        discipline("MATHEM", "Mathématiques"),
    );
    f.digital_commons = vec![lsu::DigitalCommon {
        structure: "5B".into(),
        structure_kind: "D".into(),
        text: "La classe a travaillé le traitement de texte.".into(),
    }];
    f.parcours_communs = vec![lsu::ParcoursCommon {
        period: period.clone(),
        division: "5B".into(),
        parcours: vec![
            lsu::Parcours {
                code: "PAR_CIT".into(),
                text: "Visite du conseil municipal.".into(),
            },
            lsu::Parcours {
                code: "PAR_ART".into(),
                text: "Chorale du collège.".into(),
            },
        ],
    }];
    f.vie_communs = vec![lsu::VieCommon {
        period,
        division: "5B".into(),
        comment: "Classe calme et investie.".into(),
    }];
    f.epi_themes = vec![lsu::EpiTheme {
        code: "EPI_TDD".into(),
        label: "Transition écologique et développement durable".into(),
    }];
    f.epis = vec![lsu::Project {
        title: "Le jardin du collège".into(),
        theme: "EPI_TDD".into(),
        disciplines: vec![francais.clone(), maths.clone()],
        description: Some("Un potager partagé, mesuré et raconté.".into()),
    }];
    f.epi_groups = vec![lsu::ProjectGroup {
        project: 0,
        title: "Jardin, groupe A".into(),
        comment: Some("Un groupe très actif.".into()),
        teaching: vec![(0, francais.clone()), (0, maths.clone())],
    }];
    f.aps = vec![lsu::Project {
        title: "Méthodologie".into(),
        theme: String::new(),
        disciplines: vec![francais.clone()],
        description: None,
    }];
    f.ap_groups = vec![lsu::ProjectGroup {
        project: 0,
        title: "Méthodologie 5e".into(),
        comment: None,
        teaching: vec![(0, francais)],
    }];
    for b in &mut f.periodic {
        b.digital = Some(lsu::DigitalSkills {
            appreciation: Some("Bonne maîtrise des outils.".into()),
            levels: vec![("CN_INF_MEN".into(), 2), ("CN_CRE_TEX".into(), 3)],
            common: vec![0],
        });
        b.epis = vec![lsu::GroupComment {
            group: 0,
            comment: Some("A tenu le carnet de bord.".into()),
        }];
        b.aps = vec![lsu::GroupComment {
            group: 0,
            comment: None,
        }];
        b.parcours = vec![lsu::Parcours {
            code: "PAR_AVN".into(),
            text: "Stage d'observation envisagé.".into(),
        }];
        b.supports = vec![
            lsu::Support {
                code: "PPRE".into(),
                ppre: Some("Lecture à voix haute chaque semaine.".into()),
                contract: None,
            },
            lsu::Support {
                code: "CTR".into(),
                ppre: None,
                contract: Some("Contrat de réussite signé en octobre.".into()),
            },
            lsu::Support {
                code: "PAI".into(),
                ppre: None,
                contract: None,
            },
        ];
        b.homework = Some("Vient à devoirs faits deux fois par semaine.".into());
        b.vie_comment = Some("Élève ponctuelle.".into());
        b.missed_hours = Some(6);
        b.socle = vec![("CPD_FRA".into(), 3), ("MET_APP".into(), 2)];
    }
}

/// Issue 14: every pupil-level element of a bilan périodique becomes signed entries, shows in
/// `show` and its JSON, prints in the PDF, and comes back in the export element by element
/// (xmllint accepts it); nothing of the file is reported « non conservé ». The modalités
/// d'accompagnement go only into `accompagnement`, only where the family opened and granted
/// it: for the other pupil none is written, and its report says why. The class's common texts
/// are kept once per class and period on the teacher's device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lsu_every_pupil_level_part_round_trips_and_support_measures_need_the_opened_section() {
    let teacher = TestDevice::new(Role::Teacher, "Mme Petit").await;
    let family = TestDevice::new(Role::Family, "Parent").await;
    let lina = family
        .with(|d| d.add_child("Lina Moreau", "2012-03-02", None))
        .unwrap();
    family
        .with(|d| d.open_section(lina, Section::Accompagnement))
        .unwrap();
    let inv = family.invite(
        lina,
        "annee/2025,vie-scolaire/2025,cycles,accompagnement",
        Rights::Write,
    );
    let r = teacher.accept(&inv, Some("5B")).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    let (_f2, noe) = family_and_teacher("Noé Durand", &teacher, "5B").await;

    let mut model = lsu::parse(&school_file()).unwrap();
    add_every_part(&mut model);
    let file = lsu::to_xml(&model).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecole.xml");
    std::fs::write(&path, &file).unwrap();
    assert!(xmllint_ok(&path), "the test file itself is valid");
    let a = lsu::parse(&file).unwrap();
    assert_eq!(a.periodic[0].parts().len(), 9, "every part is in the file");

    let done = teacher.with(|d| d.import_lsu(&file, false)).unwrap();
    assert!(done.ignored.is_empty(), "{:?}", done.ignored);
    let lina_r = done.pupils.iter().find(|p| p.id_be == 101).unwrap();
    let noe_r = done.pupils.iter().find(|p| p.id_be == 102).unwrap();
    for r in [lina_r, noe_r] {
        assert_eq!(r.status, "written", "{r:#?}");
        assert!(
            !r.skipped.iter().any(|s| s.contains("non conservé")),
            "{:?}",
            r.skipped
        );
    }
    // Lina's family opened and granted `accompagnement`: the measures are written there.
    for key in [
        "mesure/PPRE/2025-09-01",
        "mesure/CTR/2025-09-01",
        "mesure/PAI/2025-09-01",
    ] {
        assert!(
            lina_r.entries.contains(&format!("accompagnement {key}")),
            "{key}: {:?}",
            lina_r.entries
        );
    }
    assert!(lina_r.skipped.is_empty(), "{:?}", lina_r.skipped);
    // Noé's did not: nothing of them is written, and the report says so and why.
    assert!(
        !noe_r
            .entries
            .iter()
            .any(|e| e.starts_with("accompagnement")),
        "{:?}",
        noe_r.entries
    );
    assert_eq!(
        noe_r.skipped,
        vec!["modalités d'accompagnement (PPRE, CTR, PAI) : non écrites (section sensible non ouverte par la famille (livret section open LIVRET accompagnement), section accompagnement)".to_string()]
    );
    let noe_entries = teacher.with(|d| d.signed_entries(noe)).unwrap();
    assert!(noe_entries
        .iter()
        .all(|(s, _, _)| *s != Section::Accompagnement));
    assert!(noe_entries
        .iter()
        .any(|(_, k, _)| k == "parcours/1-3/PAR_CIT"));

    // The class's texts, once per class and period on this device.
    let class = teacher
        .with(|d| d.lsu_class_texts("5B", 2025, "1/3"))
        .unwrap()
        .unwrap();
    assert_eq!(
        class.vie_scolaire.as_deref(),
        Some("Classe calme et investie.")
    );
    assert_eq!(class.parcours.len(), 2);
    assert_eq!(
        class.digital,
        vec!["La classe a travaillé le traitement de texte.".to_string()]
    );
    assert_eq!(class.groups.len(), 2);

    // The export gives every pupil-level element back.
    let out = teacher.with(|d| d.export_lsu("5B", 2025, "1/3")).unwrap();
    let exported = dir.path().join("export.xml");
    std::fs::write(&exported, &out.xml).unwrap();
    assert!(xmllint_ok(&exported), "{}", out.xml);
    let b = lsu::parse(&out.xml).unwrap();
    let pa = a.pupils.iter().position(|p| p.id_be == 101).unwrap();
    let pb = b.pupils.iter().position(|p| p.id_be == 101).unwrap();
    let ba = a.periodic.iter().find(|x| x.pupil == pa).unwrap();
    let bb = b.periodic.iter().find(|x| x.pupil == pb).unwrap();
    assert_eq!(bb.parts(), ba.parts());
    let digital = |f: &lsu::LsuFile, d: &lsu::DigitalSkills| {
        let commons: Vec<String> = d
            .common
            .iter()
            .map(|i| f.digital_commons[*i].text.clone())
            .collect();
        (d.appreciation.clone(), d.levels.clone(), commons)
    };
    assert_eq!(
        digital(&b, bb.digital.as_ref().unwrap()),
        digital(&a, ba.digital.as_ref().unwrap())
    );
    let projects = |f: &lsu::LsuFile, epi: bool, list: &[lsu::GroupComment]| {
        list.iter()
            .map(|c| {
                let g = if epi {
                    &f.epi_groups[c.group]
                } else {
                    &f.ap_groups[c.group]
                };
                let p = if epi {
                    &f.epis[g.project]
                } else {
                    &f.aps[g.project]
                };
                let theme = f
                    .epi_themes
                    .iter()
                    .find(|t| t.code == p.theme)
                    .map(|t| (t.code.clone(), t.label.clone()));
                let ds: Vec<(String, String, String)> = p
                    .disciplines
                    .iter()
                    .map(|d| (d.code.clone(), d.label.clone(), d.election.clone()))
                    .collect();
                (
                    (p.title.clone(), theme, ds, p.description.clone()),
                    (g.title.clone(), g.comment.clone()),
                    c.comment.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(projects(&b, true, &bb.epis), projects(&a, true, &ba.epis));
    assert_eq!(projects(&b, false, &bb.aps), projects(&a, false, &ba.aps));
    assert_eq!(bb.parcours, ba.parcours);
    // The measures in the order of their codes (the livret keeps them by key).
    let by_code = |s: &[lsu::Support]| {
        let mut s = s.to_vec();
        s.sort_by(|x, y| x.code.cmp(&y.code));
        s
    };
    assert_eq!(by_code(&bb.supports), by_code(&ba.supports));
    assert_eq!(
        (&bb.homework, &bb.socle, &bb.vie_comment, bb.missed_hours),
        (&ba.homework, &ba.socle, &ba.vie_comment, ba.missed_hours)
    );
    assert_eq!(
        (&bb.synthesis, bb.late, bb.justified, bb.unjustified),
        (&ba.synthesis, ba.late, ba.justified, ba.unjustified)
    );
    // The class's common texts of this pupil's class and period.
    let mut pa_common = a.parcours_communs[0].parcours.clone();
    let mut pb_common = b.parcours_communs[0].parcours.clone();
    pa_common.sort_by(|x, y| x.code.cmp(&y.code));
    pb_common.sort_by(|x, y| x.code.cmp(&y.code));
    assert_eq!(pb_common, pa_common);
    assert_eq!(b.vie_communs, a.vie_communs);
    // Noé's measures were not written, so they are not in the export either.
    let nb = b.pupils.iter().position(|p| p.id_be == 102).unwrap();
    let noe_b = b.periodic.iter().find(|x| x.pupil == nb).unwrap();
    assert!(noe_b.supports.is_empty());

    // `show` and the app (the same view) tell them, in French and English; and the JSON.
    let view = teacher.with(|d| d.show(lina)).unwrap();
    let entries: Vec<_> = view.sections.iter().flat_map(|s| &s.entries).collect();
    let lines: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e.localized(livret::core::Lang::Fr),
                e.localized(livret::core::Lang::En),
            )
        })
        .collect();
    let has = |needle: &str| {
        lines
            .iter()
            .any(|(fr, en)| fr.contains(needle) || en.contains(needle))
    };
    for needle in [
        "Compétences numériques, Trimestre 1 : CN_INF_MEN=2, CN_CRE_TEX=3 — « Bonne maîtrise des outils. » — classe : « La classe a travaillé le traitement de texte. »",
        "Digital skills, period 1/3: CN_INF_MEN=2, CN_CRE_TEX=3",
        "Parcours citoyen — classe : « Visite du conseil municipal. »",
        "Parcours avenir — « Stage d'observation envisagé. »",
        "EPI, Trimestre 1 : Le jardin du collège [EPI_TDD] (Français, Mathématiques) ; groupe Jardin, groupe A",
        "élève : « A tenu le carnet de bord. »",
        "Accompagnement personnalisé, Trimestre 1 : Méthodologie",
        "Personalised support, period 1/3",
        "Devoirs faits, Trimestre 1 : « Vient à devoirs faits deux fois par semaine. »",
        "Socle commun, Trimestre 1 : CPD_FRA=3, MET_APP=2",
        "Vie scolaire, commentaire de la classe, Trimestre 1 : « Classe calme et investie. »",
        "Attendance, the class's comment, period 1/3",
        "Mesure d'accompagnement PPRE",
    ] {
        assert!(has(needle), "{needle} not shown: {lines:#?}");
    }
    // The app titles each part by its kind (and shows the same line).
    let titled = entries
        .iter()
        .filter_map(|e| e.kind())
        .filter_map(|k| k.lsu_part_title(livret::core::Lang::Fr))
        .count();
    assert_eq!(
        titled, 9,
        "digital, 3 parcours, EPI, AP, devoirs faits, socle, class's vie"
    );
    let json: Vec<serde_json::Value> = entries
        .iter()
        .filter_map(|e| e.content.as_ref().map(|c| c.to_json()))
        .collect();
    let json = serde_json::to_string(&json).unwrap();
    for field in [
        r#""class_text":"La classe a travaillé le traitement de texte.""#,
        r#""parcours":"PAR_CIT""#,
        r#""group_text":"Un groupe très actif.""#,
        r#""theme_label":"Transition écologique et développement durable""#,
        r#""levels":{"CPD_FRA":3,"MET_APP":2}"#,
    ] {
        assert!(json.contains(field), "{field} not in {json}");
    }

    // The paper livret prints them, each text sealed.
    let paper = teacher.with(|d| d.export_pdf(lina, None, None)).unwrap();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let pdf = pages.join("lina.pdf");
    std::fs::write(&pdf, &paper.pdf).unwrap();
    let text =
        String::from_utf8(run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]).stdout)
            .unwrap();
    let flat = squash(&text);
    for needle in [
        "Compétences numériques",
        "CN_INF_MEN : 2/3",
        "La classe a travaillé le traitement de texte.",
        "Parcours d'éducation artistique et culturelle",
        "Chorale du collège.",
        "Enseignement pratique interdisciplinaire (EPI_TDD)",
        "Un potager partagé, mesuré et raconté.",
        "A tenu le carnet de bord.",
        "Accompagnement personnalisé",
        "Devoirs faits",
        "Vient à devoirs faits deux fois par semaine.",
        "Socle commun (positionnement)",
        "Classe calme et investie.",
    ] {
        assert!(
            flat.contains(&squash(needle)),
            "{needle} not printed:\n{text}"
        );
    }
    // Every page's seal holds its entries, and each printed text matches its signed digest.
    let prefix = pages.join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-png",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut checked = 0;
    for png in std::fs::read_dir(&pages).unwrap() {
        let png = png.unwrap().path();
        if png.extension().is_none_or(|x| x != "png") {
            continue;
        }
        let bytes = std::fs::read(&png).unwrap();
        let report = teacher
            .with(|d| verify_seal(SealInput::Png(&bytes), Some(&paper.pdf), Some(d)))
            .unwrap();
        assert!(report.ok, "{report:#?}");
        for e in &report.entries {
            // An optional text the entry does not have (empty) is not printed.
            assert!(
                e.texts
                    .iter()
                    .all(|t| t.status == "match" || t.status == "empty"),
                "{e:?}"
            );
        }
        checked += report.entries.len();
    }
    assert!(checked >= paper.entries, "{checked} of {}", paper.entries);
}
