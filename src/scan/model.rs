//! A scan judged by the user's own model ([`ModelJudge`]): the same draws of the same
//! transformations as the template judge makes (every draw from its own named stream), each
//! transformed image fed to the model, its reading judged against the label. What the model
//! already misreads untransformed, and its own noise under the control, are kept apart from
//! what the transformations do, as for the template judge.

use rayon::prelude::*;

use super::draw::{draws_for, DrawPlan, IMAGES_PER_BATCH};
use super::examples::{flagged, gather};
use super::judge::ModelReading;
use super::tally::Measured;
use super::ScanConfig;
use crate::albumentations::Pipeline;
use crate::classify::model::ModelJudge;
use crate::classify::{judge, predict, Outcome};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::glyph::{GlyphImage, Polarity, MIN_CONTRAST};
use crate::normalize::Form;
use crate::progress::Progress;
use crate::report::{Example, Report};
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
    progress: &dyn Progress,
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
            if progress.stopped() {
                return Err(crate::error::Error::Stopped);
            }
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
            progress.advance(finished + chunk.len() as u64);
            Ok(local)
        })
        .try_reduce(empty, |mut a, b| {
            for (a, b) in a.iter_mut().zip(&b) {
                a.merge(b);
            }
            Ok(a)
        })
}

/// Example strips of a scan the model judged ([`super::scan_judged`] made `report` of
/// `dataset` with `config`, `pipeline` and `extra`): up to `per_pair` examples of each of the
/// `pairs_per_transform` most frequent changes of every transformation that is not safe, the
/// draws repeated exactly as the scan made them and read again by the model, so that each is
/// one of the changes the report counted. Each shows the original, the transformed image and
/// what the model saw.
///
/// # Errors
/// [`crate::Error::Model`] when running the model fails.
pub fn model_examples(
    dataset: &Dataset,
    config: &ScanConfig,
    pipeline: Option<&Pipeline>,
    extra: &[(String, &dyn Augment)],
    reading: &ModelReading,
    report: &Report,
    (per_pair, pairs_per_transform): (usize, usize),
) -> Result<Vec<Example>> {
    let entries = super::entries(config, pipeline, extra);
    let augments: Vec<&dyn Augment> = entries.iter().map(|(_, a)| *a).collect();
    let plan = DrawPlan::new(&augments, Form::default(), config.draws);
    let classes = dataset.classes.len();
    let mut examples = Vec::new();
    let counts = (per_pair, pairs_per_transform);
    for (t, augment, wanted) in flagged(&augments, report, &dataset.classes, counts) {
        let found: Vec<Vec<Example>> = (0..dataset.glyphs.len())
            .into_par_iter()
            .map(|index| -> Result<Vec<Example>> {
                let original = &dataset.glyphs[index];
                let label = original.label;
                if reading.predicted.get(index).copied().flatten() != Some(label)
                    || !wanted.iter().any(|w| w.0 == label)
                {
                    return Ok(Vec::new());
                }
                let drawn: Vec<(u32, GlyphImage, bool)> = (0..draws_for(augment, config.draws))
                    .filter_map(|draw| {
                        let image = plan.image(dataset, index, (t, draw), config.seed)?;
                        let glyph = original.image.with_pixels(image);
                        let ink = has_ink(&glyph);
                        Some((draw, glyph, ink))
                    })
                    .collect();
                let inked: Vec<&GlyphImage> = (drawn.iter())
                    .filter_map(|(_, glyph, ink)| ink.then_some(glyph))
                    .collect();
                let mut readings = reading
                    .model
                    .class_probabilities(&inked, classes)?
                    .into_iter();
                let mut found = Vec::new();
                for (draw, glyph, ink) in drawn {
                    // The scan's judgement of this draw: no ink is destroyed, else the model's.
                    let outcome = if ink {
                        readings.next().map_or(Outcome::Empty, |p| {
                            judge(&p, label, reading.margin, f32::NEG_INFINITY)
                        })
                    } else {
                        Outcome::Empty
                    };
                    let (to, destroyed) = match outcome {
                        Outcome::Changed { to } => (to, false),
                        Outcome::Empty | Outcome::Destroyed => (label, true),
                        _ => continue,
                    };
                    if !wanted.contains(&(label, (!destroyed).then_some(to))) {
                        continue;
                    }
                    found.push(Example {
                        transform: t,
                        from: label,
                        to,
                        destroyed,
                        glyph: index,
                        draw,
                        original: original.image.pixels.clone(),
                        canonical: reading.model.seen(&glyph),
                        transformed: glyph.pixels,
                        template: None,
                        dark_on_light: original.image.polarity == Polarity::DarkOnLight,
                    });
                }
                Ok(found)
            })
            .collect::<Result<_>>()?;
        gather(found, &wanted, per_pair, &mut examples);
    }
    Ok(examples)
}
