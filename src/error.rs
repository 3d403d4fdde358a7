//! The library's error type: every variant that concerns a file names it.

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// An image could not be encoded.
    #[error("cannot encode {}", path.display())]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// What the encoder said.
        source: image::ImageError,
    },
    /// The dataset holds too little to evaluate anything.
    #[error("cannot scan {}: {found}", root.display())]
    NotEnoughData {
        /// The dataset folder.
        root: PathBuf,
        /// What was found there, in words.
        found: String,
    },
    /// A transformation spec could not be parsed.
    #[error("bad transformation '{spec}': {reason}")]
    Spec {
        /// The part of the spec that is wrong.
        spec: String,
        /// What was expected instead.
        reason: String,
    },
    /// A sweep's parameter or range could not be used.
    #[error("bad sweep '{sweep}': {reason}")]
    Sweep {
        /// The parameter or range as given.
        sweep: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A pipeline document could not be written as YAML.
    #[error("cannot write the pipeline as YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    /// A font could not be used for rendering.
    #[error("font {}: {reason}", path.display())]
    Font {
        /// The font file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A character set could not be parsed.
    #[error("bad character set '{chars}': {reason}")]
    Charset {
        /// The character set as given.
        chars: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An augmentation pipeline file could not be used.
    #[error("{}: {}{}{reason}", path.display(), if transform.is_empty() { String::new() } else { format!("{transform}: ") }, if field.is_empty() { String::new() } else { format!("field '{field}': ") })]
    Pipeline {
        /// The pipeline file.
        path: PathBuf,
        /// The transform at fault (empty when the file as a whole is).
        transform: String,
        /// The field at fault (empty when the transform as a whole is).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// An IDX file (MNIST's format) could not be used.
    #[error("{}: {reason}", path.display())]
    Idx {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A row of a CSV manifest could not be used.
    #[error("{} line {line}: {reason}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A dataset file (a pixel CSV, a NumPy array, a GNT file) cannot be used.
    #[error("{}: {reason}", path.display())]
    Data {
        /// The file, or the folder of files.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A model given as the judge cannot be used.
    #[error("model {}: {reason}", path.display())]
    Model {
        /// The model, or its label list.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The caller asked the work to stop before its end ([`crate::progress::Progress::stopped`]);
    /// nothing computed on part of the data is returned.
    #[error("stopped before the end, as asked")]
    Stopped,
    /// The report could not be serialised.
    #[error("cannot serialise the report: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
