//! A writer for the crash-safety test (`tests/tests/scenarios/crash.rs`): opens the store of the home
//! given as first argument and writes numbered values from the index given as second argument,
//! forever. Each write is one transaction (a record, an audit line and, every tenth, a section
//! increment); once `Store` has acknowledged it, `ack N` is printed and flushed. The test kills
//! this process with SIGKILL at random moments and checks that every acknowledged write is
//! there.

use std::io::Write as _;
use std::path::PathBuf;

use livret_store::{AuditEntry, KeySource, OpenOptions, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let home = PathBuf::from(args.next().ok_or("usage: crash_writer HOME START")?);
    let start: u64 = args
        .next()
        .ok_or("usage: crash_writer HOME START")?
        .parse()?;
    let options = OpenOptions {
        create: false,
        ..OpenOptions::default()
    };
    let mut store = Store::open_with(&home, KeySource::KeyFile, &options)?;
    let stdout = std::io::stdout();
    for i in start.. {
        let id = format!("{i:010}");
        let value = payload(i);
        store.transaction(|tx| -> Result<(), livret_store::StoreError> {
            tx.put_record("crash", &id, Some("crash-livret"), &value)?;
            tx.append_audit(&AuditEntry {
                at: i as i64,
                livret: Some("crash-livret".into()),
                peer: None,
                section: Some("annee/2025".into()),
                action: "written".into(),
                outcome: "accepted".into(),
                detail: id.clone(),
            })?;
            if i % 10 == 0 {
                tx.append_section_changes("crash-livret", "annee/2025", &value)?;
            }
            Ok(())
        })?;
        let mut out = stdout.lock();
        writeln!(out, "ack {i}")?;
        out.flush()?;
    }
    Ok(())
}

/// The value written under index `i` (the test recomputes it).
fn payload(i: u64) -> Vec<u8> {
    let mut v = format!("appréciation numéro {i} : ").into_bytes();
    v.extend((0..(i % 512)).map(|k| (k as u8) ^ (i as u8)));
    v
}
