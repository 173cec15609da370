//! Issue 8, point 4: the recovery sheet. Real nodes on 127.0.0.1, one home per device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::recovery::{RecoveryKey, RECOVERY_OWNER_NAME};
use livret::core::{LivretId, Role};
use livret::recovery::{restore, restore_with_proof};
use livret_tests::TestDevice;

const APPRECIATION: &str = "Travail régulier, belle progression à l'oral.";

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

async fn invite_owner(from: &TestDevice, to: &TestDevice, livret: LivretId) {
    let addrs = from.addresses();
    let inv = from
        .with(|d| d.invite(livret, &[], Rights::Owner, "2099-06-30", 15, addrs))
        .unwrap()
        .invitation;
    let report = to.accept(&inv, None).await.unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
}

/// A restore by `new` from `holder` that must be refused: its error.
async fn restore_refused(
    new: &TestDevice,
    holder: &TestDevice,
    key: &RecoveryKey,
) -> livret::Error {
    restore(
        &new.dev,
        &new.node,
        holder.node.peer_id(),
        vec![holder.addr()],
        key,
    )
    .await
    .unwrap_err()
}

/// Like [`restore_refused`], with a proof made beforehand.
async fn refused_with_proof(
    new: &TestDevice,
    holder: &TestDevice,
    proof: livret::core::recovery::RecoveryProof,
) -> livret::Error {
    restore_with_proof(
        &new.dev,
        &new.node,
        holder.node.peer_id(),
        vec![holder.addr()],
        proof,
    )
    .await
    .unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_device_gets_every_livret_back_from_the_other_parent_with_the_recovery_words() {
    let mom = TestDevice::new(Role::Family, "Maman").await;
    let dad = TestDevice::new(Role::Family, "Papa").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;

    // One livret before the sheet, one after: both must be owned by the recovery key.
    let lina = mom
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let sheet = mom.with(|d| d.recovery_print()).unwrap();
    assert_eq!(sheet.words.len(), 24);
    assert_eq!(sheet.livrets, vec![lina.to_string()]);
    let noe = mom
        .with(|d| d.add_child("Noé Moreau", "2017-09-12", None))
        .unwrap();
    let recovery_key = RecoveryKey::from_words(&sheet.words.join(" ")).unwrap();
    assert_eq!(recovery_key.public().to_string(), sheet.public_key);
    for l in [lina, noe] {
        let m = mom.with(|d| d.grants(l)).unwrap();
        assert!(m.is_empty());
        let shown = mom.with(|d| d.export_json(l)).unwrap();
        let owners: Vec<&str> = shown["manifest"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["record"]["type"] == "owner")
            .map(|r| r["record"]["name"].as_str().unwrap())
            .collect();
        assert!(owners.contains(&RECOVERY_OWNER_NAME), "{l}: {owners:?}");
    }

    // The sheet: one page, the 24 words readable by pdftotext.
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = dir.path().join("secours.pdf");
    let pdf = sheet.pdf("Maman", "2025-09-01").unwrap();
    std::fs::write(&pdf_path, &pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&pdf_path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(out.status.success());
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.contains("Feuille de secours"), "{text}");
            for (i, w) in sheet.words.iter().enumerate() {
                assert!(
                    text.contains(w.as_str()),
                    "word {} « {w} » missing:\n{text}",
                    i + 1
                );
            }
        }
        Err(_) => eprintln!("pdftotext absent: PDF text not checked"),
    }

    // Dad becomes an owner of both; a teacher writes in Lina's livret.
    invite_owner(&mom, &dad, lina).await;
    invite_owner(&mom, &dad, noe).await;
    let addrs = mom.addresses();
    let inv = mom
        .with(|d| {
            d.invite(
                lina,
                &livret::core::Section::parse_list("annee/2025").unwrap(),
                Rights::Write,
                "2099-06-30",
                15,
                addrs,
            )
        })
        .unwrap()
        .invitation;
    teacher.accept(&inv, Some("5B")).await.unwrap();
    teacher
        .with(|d| {
            d.assess(
                lina,
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
    teacher.sync_with(&mom).await.unwrap();
    let r = dad.sync_with(&mom).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    assert_eq!(entries_of(&dad, lina), entries_of(&mom, lina));
    assert_eq!(entries_of(&dad, lina).len(), 2);

    // Mom's phone is lost.
    mom.stop().await;

    // Refusals first: nothing is stored on either side.
    let stranger = TestDevice::new(Role::Family, "Inconnu").await;
    // Wrong words: the checksum catches them before anything is sent.
    let mut wrong: Vec<String> = sheet.words.to_vec();
    wrong.swap(3, 7);
    if wrong != *sheet.words {
        let err = RecoveryKey::from_words(&wrong.join(" ")).unwrap_err();
        assert!(crate::fr(&err).contains("mots de secours"), "{err}");
    }
    // A key that owns nothing on the holder.
    let other_key = RecoveryKey::from_entropy(&[5u8; 32]);
    let err = restore_refused(&stranger, &dad, &other_key).await;
    assert!(crate::fr(&err).contains("aucun livret"), "{err}");
    // A proof made for another device, replayed by this one.
    let new = TestDevice::new(Role::Family, "Maman (nouveau téléphone)").await;
    let now = new.with(|d| d.now());
    let proof_for_new = recovery_key.prove(&new.with(|d| d.device_id()), now);
    let err = refused_with_proof(&stranger, &dad, proof_for_new).await;
    assert!(
        crate::fr(&err).contains("pas été faite pour cet appareil"),
        "{err}"
    );
    // A stale proof (an hour old).
    let stale = recovery_key.prove(&stranger.with(|d| d.device_id()), now - 3600);
    let err = refused_with_proof(&stranger, &dad, stale).await;
    assert!(crate::fr(&err).contains("périmée"), "{err}");
    // A teacher's device checks the proof as the family's does (restoring from a teacher's
    // copy: see the next test).
    let stale = recovery_key.prove(&stranger.with(|d| d.device_id()), now - 3600);
    let err = refused_with_proof(&stranger, &teacher, stale).await;
    assert!(crate::fr(&err).contains("périmée"), "{err}");
    assert!(stranger.with(|d| d.list()).unwrap().is_empty());
    for l in [lina, noe] {
        let owners: Vec<String> = dad.with(|d| d.export_json(l)).unwrap()["manifest"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["record"]["owner"].as_str().map(str::to_string))
            .collect();
        assert!(!owners.contains(&stranger.id()), "{owners:?}");
    }
    let audit = dad.with(|d| d.audit(None)).unwrap();
    let refused = audit
        .iter()
        .filter(|a| a.action == "recover" && a.outcome == "refused")
        .count();
    assert!(refused >= 3, "{audit:?}");

    // The real restore, from Dad's phone.
    let report = restore(
        &new.dev,
        &new.node,
        dad.node.peer_id(),
        vec![dad.addr()],
        &recovery_key,
    )
    .await
    .unwrap();
    let mut got = report.livrets.clone();
    got.sort();
    let mut want = vec![lina.to_string(), noe.to_string()];
    want.sort();
    assert_eq!(got, want);
    assert!(report.session.refused.is_empty(), "{report:?}");
    let list = new.with(|d| d.list()).unwrap();
    assert_eq!(list.len(), 2);
    let names: Vec<Option<String>> = list.iter().map(|l| l.name.clone()).collect();
    assert!(names.contains(&Some("Lina Moreau".into())), "{names:?}");
    for l in [lina, noe] {
        assert_eq!(entries_of(&new, l), entries_of(&dad, l));
        let v = new.with(|d| d.verify(l)).unwrap();
        assert!(v.failures.is_empty(), "{v:?}");
        assert_eq!(v.valid, v.checked);
    }
    assert_eq!(
        new.with(|d| d.recovery_key()).unwrap(),
        Some(recovery_key.public())
    );
    // Audited on both sides.
    assert!(dad
        .with(|d| d.audit(None))
        .unwrap()
        .iter()
        .any(|a| a.action == "recover" && a.outcome == "accepted"));
    assert!(new
        .with(|d| d.audit(None))
        .unwrap()
        .iter()
        .any(|a| a.action == "recover" && a.outcome == "accepted"));

    // The new device is an owner: its manifest records are accepted by Dad's device. No
    // device replaces the sheet alone (issue 13, finding 1): the current words name the new
    // key.
    assert!(new.with(|d| d.recovery_print()).is_err());
    let sheet2 = new.with(|d| d.recovery_replace(&recovery_key)).unwrap();
    assert_eq!(sheet2.livrets.len(), 2);
    let r = new.sync_with(&dad).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    let dad_view = dad.with(|d| d.export_json(lina)).unwrap();
    assert!(dad_view["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["record"]["owner"] == sheet2.public_key.as_str()
            && r["record"]["issuer"] == recovery_key.public().to_string().as_str()));
    // And it can invite (an owner's act).
    let addrs = new.addresses();
    new.with(|d| d.invite(noe, &[], Rights::Owner, "2099-06-30", 15, addrs))
        .unwrap();

    // The new sheet replaced the first one: once Dad's device knows, the old words restore
    // nothing more, while the devices they restored stay owners.
    let late = TestDevice::new(Role::Family, "Téléphone trouvé").await;
    let err = restore_refused(&late, &dad, &recovery_key).await;
    assert!(crate::fr(&err).contains("aucun livret"), "{err}");
    assert!(late.with(|d| d.list()).unwrap().is_empty());
    let addrs = new.addresses();
    new.with(|d| d.invite(lina, &[], Rights::Owner, "2099-06-30", 15, addrs))
        .unwrap();
}

/// The owner records of a livret as `device` holds them: (owner, issuer).
fn owners_of(dev: &TestDevice, livret: LivretId) -> Vec<(String, String)> {
    dev.with(|d| d.export_json(livret)).unwrap()["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["record"]["type"] == "owner")
        .map(|r| {
            (
                r["record"]["owner"].as_str().unwrap().to_string(),
                r["record"]["issuer"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn recover_audits(dev: &TestDevice, outcome: &str) -> usize {
    dev.with(|d| d.audit(None))
        .unwrap()
        .iter()
        .filter(|a| a.action == "recover" && a.outcome == outcome)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_device_restores_what_a_teacher_was_granted_from_the_teachers_copy() {
    let mom = TestDevice::new(Role::Family, "Maman").await;
    let dad = TestDevice::new(Role::Family, "Papa").await;
    let early = TestDevice::new(Role::Teacher, "Mme Petit").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let other = TestDevice::new(Role::Teacher, "Mme Durand").await;

    let lina = mom
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    // A teacher granted before the sheet was printed: its copy of the manifest never learns
    // the recovery key.
    let inv = mom.invite(lina, "annee/2025", Rights::Read);
    early.accept(&inv, Some("5B")).await.unwrap();
    let sheet = mom.with(|d| d.recovery_print()).unwrap();
    let recovery_key = RecoveryKey::from_words(&sheet.words.join(" ")).unwrap();
    // Dad becomes an owner (and learns the recovery key's owner record).
    invite_owner(&mom, &dad, lina).await;

    // Two teachers write in annee/2025; M. Martin's copy gets Mme Durand's entry through
    // Mom's device.
    let inv = mom.invite(lina, "annee/2025", Rights::Write);
    teacher.accept(&inv, Some("5B")).await.unwrap();
    let inv = mom.invite(lina, "annee/2025", Rights::Write);
    other.accept(&inv, Some("5B")).await.unwrap();
    // Dad's phone syncs once at the start of the year (it learns both grants), then not
    // again before Mom's phone is lost: the teachers' entries are not on it. (A grant known
    // only to the lost phone would be lost with it: Dad's device would then refuse, as from
    // any peer, entries whose author it does not know.)
    let r = dad.sync_with(&mom).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    teacher
        .with(|d| {
            d.assess(
                lina,
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
    other
        .with(|d| {
            d.assess(
                lina,
                2025,
                "1/3",
                "MATHEM",
                None,
                Some(2),
                None,
                "Des progrès réguliers en calcul mental.",
            )
        })
        .unwrap();
    let r = other.sync_with(&mom).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    let r = teacher.sync_with(&mom).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    let annee: Vec<(String, String, Vec<u8>)> = entries_of(&mom, lina)
        .into_iter()
        .filter(|(s, _, _)| s == "annee/2025")
        .collect();
    assert_eq!(annee.len(), 2);
    assert_eq!(entries_of(&teacher, lina), annee);
    assert!(entries_of(&dad, lina)
        .iter()
        .all(|(s, _, _)| s != "annee/2025"));

    // Mom's phone is lost.
    mom.stop().await;

    // Refusals by teachers' devices: nothing is stored on either side.
    let stranger = TestDevice::new(Role::Family, "Inconnu").await;
    let new = TestDevice::new(Role::Family, "Maman (nouveau téléphone)").await;
    let now = new.with(|d| d.now());
    // A proof made for another device, replayed by this one.
    let proof_for_new = recovery_key.prove(&new.with(|d| d.device_id()), now);
    let err = refused_with_proof(&stranger, &teacher, proof_for_new).await;
    assert!(
        crate::fr(&err).contains("pas été faite pour cet appareil"),
        "{err}"
    );
    // A stale proof (an hour old).
    let stale = recovery_key.prove(&stranger.with(|d| d.device_id()), now - 3600);
    let err = refused_with_proof(&stranger, &teacher, stale).await;
    assert!(crate::fr(&err).contains("périmée"), "{err}");
    // A teacher whose manifest does not know the recovery key (printed after its grant).
    let err = restore_refused(&new, &early, &recovery_key).await;
    assert!(crate::fr(&err).contains("aucun livret"), "{err}");
    assert!(stranger.with(|d| d.list()).unwrap().is_empty());
    assert!(new.with(|d| d.list()).unwrap().is_empty());
    assert_eq!(new.with(|d| d.recovery_key()).unwrap(), None);
    for (holder, who) in [(&teacher, &stranger), (&teacher, &new), (&early, &new)] {
        let owners = owners_of(holder, lina);
        assert!(owners.iter().all(|(o, _)| *o != who.id()), "{owners:?}");
    }
    assert_eq!(recover_audits(&teacher, "refused"), 2);
    assert_eq!(recover_audits(&early, "refused"), 1);

    // The real restore, from M. Martin's device. Its copy holds Mme Durand's entry, whose
    // author the records it hands over (its own grant) do not allow: a restoring device keeps
    // only entries whose authors those records allow, so annee/2025 is refused whole (issue 13,
    // finding 9) and comes back once the new device knows her grant from another family device.
    let report = restore(
        &new.dev,
        &new.node,
        teacher.node.peer_id(),
        vec![teacher.addr()],
        &recovery_key,
    )
    .await
    .unwrap();
    assert_eq!(report.livrets, vec![lina.to_string()]);
    assert!(
        report
            .session
            .refused
            .iter()
            .any(|r| r.target.as_deref() == Some("annee/2025")),
        "{report:?}"
    );
    assert!(entries_of(&new, lina).is_empty());
    let list = new.with(|d| d.list()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].relation, livret::Relation::Owner);
    assert_eq!(list[0].name.as_deref(), Some("Lina Moreau"));
    assert_eq!(
        new.with(|d| d.recovery_key()).unwrap(),
        Some(recovery_key.public())
    );
    // It signed its own owner record with the recovery key; the teacher's device recorded it.
    let mine = (new.id(), recovery_key.public().to_string());
    assert!(owners_of(&new, lina).contains(&mine));
    assert!(owners_of(&teacher, lina).contains(&mine));
    assert_eq!(recover_audits(&teacher, "accepted"), 1);
    assert_eq!(recover_audits(&new, "accepted"), 1);
    // It is an owner: it can invite.
    new.invite(lina, "annee/2025", Rights::Read);

    // Dad's phone meets the new device (Dad dials): the new device introduces itself, Dad's
    // device checks its owner record is signed by the recovery key, an owner, and the ordinary
    // owner sync runs both ways. Dad's manifest brings Mme Durand's grant.
    let r = dad.sync_with(&new).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    assert!(owners_of(&dad, lina).contains(&mine));
    assert_eq!(entries_of(&dad, lina), entries_of(&new, lina));
    assert!(entries_of(&new, lina)
        .iter()
        .any(|(s, _, _)| s == "identite"));

    // The teacher's device still works, and now sends its copy and its new writes to the new
    // device: every author is known, Mme Durand's entry comes back, byte for byte.
    teacher
        .with(|d| {
            d.assess(
                lina,
                2025,
                "2/3",
                "FRANCS",
                None,
                Some(4),
                None,
                "Très bon trimestre, lecture à voix haute assurée.",
            )
        })
        .unwrap();
    let r = teacher.sync_with(&new).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    let annee_of = |dev: &TestDevice| -> Vec<(String, String, Vec<u8>)> {
        entries_of(dev, lina)
            .into_iter()
            .filter(|(s, _, _)| s == "annee/2025")
            .collect()
    };
    assert_eq!(annee_of(&new), entries_of(&teacher, lina));
    assert_eq!(annee_of(&new).len(), 3);
    assert!(annee.iter().all(|e| annee_of(&new).contains(e)));
    let unknown_authors = |dev: &TestDevice| -> Vec<String> {
        dev.with(|d| d.show(lina))
            .unwrap()
            .sections
            .iter()
            .flat_map(|s| s.entries.iter())
            .filter(|e| e.signature.as_str() == "unknown-author")
            .filter_map(|e| e.author.clone())
            .collect()
    };
    assert!(unknown_authors(&new).is_empty());
    let v = new.with(|d| d.verify(lina)).unwrap();
    assert!(v.failures.is_empty(), "{v:?}");
    // And the other way round, with nothing left to introduce.
    let r = new.sync_with(&dad).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    assert_eq!(entries_of(&dad, lina), entries_of(&new, lina));
    assert!(dad
        .with(|d| d.audit(None))
        .unwrap()
        .iter()
        .any(|a| a.action == "introduced" && a.outcome == "accepted"));
}
