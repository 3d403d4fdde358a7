//! Criterion benchmarks of each stage: decoding, normalisation, each transformation,
//! classification (with and without the shortlist of a large alphabet), and a whole scan of
//! the digit fixtures.

use std::hint::black_box;
use std::path::Path;

use augsafe::classify::{GlyphBatch, Query, TemplateClassifier};
use augsafe::normalize::{normalize_with, Form, Side};
use augsafe::rng::draw_rng;
use augsafe::scan::Baseline;
use augsafe::{normalize, scan, ClassifierOptions, Dataset, GlyphImage, ScanConfig, Transform};
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
        b.iter(|| GlyphImage::decode(black_box(&bytes)))
    });
    c.bench_function("normalize 32x32", |b| {
        b.iter(|| normalize(black_box(&glyph.image)))
    });
    // The canonical form's steps and sides: without deslanting, and at the larger sides that
    // large alphabets get.
    let mut group = c.benchmark_group("normalize 32x32 into");
    for side in Side::ALL {
        for deslant in [false, true] {
            let form = Form { side, deslant };
            let name = format!(
                "{} px{}",
                side.pixels(),
                if deslant { ", deslanted" } else { "" }
            );
            group.bench_function(name, |b| {
                b.iter(|| normalize_with(black_box(&glyph.image), form))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("transform 32x32");
    for transform in augsafe::transform::default_set() {
        group.bench_function(transform.to_string(), |b| {
            let mut rng = draw_rng(1, 0, 0, 0);
            b.iter(|| transform.apply(black_box(&glyph.image), &mut rng))
        });
    }
    group.finish();

    let baseline = Baseline::build(&dataset, &ClassifierOptions::default());
    let features = normalize(&glyph.image)
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
                let image = transform.apply(&glyph.image, &mut rng);
                images.push((glyph.image.with_pixels(image), glyph));
            }
        }
    }
    let mut batch = GlyphBatch::new();
    c.bench_function(
        &format!("canonical + 8 bits, {} glyphs", images.len()),
        |b| {
            b.iter(|| {
                batch.clear();
                for (image, _) in &images {
                    batch.push_image(black_box(image), Form::default());
                }
            })
        },
    );
    batch.clear();
    let queries: Vec<Query> = images
        .iter()
        .map(|(image, glyph)| Query {
            row: batch.push_image(image, Form::default()),
            sample: None,
            overlap: 0.0,
            label: glyph.label,
        })
        .collect();
    let templates = baseline.classifier.template_count();
    // Multiply-adds: glyphs × templates × 1024; the closing note divides them by the median.
    c.bench_function(
        &format!(
            "8-bit products, {} glyphs x {templates} templates x 1024",
            queries.len()
        ),
        |b| b.iter(|| baseline.classifier.products(black_box(&batch))),
    );
    c.bench_function(
        &format!(
            "judge {} glyphs against {templates} templates",
            queries.len()
        ),
        |b| {
            b.iter(|| {
                baseline.classifier.judge_batch(
                    black_box(&batch),
                    &queries,
                    0.03,
                    baseline.judging_floor(),
                )
            })
        },
    );
    let idx = std::fs::read("fixtures/idx/digits-images-idx3-ubyte").unwrap_or_default();
    c.bench_function("parse IDX, 180 images of 32x32", |b| {
        b.iter(|| augsafe::dataset::idx::parse_idx(black_box(&idx), Path::new("bench")))
    });
}

/// Judging a batch against the templates of a large alphabet: 3,000 classes of smooth 48×48
/// glyphs (a few soft strokes each, as canonical CJK glyphs are smooth), two samples each,
/// judged with every template's 8-bit product and through the shortlist. A batch as the scan
/// makes one: 208 glyphs, the samples themselves and their half turns.
fn large_alphabet(c: &mut Criterion) {
    let (classes, side) = (3000, 48);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f32 / (1u64 << 53) as f32
    };
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for class in 0..classes {
        let strokes: Vec<[f32; 4]> = (0..5)
            .map(|_| {
                [
                    8.0 + 32.0 * next(),
                    8.0 + 32.0 * next(),
                    2.0 + 10.0 * next(),
                    next(),
                ]
            })
            .collect();
        for sample in 0..2 {
            let shift = sample as f32 * 0.7;
            let glyph: Vec<f32> = (0..side * side)
                .map(|i| {
                    let (x, y) = ((i % side) as f32 - shift, (i / side) as f32);
                    strokes
                        .iter()
                        .map(|&[cx, cy, len, dir]| {
                            // A soft bar through (cx, cy), horizontal or vertical.
                            let (along, across) = if dir < 0.5 {
                                (x - cx, y - cy)
                            } else {
                                (y - cy, x - cx)
                            };
                            let reach = (along.abs() - len).max(0.0);
                            (-(reach * reach + across * across) / 2.5).exp()
                        })
                        .sum::<f32>()
                        .min(1.0)
                })
                .collect();
            pixels.push(glyph);
            labels.push(class);
        }
    }
    let unit = |p: &[f32]| {
        let mean = p.iter().sum::<f32>() / p.len() as f32;
        let norm = p
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum::<f32>()
            .sqrt()
            .max(1e-12);
        p.iter().map(|v| (v - mean) / norm).collect::<Vec<f32>>()
    };
    let features: Vec<Vec<f32>> = pixels.iter().map(|p| unit(p)).collect();
    let mut batch = GlyphBatch::new();
    let mut queries = Vec::new();
    for (sample, p) in pixels.iter().enumerate().step_by(57).take(104) {
        for glyph in [p.clone(), p.iter().rev().copied().collect()] {
            queries.push(Query {
                row: Some(batch.push_pixels(&glyph)),
                sample: None,
                overlap: 0.0,
                label: labels[sample],
            });
        }
    }
    let mut group = c.benchmark_group("judge 208 glyphs, 3,000 classes of 48x48");
    group.sample_size(10);
    for (name, shortlist_from) in [("every template in 8 bits", usize::MAX), ("shortlist", 0)] {
        let options = ClassifierOptions {
            shortlist_from,
            ..ClassifierOptions::default()
        };
        let classifier = TemplateClassifier::build(&features, &labels, classes, &options);
        group.bench_function(name, |b| {
            b.iter(|| classifier.judge_batch(black_box(&batch), &queries, 0.03, 0.5))
        });
    }
    group.finish();
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

/// The processor's own limits on one core, for comparing the kernels with: 16 independent
/// chains of 512-bit fused multiply-adds (16 f32 multiply-adds each) and of VNNI dot products
/// (64 8-bit multiply-adds each), 16 steps each: 4096 and 16384 multiply-adds per iteration.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
fn machine_limits(c: &mut Criterion) {
    use std::arch::x86_64::{
        __m512, __m512i, _mm512_dpbusd_epi32, _mm512_fmadd_ps, _mm512_set1_epi32, _mm512_set1_ps,
    };

    #[target_feature(enable = "avx512f")]
    fn fma_chains(x: __m512) -> [__m512; 16] {
        let mut acc = [x; 16];
        let (a, b) = (_mm512_set1_ps(1.000_001), _mm512_set1_ps(0.999_999));
        for _ in 0..16 {
            for acc in &mut acc {
                *acc = _mm512_fmadd_ps(a, b, *acc);
            }
        }
        acc
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    fn vnni_chains(x: __m512i) -> [__m512i; 16] {
        let mut acc = [x; 16];
        let (a, b) = (
            _mm512_set1_epi32(0x0302_0103),
            _mm512_set1_epi32(0x01fe_02ff),
        );
        for _ in 0..16 {
            for acc in &mut acc {
                *acc = _mm512_dpbusd_epi32(*acc, a, b);
            }
        }
        acc
    }

    let avx512 = std::is_x86_feature_detected!("avx512f");
    let vnni = avx512
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vnni");
    if avx512 {
        c.bench_function("limit: 256 x 512-bit f32 FMA (4096 multiply-adds)", |b| {
            // SAFETY: the processor has AVX-512 F (checked above).
            b.iter(|| unsafe { fma_chains(black_box(_mm512_set1_ps(0.0))) })
        });
    }
    if vnni {
        c.bench_function("limit: 256 x VNNI dot (16384 8-bit multiply-adds)", |b| {
            // SAFETY: the processor has AVX-512 F, BW and VNNI (checked above).
            b.iter(|| unsafe { vnni_chains(black_box(_mm512_set1_epi32(0))) })
        });
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn machine_limits(_: &mut Criterion) {}

criterion_group!(
    benches,
    stages,
    classification,
    large_alphabet,
    whole_scan,
    machine_limits
);
criterion_main!(benches);
