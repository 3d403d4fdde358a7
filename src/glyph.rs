//! A glyph image as augsafe reads it: the pixels in grey, the background level and which way
//! round ink and background are. Decoding any supported file into one, and finding its
//! background and polarity, live here; everything that moves or reads ink takes this value.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageReader, Luma};
use serde::Serialize;

/// Below this difference between ink and background (out of 255) an image holds no glyph.
pub const MIN_CONTRAST: u8 = 24;

/// Which way round ink and background are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Polarity {
    /// Dark ink on a light background (printed text, most scans).
    DarkOnLight,
    /// Light ink on a dark background (MNIST and its relatives).
    LightOnDark,
}

impl Polarity {
    /// The grey level of full ink: black on light images, white on dark ones.
    pub fn ink_level(self) -> u8 {
        match self {
            Polarity::DarkOnLight => 0,
            Polarity::LightOnDark => 255,
        }
    }
}

/// Grey pixels with the background level they sit on and the way round their ink is.
#[derive(Clone, Debug, PartialEq)]
pub struct GlyphImage {
    /// The image in grey, any transparency composited onto a background.
    pub pixels: GrayImage,
    /// The background level; transformations fill what they uncover with it.
    pub background: u8,
    /// Which way round ink and background are.
    pub polarity: Polarity,
}

/// Why an image holds no usable glyph. The messages are the reasons the reports list.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The file has no bytes.
    #[error("empty file (0 bytes)")]
    Empty,
    /// Reading the start of the file to guess its format failed.
    #[error("cannot detect the format: {0}")]
    Undetectable(#[source] std::io::Error),
    /// The bytes are no image format augsafe reads.
    #[error("not a recognised image format")]
    UnknownFormat,
    /// The decoder refused the bytes.
    #[error("cannot decode: {0}")]
    Decode(#[source] image::ImageError),
    /// The file stops before its end (a JPEG without its end-of-image marker).
    #[error("truncated: the file stops before the image ends")]
    Truncated,
    /// The image is larger than a glyph may be ([`MAX_SIDE`], [`MAX_DECODED_BYTES`]).
    #[error("too large: more than {MAX_SIDE}x{MAX_SIDE} pixels or 256 MB decoded, the most a glyph image may be")]
    TooLarge,
    /// The image is zero pixels wide or high.
    #[error("image has no pixels")]
    NoPixels,
    /// Nothing in the image stands out from its background.
    #[error(
        "no glyph: the image is blank (largest difference from the background is {contrast}/255)"
    )]
    Blank {
        /// The largest difference from the background, out of 255.
        contrast: u8,
    },
}

/// Whether a JPEG file ends with its end-of-image marker (`FF D9`), padding after it aside.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let end = bytes
        .iter()
        .rposition(|&b| (b != 0 && b != 0xFF) || b == 0xD9)
        .map_or(0, |i| i + 1);
    bytes[..end].ends_with(&[0xFF, 0xD9])
}

/// The widest and tallest image decoded, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// The most memory one image's decoding may take.
pub const MAX_DECODED_BYTES: u64 = 256 << 20;

impl GlyphImage {
    /// A glyph image from its parts, as known already (a transformed image keeps the
    /// background and polarity of its original).
    pub fn new(pixels: GrayImage, background: u8, polarity: Polarity) -> GlyphImage {
        GlyphImage {
            pixels,
            background,
            polarity,
        }
    }

    /// Other pixels on the same background, with the same polarity.
    pub fn with_pixels(&self, pixels: GrayImage) -> GlyphImage {
        GlyphImage::new(pixels, self.background, self.polarity)
    }

    /// Decodes an image file's bytes (any supported format, bit depth and colour type) into
    /// grey, compositing transparency onto a background that contrasts with the ink, and
    /// finds the background level and polarity.
    ///
    /// # Errors
    /// When the bytes are empty, cannot be decoded, or hold no glyph.
    pub fn decode(bytes: &[u8]) -> Result<GlyphImage, DecodeError> {
        if bytes.is_empty() {
            return Err(DecodeError::Empty);
        }
        let mut reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(DecodeError::Undetectable)?;
        // A glyph never needs more; a small file that claims more is refused before it is
        // decoded (a 489 KB PNG of 20000x20000 pixels took 3.7 GB).
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(MAX_DECODED_BYTES);
        reader.limits(limits);
        match reader.format() {
            None => return Err(DecodeError::UnknownFormat),
            // The JPEG decoder fills a cut-off file with grey and says nothing: a file that
            // stops before its end-of-image marker is refused instead.
            Some(image::ImageFormat::Jpeg) if !jpeg_is_whole(bytes) => {
                return Err(DecodeError::Truncated);
            }
            Some(_) => {}
        }
        let image = reader.decode().map_err(|err| match err {
            image::ImageError::Limits(_) => DecodeError::TooLarge,
            other => DecodeError::Decode(other),
        })?;
        GlyphImage::from_image(&image)
    }

    /// A decoded image in grey, with its background and polarity found.
    ///
    /// # Errors
    /// When the image is empty or holds no glyph.
    pub fn from_image(image: &DynamicImage) -> Result<GlyphImage, DecodeError> {
        if image.width() == 0 || image.height() == 0 {
            return Err(DecodeError::NoPixels);
        }
        GlyphImage::from_grey(to_grey(image))
    }

    /// A grey image with its background and polarity found.
    ///
    /// # Errors
    /// When the image is empty or holds no glyph.
    pub fn from_grey(grey: GrayImage) -> Result<GlyphImage, DecodeError> {
        if grey.width() == 0 || grey.height() == 0 {
            return Err(DecodeError::NoPixels);
        }
        let background = border_median(&grey);
        let (polarity, contrast) = polarity_and_contrast(&grey, background);
        if contrast < MIN_CONTRAST {
            return Err(DecodeError::Blank { contrast });
        }
        Ok(GlyphImage::new(grey, background, polarity))
    }
}

/// Grey conversion; where there is transparency, the colour under it is chosen to contrast with
/// what is opaque, so dark ink on a transparent sheet and light ink on one both stay visible.
fn to_grey(image: &DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        let luma = image.to_luma32f();
        return GrayImage::from_fn(luma.width(), luma.height(), |x, y| {
            Luma([to_u8(luma.get_pixel(x, y)[0])])
        });
    }
    let rgba = image.to_rgba32f();
    let mut weighted = 0.0f64;
    let mut weight = 0.0f64;
    for p in rgba.pixels() {
        let luma = luminance(p.0[0], p.0[1], p.0[2]);
        weighted += f64::from(luma * p.0[3]);
        weight += f64::from(p.0[3]);
    }
    let opaque_mean = if weight > 0.0 { weighted / weight } else { 0.0 };
    let under = if opaque_mean < 0.5 { 1.0 } else { 0.0 };
    GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let alpha = p[3].clamp(0.0, 1.0);
        Luma([to_u8(
            luminance(p[0], p[1], p[2]) * alpha + under * (1.0 - alpha),
        )])
    })
}

fn luminance(r: f32, g: f32, b: f32) -> f32 {
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

fn to_u8(value: f32) -> u8 {
    (value.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The median of the outermost ring of pixels: glyphs rarely touch all four edges.
fn border_median(image: &GrayImage) -> u8 {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut histogram = [0u32; 256];
    let mut count = |values: &[u8]| {
        for &v in values {
            histogram[usize::from(v)] += 1;
        }
    };
    let mut rows = image.as_raw().chunks_exact(w.max(1)).take(h);
    // The first and last rows whole, then the two ends of every row between.
    if let Some(first) = rows.next() {
        count(first);
    }
    if let Some(last) = rows.next_back() {
        count(last);
    }
    for row in rows {
        if let [left, .., right] = row {
            count(&[*left, *right]);
        } else {
            count(row);
        }
    }
    let total: u32 = histogram.iter().sum();
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen * 2 >= total {
            return value as u8;
        }
    }
    255
}

/// Which side of the background the ink is on (the side where most of the difference lies;
/// dark on light when the sides are even) and the largest difference from the background, in
/// one pass that vectorises.
fn polarity_and_contrast(image: &GrayImage, background: u8) -> (Polarity, u8) {
    let (mut darker, mut lighter, mut contrast) = (0u64, 0u64, 0u8);
    // Sums of up to 2^24 pixels' differences fit a u32; the chunks keep the inner loop in
    // 32-bit lanes.
    for chunk in image.as_raw().chunks(1 << 24) {
        let (mut dark, mut light) = (0u32, 0u32);
        for &v in chunk {
            let (d, l) = (background.saturating_sub(v), v.saturating_sub(background));
            dark += u32::from(d);
            light += u32::from(l);
            // One of the two is zero.
            contrast = contrast.max(d | l);
        }
        darker += u64::from(dark);
        lighter += u64::from(light);
    }
    let polarity = if lighter > darker {
        Polarity::LightOnDark
    } else {
        Polarity::DarkOnLight
    };
    (polarity, contrast)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_cut_short_is_refused_not_filled_with_grey() {
        let image = GrayImage::from_fn(32, 32, |x, y| {
            Luma([if (8..24).contains(&x) && (4..28).contains(&y) {
                0
            } else {
                255
            }])
        });
        let mut bytes = Vec::new();
        image::DynamicImage::ImageLuma8(image)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
            .unwrap();
        assert!(GlyphImage::decode(&bytes).is_ok());
        let mut padded = bytes.clone();
        padded.extend([0, 0, 0]);
        assert!(GlyphImage::decode(&padded).is_ok());
        let half = &bytes[..bytes.len() / 2];
        assert!(matches!(
            GlyphImage::decode(half),
            Err(DecodeError::Truncated)
        ));
    }
    use image::{ImageBuffer, LumaA, Rgba};

    #[test]
    fn background_polarity_and_contrast_of_small_images() {
        // Every shape from one pixel to a few, against the definitions pixel by pixel.
        for (w, h) in [(1, 1), (1, 3), (3, 1), (2, 2), (2, 5), (4, 4), (7, 3)] {
            for seed in 0..20u32 {
                let image = GrayImage::from_fn(w, h, |x, y| {
                    Luma([((x * 37 + y * 91 + seed * 53) % 7 * 40) as u8])
                });
                let mut ring: Vec<u8> = image
                    .enumerate_pixels()
                    .filter(|&(x, y, _)| x == 0 || y == 0 || x + 1 == w || y + 1 == h)
                    .map(|(_, _, p)| p[0])
                    .collect();
                ring.sort_unstable();
                // The lower median, as the histogram walk finds it.
                let median = ring[(ring.len() - 1) / 2];
                assert_eq!(border_median(&image), median, "{w}x{h} {seed}");
                let (mut darker, mut lighter) = (0u64, 0u64);
                for p in image.pixels() {
                    if p[0] < median {
                        darker += u64::from(median - p[0]);
                    } else {
                        lighter += u64::from(p[0] - median);
                    }
                }
                let polarity = if lighter > darker {
                    Polarity::LightOnDark
                } else {
                    Polarity::DarkOnLight
                };
                let contrast = image.pixels().map(|p| p[0].abs_diff(median)).max();
                assert_eq!(
                    polarity_and_contrast(&image, median),
                    (polarity, contrast.unwrap_or(0)),
                    "{w}x{h} {seed}"
                );
            }
        }
    }

    fn encode_png(image: &DynamicImage) -> Vec<u8> {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    fn square_on(background: u8, ink: u8) -> GrayImage {
        GrayImage::from_fn(8, 8, |x, y| {
            if (2..6).contains(&x) && (2..6).contains(&y) {
                Luma([ink])
            } else {
                Luma([background])
            }
        })
    }

    #[test]
    fn detects_both_polarities() {
        let dark = GlyphImage::from_image(&DynamicImage::ImageLuma8(square_on(250, 10))).unwrap();
        assert_eq!(
            (dark.background, dark.polarity),
            (250, Polarity::DarkOnLight)
        );
        let light = GlyphImage::from_image(&DynamicImage::ImageLuma8(square_on(3, 200))).unwrap();
        assert_eq!(
            (light.background, light.polarity),
            (3, Polarity::LightOnDark)
        );
    }

    #[test]
    fn blank_and_empty_inputs_are_refused_with_a_reason() {
        let reason = |bytes: &[u8]| GlyphImage::decode(bytes).unwrap_err().to_string();
        assert_eq!(reason(&[]), "empty file (0 bytes)");
        assert_eq!(
            reason(b"hello, not an image"),
            "not a recognised image format"
        );
        let blank = encode_png(&DynamicImage::ImageLuma8(GrayImage::from_pixel(
            8,
            8,
            Luma([9]),
        )));
        assert_eq!(
            reason(&blank),
            "no glyph: the image is blank (largest difference from the background is 0/255)"
        );
        let png = encode_png(&DynamicImage::ImageLuma8(square_on(255, 0)));
        assert!(reason(&png[..png.len() / 2]).starts_with("cannot decode: "));
        assert!(matches!(
            GlyphImage::from_grey(GrayImage::new(0, 3)),
            Err(DecodeError::NoPixels)
        ));
    }

    #[test]
    fn transparency_is_composited_so_the_ink_stays_visible() {
        for ink in [0u8, 255] {
            let rgba = ImageBuffer::from_fn(8, 8, |x, y| {
                let alpha = if (2..6).contains(&x) && (2..6).contains(&y) {
                    255
                } else {
                    0
                };
                Rgba([ink, ink, ink, alpha])
            });
            let glyph = GlyphImage::from_image(&DynamicImage::ImageRgba8(rgba)).unwrap();
            assert_eq!(glyph.pixels.get_pixel(3, 3)[0], ink);
            assert_eq!(glyph.background, 255 - ink);
        }
        let grey_alpha = ImageBuffer::from_fn(8, 8, |x, y| {
            LumaA([
                0u8,
                if (3..5).contains(&x) && (1..7).contains(&y) {
                    255
                } else {
                    0
                },
            ])
        });
        let glyph = GlyphImage::from_image(&DynamicImage::ImageLumaA8(grey_alpha)).unwrap();
        assert_eq!(glyph.polarity, Polarity::DarkOnLight);
    }

    #[test]
    fn sixteen_bit_grey_keeps_its_levels() {
        let wide = ImageBuffer::from_fn(8, 8, |x, y| {
            Luma([if (2..6).contains(&x) && (2..6).contains(&y) {
                65535u16
            } else {
                0
            }])
        });
        let glyph = GlyphImage::decode(&encode_png(&DynamicImage::ImageLuma16(wide))).unwrap();
        assert_eq!(glyph.pixels.get_pixel(3, 3)[0], 255);
        assert_eq!(glyph.polarity, Polarity::LightOnDark);
    }
}
