//! `augsafe sweep` on the fixtures, through the real binary.

use std::process::Output;

use serde_json::Value;

fn sweep(args: &[&str]) -> Output {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    crate::util::run(&all)
}

fn series<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["classes"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["label"] == label))
        .unwrap_or_else(|| panic!("no class {label}"))
}

fn rate_at(report: &Value, series: &Value, value: f64) -> f64 {
    let index = report["values"]
        .as_array()
        .and_then(|values| values.iter().position(|v| v.as_f64() == Some(value)))
        .unwrap_or_else(|| panic!("{value} was not swept"));
    series["change_rate"][index].as_f64().unwrap_or(-1.0)
}

#[test]
fn rotation_is_safe_for_digits_well_below_90_degrees_and_flags_6_and_9_beyond() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plot = dir.path().join("rotate.svg");
    let output = sweep(
        &[
            "fixtures/digits",
            "--op",
            "rotate",
            "--range",
            "0..180",
            "--step",
            "5",
            "--json",
            "-",
            "--plot",
        ]
        .iter()
        .copied()
        .chain([plot.to_str().expect("utf-8")])
        .collect::<Vec<_>>(),
    );
    let report = crate::util::report(&output, "sweep rotate");
    assert_eq!(report["op"], "rotate");
    assert_eq!(report["values"].as_array().map(Vec::len), Some(37));
    let limit = report["overall"]["safe_range"][1].as_f64().expect("limit");
    assert!((5.0..60.0).contains(&limit), "safe limit {limit}");
    assert_eq!(report["safe_spec"], format!("rotate:-{limit}..{limit}"));
    for label in ["6", "9"] {
        let class = series(&report, label);
        let class_limit = class["safe_range"][1].as_f64().expect("limit");
        assert!(class_limit < 90.0, "{label} safe to {class_limit}");
        let flagged = class["first_flagged"]["value"].as_f64().expect("flagged");
        assert!(flagged > class_limit);
        assert!(rate_at(&report, class, 180.0) >= 0.5, "{label} at 180");
        assert_eq!(rate_at(&report, class, 0.0), 0.0);
    }
    let table = String::from_utf8_lossy(&output.stderr);
    assert!(
        table.contains(&format!(
            "safe for the whole dataset: rotate:-{limit}..{limit}"
        )),
        "{table}"
    );
    // The judge's own noise, as a scan reports it, beside the series and in none of them.
    let control = &report["control"];
    assert_eq!(control["spec"], augsafe::scan::CONTROL_SPEC);
    assert_eq!(control["samples"], 5 * 180);
    assert!(
        control["loss_rate"].as_f64().unwrap_or(1.0) < 0.02,
        "{control}"
    );
    assert!(
        table.contains(&format!(
            "control (the judge's own noise, never a verdict): {}: changed",
            augsafe::scan::CONTROL_SPEC
        )),
        "{table}"
    );

    let svg = std::fs::read_to_string(&plot).expect("plot written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let changing = report["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .filter(|s| {
            ["changed", "destroyed"].iter().any(|key| {
                s[key]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|n| n.as_u64() > Some(0)))
            })
        })
        .count();
    // One line per class that changes or is destroyed anywhere, and one for the whole dataset.
    assert_eq!(svg.matches("<polyline").count(), changing + 1);
    assert!(svg.contains("<title>6</title>") && svg.contains("<title>9</title>"));
}

#[test]
fn every_parameter_can_be_swept_and_the_same_seed_repeats_itself() {
    for (op, range, step) in [
        ("crop", "0.5..1", "0.1"),
        ("scale", "0.6..1.4", "0.2"),
        ("shear", "0..30", "10"),
        ("translate", "0..0.2", "0.1"),
    ] {
        let run = || {
            sweep(&[
                "fixtures/digits",
                "--op",
                op,
                "--range",
                range,
                "--step",
                step,
                "--json",
                "-",
                "--quiet",
                "--seed",
                "5",
            ])
        };
        let first = run();
        let report = crate::util::report(&first, op);
        assert_eq!(first.stdout, run().stdout, "{op}");
        let range = &report["overall"]["safe_range"];
        let identity = report["identity"].as_f64().expect("identity");
        assert!(
            range[0].as_f64() <= Some(identity) && range[1].as_f64() >= Some(identity),
            "{op}: {range}"
        );
        let spec = report["safe_spec"].as_str().expect("spec");
        assert!(spec.parse::<augsafe::Transform>().is_ok(), "{spec}");
    }
}

#[test]
fn bad_sweeps_are_usage_errors() {
    for args in [
        vec!["fixtures/digits", "--op", "spin"],
        vec!["fixtures/digits", "--op", "rotate", "--range", "90..0"],
        vec!["fixtures/digits", "--op", "rotate", "--range", "0-90"],
        vec!["fixtures/digits", "--op", "rotate", "--step", "0"],
        vec!["fixtures/digits", "--op", "scale", "--range", "0..1"],
        vec!["fixtures/digits", "--op", "crop", "--range", "0.5..1.5"],
    ] {
        let output = sweep(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let missing = sweep(&["fixtures/no-such-folder", "--op", "rotate"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn the_sweep_has_an_html_page_and_a_markdown_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("sweep.html");
    let markdown = dir.path().join("sweep.md");
    let output = sweep(&[
        "fixtures/digits",
        "--op",
        "rotate",
        "--range",
        "0..180",
        "--step",
        "30",
        "--quiet",
        "--html",
        html.to_str().expect("utf-8"),
        "--markdown",
        markdown.to_str().expect("utf-8"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let page = std::fs::read_to_string(&html).expect("html written");
    let document = scraper::Html::parse_document(&page);
    let rows = scraper::Selector::parse("#sweep-table tbody tr").expect("selector");
    let svg = scraper::Selector::parse("svg polyline").expect("selector");
    // The whole dataset and every class that changes (all ten digits do over 0..180).
    assert_eq!(document.select(&rows).count(), 11);
    assert!(document.select(&svg).count() >= 2);
    assert!(!page.contains("http://") && !page.contains("https://"));
    let summary = std::fs::read_to_string(&markdown).expect("markdown written");
    let table: Vec<&str> = summary.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 2 + 11);
    assert!(
        table.iter().all(|row| row.matches('|').count() == 4),
        "{summary}"
    );
    assert!(summary.contains("safe for the whole dataset: `rotate:-"));
    assert!(
        summary.contains("control (the judge's own noise"),
        "{summary}"
    );
    let control = scraper::Selector::parse("p#control").expect("selector");
    let line: String = document.select(&control).flat_map(|p| p.text()).collect();
    assert!(line.contains(augsafe::scan::CONTROL_SPEC), "{line}");
}

#[test]
fn negative_ranges_need_no_equals_sign() {
    let output = sweep(&[
        "fixtures/digits",
        "--op",
        "rotate",
        "--range",
        "-30..30",
        "--step",
        "15",
        "--json",
        "-",
    ]);
    let report = crate::util::report(&output, "sweep --range -30..30");
    let values: Vec<f64> = report["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(values, vec![-30.0, -15.0, 0.0, 15.0, 30.0]);
}
