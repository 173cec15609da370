#![no_main]
//! Fuzz target `lsu_xml`: see `livret_fuzz::lsu_xml`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::lsu_xml(data));
