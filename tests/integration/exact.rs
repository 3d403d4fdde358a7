//! The fast scoring path (8-bit products, brackets, exact scores only where they matter) gives
//! exactly what the plain f32 classifier gives, on real glyphs and their transformations, and
//! on glyphs of fonts and sizes the templates were not made from.

use std::path::Path;

use augsafe::classify::{correlation, judge, predict, GlyphBatch, Outcome, Query};
use augsafe::rng::draw_rng;
use augsafe::scan::{Baseline, Scan};
use augsafe::{normalize, ClassifierOptions, Dataset, RenderConfig, Transform};

fn load(path: &Path) -> Dataset {
    match Dataset::load(path) {
        Ok(dataset) => dataset,
        Err(err) => panic!("{}: {err}", path.display()),
    }
}

/// Every glyph of `probe` under each transformation, judged both ways against the templates of
/// `baseline` (`leave_one_out`: the probe is the dataset the templates came from).
/// Returns how many outcomes were compared, and how many of them were changes and destructions.
fn compare(baseline: &Baseline, probe: &Dataset, leave_one_out: bool) -> (usize, usize, usize) {
    let specs = [
        "rotate:0",
        "rotate:-10..10",
        "rotate:180",
        "hflip",
        "crop:0.7..0.9",
        "crop:left=0.5",
        "scale:0.6..1.4",
    ];
    let (mut compared, mut changed, mut destroyed) = (0, 0, 0);
    for (t, spec) in (0u64..).zip(specs.iter()) {
        let transform: Transform = match spec.parse() {
            Ok(transform) => transform,
            Err(err) => panic!("{spec}: {err}"),
        };
        let mut batch = GlyphBatch::new();
        let mut queries = Vec::new();
        let mut expected = Vec::new();
        for (index, glyph) in probe.glyphs.iter().enumerate() {
            let mut rng = draw_rng(7, index, t, 0);
            let image = transform.apply(&glyph.image, &mut rng);
            let Some(canonical) = normalize(&glyph.image.with_pixels(image)) else {
                continue;
            };
            let features = canonical.features();
            let sample = leave_one_out.then_some(index);
            let row = batch.push_pixels(canonical.pixels());
            // The original's correlation with the transformed glyph, as the scan takes it.
            let overlap = normalize(&glyph.image)
                .map(|original| correlation(&original.features(), batch.features(row)))
                .unwrap_or(0.0);
            let scores = match sample {
                Some(index) => baseline
                    .classifier
                    .leave_one_out_scores(index, overlap, &features),
                None => baseline.classifier.class_scores(&features),
            };
            expected.push(scores);
            queries.push(Query {
                row: Some(row),
                sample,
                overlap,
                label: glyph.label,
            });
        }
        let products = baseline.classifier.products(&batch);
        assert_eq!(
            products.len(),
            batch.len() * baseline.classifier.template_count()
        );
        // Margins that make every outcome common somewhere: none, the default, a wide one; and
        // destroyed floors: none, the dataset's own, and one so high that most glyphs fall
        // near it, where brackets cannot decide and exact scores must.
        let floors = [f32::NEG_INFINITY, baseline.judging_floor(), 0.95];
        for (margin, floor) in [0.0, 0.03, 0.15]
            .into_iter()
            .flat_map(|m| floors.map(|f| (m, f)))
        {
            let fast = baseline
                .classifier
                .judge_batch(&batch, &queries, margin, floor);
            for ((query, scores), outcome) in queries.iter().zip(&expected).zip(&fast) {
                assert_eq!(
                    *outcome,
                    judge(scores, query.label, margin, floor),
                    "{spec}, margin {margin}, floor {floor}"
                );
                compared += 1;
                changed += usize::from(matches!(outcome, Outcome::Changed { .. }));
                destroyed += usize::from(*outcome == Outcome::Destroyed);
            }
        }
        let predicted = baseline.classifier.predict_batch(&batch, &queries);
        for (scores, prediction) in expected.iter().zip(predicted) {
            assert_eq!(prediction, predict(scores), "{spec}");
        }
    }
    (compared, changed, destroyed)
}

#[test]
fn judging_in_eight_bits_first_changes_no_outcome_on_the_fixtures() {
    let dataset = load(Path::new("fixtures/glyphs"));
    let baseline = Baseline::build(&dataset, &ClassifierOptions::default());
    let (compared, changed, destroyed) = compare(&baseline, &dataset, true);
    assert!(
        compared > 10_000 && changed > 1_000 && destroyed > 1_000,
        "{compared} {changed} {destroyed}"
    );
}

#[test]
fn judging_in_eight_bits_first_changes_no_outcome_on_unseen_fonts() {
    // Templates from the fixtures; probes rendered from other DejaVu faces, larger, light on
    // dark.
    let dataset = load(Path::new("fixtures/glyphs"));
    let baseline = Baseline::build(&dataset, &ClassifierOptions::default());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fonts: Vec<std::path::PathBuf> = ["DejaVuSans-Bold.ttf", "DejaVuSerifCondensed.ttf"]
        .iter()
        .map(|f| Path::new("/usr/share/fonts/truetype/dejavu").join(f))
        .collect();
    // The project's machines and CI have DejaVu installed: a missing font is a failure, not a
    // reason to pass without checking anything.
    for font in &fonts {
        assert!(font.exists(), "{} is missing", font.display());
    }
    let config = RenderConfig {
        fonts,
        chars: "0123456789bdpqAHMWmnuv".chars().collect(),
        size: 48,
        samples: 2,
        seed: 3,
        invert: true,
    };
    if let Err(err) = augsafe::render_dataset(&config, dir.path()) {
        panic!("render: {err}");
    }
    let mut probe = load(dir.path());
    // Probe labels must be the fixtures' class indices for judging to mean anything.
    let names = probe.classes.clone();
    probe.glyphs.retain_mut(|glyph| {
        match dataset
            .classes
            .iter()
            .position(|c| *c == names[glyph.label])
        {
            Some(label) => {
                glyph.label = label;
                true
            }
            None => false,
        }
    });
    probe.classes = dataset.classes.clone();
    let relabelled = probe;
    let (compared, changed, destroyed) = compare(&baseline, &relabelled, false);
    assert!(
        compared > 1_000 && changed > 50 && destroyed > 50,
        "{compared} {changed} {destroyed}"
    );
}

#[test]
fn measuring_the_baseline_with_the_transformations_gives_the_same_baseline_and_report() {
    let dataset = load(Path::new("fixtures/glyphs"));
    let config = augsafe::ScanConfig::default();
    // Measured on its own first, and then within the scan's pass.
    let apart = Baseline::build(&dataset, &config.classifier);
    let within = Baseline::templates(&dataset, &config.classifier);
    assert!(apart.predictions(&dataset).is_some() && within.predictions(&dataset).is_none());
    let apart =
        Scan::with_baseline(&dataset, apart, &config, None, &|_| {}).expect("never stopped");
    let within =
        Scan::with_baseline(&dataset, within, &config, None, &|_| {}).expect("never stopped");
    assert!(within.baseline().predictions(&dataset).is_some());
    assert_eq!(
        apart.baseline().leave_one_out,
        within.baseline().leave_one_out
    );
    assert_eq!(apart.report(), within.report());
    // Glyphs the baseline gets wrong are there to be left out of the transformations.
    assert!(apart
        .baseline()
        .predictions(&dataset)
        .unwrap_or_default()
        .iter()
        .zip(&dataset.glyphs)
        .any(|(p, g)| *p != Some(g.label)));
}
