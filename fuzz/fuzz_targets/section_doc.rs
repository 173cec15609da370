#![no_main]
//! Fuzz target `section_doc`: see `livret_fuzz::section_doc`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::section_doc(data));
