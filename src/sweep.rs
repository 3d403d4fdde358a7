//! Sweeping one transformation's parameter: every class's change rate along it, the widest
//! safe range around "no change", a terminal table with sparklines, and an SVG plot.

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::report::{ClassifierSummary, DatasetSummary, Thresholds, Tool, Verdict, SCHEMA_VERSION};
use crate::scan::{
    classifier_summary, dataset_summary, discount_baseline_confusions, measure, Baseline,
    ScanConfig, Tally,
};
use crate::transform::{Augment, Transform};

/// The parameter a sweep walks along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepOp {
    /// Rotation angle in degrees; a value v pools `rotate:v` and `rotate:-v`.
    Rotate,
    /// Crop fraction; a value f is `crop:f` at a random position.
    Crop,
    /// Scale factor; a value s is `scale:s`.
    Scale,
    /// Shear angle in degrees; a value v pools `shear:v` and `shear:-v`.
    Shear,
    /// Shift as a fraction of the size; a value v pools shifts of ±v along x and along y.
    Translate,
}

impl SweepOp {
    const ALL: [(SweepOp, &'static str); 5] = [
        (SweepOp::Rotate, "rotate"),
        (SweepOp::Crop, "crop"),
        (SweepOp::Scale, "scale"),
        (SweepOp::Shear, "shear"),
        (SweepOp::Translate, "translate"),
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        SweepOp::ALL
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("rotate", |(_, name)| name)
    }

    /// The value at which the transformation changes nothing.
    pub fn identity(self) -> f64 {
        match self {
            SweepOp::Crop | SweepOp::Scale => 1.0,
            SweepOp::Rotate | SweepOp::Shear | SweepOp::Translate => 0.0,
        }
    }

    /// The range and step swept when none is given.
    pub fn default_range(self) -> (f64, f64, f64) {
        match self {
            SweepOp::Rotate => (0.0, 180.0, 5.0),
            SweepOp::Crop => (0.3, 1.0, 0.05),
            SweepOp::Scale => (0.5, 1.5, 0.05),
            SweepOp::Shear => (0.0, 45.0, 5.0),
            SweepOp::Translate => (0.0, 0.3, 0.02),
        }
    }

    /// The transformations pooled at one value.
    ///
    /// # Errors
    /// [`Error::Spec`] when the value is outside what the transformation accepts.
    pub fn transforms_at(self, value: f64) -> Result<Vec<Transform>> {
        let specs = match self {
            SweepOp::Rotate => vec![format!("rotate:{value}"), format!("rotate:{}", -value)],
            SweepOp::Crop => vec![format!("crop:{value}")],
            SweepOp::Scale => vec![format!("scale:{value}")],
            SweepOp::Shear => vec![format!("shear:{value}"), format!("shear:{}", -value)],
            SweepOp::Translate => vec![
                format!("translate:x={value},y=0"),
                format!("translate:x={},y=0", -value),
                format!("translate:x=0,y={value}"),
                format!("translate:x=0,y={}", -value),
            ],
        };
        specs.iter().map(|spec| spec.parse()).collect()
    }

    /// The spec that stays within a safe range `[lo, hi]` found by a sweep.
    pub fn safe_spec(self, lo: f64, hi: f64) -> String {
        match self {
            SweepOp::Rotate | SweepOp::Shear | SweepOp::Translate => {
                format!("{}:{}..{}", self.name(), -hi, hi)
            }
            SweepOp::Crop => format!("crop:{lo}..1"),
            SweepOp::Scale => format!("scale:{lo}..{hi}"),
        }
    }
}

impl FromStr for SweepOp {
    type Err = Error;

    fn from_str(name: &str) -> Result<SweepOp> {
        SweepOp::ALL
            .iter()
            .find(|(_, known)| *known == name.trim())
            .map(|(op, _)| *op)
            .ok_or_else(|| Error::Spec {
                spec: name.to_string(),
                reason: "unknown sweep; expected rotate, crop, scale, shear or translate".into(),
            })
    }
}

/// The values from `from` to `to` (both included) in steps of `step`.
///
/// # Errors
/// [`Error::Spec`] when the step is not positive, the range runs backwards or has more than
/// 1000 values.
pub fn sweep_values(from: f64, to: f64, step: f64) -> Result<Vec<f64>> {
    let error = |reason: String| Error::Spec {
        spec: format!("{from}..{to} step {step}"),
        reason,
    };
    if !(from.is_finite() && to.is_finite() && step.is_finite()) || step <= 0.0 {
        return Err(error("the step must be a number above 0".into()));
    }
    if from > to {
        return Err(error(
            "the range runs backwards; write the smaller value first".into(),
        ));
    }
    let count = ((to - from) / step + 1e-9).floor() as usize + 1;
    if count > 1000 {
        return Err(error(format!(
            "{count} values are too many; use a larger step (at most 1000 values)"
        )));
    }
    // Rounded so that 0.1 steps print as 0.3, not 0.30000000000000004.
    Ok((0..count)
        .map(|i| ((from + step * i as f64) * 1e9).round() / 1e9)
        .collect())
}

/// One class's (or the whole dataset's) change rate along the sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepSeries {
    /// The class label, or `all` for the whole dataset.
    pub label: String,
    /// Judged samples at each value.
    pub samples: Vec<usize>,
    /// Changed samples at each value.
    pub changed: Vec<usize>,
    /// `changed / samples` at each value.
    pub change_rate: Vec<f64>,
    /// The verdict at each value (for `all`, the worst class's).
    pub verdicts: Vec<Verdict>,
    /// The widest range around the identity in which every swept value is safe, `[lo, hi]`.
    pub safe_range: [f64; 2],
    /// The value nearest the identity that is not safe, with what the class turns into there.
    pub first_flagged: Option<Flagged>,
}

/// Where a series first leaves "safe".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flagged {
    /// The parameter value.
    pub value: f64,
    /// The change rate there.
    pub change_rate: f64,
    /// The class most of its changed samples read as (none for `all`).
    pub to: Option<String>,
}

/// The result of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The seed of every random draw.
    pub seed: u64,
    /// Draws per image of random transformations.
    pub draws: u32,
    /// The thresholds of the verdicts.
    pub thresholds: Thresholds,
    /// The swept transformation.
    pub op: String,
    /// The value at which it changes nothing.
    pub identity: f64,
    /// The swept values.
    pub values: Vec<f64>,
    /// What was read.
    pub dataset: DatasetSummary,
    /// The classifier and its baseline.
    pub classifier: ClassifierSummary,
    /// The whole dataset: a value is safe only when every class is.
    pub overall: SweepSeries,
    /// The spec that keeps the whole dataset within its safe range.
    pub safe_spec: String,
    /// Every class, in dataset order.
    pub classes: Vec<SweepSeries>,
}

impl SweepReport {
    /// The classes that change at some swept value, in dataset order.
    pub fn changing(&self) -> Vec<&SweepSeries> {
        self.classes
            .iter()
            .filter(|s| s.changed.iter().any(|&c| c > 0))
            .collect()
    }
}

/// Sweeps `op` over `values` with the judging settings of `config` (its transforms are
/// ignored). `progress` is called with images finished, summed over values.
///
/// # Errors
/// [`Error::Spec`] when a value is outside what the transformation accepts.
pub fn sweep(
    dataset: &Dataset,
    op: SweepOp,
    values: &[f64],
    config: &ScanConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SweepReport> {
    let baseline = Baseline::build(dataset, &config.classifier);
    let confusion_rates = baseline.confusion_rates(dataset);
    let images = dataset.glyphs.len() as u64;
    let classes = dataset.classes.len();
    // Per value, per class.
    let mut grid: Vec<Vec<Tally>> = Vec::with_capacity(values.len());
    for (step, &value) in values.iter().enumerate() {
        let transforms = op.transforms_at(value)?;
        let offset = step as u64 * images;
        let augments: Vec<&dyn Augment> = transforms.iter().map(|t| t as &dyn Augment).collect();
        let pooled = measure(dataset, &baseline, &augments, config, &|done| {
            progress(offset + done)
        });
        let mut per_class = vec![Tally::default(); classes];
        for tallies in &pooled {
            for (sum, tally) in per_class.iter_mut().zip(tallies) {
                sum.merge(tally);
            }
        }
        discount_baseline_confusions(&mut per_class, &confusion_rates);
        grid.push(per_class);
    }

    let identity = op.identity();
    let thresholds = config.thresholds;
    let class_series: Vec<SweepSeries> = (0..classes)
        .map(|c| {
            let tallies: Vec<&Tally> = grid.iter().map(|per_class| &per_class[c]).collect();
            series(
                &dataset.classes[c],
                &tallies,
                values,
                identity,
                &thresholds,
                |tally| {
                    tally
                        .targets
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                        .map(|(&to, _)| dataset.classes[to].clone())
                },
            )
        })
        .collect();
    let totals: Vec<Tally> = grid
        .iter()
        .map(|per_class| {
            let mut total = Tally::default();
            per_class.iter().for_each(|t| total.merge(t));
            total
        })
        .collect();
    let mut overall = series(
        "all",
        &totals.iter().collect::<Vec<_>>(),
        values,
        identity,
        &thresholds,
        |_| None,
    );
    // The dataset is only as safe as its worst class at each value.
    overall.verdicts = (0..values.len())
        .map(|i| {
            class_series
                .iter()
                .map(|s| s.verdicts[i])
                .max()
                .unwrap_or(Verdict::Safe)
        })
        .collect();
    overall.safe_range = safe_range(values, identity, &overall.verdicts);
    overall.first_flagged = first_flagged(values, identity, &overall.verdicts).map(|i| Flagged {
        value: values[i],
        change_rate: overall.change_rate[i],
        to: None,
    });
    let safe_spec = op.safe_spec(overall.safe_range[0], overall.safe_range[1]);

    Ok(SweepReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        seed: config.seed,
        draws: config.draws,
        thresholds,
        op: op.name().to_string(),
        identity,
        values: values.to_vec(),
        dataset: dataset_summary(dataset, &baseline),
        classifier: classifier_summary(dataset, &baseline, config.margin),
        overall,
        safe_spec,
        classes: class_series,
    })
}

fn series(
    label: &str,
    tallies: &[&Tally],
    values: &[f64],
    identity: f64,
    thresholds: &Thresholds,
    top_target: impl Fn(&Tally) -> Option<String>,
) -> SweepSeries {
    let change_rate: Vec<f64> = tallies.iter().map(|t| t.change_rate()).collect();
    let verdicts: Vec<Verdict> = change_rate.iter().map(|&r| thresholds.verdict(r)).collect();
    let first_flagged = first_flagged(values, identity, &verdicts).map(|i| Flagged {
        value: values[i],
        change_rate: change_rate[i],
        to: top_target(tallies[i]),
    });
    SweepSeries {
        label: label.to_string(),
        samples: tallies.iter().map(|t| t.samples).collect(),
        changed: tallies.iter().map(|t| t.changed).collect(),
        safe_range: safe_range(values, identity, &verdicts),
        change_rate,
        verdicts,
        first_flagged,
    }
}

/// Value indices ordered by distance from the identity (ties: the smaller value first).
fn outward(values: &[f64], identity: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        (values[a] - identity)
            .abs()
            .total_cmp(&(values[b] - identity).abs())
            .then(values[a].total_cmp(&values[b]))
    });
    order
}

/// Walking away from the identity on each side, the last value still safe.
fn safe_range(values: &[f64], identity: f64, verdicts: &[Verdict]) -> [f64; 2] {
    let (mut lo, mut hi) = (identity, identity);
    let (mut lo_open, mut hi_open) = (true, true);
    for i in outward(values, identity) {
        let v = values[i];
        let safe = verdicts[i] == Verdict::Safe;
        if v <= identity && lo_open {
            if safe {
                lo = lo.min(v);
            } else {
                lo_open = false;
            }
        }
        if v >= identity && hi_open {
            if safe {
                hi = hi.max(v);
            } else {
                hi_open = false;
            }
        }
    }
    [lo, hi]
}

fn first_flagged(values: &[f64], identity: f64, verdicts: &[Verdict]) -> Option<usize> {
    outward(values, identity)
        .into_iter()
        .find(|&i| verdicts[i] != Verdict::Safe)
}

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A change-rate curve as one character per value: `·` for none, bars for 0 < rate ≤ 1.
pub fn sparkline(rates: &[f64]) -> String {
    rates
        .iter()
        .map(|&r| {
            if r <= 0.0 {
                '·'
            } else {
                SPARKS[((r * 8.0).ceil() as usize).clamp(1, 8) - 1]
            }
        })
        .collect()
}

fn describe_range(op: &str, range: [f64; 2], identity: f64) -> String {
    match op {
        "crop" => format!("down to {}", range[0]),
        "scale" => format!("{}..{}", range[0], range[1]),
        _ if range[1] == identity => "nowhere beyond 0".to_string(),
        _ => format!("up to ±{}", range[1]),
    }
}

/// The sweep as a terminal table: the whole dataset and every class that changes anywhere,
/// each with a sparkline of its change rate and its safe range.
pub fn render_text(report: &SweepReport) -> String {
    let mut out = String::new();
    let values = &report.values;
    let _ = writeln!(
        out,
        "{} {}: sweep of {} over {}..{} ({} values) on {}, {} images in {} classes (seed {})",
        report.tool.name,
        report.tool.version,
        report.op,
        values.first().copied().unwrap_or(0.0),
        values.last().copied().unwrap_or(0.0),
        values.len(),
        report.dataset.root,
        report.dataset.images,
        report.dataset.classes.len(),
        report.seed,
    );
    let _ = writeln!(
        out,
        "classifier: {}, baseline accuracy {:.1}% (leave-one-out)\n",
        report.classifier.kind,
        report.classifier.baseline_accuracy * 100.0
    );
    let changing = report.changing();
    let width = changing
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let spark_width = values.len().max(12);
    let _ = writeln!(
        out,
        "{:<width$}  {:<spark_width$}  {:<16}  FIRST FLAGGED",
        "CLASS", "CHANGE RATE", "SAFE"
    );
    for s in std::iter::once(&report.overall).chain(changing.iter().copied()) {
        let flagged = flagged_text(s);
        let _ = writeln!(
            out,
            "{:<width$}  {:<spark_width$}  {:<16}  {}",
            s.label,
            sparkline(&s.change_rate),
            describe_range(&report.op, s.safe_range, report.identity),
            flagged
        );
    }
    let unchanged = report.classes.len() - changing.len();
    if unchanged > 0 {
        let _ = writeln!(out, "({unchanged} classes never change)");
    }
    let _ = writeln!(out, "\nsafe for the whole dataset: {}", report.safe_spec);
    out
}

const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The sweep as an SVG plot: change rate against the parameter, one line per class that
/// changes anywhere, the whole dataset in bold, and the caution and unsafe thresholds dashed.
pub fn render_svg(report: &SweepReport) -> String {
    let changing = report.changing();
    let legend_rows = changing.len() + 1;
    let (left, top, plot_w, plot_h) = (60.0, 40.0, 560.0, 320.0);
    let width = 760.0;
    let height = (top + plot_h + 60.0f64).max(top + 16.0 * legend_rows as f64 + 20.0);
    let (x_min, x_max) = (
        report.values.first().copied().unwrap_or(0.0),
        report.values.last().copied().unwrap_or(1.0),
    );
    let span = if x_max > x_min { x_max - x_min } else { 1.0 };
    let x = |v: f64| left + (v - x_min) / span * plot_w;
    let y = |r: f64| top + (1.0 - r.clamp(0.0, 1.0)) * plot_h;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{left}" y="22" font-size="14">Change rate against {} on {}</text>"#,
        escape(&report.op),
        escape(&report.dataset.root)
    );
    for tick in 0..=5 {
        let r = f64::from(tick) / 5.0;
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{:.0}%</text>"##,
            left + plot_w,
            left - 6.0,
            y(r) + 4.0,
            r * 100.0,
            y = y(r)
        );
    }
    for (i, v) in report.values.iter().enumerate() {
        let every = (report.values.len() / 10).max(1);
        if i % every == 0 || i + 1 == report.values.len() {
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{v}</text>"#,
                x(*v),
                top + plot_h + 18.0
            );
        }
    }
    let unit = match report.op.as_str() {
        "rotate" | "shear" => "degrees, ±",
        "crop" => "fraction of width and height kept",
        "scale" => "factor",
        _ => "fraction of the size, ±",
    };
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">{} ({unit})</text>"#,
        left + plot_w / 2.0,
        top + plot_h + 40.0,
        escape(&report.op)
    );
    for (threshold, label, colour) in [
        (report.thresholds.caution_at, "caution", "#e6a100"),
        (report.thresholds.unsafe_at, "unsafe", "#c00"),
    ] {
        let _ = writeln!(
            svg,
            r#"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{colour}" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" fill="{colour}">{label}</text>"#,
            left + plot_w,
            left + plot_w - 50.0,
            y(threshold) - 4.0,
            y = y(threshold)
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>"##
    );
    let polyline = |s: &SweepSeries| -> String {
        report
            .values
            .iter()
            .zip(&s.change_rate)
            .map(|(v, r)| format!("{:.1},{:.1}", x(*v), y(*r)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (i, s) in changing.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let dash = if i / PALETTE.len() % 2 == 1 {
            r#" stroke-dasharray="4 2""#
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dash} points="{}"><title>{}</title></polyline>"#,
            polyline(s),
            escape(&s.label)
        );
    }
    let _ = writeln!(
        svg,
        r##"<polyline fill="none" stroke="#000" stroke-width="3" points="{}"><title>all</title></polyline>"##,
        polyline(&report.overall)
    );
    let legend_x = left + plot_w + 20.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{legend_x}" x2="{}" y1="{top}" y2="{top}" stroke="#000" stroke-width="3"/><text x="{}" y="{}">all classes</text>"##,
        legend_x + 20.0,
        legend_x + 26.0,
        top + 4.0
    );
    for (i, s) in changing.iter().enumerate() {
        let row = top + 16.0 * (i + 1) as f64;
        let colour = PALETTE[i % PALETTE.len()];
        let _ = writeln!(
            svg,
            r#"<line x1="{legend_x}" x2="{}" y1="{row}" y2="{row}" stroke="{colour}" stroke-width="1.5"/><text x="{}" y="{}">{}</text>"#,
            legend_x + 20.0,
            legend_x + 26.0,
            row + 4.0,
            escape(&s.label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn flagged_text(series: &SweepSeries) -> String {
    match &series.first_flagged {
        None => "never".to_string(),
        Some(f) => {
            let to =
                f.to.as_ref()
                    .map(|to| format!(" {}→{to}", series.label))
                    .unwrap_or_default();
            format!("at {}: {:.0}%{to}", f.value, f.change_rate * 100.0)
        }
    }
}

/// The sweep as a self-contained HTML page: the plot inline, and the table of safe ranges.
pub fn render_html(report: &SweepReport, command: &str) -> String {
    use maud::{html, PreEscaped, DOCTYPE};
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
                    (report.values.len()) " values · seed " (report.seed) " · "
                    (report.tool.name) " " (report.tool.version)
                }
                p.meta { "Reproduce with " code { (command) } }
                p { "Safe for the whole dataset: " strong { code { (report.safe_spec) } } }
                // Inline SVG needs no namespace in HTML; leaving it out keeps the page free of URLs.
                (PreEscaped(render_svg(report).replace(r#" xmlns="http://www.w3.org/2000/svg""#, "")))
                table id="sweep-table" {
                    thead { tr { th { "Class" } th { "Change rate along the sweep" } th { "Safe range" } th { "First flagged" } } }
                    tbody {
                        @for series in std::iter::once(&report.overall).chain(changing.iter().copied()) {
                            tr {
                                td { (series.label) }
                                td.spark { (sparkline(&series.change_rate)) }
                                td { (series.safe_range[0]) " to " (series.safe_range[1]) }
                                td { (flagged_text(series)) }
                            }
                        }
                    }
                }
                @if changing.len() < report.classes.len() {
                    p.meta { (report.classes.len() - changing.len()) " classes never change." }
                }
            }
        }
    };
    page.into_string() + "\n"
}

/// The sweep as GitHub-flavoured Markdown: the safe spec and a table of safe ranges.
pub fn render_markdown(report: &SweepReport) -> String {
    use crate::report::markdown::cell;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## augsafe sweep: {} on {}\n",
        cell(&report.op),
        cell(&report.dataset.root)
    );
    let _ = writeln!(
        out,
        "{} values from {} to {} · seed {} · safe for the whole dataset: `{}`\n",
        report.values.len(),
        report.values.first().copied().unwrap_or(0.0),
        report.values.last().copied().unwrap_or(0.0),
        report.seed,
        report.safe_spec
    );
    let _ = writeln!(out, "| Class | Safe range | First flagged |");
    let _ = writeln!(out, "|---|---|---|");
    for series in std::iter::once(&report.overall).chain(report.changing()) {
        let _ = writeln!(
            out,
            "| {} | {} to {} | {} |",
            cell(&series.label),
            series.safe_range[0],
            series.safe_range[1],
            cell(&flagged_text(series))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_run_from_start_to_end_in_steps() {
        assert_eq!(
            sweep_values(0.0, 20.0, 5.0).unwrap(),
            vec![0.0, 5.0, 10.0, 15.0, 20.0]
        );
        assert_eq!(sweep_values(0.1, 0.3, 0.1).unwrap(), vec![0.1, 0.2, 0.3]);
        assert_eq!(
            sweep_values(0.0, 1.0, 0.3).unwrap(),
            vec![0.0, 0.3, 0.6, 0.9]
        );
        assert!(sweep_values(0.0, 1.0, 0.0).is_err());
        assert!(sweep_values(2.0, 1.0, 0.5).is_err());
        assert!(sweep_values(0.0, 1e6, 1.0).is_err());
    }

    #[test]
    fn the_safe_range_stops_at_the_first_flagged_value_on_each_side() {
        use Verdict::{Caution, Safe, Unsafe};
        let values = [0.0, 10.0, 20.0, 30.0, 40.0];
        assert_eq!(
            safe_range(&values, 0.0, &[Safe, Safe, Caution, Safe, Unsafe]),
            [0.0, 10.0]
        );
        assert_eq!(safe_range(&values, 0.0, &[Safe; 5]), [0.0, 40.0]);
        assert_eq!(
            safe_range(&values, 0.0, &[Safe, Unsafe, Safe, Safe, Safe]),
            [0.0, 0.0]
        );
        let scales = [0.6, 0.8, 1.0, 1.2, 1.4];
        assert_eq!(
            safe_range(&scales, 1.0, &[Unsafe, Safe, Safe, Safe, Caution]),
            [0.8, 1.2]
        );
        let crops = [0.4, 0.6, 0.8, 1.0];
        assert_eq!(
            safe_range(&crops, 1.0, &[Unsafe, Caution, Safe, Safe]),
            [0.8, 1.0]
        );
        assert_eq!(
            first_flagged(&crops, 1.0, &[Unsafe, Caution, Safe, Safe]),
            Some(1)
        );
    }

    #[test]
    fn safe_specs_read_back_as_transformations() {
        for (op, lo, hi) in [
            (SweepOp::Rotate, 0.0, 25.0),
            (SweepOp::Crop, 0.75, 1.0),
            (SweepOp::Scale, 0.85, 1.2),
            (SweepOp::Shear, 0.0, 10.0),
            (SweepOp::Translate, 0.0, 0.08),
        ] {
            let spec = op.safe_spec(lo, hi);
            assert!(spec.parse::<Transform>().is_ok(), "{spec}");
            assert!(!op.transforms_at(hi).unwrap().is_empty());
        }
        assert_eq!(SweepOp::Rotate.safe_spec(0.0, 25.0), "rotate:-25..25");
        assert_eq!(SweepOp::Crop.safe_spec(0.75, 1.0), "crop:0.75..1");
        assert!("spin".parse::<SweepOp>().is_err());
        assert_eq!("shear".parse::<SweepOp>().unwrap(), SweepOp::Shear);
    }

    #[test]
    fn sparklines_show_zero_apart_from_small_rates() {
        assert_eq!(sparkline(&[0.0, 0.01, 0.5, 1.0]), "·▁▄█");
    }
}
