//! The école livret (cycles 2 and 3) across devices: a teacher writes a CE1 pupil's first term
//! (domains and sub-domains with and without appréciation, a project, the general
//! appréciation, a refused line), the family syncs, its `show --json` holds every field, and
//! the printed livret is searchable and every page's seal verifies from a 200 dpi picture.
//! Needs poppler-utils.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use livret::core::grant::Rights;
use livret::core::Role;
use livret::paper::{verify_seal, SealInput};
use livret::DomainInput;
use livret_tests::TestDevice;

use crate::fr;

const LECTURE: &str = "Lit avec plaisir et de plus en plus couramment ; bonne compréhension.";
const ESPACE: &str = "Doit encore s'entraîner à utiliser la règle et l'équerre.";
const PROJET: &str = "Jardin de l'école";
const IMPLICATION: &str = "A semé, arrosé et observé les radis avec beaucoup de soin.";
const GENERALE: &str = "Un bon trimestre : Jules progresse nettement en lecture. Continuer ainsi !";

fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed (poppler-utils): {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    out
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn line(
    domain: &str,
    sub: Option<&str>,
    objectives: &[&str],
    level: Option<u8>,
    text: &str,
) -> DomainInput {
    DomainInput {
        cycle: 2,
        domain: domain.into(),
        sub_domain: sub.map(Into::into),
        objectives: objectives.iter().map(|o| o.to_string()).collect(),
        level,
        text: text.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_school_period_syncs_shows_and_prints_with_verified_seals() {
    let teacher = TestDevice::new(Role::Teacher, "Mme Durand").await;
    let family = TestDevice::new(Role::Family, "Parent").await;
    let livret = family
        .with(|d| d.add_child("Jules Martin", "2018-05-04", None))
        .unwrap();
    let inv = family.invite(livret, "annee/2025", Rights::Write);
    let r = teacher.accept(&inv, Some("CE1")).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");

    let lines = [
        line(
            "FRA",
            Some("LECT"),
            &[
                "Lire à voix haute un texte court",
                "Comprendre un récit lu par l'adulte",
            ],
            Some(3),
            LECTURE,
        ),
        line(
            "FRA",
            Some("ECRI"),
            &["Copier un texte court sans erreur"],
            Some(2),
            "",
        ),
        line("MAT", Some("NOMB"), &["Dénombrer jusqu'à 100"], Some(4), ""),
        line(
            "MAT",
            Some("ESPA"),
            &["Reproduire une figure sur quadrillage"],
            Some(1),
            ESPACE,
        ),
        line("EPS", None, &[], Some(3), ""),
        line(
            "QLM",
            Some("VIVA"),
            &["Reconnaître le vivant"],
            None,
            "Très curieux.",
        ),
    ];
    let mut keys = Vec::new();
    teacher
        .with(|d| {
            for l in &lines {
                keys.push(d.ecole_domain(livret, 2025, "1/3", l)?);
            }
            keys.push(d.ecole_project(livret, 2025, "1/3", PROJET, IMPLICATION)?);
            keys.push(d.ecole_appreciation(livret, 2025, "1/3", GENERALE)?);
            Ok::<_, livret::Error>(())
        })
        .unwrap();
    assert_eq!(keys[0], "ecole/1-3/FRA/LECT");
    assert_eq!(keys[4], "ecole/1-3/EPS");
    // A sub-domain of another domain, a cycle 3 domain in cycle 2, a level 5, a health term:
    // refused by name, in French, and nothing written.
    let before = teacher.with(|d| d.show(livret)).unwrap();
    for (bad, field) in [
        (
            line("FRA", Some("NOMB"), &[], Some(3), ""),
            "« sous-domaine »",
        ),
        (line("HGE", None, &[], Some(3), ""), "« domaine »"),
        (line("EMC", None, &[], Some(5), ""), "« level »"),
        (line("EMC", None, &[], None, "Bien, malgré son PAI."), "PAI"),
    ] {
        let e = teacher
            .with(|d| d.ecole_domain(livret, 2025, "1/3", &bad))
            .unwrap_err();
        assert!(fr(&e).contains(field), "{field}: {}", fr(&e));
    }
    assert_eq!(teacher.with(|d| d.show(livret)).unwrap(), before);

    teacher.sync_with(&family).await.unwrap();

    // The family's show --json holds them, every signature valid.
    let view = family.with(|d| d.show(livret)).unwrap();
    let json = serde_json::to_value(&view).unwrap();
    let entries: Vec<&serde_json::Value> = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["entries"].as_array().unwrap().iter())
        .collect();
    for key in &keys {
        let e = entries
            .iter()
            .find(|e| e["key"] == key.as_str())
            .unwrap_or_else(|| panic!("{key} did not reach the family"));
        assert_eq!(e["signature"], "valid", "{e}");
    }
    let lect = entries
        .iter()
        .find(|e| e["key"] == "ecole/1-3/FRA/LECT")
        .unwrap();
    assert_eq!(lect["kind"], "ecole-domain");
    assert_eq!(lect["content"]["cycle"], 2);
    assert_eq!(lect["content"]["domain_label"], "Français");
    assert_eq!(
        lect["content"]["objectives"][0],
        "Lire à voix haute un texte court"
    );
    assert_eq!(lect["content"]["appreciation"], LECTURE);
    let ecri = entries
        .iter()
        .find(|e| e["key"] == "ecole/1-3/FRA/ECRI")
        .unwrap();
    assert_eq!(ecri["content"]["appreciation"], "");
    let projet = entries
        .iter()
        .find(|e| e["kind"] == "ecole-project")
        .unwrap();
    assert_eq!(projet["content"]["title"], PROJET);
    assert_eq!(projet["content"]["text"], IMPLICATION);
    assert!(projet["summary"].as_str().unwrap().contains(PROJET));

    // The paper livret: searchable, and every page's seal verifies from a picture.
    let out = family
        .with(|d| d.export_pdf(livret, Some(2025), None))
        .unwrap();
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    assert_eq!(out.entries, 1 + keys.len(), "identity + the école entries");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("livret.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let pdf_s = pdf.to_str().unwrap();
    let text = String::from_utf8(run("pdftotext", &["-enc", "UTF-8", pdf_s, "-"]).stdout).unwrap();
    let flat = squash(&text);
    for needle in [
        "Jules Martin",
        "Bilan périodique de l'école — Trimestre 1",
        "Domaines d'enseignement",
        // A table's columns come out of pdftotext interleaved: labels are sought by line.
        "compréhension de l'écrit",
        "Nombres et calcul",
        "Questionner le monde",
        "Lire à voix haute un texte court",
        "Dénombrer jusqu'à 100",
        "Dépassés",
        LECTURE,
        ESPACE,
        PROJET,
        IMPLICATION,
        GENERALE,
    ] {
        assert!(
            flat.contains(&squash(needle)),
            "missing {needle:?} in:\n{text}"
        );
    }
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &["-r", "200", "-png", pdf_s, prefix.to_str().unwrap()],
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
            // An optional appréciation left out is not printed: `empty`, not a failure.
            assert!(
                e.texts
                    .iter()
                    .all(|t| t.status == "match" || t.status == "empty"),
                "{e:?}"
            );
        }
        sealed += report.entries.len();
    }
    assert_eq!(sealed, out.entries);
}
