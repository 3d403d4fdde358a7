//! Applying steps to raw grey images: exact pixel moves where they exist, one bilinear affine
//! warp for everything that resamples, and the crops, elastic deformation and dropout.

use image::{imageops, GrayImage, ImageBuffer, Luma};
use imageproc::geometric_transformations as geometry;
use rand::Rng;

use super::{Affine, Extent, Fill, Param, Side, Step};
use crate::glyph::Polarity;

pub(super) fn apply_step<R: Rng + ?Sized>(
    step: &Step,
    image: &GrayImage,
    background: u8,
    polarity: Polarity,
    rng: &mut R,
) -> GrayImage {
    match step {
        Step::Rotate(angle) => rotate(image, angle.draw(rng), background),
        Step::SafeRotate(angle) => {
            let degrees = angle.draw(rng);
            let (w, h) = (f64::from(image.width()), f64::from(image.height()));
            let (sin, cos) = degrees.to_radians().sin_cos();
            let (sin, cos) = (sin.abs(), cos.abs());
            let fit = (w / (w * cos + h * sin)).min(h / (w * sin + h * cos));
            warp_affine(image, background, degrees, fit, fit, 0.0, 0.0, 0.0, 0.0)
        }
        Step::HFlip => imageops::flip_horizontal(image),
        Step::VFlip => imageops::flip_vertical(image),
        Step::Transpose => transpose(image),
        Step::Rot90 => rotate(
            image,
            90.0 * f64::from(rng.random_range(0u8..4)),
            background,
        ),
        Step::D4 => {
            let k = rng.random_range(0u8..8);
            let turn = 90.0 * f64::from(k % 4);
            if k < 4 {
                rotate(image, turn, background)
            } else {
                rotate(&imageops::flip_horizontal(image), turn, background)
            }
        }
        Step::Crop(extent) => {
            let (w, h) = image.dimensions();
            let (cw, ch) = match *extent {
                Extent::Fraction(fraction) => {
                    let fraction = fraction.draw(rng);
                    (kept(w, fraction), kept(h, fraction))
                }
                Extent::Pixels(cw, ch) => (cw.clamp(1, w), ch.clamp(1, h)),
            };
            crop_at_random(image, cw, ch, rng)
        }
        Step::CropSide(side, fraction) => crop_side(image, *side, *fraction),
        Step::CropCenterPixels(cw, ch) => {
            let (w, h) = image.dimensions();
            let (cw, ch) = ((*cw).clamp(1, w), (*ch).clamp(1, h));
            cut(image, (w - cw) / 2, (h - ch) / 2, cw, ch)
        }
        Step::CropBox { x0, y0, x1, y1 } => {
            let (w, h) = image.dimensions();
            let x0 = (*x0).min(w.saturating_sub(1));
            let y0 = (*y0).min(h.saturating_sub(1));
            let x1 = (*x1).clamp(x0 + 1, w.max(x0 + 1));
            let y1 = (*y1).clamp(y0 + 1, h.max(y0 + 1));
            cut(image, x0, y0, x1 - x0, y1 - y0)
        }
        Step::SizedCrop { height, ratio } => {
            let (w, h) = image.dimensions();
            let ch = (height.draw(rng).round() as u32).clamp(1, h);
            let cw = ((f64::from(ch) * ratio).round() as u32).clamp(1, w);
            crop_at_random(image, cw, ch, rng)
        }
        Step::ResizedCrop { scale, ratio } => resized_crop(image, *scale, *ratio, rng),
        Step::Translate { x, y } => draw_affine(
            image,
            background,
            &Affine {
                translate_x: *x,
                translate_y: *y,
                ..Affine::IDENTITY
            },
            rng,
        ),
        Step::Scale(factor) => draw_affine(
            image,
            background,
            &Affine {
                scale_x: *factor,
                ..Affine::IDENTITY
            },
            rng,
        ),
        Step::Shear { x, y } => draw_affine(
            image,
            background,
            &Affine {
                shear_x: *x,
                shear_y: *y,
                ..Affine::IDENTITY
            },
            rng,
        ),
        Step::Affine(affine) => draw_affine(image, background, affine, rng),
        Step::Elastic { alpha, sigma } => elastic(image, background, *alpha, *sigma, rng),
        Step::Dropout {
            holes,
            height,
            width,
            pixels,
            fill,
        } => {
            let level = match fill {
                Fill::Background => background,
                Fill::Ink => polarity.ink_level(),
                Fill::Value(v) => *v,
            };
            dropout(image, *holes, (*height, *width), *pixels, level, rng)
        }
        Step::Maybe(p, inner) => {
            // Always draw, so the stream after this step does not depend on the outcome.
            let roll: f64 = rng.random();
            if roll < *p {
                apply_step(inner, image, background, polarity, rng)
            } else {
                image.clone()
            }
        }
    }
}

/// Pixels kept along a side of `length` by a crop of `fraction`: at least one.
pub(super) fn kept(length: u32, fraction: f64) -> u32 {
    ((f64::from(length) * fraction).round() as u32).clamp(1, length.max(1))
}

fn crop_at_random<R: Rng + ?Sized>(image: &GrayImage, cw: u32, ch: u32, rng: &mut R) -> GrayImage {
    let (w, h) = image.dimensions();
    let x = rng.random_range(0..=w - cw);
    let y = rng.random_range(0..=h - ch);
    cut(image, x, y, cw, ch)
}

pub(super) fn crop_side(image: &GrayImage, side: Side, fraction: f64) -> GrayImage {
    let (w, h) = image.dimensions();
    let (cw, ch) = (kept(w, fraction), kept(h, fraction));
    let (x, y, cw, ch) = match side {
        Side::Left => (0, 0, cw, h),
        Side::Right => (w - cw, 0, cw, h),
        Side::Top => (0, 0, w, ch),
        Side::Bottom => (0, h - ch, w, ch),
        Side::Center => ((w - cw) / 2, (h - ch) / 2, cw, ch),
    };
    cut(image, x, y, cw, ch)
}

fn transpose(image: &GrayImage) -> GrayImage {
    let (w, h) = image.dimensions();
    GrayImage::from_fn(h, w, |x, y| *image.get_pixel(y, x))
}

/// The window of RandomResizedCrop: ten tries at a window of a drawn share of the area and a
/// drawn aspect ratio (log-uniform) that fits, else the largest centred window whose aspect
/// ratio is within range.
fn resized_crop<R: Rng + ?Sized>(
    image: &GrayImage,
    scale: Param,
    ratio: Param,
    rng: &mut R,
) -> GrayImage {
    let (w, h) = image.dimensions();
    let area = f64::from(w) * f64::from(h);
    let (ratio_lo, ratio_hi) = ratio.bounds();
    let log_ratio = Param::Range(ratio_lo.ln(), ratio_hi.ln());
    for _ in 0..10 {
        let target = area * scale.draw(rng);
        let aspect = log_ratio.draw(rng).exp();
        let cw = (target * aspect).sqrt().round();
        let ch = (target / aspect).sqrt().round();
        if cw >= 1.0 && ch >= 1.0 && cw <= f64::from(w) && ch <= f64::from(h) {
            return crop_at_random(image, cw as u32, ch as u32, rng);
        }
    }
    let aspect = f64::from(w) / f64::from(h);
    let (cw, ch) = if aspect < ratio_lo {
        (w, ((f64::from(w) / ratio_lo).round() as u32).clamp(1, h))
    } else if aspect > ratio_hi {
        (((f64::from(h) * ratio_hi).round() as u32).clamp(1, w), h)
    } else {
        (w, h)
    };
    cut(image, (w - cw) / 2, (h - ch) / 2, cw, ch)
}

/// The `w`×`h` rectangle at (`x`, `y`), clipped to the image, copied a row at a time
/// (`image`'s generic sub-image copy goes pixel by pixel).
fn cut(image: &GrayImage, x: u32, y: u32, w: u32, h: u32) -> GrayImage {
    let (iw, ih) = image.dimensions();
    let (x, y) = (x.min(iw), y.min(ih));
    let (w, h) = (w.min(iw - x) as usize, h.min(ih - y) as usize);
    let (x, y, iw) = (x as usize, y as usize, iw as usize);
    let pixels = if x == 0 && w == iw {
        // Whole rows, one after another: one copy.
        image.as_raw()[y * iw..(y + h) * iw].to_vec()
    } else {
        let mut pixels = Vec::with_capacity(w * h);
        for row in image.as_raw().chunks_exact(iw.max(1)).skip(y).take(h) {
            pixels.extend_from_slice(&row[x..x + w]);
        }
        pixels
    };
    GrayImage::from_raw(w as u32, h as u32, pixels).unwrap_or_else(|| GrayImage::new(0, 0))
}

/// Rotates counter-clockwise by `degrees` about the image centre, keeping the frame; quarter
/// turns are exact pixel moves, other angles are resampled bilinearly.
pub fn rotate(image: &GrayImage, degrees: f64, background: u8) -> GrayImage {
    let turn = degrees.rem_euclid(360.0);
    let near = |target: f64| (turn - target).abs() < 1e-9;
    if near(0.0) || near(360.0) {
        image.clone()
    } else if near(90.0) {
        geometry::rotate270(image)
    } else if near(180.0) {
        geometry::rotate180(image)
    } else if near(270.0) {
        geometry::rotate90(image)
    } else {
        warp_affine(image, background, degrees, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    }
}

fn draw_affine<R: Rng + ?Sized>(
    image: &GrayImage,
    background: u8,
    affine: &Affine,
    rng: &mut R,
) -> GrayImage {
    // Draw in a fixed order so a spec always consumes the stream the same way.
    let degrees = affine.rotate.draw(rng);
    let scale_x = affine.scale_x.draw(rng);
    let scale_y = affine.scale_y.map_or(scale_x, |y| y.draw(rng));
    let translate_x = affine.translate_x.draw(rng);
    let translate_y = affine.translate_y.draw(rng);
    let shear_x = affine.shear_x.draw(rng);
    let shear_y = affine.shear_y.draw(rng);
    warp_affine(
        image,
        background,
        degrees,
        scale_x,
        scale_y,
        translate_x,
        translate_y,
        shear_x,
        shear_y,
    )
}

/// One bilinear warp about the pixel centre of the image: scale, then shear, then rotate
/// (counter-clockwise), then shift by fractions of the size. Uncovered pixels take `background`.
#[allow(clippy::too_many_arguments)]
fn warp_affine(
    image: &GrayImage,
    background: u8,
    degrees: f64,
    scale_x: f64,
    scale_y: f64,
    translate_x: f64,
    translate_y: f64,
    shear_x: f64,
    shear_y: f64,
) -> GrayImage {
    let (w, h) = image.dimensions();
    let (cx, cy) = ((f64::from(w) - 1.0) / 2.0, (f64::from(h) - 1.0) / 2.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    // Counter-clockwise on screen, where y points down.
    let rotation = [[cos, sin], [-sin, cos]];
    // As Albumentations 1.4 and later: a positive x shear moves rows above the centre right.
    // No shear is the usual case; skip the call into the maths library for it.
    let slant = |degrees: f64| {
        if degrees == 0.0 {
            0.0
        } else {
            degrees.to_radians().tan()
        }
    };
    let shear = [[1.0, -slant(shear_x)], [-slant(shear_y), 1.0]];
    let scale = [[scale_x, 0.0], [0.0, scale_y]];
    let linear = multiply(rotation, multiply(shear, scale));
    let offset_x = cx + translate_x * f64::from(w) - (linear[0][0] * cx + linear[0][1] * cy);
    let offset_y = cy + translate_y * f64::from(h) - (linear[1][0] * cx + linear[1][1] * cy);
    resample(image, background, linear, (offset_x, offset_y))
}

/// Output pixels of a row handled together. A block's positions step in fixed point from one
/// exact start, so it is kept short enough that the rounding of the step cannot add up.
const BLOCK: usize = 32;

/// Width of the border of `background` around the copy of the input that `resample` reads:
/// two pixels, so that the cell a far-out position is clamped to, in the outermost ring, has
/// all four neighbours in the border.
const BORDER: usize = 2;

/// Limit of the fast path, in pixels: it holds positions as 16.16 fixed point in an i32 and
/// cells in a u16, so it takes a block only if the positions at both of its ends lie within
/// this distance of the copy's corner, and only copies no wider or taller than this.
const REACH: usize = 1 << 14;

crate::simd::wide_fn! {
    /// [`resample_kernel`] in the vector tier in use.
    fn resample(
        image: &GrayImage,
        background: u8,
        linear: [[f64; 2]; 2],
        offset: (f64, f64),
    ) -> GrayImage = resample_kernel;
    fn resample_on(tier, ..);
}

/// Fills each output pixel from where the inverse of `x' = linear·x + offset` puts it in the
/// input, interpolating bilinearly; neighbours outside the input count as `background`.
///
/// It runs for every pixel of every resampling step, so it is built for speed on small glyphs:
///
/// - The input is copied once inside a two-pixel border of `background`. A position all of
///   whose neighbours are outside the input gives exactly `background`, and so does one whose
///   cell is clamped into the border's outer ring; so every cell is clamped into the copy, and
///   no pixel needs an edge test or a branch.
/// - A row goes in blocks, each in three passes over small arrays: positions, clamped cells
///   and weights in integers (which the compiler vectorises), then the four neighbours read as
///   two byte pairs (the only scattered reads), then the blend in 16-bit integers (vectorised
///   again, eight pixels to an instruction).
/// - Blocks whose positions are too far out for the fixed point, and copies too large for it,
///   take a plain per-pixel f64 path instead.
///
/// Positions are off by at most 2^-12 of a pixel (a rounded step added up to 31 times), the
/// weights keep 15 bits and the blend truncates three times by under 1/64 of a level, so each
/// blended value is within 0.2 of a grey level of the exact one: a pixel can differ from an
/// all-f64 resampling by one grey level where the exact value lies that close to a half, and
/// never by more. The result depends only on the inputs (integer arithmetic, and f64 only for
/// each block's start), not on the platform, and so not on the vector tier it runs on.
#[inline(always)]
fn resample_kernel(
    image: &GrayImage,
    background: u8,
    linear: [[f64; 2]; 2],
    offset: (f64, f64),
) -> GrayImage {
    let (w, h) = image.dimensions();
    let det = linear[0][0] * linear[1][1] - linear[0][1] * linear[1][0];
    // A degenerate warp (a zero scale) leaves nothing of the glyph, nor does one that is not a
    // number; an empty image has no rows.
    if det.is_nan() || det.abs() < 1e-12 || w == 0 || h == 0 {
        return GrayImage::from_pixel(w, h, Luma([background]));
    }
    let inverse = [
        [linear[1][1] / det, -linear[0][1] / det],
        [-linear[1][0] / det, linear[0][0] / det],
    ];
    let border = BORDER as f64;
    // Source position of output pixel (0, 0), in the coordinates of the bordered copy.
    let start = (
        border - (inverse[0][0] * offset.0 + inverse[0][1] * offset.1),
        border - (inverse[1][0] * offset.0 + inverse[1][1] * offset.1),
    );
    let step = (inverse[0][0], inverse[1][0]);
    let fixed_step = (to_fixed(step.0), to_fixed(step.1));
    let (width, height) = (w as usize, h as usize);
    let copy = pad(image, background);
    let stride = width + 2 * BORDER;
    // The largest cell (top-left neighbour) a position is clamped to: the one whose four
    // neighbours are the outermost corner of the border.
    let last = (width + BORDER, height + BORDER);
    let small = stride <= REACH && height + 2 * BORDER <= REACH;
    let reach = REACH as f64;
    let near = |v: f64| v.abs() <= reach;
    // Scratch for one block, made once, one array per quantity so that each pass reads and
    // writes whole vectors. Every block is worked at its full length, the lanes past the end
    // of a row included (their results are dropped): loops of a fixed length compile to whole
    // vectors with no scalar tail.
    let mut cells = [0u32; BLOCK];
    let mut right = [0i16; BLOCK];
    let mut lower = [0i16; BLOCK];
    let mut tops = [0u16; BLOCK];
    let mut bottoms = [0u16; BLOCK];
    let mut blended = [0u8; BLOCK];
    let mut out = vec![background; width * height];
    for (y, row) in out.chunks_exact_mut(width).enumerate() {
        let fy = y as f64;
        let row_start = (inverse[0][1] * fy + start.0, inverse[1][1] * fy + start.1);
        for (block, pixels) in row.chunks_mut(BLOCK).enumerate() {
            let x = (block * BLOCK) as f64;
            let first = (row_start.0 + x * step.0, row_start.1 + x * step.1);
            // The block's last lane, in the row or past its end: positions are linear along
            // it, so both ends within reach put every lane within reach.
            let x = x + (BLOCK - 1) as f64;
            let end = (row_start.0 + x * step.0, row_start.1 + x * step.1);
            if !(small && near(first.0) && near(first.1) && near(end.0) && near(end.1)) {
                for (pixel, x) in pixels.iter_mut().zip(block * BLOCK..) {
                    let x = x as f64;
                    let position = (row_start.0 + x * step.0, row_start.1 + x * step.1);
                    *pixel = sample(&copy, stride, last, position);
                }
                continue;
            }
            let (mut sx, mut sy) = (to_fixed(first.0), to_fixed(first.1));
            // Within REACH by the test above, so these fit a u16 and a cell fits a u32.
            let last = (last.0 as u16, last.1 as u16);
            let rows = stride as u16;
            for ((cell, fx), fy) in cells.iter_mut().zip(right.iter_mut()).zip(lower.iter_mut()) {
                // A cell left of or above the copy wraps to a large u16 and is clamped to the
                // last, which sees only background just as the first would: one bound to test.
                let cx = ((sx >> 16) as u16).min(last.0);
                let cy = ((sy >> 16) as u16).min(last.1);
                // 16 × 16 bits: the compiler multiplies eight at a time.
                *cell = u32::from(cy) * u32::from(rows) + u32::from(cx);
                // The fraction to 15 bits, so that it is a positive i16.
                (*fx, *fy) = (((sx & 0xffff) >> 1) as i16, ((sy & 0xffff) >> 1) as i16);
                sx = sx.wrapping_add(fixed_step.0);
                sy = sy.wrapping_add(fixed_step.1);
            }
            for ((top, bottom), &cell) in tops.iter_mut().zip(bottoms.iter_mut()).zip(&cells) {
                (*top, *bottom) = neighbours(&copy, cell as usize, stride);
            }
            let pairs = tops.iter().zip(bottoms.iter());
            let weights = right.iter().zip(lower.iter());
            for ((pixel, (&top, &bottom)), (&fx, &fy)) in blended.iter_mut().zip(pairs).zip(weights)
            {
                *pixel = blend(top, bottom, fx, fy);
            }
            pixels.copy_from_slice(&blended[..pixels.len()]);
        }
    }
    GrayImage::from_raw(w, h, out)
        .unwrap_or_else(|| GrayImage::from_pixel(w, h, Luma([background])))
}

/// Bilinear blend of a pair of neighbours above (`top`, left byte first) and a pair below,
/// with weights of the right and lower neighbours in 1/32768. Worked in 1/64 of a grey level
/// in i16, with the high half of 16×16-bit products, which the compiler turns into vector
/// instructions eight pixels wide; each step truncates by under 1/64 of a level.
fn blend(top: u16, bottom: u16, fx: i16, fy: i16) -> u8 {
    // (a · b) / 65536, rounded down.
    let high = |a: i16, b: i16| ((i32::from(a) * i32::from(b)) >> 16) as i16;
    let [a, b] = top.to_le_bytes().map(i16::from);
    let [c, d] = bottom.to_le_bytes().map(i16::from);
    // Differences of bytes times 128 fit an i16; times a 15-bit weight and halved by `high`,
    // they are in 1/64 of a level like `a * 64`.
    let upper = a * 64 + high((b - a) * 128, fx);
    let lower = c * 64 + high((d - c) * 128, fx);
    let value = upper + high((lower - upper) * 2, fy);
    // Rounded to the nearest level; a mean of bytes, so 0..=255 (a truncation below 0 at most
    // reaches -1/32, which rounds to 0).
    ((value + 32) >> 6) as u8
}

/// The plain path for positions too far out for the fast one: `position`, in the bordered
/// copy's coordinates, clamped into it and blended in f64.
fn sample(copy: &[u8], stride: usize, last: (usize, usize), position: (f64, f64)) -> u8 {
    // Clamped to 0..=last (NaN to 0), so truncating is the floor and the cast is exact.
    let clamp = |v: f64, last: usize| if v > 0.0 { v.min(last as f64) } else { 0.0 };
    let (sx, sy) = (clamp(position.0, last.0), clamp(position.1, last.1));
    let (cx, cy) = (sx as usize, sy as usize);
    let (fx, fy) = (sx - cx as f64, sy - cy as f64);
    let (top, bottom) = neighbours(copy, cy * stride + cx, stride);
    let [a, b] = top.to_le_bytes().map(f64::from);
    let [c, d] = bottom.to_le_bytes().map(f64::from);
    let upper = a + (b - a) * fx;
    let lower = c + (d - c) * fx;
    // A mean of bytes, so within 0..=255: adding a half and truncating rounds it.
    (upper + (lower - upper) * fy + 0.5) as u8
}

/// A position or step in pixels as 16.16 fixed point, rounded to the nearest 1/65536;
/// saturates far out (the fast path only takes positions well within range).
fn to_fixed(v: f64) -> i32 {
    let scaled = v * 65536.0;
    (scaled + if scaled < 0.0 { -0.5 } else { 0.5 }) as i32
}

/// The four neighbours of cell `at` as byte pairs (left byte low), the upper pair and then
/// the lower. Every clamped cell has its neighbours inside the copy, so the zeros for a read
/// past its end are never used; one test of the whole window keeps the reads unchecked.
fn neighbours(copy: &[u8], at: usize, stride: usize) -> (u16, u16) {
    match copy.get(at..at.saturating_add(stride + 2)) {
        Some(window) if window.len() == stride + 2 => (
            u16::from_le_bytes([window[0], window[1]]),
            u16::from_le_bytes([window[stride], window[stride + 1]]),
        ),
        _ => (0, 0),
    }
}

/// The image inside a border of `background` [`BORDER`] pixels wide, as rows of
/// `width + 2·BORDER` bytes.
fn pad(image: &GrayImage, background: u8) -> Vec<u8> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let stride = width + 2 * BORDER;
    let mut padded = vec![background; stride * (height + 2 * BORDER)];
    if width > 0 {
        let rows = image.as_raw().chunks_exact(width).take(height);
        for (source, target) in rows.zip(padded.chunks_exact_mut(stride).skip(BORDER)) {
            target[BORDER..BORDER + width].copy_from_slice(source);
        }
    }
    padded
}

fn multiply(a: [[f64; 2]; 2], b: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    [
        [
            a[0][0] * b[0][0] + a[0][1] * b[1][0],
            a[0][0] * b[0][1] + a[0][1] * b[1][1],
        ],
        [
            a[1][0] * b[0][0] + a[1][1] * b[1][0],
            a[1][0] * b[0][1] + a[1][1] * b[1][1],
        ],
    ]
}

/// Elastic deformation as Albumentations does it: a displacement per pixel drawn uniformly in
/// [-1, 1], smoothed by a Gaussian of `sigma` pixels and multiplied by `alpha`.
fn elastic<R: Rng + ?Sized>(
    image: &GrayImage,
    background: u8,
    alpha: f64,
    sigma: f64,
    rng: &mut R,
) -> GrayImage {
    let (w, h) = image.dimensions();
    let mut field = || {
        let noise: ImageBuffer<Luma<f32>, Vec<f32>> =
            ImageBuffer::from_fn(w, h, |_, _| Luma([rng.random_range(-1.0f32..=1.0)]));
        imageproc::filter::gaussian_blur_f32(&noise, sigma as f32)
    };
    let dx = field();
    let dy = field();
    let alpha = alpha as f32;
    let sample = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= i64::from(w) || y >= i64::from(h) {
            f32::from(background)
        } else {
            f32::from(image.get_pixel(x as u32, y as u32)[0])
        }
    };
    GrayImage::from_fn(w, h, |x, y| {
        let sx = x as f32 + alpha * dx.get_pixel(x, y)[0];
        let sy = y as f32 + alpha * dy.get_pixel(x, y)[0];
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let top = sample(x0, y0) * (1.0 - fx) + sample(x0 + 1, y0) * fx;
        let bottom = sample(x0, y0 + 1) * (1.0 - fx) + sample(x0 + 1, y0 + 1) * fx;
        Luma([(top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8])
    })
}

fn dropout<R: Rng + ?Sized>(
    image: &GrayImage,
    holes: Param,
    (height, width): (Param, Param),
    pixels: bool,
    level: u8,
    rng: &mut R,
) -> GrayImage {
    let mut out = image.clone();
    let (w, h) = image.dimensions();
    let size = |length: u32, param: Param, rng: &mut R| {
        let drawn = param.draw(rng);
        if pixels {
            (drawn.round().max(1.0) as u32).min(length.max(1))
        } else {
            kept(length, drawn)
        }
    };
    let count = holes.draw(rng).round().max(0.0) as u32;
    for _ in 0..count {
        let hh = size(h, height, rng);
        let hw = size(w, width, rng);
        let y0 = rng.random_range(0..=h - hh);
        let x0 = rng.random_range(0..=w - hw);
        for y in y0..y0 + hh {
            for x in x0..x0 + hw {
                out.put_pixel(x, y, Luma([level]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glyph::GlyphImage;
    use crate::transform::Transform;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn numbered(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| Luma([(y * w + x) as u8]))
    }

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    /// `image` as a glyph image on `background`.
    fn on(image: &GrayImage, background: u8, polarity: Polarity) -> GlyphImage {
        GlyphImage::new(image.clone(), background, polarity)
    }

    fn apply(spec: &str, image: &GrayImage) -> GrayImage {
        spec.parse::<Transform>()
            .unwrap()
            .apply(&on(image, 0, Polarity::LightOnDark), &mut rng())
    }

    /// A light-on-dark square of ink, `side` pixels, centred in a `size`² image.
    fn square(size: u32, side: u32) -> GrayImage {
        let lo = (size - side) / 2;
        GrayImage::from_fn(size, size, |x, y| {
            Luma([
                if (lo..lo + side).contains(&x) && (lo..lo + side).contains(&y) {
                    255
                } else {
                    0
                },
            ])
        })
    }

    fn ink(image: &GrayImage) -> u64 {
        image.pixels().map(|p| u64::from(p[0])).sum()
    }

    fn close(a: &GrayImage, b: &GrayImage, tolerance: u8) -> bool {
        a.dimensions() == b.dimensions()
            && a.pixels()
                .zip(b.pixels())
                .all(|(p, q)| p[0].abs_diff(q[0]) <= tolerance)
    }

    /// What `resample` computes, written plainly: each output pixel's source position, its
    /// weights and the blend in f64, each neighbour tested against the edges of the input.
    /// Gives the exact (unrounded) values, row by row.
    fn resample_plainly(
        image: &GrayImage,
        background: u8,
        linear: [[f64; 2]; 2],
        offset: (f64, f64),
    ) -> Vec<f64> {
        let (w, h) = image.dimensions();
        let det = linear[0][0] * linear[1][1] - linear[0][1] * linear[1][0];
        if det.abs() < 1e-12 {
            return vec![f64::from(background); (w * h) as usize];
        }
        let at = |x: f64, y: f64| -> f64 {
            if x < 0.0 || y < 0.0 || x >= f64::from(w) || y >= f64::from(h) {
                f64::from(background)
            } else {
                f64::from(image.get_pixel(x as u32, y as u32)[0])
            }
        };
        let mut values = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (f64::from(x) - offset.0, f64::from(y) - offset.1);
                let sx = (linear[1][1] * dx - linear[0][1] * dy) / det;
                let sy = (linear[0][0] * dy - linear[1][0] * dx) / det;
                let (x0, y0) = (sx.floor(), sy.floor());
                let (fx, fy) = (sx - x0, sy - y0);
                let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
                let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
                values.push(top * (1.0 - fy) + bottom * fy);
            }
        }
        values
    }

    #[test]
    fn the_resampler_gives_the_same_pixels_on_every_vector_tier() {
        use crate::simd::{on_every_tier, Tier};
        let mut rng = ChaCha8Rng::seed_from_u64(29);
        // Sizes around the block of 32 pixels, and one too wide for the fast path.
        let images: Vec<GrayImage> = [(28, 28), (31, 17), (65, 40), (1, 3), (REACH as u32, 2)]
            .into_iter()
            .map(|(w, h)| GrayImage::from_fn(w, h, |_, _| Luma([rng.random_range(0..=255u8)])))
            .collect();
        let mut warps = vec![
            ([[1.0, 0.0], [0.0, 1.0]], (0.5, -0.5)),
            ([[0.0, 1.0], [-1.0, 0.0]], (27.0, 0.0)),
            ([[1e-3, 0.0], [0.0, 1.0]], (0.0, 0.0)),
            ([[1e6, 0.0], [0.0, 1e6]], (3.0, 4.0)),
            ([[1.0, 0.0], [0.0, 1.0]], (1e9, -1e9)),
            ([[0.0, 0.0], [0.0, 0.0]], (0.0, 0.0)),
        ];
        for _ in 0..40 {
            let (sin, cos) = rng.random_range(-0.8f64..0.8).sin_cos();
            let (sx, sy) = (rng.random_range(0.6..1.5), rng.random_range(0.6..1.5));
            let shear = rng.random_range(-0.4..0.4);
            let linear = [[cos * sx, sin * sy + shear], [-sin * sx, cos * sy]];
            let offset = (rng.random_range(-9.0..9.0), rng.random_range(-9.0..9.0));
            warps.push((linear, offset));
        }
        let run = |tier: Tier| {
            let mut out = Vec::new();
            for image in &images {
                for &(linear, offset) in &warps {
                    out.push(resample_on(tier, image, 7, linear, offset).into_raw());
                }
            }
            out
        };
        let expected = run(Tier::Baseline);
        on_every_tier("resample", |tier| {
            let got = run(tier);
            assert_eq!(got.len(), expected.len());
            for (k, (got, expected)) in got.iter().zip(&expected).enumerate() {
                assert_eq!(got, expected, "{tier:?} case {k}");
            }
        });
    }

    #[test]
    fn the_resampler_agrees_with_a_plain_one_within_a_grey_level() {
        let turn = |degrees: f64| {
            let (sin, cos) = degrees.to_radians().sin_cos();
            [[cos, sin], [-sin, cos]]
        };
        let scale = |x: f64, y: f64| [[x, 0.0], [0.0, y]];
        let shear = |x: f64, y: f64| [[1.0, -x.to_radians().tan()], [-y.to_radians().tan(), 1.0]];
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        // (linear part, shift in pixels after keeping the centre in place)
        let mut warps = vec![
            (turn(3.0), (0.0, 0.0)),
            (turn(-7.0), (0.0, 0.0)),
            (turn(10.5), (0.0, 0.0)),
            (turn(45.0), (0.0, 0.0)),
            (turn(137.0), (0.0, 0.0)),
            (turn(90.0), (0.0, 0.0)),
            (scale(0.5, 0.5), (0.0, 0.0)),
            (scale(2.0, 2.0), (0.0, 0.0)),
            (scale(1.3, 0.7), (2.5, -1.25)),
            (scale(-1.0, 1.0), (0.0, 0.0)),
            // Steps of a thousand pixels, and of a millionth.
            (scale(1e-3, 1.0), (0.0, 0.0)),
            (scale(1e6, 1e6), (0.0, 0.0)),
            (shear(20.0, 0.0), (0.0, 0.0)),
            (shear(0.0, -35.0), (0.0, 0.0)),
            (
                multiply(turn(30.0), multiply(shear(15.0, 5.0), scale(1.2, 0.9))),
                (1.5, 0.5),
            ),
            // Half a pixel: exact halves to round.
            (turn(0.0), (0.5, -0.5)),
            (turn(0.0), (0.3, -0.7)),
            // Shifts that move the image entirely out of the frame, or far beyond it.
            (turn(0.0), (45.0, 0.0)),
            (turn(5.0), (-3.0, 60.0)),
            (turn(-5.0), (1e9, -1e9)),
            (turn(0.0), (1e300, 0.0)),
            // Degenerate: a zero scale.
            (scale(0.0, 1.0), (0.0, 0.0)),
            (scale(0.0, 0.0), (0.0, 0.0)),
        ];
        let chosen = warps.len();
        for _ in 0..30 {
            let degrees = rng.random_range(-10.0..10.0);
            let factor = rng.random_range(0.8..1.2);
            let shift = (rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0));
            warps.push((multiply(turn(degrees), scale(factor, factor)), shift));
        }
        let (mut worst, mut differing, mut compared) = (0, 0, 0);
        // The last is too wide for the fast path.
        for (w, h) in [
            (28, 28),
            (32, 32),
            (17, 40),
            (40, 17),
            (1, 1),
            (3, 2),
            (2, 3),
            (REACH as u32, 2),
        ] {
            let image = GrayImage::from_fn(w, h, |_, _| Luma([rng.random()]));
            let (cx, cy) = ((f64::from(w) - 1.0) / 2.0, (f64::from(h) - 1.0) / 2.0);
            // The wide image is slow to check plainly: the chosen warps and one background.
            let wide = w as usize >= REACH;
            let (warps, backgrounds) = if wide {
                (&warps[..chosen], &[77][..])
            } else {
                (&warps[..], &[0, 255, 77][..])
            };
            for &(linear, (shift_x, shift_y)) in warps {
                let offset = (
                    cx + shift_x - (linear[0][0] * cx + linear[0][1] * cy),
                    cy + shift_y - (linear[1][0] * cx + linear[1][1] * cy),
                );
                for &background in backgrounds {
                    let fast = resample(&image, background, linear, offset);
                    let exact = resample_plainly(&image, background, linear, offset);
                    assert_eq!(fast.dimensions(), (w, h));
                    for (i, (p, &v)) in fast.pixels().zip(&exact).enumerate() {
                        let rounded = v.round().clamp(0.0, 255.0) as u8;
                        let difference = p[0].abs_diff(rounded);
                        let (x, y) = (i as u32 % w, i as u32 / w);
                        let case = format!(
                            "{w}x{h} at ({x}, {y}), {linear:?}, {offset:?}, background {background}: {} for {v}",
                            p[0]
                        );
                        assert!(difference <= 1, "{case}");
                        // Off by one only where the exact value is within 0.2 of a half.
                        if difference > 0 {
                            assert!((v - v.floor() - 0.5).abs() < 0.2, "{case}");
                        }
                        worst = worst.max(difference);
                        differing += usize::from(difference > 0);
                        compared += 1;
                    }
                }
            }
        }
        eprintln!("largest difference {worst}; {differing} of {compared} pixels differ");
    }

    #[test]
    fn the_resampler_takes_empty_images() {
        let turn = [[0.8, 0.6], [-0.6, 0.8]];
        for (w, h) in [(0, 0), (0, 5), (5, 0)] {
            let empty = GrayImage::new(w, h);
            assert_eq!(resample(&empty, 9, turn, (1.0, 1.0)).dimensions(), (w, h));
            assert_eq!(rotate(&empty, 10.0, 9).dimensions(), (w, h));
        }
    }

    #[test]
    fn quarter_turns_go_counter_clockwise() {
        let image = numbered(3, 2);
        let turned = rotate(&image, 90.0, 0);
        assert_eq!(turned.dimensions(), (2, 3));
        // The top-right pixel of the original ends up top-left.
        assert_eq!(turned.get_pixel(0, 0), image.get_pixel(2, 0));
        assert_eq!(turned.get_pixel(0, 2), image.get_pixel(0, 0));
        assert_eq!(rotate(&image, -270.0, 0), turned);
        assert_eq!(rotate(&image, 180.0, 0), geometry::rotate180(&image));
    }

    #[test]
    fn the_affine_warp_agrees_with_the_exact_quarter_turn() {
        let image = numbered(5, 5);
        let exact = rotate(&image, 90.0, 0);
        let warped = warp_affine(&image, 0, 90.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0);
        assert!(close(&exact, &warped, 1));
        let affine = apply("affine:rotate=90", &image);
        assert!(close(&exact, &affine, 1));
    }

    #[test]
    fn rotation_fills_the_uncovered_corners_with_the_background() {
        let image = GrayImage::from_pixel(9, 9, Luma([10]));
        let turned = rotate(&image, 45.0, 200);
        assert_eq!(turned.get_pixel(0, 0)[0], 200);
        assert_eq!(turned.get_pixel(4, 4)[0], 10);
    }

    #[test]
    fn safe_rotation_keeps_every_corner_in_the_frame() {
        // Ink only in the four corners.
        let corners = GrayImage::from_fn(21, 21, |x, y| {
            let edge = |v: u32| !(3..18).contains(&v);
            Luma([if edge(x) && edge(y) { 255 } else { 0 }])
        });
        // A plain rotation by 45 degrees turns the corners out of the frame; a safe one shrinks
        // the image so they stay in.
        assert!(ink(&apply("rotate:45", &corners)) < ink(&corners) / 50);
        assert!(ink(&apply("safe-rotate:45", &corners)) > ink(&corners) / 4);
        assert!(close(
            &apply("safe-rotate:90", &corners),
            &apply("rotate:90", &corners),
            1
        ));
    }

    #[test]
    fn flips_and_transpose_mirror() {
        let image = numbered(3, 2);
        assert_eq!(
            apply("hflip", &image).get_pixel(0, 0),
            image.get_pixel(2, 0)
        );
        assert_eq!(
            apply("vflip", &image).get_pixel(0, 0),
            image.get_pixel(0, 1)
        );
        let transposed = apply("transpose", &image);
        assert_eq!(transposed.dimensions(), (2, 3));
        assert_eq!(transposed.get_pixel(1, 2), image.get_pixel(2, 1));
        assert_eq!(apply("transpose", &image), apply("rotate:90+vflip", &image));
    }

    #[test]
    fn random_turns_and_symmetries_stay_in_their_group() {
        let image = numbered(4, 4);
        let turns: Vec<GrayImage> = (0..4)
            .map(|k| rotate(&image, 90.0 * f64::from(k), 0))
            .collect();
        let mut group = turns.clone();
        group.extend(turns.iter().map(imageops::flip_horizontal));
        let mut seen_turns = std::collections::HashSet::new();
        let mut seen_group = std::collections::HashSet::new();
        for seed in 0..64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let turned = Transform::new(vec![Step::Rot90])
                .apply(&on(&image, 0, Polarity::LightOnDark), &mut rng);
            seen_turns.insert(turns.iter().position(|t| *t == turned).unwrap());
            let moved = Transform::new(vec![Step::D4])
                .apply(&on(&image, 0, Polarity::LightOnDark), &mut rng);
            seen_group.insert(group.iter().position(|t| *t == moved).unwrap());
        }
        assert_eq!(seen_turns.len(), 4);
        assert_eq!(seen_group.len(), 8);
    }

    #[test]
    fn side_and_pixel_crops_keep_what_they_say() {
        let image = numbered(10, 10);
        let left = apply("crop:left=0.6", &image);
        assert_eq!(left.dimensions(), (6, 10));
        assert_eq!(left.get_pixel(0, 0), image.get_pixel(0, 0));
        let right = apply("crop:right=0.6", &image);
        assert_eq!(right.get_pixel(5, 9), image.get_pixel(9, 9));
        assert_eq!(apply("crop:top=0.3", &image).dimensions(), (10, 3));
        assert_eq!(
            apply("crop:bottom=0.3", &image).get_pixel(0, 0),
            image.get_pixel(0, 7)
        );
        let centre = apply("crop:center=0.6", &image);
        assert_eq!(centre.get_pixel(0, 0), image.get_pixel(2, 2));
        assert_eq!(
            apply("crop:center=4x2", &image).get_pixel(0, 0),
            image.get_pixel(3, 4)
        );
        let boxed = apply("crop:box=1,2,4,8", &image);
        assert_eq!(boxed.dimensions(), (3, 6));
        assert_eq!(boxed.get_pixel(0, 0), image.get_pixel(1, 2));
        assert_eq!(apply("crop:box=8,8,40,40", &image).dimensions(), (2, 2));
        assert_eq!(apply("crop:6x4", &image).dimensions(), (6, 4));
        assert_eq!(apply("crop:60x40", &image).dimensions(), (10, 10));
        assert_eq!(
            apply("sized-crop:height=5,ratio=2", &image).dimensions(),
            (10, 5)
        );
    }

    #[test]
    fn resized_crops_cover_the_share_of_the_area_asked_for() {
        let image = numbered(40, 40);
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let crop = resized_crop(
                &image,
                Param::Range(0.25, 0.5),
                Param::Range(0.5, 2.0),
                &mut rng,
            );
            let share = f64::from(crop.width() * crop.height()) / 1600.0;
            let aspect = f64::from(crop.width()) / f64::from(crop.height());
            assert!((0.2..=0.56).contains(&share), "{share}");
            assert!((0.45..=2.2).contains(&aspect), "{aspect}");
        }
        // An impossible request falls back to a centre crop within the ratio range.
        let wide = numbered(40, 10);
        let fallback = resized_crop(&wide, Param::Fixed(1.0), Param::Fixed(1.0), &mut rng());
        assert_eq!(fallback.dimensions(), (10, 10));
    }

    #[test]
    fn translation_scale_and_shear_move_ink_as_expected() {
        let image = square(21, 5);
        let shifted = apply("translate:x=0.2,y=0", &image);
        // 0.2 of 21 pixels is 4.2: the square's left column 8 moves to about 12.
        assert_eq!(shifted.get_pixel(8, 10)[0], 0);
        assert!(shifted.get_pixel(13, 10)[0] > 200);
        let larger = apply("scale:2", &image);
        assert!(ink(&larger) > 3 * ink(&image));
        let smaller = apply("scale:0.5", &image);
        assert!(ink(&smaller) < ink(&image) / 2);
        let sheared = apply("shear:30", &square(21, 9));
        // Rows above the centre move right, rows below it move left.
        assert!(sheared.get_pixel(15, 6)[0] > 0);
        assert_eq!(sheared.get_pixel(6, 6)[0], 0);
        assert!(sheared.get_pixel(5, 14)[0] > 0);
        assert_eq!(sheared.get_pixel(15, 14)[0], 0);
        assert_eq!(apply("affine:rotate=0", &image), image);
        let degenerate = warp_affine(&image, 3, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0);
        assert_eq!(degenerate, GrayImage::from_pixel(21, 21, Luma([3])));
    }

    #[test]
    fn elastic_deformation_moves_pixels_a_little() {
        let image = square(24, 10);
        let gentle = apply("elastic:alpha=0,sigma=4", &image);
        assert_eq!(gentle, image);
        let strong = apply("elastic:alpha=30,sigma=4", &image);
        assert_ne!(strong, image);
        assert_eq!(strong.dimensions(), image.dimensions());
        // Large sigma on a small image (Albumentations' default 50) must not fail.
        let _ = apply("elastic:alpha=1,sigma=50", &image);
    }

    #[test]
    fn dropout_blanks_rectangles_with_the_fill_asked_for() {
        let image = GrayImage::from_pixel(20, 20, Luma([128]));
        let holes = apply("dropout:holes=2,size=0.25,fill=7", &image);
        let filled = holes.pixels().filter(|p| p[0] == 7).count();
        assert!((25..=50).contains(&filled), "{filled}");
        let pixels = apply("dropout:holes=1,height=3px,width=5px,fill=9", &image);
        assert_eq!(pixels.pixels().filter(|p| p[0] == 9).count(), 15);
        let none = apply("dropout:holes=0,size=0.5", &image);
        assert_eq!(none, image);
        let mut rng = rng();
        let dark_ink = Transform::new(vec!["dropout:holes=1,size=1,fill=ink".parse().unwrap()])
            .apply(&on(&image, 255, Polarity::DarkOnLight), &mut rng);
        assert!(dark_ink.pixels().all(|p| p[0] == 0));
        let background = Transform::new(vec!["dropout:holes=1,size=1,fill=background"
            .parse()
            .unwrap()])
        .apply(&on(&image, 255, Polarity::DarkOnLight), &mut rng);
        assert!(background.pixels().all(|p| p[0] == 255));
    }

    #[test]
    fn a_probability_applies_the_step_that_often() {
        let image = numbered(4, 4);
        let spec: Transform = "p=0.3:hflip".parse().unwrap();
        let flipped = (0..1000)
            .filter(|&seed| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                spec.apply(&on(&image, 0, Polarity::LightOnDark), &mut rng) != image
            })
            .count();
        assert!((250..350).contains(&flipped), "{flipped}");
        assert_eq!(apply("p=0:hflip", &image), image);
        assert_eq!(apply("p=1:hflip", &image), apply("hflip", &image));
    }

    #[test]
    fn random_draws_follow_the_generator() {
        let image = numbered(20, 20);
        let spec: Transform = "rotate:-30..30+crop:0.5..0.9".parse().unwrap();
        let run = |seed| {
            spec.apply(
                &on(&image, 0, Polarity::LightOnDark),
                &mut ChaCha8Rng::seed_from_u64(seed),
            )
        };
        assert_eq!(run(1), run(1));
        assert!((2..10).any(|seed| run(seed) != run(1)));
    }

    #[test]
    fn the_default_set_covers_every_kind() {
        let specs: Vec<String> = super::super::default_set()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(specs.len(), 12);
        for needed in [
            "rotate:-10..10",
            "rotate:90",
            "rotate:180",
            "rotate:270",
            "hflip",
            "vflip",
            "crop:0.7..0.9",
        ] {
            assert!(specs.iter().any(|s| s == needed), "{needed}");
        }
        for side in ["left", "right", "top", "bottom", "center"] {
            let prefix = format!("crop:{side}=");
            assert!(specs.iter().any(|s| s.starts_with(&prefix)), "{side}");
        }
    }

    fn any_image() -> impl Strategy<Value = GrayImage> {
        (1u32..12, 1u32..12, any::<u64>()).prop_map(|(w, h, seed)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            GrayImage::from_fn(w, h, |_, _| Luma([rand::Rng::random(&mut rng)]))
        })
    }

    proptest! {
        #[test]
        fn two_flips_are_the_identity(image in any_image()) {
            prop_assert_eq!(apply("hflip+hflip", &image), image.clone());
            prop_assert_eq!(apply("vflip+vflip", &image), image.clone());
            prop_assert_eq!(apply("transpose+transpose", &image), image.clone());
            prop_assert_eq!(apply("hflip+vflip", &image), apply("rotate:180", &image));
        }

        #[test]
        fn four_quarter_turns_are_the_identity(image in any_image()) {
            prop_assert_eq!(apply("rotate:90+rotate:90+rotate:90+rotate:90", &image), image.clone());
            prop_assert_eq!(apply("rotate:90+rotate:-90", &image), image.clone());
            prop_assert_eq!(apply("rotate:270", &image), apply("rotate:90+rotate:180", &image));
        }

        #[test]
        fn crops_keep_the_fraction_asked_for(image in any_image(), fraction in 0.05f64..=1.0) {
            let (w, h) = image.dimensions();
            let random = Transform::new(vec![Step::Crop(Extent::Fraction(Param::Fixed(fraction)))]);
            let cropped = random.apply(&on(&image, 0, Polarity::LightOnDark), &mut rng());
            prop_assert_eq!(cropped.dimensions(), (kept(w, fraction), kept(h, fraction)));
            prop_assert_eq!(crop_side(&image, Side::Left, fraction).height(), h);
            prop_assert_eq!(crop_side(&image, Side::Top, fraction).width(), w);
        }

        #[test]
        fn complementary_side_crops_tile_the_image(image in any_image(), split in 1u32..12) {
            let (w, h) = image.dimensions();
            prop_assume!(split < w);
            let left = crop_side(&image, Side::Left, f64::from(split) / f64::from(w));
            let right = crop_side(&image, Side::Right, f64::from(w - split) / f64::from(w));
            prop_assert_eq!(left.width() + right.width(), w);
            let rebuilt = GrayImage::from_fn(w, h, |x, y| {
                if x < left.width() {
                    *left.get_pixel(x, y)
                } else {
                    *right.get_pixel(x - left.width(), y)
                }
            });
            prop_assert_eq!(rebuilt, image);
        }

        #[test]
        fn no_step_panics_on_any_image(image in any_image(), seed in any::<u64>()) {
            for spec in ["safe-rotate:-90..90", "d4", "resized-crop", "sized-crop:height=1..40,ratio=3", "crop:box=0,0,1,1", "elastic:alpha=3,sigma=2", "dropout:holes=0..5,size=0.05..1", "affine:rotate=-180..180,scale=0.1..3,translate=-1..1,shear=-80..80"] {
                let spec: Transform = spec.parse().unwrap();
                let out = spec.apply(&on(&image, 0, Polarity::LightOnDark), &mut ChaCha8Rng::seed_from_u64(seed));
                prop_assert!(out.width() >= 1 && out.height() >= 1);
            }
        }
    }
}
