//! What the integration tests share: running the binary, reading its report, and requiring
//! the outside tools some checks need.

use std::process::Output;

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use serde_json::Value;

/// `augsafe`, ready for arguments: run from the repository root (so fixture paths read as a
/// user types them) with the machine's own thread count.
pub fn augsafe() -> Command {
    let mut command = cargo_bin_cmd!("augsafe");
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RAYON_NUM_THREADS");
    command
}

/// The ceiling hostile input runs under: 1 GiB of address space and 15 seconds. Whatever a
/// file claims or holds, augsafe must finish within it, with its answer or its error.
pub const CEILING: (u64, std::time::Duration) = (1 << 30, std::time::Duration::from_secs(15));

/// `augsafe` under [`CEILING`]: its address space capped by the shell's `ulimit -v` (an
/// allocation beyond it fails, and Rust aborts), and killed when the time is up. glibc reserves
/// 64 MB of address space for each thread's allocation arena, memory never used that the cap
/// counts all the same: two arenas keep the cap a measure of the memory augsafe takes.
pub fn within_ceiling() -> Command {
    let mut command = Command::new("sh");
    command
        .env("MALLOC_ARENA_MAX", "2")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            CEILING.0 >> 10
        ))
        .arg(env!("CARGO_BIN_EXE_augsafe"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RAYON_NUM_THREADS")
        .timeout(CEILING.1);
    command
}

/// Runs `augsafe ARGS...`; whatever the input, the binary must not panic.
pub fn run(args: &[&str]) -> Output {
    let output = augsafe().args(args).output().expect("augsafe runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked"),
        "augsafe {args:?} panicked:\n{stderr}"
    );
    output
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

/// How many samples of `from` a transformation's report changed into `to` (0 for none).
pub fn pair_count(transform: &Value, from: &str, to: &str) -> u64 {
    transform["pairs"]
        .as_array()
        .and_then(|pairs| pairs.iter().find(|p| p["from"] == from && p["to"] == to))
        .and_then(|p| p["count"].as_u64())
        .unwrap_or(0)
}

/// `tool` when it is there. When it is not: under CI (`CI=true`, where `.ci/run` installs it)
/// the check fails; on a hand run it is skipped, and says so loudly on standard error.
pub fn require<T>(tool: Option<T>, what: &str, how: &str) -> Option<T> {
    if tool.is_some() {
        return tool;
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(!ci, "{what} is missing under CI ({how})");
    eprintln!("\n*** SKIPPED: {what} is missing, so this check did not run ({how}) ***\n");
    None
}

/// Copies the folder tree `from` into `to` (files and folders, nothing else).
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a readable folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}

/// Runs `augsafe ARGS...` and returns what it printed, standard output then standard error:
/// the terminal as a user sees it.
pub fn terminal<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    let output = augsafe().args(args).output().expect("augsafe runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
