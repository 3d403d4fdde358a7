//! The user's own model as the judge (`--judge FILE.onnx`), with the fixture models that
//! `scripts/model/train.py` writes: a small network trained on the digit fixtures, one whose
//! input has three colour channels, one with eleven outputs.

use crate::util::{augsafe, pair_count, report};

const MODEL: &str = "fixtures/models/digits-mlp.onnx";

fn scan_with(args: &[&str]) -> std::process::Output {
    augsafe()
        .args(["scan", "fixtures/digits", "--quiet"])
        .args(args)
        .output()
        .expect("augsafe runs")
}

#[test]
fn the_fixture_model_flags_six_and_nine_and_keeps_small_turns() {
    const ARGS: [&str; 8] = [
        "--judge",
        MODEL,
        "-t",
        "rotate:180",
        "-t",
        "rotate:-10..10",
        "--json",
        "-",
    ];
    let output = scan_with(&ARGS);
    let report = report(&output, "scan judged by the fixture model");
    let classifier = &report["classifier"];
    assert_eq!(classifier["kind"], "onnx");
    assert_eq!(classifier["baseline_accuracy"], 1.0);
    assert_eq!(classifier["model"]["file"], MODEL);
    assert_eq!(
        classifier["model"]["input_shape"],
        serde_json::json!([64, 1, 28, 28])
    );
    assert_eq!(classifier["model"]["layout"], "nchw");
    assert_eq!(classifier["model"]["ink"], "bright");
    let half_turn = &report["transforms"][0];
    assert_eq!(half_turn["verdict"], "unsafe");
    assert_eq!(pair_count(half_turn, "6", "9"), 18);
    assert_eq!(pair_count(half_turn, "9", "6"), 18);
    let small = &report["transforms"][1];
    assert_eq!(small["verdict"], "safe");
    let classes = small["classes"].as_array().expect("classes");
    assert_eq!(classes.len(), 10);
    assert!(
        classes.iter().all(|c| c["verdict"] == "safe"),
        "{classes:?}"
    );
    // The same draws as the template judge's: the same seed gives the same report.
    let again = scan_with(&[&ARGS[..], &["--threads", "1"]].concat());
    assert_eq!(
        output.stdout, again.stdout,
        "the thread count changes nothing"
    );
}

#[test]
fn every_format_says_which_model_judged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (md, html) = (dir.path().join("r.md"), dir.path().join("r.html"));
    let output = augsafe()
        .args(["scan", "fixtures/digits", "-t", "hflip", "--color", "never"])
        .args(["--judge", MODEL, "--judge", "template", "--markdown"])
        .arg(&md)
        .arg("--html")
        .arg(&html)
        .output()
        .expect("augsafe runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout);
    let says = "model fixtures/models/digits-mlp.onnx (input 64×1×28×28, ink bright on dark)";
    assert!(
        table.contains(&format!(
            "judge: {says}, baseline accuracy 100.0% (the model as given)"
        )),
        "{table}"
    );
    let md = std::fs::read_to_string(&md).expect("markdown");
    assert!(md.contains(says), "{md}");
    assert!(md.contains("**Judges compared**"), "{md}");
    assert!(
        md.contains("`hflip`: unsafe here; template-ncc judge: "),
        "{md}"
    );
    let html = std::fs::read_to_string(&html).expect("html");
    assert!(html.contains(says), "html names the model");
    assert!(html.contains("Judges compared"), "html compares the judges");
}

#[test]
fn outputs_named_by_a_label_list_and_classes_it_lacks_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Eleven outputs: 0-8, then two names the dataset does not have; 9 is named by none.
    let labels = dir.path().join("labels.txt");
    std::fs::write(&labels, "0\n1\n2\n3\n4\n5\n6\n7\n8\nx\ny\n").expect("written");
    let output = scan_with(&[
        "--judge",
        "fixtures/models/eleven-outputs.onnx",
        "--model-labels",
        labels.to_str().expect("utf-8"),
        "-t",
        "hflip",
        "--json",
        "-",
    ]);
    let report = report(&output, "scan judged by a model with a label list");
    let model = &report["classifier"]["model"];
    assert_eq!(model["outputs"], 11);
    assert_eq!(model["unnamed_classes"], serde_json::json!(["9"]));
    assert_eq!(model["extra_outputs"], serde_json::json!(["x", "y"]));
    assert_eq!(report["transforms"][0]["classes"][9]["label"], "9");
    assert_eq!(
        report["transforms"][0]["classes"][9]["verdict"],
        "not_judged"
    );
}

#[test]
fn a_model_that_cannot_judge_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ten = dir.path().join("ten.txt");
    std::fs::write(&ten, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n").expect("written");
    let ten = ten.to_str().expect("utf-8");
    for (args, exit, says) in [
        (
            vec!["--judge", "fixtures/digits/0/DejaVuSans_00.png"],
            1,
            "model fixtures/digits/0/DejaVuSans_00.png: not an ONNX model tract can read",
        ),
        (
            vec!["--judge", "fixtures/models/rgb-input.onnx"],
            1,
            "its input N×3×8×8 is no image augsafe can feed: one grey channel is fed",
        ),
        (
            vec!["--judge", "fixtures/models/eleven-outputs.onnx"],
            1,
            "the model has 11 outputs and the dataset 10 classes: give a label list",
        ),
        (
            vec![
                "--judge",
                "fixtures/models/eleven-outputs.onnx",
                "--model-labels",
                ten,
            ],
            1,
            "the label list names 10 outputs; the model fixtures/models/eleven-outputs.onnx has 11",
        ),
        (
            vec!["--judge", "fixtures/models/missing.onnx"],
            1,
            "cannot read fixtures/models/missing.onnx",
        ),
        (
            vec!["--judge", MODEL, "--save-templates", "t.npy"],
            2,
            "cannot be used with",
        ),
        (
            vec!["--judge", MODEL, "--model-std", "0"],
            2,
            "is not a number above 0",
        ),
        (
            vec!["--judge", MODEL, "--model-margin", "1.5"],
            2,
            "is not a probability",
        ),
    ] {
        let output = scan_with(&args);
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(exit), "{args:?}: {message}");
        assert!(message.contains(says), "{args:?}: {message}");
    }
}

#[test]
fn with_both_judges_each_transformation_says_where_they_agree() {
    let output = augsafe()
        .args(["scan", "fixtures/digits", "--color", "never", "--json", "-"])
        .args(["--judge", MODEL, "--judge", "template"])
        .args(["-t", "rotate:180", "-t", "rotate:-10..10"])
        .output()
        .expect("augsafe runs");
    let table = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = report(&output, "scan with both judges");
    assert_eq!(
        report["classifier"]["kind"], "onnx",
        "the report is the model's"
    );
    let half_turn = &report["transforms"][0]["agreement"];
    assert_eq!(half_turn["judge"], "template-ncc");
    assert_eq!(half_turn["verdict"], "unsafe");
    assert_eq!(half_turn["classes"], 10);
    // Both judges call 6 and 9 unsafe under the half turn.
    let differ = half_turn["differ"].as_array().expect("differ");
    assert!(
        differ
            .iter()
            .all(|d| d["label"] != "6" && d["label"] != "9"),
        "{differ:?}"
    );
    assert_eq!(
        half_turn["agree"].as_u64().map(|a| a + differ.len() as u64),
        Some(10)
    );
    let small = &report["transforms"][1]["agreement"];
    assert_eq!(
        (small["agree"].as_u64(), small["rate"].as_f64()),
        (Some(10), Some(1.0))
    );
    assert!(
        table.contains("rotate:-10..10: safe here; template-ncc judge: safe overall; same verdict for 10 of 10 classes"),
        "{table}"
    );
    // One judge alone: no comparison in the report.
    let alone = report_of_scan(&["--judge", MODEL, "-t", "rotate:180"]);
    assert!(alone["transforms"][0].get("agreement").is_none());
    let templates = report_of_scan(&["-t", "rotate:180"]);
    assert!(templates["transforms"][0].get("agreement").is_none());
    assert!(templates["classifier"].get("model").is_none());
}

#[test]
fn judges_that_cannot_go_together_are_a_usage_error() {
    for args in [
        vec![
            "--judge",
            MODEL,
            "--judge",
            "fixtures/models/eleven-outputs.onnx",
        ],
        vec![
            "--judge", MODEL, "--judge", "template", "--judge", "template",
        ],
        vec!["--judge", MODEL, "--save-templates", "templates.npy"],
    ] {
        let output = scan_with(&args);
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    }
}

fn report_of_scan(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--json", "-"]);
    report(&scan_with(&all), "scan")
}

#[test]
fn glyphs_left_without_ink_take_no_reading_from_the_others() {
    // A corner with no ink beside the half turn: each inked draw must keep its own reading,
    // so the half turn reads the same with the empty corners drawn in the same batches.
    let both = report_of_scan(&[
        "--judge",
        MODEL,
        "-t",
        "crop:box=0,0,4,4",
        "-t",
        "rotate:180",
    ]);
    let alone = report_of_scan(&["--judge", MODEL, "-t", "rotate:180"]);
    assert_eq!(
        both["transforms"][0]["destroyed"], 180,
        "every corner is empty"
    );
    assert_eq!(
        both["transforms"][1]["classes"],
        alone["transforms"][0]["classes"]
    );
}

#[test]
fn a_sweep_judged_by_the_model_finds_its_safe_range() {
    let output = augsafe()
        .args(["sweep", "fixtures/digits", "--quiet", "--op", "rotate"])
        .args(["--judge", MODEL, "--json", "-"])
        .output()
        .expect("augsafe runs");
    let sweep = report(&output, "sweep judged by the fixture model");
    assert_eq!(sweep["classifier"]["kind"], "onnx");
    assert_eq!(sweep["classifier"]["model"]["file"], MODEL);
    assert_eq!(sweep["classifier"]["baseline_accuracy"], 1.0);
    // Small turns are safe for every class, as the scan finds; 6 and 9 do not survive a half
    // turn.
    assert_eq!(
        sweep["overall"]["safe_range"],
        serde_json::json!([0.0, 10.0])
    );
    let classes = sweep["classes"].as_array().expect("classes");
    assert_eq!(classes.len(), 10);
    for class in classes {
        let verdicts = class["verdicts"].as_array().expect("verdicts");
        assert_eq!(verdicts[0], "safe", "{}", class["label"]);
        if class["label"] == "6" || class["label"] == "9" {
            assert_eq!(verdicts[verdicts.len() - 1], "unsafe", "{}", class["label"]);
        }
    }
    // Every format names the model as the judge.
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("sweep.html");
    let table = augsafe()
        .args(["sweep", "fixtures/digits", "--quiet", "--op", "rotate"])
        .args(["--range", "0..20", "--judge", MODEL, "--color", "never"])
        .args(["--markdown", "-", "--html"])
        .arg(&html)
        .output()
        .expect("augsafe runs");
    let markdown = String::from_utf8_lossy(&table.stdout);
    assert!(
        markdown.contains("**Judge:** the model fixtures/models/digits-mlp.onnx (input 64×1×28×28"),
        "{markdown}"
    );
    let page = std::fs::read_to_string(&html).expect("the page is written");
    assert!(
        page.contains("Judge: the model fixtures/models/digits-mlp.onnx (input 64×1×28×28"),
        "{page}"
    );
    let text = augsafe()
        .args([
            "sweep",
            "fixtures/digits",
            "--op",
            "rotate",
            "--range",
            "0..20",
        ])
        .args(["--judge", MODEL, "--color", "never"])
        .output()
        .expect("augsafe runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("judge: model fixtures/models/digits-mlp.onnx"),
        "{text}"
    );
}

#[test]
fn a_recommendation_judged_by_the_model_removes_what_it_misreads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("safe.json");
    let output = augsafe()
        .args(["recommend", "fixtures/digits", "--quiet", "--judge", MODEL])
        .arg("--out")
        .arg(&out)
        .args(["--json", "-"])
        .output()
        .expect("augsafe runs");
    let recommendation = report(&output, "recommendation judged by the fixture model");
    assert_eq!(recommendation["classifier"]["kind"], "onnx");
    let action = |component: &str| {
        let changes = recommendation["changes"].as_array().expect("changes");
        changes
            .iter()
            .find(|c| c["component"] == component)
            .map(|c| c["action"].clone())
    };
    // The model reads no digit but 0 and 8 the same mirrored or turned a quarter.
    for flip in [
        "Compose[5]/HorizontalFlip",
        "Compose[6]/VerticalFlip",
        "Compose[7]/RandomRotate90",
    ] {
        assert_eq!(action(flip), Some("removed".into()), "{flip}");
    }
    assert_eq!(action("Compose[0]/Rotate"), Some("narrowed".into()));
    assert_ne!(recommendation["verification"]["verdict"], "unsafe");
    let written = std::fs::read_to_string(&out).expect("the pipeline is written");
    assert!(written.contains("Rotate") && !written.contains("VerticalFlip"));
}

#[test]
fn sweep_and_recommend_take_one_judge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("safe.json");
    let out = out.to_str().expect("a UTF-8 temporary path");
    for command in [
        vec!["sweep", "fixtures/digits", "--op", "rotate"],
        vec!["recommend", "fixtures/digits", "--out", out],
    ] {
        let output = augsafe()
            .args(&command)
            .args(["--judge", MODEL, "--judge", "template"])
            .output()
            .expect("augsafe runs");
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {message}");
        assert!(
            message.contains("takes one judge; to compare a model with the templates, scan"),
            "{message}"
        );
    }
}

#[test]
fn strips_show_what_the_model_saw_of_the_changes_it_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (strips, html) = (dir.path().join("strips"), dir.path().join("r.html"));
    let output = augsafe()
        .args(["scan", "fixtures/digits", "--quiet", "-t", "rotate:180"])
        .args(["--judge", MODEL, "--examples", "2", "--examples-dir"])
        .arg(&strips)
        .arg("--html")
        .arg(&html)
        .output()
        .expect("augsafe runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&strips)
        .expect("the strips are written")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let six_to_nine: Vec<&String> = names.iter().filter(|n| n.contains("_6_to_9_")).collect();
    assert_eq!(six_to_nine.len(), 2, "{names:?}");
    // Three panels (original, turned, as the model saw it), no template, upscaled four times.
    let strip = image::open(strips.join(six_to_nine[0])).expect("a PNG");
    assert_eq!((strip.width(), strip.height()), ((32 * 3 + 2 * 2) * 4, 128));
    let page = std::fs::read_to_string(&html).expect("the page is written");
    assert!(page.contains("original · transformed · as the model saw it"));
    assert!(!page.contains("template of"));
    assert!(page.contains(r#"width="400" height="128""#));
}
