#![no_main]
//! Fuzz target `invitation_text`: see `livret_fuzz::invitation_text`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| livret_fuzz::invitation_text(data));
