//! A crew of threads that stay awake while a run lasts. Handing one of them a range of neurons costs a
//! cache-line transfer instead of a system call: a thread pool that sleeps between steps wakes up in
//! tens of microseconds on a virtual machine, as long as a whole time step of a mid-sized group.
//!
//! Jobs borrow the caller's data (`Workers::run` takes jobs of any lifetime), and the members are
//! threads that outlive any call, so handing a job over erases its lifetime: the one `unsafe` here.
//! It is sound because `run` does not return, normally or by unwinding, before every job it handed out
//! is done: a [`Handed`] guard waits for them when it is dropped.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
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
    /// The job: put by the caller while the member is done, taken by the member once `full` is set (the
    /// lock is never contended; `full` and `done` say whose turn it is).
    job: Mutex<Option<Job>>,
}

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
                    job: Mutex::new(None),
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
            let job = take(&slot.job);
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

/// Takes the job out of a slot (a job's panic never happens while the lock is held, so a poisoned lock
/// holds a valid job all the same).
fn take(job: &Mutex<Option<Job>>) -> Option<Job> {
    job.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// The members a call of `run` handed jobs to. Dropping it waits until each has finished its job: on
/// the normal path, and when the caller unwinds (its own job panicked), so that no job outlives the
/// borrows it was given.
struct Handed<'s> {
    slots: &'s [Slot],
    members: Vec<usize>,
}

impl Handed<'_> {
    /// Waits for every member's job; whether one of them panicked.
    fn wait(&mut self) -> bool {
        let mut panicked = false;
        for k in self.members.drain(..) {
            let slot = &self.slots[k];
            wait_for(&slot.done);
            panicked |= slot.panicked.load(Ordering::Relaxed);
        }
        panicked
    }
}

impl Drop for Handed<'_> {
    fn drop(&mut self) {
        self.wait();
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
        let slots = &self.members().shared.slots;
        let mine = jobs.remove(0);
        if slots.is_empty() {
            mine();
            for job in jobs {
                job();
            }
            return;
        }
        let mut handed = Handed {
            slots,
            members: Vec::new(),
        };
        for (k, job) in jobs.into_iter().enumerate() {
            let k = k % slots.len();
            let slot = &slots[k];
            // Wait for this member to be free (it is, unless there are more jobs than members).
            wait_for(&slot.done);
            // SAFETY: the job borrows data that lives at least as long as this call ('a), and it is done
            // before this call ends: `handed` waits for every member it lists when it is dropped, on
            // return or while unwinding, and the member is listed before it can start the job. So the
            // job never runs, and is never dropped, after its borrows end, and erasing the lifetime is
            // sound.
            let job: Job =
                unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + 'a>, Job>(job) };
            *slot.job.lock().unwrap_or_else(PoisonError::into_inner) = Some(job);
            slot.done.store(false, Ordering::Relaxed);
            handed.members.push(k);
            slot.full.store(true, Ordering::Release);
        }
        mine();
        let panicked = handed.wait();
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

    /// One job per element of `out`: job `k` runs `f(k, &mut out[k])`.
    fn jobs<'a>(
        out: &'a mut [usize],
        f: fn(usize, &mut usize),
    ) -> Vec<Box<dyn FnOnce() + Send + 'a>> {
        out.iter_mut()
            .enumerate()
            .map(|(k, x)| Box::new(move || f(k, x)) as Box<dyn FnOnce() + Send + 'a>)
            .collect()
    }

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

    /// When the caller's own job panics, `run` unwinds only after the members' jobs are done: the data
    /// they borrow is still there for them, and they all ran to the end.
    #[test]
    fn a_panicking_job_unwinds_after_the_others_are_done() {
        let crew = Crew::new(3);
        let mut out = vec![0usize; 3];
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crew.run(jobs(&mut out, |k, x| {
                if k == 0 {
                    panic!("the caller's job fails");
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
                *x = k;
            }))
        }));
        assert!(result.is_err());
        assert_eq!(out, [0, 1, 2]);
        // A member's panic is reported after every job is done, and the crew keeps working.
        let mut out = vec![0usize; 3];
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crew.run(jobs(&mut out, |k, x| {
                if k == 1 {
                    panic!("a member's job fails");
                }
                *x = k + 1;
            }))
        }));
        assert!(result.is_err());
        assert_eq!(out, [1, 0, 3]);
        let mut out = vec![0usize; 3];
        crew.run(jobs(&mut out, |_, x| *x = 7));
        assert_eq!(out, [7, 7, 7]);
    }
}
