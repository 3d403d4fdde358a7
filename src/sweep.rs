//! Sweeping one transformation's parameter: every class's change rate along it, the widest
//! safe range around "no change", a terminal table with sparklines, and an SVG plot.

use std::str::FromStr;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::progress::{Part, Progress};
use crate::report::{Flagged, Header, SweepReport, SweepSeries, Thresholds, Verdict};
use crate::scan::{judge_noise, transform_report, Judge, Measured, ScanConfig, Tally};
use crate::transform::{Augment, Transform};

/// The parameter a sweep walks along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepOp {
    /// Rotation angle in degrees; a value v pools `rotate:v` and `rotate:-v`.
    Rotate,
    /// Crop fraction; a value f is `crop:f` at a random position.
    Crop,
    /// Scale factor; a value s is `scale:s`.
    Scale,
    /// Shear angle in degrees; a value v pools `shear:v` and `shear:-v`.
    Shear,
    /// Shift as a fraction of the size; a value v pools shifts of ±v along x and along y.
    Translate,
}

impl SweepOp {
    const ALL: [(SweepOp, &'static str); 5] = [
        (SweepOp::Rotate, "rotate"),
        (SweepOp::Crop, "crop"),
        (SweepOp::Scale, "scale"),
        (SweepOp::Shear, "shear"),
        (SweepOp::Translate, "translate"),
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        SweepOp::ALL
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("rotate", |(_, name)| name)
    }

    /// The value at which the transformation changes nothing.
    pub fn identity(self) -> f64 {
        match self {
            SweepOp::Crop | SweepOp::Scale => 1.0,
            SweepOp::Rotate | SweepOp::Shear | SweepOp::Translate => 0.0,
        }
    }

    /// The range and step swept when none is given.
    pub fn default_range(self) -> (f64, f64, f64) {
        match self {
            SweepOp::Rotate => (0.0, 180.0, 5.0),
            SweepOp::Crop => (0.3, 1.0, 0.05),
            SweepOp::Scale => (0.5, 1.5, 0.05),
            SweepOp::Shear => (0.0, 45.0, 5.0),
            SweepOp::Translate => (0.0, 0.3, 0.02),
        }
    }

    /// The transformations pooled at one value.
    ///
    /// # Errors
    /// [`Error::Spec`] when the value is outside what the transformation accepts.
    pub fn transforms_at(self, value: f64) -> Result<Vec<Transform>> {
        let specs = match self {
            SweepOp::Rotate => vec![format!("rotate:{value}"), format!("rotate:{}", -value)],
            SweepOp::Crop => vec![format!("crop:{value}")],
            SweepOp::Scale => vec![format!("scale:{value}")],
            SweepOp::Shear => vec![format!("shear:{value}"), format!("shear:{}", -value)],
            SweepOp::Translate => vec![
                format!("translate:x={value},y=0"),
                format!("translate:x={},y=0", -value),
                format!("translate:x=0,y={value}"),
                format!("translate:x=0,y={}", -value),
            ],
        };
        specs.iter().map(|spec| spec.parse()).collect()
    }

    /// The spec that stays within a safe range `[lo, hi]` found by a sweep.
    pub fn safe_spec(self, lo: f64, hi: f64) -> String {
        match self {
            SweepOp::Rotate | SweepOp::Shear | SweepOp::Translate => {
                format!("{}:{}..{}", self.name(), -hi, hi)
            }
            SweepOp::Crop => format!("crop:{lo}..1"),
            SweepOp::Scale => format!("scale:{lo}..{hi}"),
        }
    }
}

impl FromStr for SweepOp {
    type Err = Error;

    fn from_str(name: &str) -> Result<SweepOp> {
        SweepOp::ALL
            .iter()
            .find(|(_, known)| *known == name.trim())
            .map(|(op, _)| *op)
            .ok_or_else(|| Error::Sweep {
                sweep: name.to_string(),
                reason: "unknown sweep; expected rotate, crop, scale, shear or translate".into(),
            })
    }
}

/// The values from `from` to `to` (both included) in steps of `step`.
///
/// # Errors
/// [`Error::Sweep`] when the step is not positive, the range runs backwards or has more than
/// 1000 values.
pub fn sweep_values(from: f64, to: f64, step: f64) -> Result<Vec<f64>> {
    let error = |reason: String| Error::Sweep {
        sweep: format!(
            "{}..{} step {}",
            crate::transform::short_number(from),
            crate::transform::short_number(to),
            crate::transform::short_number(step)
        ),
        reason,
    };
    if !(from.is_finite() && to.is_finite() && step.is_finite()) || step <= 0.0 {
        return Err(error("the step must be a number above 0".into()));
    }
    if from > to {
        return Err(error(
            "the range runs backwards; write the smaller value first".into(),
        ));
    }
    // Counted in floating point first: a span of 1e308 over a step of 1 is no usize (nor
    // NaN: the three are finite and the step above 0, so the span is at worst infinite).
    let steps = ((to - from) / step + 1e-9).floor();
    if steps >= 1000.0 {
        let count = if steps < 1e15 {
            format!("{}", steps + 1.0)
        } else {
            "more than 10^15".to_string()
        };
        return Err(error(format!(
            "{count} values are too many; use a larger step (at most 1000 values)"
        )));
    }
    let count = steps as usize + 1;
    // Rounded so that 0.1 steps print as 0.3, not 0.30000000000000004.
    Ok((0..count)
        .map(|i| ((from + step * i as f64) * 1e9).round() / 1e9)
        .collect())
}

/// Sweeps `op` over `values`, `judge` reading the glyphs with the settings of `config` (its
/// transforms are ignored). `progress` is called with images finished, summed over values.
///
/// # Errors
/// [`Error::Spec`] when a value is outside what the transformation accepts,
/// [`Error::Model`] when running a model fails.
pub fn sweep(
    dataset: &Dataset,
    op: SweepOp,
    values: &[f64],
    config: &ScanConfig,
    judge: &Judge,
    progress: &dyn Progress,
) -> Result<SweepReport> {
    let confusion_rates = judge.confusion_rates(dataset);
    let images = dataset.glyphs.len() as u64;
    let classes = dataset.classes.len();
    // Per value, the pooled transformations of that value (each a fixed value, so never in
    // parts), per class, as measured.
    let mut grid: Vec<Measured> = Vec::with_capacity(values.len());
    for (step, &value) in values.iter().enumerate() {
        let transforms = op.transforms_at(value)?;
        let offset = step as u64 * images;
        let augments: Vec<&dyn Augment> = transforms.iter().map(|t| t as &dyn Augment).collect();
        let part = Part {
            whole: progress,
            offset: Some(offset),
        };
        let pooled = judge.measure(dataset, &augments, config, &part)?;
        let mut sum = Measured::new(classes, &[]);
        for measured in &pooled {
            for (sum, tally) in sum.classes.iter_mut().zip(&measured.classes) {
                sum.merge(tally);
            }
        }
        grid.push(sum);
    }
    // The judge's own noise, as a scan reports it: not part of any series or safe range; what
    // it leaves uncertain is discounted from every value's doubt.
    let mut control = None;
    let mut noise = Vec::new();
    let muted = Part {
        whole: progress,
        offset: None,
    };
    if let Some(transform) = &config.control {
        let augments = [transform as &dyn Augment];
        let mut measured = (judge.measure(dataset, &augments, config, &muted)?)
            .pop()
            .unwrap_or_default();
        noise = judge_noise(&measured.classes, &confusion_rates);
        measured.discount(&confusion_rates, &noise);
        control = Some(transform_report(
            &transform.to_string(),
            &measured,
            &dataset.classes,
            &config.thresholds,
        ));
    }
    for measured in &mut grid {
        measured.discount(&confusion_rates, &noise);
    }
    let grid: Vec<Vec<Tally>> = grid.into_iter().map(|m| m.classes).collect();

    let identity = op.identity();
    let thresholds = config.thresholds;
    let class_series: Vec<SweepSeries> = (0..classes)
        .map(|c| {
            let tallies: Vec<&Tally> = grid.iter().map(|per_class| &per_class[c]).collect();
            series(
                &dataset.classes[c],
                &tallies,
                values,
                identity,
                &thresholds,
                |tally| {
                    tally
                        .targets
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                        .map(|(&to, _)| dataset.classes[to].clone())
                },
            )
        })
        .collect();
    let totals: Vec<Tally> = grid
        .iter()
        .map(|per_class| {
            let mut total = Tally::default();
            per_class.iter().for_each(|t| total.merge(t));
            total
        })
        .collect();
    let mut overall = series(
        "all",
        &totals.iter().collect::<Vec<_>>(),
        values,
        identity,
        &thresholds,
        |_| None,
    );
    // The dataset is only as safe as its worst class at each value.
    overall.verdicts = (0..values.len())
        .map(|i| {
            class_series
                .iter()
                .map(|s| s.verdicts[i])
                .max()
                .unwrap_or(Verdict::Safe)
        })
        .collect();
    overall.safe_range = safe_range(values, identity, &overall.verdicts);
    overall.first_flagged = first_flagged(values, identity, &overall.verdicts).map(|i| Flagged {
        value: values[i],
        change_rate: overall.change_rate[i],
        loss_rate: overall.loss_rate[i],
        doubtful_rate: totals[i].doubtful_rate(),
        destroyed_rate: totals[i].destroyed_rate(),
        to: None,
    });
    let safe_spec = op.safe_spec(overall.safe_range[0], overall.safe_range[1]);

    Ok(SweepReport {
        header: Header::new(config.seed),
        draws: config.draws,
        thresholds,
        op: op.name().to_string(),
        identity,
        values: values.to_vec(),
        dataset: judge.dataset_summary(dataset),
        classifier: judge.classifier_summary(dataset, config),
        overall,
        safe_spec,
        classes: class_series,
        control,
    })
}

fn series(
    label: &str,
    tallies: &[&Tally],
    values: &[f64],
    identity: f64,
    thresholds: &Thresholds,
    top_target: impl Fn(&Tally) -> Option<String>,
) -> SweepSeries {
    let change_rate: Vec<f64> = tallies.iter().map(|t| t.change_rate()).collect();
    let loss_rate: Vec<f64> = tallies.iter().map(|t| t.loss_rate()).collect();
    let verdicts: Vec<Verdict> = tallies.iter().map(|t| t.verdict(thresholds)).collect();
    let first_flagged = first_flagged(values, identity, &verdicts).map(|i| Flagged {
        value: values[i],
        change_rate: change_rate[i],
        loss_rate: loss_rate[i],
        doubtful_rate: tallies[i].doubtful_rate(),
        destroyed_rate: tallies[i].destroyed_rate(),
        to: top_target(tallies[i]),
    });
    SweepSeries {
        label: label.to_string(),
        samples: tallies.iter().map(|t| t.samples).collect(),
        changed: tallies.iter().map(|t| t.changed).collect(),
        destroyed: tallies.iter().map(|t| t.destroyed).collect(),
        doubtful: tallies.iter().map(|t| t.doubtful).collect(),
        safe_range: safe_range(values, identity, &verdicts),
        change_rate,
        loss_rate,
        verdicts,
        first_flagged,
    }
}

/// Value indices ordered by distance from the identity (ties: the smaller value first).
fn outward(values: &[f64], identity: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        (values[a] - identity)
            .abs()
            .total_cmp(&(values[b] - identity).abs())
            .then(values[a].total_cmp(&values[b]))
    });
    order
}

/// Walking away from the identity on each side, the last value still safe.
fn safe_range(values: &[f64], identity: f64, verdicts: &[Verdict]) -> [f64; 2] {
    let (mut lo, mut hi) = (identity, identity);
    let (mut lo_open, mut hi_open) = (true, true);
    for i in outward(values, identity) {
        let v = values[i];
        let safe = verdicts[i] == Verdict::Safe;
        if v <= identity && lo_open {
            if safe {
                lo = lo.min(v);
            } else {
                lo_open = false;
            }
        }
        if v >= identity && hi_open {
            if safe {
                hi = hi.max(v);
            } else {
                hi_open = false;
            }
        }
    }
    [lo, hi]
}

fn first_flagged(values: &[f64], identity: f64, verdicts: &[Verdict]) -> Option<usize> {
    outward(values, identity)
        .into_iter()
        .find(|&i| verdicts[i].is_flagged())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_run_from_start_to_end_in_steps() {
        assert_eq!(
            sweep_values(0.0, 20.0, 5.0).unwrap(),
            vec![0.0, 5.0, 10.0, 15.0, 20.0]
        );
        assert_eq!(sweep_values(0.1, 0.3, 0.1).unwrap(), vec![0.1, 0.2, 0.3]);
        assert_eq!(
            sweep_values(0.0, 1.0, 0.3).unwrap(),
            vec![0.0, 0.3, 0.6, 0.9]
        );
        assert!(sweep_values(0.0, 1.0, 0.0).is_err());
        assert!(sweep_values(2.0, 1.0, 0.5).is_err());
        assert!(sweep_values(0.0, 1e6, 1.0).is_err());
        // Spans whose count is no usize are refused, not a panic or an empty sweep.
        for (from, to, step) in [
            (-1e308, 1e308, 1e307),
            (-1e308, 1e308, 1.0),
            (0.0, 1e300, 1e-300),
        ] {
            let err = sweep_values(from, to, step).unwrap_err().to_string();
            assert!(err.contains("values are too many"), "{err}");
        }
        assert!(sweep_values(0.0, 999.0, 1.0).is_ok());
        assert!(sweep_values(0.0, 1000.0, 1.0).is_err());
    }

    #[test]
    fn the_safe_range_stops_at_the_first_flagged_value_on_each_side() {
        use Verdict::{Caution, Safe, Unsafe};
        let values = [0.0, 10.0, 20.0, 30.0, 40.0];
        assert_eq!(
            safe_range(&values, 0.0, &[Safe, Safe, Caution, Safe, Unsafe]),
            [0.0, 10.0]
        );
        assert_eq!(safe_range(&values, 0.0, &[Safe; 5]), [0.0, 40.0]);
        assert_eq!(
            safe_range(&values, 0.0, &[Safe, Unsafe, Safe, Safe, Safe]),
            [0.0, 0.0]
        );
        let scales = [0.6, 0.8, 1.0, 1.2, 1.4];
        assert_eq!(
            safe_range(&scales, 1.0, &[Unsafe, Safe, Safe, Safe, Caution]),
            [0.8, 1.2]
        );
        let crops = [0.4, 0.6, 0.8, 1.0];
        assert_eq!(
            safe_range(&crops, 1.0, &[Unsafe, Caution, Safe, Safe]),
            [0.8, 1.0]
        );
        assert_eq!(
            first_flagged(&crops, 1.0, &[Unsafe, Caution, Safe, Safe]),
            Some(1)
        );
    }

    #[test]
    fn safe_specs_read_back_as_transformations() {
        for (op, lo, hi) in [
            (SweepOp::Rotate, 0.0, 25.0),
            (SweepOp::Crop, 0.75, 1.0),
            (SweepOp::Scale, 0.85, 1.2),
            (SweepOp::Shear, 0.0, 10.0),
            (SweepOp::Translate, 0.0, 0.08),
        ] {
            let spec = op.safe_spec(lo, hi);
            assert!(spec.parse::<Transform>().is_ok(), "{spec}");
            assert!(!op.transforms_at(hi).unwrap().is_empty());
        }
        assert_eq!(SweepOp::Rotate.safe_spec(0.0, 25.0), "rotate:-25..25");
        assert_eq!(SweepOp::Crop.safe_spec(0.75, 1.0), "crop:0.75..1");
        assert!("spin".parse::<SweepOp>().is_err());
        assert_eq!("shear".parse::<SweepOp>().unwrap(), SweepOp::Shear);
    }
}
