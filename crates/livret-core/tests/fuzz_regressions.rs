//! Inputs that crashed a fuzz target (`fuzz/artifacts/`), as regular tests of the crate where
//! the fix lives. (`fuzz_corpus.rs` in the tests crate also replays every artifact through its
//! target.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret_core::doc::SectionDoc;

/// `section_doc`: an increment that makes Automerge's column decoder (`hexane`) unwrap an
/// error. Before the fix, loading it panicked (a crash of whatever loaded it); now it is an
/// error, whether it arrives as a stored increment or as a snapshot.
#[test]
fn a_malformed_increment_is_an_error_not_a_panic() {
    let input = include_bytes!("fuzz/section_doc-crash-ccf71bdb");
    let chunk = &input[1..];
    assert!(SectionDoc::load(&[], &[chunk.to_vec()]).is_err());
    assert!(SectionDoc::load(chunk, &[]).is_err());
    // And the same bytes as the changes of a sync message are refused, not a panic.
    let mut doc = SectionDoc::new();
    let mut state = automerge::sync::State::new();
    let _ = doc.receive_unchecked(&mut state, chunk);
}
