#![no_main]
//! Fuzz target `certificate`: see `livret_fuzz::certificate`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::certificate(data));
