//! Raw arguments → resolved library configuration → run → exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use augsafe::report::json::JsonExporter;
use augsafe::report::text::TextExporter;
use augsafe::report::{write_atomically, Exporter};
use augsafe::{render, Dataset, RenderConfig, ScanConfig, Thresholds, Transform, Verdict};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Exit code of an error: bad input, nothing usable.
pub const EXIT_ERROR: u8 = 1;
/// Exit code when the `--fail-on` gate trips.
const EXIT_GATE: u8 = 3;

/// Finds the data augmentations that change a glyph's label.
#[derive(Debug, Parser)]
#[command(name = "augsafe", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan a dataset: which transformations change which labels, how often, into what.
    Scan(ScanArgs),
    /// Render glyphs from fonts into a dataset folder (ROOT/<label>/<image>).
    Render(RenderArgs),
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// Dataset folder in the ImageFolder layout: DIR/<label>/<image>.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// A transformation to check (repeatable): rotate:180, rotate:-15..15, hflip, vflip,
    /// crop:0.7, crop:0.6..0.9, crop:left=0.6 (right, top, bottom, center), A+B for a
    /// pipeline. Without any, a default set covering all of them.
    #[arg(short = 't', long = "transform", value_name = "SPEC", value_parser = parse_spec)]
    transforms: Vec<Transform>,
    /// How many times each random transformation is drawn per image.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    draws: u32,
    /// The seed of every random draw: the same seed gives the same report.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the JSON report to PATH ('-' for standard output).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Exit with code 3 when any transformation is at least this bad.
    #[arg(long, value_enum, value_name = "VERDICT")]
    fail_on: Option<FailOn>,
    /// Change rate at or above which a class is unsafe.
    #[arg(long, default_value_t = 0.5, value_name = "RATE")]
    unsafe_at: f64,
    /// Change rate at or above which a class needs caution.
    #[arg(long, default_value_t = 0.1, value_name = "RATE")]
    caution_at: f64,
    /// How far (in correlation) another class must score ahead for a change to count;
    /// closer calls are reported as uncertain.
    #[arg(long, default_value_t = 0.03, value_name = "SCORE")]
    margin: f32,
    /// No progress bar and no table; warnings and errors still go to standard error.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailOn {
    /// Trip when any transformation is unsafe.
    Unsafe,
    /// Trip when any transformation is unsafe or needs caution.
    Caution,
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

/// Parses the command line and runs it; usage errors exit with code 2 from inside clap.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Render(args) => run_render(args),
    }
}

fn usage_error(message: String) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, message)
        .exit()
}

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let in_unit = |x: f64| (0.0..=1.0).contains(&x);
    if !in_unit(args.unsafe_at) || !in_unit(args.caution_at) || args.caution_at > args.unsafe_at {
        usage_error(format!(
            "thresholds must satisfy 0 <= --caution-at ({}) <= --unsafe-at ({}) <= 1",
            args.caution_at, args.unsafe_at
        ));
    }
    if !(0.0..1.0).contains(&args.margin) {
        usage_error(format!(
            "--margin {} must be at least 0 and below 1",
            args.margin
        ));
    }
    let dataset =
        Dataset::load(&args.dir).with_context(|| format!("cannot scan {}", args.dir.display()))?;
    for skipped in &dataset.skipped {
        eprintln!(
            "warning: skipped {}: {}",
            skipped.path.display(),
            skipped.reason
        );
    }
    for class in &dataset.empty_classes {
        eprintln!("warning: class folder '{class}' has no usable image");
    }

    let config = ScanConfig {
        transforms: if args.transforms.is_empty() {
            augsafe::transform::default_set()
        } else {
            args.transforms
        },
        draws: args.draws,
        seed: args.seed,
        thresholds: Thresholds {
            unsafe_at: args.unsafe_at,
            caution_at: args.caution_at,
        },
        margin: args.margin,
        ..ScanConfig::default()
    };

    let bar = ProgressBar::with_draw_target(
        Some(dataset.glyphs.len() as u64),
        if args.quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} images ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix("scanning");
    let report = augsafe::scan(&dataset, &config, &|done| bar.set_position(done));
    bar.finish_and_clear();

    let json_to_stdout = args.json.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if let Some(path) = &args.json {
        let bytes = JsonExporter.render(&report)?;
        if json_to_stdout {
            std::io::stdout()
                .write_all(&bytes)
                .context("cannot write the JSON report to standard output")?;
        } else {
            write_atomically(path, &bytes)?;
        }
    }
    if !args.quiet {
        let table = TextExporter.render(&report)?;
        if json_to_stdout {
            std::io::stderr().write_all(&table)?;
        } else {
            std::io::stdout().write_all(&table)?;
        }
    }

    let tripped = match args.fail_on {
        Some(FailOn::Unsafe) => report.worst_verdict() >= Verdict::Unsafe,
        Some(FailOn::Caution) => report.worst_verdict() >= Verdict::Caution,
        None => false,
    };
    if tripped {
        eprintln!(
            "augsafe: failing because a transformation is {} (--fail-on)",
            report.worst_verdict().as_str()
        );
        return Ok(ExitCode::from(EXIT_GATE));
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
            "warning: {} has no glyph for '{c}'; skipped",
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
