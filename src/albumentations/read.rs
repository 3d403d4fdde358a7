//! The reader: walks a saved document and turns each transform into a [`Node`], as the table
//! in `classes.rs` says.

use std::path::Path;

use serde_json::{Map, Value};

use super::classes::{self, param, Class, Composition, Geometry, Kind};
use super::{short_class_name, Leaf, Node};
use crate::error::{Error, Result};
use crate::transform::Param;

/// The most transforms a SomeOf may choose (with replacement it may choose more than it has).
const MAX_CHOICES: usize = 1000;

/// Why a known class is left out.
const NOT_MODELLED: &str = "an Albumentations transform augsafe does not model yet";

/// Reads the `transform` of a saved document; `path` names the file in errors, `legacy` says
/// it was written by Albumentations before 2.0.
pub(super) fn read(transform: &Value, path: &Path, legacy: bool) -> Result<Node> {
    Reader { path, legacy }.node(transform, "", &[])
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
        let known = classes::find(&class);
        let fields = Fields {
            reader: self,
            class: &class,
            fill: match known {
                Some(Class {
                    kind: Kind::Geometric(geometric),
                    ..
                }) => geometric.fill,
                _ => &[],
            },
            object,
        };
        // Even an unknown class has its `p` checked first, so errors come in document order.
        let p = fields.probability()?;
        let here = if parent.is_empty() {
            class.clone()
        } else {
            format!("{parent}/{class}")
        };
        let Some(known) = known else {
            return Err(self.error(
                &class,
                "__class_fullname__",
                format!("unknown transform '{full}': not an Albumentations class"),
            ));
        };
        match &known.kind {
            Kind::Composition(how) => self.composition(*how, &fields, p, &here, location),
            Kind::Geometric(geometric) => {
                let Geometry { step, fill, notes } = (geometric.read)(&fields)?;
                // The same ranges as a -t spec: nothing a file asks for may stall or overflow.
                step.check()
                    .map_err(|reason| self.error(&class, "", reason))?;
                Ok(Node::Leaf(Box::new(Leaf {
                    class,
                    path: here,
                    location: location.to_vec(),
                    p,
                    step,
                    fill,
                    notes,
                })))
            }
            Kind::Photometric => Ok(Node::PassThrough { class }),
            Kind::NotEvaluated => Ok(Node::NotEvaluated {
                class,
                reason: NOT_MODELLED.into(),
            }),
        }
    }

    fn composition(
        &self,
        how: Composition,
        fields: &Fields,
        p: f64,
        here: &str,
        location: &[usize],
    ) -> Result<Node> {
        let list = fields
            .get("transforms")
            .and_then(Value::as_array)
            .ok_or_else(|| fields.error("transforms", "missing or not a list of transforms"))?;
        let children = list
            .iter()
            .enumerate()
            .map(|(i, child)| {
                let mut inner = location.to_vec();
                inner.push(i);
                self.node(child, &format!("{here}[{i}]"), &inner)
            })
            .collect::<Result<Vec<Node>>>()?;
        match how {
            Composition::Sequence => Ok(Node::Sequence {
                class: fields.class.to_string(),
                p,
                children,
            }),
            Composition::OneOf => Ok(Node::OneOf { p, children }),
            Composition::SomeOf => {
                let n = fields.count("n")?.unwrap_or(1);
                if n > MAX_CHOICES {
                    return Err(fields.error(
                        "n",
                        format!("{n} is out of range: SomeOf chooses at most {MAX_CHOICES}"),
                    ));
                }
                let replace = fields.flag("replace").unwrap_or(false);
                Ok(Node::SomeOf {
                    p,
                    n: if replace { n } else { n.min(children.len()) },
                    replace,
                    weighted: self.legacy,
                    children,
                })
            }
            Composition::OneOrOther => {
                let mut children = children.into_iter();
                let (Some(first), Some(second)) = (children.next(), children.next_back()) else {
                    return Err(fields.error("transforms", "needs two transforms"));
                };
                Ok(Node::OneOrOther {
                    p,
                    first: Box::new(first),
                    second: Box::new(second),
                })
            }
        }
    }
}

/// Typed access to one transform's fields, with errors that name the transform and field.
pub(super) struct Fields<'a> {
    reader: &'a Reader<'a>,
    class: &'a str,
    /// The class's fill fields, from the table.
    fill: &'static [&'static str],
    object: &'a Map<String, Value>,
}

impl Fields<'_> {
    /// An error in `field` of this transform.
    pub(super) fn error(&self, field: &str, reason: impl Into<String>) -> Error {
        self.reader.error(self.class, field, reason)
    }

    /// A field as saved.
    pub(super) fn get(&self, field: &str) -> Option<&Value> {
        self.object.get(field)
    }

    /// A true/false field (`None` when missing or not a boolean).
    pub(super) fn flag(&self, field: &str) -> Option<bool> {
        self.object.get(field).and_then(Value::as_bool)
    }

    /// A number field (`None` when missing or null).
    pub(super) fn number(&self, field: &str) -> Result<Option<f64>> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_f64()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| self.error(field, format!("{value} is not a number"))),
        }
    }

    /// A whole number at least 0 (`None` when missing or null).
    pub(super) fn count(&self, field: &str) -> Result<Option<usize>> {
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
    pub(super) fn range(&self, field: &str, default: f64, symmetric: bool) -> Result<Param> {
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

    /// A `[lo, hi]` pair or a single number, as saved (`None` when missing or null).
    pub(super) fn optional_range(&self, field: &str) -> Result<Option<Param>> {
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
    pub(super) fn axes(&self, field: &str, identity: f64) -> Result<(Param, Param)> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok((Param::Fixed(identity), Param::Fixed(identity))),
            Some(Value::Object(axes)) => {
                let axis = |key: &str| -> Result<Param> {
                    let inner = Map::from_iter(axes.get(key).map(|v| (key.to_string(), v.clone())));
                    let sub = Fields {
                        object: &inner,
                        ..*self
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

    /// `scale`, unless it reaches 0 or below.
    pub(super) fn positive(&self, scale: Param, field: &str) -> Result<Param> {
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

    /// A width and height in whole pixels above 0, from the two fields `keys`.
    pub(super) fn size(&self, keys: &[&str; 2]) -> Result<(u32, u32)> {
        let mut size = [0u32; 2];
        for (slot, key) in size.iter_mut().zip(keys) {
            *slot = match self.count(key)? {
                Some(v) if v > 0 => v as u32,
                _ => return Err(self.error(key, "missing or not a whole number of pixels above 0")),
            };
        }
        Ok((size[0], size[1]))
    }

    /// The fill level: the first of the class's fill fields that is set.
    pub(super) fn fill_level(&self) -> Result<Option<u8>> {
        for key in self.fill {
            if let Some(v) = self.number(key)? {
                if !(0.0..=255.0).contains(&v) {
                    return Err(self.error(key, format!("{v} is not a grey level from 0 to 255")));
                }
                return Ok(Some(v.round() as u8));
            }
        }
        Ok(None)
    }

    /// What uncovered pixels are filled with: a constant border fills with the class's fill
    /// field, 0 when unset; other border modes are approximated by the image's background,
    /// with a note.
    pub(super) fn border(&self) -> Result<(Option<u8>, Vec<String>)> {
        let mode = match self.number("border_mode")? {
            Some(mode) => Some(mode),
            None => self.number("mode")?,
        };
        let constant = mode.is_none_or(|m| m == 0.0);
        if constant {
            Ok((Some(self.fill_level()?.unwrap_or(0)), vec![]))
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

#[cfg(test)]
mod tests {
    use super::super::tests::{compose, parse};
    use super::*;

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
                compose(r#"{"__class_fullname__": "FlipSideways", "p": 2}"#),
                "FlipSideways",
                "p",
                "out of range",
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
                compose(r#"{"__class_fullname__": "CoarseDropout", "fill": 300}"#),
                "CoarseDropout",
                "fill",
                "grey level",
            ),
            (
                compose(
                    r#"{"__class_fullname__": "OneOrOther", "transforms": [{"__class_fullname__": "NoOp"}]}"#,
                ),
                "OneOrOther",
                "transforms",
                "needs two",
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
    fn fills_are_read_from_the_fields_each_class_has() {
        let pipeline = parse(&compose(
            r#"{"__class_fullname__": "Rotate", "border_mode": 0, "value": 9, "fill_value": 7},
               {"__class_fullname__": "Affine", "mode": 0, "cval": 8},
               {"__class_fullname__": "CoarseDropout", "value": 9, "fill_value": 7}"#,
        ))
        .unwrap();
        let fills: Vec<Option<u8>> = pipeline.leaves().iter().map(|l| l.painted_fill()).collect();
        assert_eq!(fills, [Some(9), Some(8), Some(7)]);
    }
}
