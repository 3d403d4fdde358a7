//! `augsafe recommend` through the real binary: what it narrows and removes, that its output
//! scans as safe, and that Albumentations itself reads it back (where the test virtualenv of
//! `scripts/albumentations/setup.sh --current` exists).

use std::path::{Path, PathBuf};

use crate::util::{report, run};
use serde_json::Value;

fn recommend(dataset: &str, pipeline: Option<&str>, out: &Path) -> Value {
    let out = out.to_str().expect("utf-8 path");
    let mut args = vec!["recommend", dataset, "--out", out, "--json", "-"];
    if let Some(pipeline) = pipeline {
        args.extend(["--pipeline", pipeline]);
    }
    report(&run(&args), "recommend")
}

fn change<'a>(report: &'a Value, class: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["class"] == class))
        .unwrap_or_else(|| panic!("no change for {class}"))
}

fn scan_pipeline(dataset: &str, pipeline: &Path) -> Value {
    let output = run(&[
        "scan",
        dataset,
        "--pipeline",
        pipeline.to_str().expect("utf-8"),
        "--json",
        "-",
        "--quiet",
    ]);
    report(&output, "scan --pipeline")
}

/// The Python of the test virtualenv, if it was set up.
fn albumentations_python() -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv-albu2/bin/python");
    python.exists().then_some(python)
}

fn load_back(file: &Path) {
    let Some(python) = crate::util::require(
        albumentations_python(),
        "the Albumentations virtualenv target/venv-albu2",
        "scripts/albumentations/setup.sh --current makes it; .ci/run runs that",
    ) else {
        return;
    };
    let output = std::process::Command::new(python)
        .arg("scripts/albumentations/load_check.py")
        .arg(file)
        .env("NO_ALBUMENTATIONS_UPDATE", "1")
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "albumentations.load refused {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("ok"));
}

#[test]
fn an_unsafe_pipeline_is_narrowed_and_stripped_until_safe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("safe.json");
    let report = recommend(
        "fixtures/glyphs",
        Some("fixtures/pipelines/v2/rotate180_vflip.json"),
        &out,
    );

    // Rotate(limit=180) becomes a small rotation, filled with the white background.
    let rotate = change(&report, "Rotate");
    assert_eq!(rotate["action"], "narrowed");
    let strength = rotate["strength"].as_f64().expect("strength");
    assert!(strength > 0.0 && strength * 180.0 < 30.0, "{rotate}");
    assert!(
        rotate["after"]
            .as_str()
            .expect("after")
            .ends_with("(fill 255)"),
        "{rotate}"
    );
    // VerticalFlip has no range to narrow: it goes.
    assert_eq!(change(&report, "VerticalFlip")["action"], "removed");
    assert_eq!(report["verification"]["verdict"], "safe");
    let spec = report["spec"]
        .as_str()
        .expect("a plain sequence has a spec");
    assert!(
        spec.starts_with("rotate:-") && spec.parse::<augsafe::Transform>().is_ok(),
        "{spec}"
    );

    // The class-conditional policy: a vertical flip is safe for symmetric glyphs only.
    let policy: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("safe.policy.json")).expect("policy written"),
    )
    .expect("json");
    let vflip = policy["components"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["class"] == "VerticalFlip"))
        .expect("vflip in the policy");
    let has = |key: &str, label: &str| {
        vflip[key]
            .as_array()
            .is_some_and(|l| l.contains(&Value::from(label)))
    };
    for symmetric in ["C", "D", "E", "H", "O", "X", "8"] {
        assert!(
            has("safe_for", symmetric),
            "vflip should be safe for {symmetric}: {vflip}"
        );
    }
    for changed in ["b", "p", "6", "9", "A", "M"] {
        assert!(
            has("not_safe_for", changed),
            "vflip should not be safe for {changed}: {vflip}"
        );
    }

    // Each component is described, and judged, as it is written: the Rotate with its fill
    // already set to the background, not the fill 0 that painted black corners.
    let rotate = policy["components"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["class"] == "Rotate"))
        .expect("rotate in the policy");
    assert_eq!(rotate["spec"], "rotate:-180..180 (fill 255)", "{rotate}");
    // A component nothing was changed in lists the classes a scan of the pipeline lists for it.
    let scan = scan_pipeline(
        "fixtures/glyphs",
        Path::new("fixtures/pipelines/v2/rotate180_vflip.json"),
    );
    let scanned = scan["transforms"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|t| t["spec"] == "VerticalFlip p=0.5: vflip")
        })
        .expect("the flip's row in the scan");
    let flagged: Vec<&Value> = scanned["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .filter(|c| c["verdict"] == "unsafe" || c["verdict"] == "caution")
        .map(|c| &c["label"])
        .collect();
    let listed: Vec<&Value> = vflip["not_safe_for"]
        .as_array()
        .expect("list")
        .iter()
        .collect();
    assert_eq!(flagged, listed);

    // The written pipeline is what was verified: scanned again, it is safe.
    let written: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("json");
    assert_eq!(
        written["transform"]["transforms"].as_array().map(Vec::len),
        Some(1)
    );
    let rescan = scan_pipeline("fixtures/glyphs", &out);
    assert_eq!(rescan["transforms"][0]["verdict"], "safe");
    load_back(&out);
}

#[test]
fn the_built_in_candidate_becomes_a_safe_pipeline_in_yaml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("safe.yaml");
    let report = recommend("fixtures/digits", None, &out);
    assert_eq!(report["source"], "built-in candidate");
    assert_eq!(report["verification"]["verdict"], "safe");
    for flip in ["HorizontalFlip", "VerticalFlip", "RandomRotate90"] {
        assert_eq!(change(&report, flip)["action"], "removed", "{flip}");
    }
    assert_ne!(change(&report, "Rotate")["action"], "removed");
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.contains("__class_fullname__: Compose"), "{text}");
    assert_eq!(
        scan_pipeline("fixtures/digits", &out)["transforms"][0]["verdict"],
        "safe"
    );
    load_back(&out);
}

#[test]
fn a_wrong_fill_is_set_to_the_background_even_when_the_range_is_safe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ocr.json");
    let report = recommend(
        "fixtures/digits",
        Some("fixtures/pipelines/v1_3/typical_ocr.json"),
        &out,
    );
    let rotate = change(&report, "Rotate");
    assert!(
        rotate["reason"]
            .as_str()
            .expect("reason")
            .contains("fill 0 differs from the background 255"),
        "{rotate}"
    );
    let written: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("json");
    // Albumentations 1.3 calls the fill `value`; the version's own key is kept.
    assert_eq!(written["__version__"], "1.3.1");
    assert_eq!(written["transform"]["transforms"][0]["value"], 255.0);
    // The judge's own noise beside the verdicts, as a scan reports it, in JSON and the table.
    assert_eq!(report["control"]["spec"], augsafe::scan::CONTROL_SPEC);
    let out = dir.path().join("again.json");
    let output = run(&[
        "recommend",
        "fixtures/digits",
        "--pipeline",
        "fixtures/pipelines/v1_3/typical_ocr.json",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("control (the judge's own noise, never a verdict)"),
        "{table}"
    );
    assert!(
        report["control"]["loss_rate"].as_f64().unwrap_or(1.0) < 0.02,
        "{}",
        report["control"]
    );
}

#[test]
fn recommend_refuses_what_it_cannot_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("x.txt");
    let bad_extension = run(&[
        "recommend",
        "fixtures/digits",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(bad_extension.status.code(), Some(2));
    let missing = run(&[
        "recommend",
        "fixtures/digits",
        "--pipeline",
        "no/such.json",
        "--out",
        "x.json",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such.json"));
    assert!(!Path::new("x.json").exists());
}
