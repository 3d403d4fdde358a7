//! The report of a scan: per transformation and class, what changed into what.

use std::collections::BTreeMap;

use image::GrayImage;
use serde::Serialize;

use super::header::{ClassifierSummary, DatasetSummary, Header, Pair, Thresholds, Verdict};
use crate::albumentations::Format;

/// Everything a scan found; every output format is written from this one value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Schema version, tool and seed.
    #[serde(flatten)]
    pub header: Header,
    /// Random transformations were drawn this many times per image.
    pub draws: u32,
    /// The thresholds the verdicts used.
    pub thresholds: Thresholds,
    /// What was read.
    pub dataset: DatasetSummary,
    /// The classifier and how well it does without any transformation.
    pub classifier: ClassifierSummary,
    /// The training pipeline scanned, when one was (`scan --pipeline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineSummary>,
    /// One entry per transformation, in the order they were given (with a pipeline: the
    /// whole pipeline first, then each of its components).
    pub transforms: Vec<TransformReport>,
    /// The control: a transformation no reader would call label-changing, judged like the
    /// others, so its rates are the judge's own noise. Never part of a verdict or the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<TransformReport>,
}

/// A training pipeline read from a file, and what was made of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PipelineSummary {
    /// The file.
    pub file: String,
    /// `json` or `yaml`.
    pub format: Format,
    /// The Albumentations version that wrote it.
    pub albumentations_version: Option<String>,
    /// The same pipeline in augsafe's spec language, where it has one.
    pub spec: Option<String>,
    /// Its geometric transforms, each also evaluated on its own.
    pub components: Vec<ComponentSummary>,
    /// Photometric transforms: they move no ink and were passed through.
    pub passed_through: Vec<String>,
    /// Transforms augsafe does not model, left out.
    pub not_evaluated: Vec<NotEvaluated>,
    /// For each class the whole pipeline flags, the component that changes it most.
    pub blame: BTreeMap<String, Blame>,
}

/// One geometric transform of a pipeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentSummary {
    /// Where it sits, e.g. `Compose[0]/OneOf[1]/Rotate`.
    pub path: String,
    /// The Albumentations class.
    pub class: String,
    /// Its probability in the pipeline.
    pub p: f64,
    /// What augsafe applies, in its spec language (with the fill when not the background).
    pub spec: String,
    /// Where augsafe's version differs from Albumentations'.
    pub notes: Vec<String>,
    /// Its entry in `transforms` (evaluated on its own, every time).
    pub transform: usize,
}

/// A transform left out of the evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotEvaluated {
    /// The Albumentations class.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// The component that changes (or destroys) a class most.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Blame {
    /// Its path in the pipeline.
    pub component: String,
    /// Its loss rate for the class (changed and destroyed), on its own.
    pub loss_rate: f64,
}

/// What became of the transformed samples of a transformation, or of one class under it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Outcomes {
    /// Transformed samples judged (originals recognised at baseline, times draws).
    pub samples: usize,
    /// Samples that read as another class.
    pub changed: usize,
    /// Samples that read as no class at all, or were left without ink.
    pub destroyed: usize,
    /// Samples the classifier could not call (a near tie, or a baseline confusion).
    pub uncertain: usize,
    /// Of the near ties, those another class leads, clearly beyond the judge's own rate for
    /// the class under the control: doubt the transformation added, which counts toward
    /// caution.
    pub doubtful: usize,
    /// `changed / samples` (0 when there are no samples).
    pub change_rate: f64,
    /// `destroyed / samples`.
    pub destroyed_rate: f64,
    /// `(changed + destroyed) / samples`: the share whose label did not survive, which
    /// verdicts are read from.
    pub loss_rate: f64,
    /// `1 - loss_rate`: the share still read as their label. The samples are glyphs the judge
    /// read correctly untransformed, so this is the augmentation literature's affinity (accuracy
    /// on augmented glyphs over accuracy on clean ones); `null` without samples.
    pub affinity: Option<f64>,
}

impl Outcomes {
    /// The counts, and the rates that follow from them.
    pub fn new(
        samples: usize,
        changed: usize,
        destroyed: usize,
        uncertain: usize,
        doubtful: usize,
    ) -> Outcomes {
        Outcomes {
            samples,
            changed,
            destroyed,
            uncertain,
            doubtful,
            change_rate: rate(changed, samples),
            destroyed_rate: rate(destroyed, samples),
            loss_rate: rate(changed + destroyed, samples),
            affinity: (samples > 0).then(|| 1.0 - rate(changed + destroyed, samples)),
        }
    }

    /// `uncertain / samples` (0 when there are no samples).
    pub fn uncertain_rate(&self) -> f64 {
        rate(self.uncertain, self.samples)
    }

    /// `doubtful / samples` (0 when there are no samples).
    pub fn doubtful_rate(&self) -> f64 {
        rate(self.doubtful, self.samples)
    }
}

/// `count / samples`, 0 without samples: every rate in a report.
pub fn rate(count: usize, samples: usize) -> f64 {
    if samples == 0 {
        0.0
    } else {
        count as f64 / samples as f64
    }
}

/// What one transformation does to the dataset.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TransformReport {
    /// The transformation in spec syntax.
    pub spec: String,
    /// What became of its samples, all classes together.
    #[serde(flatten)]
    pub outcomes: Outcomes,
    /// The worst class's verdict.
    pub verdict: Verdict,
    /// Per class, in the order of the dataset's classes.
    pub classes: Vec<ClassReport>,
    /// Every from→to change and from→∅ loss, most frequent first.
    pub pairs: Vec<Pair>,
    /// For a random range drawn in equal parts (one per draw), each part and what it did; the
    /// verdicts above are over the whole range, the label noise training sees. Empty for other
    /// transformations.
    pub parts: Vec<PartReport>,
    /// With two judges, how the other judge's verdicts compare with these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

/// How a second judge's verdicts on a transformation compare with the report's own: where two
/// readers agree the verdict is solid; where they differ, look at the glyphs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    /// The other judge (`template-ncc`, `onnx`).
    pub judge: String,
    /// Its verdict on the whole transformation.
    pub verdict: Verdict,
    /// Classes both judges judged.
    pub classes: usize,
    /// Of those, the classes both gave the same verdict.
    pub agree: usize,
    /// `agree / classes` (1 when no class was judged by both).
    pub rate: f64,
    /// The classes they differ on, with both verdicts.
    pub differ: Vec<Disagreement>,
}

/// A class two judges gave different verdicts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Disagreement {
    /// The class.
    pub label: String,
    /// The report's own judge's verdict.
    pub verdict: Verdict,
    /// The other judge's verdict.
    pub other: Verdict,
}

impl Report {
    /// Sets every transformation's [`Agreement`] with the same transformation in `other`, a
    /// report of the same scan by another judge; the control gets one too.
    pub fn compare_with(&mut self, other: &Report) {
        let judge = other.classifier.kind.clone();
        let pairs = self
            .transforms
            .iter_mut()
            .zip(&other.transforms)
            .chain(self.control.as_mut().zip(other.control.as_ref()));
        for (mine, theirs) in pairs {
            if mine.spec != theirs.spec {
                continue;
            }
            let both: Vec<(&ClassReport, &ClassReport)> = mine
                .classes
                .iter()
                .zip(&theirs.classes)
                .filter(|(a, b)| {
                    a.label == b.label
                        && a.verdict != Verdict::NotJudged
                        && b.verdict != Verdict::NotJudged
                })
                .collect();
            let differ: Vec<Disagreement> = both
                .iter()
                .filter(|(a, b)| a.verdict != b.verdict)
                .map(|(a, b)| Disagreement {
                    label: a.label.clone(),
                    verdict: a.verdict,
                    other: b.verdict,
                })
                .collect();
            let agree = both.len() - differ.len();
            mine.agreement = Some(Agreement {
                judge: judge.clone(),
                verdict: theirs.verdict,
                classes: both.len(),
                agree,
                rate: if both.is_empty() {
                    1.0
                } else {
                    agree as f64 / both.len() as f64
                },
                differ,
            });
        }
    }
}

impl Agreement {
    /// The comparison in words, naming at most `limit` classes they differ on:
    /// `template-ncc judge: unsafe overall; same verdict for 8 of 10 classes (differ: 5 caution
    /// vs unsafe, 8 safe vs caution)`.
    pub fn describe(&self, limit: usize) -> String {
        let mut text = format!(
            "{} judge: {} overall; same verdict for {} of {} classes",
            self.judge,
            self.verdict.as_str(),
            self.agree,
            self.classes
        );
        if !self.differ.is_empty() {
            let listed: Vec<String> = (self.differ.iter().take(limit))
                .map(|d| format!("{} {} vs {}", d.label, d.verdict.as_str(), d.other.as_str()))
                .collect();
            text.push_str(&format!(" (differ: {}", listed.join(", ")));
            if self.differ.len() > limit {
                text.push_str(&format!(" and {} more", self.differ.len() - limit));
            }
            text.push(')');
        }
        text
    }
}

/// One of the equal parts a random range was drawn in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartReport {
    /// Where the part starts.
    pub from: f64,
    /// Where it ends.
    pub to: f64,
    /// What became of its samples, all classes together.
    #[serde(flatten)]
    pub outcomes: Outcomes,
    /// The worst class's verdict in this part, read from the lower end of each class's loss
    /// rate's 95% interval there (a part is a fraction of the samples and one of several, so
    /// only a part clearly worse is flagged).
    pub verdict: Verdict,
    /// The classes unsafe in this part.
    pub unsafe_for: Vec<String>,
    /// The classes caution in this part.
    pub caution_for: Vec<String>,
}

impl PartReport {
    /// The part's bounds as a range, `18..30`.
    pub fn range(&self) -> String {
        format!("{}..{}", self.from, self.to)
    }
}

/// The part of a range where a class fares worst.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorstPart {
    /// Where the part starts.
    pub from: f64,
    /// Where it ends.
    pub to: f64,
    /// The class's samples drawn from it.
    pub samples: usize,
    /// Their loss rate (changed and destroyed).
    pub loss_rate: f64,
    /// Their doubtful rate.
    pub doubtful_rate: f64,
    /// The class's verdict in that part alone, as [`PartReport::verdict`] reads it.
    pub verdict: Verdict,
}

/// What one transformation does to one class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassReport {
    /// The class label.
    pub label: String,
    /// What became of this class's samples.
    #[serde(flatten)]
    pub outcomes: Outcomes,
    /// The verdict for this class, read from its loss rate.
    pub verdict: Verdict,
    /// The classes its changed samples read as, with counts.
    pub targets: BTreeMap<String, usize>,
    /// For a range drawn in parts, the part where this class fares worst (`null` otherwise).
    pub worst_part: Option<WorstPart>,
}

/// One transformed glyph that read as another class, or as none (destroyed), with what the
/// classifier saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Index into the report's transforms.
    pub transform: usize,
    /// The true class.
    pub from: usize,
    /// The class it read as; for a glyph the templates destroyed, the class that won below the
    /// floor (for one a model judged destroyed, left without ink, `from`).
    pub to: usize,
    /// Whether it was destroyed: `to` won, but matched it too poorly to count as a change.
    pub destroyed: bool,
    /// Index of the original among the dataset's glyphs.
    pub glyph: usize,
    /// Which draw of the transformation.
    pub draw: u32,
    /// The original image.
    pub original: GrayImage,
    /// The transformed image, as training would see it.
    pub transformed: GrayImage,
    /// The transformed glyph as the judge saw it: in canonical form for the templates, at the
    /// model's input size for a model; ink bright on dark.
    pub canonical: GrayImage,
    /// The template of `to` it matched (`None` when a model judged: it has no templates).
    pub template: Option<GrayImage>,
    /// Whether the original is dark ink on a light background (the canonical form and the
    /// template are drawn the same way round when shown).
    pub dark_on_light: bool,
}

impl TransformReport {
    /// The parts of its range that are worse for some class than the whole range is: per
    /// such part, the classes flagged there beyond their verdict over the whole range, worst
    /// verdict first. What "safe on average" hides.
    pub fn worse_parts(&self) -> Vec<(&PartReport, Vec<(&str, Verdict)>)> {
        let average: BTreeMap<&str, Verdict> = (self.classes.iter())
            .map(|c| (c.label.as_str(), c.verdict))
            .collect();
        self.parts
            .iter()
            .filter_map(|part| {
                let flagged = (part.unsafe_for.iter().map(|c| (c, Verdict::Unsafe)))
                    .chain(part.caution_for.iter().map(|c| (c, Verdict::Caution)))
                    .filter(|(c, v)| average.get(c.as_str()).is_some_and(|a| a < v))
                    .map(|(c, v)| (c.as_str(), v))
                    .collect::<Vec<_>>();
                (!flagged.is_empty()).then_some((part, flagged))
            })
            .collect()
    }
}

impl TransformReport {
    /// [`TransformReport::worse_parts`] in words, naming up to `limit` classes per verdict:
    /// `at 18..30 unsafe for 1, caution for 7; at -30..-18 caution for 1`. `None` when no part
    /// is worse than the whole.
    pub fn worse_parts_text(&self, limit: usize) -> Option<String> {
        let parts = self.worse_parts();
        if parts.is_empty() {
            return None;
        }
        let named = |classes: Vec<&str>| {
            let mut text = classes
                .iter()
                .take(limit)
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            if classes.len() > limit {
                text.push_str(&format!(" and {} more", classes.len() - limit));
            }
            text
        };
        let phrases: Vec<String> = parts
            .into_iter()
            .map(|(part, flagged)| {
                let of = |verdict: Verdict| -> Vec<&str> {
                    (flagged.iter())
                        .filter(|(_, v)| *v == verdict)
                        .map(|(c, _)| *c)
                        .collect()
                };
                let verdicts: Vec<String> = [Verdict::Unsafe, Verdict::Caution]
                    .into_iter()
                    .map(|v| (v, of(v)))
                    .filter(|(_, classes)| !classes.is_empty())
                    .map(|(v, classes)| format!("{} for {}", v.as_str(), named(classes)))
                    .collect();
                format!("at {} {}", part.range(), verdicts.join(", "))
            })
            .collect();
        Some(phrases.join("; "))
    }
}

impl Report {
    /// The worst verdict of any transformation (safe when there are none).
    pub fn worst_verdict(&self) -> Verdict {
        self.transforms
            .iter()
            .map(|t| t.verdict)
            .max()
            .unwrap_or(Verdict::Safe)
    }

    /// The classes some transformation could not judge (no sample of theirs was read as its own
    /// class before it), sorted. Every transformation starts from the same originals, so in a
    /// scan these are the same classes for all of them.
    pub fn not_judged_classes(&self) -> Vec<&str> {
        let mut classes: Vec<&str> = (self.transforms.iter())
            .flat_map(|t| t.classes.iter())
            .filter(|c| c.verdict == Verdict::NotJudged)
            .map(|c| c.label.as_str())
            .collect();
        classes.sort_unstable();
        classes.dedup();
        classes
    }
}
