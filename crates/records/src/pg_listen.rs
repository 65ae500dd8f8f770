//! Small tables each server on PostgreSQL keeps in memory (review decisions, tokens), kept
//! current by `LISTEN`/`NOTIFY`, so that the requests that read them on every call do not
//! cost a database round trip.
//!
//! One listener thread per store keeps its own connection and `LISTEN`s on every mirror's
//! channel (a statement trigger on the table notifies it at each commit). It loads each
//! mirror in full when it connects, and again whenever a mirror has been forgotten; it
//! brings a mirror up to date when its channel is notified, and every [`REFRESH`] in any
//! case. While the listener has no connection every mirror is forgotten, and a forgotten
//! mirror does not answer: callers go to the database, so a mirror never answers from a
//! state it cannot vouch for.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use crate::error::Result;

/// Longest a mirror goes without being brought up to date, notification or not.
pub(crate) const REFRESH: Duration = Duration::from_secs(5);
/// How often the listener looks at its stop flag while waiting.
const POLL: Duration = Duration::from_millis(250);
/// Pause before reconnecting after the listener lost its connection.
const RECONNECT: Duration = Duration::from_secs(1);

/// A table kept in memory.
pub(crate) trait Mirror: Send + Sync {
    /// The channel the table's trigger notifies.
    fn channel(&self) -> &'static str;
    /// Whether it holds a state it can answer from.
    fn is_live(&self) -> bool;
    /// Replaces what it holds with the whole table.
    fn load_all(&self, client: &mut Client) -> Result<()>;
    /// Brings what it holds up to date after a notification.
    fn catch_up(&self, client: &mut Client) -> Result<()>;
    /// Forgets what it holds: it does not answer until loaded again.
    fn forget(&self);
}

/// The thread that keeps a store's mirrors current.
pub(crate) struct Listener {
    stop: AtomicBool,
    mirrors: Vec<Arc<dyn Mirror>>,
}

impl Listener {
    /// Starts listening for `mirrors` on a connection of its own to `url`.
    pub fn start(url: &str, mirrors: Vec<Arc<dyn Mirror>>) -> Result<Arc<Self>> {
        let listener = Arc::new(Listener {
            stop: AtomicBool::new(false),
            mirrors,
        });
        let running = Arc::clone(&listener);
        let url = url.to_string();
        std::thread::Builder::new()
            .name("records-listen".into())
            .spawn(move || running.run(&url))?;
        Ok(listener)
    }

    /// Stops the listener (within [`POLL`]); its mirrors stop answering.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn forget_all(&self) {
        self.mirrors.iter().for_each(|m| m.forget());
    }

    fn run(&self, url: &str) {
        while !self.stopped() {
            if self.listen_once(url).is_err() {
                self.forget_all();
                std::thread::sleep(RECONNECT);
            }
        }
        self.forget_all();
    }

    /// One connection's life: LISTEN, load everything, then bring up to date what each
    /// notification (or each [`REFRESH`]) concerns, until stopped or the connection fails.
    fn listen_once(&self, url: &str) -> Result<()> {
        let mut client = Client::connect(url, postgres::NoTls)?;
        // Listening before the full loads: a change committed in between is notified.
        for m in &self.mirrors {
            client.batch_execute(&format!("LISTEN {}", m.channel()))?;
        }
        for m in &self.mirrors {
            m.load_all(&mut client)?;
        }
        let mut refreshed = Instant::now();
        while !self.stopped() {
            let mut notified = Vec::new();
            let first = client.notifications().timeout_iter(POLL).next()?;
            if let Some(n) = first {
                notified.push(n.channel().to_string());
                // Drain what else arrived: one load answers all of them.
                while let Some(n) = client.notifications().iter().next()? {
                    notified.push(n.channel().to_string());
                }
            }
            let due = refreshed.elapsed() >= REFRESH;
            for m in &self.mirrors {
                if !m.is_live() {
                    // Forgotten (a change through this store, or a failed catch-up
                    // elsewhere): load afresh on this connection, which missed nothing.
                    m.load_all(&mut client)?;
                } else if due || notified.iter().any(|c| c == m.channel()) {
                    m.catch_up(&mut client)?;
                }
            }
            if due {
                refreshed = Instant::now();
            }
        }
        Ok(())
    }
}
