//! `augsafe scan` and `augsafe render` on the repository's fixtures, through the real binary.

use std::path::Path;
use std::process::Output;
use std::sync::OnceLock;

use crate::util::pair_count;
use crate::util::{augsafe, copy_tree, terminal};
use serde_json::Value;

/// Runs `augsafe scan DIR -t SPEC... EXTRA... --json -` and returns its output.
fn scan(dir: &str, specs: &[&str], extra: &[&str]) -> Output {
    let mut command = augsafe();
    command.arg("scan").arg(dir).args(["--json", "-"]);
    for spec in specs {
        command.args(["-t", spec]);
    }
    command.args(extra).output().expect("augsafe runs")
}

fn parse(output: &Output) -> Value {
    crate::util::report(output, "scan")
}

/// One scan of the glyph fixtures shared by the tests that read it.
fn glyphs() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        parse(&scan(
            "fixtures/glyphs",
            &["rotate:180", "hflip", "vflip", "rotate:-10..10"],
            &[],
        ))
    })
}

fn transform<'a>(report: &'a Value, spec: &str) -> &'a Value {
    report["transforms"]
        .as_array()
        .and_then(|all| all.iter().find(|t| t["spec"] == spec))
        .unwrap_or_else(|| panic!("no transform {spec} in the report"))
}

fn class<'a>(transform: &'a Value, label: &str) -> &'a Value {
    transform["classes"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["label"] == label))
        .unwrap_or_else(|| panic!("no class {label} under {}", transform["spec"]))
}

/// A pair counts as flagged when it moves at least half of its class.
fn assert_flags(transform: &Value, from: &str, to: &str) {
    let samples = class(transform, from)["samples"].as_u64().unwrap_or(0);
    let count = pair_count(transform, from, to);
    assert!(
        samples > 0 && count * 2 >= samples,
        "{}: {from}→{to} {count}/{samples}",
        transform["spec"]
    );
}

#[test]
fn the_report_follows_the_schema() {
    let report = glyphs();
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["tool"]["name"], "augsafe");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["seed"], 42);
    assert_eq!(report["dataset"]["root"], "fixtures/glyphs");
    assert_eq!(report["dataset"]["images"], 744);
    let classes = report["dataset"]["classes"].as_array().expect("classes");
    assert_eq!(classes.len(), 62);
    assert!(classes.contains(&Value::from("A")) && classes.contains(&Value::from("a")));
    assert_eq!(report["classifier"]["kind"], "template-ncc");
    let accuracy = report["classifier"]["baseline_accuracy"]
        .as_f64()
        .expect("accuracy");
    assert!(accuracy > 0.95, "baseline accuracy {accuracy}");
    assert_eq!(
        report["classifier"]["per_class_accuracy"]
            .as_object()
            .map(|m| m.len()),
        Some(62)
    );
    for t in report["transforms"].as_array().expect("transforms") {
        for key in [
            "spec",
            "samples",
            "changed",
            "destroyed",
            "uncertain",
            "change_rate",
            "destroyed_rate",
            "loss_rate",
            "verdict",
            "classes",
            "pairs",
        ] {
            assert!(!t[key].is_null(), "{key} missing in {}", t["spec"]);
        }
        for key in ["changed", "destroyed"] {
            let sum: u64 = t["classes"]
                .as_array()
                .expect("classes")
                .iter()
                .map(|c| c[key].as_u64().unwrap_or(0))
                .sum();
            assert_eq!(Some(sum), t[key].as_u64(), "{key} of {}", t["spec"]);
        }
        // The verdict is read from changed and destroyed together.
        for c in t["classes"].as_array().expect("classes") {
            let samples = c["samples"].as_f64().unwrap_or(0.0).max(1.0);
            let lost =
                c["changed"].as_f64().unwrap_or(0.0) + c["destroyed"].as_f64().unwrap_or(0.0);
            let loss_rate = c["loss_rate"].as_f64().unwrap_or(-1.0);
            assert!((loss_rate - lost / samples).abs() < 1e-12, "{c}");
        }
    }
    let floor = &report["classifier"]["destroyed"];
    let below = floor["below"].as_f64().unwrap_or(0.0);
    assert!(below > 0.5 && below < 1.0, "{floor}");
    assert_eq!(
        floor["own_low"]
            .as_f64()
            .unwrap_or(0.0)
            .min(floor["rival_median"].as_f64().unwrap_or(0.0)),
        below
    );
}

/// One scan of the digit fixtures under the mirror and the half turn, with the reports the
/// binary writes in every format: (JSON, terminal table, Markdown, HTML).
fn mirrored_digits() -> &'static (Value, String, String, String) {
    static REPORTS: OnceLock<(Value, String, String, String)> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let (json, markdown, html) = (
            dir.path().join("r.json"),
            dir.path().join("r.md"),
            dir.path().join("r.html"),
        );
        let output = augsafe()
            .args(["scan", "fixtures/digits", "-t", "hflip", "-t", "rotate:180"])
            .arg("--json")
            .arg(&json)
            .arg("--markdown")
            .arg(&markdown)
            .arg("--html")
            .arg(&html)
            .output()
            .expect("augsafe runs");
        assert!(output.status.success());
        let read = |path: &Path| std::fs::read_to_string(path).expect("report written");
        (
            serde_json::from_str(&read(&json)).expect("json"),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            read(&markdown),
            read(&html),
        )
    })
}

#[test]
fn a_mirrored_or_upturned_3_reads_as_no_digit_not_as_another() {
    let (report, table, markdown, html) = mirrored_digits();
    for spec in ["hflip", "rotate:180"] {
        let t = transform(report, spec);
        let three = class(t, "3");
        // Every mirrored 3 is destroyed: none is claimed as another digit.
        assert_eq!(three["destroyed"], three["samples"], "{spec}: {three}");
        assert_eq!(three["changed"], 0, "{spec}: {three}");
        assert_eq!(three["targets"], serde_json::json!({}), "{spec}: {three}");
        assert_eq!(three["verdict"], "unsafe", "{spec}: {three}");
        let pair = t["pairs"]
            .as_array()
            .and_then(|pairs| pairs.iter().find(|p| p["from"] == "3"))
            .unwrap_or_else(|| panic!("{spec}: no pair from 3"));
        assert!(pair["to"].is_null(), "{spec}: {pair}");
        assert_eq!(pair["count"], three["samples"], "{spec}: {pair}");
    }
    // A 7 upside down is no digit either; a 6 upside down still is a 9.
    let upturned = transform(report, "rotate:180");
    assert_eq!(
        class(upturned, "7")["destroyed"],
        class(upturned, "7")["samples"]
    );
    assert_flags(upturned, "6", "9");
    assert_eq!(class(upturned, "6")["destroyed"], 0);
    // Every format writes the loss as →∅, beside the changes.
    assert!(
        table.contains("3→∅ 18/18") && table.contains("6→9 18/18"),
        "{table}"
    );
    assert!(table.contains("DESTROYED"), "{table}");
    assert!(
        table.contains("destroyed (→∅, read as no class)"),
        "{table}"
    );
    assert!(
        markdown.contains("3→∅ 18/18") && markdown.contains("| Destroyed |"),
        "{markdown}"
    );
    assert!(html.contains("3→∅ 18/18") && html.contains("<th>Destroyed</th>"));
}

#[test]
fn every_scan_reports_the_judges_noise_on_a_control_apart_from_the_verdicts() {
    let (report, table, markdown, html) = mirrored_digits();
    let control = &report["control"];
    assert_eq!(control["spec"], augsafe::scan::CONTROL_SPEC);
    // Every recognised original, drawn five times: it resamples, it is random.
    assert_eq!(control["samples"], 5 * 180);
    for key in ["change_rate", "destroyed_rate"] {
        let rate = control[key].as_f64().unwrap_or(1.0);
        assert!((0.0..0.02).contains(&rate), "{key} {rate}: {control}");
    }
    // It is no transformation of the user's: not among them, and not in the verdicts.
    let specs: Vec<&Value> = report["transforms"]
        .as_array()
        .expect("transforms")
        .iter()
        .map(|t| &t["spec"])
        .collect();
    assert_eq!(specs, ["hflip", "rotate:180"]);
    let row = table
        .lines()
        .find(|l| l.starts_with(augsafe::scan::CONTROL_SPEC))
        .unwrap_or_else(|| panic!("no control row:\n{table}"));
    assert!(row.contains("noise"), "{row}");
    assert!(table.contains("control (the judge's own noise"), "{table}");
    assert!(markdown.contains("*control: judge's noise*"), "{markdown}");
    assert!(html.contains("id=\"control\""));
}

#[test]
fn the_control_can_be_chosen_or_left_out() {
    let chosen = parse(&scan(
        "fixtures/digits",
        &["hflip"],
        &["--control", "rotate:-1..1"],
    ));
    assert_eq!(chosen["control"]["spec"], "rotate:-1..1");
    let none = parse(&scan("fixtures/digits", &["hflip"], &["--control", "none"]));
    assert!(none.get("control").is_none(), "{}", none["control"]);
    // The user's transformations are drawn alike with or without it; only the doubt moves,
    // since without a control no near tie is the judge's own.
    let (with, without) = (&chosen["transforms"][0], &none["transforms"][0]);
    assert_eq!(with["pairs"], without["pairs"]);
    for key in ["samples", "changed", "destroyed", "uncertain"] {
        assert_eq!(with[key], without[key], "{key}");
    }
    let doubtful = |t: &Value| t["doubtful"].as_u64().unwrap_or(0);
    assert!(doubtful(with) <= doubtful(without), "{with} {without}");
    let bad = scan("fixtures/digits", &["hflip"], &["--control", "spin:3"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown transformation 'spin'"));
}

#[test]
fn the_report_says_which_canonical_form_glyphs_were_compared_in() {
    let report = glyphs();
    assert_eq!(report["classifier"]["canonical"]["size"], 32);
    assert_eq!(report["classifier"]["canonical"]["deslant"], true);
    let leaning = parse(&scan("fixtures/digits", &["hflip"], &["--no-deslant"]));
    assert_eq!(leaning["classifier"]["canonical"]["deslant"], false);
    let text = crate::util::run(&["scan", "fixtures/digits", "-t", "hflip", "--no-deslant"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("templates (32 px), baseline"), "{text}");
    let text = crate::util::run(&["scan", "fixtures/digits", "-t", "hflip"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("templates (32 px, deslanted), baseline"),
        "{text}"
    );
    // A size the user sets is used and reported; the digits still read as digits.
    let larger = parse(&scan(
        "fixtures/digits",
        &["rotate:180"],
        &["--canonical-size", "48"],
    ));
    assert_eq!(larger["classifier"]["canonical"]["size"], 48);
    assert_flags(transform(&larger, "rotate:180"), "6", "9");
    let accuracy = larger["classifier"]["baseline_accuracy"].as_f64();
    assert!(accuracy.is_some_and(|a| a > 0.95), "{accuracy:?}");
    for bad in ["40", "0", "big"] {
        let output = scan("fixtures/digits", &["hflip"], &["--canonical-size", bad]);
        assert_eq!(output.status.code(), Some(2), "--canonical-size {bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("canonical size"), "{stderr}");
    }
}

#[test]
fn a_large_alphabet_is_compared_at_the_size_of_its_images() {
    // 384 classes (Latin Extended-A and Cyrillic), more than a small alphabet's 256.
    let dir = tempfile::tempdir().expect("tempdir");
    let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    for (px, side) in [("48", 48), ("28", 32)] {
        let out = dir.path().join(px);
        augsafe()
            .args([
                "render",
                "--font",
                font,
                "--chars",
                "Ā-ſЀ-ӿ",
                "--samples",
                "2",
            ])
            .args(["--size", px, "--out"])
            .arg(&out)
            .assert()
            .success();
        let dataset = out.to_string_lossy();
        let report = parse(&scan(&dataset, &["hflip"], &[]));
        assert_eq!(
            report["dataset"]["classes"].as_array().map(Vec::len),
            Some(384)
        );
        assert_eq!(report["classifier"]["canonical"]["size"], side, "{px} px");
        // The user's choice wins over the dataset's.
        let fixed = parse(&scan(&dataset, &["hflip"], &["--canonical-size", "64"]));
        assert_eq!(fixed["classifier"]["canonical"]["size"], 64, "{px} px");
    }
}

#[test]
fn rotating_by_180_turns_6_into_9_and_back() {
    let rotated = transform(glyphs(), "rotate:180");
    assert_eq!(rotated["verdict"], "unsafe");
    assert_flags(rotated, "6", "9");
    assert_flags(rotated, "9", "6");
    assert_eq!(class(rotated, "6")["verdict"], "unsafe");
}

#[test]
fn mirroring_swaps_b_and_d_but_spares_symmetric_glyphs() {
    let mirrored = transform(glyphs(), "hflip");
    assert_eq!(mirrored["verdict"], "unsafe");
    assert_flags(mirrored, "b", "d");
    assert_flags(mirrored, "d", "b");
    for label in ["A", "H", "O", "X", "0", "8"] {
        let symmetric = class(mirrored, label);
        assert_eq!(
            symmetric["verdict"], "safe",
            "hflip on {label}: {symmetric}"
        );
    }
}

#[test]
fn flipping_upside_down_turns_b_into_p() {
    let flipped = transform(glyphs(), "vflip");
    assert_eq!(flipped["verdict"], "unsafe");
    assert_flags(flipped, "b", "p");
}

#[test]
fn small_rotations_are_safe_for_every_class() {
    let small = transform(glyphs(), "rotate:-10..10");
    assert_eq!(small["verdict"], "safe");
    let classes = small["classes"].as_array().expect("classes");
    assert_eq!(classes.len(), 62);
    for c in classes {
        assert_eq!(c["verdict"], "safe", "{c}");
        // Five draws of every correctly recognised image were judged.
        let samples = c["samples"].as_u64().unwrap_or(0);
        assert!(samples >= 5 * 6 && samples % 5 == 0, "{c}");
    }
}

#[test]
fn cropping_an_8_reads_as_3_or_0() {
    let report = parse(&scan(
        "fixtures/digits",
        &["crop:right=0.5", "crop:bottom=0.5"],
        &[],
    ));
    assert_flags(transform(&report, "crop:right=0.5"), "8", "3");
    assert_flags(transform(&report, "crop:bottom=0.5"), "8", "0");
}

#[test]
fn without_specs_the_default_set_is_scanned() {
    let report = parse(&scan("fixtures/digits", &[], &[]));
    let specs: Vec<&str> = report["transforms"]
        .as_array()
        .expect("transforms")
        .iter()
        .filter_map(|t| t["spec"].as_str())
        .collect();
    assert_eq!(specs.len(), 12, "{specs:?}");
    assert!(specs.contains(&"rotate:180") && specs.contains(&"crop:left=0.5"));
}

#[test]
fn the_same_seed_gives_the_same_bytes_whatever_the_thread_count() {
    let specs = ["rotate:-30..30", "crop:0.6..0.9+rotate:-5..5", "hflip"];
    let run = |threads: &str, seed: &str| {
        let mut command = augsafe();
        command.env("RAYON_NUM_THREADS", threads);
        command.args(["scan", "fixtures/digits", "--json", "-", "--seed", seed]);
        for spec in specs {
            command.args(["-t", spec]);
        }
        let output = command.output().expect("augsafe runs");
        assert!(output.status.success());
        output.stdout
    };
    let one = run("1", "7");
    assert_eq!(one, run("2", "7"));
    assert_eq!(one, run("2", "7"));
    let other: Value = serde_json::from_slice(&run("2", "8")).expect("json");
    let one: Value = serde_json::from_slice(&one).expect("json");
    // Another seed draws other angles and windows, so some count moves.
    assert_ne!(
        one["transforms"][0]["classes"],
        other["transforms"][0]["classes"]
    );
}

#[test]
fn near_ties_are_not_counted_as_safe() {
    // A 4 turned a quarter is read as no other digit, but its samples are near ties, most of
    // them led by another digit: well beyond the judge's own rate, so the class is caution,
    // not safe.
    let report = parse(&scan("fixtures/digits", &["rotate:90"], &[]));
    let four = class(transform(&report, "rotate:90"), "4");
    assert_eq!(four["loss_rate"], 0.0, "{four}");
    assert!(four["doubtful"].as_u64().unwrap_or(0) > 0, "{four}");
    assert_eq!(four["verdict"], "caution", "{four}");
    // A near tie the judge makes anyway is not doubt: the control's own doubt is small.
    let control = &report["control"];
    assert!(
        control["doubtful"].as_u64().unwrap_or(u64::MAX) * 10
            <= control["uncertain"].as_u64().unwrap_or(0).max(1),
        "{control}"
    );
    // The table says how near ties count.
    let table = terminal(&["scan", "fixtures/digits", "-t", "rotate:90"]);
    assert!(table.contains("DOUBTFUL"), "{table}");
    assert!(
        table.contains("with the other class ahead, clearly beyond the judge's own rate"),
        "{table}"
    );
}

#[test]
fn a_range_reports_its_average_and_its_worst_part_as_the_sweep_sees_them() {
    let report = parse(&scan("fixtures/digits", &["rotate:-45..45"], &[]));
    let range = transform(&report, "rotate:-45..45");
    // Five draws, five equal parts, each drawn once per glyph.
    let parts = range["parts"].as_array().expect("parts");
    let bounds: Vec<(f64, f64)> = parts
        .iter()
        .map(|p| {
            (
                p["from"].as_f64().unwrap_or(0.0),
                p["to"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    assert_eq!(
        bounds,
        [
            (-45.0, -27.0),
            (-27.0, -9.0),
            (-9.0, 9.0),
            (9.0, 27.0),
            (27.0, 45.0)
        ]
    );
    let samples = range["samples"].as_u64().unwrap_or(0);
    for part in parts {
        assert_eq!(part["samples"].as_u64().unwrap_or(0) * 5, samples, "{part}");
    }
    // The middle part is safe for every class; some class is worse at the ends than on
    // average, and the table says so.
    assert_eq!(parts[2]["verdict"], "safe", "{}", parts[2]);
    let table = terminal(&["scan", "fixtures/digits", "-t", "rotate:-45..45"]);
    assert!(table.contains("worse in part of the range"), "{table}");
    assert!(
        table.contains("rotate:-45..45: caution on average; at "),
        "{table}"
    );
    // Where the scan finds a class worst, the sweep of fixed angles flags it too: the worst
    // part reaches beyond the angles the sweep calls safe for that class.
    let swept = crate::util::report(
        &crate::util::run(&[
            "sweep",
            "fixtures/digits",
            "--op",
            "rotate",
            "--range=-45..45",
            "--step",
            "9",
            "--json",
            "-",
        ]),
        "sweep",
    );
    let mut checked = 0;
    for class in range["classes"].as_array().expect("classes") {
        let worst = &class["worst_part"];
        if worst["verdict"] != "unsafe" && worst["verdict"] != "caution" {
            continue;
        }
        let label = class["label"].as_str().unwrap_or_default();
        let series = swept["classes"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["label"] == label))
            .unwrap_or_else(|| panic!("no sweep series for {label}"));
        let safe_to = series["safe_range"][1].as_f64().unwrap_or(f64::MAX);
        let reach = worst["from"]
            .as_f64()
            .unwrap_or(0.0)
            .abs()
            .max(worst["to"].as_f64().unwrap_or(0.0).abs());
        assert!(
            reach > safe_to,
            "{label}: worst part {worst}, sweep safe up to {safe_to}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no class is flagged in any part: {range}");
}

#[test]
fn colour_is_asked_for_or_left_out() {
    let table = |extra: &[&str], no_color: bool| {
        let mut command = augsafe();
        command
            .args(["scan", "fixtures/digits", "-t", "rotate:180"])
            .args(extra);
        if no_color {
            command.env("NO_COLOR", "1");
        } else {
            command.env_remove("NO_COLOR");
        }
        let output = command.output().expect("augsafe runs");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let always = table(&["--color", "always"], false);
    assert!(always.contains("\x1b[1;31mUNSAFE"), "{always}");
    // Not a terminal here: auto leaves it plain, as does never, and NO_COLOR under auto.
    for (extra, no_color) in [
        (&[][..], false),
        (&["--color", "never"][..], false),
        (&[][..], true),
    ] {
        let plain = table(extra, no_color);
        assert!(!plain.contains('\x1b'), "{extra:?}: {plain}");
    }
    // The colours change no column: without the escapes it is the plain table.
    let stripped = always
        .replace("\x1b[0m", "")
        .replace("\x1b[1;31m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[2m", "")
        .replace("\x1b[1m", "");
    assert_eq!(stripped, table(&[], false));
    let bad = crate::util::run(&["scan", "fixtures/digits", "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn threads_can_be_chosen_and_change_nothing() {
    let run = |threads: &str| {
        let output = crate::util::run(&[
            "scan",
            "fixtures/digits",
            "-t",
            "rotate:-20..20",
            "--json",
            "-",
            "--threads",
            threads,
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    assert_eq!(run("1"), run("2"));
    let zero = crate::util::run(&["scan", "fixtures/digits", "--threads", "0"]);
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn help_shows_examples_and_the_spec_list() {
    let top = terminal(&["--help"]);
    assert!(
        top.contains("Examples:") && top.contains("augsafe sweep DIR --op rotate"),
        "{top}"
    );
    let scan = terminal(&["scan", "--help"]);
    for spec in [
        "rotate:-15..15",
        "crop:left=0.6",
        "elastic:alpha=1,sigma=50",
        "p=0.5:hflip",
    ] {
        assert!(scan.contains(spec), "{spec}: {scan}");
    }
    assert!(
        terminal(&["scan", "--help"]).contains("--color <WHEN>"),
        "{scan}"
    );
}

#[test]
fn a_transformation_draws_the_same_wherever_it_is_listed() {
    let first = parse(&scan("fixtures/digits", &["rotate:-30..30", "hflip"], &[]));
    let last = parse(&scan(
        "fixtures/digits",
        &["hflip", "crop:0.6..0.9", "scale:0.5..1.5", "rotate:-30..30"],
        &[],
    ));
    for spec in ["rotate:-30..30", "hflip"] {
        let (a, b) = (transform(&first, spec), transform(&last, spec));
        assert_eq!(a["classes"], b["classes"], "{spec}");
        assert_eq!(a["pairs"], b["pairs"], "{spec}");
    }
}

#[test]
fn the_json_report_goes_to_a_file_and_the_table_to_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.json");
    let output = augsafe()
        .args(["scan", "fixtures/digits", "-t", "rotate:180", "--json"])
        .arg(&path)
        .output()
        .expect("augsafe runs");
    assert!(output.status.success());
    let report: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("report written")).expect("json");
    assert_eq!(report["transforms"][0]["spec"], "rotate:180");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("UNSAFE"), "{table}");
    assert!(table.contains("6→9 18/18"), "{table}");
    assert!(table.contains("baseline accuracy"), "{table}");
    // No temporary file is left beside the report, and no progress bar reached a pipe.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listing")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("scanning"));
}

#[test]
fn quiet_prints_nothing_but_the_report_asked_for() {
    let output = scan("fixtures/digits", &["hflip"], &["--quiet"]);
    parse(&output);
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_gate_trips_with_exit_code_3() {
    let unsafe_run = scan("fixtures/digits", &["rotate:180"], &["--fail-on", "unsafe"]);
    assert_eq!(unsafe_run.status.code(), Some(3));
    // The report is still written in full before the gate trips.
    let report: Value = serde_json::from_slice(&unsafe_run.stdout).expect("json");
    assert_eq!(report["transforms"][0]["verdict"], "unsafe");
    let safe_run = scan(
        "fixtures/digits",
        &["rotate:-5..5"],
        &["--fail-on", "caution"],
    );
    assert_eq!(safe_run.status.code(), Some(0));
    let strict = scan(
        "fixtures/digits",
        &["rotate:-5..5"],
        &["--fail-on", "caution", "--caution-at", "0"],
    );
    assert_eq!(strict.status.code(), Some(3));
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        vec!["scan", "fixtures/digits", "--draws", "0"],
        vec!["scan", "fixtures/digits", "--fail-on", "maybe"],
        vec!["scan", "fixtures/digits", "--caution-at", "0.6"],
        vec!["scan"],
        vec!["render", "--out", "x"],
    ] {
        let output = augsafe().args(&args).output().expect("augsafe runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn render_writes_a_dataset_that_scan_reads_back_with_case_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("rendered");
    let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    augsafe()
        .args([
            "render",
            "--font",
            font,
            "--chars",
            "xXo",
            "--samples",
            "3",
            "--invert",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let mut folders: Vec<String> = std::fs::read_dir(&out)
        .expect("listing")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(folders, ["U+0058_X", "o", "x"]);
    // No two folder names differ only by case.
    let mut folded: Vec<String> = folders.iter().map(|f| f.to_lowercase()).collect();
    folded.dedup();
    assert_eq!(folded.len(), folders.len());
    let first = image::open(out.join("x").join("DejaVuSans_00.png")).expect("png");
    assert_eq!((first.width(), first.height()), (32, 32));
    assert_eq!(
        first.to_luma8().get_pixel(0, 0)[0],
        0,
        "--invert draws on black"
    );

    let report = parse(&scan(
        out.to_str().expect("utf-8 path"),
        &["rotate:-5..5"],
        &[],
    ));
    assert_eq!(
        report["dataset"]["classes"],
        serde_json::json!(["X", "o", "x"])
    );
    assert_eq!(report["classifier"]["baseline_accuracy"], 1.0);
}

#[test]
fn render_refuses_what_it_cannot_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = augsafe()
        .args(["render", "--font", "no/such/font.ttf", "--out"])
        .arg(dir.path().join("x"))
        .output()
        .expect("augsafe runs");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/font.ttf"));
    let backwards = augsafe()
        .args([
            "render",
            "--font",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        ])
        .args(["--chars", "z-a", "--out"])
        .arg(dir.path().join("y"))
        .output()
        .expect("augsafe runs");
    assert_eq!(backwards.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("z-a"));
    assert!(!Path::new(&dir.path().join("y")).exists());
}

#[test]
fn hidden_folders_and_files_are_left_out_and_counted() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let plain = dir.path().join("plain");
    copy_tree(&root.join("fixtures/digits"), &plain);
    let messy = dir.path().join("messy");
    copy_tree(&plain, &messy);
    // What Jupyter, macOS and zip files leave beside the data: a checkpoint folder of images
    // at the top and inside a class, AppleDouble files that are not images, a macOS zip folder.
    let six = messy.join("6");
    let an_image = std::fs::read_dir(&six)
        .expect("the 6 folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a 6");
    for folder in [".ipynb_checkpoints", "6/.ipynb_checkpoints", "__MACOSX/9"] {
        std::fs::create_dir_all(messy.join(folder)).expect("a folder");
        std::fs::copy(&an_image, messy.join(folder).join("copy.png")).expect("a copy");
    }
    std::fs::write(
        six.join("._DejaVuSansMono_00.png"),
        b"\0\x05\x16\x07 not an image",
    )
    .expect("a file");
    std::fs::write(messy.join(".DS_Store"), b"\0\0\0\x01Bud1").expect("a file");

    let specs = ["rotate:180", "hflip"];
    let clean = parse(&scan(plain.to_str().expect("a path"), &specs, &[]));
    let output = scan(messy.to_str().expect("a path"), &specs, &[]);
    let messy_report = parse(&output);
    for key in ["classes", "images", "skipped", "ignored", "empty_classes"] {
        assert_eq!(messy_report["dataset"][key], clean["dataset"][key], "{key}");
    }
    assert_eq!(messy_report["transforms"], clean["transforms"]);
    // Three at the top (two folders and .DS_Store), the checkpoint folder and the AppleDouble
    // file in 6.
    assert_eq!(messy_report["dataset"]["hidden"], 5);
    assert_eq!(clean["dataset"]["hidden"], 0);
    // The terminal says so (the report goes to standard output, the table to standard error).
    let messy = messy.to_str().expect("a path");
    let all = terminal(&["scan", messy, "-t", "hflip"]);
    assert!(
        all.contains("left out 5 hidden file(s) or folder(s)"),
        "{all}"
    );
}

/// fixtures/digits with a single 6, which the judge cannot read without another 6 to compare
/// it with: a class no transformation can be judged on.
fn digits_with_one_six() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/digits"),
        dir.path(),
    );
    let six = dir.path().join("6");
    let mut files: Vec<_> = std::fs::read_dir(&six)
        .expect("the 6 folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in files.iter().skip(1) {
        std::fs::remove_file(file).expect("a removal");
    }
    dir
}

#[test]
fn a_class_that_cannot_be_judged_is_never_reported_safe() {
    let dir = digits_with_one_six();
    let path = dir.path().to_str().expect("a path");
    let output = scan(path, &["rotate:180"], &[]);
    let report = parse(&output);
    let rotate = transform(&report, "rotate:180");
    let class = |label: &str| {
        rotate["classes"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["label"] == label))
            .expect("the class")
            .clone()
    };
    assert_eq!(class("6")["samples"], 0);
    assert_eq!(class("6")["verdict"], "not_judged");
    // The judged classes keep their verdicts, and the transformation's is theirs.
    assert_eq!(class("9")["verdict"], "unsafe");
    assert_eq!(rotate["verdict"], "unsafe");
    // The terminal says so, and a gate does not pass what it could not judge, even when
    // every judged class passes it.
    let text = augsafe()
        .arg("scan")
        .arg(path)
        .args(["-t", "rotate:-5..5", "--fail-on", "unsafe"])
        .output()
        .expect("augsafe runs");
    let stderr = String::from_utf8_lossy(&text.stderr);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        format!("{stdout}{stderr}").contains("not judged"),
        "{stdout}{stderr}"
    );
    assert_eq!(text.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("1 class could not be judged"), "{stderr}");
    assert!(stderr.contains(": 6"), "{stderr}");
    // Markdown and HTML say so too.
    let markdown = terminal(&[
        "scan",
        path,
        "-t",
        "rotate:180",
        "--quiet",
        "--markdown",
        "-",
    ]);
    assert!(
        markdown.contains("**Not judged:** not judged (1 class"),
        "{markdown}"
    );
    assert!(markdown.contains("not safe): 6."), "{markdown}");
    let html = terminal(&["scan", path, "-t", "rotate:180", "--quiet", "--html", "-"]);
    assert!(
        html.contains(r#"<p class="not-judged">not judged (1 class"#),
        "{html}"
    );
}

#[test]
fn a_transformation_with_nothing_judged_is_not_judged_and_trips_the_gate() {
    // One image per class: no glyph has another of its class to be compared with.
    let output = scan(
        "fixtures/digits",
        &["hflip"],
        &["--max-per-class", "1", "--fail-on", "unsafe"],
    );
    assert_eq!(output.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&output.stdout).expect("the JSON report");
    let hflip = transform(&report, "hflip");
    assert_eq!(hflip["verdict"], "not_judged");
    assert!(hflip["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .all(|c| c["verdict"] == "not_judged" && c["samples"] == 0));
    // Without a gate it is a report like any other.
    let output = scan("fixtures/digits", &["hflip"], &["--max-per-class", "1"]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn sweep_and_recommend_name_the_classes_they_could_not_judge() {
    let dir = digits_with_one_six();
    let path = dir.path().to_str().expect("a path");
    let text = terminal(&["sweep", path, "--op", "rotate"]);
    assert!(
        text.contains("(not judged, no sample read as its own class before the sweep: 6)"),
        "{text}"
    );
    assert!(!text.contains("never change"), "{text}");
    let out = tempfile::tempdir().expect("a temporary directory");
    let yaml = out.path().join("rec.yaml");
    let recommend = augsafe()
        .args([
            "recommend",
            path,
            "--pipeline",
            "fixtures/pipelines/v2/affine.yaml",
            "--out",
        ])
        .arg(&yaml)
        .output()
        .expect("augsafe runs");
    assert!(
        recommend.status.success(),
        "{}",
        String::from_utf8_lossy(&recommend.stderr)
    );
    let policy: Value = serde_json::from_slice(
        &std::fs::read(out.path().join("rec.policy.json")).expect("the policy"),
    )
    .expect("JSON");
    for component in policy["components"].as_array().expect("components") {
        assert_eq!(component["not_judged"], serde_json::json!(["6"]));
        let safe = component["safe_for"].as_array().expect("safe_for");
        assert!(!safe.iter().any(|c| c == "6"), "{component}");
    }
}

#[test]
fn every_report_flag_takes_standard_output() {
    // Markdown on standard output, and the table moves to standard error.
    let output = augsafe()
        .args(["scan", "fixtures/digits", "-t", "hflip", "--markdown", "-"])
        .output()
        .expect("augsafe runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("## augsafe report"), "{stdout}");
    assert!(!stdout.contains("TRANSFORMATION"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("TRANSFORMATION"));
    // HTML too, and no file named '-' is left behind.
    let output = augsafe()
        .args([
            "scan",
            "fixtures/digits",
            "-t",
            "hflip",
            "--html",
            "-",
            "--quiet",
        ])
        .output()
        .expect("augsafe runs");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("<!DOCTYPE html>"));
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("-").exists());
}

/// Built without the `onnx` feature (the default), a model as the judge is an error that says
/// how to build augsafe with it. (`cargo test --all-features` runs the model's own tests
/// instead, in `model.rs`.)
#[cfg(not(feature = "onnx"))]
#[test]
fn a_model_judge_without_the_onnx_feature_says_how_to_get_it() {
    for command in [&["scan"][..], &["sweep", "--op", "rotate"][..]] {
        let output = crate::util::run(
            &[
                command,
                &["fixtures/digits", "--quiet", "--judge"],
                &["fixtures/models/digits-mlp.onnx"],
            ]
            .concat(),
        );
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {message}");
        assert!(
            message.contains("built without the model judge; build it with the `onnx` feature"),
            "{message}"
        );
    }
}
