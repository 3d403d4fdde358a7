//! Reports: one model per kind (a scan's [`Report`], a [`SweepReport`], a
//! [`Recommendation`]) over a shared [`Header`], and one exporter per output format, each
//! writing whichever kinds it supports.
//!
//! A new format is a new file here with a type that implements [`Exporter`] for the kinds it
//! writes; a new report kind is a model file and an `Exporter` impl in each format that shows
//! it.

mod header;
pub mod html;
pub mod json;
pub mod markdown;
pub mod policy;
mod recommendation;
mod scan_report;
pub mod strip;
pub mod svg;
mod sweep_report;
pub mod text;
mod write;

pub use header::{
    pair_counts, percent, CanonicalSummary, ClassifierSummary, DatasetSummary, DestroyedFloor,
    Header, Pair, Thresholds, Tool, Verdict, DESTROYED_MARK, SCHEMA_VERSION,
};
pub use recommendation::{Change, ClassPolicy, Recommendation};
pub use scan_report::{
    rate, Agreement, Blame, ClassReport, ComponentSummary, Disagreement, Example, NotEvaluated,
    Outcomes, PartReport, PipelineSummary, Report, TransformReport, WorstPart,
};
pub use sweep_report::{sparkline, Flagged, SweepReport, SweepSeries};
pub use write::{remove_unfinished, write_atomically};

use crate::error::Result;

/// A format a report of kind `R` (a scan's [`Report`] unless said otherwise) can be written in.
pub trait Exporter<R: ?Sized = Report> {
    /// The report rendered in this format.
    ///
    /// # Errors
    /// When the report cannot be serialised.
    fn render(&self, report: &R) -> Result<Vec<u8>>;
}
