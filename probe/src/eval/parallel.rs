//! Deterministic parallel map over the cores (`std::thread::scope`, no thread pool).
//!
//! Work items are numbered `0..count`; threads take the next free item from a shared counter
//! (so a core slowed by other jobs takes fewer items), and the results come back in item order.
//! Each item is computed by the same code whatever the thread count, so a result that depends
//! only on its item is independent of the number of threads and of the schedule.
//!
//! ```
//! let squares = probe::parallel::map(5, 2, |i| i * i);
//! assert_eq!(squares, vec![0, 1, 4, 9, 16]);
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of threads to use: the cores this process may run on (at least 1).
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `(0..count).map(f)` on up to `threads` threads, results in item order.
pub fn map<T: Send>(count: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads.clamp(1, count.max(1));
    if threads == 1 {
        return (0..count).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
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
