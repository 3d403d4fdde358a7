//! The Markdown exporter: a GitHub-flavoured summary for a pull request, readable without images.

use std::fmt::Write as _;

use super::text::{
    control_line, destroyed_line, not_judged_line, top_pairs, uncertain_line, AFFINITY_LINE,
};
use super::{percent, Exporter, Report, SweepReport, TransformReport, Verdict};
use crate::error::Result;

/// How many from→to pairs a row names.
const TOP_PAIRS: usize = 5;

/// Writes the report as GitHub-flavoured Markdown: verdict table, top pairs, baseline.
#[derive(Clone, Copy, Debug, Default)]
pub struct MarkdownExporter;

/// Text safe inside a table cell: pipes and backslashes escaped, newlines flattened.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Markup that would open a tag, an entity, a link, emphasis or a code span, or
            // end a table cell, is shown as the character it is.
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a code span: markup inside it is shown as it is, so only the fence (longer than
/// any run of backticks inside) and the table's `|` need care.
fn code(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            '\n' | '\r' => ' '.to_string(),
            '|' => "\\|".to_string(),
            c if c.is_control() => format!("\\u{{{:x}}}", u32::from(c)),
            c => c.to_string(),
        })
        .collect();
    let longest = clean.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if clean.starts_with('`') || clean.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{clean}{pad}{fence}")
}

impl Exporter for MarkdownExporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let mut out = String::new();
        let dataset = &report.dataset;
        let _ = writeln!(out, "## augsafe report: {}\n", cell(&dataset.root));
        let _ = writeln!(
            out,
            "{} images in {} classes · seed {} · {} draws per random transformation · {}\n",
            dataset.images,
            dataset.classes.len(),
            report.header.seed,
            report.draws,
            report.header.tool_line()
        );
        if let Some(line) = dataset.read_line() {
            let _ = writeln!(out, "{}\n", cell(&line));
        }
        let worst = report.worst_verdict();
        let flagged = report
            .transforms
            .iter()
            .filter(|t| t.verdict != Verdict::Safe)
            .count();
        let _ = writeln!(
            out,
            "**{} of {} transformations change labels** (worst verdict: {}).\n",
            flagged,
            report.transforms.len(),
            worst.as_str()
        );
        let _ = writeln!(
            out,
            "| Transformation | Verdict | Changed | Destroyed | Uncertain | Doubtful | Top changes |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|");
        let row = |out: &mut String, transform: &TransformReport, verdict: &str| {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(&transform.spec),
                verdict,
                percent(transform.outcomes.change_rate),
                percent(transform.outcomes.destroyed_rate),
                percent(transform.outcomes.uncertain_rate()),
                percent(transform.outcomes.doubtful_rate()),
                cell(&top_pairs(transform, TOP_PAIRS).join(", "))
            );
        };
        for transform in &report.transforms {
            let verdict = match transform.verdict {
                Verdict::Unsafe => "**unsafe**",
                Verdict::Caution => "caution",
                Verdict::Safe => "safe",
                Verdict::NotJudged => "*not judged*",
            };
            row(&mut out, transform, verdict);
        }
        if let Some(control) = &report.control {
            row(&mut out, control, "*control: judge's noise*");
        }
        let classifier = &report.classifier;
        let _ = writeln!(
            out,
            "\n**Baseline:** {}.",
            cell(&classifier.baseline_sentence())
        );
        if let Some(gaps) = classifier.model_gaps() {
            let _ = writeln!(out, "{}.", cell(&gaps));
        }
        if !classifier.confusions.is_empty() {
            let confusions = super::pair_counts(&classifier.confusions);
            let _ = writeln!(
                out,
                "Already confused at baseline, not blamed on any transformation: {}.",
                cell(&confusions.join(", "))
            );
        }
        let _ = writeln!(
            out,
            "Changed and destroyed samples both count toward a verdict; {}. {}. {}.",
            cell(&destroyed_line(classifier)),
            cell(&uncertain_line(
                classifier.margin,
                &report.thresholds,
                report.control.is_some()
            )),
            cell(AFFINITY_LINE)
        );
        if let Some(line) = not_judged_line(report) {
            let _ = writeln!(out, "**Not judged:** {}.", cell(&line));
        }
        if let Some(control) = &report.control {
            let _ = writeln!(
                out,
                "The control row ({}) is a jitter no reader would call a change of label: its rates \
                 are the judge's own noise, and it never counts toward a verdict.",
                code(&control.spec)
            );
        }
        if let Some(pipeline) = &report.pipeline {
            let _ = writeln!(
                out,
                "\n**Pipeline:** {} (Albumentations {}).",
                cell(&pipeline.file),
                pipeline
                    .albumentations_version
                    .as_deref()
                    .unwrap_or("version unknown")
            );
            if !pipeline.not_evaluated.is_empty() {
                let names: Vec<&str> = pipeline
                    .not_evaluated
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect();
                let _ = writeln!(out, "Not evaluated: {}.", cell(&names.join(", ")));
            }
            for component in &pipeline.components {
                for note in &component.notes {
                    let _ = writeln!(out, "- {}: {}", code(&component.path), cell(note));
                }
            }
        }
        let flagged: Vec<&TransformReport> = (report.transforms.iter())
            .filter(|t| t.verdict.is_flagged())
            .collect();
        if !flagged.is_empty() {
            let _ = writeln!(out, "\n**Per class:**\n");
            for transform in flagged {
                let lists: Vec<String> = [Verdict::Unsafe, Verdict::Caution]
                    .into_iter()
                    .filter_map(|verdict| {
                        let classes: Vec<&str> = (transform.classes.iter())
                            .filter(|c| c.verdict == verdict)
                            .map(|c| c.label.as_str())
                            .collect();
                        (!classes.is_empty()).then(|| {
                            format!(
                                "{} for {} ({})",
                                verdict.as_str(),
                                classes.len(),
                                cell(&classes.join(" "))
                            )
                        })
                    })
                    .collect();
                let _ = writeln!(out, "- {}: {}", code(&transform.spec), lists.join("; "));
            }
        }
        let compared: Vec<&TransformReport> = (report.transforms.iter())
            .filter(|t| t.agreement.is_some())
            .collect();
        if !compared.is_empty() {
            let _ = writeln!(
                out,
                "\n**Judges compared** (where they agree the verdict is solid; where they differ, \
                 look at the glyphs):\n"
            );
            for transform in compared {
                if let Some(agreement) = &transform.agreement {
                    let _ = writeln!(
                        out,
                        "- {}: {} here; {}",
                        code(&transform.spec),
                        transform.verdict.as_str(),
                        cell(&agreement.describe(usize::MAX))
                    );
                }
            }
        }
        let worse: Vec<(&TransformReport, String)> = (report.transforms.iter())
            .filter_map(|t| Some((t, t.worse_parts_text(usize::MAX)?)))
            .collect();
        if !worse.is_empty() {
            let _ = writeln!(
                out,
                "\n**Worse in part of the range** (a verdict above is over the whole range, the \
                 label noise training sees; each part is an equal slice of it, one draw per \
                 glyph):\n"
            );
            for (transform, text) in worse {
                let _ = writeln!(
                    out,
                    "- {}: {} on average; {}",
                    code(&transform.spec),
                    transform.verdict.as_str(),
                    cell(&text)
                );
            }
        }
        if let Some(reduced) = dataset.reduced_text() {
            let _ = writeln!(out, "\n{}.", cell(&reduced));
        }
        if !dataset.skipped.is_empty() {
            let _ = writeln!(
                out,
                "\n<details><summary>{} skipped file(s)</summary>\n",
                dataset.skipped.len()
            );
            let _ = writeln!(out, "| File | Reason |");
            let _ = writeln!(out, "|---|---|");
            for skipped in &dataset.skipped {
                let _ = writeln!(
                    out,
                    "| {} | {} |",
                    code(&skipped.path.display().to_string()),
                    cell(&skipped.reason)
                );
            }
            let _ = writeln!(out, "\n</details>");
        }
        Ok(out.into_bytes())
    }
}

/// The sweep as GitHub-flavoured Markdown: the safe spec and a table of safe ranges.
impl Exporter<SweepReport> for MarkdownExporter {
    fn render(&self, report: &SweepReport) -> Result<Vec<u8>> {
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
            report.header.seed,
            report.safe_spec
        );
        let _ = writeln!(
            out,
            "**Judge:** {}.\n",
            cell(&report.classifier.baseline_sentence())
        );
        if let Some(gaps) = report.classifier.model_gaps() {
            let _ = writeln!(out, "{}.\n", cell(&gaps));
        }
        let _ = writeln!(out, "| Class | Safe range | First flagged |");
        let _ = writeln!(out, "|---|---|---|");
        for series in std::iter::once(&report.overall).chain(report.changing()) {
            let _ = writeln!(
                out,
                "| {} | {} to {} | {} |",
                cell(&series.label),
                series.safe_range[0],
                series.safe_range[1],
                cell(&series.flagged_text())
            );
        }
        if let Some(control) = &report.control {
            let _ = writeln!(out, "\n{}.", cell(&control_line(control)));
        }
        Ok(out.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\\c\nd"), "a\\|b\\\\c d");
        assert_eq!(code("rotate:180"), "`rotate:180`");
        assert_eq!(code("odd`spec"), "``odd`spec``");
        assert_eq!(code("`x"), "`` `x ``");
        // Labels are data: no tag, link, emphasis or escape sequence gets through.
        assert_eq!(cell("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(cell("[a](b) *c* `d`"), "\\[a\\](b) \\*c\\* \\`d\\`");
        assert_eq!(cell("\u{1b}[31m"), "\\u{1b}\\[31m");
    }
}
