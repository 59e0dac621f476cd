//! A crew of threads that stay awake while a run lasts. Handing one of them a range of neurons costs a
//! cache-line transfer instead of a system call: a thread pool that sleeps between steps wakes up in
//! tens of microseconds on a virtual machine, as long as a whole time step of a mid-sized group.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use ganglion_ir::Workers;

/// A job for a crew member: a boxed closure whose borrows the caller keeps alive until it is done.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// One crew member's mailbox, on a cache line of its own.
#[repr(align(128))]
struct Slot {
    /// A job is waiting (set by the caller, cleared by the member once it has taken it).
    full: AtomicBool,
    /// The member finished the job it took.
    done: AtomicBool,
    /// The member's job panicked.
    panicked: AtomicBool,
    job: UnsafeCell<Option<Job>>,
}

// SAFETY: `job` is written only by the caller while `full` is false and the member is not reading it,
// and read (taken) only by the member after it sees `full` true (Acquire/Release on `full` order the two).
#[allow(unsafe_code)]
unsafe impl Sync for Slot {}

struct Shared {
    slots: Vec<Slot>,
    stop: AtomicBool,
    /// Members that started (the crew waits for them before its first job).
    started: AtomicUsize,
}

/// Threads that wait for jobs (spinning, then yielding) until the crew is dropped. They start with the
/// first job: a run whose kernels are all too small to split never starts them.
pub struct Crew {
    threads: usize,
    members: OnceLock<Members>,
}

struct Members {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
}

impl Crew {
    /// A crew for `threads` threads in all: the caller and `threads - 1` members (started when first
    /// needed).
    pub fn new(threads: usize) -> Crew {
        Crew {
            threads: threads.max(1),
            members: OnceLock::new(),
        }
    }

    fn members(&self) -> &Members {
        self.members.get_or_init(|| Members::start(self.threads))
    }
}

impl Members {
    fn start(threads: usize) -> Members {
        let members = threads.max(1) - 1;
        let shared = Arc::new(Shared {
            slots: (0..members)
                .map(|_| Slot {
                    full: AtomicBool::new(false),
                    done: AtomicBool::new(true),
                    panicked: AtomicBool::new(false),
                    job: UnsafeCell::new(None),
                })
                .collect(),
            stop: AtomicBool::new(false),
            started: AtomicUsize::new(0),
        });
        let handles = (0..members)
            .map(|k| {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || member(&shared, k))
            })
            .collect();
        Members { shared, handles }
    }
}

fn member(shared: &Shared, k: usize) {
    shared.started.fetch_add(1, Ordering::Release);
    let slot = &shared.slots[k];
    let mut idle: u32 = 0;
    loop {
        if slot.full.load(Ordering::Acquire) {
            // SAFETY: `full` is true: the caller wrote the job and does not touch it until `done`.
            #[allow(unsafe_code)]
            let job = unsafe { (*slot.job.get()).take() };
            slot.full.store(false, Ordering::Relaxed);
            if let Some(job) = job {
                let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_ok();
                slot.panicked.store(!ok, Ordering::Relaxed);
            }
            slot.done.store(true, Ordering::Release);
            idle = 0;
            continue;
        }
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        idle = idle.saturating_add(1);
        pause(idle);
    }
}

/// One round of waiting, the `round`-th: a spin at first, then a yield of the processor, so that a crew
/// with more threads than cores (or beside other busy threads) lets the thread it waits for run. A yield
/// with nothing else to run returns at once.
fn pause(round: u32) {
    if round < 256 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// Waits until `flag` is set.
fn wait_for(flag: &AtomicBool) {
    let mut round = 0u32;
    while !flag.load(Ordering::Acquire) {
        round = round.saturating_add(1);
        pause(round);
    }
}

impl Workers for Crew {
    fn threads(&self) -> usize {
        self.threads
    }

    fn run<'a>(&self, mut jobs: Vec<Box<dyn FnOnce() + Send + 'a>>) {
        if jobs.len() <= 1 {
            for job in jobs {
                job();
            }
            return;
        }
        let members = self.members();
        let mine = jobs.remove(0);
        let mut given = Vec::new();
        for (k, job) in jobs.into_iter().enumerate() {
            let slot = &members.shared.slots[k % members.shared.slots.len().max(1)];
            if members.shared.slots.is_empty() {
                job();
                continue;
            }
            // Wait for this member to be free (it is, unless there are more jobs than members).
            wait_for(&slot.done);
            // SAFETY: the job borrows data that outlives this call: `run` returns only after every job
            // it handed out is done (the loop below), so erasing the borrow's lifetime is sound.
            #[allow(unsafe_code)]
            let job: Job =
                unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + 'a>, Job>(job) };
            // SAFETY: the member is done with its previous job and `full` is false: nobody reads `job`.
            #[allow(unsafe_code)]
            unsafe {
                *slot.job.get() = Some(job);
            }
            slot.done.store(false, Ordering::Relaxed);
            slot.full.store(true, Ordering::Release);
            given.push(k % members.shared.slots.len());
        }
        mine();
        let mut panicked = false;
        for k in given {
            let slot = &members.shared.slots[k];
            wait_for(&slot.done);
            panicked |= slot.panicked.load(Ordering::Relaxed);
        }
        assert!(!panicked, "a job of the crew panicked");
    }
}

impl Drop for Members {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_runs_before_run_returns() {
        let crew = Crew::new(3);
        assert_eq!(crew.threads(), 3);
        for round in 0..200 {
            let mut out = vec![0usize; 7];
            let jobs: Vec<Box<dyn FnOnce() + Send + '_>> = out
                .iter_mut()
                .enumerate()
                .map(|(k, x)| Box::new(move || *x = k * round) as Box<dyn FnOnce() + Send + '_>)
                .collect();
            crew.run(jobs);
            assert_eq!(out, (0..7).map(|k| k * round).collect::<Vec<_>>());
        }
    }
}
