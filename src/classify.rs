//! The template classifier built from the dataset, and the trait a second judge would implement.
//!
//! Each class gets one template per style it contains: its samples are clustered (spherical
//! k-means on canonical glyphs, a new cluster seeded at the worst-fitting sample until every
//! sample sits close to its template) and each cluster's mean is a template. One mean of three
//! fonts is a blur that matches nothing well; three means match their own fonts. A glyph is
//! scored against a class by the best normalised cross-correlation with that class's templates.

/// Settings of the template classifier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassifierOptions {
    /// A class gets another template while one of its samples correlates less than this with
    /// its own template.
    pub cluster_similarity: f32,
    /// At most this many templates per class.
    pub max_templates_per_class: usize,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        ClassifierOptions {
            cluster_similarity: 0.97,
            max_templates_per_class: 8,
        }
    }
}

/// Anything that scores a canonical glyph against every class.
pub trait Classifier: Sync {
    /// How many classes it tells apart.
    fn class_count(&self) -> usize;

    /// One score per class for a glyph's feature vector (see
    /// [`Canonical::features`](crate::normalize::Canonical::features)); higher is closer.
    fn class_scores(&self, features: &[f32]) -> Vec<f32>;
}

/// Per-class templates matched by normalised cross-correlation.
#[derive(Clone, Debug)]
pub struct TemplateClassifier {
    classes: usize,
    dim: usize,
    /// Unit-length template vectors, `dim` each, one after another.
    units: Vec<f32>,
    /// Per template: its class, how many samples it averages, and the length of their sum.
    templates: Vec<TemplateInfo>,
    /// For each training sample, the template it belongs to.
    membership: Vec<usize>,
}

#[derive(Clone, Copy, Debug)]
struct TemplateInfo {
    class: usize,
    count: usize,
    sum_norm: f32,
}

impl TemplateClassifier {
    /// Builds templates from unit-length feature vectors and their class labels
    /// (`labels[i] < classes`).
    pub fn build(
        features: &[Vec<f32>],
        labels: &[usize],
        classes: usize,
        options: &ClassifierOptions,
    ) -> TemplateClassifier {
        let dim = features.first().map_or(0, Vec::len);
        let mut units = Vec::new();
        let mut templates = Vec::new();
        let mut membership = vec![0; features.len()];
        for class in 0..classes {
            let members: Vec<usize> = (0..features.len())
                .filter(|&i| labels[i] == class)
                .collect();
            if members.is_empty() {
                continue;
            }
            let samples: Vec<&[f32]> = members.iter().map(|&i| features[i].as_slice()).collect();
            let (sums, assignment) = cluster(&samples, options);
            let first = templates.len();
            for (sum, count) in sums {
                let sum_norm = norm(&sum);
                units.extend(sum.iter().map(|v| v / sum_norm.max(f32::MIN_POSITIVE)));
                templates.push(TemplateInfo {
                    class,
                    count,
                    sum_norm,
                });
            }
            for (slot, &sample) in members.iter().enumerate() {
                membership[sample] = first + assignment[slot];
            }
        }
        TemplateClassifier {
            classes,
            dim,
            units,
            templates,
            membership,
        }
    }

    /// How many templates there are in all.
    pub fn template_count(&self) -> usize {
        self.templates.len()
    }

    /// The class of each template, in template order.
    pub fn template_classes(&self) -> Vec<usize> {
        self.templates.iter().map(|t| t.class).collect()
    }

    /// A template's unit-length vector.
    pub fn template(&self, index: usize) -> &[f32] {
        &self.units[index * self.dim..(index + 1) * self.dim]
    }

    fn template_scores(&self, features: &[f32]) -> Vec<f32> {
        self.units
            .chunks_exact(self.dim.max(1))
            .map(|unit| dot(unit, features))
            .collect()
    }

    /// The template that matches a glyph best, and its score.
    pub fn best_template(&self, features: &[f32]) -> Option<(usize, f32)> {
        self.template_scores(features)
            .into_iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The template of `class` that matches a glyph best.
    pub fn best_template_of(&self, features: &[f32], class: usize) -> Option<usize> {
        self.template_scores(features)
            .into_iter()
            .enumerate()
            .filter(|&(index, _)| self.templates[index].class == class)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(index, _)| index)
    }

    /// A template as an image of the canonical size, its values stretched to 0..255 (ink
    /// bright, like [`Canonical::to_image`](crate::normalize::Canonical::to_image)).
    pub fn template_image(&self, index: usize) -> image::GrayImage {
        let unit = self.template(index);
        let (lo, hi) = unit
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let span = (hi - lo).max(f32::MIN_POSITIVE);
        let size = crate::normalize::CANONICAL_SIZE;
        image::GrayImage::from_fn(size, size, |x, y| {
            let v = unit.get((y * size + x) as usize).copied().unwrap_or(lo);
            image::Luma([(((v - lo) / span) * 255.0).round() as u8])
        })
    }

    /// Class scores for training sample `sample` with its own contribution taken out of its
    /// template, so that it cannot vote for itself (a template of one sample drops out).
    pub fn leave_one_out_scores(&self, sample: usize, features: &[f32]) -> Vec<f32> {
        let own = self.membership.get(sample).copied();
        let mut scores = vec![f32::NEG_INFINITY; self.classes];
        for (index, score) in self.template_scores(features).into_iter().enumerate() {
            let info = self.templates[index];
            let score = if Some(index) == own {
                if info.count < 2 {
                    continue;
                }
                // The sum without this sample: S - x, with |x| = 1 and S·x = |S| (u·x).
                let s_dot_x = info.sum_norm * score;
                let rest_norm2 = info.sum_norm * info.sum_norm - 2.0 * s_dot_x + 1.0;
                if rest_norm2 <= 1e-12 {
                    continue;
                }
                (s_dot_x - 1.0) / rest_norm2.sqrt()
            } else {
                score
            };
            let best = &mut scores[info.class];
            *best = best.max(score);
        }
        scores
    }
}

impl Classifier for TemplateClassifier {
    fn class_count(&self) -> usize {
        self.classes
    }

    fn class_scores(&self, features: &[f32]) -> Vec<f32> {
        let mut scores = vec![f32::NEG_INFINITY; self.classes];
        for (index, score) in self.template_scores(features).into_iter().enumerate() {
            let best = &mut scores[self.templates[index].class];
            *best = best.max(score);
        }
        scores
    }
}

/// Clusters one class's unit vectors; returns each cluster's sum and size, and each sample's
/// cluster. Deterministic: seeds are the worst-fitting samples, ties broken by index.
fn cluster(
    samples: &[&[f32]],
    options: &ClassifierOptions,
) -> (Vec<(Vec<f32>, usize)>, Vec<usize>) {
    let dim = samples.first().map_or(0, |s| s.len());
    let mut centres: Vec<Vec<f32>> = vec![unit(&sum_of(samples, |_| true, dim))];
    let mut assignment = vec![0; samples.len()];
    loop {
        // Lloyd iterations from the current centres.
        for _ in 0..20 {
            let next: Vec<usize> = samples.iter().map(|s| nearest(&centres, s).0).collect();
            let moved = next != assignment;
            assignment = next;
            // Drop clusters that lost all their samples, then recompute the means.
            let mut used: Vec<usize> = assignment.clone();
            used.sort_unstable();
            used.dedup();
            assignment.iter_mut().for_each(|a| {
                *a = used.binary_search(a).unwrap_or(0);
            });
            centres = (0..used.len())
                .map(|c| unit(&sum_of(samples, |i| assignment[i] == c, dim)))
                .collect();
            if !moved {
                break;
            }
        }
        let worst = samples
            .iter()
            .enumerate()
            .map(|(i, s)| (i, dot(&centres[assignment[i]], s)))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        match worst {
            Some((i, similarity))
                if similarity < options.cluster_similarity
                    && centres.len() < options.max_templates_per_class
                    && centres.len() < samples.len() =>
            {
                centres.push(samples[i].to_vec());
            }
            _ => break,
        }
    }
    let sums = (0..centres.len())
        .map(|c| {
            let count = assignment.iter().filter(|&&a| a == c).count();
            (sum_of(samples, |i| assignment[i] == c, dim), count)
        })
        .collect();
    (sums, assignment)
}

fn sum_of(samples: &[&[f32]], keep: impl Fn(usize) -> bool, dim: usize) -> Vec<f32> {
    let mut sum = vec![0.0; dim];
    for (i, s) in samples.iter().enumerate() {
        if keep(i) {
            sum.iter_mut().zip(s.iter()).for_each(|(a, b)| *a += b);
        }
    }
    sum
}

fn nearest(centres: &[Vec<f32>], sample: &[f32]) -> (usize, f32) {
    centres
        .iter()
        .enumerate()
        .map(|(c, centre)| (c, dot(centre, sample)))
        .fold((0, f32::NEG_INFINITY), |best, next| {
            if next.1 > best.1 {
                next
            } else {
                best
            }
        })
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = norm(v).max(f32::MIN_POSITIVE);
    v.iter().map(|x| x / n).collect()
}

/// What became of a glyph under a transformation, as the classifier sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Its own class still wins clearly.
    Kept,
    /// Another class (`to`) scores about as well as its own: the classifier cannot tell.
    Uncertain {
        /// The closest other class.
        to: usize,
    },
    /// Another class (`to`) wins by more than the margin: the label changed.
    Changed {
        /// The class it now reads as.
        to: usize,
    },
    /// The transformation left no ink to classify.
    Empty,
}

/// Judges class scores against the true label: a change needs another class to beat the own
/// class by more than `margin`; within `margin` either way the sample is uncertain.
pub fn judge(scores: &[f32], label: usize, margin: f32) -> Outcome {
    let own = scores.get(label).copied().unwrap_or(f32::NEG_INFINITY);
    let rival = scores
        .iter()
        .enumerate()
        .filter(|&(class, _)| class != label)
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)));
    match rival {
        Some((to, &score)) if score > own + margin => Outcome::Changed { to },
        Some((to, &score)) if score >= own - margin => Outcome::Uncertain { to },
        _ => Outcome::Kept,
    }
}

/// The class with the highest score (the lowest index among equals).
pub fn predict(scores: &[f32]) -> Option<usize> {
    scores
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(class, _)| class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_vec(v: &[f32]) -> Vec<f32> {
        unit(v)
    }

    #[test]
    fn judging_needs_a_clear_winner() {
        assert_eq!(judge(&[0.9, 0.5, 0.2], 0, 0.05), Outcome::Kept);
        assert_eq!(
            judge(&[0.9, 0.93, 0.2], 0, 0.05),
            Outcome::Uncertain { to: 1 }
        );
        assert_eq!(
            judge(&[0.9, 0.87, 0.2], 0, 0.05),
            Outcome::Uncertain { to: 1 }
        );
        assert_eq!(
            judge(&[0.5, 0.9, 0.95], 0, 0.05),
            Outcome::Changed { to: 2 }
        );
        assert_eq!(predict(&[0.1, 0.7, 0.7]), Some(1));
    }

    #[test]
    fn samples_of_two_styles_get_two_templates() {
        // Class 0 has two unrelated styles, class 1 one.
        let features = vec![
            unit_vec(&[1.0, 0.1, 0.0, 0.0]),
            unit_vec(&[1.0, 0.0, 0.1, 0.0]),
            unit_vec(&[0.0, 0.0, 1.0, 0.1]),
            unit_vec(&[0.1, 0.0, 1.0, 0.0]),
            unit_vec(&[0.0, 1.0, 0.0, 1.0]),
            unit_vec(&[0.0, 1.0, 0.1, 1.0]),
        ];
        let labels = [0, 0, 0, 0, 1, 1];
        let classifier =
            TemplateClassifier::build(&features, &labels, 2, &ClassifierOptions::default());
        assert_eq!(classifier.template_classes(), vec![0, 0, 1]);
        // Either style of class 0 matches class 0 almost perfectly.
        let scores = classifier.class_scores(&unit_vec(&[0.0, 0.0, 1.0, 0.05]));
        assert!(scores[0] > 0.99 && scores[1] < 0.5, "{scores:?}");
    }

    #[test]
    fn one_template_is_enough_for_one_style() {
        let features = vec![
            unit_vec(&[1.0, 0.1, 0.0]),
            unit_vec(&[1.0, 0.0, 0.1]),
            unit_vec(&[0.0, 1.0, 0.0]),
        ];
        let classifier =
            TemplateClassifier::build(&features, &[0, 0, 1], 2, &ClassifierOptions::default());
        assert_eq!(classifier.template_count(), 2);
    }

    #[test]
    fn leave_one_out_takes_the_sample_out_of_its_template() {
        let features = vec![
            unit_vec(&[1.0, 0.0, 0.0]),
            unit_vec(&[0.9, 0.3, 0.0]),
            unit_vec(&[0.0, 0.0, 1.0]),
        ];
        let classifier =
            TemplateClassifier::build(&features, &[0, 0, 1], 2, &ClassifierOptions::default());
        // Sample 0 against the template made of sample 1 alone.
        let loo = classifier.leave_one_out_scores(0, &features[0]);
        assert!(
            (loo[0] - dot(&features[0], &features[1])).abs() < 1e-5,
            "{loo:?}"
        );
        // Class 1 has a single sample: without it, class 1 has no template left.
        let loo = classifier.leave_one_out_scores(2, &features[2]);
        assert_eq!(loo[1], f32::NEG_INFINITY);
        assert!(classifier.class_scores(&features[2])[1] > 0.999);
    }
}
