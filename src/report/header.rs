//! What every report kind shares: the header (schema version, tool, seed), what was read,
//! the classifier's baseline, verdicts and their thresholds, and from→to pairs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dataset::Skipped;

/// The JSON schema version this crate writes. Version 2 added destroyed samples: a pair's `to`
/// may be null, `uncertain` no longer counts glyphs left without ink, and verdicts are read
/// from `loss_rate` (changed and destroyed) instead of `change_rate`.
pub const SCHEMA_VERSION: u32 = 2;

/// The first fields of every report: which schema, which tool, which seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The seed every random draw came from.
    pub seed: u64,
}

impl Header {
    /// The header of a report made by this crate with `seed`.
    pub fn new(seed: u64) -> Header {
        Header {
            schema_version: SCHEMA_VERSION,
            tool: Tool::default(),
            seed,
        }
    }

    /// `augsafe 0.1.0`, as reports open.
    pub fn tool_line(&self) -> String {
        format!("{} {}", self.tool.name, self.tool.version)
    }
}

/// How bad a change rate is. They are ordered by how bad: "not judged" comes first because it
/// says nothing either way, so the worst verdict of several is that of the judged ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No sample could be judged (none of the class was read correctly before the
    /// transformation), so nothing is known: not safe, and not a reason to drop the
    /// transformation either.
    #[serde(rename = "not_judged")]
    NotJudged,
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
            Verdict::NotJudged => "not judged",
            Verdict::Safe => "safe",
            Verdict::Caution => "caution",
            Verdict::Unsafe => "unsafe",
        }
    }

    /// The verdict as one word, for a style or an identifier (`not-judged`).
    pub fn slug(self) -> &'static str {
        match self {
            Verdict::NotJudged => "not-judged",
            other => other.as_str(),
        }
    }

    /// Whether this verdict flags a problem (caution or unsafe).
    pub fn is_flagged(self) -> bool {
        self >= Verdict::Caution
    }
}

/// Change rates at which a class becomes caution and unsafe.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// Unsafe at or above this change rate.
    pub unsafe_at: f64,
    /// Caution at or above this loss rate, doubtful samples counted as half a loss.
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
    /// The verdict for a class whose label was lost (changed or destroyed) at `loss_rate` and
    /// left in doubt at `doubtful_rate`: unsafe when the losses alone reach `unsafe_at`;
    /// caution when the losses and half the doubts reach `caution_at`; safe otherwise.
    ///
    /// A doubtful sample is one another class leads by less than the margin: the judge's best
    /// guess is a change held back by the margin, as likely lost as kept, so it counts as half
    /// a loss. It never makes a class unsafe (no change was seen), but it is not a sample seen
    /// to survive.
    pub fn verdict(&self, loss_rate: f64, doubtful_rate: f64) -> Verdict {
        if loss_rate >= self.unsafe_at {
            Verdict::Unsafe
        } else if loss_rate + doubtful_rate / 2.0 >= self.caution_at {
            Verdict::Caution
        } else {
            Verdict::Safe
        }
    }
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
    /// The format it was read in (`folder`, `idx`, `manifest`, `pixel-csv`, `numpy`,
    /// `memory`).
    pub format: crate::dataset::Format,
    /// The split read, where the source held several.
    pub split: Option<String>,
    /// The data files read when the dataset is files (an IDX pair: images, then labels).
    pub files: Vec<String>,
    /// The images files of the other IDX pairs in the folder, which `--split` could read
    /// instead.
    pub other_splits: Vec<String>,
    /// Hidden files and folders (a name starting with a dot, `__MACOSX`) left out of an
    /// ImageFolder tree; a hidden folder counts once.
    pub hidden: usize,
    /// Class folders without a usable image.
    pub empty_classes: Vec<String>,
    /// Labels several class folders stand for, with the folders: read as one class.
    pub merged_folders: Vec<String>,
    /// Manifest rows whose path leaves the manifest's folder, as written: read as given.
    pub outside_manifest: Vec<String>,
    /// Images larger than a glyph needs, reduced as they loaded, with the size they had.
    pub reduced: Vec<crate::dataset::Reduced>,
}

impl DatasetSummary {
    /// What was read, in a line, for a dataset that is files: `read as NumPy (split train):
    /// mnist.npz[x_train] and mnist.npz[y_train]`.
    pub fn read_line(&self) -> Option<String> {
        if self.files.is_empty() {
            return None;
        }
        let split = (self.split.as_deref())
            .map(|s| format!(" (split {s})"))
            .unwrap_or_default();
        Some(format!(
            "read as {}{split}: {}",
            self.format.name(),
            self.files.join(" and ")
        ))
    }

    /// What was reduced as it loaded, in a sentence, if anything was.
    pub fn reduced_text(&self) -> Option<String> {
        let first = self.reduced.first()?;
        Some(format!(
            "{} image(s) larger than a glyph needs were reduced as they loaded (first: {}, {}x{} pixels); pixel sizes in transformations act on the reduced images",
            self.reduced.len(),
            crate::dataset::visible_label(&first.path.display().to_string()),
            first.width,
            first.height
        ))
    }
}

/// The classifier and its baseline on untransformed images.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassifierSummary {
    /// `template-ncc` for the templates built from the dataset, `onnx` for the user's model.
    pub kind: String,
    /// Templates in all classes.
    pub templates: usize,
    /// The canonical form glyphs are compared in.
    pub canonical: CanonicalSummary,
    /// How far ahead another class must score for a change to count.
    pub margin: f32,
    /// Leave-one-out accuracy on the untransformed images.
    pub baseline_accuracy: f64,
    /// The same per class.
    pub per_class_accuracy: BTreeMap<String, f64>,
    /// Which classes the classifier already mistakes for which at baseline.
    pub confusions: Vec<Pair>,
    /// A transformed glyph that another class wins with a score below `destroyed.below` is
    /// destroyed, not changed; `None` (no original read correctly) destroys only glyphs left
    /// without ink.
    pub destroyed: Option<DestroyedFloor>,
    /// The user's model, when it judges (`kind` is then `onnx`, `templates` 0, `canonical`
    /// the model's input side, and `margin` in probability).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<crate::classify::model::ModelSummary>,
}

impl ClassifierSummary {
    /// Who judged, in words, for the line that gives its baseline: `template-ncc classifier (30
    /// templates)`, or `model digits.onnx (input 64×1×28×28, ink bright)`.
    pub fn judge_words(&self) -> String {
        match &self.model {
            Some(model) => format!(
                "model {} (input {}, ink {})",
                model.file,
                model
                    .input_shape
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join("×"),
                match model.ink {
                    crate::classify::model::Ink::Bright => "bright on dark",
                    crate::classify::model::Ink::Dark => "dark on light",
                    crate::classify::model::Ink::AsStored => "as stored",
                }
            ),
            None => format!("{} classifier ({} templates)", self.kind, self.templates),
        }
    }

    /// Who judged and what it read untransformed, in a sentence without its full stop: `the
    /// model digits.onnx (…) recognises 100.0% of the untransformed images (the model as
    /// given)`.
    pub fn baseline_sentence(&self) -> String {
        format!(
            "the {} recognises {} of the untransformed images {}",
            self.judge_words(),
            percent(self.baseline_accuracy).trim(),
            self.baseline_words()
        )
    }

    /// How its baseline was read: leave-one-out for templates built from the very images they
    /// read, as they are for a model trained elsewhere.
    pub fn baseline_words(&self) -> &'static str {
        if self.model.is_some() {
            "(the model as given)"
        } else {
            "(leave-one-out)"
        }
    }

    /// What a model judge leaves out, in a sentence: the classes it cannot name and the
    /// outputs that name no class of the dataset.
    pub fn model_gaps(&self) -> Option<String> {
        let model = self.model.as_ref()?;
        let mut gaps = Vec::new();
        if !model.unnamed_classes.is_empty() {
            gaps.push(format!(
                "the model names no output for {} class(es), never judged: {}",
                model.unnamed_classes.len(),
                model.unnamed_classes.join(" ")
            ));
        }
        if !model.extra_outputs.is_empty() {
            gaps.push(format!(
                "{} of its outputs name no class of the dataset and are left out: {}",
                model.extra_outputs.len(),
                model.extra_outputs.join(" ")
            ));
        }
        (!gaps.is_empty()).then(|| gaps.join("; "))
    }
}

/// The canonical form every glyph is brought into before it is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CanonicalSummary {
    /// Side of the canonical square, in pixels.
    pub size: u32,
    /// Whether each glyph is sheared upright before it is compared.
    pub deslant: bool,
}

/// The score below which a glyph reads as no class, and the two measurements it comes from:
/// both taken on the untransformed glyphs the classifier reads correctly, each left out of its
/// own template as the baseline reads it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DestroyedFloor {
    /// The floor: the lower of `own_low` and `rival_median`.
    pub below: f32,
    /// The 1% quantile of their own-class scores: all but 1% of real glyphs match their own
    /// class better.
    pub own_low: f32,
    /// The median of their best other-class scores: how well a glyph typically matches the
    /// nearest class it is not.
    pub rival_median: f32,
}

/// A from→to count; `to` is `None` (`null`, written `∅`) for samples destroyed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pair {
    /// The true class.
    pub from: String,
    /// The class it read as; `None` when it read as no class (destroyed).
    pub to: Option<String>,
    /// How many samples.
    pub count: usize,
    /// `count` over the samples of `from`.
    pub rate: f64,
}

/// How reports write a destroyed sample's target: the label went to nothing.
pub const DESTROYED_MARK: &str = "∅";

impl Pair {
    /// The class it read as, or [`DESTROYED_MARK`] when it read as none.
    pub fn target(&self) -> &str {
        self.to.as_deref().unwrap_or(DESTROYED_MARK)
    }
}

/// Pairs as `B→8 3` (`3→∅ 12` when destroyed), in their order.
pub fn pair_counts(pairs: &[Pair]) -> Vec<String> {
    pairs
        .iter()
        .map(|p| format!("{}→{} {}", p.from, p.target(), p.count))
        .collect()
}

/// A rate as a percentage with one decimal, `12.5%`.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}
