//! libFuzzer driver of `juno_fuzz::signed_note` (the body documents what a finding is).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| juno_fuzz::signed_note(data));
