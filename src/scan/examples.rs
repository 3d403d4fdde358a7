//! Example strips: changes the scan counted, drawn again with what the classifier saw.

use rayon::prelude::*;

use super::draw::{draw_image, draws_for, overlap, DrawPlan, DrawScratch};
use super::{entries, Scan};
use crate::classify::{GlyphBatch, Outcome, Query};
use crate::glyph::Polarity;
use crate::normalize::Canonical;
use crate::report::{Example, Verdict};
use crate::transform::Augment;

impl Scan<'_> {
    /// Finds up to `per_pair` examples of each of the `pairs_per_transform` most frequent
    /// from→to changes of every transformation that is not safe. The draws are repeated
    /// exactly as the scan made them, so every example is one of the changes its report
    /// counted.
    pub fn examples(&self, per_pair: usize, pairs_per_transform: usize) -> Vec<Example> {
        let (dataset, baseline, config) = (self.dataset, &self.baseline, &self.config);
        let entries = entries(config, self.pipeline);
        let augments: Vec<&dyn Augment> = entries.iter().map(|(_, a)| *a).collect();
        let class_index = |label: &str| dataset.classes.iter().position(|c| c == label);
        let plan = DrawPlan::new(&augments);
        let mut examples = Vec::new();
        for (t, (augment, transform)) in augments.iter().zip(&self.report.transforms).enumerate() {
            if transform.verdict == Verdict::Safe || per_pair == 0 {
                continue;
            }
            let wanted: Vec<(usize, usize)> = transform
                .pairs
                .iter()
                .take(pairs_per_transform)
                .filter_map(|p| Some((class_index(&p.from)?, class_index(&p.to)?)))
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
                            let outcome =
                                baseline
                                    .classifier
                                    .judge_batch(&batch, &[query], config.margin);
                            let Some(&Outcome::Changed { to }) = outcome.first() else {
                                return None;
                            };
                            if !wanted.contains(&(glyph.label, to)) {
                                return None;
                            }
                            let canonical = Canonical::from_pixels(pixels.to_vec());
                            let features = canonical.features();
                            let image =
                                draw_image(dataset, index, *augment, (t, draw), config.seed);
                            let template = baseline.classifier.best_template_of(&features, to)?;
                            Some(Example {
                                transform: t,
                                from: glyph.label,
                                to,
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
                        .filter(|e| (e.from, e.to) == *pair)
                        .take(per_pair)
                        .cloned(),
                );
            }
        }
        examples
    }
}
