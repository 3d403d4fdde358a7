//! The model judge's runtime: an ONNX model loaded by tract and run on glyph images.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::GrayImage;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

use super::{Ink, Layout, ModelOptions, ModelSummary, MODEL_BATCH};
use crate::error::{Error, Result};
use crate::glyph::{GlyphImage, Polarity};

/// An ONNX model ready to judge glyphs of one dataset.
#[derive(Debug)]
pub struct ModelJudge {
    path: PathBuf,
    plan: Arc<TypedRunnableModel>,
    /// The input's concrete shape, batch first.
    shape: Vec<usize>,
    layout: Layout,
    height: u32,
    width: u32,
    /// How many outputs each glyph gets.
    outputs: usize,
    /// Per output, the dataset class it names, if the dataset has it.
    class_of_output: Vec<Option<usize>>,
    /// Names of the outputs that name no class of the dataset.
    extra_outputs: Vec<String>,
    /// The dataset's classes no output names: the model cannot judge them.
    unnamed_classes: Vec<usize>,
    options: ModelOptions,
}

impl ModelJudge {
    /// Loads an ONNX model and fits it to a dataset with these `classes`.
    ///
    /// # Errors
    /// [`Error::Read`] when the file cannot be read; [`Error::Model`] when it is no ONNX model
    /// tract can run, its input is no image augsafe can feed (one grey channel; 2 to 4
    /// dimensions, batch first), its label list cannot be read or has another length than
    /// its outputs, or none of its outputs names a class of the dataset.
    pub fn load(path: &Path, classes: &[String], options: &ModelOptions) -> Result<ModelJudge> {
        let bad = |reason: String| Error::Model {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = crate::input::read_file(path, crate::input::FileKind::Model.max()).map_err(
            |source| Error::Read {
                path: path.to_path_buf(),
                source,
            },
        )?;
        let mut model = tract_onnx::onnx()
            .model_for_read(&mut &bytes[..])
            .map_err(|err| {
                bad(format!(
                    "not an ONNX model tract can read: {}",
                    root_cause(&err)
                ))
            })?;
        if model.inputs.len() != 1 {
            return Err(bad(format!(
                "the model has {} inputs; augsafe feeds one image input",
                model.inputs.len()
            )));
        }
        let declared = input_dims(&model).map_err(bad)?;
        let (layout, height, width, batch) = read_layout(&declared).map_err(bad)?;
        let batch = batch.unwrap_or(MODEL_BATCH);
        let shape: Vec<usize> = match layout {
            Layout::Nchw => vec![batch, 1, height as usize, width as usize],
            Layout::Nhwc => vec![batch, height as usize, width as usize, 1],
            Layout::Nhw => vec![batch, height as usize, width as usize],
            Layout::Flat => vec![batch, (height * width) as usize],
        };
        model
            .set_input_fact(0, f32::fact(&shape).into())
            .and_then(|()| model.into_optimized())
            .and_then(|typed| typed.into_runnable())
            .map_err(|err| {
                bad(format!(
                    "cannot run with input {}: {}",
                    shape_text(&shape),
                    root_cause(&err)
                ))
            })
            .and_then(|plan| {
                let mut judge = ModelJudge {
                    path: path.to_path_buf(),
                    plan,
                    shape,
                    layout,
                    height,
                    width,
                    outputs: 0,
                    class_of_output: Vec::new(),
                    extra_outputs: Vec::new(),
                    unnamed_classes: Vec::new(),
                    options: options.clone(),
                };
                judge.outputs = judge.count_outputs()?;
                judge.name_outputs(classes)?;
                Ok(judge)
            })
    }

    /// Runs one batch of zeros to learn how many outputs each glyph gets.
    fn count_outputs(&self) -> Result<usize> {
        let zeros = vec![0.0f32; self.shape.iter().product()];
        let values = self.run(&zeros)?;
        Ok(values.len() / self.shape[0])
    }

    /// Matches the outputs to the dataset's classes, by the label list or by position.
    fn name_outputs(&mut self, classes: &[String]) -> Result<()> {
        let names: Vec<String> = match &self.options.labels {
            Some(file) => {
                let text = crate::input::read_text(file, crate::input::FileKind::Table.max())
                    .map_err(|source| Error::Read {
                        path: file.clone(),
                        source,
                    })?;
                let names: Vec<String> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
                if names.len() != self.outputs {
                    return Err(Error::Model {
                        path: file.clone(),
                        reason: format!(
                            "the label list names {} outputs; the model {} has {}",
                            names.len(),
                            self.path.display(),
                            self.outputs
                        ),
                    });
                }
                names
            }
            None => {
                if self.outputs != classes.len() {
                    return Err(Error::Model {
                        path: self.path.clone(),
                        reason: format!(
                            "the model has {} outputs and the dataset {} classes: give a label list (one name per output) to match them",
                            self.outputs,
                            classes.len()
                        ),
                    });
                }
                classes.to_vec()
            }
        };
        self.class_of_output = names
            .iter()
            .map(|name| classes.iter().position(|c| c == name))
            .collect();
        self.extra_outputs = names
            .iter()
            .zip(&self.class_of_output)
            .filter(|(_, class)| class.is_none())
            .map(|(name, _)| name.clone())
            .collect();
        self.unnamed_classes = (0..classes.len())
            .filter(|c| !self.class_of_output.contains(&Some(*c)))
            .collect();
        if self.unnamed_classes.len() == classes.len() {
            return Err(Error::Model {
                path: self.path.clone(),
                reason: "none of its outputs names a class of the dataset".to_string(),
            });
        }
        Ok(())
    }

    /// What the model sees of a glyph, to show a person: the glyph at the model's input size,
    /// upright (not transposed), ink bright on dark.
    pub fn seen(&self, glyph: &GlyphImage) -> GrayImage {
        let mut resampler = Resampler::default();
        let values = resampler.resample(&glyph.pixels, self.width, self.height);
        let invert = glyph.polarity == Polarity::DarkOnLight;
        let pixels = values
            .iter()
            .map(|&v| {
                let v = v.round().clamp(0.0, 255.0) as u8;
                if invert {
                    255 - v
                } else {
                    v
                }
            })
            .collect();
        GrayImage::from_raw(self.width, self.height, pixels)
            .unwrap_or_else(|| GrayImage::new(self.width, self.height))
    }

    /// The model's input for one glyph, written into `out` (`height × width` values): resized
    /// (each pixel a weighted mean of those it covers), the ink turned the way the model wants
    /// it, transposed if asked, scaled to 0..1 and standardised.
    pub fn input_into(&self, glyph: &GlyphImage, out: &mut [f32]) {
        self.input_with(glyph, out, &mut Resampler::default());
    }

    /// [`ModelJudge::input_into`] with the resizing weights and buffers of `resampler`, kept
    /// from glyph to glyph.
    fn input_with(&self, glyph: &GlyphImage, out: &mut [f32], resampler: &mut Resampler) {
        let (w, h) = (self.width as usize, self.height as usize);
        // Upright at the size that reads as the input once transposed.
        let (rw, rh) = if self.options.transpose {
            (h, w)
        } else {
            (w, h)
        };
        let upright = resampler.resample(&glyph.pixels, rw as u32, rh as u32);
        let invert = match self.options.ink {
            Ink::Bright => glyph.polarity == Polarity::DarkOnLight,
            Ink::Dark => glyph.polarity == Polarity::LightOnDark,
            Ink::AsStored => false,
        };
        // v / 255 turned and standardised, as one multiply and add.
        let (mean, std) = (self.options.mean, self.options.std);
        let (scale, offset) = if invert {
            (-1.0 / (255.0 * std), (1.0 - mean) / std)
        } else {
            (1.0 / (255.0 * std), -mean / std)
        };
        for (y, row) in out.chunks_exact_mut(w).take(h).enumerate() {
            for (x, value) in row.iter_mut().enumerate() {
                let at = if self.options.transpose {
                    x * rw + y
                } else {
                    y * rw + x
                };
                *value = upright.get(at).map_or(0.0, |&v| v * scale + offset);
            }
        }
    }

    /// Runs the model on prepared inputs (a whole number of batches) and returns its outputs,
    /// glyph after glyph.
    fn run(&self, inputs: &[f32]) -> Result<Vec<f32>> {
        let fail = |err: TractError| Error::Model {
            path: self.path.clone(),
            reason: format!("running the model failed: {}", root_cause(&err)),
        };
        let tensor = Tensor::from_shape(&self.shape, inputs).map_err(fail)?;
        let outputs = self.plan.run(tvec!(tensor.into())).map_err(fail)?;
        let first = outputs.first().ok_or_else(|| Error::Model {
            path: self.path.clone(),
            reason: "the model gives no output".to_string(),
        })?;
        let values = first.cast_to::<f32>().map_err(fail)?;
        let plain = values.try_as_plain_ram().map_err(fail)?;
        Ok(plain.as_slice::<f32>().map_err(fail)?.to_vec())
    }

    /// Per glyph, the probability the model gives each class of the dataset (`0` for classes
    /// it cannot name): its outputs, through a softmax unless they already are probabilities.
    ///
    /// # Errors
    /// [`Error::Model`] when running the model fails.
    pub fn class_probabilities(
        &self,
        glyphs: &[&GlyphImage],
        classes: usize,
    ) -> Result<Vec<Vec<f32>>> {
        let batch = self.shape[0];
        let dim = (self.height * self.width) as usize;
        let mut all = Vec::with_capacity(glyphs.len());
        let mut inputs = vec![0.0f32; batch * dim];
        let mut resampler = Resampler::default();
        for chunk in glyphs.chunks(batch) {
            inputs.fill(0.0);
            for (glyph, out) in chunk.iter().zip(inputs.chunks_exact_mut(dim)) {
                self.input_with(glyph, out, &mut resampler);
            }
            let values = self.run(&inputs)?;
            for row in values.chunks_exact(self.outputs).take(chunk.len()) {
                let probabilities = probabilities(row);
                let mut per_class = vec![0.0f32; classes];
                for (p, class) in probabilities.iter().zip(&self.class_of_output) {
                    if let Some(class) = class {
                        per_class[*class] = *p;
                    }
                }
                all.push(per_class);
            }
        }
        Ok(all)
    }

    /// Whether the model can judge class `class` of the dataset.
    pub fn names(&self, class: usize) -> bool {
        !self.unnamed_classes.contains(&class)
    }

    /// What the report says of it.
    pub fn summary(&self, classes: &[String]) -> ModelSummary {
        ModelSummary {
            file: self.path.display().to_string(),
            input_shape: self.shape.clone(),
            layout: self.layout,
            ink: self.options.ink,
            mean: self.options.mean,
            std: self.options.std,
            transpose: self.options.transpose,
            outputs: self.outputs,
            unnamed_classes: self
                .unnamed_classes
                .iter()
                .map(|&c| classes[c].clone())
                .collect(),
            extra_outputs: self.extra_outputs.clone(),
        }
    }

    /// The side of the square it reads, or its height when not square.
    pub fn input_side(&self) -> u32 {
        self.height
    }
}

/// The innermost reason of a tract error, where the outer ones only say what was being done.
fn root_cause(err: &TractError) -> String {
    err.root_cause().to_string()
}

/// `1×28×28`.
fn shape_text(shape: &[usize]) -> String {
    shape
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("×")
}

/// The declared dimensions of the model's input: a number, or `None` for a symbol (`N`).
fn input_dims(model: &InferenceModel) -> std::result::Result<Vec<Option<usize>>, String> {
    let fact = model
        .input_fact(0)
        .map_err(|err| format!("its input cannot be read: {}", root_cause(&err)))?;
    if fact.shape.is_open() {
        return Err("its input declares no shape; augsafe needs one to feed it images".into());
    }
    Ok(fact
        .shape
        .dims()
        .map(|d| {
            d.concretize()
                .and_then(|d| d.to_i64().ok())
                .and_then(|d| usize::try_from(d).ok())
        })
        .collect())
}

/// The layout, height and width an input of these dimensions takes, and its batch size when
/// the model fixes one.
fn read_layout(
    dims: &[Option<usize>],
) -> std::result::Result<(Layout, u32, u32, Option<usize>), String> {
    let described = dims
        .iter()
        .map(|d| d.map_or("N".to_string(), |d| d.to_string()))
        .collect::<Vec<_>>()
        .join("×");
    let unusable = |why: &str| format!("its input {described} is no image augsafe can feed: {why}");
    let side = |d: Option<usize>| -> std::result::Result<u32, String> {
        match d {
            Some(d) if (4..=1024).contains(&d) => Ok(d as u32),
            Some(d) => Err(unusable(&format!(
                "a side of {d} pixels (4 to 1024 are fed)"
            ))),
            None => Err(unusable("its height and width must be numbers")),
        }
    };
    let batch = dims.first().copied().flatten().filter(|&b| b > 0);
    match dims {
        [_, Some(1), h, w] if *w != Some(1) || *h == Some(1) => {
            Ok((Layout::Nchw, side(*h)?, side(*w)?, batch))
        }
        [_, h, w, Some(1)] => Ok((Layout::Nhwc, side(*h)?, side(*w)?, batch)),
        [_, _, _, _] => Err(unusable(
            "one grey channel is fed, first (N×1×H×W) or last (N×H×W×1)",
        )),
        [_, h, w] => Ok((Layout::Nhw, side(*h)?, side(*w)?, batch)),
        [_, Some(flat)] => {
            let root = (*flat as f64).sqrt().round() as usize;
            if root * root != *flat {
                return Err(unusable(&format!(
                    "{flat} values per image is no square image"
                )));
            }
            let s = side(Some(root))?;
            Ok((Layout::Flat, s, s, batch))
        }
        _ => Err(unusable(
            "augsafe feeds N×1×H×W, N×H×W×1, N×H×W or N×(H·W) with the batch first",
        )),
    }
}

/// The weights that resize one axis of `src` pixels to `dst`: per destination pixel, the
/// first source pixel it takes and where its weights lie in `weights`. Each is a triangle as
/// wide as a source pixel when enlarging and as a destination pixel when shrinking (so
/// shrinking averages what it covers, as training pipelines resize), its weights summing to 1.
#[derive(Debug, Default)]
struct AxisWeights {
    /// Per destination pixel: first source pixel, first weight, number of weights.
    spans: Vec<(usize, usize, usize)>,
    weights: Vec<f32>,
}

impl AxisWeights {
    fn new(src: u32, dst: u32) -> AxisWeights {
        let scale = src as f32 / dst.max(1) as f32;
        let radius = scale.max(1.0);
        let mut axis = AxisWeights::default();
        for i in 0..dst {
            let centre = (i as f32 + 0.5) * scale;
            let first = (centre - radius).floor().max(0.0) as usize;
            let end = ((centre + radius).ceil().max(0.0) as usize).min(src as usize);
            let start = axis.weights.len();
            axis.weights.extend(
                (first..end).map(|j| (1.0 - (j as f32 + 0.5 - centre).abs() / radius).max(0.0)),
            );
            let sum: f32 = axis.weights[start..].iter().sum();
            if sum > 0.0 {
                axis.weights[start..].iter_mut().for_each(|w| *w /= sum);
            }
            axis.spans.push((first, start, axis.weights.len() - start));
        }
        axis
    }
}

/// The most axis weights a [`Resampler`] keeps: a transformation that crops at random makes
/// glyphs of a few dozen sizes.
const KEPT_WEIGHTS: usize = 256;

/// Resizes grey images to floats, keeping the weights of the sizes it has seen (a dataset's
/// glyphs mostly share a few) and its buffers from image to image.
#[derive(Debug, Default)]
struct Resampler {
    /// Per (source, destination) length, the weights of an axis.
    weights: std::collections::HashMap<(u32, u32), AxisWeights>,
    /// The image resized down its columns only.
    rows: Vec<f32>,
    /// `rows` turned on its side (a source column per row).
    turned: Vec<f32>,
    /// The resized image turned on its side.
    columns: Vec<f32>,
    out: Vec<f32>,
}

impl Resampler {
    /// `image` resized to `w`×`h` (row after row, values 0..255 as floats): one pass down the
    /// columns, then one along the rows; copied when the size is the same.
    fn resample(&mut self, image: &GrayImage, w: u32, h: u32) -> &[f32] {
        let (sw, sh) = image.dimensions();
        let raw = image.as_raw();
        self.out.clear();
        if (sw, sh) == (w, h) {
            self.out.extend(raw.iter().map(|&v| f32::from(v)));
            return &self.out;
        }
        if self.weights.len() >= KEPT_WEIGHTS {
            self.weights.clear();
        }
        for axis in [(sw, w), (sh, h)] {
            self.weights
                .entry(axis)
                .or_insert_with(|| AxisWeights::new(axis.0, axis.1));
        }
        let (Some(across), Some(down)) = (self.weights.get(&(sw, w)), self.weights.get(&(sh, h)))
        else {
            return &self.out;
        };
        let (w, h, sw) = (w as usize, h as usize, sw as usize);
        // Down the columns first, whole rows at a time (which vectorises), then along the
        // rows of the result, which has the destination's height.
        self.rows.clear();
        self.rows.resize(h * sw, 0.0);
        for (&(first, start, len), dst) in
            down.spans.iter().zip(self.rows.chunks_exact_mut(sw.max(1)))
        {
            for (k, weight) in down.weights[start..start + len].iter().enumerate() {
                let Some(row) = raw.get((first + k) * sw..(first + k + 1) * sw) else {
                    break;
                };
                for (d, &p) in dst.iter_mut().zip(row) {
                    *d += weight * f32::from(p);
                }
            }
        }
        // Along the rows as down columns too: of the result turned on its side, each column
        // of the destination a weighted sum of whole columns, turned back at the end.
        turn(&self.rows, sw, &mut self.turned);
        self.columns.clear();
        self.columns.resize(w * h, 0.0);
        for (&(first, start, len), dst) in across
            .spans
            .iter()
            .zip(self.columns.chunks_exact_mut(h.max(1)))
        {
            for (k, weight) in across.weights[start..start + len].iter().enumerate() {
                let Some(column) = self.turned.get((first + k) * h..(first + k + 1) * h) else {
                    break;
                };
                for (d, &p) in dst.iter_mut().zip(column) {
                    *d += weight * p;
                }
            }
        }
        turn(&self.columns, h, &mut self.out);
        &self.out
    }
}

/// `image` (rows of `width` values) turned on its side into `out`: its columns as rows.
fn turn(image: &[f32], width: usize, out: &mut Vec<f32>) {
    let height = image.len() / width.max(1);
    out.clear();
    out.resize(image.len(), 0.0);
    for (y, row) in image.chunks_exact(width.max(1)).enumerate() {
        for (x, &value) in row.iter().enumerate() {
            out[x * height + y] = value;
        }
    }
}

/// A row of outputs as probabilities: as they are when they already are (none negative, summing
/// to 1), through a softmax otherwise.
fn probabilities(row: &[f32]) -> Vec<f32> {
    let sum: f32 = row.iter().sum();
    if row.iter().all(|v| (0.0..=1.0).contains(v)) && (sum - 1.0).abs() < 1e-3 {
        return row.to_vec();
    }
    if row.iter().any(|v| !v.is_finite()) {
        return vec![0.0; row.len()];
    }
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
    let total: f32 = exp.iter().sum();
    exp.iter().map(|e| e / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn fixture_model(options: &ModelOptions) -> ModelJudge {
        let classes: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/models/digits-mlp.onnx");
        ModelJudge::load(&path, &classes, options).expect("the fixture model loads")
    }

    /// A 28x28 glyph: background 250, one dark pixel at (x 3, y 1).
    fn dot(polarity: Polarity) -> GlyphImage {
        let (background, ink) = match polarity {
            Polarity::DarkOnLight => (250, 5),
            Polarity::LightOnDark => (5, 250),
        };
        let pixels = GrayImage::from_fn(28, 28, |x, y| {
            Luma([if (x, y) == (3, 1) { ink } else { background }])
        });
        GlyphImage::new(pixels, background, polarity)
    }

    #[test]
    fn glyphs_are_fed_the_way_round_the_model_wants_them() {
        let mut out = vec![0.0f32; 28 * 28];
        let at = |out: &[f32], x: usize, y: usize| out[y * 28 + x];
        let close = |a: (f32, f32), b: (f32, f32)| {
            assert!(
                (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6,
                "{a:?} {b:?}"
            );
        };
        // Bright ink (the default): dark-on-light glyphs are turned round, light ones kept.
        let bright = fixture_model(&ModelOptions::default());
        bright.input_into(&dot(Polarity::DarkOnLight), &mut out);
        close(
            (at(&out, 3, 1), at(&out, 0, 0)),
            (250.0 / 255.0, 5.0 / 255.0),
        );
        bright.input_into(&dot(Polarity::LightOnDark), &mut out);
        close(
            (at(&out, 3, 1), at(&out, 0, 0)),
            (250.0 / 255.0, 5.0 / 255.0),
        );
        // As stored, with MNIST's mean and deviation, transposed.
        let stored = fixture_model(&ModelOptions {
            ink: Ink::AsStored,
            mean: 0.5,
            std: 0.25,
            transpose: true,
            labels: None,
        });
        stored.input_into(&dot(Polarity::DarkOnLight), &mut out);
        close(
            (at(&out, 1, 3), at(&out, 3, 1)),
            ((5.0 / 255.0 - 0.5) / 0.25, (250.0 / 255.0 - 0.5) / 0.25),
        );
        // Another size is resized to the model's input.
        let big = GlyphImage::new(
            GrayImage::from_pixel(56, 56, Luma([0])),
            0,
            Polarity::LightOnDark,
        );
        stored.input_into(&big, &mut out);
        assert!(out.iter().all(|&v| (v - (0.0 - 0.5) / 0.25).abs() < 1e-6));
    }

    #[test]
    fn resizing_averages_what_it_covers() {
        let mut resampler = Resampler::default();
        let mut resample = |image: &GrayImage, w, h| resampler.resample(image, w, h).to_vec();
        // The same size is a copy; a constant image stays constant at any size.
        let ramp = GrayImage::from_fn(5, 3, |x, y| Luma([(x * 40 + y) as u8]));
        let out = resample(&ramp, 5, 3);
        assert_eq!(out[7], f32::from(ramp.get_pixel(2, 1)[0]));
        let flat = GrayImage::from_pixel(32, 32, Luma([77]));
        for (w, h) in [(28, 28), (64, 20), (1, 1)] {
            let out = resample(&flat, w, h);
            assert_eq!(out.len(), (w * h) as usize);
            assert!(out.iter().all(|&v| (v - 77.0).abs() < 1e-3), "{w}x{h}");
        }
        // Halving averages each pair with its neighbours' share: stripes become grey.
        let stripes = GrayImage::from_fn(8, 1, |x, _| Luma([if x % 2 == 0 { 0 } else { 200 }]));
        let out = resample(&stripes, 4, 1);
        assert!(
            out[1..3].iter().all(|&v| (v - 100.0).abs() < 1.0),
            "{out:?}"
        );
        // Within a level of the image crate's triangle filter, which it replaces for speed.
        let noise = GrayImage::from_fn(32, 32, |x, y| {
            Luma([((x * 7919 + y * 104_729) % 251) as u8])
        });
        for (w, h) in [(28, 28), (20, 36), (64, 64)] {
            let out = resample(&noise, w, h);
            let reference =
                image::imageops::resize(&noise, w, h, image::imageops::FilterType::Triangle);
            let worst = (out.iter().zip(reference.as_raw()))
                .map(|(a, &b)| (a - f32::from(b)).abs())
                .fold(0.0f32, f32::max);
            assert!(worst <= 1.0, "{w}x{h}: {worst}");
        }
        // Empty images give zeros, never a panic.
        let out = resample(&GrayImage::new(0, 0), 4, 4);
        assert_eq!(out, vec![0.0; 16]);
    }

    #[test]
    fn the_fixture_model_reads_its_own_digits() {
        let model = fixture_model(&ModelOptions::default());
        assert_eq!(model.summary(&[]).input_shape, vec![MODEL_BATCH, 1, 28, 28]);
        assert_eq!(model.outputs, 10);
        // A blank glyph and a dot read as something, each a distribution over the classes.
        let glyphs = [dot(Polarity::DarkOnLight), dot(Polarity::LightOnDark)];
        let refs: Vec<&GlyphImage> = glyphs.iter().collect();
        let read = model.class_probabilities(&refs, 10).expect("runs");
        assert_eq!(read.len(), 2);
        for p in &read {
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{p:?}");
        }
        // More glyphs than a batch holds.
        let many: Vec<&GlyphImage> = std::iter::repeat_n(&glyphs[0], MODEL_BATCH + 3).collect();
        assert_eq!(
            model.class_probabilities(&many, 10).expect("runs").len(),
            MODEL_BATCH + 3
        );
    }

    #[test]
    fn input_shapes_as_models_are_exported() {
        let layout = |dims: &[Option<usize>]| read_layout(dims);
        assert_eq!(
            layout(&[None, Some(1), Some(28), Some(28)]),
            Ok((Layout::Nchw, 28, 28, None))
        );
        assert_eq!(
            layout(&[Some(1), Some(32), Some(24), Some(1)]),
            Ok((Layout::Nhwc, 32, 24, Some(1)))
        );
        assert_eq!(
            layout(&[None, Some(28), Some(28)]),
            Ok((Layout::Nhw, 28, 28, None))
        );
        assert_eq!(layout(&[None, Some(784)]), Ok((Layout::Flat, 28, 28, None)));
        let refused = |dims: &[Option<usize>], says: &str| {
            let err = layout(dims).unwrap_err();
            assert!(err.contains(says), "{err}");
        };
        refused(&[None, Some(3), Some(28), Some(28)], "one grey channel");
        refused(
            &[None, Some(785)],
            "785 values per image is no square image",
        );
        refused(
            &[None, Some(1), None, None],
            "height and width must be numbers",
        );
        refused(&[None, Some(1), Some(2), Some(2)], "a side of 2 pixels");
        refused(&[None], "batch first");
    }

    #[test]
    fn outputs_become_probabilities_unless_they_are() {
        assert_eq!(probabilities(&[0.25, 0.75]), vec![0.25, 0.75]);
        let p = probabilities(&[0.0, 2.0_f32.ln()]);
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-6 && (p[1] - 2.0 / 3.0).abs() < 1e-6);
        // Logits that happen to lie in 0..1 but do not sum to 1 go through the softmax.
        let p = probabilities(&[0.5, 0.5, 0.5]);
        assert!(p.iter().all(|v| (v - 1.0 / 3.0).abs() < 1e-6));
        assert_eq!(probabilities(&[f32::NAN, 1.0]), vec![0.0, 0.0]);
    }
}
