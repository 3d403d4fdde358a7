//! Criterion benchmarks of each stage: decoding, normalisation, each transformation,
//! classification, and a whole scan of the digit fixtures.

use std::hint::black_box;
use std::path::Path;

use augsafe::classify::{Classifier, GlyphBatch, Query};
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
    // A batch as the scan makes one: 8 images under the 12 default transformations.
    let transforms = augsafe::transform::default_set();
    let mut images = Vec::new();
    for (i, glyph) in dataset.glyphs.iter().step_by(97).take(8).enumerate() {
        for transform in &transforms {
            let draws = if transform.is_random() { 5 } else { 1 };
            for draw in 0..draws {
                let mut rng = draw_rng(1, i, 0, draw);
                let image =
                    transform.apply(&glyph.image, glyph.background, glyph.polarity, &mut rng);
                images.push((image, glyph));
            }
        }
    }
    let mut batch = GlyphBatch::new();
    c.bench_function(
        &format!("canonical + 8 bits, {} glyphs", images.len()),
        |b| {
            b.iter(|| {
                batch.clear();
                for (image, glyph) in &images {
                    batch.push_image(black_box(image), glyph.background, glyph.polarity);
                }
            })
        },
    );
    batch.clear();
    let queries: Vec<Query> = images
        .iter()
        .map(|(image, glyph)| Query {
            row: batch.push_image(image, glyph.background, glyph.polarity),
            sample: None,
            label: glyph.label,
        })
        .collect();
    let templates = baseline.classifier.template_count();
    c.bench_function(
        &format!(
            "judge {} glyphs against {templates} templates",
            queries.len()
        ),
        |b| {
            b.iter(|| {
                baseline
                    .classifier
                    .judge_batch(black_box(&batch), &queries, 0.03)
            })
        },
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
