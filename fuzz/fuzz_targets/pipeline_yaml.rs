//! Saved Albumentations pipelines in YAML: any text is read or refused; what is read applies to
//! a glyph, component by component, and writes back without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/integration/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| exercise::pipeline(data, augsafe::albumentations::Format::Yaml));
