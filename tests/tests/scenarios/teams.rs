//! Teaching teams (issue 15): the family grants a school's team from its card; members sync
//! with the family and with each other, each checking what it receives; roster changes,
//! replacement devices and revocations travel through the members.
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
    grant_year(&family, livret, &card, Rights::Write, "2099-06-30", false).unwrap();
    grant_year(
        &family,
        livret,
        &read_card,
        Rights::Read,
        "2099-06-30",
        false,
    )
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
    grant_year(&family, livret, &card, Rights::Write, "2099-06-30", false).unwrap();
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

/// The family grants the team of `card` the 2025 school year's section.
fn grant_year(
    family: &TestDevice,
    livret: livret::core::LivretId,
    card: &str,
    rights: Rights,
    until: &str,
    own_subjects: bool,
) -> livret::Result<livret::TeamGrantView> {
    family.with(|d| {
        d.grant_team(
            livret,
            card,
            &[Section::Annee(2025)],
            rights,
            until,
            own_subjects,
        )
    })
}

/// The family, a team of `n` teachers (subjects in order) granted write on annee/2025, every
/// member synced once with the family.
async fn granted_team(
    n: usize,
) -> (
    TestDevice,
    TestDevice,
    Vec<TestDevice>,
    livret::core::LivretId,
    String,
) {
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let mut teachers = Vec::new();
    for i in 0..n {
        teachers.push(TestDevice::new(Role::Teacher, &format!("Professeur {i}")).await);
    }
    let livret = family
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    let members: Vec<(&TestDevice, &str)> = teachers.iter().zip(SUBJECTS).collect();
    let (team, card) = team_of(&school, &family, "5B", &members).await;
    grant_year(&family, livret, &card, Rights::Write, "2099-06-30", false).unwrap();
    for t in &teachers {
        let report = t.sync_with(&family).await.unwrap();
        assert!(report.refused.is_empty(), "{report:?}");
        // The team grant names the pupil, as a device grant does: the class list shows it.
        let held = t.with(|d| d.list()).unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].name.as_deref(), Some("Jade Faure"));
        assert_eq!(held[0].class.as_deref(), Some("5B"));
    }
    (school, family, teachers, livret, team)
}

/// The family's JSON export shows its team grant readably (`team_grant`), valid against
/// docs/export-livret.schema.json.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_familys_json_export_shows_the_team_grant() {
    let (_school, family, _t, livret, team) = granted_team(1).await;
    let export = family.with(|d| d.export_json(livret)).unwrap();
    crate::portability::validate(&export);
    let views: Vec<&serde_json::Value> = export["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["record"])
        .filter(|r| r["type"] == "team_grant")
        .collect();
    assert_eq!(views.len(), 1, "{export}");
    assert_eq!(views[0]["team_id"], team.as_str());
    assert_eq!(views[0]["class"], "5B");
    assert_eq!(views[0]["subject_name"], "Jade Faure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_teacher_receives_nothing_more_and_its_later_entry_is_refused_its_earlier_ones_stay(
) {
    let (school, family, t, livret, team) = granted_team(3).await;
    let (pp, colleague, removed) = (&t[0], &t[1], &t[2]);
    assess(removed, livret, "HISGEO").unwrap();
    pp.sync_with(removed).await.unwrap();
    assert_eq!(entries_of(pp, livret, "annee/2025").len(), 1);

    // The school removes it; the PP takes the new roster from the team's card and passes it
    // on to its colleague and to the family.
    let removed_id = removed.id();
    school.with(|d| d.team_remove(&team, &removed_id)).unwrap();
    let card = school.with(|d| d.team_card(&team, None)).unwrap().text;
    pp.with(|d| d.team_roster_receive(&card)).unwrap();
    pp.sync_with(colleague).await.unwrap();
    pp.sync_with(&family).await.unwrap();
    let audit = family.with(|d| d.audit(Some(livret))).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.detail.contains("remplacée par la version")),
        "{audit:?}"
    );

    // Its later entry reaches no one; what the others write does not reach it.
    assess(removed, livret, "ANGLV1").unwrap();
    assess(colleague, livret, "MATHEM").unwrap();
    for other in [pp, colleague, &family] {
        let _ = removed.sync_with(other).await;
        let _ = other.sync_with(removed).await;
    }
    colleague.sync_with(&family).await.unwrap();
    pp.sync_with(colleague).await.unwrap();
    for dev in [pp, colleague, &family] {
        let got = entries_of(dev, livret, "annee/2025");
        assert!(
            !got.iter().any(|(k, _, _)| k.contains("ANGLV1")),
            "a later entry of the removed member: {got:?}"
        );
        // Its earlier entry stays, valid.
        assert!(
            got.iter()
                .any(|(k, a, s)| k.contains("HISGEO") && *a == removed_id && s == "valid"),
            "{got:?}"
        );
    }
    let theirs = entries_of(removed, livret, "annee/2025");
    assert!(
        !theirs.iter().any(|(k, _, _)| k.contains("MATHEM")),
        "{theirs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replacement_laptop_added_to_the_roster_receives_the_sections_from_a_colleague() {
    let (school, family, t, livret, team) = granted_team(2).await;
    assess(&t[0], livret, "FRANCS").unwrap();
    assess(&t[1], livret, "MATHEM").unwrap();
    t[0].sync_with(&t[1]).await.unwrap();
    let laptop = TestDevice::new(Role::Teacher, "Professeur 1, nouvel ordinateur").await;
    let laptop_id = laptop.id();
    school
        .with(|d| d.team_add(&team, &laptop_id, &["MATHEM".to_string()]))
        .unwrap();
    let card = school.with(|d| d.team_card(&team, None)).unwrap().text;
    t[0].with(|d| d.team_roster_receive(&card)).unwrap();
    // No invitation: the new laptop meets a colleague, never the family.
    let report = laptop.sync_with(&t[0]).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let got = entries_of(&laptop, livret, "annee/2025");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|(_, _, s)| s == "valid"), "{got:?}");
    // The pupil's name came with the team grant, from the colleague.
    let held = laptop.with(|d| d.list()).unwrap();
    assert_eq!(held[0].name.as_deref(), Some("Jade Faure"));
    // It writes; the family receives its entry through the colleague.
    assess(&laptop, livret, "SVTERR").unwrap();
    laptop.sync_with(&t[0]).await.unwrap();
    t[0].sync_with(&family).await.unwrap();
    let got = entries_of(&family, livret, "annee/2025");
    assert!(
        got.iter().any(|(_, a, s)| *a == laptop_id && s == "valid"),
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_familys_revocation_reaches_every_member_through_any_member() {
    let (_school, family, t, livret, _team) = granted_team(3).await;
    assess(&t[0], livret, "FRANCS").unwrap();
    t[0].sync_with(&t[1]).await.unwrap();
    let grant = family.with(|d| d.team_grants(livret)).unwrap()[0]
        .grant_id
        .clone();
    family.with(|d| d.revoke(&grant)).unwrap();
    // The family reaches one member only.
    assert_eq!(t[0].with(|d| d.held_teams()).unwrap().len(), 1);
    let report = t[0].sync_with(&family).await.unwrap();
    assert_eq!(report.purged, vec![livret.to_string()], "{report:?}");
    assert!(t[0].with(|d| d.list()).unwrap().is_empty());
    // « Mes équipes » lists the team no more; the family still sees the team it granted.
    assert!(t[0].with(|d| d.held_teams()).unwrap().is_empty());
    assert_eq!(family.with(|d| d.held_teams()).unwrap().len(), 1);
    // That member tells the next, which tells the last.
    let report = t[1].sync_with(&t[0]).await.unwrap();
    assert_eq!(report.purged, vec![livret.to_string()], "{report:?}");
    t[2].sync_with(&t[1]).await.unwrap();
    for dev in &t {
        assert!(dev.with(|d| d.list()).unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_of_another_school_or_forged_is_refused() {
    use livret::core::identity::DeviceSecret;
    use livret::core::team::{TeamCard, TeamMember, TeamRoster};
    use livret::core::SignedRecord;
    let (_school, family, t, livret, team) = granted_team(1).await;
    let intruder = TestDevice::new(Role::Teacher, "Intrus").await;
    let team_id: livret::core::TeamId = team.parse().unwrap();
    let rogue = DeviceSecret::from_bytes(&[77; 32]);
    let roster = |school: [u8; 32]| TeamRoster {
        team: team_id.0,
        school,
        class: livret::core::vocab::Division::parse("5B").unwrap(),
        year: livret::core::vocab::Millesime::new(school_year()).unwrap(),
        name: None,
        version: 99,
        members: vec![TeamMember {
            key: intruder.id().parse::<livret::core::DeviceId>().unwrap().0,
            subjects: vec![],
        }],
        until: i64::MAX,
        at: 0,
        former: vec![],
        epoch: 0,
        delegation: None,
    };
    let card = |roster_bytes: Vec<u8>, school: &DeviceSecret| {
        let c = TeamCard {
            school: school.device_id().0,
            team: team_id.0,
            address: None,
            roster: Some(livret::core::grant::AddressBytes(roster_bytes)),
            at: 0,
            by: None,
            delegation: None,
        };
        TeamCard::to_text(&c.sign(school))
    };
    // Signed by a school key the family never trusted (for the very team id): refused.
    let other = card(roster(rogue.device_id().0).sign(&rogue), &rogue);
    for dev in [&family, &t[0]] {
        assert!(dev.with(|d| d.team_roster_receive(&other)).is_err());
    }
    // Naming the real school but signed by another key (a forgery): does not even open.
    let school_key = family.with(|d| d.team_grants(livret)).unwrap()[0]
        .school
        .parse::<livret::core::DeviceId>()
        .unwrap();
    let forged = roster(school_key.0).sign(&rogue);
    assert!(TeamRoster::open(&forged).is_err());
    // The intruder gets nothing from the family nor from the member.
    for other in [&family, &t[0]] {
        let report = intruder.sync_with(other).await.unwrap();
        assert!(report.synced.is_empty(), "{report:?}");
    }
    assert!(intruder.with(|d| d.list()).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_a_read_only_team_writes_refused_by_its_colleague_and_by_the_family() {
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let r1 = TestDevice::new(Role::Teacher, "Mme Lenoir").await;
    let r2 = TestDevice::new(Role::Teacher, "M. Blanc").await;
    let livret = family
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    let (_, card) = team_of(&school, &family, "5B", &[(&r1, "ANGLV1"), (&r2, "ESPLV2")]).await;
    grant_year(&family, livret, &card, Rights::Read, "2099-06-30", false).unwrap();
    // The family writes (an owner may), the readers receive it.
    livret_tests::write_subject_unchecked(&family, livret, "1/3", "FRANCS", 3, "Très bien.");
    r1.sync_with(&family).await.unwrap();
    r2.sync_with(&family).await.unwrap();
    let before = entries_of(&family, livret, "annee/2025").len();
    assert_eq!(entries_of(&r2, livret, "annee/2025").len(), before);
    // Its own device refuses; a modified client's entry is refused by its colleague and by
    // the family.
    assert!(assess(&r1, livret, "ANGLV1").is_err());
    livret_tests::write_subject_unchecked(&r1, livret, "1/3", "ANGLV1", 2, "Bien.");
    let _ = r1.sync_with(&r2).await;
    let _ = r1.sync_with(&family).await;
    assert!(entries_of(&r2, livret, "annee/2025")
        .iter()
        .all(|(_, a, _)| *a != r1.id()));
    assert_eq!(entries_of(&family, livret, "annee/2025").len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_own_subjects_a_member_writes_only_its_subjects_checked_by_colleagues_and_family() {
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let t1 = TestDevice::new(Role::Teacher, "Mme Durand").await;
    let t2 = TestDevice::new(Role::Teacher, "M. Petit").await;
    let livret = family
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    let (_, card) = team_of(&school, &family, "5B", &[(&t1, "FRANCS"), (&t2, "MATHEM")]).await;
    grant_year(&family, livret, &card, Rights::Write, "2099-06-30", true).unwrap();
    t1.sync_with(&family).await.unwrap();
    t2.sync_with(&family).await.unwrap();
    assess(&t1, livret, "FRANCS").unwrap();
    // Another member's subject: its own device refuses.
    let e = assess(&t1, livret, "MATHEM").unwrap_err();
    assert!(crate::fr(&e).contains("matières"), "{}", crate::fr(&e));
    // Written anyway by a modified client: the colleague and the family refuse it.
    livret_tests::write_subject_unchecked(&t1, livret, "2/3", "MATHEM", 2, "Bien.");
    let _ = t1.sync_with(&t2).await;
    let _ = t1.sync_with(&family).await;
    for dev in [&t2, &family] {
        let got = entries_of(dev, livret, "annee/2025");
        assert!(!got.iter().any(|(k, _, _)| k.contains("MATHEM")), "{got:?}");
    }
}

/// The school delegates the team's roster to the PP's device: the PP adds a replacement teacher
/// and removes one; colleagues and the family accept its rosters (the newcomer receives the
/// class's section from a colleague, the removed teacher's later entry is refused). Refused:
/// the PP editing another team, a colleague taking the PP's delegation, a delegation already
/// ended. The school takes the team back with its next roster: the PP can sign no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pp_manages_the_roster_under_the_schools_delegation_until_the_school_takes_it_back() {
    let (school, family, t, livret, team) = granted_team(3).await;
    let (pp, colleague, leaving) = (&t[0], &t[1], &t[2]);
    let newcomer = TestDevice::new(Role::Teacher, "Remplaçante").await;
    let newcomer_id = newcomer.id();
    let (pp_id, leaving_id) = (pp.id(), leaving.id());

    // Before any delegation, the PP manages nothing.
    let e = pp
        .with(|d| d.team_add(&team, &newcomer_id, &["ANGLV1".to_string()]))
        .unwrap_err();
    assert!(crate::fr(&e).contains("ne gère pas"), "{}", crate::fr(&e));
    // A delegation that would already be over is not signed.
    assert!(school
        .with(|d| d.team_delegate(&team, &pp_id, Some("2020-01-01")))
        .is_err());

    let card = school
        .with(|d| d.team_delegate(&team, &pp_id, Some("2099-06-30")))
        .unwrap()
        .text;
    // A colleague's device takes the roster from that card, not the delegation.
    let update = colleague.with(|d| d.team_update(&card)).unwrap();
    assert!(update.delegated.is_none());
    assert!(colleague
        .with(|d| d.team_add(&team, &newcomer_id, &[]))
        .is_err());
    let update = pp.with(|d| d.team_update(&card)).unwrap();
    assert_eq!(update.livrets, vec![livret.to_string()]);
    assert_eq!(update.delegated.map(|t| t.team_id), Some(team.clone()));
    assert_eq!(pp.with(|d| d.teams()).unwrap().len(), 1);

    // The PP adds the replacement and removes a teacher: rosters signed by its device.
    let v = pp
        .with(|d| d.team_add(&team, &newcomer_id, &["ANGLV1".to_string()]))
        .unwrap();
    assert!(v.members.iter().any(|m| m.device == newcomer_id));
    let v = pp.with(|d| d.team_remove(&team, &leaving_id)).unwrap();
    assert!(!v.members.iter().any(|m| m.device == leaving_id));
    // The PP's card carries its roster; the family's device accepts it (its school trusted).
    let pp_card = pp.with(|d| d.team_card(&team, None)).unwrap().text;
    let shown = family.with(|d| d.read_team_card(&pp_card)).unwrap();
    assert_eq!(shown.version, v.version);
    assert!(shown.school_name.is_some());
    assert_eq!(
        family.with(|d| d.team_roster_receive(&pp_card)).unwrap(),
        vec![livret]
    );

    // The replacement, never met by the family, receives the section from a colleague that
    // took the PP's roster at a session; the removed teacher's later entry is refused.
    assess(colleague, livret, "MATHEM").unwrap();
    let report = colleague.sync_with(pp).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let report = newcomer.sync_with(colleague).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let got = entries_of(&newcomer, livret, "annee/2025");
    assert!(
        got.iter()
            .any(|(k, _, s)| k.contains("MATHEM") && s == "valid"),
        "{got:?}"
    );
    assess(&newcomer, livret, "ANGLV1").unwrap();
    newcomer.sync_with(&family).await.unwrap();
    assess(leaving, livret, "HISGEO").unwrap();
    let _ = leaving.sync_with(&family).await;
    let got = entries_of(&family, livret, "annee/2025");
    assert!(
        got.iter()
            .any(|(_, a, s)| *a == newcomer_id && s == "valid"),
        "{got:?}"
    );
    assert!(!got.iter().any(|(_, a, _)| *a == leaving_id), "{got:?}");

    // The PP cannot touch another team of the school.
    let other = school
        .with(|d| d.team_create("5C", school_year(), None))
        .unwrap()
        .team_id;
    assert!(pp.with(|d| d.team_add(&other, &newcomer_id, &[])).is_err());

    // The school takes the team back: its next roster outranks the PP's; once the PP holds it
    // (from the family at a session), the PP signs no more.
    let school_view = school
        .with(|d| d.team_add(&team, &leaving_id, &["HISGEO".to_string()]))
        .unwrap();
    assert!(!school_view.members.iter().any(|m| m.device == newcomer_id));
    let school_card = school.with(|d| d.team_card(&team, None)).unwrap().text;
    family
        .with(|d| d.team_roster_receive(&school_card))
        .unwrap();
    let _ = pp.sync_with(&family).await;
    let e = pp.with(|d| d.team_remove(&team, &newcomer_id)).unwrap_err();
    assert!(crate::fr(&e).contains("ne gère pas"), "{}", crate::fr(&e));
    // The school's roster is in force on the family's device: the PP's newcomer is out again.
    assess(&newcomer, livret, "ESPLV2").unwrap();
    let _ = newcomer.sync_with(&family).await;
    let got = entries_of(&family, livret, "annee/2025");
    assert!(
        !got.iter().any(|(k, _, _)| k.contains("ESPLV2")),
        "the newcomer's entry came in after the school took the team back: {got:?}"
    );
    assert!(
        got.iter()
            .any(|(k, a, _)| k.contains("ANGLV1") && *a == newcomer_id),
        "its entry written under the PP's roster stays: {got:?}"
    );
}

/// A removal reaching devices one by one: the family's device and the PP take the removed
/// teacher's later entry before they know the new roster (the PP writes its own entry on top);
/// each drops it when the roster reaches it, the PP writes its own entry again, and every
/// session after is clean; all hold the same entries, the removed teacher's earlier one
/// included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_reaching_devices_one_by_one_leaves_every_copy_without_the_later_entry() {
    let (school, family, t, livret, team) = granted_team(3).await;
    let (pp, colleague, removed) = (&t[0], &t[1], &t[2]);
    let removed_id = removed.id();
    assess(removed, livret, "HISGEO").unwrap();
    removed.sync_with(&family).await.unwrap();
    school.with(|d| d.team_remove(&team, &removed_id)).unwrap();
    let card = school.with(|d| d.team_card(&team, None)).unwrap().text;
    // Only the colleague knows of the removal; the removed teacher writes again, and its entry
    // reaches the family's device and, through it, the PP's, which writes on top.
    colleague.with(|d| d.team_roster_receive(&card)).unwrap();
    // Signed in a later second than the removal (the removal's second still counts).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assess(removed, livret, "ANGLV1").unwrap();
    removed.sync_with(&family).await.unwrap();
    pp.sync_with(&family).await.unwrap();
    assert!(entries_of(pp, livret, "annee/2025")
        .iter()
        .any(|(k, _, _)| k.contains("ANGLV1")));
    assess(pp, livret, "FRANCS").unwrap();
    // The roster reaches the family from the colleague, then the PP from the family.
    for (a, b) in [
        (colleague, &family),
        (pp, &family),
        (pp, colleague),
        (colleague, &family),
    ] {
        let report = a.sync_with(b).await.unwrap();
        assert!(report.refused.is_empty(), "{report:?}");
    }
    let reference = entries_of(&family, livret, "annee/2025");
    assert!(
        !reference.iter().any(|(k, _, _)| k.contains("ANGLV1")),
        "{reference:?}"
    );
    assert!(
        reference
            .iter()
            .any(|(k, a, s)| k.contains("HISGEO") && *a == removed_id && s == "valid"),
        "{reference:?}"
    );
    assert!(
        reference
            .iter()
            .any(|(k, a, s)| k.contains("FRANCS") && *a == pp.id() && s == "valid"),
        "the PP's entry written on top came back: {reference:?}"
    );
    for dev in [pp, colleague] {
        assert_eq!(entries_of(dev, livret, "annee/2025"), reference);
    }
    let audit = family.with(|d| d.audit(Some(livret))).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.detail.contains("signées après son retrait")),
        "{audit:?}"
    );
}

/// Issue 15, item 6: `livret sync` with no peer dials the colleagues this device met, as it
/// dials the family's devices; a member the school removed is dialled no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_with_no_peer_dials_the_colleagues_met_once_and_not_a_removed_one() {
    let (school, family, t, livret, team) = granted_team(3).await;
    let (pp, colleague, other) = (&t[0], &t[1], &t[2]);
    // The PP's known peers hold the family only: no colleague met yet.
    let before = livret::node::known_peers(&pp.dev).unwrap();
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0].0, family.node.peer_id());

    // They meet once (the staff room), and the third member too.
    pp.sync_with(colleague).await.unwrap();
    pp.sync_with(other).await.unwrap();
    family.stop().await;

    // Later the colleague writes; the PP syncs as `livret sync` (and the app's button) does:
    // every known peer, none given. The family's device is off.
    assess(colleague, livret, "MATHEM").unwrap();
    let targets = livret::node::known_peers(&pp.dev).unwrap();
    let ids: Vec<_> = targets.iter().map(|(p, _)| *p).collect();
    assert!(ids.contains(&colleague.node.peer_id()), "{targets:?}");
    assert!(ids.contains(&other.node.peer_id()), "{targets:?}");
    let mut reached = false;
    for (peer, addrs) in targets {
        let r = livret::node::sync_with(&pp.dev, &pp.node, peer, addrs).await;
        if peer == colleague.node.peer_id() {
            let report = r.unwrap();
            assert!(report.refused.is_empty(), "{report:?}");
            reached = true;
        }
    }
    assert!(reached);
    let got = entries_of(pp, livret, "annee/2025");
    let colleague_id = colleague.id();
    assert!(
        got.iter()
            .any(|(k, a, s)| k.contains("MATHEM") && *a == colleague_id && s == "valid"),
        "{got:?}"
    );
    // The class page's status names the colleague as the author of its subject.
    let status = pp.with(|d| d.class_status("5B", 2025, "1/3", &[])).unwrap();
    let cell = status.pupils[0]
        .subjects
        .iter()
        .find(|c| c.subject == "MATHEM")
        .unwrap();
    assert_eq!(cell.author.as_deref(), Some(colleague_id.as_str()));
    assert_ne!(cell.state, livret::CellState::Missing);

    // The school removes the third member; once the PP holds that roster, it dials it no more.
    let other_id = other.id();
    school.with(|d| d.team_remove(&team, &other_id)).unwrap();
    let card = school.with(|d| d.team_card(&team, None)).unwrap().text;
    pp.with(|d| d.team_roster_receive(&card)).unwrap();
    let ids: Vec<_> = livret::node::known_peers(&pp.dev)
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(ids.contains(&colleague.node.peer_id()), "{ids:?}");
    assert!(!ids.contains(&other.node.peer_id()), "{ids:?}");
}

/// A teacher invited on its own before the team (a device grant) and a tutor outside the team
/// (a device grant too) wrote in the section the family then grants the team. A colleague that
/// receives those entries from a member can judge them: the family hands members, with the
/// team grant, the device grants of whoever may write the team's sections. No refusal between
/// members, every entry valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_written_under_device_grants_pass_between_members() {
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let pp = TestDevice::new(Role::Teacher, "Professeur principal").await;
    let colleague = TestDevice::new(Role::Teacher, "Collègue").await;
    let tutor = TestDevice::new(Role::Teacher, "Tuteur").await;
    let livret = family
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    for t in [&pp, &tutor] {
        let inv = family.invite(livret, "annee/2025", Rights::Write);
        t.accept(&inv, Some("5B")).await.unwrap();
    }
    assess(&pp, livret, "FRANCS").unwrap();
    assess(&tutor, livret, "ESPLV2").unwrap();
    for t in [&pp, &tutor] {
        let report = t.sync_with(&family).await.unwrap();
        assert!(report.refused.is_empty(), "{report:?}");
    }
    let (_team, card) = team_of(
        &school,
        &family,
        "5B",
        &[(&pp, "FRANCS"), (&colleague, "MATHEM")],
    )
    .await;
    grant_year(&family, livret, &card, Rights::Write, "2099-06-30", false).unwrap();
    let report = pp.sync_with(&family).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    // The colleague meets the PP only: the grant, then the section with the PP's and the
    // tutor's entries, both written under device grants before the team existed.
    let report = colleague.sync_with(&pp).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    assess(&pp, livret, "HISGEO").unwrap();
    let report = colleague.sync_with(&pp).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    let got = entries_of(&colleague, livret, "annee/2025");
    for subject in ["FRANCS", "ESPLV2", "HISGEO"] {
        assert!(
            got.iter()
                .any(|(k, _, s)| k.contains(subject) && s == "valid"),
            "{subject}: {got:?}"
        );
    }
    // And the other way: the colleague's entry reaches the PP, which checks it.
    assess(&colleague, livret, "MATHEM").unwrap();
    let report = pp.sync_with(&colleague).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
}

/// Issue 15, item 5: the next year. The family grants the new year's team from its card; the
/// old team's grant ends on its date and the old members purge (after the grace that lets a
/// late session finish), while the new team's member keeps the livret and the family keeps
/// every entry the old team wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_next_year_the_old_teams_grant_ends_on_its_date_and_its_members_purge() {
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let old: Vec<TestDevice> = [
        TestDevice::new(Role::Teacher, "Professeur de 5e").await,
        TestDevice::new(Role::Teacher, "Collègue de 5e").await,
    ]
    .into();
    let new = TestDevice::new(Role::Teacher, "Professeur de 4e").await;
    let livret = family
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    let members: Vec<(&TestDevice, &str)> = old.iter().zip(SUBJECTS).collect();
    let (_old_team, old_card) = team_of(&school, &family, "5B", &members).await;
    // This school year's team: until the end of the month.
    let until = family.with(|d| Ok::<_, livret::Error>(d.now())).unwrap() + 20 * 86_400;
    let until = livret::core::vocab::Date::from_unix_seconds(until)
        .unwrap()
        .to_string();
    grant_year(&family, livret, &old_card, Rights::Write, &until, false).unwrap();
    for t in &old {
        t.sync_with(&family).await.unwrap();
    }
    assess(&old[0], livret, "FRANCS").unwrap();
    old[0].sync_with(&family).await.unwrap();
    // The next year's team, granted from its card.
    let (_new_team, new_card) = team_of(&school, &family, "4B", &[(&new, "MATHEM")]).await;
    grant_year(
        &family,
        livret,
        &new_card,
        Rights::Write,
        "2099-06-30",
        false,
    )
    .unwrap();
    new.sync_with(&family).await.unwrap();
    // Two months later: the old grant has ended (grace included); its members purge.
    for t in old.iter().chain([&new]) {
        t.with(|d| d.set_clock_offset_for_tests(60 * 86_400));
    }
    for t in &old {
        assert_eq!(t.with(|d| d.purge()).unwrap(), vec![livret]);
        assert!(t.with(|d| d.list()).unwrap().is_empty());
    }
    assert!(new.with(|d| d.purge()).unwrap().is_empty());
    assert_eq!(new.with(|d| d.list()).unwrap().len(), 1);
    // The new member holds the old team's entry (from the family), verified.
    let got = entries_of(&new, livret, "annee/2025");
    assert!(
        got.iter()
            .any(|(k, a, s)| k.contains("FRANCS") && *a == old[0].id() && s == "valid"),
        "{got:?}"
    );
}
