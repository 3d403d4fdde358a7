//! What the targets share: a small glyph to transform, and running an augmentation on it and
//! judging the result the way a scan does.
#![allow(dead_code)]

use augsafe::{Augment, GlyphImage, Polarity};
use image::{GrayImage, Luma};
use rand_chacha::rand_core::SeedableRng;

/// A 12x12 ring of dark ink on white.
pub fn glyph() -> GlyphImage {
    let pixels = GrayImage::from_fn(12, 12, |x, y| {
        let (dx, dy) = (x as i32 - 6, y as i32 - 6);
        Luma([if (9..=25).contains(&(dx * dx + dy * dy)) {
            0
        } else {
            255
        }])
    });
    GlyphImage::new(pixels, 255, Polarity::DarkOnLight)
}

/// Draws `augment` a few times, and in parts, and puts each result in canonical form.
pub fn exercise(augment: &dyn Augment) {
    let glyph = glyph();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..3 {
        let pixels = augment.augment(&glyph, &mut rng);
        let _ = augsafe::normalize(&glyph.with_pixels(pixels));
    }
    for part in augment.parts(3) {
        let pixels = part.part.augment(&glyph, &mut rng);
        let _ = augsafe::normalize(&glyph.with_pixels(pixels));
    }
    let _ = augment.square_permutation(12);
}

/// A file of these bytes in a folder of the process's own, for readers that take a path.
pub fn file_of(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("augsafe-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = std::fs::write(&path, bytes);
    path
}
