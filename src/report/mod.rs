//! The [`Report`] of a scan (serialisable, schema version 1) and one exporter per output format.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::dataset::Skipped;
use crate::error::{Error, Result};

pub mod html;
pub mod json;
pub mod markdown;
pub mod strip;
pub mod text;

/// The JSON schema version this crate writes.
pub const SCHEMA_VERSION: u32 = 1;

/// How bad a change rate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Below the caution threshold.
    Safe,
    /// At or above the caution threshold.
    Caution,
    /// At or above the unsafe threshold.
    Unsafe,
}

impl Verdict {
    /// The verdict's name as the reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::Caution => "caution",
            Verdict::Unsafe => "unsafe",
        }
    }
}

/// Change rates at which a class becomes caution and unsafe.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// Unsafe at or above this change rate.
    pub unsafe_at: f64,
    /// Caution at or above this change rate.
    pub caution_at: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            unsafe_at: 0.5,
            caution_at: 0.1,
        }
    }
}

impl Thresholds {
    /// The verdict for a change rate.
    pub fn verdict(&self, change_rate: f64) -> Verdict {
        if change_rate >= self.unsafe_at {
            Verdict::Unsafe
        } else if change_rate >= self.caution_at {
            Verdict::Caution
        } else {
            Verdict::Safe
        }
    }
}

/// Everything a scan found; every output format is written from this one value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The seed every random draw came from.
    pub seed: u64,
    /// Random transformations were drawn this many times per image.
    pub draws: u32,
    /// The thresholds the verdicts used.
    pub thresholds: Thresholds,
    /// What was read.
    pub dataset: DatasetSummary,
    /// The classifier and how well it does without any transformation.
    pub classifier: ClassifierSummary,
    /// The training pipeline scanned, when one was (`scan --pipeline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineSummary>,
    /// One entry per transformation, in the order they were given (with a pipeline: the
    /// whole pipeline first, then each of its components).
    pub transforms: Vec<TransformReport>,
}

/// A training pipeline read from a file, and what was made of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PipelineSummary {
    /// The file.
    pub file: String,
    /// `json` or `yaml`.
    pub format: crate::albumentations::Format,
    /// The Albumentations version that wrote it.
    pub albumentations_version: Option<String>,
    /// The same pipeline in augsafe's spec language, where it has one.
    pub spec: Option<String>,
    /// Its geometric transforms, each also evaluated on its own.
    pub components: Vec<ComponentSummary>,
    /// Photometric transforms: they move no ink and were passed through.
    pub passed_through: Vec<String>,
    /// Transforms augsafe does not model, left out.
    pub not_evaluated: Vec<NotEvaluated>,
    /// For each class the whole pipeline flags, the component that changes it most.
    pub blame: BTreeMap<String, Blame>,
}

/// One geometric transform of a pipeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentSummary {
    /// Where it sits, e.g. `Compose[0]/OneOf[1]/Rotate`.
    pub path: String,
    /// The Albumentations class.
    pub class: String,
    /// Its probability in the pipeline.
    pub p: f64,
    /// What augsafe applies, in its spec language (with the fill when not the background).
    pub spec: String,
    /// Where augsafe's version differs from Albumentations'.
    pub notes: Vec<String>,
    /// Its entry in `transforms` (evaluated on its own, every time).
    pub transform: usize,
}

/// A transform left out of the evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotEvaluated {
    /// The Albumentations class.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// The component that changes a class most.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Blame {
    /// Its path in the pipeline.
    pub component: String,
    /// Its change rate for the class, on its own.
    pub change_rate: f64,
}

/// Name and version of the tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// Always `augsafe`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// What was read from the dataset folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DatasetSummary {
    /// The folder, as given.
    pub root: String,
    /// Usable images.
    pub images: usize,
    /// Class labels, sorted.
    pub classes: Vec<String>,
    /// Image files that could not be used, with the reason.
    pub skipped: Vec<Skipped>,
    /// Files that are not images, ignored.
    pub ignored: usize,
    /// Class folders without a usable image.
    pub empty_classes: Vec<String>,
}

/// The classifier and its baseline on untransformed images.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassifierSummary {
    /// Always `template-ncc`.
    pub kind: String,
    /// Templates in all classes.
    pub templates: usize,
    /// How far ahead another class must score for a change to count.
    pub margin: f32,
    /// Leave-one-out accuracy on the untransformed images.
    pub baseline_accuracy: f64,
    /// The same per class.
    pub per_class_accuracy: BTreeMap<String, f64>,
    /// Which classes the classifier already mistakes for which at baseline.
    pub confusions: Vec<Pair>,
}

/// What one transformation does to the dataset.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TransformReport {
    /// The transformation in spec syntax.
    pub spec: String,
    /// Transformed samples judged (originals recognised at baseline, times draws).
    pub samples: usize,
    /// Samples that read as another class.
    pub changed: usize,
    /// Samples the classifier could not call (a near tie, a baseline confusion, or no ink left).
    pub uncertain: usize,
    /// `changed / samples`.
    pub change_rate: f64,
    /// The worst class's verdict.
    pub verdict: Verdict,
    /// Per class, in the order of the dataset's classes.
    pub classes: Vec<ClassReport>,
    /// Every from→to change, most frequent first.
    pub pairs: Vec<Pair>,
}

/// What one transformation does to one class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassReport {
    /// The class label.
    pub label: String,
    /// Transformed samples of this class that were judged.
    pub samples: usize,
    /// How many read as another class.
    pub changed: usize,
    /// How many the classifier could not call.
    pub uncertain: usize,
    /// `changed / samples` (0 when there are no samples).
    pub change_rate: f64,
    /// The verdict for this class.
    pub verdict: Verdict,
    /// The classes its changed samples read as, with counts.
    pub targets: BTreeMap<String, usize>,
}

/// A from→to count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pair {
    /// The true class.
    pub from: String,
    /// The class it read as.
    pub to: String,
    /// How many samples.
    pub count: usize,
    /// `count` over the samples of `from`.
    pub rate: f64,
}

/// Pairs as `B→8 3`, in their order.
pub fn pair_counts(pairs: &[Pair]) -> Vec<String> {
    pairs
        .iter()
        .map(|p| format!("{}→{} {}", p.from, p.to, p.count))
        .collect()
}

/// A rate as a percentage with one decimal, `12.5%`.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

impl TransformReport {
    /// `uncertain / samples` (0 when there are no samples).
    pub fn uncertain_rate(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            self.uncertain as f64 / self.samples as f64
        }
    }
}

impl Report {
    /// The worst verdict of any transformation (safe when there are none).
    pub fn worst_verdict(&self) -> Verdict {
        self.transforms
            .iter()
            .map(|t| t.verdict)
            .max()
            .unwrap_or(Verdict::Safe)
    }
}

/// A format a [`Report`] can be written in.
pub trait Exporter {
    /// The report rendered in this format.
    ///
    /// # Errors
    /// When the report cannot be serialised.
    fn render(&self, report: &Report) -> Result<Vec<u8>>;
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, then renamed.
/// A path that exists and is not a regular file (`/dev/null`, a pipe) is written in place:
/// renaming over it would replace the device.
///
/// # Errors
/// [`Error::Write`] when the file cannot be created, written or renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut file| file.write_all(bytes))
            .map_err(write_error);
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_leave_no_temporary_file_and_spare_devices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Writing to the null device must leave it a device.
        write_atomically(Path::new("/dev/null"), b"gone").unwrap();
        let null = std::fs::metadata("/dev/null").unwrap();
        assert!(!null.is_file(), "/dev/null was replaced by a file");
        assert!(write_atomically(&dir.path().join("missing/x.json"), b"x").is_err());
    }
}
