//! The one write path (`Device::write_batch`): a teacher's grid of cells for several pupils,
//! checked per entry or all or nothing per livret, one store transaction per livret. Real
//! nodes on 127.0.0.1 for the grants; the family then receives exactly what was written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{LivretId, Role};
use livret::{drafts, BatchMode, BatchWrite, Error};
use livret_tests::TestDevice;

/// A family with `n` children, each granted to the teacher (write on `annee/2025`).
async fn class_of(n: usize) -> (TestDevice, TestDevice, Vec<LivretId>) {
    let family = TestDevice::new(Role::Family, "Famille Moreau").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let mut livrets = Vec::new();
    for i in 0..n {
        let livret = family
            .with(|d| d.add_child(&format!("Élève {i} Moreau"), "2014-03-02", None))
            .unwrap();
        let inv = family.invite(livret, "annee/2025", Rights::Write);
        let report = teacher.accept(&inv, Some("6EME_4")).await.unwrap();
        assert!(report.refused.is_empty(), "{report:?}");
        livrets.push(livret);
    }
    (family, teacher, livrets)
}

fn cell(livret: LivretId, subject: &str, level: u8, text: &str) -> BatchWrite {
    BatchWrite {
        livret,
        draft: drafts::assessment(2025, "1/3", subject, None, Some(level), None, text).unwrap(),
    }
}

fn keys(dev: &TestDevice, livret: LivretId) -> Vec<String> {
    let mut k: Vec<String> = dev
        .with(|d| d.signed_entries(livret))
        .unwrap()
        .into_iter()
        .filter(|(s, _, _)| s.to_string() == "annee/2025")
        .map(|(_, k, _)| k)
        .collect();
    k.sort();
    k
}

fn written_audit_lines(dev: &TestDevice, livret: LivretId) -> usize {
    dev.with(|d| d.audit(Some(livret)))
        .unwrap()
        .iter()
        .filter(|a| a.action == "written")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_writes_every_valid_cell_and_refuses_each_bad_one_alone() {
    let (family, teacher, livrets) = class_of(3).await;
    // A cell in a section the family never granted (another year), and a cell given twice.
    let outside = BatchWrite {
        livret: livrets[1],
        draft: {
            let mut d =
                drafts::assessment(2026, "1/3", "MATHEM", None, Some(2), None, "Bien.").unwrap();
            d.section = "annee/2026".parse().unwrap();
            d
        },
    };
    let mut items = Vec::new();
    for &l in &livrets {
        for (subject, level) in [("FRANCS", 3), ("MATHEM", 4), ("HISGEO", 2), ("ANGLV1", 3)] {
            items.push(cell(l, subject, level, "Travail sérieux et régulier."));
        }
    }
    items.push(outside);
    items.push(cell(livrets[2], "FRANCS", 1, "Donné une seconde fois."));
    let results = teacher
        .with(|d| d.write_batch(&items, BatchMode::PerEntry))
        .unwrap();
    assert_eq!(results.len(), items.len());
    let refused: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        refused,
        vec![items.len() - 2, items.len() - 1],
        "{results:?}"
    );
    assert!(
        matches!(&results[items.len() - 2], Err(Error::NotAuthorized(m)) if m.contains("annee/2026")),
        "{:?}",
        results[items.len() - 2]
    );
    for &l in &livrets {
        assert_eq!(keys(&teacher, l).len(), 4);
        assert_eq!(written_audit_lines(&teacher, l), 4);
    }
    // The second FRANCS cell was not written: the first one stands.
    let view = teacher.with(|d| d.show(livrets[2])).unwrap();
    let francs = view
        .sections
        .iter()
        .flat_map(|s| s.entries.iter())
        .find(|e| e.key == "bilan/1-3/FRANCS")
        .unwrap();
    assert_eq!(
        francs.content_json()["appreciation"],
        "Travail sérieux et régulier."
    );

    // The family receives exactly what was written, every entry valid.
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    for &l in &livrets {
        assert_eq!(keys(&family, l), keys(&teacher, l));
        let verify = family.with(|d| d.verify(l)).unwrap();
        assert!(verify.failures.is_empty(), "{verify:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_or_nothing_per_livret_writes_nothing_of_a_livret_with_a_refused_entry() {
    let (_family, teacher, livrets) = class_of(2).await;
    let mut items = vec![
        cell(livrets[0], "FRANCS", 3, "Bon trimestre."),
        cell(livrets[1], "FRANCS", 3, "Bon trimestre."),
        cell(livrets[1], "MATHEM", 3, "Bon trimestre."),
    ];
    let mut outside = cell(livrets[1], "HISGEO", 2, "Hors autorisation.");
    outside.draft.section = "vie-scolaire/2025".parse().unwrap();
    items.push(outside);
    let unknown: LivretId = "aaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
    items.push(cell(unknown, "FRANCS", 3, "Livret inconnu."));

    let results = teacher
        .with(|d| d.write_batch(&items, BatchMode::PerLivret))
        .unwrap();
    assert!(results[0].is_ok(), "{results:?}");
    assert!(
        matches!(results[1], Err(Error::NotWritten(_))),
        "{results:?}"
    );
    assert!(
        matches!(results[2], Err(Error::NotWritten(_))),
        "{results:?}"
    );
    assert!(
        matches!(results[3], Err(Error::NotAuthorized(_))),
        "{results:?}"
    );
    assert!(
        matches!(results[4], Err(Error::UnknownLivret(_))),
        "{results:?}"
    );
    assert_eq!(keys(&teacher, livrets[0]), vec!["bilan/1-3/FRANCS"]);
    assert!(keys(&teacher, livrets[1]).is_empty());
    assert_eq!(written_audit_lines(&teacher, livrets[1]), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_device_cannot_write_bilans_through_a_batch() {
    let family = TestDevice::new(Role::Family, "Famille Moreau").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let results = family
        .with(|d| {
            d.write_batch(
                &[cell(livret, "FRANCS", 3, "Écrit par la famille.")],
                BatchMode::PerEntry,
            )
        })
        .unwrap();
    assert!(
        matches!(results[0], Err(Error::WrongRole { .. })),
        "{results:?}"
    );
    assert!(keys(&family, livret).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn class_status_tells_missing_draft_signed_and_received_per_pupil_and_subject() {
    use livret::{CellDraft, CellState};
    let (family, teacher, livrets) = class_of(2).await;
    // A third pupil whose family granted only the vie scolaire section.
    let other = family
        .with(|d| d.add_child("Zoé Moreau", "2014-05-06", None))
        .unwrap();
    let inv = family.invite(other, "vie-scolaire/2025", Rights::Write);
    teacher.accept(&inv, Some("6EME_4")).await.unwrap();

    let classes = teacher.with(|d| d.classes()).unwrap();
    assert_eq!(classes.len(), 1);
    assert_eq!(
        (classes[0].class.as_str(), classes[0].pupils),
        ("6EME_4", 3)
    );

    // Pupil 0: FRANCS signed and synced; pupil 1: MATHEM signed after the sync, FRANCS a draft.
    let results = teacher
        .with(|d| {
            d.write_batch(
                &[cell(livrets[0], "FRANCS", 3, "Bien.")],
                BatchMode::PerEntry,
            )
        })
        .unwrap();
    assert!(results[0].is_ok());
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    teacher
        .with(|d| {
            d.write_batch(
                &[cell(livrets[1], "MATHEM", 2, "À revoir.")],
                BatchMode::PerEntry,
            )
        })
        .unwrap();
    let draft = CellDraft {
        year: 2025,
        period: "1/3".into(),
        subject: "FRANCS".into(),
        level: Some(2),
        mark: None,
        text: "En cours d'écri".into(),
    };
    teacher
        .with(|d| d.save_cell_drafts(&[(livrets[1], draft.clone())]))
        .unwrap();
    assert_eq!(
        teacher.with(|d| d.cell_drafts(livrets[1])).unwrap(),
        vec![draft]
    );

    let status = teacher
        .with(|d| d.class_status("6EME_4", 2025, "1/3", &["HISGEO".to_string()]))
        .unwrap();
    assert_eq!(status.subjects, vec!["FRANCS", "HISGEO", "MATHEM"]);
    let by_name = |n: &str| {
        status
            .pupils
            .iter()
            .find(|p| p.name.as_deref() == Some(n))
            .unwrap()
            .subjects
            .iter()
            .map(|c| c.state)
            .collect::<Vec<_>>()
    };
    use CellState::*;
    assert_eq!(by_name("Élève 0 Moreau"), vec![Received, Missing, Missing]);
    assert_eq!(by_name("Élève 1 Moreau"), vec![Draft, Missing, Signed]);
    assert_eq!(by_name("Zoé Moreau"), vec![Missing, Missing, Missing]);
    assert_eq!(status.not_granted, vec!["Zoé Moreau"]);

    // Signing the draft's cell removes the draft; after a sync every signed cell is received.
    teacher
        .with(|d| {
            d.write_batch(
                &[cell(livrets[1], "FRANCS", 2, "Fini.")],
                BatchMode::PerEntry,
            )
        })
        .unwrap();
    assert!(teacher
        .with(|d| d.cell_drafts(livrets[1]))
        .unwrap()
        .is_empty());
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let status = teacher
        .with(|d| d.class_status("6EME_4", 2025, "1/3", &[]))
        .unwrap();
    assert_eq!(
        by_name_in(&status, "Élève 1 Moreau"),
        vec![Received, Received]
    );
    // A class this device does not hold, and a malformed period, are refused with a message.
    assert!(teacher
        .with(|d| d.class_status("5B", 2025, "1/3", &[]))
        .is_err());
    assert!(teacher
        .with(|d| d.class_status("6EME_4", 2025, "4/3", &[]))
        .is_err());
}

fn by_name_in(status: &livret::ClassStatus, n: &str) -> Vec<livret::CellState> {
    status
        .pupils
        .iter()
        .find(|p| p.name.as_deref() == Some(n))
        .unwrap()
        .subjects
        .iter()
        .map(|c| c.state)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_file_imports_all_or_nothing_per_pupil_with_each_problem_at_its_place() {
    use livret::{GridFormat, GridStatus, PupilMatch};
    let (family, teacher, livrets) = class_of(3).await;
    // Pupil 0 by name; pupil 1 with a positioning out of scale (nothing of it is written);
    // pupil 2 named surname first; a pupil the class does not have.
    let csv = "Élève;Matière;Positionnement;Note;Appréciation;Remarque\n\
               Élève 0 Moreau;FRANCS;3;;Lecture fluide, bonne expression.;\n\
               Élève 0 Moreau;Mathématiques;;14,5;Des progrès constants.;\n\
               Élève 0 Moreau;Synthèse;;;Un trimestre sérieux.;\n\
               Élève 1 Moreau;FRANCS;3;;Bien.;\n\
               Élève 1 Moreau;MATHEM;5;;Hors échelle.;\n\
               Élève 1 Moreau;Chinois ancien;2;;Matière inconnue.;\n\
               MOREAU élève 2;HISGEO;2;;Attentif en classe.;\n\
               Élève 2 Moreau;ANGLV1;3;;Bonne participation.;\n\
               Inconnu Durand;FRANCS;3;;Absent de la classe.;\n";
    let before: Vec<Vec<String>> = livrets.iter().map(|l| keys(&teacher, *l)).collect();
    let dry = teacher
        .with(|d| d.import_grid(csv.as_bytes(), GridFormat::Csv, "6EME_4", 2025, "1/3", true))
        .unwrap();
    assert_eq!(dry.ignored_columns, vec!["Remarque"]);
    let after: Vec<Vec<String>> = livrets.iter().map(|l| keys(&teacher, *l)).collect();
    assert_eq!(before, after, "a dry run writes nothing");
    let statuses: Vec<GridStatus> = dry.pupils.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        vec![
            GridStatus::WouldWrite,
            GridStatus::Invalid,
            GridStatus::WouldWrite,
            GridStatus::Unmatched
        ]
    );
    // Each problem of pupil 1 at its line and column.
    let places: Vec<(usize, String)> = dry.pupils[1]
        .errors
        .iter()
        .map(|e| (e.line, e.column.clone()))
        .collect();
    assert_eq!(
        places,
        vec![(6, "C".to_string()), (7, "B".to_string())],
        "{:?}",
        dry.pupils[1]
    );
    assert_eq!(dry.pupils[2].matched_by, PupilMatch::Name);
    assert_eq!(dry.pupils[3].errors[0].line, 10);

    let done = teacher
        .with(|d| {
            d.import_grid(
                csv.as_bytes(),
                GridFormat::Csv,
                "6EME_4",
                2025,
                "1/3",
                false,
            )
        })
        .unwrap();
    assert_eq!(done.pupils[0].status, GridStatus::Written);
    assert_eq!(
        keys(&teacher, livrets[0]),
        vec!["bilan/1-3/FRANCS", "bilan/1-3/MATHEM", "synthese/1-3"]
    );
    assert!(
        keys(&teacher, livrets[1]).is_empty(),
        "all or nothing per pupil"
    );
    // Both spellings of pupil 2's name are one pupil.
    assert_eq!(
        keys(&teacher, livrets[2]),
        vec!["bilan/1-3/ANGLV1", "bilan/1-3/HISGEO"]
    );
    let view = teacher.with(|d| d.show(livrets[0])).unwrap();
    let maths = view
        .sections
        .iter()
        .flat_map(|s| s.entries.iter())
        .find(|e| e.key == "bilan/1-3/MATHEM")
        .unwrap();
    assert_eq!(maths.content_json()["mark"], "14,5", "{:?}", maths.content);

    // The same class from an Excel file: pupil 1's corrected rows.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Nom", "Matière", "Positionnement", "Appréciation"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (subject, level)) in [("FRANCS", 3.0), ("MATHEM", 4.0)].iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, "Élève 1 Moreau").unwrap();
        sheet.write_string(r, 1, *subject).unwrap();
        sheet.write_number(r, 2, *level).unwrap();
        sheet.write_string(r, 3, "Corrigé.").unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let done = teacher
        .with(|d| d.import_grid(&xlsx, GridFormat::Xlsx, "6EME_4", 2025, "1/3", false))
        .unwrap();
    assert_eq!(done.pupils[0].status, GridStatus::Written, "{done:?}");
    assert_eq!(
        keys(&teacher, livrets[1]),
        vec!["bilan/1-3/FRANCS", "bilan/1-3/MATHEM"]
    );

    // What was imported reaches the family, signed and valid.
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    for &l in &livrets {
        assert_eq!(keys(&family, l), keys(&teacher, l));
        assert!(family.with(|d| d.verify(l)).unwrap().failures.is_empty());
    }
    // A file that is not a grid is refused whole, with its reason.
    let err = teacher
        .with(|d| {
            d.import_grid(
                b"nom;note\nA;12\n",
                GridFormat::Csv,
                "6EME_4",
                2025,
                "1/3",
                false,
            )
        })
        .unwrap_err();
    assert!(crate::fr(&err).contains("matière"), "{err}");
}

/// The year section's stored copy, as the store holds it: (increments, snapshot bytes).
fn year_section_weight(dev: &TestDevice, livret: LivretId) -> (usize, usize) {
    let store =
        livret_store::Store::open(dev.home.path(), livret_store::KeySource::KeyFile).unwrap();
    let w = store
        .section_weight(&livret.to_string(), "annee/2025")
        .unwrap()
        .unwrap();
    (w.increments, w.snapshot_bytes)
}

/// A section is rewritten whole once its increments would weigh a quarter of its snapshot
/// (loading increments costs several times a snapshot as large), and what it holds is the
/// same: a second period's grid compacts the year section, a single cell then appends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_section_is_rewritten_whole_once_its_increments_weigh_a_quarter_of_it() {
    let (_family, teacher, livrets) = class_of(1).await;
    let l = livrets[0];
    let text = "Travail sérieux et régulier, des progrès nets à l'oral comme à l'écrit. ".repeat(6);
    let grid = |period: &str| -> Vec<BatchWrite> {
        ["FRANCS", "MATHEM", "HISGEO", "ANGLV1", "SVTERR", "PHYCHI"]
            .iter()
            .map(|s| BatchWrite {
                livret: l,
                draft: drafts::assessment(2025, period, s, None, Some(3), None, &text).unwrap(),
            })
            .collect()
    };
    let write = |items: Vec<BatchWrite>| {
        let results = teacher
            .with(|d| d.write_batch(&items, BatchMode::PerLivret))
            .unwrap();
        assert!(results.iter().all(Result::is_ok), "{results:?}");
    };
    write(grid("1/3"));
    let (increments, first) = year_section_weight(&teacher, l);
    assert_eq!(increments, 0, "a new section is a snapshot");
    // A grid as large as the section: rewritten whole.
    write(grid("2/3"));
    let (increments, second) = year_section_weight(&teacher, l);
    assert_eq!(increments, 0, "the second grid was appended, not compacted");
    assert!(second > first);
    // One cell, well under a quarter of it: appended; so are the next while under the
    // quarter, and the write reaching it rewrites the section.
    let one = |subject: &str| {
        vec![BatchWrite {
            livret: l,
            draft: drafts::assessment(2025, "3/3", subject, None, Some(2), None, "Bien.").unwrap(),
        }]
    };
    let mut singles = 0;
    let mut most_appended = 0;
    for subject in [
        "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "SVTERR", "PHYCHI", "TECHNO", "ARTPLA",
    ] {
        write(one(subject));
        singles += 1;
        let (increments, _) = year_section_weight(&teacher, l);
        if increments == 0 {
            break;
        }
        assert_eq!(increments, singles, "each small write appends");
        most_appended = increments;
    }
    assert!(
        most_appended >= 2 && singles <= 8 && year_section_weight(&teacher, l).0 == 0,
        "small writes are appended until they weigh a quarter of the section, then it is \
         rewritten: {most_appended} appended, {singles} written"
    );
    // Every cell is there, signed.
    assert_eq!(keys(&teacher, l).len(), 6 + 6 + singles);
    let report = teacher.with(|d| d.verify(l)).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

/// `verify_all` (every livret of the device, read a few at a time while the others are
/// checked on the other cores) reports each livret as `verify` does alone: a text changed in
/// the store fails in its own livret only, at its key; a damaged document is that livret's
/// error, the others are verified all the same. The year sections hold enough entries to be
/// opened in two halves side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifying_every_livret_reports_each_as_verifying_it_alone() {
    let (_family, teacher, livrets) = class_of(3).await;
    let subjects = [
        "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "ESPLV2", "SVTERR", "PHYCHI", "TECHNO", "ARTPLA",
    ];
    let mut items = Vec::new();
    for l in &livrets {
        for period in ["1/3", "2/3", "3/3"] {
            for s in subjects {
                let draft =
                    drafts::assessment(2025, period, s, None, Some(3), None, "Bon travail.")
                        .unwrap();
                items.push(BatchWrite { livret: *l, draft });
            }
        }
    }
    let written = teacher
        .with(|d| d.write_batch(&items, BatchMode::PerLivret))
        .unwrap();
    assert!(written.iter().all(Result::is_ok));
    assert!(subjects.len() * 3 >= livret::core::entry::SHARED_FROM);
    // A text of the second livret changed in the store, its signature kept.
    let tampered_key = keys(&teacher, livrets[1])[4].clone();
    {
        let mut store =
            livret_store::Store::open(teacher.home.path(), livret_store::KeySource::KeyFile)
                .unwrap();
        let l = livrets[1].to_string();
        let data = store.load_section(&l, "annee/2025").unwrap().unwrap();
        let mut doc =
            livret::core::doc::SectionDoc::load(&data.snapshot, &data.increments).unwrap();
        let mut entry = doc.get(&tampered_key).unwrap();
        entry.texts[0].push_str(" Ajouté après coup.");
        doc.put(&tampered_key, &entry).unwrap();
        store
            .put_section_snapshot(&l, "annee/2025", &doc.save_for_store())
            .unwrap();
    }
    // The third livret's year section damaged in the store: not a document any more.
    {
        let mut store =
            livret_store::Store::open(teacher.home.path(), livret_store::KeySource::KeyFile)
                .unwrap();
        store
            .put_section_snapshot(&livrets[2].to_string(), "annee/2025", b"pas un document")
            .unwrap();
    }
    let all = teacher.with(|d| d.verify_all()).unwrap();
    let ids: Vec<LivretId> = all.iter().map(|(l, _)| *l).collect();
    let mut expected = livrets.clone();
    expected.sort_by_key(|l| ids.iter().position(|i| i == l));
    assert_eq!(ids, expected, "every livret, once");
    for (l, report) in &all {
        if *l == livrets[2] {
            // Its error in its place, as `verify` gives it alone; the others verified.
            let (all_says, alone_says) = (
                report.as_ref().map(|_| ()).unwrap_err().to_string(),
                teacher
                    .with(|d| d.verify(*l))
                    .map(|_| ())
                    .unwrap_err()
                    .to_string(),
            );
            assert_eq!(all_says, alone_says);
            continue;
        }
        let report = report.as_ref().unwrap();
        let alone = teacher.with(|d| d.verify(*l)).unwrap();
        assert_eq!(
            serde_json::to_value(report).unwrap(),
            serde_json::to_value(&alone).unwrap()
        );
        let failed: Vec<&str> = report.failures.iter().map(|f| f.key.as_str()).collect();
        if *l == livrets[1] {
            assert_eq!(failed, vec![tampered_key.as_str()]);
        } else {
            assert!(failed.is_empty(), "{failed:?}");
        }
        assert!(report.checked >= 27, "{}", report.checked);
    }
}
