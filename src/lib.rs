//! augsafe tells people who train character recognisers which data augmentations change the
//! label of their glyphs.
//!
//! A [`Dataset`] is read from an ImageFolder tree (`ROOT/<label>/<image>`). Every image,
//! original or transformed, is brought into one canonical form by [`normalize()`]: ink bright on
//! dark, the frame stretched to a square, the glyph's centre of ink in the middle, so that a
//! glyph's size survives (x is not X) and its position does not. A [`TemplateClassifier`] is
//! built from the canonical originals (several templates per class where its samples differ)
//! and its leave-one-out baseline is measured. Then each [`Transform`] (rotations, flips, crops
//! and pipelines of them, parsed from specs such as `rotate:180` or `crop:left=0.6`) is applied
//! to every correctly recognised original, random ones several times from seeded generators,
//! and every transformed glyph that another class clearly wins is counted as changed, or as
//! destroyed (`3→∅`) when even that class matches it worse than the dataset's own glyphs
//! match a wrong one. A control transformation that no reader calls a change measures the
//! judge's own noise. A [`Scan`] keeps the result, a [`Report`]: per transformation and class
//! the change and destroyed rates, a verdict and the from→to pairs, which the exporters in [`report`] write as a terminal table,
//! JSON, Markdown or a self-contained HTML page with example strips that the scan draws again
//! exactly as it counted them.
//!
//! Around that core: [`Dataset`] also reads MNIST-style IDX files and CSV manifests;
//! [`albumentations`] reads Albumentations pipelines saved as JSON or YAML, applies
//! them as training does and edits them; [`sweep`] walks one parameter to find its safe range;
//! [`recommend`] narrows or removes what is unsafe and writes the result back in
//! Albumentations' format.
//!
//! The modules form layers, each importing only from those below it (`ARCHITECTURE.md`):
//! [`glyph`], [`progress`], [`rng`] and [`error`] at the bottom; [`transform`] and [`normalize`](mod@normalize); [`classify`],
//! [`dataset`] and [`albumentations`]; [`report`]; [`scan`](mod@scan); then [`sweep`], [`recommend`] and
//! [`render`].
//!
//! ```
//! use std::path::Path;
//! use augsafe::{scan, Dataset, ScanConfig, Verdict};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dataset = Dataset::load(Path::new("fixtures/digits"))?;
//! let config = ScanConfig {
//!     transforms: vec!["rotate:180".parse()?, "rotate:-5..5".parse()?],
//!     ..ScanConfig::default()
//! };
//! let report = scan(&dataset, &config, &|_done| {})?;
//! let upside_down = &report.transforms[0];
//! assert_eq!(upside_down.verdict, Verdict::Unsafe);
//! assert!(upside_down.pairs.iter().any(|p| p.from == "6" && p.target() == "9"));
//! // A 7 upside down is no digit at all.
//! assert!(upside_down.pairs.iter().any(|p| p.from == "7" && p.to.is_none()));
//! assert!(report.control.is_some());
//! assert_eq!(report.transforms[1].verdict, Verdict::Safe);
//! # Ok(())
//! # }
//! ```

pub mod albumentations;
pub mod classify;
pub mod dataset;
pub mod error;
pub mod glyph;
pub mod input;
pub mod normalize;
pub mod progress;
pub mod recommend;
pub mod render;
pub mod report;
pub mod rng;
pub mod scan;
mod simd;
pub mod sweep;
pub mod transform;

pub use classify::{ClassifierOptions, TemplateClassifier};
pub use dataset::{Dataset, Glyph};
pub use error::{Error, Result};
pub use glyph::{GlyphImage, Polarity};
pub use normalize::{normalize, Canonical};
pub use progress::Progress;
pub use render::{render_dataset, RenderConfig};
pub use report::{Report, Thresholds, Verdict};
pub use scan::{scan, Scan, ScanConfig};
pub use transform::{Augment, Transform};
