#![no_main]
//! Fuzz target `genesis`: see `livret_fuzz::genesis`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::genesis(data));
