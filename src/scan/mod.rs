//! A scan: the templates built from a dataset, its leave-one-out baseline, and every
//! transformation drawn on every recognised original and judged, summed up as a [`Report`].
//!
//! A [`Scan`] keeps the dataset, configuration and baseline that made its report, so the
//! example strips it finds afterwards ([`Scan::examples`]) are always draws that report
//! counted. [`measure`] and the summaries are the pieces `sweep` and `recommend` build on.

use crate::albumentations::Pipeline;
use crate::classify::ClassifierOptions;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::progress::{unless_stopped, Progress};
use crate::report::{ClassifierSummary, DatasetSummary, Header, Report, Thresholds};
use crate::transform::{Augment, Transform};

mod baseline;
mod draw;
mod examples;
mod judge;
#[cfg(feature = "onnx")]
mod model;
mod summary;
mod tally;

pub use baseline::{
    destroyed_floor, side_for, Baseline, LeaveOneOut, DESTROYED_QUANTILE, SMALL_ALPHABET,
};
pub use draw::measure;
pub use judge::Judge;
#[cfg(feature = "onnx")]
pub use judge::ModelReading;
#[cfg(feature = "onnx")]
pub use model::{measure_with_model, model_predictions};
pub use summary::{classifier_summary, dataset_summary, transform_report};
pub use tally::{
    discount_baseline_confusions, discount_judge_noise, judge_noise, lower_bound, part_z, Measured,
    PartTally, Tally, Z95,
};

/// Settings of a scan.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    /// The transformations to evaluate, in report order.
    pub transforms: Vec<Transform>,
    /// How many times a random transformation is drawn per image.
    pub draws: u32,
    /// The seed every random draw derives from.
    pub seed: u64,
    /// Change rates for caution and unsafe.
    pub thresholds: Thresholds,
    /// How far ahead another class must score (in correlation) for a change to count.
    pub margin: f32,
    /// Template classifier settings.
    pub classifier: ClassifierOptions,
    /// The control: a transformation no reader would call label-changing, scanned beside the
    /// others so that the report shows the judge's own noise ([`Report::control`]); `None`
    /// leaves it out. It never counts toward a verdict.
    pub control: Option<Transform>,
}

/// How many of a flagged transformation's most frequent pairs get example strips in a report.
pub const PAIRS_WITH_EXAMPLES: usize = 8;

/// The spec of the default control: a jitter of a pixel or so and a degree or two, which no
/// reader would call a change of label, and which resamples every glyph, as the
/// transformations it is compared with do.
pub const CONTROL_SPEC: &str = "affine:rotate=-2..2,translate=-0.04..0.04";

/// The default control, [`CONTROL_SPEC`].
pub fn default_control() -> Option<Transform> {
    CONTROL_SPEC.parse().ok()
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            transforms: crate::transform::default_set(),
            draws: 5,
            seed: 42,
            thresholds: Thresholds::default(),
            margin: 0.03,
            classifier: ClassifierOptions::default(),
            control: default_control(),
        }
    }
}

/// A finished scan: its report, and the dataset, configuration and baseline that made it.
pub struct Scan<'a> {
    dataset: &'a Dataset,
    pipeline: Option<&'a Pipeline>,
    extra: &'a [(String, &'a dyn Augment)],
    config: ScanConfig,
    baseline: Baseline,
    report: Report,
}

impl std::fmt::Debug for Scan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("dataset", &self.dataset.root)
            .field("pipeline", &self.pipeline)
            .field(
                "extra",
                &self.extra.iter().map(|e| &e.0).collect::<Vec<_>>(),
            )
            .field("config", &self.config)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl<'a> Scan<'a> {
    /// Scans a dataset: builds the classifier, measures its baseline, applies every
    /// transformation (random ones `draws` times per image) and counts the label changes.
    /// With a training pipeline, the pipeline as a whole comes first, then each of its
    /// geometric components on its own (applied every time, to see what it does when it
    /// fires), then the transformations of `config`; the report's `pipeline` section lists what
    /// was passed through or not evaluated, and the component to blame for each class the
    /// pipeline flags. `progress` is told the number of images finished so far. The result
    /// depends only on the inputs, never on the number of threads.
    ///
    /// # Errors
    /// [`crate::Error::Stopped`] when `progress` asked to stop (the only way a scan fails).
    pub fn run(
        dataset: &'a Dataset,
        config: &ScanConfig,
        pipeline: Option<&'a Pipeline>,
        progress: &dyn Progress,
    ) -> Result<Scan<'a>> {
        Scan::run_with(dataset, config, pipeline, &[], progress)
    }

    /// [`Scan::run`] with `extra` augmentations scanned after the transformations of `config`,
    /// each reported under its label: augmentations from outside the spec language (the
    /// Python package's callables). Each is drawn `draws` times when it says it is random.
    ///
    /// # Errors
    /// As [`Scan::run`].
    pub fn run_with(
        dataset: &'a Dataset,
        config: &ScanConfig,
        pipeline: Option<&'a Pipeline>,
        extra: &'a [(String, &'a dyn Augment)],
        progress: &dyn Progress,
    ) -> Result<Scan<'a>> {
        let baseline = Baseline::templates(dataset, &config.classifier);
        Scan::measured(dataset, baseline, config, pipeline, extra, progress)
    }

    /// [`Scan::run`] with templates built already. A baseline whose leave-one-out reading is
    /// not yet measured ([`Baseline::templates`]) is measured in the same pass as the
    /// transformations.
    ///
    /// # Errors
    /// As [`Scan::run`].
    pub fn with_baseline(
        dataset: &'a Dataset,
        baseline: Baseline,
        config: &ScanConfig,
        pipeline: Option<&'a Pipeline>,
        progress: &dyn Progress,
    ) -> Result<Scan<'a>> {
        Scan::measured(dataset, baseline, config, pipeline, &[], progress)
    }

    fn measured(
        dataset: &'a Dataset,
        mut baseline: Baseline,
        config: &ScanConfig,
        pipeline: Option<&'a Pipeline>,
        extra: &'a [(String, &'a dyn Augment)],
        progress: &dyn Progress,
    ) -> Result<Scan<'a>> {
        let (entries, control, augments) = drawn(config, pipeline, extra);
        let known = baseline.predictions(dataset);
        let (tallies, has_ink, predicted) = draw::measure_with(
            dataset,
            &baseline.classifier,
            baseline.judging_floor(),
            known,
            &augments,
            config,
            progress,
        );
        let (mut tallies, has_ink, predicted) =
            unless_stopped(progress, (tallies, has_ink, predicted))?;
        if known.is_none() {
            baseline.leave_one_out = Some(LeaveOneOut { has_ink, predicted });
        }
        let report = finish_report(
            dataset,
            config,
            pipeline,
            &entries,
            control,
            &mut tallies,
            &baseline.confusion_rates(dataset),
            dataset_summary(dataset, &baseline),
            classifier_summary(dataset, &baseline, config.margin),
        );
        Ok(Scan {
            dataset,
            pipeline,
            extra,
            config: config.clone(),
            baseline,
            report,
        })
    }

    /// The report.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The report, the rest let go.
    pub fn into_report(self) -> Report {
        self.report
    }

    /// The classifier and its baseline.
    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// The dataset scanned.
    pub fn dataset(&self) -> &'a Dataset {
        self.dataset
    }
}

/// Scans a dataset with the transformations of `config` (see [`Scan::run`]) and returns the
/// report alone.
///
/// # Errors
/// As [`Scan::run`].
pub fn scan(dataset: &Dataset, config: &ScanConfig, progress: &dyn Progress) -> Result<Report> {
    Scan::run(dataset, config, None, progress).map(Scan::into_report)
}

/// Scans a dataset with `judge` reading the glyphs (see [`Scan::run`] for what is scanned, and
/// [`Scan::run_with`] for the `extra` augmentations):
/// the judge's reading of the untransformed glyphs is taken already, so this draws every
/// transformation on the glyphs it reads correctly. [`Scan::run`] is the templates' own way,
/// which measures their baseline in the same pass and keeps what the example strips need.
///
/// # Errors
/// [`crate::Error::Model`] when running a model fails, [`crate::Error::Stopped`] when
/// `progress` asked to stop.
pub fn scan_judged(
    dataset: &Dataset,
    config: &ScanConfig,
    pipeline: Option<&Pipeline>,
    extra: &[(String, &dyn Augment)],
    judge: &Judge,
    progress: &dyn Progress,
) -> Result<Report> {
    let (entries, control, augments) = drawn(config, pipeline, extra);
    let mut tallies = judge.measure(dataset, &augments, config, progress)?;
    Ok(finish_report(
        dataset,
        config,
        pipeline,
        &entries,
        control,
        &mut tallies,
        &judge.confusion_rates(dataset),
        judge.dataset_summary(dataset),
        judge.classifier_summary(dataset, config),
    ))
}

/// The report of a scan from its tallies (one per entry, then the control's when `control`
/// names one), with what the judge already confuses untransformed (`confusion_rates`) and the
/// near ties it makes on its own under the control discounted: they are not the
/// transformations' doing.
#[allow(clippy::too_many_arguments)]
fn finish_report(
    dataset: &Dataset,
    config: &ScanConfig,
    pipeline: Option<&Pipeline>,
    entries: &[(String, &dyn Augment)],
    control: Option<String>,
    tallies: &mut [Measured],
    confusion_rates: &std::collections::BTreeMap<(usize, usize), f64>,
    read: DatasetSummary,
    classifier: ClassifierSummary,
) -> Report {
    let noise = (control.is_some())
        .then(|| {
            tallies
                .last()
                .map(|c| judge_noise(&c.classes, confusion_rates))
        })
        .flatten()
        .unwrap_or_default();
    for measured in tallies.iter_mut() {
        measured.discount(confusion_rates, &noise);
    }
    let report_of = |label: &str, measured: &Measured| {
        transform_report(label, measured, &dataset.classes, &config.thresholds)
    };
    let transforms = entries
        .iter()
        .zip(tallies.iter())
        .map(|((label, _), measured)| report_of(label, measured))
        .collect();
    let control = control
        .zip(tallies.get(entries.len()))
        .map(|(label, measured)| report_of(&label, measured));
    let mut report = Report {
        header: Header::new(config.seed),
        draws: config.draws,
        thresholds: config.thresholds,
        dataset: read,
        classifier,
        pipeline: None,
        transforms,
        control,
    };
    if let Some(pipeline) = pipeline {
        report.pipeline = Some(summary::pipeline_summary(dataset, pipeline, &report));
    }
    report
}

/// What a scan draws: its entries ([`entries`]), the control's label, and every
/// transformation in the order drawn. The control is drawn after every reported
/// transformation, so that adding it changes none of their draws.
#[allow(clippy::type_complexity)]
fn drawn<'c>(
    config: &'c ScanConfig,
    pipeline: Option<&'c Pipeline>,
    extra: &'c [(String, &'c dyn Augment)],
) -> (
    Vec<(String, &'c dyn Augment)>,
    Option<String>,
    Vec<&'c dyn Augment>,
) {
    let entries = entries(config, pipeline, extra);
    let control = config.control.as_ref();
    let augments = (entries.iter().map(|(_, a)| *a))
        .chain(control.map(|c| c as &dyn Augment))
        .collect();
    (entries, control.map(Transform::to_string), augments)
}

/// What a scan applies, labelled as its report rows are: with a pipeline, the pipeline as a
/// whole and then each of its geometric components on its own; then the transformations of
/// `config`, then the `extra` ones.
fn entries<'c>(
    config: &'c ScanConfig,
    pipeline: Option<&'c Pipeline>,
    extra: &'c [(String, &'c dyn Augment)],
) -> Vec<(String, &'c dyn Augment)> {
    let mut entries: Vec<(String, &dyn Augment)> = Vec::new();
    if let Some(pipeline) = pipeline {
        let name = pipeline.path.file_name().map_or_else(
            || "pipeline".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        entries.push((format!("pipeline:{name}"), pipeline));
        for leaf in pipeline.leaves() {
            entries.push((
                format!("{} p={}: {}", leaf.class, leaf.p, leaf.describe()),
                leaf,
            ));
        }
    }
    for transform in &config.transforms {
        entries.push((transform.to_string(), transform));
    }
    entries.extend(
        extra
            .iter()
            .map(|(label, augment)| (label.clone(), *augment)),
    );
    entries
}
