#![no_main]
//! Fuzz target `control_record`: see `livret_fuzz::control_record`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::control_record(data));
