//! Albumentations pipelines as `albumentations.save` writes them (JSON or YAML, 1.x and 2.x
//! class names and fields): read into a tree, applied as training applies it, and edited.
//!
//! Compositions follow Albumentations 2.x: `Compose` and `Sequential` apply their children in
//! order, each with its own `p`; `OneOf` picks one child with weights proportional to the
//! children's `p` and applies it; `SomeOf` picks `n` children uniformly (with or without
//! replacement) and applies each with its own `p`; `OneOrOther` applies the first child with
//! probability `p`, else the last. Geometric transforms become [`Step`]s; photometric ones
//! (brightness, blur, noise, ...) are passed through; any other Albumentations class is listed
//! as not evaluated. A class Albumentations does not have is an error.
//!
//! Everything augsafe knows about a class (which of those four it is; for a geometric one how
//! its fields become a [`Step`], which fields narrow it toward "no change" and which hold its
//! fill) is one entry of the table in `classes.rs`. The reader (`read.rs`), the applier
//! (`apply.rs`) and the document editor ([`edit`]) only consult that table.
//!
//! ```
//! use std::path::Path;
//! use augsafe::albumentations::{Format, Pipeline};
//! use augsafe::transform::{Param, Step};
//!
//! # fn main() -> augsafe::Result<()> {
//! let saved = r#"{"__version__": "2.0.8", "transform": {
//!     "__class_fullname__": "Compose", "p": 1.0, "transforms": [
//!         {"__class_fullname__": "Rotate", "p": 0.5, "limit": [-10, 10], "border_mode": 0, "fill": 255},
//!         {"__class_fullname__": "GaussNoise", "p": 0.3},
//!         {"__class_fullname__": "HorizontalFlip", "p": 0.5}]}}"#;
//! let pipeline = Pipeline::parse(saved, Format::Json, Path::new("train.json"))?;
//! let leaves = pipeline.leaves();
//! assert_eq!(leaves.len(), 2);
//! assert_eq!(leaves[0].path, "Compose[0]/Rotate");
//! assert_eq!(leaves[0].step, Step::Rotate(Param::Range(-10.0, 10.0)));
//! assert_eq!((leaves[0].p, leaves[0].fill), (0.5, Some(255)));
//! assert_eq!(leaves[1].step, Step::HFlip);
//! assert_eq!(pipeline.passed_through(), ["GaussNoise"]);
//! # Ok(())
//! # }
//! ```

mod apply;
mod classes;
pub mod edit;
mod read;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::transform::{Fill, Step, Transform};

/// How far (in grey levels) a fill may be from the image's background and still read as
/// background; a fill further away paints ink (see [`Leaf::ink_fill`]).
pub const FILL_TOLERANCE: u8 = 32;

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

impl Pipeline {
    /// Reads a pipeline saved by `albumentations.save`, as JSON or YAML (by extension, else by
    /// content).
    ///
    /// # Errors
    /// [`Error::Read`] when the file cannot be read, [`Error::Pipeline`] when it is not a
    /// pipeline, names a class Albumentations does not have, or holds a field out of range.
    pub fn load(path: &Path) -> Result<Pipeline> {
        let text = crate::input::read_text(path, crate::input::FileKind::Pipeline.max()).map_err(
            |source| Error::Read {
                path: path.to_path_buf(),
                source,
            },
        )?;
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
        let error = |field: &str, reason: String| Error::Pipeline {
            path: path.to_path_buf(),
            transform: String::new(),
            field: field.to_string(),
            reason,
        };
        let document: Value = match format {
            Format::Json => serde_json::from_str(text)
                .map_err(|err| error("", format!("not valid JSON: {err}")))?,
            Format::Yaml => {
                // Checked before the parser sees it: a parser that nests as deep as the text
                // asks takes its time about it (quadratic in the depth).
                shallow_enough(text).map_err(|reason| error("", reason))?;
                let yaml: serde_norway::Value = serde_norway::from_str(text)
                    .map_err(|err| error("", format!("not valid YAML: {err}")))?;
                // JSON has no NaN or infinity, so converting would turn `.nan` into null,
                // silently; they are errors here, as they are in a spec.
                finite(&yaml, "").map_err(|(field, reason)| error(&field, reason))?;
                serde_json::to_value(yaml)
                    .map_err(|err| error("", format!("not a pipeline document: {err}")))?
            }
        };
        let transform = document.get("transform").ok_or_else(|| {
            error(
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
        let root = read::read(transform, path, major.is_some_and(|m| m < 2))?;
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

    /// The geometric transform at `location` (see [`Leaf::location`]), if one is there.
    pub fn leaf_at(&self, location: &[usize]) -> Option<&Leaf> {
        self.leaves()
            .into_iter()
            .find(|leaf| leaf.location == location)
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

/// A pipeline document as `albumentations.save` writes it, in `format`, for
/// `albumentations.load` to read back.
///
/// # Errors
/// [`Error::Serialize`] or [`Error::Yaml`] when it cannot be serialised.
pub fn write_document(document: &Value, format: Format) -> Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string(document)? + "\n",
        Format::Yaml => serde_norway::to_string(document)?,
    })
}

/// How deep a pipeline file may nest: flow brackets, block sequences on one line, or
/// indentation in columns (real pipelines nest about ten levels).
const MAX_NESTING: usize = 128;

/// Whether a YAML text nests no deeper than [`MAX_NESTING`], estimated from its characters
/// alone; the reason when it does.
fn shallow_enough(text: &str) -> std::result::Result<(), String> {
    let too_deep = || format!("nested deeper than {MAX_NESTING} levels: not a pipeline");
    let mut brackets = 0usize;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let dashes = line
            .trim_start()
            .split_inclusive(char::is_whitespace)
            .take_while(|word| word.trim_end() == "-")
            .count();
        if indent > MAX_NESTING * 8 || dashes > MAX_NESTING {
            return Err(too_deep());
        }
        for c in line.chars() {
            match c {
                '[' | '{' => brackets += 1,
                ']' | '}' => brackets = brackets.saturating_sub(1),
                _ => {}
            }
            if brackets > MAX_NESTING {
                return Err(too_deep());
            }
        }
    }
    Ok(())
}

/// Whether every number in a YAML document is finite; the field (its path of keys) and the
/// reason when one is not.
fn finite(value: &serde_norway::Value, at: &str) -> std::result::Result<(), (String, String)> {
    use serde_norway::Value as Yaml;
    match value {
        Yaml::Number(n) if n.as_f64().is_some_and(|v| !v.is_finite()) => {
            Err((at.to_string(), format!("{n} is not a finite number")))
        }
        Yaml::Sequence(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| finite(item, &format!("{at}[{i}]"))),
        Yaml::Mapping(map) => map.iter().try_for_each(|(key, item)| {
            let key = key
                .as_str()
                .map_or_else(|| format!("{key:?}"), str::to_string);
            let path = if at.is_empty() {
                key
            } else {
                format!("{at}.{key}")
            };
            finite(item, &path)
        }),
        Yaml::Tagged(tagged) => finite(&tagged.value, at),
        _ => Ok(()),
    }
}

/// The class name without its module path (`albumentations.augmentations...Rotate` → `Rotate`).
pub fn short_class_name(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
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

    /// Its painted fill (see [`Leaf::painted_fill`]) when that is more than
    /// [`FILL_TOLERANCE`] away from `background`: a fill that draws false ink on such images.
    pub fn ink_fill(&self, background: u8) -> Option<u8> {
        self.painted_fill()
            .filter(|fill| fill.abs_diff(background) > FILL_TOLERANCE)
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
    use crate::transform::Param;

    pub(super) fn parse(json: &str) -> Result<Pipeline> {
        Pipeline::parse(json, Format::Json, Path::new("test.json"))
    }

    pub(super) fn compose(children: &str) -> String {
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
        assert_eq!(
            pipeline.leaf_at(&[1]).map(|l| &l.class),
            Some(&leaves[1].class)
        );
        assert_eq!(pipeline.leaf_at(&[2]), None);
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
    fn a_fill_far_from_the_background_paints_ink() {
        let pipeline = parse(&compose(
            r#"{"__class_fullname__": "Rotate", "limit": 10, "border_mode": 0, "fill": 0},
               {"__class_fullname__": "CoarseDropout", "fill": 200},
               {"__class_fullname__": "Rotate", "limit": 10, "border_mode": 1}"#,
        ))
        .unwrap();
        let leaves = pipeline.leaves();
        assert_eq!(leaves[0].ink_fill(255), Some(0));
        assert_eq!(leaves[0].ink_fill(FILL_TOLERANCE), None);
        assert_eq!(leaves[0].ink_fill(FILL_TOLERANCE + 1), Some(0));
        assert_eq!(leaves[1].ink_fill(255), Some(200));
        assert_eq!(leaves[1].ink_fill(232), None);
        // A border that is not constant takes the background, whatever it is.
        assert_eq!(leaves[2].ink_fill(0), None);
    }
}
