//! Using what a reader returns the way a scan does: a small glyph to transform, and drawing an
//! augmentation on it whole and in parts, each result put in canonical form. Shared by the
//! property tests (`arbitrary.rs`) and the fuzzing targets (`fuzz/`), which include this file.
#![allow(dead_code)]

use augsafe::{Augment, GlyphImage, Polarity};
use image::{GrayImage, Luma};
use rand_chacha::rand_core::SeedableRng;

/// A 12x12 ring of dark ink on white.
pub fn ring() -> GlyphImage {
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

/// Draws `augment` on [`ring`] a few times, and in parts, putting each result in canonical
/// form, and asks for its square permutation.
pub fn exercise(augment: &dyn Augment) {
    let glyph = ring();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..2 {
        let pixels = augment.augment(&glyph, &mut rng);
        let _ = augsafe::normalize(&glyph.with_pixels(pixels));
    }
    for part in augment.parts(3) {
        let pixels = part.part.augment(&glyph, &mut rng);
        let _ = augsafe::normalize(&glyph.with_pixels(pixels));
    }
    let _ = augment.square_permutation(12);
}

/// Reads a saved pipeline from arbitrary bytes; what is read is applied whole and component by
/// component, and written back as a spec.
pub fn pipeline(bytes: &[u8], format: augsafe::albumentations::Format) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let path = std::path::Path::new("arbitrary-pipeline");
    if let Ok(pipeline) = augsafe::albumentations::Pipeline::parse(text, format, path) {
        let _ = pipeline.to_spec(Some(255));
        let _ = pipeline.passed_through();
        exercise(&pipeline);
        for leaf in pipeline.leaves() {
            let _ = leaf.describe();
            exercise(leaf);
        }
    }
}

/// A file of these bytes in a folder of the process's own, for readers that take a path (the
/// fuzzing targets write one per input; the tests use temporary folders).
pub fn file_of(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("augsafe-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = std::fs::write(&path, bytes);
    path
}
