//! `augsafe._augsafe`: the Rust library behind the Python package. The Python side
//! (`python/augsafe/`) turns what a notebook holds (paths, NumPy arrays, PIL images, spec
//! strings) into plain bytes and strings; this module loads or builds the dataset, scans it
//! with the GIL released, and keeps the report and its example strips for rendering.

use std::path::{Path, PathBuf};

use augsafe::report::html::HtmlExporter;
use augsafe::report::json::JsonExporter;
use augsafe::report::markdown::MarkdownExporter;
use augsafe::report::text::TextExporter;
use augsafe::report::{Example, Exporter};
use augsafe::scan::{default_control, PAIRS_WITH_EXAMPLES};
use augsafe::{Dataset, Scan, ScanConfig, Transform};
use image::GrayImage;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    _augsafe,
    AugsafeError,
    PyValueError,
    "Raised for input augsafe cannot use: a bad spec, a dataset it cannot read, too few classes."
);

/// An error of the library as the Python exception, its message as the CLI prints it.
fn raise(err: impl std::fmt::Display) -> PyErr {
    AugsafeError::new_err(err.to_string())
}

/// A finished scan: the report and the example strips drawn from it.
#[pyclass(name = "NativeReport", module = "augsafe._augsafe", frozen)]
struct NativeReport {
    report: augsafe::Report,
    examples: Vec<Example>,
}

fn utf8(bytes: Vec<u8>) -> PyResult<String> {
    String::from_utf8(bytes).map_err(raise)
}

#[pymethods]
impl NativeReport {
    /// The report as JSON, in the schema the CLI's `--json` writes.
    fn json(&self) -> PyResult<String> {
        utf8(JsonExporter.render(&self.report).map_err(raise)?)
    }

    /// The report as GitHub-flavoured Markdown.
    fn markdown(&self) -> PyResult<String> {
        utf8(MarkdownExporter.render(&self.report).map_err(raise)?)
    }

    /// The report as the CLI's table, without colour.
    fn text(&self) -> PyResult<String> {
        utf8(
            TextExporter { color: false }
                .render(&self.report)
                .map_err(raise)?,
        )
    }

    /// The report as a self-contained HTML page with its example strips; `command` is shown
    /// as what reproduces it.
    fn html(&self, command: String) -> PyResult<String> {
        let exporter = HtmlExporter {
            examples: self.examples.clone(),
            command,
        };
        utf8(exporter.render(&self.report).map_err(raise)?)
    }
}

/// The scan's settings from the Python call's arguments.
fn config(
    transforms: &[String],
    seed: u64,
    draws: u32,
    control: Option<&str>,
) -> PyResult<ScanConfig> {
    let transforms = if transforms.is_empty() {
        augsafe::transform::default_set()
    } else {
        (transforms.iter())
            .map(|spec| {
                spec.parse::<Transform>()
                    .map_err(|err| raise(format!("transform {spec:?}: {err}")))
            })
            .collect::<PyResult<_>>()?
    };
    if draws == 0 {
        return Err(raise("draws must be at least 1"));
    }
    let control = match control {
        None => default_control(),
        Some("none") => None,
        Some(spec) => Some(
            spec.parse::<Transform>()
                .map_err(|err| raise(format!("control {spec:?}: {err}")))?,
        ),
    };
    Ok(ScanConfig {
        transforms,
        seed,
        draws,
        control,
        ..ScanConfig::default()
    })
}

/// Scans `dataset` with the GIL released and draws up to `examples` strips per flagged pair.
fn run(py: Python<'_>, dataset: &Dataset, config: &ScanConfig, examples: usize) -> NativeReport {
    py.detach(|| {
        let scan = Scan::run(dataset, config, None, &|_| {});
        let examples = scan.examples(examples, PAIRS_WITH_EXAMPLES);
        NativeReport {
            report: scan.into_report(),
            examples,
        }
    })
}

/// Reads a dataset from `path` as the CLI does: a folder (ImageFolder tree, or IDX files in
/// it) or a CSV manifest, and scans it.
#[pyfunction]
#[pyo3(signature = (path, transforms, seed, draws, control, examples))]
fn scan_path(
    py: Python<'_>,
    path: PathBuf,
    transforms: Vec<String>,
    seed: u64,
    draws: u32,
    control: Option<String>,
    examples: usize,
) -> PyResult<NativeReport> {
    let config = config(&transforms, seed, draws, control.as_deref())?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let dataset = py
        .detach(|| {
            if is_csv {
                Dataset::from_manifest(&path)
            } else {
                Dataset::load(&path)
            }
        })
        .map_err(raise)?;
    Ok(run(py, &dataset, &config, examples))
}

/// Scans images handed over in memory: each `(height, width, pixels)` of grey bytes, row after
/// row, labelled by the name at the same position of `labels`.
#[pyfunction]
#[pyo3(signature = (images, labels, transforms, seed, draws, control, examples))]
#[allow(clippy::too_many_arguments)]
fn scan_images(
    py: Python<'_>,
    images: Vec<(u32, u32, Vec<u8>)>,
    labels: Vec<String>,
    transforms: Vec<String>,
    seed: u64,
    draws: u32,
    control: Option<String>,
    examples: usize,
) -> PyResult<NativeReport> {
    if images.len() != labels.len() {
        return Err(raise(format!(
            "{} images but {} labels",
            images.len(),
            labels.len()
        )));
    }
    let config = config(&transforms, seed, draws, control.as_deref())?;
    let images = (images.into_iter().enumerate())
        .map(|(i, (height, width, pixels))| {
            GrayImage::from_raw(width, height, pixels).ok_or_else(|| {
                raise(format!(
                    "image {i}: its pixels do not fill {width}×{height}"
                ))
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let dataset = py
        .detach(|| Dataset::from_images(Path::new("<memory>"), "image", images, labels))
        .map_err(raise)?;
    Ok(run(py, &dataset, &config, examples))
}

/// The module.
#[pymodule]
fn _augsafe(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeReport>()?;
    m.add_function(wrap_pyfunction!(scan_path, m)?)?;
    m.add_function(wrap_pyfunction!(scan_images, m)?)?;
    m.add("AugsafeError", m.py().get_type::<AugsafeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
