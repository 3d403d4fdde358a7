//! Running the real binary, shared by the integration tests that need nothing more than its
//! output and its JSON report.
// Each test crate uses what it needs of this module.
#![allow(dead_code, clippy::expect_used)]

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Runs `augsafe ARGS...` with the machine's own thread count.
pub fn augsafe(args: &[&str]) -> Output {
    Command::cargo_bin("augsafe")
        .expect("the augsafe binary is built")
        .env_remove("RAYON_NUM_THREADS")
        .args(args)
        .output()
        .expect("augsafe runs")
}

/// The JSON report a successful run printed; a failed run fails the test with its stderr.
pub fn report(output: &Output, what: &str) -> Value {
    assert!(
        output.status.success(),
        "{what}: exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is the JSON report")
}
