//! Scoring queries against the templates: 8-bit products, brackets on every template's
//! score, the answer where the brackets settle it, and exact scores where they do not.

use std::ops::Range;

use super::*;

crate::simd::wide_fn! {
    /// The answer [`judge`] (with `judging`: margin and floor) or [`predict`] (without) would
    /// give on the exact scores, when
    /// the brackets alone settle it. A class's best template lies between the best lower end
    /// and the best upper end of its templates; templates are stored class by class, so the
    /// classes that compete (all but the own class when judging) are the templates outside
    /// one run, and each best is a maximum over whole runs of templates, which vectorises.
    /// Kept by a wide margin, the usual answer for a transformation that is safe, needs only
    /// two of them.
    pub(super) fn settled(
        classifier: &TemplateClassifier,
        label: usize,
        judging: Option<(f32, f32)>,
        bracket: &Brackets,
    ) -> Option<Answer<'static>> = settled_kernel;
    fn settled_on(tier, ..);
}

/// The kernel of [`settled`].
#[inline(always)]
pub(super) fn settled_kernel(
    classifier: &TemplateClassifier,
    label: usize,
    judging: Option<(f32, f32)>,
    bracket: &Brackets,
) -> Option<Answer<'static>> {
    const SLACK: f32 = SETTLE_SLACK;
    let own = judging.map_or(0..0, |_| classifier.class_run(label));
    let (lows, highs) = (&bracket.lows[..], &bracket.highs[..]);
    let top_hi = max_outside(highs, &own, &(0..0));
    if top_hi.is_nan() {
        return None;
    }
    let judging = judging.map(|(margin, floor)| {
        let own_lo = max_of(lows.get(own.clone()).unwrap_or(&[]));
        let own_hi = max_of(highs.get(own.clone()).unwrap_or(&[]));
        (own_lo, own_hi, margin, floor)
    });
    if let Some((own_lo, _, margin, _)) = judging {
        if top_hi < own_lo - margin - SLACK {
            // Kept, whichever the rival: every other class stays below own - margin.
            return Some(Answer::Judged(Outcome::Kept));
        }
    }
    let best_lo = max_outside(lows, &own, &(0..0));
    if best_lo == f32::NEG_INFINITY || best_lo.is_nan() {
        return None;
    }
    // The class of the first competing template that reaches `target` (the lowest class
    // among equals, as a pass over the classes in order finds it).
    let first = |values: &[f32], target: f32| {
        let before = values
            .get(..own.start)
            .unwrap_or(&[])
            .iter()
            .position(|&v| v == target);
        let after = || {
            let rest = values.get(own.end..).unwrap_or(&[]);
            rest.iter().position(|&v| v == target).map(|t| own.end + t)
        };
        before.or_else(after).map(|t| classifier.templates[t].class)
    };
    let (Some(leader), Some(top_class)) = (first(lows, best_lo), first(highs, top_hi)) else {
        return None;
    };
    let others_hi = if top_class == leader {
        max_outside(highs, &own, &classifier.class_run(leader))
    } else {
        top_hi
    };
    decide(judging, leader, best_lo, top_hi, others_hi)
}

/// Room for the rounding of the comparisons [`judge`] makes, in every answer the brackets
/// settle.
pub(super) const SETTLE_SLACK: f32 = 1e-5;

/// The answer the brackets settle, if they do, once the competing classes' extremes are
/// known: the best lower end `best_lo` (of the class `leader`, the first to reach it) and
/// upper end `top_hi` of the competitors, the best upper end `others_hi` of the competitors
/// but the leader's class, and when judging the own class's lower and upper ends with the
/// margin and floor. Shared by [`settled`] on every template's bracket and by the shortlist
/// on its candidates'.
#[inline(always)]
pub(super) fn decide(
    judging: Option<(f32, f32, f32, f32)>,
    leader: usize,
    best_lo: f32,
    top_hi: f32,
    others_hi: f32,
) -> Option<Answer<'static>> {
    const SLACK: f32 = SETTLE_SLACK;
    // The leader is certainly the best competing class when its lower end clears every
    // other competitor's upper end.
    let clear = best_lo > others_hi + SLACK;
    let Some((own_lo, own_hi, margin, floor)) = judging else {
        return clear.then_some(Answer::Predicted(Some(leader)));
    };
    if !clear {
        return None;
    }
    let (rival, rival_lo, rival_hi) = (leader, best_lo, top_hi);
    if rival_lo > own_hi + margin + SLACK {
        // The rival wins: a change when it reaches the floor, destroyed when it certainly
        // does not, and for the exact scores to say when it might.
        if rival_hi < floor - SLACK {
            return Some(Answer::Judged(Outcome::Destroyed));
        }
        return (rival_lo >= floor + SLACK)
            .then_some(Answer::Judged(Outcome::Changed { to: rival }));
    }
    if rival_lo >= own_hi - margin + SLACK && rival_hi <= own_lo + margin - SLACK {
        // A near tie, and which side of it the rival is on, when the brackets say.
        let leads = if rival_lo > own_hi + SLACK {
            Some(true)
        } else if rival_hi < own_lo - SLACK {
            Some(false)
        } else {
            None
        };
        return leads.map(|leads| Answer::Judged(Outcome::Uncertain { to: rival, leads }));
    }
    None
}

crate::simd::wide_fn! {
    /// Brackets every template's score for one query (see
    /// [`TemplateClassifier::judge_batch`]) from its 8-bit dot products, into `bracket`.
    pub(super) fn brackets(
        classifier: &TemplateClassifier,
        batch: &GlyphBatch,
        row: usize,
        query: &Query,
        dots: &[i32],
        bracket: &mut Brackets,
    ) = brackets_kernel;
    fn brackets_on(tier, ..);
}

/// The kernel of [`brackets`].
#[inline(always)]
pub(super) fn brackets_kernel(
    classifier: &TemplateClassifier,
    batch: &GlyphBatch,
    row: usize,
    query: &Query,
    dots: &[i32],
    bracket: &mut Brackets,
) {
    let own = classifier.own_template_of(query);
    // Bracket every template's score from its 8-bit dot product (one flat loop over the
    // templates' fields, so it vectorises)...
    match batch.info[row] {
        Some(glyph) => {
            let fields = classifier
                .quantized_scale
                .iter()
                .zip(&classifier.quantized_offset)
                .zip(&classifier.quantized_sum);
            let slots = bracket.lows.iter_mut().zip(bracket.highs.iter_mut());
            for (((low, high), &dot), ((&scale, &offset), &sum)) in slots.zip(dots).zip(fields) {
                let approx = glyph.score(dot, scale, offset, sum);
                let bound = glyph.bound(scale, sum);
                (*low, *high) = (approx - bound, approx + bound);
            }
        }
        None => {
            bracket.lows.fill(f32::NEG_INFINITY);
            bracket.highs.fill(f32::INFINITY);
        }
    }
    adjust_own(classifier, own, bracket);
}

/// Takes a query's training sample out of its own template's bracket (`own`, if any). That
/// score rises with the template's (see `TemplateClassifier::adjusted`), so the bracket maps
/// end to end; a template that nothing is left of drops out.
#[inline(always)]
pub(super) fn adjust_own(
    classifier: &TemplateClassifier,
    own: Option<Own>,
    bracket: &mut Brackets,
) {
    let Some(own) = own else {
        return;
    };
    let index = own.template;
    let (Some(&low), Some(&high)) = (bracket.lows.get(index), bracket.highs.get(index)) else {
        return;
    };
    (bracket.lows[index], bracket.highs[index]) = match (
        classifier.adjusted(index, Some(own), low),
        classifier.adjusted(index, Some(own), high),
    ) {
        (Some(low), Some(high)) => (low, high),
        _ => (f32::NEG_INFINITY, f32::NEG_INFINITY),
    };
}

crate::simd::wide_fn! {
    /// The class scores of a query that its brackets did not settle: exact for every template
    /// that could still be the best of its group (the own class, the others).
    pub(super) fn exact_scores(
        classifier: &TemplateClassifier,
        batch: &GlyphBatch,
        row: usize,
        query: &Query,
        bracket: &Brackets,
        scores: &mut [f32],
    ) = exact_scores_kernel;
    fn exact_scores_on(tier, ..);
}

/// The kernel of [`exact_scores`].
#[inline(always)]
pub(super) fn exact_scores_kernel(
    classifier: &TemplateClassifier,
    batch: &GlyphBatch,
    row: usize,
    query: &Query,
    bracket: &Brackets,
    scores: &mut [f32],
) {
    let features = &batch.features[row * classifier.dim..(row + 1) * classifier.dim];
    let own = classifier.own_template_of(query);
    // The best lower ends of the own class and of the others (templates are stored class by
    // class, so the own class is one run of them).
    let mine = classifier.class_run(query.label);
    let lows = &bracket.lows[..];
    let own_floor = max_of(lows.get(mine.clone()).unwrap_or(&[]));
    let other_floor = max_outside(lows, &mine, &(0..0));
    // Whatever could reach its group's best lower end is scored exactly, four templates
    // side by side (each sum alone is a chain of dependent additions).
    let mut pending = [0usize; 4];
    let mut waiting = 0;
    for (index, (&low, &high)) in lows.iter().zip(&bracket.highs).enumerate() {
        let floor = if mine.contains(&index) {
            own_floor
        } else {
            other_floor
        };
        if high < floor || high == f32::NEG_INFINITY {
            continue;
        }
        if low == high {
            // Exact already (the own template's, scored while bracketing).
            let best = &mut scores[classifier.templates[index].class];
            *best = best.max(low);
            continue;
        }
        pending[waiting] = index;
        waiting += 1;
        if waiting == pending.len() {
            score_group(classifier, features, own, &pending, scores);
            waiting = 0;
        }
    }
    score_group(classifier, features, own, &pending[..waiting], scores);
}

/// Scores up to four templates (`group`) exactly for a glyph's `features` into the class
/// `scores`, with the glyph taken out of its `own` template. Fewer than four are padded with
/// the first, whose repeats are not kept: one pass of the four-wide kernel costs about what one
/// sum alone takes. A function, not a closure, so that it is compiled into the vector tier of
/// [`exact_scores`] that calls it.
#[inline(always)]
pub(super) fn score_group(
    classifier: &TemplateClassifier,
    features: &[f32],
    own: Option<Own>,
    group: &[usize],
    scores: &mut [f32],
) {
    let mut keep = |index: usize, score: f32| {
        if let Some(value) = classifier.adjusted(index, own, score) {
            let best = &mut scores[classifier.templates[index].class];
            *best = best.max(value);
        }
    };
    match group {
        [] => {}
        [only] => keep(*only, dot_kernel(classifier.template(*only), features)),
        [first, ..] => {
            let templates = std::array::from_fn(|k| {
                classifier.template(group.get(k).copied().unwrap_or(*first))
            });
            for (&t, score) in group.iter().zip(dot_four_kernel(templates, features)) {
                keep(t, score);
            }
        }
    }
}

/// Per template, the ends of the interval its exact score for one query lies in.
#[derive(Default)]
pub(super) struct Brackets {
    /// The lower ends.
    pub(super) lows: Vec<f32>,
    /// The upper ends.
    pub(super) highs: Vec<f32>,
}

/// The largest of `values`, minus infinity for none; a NaN (there is none in a bracket) counts
/// above every number, so that a bracket gone wrong is never taken as settled. Compared as
/// integers that order as the numbers do, which vectorises (a float maximum does not, as its
/// additions of NaN cases cannot be reordered).
#[inline(always)]
pub(super) fn max_of(values: &[f32]) -> f32 {
    let best = values
        .iter()
        .fold(order_key(f32::NEG_INFINITY), |best, &v| {
            best.max(order_key(v))
        });
    from_order_key(best)
}

/// An integer that orders as `v` does in the order of [`f32::total_cmp`]: negative numbers'
/// bits count down as they grow, so flipping all but the sign orders them.
#[inline(always)]
pub(super) fn order_key(v: f32) -> i32 {
    let bits = v.to_bits();
    (bits ^ (((bits as i32) >> 31) as u32 >> 1)) as i32
}

/// The number of an [`order_key`] (the key is its own inverse).
#[inline(always)]
pub(super) fn from_order_key(key: i32) -> f32 {
    f32::from_bits(order_key(f32::from_bits(key as u32)) as u32)
}

/// [`max_of`] the values outside two ranges of indices.
#[inline(always)]
pub(super) fn max_outside(values: &[f32], a: &Range<usize>, b: &Range<usize>) -> f32 {
    let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
    let part = |from: usize, to: usize| {
        values
            .get(from..to.max(from))
            .map_or(f32::NEG_INFINITY, max_of)
    };
    max_of(&[
        part(0, first.start),
        part(first.end, second.start),
        part(second.end.max(first.end), values.len()),
    ])
}

/// What scoring a query gives: the answer itself, when the 8-bit brackets settle it, or
/// class scores on which [`judge`] or [`predict`] gives it.
pub(super) enum Answer<'a> {
    Scores(&'a [f32]),
    Judged(Outcome),
    Predicted(Option<usize>),
}

crate::simd::wide_fn! {
    /// The dot product of two feature vectors (see [`dot_kernel`]).
    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 = dot_kernel;
    fn dot_on(tier, ..);
}

/// A dot product in sixteen independent fused sums, so the compiler vectorises it; the same
/// result on every processor (see [`wide_fn`](crate::simd::wide_fn)).
#[inline(always)]
pub(super) fn dot_kernel(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    let (a_chunks, b_chunks) = (a.chunks_exact(16), b.chunks_exact(16));
    let mut tail = 0.0f32;
    for (&x, &y) in a_chunks.remainder().iter().zip(b_chunks.remainder()) {
        tail = x.mul_add(y, tail);
    }
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(x).zip(y) {
            *lane = x.mul_add(y, *lane);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// [`dot_kernel`] of four vectors with one: the four sums run side by side (each alone is a
/// chain of dependent additions that keeps the floating-point units waiting), and each is added
/// in exactly the order of `dot_kernel`, so each result is the same to the bit.
#[inline(always)]
pub(super) fn dot_four_kernel(a: [&[f32]; 4], b: &[f32]) -> [f32; 4] {
    // As `zip` in `dot_kernel`, the shortest length counts (they are all one length here).
    let len = a.iter().fold(b.len(), |len, a| len.min(a.len()));
    let (a, b) = (a.map(|a| &a[..len]), &b[..len]);
    let split = len - len % 16;
    let lanes = crate::simd::fused_lanes_four(a, b);
    let mut out = [0.0f32; 4];
    for ((out, lanes), a) in out.iter_mut().zip(lanes).zip(a) {
        let mut tail = 0.0f32;
        for (&x, &y) in a[split..].iter().zip(&b[split..]) {
            tail = x.mul_add(y, tail);
        }
        *out = lanes.iter().sum::<f32>() + tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_dot_products_side_by_side_are_each_the_single_one_to_the_bit() {
        // Lengths with and without a tail past the last chunk of sixteen, values of mixed
        // sign and size so that the order of the additions shows in the last bits.
        for len in [0, 5, 16, 1000, 1024] {
            let wave = |k: usize| -> Vec<f32> {
                (0..len)
                    .map(|i| ((i * 7 + k * 13) as f32 * 0.61).sin() * (1.0 + (i % 5) as f32 * 9.0))
                    .collect()
            };
            let (a, b, c, d, y) = (wave(1), wave(2), wave(3), wave(4), wave(5));
            let four = dot_four_kernel([&a, &b, &c, &d], &y);
            for (k, v) in [&a, &b, &c, &d].into_iter().enumerate() {
                assert_eq!(four[k].to_bits(), dot_kernel(v, &y).to_bits(), "{len} {k}");
                assert_eq!(four[k].to_bits(), dot(v, &y).to_bits(), "{len} {k}");
            }
        }
    }

    /// The settled answer in a form tests compare.
    fn answer_key(answer: Option<Answer<'_>>) -> String {
        match answer {
            None => "unsettled".to_string(),
            Some(Answer::Judged(outcome)) => format!("judged {outcome:?}"),
            Some(Answer::Predicted(class)) => format!("predicted {class:?}"),
            Some(Answer::Scores(scores)) => format!("scores {scores:?}"),
        }
    }

    #[test]
    fn the_scoring_kernels_give_the_same_bits_on_every_vector_tier() {
        use crate::simd::{same_on_every_tier, Tier};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        // Glyph-like pixels (non-negative, mostly background) around one pattern per class,
        // 250 of them so that the dot products have a tail past their chunks of sixteen.
        let (classes, per_class, dim) = (5, 12, 250);
        let patterns: Vec<Vec<f32>> = (0..classes)
            .map(|_| {
                (0..dim)
                    .map(|_| rng.random_bool(0.3) as u8 as f32 * rng.random_range(0.5..1.0))
                    .collect()
            })
            .collect();
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for (class, pattern) in patterns.iter().enumerate() {
            for _ in 0..per_class {
                let noisy: Vec<f32> = pattern
                    .iter()
                    .map(|&p| (p + rng.random_range(-0.2f32..0.2)).max(0.0))
                    .collect();
                pixels.push(noisy);
                labels.push(class);
            }
        }
        let features: Vec<Vec<f32>> = pixels
            .iter()
            .map(|p| {
                let mut f = vec![0.0; dim];
                crate::normalize::features_into(p, &mut f);
                f
            })
            .collect();
        let options = ClassifierOptions {
            cluster_similarity: 0.995,
            ..ClassifierOptions::default()
        };
        let classifier = TemplateClassifier::build(&features, &labels, classes, &options);
        assert!(classifier.template_count() > classes);
        let mut batch = GlyphBatch::new();
        let mut queries = Vec::new();
        for (sample, (p, &label)) in pixels.iter().zip(&labels).enumerate() {
            // The sample itself (taken out of its template), and a variant judged as another
            // class's, so that every kind of answer comes up.
            let row = batch.push_pixels(p);
            queries.push(Query {
                row: Some(row),
                sample: Some(sample),
                overlap: 1.0,
                label,
            });
            let shifted: Vec<f32> = p
                .iter()
                .cycle()
                .skip(sample % 7 + 1)
                .take(dim)
                .copied()
                .collect();
            let shifted_row = batch.push_pixels(&shifted);
            queries.push(Query {
                row: Some(shifted_row),
                sample: None,
                overlap: 0.0,
                label: (label + 1) % classes,
            });
            // The variant as a transformation of the sample: the sample taken out of its
            // template by its correlation with the variant.
            queries.push(Query {
                row: Some(shifted_row),
                sample: Some(sample),
                overlap: correlation(batch.features(row), batch.features(shifted_row)),
                label,
            });
        }
        let count = classifier.template_count();
        let glyphs = &batch.quantized[..batch.len() * batch.stride];
        let run = |tier: Tier| {
            let mut out = Vec::new();
            let mut dots = vec![0i32; batch.len() * count];
            classifier.quantized.dot_on(tier, glyphs, &mut dots);
            out.push(format!("{dots:?}"));
            for query in &queries {
                let Some(row) = query.row else { continue };
                let features = &batch.features[row * dim..(row + 1) * dim];
                let exact: Vec<u32> = (0..count)
                    .map(|t| dot_on(tier, classifier.template(t), features).to_bits())
                    .collect();
                out.push(format!("{exact:?}"));
                let mut bracket = Brackets {
                    lows: vec![0.0; count],
                    highs: vec![0.0; count],
                };
                let dots = &dots[row * count..(row + 1) * count];
                brackets_on(tier, &classifier, &batch, row, query, dots, &mut bracket);
                let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                out.push(format!(
                    "{:?} {:?}",
                    bits(&bracket.lows),
                    bits(&bracket.highs)
                ));
                for judging in [Some((0.05, 0.6)), Some((0.0, f32::NEG_INFINITY)), None] {
                    let answer = settled_on(tier, &classifier, query.label, judging, &bracket);
                    out.push(answer_key(answer));
                }
                let mut scores = vec![f32::NEG_INFINITY; classes];
                exact_scores_on(tier, &classifier, &batch, row, query, &bracket, &mut scores);
                out.push(format!("{:?}", bits(&scores)));
            }
            out
        };
        let expected = run(Tier::Baseline);
        // Every kind of answer came up, so every branch was compared.
        for kind in [
            "unsettled",
            "judged Kept",
            "judged Changed",
            "judged Destroyed",
            "predicted Some",
        ] {
            assert!(expected.iter().any(|l| l.starts_with(kind)), "no {kind}");
        }
        same_on_every_tier(
            "classify kernels (8-bit products, dot, brackets, settled, exact scores)",
            run,
        );
    }

    #[test]
    fn maxima_outside_runs_of_templates() {
        let v = [1.0, 5.0, 2.0, 9.0, 3.0, 4.0];
        assert_eq!(max_of(&v), 9.0);
        assert_eq!(max_of(&[]), f32::NEG_INFINITY);
        assert_eq!(max_outside(&v, &(0..0), &(0..0)), 9.0);
        assert_eq!(max_outside(&v, &(3..4), &(0..0)), 5.0);
        assert_eq!(max_outside(&v, &(3..4), &(1..2)), 4.0);
        assert_eq!(max_outside(&v, &(1..2), &(3..6)), 2.0);
        assert_eq!(max_outside(&v, &(0..6), &(0..0)), f32::NEG_INFINITY);
        assert!(max_outside(&[f32::NAN, 1.0], &(0..0), &(0..0)).is_nan());
        assert_eq!(max_of(&[-3.5, -0.25, -7.0]), -0.25);
        assert_eq!(max_of(&[-1.0, f32::NEG_INFINITY]), -1.0);
        assert_eq!(max_of(&[2.0, f32::INFINITY, -1.0]), f32::INFINITY);
        assert_eq!(max_of(&[f32::NEG_INFINITY]), f32::NEG_INFINITY);
    }
}
