//! Rendering glyphs from fonts into an ImageFolder dataset, with seeded jitter.
//!
//! Each character becomes a class folder named by
//! [`folder_name_for_char`]: lower-case ASCII letters and digits as
//! themselves, everything else as its code point (`U+0041_A`), so upper and lower case never
//! collide on a case-insensitive file system. Each sample is drawn with a small random shift,
//! scale and rotation from its own generator, so the same seed renders the same files.

use std::path::{Path, PathBuf};

use ab_glyph::{point, Font, FontVec, PxScale, ScaleFont};
use image::{GrayImage, Luma};
use rand::Rng;

use crate::dataset::folder_name_for_char;
use crate::error::{Error, Result};
use crate::rng::draw_rng;
use crate::transform::rotate;

/// What to render.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderConfig {
    /// Font files (TTF or OTF); every character is rendered in each.
    pub fonts: Vec<PathBuf>,
    /// The characters, one class each.
    pub chars: Vec<char>,
    /// Width and height of each image, in pixels.
    pub size: u32,
    /// Images per character and font.
    pub samples: u32,
    /// The seed of the jitter.
    pub seed: u64,
    /// Light ink on a dark background instead of dark on light.
    pub invert: bool,
}

/// What a render wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RenderSummary {
    /// Images written.
    pub images: usize,
    /// Class folders written to.
    pub classes: usize,
    /// Characters a font has no glyph for, skipped.
    pub missing: Vec<(PathBuf, char)>,
}

/// How far a sample strays from the plain glyph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jitter {
    /// Horizontal shift, in pixels.
    pub dx: f32,
    /// Vertical shift, in pixels.
    pub dy: f32,
    /// Scale factor.
    pub scale: f32,
    /// Counter-clockwise rotation, in degrees.
    pub degrees: f64,
}

impl Jitter {
    /// No jitter at all.
    pub const NONE: Jitter = Jitter {
        dx: 0.0,
        dy: 0.0,
        scale: 1.0,
        degrees: 0.0,
    };

    /// A small random jitter for an image of `size` pixels: up to a twentieth of the size in
    /// shift, 4% in scale, 3 degrees in rotation.
    pub fn draw<R: Rng + ?Sized>(rng: &mut R, size: u32) -> Jitter {
        let shift = size as f32 / 20.0;
        Jitter {
            dx: rng.random_range(-shift..=shift),
            dy: rng.random_range(-shift..=shift),
            scale: rng.random_range(0.96..=1.04),
            degrees: rng.random_range(-3.0..=3.0),
        }
    }
}

/// The font size, in pixels, of a glyph in an image of `size` pixels: ascender to descender
/// of DejaVu-like fonts then fill about 80% of the height.
fn font_px(size: u32) -> f32 {
    size as f32 * 0.7
}

/// Parses a character set: literals and ranges such as `0-9a-zA-Z` (a `-` at either end is a
/// literal). Duplicates are dropped, the first occurrence keeps its place.
///
/// # Errors
/// [`Error::Charset`] when the set is empty or a range runs backwards.
pub fn parse_charset(spec: &str) -> Result<Vec<char>> {
    let error = |reason: String| Error::Charset {
        chars: spec.to_string(),
        reason,
    };
    let chars: Vec<char> = spec.chars().collect();
    let mut out: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            let end = chars[i + 2];
            if end < c {
                return Err(error(format!("range {c}-{end} runs backwards")));
            }
            out.extend(c..=end);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|c| !c.is_whitespace() && !c.is_control() && seen.insert(*c));
    if out.is_empty() {
        return Err(error("no characters to render".to_string()));
    }
    Ok(out)
}

/// Reads a font file.
///
/// # Errors
/// [`Error::Read`] when the file cannot be read, [`Error::Font`] when it is not a font.
pub fn load_font(path: &Path) -> Result<FontVec> {
    let bytes =
        crate::input::read_file(path, crate::input::FileKind::Font.max()).map_err(|source| {
            Error::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
    FontVec::try_from_vec(bytes).map_err(|err| Error::Font {
        path: path.to_path_buf(),
        reason: format!("not a TrueType or OpenType font ({err})"),
    })
}

/// Renders one character into a `size`² image, dark on light (or light on dark when `invert`).
/// Returns `None` when the font has no glyph for it.
pub fn render_glyph(
    font: &FontVec,
    c: char,
    size: u32,
    jitter: Jitter,
    invert: bool,
) -> Option<GrayImage> {
    let id = font.glyph_id(c);
    if id.0 == 0 {
        return None;
    }
    let scale = PxScale::from(font_px(size) * jitter.scale);
    let scaled = font.as_scaled(scale);
    let line_height = scaled.ascent() - scaled.descent();
    let x = (size as f32 - scaled.h_advance(id)) / 2.0 + jitter.dx;
    let baseline = (size as f32 - line_height) / 2.0 + scaled.ascent() + jitter.dy;
    let mut coverage = vec![0.0f32; (size * size) as usize];
    if let Some(outline) = font.outline_glyph(id.with_scale_and_position(scale, point(x, baseline)))
    {
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, cover| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            if (0..i64::from(size)).contains(&px) && (0..i64::from(size)).contains(&py) {
                let slot = &mut coverage[(py as u32 * size + px as u32) as usize];
                *slot = slot.max(cover.clamp(0.0, 1.0));
            }
        });
    }
    let (ink, paper) = if invert { (255.0, 0.0) } else { (0.0, 255.0) };
    let image = GrayImage::from_fn(size, size, |x, y| {
        let cover = coverage[(y * size + x) as usize];
        Luma([(paper + (ink - paper) * cover).round() as u8])
    });
    Some(rotate(&image, jitter.degrees, paper as u8))
}

/// Renders every character in every font, `samples` times each, into `out/<folder>/<font>_<n>.png`.
///
/// # Errors
/// When a font cannot be read, the configuration is empty, or a file cannot be written.
pub fn render_dataset(config: &RenderConfig, out: &Path) -> Result<RenderSummary> {
    if config.size < 8 {
        return Err(Error::Charset {
            chars: config.chars.iter().collect(),
            reason: format!(
                "image size {} is too small; use 8 pixels or more",
                config.size
            ),
        });
    }
    let fonts: Vec<(String, FontVec)> = config
        .fonts
        .iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "font".to_string());
            load_font(path).map(|font| (stem, font))
        })
        .collect::<Result<_>>()?;
    let mut summary = RenderSummary::default();
    for (char_index, &c) in config.chars.iter().enumerate() {
        let dir = out.join(folder_name_for_char(c));
        let mut wrote_any = false;
        for (font_index, (stem, font)) in fonts.iter().enumerate() {
            for sample in 0..config.samples {
                let mut rng = draw_rng(config.seed, font_index, char_index as u64, sample);
                let jitter = if sample == 0 {
                    Jitter::NONE
                } else {
                    Jitter::draw(&mut rng, config.size)
                };
                let Some(image) = render_glyph(font, c, config.size, jitter, config.invert) else {
                    summary.missing.push((config.fonts[font_index].clone(), c));
                    break;
                };
                if !wrote_any {
                    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
                        path: dir.clone(),
                        source,
                    })?;
                    wrote_any = true;
                }
                let path = dir.join(format!("{stem}_{sample:02}.png"));
                write_png(&image, &path)?;
                summary.images += 1;
            }
        }
        if wrote_any {
            summary.classes += 1;
        }
    }
    Ok(summary)
}

/// Writes a grey PNG with the strongest compression: fixtures are committed, so bytes count.
fn write_png(image: &GrayImage, path: &Path) -> Result<()> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, FilterType::Adaptive)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(|source| Error::Encode {
            path: path.to_path_buf(),
            source,
        })?;
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SANS: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    #[test]
    fn charsets_take_ranges_and_literals() {
        let digits: String = parse_charset("0-9").unwrap().into_iter().collect();
        assert_eq!(digits, "0123456789");
        assert_eq!(parse_charset("0-9a-zA-Z").unwrap().len(), 62);
        assert_eq!(parse_charset("ab-").unwrap(), vec!['a', 'b', '-']);
        assert_eq!(parse_charset("-ab").unwrap(), vec!['-', 'a', 'b']);
        assert_eq!(parse_charset("aab").unwrap(), vec!['a', 'b']);
        assert!(matches!(parse_charset("z-a"), Err(Error::Charset { .. })));
        assert!(matches!(parse_charset(" "), Err(Error::Charset { .. })));
    }

    #[test]
    fn renders_dark_ink_on_light_and_the_inverse() {
        let font = load_font(Path::new(SANS)).unwrap();
        let dark = render_glyph(&font, '8', 32, Jitter::NONE, false).unwrap();
        assert_eq!(dark.get_pixel(0, 0)[0], 255);
        assert!(dark.pixels().any(|p| p[0] < 40));
        let light = render_glyph(&font, '8', 32, Jitter::NONE, true).unwrap();
        assert_eq!(light.get_pixel(0, 0)[0], 0);
        for (a, b) in dark.pixels().zip(light.pixels()) {
            assert!((i16::from(a[0]) + i16::from(b[0]) - 255).abs() <= 1);
        }
    }

    #[test]
    fn a_missing_glyph_is_reported_not_drawn() {
        let font = load_font(Path::new(SANS)).unwrap();
        assert_eq!(
            render_glyph(&font, '\u{E000}', 32, Jitter::NONE, false),
            None
        );
    }

    #[test]
    fn a_file_that_is_not_a_font_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fake.ttf");
        std::fs::write(&path, b"not a font").unwrap();
        assert!(matches!(load_font(&path), Err(Error::Font { .. })));
    }

    #[test]
    fn the_same_seed_renders_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = RenderConfig {
            fonts: vec![PathBuf::from(SANS)],
            chars: vec!['a', 'A'],
            size: 24,
            samples: 3,
            seed: 9,
            invert: false,
        };
        let summary = render_dataset(&config, &dir.path().join("one")).unwrap();
        assert_eq!((summary.images, summary.classes), (6, 2));
        render_dataset(&config, &dir.path().join("two")).unwrap();
        for folder in ["a", "U+0041_A"] {
            for sample in 0..3 {
                let name = format!("{folder}/DejaVuSans_{sample:02}.png");
                let one = std::fs::read(dir.path().join("one").join(&name)).unwrap();
                let two = std::fs::read(dir.path().join("two").join(&name)).unwrap();
                assert_eq!(one, two, "{name}");
            }
        }
    }
}
