#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::transaction_csv(data));
