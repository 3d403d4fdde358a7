//! What long work tells its caller as it goes, and how a caller asks it to stop.
//!
//! The scan, the sweep and the recommendation take a `&dyn Progress`: a plain closure
//! `|done| ...` is one (it is told how much is finished and never stops the work); a front end
//! that lets its user interrupt implements [`Progress::stopped`] too. Work checks it between
//! batches of images, skips what is left once it turns true, and returns [`Error::Stopped`]
//! instead of a result computed on part of the data.

use crate::error::{Error, Result};

/// Where long work reports what is finished, and asks whether to go on.
pub trait Progress: Sync {
    /// Called with how much is finished so far (images, or components of a pipeline), from
    /// any of the worker threads, in no particular order.
    fn advance(&self, done: u64);

    /// Whether the caller asked the work to stop. Checked between batches: once it is true,
    /// what is left is skipped and the work returns [`Error::Stopped`].
    fn stopped(&self) -> bool {
        false
    }
}

impl<F: Fn(u64) + Sync> Progress for F {
    fn advance(&self, done: u64) {
        self(done);
    }
}

/// [`Error::Stopped`] when `progress` asked to stop, else `value`: what work returns once its
/// loops are over, so that a result computed on part of the data is never handed on.
pub fn unless_stopped<T>(progress: &dyn Progress, value: T) -> Result<T> {
    if progress.stopped() {
        Err(Error::Stopped)
    } else {
        Ok(value)
    }
}

/// A part of longer work: reports `offset` more than the part has finished, or nothing when
/// `offset` is `None`, and stops when the whole does.
pub struct Part<'a> {
    /// The whole work's progress.
    pub whole: &'a dyn Progress,
    /// What was finished before this part, or `None` to report nothing.
    pub offset: Option<u64>,
}

impl Progress for Part<'_> {
    fn advance(&self, done: u64) {
        if let Some(offset) = self.offset {
            self.whole.advance(offset + done);
        }
    }

    fn stopped(&self) -> bool {
        self.whole.stopped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    struct Watch {
        done: AtomicU64,
        stop: AtomicBool,
    }

    impl Progress for Watch {
        fn advance(&self, done: u64) {
            self.done.fetch_max(done, Ordering::Relaxed);
        }
        fn stopped(&self) -> bool {
            self.stop.load(Ordering::Relaxed)
        }
    }

    #[test]
    fn a_closure_reports_and_never_stops() {
        let seen = AtomicU64::new(0);
        let closure = |done: u64| {
            seen.store(done, Ordering::Relaxed);
        };
        let progress: &dyn Progress = &closure;
        progress.advance(7);
        assert_eq!(seen.load(Ordering::Relaxed), 7);
        assert!(!progress.stopped());
        assert!(matches!(unless_stopped(progress, 3), Ok(3)));
    }

    #[test]
    fn a_part_shifts_or_mutes_its_reports_and_stops_with_the_whole() {
        let watch = Watch {
            done: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        };
        Part {
            whole: &watch,
            offset: Some(100),
        }
        .advance(5);
        assert_eq!(watch.done.load(Ordering::Relaxed), 105);
        Part {
            whole: &watch,
            offset: None,
        }
        .advance(500);
        assert_eq!(watch.done.load(Ordering::Relaxed), 105);
        watch.stop.store(true, Ordering::Relaxed);
        let part = Part {
            whole: &watch,
            offset: None,
        };
        assert!(part.stopped());
        assert!(matches!(unless_stopped(&part, ()), Err(Error::Stopped)));
    }
}
