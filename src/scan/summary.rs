//! Summaries of what a scan read and measured, in the report's terms.

use std::collections::BTreeMap;

use super::baseline::Baseline;
use super::tally::Tally;
use crate::albumentations::Pipeline;
use crate::dataset::{Dataset, Skipped};
use crate::report::{
    rate, Blame, CanonicalSummary, ClassReport, ClassifierSummary, ComponentSummary,
    DatasetSummary, NotEvaluated, Outcomes, Pair, PipelineSummary, Report, Thresholds,
    TransformReport, Verdict,
};

/// What was read, for a report: images, classes, and every file that could not be used
/// (including images whose glyph has too little ink to classify).
pub fn dataset_summary(dataset: &Dataset, baseline: &Baseline) -> DatasetSummary {
    let mut skipped = dataset.skipped.clone();
    let has_ink = baseline
        .leave_one_out
        .as_ref()
        .map_or(&[][..], |l| &l.has_ink[..]);
    for (glyph, &has_ink) in dataset.glyphs.iter().zip(has_ink) {
        if !has_ink {
            skipped.push(Skipped {
                path: glyph.path.clone(),
                reason: "no glyph: too little ink to classify".to_string(),
            });
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    DatasetSummary {
        root: dataset.root.display().to_string(),
        images: dataset.glyphs.len(),
        classes: dataset.classes.clone(),
        skipped,
        ignored: dataset.ignored,
        hidden: dataset.hidden,
        files: (dataset.files.iter())
            .map(|f| f.display().to_string())
            .collect(),
        other_splits: dataset.other_splits.clone(),
        empty_classes: dataset.empty_classes.clone(),
    }
}

/// The classifier and its baseline, for a report.
pub fn classifier_summary(
    dataset: &Dataset,
    baseline: &Baseline,
    margin: f32,
) -> ClassifierSummary {
    let classes = &dataset.classes;
    let counts = dataset.class_counts();
    let mut correct = vec![0usize; classes.len()];
    for (index, glyph) in dataset.glyphs.iter().enumerate() {
        if baseline.is_correct(dataset, index) {
            correct[glyph.label] += 1;
        }
    }
    ClassifierSummary {
        kind: "template-ncc".to_string(),
        templates: baseline.classifier.template_count(),
        canonical: CanonicalSummary {
            size: baseline.classifier.form().side.pixels(),
            deslant: baseline.classifier.form().deslant,
        },
        margin,
        baseline_accuracy: rate(correct.iter().sum(), dataset.glyphs.len()),
        per_class_accuracy: classes
            .iter()
            .enumerate()
            .map(|(c, label)| (label.clone(), rate(correct[c], counts[c])))
            .collect(),
        confusions: sorted_pairs(
            &baseline
                .confusions(dataset)
                .into_iter()
                .map(|((from, to), count)| ((from, Some(to)), count))
                .collect(),
            classes,
            &counts,
        ),
        destroyed: baseline.floor,
    }
}

/// One transformation's report from its per-class tallies.
pub fn transform_report(
    spec: &str,
    tallies: &[Tally],
    classes: &[String],
    thresholds: &Thresholds,
) -> TransformReport {
    let class_reports: Vec<ClassReport> = tallies
        .iter()
        .zip(classes)
        .map(|(tally, label)| {
            let outcomes = Outcomes::new(
                tally.samples,
                tally.changed,
                tally.destroyed,
                tally.uncertain,
                tally.doubtful,
            );
            ClassReport {
                label: label.clone(),
                outcomes,
                verdict: tally.verdict(thresholds),
                targets: tally
                    .targets
                    .iter()
                    .map(|(&to, &count)| (classes[to].clone(), count))
                    .collect(),
            }
        })
        .collect();
    let mut pair_counts = BTreeMap::new();
    for (from, tally) in tallies.iter().enumerate() {
        for (&to, &count) in &tally.targets {
            pair_counts.insert((from, Some(to)), count);
        }
        if tally.destroyed > 0 {
            pair_counts.insert((from, None), tally.destroyed);
        }
    }
    let samples_per_class: Vec<usize> = tallies.iter().map(|t| t.samples).collect();
    let samples = samples_per_class.iter().sum();
    let changed = tallies.iter().map(|t| t.changed).sum();
    let destroyed = tallies.iter().map(|t| t.destroyed).sum();
    let verdict = class_reports
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::NotJudged);
    TransformReport {
        spec: spec.to_string(),
        outcomes: Outcomes::new(
            samples,
            changed,
            destroyed,
            tallies.iter().map(|t| t.uncertain).sum(),
            tallies.iter().map(|t| t.doubtful).sum(),
        ),
        verdict,
        classes: class_reports,
        pairs: sorted_pairs(&pair_counts, classes, &samples_per_class),
    }
}

/// From→to counts as pairs (to `None`: destroyed), most frequent first, then by class order
/// (a class's destroyed samples before its changes).
fn sorted_pairs(
    counts: &BTreeMap<(usize, Option<usize>), usize>,
    classes: &[String],
    samples: &[usize],
) -> Vec<Pair> {
    let mut pairs: Vec<(&(usize, Option<usize>), &usize)> = counts.iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    pairs
        .into_iter()
        .map(|(&(from, to), &count)| Pair {
            from: classes[from].clone(),
            to: to.map(|to| classes[to].clone()),
            count,
            rate: rate(count, samples[from]),
        })
        .collect()
}

/// The pipeline section of a report: its components (each also scanned on its own, as the
/// report's entries after the whole), what was passed through or left out, and for every class
/// the whole pipeline flags, the component that changes it most.
pub(super) fn pipeline_summary(
    dataset: &Dataset,
    pipeline: &Pipeline,
    report: &Report,
) -> PipelineSummary {
    let leaves = pipeline.leaves();
    let background = dataset.background();
    let components: Vec<ComponentSummary> = leaves
        .iter()
        .enumerate()
        .map(|(i, leaf)| {
            let mut notes = leaf.notes.clone();
            if let Some(fill) = leaf.ink_fill(background) {
                notes.push(format!(
                    "it fills with {fill} on images whose background is {background}: that fill reads as ink \
                     (augsafe recommend sets it to the background)"
                ));
            }
            ComponentSummary {
                path: leaf.path.clone(),
                class: leaf.class.clone(),
                p: leaf.p,
                spec: leaf.describe(),
                notes,
                transform: i + 1,
            }
        })
        .collect();
    let mut blame = BTreeMap::new();
    if let Some(whole) = report.transforms.first() {
        for (c, class) in whole.classes.iter().enumerate() {
            if class.verdict == Verdict::Safe {
                continue;
            }
            let culprit = components
                .iter()
                .map(|component| {
                    (
                        component,
                        report.transforms[component.transform].classes[c]
                            .outcomes
                            .loss_rate,
                    )
                })
                .filter(|(_, rate)| *rate > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((component, rate)) = culprit {
                blame.insert(
                    class.label.clone(),
                    Blame {
                        component: component.path.clone(),
                        loss_rate: rate,
                    },
                );
            }
        }
    }
    PipelineSummary {
        file: pipeline.path.display().to_string(),
        format: pipeline.format,
        albumentations_version: pipeline.version.clone(),
        spec: pipeline.to_spec(Some(dataset.background())),
        components,
        passed_through: pipeline.passed_through(),
        not_evaluated: pipeline
            .not_evaluated()
            .into_iter()
            .map(|(name, reason)| NotEvaluated { name, reason })
            .collect(),
        blame,
    }
}
