//! A progress bar with rate and ETA on stderr, for long runs, shown only on a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A progress bar with rate and ETA on stderr, shown only on a terminal.
pub struct Progress {
    pub done: AtomicUsize,
    total: usize,
    started: Instant,
    last_draw: Mutex<Instant>,
    visible: bool,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            done: AtomicUsize::new(0),
            total,
            started: Instant::now(),
            last_draw: Mutex::new(Instant::now()),
            visible: std::io::stderr().is_terminal() && total >= 1000,
        }
    }

    /// Counts `n` more items done and redraws at most four times a second (single-threaded
    /// callers; workers just add to `done`).
    pub fn advance(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
        if self.visible
            && self.last_draw.lock().is_ok_and(|mut t| {
                let due = t.elapsed() >= Duration::from_millis(250);
                if due {
                    *t = Instant::now();
                }
                due
            })
        {
            self.draw();
        }
    }

    pub fn draw(&self) {
        let n = self.done.load(Ordering::Relaxed);
        let total = self.total.max(n).max(1);
        let rate = n as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let eta = if rate > 0.0 {
            (total - n) as f64 / rate
        } else {
            0.0
        };
        let filled = 30 * n / total;
        eprint!(
            "\r[{}{}] {n}/{total} {rate:.0}/s ETA {eta:.0}s ",
            "#".repeat(filled),
            " ".repeat(30 - filled)
        );
    }

    pub fn finish(&self) {
        if self.visible {
            self.draw();
            eprintln!();
        }
    }
}
