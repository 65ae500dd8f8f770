//! Group commit: one writer thread takes every append queued while the previous commit was
//! in flight and writes them all in one transaction (one fsync), then answers each caller.

use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError};
use std::sync::Mutex;
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

/// Called by the writer thread with the outcome of a request, once it is committed (or failed).
pub(crate) type Reply = Box<dyn FnOnce(Result<Vec<Outcome>>) + Send>;

struct Request {
    items: Vec<Item>,
    reply: Reply,
}

/// The handle callers append through; the writer thread stops when it is dropped.
pub(crate) struct GroupCommit {
    queue: Mutex<Option<SyncSender<Request>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl GroupCommit {
    /// Starts the writer thread over a database writer.
    pub fn start(writer: Box<dyn ChainWriter>) -> Result<Self> {
        let (queue, requests) = mpsc::sync_channel(QUEUE_CAPACITY);
        let thread = std::thread::Builder::new()
            .name("records-writer".into())
            .spawn(move || run(writer, requests))?;
        Ok(GroupCommit {
            queue: Mutex::new(Some(queue)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queues items to be written in one transaction and waits until they are committed.
    pub fn submit(&self, items: Vec<Item>) -> Result<Vec<Outcome>> {
        let (reply, answer): (Sender<_>, _) = mpsc::channel();
        self.submit_then(
            items,
            Box::new(move |outcome| {
                let _ = reply.send(outcome);
            }),
        );
        answer.recv().map_err(|_| Error::WriterGone)?
    }

    /// Queues items to be written in one transaction; `reply` is called once they are
    /// committed or failed — from the writer thread, or at once when the writer is gone.
    /// Returns without waiting for the commit (it waits only while the queue is full).
    pub fn submit_then(&self, items: Vec<Item>, reply: Reply) {
        let queue = match self.sender() {
            Ok(queue) => queue,
            Err(e) => return reply(Err(e)),
        };
        if let Err(refused) = queue.send(Request { items, reply }) {
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

fn run(writer: Box<dyn ChainWriter>, requests: Receiver<Request>) {
    let mut chain = Chain::new(writer);
    let mut previous_callers = 0;
    while let Ok(first) = requests.recv() {
        let batch = gather(first, &requests, previous_callers);
        previous_callers = batch.len();
        write_and_answer(&mut chain, batch);
    }
}

/// The first request and whatever else is queued, up to the batch limit. When far fewer
/// callers are queued than were answered by the last commit, most of those are probably about
/// to append again: wait a little for them rather than pay a whole commit for a few records.
fn gather(first: Request, requests: &Receiver<Request>, previous_callers: usize) -> Vec<Request> {
    let mut size = first.items.len();
    let mut batch = vec![first];
    let deadline = Instant::now() + GATHER_WAIT;
    while size < MAX_BATCH_RECORDS {
        let next = match requests.try_recv() {
            Ok(next) => Some(next),
            Err(TryRecvError::Disconnected) => None,
            Err(TryRecvError::Empty) if batch.len() * 2 < previous_callers => {
                let left = deadline.saturating_duration_since(Instant::now());
                requests.recv_timeout(left).ok()
            }
            Err(TryRecvError::Empty) => None,
        };
        let Some(next) = next else { break };
        size += next.items.len();
        batch.push(next);
    }
    batch
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
