#![no_main]
//! Fuzz target `entry`: see `livret_fuzz::entry`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::entry(data));
