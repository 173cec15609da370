//! The paper livret (PDF with a QR seal per page) and the LSU file, across devices: a family
//! prints what teachers wrote and the paper is checked; a teacher exports a class to LSU and
//! another imports a file of the school's software. Needs poppler-utils and libxml2-utils.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use livret::core::grant::Rights;
use livret::core::{LivretId, Localized, Role};
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
    assert_eq!(entry_count(&teacher, lina), 7);
    // What the livret keeps is no longer reported; what it does not keep yet still is.
    assert!(
        !lina_r.skipped.iter().any(|s| s.contains("vie-scolaire")
            || s.contains("éléments du programme")
            || s.contains("enseignement-complement")),
        "{:?}",
        lina_r.skipped
    );
    assert!(lina_r.skipped.iter().any(|s| s.contains("devoirs-faits")));

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
