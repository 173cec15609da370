//! Issue 13, findings 7, 3 and 1: when a revocation takes effect, what teachers learn of the
//! family's owner devices, and who may take a livret from the family. Real nodes on
//! 127.0.0.1, one home per device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{LivretId, Role, Section};
use livret_tests::{contains, write_subject_unchecked, TestDevice};

fn assess(dev: &TestDevice, livret: LivretId, subject: &str, text: &str) {
    dev.with(|d| d.assess(livret, 2025, "1/3", subject, None, Some(3), None, text))
        .unwrap();
}

/// The whole history of `annee/2025` as `dev` decrypts it.
fn history(dev: &TestDevice, livret: LivretId) -> Vec<u8> {
    dev.with(|d| d.section_history_bytes(livret, Section::Annee(2025)))
        .unwrap()
        .unwrap_or_default()
}

/// The entries `dev` shows, as (key, text) pairs.
fn shown(dev: &TestDevice, livret: LivretId) -> Vec<String> {
    let view = dev.with(|d| d.show(livret)).unwrap();
    let mut v: Vec<String> = view
        .sections
        .iter()
        .flat_map(|s| {
            s.entries.iter().map(|e| {
                format!(
                    "{} {} {}",
                    e.key,
                    e.signature.as_str(),
                    livret::Localized::localized(e, livret::Lang::Fr)
                )
            })
        })
        .collect();
    v.sort();
    v
}

fn grant_of(family: &TestDevice, livret: LivretId, audience: &TestDevice) -> String {
    let who = audience.id();
    family
        .with(|d| d.grants(livret))
        .unwrap()
        .into_iter()
        .find(|g| g.audience == who)
        .unwrap()
        .grant_id
}

mod finding_7 {
    use super::*;

    /// A teacher's entries accepted before its revocation stay valid on the other parent's
    /// device, and the parents' copies converge; the same for an owner device revoked since.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_accepted_before_a_revocation_stay_valid_on_every_owner_device() {
        let mom = TestDevice::new(Role::Family, "Maman").await;
        let dad = TestDevice::new(Role::Family, "Papa").await;
        let phone = TestDevice::new(Role::Family, "Téléphone de Maman").await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let livret = mom
            .with(|d| d.add_child("Jade Roche", "2014-05-06", None))
            .unwrap();
        dad.accept(&mom.invite(livret, "identite", Rights::Owner), None)
            .await
            .unwrap();
        phone
            .accept(&mom.invite(livret, "identite", Rights::Device), None)
            .await
            .unwrap();
        teacher
            .accept(&mom.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        // Dad's device knows the teacher's grant and the phone before anything is written.
        assert!(dad.sync_with(&mom).await.unwrap().refused.is_empty());

        assess(&teacher, livret, "FRANCS", "Écrit avant la révocation.");
        assert!(teacher.sync_with(&mom).await.unwrap().refused.is_empty());
        write_subject_unchecked(&phone, livret, "1/3", "MATHEM", 2, "Du téléphone, avant.");
        assert!(phone.sync_with(&mom).await.unwrap().refused.is_empty());

        // Mom revokes the teacher and the phone, then meets Dad.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let gid = grant_of(&mom, livret, &teacher);
        mom.with(|d| d.revoke(&gid)).unwrap();
        mom.with(|d| d.revoke_device(&phone.id(), true)).unwrap();
        let r = dad.sync_with(&mom).await.unwrap();
        assert!(
            r.refused.is_empty(),
            "Dad's device refused what Mom's accepted before the revocations: {r:?}"
        );
        let r = mom.sync_with(&dad).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert!(contains(&history(&dad, livret), "avant la révocation"));
        assert!(contains(&history(&dad, livret), "Du téléphone, avant."));
        assert_eq!(
            shown(&dad, livret),
            shown(&mom, livret),
            "the copies differ"
        );
    }
}

mod finding_7_relayed {
    use super::*;

    /// A mother's device, her phone (an owner device) and a teacher writing in the year, the
    /// mother's entry written in the year.
    async fn mom_phone_and_teacher() -> (TestDevice, TestDevice, TestDevice, LivretId) {
        let mom = TestDevice::new(Role::Family, "Maman").await;
        let phone = TestDevice::new(Role::Family, "Téléphone de Maman").await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let livret = mom
            .with(|d| d.add_child("Jade Roche", "2014-05-06", None))
            .unwrap();
        phone
            .accept(&mom.invite(livret, "identite", Rights::Device), None)
            .await
            .unwrap();
        teacher
            .accept(&mom.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        write_subject_unchecked(&mom, livret, "1/3", "EDMUSI", 4, "De Maman.");
        (mom, phone, teacher, livret)
    }

    /// Found by the property test of convergence: the phone hands its entry straight to a
    /// teacher and is revoked before that entry reached another family device. The family
    /// judges it at arrival (a revoked device's signing time cannot be trusted) and refuses
    /// the teacher's batch holding it; the teacher, told of the revocation in that session,
    /// drops the entries it holds of others (the phone's among them) and gets again from the
    /// family those the family holds. From the next session on, its section syncs both ways;
    /// the phone's entry never enters the family's copy.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_teacher_holding_an_entry_of_a_since_revoked_phone_syncs_again_without_it() {
        let (mom, phone, teacher, livret) = mom_phone_and_teacher().await;
        assess(&teacher, livret, "FRANCS", "Du professeur, avant.");
        assert!(teacher.sync_with(&mom).await.unwrap().refused.is_empty());
        assert!(phone.sync_with(&mom).await.unwrap().refused.is_empty());
        write_subject_unchecked(&phone, livret, "1/3", "MATHEM", 2, "Jamais chez Maman.");
        let r = phone.sync_with(&teacher).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert!(contains(&history(&teacher, livret), "Jamais chez Maman."));

        std::thread::sleep(std::time::Duration::from_millis(1100));
        mom.with(|d| d.revoke_device(&phone.id(), true)).unwrap();
        // The first session after the revocation: the family refuses the phone's entry from
        // the teacher and tells it of the revocation.
        let _ = teacher.sync_with(&mom).await.unwrap();
        assert!(!contains(&history(&teacher, livret), "Jamais chez Maman."));
        // From then on the teacher's section syncs again, both ways.
        assess(&teacher, livret, "HISGEO", "Du professeur, après.");
        let r = teacher.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        let r = teacher.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        for text in [
            "Du professeur, avant.",
            "Du professeur, après.",
            "De Maman.",
        ] {
            assert!(contains(&history(&mom, livret), text), "{text}");
            assert!(contains(&history(&teacher, livret), text), "{text}");
        }
        assert!(!contains(&history(&mom, livret), "Jamais chez Maman."));
        assert!(!contains(&history(&teacher, livret), "Jamais chez Maman."));
    }

    /// Found by the property test of convergence: the phone's entry reaches the teacher, which
    /// writes over it, so the teacher's copy shows none of the phone's entries, but its history
    /// still holds one. Sent along with the teacher's next batch, the family refused it (a
    /// revoked device's entry, judged at arrival), and every later batch of the teacher for the
    /// section. Now the teacher, told of the revocation, drops every change putting another
    /// author's entry, history included, with those made on top of one, and writes its own
    /// entry again: its section syncs again and the family never holds the phone's entry.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_teacher_that_wrote_over_an_entry_of_a_since_revoked_phone_syncs_again_without_it() {
        let (mom, phone, teacher, livret) = mom_phone_and_teacher().await;
        assert!(teacher.sync_with(&mom).await.unwrap().refused.is_empty());
        assert!(phone.sync_with(&mom).await.unwrap().refused.is_empty());
        write_subject_unchecked(&phone, livret, "1/3", "FRANCS", 2, "Jamais chez Maman.");
        let r = phone.sync_with(&teacher).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assess(&teacher, livret, "FRANCS", "Du professeur, par-dessus.");
        assert!(!shown(&teacher, livret)
            .iter()
            .any(|e| e.contains("Jamais chez Maman.")));
        assert!(contains(&history(&teacher, livret), "Jamais chez Maman."));

        std::thread::sleep(std::time::Duration::from_millis(1100));
        mom.with(|d| d.revoke_device(&phone.id(), true)).unwrap();
        // The first session after the revocation tells the teacher of it.
        let _ = teacher.sync_with(&mom).await.unwrap();
        assert!(!contains(&history(&teacher, livret), "Jamais chez Maman."));
        let r = teacher.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        let r = teacher.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        for text in ["Du professeur, par-dessus.", "De Maman."] {
            assert!(contains(&history(&mom, livret), text), "{text}");
            assert!(contains(&history(&teacher, livret), text), "{text}");
        }
        assert!(!contains(&history(&mom, livret), "Jamais chez Maman."));
        // The year's section shows the same on both (the teacher holds no other).
        let mut moms = shown(&mom, livret);
        moms.retain(|e| e.starts_with("bilan/"));
        assert_eq!(shown(&teacher, livret), moms);
    }
}

mod finding_3 {
    use super::*;
    use livret::core::recovery::RecoveryKey;
    use livret::recovery::restore;

    /// Mom revokes her lost phone; the teacher hears of it at its next session with Mom, and
    /// from then on sends the phone nothing, takes none of its writes, and ignores its
    /// deletion notice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revoked_owner_device_gets_nothing_from_a_teacher_and_is_refused_there() {
        let mom = TestDevice::new(Role::Family, "Maman").await;
        let phone = TestDevice::new(Role::Family, "Téléphone perdu").await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let livret = mom
            .with(|d| d.add_child("Noé Perdu", "2012-01-02", None))
            .unwrap();
        phone
            .accept(&mom.invite(livret, "identite", Rights::Device), None)
            .await
            .unwrap();
        // The phone invited the teacher: the teacher knows it as an owner.
        teacher
            .accept(&phone.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        assess(&teacher, livret, "FRANCS", "Avant la perte.");
        let r = phone.sync_with(&teacher).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert!(contains(&history(&phone, livret), "Avant la perte."));
        assert!(phone.sync_with(&mom).await.unwrap().refused.is_empty());

        // The phone is lost; Mom revokes it, keeping the grant it had issued.
        mom.with(|d| d.revoke_device(&phone.id(), true)).unwrap();
        let r = teacher.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");

        // Nothing new from the teacher reaches the phone.
        assess(&teacher, livret, "MATHEM", "Après la perte du téléphone.");
        let _ = phone.sync_with(&teacher).await;
        assert!(
            !contains(&history(&phone, livret), "Après la perte"),
            "the teacher sent the revoked phone its new entry"
        );
        // What the phone writes does not enter the teacher's copy.
        write_subject_unchecked(&phone, livret, "2/3", "HISGEO", 1, "Écrit par le voleur.");
        let _ = phone.sync_with(&teacher).await;
        assert!(
            !contains(&history(&teacher, livret), "Écrit par le voleur."),
            "the teacher took the revoked phone's write"
        );
        // Its deletion notice is ignored.
        phone.with(|d| d.delete_livret(livret)).unwrap();
        let _ = phone.sync_with(&teacher).await;
        assert_eq!(
            teacher.with(|d| d.list()).unwrap().len(),
            1,
            "the teacher deleted the livret on the revoked phone's notice"
        );

        // An owner device added after the teacher's redeem reaches the teacher too.
        let dad = TestDevice::new(Role::Family, "Papa").await;
        dad.accept(&mom.invite(livret, "identite", Rights::Owner), None)
            .await
            .unwrap();
        teacher.sync_with(&mom).await.unwrap();
        let r = dad.sync_with(&teacher).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert!(contains(
            &history(&dad, livret),
            "Après la perte du téléphone."
        ));
    }

    /// A recovery sheet replaced by a new one restores from no teacher's copy; the new sheet
    /// does (the teacher learnt of the new key from the family).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_replaced_recovery_sheet_restores_from_no_teacher() {
        let mom = TestDevice::new(Role::Family, "Maman").await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let livret = mom
            .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
            .unwrap();
        let old = mom.with(|d| d.recovery_print()).unwrap();
        let old = RecoveryKey::from_words(&old.words.join(" ")).unwrap();
        teacher
            .accept(&mom.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        assess(&teacher, livret, "FRANCS", "Bien.");
        teacher.sync_with(&mom).await.unwrap();
        // The old sheet is thought stolen: Mom prints a new one, then the teacher meets her.
        let new = replace_sheet(&mom, &old);
        let new = RecoveryKey::from_words(&new.words.join(" ")).unwrap();
        let r = teacher.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        mom.stop().await;

        let thief = TestDevice::new(Role::Family, "Voleur").await;
        let stolen = restore(
            &thief.dev,
            &thief.node,
            teacher.node.peer_id(),
            vec![teacher.addr()],
            &old,
        )
        .await;
        assert!(
            stolen.as_ref().map_or(true, |r| r.livrets.is_empty()),
            "the replaced sheet restored from the teacher's copy: {stolen:?}"
        );
        assert!(thief.with(|d| d.list()).unwrap().is_empty());

        let family = TestDevice::new(Role::Family, "Maman (nouveau téléphone)").await;
        let report = restore(
            &family.dev,
            &family.node,
            teacher.node.peer_id(),
            vec![teacher.addr()],
            &new,
        )
        .await
        .unwrap();
        assert_eq!(report.livrets, vec![livret.to_string()]);
    }

    /// Replaces the recovery sheet of `family` (the current key given).
    fn replace_sheet(
        family: &TestDevice,
        current: &RecoveryKey,
    ) -> livret::recovery::RecoverySheet {
        family.with(|d| d.recovery_replace(current)).unwrap()
    }
}

mod finding_1 {
    use super::*;
    use livret::core::recovery::RecoveryKey;

    /// Whether `dev`'s manifest of `livret` counts `key` an owner now.
    fn owns(dev: &TestDevice, livret: LivretId, key: &str) -> bool {
        dev.with(|d| d.owner_devices(livret))
            .unwrap()
            .iter()
            .any(|o| o.device == key && !o.revoked)
    }

    /// The other parent's device revokes the first parent's device and the recovery key and
    /// syncs: nothing of it counts, on either parent's device.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_other_parents_device_cannot_take_the_livret() {
        let mom = TestDevice::new(Role::Family, "Maman").await;
        let dad = TestDevice::new(Role::Family, "Papa").await;
        let livret = mom
            .with(|d| d.add_child("Léa Garde", "2013-02-03", None))
            .unwrap();
        let sheet = mom.with(|d| d.recovery_print()).unwrap();
        dad.accept(&mom.invite(livret, "identite", Rights::Owner), None)
            .await
            .unwrap();
        assert!(dad.sync_with(&mom).await.unwrap().refused.is_empty());
        assert!(owns(&dad, livret, &sheet.public_key));

        // Through the application: refused.
        let tried = dad.with(|d| d.revoke_device(&mom.id(), false));
        assert!(tried.is_err(), "Dad's device revoked Mom's: {tried:?}");
        let tried = dad.with(|d| d.revoke_device(&sheet.public_key, false));
        assert!(
            tried.is_err(),
            "Dad's device revoked the recovery key: {tried:?}"
        );
        let tried = dad.with(|d| d.delete_livret(livret));
        assert!(
            tried.is_err(),
            "Dad's device deleted the livret alone: {tried:?}"
        );
        // A modified client signs the revocations anyway and syncs: they count nowhere.
        dad.with(|d| d.revoke_owner_unchecked(livret, &mom.id()))
            .unwrap();
        dad.with(|d| d.revoke_owner_unchecked(livret, &sheet.public_key))
            .unwrap();
        let _ = dad.sync_with(&mom).await;
        let _ = mom.sync_with(&dad).await;
        for dev in [&mom, &dad] {
            assert!(owns(dev, livret, &mom.id()), "Mom's device lost the livret");
            assert!(
                owns(dev, livret, &sheet.public_key),
                "the recovery key was revoked"
            );
        }
        // Mom can still invite.
        mom.invite(livret, "annee/2025", Rights::Read);
        // A deletion a modified client signs alone is ignored by Mom's device.
        let r = mom.sync_with(&dad).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        let spare = TestDevice::new(Role::Family, "Papa (client modifié)").await;
        spare
            .accept(&dad.invite(livret, "identite", Rights::Device), None)
            .await
            .unwrap();
        dad.sync_with(&mom).await.unwrap();
        spare.with(|d| d.delete_livret_unchecked(livret)).unwrap();
        let r = spare.sync_with(&mom).await;
        assert_eq!(
            mom.with(|d| d.list()).unwrap().len(),
            1,
            "Mom's device deleted the livret on one parent's word: {r:?}"
        );
        let audit = mom.with(|d| d.audit(Some(livret))).unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.detail.contains("avis de suppression sans effet")),
            "the notice did not reach Mom's device: {audit:?}"
        );
        // No device replaces the sheet alone either; the current words do.
        assert!(dad.with(|d| d.recovery_print()).is_err());
        let current = RecoveryKey::from_words(&sheet.words.join(" ")).unwrap();
        let new = mom.with(|d| d.recovery_replace(&current)).unwrap();
        assert!(owns(&mom, livret, &new.public_key));
        assert!(!owns(&mom, livret, &sheet.public_key));
        let r = dad.sync_with(&mom).await;
        assert!(owns(&dad, livret, &new.public_key), "{r:?}");
        assert!(!owns(&dad, livret, &sheet.public_key));
    }

    /// A parent revokes their own lost phone; the other parent's device cannot; the list
    /// tells parents, devices and the recovery key apart.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_parent_revokes_their_own_devices_only_and_the_list_says_whose_they_are() {
        let mom = TestDevice::new(Role::Family, "Ordinateur de Maman").await;
        let phone = TestDevice::new(Role::Family, "Téléphone de Maman").await;
        let dad = TestDevice::new(Role::Family, "Papa").await;
        let livret = mom
            .with(|d| d.add_child("Tom Liste", "2015-09-10", None))
            .unwrap();
        let sheet = mom.with(|d| d.recovery_print()).unwrap();
        phone
            .accept(&mom.invite(livret, "identite", Rights::Device), None)
            .await
            .unwrap();
        dad.accept(&mom.invite(livret, "identite", Rights::Owner), None)
            .await
            .unwrap();
        dad.sync_with(&mom).await.unwrap();
        assert!(dad.with(|d| d.revoke_device(&phone.id(), false)).is_err());
        let list = mom.with(|d| d.owner_devices(livret)).unwrap();
        let find = |id: &str| list.iter().find(|o| o.device == id).unwrap().clone();
        assert_eq!(find(&phone.id()).kind, "device");
        assert_eq!(find(&phone.id()).parent, Some(mom.id()));
        assert_eq!(find(&mom.id()).parent, Some(mom.id()));
        assert_eq!(find(&dad.id()).kind, "parent");
        assert_eq!(find(&dad.id()).parent, Some(dad.id()));
        assert_eq!(find(&sheet.public_key).kind, "recovery");
        assert!(list.iter().all(|o| !o.revoked), "{list:?}");

        mom.with(|d| d.revoke_device(&phone.id(), false)).unwrap();
        dad.sync_with(&mom).await.unwrap();
        assert!(!owns(&dad, livret, &phone.id()));
        let list = dad.with(|d| d.owner_devices(livret)).unwrap();
        assert!(
            list.iter().any(|o| o.device == phone.id() && o.revoked),
            "{list:?}"
        );
    }

    /// A stolen phone revokes its parent's computer; the recovery sheet revokes the phone, and
    /// the computer is an owner again on every family device.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_recovery_sheet_readmits_a_device_another_device_revoked() {
        let mom = TestDevice::new(Role::Family, "Ordinateur de Maman").await;
        let phone = TestDevice::new(Role::Family, "Téléphone volé").await;
        let dad = TestDevice::new(Role::Family, "Papa").await;
        let livret = mom
            .with(|d| d.add_child("Eva Retour", "2012-11-12", None))
            .unwrap();
        let sheet = mom.with(|d| d.recovery_print()).unwrap();
        let key = RecoveryKey::from_words(&sheet.words.join(" ")).unwrap();
        phone
            .accept(&mom.invite(livret, "identite", Rights::Device), None)
            .await
            .unwrap();
        dad.accept(&mom.invite(livret, "identite", Rights::Owner), None)
            .await
            .unwrap();
        phone.sync_with(&mom).await.unwrap();
        dad.sync_with(&mom).await.unwrap();
        // The thief revokes Mom's computer from her phone (a device of the same parent may)
        // and tells Dad's device first.
        phone.with(|d| d.revoke_device(&mom.id(), false)).unwrap();
        phone.sync_with(&dad).await.unwrap();
        assert!(!owns(&dad, livret, &mom.id()));
        // Mom uses the sheet (on her computer, revoked or not): the phone is revoked, its
        // revocation counts no more.
        mom.with(|d| d.revoke_device_with_recovery(&phone.id(), false, &key))
            .unwrap();
        let r = dad.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        let r = mom.sync_with(&dad).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert_eq!(
            mom.with(|d| d.owner_devices(livret)).unwrap().len(),
            dad.with(|d| d.owner_devices(livret)).unwrap().len()
        );
        for dev in [&mom, &dad] {
            assert!(
                owns(dev, livret, &mom.id()),
                "Mom's computer is still revoked"
            );
            assert!(
                !owns(dev, livret, &phone.id()),
                "the stolen phone is still an owner"
            );
        }
    }
}
