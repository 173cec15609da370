//! Crash safety: a writer process (`src/bin/crash_writer.rs`) is killed with SIGKILL at random
//! moments, 60 times; after each kill the store opens, passes `Store::integrity_check`, and
//! holds every write the writer had acknowledged (printed after `Store` returned `Ok`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use livret_store::{KeySource, Store};

const RUNS: u64 = 50;

fn payload(i: u64) -> Vec<u8> {
    let mut v = format!("appréciation numéro {i} : ").into_bytes();
    v.extend((0..(i % 512)).map(|k| (k as u8) ^ (i as u8)));
    v
}

/// A small xorshift, seeded from the clock (the seed is printed to replay a failure).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn every_acknowledged_write_survives_sigkill() {
    let home = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(home.path(), KeySource::KeyFile).unwrap();
        store
            .put_section_snapshot("crash-livret", "annee/2025", b"base")
            .unwrap();
    }
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test seed {seed} (CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    let started = Instant::now();
    let mut killed_mid_write = 0;
    for run in 0..RUNS {
        let start = run * 1_000_000;
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
            .arg(home.path())
            .arg(start.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (first_ack, writing) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line
                    .strip_prefix("ack ")
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    if acks.is_empty() {
                        let _ = first_ack.send(());
                    }
                    acks.push(n);
                }
            }
            acks
        });
        // Even runs: somewhere between the opening of the store and a few hundred writes. Odd
        // runs first wait for the first acknowledged write, so that at least half the kills
        // land while writing however slow a loaded machine makes the opening.
        if run % 2 == 1 {
            let _ = writing.recv_timeout(Duration::from_secs(30));
        }
        std::thread::sleep(Duration::from_micros(rng.next() % 100_000));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let got = reader.join().unwrap();
        if status.success() {
            let mut err = String::new();
            use std::io::Read as _;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("the writer ended by itself: {err}");
        }
        if !got.is_empty() {
            killed_mid_write += 1;
        }
        acked.extend(got);

        // Reopen: it opens, it is sound, it holds every acknowledged write.
        let store = Store::open(home.path(), KeySource::KeyFile)
            .unwrap_or_else(|e| panic!("run {run}: the store does not open: {e}"));
        store
            .integrity_check()
            .unwrap_or_else(|e| panic!("run {run}: integrity check: {e}"));
        let held: BTreeSet<u64> = store
            .records("crash")
            .unwrap()
            .into_iter()
            .map(|(id, _, value)| {
                let i: u64 = id.parse().unwrap();
                assert_eq!(value, payload(i), "run {run}: value {i} damaged");
                i
            })
            .collect();
        let missing: Vec<&u64> = acked.difference(&held).collect();
        assert!(
            missing.is_empty(),
            "run {run}: acknowledged writes lost: {missing:?}"
        );
        let audit = store.audit(Some("crash-livret")).unwrap();
        assert_eq!(
            audit.len(),
            held.len(),
            "run {run}: audit and records disagree"
        );
        let increments = store
            .load_section("crash-livret", "annee/2025")
            .unwrap()
            .unwrap()
            .increments;
        for i in acked.iter().filter(|i| *i % 10 == 0) {
            assert!(
                increments.contains(&payload(*i)),
                "run {run}: increment {i} lost"
            );
        }
    }
    eprintln!(
        "crash test: {RUNS} SIGKILLs ({killed_mid_write} while writing), {} acknowledged writes, \
         all held, in {:.1} s",
        acked.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        killed_mid_write >= RUNS / 2,
        "too few kills landed while writing"
    );
}
