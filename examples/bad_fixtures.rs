//! Builds `fixtures/bad/` and `fixtures/single_class/` from `fixtures/digits/`: the files a real
//! dataset folder holds besides clean glyphs (truncated, empty, mislabelled, blank, text) and the
//! odd but valid encodings (RGBA on transparent, 16-bit grey, palette, another size) that must
//! load. Run from anywhere with `cargo run --example bad_fixtures`; see `fixtures/README.md`.

use std::error::Error;
use std::fs;
use std::path::Path;

use image::imageops::{self, FilterType};
use image::{GrayImage, ImageBuffer, Luma, Rgba};

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

/// Good fixture images copied unchanged, one per font, so each class has clean templates.
const GOOD: [&str; 3] = [
    "DejaVuSans_00.png",
    "DejaVuSerif_00.png",
    "DejaVuSansMono_00.png",
];

fn main() -> Result {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let digits = fixtures.join("digits");
    let bad = fixtures.join("bad");
    let single = fixtures.join("single_class");
    for dir in [&bad, &single] {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
    }
    let six = bad.join("6");
    let nine = bad.join("9");
    let seven = single.join("7");
    for dir in [&six, &nine, &seven, &bad.join("empty_class")] {
        fs::create_dir_all(dir)?;
    }

    for name in GOOD {
        copy(&digits.join("6").join(name), &six.join(name))?;
        copy(&digits.join("9").join(name), &nine.join(name))?;
    }
    for name in &GOOD[..2] {
        copy(&digits.join("7").join(name), &seven.join(name))?;
    }

    // Unreadable: each must be skipped with a reason, the rest of the folder still used.
    let valid = fs::read(digits.join("6/DejaVuSans_01.png"))?;
    fs::write(six.join("truncated.png"), &valid[..valid.len() / 2])?;
    fs::write(six.join("zero_byte.png"), [])?;
    fs::write(
        nine.join("not_an_image.png"),
        "This is a text file with a .png name.\n\
         A dataset folder collects such things: notes saved under the wrong name,\n\
         an HTML error page downloaded in place of an image.\n",
    )?;
    GrayImage::from_pixel(32, 32, Luma([255])).save(six.join("blank.png"))?;

    // Not images at all: ignored and counted.
    fs::write(
        nine.join("notes.txt"),
        "Not an image: augsafe ignores this file and counts it.\n",
    )?;
    fs::write(bad.join("empty_class/.gitkeep"), "")?;

    // Odd encodings that must load.
    let grey = |class: &str, name: &str| -> Result<GrayImage> {
        Ok(image::open(digits.join(class).join(name))?.to_luma8())
    };

    // Black ink whose alpha is the ink coverage, on a fully transparent background.
    let source = grey("6", "DejaVuSerif_01.png")?;
    let rgba = ImageBuffer::from_fn(source.width(), source.height(), |x, y| {
        Rgba([0u8, 0, 0, 255 - source.get_pixel(x, y)[0]])
    });
    rgba.save(six.join("rgba_on_transparent.png"))?;

    let source = grey("9", "DejaVuSans_01.png")?;
    let wide: ImageBuffer<Luma<u16>, Vec<u16>> =
        ImageBuffer::from_fn(source.width(), source.height(), |x, y| {
            Luma([u16::from(source.get_pixel(x, y)[0]) * 257])
        });
    wide.save(nine.join("grey16.png"))?;

    write_palette_png(
        &grey("6", "DejaVuSansMono_01.png")?,
        &six.join("palette.png"),
    )?;

    let source = grey("9", "DejaVuSerif_01.png")?;
    imageops::resize(&source, 64, 64, FilterType::Triangle).save(nine.join("other_size.png"))?;

    println!("wrote {} and {}", bad.display(), single.display());
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::write(to, fs::read(from)?)?;
    Ok(())
}

/// `image` writes no indexed PNG, so the `png` crate does: one palette entry per grey level used.
fn write_palette_png(image: &GrayImage, path: &Path) -> Result {
    let mut levels: Vec<u8> = image.pixels().map(|p| p[0]).collect();
    levels.sort_unstable();
    levels.dedup();
    let palette: Vec<u8> = levels.iter().flat_map(|&v| [v, v, v]).collect();
    let indices: Vec<u8> = image
        .pixels()
        .map(|p| levels.binary_search(&p[0]).map_or(0, |i| i as u8))
        .collect();

    let file = fs::File::create(path)?;
    let mut encoder =
        png::Encoder::new(std::io::BufWriter::new(file), image.width(), image.height());
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&indices)?;
    writer.finish()?;
    Ok(())
}
