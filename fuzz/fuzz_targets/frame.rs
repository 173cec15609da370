#![no_main]
//! Fuzz target `frame`: see `livret_fuzz::frame`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::frame(data));
