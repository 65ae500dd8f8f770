//! An ordered pipeline over every core: one reader thread → a pool of workers → the
//! calling thread, which takes the results in input order.
//!
//! The reader hands out work in batches; each batch needs a free slot, and a slot comes
//! back only when the caller has taken the batch's result, so at most `in_flight` batches
//! exist at once (being read, worked on, or waiting for an earlier one to finish): memory
//! stays flat whatever the input's size, and one slow batch holds the others back instead
//! of letting results pile up. Results are taken in the order the reader made the batches.
//!
//! When the caller stops (its `take` returns an error) the reader stops at its next batch
//! and the workers after theirs; a worker that panics stops the pipeline with an error
//! instead of leaving the caller waiting for a batch that will never come.

use crossbeam_channel::{bounded, unbounded};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why a pipeline stopped before the end.
#[derive(Debug)]
pub enum Stopped<E> {
    /// The reader or the caller's `take` returned this error.
    Failed(E),
    /// A worker panicked (a bug: batch work must not panic on any input).
    WorkerPanicked,
}

/// What the reader emits batches through.
pub struct Emit<'a, I> {
    send: &'a mut dyn FnMut(I) -> bool,
}

impl<I> Emit<'_, I> {
    /// Hands `batch` to the workers, waiting for a free slot. `false`: the pipeline has
    /// stopped, the reader should return.
    pub fn send(&mut self, batch: I) -> bool {
        (self.send)(batch)
    }
}

/// Runs `read` on a thread of its own, `work` on `threads` threads, and `take` on the
/// calling thread with each batch's result in the order `read` emitted the batches.
pub fn run<I, O, E>(
    threads: usize,
    in_flight: usize,
    read: impl FnOnce(&mut Emit<'_, I>) -> Result<(), E> + Send,
    work: impl Fn(I) -> O + Sync,
    mut take: impl FnMut(O) -> Result<(), E>,
) -> Result<(), Stopped<E>>
where
    I: Send,
    O: Send,
    E: Send,
{
    let in_flight = in_flight.max(1);
    let (slot_back, slot) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = slot_back.send(());
    }
    let (job_tx, job_rx) = bounded::<(u64, I)>(in_flight);
    let (done_tx, done_rx) = unbounded::<(u64, std::thread::Result<O>)>();
    let work = &work;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut seq = 0u64;
            let mut send = |batch: I| {
                // No slot: the caller has stopped and dropped the slots.
                if slot.recv().is_err() {
                    return false;
                }
                let sent = job_tx.send((seq, batch)).is_ok();
                seq += 1;
                sent
            };
            read(&mut Emit { send: &mut send })
        });
        for _ in 0..threads.max(1) {
            let (jobs, done) = (job_rx.clone(), done_tx.clone());
            scope.spawn(move || {
                for (seq, batch) in jobs {
                    let out = catch_unwind(AssertUnwindSafe(|| work(batch)));
                    if done.send((seq, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop((job_rx, done_tx));

        let mut waiting = BTreeMap::new();
        let mut next = 0u64;
        let mut outcome = Ok(());
        'taking: for (seq, out) in &done_rx {
            waiting.insert(seq, out);
            while let Some(out) = waiting.remove(&next) {
                next += 1;
                let out = match out {
                    Ok(out) => out,
                    Err(_) => {
                        outcome = Err(Stopped::WorkerPanicked);
                        break 'taking;
                    }
                };
                if let Err(e) = take(out) {
                    outcome = Err(Stopped::Failed(e));
                    break 'taking;
                }
                let _ = slot_back.send(());
            }
        }
        // Stopping: no slot will come back, no result will be taken.
        drop((slot_back, done_rx));
        let read = reader.join();
        match (outcome, read) {
            (Err(e), _) => Err(e),
            (Ok(()), Ok(Err(e))) => Err(Stopped::Failed(e)),
            (Ok(()), Err(_)) => Err(Stopped::WorkerPanicked),
            (Ok(()), Ok(Ok(()))) if !waiting.is_empty() => Err(Stopped::WorkerPanicked),
            (Ok(()), Ok(Ok(()))) => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_input_order_with_several_workers() {
        let mut seen = Vec::new();
        let out: Result<(), Stopped<()>> = run(
            4,
            3,
            |emit| {
                for i in 0..200u64 {
                    if !emit.send(i) {
                        break;
                    }
                }
                Ok(())
            },
            |i| {
                // Later batches finish first now and then.
                if i % 7 == 0 {
                    std::thread::yield_now();
                }
                i * 2
            },
            |o| {
                seen.push(o);
                Ok(())
            },
        );
        assert!(out.is_ok());
        assert_eq!(seen, (0..200).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn an_error_in_take_stops_the_reader() {
        let mut emitted = 0;
        let out = run(
            2,
            2,
            |emit| {
                for i in 0..1_000_000u64 {
                    if !emit.send(i) {
                        break;
                    }
                    emitted += 1;
                }
                Ok(())
            },
            |i| i,
            |o| if o == 10 { Err("stop") } else { Ok(()) },
        );
        assert!(matches!(out, Err(Stopped::Failed("stop"))));
        assert!(
            emitted < 100,
            "the reader went on after the stop: {emitted}"
        );
    }

    #[test]
    fn a_reader_error_is_returned_after_the_batches_before_it() {
        let mut taken = 0;
        let out = run(
            2,
            4,
            |emit| {
                for i in 0..5u64 {
                    emit.send(i);
                }
                Err("unreadable")
            },
            |i| i,
            |_| {
                taken += 1;
                Ok(())
            },
        );
        assert!(matches!(out, Err(Stopped::Failed("unreadable"))));
        assert_eq!(taken, 5);
    }

    #[test]
    fn a_panicking_worker_stops_the_pipeline_with_an_error() {
        let out: Result<(), Stopped<()>> = run(
            2,
            2,
            |emit| {
                for i in 0..100u64 {
                    if !emit.send(i) {
                        break;
                    }
                }
                Ok(())
            },
            |i| {
                assert!(i != 5, "batch 5 is broken");
                i
            },
            |_| Ok(()),
        );
        assert!(matches!(out, Err(Stopped::WorkerPanicked)));
    }
}
