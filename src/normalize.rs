//! The canonical glyph every image becomes before classification.
//!
//! The canonical form is a square ink map ([`Side`]: 32² for alphabets, 48² or 64² for large
//! ones; ink bright, background zero) in which
//! the image *frame* is stretched to the square, as a training pipeline resizes its input, and
//! the glyph's centre of ink is moved to the centre. So the glyph's size relative to its frame
//! survives (x and X stay apart) while its position does not (a rotated 6 that no longer sits on
//! its baseline still matches a 9). A light blur makes a glyph a pixel or a degree off score
//! almost as well as the original. Then the glyph is stood upright ([`Form::deslant`]).

use image::{GrayImage, Luma};

use crate::glyph::{GlyphImage, Polarity};

/// Side of the canonical square, in pixels, for alphabets of up to a few hundred classes
/// (see [`Side`]).
pub const CANONICAL_SIZE: u32 = 32;

/// Side of the canonical square. 32 pixels keep what tells Latin letters and digits apart; the
/// strokes that tell thousands of CJK characters apart blur together there, and need 48 or 64.
/// A comparison costs the square of the side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// 32 × 32.
    #[default]
    S32,
    /// 48 × 48.
    S48,
    /// 64 × 64.
    S64,
}

impl Side {
    /// Every side, smallest first.
    pub const ALL: [Side; 3] = [Side::S32, Side::S48, Side::S64];

    /// The side in pixels.
    pub fn pixels(self) -> u32 {
        match self {
            Side::S32 => 32,
            Side::S48 => 48,
            Side::S64 => 64,
        }
    }

    /// The side of `pixels`, if it is one of [`Side::ALL`].
    pub fn from_pixels(pixels: u32) -> Option<Side> {
        Side::ALL.into_iter().find(|s| s.pixels() == pixels)
    }

    /// Values in a canonical glyph of this side.
    pub fn dim(self) -> usize {
        let side = self.pixels() as usize;
        side * side
    }

    /// Standard deviation of the blur applied to the centred ink map, in canonical pixels:
    /// [`BLUR_SIGMA`] at 32, growing by a quarter pixel for every 16 pixels of side. A finer
    /// grid keeps finer strokes apart, but with the same blur in pixels a glyph turned by a few
    /// degrees would no longer overlap its template (measured on 3,000 CJK characters at 48
    /// pixels: σ 1 reads 5% of classes as changed by a turn within ±10°, σ 1.25 2%).
    pub fn blur_sigma(self) -> f32 {
        match self {
            Side::S32 => BLUR_SIGMA,
            Side::S48 => BLUR_SIGMA + 0.25,
            Side::S64 => BLUR_SIGMA + 0.5,
        }
    }
}

/// Standard deviation of the blur at side 32, in canonical pixels.
pub const BLUR_SIGMA: f32 = 1.0;

/// Total ink (in pixels of full ink) below which a canonical glyph counts as empty.
const MIN_INK: f32 = 0.5;

/// A glyph in canonical form: ink bright on zero, centred, blurred.
#[derive(Clone, Debug, PartialEq)]
pub struct Canonical {
    pixels: Vec<f32>,
}

impl Canonical {
    /// A canonical glyph from its pixels (a square number of them, row by row).
    pub(crate) fn from_pixels(pixels: Vec<f32>) -> Canonical {
        Canonical { pixels }
    }

    /// The ink values, row by row, `CANONICAL_SIZE`² of them.
    pub fn pixels(&self) -> &[f32] {
        &self.pixels
    }

    /// The glyph as a zero-mean, unit-length vector: the dot product of two such vectors is
    /// their normalised cross-correlation.
    pub fn features(&self) -> Vec<f32> {
        let mut features = vec![0.0f32; self.pixels.len()];
        features_into(&self.pixels, &mut features);
        features
    }

    /// The canonical glyph as an 8-bit image, ink white on black, for looking at.
    pub fn to_image(&self) -> GrayImage {
        let max = self.pixels.iter().copied().fold(0.0f32, f32::max).max(1e-6);
        let side = self.pixels.len().isqrt() as u32;
        GrayImage::from_fn(side, side, |x, y| {
            let v = self
                .pixels
                .get((y * side + x) as usize)
                .copied()
                .unwrap_or(0.0)
                / max;
            Luma([(v.clamp(0.0, 1.0) * 255.0).round() as u8])
        })
    }
}

/// Whole-pixel shifts of the centre of ink the tables of side `S` cover: the centre lies in
/// 0..=S−1, so the shift from (S−1)/2 lies within ±(S−1)/2, its floor in −S/2..=S/2−1 and
/// the floor plus one in −S/2+1..=S/2.
const fn max_shift(side: usize) -> i64 {
    side as i64 / 2
}

/// Whole shifts a table of side `S` holds.
const fn shifts(side: usize) -> usize {
    side + 1
}

/// Source lengths whose tables a thread keeps before it starts again (a table for a line of
/// `n` pixels holds (S+1) × n × S values: 28 pixels at side 32 take 118 KB).
const CACHED_TABLES: usize = 48;

/// How glyphs are brought into canonical form beyond the resize, centring and blur that every
/// glyph gets. The judge builds its templates and reads every glyph in one form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Form {
    /// Side of the canonical square.
    pub side: Side,
    /// Shear each glyph so that the main axis of its ink stands upright (`deslant32` and its
    /// twins). Handwriting leans by a different amount in every hand, and a flip turns a lean
    /// to the right into one to the left; upright glyphs are compared for their shapes alone.
    /// Off for alphabets in which the lean is what tells classes apart (`/`, `|` and `\`).
    pub deslant: bool,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            side: Side::S32,
            deslant: true,
        }
    }
}

impl Form {
    /// Values in a glyph of this form.
    pub fn dim(self) -> usize {
        self.side.dim()
    }

    /// The steps of this form that follow [`centred_into`], applied to its output in place.
    pub(crate) fn finish(self, pixels: &mut [f32]) {
        if self.deslant {
            match self.side {
                Side::S32 => deslant32(pixels),
                Side::S48 => deslant48(pixels),
                Side::S64 => deslant64(pixels),
            }
        }
    }
}

/// Brings a glyph image of any size into canonical form (the default [`Form`]). Returns `None`
/// when the image holds no ink (a crop that missed the glyph, say).
pub fn normalize(glyph: &GlyphImage) -> Option<Canonical> {
    normalize_with(glyph, Form::default())
}

/// [`normalize`] into the given form.
pub fn normalize_with(glyph: &GlyphImage, form: Form) -> Option<Canonical> {
    let mut pixels = vec![0.0f32; form.dim()];
    canonical_into(glyph, form, &mut pixels).then_some(Canonical { pixels })
}

/// [`normalize_with`] into a buffer of [`Form::dim`] values; `false` when there is no ink.
pub(crate) fn canonical_into(glyph: &GlyphImage, form: Form, out: &mut [f32]) -> bool {
    let has_ink = centred_into(glyph, form.side, out);
    if has_ink {
        form.finish(out);
    }
    has_ink
}

/// The part of the canonical form that every [`Form`] of `side` shares, into a buffer of
/// [`Side::dim`] values; `false` when there is no ink.
///
/// The three steps — resize the frame to the side (triangle filter), move the centre of ink to
/// the centre (bilinear, sub-pixel), blur (Gaussian, [`Side::blur_sigma`], no ink beyond the
/// frame) — are all linear and act on rows and columns apart, so together they are one S×n
/// matrix per axis (S the side): `canonical = My · ink · Mxᵀ`. The matrices for every
/// whole-pixel shift are made once per source length and kept; a sub-pixel shift blends two of
/// them. The centre of ink of the resized map comes straight from weighted row and column sums
/// of the source.
///
/// The square symmetries (flips, quarter turns) of this map are the map of the flipped or
/// turned image, so a scan moves its pixels instead of normalising the image again, then
/// finishes the form ([`Form::finish`]).
pub(crate) fn centred_into(glyph: &GlyphImage, side: Side, out: &mut [f32]) -> bool {
    centred_into_on(crate::simd::Tier::selected(), glyph, side, out)
}

/// Largest shear [`deslant32`] applies, in pixels across per pixel down (45°): a glyph that leans
/// further is mostly a horizontal stroke, whose lean is not slant.
const MAX_SHEAR: f32 = 1.0;

/// Below this variance of its rows (in canonical pixels², the blur's share taken off) a glyph
/// is too flat for its lean to mean anything (a dash) and is left as it is.
const MIN_ROW_VARIANCE: f32 = 2.0;

crate::simd::wide_fn! {
    /// Shears a centred glyph along its rows so that the main axis of its ink is vertical: row
    /// `y` moves by `s × (y − ȳ)` with `s` = cov(x, y) / var(y) of the ink, the classic moment
    /// deskewing of handwritten digits. The blur of [`centred_into`] adds σ² to var(y) and
    /// nothing to the covariance; that share is taken off. Rows move by linear interpolation,
    /// ink beyond the frame is lost. It commutes with the flips and the half turn (each changes
    /// the sign of `s` and mirrors the rows), not with quarter turns.
    pub(crate) fn deslant32(pixels: &mut [f32]) = deslant_kernel::<32>;
    fn deslant32_on(tier, ..);
}

crate::simd::wide_fn! {
    /// [`deslant32`] at side 48.
    pub(crate) fn deslant48(pixels: &mut [f32]) = deslant_kernel::<48>;
    fn deslant48_on(tier, ..);
}

crate::simd::wide_fn! {
    /// [`deslant32`] at side 64.
    pub(crate) fn deslant64(pixels: &mut [f32]) = deslant_kernel::<64>;
    fn deslant64_on(tier, ..);
}

/// The kernel of [`deslant32`] and its twins, for side `S`. Whole rows are added into three
/// column-wise sums (the ink, and the ink times its row and its row squared), so the loops run
/// along the rows with no sum across a row until the end (summed across rows the compiler
/// gathers, many times slower); the moments follow from those 3 × S values in double
/// precision. Each row is then moved as whole slices of a zero-padded copy.
#[inline(always)]
fn deslant_kernel<const S: usize>(pixels: &mut [f32]) {
    if pixels.len() != S * S {
        return;
    }
    let mut ink = [0.0f32; S];
    let mut by_row = [0.0f32; S];
    let mut by_row2 = [0.0f32; S];
    for (y, row) in pixels.chunks_exact(S).enumerate() {
        let (y, y2) = (y as f32, (y * y) as f32);
        for (((a, b), c), &v) in ink.iter_mut().zip(&mut by_row).zip(&mut by_row2).zip(row) {
            *a += v;
            *b += v * y;
            *c += v * y2;
        }
    }
    let (mut mass, mut sx, mut sy, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (x, ((&a, &b), &c)) in ink.iter().zip(&by_row).zip(&by_row2).enumerate() {
        let (x, a, b, c) = (x as f64, f64::from(a), f64::from(b), f64::from(c));
        mass += a;
        sx += x * a;
        sy += b;
        syy += c;
        sxy += x * b;
    }
    if mass <= 0.0 {
        return;
    }
    let (cx, cy) = (sx / mass, sy / mass);
    let sigma = f64::from(side_of::<S>().blur_sigma());
    let row_variance = syy / mass - cy * cy - sigma * sigma;
    if row_variance < f64::from(MIN_ROW_VARIANCE) {
        return;
    }
    let covariance = sxy / mass - cx * cy;
    let limit = f64::from(MAX_SHEAR);
    let shear = (covariance / row_variance).clamp(-limit, limit);
    // Every row is copied into the middle of a zero-padded row first, and all the copies are
    // made before any is read: a row copied and read back at once at an unaligned offset
    // stalls the processor on every row.
    // Per row: zeros, the row, zeros.
    let mut padded = [[[0.0f32; S]; 3]; S];
    for (row, wide) in pixels.chunks_exact(S).zip(padded.iter_mut()) {
        wide[1].copy_from_slice(row);
    }
    for (y, (row, wide)) in pixels.chunks_exact_mut(S).zip(&padded).enumerate() {
        let wide = wide.as_flattened();
        let offset = shear * (y as f64 - cy);
        let whole = offset.floor().clamp(-(S as f64), (S - 1) as f64);
        let fraction = ((offset - whole) as f32).clamp(0.0, 1.0);
        let start = (S as i64 + whole as i64) as usize;
        let (here, next) = (&wide[start..start + S], &wide[start + 1..start + 1 + S]);
        for ((out, &a), &b) in row.iter_mut().zip(here).zip(next) {
            *out = a * (1.0 - fraction) + b * fraction;
        }
    }
}

/// [`centred_into`] on `tier` (see [`wide_fn`](crate::simd::wide_fn)).
fn centred_into_on(
    tier: crate::simd::Tier,
    glyph: &GlyphImage,
    side: Side,
    out: &mut [f32],
) -> bool {
    match side {
        Side::S32 => centred_sized(tier, glyph, out, &WORKSPACE32, run_wide32_on),
        Side::S48 => centred_sized(tier, glyph, out, &WORKSPACE48, run_wide48_on),
        Side::S64 => centred_sized(tier, glyph, out, &WORKSPACE64, run_wide64_on),
    }
}

/// The centred form at side `S`, with that side's workspace and kernel.
fn centred_sized<const S: usize>(
    tier: crate::simd::Tier,
    glyph: &GlyphImage,
    out: &mut [f32],
    workspace: &'static std::thread::LocalKey<std::cell::RefCell<Workspace<S>>>,
    run: fn(crate::simd::Tier, &Job<S>, &mut Buffers<S>, &mut [f32]) -> bool,
) -> bool {
    let GlyphImage {
        pixels: image,
        background,
        polarity,
    } = glyph;
    let (background, polarity) = (*background, *polarity);
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w == 0 || h == 0 || out.len() != S * S {
        return false;
    }
    workspace.with(|workspace| {
        let mut workspace = workspace.borrow_mut();
        let across = workspace.table(w);
        let down = workspace.table(h);
        let job = Job {
            raw: image.as_raw(),
            w,
            h,
            background,
            polarity,
            across: &across,
            down: &down,
        };
        run(tier, &job, &mut workspace.buffers, out)
    })
}

crate::simd::wide_fn! {
    /// [`run`] at side 32 in the vector tier in use.
    #[allow(dead_code)] // Only the twin that takes the tier is called.
    fn run_wide32(job: &Job<32>, buffers: &mut Buffers<32>, out: &mut [f32]) -> bool = run::<32>;
    fn run_wide32_on(tier, ..);
}

crate::simd::wide_fn! {
    /// [`run`] at side 48 in the vector tier in use.
    #[allow(dead_code)] // Only the twin that takes the tier is called.
    fn run_wide48(job: &Job<48>, buffers: &mut Buffers<48>, out: &mut [f32]) -> bool = run::<48>;
    fn run_wide48_on(tier, ..);
}

crate::simd::wide_fn! {
    /// [`run`] at side 64 in the vector tier in use.
    #[allow(dead_code)] // Only the twin that takes the tier is called.
    fn run_wide64(job: &Job<64>, buffers: &mut Buffers<64>, out: &mut [f32]) -> bool = run::<64>;
    fn run_wide64_on(tier, ..);
}

crate::simd::wide_fn! {
    /// [`Canonical::features`] of canonical pixels, into `out` (same length): centred, unit
    /// length. Sums run in sixteen fixed lanes, so they vectorise and come out the same on
    /// every machine.
    pub(crate) fn features_into(pixels: &[f32], out: &mut [f32]) = features_kernel;
    fn features_into_on(tier, ..);
}

/// The kernel of [`features_into`].
#[inline(always)]
fn features_kernel(pixels: &[f32], out: &mut [f32]) {
    glyph_kernel(pixels, out, None);
}

crate::simd::wide_fn! {
    /// A glyph's features ([`Canonical::features`]) and the 8-bit values of its canonical
    /// pixels together, in three passes over the pixels. The values are for scoring against
    /// quantized templates ([`QuantizedGlyph::score`], its error bounded by
    /// [`QuantizedGlyph::bound`]).
    ///
    /// `values[i] = round(pixels[i] × k) − shift`, with `k` stretching 0..=largest pixel over
    /// the signed bytes and the whole number `shift` centring them. The pixels are not centred
    /// by their mean: their background is exactly zero, and the template's background values
    /// are zero too, so the many faint pixels at the edge of the blur, which all round the same
    /// way, meet zeros and bias nothing; the template's offset is applied to the exact sum of
    /// pixels.
    ///
    /// `None` (and zeros) for a glyph without ink or contrast. `features` and `values` are as
    /// long as `pixels`.
    pub(crate) fn features_and_values(
        pixels: &[f32],
        features: &mut [f32],
        values: &mut [i8],
    ) -> Option<QuantizedGlyph> = features_and_values_kernel;
    fn features_and_values_on(tier, ..);
}

/// The kernel of [`features_and_values`].
#[inline(always)]
fn features_and_values_kernel(
    pixels: &[f32],
    features: &mut [f32],
    values: &mut [i8],
) -> Option<QuantizedGlyph> {
    glyph_kernel(pixels, features, Some(values))
}

/// Features into `features`; with `values`, also the 8-bit values (see [`features_and_values`]).
#[inline(always)]
fn glyph_kernel(
    pixels: &[f32],
    features: &mut [f32],
    values: Option<&mut [i8]>,
) -> Option<QuantizedGlyph> {
    let sum = lane_sum(pixels, |v| v);
    let mean = sum / pixels.len().max(1) as f32;
    let norm = lane_sum(pixels, |v| (v - mean) * (v - mean)).sqrt();
    let inverse = if norm > 0.0 { 1.0 / norm } else { 1.0 };
    let Some(values) = values else {
        for (f, &p) in features.iter_mut().zip(pixels) {
            *f = (p - mean) * inverse;
        }
        return None;
    };
    // Pixels are never negative, so their bit patterns order as they do: the largest is found
    // with integer comparisons, which vectorise without NaN cases.
    let high = f32::from_bits(lane_max_bits(pixels));
    let usable = high > 0.0 && norm > 0.0 && high.is_finite();
    // 0..=high onto -126..=127: 253 steps, the middle at 126.
    let k = if usable { 253.0 / high } else { 0.0 };
    let shift = 126;
    for ((f, q), &p) in features.iter_mut().zip(values.iter_mut()).zip(pixels) {
        *f = (p - mean) * inverse;
        *q = (round_small(p * k) - shift) as i8;
    }
    if !usable {
        values.fill(0);
        return None;
    }
    Some(QuantizedGlyph {
        factor: 1.0 / (k * norm),
        shift,
        ink: sum / norm,
    })
}

/// The sum of `f(v)` over `values` in sixteen lanes, the lanes then added in order.
#[inline(always)]
fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; 16];
    let chunks = values.chunks_exact(16);
    let tail: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

crate::simd::wide_fn! {
    /// A template (a zero-mean unit vector) in 8 bits above its lowest value:
    /// `template[i] ≈ offset + values[i] × scale`, the largest value at 255. The lowest value is
    /// the template's background, so wherever no sample of the template had ink the values are
    /// exactly zero. `out` is as long as `template`.
    pub(crate) fn quantize_template(template: &[f32], out: &mut [u8]) -> QuantizedTemplate =
        quantize_template_kernel;
    fn quantize_template_on(tier, ..);
}

/// The kernel of [`quantize_template`].
#[inline(always)]
fn quantize_template_kernel(template: &[f32], out: &mut [u8]) -> QuantizedTemplate {
    let (low, high) = lane_fold(template);
    let offset = if low.is_finite() { low } else { 0.0 };
    if !(high > low && high.is_finite()) {
        out.fill(0);
        return QuantizedTemplate {
            scale: 0.0,
            offset,
            sum: 0,
        };
    }
    let factor = 255.0 / (high - low);
    for (o, &v) in out.iter_mut().zip(template) {
        *o = round_small((v - low) * factor) as u8;
    }
    let sum = out.iter().map(|&v| i32::from(v)).sum();
    QuantizedTemplate {
        scale: (high - low) / 255.0,
        offset,
        sum,
    }
}

/// How to read a template's 8-bit values back (see [`quantize_template`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct QuantizedTemplate {
    /// The step between two values.
    pub scale: f32,
    /// The value 0 stands for.
    pub offset: f32,
    /// The sum of the values.
    pub sum: i32,
}

/// How to read a glyph's 8-bit values back (see [`features_and_values`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct QuantizedGlyph {
    /// `1 / (k × length of the centred pixels)`.
    pub factor: f32,
    /// The whole number taken off every value.
    pub shift: i32,
    /// The sum of the pixels over the length of the centred pixels.
    pub ink: f32,
}

impl QuantizedGlyph {
    /// The correlation of the glyph with a template from the integer dot product of their
    /// values: `pixels = (values + shift) / k` and `template = offset + scale × template
    /// values`, and the template sums to zero, so the glyph's mean drops out.
    /// (`scale`, `offset` and `sum` are the template's; see [`QuantizedTemplate`].)
    #[inline(always)]
    pub(crate) fn score(&self, dot: i32, scale: f32, offset: f32, sum: f32) -> f32 {
        let shifted = dot as f32 + self.shift as f32 * sum;
        self.factor * scale * shifted + self.ink * offset
    }

    /// How far [`QuantizedGlyph::score`] can be from the exact correlation: each pixel is
    /// within half a step (`1 / 2k`) of its 8-bit value and each template value within half a
    /// template step, and all the terms are non-negative but those, so the error is at most
    /// `scale / 2 × (factor × template sum + ink)`. Widened a little for the rounding of the
    /// floating-point arithmetic on both sides.
    #[inline(always)]
    pub(crate) fn bound(&self, scale: f32, sum: f32) -> f32 {
        let bound = 0.5 * scale * (self.factor * sum + self.ink);
        bound * 1.01 + 1e-4
    }
}

/// The dot product of two short slices in double precision, in four interleaved sums (one
/// running sum would wait on each addition in turn).
#[inline(always)]
fn dot64(a: &[f32], b: &[f32]) -> f64 {
    let mut sums = [0.0f64; 4];
    let (a_chunks, b_chunks) = (a.chunks_exact(4), b.chunks_exact(4));
    for (&x, &y) in a_chunks.remainder().iter().zip(b_chunks.remainder()) {
        sums[0] += f64::from(x) * f64::from(y);
    }
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((sum, &x), &y) in sums.iter_mut().zip(x).zip(y) {
            *sum += f64::from(x) * f64::from(y);
        }
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3])
}

/// `v` rounded to the nearest whole number (halves to even), for |v| < 2²²: adding 1.5 × 2²³
/// leaves the rounded number in the low bits of the sum. Unlike `as i32`, which must
/// saturate and map NaN to zero, this is two vector instructions.
#[inline(always)]
fn round_small(v: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0;
    (v + MAGIC).to_bits() as i32 - MAGIC.to_bits() as i32
}

/// The largest bit pattern among `values` (0 for none), in sixteen lanes.
#[inline(always)]
fn lane_max_bits(values: &[f32]) -> u32 {
    // Integer maxima may be taken in any order, so one flat loop vectorises.
    values.iter().map(|v| v.to_bits()).fold(0, u32::max)
}

/// The lowest and highest of `values` (infinities when there are none), in sixteen lanes.
/// Plain comparisons rather than `f32::min`, whose care for NaN (there is none here) keeps
/// the compiler from using the vector instructions.
#[inline(always)]
fn lane_fold(values: &[f32]) -> (f32, f32) {
    let (mut lows, mut highs) = ([f32::INFINITY; 16], [f32::NEG_INFINITY; 16]);
    let chunks = values.chunks_exact(16);
    let (mut low, mut high) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in chunks.remainder() {
        low = if v < low { v } else { low };
        high = if v > high { v } else { high };
    }
    for chunk in chunks {
        for ((l, h), &v) in lows.iter_mut().zip(highs.iter_mut()).zip(chunk) {
            *l = if v < *l { v } else { *l };
            *h = if v > *h { v } else { *h };
        }
    }
    for (&l, &h) in lows.iter().zip(&highs) {
        low = if l < low { l } else { low };
        high = if h > high { h } else { high };
    }
    (low, high)
}

thread_local! {
    static WORKSPACE32: std::cell::RefCell<Workspace<32>> = std::cell::RefCell::new(Workspace::default());
    static WORKSPACE48: std::cell::RefCell<Workspace<48>> = std::cell::RefCell::new(Workspace::default());
    static WORKSPACE64: std::cell::RefCell<Workspace<64>> = std::cell::RefCell::new(Workspace::default());
}

/// Per thread and side: the axis tables made so far and the buffers one normalisation needs.
#[derive(Default)]
struct Workspace<const S: usize> {
    tables: std::collections::HashMap<usize, std::rc::Rc<AxisTable<S>>>,
    /// The table asked for last: a dataset's images are mostly one size, and square, so this
    /// answers most lookups without hashing.
    last: Option<(usize, std::rc::Rc<AxisTable<S>>)>,
    buffers: Buffers<S>,
}

struct Buffers<const S: usize> {
    ink: Vec<f32>,
    column_sums: Vec<f32>,
    /// Column sums weighted by the resized row position (named for what they give: the
    /// centre of ink down the rows).
    row_sums: Vec<f32>,
    across: Vec<[f32; S]>,
    down: Vec<[f32; S]>,
    /// Per canonical row, the source rows that reach it, as first..end.
    down_sources: [(usize, usize); S],
    rows: Vec<[f32; S]>,
}

// Arrays of a generic length have no `Default` of their own.
impl<const S: usize> Default for Buffers<S> {
    fn default() -> Self {
        Buffers {
            ink: Vec::new(),
            column_sums: Vec::new(),
            row_sums: Vec::new(),
            across: Vec::new(),
            down: Vec::new(),
            down_sources: [(0, 0); S],
            rows: Vec::new(),
        }
    }
}

impl<const S: usize> Workspace<S> {
    fn table(&mut self, len: usize) -> std::rc::Rc<AxisTable<S>> {
        if let Some((last, table)) = &self.last {
            if *last == len {
                return table.clone();
            }
        }
        let table = match self.tables.get(&len) {
            Some(table) => table.clone(),
            None => {
                if self.tables.len() >= CACHED_TABLES {
                    self.tables.clear();
                }
                let table = std::rc::Rc::new(AxisTable::new(len));
                self.tables.insert(len, table.clone());
                table
            }
        };
        self.last = Some((len, table.clone()));
        table
    }
}

/// Everything about one axis of a source of `len` pixels, at side `S`.
struct AxisTable<const S: usize> {
    /// Per source pixel: its total weight in the resized line (for the mass of ink).
    weight: Vec<f32>,
    /// Per source pixel: Σ position × weight in the resized line (for the centre of ink).
    moment: Vec<f32>,
    /// Per whole shift s (−S/2..=S/2, stored from 0) and source pixel i: what pixel i gives each
    /// canonical position once resized, shifted by s and blurred, at `maps[s * len + i]`.
    maps: Vec<[f32; S]>,
    /// Per whole shift and canonical position, the source pixels whose maps are not zero
    /// there, as first..end (empty: `u32::MAX..0`), at `sources[s * S + o]`.
    sources: Vec<(u32, u32)>,
}

impl<const S: usize> AxisTable<S> {
    fn new(len: usize) -> AxisTable<S> {
        // The resize as a dense S × len matrix.
        let mut resize = vec![0.0f64; S * len];
        for (o, (first, weights)) in taps(len, S).iter().enumerate() {
            for (j, &weight) in weights.iter().enumerate() {
                resize[o * len + first + j] = f64::from(weight);
            }
        }
        let weight = (0..len)
            .map(|i| (0..S).map(|o| resize[o * len + i]).sum::<f64>() as f32)
            .collect();
        let moment = (0..len)
            .map(|i| (0..S).map(|o| o as f64 * resize[o * len + i]).sum::<f64>() as f32)
            .collect();
        let blur: Vec<f64> = kernel(side_of::<S>().blur_sigma())
            .into_iter()
            .map(f64::from)
            .collect();
        let radius = (blur.len() / 2) as i64;
        let side = S as i64;
        let mut maps = vec![[0.0f32; S]; shifts(S) * len];
        let mut sources = vec![(u32::MAX, 0u32); shifts(S) * S];
        for s in 0..shifts(S) {
            let shift = s as i64 - max_shift(S);
            for i in 0..len {
                let map = &mut maps[s * len + i];
                for (o, value) in map.iter_mut().enumerate() {
                    let mut acc = 0.0f64;
                    for (d, g) in blur.iter().enumerate() {
                        // Blurred position o reads shifted position o + d - radius, which reads
                        // resized position o + d - radius + shift; nothing lies beyond the frame.
                        let shifted = o as i64 + d as i64 - radius;
                        let resized = shifted + shift;
                        if (0..side).contains(&shifted) && (0..side).contains(&resized) {
                            acc += g * resize[resized as usize * len + i];
                        }
                    }
                    *value = acc as f32;
                }
                for (o, _) in map.iter().enumerate().filter(|(_, &v)| v != 0.0) {
                    let range = &mut sources[s * S + o];
                    *range = (range.0.min(i as u32), i as u32 + 1);
                }
            }
        }
        AxisTable {
            weight,
            moment,
            maps,
            sources,
        }
    }
}

/// One normalisation: the source and the tables of its two axes.
struct Job<'a, const S: usize> {
    raw: &'a [u8],
    w: usize,
    h: usize,
    background: u8,
    polarity: Polarity,
    across: &'a AxisTable<S>,
    down: &'a AxisTable<S>,
}

/// [`centred_into`]'s work once the tables are at hand.
#[inline(always)]
fn run<const S: usize>(job: &Job<S>, b: &mut Buffers<S>, out: &mut [f32]) -> bool {
    let (w, h) = (job.w, job.h);
    // Ink: how far each pixel is from the background towards the ink side, in 0..=1.
    let bg = i16::from(job.background);
    b.ink.clear();
    b.ink.resize(job.raw.len(), 0.0);
    // Ink runs from the background towards the ink side: flip the sign for light ink.
    let sign: i16 = match job.polarity {
        Polarity::DarkOnLight => 1,
        Polarity::LightOnDark => -1,
    };
    for (ink, &v) in b.ink.iter_mut().zip(job.raw) {
        *ink = f32::from(((bg - i16::from(v)) * sign).max(0)) * (1.0 / 255.0);
    }
    // Column sums of the ink, rows weighted as the resize weights them, and weighted by
    // their resized position: with the columns' weights and positions, these give the mass
    // and the centre of ink of the resized map. Whole rows at a time, so it vectorises.
    b.column_sums.clear();
    b.column_sums.resize(w, 0.0);
    b.row_sums.clear();
    b.row_sums.resize(w, 0.0);
    for ((row, &weight), &moment) in b
        .ink
        .chunks_exact(w)
        .zip(&job.down.weight)
        .zip(&job.down.moment)
    {
        for ((sum, moments), &v) in b.column_sums.iter_mut().zip(b.row_sums.iter_mut()).zip(row) {
            *sum = v.mul_add(weight, *sum);
            *moments = v.mul_add(moment, *moments);
        }
    }
    let mass = dot64(&b.column_sums, &job.across.weight);
    if mass < f64::from(MIN_INK) {
        return false;
    }
    let centre = (S as f64 - 1.0) / 2.0;
    let dx = dot64(&b.column_sums, &job.across.moment) / mass - centre;
    let dy = dot64(&b.row_sums, &job.across.weight) / mass - centre;
    blend(job.across, job.w, dx, &mut b.across, None);
    blend(job.down, job.h, dy, &mut b.down, Some(&mut b.down_sources));
    // Across: each row of ink times the column matrix. Four rows at a time, so each column
    // of the matrix is loaded once for four independent sums; no test for pixels without
    // ink (on noisy scans that branch is a coin toss).
    b.rows.clear();
    b.rows.resize(h, [0.0; S]);
    let mut sources = b.ink.chunks_exact(w * 4);
    let mut targets = b.rows.chunks_exact_mut(4);
    for (source, target) in (&mut sources).zip(&mut targets) {
        let mut acc = [[0.0f32; S]; 4];
        for (c, map) in b.across.iter().enumerate() {
            for (k, acc) in acc.iter_mut().enumerate() {
                add_scaled(acc, source[k * w + c], map);
            }
        }
        target.copy_from_slice(&acc);
    }
    for (row, target) in sources
        .remainder()
        .chunks_exact(w)
        .zip(targets.into_remainder())
    {
        let mut acc = [0.0f32; S];
        for (&v, map) in row.iter().zip(&b.across) {
            add_scaled(&mut acc, v, map);
        }
        *target = acc;
    }
    // Down: each canonical row gathers the rows that reach it, in order, in registers.
    let sources = b.down_sources;
    // Four canonical rows at a time share each source row's loads; a source row outside
    // one of the four's reach has weight zero there, which adds exactly nothing.
    for ((group, dst), sources) in out
        .chunks_exact_mut(4 * S)
        .enumerate()
        .zip(sources.chunks_exact(4))
    {
        let y = 4 * group;
        let first = sources.iter().map(|s| s.0).min().unwrap_or(0);
        let end = sources.iter().map(|s| s.1).max().unwrap_or(0);
        let mut acc = [[0.0f32; S]; 4];
        for r in first..end {
            if let (Some(row), Some(map)) = (b.rows.get(r), b.down.get(r)) {
                for (k, acc) in acc.iter_mut().enumerate() {
                    add_scaled(acc, map[y + k], row);
                }
            }
        }
        dst.copy_from_slice(acc.as_flattened());
    }
    true
}

/// `acc += scale × values`, on a register-held row (a local copy, so the compiler knows the
/// row and `values` cannot overlap and keeps it all in vector registers).
#[inline(always)]
fn add_scaled<const S: usize>(acc: &mut [f32; S], scale: f32, values: &[f32; S]) {
    for (a, &v) in acc.iter_mut().zip(values) {
        *a = v.mul_add(scale, *a);
    }
}

/// The axis matrix for a shift of `shift` canonical pixels: the maps of the two whole shifts
/// around it, blended bilinearly. With `sources`, also which source pixels reach each canonical
/// position.
#[inline(always)]
fn blend<const S: usize>(
    table: &AxisTable<S>,
    len: usize,
    shift: f64,
    out: &mut Vec<[f32; S]>,
    sources: Option<&mut [(usize, usize); S]>,
) {
    let whole = shift
        .floor()
        .clamp(-(max_shift(S) as f64), (max_shift(S) - 1) as f64);
    let fraction = ((shift - whole) as f32).clamp(0.0, 1.0);
    let s = (whole as i64 + max_shift(S)) as usize;
    let (low, high) = (
        &table.maps[s * len..(s + 1) * len],
        &table.maps[(s + 1) * len..(s + 2) * len],
    );
    out.clear();
    out.resize(len, [0.0; S]);
    // One flat loop: nested over rows of 32, the compiler vectorises across rows, with
    // gathers, twenty times slower.
    let (out, low, high) = (
        out.as_flattened_mut(),
        low.as_flattened(),
        high.as_flattened(),
    );
    for ((m, &a), &b) in out.iter_mut().zip(low).zip(high) {
        *m = b.mul_add(fraction, a * (1.0 - fraction));
    }
    if let Some(sources) = sources {
        let (low, high) = (
            &table.sources[s * S..(s + 1) * S],
            &table.sources[(s + 1) * S..(s + 2) * S],
        );
        for ((out, &(f0, e0)), &(f1, e1)) in sources.iter_mut().zip(low).zip(high) {
            *out = (f0.min(f1) as usize, e0.max(e1) as usize);
        }
    }
}

/// The taps of a triangle (linear) filter taking `from` samples to `to`: for each output
/// sample, the first input index and its weights. Widened by the scale when shrinking, so
/// every input sample contributes (as `image`'s `Triangle` filter does).
fn taps(from: usize, to: usize) -> Vec<(usize, Vec<f32>)> {
    let ratio = from as f32 / to as f32;
    let support = ratio.max(1.0);
    (0..to)
        .map(|o| {
            let centre = (o as f32 + 0.5) * ratio;
            let first = ((centre - support).floor().max(0.0)) as usize;
            let last = ((centre + support).ceil() as usize).min(from);
            let mut weights: Vec<f32> = (first..last)
                .map(|i| (1.0 - ((i as f32 + 0.5 - centre) / support).abs()).max(0.0))
                .collect();
            let sum: f32 = weights.iter().sum();
            if sum > 0.0 {
                weights.iter_mut().for_each(|w| *w /= sum);
            }
            (first, weights)
        })
        .collect()
}

/// A Gaussian kernel of `sigma`, radius ⌈3σ⌉, normalised.
fn kernel(sigma: f32) -> Vec<f32> {
    let radius = (3.0 * sigma).ceil() as i32;
    let mut kernel: Vec<f32> = (-radius..=radius)
        .map(|d| (-(d * d) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    kernel.iter_mut().for_each(|k| *k /= sum);
    kernel
}

/// The [`Side`] of `S` pixels (a kernel instantiated at any other side reads as 32).
const fn side_of<const S: usize>() -> Side {
    match S {
        48 => Side::S48,
        64 => Side::S64,
        _ => Side::S32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The side of the default form, which most tests use.
    const SIDE: usize = CANONICAL_SIZE as usize;

    /// The default form without deslanting.
    const CENTRED: Form = Form {
        side: Side::S32,
        deslant: false,
    };

    /// The canonical form of a dark glyph on a white background, which has ink.
    fn dark_on_light(image: GrayImage) -> Canonical {
        normalize(&GlyphImage::new(image, 255, Polarity::DarkOnLight)).unwrap()
    }

    /// A dark-on-light image of `size`² with a bar of ink at the given box.
    fn bar(size: u32, x0: u32, y0: u32, bw: u32, bh: u32) -> GrayImage {
        GrayImage::from_fn(size, size, |x, y| {
            let inside = (x0..x0 + bw).contains(&x) && (y0..y0 + bh).contains(&y);
            Luma([if inside { 0 } else { 255 }])
        })
    }

    fn ncc(a: &Canonical, b: &Canonical) -> f32 {
        a.features()
            .iter()
            .zip(b.features())
            .map(|(x, y)| x * y)
            .sum()
    }

    #[test]
    fn position_in_the_frame_is_forgotten() {
        let left = dark_on_light(bar(32, 2, 4, 4, 12));
        let right = dark_on_light(bar(32, 24, 15, 4, 12));
        assert!(ncc(&left, &right) > 0.999, "{}", ncc(&left, &right));
    }

    #[test]
    fn size_relative_to_the_frame_is_kept() {
        let small = dark_on_light(bar(32, 12, 12, 6, 6));
        let large = dark_on_light(bar(32, 8, 8, 14, 14));
        assert!(ncc(&small, &large) < 0.8, "{}", ncc(&small, &large));
    }

    #[test]
    fn polarity_and_frame_size_do_not_matter() {
        let dark = dark_on_light(bar(32, 10, 6, 8, 20));
        let mut light = bar(64, 20, 12, 16, 40);
        image::imageops::invert(&mut light);
        let light = normalize(&GlyphImage::new(light.clone(), 0, Polarity::LightOnDark)).unwrap();
        assert!(ncc(&dark, &light) > 0.98, "{}", ncc(&dark, &light));
    }

    #[test]
    fn ink_ends_up_centred_and_bright() {
        let canonical = dark_on_light(bar(32, 0, 0, 2, 2));
        let image = canonical.to_image();
        let centre = image.get_pixel(15, 15)[0].max(image.get_pixel(16, 16)[0]);
        assert!(centre > 200, "{centre}");
        assert_eq!(image.get_pixel(0, 0)[0], 0);
        let features = canonical.features();
        let norm: f32 = features.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(features.iter().sum::<f32>().abs() < 1e-3);
    }

    /// The three steps one after another, as the definition says, in f64.
    fn by_definition(
        image: &GrayImage,
        background: u8,
        polarity: Polarity,
        side: usize,
    ) -> Option<Vec<f64>> {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let ink: Vec<f64> = image
            .as_raw()
            .iter()
            .map(|&v| {
                let diff = match polarity {
                    Polarity::DarkOnLight => i16::from(background) - i16::from(v),
                    Polarity::LightOnDark => i16::from(v) - i16::from(background),
                };
                f64::from(diff.max(0)) / 255.0
            })
            .collect();
        let (across, down) = (taps(w, side), taps(h, side));
        let mut resized = vec![0.0f64; side * side];
        for (y, (fy, wy)) in down.iter().enumerate() {
            for (x, (fx, wx)) in across.iter().enumerate() {
                let mut acc = 0.0;
                for (j, &a) in wy.iter().enumerate() {
                    for (i, &b) in wx.iter().enumerate() {
                        acc += f64::from(a) * f64::from(b) * ink[(fy + j) * w + fx + i];
                    }
                }
                resized[y * side + x] = acc;
            }
        }
        let mass: f64 = resized.iter().sum();
        if mass < f64::from(MIN_INK) {
            return None;
        }
        let (mut mx, mut my) = (0.0, 0.0);
        for (i, &v) in resized.iter().enumerate() {
            mx += v * (i % side) as f64;
            my += v * (i / side) as f64;
        }
        let centre = (side as f64 - 1.0) / 2.0;
        let (dx, dy) = (mx / mass - centre, my / mass - centre);
        let at = |x: f64, y: f64| -> f64 {
            // Bilinear read at (x, y); nothing beyond the frame.
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let get = |x: f64, y: f64| {
                if (0.0..side as f64).contains(&x) && (0.0..side as f64).contains(&y) {
                    resized[y as usize * side + x as usize]
                } else {
                    0.0
                }
            };
            get(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + get(x0 + 1.0, y0) * fx * (1.0 - fy)
                + get(x0, y0 + 1.0) * (1.0 - fx) * fy
                + get(x0 + 1.0, y0 + 1.0) * fx * fy
        };
        let centred: Vec<f64> = (0..side * side)
            .map(|i| at((i % side) as f64 + dx, (i / side) as f64 + dy))
            .collect();
        let sigma = Side::from_pixels(side as u32)
            .unwrap_or_default()
            .blur_sigma();
        let g = kernel(sigma);
        let radius = (g.len() / 2) as i64;
        let mut out = vec![0.0f64; side * side];
        for y in 0..side as i64 {
            for x in 0..side as i64 {
                let mut acc = 0.0;
                for (j, &a) in g.iter().enumerate() {
                    for (i, &b) in g.iter().enumerate() {
                        let (sx, sy) = (x + i as i64 - radius, y + j as i64 - radius);
                        if (0..side as i64).contains(&sx) && (0..side as i64).contains(&sy) {
                            acc += f64::from(a)
                                * f64::from(b)
                                * centred[sy as usize * side + sx as usize];
                        }
                    }
                }
                out[y as usize * side + x as usize] = acc;
            }
        }
        Some(out)
    }

    #[test]
    fn the_fused_matrices_give_what_the_three_steps_give() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        // Up, down, square, tall, wide, tiny, the canonical size itself; both polarities;
        // glyphs anywhere in the frame (centres far off make the large shifts).
        for (w, h) in [
            (28, 28),
            (32, 32),
            (64, 48),
            (19, 40),
            (7, 3),
            (1, 1),
            (100, 30),
        ] {
            for trial in 0..4 {
                let polarity = if trial % 2 == 0 {
                    Polarity::DarkOnLight
                } else {
                    Polarity::LightOnDark
                };
                let background = if trial % 2 == 0 { 250 } else { 10 };
                let (x0, y0) = (rng.random_range(0..w), rng.random_range(0..h));
                let (bw, bh) = (rng.random_range(1..=w - x0), rng.random_range(1..=h - y0));
                let image = GrayImage::from_fn(w as u32, h as u32, |x, y| {
                    let (x, y) = (x as usize, y as usize);
                    let inside = (x0..x0 + bw).contains(&x) && (y0..y0 + bh).contains(&y);
                    let level: u8 = rng.random_range(0..=255);
                    Luma([if inside { level } else { background }])
                });
                let side = Side::ALL[trial % 3];
                let expected = by_definition(&image, background, polarity, side.pixels() as usize);
                let glyph = GlyphImage::new(image.clone(), background, polarity);
                let form = Form {
                    side,
                    deslant: false,
                };
                let got = normalize_with(&glyph, form);
                match (expected, got) {
                    (None, None) => {}
                    (Some(expected), Some(got)) => {
                        let worst = expected
                            .iter()
                            .zip(got.pixels())
                            .map(|(e, &g)| (e - f64::from(g)).abs())
                            .fold(0.0, f64::max);
                        assert!(
                            worst < 1e-5,
                            "{w}x{h} {side:?} trial {trial}: off by {worst}"
                        );
                    }
                    (e, g) => panic!(
                        "{w}x{h} trial {trial}: {:?} vs {:?}",
                        e.is_some(),
                        g.is_some()
                    ),
                }
            }
        }
    }

    #[test]
    fn quantized_scores_stay_within_their_bound() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        // Bars (flat ink: the hardest case for rounding), one filling the frame, and noise.
        let mut shapes = vec![
            bar(28, 4, 3, 6, 20),
            bar(28, 9, 5, 12, 9),
            bar(40, 1, 1, 30, 4),
            bar(28, 10, 0, 4, 28),
            bar(28, 0, 0, 28, 28),
        ];
        for _ in 0..6 {
            shapes.push(GrayImage::from_fn(24, 24, |_, _| {
                Luma([rng.random_range(0..=255u8)])
            }));
        }
        let glyphs: Vec<Canonical> = shapes
            .iter()
            .filter_map(|s| normalize(&GlyphImage::new((*s).clone(), 255, Polarity::DarkOnLight)))
            .collect();
        assert_eq!(glyphs.len(), shapes.len());
        for (i, a) in glyphs.iter().enumerate() {
            for (j, b) in glyphs.iter().enumerate() {
                let (fa, fb) = (a.features(), b.features());
                let exact: f32 = fa.iter().zip(&fb).map(|(x, y)| x * y).sum();
                let (mut qa, mut qb) = (vec![0i8; fa.len()], vec![0u8; fb.len()]);
                let mut fa2 = vec![0.0f32; fa.len()];
                let glyph = features_and_values(a.pixels(), &mut fa2, &mut qa).unwrap();
                assert_eq!(fa2, fa);
                let template = quantize_template(&fb, &mut qb);
                assert_eq!(qb.iter().max(), Some(&255));
                assert_eq!(qb.iter().min(), Some(&0));
                assert_eq!(qa.iter().max(), Some(&127));
                assert!(qa.iter().all(|&v| v >= -126));
                let dot: i32 = qa
                    .iter()
                    .zip(&qb)
                    .map(|(&x, &y)| i32::from(x) * i32::from(y))
                    .sum();
                let (scale, offset, sum) = (template.scale, template.offset, template.sum as f32);
                let error = (glyph.score(dot, scale, offset, sum) - exact).abs();
                let bound = glyph.bound(scale, sum);
                assert!(error <= bound, "off by {error}, bound {bound}");
                // For glyph-like shapes (ink on a background), tight enough to leave few
                // templates to score exactly.
                if i < 4 && j < 4 {
                    assert!(bound < 0.02, "bound {bound}");
                }
            }
        }
        // Nothing to scale.
        let mut zeros = vec![1u8; 4];
        let flat = quantize_template(&[0.5; 4], &mut zeros);
        assert_eq!((flat.scale, flat.offset, flat.sum), (0.0, 0.5, 0));
        assert_eq!(zeros, vec![0; 4]);
        assert_eq!(
            features_and_values(&[0.0; 4], &mut [0.0; 4], &mut [1i8; 4]),
            None
        );
        assert_eq!(
            features_and_values(&[0.3; 4], &mut [0.0; 4], &mut [1i8; 4]),
            None
        );
    }

    /// A dark stroke of width `width` from (x0, y0) to (x1, y1) on white, `size`².
    fn stroke(size: u32, from: (f32, f32), to: (f32, f32), width: f32) -> GrayImage {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let length2 = dx * dx + dy * dy;
        GrayImage::from_fn(size, size, |x, y| {
            let (px, py) = (x as f32 + 0.5 - from.0, y as f32 + 0.5 - from.1);
            let t = ((px * dx + py * dy) / length2).clamp(0.0, 1.0);
            let (ex, ey) = (px - t * dx, py - t * dy);
            let inside = ex * ex + ey * ey <= width * width / 4.0;
            Luma([if inside { 0 } else { 255 }])
        })
    }

    fn in_form(image: &GrayImage, form: Form) -> Canonical {
        normalize_with(
            &GlyphImage::new(image.clone(), 255, Polarity::DarkOnLight),
            form,
        )
        .unwrap()
    }

    /// cov(x, y) / var(y) of a canonical glyph's ink.
    fn lean(glyph: &Canonical) -> f64 {
        let (mut m, mut sx, mut sy, mut sxy, mut syy) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, &v) in glyph.pixels().iter().enumerate() {
            let (x, y, v) = ((i % SIDE) as f64, (i / SIDE) as f64, f64::from(v));
            (m, sx, sy) = (m + v, sx + v * x, sy + v * y);
            (sxy, syy) = (sxy + v * x * y, syy + v * y * y);
        }
        let (cx, cy) = (sx / m, sy / m);
        (sxy / m - cx * cy) / (syy / m - cy * cy)
    }

    #[test]
    fn deslanting_stands_a_leaning_stroke_upright() {
        let leaning = stroke(28, (9.0, 24.0), (19.0, 4.0), 3.0);
        let upright = stroke(28, (14.0, 24.0), (14.0, 4.0), 3.0);
        let centred = in_form(&leaning, CENTRED);
        let deslanted = in_form(&leaning, Form::default());
        assert!(lean(&centred) < -0.3, "{}", lean(&centred));
        assert!(lean(&deslanted).abs() < 0.05, "{}", lean(&deslanted));
        let reference = in_form(&upright, Form::default());
        assert!(ncc(&deslanted, &reference) > 0.97);
        assert!(ncc(&centred, &reference) < 0.8);
        // Nothing else moves: the deslanted glyph still has its ink centred.
        let mass: f32 = deslanted.pixels().iter().sum();
        let x: f32 = (deslanted.pixels().iter().enumerate())
            .map(|(i, v)| (i % SIDE) as f32 * v)
            .sum();
        assert!((x / mass - 15.5).abs() < 0.1);
    }

    #[test]
    fn deslanting_commutes_with_the_flips_and_leaves_flat_glyphs_alone() {
        // An asymmetric leaning glyph: a stroke and a blob off to one side.
        let mut image = stroke(30, (8.0, 26.0), (20.0, 3.0), 3.0);
        for (x, y, p) in image.enumerate_pixels_mut() {
            if (x as i32 - 21).pow(2) + (y as i32 - 20).pow(2) < 12 {
                p.0 = [0];
            }
        }
        let flips: [fn(&GrayImage) -> GrayImage; 3] = [
            image::imageops::flip_horizontal,
            image::imageops::flip_vertical,
            image::imageops::rotate180,
        ];
        let deslanted = in_form(&image, Form::default());
        for (k, flip) in flips.iter().enumerate() {
            let flipped_first = in_form(&flip(&image), Form::default());
            for (i, &got) in flipped_first.pixels().iter().enumerate() {
                let (x, y) = (i % SIDE, i / SIDE);
                let (x, y) = match k {
                    0 => (SIDE - 1 - x, y),
                    1 => (x, SIDE - 1 - y),
                    _ => (SIDE - 1 - x, SIDE - 1 - y),
                };
                let want = deslanted.pixels()[y * SIDE + x];
                assert!((got - want).abs() < 1e-4, "flip {k} pixel {i}");
            }
        }
        // A dash: too flat to lean; it is left as it is.
        let dash = stroke(28, (4.0, 14.0), (24.0, 15.0), 3.0);
        assert_eq!(in_form(&dash, Form::default()), in_form(&dash, CENTRED));
    }

    /// [`centred_into`] at `side`, made on `tier`.
    fn canonical_on(
        tier: crate::simd::Tier,
        side: Side,
        image: &GrayImage,
        background: u8,
        polarity: Polarity,
    ) -> Option<Vec<f32>> {
        let mut out = vec![0.0f32; side.dim()];
        let glyph = GlyphImage::new(image.clone(), background, polarity);
        centred_into_on(tier, &glyph, side, &mut out).then_some(out)
    }

    #[test]
    fn every_vector_tier_gives_the_same_canonical_glyphs_features_and_values() {
        use crate::simd::{same_on_every_tier, Tier};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(23);
        let mut images = vec![
            (bar(28, 4, 3, 6, 20), 255, Polarity::DarkOnLight),
            (bar(40, 1, 1, 30, 4), 255, Polarity::DarkOnLight),
            (bar(17, 0, 0, 17, 17), 255, Polarity::DarkOnLight),
            (
                stroke(28, (9.0, 24.0), (19.0, 4.0), 3.0),
                255,
                Polarity::DarkOnLight,
            ),
            (
                GrayImage::from_pixel(16, 16, Luma([255])),
                255,
                Polarity::DarkOnLight,
            ),
        ];
        for (w, h) in [(28, 28), (13, 31), (64, 9), (100, 100)] {
            let noise = GrayImage::from_fn(w, h, |_, _| Luma([rng.random_range(0..=255u8)]));
            images.push((noise, 0, Polarity::LightOnDark));
        }
        let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let run = |tier: Tier| {
            let mut out = Vec::new();
            for (k, (image, background, polarity)) in images.iter().enumerate() {
                let side = Side::ALL[k % 3];
                let canonical = canonical_on(tier, side, image, *background, *polarity);
                out.push(format!("{:?}", canonical.as_deref().map(bits)));
                // A flat vector and one of uneven length, besides the canonical glyph.
                let pixels = canonical.unwrap_or_else(|| vec![0.25; 37]);
                let mut deslanted = pixels.clone();
                match side {
                    Side::S32 => deslant32_on(tier, &mut deslanted),
                    Side::S48 => deslant48_on(tier, &mut deslanted),
                    Side::S64 => deslant64_on(tier, &mut deslanted),
                }
                out.push(format!("{:?}", bits(&deslanted)));
                let mut features = vec![0.0f32; pixels.len()];
                features_into_on(tier, &pixels, &mut features);
                out.push(format!("{:?}", bits(&features)));
                let mut values = vec![0i8; pixels.len()];
                let glyph = features_and_values_on(tier, &pixels, &mut features, &mut values)
                    .map(|g| (g.factor.to_bits(), g.shift, g.ink.to_bits()));
                out.push(format!("{:?} {values:?} {glyph:?}", bits(&features)));
                let mut quantized = vec![0u8; features.len()];
                let template = quantize_template_on(tier, &features, &mut quantized);
                let template = (
                    template.scale.to_bits(),
                    template.offset.to_bits(),
                    template.sum,
                );
                out.push(format!("{quantized:?} {template:?}"));
            }
            out
        };
        same_on_every_tier(
            "normalize kernels (canonical form, deslant, features, values, templates)",
            run,
        );
    }

    #[test]
    fn small_numbers_round_to_the_nearest() {
        for (v, r) in [
            (0.0, 0),
            (0.49, 0),
            (0.51, 1),
            (1.5, 2),
            (2.5, 2),
            (254.7, 255),
            (-3.2, -3),
            (-126.6, -127),
        ] {
            assert_eq!(round_small(v), r, "{v}");
        }
    }

    #[test]
    fn an_image_without_ink_has_no_canonical_form() {
        let blank = GrayImage::from_pixel(16, 16, Luma([255]));
        assert_eq!(
            normalize(&GlyphImage::new(blank.clone(), 255, Polarity::DarkOnLight)),
            None
        );
        assert_eq!(
            normalize(&GlyphImage::new(
                GrayImage::new(0, 0),
                0,
                Polarity::LightOnDark
            )),
            None
        );
    }
}
