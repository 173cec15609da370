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

/// A school, its team `class` of `members` (each with one subject, in order), and the team's
/// card; the family `parent` trusts the school.
async fn team_of(
    school: &TestDevice,
    parent: &TestDevice,
    class: &str,
    members: &[(&TestDevice, &str)],
) -> (String, String) {
    let team = school
        .with(|d| d.team_create(class, school_year(), None))
        .unwrap()
        .team_id;
    for (m, subject) in members {
        let id = m.id();
        school
            .with(|d| d.team_add(&team, &id, &[subject.to_string()]))
            .unwrap();
    }
    let card = school.with(|d| d.team_card(&team, None)).unwrap().text;
    let school_card = school.with(|d| d.school_card()).unwrap().text;
    let _ = parent.with(|d| d.trust_add(&school_card));
    (team, card)
}

/// The school year under way (the year it starts): a roster is valid until the September
/// after it.
fn school_year() -> u16 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let today = livret::core::vocab::Date::from_unix_seconds(i64::try_from(now).unwrap()).unwrap();
    if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    }
}

/// The entries of `section` on `dev`: (key, author id, signature status).
fn entries_of(
    dev: &TestDevice,
    livret: livret::core::LivretId,
    section: &str,
) -> Vec<(String, String, String)> {
    dev.with(|d| d.show(livret))
        .unwrap()
        .sections
        .iter()
        .filter(|s| s.section.to_string() == section)
        .flat_map(|s| s.entries.iter())
        .map(|e| {
            (
                e.key.clone(),
                e.author.clone().unwrap_or_default(),
                e.signature.as_str().to_string(),
            )
        })
        .collect()
}

fn assess(
    dev: &TestDevice,
    livret: livret::core::LivretId,
    subject: &str,
) -> livret::Result<String> {
    dev.with(|d| {
        d.assess(
            livret,
            2025,
            "1/3",
            subject,
            None,
            Some(3),
            None,
            "Travail régulier et sérieux.",
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_members_sync_with_the_family_under_the_team_grant_and_a_readers_write_is_refused() {
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let t1 = TestDevice::new(Role::Teacher, "Mme Durand").await;
    let t2 = TestDevice::new(Role::Teacher, "M. Petit").await;
    let reader = TestDevice::new(Role::Teacher, "Mme Lenoir").await;
    let livret = family
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    let (_, card) = team_of(&school, &family, "5B", &[(&t1, "FRANCS"), (&t2, "MATHEM")]).await;
    let (_, read_card) = team_of(&school, &family, "5C", &[(&reader, "ANGLV1")]).await;
    let sections = [Section::Annee(2025)];
    family
        .with(|d| d.grant_team(livret, &card, &sections, Rights::Write, "2099-06-30", false))
        .unwrap();
    family
        .with(|d| {
            d.grant_team(
                livret,
                &read_card,
                &sections,
                Rights::Read,
                "2099-06-30",
                false,
            )
        })
        .unwrap();

    // A member dials the family: it receives the team grant and the roster, then the livret.
    let report = t1.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    assert_eq!(t1.with(|d| d.list()).unwrap().len(), 1);
    assess(&t1, livret, "FRANCS").unwrap();
    let report = t1.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    // The family dials the other member (it answers).
    let report = family.sync_with(&t2).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    assess(&t2, livret, "MATHEM").unwrap();
    t2.sync_with(&family).await.unwrap();
    let got = entries_of(&family, livret, "annee/2025");
    assert_eq!(got.len(), 2, "{got:?}");
    for (key, author, status) in &got {
        assert_eq!(status, "valid", "{key}");
        assert!(*author == t1.id() || *author == t2.id(), "{key}");
    }
    // The second member received the first's entry from the family.
    assert_eq!(entries_of(&t2, livret, "annee/2025").len(), 2);

    // A member of a read-only team reads, and may not write: its device refuses, and the
    // family refuses what a modified client sends.
    reader.sync_with(&family).await.unwrap();
    assert_eq!(entries_of(&reader, livret, "annee/2025").len(), 2);
    assert!(assess(&reader, livret, "ANGLV1").is_err());
    livret_tests::write_subject_unchecked(&reader, livret, "1/3", "ANGLV1", 2, "Bien.");
    let _ = reader.sync_with(&family).await;
    let got = entries_of(&family, livret, "annee/2025");
    assert_eq!(got.len(), 2, "the reader's entry was refused: {got:?}");
    assert!(got.iter().all(|(_, a, _)| *a != reader.id()));
}

const SUBJECTS: [&str; 10] = [
    "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "ALLLV1", "ESPLV2", "SVTERR", "PHYCHI", "TECHNO",
    "ARTPLA",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_teachers_sync_with_each_other_without_the_family_which_then_receives_all_in_one_sync()
{
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let mut teachers = Vec::new();
    for (i, _) in SUBJECTS.iter().enumerate() {
        teachers.push(TestDevice::new(Role::Teacher, &format!("Professeur {i}")).await);
    }
    let livret = family
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    let members: Vec<(&TestDevice, &str)> = teachers.iter().zip(SUBJECTS).collect();
    let (_, card) = team_of(&school, &family, "5B", &members).await;
    family
        .with(|d| {
            d.grant_team(
                livret,
                &card,
                &[Section::Annee(2025)],
                Rights::Write,
                "2099-06-30",
                false,
            )
        })
        .unwrap();
    // Each teacher's device meets the family's once (the grant and the roster reach it).
    for t in &teachers {
        let report = t.sync_with(&family).await.unwrap();
        assert!(report.refused.is_empty(), "{report:?}");
    }
    // The family's device is switched off; each teacher writes its subject.
    let family_id = family.id();
    let family = family.switch_off().await;
    for (t, subject) in teachers.iter().zip(SUBJECTS) {
        assess(t, livret, subject).unwrap();
    }
    // The professeur principal meets each colleague in the staff room.
    let pp = &teachers[0];
    for t in &teachers[1..] {
        let report = pp.sync_with(t).await.unwrap();
        assert!(report.refused.is_empty(), "{report:?}");
    }
    let got = entries_of(pp, livret, "annee/2025");
    assert_eq!(got.len(), 10, "{got:?}");
    assert!(got.iter().all(|(_, _, s)| s == "valid"), "{got:?}");
    let authors: std::collections::BTreeSet<&String> = got.iter().map(|(_, a, _)| a).collect();
    assert_eq!(authors.len(), 10);
    assert!(pp.with(|d| d.verify(livret)).unwrap().failures.is_empty());

    // The family's device, on again, receives all of them in one session with the PP.
    let family = family.switch_on().await;
    assert_eq!(family.id(), family_id);
    let report = pp.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let got = entries_of(&family, livret, "annee/2025");
    assert_eq!(got.len(), 10, "{got:?}");
    assert!(got.iter().all(|(_, _, s)| s == "valid"), "{got:?}");
    assert!(family
        .with(|d| d.verify(livret))
        .unwrap()
        .failures
        .is_empty());
}
