//! Applying steps to raw grey images: exact pixel moves where they exist, one bilinear affine
//! warp for everything that resamples, and the crops, elastic deformation and dropout.

use image::{imageops, GrayImage, ImageBuffer, Luma};
use imageproc::geometric_transformations as geometry;
use rand::Rng;

use super::{Affine, Extent, Fill, Param, Side, Step};
use crate::dataset::Polarity;

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
                Fill::Ink => match polarity {
                    Polarity::DarkOnLight => 0,
                    Polarity::LightOnDark => 255,
                },
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
    let mut pixels = Vec::with_capacity(w * h);
    for row in image.as_raw().chunks_exact(iw.max(1)).skip(y).take(h) {
        pixels.extend_from_slice(&row[x..x + w]);
    }
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
    let shear = [
        [1.0, -shear_x.to_radians().tan()],
        [-shear_y.to_radians().tan(), 1.0],
    ];
    let scale = [[scale_x, 0.0], [0.0, scale_y]];
    let linear = multiply(rotation, multiply(shear, scale));
    let offset_x = cx + translate_x * f64::from(w) - (linear[0][0] * cx + linear[0][1] * cy);
    let offset_y = cy + translate_y * f64::from(h) - (linear[1][0] * cx + linear[1][1] * cy);
    resample(image, background, linear, (offset_x, offset_y))
}

/// Fills each output pixel from where the inverse of `x' = linear·x + offset` puts it in the
/// input, interpolating bilinearly; neighbours outside the input count as `background`.
/// The source position moves by a constant step along a row, so it is added, not recomputed.
fn resample(
    image: &GrayImage,
    background: u8,
    linear: [[f64; 2]; 2],
    offset: (f64, f64),
) -> GrayImage {
    let (w, h) = image.dimensions();
    let det = linear[0][0] * linear[1][1] - linear[0][1] * linear[1][0];
    if det.abs() < 1e-12 {
        // A degenerate warp (a zero scale) leaves nothing of the glyph.
        return GrayImage::from_pixel(w, h, Luma([background]));
    }
    let inverse = [
        [linear[1][1] / det, -linear[0][1] / det],
        [-linear[1][0] / det, linear[0][0] / det],
    ];
    let start = (
        -(inverse[0][0] * offset.0 + inverse[0][1] * offset.1),
        -(inverse[1][0] * offset.0 + inverse[1][1] * offset.1),
    );
    let (wi, hi) = (i64::from(w), i64::from(h));
    let src = image.as_raw();
    let bg = f32::from(background);
    let at = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= wi || y >= hi {
            bg
        } else {
            f32::from(src[(y * wi + x) as usize])
        }
    };
    let mut out = Vec::with_capacity(src.len());
    for y in 0..h {
        let fy = f64::from(y);
        let mut sx = inverse[0][1] * fy + start.0;
        let mut sy = inverse[1][1] * fy + start.1;
        for _ in 0..w {
            let (xi, yi) = (floor(sx), floor(sy));
            let value = if xi < -1 || yi < -1 || xi >= wi || yi >= hi {
                bg
            } else {
                let (fx, fy) = ((sx - xi as f64) as f32, (sy - yi as f64) as f32);
                let [a, b, c, d] = if xi >= 0 && yi >= 0 && xi + 1 < wi && yi + 1 < hi {
                    // Inside: all four neighbours exist, no edge to test.
                    let at = (yi * wi + xi) as usize;
                    let below = at + w as usize;
                    [src[at], src[at + 1], src[below], src[below + 1]].map(f32::from)
                } else {
                    [
                        at(xi, yi),
                        at(xi + 1, yi),
                        at(xi, yi + 1),
                        at(xi + 1, yi + 1),
                    ]
                };
                let top = a + (b - a) * fx;
                let bottom = c + (d - c) * fx;
                top + (bottom - top) * fy
            };
            // Values lie in 0..=255, so adding a half and truncating rounds them.
            out.push((value.clamp(0.0, 255.0) + 0.5) as u8);
            sx += inverse[0][0];
            sy += inverse[1][0];
        }
    }
    GrayImage::from_raw(w, h, out)
        .unwrap_or_else(|| GrayImage::from_pixel(w, h, Luma([background])))
}

/// `v.floor()` as an integer without a call into the maths library (the portable x86-64
/// target has no rounding instruction); values far outside the image saturate harmlessly.
fn floor(v: f64) -> i64 {
    let truncated = v as i64;
    if (truncated as f64) > v {
        truncated - 1
    } else {
        truncated
    }
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
    use crate::transform::Transform;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn numbered(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| Luma([(y * w + x) as u8]))
    }

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    fn apply(spec: &str, image: &GrayImage) -> GrayImage {
        spec.parse::<Transform>()
            .unwrap()
            .apply(image, 0, Polarity::LightOnDark, &mut rng())
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

    #[test]
    fn floor_matches_the_library() {
        for v in [-2.5, -1.0, -0.5, -0.0, 0.0, 0.25, 1.0, 31.999, 1e12, -1e12] {
            assert_eq!(floor(v), v.floor() as i64, "{v}");
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
            let turned =
                Transform::new(vec![Step::Rot90]).apply(&image, 0, Polarity::LightOnDark, &mut rng);
            seen_turns.insert(turns.iter().position(|t| *t == turned).unwrap());
            let moved =
                Transform::new(vec![Step::D4]).apply(&image, 0, Polarity::LightOnDark, &mut rng);
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
            .apply(&image, 255, Polarity::DarkOnLight, &mut rng);
        assert!(dark_ink.pixels().all(|p| p[0] == 0));
        let background = Transform::new(vec!["dropout:holes=1,size=1,fill=background"
            .parse()
            .unwrap()])
        .apply(&image, 255, Polarity::DarkOnLight, &mut rng);
        assert!(background.pixels().all(|p| p[0] == 255));
    }

    #[test]
    fn a_probability_applies_the_step_that_often() {
        let image = numbered(4, 4);
        let spec: Transform = "p=0.3:hflip".parse().unwrap();
        let flipped = (0..1000)
            .filter(|&seed| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                spec.apply(&image, 0, Polarity::LightOnDark, &mut rng) != image
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
                &image,
                0,
                Polarity::LightOnDark,
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
            let cropped = random.apply(&image, 0, Polarity::LightOnDark, &mut rng());
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
                let out = spec.apply(&image, 0, Polarity::LightOnDark, &mut ChaCha8Rng::seed_from_u64(seed));
                prop_assert!(out.width() >= 1 && out.height() >= 1);
            }
        }
    }
}
