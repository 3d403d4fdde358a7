//! Bad input through the real binary (the README's "Input" section): unreadable files are skipped
//! and listed, non-images ignored and counted, odd but valid encodings loaded, too little data
//! and bad specs refused with a message and the documented exit code, and nothing written where
//! it should not be. The fixtures are built by `cargo run --example bad_fixtures`.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use serde_json::Value;

/// How a run of the binary ended.
struct Run {
    code: Option<i32>,
    stderr: String,
}

/// Runs `augsafe ARGS...` from the repository root, so fixture paths are relative as a user
/// would type them; whatever the input, the binary must not panic.
fn augsafe(args: &[&str]) -> Run {
    let output = crate::util::run(args);
    Run {
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `augsafe scan fixtures/bad -t rotate:180 --json OUT`, run once for the tests that read it.
struct BadScan {
    run: Run,
    report: Value,
}

fn bad_scan() -> &'static BadScan {
    static SCAN: OnceLock<BadScan> = OnceLock::new();
    SCAN.get_or_init(|| {
        let out = tempfile::tempdir().expect("a temporary directory");
        let json = out.path().join("report.json");
        let run = augsafe(&[
            "scan",
            "fixtures/bad",
            "--json",
            path_arg(&json),
            "-t",
            "rotate:180",
            "--quiet",
        ]);
        assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
        let bytes = fs::read(&json).expect("the JSON report was written");
        let report = serde_json::from_slice(&bytes).expect("the report is JSON");
        BadScan { run, report }
    })
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// The `dataset.skipped` entry for a file (`6/truncated.png`), if any.
fn skipped_entry<'a>(report: &'a Value, file: &str) -> Option<&'a Value> {
    report["dataset"]["skipped"]
        .as_array()
        .expect("dataset.skipped is a list")
        .iter()
        .find(|entry| {
            entry["path"]
                .as_str()
                .is_some_and(|p| Path::new(p).ends_with(file))
        })
}

fn reason<'a>(report: &'a Value, file: &str) -> &'a str {
    let entry = skipped_entry(report, file).unwrap_or_else(|| panic!("{file} is not skipped"));
    entry["reason"]
        .as_str()
        .expect("a skipped file has a reason")
}

/// The files `fixtures/bad` holds that cannot be used, and a word their reason must contain.
const UNUSABLE: [(&str, &str); 4] = [
    ("6/blank.png", "blank"),
    ("6/truncated.png", "decode"),
    ("6/zero_byte.png", "0 bytes"),
    ("9/not_an_image.png", "format"),
];

#[test]
fn unusable_files_are_skipped_each_with_its_reason() {
    let report = &bad_scan().report;
    let skipped = report["dataset"]["skipped"]
        .as_array()
        .expect("dataset.skipped is a list");
    assert_eq!(
        skipped.len(),
        UNUSABLE.len(),
        "exactly the unusable files are skipped: {skipped:#?}"
    );
    for (file, word) in UNUSABLE {
        let reason = reason(report, file);
        assert!(
            reason.contains(word),
            "the reason for {file} should say '{word}': {reason}"
        );
    }
}

#[test]
fn every_skipped_file_is_named_in_a_warning() {
    // A few skipped files: one warning that counts them, then each on its own line below it.
    let stderr = &bad_scan().run.stderr;
    let (_, listed) = stderr
        .split_once("warning: skipped 4 file(s) that could not be used\n")
        .unwrap_or_else(|| panic!("no warning counts the skipped files:\n{stderr}"));
    let listed: Vec<&str> = listed.lines().take_while(|l| l.starts_with("  ")).collect();
    for (file, _) in UNUSABLE {
        assert!(
            listed.iter().any(|line| line.contains(file)),
            "no warning names {file}:\n{stderr}"
        );
    }
    assert!(
        stderr
            .lines()
            .any(|line| line.contains("warning") && line.contains("empty_class")),
        "no warning names the empty class folder:\n{stderr}"
    );
}

#[test]
fn non_images_are_ignored_and_counted() {
    // 9/notes.txt: a file below a class folder without an image extension.
    assert_eq!(bad_scan().report["dataset"]["ignored"], 1);
    // empty_class/.gitkeep: hidden, left out and counted apart.
    assert_eq!(bad_scan().report["dataset"]["hidden"], 1);
}

#[test]
fn a_class_folder_without_images_is_reported_empty_and_is_no_class() {
    let dataset = &bad_scan().report["dataset"];
    assert_eq!(dataset["empty_classes"], serde_json::json!(["empty_class"]));
    assert_eq!(dataset["classes"], serde_json::json!(["6", "9"]));
}

#[test]
fn every_usable_image_is_counted() {
    // Per class: three copied fixtures, plus rgba_on_transparent and palette (6) or grey16 and
    // other_size (9).
    assert_eq!(bad_scan().report["dataset"]["images"], 10);
}

/// A valid file in an unusual encoding must load, not be skipped.
fn assert_loaded(file: &str) {
    let report = &bad_scan().report;
    assert!(
        skipped_entry(report, file).is_none(),
        "{file} must load, but was skipped: {}",
        reason(report, file)
    );
}

#[test]
fn rgba_on_a_transparent_background_loads() {
    assert_loaded("6/rgba_on_transparent.png");
}

#[test]
fn sixteen_bit_grey_loads() {
    assert_loaded("9/grey16.png");
}

#[test]
fn an_indexed_colour_png_loads() {
    assert_loaded("6/palette.png");
}

#[test]
fn an_image_of_another_size_loads() {
    assert_loaded("9/other_size.png");
}

#[test]
fn odd_encodings_decode_to_the_right_glyph() {
    // Leave-one-out on five images per class: a misdecoded image (inverted, garbled) would be
    // read as the other class.
    let accuracy = &bad_scan().report["classifier"]["per_class_accuracy"];
    assert_eq!(accuracy["6"], 1.0, "{accuracy}");
    assert_eq!(accuracy["9"], 1.0, "{accuracy}");
}

#[test]
fn a_six_still_turns_into_a_nine_among_bad_files() {
    let transforms = bad_scan().report["transforms"]
        .as_array()
        .expect("transforms is a list");
    let rotate = transforms
        .iter()
        .find(|t| t["spec"] == "rotate:180")
        .expect("rotate:180 is in the report");
    let six_to_nine = rotate["pairs"]
        .as_array()
        .expect("pairs is a list")
        .iter()
        .find(|p| p["from"] == "6" && p["to"] == "9");
    assert!(
        six_to_nine.is_some_and(|p| p["count"].as_u64() > Some(0)),
        "no 6→9 under rotate:180: {}",
        rotate["pairs"]
    );
}

#[test]
fn a_single_class_is_an_error_that_says_what_was_found() {
    let run = augsafe(&["scan", "fixtures/single_class"]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("1 class"), "{}", run.stderr);
    assert!(run.stderr.contains("'7'"), "{}", run.stderr);
}

#[test]
fn an_empty_folder_is_an_error_that_says_what_was_found() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = augsafe(&["scan", path_arg(dir.path())]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains(path_arg(dir.path())), "{}", run.stderr);
    assert!(run.stderr.contains("0 class folders"), "{}", run.stderr);
    assert!(run.stderr.contains("0 usable images"), "{}", run.stderr);
}

#[test]
fn a_missing_folder_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("no_such_dataset");
    let run = augsafe(&["scan", path_arg(&missing)]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains(path_arg(&missing)), "{}", run.stderr);
}

#[test]
fn bad_specs_are_usage_errors_that_name_the_spec() {
    for spec in ["spin:90", "crop:1.5", "rotate:10..-10"] {
        let run = augsafe(&["scan", "fixtures/digits", "-t", spec]);
        assert_eq!(run.code, Some(2), "-t {spec}, stderr:\n{}", run.stderr);
        assert!(run.stderr.contains(spec), "-t {spec}:\n{}", run.stderr);
    }
}

#[test]
fn a_report_into_a_missing_folder_fails_and_writes_nothing() {
    let out = tempfile::tempdir().expect("a temporary directory");
    let json = out.path().join("missing").join("report.json");
    let run = augsafe(&[
        "scan",
        "fixtures/bad",
        "--json",
        path_arg(&json),
        "-t",
        "rotate:180",
        "--quiet",
    ]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains(path_arg(&json)), "{}", run.stderr);
    assert_eq!(listing(out.path()), Vec::new(), "something was written");
}

#[test]
fn the_input_folder_is_never_written_to() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad");
    let before = listing(&root);
    let out = tempfile::tempdir().expect("a temporary directory");
    for json in [
        out.path().join("report.json"),
        out.path().join("missing/report.json"),
    ] {
        augsafe(&["scan", "fixtures/bad", "--json", path_arg(&json), "--quiet"]);
    }
    augsafe(&["scan", "fixtures/bad", "--json", "-", "-t", "hflip"]);
    assert_eq!(listing(&root), before);
}

/// Every file and folder below `root` with its size and modification time, sorted.
fn listing(root: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let mut entries = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("the folder can be listed") {
            let path = entry.expect("the folder can be listed").path();
            let meta = fs::metadata(&path).expect("the entry has metadata");
            if meta.is_dir() {
                pending.push(path.clone());
            }
            let modified = meta.modified().expect("the file system keeps times");
            entries.push((path, meta.len(), modified));
        }
    }
    entries.sort();
    entries
}

#[test]
fn output_paths_are_checked_before_any_work() {
    // The missing folder of an output is named even though the dataset is missing too: the
    // outputs are checked first, so a long scan never ends without its report.
    let run = augsafe(&[
        "scan",
        "no/such/dataset",
        "--markdown",
        "no/such/folder/report.md",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--markdown: the folder no/such/folder does not exist"),
        "{}",
        run.stderr
    );
    // A folder where a file belongs.
    let run = augsafe(&["scan", "no/such/dataset", "--json", "fixtures"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("--json names a folder"),
        "{}",
        run.stderr
    );
    // Two reports in one file, or two on standard output: a usage error.
    let run = augsafe(&[
        "scan",
        "fixtures/digits",
        "--json",
        "x.json",
        "--html",
        "x.json",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("--json and --html both name x.json"),
        "{}",
        run.stderr
    );
    let run = augsafe(&[
        "sweep",
        "fixtures/digits",
        "--op",
        "rotate",
        "--json",
        "-",
        "--plot",
        "-",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("only one report can go to standard output"),
        "{}",
        run.stderr
    );
    let run = augsafe(&[
        "recommend",
        "fixtures/digits",
        "--out",
        "r.yaml",
        "--policy",
        "r.yaml",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[test]
fn many_skipped_files_are_summarised_on_the_terminal_and_listed_in_the_report() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path().join("digits");
    crate::util::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/digits"),
        &root,
    );
    for i in 0..12 {
        fs::write(root.join("3").join(format!("broken_{i:02}.png")), b"").expect("a file");
    }
    let json = dir.path().join("report.json");
    let output = crate::util::run(&[
        "scan",
        path_arg(&root),
        "-t",
        "hflip",
        "--json",
        path_arg(&json),
    ]);
    assert!(output.status.success());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        stderr.contains("warning: skipped 12 file(s) that could not be used (the first 5 below"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("broken_").count(), 5, "{stderr}");
    assert!(stderr.contains("and 7 more"), "{stderr}");
    // The table says the same, once.
    assert_eq!(stdout.matches("broken_").count(), 5, "{stdout}");
    assert!(stdout.contains("and 7 more"), "{stdout}");
    // The report has every one.
    let report: Value =
        serde_json::from_slice(&fs::read(&json).expect("the report")).expect("JSON");
    assert_eq!(
        report["dataset"]["skipped"].as_array().map(Vec::len),
        Some(12)
    );
}

#[test]
fn a_class_folder_given_as_the_dataset_is_recognised_and_named_once() {
    let run = augsafe(&["scan", "fixtures/digits/6"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("fixtures/digits/6").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("cannot scan fixtures/digits/6: found 0 class folders"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("holds 18 image(s) directly, which belong one level down"),
        "{}",
        run.stderr
    );
    // A missing folder is named once too.
    let run = augsafe(&["scan", "no/such/dataset"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.matches("no/such/dataset").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_show_the_usage_of_the_subcommand_given() {
    let run = augsafe(&[
        "sweep",
        "fixtures/digits",
        "--op",
        "rotate",
        "--range",
        "1-2",
    ]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("Usage: augsafe sweep [OPTIONS] --op <OP>"),
        "{}",
        run.stderr
    );
    let run = augsafe(&["scan", "fixtures/digits", "--json", "-", "--html", "-"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("Usage: augsafe scan [OPTIONS]"),
        "{}",
        run.stderr
    );
}
