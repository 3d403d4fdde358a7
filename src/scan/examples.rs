//! Example strips: changes the scan counted, drawn again with what the classifier saw.

use rayon::prelude::*;

use super::draw::{draws_for, overlap, DrawPlan, DrawScratch};
use super::{entries, Baseline, Scan, ScanConfig};
use crate::albumentations::Pipeline;
use crate::classify::{predict, GlyphBatch, Outcome, Query};
use crate::dataset::Dataset;
use crate::glyph::Polarity;
use crate::normalize::Canonical;
use crate::report::{Example, Report, TransformReport, Verdict};
use crate::transform::Augment;

impl Scan<'_> {
    /// Finds up to `per_pair` examples of each of the `pairs_per_transform` most frequent
    /// from→to changes (and from→∅ losses) of every transformation that is not safe. The draws
    /// are repeated exactly as the scan made them, so every example is one of the changes its
    /// report counted.
    pub fn examples(&self, per_pair: usize, pairs_per_transform: usize) -> Vec<Example> {
        template_examples(
            self.dataset,
            &self.baseline,
            &self.config,
            self.pipeline,
            self.extra,
            &self.report,
            (per_pair, pairs_per_transform),
        )
    }
}

/// [`Scan::examples`] of the `report` that the templates of `baseline` (its leave-one-out
/// reading measured) made of `dataset` with `config` and `pipeline`: `(per_pair,
/// pairs_per_transform)` as there.
pub(super) fn template_examples(
    dataset: &Dataset,
    baseline: &Baseline,
    config: &ScanConfig,
    pipeline: Option<&Pipeline>,
    extra: &[(String, &dyn Augment)],
    report: &Report,
    (per_pair, pairs_per_transform): (usize, usize),
) -> Vec<Example> {
    let entries = entries(config, pipeline, extra);
    let augments: Vec<&dyn Augment> = entries.iter().map(|(_, a)| *a).collect();
    let plan = DrawPlan::new(&augments, baseline.classifier.form(), config.draws);
    let mut examples = Vec::new();
    let counts = (per_pair, pairs_per_transform);
    for (t, augment, wanted) in flagged(&augments, report, &dataset.classes, counts) {
        let found: Vec<Vec<Example>> = (0..dataset.glyphs.len())
            .into_par_iter()
            .map(|index| {
                let glyph = &dataset.glyphs[index];
                if !baseline.is_correct(dataset, index)
                    || !wanted.iter().any(|w| w.0 == glyph.label)
                {
                    return Vec::new();
                }
                let mut batch = GlyphBatch::new();
                let mut scratch = DrawScratch::new(baseline.classifier.form());
                let mut original_features = Vec::new();
                scratch.original_features(dataset, index, &mut original_features);
                (0..draws_for(augment, config.draws))
                    .filter_map(|draw| {
                        // The same canonical glyph and scoring as the scan's: the same outcome.
                        let pixels =
                            plan.canonical(dataset, index, (t, draw), config.seed, &mut scratch)?;
                        batch.clear();
                        let row = Some(batch.push_pixels(pixels));
                        let query = Query {
                            row,
                            sample: Some(index),
                            overlap: overlap(&original_features, &batch, row),
                            label: glyph.label,
                        };
                        let outcome = baseline.classifier.judge_batch(
                            &batch,
                            &[query],
                            config.margin,
                            baseline.judging_floor(),
                        );
                        let canonical = Canonical::from_pixels(pixels.to_vec());
                        let features = canonical.features();
                        let (to, destroyed) = match outcome.first() {
                            Some(&Outcome::Changed { to }) => (to, false),
                            // The class that won below the floor, for its template.
                            Some(Outcome::Destroyed) => {
                                let scores = baseline.classifier.leave_one_out_scores(
                                    index,
                                    query.overlap,
                                    &features,
                                );
                                (predict(&scores)?, true)
                            }
                            _ => return None,
                        };
                        let key = (glyph.label, (!destroyed).then_some(to));
                        if !wanted.contains(&key) {
                            return None;
                        }
                        let image = plan.image(dataset, index, (t, draw), config.seed)?;
                        let template = baseline.classifier.best_template_of(&features, to)?;
                        Some(Example {
                            transform: t,
                            from: glyph.label,
                            to,
                            destroyed,
                            glyph: index,
                            draw,
                            original: glyph.image.pixels.clone(),
                            transformed: image,
                            canonical: canonical.to_image(),
                            template: Some(baseline.classifier.template_image(template)),
                            dark_on_light: glyph.image.polarity == Polarity::DarkOnLight,
                        })
                    })
                    .collect()
            })
            .collect();
        gather(found, &wanted, per_pair, &mut examples);
    }
    examples
}

/// The transformations of `report` that get example strips (all but the safe ones; none when
/// `per_pair` is 0), each with its index among `augments` (drawn in the report's order) and
/// its `pairs_per_transform` most frequent pairs ([`wanted_pairs`]).
#[allow(clippy::type_complexity)]
pub(super) fn flagged<'c>(
    augments: &[&'c dyn Augment],
    report: &Report,
    classes: &[String],
    (per_pair, pairs_per_transform): (usize, usize),
) -> Vec<(usize, &'c dyn Augment, Vec<(usize, Option<usize>)>)> {
    if per_pair == 0 {
        return Vec::new();
    }
    (augments.iter().zip(&report.transforms).enumerate())
        .filter(|(_, (_, transform))| transform.verdict != Verdict::Safe)
        .map(|(t, (augment, transform))| {
            (
                t,
                *augment,
                wanted_pairs(transform, classes, pairs_per_transform),
            )
        })
        .collect()
}

/// The `n` most frequent from→to pairs of `transform` (`to` `None` for the glyphs destroyed),
/// as class indices.
fn wanted_pairs(
    transform: &TransformReport,
    classes: &[String],
    n: usize,
) -> Vec<(usize, Option<usize>)> {
    let class_index = |label: &str| classes.iter().position(|c| c == label);
    (transform.pairs.iter().take(n))
        .filter_map(|p| {
            let to = match p.to.as_deref() {
                Some(to) => Some(class_index(to)?),
                None => None,
            };
            Some((class_index(&p.from)?, to))
        })
        .collect()
}

/// Adds to `examples`, pair by pair of `wanted`, up to `per_pair` of the examples `found`
/// (per glyph, in glyph order), spread over the class.
pub(super) fn gather(
    found: Vec<Vec<Example>>,
    wanted: &[(usize, Option<usize>)],
    per_pair: usize,
    examples: &mut Vec<Example>,
) {
    for pair in wanted {
        let of_pair: Vec<&Example> = (found.iter().flatten())
            .filter(|e| (e.from, (!e.destroyed).then_some(e.to)) == *pair)
            .collect();
        examples.extend(spread(&of_pair, per_pair).into_iter().cloned());
    }
}

/// Up to `n` of `examples` (in glyph order) that differ: one draw per glyph first, the glyphs
/// taken evenly across the class (a dataset lists a class's images by source, font or writer,
/// so neighbours look alike), then further draws of them if there are too few glyphs.
fn spread<'e>(examples: &[&'e Example], n: usize) -> Vec<&'e Example> {
    let mut firsts: Vec<&Example> = Vec::new();
    let mut others: Vec<&Example> = Vec::new();
    for &example in examples {
        if firsts
            .last()
            .is_some_and(|last| last.glyph == example.glyph)
        {
            others.push(example);
        } else {
            firsts.push(example);
        }
    }
    let mut chosen: Vec<&Example> = if firsts.len() > n {
        (0..n).map(|i| firsts[i * firsts.len() / n]).collect()
    } else {
        firsts
    };
    let missing = n.saturating_sub(chosen.len());
    chosen.extend(others.into_iter().take(missing));
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;

    fn example(glyph: usize, draw: u32) -> Example {
        let blank = GrayImage::new(1, 1);
        Example {
            transform: 0,
            from: 0,
            to: 1,
            destroyed: false,
            glyph,
            draw,
            original: blank.clone(),
            transformed: blank.clone(),
            canonical: blank.clone(),
            template: Some(blank),
            dark_on_light: true,
        }
    }

    #[test]
    fn examples_come_from_different_glyphs_across_the_class() {
        // Ten glyphs of a class, each changed on two draws.
        let all: Vec<Example> = (0..10)
            .flat_map(|glyph| [example(glyph, 0), example(glyph, 3)])
            .collect();
        let refs: Vec<&Example> = all.iter().collect();
        let glyphs = |chosen: Vec<&Example>| -> Vec<(usize, u32)> {
            chosen.iter().map(|e| (e.glyph, e.draw)).collect()
        };
        assert_eq!(glyphs(spread(&refs, 4)), [(0, 0), (2, 0), (5, 0), (7, 0)]);
        // Fewer glyphs than asked: every glyph once, then more draws.
        assert_eq!(glyphs(spread(&refs[..4], 3)), [(0, 0), (1, 0), (0, 3)]);
        assert!(spread(&refs, 0).is_empty());
    }
}
