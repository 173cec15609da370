#![no_main]
//! Fuzz target `section_sync`: see `livret_fuzz::section_sync`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::section_sync(data));
