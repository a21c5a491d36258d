//! libFuzzer driver of `juno_fuzz::consistency_proof` (the body documents what a finding is).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| juno_fuzz::consistency_proof(data));
