//! Teaching teams (issue 15, first slice): the family grants a school's team from its card; the
//! team grant travels between the family's owner devices like any manifest record and is
//! revoked from either. Sessions do not yet let team members in (see SECURITY.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{Role, Section};
use livret_tests::TestDevice;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_grant_needs_a_trusted_school_reaches_the_other_parent_and_is_revoked_from_it() {
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let parent1 = TestDevice::new(Role::Family, "Maman").await;
    let parent2 = TestDevice::new(Role::Family, "Papa").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = parent1
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    parent2
        .accept(&parent1.invite(livret, "identite", Rights::Owner), None)
        .await
        .unwrap();
    let team = school
        .with(|d| d.team_create("5B", 2026, None))
        .unwrap()
        .team_id;
    let member = teacher.id();
    school
        .with(|d| d.team_add(&team, &member, &["030201".to_string()]))
        .unwrap();
    let card = school.with(|d| d.team_card(&team, None)).unwrap().text;
    let school_card = school.with(|d| d.school_card()).unwrap().text;
    let sections = [Section::Annee(2026)];
    let grant = |d: &mut livret::Device| {
        d.grant_team(livret, &card, &sections, Rights::Write, "2099-06-30", false)
    };

    // A school the family never trusted: refused, nothing written.
    let e = parent1.with(grant).unwrap_err();
    assert!(
        crate::fr(&e).contains("n'est pas reconnu"),
        "{}",
        crate::fr(&e)
    );
    assert!(parent1.with(|d| d.team_grants(livret)).unwrap().is_empty());

    parent1.with(|d| d.trust_add(&school_card)).unwrap();
    let g = parent1.with(grant).unwrap();
    assert_eq!(g.team_id, team);
    // The family's journal notes the roster it received (version 2: one member).
    let audit = parent1.with(|d| d.audit(Some(livret))).unwrap();
    assert!(
        audit.iter().any(|a| a.detail.contains("version 2 reçue")),
        "{audit:?}"
    );

    // The other parent's device receives the team grant with the manifest, and revokes it.
    parent2.sync_with(&parent1).await.unwrap();
    let seen = parent2.with(|d| d.team_grants(livret)).unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].grant_id, g.grant_id);
    assert!(!seen[0].revoked);
    parent2.with(|d| d.revoke(&g.grant_id)).unwrap();
    parent1.sync_with(&parent2).await.unwrap();
    assert!(parent1.with(|d| d.team_grants(livret)).unwrap()[0].revoked);
}
