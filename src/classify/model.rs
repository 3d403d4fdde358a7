//! The user's own recogniser as the judge: an ONNX model run by tract (pure Rust), fed glyph
//! images the way models are exported to take them, its outputs read as class probabilities.
//!
//! The model is given as trained: nothing about it is learnt from the dataset. What augsafe
//! needs to know it reads from the model (the input's shape: N×1×H×W, N×H×W×1, N×H×W or
//! N×(H·W) for a square H) or is told ([`ModelOptions`]: which way round the ink is, a mean and
//! standard deviation, EMNIST's transposed images, the names of the outputs).
//!
//! The runtime (tract) is the `onnx` feature: it is heavy to build (six minutes of a cold
//! release build on 2 cores), so a default build has the types a report needs and no runtime.

use std::path::PathBuf;

use serde::Serialize;

#[cfg(feature = "onnx")]
mod runtime;
#[cfg(feature = "onnx")]
pub use runtime::ModelJudge;

/// Glyphs run through the model together, unless the model fixes its own batch size.
pub const MODEL_BATCH: usize = 64;

/// Which way round the model wants the ink.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ink {
    /// Light ink on a dark background, as MNIST and the models trained on it take it.
    #[default]
    Bright,
    /// Dark ink on a light background.
    Dark,
    /// Each image as it is stored.
    AsStored,
}

/// How the model's input is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// N×1×H×W (PyTorch).
    Nchw,
    /// N×H×W×1 (Keras).
    Nhwc,
    /// N×H×W.
    Nhw,
    /// N×(H·W): the image flattened row by row.
    Flat,
}

/// What the model cannot be told by its own file.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelOptions {
    /// Which way round the model wants the ink.
    pub ink: Ink,
    /// Subtracted from each pixel once scaled to 0..1.
    pub mean: f32,
    /// Each pixel, scaled and less the mean, is divided by it.
    pub std: f32,
    /// The model was trained on images stored transposed (EMNIST's files, read as stored).
    pub transpose: bool,
    /// A file naming the model's outputs, one name per line in output order; without it, the
    /// outputs are the dataset's classes in its order.
    pub labels: Option<PathBuf>,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            ink: Ink::Bright,
            mean: 0.0,
            std: 1.0,
            transpose: false,
            labels: None,
        }
    }
}

/// What the report says of the model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelSummary {
    /// The model file.
    pub file: String,
    /// The input's shape as run, batch first.
    pub input_shape: Vec<usize>,
    /// How the input is laid out.
    pub layout: Layout,
    /// Which way round the ink was fed.
    pub ink: Ink,
    /// The mean and standard deviation applied after scaling to 0..1.
    pub mean: f32,
    /// See `mean`.
    pub std: f32,
    /// Whether images were transposed for it.
    pub transpose: bool,
    /// How many outputs it has.
    pub outputs: usize,
    /// The dataset's classes none of its outputs names: never judged.
    pub unnamed_classes: Vec<String>,
    /// Its outputs that name no class of the dataset: left out when it is read.
    pub extra_outputs: Vec<String>,
}
