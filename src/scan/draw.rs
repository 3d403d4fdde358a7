//! Drawing every transformation on every recognised original, normalising the results and
//! judging them in batches: the scan's hot loop.

use image::GrayImage;
use rayon::prelude::*;

use super::baseline::{classify_left_out, Baseline};
use super::tally::Measured;
use super::ScanConfig;
use crate::classify::{correlation, GlyphBatch, Outcome, Query, TemplateClassifier};
use crate::dataset::Dataset;
use crate::normalize::{canonical_into, centred_into, features_into, Form};
use crate::progress::Progress;
use crate::rng::draw_rng;
use crate::transform::{Augment, RangePart};

/// How many times a transformation is drawn per image.
pub(super) fn draws_for(transform: &dyn Augment, draws: u32) -> u32 {
    if transform.is_random() {
        draws.max(1)
    } else {
        1
    }
}

/// Applies each transformation to every glyph recognised at baseline (random ones `draws`
/// times, a range in `draws` equal parts where [`Augment::parts`] cuts it) and tallies the
/// outcomes per transformation and class, before any discount. `progress` is called with the
/// number of images finished.
pub fn measure(
    dataset: &Dataset,
    baseline: &Baseline,
    transforms: &[&dyn Augment],
    config: &ScanConfig,
    progress: &dyn Progress,
) -> Vec<Measured> {
    measure_with(
        dataset,
        &baseline.classifier,
        baseline.judging_floor(),
        baseline.predictions(dataset),
        transforms,
        config,
        progress,
    )
    .0
}

/// [`measure`] with the destroyed `floor` and the leave-one-out predictions `known`, or without
/// them: then each chunk of images is classified leave-one-out first (the original's canonical
/// form then serves the square symmetries too), and the predictions come back with whether
/// each glyph has ink.
pub(super) fn measure_with(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    floor: f32,
    known: Option<&[Option<usize>]>,
    transforms: &[&dyn Augment],
    config: &ScanConfig,
    progress: &dyn Progress,
) -> (Vec<Measured>, Vec<bool>, Vec<Option<usize>>) {
    let done = std::sync::atomic::AtomicU64::new(0);
    let n = dataset.glyphs.len();
    let indices: Vec<usize> = (0..n).collect();
    let (mut has_ink, mut predicted) = (vec![false; n], vec![None; n]);
    let plan = DrawPlan::new(transforms, classifier.form(), config.draws);
    let empty = || {
        (plan.parts_bounds().iter())
            .map(|bounds| Measured::new(dataset.classes.len(), bounds))
            .collect::<Vec<_>>()
    };
    // Fixed chunks of images: their transformed glyphs are scored together, and counts are
    // merged by addition, so the thread count changes nothing. Each worker folds its chunks
    // into one set of tallies, so a large alphabet's tallies are not made once per chunk.
    let chunks = indices
        .par_chunks(IMAGES_PER_BATCH)
        .zip(has_ink.par_chunks_mut(IMAGES_PER_BATCH))
        .zip(predicted.par_chunks_mut(IMAGES_PER_BATCH));
    let tallies = chunks
        .fold(
            || (empty(), GlyphBatch::new(), Vec::new()),
            |(mut local, mut batch, mut originals), ((chunk, has_ink), predicted)| {
                // Asked to stop: the rest is skipped (the caller returns no result).
                if progress.stopped() {
                    return (local, batch, originals);
                }
                let correct =
                    |index: usize, p: Option<usize>| p == Some(dataset.glyphs[index].label);
                let images: Vec<(usize, Option<&[f32]>)> = match known {
                    Some(known) => chunk
                        .iter()
                        .filter(|&&index| correct(index, known.get(index).copied().flatten()))
                        .map(|&index| (index, None))
                        .collect(),
                    None => {
                        let found = classify_left_out(
                            dataset,
                            classifier,
                            chunk,
                            &mut batch,
                            &mut originals,
                        );
                        let slots = has_ink.iter_mut().zip(predicted.iter_mut());
                        for ((ink, p), &(has, class)) in slots.zip(&found) {
                            (*ink, *p) = (has, class);
                        }
                        chunk
                            .iter()
                            .zip(&found)
                            .zip(originals.chunks_exact(classifier.form().dim()))
                            .filter(|((&index, &(_, p)), _)| correct(index, p))
                            .map(|((&index, _), pixels)| (index, Some(pixels)))
                            .collect()
                    }
                };
                for ((t, draw), query, outcome) in transform_glyphs(
                    dataset, classifier, floor, &images, &plan, config, &mut batch,
                ) {
                    let measured = &mut local[t];
                    measured.classes[query.label].record(outcome);
                    let parts = measured.parts.len() as u32;
                    if let Some(part) = draw.checked_rem(parts) {
                        measured.parts[part as usize].classes[query.label].record(outcome);
                    }
                }
                let finished =
                    done.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                progress.advance(finished + chunk.len() as u64);
                (local, batch, originals)
            },
        )
        .map(|(local, _, _)| local)
        .reduce(empty, |mut a, b| {
            for (a, b) in a.iter_mut().zip(&b) {
                a.merge(b);
            }
            a
        });
    (tallies, has_ink, predicted)
}

/// Draw `draw` of `augment` on glyph `index`: the transformed image, as training would see it,
/// from the draw's own generator. Where the range is drawn in parts, draw `d` is drawn from
/// part `d` (of as many parts as draws), with the generator of the whole.
fn draw_image(
    dataset: &Dataset,
    index: usize,
    augment: &dyn Augment,
    parts: &[RangePart<Box<dyn Augment>>],
    draw: u32,
    seed: u64,
) -> GrayImage {
    let mut rng = draw_rng(seed, index, augment.stream(), draw);
    let drawn = match draw.checked_rem(parts.len() as u32) {
        Some(part) => parts[part as usize].part.as_ref(),
        None => augment,
    };
    drawn.augment(&dataset.glyphs[index].image, &mut rng)
}

/// How the scan turns each draw into a canonical glyph. Most transformations are applied to
/// the raw image, which is then normalised; a square symmetry (a flip, a quarter turn) moves
/// the pixels of the original's canonical glyph instead, which is the same glyph (every step of
/// normalisation treats rows and columns alike) for a fraction of the work. A random range is
/// drawn in as many equal parts as there are draws, where the transformation cuts it
/// ([`Augment::parts`]).
pub(super) struct DrawPlan<'a> {
    transforms: &'a [&'a dyn Augment],
    permutations: Vec<Option<PixelMap>>,
    parts: Vec<Vec<RangePart<Box<dyn Augment>>>>,
}

/// A square symmetry of canonical glyphs as a move of pixels, `out[i] = pixels[map[i]]`. Every
/// symmetry of the square takes each output row from a row or a column of the input, in one
/// direction or the other, so each row is also kept as its first source and the step between
/// sources: rows are copied (reversed, or down a column) without a lookup per pixel.
struct PixelMap {
    map: Vec<u16>,
    side: usize,
    /// Per output row: its first source index and the step, where the sources step evenly.
    rows: Vec<Option<(usize, isize)>>,
}

impl PixelMap {
    fn new(map: Vec<u16>, side: usize) -> PixelMap {
        let rows = map
            .chunks(side.max(1))
            .map(|row| {
                let step = match row {
                    [a, b, ..] => *b as isize - *a as isize,
                    _ => 1,
                };
                let even = row
                    .windows(2)
                    .all(|w| w[1] as isize - w[0] as isize == step);
                (even && step != 0 && row.len() == side).then(|| (usize::from(row[0]), step))
            })
            .collect();
        PixelMap { map, side, rows }
    }

    /// `out[i] = pixels[map[i]]` (zero where that is past the end of `pixels`).
    fn apply(&self, pixels: &[f32], out: &mut [f32]) {
        let side = self.side.max(1);
        let rows = out
            .chunks_exact_mut(side)
            .zip(self.map.chunks_exact(side))
            .zip(&self.rows);
        for ((out, map), row) in rows {
            let done = row.is_some_and(|(start, step)| copy_run(pixels, start, step, out));
            if !done {
                for (out, &from) in out.iter_mut().zip(map) {
                    *out = pixels.get(usize::from(from)).copied().unwrap_or(0.0);
                }
            }
        }
    }
}

/// Fills `out` from `pixels[start]`, `pixels[start + step]`, …; false (and `out` untouched)
/// when those run past either end of `pixels`.
fn copy_run(pixels: &[f32], start: usize, step: isize, out: &mut [f32]) -> bool {
    let stride = step.unsigned_abs();
    let span = stride * out.len().saturating_sub(1);
    let low = if step > 0 {
        Some(start)
    } else {
        start.checked_sub(span)
    };
    let Some(run) = low.and_then(|low| pixels.get(low..=low + span)) else {
        return false;
    };
    match step {
        1 => out.copy_from_slice(run),
        -1 => {
            for (out, &v) in out.iter_mut().zip(run.iter().rev()) {
                *out = v;
            }
        }
        // Down or up a column: every `stride`-th value of the run, from one end.
        _ => {
            for (i, out) in out.iter_mut().enumerate() {
                let at = if step > 0 {
                    i * stride
                } else {
                    span - i * stride
                };
                *out = run.get(at).copied().unwrap_or(0.0);
            }
        }
    }
    true
}

/// Buffers for [`DrawPlan::canonical`], reused from draw to draw, and the form the glyphs are
/// brought into.
pub(super) struct DrawScratch {
    form: Form,
    /// The glyph whose centred form `original` holds, and whether it had ink.
    original_of: Option<(usize, bool)>,
    /// The glyph's centred form (see [`centred_into`]), which the square symmetries move.
    original: Vec<f32>,
    pixels: Vec<f32>,
}

impl DrawScratch {
    /// Buffers for glyphs in `form`, the classifier's.
    pub(super) fn new(form: Form) -> DrawScratch {
        DrawScratch {
            form,
            original_of: None,
            original: Vec::new(),
            pixels: Vec::new(),
        }
    }

    /// The centred form of glyph `index`, made once for all its draws; `None` when it has no
    /// ink.
    fn original(&mut self, dataset: &Dataset, index: usize) -> Option<&[f32]> {
        let has_ink = match self.original_of {
            Some((of, has_ink)) if of == index => has_ink,
            _ => {
                self.original.resize(self.form.dim(), 0.0);
                let image = &dataset.glyphs[index].image;
                let has_ink = centred_into(image, self.form.side, &mut self.original);
                self.original_of = Some((index, has_ink));
                has_ink
            }
        };
        has_ink.then_some(&self.original[..])
    }

    /// The features of glyph `index` in the classifier's form into `out`, for the correlation
    /// of each of its draws with it; `out` is left empty (every correlation 0) when the glyph
    /// has no ink.
    pub(super) fn original_features(
        &mut self,
        dataset: &Dataset,
        index: usize,
        out: &mut Vec<f32>,
    ) {
        out.clear();
        let form = self.form;
        if self.original(dataset, index).is_some() {
            self.pixels.clear();
            self.pixels.extend_from_slice(&self.original);
            form.finish(&mut self.pixels);
            out.resize(self.pixels.len(), 0.0);
            features_into(&self.pixels, out);
        }
    }

    /// Takes the centred form of glyph `index`, which has ink, as made elsewhere.
    fn keep_original(&mut self, index: usize, pixels: &[f32]) {
        self.original.clear();
        self.original.extend_from_slice(pixels);
        self.original_of = Some((index, true));
    }
}

impl<'a> DrawPlan<'a> {
    /// The plan for `transforms` on glyphs in `form` (the classifier's), `draws` times each
    /// random one.
    pub(super) fn new(transforms: &'a [&'a dyn Augment], form: Form, draws: u32) -> DrawPlan<'a> {
        let side = form.side.pixels();
        DrawPlan {
            transforms,
            parts: transforms
                .iter()
                .map(|t| {
                    if t.is_random() {
                        t.parts(draws)
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
            permutations: transforms
                .iter()
                .map(|t| {
                    t.square_permutation(side)
                        .map(|map| PixelMap::new(map, side as usize))
                })
                .collect(),
        }
    }

    /// Per transformation, the bounds of the parts its range is drawn in (none when it is not).
    pub(super) fn parts_bounds(&self) -> Vec<Vec<(f64, f64)>> {
        (self.parts.iter())
            .map(|parts| parts.iter().map(|p| (p.from, p.to)).collect())
            .collect()
    }

    /// One draw of a transformation on glyph `index`, as training would see it; `which` is
    /// (transformation, draw).
    pub(super) fn image(
        &self,
        dataset: &Dataset,
        index: usize,
        (transform, draw): (usize, u32),
        seed: u64,
    ) -> Option<GrayImage> {
        let augment = *self.transforms.get(transform)?;
        let parts = self.parts.get(transform).map_or(&[][..], Vec::as_slice);
        Some(draw_image(dataset, index, augment, parts, draw, seed))
    }

    /// The canonical pixels of one draw of a transformation on glyph `index`, `None` when no
    /// ink is left; `which` is (transformation, draw).
    pub(super) fn canonical<'s>(
        &self,
        dataset: &Dataset,
        index: usize,
        which: (usize, u32),
        seed: u64,
        scratch: &'s mut DrawScratch,
    ) -> Option<&'s [f32]> {
        let glyph = &dataset.glyphs[index];
        scratch.pixels.resize(scratch.form.dim(), 0.0);
        match self.permutations.get(which.0).and_then(Option::as_ref) {
            Some(map) => {
                scratch.original(dataset, index)?;
                map.apply(&scratch.original, &mut scratch.pixels);
                scratch.form.finish(&mut scratch.pixels);
            }
            None => {
                let image = self.image(dataset, index, which, seed)?;
                let glyph = glyph.image.with_pixels(image);
                if !canonical_into(&glyph, scratch.form, &mut scratch.pixels) {
                    return None;
                }
            }
        }
        Some(&scratch.pixels)
    }
}

/// The correlation of a training glyph's `features` with the glyph in `row` of the batch
/// drawn from it (0 without one), for taking the training glyph out of its template.
pub(super) fn overlap(features: &[f32], batch: &GlyphBatch, row: Option<usize>) -> f32 {
    row.map_or(0.0, |row| correlation(features, batch.features(row)))
}

/// Images whose glyphs are scored together: their transformed glyphs (about 20 each with the
/// default set) and the templates stay in the processor's second-level cache.
pub(super) const IMAGES_PER_BATCH: usize = 8;

/// Applies every transformation (every draw) to each of `indices`, scores all the transformed
/// glyphs together and judges each against its true class (destroyed below `floor`): per
/// transformed glyph, the index of its transformation and its draw, its query and its outcome.
fn transform_glyphs(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    floor: f32,
    images: &[(usize, Option<&[f32]>)],
    plan: &DrawPlan,
    config: &ScanConfig,
    batch: &mut GlyphBatch,
) -> Vec<((usize, u32), Query, Outcome)> {
    batch.clear();
    let mut queries = Vec::new();
    let mut which = Vec::new();
    let mut scratch = DrawScratch::new(classifier.form());
    let mut original_features = Vec::new();
    for &(index, original) in images {
        let glyph = &dataset.glyphs[index];
        if let Some(pixels) = original {
            scratch.keep_original(index, pixels);
        }
        scratch.original_features(dataset, index, &mut original_features);
        for (t, transform) in plan.transforms.iter().enumerate() {
            for draw in 0..draws_for(*transform, config.draws) {
                let pixels = plan.canonical(dataset, index, (t, draw), config.seed, &mut scratch);
                let row = pixels.map(|pixels| batch.push_pixels(pixels));
                queries.push(Query {
                    row,
                    sample: Some(index),
                    overlap: overlap(&original_features, batch, row),
                    label: glyph.label,
                });
                which.push((t, draw));
            }
        }
    }
    let outcomes = classifier.judge_batch(batch, &queries, config.margin, floor);
    which
        .into_iter()
        .zip(queries)
        .zip(outcomes)
        .map(|((t, query), outcome)| (t, query, outcome))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glyph::{GlyphImage, Polarity};
    use crate::normalize::{normalize_with, Side};
    use crate::transform::Transform;
    use rand_chacha::ChaCha8Rng;

    /// The form the square symmetries move at `side`: centred, not yet deslanted.
    fn centred(side: Side) -> Form {
        Form {
            side,
            deslant: false,
        }
    }

    #[test]
    fn square_symmetries_move_the_canonical_glyph_as_they_move_the_image() {
        use rand::{Rng, SeedableRng};
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let specs = [
            "hflip",
            "vflip",
            "transpose",
            "rotate:90",
            "rotate:180",
            "rotate:-90",
            "hflip+rotate:90",
        ];
        for (spec, side) in specs.iter().flat_map(|s| Side::ALL.map(|side| (s, side))) {
            let size = side.pixels();
            let transform: Transform = spec.parse().unwrap();
            let map = transform.square_permutation(size).unwrap();
            // Square and not, glyph-like blobs on a light background.
            for (w, h) in [(28, 28), (32, 32), (20, 37)] {
                let (x0, y0) = (rng.random_range(0..w / 2), rng.random_range(0..h / 2));
                let image = GrayImage::from_fn(w, h, |x, y| {
                    let inside = (x0..x0 + w / 3).contains(&x) && (y0..y0 + h / 2).contains(&y);
                    image::Luma([if inside { rng.random_range(0..80) } else { 250 }])
                });
                let glyph = GlyphImage::new(image, 250, Polarity::DarkOnLight);
                let transformed = glyph.with_pixels(transform.apply(&glyph, &mut rng));
                let direct = normalize_with(&transformed, centred(side)).unwrap();
                let original = normalize_with(&glyph, centred(side)).unwrap();
                for (i, &from) in map.iter().enumerate() {
                    let diff = (direct.pixels()[i] - original.pixels()[usize::from(from)]).abs();
                    assert!(diff < 1e-5, "{spec} {w}x{h} pixel {i}: {diff}");
                }
                // Row by row, as the scan moves them, the same as pixel by pixel.
                let moves = PixelMap::new(map.clone(), size as usize);
                assert!(moves.rows.iter().all(Option::is_some), "{spec}");
                let mut moved = vec![f32::NAN; map.len()];
                moves.apply(original.pixels(), &mut moved);
                for (i, &from) in map.iter().enumerate() {
                    assert_eq!(
                        moved[i].to_bits(),
                        original.pixels()[usize::from(from)].to_bits()
                    );
                }
                // Finished after the move, as the scan does, it is the transformed image in
                // the classifier's form.
                let form = Form {
                    side,
                    ..Form::default()
                };
                form.finish(&mut moved);
                let full = normalize_with(&transformed, form).unwrap();
                for (i, (&got, &want)) in moved.iter().zip(full.pixels()).enumerate() {
                    assert!((got - want).abs() < 1e-4, "{spec} {w}x{h} pixel {i}");
                }
            }
        }
        for spec in ["rotate:45", "rot90", "d4", "crop:0.8", "hflip+crop:0.9"] {
            let transform: Transform = spec.parse().unwrap();
            assert!(transform.square_permutation(32).is_none(), "{spec}");
        }
    }

    #[test]
    fn pixel_maps_copy_runs_and_fall_back_to_lookups() {
        // 3×3: a reversed row, a column read upwards, an uneven row, and a run past the end.
        let pixels: Vec<f32> = (0..9).map(|v| v as f32).collect();
        let map = PixelMap::new(vec![2, 1, 0, 7, 4, 1, 0, 5, 3], 3);
        assert_eq!(map.rows, vec![Some((2, -1)), Some((7, -3)), None]);
        let mut out = vec![f32::NAN; 9];
        map.apply(&pixels, &mut out);
        assert_eq!(out, vec![2.0, 1.0, 0.0, 7.0, 4.0, 1.0, 0.0, 5.0, 3.0]);
        // A source past the end of the pixels reads as zero, and the rest of its row as it is.
        let past = PixelMap::new(vec![7, 8, 9, 0, 0, 0, 12, 8, 4], 3);
        past.apply(&pixels, &mut out);
        assert_eq!(out, vec![7.0, 8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 8.0, 4.0]);
        // A run that would start below zero.
        let mut short = [f32::NAN; 3];
        assert!(!copy_run(&pixels, 1, -3, &mut short));
        assert!(short.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn deterministic_transforms_are_drawn_once() {
        let fixed: Transform = "rotate:180".parse().unwrap();
        let random: Transform = "rotate:-5..5".parse().unwrap();
        assert_eq!(draws_for(&fixed, 5), 1);
        assert_eq!(draws_for(&random, 5), 5);
        assert_eq!(draws_for(&random, 0), 1);
    }
}
