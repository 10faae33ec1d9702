//! The progress line on stderr (`lenslint: scanned 12/40 files`) for scans that take a while.
//!
//! It is shown only when stderr is a terminal and the `CI` environment variable is unset (so
//! never in piped output or CI logs), and only once the scan has run for about a second. A
//! background thread redraws the line a few times a second from counters that the scan's
//! worker threads bump, and clears it when the scan ends, before the report is written.
//! `LENSLINT_PROGRESS_AFTER_MS` changes the one-second delay (tests use it).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a scan runs before progress appears.
pub const DEFAULT_DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// Whether progress may be drawn: stderr is a terminal and this is not a CI job.
pub fn wanted(stderr_is_terminal: bool, ci: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && ci.map_or(true, |v| v.is_empty())
}

/// The progress line for `done` of `total` files.
pub fn frame(done: usize, total: usize) -> String {
    if total == 0 {
        "lenslint: looking for files...".to_string()
    } else {
        format!("lenslint: scanned {done}/{total} files")
    }
}

#[derive(Default)]
struct Counters {
    done: AtomicUsize,
    total: AtomicUsize,
}

/// A running progress display; [`Progress::update`] is cheap and callable from any thread.
pub struct Progress {
    counters: Arc<Counters>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the display when [`wanted`] for this process; otherwise a no-op.
    pub fn start() -> Progress {
        let enabled = wanted(
            std::io::stderr().is_terminal(),
            std::env::var_os("CI").as_deref(),
        );
        let delay = std::env::var("LENSLINT_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(DEFAULT_DELAY, Duration::from_millis);
        Self::start_with(enabled, delay)
    }

    fn start_with(enabled: bool, delay: Duration) -> Progress {
        let counters = Arc::new(Counters::default());
        if !enabled {
            return Progress {
                counters,
                stop: None,
                thread: None,
            };
        }
        let (tx, rx) = channel::<()>();
        let c = Arc::clone(&counters);
        let started = Instant::now();
        let thread = std::thread::spawn(move || {
            let mut drawn = 0usize;
            loop {
                if started.elapsed() >= delay {
                    let line = frame(
                        c.done.load(Ordering::Relaxed),
                        c.total.load(Ordering::Relaxed),
                    );
                    let pad = drawn.saturating_sub(line.len());
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r{line}{}", " ".repeat(pad));
                    let _ = err.flush();
                    drawn = line.len();
                }
                match rx.recv_timeout(TICK) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
            if drawn > 0 {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{}\r", " ".repeat(drawn));
                let _ = err.flush();
            }
        });
        Progress {
            counters,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// Records `done` of `total` files.
    pub fn update(&self, done: usize, total: usize) {
        self.counters.total.store(total, Ordering::Relaxed);
        self.counters.done.fetch_max(done, Ordering::Relaxed);
    }

    /// Stops the display and clears its line.
    pub fn finish(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn only_on_a_terminal_outside_ci() {
        assert!(wanted(true, None));
        assert!(wanted(true, Some(OsStr::new(""))));
        assert!(!wanted(true, Some(OsStr::new("true"))));
        assert!(!wanted(false, None));
    }

    #[test]
    fn frames_count_files() {
        assert_eq!(frame(3, 10), "lenslint: scanned 3/10 files");
        assert_eq!(frame(0, 0), "lenslint: looking for files...");
    }

    #[test]
    fn disabled_progress_counts_and_stops() {
        let p = Progress::start_with(false, Duration::ZERO);
        p.update(2, 5);
        p.update(1, 5);
        assert_eq!(p.counters.done.load(Ordering::Relaxed), 2);
        assert_eq!(p.counters.total.load(Ordering::Relaxed), 5);
        p.finish();
    }
}
