//! Example strips: the original, the transformed image, what the judge saw, and the template
//! it matched (the template judge's), side by side, upscaled with crisp pixels.

use image::imageops::{self, FilterType};
use image::{GrayImage, Luma};

use super::Example;
use crate::error::{Error, Result};

/// Side of each panel before upscaling, in pixels.
const PANEL: u32 = 32;
/// Gap between panels, in pixels before upscaling.
const GAP: u32 = 2;

/// The panels of an example (four, or three without a template) in one grey image, each
/// `PANEL` pixels square, scaled up `scale` times by pixel repetition.
pub fn strip(example: &Example, scale: u32) -> GrayImage {
    let show = |image: &GrayImage, ink_bright: bool| -> GrayImage {
        let mut panel = if image.dimensions() == (PANEL, PANEL) {
            image.clone()
        } else {
            imageops::resize(image, PANEL, PANEL, FilterType::Triangle)
        };
        // The canonical form and the template are ink-bright; show them the way round the
        // original is, so the four panels read alike.
        if ink_bright && example.dark_on_light {
            imageops::invert(&mut panel);
        }
        panel
    };
    let mut panels = vec![
        show(&example.original, false),
        show(&example.transformed, false),
        show(&example.canonical, true),
    ];
    if let Some(template) = &example.template {
        panels.push(show(template, true));
    }
    let width = PANEL * panels.len() as u32 + GAP * (panels.len() as u32 - 1);
    let mut out = GrayImage::from_pixel(width, PANEL, Luma([128]));
    for (i, panel) in panels.iter().enumerate() {
        imageops::replace(&mut out, panel, i64::from(i as u32 * (PANEL + GAP)), 0);
    }
    let scale = scale.max(1);
    if scale == 1 {
        out
    } else {
        imageops::resize(&out, width * scale, PANEL * scale, FilterType::Nearest)
    }
}

/// A grey image as PNG bytes.
///
/// # Errors
/// [`Error::Encode`] if encoding fails.
pub fn png_bytes(image: &GrayImage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|source| Error::Encode {
            path: "example strip".into(),
            source,
        })?;
    Ok(bytes)
}

/// The most of a label's encoded form a strip's file name keeps.
const MAX_LABEL_BYTES: usize = 60;

/// A file name for an example strip, unique within a report: transformation index, classes
/// (in their folder-safe form, long ones cut; `none` for a destroyed glyph), glyph and draw.
pub fn file_name(example: &Example, classes: &[String]) -> String {
    let safe = |label: &str| -> String {
        label
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() || c.is_ascii_digit() {
                    c.to_string()
                } else {
                    format!("U{:04X}", u32::from(c))
                }
            })
            .collect()
    };
    // Cut long names (every byte is ASCII here): transformation, glyph and draw keep the name
    // unique, and two labels must fit a file system's 255-byte names.
    let label = |i: usize| {
        let mut name = classes.get(i).map_or_else(|| i.to_string(), |l| safe(l));
        if name.len() > MAX_LABEL_BYTES {
            name.truncate(MAX_LABEL_BYTES);
            name.push('~');
        }
        name
    };
    format!(
        "t{:02}_{}_to_{}_g{:05}_d{}.png",
        example.transform,
        label(example.from),
        if example.destroyed {
            "none".to_string()
        } else {
            label(example.to)
        },
        example.glyph,
        example.draw
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(dark_on_light: bool) -> Example {
        Example {
            transform: 3,
            from: 0,
            to: 1,
            destroyed: false,
            glyph: 17,
            draw: 2,
            original: GrayImage::from_pixel(32, 32, Luma([250])),
            transformed: GrayImage::from_pixel(20, 32, Luma([240])),
            canonical: GrayImage::from_pixel(32, 32, Luma([0])),
            template: Some(GrayImage::from_pixel(32, 32, Luma([10]))),
            dark_on_light,
        }
    }

    #[test]
    fn four_panels_side_by_side_upscaled_crisply() {
        let strip = strip(&example(true), 3);
        assert_eq!(strip.dimensions(), ((32 * 4 + 2 * 3) * 3, 32 * 3));
        // Panel 2 (canonical, ink-bright 0) is inverted to match the light original.
        assert_eq!(strip.get_pixel((34 * 2 + 5) * 3, 10)[0], 255);
        assert_eq!(strip.get_pixel((34 * 3 + 5) * 3, 10)[0], 245);
        // The gap stays mid-grey and nearest-neighbour scaling invents no new levels.
        assert_eq!(strip.get_pixel(33 * 3, 0)[0], 128);
        let levels: std::collections::BTreeSet<u8> = strip.pixels().map(|p| p[0]).collect();
        assert_eq!(levels.len(), 5, "{levels:?}");
        let light = self::strip(&example(false), 1);
        assert_eq!(light.get_pixel(34 * 2 + 5, 10)[0], 0);
        // A model's example has no template: three panels.
        let model = Example {
            template: None,
            ..example(true)
        };
        assert_eq!(
            self::strip(&model, 2).dimensions(),
            ((32 * 3 + 2 * 2) * 2, 64)
        );
    }

    #[test]
    fn file_names_keep_case_apart_and_encode_to_png() {
        let classes = vec!["a".to_string(), "A".to_string()];
        assert_eq!(
            file_name(&example(true), &classes),
            "t03_a_to_U0041_g00017_d2.png"
        );
        let destroyed = Example {
            destroyed: true,
            ..example(true)
        };
        assert_eq!(
            file_name(&destroyed, &classes),
            "t03_a_to_none_g00017_d2.png"
        );
        let bytes = png_bytes(&strip(&example(true), 1)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        // A label of a thousand characters still makes a name a file system takes.
        let long = vec!["a".repeat(1000), "Ω".repeat(1000)];
        let name = file_name(&example(true), &long);
        assert!(name.len() < 160, "{} bytes: {name}", name.len());
        assert!(
            name.starts_with(&format!("t03_{}~_to_", "a".repeat(60))),
            "{name}"
        );
        assert!(name.ends_with("~_g00017_d2.png"), "{name}");
    }
}
