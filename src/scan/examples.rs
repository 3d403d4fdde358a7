//! Example strips: changes the scan counted, drawn again with what the classifier saw.

use rayon::prelude::*;

use super::draw::{draws_for, overlap, DrawPlan, DrawScratch};
use super::{entries, Scan};
use crate::classify::{predict, GlyphBatch, Outcome, Query};
use crate::glyph::Polarity;
use crate::normalize::Canonical;
use crate::report::{Example, Verdict};
use crate::transform::Augment;

impl Scan<'_> {
    /// Finds up to `per_pair` examples of each of the `pairs_per_transform` most frequent
    /// from→to changes (and from→∅ losses) of every transformation that is not safe. The draws
    /// are repeated exactly as the scan made them, so every example is one of the changes its
    /// report counted.
    pub fn examples(&self, per_pair: usize, pairs_per_transform: usize) -> Vec<Example> {
        let (dataset, baseline, config) = (self.dataset, &self.baseline, &self.config);
        let entries = entries(config, self.pipeline);
        let augments: Vec<&dyn Augment> = entries.iter().map(|(_, a)| *a).collect();
        let class_index = |label: &str| dataset.classes.iter().position(|c| c == label);
        let plan = DrawPlan::new(&augments, baseline.classifier.form(), config.draws);
        let mut examples = Vec::new();
        for (t, (augment, transform)) in augments.iter().zip(&self.report.transforms).enumerate() {
            if transform.verdict == Verdict::Safe || per_pair == 0 {
                continue;
            }
            // (from, to), `to` `None` for the glyphs destroyed.
            let wanted: Vec<(usize, Option<usize>)> = transform
                .pairs
                .iter()
                .take(pairs_per_transform)
                .filter_map(|p| {
                    let to = match p.to.as_deref() {
                        Some(to) => Some(class_index(to)?),
                        None => None,
                    };
                    Some((class_index(&p.from)?, to))
                })
                .collect();
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
                    (0..draws_for(*augment, config.draws))
                        .filter_map(|draw| {
                            // The same canonical glyph and scoring as the scan's: the same outcome.
                            let pixels = plan.canonical(
                                dataset,
                                index,
                                (t, draw),
                                config.seed,
                                &mut scratch,
                            )?;
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
                                template: baseline.classifier.template_image(template),
                                dark_on_light: glyph.image.polarity == Polarity::DarkOnLight,
                            })
                        })
                        .collect()
                })
                .collect();
            for pair in &wanted {
                examples.extend(
                    found
                        .iter()
                        .flatten()
                        .filter(|e| (e.from, (!e.destroyed).then_some(e.to)) == *pair)
                        .take(per_pair)
                        .cloned(),
                );
            }
        }
        examples
    }
}
