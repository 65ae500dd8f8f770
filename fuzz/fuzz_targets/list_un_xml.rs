#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::list_un_xml(data));
