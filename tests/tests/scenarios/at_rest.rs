//! At rest: after a real sync between a family and a teacher, no personal data is in clear in
//! any file of either home (database, WAL, shared memory, key file); a home copied without its
//! storage key, or opened with another passphrase, cannot be opened and reveals nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use livret::core::grant::Rights;
use livret::core::{Lang, Localized, Role, Section};
use livret::{Device, KeySource};
use livret_store::{KdfParams, OpenOptions};
use livret_tests::TestDevice;

const CHILD: &str = "Lina Moreau";
const INE: &str = "1234567890V";
const APPRECIATION: &str = "Lina progresse nettement en rédaction, bravo.";
const SYNTHESIS: &str = "Trimestre sérieux et appliqué.";
const SUPPORT: &str = "PPS : aménagement des évaluations, tiers-temps.";

/// Every byte of every file under `dir`, recursively.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(all_bytes(&p));
        } else if p.is_file() {
            out.extend(std::fs::read(&p).unwrap());
        }
    }
    out
}

/// The personal data of the scenario, and pieces of it long enough to mean something.
fn secrets() -> Vec<&'static str> {
    vec![
        CHILD,
        "Moreau",
        INE,
        "2014-03-02",
        APPRECIATION,
        "progresse nettement",
        SYNTHESIS,
        "sérieux et appliqué",
        SUPPORT,
        "tiers-temps",
        "M. Martin",
        "Maman de Lina",
    ]
}

fn assert_nothing_in_clear(what: &str, bytes: &[u8]) {
    assert!(bytes.len() > 10_000, "{what}: the home is nearly empty");
    for s in secrets() {
        assert!(
            !livret_tests::contains(bytes, s),
            "{what}: « {s} » is in clear"
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_personal_data_in_clear_and_a_home_without_its_key_reveals_nothing() {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child(CHILD, "2014-03-02", Some(INE)))
        .unwrap();
    // A support measure, on the family's device only (no grant names the section).
    let text = SUPPORT.to_string();
    let content = livret::core::entry::Content::Message {
        text: livret::core::entry::digest_text(&text),
        id: None,
    };
    let draft = livret::core::content::Draft {
        section: Section::Accompagnement,
        key: livret::core::content::entry_key(&content),
        content,
        texts: vec![text],
    };
    family
        .with(|d| d.write_draft_unchecked(livret, &draft))
        .unwrap();
    teacher
        .accept(
            &family.invite(livret, "annee/2025,vie-scolaire/2025", Rights::Write),
            Some("5B"),
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
                APPRECIATION,
            )
        })
        .unwrap();
    teacher
        .with(|d| d.synthesis(livret, 2025, "1/3", SYNTHESIS))
        .unwrap();
    let r = teacher.sync_with(&family).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    // The data did travel and is readable through the software.
    let shown = family.with(|d| d.show(livret)).unwrap();
    let json = serde_json::to_string(&shown).unwrap();
    assert!(json.contains(APPRECIATION) && json.contains(SUPPORT));
    assert!(teacher.with(|d| d.list()).unwrap()[0].name.as_deref() == Some(CHILD));

    assert_nothing_in_clear("family home", &all_bytes(family.home.path()));
    assert_nothing_in_clear("teacher home", &all_bytes(teacher.home.path()));

    // The family's home copied elsewhere without its key file.
    let copies = tempfile::tempdir().unwrap();
    let copy = copies.path().join("famille");
    copy_dir(family.home.path(), &copy);
    std::fs::remove_file(copy.join(livret_store::KEY_FILE_NAME)).unwrap();
    let err = Device::open(&copy, KeySource::KeyFile)
        .unwrap_err()
        .localized(Lang::Fr);
    assert!(err.contains("introuvable"), "{err}");
    assert_nothing_in_clear("copied home", &all_bytes(&copy));
    // ...with another device's key file in its place: refused as the wrong key.
    std::fs::copy(
        teacher.home.path().join(livret_store::KEY_FILE_NAME),
        copy.join(livret_store::KEY_FILE_NAME),
    )
    .unwrap();
    let err = Device::open(&copy, KeySource::KeyFile)
        .unwrap_err()
        .localized(Lang::Fr);
    assert!(err.contains("incorrecte"), "{err}");
    // ...or with a raw key, or a passphrase, where a key file was used.
    let err = Device::open(&copy, KeySource::Passphrase("devinette".to_string().into()))
        .unwrap_err()
        .localized(Lang::Fr);
    assert!(!err.is_empty());
}

#[test]
fn a_passphrase_home_copied_and_opened_with_another_passphrase_reveals_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("famille");
    let options = OpenOptions {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        ..OpenOptions::default()
    };
    let pass = |p: &str| KeySource::Passphrase(p.to_string().into());
    let livret = {
        let mut d = Device::init_with(
            &home,
            pass("cheval agrafe pile correcte"),
            Role::Family,
            "Maman de Lina",
            &options,
        )
        .unwrap();
        d.add_child(CHILD, "2014-03-02", Some(INE)).unwrap()
    };
    // Nothing secret on disk: no key file, no names.
    assert!(!home.join(livret_store::KEY_FILE_NAME).exists());
    let bytes = all_bytes(&home);
    for s in [CHILD, INE, "Maman de Lina"] {
        assert!(!livret_tests::contains(&bytes, s), "« {s} » in clear");
    }
    let copy = dir.path().join("copie");
    copy_dir(&home, &copy);
    let err = Device::open_with(&copy, pass("mauvaise phrase"), &options)
        .unwrap_err()
        .localized(Lang::Fr);
    assert!(err.contains("incorrecte"), "{err}");
    let err = Device::open_with(&copy, KeySource::KeyFile, &options)
        .unwrap_err()
        .localized(Lang::Fr);
    assert!(!err.is_empty());
    // The right passphrase opens the copy.
    let d = Device::open_with(&copy, pass("cheval agrafe pile correcte"), &options).unwrap();
    assert_eq!(d.show(livret).unwrap().name.as_deref(), Some(CHILD));
}
