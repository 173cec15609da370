//! Trust and the jury: school-certified teacher keys, anonymized time-limited extracts,
//! lycée content. Real nodes on 127.0.0.1, one home per device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{LivretId, Role};
use livret_tests::{contains, TestDevice};

const CHILD: &str = "Lina Moreau";
const BIRTH: &str = "2014-03-02";
const INE: &str = "1234567890V";
const SCHOOL: &str = "Collège Jean Moulin";
const UAI: &str = "0951099D";

struct World {
    family: TestDevice,
    teacher: TestDevice,
    school: TestDevice,
    livret: LivretId,
}

/// A family, a teacher certified by a school, a year of bilans synced to the family.
async fn world() -> World {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let school = TestDevice::school(SCHOOL, UAI).await;
    let cert = school
        .with(|d| d.certify(&teacher.id(), "M. Martin", "2099-06-30"))
        .unwrap();
    teacher.with(|d| d.import_certificate(&cert.text)).unwrap();
    let livret = family
        .with(|d| d.add_child(CHILD, BIRTH, Some(INE)))
        .unwrap();
    teacher
        .accept(
            &family.invite(livret, "annee/2025", Rights::Write),
            Some("3A"),
        )
        .await
        .unwrap();
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
                "Très bon travail en rédaction.",
            )
        })
        .unwrap();
    teacher
        .with(|d| {
            d.assess(
                livret,
                2025,
                "1/3",
                "MATHEM",
                None,
                None,
                Some("15,5"),
                "Lina progresse beaucoup en géométrie.",
            )
        })
        .unwrap();
    teacher
        .with(|d| d.synthesis(livret, 2025, "1/3", "Trimestre sérieux, à poursuivre."))
        .unwrap();
    teacher.sync_with(&family).await.unwrap();
    World {
        family,
        teacher,
        school,
        livret,
    }
}

fn identifying() -> Vec<String> {
    vec![
        "Lina".into(),
        "Moreau".into(),
        BIRTH.into(),
        "02/03/2014".into(),
        INE.into(),
        SCHOOL.into(),
        UAI.into(),
    ]
}

fn assert_anonymous(jury: &TestDevice, livret: LivretId) {
    let raw = jury.raw_home_bytes();
    let shown = serde_json::to_string(&jury.with(|d| d.show(livret)).unwrap()).unwrap();
    let listed = serde_json::to_string(&jury.with(|d| d.list()).unwrap()).unwrap();
    for word in identifying() {
        assert!(!contains(&raw, &word), "the jury's home holds « {word} »");
        assert!(
            !shown.contains(&word),
            "show --json holds « {word} »: {shown}"
        );
        assert!(!listed.contains(&word), "list --json holds « {word} »");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jury_gets_an_anonymized_certified_extract() {
    let w = world().await;
    let jury = TestDevice::new(Role::Jury, "Jury du bac").await;
    jury.with(|d| d.trust_add(&w.school.id())).unwrap();
    let inv = w.family.invite_jury(w.livret, "annee/2025");
    let report = jury.accept(&inv, None).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");

    let verify = jury.with(|d| d.verify(w.livret)).unwrap();
    assert_eq!(verify.checked, 3, "{verify:?}");
    assert_eq!(verify.certified, 3, "every entry certified: {verify:?}");
    assert!(verify.failures.is_empty());
    let view = jury.with(|d| d.show(w.livret)).unwrap();
    let texts: Vec<String> = view.sections[0]
        .entries
        .iter()
        .map(|e| livret::Localized::localized(e, livret::Lang::Fr))
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Très bon travail en rédaction.")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("texte retiré")),
        "the text naming the child is withheld: {texts:?}"
    );
    assert_anonymous(&jury, w.livret);

    // Uncertified when the school is not trusted.
    let other = TestDevice::new(Role::Jury, "Autre jury").await;
    other
        .accept(&w.family.invite_jury(w.livret, "annee/2025"), None)
        .await
        .unwrap();
    let v = other.with(|d| d.verify(w.livret)).unwrap();
    assert_eq!(v.certified, 0);
    assert!(
        v.entries.iter().all(|e| e.status.as_str() == "uncertified"),
        "{v:?}"
    );
    assert!(v.failures.is_empty());

    // Invalid when a byte is changed.
    let (section, key, entry) = jury.with(|d| d.signed_entries(w.livret)).unwrap().remove(0);
    let mut tampered = entry.clone();
    let last = tampered.short_form.len() - 1;
    tampered.short_form[last] ^= 1;
    let (_, status) = tampered.verify_at(w.livret, section, &key, |_| true);
    assert!(matches!(
        status,
        livret::core::entry::Verification::Invalid(_)
    ));
    let (_, status) = entry.verify_at(w.livret, section, &key, |_| true);
    assert_eq!(status, livret::core::entry::Verification::Valid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jury_cannot_write_and_holds_nothing_after_expiry_or_revocation() {
    let w = world().await;
    let jury = TestDevice::new(Role::Jury, "Jury du bac").await;
    jury.with(|d| d.trust_add(&w.school.id())).unwrap();
    jury.accept(&w.family.invite_jury(w.livret, "annee/2025"), None)
        .await
        .unwrap();
    let before: Vec<_> = w.family.with(|d| d.signed_entries(w.livret)).unwrap();

    // No write: not through the API, and a modified client is refused.
    assert!(jury
        .with(|d| d.assess(
            w.livret,
            2025,
            "1/3",
            "HISGEO",
            None,
            Some(1),
            None,
            "Écrit par le jury."
        ))
        .is_err());
    livret_tests::write_subject_unchecked(
        &jury,
        w.livret,
        "1/3",
        "HISGEO",
        1,
        "Écrit par le jury.",
    );
    jury.sync_with(&w.family).await.unwrap();
    // The family's extract replaced the jury's altered copy.
    let held = jury.with(|d| d.signed_entries(w.livret)).unwrap();
    assert!(
        held.iter().all(|(_, k, _)| k != "bilan/1-3/HISGEO"),
        "{held:?}"
    );
    let after: Vec<_> = w.family.with(|d| d.signed_entries(w.livret)).unwrap();
    assert_eq!(
        before.len(),
        after.len(),
        "the family's livret is unchanged"
    );

    // Revocation: the jury is told at its next session and purges.
    let grant = w
        .family
        .with(|d| d.grants(w.livret))
        .unwrap()
        .into_iter()
        .find(|g| g.audience == jury.id())
        .unwrap();
    w.family.with(|d| d.revoke(&grant.grant_id)).unwrap();
    let report = jury.sync_with(&w.family).await.unwrap();
    assert_eq!(report.purged.len(), 1, "{report:?}");
    assert!(jury.with(|d| d.list()).unwrap().is_empty());
    assert!(!contains(&jury.raw_home_bytes(), "Très bon travail"));

    // Expiry: a second jury's grant ends (its clock moved past it): it purges on its own.
    let late = TestDevice::new(Role::Jury, "Jury de septembre").await;
    late.accept(&w.family.invite_jury(w.livret, "annee/2025"), None)
        .await
        .unwrap();
    assert_eq!(late.with(|d| d.list()).unwrap().len(), 1);
    let year = 366 * 24 * 3600;
    late.with(|d| d.set_clock_offset_for_tests(year));
    let purged = late.with(|d| d.purge()).unwrap();
    assert_eq!(purged, vec![w.livret]);
    assert!(late.with(|d| d.list()).unwrap().is_empty());
    assert!(!contains(&late.raw_home_bytes(), "Très bon travail"));
    // The family's device records the end of the grant.
    w.family.with(|d| d.set_clock_offset_for_tests(year));
    w.family.with(|d| d.purge()).unwrap();
    let audit = w.family.with(|d| d.audit(Some(w.livret))).unwrap();
    assert!(audit.iter().any(|a| a.action == "expired"), "{audit:?}");
    let _ = &w.teacher;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_from_an_untrusted_or_expired_school_do_not_certify() {
    let w = world().await;
    // The family trusts the school: the teacher's entries are certified on its device too.
    w.family
        .with(|d| d.trust_add(&w.school.with(|s| s.school_card()).unwrap().text))
        .unwrap();
    let v = w.family.with(|d| d.verify(w.livret)).unwrap();
    assert_eq!(v.certified, 3, "{v:?}");
    // A teacher certified by another school, not trusted: valid but uncertified.
    let rogue_school = TestDevice::school("Établissement inconnu", "0382032C").await;
    let t2 = TestDevice::new(Role::Teacher, "Mme Autre").await;
    let cert = rogue_school
        .with(|d| d.certify(&t2.id(), "Mme Autre", "2099-06-30"))
        .unwrap();
    t2.with(|d| d.import_certificate(&cert.text)).unwrap();
    // A certificate for someone else's key is refused at import.
    assert!(w
        .teacher
        .with(|d| d.import_certificate(&cert.text))
        .is_err());
    t2.accept(
        &w.family.invite(w.livret, "annee/2025", Rights::Write),
        None,
    )
    .await
    .unwrap();
    t2.with(|d| {
        d.assess(
            w.livret,
            2025,
            "1/3",
            "HISGEO",
            None,
            Some(2),
            None,
            "Correct.",
        )
    })
    .unwrap();
    t2.sync_with(&w.family).await.unwrap();
    let v = w.family.with(|d| d.verify(w.livret)).unwrap();
    let hisgeo = v
        .entries
        .iter()
        .find(|e| e.key == "bilan/1-3/HISGEO")
        .unwrap();
    assert_eq!(hisgeo.status.as_str(), "valid", "{hisgeo:?}");
    assert!(
        livret::Localized::localized(&hisgeo.reason, livret::Lang::Fr).contains("non reconnu"),
        "{hisgeo:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lycee_content_is_written_signed_and_verified() {
    let family = TestDevice::new(Role::Family, "Papa").await;
    let teacher = TestDevice::new(Role::Teacher, "Mme Prof Principale").await;
    let livret = family
        .with(|d| d.add_child("Hugo Lambert", "2008-05-12", None))
        .unwrap();
    teacher
        .accept(
            &family.invite(livret, "annee/2025", Rights::Write),
            Some("1G2"),
        )
        .await
        .unwrap();
    teacher
        .with(|d| {
            d.lycee_subject(
                livret,
                2025,
                "1/3",
                "MATHEM",
                None,
                "15,2",
                ["11,4", "6,5", "18,9"],
                "Travail régulier et approfondi.",
            )
        })
        .unwrap();
    teacher
        .with(|d| {
            d.lycee_opinion(
                livret,
                2025,
                "Délégué de classe, engagé.",
                "Élève sérieux.",
                "tres-favorable",
            )
        })
        .unwrap();
    assert!(teacher
        .with(|d| d.lycee_opinion(livret, 2025, "x", "y", "peut-etre"))
        .is_err());
    assert!(teacher
        .with(|d| d.lycee_subject(
            livret,
            2025,
            "1/3",
            "MATHEM",
            None,
            "15,255555",
            ["1", "2", "3"],
            "x"
        ))
        .is_err());
    teacher.sync_with(&family).await.unwrap();
    let v = family.with(|d| d.verify(livret)).unwrap();
    assert_eq!(v.checked, 3, "{v:?}");
    assert!(v.failures.is_empty(), "{v:?}");
    let shown = serde_json::to_string(&family.with(|d| d.show(livret)).unwrap()).unwrap();
    assert!(shown.contains("Très favorable"), "{shown}");
    assert!(shown.contains("\"class_average\":\"11,4\""), "{shown}");
}
