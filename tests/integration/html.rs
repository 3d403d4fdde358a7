//! The HTML and Markdown reports and the example strips, through the real binary: structure
//! (parsed with a real HTML parser), self-containedness, table syntax, determinism, and a
//! render in headless Chromium where it is installed (`.ci/run` installs it).

use std::path::PathBuf;

use scraper::{Html, Selector};
use serde_json::Value;

struct Outputs {
    _dir: tempfile::TempDir,
    html: String,
    markdown: String,
    report: Value,
    examples: Vec<PathBuf>,
    root: PathBuf,
}

fn scan(dataset: &str, args: &[&str]) -> Outputs {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let output = crate::util::augsafe()
        .args(["scan", dataset, "--quiet", "--json"])
        .arg(root.join("report.json"))
        .arg("--html")
        .arg(root.join("report.html"))
        .arg("--markdown")
        .arg(root.join("report.md"))
        .arg("--examples-dir")
        .arg(root.join("examples"))
        .args(args)
        .output()
        .expect("augsafe runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    examples.sort();
    Outputs {
        html: std::fs::read_to_string(root.join("report.html")).expect("html written"),
        markdown: std::fs::read_to_string(root.join("report.md")).expect("markdown written"),
        report: serde_json::from_slice(&std::fs::read(root.join("report.json")).expect("json"))
            .expect("json"),
        examples,
        root,
        _dir: dir,
    }
}

fn select<'a>(document: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(selector).expect("valid selector");
    document.select(&selector).collect()
}

const DIGIT_SPECS: [&str; 6] = ["-t", "rotate:180", "-t", "hflip", "-t", "rotate:-5..5"];

#[test]
fn the_html_report_has_a_row_per_transformation_and_an_image_per_example() {
    let out = scan(
        "fixtures/digits",
        &[&DIGIT_SPECS[..], &["--examples", "2"]].concat(),
    );
    let document = Html::parse_document(&out.html);
    let rows = select(&document, "#verdict-table tbody tr");
    let transforms = out.report["transforms"].as_array().expect("transforms");
    assert_eq!(rows.len(), transforms.len());
    for (row, transform) in rows.iter().zip(transforms) {
        let first_cell = row.text().next().unwrap_or_default().to_string();
        assert_eq!(first_cell, transform["spec"].as_str().unwrap_or_default());
        let verdict = transform["verdict"].as_str().unwrap_or_default();
        assert!(
            row.value().classes().any(|c| c == verdict),
            "row coloured by verdict"
        );
    }
    // A section with a heat map for each transformation that is not safe, none for safe ones.
    let flagged = transforms.iter().filter(|t| t["verdict"] != "safe").count();
    assert_eq!(select(&document, "section.flagged").len(), flagged);
    assert_eq!(
        select(&document, "section.flagged table.heat").len(),
        flagged
    );
    // An image per example: the same strips as --examples-dir wrote, at most 2 per pair.
    let images = select(&document, "section.flagged figure img");
    assert!(!images.is_empty());
    assert_eq!(images.len(), out.examples.len());
    let six_to_nine = out
        .examples
        .iter()
        .filter(|p| p.to_string_lossy().contains("_6_to_9_"))
        .count();
    assert_eq!(six_to_nine, 2);
    // A 3 upside down reads as no digit: its strips show it beside the nearest template.
    let three_destroyed = out
        .examples
        .iter()
        .filter(|p| p.to_string_lossy().contains("_3_to_none_"))
        .count();
    assert_eq!(three_destroyed, 2 * 2, "under rotate:180 and hflip");
    let heading = select(&document, "section.flagged h3")
        .iter()
        .map(|h| h.text().collect::<String>())
        .filter(|h| h.starts_with("3 \u{2192} \u{2205}"))
        .count();
    assert_eq!(heading, 2);
    assert!(out
        .html
        .contains("nearest template, matched below the floor"));
    for image in &images {
        let src = image.value().attr("src").unwrap_or_default();
        assert!(
            src.starts_with("data:image/png;base64,"),
            "{}",
            &src[..src.len().min(40)]
        );
        assert!(image
            .value()
            .attr("alt")
            .is_some_and(|alt| alt.contains("read as")));
    }
    let text = document.root_element().text().collect::<String>();
    assert!(text.contains("6 → 9"), "a heading per flagged pair");
    assert!(
        text.contains("augsafe scan fixtures/digits"),
        "the command that reproduces it"
    );
    assert!(text.contains("seed 42") && text.contains(env!("CARGO_PKG_VERSION")));
    assert!(text.contains("100.0%"), "the baseline accuracy");
    // The PNG files decode to strips four times the size of the embedded ones.
    let first = image::open(&out.examples[0]).expect("png");
    assert_eq!(
        (first.width(), first.height()),
        ((32 * 4 + 2 * 3) * 4, 32 * 4)
    );
}

#[test]
fn the_html_report_fetches_nothing() {
    let out = scan("fixtures/digits", &DIGIT_SPECS);
    let document = Html::parse_document(&out.html);
    assert!(select(&document, "script, link, iframe, object, embed").is_empty());
    for element in select(&document, "[src], [href]") {
        for attribute in ["src", "href"] {
            if let Some(target) = element.value().attr(attribute) {
                assert!(
                    target.starts_with("data:") || target.starts_with('#'),
                    "external {attribute}: {target}"
                );
            }
        }
    }
    for needle in ["http://", "https://", "url(", "@import"] {
        assert!(!out.html.contains(needle), "{needle} in the page");
    }
}

#[test]
fn skipped_files_and_the_baseline_are_in_every_format() {
    let out = scan("fixtures/bad", &["-t", "rotate:180"]);
    let document = Html::parse_document(&out.html);
    let skipped_rows = select(&document, "table.skipped tbody tr");
    let skipped = out.report["dataset"]["skipped"]
        .as_array()
        .expect("skipped");
    assert_eq!(skipped_rows.len(), skipped.len());
    for entry in skipped {
        let path = entry["path"].as_str().expect("path");
        assert!(out.html.contains(path), "{path} in the HTML");
        assert!(out.markdown.contains(path), "{path} in the Markdown");
    }
    assert!(out.markdown.contains("**Baseline:**"));
}

/// Splits a Markdown table row into its cells, honouring `\|` escapes.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in inner.chars() {
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '|') => cells.push(String::new()),
            _ => {
                escaped = false;
                if let Some(last) = cells.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    cells
}

#[test]
fn the_markdown_renders_as_tables() {
    let out = scan("fixtures/bad", &DIGIT_SPECS);
    let lines: Vec<&str> = out.markdown.lines().collect();
    let mut tables = 0;
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('|') {
            i += 1;
            continue;
        }
        // A table: a header, a separator of the same width, then rows of that width, with a
        // blank line (or the end) before it so GitHub does not glue it to a paragraph.
        assert!(
            i == 0 || lines[i - 1].trim().is_empty(),
            "no blank line before table at line {i}"
        );
        let width = cells(lines[i]).len();
        let separator = cells(lines.get(i + 1).copied().unwrap_or_default());
        assert_eq!(separator.len(), width, "separator of {}", lines[i]);
        assert!(separator.iter().all(|c| {
            let c = c.trim();
            c.len() >= 3 && c.trim_matches(':').chars().all(|ch| ch == '-')
        }));
        let mut j = i + 2;
        while j < lines.len() && lines[j].starts_with('|') {
            assert_eq!(cells(lines[j]).len(), width, "row {j}: {}", lines[j]);
            j += 1;
        }
        tables += 1;
        i = j;
    }
    // The verdict table and the skipped files.
    assert_eq!(tables, 2, "{}", out.markdown);
    let transforms = out.report["transforms"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(out.markdown.contains("| `rotate:180` | **unsafe** |"));
    // A row per transformation, the control's, and the skipped files'.
    assert!(out.markdown.contains("| *control: judge's noise* |"));
    assert_eq!(
        out.markdown.matches("\n| `").count(),
        transforms + 1 + 4,
        "{}",
        out.markdown
    );
}

#[test]
fn reports_are_byte_identical_for_the_same_seed() {
    let args = [
        &DIGIT_SPECS[..],
        &["-t", "crop:0.6..0.9+rotate:-20..20", "--seed", "9"],
    ]
    .concat();
    let first = scan("fixtures/digits", &args);
    let second = scan("fixtures/digits", &args);
    // The command line names the output paths, which differ between the two temporary
    // folders; everything else must match byte for byte.
    let unrooted = |out: &Outputs| out.html.replace(&out.root.display().to_string(), "ROOT");
    assert_eq!(unrooted(&first), unrooted(&second));
    assert_eq!(first.markdown, second.markdown);
    assert_eq!(first.examples.len(), second.examples.len());
    for (a, b) in first.examples.iter().zip(&second.examples) {
        assert_eq!(a.file_name(), b.file_name());
        assert_eq!(
            std::fs::read(a).expect("png"),
            std::fs::read(b).expect("png")
        );
    }
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|candidate| candidate.is_file())
            })
        })
}

#[test]
fn the_page_renders_in_headless_chromium() {
    let Some(browser) = crate::util::require(
        chromium(),
        "headless Chromium",
        ".ci/run installs Debian's chromium package",
    ) else {
        return;
    };
    let out = scan("fixtures/digits", &DIGIT_SPECS);
    let page = out.root.join("report.html");
    let shot = out.root.join("shot.png");
    let output = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,1600",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            out.root.join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = String::from_utf8_lossy(&output.stderr);
    for error in [
        "Uncaught",
        "CONSOLE(",
        "net::ERR_",
        "Failed to load resource",
    ] {
        assert!(!log.contains(error), "the page reported {error}: {log}");
    }
    let screenshot = image::open(&shot).expect("screenshot").to_rgb8();
    assert_eq!(screenshot.dimensions(), (1200, 1600));
    // Not blank: many colours, and the verdict colours are there.
    let colours: std::collections::HashSet<[u8; 3]> = screenshot.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 50, "{} colours", colours.len());
    let unsafe_pink = screenshot
        .pixels()
        .filter(|p| p.0 == [0xfb, 0xd9, 0xd7])
        .count();
    assert!(
        unsafe_pink > 1000,
        "the unsafe row is coloured: {unsafe_pink}"
    );
    let dark = screenshot
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c < 60))
        .count();
    assert!(dark > 2000, "text and glyphs are drawn: {dark}");
}

#[test]
fn the_page_opens_with_a_class_by_transformation_overview() {
    let out = scan(
        "fixtures/glyphs",
        &["-t", "rotate:-5..5", "-t", "hflip", "--examples", "3"],
    );
    let document = Html::parse_document(&out.html);
    // The overview comes before the verdict table.
    let overview = out.html.find("id=\"overview\"").expect("an overview");
    assert!(
        overview
            < out
                .html
                .find("id=\"verdict-table\"")
                .expect("a verdict table")
    );
    // One row per transformation, one cell per class, coloured by its verdict.
    let rows = select(&document, "#overview tbody tr");
    assert_eq!(rows.len(), 2);
    let classes = out.report["dataset"]["classes"]
        .as_array()
        .map_or(0, Vec::len);
    let cells = select(&document, "#overview tbody tr:nth-child(2) td");
    assert_eq!(cells.len(), classes);
    let mirrored = &out.report["transforms"][1]["classes"];
    for (cell, class) in cells.iter().zip(mirrored.as_array().expect("classes")) {
        let verdict = class["verdict"]
            .as_str()
            .unwrap_or_default()
            .replace('_', "-");
        assert!(
            cell.value().classes().any(|c| c == verdict),
            "{}: {verdict}",
            class["label"]
        );
    }
    // The strips of one pair come from different glyphs.
    let mut seen = std::collections::BTreeMap::<String, Vec<String>>::new();
    for path in &out.examples {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // t<transform>_<from>_to_<to>_g<glyph>_d<draw>.png
        if let Some((pair, rest)) = name.rsplit_once("_g") {
            let glyph = rest.split('_').next().unwrap_or_default().to_string();
            seen.entry(pair.to_string()).or_default().push(glyph);
        }
    }
    assert!(!seen.is_empty(), "{:?}", out.examples);
    for (pair, glyphs) in &seen {
        let mut distinct = glyphs.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), glyphs.len(), "{pair}: {glyphs:?}");
    }
}

#[test]
fn many_classes_get_a_summary_overview_folded_lists_and_top_pairs() {
    // 120 classes rendered from one font: too many for a matrix or a whole heat map.
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("many");
    let chars: String = ('A'..='Z')
        .chain('a'..='z')
        .chain('0'..='9')
        .chain('\u{410}'..='\u{44f}')
        .take(120)
        .collect();
    crate::util::augsafe()
        .args([
            "render",
            "--font",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "--samples",
            "2",
            "--chars",
            &chars,
            "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    let out = scan(
        data.to_str().expect("utf-8"),
        &["-t", "rotate:90", "--examples", "1"],
    );
    let classes = out.report["dataset"]["classes"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(classes > 100, "{classes} classes");
    let document = Html::parse_document(&out.html);
    // Per transformation, the share of classes per verdict and the worst of them.
    assert_eq!(select(&document, "#overview tbody tr").len(), 1);
    assert_eq!(select(&document, "#overview .bar span").len(), 4);
    assert!(select(&document, "table.matrix").is_empty());
    // A heat map of more than a few dozen rows gives way to the top pairs.
    assert!(select(&document, "section.flagged table.heat").is_empty());
    assert_eq!(
        select(&document, "section.flagged table.top-pairs tbody tr").len(),
        30
    );
    // The class list of the flagged transformation is folded after its first entries.
    assert!(!select(&document, "section.flagged div.unsafe-list details").is_empty());
}

#[test]
fn the_markdown_lists_classes_notes_and_worse_parts() {
    let out = scan(
        "fixtures/glyphs",
        &[
            "--pipeline",
            "fixtures/pipelines/v2/rotate180_vflip.json",
            "-t",
            "crop:0.7..0.9",
        ],
    );
    let md = &out.markdown;
    // The pipeline's notes explain a verdict: the Rotate's fill 0 painted black corners.
    assert!(
        md.contains("- `Compose[0]/Rotate`: it fills with 0 on images whose background is 255"),
        "{md}"
    );
    // Per flagged transformation, the classes by verdict.
    assert!(md.contains("**Per class:**"), "{md}");
    assert!(
        md.contains("- `VerticalFlip p=0.5: vflip`: unsafe for "),
        "{md}"
    );
    // A range's parts worse than its average.
    assert!(md.contains("**Worse in part of the range**"), "{md}");
    assert!(
        md.contains("- `crop:0.7..0.9`: unsafe on average; at 0.7..0.74"),
        "{md}"
    );
}
