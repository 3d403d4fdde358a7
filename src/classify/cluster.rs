//! Clustering one class's samples into templates: spherical k-means seeded at the
//! worst-fitting sample.

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

/// Spherical k-means on unit vectors: a new centre seeded at the worst-fitting sample until
/// every sample correlates at least `cluster_similarity` with its centre. Deterministic.
pub(super) fn cluster_centres(samples: &[&[f32]], options: &ClassifierOptions) -> Vec<Vec<f32>> {
    let dim = samples.first().map_or(0, |s| s.len());
    let mut centres: Vec<Vec<f32>> = vec![unit(&sum_of(samples, |_| true, dim))];
    let mut assignment = vec![0; samples.len()];
    loop {
        for _ in 0..20 {
            let next: Vec<usize> = samples.par_iter().map(|s| nearest(&centres, s).0).collect();
            let moved = next != assignment;
            assignment = next;
            let mut used: Vec<usize> = assignment.clone();
            used.sort_unstable();
            used.dedup();
            assignment.iter_mut().for_each(|a| {
                *a = used.binary_search(a).unwrap_or(0);
            });
            centres = (0..used.len())
                .into_par_iter()
                .map(|c| unit(&sum_of(samples, |i| assignment[i] == c, dim)))
                .collect();
            if !moved {
                break;
            }
        }
        let worst = samples
            .par_iter()
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
