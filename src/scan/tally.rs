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
    /// Of the uncertain samples, those another class leads (within the margin): the judge's
    /// best guess is the other class. Changes the baseline already makes count here too.
    pub leading: usize,
    /// The near ties another class leads, clearly beyond what the judge does on its own (the
    /// control's rate for the class, [`discount_judge_noise`]): doubt the transformation
    /// added. Until discounted, every such near tie.
    pub doubtful: usize,
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
        self.leading += other.leading;
        self.doubtful += other.doubtful;
        for (&to, &count) in &other.targets {
            *self.targets.entry(to).or_default() += count;
        }
    }

    pub(super) fn record(&mut self, outcome: Outcome) {
        self.samples += 1;
        match outcome {
            Outcome::Kept => {}
            Outcome::Uncertain { leads, .. } => {
                self.uncertain += 1;
                if leads {
                    self.leading += 1;
                    self.doubtful += 1;
                }
            }
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

    /// `doubtful / samples`, 0 without samples.
    pub fn doubtful_rate(&self) -> f64 {
        rate(self.doubtful, self.samples)
    }

    /// The verdict on this class: from its loss rate and its doubtful rate under `thresholds`
    /// ([`Thresholds::verdict`]), or not judged when it has no sample (none of the class was
    /// read as its own before the transformation).
    pub fn verdict(&self, thresholds: &Thresholds) -> Verdict {
        if self.samples == 0 {
            Verdict::NotJudged
        } else {
            thresholds.verdict(self.loss_rate(), self.doubtful_rate())
        }
    }
}

impl Tally {
    /// The verdict on one part of a range: as [`Tally::verdict`], but with the loss rate at the
    /// lower end of its interval at confidence `z` ([`part_z`] of the number of parts). A part
    /// holds a fraction of the samples and is one of several, the worst of which gets named;
    /// only a part clearly worse is flagged.
    pub fn part_verdict(&self, thresholds: &Thresholds, z: f64) -> Verdict {
        if self.samples == 0 {
            Verdict::NotJudged
        } else {
            let lost = lower_bound(self.changed + self.destroyed, self.samples, z);
            thresholds.verdict(lost, self.doubtful_rate())
        }
    }
}

/// The judge's own doubt per class: the share of each class's samples it left in a near tie
/// another class leads under the control, a transformation that changes no label (its
/// tallies as measured, before any discount; the baseline's confusions count as such, as they
/// do for every transformation).
pub fn judge_noise(control: &[Tally], confusion_rates: &BTreeMap<(usize, usize), f64>) -> Vec<f64> {
    let mut control = control.to_vec();
    discount_baseline_confusions(&mut control, confusion_rates);
    control.iter().map(|t| rate(t.leading, t.samples)).collect()
}

/// What one transformation did to each class over all its draws, and, for one whose
/// randomness is a single range drawn in equal parts (one part per draw), to each class in each
/// part of the range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measured {
    /// Per class, every draw.
    pub classes: Vec<Tally>,
    /// Per part of the range, in order; empty when the range is not drawn in parts.
    pub parts: Vec<PartTally>,
}

/// One part of a range: its bounds and, per class, the draws from it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartTally {
    /// Where the part starts.
    pub from: f64,
    /// Where it ends.
    pub to: f64,
    /// Per class.
    pub classes: Vec<Tally>,
}

impl Measured {
    /// Empty tallies for `classes` classes and the given part bounds.
    pub fn new(classes: usize, parts: &[(f64, f64)]) -> Measured {
        Measured {
            classes: vec![Tally::default(); classes],
            parts: parts
                .iter()
                .map(|&(from, to)| PartTally {
                    from,
                    to,
                    classes: vec![Tally::default(); classes],
                })
                .collect(),
        }
    }

    /// Adds another measurement of the same transformation into this one.
    pub fn merge(&mut self, other: &Measured) {
        for (a, b) in self.classes.iter_mut().zip(&other.classes) {
            a.merge(b);
        }
        for (a, b) in self.parts.iter_mut().zip(&other.parts) {
            for (a, b) in a.classes.iter_mut().zip(&b.classes) {
                a.merge(b);
            }
        }
    }

    /// [`discount_baseline_confusions`] and then [`discount_judge_noise`], on the whole and on
    /// every part (the parts' doubt at the confidence of [`part_z`], as they are judged).
    pub fn discount(&mut self, confusion_rates: &BTreeMap<(usize, usize), f64>, noise: &[f64]) {
        discount_baseline_confusions(&mut self.classes, confusion_rates);
        discount_judge_noise(&mut self.classes, noise);
        let z = part_z(self.parts.len());
        for part in &mut self.parts {
            discount_baseline_confusions(&mut part.classes, confusion_rates);
            discount_judge_noise_at(&mut part.classes, noise, z);
        }
    }
}

/// A near tie another class leads is not a sample seen to survive, but the judge leaves some
/// glyphs in one whatever is done to them, and a class of a dozen samples has a few by chance.
/// Of each class's near ties another class leads, only those clearly beyond the judge's own
/// rate under the control (`noise`, from [`judge_noise`]) stay doubtful: the class's rate is
/// taken at the lower end of its one-sided 95% interval ([`lower_bound`]), less the control's
/// rate. Without a control `noise` is empty and the judge's own rate counts as 0.
pub fn discount_judge_noise(tallies: &mut [Tally], noise: &[f64]) {
    discount_judge_noise_at(tallies, noise, Z95);
}

/// [`discount_judge_noise`] with the lower end taken at confidence `z`.
fn discount_judge_noise_at(tallies: &mut [Tally], noise: &[f64], z: f64) {
    for (class, tally) in tallies.iter_mut().enumerate() {
        let own = noise.get(class).copied().unwrap_or(0.0);
        let clear = lower_bound(tally.leading, tally.samples, z) - own;
        tally.doubtful = (clear.max(0.0) * tally.samples as f64).round() as usize;
    }
}

/// The one-sided 95% quantile of the standard normal distribution: the `z` of
/// [`lower_bound`] for one rate.
pub const Z95: f64 = 1.645;

/// The `z` for the rates of `parts` parts of a range at 95% together (Bonferroni: each at
/// `0.05 / parts`): the worst of five parts is named only when it would stand out at 99% alone.
pub fn part_z(parts: usize) -> f64 {
    normal_quantile(0.05 / parts.max(1) as f64)
}

/// The `z` above which the standard normal distribution leaves `tail` (0 < `tail` ≤ 0.5):
/// Abramowitz and Stegun's rational approximation 26.2.23, within 4.5e-4.
fn normal_quantile(tail: f64) -> f64 {
    let tail = tail.clamp(1e-12, 0.5);
    let t = (-2.0 * tail.ln()).sqrt();
    let (c0, c1, c2) = (2.515517, 0.802853, 0.010328);
    let (d1, d2, d3) = (1.432788, 0.189269, 0.001308);
    t - (c0 + c1 * t + c2 * t * t) / (1.0 + d1 * t + d2 * t * t + d3 * t * t * t)
}

/// The Wilson score interval's lower end for `count` of `samples` at one-sided confidence `z`
/// ([`Z95`]: 95%): a rate the true one is above with that confidence (0 without samples).
pub fn lower_bound(count: usize, samples: usize, z: f64) -> f64 {
    if samples == 0 {
        return 0.0;
    }
    let n = samples as f64;
    let p = count as f64 / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z2 / n)).max(0.0)
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
        tally.leading += excused;
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
            Outcome::Uncertain {
                to: 2,
                leads: false,
            },
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
    fn near_ties_beyond_the_judges_own_rate_count_half_toward_caution() {
        let thresholds = Thresholds::default();
        let tally = |kept: usize, uncertain: usize, changed: usize| {
            let mut tally = Tally::default();
            (0..kept).for_each(|_| tally.record(Outcome::Kept));
            (0..uncertain).for_each(|_| tally.record(Outcome::Uncertain { to: 1, leads: true }));
            (0..changed).for_each(|_| tally.record(Outcome::Changed { to: 1 }));
            tally
        };
        // 40 of 100 near ties, 1 lost, no control: the near-tie rate is at least 32% (95%),
        // so 32 are doubtful and 1% + 32%/2 reaches caution.
        let mut doubted = vec![tally(59, 40, 1)];
        discount_judge_noise(&mut doubted, &[]);
        assert_eq!((doubted[0].uncertain, doubted[0].doubtful), (40, 32));
        assert_eq!(doubted[0].verdict(&thresholds), Verdict::Caution);
        // The judge leaves 25% of the class in doubt under the control: 7 doubtful remain,
        // 1% + 7%/2 is safe.
        discount_judge_noise(&mut doubted, &[0.25]);
        assert_eq!(doubted[0].doubtful, 7);
        assert_eq!(doubted[0].verdict(&thresholds), Verdict::Safe);
        // 3 near ties in a class of 12 are within chance: 1 doubtful, safe.
        let mut few = vec![tally(9, 3, 0)];
        discount_judge_noise(&mut few, &[]);
        assert_eq!(few[0].doubtful, 1);
        assert_eq!(few[0].verdict(&thresholds), Verdict::Safe);
        // Doubt alone never makes a class unsafe.
        let mut all = vec![tally(0, 100, 0)];
        discount_judge_noise(&mut all, &[]);
        assert_eq!(all[0].verdict(&thresholds), Verdict::Caution);
        // The control's own rate, from its tallies.
        assert_eq!(
            judge_noise(&[tally(80, 20, 0), Tally::default()], &BTreeMap::new()),
            [0.2, 0.0]
        );
    }

    #[test]
    fn the_lower_bound_is_the_wilson_interval_end() {
        assert_eq!(lower_bound(0, 0, Z95), 0.0);
        assert_eq!(lower_bound(0, 10, Z95), 0.0);
        assert!((lower_bound(40, 100, Z95) - 0.3231).abs() < 1e-3);
        assert!((lower_bound(3, 12, Z95) - 0.1046).abs() < 1e-3);
        assert!(lower_bound(10, 10, Z95) < 1.0 && lower_bound(10, 10, Z95) > 0.75);
        // One part of five at 95% together is one at 99% alone.
        assert!((part_z(1) - Z95).abs() < 1e-3);
        assert!((part_z(5) - 2.326).abs() < 1e-3);
        assert!(lower_bound(40, 100, part_z(5)) < lower_bound(40, 100, Z95));
    }

    #[test]
    fn changes_count_only_beyond_the_baseline_confusion_rate() {
        let mut tallies = vec![
            Tally {
                samples: 20,
                changed: 12,
                destroyed: 0,
                uncertain: 1,
                leading: 1,
                doubtful: 1,
                targets: BTreeMap::from([(1, 10), (2, 2)]),
            },
            Tally {
                samples: 10,
                changed: 1,
                destroyed: 0,
                uncertain: 0,
                leading: 0,
                doubtful: 0,
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
