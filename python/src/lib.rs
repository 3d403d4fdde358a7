//! `augsafe._augsafe`: the Rust library behind the Python package. The Python side
//! (`python/augsafe/`) turns what a notebook holds (paths, NumPy arrays, PIL images, spec
//! strings) into plain bytes and strings; this module loads or builds the dataset, scans it
//! with the GIL released, and keeps the report and its example strips for rendering.

mod watch;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use augsafe::albumentations::{write_document, Format, Pipeline};
use augsafe::classify::model::{Ink, ModelOptions};
use augsafe::dataset::OpenOptions;
use augsafe::progress::Part;
use augsafe::recommend::{component_count, recommend as recommend_pipeline};
use augsafe::report::html::HtmlExporter;
use augsafe::report::json::JsonExporter;
use augsafe::report::markdown::MarkdownExporter;
use augsafe::report::policy::PolicyExporter;
use augsafe::report::svg::SvgExporter;
use augsafe::report::text::TextExporter;
use augsafe::report::{Example, Exporter, Recommendation, SweepReport};
use augsafe::scan::{default_control, scan_judged, Judge, PAIRS_WITH_EXAMPLES};
use augsafe::sweep::{sweep as sweep_op, sweep_values, SweepOp};
use augsafe::{Augment, Dataset, GlyphImage, Scan, ScanConfig, Transform};
use image::GrayImage;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use watch::{watched, Watch};

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

/// `report` rendered by `exporter`, as text.
fn render<R>(exporter: &impl Exporter<R>, report: &R) -> PyResult<String> {
    String::from_utf8(exporter.render(report).map_err(raise)?).map_err(raise)
}

/// The terminal table without colour.
const PLAIN: TextExporter = TextExporter { color: false };

#[pymethods]
impl NativeReport {
    /// The report as JSON, in the schema the CLI's `--json` writes.
    fn json(&self) -> PyResult<String> {
        render(&JsonExporter, &self.report)
    }

    /// The report as GitHub-flavoured Markdown.
    fn markdown(&self) -> PyResult<String> {
        render(&MarkdownExporter, &self.report)
    }

    /// The report as the CLI's table, without colour.
    fn text(&self) -> PyResult<String> {
        render(&PLAIN, &self.report)
    }

    /// The report as a self-contained HTML page with its example strips; `command` is shown
    /// as what reproduces it.
    fn html(&self, command: String) -> PyResult<String> {
        let exporter = HtmlExporter {
            examples: self.examples.clone(),
            command,
        };
        render(&exporter, &self.report)
    }
}

/// One item of the Python call's `transforms`: a spec, or a Python callable (its report label,
/// the package's wrapper around it, called as `wrapper(pixels, height, width, seed)` and
/// returning `(height, width, pixels)`, and whether it draws at random).
#[derive(FromPyObject)]
enum Item {
    Spec(String),
    Callable(String, Py<PyAny>, bool),
}

/// Taken by an engine thread before it calls into Python (see [`PyAugment::call`]).
static PYTHON_CALLS: Mutex<()> = Mutex::new(());

/// A Python callable as an augmentation: called for every draw with a seed drawn from the
/// draw's own stream, under the GIL. The first exception it raises is kept and ends the scan
/// as an error; later draws return the glyph unchanged without calling it again, as do draws
/// after the scan was asked to stop.
struct PyAugment {
    label: String,
    wrapper: Py<PyAny>,
    /// Whether it gives other images under other seeds (drawn `draws` times, else once).
    random: bool,
    failure: Mutex<Option<String>>,
    /// Set when the scan is asked to stop.
    stop: Arc<AtomicBool>,
}

impl PyAugment {
    fn call(&self, glyph: &GlyphImage, seed: u64) -> PyResult<GrayImage> {
        // One engine thread at a time asks for the GIL: Python runs one call at a time
        // anyway, and threads that queue here rather than on the GIL do not make the one that
        // holds it hand it over mid-call (two threads calling were twice as slow as one).
        let _turn = PYTHON_CALLS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Python::attach(|py| {
            let pixels = PyBytes::new(py, glyph.pixels.as_raw());
            let (height, width) = (glyph.pixels.height(), glyph.pixels.width());
            let returned = self.wrapper.call1(py, (pixels, height, width, seed))?;
            let (height, width, pixels): (u32, u32, Bound<'_, PyBytes>) = returned.extract(py)?;
            GrayImage::from_raw(width, height, pixels.as_bytes().to_vec()).ok_or_else(|| {
                PyValueError::new_err(format!("its pixels do not fill {width}×{height}"))
            })
        })
    }

    /// The failure kept, if the callable raised.
    fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }
}

impl Augment for PyAugment {
    fn augment(&self, glyph: &GlyphImage, rng: &mut ChaCha8Rng) -> GrayImage {
        let seed = rng.next_u64();
        if self.stop.load(Ordering::Relaxed) || self.failure().is_some() {
            return glyph.pixels.clone();
        }
        match self.call(glyph, seed) {
            Ok(image) => image,
            Err(err) => {
                if let Ok(mut failure) = self.failure.lock() {
                    failure.get_or_insert_with(|| err.to_string());
                }
                glyph.pixels.clone()
            }
        }
    }

    fn is_random(&self) -> bool {
        self.random
    }

    fn stream(&self) -> u64 {
        augsafe::rng::stream_of(&self.label)
    }
}

/// What an item becomes: a transformation, or the callable's augmentation.
enum Owned {
    Spec(Transform),
    Callable(PyAugment),
}

impl Owned {
    fn augment(&self) -> &dyn Augment {
        match self {
            Owned::Spec(transform) => transform,
            Owned::Callable(callable) => callable,
        }
    }

    /// For a callable that raised, what it raised.
    fn failure(&self) -> Option<String> {
        match self {
            Owned::Spec(_) => None,
            Owned::Callable(callable) => callable.failure(),
        }
    }
}

/// An Albumentations object's own serialisation (`name`, and the JSON of its `to_dict`) read
/// as the CLI reads a saved pipeline.
fn pipeline(albumentations: Option<(String, String)>) -> PyResult<Option<Pipeline>> {
    albumentations
        .map(|(name, json)| Pipeline::parse(&json, Format::Json, Path::new(&name)).map_err(raise))
        .transpose()
}

/// The judging settings from the Python call's arguments, with no transformation of their own
/// (what a sweep and a recommendation take).
fn judging(seed: u64, draws: u32, control: Option<&str>) -> PyResult<ScanConfig> {
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
        transforms: Vec::new(),
        seed,
        draws,
        control,
        ..ScanConfig::default()
    })
}

/// The augmentations a scan's items become, in their order; callables stop calling into
/// Python once `watch` is asked to stop.
fn augments(items: Vec<Item>, watch: &Watch) -> PyResult<Vec<(String, Owned)>> {
    (items.into_iter())
        .map(|item| {
            Ok(match item {
                Item::Spec(spec) => {
                    let transform = spec
                        .parse::<Transform>()
                        .map_err(|err| raise(format!("transform {spec:?}: {err}")))?;
                    (transform.to_string(), Owned::Spec(transform))
                }
                Item::Callable(label, wrapper, random) => (
                    label.clone(),
                    Owned::Callable(PyAugment {
                        label,
                        wrapper,
                        random,
                        failure: Mutex::new(None),
                        stop: watch.stop_flag(),
                    }),
                ),
            })
        })
        .collect()
}

/// The user's own ONNX model as the judge, as `augsafe.Model` describes it: its file, which
/// way round it wants the ink (`bright`, `dark`, `as-stored`), the mean and deviation it was
/// normalised with, whether it reads glyphs transposed, its label file, and the margin a
/// change must win by.
#[derive(FromPyObject)]
struct ModelSpec(
    PathBuf,
    String,
    f32,
    f32,
    bool,
    Option<PathBuf>,
    // Read only by the model judge, which a build without it refuses first.
    #[cfg_attr(not(feature = "onnx"), allow(dead_code))] f32,
);

impl ModelSpec {
    /// What the model cannot be told by its own file.
    fn options(&self) -> augsafe::Result<ModelOptions> {
        let ink = match self.1.as_str() {
            "bright" => Ink::Bright,
            "dark" => Ink::Dark,
            "as-stored" => Ink::AsStored,
            other => {
                return Err(augsafe::Error::Model {
                    path: self.0.clone(),
                    reason: format!("ink {other:?}: bright, dark or as-stored"),
                })
            }
        };
        Ok(ModelOptions {
            ink,
            mean: self.2,
            std: self.3,
            transpose: self.4,
            labels: self.5.clone(),
        })
    }

    /// The model as the judge of `dataset`, its reading of the untransformed glyphs taken.
    #[cfg(feature = "onnx")]
    fn judge(&self, dataset: &Dataset) -> augsafe::Result<Judge> {
        let model = augsafe::classify::model::ModelJudge::load(
            &self.0,
            &dataset.classes,
            &self.options()?,
        )?;
        Judge::model(dataset, model, self.6)
    }

    /// Built without the model judge: an error that says how to get it.
    #[cfg(not(feature = "onnx"))]
    fn judge(&self, _dataset: &Dataset) -> augsafe::Result<Judge> {
        self.options()?;
        Err(augsafe::Error::Model {
            path: self.0.clone(),
            reason: "this augsafe was built without the model judge; install it with \
                     `MATURIN_PEP517_ARGS=\"--features onnx\" pip install .` in a clone"
                .to_string(),
        })
    }
}

/// The judge of a sweep or a recommendation: the model given, else the templates.
fn judge_of(
    dataset: &Dataset,
    config: &ScanConfig,
    model: Option<&ModelSpec>,
) -> augsafe::Result<Judge> {
    match model {
        Some(model) => model.judge(dataset),
        None => Ok(Judge::templates(dataset, config)),
    }
}

/// Scans `dataset` with the GIL released (with an Albumentations `pipeline` first, as the CLI
/// scans one) and draws up to `examples` strips per flagged pair, `progress(images, total)`
/// told as it goes; Ctrl-C stops it. With a `model`, the model judges (and the templates
/// beside it when `templates_too`, each transformation's agreement reported). A Python
/// callable that raised ends it as an error naming the callable.
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    dataset: &Dataset,
    config: &ScanConfig,
    pipeline: Option<&Pipeline>,
    augments: &[(String, Owned)],
    (model, templates_too): (Option<&ModelSpec>, bool),
    examples: usize,
    watch: &Watch,
    progress: Option<&Py<PyAny>>,
) -> PyResult<NativeReport> {
    let extra: Vec<(String, &dyn Augment)> = (augments.iter())
        .map(|(label, owned)| (label.clone(), owned.augment()))
        .collect();
    let images = dataset.glyphs.len() as u64;
    let both = model.is_some() && templates_too;
    let total = if both { 2 * images } else { images };
    let counts = (examples, PAIRS_WITH_EXAMPLES);
    let scanned = watched(py, watch, total, progress, |watch| {
        let Some(model) = model else {
            let scan = Scan::run_with(dataset, config, pipeline, &extra, watch)?;
            let examples = scan.examples(examples, PAIRS_WITH_EXAMPLES);
            return Ok(NativeReport {
                report: scan.into_report(),
                examples,
            });
        };
        let judge = model.judge(dataset)?;
        let mut report = scan_judged(dataset, config, pipeline, &extra, &judge, watch)?;
        if both {
            let second = Part {
                whole: watch,
                offset: Some(images),
            };
            report
                .compare_with(Scan::run_with(dataset, config, pipeline, &extra, &second)?.report());
        }
        let examples = judge.examples(dataset, config, pipeline, &extra, &report, counts)?;
        Ok(NativeReport { report, examples })
    });
    // A callable's failure is the cause of whatever else went wrong.
    for (label, owned) in augments {
        if let Some(failure) = owned.failure() {
            return Err(raise(format!(
                "transform {label}: the callable failed: {failure}"
            )));
        }
    }
    scanned
}

/// A dataset, read once and scanned, swept or recommended for as often as asked.
#[pyclass(name = "NativeDataset", module = "augsafe._augsafe", frozen)]
struct NativeDataset {
    dataset: Dataset,
}

#[pymethods]
impl NativeDataset {
    /// The class labels, in the report's order.
    fn classes(&self) -> Vec<String> {
        self.dataset.classes.clone()
    }

    /// How many glyphs were read.
    fn __len__(&self) -> usize {
        self.dataset.glyphs.len()
    }
}

/// Reads a dataset from `path` as the CLI does, in any format it reads (an ImageFolder tree,
/// an IDX pair, a CSV manifest, a pixel CSV, NumPy arrays), told from the path unless
/// `format` names it; `split` chooses among several.
#[pyfunction]
#[pyo3(signature = (path, format=None, split=None))]
fn load_path(
    py: Python<'_>,
    path: PathBuf,
    format: Option<String>,
    split: Option<String>,
) -> PyResult<NativeDataset> {
    let options = OpenOptions {
        format: format
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(raise)?,
        split,
        ..OpenOptions::default()
    };
    let dataset = py
        .detach(|| Dataset::open(&path, &options))
        .map_err(raise)?;
    Ok(NativeDataset { dataset })
}

/// A dataset of images handed over in memory: each `(height, width, pixels)` of grey bytes,
/// row after row, labelled by the name at the same position of `labels`.
#[pyfunction]
fn from_images(
    py: Python<'_>,
    images: Vec<(u32, u32, Vec<u8>)>,
    labels: Vec<String>,
) -> PyResult<NativeDataset> {
    if images.len() != labels.len() {
        return Err(raise(format!(
            "{} images but {} labels",
            images.len(),
            labels.len()
        )));
    }
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
    Ok(NativeDataset { dataset })
}

/// Scans a dataset (see `augsafe.scan`).
#[pyfunction]
#[pyo3(signature = (dataset, transforms, albumentations, seed, draws, control, examples, model, templates_too, progress))]
#[allow(clippy::too_many_arguments)]
fn scan(
    py: Python<'_>,
    dataset: &NativeDataset,
    transforms: Vec<Item>,
    albumentations: Option<(String, String)>,
    seed: u64,
    draws: u32,
    control: Option<String>,
    examples: usize,
    model: Option<ModelSpec>,
    templates_too: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<NativeReport> {
    let pipeline = pipeline(albumentations)?;
    let mut config = judging(seed, draws, control.as_deref())?;
    // Nothing asked for: the default set, as the CLI scans.
    if transforms.is_empty() && pipeline.is_none() {
        config.transforms = augsafe::transform::default_set();
    }
    let watch = Watch::default();
    let augments = augments(transforms, &watch)?;
    run(
        py,
        &dataset.dataset,
        &config,
        pipeline.as_ref(),
        &augments,
        (model.as_ref(), templates_too),
        examples,
        &watch,
        progress.as_ref(),
    )
}

/// A finished sweep.
#[pyclass(name = "NativeSweep", module = "augsafe._augsafe", frozen)]
struct NativeSweep {
    report: SweepReport,
}

#[pymethods]
impl NativeSweep {
    fn json(&self) -> PyResult<String> {
        render(&JsonExporter, &self.report)
    }

    fn markdown(&self) -> PyResult<String> {
        render(&MarkdownExporter, &self.report)
    }

    fn text(&self) -> PyResult<String> {
        render(&PLAIN, &self.report)
    }

    fn html(&self, command: String) -> PyResult<String> {
        let exporter = HtmlExporter {
            examples: Vec::new(),
            command,
        };
        render(&exporter, &self.report)
    }

    fn svg(&self) -> PyResult<String> {
        render(&SvgExporter, &self.report)
    }
}

/// Sweeps one transformation's parameter (see `augsafe.sweep`): `values` as `(from, to,
/// step)`, each `None` for the operation's default; `progress(images, total)` told as it goes.
#[pyfunction]
#[pyo3(signature = (dataset, op, values, seed, draws, control, model, progress))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    dataset: &NativeDataset,
    op: String,
    values: (Option<f64>, Option<f64>, Option<f64>),
    seed: u64,
    draws: u32,
    control: Option<String>,
    model: Option<ModelSpec>,
    progress: Option<Py<PyAny>>,
) -> PyResult<NativeSweep> {
    let op: SweepOp = op.parse().map_err(raise)?;
    let (from, to, step) = op.default_range();
    let values = sweep_values(
        values.0.unwrap_or(from),
        values.1.unwrap_or(to),
        values.2.unwrap_or(step),
    )
    .map_err(raise)?;
    if let Some(bad) = values.iter().find(|&&v| op.transforms_at(v).is_err()) {
        return Err(raise(format!(
            "the range includes {bad}, which {} does not accept",
            op.name()
        )));
    }
    let config = judging(seed, draws, control.as_deref())?;
    let dataset = &dataset.dataset;
    let total = dataset.glyphs.len() as u64 * values.len() as u64;
    let watch = Watch::default();
    let report = watched(py, &watch, total, progress.as_ref(), |watch| {
        let judge = judge_of(dataset, &config, model.as_ref())?;
        sweep_op(dataset, op, &values, &config, &judge, watch)
    })?;
    Ok(NativeSweep { report })
}

/// A finished recommendation.
#[pyclass(name = "NativeRecommendation", module = "augsafe._augsafe", frozen)]
struct NativeRecommendation {
    recommendation: Recommendation,
}

#[pymethods]
impl NativeRecommendation {
    fn json(&self) -> PyResult<String> {
        render(&JsonExporter, &self.recommendation)
    }

    fn text(&self) -> PyResult<String> {
        render(&PLAIN, &self.recommendation)
    }

    /// The class-conditional policy, as JSON.
    fn policy(&self) -> PyResult<String> {
        render(&PolicyExporter, &self.recommendation)
    }

    /// The recommended pipeline in Albumentations' format: `json` or `yaml`.
    fn document(&self, format: &str) -> PyResult<String> {
        let format = match format {
            "json" => Format::Json,
            "yaml" => Format::Yaml,
            other => return Err(raise(format!("format {other:?}: json or yaml"))),
        };
        write_document(&self.recommendation.document, format).map_err(raise)
    }
}

/// Recommends a safe pipeline (see `augsafe.recommend`): from the Albumentations object given
/// (name and JSON), else from augsafe's own candidate; `progress(components, total)` told as
/// it goes.
#[pyfunction]
#[pyo3(signature = (dataset, albumentations, seed, draws, control, model, progress))]
#[allow(clippy::too_many_arguments)]
fn recommend(
    py: Python<'_>,
    dataset: &NativeDataset,
    albumentations: Option<(String, String)>,
    seed: u64,
    draws: u32,
    control: Option<String>,
    model: Option<ModelSpec>,
    progress: Option<Py<PyAny>>,
) -> PyResult<NativeRecommendation> {
    let pipeline = pipeline(albumentations)?;
    let config = judging(seed, draws, control.as_deref())?;
    let dataset = &dataset.dataset;
    let total = component_count(pipeline.as_ref()) as u64;
    let watch = Watch::default();
    let recommendation = watched(py, &watch, total, progress.as_ref(), |watch| {
        let judge = judge_of(dataset, &config, model.as_ref())?;
        recommend_pipeline(dataset, pipeline.as_ref(), &config, &judge, watch)
    })?;
    Ok(NativeRecommendation { recommendation })
}

/// The module.
#[pymodule]
fn _augsafe(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeDataset>()?;
    m.add_class::<NativeReport>()?;
    m.add_class::<NativeSweep>()?;
    m.add_class::<NativeRecommendation>()?;
    m.add_function(wrap_pyfunction!(load_path, m)?)?;
    m.add_function(wrap_pyfunction!(from_images, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(recommend, m)?)?;
    m.add("AugsafeError", m.py().get_type::<AugsafeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
