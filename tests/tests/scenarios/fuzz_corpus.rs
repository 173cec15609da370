//! The fuzz corpus and crash reproducers as regular tests: every file of `fuzz/corpus/<target>/`
//! and `fuzz/artifacts/<target>/` goes through the same body as the fuzz target (the bodies are
//! `fuzz/src/lib.rs`, compiled here as a module). A crash found by fuzzing stays a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../fuzz/src/lib.rs"]
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

/// The memory bombs fuzzing found (`fuzz/artifacts/section_doc/oom-*`: crafted Automerge
/// "bundle" chunks, one of 718 bytes grew past 8 GiB) are now refused before Automerge parses
/// them, as a stored increment and inside a peer's sync message. The memory limit of the test
/// process is not set here: `every_corpus_file_and_reproducer_goes_through_its_target` runs them
/// too, and before the fix it took the whole machine's memory.
#[test]
fn memory_bombs_are_refused_with_a_message() {
    let mut n = 0;
    for file in files(&fuzz_dir().join("artifacts").join("section_doc")) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("oom-") || name.starts_with("timeout-")) {
            continue;
        }
        let data = std::fs::read(&file).unwrap();
        let chunk = data[1..].to_vec();
        let err = livret_core::doc::SectionDoc::load(&[], &[chunk])
            .err()
            .unwrap_or_else(|| panic!("{name} loaded"));
        assert!(
            err.to_string().contains("bundle"),
            "{name}: unexpected error {err}"
        );
        n += 1;
    }
    assert!(n >= 10, "reproducers missing ({n})");
}
