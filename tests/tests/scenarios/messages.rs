//! Issue 14, item 8: messages in `correspondance`, from the family to a teacher and back,
//! within a grant on that section; each message its own entry, listed in the order written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{LivretId, Role};
use livret_tests::TestDevice;

async fn scene() -> (TestDevice, TestDevice, LivretId) {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    teacher
        .accept(
            &family.invite(livret, "annee/2025,correspondance", Rights::Write),
            Some("5B"),
        )
        .await
        .unwrap();
    (family, teacher, livret)
}

fn messages(dev: &TestDevice, livret: LivretId) -> Vec<(String, String)> {
    let view = dev.with(|d| d.show(livret)).unwrap();
    view.sections
        .iter()
        .filter(|s| s.section.to_string() == "correspondance")
        .flat_map(|s| s.entries.iter())
        .map(|e| {
            assert_eq!(e.signature.as_str(), "valid", "{e:?}");
            (
                e.author_name.clone().unwrap_or_default(),
                e.content_json()["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_family_and_a_teacher_exchange_messages_in_order() {
    let (family, teacher, livret) = scene().await;
    family
        .with(|d| d.message(livret, "Lina sera absente lundi matin (rendez-vous)."))
        .unwrap();
    teacher.sync_with(&family).await.unwrap();
    // The same words twice are two messages, not one replaced.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    teacher.with(|d| d.message(livret, "Merci.")).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    teacher.with(|d| d.message(livret, "Merci.")).unwrap();
    teacher.sync_with(&family).await.unwrap();
    // The family's device names its own messages « famille »; the teacher's, by the device.
    let expected = |family_name: &str| {
        vec![
            (
                family_name.to_string(),
                "Lina sera absente lundi matin (rendez-vous).".to_string(),
            ),
            ("M. Martin".to_string(), "Merci.".to_string()),
            ("M. Martin".to_string(), "Merci.".to_string()),
        ]
    };
    assert_eq!(messages(&family, livret), expected("Maman de Lina"));
    assert_eq!(messages(&teacher, livret), expected("famille"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_outside_a_grant_or_malformed_is_refused_and_writes_nothing() {
    let (family, teacher, livret) = scene().await;
    // A teacher invited without `correspondance` may not write there.
    let other = TestDevice::new(Role::Teacher, "Mme Durand").await;
    other
        .accept(
            &family.invite(livret, "annee/2025", Rights::Write),
            Some("5B"),
        )
        .await
        .unwrap();
    let e = other
        .with(|d| d.message(livret, "Bonjour."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("correspondance"), "{e}");
    // Empty, too long, or naming a health matter outside the sensitive section: refused.
    for (text, expect) in [
        ("   ", "« text »"),
        (&"a".repeat(2001)[..], "2000"),
        ("Lina a un PAI pour son asthme.", "accompagnement"),
    ] {
        let e = crate::fr(&family.with(|d| d.message(livret, text)).unwrap_err());
        assert!(e.contains(expect), "{text:?}: {e}");
    }
    // A school's device writes no message.
    let school = TestDevice::school("Collège Jean Moulin", "0951099D").await;
    let e = school
        .with(|d| d.message(livret, "Bonjour."))
        .unwrap_err()
        .to_string();
    assert!(e.contains("livret") || e.contains("enseignant"), "{e}");
    assert!(messages(&family, livret).is_empty());
    assert!(messages(&teacher, livret).is_empty());
}
