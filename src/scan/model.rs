//! A scan judged by the user's own model ([`ModelJudge`]): the same draws of the same
//! transformations as the template judge makes (every draw from its own named stream), each
//! transformed image fed to the model, its reading judged against the label. What the model
//! already misreads untransformed, and its own noise under the control, are kept apart from
//! what the transformations do, as for the template judge.

use rayon::prelude::*;

use super::draw::{draws_for, DrawPlan, IMAGES_PER_BATCH};
use super::tally::Measured;
use super::{drawn, summary, ScanConfig};
use crate::albumentations::Pipeline;
use crate::classify::model::ModelJudge;
use crate::classify::{judge, predict, Outcome};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::glyph::{GlyphImage, MIN_CONTRAST};
use crate::normalize::Form;
use crate::report::Report;
use crate::transform::Augment;

/// What the model reads of every untransformed glyph of `dataset`: its best class among those
/// of the dataset it names.
///
/// # Errors
/// [`crate::Error::Model`] when running the model fails.
pub fn model_predictions(dataset: &Dataset, model: &ModelJudge) -> Result<Vec<Option<usize>>> {
    let glyphs: Vec<&GlyphImage> = dataset.glyphs.iter().map(|g| &g.image).collect();
    let chunks: Vec<Vec<Option<usize>>> = glyphs
        .par_chunks(crate::classify::model::MODEL_BATCH)
        .map(|chunk| {
            let probabilities = model.class_probabilities(chunk, dataset.classes.len())?;
            Ok(probabilities.iter().map(|p| predict(p)).collect())
        })
        .collect::<Result<_>>()?;
    Ok(chunks.into_iter().flatten().collect())
}

/// Whether anything in the image stands out from its background: a transformation that
/// leaves none is `Empty`, as it is for the template judge.
fn has_ink(glyph: &GlyphImage) -> bool {
    let background = glyph.background;
    glyph
        .pixels
        .as_raw()
        .iter()
        .any(|&v| v.abs_diff(background) >= MIN_CONTRAST)
}

/// Applies each transformation to every glyph the model reads correctly untransformed (random
/// ones `draws` times, ranges in parts as the template judge draws them) and tallies the
/// model's readings per transformation and class, before any discount. A reading within
/// `margin` (in probability) of the label's is uncertain.
///
/// # Errors
/// [`crate::Error::Model`] when running the model fails.
pub fn measure_with_model(
    dataset: &Dataset,
    model: &ModelJudge,
    predicted: &[Option<usize>],
    transforms: &[&dyn Augment],
    config: &ScanConfig,
    margin: f32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Measured>> {
    let done = std::sync::atomic::AtomicU64::new(0);
    let plan = DrawPlan::new(transforms, Form::default(), config.draws);
    let classes = dataset.classes.len();
    let empty = || {
        (plan.parts_bounds().iter())
            .map(|bounds| Measured::new(classes, bounds))
            .collect::<Vec<_>>()
    };
    let indices: Vec<usize> = (0..dataset.glyphs.len()).collect();
    indices
        .par_chunks(IMAGES_PER_BATCH)
        .try_fold(empty, |mut local, chunk| -> Result<Vec<Measured>> {
            let mut glyphs = Vec::new();
            let mut which = Vec::new();
            for &index in chunk {
                let original = &dataset.glyphs[index];
                if predicted.get(index).copied().flatten() != Some(original.label) {
                    continue;
                }
                for (t, transform) in transforms.iter().enumerate() {
                    for draw in 0..draws_for(*transform, config.draws) {
                        if let Some(image) = plan.image(dataset, index, (t, draw), config.seed) {
                            glyphs.push(original.image.with_pixels(image));
                            which.push((t, draw, original.label));
                        }
                    }
                }
            }
            let inked: Vec<bool> = glyphs.iter().map(has_ink).collect();
            let read: Vec<&GlyphImage> = (glyphs.iter().zip(&inked))
                .filter_map(|(glyph, &ink)| ink.then_some(glyph))
                .collect();
            let mut readings = model.class_probabilities(&read, classes)?.into_iter();
            for (&ink, (t, draw, label)) in inked.iter().zip(which) {
                // Only inked glyphs were read, so only they take the next reading.
                let reading = if ink { readings.next() } else { None };
                let outcome = reading.map_or(Outcome::Empty, |p| {
                    judge(&p, label, margin, f32::NEG_INFINITY)
                });
                let measured = &mut local[t];
                measured.classes[label].record(outcome);
                let parts = measured.parts.len() as u32;
                if let Some(part) = draw.checked_rem(parts) {
                    measured.parts[part as usize].classes[label].record(outcome);
                }
            }
            let finished = done.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
            progress(finished + chunk.len() as u64);
            Ok(local)
        })
        .try_reduce(empty, |mut a, b| {
            for (a, b) in a.iter_mut().zip(&b) {
                a.merge(b);
            }
            Ok(a)
        })
}

/// Scans a dataset with the user's model as the judge (see [`super::Scan::run`] for what is
/// scanned): the model reads the untransformed images first (its accuracy and confusions go
/// in the report's `classifier`), then every draw of every transformation on the glyphs it
/// reads correctly. A reading within `margin` (in probability) of the label's is uncertain.
///
/// # Errors
/// [`crate::Error::Model`] when running the model fails.
pub fn scan_with_model(
    dataset: &Dataset,
    config: &ScanConfig,
    pipeline: Option<&Pipeline>,
    model: &ModelJudge,
    margin: f32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Report> {
    let predicted = model_predictions(dataset, model)?;
    let (entries, control, augments) = drawn(config, pipeline);
    let mut tallies = measure_with_model(
        dataset, model, &predicted, &augments, config, margin, progress,
    )?;
    Ok(super::finish_report(
        dataset,
        config,
        pipeline,
        &entries,
        control,
        &mut tallies,
        &super::baseline::confusion_rates(dataset, &predicted),
        summary::dataset_summary_with(dataset, &vec![true; dataset.glyphs.len()]),
        summary::model_summary(dataset, model, &predicted, margin),
    ))
}
