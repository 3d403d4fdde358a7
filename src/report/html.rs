//! The HTML exporter: one self-contained page (inline CSS, images as data URIs, nothing
//! fetched) with the verdict table, a from→to heat map and example strips for every flagged
//! transformation, the baseline, skipped files, and the command that reproduces the report.

use std::collections::BTreeMap;

use base64::Engine as _;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::strip::{png_bytes, strip};
use super::text::{
    control_line, destroyed_line, not_judged_line, top_pairs, uncertain_line, AFFINITY_LINE,
};
use super::Example;
use super::{
    percent, sparkline, ClassReport, Exporter, Report, SweepReport, TransformReport, Verdict,
};
use crate::error::Result;

const CSS: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d0d0d5; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.control { background: #eef1f7; font-style: italic; border-top: 3px double #a0a0aa; }
.safe { background: #e3f4e6; } .not-judged { background: #e8e8e8; font-style: italic; } .caution { background: #fff1cc; } .unsafe { background: #fbd9d7; font-weight: 600; }
code { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.9em; }
.meta { color: #555; }
table.heat td, table.heat th { text-align: center; min-width: 1.6rem; padding: 0.15rem 0.3rem; }
.strips { display: flex; flex-wrap: wrap; gap: 0.75rem; }
figure { margin: 0; }
figure img { image-rendering: pixelated; image-rendering: crisp-edges; border: 1px solid #ccc; }
figcaption { font-size: 0.75rem; color: #555; }
.scroll { overflow-x: auto; max-width: 100%; }
table.matrix { table-layout: fixed; }
table.matrix th, table.matrix td { padding: 0; text-align: center; font-size: 0.65rem; width: 0.85rem; min-width: 0.85rem; height: 1.1rem; }
table.matrix th.spec { text-align: right; padding: 0 0.4rem; font-size: 0.8rem; white-space: nowrap; }
table.matrix thead th { vertical-align: bottom; padding: 0.1rem 0; }
table.heat td, table.heat th { font-size: 0.75rem; min-width: 1.2rem; padding: 0.1rem 0.2rem; }
.bar { display: flex; width: 16rem; height: 0.9rem; border: 1px solid #ccc; }
.bar span { display: block; height: 100%; }
.bar .unsafe { background: #e06666; } .bar .caution { background: #f1c232; } .bar .safe { background: #93c47d; } .bar .not-judged { background: #bbb; }
details { margin: 0.5rem 0; } summary { cursor: pointer; color: #333; }
";

/// Classes up to which the overview shows every class × transformation verdict; beyond, it
/// shows per transformation the share of classes per verdict and the worst classes.
const MATRIX_CLASSES: usize = 100;

/// Rows or columns up to which a heat map is drawn whole; beyond, the top pairs are listed.
const HEAT_CLASSES: usize = 64;

/// Pairs a collapsed heat map lists, and classes a folded list shows before its fold.
const TOP_LISTED: usize = 30;

/// The one-letter mark of a verdict in the overview matrix.
fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Unsafe => "U",
        Verdict::Caution => "C",
        Verdict::Safe => "",
        Verdict::NotJudged => "–",
    }
}

/// A list of labels, the first `TOP_LISTED` shown and the rest folded.
fn folded_list(labels: &[&str]) -> Markup {
    let (shown, rest) = labels.split_at(labels.len().min(TOP_LISTED));
    html! {
        (shown.join(" "))
        @if !rest.is_empty() {
            details { summary { "and " (rest.len()) " more" } (rest.join(" ")) }
        }
    }
}

/// The overview: every transformation's verdict for every class, coloured, or at many classes
/// the share of classes per verdict and the worst of them.
fn overview(report: &Report) -> Markup {
    let classes = &report.dataset.classes;
    if classes.len() <= MATRIX_CLASSES {
        return html! {
            div.scroll {
                table.matrix id="overview" {
                    thead { tr { th {} @for class in classes { th { (class) } } } }
                    tbody {
                        @for (i, transform) in report.transforms.iter().enumerate() {
                            tr {
                                th.spec {
                                    @if transform.verdict.is_flagged() {
                                        a href=(format!("#t{i}")) { code { (transform.spec) } }
                                    } @else {
                                        code { (transform.spec) }
                                    }
                                }
                                @for class in &transform.classes {
                                    td class=(class.verdict.slug()) title=(format!(
                                        "{} · {}: {}, {} lost, {} doubtful",
                                        transform.spec, class.label, class.verdict.as_str(),
                                        percent(class.outcomes.loss_rate).trim(),
                                        percent(class.outcomes.doubtful_rate()).trim()
                                    )) { (mark(class.verdict)) }
                                }
                            }
                        }
                    }
                }
            }
            p.meta { "Each cell is a class under a transformation: U unsafe, C caution, blank safe, – not judged. Hover for the rates." }
        };
    }
    html! {
        table id="overview" {
            thead { tr { th { "Transformation" } th { "Classes by verdict" } th { "Unsafe" } th { "Caution" } th { "Worst classes (loss rate)" } } }
            tbody {
                @for (i, transform) in report.transforms.iter().enumerate() {
                    @let count = |v: Verdict| transform.classes.iter().filter(|c| c.verdict == v).count();
                    @let total = transform.classes.len().max(1) as f64;
                    @let worst = worst_classes(transform);
                    tr {
                        td {
                            @if transform.verdict.is_flagged() {
                                a href=(format!("#t{i}")) { code { (transform.spec) } }
                            } @else {
                                code { (transform.spec) }
                            }
                        }
                        td {
                            div.bar title=(format!("{} unsafe, {} caution, {} safe, {} not judged", count(Verdict::Unsafe), count(Verdict::Caution), count(Verdict::Safe), count(Verdict::NotJudged))) {
                                @for v in [Verdict::Unsafe, Verdict::Caution, Verdict::Safe, Verdict::NotJudged] {
                                    span class=(v.slug()) style=(format!("width: {:.2}%", 100.0 * count(v) as f64 / total)) {}
                                }
                            }
                        }
                        td.num { (count(Verdict::Unsafe)) }
                        td.num { (count(Verdict::Caution)) }
                        td {
                            @for (k, class) in worst.iter().take(10).enumerate() {
                                @if k > 0 { ", " }
                                (class.label) " " (percent(class.outcomes.loss_rate).trim())
                            }
                            @if worst.len() > 10 { " …" }
                        }
                    }
                }
            }
        }
    }
}

/// The flagged classes of a transformation, the highest loss rate first.
fn worst_classes(transform: &TransformReport) -> Vec<&ClassReport> {
    let mut worst: Vec<&ClassReport> = (transform.classes.iter())
        .filter(|c| c.verdict.is_flagged())
        .collect();
    worst.sort_by(|a, b| b.outcomes.loss_rate.total_cmp(&a.outcomes.loss_rate));
    worst
}

/// The most frequent pairs of a transformation as a table, for when a heat map would be too
/// large to read.
fn top_pairs_table(transform: &TransformReport) -> Markup {
    html! {
        table.top-pairs {
            thead { tr { th { "From" } th { "To" } th { "Samples" } th { "Rate of the class" } } }
            tbody {
                @for pair in transform.pairs.iter().take(TOP_LISTED) {
                    tr { td { (pair.from) } td { (pair.target()) } td.num { (pair.count) } td.num style=(heat(pair.rate)) { (percent(pair.rate)) } }
                }
            }
        }
        @if transform.pairs.len() > TOP_LISTED {
            p.meta { "The " (TOP_LISTED) " most frequent of " (transform.pairs.len()) " pairs; every one is in the JSON report." }
        }
    }
}

/// Writes the report as a self-contained HTML page.
#[derive(Clone, Debug, Default)]
pub struct HtmlExporter {
    /// Example strips to show, from [`collect_examples`](crate::scan::Scan::examples).
    pub examples: Vec<Example>,
    /// The command line that reproduces the report.
    pub command: String,
}

/// The heat map's cell colour for a rate: white to red.
fn heat(rate: f64) -> String {
    let fade = (255.0 * (1.0 - rate.clamp(0.0, 1.0) * 0.85)).round() as u8;
    format!("background: rgb(255, {fade}, {fade})")
}

/// The from→to heat map of a transformation, or its top pairs when it would have more than
/// `HEAT_CLASSES` rows or columns.
fn heat_map(transform: &TransformReport, classes: &[String]) -> Markup {
    let mut from: Vec<&str> = transform.pairs.iter().map(|p| p.from.as_str()).collect();
    let mut to: Vec<&str> = transform.pairs.iter().map(|p| p.target()).collect();
    for list in [&mut from, &mut to] {
        list.sort_unstable();
        list.dedup();
    }
    if from.len() > HEAT_CLASSES || to.len() > HEAT_CLASSES {
        return top_pairs_table(transform);
    }
    html! { div.scroll { (heat_matrix(transform, classes)) } }
}

fn heat_matrix(transform: &TransformReport, classes: &[String]) -> Markup {
    let position = |label: &str| {
        classes
            .iter()
            .position(|c| c == label)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<&str> = transform.pairs.iter().map(|p| p.from.as_str()).collect();
    let mut columns: Vec<&str> = transform.pairs.iter().map(|p| p.target()).collect();
    for list in [&mut rows, &mut columns] {
        list.sort_by_key(|label| position(label));
        list.dedup();
    }
    let cells: BTreeMap<(&str, &str), (usize, f64)> = transform
        .pairs
        .iter()
        .map(|p| ((p.from.as_str(), p.target()), (p.count, p.rate)))
        .collect();
    html! {
        table.heat {
            thead { tr { th { "from \u{2193} to \u{2192}" } @for to in &columns { th { (to) } } } }
            tbody {
                @for from in &rows {
                    tr {
                        th { (from) }
                        @for to in &columns {
                            @match cells.get(&(*from, *to)) {
                                Some((count, rate)) => {
                                    td style=(heat(*rate)) title=(format!("{from}\u{2192}{to}: {count} ({})", percent(*rate))) { (count) }
                                }
                                None => { td {} }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An example strip as the page shows it.
struct Strip {
    uri: String,
    alt: String,
    caption: String,
    /// Its width on the page (four times its pixels).
    width: u32,
}

impl HtmlExporter {
    fn page(&self, report: &Report) -> Result<Markup> {
        let classes = &report.dataset.classes;
        // Keyed by transformation, from and to (`None`: destroyed), as the pairs are.
        type Key = (usize, usize, Option<usize>);
        let mut strips: BTreeMap<Key, Vec<Strip>> = BTreeMap::new();
        for example in &self.examples {
            let image = strip(example, 1);
            let uri = format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(png_bytes(&image)?)
            );
            let from = classes.get(example.from).map_or("?", String::as_str);
            let to = classes.get(example.to).map_or("?", String::as_str);
            let caption = match (&example.template, example.destroyed) {
                (Some(_), false) => format!("original · transformed · as classified · template of {to}"),
                (Some(_), true) => {
                    "original · transformed · as classified · nearest template, matched below the floor"
                        .to_string()
                }
                (None, _) => "original · transformed · as the model saw it".to_string(),
            };
            let read = if example.destroyed {
                "no class".to_string()
            } else {
                to.to_string()
            };
            let to = (!example.destroyed).then_some(example.to);
            strips
                .entry((example.transform, example.from, to))
                .or_default()
                .push(Strip {
                    alt: format!("{from} read as {read}: {}", caption.replace(" · ", ", ")),
                    uri,
                    caption,
                    width: image.width() * 4,
                });
        }
        let position = |label: &str| {
            classes
                .iter()
                .position(|c| c == label)
                .unwrap_or(usize::MAX)
        };
        let dataset = &report.dataset;
        let classifier = &report.classifier;
        let weak: Vec<(&String, &f64)> = classifier
            .per_class_accuracy
            .iter()
            .filter(|(_, accuracy)| **accuracy < 1.0)
            .collect();
        Ok(html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "augsafe report: " (dataset.root) }
                    style { (PreEscaped(CSS)) }
                }
                body {
                    h1 { "Augmentation safety: " code { (dataset.root) } }
                    p.meta {
                        (dataset.images) " images in " (dataset.classes.len()) " classes · seed "
                        (report.header.seed) " · " (report.draws) " draws per random transformation · "
                        (report.header.tool_line())
                    }
                    @if let Some(line) = dataset.read_line() {
                        p.meta { (line) }
                    }
                    p.meta { "Reproduce with " code { (self.command) } }

                    h2 id="overview-heading" { "Overview" }
                    (overview(report))

                    h2 id="verdicts" { "Verdicts" }
                    table id="verdict-table" {
                        thead { tr { th { "Transformation" } th { "Verdict" } th { "Changed" } th { "Destroyed" } th { "Uncertain" } th { "Doubtful" } th { "Top changes" } } }
                        tbody {
                            @for (i, transform) in report.transforms.iter().enumerate() {
                                tr class=(format!("transform {}", transform.verdict.slug())) {
                                    td {
                                        @if !transform.verdict.is_flagged() {
                                            code { (transform.spec) }
                                        } @else {
                                            a href=(format!("#t{i}")) { code { (transform.spec) } }
                                        }
                                    }
                                    td { (transform.verdict.as_str()) }
                                    td.num { (percent(transform.outcomes.change_rate)) }
                                    td.num { (percent(transform.outcomes.destroyed_rate)) }
                                    td.num { (percent(transform.outcomes.uncertain_rate())) }
                                    td.num { (percent(transform.outcomes.doubtful_rate())) }
                                    td { (top_pairs(transform, 4).join(", ")) }
                                }
                            }
                        }
                        @if let Some(control) = &report.control {
                            tfoot {
                                tr.control id="control" {
                                    td { code { (control.spec) } }
                                    td { "control: the judge's noise" }
                                    td.num { (percent(control.outcomes.change_rate)) }
                                    td.num { (percent(control.outcomes.destroyed_rate)) }
                                    td.num { (percent(control.outcomes.uncertain_rate())) }
                                    td.num { (percent(control.outcomes.doubtful_rate())) }
                                    td { (top_pairs(control, 4).join(", ")) }
                                }
                            }
                        }
                    }
                    p.meta {
                        "A class is unsafe when at least " (percent(report.thresholds.unsafe_at))
                        " of its transformed samples read as another class or as none (destroyed, "
                        "\u{2192}\u{2205}), caution from "
                        (percent(report.thresholds.caution_at)) " (doubtful samples counted as "
                        "half a loss). A sample is " (destroyed_line(classifier)) ". "
                        (uncertain_line(classifier.margin, &report.thresholds, report.control.is_some())) ". "
                        (AFFINITY_LINE) "."
                        @if report.control.is_some() {
                            " The control row is a jitter no reader would call a change of label: "
                            "its rates are the judge's own noise, and it never counts toward a verdict."
                        }
                    }
                    @if let Some(line) = not_judged_line(report) {
                        p.not-judged { (line) "." }
                    }
                    @if report.transforms.iter().any(|t| t.agreement.is_some()) {
                        h2 id="judges" { "Judges compared" }
                        p.meta { "Where the two judges agree the verdict is solid; where they differ, look at the glyphs." }
                        ul.parts {
                            @for transform in &report.transforms {
                                @if let Some(agreement) = &transform.agreement {
                                    li { code { (transform.spec) } ": " (transform.verdict.as_str()) " here; " (agreement.describe(TOP_LISTED)) }
                                }
                            }
                        }
                    }
                    @let worse: Vec<(&TransformReport, String)> = report.transforms.iter().filter_map(|t| Some((t, t.worse_parts_text(TOP_LISTED)?))).collect();
                    @if !worse.is_empty() {
                        h2 id="parts" { "Worse in part of the range" }
                        p.meta { "A verdict above is over the whole range, the label noise training sees; each part is an equal slice of the range, drawn once per glyph." }
                        ul.parts {
                            @for (transform, text) in &worse {
                                li { code { (transform.spec) } ": " (transform.verdict.as_str()) " on average; " (text) }
                            }
                        }
                    }

                    h2 id="baseline" { "Baseline" }
                    p {
                        "The " (classifier.judge_words()) " recognises "
                        strong { (percent(classifier.baseline_accuracy)) } " of the untransformed images " (classifier.baseline_words()) "."
                    }
                    @if let Some(gaps) = classifier.model_gaps() {
                        p.meta { (gaps) "." }
                    }
                    @if !classifier.confusions.is_empty() {
                        p { "Already confused at baseline, and not blamed on any transformation:" }
                        details open[classifier.confusions.len() <= 12] {
                            summary { (classifier.confusions.len()) " confusion(s)" }
                            ul.confusions {
                                @for pair in &classifier.confusions {
                                    li { (pair.from) " \u{2192} " (pair.target()) ": " (pair.count) " (" (percent(pair.rate)) ")" }
                                }
                            }
                        }
                    }
                    @if !weak.is_empty() {
                        details.meta open[weak.len() <= 12] {
                            summary { (weak.len()) " class(es) below 100%" }
                            @for (i, (label, accuracy)) in weak.iter().enumerate() {
                                @if i > 0 { ", " }
                                (label) " " (percent(**accuracy))
                            }
                        }
                    }

                    @if let Some(pipeline) = &report.pipeline {
                        h2 id="pipeline" { "Pipeline" }
                        p { code { (pipeline.file) } " (Albumentations " (pipeline.albumentations_version.as_deref().unwrap_or("version unknown")) ")" }
                        table {
                            thead { tr { th { "Component" } th { "p" } th { "As augsafe applies it" } th { "Notes" } } }
                            tbody {
                                @for component in &pipeline.components {
                                    tr { td { code { (component.path) } } td.num { (component.p) } td { code { (component.spec) } } td { (component.notes.join("; ")) } }
                                }
                            }
                        }
                        @if !pipeline.passed_through.is_empty() {
                            p.meta { "Passed through (photometric): " (pipeline.passed_through.join(", ")) }
                        }
                        @for skipped in &pipeline.not_evaluated {
                            p.unsafe { "Not evaluated: " (skipped.name) " (" (skipped.reason) ")" }
                        }
                    }

                    @if !dataset.skipped.is_empty() || dataset.ignored > 0 || dataset.hidden > 0 || !dataset.empty_classes.is_empty() || !dataset.merged_folders.is_empty() || !dataset.outside_manifest.is_empty() || !dataset.reduced.is_empty() {
                        h2 id="skipped" { "Input problems" }
                        @if !dataset.skipped.is_empty() {
                            details open[dataset.skipped.len() <= 10] {
                            summary { (dataset.skipped.len()) " skipped file(s)" }
                            table.skipped {
                                thead { tr { th { "Skipped file" } th { "Reason" } } }
                                tbody {
                                    @for skipped in &dataset.skipped {
                                        tr { td { code { (skipped.path.display()) } } td { (skipped.reason) } }
                                    }
                                }
                            }
                            }
                        }
                        @if dataset.ignored > 0 {
                            p.meta { (dataset.ignored) " file(s) that are not images were ignored." }
                        }
                        @if dataset.hidden > 0 {
                            p.meta { (dataset.hidden) " hidden file(s) or folder(s) (a name starting with “.”, " code { "__MACOSX" } ") were left out." }
                        }
                        @if let Some(first) = dataset.outside_manifest.first() {
                            p.meta { (dataset.outside_manifest.len()) " manifest row(s) point outside the manifest's folder (first: " code { (first) } "): read as given." }
                        }
                        @if let Some(reduced) = dataset.reduced_text() {
                            p.meta { (reduced) "." }
                        }
                        @if !dataset.merged_folders.is_empty() {
                            p.meta { "Several folders read as one class: " (dataset.merged_folders.join("; ")) }
                        }
                        @if !dataset.empty_classes.is_empty() {
                            p.meta { "Class folders without a usable image: " (dataset.empty_classes.join(", ")) }
                        }
                    }

                    @for (i, transform) in report.transforms.iter().enumerate() {
                        @if transform.verdict.is_flagged() {
                            section.flagged id=(format!("t{i}")) {
                                h2 { code { (transform.spec) } " is " span class=(transform.verdict.slug()) { (transform.verdict.as_str()) } }
                                p.meta {
                                    (percent(transform.outcomes.change_rate)) " of " (transform.outcomes.samples) " transformed samples read as another class, "
                                    (percent(transform.outcomes.destroyed_rate)) " as none (destroyed). "
                                }
                                @for verdict in [Verdict::Unsafe, Verdict::Caution] {
                                    @let listed: Vec<&str> = transform.classes.iter().filter(|c| c.verdict == verdict).map(|c| c.label.as_str()).collect();
                                    @if !listed.is_empty() {
                                        div class=(format!("classes {}-list", verdict.slug())) { span class=(verdict.slug()) { (verdict.as_str()) } " for " (listed.len()) ": " (folded_list(&listed)) }
                                    }
                                }
                                (heat_map(transform, classes))
                                @for pair in &transform.pairs {
                                    @if let Some(examples) = strips.get(&(i, position(&pair.from), pair.to.as_deref().map(position))) {
                                        h3 { (pair.from) " \u{2192} " (pair.target()) " (" (pair.count) ", " (percent(pair.rate)) " of " (pair.from) ")" }
                                        div.strips {
                                            @for strip in examples {
                                                figure {
                                                    img src=(strip.uri) alt=(strip.alt) width=(strip.width) height="128";
                                                    figcaption { (strip.caption) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        })
    }
}

impl Exporter for HtmlExporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let mut bytes = self.page(report)?.into_string().into_bytes();
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// The sweep as a self-contained HTML page: the plot inline, and the table of safe ranges.
impl Exporter<SweepReport> for HtmlExporter {
    fn render(&self, report: &SweepReport) -> Result<Vec<u8>> {
        let command = &self.command;
        let changing = report.changing();
        let page = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    title { "augsafe sweep: " (report.op) " on " (report.dataset.root) }
                    style { (PreEscaped("body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; } table { border-collapse: collapse; } th, td { border: 1px solid #d0d0d5; padding: 0.25rem 0.5rem; text-align: left; } th { background: #f2f2f5; } code, .spark { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; } .meta { color: #555; }")) }
                }
                body {
                    h1 { "Sweep of " code { (report.op) } " on " code { (report.dataset.root) } }
                    p.meta {
                        (report.dataset.images) " images in " (report.dataset.classes.len()) " classes · "
                        (report.values.len()) " values · seed " (report.header.seed) " · "
                        (report.header.tool_line())
                    }
                    p.meta { "Reproduce with " code { (command) } }
                    p.meta id="judge" { "Judge: " (report.classifier.baseline_sentence()) "." }
                    @if let Some(gaps) = report.classifier.model_gaps() {
                        p.meta { (gaps) "." }
                    }
                    p { "Safe for the whole dataset: " strong { code { (report.safe_spec) } } }
                    // Inline SVG needs no namespace in HTML; leaving it out keeps the page free of URLs.
                    (PreEscaped(super::svg::render_svg(report).replace(r#" xmlns="http://www.w3.org/2000/svg""#, "")))
                    table id="sweep-table" {
                        thead { tr { th { "Class" } th { "Changed or destroyed along the sweep" } th { "Safe range" } th { "First flagged" } } }
                        tbody {
                            @for series in std::iter::once(&report.overall).chain(changing.iter().copied()) {
                                tr {
                                    td { (series.label) }
                                    td.spark { (sparkline(&series.loss_rate)) }
                                    td { (series.safe_range[0]) " to " (series.safe_range[1]) }
                                    td { (series.flagged_text()) }
                                }
                            }
                        }
                    }
                    @if report.unchanged() > 0 {
                        p.meta { (report.unchanged()) " of the classes never change." }
                    }
                    @if !report.not_judged().is_empty() {
                        p.not-judged { "Not judged (no sample read as its own class before the sweep): " (report.not_judged().join(" ")) "." }
                    }
                    @if let Some(control) = &report.control {
                        p.meta id="control" { (control_line(control)) "." }
                    }
                }
            }
        };
        Ok((page.into_string() + "\n").into_bytes())
    }
}
