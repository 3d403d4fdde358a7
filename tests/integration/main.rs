//! The integration tests: one test binary, so `cargo test` links once. Each module runs the
//! real `augsafe` binary (through [`util`]) on `fixtures/` and reads its JSON and exit code, or
//! checks a property of the library as a user of it sees it.

// In a test, a failed `expect` is a test failure with its message, which is what is wanted.
#![allow(clippy::expect_used)]

mod util;

mod arbitrary;
mod bad_input;
mod exact;
mod exercise;
mod formats;
mod golden;
mod hostile;
mod html;
mod idx;
mod layers;
#[cfg(feature = "onnx")]
mod model;
mod pipeline;
mod python;
mod recommend;
mod scan;
mod stop;
mod sweep;
