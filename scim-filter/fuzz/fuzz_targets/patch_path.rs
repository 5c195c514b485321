#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| drop(scim_filter::PatchPath::parse(text)));
