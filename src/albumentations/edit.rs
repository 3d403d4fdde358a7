//! The document editor: changes made to a saved pipeline itself (narrowing a transform toward
//! "no change", setting its fill, taking it out), so that what is written back is exactly what
//! `albumentations.load` reads, and augsafe's built-in candidate pipeline.
//!
//! A transform is found by its location (see [`Leaf::location`](super::Leaf::location)); what
//! its fields mean comes from the class table.

use serde_json::{json, Value};

use super::classes::{self, class_of, Composition, Kind, Toward};

/// A starting pipeline for datasets that have none: rotations, affine jitter, resized crops,
/// elastic deformation, dropout, flips and quarter turns, as an Albumentations 2.x document
/// whose fills are `background`.
pub fn candidate_document(background: u8) -> Value {
    let fill = f64::from(background);
    json!({
        "__version__": "2.0.8",
        "transform": {
            "__class_fullname__": "Compose",
            "p": 1.0,
            "transforms": [
                {"__class_fullname__": "Rotate", "p": 0.5, "limit": [-30.0, 30.0], "border_mode": 0, "fill": fill},
                {"__class_fullname__": "Affine", "p": 0.5, "scale": {"x": [0.8, 1.2], "y": [0.8, 1.2]},
                 "translate_percent": {"x": [-0.1, 0.1], "y": [-0.1, 0.1]}, "rotate": [0.0, 0.0],
                 "shear": {"x": [-15.0, 15.0], "y": [0.0, 0.0]}, "keep_ratio": true, "border_mode": 0, "fill": fill},
                {"__class_fullname__": "RandomResizedCrop", "p": 0.5, "size": [32, 32], "scale": [0.5, 1.0], "ratio": [0.75, 1.3333333333333333]},
                {"__class_fullname__": "ElasticTransform", "p": 0.3, "alpha": 30.0, "sigma": 4.0, "border_mode": 0, "fill": fill},
                {"__class_fullname__": "CoarseDropout", "p": 0.3, "num_holes_range": [1, 3], "hole_height_range": [0.05, 0.15], "hole_width_range": [0.05, 0.15], "fill": fill},
                {"__class_fullname__": "HorizontalFlip", "p": 0.5},
                {"__class_fullname__": "VerticalFlip", "p": 0.5},
                {"__class_fullname__": "RandomRotate90", "p": 0.5}
            ],
            "bbox_params": null,
            "keypoint_params": null,
            "additional_targets": {},
            "is_check_shapes": true
        }
    })
}

/// The transform at `location` in a saved document: the index in each enclosing `transforms`
/// list, outermost first (`[]` is the outermost composition).
pub fn find_node_mut<'a>(document: &'a mut Value, location: &[usize]) -> Option<&'a mut Value> {
    let mut node = document.get_mut("transform")?;
    for &i in location {
        node = node.get_mut("transforms")?.get_mut(i)?;
    }
    Some(node)
}

/// Whether transforms of `class` have fields that [`narrow`] moves toward "no change" (a flip,
/// say, has none: it can only be kept or removed).
pub fn can_narrow(class: &str) -> bool {
    classes::geometric_class(class).is_some_and(|geometric| !geometric.narrowing.is_empty())
}

/// Moves the narrowing fields of a serialised transform toward "no change": to `strength` of
/// their distance from it (1 leaves them, 0 means no change). Fields it does not have, and
/// transforms that have none, are left as they are.
pub fn narrow(node: &mut Value, strength: f64) {
    let Some(geometric) = classes::geometric_class(class_of(node)) else {
        return;
    };
    if let Some(object) = node.as_object_mut() {
        for (field, toward) in geometric.narrowing {
            if let Some(value) = object.get_mut(*field) {
                narrow_value(value, *toward, strength);
            }
        }
    }
}

/// Moves every number in `value` (a number, a list, or a `{x, y}` mapping) toward `toward` by
/// `strength`. Whole numbers of pixel sizes stay whole and at least 1; everything else becomes
/// a float, rounded to 6 decimals so the written file stays readable.
fn narrow_value(value: &mut Value, toward: Toward, strength: f64) {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| narrow_value(v, toward, strength)),
        Value::Object(axes) => axes
            .values_mut()
            .for_each(|v| narrow_value(v, toward, strength)),
        Value::Number(number) => {
            let Some(v) = number.as_f64() else { return };
            let narrowed = match toward {
                Toward::Value(identity) => identity + (v - identity) * strength,
                // `0.0 +` turns a negative zero into 0, as every other identity does.
                Toward::Size => 0.0 + v * strength,
                Toward::Ratio if v > 0.0 => (v.ln() * strength).exp(),
                Toward::Ratio => v,
            };
            let whole = number.is_i64() || number.is_u64();
            *value = if toward == Toward::Size && whole && v >= 1.0 {
                json!(narrowed.round().max(1.0) as i64)
            } else {
                json!((narrowed * 1e6).round() / 1e6)
            };
        }
        _ => {}
    }
}

/// Sets the fill of a serialised transform to `level`: every fill field of its class that is
/// present (the names differ between versions), or `fill` when none is.
pub fn set_fill(node: &mut Value, level: u8) {
    let keys = classes::geometric_class(class_of(node)).map_or(&[][..], |g| g.fill);
    let Some(object) = node.as_object_mut() else {
        return;
    };
    let mut found = false;
    for key in keys {
        if let Some(slot) = object.get_mut(*key) {
            *slot = json!(f64::from(level));
            found = true;
        }
    }
    if !found {
        let key = keys.first().copied().unwrap_or("fill");
        object.insert(key.to_string(), json!(f64::from(level)));
    }
}

/// Takes the transform at `location` out of a saved document: dropped from a sequence,
/// replaced by `NoOp` inside a choice (so the choice keeps its shape and its odds of doing
/// nothing). A location that names nothing is ignored.
pub fn remove(document: &mut Value, location: &[usize]) {
    let Some((&last, parent_location)) = location.split_last() else {
        return;
    };
    let Some(parent) = find_node_mut(document, parent_location) else {
        return;
    };
    let in_sequence = matches!(
        classes::find(class_of(parent)).map(|class| &class.kind),
        Some(Kind::Composition(Composition::Sequence))
    );
    let Some(children) = parent.get_mut("transforms").and_then(Value::as_array_mut) else {
        return;
    };
    if last >= children.len() {
        return;
    }
    if in_sequence {
        children.remove(last);
    } else {
        let p = children[last].get("p").cloned().unwrap_or(json!(1.0));
        children[last] = json!({"__class_fullname__": "NoOp", "p": p});
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{Format, Pipeline};
    use super::*;

    #[test]
    fn narrowing_moves_ranges_toward_no_change() {
        let mut limit = json!([-90.0, 90.0]);
        narrow_value(&mut limit, Toward::Value(0.0), 0.25);
        assert_eq!(limit, json!([-22.5, 22.5]));
        let mut scale = json!({"x": [0.8, 1.2], "y": [0.5, 1.0]});
        narrow_value(&mut scale, Toward::Value(1.0), 0.5);
        assert_eq!(scale, json!({"x": [0.9, 1.1], "y": [0.75, 1.0]}));
        let mut holes = json!([2, 6]);
        narrow_value(&mut holes, Toward::Size, 0.1);
        assert_eq!(holes, json!([1, 1]));
        let mut fractions = json!([0.05, 0.15]);
        narrow_value(&mut fractions, Toward::Size, 0.5);
        assert_eq!(fractions, json!([0.025, 0.075]));
        // Whole-degree limits become fractional degrees, never a one-sided range.
        let mut degrees = json!([-5, 5]);
        narrow_value(&mut degrees, Toward::Value(0.0), 0.1);
        assert_eq!(degrees, json!([-0.5, 0.5]));
        let mut kept = json!([-5, 5]);
        narrow_value(&mut kept, Toward::Value(0.0), 1.0);
        assert_eq!(kept, json!([-5.0, 5.0]));
        let mut ratio = json!([0.5, 2.0]);
        narrow_value(&mut ratio, Toward::Ratio, 0.0);
        assert_eq!(ratio, json!([1.0, 1.0]));
    }

    #[test]
    fn narrowing_a_transform_touches_only_its_class_fields() {
        let mut rotate = json!({"__class_fullname__": "Rotate", "limit": [-20, 20], "p": 0.5});
        narrow(&mut rotate, 0.5);
        assert_eq!(
            rotate,
            json!({"__class_fullname__": "Rotate", "limit": [-10.0, 10.0], "p": 0.5})
        );
        let mut flip = json!({"__class_fullname__": "HorizontalFlip", "p": 0.5});
        narrow(&mut flip, 0.5);
        assert_eq!(
            flip,
            json!({"__class_fullname__": "HorizontalFlip", "p": 0.5})
        );
        assert!(can_narrow("Affine"));
        assert!(!can_narrow("HorizontalFlip"));
        assert!(!can_narrow("Compose"));
    }

    #[test]
    fn removal_keeps_the_shape_of_choices() {
        let mut document = json!({"transform": {"__class_fullname__": "Compose", "transforms": [
            {"__class_fullname__": "HorizontalFlip", "p": 0.5},
            {"__class_fullname__": "OneOrOther", "p": 0.5, "transforms": [
                {"__class_fullname__": "VerticalFlip", "p": 1.0},
                {"__class_fullname__": "Transpose", "p": 1.0}]}]}});
        remove(&mut document, &[1, 0]);
        remove(&mut document, &[0]);
        remove(&mut document, &[7, 1]);
        assert_eq!(
            document,
            json!({"transform": {"__class_fullname__": "Compose", "transforms": [
                {"__class_fullname__": "OneOrOther", "p": 0.5, "transforms": [
                    {"__class_fullname__": "NoOp", "p": 1.0},
                    {"__class_fullname__": "Transpose", "p": 1.0}]}]}})
        );
    }

    #[test]
    fn fills_are_set_whatever_the_version_calls_them() {
        let mut modern = json!({"__class_fullname__": "Rotate", "fill": 0.0});
        set_fill(&mut modern, 255);
        assert_eq!(
            modern,
            json!({"__class_fullname__": "Rotate", "fill": 255.0})
        );
        let mut legacy = json!({"__class_fullname__": "Affine", "value": 0, "cval": 0});
        set_fill(&mut legacy, 250);
        assert_eq!(
            legacy,
            json!({"__class_fullname__": "Affine", "value": 250.0, "cval": 250.0})
        );
        let mut dropout = json!({"__class_fullname__": "CoarseDropout", "fill_value": 0});
        set_fill(&mut dropout, 255);
        assert_eq!(
            dropout,
            json!({"__class_fullname__": "CoarseDropout", "fill_value": 255.0})
        );
        let mut unset = json!({"__class_fullname__": "ElasticTransform"});
        set_fill(&mut unset, 255);
        assert_eq!(
            unset,
            json!({"__class_fullname__": "ElasticTransform", "fill": 255.0})
        );
    }

    #[test]
    fn the_candidate_reads_as_a_pipeline() {
        let text = serde_json::to_string(&candidate_document(255)).unwrap();
        let candidate = Pipeline::parse(&text, Format::Json, Path::new("candidate")).unwrap();
        assert_eq!(candidate.leaves().len(), 8);
        assert!(candidate.not_evaluated().is_empty());
        assert!(candidate
            .leaves()
            .iter()
            .all(|leaf| leaf.ink_fill(255).is_none()));
    }
}
