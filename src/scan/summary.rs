//! Summaries of what a scan read and measured, in the report's terms.

use std::collections::BTreeMap;

use super::baseline::Baseline;
use super::tally::{part_z, Measured, PartTally, Tally};
use crate::albumentations::Pipeline;
#[cfg(feature = "onnx")]
use crate::classify::model::ModelJudge;
use crate::dataset::{Dataset, Skipped};
use crate::report::{
    rate, Blame, CanonicalSummary, ClassReport, ClassifierSummary, ComponentSummary,
    DatasetSummary, NotEvaluated, Outcomes, Pair, PartReport, PipelineSummary, Report, Thresholds,
    TransformReport, Verdict, WorstPart,
};

/// What was read, for a report: images, classes, and every file that could not be used
/// (including images whose glyph has too little ink to classify).
pub fn dataset_summary(dataset: &Dataset, baseline: &Baseline) -> DatasetSummary {
    let has_ink = baseline
        .leave_one_out
        .as_ref()
        .map_or(&[][..], |l| &l.has_ink[..]);
    dataset_summary_with(dataset, has_ink)
}

/// [`dataset_summary`] with, per glyph, whether the judge found ink enough to read it.
pub(crate) fn dataset_summary_with(dataset: &Dataset, has_ink: &[bool]) -> DatasetSummary {
    let mut skipped = dataset.skipped.clone();
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
        format: dataset.format,
        split: dataset.split.clone(),
        files: (dataset.files.iter())
            .map(|f| f.display().to_string())
            .collect(),
        other_splits: dataset.other_splits.clone(),
        empty_classes: dataset.empty_classes.clone(),
        merged_folders: dataset.merged_folders.clone(),
        outside_manifest: dataset.outside_manifest.clone(),
        reduced: dataset.reduced.clone(),
    }
}

/// The classifier and its baseline, for a report.
pub fn classifier_summary(
    dataset: &Dataset,
    baseline: &Baseline,
    margin: f32,
) -> ClassifierSummary {
    let mut summary = reading_summary(
        dataset,
        baseline.predictions(dataset).unwrap_or_default(),
        margin,
    );
    summary.templates = baseline.classifier.template_count();
    summary.canonical = CanonicalSummary {
        size: baseline.classifier.form().side.pixels(),
        deslant: baseline.classifier.form().deslant,
    };
    summary.destroyed = baseline.floor;
    summary
}

/// The model judging a scan and what it reads of the untransformed images (`predicted`, one
/// class per glyph), for a report.
#[cfg(feature = "onnx")]
pub fn model_summary(
    dataset: &Dataset,
    judge: &ModelJudge,
    predicted: &[Option<usize>],
    margin: f32,
) -> ClassifierSummary {
    let mut summary = reading_summary(dataset, predicted, margin);
    summary.kind = "onnx".to_string();
    summary.canonical = CanonicalSummary {
        size: judge.input_side(),
        deslant: false,
    };
    summary.model = Some(judge.summary(&dataset.classes));
    summary
}

/// A judge's reading of the untransformed images: accuracy, per class and in all, and its
/// confusions (a template judge's, until the callers fill in what is theirs).
fn reading_summary(
    dataset: &Dataset,
    predicted: &[Option<usize>],
    margin: f32,
) -> ClassifierSummary {
    let classes = &dataset.classes;
    let counts = dataset.class_counts();
    let mut correct = vec![0usize; classes.len()];
    for (glyph, predicted) in dataset.glyphs.iter().zip(predicted) {
        if *predicted == Some(glyph.label) {
            correct[glyph.label] += 1;
        }
    }
    ClassifierSummary {
        kind: "template-ncc".to_string(),
        templates: 0,
        canonical: CanonicalSummary {
            size: 0,
            deslant: false,
        },
        margin,
        baseline_accuracy: rate(correct.iter().sum(), dataset.glyphs.len()),
        per_class_accuracy: classes
            .iter()
            .enumerate()
            .map(|(c, label)| (label.clone(), rate(correct[c], counts[c])))
            .collect(),
        confusions: sorted_pairs(
            &super::baseline::confusions(dataset, predicted)
                .into_iter()
                .map(|((from, to), count)| ((from, Some(to)), count))
                .collect(),
            classes,
            &counts,
        ),
        destroyed: None,
        model: None,
    }
}

/// The outcomes of `tallies`, all classes together.
fn outcomes_of(tallies: &[Tally]) -> Outcomes {
    let sum = |count: fn(&Tally) -> usize| tallies.iter().map(count).sum();
    Outcomes::new(
        sum(|t| t.samples),
        sum(|t| t.changed),
        sum(|t| t.destroyed),
        sum(|t| t.uncertain),
        sum(|t| t.doubtful),
    )
}

/// One transformation's report from what was measured of it, per class and per part of its
/// range.
pub fn transform_report(
    spec: &str,
    measured: &Measured,
    classes: &[String],
    thresholds: &Thresholds,
) -> TransformReport {
    let tallies = &measured.classes;
    let class_reports: Vec<ClassReport> = tallies
        .iter()
        .zip(classes)
        .enumerate()
        .map(|(class, (tally, label))| ClassReport {
            label: label.clone(),
            outcomes: outcomes_of(std::slice::from_ref(tally)),
            verdict: tally.verdict(thresholds),
            targets: tally
                .targets
                .iter()
                .map(|(&to, &count)| (classes[to].clone(), count))
                .collect(),
            worst_part: worst_part(measured, class, thresholds),
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
    let verdict = class_reports
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::NotJudged);
    let z = part_z(measured.parts.len());
    let parts = (measured.parts.iter())
        .map(|part| {
            let verdicts: Vec<Verdict> = part
                .classes
                .iter()
                .map(|t| t.part_verdict(thresholds, z))
                .collect();
            let with = |wanted: Verdict| -> Vec<String> {
                (classes.iter().zip(&verdicts))
                    .filter(|(_, &v)| v == wanted)
                    .map(|(c, _)| c.clone())
                    .collect()
            };
            PartReport {
                from: part.from,
                to: part.to,
                outcomes: outcomes_of(&part.classes),
                verdict: verdicts.iter().copied().max().unwrap_or(Verdict::NotJudged),
                unsafe_for: with(Verdict::Unsafe),
                caution_for: with(Verdict::Caution),
            }
        })
        .collect();
    TransformReport {
        spec: spec.to_string(),
        outcomes: outcomes_of(tallies),
        verdict,
        classes: class_reports,
        pairs: sorted_pairs(&pair_counts, classes, &samples_per_class),
        parts,
        agreement: None,
    }
}

/// The part of the range where `class` fares worst: the highest loss rate with half the
/// doubtful rate, as verdicts weigh them (the first such part on a tie); `None` without parts
/// or samples.
fn worst_part(measured: &Measured, class: usize, thresholds: &Thresholds) -> Option<WorstPart> {
    let weight = |t: &Tally| t.loss_rate() + t.doubtful_rate() / 2.0;
    (measured.parts.iter())
        .filter_map(|part| Some((part, part.classes.get(class)?)))
        .filter(|(_, tally)| tally.samples > 0)
        .fold(
            None,
            |worst: Option<(&PartTally, &Tally)>, (part, tally)| match worst {
                Some((_, w)) if weight(w) >= weight(tally) => worst,
                _ => Some((part, tally)),
            },
        )
        .map(|(part, tally)| WorstPart {
            from: part.from,
            to: part.to,
            samples: tally.samples,
            loss_rate: tally.loss_rate(),
            doubtful_rate: tally.doubtful_rate(),
            verdict: tally.part_verdict(thresholds, part_z(measured.parts.len())),
        })
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
