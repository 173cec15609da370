//! Issue 8, point 5: portability. `export --format json` holds everything the family holds of a
//! livret (checked against docs/export-livret.schema.json); `import` restores it on another
//! device with the signatures intact, and refuses a tampered file whole.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use data_encoding::BASE64;
use livret::core::entry::SignedEntry;
use livret::core::grant::Rights;
use livret::core::{LivretId, Localized, Role, Section};
use livret_tests::TestDevice;
use serde_json::Value;

const APPRECIATION: &str = "Lina progresse nettement en rédaction ; très bonne participation.";

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

fn schema_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/export-livret.schema.json")
}

/// Validates with Python's `jsonschema` (Draft 2020-12) when it is installed; the required
/// fields are checked by hand in any case.
pub(crate) fn validate(export: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    for field in schema["required"].as_array().unwrap() {
        assert!(export.get(field.as_str().unwrap()).is_some(), "{field}");
    }
    for r in export["manifest"].as_array().unwrap() {
        for f in ["key", "signed", "signed_base64", "record"] {
            assert!(r.get(f).is_some(), "manifest item without {f}");
        }
    }
    for keys in export["signed_entries"].as_object().unwrap().values() {
        for values in keys.as_object().unwrap().values() {
            for v in values.as_array().unwrap() {
                for f in [
                    "short_form",
                    "texts",
                    "certificate",
                    "stored_base64",
                    "entry",
                ] {
                    assert!(v.get(f).is_some(), "entry value without {f}");
                }
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, serde_json::to_vec(export).unwrap()).unwrap();
    let script = "import json,sys,jsonschema\n\
        s=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n\
        jsonschema.Draft202012Validator.check_schema(s)\n\
        jsonschema.Draft202012Validator(s).validate(d)\n";
    let has_jsonschema = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_jsonschema {
        eprintln!("python3 jsonschema absent: only required fields checked");
        return;
    }
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(schema_path())
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "schema validation failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_on_another_device_keeps_every_signature() {
    let mom = TestDevice::new(Role::Family, "Maman").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let lina = mom
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let inv = mom.invite(lina, "annee/2025,vie-scolaire/2025", Rights::Write);
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
    teacher
        .with(|d| d.vie_scolaire(lina, 2025, "1/3", 2, 1, 0))
        .unwrap();
    teacher.sync_with(&mom).await.unwrap();
    let sheet = mom.with(|d| d.recovery_print()).unwrap();
    let words = sheet.words.join(" ");

    let export = mom.with(|d| d.export_json(lina)).unwrap();
    validate(&export);
    // The first JSON export's fields are still there.
    assert_eq!(export["format"], "livret-export/1");
    assert_eq!(export["livret"]["livret_id"], lina.to_string().as_str());
    assert_eq!(export["livret_id"], lina.to_string().as_str());
    let sections: Vec<&str> = export["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(sections.contains(&"identite") && sections.contains(&"annee/2025"));
    let kinds: Vec<&str> = export["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"genesis") && kinds.contains(&"grant") && kinds.contains(&"owner"));
    let year = &export["signed_entries"]["annee/2025"]["bilan/1-3/FRANCS"][0];
    assert_eq!(year["entry"]["content"]["appreciation"], APPRECIATION);
    assert_eq!(year["entry"]["signature"], "valid");
    let bytes = serde_json::to_vec_pretty(&export).unwrap();

    // A new device: without the words it is refused; with other words too.
    let new = TestDevice::new(Role::Family, "Maman (nouvel ordinateur)").await;
    let err = new.with(|d| d.import_json(&bytes, None)).unwrap_err();
    assert!(crate::fr(&err).contains("--words"), "{err}");
    let other = livret::core::recovery::RecoveryKey::from_entropy(&[3u8; 32]);
    let other_words = other.words().unwrap().join(" ");
    let err = new
        .with(|d| d.import_json(&bytes, Some(&other_words)))
        .unwrap_err();
    assert!(crate::fr(&err).contains("mots de secours"), "{err}");
    assert!(new.with(|d| d.list()).unwrap().is_empty());

    // With the words: imported, everything verifies, signed bytes unchanged.
    let report = new.with(|d| d.import_json(&bytes, Some(&words))).unwrap();
    assert_eq!(report.livret_id, lina.to_string());
    assert_eq!(report.authority, "recovery-words");
    assert_eq!(report.name.as_deref(), Some("Lina Moreau"));
    assert_eq!(entries_of(&new, lina), entries_of(&mom, lina));
    let v = new.with(|d| d.verify(lina)).unwrap();
    assert!(v.failures.is_empty(), "{v:?}");
    assert_eq!(v.valid, v.checked);
    assert_eq!(v.checked, entries_of(&mom, lina).len());
    // Re-exported, every entry's stored bytes and every original record are identical.
    let again = new.with(|d| d.export_json(lina)).unwrap();
    assert_eq!(
        again["signed_entries"].as_object().unwrap().len(),
        sections.len()
    );
    for (section, keys) in export["signed_entries"].as_object().unwrap() {
        for (key, values) in keys.as_object().unwrap() {
            assert_eq!(
                values[0]["stored_base64"],
                again["signed_entries"][section][key][0]["stored_base64"],
                "{section}/{key}"
            );
        }
    }
    let again_records: Vec<&Value> = again["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["signed"])
        .collect();
    for r in export["manifest"].as_array().unwrap() {
        assert!(again_records.contains(&&r["signed"]), "{}", r["key"]);
    }
    // The importing device is an owner: it may invite.
    let addrs = new.addresses();
    new.with(|d| d.invite(lina, &[], Rights::Owner, "2099-06-30", 15, addrs))
        .unwrap();
    // Importing again is refused (already here).
    assert!(new.with(|d| d.import_json(&bytes, Some(&words))).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_export_is_refused_whole_naming_the_bad_item() {
    let mom = TestDevice::new(Role::Family, "Maman").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let lina = mom
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let inv = mom.invite(lina, "annee/2025", Rights::Write);
    teacher.accept(&inv, None).await.unwrap();
    teacher
        .with(|d| {
            d.assess(
                lina,
                2025,
                "1/3",
                "FRANCS",
                None,
                Some(2),
                None,
                APPRECIATION,
            )
        })
        .unwrap();
    teacher.sync_with(&mom).await.unwrap();
    let sheet = mom.with(|d| d.recovery_print()).unwrap();
    let words = sheet.words.join(" ");
    let export = mom.with(|d| d.export_json(lina)).unwrap();
    let new = TestDevice::new(Role::Family, "Nouvel appareil").await;
    let try_import = |v: &Value| {
        new.with(|d| d.import_json(&serde_json::to_vec(v).unwrap(), Some(&words)))
            .unwrap_err()
            .localized(livret::Lang::Fr)
    };

    // 1. A text changed consistently (readable fields and stored bytes): its digest fails.
    let mut t = export.clone();
    let v = &mut t["signed_entries"]["annee/2025"]["bilan/1-3/FRANCS"][0];
    let mut entry = SignedEntry::from_bytes(
        &BASE64
            .decode(v["stored_base64"].as_str().unwrap().as_bytes())
            .unwrap(),
    )
    .unwrap();
    entry.texts[0] = "Élève brillante, félicitations.".into();
    v["texts"] = serde_json::json!(entry.texts);
    v["stored_base64"] = Value::String(BASE64.encode(&entry.to_bytes()));
    let err = try_import(&t);
    assert!(
        err.contains("annee/2025") && err.contains("bilan/1-3/FRANCS"),
        "{err}"
    );
    assert!(err.contains("rien n'a été enregistré"), "{err}");

    // 2. Only the readable text changed: it no longer matches the signed bytes.
    let mut t = export.clone();
    t["signed_entries"]["annee/2025"]["bilan/1-3/FRANCS"][0]["texts"][0] =
        Value::String("Autre texte".into());
    let err = try_import(&t);
    assert!(err.contains("bilan/1-3/FRANCS"), "{err}");

    // 3. A grant's signed bytes altered.
    let mut t = export.clone();
    let grant = t["manifest"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["key"].as_str().unwrap().starts_with("grant/"))
        .unwrap();
    let key = grant["key"].as_str().unwrap().to_string();
    let mut b = hex_decode(grant["signed"].as_str().unwrap());
    let last = b.len() - 1;
    b[last] ^= 1;
    grant["signed"] = Value::String(hex_encode(&b));
    grant["signed_base64"] = Value::String(BASE64.encode(&b));
    let err = try_import(&t);
    assert!(err.contains(&key), "{err}");

    // 4. An entry moved to another section: its signature names its place.
    let mut t = export.clone();
    let moved = t["signed_entries"]["annee/2025"].clone();
    t["signed_entries"]
        .as_object_mut()
        .unwrap()
        .insert(Section::Annee(2024).to_string(), moved);
    let err = try_import(&t);
    assert!(err.contains("annee/2024"), "{err}");

    // Nothing stored by any of these.
    assert!(new.with(|d| d.list()).unwrap().is_empty());
    // The untouched file imports.
    new.with(|d| d.import_json(&serde_json::to_vec(&export).unwrap(), Some(&words)))
        .unwrap();
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
