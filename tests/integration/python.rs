//! The Python package's own tests (`python/tests/`, pytest), run against the package that
//! `pip install .` built into target/venv-python (`scripts/python/setup.sh`; `.ci/run` runs
//! it), with this build's CLI to compare with.

use std::path::Path;

#[test]
fn the_python_package_passes_its_tests() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv-python/bin/python");
    let Some(python) = crate::util::require(
        python.exists().then_some(python),
        "the Python package's virtualenv target/venv-python",
        "scripts/python/setup.sh makes it with `pip install .`; .ci/run runs that",
    ) else {
        return;
    };
    let output = std::process::Command::new(python)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "python/tests",
        ])
        .env("AUGSAFE_BIN", env!("CARGO_BIN_EXE_augsafe"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the virtualenv's Python runs");
    assert!(
        output.status.success(),
        "pytest failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
