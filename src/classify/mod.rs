//! The template classifier built from the dataset: clustering each class into templates
//! (`cluster`), the 8-bit templates (`quantize`), glyph batches (`batch`) and scoring and
//! judging them (`score`).
//!
//! Each class gets one template per style it contains: its samples are clustered (spherical
//! k-means on canonical glyphs, a new cluster seeded at the worst-fitting sample until every
//! sample sits close to its template) and each cluster's mean is a template. One mean of three
//! fonts is a blur that matches nothing well; three means match their own fonts. A glyph is
//! scored against a class by the best normalised cross-correlation with that class's templates.

use std::ops::Range;

use rayon::prelude::*;

use crate::glyph::GlyphImage;
use crate::normalize::{
    canonical_into, features_and_values, quantize_template, Form, QuantizedGlyph, QuantizedTemplate,
};
use crate::simd::PackedTemplates;

mod batch;
mod cluster;
pub mod model;
mod quantize;
mod score;
mod shortlist;

pub use batch::{GlyphBatch, Query};
use cluster::{cluster, norm};
use quantize::quantize_all;
use score::*;
pub use shortlist::SHORTLIST_FROM;
use shortlist::{exact_among, settled_among, shortlisted, Shortlist};

thread_local! {
    /// Each thread's scratch for scoring through a shortlist.
    static SHORTLIST_WORK: std::cell::Cell<shortlist::Work> = std::cell::Cell::default();
}

/// Membership of a sample that belongs to no template (it had no ink).
const NO_TEMPLATE: usize = usize::MAX;

/// Centres are found on at most this many samples of a class.
const CLUSTER_SUBSET: usize = 512;

/// Settings of the template classifier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassifierOptions {
    /// A class gets another template while one of its samples correlates less than this with
    /// its own template.
    pub cluster_similarity: f32,
    /// At most this many templates per class.
    pub max_templates_per_class: usize,
    /// The form glyphs are brought into before they are compared.
    pub form: Form,
    /// Whether a scan chooses the form's side from the dataset (see
    /// [`Baseline::templates`](crate::scan::Baseline::templates)) rather than take `form.side`.
    pub side_from_dataset: bool,
    /// From this many templates on, glyphs are scored through a short list of candidate
    /// templates (a proven bound from their principal directions, see
    /// [`SHORTLIST_FROM`]); it changes no answer, only the work. `usize::MAX` never.
    pub shortlist_from: usize,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        ClassifierOptions {
            cluster_similarity: 0.97,
            max_templates_per_class: 64,
            form: Form::default(),
            side_from_dataset: true,
            shortlist_from: SHORTLIST_FROM,
        }
    }
}

/// Per-class templates matched by normalised cross-correlation.
#[derive(Clone, Debug)]
pub struct TemplateClassifier {
    classes: usize,
    /// The form the templates are in, and every glyph compared with them must be.
    form: Form,
    dim: usize,
    /// Unit-length template vectors, `dim` each, one after another.
    units: Vec<f32>,
    /// Per template: its class, how many samples it averages, and the length of their sum.
    templates: Vec<TemplateInfo>,
    /// For each training sample, the template it belongs to.
    membership: Vec<usize>,
    /// For each training sample, the correlation of its features with its own template (0
    /// for a sample that belongs to none).
    own_scores: Vec<f32>,
    /// The templates in 8 bits, for a first score of every template.
    quantized: PackedTemplates,
    /// How to read each 8-bit template back, field by field (so a glyph's scores against all
    /// of them are computed in one vectorised loop).
    quantized_scale: Vec<f32>,
    quantized_offset: Vec<f32>,
    quantized_sum: Vec<f32>,
    /// Per class, its templates: they are stored class by class.
    class_templates: Vec<Range<usize>>,
    /// The principal directions of the templates, for a short list of candidates when there
    /// are many of them.
    shortlist: Option<Box<Shortlist>>,
}

/// A query's training sample, to be taken out of its own template.
#[derive(Clone, Copy, Debug)]
pub(super) struct Own {
    /// The template the sample belongs to.
    pub(super) template: usize,
    /// The sample's correlation with that template.
    pub(super) sample_score: f32,
    /// The sample's correlation with the glyph being scored.
    pub(super) overlap: f32,
}

/// The correlation of two feature vectors (see
/// [`Canonical::features`](crate::normalize::Canonical::features)): their dot product, summed
/// as every score is, so the same vectors give the same bits everywhere.
pub fn correlation(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b)
}

#[derive(Clone, Copy, Debug)]
struct TemplateInfo {
    class: usize,
    count: usize,
    sum_norm: f32,
}

impl TemplateClassifier {
    /// Builds templates from unit-length feature vectors and their class labels
    /// (`labels[i] < classes`).
    pub fn build(
        features: &[Vec<f32>],
        labels: &[usize],
        classes: usize,
        options: &ClassifierOptions,
    ) -> TemplateClassifier {
        TemplateClassifier::build_by_class(classes, features.len(), options, |class| {
            (0..features.len())
                .filter(|&i| labels[i] == class)
                .map(|i| (i, features[i].clone()))
                .collect()
        })
    }

    /// Builds templates one class at a time, so that only one class's feature vectors are in
    /// memory at once: `class_samples(c)` gives the (sample id, unit feature vector) pairs of
    /// class `c`, with sample ids below `samples`. Samples never given (no ink) belong to no
    /// template.
    pub fn build_by_class(
        classes: usize,
        samples: usize,
        options: &ClassifierOptions,
        class_samples: impl Fn(usize) -> Vec<(usize, Vec<f32>)> + Sync,
    ) -> TemplateClassifier {
        let mut dim = 0;
        let mut units = Vec::new();
        let mut templates = Vec::new();
        let mut membership = vec![NO_TEMPLATE; samples];
        let mut own_scores = vec![0.0f32; samples];
        let mut next = if classes > 0 {
            class_samples(0)
        } else {
            Vec::new()
        };
        for class in 0..classes {
            let members = std::mem::take(&mut next);
            // The next class's samples are made while this one is clustered: clustering has
            // steps that run on one core, and making samples keeps the other busy.
            let (clustered, following) = rayon::join(
                || {
                    let vectors: Vec<&[f32]> = members.iter().map(|(_, f)| f.as_slice()).collect();
                    (!vectors.is_empty()).then(|| cluster(&vectors, options))
                },
                || {
                    if class + 1 < classes {
                        class_samples(class + 1)
                    } else {
                        Vec::new()
                    }
                },
            );
            next = following;
            let Some((sums, assignment)) = clustered else {
                continue;
            };
            dim = members[0].1.len();
            let first = templates.len();
            for (sum, count) in sums {
                let sum_norm = norm(&sum);
                units.extend(sum.iter().map(|v| v / sum_norm.max(f32::MIN_POSITIVE)));
                templates.push(TemplateInfo {
                    class,
                    count,
                    sum_norm,
                });
            }
            for ((sample, features), &slot) in members.iter().zip(&assignment) {
                let template = first + slot;
                if let Some(entry) = membership.get_mut(*sample) {
                    *entry = template;
                }
                if let Some(entry) = own_scores.get_mut(*sample) {
                    let unit = &units[template * dim..(template + 1) * dim];
                    *entry = dot(unit, features);
                }
            }
        }
        let (quantized, quantized_info) = quantize_all(&units, dim, templates.len());
        let shortlist = (templates.len() >= options.shortlist_from)
            .then(|| Shortlist::build(&units, dim, templates.len()).map(Box::new))
            .flatten();
        let mut class_templates = vec![0..0; classes];
        for (index, info) in templates.iter().enumerate() {
            let range = &mut class_templates[info.class];
            if range.start == range.end {
                *range = index..index + 1;
            } else {
                range.end = index + 1;
            }
        }
        TemplateClassifier {
            classes,
            form: options.form,
            dim,
            units,
            templates,
            membership,
            own_scores,
            quantized,
            quantized_scale: quantized_info.iter().map(|q| q.scale).collect(),
            quantized_offset: quantized_info.iter().map(|q| q.offset).collect(),
            quantized_sum: quantized_info.iter().map(|q| q.sum as f32).collect(),
            class_templates,
            shortlist,
        }
    }

    /// The form the templates are in; glyphs compared with them must be brought into it.
    pub fn form(&self) -> Form {
        self.form
    }

    /// The templates as a NumPy `.npy` file: float32, shape `[templates, dim]`, little-endian.
    pub fn to_npy(&self) -> Vec<u8> {
        let header = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
            self.templates.len(),
            self.dim
        );
        // Magic, version 1.0, header length; the header is padded so the data starts on a
        // multiple of 64 bytes, and ends with a newline.
        let unpadded = 10 + header.len() + 1;
        let padding = (64 - unpadded % 64) % 64;
        let header_len = header.len() + padding + 1;
        let mut out = Vec::with_capacity(10 + header_len + self.units.len() * 4);
        out.extend_from_slice(b"\x93NUMPY\x01\x00");
        out.extend_from_slice(&u16::try_from(header_len).unwrap_or(u16::MAX).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend(std::iter::repeat_n(b' ', padding));
        out.push(b'\n');
        for v in &self.units {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// How many templates there are in all.
    pub fn template_count(&self) -> usize {
        self.templates.len()
    }

    /// The class of each template, in template order.
    pub fn template_classes(&self) -> Vec<usize> {
        self.templates.iter().map(|t| t.class).collect()
    }

    /// A template's unit-length vector.
    pub fn template(&self, index: usize) -> &[f32] {
        &self.units[index * self.dim..(index + 1) * self.dim]
    }

    fn template_scores(&self, features: &[f32]) -> Vec<f32> {
        self.units
            .chunks_exact(self.dim.max(1))
            .map(|unit| dot(unit, features))
            .collect()
    }

    /// Class scores from a glyph's raw template scores; with `left_out`, a training sample and
    /// the correlation of its features with the glyph's, that sample is taken out of its
    /// template (see [`TemplateClassifier::leave_one_out_scores`]).
    pub fn class_scores_from(
        &self,
        template_scores: &[f32],
        left_out: Option<(usize, f32)>,
    ) -> Vec<f32> {
        let own = left_out.and_then(|(sample, overlap)| self.own_template(sample, overlap));
        let mut scores = vec![f32::NEG_INFINITY; self.classes];
        for (index, &score) in template_scores.iter().enumerate() {
            if let Some(score) = self.adjusted(index, own, score) {
                let best = &mut scores[self.templates[index].class];
                *best = best.max(score);
            }
        }
        scores
    }

    /// The templates of `class`, one run of them (they are stored class by class).
    fn class_run(&self, class: usize) -> Range<usize> {
        self.class_templates.get(class).cloned().unwrap_or(0..0)
    }

    /// The template training sample `sample` belongs to, if any, with what taking the sample
    /// out of it needs: `overlap` is the correlation of the sample's features with the glyph's
    /// (1 for the sample itself).
    pub(super) fn own_template(&self, sample: usize, overlap: f32) -> Option<Own> {
        let template = self
            .membership
            .get(sample)
            .copied()
            .filter(|&t| t != NO_TEMPLATE)?;
        Some(Own {
            template,
            sample_score: self.own_scores.get(sample).copied().unwrap_or(0.0),
            overlap,
        })
    }

    /// [`TemplateClassifier::own_template`] of a query's training sample, if it has one.
    pub(super) fn own_template_of(&self, query: &Query) -> Option<Own> {
        query
            .sample
            .and_then(|sample| self.own_template(sample, query.overlap))
    }

    /// A template's score for a glyph, with the training sample taken out of the template when
    /// it is its own (`own`); `None` when nothing of the template is left without it.
    ///
    /// With S the sum of the template's unit samples (u = S / |S| the template, `score` = u·q
    /// for the glyph q) and x the sample, the template without x scores
    /// (S − x)·q / |S − x| = (|S| u·q − x·q) / √(|S|² − 2 |S| u·x + 1). It rises with u·q, so a
    /// bracket on u·q maps end to end.
    #[inline]
    fn adjusted(&self, index: usize, own: Option<Own>, score: f32) -> Option<f32> {
        let Some(own) = own.filter(|own| own.template == index) else {
            return Some(score);
        };
        let info = self.templates[index];
        if info.count < 2 {
            return None;
        }
        let s_dot_x = info.sum_norm * own.sample_score;
        let rest_norm2 = info.sum_norm * info.sum_norm - 2.0 * s_dot_x + 1.0;
        if rest_norm2 <= 1e-12 {
            return None;
        }
        Some((info.sum_norm * score - own.overlap) / rest_norm2.sqrt())
    }

    /// Judges each query — (row of `batch`, training sample it was made from, its true class)
    /// — as [`judge`] (with `margin` and `floor`) does on
    /// [`TemplateClassifier::class_scores_from`] of its exact scores, with the same result.
    ///
    /// Every template is first scored in 8 bits (one integer matrix product for the whole
    /// batch), which brackets the exact score within a bound; only the templates that could
    /// still be the best of the glyph's own class or the best of the others are then scored
    /// exactly. Templates left out lie below another template's exact score, so they could not
    /// change either best.
    pub fn judge_batch(
        &self,
        batch: &GlyphBatch,
        queries: &[Query],
        margin: f32,
        floor: f32,
    ) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(queries.len());
        self.exact_class_scores(
            batch,
            queries,
            Some((margin, floor)),
            true,
            |query, answer| {
                outcomes.push(match (query.row, answer) {
                    (None, _) => Outcome::Empty,
                    (Some(_), Answer::Judged(outcome)) => outcome,
                    (Some(_), Answer::Scores(scores)) => judge(scores, query.label, margin, floor),
                    // Not given when judging; judged as scores of nothing would be.
                    (Some(_), Answer::Predicted(_)) => Outcome::Kept,
                });
            },
        );
        outcomes
    }

    /// The class each query reads as ([`predict`] on its exact class scores), `None` for a
    /// query without a glyph; see [`TemplateClassifier::judge_batch`].
    pub fn predict_batch(&self, batch: &GlyphBatch, queries: &[Query]) -> Vec<Option<usize>> {
        let mut predictions = Vec::with_capacity(queries.len());
        self.exact_class_scores(batch, queries, None, true, |query, answer| {
            predictions.push(query.row.and_then(|_| match answer {
                Answer::Predicted(class) => class,
                Answer::Scores(scores) => predict(scores),
                Answer::Judged(_) => None,
            }));
        });
        predictions
    }

    /// The exact integer dot products of every glyph of `batch` in 8 bits with every template
    /// in 8 bits, glyph by glyph (`templates` per glyph): the first step of
    /// [`TemplateClassifier::judge_batch`], on its own for benchmarks. Empty when the batch's
    /// glyphs are not the size of the templates.
    pub fn products(&self, batch: &GlyphBatch) -> Vec<i32> {
        let count = self.templates.len();
        if batch.dim != self.dim || count == 0 {
            return Vec::new();
        }
        let mut dots = vec![0i32; batch.len() * count];
        self.quantized
            .dot(&batch.quantized[..batch.len() * batch.stride], &mut dots);
        dots
    }

    /// Calls `each` with every query and either the answer of [`judge`] (with `judging`:
    /// margin and floor) or [`predict`] (without) on its exact scores, where the brackets
    /// settle it (and `settle` lets them), or class scores on which they give that answer:
    /// exact for the query's own class and the best other class, lower for the rest.
    ///
    /// The brackets come from the 8-bit products with every template, or with many templates
    /// from the short list (see [`Shortlist`]); either way they hold the exact scores.
    fn exact_class_scores(
        &self,
        batch: &GlyphBatch,
        queries: &[Query],
        judging: Option<(f32, f32)>,
        settle: bool,
        mut each: impl FnMut(&Query, Answer<'_>),
    ) {
        let count = self.templates.len();
        if let Some(list) = &self.shortlist {
            // The scratch of this thread's last batch, taken (not borrowed, so a nested call
            // finds it empty rather than in use) and given back at the end: a batch's 8-bit
            // products are megabytes, not to be zeroed again for every batch. Every value is
            // written before it is read.
            let mut work = SHORTLIST_WORK.take();
            let (mut bracket, mut scores) = (
                std::mem::take(&mut work.bracket),
                std::mem::take(&mut work.scores),
            );
            bracket.lows.resize(count, 0.0);
            bracket.highs.resize(count, 0.0);
            scores.resize(self.classes, f32::NEG_INFINITY);
            if batch.dim == self.dim {
                list.project(batch, &mut work.projection);
            }
            for query in queries {
                let Some(row) = query.row.filter(|_| batch.dim == self.dim) else {
                    scores.fill(f32::NEG_INFINITY);
                    each(query, Answer::Scores(&scores));
                    continue;
                };
                if batch.info[row].is_none() {
                    // No contrast to bracket from: every template is scored exactly, as
                    // without the shortlist.
                    scores.fill(f32::NEG_INFINITY);
                    brackets(self, batch, row, query, &[], &mut bracket);
                    exact_scores(self, batch, row, query, &bracket, &mut scores);
                    each(query, Answer::Scores(&scores));
                    continue;
                }
                let glyph = work.projection.row(row, count);
                shortlisted(self, list, &glyph, query, &mut bracket, &mut work.lists);
                let settled = settle
                    .then(|| settled_among(&work.lists.candidates, query.label, judging))
                    .flatten();
                match settled {
                    Some(answer) => each(query, answer),
                    None => {
                        scores.fill(f32::NEG_INFINITY);
                        exact_among(
                            self,
                            batch.features(row),
                            query,
                            &work.lists.candidates,
                            &mut scores,
                        );
                        each(query, Answer::Scores(&scores));
                    }
                }
            }
            (work.bracket, work.scores) = (bracket, scores);
            SHORTLIST_WORK.set(work);
            return;
        }
        let mut scores = vec![f32::NEG_INFINITY; self.classes];
        let mut bracket = Brackets {
            lows: vec![0.0; count],
            highs: vec![0.0; count],
        };
        let dots = self.products(batch);
        for query in queries {
            let Some(row) = query.row.filter(|_| batch.dim == self.dim) else {
                scores.fill(f32::NEG_INFINITY);
                each(query, Answer::Scores(&scores));
                continue;
            };
            let dots = &dots[row * count..(row + 1) * count];
            brackets(self, batch, row, query, dots, &mut bracket);
            let settled = settle
                .then(|| settled(self, query.label, judging, &bracket))
                .flatten();
            match settled {
                Some(answer) => each(query, answer),
                None => {
                    scores.fill(f32::NEG_INFINITY);
                    exact_scores(self, batch, row, query, &bracket, &mut scores);
                    each(query, Answer::Scores(&scores));
                }
            }
        }
    }

    /// Per query: its own class's exact score, the best other class's and the class it reads
    /// as (see [`predict`]), each with the query's training sample taken out of its own
    /// template; minus infinity and `None` for a query without a glyph. The scores
    /// [`TemplateClassifier::leave_one_out_scores`] gives for those classes, for a batch.
    pub fn own_and_rival_batch(&self, batch: &GlyphBatch, queries: &[Query]) -> Vec<OwnAndRival> {
        let mut out = Vec::with_capacity(queries.len());
        self.exact_class_scores(batch, queries, None, false, |query, answer| {
            let scores = match answer {
                Answer::Scores(scores) => scores,
                // Not given without settling.
                Answer::Judged(_) | Answer::Predicted(_) => &[],
            };
            let own = scores
                .get(query.label)
                .copied()
                .unwrap_or(f32::NEG_INFINITY);
            let rival = scores
                .iter()
                .enumerate()
                .filter(|&(class, _)| class != query.label)
                .fold(f32::NEG_INFINITY, |m, (_, &v)| m.max(v));
            out.push(OwnAndRival {
                own,
                rival,
                predicted: query.row.and_then(|_| predict(scores)),
            });
        });
        out
    }

    /// The template of `class` that matches a glyph best.
    pub fn best_template_of(&self, features: &[f32], class: usize) -> Option<usize> {
        self.template_scores(features)
            .into_iter()
            .enumerate()
            .filter(|&(index, _)| self.templates[index].class == class)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(index, _)| index)
    }

    /// A template as an image of the canonical size, its values stretched to 0..255 (ink
    /// bright, like [`Canonical::to_image`](crate::normalize::Canonical::to_image)).
    pub fn template_image(&self, index: usize) -> image::GrayImage {
        let unit = self.template(index);
        let (lo, hi) = unit
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let span = (hi - lo).max(f32::MIN_POSITIVE);
        let size = self.form.side.pixels();
        image::GrayImage::from_fn(size, size, |x, y| {
            let v = unit.get((y * size + x) as usize).copied().unwrap_or(lo);
            image::Luma([(((v - lo) / span) * 255.0).round() as u8])
        })
    }

    /// Class scores of a glyph made from training sample `sample` (the sample itself, or a
    /// transformation of it) with the sample taken out of its template, so that it cannot vote
    /// for itself (a template of one sample drops out). `overlap` is the correlation of the
    /// sample's features with the glyph's: 1 for the sample itself (see [`correlation`]).
    pub fn leave_one_out_scores(&self, sample: usize, overlap: f32, features: &[f32]) -> Vec<f32> {
        self.class_scores_from(&self.template_scores(features), Some((sample, overlap)))
    }
}

impl TemplateClassifier {
    /// How many classes it tells apart.
    pub fn class_count(&self) -> usize {
        self.classes
    }

    /// One score per class for a glyph's feature vector (see
    /// [`Canonical::features`](crate::normalize::Canonical::features)): its best correlation
    /// with the class's templates.
    pub fn class_scores(&self, features: &[f32]) -> Vec<f32> {
        self.class_scores_from(&self.template_scores(features), None)
    }
}

/// A glyph's exact score for its own class and for the best other class, and the class it
/// reads as (see [`TemplateClassifier::own_and_rival_batch`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OwnAndRival {
    /// Its best score among its own class's templates.
    pub own: f32,
    /// Its best score among the other classes' templates.
    pub rival: f32,
    /// The class with the highest score (see [`predict`]).
    pub predicted: Option<usize>,
}

/// What became of a glyph under a transformation, as the classifier sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Its own class still wins clearly.
    Kept,
    /// Another class (`to`) scores about as well as its own: the classifier cannot tell.
    Uncertain {
        /// The closest other class.
        to: usize,
        /// Whether it scores above the own class (within the margin): the judge's best guess
        /// is then the other class.
        leads: bool,
    },
    /// Another class (`to`) wins by more than the margin and scores at least the floor: the
    /// label changed.
    Changed {
        /// The class it now reads as.
        to: usize,
    },
    /// Another class wins by more than the margin, yet scores below `floor`: the glyph matches
    /// no class well and reads as nothing the dataset knows (a mirrored 3 among digits), so
    /// its label is lost without becoming another.
    Destroyed,
    /// The transformation left no ink to classify.
    Empty,
}

/// Judges class scores against the true label: a change needs another class to beat the own
/// class by more than `margin`, and is destroyed instead when that class scores below `floor`
/// (`f32::NEG_INFINITY` destroys nothing); within `margin` either way the sample is uncertain.
/// A glyph its own class still wins, or that is too close to call, is never destroyed: the
/// floor judges only a claim that the glyph became another class.
pub fn judge(scores: &[f32], label: usize, margin: f32, floor: f32) -> Outcome {
    let own = scores.get(label).copied().unwrap_or(f32::NEG_INFINITY);
    let rival = best_of(scores, label);
    let rival = rival.as_ref().map(|(class, score)| (*class, score));
    match rival {
        Some((_, &score)) if score > own + margin && score < floor => Outcome::Destroyed,
        Some((to, &score)) if score > own + margin => Outcome::Changed { to },
        Some((to, &score)) if score >= own - margin => Outcome::Uncertain {
            to,
            leads: score > own,
        },
        _ => Outcome::Kept,
    }
}

/// The class with the highest score (the lowest index among equals).
pub fn predict(scores: &[f32]) -> Option<usize> {
    best_of(scores, usize::MAX).map(|(class, _)| class)
}

/// The class with the highest score but `except` (the lowest index among equals) and its
/// score, in the total order of [`f32::total_cmp`]: the largest found in one vectorised pass
/// (see [`max_outside`]), then the first class that has it.
fn best_of(scores: &[f32], except: usize) -> Option<(usize, f32)> {
    let skip = except.min(scores.len())..except.saturating_add(1).min(scores.len());
    let best = max_outside(scores, &skip, &(0..0));
    scores
        .iter()
        .enumerate()
        .find(|&(class, v)| class != except && v.to_bits() == best.to_bits())
        .map(|(class, &v)| (class, v))
}

#[cfg(test)]
mod tests {
    use super::cluster::unit;
    use super::*;

    fn unit_vec(v: &[f32]) -> Vec<f32> {
        unit(v)
    }

    #[test]
    fn judging_needs_a_clear_winner() {
        let none = f32::NEG_INFINITY;
        assert_eq!(judge(&[0.9, 0.5, 0.2], 0, 0.05, none), Outcome::Kept);
        assert_eq!(
            judge(&[0.9, 0.93, 0.2], 0, 0.05, none),
            Outcome::Uncertain { to: 1, leads: true }
        );
        assert_eq!(
            judge(&[0.9, 0.87, 0.2], 0, 0.05, none),
            Outcome::Uncertain {
                to: 1,
                leads: false
            }
        );
        assert_eq!(
            judge(&[0.5, 0.9, 0.95], 0, 0.05, none),
            Outcome::Changed { to: 2 }
        );
        assert_eq!(predict(&[0.1, 0.7, 0.7]), Some(1));
    }

    #[test]
    fn judging_and_predicting_pick_the_classes_the_total_order_picks() {
        // The order of `f32::total_cmp`, the lowest class among equals: what judging and
        // predicting did one comparison at a time, for scores with ties, signed zeros and
        // infinities.
        fn reference(scores: &[f32], except: usize) -> Option<(usize, f32)> {
            scores
                .iter()
                .enumerate()
                .filter(|&(class, _)| class != except)
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                .map(|(class, &v)| (class, v))
        }
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let pool = [
            0.5,
            0.25,
            -0.0,
            0.0,
            -0.5,
            f32::NEG_INFINITY,
            f32::INFINITY,
            0.75,
        ];
        for len in [0, 1, 2, 3, 17, 40] {
            for _ in 0..200 {
                let scores: Vec<f32> = (0..len)
                    .map(|_| pool[rng.random_range(0..pool.len())])
                    .collect();
                let bits = |b: Option<(usize, f32)>| b.map(|(c, v)| (c, v.to_bits()));
                assert_eq!(
                    bits(best_of(&scores, usize::MAX)),
                    bits(reference(&scores, usize::MAX))
                );
                assert_eq!(
                    predict(&scores),
                    reference(&scores, usize::MAX).map(|(c, _)| c)
                );
                for label in 0..len + 1 {
                    assert_eq!(
                        bits(best_of(&scores, label)),
                        bits(reference(&scores, label))
                    );
                }
            }
        }
    }

    #[test]
    fn a_change_into_a_class_matched_below_the_floor_is_destroyed() {
        // Below the floor, a clear rival is no change: the glyph is nothing the dataset knows.
        assert_eq!(judge(&[0.3, 0.55, 0.2], 0, 0.05, 0.6), Outcome::Destroyed);
        // A rival at the floor is a change, as before.
        assert_eq!(
            judge(&[0.3, 0.6, 0.2], 0, 0.05, 0.6),
            Outcome::Changed { to: 1 }
        );
        // The own class winning, or a near tie, is judged as before however low the scores.
        assert_eq!(judge(&[0.5, 0.1], 0, 0.05, 0.6), Outcome::Kept);
        assert_eq!(
            judge(&[0.5, 0.52], 0, 0.05, 0.6),
            Outcome::Uncertain { to: 1, leads: true }
        );
    }

    /// Pixels of a `side`×`side` glyph drawn by `ink`, as canonical values.
    fn drawn(side: usize, ink: impl Fn(usize, usize) -> bool) -> Vec<f32> {
        (0..side * side)
            .map(|i| if ink(i % side, i / side) { 1.0 } else { 0.0 })
            .collect()
    }

    #[test]
    fn the_batch_judge_tells_a_glyph_read_as_another_from_one_read_as_nothing() {
        // Three classes of 12×12 strokes, three slightly different samples each: a vertical
        // bar, a horizontal bar, a ring.
        let side = 12;
        let bar = |dx: usize| {
            drawn(side, move |x, y| {
                (5 + dx..7 + dx).contains(&x) && y > 1 && y < 10
            })
        };
        let beam = |dy: usize| {
            drawn(side, move |x, y| {
                (5 + dy..7 + dy).contains(&y) && x > 1 && x < 10
            })
        };
        let ring = |r: f32| {
            drawn(side, move |x, y| {
                let d = ((x as f32 - 5.5).powi(2) + (y as f32 - 5.5).powi(2)).sqrt();
                (d - r).abs() < 1.0
            })
        };
        let samples = [
            bar(0),
            bar(1),
            bar(2),
            beam(0),
            beam(1),
            beam(2),
            ring(3.5),
            ring(4.0),
            ring(4.5),
        ];
        let labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let features: Vec<Vec<f32>> = samples
            .iter()
            .map(|p| {
                let mut f = vec![0.0; p.len()];
                crate::normalize::features_into(p, &mut f);
                f
            })
            .collect();
        let classifier =
            TemplateClassifier::build(&features, &labels, 3, &ClassifierOptions::default());
        // A vertical bar judged as a beam has become another class; a diagonal cross, far
        // from every class, is destroyed; an empty frame has no ink.
        let cross = drawn(side, |x, y| x == y || x + y == side - 1);
        let mut batch = GlyphBatch::new();
        let bar_row = batch.push_pixels(&bar(1));
        let cross_row = batch.push_pixels(&cross);
        let query = |row, label| Query {
            row: Some(row),
            sample: None,
            overlap: 0.0,
            label,
        };
        // The cross, labelled as the class it matches least: another class wins, poorly.
        let scores = classifier.class_scores(batch.features(cross_row));
        let floor = 0.6;
        let best = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let least = (0..3)
            .min_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            .unwrap_or(0);
        assert!(best < floor && best > scores[least] + 0.03, "{scores:?}");
        let queries = [
            query(bar_row, 1),
            query(bar_row, 0),
            query(cross_row, least),
            Query {
                row: None,
                ..query(0, 0)
            },
        ];
        assert_eq!(
            classifier.judge_batch(&batch, &queries, 0.03, floor),
            vec![
                Outcome::Changed { to: 0 },
                Outcome::Kept,
                Outcome::Destroyed,
                Outcome::Empty
            ]
        );
        // Without a floor the cross is read as the class that leads.
        let judged = classifier.judge_batch(&batch, &queries[2..3], 0.03, f32::NEG_INFINITY);
        assert!(
            matches!(judged[..], [Outcome::Changed { .. }]),
            "{judged:?}"
        );
    }

    #[test]
    fn samples_of_two_styles_get_two_templates() {
        // Class 0 has two unrelated styles, class 1 one.
        let features = vec![
            unit_vec(&[1.0, 0.1, 0.0, 0.0]),
            unit_vec(&[1.0, 0.0, 0.1, 0.0]),
            unit_vec(&[0.0, 0.0, 1.0, 0.1]),
            unit_vec(&[0.1, 0.0, 1.0, 0.0]),
            unit_vec(&[0.0, 1.0, 0.0, 1.0]),
            unit_vec(&[0.0, 1.0, 0.1, 1.0]),
        ];
        let labels = [0, 0, 0, 0, 1, 1];
        let classifier =
            TemplateClassifier::build(&features, &labels, 2, &ClassifierOptions::default());
        assert_eq!(classifier.template_classes(), vec![0, 0, 1]);
        // Either style of class 0 matches class 0 almost perfectly.
        let scores = classifier.class_scores(&unit_vec(&[0.0, 0.0, 1.0, 0.05]));
        assert!(scores[0] > 0.99 && scores[1] < 0.5, "{scores:?}");
    }

    #[test]
    fn one_template_is_enough_for_one_style() {
        let features = vec![
            unit_vec(&[1.0, 0.1, 0.0]),
            unit_vec(&[1.0, 0.0, 0.1]),
            unit_vec(&[0.0, 1.0, 0.0]),
        ];
        let classifier =
            TemplateClassifier::build(&features, &[0, 0, 1], 2, &ClassifierOptions::default());
        assert_eq!(classifier.template_count(), 2);
    }

    #[test]
    fn templates_save_as_npy() {
        let features = vec![unit_vec(&[1.0, 0.0, 0.0]), unit_vec(&[0.0, 1.0, 0.0])];
        let classifier =
            TemplateClassifier::build(&features, &[0, 1], 2, &ClassifierOptions::default());
        let npy = classifier.to_npy();
        assert_eq!(&npy[..8], b"\x93NUMPY\x01\x00");
        let header_len = usize::from(u16::from_le_bytes([npy[8], npy[9]]));
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&npy[10..10 + header_len]).unwrap();
        assert!(header.contains("'shape': (2, 3)") && header.ends_with('\n'));
        let data = &npy[10 + header_len..];
        assert_eq!(data.len(), 2 * 3 * 4);
        assert_eq!(
            f32::from_le_bytes([data[0], data[1], data[2], data[3]]),
            1.0
        );
    }

    #[test]
    fn leave_one_out_takes_the_sample_out_of_its_template() {
        let features = vec![
            unit_vec(&[1.0, 0.0, 0.0]),
            unit_vec(&[0.9, 0.3, 0.0]),
            unit_vec(&[0.0, 0.0, 1.0]),
        ];
        let classifier =
            TemplateClassifier::build(&features, &[0, 0, 1], 2, &ClassifierOptions::default());
        // Sample 0 against the template made of sample 1 alone.
        let loo = classifier.leave_one_out_scores(0, 1.0, &features[0]);
        assert!(
            (loo[0] - dot(&features[0], &features[1])).abs() < 1e-5,
            "{loo:?}"
        );
        // Class 1 has a single sample: without it, class 1 has no template left.
        let loo = classifier.leave_one_out_scores(2, 1.0, &features[2]);
        assert_eq!(loo[1], f32::NEG_INFINITY);
        assert!(classifier.class_scores(&features[2])[1] > 0.999);
    }

    #[test]
    fn a_transformed_sample_scores_as_against_templates_built_without_it() {
        // One template per class, so leaving a sample out changes no clustering: the
        // classifier built without it has exactly the template left.
        let options = ClassifierOptions {
            max_templates_per_class: 1,
            ..ClassifierOptions::default()
        };
        let features = vec![
            unit_vec(&[1.0, 0.2, 0.0, 0.1]),
            unit_vec(&[0.8, 0.5, 0.1, 0.0]),
            unit_vec(&[0.9, 0.0, 0.4, 0.2]),
            unit_vec(&[0.0, 0.1, 1.0, 0.3]),
            unit_vec(&[0.1, 0.0, 0.8, 0.6]),
        ];
        let labels = [0, 0, 0, 1, 1];
        let all = TemplateClassifier::build(&features, &labels, 2, &options);
        // Glyphs made from sample 0: itself, and variants of it (a transformation moves ink).
        let variants = [
            features[0].clone(),
            unit_vec(&[0.2, 1.0, 0.0, 0.1]),
            unit_vec(&[0.9, 0.1, 0.3, 0.3]),
            unit_vec(&[0.0, 0.3, 0.6, 0.7]),
        ];
        let without = TemplateClassifier::build(&features[1..], &labels[1..], 2, &options);
        for q in &variants {
            let overlap = correlation(&features[0], q);
            let left_out = all.leave_one_out_scores(0, overlap, q);
            let rebuilt = without.class_scores(q);
            for class in 0..2 {
                assert!(
                    (left_out[class] - rebuilt[class]).abs() < 1e-5,
                    "{q:?} class {class}: {} left out, {} rebuilt",
                    left_out[class],
                    rebuilt[class]
                );
            }
        }
    }
}
