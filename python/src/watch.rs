//! Running the library's long work from Python: on a thread of its own, while the calling
//! thread (the interpreter's main thread, where Python handles Ctrl-C) waits with the GIL
//! released, wakes ten times a second to let Python run its signal handlers and to hand the
//! progress to a Python callable, and on an exception (KeyboardInterrupt, or one the callable
//! raised) asks the work to stop and waits for it, so that no thread is left running.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use augsafe::Progress;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// How often the waiting thread wakes.
const TICK: Duration = Duration::from_millis(100);

/// What the work has finished, and whether it was asked to stop (shared with the Python
/// callables among the augmentations, which stop calling into Python once it is set).
#[derive(Default)]
pub struct Watch {
    done: AtomicU64,
    stop: Arc<AtomicBool>,
}

impl Watch {
    /// The flag the work is stopped by.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

impl Progress for Watch {
    fn advance(&self, done: u64) {
        self.done.fetch_max(done, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Runs `work` on its own thread with the GIL released, `report(done, total)` called from this
/// thread as it goes and once at its end. Ctrl-C (or an exception from `report`) stops the
/// work, waits for its threads, and is raised; an error of the work is raised as
/// [`crate::AugsafeError`].
pub fn watched<T: Send>(
    py: Python<'_>,
    watch: &Watch,
    total: u64,
    report: Option<&Py<PyAny>>,
    work: impl FnOnce(&Watch) -> augsafe::Result<T> + Send,
) -> PyResult<T> {
    let tell = |py: Python<'_>| -> PyResult<()> {
        py.check_signals()?;
        if let Some(report) = report {
            report.call1(py, (watch.done(), total))?;
        }
        Ok(())
    };
    py.detach(|| {
        std::thread::scope(|scope| {
            let (finished, wait) = channel();
            let worker = scope.spawn(move || {
                let result = work(watch);
                // The receiver outlives the worker (the scope joins it first).
                let _ = finished.send(());
                result
            });
            let mut raised = None;
            while let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(TICK) {
                if let Err(err) = Python::attach(tell) {
                    watch.stop.store(true, Ordering::Relaxed);
                    raised = Some(err);
                    break;
                }
            }
            // Stopped or finished, the work's threads end before this returns.
            let result = worker.join();
            if let Some(err) = raised {
                return Err(err);
            }
            match result {
                Ok(result) => {
                    let value = result.map_err(crate::raise)?;
                    Python::attach(tell)?;
                    Ok(value)
                }
                Err(_) => Err(PyRuntimeError::new_err(
                    "augsafe's work panicked (a bug: please report it)",
                )),
            }
        })
    })
}
