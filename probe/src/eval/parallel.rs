//! Deterministic parallel map over the cores (`std::thread::scope`, no thread pool), within a
//! thread budget.
//!
//! Work items are numbered `0..count`; threads take the next free item from a shared counter
//! (so a core slowed by other jobs takes fewer items), and the results come back in item order.
//! Each item is computed by the same code whatever the thread count, so a result that depends
//! only on its item is independent of the number of threads and of the schedule.
//!
//! **Budget**: [`with_threads`] sets the number of threads that the code it runs may use
//! (`--threads`: `run_cli` runs every command inside it); [`threads`] reads it, and is where
//! the evaluation (kNN, mAP, the linear probe) takes its default thread count from. A [`map`]
//! on `t` threads gives each worker `max(1, budget / t)`, so nested maps (the seeds of a run,
//! each scored with a parallel kNN) never run more threads at once than the budget.
//!
//! ```
//! use probe::parallel::{map, threads, with_threads};
//! let squares = map(5, 2, |i| i * i);
//! assert_eq!(squares, vec![0, 1, 4, 9, 16]);
//! // Inside a budget of 2, each of 2 workers may use 1 thread.
//! assert_eq!(with_threads(2, || map(4, threads(), |_| threads())), vec![1; 4]);
//! ```

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// The budget of this thread; 0: none set (every core).
    static BUDGET: Cell<usize> = const { Cell::new(0) };
}

/// The number of threads the calling code may use: the budget of [`with_threads`] if one is
/// set, otherwise the cores this process may run on (at least 1).
pub fn threads() -> usize {
    match BUDGET.with(Cell::get) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Runs `f` with a budget of `n` threads (at least 1) on this thread; the previous budget is
/// restored afterwards, also when `f` panics.
pub fn with_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(BUDGET.with(|b| b.replace(n.max(1))));
    f()
}

/// `(0..count).map(f)` on up to `threads` threads, results in item order.
pub fn map<T: Send>(count: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads.clamp(1, count.max(1));
    if threads == 1 {
        return (0..count).map(f).collect();
    }
    let inner = (self::threads() / threads).max(1);
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    with_threads(inner, || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= count {
                                break done;
                            }
                            done.push((i, f(i)));
                        }
                    })
                })
            })
            .collect();
        // A panic in a worker is a bug in `f`; carry it to the caller unchanged.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut out: Vec<Option<T>> = (0..count).map(|_| None).collect();
    for (i, t) in parts.iter_mut().flat_map(std::mem::take) {
        out[i] = Some(t);
    }
    // Every index below `count` was taken by exactly one thread.
    out.into_iter().map(|t| t.expect("every item computed")).collect()
}

/// A seeded sample of `max` indices out of `0..n`, in increasing order; all of `0..n` when
/// `n ≤ max`. The sample is the first `max` entries of a Fisher–Yates shuffle
/// (`selfsup_core::rng::shuffle`, generator seeded with `seed`).
pub fn sample_indices(n: usize, max: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if n > max {
        selfsup_core::rng::shuffle(&mut selfsup_core::rng::seeded(seed), &mut idx);
        idx.truncate(max);
        idx.sort_unstable();
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_results_for_any_thread_count() {
        let f = |i: usize| (0..i).map(|j| (j as f64).sqrt()).sum::<f64>();
        let one = map(37, 1, f);
        for t in [2, 3, 8, 100] {
            assert_eq!(map(37, t, f), one);
        }
        assert!(map(0, 4, f).is_empty());
    }

    /// A budget of 1 runs every item on the calling thread; a budget of 2 is shared by the
    /// workers of a map, and restored afterwards.
    #[test]
    fn the_budget_bounds_the_workers() {
        let me = std::thread::current().id();
        let ids = with_threads(1, || map(16, threads(), |_| std::thread::current().id()));
        assert!(ids.iter().all(|&id| id == me));
        assert_eq!(with_threads(3, || (threads(), map(3, 3, |_| threads()))), (3, vec![1; 3]));
        assert_eq!(with_threads(4, || map(2, 2, |_| threads())), vec![2; 2]);
        assert_eq!(with_threads(5, || with_threads(2, threads)), 2);
        let outside = with_threads(7, threads);
        assert_eq!((outside, threads()), (7, std::thread::available_parallelism().map_or(1, |n| n.get())));
    }

    #[test]
    fn samples_are_seeded_sorted_and_distinct() {
        assert_eq!(sample_indices(5, 10, 1), vec![0, 1, 2, 3, 4]);
        let a = sample_indices(1000, 50, 7);
        assert_eq!(a, sample_indices(1000, 50, 7));
        assert_ne!(a, sample_indices(1000, 50, 8));
        assert_eq!(a.len(), 50);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[49] < 1000);
    }
}
