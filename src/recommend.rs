//! Recommending a safe pipeline: each geometric transform of a training pipeline is kept,
//! narrowed toward "no change" until every class is safe, or removed; fills that paint the
//! wrong colour are set to the dataset's background; the result is verified as a whole and
//! written in Albumentations' own format, with the class-conditional policy beside it.
//!
//! Every change is made to the saved document itself and the changed document is read back
//! and scanned, so what is written is exactly what was verified.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::albumentations::edit::{self, candidate_document, find_node_mut};
use crate::albumentations::{Format, Pipeline};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::progress::{Part, Progress};
use crate::report::{Change, ClassPolicy, Header, Recommendation, TransformReport, Verdict};
use crate::scan::{judge_noise, transform_report, Judge, Measured, ScanConfig};
use crate::transform::Augment;

/// Strengths tried when narrowing, from the original (1) toward no change (0).
const STRENGTHS: [f64; 9] = [1.0, 0.75, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05, 0.025];

/// A strength tried for a component that was safe: the component's node at that strength, and
/// its report.
#[derive(Clone)]
struct Attempt {
    strength: f64,
    node: Value,
    report: TransformReport,
}

/// Classes a change's reason names one by one; beyond them it counts (the policy lists all).
const NAMED_IN_REASON: usize = 12;

/// The judge of a recommendation, with what it does on its own measured, to be discounted.
struct Trials<'a> {
    dataset: &'a Dataset,
    judge: &'a Judge,
    config: &'a ScanConfig,
    /// The recommendation's progress, asked whether to stop by every measurement.
    progress: &'a dyn Progress,
    confusion_rates: BTreeMap<(usize, usize), f64>,
    /// The judge's own uncertainty per class under the control (empty without one).
    noise: Vec<f64>,
}

impl Trials<'_> {
    /// What `augment` does, as measured, before any discount.
    fn raw(&self, augment: &dyn Augment) -> Result<Measured> {
        let muted = Part {
            whole: self.progress,
            offset: None,
        };
        Ok((self.judge)
            .measure(self.dataset, &[augment], self.config, &muted)?
            .pop()
            .unwrap_or_default())
    }

    /// What `augment` does, less what the baseline and the judge do on their own.
    fn measured(&self, augment: &dyn Augment) -> Result<Measured> {
        let mut measured = self.raw(augment)?;
        measured.discount(&self.confusion_rates, &self.noise);
        Ok(measured)
    }

    fn report(&self, label: &str, augment: &dyn Augment) -> Result<TransformReport> {
        Ok(transform_report(
            label,
            &self.measured(augment)?,
            &self.dataset.classes,
            &self.config.thresholds,
        ))
    }
}

fn reparse(document: &Value, format: Format, path: &Path) -> Result<Pipeline> {
    let text = serde_json::to_string(document)?;
    Pipeline::parse(&text, format, path)
}

/// How many components a recommendation of `pipeline` (or of the built-in candidate) works
/// through, one progress step each.
pub fn component_count(pipeline: Option<&Pipeline>) -> usize {
    match pipeline {
        Some(pipeline) => pipeline.leaves().len(),
        None => reparse(
            &candidate_document(255),
            Format::Json,
            Path::new("candidate"),
        )
        .map_or(0, |candidate| candidate.leaves().len()),
    }
}

/// Recommends a safe version of `pipeline` (or of augsafe's built-in candidate when `None`)
/// for `dataset`, `judge` reading the glyphs. `progress` is called with each component finished.
///
/// # Errors
/// [`Error::Pipeline`](crate::Error::Pipeline) if a narrowed document cannot be read back (a bug, reported rather
/// than written), [`Error::Serialize`](crate::Error::Serialize) if it cannot be serialised,
/// [`Error::Model`](crate::Error::Model) when running a model fails.
pub fn recommend(
    dataset: &Dataset,
    pipeline: Option<&Pipeline>,
    config: &ScanConfig,
    judge: &Judge,
    progress: &dyn Progress,
) -> Result<Recommendation> {
    let background = dataset.background();
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
    let mut trials = Trials {
        dataset,
        judge,
        config,
        progress,
        confusion_rates: judge.confusion_rates(dataset),
        noise: Vec::new(),
    };
    // Measured first: what the judge leaves uncertain on its own is no component's doing.
    if let Some(control) = &config.control {
        trials.noise = judge_noise(&trials.raw(control)?.classes, &trials.confusion_rates);
    }
    let trials = trials;
    let start = reparse(&original, format, &path)?;
    let mut document = original.clone();
    let mut changes = Vec::new();
    let mut policy = Vec::new();
    let mut removals = Vec::new();
    // Per change, what a part of its range does beyond its average (None for none).
    let mut worse_notes: Vec<Option<String>> = Vec::new();

    for (done, leaf) in start.leaves().into_iter().enumerate() {
        let before = leaf.describe();
        let mut node = find_node_mut(&mut document, &leaf.location)
            .cloned()
            .unwrap_or(Value::Null);
        let mut reasons = Vec::new();
        // A border fill, or the fill of dropped-out holes, far from the background paints ink.
        let refill = leaf.ink_fill(background);
        if let Some(fill) = refill {
            edit::set_fill(&mut node, background);
            reasons.push(format!(
                "its fill {fill} differs from the background {background}, so it painted false ink"
            ));
        }
        // The component narrowed to `strength` as it would be written, read back.
        let written = |strength: f64| -> Result<(Value, Pipeline)> {
            let mut candidate = node.clone();
            edit::narrow(&mut candidate, strength);
            let mut trial = document.clone();
            if let Some(slot) = find_node_mut(&mut trial, &leaf.location) {
                *slot = candidate.clone();
            }
            Ok((candidate, reparse(&trial, format, &path)?))
        };
        // The policy judges the component at full strength as it is written (its fill already
        // set to the background), so the classes it lists are those of the spec it shows.
        let (full_node, full_pipeline) = written(1.0)?;
        let full_leaf = full_pipeline.leaf_at(&leaf.location).unwrap_or(leaf);
        let full_spec = full_leaf.describe();
        let full_report = trials.report(&full_spec, full_leaf)?;
        let verdicts: Vec<Verdict> = full_report.classes.iter().map(|c| c.verdict).collect();
        let narrowable = edit::can_narrow(&leaf.class);
        // The component narrowed to `strength`, judged: Some when safe (on average over its
        // range, the label noise training sees), with its report.
        let attempt = |strength: f64| -> Result<Option<Attempt>> {
            if strength == 1.0 {
                let safe = !full_report.verdict.is_flagged();
                return Ok(safe.then(|| Attempt {
                    strength,
                    node: full_node.clone(),
                    report: full_report.clone(),
                }));
            }
            let (node, trial) = written(strength)?;
            let Some(trial_leaf) = trial.leaf_at(&leaf.location) else {
                return Ok(None);
            };
            let report = trials.report(&trial_leaf.describe(), trial_leaf)?;
            Ok((!report.verdict.is_flagged()).then_some(Attempt {
                strength,
                node,
                report,
            }))
        };
        let mut chosen = None;
        let mut unsafe_above = None;
        for &strength in &STRENGTHS {
            if strength < 1.0 && !narrowable {
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
        if let (
            Some(Attempt {
                strength: mut safe, ..
            }),
            Some(mut unsafe_strength),
        ) = (chosen.clone(), unsafe_above)
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
        progress.advance(done as u64 + 1);
        let not_safe_for: Vec<String> = dataset
            .classes
            .iter()
            .zip(&verdicts)
            .filter(|(_, v)| v.is_flagged())
            .map(|(c, _)| c.clone())
            .collect();
        if !not_safe_for.is_empty() {
            policy.push(ClassPolicy {
                component: leaf.path.clone(),
                class: leaf.class.clone(),
                spec: full_spec.clone(),
                safe_for: dataset
                    .classes
                    .iter()
                    .zip(&verdicts)
                    .filter(|(_, v)| **v == Verdict::Safe)
                    .map(|(c, _)| c.clone())
                    .collect(),
                not_safe_for: not_safe_for.clone(),
                not_judged: (dataset.classes.iter())
                    .zip(&verdicts)
                    .filter(|(_, v)| **v == Verdict::NotJudged)
                    .map(|(c, _)| c.clone())
                    .collect(),
            });
            reasons.push(if not_safe_for.len() <= NAMED_IN_REASON {
                format!("at full strength it changes {}", not_safe_for.join(" "))
            } else {
                format!(
                    "at full strength it changes {} classes (the policy lists them)",
                    not_safe_for.len()
                )
            });
        }
        match chosen {
            Some(Attempt {
                strength,
                node: candidate,
                report,
            }) => {
                let after = report.spec.clone();
                let action = if strength < 1.0 {
                    "narrowed"
                } else if refill.is_some() {
                    "refilled"
                } else {
                    "kept"
                };
                if strength < 1.0 {
                    reasons.push(format!(
                        "{:.0}% of its range is safe for every class on average",
                        strength * 100.0
                    ));
                }
                // Safe on average is the label noise training sees; a part of the range can
                // still be worse, and the user may want to narrow it further. Said at the end,
                // unless the range is halved again by then.
                worse_notes.push(report.worse_parts_text(NAMED_IN_REASON).map(|worse| {
                    format!("it is safe for every class on average over its range, but {worse}")
                }));
                if let Some(slot) = find_node_mut(&mut document, &leaf.location) {
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
                reasons.push(if !narrowable {
                    "it has no range to narrow".to_string()
                } else {
                    format!(
                        "even {:.1}% of its range is not safe",
                        STRENGTHS[STRENGTHS.len() - 1] * 100.0
                    )
                });
                removals.push(leaf.location.clone());
                worse_notes.push(None);
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
        edit::remove(&mut document, location);
    }

    // Components that are safe alone can still add up: halve what remains until the whole is
    // safe, a few times at most, and report the verdict as it is.
    let mut recommended = reparse(&document, format, &path)?;
    let mut verification = trials.report("recommended pipeline", &recommended)?;
    let mut halved = false;
    for _ in 0..3 {
        if !verification.verdict.is_flagged() {
            break;
        }
        for leaf in recommended.leaves() {
            if let Some(node) = find_node_mut(&mut document, &leaf.location) {
                edit::narrow(node, 0.5);
            }
        }
        for change in changes.iter_mut().filter(|c| c.action != "removed") {
            if edit::can_narrow(&change.class) {
                change.strength *= 0.5;
                change.action = "narrowed".to_string();
                add_reason(
                    &mut change.reason,
                    "halved again so that the whole pipeline is safe",
                );
                halved = true;
            }
        }
        recommended = reparse(&document, format, &path)?;
        verification = trials.report("recommended pipeline", &recommended)?;
    }
    for (change, note) in changes.iter_mut().zip(worse_notes) {
        let narrowed_since = halved && edit::can_narrow(&change.class);
        if let Some(note) = note.filter(|_| !narrowed_since) {
            add_reason(&mut change.reason, &note);
        }
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
        dataset: judge.dataset_summary(dataset),
        classifier: judge.classifier_summary(dataset, config),
        background,
        changes,
        policy,
        spec: recommended.to_spec(Some(background)),
        verification,
        control: (config.control.as_ref())
            .map(|control| trials.report(&control.to_string(), control))
            .transpose()?,
        document,
    })
}

/// Adds `text` to a change's reason, after what it says already.
fn add_reason(reason: &mut String, text: &str) {
    if !reason.is_empty() {
        reason.push_str("; ");
    }
    reason.push_str(text);
}
