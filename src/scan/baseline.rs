//! The classifier built from a dataset, and what it makes of the untransformed images.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::draw::IMAGES_PER_BATCH;
use super::tally::rate;
use crate::classify::{ClassifierOptions, GlyphBatch, Query, TemplateClassifier};
use crate::dataset::Dataset;
use crate::normalize::{centred_into, normalize_with, CANONICAL_DIM};

/// The classifier built from a dataset, with its leave-one-out reading of the untransformed
/// images once that has been measured.
#[derive(Debug)]
pub struct Baseline {
    /// The classifier.
    pub classifier: TemplateClassifier,
    /// The leave-one-out reading of every glyph; `None` until measured.
    pub leave_one_out: Option<LeaveOneOut>,
}

/// What the classifier makes of each glyph with the glyph left out of its own template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaveOneOut {
    /// Per glyph of the dataset: whether it has ink enough to classify.
    pub has_ink: Vec<bool>,
    /// Per glyph: the class predicted with the glyph left out of its own template.
    pub predicted: Vec<Option<usize>>,
}

impl Baseline {
    /// Normalises every glyph, builds the templates and classifies each glyph leave-one-out.
    /// Feature vectors are made class by class and again for the leave-one-out pass rather
    /// than kept, so memory stays near the size of the images themselves.
    pub fn build(dataset: &Dataset, options: &ClassifierOptions) -> Baseline {
        let mut baseline = Baseline::templates(dataset, options);
        let indices: Vec<usize> = (0..dataset.glyphs.len()).collect();
        let classifier = &baseline.classifier;
        let (has_ink, predicted) = indices
            .par_chunks(IMAGES_PER_BATCH)
            .map_init(
                || (GlyphBatch::new(), Vec::new()),
                |(batch, originals), chunk| {
                    classify_left_out(dataset, classifier, chunk, batch, originals)
                },
            )
            .flatten_iter()
            .unzip();
        baseline.leave_one_out = Some(LeaveOneOut { has_ink, predicted });
        baseline
    }

    /// The templates alone: the leave-one-out baseline is still to be measured (a scan
    /// measures it in the same pass as the transformations).
    pub fn templates(dataset: &Dataset, options: &ClassifierOptions) -> Baseline {
        let features_of = |index: usize| -> Option<Vec<f32>> {
            normalize_with(&dataset.glyphs[index].image, options.form).map(|c| c.features())
        };
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); dataset.classes.len()];
        for (index, glyph) in dataset.glyphs.iter().enumerate() {
            members[glyph.label].push(index);
        }
        let classifier = TemplateClassifier::build_by_class(
            dataset.classes.len(),
            dataset.glyphs.len(),
            options,
            |class| {
                members[class]
                    .par_iter()
                    .filter_map(|&index| features_of(index).map(|f| (index, f)))
                    .collect()
            },
        );
        Baseline {
            classifier,
            leave_one_out: None,
        }
    }

    /// The leave-one-out predictions, once measured for every glyph of `dataset`.
    pub fn predictions(&self, dataset: &Dataset) -> Option<&[Option<usize>]> {
        self.leave_one_out
            .as_ref()
            .filter(|l| {
                l.predicted.len() == dataset.glyphs.len() && l.has_ink.len() == dataset.glyphs.len()
            })
            .map(|l| &l.predicted[..])
    }

    /// Whether glyph `index` was recognised as its own class at baseline (false before the
    /// baseline is measured).
    pub fn is_correct(&self, dataset: &Dataset, index: usize) -> bool {
        self.predictions(dataset)
            .and_then(|p| p.get(index).copied().flatten())
            .is_some_and(|p| p == dataset.glyphs[index].label)
    }

    /// Per (true class, predicted class), the share of the true class's glyphs read as the other.
    pub fn confusion_rates(&self, dataset: &Dataset) -> BTreeMap<(usize, usize), f64> {
        let counts = dataset.class_counts();
        self.confusions(dataset)
            .into_iter()
            .map(|((from, to), count)| ((from, to), rate(count, counts[from])))
            .collect()
    }

    /// Baseline confusion counts, (true class, predicted class) → glyphs.
    pub fn confusions(&self, dataset: &Dataset) -> BTreeMap<(usize, usize), usize> {
        let mut confusions = BTreeMap::new();
        let predicted = self.predictions(dataset).unwrap_or_default();
        for (glyph, predicted) in dataset.glyphs.iter().zip(predicted) {
            if let Some(p) = *predicted {
                if p != glyph.label {
                    *confusions.entry((glyph.label, p)).or_default() += 1;
                }
            }
        }
        confusions
    }
}

/// Classifies a chunk of glyphs leave-one-out: per glyph, whether it has ink and the class it
/// reads as with itself taken out of its template. Their centred forms (see
/// [`centred_into`]) are left in `originals`, [`CANONICAL_DIM`] values each, for the square
/// symmetries to move.
pub(super) fn classify_left_out(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    chunk: &[usize],
    batch: &mut GlyphBatch,
    originals: &mut Vec<f32>,
) -> Vec<(bool, Option<usize>)> {
    batch.clear();
    originals.resize(chunk.len() * CANONICAL_DIM, 0.0);
    let form = classifier.form();
    let mut finished = Vec::with_capacity(CANONICAL_DIM);
    let queries: Vec<Query> = chunk
        .iter()
        .zip(originals.chunks_exact_mut(CANONICAL_DIM))
        .map(|(&index, pixels)| {
            let glyph = &dataset.glyphs[index];
            let has_ink = centred_into(&glyph.image, pixels);
            Query {
                row: has_ink.then(|| {
                    finished.clear();
                    finished.extend_from_slice(pixels);
                    form.finish(&mut finished);
                    batch.push_pixels(&finished)
                }),
                sample: Some(index),
                overlap: 1.0,
                label: glyph.label,
            }
        })
        .collect();
    let predictions = classifier.predict_batch(batch, &queries);
    queries
        .iter()
        .zip(predictions)
        .map(|(q, p)| (q.row.is_some(), p))
        .collect()
}
