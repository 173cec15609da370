//! The fuzz corpus and crash reproducers as regular tests: every file of `fuzz/corpus/<target>/`
//! and `fuzz/artifacts/<target>/` goes through the same body as the fuzz target (the bodies are
//! `fuzz/src/lib.rs`, compiled here as a module). A crash found by fuzzing stays a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn every_corpus_file_and_reproducer_goes_through_its_target() {
    let mut n = 0;
    for target in bodies::TARGETS {
        for kind in ["corpus", "artifacts"] {
            for file in files(&fuzz_dir().join(kind).join(target)) {
                // Open findings (not fixed yet) are run by `open_findings` below, by hand.
                if file
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("open-"))
                {
                    continue;
                }
                let data = std::fs::read(&file).unwrap();
                let r = std::panic::catch_unwind(|| bodies::run(target, &data));
                assert!(r.is_ok(), "{target}: {} panics", file.display());
                n += 1;
            }
        }
    }
    assert!(n >= bodies::TARGETS.len(), "corpus missing ({n} files)");
}

#[test]
fn seeds_go_through_their_targets() {
    for (target, name, data) in bodies::seeds() {
        let r = std::panic::catch_unwind(|| bodies::run(target, &data));
        assert!(r.is_ok(), "seed {target}/{name} panics");
    }
}

/// Writes the seeds into `fuzz/corpus/<target>/seed-<name>` (run by hand, see SECURITY.md).
#[test]
#[ignore]
fn write_seeds() {
    for (target, name, data) in bodies::seeds() {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    }
}

/// Open findings: reproducers kept as `fuzz/artifacts/<target>/open-*`, not fixed yet (see
/// SECURITY.md, "Fuzzing"). `section_doc/open-oom-1277ce72…`: a 718-byte Automerge chunk whose
/// loading grows past 8 GiB. Run by hand, under a memory limit:
/// `(ulimit -v 4000000; cargo test -p livret-tests --test fuzz_corpus -- --ignored open_findings)`.
#[test]
#[ignore]
fn open_findings() {
    for target in bodies::TARGETS {
        for file in files(&fuzz_dir().join("artifacts").join(target)) {
            if file
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("open-"))
            {
                let data = std::fs::read(&file).unwrap();
                bodies::run(target, &data);
            }
        }
    }
}
