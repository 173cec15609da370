//! Behaviour of the store through its public API, and of its files on disk.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::fs;
use std::path::Path;

use livret_store::{
    AuditEntry, DeviceRecord, KdfParams, KeyKind, KeySource, OpenOptions, SectionData, Store,
    StoreError, DB_FILE_NAME, KEY_FILE_NAME, SCHEMA_VERSION,
};
use zeroize::Zeroizing;

const NAME: &str = "Zoé Marchetti-Lefebvre";
const LIVRET: &str = "lvr-7f3a9c0d2b";
const OTHER: &str = "lvr-00aa11bb22";

fn raw(byte: u8) -> KeySource {
    KeySource::Raw(Zeroizing::new([byte; 32]))
}

fn fast() -> OpenOptions {
    OpenOptions {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        ..OpenOptions::default()
    }
}

fn pass(p: &str) -> KeySource {
    KeySource::Passphrase(Zeroizing::new(p.to_owned()))
}

fn device() -> DeviceRecord {
    DeviceRecord {
        role: "family".into(),
        name: format!("Téléphone de {NAME}"),
        secret_key: Zeroizing::new([0xA5; 32]),
        created_at: 1_700_000_000,
    }
}

fn audit_entry(livret: &str, detail: &str) -> AuditEntry {
    AuditEntry {
        at: 1_700_000_100,
        livret: Some(livret.into()),
        peer: Some("12D3KooWpeer".into()),
        section: Some("accompagnement".into()),
        action: "sent".into(),
        outcome: "accepted".into(),
        detail: detail.into(),
    }
}

/// Fills every kind of value with text naming the child.
fn fill(store: &mut Store, livret: &str) {
    store.put_device(&device()).unwrap();
    let text = format!("{{\"prénom et nom\":\"{NAME}\",\"né\":\"2015-03-02\"}}");
    store
        .put_record("livret", livret, Some(livret), text.as_bytes())
        .unwrap();
    store
        .put_record(
            "grant",
            &format!("g-{livret}"),
            Some(livret),
            text.as_bytes(),
        )
        .unwrap();
    store
        .put_record("invitation", "inv-1", None, NAME.as_bytes())
        .unwrap();
    store
        .put_section_snapshot(livret, "identite", format!("snapshot {NAME}").as_bytes())
        .unwrap();
    store
        .append_section_changes(livret, "identite", format!("change 1 {NAME}").as_bytes())
        .unwrap();
    store
        .append_section_changes(livret, "identite", format!("change 2 {NAME}").as_bytes())
        .unwrap();
    store
        .put_section_snapshot(
            livret,
            "accompagnement",
            format!("PPRE de {NAME}").as_bytes(),
        )
        .unwrap();
    store
        .append_section_changes(livret, &format!("annee/2024 {NAME}"), b"x")
        .unwrap();
    store
        .put_sync_state("12D3KooWpeer", livret, "accompagnement", NAME.as_bytes())
        .unwrap();
    store
        .append_audit(&audit_entry(livret, &format!("envoyé: {NAME}")))
        .unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Every file of the home (db, -wal, -shm, key file...), as (name, bytes).
fn home_files(home: &Path) -> Vec<(String, Vec<u8>)> {
    fs::read_dir(home)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn assert_absent(home: &Path, needles: &[Vec<u8>]) {
    let files = home_files(home);
    assert!(files.iter().any(|(n, _)| n == DB_FILE_NAME));
    for (name, bytes) in &files {
        for needle in needles {
            assert!(
                !contains(bytes, needle),
                "{name} contains {:?}",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

fn personal_needles() -> Vec<Vec<u8>> {
    vec![
        NAME.as_bytes().to_vec(),
        b"Marchetti".to_vec(),
        b"Lefebvre".to_vec(),
        "Zoé".as_bytes().to_vec(),
        utf16("Marchetti"),
        b"accompagnement".to_vec(),
        b"identite".to_vec(),
        b"envoy".to_vec(),
        [0xA5; 16].to_vec(),
    ]
}

#[test]
fn reopen_after_close_holds_everything() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    assert!(!Store::exists(home));
    let mut store = Store::open(home, KeySource::KeyFile).unwrap();
    assert!(Store::exists(home));
    fill(&mut store, LIVRET);
    store.close().unwrap();

    let store = Store::open(home, KeySource::KeyFile).unwrap();
    assert_eq!(store.device().unwrap().unwrap(), device());
    let records = store.records("grant").unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].0, format!("g-{LIVRET}"));
    assert_eq!(records[0].1.as_deref(), Some(LIVRET));
    assert!(String::from_utf8(records[0].2.clone())
        .unwrap()
        .contains(NAME));
    assert_eq!(
        store.record("invitation", "inv-1").unwrap().unwrap(),
        NAME.as_bytes()
    );
    assert_eq!(store.records_for_livret("livret", LIVRET).unwrap().len(), 1);
    assert!(store.record("grant", "missing").unwrap().is_none());
    assert_eq!(
        store.sections_of(LIVRET).unwrap(),
        vec![
            "accompagnement".to_owned(),
            format!("annee/2024 {NAME}"),
            "identite".to_owned()
        ]
    );
    let identite = store.load_section(LIVRET, "identite").unwrap().unwrap();
    assert_eq!(identite.snapshot, format!("snapshot {NAME}").as_bytes());
    assert_eq!(
        identite.increments,
        vec![
            format!("change 1 {NAME}").into_bytes(),
            format!("change 2 {NAME}").into_bytes()
        ]
    );
    assert_eq!(
        store
            .sync_state("12D3KooWpeer", LIVRET, "accompagnement")
            .unwrap()
            .unwrap(),
        NAME.as_bytes()
    );
    assert!(store
        .sync_state("12D3KooWpeer", LIVRET, "identite")
        .unwrap()
        .is_none());
    assert_eq!(
        store.audit(Some(LIVRET)).unwrap(),
        vec![audit_entry(LIVRET, &format!("envoyé: {NAME}"))]
    );
    assert_eq!(
        store.livrets_with_sections().unwrap(),
        vec![LIVRET.to_owned()]
    );
    store.integrity_check().unwrap();
}

#[test]
fn debug_output_redacts_secrets() {
    let d = format!("{:?}", device());
    assert!(d.contains("<redacted>"));
    assert!(!d.contains("165"));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), raw(1)).unwrap();
    assert!(!format!("{store:?}").contains("[1,"));
}

#[test]
fn wrong_passphrase_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mut store = Store::open_with(home, pass("correct horse"), &fast()).unwrap();
    store.put_record("livret", "a", None, b"v").unwrap();
    store.close().unwrap();
    assert!(!home.join(KEY_FILE_NAME).exists());

    let err = Store::open_with(home, pass("wrong horse"), &fast()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey), "{err:?}");
    assert!(!err.to_string().contains("horse"));
    assert!(err.french().contains("incorrecte"));

    let err = Store::open(home, KeySource::KeyFile).unwrap_err();
    assert!(matches!(
        err,
        StoreError::KeySourceMismatch {
            expected: KeyKind::Passphrase,
            given: KeyKind::KeyFile
        }
    ));
    assert!(err.french().contains("phrase de passe"));

    // The stored (fast) parameters are used, whatever the options say now.
    let store = Store::open(home, pass("correct horse")).unwrap();
    assert_eq!(store.record("livret", "a").unwrap().unwrap(), b"v");
}

#[test]
fn recommended_passphrase_parameters_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), pass("un deux trois")).unwrap();
    store.put_record("k", "i", None, b"v").unwrap();
    store.close().unwrap();
    let store = Store::open(dir.path(), pass("un deux trois")).unwrap();
    assert_eq!(store.record("k", "i").unwrap().unwrap(), b"v");
}

#[test]
fn empty_passphrase_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Store::open_with(dir.path(), pass(""), &fast()),
        Err(StoreError::EmptyPassphrase)
    ));
}

#[test]
fn wrong_raw_key_refused() {
    let dir = tempfile::tempdir().unwrap();
    Store::open(dir.path(), raw(1)).unwrap().close().unwrap();
    assert!(matches!(
        Store::open(dir.path(), raw(2)),
        Err(StoreError::WrongKey)
    ));
    Store::open(dir.path(), raw(1)).unwrap();
}

#[cfg(unix)]
#[test]
fn key_file_with_loose_permissions_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    Store::open(home, KeySource::KeyFile)
        .unwrap()
        .close()
        .unwrap();
    let key = home.join(KEY_FILE_NAME);
    assert_eq!(
        fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = Store::open(home, KeySource::KeyFile).unwrap_err();
    assert!(
        matches!(&err, StoreError::KeyFilePermissions { path } if *path == key),
        "{err:?}"
    );
    assert!(err.french().contains("0600"));
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    Store::open(home, KeySource::KeyFile).unwrap();
}

#[test]
fn key_file_missing_or_invalid_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    Store::open(home, KeySource::KeyFile)
        .unwrap()
        .close()
        .unwrap();
    let key = home.join(KEY_FILE_NAME);
    let bytes = fs::read(&key).unwrap();
    fs::write(&key, &bytes[..31]).unwrap();
    assert!(matches!(
        Store::open(home, KeySource::KeyFile),
        Err(StoreError::KeyFileInvalid { .. })
    ));
    fs::remove_file(&key).unwrap();
    assert!(matches!(
        Store::open(home, KeySource::KeyFile),
        Err(StoreError::KeyFileMissing { .. })
    ));
    // Not silently replaced by a new key.
    assert!(!key.exists());
}

#[test]
fn no_plaintext_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let storage_key = [0x5C; 32];
    let mut store = Store::open(home, KeySource::Raw(Zeroizing::new(storage_key))).unwrap();
    fill(&mut store, LIVRET);
    let mut needles = personal_needles();
    needles.push(storage_key[..16].to_vec());

    // While open: the data sits in the -wal file.
    let files = home_files(home);
    assert!(
        files.iter().any(|(_, b)| contains(b, LIVRET.as_bytes())),
        "the clear livret id should be visible: the search works"
    );
    assert_absent(home, &needles);

    store.close().unwrap();
    assert_absent(home, &needles);

    // Same with a key file and a passphrase home.
    for (i, key) in [KeySource::KeyFile, pass("phrase")].into_iter().enumerate() {
        let home = dir.path().join(format!("h{i}"));
        let mut store = Store::open_with(&home, key, &fast()).unwrap();
        fill(&mut store, LIVRET);
        assert_absent(&home, &personal_needles());
        store.close().unwrap();
        assert_absent(&home, &personal_needles());
    }
}

fn raw_db(home: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(home.join(DB_FILE_NAME)).unwrap()
}

#[test]
fn ciphertext_moved_to_another_row_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mut store = Store::open(home, raw(3)).unwrap();
    store
        .put_record("grant", "g1", Some(LIVRET), b"one")
        .unwrap();
    store
        .put_record("grant", "g2", Some(LIVRET), b"two")
        .unwrap();
    store
        .put_section_snapshot(LIVRET, "identite", b"A")
        .unwrap();
    store.put_section_snapshot(OTHER, "identite", b"B").unwrap();
    store.close().unwrap();

    let db = raw_db(home);
    db.execute_batch(
        "UPDATE records SET value = (SELECT value FROM records WHERE id = 'g2') WHERE id = 'g1';
         UPDATE sections SET snapshot = (SELECT snapshot FROM sections WHERE livret = 'lvr-00aa11bb22')
             WHERE livret = 'lvr-7f3a9c0d2b';",
    )
    .unwrap();
    drop(db);

    let store = Store::open(home, raw(3)).unwrap();
    assert_eq!(store.record("grant", "g2").unwrap().unwrap(), b"two");
    let err = store.record("grant", "g1").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(matches!(
        store.records("grant"),
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        store.load_section(LIVRET, "identite"),
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        store.integrity_check(),
        Err(StoreError::Corrupt(_))
    ));
    store.close().unwrap();

    // Moving a record to another livret by editing the clear column also fails.
    let db = raw_db(home);
    db.execute("UPDATE records SET livret = 'x' WHERE id = 'g2'", [])
        .unwrap();
    drop(db);
    let store = Store::open(home, raw(3)).unwrap();
    assert!(matches!(
        store.record("grant", "g2"),
        Err(StoreError::Corrupt(_))
    ));
}

#[test]
fn snapshot_increments_compaction_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), raw(4)).unwrap();
    assert!(store.load_section(LIVRET, "cycles").unwrap().is_none());
    assert!(!store.section_exists(LIVRET, "cycles").unwrap());

    // Increments before any snapshot.
    store
        .append_section_changes(LIVRET, "cycles", b"c1")
        .unwrap();
    store.append_section_changes(LIVRET, "cycles", b"").unwrap();
    store
        .append_section_changes(LIVRET, "cycles", b"c2")
        .unwrap();
    assert_eq!(
        store.load_section(LIVRET, "cycles").unwrap().unwrap(),
        SectionData {
            snapshot: vec![],
            increments: vec![b"c1".to_vec(), b"c2".to_vec()],
        }
    );
    assert_eq!(store.section_increment_count(LIVRET, "cycles").unwrap(), 2);
    assert!(store.section_exists(LIVRET, "cycles").unwrap());
    assert!(!store.section_exists(OTHER, "cycles").unwrap());
    // The fingerprint moves with every write (fresh nonces), even of the same bytes.
    let f1 = store
        .section_fingerprint(LIVRET, "cycles")
        .unwrap()
        .unwrap();
    assert_eq!(
        store.section_fingerprint(LIVRET, "cycles").unwrap(),
        Some(f1.clone())
    );
    assert!(store
        .section_fingerprint(OTHER, "cycles")
        .unwrap()
        .is_none());
    store
        .append_section_changes(LIVRET, "cycles", b"c2")
        .unwrap();
    let f2 = store
        .section_fingerprint(LIVRET, "cycles")
        .unwrap()
        .unwrap();
    assert_ne!(f1, f2);
    store.put_section_snapshot(LIVRET, "cycles", b"S0").unwrap();
    let f3 = store
        .section_fingerprint(LIVRET, "cycles")
        .unwrap()
        .unwrap();
    store.put_section_snapshot(LIVRET, "cycles", b"S0").unwrap();
    assert_ne!(
        f3,
        store
            .section_fingerprint(LIVRET, "cycles")
            .unwrap()
            .unwrap()
    );
    store
        .append_section_changes(LIVRET, "cycles", b"c1")
        .unwrap();
    store
        .append_section_changes(LIVRET, "cycles", b"c2")
        .unwrap();
    store.put_section_snapshot(LIVRET, "cycles", b"").unwrap();
    store
        .append_section_changes(LIVRET, "cycles", b"c1")
        .unwrap();
    store
        .append_section_changes(LIVRET, "cycles", b"c2")
        .unwrap();

    // Compaction: snapshot replaces the increments.
    store.put_section_snapshot(LIVRET, "cycles", b"S1").unwrap();
    assert_eq!(store.section_increment_count(LIVRET, "cycles").unwrap(), 0);
    store
        .append_section_changes(LIVRET, "cycles", b"c3")
        .unwrap();
    store
        .append_section_changes(LIVRET, "cycles", b"c4")
        .unwrap();
    store.close().unwrap();

    let mut store = Store::open(dir.path(), raw(4)).unwrap();
    let data = store.load_section(LIVRET, "cycles").unwrap().unwrap();
    assert_eq!(data.snapshot, b"S1");
    assert_eq!(data.increments, vec![b"c3".to_vec(), b"c4".to_vec()]);
    assert_eq!(store.section_increment_count(LIVRET, "cycles").unwrap(), 2);
    // Its weight, in sealed bytes: each value gains the same seal (nonce and tag).
    let weight = store.section_weight(LIVRET, "cycles").unwrap().unwrap();
    let seal = weight.snapshot_bytes - 2;
    assert!(seal > 0);
    assert_eq!(
        weight,
        livret_store::SectionWeight {
            snapshot_bytes: 2 + seal,
            increments: 2,
            increment_bytes: 2 * (2 + seal),
        }
    );
    assert_eq!(store.section_weight(OTHER, "cycles").unwrap(), None);
    // Other sections and livrets are independent.
    store
        .append_section_changes(OTHER, "cycles", b"o1")
        .unwrap();
    assert_eq!(store.section_increment_count(LIVRET, "cycles").unwrap(), 2);
    store.put_section_snapshot(LIVRET, "cycles", b"S2").unwrap();
    assert_eq!(store.section_increment_count(OTHER, "cycles").unwrap(), 1);
    assert_eq!(
        store.load_section(LIVRET, "cycles").unwrap().unwrap(),
        SectionData {
            snapshot: b"S2".to_vec(),
            increments: vec![],
        }
    );
    assert_eq!(
        store.livrets_with_sections().unwrap(),
        vec![OTHER.to_owned(), LIVRET.to_owned()]
    );
    assert!(store.delete_section(LIVRET, "cycles").unwrap());
    assert!(!store.delete_section(LIVRET, "cycles").unwrap());
    assert!(store.load_section(LIVRET, "cycles").unwrap().is_none());
    assert!(!store.section_exists(LIVRET, "cycles").unwrap());
    store.integrity_check().unwrap();
}

#[test]
fn migrates_an_empty_database_and_reopens_at_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    // An empty SQLite database made by someone else (user_version 0, no tables).
    let db = raw_db(home);
    let v: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 0);
    drop(db);
    let store = Store::open(home, raw(5)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    store.close().unwrap();
    let store = Store::open(home, raw(5)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn newer_schema_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    Store::open(home, raw(6)).unwrap().close().unwrap();
    raw_db(home)
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = Store::open(home, raw(6)).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, known }
            if found == SCHEMA_VERSION + 1 && known == SCHEMA_VERSION),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer"));
    assert!(err.french().contains("mettez l'application à jour"));
}

#[test]
fn not_initialized_when_not_creating() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("nothing");
    let options = OpenOptions {
        create: false,
        ..OpenOptions::default()
    };
    let err = Store::open_with(&home, KeySource::KeyFile, &options).unwrap_err();
    assert!(matches!(err, StoreError::NotInitialized { .. }));
    assert!(!home.exists());
    Store::open(&home, KeySource::KeyFile).unwrap();
    Store::open_with(&home, KeySource::KeyFile, &options).unwrap();
}

#[test]
fn delete_livret_then_vacuum_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mut store = Store::open(home, raw(7)).unwrap();
    fill(&mut store, LIVRET);
    store
        .put_section_snapshot(OTHER, "identite", b"other child")
        .unwrap();
    store
        .put_record("grant", "g-other", Some(OTHER), b"keep")
        .unwrap();
    store
        .put_sync_state("peer2", OTHER, "identite", b"keep")
        .unwrap();
    store.close().unwrap();

    // The sealed bytes of the purged livret, as stored.
    let db = raw_db(home);
    let mut stmt = db
        .prepare(
            "SELECT snapshot FROM sections WHERE livret = ?1
             UNION ALL SELECT data FROM section_increments WHERE livret = ?1
             UNION ALL SELECT value FROM records WHERE livret = ?1
             UNION ALL SELECT state FROM sync_states WHERE livret = ?1",
        )
        .unwrap();
    let sealed: Vec<Vec<u8>> = stmt
        .query_map([LIVRET], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(stmt);
    drop(db);
    assert_eq!(sealed.len(), 9);

    let mut store = Store::open(home, raw(7)).unwrap();
    store.delete_livret(LIVRET).unwrap();
    assert!(store.sections_of(LIVRET).unwrap().is_empty());
    assert!(store.load_section(LIVRET, "identite").unwrap().is_none());
    assert!(store
        .records_for_livret("grant", LIVRET)
        .unwrap()
        .is_empty());
    assert!(store.record("livret", LIVRET).unwrap().is_none());
    assert!(store
        .sync_state("12D3KooWpeer", LIVRET, "accompagnement")
        .unwrap()
        .is_none());
    assert_eq!(
        store.livrets_with_sections().unwrap(),
        vec![OTHER.to_owned()]
    );
    // Kept: the other livret, records not tied to a livret, the audit log.
    assert_eq!(store.record("grant", "g-other").unwrap().unwrap(), b"keep");
    assert!(store.record("invitation", "inv-1").unwrap().is_some());
    assert!(store.load_section(OTHER, "identite").unwrap().is_some());
    assert!(store
        .sync_state("peer2", OTHER, "identite")
        .unwrap()
        .is_some());
    assert_eq!(store.audit(Some(LIVRET)).unwrap().len(), 1);

    assert!(store.vacuum().unwrap());
    let mut needles = personal_needles();
    needles.extend(sealed.iter().map(|s| s[..40.min(s.len())].to_vec()));
    assert_absent(home, &needles);
    store.integrity_check().unwrap();
    store.close().unwrap();
    assert_absent(home, &needles);
}

#[test]
fn failed_transaction_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), raw(8)).unwrap();
    store.put_record("grant", "kept", None, b"before").unwrap();

    let result: Result<(), StoreError> = store.transaction(|tx| {
        tx.put_record("grant", "g1", Some(LIVRET), b"v")?;
        tx.put_record("grant", "kept", None, b"after")?;
        tx.put_section_snapshot(LIVRET, "identite", b"S")?;
        tx.append_audit(&audit_entry(LIVRET, "d"))?;
        tx.delete_record("grant", "kept")?;
        Err(StoreError::Corrupt("simulated failure".into()))
    });
    assert!(result.is_err());
    assert!(store.record("grant", "g1").unwrap().is_none());
    assert_eq!(store.record("grant", "kept").unwrap().unwrap(), b"before");
    assert!(store.load_section(LIVRET, "identite").unwrap().is_none());
    assert!(store.audit(None).unwrap().is_empty());

    // A caller's own error type works too, and Ok commits everything.
    #[derive(Debug)]
    enum AppError {
        Store(StoreError),
    }
    impl From<StoreError> for AppError {
        fn from(e: StoreError) -> Self {
            Self::Store(e)
        }
    }
    let n = store
        .transaction(|tx| -> Result<usize, AppError> {
            tx.put_record("grant", "g1", Some(LIVRET), b"v")?;
            tx.append_section_changes(LIVRET, "identite", b"c")?;
            Ok(tx.records("grant")?.len())
        })
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        store.section_increment_count(LIVRET, "identite").unwrap(),
        1
    );
    let err = store
        .transaction(|tx| -> Result<(), AppError> {
            tx.delete_record("grant", "g1")?;
            Err(AppError::from(StoreError::WrongKey))
        })
        .unwrap_err();
    let AppError::Store(inner) = err;
    assert!(matches!(inner, StoreError::WrongKey));
    assert!(store.record("grant", "g1").unwrap().is_some());
}

#[test]
fn sync_states_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), raw(9)).unwrap();
    store
        .put_sync_state("p1", LIVRET, "identite", b"s1")
        .unwrap();
    store
        .put_sync_state("p1", LIVRET, "identite", b"s2")
        .unwrap();
    store
        .put_sync_state("p1", OTHER, "identite", b"s3")
        .unwrap();
    store
        .put_sync_state("p2", LIVRET, "identite", b"s4")
        .unwrap();
    assert_eq!(
        store.sync_state("p1", LIVRET, "identite").unwrap().unwrap(),
        b"s2"
    );
    assert_eq!(store.delete_sync_states_for_peer("p1").unwrap(), 2);
    assert!(store.sync_state("p1", OTHER, "identite").unwrap().is_none());
    assert_eq!(store.delete_sync_states_for_livret(LIVRET).unwrap(), 1);

    let mut e1 = audit_entry(LIVRET, "premier");
    e1.section = None;
    let e2 = AuditEntry {
        at: 5,
        livret: None,
        peer: None,
        section: None,
        action: "revoked".into(),
        outcome: "refused".into(),
        detail: String::new(),
    };
    let e3 = audit_entry(OTHER, "troisième");
    for e in [&e1, &e2, &e3] {
        store.append_audit(e).unwrap();
    }
    assert_eq!(store.audit(None).unwrap(), vec![e1.clone(), e2, e3.clone()]);
    assert_eq!(store.audit(Some(OTHER)).unwrap(), vec![e3]);
    assert_eq!(store.delete_records_for_livret(LIVRET).unwrap(), 0);
}

#[test]
fn every_error_has_a_french_message() {
    let errors = [
        StoreError::WrongKey,
        StoreError::EmptyPassphrase,
        StoreError::NoHome,
        StoreError::Corrupt("records.value".into()),
        StoreError::SchemaTooNew { found: 3, known: 1 },
        StoreError::NotInitialized { path: "/h".into() },
        StoreError::KeyFileMissing {
            path: "/h/k".into(),
        },
    ];
    for e in errors {
        let fr = e.french();
        assert!(!fr.is_empty() && !fr.contains('\n'));
        assert_ne!(fr, e.to_string());
    }
}
