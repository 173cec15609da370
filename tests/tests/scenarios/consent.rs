//! Consent for the sensitive section (issue 8, part 1): real nodes on 127.0.0.1, one home per
//! device. The `accompagnement` section exists only once an owner opens it, is shared only by
//! an invitation naming it, and what belongs in it is refused anywhere else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{LivretId, Role, Section};
use livret_tests::TestDevice;

const FAMILY_NOTE: &str = "Aménagements validés en équipe éducative le 12 septembre.";
const TEACHER_NOTE: &str = "Aide en lecture deux fois par semaine avec Mme Aide.";

fn entries_of(dev: &TestDevice, livret: LivretId) -> Vec<(String, String, Vec<u8>)> {
    let mut v: Vec<(String, String, Vec<u8>)> = dev
        .with(|d| d.signed_entries(livret))
        .unwrap()
        .into_iter()
        .map(|(s, k, e)| (s.to_string(), k, e.to_bytes()))
        .collect();
    v.sort();
    v
}

fn invite(
    family: &TestDevice,
    livret: LivretId,
    sections: &[Section],
    rights: Rights,
) -> livret::Result<livret::InvitationOut> {
    let addrs = family.addresses();
    family.with(|d| d.invite(livret, sections, rights, "2099-06-30", 15, addrs))
}

fn section_state(dev: &TestDevice, livret: LivretId, name: &str) -> Option<livret::SectionState> {
    dev.with(|d| d.sections(livret))
        .unwrap()
        .into_iter()
        .find(|s| s.section.to_string() == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_family_opens_the_sensitive_section_and_shares_it_only_by_name() {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let parent2 = TestDevice::new(Role::Family, "Papa de Lina").await;
    let helper = TestDevice::new(Role::Teacher, "Mme Aide").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    // The other parent joins before the section is opened.
    let owner_inv = invite(&family, livret, &[], Rights::Owner).unwrap();
    assert!(!owner_inv.includes_sensitive);
    let report = parent2.accept(&owner_inv.invitation, None).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");

    // Closed: no invitation names it, no one (owners included) writes in it.
    let acc = [Section::Accompagnement, Section::Annee(2025)];
    let err = invite(&family, livret, &acc, Rights::Write).unwrap_err();
    assert!(crate::fr(&err).contains("n'est pas ouverte"), "{err}");
    let err = family
        .with(|d| d.accompagnement(livret, "PAP", "2025-09-01", None, None))
        .unwrap_err();
    assert!(crate::fr(&err).contains("non ouverte"), "{err}");
    let state = section_state(&family, livret, "accompagnement").unwrap();
    assert!(state.sensitive && !state.open && !state.held, "{state:?}");
    assert!(family
        .with(|d| d.open_section(livret, Section::Accompagnement))
        .unwrap());
    assert!(!family
        .with(|d| d.open_section(livret, Section::Accompagnement))
        .unwrap());
    family
        .with(|d| d.accompagnement(livret, "PAP", "2025-09-01", None, Some(FAMILY_NOTE)))
        .unwrap();
    let state = section_state(&family, livret, "accompagnement").unwrap();
    assert!(state.open && state.held && state.entries == 1, "{state:?}");

    // The opening travels to the other parent's device with the manifest, in the same session
    // as the section's entries.
    let report = parent2.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let state = section_state(&parent2, livret, "accompagnement").unwrap();
    assert!(state.open && state.entries == 1, "{state:?}");

    // An invitation naming it says so.
    let out = invite(&family, livret, &acc, Rights::Write).unwrap();
    assert!(out.includes_sensitive);
    let notice = out.sensitive_notice.clone().unwrap();
    assert!(
        notice.contains("inclut la section sensible « accompagnement »") && notice.contains("PPRE"),
        "{notice}"
    );
    let report = helper.accept(&out.invitation, None).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    // Only an owner opens a section.
    let err = helper
        .with(|d| d.open_section(livret, Section::Accompagnement))
        .unwrap_err();
    assert!(crate::fr(&err).contains("seul un propriétaire"), "{err}");
    let view = helper.with(|d| d.show(livret)).unwrap();
    let held = view
        .sections
        .iter()
        .find(|s| s.section.to_string() == "accompagnement")
        .expect("the named section arrived");
    assert!(held.sensitive && held.entries.iter().all(|e| e.sensitive));
    assert_eq!(held.entries[0].content_json()["note"], FAMILY_NOTE);

    // The teacher writes a PPRE; it syncs back and verifies on the family's device.
    let key = helper
        .with(|d| d.accompagnement(livret, "ppre", "2025-10-01", None, Some(TEACHER_NOTE)))
        .unwrap();
    assert_eq!(key, "mesure/PPRE/2025-10-01");
    let report = helper.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let view = family.with(|d| d.show(livret)).unwrap();
    let acc_view = view
        .sections
        .iter()
        .find(|s| s.section.to_string() == "accompagnement")
        .unwrap();
    assert!(acc_view.sensitive);
    let ppre = acc_view.entries.iter().find(|e| e.key == key).unwrap();
    assert_eq!(ppre.signature.as_str(), "valid");
    assert!(ppre.sensitive);
    assert_eq!(ppre.kind().map(|k| k.as_str()), Some("accompagnement"));
    assert_eq!(ppre.author_name.as_deref(), Some("Mme Aide"));
    assert_eq!(ppre.content_json()["measure"], "PPRE");
    assert_eq!(ppre.content_json()["note"], TEACHER_NOTE);
    let json = serde_json::to_value(&view).unwrap();
    assert!(json.to_string().contains("\"sensitive\":true"));
    let verify = family.with(|d| d.verify(livret)).unwrap();
    assert!(verify.failures.is_empty(), "{verify:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_of_the_year_never_receives_it_and_cannot_write_it_elsewhere() {
    let family = TestDevice::new(Role::Family, "Papa de Noé").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Noé Bernard", "2013-11-20", None))
        .unwrap();
    family
        .with(|d| d.open_section(livret, Section::Accompagnement))
        .unwrap();
    family
        .with(|d| d.accompagnement(livret, "PPS", "2025-09-01", None, Some(FAMILY_NOTE)))
        .unwrap();
    let year = [Section::Annee(2025), Section::VieScolaire(2025)];
    let inv = invite(&family, livret, &year, Rights::Write).unwrap();
    assert!(!inv.includes_sensitive && inv.sensitive_notice.is_none());
    teacher.accept(&inv.invitation, Some("5B")).await.unwrap();
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");

    // Never received: not listed, not shown, not in the home's bytes.
    let list = teacher.with(|d| d.list()).unwrap();
    assert!(
        !list[0].sections.contains(&"accompagnement".to_string()),
        "{list:?}"
    );
    let view = teacher.with(|d| d.show(livret)).unwrap();
    assert!(view.sections.iter().all(|s| !s.sensitive));
    assert!(!livret_tests::contains(
        &teacher.raw_home_bytes(),
        FAMILY_NOTE
    ));
    assert!(entries_of(&teacher, livret)
        .iter()
        .all(|(s, _, _)| s != "accompagnement"));

    // Not writable by this teacher, and not to be mentioned in an appréciation.
    let err = teacher
        .with(|d| d.accompagnement(livret, "PPRE", "2025-10-01", None, None))
        .unwrap_err();
    // (This device does not even know the section was opened: it holds no record of it.)
    assert!(crate::fr(&err).contains("section accompagnement"), "{err}");
    let err = teacher
        .with(|d| {
            d.assess(
                livret,
                2025,
                "1/3",
                "FRANCS",
                None,
                Some(3),
                None,
                "Bons progrès depuis la mise en place du PPS.",
            )
        })
        .unwrap_err();
    assert_eq!(
        crate::fr(&err),
        "texte refusé : il mentionne « PPS », qui relève de la section sensible accompagnement"
    );
    let err = teacher
        .with(|d| d.synthesis(livret, 2025, "1/3", "Trimestre difficile : dyslexie."))
        .unwrap_err();
    assert!(crate::fr(&err).contains("« dyslexie »"), "{err}");

    // A modified client writes it anyway: the family refuses the batch, nothing changes.
    let before = entries_of(&family, livret);
    livret_tests::write_subject_unchecked(
        &teacher,
        livret,
        "1/3",
        "FRANCS",
        3,
        "Bons progrès depuis la mise en place du P.P.S.",
    );
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(
        report
            .refused_lines(livret::Lang::Fr)
            .iter()
            .any(|r| r.contains("« PPS »") && r.contains("accompagnement")),
        "{report:?}"
    );
    assert_eq!(entries_of(&family, livret), before);

    // A support measure slipped into another granted section: refused by its type.
    let measure = livret::core::content::accompagnement(
        livret::core::vocab::Modalite::Ppre,
        livret::core::vocab::Date::parse("2025-10-01").unwrap(),
        None,
        "",
    )
    .unwrap();
    let key = livret::core::content::entry_key(&measure.content);
    let mut moved = measure.clone();
    moved.section = Section::VieScolaire(2025);
    moved.key = key;
    teacher
        .with(|d| d.write_draft_unchecked(livret, &moved))
        .unwrap();
    let report = teacher.sync_with(&family).await.unwrap();
    assert!(
        report
            .refused_lines(livret::Lang::Fr)
            .iter()
            .any(|r| r.contains("mesure d'accompagnement")),
        "{report:?}"
    );
    assert_eq!(entries_of(&family, livret), before);
    let audit = family.with(|d| d.audit(Some(livret))).unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "refused" && a.detail.contains("« PPS »")));
}
