//! The report of a sweep: every class's change rate along one parameter, and its safe range.

use serde::Serialize;

use super::header::{ClassifierSummary, DatasetSummary, Header, Thresholds, Verdict};
use super::TransformReport;

/// One class's (or the whole dataset's) change rate along the sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepSeries {
    /// The class label, or `all` for the whole dataset.
    pub label: String,
    /// Judged samples at each value.
    pub samples: Vec<usize>,
    /// Changed samples at each value.
    pub changed: Vec<usize>,
    /// `changed / samples` at each value.
    pub change_rate: Vec<f64>,
    /// Destroyed samples (read as no class, or left without ink) at each value.
    pub destroyed: Vec<usize>,
    /// `(changed + destroyed) / samples` at each value: what the verdicts are read from,
    /// with the doubtful samples.
    pub loss_rate: Vec<f64>,
    /// Uncertain samples beyond the judge's own rate under the control at each value, each
    /// half a loss toward caution.
    pub doubtful: Vec<usize>,
    /// The verdict at each value (for `all`, the worst class's).
    pub verdicts: Vec<Verdict>,
    /// The widest range around the identity in which every swept value is safe, `[lo, hi]`.
    pub safe_range: [f64; 2],
    /// The value nearest the identity that is not safe, with what the class turns into there.
    pub first_flagged: Option<Flagged>,
}

/// Where a series first leaves "safe".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flagged {
    /// The parameter value.
    pub value: f64,
    /// The change rate there.
    pub change_rate: f64,
    /// The loss rate there (changed and destroyed), which flagged it with half the doubtful
    /// rate.
    pub loss_rate: f64,
    /// The doubtful rate there.
    pub doubtful_rate: f64,
    /// The destroyed rate there.
    pub destroyed_rate: f64,
    /// The class most of its changed samples read as (none for `all`).
    pub to: Option<String>,
}

/// The result of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepReport {
    /// Schema version, tool and seed.
    #[serde(flatten)]
    pub header: Header,
    /// Draws per image of random transformations.
    pub draws: u32,
    /// The thresholds of the verdicts.
    pub thresholds: Thresholds,
    /// The swept transformation.
    pub op: String,
    /// The value at which it changes nothing.
    pub identity: f64,
    /// The swept values.
    pub values: Vec<f64>,
    /// What was read.
    pub dataset: DatasetSummary,
    /// The classifier and its baseline.
    pub classifier: ClassifierSummary,
    /// The whole dataset: a value is safe only when every class is.
    pub overall: SweepSeries,
    /// The spec that keeps the whole dataset within its safe range.
    pub safe_spec: String,
    /// Every class, in dataset order.
    pub classes: Vec<SweepSeries>,
    /// The control transformation, judged as a scan judges it: the judge's own noise, in no
    /// series and no safe range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<TransformReport>,
}

impl SweepReport {
    /// The classes that change or are destroyed at some swept value, in dataset order.
    pub fn changing(&self) -> Vec<&SweepSeries> {
        self.classes
            .iter()
            .filter(|s| s.changed.iter().chain(&s.destroyed).any(|&c| c > 0))
            .collect()
    }

    /// The classes with no judged sample at any value (none was read as its own class before
    /// the sweep): nothing is known of them, and they neither change nor stay safe.
    pub fn not_judged(&self) -> Vec<&str> {
        (self.classes.iter())
            .filter(|s| s.samples.iter().all(|&n| n == 0))
            .map(|s| s.label.as_str())
            .collect()
    }

    /// How many classes were judged and never changed at any value.
    pub fn unchanged(&self) -> usize {
        self.classes.len() - self.changing().len() - self.not_judged().len()
    }
}

impl SweepSeries {
    /// Where the series first leaves "safe", in words: `at 20: 35% 1→7` (`3→∅` where most of
    /// the loss is destroyed), or `never`.
    pub fn flagged_text(&self) -> String {
        match &self.first_flagged {
            None => "never".to_string(),
            Some(f) => {
                // What most of the lost samples became: a class, or nothing (→∅).
                let destroyed = f.destroyed_rate > f.change_rate && self.label != "all";
                let to = if destroyed {
                    Some(super::DESTROYED_MARK)
                } else {
                    f.to.as_deref()
                };
                let to = to
                    .map(|to| format!(" {}→{to}", self.label))
                    .unwrap_or_default();
                // A value flagged by doubt more than by losses says so.
                let doubt = if f.doubtful_rate / 2.0 > f.loss_rate {
                    format!(" ({:.0}% doubtful)", f.doubtful_rate * 100.0)
                } else {
                    String::new()
                };
                format!("at {}: {:.0}%{to}{doubt}", f.value, f.loss_rate * 100.0)
            }
        }
    }
}

impl SweepReport {
    /// A safe range in words, as the terminal table gives it: `up to ±15`, `down to 0.75`.
    pub fn describe_range(&self, range: [f64; 2]) -> String {
        let (op, identity) = (self.op.as_str(), self.identity);
        match op {
            "crop" => format!("down to {}", range[0]),
            "scale" => format!("{}..{}", range[0], range[1]),
            _ if range[1] == identity => "nowhere beyond 0".to_string(),
            _ => format!("up to ±{}", range[1]),
        }
    }
}

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A change-rate curve as one character per value: `·` for none, bars for 0 < rate ≤ 1.
pub fn sparkline(rates: &[f64]) -> String {
    rates
        .iter()
        .map(|&r| {
            if r <= 0.0 {
                '·'
            } else {
                SPARKS[((r * 8.0).ceil() as usize).clamp(1, 8) - 1]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_show_zero_apart_from_small_rates() {
        assert_eq!(sparkline(&[0.0, 0.01, 0.5, 1.0]), "·▁▄█");
    }

    #[test]
    fn a_class_mostly_destroyed_where_first_flagged_reads_as_going_to_nothing() {
        let flagged = |change_rate: f64, destroyed_rate: f64, doubtful_rate: f64| SweepSeries {
            label: "3".to_string(),
            samples: vec![10],
            changed: vec![0],
            change_rate: vec![change_rate],
            destroyed: vec![0],
            loss_rate: vec![change_rate + destroyed_rate],
            doubtful: vec![0],
            verdicts: vec![Verdict::Caution],
            safe_range: [0.0, 0.0],
            first_flagged: Some(Flagged {
                value: 25.0,
                change_rate,
                loss_rate: change_rate + destroyed_rate,
                doubtful_rate,
                destroyed_rate,
                to: Some("8".to_string()),
            }),
        };
        assert_eq!(flagged(0.1, 0.2, 0.0).flagged_text(), "at 25: 30% 3→∅");
        assert_eq!(flagged(0.2, 0.1, 0.1).flagged_text(), "at 25: 30% 3→8");
        // Flagged by its near ties more than by its losses: it says so.
        assert_eq!(
            flagged(0.02, 0.0, 0.2).flagged_text(),
            "at 25: 2% 3→8 (20% doubtful)"
        );
    }
}
