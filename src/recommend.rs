//! Recommending a safe pipeline: each geometric transform of a training pipeline is kept,
//! narrowed toward "no change" until every class is safe, or removed; fills that paint the
//! wrong colour are set to the dataset's background; the result is verified as a whole and
//! written in Albumentations' own format, with the class-conditional policy beside it.
//!
//! Every change is made to the saved document itself and the changed document is read back
//! and scanned, so what is written is exactly what was verified.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::pipeline::{short_class_name, Format, Leaf, Pipeline};
use crate::report::{Change, ClassPolicy, Header, Recommendation, TransformReport, Verdict};
use crate::scan::{
    classifier_summary, dataset_summary, discount_baseline_confusions, measure, transform_report,
    Baseline, ScanConfig, Tally,
};
use crate::transform::Augment;

/// Strengths tried when narrowing, from the original (1) toward no change (0).
const STRENGTHS: [f64; 9] = [1.0, 0.75, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05, 0.025];

/// How far a border fill may be from the dataset's background before it is corrected.
const FILL_TOLERANCE: u8 = 32;

/// A starting pipeline for datasets that have none: rotations, affine jitter, resized crops,
/// elastic deformation, dropout, flips and quarter turns, as an Albumentations 2.x document.
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

/// The fields that narrow a class toward "no change", with the value that means no change;
/// `None` identity means log scale around 1 (aspect ratios).
fn narrowing_fields(class: &str) -> &'static [(&'static str, Option<f64>)] {
    match class {
        "Rotate" | "SafeRotate" => &[("limit", Some(0.0))],
        "ShiftScaleRotate" => &[
            ("rotate_limit", Some(0.0)),
            ("shift_limit", Some(0.0)),
            ("shift_limit_x", Some(0.0)),
            ("shift_limit_y", Some(0.0)),
            ("scale_limit", Some(0.0)),
        ],
        "Affine" => &[
            ("rotate", Some(0.0)),
            ("scale", Some(1.0)),
            ("translate_percent", Some(0.0)),
            ("translate_px", Some(0.0)),
            ("shear", Some(0.0)),
        ],
        "RandomResizedCrop" => &[("scale", Some(1.0)), ("ratio", None)],
        "ElasticTransform" => &[("alpha", Some(0.0))],
        "CoarseDropout" => &[
            ("hole_height_range", Some(0.0)),
            ("hole_width_range", Some(0.0)),
            ("max_height", Some(0.0)),
            ("max_width", Some(0.0)),
            ("min_height", Some(0.0)),
            ("min_width", Some(0.0)),
        ],
        _ => &[],
    }
}

/// Moves every number in `value` (a number, a list, or a `{x, y}` mapping) toward `identity`
/// by `strength` (`None`: log scale around 1). Whole numbers of pixel-sized fields stay whole
/// and at least 1; everything else becomes a float.
fn narrow_value(value: &mut Value, identity: Option<f64>, strength: f64, pixels: bool) {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| narrow_value(v, identity, strength, pixels)),
        Value::Object(axes) => axes
            .values_mut()
            .for_each(|v| narrow_value(v, identity, strength, pixels)),
        Value::Number(number) => {
            let Some(v) = number.as_f64() else { return };
            let narrowed = match identity {
                Some(identity) => identity + (v - identity) * strength,
                None if v > 0.0 => (v.ln() * strength).exp(),
                None => v,
            };
            *value = if pixels && (number.is_i64() || number.is_u64()) && v >= 1.0 {
                json!(narrowed.round().max(1.0) as i64)
            } else {
                json!((narrowed * 1e6).round() / 1e6)
            };
        }
        _ => {}
    }
}

/// Narrows a transform's range fields (those of [`narrowing_fields`]) by `strength`.
fn narrow_fields(node: &mut Value, class: &str, strength: f64) {
    // CoarseDropout's integer sizes are pixels.
    let pixels = class == "CoarseDropout";
    if let Some(object) = node.as_object_mut() {
        for (field, identity) in narrowing_fields(class) {
            if let Some(value) = object.get_mut(*field) {
                narrow_value(value, *identity, strength, pixels);
            }
        }
    }
}

fn node_at<'a>(document: &'a mut Value, location: &[usize]) -> Option<&'a mut Value> {
    let mut node = document.get_mut("transform")?;
    for &i in location {
        node = node.get_mut("transforms")?.get_mut(i)?;
    }
    Some(node)
}

fn class_of(node: &Value) -> String {
    node.get("__class_fullname__")
        .and_then(Value::as_str)
        .map(|c| short_class_name(c).to_string())
        .unwrap_or_default()
}

/// Sets every fill field of a node to `level` (the key names differ between versions).
fn set_fill(node: &mut Value, level: u8) {
    let Some(object) = node.as_object_mut() else {
        return;
    };
    let mut found = false;
    for key in ["fill", "value", "cval", "fill_value"] {
        if let Some(slot) = object.get_mut(key) {
            *slot = json!(f64::from(level));
            found = true;
        }
    }
    if !found {
        object.insert("fill".to_string(), json!(f64::from(level)));
    }
}

/// Takes the node at `location` out: dropped from a sequence, replaced by `NoOp` inside a
/// choice (so the choice keeps its shape and its odds of doing nothing).
fn remove_at(document: &mut Value, location: &[usize]) {
    let Some((&last, parent_location)) = location.split_last() else {
        return;
    };
    let Some(parent) = node_at(document, parent_location) else {
        return;
    };
    let in_sequence = matches!(
        class_of(parent).as_str(),
        "Compose" | "Sequential" | "ReplayCompose"
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

struct Judge<'a> {
    dataset: &'a Dataset,
    baseline: &'a Baseline,
    config: &'a ScanConfig,
    confusion_rates: BTreeMap<(usize, usize), f64>,
}

impl Judge<'_> {
    fn tallies(&self, augment: &dyn Augment) -> Vec<Tally> {
        let mut tallies = measure(
            self.dataset,
            self.baseline,
            &[augment],
            self.config,
            &|_| {},
        );
        let mut per_class = tallies.pop().unwrap_or_default();
        discount_baseline_confusions(&mut per_class, &self.confusion_rates);
        per_class
    }

    fn report(&self, label: &str, augment: &dyn Augment) -> TransformReport {
        transform_report(
            label,
            &self.tallies(augment),
            &self.dataset.classes,
            &self.config.thresholds,
        )
    }
}

fn reparse(document: &Value, format: Format, path: &Path) -> Result<Pipeline> {
    let text = serde_json::to_string(document)?;
    Pipeline::parse(&text, format, path)
}

fn leaf_at<'a>(pipeline: &'a Pipeline, location: &[usize]) -> Option<&'a Leaf> {
    pipeline
        .leaves()
        .into_iter()
        .find(|leaf| leaf.location == location)
}

/// Recommends a safe version of `pipeline` (or of augsafe's built-in candidate when `None`)
/// for `dataset`. `progress` is called with each component finished.
///
/// # Errors
/// [`Error::Pipeline`] if a narrowed document cannot be read back (a bug, reported rather
/// than written), [`Error::Serialize`] if it cannot be serialised.
pub fn recommend(
    dataset: &Dataset,
    pipeline: Option<&Pipeline>,
    config: &ScanConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Recommendation> {
    let baseline = Baseline::build(dataset, &config.classifier);
    let mut backgrounds: Vec<u8> = dataset.glyphs.iter().map(|g| g.image.background).collect();
    backgrounds.sort_unstable();
    let background = backgrounds
        .get(backgrounds.len() / 2)
        .copied()
        .unwrap_or(255);
    let (source, format, path, original) = match pipeline {
        Some(p) => (
            p.path.display().to_string(),
            p.format,
            p.path.clone(),
            p.document.clone(),
        ),
        None => (
            "built-in candidate".to_string(),
            Format::Json,
            Path::new("built-in candidate").to_path_buf(),
            candidate_document(background),
        ),
    };
    let judge = Judge {
        dataset,
        baseline: &baseline,
        config,
        confusion_rates: baseline.confusion_rates(dataset),
    };
    let start = reparse(&original, format, &path)?;
    let mut document = original.clone();
    let mut changes = Vec::new();
    let mut policy = Vec::new();
    let mut removals = Vec::new();

    for (done, leaf) in start.leaves().into_iter().enumerate() {
        let before = leaf.describe();
        let mut node = node_at(&mut document, &leaf.location)
            .cloned()
            .unwrap_or(Value::Null);
        let mut reasons = Vec::new();
        // A border fill, or the fill of dropped-out holes, far from the background paints ink.
        let fill = leaf.painted_fill();
        let refill = fill.filter(|fill| fill.abs_diff(background) > FILL_TOLERANCE);
        if let Some(fill) = refill {
            set_fill(&mut node, background);
            reasons.push(format!(
                "its fill {fill} differs from the background {background}, so it painted false ink"
            ));
        }
        let full = judge.tallies(leaf);
        let verdicts: Vec<Verdict> = full
            .iter()
            .map(|t| config.thresholds.verdict(t.change_rate()))
            .collect();
        let fields = narrowing_fields(&leaf.class);
        let fields_present = !fields.is_empty();
        // The component narrowed to `strength`, read back, judged: Some when safe.
        let attempt = |strength: f64| -> Result<Option<(f64, Value, String)>> {
            let mut candidate = node.clone();
            narrow_fields(&mut candidate, &leaf.class, strength);
            let mut trial = document.clone();
            if let Some(slot) = node_at(&mut trial, &leaf.location) {
                *slot = candidate.clone();
            }
            let trial = reparse(&trial, format, &path)?;
            let Some(trial_leaf) = leaf_at(&trial, &leaf.location) else {
                return Ok(None);
            };
            let safe = if strength == 1.0 && reasons.is_empty() {
                verdicts.iter().all(|v| *v == Verdict::Safe)
            } else {
                judge
                    .tallies(trial_leaf)
                    .iter()
                    .all(|t| config.thresholds.verdict(t.change_rate()) == Verdict::Safe)
            };
            Ok(safe.then(|| (strength, candidate, trial_leaf.describe())))
        };
        let mut chosen = None;
        let mut unsafe_above = None;
        for &strength in &STRENGTHS {
            if strength < 1.0 && !fields_present {
                break;
            }
            match attempt(strength)? {
                Some(found) => {
                    chosen = Some(found);
                    break;
                }
                None => unsafe_above = Some(strength),
            }
        }
        // Between the last unsafe and the first safe strength, bisect a few times.
        if let (Some((mut safe, _, _)), Some(mut unsafe_strength)) = (chosen.clone(), unsafe_above)
        {
            for _ in 0..3 {
                let middle = (safe + unsafe_strength) / 2.0;
                match attempt(middle)? {
                    Some(found) => {
                        safe = middle;
                        chosen = Some(found);
                    }
                    None => unsafe_strength = middle,
                }
            }
        }
        progress(done as u64 + 1);
        let not_safe_for: Vec<String> = dataset
            .classes
            .iter()
            .zip(&verdicts)
            .filter(|(_, v)| **v != Verdict::Safe)
            .map(|(c, _)| c.clone())
            .collect();
        if !not_safe_for.is_empty() {
            policy.push(ClassPolicy {
                component: leaf.path.clone(),
                class: leaf.class.clone(),
                spec: before.clone(),
                safe_for: dataset
                    .classes
                    .iter()
                    .zip(&verdicts)
                    .filter(|(_, v)| **v == Verdict::Safe)
                    .map(|(c, _)| c.clone())
                    .collect(),
                not_safe_for: not_safe_for.clone(),
            });
            reasons.push(format!("as it was it changes {}", not_safe_for.join(" ")));
        }
        match chosen {
            Some((strength, candidate, after)) => {
                let action = if strength < 1.0 {
                    "narrowed"
                } else if refill.is_some() {
                    "refilled"
                } else {
                    "kept"
                };
                if strength < 1.0 {
                    reasons.push(format!(
                        "{:.0}% of its range is safe for every class",
                        strength * 100.0
                    ));
                }
                if let Some(slot) = node_at(&mut document, &leaf.location) {
                    *slot = candidate.clone();
                }
                changes.push(Change {
                    component: leaf.path.clone(),
                    class: leaf.class.clone(),
                    action: action.to_string(),
                    strength,
                    before,
                    after,
                    reason: reasons.join("; "),
                });
            }
            None => {
                reasons.push(if fields.is_empty() {
                    "it has no range to narrow".to_string()
                } else {
                    format!(
                        "even {:.1}% of its range is not safe",
                        STRENGTHS[STRENGTHS.len() - 1] * 100.0
                    )
                });
                removals.push(leaf.location.clone());
                changes.push(Change {
                    component: leaf.path.clone(),
                    class: leaf.class.clone(),
                    action: "removed".to_string(),
                    strength: 0.0,
                    before,
                    after: String::new(),
                    reason: reasons.join("; "),
                });
            }
        }
    }
    // Later siblings first, so earlier positions stay valid.
    removals.sort_by(|a, b| b.cmp(a));
    for location in &removals {
        remove_at(&mut document, location);
    }

    // Components that are safe alone can still add up: halve what remains until the whole is
    // safe, a few times at most, and report the verdict as it is.
    let mut recommended = reparse(&document, format, &path)?;
    let mut verification = judge.report("recommended pipeline", &recommended);
    for _ in 0..3 {
        if verification.verdict == Verdict::Safe {
            break;
        }
        for leaf in recommended.leaves() {
            if let Some(node) = node_at(&mut document, &leaf.location) {
                narrow_fields(node, &leaf.class, 0.5);
            }
        }
        for change in changes.iter_mut().filter(|c| c.action != "removed") {
            if !narrowing_fields(&change.class).is_empty() {
                change.strength *= 0.5;
                change.action = "narrowed".to_string();
                change
                    .reason
                    .push_str("; halved again so that the whole pipeline is safe");
            }
        }
        recommended = reparse(&document, format, &path)?;
        verification = judge.report("recommended pipeline", &recommended);
    }
    for change in changes.iter_mut().filter(|c| c.action != "removed") {
        if let Some(leaf) = recommended
            .leaves()
            .into_iter()
            .find(|l| l.path == change.component)
        {
            change.after = leaf.describe();
        }
    }

    Ok(Recommendation {
        header: Header::new(config.seed),
        source,
        dataset: dataset_summary(dataset, &baseline),
        classifier: classifier_summary(dataset, &baseline, config.margin),
        background,
        changes,
        policy,
        spec: recommended.to_spec(Some(background)),
        verification,
        document,
    })
}

/// The recommended pipeline as `albumentations.save` writes it, in `format`.
///
/// # Errors
/// [`Error::Serialize`] when it cannot be serialised.
pub fn render_document(recommendation: &Recommendation, format: Format) -> Result<String> {
    match format {
        Format::Json => Ok(serde_json::to_string(&recommendation.document)? + "\n"),
        Format::Yaml => {
            serde_norway::to_string(&recommendation.document).map_err(|err| Error::Pipeline {
                path: Path::new("recommended pipeline").to_path_buf(),
                transform: String::new(),
                field: String::new(),
                reason: format!("cannot write YAML: {err}"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_moves_ranges_toward_no_change() {
        let mut limit = json!([-90.0, 90.0]);
        narrow_value(&mut limit, Some(0.0), 0.25, false);
        assert_eq!(limit, json!([-22.5, 22.5]));
        let mut scale = json!({"x": [0.8, 1.2], "y": [0.5, 1.0]});
        narrow_value(&mut scale, Some(1.0), 0.5, false);
        assert_eq!(scale, json!({"x": [0.9, 1.1], "y": [0.75, 1.0]}));
        let mut holes = json!([2, 6]);
        narrow_value(&mut holes, Some(0.0), 0.1, true);
        assert_eq!(holes, json!([1, 1]));
        // Whole-degree limits become fractional degrees, never a one-sided range.
        let mut degrees = json!([-5, 5]);
        narrow_value(&mut degrees, Some(0.0), 0.1, false);
        assert_eq!(degrees, json!([-0.5, 0.5]));
        let mut kept = json!([-5, 5]);
        narrow_value(&mut kept, Some(0.0), 1.0, false);
        assert_eq!(kept, json!([-5.0, 5.0]));
        let mut ratio = json!([0.5, 2.0]);
        narrow_value(&mut ratio, None, 0.0, false);
        assert_eq!(ratio, json!([1.0, 1.0]));
    }

    #[test]
    fn removal_keeps_the_shape_of_choices() {
        let mut document = json!({"transform": {"__class_fullname__": "Compose", "transforms": [
            {"__class_fullname__": "HorizontalFlip", "p": 0.5},
            {"__class_fullname__": "OneOrOther", "p": 0.5, "transforms": [
                {"__class_fullname__": "VerticalFlip", "p": 1.0},
                {"__class_fullname__": "Transpose", "p": 1.0}]}]}});
        remove_at(&mut document, &[1, 0]);
        remove_at(&mut document, &[0]);
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
        let mut modern = json!({"fill": 0.0});
        set_fill(&mut modern, 255);
        assert_eq!(modern, json!({"fill": 255.0}));
        let mut legacy = json!({"value": 0, "cval": 0});
        set_fill(&mut legacy, 250);
        assert_eq!(legacy, json!({"value": 250.0, "cval": 250.0}));
        let mut dropout = json!({"fill_value": 0});
        set_fill(&mut dropout, 255);
        assert_eq!(dropout, json!({"fill_value": 255.0}));
    }

    #[test]
    fn the_candidate_reads_as_a_pipeline() {
        let candidate = reparse(
            &candidate_document(255),
            Format::Json,
            Path::new("candidate"),
        )
        .unwrap();
        assert_eq!(candidate.leaves().len(), 8);
        assert!(candidate.not_evaluated().is_empty());
    }
}
