//! Albumentations pipelines as `albumentations.save` writes them (JSON or YAML, 1.x and 2.x
//! class names and fields): read into a tree, applied as training applies it, and written back.
//!
//! Compositions follow Albumentations 2.x: `Compose` and `Sequential` apply their children in
//! order, each with its own `p`; `OneOf` picks one child with weights proportional to the
//! children's `p` and applies it; `SomeOf` picks `n` children uniformly (with or without
//! replacement) and applies each with its own `p`; `OneOrOther` applies the first child with
//! probability `p`, else the last. Geometric transforms become [`Step`]s; photometric ones
//! (brightness, blur, noise, ...) are passed through; any other Albumentations class is listed
//! as not evaluated. A class Albumentations does not have is an error.

use std::path::{Path, PathBuf};

use image::GrayImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::glyph::{GlyphImage, Polarity};
use crate::transform::{Affine, Augment, Extent, Fill, Param, Step, Transform};

/// The file format a pipeline was saved in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `albumentations.save(..., data_format="json")`.
    Json,
    /// `albumentations.save(..., data_format="yaml")`.
    Yaml,
}

/// A geometric transform augsafe applies.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    /// The Albumentations class name (without module path).
    pub class: String,
    /// Where it sits in the pipeline, e.g. `Compose[0]/OneOf[1]`.
    pub path: String,
    /// Its position: the index in each enclosing `transforms` list, outermost first.
    pub location: Vec<usize>,
    /// Its probability.
    pub p: f64,
    /// What it does.
    pub step: Step,
    /// The grey level it fills uncovered pixels with (`None`: the image's background).
    pub fill: Option<u8>,
    /// Where augsafe's version differs from Albumentations', in words.
    pub notes: Vec<String>,
}

/// One node of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// `Compose`, `Sequential` (and `ReplayCompose`): the children in order.
    Sequence {
        /// The class name.
        class: String,
        /// The probability of applying the sequence at all.
        p: f64,
        /// The children.
        children: Vec<Node>,
    },
    /// One child, chosen with weights proportional to the children's `p`.
    OneOf {
        /// The probability of applying anything.
        p: f64,
        /// The children.
        children: Vec<Node>,
    },
    /// `n` children chosen uniformly, each applied with its own `p`.
    SomeOf {
        /// The probability of applying anything.
        p: f64,
        /// How many children.
        n: usize,
        /// Whether a child can be chosen twice.
        replace: bool,
        /// Albumentations 1.x: children are chosen with their `p` as weights and then applied
        /// for sure (2.x chooses uniformly and then applies each with its own `p`).
        weighted: bool,
        /// The children.
        children: Vec<Node>,
    },
    /// The first child with probability `p`, else the last.
    OneOrOther {
        /// The probability of the first child.
        p: f64,
        /// The first child.
        first: Box<Node>,
        /// The last child.
        second: Box<Node>,
    },
    /// A geometric transform.
    Leaf(Box<Leaf>),
    /// A photometric transform: it does not move ink, so it is passed through.
    PassThrough {
        /// The class name.
        class: String,
    },
    /// An Albumentations transform augsafe does not model; it is left out and listed.
    NotEvaluated {
        /// The class name.
        class: String,
        /// Why.
        reason: String,
    },
}

/// A pipeline read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// The Albumentations version that wrote it (`__version__`).
    pub version: Option<String>,
    /// The outermost composition.
    pub root: Node,
    /// The whole file as read, for writing a narrowed copy back.
    pub document: Value,
}

/// Albumentations classes that change pixel values but move nothing: passed through.
const PHOTOMETRIC: &[&str] = &[
    "AdditiveNoise",
    "AdvancedBlur",
    "AutoContrast",
    "Blur",
    "CLAHE",
    "ChannelDropout",
    "ChannelShuffle",
    "ChromaticAberration",
    "ColorJitter",
    "Defocus",
    "Downscale",
    "Emboss",
    "Equalize",
    "FancyPCA",
    "FromFloat",
    "GaussNoise",
    "GaussianBlur",
    "GlassBlur",
    "HueSaturationValue",
    "ISONoise",
    "Illumination",
    "ImageCompression",
    "MedianBlur",
    "MotionBlur",
    "MultiplicativeNoise",
    "NoOp",
    "Normalize",
    "PlanckianJitter",
    "PlasmaBrightnessContrast",
    "PlasmaShadow",
    "Posterize",
    "RGBShift",
    "RandomBrightnessContrast",
    "RandomFog",
    "RandomGamma",
    "RandomRain",
    "RandomShadow",
    "RandomSnow",
    "RandomSunFlare",
    "RandomToneCurve",
    "RingingOvershoot",
    "SaltAndPepper",
    "Sharpen",
    "ShotNoise",
    "Solarize",
    "Spatter",
    "ToFloat",
    "ToGray",
    "ToRGB",
    "ToSepia",
    "UnsharpMask",
    "ZoomBlur",
];

/// Every other Albumentations class (1.x and 2.x) augsafe knows of but does not model.
const OTHER_KNOWN: &[&str] = &[
    "AtLeastOneBBoxRandomCrop",
    "BBoxSafeRandomCrop",
    "CenterCrop3D",
    "CoarseDropout3D",
    "ConstrainedCoarseDropout",
    "CropAndPad",
    "CropNonEmptyMaskIfExists",
    "CubicSymmetry",
    "Erasing",
    "FDA",
    "FrequencyMasking",
    "GridDistortion",
    "GridDropout",
    "GridElasticDeform",
    "HEStain",
    "HistogramMatching",
    "InvertImg",
    "Lambda",
    "LongestMaxSize",
    "MaskDropout",
    "Morphological",
    "Mosaic",
    "OpticalDistortion",
    "OverlayElements",
    "Pad",
    "Pad3D",
    "PadIfNeeded",
    "PadIfNeeded3D",
    "Perspective",
    "PiecewiseAffine",
    "PixelDistributionAdaptation",
    "PixelDropout",
    "RandomCrop3D",
    "RandomCropFromBorders",
    "RandomCropNearBBox",
    "RandomGravel",
    "RandomGridShuffle",
    "RandomOrder",
    "RandomScale",
    "RandomSizedBBoxSafeCrop",
    "Resize",
    "SelectiveChannelTransform",
    "SmallestMaxSize",
    "SquareSymmetry",
    "Superpixels",
    "TemplateTransform",
    "TextImage",
    "ThinPlateSpline",
    "TimeMasking",
    "TimeReverse",
    "XYMasking",
    "RandomSizedCrop3D",
    "JpegCompression",
    "RandomContrast",
    "RandomBrightness",
    "IAAAffine",
    "IAAPerspective",
    "IAAPiecewiseAffine",
    "Cutout",
    "Flip",
    "RandomResizedCrop3D",
];

impl Pipeline {
    /// Reads a pipeline saved by `albumentations.save`, as JSON or YAML (by extension, else by
    /// content).
    ///
    /// # Errors
    /// [`Error::Read`] when the file cannot be read, [`Error::Pipeline`] when it is not a
    /// pipeline, names a class Albumentations does not have, or holds a field out of range.
    pub fn load(path: &Path) -> Result<Pipeline> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match extension.as_deref() {
            Some("yaml" | "yml") => Format::Yaml,
            Some("json") => Format::Json,
            _ if text.trim_start().starts_with('{') => Format::Json,
            _ => Format::Yaml,
        };
        Pipeline::parse(&text, format, path)
    }

    /// Parses a pipeline from text; `path` names it in errors.
    ///
    /// # Errors
    /// As [`Pipeline::load`].
    pub fn parse(text: &str, format: Format, path: &Path) -> Result<Pipeline> {
        let error = |transform: &str, field: &str, reason: String| Error::Pipeline {
            path: path.to_path_buf(),
            transform: transform.to_string(),
            field: field.to_string(),
            reason,
        };
        let document: Value = match format {
            Format::Json => serde_json::from_str(text)
                .map_err(|err| error("", "", format!("not valid JSON: {err}")))?,
            Format::Yaml => serde_norway::from_str(text)
                .map_err(|err| error("", "", format!("not valid YAML: {err}")))?,
        };
        let transform = document.get("transform").ok_or_else(|| {
            error(
                "",
                "transform",
                "no 'transform' key: not a pipeline written by albumentations.save".into(),
            )
        })?;
        let version = document
            .get("__version__")
            .and_then(Value::as_str)
            .map(str::to_string);
        let major = version
            .as_deref()
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.parse::<u32>().ok());
        let reader = Reader {
            path,
            legacy: major.is_some_and(|m| m < 2),
        };
        let root = reader.node(transform, "", &[])?;
        Ok(Pipeline {
            path: path.to_path_buf(),
            format,
            version,
            root,
            document,
        })
    }

    /// Every geometric transform, in pipeline order.
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut leaves = Vec::new();
        walk(&self.root, &mut |node| {
            if let Node::Leaf(leaf) = node {
                leaves.push(leaf.as_ref());
            }
        });
        leaves
    }

    /// The photometric transforms, passed through.
    pub fn passed_through(&self) -> Vec<String> {
        let mut names = Vec::new();
        walk(&self.root, &mut |node| {
            if let Node::PassThrough { class } = node {
                names.push(class.clone());
            }
        });
        names
    }

    /// The transforms left out, with the reason.
    pub fn not_evaluated(&self) -> Vec<(String, String)> {
        let mut names = Vec::new();
        walk(&self.root, &mut |node| {
            if let Node::NotEvaluated { class, reason } = node {
                names.push((class.clone(), reason.clone()));
            }
        });
        names
    }

    /// The same pipeline in augsafe's spec language, where it has one: a sequence of
    /// geometric transforms, each with its probability, that fill with the image background
    /// (`background`, when given, is the level a fill may have and still count as background).
    pub fn to_spec(&self, background: Option<u8>) -> Option<String> {
        let Node::Sequence { p, children, .. } = &self.root else {
            return None;
        };
        if *p < 1.0 {
            return None;
        }
        let mut steps = Vec::new();
        for child in children {
            match child {
                Node::Leaf(leaf) if leaf.fill.is_none() || leaf.fill == background => {
                    steps.push(if leaf.p >= 1.0 {
                        leaf.step.clone()
                    } else {
                        Step::Maybe(leaf.p, Box::new(leaf.step.clone()))
                    })
                }
                Node::PassThrough { .. } => {}
                _ => return None,
            }
        }
        (!steps.is_empty()).then(|| Transform::new(steps).to_string())
    }
}

fn walk<'a>(node: &'a Node, visit: &mut dyn FnMut(&'a Node)) {
    visit(node);
    match node {
        Node::Sequence { children, .. }
        | Node::OneOf { children, .. }
        | Node::SomeOf { children, .. } => {
            for child in children {
                walk(child, visit);
            }
        }
        Node::OneOrOther { first, second, .. } => {
            walk(first, visit);
            walk(second, visit);
        }
        Node::Leaf(_) | Node::PassThrough { .. } | Node::NotEvaluated { .. } => {}
    }
}

/// The class name without its module path (`albumentations.augmentations...Rotate` → `Rotate`).
pub fn short_class_name(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

struct Reader<'a> {
    path: &'a Path,
    /// Written by Albumentations before 2.0, whose SomeOf chooses differently.
    legacy: bool,
}

impl Reader<'_> {
    fn error(&self, transform: &str, field: &str, reason: impl Into<String>) -> Error {
        Error::Pipeline {
            path: self.path.to_path_buf(),
            transform: transform.to_string(),
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    fn node(&self, value: &Value, parent: &str, location: &[usize]) -> Result<Node> {
        let object = value.as_object().ok_or_else(|| {
            self.error(
                parent,
                "",
                "a transform must be a mapping with __class_fullname__",
            )
        })?;
        let full = object
            .get("__class_fullname__")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                self.error(
                    parent,
                    "__class_fullname__",
                    "missing: not a serialised transform",
                )
            })?;
        let class = short_class_name(full).to_string();
        let fields = Fields {
            reader: self,
            class: &class,
            object,
        };
        let p = fields.probability()?;
        let here = if parent.is_empty() {
            class.clone()
        } else {
            format!("{parent}/{class}")
        };
        let children = |key: &str| -> Result<Vec<Node>> {
            let list = object
                .get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| self.error(&class, key, "missing or not a list of transforms"))?;
            list.iter()
                .enumerate()
                .map(|(i, child)| {
                    let mut inner = location.to_vec();
                    inner.push(i);
                    self.node(child, &format!("{here}[{i}]"), &inner)
                })
                .collect()
        };
        let leaf = |step: Step, fill: Option<u8>, notes: Vec<String>| {
            Ok(Node::Leaf(Box::new(Leaf {
                class: class.clone(),
                path: here.clone(),
                location: location.to_vec(),
                p,
                step,
                fill,
                notes,
            })))
        };
        match class.as_str() {
            "Compose" | "Sequential" | "ReplayCompose" => Ok(Node::Sequence {
                class: class.clone(),
                p,
                children: children("transforms")?,
            }),
            "OneOf" => Ok(Node::OneOf {
                p,
                children: children("transforms")?,
            }),
            "SomeOf" => {
                let children = children("transforms")?;
                let n = fields.count("n")?.unwrap_or(1);
                let replace = object
                    .get("replace")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                Ok(Node::SomeOf {
                    p,
                    n: if replace { n } else { n.min(children.len()) },
                    replace,
                    weighted: self.legacy,
                    children,
                })
            }
            "OneOrOther" => {
                let mut children = children("transforms")?;
                if children.len() < 2 {
                    return Err(self.error(&class, "transforms", "needs two transforms"));
                }
                let second = children.pop().unwrap_or(Node::PassThrough {
                    class: "NoOp".into(),
                });
                let first = children.swap_remove(0);
                Ok(Node::OneOrOther {
                    p,
                    first: Box::new(first),
                    second: Box::new(second),
                })
            }
            "HorizontalFlip" => leaf(Step::HFlip, None, vec![]),
            "VerticalFlip" => leaf(Step::VFlip, None, vec![]),
            "Transpose" => leaf(Step::Transpose, None, vec![]),
            "RandomRotate90" => leaf(Step::Rot90, None, vec![]),
            "D4" => leaf(Step::D4, None, vec![]),
            "Rotate" | "SafeRotate" => {
                let angle = fields.range("limit", 90.0, true)?;
                let (fill, notes) = fields.border()?;
                let step = if class == "Rotate" {
                    Step::Rotate(angle)
                } else {
                    Step::SafeRotate(angle)
                };
                leaf(step, fill, notes)
            }
            "ShiftScaleRotate" => {
                let shift = fields.range("shift_limit", 0.0625, true).ok();
                let shift_x = fields
                    .optional_range("shift_limit_x")?
                    .or(shift)
                    .unwrap_or(Param::symmetric(0.0625));
                let shift_y = fields
                    .optional_range("shift_limit_y")?
                    .or(shift)
                    .unwrap_or(Param::symmetric(0.0625));
                let scale = fields.range("scale_limit", 0.1, true)?;
                let (lo, hi) = scale.bounds();
                let rotate = fields.range("rotate_limit", 45.0, true)?;
                let (fill, notes) = fields.border()?;
                leaf(
                    Step::Affine(Affine {
                        rotate,
                        scale_x: fields.positive(param(1.0 + lo, 1.0 + hi), "scale_limit")?,
                        translate_x: shift_x,
                        translate_y: shift_y,
                        ..Affine::IDENTITY
                    }),
                    fill,
                    notes,
                )
            }
            "Affine" => {
                let (fill, mut notes) = fields.border()?;
                let keep_ratio = object
                    .get("keep_ratio")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let (scale_x, scale_y) = fields.axes("scale", 1.0)?;
                let scale_x = fields.positive(scale_x, "scale")?;
                let scale_y = fields.positive(scale_y, "scale")?;
                let (translate_x, translate_y) = fields.axes("translate_percent", 0.0)?;
                if let Some(px) = object.get("translate_px").filter(|v| !v.is_null()) {
                    if px
                        .to_string()
                        .chars()
                        .any(|c| c.is_ascii_digit() && c != '0')
                    {
                        notes
                            .push("translate_px is not modelled; only translate_percent is".into());
                    }
                }
                let (shear_x, shear_y) = fields.axes("shear", 0.0)?;
                if object.get("fit_output").and_then(Value::as_bool) == Some(true) {
                    notes.push("fit_output is not modelled: the frame is kept".into());
                }
                let rotate = fields
                    .optional_range("rotate")?
                    .unwrap_or(Param::Fixed(0.0));
                leaf(
                    Step::Affine(Affine {
                        rotate,
                        scale_x,
                        // Without keep_ratio, Albumentations draws the two scales apart,
                        // even from equal ranges.
                        scale_y: (!keep_ratio && (scale_x != scale_y || scale_y.is_random()))
                            .then_some(scale_y),
                        translate_x,
                        translate_y,
                        shear_x,
                        shear_y,
                    }),
                    fill,
                    notes,
                )
            }
            "RandomCrop" => {
                let (w, h) = fields.size(&["width", "height"])?;
                leaf(Step::Crop(Extent::Pixels(w, h)), None, vec![])
            }
            "CenterCrop" => {
                let (w, h) = fields.size(&["width", "height"])?;
                leaf(Step::CropCenterPixels(w, h), None, vec![])
            }
            "Crop" => {
                let coordinate = |key: &str| fields.count(key).map(|v| v.unwrap_or(0) as u32);
                let (x0, y0, x1, y1) = (
                    coordinate("x_min")?,
                    coordinate("y_min")?,
                    coordinate("x_max")?,
                    coordinate("y_max")?,
                );
                if x1 <= x0 || y1 <= y0 {
                    return Err(self.error(
                        &class,
                        "x_max",
                        "the box is empty: x_max must exceed x_min and y_max y_min",
                    ));
                }
                leaf(Step::CropBox { x0, y0, x1, y1 }, None, vec![])
            }
            "RandomResizedCrop" => {
                let scale = fields
                    .optional_range("scale")?
                    .unwrap_or(Param::Range(0.08, 1.0));
                let ratio = fields
                    .optional_range("ratio")?
                    .unwrap_or(Param::Range(0.75, 4.0 / 3.0));
                let (lo, hi) = scale.bounds();
                if !(lo > 0.0 && hi <= 1.0) {
                    return Err(self.error(
                        &class,
                        "scale",
                        format!("{lo}..{hi} must lie in (0, 1]"),
                    ));
                }
                if ratio.bounds().0 <= 0.0 {
                    return Err(self.error(&class, "ratio", "must be above 0"));
                }
                leaf(Step::ResizedCrop { scale, ratio }, None, vec![])
            }
            "RandomSizedCrop" => {
                let height = fields
                    .optional_range("min_max_height")?
                    .ok_or_else(|| self.error(&class, "min_max_height", "missing"))?;
                if height.bounds().0 < 1.0 {
                    return Err(self.error(
                        &class,
                        "min_max_height",
                        "heights must be at least 1 pixel",
                    ));
                }
                let ratio = fields.number("w2h_ratio")?.unwrap_or(1.0);
                if ratio <= 0.0 {
                    return Err(self.error(&class, "w2h_ratio", "must be above 0"));
                }
                leaf(Step::SizedCrop { height, ratio }, None, vec![])
            }
            "ElasticTransform" => {
                let alpha = fields.number("alpha")?.unwrap_or(1.0);
                let sigma = fields.number("sigma")?.unwrap_or(50.0);
                if alpha < 0.0 || sigma <= 0.0 {
                    return Err(self.error(
                        &class,
                        "sigma",
                        "alpha must be at least 0 and sigma above 0",
                    ));
                }
                let (fill, mut notes) = fields.border()?;
                if fields.number("alpha_affine")?.is_some_and(|a| a > 0.0) {
                    notes.push("alpha_affine (Albumentations 1.3) is not modelled".into());
                }
                leaf(Step::Elastic { alpha, sigma }, fill, notes)
            }
            "CoarseDropout" => {
                // 2.x: *_range fields; 1.x: min_/max_ fields.
                let holes = match fields.optional_range("num_holes_range")? {
                    Some(holes) => holes,
                    None => {
                        let max = fields.number("max_holes")?.unwrap_or(8.0);
                        param(fields.number("min_holes")?.unwrap_or(max), max)
                    }
                };
                let height = match fields.optional_range("hole_height_range")? {
                    Some(h) => h,
                    None => {
                        let max = fields.number("max_height")?.unwrap_or(8.0);
                        param(fields.number("min_height")?.unwrap_or(max), max)
                    }
                };
                let width = match fields.optional_range("hole_width_range")? {
                    Some(w) => w,
                    None => {
                        let max = fields.number("max_width")?.unwrap_or(8.0);
                        param(fields.number("min_width")?.unwrap_or(max), max)
                    }
                };
                // Albumentations reads sizes of 1 or more as pixels, smaller ones as fractions.
                let pixels = height.bounds().1 >= 1.0
                    && width.bounds().1 >= 1.0
                    && (height.bounds().0 >= 1.0 || height.bounds().1 > 1.0);
                let level = fields.fill_level(&["fill", "fill_value"])?.unwrap_or(0);
                leaf(
                    Step::Dropout {
                        holes,
                        height,
                        width,
                        pixels,
                        fill: Fill::Value(level),
                    },
                    None,
                    vec![],
                )
            }
            name if PHOTOMETRIC.contains(&name) => Ok(Node::PassThrough { class }),
            name if OTHER_KNOWN.contains(&name) => Ok(Node::NotEvaluated {
                class,
                reason: "an Albumentations transform augsafe does not model yet".into(),
            }),
            _ => Err(self.error(
                &class,
                "__class_fullname__",
                format!("unknown transform '{full}': not an Albumentations class"),
            )),
        }
    }
}

fn param(lo: f64, hi: f64) -> Param {
    if lo == hi {
        Param::Fixed(lo)
    } else {
        Param::Range(lo.min(hi), lo.max(hi))
    }
}

/// Typed access to one transform's fields, with errors that name the transform and field.
struct Fields<'a> {
    reader: &'a Reader<'a>,
    class: &'a str,
    object: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn error(&self, field: &str, reason: impl Into<String>) -> Error {
        self.reader.error(self.class, field, reason)
    }

    fn number(&self, field: &str) -> Result<Option<f64>> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_f64()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| self.error(field, format!("{value} is not a number"))),
        }
    }

    fn count(&self, field: &str) -> Result<Option<usize>> {
        match self.number(field)? {
            None => Ok(None),
            Some(v) if v >= 0.0 && v.fract() == 0.0 => Ok(Some(v as usize)),
            Some(v) => Err(self.error(field, format!("{v} is not a whole number at least 0"))),
        }
    }

    fn probability(&self) -> Result<f64> {
        if self.object.get("always_apply").and_then(Value::as_bool) == Some(true) {
            return Ok(1.0);
        }
        let p = self.number("p")?.unwrap_or(1.0);
        if (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(self.error(
                "p",
                format!("{p} is out of range: a probability is from 0 to 1"),
            ))
        }
    }

    /// A `[lo, hi]` pair or a single number; a single number `v` means `-v..v` when
    /// `symmetric`. Missing fields take `default` (made symmetric likewise).
    fn range(&self, field: &str, default: f64, symmetric: bool) -> Result<Param> {
        match self.optional_range(field)? {
            Some(Param::Fixed(v)) if symmetric && self.is_scalar(field) => Ok(Param::symmetric(v)),
            Some(range) => Ok(range),
            None if symmetric => Ok(Param::symmetric(default)),
            None => Ok(Param::Fixed(default)),
        }
    }

    fn is_scalar(&self, field: &str) -> bool {
        self.object.get(field).is_some_and(Value::is_number)
    }

    fn optional_range(&self, field: &str) -> Result<Option<Param>> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => {
                let numbers: Vec<f64> = items
                    .iter()
                    .map(|v| v.as_f64().filter(|x| x.is_finite()))
                    .collect::<Option<_>>()
                    .ok_or_else(|| {
                        self.error(
                            field,
                            format!("{} is not a list of numbers", Value::Array(items.clone())),
                        )
                    })?;
                match numbers[..] {
                    [lo, hi] if lo <= hi => Ok(Some(param(lo, hi))),
                    [lo, hi] => Err(self.error(field, format!("[{lo}, {hi}] runs backwards"))),
                    _ => Err(self.error(
                        field,
                        format!("needs two numbers [low, high], got {}", numbers.len()),
                    )),
                }
            }
            Some(value) => match value.as_f64().filter(|x| x.is_finite()) {
                Some(v) => Ok(Some(Param::Fixed(v))),
                None => Err(self.error(
                    field,
                    format!("{value} is not a number or a [low, high] pair"),
                )),
            },
        }
    }

    /// An Affine field that is a number, a pair, or `{x: .., y: ..}`; a number is symmetric
    /// around `identity` for translations and shears, and the scale itself for scales.
    fn axes(&self, field: &str, identity: f64) -> Result<(Param, Param)> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok((Param::Fixed(identity), Param::Fixed(identity))),
            Some(Value::Object(axes)) => {
                let axis = |key: &str| -> Result<Param> {
                    let inner = Map::from_iter(axes.get(key).map(|v| (key.to_string(), v.clone())));
                    let sub = Fields {
                        reader: self.reader,
                        class: self.class,
                        object: &inner,
                    };
                    Ok(sub.optional_range(key)?.unwrap_or(Param::Fixed(identity)))
                };
                Ok((axis("x")?, axis("y")?))
            }
            Some(_) => {
                let range = self
                    .optional_range(field)?
                    .unwrap_or(Param::Fixed(identity));
                let range = match range {
                    Param::Fixed(v) if identity == 0.0 => Param::symmetric(v),
                    other => other,
                };
                // Albumentations applies a plain shear along x only.
                let y = if field == "shear" {
                    Param::Fixed(0.0)
                } else {
                    range
                };
                Ok((range, y))
            }
        }
    }

    fn positive(&self, scale: Param, field: &str) -> Result<Param> {
        if scale.bounds().0 > 0.0 {
            Ok(scale)
        } else {
            Err(self.error(
                field,
                format!(
                    "a scale of {} is out of range: it must stay above 0",
                    scale.bounds().0
                ),
            ))
        }
    }

    fn size(&self, keys: &[&str; 2]) -> Result<(u32, u32)> {
        let mut size = [0u32; 2];
        for (slot, key) in size.iter_mut().zip(keys) {
            *slot = match self.count(key)? {
                Some(v) if v > 0 => v as u32,
                _ => return Err(self.error(key, "missing or not a whole number of pixels above 0")),
            };
        }
        Ok((size[0], size[1]))
    }

    fn fill_level(&self, keys: &[&str]) -> Result<Option<u8>> {
        for key in keys {
            if let Some(v) = self.number(key)? {
                if !(0.0..=255.0).contains(&v) {
                    return Err(self.error(key, format!("{v} is not a grey level from 0 to 255")));
                }
                return Ok(Some(v.round() as u8));
            }
        }
        Ok(None)
    }

    /// What uncovered pixels are filled with: a constant border fills with `fill` (2.x) or
    /// `value`/`cval` (1.x), 0 when unset; other border modes are approximated by the image's
    /// background, with a note.
    fn border(&self) -> Result<(Option<u8>, Vec<String>)> {
        let mode = match self.number("border_mode")? {
            Some(mode) => Some(mode),
            None => self.number("mode")?,
        };
        let constant = mode.is_none_or(|m| m == 0.0);
        if constant {
            Ok((
                Some(self.fill_level(&["fill", "value", "cval"])?.unwrap_or(0)),
                vec![],
            ))
        } else {
            let name = match mode.unwrap_or(0.0) as i64 {
                1 => "replicate",
                2 => "reflect",
                3 => "wrap",
                4 => "reflect-101",
                _ => "non-constant",
            };
            Ok((
                None,
                vec![format!(
                    "border mode {name} is approximated by the image background"
                )],
            ))
        }
    }
}

fn apply_node(
    node: &Node,
    image: GrayImage,
    background: u8,
    polarity: Polarity,
    rng: &mut ChaCha8Rng,
    forced: bool,
) -> GrayImage {
    // Every node draws for its probability, applied or not, so siblings see stable streams.
    let roll: f64 = rng.random();
    let p = match node {
        Node::Sequence { p, .. } | Node::OneOf { p, .. } | Node::SomeOf { p, .. } => *p,
        Node::Leaf(leaf) => leaf.p,
        Node::OneOrOther { .. } | Node::PassThrough { .. } | Node::NotEvaluated { .. } => 1.0,
    };
    if !forced && roll >= p {
        return image;
    }
    match node {
        Node::Sequence { children, .. } => children.iter().fold(image, |image, child| {
            apply_node(child, image, background, polarity, rng, false)
        }),
        Node::OneOf { children, .. } => {
            let total: f64 = children.iter().map(node_p).sum();
            if total <= 0.0 {
                return image;
            }
            let mut pick = rng.random_range(0.0..total);
            for child in children {
                let weight = node_p(child);
                if pick < weight {
                    return apply_node(child, image, background, polarity, rng, true);
                }
                pick -= weight;
            }
            image
        }
        Node::SomeOf {
            n,
            replace,
            weighted,
            children,
            ..
        } => {
            let weights: Vec<f64> = children
                .iter()
                .map(|c| if *weighted { node_p(c) } else { 1.0 })
                .collect();
            let mut chosen = choose(rng, &weights, *n, *replace);
            chosen.sort_unstable();
            chosen
                .into_iter()
                .fold(image, |image, i| match children.get(i) {
                    Some(child) => apply_node(child, image, background, polarity, rng, *weighted),
                    None => image,
                })
        }
        Node::OneOrOther { p, first, second } => {
            let child = if roll < *p { first } else { second };
            apply_node(child, image, background, polarity, rng, true)
        }
        Node::Leaf(leaf) => {
            let fill = leaf.fill.unwrap_or(background);
            leaf.step
                .apply(&GlyphImage::new(image, fill, polarity), rng)
        }
        Node::PassThrough { .. } | Node::NotEvaluated { .. } => image,
    }
}

/// `n` indices drawn with the given weights, with or without replacement.
fn choose(rng: &mut ChaCha8Rng, weights: &[f64], n: usize, replace: bool) -> Vec<usize> {
    let mut remaining: Vec<f64> = weights.iter().map(|w| w.max(0.0)).collect();
    let mut chosen = Vec::with_capacity(n);
    for _ in 0..n {
        let total: f64 = remaining.iter().sum();
        if total <= 0.0 {
            break;
        }
        let mut pick = rng.random_range(0.0..total);
        let index = remaining
            .iter()
            .position(|&w| {
                let hit = pick < w;
                pick -= w;
                hit
            })
            .unwrap_or(remaining.len() - 1);
        chosen.push(index);
        if !replace {
            remaining[index] = 0.0;
        }
    }
    chosen
}

fn node_p(node: &Node) -> f64 {
    match node {
        Node::Sequence { p, .. }
        | Node::OneOf { p, .. }
        | Node::SomeOf { p, .. }
        | Node::OneOrOther { p, .. } => *p,
        Node::Leaf(leaf) => leaf.p,
        Node::PassThrough { .. } | Node::NotEvaluated { .. } => 1.0,
    }
}

impl Augment for Pipeline {
    fn augment(&self, glyph: &GlyphImage, rng: &mut ChaCha8Rng) -> GrayImage {
        let image = glyph.pixels.clone();
        apply_node(
            &self.root,
            image,
            glyph.background,
            glyph.polarity,
            rng,
            false,
        )
    }

    fn is_random(&self) -> bool {
        true
    }
}

/// One geometric transform of a pipeline applied on its own, every time (its `p` set aside),
/// with its own fill: to see what it does when it does fire.
impl Augment for Leaf {
    fn augment(&self, glyph: &GlyphImage, rng: &mut ChaCha8Rng) -> GrayImage {
        match self.fill {
            Some(fill) if fill != glyph.background => {
                let filled = GlyphImage::new(glyph.pixels.clone(), fill, glyph.polarity);
                self.step.apply(&filled, rng)
            }
            _ => self.step.apply(glyph, rng),
        }
    }

    fn is_random(&self) -> bool {
        self.step.is_random()
    }
}

impl Leaf {
    /// The grey level it paints where it uncovers or blanks pixels, when fixed: its border
    /// fill, or the fill of a dropout's holes.
    pub fn painted_fill(&self) -> Option<u8> {
        match self.step {
            Step::Dropout {
                fill: Fill::Value(level),
                ..
            } => Some(level),
            _ => self.fill,
        }
    }

    /// The leaf in augsafe's spec language, with its fill when it is not the background.
    pub fn describe(&self) -> String {
        match self.fill {
            Some(level) => format!("{} (fill {level})", self.step),
            None => self.step.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn parse(json: &str) -> Result<Pipeline> {
        Pipeline::parse(json, Format::Json, Path::new("test.json"))
    }

    fn compose(children: &str) -> String {
        format!(
            r#"{{"__version__": "2.0.8", "transform": {{"__class_fullname__": "Compose", "p": 1.0, "transforms": [{children}]}}}}"#
        )
    }

    #[test]
    fn reads_leaves_with_their_probability_fill_and_path() {
        let pipeline = parse(&compose(
            r#"{"__class_fullname__": "albumentations.augmentations.geometric.rotate.Rotate", "p": 0.5, "limit": [-20, 20], "border_mode": 0, "fill": 255},
               {"__class_fullname__": "HorizontalFlip", "p": 0.5},
               {"__class_fullname__": "GaussNoise", "p": 0.3},
               {"__class_fullname__": "Perspective", "p": 0.3}"#,
        ))
        .unwrap();
        assert_eq!(pipeline.version.as_deref(), Some("2.0.8"));
        let leaves = pipeline.leaves();
        assert_eq!(leaves.len(), 2);
        assert_eq!(leaves[0].class, "Rotate");
        assert_eq!(leaves[0].path, "Compose[0]/Rotate");
        assert_eq!(leaves[0].step, Step::Rotate(Param::Range(-20.0, 20.0)));
        assert_eq!((leaves[0].p, leaves[0].fill), (0.5, Some(255)));
        assert_eq!(pipeline.passed_through(), vec!["GaussNoise".to_string()]);
        assert_eq!(pipeline.not_evaluated()[0].0, "Perspective");
        // The fill of 255 cannot be said in a spec (specs fill with the background).
        assert_eq!(pipeline.to_spec(None), None);
        assert!(
            pipeline.to_spec(Some(255)).is_none(),
            "Perspective has no spec"
        );
    }

    #[test]
    fn a_plain_sequence_has_a_spec() {
        let pipeline = parse(&compose(
            r#"{"__class_fullname__": "Rotate", "p": 1.0, "limit": [-10, 10], "border_mode": 4},
               {"__class_fullname__": "VerticalFlip", "p": 0.5}"#,
        ))
        .unwrap();
        assert_eq!(
            pipeline.to_spec(None).as_deref(),
            Some("rotate:-10..10+p=0.5:vflip")
        );
        assert!(pipeline.leaves()[0].notes[0].contains("reflect-101"));
    }

    #[test]
    fn errors_name_the_transform_and_the_field() {
        let cases = [
            (
                compose(r#"{"__class_fullname__": "Rotate", "p": 1.5}"#),
                "Rotate",
                "p",
                "out of range",
            ),
            (
                compose(r#"{"__class_fullname__": "Rotate", "limit": "abc"}"#),
                "Rotate",
                "limit",
                "not a number",
            ),
            (
                compose(r#"{"__class_fullname__": "Rotate", "limit": [30, -30]}"#),
                "Rotate",
                "limit",
                "backwards",
            ),
            (
                compose(r#"{"__class_fullname__": "FlipSideways"}"#),
                "FlipSideways",
                "__class_fullname__",
                "not an Albumentations class",
            ),
            (
                compose(r#"{"__class_fullname__": "RandomCrop", "height": 0, "width": 4}"#),
                "RandomCrop",
                "height",
                "missing",
            ),
            (
                compose(r#"{"__class_fullname__": "Affine", "scale": [0, 1]}"#),
                "Affine",
                "scale",
                "above 0",
            ),
            (
                compose(r#"{"p": 1}"#),
                "Compose[0]",
                "__class_fullname__",
                "missing",
            ),
            (
                r#"{"transforms": []}"#.to_string(),
                "",
                "transform",
                "not a pipeline",
            ),
            (r#"{"transform": "#.to_string(), "", "", "not valid JSON"),
        ];
        for (json, transform, field, reason) in cases {
            match parse(&json) {
                Err(Error::Pipeline {
                    transform: t,
                    field: f,
                    reason: r,
                    ..
                }) => {
                    assert_eq!((t.as_str(), f.as_str()), (transform, field), "{json}");
                    assert!(r.contains(reason), "{json}: {r}");
                }
                other => panic!("{json}: {other:?}"),
            }
        }
    }

    #[test]
    fn compositions_pick_as_albumentations_does() {
        let pipeline = parse(&compose(
            r#"{"__class_fullname__": "OneOf", "p": 1.0, "transforms": [
                  {"__class_fullname__": "HorizontalFlip", "p": 3.0e-1},
                  {"__class_fullname__": "VerticalFlip", "p": 0.9}]}"#,
        ))
        .unwrap();
        let image = GrayImage::from_fn(4, 4, |x, y| image::Luma([(y * 4 + x) as u8]));
        let (mut h, mut v) = (0, 0);
        for seed in 0..1200u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let glyph = GlyphImage::new(image.clone(), 0, Polarity::LightOnDark);
            let out = pipeline.augment(&glyph, &mut rng);
            if out == image::imageops::flip_horizontal(&image) {
                h += 1;
            } else if out == image::imageops::flip_vertical(&image) {
                v += 1;
            }
        }
        // Weights 0.3 : 0.9, each child applied for sure once chosen.
        assert_eq!(h + v, 1200);
        assert!((240..360).contains(&h), "{h}");
    }
}
