#![no_main]
//! Fuzz target `owner_record`: see `livret_fuzz::owner_record`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::owner_record(data));
