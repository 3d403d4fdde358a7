//! The canonical glyph every image becomes before classification.
//!
//! The canonical form is a `CANONICAL_SIZE`² ink map (ink bright, background zero) in which
//! the image *frame* is stretched to the square, as a training pipeline resizes its input, and
//! the glyph's centre of ink is moved to the centre. So the glyph's size relative to its frame
//! survives (x and X stay apart) while its position does not (a rotated 6 that no longer sits on
//! its baseline still matches a 9). A light blur makes a glyph a pixel or a degree off score
//! almost as well as the original.

use image::{GrayImage, Luma};

use crate::dataset::Polarity;

/// Side of the canonical square, in pixels.
pub const CANONICAL_SIZE: u32 = 32;

/// Standard deviation of the blur applied to the centred ink map, in canonical pixels.
pub const BLUR_SIGMA: f32 = 1.0;

/// Total ink (in pixels of full ink) below which a canonical glyph counts as empty.
const MIN_INK: f32 = 0.5;

/// A glyph in canonical form: ink bright on zero, centred, blurred.
#[derive(Clone, Debug, PartialEq)]
pub struct Canonical {
    pixels: Vec<f32>,
}

impl Canonical {
    /// The ink values, row by row, `CANONICAL_SIZE`² of them.
    pub fn pixels(&self) -> &[f32] {
        &self.pixels
    }

    /// The glyph as a zero-mean, unit-length vector: the dot product of two such vectors is
    /// their normalised cross-correlation.
    pub fn features(&self) -> Vec<f32> {
        let n = self.pixels.len() as f32;
        let mean = self.pixels.iter().sum::<f32>() / n;
        let mut centred: Vec<f32> = self.pixels.iter().map(|v| v - mean).collect();
        let norm = centred.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            centred.iter_mut().for_each(|v| *v /= norm);
        }
        centred
    }

    /// The canonical glyph as an 8-bit image, ink white on black, for looking at.
    pub fn to_image(&self) -> GrayImage {
        let max = self.pixels.iter().copied().fold(0.0f32, f32::max).max(1e-6);
        GrayImage::from_fn(CANONICAL_SIZE, CANONICAL_SIZE, |x, y| {
            let v = self.pixels[(y * CANONICAL_SIZE + x) as usize] / max;
            Luma([(v.clamp(0.0, 1.0) * 255.0).round() as u8])
        })
    }
}

/// Brings an image of any size into canonical form, given its background level and polarity.
/// Returns `None` when the image holds no ink (a crop that missed the glyph, say).
pub fn normalize(image: &GrayImage, background: u8, polarity: Polarity) -> Option<Canonical> {
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return None;
    }
    let bg = i16::from(background);
    let ink_of = |v: u8| -> f32 {
        let diff = match polarity {
            Polarity::DarkOnLight => bg - i16::from(v),
            Polarity::LightOnDark => i16::from(v) - bg,
        };
        f32::from(diff.max(0)) / 255.0
    };
    let ink: Vec<f32> = image.as_raw().iter().map(|&v| ink_of(v)).collect();
    let size = CANONICAL_SIZE;
    let framed = if (w, h) == (size, size) {
        ink
    } else {
        resize(&ink, w as usize, h as usize, size as usize)
    };
    let centred = centre_ink(&framed, size as usize)?;
    Some(Canonical {
        pixels: blur(&centred, size as usize),
    })
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

/// Resizes a `w`×`h` ink map to `side`×`side` with a separable triangle filter.
fn resize(ink: &[f32], w: usize, h: usize, side: usize) -> Vec<f32> {
    let (across, down) = (taps(w, side), taps(h, side));
    let mut rows = vec![0.0f32; side * h];
    for (src, dst) in ink.chunks_exact(w).zip(rows.chunks_exact_mut(side)) {
        for (out, (first, weights)) in dst.iter_mut().zip(&across) {
            *out = weights.iter().zip(&src[*first..]).map(|(w, v)| w * v).sum();
        }
    }
    let mut out = vec![0.0f32; side * side];
    for (y, (first, weights)) in down.iter().enumerate() {
        let dst = &mut out[y * side..(y + 1) * side];
        for (k, weight) in weights.iter().enumerate() {
            let src = &rows[(first + k) * side..(first + k + 1) * side];
            for (d, s) in dst.iter_mut().zip(src) {
                *d += weight * s;
            }
        }
    }
    out
}

/// Moves the centre of ink to the centre of the square, with bilinear resampling so the shift
/// can be a fraction of a pixel. The shift is the same for every pixel, so are its weights.
fn centre_ink(ink: &[f32], side: usize) -> Option<Vec<f32>> {
    let (mut mass, mut mx, mut my) = (0.0f64, 0.0f64, 0.0f64);
    for (y, row) in ink.chunks_exact(side).enumerate() {
        let row_mass: f64 = row.iter().map(|&v| f64::from(v)).sum();
        let row_x: f64 = row
            .iter()
            .enumerate()
            .map(|(x, &v)| f64::from(v) * x as f64)
            .sum();
        mass += row_mass;
        mx += row_x;
        my += row_mass * y as f64;
    }
    if mass < f64::from(MIN_INK) {
        return None;
    }
    let centre = (side as f64 - 1.0) / 2.0;
    let (dx, dy) = (mx / mass - centre, my / mass - centre);
    let (ix, iy) = (dx.floor() as i64, dy.floor() as i64);
    let (fx, fy) = ((dx - dx.floor()) as f32, (dy - dy.floor()) as f32);
    let weights = [
        (0, 0, (1.0 - fx) * (1.0 - fy)),
        (1, 0, fx * (1.0 - fy)),
        (0, 1, (1.0 - fx) * fy),
        (1, 1, fx * fy),
    ];
    let side_i = side as i64;
    let mut out = vec![0.0f32; side * side];
    for (ox, oy, weight) in weights {
        if weight == 0.0 {
            continue;
        }
        // Output (x, y) reads input (x + ix + ox, y + iy + oy); ink outside the frame is none.
        let (sx, sy) = (ix + ox, iy + oy);
        for y in 0..side_i {
            let src_y = y + sy;
            if !(0..side_i).contains(&src_y) {
                continue;
            }
            let x_from = (-sx).max(0);
            let x_to = (side_i - sx).min(side_i);
            if x_from >= x_to {
                continue;
            }
            let out_row = &mut out[(y * side_i) as usize..((y + 1) * side_i) as usize];
            let in_row = &ink[(src_y * side_i) as usize..((src_y + 1) * side_i) as usize];
            for x in x_from..x_to {
                out_row[x as usize] += weight * in_row[(x + sx) as usize];
            }
        }
    }
    Some(out)
}

/// The Gaussian kernel of [`BLUR_SIGMA`], radius 3σ, normalised.
fn kernel() -> [f32; 7] {
    let mut kernel = [0.0f32; 7];
    for (i, k) in kernel.iter_mut().enumerate() {
        let d = i as f32 - 3.0;
        *k = (-d * d / (2.0 * BLUR_SIGMA * BLUR_SIGMA)).exp();
    }
    let sum: f32 = kernel.iter().sum();
    kernel.iter_mut().for_each(|k| *k /= sum);
    kernel
}

/// Separable Gaussian blur of a square ink map; beyond the frame there is no ink.
fn blur(ink: &[f32], side: usize) -> Vec<f32> {
    let kernel = kernel();
    let mut rows = vec![0.0f32; side * side];
    for (src, dst) in ink.chunks_exact(side).zip(rows.chunks_exact_mut(side)) {
        for (x, out) in dst.iter_mut().enumerate() {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let at = x as i64 + k as i64 - 3;
                if (0..side as i64).contains(&at) {
                    acc += weight * src[at as usize];
                }
            }
            *out = acc;
        }
    }
    let mut out = vec![0.0f32; side * side];
    for (k, weight) in kernel.iter().enumerate() {
        let offset = k as i64 - 3;
        for y in 0..side as i64 {
            let src_y = y + offset;
            if !(0..side as i64).contains(&src_y) {
                continue;
            }
            let (y, src_y) = (y as usize, src_y as usize);
            let src = &rows[src_y * side..(src_y + 1) * side];
            let dst = &mut out[y * side..(y + 1) * side];
            for (d, s) in dst.iter_mut().zip(src) {
                *d += weight * s;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let left = normalize(&bar(32, 2, 4, 4, 12), 255, Polarity::DarkOnLight).unwrap();
        let right = normalize(&bar(32, 24, 15, 4, 12), 255, Polarity::DarkOnLight).unwrap();
        assert!(ncc(&left, &right) > 0.999, "{}", ncc(&left, &right));
    }

    #[test]
    fn size_relative_to_the_frame_is_kept() {
        let small = normalize(&bar(32, 12, 12, 6, 6), 255, Polarity::DarkOnLight).unwrap();
        let large = normalize(&bar(32, 8, 8, 14, 14), 255, Polarity::DarkOnLight).unwrap();
        assert!(ncc(&small, &large) < 0.8, "{}", ncc(&small, &large));
    }

    #[test]
    fn polarity_and_frame_size_do_not_matter() {
        let dark = normalize(&bar(32, 10, 6, 8, 20), 255, Polarity::DarkOnLight).unwrap();
        let mut light = bar(64, 20, 12, 16, 40);
        image::imageops::invert(&mut light);
        let light = normalize(&light, 0, Polarity::LightOnDark).unwrap();
        assert!(ncc(&dark, &light) > 0.98, "{}", ncc(&dark, &light));
    }

    #[test]
    fn ink_ends_up_centred_and_bright() {
        let canonical = normalize(&bar(32, 0, 0, 2, 2), 255, Polarity::DarkOnLight).unwrap();
        let image = canonical.to_image();
        let centre = image.get_pixel(15, 15)[0].max(image.get_pixel(16, 16)[0]);
        assert!(centre > 200, "{centre}");
        assert_eq!(image.get_pixel(0, 0)[0], 0);
        let features = canonical.features();
        let norm: f32 = features.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(features.iter().sum::<f32>().abs() < 1e-3);
    }

    #[test]
    fn resizing_keeps_level_and_mass_where_it_should() {
        // A uniform map stays uniform, up or down.
        for (w, h) in [(28, 28), (64, 48), (19, 32), (7, 3)] {
            let flat = vec![0.5f32; w * h];
            let out = resize(&flat, w, h, 32);
            assert!(out.iter().all(|v| (v - 0.5).abs() < 1e-5), "{w}x{h}");
        }
        // Stretching 16 columns to 32 doubles the ink of each row: a column of ink stays a
        // column (two wide), in the middle.
        let mut bar = vec![0.0f32; 16 * 32];
        (0..32).for_each(|y| bar[y * 16 + 8] = 1.0);
        let out = resize(&bar, 16, 32, 32);
        let row: Vec<f32> = out[0..32].to_vec();
        let mass: f32 = row.iter().sum();
        assert!((mass - 2.0).abs() < 1e-4, "{row:?}");
        assert!(row[16] > 0.5 && row[17] > 0.2 && row[10] == 0.0, "{row:?}");
    }

    #[test]
    fn an_image_without_ink_has_no_canonical_form() {
        let blank = GrayImage::from_pixel(16, 16, Luma([255]));
        assert_eq!(normalize(&blank, 255, Polarity::DarkOnLight), None);
        assert_eq!(
            normalize(&GrayImage::new(0, 0), 0, Polarity::LightOnDark),
            None
        );
    }
}
