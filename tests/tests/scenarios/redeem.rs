//! Issue 13, finding 10: whoever photographs a QR invitation could redeem it before the
//! teacher it was shown to. A redeem now becomes a grant only once the family confirms, on its
//! own screen, who redeemed (name, role, and a code the redeeming device shows too); refused or
//! unconfirmed, it grants nothing. Real nodes on 127.0.0.1, one home per device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use livret::core::grant::Rights;
use livret::core::{LivretId, Role};
use livret::{redeem_code_for, RedeemClaimView, REDEEM_CONFIRM_SECONDS};
use livret_tests::TestDevice;

/// A family that answers redeems itself, with a livret.
async fn family() -> (TestDevice, LivretId) {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    family.confirm_redeems_by_hand();
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", Some("1234567890V")))
        .unwrap();
    (family, livret)
}

/// Waits until a redeem waits for the family, and returns it.
async fn claim_of(family: &TestDevice, livret: LivretId) -> RedeemClaimView {
    for _ in 0..400 {
        if let Some(c) = family
            .with(|d| d.redeem_claims(Some(livret)))
            .unwrap()
            .into_iter()
            .next()
        {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no redeem waits for the family")
}

fn grants(family: &TestDevice, livret: LivretId) -> usize {
    family.with(|d| d.grants(livret)).unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redeem_becomes_a_grant_only_once_the_family_confirms_who_redeemed() {
    let (family, livret) = family().await;
    let teacher = TestDevice::new(Role::Teacher, "Mme Durand").await;
    // Whoever photographed the QR code gives the same name as the teacher it was shown to.
    let thief = TestDevice::new(Role::Teacher, "Mme Durand").await;
    let inv = family.invite(livret, "annee/2025", Rights::Write);
    let thief_code = thief.with(|d| redeem_code_for(d, &inv)).unwrap();
    let teacher_code = teacher.with(|d| redeem_code_for(d, &inv)).unwrap();
    assert_ne!(thief_code, teacher_code);

    // 1. The thief redeems first. Nothing is granted while the family has not answered; its
    // screen shows the name, the role and the thief's code, not the teacher's: it refuses.
    let family_side = async {
        let claim = claim_of(&family, livret).await;
        assert_eq!(claim.name, "Mme Durand");
        assert_eq!(claim.role, "teacher");
        assert_eq!(claim.code, thief_code);
        assert_eq!(claim.rights, "write");
        assert_eq!(claim.sections, vec!["annee/2025".to_string()]);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            grants(&family, livret),
            0,
            "granted before the family confirmed"
        );
        family
            .with(|d| d.confirm_redeem(&claim.invitation, false))
            .unwrap();
    };
    let (refused, ()) = tokio::join!(thief.accept(&inv, None), family_side);
    let e = crate::fr(&refused.unwrap_err());
    assert!(e.contains("la famille a refusé"), "{e}");
    assert_eq!(grants(&family, livret), 0);
    assert!(thief.with(|d| d.list()).unwrap().is_empty());
    let audit = family.with(|d| d.audit(Some(livret))).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.detail.contains("refusée par la famille")),
        "{audit:?}"
    );

    // 2. The invitation is spent: the teacher gets a clear refusal, and a new invitation.
    let e = crate::fr(&teacher.accept(&inv, None).await.unwrap_err());
    assert!(e.contains("déjà utilisée"), "{e}");
    let inv = family.invite(livret, "annee/2025", Rights::Write);
    let teacher_code = teacher.with(|d| redeem_code_for(d, &inv)).unwrap();
    let family_side = async {
        let claim = claim_of(&family, livret).await;
        assert_eq!(claim.code, teacher_code);
        family
            .with(|d| d.confirm_redeem(&claim.invitation, true))
            .unwrap();
    };
    let (accepted, ()) = tokio::join!(teacher.accept(&inv, Some("5B")), family_side);
    accepted.unwrap();
    assert_eq!(grants(&family, livret), 1);
    assert_eq!(teacher.with(|d| d.list()).unwrap().len(), 1);
    // A decision is given once.
    assert!(family.with(|d| d.redeem_claims(None)).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfirmed_redeem_lapses_and_grants_nothing() {
    let (family, livret) = family().await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let inv = family.invite(livret, "annee/2025", Rights::Read);
    let family_side = async {
        let claim = claim_of(&family, livret).await;
        // The family looks away for longer than a claim waits.
        family.with(|d| d.set_clock_offset_for_tests(REDEEM_CONFIRM_SECONDS + 1));
        for _ in 0..100 {
            if family.with(|d| d.redeem_claims(None)).unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(family.with(|d| d.redeem_claims(None)).unwrap().is_empty());
        // Too late to confirm now.
        let e = family
            .with(|d| d.confirm_redeem(&claim.invitation, true))
            .unwrap_err()
            .to_string();
        assert!(e.contains("aucune demande") || e.contains("expiré"), "{e}");
    };
    let (lapsed, ()) = tokio::join!(teacher.accept(&inv, None), family_side);
    let e = crate::fr(&lapsed.unwrap_err());
    assert!(e.contains("pas confirmé à temps"), "{e}");
    assert_eq!(grants(&family, livret), 0);
    assert!(teacher.with(|d| d.list()).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_confirmed_in_advance_grants_at_once() {
    let (family, livret) = family().await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let sections = livret::core::Section::parse_list("annee/2025").unwrap();
    let addrs = family.addresses();
    let out = family
        .with(|d| d.invite(livret, &sections, Rights::Read, "2099-06-30", 15, addrs))
        .unwrap();
    family.with(|d| d.confirm_in_advance(&out)).unwrap();
    teacher.accept(&out.invitation, None).await.unwrap();
    assert_eq!(grants(&family, livret), 1);
    assert!(family.with(|d| d.redeem_claims(None)).unwrap().is_empty());
}
