//! Who reads the glyphs of a sweep or a recommendation: the templates built from the dataset,
//! or the user's own model. Both answer the same questions (what each transformation does to
//! the glyphs they read correctly untransformed, and what they confuse on their own), so
//! `sweep` and `recommend` are written once for either.

use std::collections::BTreeMap;

use super::baseline::Baseline;
use super::draw::measure;
use super::examples::template_examples;
use super::summary::{classifier_summary, dataset_summary};
use super::tally::Measured;
use super::ScanConfig;
use crate::albumentations::Pipeline;
#[cfg(feature = "onnx")]
use crate::classify::model::ModelJudge;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::progress::{unless_stopped, Progress};
use crate::report::{ClassifierSummary, DatasetSummary, Example, Report};
use crate::transform::Augment;

/// The judge of a sweep or a recommendation, with its reading of the untransformed glyphs.
#[derive(Debug)]
pub enum Judge {
    /// Templates built from the dataset, with their leave-one-out baseline.
    Templates(Baseline),
    /// The user's model.
    #[cfg(feature = "onnx")]
    Model(ModelReading),
}

/// A model as a judge, with what it reads of every untransformed glyph.
#[cfg(feature = "onnx")]
#[derive(Debug)]
pub struct ModelReading {
    /// The model.
    pub model: ModelJudge,
    /// Per glyph of the dataset, the class the model reads.
    pub predicted: Vec<Option<usize>>,
    /// How far (in probability) another class must lead for a change to count.
    pub margin: f32,
}

impl Judge {
    /// The templates of `dataset`, its baseline measured.
    pub fn templates(dataset: &Dataset, config: &ScanConfig) -> Judge {
        Judge::Templates(Baseline::build(dataset, &config.classifier))
    }

    /// `model` as the judge of `dataset`, its reading of the untransformed glyphs taken.
    ///
    /// # Errors
    /// [`crate::Error::Model`] when running the model fails.
    #[cfg(feature = "onnx")]
    pub fn model(dataset: &Dataset, model: ModelJudge, margin: f32) -> Result<Judge> {
        let predicted = super::model::model_predictions(dataset, &model)?;
        Ok(Judge::Model(ModelReading {
            model,
            predicted,
            margin,
        }))
    }

    /// What each of `transforms` does to the glyphs the judge reads correctly untransformed,
    /// before any discount (see [`measure`]).
    ///
    /// # Errors
    /// [`crate::Error::Model`] when running the model fails (the templates never fail),
    /// [`crate::Error::Stopped`] when `progress` asked to stop.
    pub fn measure(
        &self,
        dataset: &Dataset,
        transforms: &[&dyn Augment],
        config: &ScanConfig,
        progress: &dyn Progress,
    ) -> Result<Vec<Measured>> {
        match self {
            Judge::Templates(baseline) => {
                let measured = measure(dataset, baseline, transforms, config, progress);
                unless_stopped(progress, measured)
            }
            #[cfg(feature = "onnx")]
            Judge::Model(reading) => super::model::measure_with_model(
                dataset,
                &reading.model,
                &reading.predicted,
                transforms,
                config,
                reading.margin,
                progress,
            ),
        }
    }

    /// Per (true class, read class), the share of the true class's untransformed glyphs the
    /// judge reads as the other.
    pub fn confusion_rates(&self, dataset: &Dataset) -> BTreeMap<(usize, usize), f64> {
        match self {
            Judge::Templates(baseline) => baseline.confusion_rates(dataset),
            #[cfg(feature = "onnx")]
            Judge::Model(reading) => super::baseline::confusion_rates(dataset, &reading.predicted),
        }
    }

    /// What was read, for a report.
    pub fn dataset_summary(&self, dataset: &Dataset) -> DatasetSummary {
        match self {
            Judge::Templates(baseline) => dataset_summary(dataset, baseline),
            #[cfg(feature = "onnx")]
            Judge::Model(_) => {
                super::summary::dataset_summary_with(dataset, &vec![true; dataset.glyphs.len()])
            }
        }
    }

    /// The judge and its reading of the untransformed glyphs, for a report (`config.margin` is
    /// the templates'; a model has its own).
    pub fn classifier_summary(&self, dataset: &Dataset, config: &ScanConfig) -> ClassifierSummary {
        match self {
            Judge::Templates(baseline) => classifier_summary(dataset, baseline, config.margin),
            #[cfg(feature = "onnx")]
            Judge::Model(reading) => super::summary::model_summary(
                dataset,
                &reading.model,
                &reading.predicted,
                reading.margin,
            ),
        }
    }

    /// Example strips of `report`, which this judge made of `dataset` with `config` and
    /// `pipeline` and `extra` ([`super::scan_judged`]): `(per_pair, pairs_per_transform)` as
    /// for [`super::Scan::examples`].
    ///
    /// # Errors
    /// [`crate::Error::Model`] when running a model fails.
    pub fn examples(
        &self,
        dataset: &Dataset,
        config: &ScanConfig,
        pipeline: Option<&Pipeline>,
        extra: &[(String, &dyn Augment)],
        report: &Report,
        counts: (usize, usize),
    ) -> Result<Vec<Example>> {
        match self {
            Judge::Templates(baseline) => Ok(template_examples(
                dataset, baseline, config, pipeline, extra, report, counts,
            )),
            #[cfg(feature = "onnx")]
            Judge::Model(reading) => super::model::model_examples(
                dataset, config, pipeline, extra, reading, report, counts,
            ),
        }
    }
}
