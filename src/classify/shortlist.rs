//! A short list of candidate templates for alphabets of thousands of classes, with a proven
//! bound, so that only the templates that could still be the best of the own class or of the
//! others are scored in full.
//!
//! Canonical glyphs are smooth images, and a few principal directions of the templates hold
//! nearly all of every glyph: at 48 pixels the first 128 of 2,304 leave about 4% of a template's
//! length outside them, and not much more of a glyph the templates were not built from. Split
//! a glyph `x` and a template `t` into their parts in the span of orthonormal directions `U` and
//! the rest, `x = Uᵀa + r_x`, `t = Uᵀb + r_t`: then `x·t = a·b + r_x·r_t` and
//! `|r_x·r_t| <= |r_x| |r_t|` (Cauchy–Schwarz), so `a·b ± |r_x| |r_t|` brackets every
//! template's score from `COMPONENTS` products instead of one per pixel. The coefficients are
//! first multiplied in 8 bits for every template (one integer matrix product for the batch;
//! the first coefficient, near the templates' mean and by far the largest, in full precision,
//! so that it does not set the step of the others), which widens the bracket by what the
//! rounding to 8 bits can move it; the templates whose
//! bracket reaches their group's best lower end (the own class, the others) are bracketed again
//! from the coefficients in full precision, and the few left go on to the exact judge. A
//! template dropped lies certainly below another template of its group, so no answer changes:
//! the shortlist only saves work.
//!
//! Rounding is part of the bound: the directions are orthonormal to within a measured
//! `‖UUᵀ − I‖`, and every float sum here has a known worst-case error (see
//! [`Shortlist::slack`]); both widen the brackets.

use rayon::prelude::*;

use super::*;
use crate::simd::fused_lanes_tile;

/// Principal directions kept.
const COMPONENTS: usize = 128;

/// The directions are found on at most this many templates, spread over the classes.
const BASIS_SAMPLE: usize = 2048;

/// Rounds of the power iteration that sharpens the directions toward the principal ones.
const POWER_ROUNDS: usize = 2;

/// From this many templates on, a classifier scores through a shortlist: below it the full
/// 8-bit product costs less than projecting every glyph onto the directions.
pub const SHORTLIST_FROM: usize = 1024;

/// Room for the rounding of the comparisons with a group's best lower end.
const SLACK: f32 = 1e-5;

/// The directions, every template's coefficients (in full and in 8 bits) and its part
/// outside them.
#[derive(Clone, Debug)]
pub(super) struct Shortlist {
    /// Directions kept (`COMPONENTS`, fewer when the templates span fewer).
    components: usize,
    dim: usize,
    /// Orthonormal directions, `dim` values each.
    basis: Vec<f32>,
    /// Each template's coefficients, `components` each.
    coefficients: Vec<f32>,
    /// Per template: an upper bound on the length of its part outside the directions.
    residual: Vec<f32>,
    /// Per template: its first coefficient (on the leading direction, near the templates'
    /// mean), multiplied in full precision: it is the largest by far, and in 8 bits it would
    /// set the step of all the others.
    lead: Vec<f32>,
    /// Per template: the sum of the magnitudes of its other coefficients.
    l1: Vec<f32>,
    /// The coefficients but the first in 8 bits, and how to read each template's back.
    packed: PackedTemplates,
    scale: Vec<f32>,
    offset: Vec<f32>,
    /// What the rounding of the float sums can add to a bracket (see [`Shortlist::slack`]).
    slack: f32,
    /// The worst-case error of one coefficient, per unit of length of the glyph.
    gamma: f32,
    /// `‖UUᵀ − I‖` (Frobenius) of the stored directions.
    orthogonality: f32,
}

/// A glyph's coefficients as the scoring of one query needs them.
pub(super) struct Projected<'a> {
    /// Its coefficients in full.
    coefficients: &'a [f32],
    /// An upper bound on the length of its part outside the directions.
    residual: f32,
    /// `1 / k`, where its 8-bit coefficients are `round(k × coefficient)`.
    step: f32,
    /// The sum of its 8-bit coefficients, and of their magnitudes.
    sum: f32,
    magnitude: f32,
    /// Its first coefficient.
    lead: f32,
    /// The 8-bit products of its other coefficients with every template's.
    dots: &'a [i32],
}

/// What [`Shortlist::project`] leaves for the queries of a batch.
#[derive(Debug, Default)]
pub(super) struct Projection {
    components: usize,
    coefficients: Vec<f32>,
    values: Vec<i8>,
    /// Per row: residual bound, step, sum and magnitude of the 8-bit coefficients, and the
    /// first coefficient.
    rows: Vec<[f32; 5]>,
    /// The 8-bit products of every row with every template.
    dots: Vec<i32>,
}

impl Projection {
    /// Row `row`'s coefficients and their 8-bit products with every template.
    pub(super) fn row(&self, row: usize, templates: usize) -> Projected<'_> {
        let k = self.components;
        let [residual, step, sum, magnitude, lead] = self.rows[row];
        Projected {
            coefficients: &self.coefficients[row * k..(row + 1) * k],
            residual,
            step,
            sum,
            magnitude,
            lead,
            dots: &self.dots[row * templates..(row + 1) * templates],
        }
    }
}

impl Shortlist {
    /// The directions of `count` unit templates of `dim` values (`units`, one after another),
    /// and every template's coefficients; `None` when there is nothing to project or the
    /// directions come out too far from orthonormal to bound.
    pub(super) fn build(units: &[f32], dim: usize, count: usize) -> Option<Shortlist> {
        if dim == 0 || count == 0 || units.len() < dim * count {
            return None;
        }
        // Templates are stored class by class: an even spread samples every part of the
        // alphabet.
        let step = count.div_ceil(BASIS_SAMPLE).max(1);
        let sample: Vec<f32> = (0..count)
            .step_by(step)
            .flat_map(|t| units[t * dim..(t + 1) * dim].iter().copied())
            .collect();
        let rows = sample.len() / dim;
        let wanted = COMPONENTS.min(rows).min(dim);
        // A start in the span of the templates (every `rows / wanted`-th sampled one), then
        // rounds of multiplying by AᵀA, which turn it toward the leading directions.
        let spread = (rows / wanted.max(1)).max(1);
        let start: Vec<f64> = (0..wanted)
            .flat_map(|j| sample[j * spread * dim..(j * spread + 1) * dim].iter())
            .map(|&v| f64::from(v))
            .collect();
        let mut basis = orthonormal(start, dim);
        for _ in 0..POWER_ROUNDS {
            let k = basis.len() / dim;
            if k == 0 {
                // Templates with nothing in them (no contrast) span nothing.
                return None;
            }
            let single: Vec<f32> = basis.iter().map(|&v| v as f32).collect();
            // W = A Bᵀ (rows × k), then B' = Wᵀ A: each new direction a weighted sum of the
            // sampled templates.
            let mut weights = vec![0.0f32; rows * k];
            weights
                .par_chunks_mut(k * 16)
                .zip(sample.par_chunks(dim * 16))
                .for_each(|(out, a)| cross(a, &single, dim, out));
            let next: Vec<f64> = (0..k)
                .into_par_iter()
                .flat_map_iter(|j| {
                    let mut sum = vec![0.0f64; dim];
                    for (i, template) in sample.chunks_exact(dim).enumerate() {
                        let w = f64::from(weights[i * k + j]);
                        for (s, &v) in sum.iter_mut().zip(template) {
                            *s += w * f64::from(v);
                        }
                    }
                    sum
                })
                .collect();
            basis = orthonormal(next, dim);
        }
        let basis: Vec<f32> = basis.iter().map(|&v| v as f32).collect();
        let components = basis.len() / dim;
        if components == 0 {
            return None;
        }
        let orthogonality = orthogonality(&basis, dim);
        if orthogonality.is_nan() || orthogonality >= 1e-3 {
            return None;
        }
        let mut coefficients = vec![0.0f32; count * components];
        coefficients
            .par_chunks_mut(components * 16)
            .zip(units[..count * dim].par_chunks(dim * 16))
            .for_each(|(out, t)| cross(t, &basis, dim, out));
        // On a sum of magnitudes no larger than |u| |x| (Cauchy–Schwarz, |u| = 1).
        let gamma = sum_error(dim);
        let mut residual = Vec::with_capacity(count);
        let mut l1 = Vec::with_capacity(count);
        for (t, c) in units
            .chunks_exact(dim)
            .zip(coefficients.chunks_exact(components))
        {
            let norm2 = squared_length(t);
            residual.push(residual_bound(norm2, c, gamma, orthogonality));
            l1.push(c[1..].iter().map(|v| v.abs()).sum::<f32>());
        }
        let lead = coefficients
            .chunks_exact(components)
            .map(|c| c[0])
            .collect();
        let stride = (components - 1).div_ceil(4).max(1) * 4;
        let mut plain = vec![0u8; count * stride];
        let mut scale = Vec::with_capacity(count);
        let mut offset = Vec::with_capacity(count);
        for (c, out) in coefficients
            .chunks_exact(components)
            .zip(plain.chunks_exact_mut(stride))
        {
            let q = quantize_template(&c[1..], &mut out[..components - 1]);
            scale.push(q.scale);
            offset.push(q.offset);
        }
        let mut list = Shortlist {
            components,
            dim,
            basis,
            coefficients,
            residual,
            lead,
            l1,
            packed: PackedTemplates::new(plain, count, stride),
            scale,
            offset,
            slack: 0.0,
            gamma,
            orthogonality,
        };
        list.slack = list.slack();
        Some(list)
    }

    /// What rounding can add to a bracket of `a·b` (for unit `x` and `t`; lengths a little
    /// above 1 are covered by the factor of two): each coefficient is within `gamma` of its
    /// exact value, so `a·b` is within `gamma (‖a‖₁ + ‖b‖₁) + gamma²·k` of the exact
    /// coefficients' product, itself rounded in a sum of `k` products (`gamma_k`); and the
    /// directions' error `E = UUᵀ − I` moves `x·t` from `a·b + r_x·r_t` by at most `‖E‖`.
    /// `‖a‖₁ <= √k |a| <= √k`.
    fn slack(&self) -> f32 {
        let k = self.components as f32;
        let gamma_k = sum_error(self.components);
        2.0 * (self.gamma * 2.0 * k.sqrt() + self.gamma * self.gamma * k + gamma_k)
            + 2.0 * self.orthogonality
            + 1e-6
    }

    /// Projects every glyph of `batch` onto the directions and multiplies the 8-bit
    /// coefficients with every template's, into `out`.
    pub(super) fn project(&self, batch: &GlyphBatch, out: &mut Projection) {
        let (rows, k) = (batch.len(), self.components);
        let stride = (k - 1).div_ceil(4).max(1) * 4;
        out.components = k;
        out.coefficients.resize(rows * k, 0.0);
        out.values.clear();
        out.values.resize(rows * stride, 0);
        out.rows.clear();
        let features = &batch.features[..rows * batch.dim];
        cross(features, &self.basis, self.dim, &mut out.coefficients);
        for (row, (a, values)) in out
            .coefficients
            .chunks_exact(k)
            .zip(out.values.chunks_exact_mut(stride))
            .enumerate()
        {
            let x = &features[row * self.dim..(row + 1) * self.dim];
            out.rows.push(coefficients_in_8_bits(self, x, a, values));
        }
        let count = self.residual.len();
        out.dots.resize(rows * count, 0);
        self.packed.dot(&out.values, &mut out.dots);
    }
}

crate::simd::wide_fn! {
    /// A glyph's coefficients `a` (of its features `x`) in 8 bits, into `values`, with what
    /// bracketing from them needs: the bound on its part outside the directions, the step of
    /// its 8-bit values, their sum and the sum of their magnitudes.
    fn coefficients_in_8_bits(
        list: &Shortlist,
        x: &[f32],
        a: &[f32],
        values: &mut [i8],
    ) -> [f32; 5] = coefficients_in_8_bits_kernel;
    fn coefficients_in_8_bits_on(tier, ..);
}

/// The kernel of [`coefficients_in_8_bits`].
#[inline(always)]
fn coefficients_in_8_bits_kernel(
    list: &Shortlist,
    x: &[f32],
    a: &[f32],
    values: &mut [i8],
) -> [f32; 5] {
    let norm2 = squared_length(x);
    // Coefficients scale with the glyph's length: the error bound with them.
    let gamma = list.gamma * (norm2.sqrt() as f32).max(1.0);
    let residual = residual_bound(norm2, a, gamma, list.orthogonality);
    let (lead, rest) = a.split_first().unwrap_or((&0.0, &[]));
    let top = rest.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let k = if top > 0.0 && top.is_finite() {
        127.0 / top
    } else {
        1.0
    };
    let (mut sum, mut magnitude) = (0i32, 0i32);
    for (q, &v) in values.iter_mut().zip(rest) {
        // |v × k| <= 127: the conversion neither saturates nor meets NaN.
        let r = (v * k).round() as i32;
        *q = r as i8;
        sum += r;
        magnitude += r.abs();
    }
    [residual, 1.0 / k, sum as f32, magnitude as f32, *lead]
}

/// The relative worst-case error of a dot product of `len` values summed as [`dot`] and
/// [`cross`] sum it: sixteen lanes of `len / 16` fused steps, then the lanes added, at most
/// `len / 16 + 16` roundings of half an epsilon each (with room for the tail and the
/// approximation of the bound), relative to the sum of the products' magnitudes.
fn sum_error(len: usize) -> f32 {
    ((len / 16 + 16 + 4) as f32) * f32::EPSILON * 0.5 * 1.1
}

/// The squared length of `v` in double precision (exact for single-precision values of a
/// glyph's size but for the last bits), in eight independent sums so that it vectorises.
#[inline(always)]
fn squared_length(v: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = v.chunks_exact(8);
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += f64::from(x) * f64::from(x);
        }
    }
    lanes.iter().sum::<f64>() + tail
}

/// An upper bound on the length of a vector's part outside the directions, from its squared
/// length `norm2` and its coefficients `c` (each within `gamma` of exact): the part's squared
/// length is `|x|² − |Ux|² + (Ux)ᵀE(Ux)`, and `|c|²` may exceed `|Ux|²` by
/// `2 gamma ‖c‖₁ + k gamma²`.
#[inline(always)]
fn residual_bound(norm2: f64, c: &[f32], gamma: f32, orthogonality: f32) -> f32 {
    let c2 = c.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>();
    let l1 = c.iter().map(|&v| f64::from(v.abs())).sum::<f64>();
    let gamma = f64::from(gamma);
    let room = 2.0 * gamma * l1 + c.len() as f64 * gamma * gamma + f64::from(orthogonality) * c2;
    let squared = (norm2 - c2).max(0.0) + room;
    (squared.sqrt() * (1.0 + 1e-6)) as f32
}

/// Rows of `rows` (`dim` values each) made orthonormal, in order, by modified Gram–Schmidt run
/// twice (once leaves the rounding of near-dependent rows); a row with nothing left of it is
/// dropped.
fn orthonormal(rows: Vec<f64>, dim: usize) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::with_capacity(rows.len());
    for row in rows.chunks_exact(dim) {
        let mut v = row.to_vec();
        let length = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        for _ in 0..2 {
            for q in out.chunks_exact(dim) {
                let d: f64 = v.iter().zip(q).map(|(a, b)| a * b).sum();
                for (a, b) in v.iter_mut().zip(q) {
                    *a -= d * b;
                }
            }
        }
        let left = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if !(left > 1e-6 * length && left.is_finite()) {
            continue;
        }
        out.extend(v.iter().map(|x| x / left));
    }
    out
}

/// `‖UUᵀ − I‖` (Frobenius) of directions stored in single precision, in double precision.
fn orthogonality(basis: &[f32], dim: usize) -> f32 {
    let rows: Vec<&[f32]> = basis.chunks_exact(dim).collect();
    let sum: f64 = (0..rows.len())
        .into_par_iter()
        .map(|i| {
            (0..=i)
                .map(|j| {
                    let d: f64 = rows[i]
                        .iter()
                        .zip(rows[j])
                        .map(|(&a, &b)| f64::from(a) * f64::from(b))
                        .sum();
                    let e = d - if i == j { 1.0 } else { 0.0 };
                    if i == j {
                        e * e
                    } else {
                        2.0 * e * e
                    }
                })
                .sum::<f64>()
        })
        .sum();
    sum.sqrt() as f32
}

/// `out[i × rows of b + j] = a_i · b_j` for every row of `a` and of `b` (`dim` values each),
/// four rows of each at a time (see [`fused_lanes_tile`]): every value loaded serves four
/// products, so projecting a batch of glyphs onto the directions is bound by the
/// multiplications, not by reading the directions. Each product is summed as [`dot`] sums it.
pub(super) fn cross(a: &[f32], b: &[f32], dim: usize, out: &mut [f32]) {
    let dim = dim.max(1);
    let (m, n) = (a.len() / dim, b.len() / dim);
    let whole = dim - dim % 16;
    for i0 in (0..m).step_by(4) {
        let ia = (m - i0).min(4);
        // Rows past the end repeat the last; their sums are not kept.
        let ar: [&[f32]; 4] = std::array::from_fn(|p| {
            let i = i0 + p.min(ia - 1);
            &a[i * dim..(i + 1) * dim]
        });
        for j0 in (0..n).step_by(4) {
            let jb = (n - j0).min(4);
            let br: [&[f32]; 4] = std::array::from_fn(|q| {
                let j = j0 + q.min(jb - 1);
                &b[j * dim..(j + 1) * dim]
            });
            let lanes = fused_lanes_tile(ar, br);
            for (p, row) in lanes.iter().enumerate().take(ia) {
                for (q, lanes) in row.iter().enumerate().take(jb) {
                    let mut tail = 0.0f32;
                    for (&x, &y) in ar[p][whole..].iter().zip(&br[q][whole..]) {
                        tail = x.mul_add(y, tail);
                    }
                    if let Some(o) = out.get_mut((i0 + p) * n + j0 + q) {
                        *o = lanes.iter().sum::<f32>() + tail;
                    }
                }
            }
        }
    }
}

/// Brackets every template's score for one glyph from the 8-bit products of the
/// coefficients, into `lows` and `highs`. With `â = q / k` the glyph's 8-bit coefficients and
/// `b̂ = offset + scale × v` a template's, `a·b` lies within
/// `‖b‖₁ / 2k + scale / 2 × ‖â‖₁` of `â·b̂` (each coefficient within half a step of its 8-bit
/// value); the parts outside the directions add `|r_x| |r_t|`.
#[inline(always)]
pub(super) fn first_brackets_kernel(
    list: &Shortlist,
    glyph: &Projected<'_>,
    lows: &mut [f32],
    highs: &mut [f32],
) {
    let (step, sum) = (glyph.step, glyph.sum);
    let half_step = 0.5 * step;
    let half_magnitude = 0.5 * glyph.magnitude * step;
    let fields = (list.scale.iter().zip(&list.offset))
        .zip(list.l1.iter().zip(&list.residual))
        .zip(&list.lead);
    let slots = lows.iter_mut().zip(highs.iter_mut());
    for ((low, high), (&dot, (((&scale, &offset), (&l1, &residual)), &lead))) in
        slots.zip(glyph.dots.iter().zip(fields))
    {
        let centre = glyph.lead * lead + (offset * sum + scale * dot as f32) * step;
        let half = glyph.residual * residual
            + l1 * half_step
            + scale * half_magnitude
            + list.slack
            // The rounding of this arithmetic itself, on values below the coefficients' sum.
            + 1e-6 * (l1 + 1.0);
        (*low, *high) = (centre - half, centre + half);
    }
}

/// Per template: one candidate's bracket and class.
#[derive(Clone, Copy, Debug)]
pub(super) struct Candidate {
    pub(super) template: usize,
    pub(super) class: usize,
    pub(super) low: f32,
    pub(super) high: f32,
}

/// Scratch of one batch's scoring through the shortlist.
#[derive(Default)]
pub(super) struct Work {
    pub(super) projection: Projection,
    pub(super) lists: Lists,
    /// Every template's bracket, and the class scores.
    pub(super) bracket: Brackets,
    pub(super) scores: Vec<f32>,
}

/// The templates that pass the first bracket, and the candidates left after the second.
#[derive(Default)]
pub(super) struct Lists {
    first: Vec<usize>,
    pub(super) candidates: Vec<Candidate>,
}

/// The templates of `[from, to)` whose upper end reaches `floor` (NaN, which no bracket should
/// be, counts as reaching it), in order; compared sixteen at a time into a mask, so the test
/// vectorises and only the few that pass cost a branch.
#[inline(always)]
fn reaching(highs: &[f32], from: usize, to: usize, floor: f32, out: &mut Vec<usize>) {
    let bar = floor - SLACK;
    let part = highs.get(from..to.max(from)).unwrap_or(&[]);
    let chunks = part.chunks_exact(16);
    let tail_at = from + part.len() - chunks.remainder().len();
    for (c, chunk) in chunks.enumerate() {
        // Those below the bar, one plain comparison each (a vector compare into a mask);
        // the rest, NaN included, reach it.
        let below = (chunk.iter().enumerate()).fold(0u32, |m, (l, &h)| m | u32::from(h < bar) << l);
        let mut mask = !below & 0xFFFF;
        while mask != 0 {
            out.push(from + c * 16 + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
    }
    for (l, &h) in part[tail_at - from..].iter().enumerate() {
        if !matches!(h.partial_cmp(&bar), Some(std::cmp::Ordering::Less)) {
            out.push(tail_at + l);
        }
    }
}

crate::simd::wide_fn! {
    /// The candidates of one query, bracketed as tightly as the coefficients allow: every
    /// template whose bracket reaches its group's best lower end (the own class's run, the
    /// others), in template order. A template left out lies below another of its group.
    pub(super) fn shortlisted(
        classifier: &TemplateClassifier,
        list: &Shortlist,
        glyph: &Projected<'_>,
        query: &Query,
        bracket: &mut Brackets,
        lists: &mut Lists,
    ) = shortlisted_kernel;
    fn shortlisted_on(tier, ..);
}

/// The kernel of [`shortlisted`].
#[inline(always)]
pub(super) fn shortlisted_kernel(
    classifier: &TemplateClassifier,
    list: &Shortlist,
    glyph: &Projected<'_>,
    query: &Query,
    bracket: &mut Brackets,
    lists: &mut Lists,
) {
    let Lists { first, candidates } = lists;
    first_brackets_kernel(list, glyph, &mut bracket.lows, &mut bracket.highs);
    let own = classifier.own_template_of(query);
    adjust_own(classifier, own, bracket);
    let mine = classifier.class_run(query.label);
    let lows = &bracket.lows[..];
    let own_floor = max_of(lows.get(mine.clone()).unwrap_or(&[]));
    let other_floor = max_outside(lows, &mine, &(0..0));
    first.clear();
    let count = lows.len();
    reaching(&bracket.highs, 0, mine.start, other_floor, first);
    reaching(&bracket.highs, mine.start, mine.end, own_floor, first);
    reaching(&bracket.highs, mine.end, count, other_floor, first);

    // The survivors bracketed again from the coefficients in full: the 8-bit rounding
    // gone, only the parts outside the directions and the float rounding are left.
    candidates.clear();
    let k = list.components;
    for &t in first.iter() {
        let b = &list.coefficients[t * k..(t + 1) * k];
        let centre = dot_kernel(glyph.coefficients, b);
        let half = glyph.residual * list.residual[t] + list.slack;
        let (mut low, mut high) = (centre - half, centre + half);
        if let Some(own) = own.filter(|own| own.template == t) {
            (low, high) = match (
                classifier.adjusted(t, Some(own), low),
                classifier.adjusted(t, Some(own), high),
            ) {
                (Some(low), Some(high)) => (low, high),
                _ => (f32::NEG_INFINITY, f32::NEG_INFINITY),
            };
        }
        // Both brackets hold the score: keep what they share.
        candidates.push(Candidate {
            template: t,
            class: classifier.templates[t].class,
            low: low.max(bracket.lows[t]),
            high: high.min(bracket.highs[t]),
        });
    }
    let floor = group_floors(candidates, query.label);
    candidates.retain(|c| {
        let floor = floor(c);
        c.high >= floor - SLACK || c.high.is_nan()
    });
}

/// The answer [`settled`] gives on full brackets, from the candidates alone: every template
/// left out lies below its group's best lower end, so no maximum of lower or upper ends over a
/// group, and no first template to reach one, is among them.
pub(super) fn settled_among(
    candidates: &[Candidate],
    label: usize,
    judging: Option<(f32, f32)>,
) -> Option<Answer<'static>> {
    const SLACK: f32 = SETTLE_SLACK;
    let competes = |c: &&Candidate| judging.is_none() || c.class != label;
    let max_by = |value: fn(&Candidate) -> f32, keep: &dyn Fn(&Candidate) -> bool| {
        candidates
            .iter()
            .filter(|c| keep(c))
            .map(value)
            .fold(f32::NEG_INFINITY, |m, v| {
                if v.is_nan() || m.is_nan() {
                    f32::NAN
                } else {
                    m.max(v)
                }
            })
    };
    let top_hi = max_by(|c| c.high, &|c| competes(&c));
    if top_hi.is_nan() {
        return None;
    }
    let judging = judging.map(|(margin, floor)| {
        let own_lo = max_by(|c| c.low, &|c| c.class == label);
        let own_hi = max_by(|c| c.high, &|c| c.class == label);
        (own_lo, own_hi, margin, floor)
    });
    if let Some((own_lo, _, margin, _)) = judging {
        if top_hi < own_lo - margin - SLACK {
            return Some(Answer::Judged(Outcome::Kept));
        }
    }
    let best_lo = max_by(|c| c.low, &|c| competes(&c));
    if best_lo == f32::NEG_INFINITY || best_lo.is_nan() {
        return None;
    }
    let first = |value: fn(&Candidate) -> f32, target: f32| {
        candidates
            .iter()
            .filter(competes)
            .find(|c| value(c) == target)
            .map(|c| c.class)
    };
    let (Some(leader), Some(top_class)) = (first(|c| c.low, best_lo), first(|c| c.high, top_hi))
    else {
        return None;
    };
    let others_hi = if top_class == leader {
        max_by(|c| c.high, &|c| competes(&c) && c.class != leader)
    } else {
        top_hi
    };
    decide(judging, leader, best_lo, top_hi, others_hi)
}

/// The best lower end of the candidates' group for each candidate: of the class `label`'s
/// candidates for its own, of the others' for the others.
#[inline(always)]
fn group_floors(candidates: &[Candidate], label: usize) -> impl Fn(&Candidate) -> f32 {
    let floor_of = |own_class: bool| {
        candidates
            .iter()
            .filter(|c| (c.class == label) == own_class)
            .fold(f32::NEG_INFINITY, |m, c| m.max(c.low))
    };
    let (own, others) = (floor_of(true), floor_of(false));
    move |c: &Candidate| if c.class == label { own } else { others }
}

/// Class scores from the candidates, as [`exact_scores`] gives them from full brackets: exact
/// for every candidate that could still be the best of its group (the own class, the others),
/// so exact for the own class and the best other class, lower or minus infinity for the rest.
pub(super) fn exact_among(
    classifier: &TemplateClassifier,
    features: &[f32],
    query: &Query,
    candidates: &[Candidate],
    scores: &mut [f32],
) {
    let own = classifier.own_template_of(query);
    let floor = group_floors(candidates, query.label);
    let mut pending = [0usize; 4];
    let mut waiting = 0;
    for c in candidates {
        let floor = floor(c);
        if c.high < floor || c.high == f32::NEG_INFINITY {
            continue;
        }
        if c.low == c.high {
            let best = &mut scores[c.class];
            *best = best.max(c.low);
            continue;
        }
        pending[waiting] = c.template;
        waiting += 1;
        if waiting == pending.len() {
            score_group(classifier, features, own, &pending, scores);
            waiting = 0;
        }
    }
    score_group(classifier, features, own, &pending[..waiting], scores);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// `classes` classes of smooth 16×16 glyphs (a few soft blobs each, as canonical glyphs
    /// are smooth), `per_class` jittered samples of each: their canonical pixels and labels.
    fn smooth_glyphs(classes: usize, per_class: usize, seed: u64) -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let side = 16;
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for class in 0..classes {
            let blobs: Vec<(f32, f32, f32)> = (0..4)
                .map(|_| {
                    let x = rng.random_range(3.0..13.0);
                    let y = rng.random_range(3.0..13.0);
                    (x, y, rng.random_range(1.5f32..3.0))
                })
                .collect();
            for _ in 0..per_class {
                let (dx, dy) = (rng.random_range(-0.6..0.6), rng.random_range(-0.6..0.6));
                let glyph: Vec<f32> = (0..side * side)
                    .map(|i| {
                        let (x, y) = ((i % side) as f32, (i / side) as f32);
                        blobs
                            .iter()
                            .map(|&(bx, by, r)| {
                                let d2 = (x - bx - dx).powi(2) + (y - by - dy).powi(2);
                                (-d2 / (r * r)).exp()
                            })
                            .sum::<f32>()
                            .min(1.0)
                    })
                    .collect();
                pixels.push(glyph);
                labels.push(class);
            }
        }
        (pixels, labels)
    }

    fn features_of(pixels: &[Vec<f32>]) -> Vec<Vec<f32>> {
        pixels
            .iter()
            .map(|p| {
                let mut f = vec![0.0; p.len()];
                crate::normalize::features_into(p, &mut f);
                f
            })
            .collect()
    }

    /// The classifier of `features`, with and without the shortlist.
    fn both(
        features: &[Vec<f32>],
        labels: &[usize],
        classes: usize,
    ) -> (TemplateClassifier, TemplateClassifier) {
        let options = |shortlist_from| ClassifierOptions {
            cluster_similarity: 0.995,
            shortlist_from,
            ..ClassifierOptions::default()
        };
        let with = TemplateClassifier::build(features, labels, classes, &options(0));
        let without = TemplateClassifier::build(features, labels, classes, &options(usize::MAX));
        assert!(with.shortlist.is_some() && without.shortlist.is_none());
        (with, without)
    }

    /// Queries on the samples themselves, on glyphs of the held-out `others` (no sample) and
    /// on the samples turned half round (taken out of their templates by their overlap).
    fn queries(
        pixels: &[Vec<f32>],
        labels: &[usize],
        others: &[Vec<f32>],
        batch: &mut GlyphBatch,
    ) -> Vec<Query> {
        let mut queries = Vec::new();
        for (sample, (p, &label)) in pixels.iter().zip(labels).enumerate() {
            let row = batch.push_pixels(p);
            queries.push(Query {
                row: Some(row),
                sample: Some(sample),
                overlap: 1.0,
                label,
            });
            let turned: Vec<f32> = p.iter().rev().copied().collect();
            let turned_row = batch.push_pixels(&turned);
            queries.push(Query {
                row: Some(turned_row),
                sample: Some(sample),
                overlap: correlation(batch.features(row), batch.features(turned_row)),
                label,
            });
        }
        for (k, p) in others.iter().enumerate() {
            queries.push(Query {
                row: Some(batch.push_pixels(p)),
                sample: None,
                overlap: 0.0,
                label: labels[k % labels.len()],
            });
        }
        queries
    }

    #[test]
    fn the_shortlist_changes_no_answer_of_the_judge() {
        let classes = 120;
        let (pixels, labels) = smooth_glyphs(classes, 3, 5);
        let features = features_of(&pixels);
        let (with, without) = both(&features, &labels, classes);
        // Glyphs of another alphabet, never seen by the directions.
        let (others, _) = smooth_glyphs(40, 2, 99);
        let mut batch = GlyphBatch::new();
        let queries = queries(&pixels, &labels, &others, &mut batch);
        for (margin, floor) in [(0.05, 0.6), (0.02, f32::NEG_INFINITY), (0.1, 0.9)] {
            assert_eq!(
                with.judge_batch(&batch, &queries, margin, floor),
                without.judge_batch(&batch, &queries, margin, floor)
            );
        }
        assert_eq!(
            with.predict_batch(&batch, &queries),
            without.predict_batch(&batch, &queries)
        );
        // And against the plain exact scores, query by query.
        let scores = with.own_and_rival_batch(&batch, &queries);
        for (query, got) in queries.iter().zip(&scores) {
            let Some(row) = query.row else { continue };
            let left_out = query.sample.map(|s| (s, query.overlap));
            let exact = without.class_scores_from(
                &(0..without.template_count())
                    .map(|t| dot(without.template(t), batch.features(row)))
                    .collect::<Vec<_>>(),
                left_out,
            );
            let own = exact[query.label];
            let rival = (exact.iter().enumerate())
                .filter(|&(c, _)| c != query.label)
                .fold(f32::NEG_INFINITY, |m, (_, &v)| m.max(v));
            assert_eq!((got.own, got.rival), (own, rival), "{query:?}");
            assert_eq!(got.predicted, predict(&exact));
        }
    }

    #[test]
    fn every_bracket_holds_the_exact_score_and_most_templates_drop_out() {
        let classes = 150;
        let (pixels, labels) = smooth_glyphs(classes, 2, 11);
        let features = features_of(&pixels);
        let (with, _) = both(&features, &labels, classes);
        let list = with.shortlist.as_ref().expect("built");
        let (others, _) = smooth_glyphs(30, 1, 12);
        let mut batch = GlyphBatch::new();
        let queries = queries(&pixels, &labels, &others, &mut batch);
        let mut work = Work::default();
        list.project(&batch, &mut work.projection);
        let count = with.template_count();
        let mut bracket = Brackets {
            lows: vec![0.0; count],
            highs: vec![0.0; count],
        };
        let mut kept = 0;
        for query in &queries {
            let row = query.row.expect("every query has a glyph");
            let glyph = work.projection.row(row, count);
            let mut lows = vec![0.0; count];
            let mut highs = vec![0.0; count];
            first_brackets_kernel(list, &glyph, &mut lows, &mut highs);
            for t in 0..count {
                let exact = dot(with.template(t), batch.features(row));
                assert!(
                    lows[t] <= exact && exact <= highs[t],
                    "{t}: {exact} outside"
                );
            }
            shortlisted(&with, list, &glyph, query, &mut bracket, &mut work.lists);
            let own = with.own_template_of(query);
            for c in &work.lists.candidates {
                let exact = dot(with.template(c.template), batch.features(row));
                if let Some(exact) = with.adjusted(c.template, own, exact) {
                    assert!(c.low <= exact && exact <= c.high, "{c:?}: {exact} outside");
                }
            }
            kept += work.lists.candidates.len();
        }
        // The point of it: far fewer candidates than templates.
        let mean = kept as f64 / queries.len() as f64;
        assert!(
            mean < count as f64 / 10.0,
            "{mean} of {count} kept on average"
        );
    }

    #[test]
    fn the_directions_are_orthonormal_and_the_products_are_the_dot_products() {
        let (pixels, labels) = smooth_glyphs(60, 2, 3);
        let features = features_of(&pixels);
        let (with, _) = both(&features, &labels, 60);
        let list = with.shortlist.as_ref().expect("built");
        assert!(list.components > 8 && list.components <= COMPONENTS);
        assert!(list.orthogonality < 1e-5, "{}", list.orthogonality);
        // Every product of the blocked kernel is the dot product, to the bit, whatever the
        // number of rows (past whole blocks of four) and the length (past chunks of sixteen).
        for dim in [256, 250] {
            let a: Vec<f32> = features
                .iter()
                .take(7)
                .flat_map(|f| f[..dim].to_vec())
                .collect();
            let b: Vec<f32> = features[7..13]
                .iter()
                .flat_map(|f| f[..dim].to_vec())
                .collect();
            let mut out = vec![0.0; 7 * 6];
            cross(&a, &b, dim, &mut out);
            for i in 0..7 {
                for j in 0..6 {
                    let expected = dot(&a[i * dim..(i + 1) * dim], &b[j * dim..(j + 1) * dim]);
                    assert_eq!(
                        out[i * 6 + j].to_bits(),
                        expected.to_bits(),
                        "{dim} {i} {j}"
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_to_project_builds_no_shortlist() {
        assert!(Shortlist::build(&[], 16, 0).is_none());
        assert!(Shortlist::build(&[0.0; 32], 16, 2).is_none());
        assert!(Shortlist::build(&[1.0; 8], 16, 1).is_none());
    }
}
