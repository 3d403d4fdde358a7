//! The canonical glyph every image becomes before classification.
//!
//! The canonical form is a `CANONICAL_SIZE`² ink map (ink bright, background zero) in which
//! the image *frame* is stretched to the square, as a training pipeline resizes its input, and
//! the glyph's centre of ink is moved to the centre. So the glyph's size relative to its frame
//! survives (x and X stay apart) while its position does not (a rotated 6 that no longer sits on
//! its baseline still matches a 9). A light blur makes a glyph a pixel or a degree off score
//! almost as well as the original.

use image::imageops::{self, FilterType};
use image::{GrayImage, ImageBuffer, Luma};

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
    let ink: ImageBuffer<Luma<f32>, Vec<f32>> = ImageBuffer::from_fn(w, h, |x, y| {
        let v = i16::from(image.get_pixel(x, y)[0]);
        let bg = i16::from(background);
        let diff = match polarity {
            Polarity::DarkOnLight => bg - v,
            Polarity::LightOnDark => v - bg,
        };
        Luma([f32::from(diff.max(0)) / 255.0])
    });
    let size = CANONICAL_SIZE;
    let framed = if (w, h) == (size, size) {
        ink
    } else {
        imageops::resize(&ink, size, size, FilterType::Triangle)
    };
    let centred = centre_ink(&framed)?;
    let blurred = imageproc::filter::gaussian_blur_f32(&centred, BLUR_SIGMA);
    Some(Canonical {
        pixels: blurred.into_raw(),
    })
}

/// Moves the centre of ink to the centre of the square, with bilinear resampling so the shift
/// can be a fraction of a pixel.
fn centre_ink(ink: &ImageBuffer<Luma<f32>, Vec<f32>>) -> Option<ImageBuffer<Luma<f32>, Vec<f32>>> {
    let (w, h) = ink.dimensions();
    let (mut mass, mut mx, mut my) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y, p) in ink.enumerate_pixels() {
        let v = f64::from(p[0]);
        mass += v;
        mx += v * f64::from(x);
        my += v * f64::from(y);
    }
    if mass < f64::from(MIN_INK) {
        return None;
    }
    let dx = (mx / mass - f64::from(w - 1) / 2.0) as f32;
    let dy = (my / mass - f64::from(h - 1) / 2.0) as f32;
    let sample = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= i64::from(w) || y >= i64::from(h) {
            0.0
        } else {
            ink.get_pixel(x as u32, y as u32)[0]
        }
    };
    Some(ImageBuffer::from_fn(w, h, |x, y| {
        let sx = x as f32 + dx;
        let sy = y as f32 + dy;
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let top = sample(x0, y0) * (1.0 - fx) + sample(x0 + 1, y0) * fx;
        let bottom = sample(x0, y0 + 1) * (1.0 - fx) + sample(x0 + 1, y0 + 1) * fx;
        Luma([top * (1.0 - fy) + bottom * fy])
    }))
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
        imageops::invert(&mut light);
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
    fn an_image_without_ink_has_no_canonical_form() {
        let blank = GrayImage::from_pixel(16, 16, Luma([255]));
        assert_eq!(normalize(&blank, 255, Polarity::DarkOnLight), None);
        assert_eq!(
            normalize(&GrayImage::new(0, 0), 0, Polarity::LightOnDark),
            None
        );
    }
}
