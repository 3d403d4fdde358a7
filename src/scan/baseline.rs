//! The classifier built from a dataset, and what it makes of the untransformed images.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::draw::IMAGES_PER_BATCH;
use crate::classify::{ClassifierOptions, GlyphBatch, Query, TemplateClassifier};
use crate::dataset::Dataset;
use crate::normalize::{centred_into, normalize_with, Side};
use crate::report::{rate, DestroyedFloor};

/// The share of correctly read untransformed glyphs whose own-class score may lie below the
/// destroyed floor (see [`destroyed_floor`]).
pub const DESTROYED_QUANTILE: f64 = 0.01;

/// The floor is measured on at most this many untransformed glyphs, spread evenly over the
/// dataset (exact scores for each; the quantile needs no more).
const FLOOR_SAMPLES: usize = 4096;

/// The classifier built from a dataset, with its leave-one-out reading of the untransformed
/// images once that has been measured.
#[derive(Debug)]
pub struct Baseline {
    /// The classifier.
    pub classifier: TemplateClassifier,
    /// A transformed glyph that another class wins with a score below `floor.below` is
    /// destroyed (see [`destroyed_floor`]). `None` when no glyph was read correctly.
    pub floor: Option<DestroyedFloor>,
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
    /// measures it in the same pass as the transformations). With
    /// [`ClassifierOptions::side_from_dataset`], the canonical side is [`side_for`] the dataset.
    pub fn templates(dataset: &Dataset, options: &ClassifierOptions) -> Baseline {
        let mut options = *options;
        if options.side_from_dataset {
            options.form.side = side_for(dataset);
        }
        let options = &options;
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
        let floor = destroyed_floor(dataset, &classifier, DESTROYED_QUANTILE);
        Baseline {
            classifier,
            floor,
            leave_one_out: None,
        }
    }

    /// [`Baseline::floor`] as the judge takes it: minus infinity (nothing is destroyed but an
    /// empty glyph) when there is none.
    pub fn judging_floor(&self) -> f32 {
        self.floor.map_or(f32::NEG_INFINITY, |floor| floor.below)
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
        confusion_rates(dataset, self.predictions(dataset).unwrap_or_default())
    }

    /// Baseline confusion counts, (true class, predicted class) → glyphs.
    pub fn confusions(&self, dataset: &Dataset) -> BTreeMap<(usize, usize), usize> {
        confusions(dataset, self.predictions(dataset).unwrap_or_default())
    }
}

/// Per (true class, predicted class), the share of the true class's glyphs that a judge's
/// `predicted` classes (one per glyph of `dataset`) read as the other.
pub fn confusion_rates(
    dataset: &Dataset,
    predicted: &[Option<usize>],
) -> BTreeMap<(usize, usize), f64> {
    let counts = dataset.class_counts();
    confusions(dataset, predicted)
        .into_iter()
        .map(|((from, to), count)| ((from, to), rate(count, counts[from])))
        .collect()
}

/// Confusion counts of a judge's `predicted` classes, (true class, predicted class) → glyphs.
pub fn confusions(
    dataset: &Dataset,
    predicted: &[Option<usize>],
) -> BTreeMap<(usize, usize), usize> {
    let mut confusions = BTreeMap::new();
    for (glyph, predicted) in dataset.glyphs.iter().zip(predicted) {
        if let Some(p) = *predicted {
            if p != glyph.label {
                *confusions.entry((glyph.label, p)).or_default() += 1;
            }
        }
    }
    confusions
}

/// The score below which a glyph matches no class well, measured on the untransformed glyphs
/// the classifier reads correctly, each scored exactly with itself left out of its own template
/// as the baseline reads it: the lower of the `quantile` of their own-class scores (real glyphs
/// almost never match their own class worse) and the median of their best other-class scores
/// (how well a glyph matches a class it is not). A glyph below both matches its best class no
/// better than glyphs typically match a wrong one, and worse than nearly every real glyph
/// matches its own. Fonts rendered alike score their own class near 1, a bar that transformed
/// glyphs rarely clear even when they keep their class, so there the second decides; real
/// handwriting scores lower and there the first does.
/// Measured on up to 4,096 glyphs spread evenly over the dataset; `None` when none is read
/// correctly.
pub fn destroyed_floor(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    quantile: f64,
) -> Option<DestroyedFloor> {
    let n = dataset.glyphs.len();
    let chosen: Vec<usize> = (0..n).step_by(n.div_ceil(FLOOR_SAMPLES).max(1)).collect();
    let (mut own, mut rival): (Vec<f32>, Vec<f32>) = chosen
        .par_chunks(IMAGES_PER_BATCH * 8)
        .map_init(GlyphBatch::new, |batch, chunk| {
            batch.clear();
            let queries: Vec<Query> = chunk
                .iter()
                .map(|&index| {
                    let glyph = &dataset.glyphs[index];
                    Query {
                        row: batch.push_image(&glyph.image, classifier.form()),
                        sample: Some(index),
                        overlap: 1.0,
                        label: glyph.label,
                    }
                })
                .collect();
            let scores = classifier.own_and_rival_batch(batch, &queries);
            (queries.iter().zip(scores))
                .filter(|(query, s)| {
                    let correct = s.predicted == Some(query.label);
                    query.row.is_some() && correct && s.own.is_finite() && s.rival.is_finite()
                })
                .map(|(_, s)| (s.own, s.rival))
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .unzip();
    let own_low = quantile_of(&mut own, quantile)?;
    let rival_median = quantile_of(&mut rival, 0.5)?;
    Some(DestroyedFloor {
        below: own_low.min(rival_median),
        own_low,
        rival_median,
    })
}

/// The value at rank ⌊`quantile` × n⌋ of `values` in ascending order; `None` for none.
fn quantile_of(values: &mut [f32], quantile: f64) -> Option<f32> {
    values.sort_by(f32::total_cmp);
    let rank = (quantile.clamp(0.0, 1.0) * values.len() as f64).floor() as usize;
    values
        .get(rank.min(values.len().saturating_sub(1)))
        .copied()
}

/// Alphabets of more classes than this get a canonical side to suit their images.
pub const SMALL_ALPHABET: usize = 256;

/// The canonical side for a dataset. Up to [`SMALL_ALPHABET`] classes (digits, Latin and
/// other alphabets), 32: what tells their glyphs apart survives it, and a larger side costs
/// the square of its growth in every comparison. Larger alphabets (CJK) differ in strokes that
/// blur together at 32, so they get the side nearest their images' median size (the larger of
/// width and height), 48 from 40 pixels and 64 from 56: a side above the images' own adds
/// nothing.
pub fn side_for(dataset: &Dataset) -> Side {
    if dataset.classes.len() <= SMALL_ALPHABET {
        return Side::S32;
    }
    let mut sizes: Vec<u32> = (dataset.glyphs.iter())
        .map(|g| g.image.pixels.width().max(g.image.pixels.height()))
        .collect();
    sizes.sort_unstable();
    match sizes.get(sizes.len() / 2).copied().unwrap_or(0) {
        56.. => Side::S64,
        40.. => Side::S48,
        _ => Side::S32,
    }
}

/// Classifies a chunk of glyphs leave-one-out: per glyph, whether it has ink and the class it
/// reads as with itself taken out of its template. Their centred forms (see
/// [`centred_into`]) are left in `originals`, [`dim`](crate::normalize::Form::dim) values
/// each, for the square symmetries to move.
pub(super) fn classify_left_out(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    chunk: &[usize],
    batch: &mut GlyphBatch,
    originals: &mut Vec<f32>,
) -> Vec<(bool, Option<usize>)> {
    batch.clear();
    let form = classifier.form();
    let dim = form.dim();
    originals.resize(chunk.len() * dim, 0.0);
    let mut finished = Vec::with_capacity(dim);
    let queries: Vec<Query> = chunk
        .iter()
        .zip(originals.chunks_exact_mut(dim))
        .map(|(&index, pixels)| {
            let glyph = &dataset.glyphs[index];
            let has_ink = centred_into(&glyph.image, form.side, pixels);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Glyph;
    use crate::glyph::{GlyphImage, Polarity};

    /// A dataset of `classes` classes, one blank `w`×`h` image each.
    fn dataset(classes: usize, w: u32, h: u32) -> Dataset {
        Dataset {
            root: "made".into(),
            classes: (0..classes).map(|c| c.to_string()).collect(),
            glyphs: (0..classes)
                .map(|label| Glyph {
                    label,
                    path: format!("{label}.png").into(),
                    image: GlyphImage::new(image::GrayImage::new(w, h), 0, Polarity::LightOnDark),
                })
                .collect(),
            skipped: Vec::new(),
            ignored: 0,
            hidden: 0,
            files: Vec::new(),
            other_splits: Vec::new(),
            empty_classes: Vec::new(),
            merged_folders: Vec::new(),
            outside_manifest: Vec::new(),
            reduced: Vec::new(),
            format: crate::dataset::Format::Memory,
            split: None,
        }
    }

    #[test]
    fn small_alphabets_stay_at_32_and_large_ones_follow_their_images() {
        // Digits and Latin letters: 32 whatever their images' size.
        assert_eq!(side_for(&dataset(62, 128, 128)), Side::S32);
        assert_eq!(side_for(&dataset(SMALL_ALPHABET, 64, 64)), Side::S32);
        // Thousands of classes: the side nearest the images, the larger of width and height.
        let large = SMALL_ALPHABET + 1;
        assert_eq!(side_for(&dataset(large, 28, 28)), Side::S32);
        assert_eq!(side_for(&dataset(large, 39, 20)), Side::S32);
        assert_eq!(side_for(&dataset(large, 48, 48)), Side::S48);
        assert_eq!(side_for(&dataset(large, 30, 40)), Side::S48);
        assert_eq!(side_for(&dataset(large, 56, 56)), Side::S64);
        assert_eq!(side_for(&dataset(large, 300, 200)), Side::S64);
        assert_eq!(side_for(&dataset(0, 48, 48)), Side::S32);
    }

    #[test]
    fn the_templates_take_the_side_chosen_for_the_dataset_unless_the_options_fix_it() {
        // Large blank images have no ink, so no templates: only the form is looked at.
        let large = dataset(SMALL_ALPHABET + 1, 48, 48);
        let chosen = Baseline::templates(&large, &ClassifierOptions::default());
        assert_eq!(chosen.classifier.form().side, Side::S48);
        let mut fixed = ClassifierOptions {
            side_from_dataset: false,
            ..ClassifierOptions::default()
        };
        fixed.form.side = Side::S64;
        let fixed = Baseline::templates(&large, &fixed);
        assert_eq!(fixed.classifier.form().side, Side::S64);
    }
}
