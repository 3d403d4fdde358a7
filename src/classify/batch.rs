//! Glyphs gathered for scoring together: their features and 8-bit values, row by row.

use super::*;

/// One glyph to judge: its row in a [`GlyphBatch`] (`None`: the transformation left no ink),
/// the training sample it was made from (taken out of its own template), and its true class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Query {
    /// Its row in the batch, `None` when there was no glyph to add.
    pub row: Option<usize>,
    /// The training sample it comes from, if any: taken out of its own template.
    pub sample: Option<usize>,
    /// The correlation of that sample's features with this glyph's (see
    /// [`correlation`](super::correlation)): 1 for the sample itself, less for a transformation
    /// of it; unused without a sample.
    pub overlap: f32,
    /// Its true class.
    pub label: usize,
}

/// Canonical glyphs gathered for scoring together: their features, exact and in 8 bits.
/// Reused from batch to batch without allocating again.
#[derive(Debug, Default)]
pub struct GlyphBatch {
    /// Values per glyph.
    pub(super) dim: usize,
    /// Bytes per glyph row of `quantized` (`dim` rounded up to a multiple of four).
    pub(super) stride: usize,
    /// Each glyph's features, `dim` each.
    pub(super) features: Vec<f32>,
    /// Each glyph's 8-bit values, `stride` each.
    pub(super) quantized: Vec<i8>,
    /// How to read each glyph's 8-bit values back; `None` for a glyph without ink or contrast.
    pub(super) info: Vec<Option<QuantizedGlyph>>,
    /// A buffer for [`GlyphBatch::push_image`].
    pixels: Vec<f32>,
}

impl GlyphBatch {
    /// An empty batch.
    pub fn new() -> GlyphBatch {
        GlyphBatch::default()
    }

    /// Empties the batch, keeping its memory.
    pub fn clear(&mut self) {
        // The buffers keep their length (and contents): rows are written over, and only the
        // first `len()` are read, so nothing is zeroed again for every glyph.
        self.info.clear();
    }

    /// Glyphs in the batch.
    pub fn len(&self) -> usize {
        self.info.len()
    }

    /// Whether the batch holds no glyph.
    pub fn is_empty(&self) -> bool {
        self.info.is_empty()
    }

    /// Brings an image into `form` (a classifier's [`TemplateClassifier::form`]) and adds its
    /// glyph; its row, or `None` when it has no ink.
    ///
    /// [`TemplateClassifier::form`]: super::TemplateClassifier::form
    pub fn push_image(&mut self, glyph: &GlyphImage, form: Form) -> Option<usize> {
        let mut pixels = std::mem::take(&mut self.pixels);
        pixels.resize(form.dim(), 0.0);
        let row = canonical_into(glyph, form, &mut pixels).then(|| self.push_pixels(&pixels));
        self.pixels = pixels;
        row
    }

    /// The features of the glyph in `row` (see
    /// [`Canonical::features`](crate::normalize::Canonical::features)).
    pub fn features(&self, row: usize) -> &[f32] {
        self.features
            .get(row * self.dim..(row + 1) * self.dim)
            .unwrap_or(&[])
    }

    /// Adds a glyph in canonical form (see
    /// [`Canonical::pixels`](crate::normalize::Canonical::pixels)); its row.
    pub fn push_pixels(&mut self, pixels: &[f32]) -> usize {
        let dim = pixels.len();
        if self.is_empty() {
            self.dim = dim;
            self.stride = dim.div_ceil(4) * 4;
        }
        let row = self.info.len();
        let (features, values) = (
            row * self.dim..(row + 1) * self.dim,
            row * self.stride..(row + 1) * self.stride,
        );
        if self.features.len() < features.end {
            self.features.resize(features.end, 0.0);
        }
        if self.quantized.len() < values.end {
            self.quantized.resize(values.end, 0);
        }
        let info = if dim == self.dim {
            let values = &mut self.quantized[values.start..values.start + dim];
            features_and_values(pixels, &mut self.features[features], values)
        } else {
            self.features[features].fill(0.0);
            self.quantized[values].fill(0);
            None
        };
        self.info.push(info);
        self.info.len() - 1
    }
}
