//! Counting what a transformation did to each class, and excusing what the classifier already
//! gets wrong without it.

use std::collections::BTreeMap;

use crate::classify::Outcome;
use crate::report::{rate, Thresholds, Verdict};

/// What a transformation did to one class: judged samples, changes by target class, the
/// samples that read as no class at all, and the samples the classifier could not call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Transformed samples judged.
    pub samples: usize,
    /// Samples read as another class.
    pub changed: usize,
    /// Samples that read as no class (no class scores up to the destroyed floor), or were left
    /// without ink: their label is lost without becoming another.
    pub destroyed: usize,
    /// Samples too close to call.
    pub uncertain: usize,
    /// Changed samples by the class they read as.
    pub targets: BTreeMap<usize, usize>,
}

impl Tally {
    /// Adds another tally of the same class into this one.
    pub fn merge(&mut self, other: &Tally) {
        self.samples += other.samples;
        self.changed += other.changed;
        self.destroyed += other.destroyed;
        self.uncertain += other.uncertain;
        for (&to, &count) in &other.targets {
            *self.targets.entry(to).or_default() += count;
        }
    }

    pub(super) fn record(&mut self, outcome: Outcome) {
        self.samples += 1;
        match outcome {
            Outcome::Kept => {}
            Outcome::Uncertain { .. } => self.uncertain += 1,
            Outcome::Destroyed | Outcome::Empty => self.destroyed += 1,
            Outcome::Changed { to } => {
                self.changed += 1;
                *self.targets.entry(to).or_default() += 1;
            }
        }
    }

    /// `changed / samples`, 0 without samples.
    pub fn change_rate(&self) -> f64 {
        rate(self.changed, self.samples)
    }

    /// `destroyed / samples`, 0 without samples.
    pub fn destroyed_rate(&self) -> f64 {
        rate(self.destroyed, self.samples)
    }

    /// `(changed + destroyed) / samples`, 0 without samples: the share of samples whose label
    /// did not survive, which verdicts are read from.
    pub fn loss_rate(&self) -> f64 {
        rate(self.changed + self.destroyed, self.samples)
    }

    /// The verdict on this class: by its loss rate under `thresholds`, or not judged when it
    /// has no sample (none of the class was read as its own before the transformation).
    pub fn verdict(&self, thresholds: &Thresholds) -> Verdict {
        if self.samples == 0 {
            Verdict::NotJudged
        } else {
            thresholds.verdict(self.loss_rate())
        }
    }
}

/// A change into a class that the classifier already confuses with the true class at baseline
/// counts only beyond the baseline rate of that confusion: up to that rate it is the
/// classifier's weakness, not the transformation's doing, and it is counted as uncertain.
pub fn discount_baseline_confusions(
    tallies: &mut [Tally],
    confusion_rates: &BTreeMap<(usize, usize), f64>,
) {
    for (from, tally) in tallies.iter_mut().enumerate() {
        let samples = tally.samples;
        let mut excused = 0;
        tally.targets.retain(|&to, count| {
            let baseline_rate = confusion_rates.get(&(from, to)).copied().unwrap_or(0.0);
            let expected = (baseline_rate * samples as f64).round() as usize;
            let forgiven = expected.min(*count);
            *count -= forgiven;
            excused += forgiven;
            *count > 0
        });
        tally.changed -= excused;
        tally.uncertain += excused;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_without_samples_is_not_judged_and_never_safe() {
        let thresholds = Thresholds::default();
        assert_eq!(Tally::default().verdict(&thresholds), Verdict::NotJudged);
        let mut kept = Tally::default();
        kept.record(Outcome::Kept);
        assert_eq!(kept.verdict(&thresholds), Verdict::Safe);
        let mut lost = Tally::default();
        lost.record(Outcome::Changed { to: 1 });
        assert_eq!(lost.verdict(&thresholds), Verdict::Unsafe);
        // The worst of several is that of the judged ones; it flags nothing by itself.
        assert_eq!(Verdict::NotJudged.max(Verdict::Safe), Verdict::Safe);
        assert!(!Verdict::NotJudged.is_flagged() && !Verdict::Safe.is_flagged());
        assert!(Verdict::Caution.is_flagged() && Verdict::Unsafe.is_flagged());
    }

    #[test]
    fn destroyed_and_empty_glyphs_lose_the_label_without_a_target() {
        let mut tally = Tally::default();
        for outcome in [
            Outcome::Kept,
            Outcome::Changed { to: 3 },
            Outcome::Destroyed,
            Outcome::Empty,
            Outcome::Uncertain { to: 2 },
        ] {
            tally.record(outcome);
        }
        assert_eq!(
            (
                tally.samples,
                tally.changed,
                tally.destroyed,
                tally.uncertain
            ),
            (5, 1, 2, 1)
        );
        assert_eq!(tally.targets, BTreeMap::from([(3, 1)]));
        assert_eq!(tally.change_rate(), 0.2);
        assert_eq!(tally.loss_rate(), 0.6);
    }

    #[test]
    fn changes_count_only_beyond_the_baseline_confusion_rate() {
        let mut tallies = vec![
            Tally {
                samples: 20,
                changed: 12,
                destroyed: 0,
                uncertain: 1,
                targets: BTreeMap::from([(1, 10), (2, 2)]),
            },
            Tally {
                samples: 10,
                changed: 1,
                destroyed: 0,
                uncertain: 0,
                targets: BTreeMap::from([(0, 1)]),
            },
        ];
        // Class 0 is read as class 1 a quarter of the time at baseline; 1 as 0 a fifth.
        let baseline = BTreeMap::from([((0, 1), 0.25), ((1, 0), 0.2)]);
        discount_baseline_confusions(&mut tallies, &baseline);
        // 5 of the 10 changes 0→1 are what the baseline already does.
        assert_eq!(tallies[0].changed, 7);
        assert_eq!(tallies[0].uncertain, 6);
        assert_eq!(tallies[0].targets, BTreeMap::from([(1, 5), (2, 2)]));
        // The single change 1→0 is within the baseline rate (2 of 10): no change is left.
        assert_eq!(tallies[1].changed, 0);
        assert_eq!(tallies[1].uncertain, 1);
        assert!(tallies[1].targets.is_empty());
    }
}
