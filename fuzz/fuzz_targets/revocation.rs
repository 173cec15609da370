#![no_main]
//! Fuzz target `revocation`: see `livret_fuzz::revocation`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::revocation(data));
