#![no_main]
//! Fuzz target `invitation`: see `livret_fuzz::invitation`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::invitation(data));
