//! Issue 13: refusals travel as codes, not prose. A device tells a refusal as a
//! `livret_core::RefusalCode` number (with the entry key and a short detail); the other side
//! shows it in its reader's language and its audit log records the code. Real nodes on
//! 127.0.0.1, one home per device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{Lang, Localized, Refusal, RefusalCode, Role};
use livret::Error;
use livret_tests::TestDevice;

/// A spent invitation: the family's device answers with a code, and the redeeming device
/// shows it in French and in English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redeem_refusal_crosses_the_wire_as_a_code_and_reads_in_either_language() {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", Some("1234567890V")))
        .unwrap();
    let inv = family.invite(livret, "annee/2025", Rights::Write);
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    teacher.accept(&inv, None).await.unwrap();
    let other = TestDevice::new(Role::Teacher, "Mme Leroy").await;
    let err = other.accept(&inv, None).await.unwrap_err();
    let Error::PeerRefused(refusal) = &err else {
        panic!("not a refusal from the family's device: {err:?}");
    };
    assert_eq!(refusal, &Refusal::new(RefusalCode::InvitationSpent));
    assert_eq!(
        err.localized(Lang::Fr),
        "refusé par l'autre appareil : invitation inconnue ou déjà utilisée"
    );
    assert_eq!(
        err.localized(Lang::En),
        "refused by the other device: invitation unknown or already used"
    );
    // The family's log records the code.
    let audit = family.with(|d| d.audit(None)).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.outcome == "refused" && a.detail.ends_with("[invitation-spent]")),
        "{audit:?}"
    );
}

/// A batch the family refuses: the teacher's report holds the family's code, the entry key and
/// the detail, shown in either language; the family's log records the code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_batch_reaches_the_sender_as_a_code() {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", Some("1234567890V")))
        .unwrap();
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    teacher
        .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    // A modified client writes a support measure's name in an appréciation anyway.
    livret_tests::write_subject_unchecked(
        &teacher,
        livret,
        "1/3",
        "FRANCS",
        3,
        "Bons progrès depuis la mise en place du PPS.",
    );
    let report = teacher.sync_with(&family).await.unwrap();
    let told: Vec<_> = report.refused.iter().filter(|r| r.by_peer).collect();
    assert_eq!(told.len(), 1, "{report:?}");
    let r = told[0];
    assert_eq!(r.refusal.code, RefusalCode::Content);
    assert_eq!(r.livret.as_deref(), Some(livret.to_string().as_str()));
    assert_eq!(r.target.as_deref(), Some("annee/2025"));
    let key = r.refusal.key.clone().unwrap();
    assert!(key.contains("FRANCS"), "{key}");
    let fr = r.localized(Lang::Fr);
    let en = r.localized(Lang::En);
    assert!(
        fr.starts_with(&format!(
            "refusé par l'autre appareil : {livret}/annee/2025 : contenu refusé (inscription « {key} »)"
        )),
        "{fr}"
    );
    assert!(
        en.starts_with(&format!(
            "refused by the other device: {livret}/annee/2025: content refused (entry \"{key}\")"
        )),
        "{en}"
    );
    assert!(fr.contains("« PPS »"), "{fr}");
    assert_eq!(report.refused_text(Lang::En), en);
    let audit = family.with(|d| d.audit(Some(livret))).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.outcome == "refused" && a.detail.ends_with("[content]")),
        "{audit:?}"
    );
    let audit = teacher.with(|d| d.audit(Some(livret))).unwrap();
    assert!(
        audit.iter().any(|a| a.detail.ends_with("[content]")),
        "{audit:?}"
    );
}
