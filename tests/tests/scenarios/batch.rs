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
        francs.content["appreciation"],
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
