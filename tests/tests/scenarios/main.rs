//! Every multi-device scenario in one test binary (one link of libp2p, Automerge and SQLite
//! instead of one per file): one module per scenario. Run one with
//! `cargo test -p livret-tests --test scenarios sharing::`.

mod adversarial;
mod at_rest;
mod attacks_a;
mod attacks_b;
mod attacks_c;
mod batch;
mod consent;
mod crash;
mod erasure;
mod formats;
mod fuzz_corpus;
mod jury;
mod mailbox;
mod messages;
mod peer;
mod portability;
mod primary;
mod recovery;
mod redeem;
mod refusals;
mod relay_addresses;
mod sharing;
mod teams;

/// An error's message in French, as a French user reads it (`Display` is English).
pub fn fr(e: &impl livret::core::Localized) -> String {
    e.localized(livret::core::Lang::Fr)
}
