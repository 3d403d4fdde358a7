//! The terminal exporter: a verdict table with the top from→to pairs, readable at a glance.

use std::fmt::Write as _;

use super::{Exporter, Report, TransformReport, Verdict};
use crate::error::Result;

/// How many from→to pairs a row names.
const TOP_PAIRS: usize = 4;

/// Writes the report as a plain-text table for a terminal.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextExporter;

impl Exporter for TextExporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        Ok(render_text(report).into_bytes())
    }
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// The pairs of a row as `6→9 19/20`, most frequent first.
pub fn top_pairs(transform: &TransformReport, limit: usize) -> Vec<String> {
    transform
        .pairs
        .iter()
        .take(limit)
        .map(|pair| {
            let samples = transform
                .classes
                .iter()
                .find(|c| c.label == pair.from)
                .map_or(0, |c| c.samples);
            format!("{}→{} {}/{}", pair.from, pair.to, pair.count, samples)
        })
        .collect()
}

fn classes_by_verdict(transform: &TransformReport, verdict: Verdict) -> Vec<&str> {
    transform
        .classes
        .iter()
        .filter(|c| c.verdict == verdict)
        .map(|c| c.label.as_str())
        .collect()
}

fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let dataset = &report.dataset;
    let _ = writeln!(
        out,
        "{} {}: {}, {} images in {} classes (seed {}, {} draws per random transformation)",
        report.tool.name,
        report.tool.version,
        dataset.root,
        dataset.images,
        dataset.classes.len(),
        report.seed,
        report.draws,
    );
    if !dataset.skipped.is_empty() {
        let _ = writeln!(out, "skipped {} file(s):", dataset.skipped.len());
        for skipped in &dataset.skipped {
            let _ = writeln!(out, "  {}: {}", skipped.path.display(), skipped.reason);
        }
    }
    if dataset.ignored > 0 {
        let _ = writeln!(
            out,
            "ignored {} file(s) that are not images",
            dataset.ignored
        );
    }
    if !dataset.empty_classes.is_empty() {
        let _ = writeln!(
            out,
            "empty class folder(s): {}",
            dataset.empty_classes.join(", ")
        );
    }
    let classifier = &report.classifier;
    let _ = writeln!(
        out,
        "classifier: {}, {} templates, baseline accuracy {} (leave-one-out)",
        classifier.kind,
        classifier.templates,
        percent(classifier.baseline_accuracy),
    );
    if !classifier.confusions.is_empty() {
        let confusions: Vec<String> = classifier
            .confusions
            .iter()
            .map(|p| format!("{}→{} {}", p.from, p.to, p.count))
            .collect();
        let _ = writeln!(
            out,
            "  confused at baseline (not blamed on any transformation): {}",
            confusions.join(", ")
        );
    }
    out.push('\n');

    let spec_width = report
        .transforms
        .iter()
        .map(|t| t.spec.chars().count())
        .max()
        .unwrap_or(0)
        .max("TRANSFORMATION".len());
    let _ = writeln!(
        out,
        "{:<spec_width$}  {:<7}  {:>7}  {:>9}  TOP CHANGES",
        "TRANSFORMATION", "VERDICT", "CHANGED", "UNCERTAIN"
    );
    for transform in &report.transforms {
        let verdict = match transform.verdict {
            Verdict::Unsafe => "UNSAFE",
            other => other.as_str(),
        };
        let pairs = top_pairs(transform, TOP_PAIRS);
        let more = transform.pairs.len().saturating_sub(TOP_PAIRS);
        let mut pairs = pairs.join(", ");
        if more > 0 {
            let _ = write!(pairs, " (+{more} more)");
        }
        let _ = writeln!(
            out,
            "{:<spec_width$}  {:<7}  {:>7}  {:>9}  {}",
            transform.spec,
            verdict,
            percent(transform.change_rate),
            percent(if transform.samples == 0 {
                0.0
            } else {
                transform.uncertain as f64 / transform.samples as f64
            }),
            pairs.trim_end(),
        );
    }
    let flagged: Vec<&TransformReport> = report
        .transforms
        .iter()
        .filter(|t| t.verdict != Verdict::Safe)
        .collect();
    if !flagged.is_empty() {
        out.push('\n');
        for transform in flagged {
            for verdict in [Verdict::Unsafe, Verdict::Caution] {
                let classes = classes_by_verdict(transform, verdict);
                if !classes.is_empty() {
                    let _ = writeln!(
                        out,
                        "{} is {} for {}: {}",
                        transform.spec,
                        verdict.as_str(),
                        if classes.len() == 1 {
                            "1 class".to_string()
                        } else {
                            format!("{} classes", classes.len())
                        },
                        classes.join(" "),
                    );
                }
            }
        }
    }
    out
}
