//! Group commit: one writer thread takes every append queued while the previous commit was
//! in flight and writes them all in one transaction (one fsync), then answers each caller.
//!
//! Where a commit flushes to disk in this process (SQLite), it costs the same few page
//! writes and one fsync whether it holds one record or twenty, so the writer waits a moment
//! (at most [`GATHER_WAIT`]) for records it knows are coming: those announced ahead
//! ([`Arrival`]: a server announces a determination before it screens and decides it) and
//! about as many as the last commit answered. A caller alone is never kept waiting: nothing
//! else is announced, and it was the whole of the last commit. Elsewhere (PostgreSQL) the
//! writer waits only for half as many callers as the last commit answered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::chain::{Chain, ChainWriter, Item, Outcome};
use crate::error::{Error, Result};

/// Most records written in one transaction; bounds the latency of a full queue.
const MAX_BATCH_RECORDS: usize = 2048;
/// Longest a commit is delayed to gather callers expected back from the previous commit.
const GATHER_WAIT: Duration = Duration::from_micros(1000);
/// How often a waiting writer looks again whether anything is still announced (an
/// announced record may be given up, e.g. when its request turns out invalid).
const RECHECK: Duration = Duration::from_micros(100);
/// Appends that may wait in the queue before callers block (back pressure).
const QUEUE_CAPACITY: usize = 16_384;

/// A record announced before it is ready to append ([`GroupCommit::announce`]): while one is
/// outstanding, a writer whose commits flush here (SQLite) delays its next commit a little
/// so that the record joins it rather than paying a commit of its own. It stops counting
/// when the writer receives the record it was handed with, or when it is dropped (the
/// record was given up).
/// `Arrival::default()` announces nothing.
#[derive(Debug, Default)]
pub struct Arrival(Option<Arc<AtomicUsize>>);

impl Drop for Arrival {
    fn drop(&mut self) {
        if let Some(outstanding) = self.0.take() {
            outstanding.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Called by the writer thread with the outcome of a request, once it is committed (or failed).
pub(crate) type Reply = Box<dyn FnOnce(Result<Vec<Outcome>>) + Send>;

struct Request {
    items: Vec<Item>,
    reply: Reply,
    /// Counted as outstanding until the writer takes the request.
    arrival: Arrival,
}

/// The handle callers append through; the writer thread stops when it is dropped.
pub(crate) struct GroupCommit {
    queue: Mutex<Option<SyncSender<Request>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Announced records the writer has not received yet.
    announced: Arc<AtomicUsize>,
}

impl GroupCommit {
    /// Starts the writer thread over a database writer.
    pub fn start(writer: Box<dyn ChainWriter>) -> Result<Self> {
        Self::start_gathering(writer, GATHER_WAIT)
    }

    /// [`GroupCommit::start`] with another longest wait.
    fn start_gathering(writer: Box<dyn ChainWriter>, longest_wait: Duration) -> Result<Self> {
        let (queue, requests) = mpsc::sync_channel(QUEUE_CAPACITY);
        let announced = Arc::new(AtomicUsize::new(0));
        let gathering = Gathering {
            requests,
            announced: Arc::clone(&announced),
            awaits_announced: writer.flushes_here(),
            longest_wait,
        };
        let thread = std::thread::Builder::new()
            .name("records-writer".into())
            .spawn(move || run(writer, gathering))?;
        Ok(GroupCommit {
            queue: Mutex::new(Some(queue)),
            thread: Mutex::new(Some(thread)),
            announced,
        })
    }

    /// Announces a record that will be submitted soon (see [`Arrival`]).
    pub fn announce(&self) -> Arrival {
        self.announced.fetch_add(1, Ordering::AcqRel);
        Arrival(Some(Arc::clone(&self.announced)))
    }

    /// Queues items to be written in one transaction and waits until they are committed.
    pub fn submit(&self, items: Vec<Item>) -> Result<Vec<Outcome>> {
        let (reply, answer): (Sender<_>, _) = mpsc::channel();
        self.submit_then(
            items,
            Arrival::default(),
            Box::new(move |outcome| {
                let _ = reply.send(outcome);
            }),
        );
        answer.recv().map_err(|_| Error::WriterGone)?
    }

    /// Queues items to be written in one transaction; `reply` is called once they are
    /// committed or failed — from the writer thread, or at once when the writer is gone.
    /// Returns without waiting for the commit (it waits only while the queue is full).
    /// `arrival` is the announcement of these items, if they were announced.
    pub fn submit_then(&self, items: Vec<Item>, arrival: Arrival, reply: Reply) {
        let queue = match self.sender() {
            Ok(queue) => queue,
            Err(e) => return reply(Err(e)),
        };
        let request = Request {
            items,
            reply,
            arrival,
        };
        if let Err(refused) = queue.send(request) {
            (refused.0.reply)(Err(Error::WriterGone));
        }
    }

    fn sender(&self) -> Result<SyncSender<Request>> {
        let guard = self.queue.lock().map_err(|_| Error::WriterGone)?;
        guard.clone().ok_or(Error::WriterGone)
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// The writer's side of the queue.
struct Gathering {
    requests: Receiver<Request>,
    announced: Arc<AtomicUsize>,
    /// Whether to wait for announced records (and for as many callers as the last commit
    /// answered, not half as many): [`ChainWriter::flushes_here`].
    awaits_announced: bool,
    longest_wait: Duration,
}

impl Gathering {
    /// The next request, counted as arrived; `None` once every handle is dropped.
    fn recv(&self) -> Option<Request> {
        self.requests.recv().ok().map(arrived)
    }

    /// The first request and whatever else comes before the commit should start, up to the
    /// batch limit, waiting at most `longest_wait` after the first (see the module doc).
    fn gather(&self, first: Request, previous_callers: usize) -> Vec<Request> {
        let mut size = first.items.len();
        let mut batch = vec![first];
        let deadline = Instant::now() + self.longest_wait;
        while size < MAX_BATCH_RECORDS {
            let next = match self.requests.try_recv() {
                Ok(next) => next,
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || !self.expecting(batch.len(), previous_callers) {
                        break;
                    }
                    // An announced record may be given up: look again now and then.
                    let wait = if self.awaits_announced {
                        left.min(RECHECK)
                    } else {
                        left
                    };
                    match self.requests.recv_timeout(wait) {
                        Ok(next) => next,
                        Err(RecvTimeoutError::Timeout) if self.awaits_announced => continue,
                        Err(_) => break,
                    }
                }
            };
            let next = arrived(next);
            size += next.items.len();
            batch.push(next);
        }
        batch
    }

    /// Whether more records are probably coming, with `queued` callers in the batch: a
    /// record is announced, or fewer callers are queued than the last commit answered (most
    /// of those are about to append again). Where a commit is cheap here, only when fewer
    /// than half of them are back.
    fn expecting(&self, queued: usize, previous_callers: usize) -> bool {
        if self.awaits_announced {
            self.announced.load(Ordering::Acquire) > 0 || queued < previous_callers
        } else {
            queued * 2 < previous_callers
        }
    }
}

/// A request the writer has taken: its announcement, if any, no longer counts.
fn arrived(mut request: Request) -> Request {
    drop(std::mem::take(&mut request.arrival));
    request
}

fn run(writer: Box<dyn ChainWriter>, gathering: Gathering) {
    let mut chain = Chain::new(writer);
    let mut previous_callers = 0;
    while let Some(first) = gathering.recv() {
        let batch = gathering.gather(first, previous_callers);
        previous_callers = batch.len();
        write_and_answer(&mut chain, batch);
    }
}

fn write_and_answer(chain: &mut Chain, batch: Vec<Request>) {
    let groups: Vec<&[Item]> = batch.iter().map(|r| r.items.as_slice()).collect();
    match chain.write(&groups) {
        Ok(outcomes) => {
            for (request, outcome) in batch.into_iter().zip(outcomes) {
                (request.reply)(Ok(outcome));
            }
        }
        Err(e) if batch.len() == 1 => {
            if let Some(request) = batch.into_iter().next() {
                (request.reply)(Err(e));
            }
        }
        Err(_) => write_one_by_one(chain, batch),
    }
}

/// After a failed shared transaction, each request gets its own, so that one request's problem
/// does not fail its neighbours; if the database itself is down, each gets that error.
fn write_one_by_one(chain: &mut Chain, batch: Vec<Request>) {
    for request in batch {
        let answer = chain
            .write(&[request.items.as_slice()])
            .map(|mut outcomes| outcomes.pop().unwrap_or_default());
        (request.reply)(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{plain_item, Link, Tip};
    use crate::types::{Record, RecordKind};

    /// How long the writer may wait in these tests: far longer than any of them runs, so that
    /// a commit held for nothing shows as a test taking seconds.
    const PATIENT: Duration = Duration::from_secs(20);
    /// Well under [`PATIENT`], well over a busy machine's scheduling delays.
    const PROMPT: Duration = Duration::from_secs(5);

    /// A database in memory that notes how many records each commit held.
    #[derive(Clone, Default)]
    struct Commits(Arc<Mutex<Vec<usize>>>);

    struct Counting {
        commits: Commits,
        tip: Option<Tip>,
        pending: usize,
        flushes_here: bool,
    }

    impl ChainWriter for Counting {
        fn flushes_here(&self) -> bool {
            self.flushes_here
        }
        fn begin(&mut self) -> Result<Option<Tip>> {
            Ok(self.tip.clone())
        }
        fn existing(&mut self, _: &[(RecordKind, String)]) -> Result<Vec<Record>> {
            Ok(Vec::new())
        }
        fn insert(&mut self, links: &[Link<'_>]) -> Result<()> {
            if let Some(last) = links.last() {
                self.tip = Some(Tip {
                    id: last.stamp.id,
                    hash: last.stamp.hash.clone(),
                    created_at: last.stamp.created_at.clone(),
                });
            }
            self.pending += links.len();
            Ok(())
        }
        fn commit(&mut self) -> Result<()> {
            let held = std::mem::take(&mut self.pending);
            self.commits.0.lock().expect("commits").push(held);
            Ok(())
        }
        fn rollback(&mut self) {
            self.pending = 0;
        }
    }

    /// A writer whose commits flush here (SQLite's kind).
    fn writer() -> (GroupCommit, Commits) {
        writer_flushing(true)
    }

    fn writer_flushing(flushes_here: bool) -> (GroupCommit, Commits) {
        let commits = Commits::default();
        let counting = Counting {
            commits: commits.clone(),
            tip: None,
            pending: 0,
            flushes_here,
        };
        let group = GroupCommit::start_gathering(Box::new(counting), PATIENT).expect("writer");
        (group, commits)
    }

    /// Submits one record; the receiver has its outcome once committed.
    fn submit(
        group: &GroupCommit,
        n: usize,
        arrival: Arrival,
    ) -> mpsc::Receiver<Result<Vec<Outcome>>> {
        let (done, outcome) = mpsc::channel();
        group.submit_then(
            vec![plain_item(n)],
            arrival,
            Box::new(move |o| {
                let _ = done.send(o);
            }),
        );
        outcome
    }

    fn committed(outcome: &mpsc::Receiver<Result<Vec<Outcome>>>) -> Vec<Outcome> {
        outcome
            .recv_timeout(PROMPT)
            .expect("committed promptly")
            .expect("committed without error")
    }

    fn held(commits: &Commits) -> Vec<usize> {
        commits.0.lock().expect("commits").clone()
    }

    #[test]
    fn an_announced_record_joins_the_commit_it_was_announced_to() {
        let (group, commits) = writer();
        let arrival = group.announce();
        let first = submit(&group, 1, Arrival::default());
        // Still being worked out when the writer takes the first record: it is waited for.
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            first.try_recv().is_err(),
            "the commit did not wait for the announced record"
        );
        let second = submit(&group, 2, arrival);
        assert_eq!(committed(&first).len(), 1);
        assert_eq!(committed(&second).len(), 1);
        assert_eq!(held(&commits), vec![2], "one commit holding both records");
    }

    #[test]
    fn an_announcement_given_up_releases_the_writer() {
        let (group, commits) = writer();
        let arrival = group.announce();
        let started = Instant::now();
        let first = submit(&group, 1, Arrival::default());
        std::thread::sleep(Duration::from_millis(50));
        drop(arrival);
        committed(&first);
        assert!(started.elapsed() < PROMPT, "held {:?}", started.elapsed());
        assert_eq!(held(&commits), vec![1]);
    }

    #[test]
    fn a_lone_caller_is_never_held() {
        let (group, commits) = writer();
        let started = Instant::now();
        for n in 1..=3 {
            // Announced and handed over as the server does: the writer has nothing to await.
            let arrival = group.announce();
            committed(&submit(&group, n, arrival));
        }
        assert!(started.elapsed() < PROMPT, "held {:?}", started.elapsed());
        assert_eq!(held(&commits), vec![1, 1, 1]);
    }

    #[test]
    fn where_commits_flush_elsewhere_announced_records_are_not_awaited() {
        let (group, commits) = writer_flushing(false);
        let _arrival = group.announce();
        let started = Instant::now();
        committed(&submit(&group, 1, Arrival::default()));
        assert!(started.elapsed() < PROMPT, "held {:?}", started.elapsed());
        assert_eq!(held(&commits), vec![1]);
    }

    #[test]
    fn as_many_callers_as_the_last_commit_answered_are_awaited() {
        let (group, commits) = writer();
        // Two callers answered by one commit: the writer holds it for an announced record
        // until that is given up.
        let arrival = group.announce();
        let a = submit(&group, 1, Arrival::default());
        let b = submit(&group, 2, Arrival::default());
        std::thread::sleep(Duration::from_millis(50));
        drop(arrival);
        committed(&a);
        committed(&b);
        assert_eq!(held(&commits), vec![2]);
        // Callers that announce nothing (the CLI's): one of the two is back; the other
        // probably will be.
        let c = submit(&group, 3, Arrival::default());
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            c.try_recv().is_err(),
            "the commit did not wait for the second caller"
        );
        let d = submit(&group, 4, Arrival::default());
        committed(&c);
        committed(&d);
        assert_eq!(held(&commits), vec![2, 2]);
    }
}
