//! The report of a recommendation: what became of each component of a pipeline, the
//! class-conditional policy, and the recommended pipeline's own scan.

use serde::Serialize;
use serde_json::Value;

use super::header::{ClassifierSummary, DatasetSummary, Header};
use super::scan_report::TransformReport;

/// What became of one component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Its path in the pipeline.
    pub component: String,
    /// The Albumentations class.
    pub class: String,
    /// `kept`, `refilled` (kept with its fill set to the background), `narrowed` or `removed`.
    pub action: String,
    /// The share of its original range kept (1 kept as is, 0 removed).
    pub strength: f64,
    /// What it does at full strength as written (the fill recommend set, if any), in augsafe's
    /// spec language.
    pub before: String,
    /// What it does now (empty when removed).
    pub after: String,
    /// Why, in words.
    pub reason: String,
}

/// For a component that was narrowed or removed: the classes it is safe for at full strength,
/// as it is written (its fill set to the background where recommend changed it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassPolicy {
    /// Its path in the pipeline.
    pub component: String,
    /// The Albumentations class.
    pub class: String,
    /// What it does at full strength as written (the fill recommend set, if any), in augsafe's
    /// spec language.
    pub spec: String,
    /// Classes it leaves safe at full strength: it could be applied to these alone.
    pub safe_for: Vec<String>,
    /// Classes it changes (caution or unsafe).
    pub not_safe_for: Vec<String>,
    /// Classes that could not be judged (no sample read as its own class before it): neither
    /// safe nor not.
    pub not_judged: Vec<String>,
}

/// The result of a recommendation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recommendation {
    /// Schema version, tool and seed.
    #[serde(flatten)]
    pub header: Header,
    /// Where the starting pipeline came from (a file, or augsafe's built-in candidate).
    pub source: String,
    /// What was read.
    pub dataset: DatasetSummary,
    /// The classifier and its baseline.
    pub classifier: ClassifierSummary,
    /// The dataset's background level; fills are set to it.
    pub background: u8,
    /// One entry per geometric component.
    pub changes: Vec<Change>,
    /// The class-conditional policy for every component not kept as it was.
    pub policy: Vec<ClassPolicy>,
    /// The recommended pipeline in augsafe's spec language, where it has one.
    pub spec: Option<String>,
    /// The recommended pipeline scanned as a whole.
    pub verification: TransformReport,
    /// The control transformation, judged as a scan judges it: the judge's own noise, beside
    /// the verification and in no decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<TransformReport>,
    /// The recommended pipeline, as `albumentations.save` would write it.
    #[serde(skip)]
    pub document: Value,
}
