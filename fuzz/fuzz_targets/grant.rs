#![no_main]
//! Fuzz target `grant`: see `livret_fuzz::grant`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::grant(data));
