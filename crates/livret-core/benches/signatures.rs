//! Signature verification rates, side by side in one run: strict verification one by one
//! (`verify_signature`, what a session uses for what arrives), the batch that accepts exactly
//! what it accepts (`verify_signatures_batch_strict`), the plain batch (re-reading stored
//! entries), and ed25519-dalek alone. `cargo bench -p livret-core --bench signatures
//! [-- --batch N --signatures N]`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use livret_core::identity::{
    verify_signature, verify_signatures_batch, verify_signatures_batch_strict, DeviceSecret,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let batch = arg("--batch", 44);
    let n = arg("--signatures", 1320);
    // Three authors, as a section holding a class's teachers' entries; messages the size of an
    // entry's signed bytes.
    let authors: Vec<DeviceSecret> = (1..=3u8)
        .map(|b| DeviceSecret::from_bytes(&[b; 32]))
        .collect();
    let items: Vec<_> = (0..n)
        .map(|i| {
            let author = &authors[i % authors.len()];
            let mut m = format!("{i}").into_bytes();
            m.resize(260, b'x');
            let sig = author.sign(&m);
            (author.device_id(), m, sig)
        })
        .collect();
    let rate = |f: &dyn Fn() -> bool| {
        let t = Instant::now();
        assert!(f());
        n as f64 / t.elapsed().as_secs_f64()
    };
    for round in 1..=3 {
        let strict = rate(&|| items.iter().all(|(k, m, s)| verify_signature(k, m, s)));
        let strict_batch = rate(&|| items.chunks(batch).all(verify_signatures_batch_strict));
        let plain_batch = rate(&|| items.chunks(batch).all(verify_signatures_batch));
        let keys: Vec<_> = items
            .iter()
            .map(|(k, _, _)| k.verifying_key().unwrap())
            .collect();
        let sigs: Vec<_> = items
            .iter()
            .map(|(_, _, s)| ed25519_dalek::Signature::from_bytes(s))
            .collect();
        let msgs: Vec<&[u8]> = items.iter().map(|(_, m, _)| m.as_slice()).collect();
        let dalek_strict = rate(&|| {
            msgs.iter()
                .zip(&sigs)
                .zip(&keys)
                .all(|((m, s), k)| k.verify_strict(m, s).is_ok())
        });
        let dalek = rate(&|| {
            (0..n).step_by(batch).all(|start| {
                let end = (start + batch).min(n);
                ed25519_dalek::verify_batch(&msgs[start..end], &sigs[start..end], &keys[start..end])
                    .is_ok()
            })
        });
        println!(
            "round {round}: {n} signatures, batches of {batch}, per second: strict one by one {strict:.0}; \
             strict batch {strict_batch:.0} ({:.2}× strict); plain batch {plain_batch:.0}; \
             ed25519-dalek verify_strict (keys decoded once) {dalek_strict:.0}, verify_batch {dalek:.0}",
            strict_batch / strict
        );
    }
}
