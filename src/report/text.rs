//! The terminal exporter: a verdict table with the top from→to pairs, readable at a glance.

use std::fmt::Write as _;

use super::{
    percent, sparkline, ClassifierSummary, Exporter, PipelineSummary, Recommendation, Report,
    SweepReport, Thresholds, TransformReport, Verdict,
};
use crate::error::Result;

/// `text` with control characters written out (a file name can hold any of them).
fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    crate::dataset::visible_label(text)
}

/// The widest the transformation column gets; longer specs are cut with an ellipsis (the JSON
/// and the pipeline summary carry them whole).
const MAX_SPEC_WIDTH: usize = 48;

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// How many from→to pairs a row names.
const TOP_PAIRS: usize = 4;

/// Writes the report as a plain-text table for a terminal.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextExporter {
    /// Colour the verdicts and headings with ANSI escapes (for a terminal that shows them).
    pub color: bool,
}

impl Exporter for TextExporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        Ok(render_text(report, Paint(self.color)).into_bytes())
    }
}

impl Exporter<SweepReport> for TextExporter {
    fn render(&self, report: &SweepReport) -> Result<Vec<u8>> {
        Ok(render_sweep(report, Paint(self.color)).into_bytes())
    }
}

impl Exporter<Recommendation> for TextExporter {
    fn render(&self, recommendation: &Recommendation) -> Result<Vec<u8>> {
        Ok(render_recommendation(recommendation, Paint(self.color)).into_bytes())
    }
}

/// ANSI colours, or none: text passes through unchanged when off. Applied to padded text, so
/// columns line up either way.
#[derive(Clone, Copy, Debug)]
struct Paint(bool);

impl Paint {
    fn wrap(self, text: &str, style: &str) -> String {
        if self.0 {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Bold, for headings.
    fn bold(self, text: &str) -> String {
        self.wrap(text, "1")
    }

    /// Dim, for what is secondary (the control row).
    fn dim(self, text: &str) -> String {
        self.wrap(text, "2")
    }

    /// A verdict's colour: unsafe bold red, caution yellow, safe green, not judged dim.
    fn verdict(self, text: &str, verdict: Verdict) -> String {
        let style = match verdict {
            Verdict::Unsafe => "1;31",
            Verdict::Caution => "33",
            Verdict::Safe => "32",
            Verdict::NotJudged => "2",
        };
        self.wrap(text, style)
    }
}

/// The pairs of a row as `6→9 19/20` (`3→∅ 12/12` for a class destroyed), most frequent first.
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
                .map_or(0, |c| c.outcomes.samples);
            format!("{}→{} {}/{}", pair.from, pair.target(), pair.count, samples)
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

fn render_pipeline(out: &mut String, pipeline: &PipelineSummary) {
    let _ =
        writeln!(
        out,
        "pipeline: {} (Albumentations {}), {} geometric component(s) evaluated on their own below",
        pipeline.file,
        pipeline.albumentations_version.as_deref().unwrap_or("version unknown"),
        pipeline.components.len(),
    );
    match &pipeline.spec {
        Some(spec) => {
            let _ = writeln!(out, "  as an augsafe spec: {spec}");
        }
        None => {
            let _ = writeln!(
                out,
                "  no augsafe spec says the same (nested choices or a fill other than the background)"
            );
        }
    }
    if !pipeline.passed_through.is_empty() {
        let _ = writeln!(
            out,
            "  passed through (photometric, moves no ink): {}",
            pipeline.passed_through.join(", ")
        );
    }
    for skipped in &pipeline.not_evaluated {
        let _ = writeln!(
            out,
            "  NOT EVALUATED: {} ({})",
            skipped.name, skipped.reason
        );
    }
    for component in &pipeline.components {
        let _ = writeln!(
            out,
            "  component {} (p={}): {}",
            component.path, component.p, component.spec
        );
    }
    for component in &pipeline.components {
        for note in &component.notes {
            let _ = writeln!(out, "  note: {}: {note}", component.path);
        }
    }
}

fn render_text(report: &Report, paint: Paint) -> String {
    let mut out = String::new();
    let dataset = &report.dataset;
    let _ = writeln!(
        out,
        "{}: {}, {} images in {} classes (seed {}, {} draws per random transformation)",
        report.header.tool_line(),
        visible(&dataset.root),
        dataset.images,
        dataset.classes.len(),
        report.header.seed,
        report.draws,
    );
    if !dataset.skipped.is_empty() {
        let _ = writeln!(out, "skipped {} file(s):", dataset.skipped.len());
        for skipped in dataset.skipped.iter().take(LISTED) {
            let _ = writeln!(
                out,
                "  {}: {}",
                visible(&skipped.path.display().to_string()),
                skipped.reason
            );
        }
        if dataset.skipped.len() > LISTED {
            let _ = writeln!(
                out,
                "  and {} more (every one is in the JSON, HTML and Markdown reports)",
                dataset.skipped.len() - LISTED
            );
        }
    }
    if dataset.ignored > 0 {
        let _ = writeln!(
            out,
            "ignored {} file(s) that are not images",
            dataset.ignored
        );
    }
    if let Some(line) = dataset.read_line() {
        let _ = writeln!(out, "{line}");
    }
    if !dataset.other_splits.is_empty() {
        let _ = writeln!(
            out,
            "also here, not read (choose with --split): {}",
            dataset.other_splits.join(", ")
        );
    }
    if dataset.hidden > 0 {
        let _ = writeln!(
            out,
            "left out {} hidden file(s) or folder(s) (a name starting with '.', __MACOSX)",
            dataset.hidden
        );
    }
    if let Some(first) = dataset.outside_manifest.first() {
        let _ = writeln!(
            out,
            "{} manifest row(s) point outside the manifest's folder (first: {}): read as given",
            dataset.outside_manifest.len(),
            visible(first)
        );
    }
    if let Some(reduced) = dataset.reduced_text() {
        let _ = writeln!(out, "{reduced}");
    }
    if !dataset.merged_folders.is_empty() {
        let _ = writeln!(
            out,
            "several folders read as one class: {}",
            first_of(&dataset.merged_folders, LISTED_PAIRS, "; ")
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
    if classifier.model.is_some() {
        out.push_str(&classifier_lines(classifier));
    } else {
        let _ = writeln!(
            out,
            "classifier: {}, {} templates ({} px{}), baseline accuracy {} (leave-one-out)",
            classifier.kind,
            classifier.templates,
            classifier.canonical.size,
            if classifier.canonical.deslant {
                ", deslanted"
            } else {
                ""
            },
            percent(classifier.baseline_accuracy),
        );
    }
    if !classifier.confusions.is_empty() {
        let confusions = super::pair_counts(&classifier.confusions);
        let _ = writeln!(
            out,
            "  confused at baseline (not blamed on any transformation): {}",
            first_of(&confusions, LISTED_PAIRS, ", ")
        );
    }
    let _ = writeln!(out, "  {}", destroyed_line(classifier));
    let _ = writeln!(
        out,
        "  {}",
        uncertain_line(
            classifier.margin,
            &report.thresholds,
            report.control.is_some()
        )
    );
    let _ = writeln!(out, "  {AFFINITY_LINE}");
    let unjudged: Vec<&str> = classifier
        .per_class_accuracy
        .iter()
        .filter(|(_, &accuracy)| accuracy == 0.0)
        .map(|(label, _)| label.as_str())
        .collect();
    if !unjudged.is_empty() {
        let _ = writeln!(
            out,
            "  not judged (no original recognised at baseline, so no transformation can be checked): {}",
            first_of(&unjudged, LISTED_CLASSES, " ")
        );
    }
    if let Some(pipeline) = &report.pipeline {
        render_pipeline(&mut out, pipeline);
    }
    out.push('\n');

    let spec_width = report
        .transforms
        .iter()
        .chain(&report.control)
        .map(|t| t.spec.chars().count())
        .max()
        .unwrap_or(0)
        .clamp("TRANSFORMATION".len(), MAX_SPEC_WIDTH);
    let verdict_width = (report.transforms.iter())
        .map(|t| t.verdict.as_str().len())
        .fold("VERDICT".len(), usize::max);
    let heading = format!(
        "{:<spec_width$}  {:<verdict_width$}  {:>7}  {:>9}  {:>9}  {:>9}  TOP CHANGES",
        "TRANSFORMATION", "VERDICT", "CHANGED", "DESTROYED", "UNCERTAIN", "DOUBTFUL"
    );
    let _ = writeln!(out, "{}", paint.bold(&heading));
    let row = |out: &mut String, transform: &TransformReport, verdict: &str| {
        let pairs = top_pairs(transform, TOP_PAIRS);
        let more = transform.pairs.len().saturating_sub(TOP_PAIRS);
        let mut pairs = pairs.join(", ");
        if more > 0 {
            let _ = write!(pairs, " (+{more} more)");
        }
        let _ = writeln!(
            out,
            "{:<spec_width$}  {:<verdict_width$}  {:>7}  {:>9}  {:>9}  {:>9}  {}",
            shorten(&transform.spec, spec_width),
            // Padded before it is painted, so the columns line up in colour too.
            verdict,
            percent(transform.outcomes.change_rate),
            percent(transform.outcomes.destroyed_rate),
            percent(transform.outcomes.uncertain_rate()),
            percent(transform.outcomes.doubtful_rate()),
            pairs.trim_end(),
        );
    };
    for transform in &report.transforms {
        let verdict = match transform.verdict {
            Verdict::Unsafe => "UNSAFE",
            other => other.as_str(),
        };
        let padded = format!("{verdict:<verdict_width$}");
        row(
            &mut out,
            transform,
            &paint.verdict(&padded, transform.verdict),
        );
    }
    if let Some(control) = &report.control {
        let _ = writeln!(
            out,
            "{}",
            paint.dim(
                "control (the judge's own noise: a jitter no reader calls a change; never a verdict):"
            )
        );
        row(&mut out, control, &format!("{:<verdict_width$}", "noise"));
    }
    if let Some(pipeline) = report.pipeline.as_ref().filter(|p| !p.blame.is_empty()) {
        out.push('\n');
        let _ = writeln!(
            out,
            "to blame (the component that changes each flagged class most):"
        );
        let mut by_component: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (class, blame) in &pipeline.blame {
            by_component
                .entry(&blame.component)
                .or_default()
                .push(class);
        }
        for (component, classes) in by_component {
            let _ = writeln!(out, "  {component}: {}", classes.join(" "));
        }
    }
    let flagged: Vec<&TransformReport> = report
        .transforms
        .iter()
        .filter(|t| t.verdict.is_flagged())
        .collect();
    if !flagged.is_empty() {
        out.push('\n');
        for transform in flagged {
            for verdict in [Verdict::Unsafe, Verdict::Caution] {
                let classes = classes_by_verdict(transform, verdict);
                if !classes.is_empty() {
                    let _ = writeln!(
                        out,
                        "{}: {} for {}: {}",
                        transform.spec,
                        paint.verdict(verdict.as_str(), verdict),
                        if classes.len() == 1 {
                            "1 class".to_string()
                        } else {
                            format!("{} classes", classes.len())
                        },
                        first_of(&classes, LISTED_CLASSES, " "),
                    );
                }
            }
        }
    }
    if let Some(lines) = worse_parts_lines(&report.transforms) {
        out.push('\n');
        out.push_str(&lines);
    }
    if let Some(lines) = agreement_lines(&report.transforms) {
        out.push('\n');
        out.push_str(&lines);
    }
    out
}

/// The ranges with a part worse than the whole, under a heading that says what each measures,
/// or `None` when there are none.
pub fn worse_parts_lines(transforms: &[TransformReport]) -> Option<String> {
    let worse: Vec<(&TransformReport, String)> = (transforms.iter())
        .filter_map(|t| Some((t, t.worse_parts_text(LISTED_CLASSES)?)))
        .collect();
    if worse.is_empty() {
        return None;
    }
    let mut out = String::from(
        "worse in part of the range (a verdict above is over the whole range, the label noise \
         training sees; each part is an equal slice of it, one draw per glyph):\n",
    );
    for (transform, text) in worse {
        let _ = writeln!(
            out,
            "  {}: {} on average; {text}",
            transform.spec,
            transform.verdict.as_str()
        );
    }
    Some(out)
}

/// With two judges, how the other's verdicts compare, one line a transformation under a heading,
/// or `None` with one judge.
pub fn agreement_lines(transforms: &[TransformReport]) -> Option<String> {
    let compared: Vec<(&TransformReport, &crate::report::Agreement)> = (transforms.iter())
        .filter_map(|t| Some((t, t.agreement.as_ref()?)))
        .collect();
    if compared.is_empty() {
        return None;
    }
    let mut out = String::from(
        "judges compared (where they agree the verdict is solid; where they differ, look at the \
         glyphs):\n",
    );
    for (transform, agreement) in compared {
        let _ = writeln!(
            out,
            "  {}: {} here; {}",
            transform.spec,
            transform.verdict.as_str(),
            visible(&agreement.describe(LISTED_CLASSES))
        );
    }
    Some(out)
}

/// The classes no transformation could judge, on one line, or `None` when every class was
/// judged. A class is not judged when none of its samples was read correctly before the
/// transformation (every transformation starts from the same originals, so the classes are the
/// same for all of them): its verdict is "not judged", never "safe".
pub fn not_judged_line(report: &Report) -> Option<String> {
    let classes = report.not_judged_classes();
    if classes.is_empty() {
        return None;
    }
    let count = match classes.len() {
        1 => "1 class".to_string(),
        n => format!("{n} classes"),
    };
    Some(format!(
        "not judged ({count}: no sample was read as its own class before the transformation, so \
         augsafe knows nothing about them; not safe): {}",
        classes.join(" ")
    ))
}

/// Classes a terminal line names before it counts the rest (a CJK set has thousands).
pub const LISTED_CLASSES: usize = 40;

/// Pairs a terminal line names before it counts the rest.
pub const LISTED_PAIRS: usize = 12;

/// The first `n` of `items` joined with `separator`, and how many more there are: a terminal
/// line stays a line at any class count; the file reports list them all.
fn first_of(items: &[impl AsRef<str>], n: usize, separator: &str) -> String {
    let shown: Vec<&str> = items.iter().take(n).map(AsRef::as_ref).collect();
    let mut line = shown.join(separator);
    if items.len() > n {
        let _ = write!(
            line,
            " … and {} more (all in the JSON report)",
            items.len() - n
        );
    }
    line
}

/// Skipped files the terminal names one by one; the rest are counted. The file reports list
/// every one.
pub const LISTED: usize = 5;

/// What "destroyed" means in this report: the floor and where it comes from.
pub fn destroyed_line(classifier: &ClassifierSummary) -> String {
    if classifier.model.is_some() {
        return "destroyed (→∅): only glyphs left without ink (a model always names a class)"
            .to_string();
    }
    match classifier.destroyed {
        Some(floor) => format!(
            "destroyed (→∅, read as no class): another class wins but scores below {:.3}, the \
             lower of the correctly read originals' 1% lowest own-class score ({:.3}) and their \
             median best other-class score ({:.3})",
            floor.below, floor.own_low, floor.rival_median
        ),
        None => "destroyed (→∅): only glyphs left without ink (no original was read correctly, \
                 so there is no score floor)"
            .to_string(),
    }
}

/// What the affinity in the reports is: a legend line for every format.
pub const AFFINITY_LINE: &str =
    "affinity (the JSON's `affinity`): the share of samples still read as their label, \
     1 - changed - destroyed; the samples are glyphs read correctly untransformed, so it is \
     accuracy on augmented glyphs over accuracy on clean ones";

/// How uncertain samples count, in words: a legend line for every format.
pub fn uncertain_line(margin: f32, thresholds: &Thresholds, control: bool) -> String {
    format!(
        "uncertain: another class within {margin} of the true one; doubtful: such near ties \
         with the other class ahead, clearly beyond {}, each half a loss. Caution when lost + \
         doubtful/2 reaches {}, unsafe when lost reaches {}",
        if control {
            "the judge's own rate under the control"
        } else {
            "chance (no control was run)"
        },
        percent(thresholds.caution_at).trim(),
        percent(thresholds.unsafe_at).trim(),
    )
}

/// The control on one line, as the sweep reports show it: the judge's own noise.
pub fn control_line(control: &TransformReport) -> String {
    format!(
        "control (the judge's own noise, never a verdict): {}: changed {}, destroyed {}, uncertain {}",
        control.spec,
        percent(control.outcomes.change_rate),
        percent(control.outcomes.destroyed_rate),
        percent(control.outcomes.uncertain_rate())
    )
}

/// The judge and its baseline as the sweep and recommendation tables show it (and a scan a
/// model's), with what a model cannot name on a line of its own; each line ends in a newline.
fn classifier_lines(classifier: &ClassifierSummary) -> String {
    let accuracy = percent(classifier.baseline_accuracy);
    if classifier.model.is_none() {
        return format!(
            "classifier: {}, baseline accuracy {} {}\n",
            classifier.kind,
            accuracy.trim(),
            classifier.baseline_words()
        );
    }
    let mut lines = format!(
        "judge: {}, baseline accuracy {} {}\n",
        visible(&classifier.judge_words()),
        accuracy.trim(),
        classifier.baseline_words()
    );
    if let Some(gaps) = classifier.model_gaps() {
        let _ = writeln!(lines, "  {}", visible(&gaps));
    }
    lines
}

/// The sweep as a terminal table: the whole dataset and every class that changes anywhere,
/// each with a sparkline of its loss rate (changed or destroyed) and its safe range.
fn render_sweep(report: &SweepReport, paint: Paint) -> String {
    let mut out = String::new();
    let values = &report.values;
    let _ = writeln!(
        out,
        "{}: sweep of {} over {}..{} ({} values) on {}, {} images in {} classes (seed {})",
        report.header.tool_line(),
        report.op,
        values.first().copied().unwrap_or(0.0),
        values.last().copied().unwrap_or(0.0),
        values.len(),
        visible(&report.dataset.root),
        report.dataset.images,
        report.dataset.classes.len(),
        report.header.seed,
    );
    out.push_str(&classifier_lines(&report.classifier));
    let _ = writeln!(
        out,
        "  {}\n",
        uncertain_line(
            report.classifier.margin,
            &report.thresholds,
            report.control.is_some()
        )
    );
    let changing = report.changing();
    let width = changing
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let spark_width = values.len().max(12);
    let heading = format!(
        "{:<width$}  {:<spark_width$}  {:<16}  FIRST FLAGGED",
        "CLASS", "LOSS RATE", "SAFE"
    );
    let _ = writeln!(out, "{}", paint.bold(&heading));
    let hidden_rows = changing.len().saturating_sub(LISTED_CLASSES);
    for s in std::iter::once(&report.overall).chain(changing.iter().take(LISTED_CLASSES).copied()) {
        let flagged = s.flagged_text();
        let _ = writeln!(
            out,
            "{:<width$}  {:<spark_width$}  {:<16}  {}",
            s.label,
            sparkline(&s.loss_rate),
            report.describe_range(s.safe_range),
            flagged
        );
    }
    if hidden_rows > 0 {
        let _ = writeln!(
            out,
            "… and {hidden_rows} more classes that change (all in the JSON report)"
        );
    }
    match report.unchanged() {
        0 => {}
        1 => {
            let _ = writeln!(out, "(1 class never changes)");
        }
        n => {
            let _ = writeln!(out, "({n} classes never change)");
        }
    }
    let not_judged = report.not_judged();
    if !not_judged.is_empty() {
        let _ = writeln!(
            out,
            "(not judged, no sample read as its own class before the sweep: {})",
            first_of(&not_judged, LISTED_CLASSES, " ")
        );
    }
    let _ = writeln!(
        out,
        "\nsafe for the whole dataset: {} (every value in it, each applied on its own, is safe \
         for every class; a scan of that range reports its average, the label noise training \
         sees, and any part worse than it)",
        paint.verdict(&report.safe_spec, Verdict::Safe)
    );
    if let Some(control) = &report.control {
        let _ = writeln!(out, "{}", control_line(control));
    }
    out
}

/// The recommendation for a terminal: what changed and why, the policy, and the verdict of
/// the recommended pipeline.
fn render_recommendation(recommendation: &Recommendation, paint: Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: recommendation for {} ({} images in {} classes, seed {}), starting from {}",
        recommendation.header.tool_line(),
        visible(&recommendation.dataset.root),
        recommendation.dataset.images,
        recommendation.dataset.classes.len(),
        recommendation.header.seed,
        recommendation.source
    );
    out.push_str(&classifier_lines(&recommendation.classifier));
    out.push('\n');
    for change in &recommendation.changes {
        let after = if change.after.is_empty() {
            "-".to_string()
        } else {
            change.after.clone()
        };
        // Removed is what changed most, kept what did not.
        let tone = match change.action.as_str() {
            "removed" => Verdict::Unsafe,
            "kept" => Verdict::Safe,
            _ => Verdict::Caution,
        };
        let action = format!("{:<9}", change.action.to_uppercase());
        let _ = writeln!(
            out,
            "{} {:<28} {} → {}\n          {}",
            paint.verdict(&action, tone),
            change.component,
            change.before,
            after,
            change.reason
        );
    }
    if !recommendation.policy.is_empty() {
        let _ = writeln!(
            out,
            "\nclass-conditional policy (each component at full strength, as written, per class):"
        );
        for entry in &recommendation.policy {
            let _ = writeln!(
                out,
                "  {} ({}): safe for {}; not for {}{}",
                entry.component,
                entry.spec,
                if entry.safe_for.is_empty() {
                    "no class".to_string()
                } else {
                    first_of(&entry.safe_for, LISTED_CLASSES, " ")
                },
                first_of(&entry.not_safe_for, LISTED_CLASSES, " "),
                if entry.not_judged.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; not judged for {}",
                        first_of(&entry.not_judged, LISTED_CLASSES, " ")
                    )
                }
            );
        }
    }
    let verification = &recommendation.verification;
    let _ = writeln!(
        out,
        "\nrecommended pipeline: {} (change rate {:.1}%, destroyed {:.1}%, uncertain {:.1}%)",
        paint.verdict(verification.verdict.as_str(), verification.verdict),
        verification.outcomes.change_rate * 100.0,
        verification.outcomes.destroyed_rate * 100.0,
        verification.outcomes.uncertain_rate() * 100.0
    );
    match &recommendation.spec {
        Some(spec) => {
            let _ = writeln!(out, "as an augsafe spec: {spec}");
        }
        None => {
            let _ = writeln!(out, "no augsafe spec says the same (nested choices)");
        }
    }
    if let Some(control) = &recommendation.control {
        let _ = writeln!(out, "{}", control_line(control));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{
        CanonicalSummary, ClassReport, ClassifierSummary, DatasetSummary, Header, Outcomes, Pair,
        PartReport, Thresholds,
    };
    use std::collections::BTreeMap;

    fn report() -> Report {
        let class =
            |label: &str, samples, changed, verdict, targets: &[(&str, usize)]| ClassReport {
                label: label.to_string(),
                outcomes: Outcomes::new(samples, changed, 0, 0, 0),
                verdict,
                targets: targets.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
                worst_part: None,
            };
        Report {
            header: Header::new(3),
            draws: 5,
            thresholds: Thresholds::default(),
            dataset: DatasetSummary {
                root: "data".to_string(),
                images: 30,
                classes: vec!["6".into(), "9".into(), "x".into()],
                skipped: vec![],
                ignored: 0,
                hidden: 0,
                format: crate::dataset::Format::Folder,
                split: None,
                files: Vec::new(),
                other_splits: Vec::new(),
                empty_classes: vec![],
                merged_folders: vec![],
                outside_manifest: vec![],
                reduced: vec![],
            },
            classifier: ClassifierSummary {
                kind: "template-ncc".to_string(),
                templates: 3,
                canonical: CanonicalSummary {
                    size: 32,
                    deslant: true,
                },
                margin: 0.03,
                baseline_accuracy: 2.0 / 3.0,
                per_class_accuracy: BTreeMap::from([
                    ("6".to_string(), 1.0),
                    ("9".to_string(), 1.0),
                    ("x".to_string(), 0.0),
                ]),
                confusions: vec![],
                destroyed: Some(crate::report::DestroyedFloor {
                    below: 0.75,
                    own_low: 0.9,
                    rival_median: 0.75,
                }),
                model: None,
            },
            pipeline: None,
            control: None,
            transforms: vec![TransformReport {
                spec: "rotate:180".to_string(),
                outcomes: Outcomes::new(20, 19, 0, 0, 0),
                verdict: Verdict::Unsafe,
                classes: vec![
                    class("6", 10, 10, Verdict::Unsafe, &[("9", 10)]),
                    class("9", 10, 9, Verdict::Unsafe, &[("6", 9)]),
                    class("x", 0, 0, Verdict::Safe, &[]),
                ],
                pairs: vec![
                    Pair {
                        from: "6".into(),
                        to: Some("9".into()),
                        count: 10,
                        rate: 1.0,
                    },
                    Pair {
                        from: "9".into(),
                        to: Some("6".into()),
                        count: 9,
                        rate: 0.9,
                    },
                ],
                parts: vec![],
                agreement: None,
            }],
        }
    }

    #[test]
    fn a_range_safe_on_average_names_the_part_that_is_not() {
        let mut report = report();
        let range = &mut report.transforms[0];
        range.spec = "rotate:-30..30".to_string();
        range.verdict = Verdict::Safe;
        for class in &mut range.classes {
            class.verdict = Verdict::Safe;
        }
        let part = |from: f64, to: f64, unsafe_for: &[&str], caution_for: &[&str]| PartReport {
            from,
            to,
            outcomes: Outcomes::new(10, 0, 0, 0, 0),
            verdict: Verdict::Safe,
            unsafe_for: unsafe_for.iter().map(|c| c.to_string()).collect(),
            caution_for: caution_for.iter().map(|c| c.to_string()).collect(),
        };
        range.parts = vec![
            part(-30.0, -10.0, &[], &["9"]),
            part(-10.0, 10.0, &[], &[]),
            part(10.0, 30.0, &["6"], &["9"]),
        ];
        let text = render_text(&report, Paint(false));
        assert!(
            text.contains(
                "  rotate:-30..30: safe on average; at -30..-10 caution for 9; \
                 at 10..30 unsafe for 6, caution for 9\n"
            ),
            "{text}"
        );
        assert!(text.contains("the label noise training sees"), "{text}");
        // A part no worse than the whole is not named.
        report.transforms[0].classes[1].verdict = Verdict::Caution;
        report.transforms[0].verdict = Verdict::Caution;
        let text = render_text(&report, Paint(false));
        assert!(
            text.contains("caution on average; at 10..30 unsafe for 6\n"),
            "{text}"
        );
    }

    #[test]
    fn destroyed_samples_and_the_control_have_their_own_columns_and_row() {
        let mut report = report();
        let mirrored = {
            let mut t = report.transforms[0].clone();
            t.spec = "hflip".to_string();
            t.pairs.insert(
                0,
                Pair {
                    from: "9".into(),
                    to: None,
                    count: 7,
                    rate: 0.7,
                },
            );
            t.outcomes.destroyed_rate = 0.25;
            t
        };
        // A control as noisy as an unsafe transformation still sets no verdict.
        let mut control = report.transforms[0].clone();
        control.spec = "affine:rotate=-2..2".to_string();
        report.transforms = vec![mirrored];
        report.control = Some(control);
        let safe = Report {
            transforms: vec![],
            ..report.clone()
        };
        assert_eq!(safe.worst_verdict(), Verdict::Safe);
        let text = String::from_utf8(TextExporter::default().render(&report).unwrap()).unwrap();
        assert!(text.contains("DESTROYED"), "{text}");
        let row = text.lines().find(|l| l.starts_with("hflip")).unwrap();
        assert!(
            row.contains("25.0%") && row.contains("9→∅ 7/10, 6→9 10/10"),
            "{row}"
        );
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("affine:rotate=-2..2"))
            .unwrap();
        assert!(
            lines[at - 1].starts_with("control (the judge's own noise"),
            "{text}"
        );
        assert!(lines[at].contains("noise") && !lines[at].contains("UNSAFE"));
        // The control is named in no verdict line.
        assert!(!text.contains("affine:rotate=-2..2 is"), "{text}");
        assert!(text.contains("best other-class score (0.750)"), "{text}");
    }

    #[test]
    fn long_lists_show_their_first_items_and_count_the_rest() {
        let classes: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let line = first_of(&classes, 3, " ");
        assert_eq!(line, "c0 c1 c2 … and 97 more (all in the JSON report)");
        assert_eq!(first_of(&classes[..3], 3, ", "), "c0, c1, c2");
        assert_eq!(first_of(&Vec::<String>::new(), 3, " "), "");
    }

    #[test]
    fn the_table_shows_verdicts_and_pairs_at_a_glance() {
        let text = String::from_utf8(TextExporter::default().render(&report()).unwrap()).unwrap();
        let row = text.lines().find(|l| l.starts_with("rotate:180")).unwrap();
        assert!(row.contains("UNSAFE"), "{row}");
        assert!(row.contains("95.0%"), "{row}");
        assert!(row.contains("6→9 10/10, 9→6 9/10"), "{row}");
        assert!(
            text.contains("rotate:180: unsafe for 2 classes: 6 9"),
            "{text}"
        );
        assert!(
            text.contains("not judged (no original recognised at baseline"),
            "{text}"
        );
        assert!(text.contains("baseline accuracy 66.7%"), "{text}");
    }
}
