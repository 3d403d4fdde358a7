//! IDX input, CSV manifests and per-class sampling, through the real binary, on IDX files
//! written by an independent writer (idx2numpy; `fixtures/idx/README.md`).

use crate::util::{pair_count, report, run};
use serde_json::Value;

fn scan(args: &[&str]) -> Value {
    let mut all = vec!["scan", "--quiet", "--json", "-", "-t", "rotate:180"];
    all.extend_from_slice(args);
    report(&run(&all), &format!("{args:?}"))
}

fn pair(report: &Value, from: &str, to: &str) -> u64 {
    pair_count(&report["transforms"][0], from, to)
}

const IMAGES: &str = "fixtures/idx/digits-images-idx3-ubyte";
const LABELS: &str = "fixtures/idx/digits-labels-idx1-ubyte";

#[test]
fn an_idx_pair_is_read_with_its_labels_and_6_turns_into_9() {
    let report = scan(&["--idx-images", IMAGES, "--idx-labels", LABELS]);
    assert_eq!(report["dataset"]["images"], 180);
    let classes: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    assert_eq!(report["dataset"]["classes"], serde_json::json!(classes));
    assert_eq!(report["classifier"]["baseline_accuracy"], 1.0);
    assert!(pair(&report, "6", "9") >= 9 && pair(&report, "9", "6") >= 9);
    // The same digits as PNG files give the same verdicts: the reader saw the same glyphs.
    let png = scan(&["fixtures/digits"]);
    assert_eq!(
        report["transforms"][0]["classes"],
        png["transforms"][0]["classes"]
    );
}

#[test]
fn gzipped_pairs_folders_and_float_images_read_the_same() {
    let plain = scan(&["--idx-images", IMAGES, "--idx-labels", LABELS]);
    for args in [
        vec!["fixtures/idx/gz"],
        vec!["fixtures/idx"],
        vec![
            "--idx-images",
            "fixtures/idx/gz/digits-images-idx3-ubyte.gz",
            "--idx-labels",
            "fixtures/idx/gz/digits-labels-idx1-ubyte.gz",
        ],
        vec![
            "--idx-images",
            "fixtures/idx/transposed/digits-images-idx3-ubyte.gz",
            "--idx-labels",
            "fixtures/idx/transposed/digits-labels-idx1-ubyte.gz",
            "--transpose",
        ],
        // A folder holding a transposed pair, turned back by the same flag.
        vec!["fixtures/idx/transposed", "--transpose"],
    ] {
        let report = scan(&args);
        assert_eq!(report["transforms"], plain["transforms"], "{args:?}");
    }
    let floats = scan(&[
        "--idx-images",
        "fixtures/idx/float32/digits-images-idx3-ubyte.gz",
        "--idx-labels",
        "fixtures/idx/float32/digits-labels-idx1-ubyte.gz",
    ]);
    assert_eq!(floats["dataset"]["images"], 30);
    assert!(pair(&floats, "6", "9") > 0);
}

#[test]
fn transposed_images_differ_until_turned_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let examples = |extra: &[&str]| -> Vec<Vec<u8>> {
        let out = dir.path().join(format!("ex{}", extra.len()));
        let mut args = vec![
            "scan",
            "--quiet",
            "-t",
            "rotate:180",
            "--examples",
            "1",
            "--idx-images",
            "fixtures/idx/transposed/digits-images-idx3-ubyte.gz",
            "--idx-labels",
            "fixtures/idx/transposed/digits-labels-idx1-ubyte.gz",
            "--examples-dir",
        ];
        let out_str = out.to_str().expect("utf-8").to_string();
        args.push(&out_str);
        args.extend_from_slice(extra);
        assert!(run(&args).status.success());
        let mut files: Vec<_> = std::fs::read_dir(&out)
            .expect("examples")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read(f).expect("png"))
            .collect()
    };
    // The original panel of each strip is the stored image: transposed without the flag.
    assert_ne!(examples(&[]), examples(&["--transpose"]));
}

#[test]
fn label_names_come_from_a_mapping_or_a_list() {
    let emnist = scan(&[
        "--idx-images",
        IMAGES,
        "--idx-labels",
        LABELS,
        "--idx-mapping",
        "fixtures/idx/digits-mapping.txt",
    ]);
    assert_eq!(emnist["dataset"]["classes"][6], "6");
    let named = scan(&[
        "fixtures/idx",
        "--idx-mapping",
        "fixtures/idx/digits-names.txt",
    ]);
    assert!(
        pair(&named, "six", "nine") >= 9,
        "{}",
        named["transforms"][0]["pairs"]
    );
}

#[test]
fn every_broken_idx_file_is_a_clear_error() {
    let cases = [
        (
            "fixtures/idx/bad/truncated-images-idx3-ubyte",
            LABELS,
            "truncated",
        ),
        (
            "fixtures/idx/bad/wrong-magic-images-idx3-ubyte",
            LABELS,
            "wrong magic number",
        ),
        (
            "fixtures/idx/bad/bad-type-images-idx3-ubyte",
            LABELS,
            "element type",
        ),
        ("fixtures/idx/bad/empty-idx3-ubyte", LABELS, "0 bytes"),
        (
            "fixtures/idx/bad/truncated-header-idx3-ubyte",
            LABELS,
            "truncated header",
        ),
        (
            IMAGES,
            "fixtures/idx/bad/short-labels-idx1-ubyte",
            "count mismatch",
        ),
        (LABELS, LABELS, "3 dimensions"),
        ("fixtures/idx/no-such-file", LABELS, "no-such-file"),
    ];
    for (images, labels, reason) in cases {
        let output = run(&["scan", "--idx-images", images, "--idx-labels", labels]);
        assert_eq!(output.status.code(), Some(1), "{images}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(reason),
            "{images}: {stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
    let unnamed = run(&[
        "scan",
        "--idx-images",
        IMAGES,
        "--idx-labels",
        LABELS,
        "--idx-mapping",
        "fixtures/idx/bad/empty-idx3-ubyte",
    ]);
    assert_eq!(unnamed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unnamed.stderr).contains("has no name in the mapping"));
    let half = run(&["scan", "--idx-images", IMAGES]);
    assert_eq!(
        half.status.code(),
        Some(2),
        "--idx-images needs --idx-labels"
    );
}

#[test]
fn a_csv_manifest_names_flat_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize("fixtures/digits").expect("fixtures");
    let mut csv = String::from("path,label\n");
    for digit in ["6", "9", "1"] {
        for entry in std::fs::read_dir(root.join(digit)).expect("class folder") {
            let path = entry.expect("entry").path();
            csv.push_str(&format!("{},{digit}\n", path.display()));
        }
    }
    csv.push_str("missing.png,1\n");
    let manifest = dir.path().join("manifest.csv");
    std::fs::write(&manifest, csv).expect("manifest written");
    let report = scan(&["--manifest", manifest.to_str().expect("utf-8")]);
    assert_eq!(
        report["dataset"]["classes"],
        serde_json::json!(["1", "6", "9"])
    );
    assert_eq!(report["dataset"]["images"], 54);
    assert_eq!(
        report["dataset"]["skipped"].as_array().map(Vec::len),
        Some(1)
    );
    assert!(pair(&report, "6", "9") >= 9);

    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "path,label\n").expect("written");
    let output = run(&["scan", "--manifest", empty.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("0 usable images") && stderr.contains("rows of path,label"),
        "{stderr}"
    );

    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, "a.png,1\nb.png\n").expect("written");
    let output = run(&["scan", "--manifest", broken.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn sampling_keeps_at_most_n_per_class_and_follows_the_seed() {
    let sampled = |seed: &str| scan(&["fixtures/digits", "--max-per-class", "4", "--seed", seed]);
    let first = sampled("1");
    assert_eq!(first["dataset"]["images"], 40);
    assert_eq!(first, sampled("1"));
    let per_class: u64 = first["transforms"][0]["classes"][6]["samples"]
        .as_u64()
        .unwrap_or(0);
    assert!(per_class <= 4);
    let other = sampled("2");
    assert_eq!(other["dataset"]["images"], 40);
    let unsampled = scan(&["fixtures/digits", "--max-per-class", "1000"]);
    assert_eq!(unsampled["dataset"]["images"], 180);
}

#[test]
fn templates_are_saved_for_a_peer_to_score_against() {
    let dir = tempfile::tempdir().expect("tempdir");
    let npy = dir.path().join("templates.npy");
    let report = scan(&[
        "--idx-images",
        IMAGES,
        "--idx-labels",
        LABELS,
        "--save-templates",
        npy.to_str().expect("utf-8"),
    ]);
    let templates = report["classifier"]["templates"].as_u64().expect("count") as usize;
    let bytes = std::fs::read(&npy).expect("npy written");
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let header = String::from_utf8_lossy(&bytes[10..10 + header_len]);
    assert!(
        header.contains(&format!("'shape': ({templates}, 1024)")),
        "{header}"
    );
    assert_eq!(bytes.len(), 10 + header_len + templates * 1024 * 4);
    let labels = std::fs::read_to_string(dir.path().join("templates.labels.txt")).expect("labels");
    let labels: Vec<&str> = labels.lines().collect();
    assert_eq!(labels.len(), templates);
    assert!(labels
        .iter()
        .all(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_digit())));
    assert!(labels.contains(&"6") && labels.contains(&"9"));
}

#[test]
fn a_manifest_header_may_use_other_words_and_put_the_label_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize("fixtures/digits").expect("fixtures");
    let rows = |label_first: bool| -> String {
        let mut csv = String::new();
        for digit in ["6", "9", "1"] {
            for entry in std::fs::read_dir(root.join(digit)).expect("class folder") {
                let path = entry.expect("entry").path();
                if label_first {
                    csv.push_str(&format!("{digit},{}\n", path.display()));
                } else {
                    csv.push_str(&format!("{},{digit}\n", path.display()));
                }
            }
        }
        csv
    };
    for (header, label_first) in [("filename,class", false), ("label,image", true)] {
        let manifest = dir.path().join("manifest.csv");
        std::fs::write(&manifest, format!("{header}\n{}", rows(label_first))).expect("written");
        let report = scan(&["--manifest", manifest.to_str().expect("utf-8")]);
        assert_eq!(
            report["dataset"]["classes"],
            serde_json::json!(["1", "6", "9"]),
            "{header}"
        );
        assert_eq!(report["dataset"]["images"], 54, "{header}");
        assert_eq!(
            report["dataset"]["skipped"].as_array().map(Vec::len),
            Some(0),
            "{header}"
        );
    }
}

#[test]
fn of_two_idx_pairs_the_training_pair_is_read_unless_split_chooses_and_the_report_says_which() {
    let dir = tempfile::tempdir().expect("tempdir");
    let images = std::fs::read("fixtures/idx/digits-images-idx3-ubyte").expect("fixture");
    let labels = std::fs::read("fixtures/idx/digits-labels-idx1-ubyte").expect("fixture");
    // MNIST's names: the fixture as the test pair, its first 100 glyphs as the training pair.
    std::fs::write(dir.path().join("t10k-images-idx3-ubyte"), &images).expect("written");
    std::fs::write(dir.path().join("t10k-labels-idx1-ubyte"), &labels).expect("written");
    let (rows, cols) = (&images[8..12], &images[12..16]);
    let pixels = u32::from_be_bytes(rows.try_into().expect("4 bytes")) as usize
        * u32::from_be_bytes(cols.try_into().expect("4 bytes")) as usize;
    let mut train = images[..4].to_vec();
    train.extend_from_slice(&100u32.to_be_bytes());
    train.extend_from_slice(&images[8..16]);
    train.extend_from_slice(&images[16..16 + 100 * pixels]);
    let mut train_labels = labels[..4].to_vec();
    train_labels.extend_from_slice(&100u32.to_be_bytes());
    train_labels.extend_from_slice(&labels[8..108]);
    std::fs::write(dir.path().join("train-images-idx3-ubyte"), train).expect("written");
    std::fs::write(dir.path().join("train-labels-idx1-ubyte"), train_labels).expect("written");
    let folder = dir.path().to_str().expect("utf-8");

    let report = scan(&[folder]);
    assert_eq!(report["dataset"]["images"], 100);
    let files = report["dataset"]["files"].to_string();
    assert!(
        files.contains("train-images-idx3-ubyte") && files.contains("train-labels-idx1-ubyte"),
        "{files}"
    );
    assert_eq!(
        report["dataset"]["other_splits"],
        serde_json::json!(["t10k-images-idx3-ubyte"])
    );

    let report = scan(&[folder, "--split", "t10k"]);
    assert_eq!(report["dataset"]["images"], 180);
    assert_eq!(
        report["dataset"]["other_splits"],
        serde_json::json!(["train-images-idx3-ubyte"])
    );

    let output = run(&["scan", folder, "--split", "val"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no IDX pair here matches --split val"),
        "{stderr}"
    );
    assert!(
        stderr.contains("t10k-images-idx3-ubyte, train-images-idx3-ubyte"),
        "{stderr}"
    );
}
