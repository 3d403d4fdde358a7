//! IDX files, gzipped or not: any bytes are read or refused, never more than the header
//! promises.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/integration/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    let _ = augsafe::dataset::idx::parse_idx(data, std::path::Path::new("fuzz-idx3-ubyte"));
    // Through the file reader too, which inflates gzip (the first byte chooses).
    let name = if data.first().is_some_and(|b| b & 1 == 1) {
        "fuzz-idx3-ubyte.gz"
    } else {
        "fuzz-idx3-ubyte"
    };
    let _ = augsafe::dataset::idx::read_idx(&exercise::file_of(name, data));
});
