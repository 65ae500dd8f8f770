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
//!
//! The queue is a mutex-guarded deque the writer sleeps on ([`Queue`]): a caller wakes it
//! only when what it waits for is there, and a record given up wakes it at once, so a
//! gathering writer neither polls nor is woken once per record.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::chain::{Chain, ChainWriter, Item, Outcome};
use crate::error::{Error, Result};

/// Most records written in one transaction; bounds the latency of a full queue.
const MAX_BATCH_RECORDS: usize = 2048;
/// Longest a commit is delayed to gather callers expected back from the previous commit.
const GATHER_WAIT: Duration = Duration::from_micros(1000);
/// Appends that may wait in the queue before callers block (back pressure).
const QUEUE_CAPACITY: usize = 16_384;

/// A record announced before it is ready to append ([`GroupCommit::announce`]): while one is
/// outstanding, a writer whose commits flush here (SQLite) delays its next commit a little
/// so that the record joins it rather than paying a commit of its own. It stops counting
/// when its record is queued (handed over with it), or when it is dropped (the record was
/// given up), which wakes a writer waiting for it.
/// `Arrival::default()` announces nothing.
#[derive(Default)]
pub struct Arrival(Option<Arc<Queue>>);

impl std::fmt::Debug for Arrival {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Arrival(announced)"
        } else {
            "Arrival(nothing)"
        })
    }
}

impl Drop for Arrival {
    fn drop(&mut self) {
        if let Some(queue) = self.0.take() {
            let mut state = queue.lock();
            state.announced = state.announced.saturating_sub(1);
            queue.wake_writer_if_gathered(&mut state);
        }
    }
}

/// Called by the writer thread with the outcome of a request, once it is committed (or failed).
pub(crate) type Reply = Box<dyn FnOnce(Result<Vec<Outcome>>) + Send>;

struct Request {
    items: Vec<Item>,
    reply: Reply,
}

/// The queue between callers and the writer thread. Callers wake the writer only when what
/// it waits for is there (a first request; or, while it gathers, everything it expects), not
/// at every request: the futex calls of a wake per record cost the server more than the
/// mutex does.
pub(crate) struct Queue {
    state: Mutex<QueueState>,
    /// The writer waits here ([`QueueState::wake`] says for what).
    writer: Condvar,
    /// Callers wait here while the queue is full.
    room: Condvar,
    /// Whether to wait for announced records (and for as many callers as the last commit
    /// answered, not half as many): [`ChainWriter::flushes_here`].
    awaits_announced: bool,
    /// Requests that may wait before callers block ([`QUEUE_CAPACITY`]).
    capacity: usize,
}

struct QueueState {
    requests: VecDeque<Request>,
    /// Records in `requests`.
    items: usize,
    /// Announced records not queued yet.
    announced: usize,
    /// What the waiting writer is to be woken for.
    wake: Wake,
    /// Callers waiting for room.
    waiting_for_room: usize,
    /// No more requests are taken (the store is closing, or the writer has stopped).
    closed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The writer is busy: nobody needs to wake it.
    Never,
    /// The writer is idle: wake it for the first request.
    ForAny,
    /// The writer gathers a commit: wake it once no more records are expected, after a
    /// commit that answered `previous_callers`.
    WhenGathered { previous_callers: usize },
}

impl Queue {
    fn new(awaits_announced: bool, capacity: usize) -> Self {
        Queue {
            state: Mutex::new(QueueState {
                requests: VecDeque::new(),
                items: 0,
                announced: 0,
                wake: Wake::Never,
                waiting_for_room: 0,
                closed: false,
            }),
            writer: Condvar::new(),
            room: Condvar::new(),
            awaits_announced,
            capacity,
        }
    }

    /// The state, even after a panic elsewhere: every change to it is complete under the lock.
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether more records are probably coming, with `previous_callers` answered by the last
    /// commit: a record is announced, or fewer callers are queued than the last commit
    /// answered (most of those are about to append again). Where a commit is cheap here,
    /// only when fewer than half of them are back.
    fn expecting(&self, state: &QueueState, previous_callers: usize) -> bool {
        let queued = state.requests.len();
        if state.closed || state.items >= MAX_BATCH_RECORDS {
            false
        } else if self.awaits_announced {
            state.announced > 0 || queued < previous_callers
        } else {
            queued * 2 < previous_callers
        }
    }

    /// Wakes the writer if it waits for what is now there.
    fn wake_writer_if_gathered(&self, state: &mut QueueState) {
        let due = match state.wake {
            Wake::Never => false,
            Wake::ForAny => !state.requests.is_empty(),
            Wake::WhenGathered { previous_callers } => !self.expecting(state, previous_callers),
        };
        if due {
            state.wake = Wake::Never;
            self.writer.notify_one();
        }
    }

    /// Queues a request, waiting while the queue is full; the request back when the queue is
    /// closed. `arrival`, this request's announcement, stops counting as it is queued.
    fn push(&self, request: Request, mut arrival: Arrival) -> std::result::Result<(), Request> {
        let mut state = self.lock();
        while state.requests.len() >= self.capacity && !state.closed {
            state.waiting_for_room += 1;
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.waiting_for_room -= 1;
        }
        if state.closed {
            drop(state); // before `arrival` is dropped, which takes the lock
            return Err(request);
        }
        state.items += request.items.len();
        state.requests.push_back(request);
        if arrival.0.as_ref().is_some_and(|q| std::ptr::eq(&**q, self)) {
            arrival.0 = None;
            state.announced = state.announced.saturating_sub(1);
        }
        self.wake_writer_if_gathered(&mut state);
        Ok(())
    }

    /// The requests of the next commit: the first to come and whatever else comes before the
    /// commit should start, up to the batch limit, waiting at most `longest_wait` after the
    /// first (see the module doc). `None` once the queue is closed and empty.
    fn next_batch(&self, previous_callers: usize, longest_wait: Duration) -> Option<Vec<Request>> {
        let mut state = self.lock();
        while state.requests.is_empty() {
            if state.closed {
                return None;
            }
            state.wake = Wake::ForAny;
            state = self
                .writer
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let deadline = Instant::now() + longest_wait;
        while self.expecting(&state, previous_callers) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state.wake = Wake::WhenGathered { previous_callers };
            state = self
                .writer
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.wake = Wake::Never;
        Some(take_batch(&mut state, &self.room))
    }

    /// Closes the queue: callers are refused from now on, and every request still queued
    /// (which no writer will take) is answered `WriterGone`.
    fn close_and_fail_queued(&self) {
        let left: Vec<Request> = {
            let mut state = self.lock();
            state.closed = true;
            state.items = 0;
            self.room.notify_all();
            state.requests.drain(..).collect()
        };
        for request in left {
            (request.reply)(Err(Error::WriterGone));
        }
    }

    /// Closes the queue to new requests; the writer still writes those queued, then stops.
    fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        self.writer.notify_all();
        self.room.notify_all();
    }
}

/// Takes queued requests for one commit (at least one, at most the batch limit in records).
fn take_batch(state: &mut QueueState, room: &Condvar) -> Vec<Request> {
    let mut batch = Vec::new();
    let mut size = 0;
    while let Some(next) = state.requests.front() {
        if !batch.is_empty() && size + next.items.len() > MAX_BATCH_RECORDS {
            break;
        }
        size += next.items.len();
        batch.extend(state.requests.pop_front());
    }
    state.items -= size;
    if state.waiting_for_room > 0 {
        room.notify_all();
    }
    batch
}

/// The handle callers append through; the writer thread stops when it is dropped.
pub(crate) struct GroupCommit {
    queue: Arc<Queue>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl GroupCommit {
    /// Starts the writer thread over a database writer.
    pub fn start(writer: Box<dyn ChainWriter>) -> Result<Self> {
        Self::start_gathering(writer, GATHER_WAIT)
    }

    /// [`GroupCommit::start`] with another longest wait.
    fn start_gathering(writer: Box<dyn ChainWriter>, longest_wait: Duration) -> Result<Self> {
        Self::start_queue(writer, longest_wait, QUEUE_CAPACITY)
    }

    /// [`GroupCommit::start_gathering`] with another queue capacity.
    fn start_queue(
        writer: Box<dyn ChainWriter>,
        longest_wait: Duration,
        capacity: usize,
    ) -> Result<Self> {
        let queue = Arc::new(Queue::new(writer.flushes_here(), capacity));
        let writer_queue = Arc::clone(&queue);
        let thread = std::thread::Builder::new()
            .name("records-writer".into())
            .spawn(move || run(writer, writer_queue, longest_wait))?;
        Ok(GroupCommit {
            queue,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Announces a record that will be submitted soon (see [`Arrival`]); announces nothing
    /// to a writer that does not wait for announced records (one whose commits flush
    /// elsewhere), sparing the lock.
    pub fn announce(&self) -> Arrival {
        if !self.queue.awaits_announced {
            return Arrival::default();
        }
        self.queue.lock().announced += 1;
        Arrival(Some(Arc::clone(&self.queue)))
    }

    /// Queues items to be written in one transaction and waits until they are committed.
    pub fn submit(&self, items: Vec<Item>) -> Result<Vec<Outcome>> {
        let (reply, answer) = std::sync::mpsc::channel();
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
        if let Err(refused) = self.queue.push(Request { items, reply }, arrival) {
            (refused.reply)(Err(Error::WriterGone));
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.queue.close();
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Answers `WriterGone` to whatever is queued when the writer thread ends, even by a panic:
/// no caller waits for a writer that is not there.
struct FailQueuedOnExit(Arc<Queue>);

impl Drop for FailQueuedOnExit {
    fn drop(&mut self) {
        self.0.close_and_fail_queued();
    }
}

fn run(writer: Box<dyn ChainWriter>, queue: Arc<Queue>, longest_wait: Duration) {
    let _fail_queued = FailQueuedOnExit(Arc::clone(&queue));
    let mut chain = Chain::new(writer);
    let mut previous_callers = 0;
    while let Some(batch) = queue.next_batch(previous_callers, longest_wait) {
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
    use std::sync::mpsc;

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
        let arrival = group.announce();
        assert!(
            arrival.0.is_none(),
            "announced to a writer that does not wait"
        );
        // Counted all the same, the writer would still not wait for it.
        group.queue.lock().announced += 1;
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

    /// A database whose every transaction panics.
    struct Panicking;

    impl ChainWriter for Panicking {
        fn begin(&mut self) -> Result<Option<Tip>> {
            panic!("the database writer broke")
        }
        fn existing(&mut self, _: &[(RecordKind, String)]) -> Result<Vec<Record>> {
            Ok(Vec::new())
        }
        fn insert(&mut self, _: &[Link<'_>]) -> Result<()> {
            Ok(())
        }
        fn commit(&mut self) -> Result<()> {
            Ok(())
        }
        fn rollback(&mut self) {}
    }

    fn answer(outcome: &mpsc::Receiver<Result<Vec<Outcome>>>) -> Option<Result<Vec<Outcome>>> {
        outcome.recv_timeout(PROMPT).ok()
    }

    #[test]
    fn callers_of_a_writer_that_died_are_answered_not_left_waiting() {
        let group = GroupCommit::start_gathering(Box::new(Panicking), PATIENT).expect("writer");
        // The first caller's commit panics; its reply is dropped unanswered.
        let first = submit(&group, 1, Arrival::default());
        assert!(
            matches!(answer(&first), None | Some(Err(Error::WriterGone))),
            "a dead writer committed a record"
        );
        // Every later caller is told at once that the writer is gone.
        for n in 2..=3 {
            let later = submit(&group, n, group.announce());
            assert!(
                matches!(answer(&later), Some(Err(Error::WriterGone))),
                "caller {n} was not told the writer is gone"
            );
        }
    }

    #[test]
    fn records_queued_when_the_store_closes_are_still_written() {
        let (group, commits) = writer();
        let queued: Vec<_> = (1..=3)
            .map(|n| submit(&group, n, Arrival::default()))
            .collect();
        drop(group);
        for outcome in &queued {
            assert_eq!(committed(outcome).len(), 1);
        }
        assert_eq!(held(&commits).iter().sum::<usize>(), 3);
    }

    #[test]
    fn many_callers_announcing_and_giving_up_are_all_answered_once() {
        let commits = Commits::default();
        let counting = Counting {
            commits: commits.clone(),
            tip: None,
            pending: 0,
            flushes_here: true,
        };
        let group = Arc::new(
            GroupCommit::start_gathering(Box::new(counting), GATHER_WAIT).expect("writer"),
        );
        const THREADS: usize = 8;
        const EACH: usize = 200;
        let callers: Vec<_> = (0..THREADS)
            .map(|t| {
                let group = Arc::clone(&group);
                std::thread::spawn(move || {
                    let mut committed_here = 0;
                    for i in 0..EACH {
                        let arrival = group.announce();
                        if i % 7 == 3 {
                            // Given up, as a request found invalid after its announcement.
                            drop(arrival);
                            continue;
                        }
                        let outcome = submit(&group, t * EACH + i, arrival);
                        committed_here += committed(&outcome).len();
                    }
                    committed_here
                })
            })
            .collect();
        let answered: usize = callers.into_iter().map(|c| c.join().expect("caller")).sum();
        let given_up = THREADS * (EACH / 7 + usize::from(EACH % 7 > 3));
        assert_eq!(answered, THREADS * EACH - given_up);
        assert_eq!(held(&commits).iter().sum::<usize>(), answered);
        assert_eq!(
            group.queue.lock().announced,
            0,
            "an announcement outlived its record"
        );
    }

    /// A database whose transactions wait for a permit each.
    struct Gated {
        permits: Mutex<mpsc::Receiver<()>>,
        inner: Counting,
    }

    impl ChainWriter for Gated {
        fn begin(&mut self) -> Result<Option<Tip>> {
            let permits = self.permits.lock().expect("permits");
            permits.recv_timeout(PROMPT).expect("a permit");
            drop(permits);
            self.inner.begin()
        }
        fn existing(&mut self, keys: &[(RecordKind, String)]) -> Result<Vec<Record>> {
            self.inner.existing(keys)
        }
        fn insert(&mut self, links: &[Link<'_>]) -> Result<()> {
            self.inner.insert(links)
        }
        fn commit(&mut self) -> Result<()> {
            self.inner.commit()
        }
        fn rollback(&mut self) {
            self.inner.rollback()
        }
    }

    #[test]
    fn a_full_queue_holds_callers_until_the_writer_makes_room() {
        let (permit, permits) = mpsc::channel();
        let commits = Commits::default();
        let gated = Gated {
            permits: Mutex::new(permits),
            inner: Counting {
                commits: commits.clone(),
                tip: None,
                pending: 0,
                flushes_here: false,
            },
        };
        let group =
            Arc::new(GroupCommit::start_queue(Box::new(gated), Duration::ZERO, 2).expect("writer"));
        // The writer takes the first record and waits for a permit; two more fill the queue.
        let first = submit(&group, 1, Arrival::default());
        let started = Instant::now();
        while !group.queue.lock().requests.is_empty() {
            assert!(
                started.elapsed() < PROMPT,
                "the writer never took the first record"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let queued = [
            submit(&group, 2, Arrival::default()),
            submit(&group, 3, Arrival::default()),
        ];
        // A fourth caller waits for room.
        let (handed, handed_over) = mpsc::channel();
        let caller = {
            let group = Arc::clone(&group);
            std::thread::spawn(move || {
                let outcome = submit(&group, 4, Arrival::default());
                let _ = handed.send(());
                committed(&outcome).len()
            })
        };
        assert!(
            handed_over
                .recv_timeout(Duration::from_millis(100))
                .is_err(),
            "a caller was queued beyond the capacity"
        );
        for _ in 0..3 {
            permit.send(()).expect("writer");
        }
        assert_eq!(committed(&first).len(), 1);
        for outcome in &queued {
            assert_eq!(committed(outcome).len(), 1);
        }
        handed_over
            .recv_timeout(PROMPT)
            .expect("room made for the waiting caller");
        assert_eq!(caller.join().expect("caller"), 1);
        assert_eq!(held(&commits).iter().sum::<usize>(), 4);
    }
}
