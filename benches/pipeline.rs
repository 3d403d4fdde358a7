//! Criterion benchmarks of each stage: decoding, normalisation, each transformation,
//! classification, and a whole scan of the digit fixtures.

use std::hint::black_box;
use std::path::Path;

use augsafe::classify::Classifier;
use augsafe::dataset::decode_glyph;
use augsafe::evaluate::{draw_rng, Baseline};
use augsafe::{normalize, scan, ClassifierOptions, Dataset, ScanConfig, Transform};
use criterion::{criterion_group, criterion_main, Criterion};

fn load_digits() -> Dataset {
    match Dataset::load(Path::new("fixtures/digits")) {
        Ok(dataset) => dataset,
        Err(err) => panic!("the benchmarks need fixtures/digits: {err}"),
    }
}

fn stages(c: &mut Criterion) {
    let dataset = load_digits();
    let glyph = &dataset.glyphs[0];
    let bytes = std::fs::read(&glyph.path).unwrap_or_default();
    c.bench_function("decode 32x32 png", |b| {
        b.iter(|| decode_glyph(black_box(&bytes)))
    });
    c.bench_function("normalize 32x32", |b| {
        b.iter(|| normalize(black_box(&glyph.image), glyph.background, glyph.polarity))
    });

    let mut group = c.benchmark_group("transform 32x32");
    for transform in augsafe::transform::default_set() {
        group.bench_function(transform.to_string(), |b| {
            let mut rng = draw_rng(1, 0, 0, 0);
            b.iter(|| {
                transform.apply(
                    black_box(&glyph.image),
                    glyph.background,
                    glyph.polarity,
                    &mut rng,
                )
            })
        });
    }
    group.finish();

    let baseline = Baseline::build(&dataset, &ClassifierOptions::default());
    let features = normalize(&glyph.image, glyph.background, glyph.polarity)
        .map(|canonical| canonical.features())
        .unwrap_or_default();
    c.bench_function(
        &format!(
            "classify against {} templates",
            baseline.classifier.template_count()
        ),
        |b| b.iter(|| baseline.classifier.class_scores(black_box(&features))),
    );
}

fn classification(c: &mut Criterion) {
    let dataset = match Dataset::load(Path::new("fixtures/glyphs")) {
        Ok(dataset) => dataset,
        Err(err) => panic!("the benchmarks need fixtures/glyphs: {err}"),
    };
    let baseline = Baseline::build(&dataset, &ClassifierOptions::default());
    let features: Vec<Vec<f32>> = dataset
        .glyphs
        .iter()
        .take(20)
        .filter_map(|g| normalize(&g.image, g.background, g.polarity).map(|c| c.features()))
        .collect();
    let batch: Vec<&[f32]> = features.iter().map(Vec::as_slice).collect();
    let templates = baseline.classifier.template_count();
    // Multiply-adds per batch: glyphs × templates × 1024; the closing note turns the median
    // into multiply-adds per second.
    c.bench_function(
        &format!("score 20 glyphs against {templates} templates (batched)"),
        |b| b.iter(|| baseline.classifier.template_scores_batch(black_box(&batch))),
    );
    let idx = std::fs::read("fixtures/idx/digits-images-idx3-ubyte").unwrap_or_default();
    c.bench_function("parse IDX, 180 images of 32x32", |b| {
        b.iter(|| augsafe::idx::parse_idx(black_box(&idx), Path::new("bench")))
    });
}

fn whole_scan(c: &mut Criterion) {
    let dataset = load_digits();
    let mut group = c.benchmark_group("scan fixtures/digits");
    group.sample_size(10);
    let rotate: Vec<Transform> = ["rotate:180"]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    for (name, transforms) in [
        ("rotate:180", rotate),
        ("default set", augsafe::transform::default_set()),
    ] {
        let config = ScanConfig {
            transforms,
            ..ScanConfig::default()
        };
        group.bench_function(name, |b| b.iter(|| scan(&dataset, &config, &|_| {})));
    }
    group.finish();
}

criterion_group!(benches, stages, classification, whole_scan);
criterion_main!(benches);
