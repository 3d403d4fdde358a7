//! `augsafe scan DIR --pipeline FILE` on the Albumentations pipelines under
//! `fixtures/pipelines/`, each written by the real `albumentations.save` (see the README there),
//! through the real binary.

use std::path::Path;
use std::process::Output;

use crate::util::augsafe;
use crate::util::pair_count;
use serde_json::Value;

/// The folders of pipelines saved by one Albumentations version, and that version.
const VERSIONS: &[(&str, &str)] = &[("v2", "2.0.8"), ("v1", "1.4.24"), ("v1_3", "1.3.1")];

/// `fixtures/pipelines/FOLDER/NAME`.
fn fixture(folder: &str, name: &str) -> String {
    format!("fixtures/pipelines/{folder}/{name}")
}

/// Runs `augsafe scan DIR --pipeline FILE --json - EXTRA...` and returns its output.
fn scan(dir: &str, pipeline: &str, extra: &[&str]) -> Output {
    augsafe()
        .args(["scan", dir, "--pipeline", pipeline, "--json", "-"])
        .args(extra)
        .output()
        .expect("augsafe runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The report of scanning `dir` with the pipeline in `file`, which must succeed.
fn report(dir: &str, file: &str) -> Value {
    crate::util::report(&scan(dir, file, &[]), file)
}

fn components(report: &Value) -> &Vec<Value> {
    report["pipeline"]["components"]
        .as_array()
        .unwrap_or_else(|| panic!("no pipeline.components in {}", report["pipeline"]))
}

fn paths(report: &Value) -> Vec<&str> {
    components(report)
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect()
}

/// A component's own entry in `transforms` (the one its `transform` index names).
fn entry<'a>(report: &'a Value, component: &Value) -> &'a Value {
    let index = component["transform"]
        .as_u64()
        .unwrap_or_else(|| panic!("component without a transform index: {component}"));
    let entry = &report["transforms"][index as usize];
    assert!(
        entry.is_object(),
        "transforms[{index}] is missing for {component}"
    );
    entry
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item[key].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn samples(transform: &Value) -> u64 {
    transform["samples"].as_u64().unwrap_or(0)
}

/// What a component's `spec` must say, from the fixture's saved values.
enum Spec {
    Is(&'static str),
    StartsWith(&'static str),
    Contains(&'static [&'static str]),
}

impl Spec {
    fn check(&self, spec: &str, what: &str) {
        let ok = match self {
            Spec::Is(expected) => spec == *expected,
            Spec::StartsWith(prefix) => spec.starts_with(prefix),
            Spec::Contains(parts) => parts.iter().all(|part| spec.contains(part)),
        };
        assert!(
            ok,
            "{what}: spec '{spec}' does not match {}",
            match self {
                Spec::Is(s) => format!("'{s}'"),
                Spec::StartsWith(s) => format!("'{s}...'"),
                Spec::Contains(parts) => format!("{parts:?}"),
            }
        );
    }
}

/// Every supported class, its `p` in the fixture and what its spec must say
/// (`scripts/albumentations/make_fixtures.py` builds them; the saved values are checked here).
const CLASSES: &[(&str, f64, Spec)] = &[
    ("Rotate", 0.7, Spec::StartsWith("rotate:-15..15")),
    ("SafeRotate", 0.6, Spec::StartsWith("safe-rotate:-20..20")),
    ("RandomRotate90", 0.5, Spec::Is("rot90")),
    ("HorizontalFlip", 0.5, Spec::Is("hflip")),
    ("VerticalFlip", 0.3, Spec::Is("vflip")),
    ("Transpose", 0.4, Spec::Is("transpose")),
    ("D4", 0.8, Spec::Is("d4")),
    ("SquareSymmetry", 0.8, Spec::Is("d4")),
    ("RandomCrop", 0.9, Spec::Is("crop:24x24")),
    ("CenterCrop", 0.9, Spec::Is("crop:center=24x24")),
    (
        "RandomResizedCrop",
        0.8,
        Spec::StartsWith("resized-crop:scale=0.6..1,ratio=0.75..1.333"),
    ),
    (
        "RandomSizedCrop",
        0.8,
        Spec::Is("sized-crop:height=20..30,ratio=1"),
    ),
    ("Crop", 1.0, Spec::Is("crop:box=4,4,28,28")),
    // keep_ratio is false and scale is {x: [0.9, 1.1], y: [0.9, 1.1]}: Albumentations draws
    // the two scales apart, so the spec must too.
    (
        "Affine",
        0.7,
        Spec::Contains(&[
            "affine:",
            "rotate=-10..10",
            "scale-x=0.9..1.1",
            "scale-y=0.9..1.1",
            "translate=-0.1..0.1",
            "shear=-8..8",
            "shear-y=-8..8",
        ]),
    ),
    // scale_limit is saved as [-0.1, 0.1] around 1.
    (
        "ShiftScaleRotate",
        0.6,
        Spec::Contains(&[
            "affine:",
            "rotate=-12..12",
            "0.9..1.1",
            "translate=-0.0625..0.0625",
        ]),
    ),
    (
        "ElasticTransform",
        0.3,
        Spec::StartsWith("elastic:alpha=30,sigma=4"),
    ),
    // 2.x num_holes_range/hole_*_range, 1.3 min_/max_ fields: holes in pixels either way.
    (
        "CoarseDropout",
        0.5,
        Spec::Contains(&["dropout:", "holes=1..3", "size=2..6px", "fill=0"]),
    ),
];

#[test]
fn every_supported_class_is_read_and_evaluated_in_every_version() {
    for (class, p, spec) in CLASSES {
        let name = class.to_lowercase();
        for (folder, version) in VERSIONS {
            // Albumentations 1.3 has no D4, and only 2.x has SquareSymmetry; every other file
            // must be there.
            if (*class == "D4" && *folder == "v1_3")
                || (*class == "SquareSymmetry" && *folder != "v2")
            {
                assert!(!Path::new(&fixture(folder, &format!("{name}.json"))).exists());
                continue;
            }
            let mut per_format = Vec::new();
            for format in ["json", "yaml"] {
                let file = fixture(folder, &format!("{name}.{format}"));
                let report = report("fixtures/digits", &file);
                let pipeline = &report["pipeline"];
                assert_eq!(pipeline["format"], format, "{file}");
                assert_eq!(pipeline["albumentations_version"], *version, "{file}");
                assert_eq!(pipeline["not_evaluated"], serde_json::json!([]), "{file}");
                assert_eq!(pipeline["passed_through"], serde_json::json!([]), "{file}");
                assert!(
                    samples(&report["transforms"][0]) > 0,
                    "{file}: nothing judged"
                );

                let all = components(&report);
                assert_eq!(all.len(), 1, "{file}: {all:?}");
                let component = &all[0];
                assert_eq!(component["class"], *class, "{file}");
                assert_eq!(component["path"], format!("Compose[0]/{class}"), "{file}");
                assert_eq!(component["p"].as_f64(), Some(*p), "{file}");
                let text = component["spec"].as_str().unwrap_or_default();
                spec.check(text, &file);
                // Every fixture fills with constant 0, so nothing needed approximating,
                // except the alpha_affine that only Albumentations 1.3 has.
                let all_notes: Vec<&str> = component["notes"]
                    .as_array()
                    .map(|n| n.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                // A fill of 0 on the white fixture digits is called out as painting ink.
                let spec = component["spec"].as_str().unwrap_or_default();
                let fills_black = spec.contains("(fill 0)") || spec.contains("fill=0");
                let fill_noted = all_notes.iter().any(|n| n.contains("reads as ink"));
                assert_eq!(fills_black, fill_noted, "{file}: {spec} {all_notes:?}");
                let notes: Vec<&str> = all_notes
                    .into_iter()
                    .filter(|n| !n.contains("reads as ink"))
                    .collect();
                if *class == "ElasticTransform" && *folder == "v1_3" {
                    assert!(
                        notes.iter().any(|n| n.contains("alpha_affine")),
                        "{file}: {notes:?}"
                    );
                } else {
                    assert!(notes.is_empty(), "{file}: {notes:?}");
                }

                let own = entry(&report, component);
                assert!(samples(own) > 0, "{file}: the component was not evaluated");
                let label = own["spec"].as_str().unwrap_or_default();
                assert!(
                    label.starts_with(&format!("{class} p=")) && label.contains(text),
                    "{file}: entry '{label}' is not the component's"
                );
                per_format.push(pipeline["components"].clone());
            }
            assert_eq!(
                per_format[0], per_format[1],
                "{folder}/{name}: JSON and YAML read differently"
            );
        }
    }
}

/// The parts of a report entry that say what a transformation did, without its name.
fn outcome(entry: &Value) -> Value {
    let mut outcome = entry.clone();
    if let Some(fields) = outcome.as_object_mut() {
        fields.remove("spec");
    }
    outcome
}

#[test]
fn square_symmetry_is_d4_under_its_2x_name() {
    for format in ["json", "yaml"] {
        let file = fixture("v2", &format!("squaresymmetry.{format}"));
        let square = report("fixtures/glyphs", &file);
        let d4 = report("fixtures/glyphs", &fixture("v2", &format!("d4.{format}")));
        let component = &components(&square)[0];
        assert_eq!(component["class"], "SquareSymmetry", "{file}");
        assert_eq!(component["spec"], components(&d4)[0]["spec"], "{file}");
        // The same p and the same seed draw the same symmetries: the same glyphs change,
        // into the same classes, among them 6 turned upside down into 9.
        let outcomes = |report: &Value| -> Vec<Value> {
            report["transforms"]
                .as_array()
                .map(|entries| entries.iter().map(outcome).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            outcomes(&square).len(),
            2,
            "{file}: the pipeline and its component"
        );
        assert_eq!(outcomes(&square), outcomes(&d4), "{file}");
        assert!(
            pair_count(&square["transforms"][1], "6", "9") > 0,
            "{file}: {}",
            square["transforms"][1]["pairs"]
        );
    }
}

/// Each composite, its leaves' paths, and whether a flip always fires often enough that the
/// whole pipeline must change some digit.
const COMPOSITES: &[(&str, &[&str], bool)] = &[
    (
        "oneof",
        &[
            "Compose[0]/OneOf[0]/Rotate",
            "Compose[0]/OneOf[1]/HorizontalFlip",
        ],
        true,
    ),
    (
        "someof",
        &[
            "Compose[0]/SomeOf[0]/Rotate",
            "Compose[0]/SomeOf[1]/HorizontalFlip",
            "Compose[0]/SomeOf[2]/VerticalFlip",
        ],
        true,
    ),
    (
        "sequential",
        &[
            "Compose[0]/Sequential[0]/Rotate",
            "Compose[0]/Sequential[1]/RandomCrop",
        ],
        false,
    ),
    (
        "oneorother",
        &[
            "Compose[0]/OneOrOther[0]/HorizontalFlip",
            "Compose[0]/OneOrOther[1]/VerticalFlip",
        ],
        true,
    ),
];

#[test]
fn composites_list_every_leaf_with_its_path_and_evaluate_it() {
    for (name, expected, flips) in COMPOSITES {
        for (folder, _) in VERSIONS {
            let file = fixture(folder, &format!("{name}.json"));
            let report = report("fixtures/digits", &file);
            assert_eq!(paths(&report), *expected, "{file}");
            assert_eq!(
                report["pipeline"]["not_evaluated"],
                serde_json::json!([]),
                "{file}"
            );
            let whole = &report["transforms"][0];
            assert!(samples(whole) > 0, "{file}: the pipeline was not evaluated");
            if *flips {
                assert!(
                    whole["changed"].as_u64().unwrap_or(0) > 0,
                    "{file}: a flip that fires this often must change some digit"
                );
            }
            for component in components(&report) {
                // Every child is saved with p=1.
                assert_eq!(component["p"].as_f64(), Some(1.0), "{file}: {component}");
                let class = component["class"].as_str().unwrap_or_default();
                assert!(
                    component["path"]
                        .as_str()
                        .is_some_and(|p| p.ends_with(&format!("/{class}"))),
                    "{file}: {component}"
                );
                assert!(
                    samples(entry(&report, component)) > 0,
                    "{file}: {component}"
                );
            }
            // The YAML twin reads the same tree.
            let yaml = report_of_yaml(folder, name);
            assert_eq!(
                yaml["pipeline"]["components"], report["pipeline"]["components"],
                "{file}"
            );
        }
    }
}

fn report_of_yaml(folder: &str, name: &str) -> Value {
    report("fixtures/digits", &fixture(folder, &format!("{name}.yaml")))
}

#[test]
fn photometric_transforms_are_passed_through_by_name() {
    for (folder, _) in VERSIONS {
        let file = fixture(folder, "photometric.json");
        let report = report("fixtures/digits", &file);
        let pipeline = &report["pipeline"];
        assert_eq!(
            pipeline["passed_through"],
            serde_json::json!(["RandomBrightnessContrast", "GaussianBlur", "GaussNoise"]),
            "{file}"
        );
        assert_eq!(pipeline["not_evaluated"], serde_json::json!([]), "{file}");
        // Only the Rotate, fourth in the Compose, is geometric.
        assert_eq!(paths(&report), ["Compose[3]/Rotate"], "{file}");
        assert!(
            samples(entry(&report, &components(&report)[0])) > 0,
            "{file}"
        );
    }
}

#[test]
fn unmodelled_geometric_transforms_are_listed_and_warned_about() {
    for (folder, _) in VERSIONS {
        for format in ["json", "yaml"] {
            let file = fixture(folder, &format!("unknown.{format}"));
            let output = scan("fixtures/digits", &file, &[]);
            let report = crate::util::report(&output, &file);
            let left_out = &report["pipeline"]["not_evaluated"];
            assert_eq!(
                names(left_out, "name"),
                ["Perspective", "GridDistortion"],
                "{file}"
            );
            for reason in names(left_out, "reason") {
                assert!(!reason.trim().is_empty(), "{file}: {left_out}");
            }
            let warnings = stderr(&output);
            for class in ["Perspective", "GridDistortion"] {
                assert!(
                    warnings
                        .lines()
                        .any(|line| line.starts_with("warning:") && line.contains(class)),
                    "{file}: no warning names {class}:\n{warnings}"
                );
            }
            // The flip beside them is still read and evaluated, alone and in the whole.
            assert_eq!(paths(&report), ["Compose[2]/HorizontalFlip"], "{file}");
            let flip = entry(&report, &components(&report)[0]);
            assert!(samples(flip) > 0, "{file}");
            assert!(
                flip["changed"].as_u64().unwrap_or(0) > 0,
                "{file}: mirrored digits must change: {}",
                flip["spec"]
            );
            assert!(
                report["transforms"][0]["changed"].as_u64().unwrap_or(0) > 0,
                "{file}: the pipeline's flip must change some digit"
            );
        }
    }
}

#[test]
fn rotating_by_up_to_180_and_flipping_turns_6_into_9_and_b_into_p() {
    let report = report("fixtures/glyphs", &fixture("v2", "rotate180_vflip.json"));
    let whole = &report["transforms"][0];
    assert!(
        whole["spec"]
            .as_str()
            .is_some_and(|s| s.contains("rotate180_vflip")),
        "{}",
        whole["spec"]
    );
    assert_eq!(whole["verdict"], "unsafe");
    assert!(pair_count(whole, "6", "9") > 0, "{}", whole["pairs"]);
    // Its fill 0 destroys most glyphs on a white background; of those it turns or flips
    // and still reads, b becomes one of its rotations or mirrors.
    assert!(
        ["p", "q", "d"]
            .iter()
            .any(|to| pair_count(whole, "b", to) > 0),
        "{}",
        whole["pairs"]
    );

    assert_eq!(
        paths(&report),
        ["Compose[0]/Rotate", "Compose[1]/VerticalFlip"]
    );
    let vflip = entry(&report, &components(&report)[1]);
    assert!(pair_count(vflip, "b", "p") > 0, "{}", vflip["pairs"]);

    let blame = &report["pipeline"]["blame"];
    let known = paths(&report);
    for class in ["6", "b"] {
        let component = blame[class]["component"].as_str().unwrap_or_default();
        assert!(
            known.contains(&component),
            "class {class} is blamed on '{component}', not a component: {blame}"
        );
        assert!(
            blame[class]["loss_rate"].as_f64().unwrap_or(0.0) > 0.0,
            "{blame}"
        );
    }
}

#[test]
fn module_qualified_class_names_read_as_the_short_ones() {
    let legacy = report(
        "fixtures/digits",
        &fixture("legacy", "rotate180_vflip_fullnames.json"),
    );
    assert_eq!(legacy["pipeline"]["albumentations_version"], "1.3.1");
    assert_eq!(
        paths(&legacy),
        ["Compose[0]/Rotate", "Compose[1]/VerticalFlip"]
    );
    // border_mode 4 (reflect-101), the 1.x default, cannot be drawn exactly and says so.
    let rotate = &components(&legacy)[0];
    assert!(
        rotate["notes"].to_string().contains("reflect-101"),
        "{rotate}"
    );
    for folder in ["v1", "v1_3"] {
        let file = fixture(folder, "rotate180_vflip.json");
        let short = report("fixtures/digits", &file);
        assert_eq!(
            legacy["pipeline"]["components"], short["pipeline"]["components"],
            "legacy/ and {file} read differently"
        );
    }
}

#[test]
fn bad_pipeline_files_are_errors_that_name_the_file_the_transform_and_the_field() {
    let cases: &[(&str, &[&str])] = &[
        ("truncated.json", &["not valid JSON"]),
        ("not_a_pipeline.json", &["field 'transform'"]),
        ("out_of_range.json", &["Rotate", "field 'p'", "1.5"]),
        ("bad_limit.yaml", &["Rotate", "field 'limit'", "abc"]),
        ("unknown_class.json", &["FlipSideways"]),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    for (name, needles) in cases {
        let file = fixture("bad", name);
        let output = augsafe()
            .args(["scan", "fixtures/digits", "--pipeline", &file, "--json"])
            .arg(&json)
            .output()
            .expect("augsafe runs");
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{file}: {message}");
        assert!(message.starts_with("error: "), "{file}: {message}");
        assert!(message.contains(&file), "{file}: {message}");
        for needle in *needles {
            assert!(
                message.contains(needle),
                "{file}: no '{needle}' in {message}"
            );
        }
        assert!(!json.exists(), "{file}: a report was written");
    }

    let missing = dir.path().join("no_such_pipeline.json");
    let output = augsafe()
        .args(["scan", "fixtures/digits", "--pipeline"])
        .arg(&missing)
        .output()
        .expect("augsafe runs");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.starts_with("error: "), "{message}");
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
}

#[test]
fn the_same_seed_gives_the_same_bytes_whatever_the_thread_count() {
    let file = fixture("v2", "typical_ocr.json");
    let run = |threads: &str, seed: &str| {
        let output = augsafe()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "scan",
                "fixtures/digits",
                "--pipeline",
                &file,
                "--seed",
                seed,
            ])
            .args(["--json", "-"])
            .output()
            .expect("augsafe runs");
        assert!(output.status.success(), "{}", stderr(&output));
        output.stdout
    };
    let one = run("1", "7");
    assert_eq!(one, run("2", "7"));
    assert_eq!(one, run("2", "7"));
    // The same bytes again when written to a file.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.json");
    augsafe()
        .env("RAYON_NUM_THREADS", "2")
        .args([
            "scan",
            "fixtures/digits",
            "--pipeline",
            &file,
            "--seed",
            "7",
        ])
        .arg("--json")
        .arg(&path)
        .assert()
        .success();
    assert_eq!(one, std::fs::read(&path).expect("report written"));
    // Another seed draws other angles, windows and holes, so some count moves.
    let other: Value = serde_json::from_slice(&run("2", "8")).expect("json");
    let one: Value = serde_json::from_slice(&one).expect("json");
    assert_ne!(
        one["transforms"][0]["classes"],
        other["transforms"][0]["classes"]
    );
}
