//! Long work stops when its caller asks (the Python package's Ctrl-C): the scan, the sweep and
//! the recommendation skip what is left once `Progress::stopped` turns true and return
//! `Error::Stopped`, never a result computed on part of the data.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use augsafe::scan::{Judge, Scan};
use augsafe::sweep::{sweep, SweepOp};
use augsafe::{Dataset, Error, Progress, ScanConfig};

/// Asks to stop once anything at all is reported finished, and keeps the most it was told.
#[derive(Default)]
struct StopAtFirst {
    most: AtomicU64,
}

impl Progress for StopAtFirst {
    fn advance(&self, done: u64) {
        self.most.fetch_max(done, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.most.load(Ordering::Relaxed) > 0
    }
}

fn digits() -> Dataset {
    Dataset::load(Path::new("fixtures/digits")).expect("the fixture loads")
}

#[test]
fn a_scan_asked_to_stop_skips_the_rest_and_returns_no_report() {
    let dataset = digits();
    let config = ScanConfig::default();
    let watch = StopAtFirst::default();
    let result = Scan::run(&dataset, &config, None, &watch);
    assert!(matches!(result, Err(Error::Stopped)), "{result:?}");
    // Each worker finishes the batch it holds (8 images), then skips the rest.
    let most = watch.most.load(Ordering::Relaxed);
    assert!(
        most <= 2 * 8,
        "{most} of {} images measured",
        dataset.glyphs.len()
    );
    // Not asked, the same scan runs to its end.
    assert!(Scan::run(&dataset, &config, None, &|_| {}).is_ok());
}

#[test]
fn a_sweep_and_a_recommendation_asked_to_stop_return_no_result() {
    let dataset = digits();
    let config = ScanConfig::default();
    let judge = Judge::templates(&dataset, &config);
    let watch = StopAtFirst::default();
    let swept = sweep(
        &dataset,
        SweepOp::Rotate,
        &[0.0, 90.0, 180.0],
        &config,
        &judge,
        &watch,
    );
    assert!(matches!(swept, Err(Error::Stopped)), "{swept:?}");
    assert!(watch.most.load(Ordering::Relaxed) < dataset.glyphs.len() as u64);

    let watch = StopAtFirst::default();
    let recommended = augsafe::recommend::recommend(&dataset, None, &config, &judge, &watch);
    assert!(
        matches!(recommended, Err(Error::Stopped)),
        "{recommended:?}"
    );
    // One component finished, the one after it stopped at its first measurement.
    assert_eq!(watch.most.load(Ordering::Relaxed), 1);
}

#[cfg(feature = "onnx")]
#[test]
fn a_scan_the_model_judges_stops_too() {
    use augsafe::classify::model::{ModelJudge, ModelOptions};
    let dataset = digits();
    let config = ScanConfig::default();
    let model = ModelJudge::load(
        Path::new("fixtures/models/digits-mlp.onnx"),
        &dataset.classes,
        &ModelOptions::default(),
    )
    .expect("the fixture model loads");
    let judge = Judge::model(&dataset, model, 0.1).expect("the model reads the digits");
    let watch = StopAtFirst::default();
    let result = augsafe::scan::scan_judged(&dataset, &config, None, &[], &judge, &watch);
    assert!(matches!(result, Err(Error::Stopped)), "{result:?}");
}
