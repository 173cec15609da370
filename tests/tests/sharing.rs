//! The sharing scenarios of the sharing issue: real nodes on 127.0.0.1, one home per device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::Role;
use livret_tests::TestDevice;

const APPRECIATION: &str =
    "Lina progresse nettement en rédaction ; très bonne participation à l'oral.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teacher_accepts_writes_and_family_sees_a_valid_signed_entry() {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let inv = family.invite(livret, "annee/2025,vie-scolaire/2025", Rights::Write);

    let report = teacher.accept(&inv, Some("5B")).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let list = teacher.with(|d| d.list()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name.as_deref(), Some("Lina Moreau"));
    assert_eq!(list[0].class.as_deref(), Some("5B"));

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
                APPRECIATION,
            )
        })
        .unwrap();
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    assert!(report.sent_changes >= 1);

    let view = family.with(|d| d.show(livret)).unwrap();
    let year = view
        .sections
        .iter()
        .find(|s| s.section == "annee/2025")
        .expect("section arrived");
    let entry = &year.entries[0];
    assert_eq!(entry.key, "bilan/1-3/FRANCS");
    assert_eq!(entry.signature, "valid");
    assert_eq!(entry.author_name.as_deref(), Some("M. Martin"));
    assert_eq!(
        entry.author.as_deref(),
        Some(teacher.with(|d| d.device_id().to_string()).as_str())
    );
    assert_eq!(entry.content["appreciation"], APPRECIATION);
    let verify = family.with(|d| d.verify(livret)).unwrap();
    assert!(verify.failures.is_empty(), "{verify:?}");
    // The teacher's copy does not hold the family's identity section.
    let t_sections = teacher.with(|d| d.list()).unwrap()[0].sections.clone();
    assert!(
        !t_sections.contains(&"identite".to_string()),
        "{t_sections:?}"
    );
}
