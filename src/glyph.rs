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
    /// The image is larger than the [`Limits`](crate::input::Limits) allow.
    #[error("too large: more than {side}x{side} pixels or {decoded} decoded, the most an image may be (--max-image-side raises the limit)")]
    TooLarge {
        /// The widest and tallest image decoded.
        side: u32,
        /// The most one image's decoding may take, in words.
        decoded: String,
    },
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

/// Memory that images being decoded may hold at once; an image that needs more than all of
/// it decodes alone. Without it, every core decoding a large image at once multiplies the
/// peak (40 PNGs of 20000x20000 pixels, 19 MB on disk, aborted after 4 minutes).
static DECODING: crate::input::Budget = crate::input::Budget::new(512 << 20);
/// Images whose decoding takes less than this do not reserve: one per core stays small.
const SMALL_DECODE: u64 = 16 << 20;
/// Pixels turned to grey at a time, in bands of whole rows: the floating-point copy the
/// conversion makes is of one band, not of the image (16 bytes a pixel with transparency).
const BAND_PIXELS: u64 = 1 << 20;

/// An image as it loaded: the glyph, and the size it had when it was reduced to fit
/// [`Limits::glyph_side`](crate::input::Limits::glyph_side).
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The glyph, reduced if it was larger than a glyph needs.
    pub image: GlyphImage,
    /// The width and height the image had, when it was reduced.
    pub reduced_from: Option<(u32, u32)>,
}

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
    /// finds the background level and polarity; see [`GlyphImage::load`].
    ///
    /// # Errors
    /// When the bytes are empty, cannot be decoded, are larger than the limits allow, or hold
    /// no glyph.
    pub fn decode(bytes: &[u8]) -> Result<GlyphImage, DecodeError> {
        GlyphImage::load(bytes).map(|loaded| loaded.image)
    }

    /// [`GlyphImage::decode`], telling whether the image was reduced: within the
    /// [`limits`](crate::input::limits) in force, an image is refused before it is decoded
    /// when it is larger than [`Limits::image_side`](crate::input::Limits::image_side), waits
    /// for memory while other large images decode, and is reduced to
    /// [`Limits::glyph_side`](crate::input::Limits::glyph_side) (averaging the pixels it
    /// merges) before its background is found.
    ///
    /// # Errors
    /// As [`GlyphImage::decode`].
    pub fn load(bytes: &[u8]) -> Result<Loaded, DecodeError> {
        if bytes.is_empty() {
            return Err(DecodeError::Empty);
        }
        let limits = crate::input::limits();
        let too_large = || DecodeError::TooLarge {
            side: limits.image_side,
            decoded: crate::input::size_text(limits.decoded_bytes()),
        };
        let mut reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(DecodeError::Undetectable)?;
        // A small file that claims more is refused before it is decoded (a 489 KB PNG of
        // 20000x20000 pixels took 3.7 GB).
        let mut decoder_limits = image::Limits::default();
        decoder_limits.max_image_width = Some(limits.image_side);
        decoder_limits.max_image_height = Some(limits.image_side);
        decoder_limits.max_alloc = Some(limits.decoded_bytes());
        reader.limits(decoder_limits);
        match reader.format() {
            None => return Err(DecodeError::UnknownFormat),
            // The JPEG decoder fills a cut-off file with grey and says nothing: a file that
            // stops before its end-of-image marker is refused instead.
            Some(image::ImageFormat::Jpeg) if !jpeg_is_whole(bytes) => {
                return Err(DecodeError::Truncated);
            }
            Some(_) => {}
        }
        let refused = |err| match err {
            image::ImageError::Limits(_) => too_large(),
            other => DecodeError::Decode(other),
        };
        let decoder = reader.into_decoder().map_err(refused)?;
        let (width, height) = image::ImageDecoder::dimensions(&decoder);
        let decoded = image::ImageDecoder::total_bytes(&decoder);
        if decoded > limits.decoded_bytes() {
            return Err(too_large());
        }
        // The decoded image, its grey copy and one band of the conversion.
        let pixels = u64::from(width) * u64::from(height);
        let need = decoded + pixels + pixels.min(BAND_PIXELS) * 16;
        let reservation = (need >= SMALL_DECODE).then(|| DECODING.reserve(need));
        let image = DynamicImage::from_decoder(decoder).map_err(refused)?;
        if image.width() == 0 || image.height() == 0 {
            return Err(DecodeError::NoPixels);
        }
        let loaded = GlyphImage::load_grey(to_grey(image));
        drop(reservation);
        loaded
    }

    /// A grey image reduced to [`Limits::glyph_side`](crate::input::Limits::glyph_side) if it
    /// is larger, with its background and polarity found.
    ///
    /// # Errors
    /// When the image is empty or holds no glyph.
    pub fn load_grey(grey: GrayImage) -> Result<Loaded, DecodeError> {
        let side = crate::input::limits().glyph_side.max(1);
        let (grey, reduced_from) = if grey.width() > side || grey.height() > side {
            (reduce(&grey, side), Some((grey.width(), grey.height())))
        } else {
            (grey, None)
        };
        Ok(Loaded {
            image: GlyphImage::from_grey(grey)?,
            reduced_from,
        })
    }

    /// A decoded image in grey, with its background and polarity found.
    ///
    /// # Errors
    /// When the image is empty or holds no glyph.
    pub fn from_image(image: DynamicImage) -> Result<GlyphImage, DecodeError> {
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
/// Converted in bands of rows, each pixel as the whole image would be.
fn to_grey(image: DynamicImage) -> GrayImage {
    if let DynamicImage::ImageLuma8(grey) = image {
        return grey;
    }
    let (width, height) = (image.width(), image.height());
    let rows = u32::try_from(BAND_PIXELS / u64::from(width.max(1)))
        .unwrap_or(u32::MAX)
        .clamp(1, height.max(1));
    let bands = || {
        (0..height)
            .step_by(rows as usize)
            .map(|top| (top, image.crop_imm(0, top, width, rows.min(height - top))))
    };
    let mut grey = GrayImage::new(width, height);
    let mut write = |top: u32, band: &GrayImage| {
        let start = top as usize * width as usize;
        grey.as_mut()[start..start + band.as_raw().len()].copy_from_slice(band.as_raw());
    };
    if !image.color().has_alpha() {
        for (top, band) in bands() {
            let luma = band.to_luma32f();
            let band = GrayImage::from_fn(luma.width(), luma.height(), |x, y| {
                Luma([to_u8(luma.get_pixel(x, y)[0])])
            });
            write(top, &band);
        }
        return grey;
    }
    let mut weighted = 0.0f64;
    let mut weight = 0.0f64;
    for (_, band) in bands() {
        for p in band.to_rgba32f().pixels() {
            let luma = luminance(p.0[0], p.0[1], p.0[2]);
            weighted += f64::from(luma * p.0[3]);
            weight += f64::from(p.0[3]);
        }
    }
    let opaque_mean = if weight > 0.0 { weighted / weight } else { 0.0 };
    let under = if opaque_mean < 0.5 { 1.0 } else { 0.0 };
    for (top, band) in bands() {
        let rgba = band.to_rgba32f();
        let band = GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            let p = rgba.get_pixel(x, y).0;
            let alpha = p[3].clamp(0.0, 1.0);
            Luma([to_u8(
                luminance(p[0], p[1], p[2]) * alpha + under * (1.0 - alpha),
            )])
        });
        write(top, &band);
    }
    grey
}

/// The image reduced by a whole factor so that neither side is longer than `side`: each
/// pixel is the mean of the block of `factor x factor` pixels it stands for (fewer at the
/// right and bottom edges).
fn reduce(image: &GrayImage, side: u32) -> GrayImage {
    let longest = image.width().max(image.height());
    let factor = longest.div_ceil(side.max(1)).max(1);
    let (width, height) = (
        image.width().div_ceil(factor),
        image.height().div_ceil(factor),
    );
    let mut sums = vec![0u64; width as usize];
    let mut counts = vec![0u64; width as usize];
    let mut out = GrayImage::new(width, height);
    for (y, rows) in image
        .as_raw()
        .chunks(image.width() as usize * factor as usize)
        .enumerate()
    {
        sums.fill(0);
        counts.fill(0);
        for row in rows.chunks_exact(image.width() as usize) {
            for (x, block) in row.chunks(factor as usize).enumerate() {
                sums[x] += block.iter().map(|&v| u64::from(v)).sum::<u64>();
                counts[x] += block.len() as u64;
            }
        }
        for (x, (&sum, &count)) in sums.iter().zip(&counts).enumerate() {
            let mean = (sum + count / 2) / count.max(1);
            out.put_pixel(x as u32, y as u32, Luma([mean as u8]));
        }
    }
    out
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
    fn a_reduced_pixel_is_the_mean_of_the_block_it_stands_for() {
        let image = GrayImage::from_fn(5, 3, |x, y| Luma([(10 * x + 100 * y) as u8]));
        let reduced = reduce(&image, 2);
        // Factor 3: blocks of 3x3, 2x3 at the right edge.
        assert_eq!(reduced.dimensions(), (2, 1));
        assert_eq!(reduced.get_pixel(0, 0)[0], 110); // mean of 0..20 + 0..200
        assert_eq!(reduced.get_pixel(1, 0)[0], 135); // mean of 30, 40 + 0..200
                                                     // Within the side: a factor of 1 keeps every pixel.
        assert_eq!(reduce(&image, 5), image);
    }

    #[test]
    fn an_image_larger_than_a_glyph_needs_is_reduced_as_it_loads() {
        let big = GrayImage::from_fn(2100, 1500, |x, y| {
            Luma([if (600..1500).contains(&x) && (400..1100).contains(&y) {
                0
            } else {
                255
            }])
        });
        let loaded = GlyphImage::load(&encode_png(&DynamicImage::ImageLuma8(big))).unwrap();
        // 2100 over 1024 is a factor of 3.
        assert_eq!(loaded.reduced_from, Some((2100, 1500)));
        assert_eq!(loaded.image.pixels.dimensions(), (700, 500));
        assert_eq!(loaded.image.pixels.get_pixel(350, 250)[0], 0);
        assert_eq!(loaded.image.background, 255);
        let small = GlyphImage::load(&encode_png(&DynamicImage::ImageLuma8(square_on(250, 10))));
        assert_eq!(small.unwrap().reduced_from, None);
    }

    #[test]
    fn grey_made_band_by_band_is_the_grey_of_the_whole_image() {
        // Wider than a band is long, so that every band is one row; transparency and colour.
        let width = (BAND_PIXELS + 7) as u32;
        let rgba = image::RgbaImage::from_fn(width, 3, |x, y| {
            let v = ((x * 7 + y * 13) % 256) as u8;
            image::Rgba([v, v / 2, 255 - v, ((x + y) % 256) as u8])
        });
        let whole = {
            let image = DynamicImage::ImageRgba8(rgba.clone()).to_rgba32f();
            let (mut weighted, mut weight) = (0.0f64, 0.0f64);
            for p in image.pixels() {
                weighted += f64::from(luminance(p.0[0], p.0[1], p.0[2]) * p.0[3]);
                weight += f64::from(p.0[3]);
            }
            let under = if weighted / weight < 0.5 { 1.0 } else { 0.0 };
            GrayImage::from_fn(width, 3, |x, y| {
                let p = image.get_pixel(x, y).0;
                Luma([to_u8(
                    luminance(p[0], p[1], p[2]) * p[3] + under * (1.0 - p[3]),
                )])
            })
        };
        assert_eq!(to_grey(DynamicImage::ImageRgba8(rgba)), whole);
        let rgb = image::RgbImage::from_fn(width, 2, |x, y| image::Rgb([x as u8, y as u8, 9]));
        let expected = DynamicImage::ImageRgb8(rgb.clone()).to_luma32f();
        let expected =
            GrayImage::from_fn(width, 2, |x, y| Luma([to_u8(expected.get_pixel(x, y)[0])]));
        assert_eq!(to_grey(DynamicImage::ImageRgb8(rgb)), expected);
    }

    #[test]
    fn an_image_beyond_the_side_limit_is_refused_before_it_is_decoded() {
        // A PNG header that claims 20000x20000 pixels: a few bytes, never inflated.
        let header = encode_png(&DynamicImage::ImageLuma8(GrayImage::new(20000, 1)));
        let err = GlyphImage::decode(&header).unwrap_err();
        assert!(
            matches!(err, DecodeError::TooLarge { side: 8192, .. }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "too large: more than 8192x8192 pixels or 256 MB decoded, the most an image may be (--max-image-side raises the limit)"
        );
    }

    #[test]
    fn detects_both_polarities() {
        let dark = GlyphImage::from_image(DynamicImage::ImageLuma8(square_on(250, 10))).unwrap();
        assert_eq!(
            (dark.background, dark.polarity),
            (250, Polarity::DarkOnLight)
        );
        let light = GlyphImage::from_image(DynamicImage::ImageLuma8(square_on(3, 200))).unwrap();
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
            let glyph = GlyphImage::from_image(DynamicImage::ImageRgba8(rgba)).unwrap();
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
        let glyph = GlyphImage::from_image(DynamicImage::ImageLumaA8(grey_alpha)).unwrap();
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
