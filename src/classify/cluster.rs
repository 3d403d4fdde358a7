//! Clustering one class's samples into templates: spherical k-means seeded farthest first.

use super::score::dot;
use super::*;

/// Clusters one class's unit vectors; returns each cluster's sum and size, and each sample's
/// cluster. Deterministic: seeds are the worst-fitting samples, ties broken by index.
pub(super) fn cluster(
    samples: &[&[f32]],
    options: &ClassifierOptions,
) -> (Vec<(Vec<f32>, usize)>, Vec<usize>) {
    // Centres are found on an evenly spaced subset (large classes need no more to find their
    // styles), then every sample joins its nearest centre and the means take them all in.
    let stride = samples.len().div_ceil(CLUSTER_SUBSET).max(1);
    let subset: Vec<&[f32]> = samples.iter().step_by(stride).copied().collect();
    let centres = cluster_centres(&subset, options);
    let assignment: Vec<usize> = samples.par_iter().map(|s| nearest(&centres, s).0).collect();
    let dim = samples.first().map_or(0, |s| s.len());
    let mut sums = vec![(vec![0.0f32; dim], 0usize); centres.len()];
    for (sample, &c) in samples.iter().zip(&assignment) {
        sums[c]
            .0
            .iter_mut()
            .zip(sample.iter())
            .for_each(|(a, b)| *a += b);
        sums[c].1 += 1;
    }
    // A centre that gathered no sample (possible only off the subset) is dropped.
    let used: Vec<usize> = (0..centres.len()).filter(|&c| sums[c].1 > 0).collect();
    let assignment = assignment
        .iter()
        .map(|c| used.binary_search(c).unwrap_or(0))
        .collect();
    let sums = used.iter().map(|&c| sums[c].clone()).collect();
    (sums, assignment)
}

/// Lloyd steps after the centres are seeded; they stop early once no sample changes centre.
const LLOYD_STEPS: usize = 10;

/// Spherical k-means on unit vectors, seeded farthest first: from the mean of all, the sample
/// that fits its nearest centre worst becomes a new centre, until every sample correlates at
/// least `cluster_similarity` with one (or there are `max_templates_per_class`); then Lloyd
/// steps move each centre to the mean of the samples nearest it. Seeding costs one pass over
/// the samples per centre, so a class can have many templates. Deterministic: ties go to the
/// lowest index.
pub(super) fn cluster_centres(samples: &[&[f32]], options: &ClassifierOptions) -> Vec<Vec<f32>> {
    let dim = samples.first().map_or(0, |s| s.len());
    let mut centres: Vec<Vec<f32>> = vec![unit(&sum_of(samples, |_| true, dim))];
    let mut fit: Vec<f32> = samples.par_iter().map(|s| dot(&centres[0], s)).collect();
    let most = options.max_templates_per_class.min(samples.len());
    while centres.len() < most {
        let worst = fit
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(&b.0)));
        let Some((i, &similarity)) = worst else { break };
        if similarity >= options.cluster_similarity {
            break;
        }
        let centre = samples[i].to_vec();
        fit.par_iter_mut()
            .zip(samples.par_iter())
            .for_each(|(f, s)| *f = f.max(dot(&centre, s)));
        centres.push(centre);
    }
    let mut assignment: Vec<usize> = Vec::new();
    for _ in 0..LLOYD_STEPS {
        let next: Vec<usize> = samples.par_iter().map(|s| nearest(&centres, s).0).collect();
        if next == assignment {
            break;
        }
        assignment = next;
        let mut sums = vec![vec![0.0f32; dim]; centres.len()];
        for (sample, &c) in samples.iter().zip(&assignment) {
            sums[c]
                .iter_mut()
                .zip(sample.iter())
                .for_each(|(a, b)| *a += b);
        }
        // A centre nearest to no sample stays where it is (the caller drops it).
        for (centre, sum) in centres.iter_mut().zip(&sums) {
            if sum.iter().any(|&v| v != 0.0) {
                *centre = unit(sum);
            }
        }
    }
    centres
}

pub(super) fn sum_of(samples: &[&[f32]], keep: impl Fn(usize) -> bool, dim: usize) -> Vec<f32> {
    let mut sum = vec![0.0; dim];
    for (i, s) in samples.iter().enumerate() {
        if keep(i) {
            sum.iter_mut().zip(s.iter()).for_each(|(a, b)| *a += b);
        }
    }
    sum
}

pub(super) fn nearest(centres: &[Vec<f32>], sample: &[f32]) -> (usize, f32) {
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

pub(super) fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

pub(super) fn unit(v: &[f32]) -> Vec<f32> {
    let n = norm(v).max(f32::MIN_POSITIVE);
    v.iter().map(|x| x / n).collect()
}
