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
        .find(|s| s.section.to_string() == "annee/2025")
        .expect("section arrived");
    let entry = &year.entries[0];
    assert_eq!(entry.key, "bilan/1-3/FRANCS");
    assert_eq!(entry.signature.as_str(), "valid");
    assert_eq!(entry.author_name.as_deref(), Some("M. Martin"));
    assert_eq!(
        entry.author.as_deref(),
        Some(teacher.with(|d| d.device_id().to_string()).as_str())
    );
    assert_eq!(entry.content_json()["appreciation"], APPRECIATION);
    let verify = family.with(|d| d.verify(livret)).unwrap();
    assert!(verify.failures.is_empty(), "{verify:?}");
    // The teacher's copy does not hold the family's identity section.
    let t_sections = teacher.with(|d| d.list()).unwrap()[0].sections.clone();
    assert!(
        !t_sections.contains(&"identite".to_string()),
        "{t_sections:?}"
    );
}

fn entries_of(dev: &TestDevice, livret: livret::core::LivretId) -> Vec<(String, String, Vec<u8>)> {
    let mut v: Vec<(String, String, Vec<u8>)> = dev
        .with(|d| d.signed_entries(livret))
        .unwrap()
        .into_iter()
        .map(|(s, k, e)| (s.to_string(), k, e.to_bytes()))
        .collect();
    v.sort();
    v
}

fn audit_has(
    dev: &TestDevice,
    livret: livret::core::LivretId,
    action: &str,
    outcome: &str,
) -> bool {
    dev.with(|d| d.audit(Some(livret)))
        .unwrap()
        .iter()
        .any(|a| a.action == action && a.outcome == outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_refused_the_second_time_and_after_its_expiry() {
    let family = TestDevice::new(Role::Family, "Papa").await;
    let first = TestDevice::new(Role::Teacher, "Mme Leroy").await;
    let second = TestDevice::new(Role::Teacher, "M. Intrus").await;
    let livret = family
        .with(|d| d.add_child("Noé Bernard", "2013-11-20", None))
        .unwrap();
    let inv = family.invite(livret, "annee/2025", Rights::Write);
    first.accept(&inv, None).await.unwrap();
    // A photographed invitation is useless once used.
    let err = second.accept(&inv, None).await.unwrap_err();
    assert!(crate::fr(&err).contains("invitation"), "{err}");
    assert!(second.with(|d| d.list()).unwrap().is_empty());

    // An invitation used after its expiry (the family's clock moved 16 minutes on).
    let late = family.invite(livret, "annee/2025", Rights::Read);
    family.with(|d| d.set_clock_offset_for_tests(16 * 60));
    let err = second.accept(&late, None).await.unwrap_err();
    assert!(crate::fr(&err).contains("expirée"), "{err}");
    assert!(second.with(|d| d.list()).unwrap().is_empty());
    let grants = family.with(|d| d.grants(livret)).unwrap();
    assert_eq!(grants.len(), 1, "only the first teacher holds a grant");
    assert!(audit_has(&family, livret, "redeem", "refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_teacher_who_writes_is_refused_and_nothing_changes() {
    let family = TestDevice::new(Role::Family, "Maman").await;
    let reader = TestDevice::new(Role::Teacher, "M. Lecteur").await;
    let livret = family
        .with(|d| d.add_child("Inès Garcia", "2012-05-09", None))
        .unwrap();
    // Something to read, written by the family (an owner may write).
    livret_tests::write_subject_unchecked(
        &family,
        livret,
        "1/3",
        "FRANCS",
        4,
        "Excellent trimestre.",
    );
    let inv = family.invite(livret, "annee/2025", Rights::Read);
    reader.accept(&inv, None).await.unwrap();
    assert_eq!(
        entries_of(&reader, livret).len(),
        1,
        "the reader received the section"
    );

    // The local policy refuses...
    let err = reader
        .with(|d| {
            d.assess(
                livret,
                2025,
                "1/3",
                "MATHEM",
                None,
                Some(2),
                None,
                "Doit travailler.",
            )
        })
        .unwrap_err();
    assert!(crate::fr(&err).contains("lecture seule"), "{err}");
    // ...and a modified client that writes anyway is refused by the family.
    let before = entries_of(&family, livret);
    let draft = livret::core::content::synthesis(
        livret::core::vocab::Millesime::new(2025).unwrap(),
        livret::core::vocab::Period::parse("1/3").unwrap(),
        &livret::core::vocab::Synthesis::parse("Je m'autorise à écrire.").unwrap(),
    );
    reader
        .with(|d| d.write_draft_unchecked(livret, &draft))
        .unwrap();
    // An honest reader's device sends no changes at all (only requests)...
    let report = reader.sync_with(&family).await.unwrap();
    assert_eq!(report.sent_changes, 0, "{report:?}");
    assert_eq!(entries_of(&family, livret), before);
    // ...and a modified client that sends them anyway is refused.
    reader.with(|d| d.send_changes_without_right_for_tests());
    let report = reader.sync_with(&family).await.unwrap();
    assert!(report.had_refusals(), "{report:?}");
    assert_eq!(
        entries_of(&family, livret),
        before,
        "the family's data is unchanged"
    );
    assert!(audit_has(&family, livret, "refused", "refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_outside_the_grant_or_over_another_teachers_entry_is_refused_whole() {
    let family = TestDevice::new(Role::Family, "Maman").await;
    let a = TestDevice::new(Role::Teacher, "Mme A").await;
    let b = TestDevice::new(Role::Teacher, "M. B").await;
    let livret = family
        .with(|d| d.add_child("Sacha Petit", "2013-01-15", None))
        .unwrap();
    a.accept(&family.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    b.accept(&family.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    a.with(|d| {
        d.assess(
            livret,
            2025,
            "1/3",
            "FRANCS",
            None,
            Some(3),
            None,
            "Bon travail.",
        )
    })
    .unwrap();
    a.sync_with(&family).await.unwrap();
    b.sync_with(&family).await.unwrap();
    assert_eq!(entries_of(&b, livret).len(), 1, "B received A's entry");
    let before = entries_of(&family, livret);

    // A section not granted: the local policy refuses, a modified client is refused remotely.
    assert!(a
        .with(|d| d.cycle(
            livret,
            4,
            2025,
            "CPD_FRA=3,CPD_ETR=3,CPD_SCI=3,CPD_ART=3,MET_APP=3,FRM_CIT=3,SYS_NAT=3,REP_MND=3",
            "Bien."
        ))
        .is_err());
    let cycle = livret::core::content::cycle(
        livret::core::vocab::Cycle::from_value(4).unwrap(),
        livret::core::vocab::Millesime::new(2025).unwrap(),
        &livret::core::vocab::SocleLevels::parse(
            "CPD_FRA=3,CPD_ETR=3,CPD_SCI=3,CPD_ART=3,MET_APP=3,FRM_CIT=3,SYS_NAT=3,REP_MND=3",
        )
        .unwrap(),
        &livret::core::vocab::CycleSynthesis::parse("Cycle validé.").unwrap(),
    );
    a.with(|d| d.write_draft_unchecked(livret, &cycle)).unwrap();
    let report = a.sync_with(&family).await.unwrap();
    assert!(report.had_refusals(), "{report:?}");
    assert_eq!(entries_of(&family, livret), before);

    // B writes a legitimate entry and overwrites A's in the same batch: refused whole.
    b.with(|d| {
        d.assess(
            livret,
            2025,
            "1/3",
            "HISGEO",
            None,
            Some(2),
            None,
            "Peut mieux faire.",
        )
    })
    .unwrap();
    b.with(|d| {
        d.assess(
            livret,
            2025,
            "1/3",
            "FRANCS",
            None,
            Some(1),
            None,
            "Remplacé par B.",
        )
    })
    .unwrap();
    let report = b.sync_with(&family).await.unwrap();
    assert!(report.had_refusals(), "{report:?}");
    assert_eq!(
        entries_of(&family, livret),
        before,
        "nothing of B's batch was kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_revocation_nothing_more_is_sent_and_the_teacher_purges() {
    let family = TestDevice::new(Role::Family, "Maman").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    teacher
        .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    teacher
        .with(|d| d.assess(livret, 2025, "1/3", "FRANCS", None, Some(3), None, "Bien."))
        .unwrap();
    teacher.sync_with(&family).await.unwrap();
    // An idle session stays open while the family revokes.
    let mut open = teacher
        .node
        .open_session(family.node.peer_id(), vec![family.addr()])
        .await
        .unwrap();

    let grant = family.with(|d| d.grants(livret)).unwrap()[0]
        .grant_id
        .clone();
    family.with(|d| d.revoke(&grant)).unwrap();
    // Written after the revocation: must never reach the teacher.
    livret_tests::write_subject_unchecked(&family, livret, "2/3", "FRANCS", 4, "Secret d'après.");

    // The open session is closed by the family's node within a few seconds.
    let closed = tokio::time::timeout(std::time::Duration::from_secs(8), open.recv()).await;
    assert!(
        matches!(closed, Ok(Ok(None)) | Ok(Err(_))),
        "open session still open: {closed:?}"
    );

    let sent_before = family
        .with(|d| d.audit(Some(livret)))
        .unwrap()
        .iter()
        .filter(|a| a.action == "sent")
        .count();
    let report = teacher.sync_with(&family).await.unwrap();
    assert_eq!(report.received_changes, 0, "{report:?}");
    assert_eq!(report.purged.len(), 1, "{report:?}");
    assert!(
        teacher.with(|d| d.list()).unwrap().is_empty(),
        "the teacher purged the livret"
    );
    assert!(!livret_tests::contains(
        &teacher.raw_home_bytes(),
        "Secret d'après"
    ));
    let sent_after = family
        .with(|d| d.audit(Some(livret)))
        .unwrap()
        .iter()
        .filter(|a| a.action == "sent")
        .count();
    assert_eq!(
        sent_before, sent_after,
        "no section was sent after the revocation"
    );
    // The next session is refused too (the teacher holds nothing now, a stranger).
    let again = teacher.sync_with(&family).await.unwrap();
    assert!(again.synced.is_empty());
    assert!(audit_has(&family, livret, "revoked", "accepted"));
    assert!(audit_has(&teacher, livret, "purged", "accepted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_teachers_writing_concurrently_converge_with_the_family() {
    let family = TestDevice::new(Role::Family, "Maman").await;
    let a = TestDevice::new(Role::Teacher, "Mme A").await;
    let b = TestDevice::new(Role::Teacher, "M. B").await;
    let livret = family
        .with(|d| d.add_child("Tom Roux", "2013-07-04", None))
        .unwrap();
    a.accept(
        &family.invite(livret, "annee/2025,vie-scolaire/2025", Rights::Write),
        None,
    )
    .await
    .unwrap();
    b.accept(&family.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    for (subject, level) in [("FRANCS", 3), ("ANGLV1", 2)] {
        a.with(|d| {
            d.assess(
                livret,
                2025,
                "1/3",
                subject,
                None,
                Some(level),
                None,
                "Travail régulier.",
            )
        })
        .unwrap();
    }
    a.with(|d| d.vie_scolaire(livret, 2025, "1/3", 1, 2, 0))
        .unwrap();
    for (subject, level) in [("MATHEM", 4), ("PHYCHI", 3)] {
        b.with(|d| {
            d.assess(
                livret,
                2025,
                "1/3",
                subject,
                None,
                Some(level),
                None,
                "Très bien.",
            )
        })
        .unwrap();
    }
    let (ra, rb) = tokio::join!(a.sync_with(&family), b.sync_with(&family));
    ra.unwrap();
    rb.unwrap();
    a.sync_with(&family).await.unwrap();
    b.sync_with(&family).await.unwrap();
    let fam: Vec<_> = entries_of(&family, livret)
        .into_iter()
        .filter(|(s, _, _)| s == "annee/2025")
        .collect();
    assert_eq!(fam.len(), 4);
    let in_a: Vec<_> = entries_of(&a, livret)
        .into_iter()
        .filter(|(s, _, _)| s == "annee/2025")
        .collect();
    let in_b = entries_of(&b, livret);
    assert_eq!(fam, in_a);
    assert_eq!(fam, in_b);
    assert!(family
        .with(|d| d.verify(livret))
        .unwrap()
        .failures
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_parents_are_owners_and_a_revocation_on_either_holds_on_both() {
    let parent1 = TestDevice::new(Role::Family, "Maman").await;
    let parent2 = TestDevice::new(Role::Family, "Papa").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = parent1
        .with(|d| d.add_child("Jade Faure", "2012-09-30", None))
        .unwrap();
    let owner_inv = parent1.invite(livret, "identite", Rights::Owner);
    parent2.accept(&owner_inv, None).await.unwrap();
    let list = parent2.with(|d| d.list()).unwrap();
    assert_eq!(list[0].relation, livret::Relation::Owner);
    assert!(list[0].sections.contains(&"identite".to_string()));

    teacher
        .accept(&parent1.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    // Parent 2 learns of the grant from parent 1, then revokes it.
    parent2.sync_with(&parent1).await.unwrap();
    let grants = parent2.with(|d| d.grants(livret)).unwrap();
    assert_eq!(grants.len(), 1);
    parent2.with(|d| d.revoke(&grants[0].grant_id)).unwrap();
    // The revocation reaches parent 1, whose device then refuses the teacher.
    parent1.sync_with(&parent2).await.unwrap();
    assert!(parent1.with(|d| d.grants(livret)).unwrap()[0].revoked);
    let report = teacher.sync_with(&parent1).await.unwrap();
    assert_eq!(report.purged.len(), 1, "{report:?}");
    assert!(teacher.with(|d| d.list()).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_without_a_grant_receives_no_section_data() {
    use livret_net::protocol::{ByteBuf, Frame, Hello, HelloLivret};
    let family = TestDevice::new(Role::Family, "Maman").await;
    let stranger = TestDevice::new(Role::Teacher, "Inconnu").await;
    let livret = family
        .with(|d| d.add_child("Léa Blanc", "2014-02-11", None))
        .unwrap();
    livret_tests::write_subject_unchecked(
        &family,
        livret,
        "1/3",
        "FRANCS",
        3,
        "Très confidentiel.",
    );
    // Through the normal path: nothing concerns it.
    let report = stranger.sync_with(&family).await.unwrap();
    assert!(
        report.synced.is_empty() && report.received_changes == 0,
        "{report:?}"
    );
    // By hand, naming the livret id it guessed and asking for its sections.
    let mut s = stranger
        .node
        .open_session(family.node.peer_id(), vec![family.addr()])
        .await
        .unwrap();
    let hello = Frame::Hello(Hello {
        name: "Inconnu".into(),
        role: "teacher".into(),
        livrets: vec![HelloLivret {
            livret: livret.0,
            docs: vec![
                ("annee/2025".into(), vec![]),
                ("identite".into(), vec![]),
                ("manifest".into(), vec![]),
            ],
            erasures: vec![],
        }],
    });
    s.send(&hello.encode()).await.unwrap();
    let mut doc = livret::core::doc::SectionDoc::new();
    let mut state = automerge::sync::State::new();
    let (msg, _) = doc.generate_sync_message(&mut state).unwrap();
    let ask = Frame::Sync(livret_net::protocol::SyncMessage {
        livret: livret.0,
        target: "annee/2025".into(),
        message: ByteBuf::from(msg),
    });
    // The family may already have closed the session: these sends may fail.
    let _ = s.send(&ask.encode()).await;
    let _ = s.send(&Frame::EndRound(1).encode()).await;
    // An empty hello (no livret, no name, no role) and nothing more.
    let mut got = Vec::new();
    while let Ok(Some(bytes)) = s.recv().await {
        got.push(Frame::decode(&bytes).unwrap());
    }
    assert!(
        matches!(got.as_slice(), [Frame::Hello(h)] if h.livrets.is_empty() && h.name.is_empty()),
        "a stranger got more than an empty hello: {got:?}"
    );
    assert!(audit_has(&family, livret, "refused", "refused"));
}

/// Opening a teacher's store decodes only the manifests whose recorded grant period (`cover`)
/// does not say a grant is live now: the livrets stay while their grants last and go once
/// they end, as when every manifest was decoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grantee_keeps_its_livrets_while_their_grants_last_and_purges_them_after() {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let inv = family.invite(livret, "annee/2025,vie-scolaire/2025", Rights::Write);
    teacher.accept(&inv, Some("5B")).await.unwrap();
    // Each opening keeps it: the first decodes the manifest and records its period, the next
    // ones read that period.
    let teacher = teacher.switch_off().await.switch_on().await;
    let teacher = teacher.switch_off().await.switch_on().await;
    assert_eq!(teacher.with(|d| d.list()).unwrap().len(), 1);
    assert!(teacher.with(|d| d.purge()).unwrap().is_empty());
    // Before the grant began (a clock set back), then after it ended (the invitation's grant
    // ends in 2099): no grant is live, whatever period was recorded.
    teacher.with(|d| d.set_clock_offset_for_tests(-2 * 24 * 3600));
    assert_eq!(teacher.with(|d| d.purge()).unwrap(), vec![livret]);
    assert!(teacher.with(|d| d.list()).unwrap().is_empty());

    let second = TestDevice::new(Role::Teacher, "Mme Durand").await;
    let inv = family.invite(livret, "annee/2025", Rights::Write);
    second.accept(&inv, Some("5B")).await.unwrap();
    assert!(second.with(|d| d.purge()).unwrap().is_empty());
    let second = second.switch_off().await.switch_on().await;
    assert_eq!(second.with(|d| d.list()).unwrap().len(), 1);
    second.with(|d| d.set_clock_offset_for_tests(80 * 366 * 24 * 3600));
    assert_eq!(second.with(|d| d.purge()).unwrap(), vec![livret]);
    assert!(second.with(|d| d.list()).unwrap().is_empty());
}
