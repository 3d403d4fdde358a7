//! The JSON report of a fixed scan, compared byte for byte with a golden file.
//! A change that is meant to move the numbers rewrites it with `REGENERATE=1 cargo test golden`.

use std::path::Path;

#[test]
fn the_digits_report_matches_the_golden_file() {
    let output = crate::util::augsafe()
        .args([
            "scan",
            "fixtures/digits",
            "--json",
            "-",
            "--quiet",
            "--seed",
            "11",
        ])
        .args([
            "-t",
            "rotate:180",
            "-t",
            "crop:0.6..0.9+rotate:-10..10",
            "-t",
            "crop:bottom=0.5",
        ])
        .output()
        .expect("augsafe runs");
    assert!(output.status.success());
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/digits.json");
    if std::env::var_os("REGENERATE").is_some() {
        std::fs::write(&golden, &output.stdout).expect("golden file written");
    }
    let expected = std::fs::read(&golden).expect("golden file present (REGENERATE=1 writes it)");
    assert!(
        expected == output.stdout,
        "the report differs from {}; if the change is intended, rerun with REGENERATE=1\n{}",
        golden.display(),
        String::from_utf8_lossy(&output.stdout)
    );
}
