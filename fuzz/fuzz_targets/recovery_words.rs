#![no_main]
//! Fuzz target `recovery_words`: see `livret_fuzz::recovery_words`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::recovery_words(data));
