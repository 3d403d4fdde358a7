//! Running transformations × dataset × classifier into a [`Report`]; parallel over images, seeded per draw.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::classify::{ClassifierOptions, GlyphBatch, Outcome, Query, TemplateClassifier};
use image::GrayImage;

use crate::albumentations::Pipeline;
use crate::dataset::{Dataset, Polarity, Skipped};
use crate::normalize::{canonical_into, normalize, Canonical, CANONICAL_DIM, CANONICAL_SIZE};
use crate::report::{
    Blame, ClassReport, ClassifierSummary, ComponentSummary, DatasetSummary, NotEvaluated, Pair,
    PipelineSummary, Report, Thresholds, Tool, TransformReport, Verdict, SCHEMA_VERSION,
};
use crate::transform::Transform;

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
        }
    }
}

/// The classifier built from a dataset, with what it makes of the untransformed images.
#[derive(Debug)]
pub struct Baseline {
    /// The classifier.
    pub classifier: TemplateClassifier,
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
        (baseline.has_ink, baseline.predicted) = indices
            .par_chunks(IMAGES_PER_BATCH)
            .map_init(
                || (GlyphBatch::new(), Vec::new()),
                |(batch, originals), chunk| {
                    leave_one_out(dataset, classifier, chunk, batch, originals)
                },
            )
            .flatten_iter()
            .unzip();
        baseline
    }

    /// The templates alone: the leave-one-out baseline is still to be measured (a scan
    /// measures it in the same pass as the transformations, see [`scan_with`]).
    pub fn templates(dataset: &Dataset, options: &ClassifierOptions) -> Baseline {
        let features_of = |index: usize| -> Option<Vec<f32>> {
            let glyph = &dataset.glyphs[index];
            normalize(&glyph.image, glyph.background, glyph.polarity).map(|c| c.features())
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
            has_ink: Vec::new(),
            predicted: Vec::new(),
        }
    }

    /// Whether the leave-one-out baseline has been measured for every glyph of `dataset`.
    pub fn is_measured(&self, dataset: &Dataset) -> bool {
        self.predicted.len() == dataset.glyphs.len() && self.has_ink.len() == dataset.glyphs.len()
    }

    /// The leave-one-out predictions, once measured.
    fn known(&self, dataset: &Dataset) -> Option<&[Option<usize>]> {
        self.is_measured(dataset).then_some(&self.predicted[..])
    }

    /// Whether glyph `index` was recognised as its own class at baseline.
    pub fn is_correct(&self, dataset: &Dataset, index: usize) -> bool {
        self.predicted[index] == Some(dataset.glyphs[index].label)
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
        for (glyph, predicted) in dataset.glyphs.iter().zip(&self.predicted) {
            if let Some(p) = *predicted {
                if p != glyph.label {
                    *confusions.entry((glyph.label, p)).or_default() += 1;
                }
            }
        }
        confusions
    }
}

/// Scans a dataset: builds the classifier, measures its baseline, applies every transformation
/// (random ones `draws` times per image) and counts the label changes. `progress` is called with
/// the number of images finished so far. The result depends only on the dataset and `config`,
/// never on the number of threads.
pub fn scan(dataset: &Dataset, config: &ScanConfig, progress: &(dyn Fn(u64) + Sync)) -> Report {
    let mut baseline = Baseline::templates(dataset, &config.classifier);
    scan_with(dataset, &mut baseline, config, None, progress)
}

/// What a scan applies, labelled as its report rows are: with a pipeline, the pipeline as a
/// whole and then each of its geometric components on its own; then the transformations of
/// `config`.
pub fn scan_entries<'a>(
    config: &'a ScanConfig,
    pipeline: Option<&'a Pipeline>,
) -> Vec<(String, &'a dyn Augment)> {
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
    entries
}

/// [`scan`] (or [`scan_pipeline`] when `pipeline` is given) with templates built already. A
/// baseline not yet measured ([`Baseline::templates`]) is measured in the same pass as the
/// transformations, and is complete when this returns.
pub fn scan_with(
    dataset: &Dataset,
    baseline: &mut Baseline,
    config: &ScanConfig,
    pipeline: Option<&Pipeline>,
    progress: &(dyn Fn(u64) + Sync),
) -> Report {
    let entries = scan_entries(config, pipeline);
    let mut report = report_entries(dataset, baseline, config, &entries, progress);
    if let Some(pipeline) = pipeline {
        report.pipeline = Some(pipeline_summary(dataset, pipeline, &report));
    }
    report
}

/// Scans a training pipeline: the pipeline as a whole first, then each of its geometric
/// transforms on its own (applied every time, to see what it does when it fires), then the
/// transformations of `config`. The report's `pipeline` section lists what was passed through
/// or not evaluated, and which component is to blame for each class the pipeline flags.
pub fn scan_pipeline(
    dataset: &Dataset,
    pipeline: &Pipeline,
    config: &ScanConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Report {
    let mut baseline = Baseline::templates(dataset, &config.classifier);
    scan_with(dataset, &mut baseline, config, Some(pipeline), progress)
}

fn pipeline_summary(dataset: &Dataset, pipeline: &Pipeline, report: &Report) -> PipelineSummary {
    let leaves = pipeline.leaves();
    let background = dataset.background();
    let components: Vec<ComponentSummary> = leaves
        .iter()
        .enumerate()
        .map(|(i, leaf)| {
            let mut notes = leaf.notes.clone();
            if let Some(fill) = leaf.painted_fill().filter(|f| f.abs_diff(background) > 32) {
                notes.push(format!(
                    "it fills with {fill} on images whose background is {background}: that fill reads as ink \
                     (augsafe recommend sets it to the background)"
                ));
            }
            ComponentSummary {
                path: leaf.path.clone(),
                class: leaf.class.clone(),
                p: leaf.p,
                spec: leaf.describe(),
                notes,
                transform: i + 1,
            }
        })
        .collect();
    let mut blame = BTreeMap::new();
    if let Some(whole) = report.transforms.first() {
        for (c, class) in whole.classes.iter().enumerate() {
            if class.verdict == Verdict::Safe {
                continue;
            }
            let culprit = components
                .iter()
                .map(|component| {
                    (
                        component,
                        report.transforms[component.transform].classes[c].change_rate,
                    )
                })
                .filter(|(_, rate)| *rate > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((component, rate)) = culprit {
                blame.insert(
                    class.label.clone(),
                    Blame {
                        component: component.path.clone(),
                        change_rate: rate,
                    },
                );
            }
        }
    }
    PipelineSummary {
        file: pipeline.path.display().to_string(),
        format: pipeline.format,
        albumentations_version: pipeline.version.clone(),
        spec: pipeline.to_spec(Some(dataset.background())),
        components,
        passed_through: pipeline.passed_through(),
        not_evaluated: pipeline
            .not_evaluated()
            .into_iter()
            .map(|(name, reason)| NotEvaluated { name, reason })
            .collect(),
        blame,
    }
}

fn report_entries(
    dataset: &Dataset,
    baseline: &mut Baseline,
    config: &ScanConfig,
    entries: &[(String, &dyn Augment)],
    progress: &(dyn Fn(u64) + Sync),
) -> Report {
    let augments: Vec<&dyn Augment> = entries.iter().map(|(_, a)| *a).collect();
    let known = baseline.known(dataset);
    let (mut tallies, has_ink, predicted) = measure_with(
        dataset,
        &baseline.classifier,
        known,
        &augments,
        config,
        progress,
    );
    if known.is_none() {
        (baseline.has_ink, baseline.predicted) = (has_ink, predicted);
    }
    let baseline = &*baseline;
    let confusion_rates = baseline.confusion_rates(dataset);
    for per_class in &mut tallies {
        discount_baseline_confusions(per_class, &confusion_rates);
    }
    let transforms = entries
        .iter()
        .zip(&tallies)
        .map(|((label, _), per_class)| {
            transform_report(label, per_class, &dataset.classes, &config.thresholds)
        })
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        seed: config.seed,
        draws: config.draws,
        thresholds: config.thresholds,
        dataset: dataset_summary(dataset, baseline),
        classifier: classifier_summary(dataset, baseline, config.margin),
        pipeline: None,
        transforms,
    }
}

/// One transformed glyph that read as another class, with what the classifier saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Index into the report's transforms.
    pub transform: usize,
    /// The true class.
    pub from: usize,
    /// The class it read as.
    pub to: usize,
    /// Index of the original among the dataset's glyphs.
    pub glyph: usize,
    /// Which draw of the transformation.
    pub draw: u32,
    /// The original image.
    pub original: GrayImage,
    /// The transformed image, as training would see it.
    pub transformed: GrayImage,
    /// The transformed glyph in canonical form, as the classifier saw it.
    pub canonical: GrayImage,
    /// The template of `to` it matched.
    pub template: GrayImage,
    /// Whether the original is dark ink on a light background (the canonical form and the
    /// template are drawn the same way round when shown).
    pub dark_on_light: bool,
}

/// Finds up to `per_pair` examples of each of the `pairs_per_transform` most frequent
/// from→to changes of every transformation that is not safe. `augments` must be the ones the
/// report was made from, in the same order, with the same `config`: the draws are repeated
/// exactly, so every example is one of the changes counted.
pub fn collect_examples(
    dataset: &Dataset,
    baseline: &Baseline,
    augments: &[&dyn Augment],
    report: &Report,
    config: &ScanConfig,
    per_pair: usize,
    pairs_per_transform: usize,
) -> Vec<Example> {
    let class_index = |label: &str| dataset.classes.iter().position(|c| c == label);
    let plan = DrawPlan::new(augments);
    let mut examples = Vec::new();
    for (t, (augment, transform)) in augments.iter().zip(&report.transforms).enumerate() {
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
                let mut scratch = DrawScratch::default();
                (0..draws_for(*augment, config.draws))
                    .filter_map(|draw| {
                        // The same canonical glyph and scoring as the scan's: the same outcome.
                        let pixels =
                            plan.canonical(dataset, index, (t, draw), config.seed, &mut scratch)?;
                        batch.clear();
                        let query = Query {
                            row: Some(batch.push_pixels(pixels)),
                            sample: Some(index),
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
                        let image = draw_image(dataset, index, *augment, (t, draw), config.seed);
                        let template = baseline.classifier.best_template_of(&features, to)?;
                        Some(Example {
                            transform: t,
                            from: glyph.label,
                            to,
                            glyph: index,
                            draw,
                            original: glyph.image.clone(),
                            transformed: image,
                            canonical: canonical.to_image(),
                            template: baseline.classifier.template_image(template),
                            dark_on_light: glyph.polarity == Polarity::DarkOnLight,
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

/// A generator of its own for each (image, transformation, draw), so that the order in which
/// threads reach them never changes a draw.
pub fn draw_rng(seed: u64, image: usize, transform: usize, draw: u32) -> ChaCha8Rng {
    let mut state = seed;
    for part in [image as u64, transform as u64, u64::from(draw)] {
        state = splitmix(state ^ splitmix(part));
    }
    ChaCha8Rng::seed_from_u64(state)
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Anything that turns a raw glyph image into an augmented one: a [`Transform`], or a whole
/// training pipeline read from a file.
pub trait Augment: Sync {
    /// Applies it to a raw image with the given background level and polarity.
    fn augment(
        &self,
        image: &GrayImage,
        background: u8,
        polarity: Polarity,
        rng: &mut ChaCha8Rng,
    ) -> GrayImage;

    /// Whether it draws anything at random (so it is worth drawing several times).
    fn is_random(&self) -> bool;

    /// For one that only moves the pixels of a square around, always the same way, where
    /// each pixel of a `side`×`side` result comes from (see [`Transform::square_permutation`]).
    fn square_permutation(&self, _side: u32) -> Option<Vec<u16>> {
        None
    }
}

impl Augment for Transform {
    fn augment(
        &self,
        image: &GrayImage,
        background: u8,
        polarity: Polarity,
        rng: &mut ChaCha8Rng,
    ) -> GrayImage {
        self.apply(image, background, polarity, rng)
    }

    fn is_random(&self) -> bool {
        Transform::is_random(self)
    }

    fn square_permutation(&self, side: u32) -> Option<Vec<u16>> {
        Transform::square_permutation(self, side)
    }
}

/// How many times a transformation is drawn per image.
pub fn draws_for(transform: &dyn Augment, draws: u32) -> u32 {
    if transform.is_random() {
        draws.max(1)
    } else {
        1
    }
}

/// What a transformation did to one class: judged samples, changes by target class, and the
/// samples the classifier could not call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Transformed samples judged.
    pub samples: usize,
    /// Samples read as another class.
    pub changed: usize,
    /// Samples too close to call, or left without ink.
    pub uncertain: usize,
    /// Changed samples by the class they read as.
    pub targets: BTreeMap<usize, usize>,
}

impl Tally {
    /// Adds another tally of the same class into this one.
    pub fn merge(&mut self, other: &Tally) {
        self.samples += other.samples;
        self.changed += other.changed;
        self.uncertain += other.uncertain;
        for (&to, &count) in &other.targets {
            *self.targets.entry(to).or_default() += count;
        }
    }

    fn record(&mut self, outcome: Outcome) {
        self.samples += 1;
        match outcome {
            Outcome::Kept => {}
            Outcome::Uncertain { .. } | Outcome::Empty => self.uncertain += 1,
            Outcome::Changed { to } => {
                self.changed += 1;
                *self.targets.entry(to).or_default() += 1;
            }
        }
    }

    /// `changed / samples`, 0 without samples.
    pub fn change_rate(&self) -> f64 {
        rate(self.changed, self.samples)
    }
}

/// Applies each transformation to every glyph recognised at baseline (random ones `draws`
/// times) and tallies the outcomes per transformation and class, before any baseline discount.
/// `progress` is called with the number of images finished.
pub fn measure(
    dataset: &Dataset,
    baseline: &Baseline,
    transforms: &[&dyn Augment],
    config: &ScanConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Vec<Tally>> {
    measure_with(
        dataset,
        &baseline.classifier,
        baseline.known(dataset),
        transforms,
        config,
        progress,
    )
    .0
}

/// [`measure`] with the leave-one-out predictions `known`, or without: then each chunk of
/// images is classified leave-one-out first (the original's canonical form then serves the
/// square symmetries too), and the predictions come back with whether each glyph has ink.
fn measure_with(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    known: Option<&[Option<usize>]>,
    transforms: &[&dyn Augment],
    config: &ScanConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> (Vec<Vec<Tally>>, Vec<bool>, Vec<Option<usize>>) {
    let done = std::sync::atomic::AtomicU64::new(0);
    let empty = || vec![vec![Tally::default(); dataset.classes.len()]; transforms.len()];
    let n = dataset.glyphs.len();
    let indices: Vec<usize> = (0..n).collect();
    let (mut has_ink, mut predicted) = (vec![false; n], vec![None; n]);
    let plan = DrawPlan::new(transforms);
    // Fixed chunks of images: their transformed glyphs are scored together, and counts are
    // merged by addition, so the thread count changes nothing.
    let chunks = indices
        .par_chunks(IMAGES_PER_BATCH)
        .zip(has_ink.par_chunks_mut(IMAGES_PER_BATCH))
        .zip(predicted.par_chunks_mut(IMAGES_PER_BATCH));
    let tallies = chunks
        .map_init(
            || (GlyphBatch::new(), Vec::new()),
            |(batch, originals), ((chunk, has_ink), predicted)| {
                let correct =
                    |index: usize, p: Option<usize>| p == Some(dataset.glyphs[index].label);
                let images: Vec<(usize, Option<&[f32]>)> = match known {
                    Some(known) => chunk
                        .iter()
                        .filter(|&&index| correct(index, known.get(index).copied().flatten()))
                        .map(|&index| (index, None))
                        .collect(),
                    None => {
                        let found = leave_one_out(dataset, classifier, chunk, batch, originals);
                        let slots = has_ink.iter_mut().zip(predicted.iter_mut());
                        for ((ink, p), &(has, class)) in slots.zip(&found) {
                            (*ink, *p) = (has, class);
                        }
                        chunk
                            .iter()
                            .zip(&found)
                            .zip(originals.chunks_exact(CANONICAL_DIM))
                            .filter(|((&index, &(_, p)), _)| correct(index, p))
                            .map(|((&index, _), pixels)| (index, Some(pixels)))
                            .collect()
                    }
                };
                let mut local = empty();
                for (t, query, outcome) in
                    transform_glyphs(dataset, classifier, &images, &plan, config, batch)
                {
                    local[t][query.label].record(outcome);
                }
                let finished =
                    done.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                progress(finished + chunk.len() as u64);
                local
            },
        )
        .reduce(empty, |mut a, b| {
            for (per_class_a, per_class_b) in a.iter_mut().zip(&b) {
                for (tally_a, tally_b) in per_class_a.iter_mut().zip(per_class_b) {
                    tally_a.merge(tally_b);
                }
            }
            a
        });
    (tallies, has_ink, predicted)
}

/// Classifies a chunk of glyphs leave-one-out: per glyph, whether it has ink and the class it
/// reads as with itself taken out of its template. Their canonical forms are left in
/// `originals`, [`CANONICAL_DIM`] values each, for the square symmetries to move.
fn leave_one_out(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    chunk: &[usize],
    batch: &mut GlyphBatch,
    originals: &mut Vec<f32>,
) -> Vec<(bool, Option<usize>)> {
    batch.clear();
    originals.resize(chunk.len() * CANONICAL_DIM, 0.0);
    let queries: Vec<Query> = chunk
        .iter()
        .zip(originals.chunks_exact_mut(CANONICAL_DIM))
        .map(|(&index, pixels)| {
            let glyph = &dataset.glyphs[index];
            let has_ink = canonical_into(&glyph.image, glyph.background, glyph.polarity, pixels);
            Query {
                row: has_ink.then(|| batch.push_pixels(pixels)),
                sample: Some(index),
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

/// One draw of one transformation on glyph `index`: the transformed image, as training would
/// see it. `which` is the (transformation, draw) pair that seeds the draw's own generator.
fn draw_image(
    dataset: &Dataset,
    index: usize,
    augment: &dyn Augment,
    (transform, draw): (usize, u32),
    seed: u64,
) -> GrayImage {
    let glyph = &dataset.glyphs[index];
    let mut rng = draw_rng(seed, index, transform, draw);
    augment.augment(&glyph.image, glyph.background, glyph.polarity, &mut rng)
}

/// How the scan turns each draw into a canonical glyph. Most transformations are applied to
/// the raw image, which is then normalised; a square symmetry (a flip, a quarter turn) moves
/// the pixels of the original's canonical glyph instead, which is the same glyph (every step of
/// normalisation treats rows and columns alike) for a fraction of the work.
pub(crate) struct DrawPlan<'a> {
    transforms: &'a [&'a dyn Augment],
    permutations: Vec<Option<PixelMap>>,
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

/// Buffers for [`DrawPlan::canonical`], reused from draw to draw.
#[derive(Default)]
pub(crate) struct DrawScratch {
    /// The glyph whose canonical form `original` holds, and whether it had ink.
    original_of: Option<(usize, bool)>,
    original: Vec<f32>,
    pixels: Vec<f32>,
}

impl DrawScratch {
    /// Takes the canonical form of glyph `index`, which has ink, as made elsewhere.
    fn keep_original(&mut self, index: usize, pixels: &[f32]) {
        self.original.clear();
        self.original.extend_from_slice(pixels);
        self.original_of = Some((index, true));
    }
}

impl<'a> DrawPlan<'a> {
    pub(crate) fn new(transforms: &'a [&'a dyn Augment]) -> DrawPlan<'a> {
        DrawPlan {
            transforms,
            permutations: transforms
                .iter()
                .map(|t| {
                    t.square_permutation(CANONICAL_SIZE)
                        .map(|map| PixelMap::new(map, CANONICAL_SIZE as usize))
                })
                .collect(),
        }
    }

    /// The canonical pixels of one draw of a transformation on glyph `index`, `None` when no
    /// ink is left; `which` is (transformation, draw).
    pub(crate) fn canonical<'s>(
        &self,
        dataset: &Dataset,
        index: usize,
        which: (usize, u32),
        seed: u64,
        scratch: &'s mut DrawScratch,
    ) -> Option<&'s [f32]> {
        let glyph = &dataset.glyphs[index];
        scratch.pixels.resize(CANONICAL_DIM, 0.0);
        match self.permutations.get(which.0).and_then(Option::as_ref) {
            Some(map) => {
                let has_ink = match scratch.original_of {
                    Some((of, has_ink)) if of == index => has_ink,
                    _ => {
                        scratch.original.resize(CANONICAL_DIM, 0.0);
                        let has_ink = canonical_into(
                            &glyph.image,
                            glyph.background,
                            glyph.polarity,
                            &mut scratch.original,
                        );
                        scratch.original_of = Some((index, has_ink));
                        has_ink
                    }
                };
                if !has_ink {
                    return None;
                }
                map.apply(&scratch.original, &mut scratch.pixels);
            }
            None => {
                let augment = *self.transforms.get(which.0)?;
                let image = draw_image(dataset, index, augment, which, seed);
                if !canonical_into(
                    &image,
                    glyph.background,
                    glyph.polarity,
                    &mut scratch.pixels,
                ) {
                    return None;
                }
            }
        }
        Some(&scratch.pixels)
    }
}

/// Images whose glyphs are scored together: their transformed glyphs (about 20 each with the
/// default set) and the templates stay in the processor's second-level cache.
const IMAGES_PER_BATCH: usize = 8;

/// Applies every transformation (every draw) to each of `indices`, scores all the transformed
/// glyphs together and judges each against its true class: per transformed glyph, the index
/// of its transformation, its query and its outcome.
fn transform_glyphs(
    dataset: &Dataset,
    classifier: &TemplateClassifier,
    images: &[(usize, Option<&[f32]>)],
    plan: &DrawPlan,
    config: &ScanConfig,
    batch: &mut GlyphBatch,
) -> Vec<(usize, Query, Outcome)> {
    batch.clear();
    let mut queries = Vec::new();
    let mut which = Vec::new();
    let mut scratch = DrawScratch::default();
    for &(index, original) in images {
        let glyph = &dataset.glyphs[index];
        if let Some(pixels) = original {
            scratch.keep_original(index, pixels);
        }
        for (t, transform) in plan.transforms.iter().enumerate() {
            for draw in 0..draws_for(*transform, config.draws) {
                let pixels = plan.canonical(dataset, index, (t, draw), config.seed, &mut scratch);
                queries.push(Query {
                    row: pixels.map(|pixels| batch.push_pixels(pixels)),
                    sample: Some(index),
                    label: glyph.label,
                });
                which.push(t);
            }
        }
    }
    let outcomes = classifier.judge_batch(batch, &queries, config.margin);
    which
        .into_iter()
        .zip(queries)
        .zip(outcomes)
        .map(|((t, query), outcome)| (t, query, outcome))
        .collect()
}

fn rate(count: usize, samples: usize) -> f64 {
    if samples == 0 {
        0.0
    } else {
        count as f64 / samples as f64
    }
}

/// What was read, for a report: images, classes, and every file that could not be used
/// (including images whose glyph has too little ink to classify).
pub fn dataset_summary(dataset: &Dataset, baseline: &Baseline) -> DatasetSummary {
    let mut skipped = dataset.skipped.clone();
    for (glyph, &has_ink) in dataset.glyphs.iter().zip(&baseline.has_ink) {
        if !has_ink {
            skipped.push(Skipped {
                path: glyph.path.clone(),
                reason: "no glyph: too little ink to classify".to_string(),
            });
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    DatasetSummary {
        root: dataset.root.display().to_string(),
        images: dataset.glyphs.len(),
        classes: dataset.classes.clone(),
        skipped,
        ignored: dataset.ignored,
        empty_classes: dataset.empty_classes.clone(),
    }
}

/// The classifier and its baseline, for a report.
pub fn classifier_summary(
    dataset: &Dataset,
    baseline: &Baseline,
    margin: f32,
) -> ClassifierSummary {
    let classes = &dataset.classes;
    let counts = dataset.class_counts();
    let mut correct = vec![0usize; classes.len()];
    for (index, glyph) in dataset.glyphs.iter().enumerate() {
        if baseline.is_correct(dataset, index) {
            correct[glyph.label] += 1;
        }
    }
    ClassifierSummary {
        kind: "template-ncc".to_string(),
        templates: baseline.classifier.template_count(),
        margin,
        baseline_accuracy: rate(correct.iter().sum(), dataset.glyphs.len()),
        per_class_accuracy: classes
            .iter()
            .enumerate()
            .map(|(c, label)| (label.clone(), rate(correct[c], counts[c])))
            .collect(),
        confusions: sorted_pairs(&baseline.confusions(dataset), classes, &counts),
    }
}

/// A change into a class that the classifier already confuses with the true class at baseline
/// counts only beyond the baseline rate of that confusion: up to that rate it is the
/// classifier's weakness, not the transformation's doing, and it is counted as uncertain.
pub fn discount_baseline_confusions(
    tallies: &mut [Tally],
    confusion_rates: &BTreeMap<(usize, usize), f64>,
) {
    for (from, tally) in tallies.iter_mut().enumerate() {
        let samples = tally.samples;
        let mut excused = 0;
        tally.targets.retain(|&to, count| {
            let baseline_rate = confusion_rates.get(&(from, to)).copied().unwrap_or(0.0);
            let expected = (baseline_rate * samples as f64).round() as usize;
            let forgiven = expected.min(*count);
            *count -= forgiven;
            excused += forgiven;
            *count > 0
        });
        tally.changed -= excused;
        tally.uncertain += excused;
    }
}

/// One transformation's report from its per-class tallies.
pub fn transform_report(
    spec: &str,
    tallies: &[Tally],
    classes: &[String],
    thresholds: &Thresholds,
) -> TransformReport {
    let class_reports: Vec<ClassReport> = tallies
        .iter()
        .zip(classes)
        .map(|(tally, label)| {
            let change_rate = rate(tally.changed, tally.samples);
            ClassReport {
                label: label.clone(),
                samples: tally.samples,
                changed: tally.changed,
                uncertain: tally.uncertain,
                change_rate,
                verdict: thresholds.verdict(change_rate),
                targets: tally
                    .targets
                    .iter()
                    .map(|(&to, &count)| (classes[to].clone(), count))
                    .collect(),
            }
        })
        .collect();
    let mut pair_counts = BTreeMap::new();
    for (from, tally) in tallies.iter().enumerate() {
        for (&to, &count) in &tally.targets {
            pair_counts.insert((from, to), count);
        }
    }
    let samples_per_class: Vec<usize> = tallies.iter().map(|t| t.samples).collect();
    let samples = samples_per_class.iter().sum();
    let changed = tallies.iter().map(|t| t.changed).sum();
    let verdict = class_reports
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(crate::report::Verdict::Safe);
    TransformReport {
        spec: spec.to_string(),
        samples,
        changed,
        uncertain: tallies.iter().map(|t| t.uncertain).sum(),
        change_rate: rate(changed, samples),
        verdict,
        classes: class_reports,
        pairs: sorted_pairs(&pair_counts, classes, &samples_per_class),
    }
}

/// From→to counts as pairs, most frequent first, then by class order.
fn sorted_pairs(
    counts: &BTreeMap<(usize, usize), usize>,
    classes: &[String],
    samples: &[usize],
) -> Vec<Pair> {
    let mut pairs: Vec<(&(usize, usize), &usize)> = counts.iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    pairs
        .into_iter()
        .map(|(&(from, to), &count)| Pair {
            from: classes[from].clone(),
            to: classes[to].clone(),
            count,
            rate: rate(count, samples[from]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_draw_has_its_own_stream() {
        use rand::Rng;
        let first: u64 = draw_rng(1, 0, 0, 0).random();
        assert_eq!(first, draw_rng(1, 0, 0, 0).random::<u64>());
        for other in [
            draw_rng(2, 0, 0, 0),
            draw_rng(1, 1, 0, 0),
            draw_rng(1, 0, 1, 0),
            draw_rng(1, 0, 0, 1),
        ] {
            let mut other = other;
            assert_ne!(first, other.random::<u64>());
        }
    }

    #[test]
    fn changes_count_only_beyond_the_baseline_confusion_rate() {
        let mut tallies = vec![
            Tally {
                samples: 20,
                changed: 12,
                uncertain: 1,
                targets: BTreeMap::from([(1, 10), (2, 2)]),
            },
            Tally {
                samples: 10,
                changed: 1,
                uncertain: 0,
                targets: BTreeMap::from([(0, 1)]),
            },
        ];
        // Class 0 is read as class 1 a quarter of the time at baseline; 1 as 0 a fifth.
        let baseline = BTreeMap::from([((0, 1), 0.25), ((1, 0), 0.2)]);
        discount_baseline_confusions(&mut tallies, &baseline);
        // 5 of the 10 changes 0→1 are what the baseline already does.
        assert_eq!(tallies[0].changed, 7);
        assert_eq!(tallies[0].uncertain, 6);
        assert_eq!(tallies[0].targets, BTreeMap::from([(1, 5), (2, 2)]));
        // The single change 1→0 is within the baseline rate (2 of 10): no change is left.
        assert_eq!(tallies[1].changed, 0);
        assert_eq!(tallies[1].uncertain, 1);
        assert!(tallies[1].targets.is_empty());
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
        for spec in specs {
            let transform: Transform = spec.parse().unwrap();
            let map = transform.square_permutation(CANONICAL_SIZE).unwrap();
            // Square and not, glyph-like blobs on a light background.
            for (w, h) in [(28, 28), (32, 32), (20, 37)] {
                let (x0, y0) = (rng.random_range(0..w / 2), rng.random_range(0..h / 2));
                let image = GrayImage::from_fn(w, h, |x, y| {
                    let inside = (x0..x0 + w / 3).contains(&x) && (y0..y0 + h / 2).contains(&y);
                    image::Luma([if inside { rng.random_range(0..80) } else { 250 }])
                });
                let moved = transform.apply(&image, 250, Polarity::DarkOnLight, &mut rng);
                let direct = normalize(&moved, 250, Polarity::DarkOnLight).unwrap();
                let original = normalize(&image, 250, Polarity::DarkOnLight).unwrap();
                for (i, &from) in map.iter().enumerate() {
                    let diff = (direct.pixels()[i] - original.pixels()[usize::from(from)]).abs();
                    assert!(diff < 1e-5, "{spec} {w}x{h} pixel {i}: {diff}");
                }
                // Row by row, as the scan moves them, the same as pixel by pixel.
                let moves = PixelMap::new(map.clone(), CANONICAL_SIZE as usize);
                assert!(moves.rows.iter().all(Option::is_some), "{spec}");
                let mut moved = vec![f32::NAN; map.len()];
                moves.apply(original.pixels(), &mut moved);
                for (i, &from) in map.iter().enumerate() {
                    assert_eq!(
                        moved[i].to_bits(),
                        original.pixels()[usize::from(from)].to_bits()
                    );
                }
            }
        }
        for spec in ["rotate:45", "rot90", "d4", "crop:0.8", "hflip+crop:0.9"] {
            let transform: Transform = spec.parse().unwrap();
            assert!(
                transform.square_permutation(CANONICAL_SIZE).is_none(),
                "{spec}"
            );
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
