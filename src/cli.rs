//! Raw arguments → resolved library configuration → run → exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use augsafe::albumentations::{Format, Pipeline};
#[cfg(feature = "onnx")]
use augsafe::classify::model::{Ink, ModelOptions};
use augsafe::dataset::{Format as DataFormat, IdxSource, OpenOptions};
use augsafe::normalize::{Form, Side};
use augsafe::recommend;
use augsafe::report::html::HtmlExporter;
use augsafe::report::json::JsonExporter;
use augsafe::report::markdown::MarkdownExporter;
use augsafe::report::policy::PolicyExporter;
use augsafe::report::strip;
use augsafe::report::svg::SvgExporter;
use augsafe::report::text::TextExporter;
use augsafe::report::{write_atomically, Example, Exporter};
use augsafe::scan::{scan_judged, Judge, PAIRS_WITH_EXAMPLES};
use augsafe::sweep::{self, sweep_values, SweepOp};
use augsafe::{
    render, ClassifierOptions, Dataset, Progress, RenderConfig, Scan, ScanConfig, Thresholds,
    Transform, Verdict,
};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Exit code of an error: bad input, nothing usable.
pub const EXIT_ERROR: u8 = 1;
/// Exit code when the `--fail-on` gate trips.
const EXIT_GATE: u8 = 3;

/// Examples under the top-level help.
const EXAMPLES: &str = "\
Examples:
  augsafe scan fixtures/glyphs                      the default rotations, flips and crops
  augsafe scan DIR -t rotate:-15..15 -t hflip --json report.json --html report.html
  augsafe scan DIR --pipeline train_aug.json --fail-on unsafe    a CI gate on your pipeline
  augsafe sweep DIR --op rotate --range -45..45 --step 5         how far can it turn?
  augsafe recommend DIR --pipeline train_aug.json --out safe_aug.json
  augsafe render --font F.ttf --chars 0-9a-zA-Z --out DIR        a dataset from a font

`augsafe scan --help` lists the transformation specs.";

/// Examples and the spec language under `scan --help`.
const SCAN_HELP: &str = "\
Transformation specs (-t, --control; ranges lo..hi are drawn uniformly, fractions are of the
image's size):
  rotate:180, rotate:-15..15       turn counter-clockwise by degrees, keeping the frame
  safe-rotate:-30..30              turn, then shrink so the whole image stays in the frame
  hflip, vflip, transpose          mirror left-right, top-bottom, about the diagonal
  rot90, d4                        a random quarter turn; a random symmetry of the square
  crop:0.7, crop:0.6..0.9, crop:24x24
                                   keep a window of that fraction (or pixels) at random
  crop:left=0.6 (right, top, bottom, center), crop:box=4,4,28,28
                                   keep that part of the image
  sized-crop:height=20..30,ratio=1, resized-crop:scale=0.08..1,ratio=0.75..1.333
                                   random windows as torchvision and Albumentations draw them
  translate:-0.1..0.1, translate:x=-0.1..0.1,y=0
  scale:0.8..1.2, shear:-10..10, shear:x=-10..10,y=-5..5
  affine:rotate=-15..15,scale=0.9..1.1,translate=-0.05..0.05,shear=-5..5
  elastic:alpha=1,sigma=50         random displacements smoothed by a Gaussian
  dropout:holes=1..3,size=0.1..0.25,fill=0
                                   blank rectangles (fill: a grey level, background, ink)
  p=0.5:hflip                      apply with probability 0.5
  A+B                              a pipeline: A, then B

Examples:
  augsafe scan fixtures/digits -t rotate:180            6 and 9 swap
  augsafe scan DIR -t rotate:-30..30 -t crop:0.8..1 --json - > report.json
  augsafe scan DIR --pipeline train_aug.yaml --html report.html --fail-on caution";

/// Finds the data augmentations that change a glyph's label.
#[derive(Debug, Parser)]
#[command(name = "augsafe", version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour the table and messages: auto (on a terminal, unless NO_COLOR is set),
    /// always, never.
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Worker threads [default: one per core]. The report is the same for any number.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// The most any one input file may hold (4096, 500K, 64M, 2G) [default: by kind: 64M an
    /// image, 16M a pipeline, 1G a manifest or mapping, 256M a font, 16G an IDX file].
    #[arg(long, global = true, value_name = "SIZE", value_parser = augsafe::input::parse_size)]
    max_file_size: Option<u64>,
    /// The widest or tallest image decoded, in pixels; larger ones are skipped unread.
    #[arg(long, global = true, value_name = "PX", default_value_t = augsafe::input::Limits::DEFAULT.image_side, value_parser = clap::value_parser!(u32).range(1..=65535))]
    max_image_side: u32,
    /// Images wider or taller than this are reduced to fit it as they load (pixel sizes in
    /// transformations then act on the reduced images).
    #[arg(long, global = true, value_name = "PX", default_value_t = augsafe::input::Limits::DEFAULT.glyph_side, value_parser = clap::value_parser!(u32).range(8..=65535))]
    max_glyph_side: u32,
}

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set or TERM is dumb.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The `--color` choice of this run, set once the arguments are parsed.
static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

/// Whether what goes to standard output (`stdout`) or standard error is coloured.
fn colored(stdout: bool) -> bool {
    match COLOR.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            let terminal = if stdout {
                std::io::stdout().is_terminal()
            } else {
                std::io::stderr().is_terminal()
            };
            terminal && !no_color && !dumb
        }
    }
}

/// `warning:` or `error:` for standard error, in colour where it is coloured.
pub fn label(kind: &str) -> String {
    if colored(false) {
        let style = if kind == "error" { "1;31" } else { "1;33" };
        format!("\x1b[{style}m{kind}:\x1b[0m")
    } else {
        format!("{kind}:")
    }
}

/// The terminal exporter for a table that goes to standard error (`to_stderr`) or output.
fn table_exporter(to_stderr: bool) -> TextExporter {
    TextExporter {
        color: colored(!to_stderr),
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan a dataset: which transformations change which labels, how often, into what.
    #[command(after_long_help = SCAN_HELP)]
    Scan(ScanArgs),
    /// Sweep one transformation's parameter: change rate per class along it, the safe range.
    Sweep(SweepArgs),
    /// Recommend a safe training pipeline: narrow or remove what changes labels, write it in
    /// Albumentations' format, with the class-conditional policy.
    Recommend(RecommendArgs),
    /// Render glyphs from fonts into a dataset folder (ROOT/<label>/<image>).
    Render(RenderArgs),
}

#[derive(Debug, clap::Args)]
struct RecommendArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The training pipeline to make safe (saved by albumentations.save, JSON or YAML);
    /// without it, augsafe starts from a broad candidate of its own.
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Where to write the recommended pipeline (JSON or YAML by extension), readable by
    /// albumentations.load.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Where to write the class-conditional policy [default: beside --out, as NAME.policy.json].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Write the whole recommendation report as JSON to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    #[command(flatten)]
    judge: JudgeArgs,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A transformation to check (repeatable): rotate:180, rotate:-15..15, hflip, vflip,
    /// crop:0.7, crop:0.6..0.9, crop:left=0.6, affine:..., p=0.5:hflip, A+B for a pipeline
    /// (the README lists them all). Without any, a default set of rotations, flips and crops.
    #[arg(short = 't', long = "transform", value_name = "SPEC", value_parser = parse_spec)]
    transforms: Vec<Transform>,
    /// A training pipeline saved by albumentations.save (JSON or YAML): scanned as a whole and
    /// component by component (the -t specs are added after it; the default set is not).
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Write the JSON report to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report (verdicts, heat maps, example strips) to PATH ('-'
    /// for standard output).
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Write a GitHub-flavoured Markdown summary to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Example strips per flagged from→to pair, in the HTML report and --examples-dir.
    #[arg(long, value_name = "N", default_value_t = 6)]
    examples: usize,
    /// Write the example strips as PNG files into DIR.
    #[arg(long, value_name = "DIR")]
    examples_dir: Option<PathBuf>,
    /// Save the classifier's templates as a NumPy file (float32, [templates, side²]: 1024 at the
    /// usual side of 32) with their class labels beside it in PATH.labels.txt, for comparing
    /// with other tools.
    #[arg(long, value_name = "PATH.npy")]
    save_templates: Option<PathBuf>,
    /// Exit with code 3 when any transformation is at least this bad.
    #[arg(long, value_enum, value_name = "VERDICT")]
    fail_on: Option<FailOn>,
    #[command(flatten)]
    judge: JudgeArgs,
    #[command(flatten)]
    model: ModelArgs,
}

/// The user's own model as the judge.
#[derive(Debug, clap::Args)]
struct ModelArgs {
    /// Who reads the transformed glyphs: `template` (templates built from the dataset) or your
    /// own recogniser as an ONNX file, taking grey images (N×1×H×W, N×H×W×1, N×H×W or N×H·W)
    /// and giving one output per class (logits or probabilities).
    /// A scan takes it twice (`--judge FILE.onnx --judge template`) to judge with both: the
    /// report is the model's, and says per transformation where the templates agree.
    #[arg(
        long = "judge",
        value_name = "template|FILE.onnx",
        default_value = "template"
    )]
    judges: Vec<JudgeChoice>,
    /// Which way round the model wants the ink: bright on dark (as MNIST models), dark on
    /// light, or each image as stored.
    #[arg(long, value_enum, value_name = "WAY", default_value_t = InkChoice::Bright)]
    model_ink: InkChoice,
    /// Subtracted from each pixel (scaled to 0..1) before the model reads it (0.1307 for the
    /// usual MNIST normalisation).
    #[arg(
        long,
        value_name = "MEAN",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    model_mean: f32,
    /// Each pixel, less the mean, is divided by it (0.3081 for the usual MNIST normalisation).
    #[arg(long, value_name = "STD", default_value_t = 1.0, value_parser = parse_positive)]
    model_std: f32,
    /// The model was trained on images stored transposed (EMNIST's files as they are): feed it
    /// transposed glyphs.
    #[arg(long)]
    model_transpose: bool,
    /// The model's output names, one per line in output order [default: the dataset's classes
    /// in their order].
    #[arg(long, value_name = "FILE")]
    model_labels: Option<PathBuf>,
    /// How far (in probability) another class must lead for a change to count; closer calls
    /// are uncertain.
    #[arg(long, value_name = "P", default_value_t = 0.1, value_parser = parse_probability)]
    model_margin: f32,
}

/// `--judge`: the templates, or a model file.
#[derive(Clone, Debug)]
struct JudgeChoice(Option<PathBuf>);

impl std::str::FromStr for JudgeChoice {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text {
            "template" | "templates" => Ok(JudgeChoice(None)),
            "" => Err("expected `template` or an ONNX file".to_string()),
            file => Ok(JudgeChoice(Some(PathBuf::from(file)))),
        }
    }
}

/// `--model-ink`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InkChoice {
    /// Light ink on a dark background.
    Bright,
    /// Dark ink on a light background.
    Dark,
    /// As each image is stored.
    AsStored,
}

fn parse_positive(text: &str) -> std::result::Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("'{text}' is not a number above 0")),
    }
}

fn parse_probability(text: &str) -> std::result::Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!("'{text}' is not a probability from 0 to below 1")),
    }
}

impl ModelArgs {
    /// The model file, when one judges.
    fn file(&self) -> Option<&Path> {
        self.judges.iter().find_map(|j| j.0.as_deref())
    }

    /// Whether the templates judge (alone, or beside a model).
    fn templates(&self) -> bool {
        self.judges.iter().any(|j| j.0.is_none())
    }

    /// Ends the run with a usage error for judges that cannot go together (two judges are
    /// compared only by `scan`), or templates to save when a model judges.
    fn check(&self, command: &str, save_templates: bool) {
        let models = self.judges.iter().filter(|j| j.0.is_some()).count();
        if models > 1 || self.judges.len() > 2 {
            usage_error(
                "--judge takes one model, and `template` beside it at most: `--judge FILE.onnx \
                 --judge template`"
                    .to_string(),
            );
        }
        if command != "scan" && self.judges.len() > 1 {
            usage_error(format!(
                "{command} takes one judge; to compare a model with the templates, scan with \
                 both (`augsafe scan DATASET --judge FILE.onnx --judge template`)"
            ));
        }
        if models == 1 && save_templates {
            usage_error(
                "--save-templates cannot be used with a model as the judge: the templates are \
                 the template judge's"
                    .to_string(),
            );
        }
    }

    /// The options the model is fed with.
    #[cfg(feature = "onnx")]
    fn options(&self) -> ModelOptions {
        ModelOptions {
            ink: match self.model_ink {
                InkChoice::Bright => Ink::Bright,
                InkChoice::Dark => Ink::Dark,
                InkChoice::AsStored => Ink::AsStored,
            },
            mean: self.model_mean,
            std: self.model_std,
            transpose: self.model_transpose,
            labels: self.model_labels.clone(),
        }
    }

    /// The model as the judge of `dataset`, its reading of the untransformed glyphs taken;
    /// `None` when the templates judge alone.
    #[cfg(feature = "onnx")]
    fn model_judge(&self, dataset: &Dataset) -> Result<Option<Judge>> {
        let Some(file) = self.file() else {
            return Ok(None);
        };
        let model =
            augsafe::classify::model::ModelJudge::load(file, &dataset.classes, &self.options())?;
        Ok(Some(Judge::model(dataset, model, self.model_margin)?))
    }

    /// Built without the model judge: a model given is an error that says how to get it.
    #[cfg(not(feature = "onnx"))]
    fn model_judge(&self, _dataset: &Dataset) -> Result<Option<Judge>> {
        match self.file() {
            Some(file) => anyhow::bail!(
                "cannot judge with {}: this augsafe was built without the model judge; build it \
                 with the `onnx` feature (`cargo install augsafe --features onnx`, or `cargo run \
                 --release --features onnx -- ...` in a clone)",
                file.display()
            ),
            None => Ok(None),
        }
    }

    /// The judge of a sweep or a recommendation.
    fn judge(&self, dataset: &Dataset, config: &ScanConfig) -> Result<Judge> {
        Ok(match self.model_judge(dataset)? {
            Some(judge) => judge,
            None => Judge::templates(dataset, config),
        })
    }

    /// With a model as the judge, the scan it judges (with `template` beside it, compared with
    /// the templates' scan) and the judge; `None` when the templates judge alone.
    fn scan(
        &self,
        dataset: &Dataset,
        config: &ScanConfig,
        pipeline: Option<&Pipeline>,
        progress: &dyn Progress,
    ) -> Result<Option<(augsafe::Report, Judge)>> {
        let Some(judge) = self.model_judge(dataset)? else {
            return Ok(None);
        };
        let mut report = scan_judged(dataset, config, pipeline, &[], &judge, progress)?;
        if self.templates() {
            report.compare_with(Scan::run(dataset, config, pipeline, progress)?.report());
        }
        Ok(Some((report, judge)))
    }

    /// The files the model judge reads.
    fn inputs(&self) -> Vec<&Path> {
        self.file()
            .into_iter()
            .chain(self.model_labels.as_deref())
            .collect()
    }
}

/// A scan's result: with the templates, the scan itself (its strips and templates are still to
/// be drawn from it); with a model, its report and the model.
enum Judged<'a> {
    Templates(Box<Scan<'a>>),
    Model(Box<(augsafe::Report, Judge)>),
}

impl Judged<'_> {
    fn report(&self) -> &augsafe::Report {
        match self {
            Judged::Templates(scan) => scan.report(),
            Judged::Model(judged) => &judged.0,
        }
    }

    /// Up to `per_pair` example strips of each of the most frequent changes the judge counted.
    fn examples(
        &self,
        dataset: &Dataset,
        config: &ScanConfig,
        pipeline: Option<&Pipeline>,
        per_pair: usize,
    ) -> Result<Vec<Example>> {
        Ok(match self {
            Judged::Templates(scan) => scan.examples(per_pair, PAIRS_WITH_EXAMPLES),
            Judged::Model(judged) => judged.1.examples(
                dataset,
                config,
                pipeline,
                &[],
                &judged.0,
                (per_pair, PAIRS_WITH_EXAMPLES),
            )?,
        })
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailOn {
    /// Trip when any transformation is unsafe.
    Unsafe,
    /// Trip when any transformation is unsafe or needs caution.
    Caution,
}

#[derive(Debug, clap::Args)]
struct SweepArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The parameter to sweep: rotate (degrees, ±), crop (fraction kept), scale (factor),
    /// shear (degrees, ±) or translate (fraction of the size, ±).
    #[arg(long, value_name = "OP", value_parser = parse_op)]
    op: SweepOp,
    /// The values to sweep, FROM..TO [default: rotate 0..180, crop 0.3..1, scale 0.5..1.5,
    /// shear 0..45, translate 0..0.3]; negative values as they are (`--range -30..30`).
    #[arg(long, value_name = "FROM..TO", allow_hyphen_values = true)]
    range: Option<String>,
    /// The step between values [default: 5 degrees, 0.05 for crop and scale, 0.02 for
    /// translate].
    #[arg(long)]
    step: Option<f64>,
    /// Write the JSON sweep to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write a plot of change rate against the parameter, as SVG, to PATH ('-' for standard
    /// output).
    #[arg(long, value_name = "PATH.svg")]
    plot: Option<PathBuf>,
    /// Write a self-contained HTML page (plot and table) to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Write a GitHub-flavoured Markdown summary to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    #[command(flatten)]
    judge: JudgeArgs,
    #[command(flatten)]
    model: ModelArgs,
}

/// Where the glyphs come from; shared by scan, sweep and recommend.
#[derive(Debug, clap::Args)]
struct InputArgs {
    /// The dataset: a folder (DIR/<label>/<image>, an IDX pair *idx3-ubyte[.gz] and
    /// *idx1-ubyte[.gz] with a *mapping* file if any, NumPy .npy/.npz files, or CASIA's .gnt
    /// files) or a file (a pixel CSV, a path,label manifest, an .npz, .npy or .gnt); its
    /// format is told from its name and first bytes unless --format says.
    #[arg(value_name = "PATH", required_unless_present_any = ["idx_images", "manifest"])]
    dir: Option<PathBuf>,
    /// The format of PATH, when augsafe should not tell it: folder, idx, manifest, pixel-csv,
    /// numpy, gnt or parquet.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    format: Option<DataFormat>,
    /// The label column of a pixel CSV or a Parquet file, by its name [default: a Parquet
    /// file's ClassLabel; a column named label, class, target or y; a pixel CSV's first
    /// column when it has no header].
    #[arg(long, value_name = "NAME")]
    label_column: Option<String>,
    /// IDX images file (MNIST's format, gzipped or not); needs --idx-labels.
    #[arg(long, value_name = "FILE", requires = "idx_labels", conflicts_with_all = ["dir", "manifest"])]
    idx_images: Option<PathBuf>,
    /// IDX labels file matching --idx-images.
    #[arg(long, value_name = "FILE", requires = "idx_images")]
    idx_labels: Option<PathBuf>,
    /// Label names for whole-number labels (IDX, pixel CSV, NumPy): EMNIST's mapping (`index
    /// code` per line, the code an ASCII value) or one name per line.
    #[arg(long, value_name = "FILE", visible_alias = "mapping")]
    idx_mapping: Option<PathBuf>,
    /// IDX images are stored transposed (as EMNIST stores them): turn them back.
    #[arg(long)]
    transpose: bool,
    /// Of several splits (IDX pairs in the folder, NumPy arrays), read the one named NAME
    /// (`train`, `t10k`, `test`); without it, the training split.
    #[arg(long, value_name = "NAME")]
    split: Option<String>,
    /// A CSV of `path,label` rows (paths relative to the CSV), for flat folders.
    #[arg(long, value_name = "FILE.csv", conflicts_with = "dir")]
    manifest: Option<PathBuf>,
    /// Keep at most N images per class, chosen with --seed: a first look at a huge set.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_per_class: Option<u64>,
}

/// How transformed glyphs are drawn and judged; shared by scan and sweep.
#[derive(Debug, clap::Args)]
struct JudgeArgs {
    /// How many times each random transformation is drawn per image.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    draws: u32,
    /// The seed of every random draw: the same seed gives the same report.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of a class's samples changed or destroyed at or above which it is unsafe.
    #[arg(long, default_value_t = 0.5, value_name = "RATE")]
    unsafe_at: f64,
    /// Share of a class's samples changed or destroyed at or above which it needs caution.
    #[arg(long, default_value_t = 0.1, value_name = "RATE")]
    caution_at: f64,
    /// How far (in correlation) another class must score ahead for a change to count;
    /// closer calls are reported as uncertain.
    #[arg(long, default_value_t = 0.03, value_name = "SCORE")]
    margin: f32,
    /// Compare glyphs as they lean instead of standing each upright first: for alphabets in
    /// which the lean tells classes apart (`/`, `|`, `\`).
    #[arg(long)]
    no_deslant: bool,
    /// Side of the canonical square glyphs are compared in: 32, 48 or 64 pixels, or `auto`
    /// (32 for alphabets of up to 256 classes, else the side nearest the images' size).
    #[arg(long, value_name = "auto|32|48|64", default_value = "auto", value_parser = parse_side)]
    canonical_size: SideChoice,
    /// The control: a transformation no reader would call label-changing, reported apart as
    /// the judge's own noise and never in a verdict; `none` leaves it out.
    #[arg(long, value_name = "SPEC|none", default_value = augsafe::scan::CONTROL_SPEC, value_parser = parse_control)]
    control: Control,
    /// No progress bar and no table; warnings and errors still go to standard error.
    #[arg(short, long)]
    quiet: bool,
}

/// The `--control` choice: a transformation, or none.
#[derive(Clone, Debug)]
struct Control(Option<Transform>);

/// `--canonical-size`: a side, or `None` to choose it from the dataset.
#[derive(Clone, Copy, Debug)]
struct SideChoice(Option<Side>);

fn parse_side(value: &str) -> Result<SideChoice, String> {
    let value = value.trim();
    if value == "auto" {
        return Ok(SideChoice(None));
    }
    value
        .parse()
        .ok()
        .and_then(Side::from_pixels)
        .map(|side| SideChoice(Some(side)))
        .ok_or_else(|| format!("'{value}' is not a canonical size: expected auto, 32, 48 or 64"))
}

fn parse_control(spec: &str) -> Result<Control, String> {
    if spec.trim() == "none" {
        return Ok(Control(None));
    }
    parse_spec(spec).map(|t| Control(Some(t)))
}

impl JudgeArgs {
    /// The scan configuration these settings make; a usage error when they are out of range.
    fn config(&self, transforms: Vec<Transform>) -> ScanConfig {
        let in_unit = |x: f64| (0.0..=1.0).contains(&x);
        if !in_unit(self.unsafe_at) || !in_unit(self.caution_at) || self.caution_at > self.unsafe_at
        {
            usage_error(format!(
                "thresholds must satisfy 0 <= --caution-at ({}) <= --unsafe-at ({}) <= 1",
                self.caution_at, self.unsafe_at
            ));
        }
        if !(0.0..1.0).contains(&self.margin) {
            usage_error(format!(
                "--margin {} must be at least 0 and below 1",
                self.margin
            ));
        }
        ScanConfig {
            transforms,
            draws: self.draws,
            seed: self.seed,
            thresholds: Thresholds {
                unsafe_at: self.unsafe_at,
                caution_at: self.caution_at,
            },
            margin: self.margin,
            control: self.control.0.clone(),
            classifier: ClassifierOptions {
                form: Form {
                    side: self.canonical_size.0.unwrap_or_default(),
                    deslant: !self.no_deslant,
                },
                side_from_dataset: self.canonical_size.0.is_none(),
                ..ClassifierOptions::default()
            },
        }
    }
}

#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// A TrueType or OpenType font (repeatable).
    #[arg(long = "font", value_name = "FILE.ttf", required = true)]
    fonts: Vec<PathBuf>,
    /// Characters to render: literals and ranges.
    #[arg(long, default_value = "0-9a-zA-Z")]
    chars: String,
    /// Width and height of each image, in pixels.
    #[arg(long, default_value_t = 32, value_name = "PX", value_parser = clap::value_parser!(u32).range(8..=1024))]
    size: u32,
    /// Images per character and font (the first without jitter).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10000))]
    samples: u32,
    /// The seed of the jitter (shift, scale, a few degrees).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Light ink on a dark background instead of dark on light.
    #[arg(long)]
    invert: bool,
    /// The dataset folder to write.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

fn parse_spec(spec: &str) -> Result<Transform, String> {
    spec.parse().map_err(|err: augsafe::Error| err.to_string())
}

fn parse_format(format: &str) -> Result<DataFormat, String> {
    format.parse()
}

fn parse_op(op: &str) -> Result<SweepOp, String> {
    op.parse().map_err(|err: augsafe::Error| err.to_string())
}

/// Parses the command line and runs it; usage errors exit with code 2 from inside clap.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    on_interrupt_remove_unfinished_reports();
    let _ = COLOR.set(cli.color);
    augsafe::input::set_limits(augsafe::input::Limits {
        file_bytes: cli.max_file_size,
        image_side: cli.max_image_side,
        glyph_side: cli.max_glyph_side,
    });
    if let Some(threads) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(threads))
            .build_global()
            .context("cannot start the worker threads")?;
    }
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Sweep(args) => run_sweep(args),
        Command::Recommend(args) => run_recommend(args),
        Command::Render(args) => run_render(args),
    }
}

/// On an interrupt (Ctrl-C) or a termination request, removes the temporary file of any report
/// being written, so none is left half-written beside its destination, and ends as a shell
/// expects (128 + the signal's number). Without a way to watch for signals, the default stays.
fn on_interrupt_remove_unfinished_reports() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    augsafe::report::remove_unfinished();
                    std::process::exit(128 + signal);
                }
            });
        }
    }
}

/// Whether `path` is '-', standard output.
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes a report to its file, whole or not at all, or to standard output for '-'.
fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_stdout(path) {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .context("cannot write a report to standard output")?;
        Ok(())
    } else {
        write_atomically(path, bytes)?;
        Ok(())
    }
}

/// Checks the output flags of a run before any work starts, so that a long scan does not end
/// without its report: at most one takes standard output ('-'), no two name the same file, and
/// every file's folder exists (and the file is not itself a folder). `outputs` pairs each flag
/// with its path; folder flags (`--examples-dir`) may name a folder to be made. Returns whether
/// a report takes standard output (the table then goes to standard error).
fn check_outputs(outputs: &[(&str, Option<&Path>)]) -> Result<bool> {
    let given: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|&(flag, path)| Some((flag, path?)))
        .collect();
    let to_stdout: Vec<&str> = (given.iter())
        .filter(|(_, path)| is_stdout(path))
        .map(|(flag, _)| *flag)
        .collect();
    if to_stdout.len() > 1 {
        usage_error(format!(
            "only one report can go to standard output ('-'), not {}",
            to_stdout.join(" and ")
        ));
    }
    for (i, &(flag, path)) in given.iter().enumerate() {
        if is_stdout(path) {
            continue;
        }
        if let Some(&(other, _)) = given[..i].iter().find(|(_, p)| *p == path) {
            usage_error(format!(
                "{other} and {flag} both name {}: one report would overwrite the other",
                path.display()
            ));
        }
        let is_folder_flag = flag.ends_with("-dir");
        let unwritable = |reason: &str| augsafe::Error::Write {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, reason.to_string()),
        };
        if !is_folder_flag && path.is_dir() {
            return Err(unwritable(&format!("{flag} names a folder, not a file")).into());
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(parent) = parent {
            if !is_folder_flag && !parent.is_dir() {
                return Err(unwritable(&format!(
                    "{flag}: the folder {} does not exist",
                    parent.display()
                ))
                .into());
            }
        }
    }
    Ok(!to_stdout.is_empty())
}

/// The labels file written beside `--save-templates PATH.npy`: `PATH.labels.txt`.
fn templates_labels_path(path: &Path) -> PathBuf {
    path.with_extension("").with_extension("labels.txt")
}

/// Where `path` is, or would be once written, as the file system resolves it: its nearest
/// existing ancestor resolved (links and `..`), then the names below it; `None` for a path
/// that names no file (ends in `..`).
fn resolved(path: &Path) -> Option<PathBuf> {
    // The nearest part of the path that exists, resolved, and what is still to be made below
    // it (`--examples-dir DATA/new/deeper` makes two folders inside DATA).
    let mut existing = path;
    let mut to_make = Vec::new();
    loop {
        if let Ok(resolved) = std::fs::canonicalize(existing) {
            return Some(
                to_make
                    .iter()
                    .rev()
                    .fold(resolved, |at, name| at.join(name)),
            );
        }
        to_make.push(existing.file_name()?);
        existing = match existing.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
    }
}

/// Checks that no output of a run lands in its input: inside the dataset folder (a report
/// there would be read as an image or a class by the next run) or on an input file (the
/// pipeline, the manifest, the IDX files, the mapping).
fn check_not_input(outputs: &[(&str, Option<&Path>)], input: &InputArgs, others: &[&Path]) {
    let folder = input.dir.as_deref().and_then(resolved);
    let files: Vec<PathBuf> = [
        input.manifest.as_deref(),
        input.idx_images.as_deref(),
        input.idx_labels.as_deref(),
        input.idx_mapping.as_deref(),
    ]
    .into_iter()
    .flatten()
    .chain(others.iter().copied())
    .filter_map(resolved)
    .collect();
    for &(flag, path) in outputs {
        let Some(path) = path.filter(|p| !is_stdout(p)) else {
            continue;
        };
        let Some(target) = resolved(path) else {
            continue;
        };
        if let Some(folder) = folder.as_ref().filter(|f| target.starts_with(f)) {
            usage_error(format!(
                "{flag} {} is inside the dataset {}: augsafe never writes into its input \
                 (the next scan would read it as data); write it elsewhere",
                path.display(),
                folder.display()
            ));
        }
        if files.contains(&target) {
            usage_error(format!(
                "{flag} {} is an input of this run: writing it would destroy it",
                path.display()
            ));
        }
    }
}

/// Ends the run with a usage error (exit 2) that shows the usage of the subcommand given, as
/// clap's own errors do, or the tool's when there is none.
fn usage_error(message: String) -> ! {
    let mut command = Cli::command();
    let given = std::env::args_os().nth(1);
    let name = given.as_ref().and_then(|n| n.to_str()).unwrap_or_default();
    let sub = command
        .find_subcommand(name)
        .map(|sub| sub.clone().bin_name(format!("augsafe {name}")));
    match sub {
        Some(mut sub) => sub.error(clap::error::ErrorKind::ValueValidation, message),
        None => command.error(clap::error::ErrorKind::ValueValidation, message),
    }
    .exit()
}

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let transforms = if args.transforms.is_empty() && args.pipeline.is_none() {
        augsafe::transform::default_set()
    } else {
        args.transforms
    };
    let config = args.judge.config(transforms);
    let template_labels = args.save_templates.as_deref().map(templates_labels_path);
    let outputs = [
        ("--json", args.json.as_deref()),
        ("--html", args.html.as_deref()),
        ("--markdown", args.markdown.as_deref()),
        ("--examples-dir", args.examples_dir.as_deref()),
        ("--save-templates", args.save_templates.as_deref()),
        ("--save-templates (its labels)", template_labels.as_deref()),
    ];
    let to_stdout = check_outputs(&outputs)?;
    args.model.check("scan", args.save_templates.is_some());
    let mut inputs: Vec<&Path> = args.pipeline.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.model.inputs());
    check_not_input(&outputs, &args.input, &inputs);
    let pipeline = match &args.pipeline {
        Some(path) => Some(Pipeline::load(path)?),
        None => None,
    };
    let dataset = load_dataset(&args.input, args.judge.seed)?;

    let bar = progress_bar(
        dataset.glyphs.len() as u64,
        "scanning",
        "images",
        args.judge.quiet,
    );
    let progress = |done| bar.set_position(done);
    let judged = match args
        .model
        .scan(&dataset, &config, pipeline.as_ref(), &progress)?
    {
        Some(judged) => Judged::Model(Box::new(judged)),
        None => Judged::Templates(Box::new(Scan::run(
            &dataset,
            &config,
            pipeline.as_ref(),
            &progress,
        )?)),
    };
    bar.finish_and_clear();
    let report = judged.report();
    let scan = match &judged {
        Judged::Templates(scan) => Some(scan.as_ref()),
        Judged::Model(_) => None,
    };
    let examples = if args.html.is_some() || args.examples_dir.is_some() {
        judged.examples(&dataset, &config, pipeline.as_ref(), args.examples)?
    } else {
        Vec::new()
    };
    if let Some(path) = &args.html {
        let exporter = HtmlExporter {
            examples: examples.clone(),
            command: command_line(),
        };
        write_output(path, &exporter.render(report)?)?;
    }
    if let Some(path) = &args.markdown {
        write_output(path, &MarkdownExporter.render(report)?)?;
    }
    if let (Some(path), Some(scan)) = (&args.save_templates, scan) {
        let classifier = &scan.baseline().classifier;
        write_atomically(path, &classifier.to_npy())?;
        let labels: String = classifier
            .template_classes()
            .iter()
            .map(|&c| format!("{}\n", dataset.classes[c]))
            .collect();
        write_atomically(&templates_labels_path(path), labels.as_bytes())?;
    }
    if let Some(pipeline) = &report.pipeline {
        for skipped in &pipeline.not_evaluated {
            eprintln!(
                "{} {} is not evaluated: {}",
                label("warning"),
                skipped.name,
                skipped.reason
            );
        }
    }

    let json = match &args.json {
        Some(path) => Some((path.as_path(), JsonExporter.render(report)?)),
        None => None,
    };
    emit(
        json,
        &table_exporter(to_stdout).render(report)?,
        args.judge.quiet,
        to_stdout,
    )?;
    // The strips last: a folder that cannot take them never costs the reports.
    if let Some(dir) = &args.examples_dir {
        write_examples(dir, &examples, &dataset.classes)?;
    }
    let worst = report.worst_verdict();
    let not_judged: Vec<String> = (report.not_judged_classes().into_iter())
        .map(str::to_string)
        .collect();
    // The process ends here: freeing a million glyph images one by one would add a third of a
    // second to a full-size scan for nothing, so the operating system takes them back instead.
    std::mem::forget(judged);
    std::mem::forget(dataset);

    let tripped = match args.fail_on {
        Some(FailOn::Unsafe) => worst >= Verdict::Unsafe,
        Some(FailOn::Caution) => worst >= Verdict::Caution,
        None => false,
    };
    if tripped {
        eprintln!(
            "augsafe: failing because a transformation is {} (--fail-on)",
            worst.as_str()
        );
        return Ok(ExitCode::from(EXIT_GATE));
    }
    // A gate passes only what was judged: a class nothing could be said about is no pass.
    if args.fail_on.is_some() && !not_judged.is_empty() {
        eprintln!(
            "augsafe: failing because {} could not be judged (no sample read as its own class \
             before the transformations), so the gate cannot pass it (--fail-on): {}",
            if not_judged.len() == 1 {
                "1 class".to_string()
            } else {
                format!("{} classes", not_judged.len())
            },
            not_judged.join(" ")
        );
        return Ok(ExitCode::from(EXIT_GATE));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_sweep(args: SweepArgs) -> Result<ExitCode> {
    let (default_from, default_to, default_step) = args.op.default_range();
    let (from, to) = match &args.range {
        None => (default_from, default_to),
        Some(range) => {
            let bounds = range.split_once("..").and_then(|(a, b)| {
                Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?))
            });
            match bounds {
                Some(bounds) => bounds,
                None => usage_error(format!("--range '{range}' is not FROM..TO, such as 0..180")),
            }
        }
    };
    let values = match sweep_values(from, to, args.step.unwrap_or(default_step)) {
        Ok(values) => values,
        Err(err) => usage_error(err.to_string()),
    };
    if let Some(bad) = values.iter().find(|&&v| args.op.transforms_at(v).is_err()) {
        usage_error(format!(
            "--range includes {bad}, which {} does not accept",
            args.op.name()
        ));
    }
    let config = args.judge.config(Vec::new());
    let outputs = [
        ("--json", args.json.as_deref()),
        ("--plot", args.plot.as_deref()),
        ("--html", args.html.as_deref()),
        ("--markdown", args.markdown.as_deref()),
    ];
    let to_stdout = check_outputs(&outputs)?;
    args.model.check("sweep", false);
    check_not_input(&outputs, &args.input, &args.model.inputs());
    let dataset = load_dataset(&args.input, args.judge.seed)?;

    let judge = args.model.judge(&dataset, &config)?;
    let total = dataset.glyphs.len() as u64 * values.len() as u64;
    let bar = progress_bar(total, "sweeping", "images", args.judge.quiet);
    let report = sweep::sweep(&dataset, args.op, &values, &config, &judge, &|done| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();

    if let Some(path) = &args.plot {
        write_output(path, &SvgExporter.render(&report)?)?;
    }
    if let Some(path) = &args.html {
        let exporter = HtmlExporter {
            examples: Vec::new(),
            command: command_line(),
        };
        write_output(path, &exporter.render(&report)?)?;
    }
    if let Some(path) = &args.markdown {
        write_output(path, &MarkdownExporter.render(&report)?)?;
    }
    let json = match &args.json {
        Some(path) => Some((path.as_path(), JsonExporter.render(&report)?)),
        None => None,
    };
    emit(
        json,
        &table_exporter(to_stdout).render(&report)?,
        args.judge.quiet,
        to_stdout,
    )?;
    Ok(ExitCode::SUCCESS)
}

fn run_recommend(args: RecommendArgs) -> Result<ExitCode> {
    let config = args.judge.config(Vec::new());
    let pipeline = match &args.pipeline {
        Some(path) => Some(Pipeline::load(path)?),
        None => None,
    };
    let out_format = match args.out.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => Format::Yaml,
        Some("json") => Format::Json,
        _ => usage_error(format!(
            "--out {} must end in .json or .yaml",
            args.out.display()
        )),
    };
    let policy_path = args.policy.clone().unwrap_or_else(|| {
        let stem = args.out.file_stem().map_or_else(
            || "recommended".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        args.out.with_file_name(format!("{stem}.policy.json"))
    });
    let outputs = [
        ("--out", Some(args.out.as_path())),
        ("--policy", Some(policy_path.as_path())),
        ("--json", args.json.as_deref()),
    ];
    let to_stdout = check_outputs(&outputs)?;
    args.model.check("recommend", false);
    let mut inputs: Vec<&Path> = args.pipeline.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.model.inputs());
    check_not_input(&outputs, &args.input, &inputs);
    let dataset = load_dataset(&args.input, args.judge.seed)?;
    let judge = args.model.judge(&dataset, &config)?;
    let components = recommend::component_count(pipeline.as_ref()) as u64;
    let bar = progress_bar(components, "recommending", "components", args.judge.quiet);
    let recommendation =
        recommend::recommend(&dataset, pipeline.as_ref(), &config, &judge, &|done| {
            bar.set_position(done)
        })?;
    bar.finish_and_clear();

    write_output(
        &args.out,
        augsafe::albumentations::write_document(&recommendation.document, out_format)?.as_bytes(),
    )?;
    write_output(&policy_path, &PolicyExporter.render(&recommendation)?)?;
    let json = match &args.json {
        Some(path) => Some((path.as_path(), JsonExporter.render(&recommendation)?)),
        None => None,
    };
    let mut text = table_exporter(to_stdout).render(&recommendation)?;
    text.extend_from_slice(
        format!(
            "wrote {} and {}\n",
            args.out.display(),
            policy_path.display()
        )
        .as_bytes(),
    );
    emit(json, &text, args.judge.quiet, to_stdout)?;
    if recommendation.verification.verdict.is_flagged() {
        eprintln!(
            "{} even the narrowed pipeline is {} for this dataset; see the changes above",
            label("warning"),
            recommendation.verification.verdict.as_str()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_render(args: RenderArgs) -> Result<ExitCode> {
    let chars = match render::parse_charset(&args.chars) {
        Ok(chars) => chars,
        Err(err) => usage_error(err.to_string()),
    };
    let config = RenderConfig {
        fonts: args.fonts,
        chars,
        size: args.size,
        samples: args.samples,
        seed: args.seed,
        invert: args.invert,
    };
    let summary = render::render_dataset(&config, &args.out)
        .with_context(|| format!("cannot render into {}", args.out.display()))?;
    for (font, c) in &summary.missing {
        eprintln!(
            "{} {} has no glyph for '{c}'; skipped",
            label("warning"),
            font.display()
        );
    }
    println!(
        "rendered {} images of {} classes into {}",
        summary.images,
        summary.classes,
        args.out.display()
    );
    if summary.images == 0 {
        anyhow::bail!(
            "no glyph could be rendered: the fonts have none of the characters asked for"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The command that reproduces this run, as a shell would take it.
fn command_line() -> String {
    let quote = |arg: String| {
        if !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c))
        {
            arg
        } else {
            format!("'{}'", arg.replace('\'', "'\\''"))
        }
    };
    std::iter::once("augsafe".to_string())
        .chain(std::env::args().skip(1).map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes each example strip, upscaled four times, as a PNG file into `dir`.
fn write_examples(dir: &Path, examples: &[Example], classes: &[String]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for example in examples {
        let path = dir.join(strip::file_name(example, classes));
        write_atomically(&path, &strip::png_bytes(&strip::strip(example, 4))?)?;
    }
    Ok(())
}

/// Loads the dataset from wherever the arguments point, samples it if asked, and warns
/// about every file it could not use.
fn load_dataset(input: &InputArgs, seed: u64) -> Result<Dataset> {
    let mut dataset = if let (Some(images), Some(labels)) = (&input.idx_images, &input.idx_labels) {
        let source = IdxSource {
            images: images.clone(),
            labels: labels.clone(),
            mapping: input.idx_mapping.clone(),
            transpose: input.transpose,
        };
        Dataset::from_idx(&source)?
    } else if let Some(manifest) = &input.manifest {
        Dataset::from_manifest(manifest)?
    } else {
        let path = input.dir.as_deref().unwrap_or(Path::new("."));
        let options = OpenOptions {
            format: input.format,
            split: input.split.clone(),
            mapping: input.idx_mapping.clone(),
            transpose: input.transpose,
            label_column: input.label_column.clone(),
        };
        Dataset::open(path, &options)?
    };
    if let Some(max) = input.max_per_class {
        dataset.sample_per_class(usize::try_from(max).unwrap_or(usize::MAX), seed);
    }
    let skipped = &dataset.skipped;
    if !skipped.is_empty() {
        eprintln!(
            "{} skipped {} file(s) that could not be used{}",
            label("warning"),
            skipped.len(),
            if skipped.len() > LISTED {
                format!(" (the first {LISTED} below; every one is in the report)")
            } else {
                String::new()
            }
        );
        for skipped in skipped.iter().take(LISTED) {
            eprintln!(
                "  {}: {}",
                augsafe::dataset::visible_label(&skipped.path.display().to_string()),
                skipped.reason
            );
        }
        if skipped.len() > LISTED {
            eprintln!("  and {} more", skipped.len() - LISTED);
        }
    }
    if let Some(first) = dataset.outside_manifest.first() {
        eprintln!(
            "{} {} manifest row(s) point outside the manifest's folder (first: {}): read as given",
            label("warning"),
            dataset.outside_manifest.len(),
            augsafe::dataset::visible_label(first)
        );
    }
    if let Some(first) = dataset.reduced.first() {
        eprintln!(
            "{} {} image(s) larger than {} pixels a side were reduced as they loaded (first: {}, {}x{}); --max-glyph-side keeps more",
            label("warning"),
            dataset.reduced.len(),
            augsafe::input::limits().glyph_side,
            augsafe::dataset::visible_label(&first.path.display().to_string()),
            first.width,
            first.height
        );
    }
    for merged in &dataset.merged_folders {
        eprintln!(
            "{} several folders read as one class: {merged}",
            label("warning")
        );
    }
    for class in &dataset.empty_classes {
        eprintln!(
            "{} class folder '{class}' has no usable image",
            label("warning")
        );
    }
    Ok(dataset)
}

/// Skipped files named one by one on the terminal; the rest are counted (the reports list all).
const LISTED: usize = augsafe::report::text::LISTED;

/// A progress bar on standard error, drawn only on a terminal and without `--quiet`.
fn progress_bar(length: u64, what: &'static str, unit: &str, quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(length), target);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{left}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("left", time_left)
        .progress_chars("=> "),
    );
    bar.set_prefix(what);
    bar
}

/// The time a run has left, from the time it took so far (preparation included) and the share
/// done, once there is enough done to say: before 5%, or a second in, an estimate would be a
/// guess (a rate measured on the first few images says hours for a run of seconds).
fn time_left(state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write) {
    let text = match estimate_left(state.fraction(), state.elapsed()) {
        Some(left) => format!("{} left", indicatif::HumanDuration(left)),
        None => "estimating".to_string(),
    };
    let _ = out.write_str(&text);
}

/// [`time_left`] as a duration: `None` until 5% is done and a second has gone by.
fn estimate_left(done: f32, elapsed: std::time::Duration) -> Option<std::time::Duration> {
    if !(0.05..=1.0).contains(&done) || elapsed < std::time::Duration::from_secs(1) {
        return None;
    }
    Some(elapsed.mul_f64(f64::from((1.0 - done) / done)))
}

/// Writes the JSON (to its file, or to standard output for '-') and the table (to standard
/// output, or to standard error when a report took standard output, `to_stdout`; not at all
/// with `--quiet`).
fn emit(json: Option<(&Path, Vec<u8>)>, table: &[u8], quiet: bool, to_stdout: bool) -> Result<()> {
    let table_to_stderr = to_stdout;
    if let Some((path, bytes)) = json {
        write_output(path, &bytes)?;
    }
    if !quiet {
        if table_to_stderr {
            std::io::stderr().write_all(table)?;
        } else {
            std::io::stdout().write_all(table)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn time_left_is_told_only_once_there_is_enough_to_go_on() {
        // The first images of a three-second run: no estimate rather than a wild one.
        assert_eq!(estimate_left(0.01, Duration::from_secs(2)), None);
        assert_eq!(estimate_left(0.5, Duration::from_millis(400)), None);
        assert_eq!(estimate_left(f32::NAN, Duration::from_secs(9)), None);
        // A quarter done in 3 s: 9 s left; done: nothing left.
        let left = estimate_left(0.25, Duration::from_secs(3)).expect("an estimate");
        assert!((left.as_secs_f64() - 9.0).abs() < 1e-3, "{left:?}");
        assert_eq!(
            estimate_left(1.0, Duration::from_secs(3)),
            Some(Duration::ZERO)
        );
    }
}
