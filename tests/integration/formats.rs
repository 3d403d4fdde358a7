//! Datasets as they are distributed: each format's fixture (`fixtures/formats/README.md`,
//! written by its ecosystem's own writer from the digit fixtures) gives the report of the
//! ImageFolder of the same glyphs, says what it read, and each broken file an error naming it.

use crate::util::{report, run};
use serde_json::Value;

const SPECS: [&str; 6] = ["-t", "rotate:180", "-t", "hflip", "-t", "rotate:-10..10"];

fn scan(args: &[&str]) -> Value {
    let mut all = vec!["scan", "--quiet", "--json", "-"];
    all.extend_from_slice(&SPECS);
    all.extend_from_slice(args);
    report(&run(&all), &format!("{args:?}"))
}

#[test]
fn every_format_gives_the_report_of_the_image_folder() {
    let folder = scan(&["fixtures/digits"]);
    assert_eq!(folder["dataset"]["format"], "folder");
    for (args, format, split, files) in [
        (
            vec!["fixtures/formats/digits.csv"],
            "pixel-csv",
            None,
            vec!["fixtures/formats/digits.csv"],
        ),
        (
            vec!["fixtures/formats/mnist.npz"],
            "numpy",
            Some("train"),
            vec![
                "fixtures/formats/mnist.npz[x_train]",
                "fixtures/formats/mnist.npz[y_train]",
            ],
        ),
        (
            vec!["fixtures/formats/kmnist"],
            "numpy",
            Some("train"),
            vec![
                "fixtures/formats/kmnist/kmnist-train-imgs.npz[arr_0]",
                "fixtures/formats/kmnist/kmnist-train-labels.npz[arr_0]",
            ],
        ),
        (
            vec!["fixtures/formats/npy/x_train.npy"],
            "numpy",
            Some("train"),
            vec![
                "fixtures/formats/npy/x_train.npy",
                "fixtures/formats/npy/y_train.npy",
            ],
        ),
        (
            vec!["fixtures/formats/floats.npz"],
            "numpy",
            Some("train"),
            vec![
                "fixtures/formats/floats.npz[x_train]",
                "fixtures/formats/floats.npz[y_train]",
            ],
        ),
        (
            vec!["fixtures/formats/parquet"],
            "parquet",
            Some("train"),
            vec![
                "fixtures/formats/parquet/train-00000-of-00002.parquet",
                "fixtures/formats/parquet/train-00001-of-00002.parquet",
            ],
        ),
        // Said rather than told: the same.
        (
            vec!["fixtures/formats/npy", "--format", "numpy"],
            "numpy",
            Some("train"),
            vec![
                "fixtures/formats/npy/x_train.npy",
                "fixtures/formats/npy/y_train.npy",
            ],
        ),
    ] {
        let read = scan(&args);
        assert_eq!(read["transforms"], folder["transforms"], "{args:?}");
        assert_eq!(read["control"], folder["control"], "{args:?}");
        assert_eq!(read["classifier"], folder["classifier"], "{args:?}");
        let dataset = &read["dataset"];
        assert_eq!(dataset["format"], format, "{args:?}");
        assert_eq!(dataset["split"], serde_json::json!(split), "{args:?}");
        assert_eq!(dataset["files"], serde_json::json!(files), "{args:?}");
    }
}

#[test]
fn a_split_is_chosen_and_the_others_are_named() {
    let train = scan(&["fixtures/formats/mnist.npz"]);
    assert_eq!(
        train["dataset"]["other_splits"],
        serde_json::json!(["test"])
    );
    let test = scan(&["fixtures/formats/mnist.npz", "--split", "test"]);
    assert_eq!(test["dataset"]["images"], 18);
    assert_eq!(test["dataset"]["split"], "test");
    let kmnist = scan(&["fixtures/formats/kmnist", "--split", "test"]);
    assert_eq!(kmnist["dataset"]["images"], 18);
    let parquet = scan(&["fixtures/formats/parquet", "--split", "test"]);
    assert_eq!(parquet["dataset"]["images"], 18);
    assert_eq!(
        parquet["dataset"]["other_splits"],
        serde_json::json!(["train"])
    );
    // A column named on the command line is the label, whatever the metadata says.
    let named = scan(&[
        "fixtures/formats/bad/other-columns.parquet",
        "--label-column",
        "digit",
    ]);
    assert_eq!(named["dataset"]["classes"], serde_json::json!(["0", "1"]));
    // The text says what was read.
    let text = run(&[
        "scan",
        "fixtures/formats/mnist.npz",
        "-t",
        "hflip",
        "--color",
        "never",
    ]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("read as NumPy (split train): fixtures/formats/mnist.npz[x_train] and fixtures/formats/mnist.npz[y_train]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("also here, not read (choose with --split): test"),
        "{stdout}"
    );
}

#[test]
fn a_mapping_names_the_labels_of_a_pixel_csv_and_of_numpy_arrays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mapping = dir.path().join("names.txt");
    let names = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    std::fs::write(&mapping, names.join("\n")).expect("written");
    let mapping = mapping.to_str().expect("utf-8");
    for path in ["fixtures/formats/digits.csv", "fixtures/formats/mnist.npz"] {
        let named = scan(&[path, "--mapping", mapping]);
        let mut sorted = names.to_vec();
        sorted.sort_unstable();
        assert_eq!(
            named["dataset"]["classes"],
            serde_json::json!(sorted),
            "{path}"
        );
        let half_turn = &named["transforms"][0];
        assert!(
            crate::util::pair_count(half_turn, "six", "nine") > 0,
            "{path}"
        );
    }
    // KMNIST's and K49's classmap.csv: index, code point and character.
    let classmap = dir.path().join("kmnist_classmap.csv");
    let rows: Vec<String> = "おきすつなはまやれを"
        .chars()
        .enumerate()
        .map(|(i, c)| format!("{i},U+{:04X},{c}", u32::from(c)))
        .collect();
    std::fs::write(
        &classmap,
        format!("index,codepoint,char\n{}\n", rows.join("\n")),
    )
    .expect("written");
    let kana = scan(&[
        "fixtures/formats/kmnist",
        "--mapping",
        classmap.to_str().expect("utf-8"),
    ]);
    let classes = kana["dataset"]["classes"].as_array().expect("classes");
    assert_eq!(classes.len(), 10);
    assert!(classes.iter().any(|c| c == "お"), "{classes:?}");
}

#[test]
fn broken_files_are_errors_that_name_them() {
    for (args, message) in [
        (
            vec!["fixtures/formats/bad/images-only.npz"],
            "fixtures/formats/bad/images-only.npz: missing key: no labels array",
        ),
        (
            vec!["fixtures/formats/bad/short-labels.npz"],
            "count mismatch: fixtures/formats/bad/short-labels.npz[y_train] holds 19 labels but fixtures/formats/bad/short-labels.npz[x_train] holds 20 images",
        ),
        (
            vec!["fixtures/formats/bad/x_train.npy"],
            "fixtures/formats/bad/x_train.npy: images: truncated: 20×32×32 uint8 ends within image 9",
        ),
        (
            vec!["fixtures/formats/mnist.npz", "--split", "val"],
            "no arrays of split \"val\" here; the arrays are: x_train (180×32×32 uint8), y_train (180 uint8), x_test (18×32×32 uint8), y_test (18 uint8)",
        ),
        (
            vec!["fixtures/formats/digits.csv", "--label-column", "digit"],
            "fixtures/formats/digits.csv: no column named \"digit\" for the label; the header names label, pixel0",
        ),
        (
            vec!["fixtures/formats/digits.csv", "--format", "numpy"],
            "fixtures/formats/digits.csv: not a NumPy array",
        ),
        (
            vec!["fixtures/formats/bad/truncated.parquet"],
            "fixtures/formats/bad/truncated.parquet: not a readable Parquet file",
        ),
        (
            vec!["fixtures/formats/bad/other-columns.parquet"],
            "fixtures/formats/bad/other-columns.parquet: no label column (Hugging Face's ClassLabel feature, or a column named label; --label-column NAME says which); the columns are: picture, digit",
        ),
        (
            vec!["fixtures/formats/parquet", "--split", "val"],
            "no Parquet shard of split \"val\" here; the files are: test-00000-of-00001.parquet, train-00000-of-00002.parquet, train-00001-of-00002.parquet",
        ),
        (
            vec!["README.md"],
            "README.md: augsafe cannot tell what this file holds",
        ),
    ] {
        let mut all = vec!["scan", "--quiet"];
        all.extend_from_slice(&args);
        let output = run(&all);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let output = run(&["scan", "fixtures/digits", "--format", "parquet2"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown format \"parquet2\""));
}

#[test]
fn gnt_files_give_the_report_of_the_image_folder_of_their_characters() {
    // The digits under the Chinese numerals the GNT fixture labels them with.
    let numerals = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let dir = tempfile::tempdir().expect("tempdir");
    for (digit, numeral) in numerals.iter().enumerate() {
        crate::util::copy_tree(
            &std::path::Path::new("fixtures/digits").join(digit.to_string()),
            &dir.path().join(numeral),
        );
    }
    let folder = scan(&[dir.path().to_str().expect("utf-8")]);
    let gnt = scan(&["fixtures/formats/gnt"]);
    assert_eq!(gnt["transforms"], folder["transforms"]);
    assert_eq!(gnt["control"], folder["control"]);
    assert_eq!(gnt["dataset"]["format"], "gnt");
    assert_eq!(
        gnt["dataset"]["files"],
        serde_json::json!([
            "fixtures/formats/gnt/1001-c.gnt",
            "fixtures/formats/gnt/1002-c.gnt"
        ])
    );
    assert!(crate::util::pair_count(&gnt["transforms"][0], "六", "九") > 0);
    // One file alone is read too.
    let one = scan(&["fixtures/formats/gnt/1001-c.gnt"]);
    assert_eq!(one["dataset"]["images"], 90);
    let output = run(&["scan", "--quiet", "fixtures/formats/bad/truncated.gnt"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "fixtures/formats/bad/truncated.gnt: truncated: record 3 (at byte 2068, 零) has 507 of its 1024 bitmap bytes"
    ));
}
