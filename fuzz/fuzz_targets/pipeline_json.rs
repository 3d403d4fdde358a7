//! Saved Albumentations pipelines (json): any text is read or refused; what is read applies to
//! a glyph and writes back without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let path = std::path::Path::new("fuzz.json");
        if let Ok(pipeline) = augsafe::albumentations::Pipeline::parse(
            text,
            augsafe::albumentations::Format::Json,
            path,
        ) {
            let _ = pipeline.to_spec(Some(255));
            let _ = pipeline.passed_through();
            common::exercise(&pipeline);
            for leaf in pipeline.leaves() {
                let _ = leaf.describe();
                common::exercise(leaf);
            }
        }
    }
});
