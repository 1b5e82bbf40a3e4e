//! The memory a run needs, estimated before anything large is allocated, and the check
//! against the memory the machine has available (`MemAvailable` of `/proc/meminfo`), so that
//! `--dim`, `--hidden` or `--repeats` far too large give one clear line instead of an abort on a
//! failed allocation.

use crate::error::{ProbeError, Result};

/// What decides a run's memory.
#[derive(Clone, Copy, Debug)]
pub struct Footprint {
    /// Data rows `n` (train and test).
    pub rows: usize,
    /// Features `d`.
    pub features: usize,
    /// Embedding size `K`.
    pub dim: usize,
    /// Hidden units `H` of an MLP encoder (0 for a linear one).
    pub hidden: usize,
    /// Rows per batch `B`.
    pub batch: usize,
    /// Pretraining runs `R`.
    pub repeats: usize,
}

/// Estimated peak bytes of a run, in f64 words of 8 bytes:
/// `8·(3·n·d + 4·n·K + 6·P + 8·B·(H + K)) + R·(8·P + 4096)` with `P = d·H + H + H·K + K`
/// (MLP) or `d·K` (linear) the encoder's parameters: the raw, standardized and encoder-input
/// copies of the data; the train and test embeddings of two representations; parameters,
/// gradients, optimizer moments and a target network; the activations of two views of a batch;
/// and the weights and metrics kept per run. It counts the dominant terms, not every buffer,
/// so it errs low; saturating, never overflowing.
///
/// ```
/// use probe::dataset::memory::{Footprint, estimate_bytes};
/// let f = Footprint { rows: 150, features: 4, dim: 2, hidden: 0, batch: 105, repeats: 1 };
/// assert!(estimate_bytes(&f) < 1 << 20);
/// let f = Footprint { dim: 100_000_000, ..f };
/// assert!(estimate_bytes(&f) > 400 << 30);
/// ```
pub fn estimate_bytes(f: &Footprint) -> u128 {
    let (n, d, k, h, b, r) = (
        f.rows as u128,
        f.features as u128,
        f.dim as u128,
        f.hidden as u128,
        f.batch as u128,
        f.repeats as u128,
    );
    let m = |a: u128, b: u128| a.saturating_mul(b);
    let sum = |v: &[u128]| v.iter().fold(0u128, |a, &b| a.saturating_add(b));
    let p = if h == 0 { m(d, k) } else { sum(&[m(d, h), h, m(h, k), k]) };
    let words = sum(&[m(3, m(n, d)), m(4, m(n, k)), m(6, p), m(m(8, b), sum(&[h, k]))]);
    sum(&[m(8, words), m(r, sum(&[m(8, p), 4096]))])
}

/// `MemAvailable` of `/proc/meminfo` in bytes (`None` where there is no such file).
pub fn available_bytes() -> Option<u128> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses a run whose [`estimate_bytes`] exceeds `available` bytes (`None`: unknown, allowed).
pub fn check_memory(f: &Footprint, available: Option<u128>) -> Result<()> {
    let need = estimate_bytes(f);
    match available {
        Some(have) if need > have => Err(ProbeError::usage(
            format!(
                "this run needs about {} of memory ({} rows × {} features, --dim {}, --hidden {}, --batch {}, --repeats {}) but {} is available",
                gib(need),
                f.rows,
                f.features,
                f.dim,
                f.hidden,
                f.batch,
                f.repeats,
                gib(have)
            ),
            "lower --dim, --hidden or --repeats (or use fewer rows or features)",
        )),
        _ => Ok(()),
    }
}

fn gib(bytes: u128) -> String {
    format!("{:.3} GiB", bytes as f64 / (1u64 << 30) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_options_are_refused_ordinary_runs_pass() {
        let iris = Footprint { rows: 150, features: 4, dim: 2, hidden: 0, batch: 105, repeats: 1 };
        assert!(check_memory(&iris, Some(1 << 30)).is_ok());
        assert!(check_memory(&iris, None).is_ok());
        // 1M rows × 32 features, the default K = 16: about 1.3 GB.
        let big = Footprint { rows: 1_000_000, features: 32, dim: 16, batch: 256, ..iris };
        assert!(estimate_bytes(&big) < 2 << 30);
        for f in [
            Footprint { dim: 100_000_000, ..iris },
            Footprint { hidden: 100_000_000, ..iris },
            Footprint { repeats: 100_000_000_000, ..iris },
            Footprint { rows: usize::MAX, dim: usize::MAX, hidden: usize::MAX, repeats: usize::MAX, ..iris },
        ] {
            let e = check_memory(&f, Some(16 << 30)).unwrap_err().to_string();
            assert!(e.contains("this run needs about") && e.contains("but 16.000 GiB is available"), "{e}");
        }
    }
}
