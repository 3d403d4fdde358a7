//! A dataset from images already in memory, labelled by name: what an IDX pair becomes once
//! read, and what the Python package hands over from NumPy arrays or PIL images.

use std::path::{Path, PathBuf};

use image::GrayImage;
use rayon::prelude::*;

use super::{assemble, Dataset, Origin};
use crate::error::Result;
use crate::glyph::GlyphImage;

impl Dataset {
    /// A dataset of `images`, each labelled by the name at the same position of `labels` (the
    /// shorter list decides how many are read). Each image is known as `NAME#INDEX` in reports
    /// (`NAME#0042`), `root` is where the report says it came from. An image with too little
    /// contrast to hold a glyph is skipped and reported, as a file would be.
    ///
    /// # Errors
    /// [`crate::Error::NotEnoughData`] with fewer than two classes.
    pub fn from_images(
        root: &Path,
        name: &str,
        images: Vec<GrayImage>,
        labels: Vec<String>,
    ) -> Result<Dataset> {
        Dataset::from_labelled(root, name, images, labels, Origin::Memory)
    }

    /// [`Dataset::from_images`] for a source of kind `origin`, which says what to do when
    /// there are too few classes.
    pub(super) fn from_labelled(
        root: &Path,
        name: &str,
        images: Vec<GrayImage>,
        labels: Vec<String>,
        origin: Origin,
    ) -> Result<Dataset> {
        let width = images.len().to_string().len();
        let decoded: super::Decoded = images
            .into_par_iter()
            .zip(labels.into_par_iter())
            .enumerate()
            .map(|(i, (image, label))| {
                let path = PathBuf::from(format!("{name}#{i:0width$}"));
                (label, path, GlyphImage::load_grey(image))
            })
            .collect();
        assemble(root, decoded, Vec::new(), origin, Vec::new(), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A 12x12 light image with a dark bar, across or down.
    fn bar(down: bool) -> GrayImage {
        GrayImage::from_fn(12, 12, |x, y| {
            let on = if down {
                x == 5 || x == 6
            } else {
                y == 5 || y == 6
            };
            Luma([if on { 10 } else { 240 }])
        })
    }

    #[test]
    fn images_in_memory_become_a_dataset_by_label_name() {
        let images = vec![bar(false), bar(true), bar(false), GrayImage::new(12, 12)];
        let labels = ["minus", "pipe", "minus", "pipe"]
            .map(String::from)
            .to_vec();
        let dataset = Dataset::from_images(Path::new("memory"), "images", images, labels).unwrap();
        assert_eq!(dataset.classes, ["minus", "pipe"]);
        assert_eq!(dataset.class_counts(), [2, 1]);
        // The blank image holds no glyph: skipped, named by its position.
        assert_eq!(dataset.skipped.len(), 1);
        assert_eq!(dataset.skipped[0].path, Path::new("images#3"));
        let one_class = Dataset::from_images(
            Path::new("memory"),
            "images",
            vec![bar(false), bar(false)],
            vec!["minus".into(), "minus".into()],
        );
        assert!(one_class
            .unwrap_err()
            .to_string()
            .contains("at least two different labels"));
    }
}
