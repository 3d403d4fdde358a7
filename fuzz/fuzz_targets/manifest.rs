//! CSV manifests and label mappings: any bytes are read or refused with the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/integration/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    let _ = augsafe::Dataset::from_manifest(&exercise::file_of("manifest.csv", data));
    let _ = augsafe::dataset::idx::read_mapping(&exercise::file_of("mapping.txt", data));
});
